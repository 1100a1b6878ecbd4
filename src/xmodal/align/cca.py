"""Ridge-regularised canonical correlation analysis (closed form), paper 01's subspace projection.

Fit on paired anchors X_A: (n, p), Y_A: (n, q), centred with the anchor means mu_x, mu_y:

    C_xx = X_A^T X_A / (n-1),  C_yy likewise,  C_xy = X_A^T Y_A / (n-1)
    W_x  = (C_xx + eps_x I)^(-1/2),  W_y = (C_yy + eps_y I)^(-1/2)        (symmetric whitening)
    W_x C_xy W_y = U diag(rho) V^T                                          (SVD)
    A = W_x U[:, :k] (p, k),  B = W_y V[:, :k] (q, k)
    transform: X^r = (X - mu_x) A,  Y^r = (Y - mu_y) B

Assumption (the paper does not state its regularisation): eps is *relative*,
eps_x = reg * tr(C_xx) / p (reg times the mean eigenvalue of C_xx), so the fit is invariant to
rescaling either modality; reg=0 gives classical CCA (needs full-rank covariances).
"""
from __future__ import annotations

import numpy as np

from .cka import _as_matrix, _pair

__all__ = ["CCA"]


def _inv_sqrt_psd(C: np.ndarray, reg: float, name: str) -> np.ndarray:
    """(C + eps I)^(-1/2) for symmetric PSD C, eps = reg * mean eigenvalue of C."""
    p = C.shape[0]
    scale = np.trace(C) / p
    if not scale > 0:
        raise ValueError(f"{name} has zero variance over the anchors; CCA is undefined")
    w, E = np.linalg.eigh(C + reg * scale * np.eye(p))
    if w.min() <= 1e-12 * scale:
        raise ValueError(
            f"covariance of {name} is singular (fewer anchors than features or collinear features); "
            f"use reg > 0 (got reg={reg})"
        )
    return (E / np.sqrt(w)) @ E.T


class CCA:
    """Ridge-regularised closed-form CCA (see module docstring for the equations).

    Parameters: n_components k (1 <= k <= min(p, q), checked at fit), reg >= 0 (relative ridge).
    Fitted attributes: mean_x_ (p,), mean_y_ (q,), weights_x_ (p, k), weights_y_ (q, k),
    correlations_ (k,) = the top-k singular values of the whitened cross-covariance, i.e. the
    (regularised) canonical correlations, descending, in [0, 1].
    """

    def __init__(self, n_components: int, reg: float = 1e-3):
        if not (isinstance(n_components, (int, np.integer)) and n_components >= 1):
            raise ValueError(f"n_components must be a positive int; got {n_components!r}")
        if not (np.isscalar(reg) and np.isfinite(reg) and float(reg) >= 0):
            raise ValueError(f"reg must be a finite number >= 0; got {reg!r}")
        self.n_components = int(n_components)
        self.reg = float(reg)

    def fit(self, XA, YA) -> "CCA":
        """Fit on paired anchors XA: (n, p), YA: (n, q), n >= 2. Returns self."""
        XA, YA = _pair(XA, YA, min_rows=2)
        n, p = XA.shape
        q = YA.shape[1]
        k = self.n_components
        if k > min(p, q):
            raise ValueError(f"n_components={k} exceeds min(p, q) = min({p}, {q}) = {min(p, q)}")
        self.mean_x_, self.mean_y_ = XA.mean(0), YA.mean(0)
        Xc, Yc = XA - self.mean_x_, YA - self.mean_y_
        Wx = _inv_sqrt_psd(Xc.T @ Xc / (n - 1), self.reg, "X")
        Wy = _inv_sqrt_psd(Yc.T @ Yc / (n - 1), self.reg, "Y")
        T = Wx @ (Xc.T @ Yc / (n - 1)) @ Wy
        U, s, Vt = np.linalg.svd(T, full_matrices=False)
        U, V = U[:, :k], Vt[:k].T
        # deterministic signs: the largest-magnitude entry of each column of U is positive
        sign = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(k)])
        sign[sign == 0] = 1.0
        U, V = U * sign, V * sign
        self.weights_x_ = Wx @ U
        self.weights_y_ = Wy @ V
        self.correlations_ = np.clip(s[:k], 0.0, None)
        return self

    def _check_fitted(self):
        if not hasattr(self, "weights_x_"):
            raise ValueError("this CCA is not fitted yet; call .fit(XA, YA) first")

    def transform_x(self, X) -> np.ndarray:
        """X: (m, p) -> (m, k), (X - mu_x) W_x."""
        self._check_fitted()
        X = _as_matrix(X, "X")
        if X.shape[1] != self.weights_x_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features; this CCA was fitted on {self.weights_x_.shape[0]}")
        return (X - self.mean_x_) @ self.weights_x_

    def transform_y(self, Y) -> np.ndarray:
        """Y: (m, q) -> (m, k), (Y - mu_y) W_y."""
        self._check_fitted()
        Y = _as_matrix(Y, "Y")
        if Y.shape[1] != self.weights_y_.shape[0]:
            raise ValueError(f"Y has {Y.shape[1]} features; this CCA was fitted on {self.weights_y_.shape[0]}")
        return (Y - self.mean_y_) @ self.weights_y_

    def transform(self, X, Y) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Project both modalities: (X: (m, p), Y: (m', q)) -> (Xr: (m, k), Yr: (m', k)).

        Either argument may be None, in which case None is returned in its place.
        """
        return (
            None if X is None else self.transform_x(X),
            None if Y is None else self.transform_y(Y),
        )

    def fit_transform(self, XA, YA) -> tuple[np.ndarray, np.ndarray]:
        """fit(XA, YA) then transform(XA, YA)."""
        return self.fit(XA, YA).transform(XA, YA)

    def __repr__(self) -> str:
        return f"CCA(n_components={self.n_components}, reg={self.reg:g})"
