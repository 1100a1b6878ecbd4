"""The Lorentz model of hyperbolic space, one function per formula (papers 04: MERU and ATMG).

The hyperboloid of curvature −c (c > 0) is {x ∈ R^{D+1} : ⟨x, x⟩_L = −1/c, x₀ > 0} with the Lorentzian
inner product ⟨x, y⟩_L = −x₀y₀ + Σ_{i≥1} x_i y_i. As in MERU's ``lorentz.py`` every function takes and
returns the **space components** x_s ∈ R^D only; the time component follows from the constraint,
x₀ = sqrt(1/c + ‖x_s‖²). ``curv`` is a float or a 0-d tensor (learnable); inputs may be float32 or
float64 and keep their dtype.

Clamps (each keeps a value and its gradient finite where the formula is singular):

- ``EPS`` guards divisions by norms that vanish at the origin (exp/log maps, the exterior angle);
- arccosh arguments are clamped to ≥ 1 + EPS (rounding can push −c⟨x, y⟩_L of near-equal points below 1,
  where arccosh is undefined; its derivative 1/sqrt(z² − 1) is infinite at 1);
- the sinh argument of :func:`exp_map0` is clamped to ≤ asinh(2¹⁵) (sinh overflows float32 near 89);
- arcsin / arccos arguments are clamped to [−1 + EPS, 1 − EPS] (their derivatives are infinite at ±1).
"""
from __future__ import annotations

import math

import torch

__all__ = ["time_component", "pairwise_inner", "pairwise_dist", "dist0", "exp_map0", "log_map0",
           "half_aperture", "oxy_angle", "pairwise_oxy_angle", "einstein_midpoint", "EPS"]

EPS = {torch.float32: 1e-6, torch.float64: 1e-12}
_SINH_MAX = math.asinh(2.0 ** 15)


def _eps(x: torch.Tensor) -> float:
    return EPS.get(x.dtype, 1e-6)


def _curv(curv, like: torch.Tensor) -> torch.Tensor:
    c = torch.as_tensor(curv, dtype=like.dtype, device=like.device)
    if c.ndim != 0:
        raise ValueError(f"curv must be a scalar, got shape {tuple(c.shape)}")
    if not bool((c > 0).all()):
        raise ValueError(f"curvature c must be > 0 (the space has curvature −c), got {float(c)}")
    return c


def time_component(x: torch.Tensor, curv) -> torch.Tensor:
    """x₀ = sqrt(1/c + ‖x_s‖²): x (..., D) → (...)."""
    c = _curv(curv, x)
    return torch.sqrt(1.0 / c + (x * x).sum(-1))


def pairwise_inner(x: torch.Tensor, y: torch.Tensor, curv) -> torch.Tensor:
    """Lorentzian inner products ⟨x_i, y_j⟩_L = x_s·y_s − x₀y₀: x (B1, D), y (B2, D) → (B1, B2)."""
    return x @ y.T - time_component(x, curv)[:, None] * time_component(y, curv)[None, :]


def pairwise_dist(x: torch.Tensor, y: torch.Tensor, curv) -> torch.Tensor:
    """Geodesic distances d(x_i, y_j) = arccosh(−c⟨x_i, y_j⟩_L) / √c: (B1, D), (B2, D) → (B1, B2)."""
    c = _curv(curv, x)
    z = (-c * pairwise_inner(x, y, c)).clamp(min=1.0 + _eps(x))
    return torch.acosh(z) / torch.sqrt(c)


def dist0(x: torch.Tensor, curv) -> torch.Tensor:
    """Distance to the origin O = (1/√c, 0): d(O, x) = arccosh(√c x₀)/√c = asinh(√c‖x_s‖)/√c: (B, D) → (B,).

    The asinh form is exact and has a finite gradient at the origin, unlike arccosh(√c x₀)."""
    c = _curv(curv, x)
    rc = torch.sqrt(c)
    return torch.asinh(rc * _norm(x)) / rc


def _norm(x: torch.Tensor) -> torch.Tensor:
    """‖x‖ with a finite (zero) gradient at x = 0."""
    sq = (x * x).sum(-1)
    return torch.sqrt(sq.clamp(min=_eps(x) ** 2)) * (sq > 0)


def exp_map0(v: torch.Tensor, curv) -> torch.Tensor:
    """Exponential map at the origin of tangent vectors v: x_s = sinh(√c‖v‖) v / (√c‖v‖): (B, D) → (B, D).

    d(O, exp₀(v)) = ‖v‖ (up to the sinh clamp at √c‖v‖ = asinh(2¹⁵) ≈ 11.1)."""
    c = _curv(curv, v)
    rc = torch.sqrt(c)
    r = rc * (v * v).sum(-1, keepdim=True).clamp(min=_eps(v) ** 2).sqrt()
    return torch.sinh(r.clamp(max=_SINH_MAX)) / r * v


