"""Procedural shapes: ``make_shape(category, index, seed)`` → :class:`Shape` (mesh, attributes, captions).

An instance is fixed by ``(category, index, seed)``. Its randomness comes from
``make_rng(seed, "shape", category_name, index)`` (sub-type, continuous parameters, discrete structure)
and two derived streams, ``(..., "appearance")`` for colour/material and ``(..., "captions")`` for
the caption templates, so the same triple gives identical meshes, points and captions in every
process. The mesh is a function of ``(category, subtype, params, structure)`` only
(:func:`build_mesh`): appearance is drawn independently and never touches the geometry — colour
and material are visible in renders and captions but absent from point clouds (a deliberate modality
gap).

Meshes are y-up, centred on the **bounding-box centre**, scaled so that the largest vertex norm is 1,
and made of overlapping closed, outward-oriented parts (no boolean union).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from ..seed import make_rng
from .captions import make_captions
from .generators import REGISTRY
from .generators._base import Parts
from .taxonomy import CATEGORIES, get_category

__all__ = [
    "Shape", "make_shape", "build_mesh", "sample_surface", "encode_attributes",
    "COLOURS", "COLOUR_RGB", "MATERIALS", "MATERIAL_PROPS", "ATTRIBUTE_NAMES", "ATTRIBUTE_VALUES", "HEIGHTS", "WIDTHS",
    "CATEGORY_MATERIALS",
]

# ---------------------------------------------------------------------------------------- vocabulary

#: Colour names (index = integer code) and their base RGB in 0..1.
COLOUR_RGB: dict[str, tuple[float, float, float]] = {
    "red": (0.80, 0.12, 0.12), "orange": (0.95, 0.50, 0.08), "yellow": (0.95, 0.85, 0.15), "green": (0.18, 0.58, 0.22),
    "blue": (0.12, 0.32, 0.80), "purple": (0.48, 0.22, 0.66), "pink": (0.95, 0.55, 0.72), "brown": (0.48, 0.30, 0.16),
    "black": (0.07, 0.07, 0.07), "white": (0.94, 0.94, 0.94), "grey": (0.50, 0.50, 0.50), "beige": (0.86, 0.78, 0.60),
}
COLOURS: tuple[str, ...] = tuple(COLOUR_RGB)

#: Material names (index = integer code) -> (specular, roughness, metallic).
MATERIAL_PROPS: dict[str, tuple[float, float, float]] = {
    "wood": (0.20, 0.65, 0.0), "metal": (0.85, 0.25, 1.0), "plastic": (0.50, 0.35, 0.0), "glass": (0.90, 0.06, 0.0),
    "ceramic": (0.70, 0.15, 0.0), "fabric": (0.04, 0.95, 0.0), "leather": (0.35, 0.50, 0.0), "stone": (0.15, 0.80, 0.0),
    "paper": (0.05, 0.90, 0.0), "rubber": (0.10, 0.85, 0.0),
}
MATERIALS: tuple[str, ...] = tuple(MATERIAL_PROPS)

#: Plausible materials per category (optionally per ``"category/subtype"``).
CATEGORY_MATERIALS: dict[str, tuple[str, ...]] = {
    "airplane": ("metal", "plastic"), "bathtub": ("ceramic", "stone", "metal", "plastic"),
    "bed": ("wood", "metal", "fabric", "leather"), "bench": ("wood", "metal", "stone", "plastic"),
    "bookshelf": ("wood", "metal", "plastic"), "bottle": ("glass", "plastic", "metal", "ceramic"),
    "bowl": ("ceramic", "glass", "wood", "metal", "plastic"), "car": ("metal", "plastic"),
    "chair": ("wood", "metal", "plastic", "fabric", "leather"), "cone": ("plastic", "rubber"),
    "cone/party hat": ("paper", "plastic"), "cup": ("ceramic", "glass", "metal", "plastic"),
    "cup/paper cup": ("paper", "plastic"), "curtain": ("fabric", "plastic"), "desk": ("wood", "metal", "plastic", "glass"),
    "door": ("wood", "metal", "plastic"), "door/glass door": ("glass", "wood", "metal"), "dresser": ("wood", "metal", "plastic"),
    "flower_pot": ("ceramic", "plastic", "stone", "metal"), "glass_box": ("glass",), "guitar": ("wood", "plastic"),
    "keyboard": ("plastic", "metal"), "lamp": ("metal", "ceramic", "glass", "plastic", "wood"), "laptop": ("metal", "plastic"),
    "mantel": ("wood", "stone", "metal"), "monitor": ("plastic", "metal"), "night_stand": ("wood", "metal", "plastic"),
    "person": ("plastic", "stone", "metal", "wood", "ceramic"), "piano": ("wood", "plastic"), "plant": ("plastic", "fabric"),
    "radio": ("plastic", "wood", "metal"), "range_hood": ("metal", "glass", "plastic"), "sink": ("ceramic", "stone", "metal"),
    "sofa": ("fabric", "leather"), "stairs": ("wood", "stone", "metal"), "stool": ("wood", "metal", "plastic"),
    "table": ("wood", "metal", "glass", "stone", "plastic"), "tent": ("fabric", "plastic"), "toilet": ("ceramic", "stone"),
    "tv_stand": ("wood", "metal", "glass", "plastic"), "vase": ("ceramic", "glass", "metal", "stone"),
    "wardrobe": ("wood", "metal", "plastic"), "xbox": ("plastic", "metal"),
}
#: Colour weights per category where not uniform (plants are mostly green).
_COLOUR_WEIGHTS = {"plant": {"green": 8.0, "yellow": 1.0, "red": 1.0, "purple": 1.0, "brown": 0.5}}

HEIGHTS: tuple[str, ...] = ("short", "medium", "tall")
WIDTHS: tuple[str, ...] = ("narrow", "medium", "wide")
#: Attributes every shape has that datasets can encode as integers (see :func:`encode_attributes`).
ATTRIBUTE_NAMES: tuple[str, ...] = ("subtype", "colour", "material", "height", "width", "n_legs", "n_shelves",
                                    "n_drawers", "n_doors")
#: Vocabularies of the categorical attributes (``subtype`` uses the category's own ``subtypes``).
ATTRIBUTE_VALUES: dict[str, tuple[str, ...]] = {"colour": COLOURS, "material": MATERIALS, "height": HEIGHTS, "width": WIDTHS}
_COUNTS = ("n_legs", "n_shelves", "n_drawers", "n_doors")


def _check_all_registered() -> None:
    for c in CATEGORIES:
        g = REGISTRY.get(c.name)
        if g is None or tuple(g.subtypes) != tuple(c.subtypes):
            raise RuntimeError(f"generator for {c.name!r} missing or its sub-types differ from the taxonomy")


_check_all_registered()

# -------------------------------------------------------------------------------------------- shape


def sample_surface(mesh: trimesh.Trimesh, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Area-uniform surface samples of a triangle mesh.

    A face is drawn with probability ``A_f / sum A`` (inverse CDF on the cumulative areas), then a point
    inside it with ``p = (1 - sqrt(u)) a + sqrt(u) (1 - v) b + sqrt(u) v c`` (uniform on the triangle).

    Returns ``points (n, 3) float32`` and the unit face ``normals (n, 3) float32``.
    """
    tri = np.asarray(mesh.vertices, np.float64)[np.asarray(mesh.faces)]
    cr = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area2 = np.linalg.norm(cr, axis=1)
    cdf = np.cumsum(area2)
    f = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    f = np.minimum(f, len(cdf) - 1)
    u, v = rng.random(n), rng.random(n)
    su = np.sqrt(u)
    w = np.stack([1 - su, su * (1 - v), su * v], 1)
    pts = np.einsum("nk,nkd->nd", w, tri[f])
    nrm = cr[f] / area2[f, None]
    return pts.astype(np.float32), nrm.astype(np.float32)


