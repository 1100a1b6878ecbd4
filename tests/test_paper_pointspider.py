"""Paper 03 (PointSpider): mapping-network structure, Double Roulette, the Mitsuba backend, one test per claim."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import _expected
from xmodal.align.metrics import topk_accuracy
from xmodal.papers import pointspider as ps
from xmodal.papers.pointspider.mapping import _LRN

TOPIC = "03_pointspider"


# ------------------------------------------------------------------------------------------- MappingNet
@pytest.mark.parametrize("variant,norm", [("base", nn.Identity), ("lnorm", nn.LayerNorm), ("rnorm", _LRN)])
def test_mapping_structure(variant, norm):
    net = ps.MappingNet(variant, in_dim=1024, out_dim=1024)
    lin = [b[0] for b in net.blocks] + [net.out]
    assert [(l.in_features, l.out_features) for l in lin] == [(1024, 2048), (2048, 4096), (4096, 8192),
                                                              (8192, 4096), (4096, 2048), (2048, 1024)]
    assert [type(b[2]) for b in net.blocks] == [nn.PReLU, nn.PReLU, nn.Tanh, nn.Tanh, nn.Tanh]
    assert all(isinstance(b[1], norm) for b in net.blocks)  # every block but the last (plain linear)
    assert all(isinstance(b[3], nn.Dropout) and b[3].p == 0.2 for b in net.blocks)
    assert isinstance(net.out, nn.Linear)
    if variant == "rnorm":
        assert net.blocks[0][1].lrn.size == 1


def test_mapping_small_widths_and_errors():
    net = ps.MappingNet("lnorm", 16, 4, widths=(8, 16, 32, 16, 8))
    assert net(torch.zeros(3, 16)).shape == (3, 4)
    assert ps.paper_widths(1024) == (2048, 4096, 8192, 4096, 2048)
    with pytest.raises(ValueError, match="base"):
        ps.MappingNet("bnorm")
    with pytest.raises(ValueError, match="5 positive"):
        ps.MappingNet("base", widths=(8, 16))


def test_mapping_runs_are_cached_with_their_best_step(tmp_cache, monkeypatch):
    """A second train_mapping of the same run loads the best-validation weights, history and best step without
    training; other data is another entry."""
    from xmodal.papers.pointspider import mapping

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 16)).astype(np.float32), rng.standard_normal((40, 4)).astype(np.float32)
    s = ps.Settings.for_scale("ci").with_(map_widths=(8, 16, 32, 16, 8), map_epochs=6, map_batch=8, eval_every=5)
    net, hist, best = ps.train_mapping("lnorm", x[:30], y[:30], x[30:], y[30:], s, 0, progress_bar=False)
    vals = [m["val_l1"] for _, m in hist.evals]
    assert best == hist.evals[int(np.argmin(vals))][0]
    monkeypatch.setattr("xmodal.train.fit", lambda *a, **k: pytest.fail("a cached run must not train again"))
    net2, hist2, best2 = mapping.train_mapping("lnorm", x[:30], y[:30], x[30:], y[30:], s, 0, progress_bar=False)
    assert best2 == best and hist2.evals == hist.evals and not net2.training
    for (k, v), (k2, w) in zip(net.state_dict().items(), net2.state_dict().items()):
        assert k == k2 and torch.equal(v, w)
    with torch.no_grad():  # the kept weights are the best evaluation's: their val L1 is the minimum
        assert float(torch.nn.functional.l1_loss(net2(torch.as_tensor(x[30:])), torch.as_tensor(y[30:]))) == min(vals)
    with pytest.raises(pytest.fail.Exception, match="must not train"):
        mapping.train_mapping("lnorm", x[:30], y[:30] + 1, x[30:], y[30:], s, 0, progress_bar=False)


def test_mapping_runs_in_the_pool_give_the_bits_of_serial_runs_in_any_order(tmp_path, monkeypatch):
    """train_mappings trains the 3 variants × 3 seeds side by side (2 processes, inputs sent once per worker) with
    the bits of serial train_mapping runs made in the reverse order (no run depends on another), whatever the
    caller's threads; the result is keyed (variant, seed) in VARIANTS × map_seeds order."""
    from xmodal import runtime
    from xmodal.papers.pointspider import mapping

    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((40, 16)).astype(np.float32), rng.standard_normal((40, 4)).astype(np.float32)
    s = ps.Settings.for_scale("ci").with_(map_widths=(8, 16, 32, 16, 8), map_epochs=3, map_batch=8, eval_every=5)
    jobs = [(v, sd) for v in mapping.VARIANTS for sd in s.map_seeds]
    monkeypatch.setenv("XMODAL_CACHE", str(tmp_path / "serial"))
    with runtime.use("ci"):
        serial = {j: mapping.train_mapping(j[0], x[:30], y[:30], x[30:], y[30:], s, j[1], progress_bar=False)
                  for j in reversed(jobs)}
    monkeypatch.setenv("XMODAL_CACHE", str(tmp_path / "pool"))
    prev = torch.get_num_threads()
    torch.set_num_threads(2)  # a caller outside the scale's policy
    try:
        pooled = mapping.train_mappings(x[:30], y[:30], x[30:], y[30:], s, progress_bar=False, workers=2)
    finally:
        torch.set_num_threads(prev)
    assert list(pooled) == jobs
    for j in jobs:
        (n1, h1, b1), (n2, h2, b2) = serial[j], pooled[j]
        assert b1 == b2 and np.array_equal(h1.loss, h2.loss) and h1.evals == h2.evals and len(h1.loss) == 9
        for (k, v), (k2, w) in zip(n1.state_dict().items(), n2.state_dict().items()):
            assert k == k2 and torch.equal(v, w)
    assert not np.array_equal(pooled[jobs[0]][1].loss, pooled[jobs[1]][1].loss)  # seeds differ
    monkeypatch.setattr("xmodal.train.fit", lambda *a, **k: pytest.fail("a cached run must not train again"))
    mapping.train_mappings(x[:30], y[:30], x[30:], y[30:], s, progress_bar=False, workers=2)


