"""ModelNet40 (Wu et al. 2015) read into the same structure as the world (:class:`WorldDataset`).

Two standard releases are read, whichever is found under ``root`` (or ``$XMODAL_DATA/modelnet40``):
- ``modelnet40_ply_hdf5_2048/``: ``ply_data_{train,test}{k}.h5`` with ``data`` (N, 2048, 3) float32,
  ``label`` (N, 1) and optionally ``normal`` (N, 2048, 3); ``shape_names.txt`` names the labels;
- ``ModelNet40/<class>/{train,test}/<class>_NNNN.off`` meshes (points sampled area-uniformly).
Labels follow the world's category order (both are ModelNet40's alphabetical order). Captions are the
category-level templates (levels 0–2; levels 3–4 repeat level 2: ModelNet has no attributes).
Nothing is downloaded: when the data is absent the error says where to get it and where to put it.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..seed import make_rng
from .validate import DataCorruptError, check_finite_points, check_labels, check_mesh_area

__all__ = ["modelnet40", "DataMissingError", "DataCorruptError", "read_off", "HDF5_DIR", "OFF_DIR"]

HDF5_DIR = "modelnet40_ply_hdf5_2048"
OFF_DIR = "ModelNet40"
_HOWTO = (
    "Download ModelNet40 where you have internet — the point clouds `modelnet40_ply_hdf5_2048.zip` (PointNet's "
    "release, e.g. mirrored on Hugging Face / Kaggle) or the meshes `ModelNet40.zip` from "
    "https://modelnet.cs.princeton.edu/ — and unzip it so that `{root}/" + HDF5_DIR + "/ply_data_train0.h5` or "
    "`{root}/" + OFF_DIR + "/chair/train/chair_0001.off` exists (root = the `root` argument, or $XMODAL_DATA/modelnet40)."
)


class DataMissingError(FileNotFoundError):
    """Real data was asked for but is not on disk; the message says where to download it and put it."""


_REDOWNLOAD = ("Delete it and download the release again (see the xmodal.data.modelnet40 docstring: "
               "`modelnet40_ply_hdf5_2048.zip` or `ModelNet40.zip` from https://modelnet.cs.princeton.edu/).")


def _root(root) -> Path:
    if root is None:
        base = os.environ.get("XMODAL_DATA") or Path.home() / "data"
        return Path(base).expanduser() / "modelnet40"
    return Path(root).expanduser()


def read_off(path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (v, 3) float64 and triangle faces (f, 3) int64 of an OFF file.

    Handles ModelNet's known header defect (``OFF490 518 0`` on one line) and splits polygons into fans.
    Raises :class:`DataCorruptError` (a ValueError) naming the file for a binary, truncated or malformed file
    and for non-finite vertex coordinates.
    """
    try:
        text = Path(path).read_bytes().decode("ascii")
    except UnicodeDecodeError as e:
        raise DataCorruptError(f"{path} is not a text OFF file (binary or corrupt bytes at offset {e.start}); only "
                               f"ASCII OFF is read. {_REDOWNLOAD}") from e
    tokens = text.split()
    if not tokens or not tokens[0].startswith("OFF"):
        raise DataCorruptError(f"{path} is not an OFF file (no OFF header). {_REDOWNLOAD}")
    head = tokens[0][3:]
    rest = ([head] if head else []) + tokens[1:]
    try:
        nv, nf = int(rest[0]), int(rest[1])
        vals = rest[3:]
        v = np.asarray(vals[: 3 * nv], float).reshape(nv, 3)
        faces, k = [], 3 * nv
        for _ in range(nf):
            m = int(vals[k])
            poly = [int(x) for x in vals[k + 1 : k + 1 + m]]
            faces += [(poly[0], poly[j], poly[j + 1]) for j in range(1, m - 1)]
            k += 1 + m
    except (IndexError, ValueError) as e:
        raise DataCorruptError(f"{path}: truncated or malformed OFF file ({e}). {_REDOWNLOAD}") from e
    f = np.asarray(faces, np.int64).reshape(-1, 3)
    if len(v) == 0 or len(f) == 0 or f.max() >= nv or f.min() < 0:
        raise DataCorruptError(f"{path}: OFF file with no faces or out-of-range vertex indices. {_REDOWNLOAD}")
    check_finite_points(v, f"{path} (OFF vertices)")
    return v, f


