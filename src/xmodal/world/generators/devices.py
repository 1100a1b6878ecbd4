"""Devices, electronics and musical instruments: keyboard, laptop, monitor, radio, xbox, guitar,
piano. Screens and key caps are thin boxes on the body (geometry, not texture)."""
from __future__ import annotations

import math

import numpy as np

from ._base import Generator, Parts, number_word, register, rot_x, rot_y, rot_z


def key_grid(m: Parts, x0, z0, rows, cols, pitch, gap, kh, y, widths=None):
    """Rows of key caps (boxes) starting at the back-left corner ``(x0, z0)``, rows going towards +z.

    ``widths``: optional per-row list of key widths in units of ``pitch``. Returns the number of keys.
    """
    n = 0
    for r in range(rows):
        ws = widths[r] if widths is not None else [1.0] * cols
        x = x0
        for w in ws:
            if w > 0:
                m.box((x + w * pitch / 2, y + kh / 2, z0 + (r + 0.5) * pitch), (w * pitch - gap, kh, pitch - gap))
                n += 1
            x += abs(w) * pitch
    return n


def _row_widths(cols: int, rows: int, fn_row: bool):
    """A plausible main-block layout in key units: last row has a wide space bar."""
    out = []
    if fn_row:
        out.append([1.0, -0.5] + [1.0] * 4 + [-0.25] + [1.0] * 4 + [-0.25] + [1.0] * max(cols - 11, 1))
    for r in range(rows - 1):
        extra = [1.5, 1.75, 2.25][r % 3] if r > 0 else 2.0
        out.append([1.0] * (cols - 2) + [extra])
    out.append([1.25, 1.25, 1.25, 6.25] + [1.25] * max(int(cols - 10), 1))
    return out


# ------------------------------------------------------------------------------------------ keyboard


@register
class Keyboard(Generator):
    name = "keyboard"
    subtypes = ("full-size keyboard", "compact keyboard", "ergonomic keyboard")
    ranges = {"key_pitch": (0.017, 0.02), "margin": (0.006, 0.02), "thickness": (0.012, 0.025), "tilt": (0.0, 0.12),
              "key_height": (0.004, 0.009), "key_gap": (0.002, 0.005)}
    sub_ranges = {"ergonomic keyboard": {"split_angle": (0.12, 0.3)}}
    height_param = None
    width_param = None

    def structure(self, rng, subtype, p):
        return {"fn_row": bool(rng.random() < 0.7) if subtype != "compact keyboard" else bool(rng.random() < 0.3),
                "numpad": subtype == "full-size keyboard", "wrist_rest": bool(rng.random() < (0.7 if subtype == "ergonomic keyboard" else 0.2)),
}

    def _block(self, m, p, s, cols, x0, z0):
        rows = 5 + int(s["fn_row"])
        return key_grid(m, x0, z0, rows, cols, p["key_pitch"], p["key_gap"], p["key_height"], p["thickness"],
                        widths=_row_widths(cols, 5, s["fn_row"]))

    def build(self, m, subtype, p, s):
        pitch, mg, th, tilt = p["key_pitch"], p["margin"], p["thickness"], p["tilt"]
        rows = 5 + int(s["fn_row"])
        D = rows * pitch + 2 * mg
        with m.frame(R=rot_x(tilt * 0.5), pivot=(0, 0, D / 2)):
            if subtype == "ergonomic keyboard":
                a = p["split_angle"]
                half = 7 * pitch + 2 * mg
                for sgn in (-1, 1):
                    with m.frame(R=rot_y(-sgn * a), t=(sgn * (half / 2 + 0.01), 0, 0)):
                        m.box((0, th / 2, 0), (half, th, D))
                        key_grid(m, -half / 2 + mg, -D / 2 + mg, rows, 7, pitch, p["key_gap"], p["key_height"], th)
                if s["wrist_rest"]:
                    m.box((0, th * 0.6, D / 2 + 0.05), (2 * half * 0.9, th * 1.2, 0.08))
                return
            cols = 15 if subtype == "full-size keyboard" else 14
            Wm = cols * pitch + 2.5 * pitch
            W = Wm + (4.5 * pitch if s["numpad"] else 0) + 2 * mg
            m.box((0, th / 2, 0), (W, th, D))
            self._block(m, p, s, cols, -W / 2 + mg, -D / 2 + mg)
            if s["numpad"]:
                x0 = -W / 2 + mg + Wm + 0.5 * pitch
                key_grid(m, x0, -D / 2 + mg + (rows - 5) * pitch, 5, 4, pitch, p["key_gap"], p["key_height"], th)
            if s["wrist_rest"]:
                m.box((0, th * 0.6, D / 2 + 0.045), (W * 0.95, th * 1.2, 0.07))

    def describe(self, subtype, p, s):
        det = []
        if subtype == "ergonomic keyboard":
            det += ["split into two angled halves"]
        if s["numpad"]:
            det.append("with a numeric keypad on the right")
        elif subtype == "compact keyboard":
            det.append("without a numeric keypad")
        if s["fn_row"]:
            det.append("with a row of function keys")
        if s["wrist_rest"]:
            det.append("with a palm rest")
        if p["tilt"] > 0.08:
            det.append("tilted up at the back")
        det.append("with a long space bar")
        return {"details": det}


