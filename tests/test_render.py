"""Tests of the CPU renderer (xmodal.world.render) and its cameras (xmodal.world.camera)."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import trimesh

from xmodal.world.camera import DISTANCE, FAR, NEAR
from xmodal.world.render import (
    LAYOUTS,
    Material,
    Rendering,
    camera_positions,
    default_point_radius,
    project,
    render,
)

RES = 64


def _unit(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Centre (bounding box) and scale to the unit sphere, like the world's shapes."""
    m = mesh.copy()
    m.apply_translation(-m.bounds.mean(axis=0))
    m.apply_scale(1.0 / np.linalg.norm(m.vertices, axis=1).max())
    return m


@pytest.fixture(scope="module")
def sphere():
    return _unit(trimesh.creation.icosphere(subdivisions=3))


@pytest.fixture(scope="module")
def box():
    return _unit(trimesh.creation.box(extents=(1.0, 0.6, 0.4)))


@pytest.fixture(scope="module")
def torus():
    return _unit(trimesh.creation.torus(major_radius=1.0, minor_radius=0.3, major_sections=32, minor_sections=16))


@pytest.fixture(scope="module")
def cylinder():
    return _unit(trimesh.creation.cylinder(radius=0.5, height=1.5, sections=32))


def _fg(r: Rendering) -> np.ndarray:
    return (r.rgb != 255).any(axis=-1)


def _pixel_rays(view, proj, res):
    """World-space origins (3,) and unit-z-scaled directions (H, W, 3) of the pixel centres, such that
    origin + depth * dir is the surface point at eye-space depth ``depth`` (brute-force inverse matrices)."""
    c = np.arange(res) + 0.5
    x_ndc = 2.0 * c[None, :] / res - 1.0
    y_ndc = 1.0 - 2.0 * c[:, None] / res
    inv_p = np.linalg.inv(proj.astype(np.float64))
    inv_v = np.linalg.inv(view.astype(np.float64))
    # a clip-space point with w = 1 on the near plane, back to the camera frame, rescaled to z = -1
    clip = np.stack(np.broadcast_arrays(x_ndc, y_ndc, -np.ones_like(x_ndc * y_ndc), np.ones_like(x_ndc * y_ndc)), -1)
    cam = clip @ inv_p.T
    cam = cam[..., :3] / cam[..., 3:]
    cam = cam / -cam[..., 2:3]
    origin = inv_v[:3, 3]
    return origin, cam @ inv_v[:3, :3].T


def _unproject(depth, view, proj):
    """World points (H, W, 3) of a depth map via the inverse view/projection matrices."""
    origin, dirs = _pixel_rays(view, proj, depth.shape[0])
    return origin + depth[..., None] * dirs


def _raycast_depth(mesh, view, proj, res):
    """Brute-force eye-space depth map of a mesh (Möller–Trumbore, every pixel × every triangle)."""
    origin, dirs = _pixel_rays(view, proj, res)
    d = dirs.reshape(-1, 3)
    tri = np.asarray(mesh.vertices)[np.asarray(mesh.faces)]
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    pvec = np.cross(d[:, None, :], e2[None])
    det = np.einsum("fj,rfj->rf", e1, pvec)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / det
        tvec = origin - tri[:, 0]
        uu = np.einsum("fj,rfj->rf", tvec, pvec) * inv
        qvec = np.cross(tvec, e1)
        vv = np.einsum("rj,fj->rf", d, qvec) * inv
        t = np.einsum("fj,fj->f", e2, qvec)[None] * inv
    ok = (np.abs(det) > 1e-12) & (uu >= 0) & (vv >= 0) & (uu + vv <= 1) & (t > 0)
    t = np.where(ok, t, np.inf).min(axis=1)
    return t.reshape(res, res)


