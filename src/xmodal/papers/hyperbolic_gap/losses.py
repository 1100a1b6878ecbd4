"""The three contrastive objectives of paper 04 on already-embedded batches (pure functions of tensors).

x: (B, D) text space components on the hyperboloid of curvature −c, y: (B, D) image space components
(CLIP: unit vectors); pair i is (x_i, y_i). ``scale`` is the learnable logit scale s (a 0-d tensor).

* CLIP:  L = InfoNCE(s · x yᵀ) (cosine of unit vectors).
* MERU:  L = InfoNCE(−s · d(x_i, y_j)) + w · mean_i max(0, ext(x_i, y_i) − aper(x_i)),  w = 0.2.
* ATMG (the released code's form): text rows T[i, j] = −ext(x_i, y_j), image rows I[i, j] = +ext(y_i, x_j);
  L = ½[CE(s·I, diag) + CE(s·T, diag)] + w_a · (mean_i ext(x_i, y_i) − mean_i ext(y_i, x_i)), w_a = 0.2 (the
  code's entail_weight on "minimise α, maximise the angle at the image"); the β = π − α reading replaces the
  image rows by −ext(x_j, y_i) (the angle at the text: π − α differs from −α by a constant, which the softmax
  ignores); optional centroid term λ(|d(O, x_e) − q| + |d(O, y_e) − p|), x_e, y_e the batch's Einstein midpoints.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...contrastive import info_nce
from ...hyperbolic import lorentz as L

pairwise_oxy_angle = L.pairwise_oxy_angle  # re-exported: it lives in xmodal.hyperbolic.lorentz

__all__ = ["pairwise_oxy_angle", "clip_logits", "meru_logits", "entailment_loss", "atmg_logits", "clip_loss",
           "meru_loss", "atmg_loss", "centroid_loss"]


def clip_logits(x: torch.Tensor, y: torch.Tensor, scale) -> torch.Tensor:
    """CLIP: s · ⟨x_i, y_j⟩ for unit rows: (B1, D), (B2, D) → (B1, B2)."""
    return scale * x @ y.T


def meru_logits(x: torch.Tensor, y: torch.Tensor, scale, curv) -> torch.Tensor:
    """MERU: −s · d(x_i, y_j), the negative geodesic distance times the scale: (B1, B2)."""
    return -scale * L.pairwise_dist(x, y, curv)


def entailment_loss(x: torch.Tensor, y: torch.Tensor, curv, K: float = 0.1) -> torch.Tensor:
    """MERU's entailment term: mean_i max(0, ext(x_i, y_i) − aper(x_i)) — zero when every y_i lies in x_i's cone."""
    return (L.oxy_angle(x, y, curv) - L.half_aperture(x, curv, K)).clamp(min=0).mean()


def atmg_logits(x: torch.Tensor, y: torch.Tensor, scale, curv, beta: str = "code"):
    """ATMG's two logit matrices (text rows T, image rows I), each (B, B) with the positives on the diagonal.

    beta="code": T[i, j] = −s·ext(x_i, y_j), I[i, j] = +s·ext(y_i, x_j) (angle at the image, ≈ π when the text
    sits between O and the image); beta="pi_minus_alpha": I[i, j] = −s·ext(x_j, y_i) (= s·(π − α) − s·π)."""
    T = -scale * pairwise_oxy_angle(x, y, curv)
    if beta == "code":
        I = scale * pairwise_oxy_angle(y, x, curv)
    elif beta == "pi_minus_alpha":
        I = T.T
    else:
        raise ValueError(f"unknown ATMG beta form {beta!r}; valid: 'code', 'pi_minus_alpha'")
    return T, I


def clip_loss(x, y, scale) -> torch.Tensor:
    """Symmetric InfoNCE of the CLIP logits."""
    return info_nce(clip_logits(x, y, scale))


def meru_loss(x, y, scale, curv, entail_weight: float = 0.2, K: float = 0.1):
    """MERU's loss: (total, {"contrastive", "entailment"})."""
    con = info_nce(meru_logits(x, y, scale, curv))
    ent = entailment_loss(x, y, curv, K)
    return con + entail_weight * ent, {"contrastive": con.detach(), "entailment": ent.detach()}


def centroid_loss(x, y, curv, p: float = 2.0, q: float = 0.5) -> torch.Tensor:
    """|d(O, x_e) − q| + |d(O, y_e) − p|, x_e / y_e the Einstein midpoints of the texts / images (p > q)."""
    xe = L.einstein_midpoint(x, curv)[None]
    ye = L.einstein_midpoint(y, curv)[None]
    return (L.dist0(xe, curv) - q).abs()[0] + (L.dist0(ye, curv) - p).abs()[0]


def atmg_loss(x, y, scale, curv, beta: str = "code", angle_weight: float = 0.2, centroid_lambda: float = 0.0,
              p: float = 2.0, q: float = 0.5):
    """ATMG's loss: (total, {"contrastive", "angle", "centroid"}); module docstring for the terms."""
    T, I = atmg_logits(x, y, scale, curv, beta)
    target = torch.arange(len(x), device=x.device)
    con = 0.5 * (F.cross_entropy(I, target) + F.cross_entropy(T, target))
    total = con
    parts = {"contrastive": con.detach()}
    if angle_weight:
        ang = L.oxy_angle(x, y, curv).mean() - L.oxy_angle(y, x, curv).mean()
        total = total + angle_weight * ang
        parts["angle"] = ang.detach()
    if centroid_lambda:
        cen = centroid_loss(x, y, curv, p, q)
        total = total + centroid_lambda * cen
        parts["centroid"] = cen.detach()
    return total, parts
