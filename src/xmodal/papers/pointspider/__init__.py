"""Paper 03 — PointSpider (Jaisankar & Sreevalsan-Nair): point-cloud renders, zero-shot image–text models,
Double Roulette sampling, mapping networks from PointNet features to image embeddings, renderer speed.

:mod:`.paper` (values, claims registry, deviations), :mod:`.settings` (presets), :mod:`.pipeline` (classifier,
corruptions, renders, zero-shot, Double Roulette), :mod:`.mapping` (BASE / LNORM / RNORM), :mod:`.renderers`
(Table I), :mod:`.experiment` (the stages the notebook calls), :mod:`.verdicts`, :mod:`.figures`.
"""
from .experiment import classify, load, mapping_study, open_clip_status, speed_study, zeroshot_study
from .figures import gallery, plot_errors, plot_renders, plot_robustness, plot_roulette, plot_val_curves
from .mapping import MappingNet, l1div, paper_widths, train_mapping
from .paper import DEVIATIONS, LEADERBOARD, PAPER, REGISTRY
from .pipeline import (ENCODER_NAMES, VARIANTS, Classifier, corruption_set, corruption_table, double_roulette, features,
                       leaderboard, render_clouds, roulette_draws, roulette_scores, train_classifier, train_classifiers,
                       variant_name, zeroshot_topk)
from .renderers import comparison_images, find_libllvm, renderer_table
from .settings import PROMPT, Settings, settings_frame
from .verdicts import judge_all, judge_mapping, judge_speed, judge_usefulness, judge_zeroshot


def paper_table(outcomes) -> "object":
    """The final paper-vs-ours table: claim, paper, ours, verdict (from judged outcomes)."""
    from ...claims import Registry

    return Registry.frame(outcomes)[["claim", "paper", "ours", "verdict"]]


__all__ = [
    "PAPER", "REGISTRY", "DEVIATIONS", "LEADERBOARD", "Settings", "settings_frame", "PROMPT",
    "VARIANTS", "variant_name", "double_roulette", "Classifier", "train_classifier", "train_classifiers",
    "ENCODER_NAMES", "features", "corruption_set", "corruption_table",
    "leaderboard", "render_clouds", "roulette_draws", "roulette_scores", "zeroshot_topk",
    "MappingNet", "paper_widths", "l1div", "train_mapping", "renderer_table", "comparison_images", "find_libllvm",
    "load", "classify", "zeroshot_study", "mapping_study", "speed_study", "open_clip_status",
    "judge_zeroshot", "judge_mapping", "judge_usefulness", "judge_speed", "judge_all", "paper_table",
    "plot_roulette", "plot_val_curves", "plot_robustness", "plot_errors", "plot_renders", "gallery",
]
