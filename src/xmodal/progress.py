"""Progress bars for long loops (tqdm; ``TQDM_DISABLE=1`` silences every bar of the project)."""
from __future__ import annotations

import os

__all__ = ["progress"]


def progress(iterable=None, **kw):
    """A tqdm bar over ``iterable``; ``disable=True`` or ``$TQDM_DISABLE`` turns it off."""
    from tqdm.auto import tqdm

    disable = bool(kw.pop("disable", False)) or bool(os.environ.get("TQDM_DISABLE"))
    return tqdm(iterable, disable=disable, **kw)
