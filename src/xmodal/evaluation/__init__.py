"""Evaluation shared by the papers: linear probes, ranks and PCA, statistics over seeds."""
from .probe import ProbeResult, linear_probe
from .rank import effective_rank, numerical_rank, pca_basis, pca_project
from .stats import Interval, bootstrap_interval, paired_interval, seed_interval

__all__ = ["ProbeResult", "linear_probe", "numerical_rank", "effective_rank", "pca_basis", "pca_project",
           "Interval", "seed_interval", "paired_interval", "bootstrap_interval"]