# ------------------------------------------------------------------------------------------ classifiers
def test_classifiers_share_one_recipe_and_the_pool_gives_the_serial_bits(tmp_path, monkeypatch):
    """train_classifiers trains PointNet and mini-PointBERT side by side (2 processes) with the bits of serial
    runs; each encoder is its own cache entry with its own sizes, and a rerun loads instead of training. The bits
    do not depend on the caller's threads: train_classifiers runs under the scale's policy like its workers (a
    caller with two threads used to miss the workers' entries, whose cache key holds the thread count, and train
    every encoder again itself, with other bits)."""
    from xmodal import runtime
    from xmodal.encoders.pointcloud import PointBERT, PointNet

    rng = np.random.default_rng(0)
    pts, y = rng.standard_normal((24, 64, 3)).astype(np.float32), np.repeat(np.arange(3), 8)
    s = ps.Settings.for_scale("ci").with_(pn_widths=(8, 16, 32), feat_dim=16, pn_epochs=1, pn_batch=8, pn_points=32,
                                          bert_groups=4, bert_group_size=8, bert_width=16, bert_depth=1, bert_heads=2)
    assert s.encoders == ("pointnet", "pointbert")
    monkeypatch.setenv("XMODAL_CACHE", str(tmp_path / "serial"))
    with runtime.use("ci"):
        serial = {a: ps.train_classifier(pts, y, 3, s, progress_bar=False, arch=a) for a in s.encoders}
    monkeypatch.setenv("XMODAL_CACHE", str(tmp_path / "pool"))
    prev = torch.get_num_threads()
    torch.set_num_threads(2)  # a caller outside the scale's policy
    try:
        pooled = ps.train_classifiers(pts, y, 3, s, progress_bar=False, workers=2)
    finally:
        torch.set_num_threads(prev)
    assert list(pooled) == list(s.encoders)
    for a in s.encoders:
        (m1, h1), (m2, h2) = serial[a], pooled[a]
        assert len(h1.loss) == 3  # 24 clouds / batch 8, one epoch
        assert np.array_equal(h1.loss, h2.loss)
        for (k, v), (k2, w) in zip(m1.state_dict().items(), m2.state_dict().items()):
            assert k == k2 and torch.equal(v, w)
    pn, pb = pooled["pointnet"][0], pooled["pointbert"][0]
    assert isinstance(pn.encoder, PointNet) and isinstance(pb.encoder, PointBERT)
    assert (pb.encoder.n_groups, pb.encoder.group_size, pb.encoder.width, len(pb.encoder.blocks.layers)) == (4, 8, 16, 1)
    x = torch.as_tensor(pts[:2])
    assert pn.features(x).shape == pb.features(x).shape == (2, 16) and pb(x).shape == (2, 3)
    monkeypatch.setattr("xmodal.papers.pointspider.pipeline.fit",
                        lambda *a, **k: pytest.fail("a cached classifier must not train again"))
    again = ps.train_classifiers(pts, y, 3, s, progress_bar=False, workers=2)
    assert np.array_equal(again["pointbert"][1].loss, h2.loss)
    with pytest.raises(pytest.fail.Exception, match="must not train"):  # other sizes: another entry
        ps.train_classifiers(pts, y, 3, s.with_(bert_width=8), progress_bar=False, workers=1)


