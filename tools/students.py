"""Hand-out copies of the notebooks for a class (``make students``): every main notebook without outputs,
execution counts or run metadata, and without the solutions (``notebooks/solutions/`` is not copied; cells
tagged ``solution`` are dropped too). The copies run from the repository's ``.venv`` like the originals.

    python tools/students.py [--out students]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
KEEP_METADATA = ("kernelspec", "language_info")


def clean(nb):
    """The notebook with every output, execution count, solution cell and run metadata removed."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_METADATA}
    cells = []
    for c in nb.cells:
        tags = c.metadata.get("tags", [])
        if "solution" in tags or "injected-parameters" in tags:
            continue
        c.metadata = {"tags": tags} if tags else {}
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
        cells.append(c)
    nb.cells = cells
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "students", help="folder for the copies (default: students/)")
    ap.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    a = ap.parse_args(argv)
    src = sorted(a.notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not src:
        print(f"students: no notebooks NN_*.ipynb under {a.notebooks}", file=sys.stderr)
        return 1
    a.out.mkdir(parents=True, exist_ok=True)
    for p in src:
        nb = clean(nbformat.read(p, as_version=4))
        nbformat.validate(nb)
        nbformat.write(nb, a.out / p.name)
    print(f"students: {len(src)} notebooks without outputs or solutions in {a.out} "
          f"(open them with .venv/bin/jupyter lab {a.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
