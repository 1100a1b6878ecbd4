"""Foundation: scales, seeding, the cache, reports, the torchvision compatibility step, the environment."""
import json
import re
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest

import xmodal
from xmodal import cache, config, report, seed

ROOT = Path(__file__).resolve().parents[1]


def test_get_scale_known_and_unknown():
    for name in ("ci", "default", "full"):
        s = config.get_scale(name)
        assert s.name == name and s.per_category > 0 and s.n_points > 0
    assert config.get_scale("ci").per_category < config.get_scale("default").per_category < config.get_scale("full").per_category
    with pytest.raises(ValueError, match="ci, default, full"):
        config.get_scale("huge")


def test_scale_from_env(monkeypatch):
    monkeypatch.setenv("XMODAL_SCALE", "ci")
    assert config.scale_from_env() == "ci"
    monkeypatch.setenv("XMODAL_SCALE", "nope")
    with pytest.raises(ValueError):
        config.scale_from_env()


def test_seed_everything_repeats():
    import torch

    seed.seed_everything(3)
    a = (np.random.rand(3), torch.rand(3).numpy())
    seed.seed_everything(3)
    b = (np.random.rand(3), torch.rand(3).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_derived_rngs_are_stable_and_distinct():
    assert seed.derive_seed(0, "a", 1) == seed.derive_seed(0, "a", 1)
    assert seed.derive_seed(0, "a", 1) != seed.derive_seed(0, "a", 2)
    assert seed.derive_seed(0, "a") != seed.derive_seed(1, "a")
    # pinned: the derivation must not change silently (it would change every cached dataset)
    assert seed.derive_seed(0, "x") == int.from_bytes(
        __import__("hashlib").sha256(repr((0, "x")).encode()).digest()[:8], "little") & ((1 << 63) - 1)
    x = seed.make_rng(5, "k").random(4)
    np.testing.assert_array_equal(x, seed.make_rng(5, "k").random(4))
    g = seed.make_torch_generator(5, "k")
    import torch

    np.testing.assert_array_equal(torch.rand(3, generator=g).numpy(),
                                  torch.rand(3, generator=seed.make_torch_generator(5, "k")).numpy())


def test_cache_builds_once_and_reuses(tmp_cache):
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(5.0), "s": np.array(["x", "yy"])}

    a = cache.cached_arrays("t", {"k": 1}, build)
    b = cache.cached_arrays("t", {"k": 1}, build)
    assert len(calls) == 1
    np.testing.assert_array_equal(a["a"], b["a"])
    assert list(b["s"]) == ["x", "yy"]
    cache.cached_arrays("t", {"k": 2}, build)
    assert len(calls) == 2
    assert not list(Path(tmp_cache).rglob("*.tmp"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "drop_manifest", "drop_data"])
def test_cache_corrupt_entry_is_rebuilt_with_warning(tmp_cache, damage):
    build = lambda: {"a": np.arange(1000.0)}
    cache.cached_arrays("t", {"k": 1}, build)
    npz = next(Path(tmp_cache).rglob("*.npz"))
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(npz.read_bytes())
        data[-300] ^= 0xFF
        npz.write_bytes(bytes(data))
        # a flipped byte inside the zip's stored array is caught by the checksum or by the zip CRC
    elif damage == "drop_manifest":  # the manifest is a member of the entry's archive: rewrite it without
        with np.load(npz) as z:
            kept = {k: z[k] for k in z.files if k != "__manifest__"}
        np.savez(npz, **kept)
    else:  # data and manifest are one file: no file is simply no entry, built again without a warning
        npz.unlink()
    if damage == "drop_data":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = cache.cached_arrays("t", {"k": 1}, build)
    else:
        with pytest.warns(RuntimeWarning, match="rebuilding"):
            out = cache.cached_arrays("t", {"k": 1}, build)
    np.testing.assert_array_equal(out["a"], np.arange(1000.0))
    cache.load_arrays(npz)  # whole again


def test_cache_failed_build_leaves_nothing(tmp_cache):
    def build():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.cached_arrays("t", {"k": 9}, build)
    assert not list(Path(tmp_cache).rglob("*.npz"))


def test_cache_rejects_object_arrays(tmp_cache):
    with pytest.raises(TypeError, match="object"):
        cache.cached_arrays("t", {"k": 3}, lambda: {"a": np.array([{"x": 1}], dtype=object)})


