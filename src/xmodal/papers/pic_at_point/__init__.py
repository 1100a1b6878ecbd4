"""Notebook 05: Pic@Point (Herzog & Suwelack, ACML 2024) — local + global 2D–3D correspondence pre-training
of a 3D backbone from a frozen 2D backbone, with the camera pose made explicit."""
from .correspondence import image_features, sample_pixel_features, self_checks, view_bank, visible_pairs
from .model import PicAtPoint, PoseEncoder, count_parameters, global_loss, local_loss, nt_xent
from .paper import DEVIATIONS, PAPER, REGISTRY
from .pipeline import (evaluate_variant, global_features, load_world, parameter_table, pretrain, run,
                       run_ablations, scan_variant, summary_table, svm_accuracy, variant_arrays)
from .settings import VARIANTS, Settings
from .verdicts import judge_all, paper_table
from .figures import ablation_figure, correspondence_figure, pca_figure

__all__ = ["Settings", "VARIANTS", "PAPER", "REGISTRY", "DEVIATIONS", "sample_pixel_features", "image_features",
           "visible_pairs", "view_bank", "self_checks", "PoseEncoder", "PicAtPoint", "count_parameters", "global_loss",
           "local_loss", "nt_xent", "load_world", "scan_variant", "pretrain", "global_features", "svm_accuracy",
           "evaluate_variant", "variant_arrays", "run_ablations", "parameter_table", "summary_table", "run", "judge_all",
           "paper_table", "ablation_figure", "correspondence_figure", "pca_figure"]
