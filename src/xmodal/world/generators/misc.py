"""Vehicles, structures, coverings and organisms: airplane, car, cone, curtain, door, range_hood,
stairs, tent, person, plant."""
from __future__ import annotations

import math

import numpy as np

from ._base import Generator, Parts, number_word, register, rot_x, rot_y, rot_z
from .containers import pot

# ------------------------------------------------------------------------------------------ airplane


def _wing(m: Parts, x_root, z_le, chord, span, sweep, taper, thick, y, dihedral=0.0, side=1):
    """A trapezoidal wing (planform in x-z, thickness along y) from the root at ``x_root`` outwards."""
    tip_le = z_le - span * math.tan(sweep)
    poly = np.array([[x_root, z_le], [x_root + span, tip_le], [x_root + span, tip_le - chord * taper],
                     [x_root, z_le - chord]])
    poly[:, 0] *= side
    with m.frame(R=rot_z(side * dihedral), pivot=(side * x_root, y, 0)):
        m.prism(poly, thick, center=(0, y, 0), axis="y")


@register
class Airplane(Generator):
    name = "airplane"
    subtypes = ("airliner", "fighter jet", "propeller plane")
    ranges = {"fuselage_radius": (0.045, 0.065), "wingspan": (0.85, 1.1), "wing_chord": (0.12, 0.18),
              "sweep": (0.45, 0.62), "wing_position": (0.4, 0.52), "tail_height": (0.12, 0.18)}
    sub_ranges = {"fighter jet": {"fuselage_radius": (0.05, 0.07), "wingspan": (0.5, 0.7), "wing_chord": (0.3, 0.42),
                                  "sweep": (0.75, 1.0), "wing_position": (0.25, 0.35), "tail_height": (0.1, 0.15)},
                  "propeller plane": {"sweep": (0.0, 0.08), "wingspan": (1.0, 1.35), "wing_chord": (0.1, 0.15),
                                      "wing_position": (0.5, 0.62), "fuselage_radius": (0.05, 0.07)}}
    height_param = None
    width_param = "wingspan"
    width_words = ("short-winged", "long-winged")

    def structure(self, rng, subtype, p):
        if subtype == "airliner":
            return {"n_engines": int(rng.choice([2, 2, 4])), "t_tail": bool(rng.random() < 0.2)}
        if subtype == "fighter jet":
            return {"twin_fins": bool(rng.random() < 0.6), "canards": bool(rng.random() < 0.3)}
        return {"high_wing": bool(rng.random() < 0.5), "n_engines": int(rng.choice([1, 1, 2])),
                "n_blades": int(rng.integers(2, 5))}

    def build(self, m, subtype, p, s):
        r, span, chord, sweep, wp, th = (p[k] for k in ("fuselage_radius", "wingspan", "wing_chord", "sweep",
                                                        "wing_position", "tail_height"))
        Lf = 1.0
        nose = 0.12 if subtype != "fighter jet" else 0.25
        y = np.array([0.0, 0.04, 0.18, Lf - nose, Lf - nose * 0.6, Lf - nose * 0.25, Lf])
        rr = np.array([0.0, r * 0.35, r, r, r * 0.85, r * 0.55, 0.0])
        if subtype == "fighter jet":
            rr = np.array([0.0, r * 0.7, r, r, r * 0.7, r * 0.35, 0.0])
        m.revolve(np.stack([rr, y], 1), n=20, R=rot_x(math.pi / 2), center=(0, 0, -Lf / 2))
        z_le = Lf / 2 - wp * Lf
        if subtype == "airliner":
            wy = -r * 0.5
            for side in (-1, 1):
                _wing(m, r * 0.6, z_le, chord, span / 2, sweep, 0.35, 0.015, wy, dihedral=0.08, side=side)
                xs = [0.3 * span / 2] if s["n_engines"] == 2 else [0.22 * span / 2, 0.45 * span / 2]
                for xe in xs:
                    ze = z_le - xe * math.tan(sweep) + 0.05
                    m.cylinder((side * xe, wy - r * 0.55, ze - 0.12), (side * xe, wy - r * 0.55, ze + 0.02), r * 0.45, n=14)
                    m.box((side * xe, wy - r * 0.2, ze - 0.06), (0.006, r * 0.5, 0.09))
            zt = -Lf / 2 + 0.05
            ty = r * 0.3 + (th if s["t_tail"] else 0.0)
            for side in (-1, 1):
                _wing(m, r * 0.3 if not s["t_tail"] else 0.0, zt + 0.1, 0.08, span * 0.18, sweep, 0.45, 0.01, ty, side=side)
            fin = np.array([[zt + 0.14, r * 0.5], [zt + 0.03, r * 0.5 + th], [zt - 0.02, r * 0.5 + th], [zt - 0.02, r * 0.3]])
            m.prism(fin, 0.012, axis="x")
        elif subtype == "fighter jet":
            for side in (-1, 1):
                _wing(m, r * 0.7, z_le, chord, span / 2 - r, sweep, 0.15, 0.012, -r * 0.1, side=side)
                m.box((side * r * 1.05, -r * 0.2, z_le + 0.05), (r * 0.6, r * 0.9, 0.3))
                if s["canards"]:
                    _wing(m, r * 0.8, z_le + 0.25, 0.08, 0.08, 0.6, 0.3, 0.008, 0.0, side=side)
                _wing(m, r * 0.7, -Lf / 2 + 0.12, 0.1, 0.13, 0.6, 0.4, 0.008, -r * 0.1, side=side)
            m.sphere((0, r * 0.75, Lf / 2 - 0.3), (r * 0.6, r * 0.55, 0.12), sub=2)
            zt = -Lf / 2 + 0.05
            fin = np.array([[zt + 0.18, 0.0], [zt + 0.04, th], [zt - 0.01, th], [zt - 0.02, 0.0]])
            if s["twin_fins"]:
                for side in (-1, 1):
                    with m.frame(R=rot_z(side * 0.3), pivot=(side * r * 0.6, r * 0.6, 0)):
                        m.prism(fin + [0, r * 0.6], 0.01, center=(side * r * 0.6, 0, 0), axis="x")
            else:
                m.prism(fin + [0, r * 0.8], 0.012, axis="x")
            m.cylinder((0, 0, -Lf / 2 - 0.02), (0, 0, -Lf / 2 + 0.05), r * 0.7, n=14)
        else:
            wy = r * 0.9 if s["high_wing"] else -r * 0.6
            for side in (-1, 1):
                _wing(m, 0.0, z_le, chord, span / 2, sweep, 0.7, 0.018, wy, dihedral=0.03, side=side)
                if s["high_wing"]:
                    m.cylinder((side * r * 0.9, -r * 0.5, z_le - chord / 2), (side * span * 0.2, wy, z_le - chord / 2), 0.005, n=5)
            zt = -Lf / 2 + 0.05
            for side in (-1, 1):
                _wing(m, 0.0, zt + 0.1, 0.08, span * 0.17, 0.0, 0.7, 0.01, r * 0.2, side=side)
            fin = np.array([[zt + 0.12, r * 0.5], [zt + 0.03, r * 0.5 + th], [zt - 0.02, r * 0.5 + th], [zt - 0.02, r * 0.2]])
            m.prism(fin, 0.012, axis="x")
            m.sphere((0, r * 0.7, Lf / 2 - 0.3), (r * 0.7, r * 0.5, 0.1), sub=2)

            def prop(c, rad):
                c = np.asarray(c, float)
                m.cone(c, c + [0, 0, 0.05], rad * 0.25, n=12)
                k = s["n_blades"]
                for i in range(k):
                    a = 2 * math.pi * i / k
                    m.box(c + [0.5 * rad * math.cos(a), 0.5 * rad * math.sin(a), 0.005], (rad, 0.018, 0.004),
                          R=rot_z(a) @ rot_x(0.3))

            if s["n_engines"] == 1:
                prop((0, 0, Lf / 2 + 0.002), 0.16)
            else:
                for side in (-1, 1):
                    xe = side * span * 0.17
                    m.cylinder((xe, wy - 0.01, z_le - chord), (xe, wy - 0.01, z_le + 0.06), r * 0.5, n=12)
                    prop((xe, wy - 0.01, z_le + 0.062), 0.12)
            for side in (-1, 1):
                m.cylinder((side * r * 0.8, -r * 0.8, z_le - 0.02), (side * r * 2.2, -r * 2.4, z_le - 0.02), 0.004, n=5)
                m.cylinder((side * r * 2.2 - 0.01, -r * 2.4, z_le - 0.02), (side * r * 2.2 + 0.01, -r * 2.4, z_le - 0.02),
                           0.02, n=12)
            m.cylinder((0, -r * 0.6, -Lf / 2 + 0.08), (0, -r * 1.3, -Lf / 2 + 0.06), 0.003, n=5)

    def describe(self, subtype, p, s):
        if subtype == "airliner":
            k = s["n_engines"]
            det = ["with swept-back wings", f"with {number_word(k)} jet engines under the wings", "with a long round fuselage"]
            det.append("with a T-shaped tail" if s["t_tail"] else "with a tall tail fin")
        elif subtype == "fighter jet":
            det = ["with delta wings", "with a pointed nose", "with a bubble canopy",
                   "with twin tail fins" if s["twin_fins"] else "with a single tail fin"]
            if s["canards"]:
                det.append("with small canard fins near the nose")
        else:
            det = ["with straight wings", "with a high wing over the cabin" if s["high_wing"] else "with low-mounted wings",
                   "with a propeller on the nose" if s["n_engines"] == 1 else "with two propeller engines on the wings",
                   "with fixed landing gear"]
        return {"details": det}


