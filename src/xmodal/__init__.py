"""xmodal: reproducible replications of five papers on aligning 3D shapes, images and text."""
from ._compat import install_lazy_step as _install_lazy_step
from .version import __version__

# See xmodal/_compat.py: lets torchvision (and open_clip, timm) import next to a CPU-only torch.
_install_lazy_step()  # torchvision's compatibility step, at its first import (xmodal._compat)

__all__ = ["__version__"]