def test_leaderboard_has_one_row_per_encoder_and_the_encoders_are_checked():
    import pandas as pd

    t = pd.DataFrame({"corruption": ["clean", "gaussian", "gaussian"], "group": ["clean", "noise", "noise"],
                      "severity": [0, 1, 2], "error": [0.1, 0.3, 0.5], "n": 10})
    lb = ps.leaderboard({"pointnet": t, "pointbert": t.assign(error=[0.2, 0.2, 0.4])}, train_loss={"pointbert": 1.5})
    ours = lb[lb["source"] == "ours (world)"]
    assert list(ours["model"]) == ["PointNet (world, ours)", "mini-PointBERT (world, ours)"]
    np.testing.assert_allclose(ours["mCE (%)"], [40.0, 30.0])  # the mean over the corrupted variants only
    np.testing.assert_allclose(ours["clean error (%)"], [10.0, 20.0])
    np.testing.assert_array_equal(ours["train loss (last epoch)"], [np.nan, 1.5])
    assert (lb["source"] == "ModelNet40-C paper").sum() == len(ps.LEADERBOARD)
    assert list(ps.leaderboard(t)["model"][:1]) == ["PointNet (world, ours)"]  # one table: PointNet's, as before
    for bad in (("pointbert",), ("pointnet", "pointnet"), ("pointnet", "pointmlp")):
        with pytest.raises(ValueError, match="must start with 'pointnet'"):
            ps.Settings.for_scale("ci").with_(encoders=bad)
    with pytest.raises(ValueError, match="unknown 3D architecture"):
        ps.Settings.for_scale("ci").encoder_kwargs("pointmlp")


# ------------------------------------------------------------------------------------- Double Roulette
def test_double_roulette_properties():
    labels = np.repeat(np.arange(40), 3)[np.random.default_rng(1).permutation(120)]
    idx, var = ps.double_roulette(labels, 76, np.random.default_rng(0))
    assert idx.shape == var.shape == (40,)
    assert (labels[idx] == np.arange(40)).all()  # one object per class, in class order
    assert var.min() >= 0 and var.max() <= 75
    idx2, var2 = ps.double_roulette(labels, 76, np.random.default_rng(0))
    assert (idx == idx2).all() and (var == var2).all()  # seeded
    with pytest.raises(ValueError):
        ps.double_roulette(labels, 0, np.random.default_rng(0))


def test_double_roulette_uniform():
    labels = np.repeat(np.arange(4), 3)
    rng = np.random.default_rng(0)
    draws = [ps.double_roulette(labels, 5, rng) for _ in range(6000)]
    obj = np.stack([d[0] for d in draws])  # (draws, 4)
    var = np.stack([d[1] for d in draws]).ravel()
    counts = np.bincount(obj[:, 0], minlength=3)  # class 0's objects 0..2
    assert np.allclose(counts / 6000, 1 / 3, atol=0.03)
    assert np.allclose(np.bincount(var, minlength=5) / len(var), 0.2, atol=0.02)


def test_zeroshot_topk_matches_topk_accuracy():
    S = np.random.default_rng(0).normal(size=(40, 40))
    for k in (1, 3):
        assert ps.zeroshot_topk(S, np.arange(40), k) == topk_accuracy(S, k)
    assert ps.zeroshot_topk(np.zeros((2, 3)), [0, 1], 1) == 0.0  # ties count as misses


