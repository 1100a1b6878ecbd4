"""Building blocks of the procedural shapes: a part accumulator and the generator contract.

:class:`Parts` collects watertight primitives (``trimesh.creation`` boxes, cylinders, cones, icospheres
and tori, plus surfaces of revolution, extruded polygons and thickened sheets) in a **y-up** frame,
metres-ish units. Parts are concatenated, never unioned: each part is a closed, outward-oriented
surface (its signed volume is made positive when it is added), so the whole mesh is a set of
overlapping closed shells. :meth:`Parts.finish` centres the bounding box at the origin and scales the
mesh so that its largest vertex norm is 1.

A :class:`Generator` describes one category: its sub-types, the ranges of its continuous parameters
(optionally overridden per sub-type), how discrete structure is drawn, how a mesh is built from
``(subtype, params, structure)`` alone (appearance is not an input: the modality gap) and which
geometric descriptors (counts, detail phrases) a caption may mention.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import trimesh
from trimesh import creation

__all__ = ["Parts", "Generator", "REGISTRY", "register", "vessel_profile", "rot_x", "rot_y", "rot_z", "rot_axis", "ellipse", "NUMBER_WORDS", "number_word"]

# --------------------------------------------------------------------------------------- rotations


def rot_x(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about +x (right-handed): ``(3, 3)``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about +y: ``(3, 3)``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rot_z(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about +z: ``(3, 3)``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def rot_axis(axis, a: float) -> np.ndarray:
    """Rodrigues rotation by ``a`` radians about the unit vector along ``axis``: ``(3, 3)``."""
    k = np.asarray(axis, float)
    k = k / np.linalg.norm(k)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(a) * K + (1 - math.cos(a)) * K @ K


def _align_y(d: np.ndarray) -> np.ndarray:
    """The rotation taking +y onto the unit vector ``d`` (Rodrigues, ``R = I + K + K²/(1+c)``)."""
    y = np.array([0.0, 1.0, 0.0])
    c = float(y @ d)
    if c > 1 - 1e-12:
        return np.eye(3)
    if c < -1 + 1e-12:
        return rot_x(math.pi)
    v = np.cross(y, d)
    K = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + K + K @ K / (1 + c)


def ellipse(rx: float, ry: float, n: int = 24, cx: float = 0.0, cy: float = 0.0) -> np.ndarray:
    """``n`` counter-clockwise points of an axis-aligned ellipse: ``(n, 2)``."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")


def number_word(k: int) -> str:
    """``3 -> 'three'`` up to sixteen, digits beyond."""
    return NUMBER_WORDS[k] if 0 <= k < len(NUMBER_WORDS) else str(k)


# --------------------------------------------------------------------------------------- templates
# Unit primitives from trimesh.creation, converted to y-up once and reused (transforming a cached
# (V, F) pair is ~20x cheaper than building a new Trimesh per part).

_Z_TO_Y = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])  # rot_x(-pi/2): +z -> +y


@lru_cache(maxsize=None)
def _t_box():
    m = creation.box(extents=(1.0, 1.0, 1.0))
    return np.asarray(m.vertices, float), np.asarray(m.faces, np.int64)


@lru_cache(maxsize=None)
def _t_cylinder(n: int):
    m = creation.cylinder(radius=1.0, height=1.0, sections=n)  # z in [-0.5, 0.5]
    v = np.asarray(m.vertices, float) @ _Z_TO_Y.T
    v[:, 1] += 0.5  # y in [0, 1]
    return v, np.asarray(m.faces, np.int64)


@lru_cache(maxsize=None)
def _t_cone(n: int):
    m = creation.cone(radius=1.0, height=1.0, sections=n)  # z in [0, 1]
    return np.asarray(m.vertices, float) @ _Z_TO_Y.T, np.asarray(m.faces, np.int64)


@lru_cache(maxsize=None)
def _t_sphere(sub: int):
    m = creation.icosphere(subdivisions=sub, radius=1.0)
    return np.asarray(m.vertices, float), np.asarray(m.faces, np.int64)