def _normalise(p: np.ndarray) -> np.ndarray:
    p = p - (p.max(0) + p.min(0)) / 2
    return p / np.linalg.norm(p, axis=-1).max()


def _from_hdf5(d: Path, split: str, n_points: int, seed: int, names: list[str]):
    import h5py

    splits = ["train", "test"] if split == "all" else [split]
    pts, nrm, lab, spl = [], [], [], []
    for s in splits:
        files = sorted(d.glob(f"ply_data_{s}*.h5"), key=lambda f: int(re.sub(r"\D", "", f.stem) or 0))
        if not files:
            raise DataMissingError(f"no {s} files `ply_data_{s}*.h5` in {d}. " + _HOWTO.format(root=d.parent))
        for f in files:
            try:
                h = h5py.File(f, "r")
            except OSError as e:  # truncated / not HDF5 / corrupt superblock
                raise DataCorruptError(f"{f}: cannot open the HDF5 file, it is truncated or corrupt ({e}). "
                                       + _REDOWNLOAD) from e
            try:
                with h:
                    missing = [k for k in ("data", "label") if k not in h]
                    if missing:
                        raise DataCorruptError(f"{f}: HDF5 file without the dataset(s) {missing} (it has "
                                               f"{sorted(h.keys())}); not a `modelnet40_ply_hdf5_2048` file. "
                                               + _REDOWNLOAD)
                    for k in ("data", "normal"):
                        if k in h and h[k].dtype.kind not in "fiu":  # complex / bool / strings: no coordinates
                            raise DataCorruptError(f"{f}: dataset {k!r} must hold real coordinates, got dtype "
                                                   f"{h[k].dtype}. " + _REDOWNLOAD)
                    data = np.asarray(h["data"], np.float32)  # float64 beyond float32's range reads as inf
                    label = check_labels(np.asarray(h["label"]), f"{f} (dataset 'label')", len(names))
                    normal = np.asarray(h["normal"], np.float32) if "normal" in h else np.zeros_like(data)
            except DataCorruptError:
                raise
            except (OSError, KeyError, ValueError, TypeError) as e:  # a damaged chunk, a wrong dtype
                raise DataCorruptError(f"{f}: cannot read its datasets ({type(e).__name__}: {e}). " + _REDOWNLOAD) from e
            if data.ndim != 3 or data.shape[2] != 3 or len(label) != len(data):
                raise DataCorruptError(f"{f}: expected data (N, P, 3) and label (N,), got {data.shape}, {label.shape}")
            if data.size == 0:
                raise DataCorruptError(f"{f}: no point clouds in it (dataset 'data' has shape {data.shape}). "
                                       + _REDOWNLOAD)
            check_finite_points(data, f"{f} (dataset 'data', read as float32)")
            if normal.shape != data.shape:
                raise DataCorruptError(f"{f}: 'normal' has shape {normal.shape} but 'data' has {data.shape}")
            check_finite_points(normal, f"{f} (dataset 'normal')")
            if n_points > data.shape[1]:
                raise ValueError(f"n_points={n_points} exceeds the {data.shape[1]} points stored in {f}")
            sel = make_rng(seed, "modelnet40", f.name).permuted(np.tile(np.arange(data.shape[1]), (len(data), 1)), axis=1)[:, :n_points]
            pts.append(np.take_along_axis(data, sel[..., None], 1))
            nrm.append(np.take_along_axis(normal, sel[..., None], 1))
            lab.append(label)
            spl.append(np.full(len(data), 0 if s == "train" else 2, np.int8))
    return np.concatenate(pts), np.concatenate(nrm), np.concatenate(lab), np.concatenate(spl)


