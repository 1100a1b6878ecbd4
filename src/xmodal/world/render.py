"""CPU renderer of the procedural world: meshes and point clouds → RGB, depth, view and projection.

``render(mesh_or_points, layout="ring12", resolution=128, ...)`` draws all views of one object in one
call (no GPU, single thread, vectorised NumPy): per-object work (normals, the closed-mesh test) is done
once, then the views are rasterised and shaded a few at a time (about 16k pixels per chunk, which keeps
the arrays cache-sized and measured faster than one 12-view batch):

* **meshes** — scan-line z-buffer rasterisation: every row of pixel centres of a triangle's bounding
  box is clipped to the triangle by its normalised edge functions ``b_i(x, y) = e_i(x, y) / area``
  (screen-space barycentrics), so the fragments are exactly the covered pixel centres; ``1/d`` is
  interpolated linearly in screen space (the exact depth of the triangle's plane), and one
  ``np.minimum.at`` over the key ``(float32 bits of d) << 32 | fragment owner`` keeps the nearest
  fragment per pixel (ties: the lower index). Attributes are interpolated perspective-correctly,
  ``b'_i = (b_i / d_i) / Σ_j (b_j / d_j)``. Closed, consistently wound, outward-oriented meshes are
  back-face culled; all others are drawn two-sided.
* **point clouds** — each point is a sphere of radius ``point_radius`` drawn as a screen-space impostor
  (PointSpider draws points as small spheres): a disc of radius ``r f / d`` pixels whose depth is the
  sphere's front ``d - r sqrt(1 - q)`` and whose normal is the sphere's (``q`` = squared distance from
  the disc centre in units of its radius). With normals given, ``(points, normals)``, each splat is
  shaded with its own normal instead.
* **shading** — Blinn–Phong with one white light fixed to the camera (up-left of the viewer,
  :data:`LIGHT_DIR_CAMERA`): ``c = base (k_a + k_d max(n·l, 0)) + k_s max(n·h, 0)^s``,
  ``h = (l + v)/|l + v|``; normals are flipped to face the viewer (two-sided lighting).
  Mesh normals: per corner, the area-weighted mean normal of the faces around the vertex that are
  within :data:`CREASE_DEG` of the corner's face (auto-smooth: smooth spheres, sharp box edges).

Conventions of the returned matrices, pixels and depth are those of :mod:`xmodal.world.camera`
(OpenGL: ``view`` world → camera, ``proj`` camera → clip; depth = eye-space ``-z``, ``+inf`` where
empty; background RGB 255).

``backend="mitsuba"`` renders the same cameras with Mitsuba 3 (``mitsuba_variant``: ``scalar_rgb``,
``llvm_ad_rgb`` or ``cuda_ad_rgb``; ``spp`` samples per pixel), imported lazily.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from .camera import (
    DISTANCE,
    FAR,
    FOV_Y_DEG,
    LAYOUTS,
    NEAR,
    camera_positions,
    check_resolution,
    check_views,
    look_at,
    perspective,
    project,
    projection_matrix,
    view_matrices,
)

__all__ = [
    "LAYOUTS",
    "DISTANCE",
    "FOV_Y_DEG",
    "NEAR",
    "FAR",
    "Rendering",
    "Material",
    "DEFAULT_COLOR",
    "LIGHT_DIR_CAMERA",
    "CREASE_DEG",
    "BACKENDS",
    "MITSUBA_VARIANTS",
    "camera_positions",
    "view_matrices",
    "projection_matrix",
    "look_at",
    "perspective",
    "project",
    "default_point_radius",
    "render",
]

#: Base colour of objects rendered without ``colors`` (light grey, RGB in 0..1).
DEFAULT_COLOR = (0.7, 0.7, 0.7)
#: Direction towards the light in camera coordinates (up-left of the viewer, mostly from the front).
LIGHT_DIR_CAMERA = tuple((np.array([-0.35, 0.45, 1.0]) / np.linalg.norm([-0.35, 0.45, 1.0])).tolist())
#: Corners whose vertex normal deviates more than this from the face normal are shaded flat.
CREASE_DEG = 40.0
#: Valid values of ``render(backend=...)``.
BACKENDS = ("numpy", "mitsuba")

_EMPTY_KEY = np.iinfo(np.int64).max
_MAX_FRAGMENTS = 6_000_000  # fragments per rasterisation batch (bounds memory at high resolutions)
_MAX_CORNER_PAIRS = 4_000_000  # Σ valence² of crease vertices above which their corners shade flat
_PIXELS_PER_CHUNK = 16384  # views rendered together: max(1, this // (H W)) (cache-sized arrays)


class Rendering(NamedTuple):
    """Output of :func:`render` for ``V`` views at ``H = W = resolution``.

    ``rgb``: ``(V, H, W, 3) uint8`` (background 255); ``depth``: ``(V, H, W) float32`` eye-space
    ``-z`` (``inf`` where empty); ``view``: ``(V, 4, 4) float32`` world → camera;
    ``proj``: ``(V, 4, 4) float32`` camera → clip (OpenGL).
    """

    rgb: np.ndarray
    depth: np.ndarray
    view: np.ndarray
    proj: np.ndarray


@dataclass(frozen=True)
class Material:
    """Blinn–Phong material: ``c = base (ambient + diffuse max(n·l,0)) + specular max(n·h,0)^shininess``."""

    ambient: float = 0.3
    diffuse: float = 0.7
    specular: float = 0.2
    shininess: float = 32.0

    def __post_init__(self):
        for f in fields(self):
            val = getattr(self, f.name)
            if not isinstance(val, (int, float, np.floating, np.integer)) or not math.isfinite(val) or val < 0:
                raise ValueError(f"Material.{f.name} must be a finite number >= 0, got {val!r}")


def default_point_radius(n_points: int) -> float:
    """Sphere radius used for an ``n``-point cloud when ``point_radius`` is None: ``1.5 / sqrt(n)``.

    About half the mean spacing of ``n`` points spread over a unit-sphere-sized surface
    (``sqrt(4π / n) ≈ 3.5 / sqrt(n)``): a cloud of 1–2k surface samples reads as a surface of small
    spheres with some gaps (0.047 for 1024 points, 0.033 for 2048).
    """
    return 1.5 / math.sqrt(max(int(n_points), 1))


# ----------------------------------------------------------------------------------------- inputs


def _as_material(material) -> Material:
    if material is None:
        return Material()
    if isinstance(material, Material):
        return material
    if isinstance(material, dict):
        valid = {f.name for f in fields(Material)}
        bad = set(material) - valid
        if bad:
            raise ValueError(f"unknown material keys {sorted(bad)}; valid keys are {sorted(valid)}")
        return Material(**material)
    raise ValueError(
        "material must be None, a Material or a dict with keys ambient/diffuse/specular/shininess, "
        f"got {type(material).__name__}"
    )


def _as_xyz(a, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, 3) with n >= 1, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _as_colors(colors, n: int, what: str) -> np.ndarray:
    """Base colours in 0..1: ``(3,) float32`` for one colour (None → :data:`DEFAULT_COLOR`), or
    ``(n, 3) float32`` per element."""
    if colors is None:
        return np.asarray(DEFAULT_COLOR, np.float32)
    c = np.asarray(colors, dtype=np.float64)
    if c.shape != (3,) and c.shape != (n, 3):
        raise ValueError(f"colors must have shape (3,) or ({n}, 3) (one RGB per {what}), got {c.shape}")
    if not np.isfinite(c).all() or c.min() < 0 or c.max() > 1:
        raise ValueError("colors must be RGB values in [0, 1] (divide 8-bit colours by 255)")
    return c.astype(np.float32)


def _parse_object(mesh_or_points):
    """→ ("mesh", vertices, faces) or ("points", points, normals-or-None)."""
    import trimesh

    if isinstance(mesh_or_points, trimesh.Trimesh):
        v = _as_xyz(mesh_or_points.vertices, "mesh vertices")
        f = np.asarray(mesh_or_points.faces, dtype=np.int64)
        if f.ndim != 2 or f.shape[1] != 3 or f.shape[0] == 0:
            raise ValueError(f"mesh must have at least one triangle, got faces of shape {f.shape}")
        if f.min() < 0 or f.max() >= len(v):
            raise ValueError("mesh faces index vertices that do not exist")
        return "mesh", v, f
    if isinstance(mesh_or_points, tuple):
        if len(mesh_or_points) != 2:
            raise ValueError("a tuple input must be (points (n, 3), normals (n, 3))")
        pts = _as_xyz(mesh_or_points[0], "points")
        nrm = _as_xyz(mesh_or_points[1], "normals")
        if nrm.shape != pts.shape:
            raise ValueError(f"normals must have the shape of points {pts.shape}, got {nrm.shape}")
        if (np.sqrt(_dot3(nrm, nrm)) < 1e-12).any():
            raise ValueError("normals must be non-zero vectors")
        return "points", pts, _normalize3(nrm)
    if isinstance(mesh_or_points, (np.ndarray, list)) or hasattr(mesh_or_points, "__array__"):
        return "points", _as_xyz(mesh_or_points, "points"), None
    raise ValueError(
        "mesh_or_points must be a trimesh.Trimesh, an (n, 3) array of points or a tuple (points, normals), "
        f"got {type(mesh_or_points).__name__}"
    )


# ------------------------------------------------------------------------------------ rasterising


def _expand(counts: np.ndarray):
    """Runs → elements: ``owner (P,) int32`` (the run of each element) and its offset ``k (P,)`` inside
    the run, ``P = Σ counts`` (runs in order). Callers gather per-run data with ``np.take(x, owner)``,
    several times faster than one ``np.repeat(x, counts)`` per array."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if total >= 2**31:
        raise ValueError("too many fragments in one batch; lower the resolution")
    owner = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    start = np.cumsum(counts) - counts
    k = np.arange(total, dtype=np.int64) - np.take(start, owner)
    return owner, k