def _distance_bound(points, mesh):
    """Upper bound of each point's distance to the mesh (brute force): the smallest distance to the plane
    of a triangle that contains the point's orthogonal projection (inf if there is none)."""
    tri = np.asarray(mesh.vertices)[np.asarray(mesh.faces)]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    rel = points[:, None, :] - tri[None, :, 0]
    h = np.einsum("pfj,fj->pf", rel, n)
    q = points[:, None, :] - h[..., None] * n[None]  # projections onto the planes
    inside = np.ones(h.shape, bool)
    for i in range(3):
        a, b = tri[:, i], tri[:, (i + 1) % 3]
        inside &= np.einsum("pfj,fj->pf", np.cross(b - a, q - a), n) >= -1e-9
    return np.where(inside, np.abs(h), np.inf).min(axis=1)


# ----------------------------------------------------------------------------------------- cameras


def test_layout_sizes_and_distance():
    assert LAYOUTS == {"ring12": 12, "dodecahedron20": 20}
    for name, n in LAYOUTS.items():
        pos = camera_positions(name)
        assert pos.shape == (n, 3)
        np.testing.assert_allclose(np.linalg.norm(pos, axis=1), DISTANCE, rtol=1e-12)
        assert 2.5 <= DISTANCE <= 3.0


def test_ring12_elevation_and_azimuths():
    pos = camera_positions("ring12")
    elev = np.degrees(np.arcsin(pos[:, 1] / np.linalg.norm(pos, axis=1)))
    np.testing.assert_allclose(elev, 30.0, atol=1e-9)
    az = np.degrees(np.arctan2(pos[:, 0], pos[:, 2])) % 360.0
    np.testing.assert_allclose(np.sort(az), np.arange(12) * 30.0, atol=1e-9)


def test_dodecahedron20_is_regular():
    d = camera_positions("dodecahedron20") / DISTANCE
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, rtol=1e-12)
    dist = np.linalg.norm(d[:, None] - d[None], axis=-1)
    np.fill_diagonal(dist, np.inf)
    assert dist.min() > 0.5  # 20 distinct directions
    nn = dist.min(axis=1)
    # edge length of a regular dodecahedron of circumradius 1: 4 / (sqrt(3) (1 + sqrt(5)))
    np.testing.assert_allclose(nn, 4.0 / (math.sqrt(3.0) * (1.0 + math.sqrt(5.0))), rtol=1e-9)
    # every vertex has exactly three nearest neighbours (a 3-regular graph with 30 edges)
    assert ((dist < nn[:, None] + 1e-9).sum(axis=1) == 3).all()
    np.testing.assert_allclose(d.sum(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_view_matrices_are_rigid_and_look_at_origin(box, layout):
    r = render(box, layout=layout, resolution=16)
    V = r.view.astype(np.float64)
    assert V.shape == (LAYOUTS[layout], 4, 4) and r.view.dtype == np.float32 and r.proj.dtype == np.float32
    R, t = V[:, :3, :3], V[:, :3, 3]
    np.testing.assert_allclose(R @ R.transpose(0, 2, 1), np.broadcast_to(np.eye(3), R.shape), atol=1e-6)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-6)
    np.testing.assert_allclose(V[:, 3], np.broadcast_to([0, 0, 0, 1], (len(V), 4)), atol=0)
    # camera centre -R^T t is the layout position; the origin lies on the optical axis (-z) at DISTANCE
    centres = -np.einsum("vji,vj->vi", R, t)
    np.testing.assert_allclose(centres, camera_positions(layout), atol=1e-5)
    np.testing.assert_allclose(t, np.broadcast_to([0.0, 0.0, -DISTANCE], t.shape), atol=1e-5)
    # y-up: the world up axis projects onto the camera's up (+y) half, never onto the image's x axis
    assert (R[:, 1, 1] > 0).all()
    np.testing.assert_allclose(R[:, 0, 1], 0.0, atol=1e-6)


def test_projection_matrix_is_opengl_perspective():
    P = render(np.zeros((1, 3)), resolution=16).proj[0].astype(np.float64)
    for z_eye, z_ndc in ((-NEAR, -1.0), (-FAR, 1.0)):
        clip = P @ np.array([0.0, 0.0, z_eye, 1.0])
        assert clip[3] == pytest.approx(-z_eye)
        assert clip[2] / clip[3] == pytest.approx(z_ndc, abs=1e-5)
    assert P[0, 0] == pytest.approx(P[1, 1])  # square pixels, aspect 1
    # the unit sphere fits: its silhouette half-angle asin(1/D) is inside the half field of view
    assert math.tan(math.asin(1.0 / DISTANCE)) < 1.0 / P[1, 1] < 1.1 * math.tan(math.asin(1.0 / DISTANCE))


def test_project_pixel_conventions():
    r = render(np.zeros((1, 3)), layout="ring12", resolution=RES)
    uv, vis = project(np.zeros((1, 3)), r.view, r.proj, RES)
    assert uv.shape == (12, 1, 2) and uv.dtype == np.float32 and vis.all()
    np.testing.assert_allclose(uv[:, 0], RES / 2.0, atol=1e-4)  # the origin is at the image centre
    # view 0 sits on +z (azimuth 0): world +x is image right, world +y is image up (v decreases)
    uv, vis = project(np.array([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 50.0]]), r.view[:1], r.proj[:1], RES)
    assert uv[0, 0, 0] > RES / 2 + 5 and abs(uv[0, 0, 1] - RES / 2) < 5
    assert uv[0, 1, 1] < RES / 2 - 5
    assert vis[0, :2].all() and not vis[0, 2]  # behind the camera → not visible
    # every point of the unit sphere lands inside the image from every view
    s = trimesh.creation.icosphere(subdivisions=3).vertices
    for layout in LAYOUTS:
        rr = render(np.zeros((1, 3)), layout=layout, resolution=RES)
        _, vis = project(s, rr.view, rr.proj, RES)
        assert vis.all()


