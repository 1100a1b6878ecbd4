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

__all__ = ["PAPER", "GAP_TOL", "MARGIN_FLOOR", "CLOSE_TOL", "TRAIN_RULE", "REGISTRY", "DEVIATIONS", "CHANGES",
           "PREVIOUS_VERDICTS"]

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

#: claim 02-1: CLIP's population gap must exceed its optimisation floor (CLIP at d = N) by this (nats), seed by seed
GAP_TOL = 0.01
#: claims 02-2..02-5: the smallest difference of accuracies (0.01 = 1 point) a comparison calls real
MARGIN_FLOOR = 0.01
#: claim 02-4: |zero-shot difference| up to this (2 points) counts as "close"
CLOSE_TOL = 0.02

#: Part B's budget rule at default, the same for every head (registered before the run that reports it, issue #11):
#: AdamW with warm-up + cosine decay over a cap of ``steps`` steps; every ``eval_every`` steps the InfoNCE of fixed
#: validation pairs; the run stops once ``patience`` evaluations in a row have not improved the best by more than
#: ``min_delta`` nats (a plateau) and keeps the best parameters (xmodal.train.fit's plateau rule); each head's
#: learning rate is the one of ``lr_grid`` with the lowest validation loss on the first seed. A head that reaches
#: the cap is reported as "not plateaued" (the report's convergence table), never hidden. Fourth pass: the schedule
#: is reduce-on-plateau (``lr_drops`` = 1): constant lr after the warm-up, ×``lr_factor`` at the first plateau,
#: stop at the second; ``steps`` is only the cap.
TRAIN_RULE = {"steps": 1600, "eval_every": 25, "patience": 4, "min_delta": 0.01, "monitor": "val_loss",
              "restore_best": True, "lr_grid": (3e-3, 1e-2), "lr_drops": 1, "lr_factor": 0.1}

_PAIRED = "95 % paired t-interval over training seeds (xmodal.claims.compare)"
_C = PAPER["clip_imagenet"]["CC3M"]

