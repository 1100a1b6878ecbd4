"""Notebook 01 — Escaping Plato's Cave (Hadgi et al., CVPR 2025): can independently trained 3D and text
encoders be aligned after training, with paired anchors only?

- :mod:`.paper`        the paper's reported values (:data:`PAPER`), the claims registry (:data:`REGISTRY`,
                       ids ``01-1`` … ``01-9``, each rule as data) and the :data:`DEVIATIONS`.
- :mod:`.settings`     :class:`Settings` (the paper's protocol as defaults) and ``Settings.for_scale``.
- :mod:`.pipeline`     :func:`encode_all` (the entry: applies the runtime policy), :func:`cka_table`,
                       :func:`alignment_runs` (Table 1), :func:`summarise`, :func:`table1`.
- :mod:`.experiments`  :func:`d_sweep`, :func:`pca_sweep`, :func:`anchor_sweep` (Figs. 4, 5),
                       :func:`geometry_pairs`, :func:`neighbour_study` (Figs. 6, 7), :class:`Results`, :func:`run`.
- :mod:`.verdicts`     ``verdict_claim1`` … ``verdict_claim9`` → :class:`xmodal.claims.Outcome` (01-5 and 01-6 in
                       :mod:`.verdicts_sweeps`; the shared pieces — chance, :func:`informative`, the protocols
                       combined — in :mod:`.rules`).
- :mod:`.judging`      :func:`judge`, :func:`judge_all`, :func:`paper_vs_ours` (the rules' inputs from the results),
                       :func:`chance_levels` (each protocol's chance, from its query blocks).
- :mod:`.figures`      every figure.

``import xmodal.papers.platos_cave as pc``: everything above is re-exported here.
"""
from . import figures
from .experiments import Results, anchor_grid, anchor_sweep, d_sweep, geometry_pairs, geometry_stats, neighbour_study, \
    pca_sweep, pearson_r, run, spearman_r, uniform_pairs, within_pairs
from .figures import anchor_figure, cka_heatmap_figure, d_sweep_figure, geometry_figure, loss_figure, \
    neighbour_figure, table1_figure
from .paper import CHANGES, DEVIATIONS, LOSS_PLATEAU, PAPER, PRETRAIN_RULE, PREVIOUS_VERDICTS, REGISTRY, threshold
from .pipeline import FULL, IMAGE_KEY, IMAGE_LABEL, METHOD_LABELS, METHODS, SUB, TEXT_LABELS, THREED_LABELS, Features, \
    alignment_runs, cka_mean, cka_seeds, cka_table, cka_value, encode_all, frozen_features, loss_plateau, plateau_table, \
    protocol_blocks, score_blocks, score_methods, scores, split_indices, summarise, table1
from .settings import PROTOCOLS, Settings
from .judging import chance_levels, judge, judge_all, paper_vs_ours
from .verdicts import chance_from_runs, informative, informative_metrics, plateau_statistic, verdict_claim1, verdict_claim2, verdict_claim3, \
    verdict_claim4, verdict_claim5, verdict_claim6, verdict_claim7, verdict_claim8, verdict_claim9

__all__ = [
    "PAPER", "REGISTRY", "DEVIATIONS", "CHANGES", "PREVIOUS_VERDICTS", "LOSS_PLATEAU", "PRETRAIN_RULE",
    "threshold", "Settings", "PROTOCOLS",
    "cka_mean", "cka_seeds", "loss_plateau", "plateau_table", "protocol_blocks", "score_blocks", "anchor_grid",
    "geometry_stats", "spearman_r", "uniform_pairs", "within_pairs", "informative", "informative_metrics", "chance_from_runs", "plateau_statistic",
    "METHODS", "METHOD_LABELS", "FULL", "SUB", "THREED_LABELS", "TEXT_LABELS", "IMAGE_KEY", "IMAGE_LABEL",
    "Features", "frozen_features", "encode_all", "cka_table", "cka_value", "split_indices", "scores",
    "score_methods", "alignment_runs", "summarise", "table1",
    "d_sweep", "pca_sweep", "anchor_sweep", "geometry_pairs", "neighbour_study", "pearson_r", "Results", "run",
    "verdict_claim1", "verdict_claim2", "verdict_claim3", "verdict_claim4", "verdict_claim5", "verdict_claim6",
    "verdict_claim7", "verdict_claim8", "verdict_claim9", "judge", "judge_all", "paper_vs_ours", "chance_levels",
    "figures", "cka_heatmap_figure", "table1_figure", "d_sweep_figure", "anchor_figure", "geometry_figure",
    "neighbour_figure", "loss_figure",
]
