"""Centred kernel alignment (CKA) and local CKA.

Notation (paper 01, "CKA"): X: (n, p), Y: (n, q) are two representations of the same n samples;
K = k(X, X), L = l(Y, Y) their Gram matrices, H = I - 11^T/n the centring matrix.

    HSIC(K, L) = tr(K H L H) / (n - 1)^2
    CKA(K, L)  = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))

For the linear kernel everything is computed in feature space (O(n p q), never an n x n matrix):

    CKA_lin = ||X^T Y||_F^2 / (||X^T X||_F ||Y^T Y||_F)          (X, Y column-centred)

The debiased variant replaces HSIC by the unbiased estimator of Song et al. (2012, JMLR, eq. 5)

    HSIC_u(K, L) = [tr(K~ L~) + 1^T K~ 1 1^T L~ 1 / ((n-1)(n-2)) - 2/(n-2) 1^T K~ L~ 1] / (n (n-3))

with K~, L~ the Gram matrices with their diagonal set to zero. Its chance level is about 0.

Local CKA (Maniparambil et al., CVPR 2024) scores a candidate pair (x_i, y_j) by the linear CKA
of the anchors with that one pair appended; :func:`local_cka` evaluates all pairs in closed form.
"""
from __future__ import annotations

import warnings

import numpy as np
from ..progress import progress as tqdm

__all__ = [
    "cka",
    "cka_chance",
    "cka_from_grams",
    "gram_linear",
    "gram_rbf",
    "hsic_biased",
    "hsic_unbiased",
    "local_cka",
    "local_cka_rbf",
    "local_cka_bruteforce",
]

_KERNELS = ("linear", "rbf")


# --------------------------------------------------------------------------------------------
# input checking (shared by the whole ``xmodal.align`` package)
# --------------------------------------------------------------------------------------------
def _as_matrix(X, name: str = "X", min_rows: int = 1) -> np.ndarray:
    """``X`` (array-like or torch tensor) as a finite C-contiguous (n, p) float64 array.

    Raises ValueError (wrong rank, too few rows, NaN/inf, non-numeric) with what was wrong.
    """
    if hasattr(X, "detach") and hasattr(X, "cpu"):  # torch.Tensor without importing torch
        X = X.detach().cpu().numpy()
    try:
        A = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric (n, p) array or tensor; got {type(X).__name__}") from exc
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n samples, p features); got shape {A.shape}")
    if A.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows (samples); got shape {A.shape}")
    if A.shape[1] < 1:
        raise ValueError(f"{name} needs at least one feature column; got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        bad = int(np.size(A) - np.count_nonzero(np.isfinite(A)))
        raise ValueError(f"{name} contains {bad} non-finite values (NaN or inf); clean or impute them first")
    return np.ascontiguousarray(A)


def _pair(X, Y, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    X = _as_matrix(X, "X", min_rows)
    Y = _as_matrix(Y, "Y", min_rows)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must hold the same samples (same number of rows); got {X.shape[0]} and {Y.shape[0]}"
        )
    return X, Y


def _pow2_normalise(A: np.ndarray) -> np.ndarray:
    """``A`` times the power of two that brings its largest magnitude into [0.5, 1): exact (no rounding),
    and it keeps products like X^T X from overflowing (1e200) or underflowing (1e-200). Zero stays zero."""
    m = float(np.max(np.abs(A), initial=0.0))
    if m == 0.0 or not np.isfinite(m):
        return A
    _, e = np.frexp(m)
    return np.ldexp(A, -int(e))


def _gram(K, name: str, n: int | None = None) -> np.ndarray:
    """``K`` as a finite square float64 Gram matrix (of ``n`` samples when given); ValueError naming ``name``."""
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) Gram matrix; got shape {K.shape}")
    if n is not None and K.shape[0] != n:
        raise ValueError(f"{name} is a Gram matrix of {K.shape[0]} samples but the other one has {n}; "
                         "both must be computed on the same samples")
    if K.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples; got shape {K.shape}")
    if not np.all(np.isfinite(K)):
        bad = int(K.size - np.count_nonzero(np.isfinite(K)))
        raise ValueError(f"{name} contains {bad} non-finite values (NaN or inf); check the features it was built from")
    return K


def _make_rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(0 if rng is None else int(rng))
    raise TypeError(f"rng must be a numpy Generator, an int seed or None; got {type(rng).__name__}")