def _zbuffer(n_pixels: int, pix: np.ndarray, depth: np.ndarray, ident: np.ndarray):
    """Nearest fragment per pixel: ``(hit pixel indices (sorted), their owner ids, their depths float32)``.

    ``pix``: ``(P,)`` flat pixel index; ``depth``: ``(P,) float32 > 0``; ``ident``: ``(P,)`` int id < 2^31.
    Positive float32 bit patterns are ordered like the floats, so ``min(bits << 32 | id)`` is the nearest
    fragment (ties → smaller id): one ``np.minimum.at``, deterministic.
    """
    key = (depth.astype(np.float32).view(np.int32).astype(np.int64) << 32) | ident.astype(np.int64)
    zkey = np.full(n_pixels, _EMPTY_KEY, dtype=np.int64)
    np.minimum.at(zkey, pix, key)
    hit = np.flatnonzero(zkey != _EMPTY_KEY)
    best = zkey[hit]
    ids = (best & 0xFFFFFFFF).astype(np.int64)
    d = (best >> 32).astype(np.int32).view(np.float32)
    return hit, ids, d


def _batches(cost: np.ndarray, limit: int):
    """Split views into consecutive groups whose summed ``cost`` stays under ``limit`` (≥ 1 view each)."""
    groups, cur, acc = [], [], 0.0
    for i, c in enumerate(cost.tolist()):
        if cur and acc + c > limit:
            groups.append(cur)
            cur, acc = [], 0.0
        cur.append(i)
        acc += c
    if cur:
        groups.append(cur)
    return groups