# -------------------------------------------------------------------------------------------- laptop


@register
class Laptop(Generator):
    name = "laptop"
    subtypes = ("ultrabook", "standard laptop", "gaming laptop")
    ranges = {"width": (0.30, 0.38), "depth_ratio": (0.64, 0.72), "base_thickness": (0.018, 0.024),
              "lid_thickness": (0.005, 0.009), "open_angle": (1.66, 2.3), "bezel": (0.006, 0.02)}
    sub_ranges = {"ultrabook": {"base_thickness": (0.010, 0.014), "lid_thickness": (0.004, 0.006)},
                  "gaming laptop": {"base_thickness": (0.026, 0.036), "width": (0.36, 0.41)}}
    height_param = None
    width_words = ("small", "large")

    def structure(self, rng, subtype, p):
        return {"numpad": subtype == "gaming laptop" or bool(rng.random() < 0.25), "vents": subtype == "gaming laptop"}

    def build(self, m, subtype, p, s):
        W, D, bt, lt, ang, bz = (p["width"], p["width"] * p["depth_ratio"], p["base_thickness"], p["lid_thickness"],
                                 p["open_angle"], p["bezel"])
        m.box((0, bt / 2, 0), (W, bt, D))
        cols = 16 if s["numpad"] else 13
        pitch = (W - 0.03) / (cols + 1.0)
        key_grid(m, -W / 2 + 0.015, -D / 2 + 0.02, 6, cols, pitch, pitch * 0.2, 0.0015, bt)
        m.box((0, bt + 0.0004, D / 2 - 0.045), (W * 0.32, 0.0008, 0.06))
        if s["vents"]:
            for i in range(8):
                m.box((-W * 0.3 + i * W * 0.085, bt * 0.5, -D / 2 - 0.002), (W * 0.05, bt * 0.5, 0.004))
            m.box((0, bt * 0.5, -D / 2 - 0.012), (W * 0.8, bt * 0.9, 0.02))
        with m.frame(R=rot_x(-ang), pivot=(0, bt, -D / 2)):
            m.box((0, bt + lt / 2, 0), (W, lt, D))
            m.box((0, bt - 0.0004, 0.004), (W - 2 * bz, 0.0008, D - 2 * bz - 0.006))
            m.cylinder((-0.01, bt - 0.0006, -D / 2 + bz * 0.5 + 0.001), (0.01, bt - 0.0006, -D / 2 + bz * 0.5 + 0.001), 0.002, n=6)

    def describe(self, subtype, p, s):
        deg = int(round(math.degrees(p["open_angle"]) / 5.0) * 5)
        det = [f"opened to about {deg} degrees", "with a touchpad below the keyboard"]
        if subtype == "ultrabook":
            det.append("very thin")
        if subtype == "gaming laptop":
            det += ["with a thick chassis", "with cooling vents at the back"]
        if s["numpad"]:
            det.append("with a numeric keypad")
        return {"details": det}


# ------------------------------------------------------------------------------------------- monitor


