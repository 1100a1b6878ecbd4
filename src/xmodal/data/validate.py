"""Checks of real data as it is read: non-finite points, degenerate meshes (issue #10), class labels (issue #30).

Every check raises :class:`ValueError` (a :class:`DataCorruptError` for files) naming where the data came from
and the first bad index, so a bad file or cloud can be found and fixed or re-downloaded.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DataCorruptError", "check_finite_points", "check_mesh_area", "check_labels"]


class DataCorruptError(ValueError):
    """A data file is on disk but unreadable, truncated, malformed or holds invalid values; the message names
    the file, says what is wrong and how to get a good copy."""


def check_finite_points(points, source: str) -> np.ndarray:
    """Return ``points`` unchanged when every value is finite; else raise :class:`DataCorruptError`.

    points: (P, D) one cloud or (N, P, D) clouds (numpy or torch; any real dtype). ``source`` names where they
    came from (a file, a dataset, a function argument) and starts the message, which gives the first bad index
    as (cloud, point) — (point,) for one cloud — its value, and how many points are bad in total.
    """
    arr = points.detach().cpu().numpy() if hasattr(points, "detach") and hasattr(points, "cpu") else np.asarray(points)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataCorruptError(f"{source}: points must be a numeric array, got dtype {arr.dtype}")
    if arr.dtype.kind == "c":
        raise DataCorruptError(f"{source}: points must be real coordinates, got complex dtype {arr.dtype}")
    if arr.ndim not in (2, 3):
        raise DataCorruptError(f"{source}: points must be (P, D) or (N, P, D), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.inexact):
        return points
    ok = np.isfinite(arr).all(axis=-1)
    if ok.all():
        return points
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0])
    where = f"cloud {first[0]}, point {first[1]}" if arr.ndim == 3 else f"point {first[0]}"
    n_clouds = int((~ok).any(axis=1).sum()) if arr.ndim == 3 else 1
    raise DataCorruptError(
        f"{source}: non-finite coordinates (NaN or inf) at {where} (index {first}), value {arr[first].tolist()}; "
        f"{len(bad)} bad point(s) in {n_clouds} cloud(s) in all. Drop or repair those clouds, or re-download "
        "the file if it came from one.")


def check_mesh_area(vertices: np.ndarray, faces: np.ndarray, source: str, eps: float = 0.0) -> float:
    """Total surface area of a triangle mesh; :class:`DataCorruptError` naming ``source`` when it is not > eps
    (no surface to sample points from: all faces degenerate, or all vertices coincide)."""
    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces, np.int64)
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    area = float(0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1).sum())
    if not np.isfinite(area) or area <= eps:
        raise DataCorruptError(
            f"{source}: the mesh has zero surface area ({len(f)} faces, all degenerate), so no points can be "
            "sampled from it. The file is broken: re-download it, or remove it from the dataset folder.")
    return area


def check_labels(labels, source: str, n_classes: int) -> np.ndarray:
    """``labels`` flattened to (n,) int64 when every value is a class index ``0..n_classes - 1``; else
    :class:`DataCorruptError` naming ``source``.

    Integer dtypes and floats holding whole numbers (some releases store labels as float) are accepted; a
    bool, complex, string or object dtype is refused naming the dtype, and a fractional, non-finite or
    out-of-range value naming its index and value (a cast would silently turn 0.5 into class 0).
    """
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iuf":
        raise DataCorruptError(f"{source}: labels must be whole numbers (an integer or float dtype), got dtype "
                               f"{arr.dtype}; the file is not a class-label array of this release.")
    flat = arr.reshape(-1)
    with np.errstate(invalid="ignore"):
        bad = (flat < 0) | (flat >= n_classes)
        if arr.dtype.kind == "f":
            bad |= ~np.isfinite(flat) | (flat != np.round(flat))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataCorruptError(f"{source}: label {flat[i].item()!r} at index {i} is not a class index (a whole number "
                               f"in 0..{n_classes - 1}); {int(bad.sum())} bad label(s) in all. Re-download the file.")
    return flat.astype(np.int64)
