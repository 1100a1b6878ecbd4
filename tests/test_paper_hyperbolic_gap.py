"""Paper 04 (xmodal.papers.hyperbolic_gap) and the claims 04-1..04-5.

Losses and scores pinned to hand-computed values on tiny inputs (MERU logits = −s·d, the entailment term zero
inside the cone and π − ω behind the text, ATMG's logit signs, ties counted as misses), the heads' clamps, the
H² propositions, each claim's rule driven to every verdict it names on hand-made frames
(``test_rule_04_<k>_reaches_every_verdict``), and one acceptance test per claim on a real ``ci`` run (module-scoped
fixture) against ``tests/expected/04_hyperbolic_gap.ci.json``.
"""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from _expected import check, ci_outcomes, outcome
from xmodal.claims import Interval, decide
from xmodal.hyperbolic import lorentz as L
from xmodal.papers import hyperbolic_gap as hg
from xmodal.papers.hyperbolic_gap import verdicts as V
from xmodal.papers.hyperbolic_gap import metrics as M
from xmodal.papers.hyperbolic_gap.heads import build_heads
from xmodal.papers.hyperbolic_gap.losses import atmg_logits, centroid_loss, meru_logits

TOPIC = "04_hyperbolic_gap"
D64 = torch.float64


def on_axis(*radii, c=1.0):
    """Points exp₀(r e₁) at distance r from O along the first axis (2-D space components)."""
    return L.exp_map0(torch.tensor([[r, 0.0] for r in radii], dtype=D64), c)


# ---------------------------------------------------------------------------------------------- losses


def test_meru_logits_are_minus_scale_times_distance():
    x, y = on_axis(0.5, 1.0), on_axis(1.5, 0.2, 3.0)
    got = meru_logits(x, y, torch.tensor(2.0, dtype=D64), 1.0)
    # on one geodesic through O the distance is |r_i − r_j|
    want = -2.0 * torch.tensor([[1.0, 0.3, 2.5], [0.5, 0.8, 2.0]], dtype=D64)
    torch.testing.assert_close(got, want, atol=1e-6, rtol=0)


def test_entailment_zero_inside_the_cone_and_pi_minus_aperture_behind():
    c = 1.0
    x = on_axis(1.0, c=c)
    assert float(hg.entailment_loss(x, on_axis(2.0, c=c), c)) == pytest.approx(0.0, abs=1e-6)  # y beyond x on its ray
    behind = on_axis(0.3, c=c)  # y between O and x: ext ≈ π
    want = math.pi - math.asin(0.2 / math.sinh(1.0))  # aper = arcsin(2K/‖x_s‖), ‖x_s‖ = sinh(1) at c = 1
    assert float(hg.entailment_loss(x, behind, c)) == pytest.approx(want, abs=1e-5)
    # MERU's total = InfoNCE + 0.2 · entailment
    s = torch.tensor(1.0, dtype=D64)
    tot, parts = hg.meru_loss(x, behind, s, c, entail_weight=0.2)
    assert float(tot) == pytest.approx(float(parts["contrastive"]) + 0.2 * want, abs=1e-5)


def test_atmg_logit_signs():
    # text x_i at 0.5 on axis i, image y_i at 2.0 on the same ray: matched angles ext(x, y) = 0, ext(y, x) = π
    x = L.exp_map0(torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=D64), 1.0)
    y = L.exp_map0(torch.tensor([[2.0, 0.0], [0.0, 2.0]], dtype=D64), 1.0)
    T, I = atmg_logits(x, y, 1.0, 1.0, "code")
    assert float(T[0, 0]) == pytest.approx(0.0, abs=1e-5) and float(I[0, 0]) == pytest.approx(math.pi, abs=1e-5)
    assert (T.diagonal() > T[[0, 1], [1, 0]]).all() and (I.diagonal() > I[[0, 1], [1, 0]]).all()
    Tb, Ib = atmg_logits(x, y, 1.0, 1.0, "pi_minus_alpha")
    torch.testing.assert_close(Ib, Tb.T)
    with pytest.raises(ValueError, match="beta"):
        atmg_logits(x, y, 1.0, 1.0, "nope")