@register
class Monitor(Generator):
    name = "monitor"
    subtypes = ("flat-panel monitor", "CRT monitor", "curved monitor")
    ranges = {"screen_width": (0.45, 0.7), "aspect": (0.52, 0.65), "panel_thickness": (0.015, 0.04),
              "stand_height": (0.06, 0.15), "base_width": (0.3, 0.5), "bezel": (0.008, 0.03)}
    sub_ranges = {"CRT monitor": {"screen_width": (0.35, 0.45), "aspect": (0.72, 0.8), "crt_depth": (0.8, 1.0)},
                  "curved monitor": {"screen_width": (0.7, 0.9), "aspect": (0.38, 0.5), "curvature": (0.8, 1.8)}}
    height_param = None
    width_param = "screen_width"
    width_words = ("small", "large")

    def structure(self, rng, subtype, p):
        return {"round_base": bool(rng.random() < 0.4),
                "buttons": int(rng.integers(0, 5))}

    def build(self, m, subtype, p, s):
        W, asp, t, sh, bw = p["screen_width"], p["aspect"], p["panel_thickness"], p["stand_height"], p["base_width"]
        H = W * asp
        bz = p["bezel"]
        if subtype == "CRT monitor":
            dd = p["crt_depth"] * W
            y0 = 0.04
            m.cylinder((0, 0, -dd * 0.3), (0, y0, -dd * 0.3), W * 0.3, n=24)
            yc = y0 + H / 2
            m.box((0, yc, 0), (W, H, 0.06))
            with m.frame(R=rot_x(-math.pi / 2), pivot=(0, yc, -0.03)):
                m.tapered_box((0, yc, -0.03), (W * 0.95, H * 0.95), (W * 0.45, H * 0.4), dd)
            m.sphere((0, yc + 0.005, 0.03), (W / 2 - bz * 1.5, H / 2 - bz * 1.5, 0.015), sub=2)
            for i in range(s["buttons"]):
                m.cylinder((W / 2 - 0.03 - i * 0.02, y0 + 0.02, 0.03), (W / 2 - 0.03 - i * 0.02, y0 + 0.02, 0.036), 0.005, n=8)
            return
        base_t = 0.015
        if s["round_base"]:
            m.cylinder((0, 0, 0), (0, base_t, 0), (bw * W / 2, bw * W / 2 * 0.7), n=28)
        else:
            m.box((0, base_t / 2, 0), (bw * W, base_t, 0.2))
        yc = base_t + sh + H / 2
        m.box((0, (base_t + yc) / 2, -t / 2 - 0.02), (0.05, yc - base_t, 0.025))
        m.box((0, yc, -t / 2 - 0.015), (0.12, 0.12, 0.03))
        if subtype == "curved monitor":
            Rc = p["curvature"]
            phi = W / 2 / Rc
            th = np.linspace(-phi, phi, 17)
            yv = np.linspace(yc - H / 2, yc + H / 2, 3)
            S = np.stack(np.broadcast_arrays(Rc * np.sin(th)[:, None], yv[None, :],
                                             (Rc * np.cos(th) - Rc)[:, None]), -1)
            m.sheet(S, t)
            inner = np.stack(np.broadcast_arrays((Rc - t / 2 - 0.001) * np.sin(th * (1 - bz / (W / 2)))[:, None],
                                                 np.linspace(yc - H / 2 + bz, yc + H / 2 - bz, 3)[None, :],
                                                 ((Rc - t / 2 - 0.001) * np.cos(th * (1 - bz / (W / 2))) - Rc)[:, None]), -1)
            m.sheet(inner, 0.002)
        else:
            m.box((0, yc, 0), (W, H, t))
            m.box((0, yc + bz * 0.3, t / 2 + 0.001), (W - 2 * bz, H - 2 * bz, 0.002))
        if subtype == "flat-panel monitor":
            for i in range(s["buttons"]):
                m.box((W / 2 - 0.04 - i * 0.02, yc - H / 2 + 0.004, 0.0), (0.01, 0.008, t + 0.004))

    def describe(self, subtype, p, s):
        if subtype == "CRT monitor":
            return {"details": ["with a deep bulky back", "with a slightly domed screen", "on a swivel base"]}
        det = ["on a stand", "with a round base" if s["round_base"] else "with a flat rectangular base",
               "with a thin bezel" if p["bezel"] < 0.015 else "with a wide bezel"]
        if subtype == "curved monitor":
            det.insert(0, "with a wide curved screen")
        else:
            det.insert(0, "with a thin flat screen")
        return {"details": det}


# --------------------------------------------------------------------------------------------- radio


