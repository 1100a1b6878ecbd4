"""Reports: figures, tables and claims of one notebook, written under ``reports/<topic>/``.

``$XMODAL_REPORTS`` redirects the root (the ``ci`` scale writes to a temporary directory, never over the
committed default reports). Figures are saved as PNG (and PDF) with deterministic metadata; tables as
CSV and Markdown; claims to ``results.json``. ``write_index()`` builds ``reports/README.md``.

A topic's folder is either its previous report or its new one, never a mixture, whatever stops the run (an error,
a full disk, SIGTERM, kill -9): a :class:`Report` writes into a private staging folder
``<root>/.partial/<topic>/`` and :meth:`Report.save` swaps it in whole (see :func:`_swap_in`). Every
file written into a live folder (the index, the topic pages, ``verdicts.png``) goes to a temporary file in
``<root>/.partial/`` first and replaces its target with ``os.replace``. Leftovers of interrupted runs in
``.partial/`` are removed by the next report or index of that root (:func:`_clean_partial`). Files and folders
are created with mode ``0o666 & ~umask`` (``0o777 & ~umask``), like any file the user writes.
"""
from __future__ import annotations

import ctypes
import errno
import json
import math
import os
import re
import secrets
import shutil
import sys
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

try:  # advisory locks mark live staging folders and temporary files (POSIX); elsewhere only the age rule applies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["Report", "reports_root", "set_theme", "write_index", "watermark", "verdict_icon"]

from .claims import ICONS, VERDICTS, Outcome, Registry, seeds_text


def verdict_icon(v: str) -> str:
    return ICONS.get(v, "?")


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml`` above this package), or the cwd."""
    here = Path(__file__).resolve()
    for p in here.parents:
        if (p / "pyproject.toml").exists() and (p / "notebooks").is_dir():
            return p
    return Path.cwd()


def reports_root(scale: str | None = None) -> Path:
    """``$XMODAL_REPORTS`` if set; else ``<repo>/reports`` for the ``default`` scale (the committed reports)
    and ``<repo>/reports-<scale>`` for any other, so a ``ci`` or ``full`` run never overwrites them."""
    env = os.environ.get("XMODAL_REPORTS")
    if env:
        return Path(env).expanduser().resolve()
    return repo_root() / ("reports" if scale in (None, "default") else f"reports-{scale}")


_THEME_SET = False


def set_theme() -> None:
    """Seaborn's theme, once, for every figure of the project."""
    global _THEME_SET
    if not _THEME_SET:
        import matplotlib

        import seaborn as sns

        sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
        matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "savefig.bbox": "tight",
                                    "svg.hashsalt": "xmodal", "pdf.fonttype": 42})
        _THEME_SET = True


def _clean(x: Any) -> Any:
    """JSON-safe: NumPy scalars to Python, NaN/inf to None, tuples to lists."""
    try:
        import numpy as np

        if isinstance(x, np.generic):
            x = x.item()
        elif isinstance(x, np.ndarray):
            x = x.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


#: the hidden folder of a reports root that holds the staging folders and temporary files of live writers
PARTIAL = ".partial"
#: an entry of ``.partial/`` that no live process locks and older than this (seconds) is a leftover: removed
STALE_SECONDS = 60.0
#: where locks are not supported (no ``fcntl``, some network filesystems), an entry is a leftover only after this
STALE_UNLOCKED_SECONDS = 24 * 3600.0


def _plain_name(name, what: str, where) -> str:
    """``name`` if it is a plain file name (a non-empty str, no path separator, not ``.`` or ``..``)."""
    if (not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name
            or (os.altsep and os.altsep in name)):
        raise ValueError(f"{where}: the {what} name {name!r} is not a plain file name (it has a path separator, or "
                         f"is '..', '.' or empty); a report's {what}s are files of its own folder, named like "
                         f"'table1'")
    return name