def test_pairwise_oxy_angle_matches_rowwise():
    g = torch.Generator().manual_seed(0)
    x = L.exp_map0(torch.randn(5, 3, generator=g, dtype=D64), 0.5)
    y = L.exp_map0(torch.randn(4, 3, generator=g, dtype=D64), 0.5)
    A = hg.pairwise_oxy_angle(x, y, 0.5)
    for i in range(5):
        torch.testing.assert_close(A[i], L.oxy_angle(x[i].expand(4, 3), y, 0.5))


def test_centroid_loss_of_single_points():
    x, y = on_axis(0.7), on_axis(2.5)
    assert float(centroid_loss(x, y, 1.0, p=2.0, q=0.5)) == pytest.approx(0.2 + 0.5, abs=1e-6)


def test_clip_loss_is_infonce_of_scaled_cosines():
    x = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.6, 0.8]]), dim=-1)
    y = x.clone()
    L_ = hg.clip_loss(x, y, 10.0)
    S = 10.0 * x @ y.T
    want = 0.5 * (torch.nn.functional.cross_entropy(S, torch.arange(2)) * 2)
    assert float(L_) == pytest.approx(float(want), abs=1e-6)


# ---------------------------------------------------------------------------------------------- metrics


def test_ties_count_as_misses():
    S = np.zeros((12, 12))  # more candidates than the largest k
    with pytest.warns(RuntimeWarning):
        r = M.recalls(S, S)
    assert all(v == 0.0 for v in r.values())
    assert M.strict_top1(np.zeros((4, 3)), np.array([0, 1, 2, 0])) == 0.0
    assert M.strict_top1(np.eye(3), np.arange(3)) == 1.0


def test_tree_distance_and_parent_rate():
    T = M.tree_distances([("a", "b", "c"), ("a", "b", "d"), ("a", "e")])
    np.testing.assert_array_equal(T, [[0, 2, 3], [2, 0, 3], [3, 3, 0]])
    assert M.parent_closer_rate({"a": 0.1, "b": 0.5, "c": 0.2}, [("a", "b"), ("b", "c")]) == 0.5


def test_atmg_scores_follow_the_code():
    x = L.exp_map0(torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=D64), 1.0)
    y = L.exp_map0(torch.tensor([[2.0, 0.0], [0.0, 2.0]], dtype=D64), 1.0)
    t2i, i2t = M.retrieval_scores("atmg", x, y, 1.0)
    assert t2i[0, 0] == pytest.approx(math.pi, abs=1e-5)  # ext(image, text): text between O and image
    assert i2t[0, 0] == pytest.approx(0.0, abs=1e-5)  # −ext(text, image): image on the text's ray
    assert M.recalls(t2i, i2t)["t2i_R@1"] == 1.0


# ---------------------------------------------------------------------------------------------- heads


def test_heads_init_and_clamps():
    s = hg.Settings.for_scale("ci")
    meru, atmg = build_heads("meru", 10, 6, s, 0), build_heads("atmg", 10, 6, s, 0)
    torch.testing.assert_close(meru.img_proj.weight, atmg.img_proj.weight)  # paired by seed
    assert float(meru.img_alpha().detach()) == pytest.approx(s.embed_dim ** -0.5, rel=1e-6)
    assert meru.learn_curv and not atmg.learn_curv and float(atmg.curv()) == pytest.approx(s.atmg_curv)
    with torch.no_grad():
        meru.curvature.raw.fill_(10.0)
        meru.img_alpha.raw.fill_(3.0)
    assert float(meru.curv().detach()) == pytest.approx(10.0, rel=1e-6) and float(meru.img_alpha().detach()) == pytest.approx(1.0)
    with torch.no_grad():
        meru.curvature.raw.fill_(-10.0)
    assert float(meru.curv().detach()) == pytest.approx(0.1, rel=1e-6)


