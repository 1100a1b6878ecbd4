"""Furniture: seats (chair, stool, bench, sofa), tables (table, desk, night_stand, tv_stand), storage
(bookshelf, dresser, wardrobe), bed, lamp and mantel. Floor at ``y = 0``, front towards ``+z``."""
from __future__ import annotations

import math

import numpy as np

from ._base import Generator, Parts, number_word, register, rot_x, rot_y

# ----------------------------------------------------------------------------------------- helpers


def _handle(m: Parts, x, y, z, style: str, size: float, vertical: bool = False) -> None:
    """A knob (sphere on a short stem) or a bar pull (rod on two stand-offs) on a front at depth ``z``."""
    if style == "knob":
        m.cylinder((x, y, z), (x, y, z + 0.6 * size), 0.35 * size, n=8)
        m.sphere((x, y, z + 1.1 * size), size * 0.6, sub=1)
    else:
        L = 4.0 * size
        a, b = ((x, y - L / 2, z), (x, y + L / 2, z)) if vertical else ((x - L / 2, y, z), (x + L / 2, y, z))
        for p in (a, b):
            m.cylinder(p, (p[0], p[1], z + 1.2 * size), 0.18 * size, n=6)
        m.cylinder((a[0], a[1], z + 1.2 * size), (b[0], b[1], z + 1.2 * size), 0.22 * size, n=8)


def _drawer_grid(m: Parts, x0, x1, y0, y1, z, rows: int, cols: int, handle: str, knob: float, graduated=False):
    """Drawer fronts filling ``[x0,x1] x [y0,y1]`` on the plane ``z`` (+ a handle each). Returns count."""
    gap = 0.006
    if graduated:
        w = np.linspace(1.25, 0.85, rows)
        hs = (y1 - y0) * w / w.sum()
    else:
        hs = np.full(rows, (y1 - y0) / rows)
    ys = y0 + np.concatenate([[0], np.cumsum(hs)])
    cw = (x1 - x0) / cols
    for r in range(rows):
        for c in range(cols):
            cx = x0 + (c + 0.5) * cw
            cy = 0.5 * (ys[r] + ys[r + 1])
            m.box((cx, cy, z + 0.009), (cw - gap, hs[r] - gap, 0.018))
            _handle(m, cx, cy, z + 0.018, handle, knob)
    return rows * cols


def _carcass(m: Parts, w, h, d, y0, t, back=True, bottom=True):
    """Open-front box of panels: two sides, top, (bottom), (back); outer size ``w x h x d`` from ``y0``."""
    m.box((-(w - t) / 2, y0 + h / 2, 0), (t, h, d))
    m.box(((w - t) / 2, y0 + h / 2, 0), (t, h, d))
    m.box((0, y0 + h - t / 2, 0), (w - 2 * t, t, d))
    if bottom:
        m.box((0, y0 + t / 2, 0), (w - 2 * t, t, d))
    if back:
        m.box((0, y0 + h / 2, -d / 2 + t / 4), (w - 2 * t, h - 2 * t, t / 2))


def _feet(m: Parts, w, d, h, style: str, r=0.025):
    """Four feet of height ``h`` under a ``w x d`` footprint: ``"legs"`` (tapered), ``"bun"`` (spheres)."""
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (w / 2 - 1.5 * r), sz * (d / 2 - 1.5 * r)
            if style == "bun":
                m.sphere((x, h / 2, z), (1.4 * r, h / 2, 1.4 * r))
            else:
                m.cylinder((x, 0, z), (x, h, z), 0.6 * r, n=8, r_top=r)


# -------------------------------------------------------------------------------------------- chair


@register
class Chair(Generator):
    name = "chair"
    subtypes = ("armchair", "office chair", "dining chair")
    ranges = {"seat_height": (0.42, 0.50), "seat_width": (0.40, 0.52), "seat_depth": (0.40, 0.50),
              "back_height": (0.35, 0.60), "leg_thickness": (0.018, 0.032), "back_tilt": (0.0, 0.25),
              "seat_thickness": (0.03, 0.06)}
    sub_ranges = {
        "armchair": {"seat_width": (0.52, 0.72), "seat_depth": (0.48, 0.62), "seat_thickness": (0.10, 0.18),
                     "back_height": (0.30, 0.55), "seat_height": (0.38, 0.46), "arm_width": (0.08, 0.18),
                     "arm_height": (0.15, 0.25)},
        "office chair": {"seat_thickness": (0.06, 0.09), "back_height": (0.40, 0.75), "seat_width": (0.44, 0.54),
                         "base_radius": (0.26, 0.34)},
    }
    height_param = "back_height"
    height_words = ("low-backed", "high-backed")
    width_param = "seat_width"

    def structure(self, rng, subtype, p):
        if subtype == "dining chair":
            return {"back_style": str(rng.choice(["vertical slats", "horizontal slats", "solid"])),
                    "n_slats": int(rng.integers(2, 6)), "round_legs": bool(rng.random() < 0.5),
                    "stretchers": bool(rng.random() < 0.5)}
        if subtype == "armchair":
            return {"base": str(rng.choice(["legs", "skirt"])), "rolled_arms": bool(rng.random() < 0.5)}
        return {"arms": bool(rng.random() < 0.6), "n_spokes": 5}

    def build(self, m, subtype, p, s):
        h, w, d, t, r = p["seat_height"], p["seat_width"], p["seat_depth"], p["seat_thickness"], p["leg_thickness"]
        bh, tilt = p["back_height"], p["back_tilt"]
        if subtype == "dining chair":
            m.box((0, h - t / 2, 0), (w, t, d))
            m.legs([-(w / 2 - r), w / 2 - r], [-(d / 2 - r), d / 2 - r], 0, h - t, r, round_=s["round_legs"])
            if s["stretchers"]:
                ys = 0.18 * h
                for sx in (-1, 1):
                    m.box((sx * (w / 2 - r), ys, 0), (r, r, d - 2 * r))
                m.box((0, ys * 1.4, 0), (w - 2 * r, r, r))
            with m.frame(R=rot_x(-tilt), pivot=(0, h, -d / 2 + r)):
                for sx in (-1, 1):
                    m.box((sx * (w / 2 - r), h + bh / 2 - t / 2, -d / 2 + r), (2 * r, bh + t, 2 * r))
                m.box((0, h + bh - 0.035, -d / 2 + r), (w - 2 * r, 0.07, 0.022))
                k = s["n_slats"]
                if s["back_style"] == "vertical slats":
                    span = w - 4 * r
                    for i in range(k):
                        x = -span / 2 + (i + 0.5) * span / k
                        m.box((x, h + 0.05 + (bh - 0.12) / 2, -d / 2 + r), (0.5 * span / k, bh - 0.12, 0.015))
                elif s["back_style"] == "horizontal slats":
                    for i in range(k):
                        y = h + 0.08 + i * (bh - 0.15) / k
                        m.box((0, y, -d / 2 + r), (w - 2 * r, 0.35 * (bh - 0.15) / k, 0.018))
                else:
                    m.box((0, h + 0.05 + (bh - 0.1) / 2, -d / 2 + r), (w - 2 * r, bh - 0.1, 0.018))
        elif subtype == "armchair":
            aw, ah = p["arm_width"], p["arm_height"]
            W = w + 2 * aw
            lh = 0.10 if s["base"] == "legs" else 0.0
            bt = 0.16
            m.box((0, (lh + h - t) / 2, 0), (W, h - t - lh, d + bt))
            m.box((0, h - t / 2, bt / 2 + 0.01), (w - 0.01, t, d - 0.02))
            with m.frame(R=rot_x(-tilt * 0.6), pivot=(0, h - t, -d / 2)):
                m.box((0, (lh + h + bh) / 2, -d / 2), (W, h + bh - lh, bt))
                m.box((0, h + bh * 0.45, -d / 2 + bt / 2 + t * 0.35), (w - 0.02, bh * 0.85, t * 0.7))
            for sx in (-1, 1):
                x = sx * (w / 2 + aw / 2)
                m.box((x, (lh + h + ah) / 2, bt / 2), (aw, h + ah - lh, d))
                if s["rolled_arms"]:
                    m.cylinder((x, h + ah, -d / 2 + bt / 2), (x, h + ah, d / 2 + bt / 2), aw * 0.62, n=14)
            if lh > 0:
                for sx in (-1, 1):
                    for sz in (-1, 1):
                        x, z = sx * (W / 2 - 0.04), sz * ((d + bt) / 2 - 0.04)
                        m.cylinder((x, 0, z), (x, lh + 0.01, z), 0.018, n=8, r_top=0.026)
        else:  # office chair
            R0 = p["base_radius"]
            k = s["n_spokes"]
            for i in range(k):
                a = 2 * math.pi * i / k
                Ra = rot_y(a)
                m.box(Ra @ np.array([R0 / 2, 0.075, 0]), (R0, 0.035, 0.045), R=Ra)
                m.sphere(Ra @ np.array([R0 - 0.01, 0.03, 0]), 0.03, sub=1)
            m.cylinder((0, 0.055, 0), (0, 0.1, 0), 0.045, n=16)
            m.cylinder((0, 0.09, 0), (0, h - t - 0.04, 0), 0.022, n=12)
            m.box((0, h - t - 0.03, 0), (0.2, 0.05, 0.2))
            m.box((0, h - t / 2, 0), (w, t, d))
            m.sphere((0, h - 0.01, 0.02), (w / 2 * 0.95, 0.025, d / 2 * 0.9), sub=2)
            m.box((0, h - t - 0.02, -d / 2 - 0.02), (0.06, 0.025, 0.12))
            with m.frame(R=rot_x(-tilt), pivot=(0, h, -d / 2)):
                m.box((0, h + 0.02, -d / 2 - 0.05), (0.06, 0.2, 0.02))
                m.box((0, h + 0.08 + bh / 2, -d / 2 - 0.04), (w * 0.92, bh, 0.06))
            if s["arms"]:
                for sx in (-1, 1):
                    x = sx * (w / 2 + 0.03)
                    m.box((x, h + 0.02, 0.0), (0.03, 0.22, 0.04))
                    m.box((x, h + 0.13, 0.02), (0.07, 0.03, 0.25))

    def describe(self, subtype, p, s):
        det = []
        n_legs = 0
        if subtype == "dining chair":
            n_legs = 4
            det += ["with four legs" if not s["round_legs"] else "with four round legs",
                    {"vertical slats": "with a slatted back", "horizontal slats": "with horizontal back rails",
                     "solid": "with a solid backrest"}[s["back_style"]]]
            if s["stretchers"]:
                det.append("with stretchers between the legs")
        elif subtype == "armchair":
            det += ["with wide armrests", "with a thick seat cushion"]
            if s["base"] == "legs":
                n_legs = 4
                det.append("on four short legs")
            else:
                det.append("with an upholstered base down to the floor")
            if s["rolled_arms"]:
                det.append("with rolled arms")
        else:
            det += ["on five caster wheels", "with a gas-lift column"]
            if s["arms"]:
                det.append("with armrests")
        if p["back_tilt"] > 0.17:
            det.append("with a reclined backrest")
        return {"n_legs": n_legs, "details": det}


