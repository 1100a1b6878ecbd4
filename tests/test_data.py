"""Datasets: ModelNet40 readers on small files written here in the real formats; the world dataset."""
import numpy as np
import pytest

from xmodal.data import DataMissingError, modelnet40, world_dataset
from xmodal.data.modelnet40 import read_off
from xmodal.world import CATEGORY_NAMES


def _write_h5(d, rng):
    import h5py

    d.mkdir(parents=True)
    (d / "shape_names.txt").write_text("\n".join(CATEGORY_NAMES) + "\n")
    for name, n in [("ply_data_train0.h5", 6), ("ply_data_train1.h5", 4), ("ply_data_test0.h5", 5)]:
        with h5py.File(d / name, "w") as h:
            h["data"] = rng.normal(size=(n, 64, 3)).astype(np.float32)
            h["label"] = rng.integers(0, 40, size=(n, 1)).astype(np.uint8)
            h["normal"] = rng.normal(size=(n, 64, 3)).astype(np.float32)


def test_modelnet40_hdf5(tmp_path):
    rng = np.random.default_rng(0)
    _write_h5(tmp_path / "modelnet40_ply_hdf5_2048", rng)
    tr = modelnet40(tmp_path, "train", n_points=32)
    te = modelnet40(tmp_path, "test", n_points=32)
    al = modelnet40(tmp_path, "all", n_points=32)
    assert tr.points.shape == (10, 32, 3) and te.points.shape == (5, 32, 3) and len(al) == 15
    assert (tr.split == 0).all() and (te.split == 2).all()
    assert al.labels.max() < 40 and al.categories == tuple(CATEGORY_NAMES)
    import h5py

    with h5py.File(tmp_path / "modelnet40_ply_hdf5_2048" / "ply_data_train0.h5") as h:
        raw, lab = np.asarray(h["data"]), np.asarray(h["label"]).ravel()
    # the subset is a subset of the stored points of the same shape, label kept
    assert np.isin(tr.points[0].view("f4,f4,f4"), raw[0].view("f4,f4,f4")).all()
    assert tr.labels[0] == lab[0]
    np.testing.assert_array_equal(modelnet40(tmp_path, "train", 32).points, tr.points)  # deterministic
    assert tr.captions[2][0, 0] == f"a {CATEGORY_NAMES[lab[0]].replace('_', ' ')}"
    with pytest.raises(ValueError, match="exceeds"):
        modelnet40(tmp_path, "train", n_points=100)


def _cube_off(path, header_bug=False):
    v = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 2)], float)
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    head = "OFF8 6 0\n" if header_bug else "OFF\n8 6 0\n"
    body = "".join(f"{a} {b} {c}\n" for a, b, c in v) + "".join(f"4 {' '.join(map(str, q))}\n" for q in quads)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body)


def test_read_off_and_header_defect(tmp_path):
    _cube_off(tmp_path / "a.off")
    _cube_off(tmp_path / "b.off", header_bug=True)
    va, fa = read_off(tmp_path / "a.off")
    vb, fb = read_off(tmp_path / "b.off")
    assert va.shape == (8, 3) and fa.shape == (12, 3)
    np.testing.assert_array_equal(fa, fb)
    (tmp_path / "c.off").write_text("OFF\n8 6 0\n0 0 0\n")
    with pytest.raises(ValueError, match="malformed"):
        read_off(tmp_path / "c.off")


def test_modelnet40_off_meshes(tmp_path):
    for cls, split, k in [("chair", "train", 1), ("chair", "test", 2), ("vase", "train", 3)]:
        _cube_off(tmp_path / "ModelNet40" / cls / split / f"{cls}_{k:04d}.off", header_bug=k == 3)
    ds = modelnet40(tmp_path, "all", n_points=100)
    assert ds.points.shape == (3, 100, 3)
    assert sorted(ds.labels.tolist()) == sorted([CATEGORY_NAMES.index("chair")] * 2 + [CATEGORY_NAMES.index("vase")])
    r = np.linalg.norm(ds.points, axis=-1).max()
    assert 0.9 < r <= 1 + 1e-5  # mesh scaled to the unit sphere; samples need not hit its corners
    np.testing.assert_allclose(np.linalg.norm(ds.normals, axis=-1), 1, atol=1e-5)


