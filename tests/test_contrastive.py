"""Tests of xmodal.contrastive: InfoNCE, RFF kernels, WPCE pooling, weight activations, heads."""
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from xmodal.contrastive import (
    RFF,
    CLIPHead,
    LogitScale,
    WPCEHead,
    imq_kernel,
    imq_radius_pdf,
    info_nce,
    positive_weight,
    rbf_kernel,
    signed_weight,
    wpce_embed,
    wpce_similarity_exact,
    wpce_similarity_matrix_exact,
)



def _gen(seed):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------ InfoNCE


def test_info_nce_hand_computed():
    L = torch.tensor([[2.0, 0.0], [1.0, 3.0]])
    lse = lambda *a: math.log(sum(math.exp(t) for t in a))
    rows = (lse(2, 0) - 2) + (lse(1, 3) - 3)  # -log softmax over each row, positive on the diagonal
    cols = (lse(2, 1) - 2) + (lse(0, 3) - 3)  # same over each column
    expected = 0.5 * (rows / 2 + cols / 2)
    assert info_nce(L).item() == pytest.approx(expected, abs=1e-6)
    # symmetric in the two modalities, invariant to a global shift
    assert info_nce(L.T).item() == pytest.approx(expected, abs=1e-6)
    assert info_nce(L + 7.5).item() == pytest.approx(expected, abs=1e-5)


def test_info_nce_minimised_by_diagonal_dominant_logits():
    B = 6
    losses = [info_nce(c * torch.eye(B)).item() for c in (0.0, 1.0, 5.0, 20.0)]
    assert losses[0] == pytest.approx(math.log(B), abs=1e-6)  # uninformative logits
    assert all(a > b for a, b in zip(losses, losses[1:]))  # decreasing as the diagonal dominates
    assert losses[-1] < 1e-6
    # a permutation that moves the large entries off the diagonal is much worse
    perm = torch.roll(torch.eye(B), 1, dims=1)
    assert info_nce(5 * perm).item() > math.log(B) + 1
    # gradient descent on free logits pushes the diagonal up and the off-diagonal down
    L = torch.zeros(B, B, requires_grad=True)
    info_nce(L).backward()
    assert (L.grad.diagonal() < 0).all() and (L.grad[~torch.eye(B, dtype=bool)] > 0).all()


@pytest.mark.parametrize("bad", [torch.zeros(3, 4), torch.zeros(3), torch.zeros(2, 2, dtype=torch.long)])
def test_info_nce_bad_input(bad):
    with pytest.raises((ValueError, TypeError)):
        info_nce(bad)
    with pytest.raises(TypeError):
        info_nce(np.eye(3))


# ------------------------------------------------------------------ exact kernels


def test_exact_kernels_brute_force():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    for i in range(5):
        for j in range(4):
            d2 = sum((A[i, k] - B[j, k]) ** 2 for k in range(3))
            assert rbf_kernel(A, B, 0.7)[i, j] == pytest.approx(math.exp(-d2 / (2 * 0.49)), rel=1e-12)
            assert imq_kernel(A, B, 0.7)[i, j] == pytest.approx(0.7 / math.sqrt(0.49 + d2), rel=1e-12)
    # torch inputs give torch outputs with the same values
    Kt = rbf_kernel(torch.tensor(A), torch.tensor(B), 0.7)
    assert isinstance(Kt, torch.Tensor)
    np.testing.assert_allclose(Kt.numpy(), rbf_kernel(A, B, 0.7), rtol=1e-10)
    assert np.allclose(np.diag(imq_kernel(A, A, 2.0)), 1.0)
    with pytest.raises(ValueError):
        rbf_kernel(A, B, 0.0)
    with pytest.raises(ValueError):
        imq_kernel(A, rng.normal(size=(4, 2)), 1.0)


# ------------------------------------------------------------------ RFF


def _rff_error(kernel, D, X, scale=0.5, draws=4):
    K = (rbf_kernel if kernel == "gauss" else imq_kernel)(X, X, scale)
    errs = []
    for s in range(draws):
        F = RFF(X.shape[1], D, kernel, scale, generator=_gen(100 + s))(X)
        errs.append(((F @ F.T - K) ** 2).mean().sqrt().item())
    return float(np.mean(errs))


