"""ModelNet40-C corruptions (xmodal.data.corruptions) pinned to shared/papers/modelnet40c.md; the release reader."""
from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from xmodal.data import DataMissingError, modelnet40c
from xmodal.data import corruptions as C
from xmodal.data.corruptions import CORRUPTIONS, GROUPS, NORMALISED, PARAMETERS, corrupt

SEV = (1, 2, 3, 4, 5)


def _sphere_cloud(n, seed=0, radius=0.9):
    u = np.random.default_rng(seed).normal(size=(n, 3))
    return radius * u / np.linalg.norm(u, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def cloud():
    return _sphere_cloud(1024)


@pytest.fixture(scope="module")
def source():
    return _sphere_cloud(2048, seed=1)


@pytest.fixture(scope="module")
def box():
    return trimesh.creation.box(extents=(2.0, 2.0, 2.0))  # already normalised: bbox [-1, 1]³


@pytest.fixture(scope="module")
def sphere():
    return trimesh.creation.icosphere(subdivisions=4)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _rows_in(a, b, tol=1e-6):
    """Every row of ``a`` is (within tol) a row of ``b``."""
    return bool((cKDTree(b).query(a)[0] <= tol).all())


def _affine(p, q):
    """Least-squares ``q ≈ p A + t``: returns A (3, 3)."""
    X = np.concatenate([p, np.ones((len(p), 1))], axis=1)
    sol = np.linalg.lstsq(X, q.astype(np.float64), rcond=None)[0]
    return sol[:3]


# ------------------------------------------------------------------------------------- the table

def test_names_groups_and_parameters_follow_the_sheet():
    assert CORRUPTIONS == ("uniform", "gaussian", "background", "impulse", "upsampling", "rotation", "shear",
                           "distortion", "distortion_rbf", "distortion_rbf_inv", "cutout", "density",
                           "density_inc", "occlusion", "lidar")
    assert set(GROUPS) == {"noise", "transform", "density"}
    assert sum(GROUPS.values(), ()) == CORRUPTIONS
    assert GROUPS["noise"] == ("uniform", "gaussian", "background", "impulse", "upsampling")
    expected = {
        "uniform": (0.01, 0.02, 0.03, 0.04, 0.05), "gaussian": (0.01, 0.015, 0.02, 0.025, 0.03),
        "background": (45, 40, 35, 30, 20), "impulse": (30, 25, 20, 15, 10), "upsampling": (5, 4, 3, 2, 1),
        "rotation": (2.5, 5, 7.5, 10, 15), "shear": (0.05, 0.10, 0.15, 0.20, 0.25),
        "distortion": (0.1, 0.2, 0.3, 0.4, 0.5), "distortion_rbf": (0.025, 0.05, 0.075, 0.1, 0.125),
        "distortion_rbf_inv": (0.025, 0.05, 0.075, 0.1, 0.125), "cutout": (2, 3, 5, 7, 10),
        "density": (1, 2, 3, 4, 5), "density_inc": (1, 2, 3, 4, 5),
        "occlusion": (72, 144, 216, 288, 360), "lidar": (72, 144, 216, 288, 360)}
    assert set(PARAMETERS) == set(CORRUPTIONS)
    for name, vals in expected.items():
        np.testing.assert_allclose(PARAMETERS[name], vals, err_msg=name)
    assert NORMALISED == set(CORRUPTIONS) - {"gaussian", "cutout", "density", "density_inc"}


_COUNTS = {  # output sizes for N = 1024 (the sheet)
    "background": [1024 + a for a in (22, 25, 29, 34, 51)],
    "upsampling": [1024 + a for a in (204, 256, 341, 512, 1024)],
    "cutout": [1024 - 30 * k for k in (2, 3, 5, 7, 10)],
    "density": [1024 - 75 * k for k in SEV],
    "lidar": [768] * 5,
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_point_counts_for_1024(name, cloud, source, sphere):
    for s in SEV:
        out = corrupt(source if name == "density_inc" else cloud, name, s, _rng(s), mesh=sphere)
        assert out.dtype == np.float32 and out.ndim == 2 and out.shape[1] == 3
        assert len(out) == _COUNTS.get(name, [1024] * 5)[s - 1], (name, s)
        assert np.isfinite(out).all()


def test_impulse_moves_n_over_d_points_by_0_1(cloud):
    for s, moved in zip(SEV, (34, 40, 51, 68, 102)):
        out = C._impulse(cloud, PARAMETERS["impulse"][s - 1], _rng(s))
        delta = out - cloud
        changed = np.abs(delta).max(axis=1) > 0
        assert changed.sum() == moved
        np.testing.assert_allclose(np.abs(delta[changed]), 0.1, atol=1e-12)


def test_background_and_upsampling_add_points_as_specified():
    g = np.linspace(-1, 1, 11)  # grid spacing 0.2 ≫ the 0.05 jitter: each copy's nearest point is its original
    cloud = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)[:1024]
    for s in SEV:
        bg = C._background(cloud, PARAMETERS["background"][s - 1], _rng(s))
        np.testing.assert_array_equal(bg[:1024], cloud)
        assert np.abs(bg[1024:]).max() <= 1.0
        up = C._upsampling(cloud, PARAMETERS["upsampling"][s - 1], _rng(s))
        np.testing.assert_array_equal(up[:1024], cloud)
        d, idx = cKDTree(cloud).query(up[1024:], p=np.inf)
        assert d.max() <= 0.05 + 1e-12
    up5 = C._upsampling(cloud, 1, _rng(0))  # severity 5: every point copied once (no replacement)
    assert len(np.unique(cKDTree(cloud).query(up5[1024:], p=np.inf)[1])) == 1024


def _xyz_angles(M):
    """Angles (degrees) of ``M = Rx(a) Ry(b) Rz(c)``."""
    b = math.asin(np.clip(M[0, 2], -1, 1))
    c = math.atan2(-M[0, 1], M[0, 0])
    a = math.atan2(-M[1, 2], M[2, 2])
    return np.degrees([a, b, c])


def test_rotation_angles_recovered_from_the_output(cloud):
    np.testing.assert_allclose(_xyz_angles(C.rotation_matrix(np.radians([3.0, -7.0, 11.0]))), [3, -7, 11], atol=1e-9)
    for s in SEV:
        c = PARAMETERS["rotation"][s - 1]
        for seed in range(8):
            out = corrupt(cloud, "rotation", s, _rng(seed))
            A = _affine(cloud, out)
            scale = np.cbrt(np.linalg.det(A))
            M = A / scale
            np.testing.assert_allclose(M @ M.T, np.eye(3), atol=1e-5)
            ang = np.abs(_xyz_angles(M))
            assert ((ang >= c - 2.5 - 1e-3) & (ang <= c + 2.5 + 1e-3)).all(), (s, ang)


def test_shear_entries_within_c_plus_minus_0_05(cloud):
    for s in SEV:
        c = PARAMETERS["shear"][s - 1]
        for seed in range(8):
            A = _affine(cloud, corrupt(cloud, "shear", s, _rng(seed)))
            M = A / A[1, 1]
            np.testing.assert_allclose([M[0, 0], M[2, 2]], 1.0, atol=1e-4)
            np.testing.assert_allclose([M[0, 1], M[2, 1]], 0.0, atol=1e-4)
            free = np.abs([M[0, 2], M[1, 0], M[1, 2], M[2, 0]])
            assert ((free >= c - 0.05 - 1e-4) & (free <= c + 0.05 + 1e-4)).all(), (s, free)


def test_uniform_noise_bounded_by_c_with_std_c_over_sqrt3(cloud):
    for s in SEV:
        c = PARAMETERS["uniform"][s - 1]
        delta = C._uniform(cloud, c, _rng(s)) - cloud
        assert np.abs(delta).max() <= c
        assert abs(delta.std() / (c / math.sqrt(3)) - 1) < 0.05


def test_gaussian_noise_std_sigma_clipped_and_not_normalised(cloud):
    small = 0.5 * cloud
    for s in SEV:
        sigma = PARAMETERS["gaussian"][s - 1]
        out = corrupt(small, "gaussian", s, _rng(s))
        delta = out.astype(np.float64) - small
        assert abs(delta.std() / sigma - 1) < 0.05
        assert abs(delta.mean()) < 3 * sigma / math.sqrt(delta.size)
        assert np.ptp(out, axis=0).max() < 1.2  # not rescaled to 2
    edge = np.full((1000, 3), 0.999)
    out = corrupt(edge, "gaussian", 5, _rng(0))
    assert out.max() == 1.0 and (out == 1.0).mean() > 0.3


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_normalised_where_the_sheet_says_so(name, source, sphere):
    half = 0.5 * source  # un-normalised input: longest side 0.9, centred
    pts = half if name == "density_inc" else half[:1024]
    out = corrupt(pts, name, 3, _rng(3), mesh=sphere).astype(np.float64)
    lo, hi = out.min(0), out.max(0)
    if name in NORMALISED:
        np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-6)
        assert abs((hi - lo).max() - 2.0) < 1e-5
    else:
        assert (hi - lo).max() < 1.1, name
    if name in ("cutout", "density", "density_inc"):
        assert _rows_in(out, pts)