def test_modelnet40_missing_says_where(tmp_path):
    with pytest.raises(DataMissingError, match="modelnet.cs.princeton.edu.*ply_data_train0.h5"):
        modelnet40(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="split"):
        modelnet40(tmp_path, "validation")


@pytest.fixture(scope="module")
def ci_world():
    return world_dataset("ci", seed=0)


def test_world_dataset_structure(ci_world):
    from xmodal.config import get_scale

    sc = get_scale("ci")
    ds = ci_world
    N = 40 * sc.per_category
    assert len(ds) == N and ds.points.shape == (N, sc.n_points, 3) and ds.normals.shape == ds.points.shape
    assert np.bincount(ds.labels).tolist() == [sc.per_category] * 40
    assert ds.images.shape == (N, sc.views, sc.resolution, sc.resolution, 3) and ds.images.dtype == np.uint8
    assert set(np.unique(ds.split)) == {0, 1, 2}
    for lv in range(5):
        assert ds.captions[lv].shape[0] == N
    # splits are by instance and balanced per category
    for c in range(40):
        s = ds.split[ds.labels == c]
        assert (s == 0).sum() >= (s == 2).sum() >= 1
    assert ds.view.shape == (sc.views, 4, 4)


def test_world_dataset_is_deterministic_and_matches_shapes(ci_world):
    from xmodal.world import make_shape

    ds = ci_world
    i = 5 * 12 + 3
    s = make_shape(ds.categories[ds.labels[i]], int(ds.index[i]), seed=0)
    p, _ = s.sample_points(ds.points.shape[1], seed=0)
    np.testing.assert_array_equal(p, ds.points[i])
    assert ds.captions[2][i, 0] in s.captions[2]


def test_world_subset_cuts_splits_and_keep_test_keeps_the_whole_test_split(ci_world):
    ds = ci_world
    cut = ds.subset(4)
    assert len(cut) == 160 and (cut.index < 4).all() and np.bincount(cut.labels).tolist() == [4] * 40
    kt = ds.subset(4, keep_test=True)
    # train and val are those of the cut (same instances, same order); test is the whole world's
    for split in ("train", "val"):
        np.testing.assert_array_equal(kt.points[kt.mask(split)], cut.points[cut.mask(split)])
        np.testing.assert_array_equal(kt.labels[kt.mask(split)], cut.labels[cut.mask(split)])
    np.testing.assert_array_equal(kt.points[kt.mask("test")], ds.points[ds.mask("test")])
    assert kt.mask("test").sum() == ds.mask("test").sum() > cut.mask("test").sum()
    # derived caches are keyed apart
    assert kt.key() != cut.key() != ds.key() and kt.key()["keep_test"] is True
    with pytest.raises(ValueError, match="positive int"):
        ds.subset(0, keep_test=True)


def test_world_dataset_bad_scale():
    with pytest.raises(ValueError, match="valid scales"):
        world_dataset("tiny")


# ---------------------------------------------------- issue #30: values a cast would hide, dtypes, empty files
def _h5_release(root, data=None, label=None):
    """A ModelNet40 HDF5 release under ``root`` whose ``ply_data_train0.h5`` holds ``data`` / ``label`` (4 clean
    clouds of 64 points and labels 0..3 where not given); ``ply_data_test0.h5`` is clean."""
    import h5py

    d = root / "modelnet40_ply_hdf5_2048"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("ply_data_train0.h5", "ply_data_test0.h5"):
        train = name.startswith("ply_data_train")
        with h5py.File(d / name, "w") as h:
            h["data"] = data if train and data is not None else rng.normal(size=(4, 64, 3)).astype(np.float32)
            h["label"] = label if train and label is not None else np.arange(4, dtype=np.uint8)[:, None]
    return d


@pytest.mark.parametrize("label", [np.array([[0.0], [3.0], [39.0], [7.0]]), np.array([0, 3, 39, 7], np.int64)])
def test_modelnet40_hdf5_reads_whole_labels_of_any_real_dtype(tmp_path, label):
    ds = modelnet40(_h5_release(tmp_path, label=label).parent, "train", n_points=32)
    assert ds.labels.dtype == np.int64 and ds.labels.tolist() == [0, 3, 39, 7]


