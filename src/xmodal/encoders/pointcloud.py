"""3D point-cloud encoders trained here (paper 01's uni-/multi-modal 3D encoders; reused by later papers).

Every encoder maps ``points: (B, N, 3) float32`` to ``(B, out_dim)`` float32; PointNet and DGCNN also give
per-point features: ``forward_features(points) -> (per_point (B, N, C), global (B, out_dim))`` (or
``return_points=True``, in the constructor or the call).

- :class:`PointNet` (Qi et al. 2017, without T-nets): a shared per-point MLP, a symmetric max pool and an
  MLP head. Permutation invariant by construction.
- :class:`PointBERT` (Yu et al. 2022, a small variant): farthest-point-sampled centres, kNN groups
  normalised to their centre, a mini-PointNet tokenizer, a positional MLP of the centres, a CLS token and a
  pre-norm transformer encoder; ``proj(CLS ‖ max-pool of the group tokens)``. Masked point modelling
  (:meth:`PointBERT.forward_mpm`) reconstructs the masked groups' points (Point-MAE's Chamfer target in
  place of Point-BERT's dVAE token ids).
- :class:`DGCNN` (Wang et al. 2019, small): three EdgeConv layers on a dynamic kNN graph.

Geometry helpers are pure functions: :func:`farthest_point_sample`, :func:`knn`, :func:`gather_points`,
:func:`pairwise_sq_dist`, :func:`chamfer_l2`.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "PointNet",
    "PointBERT",
    "DGCNN",
    "ARCHS",
    "build_encoder",
    "farthest_point_sample",
    "knn",
    "gather_points",
    "pairwise_sq_dist",
    "chamfer_l2",
]


# -- geometry ---------------------------------------------------------------------------------------
def _check_cloud(x, name: str = "points", dim: int | None = 3) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, N, 3), got {type(x).__name__}")
    if x.ndim != 3 or (dim is not None and x.shape[-1] != dim):
        want = f"(B, N, {dim})" if dim is not None else "(B, N, C)"
        raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be floating point, got {x.dtype}")
    return x


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances ``D[b, i, j] = ||a[b, i] - b[b, j]||²``: (B, n, m).

    a: (B, n, C), b: (B, m, C). Computed from differences (exact, no ``|a|² + |b|² - 2ab`` cancellation).
    """
    _check_cloud(a, "a", None)
    _check_cloud(b, "b", None)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[2]:
        raise ValueError(f"a {tuple(a.shape)} and b {tuple(b.shape)} need the same batch size and width")
    return (a.unsqueeze(2) - b.unsqueeze(1)).pow(2).sum(-1)


def farthest_point_sample(points: torch.Tensor, m: int) -> torch.Tensor:
    """Farthest point sampling: idx (B, m) int64 of ``m`` distinct points of ``points (B, N, 3)``.

    Deterministic: starts at index 0, then repeatedly takes the point whose squared distance to the
    chosen set is largest (ties: the lowest index, ``torch.argmax``'s rule).
    """
    _check_cloud(points)
    B, N, _ = points.shape
    if not 1 <= int(m) <= N:
        raise ValueError(f"m must be in 1..N={N}, got {m}")
    m = int(m)
    idx = torch.zeros(B, m, dtype=torch.long, device=points.device)
    dist = torch.full((B, N), float("inf"), dtype=points.dtype, device=points.device)
    last = torch.zeros(B, dtype=torch.long, device=points.device)
    ar = torch.arange(B, device=points.device)
    for i in range(1, m):
        d = (points - points[ar, last].unsqueeze(1)).pow(2).sum(-1)
        dist = torch.minimum(dist, d)
        last = dist.argmax(1)
        idx[:, i] = last
    return idx


def knn(query: torch.Tensor, points: torch.Tensor, k: int, chunk: int = 256) -> torch.Tensor:
    """The ``k`` nearest neighbours in ``points (B, N, C)`` of each ``query (B, m, C)``: idx (B, m, k).

    Sorted by increasing squared Euclidean distance. Coordinates (C ≤ 3) use exact differences; wide features
    use ``|a|² + |b|² − 2 a·b`` (one batched matmul, :func:`_sq_dist_mm`). Queries are processed ``chunk`` rows
    at a time, so memory is O(B · chunk · N) instead of the naive O(B · m · N · C).
    """
    _check_cloud(query, "query", None)
    _check_cloud(points, "points", None)
    if not 1 <= int(k) <= points.shape[1]:
        raise ValueError(f"k must be in 1..N={points.shape[1]}, got {k}")
    dist = pairwise_sq_dist if query.shape[-1] <= 3 else _sq_dist_mm
    m, out = query.shape[1], []
    for s in range(0, m, max(1, int(chunk))):
        d = dist(query[:, s: s + chunk], points)
        out.append(d.topk(int(k), dim=-1, largest=False, sorted=True).indices)
    return torch.cat(out, 1)