def _lock(fd: int) -> None:
    """Hold an exclusive advisory lock on ``fd`` until it is closed: the mark of a live writer. Where locks are not
    supported the entry is protected by :data:`STALE_UNLOCKED_SECONDS` alone."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass


def _locked_by_other(path: str) -> bool | None:
    """True if a live process holds ``path``'s lock, False if none does, None where locks are not supported."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)
    return False


def _is_leftover(path: str, now: float) -> bool:
    try:
        age = now - os.lstat(path).st_mtime
        held = _locked_by_other(path)
    except OSError:  # gone meanwhile, or not ours to open (another user's): leave it
        return False
    if held is None:
        return age >= STALE_UNLOCKED_SECONDS
    return not held and age >= STALE_SECONDS


def _clean_partial(root: Path) -> list[Path]:
    """Remove what interrupted runs left in ``<root>/.partial/``; return the entries removed or moved back.

    An entry is left alone while a live process holds its lock (a run still writing: the staging folder of a
    :class:`Report` and the temporary file of :func:`_write_atomic` are locked by their writer from creation to
    rename) and while it is younger than :data:`STALE_SECONDS` (just created); where locks are not supported, until
    :data:`STALE_UNLOCKED_SECONDS`. A topic's old report set aside by a swap that died half way
    (``<staging>.old``, only where the atomic exchange is not available) is moved back to ``<root>/<topic>``
    when that is missing, else removed."""
    part = Path(root) / PARTIAL
    try:
        entries = sorted(os.scandir(part), key=lambda e: e.name.endswith(".old"))  # dead stagings first
    except OSError:
        return []
    now, done = time.time(), []
    for e in entries:
        try:
            if e.name.endswith(".old"):
                owner = e.path[:-len(".old")]  # the staging folder that was being swapped in
                if os.path.lexists(owner) and not _is_leftover(owner, now):
                    continue  # its swap is live
                target = Path(root) / re.sub(r"\.[0-9a-f]{8}$", "", e.name[:-len(".old")])
                if not os.path.lexists(target):
                    os.rename(e.path, target)
                else:
                    shutil.rmtree(e.path, ignore_errors=True)
            elif not _is_leftover(e.path, now):
                continue
            elif e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
            done.append(Path(e.path))
        except OSError:
            continue  # removed or renamed meanwhile, or not ours to remove
    return done


def _partial_dir(root: Path) -> Path:
    part = Path(root) / PARTIAL
    try:
        part.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(e.errno, f"cannot write the reports folder {root} ({e.strerror}); set XMODAL_REPORTS to a "
                               f"writable folder", str(part)) from e
    return part


def _write_atomic(path: Path, write: Callable[[Any], None], root: Path) -> None:
    """Write ``path`` through ``write(binary file)``: into a locked temporary file of ``<root>/.partial/`` (mode
    ``0o666 & ~umask``), flushed to disk, then put over ``path`` with ``os.replace`` — a reader sees the old file or
    the new one, and a full disk or a kill leaves the old one. ``path`` must be on ``root``'s filesystem."""
    part = _partial_dir(root)
    while True:
        tmp = part / f"{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            _lock(f.fileno())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
#: errors of renameat2 that mean "no atomic exchange here" (old kernel or libc, a filesystem without it)
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


