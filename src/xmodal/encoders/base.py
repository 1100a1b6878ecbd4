"""The shared interface of the frozen encoders: batching, progress bars and the on-disk feature cache."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..cache import cached_arrays, code_hash
from ..progress import progress

__all__ = ["Encoded", "FrozenEncoder", "WeightsUnavailableError", "hash_inputs", "progress"]


class WeightsUnavailableError(FileNotFoundError):
    """Pretrained weights are not installed / not reachable; the message says how to provide them."""


@dataclass
class Encoded:
    """Output of a frozen encoder for n inputs.

    pooled: (n, d) float32 — one vector per input (the encoder's own pooling).
    tokens: (n, L, d) float32 or None — token-level outputs (words / patches), padded to L.
    mask:   (n, L) bool or None — True where ``tokens`` holds a real token, False at padding.
    """

    pooled: np.ndarray
    tokens: np.ndarray | None = None
    mask: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.pooled)


def hash_inputs(inputs) -> str:
    """SHA-256 of a list of strings or of an array (shape, dtype and bytes)."""
    h = hashlib.sha256()
    if isinstance(inputs, np.ndarray):
        h.update(repr((inputs.shape, str(inputs.dtype))).encode())
        h.update(np.ascontiguousarray(inputs).view(np.uint8).reshape(-1).data)
    else:
        for s in inputs:
            if not isinstance(s, str):
                raise TypeError(f"text inputs must be strings, got {type(s).__name__}")
            h.update(s.encode("utf8") + b"\x00")
    return h.hexdigest()


class FrozenEncoder:
    """Base class: subclasses set ``name``, ``dim`` and implement ``_encode_batch``.

    Calling the encoder validates the inputs, splits them in batches of ``batch_size`` under a progress
    bar and caches the result under ``$XMODAL_CACHE/features/`` keyed by encoder, options and input hash.
    """

    name: str = "encoder"
    dim: int = 0

    def __init__(self, batch_size: int = 64):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batch_size = int(batch_size)

    # -- to implement -------------------------------------------------------------------------------
    def _validate(self, inputs):  # pragma: no cover - overridden
        return inputs

    def _encode_batch(self, batch, tokens: bool) -> Encoded:  # pragma: no cover - overridden
        raise NotImplementedError

    def options(self) -> dict:
        """Everything besides the inputs that changes the output (part of the cache key)."""
        return {}

    # -- shared machinery ---------------------------------------------------------------------------
    def _run(self, inputs, tokens: bool, progress_bar: bool) -> dict[str, np.ndarray]:
        n = len(inputs)
        parts = []
        starts = range(0, n, self.batch_size)
        for s in progress(starts, desc=f"{self.name}", unit="batch", disable=not progress_bar or len(starts) < 2):
            parts.append(self._encode_batch(inputs[s : s + self.batch_size], tokens))
        out = {"pooled": np.concatenate([p.pooled for p in parts]).astype(np.float32)}
        if tokens:
            L = max(p.tokens.shape[1] for p in parts)
            tok = np.zeros((n, L, parts[0].tokens.shape[2]), np.float32)
            mask = np.zeros((n, L), bool)
            i = 0
            for p in parts:
                b, l = p.mask.shape
                tok[i : i + b, :l] = p.tokens
                mask[i : i + b, :l] = p.mask
                i += b
            out["tokens"], out["mask"] = tok, mask
        return out

    def __call__(self, inputs: Sequence, tokens: bool = False, cache: bool = True, progress: bool = True) -> Encoded:
        inputs = self._validate(inputs)
        if len(inputs) == 0:
            raise ValueError(f"{self.name}: no inputs to encode")
        if not cache:
            arrays = self._run(inputs, tokens, progress)
        else:
            params = {"encoder": self.name, "options": self.options(), "tokens": tokens,
                      "code": code_hash("xmodal.encoders.base", type(self).__module__),
                      "inputs": hash_inputs(inputs), "n": len(inputs)}
            arrays = cached_arrays("features", params, lambda: self._run(inputs, tokens, progress))
        if not np.isfinite(arrays["pooled"]).all():
            raise FloatingPointError(f"{self.name}: non-finite features (corrupt weights or inputs?)")
        return Encoded(arrays["pooled"], arrays.get("tokens"), arrays.get("mask"))
