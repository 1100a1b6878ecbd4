"""Trainable heads over frozen token features (paper 02, Part B).

* :class:`CLIPHead` — CLIP's projection: pooled feature (B, in_dim) -> linear -> L2-normalise.
* :class:`LogitScale` — the learnable logit scale: CLIP's s = exp(t), t₀ = log(1/0.07), s ≤ 100
  (:meth:`LogitScale.clip`), or WPCE's identity parameterisation s = clamp(t, 1, 100), t₀ = 14.2857
  (:meth:`LogitScale.wpce`).
* :class:`WPCEHead` — WPCE's heads: every token i gives a point v_i = P x_i (linear projection) and
  a weight w_i = act(q·LN(x_i) + c₀) (the paper's weight head: LayerNorm on the token, a linear map
  without bias, q ~ N(0, in_dim⁻¹ I); act = a tanh(·/a) "signed" or a sigmoid(·/a) "positive",
  a = 100; c₀ a fixed offset, 0 by default — :meth:`WPCEHead.offset_for` gives the c₀ that starts
  every weight at a chosen value, e.g. w ≈ 1 for the positive ablation instead of a/2 = 50).

Logits of a batch are ``scale() * sim`` with sim = <CLIP embeddings> or <WPCE features>.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .rff import RFF
from .wpce import EPS, positive_weight, signed_weight, wpce_embed

__all__ = ["CLIPHead", "LogitScale", "WPCEHead", "WEIGHT_ACTIVATIONS"]

WEIGHT_ACTIVATIONS = {"signed": signed_weight, "positive": positive_weight}


def _check_dim(name: str, val) -> int:
    if isinstance(val, bool) or not isinstance(val, int) or val < 1:
        raise ValueError(f"{name} must be a positive integer, got {val!r}")
    return val


class CLIPHead(nn.Module):
    """Linear projection (no bias, as CLIP) + L2 normalisation: (B, in_dim) -> (B, out_dim), unit rows."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.in_dim, self.out_dim = _check_dim("in_dim", in_dim), _check_dim("out_dim", out_dim)
        self.proj = nn.Linear(in_dim, out_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"CLIPHead expects pooled features (B, {self.in_dim}), got {tuple(x.shape)}")
        return F.normalize(self.proj(x), dim=-1, eps=EPS)


class LogitScale(nn.Module):
    """The project's one learnable logit scale s (logits = s · similarity), clamped to [min_scale, max_scale].

    ``param="exp"`` (CLIP, MERU): s = clamp(exp(t), ·), t₀ = log(init) — steps are relative;
    ``param="identity"`` (WPCE): s = clamp(t, ·), t₀ = init — steps are absolute.
    CLIP's default: init 1/0.07 ≈ 14.29, max 100. The clamp stops the gradient beyond the bounds.
    """

    def __init__(self, init: float = 1 / 0.07, max_scale: float = 100.0, min_scale: float = 0.0,
                 param: str = "exp"):
        super().__init__()
        if param not in ("exp", "identity"):
            raise ValueError(f"unknown parameterisation {param!r}; valid: exp, identity")
        if not (0 <= min_scale <= init <= max_scale) or init <= 0:
            raise ValueError(f"need 0 <= min_scale <= init <= max_scale and init > 0, got min_scale={min_scale}, "
                             f"init={init}, max_scale={max_scale}")
        self.param, self.min_scale, self.max_scale = param, float(min_scale), float(max_scale)
        t0 = math.log(init) if param == "exp" else float(init)
        self.raw = nn.Parameter(torch.tensor(t0, dtype=torch.float32))

    def forward(self) -> torch.Tensor:
        if self.param == "exp":
            lo = math.log(self.min_scale) if self.min_scale > 0 else -math.inf
            return self.raw.clamp(lo, math.log(self.max_scale)).exp()
        return self.raw.clamp(self.min_scale, self.max_scale)

    @classmethod
    def clip(cls, init: float = 1 / 0.07, max_scale: float = 100.0) -> "LogitScale":
        """CLIP's exp-parameterised scale."""
        return cls(init, max_scale, 0.0, "exp")

    @classmethod
    def wpce(cls, init: float = 14.2857, min_scale: float = 1.0, max_scale: float = 100.0) -> "LogitScale":
        """WPCE's identity-parameterised scale (the paper's Appendix: t₀ = 1/0.07, clamped to [1, 100])."""
        return cls(init, max_scale, min_scale, "identity")


