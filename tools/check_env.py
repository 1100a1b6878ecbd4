"""Fail the install loudly if a CUDA build of torch slipped in, or xmodal does not import."""
import sys

import torch

if torch.version.cuda is not None or "+cpu" not in torch.__version__:
    sys.exit(f"ERROR: torch {torch.__version__} (CUDA {torch.version.cuda}) was installed, but this project pins the "
             "CPU build torch==2.13.0 through constraints.txt. Something let pip pick torch freely; remove .venv, "
             "check constraints.txt and install again with `make install`.")
import xmodal  # noqa: E402  (also checks the torchvision compatibility step)
import open_clip  # noqa: E402,F401
import torchvision.transforms  # noqa: E402,F401

print(f"environment ok: torch {torch.__version__}, xmodal {xmodal.__version__}")
