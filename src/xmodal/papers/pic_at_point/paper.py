"""Pic@Point (Herzog & Suwelack, ACML 2024): the paper's reported values, the claims registry (rules written
before any run) and the deviations of this replication.

Source of the values: ``shared/papers/05_pic_at_point.md`` (the sheet). Values marked *unconfirmed* there
are choices of ours and are listed in :data:`DEVIATIONS`.
"""
from __future__ import annotations

from ...claims import Claim, Margin, Registry, Rule

__all__ = ["PAPER", "REGISTRY", "DEVIATIONS"]

#: the paper's reported numbers (sheet); CrossPoint's and the DGCNN's size are from memory of the papers (unconfirmed)
PAPER = {
    "modelnet40_svm": 0.925,
    "scanobjectnn_svm": 0.857,
    "no_pose_delta": -0.007,
    "shapenetpart_miou": 0.858,
    "s3dis_miou": 0.636,
    "crosspoint_modelnet40_svm": 0.912,
    "crosspoint_scanobjectnn_svm": 0.817,
    "dgcnn_params": 1_800_000,
    "projection_dim": 512,
    "pose_dim": 64,
    "views": 20,
    "points": 1024,
}


def _pp(x: float) -> str:
    """A fraction of accuracy in percentage points, as the texts print it (``1.3``, ``−0.7``)."""
    return f"{100 * x:.1f}".replace("-", "−")


def _half_pp(x: float) -> float:
    """Half of a paper effect ``x`` (a fraction of accuracy), in percentage points: the registered smallest effect
    of interest wherever the paper reports the effect its claim asserts."""
    return round(50 * abs(x), 2)


#: the paper's gains over CrossPoint (fractions of accuracy): ModelNet40 (05-1) and ScanObjectNN (05-4)
GAIN_MN40 = PAPER["modelnet40_svm"] - PAPER["crosspoint_modelnet40_svm"]
GAIN_SONN = PAPER["scanobjectnn_svm"] - PAPER["crosspoint_scanobjectnn_svm"]

_M1 = Margin("gain", _half_pp(GAIN_MN40), "pp",
             f"half the paper's gain over CrossPoint on ModelNet40, {_pp(PAPER['modelnet40_svm'])} − "
             f"{_pp(PAPER['crosspoint_modelnet40_svm'])} = {_pp(GAIN_MN40)} pp, so that a gain of the paper's size "
             "can hold; the paper gives no random-init number, and the gain over random init is held to the same "
             "value",
             old=1.0)
_M2 = Margin("gain", _M1.value, "pp",
             "the comparison with global-only is also 05-1's, so both use 05-1's m (half the paper's gain over "
             "CrossPoint); the sheet has no number for the paper's loss ablation, and local-only is held to the same",
             old=1.0)
_M3 = Margin("gain", _half_pp(PAPER["no_pose_delta"]), "pp",
             f"half the paper's cost of removing the pose encoding, {_pp(-PAPER['no_pose_delta'])} pp", old=1.0)
_M4 = Margin("gain", _half_pp(GAIN_SONN), "pp",
             f"half the paper's gain over CrossPoint on ScanObjectNN, {_pp(PAPER['scanobjectnn_svm'])} − "
             f"{_pp(PAPER['crosspoint_scanobjectnn_svm'])} = {_pp(GAIN_SONN)} pp; the same value for the gain over "
             "random init, which the paper gives no number for", old=1.0)
_M5 = (Margin("heads", 1.0, "× the backbone's parameters",
              "small heads: the recipe adds at most as many parameters as the backbone it trains, a practical "
              "threshold, as the paper gives no count of its heads"),
       Margin("backbone", 2.0, "M parameters",
              f"a small backbone: the paper's DGCNN has about {PAPER['dgcnn_params'] / 1e6:g} M parameters, from "
              "memory and unconfirmed, rounded up"))

_NOISE = ("95 % paired t-interval over the pre-training seeds of the difference in SVM "
          "test accuracy, in percentage points; every seed is scored on the same test shapes, so the interval "
          "holds the training noise only")


def _gain_text(others: str, m: Margin, where: str) -> str:
    """The rule of an "L+G+pose beats both" claim in words, with its registered m."""
    return (f"L+G+pose must beat each of {others} by more than {m.fmt()} ({where}): a gain holds when the lower end "
            f"of the paired interval of L+G+pose minus the other is above {m.fmt()}, fails when its upper end is "
            f"below {m.fmt()} (a gain that large is excluded), and is undecided otherwise. "
            "Reproduced when both gains hold; not reproduced when either fails; inconclusive when an undecided "
            "gain could still change the verdict (more seeds could decide it).")


_TWO = {"partly reproduced": "with two comparisons the gain cannot hold in more of them than it fails in without "
                             "holding in both"}