# --------------------------------------------------------------------------------------- rendering


def test_output_types_and_background(sphere):
    r = render(sphere, layout="dodecahedron20", resolution=RES)
    assert r.rgb.shape == (20, RES, RES, 3) and r.rgb.dtype == np.uint8
    assert r.depth.shape == (20, RES, RES) and r.depth.dtype == np.float32
    empty = ~np.isfinite(r.depth)
    assert np.isposinf(r.depth[empty]).all()
    assert (r.rgb[empty] == 255).all() and (r.rgb[~empty] != 255).any(axis=-1).all()
    d = r.depth[~empty]
    assert d.min() > DISTANCE - 1.0 - 1e-5 and d.max() < DISTANCE + 1e-5  # only the front half is seen
    # a centred unit sphere never touches the image border
    assert empty[:, 0].all() and empty[:, -1].all() and empty[:, :, 0].all() and empty[:, :, -1].all()


@pytest.mark.parametrize("name", ["box", "sphere", "torus", "cylinder"])
def test_depth_equals_brute_force_ray_casting(name, request):
    mesh = request.getfixturevalue(name)
    res = 24
    r = render(mesh, layout="dodecahedron20", resolution=res, views=[0, 7, 13])
    for k in range(3):
        ref = _raycast_depth(mesh, r.view[k], r.proj[k], res)
        both = np.isfinite(ref) & np.isfinite(r.depth[k])
        # coverage: identical up to pixel centres lying (numerically) on the silhouette
        assert (np.isfinite(ref) != np.isfinite(r.depth[k])).sum() <= 2
        np.testing.assert_allclose(r.depth[k][both], ref[both], rtol=1e-5, atol=1e-5)


def test_unprojected_depth_lies_on_the_surface(box, sphere):
    # box: exact signed distance to the surface of an axis-aligned box
    r = render(box, layout="ring12", resolution=RES)
    half = box.extents / 2.0
    for k in range(12):
        m = np.isfinite(r.depth[k])
        p = _unproject(r.depth[k], r.view[k], r.proj[k])[m]
        q = np.abs(p) - half
        sdf = np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(axis=1), 0)
        assert np.abs(sdf).max() < 1e-4
    # sphere mesh: distance to the triangles on a subsample
    r = render(sphere, layout="dodecahedron20", resolution=RES, views=[2, 11])
    rng = np.random.default_rng(0)
    for k in range(2):
        p = _unproject(r.depth[k], r.view[k], r.proj[k])[np.isfinite(r.depth[k])]
        p = p[rng.choice(len(p), 300, replace=False)]
        assert _distance_bound(p, sphere).max() < 1e-4


