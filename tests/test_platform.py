"""The shared platform: the one training loop, the runtime policy, the claims registry, evaluation helpers."""
import math

import numpy as np
import pytest
import torch
from scipy import stats

from xmodal import claims, runtime
from xmodal.contrastive import LogitScale
from xmodal.evaluation import effective_rank, numerical_rank, paired_interval, pca_project, seed_interval
from xmodal.seed import seeded_init
from xmodal.train import History, TrainConfig, configure_optimizer, epoch_batches, fit, get_lr


# -- trainer ------------------------------------------------------------------------------------------
def test_get_lr_warmup_then_cosine():
    cfg = TrainConfig(steps=110, lr=1.0, warmup=10)
    assert [get_lr(s, 110, cfg) for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert get_lr(10, 110, cfg) == pytest.approx(1.0)
    assert get_lr(60, 110, cfg) == pytest.approx(0.5)  # half-way through the cosine
    assert get_lr(110, 110, cfg) == pytest.approx(0.0, abs=1e-12)
    floor = TrainConfig(steps=110, lr=1.0, lr_min=0.1, warmup=0.1)
    assert floor.warmup_steps(110) == 11 and get_lr(110, 110, floor) == pytest.approx(0.1)


def test_train_config_validation_and_steps():
    with pytest.raises(ValueError, match="exactly one"):
        TrainConfig()
    with pytest.raises(ValueError, match="exactly one"):
        TrainConfig(steps=3, epochs=2)
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(steps=3, batch_size=2.5)
    assert TrainConfig(epochs=3, batch_size=16).total_steps(50) == 9  # 50 // 16 = 3 steps per epoch
    with pytest.raises(ValueError, match="n_items"):
        TrainConfig(epochs=3).total_steps()


def test_configure_optimizer_decays_matrices_only():
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    s = LogitScale.clip()
    opt = configure_optimizer([m, s], TrainConfig(steps=1, weight_decay=0.1))
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and [p.shape for p in decay["params"]] == [(4, 3)]
    assert no_decay["weight_decay"] == 0.0 and len(no_decay["params"]) == 4  # bias, LN weight+bias, scale


def test_epoch_batches_are_permutation_slices():
    g = torch.Generator().manual_seed(0)
    got = list(epoch_batches(10, 4, 5, g))
    ref = torch.Generator().manual_seed(0)
    p1, p2, p3 = (torch.randperm(10, generator=ref) for _ in range(3))
    want = [p1[0:4], p1[4:8], p2[0:4], p2[4:8], p3[0:4]]
    assert all(torch.equal(a, b) for a, b in zip(got, want))
    with pytest.raises(TypeError, match="Generator"):
        next(iter(epoch_batches(10, 4, 1, None)))


def _regression(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 5, generator=g)
    y = X @ torch.arange(1.0, 6.0) + 0.5
    with seeded_init(seed, "test-model"):
        model = torch.nn.Linear(5, 1)
    return X, y, model


def test_fit_converges_is_deterministic_and_leaves_global_rng_alone():
    cfg = TrainConfig(epochs=150, batch_size=16, lr=0.3, eval_every=200)
    runs = []
    for _ in range(2):
        X, y, model = _regression()
        state = torch.random.get_rng_state()
        hist = fit(model, lambda idx, step: ((model(X[idx]).squeeze(1) - y[idx]) ** 2).mean(), cfg, n_items=64,
                   generator=torch.Generator().manual_seed(1), progress_bar=False,
                   eval_fn=lambda step: {"mse": float(((model(X).squeeze(1) - y) ** 2).mean())})
        assert torch.equal(torch.random.get_rng_state(), state)
        runs.append((hist, model.weight.detach().clone()))
    (h1, w1), (h2, w2) = runs
    assert torch.equal(w1, w2) and np.array_equal(h1.loss, h2.loss)
    assert h1.loss.shape == (600,) and h1.steps_per_epoch == 4 and h1.epoch_mean().shape == (150,)
    np.testing.assert_allclose(w1.numpy().ravel(), np.arange(1.0, 6.0), atol=1e-2)
    assert [s for s, _ in h1.evals] == [200, 400, 600] and h1.evals[-1][1]["mse"] < 1e-3
    back = History.from_arrays(h1.as_arrays("h:"), "h:")
    assert np.array_equal(back.loss, h1.loss) and back.evals == h1.evals and back.steps_per_epoch == 4


def test_fit_reports_the_step_of_a_non_finite_loss():
    X, y, model = _regression()

    def loss_fn(idx, step):
        loss = ((model(X[idx]).squeeze(1) - y[idx]) ** 2).mean()
        return loss * (float("nan") if step == 7 else 1.0)

    with pytest.raises(FloatingPointError, match="nan at step 7 of 20"):
        fit(model, loss_fn, TrainConfig(steps=20, batch_size=8), n_items=64,
            generator=torch.Generator().manual_seed(0), progress_bar=False)
    with pytest.raises(ValueError, match="Generator"):
        fit(model, loss_fn, TrainConfig(steps=2), n_items=64, progress_bar=False)


def test_fit_grad_clip_and_parts():
    p = torch.nn.Parameter(torch.zeros(3))
    target = torch.tensor([100.0, 0.0, 0.0])
    hist = fit([p], lambda b, s: (((p - target) ** 2).sum(), {"half": 0.5 * ((p - target) ** 2).sum()}),
               TrainConfig(steps=1, lr=1.0, warmup=1, grad_clip=1e-3), progress_bar=False)
    np.testing.assert_allclose(hist.parts["half"], 0.5 * hist.loss)
    assert abs(float(p.detach()[0])) == pytest.approx(1.0, rel=1e-3)  # Adam's first step is lr·sign, clipping or not


def test_logit_scale_parameterisations():
    s = LogitScale(init=2.0, max_scale=10.0, min_scale=1.0, param="exp")
    with torch.no_grad():
        s.raw.fill_(-5.0)
    assert float(s().detach()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="min_scale"):
        LogitScale(init=0.5, min_scale=1.0)


# -- runtime ------------------------------------------------------------------------------------------
def test_runtime_sets_and_restores_threads(monkeypatch):
    from threadpoolctl import threadpool_info

    monkeypatch.delenv("XMODAL_THREADS", raising=False)
    monkeypatch.delenv("XMODAL_DEVICE", raising=False)
    before = torch.get_num_threads()
    with runtime.use("ci") as rt:
        assert rt == runtime.Runtime(1, "cpu")
        assert torch.get_num_threads() == 1
        assert all(d["num_threads"] == 1 for d in threadpool_info() if d["user_api"] == "blas")
    assert torch.get_num_threads() == before
    _cores(monkeypatch, 4)
    monkeypatch.setenv("XMODAL_THREADS", "2")
    assert runtime.resolve("ci").threads == 2
    monkeypatch.setenv("XMODAL_THREADS", "0")
    assert runtime.resolve("ci").threads == 0                # 0: the machine's defaults
    monkeypatch.setenv("XMODAL_THREADS", "many")
    with pytest.raises(ValueError, match="XMODAL_THREADS"):
        runtime.resolve("ci")


def _cores(monkeypatch, n):
    """Pretend this process may run on ``n`` cores (what xmodal.runtime.cpu_cores reads)."""
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: n)
    monkeypatch.setattr(runtime.os, "sched_getaffinity", lambda pid: set(range(n)), raising=False)