# --------------------------------------------------------------------------------------------
# kernel-matrix definitions (n x n; used for kernel='rbf' and as the reference in tests)
# --------------------------------------------------------------------------------------------
def gram_linear(X) -> np.ndarray:
    """Linear Gram matrix K = X X^T. X: (n, p) -> (n, n)."""
    X = _as_matrix(X)
    return X @ X.T


def gram_rbf(X, threshold: float = 0.5) -> np.ndarray:
    """RBF Gram matrix K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)). X: (n, p) -> (n, n).

    sigma^2 = threshold^2 * median of all n^2 squared pairwise distances (zero diagonal included),
    the bandwidth rule of Kornblith et al. (2019)'s demo.
    """
    if not (np.isscalar(threshold) and float(threshold) > 0):
        raise ValueError(f"rbf_threshold must be a positive number; got {threshold!r}")
    X = _as_matrix(X)
    X = _pow2_normalise(X - X.mean(0))  # distances are translation invariant; K is scale invariant (median rule)
    sq = np.einsum("ij,ij->i", X, X)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (X @ X.T), 0.0)
    med = float(np.median(d2))
    if med <= 0:
        raise ValueError("RBF bandwidth is zero: more than half of the pairwise distances are 0 (duplicate rows?)")
    return np.exp(-d2 / (2.0 * float(threshold) ** 2 * med))


def hsic_biased(K, L) -> float:
    """Biased HSIC tr(K H L H) / (n-1)^2 with H = I - 11^T/n. K, L: (n, n)."""
    K = _gram(K, "K")
    L = _gram(L, "L", K.shape[0])
    n = K.shape[0]
    Kc = K - K.mean(0, keepdims=True) - K.mean(1, keepdims=True) + K.mean()  # H K H
    return float(np.sum(Kc * L) / (n - 1) ** 2)  # tr(HKH L) = tr(K H L H)


def hsic_unbiased(K, L) -> float:
    """Unbiased HSIC of Song et al. (2012), eq. 5. K, L: (n, n), n >= 4."""
    K = _gram(K, "K").copy()
    L = _gram(L, "L", K.shape[0]).copy()
    n = K.shape[0]
    if n < 4:
        raise ValueError(f"the unbiased HSIC estimator needs n >= 4 samples; got {n}")
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    k1, l1 = K.sum(1), L.sum(1)
    val = np.sum(K * L) + k1.sum() * l1.sum() / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * (k1 @ l1)
    return float(val / (n * (n - 3)))


def cka_from_grams(K, L, debiased: bool = False) -> float:
    """CKA of two (n, n) Gram matrices: HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)).

    K and L must be square, of the same n, and finite (ValueError naming the bad one otherwise). Each is
    rescaled by a power of two first (CKA is scale invariant), so huge or tiny Grams neither overflow nor
    underflow.
    """
    K = _pow2_normalise(_gram(K, "K"))
    L = _pow2_normalise(_gram(L, "L", K.shape[0]))
    h = hsic_unbiased if debiased else hsic_biased
    return _ratio(h(K, L), h(K, K), h(L, L), debiased)


def _ratio(kl: float, kk: float, ll: float, debiased: bool = False) -> float:
    if not all(np.isfinite(v) for v in (kl, kk, ll)):
        raise FloatingPointError(f"CKA: non-finite HSIC terms ({kl}, {kk}, {ll}); the inputs are out of range")
    if kk == 0 or ll == 0:
        which = "X (K)" if kk == 0 else "Y (L)"
        raise ValueError(f"CKA undefined: representation {which} is constant over the samples (zero variance)")
    den = kk * ll
    if not den > 0:
        if debiased:
            warnings.warn("debiased self-HSIC is negative (too few samples); CKA is NaN", RuntimeWarning, stacklevel=3)
            return float("nan")
        raise FloatingPointError(f"CKA: negative biased self-HSIC ({kk}, {ll}); the Gram matrices are not "
                                 "positive semi-definite")
    return float(kl / np.sqrt(kk) / np.sqrt(ll))


