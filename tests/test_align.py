"""Tests of xmodal.align (paper 01): CKA pinned to Kornblith's demo values and to the kernel-matrix
definition, invariances, local CKA closed form == brute force, CCA / affine recover planted structure,
task metrics on constructed score matrices, input validation."""
import numpy as np
import pytest
import torch

import xmodal.align as al


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """This module's tests (and its module-scoped fixtures) run on one torch thread; the caller's count is
    restored afterwards, so the setting does not leak into the rest of the session."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def kornblith():
    np.random.seed(1337)  # the demo's exact recipe (global state only here, in the test)
    X = np.random.randn(100, 10)
    Y = np.random.randn(100, 10) + X
    return X, Y


def _orthogonal(p, rng):
    Qm, R = np.linalg.qr(rng.standard_normal((p, p)))
    return Qm * np.sign(np.diag(R))


def _hsic_with_H(K, L):
    """Brute-force biased HSIC: tr(K H L H) / (n-1)^2 with the explicit centring matrix H."""
    n = K.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def _cka_with_H(X, Y):
    K, L = X @ X.T, Y @ Y.T
    return _hsic_with_H(K, L) / np.sqrt(_hsic_with_H(K, K) * _hsic_with_H(L, L))


# ------------------------------------------------------------------------------------ CKA
def test_cka_kornblith_demo_values(kornblith):
    X, Y = kornblith
    assert al.cka(X, Y) == pytest.approx(0.55761, abs=1e-4)
    assert al.cka(X, Y, kernel="rbf", rbf_threshold=0.5) == pytest.approx(0.65483, abs=1e-4)
    assert al.cka(X, Y, debiased=True) == pytest.approx(0.51346, abs=1e-4)


def test_debiased_feature_space_equals_unbiased_hsic_on_grams(kornblith):
    X, Y = kornblith
    ref = al.cka_from_grams(X @ X.T, Y @ Y.T, debiased=True)
    assert al.cka(X, Y, debiased=True) == pytest.approx(ref, abs=1e-12)
    # the unbiased estimator is invariant to translating the features (uncentred grams give the same)
    assert al.cka(X + 5.0, Y - 3.0, debiased=True) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("n,p,q", [(30, 5, 8), (20, 40, 3), (50, 12, 12)])
def test_linear_feature_space_equals_kernel_definition(n, p, q):
    rng = np.random.default_rng(n * 100 + p)
    X = rng.standard_normal((n, p)) + 2.0
    Y = X[:, :1] @ rng.standard_normal((1, q)) + rng.standard_normal((n, q))
    assert al.cka(X, Y) == pytest.approx(_cka_with_H(X, Y), abs=1e-12)
    assert al.cka_from_grams(X @ X.T, Y @ Y.T) == pytest.approx(_cka_with_H(X, Y), abs=1e-12)


@pytest.mark.parametrize("kw", [{}, {"debiased": True}, {"kernel": "rbf"}, {"kernel": "rbf", "debiased": True}])
def test_cka_invariances(kornblith, kw):
    X, Y = kornblith
    rng = np.random.default_rng(0)
    base = al.cka(X, Y, **kw)
    assert al.cka(X @ _orthogonal(10, rng), Y, **kw) == pytest.approx(base, abs=1e-10)
    assert al.cka(X, Y @ _orthogonal(10, rng), **kw) == pytest.approx(base, abs=1e-10)
    assert al.cka(3.7 * X, 0.02 * Y, **kw) == pytest.approx(base, abs=1e-10)
    assert al.cka(X + 10.0, Y - 4.0, **kw) == pytest.approx(base, abs=1e-10)
    assert al.cka(Y, X, **kw) == pytest.approx(base, abs=1e-12)
    # ... but not invariant to an anisotropic (non-orthogonal) linear map
    assert abs(al.cka(X * np.linspace(0.1, 5.0, 10), Y, **kw) - base) > 1e-3


def test_cka_identical_is_one_and_accepts_torch(kornblith):
    X, Y = kornblith
    assert al.cka(X, X) == pytest.approx(1.0, abs=1e-12)
    assert al.cka(X, X, debiased=True) == pytest.approx(1.0, abs=1e-12)
    Xt, Yt = torch.from_numpy(X).float(), torch.from_numpy(Y).float()
    assert al.cka(Xt, Yt) == pytest.approx(0.55761, abs=1e-4)


def test_chance_level_of_biased_and_debiased_cka():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((1000, 512))
    Y = rng.standard_normal((1000, 512))
    assert al.cka(X, Y) == pytest.approx(0.34, abs=0.03)  # sheet: ~0.34 at n=1000, 512-d vs 512-d
    assert abs(al.cka(X, Y, debiased=True)) < 0.02


def test_cka_chance_permutation():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 20))
    Y = X @ rng.standard_normal((20, 15)) + rng.standard_normal((200, 15))
    mean, std = al.cka_chance(X, Y, n_perm=10, rng=1)
    assert (mean, std) == al.cka_chance(X, Y, n_perm=10, rng=np.random.default_rng(1))
    assert 0.0 < std < mean < 0.3 < al.cka(X, Y)
    m_deb, _ = al.cka_chance(X, Y, n_perm=10, rng=1, debiased=True)
    assert abs(m_deb) < 0.05


# ------------------------------------------------------------------------------ local CKA
@pytest.mark.parametrize("nA,p,q,Qx,Qy", [(40, 7, 5, 6, 4), (15, 30, 20, 3, 5), (1, 3, 2, 2, 2)])
def test_local_cka_closed_form_equals_bruteforce(nA, p, q, Qx, Qy):
    rng = np.random.default_rng(nA + p)
    XA = rng.standard_normal((nA, p)) + 1.0
    YA = rng.standard_normal((nA, q)) * 3.0
    Xq = rng.standard_normal((Qx, p)) * 2.0
    Yq = rng.standard_normal((Qy, q)) - 1.0
    fast = al.local_cka(XA, YA, Xq, Yq)
    slow = al.local_cka_bruteforce(XA, YA, Xq, Yq)
    assert fast.shape == (Qx, Qy)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    # and the brute force is the definition, with the kernel-matrix CKA
    i, j = Qx - 1, Qy - 1
    ref = _cka_with_H(np.vstack([XA, Xq[i]]), np.vstack([YA, Yq[j]]))
    assert slow[i, j] == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("nA,p,q,Qx,Qy", [(40, 7, 5, 6, 4), (15, 30, 20, 3, 5), (3, 3, 2, 2, 2)])
def test_local_cka_rbf_closed_form_equals_bruteforce(nA, p, q, Qx, Qy):
    rng = np.random.default_rng(10 * nA + p)
    XA = rng.standard_normal((nA, p)) + 1.0
    YA = rng.standard_normal((nA, q)) * 3.0
    Xq = rng.standard_normal((Qx, p)) * 2.0
    Yq = rng.standard_normal((Qy, q)) - 1.0
    fast = al.local_cka_rbf(XA, YA, Xq, Yq)
    slow = al.local_cka_bruteforce(XA, YA, Xq, Yq, kernel="rbf")
    assert fast.shape == (Qx, Qy)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    # the brute force is the definition: tr(KHLH) on the (n_A+1)^2 RBF Grams with the anchors' bandwidth
    i, j = Qx - 1, Qy - 1
    Xi, Yj = np.vstack([XA, Xq[i]]), np.vstack([YA, Yq[j]])

    def gram(A, Z):
        d2 = ((A[:, None] - A[None]) ** 2).sum(-1)
        return np.exp(-((Z[:, None] - Z[None]) ** 2).sum(-1) / (2 * 0.25 * np.median(d2)))

    n = len(Xi)
    H = np.eye(n) - 1.0 / n
    K, L = gram(XA, Xi), gram(YA, Yj)
    ref = np.trace(K @ H @ L @ H) / np.sqrt(np.trace(K @ H @ K @ H) * np.trace(L @ H @ L @ H))
    assert slow[i, j] == pytest.approx(ref, abs=1e-10)


def test_local_cka_rbf_in_evaluate_alignment_and_errors():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((80, 3))
    X, Y = Z @ rng.standard_normal((3, 8)), Z @ rng.standard_normal((3, 6))
    S = al.evaluate_alignment(X, Y, np.arange(60), np.arange(60, 80), "subspace_local_cka_rbf", d=3)
    assert S.shape == (20, 20) and al.topk_accuracy(S, 5) > 0.5  # far above chance (0.25)
    with pytest.raises(ValueError, match="rbf_threshold"):
        al.local_cka_rbf(X[:10], Y[:10], X[10:12], Y[10:12], rbf_threshold=0)
    with pytest.raises(ValueError, match="kernel"):
        al.local_cka_bruteforce(X[:10], Y[:10], X[10:12], Y[10:12], kernel="poly")


def test_hits_mean_is_the_accuracy():
    S = np.random.default_rng(1).standard_normal((30, 30)) + 2 * np.eye(30)
    assert al.matching_hits(S).mean() == al.matching_accuracy(S)
    assert al.topk_hits(S, 5).mean() == al.topk_accuracy(S, 5)


def test_local_cka_prefers_true_partner():
    rng = np.random.default_rng(11)
    Z = rng.standard_normal((430, 6))
    X = Z @ rng.standard_normal((6, 16)) + 0.1 * rng.standard_normal((430, 16))
    Y = Z @ rng.standard_normal((6, 10)) + 0.1 * rng.standard_normal((430, 10))
    S = al.local_cka(X[:400], Y[:400], X[400:], Y[400:])
    assert al.topk_accuracy(S, 5) > 0.8


# ------------------------------------------------------------------------------------ CCA
def _canonical_correlations(X, Y):
    """Classical CCA via eig of C_xx^-1 C_xy C_yy^-1 C_yx (a different route from whitening + SVD)."""
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    Cxx, Cyy, Cxy = Xc.T @ Xc, Yc.T @ Yc, Xc.T @ Yc
    M = np.linalg.solve(Cxx, Cxy) @ np.linalg.solve(Cyy, Cxy.T)
    return np.sqrt(np.clip(np.sort(np.linalg.eigvals(M).real)[::-1], 0, None))


def test_cca_identical_inputs_correlate_fully():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6)) * np.linspace(1.0, 2.0, 6)
    np.testing.assert_allclose(al.CCA(6, reg=1e-3).fit(X, X).correlations_, 1.0, atol=5e-3)
    np.testing.assert_allclose(al.CCA(6, reg=0).fit(X, X).correlations_, 1.0, atol=1e-10)
    # with the ridge, identical inputs give exactly lambda_i / (lambda_i + reg * mean(lambda))
    X = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6))
    lam = np.sort(np.linalg.eigvalsh(np.cov(X.T)))[::-1]
    np.testing.assert_allclose(
        al.CCA(6, reg=0.05).fit(X, X).correlations_, lam / (lam + 0.05 * lam.mean()), atol=1e-10
    )


def test_cca_independent_inputs_correlate_weakly():
    rng = np.random.default_rng(1)
    cca = al.CCA(4).fit(rng.standard_normal((3000, 5)), rng.standard_normal((3000, 4)))
    assert cca.correlations_.max() < 0.1


def test_cca_matches_classical_solution_and_whitens():
    rng = np.random.default_rng(2)
    n = 500
    Z = rng.standard_normal((n, 3))
    X = Z @ rng.standard_normal((3, 9)) + 0.5 * rng.standard_normal((n, 9)) + 4.0
    Y = Z @ rng.standard_normal((3, 7)) + 0.5 * rng.standard_normal((n, 7)) - 1.0
    cca = al.CCA(7, reg=0.0).fit(X, Y)
    np.testing.assert_allclose(cca.correlations_, _canonical_correlations(X, Y)[:7], atol=1e-8)
    Xr, Yr = cca.transform(X, Y)
    assert Xr.shape == (n, 7) and Yr.shape == (n, 7)
    np.testing.assert_allclose(Xr.T @ Xr / (n - 1), np.eye(7), atol=1e-8)
    np.testing.assert_allclose(Yr.T @ Yr / (n - 1), np.eye(7), atol=1e-8)
    np.testing.assert_allclose(Xr.T @ Yr / (n - 1), np.diag(cca.correlations_), atol=1e-8)
    np.testing.assert_allclose(Xr.mean(0), 0.0, atol=1e-10)


def test_cca_recovers_planted_shared_latent():
    rng = np.random.default_rng(4)
    n, k = 2000, 2
    Z = rng.standard_normal((n, k))
    # shared latent in two directions; strong private (unshared) variance elsewhere
    X = np.hstack([Z, 3.0 * rng.standard_normal((n, 10))]) @ _orthogonal(12, rng)
    Y = np.hstack([Z, 3.0 * rng.standard_normal((n, 6))]) @ _orthogonal(8, rng)
    X += 0.1 * rng.standard_normal(X.shape)
    Y += 0.1 * rng.standard_normal(Y.shape)
    cca = al.CCA(4).fit(X[:1500], Y[:1500])
    assert np.all(cca.correlations_[:k] > 0.95) and np.all(cca.correlations_[k:] < 0.15)
    Xr, Yr = al.CCA(k).fit(X[:1500], Y[:1500]).transform(X[1500:], Y[1500:])
    for P in (Xr, Yr):  # held-out projections span the latent: R^2 of Z on them ~ 1
        coef, *_ = np.linalg.lstsq(np.c_[P, np.ones(len(P))], Z[1500:], rcond=None)
        resid = Z[1500:] - np.c_[P, np.ones(len(P))] @ coef
        assert 1 - resid.var() / Z[1500:].var() > 0.95


def test_cca_regularisation_is_scale_invariant():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((50, 8)), rng.standard_normal((50, 6))
    Y[:, 0] += X[:, 0]
    a = al.CCA(3, reg=0.1).fit(X, Y).correlations_
    b = al.CCA(3, reg=0.1).fit(1000.0 * X, 0.001 * Y).correlations_
    np.testing.assert_allclose(a, b, atol=1e-10)


# --------------------------------------------------------------------------------- Affine
def test_affine_recovers_planted_map():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((200, 6))
    R, b = rng.standard_normal((4, 6)), rng.standard_normal(4)
    aff = al.Affine().fit(X, X @ R.T + b)
    np.testing.assert_allclose(aff.coef_, R, atol=1e-10)
    np.testing.assert_allclose(aff.intercept_, b, atol=1e-10)
    Xn = rng.standard_normal((5, 6))
    np.testing.assert_allclose(aff.transform(Xn), Xn @ R.T + b, atol=1e-10)
    noisy = al.Affine().fit(X, X @ R.T + b + 0.01 * rng.standard_normal((200, 4)))
    np.testing.assert_allclose(noisy.coef_, R, atol=5e-3)
    np.testing.assert_allclose(al.Affine().fit(torch.from_numpy(X), X @ R.T + b).coef_, R, atol=1e-10)


# -------------------------------------------------------------------------------- metrics
def test_matching_and_topk_on_permuted_identity():
    rng = np.random.default_rng(8)
    Q = 20
    assert al.matching_accuracy(np.eye(Q)) == 1.0 and al.topk_accuracy(np.eye(Q), 1) == 1.0
    perm = np.arange(Q)
    perm[5:] = 5 + rng.permutation(Q - 5)  # a permutation with at least 5 fixed points
    S = np.eye(Q)[perm]  # row i has its 1 at column perm[i]
    fixed = np.mean(perm == np.arange(Q))
    assert al.matching_accuracy(S) == pytest.approx(fixed)
    assert al.topk_accuracy(S, 1) == pytest.approx(fixed)
    assert al.topk_accuracy(S, Q - 1) == pytest.approx(fixed)  # diagonal 0 ties with Q-2 zeros + the 1
    assert al.topk_accuracy(S, Q) == 1.0
    # rows whose truth is beaten by exactly r_i others: hit iff r_i < k
    r = rng.integers(0, Q, size=Q)
    S2 = rng.random((Q, Q)) + 10.0
    for i in range(Q):
        order = np.argsort(-np.where(np.arange(Q) == i, -np.inf, S2[i]))  # others, best first
        S2[i, i] = S2[i, order[r[i] - 1]] - 1e-6 if r[i] > 0 else S2[i].max() + 1.0
    for k in (1, 5, 10):
        assert al.topk_accuracy(S2, k) == pytest.approx(np.mean(r < k))
    # ties count against: a constant matrix retrieves nothing below k = Q (and warns)
    with pytest.warns(RuntimeWarning, match="constant"):
        assert al.topk_accuracy(np.ones((Q, Q)), Q - 1) == 0.0


def test_matching_maximises_total_score():
    # greedy row-wise argmax would pick column 0 twice; the assignment must resolve it
    S = np.array([[10.0, 9.0], [9.5, 0.0]])
    assert al.matching_accuracy(S) == 0.0  # optimum 9 + 9.5 swaps both
    assert al.matching_accuracy(np.array([[10.0, 0.0], [9.5, 1.0]])) == 1.0


def test_cosine_scores():
    A = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    B = np.array([[3.0, 3.0], [-1.0, 0.0]])
    np.testing.assert_allclose(
        al.cosine_scores(A, B), [[1 / np.sqrt(2), -1.0], [1 / np.sqrt(2), 0.0], [0.0, 0.0]], atol=1e-12
    )


def test_chamfer_distance():
    assert al.chamfer_distance([[0.0]], [[1.0], [3.0]]) == pytest.approx(1.0 + (1.0 + 9.0) / 2)
    rng = np.random.default_rng(9)
    P, Q = rng.random((30, 3)), rng.random((20, 3))
    D = ((P[:, None] - Q[None]) ** 2).sum(-1)
    assert al.chamfer_distance(P, Q) == pytest.approx(D.min(1).mean() + D.min(0).mean(), abs=1e-12)
    assert al.chamfer_distance(P, P) == 0.0
    assert al.chamfer_distance(P, Q) == pytest.approx(al.chamfer_distance(Q, P))


# ----------------------------------------------------------------------- evaluate_alignment
@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(10)
    n = 700
    Z = rng.standard_normal((n, 5))
    X = np.hstack([Z, 2.0 * rng.standard_normal((n, 15))]) @ rng.standard_normal((20, 20))
    Y = np.hstack([Z, 2.0 * rng.standard_normal((n, 7))]) @ rng.standard_normal((12, 12))
    return X, Y, np.arange(600), np.arange(600, 700)


def test_evaluate_alignment_methods(planted):
    X, Y, a, q = planted
    acc = {}
    for m in al.METHODS:
        S = al.evaluate_alignment(X, Y, a, q, m, d=5, rng=0)
        assert S.shape == (100, 100)
        acc[m] = (al.matching_accuracy(S), al.topk_accuracy(S, 5))
    assert acc["none"][1] < 0.1  # p != q: pure noise scores (top-5 chance = 0.05)
    assert acc["affine"][1] > 0.1
    # the CCA subspace strips the private variance and beats the raw space by far (the paper's claim 4)
    for m in ("affine", "local_cka"):
        assert acc["subspace_" + m][0] > 0.7 and acc["subspace_" + m][1] > 0.9, (m, acc)
        assert acc["subspace_" + m][0] > acc[m][0] + 0.5, (m, acc)
    # "none" when p == q is the plain cosine; direction flips the mapped side
    S = al.evaluate_alignment(X, X[:, ::-1], a, q, "none")
    np.testing.assert_allclose(S, al.cosine_scores(X[q], X[q][:, ::-1]))
    S = al.evaluate_alignment(X, Y, a, q, "affine", direction="3d_to_text")
    np.testing.assert_allclose(S, al.cosine_scores(al.Affine().fit(X[a], Y[a]).transform(X[q]), Y[q]))


# ----------------------------------------------------------------------------- validation
def test_bad_inputs_raise_valueerror(planted):
    X, Y, a, q = planted
    nan = np.ones((10, 3))
    nan[2, 1] = np.nan
    bad_calls = [
        lambda: al.cka(np.ones(10), np.ones((10, 2))),
        lambda: al.cka(np.ones((10, 2)), np.ones((9, 2))),
        lambda: al.cka(nan, np.random.default_rng(0).random((10, 3))),
        lambda: al.cka(X, Y, kernel="poly"),
        lambda: al.cka(X[:3], Y[:3], debiased=True),
        lambda: al.cka(np.ones((10, 2)), Y[:10]),
        lambda: al.cka_chance(X, Y, n_perm=0),
        lambda: al.local_cka(X[a], Y[a], Y[q], Y[q]),
        lambda: al.CCA(13).fit(X, Y),
        lambda: al.CCA(0),
        lambda: al.CCA(2, reg=-1.0),
        lambda: al.CCA(2, reg=0.0).fit(X[:5], Y[:5]),
        lambda: al.CCA(2).transform(X, Y),
        lambda: al.CCA(2).fit(X, Y).transform(Y, Y),
        lambda: al.Affine().fit(X, Y).transform(Y),
        lambda: al.Affine().fit(X, nan),
        lambda: al.matching_accuracy(np.ones((3, 4))),
        lambda: al.topk_accuracy(np.eye(3), 0),
        lambda: al.topk_accuracy(np.where(np.eye(3) > 0, np.nan, 0.0), 1),
        lambda: al.chamfer_distance(np.ones((3, 2)), np.ones((3, 3))),
        lambda: al.cosine_scores(np.ones((3, 2)), np.ones((3, 3))),
        lambda: al.evaluate_alignment(X, Y, a, q, "procrustes"),
        lambda: al.evaluate_alignment(X, Y, a, q, "subspace_affine"),
        lambda: al.evaluate_alignment(X, Y, a, np.arange(550, 650), "affine"),
        lambda: al.evaluate_alignment(X, Y, a, q, "affine", direction="sideways"),
        lambda: al.evaluate_alignment(X, Y, a, [700], "affine"),
    ]
    for i, call in enumerate(bad_calls):
        with pytest.raises(ValueError):
            call()
            pytest.fail(f"bad call #{i} did not raise")
    with pytest.raises(TypeError):
        al.cka_chance(X, Y, n_perm=2, rng="seed")
