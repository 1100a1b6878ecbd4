"""On-disk cache for expensive steps (datasets, frozen features, pre-trained weights).

Entries live under ``$XMODAL_CACHE`` (default ``~/.cache/xmodal``) as ``<name>/<key>.npz`` plus a
``<key>.json`` manifest holding shape, dtype and SHA-256 of every array. Keys hash the code version and
the parameters. Writes are atomic (temporary file + ``os.replace``); loads verify the manifest and a
corrupt or partial entry is rebuilt with a warning, never silently used.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from .version import __version__

__all__ = ["cache_dir", "cache_key", "code_hash", "cached_arrays", "load_arrays", "save_arrays", "CacheError"]

#: Bump when a change of code alters what a cached step produces without changing its parameters.
CACHE_FORMAT = 1


class CacheError(RuntimeError):
    """A cache entry is missing, partial or corrupt."""


def cache_dir() -> Path:
    """The cache root: ``$XMODAL_CACHE`` or ``~/.cache/xmodal`` (created when missing)."""
    root = Path(os.environ.get("XMODAL_CACHE") or Path.home() / ".cache" / "xmodal").expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_key(params: Mapping) -> str:
    """Hex key of ``params`` (JSON-serialisable) together with the package version and cache format."""
    blob = json.dumps({"v": __version__, "fmt": CACHE_FORMAT, "p": params}, sort_keys=True, default=str)
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


def _atomic_write(path: Path, write: Callable[[object], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_arrays(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping | None = None) -> None:
    """Write ``arrays`` to ``path`` (.npz) and its manifest (.json) atomically; manifest last."""
    path = Path(path)
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for k, v in arrays.items():
        if v.dtype == object:
            raise TypeError(f"cache array {k!r} has dtype object; store strings as fixed-width str")
    _atomic_write(path, lambda f: np.savez(f, **arrays))
    manifest = {
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "sha256": _digest(v)} for k, v in arrays.items()},
        "meta": dict(meta or {}),
    }
    _atomic_write(path.with_suffix(".json"), lambda f: f.write(json.dumps(manifest, indent=1, default=str).encode()))


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Load and verify an entry written by :func:`save_arrays`; raise :class:`CacheError` if it is not whole."""
    path = Path(path)
    mpath = path.with_suffix(".json")
    if not path.exists() or not mpath.exists():
        raise CacheError(f"cache entry {path} is missing or partial (no data or no manifest)")
    try:
        manifest = json.loads(mpath.read_text())
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except Exception as e:  # truncated zip, bad JSON, ...
        raise CacheError(f"cache entry {path} cannot be read: {e}") from e
    want = manifest.get("arrays", {})
    if set(want) != set(out):
        raise CacheError(f"cache entry {path}: arrays {sorted(out)} do not match manifest {sorted(want)}")
    for k, spec in want.items():
        a = out[k]
        if list(a.shape) != spec["shape"] or str(a.dtype) != spec["dtype"] or _digest(a) != spec["sha256"]:
            raise CacheError(f"cache entry {path}: array {k!r} fails its shape/dtype/checksum check")
    return out


def cached_arrays(
    name: str,
    params: Mapping,
    build: Callable[[], Mapping[str, np.ndarray]],
    rebuild: bool = False,
) -> dict[str, np.ndarray]:
    """Return the arrays ``build()`` makes for ``params``, from the cache when a whole entry exists.

    ``name`` is the step (a folder of the cache), ``params`` everything the result depends on.
    A corrupt entry is reported with a warning and rebuilt; ``rebuild=True`` forces a rebuild.
    """
    path = cache_dir() / name / f"{cache_key(params)}.npz"
    if not rebuild and (path.exists() or path.with_suffix(".json").exists()):
        try:
            return load_arrays(path)
        except CacheError as e:
            warnings.warn(f"{e}; rebuilding it", RuntimeWarning, stacklevel=2)
    arrays = {k: np.asarray(v) for k, v in build().items()}
    save_arrays(path, arrays, meta={"name": name, "params": dict(params)})
    return load_arrays(path)
