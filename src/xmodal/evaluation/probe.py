"""Linear probes on frozen features (scikit-learn logistic regression, C chosen on validation)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["ProbeResult", "linear_probe"]


@dataclass
class ProbeResult:
    """C chosen on the validation split; ``val_acc`` per C of the grid; ``test_acc`` after refitting on
    train+val with that C."""

    C: float
    val_acc: dict
    test_acc: float


def linear_probe(X_train, y_train, X_val, y_val, X_test, y_test, C_grid=(0.01, 0.1, 1.0, 10.0),
                 max_iter: int = 300) -> ProbeResult:
    """Multinomial logistic regression (scikit-learn, lbfgs) on standardised features X: (n, p).

    For each C of ``C_grid`` (ascending; each fit warm-started at the previous C's solution) fit on train,
    score on val; keep the C with the best validation accuracy (ties: the smallest C, i.e. the strongest
    regularisation); refit scaler and model on train+val with it (warm-started at its train-only
    solution) and score on test. The test split plays no part in choosing C. Threads follow the
    caller's runtime (:func:`xmodal.runtime.use`).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X_train, X_val, X_test = (np.asarray(a, np.float64) for a in (X_train, X_val, X_test))
    y_train, y_val, y_test = (np.asarray(a) for a in (y_train, y_val, y_test))
    if not (X_train.ndim == X_val.ndim == X_test.ndim == 2) or len({X_train.shape[1], X_val.shape[1], X_test.shape[1]}) != 1:
        raise ValueError("X_train, X_val, X_test must be 2-D with the same number of columns")
    if len(X_train) != len(y_train) or len(X_val) != len(y_val) or len(X_test) != len(y_test):
        raise ValueError("each X needs one label per row")
    for name, X in (("X_train", X_train), ("X_val", X_val), ("X_test", X_test)):
        if not np.isfinite(X).all():
            raise ValueError(f"{name} contains NaN or inf")
    grid = sorted(float(c) for c in C_grid)
    if not grid or grid[0] <= 0:
        raise ValueError(f"C_grid must hold positive numbers, got {C_grid}")

    val_acc, coefs = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sc = StandardScaler().fit(X_train)
        Ztr, Zva = sc.transform(X_train), sc.transform(X_val)
        m = LogisticRegression(C=grid[0], max_iter=max_iter, tol=1e-4, warm_start=True)
        for C in grid:  # the C path from strong to weak regularisation, each fit warm-started
            m.set_params(C=C).fit(Ztr, y_train)
            val_acc[C] = float((m.predict(Zva) == y_val).mean())
            coefs[C] = (m.coef_.copy(), m.intercept_.copy())
        best = max(grid, key=lambda c: (val_acc[c], -c))
        X_all, y_all = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
        sc = StandardScaler().fit(X_all)
        m = LogisticRegression(C=best, max_iter=max_iter, tol=1e-4, warm_start=True)
        m.coef_, m.intercept_ = coefs[best]  # start the refit at the train-only solution
        m.fit(sc.transform(X_all), y_all)
        test = float((m.predict(sc.transform(X_test)) == y_test).mean())
    return ProbeResult(best, val_acc, test)
