"""The Lorentz model (xmodal.hyperbolic.lorentz) against the sheet's reference values, its own identities and
geoopt's independent implementation."""
import math

import numpy as np
import pytest
import torch

from xmodal.hyperbolic import lorentz as L

CURVS = [0.1, 1.0, 10.0]


def _rand(n, d, scale=1.0, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, d, generator=g, dtype=dtype) * scale)


@pytest.mark.parametrize("c, want", [(0.1, 0.6713), (1.0, 0.1710), (10.0, 0.01696)])
def test_reference_values(c, want):
    v = torch.tensor([[0.6, 0.8, 0.0]], dtype=torch.float64)  # ‖v‖ = 1
    x = L.exp_map0(v, c)
    assert float(L.half_aperture(x, c)) == pytest.approx(want, abs=5e-5)
    assert float(L.dist0(x, c)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("c", CURVS)
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 2e-4)])
def test_exp_log_inverse_and_distance_to_origin(c, dtype, tol):
    v = _rand(64, 5, 0.7, dtype=dtype)
    x = L.exp_map0(v, c)
    assert x.dtype == dtype
    torch.testing.assert_close(L.log_map0(x, c), v, atol=tol, rtol=tol)
    torch.testing.assert_close(L.dist0(x, c), v.norm(dim=-1), atol=tol, rtol=tol)
    if dtype == torch.float32:
        return  # x·x − x₀² cancels catastrophically in float32 far from the origin
    # the time component satisfies the hyperboloid constraint <x, x>_L = -1/c
    inner = torch.diagonal(L.pairwise_inner(x, x, c))
    torch.testing.assert_close(inner, torch.full_like(inner, -1.0 / c), atol=tol * 100, rtol=tol * 100)


@pytest.mark.parametrize("c", CURVS)
def test_distances_match_geoopt(c):
    geoopt = pytest.importorskip("geoopt")
    k = 1.0 / c  # geoopt's Lorentz(k): <x, x>_L = -k, curvature -1/k
    man = geoopt.Lorentz(k=torch.tensor(k, dtype=torch.float64))
    x, y = L.exp_map0(_rand(20, 4, 0.5, 1), c), L.exp_map0(_rand(30, 4, 0.5, 2), c)
    full = lambda z: torch.cat([L.time_component(z, c)[:, None], z], 1)
    ours = L.pairwise_dist(x, y, c)
    theirs = man.dist(full(x)[:, None, :], full(y)[None, :, :])
    torch.testing.assert_close(ours, theirs, atol=1e-9, rtol=1e-9)
    # exp at the origin agrees as well
    origin = torch.zeros(1, 5, dtype=torch.float64)
    origin[0, 0] = math.sqrt(k)
    v = _rand(10, 4, 0.8, 3)
    torch.testing.assert_close(full(L.exp_map0(v, c)), man.expmap(origin, torch.cat([torch.zeros(10, 1, dtype=torch.float64), v], 1)),
                               atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("c", CURVS)
def test_exterior_angle_on_the_ray(c):
    v = _rand(16, 3, 0.8, 4)
    x = L.exp_map0(v, c)
    beyond, between = L.exp_map0(2.0 * v, c), L.exp_map0(0.5 * v, c)
    assert float(L.oxy_angle(x, beyond, c).max()) < 1e-3
    assert float(L.oxy_angle(x, between, c).min()) > math.pi - 1e-3
    other = L.exp_map0(_rand(16, 3, 0.8, 5), c)
    a = L.oxy_angle(x, other, c)
    assert bool(((a > 0) & (a < math.pi)).all())


@pytest.mark.parametrize("c", CURVS)
def test_pairwise_exterior_angle_is_the_rowwise_angle_and_the_law_of_cosines(c):
    x = L.exp_map0(_rand(5, 3, 0.9, 7), c)
    y = L.exp_map0(_rand(6, 3, 0.9, 8), c)
    A = L.pairwise_oxy_angle(x, y, c)
    assert A.shape == (5, 6)
    for i in range(5):
        torch.testing.assert_close(A[i], L.oxy_angle(x[i].expand(6, 3), y, c), atol=1e-12, rtol=0)
    # independent definition: the hyperbolic law of cosines in the triangle (O, x_i, y_j), sides scaled by √c
    # to curvature −1; the exterior angle at x is π minus the interior one
    rc = math.sqrt(c)
    a = (L.dist0(x, c) * rc)[:, None]
    b = L.pairwise_dist(x, y, c) * rc
    o = (L.dist0(y, c) * rc)[None, :]
    interior = torch.acos(((torch.cosh(a) * torch.cosh(b) - torch.cosh(o)) / (torch.sinh(a) * torch.sinh(b))).clamp(-1, 1))
    torch.testing.assert_close(A, math.pi - interior, atol=1e-7, rtol=0)


@pytest.mark.parametrize("c", CURVS)
def test_einstein_midpoint(c):
    a = L.exp_map0(_rand(1, 3, 1.0, 6), c)
    torch.testing.assert_close(L.einstein_midpoint(a, c), a[0], atol=1e-10, rtol=1e-10)
    b = L.exp_map0(_rand(1, 3, 1.0, 7), c)
    m = L.einstein_midpoint(torch.cat([a, b]), c)[None]
    dab = float(L.pairwise_dist(a, b, c))
    assert float(L.pairwise_dist(m, a, c)) == pytest.approx(dab / 2, rel=1e-8)
    assert float(L.pairwise_dist(m, b, c)) == pytest.approx(dab / 2, rel=1e-8)
    with pytest.raises(ValueError, match="weights"):
        L.einstein_midpoint(torch.cat([a, b]), c, torch.tensor([-1.0, 2.0]))


def test_gradients_finite_at_the_clamps():
    c = torch.tensor(1.0, requires_grad=True)
    z = torch.zeros(3, 4, requires_grad=True)
    total = (L.exp_map0(z, c).sum() + L.log_map0(z, c).sum() + L.dist0(z, c).sum()
             + L.half_aperture(z, c).sum() + L.pairwise_dist(z, z, c).sum() + L.oxy_angle(z, z, c).sum())
    x = L.exp_map0(torch.ones(2, 4, requires_grad=True), c)
    total = total + L.pairwise_dist(x, x, c).sum() + L.oxy_angle(x, x, c).sum()
    total.backward()
    assert torch.isfinite(z.grad).all() and torch.isfinite(c.grad)
    big = torch.full((1, 2), 1e3, requires_grad=True)
    L.exp_map0(big, 1.0).sum().backward()
    assert torch.isfinite(big.grad).all()


def test_bad_curvature():
    with pytest.raises(ValueError, match="c must be > 0"):
        L.dist0(torch.ones(2, 3), -1.0)