@pytest.mark.parametrize("name", ["sphere", "torus"])
def test_visible_vertices_land_in_the_silhouette(name, request):
    mesh = request.getfixturevalue(name)
    r = render(mesh, layout="dodecahedron20", resolution=RES)
    uv, vis = project(mesh.vertices, r.view, r.proj, RES, depth=r.depth)
    fg = _fg(r)
    assert 0.2 < vis.mean() < 0.8  # some vertices are hidden: the test can fail
    v_idx, p_idx = np.nonzero(vis)
    j = np.floor(uv[v_idx, p_idx, 0]).astype(int)
    i = np.floor(uv[v_idx, p_idx, 1]).astype(int)
    # vertices facing the camera (away from the outline) fall on a drawn pixel
    to_cam = camera_positions("dodecahedron20")[v_idx] - mesh.vertices[p_idx]
    cos = np.einsum("ij,ij->i", mesh.vertex_normals[p_idx], to_cam) / np.linalg.norm(to_cam, axis=1)
    assert (cos > 0.5).sum() > 0.3 * len(cos)
    assert fg[v_idx, i, j][cos > 0.5].all()
    # every visible vertex (outline ones included) has foreground in its 3×3 neighbourhood
    pad = np.pad(fg, ((0, 0), (1, 1), (1, 1)))
    near = np.zeros(len(v_idx), bool)
    for di in range(3):
        for dj in range(3):
            near |= pad[v_idx, i + di, j + dj]
    assert near.all()


def test_project_visibility_front_and_back_of_sphere(sphere):
    r = render(sphere, layout="ring12", resolution=RES)
    pts, fidx = trimesh.sample.sample_surface(sphere, 2000, seed=1)
    normals = sphere.face_normals[fidx]
    uv, vis = project(pts, r.view, r.proj, RES, depth=r.depth)
    _, in_frustum = project(pts, r.view, r.proj, RES)
    assert in_frustum.all()  # without depth: frustum only
    eyes = camera_positions("ring12")
    for k in range(12):
        to_cam = eyes[k] - pts
        cos = np.einsum("ij,ij->i", normals, to_cam / np.linalg.norm(to_cam, axis=1, keepdims=True))
        assert vis[k, cos > 0.25].all()  # facing the camera → visible
        assert not vis[k, cos < -0.3].any()  # far side → occluded
    # the exact antipode of the point nearest to camera 0
    top = eyes[0] / DISTANCE
    _, vis2 = project(np.stack([top * 0.99, -top * 0.99]), r.view[:1], r.proj[:1], RES, depth=r.depth[:1])
    assert vis2[0].tolist() == [True, False]


@pytest.mark.parametrize("name", ["sphere", "box", "torus"])
def test_point_cloud_covers_the_mesh_silhouette(name, request):
    mesh = request.getfixturevalue(name)
    pts, fidx = trimesh.sample.sample_surface(mesh, 2048, seed=0)
    rm = render(mesh, layout="ring12", resolution=RES)
    for inp in (pts, (pts, mesh.face_normals[fidx])):
        rp = render(inp, layout="ring12", resolution=RES)
        a, b = _fg(rm), _fg(rp)
        iou = (a & b).sum(axis=(1, 2)) / (a | b).sum(axis=(1, 2))
        assert iou.min() > 0.7
    # splat depth: the front of the sphere around each point, within one radius of the mesh depth
    both = np.isfinite(rm.depth) & np.isfinite(rp.depth)
    err = np.abs(rm.depth[both] - rp.depth[both])
    assert np.median(err) < 1.5 * default_point_radius(2048)
    assert np.median(rp.depth[both] - rm.depth[both]) < 0  # the splats bulge towards the camera