# ----------------------------------------------------------------------------------------------- car


@register
class Car(Generator):
    name = "car"
    subtypes = ("sedan", "hatchback", "pickup truck")
    ranges = {"length": (4.2, 4.9), "width": (1.7, 1.9), "body_height": (0.55, 0.7), "cabin_height": (0.42, 0.55),
              "wheel_radius": (0.3, 0.36), "clearance": (0.14, 0.2), "hood": (0.24, 0.32)}
    sub_ranges = {"hatchback": {"length": (3.7, 4.2)},
                  "pickup truck": {"length": (5.0, 5.6), "clearance": (0.22, 0.3), "wheel_radius": (0.37, 0.42),
                                   "body_height": (0.7, 0.85), "hood": (0.22, 0.28)}}
    height_param = None
    width_param = "length"
    width_words = ("short", "long")

    def structure(self, rng, subtype, p):
        return {"spoiler": subtype != "pickup truck" and bool(rng.random() < 0.25),
                "roof_rack": bool(rng.random() < 0.2), "crew_cab": subtype == "pickup truck" and bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        L, W, bh, ch, wr, cl, hood = (p[k] for k in ("length", "width", "body_height", "cabin_height", "wheel_radius",
                                                     "clearance", "hood"))
        yb, yt = cl, cl + bh
        body = np.array([[L / 2, yb + 0.05], [L / 2 - 0.05, yb], [-L / 2 + 0.05, yb], [-L / 2, yb + 0.05],
                         [-L / 2, yt - 0.08], [-L / 2 + 0.12, yt], [L / 2 - 0.25, yt], [L / 2 - 0.03, yt - 0.15]])
        if subtype == "pickup truck":
            zc = L * 0.08 if not s["crew_cab"] else -L * 0.02
            cab_len = L * (0.22 if not s["crew_cab"] else 0.34)
            front = np.array([[L / 2, yb + 0.05], [L / 2 - 0.05, yb], [zc - cab_len / 2, yb], [zc - cab_len / 2, yt],
                              [L / 2 - 0.25, yt], [L / 2 - 0.03, yt - 0.15]])
            m.prism(front, W, axis="x")
            bed_len = (zc - cab_len / 2) - (-L / 2)
            bz = -L / 2 + bed_len / 2
            m.box((0, yb + 0.06, bz), (W, 0.12, bed_len))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.03), (yb + yt) / 2, bz), (0.06, yt - yb, bed_len))
            m.box((0, (yb + yt) / 2, -L / 2 + 0.03), (W, yt - yb, 0.06))
            cab = np.array([[zc + cab_len / 2 + 0.25, yt], [zc + cab_len / 2 - 0.05, yt + ch], [zc - cab_len / 2 + 0.02, yt + ch],
                            [zc - cab_len / 2, yt]])
        else:
            m.prism(body, W, axis="x")
            zf = L / 2 - hood * L
            if subtype == "sedan":
                zr = -L / 2 + 0.22 * L
                cab = np.array([[zf, yt], [zf - 0.55, yt + ch], [zr + 0.45, yt + ch], [zr, yt]])
            else:
                cab = np.array([[zf, yt], [zf - 0.5, yt + ch], [-L / 2 + 0.35, yt + ch], [-L / 2 + 0.03, yt - 0.02]])
        m.prism(cab, W * 0.86, axis="x")
        for sx in (-1, 1):
            inset = cab.copy()
            c = inset.mean(0)
            inset = c + (inset - c) * [0.9, 0.75]
            m.prism(inset, 0.01, center=(sx * W * 0.43, 0, 0), axis="x")
            m.box((sx * (W * 0.43 + 0.08), yt + 0.1, cab[0, 0] - 0.15), (0.14, 0.08, 0.04))
        if subtype == "pickup truck":
            zfw, zrw = L / 2 - 0.85, -L / 2 + 0.95
        else:
            zfw, zrw = L / 2 - 0.8, -L / 2 + 0.75
        for z in (zfw, zrw):
            for sx in (-1, 1):
                x0 = sx * (W / 2 - 0.1)
                m.cylinder((x0, wr, z), (x0 + sx * 0.24, wr, z), wr, n=20)
                m.cylinder((x0 + sx * 0.2, wr, z), (x0 + sx * 0.25, wr, z), wr * 0.55, n=16)
        for sx in (-1, 1):
            m.box((sx * (W / 2 - 0.2), yt - 0.12, L / 2 - 0.04), (0.3, 0.1, 0.08))
            m.box((sx * (W / 2 - 0.15), yt - 0.12, -L / 2 + 0.02), (0.22, 0.1, 0.06))
        m.box((0, yb + 0.1, L / 2 + 0.02), (W * 0.95, 0.15, 0.06))
        m.box((0, yb + 0.1, -L / 2 - 0.02), (W * 0.95, 0.15, 0.06))
        if s["spoiler"]:
            zs = cab[-1, 0] - 0.05 if subtype == "sedan" else -L / 2 + 0.25
            ys = yt + (0.08 if subtype == "sedan" else ch - 0.05)
            m.box((0, ys, zs), (W * 0.8, 0.03, 0.2))
        if s["roof_rack"]:
            for sx in (-1, 1):
                m.box((sx * W * 0.33, yt + ch + 0.05, (cab[1, 0] + cab[2, 0]) / 2), (0.04, 0.05, abs(cab[1, 0] - cab[2, 0]) * 0.9))

    def describe(self, subtype, p, s):
        det = ["with four wheels", "with side mirrors"]
        det.insert(0, {"sedan": "with a separate trunk at the back", "hatchback": "with a sloping hatchback rear",
                       "pickup truck": "with an open cargo bed at the back"}[subtype])
        if s["crew_cab"]:
            det.append("with a four-door crew cab")
        if s["spoiler"]:
            det.append("with a rear spoiler")
        if s["roof_rack"]:
            det.append("with roof rails")
        return {"details": det}


