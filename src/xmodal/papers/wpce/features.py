"""Frozen token features of paper 02, Part B: the world's image views, captions and prompts.

Image points: EfficientNet-Lite0's last feature map, ``[pooled token, h·w patch tokens]`` (all valid).
Text points: MiniLM's per-token outputs (CLS, word pieces, SEP), packed without padding
(:func:`xmodal.contrastive.pack_tokens`). Both encoders cache their outputs on disk.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ... import runtime
from ...contrastive import pack_tokens
from .settings import TEMPLATES, Settings

__all__ = ["PairFeatures", "prompts_for", "load_features"]


@dataclass
class PairFeatures:
    """Frozen token features of the world's image views, captions and prompts.

    img_tokens: (n_img, M_img, 1280) float32 = [pooled token, patch tokens]; img_pooled: (n_img, 1280);
    img_label / img_split / img_instance: (n_img,) category, split (0 train, 1 val, 2 test), instance row;
    txt_flat: (n_tokens, 384) float32 MiniLM token outputs of every text, packed (no padding);
    txt_offsets: (n_txt + 1,) int64, text t owns rows ``txt_offsets[t]:txt_offsets[t + 1]``;
    txt_pooled: (n_txt, 384) MiniLM sentence embeddings; texts: (n_txt,) the unique strings;
    caption_ids: (n_instances, K) rows of ``texts`` a training pair of instance i draws from;
    prompt_ids: (n_classes, T) rows of ``texts`` of the prompt templates; categories: the class names;
    img_view: (n_img,) view index of each image row (None: all view 0).
    """

    img_tokens: np.ndarray
    img_pooled: np.ndarray
    img_label: np.ndarray
    img_split: np.ndarray
    img_instance: np.ndarray
    txt_flat: np.ndarray
    txt_offsets: np.ndarray
    txt_pooled: np.ndarray
    texts: np.ndarray
    caption_ids: np.ndarray
    prompt_ids: np.ndarray
    categories: tuple[str, ...]
    img_view: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    _tensor_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        n_img, n_txt = len(self.img_tokens), len(self.txt_pooled)
        checks = [
            (self.img_tokens.ndim == 3, "img_tokens must be (n_img, M, dim)"),
            (self.img_pooled.shape == (n_img, self.img_tokens.shape[2]), "img_pooled must be (n_img, dim)"),
            (all(len(a) == n_img for a in (self.img_label, self.img_split, self.img_instance)),
             "img_label, img_split and img_instance need one entry per image"),
            (self.txt_flat.ndim == 2 and self.txt_offsets.shape == (n_txt + 1,) and self.txt_offsets[0] == 0
             and self.txt_offsets[-1] == len(self.txt_flat), "txt_offsets must be (n_txt + 1,) from 0 to len(txt_flat)"),
            (len(self.texts) == n_txt, "texts needs one entry per text"),
            (bool((np.diff(self.txt_offsets) > 0).all()), "every text needs at least one token"),
            (self.caption_ids.ndim == 2 and self.caption_ids.max() < n_txt, "caption_ids must index texts"),
            (self.prompt_ids.shape[0] == len(self.categories) and self.prompt_ids.max() < n_txt,
             "prompt_ids must be (n_classes, T) indices into texts"),
            (self.img_instance.max() < len(self.caption_ids), "img_instance must index caption_ids"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(f"PairFeatures: {msg}")

    @property
    def n_classes(self) -> int:
        return len(self.categories)

    @property
    def txt_lengths(self) -> np.ndarray:
        """(n_txt,) number of tokens of each text."""
        return np.diff(self.txt_offsets)

    def rows(self, split: int, max_views: int | None = None) -> np.ndarray:
        """Image rows of split 0 (train), 1 (val) or 2 (test); only views ``< max_views`` if given."""
        keep = self.img_split == split
        if max_views is not None and self.img_view is not None:
            keep &= self.img_view < max_views
        return np.flatnonzero(keep)

    def __getstate__(self):
        """Pickled (e.g. for pool workers) without the torch tensors made from the arrays (rebuilt on use)."""
        state = self.__dict__.copy()
        state["_tensor_cache"] = {k: v for k, v in self._tensor_cache.items() if k == "__key__"}
        return state

    def tensors(self, device="cpu") -> dict[str, torch.Tensor]:
        """The arrays the heads read, as torch tensors on ``device`` (made once per device): img_tokens,
        img_pooled, txt_flat, txt_offsets, txt_pooled, caption_ids, img_instance."""
        key = str(torch.device(device))
        if key not in self._tensor_cache:
            self._tensor_cache[key] = {
                k: torch.from_numpy(np.ascontiguousarray(getattr(self, k))).to(device)
                for k in ("img_tokens", "img_pooled", "txt_flat", "txt_offsets", "txt_pooled", "caption_ids",
                          "img_instance")}
        return self._tensor_cache[key]


def prompts_for(categories, templates=TEMPLATES) -> np.ndarray:
    """(n_classes, T) prompt strings: ``template.format(name with '_' -> ' ')``."""
    return np.array([[t.format(c.replace("_", " ")) for t in templates] for c in categories])


def load_features(settings: Settings, dataset=None, progress_bar: bool = True) -> PairFeatures:
    """Encode the world's images (views ``< settings.views``) and texts with the frozen towers (cached),
    under the scale's runtime policy (:func:`xmodal.runtime.use`).

    dataset: a :class:`xmodal.data.WorldDataset` (default: ``world_dataset(settings.scale, data_seed)``)
    or any object with ``images`` (N, V, H, W, 3) uint8, ``labels``, ``split``, ``captions`` {level: (N, P)}
    and ``categories``. Texts are encoded once each (unique strings).
    """
    with runtime.use(settings.scale):
        return _load_features(settings, dataset, progress_bar)


def _load_features(settings: Settings, dataset, progress_bar: bool) -> PairFeatures:
    from ...encoders.image import EfficientNetLite0
    from ...encoders.text import MiniLM

    if dataset is None:
        from ...data import world_dataset

        dataset = world_dataset(settings.scale, seed=settings.data_seed)
    images = getattr(dataset, "images", None)
    if images is None or images.ndim != 5:
        raise ValueError("the dataset has no renders (images (N, V, H, W, 3)); build it with views >= 1")
    N, V = images.shape[:2]
    if settings.views > V:
        raise ValueError(f"settings.views = {settings.views} but the dataset has only {V} views per instance")
    missing = [lv for lv in settings.caption_levels if lv not in dataset.captions]
    if missing:
        raise ValueError(f"caption levels {missing} are not in the dataset (has {sorted(dataset.captions)})")
    imgs = np.ascontiguousarray(images[:, : settings.views]).reshape(-1, *images.shape[2:])
    enc = EfficientNetLite0(resize=settings.image_resize)(imgs, tokens=True, progress=progress_bar)
    img_tokens = np.concatenate([enc.pooled[:, None, :], enc.tokens], axis=1)
    img_instance = np.repeat(np.arange(N), settings.views)

    caps = np.concatenate([np.asarray(dataset.captions[lv]).reshape(N, -1)[:, : settings.paraphrases]
                           for lv in settings.caption_levels], axis=1)
    prompts = prompts_for(dataset.categories, settings.templates)
    uniq, inv = np.unique(np.concatenate([caps.ravel(), prompts.ravel()]), return_inverse=True)
    # encode in length-sorted chunks (each padded only to its own longest text), then pack the tokens
    order = np.argsort(np.char.str_len(uniq.astype(str)), kind="stable")
    texts = uniq[order]
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inv = rank[inv.reshape(-1)]
    caption_ids = inv[: caps.size].reshape(caps.shape).astype(np.int64)
    prompt_ids = inv[caps.size:].reshape(prompts.shape).astype(np.int64)
    encoder = MiniLM()
    flats, lens, pooled = [], [], []
    for sl in _chunks(len(texts), settings.text_chunk):
        tenc = encoder(list(map(str, texts[sl])), tokens=True, progress=progress_bar)
        f, off = pack_tokens(tenc.tokens, tenc.mask)
        flats.append(f)
        lens.append(np.diff(off))
        pooled.append(tenc.pooled)
    lengths = np.concatenate(lens)
    labels = np.asarray(dataset.labels, np.int64)
    return PairFeatures(
        img_tokens=img_tokens.astype(np.float32), img_pooled=enc.pooled.astype(np.float32),
        img_label=labels[img_instance], img_split=np.asarray(dataset.split, np.int8)[img_instance],
        img_instance=img_instance.astype(np.int64), txt_flat=np.concatenate(flats),
        txt_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        txt_pooled=np.concatenate(pooled).astype(np.float32), texts=texts, caption_ids=caption_ids,
        prompt_ids=prompt_ids, categories=tuple(dataset.categories),
        img_view=np.tile(np.arange(settings.views), N).astype(np.int64),
        info={"n_instances": int(N), "views": int(settings.views), "image_points": int(img_tokens.shape[1]),
              "text_max_tokens": int(lengths.max()), "text_mean_tokens": float(lengths.mean()),
              "n_texts": int(len(texts)), "captions_per_instance": int(caps.shape[1])},
    )


def _chunks(n: int, size: int):
    for s in range(0, n, size):
        yield slice(s, min(n, s + size))
