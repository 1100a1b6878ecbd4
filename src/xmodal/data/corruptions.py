"""ModelNet40-C corruptions (Sun et al., 2022) as pure functions: ``corrupt(points, name, severity, rng)``.

Follows ``shared/papers/modelnet40c.md`` (15 corruptions × 5 severities, parameters in :data:`PARAMETERS`).
Input clouds are expected normalised (the benchmark's clouds: inside ``[-1, 1]³``); "normalise" below is
:func:`normalise` — bounding box centred, longest side scaled to 2 — applied to the output of the corruptions
in :data:`NORMALISED` only. Point counts for ``N = 1024`` input:

* noise — uniform ``U(−c, c)`` per coordinate; gaussian ``N(0, σ²)`` clipped to ``[−1, 1]`` (not normalised);
  background adds ``N // d`` points ``U[−1, 1]³`` (22, 25, 29, 34, 51); impulse shifts ``N // d`` points by ±0.1
  per axis (34, 40, 51, 68, 102 moved); upsampling adds ``N // d`` jittered copies ``U(±0.05)`` (204 … 1024).
* transform — rotation ``p @ Rx(θx) Ry(θy) Rz(θz)``, each angle ``±U(c − 2.5°, c + 2.5°)``; shear
  ``p @ [[1,0,b],[d,1,e],[f,0,1]]``, entries ``±U(c − 0.05, c + 0.05)``; distortion: Bernstein FFD on a
  5×5×5 lattice over ``[−1, 1]³``, control displacements ``U(−2s, 2s)`` world units (``U(−s, s)`` lattice units);
  distortion_rbf(_inv): 5³ grid control points each moved by ``r`` in a uniformly random direction, the
  displacement field interpolated by :class:`scipy.interpolate.RBFInterpolator`.
* density (not normalised) — cutout deletes the 30 nearest neighbours of a random point ``k`` times
  (``N − 30k`` left); density deletes 75 of the 100 nearest neighbours ``k`` times (``N − 75k`` left);
  density_inc keeps ``k`` 100-NN patches of a 2048-point source plus ``1024 − 100k`` random points (1024).
* occlusion / lidar — the (normalised) mesh is depth-rendered with the project's z-buffer
  (:func:`xmodal.world.render`'s rasteriser) from :func:`scan_camera` and the depth pixels are back-projected
  with the inverse view / projection matrices (:func:`depth_scan`); occlusion keeps 1024 points, lidar
  :func:`lidar_bands` then 768 (without replacement when the scan has enough points). Both normalised.
  The up axis is ``+y`` (the project's convention).

All randomness comes from the ``rng`` argument. Outputs are ``float32``.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["CORRUPTIONS", "GROUPS", "PARAMETERS", "NORMALISED", "MESH_CORRUPTIONS", "corrupt", "normalise",
           "rotation_matrix", "shear_matrix", "ffd", "scan_camera", "depth_scan", "lidar_bands", "min_points"]

CORRUPTIONS: tuple[str, ...] = (
    "uniform", "gaussian", "background", "impulse", "upsampling",
    "rotation", "shear", "distortion", "distortion_rbf", "distortion_rbf_inv",
    "cutout", "density", "density_inc", "occlusion", "lidar",
)
GROUPS: dict[str, tuple[str, ...]] = {"noise": CORRUPTIONS[0:5], "transform": CORRUPTIONS[5:10],
                                      "density": CORRUPTIONS[10:15]}
#: name → the 5 per-severity parameters of the sheet. uniform: c; gaussian: σ; background / impulse / upsampling:
#: the divisor d of ``N // d`` points; rotation: c in degrees; shear: c; distortion: s (lattice units);
#: distortion_rbf(_inv): r; cutout / density / density_inc: k; occlusion / lidar: azimuth centre 2π·s/5 in degrees.
PARAMETERS: dict[str, tuple[float, ...]] = {
    "uniform": (0.01, 0.02, 0.03, 0.04, 0.05),
    "gaussian": (0.01, 0.015, 0.02, 0.025, 0.03),
    "background": (45, 40, 35, 30, 20),
    "impulse": (30, 25, 20, 15, 10),
    "upsampling": (5, 4, 3, 2, 1),
    "rotation": (2.5, 5.0, 7.5, 10.0, 15.0),
    "shear": (0.05, 0.10, 0.15, 0.20, 0.25),
    "distortion": (0.1, 0.2, 0.3, 0.4, 0.5),
    "distortion_rbf": (0.025, 0.05, 0.075, 0.1, 0.125),
    "distortion_rbf_inv": (0.025, 0.05, 0.075, 0.1, 0.125),
    "cutout": (2, 3, 5, 7, 10),
    "density": (1, 2, 3, 4, 5),
    "density_inc": (1, 2, 3, 4, 5),
    "occlusion": (72.0, 144.0, 216.0, 288.0, 360.0),
    "lidar": (72.0, 144.0, 216.0, 288.0, 360.0),
}
#: Corruptions whose output is normalised (bbox centred, longest side 2); the others are returned as computed.
NORMALISED = frozenset({"uniform", "background", "impulse", "upsampling", "rotation", "shear", "distortion",
                        "distortion_rbf", "distortion_rbf_inv", "occlusion", "lidar"})
#: Corruptions computed from the mesh (``mesh=`` required; ``points`` are ignored).
MESH_CORRUPTIONS = frozenset({"occlusion", "lidar"})

IMPULSE_SHIFT = 0.1
UPSAMPLING_JITTER = 0.05
ROTATION_SPREAD_DEG = 2.5
SHEAR_SPREAD = 0.05
LATTICE = 5  # FFD lattice and RBF control grid: 5 × 5 × 5 over [-1, 1]³
RBF_EPSILON = 2.0  # scipy shape parameter = 1 / PyGeM's default radius 0.5
CUTOUT_POINTS = 30
DENSITY_NEIGHBOURS, DENSITY_DROPPED = 100, 75
DENSITY_INC_SOURCE, DENSITY_INC_POINTS = 2048, 1024
AZIMUTH_SPREAD = math.pi / 5
OCCLUSION_DISTANCE, OCCLUSION_ELEVATION_DEG, OCCLUSION_POINTS = 3.0, (30.0, 60.0), 1024
LIDAR_DISTANCE, LIDAR_ELEVATION_DEG, LIDAR_BAND_DEG, LIDAR_POINTS = 5.0, 22.5, 1.0, 768
#: Depth-render field of view: covers the normalised mesh's bounding sphere (radius √3) from each distance.
SCAN_FOV_DEG = {"occlusion": 75.0, "lidar": 45.0}
SCAN_RESOLUTION, SCAN_MAX_RESOLUTION = 256, 1024


# ------------------------------------------------------------------------------------------ helpers

def normalise(points) -> np.ndarray:
    """``(N, 3)`` → ``(N, 3) float64``: bounding box centred at 0, longest side scaled to 2.

    ``ValueError`` if all points coincide (no extent to scale)."""
    p = np.asarray(points, np.float64)
    lo, hi = p.min(0), p.max(0)
    ext = float((hi - lo).max())
    if not ext > 0:
        raise ValueError("cannot normalise: all points coincide (zero bounding box); pass a cloud with extent")
    return (p - (hi + lo) / 2) * (2.0 / ext)


def _signs(rng, n):
    return rng.choice(np.array([-1.0, 1.0]), n)


def rotation_matrix(angles) -> np.ndarray:
    """``(3, 3)`` matrix ``M = Rx(a) Ry(b) Rz(c)`` for angles (radians); rotated cloud = ``points @ M``."""
    a, b, c = (float(x) for x in angles)
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


def shear_matrix(b, d, e, f) -> np.ndarray:
    """``(3, 3)`` shear ``[[1, 0, b], [d, 1, e], [f, 0, 1]]``; sheared cloud = ``points @ M``."""
    return np.array([[1.0, 0.0, b], [d, 1.0, e], [f, 0.0, 1.0]])


def ffd(points, displacement) -> np.ndarray:
    """Bernstein free-form deformation of ``points (N, 3)`` on the lattice over ``[−1, 1]³``.

    ``displacement``: ``(L, L, L, 3)`` control-point displacements in world units (index ``[i, j, k]`` ↔ x, y, z).
    ``p' = p + Σ_ijk B_i(t_x) B_j(t_y) B_k(t_z) Δ_ijk`` with ``t = (p + 1) / 2`` and
    ``B_i(t) = C(L−1, i) tⁱ (1 − t)^(L−1−i)``; points outside the box are left unchanged (as in PyGeM).
    """
    p = np.asarray(points, np.float64)
    disp = np.asarray(displacement, np.float64)
    deg = disp.shape[0] - 1
    t = np.clip((p + 1.0) / 2.0, 0.0, 1.0)
    i = np.arange(deg + 1)
    binom = np.array([math.comb(deg, k) for k in i], np.float64)
    B = binom * t[..., None] ** i * (1.0 - t[..., None]) ** (deg - i)  # (N, 3, L)
    w = B[:, 0, :, None, None] * B[:, 1, None, :, None] * B[:, 2, None, None, :]  # (N, L, L, L) weights
    delta = w.reshape(len(p), -1) @ disp.reshape(-1, 3)
    inside = (np.abs(p) <= 1.0).all(axis=1)
    return p + delta * inside[:, None]


def _grid() -> np.ndarray:
    g = np.linspace(-1.0, 1.0, LATTICE)
    return np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)


def _nearest(q, i, k):
    from scipy.spatial import cKDTree

    return cKDTree(q).query(q[i], k=k)[1]


# ---------------------------------------------------------------------------------- the corruptions
# Each takes (points (N, 3) float64, the severity's parameter, rng) and returns the un-normalised cloud.

def _uniform(p, c, rng):
    return p + rng.uniform(-c, c, p.shape)


def _gaussian(p, sigma, rng):
    return np.clip(p + rng.normal(0.0, sigma, p.shape), -1.0, 1.0)


def _background(p, d, rng):
    return np.concatenate([p, rng.uniform(-1.0, 1.0, (len(p) // d, 3))])


def _impulse(p, d, rng):
    c = len(p) // d
    idx = rng.choice(len(p), c, replace=False)
    out = p.copy()
    out[idx] += _signs(rng, (c, 3)) * IMPULSE_SHIFT
    return out


def _upsampling(p, d, rng):
    c = len(p) // d
    idx = rng.choice(len(p), c, replace=False)
    return np.concatenate([p, p[idx] + rng.uniform(-UPSAMPLING_JITTER, UPSAMPLING_JITTER, (c, 3))])


def _rotation(p, c, rng):
    deg = rng.uniform(c - ROTATION_SPREAD_DEG, c + ROTATION_SPREAD_DEG, 3) * _signs(rng, 3)
    return p @ rotation_matrix(np.deg2rad(deg))


def _shear(p, c, rng):
    return p @ shear_matrix(*(rng.uniform(c - SHEAR_SPREAD, c + SHEAR_SPREAD, 4) * _signs(rng, 4)))


def _distortion(p, s, rng):
    return ffd(p, 2.0 * rng.uniform(-s, s, (LATTICE, LATTICE, LATTICE, 3)))


def _rbf(p, r, rng, kernel):
    """RBF deformation ``p + f(p)``, ``f`` interpolating the 125 control displacements (length ``r``).

    Conventions: scipy's ``"multiquadric"`` is ``−sqrt(1 + (εd)²)`` (note the sign) and ``"inverse_multiquadric"``
    ``1 / sqrt(1 + (εd)²)``; with ``ε = 2`` they are PyGeM's (the reference's) multi-quadric / inverse multi-quadric
    biharmonic splines ``sqrt(d² + R²)`` / ``1 / sqrt(d² + R²)`` at its default ``R = 0.5`` times a constant
    (``−1/R`` and ``R``), which leaves the interpolant unchanged; ``degree=1`` adds PyGeM's linear polynomial.
    Interpolating the displacements equals PyGeM's interpolation of the deformed positions (the identity is in
    the polynomial space).
    """
    from scipy.interpolate import RBFInterpolator

    ctrl = _grid()
    u = rng.normal(size=ctrl.shape)
    disp = r * u / np.linalg.norm(u, axis=1, keepdims=True)
    return p + RBFInterpolator(ctrl, disp, kernel=kernel, epsilon=RBF_EPSILON, degree=1)(p)


def _distortion_rbf(p, r, rng):
    return _rbf(p, r, rng, "multiquadric")


def _distortion_rbf_inv(p, r, rng):
    return _rbf(p, r, rng, "inverse_multiquadric")


def _cutout(p, k, rng):
    for _ in range(int(k)):
        p = np.delete(p, _nearest(p, rng.integers(len(p)), CUTOUT_POINTS), axis=0)
    return p


def _density(p, k, rng):
    for _ in range(int(k)):
        nn = _nearest(p, rng.integers(len(p)), DENSITY_NEIGHBOURS)
        p = np.delete(p, rng.choice(nn, DENSITY_DROPPED, replace=False), axis=0)
    return p


def _density_inc(p, k, rng):
    """Output order: the ``k`` patches (100 points each, in patch order), then ``1024 − 100k`` random points."""
    if len(p) > DENSITY_INC_SOURCE:
        p = p[rng.choice(len(p), DENSITY_INC_SOURCE, replace=False)]
    patches = []
    for _ in range(int(k)):
        nn = _nearest(p, rng.integers(len(p)), DENSITY_NEIGHBOURS)
        patches.append(p[nn])
        p = np.delete(p, nn, axis=0)
    rest = DENSITY_INC_POINTS - DENSITY_NEIGHBOURS * int(k)
    return np.concatenate(patches + [p[rng.choice(len(p), rest, replace=False)]])


_FUNCS = {"uniform": _uniform, "gaussian": _gaussian, "background": _background, "impulse": _impulse,
          "upsampling": _upsampling, "rotation": _rotation, "shear": _shear, "distortion": _distortion,
          "distortion_rbf": _distortion_rbf, "distortion_rbf_inv": _distortion_rbf_inv, "cutout": _cutout,
          "density": _density, "density_inc": _density_inc}


# ------------------------------------------------------------------------------- occlusion / lidar

def scan_camera(name: str, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Camera centre ``(3,) float64`` of the occlusion / lidar scan, looking at the origin, ``+y`` up.

    Azimuth ``a = 2π·s/5 + U(−π/5, π/5)`` about ``+y``; elevation ``e`` above the xz-plane: ``U(30°, 60°)`` at
    distance 3 (occlusion; the reference's x-rotation ``U(2π/3, 5π/6)``) or 22.5° at distance 5 (lidar, 5π/8);
    ``eye = D (cos e sin a, sin e, cos e cos a)`` (the convention of :func:`xmodal.world.camera.camera_positions`).
    """
    a = 2 * math.pi * severity / 5 + rng.uniform(-AZIMUTH_SPREAD, AZIMUTH_SPREAD)
    if name == "occlusion":
        dist, e = OCCLUSION_DISTANCE, math.radians(rng.uniform(*OCCLUSION_ELEVATION_DEG))
    else:
        dist, e = LIDAR_DISTANCE, math.radians(LIDAR_ELEVATION_DEG)
    return dist * np.array([math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)])