@pytest.mark.parametrize("kernel", ["gauss", "imq"])
def test_rff_approximates_kernel_at_rate_one_over_sqrt_D(kernel):
    X = torch.nn.functional.normalize(torch.randn(40, 6, generator=_gen(0), dtype=torch.float64), dim=1)
    e_small, e_big = _rff_error(kernel, 256, X), _rff_error(kernel, 4096, X)
    assert e_big < 0.03
    # 16x the features -> ~4x smaller error (Monte-Carlo rate 1/sqrt(D)), checked loosely
    assert 2.5 < e_small / e_big < 6.5


def test_rff_gaussian_spectral_measure_and_resample():
    rff = RFF(5, 20000, "gauss", 0.5, generator=_gen(1))
    assert rff.omega.shape == (20000, 5) and rff.bias.shape == (20000,)
    assert rff.omega.std().item() == pytest.approx(2.0, rel=0.02)  # rows ~ N(0, σ⁻² I)
    assert 0 <= rff.bias.min() and rff.bias.max() < 2 * math.pi
    # φ(v) = sqrt(2/D) cos(v Ωᵀ + b), any leading shape
    v = torch.randn(2, 3, 5, generator=_gen(2))
    phi = rff(v)
    assert phi.shape == (2, 3, 20000)
    manual = math.sqrt(2 / 20000) * torch.cos(v[1, 2] @ rff.omega.T + rff.bias)
    torch.testing.assert_close(phi[1, 2], manual)
    old = rff.omega.clone()
    rff.resample()
    assert not torch.equal(old, rff.omega)
    a = RFF(3, 16, "imq", 1.0, generator=_gen(7)).omega
    b = RFF(3, 16, "imq", 1.0, generator=_gen(7)).omega
    assert torch.equal(a, b)  # reproducible from the generator


def test_imq_radius_density_reproduces_the_kernel():
    """The radial density K_ν(r) r^ν / Z is a probability density whose characteristic function is the IMQ."""
    for dim in (1, 2, 3, 8):
        assert integrate.quad(lambda r: imq_radius_pdf(r, dim), 0, np.inf)[0] == pytest.approx(1, abs=1e-7)
    for delta in (0.3, 1.0, 2.5):  # c = 1: k(δ) = 1/sqrt(1 + δ²)
        k = 1 / math.sqrt(1 + delta**2)
        # d = 1: E[cos(r δ)];  d = 3: E over uniform directions of cos(ω·x) = sin(r δ)/(r δ)
        # K_ν(r) decays like e^{-r}: the integrals beyond r = 60 are below 1e-24
        mean = lambda f: sum(integrate.quad(f, a, b, limit=400)[0] for a, b in ((0, 1), (1, 60)))
        cos1 = mean(lambda r: imq_radius_pdf(r, 1) * math.cos(r * delta))
        sinc3 = mean(lambda r: imq_radius_pdf(r, 3) * np.sinc(r * delta / math.pi))
        assert cos1 == pytest.approx(k, abs=1e-6)
        assert sinc3 == pytest.approx(k, abs=1e-6)


@pytest.mark.parametrize("dim", [1, 3, 8])
def test_imq_rff_radius_follows_bessel_density(dim):
    c = 0.7
    r = (RFF(dim, 4000, "imq", c, generator=_gen(dim)).omega.double().norm(dim=1) * c).numpy()
    grid = np.linspace(0, 60, 60001)
    pdf = imq_radius_pdf(grid, dim)
    pdf[0] = pdf[1] if not np.isfinite(pdf[0]) else pdf[0]
    cdf = integrate.cumulative_trapezoid(pdf, grid, initial=0)
    cdf /= cdf[-1]
    assert stats.kstest(r, lambda x: np.interp(x, grid, cdf)).pvalue > 1e-3
    # the Gaussian radius (a χ_d) is clearly rejected: the test can fail
    chi = np.linalg.norm(np.random.default_rng(0).normal(size=(4000, dim)), axis=1)
    assert stats.kstest(chi, lambda x: np.interp(x, grid, cdf)).pvalue < 1e-6


