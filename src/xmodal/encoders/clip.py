"""open_clip models: architectures and tokenizers offline, pretrained weights where available.

No CLIP weights can be had offline here. ``load_clip(name, pretrained)`` loads the named pretrained weights
when they can be found — first on disk (the Hugging Face cache, open_clip's ``~/.cache/clip``, or a checkpoint
file you pass), then, only when the hub answers, by download — and otherwise raises
:class:`WeightsUnavailableError` naming the model and saying how to provide its weights. Offline it fails in
about a second: ``HF_HUB_OFFLINE=1`` is honoured, and otherwise one quick TCP connect to the download host
decides (no minute of download retries).
"""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from .._compat import ensure_torchvision
from .base import WeightsCorruptError, WeightsUnavailableError

__all__ = ["load_clip", "list_architectures", "hub_reachable"]

HF_HOST = "huggingface.co"
#: Seconds the reachability check of the download host may take (DNS and TCP connect together).
CONNECT_TIMEOUT = 1.5


def _offline_flag() -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "on", "yes", "true"}:
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except Exception:  # pragma: no cover - no huggingface_hub
        return False


def hub_reachable(host: str = HF_HOST, port: int = 443, timeout: float = CONNECT_TIMEOUT) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` s (DNS included; False when
    ``HF_HUB_OFFLINE`` is set)."""
    if _offline_flag():
        return False
    ok = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                ok.append(True)
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)  # getaddrinfo ignores socket timeouts: bound it here
    t.start()
    t.join(timeout)
    return bool(ok)


def _local_weights(name: str, tag: str, cfg: dict) -> str | None:
    """The file of pretrained ``tag`` of ``name`` already on disk (HF cache or open_clip's URL cache), if any."""
    hub = cfg.get("hf_hub") or ""
    if hub:
        try:
            from huggingface_hub import try_to_load_from_cache
            from open_clip.constants import HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME
        except ImportError:  # pragma: no cover
            pass
        else:
            model_id, filename = os.path.split(hub)  # open_clip's convention: 'org/model/' or 'org/model/file'
            filename = filename or HF_WEIGHTS_NAME
            cands = [HF_SAFE_WEIGHTS_NAME] if filename == HF_WEIGHTS_NAME else []
            if filename.endswith((".bin", ".pth")) and filename != HF_WEIGHTS_NAME:
                cands.append(filename[:-4] + ".safetensors")
            for fname in cands + [filename]:
                try:
                    hit = try_to_load_from_cache(model_id, fname)
                except Exception:
                    hit = None
                if isinstance(hit, str) and os.path.isfile(hit):
                    return hit
    url = cfg.get("url") or ""
    if url:
        f = Path("~/.cache/clip").expanduser() / os.path.basename(url)
        if f.is_file():
            return str(f)
    return None


def _preprocess_kwargs(cfg: dict) -> dict:
    """The preprocessing a tag implies (open_clip applies it for tags, not for files): mean, std, interpolation."""
    keys = {"mean": "image_mean", "std": "image_std", "interpolation": "image_interpolation",
            "resize_mode": "image_resize_mode"}
    return {kw: cfg[k] for k, kw in keys.items() if cfg.get(k) is not None}


def _from_file(open_clip, name: str, path: Path, device: str, how: str, **kw):
    try:
        return open_clip.create_model_and_transforms(name, pretrained=str(path), device=device, **kw)
    except Exception as e:  # UnpicklingError, truncated zip, SafetensorError, missing/unexpected keys ...
        raise WeightsCorruptError(
            f"weights file {path} for open_clip model {name!r} cannot be loaded ({type(e).__name__}: "
            f"{str(e)[:200]}): it is truncated or corrupt, or holds another architecture's weights. "
            f"Download it again (delete the file first). {how}") from e


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
        model, _, preprocess = _from_file(open_clip, name, p, device, how)
        return model.eval(), preprocess, tokenizer
    tags = open_clip.list_pretrained_tags_by_model(name)
    if pretrained not in tags:
        raise ValueError(f"open_clip model {name!r} has no pretrained tag {pretrained!r}; valid tags: {tags}")
    cfg = dict(open_clip.get_pretrained_cfg(name, pretrained) or {})
    local = _local_weights(name, str(pretrained), cfg)
    if local is not None:  # already downloaded: load it without touching the network
        model, _, preprocess = _from_file(open_clip, name, Path(local), device, how, **_preprocess_kwargs(cfg))
        return model.eval(), preprocess, tokenizer
    host = HF_HOST if cfg.get("hf_hub") else (urlparse(cfg.get("url") or "").hostname or HF_HOST)
    if not hub_reachable(host):
        why = "HF_HUB_OFFLINE is set" if _offline_flag() else f"{host}:443 is unreachable (checked in {CONNECT_TIMEOUT} s)"
        raise WeightsUnavailableError(
            f"pretrained weights {pretrained!r} of open_clip model {name!r} are not available here: they are not "
            f"in the local caches and {why}. {how}")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=str(pretrained), device=device)
    except Exception as e:  # offline: the hub download fails with a connection / local-files error
        raise WeightsUnavailableError(
            f"pretrained weights {pretrained!r} of open_clip model {name!r} are not available here "
            f"({type(e).__name__}: {str(e)[:200]}). {how}") from e
    return model.eval(), preprocess, tokenizer
