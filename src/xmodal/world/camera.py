"""Cameras of the procedural world: view layouts, OpenGL view/projection matrices and ``project``.

Conventions (OpenGL, right-handed, y up):

* ``view`` (4, 4) maps world → camera ("eye") coordinates. The camera sits at ``eye``, looks along its
  own ``-z`` axis at the origin, ``+x`` is image right and ``+y`` image up (``gluLookAt``).
* ``proj`` (4, 4) maps camera → clip coordinates (``gluPerspective``): square image, vertical field of
  view :data:`FOV_Y_DEG`, near/far planes :data:`NEAR`/:data:`FAR`. Clip ``w = -z_eye``.
* NDC → pixels: ``u = (x_ndc + 1) / 2 · W`` (right), ``v = (1 - y_ndc) / 2 · H`` (down); the centre of
  pixel ``(row i, column j)`` is ``(u, v) = (j + 0.5, i + 0.5)``.
* **depth** is the eye-space distance along the optical axis, ``d = -z_eye = w_clip`` (not the ray
  length, not NDC z); ``+inf`` where nothing was drawn.

All cameras of a layout sit at :data:`DISTANCE` from the origin; with ``FOV_Y_DEG = 45`` the unit sphere
always fits the image (its silhouette, seen from the layout distance, spans 94% of the image width).
"""
from __future__ import annotations

import functools
import itertools
import math

import numpy as np

__all__ = [
    "LAYOUTS",
    "DISTANCE",
    "FOV_Y_DEG",
    "NEAR",
    "FAR",
    "RING_ELEVATION_DEG",
    "camera_positions",
    "look_at",
    "perspective",
    "view_matrices",
    "projection_matrix",
    "project",
    "check_resolution",
    "check_views",
]

#: Number of views of each camera layout.
LAYOUTS: dict[str, int] = {"ring12": 12, "dodecahedron20": 20}
#: Distance of every camera from the origin (world units; shapes live in the unit sphere).
DISTANCE: float = 2.75
#: Vertical (= horizontal, images are square) field of view in degrees.
FOV_Y_DEG: float = 45.0
#: Near and far clipping planes (eye-space distances).
NEAR: float = 0.1
FAR: float = 10.0
#: Elevation of the ``ring12`` cameras above the xz-plane.
RING_ELEVATION_DEG: float = 30.0

_MAX_RESOLUTION = 2048


def check_resolution(resolution) -> int:
    """``resolution`` as an int in ``[8, 2048]``; ``ValueError`` otherwise (images are square)."""
    if isinstance(resolution, (bool, np.bool_)) or not isinstance(resolution, (int, np.integer)):
        raise ValueError(f"resolution must be an int in [8, {_MAX_RESOLUTION}] (square images), got {resolution!r}")
    if not 8 <= int(resolution) <= _MAX_RESOLUTION:
        raise ValueError(f"resolution must be in [8, {_MAX_RESOLUTION}], got {resolution}")
    return int(resolution)


def _check_layout(layout) -> str:
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; valid layouts are {', '.join(sorted(LAYOUTS))}")
    return layout


def check_views(layout: str, views) -> np.ndarray:
    """The view indices ``views`` of ``layout`` as an int array (all views if ``None``).

    ``ValueError`` if an index is outside ``0 .. LAYOUTS[layout] - 1`` or ``views`` is empty / not 1-D.
    """
    n = LAYOUTS[_check_layout(layout)]
    if views is None:
        return np.arange(n)
    idx = np.asarray(views)
    if idx.ndim == 0:
        idx = idx[None]
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(
            f"views must be a non-empty 1-D sequence of ints in 0..{n - 1} for layout {layout!r}, got {views!r}"
        )
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"view indices must lie in 0..{n - 1} for layout {layout!r}, got {idx.tolist()}")
    return idx.astype(np.int64)


