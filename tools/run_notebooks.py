"""Execute notebooks in order with papermill (kernel python3, cwd notebooks/), store them in place
without papermill's volatile metadata, then build reports/README.md. Used by `make reproduce`.

`-p NAME=VALUE` (repeatable) passes a parameter (typed as `papermill -p` types it: 1 is an int, 1.5 a float);
each NAME must be assigned in every given notebook's `parameters` cell, and the scale is set with `--scale`.
A notebook that fails is kept where it stopped as `<stem>.failed.ipynb` in the output folder
(`executed/default/` for the in-place default run); SIGTERM stops the run the same way."""
from __future__ import annotations

import argparse
import difflib
import json
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
from papermill.cli import _resolve_type  # `papermill -p`'s typing of a value, so both give the same parameters

from xmodal.config import check_parameters, get_scale
from xmodal.report import reports_root, write_index

VOLATILE_CELL = ("papermill", "execution", "ExecuteTime")
ROOT = Path(__file__).resolve().parents[1]
#: partial outputs live outside notebooks/ (same filesystem, git-ignored) so that nbval never collects them
PARTIAL = ROOT / "executed" / ".partial"


class RunError(Exception):
    """A bad parameter or output folder, found before any notebook runs."""


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
    # papermill's injected `scale = "..."` would pin the scale of every later run of the stored notebook (nbval
    # at ci would silently run at default): drop it, the parameters cell reads XMODAL_SCALE itself. Parameters
    # given with -p stay in the injected cell, so the stored notebook says what it ran with.
    kept = []
    for c in nb.cells:
        if "injected-parameters" in c.metadata.get("tags", []):
            lines = [ln for ln in c.source.splitlines() if not ln.startswith("scale = ")]
            if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in lines):
                continue
            c.source = "\n".join(lines) + "\n"
        kept.append(c)
    nb.cells = kept
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


def parameter(text: str) -> tuple[str, object]:
    """``NAME=VALUE`` of ``-p`` → (name, value typed as ``papermill -p`` types it)."""
    name, eq, value = text.partition("=")
    name = name.strip()
    if not eq or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. -p seed=1)")
    return name, _resolve_type(value.strip())


def check_parameter_names(notebooks: list[Path], names) -> None:
    """Every name must be assigned in each notebook's ``parameters`` cell (papermill's own inspection), and
    ``scale`` is ``--scale``'s: a misspelt name is an error here, not papermill's warning before a full run."""
    if "scale" in names:
        raise RunError("set the scale with --scale, not -p scale=...")
    for nb in notebooks:
        known = list(pm.inspect_notebook(str(nb)))
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise RunError(f"-p {name}: {nb} has no parameter {name!r} (its parameters cell assigns "
                               f"{', '.join(known) or 'nothing'}){hint}")


def check_reports_root(scale: str) -> Path:
    """The reports folder of ``scale``, created and checked writable before any notebook runs (a notebook
    would otherwise fail at its first figure, minutes in). Errors name ``XMODAL_REPORTS``."""
    root = reports_root(scale)
    raw = os.environ.get("XMODAL_REPORTS")
    src = f"XMODAL_REPORTS={raw!r}" if raw else f"the reports folder of scale {scale!r}"
    fix = ("point XMODAL_REPORTS at a writable folder" if raw
           else "make it writable or set XMODAL_REPORTS to a writable folder")
    if root.exists() and not root.is_dir():
        raise RunError(f"{src} resolves to {root}, which is a file, not a folder; {fix}")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):  # really write: os.access says yes to root on a read-only mount
            pass
    except OSError as e:
        raise RunError(f"{src}: cannot write in {root} ({type(e).__name__}: {e}); {fix}") from None
    return root


def file_mode() -> int:
    """``0o666 & ~umask``: the mode ``open()`` gives a new file (mkstemp's is 0600, unreadable to a group)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def clean_partial(folder: Path) -> None:
    """Remove partial outputs of runs on this machine that are no longer running (killed with SIGKILL); the
    file names carry ``<pid>@<host>@``. Empty files of older versions (``tmp*.ipynb``) go too."""
    host = socket.gethostname()
    for p in folder.glob("*.ipynb"):
        pid, _, rest = p.name.partition("@")
        if rest:
            if not rest.startswith(host + "@") or not pid.isdigit() or _alive(int(pid)):
                continue
        elif not (p.name.startswith("tmp") and p.stat().st_size == 0):
            continue
        p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _terminate(signum, frame):
    """SIGTERM → SystemExit, so the cleanup of a run (``finally``, the kernel's shutdown) happens; a second
    SIGTERM kills at once."""
    signal.signal(signum, signal.SIG_DFL)
    raise SystemExit(128 + signum)


def keep_failed(tmp: str, failed: Path) -> bool:
    """Move papermill's output of a failed or stopped run to ``failed`` when it is a whole notebook."""
    try:
        if os.path.getsize(tmp) == 0:
            return False
        nbformat.read(tmp, as_version=4)  # a SIGTERM in the middle of a save leaves half a file
    except Exception:
        return False
    os.chmod(tmp, file_mode())
    failed.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, failed)
    return True