REGISTRY = Registry("05", [
    Claim("05-1", "Cross-modal pre-training (local + global, with pose) beats a randomly initialised backbone and a "
                  "global-only (CrossPoint-like) objective under the same linear-SVM protocol",
          f"ModelNet40 linear SVM {_pp(PAPER['modelnet40_svm'])} % vs CrossPoint "
          f"{_pp(PAPER['crosspoint_modelnet40_svm'])} % (unconfirmed): +{_pp(GAIN_MN40)} pp",
          Rule("linear-SVM test accuracy on frozen global features, clean world test split (ModelNet40 role)",
               _gain_text("random-init and global-only", _M1, "clean test"),
               threshold={"gain_pp": _M1.value}, margin=_NOISE, margins=(_M1,), unreachable=_TWO)),
    Claim("05-2", "Local + global beats each loss alone",
          "local and global losses each evaluated (ablation; numbers not in the sheet)",
          Rule("linear-SVM test accuracy, clean test split",
               _gain_text("global-only and local-only", _M2, "clean test"),
               threshold={"gain_pp": _M2.value}, margin=_NOISE, margins=(_M2,), unreachable=_TWO)),
    Claim("05-3", "Removing the pose encoding costs accuracy",
          f"{_pp(PAPER['no_pose_delta'])} % accuracy without pose encoding",
          Rule("linear-SVM test accuracy, clean test split: L+G with pose minus L+G without pose",
               f"Reproduced when the lower end of the paired interval of with minus without pose is above "
               f"{_M3.fmt()} (removing the pose costs more than {_M3.fmt()}); not reproduced when its upper end is "
               f"below {_M3.fmt()} (a cost that large is excluded); inconclusive otherwise (more seeds could "
               "decide it).",
               threshold={"gain_pp": _M3.value}, margin=_NOISE, margins=(_M3,),
               unreachable={"partly reproduced": "one comparison, no parts"})),
    Claim("05-4", "The gain holds on a harder, scan-like variant (the role ScanObjectNN plays)",
          f"ScanObjectNN linear SVM {_pp(PAPER['scanobjectnn_svm'])} % vs CrossPoint "
          f"{_pp(PAPER['crosspoint_scanobjectnn_svm'])} % (unconfirmed): +{_pp(GAIN_SONN)} pp",
          Rule("linear-SVM test accuracy on the scan-like variant (one-view partial clouds, sensor noise, floor "
               "patch and distractor fragments; SVM trained and tested on that variant)",
               _gain_text("random-init and global-only", _M4, "scan-like test"),
               threshold={"gain_pp": _M4.value}, margin=_NOISE, margins=(_M4,), unreachable=_TWO)),
    Claim("05-5", "The recipe adds only small heads to a small backbone",
          f"DGCNN backbone (~{PAPER['dgcnn_params'] / 1e6:g} M parameters, from memory: unconfirmed) + projection "
          f"heads (d = {PAPER['projection_dim']}) + {PAPER['pose_dim']}-d pose encoder",
          Rule("parameter counts of the 3D backbone and of what the recipe adds (both modalities' local and global "
               "heads and the pose encoder)",
               f"Two parts on exact counts: the parameters the recipe adds at most {_M5[0].fmt()}, and the backbone "
               f"at most {_M5[1].fmt()}. Both hold: reproduced; one: partly reproduced; none: not reproduced.",
               threshold={"heads_to_backbone": _M5[0].value, "backbone_max": _M5[1].value * 1e6},
               margin="none: exact counts", margins=_M5,
               unreachable={"inconclusive": "exact parameter counts carry no noise: each part holds or fails"})),
])