class WPCEHead(nn.Module):
    """Per-token point projection + weight head.

    forward(tokens (B, M, in_dim), mask (B, M) bool or None) -> points (B, M, out_dim) (not yet
    normalised; :func:`wpce_embed` normalises), weights (B, M) activated by ``weight``
    ("signed": a tanh(u/a), "positive": a sigmoid(u/a)) of u = q·LN(x) + offset; weights of padded
    tokens are 0. The weight head is the paper's: ``weight_norm`` (LayerNorm), ``weight_head``
    (linear, no bias, N(0, in_dim^-1/2) entries); ``offset`` is a constant (a buffer, not learned).
    """

    def __init__(self, in_dim: int, out_dim: int, weight: str = "signed", a: float = 100.0, offset: float = 0.0):
        super().__init__()
        self.in_dim, self.out_dim = _check_dim("in_dim", in_dim), _check_dim("out_dim", out_dim)
        if weight not in WEIGHT_ACTIVATIONS:
            raise ValueError(f"unknown weight activation {weight!r}; valid: {', '.join(WEIGHT_ACTIVATIONS)}")
        if not math.isfinite(float(offset)):
            raise ValueError(f"offset must be a finite number, got {offset!r}")
        self.weight_kind, self.a = weight, float(a)
        self.proj = nn.Linear(in_dim, out_dim, bias=False)
        self.weight_norm = nn.LayerNorm(in_dim)
        self.weight_head = nn.Linear(in_dim, 1, bias=False)
        nn.init.normal_(self.weight_head.weight, std=in_dim ** -0.5)
        self.register_buffer("offset", torch.tensor(float(offset)))

    @staticmethod
    def offset_for(weight: str, w0: float, a: float = 100.0) -> float:
        """The constant c₀ with act(c₀) = w0: a·atanh(w0/a) (signed, |w0| < a) or a·logit(w0/a) (positive, 0 < w0 < a)."""
        a = float(a)
        if weight == "signed" and abs(w0) < a:
            return a * math.atanh(w0 / a)
        if weight == "positive" and 0 < w0 < a:
            return a * math.log((w0 / a) / (1 - w0 / a))
        raise ValueError(f"no offset gives weight {w0!r} with activation {weight!r} and a = {a} "
                         "(signed: |w0| < a; positive: 0 < w0 < a)")

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor | None = None):
        if tokens.ndim != 3 or tokens.shape[2] != self.in_dim:
            raise ValueError(f"WPCEHead expects tokens (B, M, {self.in_dim}), got {tuple(tokens.shape)}")
        if mask is not None and (mask.dtype != torch.bool or tuple(mask.shape) != tuple(tokens.shape[:2])):
            raise ValueError(f"mask must be a bool tensor of shape {tuple(tokens.shape[:2])}")
        points = self.proj(tokens)
        u = self.weight_head(self.weight_norm(tokens)).squeeze(-1) + self.offset
        weights = WEIGHT_ACTIVATIONS[self.weight_kind](u, self.a)
        if mask is not None:
            weights = weights * mask.to(weights.dtype)
        return points, weights

    def embed(self, tokens: torch.Tensor, rff: RFF, alphas=(2 / 3, 1 / 3), mask: torch.Tensor | None = None):
        """Pooled WPCE feature (B, out_dim + n_features) of the tokens: :func:`wpce_embed` of forward()."""
        points, weights = self(tokens, mask)
        return wpce_embed(points, weights, rff, alphas, mask)