# -------------------------------------------------------------------------------------------- stool


@register
class Stool(Generator):
    name = "stool"
    subtypes = ("bar stool", "step stool", "three-legged stool")
    ranges = {"seat_height": (0.42, 0.55), "seat_radius": (0.15, 0.20), "leg_thickness": (0.015, 0.028),
              "splay": (0.05, 0.25), "seat_thickness": (0.03, 0.06)}
    sub_ranges = {"bar stool": {"seat_height": (0.65, 0.82), "footrest": (0.25, 0.4)},
                  "step stool": {"seat_height": (0.20, 0.38), "seat_radius": (0.17, 0.25), "splay": (0.0, 0.12)}}
    height_param = "seat_height"
    width_param = "seat_radius"

    def structure(self, rng, subtype, p):
        if subtype == "bar stool":
            return {"base": str(rng.choice(["four legs", "pedestal"])), "square_seat": bool(rng.random() < 0.3),
                    "low_back": bool(rng.random() < 0.3)}
        if subtype == "step stool":
            return {"n_steps": int(rng.integers(1, 3))}
        return {"rungs": bool(rng.random() < 0.6)}

    def build(self, m, subtype, p, s):
        h, R, r, sp, t = p["seat_height"], p["seat_radius"], p["leg_thickness"], p["splay"], p["seat_thickness"]
        if subtype == "step stool":
            W, D = 2.2 * R, 1.3 * R
            m.box((0, h - t / 2, 0), (W, t, D))
            for sx in (-1, 1):
                m.tapered_box((sx * (W / 2 - 0.02), 0, 0), (0.025, D * (1 + sp)), (0.025, D), h - t)
            m.box((0, 0.6 * (h - t), -D / 2 + 0.02), (W - 0.05, 0.05, 0.015))
            if s["n_steps"] == 2:
                y2 = 0.5 * h
                m.box((0, y2, D / 2 + 0.12), (W * 0.9, t, 0.24))
                for sx in (-1, 1):
                    m.box((sx * (W * 0.45 - 0.015), y2 / 2, D / 2 + 0.12), (0.025, y2, 0.22))
            return
        seat_y = h - t / 2
        if subtype == "bar stool" and s["square_seat"]:
            m.box((0, seat_y, 0), (1.8 * R, t, 1.8 * R))
        else:
            m.cylinder((0, h - t, 0), (0, h, 0), R, n=24)
            m.torus((0, h - t / 2, 0), R, t / 2, n_major=24, n_minor=6)
        if subtype == "bar stool":
            fy = p["footrest"] * h
            if s["base"] == "pedestal":
                m.cylinder((0, 0, 0), (0, 0.03, 0), R * 1.3, n=24)
                m.cylinder((0, 0.03, 0), (0, h - t, 0), 0.03, n=12)
                m.torus((0, fy, 0), R * 0.9, 0.012, n_major=24, n_minor=6)
                m.cylinder((0, fy, 0), (R * 0.9, fy, 0), 0.01, n=6)
                m.cylinder((0, fy, 0), (-R * 0.9, fy, 0), 0.01, n=6)
            else:
                a0 = 0.72 * R
                for i in range(4):
                    a = math.pi / 4 + i * math.pi / 2
                    top = np.array([a0 * math.cos(a), h - t, a0 * math.sin(a)])
                    foot = np.array([(a0 + sp * h * 0.5) * math.cos(a), 0, (a0 + sp * h * 0.5) * math.sin(a)])
                    m.cylinder(foot, top, r, n=8)
                rf = a0 + sp * h * 0.5 * (1 - fy / h)
                m.torus((0, fy, 0), rf, 0.011, n_major=24, n_minor=6)
            if s["low_back"]:
                m.box((0, h + 0.1, -R * 0.85), (1.4 * R, 0.12, 0.025), R=rot_x(-0.15))
                for sx in (-1, 1):
                    m.box((sx * 0.6 * R, h + 0.05, -R * 0.85), (0.02, 0.12, 0.02))
        else:  # three-legged
            a0 = 0.7 * R
            feet = []
            for i in range(3):
                a = 2 * math.pi * i / 3 + math.pi / 2
                top = np.array([a0 * math.cos(a), h - t, a0 * math.sin(a)])
                foot = np.array([(a0 + sp * h) * math.cos(a), 0, (a0 + sp * h) * math.sin(a)])
                m.cylinder(foot, top, r, n=8, r_top=r * 1.2)
                feet.append((foot, top))
            if s["rungs"]:
                pts = [f + 0.35 * (tp - f) for f, tp in feet]
                for i in range(3):
                    m.cylinder(pts[i], pts[(i + 1) % 3], r * 0.6, n=6)

    def describe(self, subtype, p, s):
        if subtype == "step stool":
            return {"n_legs": 2, "details": ["with a rectangular top", "with two solid side panels"]
                    + (["with a second, lower step"] if s["n_steps"] == 2 else [])}
        if subtype == "bar stool":
            det = ["with a footrest ring"]
            if s["base"] == "pedestal":
                det.insert(0, "on a single central column")
                n = 0
            else:
                det.insert(0, "with four splayed legs")
                n = 4
            det.append("with a square seat" if s["square_seat"] else "with a round seat")
            if s["low_back"]:
                det.append("with a low backrest")
            return {"n_legs": n, "details": det}
        det = ["with three splayed legs", "with a round seat"] + (["with rungs between the legs"] if s["rungs"] else [])
        return {"n_legs": 3, "details": det}


# -------------------------------------------------------------------------------------------- bench


