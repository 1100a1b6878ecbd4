"""The plateau rule of xmodal.train.fit: stop when the monitored validation metric stops improving,
restore the best parameters; off by default (backward compatible)."""
import numpy as np
import pytest
import torch

from xmodal.train import History, TrainConfig, fit, plateau_stop


def test_plateau_rule_on_hand_made_values():
    assert plateau_stop([5, 4, 3, 2], patience=2) == (False, 3)
    assert plateau_stop([5, 4, 4.5, 4.2], patience=2) == (True, 1)  # two evaluations without improvement
    assert plateau_stop([5, 4, 4.5, 3.9], patience=2) == (False, 3)
    # an improvement must exceed min_delta to count
    assert plateau_stop([5, 4, 3.95, 3.92], patience=2, min_delta=0.1) == (True, 1)
    assert plateau_stop([5, 6, 7, 8], patience=0) == (False, 0)  # patience 0: never stops
    with pytest.raises(ValueError, match="at least one"):
        plateau_stop([], 2)
    with pytest.raises(ValueError, match="finite"):
        plateau_stop([1.0, float("nan")], 2)


def _quadratic(target: float, steps=200, patience=0, eval_every=0, restore_best=True):
    """One parameter x, train loss (x − 1)², 'validation' loss (x − target)²: the validation optimum is
    passed on the way to the training optimum when target lies between the start 0 and 1."""
    x = torch.nn.Parameter(torch.zeros(()))
    cfg = TrainConfig(steps=steps, lr=0.02, warmup=1, eval_every=eval_every, patience=patience,
                      restore_best=restore_best)
    hist = fit([x], lambda _b, _s: (x - 1.0) ** 2, cfg, eval_fn=lambda _s: {"loss": float((x - target) ** 2)},
               progress_bar=False)
    return x, hist


def test_fit_stops_on_the_validation_plateau_and_restores_the_best():
    x, hist = _quadratic(0.3, patience=3, eval_every=5)
    assert hist.stopped and len(hist.loss) < 200 and len(hist.lr) == len(hist.loss)
    steps = [s for s, _ in hist.evals]
    vals = [m["loss"] for _, m in hist.evals]
    assert hist.best_step == steps[int(np.argmin(vals))]
    assert len(hist.loss) == steps[-1] == hist.best_step + 3 * 5  # exactly `patience` evaluations past the best
    # the parameters are those of the best evaluation: their validation loss equals the best one
    assert float((x.detach() - 0.3) ** 2) == pytest.approx(min(vals), abs=1e-7)
    # without restoring, the last parameters stay
    y, h2 = _quadratic(0.3, patience=3, eval_every=5, restore_best=False)
    assert h2.best_step == hist.best_step and float((y.detach() - 0.3) ** 2) > min(vals)


def test_fit_without_patience_is_unchanged_and_deterministic():
    x, hist = _quadratic(2.0, patience=0, eval_every=5)
    assert not hist.stopped and hist.best_step is None and len(hist.loss) == 200
    x2, hist2 = _quadratic(2.0, patience=0, eval_every=5)
    np.testing.assert_array_equal(hist.loss, hist2.loss)
    assert float(x.detach()) == float(x2.detach())
    # a validation loss that keeps improving never triggers the stop
    _, h3 = _quadratic(2.0, patience=2, eval_every=5)
    assert not h3.stopped and len(h3.loss) == 200 and h3.best_step == 200


def test_history_round_trip_keeps_the_plateau_fields():
    _, hist = _quadratic(0.3, patience=3, eval_every=5)
    back = History.from_arrays(hist.as_arrays("h."), "h.")
    assert back.best_step == hist.best_step and back.stopped
    np.testing.assert_array_equal(back.loss, hist.loss)


def test_plateau_settings_are_checked():
    with pytest.raises(ValueError, match="eval_every"):
        TrainConfig(steps=10, patience=2)
    with pytest.raises(ValueError, match="patience"):
        TrainConfig(steps=10, patience=-1, eval_every=2)
    with pytest.raises(ValueError, match="min_delta"):
        TrainConfig(steps=10, patience=1, eval_every=2, min_delta=-0.1)
    x = torch.nn.Parameter(torch.zeros(()))
    with pytest.raises(ValueError, match="eval_fn"):
        fit([x], lambda _b, _s: x ** 2, TrainConfig(steps=10, patience=1, eval_every=2), progress_bar=False)
    with pytest.raises(KeyError, match="monitor"):
        fit([x], lambda _b, _s: x ** 2, TrainConfig(steps=10, patience=1, eval_every=2, monitor="val"),
            eval_fn=lambda _s: {"loss": 1.0}, progress_bar=False)


def _linear_run(calls):
    """make / train closures of a seeded 3 → 2 linear least-squares fit whose eval_fn names metrics out of
    alphabetical order; ``calls`` counts the trainings."""
    from xmodal.seed import make_torch_generator, seeded_init

    X = torch.linspace(-1, 1, 24).reshape(8, 3)
    Y = X @ torch.tensor([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])

    def make():
        with seeded_init(0, "test", "cached"):
            return [torch.nn.Linear(3, 2), torch.nn.Linear(2, 2)]

    def train(mods):
        calls.append(1)
        a, b = mods
        return fit(mods, lambda batch, _s: ((b(a(X[batch])) - Y[batch]) ** 2).mean(),
                   TrainConfig(steps=30, batch_size=4, lr=0.05, eval_every=10), n_items=8,
                   generator=make_torch_generator(0, "test", "batches"),
                   eval_fn=lambda s: {"zeta": float(s), "alpha": -float(s)}, progress_bar=False)

    return make, train


