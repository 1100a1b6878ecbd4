"""Paper 02 as data: the reported values with their source, the pre-registered claims, the deviations.

Uesaka et al., "Weighted Point Set Embedding for Multimodal Contrastive Learning Toward Optimal
Similarity Metric", ICLR 2025 (arXiv:2404.19228 v3). Source of every value: ``shared/papers/02_wpce.md``
(the paper and the SLIP repository); the per-dataset WPCE tables could not be retrieved: unconfirmed.

The rules below are fixed before any run (a pre-registration). Every comparison of two methods is a decision of
:mod:`xmodal.claims` on the 95 % paired t-interval over training seeds of the difference A − B against a registered
smallest effect of interest m (a :class:`~xmodal.claims.Margin` with its reason): a *gain* of at least m holds when
the interval lies above m and fails when it lies below m; *close* holds when it lies inside (−m, m) and fails when it
lies outside that band on one side; anything else is undecided, and a claim is ``inconclusive`` only when its
undecided parts could still change the verdict (more seeds could decide it). The verdict code reads every m from
:data:`REGISTRY` (``REGISTRY[cid].rule.m(name)``); the rule texts print the same values.
"""
from __future__ import annotations

from ...claims import Claim, Margin, Registry, Rule

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

_PAIRED = "95 % paired t-interval over training seeds"
_C = PAPER["clip_imagenet"]["CC3M"]


def _acc(name: str, value: float, reason: str, old=None) -> Margin:
    """A margin on an accuracy difference (a fraction: 0.01 = 1 point)."""
    pts = 100 * value
    return Margin(name, value, f"({pts:g} accuracy point{'' if pts == 1 else 's'})", reason, old)


def _pts(mg: Margin) -> str:
    """The margin in the words of a rule text: ``1 point``, ``2 points``."""
    pts = 100 * mg.value
    return f"{pts:g} point{'' if pts == 1 else 's'}"


#: the registered smallest effects of interest (the rule texts below print them; the verdict code reads them from
#: REGISTRY[cid].rule.m(name))
_NO_TABLES = "the paper's per-dataset tables are unconfirmed here, so there is no paper effect to stay below"
_M = {
    "02-1": (Margin("above_floor", 0.01, "nats",
                    "a practical threshold in nats: the paper proves the limit and gives no size for it; kept from "
                    "the old rule",
                    old="0.01 nats, checked on every seed"),
             Margin("gap_gain", 0.01, "nats",
                    "a practical threshold in nats for a smaller gap (CLIP at the smallest d against the largest, and "
                    "CLIP against WPCE), the same value as the margin above the floor; the old margin 0 was no "
                    "effect size",
                    old=0.0)),
    "02-2": (_acc("gain", 0.01, f"a practical threshold, {_NO_TABLES}; kept from the old rule",
                  old="0.01, as a noise band: a comparison failed only below −0.01"),),
    "02-3": (_acc("gain", 0.01, f"a practical threshold, {_NO_TABLES}; kept from the old rule",
                  old="0.01, as a noise band: a comparison failed only below −0.01"),),
    "02-4": (_acc("gain", 0.01, f"a practical threshold on the probe, {_NO_TABLES}; kept from the old rule",
                  old="0.01, as a noise band: the part failed only below −0.01"),
             _acc("close", 0.02, "a practical band for the paper's unquantified 'close' (tables unconfirmed), "
                                 "twice the 1-point gain; kept from the old rule",
                  old="0.02 on the mean alone, and any interval within the noise counted as close")),
    "02-5": (_acc("band", 0.01, f"a practical threshold for a clear difference, {_NO_TABLES}; kept from the old "
                                "rule's 1-point margin",
                  old="0.01, but a part could only hold or stay undecided, never fail"),),
}


def _gain_words(mg: Margin) -> str:
    p = _pts(mg)
    return (f"a gain of at least {p} holds when the {_PAIRED} lies above +{p}, fails when it lies below +{p} (a gain "
            "that large is excluded: equal or worse), and is undecided otherwise")


_UNDECIDED = ("inconclusive when the undecided comparisons could still change the verdict (more seeds could decide "
              "it)")
