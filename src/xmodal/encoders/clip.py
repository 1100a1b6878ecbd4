"""open_clip models: architectures and tokenizers offline, pretrained weights where available.

No CLIP weights can be had offline here. ``load_clip(name, pretrained)`` loads the named pretrained weights
when they can be found (open_clip's download/cache, online, or a local checkpoint file) and otherwise
raises :class:`WeightsUnavailableError` naming the model and saying how to provide its weights.
"""
from __future__ import annotations

import os
from pathlib import Path

from .._compat import ensure_torchvision
from .base import WeightsUnavailableError

__all__ = ["load_clip", "list_architectures"]


def list_architectures() -> list[str]:
    ensure_torchvision()
    import open_clip

    return open_clip.list_models()


def load_clip(name: str, pretrained: str | os.PathLike | None, device: str = "cpu"):
    """Return ``(model, preprocess, tokenizer)`` for open_clip architecture ``name``.

    pretrained: an open_clip tag (e.g. ``"openai"``, ``"laion2b_s34b_b79k"``), a path to a checkpoint
    file, or ``None`` for the architecture with random weights (explicit opt-in; nothing pretrained).
    """
    ensure_torchvision()
    import open_clip

    if name not in open_clip.list_models():
        raise ValueError(f"unknown open_clip architecture {name!r}; see xmodal.encoders.clip.list_architectures()")
    tokenizer = open_clip.get_tokenizer(name)
    if pretrained is None:
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=None, device=device)
        return model.eval(), preprocess, tokenizer
    how = (f"Provide the weights of {name!r}: download them where you have internet (e.g. "
           f"`python -c \"import open_clip; open_clip.create_model_and_transforms('{name}', pretrained='<tag>')\"` "
           f"fills the Hugging Face cache, or save the checkpoint file) and pass the file path as `pretrained`.")
    p = Path(str(pretrained)).expanduser()
    is_path = p.suffix in {".pt", ".pth", ".bin", ".safetensors"} or os.sep in str(pretrained)
    if is_path:
        if not p.is_file():
            raise WeightsUnavailableError(f"weights file {p} for open_clip model {name!r} does not exist. {how}")
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=str(p), device=device)
        return model.eval(), preprocess, tokenizer
    tags = open_clip.list_pretrained_tags_by_model(name)
    if pretrained not in tags:
        raise ValueError(f"open_clip model {name!r} has no pretrained tag {pretrained!r}; valid tags: {tags}")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=str(pretrained), device=device)
    except Exception as e:  # offline: the hub download fails with a connection / local-files error
        raise WeightsUnavailableError(
            f"pretrained weights {pretrained!r} of open_clip model {name!r} are not available here "
            f"({type(e).__name__}: {str(e)[:200]}). {how}") from e
    return model.eval(), preprocess, tokenizer