def test_ffd_bernstein_properties():
    p = _sphere_cloud(500, radius=0.95)
    grid = np.stack(np.meshgrid(*[np.linspace(-1, 1, 5)] * 3, indexing="ij"), axis=-1)
    np.testing.assert_allclose(C.ffd(p, np.zeros((5, 5, 5, 3))), p)
    np.testing.assert_allclose(C.ffd(p, np.broadcast_to([0.1, -0.2, 0.3], (5, 5, 5, 3))), p + [0.1, -0.2, 0.3])
    np.testing.assert_allclose(C.ffd(p, 0.25 * grid), 1.25 * p, atol=1e-12)  # linear precision
    outside = np.array([[1.5, 0.0, 0.0]])
    np.testing.assert_allclose(C.ffd(outside, np.ones((5, 5, 5, 3))), outside)
    for s in SEV:
        d = C._distortion(p, PARAMETERS["distortion"][s - 1], _rng(s)) - p
        assert np.abs(d).max() <= 2 * PARAMETERS["distortion"][s - 1]
        assert np.abs(d).max() > 0.2 * PARAMETERS["distortion"][s - 1]


def test_rbf_moves_every_control_point_by_r_and_matches_pygem_kernels():
    grid = C._grid()
    assert grid.shape == (125, 3)
    for s in SEV:
        r = PARAMETERS["distortion_rbf"][s - 1]
        for f in (C._distortion_rbf, C._distortion_rbf_inv):
            moved = f(grid, r, _rng(s)) - grid
            np.testing.assert_allclose(np.linalg.norm(moved, axis=1), r, rtol=1e-6)
    # scipy's -sqrt(1 + (εx)²) and 1/sqrt(1 + (εx)²) with ε = 2 = PyGeM's sqrt(x² + 0.5²) and its inverse,
    # with PyGeM's linear polynomial term (the kernels differ by a constant factor: same interpolant)
    p = _sphere_cloud(300, seed=4)
    for func, phi in ((C._distortion_rbf, lambda x: np.sqrt(x * x + 0.25)),
                      (C._distortion_rbf_inv, lambda x: 1 / np.sqrt(x * x + 0.25))):
        ours = func(p, 0.1, _rng(7))
        u = _rng(7).normal(size=grid.shape)
        target = grid + 0.1 * u / np.linalg.norm(u, axis=1, keepdims=True)
        n = len(grid)
        H = np.zeros((n + 4, n + 4))
        H[:n, :n] = phi(np.linalg.norm(grid[:, None] - grid[None], axis=-1))
        H[:n, n], H[n, :n], H[:n, n + 1:], H[n + 1:, :n] = 1, 1, grid, grid.T
        w = np.linalg.solve(H, np.concatenate([target, np.zeros((4, 3))]))
        ref = np.concatenate([phi(np.linalg.norm(p[:, None] - grid[None], axis=-1)), np.ones((len(p), 1)), p], 1) @ w
        np.testing.assert_allclose(ours, ref, atol=1e-8)


