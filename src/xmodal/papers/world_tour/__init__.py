"""Notebook 00: the tour of the embedded world and the sanity of the frozen encoders on it.

Functions return figures and DataFrames; the notebook shows them and hands them to a
:class:`xmodal.report.Report`.
"""
from .figures import gallery_figure, neighbour_figure, projection_figure, taxonomy_figure
from .paper import CHECKS, DEVIATIONS
from .pipeline import (caption_table, d2_descriptor, encoder_sanity, judge_checks, same_category_rate,
                       statistics_table, throughput)
from .settings import Settings

__all__ = ["Settings", "CHECKS", "DEVIATIONS", "gallery_figure", "taxonomy_figure", "projection_figure", "caption_table",
           "statistics_table", "throughput", "encoder_sanity", "neighbour_figure", "d2_descriptor",
           "same_category_rate", "judge_checks"]
