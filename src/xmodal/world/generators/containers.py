"""Containers and plumbing fixtures: cup, bowl, bottle, vase, flower_pot, glass_box, bathtub, sink,
toilet. Vessels are surfaces of revolution of a wall profile (hollow, open at the top)."""
from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import PchipInterpolator

from ._base import Generator, Parts, number_word, register, rot_x, rot_y, vessel_profile


def smooth_profile(ys, rs, n: int = 16):
    """Monotone cubic (PCHIP) interpolation of control radii ``rs`` at heights ``ys``: ``(r (n,), y (n,))``."""
    y = np.linspace(ys[0], ys[-1], n)
    return PchipInterpolator(ys, rs)(y), y


def faucet(m: Parts, x, y, z, h, reach, r=0.012, toward=(0, 0, 1)):
    """A tap: vertical riser of height ``h`` at ``(x, y, z)`` and a curved spout reaching ``reach`` along ``toward``."""
    d = np.asarray(toward, float)
    base = np.array([x, y, z])
    t = np.linspace(0, math.pi * 0.85, 7)
    pts = [base, base + [0, h, 0]]
    for a in t[1:]:
        pts.append(base + [0, h, 0] + 0.5 * reach * (1 - math.cos(a)) * d + [0, 0.5 * reach * math.sin(a), 0])
    m.cylinder(base - [0, 0.01, 0], base + [0, 0.02, 0], 2.2 * r, n=12)
    m.polyline(np.asarray(pts), r, n=8)
    m.sphere(base + [0, h * 0.55, 0] - 0.0 * d, 1.8 * r, sub=1)
    m.cylinder(base + [0, h * 0.55, 0], base + [0, h * 0.55, 0] - 3 * r * np.cross(d, [0, 1, 0]), 0.6 * r, n=6)


# ---------------------------------------------------------------------------------------------- cup


