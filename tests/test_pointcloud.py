"""3D encoders and their pre-training (xmodal.encoders.pointcloud, xmodal.encoders.pretrain3d)."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from xmodal.encoders import pointcloud as pc
from xmodal.encoders import pretrain3d as p3



# -- toy data -------------------------------------------------------------------------------------------
def _primitive(kind: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n surface points of a primitive: 0 sphere, 1 cube, 2 tall cylinder, 3 flat disk; random size."""
    if kind == 0:
        x = rng.standard_normal((n, 3))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    elif kind == 1:
        x = rng.uniform(-1, 1, (n, 3))
        ax = rng.integers(0, 3, n)
        x[np.arange(n), ax] = rng.choice([-1.0, 1.0], n)
    elif kind == 2:
        t = rng.uniform(0, 2 * np.pi, n)
        x = np.stack([0.4 * np.cos(t), rng.uniform(-1, 1, n), 0.4 * np.sin(t)], 1)
    else:
        r, t = np.sqrt(rng.uniform(0, 1, n)), rng.uniform(0, 2 * np.pi, n)
        x = np.stack([r * np.cos(t), rng.uniform(-0.05, 0.05, n), r * np.sin(t)], 1)
    x = x * rng.uniform(0.7, 1.0) + rng.normal(0, 0.02, (1, 3))
    return x.astype(np.float32)


def _toy(n_per: int = 12, n_points: int = 64, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), n_per)
    pts = np.stack([_primitive(int(k), n_points, rng) for k in labels])
    return pts, labels


def _tiny(**kw) -> p3.PretrainSettings:
    base = dict(epochs=4, batch_size=16, lr=3e-3, n_points_train=48, out_dim=32, proj_dim=16,
                pointnet_widths=(16, 32), bert_groups=8, bert_group_size=8, bert_width=32, bert_depth=1,
                bert_heads=2, dgcnn_k=6)
    base.update(kw)
    return p3.PretrainSettings(**base)


# -- geometry -------------------------------------------------------------------------------------------
def _fps_reference(p: np.ndarray, m: int) -> list[int]:
    """Farthest point sampling by its definition, in float64 loops."""
    chosen = [0]
    for _ in range(m - 1):
        d = [min(((p[i] - p[j]) ** 2).sum() for j in chosen) for i in range(len(p))]
        chosen.append(int(np.argmax(d)))
    return chosen


def test_fps_matches_definition_distinct_and_covers():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 200, 3, generator=g)
    idx = pc.farthest_point_sample(x, 20)
    assert idx.shape == (3, 20) and idx.dtype == torch.long
    for b in range(3):
        assert idx[b].unique().numel() == 20 and idx[b, 0] == 0
        assert idx[b].tolist() == _fps_reference(x[b].double().numpy(), 20)
    # coverage: the largest distance from a point to the sample is smaller than for random samples
    def radius(sel):
        return pc.pairwise_sq_dist(x, pc.gather_points(x, sel)).min(2).values.max(1).values
    r_fps = radius(idx)
    for _ in range(10):
        rand = torch.stack([torch.randperm(200, generator=g)[:20] for _ in range(3)])
        assert (r_fps < radius(rand)).all()
    with pytest.raises(ValueError):
        pc.farthest_point_sample(x, 201)


def test_knn_equals_brute_force():
    g = torch.Generator().manual_seed(1)
    pts, q = torch.randn(2, 100, 3, generator=g), torch.randn(2, 7, 3, generator=g)
    idx = pc.knn(q, pts, 5)
    for b in range(2):
        d = ((q[b, :, None].double() - pts[b, None].double()) ** 2).sum(-1).numpy()
        np.testing.assert_array_equal(idx[b].numpy(), np.argsort(d, axis=1)[:, :5])
    # wide features use the |a|²+|b|²−2ab path: same neighbours
    f, fq = torch.randn(2, 50, 16, generator=g), torch.randn(2, 4, 16, generator=g)
    d = ((fq[:, :, None].double() - f[:, None].double()) ** 2).sum(-1).numpy()
    np.testing.assert_array_equal(pc.knn(fq, f, 3).numpy(), np.argsort(d, axis=2)[:, :, :3])
    with pytest.raises(ValueError):
        pc.knn(q, pts, 0)


def test_chamfer_l2_values():
    a = torch.tensor([[[0.0, 0, 0]]])
    b = torch.tensor([[[1.0, 0, 0], [2.0, 0, 0]]])
    # a→b: 1; b→a: (1 + 4) / 2; mean of the two directions
    assert pc.chamfer_l2(a, b).item() == pytest.approx(0.5 * (1.0 + 2.5))
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(3, 9, 3, generator=g), torch.randn(3, 13, 3, generator=g)
    assert torch.equal(pc.chamfer_l2(x, x[:, torch.randperm(9, generator=g)]), torch.zeros(3))
    ref = []
    for b in range(3):
        d = np.array([[((x[b, i] - y[b, j]) ** 2).sum().item() for j in range(13)] for i in range(9)])
        ref.append(0.5 * (d.min(1).mean() + d.min(0).mean()))
    np.testing.assert_allclose(pc.chamfer_l2(x, y).numpy(), ref, rtol=1e-5)