def test_settings_need_three_seeds():
    with pytest.raises(ValueError, match="3 training seeds"):
        hg.Settings.for_scale("ci").with_(seeds=(0, 1))


# ---------------------------------------------------------------------------------------------- H²


def test_propositions_in_h2():
    p1 = hg.proposition1(n=4, steps=150)
    assert p1["frame_error"] < 1e-9 and p1["radius_error"] < 1e-9
    assert p1["n_outside"] >= 1 and p1["total_free"] > p1["total_cone"]
    p2 = hg.proposition2(samples=20_000, d_grid=(1.0, 3.0, 5.0, 7.0))
    np.testing.assert_allclose(p2["area_mc"], p2["area_exact"], rtol=0.08)
    assert p2["max_dist_error"] < 1e-9


# ---------------------------------------------------------------------------------------------- claims (ci run)


@pytest.fixture(scope="module")
def outcomes():
    """The ci outcomes: those notebook 04 just wrote under make test (``$XMODAL_CI_RESULTS``), else computed."""
    got = ci_outcomes(TOPIC)
    if got is not None:
        return got
    s = hg.Settings.for_scale("ci")
    res = hg.run(s, progress_bar=False)
    p1 = hg.proposition1(n=s.prop_points, steps=s.prop_steps)
    p2 = hg.proposition2(samples=s.prop_samples)
    return {o.id: o for o in hg.judge_all(res, p1, p2)}


@pytest.mark.parametrize("cid", ["04-1", "04-2", "04-3", "04-4", "04-5"])
def test_claim(outcomes, cid):
    check(TOPIC, outcome(outcomes, cid))


def _tiny_features(n=24, views=2, d_img=12, d_txt=10, seed=0):
    rng = np.random.default_rng(seed)
    split = np.array([0] * 16 + [1] * 4 + [2] * 4)
    n_txt = n * 5
    return hg.Features(img=rng.standard_normal((n * views, d_img)).astype(np.float32),
                       img_inst=np.repeat(np.arange(n), views), img_view=np.tile(np.arange(views), n),
                       txt=rng.standard_normal((n_txt, d_txt)).astype(np.float32),
                       texts=np.array([f"t{i}" for i in range(n_txt)]),
                       cap_ids=np.arange(n_txt).reshape(n, 5, 1), prompt_ids=np.zeros((2, 1), np.int64),
                       node_ids={}, edges=[], tree=np.zeros((2, 2)), labels=np.arange(n) % 2, split=split,
                       categories=("a", "b"))


def test_trained_heads_are_cached_with_their_tracks(tmp_cache, monkeypatch):
    """A second train() of the same run loads heads and history (tracks in eval_fn's column order) without
    training; another seed or curvature is another entry."""
    from xmodal.papers.hyperbolic_gap import pipeline as hp

    s = hg.Settings.for_scale("ci").with_(steps=12, batch_size=8, eval_every=4, embed_dim=4)
    feats = _tiny_features()
    a = hp.train("meru", feats, s, 0, track=True, progress_bar=False)
    monkeypatch.setattr(hp, "fit", lambda *a, **k: pytest.fail("a cached run must not train again"))
    b = hp.train("meru", feats, s, 0, track=True, progress_bar=False)
    for (k, v), (k2, w) in zip(a.heads.state_dict().items(), b.heads.state_dict().items()):
        assert k == k2 and torch.equal(v, w)
    np.testing.assert_array_equal(a.history.loss, b.history.loss)
    assert b.history.evals == a.history.evals and len(b.history.evals) == 3
    assert list(b.history.evals[0][1]) == ["pair_dist", "image_spread", "curv", "scale"]
    assert b.curv == a.curv and not b.heads.training
    for other in (dict(seed=1), dict(curv=0.5, learn_curv=False)):
        kw = {"seed": 0, **other}
        with pytest.raises(pytest.fail.Exception, match="must not train"):
            hp.train("meru", feats, s, kw.pop("seed"), track=True, progress_bar=False, **kw)