def log_map0(x: torch.Tensor, curv) -> torch.Tensor:
    """Logarithmic map at the origin, the inverse of :func:`exp_map0`: v = asinh(√c‖x_s‖) x_s / (√c‖x_s‖)."""
    c = _curv(curv, x)
    rc = torch.sqrt(c)
    r = rc * (x * x).sum(-1, keepdim=True).clamp(min=_eps(x) ** 2).sqrt()
    return torch.asinh(r) / r * x


def half_aperture(x: torch.Tensor, curv, min_radius: float = 0.1) -> torch.Tensor:
    """Half-aperture of the entailment cone at x: arcsin(2K / (√c‖x_s‖)), K = ``min_radius``: (B, D) → (B,).

    Inside the radius where 2K/(√c‖x_s‖) ≥ 1 the cone is a half-space (aperture → π/2, clamped)."""
    c = _curv(curv, x)
    e = _eps(x)
    s = 2.0 * min_radius / (torch.sqrt(c) * _norm(x) + e)
    return torch.asin(s.clamp(-1.0 + e, 1.0 - e))


# The two angle functions spell the same formula out in the same operation order on purpose: autograd sums
# gradient contributions in the order the graph was built, so sharing a helper that computes ‖x_s‖ before the
# numerator would change the last bits of every trained ATMG model (and of the committed results).


def oxy_angle(x: torch.Tensor, y: torch.Tensor, curv) -> torch.Tensor:
    """Exterior angle at x of the triangle (O, x, y), element-wise over rows: x, y (B, D) → (B,) in (0, π).

    ext(x, y) = arccos((y₀ + c⟨x, y⟩_L x₀) / (‖x_s‖ sqrt((c⟨x, y⟩_L)² − 1))); ≈ 0 when y lies on the ray
    O → x beyond x, ≈ π when y lies between O and x."""
    c = _curv(curv, x)
    e = _eps(x)
    x0, y0 = time_component(x, c), time_component(y, c)
    cxy = c * ((x * y).sum(-1) - x0 * y0)
    num = y0 + cxy * x0
    den = _norm(x) * torch.sqrt((cxy * cxy - 1.0).clamp(min=e)) + e
    return torch.acos((num / den).clamp(-1.0 + e, 1.0 - e))


def pairwise_oxy_angle(x: torch.Tensor, y: torch.Tensor, curv) -> torch.Tensor:
    """ext(x_i, y_j) for every pair: x (B1, D), y (B2, D) → (B1, B2), the exterior angle at x_i of (O, x_i, y_j).

    The formula and clamps of :func:`oxy_angle`, with the inner products from :func:`pairwise_inner`
    (ATMG's angle logits; MERU's entailment term uses the row-wise form)."""
    c = _curv(curv, x)
    e = _eps(x)
    y0 = time_component(y, c)[None, :]
    x0 = time_component(x, c)[:, None]
    cxy = c * pairwise_inner(x, y, c)
    num = y0 + cxy * x0
    xn = torch.sqrt((x * x).sum(-1).clamp(min=e * e))[:, None]
    den = xn * torch.sqrt((cxy * cxy - 1.0).clamp(min=e)) + e
    return torch.acos((num / den).clamp(-1.0 + e, 1.0 - e))


def einstein_midpoint(x: torch.Tensor, curv, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Einstein midpoint (centroid) of points x (B, D) with optional weights (B,) ≥ 0 → (D,).

    Klein coordinates k_i = x_{s,i}/x_{0,i}, Lorentz factors γ_i = √c x_{0,i}; m = Σ w_i γ_i k_i / Σ w_i γ_i
    = Σ w_i x_{s,i} / Σ w_i x_{0,i}; back on the hyperboloid x₀ = 1/(√c sqrt(1 − ‖m‖²)), x_s = x₀ m."""
    c = _curv(curv, x)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"x must be a non-empty (B, D) batch, got shape {tuple(x.shape)}")
    w = torch.ones(len(x), dtype=x.dtype, device=x.device) if weights is None else weights.to(x.dtype)
    if w.shape != (len(x),) or bool((w < 0).any()) or float(w.sum()) <= 0:
        raise ValueError("weights must be (B,), non-negative, not all zero")
    x0 = time_component(x, c)
    m = (w[:, None] * x).sum(0) / (w * x0).sum()
    t = 1.0 / (torch.sqrt(c) * torch.sqrt((1.0 - (m * m).sum()).clamp(min=_eps(x))))
    return t * m