def _rasterise(nv, res, items_per_view, cost_per_view, spans_of):
    """Run ``spans_of(lo, hi)`` on view groups and z-buffer its fragments.

    ``items_per_view``: ``(nv + 1,)`` offsets of the (view-sorted) primitives of each view;
    ``spans_of(lo, hi)`` → ``(pix, depth, ident, prim_of_ident)``: fragments of primitives ``lo:hi``, whose
    ``ident`` (< 2^31) maps to the primitive ``prim_of_ident[ident] + lo``. Returns hit pixels (sorted),
    primitive ids, depths.
    """
    hits, ids, depths = [], [], []
    for group in _batches(cost_per_view, _MAX_FRAGMENTS):
        lo, hi = int(items_per_view[group[0]]), int(items_per_view[group[-1] + 1])
        if hi == lo:
            continue
        pix, dep, ident, prim_of_ident = spans_of(lo, hi)
        if len(pix) == 0:
            continue
        hit, pid, dz = _zbuffer(nv * res * res, pix, dep, ident)
        hits.append(hit)
        ids.append(np.take(prim_of_ident, pid) + lo)
        depths.append(dz)
    if not hits:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(hits), np.concatenate(ids), np.concatenate(depths)


def _to_screen(eye: np.ndarray, focal_px, res: int):
    """Eye coords ``(..., 3)`` → pixel ``u, v`` and depth ``d = -z`` (float64)."""
    d = -eye[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = res * 0.5 + focal_px[0] * eye[..., 0] / d
        v = res * 0.5 - focal_px[1] * eye[..., 1] / d
    return u, v, d


def _dot3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products of ``(n, 3)`` arrays (explicit: einsum / reductions over a length-3 axis are
    slow per row)."""
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1] + a[:, 2] * b[:, 2]


def _normalize3(a: np.ndarray, tiny: float = 1e-30) -> np.ndarray:
    """``a / |a|`` row-wise for an ``(n, 3)`` array (zero rows stay zero)."""
    return a / np.maximum(np.sqrt(_dot3(a, a)), tiny)[:, None]


def _corner_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Crease-aware ("auto-smooth") corner normals ``(F, 3, 3) float32``.

    The normal at corner ``(f, v)`` is the area-weighted mean of the normals of the faces around vertex
    ``v`` that lie within :data:`CREASE_DEG` of face ``f``'s normal: smooth across gentle bends, sharp at
    creases (box edges), and flat for coplanar faces of different parts. Shortcut: where every face
    around ``v`` is within ``CREASE_DEG / 2`` of the vertex normal, all of them are within ``CREASE_DEG``
    of each other and the corner normal is the vertex normal; only the other ("crease") vertices are
    resolved pair by pair. If those have extreme valences (more than ``_MAX_CORNER_PAIRS`` corner pairs),
    their corners fall back to the face normal.
    """
    tri = verts[faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])  # 2 × area × unit normal
    fn = _normalize3(cross)
    cos_crease = math.cos(math.radians(CREASE_DEG))
    nvert = len(verts)
    corner_v = faces.ravel()
    corner_f = np.repeat(np.arange(len(faces)), 3)
    vn = np.stack([np.bincount(corner_v, weights=np.repeat(cross[:, a], 3), minlength=nvert) for a in range(3)], 1)
    vn = _normalize3(vn)
    cos_fv = _dot3(np.take(fn, corner_f, axis=0), np.take(vn, corner_v, axis=0))
    far = cos_fv < math.cos(math.radians(CREASE_DEG / 2.0))
    crease_v = np.bincount(corner_v, weights=far, minlength=nvert) > 0
    out = np.take(vn, corner_v, axis=0)  # (3F, 3): smooth vertices keep the vertex normal
    sel = np.flatnonzero(crease_v[corner_v])  # corners at crease vertices
    if len(sel):
        cv = corner_v[sel]
        deg = np.bincount(cv, minlength=nvert)
        if int((deg.astype(np.int64) ** 2).sum()) > _MAX_CORNER_PAIRS:
            out[sel] = fn[corner_f[sel]]
        else:
            order = np.argsort(cv, kind="stable")  # crease corners grouped by vertex
            sv, sf = cv[order], corner_f[sel][order]
            start = np.cumsum(deg) - deg
            owner, k = _expand(deg[sv])  # every (corner, other corner at the same vertex) pair
            other = sf[start[sv[owner]] + k]
            me = sf[owner]
            fnT, crossT = np.ascontiguousarray(fn.T), np.ascontiguousarray(cross.T)
            fm, fo = np.take(fnT, me, axis=1), np.take(fnT, other, axis=1)
            w = (fm[0] * fo[0] + fm[1] * fo[1] + fm[2] * fo[2] >= cos_crease).astype(np.float64)
            acc = [np.bincount(owner, weights=w * np.take(crossT[a], other), minlength=len(sv)) for a in range(3)]
            out[sel[order]] = _normalize3(np.stack(acc, 1))
    return out.reshape(-1, 3, 3).astype(np.float32)


