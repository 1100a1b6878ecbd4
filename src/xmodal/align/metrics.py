"""Scores and task metrics of paper 01: cosine scores, matching (linear sum assignment),
top-k retrieval, Chamfer distance, and :func:`evaluate_alignment`, which builds the (Q, Q) score
matrix of one alignment method from anchors and queries.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from .affine import Affine
from .cca import CCA
from .cka import _as_matrix, _make_rng, _pair, local_cka

__all__ = [
    "cosine_scores",
    "matching_accuracy",
    "topk_accuracy",
    "chamfer_distance",
    "evaluate_alignment",
    "METHODS",
]

METHODS = ("none", "affine", "local_cka", "subspace_affine", "subspace_local_cka")
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


def _square_scores(S) -> np.ndarray:
    S = _as_matrix(S, "S")
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be square (query i's true partner is candidate i); got shape {S.shape}")
    return S


def matching_accuracy(S) -> float:
    """Matching accuracy. S: (Q, Q), S[i, j] = score of query i vs candidate j, truth on the diagonal.

    Solves the linear sum assignment maximising the total score (scipy, Hungarian/JV) and returns the
    fraction of queries assigned to their true partner.
    """
    S = _square_scores(S)
    rows, cols = linear_sum_assignment(S, maximize=True)
    return float(np.mean(cols == rows))


def topk_accuracy(S, k: int) -> float:
    """Top-k retrieval accuracy. S: (Q, Q), truth on the diagonal.

    Query i is a hit when fewer than k other candidates score >= S[i, i] (ties count against).
    """
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"k must be a positive int; got {k!r}")
    S = _square_scores(S)
    diag = np.diag(S)
    n_ge = (S >= diag[:, None]).sum(1) - 1  # other candidates at least as good as the truth
    return float(np.mean(n_ge < k))


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
    # affine
    if direction == "text_to_3d":
        return cosine_scores(Xq, Affine().fit(YA, XA).transform(Yq))
    return cosine_scores(Affine().fit(XA, YA).transform(Xq), Yq)
