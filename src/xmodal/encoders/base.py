"""The shared interface of the frozen encoders: batching, progress bars and the on-disk feature cache."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..cache import cached_arrays, code_hash
from ..progress import progress

__all__ = ["Encoded", "FrozenEncoder", "WeightsUnavailableError", "WeightsCorruptError", "hash_inputs", "progress",
           "positive_int", "verify_file"]


class WeightsUnavailableError(FileNotFoundError):
    """Pretrained weights are not installed / not reachable; the message says how to provide them."""


class WeightsCorruptError(WeightsUnavailableError):
    """A weight file is on disk but damaged (checksum mismatch, truncated, unreadable); the message names the
    file, says what is wrong and how to get a good copy again."""


def positive_int(value, name: str, owner: str = "") -> int:
    """``value`` as an ``int`` >= 1; ``ValueError`` naming ``name`` otherwise (an int or numpy integer only: no
    bools, no floats — 2.5 is rejected, not truncated to 2)."""
    where = f"{owner}: " if owner else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{where}{name} must be a positive int, got {value!r} ({type(value).__name__}); "
                         f"pass a whole number such as {name}=64")
    if value < 1:
        raise ValueError(f"{where}{name} must be a positive whole number (>= 1), got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------- weight checksums
def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_file(path, expected_sha256: str, what: str, fix: str) -> Path:
    """Check ``path`` against its expected SHA-256; raise :class:`WeightsCorruptError` when it differs.

    The file is hashed on every call (each loader calls this once per process): about 20 ms for EfficientNet-Lite0's
    19 MB, 80 ms for MiniLM's 92 MB and GloVe's 84 MB, against 0.2-8 s to load them. A verdict remembered
    on disk could be forged by anyone who can write where it is kept, or stay valid for a file replaced
    with its size and modification time preserved (``cp -p``, ``rsync -t``), so none is kept.
    ``what`` names the file in messages, ``fix`` says how to get a good copy.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        got = _sha256_file(path)
    except OSError as e:
        raise WeightsUnavailableError(f"{what} {path} is missing or unreadable ({e}); {fix}") from e
    if got != expected_sha256:
        raise WeightsCorruptError(
            f"{what} {path} is damaged: its SHA-256 is {got[:16]}…, expected {expected_sha256[:16]}… "
            f"({size} bytes; truncated or modified). {fix}")
    return path


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

    #: Whether the computation runs through torch: its thread count then enters the feature-cache key,
    #: because results differ in the last bits between thread counts (issue #10, ~2e-7 for 1 vs 2 threads).
    uses_torch: bool = True

    def __init__(self, batch_size: int = 64):
        self.batch_size = positive_int(batch_size, "batch_size", type(self).__name__)

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
            if self.uses_torch:
                import torch

                params["torch_threads"] = torch.get_num_threads()
            arrays = cached_arrays("features", params, lambda: self._run(inputs, tokens, progress))
        if not np.isfinite(arrays["pooled"]).all():
            raise FloatingPointError(f"{self.name}: non-finite features (corrupt weights or inputs?)")
        return Encoded(arrays["pooled"], arrays.get("tokens"), arrays.get("mask"))
