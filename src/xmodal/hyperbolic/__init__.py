"""Hyperbolic geometry for paper 04: the Lorentz model (:mod:`xmodal.hyperbolic.lorentz`)."""
from . import lorentz
from .lorentz import (dist0, einstein_midpoint, exp_map0, half_aperture, log_map0, oxy_angle, pairwise_dist,
                      pairwise_inner, time_component)

__all__ = ["lorentz", "time_component", "pairwise_inner", "pairwise_dist", "dist0", "exp_map0", "log_map0",
           "half_aperture", "oxy_angle", "einstein_midpoint"]