def _sq_dist_mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared distances (B, n, m) as ``|a|² + |b|² − 2 a bᵀ`` (a: (B, n, C), b: (B, m, C)), clamped at 0."""
    d = torch.baddbmm(b.pow(2).sum(-1).unsqueeze(1), a, b.transpose(1, 2), alpha=-2.0)
    return (d + a.pow(2).sum(-1, keepdim=True)).clamp_min_(0.0)


def gather_points(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``x[b, idx[b, ...]]``: x (B, N, C), idx (B, *S) int64 → (B, *S, C)."""
    B = x.shape[0]
    flat = idx.reshape(B, -1)
    out = torch.gather(x, 1, flat.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
    return out.reshape(*idx.shape, x.shape[-1])


def chamfer_l2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Chamfer-L2 distance per pair of sets: (B,).

    a: (B, n, 3), b: (B, m, 3);  CD(a, b) = ½ [ mean_i min_j ||a_i − b_j||² + mean_j min_i ||a_i − b_j||² ].
    """
    d = pairwise_sq_dist(a, b)
    return 0.5 * (d.min(2).values.mean(1) + d.min(1).values.mean(1))


# -- building blocks --------------------------------------------------------------------------------
class _PointMLP(nn.Module):
    """Shared per-point MLP: Linear → BatchNorm (over all points of the batch) → ReLU, per width."""

    def __init__(self, d_in: int, widths):
        super().__init__()
        layers = []
        for w in widths:
            layers += [nn.Linear(d_in, w), nn.BatchNorm1d(w), nn.ReLU(inplace=True)]
            d_in = w
        self.net = nn.Sequential(*layers)
        self.out_dim = d_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., d_in) -> (..., w)
        shape = x.shape[:-1]
        return self.net(x.reshape(-1, x.shape[-1])).reshape(*shape, self.out_dim)


def _head(d_in: int, hidden: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out_dim))


# -- PointNet ---------------------------------------------------------------------------------------
class PointNet(nn.Module):
    """PointNet: f(P) = head(max_i mlp(p_i)). points (B, N, 3) → (B, out_dim); with ``return_points``
    (constructor or call) → ``(per_point (B, N, widths[-1]), global (B, out_dim))``.

    ``widths``: the shared MLP's layer widths; the head is Linear(w, w) → BN → ReLU → Linear(w, out_dim).
    """

    def __init__(self, out_dim: int = 512, widths=(64, 128, 256), return_points: bool = False):
        super().__init__()
        self.return_points = bool(return_points)
        widths = tuple(int(w) for w in widths)
        if not widths or min(widths) <= 0 or out_dim <= 0:
            raise ValueError(f"widths must be positive and non-empty and out_dim > 0, got {widths}, {out_dim}")
        self.out_dim = int(out_dim)
        self.mlp = _PointMLP(3, widths)
        self.head = _head(widths[-1], widths[-1], self.out_dim)

    def forward_features(self, points: torch.Tensor):
        """(per_point (B, N, widths[-1]) — the shared MLP's outputs, global (B, out_dim))."""
        _check_cloud(points)
        f = self.mlp(points)
        return f, self.head(f.max(1).values)

    def forward(self, points: torch.Tensor, return_points: bool | None = None):
        per_point, glob = self.forward_features(points)
        return (per_point, glob) if (self.return_points if return_points is None else return_points) else glob


# -- PointBERT --------------------------------------------------------------------------------------
class _GroupTokenizer(nn.Module):
    """Mini-PointNet over one group (Point-BERT / Point-MAE): per-point MLP, max pool, concatenate the
    pooled feature to every point, second MLP, max pool.  groups (B, G, K, 3) → tokens (B, G, width)."""

    def __init__(self, width: int):
        super().__init__()
        h = max(32, width // 2)
        self.first = _PointMLP(3, (h // 2, h))
        self.second = _PointMLP(2 * h, (width,))
        self.out = nn.Linear(width, width)

    def forward(self, groups: torch.Tensor) -> torch.Tensor:
        f = self.first(groups)  # (B, G, K, h)
        g = f.max(2, keepdim=True).values.expand_as(f)
        f = self.second(torch.cat([f, g], -1))
        return self.out(f.max(2).values)


class PointBERT(nn.Module):
    """Small Point-BERT-style transformer. points (B, N, 3) → (B, out_dim).

    Steps: centres = FPS(points, n_groups); groups = kNN(centres, group_size) − centre; tokens =
    mini-PointNet(groups) + pos_mlp(centres); x = Transformer([CLS; tokens]) (pre-norm, final LayerNorm);
    output = proj(x_CLS ‖ max_g x_g).  ``mask (B, n_groups) bool`` (True = hidden) replaces the hidden
    groups' tokens by a learned mask token (their positions stay visible), as in masked point modelling.
    """

    def __init__(self, out_dim: int = 512, n_groups: int = 32, group_size: int = 16, width: int = 128,
                 depth: int = 4, heads: int = 4):
        super().__init__()
        if min(out_dim, n_groups, group_size, width, depth, heads) <= 0:
            raise ValueError("out_dim, n_groups, group_size, width, depth and heads must all be positive")
        if width % heads:
            raise ValueError(f"width ({width}) must be divisible by heads ({heads})")
        self.out_dim, self.n_groups, self.group_size, self.width = int(out_dim), int(n_groups), int(group_size), int(width)
        self.tokenizer = _GroupTokenizer(width)
        self.pos = nn.Sequential(nn.Linear(3, width), nn.GELU(), nn.Linear(width, width))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.cls_pos = nn.Parameter(torch.zeros(1, 1, width))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, width))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.cls_pos, std=0.02)
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(width), enable_nested_tensor=False)
        self.proj = nn.Linear(2 * width, self.out_dim)
        # masked point modelling head: a hidden group token -> its group_size normalised points
        self.mpm_head = nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Linear(width, 3 * self.group_size))

    def group(self, points: torch.Tensor):
        """centres (B, G, 3) by FPS, groups (B, G, K, 3) of kNN points relative to their centre."""
        _check_cloud(points)
        if points.shape[1] < max(self.n_groups, self.group_size):
            raise ValueError(f"PointBERT needs at least max(n_groups, group_size) = "
                             f"{max(self.n_groups, self.group_size)} points per cloud, got {points.shape[1]}")
        with torch.no_grad():
            idx_c = farthest_point_sample(points.detach(), self.n_groups)
        centres = gather_points(points, idx_c)
        with torch.no_grad():
            idx_g = knn(centres.detach(), points.detach(), self.group_size)
        groups = gather_points(points, idx_g) - centres.unsqueeze(2)
        return centres, groups

    def _encode(self, centres, groups, mask=None) -> torch.Tensor:
        """Transformer outputs (B, 1 + G, width); row 0 is CLS."""
        tok = self.tokenizer(groups)
        if mask is not None:
            if mask.shape != tok.shape[:2] or mask.dtype != torch.bool:
                raise ValueError(f"mask must be bool of shape {tuple(tok.shape[:2])}, got {mask.dtype} {tuple(mask.shape)}")
            tok = torch.where(mask.unsqueeze(-1), self.mask_token.expand_as(tok), tok)
        x = tok + self.pos(centres)
        B = x.shape[0]
        cls = (self.cls_token + self.cls_pos).expand(B, -1, -1)
        return self.blocks(torch.cat([cls, x], 1))

    def _pool(self, h: torch.Tensor) -> torch.Tensor:
        return self.proj(torch.cat([h[:, 0], h[:, 1:].max(1).values], -1))

    def forward(self, points: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        centres, groups = self.group(points)
        return self._pool(self._encode(centres, groups, mask))

    def random_mask(self, batch: int, mask_ratio: float, generator: torch.Generator | None = None) -> torch.Tensor:
        """(batch, n_groups) bool with exactly round(mask_ratio · n_groups) True per row (at least 1, at most G−1)."""
        if not 0.0 < float(mask_ratio) < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1), got {mask_ratio}")
        G = self.n_groups
        n_mask = min(G - 1, max(1, int(round(mask_ratio * G))))
        order = torch.rand(batch, G, generator=generator).argsort(1)
        mask = torch.zeros(batch, G, dtype=torch.bool)
        mask.scatter_(1, order[:, :n_mask], True)
        return mask

    def forward_mpm(self, points: torch.Tensor, mask_ratio: float = 0.6, generator: torch.Generator | None = None,
                    return_embedding: bool = False):
        """Masked point modelling loss (scalar): mean over masked groups of
        CD_L2(head(x_g) reshaped (K, 3), true normalised group points (K, 3)).

        With ``return_embedding`` also returns the (B, out_dim) output of the masked view (for a
        contrastive term on the same forward pass).
        """
        centres, groups = self.group(points)
        B, G, K, _ = groups.shape
        mask = self.random_mask(B, mask_ratio, generator).to(points.device)
        h = self._encode(centres, groups, mask)
        hm = h[:, 1:][mask]  # (n_masked, width)
        pred = self.mpm_head(hm).reshape(-1, K, 3)
        loss = chamfer_l2(pred, groups[mask]).mean()
        if return_embedding:
            return loss, self._pool(h)
        return loss