# -- encoders -------------------------------------------------------------------------------------------
ENCODERS = {
    "pointnet": dict(out_dim=24, widths=(16, 32)),
    "pointbert": dict(out_dim=24, n_groups=8, group_size=8, width=32, depth=2, heads=4),
    "dgcnn": dict(out_dim=24, k=6),
}


@pytest.mark.parametrize("arch", list(ENCODERS))
def test_encoder_shapes_and_errors(arch):
    torch.manual_seed(0)
    m = pc.build_encoder(arch, **ENCODERS[arch])
    x = torch.randn(5, 64, 3)
    assert m(x).shape == (5, 24)  # train mode
    m.eval()
    assert m(x[:1]).shape == (1, 24)
    with pytest.raises(ValueError):
        m(torch.randn(2, 64, 2))
    with pytest.raises(TypeError):
        m(np.zeros((2, 64, 3), np.float32))


def test_unknown_arch():
    with pytest.raises(ValueError, match="pointnet"):
        pc.build_encoder("pointnext")
    with pytest.raises(ValueError, match="pointnet"):
        p3.PretrainSettings.for_scale("ci", "sparseconv")
    with pytest.raises(ValueError, match="ci"):
        p3.PretrainSettings.for_scale("huge")


def test_pointnet_permutation_invariant():
    torch.manual_seed(0)
    m = pc.PointNet(out_dim=16, widths=(16, 32)).eval()
    x = torch.randn(4, 50, 3)
    perm = torch.randperm(50)
    with torch.no_grad():
        torch.testing.assert_close(m(x[:, perm]), m(x), rtol=0, atol=1e-6)


def test_pointbert_permutation_with_fixed_start_and_mask_path():
    torch.manual_seed(0)
    m = pc.PointBERT(**ENCODERS["pointbert"]).eval()
    x = torch.randn(3, 64, 3)
    perm = torch.cat([torch.zeros(1, dtype=torch.long), 1 + torch.randperm(63)])  # FPS start stays first
    with torch.no_grad():
        y = m(x)
        torch.testing.assert_close(m(x[:, perm]), y, rtol=1e-5, atol=1e-5)
        # an all-False mask is no mask; a real mask changes the output
        none = torch.zeros(3, 8, dtype=torch.bool)
        torch.testing.assert_close(m(x, mask=none), y, rtol=0, atol=0)
        assert not torch.allclose(m(x, mask=m.random_mask(3, 0.5, torch.Generator().manual_seed(0))), y)
    loss = m.train().forward_mpm(x, 0.5, torch.Generator().manual_seed(0))
    assert loss.ndim == 0 and loss.item() > 0
    with pytest.raises(ValueError):
        m.random_mask(3, 1.0)