def test_negative_xmodal_threads_is_refused_naming_the_variable(monkeypatch):
    """A negative count is an error that names XMODAL_THREADS (without env_int's minimum of 0 it reached only
    the generic ``threads must be >= 0`` check, or torch)."""
    for bad in ("-1", "-8"):
        monkeypatch.setenv("XMODAL_THREADS", bad)
        with pytest.raises(ValueError, match=rf"^XMODAL_THREADS must be a whole number >= 0 \(0: machine default\), "
                                             rf"got '{bad}'$"):
            runtime.resolve("ci")


def test_xmodal_threads_above_the_cores_is_capped_with_a_warning(monkeypatch):
    """Issue 30: ``XMODAL_THREADS=512`` on a 2-core machine set 512 torch / BLAS threads."""
    import warnings

    _cores(monkeypatch, 2)
    monkeypatch.delenv("XMODAL_DEVICE", raising=False)
    monkeypatch.setenv("XMODAL_THREADS", "512")
    with pytest.warns(RuntimeWarning, match=r"XMODAL_THREADS=512 asks for more than the 2 CPU core\(s\).*using 2"):
        assert runtime.resolve("ci").threads == 2
    monkeypatch.setenv("XMODAL_THREADS", "2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # at the cores: no warning
        assert runtime.resolve("ci").threads == 2


def test_device_picker(monkeypatch):
    monkeypatch.delenv("XMODAL_DEVICE", raising=False)
    assert runtime.pick_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert runtime.resolve("full").device == ("cuda" if torch.cuda.is_available() else "cpu")  # full: "auto"
    assert runtime.resolve("ci").device == "cpu"
    monkeypatch.setenv("XMODAL_DEVICE", "cpu")
    assert runtime.resolve("full").device == "cpu"           # the variable overrides the scale
    monkeypatch.setenv("XMODAL_DEVICE", "tpu")
    with pytest.raises(ValueError, match="XMODAL_DEVICE"):
        runtime.pick_device("cpu")
    if not torch.cuda.is_available():
        monkeypatch.setenv("XMODAL_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            runtime.pick_device("cpu")


def test_one_thread_setting_site_in_src():
    import pathlib
    import re

    src = pathlib.Path(runtime.__file__).resolve().parent
    sites = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
             if re.search(r"set_num_threads\(|threadpool_limits\(", p.read_text())]
    assert sites == ["runtime.py"], f"threads are set outside xmodal.runtime: {sites}"
    loops = [p.relative_to(src).as_posix() for p in src.rglob("*.py") if re.search(r"\bopt\w*\.step\(\)", p.read_text())]
    assert loops == ["train.py"], f"optimizer steps outside xmodal.train: {loops}"


# -- claims -------------------------------------------------------------------------------------------
def test_seed_interval_matches_scipy():
    x = np.array([0.61, 0.58, 0.66, 0.63])
    iv = seed_interval(x)
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert (iv.lo, iv.hi, iv.n) == (pytest.approx(lo), pytest.approx(hi), 4)
    one = seed_interval([0.5])
    assert math.isinf(one.lo) and math.isinf(one.hi)
    d = paired_interval([1.0, 2.0, 3.0], [0.5, 1.4, 2.6])
    assert d.mean == pytest.approx(0.5)


def test_registry_ids_and_vocabulary():
    rule = claims.Rule("acc", "acc > 0.5", threshold=0.5)
    with pytest.raises(ValueError, match="'07-<k>'"):
        claims.Registry("07", [claims.Claim("7", "s", 1, rule)])
    with pytest.raises(ValueError, match="duplicate"):
        claims.Registry("07", [claims.Claim("07-1", "s", 1, rule), claims.Claim("07-1", "t", 1, rule)])
    reg = claims.Registry("07", [claims.Claim("07-1", "s", 1, rule)])
    o = reg.judge("07-1", claims.combine_parts([True, None], judged=True), "0.5 [0.4, 0.6]", "within noise",
                  {"acc": np.float32(0.5)})
    assert o.as_dict()["numbers"]["acc"] == 0.5 and "❔ **inconclusive**" in o.markdown()
    with pytest.raises(ValueError, match="not one of"):
        reg.judge("07-1", "tie", "", "")
    with pytest.raises(KeyError, match="07-2"):
        reg["07-2"]


# -- evaluation ---------------------------------------------------------------------------------------
def test_ranks_and_pca():
    rng = np.random.default_rng(0)
    S = rng.standard_normal((20, 3)) @ rng.standard_normal((3, 30))
    assert numerical_rank(S) == 3 and numerical_rank(np.zeros((4, 4))) == 0
    assert effective_rank(np.eye(5)) == pytest.approx(5.0)
    assert effective_rank(np.diag([1.0, 0, 0])) == pytest.approx(1.0)
    X = rng.standard_normal((50, 4)) * np.array([10.0, 3.0, 1.0, 0.1])
    Z = pca_project(X, X, 2)
    from sklearn.decomposition import PCA

    ref = PCA(2).fit_transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref), atol=1e-9)  # equal up to the sign of each axis