def test_cached_training_loads_what_it_trained(tmp_cache):
    from xmodal.train import cached_training

    calls = []
    make, train = _linear_run(calls)
    kw = dict(prefix=("a:", "b:"), hist_prefix="h:", extra=lambda m, h: {"n_evals": np.asarray(len(h.evals))})
    m1, h1, arr1 = cached_training("unit_cached", {"k": 1}, make, train, **kw)
    m2, h2, arr2 = cached_training("unit_cached", {"k": 1}, make, train, **kw)
    assert len(calls) == 1  # the second call loads the entry
    assert int(arr2["n_evals"]) == 3 and set(arr1) == set(arr2)
    for a, b in zip(m1, m2):
        assert not b.training
        for (k, v), (k2, w) in zip(a.state_dict().items(), b.state_dict().items()):
            assert k == k2 and torch.equal(v, w)
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1.lr, h2.lr)
    assert h2.evals == h1.evals and list(h2.evals[0][1]) == ["zeta", "alpha"]  # eval_fn's order, not sorted
    # another key trains again; cache=False trains without writing
    cached_training("unit_cached", {"k": 2}, make, train, **kw)
    cached_training("unit_cached", {"k": 3}, make, train, cache=False, **kw)
    assert len(calls) == 3 and len(list((tmp_cache / "unit_cached").glob("*.npz"))) == 2
    with pytest.raises(ValueError, match="prefixes"):
        cached_training("unit_cached", {"k": 4}, make, train, prefix="w.")


def _scripted(values, lr_drops, patience=2, eval_every=5, steps=200, lr=0.02, factor=0.1):
    """fit with a 'validation loss' read from ``values`` (one per evaluation, then constant at the last one)."""
    x = torch.nn.Parameter(torch.zeros(()))
    seen = []

    def eval_fn(_s):
        seen.append(len(seen))
        return {"loss": float(values[min(len(seen) - 1, len(values) - 1)])}

    cfg = TrainConfig(steps=steps, lr=lr, warmup=1, eval_every=eval_every, patience=patience, lr_drops=lr_drops,
                      lr_factor=factor)
    return fit([x], lambda _b, _s: (x - 1.0) ** 2, cfg, eval_fn=eval_fn, progress_bar=False)


def test_reduce_on_plateau_drops_the_lr_at_each_plateau_then_stops():
    # evaluations at steps 5, 10, ...: a plateau (patience 2) at e4 -> drop; counted again from e4: a new best at
    # e5 (3.9), a plateau at e7 -> drop; from e7: e8, e9 do not improve on e7 -> the 3rd plateau ends the run
    vals = [5.0, 4.0, 4.5, 4.2, 3.9, 4.0, 4.1, 4.15, 4.1]
    h = _scripted(vals, lr_drops=2)
    assert h.stopped and len(h.loss) == 9 * 5 and [s for s, _ in h.evals] == [5 * k for k in range(1, 10)]
    assert h.best_step == 25  # the global best (3.9 at e5) is the one restored
    lr = np.asarray(h.lr)
    np.testing.assert_allclose(lr[1:20], 0.02)  # constant after the 1-step warm-up, no cosine
    np.testing.assert_allclose(lr[20:35], 0.002)  # after the plateau at step 20 (e4)
    np.testing.assert_allclose(lr[35:], 0.0002)  # after the plateau at step 35 (e7)
    # with one drop allowed the second plateau (e7) ends the run; with none the first (e4) does
    h1 = _scripted(vals, lr_drops=1)
    assert h1.stopped and len(h1.loss) == 35 and h1.best_step == 25
    h0 = _scripted(vals, lr_drops=0)
    assert h0.stopped and len(h0.loss) == 20 and h0.best_step == 10


def test_reduce_on_plateau_keeps_the_cap_and_the_cosine_is_untouched_without_it():
    # a loss that improves at every evaluation never plateaus: the run goes to the cap at the first lr
    h = _scripted([10.0 - k for k in range(100)], lr_drops=2, steps=60)
    assert not h.stopped and len(h.loss) == 60 and np.allclose(np.asarray(h.lr)[1:], 0.02)
    # lr_drops = 0 is the cosine schedule, step for step
    from xmodal.train import get_lr

    cfg = TrainConfig(steps=50, lr=0.02, warmup=1, eval_every=5, patience=2)
    h0 = _scripted([5.0 - 0.1 * k for k in range(20)], lr_drops=0, steps=50)
    np.testing.assert_array_equal(h0.lr, [get_lr(t, 50, cfg) for t in range(50)])


def test_reduce_on_plateau_settings_are_checked():
    with pytest.raises(ValueError, match="needs patience"):
        TrainConfig(steps=10, eval_every=2, lr_drops=1)
    with pytest.raises(ValueError, match="lr_drops"):
        TrainConfig(steps=10, eval_every=2, patience=1, lr_drops=-1)
    with pytest.raises(ValueError, match="lr_factor"):
        TrainConfig(steps=10, eval_every=2, patience=1, lr_drops=1, lr_factor=1.0)