# ----------------------------------------------------------------------------------------------- Mitsuba
def test_mitsuba_render_smoke():
    pytest.importorskip("mitsuba")
    from xmodal.world import render

    pts = np.random.default_rng(0).normal(size=(64, 3)) * 0.3
    r = render(pts, resolution=16, views=[0], backend="mitsuba", spp=2)
    n = render(pts, resolution=16, views=[0])
    assert r.rgb.shape == (1, 16, 16, 3) and r.rgb.dtype == np.uint8
    assert (r.rgb < 250).any() and (r.rgb[0, 0, 0] == 255).all()  # object drawn, white background
    np.testing.assert_array_equal(r.depth, n.depth)  # depth: the project's z-buffer of the same spheres


# ------------------------------------------------------------------------------------------------ claims
@pytest.fixture(scope="module")
def outcomes():
    """The ci outcomes: those notebook 03 just wrote under make test (``$XMODAL_CI_RESULTS``), else computed."""
    got = _expected.ci_outcomes(TOPIC)
    if got is not None:
        return got
    s = ps.Settings.for_scale("ci")
    st = ps.load(s, progress_bar=False)
    for stage in (ps.classify, ps.zeroshot_study, ps.mapping_study):
        st = stage(st, progress_bar=False)
    st = ps.speed_study(st)
    return {o.id: o for o in ps.judge_all(st)}


@pytest.mark.parametrize("cid", ["03-1", "03-2", "03-3"])
def test_claim(outcomes, cid):
    _expected.check(TOPIC, _expected.outcome(outcomes, cid))


def test_claim_03_4(outcomes):
    """A wall-clock timing, so machine dependent: which Mitsuba variants exist (llvm needs libLLVM 19) and how
    fast they are. Not pinned to the expectation file; checked against what holds on any machine instead."""
    o = _expected.outcome(outcomes, "03-4")
    assert o.numbers["ratio_project_scalar"] > 10  # the z-buffer splats are orders of magnitude faster
    llvm = o.numbers.get("ratio_llvm_scalar")
    want = "reproduced" if llvm is None or llvm > 1 else "partly reproduced"
    assert o.verdict == want, o.evidence


# ------------------------------------------------------------------------------- rules on hand-made data
def _roulette_state(top1: dict, mesh: dict) -> dict:
    """A 03-1 ``st``: per model its Double Roulette top-1 over redraws and its top-1 on clean mesh renders."""
    return {"roulette": {m: {"top1": np.asarray(x, float), "top3": np.asarray(x, float)} for m, x in top1.items()},
            "zs_rows": {m: {"clean mesh renders, test split": (v, v)} for m, v in mesh.items()}}


def test_rule_03_1_reaches_every_verdict():
    rng = np.random.default_rng(0)
    a = 0.30 + rng.uniform(-0.02, 0.02, 1000)            # a narrow redraw range around 0.30
    near = a + rng.uniform(-0.02, 0.02, 1000)            # a second model within ±0.02 of the first on every draw
    judge = lambda top1, mesh: ps.judge_zeroshot(_roulette_state(top1, mesh))
    # weak (mesh 0.3 above the whole range) and a clear difference (0.25 apart on every draw)
    o = judge({"a": a, "b": a - 0.25}, {"a": 0.6, "b": 0.4})
    assert o.verdict == "reproduced", o.evidence
    # weak, but every pair's difference inside ±0.05: the spread part fails
    o = judge({"a": a, "b": near}, {"a": 0.6, "b": 0.6})
    assert o.verdict == "partly reproduced", o.evidence
    # not weak (mesh level with the redraws) and no clear difference
    o = judge({"a": a, "b": near}, {"a": 0.3, "b": 0.3})
    assert o.verdict == "not reproduced", o.evidence
    # weak, and the difference range straddles the band (0 to 0.10): undecided, and more seeds cannot decide it
    o = judge({"a": a, "b": a - rng.uniform(0.0, 0.10, 1000)}, {"a": 0.6, "b": 0.6})
    assert o.verdict == "inconclusive", o.evidence
    assert "more seeds cannot decide it" in o.evidence and "larger pool of objects per class" in o.evidence
    assert np.isnan(o.numbers["seeds_needed"])
    # one model: no spread to test
    assert judge({"a": a}, {"a": 0.6}).verdict == "not testable"
    assert o.numbers["first_top1_spread"] == pytest.approx(abs(o.numbers["first_top1_max"] - o.numbers["first_top1_min"]))