_PARTS = ("Both parts hold → reproduced; one → partly reproduced; neither → not reproduced; inconclusive when "
          "undecided conditions could still change the verdict (more seeds could decide it).")
_a1, _g1 = _M["02-1"]
_g2, = _M["02-2"]
_g3, = _M["02-3"]
_g4, _c4 = _M["02-4"]
_b5, = _M["02-5"]

REGISTRY = Registry("02", [
    Claim("02-1", "Rank limit: a d-dim inner product stays above −MI by a margin that shrinks only as d grows; "
                  "WPCE with a nonlinear kernel gets closer at the same d",
          "theorem (no experiment in the paper)",
          Rule("gap = L∞ + MI (nats) of the learned N×N logits, per d and seed (Part A); floor = the same seed's "
               "gap of CLIP at d = N ≥ rank(PMI) + 1, where the rank limit cannot bind (what training leaves)",
               f"Parts: (i) rank limit: for each seed take the smallest excess of CLIP's gap over that seed's floor "
               f"across the swept d; the 95 % t-interval over seeds of that excess must lie above {_a1.fmt()} (it "
               f"fails when it lies below), and CLIP's gap at the smallest d must exceed the one at the largest d by "
               f"at least {_g1.fmt()} (paired over seeds); (ii) WPCE closer: CLIP's gap exceeds WPCE's by at least "
               f"{_g1.fmt()} at every swept d (paired over seeds). Each of these gains holds when its 95 % interval "
               f"lies above its margin, fails when it lies below, and is undecided otherwise; a part holds when all "
               f"its conditions hold and fails when any fails. {_PARTS}",
               threshold={"above_floor": _a1.value, "gap_gain": _g1.value},
               margin="95 % t-interval over seeds (per-seed smallest excess; paired gap differences)",
               margins=_M["02-1"])),
    Claim("02-2", "WPCE (Gaussian and IMQ) ≥ CLIP on zero-shot classification and on the linear probe",
          f"WPCE > CLIP on most datasets (tables unconfirmed); CLIP CC3M ImageNet {_C['zero_shot']} zero-shot / "
          f"{_C['linear']} linear (%)",
          Rule("test accuracy: zero-shot and probe after projection at the main d; zero-shot at every swept d below "
               "the number of classes − 1 (where a rank-(d+1) similarity cannot separate all classes)",
               f"Comparisons (WPCE Gaussian, WPCE IMQ) − CLIP × (zero-shot, probe after projection) at the main d, "
               f"plus WPCE Gaussian − CLIP zero-shot at each swept d below the number of classes − 1 (paired over the "
               f"sweep seeds); in each, {_gain_words(_g2)}. The gain holds in every comparison → reproduced; in more "
               f"comparisons than it fails → partly reproduced; it fails in at least as many as it holds → not "
               f"reproduced; {_UNDECIDED}. Not in the verdict (context): the probe before projection (CLIP's is the "
               f"frozen backbone) and the nested control WPCE M=1, α₂=0.",
               threshold={"gain": _g2.value}, margin=_PAIRED, margins=_M["02-2"])),
    Claim("02-3", "Signed weights matter: positive-only weights are worse",
          "positive weights worse (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection",
               f"Two comparisons, signed weights (WPCE Gaussian) − positive weights initialised at w ≈ 1, on zero-shot "
               f"and on the probe after projection, paired over the seeds both have; in each, {_gain_words(_g3)}. "
               f"The gain holds in both → reproduced; it fails in at least as many as it holds → not reproduced; "
               f"{_UNDECIDED}. The positive run with the paper's initialisation (w ≈ 50 at the start, a saturated "
               f"loss) is reported as context, not judged: its deficit mixes the sign with a failed optimisation.",
               threshold={"gain": _g3.value}, margin=_PAIRED, margins=_M["02-3"],
               unreachable={"partly reproduced": "with two comparisons the gain cannot hold in more of them than it "
                                                 "fails without holding in both"})),
    Claim("02-4", "The nonlinear kernel helps: linear-only WPCE (α₂ = 0) is worse, mostly on the linear probe, "
                  "close in zero-shot",
          "linear-only worse on the probe, close in zero-shot (Table 3; numbers unconfirmed)",
          Rule("test accuracy: probe after projection, zero-shot (≥ 5 seeds)",
               f"Parts: (i) full WPCE − linear-only on the probe after projection: {_gain_words(_g4)}; (ii) zero-shot "
               f"is close: the {_PAIRED} of full − linear-only lies inside ±{_pts(_c4)} (holds), entirely outside "
               f"that band on one side (fails), or neither (undecided). {_PARTS}",
               threshold={"gain": _g4.value, "close": _c4.value}, margin=_PAIRED, margins=_M["02-4"])),
    Claim("02-5", "Kernel sensitivity: results vary clearly with the kernel and its scale",
          "results depend strongly on the kernel (Table 3; numbers unconfirmed)",
          Rule("test accuracy: zero-shot, probe after projection (≥ 5 seeds)",
               f"Parts: (i) kernel: Gaussian σ=0.5 vs IMQ c=0.5; (ii) scale: Gaussian σ=0.5 vs each other Gaussian "
               f"scale run (σ=1.0, σ=0.25); each on zero-shot and on the probe after projection. A part holds when "
               f"the {_PAIRED} of some comparison lies entirely outside ±{_pts(_b5)} (a clear difference), fails "
               f"when every comparison's interval lies inside ±{_pts(_b5)} (the results do not vary), and is "
               f"undecided otherwise. {_PARTS}",
               threshold={"band": _b5.value}, margin=_PAIRED, margins=_M["02-5"])),
])