def run_one(nb: Path, target: Path, failed: Path, scale: str, parameters: dict, timeout: int) -> None:
    """Execute ``nb`` into ``target`` (replaced only once it executed completely); a failure or SIGTERM keeps the
    notebook as far as it ran in ``failed`` and re-raises."""
    PARTIAL.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{os.getpid()}@{socket.gethostname()}@{nb.stem}-", suffix=".ipynb",
                               dir=PARTIAL)
    os.close(fd)
    try:
        try:
            pm.execute_notebook(str(nb), tmp, parameters={"scale": scale, **parameters}, kernel_name="python3",
                                cwd=str(nb.parent), execution_timeout=timeout, progress_bar=False,
                                request_save_on_cell_execute=True)  # saved per cell: a stopped run shows where
        except BaseException:
            if keep_failed(tmp, failed):
                print(f"   {nb.name} stopped; the executed notebook, up to where it stopped: {failed}",
                      file=sys.stderr, flush=True)
            raise
        strip_volatile(Path(tmp))
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
        failed.unlink(missing_ok=True)  # an older failure of this notebook no longer says anything
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv=None) -> int:
    from xmodal.runtime import malloc_tunable

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--scale", default="default")
    ap.add_argument("-p", "--parameter", dest="parameters", action="append", type=parameter, default=[],
                    metavar="NAME=VALUE", help="a notebook parameter (repeatable), checked against its parameters cell")
    ap.add_argument("--timeout", type=int, default=3600, help="per-cell execution timeout (s)")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the executed notebooks (default: in place at the default scale, "
                         "executed/<scale>/ otherwise)")
    args = ap.parse_args(argv)
    params = dict(args.parameters)
    try:
        get_scale(args.scale)  # fails early on a bad name
        for nb in args.notebooks:
            if not nb.is_file():
                raise RunError(f"no notebook {nb}")
        check_parameter_names(args.notebooks, params)
        check_parameters(args.scale, params.get("seed", 0))  # a bad seed, or full without CUDA (a warning)
        root = check_reports_root(args.scale)
    except (RunError, ValueError, TypeError) as e:
        ap.error(str(e))
    signal.signal(signal.SIGTERM, _terminate)
    os.environ["GLIBC_TUNABLES"] = malloc_tunable()  # the kernels start with the project's malloc setting (same bits)
    env_scale = os.environ.get("XMODAL_SCALE")
    os.environ["XMODAL_SCALE"] = args.scale
    os.environ.setdefault("TQDM_DISABLE", "1")
    in_place = args.scale == "default" and args.out is None
    out_dir = args.out or Path("executed") / args.scale
    if not in_place:
        out_dir.mkdir(parents=True, exist_ok=True)
    failed_dir = ROOT / "executed" / "default" if in_place else out_dir  # never in notebooks/: nbval would run it
    if PARTIAL.is_dir():
        clean_partial(PARTIAL)
    timings = {}
    for nb in args.notebooks:
        nb = nb.resolve()
        target = nb if in_place else (out_dir / nb.name).resolve()
        print(f"== {nb.name} at scale {args.scale}", flush=True)
        t0 = time.time()
        try:
            run_one(nb, target, failed_dir / f"{nb.stem}.failed.ipynb", args.scale, params, args.timeout)
        except pm.PapermillExecutionError as e:
            print(f"{nb.name} failed in cell {e.exec_count}: {e.ename}: {e.evalue}", file=sys.stderr)
            return 1
        timings[nb.name] = round(time.time() - t0, 1)
        print(f"   done in {timings[nb.name]:.0f} s", flush=True)
    idx = write_index(root)
    tfile = root / f"timings_{args.scale}.json"  # wall seconds per notebook, merged across runs
    try:
        old = json.loads(tfile.read_text()) if tfile.exists() else {}
    except ValueError:  # a half-written file of an older version: start again
        old = {}
    tmp = tfile.with_name(f".{tfile.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**old, **timings}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, tfile)
    print(f"reports index: {idx}")
    if env_scale is None:
        os.environ.pop("XMODAL_SCALE", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