def test_cutout_density_density_inc(cloud, source):
    for s in SEV:
        k = PARAMETERS["cutout"][s - 1]
        out = C._cutout(cloud, k, _rng(s))
        assert len(out) == 1024 - 30 * k and _rows_in(out, cloud)
        out = C._density(cloud, s, _rng(s))
        assert len(out) == 1024 - 75 * s and _rows_in(out, cloud)
        out = C._density_inc(source, s, _rng(s))
        assert len(out) == 1024 and _rows_in(out, source)
        assert len(np.unique(out, axis=0)) == 1024  # no point twice
        pool = source
        for j in range(s):  # the k dense patches come first: each is the 100-NN of one of its points in what is left
            patch = out[100 * j: 100 * (j + 1)]
            tree = cKDTree(pool)
            keys = {tuple(r) for r in patch}
            assert any({tuple(r) for r in pool[tree.query(c, 100)[1]]} == keys for c in patch), (s, j)
            pool = pool[cKDTree(patch).query(pool)[0] > 0]
        assert len(pool) == 2048 - 100 * s and _rows_in(out[100 * s:], pool)  # the rest: random, outside the patches
    big = np.concatenate([source, _sphere_cloud(500, seed=9)])
    assert len(corrupt(big, "density_inc", 2, _rng(0))) == 1024