@register
class Bench(Generator):
    name = "bench"
    subtypes = ("park bench", "backless bench", "storage bench")
    ranges = {"length": (1.0, 1.8), "seat_height": (0.40, 0.48), "depth": (0.35, 0.50),
              "seat_thickness": (0.03, 0.06), "leg_thickness": (0.03, 0.06)}
    sub_ranges = {"park bench": {"back_height": (0.30, 0.45), "back_tilt": (0.1, 0.3)},
                  "storage bench": {"length": (0.8, 1.4), "depth": (0.38, 0.5)}}
    height_param = None
    width_param = "length"
    width_words = ("short", "long")

    def structure(self, rng, subtype, p):
        if subtype == "park bench":
            return {"n_slats": int(rng.integers(3, 6)), "n_back_slats": int(rng.integers(2, 4)),
                    "armrests": bool(rng.random() < 0.7), "n_frames": 3 if p["length"] > 1.5 else 2}
        if subtype == "backless bench":
            return {"legs": str(rng.choice(["four legs", "trestles"])), "n_planks": int(rng.integers(1, 4))}
        return {"cushion": bool(rng.random() < 0.7), "lid_knob": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        L, h, d, t, r = p["length"], p["seat_height"], p["depth"], p["seat_thickness"], p["leg_thickness"]
        if subtype == "park bench":
            k = s["n_slats"]
            for i in range(k):
                z = -d / 2 + (i + 0.5) * d / k
                m.box((0, h - t / 2, z), (L, t * 0.7, 0.7 * d / k))
            xs = np.linspace(-L / 2 + 0.08, L / 2 - 0.08, s["n_frames"])
            bh, tilt = p["back_height"], p["back_tilt"]
            for x in xs:
                m.box((x, (h - t) / 2, d / 2 - 0.05), (r, h - t, r * 1.2))
                m.box((x, (h - t) / 2, -d / 2 + 0.05), (r, h - t, r * 1.2))
                m.box((x, h - t - 0.02, 0), (r, 0.04, d))
                with m.frame(R=rot_x(-tilt), pivot=(x, h, -d / 2 + 0.03)):
                    m.box((x, h + bh / 2, -d / 2 + 0.03), (r, bh + 0.05, r))
            with m.frame(R=rot_x(-tilt), pivot=(0, h, -d / 2)):
                kb = s["n_back_slats"]
                for i in range(kb):
                    y = h + 0.06 + (i + 0.5) * (bh - 0.06) / kb
                    m.box((0, y, -d / 2 + 0.01), (L, 0.6 * (bh - 0.06) / kb, t * 0.6))
            if s["armrests"]:
                for x in (xs[0], xs[-1]):
                    m.box((x, h + 0.2, 0.0), (r * 1.3, 0.03, d * 0.9))
                    m.box((x, h + 0.1, d / 2 - 0.06), (r, 0.2, r))
        elif subtype == "backless bench":
            n = s["n_planks"]
            for i in range(n):
                m.box((0, h - t / 2, -d / 2 + (i + 0.5) * d / n), (L, t, d / n - 0.01))
            if s["legs"] == "four legs":
                m.legs([-(L / 2 - 0.08), L / 2 - 0.08], [-(d / 2 - 0.05), d / 2 - 0.05], 0, h - t, r / 2)
            else:
                for sx in (-1, 1):
                    m.box((sx * (L / 2 - 0.12), (h - t) / 2, 0), (r, h - t, d * 0.85))
                    m.box((sx * (L / 2 - 0.12), 0.02, 0), (r * 1.5, 0.04, d * 0.95))
                m.box((0, 0.3 * h, 0), (L - 0.24, 0.05, r))
        else:
            hb = h - (0.06 if s["cushion"] else 0.0)
            m.box((0, 0.02 + (hb - 0.06) / 2, 0), (L, hb - 0.06, d))
            m.box((0, hb - 0.02, 0), (L + 0.02, 0.04, d + 0.02))
            m.box((0, (hb - 0.06) / 2 + 0.02, d / 2 + 0.005), (L - 0.1, (hb - 0.1) * 0.8, 0.01))
            _feet(m, L, d, 0.03, "legs", r=0.02)
            if s["cushion"]:
                m.box((0, hb + 0.03, 0), (L - 0.02, 0.06, d - 0.02))
            if s["lid_knob"]:
                _handle(m, 0, hb - 0.05, d / 2 + 0.01, "knob", 0.02)

    def describe(self, subtype, p, s):
        if subtype == "park bench":
            det = [f"with {number_word(s['n_slats'])} seat slats", "with a slatted backrest"]
            if s["armrests"]:
                det.append("with armrests at both ends")
            return {"n_legs": 2 * s["n_frames"], "details": det}
        if subtype == "backless bench":
            det = ["without a backrest", "with four legs" if s["legs"] == "four legs" else "on two trestle supports"]
            if s["n_planks"] > 1:
                det.append(f"with a seat of {number_word(s['n_planks'])} planks")
            return {"n_legs": 4 if s["legs"] == "four legs" else 2, "details": det}
        det = ["with a storage chest below the seat", "with a hinged lid"]
        if s["cushion"]:
            det.append("with a seat cushion")
        return {"n_legs": 4, "n_drawers": 0, "details": det}


# -------------------------------------------------------------------------------------------- table


@register
class Table(Generator):
    name = "table"
    subtypes = ("round table", "rectangular table", "coffee table")
    ranges = {"height": (0.70, 0.78), "width": (1.0, 1.7), "depth_ratio": (0.5, 0.85),
              "top_thickness": (0.025, 0.05), "leg_thickness": (0.025, 0.05)}
    sub_ranges = {"round table": {"width": (0.75, 1.3)},
                  "coffee table": {"height": (0.33, 0.48), "width": (0.8, 1.3), "depth_ratio": (0.45, 0.7)}}

    def structure(self, rng, subtype, p):
        if subtype == "round table":
            return {"base": str(rng.choice(["pedestal", "four legs", "tripod"]))}
        if subtype == "coffee table":
            return {"shelf": bool(rng.random() < 0.5), "oval": bool(rng.random() < 0.35), "round_legs": bool(rng.random() < 0.5)}
        return {"stretcher": bool(rng.random() < 0.35), "round_legs": bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        h, W, t, r = p["height"], p["width"], p["top_thickness"], p["leg_thickness"]
        D = W * p["depth_ratio"]
        if subtype == "round table":
            R = W / 2
            m.cylinder((0, h - t, 0), (0, h, 0), R, n=32)
            if s["base"] == "pedestal":
                m.revolve([(0, 0), (R * 0.45, 0), (R * 0.45, 0.03), (r * 1.4, 0.08), (r * 1.1, h * 0.5),
                           (r * 1.5, h - t - 0.04), (R * 0.25, h - t), (0, h - t)], n=20)
            else:
                k = 4 if s["base"] == "four legs" else 3
                a0 = R * 0.6
                for i in range(k):
                    a = 2 * math.pi * i / k + math.pi / 4
                    m.cylinder((a0 * 1.15 * math.cos(a), 0, a0 * 1.15 * math.sin(a)),
                               (a0 * math.cos(a), h - t, a0 * math.sin(a)), r * 0.6, n=10)
                m.cylinder((0, h - t - 0.05, 0), (0, h - t, 0), a0 * 1.05, n=24)
            return
        if subtype == "coffee table" and s["oval"]:
            m.cylinder((0, h - t, 0), (0, h, 0), (W / 2, D / 2), n=32)
            lx, lz = W / 2 * 0.62, D / 2 * 0.62
        else:
            m.box((0, h - t / 2, 0), (W, t, D))
            lx, lz = W / 2 - 2 * r, D / 2 - 2 * r
        m.legs([-lx, lx], [-lz, lz], 0, h - t, r / 2 if not s.get("round_legs") else r * 0.55, round_=s.get("round_legs", False))
        ah = 0.08 if subtype == "rectangular table" else 0.05
        m.box((0, h - t - ah / 2, lz), (2 * lx, ah, 0.02))
        m.box((0, h - t - ah / 2, -lz), (2 * lx, ah, 0.02))
        m.box((lx, h - t - ah / 2, 0), (0.02, ah, 2 * lz))
        m.box((-lx, h - t - ah / 2, 0), (0.02, ah, 2 * lz))
        if subtype == "rectangular table" and s["stretcher"]:
            m.box((0, 0.15, 0), (2 * lx, 0.04, 0.04))
            for sx in (-1, 1):
                m.box((sx * lx, 0.15, 0), (0.04, 0.04, 2 * lz))
        if subtype == "coffee table" and s["shelf"]:
            m.box((0, 0.1, 0), (2 * lx + r, 0.02, 2 * lz + r))

    def describe(self, subtype, p, s):
        if subtype == "round table":
            b = s["base"]
            return {"n_legs": {"pedestal": 1, "four legs": 4, "tripod": 3}[b],
                    "details": ["with a circular top", {"pedestal": "on a single pedestal", "four legs": "with four legs",
                                                        "tripod": "with three legs"}[b]]}
        det = ["with four legs" if not s.get("round_legs") else "with four round legs"]
        if subtype == "coffee table":
            det += ["low to the ground", "with an oval top" if s["oval"] else "with a rectangular top"]
            if s["shelf"]:
                det.append("with a lower shelf")
            return {"n_legs": 4, "n_shelves": int(s["shelf"]), "details": det}
        det.append("with a rectangular top")
        if s["stretcher"]:
            det.append("with stretchers near the floor")
        return {"n_legs": 4, "details": det}


# --------------------------------------------------------------------------------------------- desk


@register
class Desk(Generator):
    name = "desk"
    subtypes = ("writing desk", "pedestal desk", "computer desk")
    ranges = {"width": (1.0, 1.6), "depth": (0.5, 0.75), "height": (0.72, 0.78), "top_thickness": (0.02, 0.04),
              "leg_thickness": (0.03, 0.05), "knob_size": (0.012, 0.02)}
    sub_ranges = {"computer desk": {"hutch_height": (0.2, 0.4)}}

    def structure(self, rng, subtype, p):
        h = str(rng.choice(["knob", "bar"]))
        if subtype == "writing desk":
            return {"n_drawers": int(rng.integers(1, 4)), "handle": h}
        if subtype == "pedestal desk":
            return {"n_pedestals": int(rng.integers(1, 3)), "rows": int(rng.integers(2, 5)), "handle": h}
        return {"tray": bool(rng.random() < 0.7), "cpu_shelf": bool(rng.random() < 0.5), "handle": h}

    def build(self, m, subtype, p, s):
        W, D, H, t, r = p["width"], p["depth"], p["height"], p["top_thickness"], p["leg_thickness"]
        m.box((0, H - t / 2, 0), (W, t, D))
        if subtype == "writing desk":
            m.legs([-(W / 2 - r), W / 2 - r], [-(D / 2 - r), D / 2 - r], 0, H - t, r / 2)
            ah = 0.12
            m.box((0, H - t - ah / 2, -D / 2 + r), (W - 2 * r, ah, 0.02))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - r), H - t - ah / 2, 0), (0.02, ah, D - 2 * r))
            _drawer_grid(m, -(W / 2 - 2 * r), W / 2 - 2 * r, H - t - ah, H - t, D / 2 - r, 1, s["n_drawers"],
                         s["handle"], p["knob_size"])
        elif subtype == "pedestal desk":
            pw = 0.4
            sides = [1] if s["n_pedestals"] == 1 else [-1, 1]
            for sx in sides:
                x = sx * (W / 2 - pw / 2)
                m.box((x, (H - t) / 2, 0), (pw, H - t, D - 0.04))
                _drawer_grid(m, x - pw / 2 + 0.015, x + pw / 2 - 0.015, 0.06, H - t - 0.02, D / 2 - 0.02, s["rows"], 1,
                             s["handle"], p["knob_size"], graduated=True)
            if s["n_pedestals"] == 1:
                m.box((-(W / 2 - 0.015), (H - t) / 2, 0), (0.03, H - t, D - 0.04))
            m.box((0, H * 0.6, -D / 2 + 0.05), (W - 0.1, H * 0.6, 0.02))
        else:
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.015), (H - t) / 2, 0), (0.03, H - t, D))
            m.box((0, 0.15, -D / 2 + 0.03), (W - 0.06, 0.25, 0.02))
            hh = p["hutch_height"]
            m.box((0, H + hh, -D / 2 + 0.14), (W, 0.025, 0.26))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.015), H + hh / 2, -D / 2 + 0.14), (0.025, hh, 0.26))
            if s["tray"]:
                m.box((0.05, H - t - 0.08, 0.05), (W * 0.55, 0.018, D * 0.7))
                for sx in (-1, 1):
                    m.box((0.05 + sx * W * 0.275, H - t - 0.045, 0.05), (0.015, 0.07, D * 0.6))
            if s["cpu_shelf"]:
                m.box((W / 2 - 0.2, 0.05, 0), (0.36, 0.02, D - 0.05))
                m.box((W / 2 - 0.39, 0.3, 0), (0.02, 0.6, D - 0.05))

    def describe(self, subtype, p, s):
        if subtype == "writing desk":
            k = s["n_drawers"]
            return {"n_legs": 4, "n_drawers": k, "details": ["with four slim legs",
                                                             f"with {number_word(k)} drawer{'s' if k > 1 else ''} under the top"]}
        if subtype == "pedestal desk":
            k = s["n_pedestals"] * s["rows"]
            det = [f"with {number_word(k)} drawers", "with drawer pedestals on both sides" if s["n_pedestals"] == 2
                   else "with a drawer pedestal on one side", "with a modesty panel"]
            return {"n_drawers": k, "details": det}
        det = ["with a raised shelf for a monitor", "with solid side panels"]
        if s["tray"]:
            det.append("with a sliding keyboard tray")
        if s["cpu_shelf"]:
            det.append("with a compartment for a computer tower")
        return {"n_shelves": 1 + int(s["cpu_shelf"]), "details": det}


