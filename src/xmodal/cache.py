"""On-disk cache for expensive steps (datasets, frozen features, pre-trained weights).

Entries live under ``$XMODAL_CACHE`` (default ``~/.cache/xmodal``) as ``<name>/<key>.npz``. Each entry is one
file that carries its own manifest (shape, dtype and SHA-256 of every array, stored in the archive as the member
``__manifest__``), so data and manifest are always written and replaced together: two processes that write the
same key at once each leave a whole, self-consistent file and the last ``os.replace`` wins. Keys hash the code
version and the parameters (array parameters by dtype, shape and bytes). Writes are atomic (temporary file +
``os.replace``) and create files with mode ``0o666 & ~umask`` (folders ``0o777 & ~umask``) like any other file the
user writes, so that a cache shared by a group (umask 002, or a default ACL) is readable by all its users. A write
that fails (disk full, no permission) warns, naming the entry and ``XMODAL_CACHE``: the cache is an optimisation, and
:func:`cached_arrays` returns what it has built either way (it never re-reads a file another writer may have replaced
meanwhile). Loads verify the manifest and a corrupt, partial or malformed entry is rebuilt with a
warning, never silently used. Temporary files left behind by an interrupted write (``.<key>.npz.*.tmp``) are
removed by the next write or load in their folder once they are older than :data:`STALE_TMP_SECONDS` and no live
writer holds their lock.

The manifest guards against damage, not against people: whoever can write the cache folder can write an entry
with a matching manifest, so a cache writable by others can forge any cached result.

Entries of the previous layout (``<key>.npz`` plus a ``<key>.json`` manifest) are still read and verified.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
import warnings
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from .version import __version__

__all__ = ["cache_dir", "cache_key", "code_hash", "cached_arrays", "load_arrays", "save_arrays", "CacheError",
           "CacheLocationError", "project_root"]

#: Bump when a change of code alters what a cached step produces without changing its parameters.
CACHE_FORMAT = 1
#: A temporary file of an interrupted write older than this (seconds) is removed (unless a live writer locks it).
STALE_TMP_SECONDS = 15 * 60
_MANIFEST = "__manifest__"  # the archive member holding an entry's manifest (JSON as uint8 bytes)

try:  # advisory locks of live writers' temporary files (POSIX); elsewhere only the age rule applies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class CacheError(RuntimeError):
    """A cache entry is missing, partial or corrupt."""


class CacheLocationError(CacheError):
    """``$XMODAL_CACHE`` names a place that cannot hold the cache; the message says what to do."""


def project_root() -> Path | None:
    """The source checkout this package runs from (the folder with ``pyproject.toml`` above ``src/xmodal``),
    or ``None`` for an installed (non-editable) package."""
    here = Path(__file__).resolve().parent  # .../src/xmodal
    for cand in (here.parent.parent, here.parent):
        if (cand / "pyproject.toml").is_file():
            return cand
    return None


_RESOLVED: dict[str, Path] = {}


def _resolve_cache_root(raw: str) -> Path:
    """``$XMODAL_CACHE`` as an absolute path, resolved once per value (see :func:`cache_dir`)."""
    if raw in _RESOLVED:
        return _RESOLVED[raw]
    p = Path(raw).expanduser()
    if not p.is_absolute():
        root = project_root()
        if root is None:
            raise CacheLocationError(
                f"XMODAL_CACHE={raw!r} is a relative path and xmodal is not running from a source checkout to "
                "resolve it against; set XMODAL_CACHE to an absolute path (e.g. export XMODAL_CACHE=$HOME/.cache/xmodal)")
        p = root / p
    p = Path(os.path.abspath(p))
    _RESOLVED[raw] = p
    return p


def cache_dir() -> Path:
    """The cache root, an absolute path (created when missing).

    ``$XMODAL_CACHE`` when set and not empty, else ``~/.cache/xmodal``. A relative ``$XMODAL_CACHE`` is resolved
    against the project root (the folder holding ``pyproject.toml``), never against the current directory, so
    that a notebook run by papermill from ``notebooks/`` and ``make`` at the top share one cache; without a
    source checkout a relative value is rejected. A value that names a file, or a folder that cannot be created
    or written, raises :class:`CacheLocationError` naming ``XMODAL_CACHE`` and saying what to do.
    """
    raw = os.environ.get("XMODAL_CACHE", "").strip()
    root = _resolve_cache_root(raw) if raw else Path.home() / ".cache" / "xmodal"
    src = f"XMODAL_CACHE={raw!r}" if raw else "the default cache folder"
    fix = ("point XMODAL_CACHE at a writable folder (absolute path), e.g. export XMODAL_CACHE=$HOME/.cache/xmodal"
           if raw else "set XMODAL_CACHE to a writable folder (absolute path)")
    if root.exists() and not root.is_dir():
        raise CacheLocationError(f"{src} resolves to {root}, which is a file, not a folder; {fix}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CacheLocationError(f"{src}: cannot create the cache folder {root} ({type(e).__name__}: {e}); {fix}") from e
    if not os.access(root, os.W_OK | os.X_OK):
        raise CacheLocationError(f"{src}: the cache folder {root} is not writable; {fix}")
    return root


def _key_default(o):
    """JSON fallback of :func:`cache_key`: arrays (numpy or torch) by dtype, shape and content hash; else str."""
    if hasattr(o, "detach") and hasattr(o, "cpu") and hasattr(o, "numpy"):  # torch.Tensor without importing torch
        o = o.detach().cpu().numpy()
    if isinstance(o, np.ndarray):
        if o.dtype == object:
            return {"__ndarray__": "object", "shape": list(o.shape), "items": o.tolist()}
        return {"__ndarray__": str(o.dtype), "shape": list(o.shape), "sha256": _digest(o)}
    return str(o)


def cache_key(params: Mapping) -> str:
    """Hex key of ``params`` (JSON-serialisable) together with the package version and cache format.

    Values JSON cannot encode fall back to ``str`` — except arrays (numpy or torch), which are keyed by their
    dtype, shape and the SHA-256 of their bytes (``str`` would abbreviate a large array with ``...``).
    """
    blob = json.dumps({"v": __version__, "fmt": CACHE_FORMAT, "p": params}, sort_keys=True, default=_key_default)
    return hashlib.sha256(blob.encode("utf8")).hexdigest()[:20]


def code_hash(*modules: str) -> str:
    """SHA-256 (16 hex) of the source of the named modules/packages (every ``.py`` file of a package).

    Put it in a step's ``params`` so that editing the code that produces a cached result invalidates it:
    ``cached_arrays("world", {..., "code": code_hash("xmodal.world", "xmodal.data.world")}, build)``.
    """
    import importlib.util

    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"code_hash: no module named {name!r}")
        if spec.submodule_search_locations:  # a package: all of its files, in a stable order
            root = Path(list(spec.submodule_search_locations)[0])
            files = sorted(root.rglob("*.py"))
        else:
            root, files = Path(spec.origin).parent, [Path(spec.origin)]
        for f in files:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).view(np.uint8).reshape(-1).data).hexdigest()


def _clean_stale_tmp(folder: Path, max_age: float | None = None) -> list[Path]:
    """Remove the temporary files (``.*.tmp``) of interrupted writes in ``folder``; return those removed.

    A file is removed only when it is older than ``max_age`` seconds (default :data:`STALE_TMP_SECONDS`) *and*
    (where ``fcntl`` exists) no live writer holds its lock: :func:`_atomic_write` keeps an exclusive ``flock`` on
    its temporary file from creation to rename, so a slow but live write is never deleted.
    """
    max_age = STALE_TMP_SECONDS if max_age is None else max_age
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for e in entries:
        if not (e.name.startswith(".") and e.name.endswith(".tmp")):
            continue
        try:
            if not e.is_file(follow_symlinks=False) or now - e.stat(follow_symlinks=False).st_mtime < max_age:
                continue
            if fcntl is not None:
                fd = os.open(e.path, os.O_RDONLY)
                try:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        continue  # a live writer holds it
                    os.unlink(e.path)
                finally:
                    os.close(fd)
            else:  # pragma: no cover - no locks: the age rule alone
                os.unlink(e.path)
            removed.append(Path(e.path))
        except OSError:
            continue  # renamed or removed meanwhile, or another user's file we may not open or remove
    return removed


def _create_tmp(path: Path) -> tuple[int, str]:
    """A new, empty temporary file ``.<name>.<random>.tmp`` beside ``path``: (fd open for writing, its path).

    Created with mode ``0o666`` less the umask (or as a default ACL of the folder says), unlike ``tempfile.mkstemp``'s
    ``0o600``, so that the entry it becomes is readable by the group of a shared cache.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name beside {path}")  # pragma: no cover - 2^48 names


