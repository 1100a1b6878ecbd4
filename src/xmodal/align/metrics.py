"""Scores and task metrics of paper 01: cosine scores, matching (linear sum assignment),
top-k retrieval, Chamfer distance, and :func:`evaluate_alignment`, which builds the (Q, Q) score
matrix of one alignment method from anchors and queries.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from .affine import Affine
from .cca import CCA
from .cka import _as_matrix, _make_rng, _pair, local_cka, local_cka_rbf

__all__ = [
    "cosine_scores",
    "matching_accuracy",
    "matching_hits",
    "topk_accuracy",
    "topk_hits",
    "label_topk_accuracy",
    "nearest_neighbours",
    "chamfer_distance",
    "evaluate_alignment",
    "METHODS",
]

METHODS = ("none", "affine", "local_cka", "subspace_affine", "subspace_local_cka", "local_cka_rbf",
           "subspace_local_cka_rbf")
_DIRECTIONS = ("text_to_3d", "3d_to_text")


def cosine_scores(A, B) -> np.ndarray:
    """Cosine similarity of every row pair. A: (n, d), B: (m, d) -> (n, m), S_ij = <a_i, b_j>/(|a_i| |b_j|).

    A zero row has cosine 0 with everything (its norm is clipped at 1e-300, never divided by 0).
    """
    A = _as_matrix(A, "A")
    B = _as_matrix(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same dimension; got {A.shape[1]} and {B.shape[1]}")
    An = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-300)
    Bn = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-300)
    return An @ Bn.T


def _square_scores(S, metric: str) -> np.ndarray:
    S = _as_matrix(S, "S")
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be square (query i's true partner is candidate i); got shape {S.shape}")
    if S.size > 1 and np.ptp(S) == 0:
        warnings.warn(f"{metric}: the score matrix is constant ({S.flat[0]!r} everywhere): every candidate ties, "
                      "so no query can be retrieved (ties count as misses). Are the features all zero or "
                      "identical?", RuntimeWarning, stacklevel=3)
    return S


#: Scores closer than this fraction of the score range (times Q for a whole assignment) are treated as tied.
TIE_TOL = 1e-9


def matching_accuracy(S) -> float:
    """Matching accuracy. S: (Q, Q), S[i, j] = score of query i vs candidate j, truth on the diagonal.

    Solves the linear sum assignment maximising the total score (scipy, Hungarian/JV) and returns the
    fraction of queries assigned to their true partner. Ties count against, as in :func:`topk_accuracy`:
    among assignments of (numerically) equal total score the one with the fewest true pairs is taken, so a
    query whose truth only ties with another candidate is a miss (a constant S gives 0, not 1, and warns).
    Implemented by penalising the diagonal by ``TIE_TOL`` × the score range, far below any real score gap.
    """
    return float(np.mean(matching_hits(S)))


def matching_hits(S) -> np.ndarray:
    """(Q,) bool: query i assigned to its true partner by the assignment of :func:`matching_accuracy`
    (whose value is the mean of these hits). S: (Q, Q), truth on the diagonal."""
    S = _square_scores(S, "matching_accuracy")
    span = float(np.ptp(S)) if S.size else 0.0
    scale = max(span, float(np.abs(S).max(initial=0.0)), np.finfo(float).tiny)
    penalised = S - (TIE_TOL * scale) * np.eye(S.shape[0])
    rows, cols = linear_sum_assignment(penalised, maximize=True)
    return cols == rows


def topk_accuracy(S, k: int) -> float:
    """Top-k retrieval accuracy. S: (Q, Q), truth on the diagonal.

    Query i is a hit when fewer than k other candidates score >= S[i, i] (ties count against).
    """
    return float(np.mean(topk_hits(S, k)))


def topk_hits(S, k: int) -> np.ndarray:
    """(Q,) bool: query i's true partner is among its top k (ties count against); the mean is
    :func:`topk_accuracy`. S: (Q, Q), truth on the diagonal."""
    if not (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1):
        raise ValueError(f"k must be a positive int; got {k!r}")
    S = _square_scores(S, "topk_accuracy")
    diag = np.diag(S)
    n_ge = (S >= diag[:, None]).sum(1) - 1  # other candidates at least as good as the truth
    return n_ge < k


def label_topk_accuracy(S, labels, k: int = 1) -> float:
    """Top-k classification accuracy from class scores S: (n, C) and true labels (n,) ints in [0, C).

    Sample i is a hit when fewer than k *other* classes score >= S[i, labels[i]]: ties count against, so a
    constant score row (e.g. a text with no known word) is a miss, never a hit for class 0 as a bare argmax
    would make it. Warns when S is constant.
    """
    S = np.asarray(S, np.float64)
    y = np.asarray(labels)
    if S.ndim != 2 or y.shape != (S.shape[0],):
        raise ValueError(f"need scores (n, C) and labels (n,), got {S.shape} and {y.shape}")
    if not (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1):
        raise ValueError(f"k must be a positive int; got {k!r}")
    if not np.isfinite(S).all():
        raise ValueError("label_topk_accuracy: scores contain NaN or inf")
    if y.size and (y.min() < 0 or y.max() >= S.shape[1]):
        raise ValueError(f"labels must lie in [0, {S.shape[1]}), got [{y.min()}, {y.max()}]")
    if S.size and np.ptp(S) == 0:
        warnings.warn("label_topk_accuracy: the score matrix is constant (a collapsed embedding?); every "
                      "sample counts as a miss", RuntimeWarning, stacklevel=2)
    true = S[np.arange(len(y)), y]
    n_ge = (S >= true[:, None]).sum(1) - 1
    return float(np.mean(n_ge < k)) if len(y) else float("nan")


def nearest_neighbours(S, k: int, seed: int = 0) -> np.ndarray:
    """Indices (n, k) of the k highest-scoring columns of each row of S: (n, m), ties broken by one fixed
    seeded permutation of the columns (not by column order, which is often sorted by label)."""
    S = np.asarray(S)
    perm = np.random.default_rng(seed).permutation(S.shape[1])
    return perm[np.argsort(-S[:, perm], axis=1, kind="stable")[:, :k]]


def chamfer_distance(P, Q) -> float:
    """Symmetric Chamfer distance of point sets P: (n, d), Q: (m, d):

        CD = mean_{p in P} min_{q in Q} ||p - q||^2 + mean_{q in Q} min_{p in P} ||p - q||^2

    (sum of the two directed means, the PyTorch3D convention), nearest neighbours by scipy cKDTree.
    """
    P = _as_matrix(P, "P")
    Q = _as_matrix(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise ValueError(f"P and Q must have the same dimension; got {P.shape[1]} and {Q.shape[1]}")
    d_pq, _ = cKDTree(Q).query(P, k=1)
    d_qp, _ = cKDTree(P).query(Q, k=1)
    return float(np.mean(d_pq**2) + np.mean(d_qp**2))


def _index(idx, n: int, name: str) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"boolean {name} must have shape ({n},); got {idx.shape}")
        idx = np.flatnonzero(idx)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D integer (or boolean) index; got {idx.dtype} {idx.shape}")
    if idx.min() < -n or idx.max() >= n:
        raise ValueError(f"{name} has indices outside [0, {n})")
    idx = idx % n
    if np.unique(idx).size != idx.size:
        raise ValueError(f"{name} has repeated indices")
    return idx


def evaluate_alignment(
    X,
    Y,
    anchors_idx,
    query_idx,
    method: str,
    d: int | None = None,
    reg: float = 1e-3,
    direction: str = "text_to_3d",
    rng=None,
) -> np.ndarray:
    """Score matrix of one alignment method (paper 01). Rows: 3D queries; columns: text queries.

    X: (n, p) 3D embeddings, Y: (n, q) text embeddings of the same n objects (row i of X pairs with
    row i of Y). anchors_idx, query_idx: disjoint indices into the rows (anchors fit the alignment,
    queries are scored). Returns S: (Q, Q) with the true pairs on the diagonal; feed it to
    :func:`matching_accuracy` / :func:`topk_accuracy`.

    method:
      "none"               cosine(X_q, Y_q) in the raw spaces when p == q. When p != q there is no
                           common space: S is i.i.d. Uniform(0, 1) noise drawn from ``rng``
                           (independent of the data), whose expected matching accuracy is 1/Q and
                           top-k accuracy k/Q, i.e. exactly chance.
      "affine"             least-squares affine map fitted on the anchors, then cosine. direction
                           "text_to_3d" (default, as in the paper) maps Y -> 3D space; "3d_to_text"
                           maps X -> text space.
      "local_cka"          :func:`local_cka` on the raw anchors and queries.
      "subspace_affine"    CCA(d, reg) fitted on the anchors, everything projected to R^d, then "affine".
      "subspace_local_cka" CCA(d, reg) projection, then "local_cka".
      "local_cka_rbf"      :func:`local_cka_rbf` (RBF kernels, bandwidths from the anchors) on the raw rows;
      "subspace_local_cka_rbf" CCA(d, reg) projection, then "local_cka_rbf".
    d: CCA dimension (required for the subspace methods; 1 <= d <= min(p, q)).
    reg: CCA relative ridge (see :class:`CCA`). rng: Generator or int seed, used only by "none" with p != q.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {_DIRECTIONS}; got {direction!r}")
    X, Y = _pair(X, Y, min_rows=2)
    n = X.shape[0]
    a = _index(anchors_idx, n, "anchors_idx")
    qi = _index(query_idx, n, "query_idx")
    if np.intersect1d(a, qi).size:
        raise ValueError("anchors_idx and query_idx overlap; queries must be held out from the anchors")
    XA, YA, Xq, Yq = X[a], Y[a], X[qi], Y[qi]

    if method.startswith("subspace_"):
        if d is None:
            raise ValueError(f"method {method!r} needs the subspace dimension d (paper: d = 50)")
        cca = CCA(d, reg=reg).fit(XA, YA)
        XA, YA = cca.transform(XA, YA)
        Xq, Yq = cca.transform(Xq, Yq)
        method = method[len("subspace_"):]

    if method == "none":
        if X.shape[1] == Y.shape[1]:
            return cosine_scores(Xq, Yq)
        return _make_rng(rng).random((len(qi), len(qi)))
    if method == "local_cka":
        return local_cka(XA, YA, Xq, Yq)
    if method == "local_cka_rbf":
        return local_cka_rbf(XA, YA, Xq, Yq)
    # affine
    if direction == "text_to_3d":
        return cosine_scores(Xq, Affine().fit(YA, XA).transform(Yq))
    return cosine_scores(Affine().fit(XA, YA).transform(Xq), Yq)