# --------------------------------------------------------------------------------------------
# CKA
# --------------------------------------------------------------------------------------------
def _linear_terms(Xc: np.ndarray, Yc: np.ndarray, debiased: bool) -> tuple[float, float, float]:
    """(HSIC(X,Y), HSIC(X,X), HSIC(Y,Y)) up to a common factor, from centred features, no n x n."""
    xy = float(np.sum((Xc.T @ Yc) ** 2))  # tr(K L) = ||X^T Y||_F^2
    xx = float(np.sum((Xc.T @ Xc) ** 2))
    yy = float(np.sum((Yc.T @ Yc) ** 2))
    if not debiased:
        return xy, xx, yy
    # Song et al. eq. 5 with K = X X^T on centred X: 1^T K = 0, so with r = diag(K), s = tr(K):
    # tr(K~L~) = tr(KL) - r_x.r_y, 1^T K~ 1 = -s_x, K~ 1 = -r_x  =>
    # n(n-3) HSIC_u = tr(KL) - n/(n-2) r_x.r_y + s_x s_y / ((n-1)(n-2)).
    n = Xc.shape[0]
    if n < 4:
        raise ValueError(f"debiased CKA needs n >= 4 samples; got {n}")
    rx = np.einsum("ij,ij->i", Xc, Xc)
    ry = np.einsum("ij,ij->i", Yc, Yc)
    sx, sy = rx.sum(), ry.sum()
    a, b = n / (n - 2.0), 1.0 / ((n - 1.0) * (n - 2.0))
    return (
        xy - a * float(rx @ ry) + b * sx * sy,
        xx - a * float(rx @ rx) + b * sx * sx,
        yy - a * float(ry @ ry) + b * sy * sy,
    )


def cka(X, Y, kernel: str = "linear", debiased: bool = False, rbf_threshold: float = 0.5) -> float:
    """CKA between two representations of the same n samples.

    X: (n, p), Y: (n, q) arrays or tensors (any float dtype; computed in float64).
    kernel='linear': feature-space formula ||X^T Y||_F^2 / (||X^T X||_F ||Y^T Y||_F) on centred
    X, Y (memory O(n(p+q) + p^2 + q^2), no n x n matrix). kernel='rbf': n x n Gram matrices with
    sigma^2 = rbf_threshold^2 * median squared pairwise distance. debiased=True uses the unbiased
    HSIC estimator of Song et al. (2012) (feature-space for linear, n x n for rbf), needs n >= 4.
    """
    if kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {_KERNELS}; got {kernel!r}")
    X, Y = _pair(X, Y, min_rows=4 if debiased else 2)
    # CKA is invariant to scaling either representation: bring both to magnitude ~1 by exact powers of two
    # first, so that 1e200 does not overflow and 1e-200 does not underflow into "constant representation".
    X, Y = _pow2_normalise(X), _pow2_normalise(Y)
    if kernel == "rbf":
        return cka_from_grams(gram_rbf(X, rbf_threshold), gram_rbf(Y, rbf_threshold), debiased=debiased)
    Xc = _pow2_normalise(X - X.mean(0))
    Yc = _pow2_normalise(Y - Y.mean(0))
    return _ratio(*_linear_terms(Xc, Yc, debiased), debiased)


def cka_chance(X, Y, n_perm: int = 20, rng=None, **cka_kwargs) -> tuple[float, float]:
    """Chance level of :func:`cka` for these encoders: mean and std over ``n_perm`` shuffles of Y's rows.

    Shuffling breaks the pairing but keeps both marginal distributions (same encoders, same n).
    rng: np.random.Generator or int seed (None means seed 0; global state is never used).
    Returns (mean, std) with std the population std (ddof=0).
    """
    if not (isinstance(n_perm, (int, np.integer)) and n_perm >= 1):
        raise ValueError(f"n_perm must be a positive int; got {n_perm!r}")
    X, Y = _pair(X, Y)
    g = _make_rng(rng)
    vals = np.array([cka(X, Y[g.permutation(Y.shape[0])], **cka_kwargs) for _ in range(int(n_perm))])
    return float(vals.mean()), float(vals.std())


# --------------------------------------------------------------------------------------------
# local CKA
# --------------------------------------------------------------------------------------------
def _local_inputs(XA, YA, Xq, Yq):
    XA, YA = _pair(XA, YA, min_rows=1)
    Xq = _as_matrix(Xq, "Xq")
    Yq = _as_matrix(Yq, "Yq")
    if Xq.shape[1] != XA.shape[1]:
        raise ValueError(f"Xq has {Xq.shape[1]} features but the anchors XA have {XA.shape[1]}")
    if Yq.shape[1] != YA.shape[1]:
        raise ValueError(f"Yq has {Yq.shape[1]} features but the anchors YA have {YA.shape[1]}")
    return XA, YA, Xq, Yq


