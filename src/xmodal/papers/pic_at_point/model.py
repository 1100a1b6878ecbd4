"""What learns in Pic@Point: the 3D backbone, the pose encoder and the local / global projection heads.

The 2D backbone is frozen (its features are precomputed, :mod:`.correspondence`); only the modules here train.

Losses (both symmetric InfoNCE, :func:`xmodal.contrastive.info_nce`, on L2-normalised embeddings with fixed
temperatures):

- global: ``L_g = InfoNCE(ĝ_3D(P_b) · ĝ_2D(I_b)ᵀ / τ_g)`` over the B shapes of a batch;
- local: ``L_l = InfoNCE(l̂_3D([f_p ‖ pose(V_p, P_p)]) · l̂_2D(F_I(uv_p))ᵀ / τ_l)`` over the B·M visible
  point ↔ pixel pairs of the batch (every other pair — other points, other shapes — is a negative);
- ``L = w_l L_l + w_g L_g``.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from ...contrastive import info_nce, nt_xent  # nt_xent: re-exported here (CrossPoint's intra-modal term)
from ...encoders.pointcloud import DGCNN

__all__ = ["PoseEncoder", "PicAtPoint", "count_parameters", "local_loss", "global_loss", "nt_xent"]


class PoseEncoder(nn.Module):
    """Camera pose → ``out_dim``-d code: MLP of the flattened view and projection matrices.

    view: (B, 4, 4), proj: (B, 4, 4) → (B, out_dim); ``Linear(32, out_dim) → ReLU → Linear(out_dim, out_dim)``.
    """

    def __init__(self, out_dim: int = 64):
        super().__init__()
        if int(out_dim) <= 0:
            raise ValueError(f"out_dim must be positive, got {out_dim}")
        self.out_dim = int(out_dim)
        self.net = nn.Sequential(nn.Linear(32, self.out_dim), nn.ReLU(), nn.Linear(self.out_dim, self.out_dim))

    def forward(self, view: torch.Tensor, proj: torch.Tensor) -> torch.Tensor:
        if view.shape[-2:] != (4, 4) or proj.shape[-2:] != (4, 4) or view.shape[0] != proj.shape[0]:
            raise ValueError(f"view and proj must be (B, 4, 4), got {tuple(view.shape)}, {tuple(proj.shape)}")
        return self.net(torch.cat([view.flatten(1), proj.flatten(1)], 1).float())


def _mlp3d(d_in: int, d: int) -> nn.Sequential:
    """3D-side projection head: Linear → BN → ReLU → Linear (CrossPoint's shape)."""
    return nn.Sequential(nn.Linear(d_in, d), nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, d))


class PicAtPoint(nn.Module):
    """DGCNN backbone + heads. ``local_head_3d`` takes ``[f_point ‖ pose]`` (``pose=True``) or ``f_point``;
    2D heads are linear (``c2d_local`` → d, ``c2d_global`` → d)."""

    def __init__(self, settings, c2d_local: int, c2d_global: int, pose: bool = True):
        super().__init__()
        s = settings
        self.backbone = DGCNN(out_dim=s.global_dim, k=s.dgcnn_k, widths=s.dgcnn_widths, emb=s.dgcnn_emb)
        self.use_pose = bool(pose)
        self.pose = PoseEncoder(s.pose_dim) if pose else None
        d_pose = s.pose_dim if pose else 0
        self.local_head_3d = _mlp3d(s.dgcnn_emb + d_pose, s.proj_dim)
        self.global_head_3d = _mlp3d(s.global_dim, s.proj_dim)
        self.local_head_2d = nn.Linear(c2d_local, s.proj_dim)
        self.global_head_2d = nn.Linear(c2d_global, s.proj_dim)

    def heads(self) -> list[nn.Module]:
        return [m for m in (self.pose, self.local_head_3d, self.global_head_3d, self.local_head_2d,
                            self.global_head_2d) if m is not None]

    def local_embed_3d(self, per_point: torch.Tensor, view=None, proj=None) -> torch.Tensor:
        """per_point (n, C) [+ view, proj (n, 4, 4)] → normalised (n, d)."""
        x = per_point
        if self.use_pose:
            x = torch.cat([x, self.pose(view, proj)], 1)
        return F.normalize(self.local_head_3d(x), dim=-1)


def global_loss(z3: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """Symmetric InfoNCE of normalised (B, d) shape and image embeddings at temperature ``tau``."""
    return info_nce(z3 @ z2.T / tau)


def local_loss(z3: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """Symmetric InfoNCE of normalised (B·M, d) point and pixel embeddings at temperature ``tau``."""
    return info_nce(z3 @ z2.T / tau)


def count_parameters(module) -> int:
    """Number of trainable parameters of a module (or a list of them)."""
    mods = module if isinstance(module, (list, tuple)) else [module]
    return int(sum(p.numel() for m in mods for p in m.parameters() if p.requires_grad))