def _dodecahedron_vertices() -> np.ndarray:
    """The 20 vertices of the regular dodecahedron (circumradius √3):
    (±1, ±1, ±1), (0, ±1/φ, ±φ), (±1/φ, ±φ, 0), (±φ, 0, ±1/φ)."""
    phi = (1.0 + math.sqrt(5.0)) / 2.0
    out = [np.array(s, float) for s in itertools.product((-1.0, 1.0), repeat=3)]
    for a, b in itertools.product((-1.0, 1.0), repeat=2):
        out.append(np.array([0.0, a / phi, b * phi]))
    for a, b in itertools.product((-1.0, 1.0), repeat=2):
        out.append(np.array([a / phi, b * phi, 0.0]))
    for a, b in itertools.product((-1.0, 1.0), repeat=2):
        out.append(np.array([a * phi, 0.0, b / phi]))
    return np.stack(out)


def camera_positions(layout: str = "ring12") -> np.ndarray:
    """Camera centres of ``layout``: ``(V, 3) float64``, each at :data:`DISTANCE` from the origin.

    * ``ring12``: azimuths ``0°, 30°, …, 330°`` at elevation 30°,
      ``eye = D (cos e · sin a, sin e, cos e · cos a)`` (azimuth 0 looks from ``+z``, y up).
    * ``dodecahedron20``: the 20 vertices of a regular dodecahedron (Pic@Point, as in MVCNN/RotationNet)
      in the standard orientation (:func:`_dodecahedron_vertices`), scaled to length ``D``.
    """
    _check_layout(layout)
    if layout == "ring12":
        az = np.deg2rad(np.arange(12) * 30.0)
        el = math.radians(RING_ELEVATION_DEG)
        d = np.stack([math.cos(el) * np.sin(az), np.full(12, math.sin(el)), math.cos(el) * np.cos(az)], axis=1)
    else:
        d = _dodecahedron_vertices()
        d = d / np.linalg.norm(d, axis=1, keepdims=True)
    return DISTANCE * d


def look_at(eye, target=(0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0)) -> np.ndarray:
    """World → camera matrix ``(4, 4) float64`` of a camera at ``eye`` looking at ``target`` (``gluLookAt``).

    Rows of the rotation: ``s = f × up / |f × up|``, ``u = s × f``, ``-f`` with ``f = (target - eye)/|·|``;
    translation ``t = -R · eye``. ``ValueError`` if ``up`` is parallel to the viewing direction.
    """
    eye = np.asarray(eye, float)
    f = np.asarray(target, float) - eye
    f = f / np.linalg.norm(f)
    s = np.cross(f, np.asarray(up, float))
    ns = np.linalg.norm(s)
    if ns < 1e-9:
        raise ValueError("look_at: 'up' is parallel to the viewing direction; choose another up vector")
    s = s / ns
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def perspective(fov_y_deg: float = FOV_Y_DEG, aspect: float = 1.0, near: float = NEAR, far: float = FAR) -> np.ndarray:
    """Camera → clip matrix ``(4, 4) float64`` (``gluPerspective``):

    ``[[c/a, 0, 0, 0], [0, c, 0, 0], [0, 0, (f+n)/(n-f), 2fn/(n-f)], [0, 0, -1, 0]]`` with ``c = 1/tan(fov/2)``.
    """
    c = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    m = np.zeros((4, 4))
    m[0, 0], m[1, 1] = c / aspect, c
    m[2, 2], m[2, 3] = (far + near) / (near - far), 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


@functools.lru_cache(maxsize=None)
def _layout_views(layout: str) -> np.ndarray:
    out = np.stack([look_at(p) for p in camera_positions(layout)])
    out.setflags(write=False)
    return out


def view_matrices(layout: str = "ring12", views=None) -> np.ndarray:
    """World → camera matrices of the (selected) views of ``layout``: ``(V, 4, 4) float64``."""
    idx = check_views(layout, views)
    return _layout_views(layout)[idx]


def projection_matrix(resolution: int = 128) -> np.ndarray:
    """Camera → clip matrix ``(4, 4) float64`` of every layout (square images: aspect 1)."""
    check_resolution(resolution)
    return perspective(FOV_Y_DEG, 1.0, NEAR, FAR)