def test_point_depth_is_the_sphere_front():
    # one sphere seen by view 0 of ring12: its depth at the centre pixel is d - r
    p = np.array([[0.0, 0.0, 0.0]])
    r = render(p, layout="ring12", resolution=RES, point_radius=0.2, views=[0])
    c = RES // 2
    assert r.depth[0, c - 1 : c + 1, c - 1 : c + 1].min() == pytest.approx(DISTANCE - 0.2, abs=2e-3)
    # its silhouette is a disc of radius r f / d pixels
    f = r.proj[0, 1, 1] * RES / 2
    area = np.isfinite(r.depth[0]).sum()
    assert area == pytest.approx(math.pi * (0.2 * f / DISTANCE) ** 2, rel=0.1)
    # and project() of the centre is occluded unless the tolerance covers the radius
    _, vis = project(p, r.view, r.proj, RES, depth=r.depth)
    _, vis_tol = project(p, r.view, r.proj, RES, depth=r.depth, tol=0.21)
    assert not vis[0, 0] and vis_tol[0, 0]


def test_open_surface_is_drawn_two_sided():
    quad = trimesh.Trimesh(
        vertices=[[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]], faces=[[0, 1, 2], [0, 2, 3]]
    )
    r = render(quad, layout="ring12", resolution=RES, views=[0, 6])  # from +z and from -z
    cover = _fg(r).sum(axis=(1, 2))
    assert (cover > 0.1 * RES * RES).all()
    assert abs(int(cover[0]) - int(cover[1])) <= 2 * RES  # mirror images up to edge pixels
    assert (r.rgb[_fg(r)].astype(int).sum(-1) > 3 * 60).all()  # lit from both sides (not black)


def test_closed_mesh_culling_does_not_change_the_image(sphere):
    # the same sphere as an unprocessed, non-watertight soup (each face its own vertices) is drawn
    # two-sided without culling; the visible surface must be the same
    tri = sphere.vertices[sphere.faces].reshape(-1, 3)
    soup = trimesh.Trimesh(vertices=tri, faces=np.arange(len(tri)).reshape(-1, 3), process=False)
    a = render(sphere, layout="dodecahedron20", resolution=RES)
    b = render(soup, layout="dodecahedron20", resolution=RES)
    np.testing.assert_array_equal(np.isfinite(a.depth), np.isfinite(b.depth))
    np.testing.assert_allclose(a.depth[np.isfinite(a.depth)], b.depth[np.isfinite(b.depth)], rtol=1e-6)


def test_corner_normals_equal_the_brute_force_auto_smooth_rule():
    rmod = sys.modules["xmodal.world.render"]
    a = trimesh.creation.box(extents=(1.0, 0.5, 0.5))
    b = trimesh.creation.box(extents=(0.5, 1.0, 0.5))
    b.apply_translation((0.25, 0.25, 0.0))  # shares the plane z = ±0.25 with a
    parts = [
        trimesh.util.concatenate([a, b]),
        trimesh.creation.icosphere(subdivisions=1),
        trimesh.creation.cone(0.5, 1.0),
        trimesh.creation.cylinder(0.5, 1.0, sections=12),
    ]
    cos_crease = math.cos(math.radians(rmod.CREASE_DEG))
    for mesh in parts:
        mesh.merge_vertices()
        v, f = np.asarray(mesh.vertices), np.asarray(mesh.faces)
        got = rmod._corner_normals(v, f)
        fn, area = mesh.face_normals, mesh.area_faces
        for fi in range(len(f)):
            for c in range(3):
                nb = [g for g in range(len(f)) if f[fi, c] in f[g] and fn[g] @ fn[fi] >= cos_crease]
                ref = sum(area[g] * fn[g] for g in nb)
                np.testing.assert_allclose(got[fi, c], ref / np.linalg.norm(ref), atol=1e-5)