def _l1div_state(base, lnorm, rnorm) -> dict:
    import pandas as pd

    rows = [{"variant": v, "seed": s, "L1DIV": float(x)} for v, xs in (("base", base), ("lnorm", lnorm), ("rnorm", rnorm))
            for s, x in enumerate(xs)]
    return {"l1div": pd.DataFrame(rows)}


def test_rule_03_2_reaches_every_verdict():
    base = np.array([1.50, 1.53, 1.51])
    jit = np.array([0.004, -0.003, 0.001])
    judge = lambda b, l, r: ps.judge_mapping(_l1div_state(b, l, r))
    o = judge(base, base + 2.5 + jit, base + 0.02 - jit)             # the paper's picture
    assert o.verdict == "reproduced", o.evidence
    assert o.numbers["ratio_lnorm_base"] == pytest.approx((base + 2.5 + jit).mean() / base.mean())
    assert "LNORM / BASE" in o.ours and "RNORM / BASE" in o.ours
    o = judge(base, base + 2.5 + jit, base + 1.0 - jit)              # LNORM best, but RNORM far from BASE
    assert o.verdict == "partly reproduced", o.evidence
    o = judge(base, base - 0.5 + jit, base + 1.0 - jit)              # LNORM worse; BASE far from RNORM
    assert o.verdict == "not reproduced", o.evidence
    # LNORM ahead by about the margin, the intervals straddle it: more seeds could decide
    o = judge(base, base + np.array([0.0, 0.2, 0.1]), base + 0.01 - jit)
    assert o.verdict == "inconclusive", o.evidence
    assert o.numbers["seeds_needed"] > 3 and "seeds would decide" in o.evidence
    for key in ("diff_lnorm_base", "diff_base_rnorm"):
        assert o.numbers[f"{key}_lo"] < o.numbers[key] < o.numbers[f"{key}_hi"]
    # a wide BASE − RNORM interval is no evidence that they are close (the old rule accepted it)
    o = judge(base, base + 2.5 + jit, base + np.array([0.3, -0.3, 0.0]))
    assert o.verdict == "inconclusive", o.evidence


def _usefulness_state(ret: dict, clean, sev5: dict, Q=100, C=10, gallery=40) -> dict:
    """A 03-3 ``st``: per-seed clean retrieval / zero-shot, and per-seed R@5 on the corruption set (clean, and each
    group at severity 5)."""
    import pandas as pd

    seeds = range(len(clean))
    retrieval = pd.DataFrame([{"seed": s, **{k: float(v[s]) for k, v in ret.items()}} for s in seeds])
    rob = [{"seed": s, "corruption": "clean", "group": "clean", "severity": 0, "R@5": float(clean[s])} for s in seeds]
    rob += [{"seed": s, "corruption": f"{g}-x", "group": g, "severity": sev, "R@5": float(v[s])}
            for g, v in sev5.items() for s in seeds for sev in (1, 5)]
    return {"retrieval": retrieval, "robustness": pd.DataFrame(rob), "map_sizes": {"test": Q}, "n_classes": C,
            "n_gallery": gallery}