# ---------------------------------------------------------------------------------------- bookshelf


@register
class Bookshelf(Generator):
    name = "bookshelf"
    subtypes = ("closed bookcase", "open bookcase", "ladder shelf")
    ranges = {"height": (0.9, 2.0), "width": (0.6, 1.2), "depth": (0.25, 0.40), "board": (0.018, 0.035)}

    def structure(self, rng, subtype, p):
        n = int(np.clip(round(p["height"] / 0.36) + rng.integers(-1, 2), 2, 6))
        books = bool(rng.random() < 0.6)
        fill = [int(rng.integers(0, 9)) if books else 0 for _ in range(n + 1)]
        return {"n_shelves": n, "books": books, "fill": ",".join(map(str, fill)), "book_seed": int(rng.integers(1 << 30)),
                "braces": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        H, W, D, t = p["height"], p["width"], p["depth"], p["board"]
        n = s["n_shelves"]
        levels = np.linspace(0.06, H - t, n + 2)[:-1]  # board tops: bottom + n inner
        if subtype == "closed bookcase":
            _carcass(m, W, H, D, 0, t)
            m.box((0, 0.03, D / 2 - 0.01), (W - 2 * t, 0.06, 0.02))
            for y in levels[1:]:
                m.box((0, y - t / 2, 0.005), (W - 2 * t, t, D - t / 2 - 0.01))
            depth_at = lambda y: D - 0.02  # noqa: E731
            z_back = -D / 2 + t / 2
        elif subtype == "open bookcase":
            for sx in (-1, 1):
                for sz in (-1, 1):
                    m.box((sx * (W / 2 - t), H / 2, sz * (D / 2 - t)), (2 * t, H, 2 * t))
            for y in list(levels) + [H - t / 2]:
                m.box((0, y - t / 2 if y != H - t / 2 else y, 0), (W, t, D))
            if s["braces"]:
                ang = math.atan2(H, W)
                L = math.hypot(W, H)
                for sgn in (-1, 1):
                    m.box((0, H / 2, -D / 2 + t), (L, 0.015, 0.006), R=np.array(
                        [[math.cos(sgn * ang), -math.sin(sgn * ang), 0], [math.sin(sgn * ang), math.cos(sgn * ang), 0], [0, 0, 1]]))
            depth_at = lambda y: D - 0.02  # noqa: E731
            z_back = -D / 2
        else:
            top_z = -D / 2 + 0.03
            for sx in (-1, 1):
                m.cylinder((sx * (W / 2 - t), 0, D / 2), (sx * (W / 2 - t), H, top_z), t, n=8)

            def rail_z(y):
                return D / 2 + (top_z - D / 2) * y / H

            for y in list(levels) + [H * 0.97]:
                dz = rail_z(y) + D / 2
                m.box((0, y - t / 2, -D / 2 + dz / 2), (W - 2 * t, t, dz))
            depth_at = lambda y: rail_z(y) + D / 2 - 0.01  # noqa: E731
            z_back = -D / 2
        if s["books"]:
            rng = np.random.default_rng(s["book_seed"])
            fill = [int(x) for x in s["fill"].split(",")]
            tops = list(levels[1:]) + [H - t]
            for i, y0 in enumerate(levels):
                gap = tops[i] - y0 - (t if i < len(tops) - 1 else 0)
                x = -W / 2 + 2 * t + 0.01
                for _ in range(fill[i]):
                    bw = float(rng.uniform(0.02, 0.05))
                    bh = float(rng.uniform(0.6, 0.9)) * min(gap, 0.32)
                    bd = min(float(rng.uniform(0.15, 0.24)), depth_at(y0) - 0.02)
                    if x + bw > W / 2 - 2 * t or bd <= 0.02:
                        break
                    m.box((x + bw / 2, y0 + bh / 2, z_back + 0.01 + bd / 2), (bw, bh, bd))
                    x += bw + 0.002

    def describe(self, subtype, p, s):
        n = s["n_shelves"] + 1
        det = [f"with {number_word(n)} shelves"]
        if subtype == "closed bookcase":
            det += ["with solid side panels and a back panel"]
        elif subtype == "open bookcase":
            det += ["with an open frame of four corner posts"] + (["with cross braces at the back"] if s["braces"] else [])
        else:
            det += ["leaning like a ladder", "with shelves that get shallower towards the top"]
        if s["books"]:
            det.append("holding a row of books")
        return {"n_shelves": n, "details": det}


# ------------------------------------------------------------------------------------------ dresser


@register
class Dresser(Generator):
    name = "dresser"
    subtypes = ("low dresser", "tall chest of drawers", "dresser with mirror")
    ranges = {"width": (0.9, 1.6), "height": (0.7, 0.95), "depth": (0.42, 0.55), "foot_height": (0.03, 0.12),
              "knob_size": (0.012, 0.022)}
    sub_ranges = {"tall chest of drawers": {"width": (0.65, 1.0), "height": (1.1, 1.5)},
                  "dresser with mirror": {"mirror_height": (0.5, 0.9), "mirror_width": (0.5, 0.85)}}

    def structure(self, rng, subtype, p):
        if subtype == "tall chest of drawers":
            rows, cols = int(rng.integers(5, 7)), int(rng.integers(1, 3))
        else:
            rows, cols = int(rng.integers(3, 5)), int(rng.integers(2, 4))
        return {"rows": rows, "cols": cols, "handle": str(rng.choice(["knob", "bar"])),
                "feet": str(rng.choice(["legs", "bun", "plinth"])), "oval_mirror": bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        W, H, D, fh = p["width"], p["height"], p["depth"], p["foot_height"]
        body = H - fh - 0.03
        m.box((0, fh + body / 2, 0), (W, body, D))
        m.box((0, H - 0.015, 0.01), (W + 0.04, 0.03, D + 0.03))
        if s["feet"] == "plinth":
            m.box((0, fh / 2, 0), (W - 0.04, fh, D - 0.04))
        else:
            _feet(m, W, D, fh, s["feet"])
        _drawer_grid(m, -W / 2 + 0.02, W / 2 - 0.02, fh + 0.02, H - 0.05, D / 2, s["rows"], s["cols"], s["handle"],
                     p["knob_size"], graduated=True)
        if subtype == "dresser with mirror":
            mh, mw = p["mirror_height"], p["mirror_width"] * W
            yc = H + 0.04 + mh / 2
            if s["oval_mirror"]:
                m.cylinder((0, yc, -D / 2 + 0.04), (0, yc, -D / 2 + 0.07), (mw / 2, mh / 2), n=32)
                m.torus((0, yc, -D / 2 + 0.07), 1.0, 0.03, normal=(0, 0, 1), scale=(mw / 2, mh / 2), n_major=32, n_minor=6)
            else:
                m.box((0, yc, -D / 2 + 0.05), (mw, mh, 0.02))
                for sx in (-1, 1):
                    m.box((sx * mw / 2, yc, -D / 2 + 0.06), (0.04, mh + 0.04, 0.04))
                for sy in (-1, 1):
                    m.box((0, yc + sy * mh / 2, -D / 2 + 0.06), (mw + 0.04, 0.04, 0.04))
            for sx in (-1, 1):
                m.box((sx * (mw / 2 + 0.03), H + 0.03 + mh * 0.35, -D / 2 + 0.06), (0.03, mh * 0.7, 0.04))

    def describe(self, subtype, p, s):
        k = s["rows"] * s["cols"]
        det = [f"with {number_word(k)} drawers", f"with {number_word(s['rows'])} rows of drawers",
               "with round knobs" if s["handle"] == "knob" else "with bar handles",
               {"legs": "on short tapered legs", "bun": "on round bun feet", "plinth": "on a plinth base"}[s["feet"]]]
        if subtype == "dresser with mirror":
            det.insert(1, "with an oval mirror on top" if s["oval_mirror"] else "with a rectangular mirror on top")
        return {"n_drawers": k, "n_legs": 0 if s["feet"] == "plinth" else 4, "details": det}


# -------------------------------------------------------------------------------------- night_stand


@register
class NightStand(Generator):
    name = "night_stand"
    subtypes = ("drawer nightstand", "open-shelf nightstand", "cabinet nightstand")
    ranges = {"width": (0.4, 0.6), "height": (0.5, 0.7), "depth": (0.35, 0.45), "leg_height": (0.0, 0.18),
              "knob_size": (0.01, 0.018)}

    def structure(self, rng, subtype, p):
        return {"n_drawers": int(rng.integers(1, 4)) if subtype == "drawer nightstand" else int(rng.integers(0, 2)),
                "handle": str(rng.choice(["knob", "bar"])), "round_legs": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        W, H, D, lh = p["width"], p["height"], p["depth"], p["leg_height"]
        t = 0.02
        legs = lh > 0.05
        y0 = lh if legs else 0.03
        if legs:
            m.legs([-(W / 2 - 0.03), W / 2 - 0.03], [-(D / 2 - 0.03), D / 2 - 0.03], 0, y0, 0.015, round_=s["round_legs"])
        else:
            m.box((0, 0.015, 0), (W - 0.03, 0.03, D - 0.03))
        hb = H - y0
        _carcass(m, W, hb, D, y0, t)
        m.box((0, H + 0.01, 0.005), (W + 0.02, 0.02, D + 0.01))
        k = s["n_drawers"]
        if subtype == "drawer nightstand":
            _drawer_grid(m, -W / 2 + t, W / 2 - t, y0 + t, H - t, D / 2, k, 1, s["handle"], p["knob_size"])
        elif subtype == "open-shelf nightstand":
            top = H - t
            if k:
                dh = 0.3 * hb
                _drawer_grid(m, -W / 2 + t, W / 2 - t, top - dh, top, D / 2, 1, 1, s["handle"], p["knob_size"])
                top -= dh
            m.box((0, y0 + (top - y0) / 2, 0), (W - 2 * t, t, D - 0.02))
        else:
            top = H - t
            if k:
                dh = 0.25 * hb
                _drawer_grid(m, -W / 2 + t, W / 2 - t, top - dh, top, D / 2, 1, 1, s["handle"], p["knob_size"])
                top -= dh
            m.box((0, (y0 + t + top) / 2, D / 2 - 0.01), (W - 2 * t - 0.006, top - y0 - t - 0.006, 0.02))
            _handle(m, W / 2 - t - 0.04, (y0 + top) / 2 + 0.05, D / 2, s["handle"], p["knob_size"], vertical=True)

    def describe(self, subtype, p, s):
        k = s["n_drawers"]
        legs = p["leg_height"] > 0.05
        det = ["on four legs" if legs else "on a low base"]
        out = {"n_legs": 4 if legs else 0, "n_drawers": k}
        if k:
            det.insert(0, f"with {number_word(k)} drawer{'s' if k > 1 else ''}")
        if subtype == "open-shelf nightstand":
            det.append("with an open shelf")
            out["n_shelves"] = 1
        if subtype == "cabinet nightstand":
            det.append("with a cabinet door")
            out["n_doors"] = 1
        out["details"] = det
        return out


# ----------------------------------------------------------------------------------------- wardrobe


@register
class Wardrobe(Generator):
    name = "wardrobe"
    subtypes = ("single-door wardrobe", "double-door wardrobe", "wardrobe with drawers")
    ranges = {"height": (1.7, 2.2), "width": (1.0, 1.6), "depth": (0.5, 0.65), "plinth": (0.05, 0.12),
              "crown": (0.03, 0.08)}
    sub_ranges = {"single-door wardrobe": {"width": (0.55, 0.9)}}

    def structure(self, rng, subtype, p):
        return {"n_doors": 1 if subtype == "single-door wardrobe" else int(rng.choice([2, 2, 3])),
                "n_drawers": int(rng.integers(2, 4)) if subtype == "wardrobe with drawers" else 0,
                "handle": str(rng.choice(["knob", "bar"])), "mirror": bool(rng.random() < 0.3),
                "feet": bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        H, W, D, pl, cr = p["height"], p["width"], p["depth"], p["plinth"], p["crown"]
        if s["feet"]:
            _feet(m, W, D, pl, "legs", r=0.03)
        else:
            m.box((0, pl / 2, 0), (W - 0.04, pl, D - 0.04))
        m.box((0, pl + (H - pl - cr) / 2, 0), (W, H - pl - cr, D))
        m.box((0, H - cr / 2, 0.01), (W + 0.05, cr, D + 0.04))
        y0 = pl + 0.01
        if s["n_drawers"]:
            dh = 0.12 * s["n_drawers"]
            _drawer_grid(m, -W / 2 + 0.015, W / 2 - 0.015, y0, y0 + dh, D / 2, s["n_drawers"], 1, s["handle"], 0.016)
            y0 += dh + 0.01
        y1 = H - cr - 0.01
        k = s["n_doors"]
        dw = (W - 0.03) / k
        for i in range(k):
            x = -W / 2 + 0.015 + (i + 0.5) * dw
            m.box((x, (y0 + y1) / 2, D / 2 + 0.01), (dw - 0.006, y1 - y0, 0.02))
            if s["mirror"] and i == 0:
                m.box((x, (y0 + y1) / 2, D / 2 + 0.022), (dw * 0.7, (y1 - y0) * 0.75, 0.006))
            hx = x + (dw / 2 - 0.05) * (1 if i % 2 == 0 else -1) if k > 1 else x + dw / 2 - 0.05
            _handle(m, hx, (y0 + y1) / 2, D / 2 + 0.02, s["handle"], 0.018, vertical=True)

    def describe(self, subtype, p, s):
        k = s["n_doors"]
        det = [f"with {number_word(k)} door{'s' if k > 1 else ''}", "with a crown moulding on top"]
        if s["n_drawers"]:
            det.append(f"with {number_word(s['n_drawers'])} drawers at the bottom")
        if s["mirror"]:
            det.append("with a mirror on the door")
        det.append("on four feet" if s["feet"] else "on a plinth")
        return {"n_doors": k, "n_drawers": s["n_drawers"], "n_legs": 4 if s["feet"] else 0, "details": det}


# ----------------------------------------------------------------------------------------- tv_stand


@register
class TVStand(Generator):
    name = "tv_stand"
    subtypes = ("open-shelf TV stand", "cabinet TV stand", "corner TV stand")
    ranges = {"width": (1.0, 1.9), "height": (0.4, 0.62), "depth": (0.35, 0.5), "leg_height": (0.0, 0.15),
              "board": (0.02, 0.04), "tv_size": (0.55, 0.85)}
    sub_ranges = {"corner TV stand": {"width": (0.9, 1.3), "depth": (0.45, 0.6)}}

    def structure(self, rng, subtype, p):
        return {"n_compartments": int(rng.integers(2, 5)), "tv": bool(rng.random() < 0.35),
                "drawers": bool(rng.random() < 0.5),
                "handle": str(rng.choice(["knob", "bar"]))}

    def build(self, m, subtype, p, s):
        W, H, D, lh, t = p["width"], p["height"], p["depth"], p["leg_height"], p["board"]
        legs = lh > 0.04
        y0 = lh if legs else 0.0
        if subtype == "corner TV stand":
            poly = np.array([[-W / 2, -D / 2], [W / 2, -D / 2], [W / 2, D / 2 - 0.25 * W], [W * 0.25, D / 2],
                             [-W * 0.25, D / 2], [-W / 2, D / 2 - 0.25 * W]])
            for y in (y0 + t / 2, y0 + (H - y0) / 2, H - t / 2):  # polygon (x, z) on the ground plane
                m.prism(poly, t, center=(0, y, 0), axis="y")
            for x, z in poly:
                m.cylinder((x * 0.96, y0, z * 0.96), (x * 0.96, H, z * 0.96), 0.015, n=8)
            m.box((0, (y0 + H) / 2, -D / 2 + 0.01), (W - 0.04, H - y0, 0.015))
            if legs:
                for x, z in poly[::2]:
                    m.cylinder((x * 0.9, 0, z * 0.9), (x * 0.9, y0, z * 0.9), 0.02, n=8)
        else:
            _carcass(m, W, H - y0, D, y0, t)
            k = s["n_compartments"]
            for i in range(1, k):
                m.box((-W / 2 + i * W / k, (y0 + H) / 2, 0), (t, H - y0 - 2 * t, D - 0.01))
            if legs:
                _feet(m, W, D, y0, "legs", r=0.025)
            m.box((0, y0 + (H - y0) / 2, 0), (W - 2 * t, t * 0.8, D - 0.02))
            if subtype == "cabinet TV stand":
                cw = (W - 2 * t) / k
                for i in range(k):
                    if i == k // 2 and k >= 3:
                        continue  # open middle compartment
                    x = -W / 2 + t + (i + 0.5) * cw
                    if s["drawers"] and i % 2 == 1:
                        _drawer_grid(m, x - cw / 2, x + cw / 2, y0 + t, H - t, D / 2, 2, 1, s["handle"], 0.014)
                    else:
                        m.box((x, (y0 + H) / 2, D / 2 + 0.01), (cw - 0.006, H - y0 - 2 * t - 0.006, 0.02))
                        _handle(m, x + cw / 2 - 0.04, (y0 + H) / 2, D / 2 + 0.02, s["handle"], 0.014, vertical=True)
        if s["tv"]:
            tw = p["tv_size"] * W
            th = tw * 0.56
            m.box((0, H + 0.01, -0.02), (tw * 0.35, 0.02, 0.18))
            m.box((0, H + 0.06, -0.04), (0.06, 0.1, 0.03))
            m.box((0, H + 0.08 + th / 2, -0.02), (tw, th, 0.04))

    def describe(self, subtype, p, s):
        legs = p["leg_height"] > 0.04
        k = s["n_compartments"]
        det = ["long and low"] if p["width"] > 1.4 else []
        out = {"n_legs": 4 if legs else 0, "n_shelves": 1}
        if subtype == "corner TV stand":
            det += ["with an angled front to fit a corner", "with two open shelves"]
            out["n_shelves"] = 2
        elif subtype == "open-shelf TV stand":
            det += [f"with {number_word(k)} open compartments", "with a middle shelf"]
        else:
            doors = sum(1 for i in range(k) if not (i == k // 2 and k >= 3) and not (s["drawers"] and i % 2 == 1))
            dr = 2 * sum(1 for i in range(k) if not (i == k // 2 and k >= 3) and (s["drawers"] and i % 2 == 1))
            out.update(n_doors=doors, n_drawers=dr)
            det.append(f"with {number_word(doors)} cabinet door{'s' if doors != 1 else ''}")
            if dr:
                det.append(f"with {number_word(dr)} drawers")
        if legs:
            det.append("on short legs")
        if s["tv"]:
            det.append("with a flat television on top")
        out["details"] = det
        return out


# ---------------------------------------------------------------------------------------------- bed


@register
class Bed(Generator):
    name = "bed"
    subtypes = ("single bed", "double bed", "bunk bed")
    ranges = {"length": (1.9, 2.2), "width": (0.9, 1.1), "frame_height": (0.25, 0.45), "mattress": (0.15, 0.28),
              "headboard": (0.3, 0.8)}
    sub_ranges = {"double bed": {"width": (1.4, 1.9)}, "bunk bed": {"deck_gap": (0.85, 1.05)}}
    height_param = None

    def structure(self, rng, subtype, p):
        return {"footboard": bool(rng.random() < 0.5), "n_pillows": 2 if subtype == "double bed" and rng.random() < 0.8 else 1,
                "blanket": bool(rng.random() < 0.6), "legs": bool(rng.random() < 0.6)}

    def _deck(self, m, L, W, y, mt, blanket, n_pillows):
        m.box((0, y + mt / 2, 0), (W - 0.06, mt, L - 0.06))
        if blanket:
            m.box((0, y + mt + 0.005, L * 0.12), (W - 0.02, 0.02, L * 0.72))
            m.box((0, y + mt * 0.55, L / 2 - 0.02), (W - 0.02, mt * 0.9 + 0.02, 0.02))
        pw = (W - 0.12) / n_pillows
        for i in range(n_pillows):
            x = -W / 2 + 0.06 + (i + 0.5) * pw
            m.sphere((x, y + mt + 0.06, -L / 2 + 0.22), (pw * 0.44, 0.09, 0.2), sub=2, R=rot_x(-0.35))

    def build(self, m, subtype, p, s):
        L, W, fh, mt, hb = p["length"], p["width"], p["frame_height"], p["mattress"], p["headboard"]
        if subtype == "bunk bed":
            gap = p["deck_gap"]
            top = fh + gap + mt + 0.4
            for sx in (-1, 1):
                for sz in (-1, 1):
                    m.box((sx * (W / 2 - 0.03), top / 2, sz * (L / 2 - 0.03)), (0.06, top, 0.06))
            for y in (fh, fh + gap):
                m.box((0, y - 0.04, 0), (W, 0.08, L))
                self._deck(m, L, W, y, mt, s["blanket"], 1)
            for sz in (-1, 1):
                m.box((0, top - 0.1, sz * (L / 2 - 0.03)), (W, 0.2, 0.03))
            m.box((W / 2 - 0.03, fh + gap + mt + 0.18, -0.15), (0.03, 0.05, L - 0.6))
            xl = W / 2 + 0.02
            for zz in (L / 2 - 0.5, L / 2 - 0.15):
                m.box((xl, (fh + gap + 0.2) / 2, zz), (0.03, fh + gap + 0.2, 0.04))
            for y in np.arange(0.3, fh + gap, 0.28):
                m.cylinder((xl, y, L / 2 - 0.5), (xl, y, L / 2 - 0.15), 0.012, n=8)
            return
        lh = 0.12 if s["legs"] else 0.0
        m.box((0, lh + (fh - lh) / 2, 0), (W, fh - lh, L))
        if s["legs"]:
            m.legs([-(W / 2 - 0.04), W / 2 - 0.04], [-(L / 2 - 0.04), L / 2 - 0.04], 0, lh, 0.03)
        self._deck(m, L, W, fh, mt, s["blanket"], s["n_pillows"])
        top = fh + mt + hb
        m.box((0, top / 2, -L / 2 - 0.03), (W + 0.06, top, 0.06))
        if s["footboard"]:
            ft = fh + mt * 0.5 + 0.1
            m.box((0, ft / 2, L / 2 + 0.03), (W + 0.06, ft, 0.06))

    def describe(self, subtype, p, s):
        if subtype == "bunk bed":
            return {"n_legs": 4, "details": ["with two sleeping decks stacked on top of each other",
                                             "with a ladder on one side", "with a guard rail on the upper bunk"]}
        det = ["with a headboard", "with a mattress"]
        k = s["n_pillows"]
        det.append(f"with {number_word(k)} pillow{'s' if k > 1 else ''}")
        if s["footboard"]:
            det.append("with a footboard")
        if s["blanket"]:
            det.append("with a blanket")
        if p["headboard"] > 0.6:
            det.append("with a tall headboard")
        return {"n_legs": 4 if s["legs"] else 0, "details": det}


# --------------------------------------------------------------------------------------------- sofa


@register
class Sofa(Generator):
    name = "sofa"
    subtypes = ("loveseat", "three-seat sofa", "sectional sofa")
    ranges = {"seat_width": (0.55, 0.75), "depth": (0.8, 1.0), "seat_height": (0.4, 0.48),
              "back_height": (0.35, 0.55), "arm_height": (0.15, 0.30), "arm_width": (0.1, 0.25),
              "leg_height": (0.03, 0.15)}
    height_param = "back_height"
    height_words = ("low-backed", "high-backed")
    width_param = "depth"
    width_words = ("shallow", "deep")

    def structure(self, rng, subtype, p):
        return {"n_seats": {"loveseat": 2, "three-seat sofa": 3}.get(subtype, int(rng.integers(3, 5))),
                "rolled_arms": bool(rng.random() < 0.4), "back_cushions": bool(rng.random() < 0.7),
                "chaise_left": bool(rng.random() < 0.5), "throw_pillows": int(rng.integers(0, 3))}

    def build(self, m, subtype, p, s):
        sw, D, h, bh, ah, aw, lh = (p[k] for k in ("seat_width", "depth", "seat_height", "back_height", "arm_height",
                                                   "arm_width", "leg_height"))
        n = s["n_seats"]
        SW = n * sw
        W = SW + 2 * aw
        ct = 0.14
        bt = 0.2
        m.box((0, lh + (h - ct - lh) / 2, 0), (W, h - ct - lh, D))
        for i in range(n):
            x = -SW / 2 + (i + 0.5) * sw
            m.box((x, h - ct / 2, bt / 2 + 0.005), (sw - 0.01, ct, D - bt - 0.01))
        m.box((0, lh + (h + bh - lh) / 2, -D / 2 + bt / 2), (W, h + bh - lh, bt))
        if s["back_cushions"]:
            with m.frame(R=rot_x(-0.12), pivot=(0, h, -D / 2 + bt)):
                for i in range(n):
                    x = -SW / 2 + (i + 0.5) * sw
                    m.box((x, h + bh * 0.45, -D / 2 + bt + 0.07), (sw - 0.01, bh * 0.85, 0.14))
        for sx in (-1, 1):
            x = sx * (SW / 2 + aw / 2)
            m.box((x, lh + (h + ah - lh) / 2, 0), (aw, h + ah - lh, D))
            if s["rolled_arms"]:
                m.cylinder((x, h + ah, -D / 2), (x, h + ah, D / 2), (aw * 0.62, aw * 0.62), n=16)
        for i in range(s["throw_pillows"]):
            sx = -1 if i == 0 else 1
            m.box((sx * (SW / 2 - 0.22), h + 0.2, -D / 2 + bt + 0.16), (0.38, 0.38, 0.12), R=rot_x(-0.3) @ np.array(
                [[math.cos(0.2 * sx), -math.sin(0.2 * sx), 0], [math.sin(0.2 * sx), math.cos(0.2 * sx), 0], [0, 0, 1]]))
        feet = [(-W / 2 + 0.05, -D / 2 + 0.05), (W / 2 - 0.05, -D / 2 + 0.05), (-W / 2 + 0.05, D / 2 - 0.05),
                (W / 2 - 0.05, D / 2 - 0.05)]
        if subtype == "sectional sofa":
            ext = sw * 1.6
            sgn = -1 if s["chaise_left"] else 1
            x = sgn * (SW / 2 - sw / 2)
            m.box((x, lh + (h - ct - lh) / 2, D / 2 + ext / 2), (sw, h - ct - lh, ext))
            m.box((x, h - ct / 2, D / 2 + ext / 2), (sw - 0.01, ct, ext - 0.01))
            feet.append((x, D / 2 + ext - 0.05))
        for x, z in feet:
            m.cylinder((x, 0, z), (x, lh + 0.01, z), 0.02, n=8, r_top=0.028)

    def describe(self, subtype, p, s):
        n = s["n_seats"]
        det = [f"with {number_word(n)} seat cushions", "with rolled arms" if s["rolled_arms"] else "with square arms"]
        if s["back_cushions"]:
            det.append("with loose back cushions")
        if subtype == "sectional sofa":
            det.append("with an L-shaped chaise extension")
        if s["throw_pillows"]:
            det.append("with throw pillows")
        return {"n_legs": 4 + (subtype == "sectional sofa"), "details": det}


# --------------------------------------------------------------------------------------------- lamp


@register
class Lamp(Generator):
    name = "lamp"
    subtypes = ("desk lamp", "floor lamp", "table lamp")
    ranges = {"height": (0.4, 0.7), "base_radius": (0.06, 0.12), "shade_radius": (0.12, 0.22),
              "shade_height": (0.12, 0.25), "shade_taper": (0.5, 1.0)}
    sub_ranges = {"floor lamp": {"height": (1.3, 1.8), "base_radius": (0.12, 0.2), "shade_radius": (0.16, 0.26),
                                 "shade_height": (0.18, 0.32)},
                  "desk lamp": {"height": (0.35, 0.55), "base_radius": (0.07, 0.1), "shade_radius": (0.06, 0.1),
                                "shade_height": (0.08, 0.14), "arm_angle": (0.25, 0.8)}}
    width_param = "shade_radius"

    def structure(self, rng, subtype, p):
        if subtype == "floor lamp":
            return {"arc": bool(rng.random() < 0.35)}
        if subtype == "table lamp":
            return {"base": str(rng.choice(["vase", "column", "ball"]))}
        return {"square_base": bool(rng.random() < 0.4)}

    def _shade(self, m, y0, r_bot, r_top, hs, center=(0, 0, 0)):
        t = 0.006
        m.revolve([(r_bot, 0), (r_top, hs), (r_top - t, hs), (r_bot - t, 0)], closed=True, n=28,
                  center=(center[0], y0, center[2]))

    def build(self, m, subtype, p, s):
        H, rb, rs, hs, tap = p["height"], p["base_radius"], p["shade_radius"], p["shade_height"], p["shade_taper"]
        if subtype == "table lamp":
            hb = H - hs * 0.7
            if s["base"] == "vase":
                m.revolve([(0, 0), (rb * 0.8, 0), (rb, hb * 0.2), (rb * 1.1, hb * 0.45), (rb * 0.6, hb * 0.7),
                           (rb * 0.3, hb * 0.8), (0, hb * 0.8)], n=24)
                m.cylinder((0, hb * 0.8, 0), (0, hb, 0), 0.01, n=8)
            elif s["base"] == "ball":
                m.cylinder((0, 0, 0), (0, 0.03, 0), rb, n=24)
                m.sphere((0, 0.03 + rb * 0.9, 0), rb * 0.9, sub=2)
                m.cylinder((0, 0.03 + rb * 1.7, 0), (0, hb, 0), 0.01, n=8)
            else:
                m.cylinder((0, 0, 0), (0, 0.03, 0), rb, n=24)
                m.cylinder((0, 0.03, 0), (0, hb, 0), rb * 0.25, n=16)
            self._shade(m, H - hs, rs, rs * tap, hs)
            m.sphere((0, H - hs * 0.6, 0), 0.035, sub=1)
            m.sphere((0, H + 0.015, 0), 0.012, sub=1)
        elif subtype == "floor lamp":
            m.cylinder((0, 0, 0), (0, 0.03, 0), rb, n=24)
            if s["arc"]:
                reach = 0.55 * H
                t = np.linspace(0, math.pi / 2, 8)
                pts = np.stack([reach * (1 - np.cos(t)), 0.03 + (H - 0.03) * np.sin(t) ** 0.8, np.zeros_like(t)], 1)
                pts = np.vstack([pts, [reach + 0.15, H * 0.95, 0]])
                m.polyline(pts, 0.012, n=8)
                cx = reach + 0.15
                m.cylinder((cx, H * 0.95 - 0.05, 0), (cx, H * 0.95, 0), 0.012, n=8)
                self._shade(m, H * 0.95 - 0.05 - hs * 0.8, rs, rs * 0.35, hs * 0.8, center=(cx, 0, 0))
            else:
                m.cylinder((0, 0.03, 0), (0, H - hs * 0.6, 0), 0.013, n=10)
                self._shade(m, H - hs, rs * tap, rs, hs)
        else:
            a = p["arm_angle"]
            if s["square_base"]:
                m.box((0, 0.015, 0), (2 * rb, 0.03, 1.4 * rb))
            else:
                m.cylinder((0, 0, 0), (0, 0.03, 0), rb, n=24)
            L1 = 0.55 * H
            elbow = np.array([0, 0.03 + L1 * math.cos(a), -L1 * math.sin(a)])
            head = np.array([0, H * 0.9, 0.4 * H])
            m.polyline([[0, 0.03, 0], elbow, head], 0.01, n=8)
            d = np.array([0, -0.6, 1.0])
            d /= np.linalg.norm(d)
            m.cylinder(head, head + 0.04 * d, 0.018, n=10)
            m.revolve([(0.02, 0), (rs, hs), (rs - 0.004, hs), (0.016, 0)], closed=True, n=24,
                      R=np.array(_rot_to(d)), center=head + 0.03 * d)

    def describe(self, subtype, p, s):
        if subtype == "table lamp":
            return {"details": [{"vase": "with a vase-shaped base", "column": "with a column base",
                                 "ball": "with a round ball base"}[s["base"]],
                                "with a drum shade" if p["shade_taper"] > 0.85 else "with a tapered lampshade"]}
        if subtype == "floor lamp":
            return {"details": ["on a round weighted base"] + (["with an arching pole", "with a hanging dome shade"]
                                                               if s["arc"] else ["with a tall straight pole",
                                                                                 "with a lampshade on top"])}
        return {"details": ["with an adjustable two-part arm", "with a conical head",
                            "on a square base" if s["square_base"] else "on a round base"]}


def _rot_to(d):
    """Rotation taking +y to ``d`` (for revolved parts)."""
    from ._base import _align_y

    return _align_y(np.asarray(d, float))


# ------------------------------------------------------------------------------------------- mantel


@register
class Mantel(Generator):
    name = "mantel"
    subtypes = ("classic mantel", "modern mantel", "column mantel")
    ranges = {"width": (1.2, 1.8), "height": (1.0, 1.3), "depth": (0.2, 0.35), "opening_width": (0.45, 0.65),
              "opening_height": (0.5, 0.72), "shelf_overhang": (0.03, 0.08)}
    height_param = "height"

    def structure(self, rng, subtype, p):
        return {"hearth": bool(rng.random() < 0.7) if subtype != "modern mantel" else bool(rng.random() < 0.3),
                "logs": int(rng.integers(0, 4))}

    def build(self, m, subtype, p, s):
        W, H, D, ow, oh, ov = (p[k] for k in ("width", "height", "depth", "opening_width", "opening_height",
                                              "shelf_overhang"))
        OW, OH = ow * W, oh * H
        side = (W - OW) / 2
        st = 0.05
        m.box((0, OH / 2, -D / 2 + 0.02), (OW, OH, 0.04))  # fire-box back
        for sx in (-1, 1):
            x = sx * (OW / 2 + side / 2)
            if subtype == "column mantel":
                m.box((x, 0.04, 0), (side * 0.9, 0.08, D))
                m.cylinder((x, 0.08, 0.02), (x, H - st - 0.12, 0.02), min(side, D) * 0.38, n=16)
                m.box((x, H - st - 0.08, 0), (side * 0.9, 0.08, D))
                m.box((x, (H - st) / 2, -D / 4), (side * 0.8, H - st, D / 2))
            else:
                m.box((x, (H - st) / 2, 0), (side, H - st, D))
                if subtype == "classic mantel":
                    m.box((x, (H - st) / 2, D / 2 + 0.01), (side * 0.6, (H - st) * 0.8, 0.02))
        m.box((0, OH + (H - st - OH) / 2, 0), (OW, H - st - OH, D))
        if subtype == "classic mantel":
            m.box((0, H - st - 0.03, 0.01), (W + ov, 0.06, D + ov * 0.5))
        m.box((0, H - st / 2, ov / 2), (W + 2 * ov, st, D + ov))
        if s["hearth"]:
            m.box((0, 0.025, D / 2 + 0.2), (OW + 0.3, 0.05, 0.45))
        for i in range(s["logs"]):
            z = -D / 2 + 0.1 + 0.08 * (i % 2)
            m.cylinder((-OW * 0.3, 0.05 + 0.08 * (i // 2), z), (OW * 0.3, 0.05 + 0.08 * (i // 2), z + 0.03), 0.04, n=10)

    def describe(self, subtype, p, s):
        det = ["with a fireplace opening", "with a mantel shelf across the top"]
        if subtype == "column mantel":
            det.insert(1, "with columns on both sides")
        elif subtype == "classic mantel":
            det.insert(1, "with moulded pilasters")
        else:
            det.insert(1, "with a plain flat surround")
        if s["hearth"]:
            det.append("with a hearth in front")
        if s["logs"]:
            det.append("with logs in the firebox")
        return {"n_shelves": 1, "details": det}