# ---------------------------------------------------------------------------------- occlusion / lidar

def test_scan_camera_ranges():
    for s in SEV:
        for seed in range(20):
            for name, dist in (("occlusion", 3.0), ("lidar", 5.0)):
                eye = C.scan_camera(name, s, _rng(seed))
                assert abs(np.linalg.norm(eye) - dist) < 1e-12
                el = math.degrees(math.asin(eye[1] / dist))
                if name == "occlusion":
                    assert 30.0 <= el <= 60.0
                else:
                    assert abs(el - 22.5) < 1e-9
                az = math.atan2(eye[0], eye[2])
                off = (az - 2 * math.pi * s / 5 + math.pi) % (2 * math.pi) - math.pi
                assert abs(off) <= math.pi / 5 + 1e-12


def test_depth_scan_back_projects_onto_the_visible_face(box):
    p = C.depth_scan(box.vertices, box.faces, np.array([0.0, 0.0, 3.0]), 75.0, 128)
    assert len(p) > 1000
    np.testing.assert_allclose(p[:, 2], 1.0, atol=1e-5)  # only the +z face is seen
    assert np.abs(p[:, :2]).max() <= 1.0 + 1e-5 and np.abs(p[:, :2]).max() > 0.98


def test_occlusion_points_on_the_camera_facing_surface(box, sphere):
    for s in SEV:
        pts, eye = C._scan(box, "occlusion", s, _rng(s))
        assert len(pts) == 1024
        a = np.abs(pts)
        np.testing.assert_allclose(a.max(axis=1), 1.0, atol=1e-5)  # on the box surface
        axis = a.argmax(axis=1)
        side = np.sign(pts[np.arange(len(pts)), axis])
        assert (side * eye[axis] > 1.0).all()  # on faces that face the camera
        assert len(np.unique(axis * 2 + (side > 0))) >= 2
        # the sphere: on the surface and on the camera's side
        pts, eye = C._scan(sphere, "occlusion", s, _rng(s))
        rho = np.linalg.norm(C.normalise(sphere.vertices), axis=1).max()
        r = np.linalg.norm(pts, axis=1)
        assert ((r > 0.995 * rho) & (r < rho + 1e-5)).all()
        assert (pts @ eye > 0.99 * rho**2 - 1e-3).all()
        out = corrupt(None, "occlusion", s, _rng(s), mesh=sphere)
        assert out.shape == (1024, 3)


