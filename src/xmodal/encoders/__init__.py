"""Frozen pretrained encoders that work offline (text, image, CLIP) with one interface:
``encoder(inputs, tokens=False) -> Encoded(pooled, tokens, mask)``, batched, with a progress bar and
results cached on disk by a hash of the inputs."""
from .base import Encoded, FrozenEncoder, WeightsUnavailableError

__all__ = ["Encoded", "FrozenEncoder", "WeightsUnavailableError"]