def test_report_writes_claims_tables_figures(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    monkeypatch.setenv("XMODAL_REPORTS", str(tmp_path))
    r = report.Report("99_demo", title="Demo", scale="ci")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = r.figure(fig, "line")
    first = png.read_bytes()
    r.figure(fig, "line")
    assert png.read_bytes() == first, "PNG output must be deterministic"
    r.table(pd.DataFrame({"a": [1.0, 2.0]}), "tab")
    from xmodal.claims import Claim, Registry, Rule

    reg = Registry("99", [Claim("99-1", "x is y", 0.12, Rule("x", "x > 0")),
                          Claim("99-2", "a sanity check", None, Rule("y", "y > 0"), kind="check")])
    with pytest.raises(ValueError, match="verdict"):
        reg.judge("99-1", "maybe", "0.1", "e")
    from xmodal.claims import combine_parts

    r.add(reg.judge("99-1", combine_parts([True], judged=True), "0.1", "we saw y", {"x": np.float32(0.1)}),
          reg.judge("99-2", "not reproduced", "-1", "failed"))
    data = json.loads(r.save().read_text())
    assert data["claims"][0]["verdict"] == "reproduced" and data["claims"][0]["numbers"]["x"] == pytest.approx(0.1)
    assert data["numerics"]["torch_cpu_capability"] and data["numerics"]["blas"]
    from xmodal.runtime import cpu_model
    assert data["numerics"]["cpu"] == cpu_model()
    idx = report.write_index(tmp_path).read_text()
    assert "99_demo" in idx and "x is y" in idx and "verdicts.png" in idx
    page = (tmp_path / "99_demo" / "README.md").read_text()  # figures and tables live on the topic's page
    assert "line.png" in page and "### tab" in page and "2.000" in page
    # the check is listed but not counted among the paper claims
    assert "Paper claims by verdict: ✅ reproduced: 1\n" in idx


def test_torchvision_stack_imports():
    import open_clip
    import timm
    import torchvision.transforms as T

    assert callable(T.Compose) and hasattr(open_clip, "create_model") and hasattr(timm, "create_model")
    from xmodal import _compat

    import sys

    tv = sys.modules["torchvision"]
    first = _compat.ensure_torchvision()
    # idempotent: once torchvision is imported, every call gives the same answer — whether the compatibility
    # step was needed in this process — and imports nothing again
    assert first is _compat.TORCHVISION_PATCHED and _compat.ensure_torchvision() is first
    assert sys.modules["torchvision"] is tv and hasattr(tv, "transforms")


def test_compat_step_runs_lazily_at_the_first_torchvision_import():
    """``import xmodal`` leaves torchvision unimported (≈3 s per process); the first ``import open_clip`` after
    it still works, through the import hook, and the package then looks normally imported."""
    import subprocess
    import sys

    code = ("import sys, xmodal\n"
            "assert 'torchvision' not in sys.modules and 'torch' not in sys.modules\n"
            "import importlib.util; assert importlib.util.find_spec('torchvision') is not None\n"  # an availability check (transformers) leaves the hook in place
            "import open_clip, torchvision\n"
            "from xmodal import _compat\n"
            "assert not any(isinstance(f, _compat._LazyStep) for f in sys.meta_path)\n"
            "assert type(torchvision.__loader__).__name__ == 'SourceFileLoader' and torchvision.__spec__.loader is torchvision.__loader__\n"
            "assert callable(open_clip.create_model)\n"
            "print(_compat.TORCHVISION_PATCHED)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() in ("True", "False")


def test_compat_step_does_not_hide_other_errors(monkeypatch):
    """Only the exact 'operator torchvision::<known op> does not exist' error is handled."""
    from xmodal import _compat

    assert _compat._MISSING.search("operator torchvision::nms does not exist").group(1) == "nms"
    assert _compat._MISSING.search("some other failure") is None
    assert "roi_align" not in _compat._SCHEMAS


def test_cpu_torch():
    import torch

    assert torch.version.cuda is None, "a CUDA build of torch slipped in; the constraints must pin the CPU build"


def test_environment_yml_matches_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = (ROOT / "environment.yml").read_text()
    pip_deps = re.findall(r"^\s+- (?!-c)(\S+)$", env.split("- pip:")[1], re.M)
    assert sorted(pip_deps) == sorted(deps)


def test_constraints_pin_cpu_torch():
    c = (ROOT / "constraints.txt").read_text()
    assert "torch==2.13.0" in c and "torchvision==0.28.0" in c


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make reproduce" in (ROOT / "README.md").read_text() and "make test" in (ROOT / "README.md").read_text()


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", xmodal.__version__)


def test_code_hash_tracks_source(tmp_path, monkeypatch):
    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("x = 1\n")
    (pkg / "mod.py").write_text("y = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    a = cache.code_hash("fakepkg")
    assert a == cache.code_hash("fakepkg") and a != cache.code_hash("fakepkg.mod")
    (pkg / "mod.py").write_text("y = 3\n")
    assert cache.code_hash("fakepkg") != a
    with pytest.raises(ValueError, match="no module"):
        cache.code_hash("no_such_module_xyz")


def test_cpu_model_reads_cpuinfo_and_keys_the_cache(tmp_path, monkeypatch):
    """The processor is in the numerics key: a cache made on another CPU (same torch capability and BLAS kernel
    names, other bits — measured: Intel vs AMD, both AVX512 / OpenBLAS SkylakeX) is never read here."""
    import builtins

    from xmodal import runtime

    intel = ("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
             "model name\t: Intel(R) Xeon(R)\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nvendor_id\t: other\n")
    real_open = builtins.open

    def fake_open(path, *a, **kw):
        if str(path) == "/proc/cpuinfo":
            f = tmp_path / "cpuinfo"
            f.write_text(intel)
            return real_open(f, *a, **kw)
        return real_open(path, *a, **kw)

    here = runtime.cpu_model()
    key_here = runtime.numerics_key()
    monkeypatch.setattr(builtins, "open", fake_open)
    got = runtime.cpu_model()
    assert got.startswith("GenuineIntel Intel(R) Xeon(R) (family 6, model 85, flags ") and "other" not in got
    assert runtime.numerics_key()["cpu"] == got != key_here["cpu"] == here