def test_lidar_points_in_1_degree_elevation_bands(sphere, box):
    rho = np.linalg.norm(C.normalise(sphere.vertices), axis=1).max()
    for s in SEV:
        pts, eye = C._scan(sphere, "lidar", s, _rng(s))
        assert len(pts) == 768
        q = pts - eye
        el = np.degrees(np.arcsin(q[:, 1] / np.linalg.norm(q, axis=1)))
        np.testing.assert_allclose(el - np.floor(el), 0.5, atol=1e-6)
        assert len(np.unique(np.floor(el))) >= 15  # the sphere spans ~23 bands from 5 units
        r = np.linalg.norm(pts, axis=1)  # snapping moves a point ≤ range · 0.25° off the surface
        assert np.abs(r - rho).max() < 0.03
        assert (pts @ eye > 0.9 * rho**2).all()
    out = corrupt(None, "lidar", 1, _rng(0), mesh=box)
    assert out.shape == (768, 3)


def test_thin_objects_are_scanned_finer_instead_of_resampled():
    rod = trimesh.creation.box(extents=(2.0, 0.04, 0.04))
    v = C.normalise(rod.vertices)
    eye = C.scan_camera("occlusion", 1, _rng(0))
    assert len(C.depth_scan(v, rod.faces, eye, C.SCAN_FOV_DEG["occlusion"])) < 1024  # too few at 256 px
    for name, n in (("occlusion", 1024), ("lidar", 768)):
        pts, _ = C._scan(rod, name, 1, _rng(0))
        assert len(np.unique(pts, axis=0)) == n  # no point drawn twice


# -------------------------------------------------------------------------------- determinism, errors

@pytest.mark.parametrize("name", CORRUPTIONS)
def test_deterministic_given_the_seed(name, cloud, source, sphere):
    pts = source if name == "density_inc" else cloud
    a = corrupt(pts, name, 4, _rng(11), mesh=sphere)
    b = corrupt(pts.copy(), name, 4, _rng(11), mesh=sphere)
    c = corrupt(pts, name, 4, _rng(12), mesh=sphere)
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_errors_name_what_to_pass(cloud, source):
    with pytest.raises(ValueError, match="unknown corruption 'fog'.*uniform, gaussian"):
        corrupt(cloud, "fog", 1, _rng())
    for bad in (0, 6, 2.0, True, "3", None):
        with pytest.raises(ValueError, match=r"severity must be an int in 1\.\.5"):
            corrupt(cloud, "uniform", bad, _rng())
    with pytest.raises(ValueError, match="numpy.random.Generator"):
        corrupt(cloud, "uniform", 1, 0)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        corrupt(cloud[:, :2], "uniform", 1, _rng())
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        corrupt(cloud[None], "uniform", 1, _rng())
    bad = cloud.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite.*point 7"):
        corrupt(bad, "rotation", 1, _rng())
    with pytest.raises(ValueError, match="'density' at severity 1 needs at least 100 points, got 99"):
        corrupt(cloud[:99], "density", 1, _rng())
    with pytest.raises(ValueError, match="'density' at severity 5 needs at least 400"):
        corrupt(cloud[:399], "density", 5, _rng())
    with pytest.raises(ValueError, match="'cutout' at severity 5 needs at least 301"):
        corrupt(cloud[:300], "cutout", 5, _rng())
    with pytest.raises(ValueError, match="needs at least 2048 points, got 1024.*2048-point source"):
        corrupt(cloud, "density_inc", 1, _rng())
    for name in ("occlusion", "lidar"):
        with pytest.raises(ValueError, match="mesh=trimesh.Trimesh"):
            corrupt(cloud, name, 1, _rng())
        with pytest.raises(ValueError, match="mesh=trimesh.Trimesh"):
            corrupt(cloud, name, 1, _rng(), mesh=cloud)
    with pytest.raises(ValueError, match="all points coincide"):
        corrupt(np.zeros((10, 3)), "rotation", 1, _rng())


