"""ModelNet40-C (Sun et al., 2022): the released corrupted ModelNet40 test set, read as arrays.

The release (``modelnet40_c.zip``, the Zenodo archive linked from https://github.com/jiachens/ModelNet40-C)
holds one file per corruption and severity, ``data_<corruption>_<severity>.npy`` ``(2468, P, 3) float32``
(``P = 1024``; 768 for lidar), and ``label.npy`` ``(2468,)`` or ``(2468, 1)``. The corruptions and their
parameters are those of :mod:`xmodal.data.corruptions` (``shared/papers/modelnet40c.md``). ``corruption="clean"``
is the ModelNet40 test split read by :func:`xmodal.data.modelnet40` (1024 of its 2048 points per cloud).
Nothing is downloaded: when the data is absent the error says where to get it and where to put it.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .corruptions import CORRUPTIONS
from .modelnet40 import HDF5_DIR, DataMissingError, modelnet40
from .validate import DataCorruptError, check_finite_points, check_labels

__all__ = ["modelnet40c", "MODELNET40C_DIR"]

MODELNET40C_DIR = "modelnet40_c"
_HOWTO = ("Download ModelNet40-C where you have internet — `modelnet40_c.zip` from the Zenodo archive linked in "
          "the README of https://github.com/jiachens/ModelNet40-C — and unzip it so that `{root}/label.npy` and "
          "`{root}/data_<corruption>_<severity>.npy` (e.g. `{root}/data_uniform_1.npy`) exist (root = the `root` "
          "argument, or $XMODAL_DATA/" + MODELNET40C_DIR + ").")


def _root(root) -> Path:
    if root is None:
        base = os.environ.get("XMODAL_DATA") or Path.home() / "data"
        return Path(base).expanduser() / MODELNET40C_DIR
    return Path(root).expanduser()


def _load(path: Path, root: Path) -> np.ndarray:
    if not path.is_file():
        raise DataMissingError(f"ModelNet40-C file {path} not found. " + _HOWTO.format(root=root))
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DataCorruptError(f"{path}: cannot read the .npy file, it is truncated or corrupt ({e}). Delete it and "
                               "unzip the ModelNet40-C release again (https://github.com/jiachens/ModelNet40-C).") from e


def _clean(root: Path, modelnet40_root, seed: int):
    if modelnet40_root is None and (root / HDF5_DIR).is_dir():
        modelnet40_root = root
    ds = modelnet40(modelnet40_root, split="test", n_points=1024, seed=seed)
    return ds.points.astype(np.float32), ds.labels.astype(np.int64)


def modelnet40c(root=None, corruption: str = "clean", severity: int | None = None, *, modelnet40_root=None,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One ModelNet40-C variant: ``(points (n, P, 3) float32, labels (n,) int64)``.

    Args:
        root: folder holding the release's ``data_<corruption>_<severity>.npy`` and ``label.npy``
            (None → ``$XMODAL_DATA/modelnet40_c``, else ``~/data/modelnet40_c``).
        corruption: one of :data:`xmodal.data.corruptions.CORRUPTIONS`, or ``"clean"``.
        severity: int in 1..5; for ``"clean"`` None or 0.
        modelnet40_root: for ``"clean"`` only, the ModelNet40 root of :func:`xmodal.data.modelnet40` (None →
            ``root`` if it holds ``modelnet40_ply_hdf5_2048/``, else that reader's default).
        seed: for ``"clean"`` only, the reader's choice of 1024 of the 2048 points.

    ``P = 1024`` (768 for lidar, as released). Raises :class:`~xmodal.data.DataMissingError` (a
    ``FileNotFoundError``) when a file is absent, ``ValueError`` for a bad corruption / severity, and
    :class:`~xmodal.data.DataCorruptError` (a ``ValueError``) for an unreadable file, wrong shapes or dtypes
    (complex or bool points, bool labels), an empty file, mismatched lengths, labels that are not whole numbers
    in 0..39, or points that are non-finite in the file or after the cast to float32 (naming the file and the
    first bad index).
    """
    names = ("clean",) + CORRUPTIONS
    if not isinstance(corruption, str) or corruption not in names:
        raise ValueError(f"unknown corruption {corruption!r}; valid: {', '.join(names)}")
    r = _root(root)
    if corruption == "clean":
        if severity not in (None, 0) or isinstance(severity, bool):
            raise ValueError(f"corruption 'clean' has no severity: pass severity=None (or 0), got {severity!r}")
        return _clean(r, modelnet40_root, seed)
    if isinstance(severity, (bool, np.bool_)) or not isinstance(severity, (int, np.integer)) or not 1 <= severity <= 5:
        raise ValueError(f"severity must be an int in 1..5 for corruption {corruption!r}, got {severity!r}")
    if not r.is_dir():
        raise DataMissingError(f"ModelNet40-C not found: {r} is not a folder. " + _HOWTO.format(root=r))
    data_path = r / f"data_{corruption}_{int(severity)}.npy"
    label_path = r / "label.npy"
    data = _load(data_path, r)
    labels = _load(label_path, r)
    if data.ndim != 3 or data.shape[2] != 3 or data.dtype.kind not in "fiu":
        raise DataCorruptError(f"{data_path}: expected real points (n, P, 3), got shape {data.shape} "
                               f"dtype {data.dtype}")
    if data.size == 0:
        raise DataCorruptError(f"{data_path}: no points in it (shape {data.shape}); the file is cut or not from "
                               "the release. Unzip the ModelNet40-C release again (https://github.com/jiachens/ModelNet40-C).")
    if labels.ndim not in (1, 2) or (labels.ndim == 2 and labels.shape[1] != 1):
        raise DataCorruptError(f"{label_path}: expected labels (n,) or (n, 1), got shape {labels.shape} "
                               f"dtype {labels.dtype}")
    labels = check_labels(labels, str(label_path), 40)
    if len(labels) != len(data):
        raise DataCorruptError(f"{data_path} has {len(data)} clouds but {label_path} has {len(labels)} labels; "
                               "the two files come from different releases")
    check_finite_points(data, str(data_path))
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf: caught just below
        points = data.astype(np.float32)
    check_finite_points(points, f"{data_path} (read as float32, whose largest value is 3.4e38)")
    return points, labels
