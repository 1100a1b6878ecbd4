"""Propositions 1 and 2 of ATMG checked numerically in H² (the hyperboloid of curvature −c in R³).

Frame: the text point x lies at distance ``s`` from the origin O on the first axis; a point at distance r
from x in direction θ (the angle at x from the outward ray O → x, so ext(x, y) = |θ|) is the Lorentz boost
by s of the point at distance r and angle θ from O (:func:`point_at`). x's entailment cone has half-aperture
ω = arcsin(2K/(√c‖x_s‖)).

* Prop. 1: with every d(x, y_i) = r fixed, maximising Σ_{i<j} d(y_i, y_j) over the directions θ_i spreads the
  y_i around the circle, so at least one leaves the cone; the best configuration inside the cone is worse.
* Prop. 2: the region available to images inside the cone within d_max of x has area
  2ω(cosh(√c d_max) − 1)/c — it shrinks exponentially (rate √c) as d_max shrinks. Checked by Monte Carlo:
  uniform points in the geodesic disk of radius d_max around x, the fraction with ext(x, y) ≤ ω (from
  :func:`~xmodal.hyperbolic.lorentz.oxy_angle`) times the disk's area.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ...hyperbolic import lorentz as L
from ...train import TrainConfig, fit

__all__ = ["point_at", "text_point", "aperture", "proposition1", "cone_area", "proposition2"]


def point_at(s: float, r, theta, c: float = 1.0) -> torch.Tensor:
    """Space components (…, 2) of the point at distance r from x = (point at distance s on axis 1) in
    direction θ (0: away from O, π: towards O); r, θ tensors of one shape, float64."""
    rc = math.sqrt(c)
    r = torch.as_tensor(r, dtype=torch.float64) * rc
    th = torch.as_tensor(theta, dtype=torch.float64)
    a = s * rc
    x1 = math.sinh(a) * torch.cosh(r) + math.cosh(a) * torch.sinh(r) * torch.cos(th)
    x2 = torch.sinh(r) * torch.sin(th)
    return torch.stack([x1, x2], -1) / rc


def text_point(s: float, c: float = 1.0) -> torch.Tensor:
    """x at distance s from O on the first axis: (1, 2) float64."""
    return point_at(s, torch.zeros(1), torch.zeros(1), c)


def aperture(s: float, c: float = 1.0, K: float = 0.1) -> float:
    """ω, the half-aperture of the cone at :func:`text_point` (s, c)."""
    return float(L.half_aperture(text_point(s, c), c, K)[0])


def _total_distance(s, r, theta, c):
    y = point_at(s, torch.full_like(theta, r), theta, c)
    D = L.pairwise_dist(y, y, c)
    return torch.triu(D, 1).sum()


def _maximise(s, r, c, n, steps, inside: bool, seed: int):
    g = torch.Generator().manual_seed(seed)
    omega = aperture(s, c)
    phi = torch.nn.Parameter((torch.rand(n, generator=g, dtype=torch.float64) - 0.5) * 0.2)

    def theta():
        return omega * torch.tanh(phi) if inside else phi

    cfg = TrainConfig(steps=steps, lr=0.05, warmup=0.05, lr_min=0.005)
    fit([phi], lambda _b, _t: -_total_distance(s, r, theta(), c), cfg, progress_bar=False, desc="prop1")
    with torch.no_grad():
        th = theta().detach()
        return th, float(_total_distance(s, r, th, c))


def proposition1(s: float = 0.4, r: float = 1.0, n: int = 6, c: float = 1.0, steps: int = 400, K: float = 0.1,
                 seed: int = 0) -> dict:
    """Maximise Σ d(y_i, y_j) at d(x, y_i) = r, free and inside x's cone (Adam via :func:`xmodal.train.fit`).

    Returns theta_free / theta_cone (n,), total_free / total_cone, n_outside (points of the free optimum with
    ext(x, y_i) > ω, measured by :func:`~xmodal.hyperbolic.lorentz.oxy_angle`), omega, and the check
    max |ext(x, y(θ)) − |θ|| of the frame."""
    th_f, tot_f = _maximise(s, r, c, n, steps, False, seed)
    th_c, tot_c = _maximise(s, r, c, n, steps, True, seed)
    x = text_point(s, c).expand(n, 2)
    y = point_at(s, torch.full((n,), r, dtype=torch.float64), th_f, c)
    ext = L.oxy_angle(x, y, c)
    omega = float(L.half_aperture(x[:1], c, K)[0])
    wrapped = torch.remainder(th_f + math.pi, 2 * math.pi) - math.pi
    return {"theta_free": th_f.numpy(), "theta_cone": th_c.numpy(), "total_free": tot_f, "total_cone": tot_c,
            "n_outside": int((ext > omega).sum()), "omega": omega, "s": s, "r": r, "c": c,
            "frame_error": float((ext - wrapped.abs()).abs().max()),
            "radius_error": float((L.pairwise_dist(x[:1], y, c)[0] - r).abs().max())}


def cone_area(d_max, omega: float, c: float = 1.0):
    """Area of {y : ext(x, y) ≤ ω, d(x, y) ≤ d_max} in H²: 2ω(cosh(√c d_max) − 1)/c."""
    return 2 * omega * (np.cosh(math.sqrt(c) * np.asarray(d_max, float)) - 1) / c


def proposition2(s: float = 0.4, c: float = 1.0, d_grid=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
                 samples: int = 200_000, K: float = 0.1, seed: int = 0) -> dict:
    """Monte-Carlo area of the in-cone region within d_max of x, per d_max, vs :func:`cone_area`; the slope
    of log(area) vs d_max over the upper half of the grid (→ √c). Returns a dict of arrays and scalars."""
    rng = np.random.default_rng(seed)
    omega = aperture(s, c, K)
    x = text_point(s, c)
    rc = math.sqrt(c)
    mc, max_dist_err = [], 0.0
    for d in d_grid:
        u, th = rng.random(samples), rng.uniform(-math.pi, math.pi, samples)
        rho = np.arccosh(1 + u * (math.cosh(rc * d) - 1)) / rc  # uniform in area on the disk of radius d
        y = point_at(s, torch.from_numpy(rho), torch.from_numpy(th), c)
        inside = L.oxy_angle(x.expand(samples, 2), y, c) <= omega
        dist = L.pairwise_dist(x, y, c)[0]
        max_dist_err = max(max_dist_err, float((dist - torch.from_numpy(rho)).abs().max()))
        disk = 2 * math.pi * (math.cosh(rc * d) - 1) / c
        mc.append(float(inside.double().mean()) * disk)
    d_grid = np.asarray(d_grid, float)
    mc = np.asarray(mc)
    exact = cone_area(d_grid, omega, c)
    hi = d_grid >= np.median(d_grid)
    slope = float(np.polyfit(d_grid[hi], np.log(mc[hi]), 1)[0])
    return {"d_max": d_grid, "area_mc": mc, "area_exact": exact, "max_rel_error": float(np.max(np.abs(mc / exact - 1))),
            "slope": slope, "sqrt_c": rc, "omega": omega, "max_dist_error": max_dist_err}