# ---------------------------------------------------------------------------------------------- cone


@register
class Cone(Generator):
    name = "cone"
    subtypes = ("traffic cone", "plain cone", "party hat")
    ranges = {"height": (0.45, 0.9), "base_radius": (0.12, 0.25), "tip_radius": (0.015, 0.04), "plate": (1.1, 1.4)}
    sub_ranges = {"plain cone": {"tip_radius": (0.0, 0.0)}, "party hat": {"height": (0.2, 0.3), "base_radius": (0.07, 0.11),
                                                                           "tip_radius": (0.0, 0.0)}}
    width_param = "base_radius"

    def structure(self, rng, subtype, p):
        return {"n_bands": int(rng.integers(1, 3)) if subtype == "traffic cone" else 0, "base_disc": bool(rng.random() < 0.5),
                "pompom": subtype == "party hat" and bool(rng.random() < 0.8), "brim": subtype == "party hat" and bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        H, R, tr, pl = p["height"], p["base_radius"], p["tip_radius"], p["plate"]
        if subtype == "traffic cone":
            bt = 0.03
            m.box((0, bt / 2, 0), (2 * R * pl, bt, 2 * R * pl))
            m.cylinder((0, bt, 0), (0, H, 0), R, n=24, r_top=tr)
            for i in range(s["n_bands"]):
                y0 = bt + (H - bt) * (0.4 + 0.25 * i)
                y1 = y0 + 0.08 * H
                r0 = R + (tr - R) * (y0 - bt) / (H - bt) + 0.002
                r1 = R + (tr - R) * (y1 - bt) / (H - bt) + 0.002
                m.cylinder((0, y0, 0), (0, y1, 0), r0, n=24, r_top=r1)
        elif subtype == "plain cone":
            if s["base_disc"]:
                m.cylinder((0, 0, 0), (0, 0.02, 0), R * 1.05, n=24)
            m.cone((0, 0.0, 0), (0, H, 0), R, n=32)
        else:
            m.cone((0, 0, 0), (0, H, 0), R, n=32)
            if s["pompom"]:
                m.sphere((0, H, 0), 0.12 * H, sub=2)
            if s["brim"]:
                m.torus((0, 0.006, 0), R, 0.008, n_major=32, n_minor=6)

    def describe(self, subtype, p, s):
        if subtype == "traffic cone":
            k = s["n_bands"]
            return {"details": ["standing on a square base", f"with {number_word(k)} reflective band{'s' if k > 1 else ''}",
                                "with a flat cut-off top"]}
        if subtype == "plain cone":
            return {"details": ["with a pointed tip", "with a round base"] + (["on a thin disc"] if s["base_disc"] else [])}
        return {"details": ["with a pointed top"] + (["with a pompom on the tip"] if s["pompom"] else [])
                + (["with a trim around the bottom edge"] if s["brim"] else [])}


# ------------------------------------------------------------------------------------------- curtain


@register
class Curtain(Generator):
    name = "curtain"
    subtypes = ("single curtain", "pair of curtains", "tied-back curtains")
    ranges = {"height": (1.5, 2.4), "width": (1.0, 2.0), "fold_depth": (0.02, 0.06), "thickness": (0.006, 0.014),
              "rod_radius": (0.01, 0.02)}
    sub_ranges = {"tied-back curtains": {"tie_height": (0.3, 0.5)}}
    height_words = ("short", "long")

    def structure(self, rng, subtype, p):
        return {"n_folds": int(rng.integers(4, 10)), "finials": bool(rng.random() < 0.6), "rings": bool(rng.random() < 0.5),
                "valance": bool(rng.random() < 0.25)}

    def _panel(self, m, x_out, x_in, H, A, k, t, tie=None):
        """One panel hanging from ``y = H`` between x_out (outer edge) and x_in; ``tie`` pinches it."""
        nu, nv = 10 * k + 1, 9 if tie is not None else 3
        u = np.linspace(0, 1, nu)[:, None]
        v = np.linspace(0, 1, nv)[None, :]
        y = H * (1 - v) + 0.0 * u
        squeeze = np.ones_like(v)
        if tie is not None:
            d = v - (1 - tie)
            squeeze = np.where(d < 0, 1 - 0.75 * (1 - (d / (1 - tie)) ** 2) * (1 + d / (1 - tie)) ** 0.5,
                               0.25 + 0.3 * (d / tie))
            squeeze = np.clip(squeeze, 0.2, 1.0)
        x = x_out + (x_in - x_out) * u * squeeze
        amp = A * (0.6 + 0.4 * v) * (0.3 + 0.7 * squeeze)
        z = amp * np.sin(2 * np.pi * k * u)
        S = np.stack(np.broadcast_arrays(x, y, z), -1)
        m.sheet(S, t)

    def build(self, m, subtype, p, s):
        H, W, A, t, rr = p["height"], p["width"], p["fold_depth"], p["thickness"], p["rod_radius"]
        k = s["n_folds"]
        top = H + 0.06
        m.cylinder((-W / 2 - 0.1, top, 0), (W / 2 + 0.1, top, 0), rr, n=10)
        if s["finials"]:
            for sx in (-1, 1):
                m.sphere((sx * (W / 2 + 0.12), top, 0), rr * 2.2, sub=1)
        for sx in (-1, 1):
            m.cylinder((sx * (W / 2 + 0.02), top, 0), (sx * (W / 2 + 0.02), top, -0.1), rr * 0.6, n=6)
        if subtype == "single curtain":
            panels = [(-W / 2, W / 2, k)]
        else:
            kk = max(k // 2, 2)
            panels = [(-W / 2, -0.01, kk), (W / 2, 0.01, kk)]
        tie = p["tie_height"] if subtype == "tied-back curtains" else None
        for x_out, x_in, kp in panels:
            self._panel(m, x_out, x_in, H, A, kp, t, tie=tie)
            if tie is not None:
                xt = x_out + (x_in - x_out) * 0.14
                m.torus((xt, H * tie, 0), abs(x_in - x_out) * 0.14 + 0.02, 0.012, normal=(0, 1, 0), n_major=16, n_minor=5,
                        scale=(1.0, 0.6))
            if s["rings"]:
                for i in range(kp * 2 + 1):
                    x = x_out + (x_in - x_out) * i / (2 * kp)
                    m.torus((x, top, 0), rr * 1.6, 0.003, normal=(1, 0, 0), n_major=10, n_minor=4)
        if s["valance"]:
            m.box((0, top + 0.02, 0.05), (W + 0.25, 0.25, 0.02))

    def describe(self, subtype, p, s):
        det = ["hanging from a rod", "with soft vertical folds"]
        if subtype == "pair of curtains":
            det.insert(0, "made of two panels meeting in the middle")
        elif subtype == "tied-back curtains":
            det.insert(0, "with two panels tied back at the sides")
        else:
            det.insert(0, "made of one wide panel")
        if s["rings"]:
            det.append("with curtain rings along the top")
        if s["finials"]:
            det.append("with ball finials on the rod")
        if s["valance"]:
            det.append("with a pelmet board on top")
        return {"details": det}


# ---------------------------------------------------------------------------------------------- door


@register
class Door(Generator):
    name = "door"
    subtypes = ("panel door", "glass door", "double door")
    ranges = {"height": (1.95, 2.2), "width": (0.75, 0.95), "thickness": (0.035, 0.05), "frame_width": (0.05, 0.1),
              "margin": (0.08, 0.14)}
    sub_ranges = {"double door": {"width": (1.3, 1.7)}}

    def structure(self, rng, subtype, p):
        return {"n_panels": int(rng.choice([1, 2, 4, 6])), "frame": bool(rng.random() < 0.75),
                "lever": bool(rng.random() < 0.5), "lite_rows": int(rng.integers(1, 5)), "lite_cols": int(rng.integers(1, 3)),
                "glass_panels": subtype == "double door" and bool(rng.random() < 0.4)}

    def _leaf(self, m, x0, w, H, T, mg, s, glass, handle_side):
        xc = x0 + w / 2
        if glass:
            m.box((xc - w / 2 + mg / 2, H / 2, 0), (mg, H, T))
            m.box((xc + w / 2 - mg / 2, H / 2, 0), (mg, H, T))
            m.box((xc, mg / 2, 0), (w - 2 * mg, mg * 1.5, T))
            m.box((xc, H - mg / 2, 0), (w - 2 * mg, mg, T))
            gh = H - 2 * mg
            m.box((xc, H / 2, 0), (w - 2 * mg, gh, 0.006))
            R, C = s["lite_rows"], s["lite_cols"]
            for i in range(1, R):
                m.box((xc, mg + i * gh / R, 0), (w - 2 * mg, 0.02, T * 0.6))
            for j in range(1, C):
                m.box((xc - w / 2 + mg + j * (w - 2 * mg) / C, H / 2, 0), (0.02, gh, T * 0.6))
        else:
            m.box((xc, H / 2, 0), (w, H, T))
            k = s["n_panels"]
            cols = 1 if k == 1 else 2
            rows = max(k // cols, 1)
            pw = (w - (cols + 1) * mg) / cols
            ph = (H - (rows + 1) * mg) / rows
            for i in range(rows):
                for j in range(cols):
                    x = xc - w / 2 + mg + pw / 2 + j * (pw + mg)
                    y = mg + ph / 2 + i * (ph + mg)
                    for sz in (-1, 1):
                        m.box((x, y, sz * T / 2), (pw, ph, 0.012))
        hx = xc + handle_side * (w / 2 - 0.07)
        for sz in (-1, 1):
            z = sz * T / 2
            m.cylinder((hx, 1.0, z), (hx, 1.0, z + sz * 0.01), 0.03, n=12)
            if s["lever"]:
                m.cylinder((hx, 1.0, z), (hx, 1.0, z + sz * 0.05), 0.008, n=8)
                m.cylinder((hx, 1.0, z + sz * 0.05), (hx - handle_side * 0.12, 1.0, z + sz * 0.05), 0.009, n=8)
            else:
                m.cylinder((hx, 1.0, z), (hx, 1.0, z + sz * 0.04), 0.008, n=8)
                m.sphere((hx, 1.0, z + sz * 0.05), 0.027, sub=1)

    def build(self, m, subtype, p, s):
        H, W, T, fw, mg = p["height"], p["width"], p["thickness"], p["frame_width"], p["margin"]
        if subtype == "double door":
            self._leaf(m, -W / 2, W / 2 - 0.003, H, T, mg, s, s["glass_panels"], +1)
            self._leaf(m, 0.003, W / 2 - 0.003, H, T, mg, s, s["glass_panels"], -1)
        else:
            self._leaf(m, -W / 2, W, H, T, mg, s, subtype == "glass door", +1)
        if s["frame"]:
            for sx in (-1, 1):
                m.box((sx * (W / 2 + fw / 2 + 0.003), (H + fw) / 2, 0), (fw, H + fw, T * 2.2))
            m.box((0, H + fw / 2 + 0.003, 0), (W + 2 * fw + 0.006, fw, T * 2.2))

    def describe(self, subtype, p, s):
        det = []
        if subtype == "glass door" or s["glass_panels"]:
            n = s["lite_rows"] * s["lite_cols"]
            det.append("with a large glass pane" if n == 1 else f"with {number_word(n)} glass panes")
        else:
            k = s["n_panels"]
            det.append("with a flat slab face" if k == 1 else f"with {number_word(k)} raised panels")
        if subtype == "double door":
            det.insert(0, "with two leaves meeting in the middle")
        det.append("with a lever handle" if s["lever"] else "with a round doorknob")
        if s["frame"]:
            det.append("set in a door frame")
        k = 2 if subtype == "double door" else 1
        return {"n_doors": k, "details": det}


# ---------------------------------------------------------------------------------------- range_hood


@register
class RangeHood(Generator):
    name = "range_hood"
    subtypes = ("chimney hood", "island hood", "under-cabinet hood")
    ranges = {"width": (0.6, 1.0), "depth": (0.45, 0.6), "canopy_height": (0.1, 0.3), "chimney_height": (0.4, 0.9),
              "chimney_ratio": (0.25, 0.45)}
    sub_ranges = {"under-cabinet hood": {"canopy_height": (0.08, 0.16), "chimney_height": (0.0, 0.0)}}
    height_param = "chimney_height"
    height_words = ("low", "tall")

    def structure(self, rng, subtype, p):
        return {"n_buttons": int(rng.integers(0, 5)), "glass_visor": bool(rng.random() < 0.35), "filters": int(rng.integers(1, 4))}

    def build(self, m, subtype, p, s):
        W, D, ch, hh, cr = (p[k] for k in ("width", "depth", "canopy_height", "chimney_height", "chimney_ratio"))
        rim = 0.05
        m.box((0, rim / 2, 0), (W, rim, D))
        k = s["filters"]
        for i in range(k):
            m.box((-W / 2 + (i + 0.5) * W / k, -0.002, 0), (W / k - 0.02, 0.004, D - 0.04))
        for i in range(s["n_buttons"]):
            m.cylinder((-W * 0.3 + i * 0.05, rim / 2, D / 2), (-W * 0.3 + i * 0.05, rim / 2, D / 2 + 0.008), 0.01, n=10)
        if subtype == "under-cabinet hood":
            m.box((0, rim + ch / 2, -0.02), (W, ch, D - 0.04))
            if s["glass_visor"]:
                m.box((0, rim * 0.3, D / 2 + 0.08), (W, 0.006, 0.18), R=rot_x(0.2))
            else:
                m.box((0, rim / 2, D / 2 + 0.04), (W, rim, 0.08))
            return
        cw, cd = W * cr, D * cr
        if subtype == "chimney hood":
            shift = (0.0, -(D - cd) / 2)
            m.tapered_box((0, rim, 0), (W, D), (cw, cd), ch, shift=shift)
            zc = shift[1]
        else:
            if s["glass_visor"]:
                m.box((0, rim + 0.02, 0), (W, 0.04, D))
                m.box((0, rim + ch / 2, 0), (W * 0.98, ch, 0.006))
                m.box((0, rim + ch / 2, 0), (0.006, ch, D * 0.98))
            else:
                m.box((0, rim + ch / 2, 0), (W, ch, D))
            zc = 0.0
        m.box((0, rim + ch + hh / 2, zc), (cw, hh, cd))
        if subtype == "island hood":
            m.box((0, rim + ch + hh + 0.01, zc), (cw + 0.06, 0.02, cd + 0.06))

    def describe(self, subtype, p, s):
        det = {"chimney hood": ["with a sloped pyramid-shaped canopy", "with a chimney duct rising from the back"],
               "island hood": ["with a rectangular canopy", "with a chimney duct rising from the centre",
                               "mounted from the ceiling"],
               "under-cabinet hood": ["with a flat slim body", "without a chimney"]}[subtype]
        det = list(det)
        if s["glass_visor"]:
            det.append("with a glass panel")
        if s["n_buttons"]:
            det.append(f"with {number_word(s['n_buttons'])} control button{'s' if s['n_buttons'] > 1 else ''}")
        return {"details": det}


# -------------------------------------------------------------------------------------------- stairs


@register
class Stairs(Generator):
    name = "stairs"
    subtypes = ("straight staircase", "spiral staircase", "L-shaped staircase")
    ranges = {"rise": (0.16, 0.2), "run": (0.25, 0.3), "width": (0.8, 1.2), "tread": (0.03, 0.06), "nosing": (0.0, 0.03)}
    height_param = None

    def structure(self, rng, subtype, p):
        n = {"straight staircase": (6, 14), "spiral staircase": (10, 17), "L-shaped staircase": (4, 8)}[subtype]
        return {"n_steps": int(rng.integers(*n)), "solid": bool(rng.random() < 0.5) if subtype != "spiral staircase" else False,
                "railing": int(rng.integers(0, 3)), "steps_per_turn": int(rng.integers(10, 15))}

    def _flight(self, m, n, rise, run, W, tr, no, solid, y0=0.0, railing=0, first=0):
        for i in range(n):
            y = y0 + (i + 1) * rise
            z = (i + 0.5) * run
            if solid:
                m.box((0, (y0 + y) / 2, z), (W, y - y0, run))
                m.box((0, y - tr / 2 + 0.001, z + no / 2), (W + 0.02, tr, run + no))
            else:
                m.box((0, y - tr / 2, z + no / 2), (W, tr, run + no))
        if not solid:
            L = math.hypot(n * run, n * rise)
            a = math.atan2(n * rise, n * run)
            for sx in (-1, 1):
                m.box((sx * (W / 2 + 0.02), y0 + n * rise / 2, n * run / 2), (0.04, 0.25, L), R=rot_x(-a))
        sides = [] if railing == 0 else ([1] if railing == 1 else [-1, 1])
        for sx in sides:
            x = sx * (W / 2 - 0.03)
            posts = [0, n - 1] + list(range(2, n - 1, 3))
            for i in posts:
                y = y0 + (i + 1) * rise
                m.cylinder((x, y, (i + 0.5) * run), (x, y + 0.9, (i + 0.5) * run), 0.012 if i not in (0, n - 1) else 0.03, n=8)
            m.cylinder((x, y0 + rise + 0.9, 0.5 * run), (x, y0 + n * rise + 0.9, (n - 0.5) * run), 0.025, n=10)

    def build(self, m, subtype, p, s):
        rise, run, W, tr, no = (p[k] for k in ("rise", "run", "width", "tread", "nosing"))
        n = s["n_steps"]
        if subtype == "straight staircase":
            self._flight(m, n, rise, run, W, tr, no, s["solid"], railing=s["railing"])
        elif subtype == "L-shaped staircase":
            self._flight(m, n, rise, run, W, tr, no, s["solid"], railing=s["railing"])
            yl = (n + 1) * rise
            zl = n * run + W / 2
            m.box((0, yl / 2 if s["solid"] else yl - tr / 2, zl), (W, yl if s["solid"] else tr, W))
            if not s["solid"]:
                for sx in (-1, 1):
                    for sz in (-1, 1):
                        m.box((sx * (W / 2 - 0.04), yl / 2, zl + sz * (W / 2 - 0.04)), (0.08, yl, 0.08))
            with m.frame(R=rot_y(-math.pi / 2), t=(W / 2, 0, zl)):
                self._flight(m, n, rise, run, W, tr, no, s["solid"], y0=yl, railing=s["railing"])
        else:
            k = s["steps_per_turn"]
            R0 = W
            Htot = (n + 1) * rise
            m.cylinder((0, 0, 0), (0, Htot + 0.9, 0), 0.06, n=14)
            da = 2 * math.pi / k
            outer = []
            for i in range(n):
                a = i * da
                y = (i + 1) * rise
                t = np.linspace(0, da * 1.05, 5)
                poly = np.concatenate([[[0.0, 0.0]], np.stack([R0 * np.cos(t), R0 * np.sin(t)], 1)])
                m.prism(poly, tr, center=(0, y - tr / 2, 0), axis="y", R=rot_y(-a))
                ao = a + da * 0.5
                pt = np.array([R0 * 0.95 * math.cos(ao), y, -R0 * 0.95 * math.sin(ao)])
                if s["railing"]:
                    m.cylinder(pt, pt + [0, 0.9, 0], 0.01, n=6)
                outer.append(pt + [0, 0.9, 0])
            if s["railing"]:
                m.polyline(np.asarray(outer), 0.02, n=8, joints=False)
            m.cylinder((0, 0, 0), (0, 0.02, 0), R0 * 0.3, n=20)

    def describe(self, subtype, p, s):
        n = s["n_steps"] * (2 if subtype == "L-shaped staircase" else 1)
        det = [f"with {number_word(n)} steps"]
        if subtype == "spiral staircase":
            det += ["winding around a central pole", "with wedge-shaped treads"]
        elif subtype == "L-shaped staircase":
            det += ["turning ninety degrees at a landing"]
        else:
            det += ["rising in one straight flight"]
        if subtype != "spiral staircase":
            det.append("built as solid blocks" if s["solid"] else "with open treads on side stringers")
        if s["railing"] == 1 or (subtype == "spiral staircase" and s["railing"]):
            det.append("with a handrail")
        elif s["railing"] == 2:
            det.append("with handrails on both sides")
        return {"details": det}


# ---------------------------------------------------------------------------------------------- tent


@register
class Tent(Generator):
    name = "tent"
    subtypes = ("dome tent", "A-frame tent", "teepee")
    ranges = {"width": (1.4, 2.6), "length": (1.8, 2.8), "height": (1.0, 1.6), "pole_radius": (0.01, 0.025),
              "door": (0.4, 0.7)}
    sub_ranges = {"teepee": {"width": (1.8, 3.0), "height": (2.0, 3.2)}}

    def structure(self, rng, subtype, p):
        return {"door_open": bool(rng.random() < 0.5), "guy_lines": bool(rng.random() < 0.5),
                "n_poles": int(rng.integers(6, 11)), "vestibule": subtype == "dome tent" and bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        W, L, H, pr, dr = (p[k] for k in ("width", "length", "height", "pole_radius", "door"))
        if subtype == "dome tent":
            t = np.linspace(0, math.pi / 2, 9)
            prof = np.concatenate([[[0.0, 0.0]], np.stack([np.cos(t), np.sin(t) * H], 1)])
            prof[-1, 0] = 0.0
            m.revolve(prof, n=32, scale=(W / 2, L / 2))
            a = np.linspace(0, math.pi, 15)
            for sgn in (-1, 1):
                c = 1.02 / math.sqrt(2)
                pts = np.stack([W / 2 * np.cos(a) * c, H * np.sin(a) * 1.02, sgn * L / 2 * np.cos(a) * c], 1)
                m.polyline(pts, pr, n=6, joints=False)
            a = np.linspace(0, math.pi, 11)
            door = np.stack([np.cos(a) * W / 2 * dr * 0.6, np.sin(a) * H * dr, np.zeros_like(a)], 1)
            door[:, 2] = L / 2 * np.sqrt(np.clip(1 - (door[:, 0] / (W / 2)) ** 2 - (door[:, 1] / H) ** 2, 0, 1)) + 0.01
            m.polyline(door, pr * 0.6, n=5, joints=False)
            if s["vestibule"]:
                porch = prof.copy()
                porch[:, 1] *= 0.5
                m.revolve(porch, n=16, scale=(W * 0.26, L * 0.2), center=(0, 0, L / 2 * 0.9))
        elif subtype == "A-frame tent":
            tri = np.array([[-W / 2, 0], [W / 2, 0], [0, H]])
            m.prism(tri, L, axis="z")
            m.cylinder((0, H + pr, -L / 2 - 0.15), (0, H + pr, L / 2 + 0.15), pr, n=8)
            for sz in (-1, 1):
                for sx in (-1, 1):
                    m.cylinder((sx * W / 2 * 1.02, 0, sz * (L / 2 + 0.02)), (0, H + pr, sz * (L / 2 + 0.02)), pr, n=6)
            if s["door_open"]:
                for sx in (-1, 1):
                    flap = np.array([[0, 0], [sx * W / 2 * dr, 0], [0, H * dr * 1.3]])
                    with m.frame(R=rot_y(sx * 0.9), pivot=(sx * W / 2 * dr, 0, L / 2 + 0.01)):
                        m.prism(flap, 0.01, center=(0, 0, L / 2 + 0.01), axis="z")
            else:
                m.prism(np.array([[-0.01, 0], [0.01, 0], [0.01, H * 0.8], [-0.01, H * 0.8]]), 0.02, center=(0, 0, L / 2 + 0.005), axis="z")
            if s["guy_lines"]:
                for sz in (-1, 1):
                    a = np.array([0, H, sz * (L / 2 + 0.15)])
                    b = np.array([0, 0, sz * (L / 2 + 0.9)])
                    m.cylinder(a, b, 0.004, n=4)
                    m.cylinder(b - [0, 0.02, 0], b + [0, 0.12, 0], 0.012, n=6)
        else:
            R = W / 2
            m.cone((0, 0, 0), (0, H, 0), R, n=32)
            k = s["n_poles"]
            for i in range(k):
                a = 2 * math.pi * (i + 0.5) / k
                base = np.array([R * 1.02 * math.cos(a), 0, R * 1.02 * math.sin(a)])
                top = np.array([-0.2 * R * math.cos(a), H * 1.2, -0.2 * R * math.sin(a)])
                m.cylinder(base, top, pr, n=6)
            flap = np.array([[-R * dr * 0.4, 0], [R * dr * 0.4, 0], [0, H * dr * 0.8]])
            slope = math.atan2(R, H)
            with m.frame(R=rot_x(slope * (1.4 if s["door_open"] else 1.0)), pivot=(0, 0, R)):
                m.prism(flap, 0.01, center=(0, 0, R + 0.01), axis="z")

    def describe(self, subtype, p, s):
        if subtype == "dome tent":
            det = ["with a rounded dome shape", "with two crossing poles", "with an arched door"]
            if s["vestibule"]:
                det.append("with a small porch over the entrance")
        elif subtype == "A-frame tent":
            det = ["with a triangular cross-section", "with a ridge pole along the top",
                   "with the door flaps open" if s["door_open"] else "with the door closed"]
            if s["guy_lines"]:
                det.append("held by guy lines and stakes")
        else:
            det = ["with a tall conical shape", f"with {number_word(s['n_poles'])} poles crossing at the top",
                   "with an entrance flap"]
        return {"details": det}


# -------------------------------------------------------------------------------------------- person


def _limb_dir(abduct: float, flex: float, side: int) -> np.ndarray:
    """Unit direction of a limb hanging down, abducted sideways (``side`` = +1 left, -1 right) and flexed forward."""
    return rot_z(side * abduct) @ rot_x(-flex) @ np.array([0.0, -1.0, 0.0])


@register
class Person(Generator):
    name = "person"
    subtypes = ("standing person", "walking person", "waving person")
    ranges = {"height": (1.5, 1.95), "shoulder": (0.105, 0.13), "head": (0.06, 0.07), "build": (0.8, 1.25),
              "hip": (0.05, 0.065), "stride": (0.25, 0.5), "arm_spread": (0.05, 0.25), "leg_spread": (0.0, 0.12),
              "turn": (-0.3, 0.3)}
    width_param = "build"
    width_words = ("slim", "broad")

    def structure(self, rng, subtype, p):
        return {"wave_right": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        H, sh, hd, k, hip, st = (p[k_] for k_ in ("height", "shoulder", "head", "build", "hip", "stride"))
        sw, hw = sh * H, hip * H
        ysh, yhip = 0.81 * H, 0.52 * H
        l_up, l_lo, l_th, l_sh = 0.17 * H, 0.155 * H, 0.245 * H, 0.245 * H
        r_arm, r_fore, r_th, r_shin = 0.024 * H * k, 0.02 * H * k, 0.043 * H * k, 0.031 * H * k
        with m.frame(R=rot_y(p["turn"])):
            m.sphere((0, 0.685 * H, 0), (sw * 0.95 * math.sqrt(k), 0.15 * H, 0.075 * H * k), sub=2)
            m.sphere((0, yhip + 0.03 * H, 0), (hw * 1.55 * math.sqrt(k), 0.075 * H, 0.07 * H * k), sub=1)
            m.cylinder((0, ysh - 0.02 * H, 0), (0, 0.885 * H, 0), 0.028 * H * k ** 0.5, n=10)
            m.sphere((0, 0.93 * H, 0.005 * H), (hd * H * 0.95, hd * H * 1.15, hd * H * 1.05), sub=2)
            m.sphere((0, 0.93 * H, 0.06 * H), (0.012 * H, 0.02 * H, 0.015 * H), sub=1)
            for side in (-1, 1):
                # legs
                if subtype == "walking person":
                    hf = side * st * 0.9
                    kf = -0.45 if hf < 0 else -0.1
                else:
                    hf, kf = 0.0, 0.0
                hipj = np.array([side * hw, yhip, 0])
                knee = hipj + l_th * _limb_dir(p["leg_spread"] * 0.5, hf, side)
                ankle = knee + l_sh * _limb_dir(p["leg_spread"] * 0.5, hf + kf, side)
                m.capsule(hipj, knee, r_th)
                m.cylinder(knee, ankle, r_shin, n=12, r_top=r_shin * 1.1)
                m.sphere(ankle, r_shin * 0.9, sub=1)
                fwd = rot_x(-(hf + kf) * 0.3) @ np.array([0, 0, 1.0])
                m.sphere(ankle + [0, -0.02 * H, 0] + 0.045 * H * fwd, (0.035 * H, 0.025 * H, 0.075 * H), sub=1)
                # arms
                shj = np.array([side * sw, ysh, 0])
                waving = subtype == "waving person" and (side == -1) == s["wave_right"]
                if waving:
                    d1 = _limb_dir(2.4, 0.2, side)
                    d2 = _limb_dir(3.0, 0.1, side)
                elif subtype == "walking person":
                    d1 = _limb_dir(p["arm_spread"] * 0.5, -side * st * 0.8, side)
                    d2 = _limb_dir(p["arm_spread"] * 0.5, -side * st * 0.8 + 0.35, side)
                else:
                    d1 = _limb_dir(p["arm_spread"], 0.05, side)
                    d2 = _limb_dir(p["arm_spread"] * 0.6, 0.2, side)
                elbow = shj + l_up * d1
                wrist = elbow + l_lo * d2
                m.capsule(shj, elbow, r_arm)
                m.capsule(elbow, wrist, r_fore)
                m.sphere(wrist + 0.04 * H * d2, (0.022 * H, 0.045 * H, 0.012 * H * 1.5), sub=1,
                         R=rot_z(side * (2.9 if waving else p["arm_spread"])))

    def describe(self, subtype, p, s):
        if subtype == "walking person":
            det = ["mid-stride", "with arms swinging"]
        elif subtype == "waving person":
            det = [f"with the {'right' if s['wave_right'] else 'left'} arm raised in a wave", "standing upright"]
        else:
            det = ["standing upright", "with arms hanging at the sides"]
        det.append("with a round head")
        return {"n_legs": 2, "details": det}


# --------------------------------------------------------------------------------------------- plant


@register
class Plant(Generator):
    name = "plant"
    subtypes = ("leafy houseplant", "potted palm", "cactus")
    ranges = {"pot_height": (0.18, 0.3), "pot_radius": (0.1, 0.16), "plant_height": (0.45, 0.9), "spread": (0.3, 0.55),
              "leaf_size": (0.07, 0.13)}
    sub_ranges = {"potted palm": {"plant_height": (0.9, 1.5), "spread": (0.5, 0.9)},
                  "cactus": {"plant_height": (0.3, 0.6), "spread": (0.05, 0.09)}}
    height_param = "plant_height"
    width_param = "spread"
    width_words = ("narrow", "bushy")

    def structure(self, rng, subtype, p):
        n = {"leafy houseplant": (12, 26), "potted palm": (6, 11), "cactus": (0, 4)}[subtype]
        return {"n_leaves": int(rng.integers(*n)), "n_stems": int(rng.integers(1, 4)), "seed": int(rng.integers(1 << 30)),
                "square_pot": bool(rng.random() < 0.25), "flowers": subtype == "cactus" and bool(rng.random() < 0.4)}

    def build(self, m, subtype, p, s):
        ph, pr, Hp, sp, ls = (p[k] for k in ("pot_height", "pot_radius", "plant_height", "spread", "leaf_size"))
        y0 = pot(m, ph, pr, 0.75, 0.15, 0.88, square=s["square_pot"])
        rng = np.random.default_rng(s["seed"])
        if subtype == "leafy houseplant":
            for i in range(s["n_leaves"]):
                az = rng.uniform(0, 2 * math.pi)
                h = Hp * rng.uniform(0.3, 1.0)
                rad = sp * rng.uniform(0.2, 0.5) * (1.2 - h / Hp * 0.5)
                tip = np.array([rad * math.cos(az), y0 + h, rad * math.sin(az)])
                base = np.array([0.2 * rad * math.cos(az), y0, 0.2 * rad * math.sin(az)])
                m.cylinder(base, tip, 0.004, n=5)
                d = np.array([math.cos(az), 0.3, math.sin(az)])
                d /= np.linalg.norm(d)
                c = tip + d * ls * 0.9
                Rl = rot_y(-az) @ rot_z(0.3)
                m.sphere(c, (ls, 0.008, ls * 0.55), sub=1, R=Rl)
        elif subtype == "potted palm":
            tops = []
            for j in range(s["n_stems"]):
                lean = rng.uniform(-0.12, 0.12, 2) * Hp
                pts = np.array([[lean[0] * t ** 2, y0 + Hp * 0.7 * t * rng.uniform(0.85, 1.0) ** (j > 0), lean[1] * t ** 2]
                                for t in np.linspace(0, 1, 4)])
                for a, b in zip(pts[:-1], pts[1:]):
                    m.cylinder(a, b, 0.025 * (1 + 0.5 * (b[1] < y0 + Hp * 0.3)), n=8, r_top=0.022)
                tops.append(pts[-1])
            for i in range(s["n_leaves"]):
                top = tops[i % len(tops)]
                az = 2 * math.pi * i / s["n_leaves"] + rng.uniform(-0.3, 0.3)
                Lf = sp * rng.uniform(0.7, 1.0)
                u = np.linspace(0, 1, 7)[:, None]
                v = np.linspace(-1, 1, 3)[None, :]
                wid = ls * 0.9 * np.sin(np.pi * np.clip(u, 0.05, 1)) ** 0.7
                x = Lf * u + 0 * v
                y = Lf * (0.5 * u - 0.9 * u ** 2) * rng.uniform(0.6, 1.0) + 0 * v
                zz = wid * v
                P = np.stack(np.broadcast_arrays(x, y, zz), -1) @ rot_y(-az).T + top
                m.sheet(P, 0.006)
        else:
            r = sp * 1.0
            col_h = Hp
            m.cylinder((0, y0, 0), (0, y0 + col_h - r, 0), r, n=16)
            m.sphere((0, y0 + col_h - r, 0), r, sub=2)
            for i in range(s["n_leaves"]):
                az = 2 * math.pi * i / max(s["n_leaves"], 1) + rng.uniform(-0.4, 0.4)
                ya = y0 + col_h * rng.uniform(0.3, 0.6)
                out = r + rng.uniform(0.06, 0.12)
                d = np.array([math.cos(az), 0, math.sin(az)])
                elbow = np.array([0, ya, 0]) + d * out
                top = elbow + [0, col_h * rng.uniform(0.2, 0.35), 0]
                ra = r * rng.uniform(0.5, 0.7)
                m.capsule(np.array([0, ya, 0]) + d * r * 0.5, elbow, ra, n=12)
                m.capsule(elbow, top, ra, n=12)
            if s["flowers"]:
                for i in range(3):
                    a = 2 * math.pi * i / 3
                    m.sphere((r * 0.5 * math.cos(a), y0 + col_h - 0.01, r * 0.5 * math.sin(a)), r * 0.3, sub=1)

    def describe(self, subtype, p, s):
        det = ["in a square pot" if s["square_pot"] else "in a round pot"]
        if subtype == "leafy houseplant":
            det = [f"with {number_word(s['n_leaves']) if s['n_leaves'] <= 16 else 'many'} broad leaves",
                   "with leaves on thin stalks"] + det
        elif subtype == "potted palm":
            k = s["n_stems"]
            det = [f"with {number_word(k)} thin trunk{'s' if k > 1 else ''}", "with long drooping fronds"] + det
        else:
            k = s["n_leaves"]
            det = ["with a thick upright column"] + ([f"with {number_word(k)} arm{'s' if k > 1 else ''}"] if k else
                                                       ["without arms"]) + det
            if s["flowers"]:
                det.append("with small flowers on top")
        return {"details": det}