def test_rff_bad_input():
    with pytest.raises(ValueError, match="kernel"):
        RFF(3, 8, "laplace", 1.0)
    with pytest.raises(ValueError, match="scale"):
        RFF(3, 8, "gauss", -1.0)
    with pytest.raises(ValueError, match="n_features"):
        RFF(3, 0, "gauss", 1.0)
    with pytest.raises(TypeError, match="generator"):
        RFF(3, 8, "gauss", 1.0, generator=0)
    with pytest.raises(ValueError, match="last dimension 3"):
        RFF(3, 8)(torch.zeros(2, 4))


# ------------------------------------------------------------------ WPCE


def _sets(B=4, M=5, dim=3, seed=0):
    g = _gen(seed)
    return torch.randn(B, M, dim, generator=g, dtype=torch.float64), torch.randn(B, M, generator=g, dtype=torch.float64)


def test_wpce_linear_part_is_exact():
    p, w = _sets()
    rff = RFF(3, 64, generator=_gen(1))
    f = wpce_embed(p, w, rff, alphas=(1.0, 0.0))
    assert f.shape == (4, 3 + 64)
    for a in range(4):
        for b in range(4):
            ex = wpce_similarity_exact(p[a], w[a], p[b], w[b], "gauss", 0.5, (1.0, 0.0))
            assert (f[a] @ f[b]).item() == pytest.approx(ex, abs=1e-5)


@pytest.mark.parametrize("kernel", ["gauss", "imq"])
def test_wpce_rff_similarity_within_rff_error(kernel):
    p, w = _sets(B=5, M=6, dim=4, seed=3)
    alphas = (2 / 3, 1 / 3)
    exact = wpce_similarity_matrix_exact(p, w, p, w, kernel, 0.5, alphas)
    errs = {}
    for D in (128, 8192):
        F = wpce_embed(p, w, RFF(4, D, kernel, 0.5, generator=_gen(D)), alphas)
        errs[D] = np.abs((F @ F.T).numpy() - exact).max()
    assert errs[8192] < 0.05 * np.abs(exact).max()
    assert errs[8192] < errs[128]
    # the matrix helper equals the pairwise definition
    for a, b in ((0, 1), (2, 4), (3, 3)):
        assert exact[a, b] == pytest.approx(wpce_similarity_exact(p[a], w[a], p[b], w[b], kernel, 0.5, alphas), rel=1e-10)


def test_wpce_similarity_exact_brute_force_and_normalisation():
    rng = np.random.default_rng(5)
    pA, wA, pB, wB = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(2, 2)), rng.normal(size=2)
    nA = pA / np.linalg.norm(pA, axis=1, keepdims=True)
    nB = pB / np.linalg.norm(pB, axis=1, keepdims=True)
    total = 0.0
    for i in range(3):
        for j in range(2):
            total += wA[i] * wB[j] * (0.6 * nA[i] @ nB[j] + 0.4 * math.exp(-np.sum((nA[i] - nB[j]) ** 2) / (2 * 0.25)))
    assert wpce_similarity_exact(pA, wA, pB, wB, "gauss", 0.5, (0.6, 0.4)) == pytest.approx(total / 6, rel=1e-12)
    # points are normalised: rescaling a point by a positive factor changes nothing
    pA2 = pA * np.array([[3.0], [0.1], [7.0]])
    assert wpce_similarity_exact(pA2, wA, pB, wB, "imq", 0.5) == pytest.approx(
        wpce_similarity_exact(pA, wA, pB, wB, "imq", 0.5), rel=1e-12)