# -- augmentation ---------------------------------------------------------------------------------------
def test_augment_shapes_determinism_and_rotation_about_y():
    x = torch.randn(4, 100, 3, generator=torch.Generator().manual_seed(0))
    a = p3.augment(x, torch.Generator().manual_seed(5), 60)
    b = p3.augment(x, torch.Generator().manual_seed(5), 60)
    c = p3.augment(x, torch.Generator().manual_seed(6), 60)
    assert a.shape == (4, 60, 3) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.allclose(a, c)
    # with only the rotation left: y is kept and the xz-radius of every point is preserved
    r = p3.augment(x, torch.Generator().manual_seed(7), None, scale=(1, 1), n_bumps=0, jitter=0.0)
    assert r.shape == x.shape
    ys_in, order = torch.sort(x[..., 1], dim=1)
    ys_out, order_out = torch.sort(r[..., 1], dim=1)
    torch.testing.assert_close(ys_out, ys_in)
    rad = lambda p, o: torch.gather(p[..., 0] ** 2 + p[..., 2] ** 2, 1, o)  # noqa: E731
    torch.testing.assert_close(rad(r, order_out), rad(x, order), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(rad(r, order_out), torch.gather(r[..., 0] ** 2, 1, order_out))  # it does rotate
    # the deformation is smooth and small: the same draws without it give nearby points
    d = p3.augment(x, torch.Generator().manual_seed(7), None, scale=(1, 1), jitter=0.0)
    r = p3.augment(x, torch.Generator().manual_seed(7), None, scale=(1, 1), jitter=0.0, bump_amp=0.0)
    shift = (d - r).norm(dim=-1)
    assert 0 < shift.mean() < 0.2 and shift.max() < 0.5
    with pytest.raises(ValueError):
        p3.augment(x, torch.Generator(), 101)


# -- training -------------------------------------------------------------------------------------------
def test_train_unimodal_decreases_and_is_deterministic():
    pts, _ = _toy(n_per=12)
    s = _tiny(epochs=5)
    state = torch.random.get_rng_state()
    m1, h1 = p3.train_unimodal("pointnet", pts, s, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state), "training must not touch the global RNG"
    m2, h2 = p3.train_unimodal("pointnet", pts, s, seed=3)
    for k, v in m1.state_dict().items():
        assert torch.equal(v, m2.state_dict()[k]), k
    assert h1.epoch_mean().shape == (5,) and h1.loss.shape == (15,)
    assert h1.epoch_mean()[-1] < h1.epoch_mean()[0]
    e1, e2 = p3.embed(m1, pts), p3.embed(m2, pts)
    assert e1.shape == (len(pts), 32) and e1.dtype == np.float32
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_allclose(p3.embed(m1, pts[:5], batch_size=2), e1[:5], atol=1e-5)  # batch-independent
    _, h3 = p3.train_unimodal("pointnet", pts, s, seed=4)
    assert not np.array_equal(h1.loss, h3.loss)


def test_train_unimodal_pointbert_has_mpm():
    pts, _ = _toy(n_per=6)
    m, h = p3.train_unimodal("pointbert", pts, _tiny(epochs=2, batch_size=12), seed=0)
    assert set(h.parts) == {"mpm", "contrastive"} and np.isfinite(h.loss).all()
    np.testing.assert_allclose(h.loss, h.parts["contrastive"] + 20.0 * h.parts["mpm"], rtol=1e-6)
    assert p3.embed(m, pts).shape == (len(pts), 32)
    with pytest.raises(ValueError):
        p3.train_unimodal("pointbert", pts[..., :2], _tiny(), seed=0)


def test_train_multimodal_retrieval_beats_chance():
    pts, labels = _toy(n_per=16, seed=1)
    rng = np.random.default_rng(0)
    W_text, W_img = rng.standard_normal((4, 24)), rng.standard_normal((4, 40))
    onehot = np.eye(4)[labels]
    targets = {"text": onehot @ W_text + 0.05 * rng.standard_normal((len(pts), 24)),
               "image": onehot @ W_img + 5.0}
    train = np.arange(len(pts)) % 4 != 0
    test = ~train
    m, h = p3.train_multimodal("pointnet", pts[train], {k: v[train] for k, v in targets.items()},
                               _tiny(epochs=12, batch_size=16), seed=0)
    assert set(h.parts) == {"nce_text", "nce_image"}
    assert h.epoch_mean()[-1] < h.epoch_mean()[0]
    z = p3.embed(m, pts[test])
    u = p3.project_targets(m, "text", targets["text"][test])
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    acc = np.mean(labels[test][(z @ u.T).argmax(1)] == labels[test])
    assert acc >= 0.6  # chance is 0.25
    with pytest.raises(ValueError):
        p3.train_multimodal("pointnet", pts[train], {"text": targets["text"]}, _tiny(), seed=0)
    with pytest.raises(ValueError):
        p3.project_targets(m, "audio", targets["text"])


def test_pretrained_encoder_is_cached(tmp_cache, monkeypatch):
    pts, labels = _toy(n_per=6, seed=2)
    split = np.where(np.arange(len(pts)) % 3 == 0, 2, 0).astype(np.int8)
    ds = SimpleNamespace(points=pts, labels=labels, split=split,
                         mask=lambda name: split == {"train": 0, "val": 1, "test": 2}[name])
    calls = []
    real = p3._train

    def counting(*a, **kw):
        calls.append(a[0])
        assert len(a[2]) == int((split == 0).sum())  # trained on the training shapes only
        return real(*a, **kw)

    monkeypatch.setattr(p3, "_train", counting)
    s = _tiny(epochs=2)
    m1, h1 = p3.pretrained_encoder("pointnet", "unimodal", ds, "ci", seed=0, settings=s)
    m2, h2 = p3.pretrained_encoder("pointnet", "unimodal", ds, "ci", seed=0, settings=s)
    assert calls == ["pointnet"]
    np.testing.assert_array_equal(h1.loss, h2.loss)
    E, h = p3.encoder_run("pointnet", "unimodal", ds, "ci", seed=0, settings=s)
    assert calls == ["pointnet"] and E.shape == (len(pts), 32)
    np.testing.assert_array_equal(E, p3.embed(m2, pts))
    np.testing.assert_array_equal(h.loss, h1.loss)
    E2, h2 = p3.encoder_run("pointnet", "unimodal", ds, "ci", seed=0, settings=s)  # from the embed3d cache
    np.testing.assert_array_equal(E2, E)
    np.testing.assert_array_equal(h2.loss, h1.loss)
    with pytest.raises(ValueError, match="cloud 1, point 3"):  # DataCorruptError is a ValueError
        bad = pts.copy()
        bad[1, 3, 0] = np.nan
        p3.embed(m2, bad)
    p3.pretrained_encoder("pointnet", "unimodal", ds, "ci", seed=1, settings=s)  # another seed trains again
    assert calls == ["pointnet", "pointnet"]
    with pytest.raises(ValueError, match="unimodal"):
        p3.pretrained_encoder("pointnet", "bimodal", ds, "ci", settings=s)