@register
class Cup(Generator):
    name = "cup"
    subtypes = ("mug", "teacup", "paper cup")
    ranges = {"height": (0.08, 0.12), "radius": (0.035, 0.05), "taper": (0.0, 0.08), "wall": (0.003, 0.006),
              "handle_size": (0.025, 0.04)}
    sub_ranges = {"teacup": {"height": (0.05, 0.075), "radius": (0.04, 0.055), "taper": (0.3, 0.5)},
                  "paper cup": {"height": (0.09, 0.13), "taper": (0.2, 0.35)}}
    width_param = "radius"

    def structure(self, rng, subtype, p):
        return {"saucer": subtype == "teacup" and bool(rng.random() < 0.75), "lid": subtype == "paper cup" and bool(rng.random() < 0.4),
                "sleeve": subtype == "paper cup" and bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        H, R, tap, w, hs = p["height"], p["radius"], p["taper"], p["wall"], p["handle_size"]
        y0 = 0.006 if s["saucer"] else 0.0
        if subtype == "teacup":
            ys = np.linspace(0, H, 10)
            rs = R * (1 - tap) + R * tap * (ys / H) ** 0.55
            ys = np.concatenate([[0, 0.006], ys[1:] + 0.006])
            rs = np.concatenate([[R * (1 - tap) * 0.8, R * (1 - tap) * 0.8], rs[1:]])
        else:
            ys = np.linspace(0, H, 6)
            rs = R * (1 - tap) + R * tap * ys / H
        m.revolve(vessel_profile(rs, ys, w, 2 * w), center=(0, y0, 0), n=28)
        if subtype == "paper cup":
            m.torus((0, y0 + H, 0), R, 0.0025, n_major=28, n_minor=6)
            if s["sleeve"]:
                m.revolve([(R * (1 - tap * 0.7) + 0.002, H * 0.3), (R * (1 - tap * 0.25) + 0.002, H * 0.75),
                           (R * (1 - tap * 0.25) - 0.001, H * 0.75), (R * (1 - tap * 0.7) - 0.001, H * 0.3)],
                          closed=True, n=28, center=(0, y0, 0))
            if s["lid"]:
                m.cylinder((0, y0 + H - 0.002, 0), (0, y0 + H + 0.008, 0), R + 0.003, n=28)
                m.cylinder((0, y0 + H + 0.008, 0), (0, y0 + H + 0.014, 0), R * 0.8, n=28)
        else:
            yh = H * (0.5 if subtype == "mug" else 0.6)
            rmid = float(np.interp(yh, ys, rs))
            Rh = hs * (0.9 if subtype == "mug" else 0.55)
            sc = (0.6, 1.0) if subtype == "mug" else (0.8, 0.7)
            m.torus((rmid + Rh * sc[0] * 0.75, y0 + yh, 0), Rh, 0.0065 if subtype == "mug" else 0.0045,
                    normal=(0, 0, 1), n_major=20, n_minor=6, scale=sc)
        if s["saucer"]:
            m.revolve([(0, 0), (R * 1.6, 0.004), (R * 1.75, 0.014), (R * 1.7, 0.016), (R * 1.5, 0.008), (0, 0.006)], n=28)

    def describe(self, subtype, p, s):
        if subtype == "paper cup":
            det = ["with tapered sides", "without a handle", "with a rolled rim"]
            if s["lid"]:
                det.append("with a plastic lid")
            if s["sleeve"]:
                det.append("with a cardboard sleeve")
        elif subtype == "teacup":
            det = ["with a small curved handle", "with a flared bowl"] + (["on a saucer"] if s["saucer"] else [])
        else:
            det = ["with a large loop handle", "with straight cylindrical sides"]
        return {"details": det}


# --------------------------------------------------------------------------------------------- bowl


@register
class Bowl(Generator):
    name = "bowl"
    subtypes = ("soup bowl", "serving bowl", "footed bowl")
    ranges = {"radius": (0.07, 0.12), "depth_ratio": (0.45, 0.62), "wall": (0.004, 0.01), "flare": (0.45, 0.8),
              "foot_height": (0.004, 0.012)}
    sub_ranges = {"serving bowl": {"radius": (0.12, 0.2), "depth_ratio": (0.28, 0.42)},
                  "footed bowl": {"foot_height": (0.02, 0.05), "depth_ratio": (0.35, 0.55)}}
    height_param = "depth_ratio"
    height_words = ("shallow", "deep")
    width_param = "radius"

    def structure(self, rng, subtype, p):
        return {"rim_lip": bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        R, dr, w, fl, fh = p["radius"], p["depth_ratio"], p["wall"], p["flare"], p["foot_height"]
        H = dr * R
        rb = R * (0.35 if subtype != "footed bowl" else 0.45)
        ys = np.linspace(0, H, 10)
        rs = rb + (R - rb) * (ys / H) ** fl
        m.revolve(vessel_profile(rs, ys + fh, w, 1.5 * w), n=32)
        rf = rb * (0.9 if subtype != "footed bowl" else 0.6)
        m.revolve([(0, 0), (rf, 0), (rf * 1.05, fh + 0.003), (0, fh + 0.003)], n=32)
        if subtype == "footed bowl":
            m.cylinder((0, 0, 0), (0, 0.004, 0), rf * 1.4, n=32)
        if s["rim_lip"]:
            m.torus((0, H + fh, 0), R - w / 2, w * 0.9, n_major=32, n_minor=6)

    def describe(self, subtype, p, s):
        det = {"soup bowl": ["with a small foot ring", "with rounded sides"],
               "serving bowl": ["wide and shallow", "with gently sloping sides"],
               "footed bowl": ["standing on a raised foot", "with a pedestal base"]}[subtype]
        if s["rim_lip"]:
            det = det + ["with a rolled rim"]
        return {"details": list(det)}


# ------------------------------------------------------------------------------------------- bottle


@register
class Bottle(Generator):
    name = "bottle"
    subtypes = ("wine bottle", "water bottle", "jug")
    ranges = {"height": (0.24, 0.34), "body_radius": (0.03, 0.045), "neck_radius": (0.3, 0.42),
              "neck_length": (0.22, 0.34), "shoulder": (0.55, 0.7)}
    sub_ranges = {"water bottle": {"neck_length": (0.06, 0.12), "shoulder": (0.7, 0.82), "neck_radius": (0.45, 0.6)},
                  "jug": {"body_radius": (0.06, 0.09), "height": (0.2, 0.3), "neck_length": (0.08, 0.15),
                          "neck_radius": (0.3, 0.45), "shoulder": (0.55, 0.7)}}
    width_param = "body_radius"
    width_words = ("slender", "wide")

    def structure(self, rng, subtype, p):
        return {"cap": bool(rng.random() < 0.7), "ridges": subtype == "water bottle" and bool(rng.random() < 0.6)}

    def build(self, m, subtype, p, s):
        H, R, nr, nl, sh = p["height"], p["body_radius"], p["neck_radius"], p["neck_length"], p["shoulder"]
        rn = nr * R
        ys_ = H * sh
        yn = H * (1 - nl)
        body_y = np.linspace(0.01, ys_, 6)
        body_r = np.full_like(body_y, R)
        if s["ridges"]:
            body_r[1:-1:2] *= 0.95
        t = np.linspace(0, 1, 7)[1:]
        sh_y = ys_ + (yn - ys_) * t
        sh_r = rn + (R - rn) * np.cos(t * math.pi / 2) ** (1.5 if subtype != "wine bottle" else 0.8)
        prof = [(0, 0.0), (R * 0.92, 0.0), (R, 0.01)] + list(zip(body_r[1:], body_y[1:])) + list(zip(sh_r, sh_y))
        prof += [(rn, H - 0.012), (rn * 1.15, H - 0.01), (rn * 1.15, H), (0, H)]
        m.revolve(np.asarray(prof), n=24)
        if s["cap"]:
            if subtype == "wine bottle":
                m.cylinder((0, H - 0.04, 0), (0, H + 0.003, 0), rn * 1.18, n=16)
            else:
                m.cylinder((0, H - 0.005, 0), (0, H + 0.018, 0), rn * 1.3, n=16)
        if subtype == "jug":
            m.torus((R * 0.95, (ys_ + yn) / 2 - 0.01, 0), (yn - ys_) * 0.6 + 0.02, 0.008, normal=(0, 0, 1),
                    n_major=20, n_minor=6, scale=(0.7, 1.0))

    def describe(self, subtype, p, s):
        det = {"wine bottle": ["with a long narrow neck", "with high rounded shoulders"],
               "water bottle": ["with a short neck", "with straight sides"],
               "jug": ["with a handle on the side", "with a wide round body"]}[subtype]
        det = list(det)
        if s["cap"]:
            det.append("with a cork" if subtype == "wine bottle" else "with a screw cap")
        if s["ridges"]:
            det.append("with ridges around the body")
        return {"details": det}


# --------------------------------------------------------------------------------------------- vase


@register
class Vase(Generator):
    name = "vase"
    subtypes = ("round vase", "cylindrical vase", "amphora")
    ranges = {"height": (0.25, 0.5), "belly": (0.3, 0.45), "neck": (0.3, 0.55), "belly_pos": (0.3, 0.5),
              "lip_flare": (1.0, 1.5)}
    sub_ranges = {"cylindrical vase": {"belly": (0.14, 0.22), "neck": (0.85, 1.0), "lip_flare": (1.0, 1.2)},
                  "amphora": {"belly": (0.25, 0.35), "neck": (0.3, 0.45), "belly_pos": (0.45, 0.6)}}
    width_param = "belly"
    width_words = ("slender", "wide")

    def structure(self, rng, subtype, p):
        return {"foot": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        H, b, nk, bp, fl = p["height"], p["belly"], p["neck"], p["belly_pos"], p["lip_flare"]
        Rb = b * H
        Rn = nk * Rb
        if subtype == "cylindrical vase":
            cy = [0, 0.3 * H, 0.7 * H, H]
            cr = [Rb * 0.92, Rb, Rb * (0.9 + 0.1 * nk), Rn * fl]
        elif subtype == "amphora":
            cy = [0, 0.12 * H, bp * H, 0.75 * H, 0.88 * H, H]
            cr = [Rb * 0.3, Rb * 0.5, Rb, Rn * 1.2, Rn, Rn * fl]
        else:
            cy = [0, 0.08 * H, bp * H, 0.78 * H, 0.9 * H, H]
            cr = [Rb * 0.55, Rb * 0.75, Rb, Rn * 1.1, Rn, Rn * fl]
        rs, ys = smooth_profile(np.array(cy), np.array(cr), n=18)
        w = max(0.008 * H, 0.003)
        m.revolve(vessel_profile(rs, ys, w, 3 * w), n=28)
        if s["foot"]:
            m.cylinder((0, 0, 0), (0, 0.02 * H, 0), cr[0] * 1.15, n=28)
        if subtype == "amphora":
            y0, y1 = 0.62 * H, 0.86 * H
            r0 = float(np.interp(y0, ys, rs))
            r1 = float(np.interp(y1, ys, rs))
            for sx in (-1, 1):
                pts = [(sx * (r0 - 0.005), y0, 0), (sx * (r0 + 0.04 * H), y0 + 0.06 * H, 0),
                       (sx * (r1 + 0.07 * H), y1, 0), (sx * (r1 - 0.004), y1 + 0.01 * H, 0)]
                m.polyline(pts, 0.012 * H, n=8)

    def describe(self, subtype, p, s):
        det = {"round vase": ["with a bulging round body", "with a narrow neck"],
               "cylindrical vase": ["with straight sides", "with an open mouth"],
               "amphora": ["with two handles", "with a narrow base and a wide shoulder"]}[subtype]
        det = list(det)
        if p["lip_flare"] > 1.3:
            det.append("with a flared rim")
        if s["foot"]:
            det.append("on a low foot")
        return {"details": det}


# --------------------------------------------------------------------------------------- flower_pot


def pot(m: Parts, H, R, taper, rim, soil, square=False, y0=0.0):
    """A planter of height ``H`` and top radius ``R``: hollow, with a rim band and a soil disc. Returns soil height."""
    if square:
        w = 0.012 * max(H, 0.2)
        W = 2 * R
        m.box((0, y0 + w, 0), (W, 2 * w, W))
        for sx in (-1, 1):
            m.box((sx * (W / 2 - w / 2), y0 + H / 2, 0), (w, H, W))
            m.box((0, y0 + H / 2, sx * (W / 2 - w / 2)), (W - 2 * w, H, w))
        m.box((0, y0 + soil * H, 0), (W - 2 * w, 0.01, W - 2 * w))
        return y0 + soil * H + 0.005
    w = 0.04 * R
    rb = R * taper
    yr = H * (1 - rim)
    rs = [rb, rb + (R - rb) * 0.5, R * (1 - 0.02), R * 1.08, R * 1.08]
    ys = [0, yr * 0.5, yr, yr, H]
    m.revolve(vessel_profile(rs, ys, w, 2 * w), center=(0, y0, 0), n=24)
    rsoil = float(np.interp(soil * H, ys, rs)) - w
    m.cylinder((0, y0 + soil * H - 0.01, 0), (0, y0 + soil * H, 0), rsoil, n=24)
    return y0 + soil * H


@register
class FlowerPot(Generator):
    name = "flower_pot"
    subtypes = ("tapered flower pot", "cylindrical planter", "square planter")
    ranges = {"height": (0.15, 0.35), "radius": (0.1, 0.2), "taper": (0.6, 0.8), "rim": (0.1, 0.22),
              "soil": (0.75, 0.9)}
    sub_ranges = {"cylindrical planter": {"taper": (0.9, 1.0), "rim": (0.0, 0.06)}}
    width_param = "radius"

    def structure(self, rng, subtype, p):
        return {"n_flowers": int(rng.integers(0, 6)), "saucer": bool(rng.random() < 0.5), "flower_seed": int(rng.integers(1 << 30))}

    def build(self, m, subtype, p, s):
        H, R, tap, rim, soil = p["height"], p["radius"], p["taper"], p["rim"], p["soil"]
        y0 = 0.012 if s["saucer"] else 0.0
        if s["saucer"]:
            rb = R * (tap if subtype != "square planter" else 1.0) * 1.3
            m.revolve(vessel_profile([rb * 0.9, rb], [0, 0.02], 0.005, 0.006), n=24)
        ys = pot(m, H, R, tap, rim, soil, square=subtype == "square planter", y0=y0)
        rng = np.random.default_rng(s["flower_seed"])
        for i in range(s["n_flowers"]):
            a = 2 * math.pi * (i / max(s["n_flowers"], 1)) + rng.uniform(-0.4, 0.4)
            rr = R * 0.45 * rng.uniform(0.2, 1.0)
            top = np.array([rr * 1.4 * math.cos(a), ys + H * rng.uniform(0.5, 0.9), rr * 1.4 * math.sin(a)])
            m.cylinder((rr * math.cos(a), ys - 0.01, rr * math.sin(a)), top, 0.004, n=5)
            sz = 0.03 * (H / 0.25)
            if i % 2 == 0:  # daisy: five petals around a round centre
                for k in range(5):
                    b = 2 * math.pi * k / 5
                    m.sphere(top + [0.9 * sz * math.cos(b), 0.004, 0.9 * sz * math.sin(b)], (0.9 * sz, 0.25 * sz, 0.4 * sz),
                             sub=0, R=rot_y(-b))
                m.sphere(top + [0, 0.01, 0], 0.45 * sz, sub=1)
            else:  # tulip: an upright cup-shaped head
                m.sphere(top + [0, 0.8 * sz, 0], (0.7 * sz, 1.1 * sz, 0.7 * sz), sub=1)
            m.sphere((top + np.array([rr * math.cos(a), ys, rr * math.sin(a)])) / 2, (0.035, 0.005, 0.012), sub=1,
                     R=rot_y(-a) @ rot_x(0.5))

    def describe(self, subtype, p, s):
        det = {"tapered flower pot": ["with sloping sides", "with a thick rim"],
               "cylindrical planter": ["with straight sides"],
               "square planter": ["with a square opening", "with flat walls"]}[subtype]
        det = list(det) + ["filled with soil"]
        k = s["n_flowers"]
        if k:
            det.append(f"with {number_word(k)} small flower{'s' if k > 1 else ''}")
        else:
            det.append("without any plant")
        if s["saucer"]:
            det.append("on a saucer")
        return {"details": det}


# ---------------------------------------------------------------------------------------- glass_box


@register
class GlassBox(Generator):
    name = "glass_box"
    subtypes = ("display case", "aquarium", "lidded glass box")
    ranges = {"width": (0.35, 0.8), "height": (0.3, 0.6), "depth": (0.25, 0.5), "pane": (0.004, 0.01),
              "frame": (0.01, 0.03)}
    sub_ranges = {"lidded glass box": {"width": (0.2, 0.4), "height": (0.12, 0.25), "depth": (0.15, 0.3)}}

    def structure(self, rng, subtype, p):
        return {"stand": subtype == "display case" and bool(rng.random() < 0.5),
                "stones": int(rng.integers(0, 6)) if subtype == "aquarium" else 0, "stone_seed": int(rng.integers(1 << 30)),
                "knob": bool(rng.random() < 0.6)}

    def _panes(self, m, W, H, D, y0, pw, top=True):
        m.box((0, y0 + pw / 2, 0), (W, pw, D))
        if top:
            m.box((0, y0 + H - pw / 2, 0), (W, pw, D))
        for sx in (-1, 1):
            m.box((sx * (W / 2 - pw / 2), y0 + H / 2, 0), (pw, H, D))
            m.box((0, y0 + H / 2, sx * (D / 2 - pw / 2)), (W - 2 * pw, H, pw))

    def _edges(self, m, W, H, D, y0, f, top=True):
        for sx in (-1, 1):
            for sz in (-1, 1):
                m.box((sx * (W / 2), y0 + H / 2, sz * D / 2), (f, H + f, f))
        for y in ((y0, y0 + H) if top else (y0,)):
            for sz in (-1, 1):
                m.box((0, y, sz * D / 2), (W, f, f))
            for sx in (-1, 1):
                m.box((sx * W / 2, y, 0), (f, f, D))

    def build(self, m, subtype, p, s):
        W, H, D, pw, f = p["width"], p["height"], p["depth"], p["pane"], p["frame"]
        if subtype == "display case":
            y0 = 0.06
            if s["stand"]:
                y0 = 0.5
                m.legs([-(W / 2 - 0.03), W / 2 - 0.03], [-(D / 2 - 0.03), D / 2 - 0.03], 0, y0 - 0.05, 0.015)
            m.box((0, y0 - 0.03, 0), (W + 0.04, 0.06, D + 0.04))
            self._panes(m, W, H, D, y0, pw)
            self._edges(m, W, H, D, y0, f)
            m.box((0, y0 + H * 0.5, 0), (W - 2 * pw, 0.008, D - 2 * pw))
        elif subtype == "aquarium":
            self._panes(m, W, H, D, 0.0, pw, top=False)
            m.box((0, f / 2, 0), (W + 2 * f, f, D + 2 * f))
            m.box((0, H - f / 2, D / 2), (W + 2 * f, f, f))
            m.box((0, H - f / 2, -D / 2), (W + 2 * f, f, f))
            for sx in (-1, 1):
                m.box((sx * W / 2, H - f / 2, 0), (f, f, D))
            m.box((0, 0.04, 0), (W - 2 * pw, 0.06, D - 2 * pw))
            rng = np.random.default_rng(s["stone_seed"])
            for _ in range(s["stones"]):
                r = float(rng.uniform(0.02, 0.05))
                m.sphere((rng.uniform(-W / 2 + 0.06, W / 2 - 0.06), 0.07, rng.uniform(-D / 2 + 0.05, D / 2 - 0.05)),
                         (r * 1.3, r * 0.8, r), sub=1)
        else:
            self._panes(m, W, H, D, 0.0, pw, top=False)
            self._edges(m, W, H, D, 0.0, f, top=False)
            m.box((0, H + 0.006, 0), (W + 0.01, 0.012, D + 0.01))
            if s["knob"]:
                m.sphere((0, H + 0.025, 0), 0.015, sub=1)
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.02), 0.005, D / 2 - 0.02), (0.02, 0.01, 0.02))
                m.box((sx * (W / 2 - 0.02), 0.005, -D / 2 + 0.02), (0.02, 0.01, 0.02))

    def describe(self, subtype, p, s):
        if subtype == "display case":
            det = ["with thin glass walls", "with a framed edge", "with a glass shelf inside", "on a base"]
            if s["stand"]:
                det.append("raised on four legs")
        elif subtype == "aquarium":
            det = ["open at the top", "with gravel on the bottom", "with a rim around the top"]
            if s["stones"]:
                det.append("with a few stones inside")
        else:
            det = ["with a flat lid", "with thin metal edges"] + (["with a knob on the lid"] if s["knob"] else [])
        return {"details": det}