# ---------------------------------------------------------------------------------------------- rules (hand-made)
# Each rule driven to every verdict it names on hand-made frames shaped like the pipeline's: ``main`` one row per
# (method, seed), ``sweep`` one row per (method, c, seed), ``tracks`` {seed: DataFrame(pair_dist, image_spread)}.

SEEDS = (0, 1, 2)
SAME = (0.0, 0.0, 0.0)          # a paired difference of exactly 0 on every seed
UP = (0.05, 0.06, 0.055)        # clearly above 1 point (and above 0.02)
DOWN = (-0.05, -0.06, -0.055)   # clearly below
STRADDLE = (0.0, 0.03, 0.015)   # mean 1.5 points, interval about [−2.2, +5.2] points: straddles 1 point and 0.02


def _main(cols: dict) -> pd.DataFrame:
    """``cols``: {(method, metric): per-seed values} → a main frame (metrics a method lacks are NaN)."""
    rows = []
    for meth in sorted({m for m, _ in cols}):
        for i, seed in enumerate(SEEDS):
            rows.append({"method": meth, "seed": seed,
                         **{met: float(v[i]) for (m, met), v in cols.items() if m == meth}})
    return pd.DataFrame(rows)


def _retrieval(a_diff: dict, b_diff: dict | None = None) -> pd.DataFrame:
    """CLIP at 0.5 on every recall, MERU = CLIP + b_diff[met] (default 0), ATMG = MERU + a_diff[met]."""
    cols = {}
    for met in V.RETRIEVAL:
        clip = np.full(3, 0.5)
        meru = clip + np.asarray((b_diff or {}).get(met, SAME))
        atmg = meru + np.asarray(a_diff.get(met, UP))
        cols.update({("clip", met): clip, ("meru", met): meru, ("atmg", met): atmg})
    for meth in ("clip", "meru", "atmg"):
        cols[(meth, "R@5")] = 0.5 * (cols[(meth, "t2i_R@5")] + cols[(meth, "i2t_R@5")])
    return _main(cols)


def test_rule_04_1_reaches_every_verdict():
    j = lambda *a: hg.judge_retrieval(_retrieval(*a))
    assert j({}).verdict == "reproduced"                                   # every gain > 1 point, MERU = CLIP
    # A reproduced but MERU worse than CLIP beyond 1 point on one recall: B fails → partly
    assert j({}, {"i2t_R@1": DOWN}).verdict == "partly reproduced"
    # A itself partly: 4 gains hold, 2 fail
    assert j({"i2t_R@1": DOWN, "i2t_R@5": SAME}).verdict == "partly reproduced"
    # ATMG no better than MERU: an equal recall (interval [0, 0], below 1 point) now fails the gain
    o = j({met: SAME for met in V.RETRIEVAL})
    assert o.verdict == "not reproduced" and o.direction == "against"
    # the committed image→text example: ATMG − MERU in [−0.037, −0.005] excludes a 1-point gain
    m = hg.REGISTRY["04-1"].rule.m("recall")
    assert decide(Interval(-0.021, -0.037, -0.005, 3), "gain", m).holds is False
    # one gain undecided with 5 holding: reproduced or partly → inconclusive, with the seeds that would decide
    o = j({"t2i_R@1": STRADDLE})
    assert o.verdict == "inconclusive" and o.numbers["seeds_needed"] >= 3 and "seeds would decide" in o.evidence
    # B undecided (MERU − CLIP straddles −1 point) with A reproduced → inconclusive
    o = j({}, {"t2i_R@5": (-0.01, -0.04, 0.02)})
    assert o.verdict == "inconclusive" and "B undecided" in o.evidence
    # an undecided B does not matter when A is not reproduced
    assert j({met: DOWN for met in V.RETRIEVAL}, {"t2i_R@5": (-0.01, -0.04, 0.02)}).verdict == "not reproduced"
    # headline numbers: the signed differences with their intervals, keys kept
    o = j({})
    assert o.numbers["atmg_minus_meru_t2i_R@1"] == pytest.approx(0.055)
    assert o.numbers["atmg_minus_meru_t2i_R@1_lo"] < 0.055 < o.numbers["atmg_minus_meru_t2i_R@1_hi"]
    assert {"meru_minus_clip_i2t_R@10", "clip_R@5", "meru_R@5", "atmg_R@5"} <= set(o.numbers)
    assert o.ours.startswith("ATMG − MERU") and "+5.5" in o.ours


