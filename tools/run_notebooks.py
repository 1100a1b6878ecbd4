"""Execute notebooks in order with papermill (kernel python3, cwd notebooks/), store them in place
without papermill's volatile metadata, then build reports/README.md. Used by `make reproduce`."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from xmodal.config import get_scale
from xmodal.report import reports_root, write_index

VOLATILE_CELL = ("papermill", "execution", "ExecuteTime")


def strip_volatile(path: Path) -> None:
    """Remove papermill's timings/paths and execution stamps so reruns diff only where results change."""
    nb = nbformat.read(path, as_version=4)
    for k in ("papermill",):
        nb.metadata.pop(k, None)
    nb.metadata.get("kernelspec", {}).pop("env", None)
    for cell in nb.cells:
        for k in VOLATILE_CELL:
            cell.metadata.pop(k, None)
        if cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("papermill", None)
    # papermill's injected `scale = "..."` cell would pin the scale of every later run of the stored notebook
    # (nbval at ci would silently run at default): drop it, the parameters cell reads XMODAL_SCALE itself
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    renumber(nb)
    nbformat.write(nb, path)


def renumber(nb) -> None:
    """Consecutive execution counts 1, 2, … over the executed code cells (dropping the injected cell left a gap)."""
    k = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or cell.get("execution_count") is None:
            continue
        k += 1
        cell.execution_count = k
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = k


def main() -> int:
    from xmodal.runtime import malloc_tunable

    os.environ["GLIBC_TUNABLES"] = malloc_tunable()  # the kernels start with the project's malloc setting (same bits)
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--scale", default="default")
    ap.add_argument("--timeout", type=int, default=3600, help="per-cell execution timeout (s)")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the executed notebooks (default: in place at the default scale, "
                         "executed/<scale>/ otherwise)")
    args = ap.parse_args()
    get_scale(args.scale)  # fails early on a bad name
    env_scale = os.environ.get("XMODAL_SCALE")
    os.environ["XMODAL_SCALE"] = args.scale
    os.environ.setdefault("TQDM_DISABLE", "1")
    in_place = args.scale == "default" and args.out is None
    if not in_place:
        out_dir = args.out or Path("executed") / args.scale
        out_dir.mkdir(parents=True, exist_ok=True)
    timings = {}
    for nb in args.notebooks:
        nb = nb.resolve()
        target = nb if in_place else (out_dir / nb.name).resolve()
        print(f"== {nb.name} at scale {args.scale}", flush=True)
        t0 = time.time()
        # the partial output lives outside notebooks/ (same filesystem, git-ignored) so that nbval never
        # collects it, and replaces the notebook only once it executed completely
        tmp_dir = Path(__file__).resolve().parents[1] / "executed" / ".partial"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".ipynb", dir=tmp_dir)
        os.close(fd)
        try:
            pm.execute_notebook(str(nb), tmp, parameters={"scale": args.scale}, kernel_name="python3",
                                cwd=str(nb.parent), execution_timeout=args.timeout, progress_bar=False,
                                request_save_on_cell_execute=False)
            strip_volatile(Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        timings[nb.name] = round(time.time() - t0, 1)
        print(f"   done in {timings[nb.name]:.0f} s", flush=True)
    idx = write_index(reports_root(args.scale))
    tfile = reports_root(args.scale) / f"timings_{args.scale}.json"  # wall seconds per notebook, merged across runs
    old = json.loads(tfile.read_text()) if tfile.exists() else {}
    tfile.write_text(json.dumps({**old, **timings}, indent=1, sort_keys=True) + "\n")
    print(f"reports index: {idx}")
    if env_scale is None:
        os.environ.pop("XMODAL_SCALE", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
