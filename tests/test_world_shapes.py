"""The procedural world: taxonomy, parametric shapes, attributes, captions and surface sampling."""
import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import trimesh

import xmodal.world as W
from xmodal.world import shapes as shapes_mod
from xmodal.world.captions import join_details, with_article
from xmodal.world.generators._base import Parts, _triangulate, vessel_profile

# ModelNet40's class names in its label order (the spec of the world).
MODELNET40 = (
    "airplane bathtub bed bench bookshelf bottle bowl car chair cone cup curtain desk door dresser flower_pot "
    "glass_box guitar keyboard lamp laptop mantel monitor night_stand person piano plant radio range_hood sink "
    "sofa stairs stool table tent toilet tv_stand vase wardrobe xbox"
).split()

# Hypernym chains read off WordNet 3.0 (data.noun), root -> synset.
WORDNET_REFERENCE = {
    "chair": ("entity", "physical_entity", "object", "whole", "artifact", "instrumentality", "furnishing", "furniture",
              "seat", "chair"),
    "person": ("entity", "physical_entity", "object", "whole", "living_thing", "organism", "person"),
    "airplane": ("entity", "physical_entity", "object", "whole", "artifact", "instrumentality", "conveyance", "vehicle",
                 "craft", "aircraft", "heavier-than-air_craft", "airplane"),
    "vase": ("entity", "physical_entity", "object", "whole", "artifact", "instrumentality", "container", "vessel", "jar",
             "vase"),
    "toilet": ("entity", "physical_entity", "object", "whole", "artifact", "fixture", "plumbing_fixture", "toilet"),
}

N_PER_CAT = 12


@pytest.fixture(scope="module")
def world():
    """``{category: [make_shape(category, i) for i in range(N_PER_CAT)]}`` (built once)."""
    return {c: [W.make_shape(c, i) for i in range(N_PER_CAT)] for c in W.CATEGORY_NAMES}


_XPROC_KEYS = [("sofa", 2), ("guitar", 0), ("stairs", 4)]