# ------------------------------------------------------------------------------------------ bathtub


@register
class Bathtub(Generator):
    name = "bathtub"
    subtypes = ("built-in bathtub", "freestanding bathtub", "clawfoot bathtub")
    ranges = {"length": (1.5, 1.85), "width": (0.7, 0.85), "height": (0.45, 0.6), "wall": (0.04, 0.08),
              "slope": (0.05, 0.2)}
    width_param = "length"
    width_words = ("short", "long")

    def structure(self, rng, subtype, p):
        return {"faucet": bool(rng.random() < 0.75), "apron": bool(rng.random() < 0.6)}

    def build(self, m, subtype, p, s):
        L, W, H, w, sl = p["length"], p["width"], p["height"], p["wall"], p["slope"]
        if subtype == "built-in bathtub":
            m.box((0, 0.05, 0), (W, 0.1, L))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - w / 2), H / 2, 0), (w, H, L))
                m.box((0, H / 2, sx * (L / 2 - w / 2)), (W - 2 * w, H, w))
            for sx in (-1, 1):
                m.box((sx * (W / 2 + 0.01), H + 0.01, 0), (w + 0.04, 0.02, L + 0.04))
                m.box((0, H + 0.01, sx * (L / 2 + 0.01)), (W, 0.02, w + 0.04))
            if s["apron"]:
                m.box((W / 2 + 0.02, H / 2, 0), (0.02, H, L))
            m.cylinder((0, 0.1, -L / 2 + 0.2), (0, 0.105, -L / 2 + 0.2), 0.03, n=12)
            top = H
        else:
            lift = 0.14 if subtype == "clawfoot bathtub" else 0.0
            ys = np.linspace(0, H, 8)
            rs = (1 - sl) + sl * (ys / H) ** 0.7
            rs[0] *= 0.92
            m.revolve(vessel_profile(rs, ys, w / (W / 2), 0.06), center=(0, lift, 0), n=32, scale=(W / 2, L / 2))
            top = H + lift
            if subtype == "clawfoot bathtub":
                m.torus((0, top, 0), 1.0, 0.02, n_major=32, n_minor=6, scale=(W / 2, L / 2))
                for sx in (-1, 1):
                    for sz in (-1, 1):
                        x, z = sx * W * 0.3, sz * L * 0.33
                        m.cylinder((x * 1.1, 0.03, z * 1.05), (x, lift + 0.05, z), 0.03, n=8, r_top=0.045)
                        m.sphere((x * 1.12, 0.03, z * 1.06), (0.05, 0.03, 0.05), sub=1)
        if s["faucet"]:
            if subtype == "freestanding bathtub":
                faucet(m, 0, 0, -L / 2 - 0.1, top + 0.2, 0.18, r=0.015, toward=(0, 0, 1))
            else:
                faucet(m, 0, top + 0.01, -L / 2 + 0.04, 0.12, 0.12, r=0.012, toward=(0, 0, 1))

    def describe(self, subtype, p, s):
        det = {"built-in bathtub": ["with a rectangular basin", "with a flat rim around the top"]
               + (["with a front apron panel"] if s["apron"] else []),
               "freestanding bathtub": ["with an oval basin", "with smoothly sloping sides"],
               "clawfoot bathtub": ["standing on four claw feet", "with a rolled rim", "with an oval basin"]}[subtype]
        det = list(det)
        if s["faucet"]:
            det.append("with a floor-standing tap" if subtype == "freestanding bathtub" else "with a faucet at one end")
        return {"n_legs": 4 if subtype == "clawfoot bathtub" else 0, "details": det}


