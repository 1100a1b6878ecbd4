"""Post-hoc alignment of two frozen representation spaces (paper 01, Escaping Plato's Cave).

- :mod:`.cka`     CKA (linear feature-space, RBF, debiased), chance level, local CKA (closed form).
- :mod:`.cca`     ridge-regularised closed-form CCA (the subspace projection).
- :mod:`.affine`  least-squares affine map (latent space translation).
- :mod:`.metrics` cosine scores, matching / top-k accuracy, Chamfer distance, evaluate_alignment.

All math is NumPy float64; inputs may be arrays or torch tensors.
"""
from .affine import Affine
from .cca import CCA
from .cka import (
    cka,
    cka_chance,
    cka_from_grams,
    gram_linear,
    gram_rbf,
    hsic_biased,
    hsic_unbiased,
    local_cka,
    local_cka_bruteforce,
    local_cka_rbf,
)
from .metrics import (METHODS, chamfer_distance, cosine_scores, evaluate_alignment, label_topk_accuracy,
                      matching_accuracy, matching_hits, nearest_neighbours, topk_accuracy, topk_hits)

__all__ = [
    "cka",
    "cka_chance",
    "cka_from_grams",
    "gram_linear",
    "gram_rbf",
    "hsic_biased",
    "hsic_unbiased",
    "local_cka",
    "local_cka_bruteforce",
    "local_cka_rbf",
    "CCA",
    "Affine",
    "cosine_scores",
    "matching_accuracy",
    "matching_hits",
    "topk_hits",
    "topk_accuracy",
    "chamfer_distance",
    "evaluate_alignment",
    "METHODS",
]