def local_cka(XA, YA, Xq, Yq) -> np.ndarray:
    """Local CKA of all query pairs, exact closed form (linear kernel, biased HSIC).

    XA: (n_A, p), YA: (n_A, q) paired anchors; Xq: (Q_x, p), Yq: (Q_y, q) queries.
    Returns S: (Q_x, Q_y) with S[i, j] = cka([XA; Xq[i]], [YA; Yq[j]]).

    Appending one row x to n_A anchors moves the mean by u/(n_A+1) and adds c u u^T to the centred
    scatter, c = n_A/(n_A+1), u = x - mu_x. Hence, with S_xy = sum_a (x_a-mu_x)(y_a-mu_y)^T, v = y - mu_y:
        num = ||S_xy||_F^2 + 2c u^T S_xy v + c^2 ||u||^2 ||v||^2
        den = sqrt(||S_xx||_F^2 + 2c u^T S_xx u + c^2 ||u||^4) * (same for y)
    Cost O(n_A p q + Q_x Q_y + Q (p^2 + q^2 + p q)); no loop over pairs.
    """
    XA, YA, Xq, Yq = _local_inputs(XA, YA, Xq, Yq)
    n = XA.shape[0]
    c = n / (n + 1.0)
    mx, my = XA.mean(0), YA.mean(0)
    XAc, YAc = XA - mx, YA - my
    Sxy, Sxx, Syy = XAc.T @ YAc, XAc.T @ XAc, YAc.T @ YAc
    U, V = Xq - mx, Yq - my
    uu = np.einsum("ij,ij->i", U, U)
    vv = np.einsum("ij,ij->i", V, V)
    num = np.sum(Sxy**2) + 2.0 * c * ((U @ Sxy) @ V.T) + c**2 * np.outer(uu, vv)
    dx = np.sum(Sxx**2) + 2.0 * c * np.einsum("ij,ij->i", U @ Sxx, U) + c**2 * uu**2
    dy = np.sum(Syy**2) + 2.0 * c * np.einsum("ij,ij->i", V @ Syy, V) + c**2 * vv**2
    if np.any(dx <= 0) or np.any(dy <= 0):
        raise ValueError("local CKA undefined: anchors plus a query have zero variance (all rows identical)")
    return num / np.sqrt(np.outer(dx, dy))