@lru_cache(maxsize=None)
def _t_torus_grid(n_major: int, n_minor: int):
    """Faces of an (n_major x n_minor) periodic grid (vertex ``i * n_minor + j``)."""
    i, j = np.meshgrid(np.arange(n_major), np.arange(n_minor), indexing="ij")
    a = i * n_minor + j
    b = ((i + 1) % n_major) * n_minor + j
    c = ((i + 1) % n_major) * n_minor + (j + 1) % n_minor
    d = i * n_minor + (j + 1) % n_minor
    return np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])


def _signed_volume(v: np.ndarray, f: np.ndarray) -> float:
    """Divergence theorem: ``V = sum_f det(v0, v1, v2) / 6`` (cross product written out: faster)."""
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    det = (a[:, 0] * (b[:, 1] * c[:, 2] - b[:, 2] * c[:, 1]) + a[:, 1] * (b[:, 2] * c[:, 0] - b[:, 0] * c[:, 2])
           + a[:, 2] * (b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0]))
    return float(det.sum() / 6.0)


def _triangulate(poly: np.ndarray) -> np.ndarray:
    """Ear-clipping triangulation of a simple polygon ``(n, 2)`` (any winding): faces ``(n-2, 3)``."""
    n = len(poly)
    area = 0.5 * float(np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1]))
    idx = list(range(n)) if area > 0 else list(range(n))[::-1]
    P = poly
    out = []

    def cross(o, a, b):
        return (P[a, 0] - P[o, 0]) * (P[b, 1] - P[o, 1]) - (P[a, 1] - P[o, 1]) * (P[b, 0] - P[o, 0])

    guard = 0
    while len(idx) > 3 and guard < 10 * n * n:
        guard += 1
        m = len(idx)
        for k in range(m):
            i0, i1, i2 = idx[k - 1], idx[k], idx[(k + 1) % m]
            if cross(i0, i1, i2) <= 1e-14:
                continue
            tri = P[[i0, i1, i2]]
            ok = True
            for j in idx:
                if j in (i0, i1, i2):
                    continue
                p = P[j]
                d0 = (tri[1, 0] - tri[0, 0]) * (p[1] - tri[0, 1]) - (tri[1, 1] - tri[0, 1]) * (p[0] - tri[0, 0])
                d1 = (tri[2, 0] - tri[1, 0]) * (p[1] - tri[1, 1]) - (tri[2, 1] - tri[1, 1]) * (p[0] - tri[1, 0])
                d2 = (tri[0, 0] - tri[2, 0]) * (p[1] - tri[2, 1]) - (tri[0, 1] - tri[2, 1]) * (p[0] - tri[2, 0])
                if d0 >= 0 and d1 >= 0 and d2 >= 0:
                    ok = False
                    break
            if ok:
                out.append((i0, i1, i2))
                idx.pop(k)
                break
        else:  # numerically stuck (nearly collinear chain): clip the first vertex anyway
            out.append((idx[-1], idx[0], idx[1]))
            idx.pop(0)
    out.append(tuple(idx))
    return np.asarray(out, np.int64)