@dataclass(frozen=True, eq=False)
class Shape:
    """One procedural instance.

    ``mesh``: ``trimesh.Trimesh`` (y-up, bbox-centred, max vertex norm 1); ``params``: continuous
    parameters (floats); ``structure``: discrete choices (counts, flags); ``attributes``: sub-type,
    colour/material (appearance only) and geometric descriptors (see :data:`ATTRIBUTE_NAMES`);
    ``captions``: ``{level 0..4: [paraphrases]}``.
    """

    category: str
    label: int
    index: int
    seed: int
    subtype: str
    subtype_index: int
    params: dict
    structure: dict
    attributes: dict
    captions: dict
    mesh: trimesh.Trimesh = field(repr=False)

    def sample_points(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` area-uniform surface points and unit normals, ``(n, 3) float32`` each, fixed by ``seed``."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"n must be a positive integer number of points, got {n!r}")
        rng = make_rng(_check_int(seed, "seed"), "points", self.category, self.index, self.seed)
        return sample_surface(self.mesh, int(n), rng)

    def __repr__(self) -> str:
        return (f"Shape({self.category!r}, index={self.index}, seed={self.seed}, subtype={self.subtype!r}, "
                f"faces={len(self.mesh.faces)})")


def _check_int(x, what: str, minimum=None) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{what} must be an integer, got {x!r}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {x}")
    return x


def build_mesh(category, subtype: str, params: dict, structure: dict) -> trimesh.Trimesh:
    """The normalised mesh of ``category``'s ``subtype`` with the given parameters (no randomness)."""
    cat = get_category(category)
    if subtype not in cat.subtypes:
        raise ValueError(f"unknown sub-type {subtype!r} of {cat.name!r}; valid sub-types are {', '.join(cat.subtypes)}")
    m = Parts()
    REGISTRY[cat.name].build(m, subtype, dict(params), dict(structure))
    return m.finish()


def _level(gen, key, value, words):
    """Tertile of ``value`` in the category-wide range of ``key``: (class index 0/1/2, word or '')."""
    if key is None:
        return 1, ""
    lo, hi = gen.full_range(key)
    f = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    k = 0 if f < 1 / 3 else (2 if f > 2 / 3 else 1)
    return k, {0: words[0], 1: "", 2: words[1]}[k]


def _appearance(name: str, subtype: str, rng: np.random.Generator) -> dict:
    cw = _COLOUR_WEIGHTS.get(name)
    if cw:
        names = list(cw)
        w = np.array([cw[c] for c in names])
        colour = names[int(rng.choice(len(names), p=w / w.sum()))]
    else:
        colour = COLOURS[int(rng.integers(len(COLOURS)))]
    mats = CATEGORY_MATERIALS.get(f"{name}/{subtype}", CATEGORY_MATERIALS[name])
    material = mats[int(rng.integers(len(mats)))]
    rgb = np.clip(np.asarray(COLOUR_RGB[colour]) + rng.uniform(-0.04, 0.04, 3), 0.0, 1.0)
    spec, rough, metal = MATERIAL_PROPS[material]
    rough = float(np.clip(rough + rng.uniform(-0.05, 0.05), 0.03, 1.0))
    # Blinn-Phong exponent matching a microfacet roughness (Walter et al. 2007): s = 2 / r^2 - 2.
    shininess = float(np.clip(2.0 / rough ** 2 - 2.0, 1.0, 256.0))
    diffuse = 0.45 if metal > 0.5 else 0.7
    return {"colour": colour, "colour_rgb": tuple(float(c) for c in rgb), "material": material,
            "specular": spec, "roughness": rough, "metallic": metal,
            "render_material": {"ambient": 0.3, "diffuse": diffuse, "specular": spec, "shininess": shininess}}


def make_shape(category, index: int, seed: int = 0) -> Shape:
    """Instance ``index`` of ``category`` (a name or label) under ``seed``.

    ``ValueError`` for an unknown category (listing the valid ones), a negative or non-integer index
    or a non-integer seed.
    """
    cat = get_category(category)
    index = _check_int(index, "index", minimum=0)
    seed = _check_int(seed, "seed")
    gen = REGISTRY[cat.name]
    rng = make_rng(seed, "shape", cat.name, index)
    k = int(rng.integers(len(cat.subtypes)))
    subtype = cat.subtypes[k]
    params = gen.sample_params(rng, subtype)
    structure = gen.structure(rng, subtype, params)
    mesh = build_mesh(cat.name, subtype, params, structure)

    desc = gen.describe(subtype, params, structure)
    hk, hword = _level(gen, gen.height_param, params.get(gen.height_param, 0.0), gen.height_words)
    wk, wword = _level(gen, gen.width_param, params.get(gen.width_param, 0.0), gen.width_words)
    attributes = {"subtype": subtype, "subtype_index": k}
    attributes.update(_appearance(cat.name, subtype, make_rng(seed, "shape", cat.name, index, "appearance")))
    attributes.update({"height": HEIGHTS[hk], "width": WIDTHS[wk], "height_word": hword, "width_word": wword})
    for c in _COUNTS:
        attributes[c] = int(desc.get(c, 0))
    attributes["details"] = tuple(desc.get("details", ()))
    captions = make_captions(cat, attributes, make_rng(seed, "shape", cat.name, index, "captions"))
    return Shape(category=cat.name, label=cat.label, index=index, seed=seed, subtype=subtype, subtype_index=k,
                 params=params, structure=structure, attributes=attributes, captions=captions, mesh=mesh)


def encode_attributes(attributes: dict) -> np.ndarray:
    """Integer codes of :data:`ATTRIBUTE_NAMES`: ``(len(ATTRIBUTE_NAMES),) int64``.

    ``subtype`` -> its index in the category's sub-types; colour/material/height/width -> index in
    :data:`ATTRIBUTE_VALUES`; counts as they are.
    """
    out = []
    for a in ATTRIBUTE_NAMES:
        if a == "subtype":
            out.append(int(attributes["subtype_index"]))
        elif a in ATTRIBUTE_VALUES:
            out.append(ATTRIBUTE_VALUES[a].index(attributes[a]))
        else:
            out.append(int(attributes[a]))
    return np.asarray(out, np.int64)