def test_gallery_has_45_panels_with_data(sphere):
    from xmodal.data.corruption_figures import corruption_gallery

    pts = trimesh.sample.sample_surface(sphere, 2048, seed=0)[0]
    fig = corruption_gallery(pts, sphere, _rng(0))
    assert len(fig.axes) == 45
    for ax in fig.axes:
        assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) > 600
    with pytest.raises(ValueError, match="2048 points"):
        corruption_gallery(pts[:1024], None, _rng(0))


# ------------------------------------------------------------------------------ the release reader

def _write(root, name, data, labels):
    root.mkdir(parents=True, exist_ok=True)
    np.save(root / name, data)
    np.save(root / "label.npy", labels)


def test_modelnet40c_reads_the_release_files(tmp_path):
    data = np.random.default_rng(0).uniform(-1, 1, (5, 1024, 3)).astype(np.float32)
    _write(tmp_path, "data_shear_2.npy", data, np.arange(5)[:, None].astype(np.uint8))
    pts, lab = modelnet40c(tmp_path, "shear", 2)
    assert pts.dtype == np.float32 and pts.shape == (5, 1024, 3) and lab.dtype == np.int64 and lab.shape == (5,)
    np.testing.assert_array_equal(pts, data)
    np.testing.assert_array_equal(lab, np.arange(5))
    np.save(tmp_path / "label.npy", np.arange(5))  # (n,) labels too
    assert modelnet40c(tmp_path, "shear", 2)[1].shape == (5,)
    np.save(tmp_path / "data_lidar_1.npy", data[:, :768].astype(np.float64))
    assert modelnet40c(tmp_path, "lidar", 1)[0].shape == (5, 768, 3)


def test_modelnet40c_errors(tmp_path):
    data = np.zeros((4, 1024, 3), np.float32)
    data[2, 3, 0] = np.inf
    _write(tmp_path, "data_uniform_1.npy", data, np.zeros(4, np.int64))
    with pytest.raises(ValueError, match=r"data_uniform_1\.npy.*non-finite.*cloud 2, point 3"):
        modelnet40c(tmp_path, "uniform", 1)
    with pytest.raises(DataMissingError, match=r"data_uniform_2\.npy.*Zenodo.*jiachens/ModelNet40-C"):
        modelnet40c(tmp_path, "uniform", 2)
    with pytest.raises(DataMissingError, match="label.npy"):
        (tmp_path / "label.npy").unlink()
        modelnet40c(tmp_path, "uniform", 1)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        modelnet40c(tmp_path / "nowhere", "gaussian", 3)
    np.save(tmp_path / "label.npy", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="4 clouds but .* 3 labels"):
        modelnet40c(tmp_path, "uniform", 1)
    with pytest.raises(ValueError, match="unknown corruption 'fog'.*clean, uniform"):
        modelnet40c(tmp_path, "fog", 1)
    for bad in (0, 6, None, 1.0):
        with pytest.raises(ValueError, match=r"severity must be an int in 1\.\.5"):
            modelnet40c(tmp_path, "uniform", bad)
    with pytest.raises(ValueError, match="'clean' has no severity"):
        modelnet40c(tmp_path, "clean", 3)


def test_modelnet40c_clean_reads_the_modelnet40_test_hdf5(tmp_path):
    h5py = pytest.importorskip("h5py")
    d = tmp_path / "modelnet40_ply_hdf5_2048"
    d.mkdir()
    rng = np.random.default_rng(0)
    with h5py.File(d / "ply_data_test0.h5", "w") as h:
        h["data"] = rng.uniform(-1, 1, (3, 2048, 3)).astype(np.float32)
        h["label"] = np.array([[0], [5], [39]], np.uint8)
    pts, lab = modelnet40c(tmp_path, "clean")
    assert pts.shape == (3, 1024, 3) and pts.dtype == np.float32
    np.testing.assert_array_equal(lab, [0, 5, 39])
    assert modelnet40c(tmp_path / "elsewhere", "clean", 0, modelnet40_root=tmp_path)[0].shape == (3, 1024, 3)
    with pytest.raises(DataMissingError):
        modelnet40c(tmp_path / "elsewhere", "clean", modelnet40_root=tmp_path / "nothing")