#: the registered values under their old names (read from the registry: one source): claim 02-1's margin above the
#: floor (nats), the 1-point gain of claims 02-2..02-4 and the 2-point "close" band of claim 02-4
GAP_TOL = REGISTRY["02-1"].rule.m("above_floor")
MARGIN_FLOOR = REGISTRY["02-2"].rule.m("gain")
CLOSE_TOL = REGISTRY["02-4"].rule.m("close")

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

#: What changed and why, pass by pass (the notebook's first cell lists the same).
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
    "Decisions that answer (registered before the re-run on fresh seeds; every margin is printed with its rule and "
    "its reason): every comparison is decided against a registered smallest effect of interest m. A gain of at "
    "least m holds when the 95 % paired interval lies above m and now fails when it lies below m — a gain that "
    "large is excluded (before: it failed only below −m, so an interval below +m stayed inconclusive); 'close' "
    "holds when the interval lies inside ±m and fails when it lies outside that band on one side. Inconclusive now "
    "means that the undecided comparisons could still change the verdict, and the verdict says which way it leans "
    "and about how many seeds would decide it.",
    f"02-1: the per-seed check (gap − floor > {_a1.fmt()} on every seed, one seed below failing the part) is now a "
    f"decision on the 95 % interval over seeds of each seed's smallest excess across the swept d, against the same "
    f"{_a1.fmt()}; 'CLIP's gap shrinks from the smallest to the largest d' and 'WPCE's gap is below CLIP's' now need "
    f"a gain of at least {_g1.fmt()} (before: margin {_g1.old:g}, a gain of any size). The rule text now says what the "
    "code does: undecided conditions that could change the verdict give inconclusive (the old text said 'not "
    "reproduced').",
    f"02-2, 02-3: each comparison is a gain of at least {_pts(_g2)} (the old margin, kept as a practical threshold: "
    "the paper's tables are unconfirmed here), combined over the comparisons as before; an interval "
    f"below +{_pts(_g2)} now fails. 02-3 has two comparisons, so it can no longer be partly reproduced (before: one "
    "gain and one comparison within the noise gave partly; now that is inconclusive).",
    f"02-4: zero-shot 'close' is now an equivalence decision in the old band of ±{_pts(_c4)}: it holds only when the "
    f"paired interval lies inside ±{_pts(_c4)} and fails when it lies entirely outside (before: any interval within "
    f"the noise, however wide, or a mean within {_pts(_c4)} counted as close, so the part could not be undecided); the "
    f"probe part is a gain of at least {_pts(_g4)}.",
    f"02-5: a part holds when some comparison's interval lies outside ±{_pts(_b5)} (a clear difference) and now "
    f"fails when every comparison's interval lies inside ±{_pts(_b5)} (before: it could only hold or stay "
    "undecided, so the claim could never be 'not reproduced').",
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
