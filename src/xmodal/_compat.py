"""One isolated compatibility step: torchvision's CUDA wheel next to a CPU-only torch.

On this project's machines ``torch==2.13.0`` is the CPU build, but the only ``torchvision==0.28.0`` wheel
on PyPI is a CUDA build whose compiled extension (``torchvision/_C.so``) cannot load against CPU torch.
torchvision then still registers a fake (meta) kernel for ``torchvision::nms`` at import time, and because
the operator was never defined, ``import torchvision`` — and with it ``import open_clip`` / ``import timm`` —
fails with ``RuntimeError: operator torchvision::nms does not exist``.

:func:`ensure_torchvision` imports torchvision normally. Only if that exact error occurs does it define
the missing operator *schemas* (``torchvision::nms`` and ``torchvision::qnms``; no kernel: calling
``torchvision.ops.nms`` still raises, honestly) and import again. Where torchvision loads normally it does nothing; any other error propagates unchanged.
The pure-Python parts this project uses (transforms, model definitions, open_clip, timm) then work.
"""
from __future__ import annotations

import importlib.util
import re
import sys

__all__ = ["ensure_torchvision", "TORCHVISION_PATCHED"]

_MISSING = re.compile(r"operator torchvision::(\w+) does not exist")
# The operators torchvision registers fake kernels for unconditionally at import (0.28: nms and qnms).
_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_LIB = None  # keeps the schema alive for the life of the process
TORCHVISION_PATCHED = False


def ensure_torchvision() -> bool:
    """Make ``import torchvision`` work; return True when the compatibility step was needed."""
    global _LIB, TORCHVISION_PATCHED
    if TORCHVISION_PATCHED or importlib.util.find_spec("torchvision") is None:
        return TORCHVISION_PATCHED
    if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "transforms"):
        return False
    try:
        import torchvision  # noqa: F401

        return False
    except RuntimeError as e:
        m = _MISSING.search(str(e))
        if m is None or m.group(1) not in _SCHEMAS:
            raise
    # Drop the half-imported package, define the missing schemas, import again.
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    import torch

    _LIB = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _SCHEMAS.values():
        _LIB.define(schema)
    import torchvision  # noqa: F401,F811

    TORCHVISION_PATCHED = True
    return True
