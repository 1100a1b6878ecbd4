"""Notebook 04: Accept the Modality Gap (ATMG) vs MERU vs CLIP in the Lorentz model.

Functions return DataFrames, figures and :class:`xmodal.claims.Outcome`s; the notebook shows them and hands
them to a :class:`xmodal.report.Report`.
"""
from .figures import curvature_figure, embedding_figure, level_figure, proposition_figure, spread_figure
from .losses import atmg_loss, clip_loss, entailment_loss, meru_loss, pairwise_oxy_angle
from .paper import DEVIATIONS, PAPER, REGISTRY
from .propositions import proposition1, proposition2
from .pipeline import Features, Results, Trained, embed, evaluate, load_features, run, run_sweep, summary, train
from .settings import METHODS, Settings, settings_frame
from .verdicts import (judge_all, judge_curvature, judge_gap, judge_hierarchy, judge_propositions, judge_retrieval,
                       paper_vs_ours)

__all__ = ["PAPER", "REGISTRY", "DEVIATIONS", "METHODS", "Settings", "settings_frame", "Features", "Trained",
           "Results", "load_features", "train", "embed", "evaluate", "run", "run_sweep", "summary", "clip_loss", "meru_loss", "atmg_loss",
           "entailment_loss", "pairwise_oxy_angle", "proposition1", "proposition2", "judge_all", "judge_retrieval", "judge_gap",
           "judge_propositions", "judge_curvature", "judge_hierarchy", "paper_vs_ours",
           "embedding_figure", "curvature_figure", "level_figure", "spread_figure", "proposition_figure"]