def test_vertex_colours_are_interpolated_perspective_correctly():
    # a large oblique floor quad whose red channel is linear in world x: with ambient-only shading the
    # rendered red must equal (x + 1) / 2 at the surface point under each pixel (affine screen-space
    # interpolation would be off by several levels on such a slanted triangle)
    s = 0.7
    quad = trimesh.Trimesh(vertices=[[-s, 0, -s], [s, 0, -s], [s, 0, s], [-s, 0, s]], faces=[[0, 2, 1], [0, 3, 2]])
    cols = np.stack([(quad.vertices[:, 0] + 1) / 2, np.zeros(4), np.zeros(4)], axis=1)
    r = render(quad, resolution=RES, colors=cols, material=Material(1.0, 0.0, 0.0, 1.0), views=[1, 4])
    for k in range(2):
        m = np.isfinite(r.depth[k])
        x = _unproject(r.depth[k], r.view[k], r.proj[k])[m][:, 0]
        assert m.sum() > 500
        np.testing.assert_allclose(r.rgb[k][m][:, 0], np.rint(255 * (x + 1) / 2), atol=1.01)


def test_flat_faces_shade_flat_and_curved_surfaces_smooth(box, sphere):
    mat = Material(ambient=0.3, diffuse=0.7, specular=0.0, shininess=1.0)
    r = render(box, resolution=RES, material=mat)
    for k in range(12):  # at most three faces of a box are seen, each one uniform colour
        assert len(np.unique(r.rgb[k][_fg(r)[k]], axis=0)) <= 3
    s = render(sphere, resolution=RES, material=mat, views=[0])
    assert len(np.unique(s.rgb[0][_fg(s)[0]], axis=0)) > 50