@register
class Radio(Generator):
    name = "radio"
    subtypes = ("portable radio", "vintage radio", "clock radio")
    ranges = {"width": (0.22, 0.38), "height": (0.12, 0.22), "depth": (0.06, 0.12), "speaker": (0.25, 0.4),
              "knob_size": (0.01, 0.02)}
    sub_ranges = {"portable radio": {"antenna_angle": (-0.7, 0.3)},
                  "vintage radio": {"height": (0.25, 0.38), "width": (0.22, 0.32), "depth": (0.12, 0.18)},
                  "clock radio": {"width": (0.15, 0.25), "height": (0.07, 0.11), "depth": (0.08, 0.12)}}

    def structure(self, rng, subtype, p):
        return {"n_speakers": int(rng.integers(1, 3)), "n_knobs": int(rng.integers(1, 4)),
                "antenna": subtype == "portable radio" and bool(rng.random() < 0.8)}

    def build(self, m, subtype, p, s):
        W, H, D, sp, ks = p["width"], p["height"], p["depth"], p["speaker"], p["knob_size"]
        if subtype == "portable radio":
            m.box((0, H / 2, 0), (W, H, D))
            k = s["n_speakers"]
            rs = sp * H
            xs = [0.0] if k == 1 else [-W / 4, W / 4]
            for x in xs:
                m.cylinder((x, H * 0.45, D / 2 - 0.002), (x, H * 0.45, D / 2 + 0.006), min(rs, W / (2 * k) - 0.01), n=24)
                m.cylinder((x, H * 0.45, D / 2), (x, H * 0.45, D / 2 + 0.012), 0.25 * min(rs, W / (2 * k) - 0.01), n=12)
            m.box((0, H * 0.85, D / 2 + 0.002), (W * 0.6, H * 0.12, 0.004))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.03), H + 0.03, 0), (0.015, 0.06, 0.02))
            m.box((0, H + 0.06, 0), (W - 0.04, 0.018, 0.022))
            for i in range(s["n_knobs"]):
                m.cylinder((W / 2 - 0.02 - i * 0.03, H, D / 4), (W / 2 - 0.02 - i * 0.03, H + 0.01, D / 4), ks * 0.7, n=10)
            if s["antenna"]:
                base = np.array([-W / 2 + 0.015, H, -D / 2 + 0.01])
                d = rot_z(p["antenna_angle"]) @ np.array([0, 1.0, 0])
                m.cylinder(base, base + 0.25 * d, 0.004, n=6)
                m.sphere(base + 0.25 * d, 0.006, sub=1)
        elif subtype == "vintage radio":
            hr = H - W / 2
            t = np.linspace(0, math.pi, 13)
            poly = np.concatenate([[[W / 2, 0.0]], np.stack([W / 2 * np.cos(t), hr + W / 2 * np.sin(t)], 1), [[-W / 2, 0.0]]])
            m.prism(poly, D, center=(0, 0, 0), axis="z")
            g = 0.78
            gpoly = np.concatenate([[[W / 2 * g, H * 0.35]], np.stack([W / 2 * g * np.cos(t), hr + W / 2 * g * np.sin(t) - 0.01], 1),
                                    [[-W / 2 * g, H * 0.35]]])
            m.prism(gpoly, 0.006, center=(0, 0, D / 2 + 0.002), axis="z")
            for i in range(5):
                x = (i - 2) * W * g / 6
                m.box((x, (H * 0.35 + hr + W / 2 * g * 0.9) / 2, D / 2 + 0.006), (0.006, hr + W / 2 * g * 0.9 - H * 0.35, 0.004))
            m.cylinder((0, H * 0.2, D / 2), (0, H * 0.2, D / 2 + 0.006), H * 0.08, n=20)
            k = s["n_knobs"]
            for i in range(k):
                x = (i - (k - 1) / 2) * W * 0.3
                if k % 2 == 1 and i == k // 2:
                    x = W * 0.35 * (1 if k == 1 else 0)
                m.cylinder((x, H * 0.09, D / 2), (x, H * 0.09, D / 2 + 0.02), ks, n=12)
            for sx in (-1, 1):
                m.box((sx * W * 0.4, -0.005, 0), (0.03, 0.01, D * 0.8))
        else:
            prof = np.array([[-D / 2, 0], [D / 2, 0], [D / 2 - 0.35 * D, H], [-D / 2, H]])
            m.prism(prof, W, center=(0, 0, 0), axis="x")
            ang = math.atan2(0.35 * D, H)
            with m.frame(R=rot_x(-ang), pivot=(0, 0, D / 2)):
                m.box((-W * 0.15, H * 0.5, D / 2 + 0.001), (W * 0.5, H * 0.5, 0.003))
                for i in range(4):
                    m.box((W * 0.3, H * (0.25 + 0.15 * i), D / 2 + 0.001), (W * 0.25, 0.006, 0.003))
            for i in range(s["n_knobs"] + 2):
                m.box((-W / 2 + 0.03 + i * 0.03, H + 0.003, -D * 0.2), (0.02, 0.006, 0.015))

    def describe(self, subtype, p, s):
        if subtype == "portable radio":
            k = s["n_speakers"]
            det = [f"with {number_word(k)} round speaker{'s' if k > 1 else ''}", "with a carrying handle",
                   "with a tuning display"]
            if s["antenna"]:
                det.append("with a telescopic antenna")
            return {"details": det}
        if subtype == "vintage radio":
            k = s["n_knobs"]
            return {"details": ["with an arched cathedral-style top", "with a fabric speaker grille",
                                f"with {number_word(k)} knob{'s' if k > 1 else ''}", "with a round dial"]}
        return {"details": ["with a sloped front", "with a digital clock display", "with buttons on top"]}


# ---------------------------------------------------------------------------------------------- xbox