def _exchange(a: Path, b: Path) -> None:
    """Exchange the paths ``a`` and ``b`` in one step: Linux's ``renameat2(..., RENAME_EXCHANGE)`` (kernel 3.15,
    glibc 2.28; ext4, XFS, btrfs, tmpfs, overlayfs...). OSError with an errno of :data:`_NO_EXCHANGE` where the
    system or the filesystem cannot."""
    fn = None
    if sys.platform.startswith("linux"):
        try:
            fn = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):
            fn = None
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(a))
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap_in(staging: Path, target: Path) -> None:
    """Make the folder ``staging`` (a complete report) the folder ``target``, replacing what was there.

    POSIX renames a folder atomically only over a missing or empty one. So a missing ``target`` is one
    ``rename``; an existing one is exchanged with ``staging`` in one step (:func:`_exchange`) and the old report,
    now at ``staging``'s name in ``.partial/``, is removed: at every instant a reader that opens
    ``<root>/<topic>/...`` finds the old folder or the new one, whole (only a listing begun on the old folder just
    before the exchange can see it emptied as it is removed). Where the exchange is not available (not Linux, NFS,
    some FUSE filesystems), the old folder is renamed aside (``<staging>.old``), the new one renamed in, and the old
    one removed; if the second rename fails, the old folder is renamed back. For the instant between those two
    renames the topic is missing (a reader lists one topic fewer, never a half report); a process killed just then
    leaves ``<staging>.old``, which the next clean-up (:func:`_clean_partial`) renames back."""
    try:
        os.rename(staging, target)
        return
    except OSError as e:
        if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    try:
        _exchange(staging, target)
    except OSError as e:
        if e.errno not in _NO_EXCHANGE:
            raise
        aside = staging.with_name(staging.name + ".old")
        os.rename(target, aside)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        shutil.rmtree(staging, ignore_errors=True)  # the old report


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a folder
        pass
    finally:
        os.close(fd)


def _discard(staging: Path, fd: int, pid: int) -> None:
    """Remove a staging folder that was never saved (the Report was dropped, or the interpreter exits)."""
    if os.getpid() != pid:  # a forked child exiting must not remove its parent's staging folder
        return
    try:
        os.close(fd)
    except OSError:
        pass
    shutil.rmtree(staging, ignore_errors=True)