def depth_scan(vertices, faces, eye, fov_deg: float, resolution: int = SCAN_RESOLUTION) -> np.ndarray:
    """Surface points ``(M, 3) float64`` seen from ``eye``: one per covered pixel of a z-buffer depth render.

    The mesh is rasterised by the project's scan-line z-buffer (``xmodal.world.render``; the depth of a pixel
    is the exact depth of the nearest triangle's plane at the pixel centre). Pixel ``(i, j)`` with depth ``d``
    goes back to 3D by the inverse matrices: NDC ``x = 2(j + ½)/W − 1``, ``y = 1 − 2(i + ½)/H``, clip
    ``(x d, y d, P₂₂(−d) + P₂₃, d)``, eye ``= P⁻¹ clip``, world ``= V⁻¹ eye`` (``V``: look-at, ``P``: perspective).
    """
    from ..world.camera import look_at, perspective
    from ..world.render import _is_closed_volume, _raster_mesh

    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    view = look_at(eye)
    proj = perspective(fov_deg)
    hit, _, _, dep = _raster_mesh(v, f, view[None], proj, resolution, _is_closed_volume(v, f))
    d = dep.astype(np.float64)
    x = 2.0 * (hit % resolution + 0.5) / resolution - 1.0
    y = 1.0 - 2.0 * (hit // resolution + 0.5) / resolution
    clip = np.stack([x * d, y * d, -proj[2, 2] * d + proj[2, 3], d])
    world = np.linalg.inv(view) @ (np.linalg.inv(proj) @ clip)
    return (world[:3] / world[3]).T


def lidar_bands(points, eye, band_deg: float = LIDAR_BAND_DEG) -> np.ndarray:
    """Scan lines: keep points whose elevation seen from ``eye`` lies in the middle half of a ``band_deg`` band
    ``[k + ¼, k + ¾)·δ`` and snap it to the band centre ``(k + ½)·δ``, keeping range and azimuth.

    points: ``(M, 3)`` → ``(M', 3) float64``. Elevation of ``q = p − eye``: ``asin(q_y / |q|)`` (``+y`` up).
    """
    q = np.asarray(points, np.float64) - eye
    r = np.linalg.norm(q, axis=1)
    az = np.arctan2(q[:, 0], q[:, 2])
    t = np.arcsin(np.clip(q[:, 1] / r, -1.0, 1.0)) / math.radians(band_deg)
    k = np.floor(t)
    keep = (t - k >= 0.25) & (t - k < 0.75)
    el = (k[keep] + 0.5) * math.radians(band_deg)
    r, az = r[keep], az[keep]
    return eye + np.stack([r * np.cos(el) * np.sin(az), r * np.sin(el), r * np.cos(el) * np.cos(az)], axis=1)


def _resample(p, n, rng):
    if len(p) == 0:
        raise ValueError("the scan saw no surface (empty depth buffer); the mesh may be degenerate")
    return p[rng.choice(len(p), n, replace=len(p) < n)]


def _scan(mesh, name, severity, rng):
    """``(points (M, 3) float64 in the normalised mesh's frame, eye (3,))`` before the final normalisation.

    Rendered at :data:`SCAN_RESOLUTION` px, doubled (up to :data:`SCAN_MAX_RESOLUTION`) while the scan holds fewer
    points than are sampled from it (1024 / 768), so that thin objects are resampled with replacement only rarely."""
    v = normalise(mesh.vertices)
    eye = scan_camera(name, severity, rng)
    need = OCCLUSION_POINTS if name == "occlusion" else LIDAR_POINTS
    res = SCAN_RESOLUTION
    while True:
        p = depth_scan(v, mesh.faces, eye, SCAN_FOV_DEG[name], res)
        if name == "lidar":
            p = lidar_bands(p, eye)
        if len(p) >= need or res >= SCAN_MAX_RESOLUTION:
            return _resample(p, need, rng), eye
        res *= 2


# ------------------------------------------------------------------------------------------- corrupt

def min_points(name: str, severity: int) -> int:
    """Fewest input points ``corrupt(…, name, severity)`` accepts (0 for the mesh corruptions)."""
    k = PARAMETERS[name][severity - 1]
    if name in MESH_CORRUPTIONS:
        return 0
    if name == "cutout":
        return CUTOUT_POINTS * k + 1
    if name == "density":
        return DENSITY_NEIGHBOURS + DENSITY_DROPPED * (k - 1)
    if name == "density_inc":
        return DENSITY_INC_SOURCE
    return 2 if name in NORMALISED else 1


def _check_mesh(mesh, name):
    import trimesh

    from .validate import check_finite_points, check_mesh_area

    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise ValueError(f"corruption {name!r} renders the object's mesh: pass mesh=trimesh.Trimesh(vertices, "
                         f"faces) with at least one face, got {type(mesh).__name__}")
    check_finite_points(mesh.vertices, f"corrupt({name!r}): mesh vertices")
    check_mesh_area(mesh.vertices, mesh.faces, f"corrupt({name!r}): mesh")


def corrupt(points, name: str, severity: int, rng: np.random.Generator, mesh=None) -> np.ndarray:
    """ModelNet40-C corruption ``name`` at ``severity`` (1..5) of one cloud: ``(N, 3)`` → ``(M, 3) float32``.

    ``points``: ``(N, 3)`` finite coordinates, expected normalised (inside ``[−1, 1]³``); ignored (may be None)
    for occlusion / lidar, which need ``mesh`` (a ``trimesh.Trimesh``). density_inc needs ``N ≥ 2048`` (a random
    2048 are used if more) and returns 1024. ``M`` for ``N = 1024``: see the module docstring.
    ``ValueError`` for an unknown name, a severity that is not an int in 1..5, ``rng`` not a Generator,
    points not ``(N, 3)`` / non-finite / too few (:func:`min_points`), or a missing mesh.
    """
    if not isinstance(name, str) or name not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {name!r}; valid: {', '.join(CORRUPTIONS)}")
    if isinstance(severity, (bool, np.bool_)) or not isinstance(severity, (int, np.integer)) or not 1 <= severity <= 5:
        raise ValueError(f"severity must be an int in 1..5, got {severity!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (e.g. np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    severity = int(severity)
    if name in MESH_CORRUPTIONS:
        if mesh is None:
            raise ValueError(f"corruption {name!r} needs the object's mesh: pass mesh=trimesh.Trimesh(...)")
        _check_mesh(mesh, name)
        out = _scan(mesh, name, severity, rng)[0]
    else:
        from .validate import check_finite_points

        p = np.asarray(points)
        if p.dtype == object or not np.issubdtype(p.dtype, np.number) or p.ndim != 2 or p.shape[1] != 3:
            raise ValueError(f"points must be a numeric (N, 3) array, got shape {p.shape} dtype {p.dtype}")
        check_finite_points(p, f"corrupt({name!r}): points")
        need = min_points(name, severity)
        if len(p) < need:
            raise ValueError(f"corruption {name!r} at severity {severity} needs at least {need} points, got {len(p)}"
                             + ("; pass the 2048-point source cloud" if name == "density_inc" else ""))
        out = _FUNCS[name](p.astype(np.float64), PARAMETERS[name][severity - 1], rng)
    if name in NORMALISED:
        out = normalise(out)
    return out.astype(np.float32)
