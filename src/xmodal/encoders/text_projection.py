"""A multi-modal text encoder trained here: frozen MiniLM + a projection head trained contrastively against
frozen image features (paper 01's stand-in for the CLIP text tower; LiT-style, Zhai et al. 2022, with both
towers frozen and only the heads learnt).

Model. For a caption c with frozen MiniLM feature t = MiniLM(c) ∈ R^384 and an image of the same object with
frozen EfficientNet-Lite0 feature v ∈ R^1280:

    g(t) = normalize(W_2 gelu(W_1 t + b_1) + b_2) ∈ R^512          (text head, :class:`ProjectionHead`)
    h(v) = normalize(W_v v + b_v)             ∈ R^512               (image head, linear)
    L    = InfoNCE(s · g(T) h(V)^T),  s = LogitScale.clip() ≤ 100       (symmetric, CLIP's loss)

trained on the train split only; each step pairs every shape of the batch with one random paraphrase and
one random view. The multi-modal text embedding of a caption is g(MiniLM(c)) (512-d, unit norm).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..cache import cached_arrays, code_hash
from ..runtime import numerics_key
from ..contrastive.heads import LogitScale
from ..contrastive.losses import info_nce
from ..seed import make_torch_generator, seeded_init
from ..train import History, TrainConfig, fit, load_state_arrays, state_arrays
from .base import Encoded, hash_inputs

__all__ = ["ProjectionConfig", "ProjectionHead", "TextProjectionModel", "train_text_projection",
           "MultiModalText", "multimodal_text_encoder"]


@dataclass(frozen=True)
class ProjectionConfig:
    """Hyper-parameters of the contrastive heads.

    dim: output width (512, like the 3D latents); hidden: width of the text MLP (0 = a single Linear);
    epochs: passes over the training shapes; batch_size: pairs per InfoNCE batch; lr, weight_decay: AdamW;
    init_scale: initial logit scale s = 1/temperature (CLIP: 1/0.07). Trained by :func:`xmodal.train.fit`
    (AdamW with decay on matrices only, 10 % linear warm-up then cosine); threads follow the caller's
    runtime policy (:func:`xmodal.runtime.use`).
    """

    dim: int = 512
    hidden: int = 512
    epochs: int = 40
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-4
    init_scale: float = 1 / 0.07

    def __post_init__(self):
        if self.dim <= 0 or self.hidden < 0 or self.epochs <= 0 or self.batch_size < 2:
            raise ValueError(f"invalid ProjectionConfig {self}: need dim > 0, hidden >= 0, epochs > 0, batch_size >= 2")
        if not (self.lr > 0 and self.weight_decay >= 0 and self.init_scale > 0):
            raise ValueError(f"invalid ProjectionConfig {self}: need lr > 0, weight_decay >= 0, init_scale > 0")

    def train_config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                           weight_decay=self.weight_decay, warmup=0.1)


class ProjectionHead(nn.Module):
    """x: (n, d_in) -> (n, d_out), unit rows. ``hidden=0``: Linear; else Linear → GELU → Linear."""

    def __init__(self, d_in: int, d_out: int, hidden: int = 0):
        super().__init__()
        if hidden:
            self.net = nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, d_out))
        else:
            self.net = nn.Linear(d_in, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.net(x), dim=-1)


class TextProjectionModel(nn.Module):
    """Both heads and the learnt logit scale. text: (n, d_text) → (n, dim); image: (n, d_img) → (n, dim)."""

    def __init__(self, d_text: int, d_image: int, config: ProjectionConfig):
        super().__init__()
        self.text = ProjectionHead(d_text, config.dim, config.hidden)
        self.image = ProjectionHead(d_image, config.dim, 0)
        self.scale = LogitScale.clip(config.init_scale)

    def logits(self, t: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """(B, B) logits s · g(t_i)·h(v_j), s clamped at 100 as in CLIP."""
        return self.scale() * self.text(t) @ self.image(v).T


def _as_views(a, name: str) -> np.ndarray:
    a = np.asarray(a, np.float32)
    if a.ndim == 2:
        a = a[:, None, :]
    if a.ndim != 3:
        raise ValueError(f"{name} must be (n, d) or (n, k, d) (k paraphrases / views); got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains non-finite values")
    return a


def train_text_projection(text_feats, image_feats, config: ProjectionConfig = ProjectionConfig(), seed: int = 0,
                          progress_bar: bool = True) -> tuple[TextProjectionModel, History]:
    """Train the heads by symmetric InfoNCE on paired frozen features of the *training* shapes.

    text_feats: (n, P, d_text) or (n, d_text) float32 — P paraphrases per shape (one drawn per step);
    image_feats: (n, V, d_image) or (n, d_image) float32 — V views per shape (one drawn per step).
    Returns (model in eval mode, the trainer's History). Deterministic given ``seed``: initialisation under
    :func:`xmodal.seed.seeded_init`, batches and draws from seeded ``torch.Generator``s.
    """
    T = torch.from_numpy(_as_views(text_feats, "text_feats"))
    V = torch.from_numpy(_as_views(image_feats, "image_feats"))
    if T.shape[0] != V.shape[0]:
        raise ValueError(f"text_feats and image_feats must describe the same shapes; got {T.shape[0]} and {V.shape[0]}")
    n = T.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 training shapes for a contrastive loss; got {n}")
    with seeded_init(seed, "text_projection", "init"):
        model = TextProjectionModel(T.shape[2], V.shape[2], config)
    g_draw = make_torch_generator(seed, "text_projection", "draws")

    def loss_fn(idx, step):
        p = torch.randint(T.shape[1], (len(idx),), generator=g_draw)
        v = torch.randint(V.shape[1], (len(idx),), generator=g_draw)
        return info_nce(model.logits(T[idx, p], V[idx, v]))

    hist = fit(model, loss_fn, config.train_config(), n_items=n, desc="text projection",
               generator=make_torch_generator(seed, "text_projection", "order"), progress_bar=progress_bar)
    return model, hist


class MultiModalText:
    """Callable text encoder: texts -> Encoded(pooled (n, dim) float32, unit rows) = g(MiniLM(texts)).

    ``head``: a trained :class:`ProjectionHead` (the text head of :class:`TextProjectionModel`);
    ``minilm``: the frozen MiniLM (default :class:`xmodal.encoders.text.MiniLM`). MiniLM features are
    cached on disk by that encoder; the head is a cheap matrix product.
    """

    name = "minilm+projection"

    def __init__(self, head: ProjectionHead, minilm=None):
        from .text import MiniLM

        self.head = head.eval()
        self.minilm = minilm or MiniLM()
        self.dim = int(next(m for m in reversed(list(head.modules())) if isinstance(m, nn.Linear)).out_features)

    def project(self, feats) -> np.ndarray:
        """Frozen MiniLM features (n, 384) -> (n, dim) multi-modal text embeddings."""
        x = torch.as_tensor(np.asarray(feats, np.float32))
        if x.ndim != 2:
            raise ValueError(f"feats must be (n, d); got shape {tuple(x.shape)}")
        with torch.inference_mode():
            return self.head(x).numpy().astype(np.float32)

    def __call__(self, texts, progress: bool = True) -> Encoded:
        return Encoded(self.project(self.minilm(texts, progress=progress).pooled))


def multimodal_text_encoder(text_feats, image_feats, config: ProjectionConfig = ProjectionConfig(), seed: int = 0,
                            rebuild: bool = False, progress_bar: bool = True) -> tuple[MultiModalText, dict[str, np.ndarray]]:
    """Train (or load from the cache) the projection heads and return (encoder, history).

    text_feats: (n, P, 384) frozen MiniLM features of the training captions; image_feats: (n, V, 1280)
    frozen EfficientNet features of the training renders (pass the train split only). The cache key is
    the hash of both inputs, the config, the seed and the source of this module and of the loss.
    """
    T = _as_views(text_feats, "text_feats")
    V = _as_views(image_feats, "image_feats")
    params = {"text": hash_inputs(T), "image": hash_inputs(V), "config": asdict(config), "seed": int(seed),
              "code": code_hash("xmodal.encoders.text_projection", "xmodal.contrastive", "xmodal.train"),
              "numerics": numerics_key()}

    def build():
        model, hist = train_text_projection(T, V, config, seed, progress_bar=progress_bar)
        return {**state_arrays(model, "w."), **hist.as_arrays("h.")}

    arrays = cached_arrays("text_projection", params, build, rebuild=rebuild)
    model = load_state_arrays(TextProjectionModel(T.shape[2], V.shape[2], config), arrays, "w.")
    return MultiModalText(model.text), History.from_arrays(arrays, "h.")
