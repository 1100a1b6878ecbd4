"""Affine alignment (latent space translation), paper 01.

Fit T(x) = R x + b on paired anchors by least squares,
    (R, b) = argmin sum_a ||R x_a + b - y_a||^2,
solved as R^T = lstsq(X_A - mu_x, Y_A - mu_y), b = mu_y - R mu_x (same minimiser as lstsq on
[X_A, 1], better conditioned). numpy lstsq returns the minimum-norm R when n < p.
"""
from __future__ import annotations

import numpy as np

from .cka import _as_matrix, _pair

__all__ = ["Affine"]


class Affine:
    """Least-squares affine map x -> R x + b from a source space (p) to a destination space (q).

    Fitted attributes: coef_ R: (q, p), intercept_ b: (q,), rank_ (rank of the centred source).
    """

    def fit(self, X_src, Y_dst) -> "Affine":
        """X_src: (n, p), Y_dst: (n, q) paired anchors, n >= 2. Returns self."""
        X, Y = _pair(X_src, Y_dst, min_rows=2)
        mx, my = X.mean(0), Y.mean(0)
        W, _, rank, _ = np.linalg.lstsq(X - mx, Y - my, rcond=None)  # W: (p, q) = R^T
        self.coef_ = np.ascontiguousarray(W.T)
        self.intercept_ = my - mx @ W
        self.rank_ = int(rank)
        return self

    def transform(self, X) -> np.ndarray:
        """X: (m, p) -> (m, q), rows R x + b."""
        if not hasattr(self, "coef_"):
            raise ValueError("this Affine map is not fitted yet; call .fit(X_src, Y_dst) first")
        X = _as_matrix(X, "X")
        if X.shape[1] != self.coef_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features; this map was fitted on {self.coef_.shape[1]}")
        return X @ self.coef_.T + self.intercept_

    def __repr__(self) -> str:
        shape = "" if not hasattr(self, "coef_") else f"  # R: {self.coef_.shape}"
        return f"Affine(){shape}"