def _atomic_write(path: Path, write: Callable[[object], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_tmp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            if fcntl is not None:  # marks this temporary file as live for _clean_stale_tmp
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            write(f)
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:
                os.replace(tmp, path)  # while still locked: a cleaner never sees an unlocked live file
        if fcntl is None:  # pragma: no cover - Windows cannot rename an open file
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _manifest_of(arrays: Mapping[str, np.ndarray], meta: Mapping | None) -> dict:
    return {
        "format": CACHE_FORMAT,
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "sha256": _digest(v)} for k, v in arrays.items()},
        "meta": dict(meta or {}),
    }


def save_arrays(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping | None = None) -> None:
    """Write ``arrays`` to ``path`` (.npz) atomically, with their manifest inside the same file."""
    path = Path(path)
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for k, v in arrays.items():
        if v.dtype == object:
            raise TypeError(f"cache array {k!r} has dtype object; store strings as fixed-width str")
        if k == _MANIFEST:
            raise ValueError(f"cache array name {_MANIFEST!r} is reserved for the entry's manifest")
    blob = json.dumps(_manifest_of(arrays, meta), indent=1, default=str).encode()
    members = dict(arrays)
    members[_MANIFEST] = np.frombuffer(blob, np.uint8)
    _atomic_write(path, lambda f: np.savez(f, **members))
    legacy = path.with_suffix(".json")  # a manifest of the previous layout would now be stale
    if legacy.exists():
        try:
            legacy.unlink()
        except OSError:
            pass


