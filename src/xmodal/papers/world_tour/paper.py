"""Notebook 00 is a tour, not a paper: its sanity checks (ids ``00-k``, kind ``check``) and its deviations.

The checks use the same registry as the papers' claims, but they are not counted in the verdict tally.
"""
from __future__ import annotations

from ...claims import Claim, Registry, Rule

__all__ = ["CHECKS", "DEVIATIONS", "PROBE_CHANCE_FACTOR"]

#: a sanity number must exceed this multiple of chance (1/40) to pass
PROBE_CHANCE_FACTOR = 10.0

CHECKS = Registry("00", [
    Claim("00-1", "Renders carry the category: a linear probe on frozen EfficientNet-Lite0 features beats chance by far",
          None, Rule("test accuracy of a logistic-regression probe on view-0 render features (xmodal.evaluation.linear_probe: "
                     "C chosen on val, refit on train+val → test)",
                     f"accuracy > {PROBE_CHANCE_FACTOR:g} × chance (1/40)", threshold=PROBE_CHANCE_FACTOR / 40,
                     margin="none: one deterministic fit on frozen features"), kind="check"),
    Claim("00-2", "Captions carry the category: MiniLM level-3 caption → category prompt retrieval beats chance",
          None, Rule("top-1 accuracy of caption → 'a {category}' cosine retrieval (test shapes)",
                     f"top-1 > {PROBE_CHANCE_FACTOR:g} × chance (1/40)", threshold=PROBE_CHANCE_FACTOR / 40,
                     margin="none: frozen encoders, no training"), kind="check"),
])

DEVIATIONS = ["procedural world instead of ModelNet40/Objaverse", "template captions instead of Cap3D",
              "CPU renders instead of photographic renders",
              "frozen MiniLM/GloVe/EfficientNet-Lite0 instead of CLIP"]