def test_colors_and_material(sphere):
    red = render(sphere, resolution=RES, colors=(1.0, 0.0, 0.0))
    px = red.rgb[_fg(red)].astype(int)
    assert (px[:, 0] > px[:, 1] + 40).mean() > 0.95 and np.abs(px[:, 1] - px[:, 2]).max() <= 1
    # per-vertex colours: +x half blue, -x half green (view 0 looks from +z: +x is image right)
    cols = np.where(sphere.vertices[:, :1] > 0, [[0.0, 0.0, 1.0]], [[0.0, 1.0, 0.0]])
    r = render(sphere, resolution=RES, colors=cols, views=[0])
    right, left = r.rgb[0, RES // 2, RES // 2 + 12].astype(int), r.rgb[0, RES // 2, RES // 2 - 12].astype(int)
    assert right[2] > right[1] + 40 and left[1] > left[2] + 40
    # per-point colours
    pts = trimesh.sample.sample_surface(sphere, 1024, seed=0)[0]
    rp = render(pts, resolution=RES, colors=np.tile([0.1, 0.8, 0.1], (1024, 1)), views=[0])
    g = rp.rgb[_fg(rp)].astype(int)
    assert (g[:, 1] > g[:, 0] + 40).mean() > 0.95
    # material: without diffuse and specular terms the object is flat: base · ambient everywhere
    flat = render(sphere, resolution=RES, colors=(0.5, 0.5, 0.5), material=Material(0.8, 0.0, 0.0, 1.0), views=[0])
    assert set(np.unique(flat.rgb[_fg(flat)])) == {round(0.5 * 0.8 * 255)}
    shiny = render(sphere, resolution=RES, material={"specular": 1.0, "shininess": 8.0}, views=[0])
    dull = render(sphere, resolution=RES, material={"specular": 0.0}, views=[0])
    assert shiny.rgb.max(axis=(1, 2, 3)) > dull.rgb[_fg(dull)].max()


def test_determinism_and_view_subsets(torus):
    a = render(torus, layout="dodecahedron20", resolution=RES)
    b = render(torus, layout="dodecahedron20", resolution=RES)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    sub = render(torus, layout="dodecahedron20", resolution=RES, views=[17, 3])
    for x, y in zip(sub, a):
        np.testing.assert_array_equal(x, y[[17, 3]])
    pts = trimesh.sample.sample_surface(torus, 1000, seed=0)[0]
    np.testing.assert_array_equal(render(pts, resolution=RES).rgb, render(pts, resolution=RES).rgb)


def test_batching_views_does_not_change_the_result(torus, monkeypatch):
    rmod = sys.modules["xmodal.world.render"]
    pts = trimesh.sample.sample_surface(torus, 500, seed=0)[0]
    ref = [render(torus, layout="dodecahedron20", resolution=RES), render(pts, layout="dodecahedron20", resolution=RES)]
    monkeypatch.setattr(rmod, "_MAX_FRAGMENTS", 2000)  # one view per rasterisation batch
    out = [render(torus, layout="dodecahedron20", resolution=RES), render(pts, layout="dodecahedron20", resolution=RES)]
    for a, b in zip(ref, out):
        np.testing.assert_array_equal(a.rgb, b.rgb)
        np.testing.assert_array_equal(a.depth, b.depth)


def test_resolution_is_configurable(box):
    small, large = render(box, resolution=32, views=[1]), render(box, resolution=96, views=[1])
    assert small.rgb.shape == (1, 32, 32, 3) and large.rgb.shape == (1, 96, 96, 3)
    # the silhouette scales with the square of the resolution
    ratio = _fg(large).sum() / _fg(small).sum()
    assert ratio == pytest.approx(9.0, rel=0.1)


# ------------------------------------------------------------------------------------------ errors


def test_bad_inputs_raise_value_errors(box):
    with pytest.raises(ValueError, match="dodecahedron20, ring12"):
        render(box, layout="ring8")
    with pytest.raises(ValueError, match="dodecahedron20, ring12"):
        camera_positions("cube6")
    with pytest.raises(ValueError, match=r"\[8, "):
        render(box, resolution=4)
    with pytest.raises(ValueError, match="resolution"):
        render(box, resolution=64.0)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        render(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="normals"):
        render((np.zeros((10, 3)), np.ones((9, 3))))
    with pytest.raises(ValueError, match=r"\(3,\) or \(8, 3\)"):
        render(box, colors=np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        render(box, colors=(255, 0, 0))
    with pytest.raises(ValueError, match="0..11"):
        render(box, views=[12])
    with pytest.raises(ValueError, match="numpy, mitsuba"):
        render(box, backend="opengl")
    with pytest.raises(ValueError, match="ambient"):
        render(box, material={"gloss": 1.0})
    with pytest.raises(ValueError, match="point_radius"):
        render(np.zeros((4, 3)), point_radius=-0.1)
    with pytest.raises(ValueError, match="Trimesh"):
        render("box.obj")
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        project(np.zeros((2, 3)), np.eye(3), np.eye(4), 16)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        project(np.zeros((2, 4)), np.eye(4), np.eye(4), 16)
    with pytest.raises(ValueError, match="depth must have shape"):
        project(np.zeros((2, 3)), np.eye(4), np.eye(4), 16, depth=np.zeros((1, 8, 8)))


def test_mitsuba_backend_missing_says_how_to_install(box, monkeypatch):
    monkeypatch.setitem(sys.modules, "mitsuba", None)  # import mitsuba → ImportError
    with pytest.raises(ImportError, match=r"pip install \.\[render\]"):
        render(box, backend="mitsuba")


def test_llvm_variant_is_not_tried_without_libllvm19(monkeypatch):
    """An old system libLLVM aborts the process inside drjit: without libLLVM-19 the renderer refuses the variant
    (before drjit is touched) and the Table I row says how to get it."""
    import numpy as np

    from xmodal.papers.pointspider import renderers

    render_mod = sys.modules["xmodal.world.render"]
    monkeypatch.setattr(render_mod, "find_libllvm", lambda: None)
    monkeypatch.setitem(sys.modules, "mitsuba", None)  # had it been imported, this would raise ImportError instead
    cloud = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    with pytest.raises(RuntimeError, match="no libLLVM-19 found.*apt-get install libllvm19"):
        render(cloud, backend="mitsuba", mitsuba_variant="llvm_ad_rgb", resolution=16, views=[0])
    table, images = renderers.renderer_table([cloud], resolution=16, spp=1, variants=("llvm_ad_rgb",))
    row = table[table.variant == "llvm_ad_rgb"].iloc[0]
    assert row.status.startswith("not available (no libLLVM-19 found")
    assert "apt-get install libllvm19" in row.status and np.isnan(row["points/s"])
    assert table.iloc[0].status == "measured"  # the project renderer still runs
