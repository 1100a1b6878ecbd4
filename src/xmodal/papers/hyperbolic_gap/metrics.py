"""Evaluation of paper 04: retrieval and zero-shot, each method scored the way its own paper scores, and
the hierarchy probes (distance to the origin by caption level, taxonomy correlation, entailment cones).

Scores (larger = better), x texts, y images:
* CLIP: cosine ⟨x, y⟩.
* MERU: retrieval −d(x, y); zero-shot: prompts averaged in the tangent space (log₀, mean, exp₀), score
  ⟨x, y⟩_L (MERU's code).
* ATMG (its code): text→image score ext(y, x) (angle at the image), image→text −ext(x, y) (angle at the
  text); zero-shot: mean over prompts of ext(image, prompt).
* ``"atmg_alpha"`` (our diagnostic, not the paper's protocol): ATMG scored in both directions by the angle at
  the text, −ext(x, y), the quantity its text-row logits train.
Every top-k metric counts ties as misses (:func:`xmodal.align.topk_accuracy`; a constant score matrix scores 0).
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr

from ...align import topk_accuracy
from ...hyperbolic import lorentz as L
from ...hyperbolic.lorentz import pairwise_oxy_angle

__all__ = ["retrieval_scores", "recalls", "zeroshot_scores", "strict_top1", "level_rho", "tree_distances",
           "prototypes", "taxonomy_rho", "parent_closer_rate", "cone_violation_rate", "gap_rate", "spread"]

KS = (1, 5, 10)


def retrieval_scores(method: str, x: torch.Tensor, y: torch.Tensor, curv) -> tuple[np.ndarray, np.ndarray]:
    """(S_t2i (n, n): text query i vs image j, S_i2t (n, n): image query i vs text j), truth on the diagonal."""
    if method == "clip":
        S = (x @ y.T).double()
        return S.numpy(), S.T.numpy()
    if method == "meru":
        S = -L.pairwise_dist(x.double(), y.double(), curv)
        return S.numpy(), S.T.numpy()
    if method == "atmg_alpha":  # our diagnostic: both directions by the angle at the text (the trained T rows)
        S = -pairwise_oxy_angle(x.double(), y.double(), curv)  # [text i, image j] = −ext(x_i, y_j)
        return S.numpy(), S.T.numpy()
    t2i = pairwise_oxy_angle(y.double(), x.double(), curv).T  # [text i, image j] = ext(y_j, x_i)
    i2t = -pairwise_oxy_angle(x.double(), y.double(), curv).T  # [image i, text j] = −ext(x_j, y_i)
    return t2i.numpy(), i2t.numpy()


def recalls(S_t2i: np.ndarray, S_i2t: np.ndarray) -> dict[str, float]:
    """R@1/5/10 both directions (ties count as misses): {"t2i_R@k", "i2t_R@k"}."""
    out = {}
    for name, S in (("t2i", S_t2i), ("i2t", S_i2t)):
        for k in KS:
            out[f"{name}_R@{k}"] = topk_accuracy(S, k)
    return out


def zeroshot_scores(method: str, y: torch.Tensor, prompts: torch.Tensor, curv) -> np.ndarray:
    """(n_img, n_class) scores; prompts: (n_class, T, d) embedded prompts (CLIP unit, else on the hyperboloid)."""
    C, T, d = prompts.shape
    if method == "clip":
        cls = torch.nn.functional.normalize(prompts.mean(1), dim=-1)
        return (y @ cls.T).double().numpy()
    if method == "meru":
        cls = L.exp_map0(L.log_map0(prompts.reshape(C * T, d), curv).reshape(C, T, d).mean(1), curv)
        return L.pairwise_inner(y.double(), cls.double(), curv).numpy()
    if method == "atmg_alpha":  # our diagnostic: −mean over prompts of ext(prompt, image)
        ang = pairwise_oxy_angle(prompts.reshape(C * T, d).double(), y.double(), curv).T
        return -ang.reshape(len(y), C, T).mean(-1).numpy()
    ang = pairwise_oxy_angle(y.double(), prompts.reshape(C * T, d).double(), curv)  # (n, C·T)
    return ang.reshape(len(y), C, T).mean(-1).numpy()


def strict_top1(scores: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy where a tie with the true class counts as a miss."""
    true = scores[np.arange(len(labels)), labels]
    return float(np.mean((scores >= true[:, None]).sum(1) == 1))


