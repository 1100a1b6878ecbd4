"""Local 2D–3D correspondences (Pic@Point's point ↔ pixel pairs) and the frozen 2D features they read.

- :func:`sample_pixel_features` — bilinear read of a feature map at pixel coordinates;
- :func:`image_features` — EfficientNet-Lite0's stride-8 map (local) and pooled output (global) of renders;
- :func:`visible_pairs` — which points of a cloud a view sees (``project`` with the render's depth test);
- :func:`view_bank` — per training shape and view: the frozen features, the camera and the points' uv /
  visibility, cached on disk.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["sample_pixel_features", "image_features", "visible_pairs", "view_bank", "self_checks", "FMAP_STRIDE"]

#: spatial stride of EfficientNet-Lite0's block outputs (index → stride)
FMAP_STRIDE = {0: 2, 1: 4, 2: 4, 3: 8, 4: 8, 5: 16, 6: 16, 7: 16, 8: 16, 9: 16, 10: 16, 11: 32, 12: 32, 13: 32,
               14: 32, 15: 32}


def sample_pixel_features(fmap: torch.Tensor, uv: torch.Tensor, resolution: int) -> torch.Tensor:
    """Bilinear samples of ``fmap (V, C, h, w)`` at pixel coordinates ``uv (V, n, 2)`` → ``(V, n, C)``.

    ``uv`` are pixel coordinates of a ``resolution``-px image (u right, v down, pixel centres at +0.5, the
    convention of :func:`xmodal.world.camera.project`); the map covers the image, so feature cell (i, j) sits
    at pixel ``((j + ½) · res / w, (i + ½) · res / h)`` and a point there reads exactly ``fmap[:, :, i, j]``.
    Outside the outer cell centres the border value is used (``grid_sample``, align_corners=False).
    """
    if fmap.ndim != 4 or uv.ndim != 3 or uv.shape[-1] != 2 or uv.shape[0] != fmap.shape[0]:
        raise ValueError(f"need fmap (V, C, h, w) and uv (V, n, 2) with the same V, got {tuple(fmap.shape)}, "
                         f"{tuple(uv.shape)}")
    grid = (2.0 * uv.to(fmap.dtype) / float(resolution) - 1.0).unsqueeze(1)  # (V, 1, n, 2) in [-1, 1]
    out = F.grid_sample(fmap, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out[:, :, 0].transpose(1, 2)  # (V, n, C)


def image_features(rgb: np.ndarray, block: int = 4, batch: int = 64):
    """Frozen EfficientNet-Lite0 features of renders ``rgb (n, H, W, 3) uint8``.

    Returns ``(fmap (n, C_b, H/s, W/s) float32, pooled (n, 1280) float32)``: the output of block ``block``
    (stride ``s = FMAP_STRIDE[block]``; block 4: 40 channels, stride 8) and the network's pooled last map
    (identical to :class:`~xmodal.encoders.image.EfficientNetLite0`'s ``pooled``). One pass computes both.
    """
    from ...encoders.image import IMAGENET_MEAN, IMAGENET_STD, _load_effnet

    model, _ = _load_effnet()
    mean = torch.from_numpy(IMAGENET_MEAN)[:, None, None]
    std = torch.from_numpy(IMAGENET_STD)[:, None, None]
    fmaps, pooled = [], []
    with torch.inference_mode():
        for s in range(0, len(rgb), batch):
            x = torch.from_numpy(np.ascontiguousarray(rgb[s: s + batch])).permute(0, 3, 1, 2).float() / 255.0
            x = model._swish(model._bn0(model._conv_stem((x - mean) / std)))
            for i, blk in enumerate(model._blocks):
                x = blk(x)  # drop-connect is off in eval
                if i == block:
                    fmaps.append(x.clone())
            x = model._swish(model._bn1(model._conv_head(x)))
            pooled.append(x.mean((2, 3)))
    return torch.cat(fmaps).numpy(), torch.cat(pooled).numpy()


def visible_pairs(points: np.ndarray, view: np.ndarray, proj: np.ndarray, depth: np.ndarray, resolution: int):
    """uv (V, n, 2) float32 and visible (V, n) bool of ``points (n, 3)`` in views with depth maps ``(V, H, W)``.

    A point is paired only if :func:`~xmodal.world.camera.project` finds it inside the image and not
    occluded (its eye depth ≤ the mesh render's depth at its pixel + the default two-pixel tolerance).
    """
    from ...world.camera import project

    return project(points, view, proj, resolution, depth=depth)


def view_bank(ds, idx: np.ndarray, settings) -> dict[str, np.ndarray]:
    """Per shape ``idx[i]`` and view ``settings.views[v]`` (cached): ``fmap (n, V, C, h, w) float16``,
    ``pooled (n, V, 1280)``, ``view``/``proj`` ``(V, 4, 4)``, ``uv (n, V, P, 2)`` and ``visible (n, V, P)`` of the
    dataset's points, and ``rgb (n, V, H, W, 3)`` (kept for the figures)."""
    from ...cache import cached_arrays, code_hash
    from ...progress import progress
    from ...world import render

    views = [int(v) for v in settings.views]
    res = int(settings.render_res)
    params = {"world": ds.key(), "idx": np.asarray(idx).tolist(), "views": views, "res": res,
              "block": int(settings.fmap_block), "code": code_hash("xmodal.world", __name__)}

    def build():
        rgbs, uvs, vis = [], [], []
        for i in progress(idx, desc="render dodecahedron20", unit="shape"):
            s = ds.shape(int(i))
            r = render(s.mesh, layout="dodecahedron20", resolution=res, colors=ds.colour_rgb[int(i)],
                       material=s.attributes.get("render_material"), views=views)
            uv, v = visible_pairs(ds.points[int(i)], r.view, r.proj, r.depth, res)
            rgbs.append(r.rgb), uvs.append(uv), vis.append(v)
        rgb = np.stack(rgbs)
        n, V = rgb.shape[:2]
        fmap, pooled = image_features(rgb.reshape(n * V, *rgb.shape[2:]), settings.fmap_block)
        return {"fmap": fmap.reshape(n, V, *fmap.shape[1:]).astype(np.float16),
                "pooled": pooled.reshape(n, V, -1).astype(np.float32), "view": r.view, "proj": r.proj,
                "uv": np.stack(uvs), "visible": np.stack(vis), "rgb": rgb}

    return cached_arrays("pic_at_point_views", params, build)


def self_checks(ds, idx, bank, item: int = 0) -> dict:
    """Checks of the correspondences on training shape ``item`` (short, deterministic facts):

    - ``max |sample − map| at cell centres``: sampling every feature cell's centre pixel returns the cell;
    - ``occluded points paired``: points the bank marks visible although their eye depth exceeds the mesh
      depth map at their pixel by more than the tolerance (must be 0), next to how many points are occluded.
    """
    from ...world import render

    fmap = torch.from_numpy(bank["fmap"][item].astype(np.float32))  # (V, C, h, w)
    V, C, h, w = fmap.shape
    res = bank["rgb"].shape[2]
    ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    uv = np.stack([(jj.ravel() + 0.5) * res / w, (ii.ravel() + 0.5) * res / h], 1).astype(np.float32)
    got = sample_pixel_features(fmap, torch.from_numpy(np.broadcast_to(uv, (V, h * w, 2)).copy()), res)
    want = fmap.flatten(2).transpose(1, 2)
    s = ds.shape(int(idx[item]))
    views = [int(np.argmin(np.abs(_layout_views() - bank["view"][v]).sum((1, 2)))) for v in range(V)]
    r = render(s.mesh, layout="dodecahedron20", resolution=res, views=views)
    pts = ds.points[int(idx[item])]
    _, in_image = visible_pairs(pts, r.view, r.proj, None, res)
    uvp, vis = bank["uv"][item], bank["visible"][item]
    eye = np.einsum("vij,nj->vni", r.view.astype(np.float64), np.c_[pts, np.ones(len(pts))])[..., 2]
    d = -eye
    j = np.clip(np.floor(uvp[..., 0]), 0, res - 1).astype(int)
    i = np.clip(np.floor(uvp[..., 1]), 0, res - 1).astype(int)
    dmap = r.depth[np.arange(V)[:, None], i, j]
    tol = 4.0 * d / (r.proj[:, 1, 1][:, None] * res)
    occluded = in_image & ~(d <= dmap + tol)
    return {"max |sample − map| at cell centres": float((got - want).abs().max()),
            "points in image": int(in_image.sum()), "occluded points": int(occluded.sum()),
            "occluded points paired": int((occluded & vis).sum()), "visible points paired": int(vis.sum())}


def _layout_views():
    from ...world.camera import view_matrices

    return view_matrices("dodecahedron20").astype(np.float32)