@dataclass
class Report:
    """Collects the outputs of one notebook; ``topic`` is the notebook stem, e.g. ``"01_platos_cave"``.

    Figures and tables go to a private staging folder (:attr:`dir`: ``<root>/.partial/<topic>/``, or
    ``<topic>.<random>/`` beside another live run of the topic; created on first use); :meth:`save` completes it
    and swaps it in as ``<root>/<topic>/`` (:attr:`path`) in one step. Until then ``<root>/<topic>/`` holds the
    previous report, unchanged, and it keeps it when the run fails, the disk fills or the process is killed. A
    staging folder never saved is removed when its Report is garbage-collected or the interpreter exits, and by the
    next report or index of that root when the process was killed. A figure or table added after :meth:`save` goes
    into a new staging folder copied from the saved report, which is swapped in at once (the report saved again,
    ``results.json`` listing it)."""

    topic: str
    title: str = ""
    scale: str = "default"
    outcomes: list[Outcome] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    captions: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    _root: Path | None = field(default=None, init=False, repr=False, compare=False)
    _staging: Path | None = field(default=None, init=False, repr=False, compare=False)
    _lock_fd: int | None = field(default=None, init=False, repr=False, compare=False)
    _finalizer: Any = field(default=None, init=False, repr=False, compare=False)
    _saved: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.topic, str) or not self.topic or self.topic.startswith(".") \
                or Path(self.topic).name != self.topic or "\\" in self.topic:
            raise ValueError(f"Report: the topic {self.topic!r} is not a folder name (no path separator, no leading "
                             f"'.'); use the notebook's stem, e.g. '01_platos_cave'")

    @property
    def path(self) -> Path:
        """``<root>/<topic>``: the topic's folder, where readers find the last saved report."""
        return (self._root or reports_root(self.scale)) / self.topic

    @property
    def dir(self) -> Path:
        """The folder this report's files are being written to: its staging folder until :meth:`save`."""
        if self._staging is None:
            self._open()
        return self._staging

    def _open(self) -> None:
        root = self._root or reports_root(self.scale)
        part = _partial_dir(root)
        _clean_partial(root)
        # ``.partial/<topic>``: the same path every run (the paths a notebook displays do not change between runs);
        # ``.partial/<topic>.<random>`` while another run of this topic into this root holds that one
        names = [self.topic] + [f"{self.topic}.{secrets.token_hex(4)}" for _ in range(100)]
        for name in names:
            staging = part / name
            try:
                os.mkdir(staging)  # mode 0o777 & ~umask: it becomes the topic's folder
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - 101 live runs of one topic
            raise FileExistsError(f"{part}: no free staging folder for {self.topic}; remove the folder's leftovers")
        fd = os.open(staging, os.O_RDONLY)
        _lock(fd)
        self._root, self._staging, self._lock_fd = root, staging, fd
        self._finalizer = weakref.finalize(self, _discard, staging, fd, os.getpid())
        if self._saved and self.path.is_dir():
            shutil.copytree(self.path, staging, dirs_exist_ok=True)

    def figure(self, fig, name: str, pdf: bool = True, caption: str | None = None) -> Path:
        """Save ``fig`` as ``<name>.png`` (and ``.pdf``) with deterministic metadata; return the PNG path (in the
        staging folder until the report is saved).

        ``caption`` (what the figure shows, what the error bars are) goes under the figure in the report
        page; without one, the figure's own titles are used."""
        set_theme()
        _plain_name(name, "figure", f"report {self.topic}")
        self.captions[name] = caption or _figure_titles(fig)
        png = self.dir / f"{name}.png"
        fig.savefig(png, metadata={"Software": None})
        if pdf:
            fig.savefig(self.dir / f"{name}.pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None})
        if name not in self.figures:
            self.figures.append(name)
        return self._saved_again(png)

    def table(self, df, name: str, floatfmt: str = ".3f", index: bool = False) -> Path:
        """Save a pandas DataFrame as ``<name>.csv`` and ``<name>.md``; return the Markdown path (in the staging
        folder until the report is saved)."""
        _plain_name(name, "table", f"report {self.topic}")
        csv = self.dir / f"{name}.csv"
        df.to_csv(csv, index=index, float_format="%.6g")
        md = self.dir / f"{name}.md"
        md.write_text(df.to_markdown(index=index, floatfmt=floatfmt) + "\n")
        if name not in self.tables:
            self.tables.append(name)
        return self._saved_again(md)

    def _saved_again(self, written: Path) -> Path:
        """After :meth:`save`, a figure or table is swapped in at once (the report is saved again), as it used to
        appear at once in the topic's folder (notebook 01 adds ``verdict_changes`` after its save); returns where
        ``written`` is now."""
        if not self._saved:
            return written
        self.save()
        return self.path / written.name

    def add(self, *outcomes: Outcome) -> None:
        """Record (or replace, by id) judged claims / checks from a :class:`xmodal.claims.Registry`."""
        for o in outcomes:
            if not isinstance(o, Outcome):
                raise TypeError(f"Report.add takes Outcomes from Registry.judge, got {type(o).__name__}")
            self.outcomes = [x for x in self.outcomes if x.id != o.id] + [o]

    def claims_frame(self):
        """The recorded outcomes as a table (claim, statement, paper, ours, verdict, evidence)."""
        return Registry.frame(self.outcomes)

    def save(self) -> Path:
        """Write ``results.json``, ``claims.md`` and the topic's page ``README.md`` into the staging folder, flush
        it to disk and swap it in as ``<root>/<topic>/`` (:func:`_swap_in`); return ``<root>/<topic>/results.json``.
        Should this fail (a full disk), the previous report stays and the staging folder is kept for a retry."""
        from .runtime import numerics_environment

        payload = _clean({"topic": self.topic, "title": self.title, "scale": self.scale,
                          "deviations": self.deviations, "claims": [o.as_dict() for o in self.outcomes],
                          "tables": self.tables, "figures": self.figures, "captions": self.captions,
                          "extra": self.extra,
                          "numerics": numerics_environment()})
        d = self.dir
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
        (d / "results.json").write_text(text)
        if self.outcomes:
            (d / "claims.md").write_text(self.claims_frame().to_markdown(index=False) + "\n")
        (d / "README.md").write_text(_topic_page({**json.loads(text), "_dir": d}))
        for f in sorted(d.rglob("*")):
            if f.is_file() and not f.is_symlink():
                _fsync(f)
        _fsync(d)
        target = self.path
        _swap_in(d, target)
        _fsync(target.parent)
        self._finalizer.detach()
        os.close(self._lock_fd)
        self._staging = self._lock_fd = self._finalizer = None
        self._saved = True
        return target / "results.json"


def _figure_titles(fig) -> str:
    """The suptitle and axis titles of a matplotlib figure, joined (the fallback caption)."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    parts += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "; ".join(dict.fromkeys(t.strip() for t in parts if t.strip()))


#: tables longer than this many rows are linked from a report page, not inlined
INLINE_ROWS = 25
_VERDICT_COLOURS = {"reproduced": "#4daf4a", "partly reproduced": "#fdbf6f", "not reproduced": "#e41a1c",
                    "inconclusive": "#bdbdbd", "not testable": "#80b1d3"}


#: how to read the direction and seeds-needed columns (the index prints it above the all-claims table)
DIRECTION_LEGEND = ("*Direction*: where the evidence points — *for* the paper, *against* it, *mixed* (some parts each "
                    "way) or a *tie* (an estimate sits on its registered value); for an inconclusive claim it is where "
                    "the point estimates lean. *Seeds needed*: for an inconclusive claim, about how many seeds would "
                    "decide every open part if the estimates and their spread held (*not reachable*: more seeds "
                    "cannot decide it).")


def _cell(v) -> str:
    return "" if v is None else str(v).replace("|", "/").replace("\n", " ")


def _load_results(root: Path) -> list[dict]:
    """Every ``<root>/<topic>/results.json`` (hidden folders skipped), with ``_dir`` its folder. Its table and
    figure names must be plain file names: the index reads ``<topic>/<table>.md`` and links ``<figure>.png``, and a
    name like ``../../secret`` (a report merged from elsewhere) would reach outside the topic's folder."""
    out = []
    for res in sorted(root.glob("*/results.json")):
        if res.parent.name.startswith("."):
            continue
        try:
            data = json.loads(res.read_text())
        except ValueError as e:
            raise ValueError(f"{res}: not a valid results.json ({e}); rerun its notebook or remove the folder") from e
        if not isinstance(data, dict):
            raise ValueError(f"{res}: holds {type(data).__name__}, not a report; rerun its notebook or remove the "
                             f"folder")
        for what in ("table", "figure"):
            names = data.get(what + "s") or []
            if not isinstance(names, list):
                raise ValueError(f"{res}: {what}s is {type(names).__name__}, not a list of names")
            for name in names:
                _plain_name(name, what, res)
        data["_dir"] = res.parent
        out.append(data)
    return out


def _paper_claims(data: dict) -> list[dict]:
    return [c for c in data.get("claims", []) if c.get("kind", "claim") == "claim"]


def verdict_figure(results: list[dict]):
    """The summary figure: one row per paper, one cell per paper claim, coloured by its verdict."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    rows = [(d["topic"], _paper_claims(d)) for d in results if _paper_claims(d)]
    width = max((len(cs) for _, cs in rows), default=1)
    fig, ax = plt.subplots(figsize=(1.0 + 0.95 * width + 2.2, 0.55 * len(rows) + 1.3))
    for r, (topic, cs) in enumerate(rows):
        for k, c in enumerate(cs):
            ax.add_patch(Rectangle((k, -r - 1), 0.94, 0.9, color=_VERDICT_COLOURS.get(c["verdict"], "white")))
            ax.text(k + 0.47, -r - 0.55, c["id"].split("-", 1)[1], ha="center", va="center", fontsize=9)
    ax.set_xlim(0, width), ax.set_ylim(-len(rows), 0)
    ax.set_yticks([-r - 0.55 for r in range(len(rows))], [t for t, _ in rows], fontsize=9)
    ax.set_xticks([]), ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.legend(handles=[Patch(color=c, label=v) for v, c in _VERDICT_COLOURS.items()], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Every paper claim by verdict (cell = claim number)", fontsize=10)
    return fig


def _topic_page(data: dict) -> str:
    """``reports/<topic>/README.md``: claims with rules and evidence, deviations, figures with captions, tables."""
    d, topic = data["_dir"], data["topic"]
    lines = [f"# {topic}: {data.get('title', '')}", "",
             f"Generated from [`notebooks/{topic}.ipynb`](../../notebooks/{topic}.ipynb) at scale "
             f"`{data.get('scale')}`; do not edit by hand. [All reports](../README.md).", ""]
    env = data.get("numerics") or {}
    if env:
        lines += [f"Numerics: torch {env.get('torch')} (CPU capability {env.get('torch_cpu_capability')}), "
                  f"BLAS {', '.join(env.get('blas') or []) or 'none found'}, numpy {env.get('numpy')}.", ""]
    if data.get("claims"):
        lines += ["## Claims", "", "| claim | statement | paper | ours | verdict | direction | seeds needed |",
                  "|---|---|---|---|---|---|---|"]
        for c in data["claims"]:
            lines.append(f"| {c['id']} | {_cell(c['statement'])} | {_cell(c.get('paper_value'))} | "
                         f"{_cell(c.get('our_value'))} | {verdict_icon(c['verdict'])} {c['verdict']} | "
                         f"{_cell(c.get('direction'))} | {seeds_text(c)} |")
        lines.append("")
        for c in data["claims"]:
            lines += [f"- **{c['id']}** rule: {_cell(c.get('rule'))}  ", f"  evidence: {_cell(c.get('evidence'))}"]
        lines.append("")
    if data.get("deviations"):
        lines += ["## Deviations from the paper", ""] + [f"- {x}" for x in data["deviations"]] + [""]
    caps = data.get("captions") or {}
    if data.get("figures"):
        lines += ["## Figures", ""]
        for k, fgr in enumerate(data["figures"], 1):
            lines += [f"![{fgr}]({fgr}.png)", "", f"*Figure {k} ({fgr}).* {caps.get(fgr, '')}".rstrip(), ""]
    if data.get("tables"):
        lines += ["## Tables", ""]
        for t in data["tables"]:
            md = d / f"{t}.md"
            if not md.exists():
                continue
            body = md.read_text().rstrip()
            n = max(0, body.count("\n") - 1)
            if n <= INLINE_ROWS:
                lines += [f"### {t}", "", body, "", f"([csv]({t}.csv))", ""]
            else:
                lines += [f"- [{t}]({t}.md) — {n} rows ([csv]({t}.csv))"]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_index(root: Path | None = None) -> Path:
    """Build ``<root>/README.md`` — results at a glance (tally per verdict and per paper, the summary figure
    ``verdicts.png``, one table of every paper claim) — and one page per topic, ``<root>/<topic>/README.md``,
    with the rules, evidence, deviations, captioned figures and tables. Each file is replaced whole
    (:func:`_write_atomic`); a ``results.json`` that is not valid JSON, or whose table or figure names are not
    plain file names, is refused (ValueError naming the file) before anything is written."""
    root = Path(root) if root else reports_root()
    _clean_partial(root)
    results = _load_results(root)
    claims = [(d, c) for d in results for c in _paper_claims(d)]
    lines = ["# Reports", "", "Generated by `make reproduce` from the executed notebooks; do not edit by hand.", ""]
    if claims:
        verdicts = [c["verdict"] for _, c in claims]
        counts = {v: verdicts.count(v) for v in VERDICTS if verdicts.count(v)}
        lines += ["## Results at a glance", "",
                  "Paper claims by verdict: " + ", ".join(f"{verdict_icon(k)} {k}: {n}" for k, n in counts.items()), "",
                  "| paper | " + " | ".join(f"{verdict_icon(v)} {v}" for v in VERDICTS) + " |",
                  "|---|" + "---|" * len(VERDICTS)]
        for d in results:
            vs = [c["verdict"] for c in _paper_claims(d)]
            if vs:
                lines.append(f"| [{d['topic']}]({d['topic']}/README.md) | " + " | ".join(
                    str(vs.count(v)) if vs.count(v) else "" for v in VERDICTS) + " |")
        set_theme()  # before the figure exists, so the project's theme applies to it
        fig = verdict_figure(results)
        _write_atomic(root / "verdicts.png", lambda f: fig.savefig(f, format="png", metadata={"Software": None}), root)
        import matplotlib.pyplot as plt

        plt.close(fig)
        lines += ["", "![verdicts](verdicts.png)", "",
                  "*Summary figure.* One row per paper, one cell per paper claim (the number is the claim's), "
                  "coloured by the verdict its registered rule gave; sanity checks are not counted.", "",
                  "## Every paper claim", "", DIRECTION_LEGEND, "",
                  "| paper | claim | statement | paper value | ours | verdict | direction | seeds needed |",
                  "|---|---|---|---|---|---|---|---|"]
        for d, c in claims:
            lines.append(f"| [{d['topic']}]({d['topic']}/README.md#claims) | {c['id']} | {_cell(c['statement'])} | "
                         f"{_cell(c.get('paper_value'))} | {_cell(c.get('our_value'))} | "
                         f"{verdict_icon(c['verdict'])} {c['verdict']} | {_cell(c.get('direction'))} | "
                         f"{seeds_text(c)} |")
        lines.append("")
    checks = [(d, c) for d in results for c in d.get("claims", []) if c.get("kind", "claim") != "claim"]
    if checks:
        lines += ["## Sanity checks (not paper claims)", "", "| topic | check | statement | ours | verdict |",
                  "|---|---|---|---|---|"]
        lines += [f"| {d['topic']} | {c['id']} | {_cell(c['statement'])} | {_cell(c.get('our_value'))} | "
                  f"{verdict_icon(c['verdict'])} {c['verdict']} |" for d, c in checks]
        lines.append("")
    lines += ["## Reports per notebook", ""]
    for d in results:
        page = _topic_page(d).encode()
        _write_atomic(d["_dir"] / "README.md", lambda f: f.write(page), root)
        lines.append(f"- [{d['topic']}]({d['topic']}/README.md): {d.get('title', '')} — scale `{d.get('scale')}`, "
                     f"{len(d.get('figures', []))} figures, {len(d.get('tables', []))} tables "
                     f"([notebook](../notebooks/{d['topic']}.ipynb))")
    out, text = root / "README.md", ("\n".join(lines) + "\n").encode()
    _write_atomic(out, lambda f: f.write(text), root)
    return out


def watermark(scale: str, packages=("numpy", "scipy", "torch", "scikit-learn", "trimesh", "open_clip_torch", "pandas",
                                   "matplotlib")) -> str:
    """Versions of the key packages, Python, the scale used and the numerics environment (torch's CPU kernel
    capability, the BLAS libraries and their architecture) — the notebooks' last cell."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from .version import __version__

    lines = [f"xmodal {__version__} | scale {scale} | Python {platform.python_version()} | {platform.machine()}"]
    for p in packages:
        try:
            lines.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            lines.append(f"{p} (not installed)")
    from .runtime import numerics_environment

    env = numerics_environment()
    lines.append(f"numerics: torch CPU capability {env['torch_cpu_capability']}"
                 f"{' (ATEN_CPU_CAPABILITY=' + env['ATEN_CPU_CAPABILITY'] + ')' if env['ATEN_CPU_CAPABILITY'] else ''}"
                 f"; BLAS {', '.join(env['blas']) or 'none found'}")
    return "\n".join(lines)