def _anchor_rbf(A: np.ndarray, Q: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(K_A (n, n), K_q (Q, n)): RBF kernels of the anchors with themselves and of the queries with the
    anchors, one bandwidth sigma^2 = threshold^2 * median squared distance among the anchors (zero diagonal
    included, :func:`gram_rbf`'s rule), so that appending a query never changes the kernel of the others."""
    if not (np.isscalar(threshold) and float(threshold) > 0):
        raise ValueError(f"rbf_threshold must be a positive number; got {threshold!r}")
    mu = A.mean(0)
    A, Q = A - mu, Q - mu
    a2, q2 = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", Q, Q)
    dA = np.maximum(a2[:, None] + a2[None, :] - 2.0 * (A @ A.T), 0.0)
    med = float(np.median(dA))
    if med <= 0:
        raise ValueError("RBF bandwidth is zero: more than half of the anchors' pairwise distances are 0 "
                         "(duplicate anchor rows?)")
    dQ = np.maximum(q2[:, None] + a2[None, :] - 2.0 * (Q @ A.T), 0.0)
    s = 2.0 * float(threshold) ** 2 * med
    return np.exp(-dA / s), np.exp(-dQ / s)


def local_cka_rbf(XA, YA, Xq, Yq, rbf_threshold: float = 0.5) -> np.ndarray:
    """Local CKA of all query pairs with RBF kernels (biased HSIC), exact closed form.

    Shapes as in :func:`local_cka`. S[i, j] = CKA_rbf([XA; Xq[i]], [YA; Yq[j]]) with the bandwidth of each
    modality fixed by the anchors (sigma^2 = rbf_threshold^2 * median squared anchor distance; an
    assumption: the public reference recomputes it on the n_A + 1 rows, which moves it by O(1/n_A)).
    With K' = [[K_A, k], [k^T, 1]] (k = kernel of the query with the anchors), m = n_A + 1 and
    r = K_A 1, s_k = 1^T k, S_K = 1^T K_A 1, the HSIC numerator tr(K' H L' H) is
        sum(K' o L') - (2/m) (K'1)^T (L'1) + (1^T K' 1)(1^T L' 1) / m^2,
    with sum(K' o L') = sum(K_A o L_A) + 2 k^T l + 1, (K'1)^T (L'1) = (r_K + k)^T (r_L + l) + (s_k + 1)(s_l + 1)
    and 1^T K' 1 = S_K + 2 s_k + 1: every term is a scalar, a per-query vector or the (Q_x, Q_y) product
    K_q L_q^T, so all pairs cost O(n_A^2 (p + q) + Q_x Q_y n_A). Verified against
    :func:`local_cka_bruteforce` (``kernel="rbf"``) in the tests.
    """
    XA, YA, Xq, Yq = _local_inputs(XA, YA, Xq, Yq)
    if XA.shape[0] < 2:
        raise ValueError(f"RBF local CKA needs at least 2 anchors; got {XA.shape[0]}")
    KA, Kq = _anchor_rbf(XA, Xq, rbf_threshold)
    LA, Lq = _anchor_rbf(YA, Yq, rbf_threshold)
    m = XA.shape[0] + 1.0
    rK, rL = KA.sum(1), LA.sum(1)
    SK, SL = rK.sum(), rL.sum()
    sk, sl = Kq.sum(1), Lq.sum(1)
    KL = Kq @ Lq.T
    num = (np.sum(KA * LA) + 2.0 * KL + 1.0
           - (2.0 / m) * (rK @ rL + (Lq @ rK)[None, :] + (Kq @ rL)[:, None] + KL + np.outer(sk + 1.0, sl + 1.0))
           + np.outer(SK + 2.0 * sk + 1.0, SL + 2.0 * sl + 1.0) / m**2)

    def self_term(GA, r, S, Gq, s):
        rq = r[None, :] + Gq
        return (np.sum(GA * GA) + 2.0 * np.einsum("ij,ij->i", Gq, Gq) + 1.0
                - (2.0 / m) * (np.einsum("ij,ij->i", rq, rq) + (s + 1.0) ** 2) + (S + 2.0 * s + 1.0) ** 2 / m**2)

    dx, dy = self_term(KA, rK, SK, Kq, sk), self_term(LA, rL, SL, Lq, sl)
    if np.any(dx <= 0) or np.any(dy <= 0):
        raise ValueError("RBF local CKA undefined: anchors plus a query have zero kernel variance")
    return num / np.sqrt(np.outer(dx, dy))


def local_cka_bruteforce(XA, YA, Xq, Yq, kernel: str = "linear", rbf_threshold: float = 0.5) -> np.ndarray:
    """Local CKA by its definition: one full CKA of size n_A + 1 per pair (slow, reference).

    Shapes as in :func:`local_cka`. kernel='linear': :func:`cka`; kernel='rbf': the (n_A + 1)^2 RBF Gram
    matrices with the anchors' bandwidth (as :func:`local_cka_rbf`) and :func:`cka_from_grams`.
    Loops over all Q_x * Q_y pairs with a tqdm bar.
    """
    if kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {_KERNELS}; got {kernel!r}")
    XA, YA, Xq, Yq = _local_inputs(XA, YA, Xq, Yq)
    out = np.empty((Xq.shape[0], Yq.shape[0]))
    with tqdm(total=out.size, desc="local CKA (brute force)", leave=False) as bar:
        for i in range(Xq.shape[0]):
            Xi = np.vstack([XA, Xq[i : i + 1]])
            Ki = None if kernel == "linear" else _full_rbf(XA, Xi, rbf_threshold)
            for j in range(Yq.shape[0]):
                Yj = np.vstack([YA, Yq[j : j + 1]])
                out[i, j] = (cka(Xi, Yj) if kernel == "linear"
                             else cka_from_grams(Ki, _full_rbf(YA, Yj, rbf_threshold)))
                bar.update()
    return out


def _full_rbf(A: np.ndarray, Z: np.ndarray, threshold: float) -> np.ndarray:
    """The (len(Z), len(Z)) RBF Gram of the rows Z with the bandwidth of the anchors A (reference only)."""
    mu = A.mean(0)
    A, Z = A - mu, Z - mu
    a2 = np.einsum("ij,ij->i", A, A)
    med = float(np.median(np.maximum(a2[:, None] + a2[None, :] - 2.0 * (A @ A.T), 0.0)))
    d = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)
    return np.exp(-d / (2.0 * float(threshold) ** 2 * med))