def _cap_triangulation(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counter-clockwise triangles covering a simple polygon ``(n, 2)``: ``(points (m, 2), faces)``.

    A fan from the centroid when every triangle ``(c, p_i, p_i+1)`` keeps the polygon's orientation
    (star-shaped polygons: most outlines here; ``m = n + 1``), ear clipping otherwise (``m = n``).
    """
    c = poly.mean(0)
    nxt = np.roll(poly, -1, axis=0)
    cr = (poly[:, 0] - c[0]) * (nxt[:, 1] - c[1]) - (poly[:, 1] - c[1]) * (nxt[:, 0] - c[0])
    if (cr > 1e-12).all() or (cr < -1e-12).all():
        n = len(poly)
        i = np.arange(n)
        f = np.stack([np.full(n, n), i, (i + 1) % n], 1)
        if cr[0] < 0:
            f = f[:, ::-1]
        return np.vstack([poly, c]), f
    return poly, _triangulate(poly)


# ------------------------------------------------------------------------------------------- parts


class Parts:
    """Accumulates closed primitives in a y-up frame; ``finish()`` returns the normalised mesh.

    A transform stack (:meth:`frame`) places sub-assemblies (a laptop lid about its hinge, a limb
    about its joint). Every primitive is watertight and outward-oriented.
    """

    def __init__(self):
        self._v: list[np.ndarray] = []
        self._f: list[np.ndarray] = []
        self._n = 0
        self._R = np.eye(3)
        self._t = np.zeros(3)

    # -- frames
    @contextmanager
    def frame(self, R=None, t=(0.0, 0.0, 0.0), pivot=None):
        """Parts added inside are mapped by ``x -> R (x - pivot) + pivot + t`` then by the outer frame."""
        R = np.eye(3) if R is None else np.asarray(R, float)
        t = np.asarray(t, float)
        p = np.zeros(3) if pivot is None else np.asarray(pivot, float)
        oldR, oldt = self._R, self._t
        # local map: x -> R x + (p - R p + t)
        lt = p - R @ p + t
        self._R, self._t = oldR @ R, oldR @ lt + oldt
        try:
            yield self
        finally:
            self._R, self._t = oldR, oldt

    def add(self, v: np.ndarray, f: np.ndarray, orientation: float | None = None) -> "Parts":
        """Add a closed part (vertices in the current frame); its orientation is made outward.

        ``orientation``: the sign of the part's volume when it is known (an outward template under a
        map of determinant > 0 keeps +1); None computes the signed volume.
        """
        v = np.asarray(v, float) @ self._R.T + self._t
        f = np.asarray(f, np.int64)
        if orientation is None:
            orientation = _signed_volume(v, f)
        else:
            orientation = orientation * np.linalg.det(self._R)
        if orientation < 0:
            f = f[:, ::-1]
        self._v.append(v)
        self._f.append(f + self._n)
        self._n += len(v)
        return self

    # -- primitives
    def box(self, center, size, R=None) -> "Parts":
        """Axis-aligned box of extents ``size = (sx, sy, sz)`` at ``center`` (optionally rotated by ``R``)."""
        v, f = _t_box()
        size = np.asarray(size, float)
        v = v * size
        sign = float(np.prod(np.sign(size)))
        if R is not None:
            R = np.asarray(R, float)
            v = v @ R.T
            sign *= np.linalg.det(R)
        return self.add(v + np.asarray(center, float), f, orientation=sign)

    def tapered_box(self, center, bottom, top, height, shift=(0.0, 0.0)) -> "Parts":
        """A frustum of a box rising ``height`` along +y from its bottom face centred at ``center``.

        ``bottom`` / ``top``: face sizes ``(sx, sz)``; the top face is shifted by ``shift = (dx, dz)``.
        """
        v, f = _t_box()
        v = v.copy()
        lo = v[:, 1] < 0
        v[lo, 0] *= bottom[0]
        v[lo, 2] *= bottom[1]
        v[~lo, 0] = v[~lo, 0] * top[0] + shift[0]
        v[~lo, 2] = v[~lo, 2] * top[1] + shift[1]
        v[:, 1] = (v[:, 1] + 0.5) * height
        return self.add(v + np.asarray(center, float), f)

    def cylinder(self, p0, p1, r, n: int = 16, r_top=None) -> "Parts":
        """Cylinder (``r`` scalar or ``(rx, rz)`` elliptic) or frustum (``r_top``) from ``p0`` to ``p1``."""
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        d = p1 - p0
        L = float(np.linalg.norm(d))
        if L < 1e-9:
            return self
        rx, rz = (r, r) if np.isscalar(r) else r
        if r_top is not None and r_top <= 1e-6 * max(rx, rz):
            v, f = _t_cone(n)
            v = v * np.array([rx, L, rz])
        else:
            v, f = _t_cylinder(n)
            v = v * np.array([rx, L, rz])
            if r_top is not None:
                top = v[:, 1] > 0.5 * L
                v[top, 0] *= r_top / rx
                v[top, 2] *= r_top / rz
        return self.add(v @ _align_y(d / L).T + p0, f, orientation=float(np.sign(rx * rz)))

    def cone(self, p0, p1, r, n: int = 16) -> "Parts":
        """Cone with base radius ``r`` centred at ``p0`` and apex at ``p1``."""
        return self.cylinder(p0, p1, r, n=n, r_top=0.0)

    def sphere(self, center, r, sub: int = 1, R=None) -> "Parts":
        """Icosphere (``sub`` subdivisions) of radius ``r`` or radii ``(rx, ry, rz)`` (ellipsoid)."""
        v, f = _t_sphere(sub)
        sc = np.full(3, float(r)) if np.isscalar(r) else np.asarray(r, float)
        v = v * sc
        sign = float(np.prod(np.sign(sc)))
        if R is not None:
            R = np.asarray(R, float)
            v = v @ R.T
            sign *= np.linalg.det(R)
        return self.add(v + np.asarray(center, float), f, orientation=sign)

    def capsule(self, p0, p1, r, n: int = 12) -> "Parts":
        """A rod with rounded ends: cylinder ``p0 -> p1`` plus a sphere at each end (three closed parts)."""
        self.cylinder(p0, p1, r, n=n)
        self.sphere(p0, r, sub=1)
        return self.sphere(p1, r, sub=1)

    def polyline(self, pts, r, n: int = 10, joints: bool = True) -> "Parts":
        """A bent rod through ``pts (k, 3)``: cylinders between points, spheres at the joints."""
        pts = np.asarray(pts, float)
        for a, b in zip(pts[:-1], pts[1:]):
            self.cylinder(a, b, r, n=n)
        if joints:
            for p in pts:
                self.sphere(p, r, sub=1)
        return self

    def torus(self, center, R_major, r_minor, normal=(0.0, 1.0, 0.0), n_major: int = 24, n_minor: int = 8,
              scale=(1.0, 1.0)) -> "Parts":
        """Torus (``trimesh.creation.torus`` layout) around ``normal``; ``scale`` stretches its plane."""
        u = np.linspace(0, 2 * np.pi, n_major, endpoint=False)[:, None]
        w = np.linspace(0, 2 * np.pi, n_minor, endpoint=False)[None, :]
        x = (R_major + r_minor * np.cos(w)) * np.cos(u) * scale[0]
        z = (R_major + r_minor * np.cos(w)) * np.sin(u) * scale[1]
        y = r_minor * np.sin(w) * np.ones_like(u)
        v = np.stack([x, y, z], -1).reshape(-1, 3)
        nrm = np.asarray(normal, float)
        v = v @ _align_y(nrm / np.linalg.norm(nrm)).T
        return self.add(v + np.asarray(center, float), _t_torus_grid(n_major, n_minor))

    def revolve(self, profile, center=(0.0, 0.0, 0.0), n: int = 24, scale=(1.0, 1.0), closed: bool = False,
                R=None) -> "Parts":
        """Surface of revolution about +y of ``profile (k, 2)`` = ``(radius, y)`` points.

        Open profiles must start and end on the axis (radius 0) to be closed solids; ``closed=True``
        revolves a closed loop that stays off the axis (a ring: lamp shades, rims). ``scale`` stretches
        x and z (elliptic solids).
        """
        P = np.asarray(profile, float)
        th = np.linspace(0, 2 * np.pi, n, endpoint=False)
        cs, sn = np.cos(th) * scale[0], np.sin(th) * scale[1]
        verts, rings = [], []
        k = 0
        for r, y in P:
            if r <= 1e-9:
                verts.append(np.array([[0.0, y, 0.0]]))
                rings.append(np.array([k]))
                k += 1
            else:
                verts.append(np.stack([r * cs, np.full(n, y), r * sn], 1))
                rings.append(np.arange(k, k + n))
                k += n
        faces = []
        m = len(P)
        pairs = [(i, i + 1) for i in range(m - 1)] + ([(m - 1, 0)] if closed else [])
        for i, j in pairs:
            a, b = rings[i], rings[j]
            if len(a) == 1 and len(b) == 1:
                continue
            jj = np.arange(n)
            if len(a) == 1:
                faces.append(np.stack([np.full(n, a[0]), b[(jj + 1) % n], b[jj]], 1))
            elif len(b) == 1:
                faces.append(np.stack([a[jj], a[(jj + 1) % n], np.full(n, b[0])], 1))
            else:
                faces.append(np.stack([a[jj], a[(jj + 1) % n], b[(jj + 1) % n]], 1))
                faces.append(np.stack([a[jj], b[(jj + 1) % n], b[jj]], 1))
        v = np.concatenate(verts)
        if R is not None:
            v = v @ np.asarray(R, float).T
        return self.add(v + np.asarray(center, float), np.concatenate(faces))

    def prism(self, poly, depth, center=(0.0, 0.0, 0.0), axis: str = "z", R=None) -> "Parts":
        """Extrude a simple polygon ``(n, 2)`` by ``depth`` (ear-clipped caps, quad sides).

        ``axis`` names the extrusion direction; the polygon's ``(u, v)`` lie on ``(x, y)`` for ``"z"``,
        ``(z, y)`` for ``"x"`` and ``(x, z)`` for ``"y"``. The solid is centred on ``center`` along
        the extrusion axis. (Like ``trimesh.creation.extrude_triangulation``, but with shared vertices
        so that the part is watertight.)
        """
        poly = np.asarray(poly, float)
        n = len(poly)
        pts, tri = _cap_triangulation(poly)
        k = len(pts)
        v = np.concatenate([np.c_[pts, np.full(k, -depth / 2)], np.c_[pts, np.full(k, depth / 2)]])
        i = np.arange(n)
        j = (i + 1) % n
        side = np.concatenate([np.stack([i, j, j + k], 1), np.stack([i, j + k, i + k], 1)])
        # ear clipping returns counter-clockwise triangles (top cap faces +z, the bottom cap is reversed);
        # the side quad (i, j, j+n) faces outwards when the polygon itself runs counter-clockwise
        area = 0.5 * float(np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1]))
        if area < 0:
            side = side[:, ::-1]
        f = np.concatenate([tri + k, tri[:, ::-1], side])
        if axis == "x":
            v = v[:, [2, 1, 0]]
        elif axis == "y":
            v = v[:, [0, 2, 1]]
        if R is not None:
            v = v @ np.asarray(R, float).T
        return self.add(v + np.asarray(center, float), f)

    def sheet(self, S, thickness: float, offset_dir=None) -> "Parts":
        """Thicken a grid surface ``S (nu, nv, 3)`` into a closed slab of ``thickness``.

        The two layers are ``S ± t/2 · d`` with ``d`` the per-vertex grid normal (or a fixed
        ``offset_dir``); the four borders are stitched.
        """
        S = np.asarray(S, float)
        nu, nv = S.shape[:2]
        if offset_dir is None:
            du = np.gradient(S, axis=0)
            dv = np.gradient(S, axis=1)
            d = np.cross(du, dv)
            d /= np.linalg.norm(d, axis=-1, keepdims=True) + 1e-12
        else:
            d = np.broadcast_to(np.asarray(offset_dir, float), S.shape)
        A = (S + 0.5 * thickness * d).reshape(-1, 3)
        B = (S - 0.5 * thickness * d).reshape(-1, 3)
        v = np.concatenate([A, B])
        off = nu * nv
        i, j = np.meshgrid(np.arange(nu - 1), np.arange(nv - 1), indexing="ij")
        a, b, c, e = i * nv + j, (i + 1) * nv + j, (i + 1) * nv + j + 1, i * nv + j + 1
        top = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, e], -1).reshape(-1, 3)])
        bot = top[:, ::-1] + off
        border = np.concatenate([
            [k * nv + 0 for k in range(nu)],
            [(nu - 1) * nv + k for k in range(1, nv)],
            [k * nv + nv - 1 for k in range(nu - 2, -1, -1)],
            [0 * nv + k for k in range(nv - 2, 0, -1)],
        ]).astype(np.int64)
        p, q = border, np.roll(border, -1)
        side = np.concatenate([np.stack([p, q + off, q], 1), np.stack([p, p + off, q + off], 1)])
        return self.add(v, np.concatenate([top, bot, side]))

    # -- assembly helpers
    def legs(self, xs, zs, y0: float, y1: float, r, round_: bool = False, splay: float = 0.0, n: int = 10) -> "Parts":
        """One leg at each (x, z) corner from height ``y1`` down to ``y0``; ``splay`` pushes feet outwards."""
        for x in xs:
            for z in zs:
                top = np.array([x, y1, z])
                foot = np.array([x * (1 + splay), y0, z * (1 + splay)])
                if round_:
                    self.cylinder(foot, top, r, n=n)
                elif splay == 0:
                    self.box(((x, (y0 + y1) / 2, z)), (2 * r, y1 - y0, 2 * r))
                else:
                    self.cylinder(foot, top, r, n=4)
        return self

    def finish(self) -> trimesh.Trimesh:
        """Concatenate, centre the bounding box at the origin and scale to ``max ||v|| = 1``."""
        if not self._v:
            raise RuntimeError("no parts were added")
        v = np.concatenate(self._v)
        f = np.concatenate(self._f)
        v = v - 0.5 * (v.min(0) + v.max(0))
        v = v / np.linalg.norm(v, axis=1).max()
        return trimesh.Trimesh(vertices=v, faces=f, process=False)


# --------------------------------------------------------------------------------------- generators


class Generator:
    """One category's parametric family (subclass and set the class attributes; auto-registered).

    ``ranges``: continuous parameter -> ``(lo, hi)`` (uniform); ``sub_ranges``: per-sub-type overrides.
    ``height_param`` / ``width_param``: parameters whose position in their category-wide range gives
    the ``tall/short`` and ``wide/narrow`` descriptors (None: not described).
    """

    name: str = ""
    subtypes: tuple[str, ...] = ()
    ranges: dict = {}
    sub_ranges: dict = {}
    height_param: str | None = "height"
    width_param: str | None = "width"
    height_words = ("short", "tall")
    width_words = ("narrow", "wide")

    def param_ranges(self, subtype: str) -> dict:
        r = dict(self.ranges)
        r.update(self.sub_ranges.get(subtype, {}))
        return r

    def full_range(self, key: str) -> tuple[float, float]:
        """The union over sub-types of ``key``'s range."""
        rs = [self.param_ranges(s)[key] for s in self.subtypes if key in self.param_ranges(s)]
        return min(r[0] for r in rs), max(r[1] for r in rs)

    def sample_params(self, rng: np.random.Generator, subtype: str) -> dict:
        """Continuous parameters, drawn in sorted key order (stable across processes)."""
        r = self.param_ranges(subtype)
        return {k: float(rng.uniform(*r[k])) for k in sorted(r)}

    def structure(self, rng: np.random.Generator, subtype: str, p: dict) -> dict:
        """Discrete structure (counts, flags) given the sub-type and continuous parameters."""
        return {}

    def build(self, m: Parts, subtype: str, p: dict, s: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self, subtype: str, p: dict, s: dict) -> dict:
        """Geometric descriptors: counts (``n_legs``, ``n_shelves``, ``n_drawers``, ``n_doors``) and
        ``details``: phrases such as ``"with armrests"`` that a caption may mention."""
        return {"details": []}