# -- DGCNN ------------------------------------------------------------------------------------------
class _EdgeConv(nn.Module):
    """EdgeConv: x'_i = max_{j ∈ kNN(i)} relu(BN(W [x_i ‖ x_j − x_i])).  x (B, N, C) → (B, N, w).

    Computed without the (B, N, k, 2C) edge tensor: with W = [W_a | W_b],
    W [x_i ‖ x_j − x_i] = (W_a − W_b) x_i + W_b x_j, so both terms are per-point matmuls (B, N, w) and only
    the second is gathered over the k neighbours (the same parameters and function as the naive form).
    """

    def __init__(self, d_in: int, width: int, k: int):
        super().__init__()
        self.k = k
        self.lin = nn.Linear(2 * d_in, width, bias=False)
        self.bn = nn.BatchNorm1d(width)
        self.width = width
        self.d_in = d_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        with torch.no_grad():
            idx = knn(x.detach(), x.detach(), self.k)  # (B, N, k), self first
        wa, wb = self.lin.weight[:, :C], self.lin.weight[:, C:]
        centre = x @ (wa - wb).T  # (B, N, w)
        nb = gather_points(x @ wb.T, idx)  # (B, N, k, w)
        e = (nb + centre.unsqueeze(2)).reshape(-1, self.width)
        e = torch.relu(self.bn(e)).reshape(B, N, self.k, self.width)
        return e.max(2).values

    def forward_naive(self, x: torch.Tensor) -> torch.Tensor:
        """The textbook form (brute-force kNN from differences, the (B, N, k, 2C) edge tensor): the
        benchmark's and the tests' reference."""
        B, N, C = x.shape
        with torch.no_grad():
            idx = pairwise_sq_dist(x.detach(), x.detach()).topk(self.k, dim=-1, largest=False, sorted=True).indices
        nb = gather_points(x, idx)
        xi = x.unsqueeze(2).expand_as(nb)
        e = self.lin(torch.cat([xi, nb - xi], -1))
        e = torch.relu(self.bn(e.reshape(-1, self.width))).reshape(B, N, self.k, self.width)
        return e.max(2).values


