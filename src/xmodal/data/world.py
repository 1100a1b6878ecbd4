"""``world_dataset(scale, seed)``: the procedural world as arrays, cached (issue #3).

Per scale, ``per_category`` instances of each of the 40 categories; a deterministic train/val/test split
by instance (70/10/20 within each category); points and normals, labels, sub-types, colour/material,
captions at five levels (``n_paraphrases`` each), and renders of ``views`` ring12 views. Renders of other
layouts/resolutions/point-cloud splats are made on demand by :meth:`WorldDataset.images` and cached too.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace

import numpy as np

from ..cache import cached_arrays, code_hash
from ..config import get_scale
from ..parallel import default_workers, parallel_map
from ..progress import progress
from ..seed import make_rng

__all__ = ["WorldDataset", "world_dataset", "SPLITS", "N_PARAPHRASES"]

SPLITS = ("train", "val", "test")
SPLIT_FRACTIONS = (0.7, 0.1, 0.2)
N_PARAPHRASES = 3
LEVELS = (0, 1, 2, 3, 4)


def _split_of(per_category: int, seed: int, category: str) -> np.ndarray:
    """(per_category,) int8 split ids (0 train, 1 val, 2 test), a seeded permutation per category."""
    n_tr = int(round(SPLIT_FRACTIONS[0] * per_category))
    n_va = max(1, int(round(SPLIT_FRACTIONS[1] * per_category))) if per_category >= 3 else 0
    out = np.full(per_category, 2, np.int8)
    perm = make_rng(seed, "split", category).permutation(per_category)
    out[perm[:n_tr]] = 0
    out[perm[n_tr : n_tr + n_va]] = 1
    return out


def _build_category(args) -> dict[str, np.ndarray]:
    """Shapes, points, captions and renders of one category (run in a worker process)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    category, per_category, n_points, resolution, views, seed = args
    from ..world import make_shape, render

    pts, nrm, sub, rgb, capt, attrs, imgs = [], [], [], [], {lv: [] for lv in LEVELS}, [], []
    for i in range(per_category):
        s = make_shape(category, i, seed=seed)
        p, n = s.sample_points(n_points, seed=seed)
        pts.append(p)
        nrm.append(n)
        sub.append(s.subtype_index)
        rgb.append(np.asarray(s.attributes["colour_rgb"], np.float32))
        for lv in LEVELS:
            c = list(s.captions[lv])
            capt[lv].append([c[k % len(c)] for k in range(N_PARAPHRASES)])
        attrs.append(json.dumps({k: v for k, v in s.attributes.items() if k != "colour_rgb"}, sort_keys=True, default=str))
        if views:
            r = render(s.mesh, layout="ring12", resolution=resolution, colors=s.attributes["colour_rgb"],
                       material=s.attributes.get("render_material"), views=list(range(views)))
            imgs.append(r.rgb)
    out = {
        "points": np.stack(pts).astype(np.float32),
        "normals": np.stack(nrm).astype(np.float32),
        "subtypes": np.asarray(sub, np.int16),
        "colour_rgb": np.stack(rgb),
        "attributes": np.asarray(attrs),
    }
    for lv in LEVELS:
        out[f"captions_{lv}"] = np.asarray(capt[lv])
    if views:
        out["images"] = np.stack(imgs)
    return out