@pytest.fixture(scope="module", autouse=True)
def other_process():
    """Start (at the first test of the module) another interpreter, with another hash salt, that builds a
    few shapes; the last test compares its digests. Runs alongside the other tests."""
    code = ("import sys, json; sys.path.insert(0, %r); import test_world_shapes as t, xmodal.world as W; "
            "print(json.dumps([t._digest(W.make_shape(c, i)) for c, i in %r]))") % (str(Path(__file__).parent), _XPROC_KEYS)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "123"})
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def _digest(shape) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(shape.mesh.vertices).tobytes())
    h.update(np.ascontiguousarray(shape.mesh.faces).tobytes())
    h.update(json.dumps(shape.captions, sort_keys=True).encode())
    h.update(np.ascontiguousarray(shape.sample_points(64, seed=3)[0]).tobytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------- taxonomy


def test_categories_are_modelnet40_in_order():
    assert W.CATEGORY_NAMES == tuple(MODELNET40)
    assert [c.label for c in W.CATEGORIES] == list(range(40))
    assert all(W.get_category(i).name == n and W.get_category(n).label == i for i, n in enumerate(MODELNET40))


def test_taxonomy_paths_are_trees_ending_in_the_category():
    parent = {}
    for c in W.CATEGORIES:
        t = c.taxonomy
        assert len(t) >= 4 and t[-1] == c.name and t[0] == "entity", c.name
        assert c.group in t[:-1], c.name
        assert len(c.subtypes) >= 2 and len(set(c.subtypes)) == len(c.subtypes)
        assert c.synonyms and c.noun.lower() == c.name.replace("_", " ").lower()
        for a, b in zip(t[:-1], t[1:]):  # one parent per node across all chains: the union is a tree
            assert parent.setdefault(b, a) == a, (b, a, parent[b])
    for name, chain in WORDNET_REFERENCE.items():
        assert W.get_category(name).taxonomy == chain
    assert W.get_category("person").group == "organism" and W.get_category("chair").group == "furniture"
    assert set(W.GROUPS) == set(W.GROUP_PHRASES)


# ----------------------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("category", MODELNET40)
def test_every_category_builds_clean_meshes(world, category):
    for s in world[category][:3]:
        m = s.mesh
        v = np.asarray(m.vertices)
        assert s.category == category and s.label == MODELNET40.index(category)
        assert np.isfinite(v).all() and m.area > 0
        assert (np.ptp(v, axis=0) > 1e-2).all(), f"flat mesh {s}"
        assert abs(np.linalg.norm(v, axis=1).max() - 1.0) < 1e-5
        assert np.abs(0.5 * (v.min(0) + v.max(0))).max() < 1e-9  # bounding-box centre at the origin
        assert len(m.faces) <= 6000, f"{s} too heavy"
        assert m.is_watertight and m.is_winding_consistent and m.volume > 0  # closed, outward parts


def test_subtypes_reachable_and_params_continuous(world):
    gens = W.shapes.REGISTRY
    for c, insts in world.items():
        assert len({s.subtype for s in insts}) >= 2, c
        for s in insts:
            assert s.subtype == W.get_category(c).subtypes[s.subtype_index]
            assert len(s.params) >= 3 and all(isinstance(x, float) for x in s.params.values())
            r = gens[c].param_ranges(s.subtype)
            assert all(r[k][0] <= x <= r[k][1] for k, x in s.params.items())
            assert all(isinstance(x, (bool, int, str)) for x in s.structure.values())  # discrete choices only


def test_determinism_same_args_same_shape_and_points():
    for c, i, seed in (("chair", 3, 0), ("plant", 1, 7), ("xbox", 5, 2)):
        a, b = W.make_shape(c, i, seed), W.make_shape(W.CATEGORY_NAMES.index(c), np.int64(i), seed)
        np.testing.assert_array_equal(a.mesh.vertices, b.mesh.vertices)
        np.testing.assert_array_equal(a.mesh.faces, b.mesh.faces)
        assert a.params == b.params and a.captions == b.captions and a.attributes == b.attributes
        p1, n1 = a.sample_points(300, seed=4)
        p2, n2 = b.sample_points(300, seed=4)
        assert p1.dtype == np.float32 and p1.shape == (300, 3) and n1.shape == (300, 3)
        np.testing.assert_array_equal(p1, p2)
        np.testing.assert_array_equal(n1, n2)
        assert not np.array_equal(p1, a.sample_points(300, seed=5)[0])
        c2 = W.make_shape(c, i + 1, seed)
        assert c2.params != a.params
        assert W.make_shape(c, i, seed + 1).params != a.params


def test_appearance_does_not_change_geometry(world, monkeypatch):
    for c in ("chair", "vase", "car", "person"):
        s = world[c][1]
        rebuilt = W.build_mesh(c, s.subtype, s.params, s.structure)  # geometry = f(subtype, params, structure)
        np.testing.assert_array_equal(rebuilt.vertices, s.mesh.vertices)
    fixed = {"colour": "black", "colour_rgb": (0.0, 0.0, 0.0), "material": "stone", "specular": 0.0, "roughness": 1.0,
             "metallic": 0.0, "render_material": {"ambient": 0.3, "diffuse": 0.7, "specular": 0.0, "shininess": 1.0}}
    monkeypatch.setattr(shapes_mod, "_appearance", lambda *a, **k: dict(fixed))
    for c in ("chair", "vase", "car", "person"):
        s = world[c][1]
        t = W.make_shape(c, 1)
        assert t.attributes["colour"] == "black" and t.attributes["material"] == "stone"
        np.testing.assert_array_equal(t.mesh.vertices, s.mesh.vertices)
        np.testing.assert_array_equal(t.mesh.faces, s.mesh.faces)
        np.testing.assert_array_equal(t.sample_points(50)[0], s.sample_points(50)[0])


def _distance_to_mesh(mesh, pts):
    """Brute force: distance from each point to its closest triangle (trimesh.triangles.closest_point)."""
    tri = np.asarray(mesh.triangles)
    P = np.repeat(pts, len(tri), axis=0)
    T = np.tile(tri, (len(pts), 1, 1))
    cp = trimesh.triangles.closest_point(T, P)
    return np.linalg.norm(cp - P, axis=1).reshape(len(pts), len(tri)).min(1)


@pytest.mark.parametrize("category", ["chair", "lamp", "guitar", "curtain", "plant", "stairs", "toilet", "airplane"])
def test_points_lie_on_the_surface_with_unit_normals(world, category):
    s = world[category][0]
    pts, nrm = s.sample_points(512, seed=1)
    assert np.isfinite(pts).all() and np.abs(np.linalg.norm(nrm, axis=1) - 1).max() < 1e-5
    assert _distance_to_mesh(s.mesh, pts[:24].astype(np.float64)).max() < 1e-5


def test_sampling_is_area_uniform_against_area_shares():
    m = Parts()
    m.box((-2, 0, 0), (1, 1, 1))  # area 6
    m.box((2, 0, 0), (2, 1, 1))  # area 10
    mesh = m.finish()
    pts, nrm = W.sample_surface(mesh, 40_000, np.random.default_rng(0))
    frac = float(np.mean(pts[:, 0] > 0))
    assert abs(frac - 10 / 16) < 4 * np.sqrt(0.25 / 40_000)
    # normals of a box are axis-aligned unit vectors pointing away from the box's centre
    assert np.allclose(np.sort(np.abs(nrm), axis=1)[:, :2], 0, atol=1e-6)
    v = np.asarray(mesh.vertices)
    for sign in (1, -1):
        vs = v[sign * v[:, 0] > 0]
        c = 0.5 * (vs.min(0) + vs.max(0))
        on = sign * pts[:, 0] > 0
        assert (np.sum((pts[on] - c) * nrm[on], axis=1) > 0).all()


# ----------------------------------------------------------------------------------- parts (math)


def test_parts_volumes_match_closed_forms():
    n = 24
    m = Parts()
    m.box((0, 0, 0), (1, 2, 3))
    assert abs(trimesh.Trimesh(*_raw(m)).volume - 6.0) < 1e-9
    m = Parts()
    m.cylinder((0, 0, 0), (0, 2, 0), 0.5, n=n)  # n-gon prism: (n/2) r^2 sin(2 pi / n) h
    assert abs(trimesh.Trimesh(*_raw(m)).volume - n / 2 * 0.25 * np.sin(2 * np.pi / n) * 2) < 1e-9
    m = Parts()
    m.revolve([(0, 0), (1, 0), (1, 1), (0, 1)], n=n)
    assert abs(trimesh.Trimesh(*_raw(m)).volume - n / 2 * np.sin(2 * np.pi / n)) < 1e-9
    L = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], float)  # concave, area 3
    m = Parts()
    m.prism(L, 0.5, axis="y")
    mesh = trimesh.Trimesh(*_raw(m))
    assert mesh.is_watertight and abs(mesh.volume - 1.5) < 1e-9
    tri = _triangulate(L)
    a = 0.5 * np.abs(np.cross(L[tri[:, 1]] - L[tri[:, 0]], L[tri[:, 2]] - L[tri[:, 0]])).sum()
    assert len(tri) == 4 and abs(a - 3.0) < 1e-12
    # hollow vessel: volume = outer cylinder - inner cavity (both n-gon prisms)
    prof = vessel_profile([1.0, 1.0], [0.0, 1.0], 0.1, 0.2)
    m = Parts()
    m.revolve(prof, n=n)
    mesh = trimesh.Trimesh(*_raw(m))
    k = n / 2 * np.sin(2 * np.pi / n)
    assert mesh.is_watertight and abs(mesh.volume - k * (1.0 - 0.81 * 0.8)) < 1e-9
    # a thickened flat sheet: area x thickness
    u, v = np.meshgrid(np.linspace(0, 2, 5), np.linspace(0, 1, 4), indexing="ij")
    m = Parts()
    m.sheet(np.stack([u, v, np.zeros_like(u)], -1), 0.1)
    mesh = trimesh.Trimesh(*_raw(m))
    assert mesh.is_watertight and abs(mesh.volume - 0.2) < 1e-9


