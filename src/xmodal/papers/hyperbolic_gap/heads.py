"""Trainable heads on frozen features: one linear projection per modality, then the method's embedding.

* CLIP: f ↦ W f / ‖W f‖ (unit sphere).
* MERU / ATMG: f ↦ exp₀(α · W f) on the hyperboloid of curvature −c (space components), α a learnable scalar
  per modality, α = exp(a), init 1/√d, clamped ≤ 1 (MERU's "expected unit norm at initialisation").
  Curvature: learnable (MERU) as ``LogitScale(init, 10, 0.1)`` — c = exp(t) clamped to [0.1, 10], log-
  parameterised and never decayed — or a fixed float (ATMG; MERU in the curvature sweep).

Every head has the same initial projections for a seed (``seeded_init(seed, "hyperbolic_gap", "init")``),
so methods are paired by seed.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...contrastive import LogitScale
from ...hyperbolic import lorentz as L
from ...seed import seeded_init

__all__ = ["EmbeddingHeads", "build_heads"]


class EmbeddingHeads(nn.Module):
    """Image head (img_dim → d) and text head (txt_dim → d) of one method.

    geometry: "sphere" (CLIP) or "lorentz" (MERU, ATMG); curv: initial / fixed c; learn_curv: learn c in
    [curv_min, curv_max]. ``image(f) (B, img_dim) → (B, d)``, ``text(f) (B, txt_dim) → (B, d)``; ``curv()``
    the current c as a 0-d tensor (1.0 for the sphere, unused); ``scale()`` the logit scale s.
    """

    def __init__(self, img_dim: int, txt_dim: int, d: int, geometry: str = "lorentz", curv: float = 1.0,
                 learn_curv: bool = False, curv_min: float = 0.1, curv_max: float = 10.0,
                 scale_init: float = 1 / 0.07, scale_max: float = 100.0):
        super().__init__()
        if geometry not in ("sphere", "lorentz"):
            raise ValueError(f"unknown geometry {geometry!r}; valid: 'sphere', 'lorentz'")
        if curv <= 0:
            raise ValueError(f"curvature c must be > 0, got {curv}")
        self.geometry, self.d = geometry, int(d)
        self.img_proj = nn.Linear(img_dim, d, bias=False)
        self.txt_proj = nn.Linear(txt_dim, d, bias=False)
        nn.init.normal_(self.img_proj.weight, std=img_dim ** -0.5)  # CLIP / MERU initialisation
        nn.init.normal_(self.txt_proj.weight, std=txt_dim ** -0.5)
        self.logit_scale = LogitScale(scale_init, scale_max, 0.0, "exp")
        if geometry == "lorentz":
            self.img_alpha = LogitScale(d ** -0.5, 1.0, 0.0, "exp")
            self.txt_alpha = LogitScale(d ** -0.5, 1.0, 0.0, "exp")
        self.learn_curv = bool(learn_curv) and geometry == "lorentz"
        if self.learn_curv:
            self.curvature = LogitScale(curv, curv_max, curv_min, "exp")
        else:
            self.register_buffer("fixed_curv", torch.tensor(float(curv)))

    def curv(self) -> torch.Tensor:
        return self.curvature() if self.learn_curv else self.fixed_curv

    def scale(self) -> torch.Tensor:
        return self.logit_scale()

    def image(self, f: torch.Tensor) -> torch.Tensor:
        z = self.img_proj(f)
        if self.geometry == "sphere":
            return F.normalize(z, dim=-1)
        return L.exp_map0(z * self.img_alpha(), self.curv())

    def text(self, f: torch.Tensor) -> torch.Tensor:
        z = self.txt_proj(f)
        if self.geometry == "sphere":
            return F.normalize(z, dim=-1)
        return L.exp_map0(z * self.txt_alpha(), self.curv())


def build_heads(method: str, img_dim: int, txt_dim: int, settings, seed: int, curv: float | None = None,
                learn_curv: bool | None = None) -> EmbeddingHeads:
    """The heads of ``method`` ("clip", "meru", "atmg*") for ``seed``; ``curv`` / ``learn_curv`` override the
    method's curvature (the sweep: MERU fixed at each c)."""
    s = settings
    if method == "clip":
        kw = dict(geometry="sphere")
    elif method == "meru":
        kw = dict(geometry="lorentz", curv=s.meru_curv if curv is None else curv,
                  learn_curv=True if learn_curv is None else learn_curv)
    elif method.startswith("atmg"):
        kw = dict(geometry="lorentz", curv=s.atmg_curv if curv is None else curv, learn_curv=bool(learn_curv))
    else:
        raise ValueError(f"unknown method {method!r}")
    with seeded_init(seed, "hyperbolic_gap", "init"):
        return EmbeddingHeads(img_dim, txt_dim, s.embed_dim, curv_min=s.curv_min, curv_max=s.curv_max,
                              scale_init=s.scale_init, scale_max=s.scale_max, **kw)