def _from_off(d: Path, split: str, n_points: int, seed: int, names: list[str]):
    import trimesh

    splits = ["train", "test"] if split == "all" else [split]
    pts, nrm, lab, spl = [], [], [], []
    for s in splits:
        for ci, name in enumerate(names):
            for f in sorted((d / name / s).glob("*.off")):
                v, fc = read_off(f)
                check_mesh_area(v, fc, str(f))
                mesh = trimesh.Trimesh(_normalise(v), fc, process=False)
                p, fi = trimesh.sample.sample_surface(mesh, n_points, seed=int(make_rng(seed, "off", f.name).integers(2**31)))
                pts.append(p.astype(np.float32))
                nrm.append(mesh.face_normals[fi].astype(np.float32))
                lab.append(ci)
                spl.append(0 if s == "train" else 2)
    if not pts:
        raise DataMissingError(f"no OFF meshes under {d}/<class>/{'|'.join(splits)}/. " + _HOWTO.format(root=d.parent))
    return np.stack(pts), np.stack(nrm), np.asarray(lab, np.int64), np.asarray(spl, np.int8)


def modelnet40(root=None, split: str = "train", n_points: int = 1024, seed: int = 0):
    """ModelNet40 as a :class:`~xmodal.data.world.WorldDataset` (split 'train', 'test' or 'all').

    ModelNet40 has no validation split: 'val' is empty (the split array only holds 0 = train, 2 = test).
    """
    from ..world import CATEGORY_NAMES
    from .world import LEVELS, N_PARAPHRASES, WorldDataset

    if split not in ("train", "test", "all"):
        raise ValueError(f"unknown split {split!r}; valid: 'train', 'test', 'all'")
    if n_points <= 0:
        raise ValueError(f"n_points must be positive, got {n_points}")
    r = _root(root)
    names = list(CATEGORY_NAMES)
    if (r / HDF5_DIR).is_dir():
        d = r / HDF5_DIR
        sn = d / "shape_names.txt"
        if sn.exists():
            file_names = sn.read_text().split()
            if sorted(file_names) != sorted(names):
                raise ValueError(f"{sn} does not list ModelNet40's 40 categories")
            remap = np.asarray([names.index(n) for n in file_names])
        else:
            remap = np.arange(40)
        p, n, lab, spl = _from_hdf5(d, split, n_points, seed, names)  # labels checked in 0..39 per file
        lab = remap[lab]
        source = str(d)
    elif (r / OFF_DIR).is_dir():
        p, n, lab, spl = _from_off(r / OFF_DIR, split, n_points, seed, names)
        source = str(r / OFF_DIR)
    else:
        raise DataMissingError(f"ModelNet40 not found under {r}. " + _HOWTO.format(root=r))
    N = len(lab)
    human = [c.replace("_", " ") for c in names]
    caps = {
        0: np.asarray([["an object", "a thing", "an item"][:N_PARAPHRASES]] * N),
        1: np.asarray([[f"a {human[l]}"] * N_PARAPHRASES for l in lab]),
        2: np.asarray([[f"a {human[l]}", f"a 3D model of a {human[l]}", f"a photo of a {human[l]}"] for l in lab]),
    }
    try:  # level 1 from the world's taxonomy group when available
        from ..world import CATEGORIES

        caps[1] = np.asarray([[CATEGORIES[l].group] * N_PARAPHRASES for l in lab])
    except (ImportError, AttributeError):
        pass
    caps[3] = caps[2]
    caps[4] = caps[2]
    return WorldDataset(scale="modelnet40", seed=seed, categories=tuple(names), points=p.astype(np.float32),
                        normals=n.astype(np.float32), labels=lab, index=np.arange(N), subtypes=np.full(N, -1, np.int16),
                        split=spl, colour_rgb=np.full((N, 3), 0.7, np.float32), attributes=np.asarray(["{}"] * N),
                        captions={lv: caps[lv] for lv in LEVELS}, images=None, view=None, proj=None,
                        extra={"source": source})