@dataclass
class WorldDataset:
    """The world as arrays. N = 40 × per_category instances, ordered by category then index.

    points, normals: (N, n_points, 3) float32; labels: (N,) int64 (index into ``categories``);
    index: (N,) instance index within its category; subtypes: (N,) int (index into the category's
    sub-types); split: (N,) int8 (0 train, 1 val, 2 test); colour_rgb: (N, 3); attributes: (N,) JSON str;
    captions: {level: (N, P) str}; images: (N, V, H, W, 3) uint8 renders of ring12 views ``0..V-1``;
    view, proj: (V, 4, 4) camera matrices of those renders.
    """

    scale: str
    seed: int
    categories: tuple[str, ...]
    points: np.ndarray
    normals: np.ndarray
    labels: np.ndarray
    index: np.ndarray
    subtypes: np.ndarray
    split: np.ndarray
    colour_rgb: np.ndarray
    attributes: np.ndarray
    captions: dict[int, np.ndarray]
    images: np.ndarray | None
    view: np.ndarray | None
    proj: np.ndarray | None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    def mask(self, split: str) -> np.ndarray:
        """(N,) bool mask of ``split`` ('train', 'val', 'test', 'trainval' or 'all')."""
        if split == "all":
            return np.ones(len(self), bool)
        if split == "trainval":
            return self.split <= 1
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; valid: {SPLITS + ('trainval', 'all')}")
        return self.split == SPLITS.index(split)

    def attribute(self, i: int) -> dict:
        return json.loads(str(self.attributes[i]))

    def subtype_name(self, i: int) -> str:
        from ..world import CATEGORIES

        return CATEGORIES[int(self.labels[i])].subtypes[int(self.subtypes[i])]

    def shape(self, i: int):
        """The :class:`xmodal.world.Shape` (mesh and all) of instance ``i``, regenerated deterministically."""
        from ..world import make_shape

        return make_shape(self.categories[int(self.labels[i])], int(self.index[i]), seed=self.seed)

    def images_of(self, layout: str = "ring12", resolution: int | None = None, views=None,
                  kind: str = "mesh", idx=None) -> np.ndarray:
        """Renders (n, V, H, W, 3) uint8 of instances ``idx`` (default all) for any layout/views/kind,
        cached on disk. ``kind='points'`` renders the dataset's point clouds as splats (PointSpider)."""
        from ..world import render
        from ..world.render import LAYOUTS

        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; valid: {tuple(LAYOUTS)}")
        if kind not in ("mesh", "points"):
            raise ValueError(f"unknown kind {kind!r}; valid: 'mesh', 'points'")
        resolution = int(resolution or get_scale(self.scale).resolution)
        views = list(range(LAYOUTS[layout])) if views is None else [int(v) for v in views]
        idx = np.arange(len(self)) if idx is None else np.asarray(idx)
        params = {"world": self.key(), "layout": layout, "resolution": resolution, "views": views, "kind": kind,
                  "idx": idx.tolist() if len(idx) != len(self) else "all"}

        def build():
            out = []
            for i in progress(idx, desc=f"render {kind} {layout}", unit="shape"):
                i = int(i)
                col = self.colour_rgb[i]
                if kind == "mesh":
                    s = self.shape(i)
                    r = render(s.mesh, layout=layout, resolution=resolution, colors=col,
                               material=s.attributes.get("render_material"), views=views)
                else:
                    r = render((self.points[i], self.normals[i]), layout=layout, resolution=resolution,
                               colors=col, views=views)
                out.append(r.rgb)
            return {"images": np.stack(out)}

        return cached_arrays("world_images", params, build)["images"]

    def key(self) -> dict:
        k = {"scale": self.scale, "seed": self.seed, "code": code_hash("xmodal.world", "xmodal.data.world")}
        if "per_category" in self.extra:
            k["per_category"] = int(self.extra["per_category"])
        if self.extra.get("keep_test"):
            k["keep_test"] = True
        return k

    def subset(self, per_category: int, keep_test: bool = False) -> "WorldDataset":
        """The instances with index < ``per_category`` of every category (a smaller world with the same
        shapes, splits and captions; cache keys of derived steps include the size).

        keep_test: keep every test instance of the whole world as well (only train and val are cut): a
        bigger test set for an evaluation, at no cost to whatever trains on the cut train split, whose
        instances and order are the same either way."""
        if isinstance(per_category, bool) or not isinstance(per_category, (int, np.integer)) or per_category < 1:
            raise ValueError(f"per_category must be a positive int, got {per_category!r}")
        keep = self.index < int(per_category)
        if keep_test:
            keep |= self.split == SPLITS.index("test")
        if keep.all():
            return self
        rows = lambda a: None if a is None else a[keep]
        return replace(self, points=self.points[keep], normals=self.normals[keep], labels=self.labels[keep],
                       index=self.index[keep], subtypes=self.subtypes[keep], split=self.split[keep],
                       colour_rgb=self.colour_rgb[keep], attributes=self.attributes[keep],
                       captions={k: v[keep] for k, v in self.captions.items()}, images=rows(self.images),
                       extra={**self.extra, "per_category": int(per_category),
                              **({"keep_test": True} if keep_test else {})})


def world_dataset(scale: str, seed: int = 0, workers: int | None = None, rebuild: bool = False) -> WorldDataset:
    """Build (or load from the cache) the world at ``scale`` ('ci', 'default', 'full').

    A build runs the 40 categories in ``workers`` processes (default :func:`xmodal.parallel.default_workers`:
    ``min(2, cores)``, ``$XMODAL_WORKERS`` overrides; the count is in no cache key and changes no bits) started with
    *spawn*, which re-imports the main script in every worker. **In a script, call this under an
    ``if __name__ == "__main__":`` guard** (notebooks need nothing). Without the guard the build runs in one
    process with a ``RuntimeWarning`` instead of failing with ``BrokenProcessPool``; a pool that breaks for
    another reason also falls back to one process with a warning. Workers exit with their parent (also after
    ``kill -9`` of it), so none is left orphaned.
    """
    from ..world import CATEGORY_NAMES
    from ..world.render import camera_positions  # noqa: F401  (fails early if the renderer is missing)

    sc = get_scale(scale)
    params = {"scale": sc.name, "per_category": sc.per_category, "n_points": sc.n_points,
              "resolution": sc.resolution, "views": sc.views, "seed": int(seed), "paraphrases": N_PARAPHRASES,
              "code": code_hash("xmodal.world", "xmodal.data.world")}
    workers = workers or default_workers(len(CATEGORY_NAMES))

    def build():
        jobs = [(c, sc.per_category, sc.n_points, sc.resolution, sc.views, int(seed)) for c in CATEGORY_NAMES]
        parts = parallel_map(_build_category, jobs, workers, desc="world", unit="category")
        out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        out["labels"] = np.repeat(np.arange(len(CATEGORY_NAMES)), sc.per_category).astype(np.int64)
        out["index"] = np.tile(np.arange(sc.per_category), len(CATEGORY_NAMES)).astype(np.int64)
        out["split"] = np.concatenate([_split_of(sc.per_category, int(seed), c) for c in CATEGORY_NAMES])
        return out

    a = cached_arrays("world", params, build, rebuild=rebuild)
    view = proj = None
    if sc.views:
        from ..world import render

        r = render(np.zeros((1, 3), np.float32), layout="ring12", resolution=sc.resolution, views=list(range(sc.views)))
        view, proj = r.view, r.proj
    return WorldDataset(scale=sc.name, seed=int(seed), categories=tuple(CATEGORY_NAMES), points=a["points"],
                        normals=a["normals"], labels=a["labels"], index=a["index"], subtypes=a["subtypes"],
                        split=a["split"], colour_rgb=a["colour_rgb"], attributes=a["attributes"],
                        captions={lv: a[f"captions_{lv}"] for lv in LEVELS}, images=a.get("images"),
                        view=view, proj=proj)