def _gap(gap, rho) -> pd.DataFrame:
    cols = {("atmg", "gap_rate"): gap, ("atmg", "level_rho"): rho, ("atmg", "d0_image"): (6.0,) * 3,
            **{("atmg", f"d0_level{lv}"): (0.5 + 0.1 * lv,) * 3 for lv in range(5)}}
    return _main(cols)


def test_rule_04_2_reaches_every_verdict():
    j = lambda g, r: hg.judge_gap(_gap(g, r))
    good_gap, good_rho = (1.0, 1.0, 1.0), (0.70, 0.72, 0.71)
    assert j(good_gap, good_rho).verdict == "reproduced"
    assert j(good_gap, (0.20, 0.22, 0.21)).verdict == "partly reproduced"
    assert j((0.50, 0.52, 0.51), (0.20, 0.22, 0.21)).verdict == "not reproduced"
    # ρ's seed interval straddles 0.5 (mean 0.55): reproduced or partly → inconclusive
    o = j(good_gap, (0.40, 0.70, 0.55))
    assert o.verdict == "inconclusive" and o.direction == "for" and o.numbers["seeds_needed"] > 3
    assert o.numbers["level_rho_lo"] < 0.5 < o.numbers["level_rho_hi"]
    assert o.ours.startswith("not comparable:")


def _track(order) -> pd.DataFrame:
    """A training track whose Spearman ρ(pair_dist, image_spread) is that of ``order`` against 1..n."""
    return pd.DataFrame({"pair_dist": np.arange(1.0, len(order) + 1), "image_spread": np.asarray(order, float)})


UP_TRACK, DOWN_TRACK = _track([1, 2, 3, 4, 5]), _track([5, 4, 3, 2, 1])
P1_OK = {"n_outside": 5, "total_free": 23.0, "total_cone": 9.6, "theta_free": np.zeros(6)}
P2_OK = {"max_rel_error": 0.01, "slope": 1.005, "sqrt_c": 1.0}


def test_rule_04_3_reaches_every_verdict():
    def j(viol=(0.9, 0.95, 1.0), tracks=(UP_TRACK,) * 3, p1=P1_OK, p2=P2_OK):
        main = _main({("meru", "cone_violation"): viol})
        return hg.judge_propositions(main, dict(zip(SEEDS, tracks)), p1, p2)

    assert j().verdict == "reproduced"
    assert j(viol=(0.01, 0.02, 0.015)).verdict == "partly reproduced"
    # the H² checks are plain true / false parts
    assert j(p1={**P1_OK, "n_outside": 0}).verdict == "partly reproduced"
    assert j(p2={**P2_OK, "slope": 1.3}).verdict == "partly reproduced"
    nothing = j(viol=(0.01, 0.02, 0.015), tracks=(DOWN_TRACK,) * 3, p1={**P1_OK, "total_free": 1.0},
                p2={**P2_OK, "max_rel_error": 0.2})
    assert nothing.verdict == "not reproduced"
    # the violation rate's seed interval straddles 0.1: reproduced or partly → inconclusive
    o = j(viol=(0.05, 0.20, 0.12))
    assert o.verdict == "inconclusive" and o.numbers["seeds_needed"] > 3
    # per-seed spread ρ of 1.0, 0.6, 0.3: its interval straddles 0.5 → inconclusive
    rho = hg.judge_propositions(_main({("meru", "cone_violation"): (0.9, 0.95, 1.0)}),
                                dict(zip(SEEDS, (UP_TRACK, _track([3, 1, 2, 5, 4]), _track([4, 2, 1, 3, 5])))),
                                P1_OK, P2_OK)
    assert rho.verdict == "inconclusive"
    assert rho.numbers["spread_rho"] == pytest.approx((1.0 + 0.6 + 0.3) / 3)
    assert rho.ours.startswith("not comparable:")


