"""xmodal: reproducible replications of five papers on aligning 3D shapes, images and text."""
from ._compat import ensure_torchvision as _ensure_torchvision
from .version import __version__

# See xmodal/_compat.py: lets torchvision (and open_clip, timm) import next to a CPU-only torch.
_ensure_torchvision()

__all__ = ["__version__"]