# --------------------------------------------------------------------------------------------- sink


@register
class Sink(Generator):
    name = "sink"
    subtypes = ("pedestal sink", "vanity sink", "kitchen sink")
    ranges = {"width": (0.45, 0.7), "depth": (0.38, 0.52), "height": (0.8, 0.9), "basin_depth": (0.12, 0.2),
              "counter": (0.02, 0.05)}
    sub_ranges = {"kitchen sink": {"width": (0.8, 1.3), "depth": (0.55, 0.65)}}

    def structure(self, rng, subtype, p):
        return {"n_basins": int(rng.integers(1, 3)) if subtype == "kitchen sink" else 1,
                "n_doors": int(rng.integers(1, 3)), "vessel": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        W, D, H, bd, ct = p["width"], p["depth"], p["height"], p["basin_depth"], p["counter"]
        if subtype == "pedestal sink":
            ys = np.linspace(0, bd + 0.03, 7)
            rs = 0.55 + 0.45 * (ys / ys[-1]) ** 0.5
            y0 = H - ys[-1]
            m.revolve(vessel_profile(rs, ys, 0.05, 0.06), center=(0, y0, 0), n=32, scale=(W / 2, D / 2))
            m.box((0, H - 0.01, -D / 2 + 0.04), (W * 0.7, 0.04, 0.1))
            m.revolve([(0, 0), (0.14, 0), (0.1, 0.05), (0.075, 0.3), (0.07, y0 - 0.1), (0.12, y0 + 0.02), (0, y0 + 0.02)],
                      n=20, scale=(1.0, 0.8))
            faucet(m, 0, H + 0.01, -D / 2 + 0.05, 0.1, 0.1, r=0.01)
        elif subtype == "vanity sink":
            m.box((0, 0.05, 0), (W - 0.04, 0.1, D - 0.04))
            m.box((0, (H - ct) / 2 + 0.05, 0), (W, H - ct - 0.1, D))
            k = s["n_doors"]
            for i in range(k):
                x = -W / 2 + (i + 0.5) * W / k
                m.box((x, (H - ct) / 2 + 0.05, D / 2 + 0.01), (W / k - 0.01, H - ct - 0.14, 0.02))
                hx = x + (W / k / 2 - 0.05) * (1 if i == k - 1 else -1)
                m.cylinder((hx, H - ct - 0.12, D / 2 + 0.02), (hx, H - ct - 0.12, D / 2 + 0.04), 0.008, n=6)
            m.box((0, H - ct / 2, 0.01), (W + 0.02, ct, D + 0.02))
            if s["vessel"]:
                rs, ys = smooth_profile(np.array([0, 0.05, bd]), np.array([0.09, 0.16, 0.2]) * (W / 0.6), n=8)
                m.revolve(vessel_profile(rs, ys, 0.008, 0.01), center=(0, H, 0.02), n=28)
            else:
                m.torus((0, H, 0.02), 1.0, 0.012, n_major=28, n_minor=6, scale=(W * 0.32, D * 0.3))
            faucet(m, 0, H, -D / 2 + 0.06, 0.12 + (bd if s["vessel"] else 0), 0.12, r=0.01)
        else:
            m.box((0, (H - ct) / 2, 0), (W, H - ct, D - 0.03))
            m.box((0, 0.05, D / 2 - 0.03), (W - 0.02, 0.1, 0.02))
            k = s["n_basins"]
            bw = (W - 0.1 - 0.05 * (k - 1)) / k
            bdp = D - 0.16
            for i in range(k):
                x = -W / 2 + 0.05 + (i + 0.5) * bw + 0.05 * i
                y1 = H - ct
                m.box((x, y1 - bd, 0.0), (bw, 0.01, bdp))
                for sx in (-1, 1):
                    m.box((x + sx * bw / 2, y1 - bd / 2, 0), (0.006, bd, bdp))
                    m.box((x, y1 - bd / 2, sx * bdp / 2), (bw, bd, 0.006))
                m.cylinder((x, y1 - bd + 0.005, 0), (x, y1 - bd + 0.008, 0), 0.035, n=12)
            edges = [-W / 2] + sum([[-W / 2 + 0.05 + i * (bw + 0.05), -W / 2 + 0.05 + i * (bw + 0.05) + bw] for i in range(k)], []) + [W / 2]
            for a, b in zip(edges[::2], edges[1::2]):
                if b - a > 1e-6:
                    m.box(((a + b) / 2, H - ct / 2, 0), (b - a, ct, D))
            m.box((0, H - ct / 2, (bdp / 2 + D / 2) / 2), (W, ct, D / 2 - bdp / 2))
            m.box((0, H - ct / 2, -(bdp / 2 + D / 2) / 2), (W, ct, D / 2 - bdp / 2))
            faucet(m, 0, H, -D / 2 + 0.05, 0.3, 0.22, r=0.012)

    def describe(self, subtype, p, s):
        if subtype == "pedestal sink":
            return {"details": ["on a single pedestal", "with an oval basin", "with a faucet at the back"]}
        if subtype == "vanity sink":
            k = s["n_doors"]
            return {"n_doors": k, "details": [f"on a cabinet with {number_word(k)} door{'s' if k > 1 else ''}",
                                              "with a bowl sitting on the countertop" if s["vessel"] else "with a basin set into the countertop",
                                              "with a faucet"]}
        k = s["n_basins"]
        return {"details": [f"with {number_word(k)} rectangular basin{'s' if k > 1 else ''}", "set into a countertop",
                            "with a tall curved faucet"]}


# -------------------------------------------------------------------------------------------- toilet


@register
class Toilet(Generator):
    name = "toilet"
    subtypes = ("two-piece toilet", "wall-hung toilet", "high-tank toilet")
    ranges = {"bowl_length": (0.55, 0.7), "bowl_width": (0.34, 0.42), "seat_height": (0.38, 0.45),
              "tank_height": (0.3, 0.42), "tank_width": (0.4, 0.5)}
    height_param = None
    width_param = "bowl_width"

    def structure(self, rng, subtype, p):
        return {"lid_up": bool(rng.random() < 0.4), "seat_up": bool(rng.random() < 0.15)}

    def build(self, m, subtype, p, s):
        L, Wb, h, th, tw = p["bowl_length"], p["bowl_width"], p["seat_height"], p["tank_height"], p["tank_width"]
        sx, sz = Wb / 2, L / 2
        zc = 0.05
        hb = 0.2
        ys = np.linspace(0, hb, 7)
        rs = 0.55 + 0.45 * np.sin(ys / hb * math.pi / 2)
        m.revolve(vessel_profile(rs, ys, 0.09, 0.1), center=(0, h - 0.03 - hb, zc), n=28, scale=(sx, sz))
        if subtype != "wall-hung toilet":
            m.revolve([(0, 0), (0.62, 0), (0.5, 0.06), (0.42, h * 0.5), (0.5, h - 0.03 - hb + 0.03), (0, h - 0.03 - hb + 0.03)],
                      center=(0, 0, zc - 0.03), n=24, scale=(sx, sz * 0.85))
        seat_y = h - 0.015
        with m.frame(R=rot_x(-1.45) if s["seat_up"] else None, pivot=(0, h, zc - sz)):
            m.torus((0, seat_y, zc), 0.78, 0.2, n_major=28, n_minor=6, scale=(sx, sz))
        lid_R = rot_x(-1.6) if s["lid_up"] else None
        with m.frame(R=lid_R, pivot=(0, h + 0.02, zc - sz)):
            m.cylinder((0, h + 0.02, zc), (0, h + 0.04, zc), (sx * 0.98, sz * 0.98), n=28)
        back = zc - sz - 0.02
        if subtype == "two-piece toilet":
            m.box((0, h + th / 2 - 0.05, back - 0.09), (tw, th, 0.2))
            m.box((0, h + th - 0.04, back - 0.09), (tw + 0.02, 0.025, 0.22))
            m.cylinder((tw / 2 - 0.06, h + th - 0.1, back + 0.01), (tw / 2 - 0.06, h + th - 0.1, back + 0.03), 0.015, n=8)
            m.box((0, h - 0.15, back - 0.06), (0.22, 0.25, 0.14))
        elif subtype == "wall-hung toilet":
            m.box((0, 0.6, back - 0.08), (0.5, 1.2, 0.16))
            m.box((0, 1.0, back + 0.005), (0.22, 0.15, 0.01))
            m.box((0, h - 0.15, back - 0.02), (0.25, 0.2, 0.1))
        else:
            ty = h + 1.0 + th * 0.2
            m.box((0, ty, back - 0.1), (tw, 0.25, 0.18))
            m.cylinder((0, ty - 0.12, back - 0.05), (0, h - 0.08, back - 0.05), 0.022, n=10)
            m.cylinder((tw / 2 - 0.04, ty - 0.05, back - 0.05), (tw / 2 - 0.04, ty - 0.45, back - 0.05), 0.004, n=5)
            m.sphere((tw / 2 - 0.04, ty - 0.47, back - 0.05), (0.015, 0.03, 0.015), sub=1)
            m.box((0, h - 0.15, back - 0.06), (0.22, 0.25, 0.14))

    def describe(self, subtype, p, s):
        det = {"two-piece toilet": ["with a water tank behind the seat", "on a floor pedestal"],
               "wall-hung toilet": ["mounted on a wall panel", "with no floor pedestal", "with a flush plate on the wall"],
               "high-tank toilet": ["with a cistern high up on the wall", "with a pull chain", "with a long flush pipe"]}[subtype]
        det = list(det) + ["with the lid open" if s["lid_up"] else "with the lid closed"]
        return {"details": det}
