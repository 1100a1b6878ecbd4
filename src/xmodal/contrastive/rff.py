"""Exact shift-invariant kernels and their random Fourier features (Rahimi & Recht, 2007).

For a shift-invariant kernel k(v, v') = k(v - v') with k(0) = 1, Bochner's theorem gives a
probability measure (the spectral measure) Λ with k(δ) = E_{ω~Λ}[cos(ω·δ)], so with
b ~ U[0, 2π] and D independent draws (Ω: (D, dim), rows ω_r)

    φ(v) = sqrt(2/D) cos(Ω v + b),      E[<φ(v), φ(v')>] = k(v, v'),

with a Monte-Carlo error of order 1/sqrt(D).

Kernels (paper 02, "Method"):

* Gaussian ``"gauss"``, scale σ: k(v, v') = exp(-||v - v'||² / (2σ²)); Λ = N(0, σ⁻² I).
* Inverse multiquadric ``"imq"``, scale c: k(v, v') = c / sqrt(c² + ||v - v'||²). Its spectral
  measure has radial density ∝ K_{(d-1)/2}(r c) (r c)^{(d-1)/2} (K the modified Bessel function of the
  second kind, d = dim) and a uniform direction. We sample it *exactly* through the Gaussian scale
  mixture (c² + s²)^{-1/2} = c⁻¹ E_{t~Gamma(1/2, 1)}[exp(-t s²/c²)]: given t, ω ~ N(0, 2t/c² I), and
  2t ~ χ²₁, so ω = |n| z / c with n ~ N(0, 1), z ~ N(0, I_d) independent. The radius c·||ω|| = |n|·||z||
  then has exactly the Bessel density above (checked in ``tests/test_contrastive.py`` against
  :func:`imq_radius_pdf`).
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["RFF", "KERNELS", "rbf_kernel", "imq_kernel", "exact_kernel", "imq_radius_pdf"]

KERNELS = ("gauss", "imq")


def _check_kernel(kernel: str) -> str:
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; valid kernels are {', '.join(KERNELS)}")
    return kernel


def _check_scale(scale: float) -> float:
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        raise TypeError(f"scale must be a positive number, got {scale!r}") from None
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale}")
    return scale


def _sq_dists(A, B):
    """Squared Euclidean distances (n, m) of the rows of A (n, d) and B (m, d); numpy or torch."""
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(
            f"A and B must be 2-D with the same number of columns, got shapes {tuple(A.shape)} and {tuple(B.shape)}"
        )
    if isinstance(A, torch.Tensor) or isinstance(B, torch.Tensor):
        A = torch.as_tensor(A)
        B = torch.as_tensor(B, dtype=A.dtype, device=A.device)
        d2 = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
        return d2.clamp_min(0.0)
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    d2 = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d2, 0.0)


def rbf_kernel(A, B, scale: float):
    """Gaussian kernel matrix K[i, j] = exp(-||A_i - B_j||² / (2 scale²)).

    A: (n, d), B: (m, d) as numpy arrays (computed in float64) or torch tensors (dtype of A);
    returns (n, m) of the same kind.
    """
    s = _check_scale(scale)
    d2 = _sq_dists(A, B)
    if isinstance(d2, torch.Tensor):
        return torch.exp(-d2 / (2.0 * s * s))
    return np.exp(-d2 / (2.0 * s * s))


def imq_kernel(A, B, scale: float):
    """Inverse multiquadric kernel matrix K[i, j] = c / sqrt(c² + ||A_i - B_j||²), c = scale.

    A: (n, d), B: (m, d) as numpy arrays (float64) or torch tensors; returns (n, m) of the same kind.
    """
    c = _check_scale(scale)
    d2 = _sq_dists(A, B)
    if isinstance(d2, torch.Tensor):
        return c / torch.sqrt(c * c + d2)
    return c / np.sqrt(c * c + d2)


def exact_kernel(kernel: str, A, B, scale: float):
    """Dispatch to :func:`rbf_kernel` (``"gauss"``) or :func:`imq_kernel` (``"imq"``)."""
    return rbf_kernel(A, B, scale) if _check_kernel(kernel) == "gauss" else imq_kernel(A, B, scale)


def imq_radius_pdf(r, dim: int):
    """Normalised density of the radius ρ = c·||ω|| of the IMQ spectral measure in ``dim`` dimensions.

    p(ρ) = K_ν(ρ) ρ^ν / Z with ν = (dim - 1)/2 and Z = ∫_0^∞ K_ν(ρ) ρ^ν dρ = 2^(ν-1) sqrt(π) Γ(ν + 1/2)
    (Gradshteyn & Ryzhik 6.561.16). r: array of radii ≥ 0; returns an array of the same shape.
    """
    from scipy.special import gamma, kv

    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    nu = (dim - 1) / 2.0
    r = np.asarray(r, dtype=np.float64)
    z = 2.0 ** (nu - 1.0) * math.sqrt(math.pi) * gamma(nu + 0.5)
    with np.errstate(invalid="ignore", over="ignore"):
        out = kv(nu, r) * r**nu / z
    if nu == 0:  # K_0 has a log singularity at 0, still integrable
        out = np.where(r > 0, out, np.inf)
    else:  # limit r -> 0 of K_ν(r) r^ν = 2^(ν-1) Γ(ν)
        out = np.where(r > 0, out, 2.0 ** (nu - 1.0) * gamma(nu) / z)
    return out


class RFF:
    """Random Fourier features φ(v) = sqrt(2/D) cos(v Ωᵀ + b) of a Gaussian or IMQ kernel.

    dim: point dimension d; n_features: D; kernel: ``"gauss"`` (scale = σ) or ``"imq"`` (scale = c);
    generator: a CPU ``torch.Generator`` that owns the draws (None: a private generator seeded with 0,
    so results are reproducible). ``omega``: (D, d) float32, ``bias``: (D,) float32 in [0, 2π).
    Call :meth:`resample` to redraw Ω and b (every training step in paper 02); at evaluation keep
    one draw and use it for both modalities.
    """

    def __init__(
        self,
        dim: int,
        n_features: int,
        kernel: str = "gauss",
        scale: float = 0.5,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
    ):
        for name, val in (("dim", dim), ("n_features", n_features)):
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
                raise ValueError(f"{name} must be a positive integer, got {val!r}")
        self.dim = int(dim)
        self.n_features = int(n_features)
        self.kernel = _check_kernel(kernel)
        self.scale = _check_scale(scale)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        if generator is None:
            generator = torch.Generator()
            generator.manual_seed(0)
        elif not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        self.generator = generator
        self.omega: torch.Tensor
        self.bias: torch.Tensor
        self.resample()

    def resample(self, generator: torch.Generator | None = None) -> "RFF":
        """Redraw Ω and b from ``generator`` (default: the generator given at construction). Returns self."""
        g = self.generator if generator is None else generator
        if not isinstance(g, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(g).__name__}")
        D, d = self.n_features, self.dim
        z = torch.randn(D, d, generator=g, dtype=torch.float64, device=g.device)
        if self.kernel == "gauss":
            omega = z / self.scale
        else:  # exact Gaussian-scale-mixture draw of the IMQ spectral measure (module docstring)
            n = torch.randn(D, 1, generator=g, dtype=torch.float64, device=g.device)
            omega = n.abs() * z / self.scale
        bias = torch.rand(D, generator=g, dtype=torch.float64, device=g.device) * (2.0 * math.pi)
        self.omega = omega.to(device=self.device, dtype=torch.float32)
        self.bias = bias.to(device=self.device, dtype=torch.float32)
        return self

    def to(self, device) -> "RFF":
        """Move Ω and b to ``device`` (features are computed where the inputs live anyway)."""
        self.device = torch.device(device)
        self.omega = self.omega.to(self.device)
        self.bias = self.bias.to(self.device)
        return self

    @property
    def amplitude(self) -> float:
        """The factor sqrt(2/D) of φ."""
        return math.sqrt(2.0 / self.n_features)

    def cosines(self, v: torch.Tensor) -> torch.Tensor:
        """cos(v Ωᵀ + b) without the sqrt(2/D) factor (lets callers apply it once after pooling)."""
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"v must be a torch.Tensor, got {type(v).__name__}")
        if v.ndim < 1 or v.shape[-1] != self.dim:
            raise ValueError(f"v must have last dimension {self.dim} (the RFF dim), got shape {tuple(v.shape)}")
        omega = self.omega.to(device=v.device, dtype=v.dtype)
        bias = self.bias.to(device=v.device, dtype=v.dtype)
        return torch.cos(torch.matmul(v, omega.T).add_(bias))

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """φ(v): v (..., dim) float tensor -> (..., n_features), same dtype and device as v."""
        return self.amplitude * self.cosines(v)

    def __repr__(self) -> str:
        return f"RFF(dim={self.dim}, n_features={self.n_features}, kernel={self.kernel!r}, scale={self.scale})"
