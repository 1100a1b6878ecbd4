"""Paper 02 as data: the reported values with their source, the pre-registered claims, the deviations.

Uesaka et al., "Weighted Point Set Embedding for Multimodal Contrastive Learning Toward Optimal
Similarity Metric", ICLR 2025 (arXiv:2404.19228 v3). Source of every value: ``shared/papers/02_wpce.md``
(the paper and the SLIP repository); the per-dataset WPCE tables could not be retrieved: unconfirmed.

The rules below are fixed before any run (a pre-registration). Comparisons of two methods use
:func:`xmodal.claims.compare`: the 95 % paired t-interval over training seeds of the difference
A − B must clear the margin (``better``), or lie below −margin (``worse``); otherwise the difference is
within the noise (``inconclusive``).
"""
from __future__ import annotations

from ...claims import Claim, Registry, Rule

__all__ = ["PAPER", "GAP_TOL", "MARGIN_FLOOR", "CLOSE_TOL", "REGISTRY", "DEVIATIONS"]

PAPER = {
    "source": "Uesaka et al., 'Weighted Point Set Embedding for Multimodal Contrastive Learning Toward Optimal "
              "Similarity Metric', ICLR 2025 (arXiv:2404.19228 v3); CLIP baselines from the SLIP repository",
    "recipe": {"backbones": "ViT-B/16 + CLIP text transformer, trained from scratch", "data": "CC3M (50 ep), CC12M (35 ep)",
               "optimizer": "AdamW", "lr": 5e-4, "betas": (0.9, 0.98), "weight_decay": 0.5, "schedule": "cosine + warm-up",
               "batch_per_gpu": 512, "embed_dim": 512, "n_features_train": 1024, "n_features_probe": 512,
               "alphas": (2 / 3, 1 / 3), "gauss_sigma": 0.5, "imq_c": 0.5, "weight_a": 100.0,
               "scale_init": 14.2857, "scale_clamp": (1.0, 100.0)},
    # ImageNet top-1 (%) of the CLIP baseline with the same recipe (SLIP repository, ViT-B).
    "clip_imagenet": {"CC3M": {"zero_shot": 17.1, "linear": 53.3}, "CC12M": {"zero_shot": 36.5, "linear": 69.0}},
    "wpce_tables": "unconfirmed (per-dataset numbers not retrievable here)",
}

#: claim 02-1: CLIP's population gap must exceed this (nats) at every d to count as "stays above −MI"
GAP_TOL = 0.01
#: claims 02-2..02-5: the smallest difference of accuracies (0.01 = 1 point) a comparison calls real
MARGIN_FLOOR = 0.01
#: claim 02-4: |zero-shot difference| up to this (2 points) counts as "close"
CLOSE_TOL = 0.02

_PAIRED = "95 % paired t-interval over training seeds (xmodal.claims.compare)"
_C = PAPER["clip_imagenet"]["CC3M"]

REGISTRY = Registry("02", [
    Claim("02-1", "Rank limit: a d-dim inner product stays above −MI by a margin that shrinks only as d grows; "
                  "WPCE with a nonlinear kernel gets closer at the same d",
          "theorem (no experiment in the paper)",
          Rule("gap = L∞ + MI (nats) of the learned N×N logits, per d (Part A)",
               f"Parts: (i) CLIP's mean gap exceeds {GAP_TOL} nats at every d and is smaller at the largest d than at "
               "the smallest; (ii) WPCE's gap is below CLIP's at every d. A part holds when its comparisons are "
               "'better', fails when one is 'worse' (or the threshold fails), is inconclusive otherwise. All parts "
               "hold → reproduced; some → partly; none but some inconclusive and none failing → inconclusive; "
               "else not reproduced", threshold=GAP_TOL, margin=f"{_PAIRED}, margin 0")),
    Claim("02-2", "WPCE (Gaussian and IMQ) ≥ CLIP on zero-shot classification and on the linear probe",
          f"WPCE > CLIP on most datasets (tables unconfirmed); CLIP CC3M ImageNet {_C['zero_shot']} zero-shot / "
          f"{_C['linear']} linear (%)",
          Rule("test accuracy: zero-shot, probe after projection, probe before projection",
               "6 comparisons (WPCE Gaussian, WPCE IMQ) − CLIP × (zero-shot, probe after, probe before), combined by "
               "xmodal.claims.combine_comparisons: better in all → reproduced; more better than worse → partly; "
               "all within noise → inconclusive; else not reproduced",
               margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f} (1 point)")),
    Claim("02-3", "Signed weights matter: positive-only weights are worse",
          "positive weights worse (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection",
               "2 comparisons signed (WPCE Gaussian) − positive weights, combined by combine_comparisons",
               margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
    Claim("02-4", "The nonlinear kernel helps: linear-only WPCE (α₂ = 0) is worse, mostly on the linear probe, "
                  "close in zero-shot",
          "linear-only worse on the probe, close in zero-shot (Table 3; numbers unconfirmed)",
          Rule("test accuracy: probe after projection, zero-shot",
               f"Parts: (i) full − linear-only on the probe after projection is 'better'; (ii) zero-shot is close: "
               f"the comparison is within noise or |mean difference| ≤ {CLOSE_TOL} ({100 * CLOSE_TOL:.0f} points). "
               "Parts combined as in 02-1", threshold=CLOSE_TOL, margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
    Claim("02-5", "Kernel sensitivity: results vary clearly with the kernel and its scale",
          "results depend strongly on the kernel (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection",
               "Parts: (i) kernel: Gaussian σ=0.5 vs IMQ c=0.5 differ (better or worse) on zero-shot or probe after; "
               "(ii) scale: Gaussian σ=0.5 vs another σ (1.0, 0.25) differ likewise. A part whose comparisons are all "
               "within noise is inconclusive. Parts combined as in 02-1",
               margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
])

#: What stands in for the paper's data, encoders and scale, and why (the notebook's first cell, results.json).
DEVIATIONS = [
    "Frozen backbones: frozen EfficientNet-Lite0 (image points = the pooled token + the patch tokens of its last "
    "feature map) and frozen MiniLM-L6 (text points = every real token; padding excluded) instead of ViT-B/16 and "
    "a text transformer trained from scratch; only the heads are trained.",
    "Data: image–caption pairs of the procedural world (40 ModelNet40 categories, caption levels 2–4) instead of "
    "CC3M/CC12M; evaluation is 40-way on the world's test split, not ImageNet and the paper's downstream sets.",
    "Scale: d = 64 (paper 512; `full` 512), batch 256, 200 AdamW steps, lr 5e-3, wd 0.1 on matrices only, "
    "20 warm-up steps + cosine (paper lr 5e-4, wd 0.5, 50/35 epochs, batch 512/GPU); D = 256 RFF in training "
    "(paper 1024), D = 1024 for zero-shot and 512 for probing as in the paper.",
    "Protocol choices: 6 prompt templates; zero-shot mean over 5 RFF draws per model; the probe uses one view per "
    "instance, C ∈ {0.1, 1, 10} chosen on validation; the 'before projection' probe only for CLIP / WPCE Gaussian "
    "/ WPCE IMQ; ablations compared on zero-shot and the probe after projection.",
    "Kernel scales: Gaussian σ = 1.0 added to test scale sensitivity (the paper's grid is unconfirmed here).",
    "Paper numbers: the per-dataset WPCE tables are unconfirmed, so claims 02-2..02-5 are judged against the "
    "paper's qualitative statements by rules fixed before the run; comparisons are paired over training seeds.",
    "Part A is our exact check of the paper's theorem on a synthetic distribution (the paper proves it; it has "
    "no such experiment).",
]