class DGCNN(nn.Module):
    """Small DGCNN: three EdgeConvs (widths), concatenated, Linear → BN → ReLU to ``emb``, max ‖ mean pool,
    MLP head.  points (B, N, 3) → global (B, out_dim); with ``return_points`` (constructor or call)
    → ``(per_point (B, N, emb), global (B, out_dim))`` (:meth:`forward_features`)."""

    def __init__(self, out_dim: int = 512, k: int = 16, widths=(64, 64, 128), emb: int = 256,
                 return_points: bool = False):
        super().__init__()
        if min(out_dim, k, emb, *widths) <= 0:
            raise ValueError("out_dim, k, emb and widths must be positive")
        self.out_dim, self.k, self.emb = int(out_dim), int(k), int(emb)
        self.return_points = bool(return_points)
        convs, d = [], 3
        for w in widths:
            convs.append(_EdgeConv(d, int(w), self.k))
            d = int(w)
        self.convs = nn.ModuleList(convs)
        self.fuse = _PointMLP(sum(widths), (emb,))
        self.head = _head(2 * emb, emb, self.out_dim)

    def forward_features(self, points: torch.Tensor, naive: bool = False):
        """(per_point (B, N, emb), global (B, out_dim)). ``naive``: the textbook EdgeConv (reference)."""
        _check_cloud(points)
        if points.shape[1] < self.k:
            raise ValueError(f"DGCNN needs at least k = {self.k} points per cloud, got {points.shape[1]}")
        feats, x = [], points
        for conv in self.convs:
            x = conv.forward_naive(x) if naive else conv(x)
            feats.append(x)
        f = self.fuse(torch.cat(feats, -1))
        return f, self.head(torch.cat([f.max(1).values, f.mean(1)], -1))

    def forward(self, points: torch.Tensor, return_points: bool | None = None):
        per_point, glob = self.forward_features(points)
        return (per_point, glob) if (self.return_points if return_points is None else return_points) else glob


ARCHS = {"pointnet": PointNet, "pointbert": PointBERT, "dgcnn": DGCNN}


def build_encoder(arch: str, **kwargs) -> nn.Module:
    """``ARCHS[arch](**kwargs)``; ``ValueError`` naming the valid architectures otherwise."""
    if arch not in ARCHS:
        raise ValueError(f"unknown 3D architecture {arch!r}; valid: {', '.join(ARCHS)}")
    return ARCHS[arch](**kwargs)