def _as_stack(m, name: str) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3 or m.shape[1:] != (4, 4):
        raise ValueError(f"{name} must have shape (4, 4) or (V, 4, 4), got {m.shape}")
    return m


def project(points, view, proj, resolution: int, depth=None, tol=None):
    """Pixel coordinates of 3D points in each view, with a visibility flag.

    Args:
        points: ``(n, 3)`` world coordinates.
        view: ``(V, 4, 4)`` (or ``(4, 4)``) world → camera matrices; proj: ``(V, 4, 4)`` or ``(4, 4)``
            camera → clip matrices (OpenGL conventions, see the module docstring).
        resolution: image size ``H = W``.
        depth: optional ``(V, H, W)`` depth maps (eye-space ``-z``, ``inf`` = empty) from :func:`render`.
        tol: occlusion tolerance in world units; a point is occluded when its depth exceeds the depth
            map at its pixel by more than ``tol``. ``None``: two pixel footprints at the point's depth,
            ``tol = 2 · 2d / (P[1,1] · H)`` (≈ 0.036 at 128 px). For depth maps of *point clouds* add
            the point radius (a cloud's points lie behind the front of their own splats).

    Returns:
        ``uv``: ``(V, n, 2) float32`` pixel coordinates ``(u right, v down)``, pixel centres at ``+0.5``;
        ``visible``: ``(V, n) bool`` = in front of the camera between the near and far planes, inside
        the image (``0 ≤ u < W``, ``0 ≤ v < H``) and, if ``depth`` is given, not occluded:
        ``d_point ≤ depth[v_i, u_j] + tol`` at ``(i, j) = (⌊v⌋, ⌊u⌋)`` (an empty pixel, depth ``inf``,
        occludes nothing).
    """
    res = check_resolution(resolution)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ValueError(f"points must have shape (n, 3), got {pts.shape}")
    V = _as_stack(view, "view")
    P = _as_stack(proj, "proj")
    if P.shape[0] not in (1, V.shape[0]):
        raise ValueError(f"proj must be (4, 4) or have as many matrices as view ({V.shape[0]}), got {P.shape[0]}")
    nv = V.shape[0]
    P = np.broadcast_to(P, (nv, 4, 4))
    hom = np.concatenate([pts, np.ones((len(pts), 1))], axis=1)
    eye = np.einsum("vij,nj->vni", V, hom)
    clip = np.einsum("vij,vnj->vni", P, eye)
    w = clip[..., 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        ndc = clip[..., :3] / w[..., None]
    u = (ndc[..., 0] + 1.0) * 0.5 * res
    v = (1.0 - ndc[..., 1]) * 0.5 * res
    d = -eye[..., 2]
    vis = (w > 0) & (ndc[..., 2] >= -1.0) & (ndc[..., 2] <= 1.0)
    vis &= (u >= 0) & (u < res) & (v >= 0) & (v < res)
    if depth is not None:
        dm = np.asarray(depth, dtype=np.float64)
        if dm.ndim == 2:
            dm = dm[None]
        if dm.shape != (nv, res, res):
            raise ValueError(f"depth must have shape ({nv}, {res}, {res}) to match view and resolution, got {dm.shape}")
        if tol is None:
            tol_arr = 4.0 * d / (P[:, 1, 1][:, None] * res)
        else:
            if not np.isfinite(tol) or tol < 0:
                raise ValueError(f"tol must be a finite number >= 0 (world units) or None, got {tol!r}")
            tol_arr = float(tol)
        j = np.clip(np.floor(np.where(vis, u, 0)), 0, res - 1).astype(np.int64)
        i = np.clip(np.floor(np.where(vis, v, 0)), 0, res - 1).astype(np.int64)
        dpix = dm[np.arange(nv)[:, None], i, j]
        vis &= d <= dpix + tol_arr
    uv = np.stack([u, v], axis=-1).astype(np.float32)
    return uv, vis
