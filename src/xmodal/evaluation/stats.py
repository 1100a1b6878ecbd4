"""Statistics over seeds: t-intervals of a mean and of a paired difference (used by :mod:`xmodal.claims`)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Interval", "seed_interval", "paired_interval", "bootstrap_interval"]


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided confidence interval over ``n`` values (``lo = hi = mean`` when the
    values agree exactly; ``±inf`` when n < 2 and they cannot say anything about noise)."""

    mean: float
    lo: float
    hi: float
    n: int
    confidence: float = 0.95

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def fmt(self, scale: float = 1.0, digits: int = 1) -> str:
        m, lo, hi = self.mean * scale, self.lo * scale, self.hi * scale
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return f"{m:.{digits}f} (n={self.n}, no interval)"
        return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"

    def as_dict(self) -> dict:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "n": self.n, "confidence": self.confidence}


def seed_interval(values, confidence: float = 0.95) -> Interval:
    """Student-t interval of the mean of ``values`` (one per seed): mean ± t_{n−1} · s / √n."""
    from scipy import stats

    x = np.asarray(values, np.float64).ravel()
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"seed_interval needs finite values, got {x}")
    m = float(x.mean())
    if x.size < 2:
        return Interval(m, -math.inf, math.inf, int(x.size), confidence)
    se = float(x.std(ddof=1)) / math.sqrt(x.size)
    h = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1)) * se
    return Interval(m, m - h, m + h, int(x.size), confidence)


def paired_interval(a, b, confidence: float = 0.95) -> Interval:
    """Interval of the mean paired difference a − b (arrays aligned by seed)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same seeds, got {a.size} and {b.size} values")
    return seed_interval(a - b, confidence)


def bootstrap_interval(stat, data, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Percentile bootstrap interval of ``stat(*resampled)`` (scipy.stats.bootstrap, paired resampling).

    ``data``: a tuple of equally long arrays resampled together (rows are the units, e.g. query pairs).
    """
    from scipy import stats

    data = tuple(np.asarray(d) for d in data)
    point = float(stat(*data))
    res = stats.bootstrap(data, stat, paired=True, vectorized=False, n_resamples=n_resamples,
                          confidence_level=confidence, method="percentile", rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return Interval(point, float(ci.low), float(ci.high), int(len(data[0])), confidence)
