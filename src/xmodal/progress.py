"""Progress bars for long loops (tqdm; ``TQDM_DISABLE=1`` silences every bar of the project)."""
from __future__ import annotations

import importlib.util
import os

__all__ = ["progress"]


def progress(iterable=None, **kw):
    """A tqdm bar over ``iterable``; ``disable=True`` or ``$TQDM_DISABLE`` turns it off.

    In Jupyter the widget bar is used when ipywidgets is installed; without it tqdm.auto would print a
    ``TqdmWarning`` (with a machine path) to stderr, so the plain text bar is used instead.
    """
    disable = bool(kw.pop("disable", False)) or bool(os.environ.get("TQDM_DISABLE"))
    if disable or importlib.util.find_spec("ipywidgets") is None:
        from tqdm.std import tqdm
    else:  # pragma: no cover - depends on the front end
        from tqdm.auto import tqdm
    return tqdm(iterable, disable=disable, **kw)