def _sweep(meru_drop, atmg_drop) -> pd.DataFrame:
    rows = []
    for meth, drop in (("meru", meru_drop), ("atmg", atmg_drop)):
        for i, seed in enumerate(SEEDS):
            rows.append({"method": meth, "c": 0.1, "seed": seed, "R@5": 0.8})
            rows.append({"method": meth, "c": 10.0, "seed": seed, "R@5": 0.8 - drop[i]})
    return pd.DataFrame(rows)


def test_rule_04_4_reaches_every_verdict():
    j = lambda a, b: hg.judge_curvature(_sweep(a, b))
    assert j(UP, SAME).verdict == "reproduced"               # MERU drops 5.5 points, ATMG not at all
    assert j(UP, UP).verdict == "partly reproduced"          # both drop
    assert j(SAME, SAME).verdict == "partly reproduced"      # neither drops
    o = j(SAME, UP)                                          # MERU keeps its recall, ATMG drops
    assert o.verdict == "not reproduced" and o.direction == "against"
    # ATMG's drop straddles 1 point: reproduced or partly → inconclusive (a wide interval is no robustness)
    o = j(UP, STRADDLE)
    assert o.verdict == "inconclusive" and o.numbers["seeds_needed"] > 3
    assert o.numbers["atmg_drop_lo"] < 0.01 < o.numbers["atmg_drop_hi"]
    assert {"meru_R@5_cmin", "meru_R@5_cmax", "meru_drop", "atmg_R@5_cmin", "atmg_R@5_cmax"} <= set(o.numbers)
    assert o.ours.startswith("drop of R@5")


def _hierarchy(diffs) -> pd.DataFrame:
    cols = {}
    for met, d in zip(V.HIERARCHY, diffs):
        cols[("meru", met)] = np.full(3, 0.3)
        cols[("atmg", met)] = 0.3 + np.asarray(d)
    return _main(cols)


def test_rule_04_5_reaches_every_verdict():
    j = lambda *d: hg.judge_hierarchy(_hierarchy(d))
    assert j(UP, UP, UP).verdict == "reproduced"
    assert j(UP, UP, DOWN).verdict == "partly reproduced"
    o = j(UP, SAME, DOWN)                                    # an equal score fails a 0.02 gain
    assert o.verdict == "not reproduced"
    o = j(UP, UP, STRADDLE)
    assert o.verdict == "inconclusive" and o.numbers["seeds_needed"] > 3
    assert o.numbers["atmg_minus_meru_parent_closer_lo"] < 0.02 < o.numbers["atmg_minus_meru_parent_closer_hi"]
    assert o.ours.startswith("ATMG − MERU")


def test_rules_read_the_registered_values():
    """The verdict code reads the registry: moving a margin moves the verdict."""
    from dataclasses import replace

    from xmodal.claims import Margin

    claim = hg.REGISTRY["04-5"]
    assert claim.rule.m("hierarchy") == 0.02 and "0.02" in claim.rule.text
    big = replace(claim.rule, margins=(Margin("hierarchy", 0.1, "of a Spearman ρ or a rate", "a test value"),))
    orig = hg.REGISTRY.claims["04-5"]
    try:
        hg.REGISTRY.claims["04-5"] = replace(claim, rule=big)
        assert hg.judge_hierarchy(_hierarchy((UP, UP, UP))).verdict == "not reproduced"  # 5.5 < 10 points
    finally:
        hg.REGISTRY.claims["04-5"] = orig


def test_first_cell_lists_every_deviation():
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "04_hyperbolic_gap.ipynb").read_text())
    first = "".join(nb["cells"][0]["source"])
    missing = [d[:40] for d in hg.DEVIATIONS if d not in first]
    assert not missing, f"the first cell must list paper.DEVIATIONS; missing: {missing}"
