"""Paper 02 — weighted point cloud embeddings (WPCE) vs CLIP (Uesaka et al., ICLR 2025).

Part A (:mod:`.synthetic`): the rank limit of inner-product similarities, exactly, on a synthetic joint
distribution with known PMI (claim 02-1). Part B (:mod:`.pipeline`): CLIP vs WPCE heads on frozen token
features of the embedded world (:mod:`.features`; claims 02-2..02-5). :mod:`.paper` holds the paper's
values, the claims registry and the deviations; :mod:`.settings` the per-scale presets;
:mod:`.verdicts` turns measurements into verdicts; :mod:`.figures` draws.
"""
from .features import PairFeatures, load_features, prompts_for
from .figures import plot_curves, plot_gap, plot_pmi, plot_seeds, plot_spectra, plot_sweep
from .paper import CHANGES, CLOSE_TOL, DEVIATIONS, GAP_TOL, MARGIN_FLOOR, PAPER, PREVIOUS_VERDICTS, REGISTRY, TRAIN_RULE
from .pipeline import (
    COLUMNS,
    EVAL_FIELDS,
    METRICS,
    SWEEP_COLUMNS,
    Results,
    Trained,
    before_projection,
    class_features,
    embed_texts,
    evaluate,
    image_features,
    image_points,
    per_seed,
    probe,
    rank_batch,
    run,
    run_seeds,
    select_lr,
    similarity_matrix,
    summarise,
    sweep_table,
    table_ablations,
    table_probe,
    table_rank,
    table_zeroshot,
    text_features,
    train_heads,
    val_pairs,
    zeroshot,
    zeroshot_accuracy,
)
from .settings import METHODS, TEMPLATES, VARIANTS, Settings, SyntheticSettings, Variant, as_dict, settings_frame
from .synthetic import (
    joint_distribution,
    mutual_information,
    pmi_matrix,
    pmi_rank_d,
    population_infonce,
    sup_error,
    train_clip,
    train_wpce,
    weighted_rmse,
)
from .synthetic import run as run_synthetic
from .synthetic import run_seeds as run_synthetic_seeds
from .training import TRAIN_FIELDS, features_key, head_key
from .verdicts import (
    judge_all,
    judge_kernel_sensitivity,
    judge_nonlinear_kernel,
    judge_rank_limit,
    judge_signed_weights,
    judge_wpce_vs_clip,
)

__all__ = [
    "PAPER", "REGISTRY", "DEVIATIONS", "CHANGES", "PREVIOUS_VERDICTS", "GAP_TOL", "MARGIN_FLOOR", "CLOSE_TOL", "TRAIN_RULE",
    "Settings", "SyntheticSettings", "Variant", "VARIANTS", "METHODS", "TEMPLATES", "settings_frame", "as_dict",
    "joint_distribution", "pmi_matrix", "mutual_information", "population_infonce", "sup_error", "weighted_rmse",
    "pmi_rank_d", "train_clip", "train_wpce", "run_synthetic", "run_synthetic_seeds",
    "PairFeatures", "load_features", "prompts_for",
    "Trained", "train_heads", "embed_texts", "image_features", "text_features", "before_projection",
    "class_features", "zeroshot_accuracy", "zeroshot", "probe", "similarity_matrix", "rank_batch", "COLUMNS",
    "METRICS", "SWEEP_COLUMNS", "EVAL_FIELDS", "TRAIN_FIELDS", "evaluate", "features_key", "head_key", "Results", "run", "run_seeds", "summarise", "select_lr", "val_pairs", "image_points",
    "sweep_table", "per_seed", "table_zeroshot", "table_probe",
    "table_ablations", "table_rank",
    "judge_rank_limit", "judge_wpce_vs_clip", "judge_signed_weights", "judge_nonlinear_kernel",
    "judge_kernel_sensitivity", "judge_all",
    "plot_pmi", "plot_gap", "plot_curves", "plot_seeds", "plot_spectra", "plot_sweep",
]