def test_wpce_embed_mask_excludes_padding():
    p, w = _sets(B=2, M=4, dim=3, seed=9)
    rff = RFF(3, 32, generator=_gen(4))
    junk_p = 100 * torch.randn(2, 3, 3, generator=_gen(5), dtype=torch.float64)
    junk_w = 1e3 * torch.ones(2, 3, dtype=torch.float64)
    padded_p, padded_w = torch.cat([p, junk_p], 1), torch.cat([w, junk_w], 1)
    mask = torch.tensor([[True] * 4 + [False] * 3] * 2)
    # padded + mask == unpadded (M counts the valid points only)
    torch.testing.assert_close(wpce_embed(padded_p, padded_w, rff, mask=mask), wpce_embed(p, w, rff))
    # rows with different numbers of valid points: each equals its own unpadded embedding
    mask2 = mask.clone()
    mask2[1, 2:] = False
    f = wpce_embed(padded_p, padded_w, rff, mask=mask2)
    torch.testing.assert_close(f[1], wpce_embed(p[1:, :2], w[1:, :2], rff)[0])
    with pytest.raises(ValueError, match="at least one valid point"):
        wpce_embed(p, w, rff, mask=torch.zeros(2, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="bool"):
        wpce_embed(p, w, rff, mask=torch.ones(2, 4))


def test_wpce_bad_input():
    p, w = _sets(B=2, M=4, dim=3)
    rff = RFF(3, 8)
    with pytest.raises(ValueError, match="weights"):
        wpce_embed(p, w[:, :3], rff)
    with pytest.raises(ValueError, match="RFF was built for dim 3"):
        wpce_embed(torch.zeros(2, 4, 5), w, rff)
    with pytest.raises(ValueError, match="alphas"):
        wpce_embed(p, w, rff, alphas=(1.0, -0.5))
    with pytest.raises(ValueError, match=r"\(B, M, dim\)"):
        wpce_embed(p[0], w, rff)
    with pytest.raises(TypeError, match="RFF"):
        wpce_embed(p, w, None)
    with pytest.raises(ValueError, match="kernel"):
        wpce_similarity_exact(p[0], w[0], p[1], w[1], "cosine", 0.5, (1, 1))
    with pytest.raises(ValueError):
        wpce_similarity_exact(p[0], w[0, :2], p[1], w[1], "gauss", 0.5, (1, 1))


# ------------------------------------------------------------------ weight activations


def test_weight_activation_ranges():
    u = torch.tensor([-1e6, -300.0, -1.0, 0.0, 0.5, 300.0, 1e6])
    s, p = signed_weight(u), positive_weight(u)
    assert (s.abs() <= 100).all() and (p >= 0).all() and (p <= 100).all()
    assert s[0].item() == pytest.approx(-100) and s[-1].item() == pytest.approx(100)
    assert p[0].item() == pytest.approx(0, abs=1e-6) and p[-1].item() == pytest.approx(100)
    assert s[3].item() == 0 and p[3].item() == pytest.approx(50)
    assert s[2].item() == pytest.approx(-1, abs=1e-4)  # ≈ identity near 0
    torch.testing.assert_close(signed_weight(-u), -s)  # odd
    assert signed_weight(torch.tensor(30.0), a=10).item() == pytest.approx(10 * math.tanh(3))
    with pytest.raises(ValueError):
        signed_weight(u, a=0)
    with pytest.raises(TypeError):
        positive_weight(np.zeros(3))


# ------------------------------------------------------------------ heads


def test_heads():
    torch.manual_seed(0)
    clip = CLIPHead(10, 4)
    z = clip(torch.randn(3, 10))
    assert z.shape == (3, 4)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(3))
    ls = LogitScale.clip()
    assert ls().item() == pytest.approx(1 / 0.07, rel=1e-5)
    with torch.no_grad():
        ls.raw.fill_(10.0)
    assert ls().item() == pytest.approx(100.0, rel=1e-5)
    ids = LogitScale.wpce()
    assert ids().item() == pytest.approx(14.2857, rel=1e-6)
    with torch.no_grad():
        ids.raw.fill_(-3.0)
    assert ids().item() == 1.0
    with torch.no_grad():
        ids.raw.fill_(500.0)
    assert ids().item() == 100.0
    with pytest.raises(ValueError, match="parameterisation"):
        LogitScale(param="tanh")

    head = WPCEHead(10, 4, weight="signed")
    tokens = torch.randn(2, 5, 10)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    pts, w = head(tokens, mask)
    assert pts.shape == (2, 5, 4) and w.shape == (2, 5)
    assert (w[1, 2:] == 0).all()
    rff = RFF(4, 16)
    f = head.embed(tokens, rff, mask=mask)
    assert f.shape == (2, 4 + 16)
    torch.testing.assert_close(f[1], head.embed(tokens[1:, :2], rff)[0])
    pos = WPCEHead(10, 4, weight="positive")
    assert (pos(tokens)[1] > 0).all()
    with pytest.raises(ValueError, match="weight activation"):
        WPCEHead(10, 4, weight="softmax")
    with pytest.raises(ValueError, match="tokens"):
        head(torch.randn(2, 5, 9))
    with pytest.raises(ValueError, match="pooled"):
        clip(torch.randn(3, 5, 10))


