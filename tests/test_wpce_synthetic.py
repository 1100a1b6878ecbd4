"""Tests of paper 02 Part A (xmodal.papers.wpce.synthetic): the distribution, the population loss, the pipeline."""
import math

import numpy as np
import pytest
import torch

from xmodal.contrastive import info_nce
from xmodal.evaluation import numerical_rank
from xmodal.papers.wpce import synthetic as W
from xmodal.papers.wpce import SyntheticSettings


def test_mutual_information_brute_force():
    # hand reference: a 2x2 symmetric channel
    P2 = np.array([[0.4, 0.1], [0.1, 0.4]])
    assert W.mutual_information(P2) == pytest.approx(0.8 * math.log(1.6) + 0.2 * math.log(0.4), rel=1e-12)
    # the experiment's distribution against an explicit double loop
    P = W.joint_distribution(12, kappa=5.0, kappa2=0.5, noise=0.2)
    assert P.sum() == pytest.approx(1.0, abs=1e-12) and (P > 0).all()
    px = [sum(P[i, j] for j in range(12)) for i in range(12)]
    py = [sum(P[i, j] for i in range(12)) for j in range(12)]
    mi = sum(P[i, j] * math.log(P[i, j] / (px[i] * py[j])) for i in range(12) for j in range(12))
    assert W.mutual_information(P) == pytest.approx(mi, rel=1e-12)
    # independence gives 0
    a, b = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.4])
    assert W.mutual_information(np.outer(a, b)) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError):
        W.pmi_matrix(np.array([[0.5, 0.0], [0.0, 0.5]]))


def test_pmi_rank_exceeds_d_plus_one():
    for name in ("ci", "default", "full"):
        s = SyntheticSettings.for_scale(name)
        G = W.pmi_matrix(W.joint_distribution(s.n_items, s.kappa, s.kappa2, s.noise))
        assert numerical_rank(G, s.rank_tol) > max(s.dims) + 1, name
    # without the noise mixture the PMI is κ cos Δ + const: rank 3 (so the rank check can fail)
    G0 = W.pmi_matrix(W.joint_distribution(64, kappa=20.0, kappa2=0.0, noise=0.0))
    assert numerical_rank(G0, 1e-3) == 3


def test_population_loss_minimum_is_minus_mi():
    P = W.joint_distribution(10, kappa=4.0, kappa2=0.3, noise=0.1)
    G = W.pmi_matrix(P)
    mi = W.mutual_information(P)
    assert W.population_infonce(G, P) == pytest.approx(-mi, abs=1e-12)
    assert W.population_infonce(G + 4.2, P) == pytest.approx(-mi, abs=1e-12)  # constants are free
    rng = np.random.default_rng(0)
    for _ in range(5):  # any other similarity is worse
        assert W.population_infonce(G + rng.normal(scale=0.3, size=G.shape), P) > -mi + 1e-4
    # a row-only shift (S = G + c(x)) is NOT free for the symmetric loss
    assert W.population_infonce(G + np.arange(10)[:, None] * 0.2, P) > -mi + 1e-4


def test_population_loss_brute_force_and_large_batch_limit():
    rng = np.random.default_rng(1)
    P = rng.random((5, 5)) + 0.05
    P /= P.sum()
    S = rng.normal(size=(5, 5))
    px, py = P.sum(1), P.sum(0)
    brute = -sum(P[i, j] * S[i, j] for i in range(5) for j in range(5))
    brute += 0.5 * sum(px[i] * math.log(sum(py[j] * math.exp(S[i, j]) for j in range(5))) for i in range(5))
    brute += 0.5 * sum(py[j] * math.log(sum(px[i] * math.exp(S[i, j]) for i in range(5))) for j in range(5))
    assert W.population_infonce(S, P) == pytest.approx(brute, rel=1e-12)
    # the symmetric InfoNCE of a large sampled batch, minus log K, approaches L∞
    K = 3000
    g = torch.Generator().manual_seed(0)
    idx = torch.multinomial(torch.tensor(P.reshape(-1)), K, replacement=True, generator=g)
    x, y = idx // 5, idx % 5
    St = torch.tensor(S)
    batch = info_nce(St[x[:, None], y[None, :]]).item() - math.log(K)
    assert batch == pytest.approx(W.population_infonce(S, P), abs=0.05)


def test_error_metrics():
    rng = np.random.default_rng(2)
    G = rng.normal(size=(6, 6))
    P = np.full((6, 6), 1 / 36)
    assert W.sup_error(G + 3.0, G) == pytest.approx(0.0, abs=1e-12)
    E = np.zeros((6, 6))
    E[1, 2], E[4, 0] = 1.0, -0.5
    assert W.sup_error(G + E, G) == pytest.approx(0.75)  # (max - min) / 2
    assert W.weighted_rmse(G - 1.5, G, P) == pytest.approx(0.0, abs=1e-12)
    A, B = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    assert numerical_rank(A @ B.T) == 2
    assert numerical_rank(A @ B.T + 1.0) == 3
    # the rank-d SVD reference is exact once d reaches the rank of the centred matrix
    assert W.sup_error(W.pmi_rank_d(A @ B.T + 1.0, 3), A @ B.T + 1.0) < 1e-10


def test_settings_errors():
    with pytest.raises(ValueError, match="valid scales"):
        SyntheticSettings.for_scale("huge")
    with pytest.raises(ValueError, match="unknown methods"):
        SyntheticSettings(methods=("clip", "mlp"))
    with pytest.raises(TypeError):
        W.run({"n_items": 3}, 0)


def test_ci_run_is_deterministic_and_respects_the_bounds():
    s = SyntheticSettings.for_scale("ci").with_(dims=(2,), steps=60)
    df = W.run(s, seed=0)
    assert (df["gap"] >= -1e-9).all()  # nothing beats -MI
    # the rows hold the quantities of the matrices they name: the untrained reference recomputed here
    P = W.joint_distribution(s.n_items, s.kappa, s.kappa2, s.noise)
    G, mi = W.pmi_matrix(P), W.mutual_information(P)
    ref = df[df["method"] == "pmi_rank_d"].iloc[0]
    S_ref = W.pmi_rank_d(G, 2)
    assert (df["mi"] == mi).all() and (df["pmi_rank"] == numerical_rank(G, s.rank_tol)).all()
    assert ref["pop_loss"] == pytest.approx(W.population_infonce(S_ref, P), abs=1e-12)
    assert ref["gap"] == pytest.approx(W.population_infonce(S_ref, P) + mi, abs=1e-12)
    assert ref["delta_sup"] == pytest.approx(W.sup_error(S_ref, G), abs=1e-12)
    assert ref["rank"] == 3  # rank d = 2 plus the constant mean(G)
    clip = df[df["method"] == "clip"]
    # the rank column is that of the learned logits s<u, v> (unit vectors in R^2: exactly d), not the PMI's
    assert (clip["rank"] == clip["d"]).all() and (clip["pmi_rank"] > clip["d"] + 1).all()
    # the same seed reproduces every number; another seed changes the trained ones
    timing = ["train_seconds"]
    assert W.run(s, seed=0).drop(columns=timing).equals(df.drop(columns=timing))
    other = W.run(s.with_(methods=("clip",)), seed=1)
    assert other["gap"].iloc[0] != clip["gap"].iloc[0]
    import matplotlib

    matplotlib.use("Agg")
    from xmodal.papers.wpce import plot_gap

    assert len(plot_gap(df).axes) == 2