@register
class Xbox(Generator):
    name = "xbox"
    subtypes = ("tower console", "slim console", "original console")
    ranges = {"width": (0.13, 0.18), "height": (0.26, 0.34), "depth": (0.13, 0.18), "vent": (0.6, 0.9),
              "foot": (0.004, 0.012)}
    sub_ranges = {"slim console": {"width": (0.26, 0.34), "height": (0.05, 0.08), "depth": (0.2, 0.28)},
                  "original console": {"width": (0.3, 0.34), "height": (0.085, 0.11), "depth": (0.24, 0.28)}}
    height_param = None
    width_param = None

    def structure(self, rng, subtype, p):
        return {"controller": bool(rng.random() < 0.4), "upright": subtype == "slim console" and bool(rng.random() < 0.3)}

    def _controller(self, m, c):
        c = np.asarray(c, float)
        m.sphere(c + [0, 0.02, 0], (0.07, 0.025, 0.045), sub=2)
        for sx in (-1, 1):
            m.sphere(c + [sx * 0.05, 0.015, 0.035], (0.028, 0.022, 0.045), sub=1, R=rot_y(sx * 0.5))
            m.cylinder(c + [sx * 0.03, 0.04, -0.005 * sx], c + [sx * 0.03, 0.052, -0.005 * sx], 0.009, n=10)
        for i in range(4):
            a = i * math.pi / 2
            m.sphere(c + [0.035 + 0.01 * math.cos(a), 0.045, -0.015 + 0.01 * math.sin(a)], 0.005, sub=1)

    def build(self, m, subtype, p, s):
        W, H, D, v, ft = p["width"], p["height"], p["depth"], p["vent"], p["foot"]
        if subtype == "tower console":
            m.box((0, ft + H / 2, 0), (W, H, D))
            m.box((0, ft / 2, 0), (W * 0.8, ft, D * 0.8))
            m.cylinder((0, ft + H - 0.002, 0), (0, ft + H + 0.004, 0), v * W / 2, n=32)
            for i in range(12):
                a = 2 * math.pi * i / 12
                r = v * W / 2 * 0.6
                m.cylinder((r * math.cos(a), ft + H, r * math.sin(a)), (r * math.cos(a), ft + H + 0.006, r * math.sin(a)), 0.006, n=6)
            m.cylinder((W / 2 - 0.02, ft + H - 0.02, D / 2), (W / 2 - 0.02, ft + H - 0.02, D / 2 + 0.003), 0.007, n=12)
            m.box((-W * 0.1, ft + H * 0.8, D / 2 + 0.001), (W * 0.5, 0.004, 0.002))
            ctr = (W / 2 + 0.12, 0, 0.05)
        elif subtype == "slim console":
            up = s["upright"]
            with m.frame(R=rot_z(math.pi / 2) if up else None, pivot=(0, ft, 0), t=(0, W / 2, 0) if up else (0, 0, 0)):
                m.box((0, ft + H / 2, 0), (W, H, D))
                m.box((0, ft / 2, 0), (W * 0.85, ft, D * 0.85))
                m.box((-W / 2 + v * W * 0.3, ft + H + 0.001, 0), (v * W * 0.55, 0.002, D * 0.9))
                for i in range(8):
                    m.box((-W / 2 + 0.02 + i * v * W * 0.06, ft + H + 0.003, 0), (0.004, 0.003, D * 0.85))
                m.box((W * 0.1, ft + H * 0.6, D / 2 + 0.001), (W * 0.4, 0.004, 0.002))
                m.cylinder((W / 2 - 0.02, ft + H / 2, D / 2), (W / 2 - 0.02, ft + H / 2, D / 2 + 0.003), 0.007, n=12)
            ctr = (0, 0, D / 2 + 0.1)
        else:
            m.box((0, ft + H / 2, 0), (W, H, D))
            for sx in (-1, 1):
                for sz in (-1, 1):
                    m.cylinder((sx * W * 0.4, 0, sz * D * 0.4), (sx * W * 0.4, ft, sz * D * 0.4), 0.015, n=10)
            for sgn in (-1, 1):
                a = sgn * math.atan2(D, W)
                m.box((0, ft + H + 0.006, 0), (math.hypot(W, D) * 0.8, 0.012, 0.05), R=rot_y(a))
            m.cylinder((0, ft + H, 0), (0, ft + H + 0.018, 0), 0.035, n=24)
            m.sphere((0, ft + H + 0.018, 0), (0.025, 0.008, 0.025), sub=1)
            m.box((0, ft + H * 0.4, D / 2 + 0.002), (W * 0.8, H * 0.2, 0.004))
            ctr = (0, 0, D / 2 + 0.12)
        if s["controller"]:
            self._controller(m, ctr)

    def describe(self, subtype, p, s):
        det = {"tower console": ["standing upright like a tower", "with a round vent on top"],
               "slim console": ["with a flat slim body", "with a vent grille on top"]
               + (["standing on its side"] if s["upright"] else ["lying flat"]),
               "original console": ["with a chunky boxy body", "with a large X-shaped ridge on top", "with a round jewel in the centre"]}[subtype]
        det = list(det)
        if s["controller"]:
            det.append("with a game controller next to it")
        return {"details": det}


# -------------------------------------------------------------------------------------------- guitar