def _raw(m: Parts):
    return np.concatenate(m._v), np.concatenate(m._f)


# ------------------------------------------------------------------------------ attributes, captions


def test_attributes_and_vocabularies(world):
    for c, insts in world.items():
        for s in insts[:3]:
            a = s.attributes
            assert set(W.ATTRIBUTE_NAMES) <= set(a)
            assert a["colour"] in W.COLOURS and a["material"] in W.MATERIALS
            assert len(a["colour_rgb"]) == 3 and all(0.0 <= x <= 1.0 for x in a["colour_rgb"])
            assert a["height"] in W.HEIGHTS and a["width"] in W.WIDTHS
            codes = W.encode_attributes(a)
            assert codes.shape == (len(W.ATTRIBUTE_NAMES),) and codes.dtype == np.int64
            assert W.COLOURS[codes[W.ATTRIBUTE_NAMES.index("colour")]] == a["colour"]
            assert codes[0] == s.subtype_index
    assert callable(W.render) and callable(W.project)  # the renderer's functions, not the module
    # counts are geometric: every dining chair has 4 legs, every office chair 0 legs (casters)
    chairs = [W.make_shape("chair", i) for i in range(20)]
    assert {s.attributes["n_legs"] for s in chairs if s.subtype == "dining chair"} == {4}
    assert {s.attributes["n_legs"] for s in chairs if s.subtype == "office chair"} == {0}