def level_rho(d0_by_level: np.ndarray) -> float:
    """Spearman ρ of caption level vs distance to the origin; d0_by_level: (n, 5) → ρ over all n·5 captions."""
    n, k = d0_by_level.shape
    return float(spearmanr(np.repeat(np.arange(k)[None], n, 0).ravel(), d0_by_level.ravel())[0])


def tree_distances(taxonomies) -> np.ndarray:
    """Path lengths in the hypernym tree between categories: (C, C) from their root → leaf chains."""
    C = len(taxonomies)
    D = np.zeros((C, C))
    for i in range(C):
        for j in range(C):
            a, b = taxonomies[i], taxonomies[j]
            k = 0
            while k < min(len(a), len(b)) and a[k] == b[k]:
                k += 1
            D[i, j] = (len(a) - k) + (len(b) - k)
    return D


def prototypes(method: str, z: torch.Tensor, labels: np.ndarray, n_class: int, curv) -> torch.Tensor:
    """Per-class prototypes (C, d): CLIP the normalised mean, hyperbolic the Einstein midpoint."""
    out = []
    for c in range(n_class):
        zc = z[torch.from_numpy(np.flatnonzero(labels == c))]
        out.append(torch.nn.functional.normalize(zc.mean(0), dim=0) if method == "clip"
                   else L.einstein_midpoint(zc.double(), curv).float())
    return torch.stack(out)


def _dist_matrix(method: str, P: torch.Tensor, curv) -> np.ndarray:
    if method == "clip":
        return torch.arccos((P @ P.T).clamp(-1, 1)).double().numpy()
    return L.pairwise_dist(P.double(), P.double(), curv).numpy()


def taxonomy_rho(method: str, P: torch.Tensor, tree: np.ndarray, curv) -> float:
    """Spearman ρ of tree distance vs embedding distance (geodesic; CLIP: angle) over category pairs i < j."""
    D = _dist_matrix(method, P, curv)
    iu = np.triu_indices(len(tree), 1)
    return float(spearmanr(tree[iu], D[iu])[0])


def parent_closer_rate(d0: dict, edges) -> float:
    """Fraction of taxonomy edges (parent, child) whose parent's text is strictly nearer the origin."""
    return float(np.mean([d0[p] < d0[c] for p, c in edges]))


def cone_violation_rate(x: torch.Tensor, y: torch.Tensor, curv, K: float = 0.1) -> float:
    """Fraction of pairs (x_i, y_i) with y_i outside x_i's entailment cone: ext(x_i, y_i) > aper(x_i)."""
    x, y = x.double(), y.double()
    return float((L.oxy_angle(x, y, curv) > L.half_aperture(x, curv, K)).double().mean())


def gap_rate(x: torch.Tensor, y: torch.Tensor, curv) -> float:
    """Fraction of pairs with d(O, x_i) < d(O, y_i) (the text nearer the origin than its image)."""
    return float((L.dist0(x.double(), curv) < L.dist0(y.double(), curv)).double().mean())


def spread(x: torch.Tensor, y: torch.Tensor, curv) -> tuple[float, float]:
    """(mean matched distance d(x_i, y_i), mean pairwise geodesic distance among the images y)."""
    x, y = x.double(), y.double()
    D = L.pairwise_dist(y, y, curv)
    n = len(y)
    pair = torch.diagonal(L.pairwise_dist(x, y, curv))
    return float(pair.mean()), float(D.sum() / (n * (n - 1)))