def _guitar_outline(subtype, L, Wb, waist, n=36):
    """Body outline ``(k, 2)`` in the x-y plane, bottom at ``y = 0`` and top (neck joint) at ``y = L``."""
    if subtype == "electric guitar" or subtype == "bass guitar":
        th = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
        a, b = Wb / 2, L / 2
        r = a * b / np.sqrt((b * np.cos(th)) ** 2 + (a * np.sin(th)) ** 2)
        up = np.pi / 2
        horn = 0.35 * np.exp(-((th - (up - 0.45)) / 0.18) ** 2) + 0.22 * np.exp(-((th - (up + 0.5)) / 0.18) ** 2)
        notch = 0.28 * np.exp(-((th - up) / 0.16) ** 2)
        waist_k = (1 - waist) * 0.5 * (np.exp(-((th - 0.25) / 0.3) ** 2) + np.exp(-((th - (np.pi - 0.25)) / 0.3) ** 2))
        r = r * (1 + horn - notch - waist_k)
        return np.stack([r * np.cos(th), b + r * np.sin(th)], 1)
    u = np.linspace(0, 1, n)
    lower = np.sqrt(np.clip(1 - ((u - 0.31) / 0.31) ** 2, 0, None))
    cu = 0.5 + 0.3 * waist
    ru = 1 - cu
    upper = 0.8 * np.sqrt(np.clip(1 - ((u - cu) / ru) ** 2, 0, None))
    w = np.maximum(lower, upper)
    w = np.maximum(w, 0.02)
    right = np.stack([Wb / 2 * w, L * u], 1)
    left = right[::-1].copy()
    left[:, 0] *= -1
    return np.concatenate([right, left[1:-1]])