_POINTS = np.random.default_rng(3).normal(size=(4, 64, 3))


@pytest.mark.parametrize("data,label,match", [
    (None, np.array([[0.5], [1.0], [2.0], [3.0]]), r"\(dataset 'label'\): label 0\.5 at index 0 is not a class index"),
    (None, np.array([[1], [2], [40], [3]]), r"\(dataset 'label'\): label 40 at index 2 is not a class index"),
    (None, np.array([[1.0], [np.nan], [2.0], [3.0]]), r"\(dataset 'label'\): label nan at index 1"),
    (None, np.array([[True], [False], [True], [False]]), r"\(dataset 'label'\): labels must be whole numbers.*dtype bool"),
    (_POINTS.astype(np.complex64), None, r"dataset 'data' must hold real coordinates, got dtype complex64"),
    (np.zeros((0, 64, 3), np.float32), np.zeros((0, 1), np.uint8), r"no point clouds in it.*\(0, 64, 3\)"),
    (np.where(np.arange(64)[None, :, None] == 9, 1e39, _POINTS), None, r"read as float32\): non-finite.*cloud 0, point 9"),
])
def test_modelnet40_hdf5_bad_labels_dtypes_and_empty_files_are_named(tmp_path, data, label, match):
    """Issue #30: a label 0.5 became class 0 and a bool label class 0/1, silently; a complex 'data' gave a raw
    conversion error and an empty file numpy's 'zero-size array' error."""
    from xmodal.data import DataCorruptError

    _h5_release(tmp_path, data, label)
    with pytest.raises(DataCorruptError, match=r"ply_data_train0\.h5.*" + match):
        modelnet40(tmp_path, "train", n_points=32)


def _npy_release(root, data, labels):
    root.mkdir(parents=True, exist_ok=True)
    np.save(root / "data_uniform_1.npy", data)
    np.save(root / "label.npy", labels)


def test_modelnet40c_reads_whole_float_labels(tmp_path):
    from xmodal.data.modelnet40c import modelnet40c

    _npy_release(tmp_path, np.zeros((3, 8, 3)), np.array([0.0, 12.0, 39.0]))
    pts, lab = modelnet40c(tmp_path, "uniform", 1)
    assert pts.dtype == np.float32 and lab.dtype == np.int64 and lab.tolist() == [0, 12, 39]


_CLOUDS = np.random.default_rng(4).uniform(-1, 1, (4, 8, 3))


@pytest.mark.parametrize("data,labels,where,match", [
    (np.where(np.arange(8)[None, :, None] == 2, 1e39, _CLOUDS), np.arange(4), "data_uniform_1",
     r"read as float32, whose largest value is 3\.4e38\): non-finite.*cloud 0, point 2"),
    (_CLOUDS, np.array([0, 1, 40, 3]), "label", r"label 40 at index 2 is not a class index \(a whole number in 0\.\.39\)"),
    (_CLOUDS, np.array([0, -1, 2, 3]), "label", r"label -1 at index 1 is not a class index"),
    (_CLOUDS, np.array([0.0, 1.0, 2.5, 3.0]), "label", r"label 2\.5 at index 2"),
    (_CLOUDS, np.array([True, False, True, False]), "label", r"labels must be whole numbers.*got dtype bool"),
    (_CLOUDS, np.arange(4).astype(np.complex128), "label", r"got dtype complex128"),
    (_CLOUDS.astype(np.complex64), np.arange(4), "data_uniform_1", r"expected real points.*dtype complex64"),
    (np.zeros((0, 1024, 3), np.float32), np.zeros(0, np.int64), "data_uniform_1", r"no points in it \(shape \(0, 1024, 3\)\)"),
])
def test_modelnet40c_bad_values_dtypes_and_empty_files_are_named(tmp_path, data, labels, where, match):
    """Issue #30: float64 points of 1e39 passed the finiteness check and came back as inf; complex points lost
    their imaginary part; an empty release read as 0 clouds; a bool label's message did not name its dtype."""
    from xmodal.data import DataCorruptError
    from xmodal.data.modelnet40c import modelnet40c

    _npy_release(tmp_path, data, labels)
    with pytest.raises(DataCorruptError, match=rf"{where}\.npy.*{match}"):
        modelnet40c(tmp_path, "uniform", 1)