def _is_closed_volume(verts: np.ndarray, faces: np.ndarray) -> bool:
    """True if every directed edge ``a → b`` occurs once and so does ``b → a`` (closed, consistently
    wound 2-manifold) and the signed volume ``Σ v0 · (v1 × v2) / 6`` is positive (outward normals):
    then back faces are never visible and can be culled."""
    n = np.int64(len(verts))
    a = faces.astype(np.int64)
    b = np.roll(a, -1, axis=1)
    fwd = np.sort((a * n + b).ravel())
    if (np.diff(fwd) == 0).any():
        return False
    rev = np.sort((b * n + a).ravel())
    if not np.array_equal(fwd, rev):
        return False
    tri = verts[faces]
    vol = _dot3(tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0
    return bool(vol > 0)


def _raster_mesh(verts, faces, views, P, res, cull):
    """Scan-line z-buffer of a mesh in all views.

    Each kept triangle's rows of pixel centres are clipped to the triangle by its normalised edge
    functions ``b_i(x, y) = A_i x + B_i y + C_i ≥ 0`` (one span per row: an edge with ``A_i > 0`` bounds
    the span on the left at ``x = -(B_i y + C_i)/A_i``, one with ``A_i < 0`` on the right; horizontal
    edges coincide with the row range), so fragments are exactly the covered pixel centres.
    ``1/d = Σ_i b_i / d_i`` is linear along a span. Returns ``hit (K,)`` flat pixel indices into
    ``(V, H, W)`` (sorted), ``face (K,)``, perspective-correct barycentrics ``(K, 3) float32`` and
    ``depth (K,) float32``.
    """
    nv = len(views)
    hw = res * res
    focal = (P[0, 0] * res / 2.0, P[1, 1] * res / 2.0)
    u, v, d = _to_screen(verts @ views[:, :3, :3].transpose(0, 2, 1) + views[:, None, :3, 3], focal, res)
    ok = np.isfinite(u) & np.isfinite(v) & (d > NEAR) & (d < FAR)  # (V, N)
    f0, f1, f2 = faces[:, 0], faces[:, 1], faces[:, 2]
    u0, u1, u2 = u[:, f0], u[:, f1], u[:, f2]
    v0, v1, v2 = v[:, f0], v[:, f1], v[:, f2]
    # signed area in pixel coordinates (y down): counter-clockwise in OpenGL (front-facing) → negative
    area = (u1 - u0) * (v2 - v0) - (v1 - v0) * (u2 - u0)
    keep = area < -1e-9 if cull else np.abs(area) > 1e-9
    if not ok.all():
        keep &= ok[:, f0] & ok[:, f1] & ok[:, f2]
    kv, kf = np.nonzero(keep)  # view-major order
    U = np.stack([u0[kv, kf], u1[kv, kf], u2[kv, kf]])  # (3, T)
    Vv = np.stack([v0[kv, kf], v1[kv, kf], v2[kv, kf]])
    ta = area[kv, kf]
    x0 = np.maximum(np.ceil(np.minimum(np.minimum(U[0], U[1]), U[2]) - 0.5), 0)
    x1 = np.minimum(np.floor(np.maximum(np.maximum(U[0], U[1]), U[2]) - 0.5), res - 1)
    y0 = np.maximum(np.ceil(np.minimum(np.minimum(Vv[0], Vv[1]), Vv[2]) - 0.5), 0)
    y1 = np.minimum(np.floor(np.maximum(np.maximum(Vv[0], Vv[1]), Vv[2]) - 0.5), res - 1)
    sel = np.flatnonzero((x1 >= x0) & (y1 >= y0))
    kv, kf, U, Vv, ta = kv[sel], kf[sel], U[:, sel], Vv[:, sel], ta[sel]
    x0, x1, y0 = x0[sel], x1[sel], y0[sel].astype(np.int64)
    h = y1[sel].astype(np.int64) - y0 + 1
    inv_d = 1.0 / d[kv[None, :], faces[kf].T]  # (3, T)
    # b_i = e_i / area with e_i(p) = edge(v_j, v_k, p), written in integer pixel indices (centre = +0.5)
    j, k = [1, 2, 0], [2, 0, 1]
    A = (Vv[j] - Vv[k]) / ta
    B = (U[k] - U[j]) / ta
    C = ((Vv[k] - Vv[j]) * U[j] - (U[k] - U[j]) * Vv[j]) / ta + 0.5 * (A + B)
    Az, Bz, Cz = (A * inv_d).sum(0), (B * inv_d).sum(0), (C * inv_d).sum(0)
    # Span bounds x = alpha_i + beta_i * y: edges with A_i > 0 bound the span on the left, A_i < 0 on
    # the right (Σ_i A_i = 0, so each side has one or two edges; a one-edge side repeats its edge).
    eps = 1e-7
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (-eps - C) / A
        beta = -B / A
    def two_edges(m):
        # the first and the last edge of the side (the same edge when the side has only one)
        a1 = np.where(m[0], alpha[0], np.where(m[1], alpha[1], alpha[2]))
        b1 = np.where(m[0], beta[0], np.where(m[1], beta[1], beta[2]))
        a2 = np.where(m[2], alpha[2], np.where(m[1], alpha[1], alpha[0]))
        b2 = np.where(m[2], beta[2], np.where(m[1], beta[1], beta[0]))
        return a1, b1, a2, b2

    # per-triangle rows of the span table (13, T), float64, gathered once per scan line
    table = np.stack([*two_edges(A > 0), *two_edges(A < 0), Az, Bz, Cz, y0.astype(np.float64), kv * float(hw)])
    cost = np.bincount(kv, weights=(x1 - x0 + 1) * h, minlength=nv)
    offsets = np.searchsorted(kv, np.arange(nv + 1))
    last = float(res - 1)

    def spans_of(lo, hi):
        row_tri, kr = _expand(h[lo:hi])
        la1, lb1, la2, lb2, ha1, hb1, ha2, hb2, az, bz, cz, ry, rbase = np.take(table[:, lo:hi], row_tri, axis=1)
        py = ry + kr
        xlo = np.ceil(np.maximum(np.maximum(la1 + lb1 * py, la2 + lb2 * py), 0.0))
        xhi = np.floor(np.minimum(np.minimum(ha1 + hb1 * py, ha2 + hb2 * py), last))
        count = np.maximum(xhi - xlo + 1.0, 0.0)
        rows32 = np.stack([az * xlo + bz * py + cz, az]).astype(np.float32)  # 1/d at the span start, slope
        base = (rbase + py * res + xlo).astype(np.int64)
        frow, kk = _expand(count)
        iz0, diz = np.take(rows32, frow, axis=1)
        iz = iz0 + diz * kk.astype(np.float32)
        return np.take(base, frow) + kk, np.float32(1.0) / iz, frow, row_tri

    hit, tid, dep = _rasterise(nv, res, offsets, cost, spans_of)
    # perspective-correct barycentrics at the winning pixel centres
    pr = hit % hw
    px, py = (pr % res).astype(np.float64), (pr // res).astype(np.float64)
    b = np.empty((3, len(hit)))
    b[0] = A[0, tid] * px + B[0, tid] * py + C[0, tid]
    b[1] = A[1, tid] * px + B[1, tid] * py + C[1, tid]
    b[2] = 1.0 - b[0] - b[1]
    b = np.maximum(b, 0.0) * inv_d[:, tid]
    b /= np.maximum(b.sum(axis=0), 1e-30)
    return hit, kf[tid], b.astype(np.float32), dep


def _raster_points(pts, radius, views, P, res):
    """Scan-line z-buffer of sphere impostors (one disc of radius ``r f / d`` px per point and view).

    Returns ``hit (K,)`` (sorted), point index ``(K,)``, camera-frame sphere normal ``(K, 3) float32``
    and depth ``d - r sqrt(1 - q)`` ``(K,) float32``.
    """
    nv, n = len(views), len(pts)
    hw = res * res
    focal = (P[0, 0] * res / 2.0, P[1, 1] * res / 2.0)
    u, v, d = _to_screen(pts @ views[:, :3, :3].transpose(0, 2, 1) + views[:, None, :3, 3], focal, res)
    with np.errstate(divide="ignore", invalid="ignore"):
        rp = radius * focal[1] / d  # radius in pixels
        keep = (d - radius > NEAR) & (d + radius < FAR) & np.isfinite(u) & np.isfinite(v)
        y0 = np.maximum(np.ceil(v - rp - 0.5), 0)
        y1 = np.minimum(np.floor(v + rp - 0.5), res - 1)
        x0 = np.maximum(np.ceil(u - rp - 0.5), 0)
        x1 = np.minimum(np.floor(u + rp - 0.5), res - 1)
        keep &= (y1 >= y0) & (x1 >= x0)
    kv, kp = np.nonzero(keep)
    u, v, d, rp = u[kv, kp], v[kv, kp], d[kv, kp], rp[kv, kp]
    x0, x1 = x0[kv, kp], x1[kv, kp]
    y0 = y0[kv, kp].astype(np.int64)
    h = y1[kv, kp].astype(np.int64) - y0 + 1
    inv_r = 1.0 / rp
    cost = np.bincount(kv, weights=(x1 - x0 + 1) * h, minlength=nv)
    offsets = np.searchsorted(kv, np.arange(nv + 1))
    table = np.stack([u, v, rp, inv_r, d, y0.astype(np.float64), kv * float(hw)])
    rad = np.float32(radius)
    last = float(res - 1)

    def spans_of(lo, hi):
        row_pt, kr = _expand(h[lo:hi])
        ru, rv, rr, rinv, rd, ry, rbase = np.take(table[:, lo:hi], row_pt, axis=1)
        py = ry + kr
        ey = (py + 0.5 - rv) * rinv  # (row centre - disc centre) / radius, y down
        half = np.sqrt(np.maximum(1.0 - ey * ey, 0.0)) * rr
        xlo = np.maximum(np.ceil(ru - half - 0.5), 0.0)
        xhi = np.minimum(np.floor(ru + half - 0.5), last)
        count = np.maximum(xhi - xlo + 1.0, 0.0)
        # per row: x offset of the first pixel centre and x step (in radii), y offset squared, centre depth
        rows32 = np.stack([(xlo + 0.5 - ru) * rinv, rinv, ey * ey, rd]).astype(np.float32)
        base = (rbase + py * res + xlo).astype(np.int64)
        frow, kk = _expand(count)
        ex0, step, ey2, dc = np.take(rows32, frow, axis=1)
        ex = ex0 + step * kk.astype(np.float32)
        dep = dc - rad * np.sqrt(np.maximum(np.float32(1.0) - ex * ex - ey2, np.float32(0.0)))
        return np.take(base, frow) + kk, dep, frow, row_pt

    hit, pid, dep = _rasterise(nv, res, offsets, cost, spans_of)
    pr = hit % hw
    ncam = np.empty((len(hit), 3), np.float32)  # camera frame: x right, y up, z towards the viewer
    ncam[:, 0] = ((pr % res) + 0.5 - u[pid]) * inv_r[pid]
    ncam[:, 1] = (v[pid] - (pr // res) - 0.5) * inv_r[pid]
    ncam[:, 2] = np.sqrt(np.maximum(1.0 - ncam[:, 0] ** 2 - ncam[:, 1] ** 2, 0.0))
    return hit, kp[pid], ncam, dep


# -------------------------------------------------------------------------------------- shading


@functools.lru_cache(maxsize=16)
def _pixel_vectors(res: int, fx: float, fy: float) -> np.ndarray:
    """Per pixel centre, camera frame, unit vectors towards the viewer ``v`` and the Blinn–Phong half
    vector ``h = (l + v)/|l + v|`` for the fixed light: ``(H·W, 6) float32`` = ``[v, h]``."""
    c = np.arange(res) + 0.5
    x = (c[None, :] - res / 2.0) / fx
    y = -(c[:, None] - res / 2.0) / fy
    vv = np.stack(np.broadcast_arrays(-x, -y, np.ones_like(x * y)), axis=-1).reshape(-1, 3)
    vv /= np.linalg.norm(vv, axis=1, keepdims=True)
    hv = vv + np.asarray(LIGHT_DIR_CAMERA)
    hv /= np.linalg.norm(hv, axis=1, keepdims=True)
    out = np.concatenate([vv, hv], axis=1).astype(np.float32)
    out.setflags(write=False)
    return out


def _shade(ncam, pr, base, mat: Material, table):
    """Blinn–Phong colour ``(K, 3) float32`` in 0..1 from camera-frame normals (two-sided: a normal
    facing away from the viewer is flipped). ``pr``: pixel index within its view; ``base``: ``(K, 3)``
    or ``(3,)``."""
    vh = table[pr]
    nv = _dot3(ncam, vh[:, :3])
    sign = np.where(nv < 0, np.float32(-1), np.float32(1))
    ndl = np.maximum(sign * (ncam @ np.asarray(LIGHT_DIR_CAMERA, np.float32)), 0)
    ndh = np.maximum(sign * _dot3(ncam, vh[:, 3:]), 0)
    diff = np.float32(mat.ambient) + np.float32(mat.diffuse) * ndl
    spec = np.float32(mat.specular) * ndh ** np.float32(mat.shininess)
    col = base * diff[:, None] + spec[:, None]
    return np.clip(col, 0.0, 1.0)


def _to_camera(n_world, hit, views, res):
    """Rotate world vectors ``(K, 3)`` into the camera frame of each pixel's view (hits sorted by view)."""
    bounds = np.searchsorted(hit, np.arange(len(views) + 1) * res * res)
    out = np.empty(n_world.shape, np.float32)
    rot = views[:, :3, :3].astype(np.float32)
    for i in range(len(views)):
        sl = slice(bounds[i], bounds[i + 1])
        out[sl] = n_world[sl] @ rot[i].T
    return out


def _render_numpy(kind, a, b, cols, mat, radius, views, P, res):
    """All views, a few at a time: per-object work once, then raster + shade per chunk of views
    (chunks keep the fragment and pixel arrays cache-sized, which is faster than one huge batch)."""
    nv = len(views)
    hw = res * res
    rgb = np.full((nv * hw, 3), 255, dtype=np.uint8)
    depth = np.full(nv * hw, np.inf, dtype=np.float32)
    table = _pixel_vectors(res, float(P[0, 0] * res / 2.0), float(P[1, 1] * res / 2.0))
    if kind == "mesh":
        verts, faces = a, b
        cull = _is_closed_volume(verts, faces)
        corner_normals = _corner_normals(verts, faces)
    chunk = max(1, int(_PIXELS_PER_CHUNK // hw))
    for lo in range(0, nv, chunk):
        vw = views[lo : lo + chunk]
        if kind == "mesh":
            hit, face, bary, dep = _raster_mesh(verts, faces, vw, P, res, cull)
            cn = corner_normals[face]  # (K, 3, 3)
            n_world = bary[0, :, None] * cn[:, 0] + bary[1, :, None] * cn[:, 1] + bary[2, :, None] * cn[:, 2]
            ncam = _to_camera(n_world, hit, vw, res)
            ncam = _normalize3(ncam, 1e-12)
            if cols.ndim == 1:
                base = cols
            else:
                fc = cols[faces[face]]  # (K, 3, 3)
                base = bary[0, :, None] * fc[:, 0] + bary[1, :, None] * fc[:, 1] + bary[2, :, None] * fc[:, 2]
        else:
            pts, nrm = a, b
            hit, pid, ncam, dep = _raster_points(pts, radius, vw, P, res)
            if nrm is not None:
                ncam = _to_camera(nrm[pid].astype(np.float32), hit, vw, res)
            base = cols if cols.ndim == 1 else cols[pid]
        rgb01 = _shade(ncam, hit % hw, base, mat, table)
        rgb[lo * hw + hit] = (rgb01 * np.float32(255) + np.float32(0.5)).astype(np.uint8)
        depth[lo * hw + hit] = dep
    return rgb.reshape(nv, res, res, 3), depth.reshape(nv, res, res)


# ------------------------------------------------------------------------------------- mitsuba


#: Mitsuba 3 variants the ``mitsuba`` backend accepts (CPU: scalar / LLVM; GPU: CUDA).
MITSUBA_VARIANTS = ("scalar_rgb", "llvm_ad_rgb", "cuda_ad_rgb")


_LLVM_GLOBS = ("/usr/lib/x86_64-linux-gnu/libLLVM-19.so*", "/usr/lib/llvm-19/lib/libLLVM*.so*",
               "/usr/lib/aarch64-linux-gnu/libLLVM-19.so*")


def find_libllvm() -> str | None:
    """``$DRJIT_LIBLLVM_PATH`` if set, else the first system ``libLLVM-19.so`` found (and set it), else None."""
    import glob
    import os

    if os.environ.get("DRJIT_LIBLLVM_PATH"):
        return os.environ["DRJIT_LIBLLVM_PATH"]
    for pattern in _LLVM_GLOBS:
        hits = sorted(glob.glob(pattern))
        if hits:
            os.environ["DRJIT_LIBLLVM_PATH"] = hits[0]
            return hits[0]
    return None


def _import_mitsuba(variant: str = "scalar_rgb"):
    """Import Mitsuba 3 and select ``variant``. ``ImportError`` (how to install) if it is missing;
    ``RuntimeError`` if the variant cannot start here (``llvm_ad_rgb`` without a libLLVM-19: set
    ``DRJIT_LIBLLVM_PATH`` to a ``libLLVM-19.so``; ``cuda_ad_rgb`` without a GPU)."""
    if variant not in MITSUBA_VARIANTS:
        raise ValueError(f"unknown Mitsuba variant {variant!r}; valid: {', '.join(MITSUBA_VARIANTS)}")
    if variant.startswith("llvm") and find_libllvm() is None:
        # without DRJIT_LIBLLVM_PATH drjit loads the system's default libLLVM, and an old one (e.g. 15) aborts the
        # whole process inside LLVM ("Cannot select fminimum") instead of raising: never try it
        raise RuntimeError(f"Mitsuba variant {variant!r} is not available here: no libLLVM-19 found "
                           "(apt-get install libllvm19, or set DRJIT_LIBLLVM_PATH to a libLLVM-19.so)")
    try:
        import mitsuba as mi  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "backend='mitsuba' needs the Mitsuba 3 renderer, which is not installed; "
            "install it with `pip install mitsuba` (a dependency of the project; or `pip install .[render]`), or use backend='numpy'"
        ) from exc
    try:
        mi.set_variant(variant)
    except Exception as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"Mitsuba variant {variant!r} is not available here ({type(exc).__name__}: "
                           f"{str(exc)[:200]}); llvm_ad_rgb needs DRJIT_LIBLLVM_PATH pointing at libLLVM-19.so "
                           "(apt-get install libllvm19), cuda_ad_rgb a GPU") from exc
    return mi


def _mitsuba_rgb(mi, bitmap) -> np.ndarray:
    """(H, W, 4) float64 RGBA of a rendered film."""
    return np.asarray(bitmap, dtype=np.float64).reshape(bitmap.height(), bitmap.width(), -1)


def _render_mitsuba(kind, a, b, cols, mat, radius, views, P, res, spp=16, variant="scalar_rgb"):
    """Mitsuba 3 path of :func:`render` (same cameras and output conventions), variant ``variant``.

    Path tracer (``max_depth`` 3) with one point light at the camera (headlight) plus a constant ambient
    environment; ``roughplastic`` with Beckmann ``α = sqrt(2 / (shininess + 2))``; points are true spheres
    of ``point_radius`` (normals are not used; one shared BSDF when the cloud has one colour); ``spp``
    samples per pixel (anti-aliased, unlike the numpy backend). The background (alpha 0) is composited onto
    white. ``depth`` is the project's z-buffer of the same geometry and cameras (the numpy backend's depth:
    the exact sphere fronts / triangle planes) — Mitsuba's ``aov`` integrator was measured 100× slower than
    the render itself in ``scalar_rgb``, so it is not used.
    """
    import os
    import tempfile

    import trimesh

    mi = _import_mitsuba(variant)
    ambient = float(min(mat.ambient, 1.0))
    alpha = float(math.sqrt(2.0 / (mat.shininess + 2.0)))

    def bsdf(color):
        return {
            "type": "roughplastic",
            "distribution": "beckmann",
            "alpha": alpha,
            "diffuse_reflectance": color,
            "specular_reflectance": {"type": "rgb", "value": [float(mat.specular)] * 3},
        }

    shapes = {}
    tmp = tempfile.TemporaryDirectory()
    try:
        if kind == "mesh":
            path = os.path.join(tmp.name, "object.ply")
            tm = trimesh.Trimesh(a, b, process=False)
            tm.visual.vertex_colors = np.rint(np.asarray(cols) * 255).astype(np.uint8)
            tm.export(path)
            shapes["object"] = {
                "type": "ply",
                "filename": path,
                "bsdf": bsdf({"type": "mesh_attribute", "name": "vertex_color"}),
            }
        else:
            cols = np.asarray(cols)
            uniform = bool((cols == cols[0]).all())
            if uniform:
                shapes["shared_bsdf"] = {**bsdf({"type": "rgb", "value": [float(x) for x in cols[0]]}), "id": "shared_bsdf"}
            for i, (p, c) in enumerate(zip(a, cols)):
                shapes[f"p{i}"] = {
                    "type": "sphere",
                    "center": [float(x) for x in p],
                    "radius": float(radius),
                    "bsdf": {"type": "ref", "id": "shared_bsdf"} if uniform else bsdf({"type": "rgb", "value": [float(x) for x in c]}),
                }
        fov = float(math.degrees(2.0 * math.atan(1.0 / P[1, 1])))
        rgbs = []
        for vm in views:
            inv = np.linalg.inv(vm)
            eye = inv[:3, 3]
            target = eye - inv[:3, 2]
            up = inv[:3, 1]
            scene = {
                "type": "scene",
                "integrator": {"type": "path", "max_depth": 3, "hide_emitters": True},
                "sensor": {
                    "type": "perspective",
                    "fov": fov,
                    "fov_axis": "y",
                    "near_clip": NEAR,
                    "far_clip": FAR,
                    # instance call: works with the static (< 3.6) and the chained (≥ 3.6) look_at API
                    "to_world": mi.ScalarTransform4f().look_at(
                        origin=eye.tolist(), target=target.tolist(), up=up.tolist()
                    ),
                    "film": {
                        "type": "hdrfilm",
                        "width": res,
                        "height": res,
                        "pixel_format": "rgba",
                        "rfilter": {"type": "box"},
                    },
                    "sampler": {"type": "independent", "sample_count": spp},
                },
                # headlight: (ρ/π) I cosθ / r² ≈ ρ k_d cosθ at the object's distance
                "light": {
                    "type": "point",
                    "position": eye.tolist(),
                    "intensity": {"type": "rgb", "value": [DISTANCE**2 * math.pi * mat.diffuse] * 3},
                },
                "env": {"type": "constant", "radiance": {"type": "rgb", "value": [ambient] * 3}},
                **shapes,
            }
            sc = mi.load_dict(scene)
            img = mi.render(sc, spp=spp)
            rgba = np.asarray(img, dtype=np.float64).reshape(res, res, -1)
            alpha_c = rgba[..., 3:4] if rgba.shape[-1] > 3 else np.ones(rgba.shape[:-1] + (1,))
            # background pixels show the ambient environment with alpha 0: composite onto white
            out = np.clip(rgba[..., :3] + (1.0 - alpha_c), 0.0, 1.0)
            rgbs.append(np.rint(out * 255).astype(np.uint8))
    finally:
        tmp.cleanup()
    _, depth = _render_numpy(kind, a, b, np.asarray(cols, np.float32), mat, radius, views, P, res)
    return np.stack(rgbs), depth


# ---------------------------------------------------------------------------------------- render


def render(
    mesh_or_points,
    layout: str = "ring12",
    resolution: int = 128,
    colors=None,
    material=None,
    point_radius=None,
    views=None,
    backend: str = "numpy",
    spp: int = 16,
    mitsuba_variant: str = "scalar_rgb",
) -> Rendering:
    """Render one object from the cameras of ``layout`` (all views in one vectorised pass).

    Args:
        mesh_or_points: a ``trimesh.Trimesh`` (solid, shaded), an ``(n, 3)`` point array (shaded
            spheres), or a tuple ``(points (n, 3), normals (n, 3))`` (splats shaded with the normals).
            Objects are expected inside the unit sphere (the cameras are framed for it); triangles and
            points not entirely between the near and far planes are dropped.
        layout: ``"ring12"`` or ``"dodecahedron20"`` (:data:`LAYOUTS`).
        resolution: image size ``H = W`` in ``[8, 2048]``.
        colors: None (:data:`DEFAULT_COLOR`), one RGB ``(3,)`` in 0..1, or per-vertex / per-point
            ``(n, 3)`` in 0..1 (interpolated over triangles).
        material: :class:`Material`, a dict of its fields, or None (default Blinn–Phong values).
        point_radius: sphere radius of points in world units; None → :func:`default_point_radius`.
            Ignored for meshes.
        views: optional subset (sequence of indices) of the layout's views, in the order given.
        backend: ``"numpy"`` (default) or ``"mitsuba"`` (Mitsuba 3, :func:`_render_mitsuba`).
        spp: samples per pixel of the ``mitsuba`` backend (the numpy backend takes one per pixel).
        mitsuba_variant: one of :data:`MITSUBA_VARIANTS` for the ``mitsuba`` backend.

    Returns:
        :class:`Rendering` ``(rgb (V,H,W,3) uint8, depth (V,H,W) float32, view (V,4,4) float32,
        proj (V,4,4) float32)``; conventions in :mod:`xmodal.world.camera`.
    """
    res = check_resolution(resolution)
    idx = check_views(layout, views)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid backends are {', '.join(BACKENDS)}")
    mat = _as_material(material)
    kind, a, b = _parse_object(mesh_or_points)
    cols = _as_colors(colors, len(a), "vertex" if kind == "mesh" else "point")
    if backend == "mitsuba":
        cols = np.broadcast_to(cols, (len(a), 3))
    radius = None
    if kind == "points":
        if point_radius is None:
            radius = default_point_radius(len(a))
        else:
            if not isinstance(point_radius, (int, float, np.floating, np.integer)) or not (0 < point_radius < 1):
                raise ValueError(f"point_radius must be a number in (0, 1) (world units) or None, got {point_radius!r}")
            radius = float(point_radius)
    vm = view_matrices(layout, idx)
    P = projection_matrix(res)
    if backend == "mitsuba":
        rgb, depth = _render_mitsuba(kind, a, b, cols, mat, radius, vm, P, res, spp=int(spp), variant=mitsuba_variant)
    else:
        rgb, depth = _render_numpy(kind, a, b, cols, mat, radius, vm, P, res)
    proj = np.broadcast_to(P.astype(np.float32), (len(idx), 4, 4)).copy()
    return Rendering(rgb=rgb, depth=depth, view=vm.astype(np.float32), proj=proj)