REGISTRY = Registry("02", [
    Claim("02-1", "Rank limit: a d-dim inner product stays above −MI by a margin that shrinks only as d grows; "
                  "WPCE with a nonlinear kernel gets closer at the same d",
          "theorem (no experiment in the paper)",
          Rule("gap = L∞ + MI (nats) of the learned N×N logits, per d and seed (Part A); floor = the same seed's "
               "gap of CLIP at d = N ≥ rank(PMI) + 1, where the rank limit cannot bind (what training leaves)",
               f"Parts: (i) rank limit: for every swept d and every seed, CLIP's gap exceeds that seed's floor by more "
               f"than {GAP_TOL} nats, and CLIP's gap at the smallest d exceeds the one at the largest (paired "
               "'better'); (ii) WPCE's gap is below CLIP's at every d (paired 'better'). A part holds when all its "
               "conditions hold, fails when a per-seed threshold fails or a comparison is 'worse', is inconclusive "
               "otherwise. All parts hold → reproduced; some → partly; none but some inconclusive and none failing → "
               "inconclusive; else not reproduced (xmodal.claims.combine_parts)",
               threshold=GAP_TOL, margin=f"per seed above the floor; {_PAIRED}, margin 0")),
    Claim("02-2", "WPCE (Gaussian and IMQ) ≥ CLIP on zero-shot classification and on the linear probe",
          f"WPCE > CLIP on most datasets (tables unconfirmed); CLIP CC3M ImageNet {_C['zero_shot']} zero-shot / "
          f"{_C['linear']} linear (%)",
          Rule("test accuracy: zero-shot and probe after projection at d = embed_dim; zero-shot at every swept "
               "d < n_classes − 1 (where a rank-(d+1) similarity cannot separate all classes)",
               "comparisons (WPCE Gaussian, WPCE IMQ) − CLIP × (zero-shot, probe after) at d = embed_dim, plus "
               "WPCE Gaussian − CLIP zero-shot at each swept d below n_classes − 1 (paired over the sweep seeds), "
               "all combined by xmodal.claims.combine_comparisons: better in all → reproduced; more better than "
               "worse → partly; all within noise → inconclusive; else not reproduced. Not in the verdict (context): "
               "the probe before projection (CLIP's is the frozen backbone) and the nested control WPCE M=1, α₂=0",
               margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f} (1 point)")),
    Claim("02-3", "Signed weights matter: positive-only weights are worse",
          "positive weights worse (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection",
               "2 comparisons signed (WPCE Gaussian) − positive weights initialised at w ≈ 1 (wpce_positive_w1), "
               "combined by combine_comparisons. The positive run with the paper's initialisation (w ≈ 50 at the "
               "start, a saturated loss) is reported as context, not judged: its deficit mixes the sign with a "
               "failed optimisation", margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
    Claim("02-4", "The nonlinear kernel helps: linear-only WPCE (α₂ = 0) is worse, mostly on the linear probe, "
                  "close in zero-shot",
          "linear-only worse on the probe, close in zero-shot (Table 3; numbers unconfirmed)",
          Rule("test accuracy: probe after projection, zero-shot (≥ 5 seeds)",
               f"Parts: (i) full − linear-only on the probe after projection is 'better'; (ii) zero-shot is close: "
               f"the comparison is within noise or |mean difference| ≤ {CLOSE_TOL} ({100 * CLOSE_TOL:.0f} points). "
               "Parts combined as in 02-1 (a part within the noise leaves the verdict to settle: a tie is "
               "inconclusive)", threshold=CLOSE_TOL, margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
    Claim("02-5", "Kernel sensitivity: results vary clearly with the kernel and its scale",
          "results depend strongly on the kernel (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection (≥ 5 seeds)",
               "Parts: (i) kernel: Gaussian σ=0.5 vs IMQ c=0.5 differ (better or worse) on zero-shot or probe after; "
               "(ii) scale: Gaussian σ=0.5 vs another σ (1.0, 0.25) differ likewise. A part whose comparisons are all "
               "within noise is inconclusive. Parts combined as in 02-1",
               margin=f"{_PAIRED}, margin {MARGIN_FLOOR:.2f}")),
])

#: The verdicts of earlier committed default runs (the notebook's table of how they moved during issue #11):
#: before the issue's protocols (49d1bb1), and under them with a cosine schedule over the 800-step cap of the second
#: pass (c5427f9) and over the 1,600-step cap of the third (0b85c3d).
PREVIOUS_VERDICTS = {
    "before #11 (49d1bb1)": {"02-1": "inconclusive", "02-2": "not reproduced", "02-3": "partly reproduced",
                             "02-4": "inconclusive", "02-5": "inconclusive"},
    "800-step cap (c5427f9)": {"02-1": "inconclusive", "02-2": "inconclusive", "02-3": "inconclusive",
                               "02-4": "inconclusive", "02-5": "inconclusive"},
    "1,600-step cap (0b85c3d)": {"02-1": "inconclusive", "02-2": "inconclusive", "02-3": "inconclusive",
                                 "02-4": "inconclusive", "02-5": "inconclusive"},
}

#: What changed in issue #11 and why (the notebook's first cell lists the same).
CHANGES = [
    "02-1: CLIP at d = N (≥ rank(PMI) + 1) is trained as the optimisation floor; the 0.01-nat tolerance is now "
    "the gap above that floor and applies seed by seed (before: an absolute 0.01 on the seed mean; the Part A "
    "section counts, from this run's gaps, the seeds that the old per-seed reading would fail). `pmi_rank_d` is relabelled: the SVD truncation is Frobenius-optimal, not "
    "InfoNCE-optimal, so it is not a bound (CLIP beats it at every d) — context only.",
    "Disclosure: Part A's κ (the sharpness of the synthetic coupling) was raised 20 → 50 → 100 during development, "
    "while results were seen: at κ = 20 and 50 the PMI's tail singular values barely mattered for the loss, so "
    "CLIP reached the optimum at the largest swept d and the sweep could not show the limit; κ = 100 makes the "
    "peak about one item wide. It is a change of the data generator, made before this issue's rules and not "
    "changed since; ci keeps κ = 20.",
    "02-2: the rank limit could not bind in the old Part B (40-way zero-shot at d = 64 ≥ 41); a d-sweep "
    "d ∈ {4, 8, 16, 32} (CLIP and WPCE Gaussian, zero-shot) now tests it where d + 1 < 40 classes.",
    "Equal footing: the nested control WPCE M = 1 (the pooled features CLIP reads) with α₂ = 0 is trained "
    "next to CLIP; the image point set is now a real one: 128-px input (renders upsampled from 64 px) gives "
    "EfficientNet a 4×4 map, 17 points instead of 5 (one of them still the pooled mean). Cost: 4× the pixels "
    "per view, paid by encoding one view per instance instead of two (cached); each head's training seconds "
    "are in the runs table.",
    "Training: every head uses the same budget rule — a step cap, a validation InfoNCE every `eval_every` "
    "steps, stop after `patience` evaluations without improvement and keep the best (xmodal.train.fit's "
    "plateau rule); each head's learning rate is chosen from the same grid by its validation loss, on the "
    "first seed only (to fit the budget); the weight head is the paper's (LayerNorm on the token, no bias, "
    "N(0, width^-1/2)).",
    f"Convergence, second pass: at the old 300-step cap (patience 2, any improvement counted) no head stopped on "
    f"its plateau — the best evaluation was at or next to the cap for every head (previous report). The rule is "
    f"registered as paper.TRAIN_RULE before the second run: a cap of 800 steps (cosine over the "
    f"cap), a validation loss every {TRAIN_RULE['eval_every']} steps, stop after {TRAIN_RULE['patience']} "
    f"evaluations without an improvement of more than {TRAIN_RULE['min_delta']} nats, keep the best; lr grid "
    f"{set(TRAIN_RULE['lr_grid'])}. The convergence table reports, for every head, the step it stopped at and "
    "whether it plateaued. Paid for by running the independent heads in the project's process pool "
    "(xmodal.parallel; the bits of a serial run, tested) and caching every trained head.",
    f"Convergence, third pass (2026-12-06, registered before this run): under the 800-step cap of the second pass "
    f"11 of 68 heads reached the cap without a plateau (lr grid: WPCE Gaussian 2/2 and positive (paper init) 2/2; "
    f"main runs: WPCE Gaussian, IMQ and positive (paper init) on seed 1, positive (paper init) on seed 2; d-sweep: "
    f"CLIP d = 32 seed 1, WPCE Gaussian d = 16 seeds 0 and 2). The cap is doubled to {TRAIN_RULE['steps']} steps "
    "for every head (the cosine runs over the new cap); nothing else in the rule changed. The cap was checked on "
    "a pilot of six heads (WPCE Gaussian seeds 1 and 2, IMQ and positive (paper init) seed 1, WPCE Gaussian seed 0 "
    "at lr 0.01, CLIP seed 1), reading only the steps run and the validation loss, no test metric: all six "
    "stopped on their plateau, at 300–1,175 steps.",
    "Convergence, fourth pass (2026-12-06, registered before this run): the third pass showed that a plateau stop "
    "inside a cosine schedule fires while the learning rate is still high — with the cap doubled, 35 of 48 heads "
    "that could be paired kept a higher validation loss than under the 800-step cap "
    "(benchmarks/results/bench_wpce_budget.md) — so a head that 'plateaued' there had not converged. The "
    "schedule is now reduce-on-plateau for every head (xmodal.train.TrainConfig.lr_drops = "
    f"{TRAIN_RULE['lr_drops']}): constant lr after the 20 warm-up steps, the lr multiplied by "
    f"{TRAIN_RULE['lr_factor']} at the first plateau of the validation loss (the same patience and min_delta), "
    f"the run stopped at the next plateau and the best evaluation kept; {TRAIN_RULE['steps']} steps remain as the "
    "cap. Checked on a pilot of eight heads (the third pass's six plus WPCE M=1 and WPCE linear, seed 1), reading "
    "only steps and validation loss: all stopped before the cap (650–1,150 steps) and each kept a lower "
    "validation loss than the same head under both cosine caps (by 0.01–0.64 nats). A second drop (lr/100) "
    "lowered them by at most 0.02 nats for about 140 more steps per head, so one drop is registered (budget).",
    "02-3: the positive-weight ablation is also run with a constant offset so that every weight starts at "
    "w ≈ 1 (the paper's init starts at w = 100·σ(u/100) ≈ 50 on every token; the ablation section prints the "
    "first-step losses of this run); the verdict uses the w ≈ 1 run, the paper-init run is context.",
    "02-4, 02-5: 5 seeds (before 3); a tie is `inconclusive` (unchanged rule). The two positive-weight runs "
    "(02-3) get 3 seeds; comparisons pair the seeds both sides have.",
    "Paid for by sizing (budget ≤ 15 min on 2 cores): batch 256 → 128, a 2-point lr grid on seed 0 only, 3 RFF "
    "draws for zero-shot (before 5; Table 1 reports their spread), and Part A drops its optional WPCE α₂ = 0 "
    "control at default (no verdict read it).",
    "02-2: the probe before projection is context, out of the verdict (CLIP's is the frozen backbone).",
]

#: What stands in for the paper's data, encoders and scale, and why (the notebook's first cell, results.json).
DEVIATIONS = [
    "Frozen backbones: frozen EfficientNet-Lite0 (image points = the pooled token + the 16 patch tokens of its last "
    "feature map at 128-px input) and frozen MiniLM-L6 (text points = every real token; padding excluded) instead "
    "of ViT-B/16 and a text transformer trained from scratch; only the heads are trained.",
    "Data: image–caption pairs of the procedural world (40 ModelNet40 categories, caption levels 2–4) instead of "
    "CC3M/CC12M; evaluation is 40-way on the world's test split, not ImageNet and the paper's downstream sets.",
    f"Scale: d = 64 (paper 512; `full` 512) plus a zero-shot sweep d ∈ {{4, 8, 16, 32}} (3 seeds), batch 128, at most "
    f"{TRAIN_RULE['steps']} AdamW steps, reduce-on-plateau on a validation InfoNCE (every {TRAIN_RULE['eval_every']} "
    f"steps, patience {TRAIN_RULE['patience']}, min_delta {TRAIN_RULE['min_delta']} nats; lr ×{TRAIN_RULE['lr_factor']} "
    f"at the first plateau, stop at the second), lr chosen per head from "
    f"{set(TRAIN_RULE['lr_grid'])} on seed 0, wd 0.1 on matrices only, 20 warm-up steps (paper: cosine, lr 5e-4, wd 0.5, "
    "50/35 epochs, batch 512/GPU); D = 256 RFF in training (paper 1024), D = 1024 for zero-shot and 512 for "
    "probing as in the paper; 5 training seeds (3 for the positive-weight runs); one 128-px view per instance.",
    "Protocol choices: 6 prompt templates; zero-shot mean over 3 RFF draws per model; the probe uses one view per "
    "instance, C ∈ {0.1, 1, 10} chosen on validation; the 'before projection' probe only for CLIP (frozen backbone) "
    "and WPCE Gaussian, as context; ablations compared on zero-shot and the probe after projection.",
    "Kernel scales: Gaussian σ = 1.0 added to test scale sensitivity (the paper's grid is unconfirmed here).",
    "Paper numbers: the per-dataset WPCE tables are unconfirmed, so claims 02-2..02-5 are judged against the "
    "paper's qualitative statements by rules fixed before the run; comparisons are paired over training seeds.",
    "Part A is our exact check of the paper's theorem on a synthetic distribution (the paper proves it; it has "
    "no such experiment); κ = 100 was chosen during development (see the changes list).",
    "Positive-weight ablation: besides the paper's initialisation, a run whose weights start at w ≈ 1 (a fixed "
    "offset before the activation); claim 02-3 is judged on that run.",
]