def test_rule_03_3_reaches_every_verdict():
    jit = np.array([0.01, -0.01, 0.0])
    good = {"R@1": 0.2 + jit, "R@5": 0.5 + jit, "R@10": 0.7 + jit, "zero-shot top-1": 0.5 + jit}  # chance .01/.05/.1/.1
    clean = 0.8 + jit
    chance5 = 5 / 40
    kept = lambda share: chance5 + np.asarray(share) * (clean - chance5)  # R@5 keeping this share of clean's margin
    groups = lambda noise: {"noise": kept(noise), "transform": kept([0.7, 0.72, 0.71]), "density": kept([0.6, 0.62, 0.61])}
    judge = lambda ret, sev5, c=clean: ps.judge_usefulness(_usefulness_state(ret, c, sev5))
    o = judge(good, groups([0.7, 0.71, 0.69]))
    assert o.verdict == "reproduced", o.evidence
    assert o.ours.startswith("not comparable: qualitative in the paper")
    o = judge({**good, "zero-shot top-1": 0.12 + jit}, groups([0.7, 0.71, 0.69]))   # zero-shot below 2x chance
    assert o.verdict == "partly reproduced", o.evidence
    bad = {"R@1": 0.01 + jit / 10, "R@5": 0.05 + jit, "R@10": 0.1 + jit, "zero-shot top-1": 0.1 + jit}
    o = judge(bad, {g: kept([0.05, 0.06, 0.04]) for g in ("noise", "transform", "density")})
    assert o.verdict == "not reproduced", o.evidence
    o = judge(good, groups([0.15, 0.35, 0.30]))                       # one group's share straddles 25 %
    assert o.verdict == "inconclusive", o.evidence
    assert o.numbers["keep_noise_lo"] < 0.25 < o.numbers["keep_noise_hi"] and o.numbers["seeds_needed"] >= 3
    # no margin over chance on clean clouds: nothing to keep, the graceful part fails
    o = judge(good, {g: np.full(3, chance5) for g in ("noise", "transform", "density")}, c=np.full(3, chance5))
    assert o.verdict == "partly reproduced", o.evidence


def test_rule_03_4_reaches_every_verdict():
    import pandas as pd

    rule = ps.REGISTRY["03-4"].rule
    assert "inconclusive" in rule.unreachable and "Cannot return: inconclusive" in rule.full_text
    speed = lambda **r: {"speed": pd.DataFrame([{"variant": k.replace("_", " ") if k == "project_renderer" else k,
                                                 "renders/s": v} for k, v in r.items()])}
    o = ps.judge_speed(speed(project_renderer=100.0, scalar_rgb=1.0, llvm_ad_rgb=1.3))
    assert o.verdict == "reproduced" and "llvm / scalar = 1.30×" in o.ours and "1.28×" in o.ours
    assert ps.judge_speed(speed(project_renderer=100.0, scalar_rgb=1.0, llvm_ad_rgb=0.5)).verdict == "partly reproduced"
    assert ps.judge_speed(speed(project_renderer=0.5, scalar_rgb=1.0, llvm_ad_rgb=0.5)).verdict == "not reproduced"
    o = ps.judge_speed(speed(project_renderer=100.0, scalar_rgb=1.0))               # no LLVM: rests on (i)
    assert o.verdict == "reproduced" and o.ours.startswith("not comparable")
    assert ps.judge_speed(speed(project_renderer=0.5, scalar_rgb=1.0)).verdict == "not reproduced"
    assert ps.judge_speed(speed(project_renderer=100.0)).verdict == "not testable"


def test_rules_read_their_thresholds_from_the_registry(monkeypatch):
    """One source: the verdict code reads the registered margins (a changed margin changes the verdict), the
    settings carry no copy of them, and every rule prints its margins with their reasons."""
    import dataclasses

    import pandas as pd

    assert not any(hasattr(ps.Settings.for_scale("ci"), k)
                   for k in ("weak_gap", "l1div_margin", "close_tol", "chance_factor", "graceful"))
    for c in ps.REGISTRY:
        assert c.rule.margins and all(mg.reason in c.rule.full_text for mg in c.rule.margins)
    st = {"speed": pd.DataFrame([{"variant": "project renderer", "renders/s": 100.0},
                                 {"variant": "scalar_rgb", "renders/s": 1.0}])}
    assert ps.judge_speed(st).verdict == "reproduced"
    claim = ps.REGISTRY["03-4"]
    strict = tuple(dataclasses.replace(mg, value=1000.0) if mg.name == "project_ratio" else mg
                   for mg in claim.rule.margins)
    monkeypatch.setitem(ps.REGISTRY.claims, "03-4",
                        dataclasses.replace(claim, rule=dataclasses.replace(claim.rule, margins=strict)))
    assert ps.judge_speed(st).verdict == "not reproduced"


def test_first_cell_lists_the_deviations():
    import nbformat

    from _expected import EXPECTED

    nb = nbformat.read(EXPECTED.parents[1] / "notebooks" / "03_pointspider.ipynb", as_version=4)
    first = nb.cells[0].source
    missing = [d[:40] for d in ps.DEVIATIONS if d not in first]
    assert not missing, f"the first cell must list paper.DEVIATIONS; missing: {missing}"