REGISTRY: dict[str, Generator] = {}


def register(cls):
    """Class decorator: instantiate and register a :class:`Generator` under its ``name``."""
    g = cls()
    if not g.name or g.name in REGISTRY:
        raise ValueError(f"bad or duplicate generator name {g.name!r}")
    if len(g.subtypes) < 2:
        raise ValueError(f"{g.name}: at least two sub-types are required")
    REGISTRY[g.name] = g
    return cls


def vessel_profile(rs, ys, wall: float, bottom: float) -> np.ndarray:
    """Closed ``(r, y)`` profile of an open-topped vessel with walls of thickness ``wall``.

    ``rs, ys``: the outer wall from the base (``ys[0]``, usually 0) up to the rim (``ys[-1]``). The
    profile runs axis → outer wall → rim → inner wall (``r - wall``) → inner floor at ``bottom`` → axis,
    so that :meth:`Parts.revolve` makes a closed, hollow solid.
    """
    rs, ys = np.asarray(rs, float), np.asarray(ys, float)
    out = [(0.0, ys[0])] + list(zip(rs, ys))
    inner = []
    for r, y in zip(rs[::-1], ys[::-1]):
        if y <= ys[0] + bottom:
            break
        inner.append((max(r - wall, 0.25 * wall), y))
    r_floor = float(np.interp(ys[0] + bottom, ys, rs)) - wall
    inner.append((max(r_floor, 0.25 * wall), ys[0] + bottom))
    inner.append((0.0, ys[0] + bottom))
    return np.asarray(out + inner, float)