DEVIATIONS = [
    "Data: the procedural world (40 categories) stands in for ShapeNet (pre-training), ModelNet40 (clean test "
    "split) and ScanObjectNN (a scan-like variant of the same shapes: one-view partial clouds from project() "
    "visibility, Gaussian sensor noise, a floor patch and distractor fragments); pre-training uses the world's "
    "train split only, without labels.",
    "2D backbone: frozen ImageNet EfficientNet-Lite0 instead of ResNet-18; local features from its stride-8 stage "
    "(block 4, 40 channels; 8×8 at 64 px renders, 16×16 at 128 px), global features its pooled 1280-d output.",
    "3D backbone: a small DGCNN (EdgeConv, k and widths per scale, see the settings) instead of the full DGCNN/"
    "PointNeXt; fewer points per cloud during pre-training at ci.",
    "Budgets: minutes of CPU pre-training per run (a few hundred steps) instead of 100+ GPU epochs; a few of "
    "the 20 dodecahedron views per shape (fixed subset per scale) instead of all 20. At default the world is "
    "cut to its first 50 shapes per category (2,000 of 6,000), with a ci-sized DGCNN (k = 10) on 256 points "
    "and 64-px renders, so that 5 variants × 5 seeds fit 15 minutes on 2 CPU cores (two runs at a time); the "
    "paper's sizes are `full`.",
    "Seeds (a protocol change for validity, 2026-12-02): 5 pre-training seeds at default and full (3 at ci), "
    "was 3. With 3 seeds the paired intervals were not stable across CPU kernel paths: `make validate` under "
    "ATEN_CPU_CAPABILITY=avx2 put every number inside its committed interval yet flipped 05-1 and 05-2 from "
    "inconclusive to not reproduced. The rules and margins are unchanged.",
    "Test set (a protocol change for validity, 2026-12-02): at default the SVMs are scored on the whole "
    "world's test split (1,200 shapes, 30 per class), no longer on the cut world's 394 (about 10 per class); "
    "pre-training and the SVMs' train/val splits still use the cut (1,414 + 192 shapes), so the pre-training "
    "runs are unchanged. Why: with 5 seeds, `make validate` under ATEN_CPU_CAPABILITY=avx2 again kept every "
    "number inside its committed interval yet flipped 05-1 and 05-2 from inconclusive / partly reproduced to "
    "not reproduced; at 394 test shapes one shape is 0.25 pp and the binomial standard error of an 88 % "
    "accuracy is 1.6 pp, the size of the differences the claims compare. At 1,200 it is 0.9 pp. Rules and "
    "the margin (0) are unchanged; the verdicts reported are those of this run.",
    "Margin (a protocol change for validity, 2026-12-02): every 'A beats B' comparison needs its paired "
    "interval beyond ±1 pp (was 0), the standard error of an accuracy on the 1,200-shape test set — the seed "
    "interval holds training noise only, as every seed is scored on the same shapes. Set after the run with "
    "the bigger test set, which at margin 0 decided 05-1 and 05-2 on interval ends 0.1 pp from zero (vs "
    "random-init −1.8 pp [−3.5, −0.1], vs global-only +0.6 pp [+0.1, +1.1]) — verdicts that flipped between CPU "
    "kernel paths in every earlier `make validate`. The evidence of each claim also gives its verdict at margin 0. "
    "Replaced by the registered smallest effects of interest (next item).",
    "Smallest effects of interest (a protocol change for validity, registered before the re-run on fresh seeds): "
    "each gain now has its own m, chosen from the paper where it reports the effect and never from our numbers, "
    "and a gain fails when its whole interval lies below m instead of counting as within the noise. "
    f"05-1: {_M1.fmt()}, half the paper's gain over CrossPoint on ModelNet40 ({_pp(PAPER['modelnet40_svm'])} − "
    f"{_pp(PAPER['crosspoint_modelnet40_svm'])} = {_pp(GAIN_MN40)} pp), was ±{_M1.old:g} pp. "
    f"05-3: {_M3.fmt()}, half the paper's {_pp(-PAPER['no_pose_delta'])} pp cost of removing the pose encoding, was "
    f"±{_M3.old:g} pp (above the paper's own effect). "
    f"05-4: {_M4.fmt()}, half the paper's gain over CrossPoint on ScanObjectNN ({_pp(PAPER['scanobjectnn_svm'])} − "
    f"{_pp(PAPER['crosspoint_scanobjectnn_svm'])} = {_pp(GAIN_SONN)} pp), was ±{_M4.old:g} pp. "
    f"05-2: {_M2.fmt()}, 05-1's m, as its comparison with global-only is the same one (the sheet has no number "
    f"for the ablation), was ±{_M2.old:g} pp. "
    "The old band was set after a run had been seen (previous item). In 05-1 and 05-4 the gain over random init, "
    "which the paper gives no number for, uses the same m as the gain over CrossPoint. The m of 05-1, 05-2 and 05-3 lie "
    "below the 0.9 pp binomial standard error of an accuracy on the 1,200 test shapes: every seed is scored on the "
    "same shapes, so a gain that small speaks about these shapes. "
    f"05-5's caps (what the recipe adds at most {_M5[0].fmt()}, the backbone at most {_M5[1].fmt()}) are "
    "unchanged, now registered with their reasons.",
    "Unconfirmed choices: projection dimension d = 128 (paper 512); fixed temperatures τ_local = 0.07, "
    "τ_global = 0.1 (CrossPoint's NT-Xent τ); loss weights 1 : 1; local pairs per sample M (settings); pose "
    "encoder input = the flattened 4×4 view and projection matrices, a 2-layer MLP to 64-d; 2D heads are "
    "linear, 3D heads Linear–BN–ReLU–Linear.",
    "Global-only baseline: the cross-modal global term only, with the frozen image encoder (CrossPoint trains its "
    "image encoder). CrossPoint's intra-modal term is an option, `Settings.crosspoint_intra` (NT-Xent between two "
    "augmented views of each cloud — the project's `pretrain3d.augment`, not CrossPoint's exact transforms — and "
    "the cross-modal term on their mean embedding, τ = τ_global); no preset switches it on, so no number here uses it.",
    "Evaluation: linear SVM (scikit-learn LinearSVC on standardised features, C chosen on the validation "
    "split, refit on train+val); no fine-tuning, part segmentation or S3DIS (not testable here).",
]
