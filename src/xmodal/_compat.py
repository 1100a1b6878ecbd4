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

``import xmodal`` does not import torchvision (about 3 s of torch._dynamo per process, which every notebook
kernel and pool worker would pay for nothing: only ``load_clip`` needs it). It installs :class:`_LazyStep`, an
import hook that runs the same step at the first ``import torchvision`` of the process (directly, or through
open_clip / timm), so code that imports them after ``import xmodal`` works as before.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys

__all__ = ["ensure_torchvision", "install_lazy_step", "TORCHVISION_PATCHED"]

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
    global TORCHVISION_PATCHED
    if TORCHVISION_PATCHED or importlib.util.find_spec("torchvision") is None:
        return TORCHVISION_PATCHED
    if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "transforms"):
        return False
    try:
        import torchvision  # noqa: F401

        return False
    except RuntimeError as e:
        _reraise_unless_known(e)
    # Drop the half-imported package, define the missing schemas, import again.
    _drop_half_imported(keep_root=False)
    _define_schemas()
    import torchvision  # noqa: F401,F811

    TORCHVISION_PATCHED = True
    return True


def _reraise_unless_known(e: RuntimeError) -> None:
    """Re-raise ``e`` unless it is the exact 'operator torchvision::<known op> does not exist' error."""
    m = _MISSING.search(str(e))
    if m is None or m.group(1) not in _SCHEMAS:
        raise e


def _drop_half_imported(keep_root: bool) -> None:
    """Forget torchvision's half-imported submodules (and the package itself unless ``keep_root``)."""
    for name in [n for n in sys.modules if n.startswith("torchvision.") or (n == "torchvision" and not keep_root)]:
        del sys.modules[name]


def _define_schemas() -> None:
    global _LIB
    import torch

    _LIB = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _SCHEMAS.values():
        _LIB.define(schema)


class _StepLoader(importlib.abc.Loader):
    """torchvision's own loader, executed once more after the compatibility step if the first execution fails
    with the known error (the half-imported submodules dropped first); any other error propagates."""

    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        global TORCHVISION_PATCHED
        uninstall_lazy_step()  # torchvision is being imported: the hook's work ends here
        module.__loader__ = module.__spec__.loader = self.real  # the package looks as if imported normally
        try:
            self.real.exec_module(module)
            return
        except RuntimeError as e:
            _reraise_unless_known(e)
        _drop_half_imported(keep_root=True)  # the package module itself is re-executed in place
        _define_schemas()
        self.real.exec_module(module)
        TORCHVISION_PATCHED = True


class _LazyStep(importlib.abc.MetaPathFinder):
    """At the first ``import torchvision``: its normal spec, with a loader that applies the step on failure."""

    def find_spec(self, name, path=None, target=None):
        if name != "torchvision":  # no side effect here: find_spec also answers availability checks
            return None  # (transformers asks importlib.util.find_spec("torchvision") long before importing it)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _StepLoader(spec.loader)
        return spec


def install_lazy_step() -> None:
    """Run the compatibility step at the first ``import torchvision`` (nothing when torchvision is already
    imported or is not installed)."""
    if "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is None:
        return
    if not any(isinstance(f, _LazyStep) for f in sys.meta_path):
        sys.meta_path.insert(0, _LazyStep())


def uninstall_lazy_step() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _LazyStep)]