def test_caption_levels(world):
    for c, insts in world.items():
        cat = W.get_category(c)
        names = [x.lower() for x in cat.synonyms]
        l3, l4 = set(), set()
        for s in insts[:6]:
            caps = s.captions
            assert sorted(caps) == [0, 1, 2, 3, 4]
            assert len(caps[0]) >= 2 and all(len(caps[k]) >= 3 for k in (1, 2, 3, 4))
            assert all(isinstance(x, str) and x.strip() for k in caps for x in caps[k])
            assert all(len(set(caps[k])) == len(caps[k]) for k in caps)  # paraphrases, not copies
            assert set(caps[1]) <= set(W.GROUP_PHRASES[cat.group])
            assert all(any(n in x.lower() for n in names) for x in caps[2]), caps[2]
            a = s.attributes
            assert any(a["colour"] in x or a["material"] in x or W.captions.MATERIAL_ADJECTIVES[a["material"]] in x
                       for x in caps[3])
            assert all(x.endswith(".") and x[0].isupper() for x in caps[4])
            l3.update(caps[3])
            l4.update(caps[4])
        assert len(l3) > 3 and len(l4) > 3, c


def test_caption_helpers():
    assert with_article("armchair") == "an armchair"
    assert with_article("L-shaped staircase") == "an L-shaped staircase"
    assert with_article("TV stand") == "a TV stand" and with_article("CRT monitor") == "a CRT monitor"
    assert with_article("red chair") == "a red chair" and with_article("xbox") == "an xbox"
    assert join_details(["with four legs", "with a slatted back"]) == "with four legs and a slatted back"
    assert join_details(["mid-stride", "with a round head"]) == "mid-stride and with a round head"


# --------------------------------------------------------------------------------------- bad input


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="airplane, bathtub"):
        W.make_shape("chairs", 0)
    for bad in (40, -1, True, 2.0, None):
        with pytest.raises(ValueError, match="valid categories"):
            W.make_shape(bad, 0)
    for bad in (-1, 1.5, "3"):
        with pytest.raises(ValueError, match="index"):
            W.make_shape("chair", bad)
    s = W.make_shape("chair", 0)
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="positive integer"):
            s.sample_points(bad)
    with pytest.raises(ValueError, match="office chair"):
        W.build_mesh("chair", "throne", s.params, s.structure)


def test_counts_by_subtype_are_consistent(world):
    per = defaultdict(set)
    for s in world["dresser"]:
        per[s.subtype].add(s.attributes["n_drawers"] == s.structure["rows"] * s.structure["cols"])
    assert all(v == {True} for v in per.values())


def test_determinism_across_processes(other_process):
    """Another interpreter builds byte-identical meshes, captions and points (kept last: it started first)."""
    out, err = other_process.communicate(timeout=120)
    assert other_process.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == [_digest(W.make_shape(c, i)) for c, i in _XPROC_KEYS]