@register
class Guitar(Generator):
    name = "guitar"
    subtypes = ("acoustic guitar", "electric guitar", "bass guitar")
    ranges = {"body_length": (0.45, 0.52), "body_width": (0.33, 0.4), "waist": (0.55, 0.85), "neck_length": (0.42, 0.52),
              "body_thickness": (0.08, 0.12), "headstock": (0.15, 0.2)}
    sub_ranges = {"electric guitar": {"body_length": (0.38, 0.45), "body_width": (0.3, 0.36), "body_thickness": (0.035, 0.05)},
                  "bass guitar": {"body_length": (0.4, 0.5), "body_width": (0.3, 0.36), "body_thickness": (0.035, 0.05),
                                  "neck_length": (0.6, 0.72)}}
    height_param = None
    width_param = "body_width"
    width_words = ("slim", "wide")

    def structure(self, rng, subtype, p):
        return {"n_strings": 4 if subtype == "bass guitar" else int(rng.choice([6, 6, 12]) if subtype == "acoustic guitar" else 6),
                "n_pickups": 0 if subtype == "acoustic guitar" else int(rng.integers(1, 4)),
                "cutaway": subtype == "acoustic guitar" and bool(rng.random() < 0.3),
                "pickguard": bool(rng.random() < 0.5)}

    def build(self, m, subtype, p, s):
        L, Wb, wa, NL, T, HS = (p[k] for k in ("body_length", "body_width", "waist", "neck_length", "body_thickness",
                                               "headstock"))
        poly = _guitar_outline(subtype, L, Wb, wa)
        if s["cutaway"]:
            mask = ~((poly[:, 0] > Wb * 0.12) & (poly[:, 1] > L * 0.78))
            poly = poly[mask]
        m.prism(poly, T, axis="z")
        front = T / 2
        nw = 0.045 if subtype != "bass guitar" else 0.05
        ny0 = L - 0.03
        ny1 = L + NL
        m.tapered_box((0, ny0, -0.005), (nw * 1.15, 0.024), (nw, 0.022), ny1 - ny0)
        m.box((0, (ny0 + ny1) / 2, 0.0075 + 0.003), (nw * 1.05, ny1 - ny0, 0.006))
        for i in range(1, 13):
            y = ny1 - NL * (1 - 2 ** (-i / 12)) * 1.9
            if y > ny0:
                m.box((0, y, 0.0135 + 0.001), (nw * 1.05, 0.002, 0.002))
        with m.frame(R=rot_x(-0.2 if subtype == "acoustic guitar" else 0.0), pivot=(0, ny1, 0)):
            m.tapered_box((0, ny1, -0.002), (nw * 1.2, 0.018), (nw * 1.6, 0.018), HS)
            k = s["n_strings"] if s["n_strings"] != 12 else 6
            for i in range(k):
                side = -1 if i < (k + 1) // 2 else 1
                j = i if side < 0 else i - (k + 1) // 2
                y = ny1 + HS * (0.25 + 0.6 * j / max((k + 1) // 2 - 1, 1))
                x = side * nw * 0.8
                m.cylinder((x, y, 0.0), (x + side * 0.03, y, 0.0), 0.004, n=6)
        sb = L * (0.22 if subtype == "acoustic guitar" else 0.2)
        m.box((0, sb, front + 0.005), (Wb * 0.35 if subtype == "acoustic guitar" else 0.08, 0.025, 0.01))
        if subtype == "acoustic guitar":
            m.torus((0, L * 0.62, front), 0.045, 0.006, normal=(0, 0, 1), n_major=24, n_minor=6)
            m.cylinder((0, L * 0.62, front - 0.004), (0, L * 0.62, front - 0.001), 0.045, n=24)
            if s["pickguard"]:
                m.cylinder((0.05, L * 0.55, front), (0.05, L * 0.55, front + 0.002), (0.04, 0.06), n=16)
        else:
            for i in range(s["n_pickups"]):
                m.box((0, L * (0.32 + 0.15 * i), front + 0.006), (0.075, 0.02, 0.012))
            for i in range(2 + (subtype == "electric guitar")):
                m.cylinder((Wb * 0.25 + 0.02 * i, L * (0.18 + 0.06 * i), front), (Wb * 0.25 + 0.02 * i, L * (0.18 + 0.06 * i), front + 0.015),
                           0.01, n=10)
            if s["pickguard"]:
                m.prism(np.array([[-0.05, L * 0.25], [0.1, L * 0.3], [0.08, L * 0.75], [-0.02, L * 0.8], [-0.08, L * 0.5]]),
                        0.002, center=(0, 0, front + 0.001), axis="z")
        k = s["n_strings"]
        ks = min(k, 6)
        for i in range(ks):
            x = (i - (ks - 1) / 2) * nw * 0.15
            m.cylinder((x * 1.4, sb, front + 0.012), (x, ny1, 0.0155), 0.0009 if k != 4 else 0.0014, n=4)

    def describe(self, subtype, p, s):
        k = s["n_strings"]
        det = [f"with {number_word(k)} strings"]
        if subtype == "acoustic guitar":
            det += ["with a hollow body", "with a round sound hole"] + (["with a cutaway"] if s["cutaway"] else [])
        else:
            det += ["with a solid body", f"with {number_word(s['n_pickups'])} pickup{'s' if s['n_pickups'] > 1 else ''}",
                    "with control knobs"]
            if subtype == "bass guitar":
                det.append("with a long neck")
        if s["pickguard"]:
            det.append("with a pickguard")
        return {"details": det}


# --------------------------------------------------------------------------------------------- piano

_GRAND = np.array([[0, 0], [1, 0], [1, 0.08], [0.97, 0.25], [0.88, 0.42], [0.74, 0.58], [0.62, 0.72], [0.56, 0.83],
                   [0.5, 0.93], [0.4, 0.99], [0.25, 1.0], [0.1, 0.97], [0.02, 0.9], [0, 0.8]])


def _piano_keys(m: Parts, x0, width, y, z_front, depth, octaves: int):
    """White keys across ``width`` plus the 2-3 pattern of raised black keys."""
    nw = 7 * octaves + 1
    kw = width / nw
    m.box((x0 + width / 2, y + 0.01, z_front - depth / 2), (width, 0.02, depth))
    for i in range(nw):
        m.box((x0 + (i + 0.5) * kw, y + 0.022, z_front - depth / 2), (kw * 0.92, 0.004, depth))
    for i in range(nw - 1):
        if i % 7 in (0, 1, 3, 4, 5):
            m.box((x0 + (i + 1) * kw, y + 0.032, z_front - depth * 0.62), (kw * 0.55, 0.015, depth * 0.6))
    return nw


@register
class Piano(Generator):
    name = "piano"
    subtypes = ("upright piano", "grand piano", "digital piano")
    ranges = {"width": (1.4, 1.55), "height": (1.05, 1.3), "depth": (0.55, 0.65), "key_height": (0.7, 0.76),
              "leg_thickness": (0.04, 0.07)}
    sub_ranges = {"grand piano": {"length": (1.5, 2.4), "lid_angle": (0.35, 0.8), "height": (0.95, 1.02)},
                  "digital piano": {"width": (1.25, 1.4), "depth": (0.3, 0.42), "height": (0.78, 0.95)}}
    height_param = None
    width_param = None

    def structure(self, rng, subtype, p):
        return {"octaves": int(rng.integers(5, 8)) if subtype != "digital piano" else int(rng.integers(5, 8)),
                "lid_open": subtype == "grand piano" and bool(rng.random() < 0.75), "n_pedals": int(rng.integers(2, 4)),
                "x_stand": subtype == "digital piano" and bool(rng.random() < 0.4)}

    def _pedals(self, m, k, z):
        for i in range(k):
            x = (i - (k - 1) / 2) * 0.06
            m.box((x, 0.06, z), (0.025, 0.012, 0.08))

    def build(self, m, subtype, p, s):
        W, H, D, kh, lt = p["width"], p["height"], p["depth"], p["key_height"], p["leg_thickness"]
        kd = 0.15
        if subtype == "upright piano":
            bd = D - kd - 0.05
            zb = -D / 2 + bd / 2
            m.box((0, H / 2, zb), (W - 0.1, H, bd))
            m.box((0, H + 0.01, zb + 0.01), (W - 0.06, 0.02, bd + 0.04))
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.025), kh * 0.6 + 0.02, -D / 2 + (bd + kd + 0.05) / 2),
                      (0.05, kh * 0.3, bd + kd + 0.05))
                m.box((sx * (W / 2 - 0.03), (kh - 0.04) / 2, D / 2 - 0.1), (lt, kh - 0.04, lt))
                m.box((sx * (W / 2 - 0.03), 0.02, zb + 0.05), (0.06, 0.04, bd + 0.25))
                m.box((sx * (W / 2 - 0.025), kh + 0.05, zb + bd / 2 + (kd + 0.05) / 2), (0.05, 0.12, kd + 0.05))
            m.box((0, kh - 0.02, zb + bd / 2 + (kd + 0.05) / 2), (W - 0.1, 0.05, kd + 0.05))
            _piano_keys(m, -W / 2 + 0.06, W - 0.12, kh, D / 2 - 0.01, kd, s["octaves"])
            m.box((0, kh + 0.13, zb + bd / 2 + 0.02), (W - 0.12, 0.12, 0.02), R=rot_x(-0.15))
            self._pedals(m, s["n_pedals"], zb + bd / 2 + 0.04)
        elif subtype == "grand piano":
            Lg = p["length"]
            poly = _GRAND * [W, Lg] - [W / 2, 0]
            poly[:, 1] *= -1
            ch = 0.3
            yc = H - ch
            m.prism(poly, ch, center=(0, yc + ch / 2, 0), axis="y")
            lid_R = rot_z(p["lid_angle"]) if s["lid_open"] else None
            with m.frame(R=lid_R, pivot=(-W / 2, H, 0)):
                m.prism(poly, 0.02, center=(0, H + 0.01, 0), axis="y")
            if s["lid_open"]:
                ang = p["lid_angle"]
                tip = np.array([-W / 2 + 0.6 * W, H, -0.5 * Lg])
                top = np.array([-W / 2 + 0.6 * W * math.cos(ang), H + 0.6 * W * math.sin(ang), -0.5 * Lg])
                m.cylinder(tip, top, 0.01, n=6)
            m.box((0, yc - 0.02, kd / 2 + 0.01), (W, 0.1, kd + 0.02))
            _piano_keys(m, -W / 2 + 0.06, W - 0.12, yc - 0.05, kd + 0.02, kd, s["octaves"])
            for sx in (-1, 1):
                m.box((sx * (W / 2 - 0.03), yc + 0.02, kd / 2 + 0.01), (0.06, 0.1, kd + 0.02))
            for x, z in ((-W / 2 + 0.1, -0.1), (W / 2 - 0.1, -0.1), (-W / 2 + 0.35 * W, -Lg * 0.9)):
                m.cylinder((x, 0, z), (x, yc, z), lt * 0.6, n=10, r_top=lt)
                m.sphere((x, 0.03, z), lt * 0.7, sub=1)
            m.box((0, yc * 0.55, -0.25), (0.12, yc * 0.9, 0.03))
            self._pedals(m, s["n_pedals"], -0.2)
            m.box((0, yc + ch + 0.12, -0.12), (W * 0.5, 0.2, 0.015), R=rot_x(-0.25))
        else:
            bh = 0.12
            yb = H - 0.2
            m.box((0, yb + bh / 2, 0), (W, bh, D))
            _piano_keys(m, -W / 2 + 0.05, W - 0.1, yb + bh - 0.04, D / 2 - 0.01, kd, s["octaves"])
            m.box((0, yb + bh + 0.015, -D / 2 + 0.06), (W, 0.03, 0.12))
            m.box((0, yb + bh + 0.14, -D / 2 + 0.1), (W * 0.45, 0.2, 0.012), R=rot_x(-0.2))
            if s["x_stand"]:
                for sx in (-1, 1):
                    for sgn in (-1, 1):
                        a = sgn * 0.55
                        m.box((sx * W * 0.3, yb / 2, 0), (0.035, yb / math.cos(a), 0.035), R=rot_x(a))
            else:
                for sx in (-1, 1):
                    m.box((sx * (W / 2 - 0.02), yb / 2, 0), (0.03, yb, D * 0.9))
                m.box((0, yb * 0.55, -D / 2 + 0.05), (W - 0.06, yb * 0.6, 0.015))
                self._pedals(m, s["n_pedals"], 0.0)

    def describe(self, subtype, p, s):
        n_keys = 7 * s["octaves"] + 1
        det = [f"with a keyboard of {n_keys} white keys", "with black keys in groups of two and three"]
        if subtype == "upright piano":
            det = ["with a tall upright case"] + det + [f"with {number_word(s['n_pedals'])} pedals"]
        elif subtype == "grand piano":
            det = ["with a long curved case", "on three legs"] + det
            det.append("with the lid propped open" if s["lid_open"] else "with the lid closed")
        else:
            det = ["with a slim body"] + det + (["on an X-shaped stand"] if s["x_stand"] else ["on a panel stand"])
        return {"n_legs": 3 if subtype == "grand piano" else (2 if subtype == "upright piano" else 0), "details": det}