def test_wpce_head_paper_initialisation_and_offset():
    """The paper's weight head: LayerNorm on the token, a linear map without bias, N(0, width^-1/2) entries;
    a constant offset (a buffer, not a parameter) sets every initial weight to a chosen w0."""
    torch.manual_seed(0)
    width = 1024
    head = WPCEHead(width, 8, weight="signed")
    assert head.weight_head.bias is None and isinstance(head.weight_norm, torch.nn.LayerNorm)
    assert float(head.weight_head.weight.std()) == pytest.approx(width ** -0.5, rel=0.1)
    assert "offset" not in dict(head.named_parameters())
    x = 5 + 3 * torch.randn(4, 50, width)  # scale and shift of the tokens do not matter after the LayerNorm
    with torch.no_grad():
        _, w = head(x)
    assert abs(float(w.mean())) < 0.3 and float(w.std()) == pytest.approx(1.0, rel=0.3)  # u ≈ N(0, 1): w ≈ u
    for kind, w0 in (("positive", 1.0), ("signed", 1.0), ("positive", 50.0)):
        off = WPCEHead.offset_for(kind, w0)
        h = WPCEHead(width, 8, weight=kind, offset=off)
        with torch.no_grad():
            h.weight_head.weight.zero_()
            assert torch.allclose(h(x)[1], torch.full((4, 50), w0), rtol=1e-5)
    assert WPCEHead.offset_for("positive", 50.0) == pytest.approx(0.0, abs=1e-12)  # the paper's start a/2
    with pytest.raises(ValueError, match="no offset"):
        WPCEHead.offset_for("positive", 0.0)
    with pytest.raises(ValueError, match="no offset"):
        WPCEHead.offset_for("signed", 100.0)
    with pytest.raises(ValueError, match="offset"):
        WPCEHead(10, 4, offset=float("nan"))


def test_wpce_with_one_point_and_no_kernel_is_clip():
    """The nested control: WPCE with M = 1 (the pooled feature), α₂ = 0, α₁ = 1 and weights 1 gives exactly
    CLIP's similarity ⟨normalize(P x), normalize(Q t)⟩ for the same projections (to ~1e-6)."""
    torch.manual_seed(0)
    clip_i, clip_t = CLIPHead(20, 6), CLIPHead(12, 6)
    w_i, w_t = WPCEHead(20, 6), WPCEHead(12, 6)
    with torch.no_grad():
        w_i.proj.weight.copy_(clip_i.proj.weight)
        w_t.proj.weight.copy_(clip_t.proj.weight)
        for h in (w_i, w_t):
            h.weight_head.weight.zero_()
            h.offset.fill_(WPCEHead.offset_for("signed", 1.0))
    x, t = torch.randn(9, 20), torch.randn(7, 12)
    rff = RFF(6, 32)
    with torch.no_grad():
        S_clip = clip_i(x) @ clip_t(t).T
        S_wpce = w_i.embed(x[:, None], rff, (1.0, 0.0)) @ w_t.embed(t[:, None], rff, (1.0, 0.0)).T
        exact = wpce_similarity_matrix_exact(*w_i(x[:, None]), *w_t(t[:, None]), "gauss", 0.5, (1.0, 0.0))
    np.testing.assert_allclose(S_wpce.double().numpy(), S_clip.double().numpy(), atol=1e-6)
    np.testing.assert_allclose(exact, S_clip.double().numpy(), atol=1e-6)
    # with α₁ = 2/3 (the paper's) the similarity is CLIP's times 2/3: the logit scale absorbs it
    with torch.no_grad():
        S23 = w_i.embed(x[:, None], rff, (2 / 3, 0.0)) @ w_t.embed(t[:, None], rff, (2 / 3, 0.0)).T
    np.testing.assert_allclose(S23.double().numpy(), 2 / 3 * S_clip.double().numpy(), atol=1e-6)