def _check_manifest(manifest, path: Path) -> dict:
    """The ``arrays`` part of a manifest; :class:`CacheError` when it is not a well-formed one."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("arrays"), dict):
        raise CacheError(f"cache entry {path} has a malformed manifest (expected an object with 'arrays', "
                         f"got {type(manifest).__name__})")
    for k, spec in manifest["arrays"].items():
        if not (isinstance(spec, dict) and isinstance(spec.get("shape"), list) and isinstance(spec.get("dtype"), str)
                and isinstance(spec.get("sha256"), str)):
            raise CacheError(f"cache entry {path}: manifest record of array {k!r} is malformed "
                             "(needs shape, dtype and sha256)")
    return manifest["arrays"]


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Load and verify an entry written by :func:`save_arrays`; raise :class:`CacheError` if it is not whole."""
    path = Path(path)
    mpath = path.with_suffix(".json")
    if not path.exists():
        raise CacheError(f"cache entry {path} is missing or partial (no data file)")
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except Exception as e:  # truncated zip, bad CRC, ...
        raise CacheError(f"cache entry {path} cannot be read: {e}") from e
    try:
        if _MANIFEST in out:
            manifest = json.loads(out.pop(_MANIFEST).tobytes().decode("utf8"))
        elif mpath.exists():  # previous layout: the manifest beside the data
            manifest = json.loads(mpath.read_text())
        else:
            raise CacheError(f"cache entry {path} is missing or partial (no manifest)")
    except CacheError:
        raise
    except Exception as e:  # bad JSON / bytes
        raise CacheError(f"cache entry {path} has an unreadable manifest: {e}") from e
    want = _check_manifest(manifest, path)
    if set(want) != set(out):
        raise CacheError(f"cache entry {path}: arrays {sorted(out)} do not match manifest {sorted(want)}")
    for k, spec in want.items():
        a = out[k]
        if list(a.shape) != spec["shape"] or str(a.dtype) != spec["dtype"] or _digest(a) != spec["sha256"]:
            raise CacheError(f"cache entry {path}: array {k!r} fails its shape/dtype/checksum check")
    return out


def entry_path(name: str, params: Mapping) -> Path:
    """Where :func:`cached_arrays` keeps the entry of step ``name`` for ``params``."""
    return cache_dir() / name / f"{cache_key(params)}.npz"


def is_cached(name: str, params: Mapping) -> bool:
    """Whether :func:`cached_arrays` has an entry for ``params`` (a pool runs only the jobs that lack one)."""
    return entry_path(name, params).exists()


def cached_arrays(
    name: str,
    params: Mapping,
    build: Callable[[], Mapping[str, np.ndarray]],
    rebuild: bool = False,
) -> dict[str, np.ndarray]:
    """Return the arrays ``build()`` makes for ``params``, from the cache when a whole entry exists.

    ``name`` is the step (a folder of the cache), ``params`` everything the result depends on.
    A corrupt entry is reported with a warning and rebuilt; ``rebuild=True`` forces a rebuild. An entry that
    cannot be written (``OSError``: disk full, no permission) is reported with a warning naming it and
    ``XMODAL_CACHE``, and the built arrays are returned all the same.
    """
    path = entry_path(name, params)
    _clean_stale_tmp(path.parent)
    if not rebuild and (path.exists() or path.with_suffix(".json").exists()):
        try:
            return load_arrays(path)
        except CacheError as e:
            warnings.warn(f"{e}; rebuilding it", RuntimeWarning, stacklevel=2)
    arrays = {k: np.asarray(v) for k, v in build().items()}
    try:
        save_arrays(path, arrays, meta={"name": name, "params": dict(params)})
    except OSError as e:  # disk full, quota, no permission: keep the result, lose only the cache entry
        raw = os.environ.get("XMODAL_CACHE", "").strip()
        where = f"XMODAL_CACHE={raw!r}" if raw else "the default cache folder (XMODAL_CACHE is not set)"
        warnings.warn(f"cache entry {path} could not be written ({type(e).__name__}: {e}); the result is returned "
                      f"but not cached, so it will be built again next time. Free space in or fix the permissions "
                      f"of {where}, or point XMODAL_CACHE at another folder", RuntimeWarning, stacklevel=2)
    # What was just built, not a re-read: another process may replace the file meanwhile (issue #10).
    return arrays
