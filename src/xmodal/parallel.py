"""One way to run independent jobs in worker processes: :func:`parallel_map`.

Used by the world build (one job per category), the 3D pre-training runs of notebook 01, the WPCE heads of
notebook 02, the classifiers and mapping networks of notebook 03 and the pre-training runs of notebook 05.
Workers are started with *spawn* (the parent may hold torch/OpenMP threads — a notebook kernel — which fork
can deadlock), run one OpenMP thread each, die with their parent, even after a ``kill -9`` of it, and start
with the project's malloc setting (:func:`xmodal.runtime.malloc_tunable`). Each job is seeded by its own arguments and runs under the
scale's runtime policy (one thread), so a parallel run gives the bits of a serial one (tested).

Where processes cannot work — a script's unguarded top level (spawn re-imports the main script), a main
module read from stdin, a pool that breaks — the map runs in this process with a ``RuntimeWarning`` that
says why and what to do.
"""
from __future__ import annotations

import ast
import multiprocessing
import os
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .progress import progress

__all__ = ["parallel_map", "fill_cache", "default_workers", "worker_context"]

#: what :func:`fill_cache` handed this worker process (``context=``); empty in the parent
_CONTEXT: dict = {}


def worker_context() -> dict:
    """The ``context`` dict :func:`fill_cache` gave this worker: the large inputs every job shares, sent once per
    worker instead of once per job (empty outside a pool)."""
    return _CONTEXT


def _set_context(context: dict) -> None:
    _CONTEXT.clear()
    _CONTEXT.update(context)


def default_workers(n_jobs: int | None = None) -> int:
    """``min(2, cores, n_jobs)`` (at least 1; cores: :func:`xmodal.runtime.cpu_cores`): the machine this project
    budgets for has 2 cores and one thread per process was measured fastest. ``$XMODAL_WORKERS`` overrides (a
    whole number >= 1); more than the cores is capped at them with a ``RuntimeWarning``. The worker count
    changes no bits (each job is seeded by its own arguments and runs one thread) and is in no cache key."""
    from .runtime import cap_to_cores, cpu_cores, env_int

    raw = os.environ.get("XMODAL_WORKERS", "").strip()
    w = env_int("XMODAL_WORKERS", min(2, cpu_cores()), 1)
    if raw:
        w = cap_to_cores(w, f"XMODAL_WORKERS={raw}")
    return max(1, min(w, n_jobs)) if n_jobs is not None else w


def _worker_init(parent_pid: int, initializer=None, initargs: tuple = ()) -> None:
    """Initializer of every pool worker (then ``initializer(*initargs)``, if given): they die with their parent, even after a ``kill -9`` of it.

    On Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill the worker when its parent goes;
    everywhere a daemon thread also checks ``os.getppid()`` every second (the parent may already be gone
    before the prctl call, or prctl may be unavailable).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except Exception:  # pragma: no cover - no libc / no prctl: the watchdog below suffices
            pass
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="xmodal-parent-watchdog", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _is_main_guard(test: ast.expr) -> bool:
    """Whether ``test`` is ``__name__ == "__main__"`` (either order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


def _unguarded_main_call() -> str | None:
    """``"file:line"`` of the main script's top-level statement that (directly or not) called us outside an
    ``if __name__ == "__main__":`` block, else ``None``.

    Spawned workers import the main script again (as ``__mp_main__``); its unguarded top-level code then runs
    in every worker, starts processes during their bootstrap and breaks the pool (``BrokenProcessPool``).
    Notebook kernels, ``python -c`` and guarded scripts are fine.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not os.path.isfile(path):
        return None
    f = sys._getframe(1)
    while f is not None and not (f.f_globals is vars(main) and f.f_code.co_name == "<module>"):
        f = f.f_back
    if f is None:
        return None
    line = f.f_lineno
    try:
        tree = ast.parse(Path(path).read_text(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_guard(node.test) and node.lineno <= line <= (node.end_lineno or line):
            return None
    return f"{path}:{line}"


def _main_not_importable() -> str | None:
    """The main module's path when spawned workers could not re-import it (a script read from stdin)."""
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return main if main and not os.path.exists(main) else None


def parallel_map(fn, jobs: list, workers: int, desc: str, unit: str = "job", initializer=None,
                 initargs: tuple = ()) -> list:
    """``[fn(j) for j in jobs]`` in ``workers`` spawned processes (results in the order of ``jobs``), or in
    this process — with a warning — when processes cannot work: an unguarded main script, a main module read
    from stdin, or a broken pool. ``fn`` and ``initializer`` must be importable (module-level) functions;
    ``initializer(*initargs)`` runs once in each worker (and once here before a serial fallback)."""
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    jobs = list(jobs)
    workers = min(int(workers), max(1, len(jobs)))
    if workers > 1:
        where, why = _unguarded_main_call(), None
        if where is not None:
            why = (f"called from the top level of the script {where} outside an `if __name__ == \"__main__\":` "
                   f"block; worker processes would re-run that script and fail, so this runs in one process (slower). "
                   f"Put the script's top-level code under `if __name__ == \"__main__\":` to use {workers} workers.")
        elif _main_not_importable() is not None:
            why = (f"the main module {_main_not_importable()!r} cannot be re-imported by spawned workers (a script "
                   "read from stdin?); running in one process (slower). Save the script to a file to use workers.")
        if why is not None:
            warnings.warn(f"{desc}: {why}", RuntimeWarning, stacklevel=2)
            workers = 1
    if workers > 1:
        from .runtime import malloc_tunable

        had = "GLIBC_TUNABLES" in os.environ
        os.environ["GLIBC_TUNABLES"] = malloc_tunable()  # the workers start with it (same bits)
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_worker_init, initargs=(os.getpid(), initializer, tuple(initargs))) as ex:
                return list(progress(ex.map(fn, jobs), total=len(jobs), desc=desc, unit=unit))
        except BrokenProcessPool as e:
            warnings.warn(f"{desc}: the worker processes died ({e}); running in one process instead. If this is "
                          "a script, put its top-level code under `if __name__ == \"__main__\":`.",
                          RuntimeWarning, stacklevel=2)
        finally:
            if not had:
                os.environ.pop("GLIBC_TUNABLES", None)
    if initializer is not None:
        initializer(*initargs)
    return [fn(j) for j in progress(jobs, desc=desc, unit=unit)]


def fill_cache(jobs: list, is_done, fn, workers: int | None = None, *, desc: str, unit: str = "job", order=None,
               initializer=None, initargs: tuple = (), context: dict | None = None) -> dict:
    """Run ``fn`` in a pool over the jobs that ``is_done(job)`` says are not cached yet; ``{index in jobs: result}``.

    ``fn`` writes its job's cache entries (the caller then reads every job, cached or just run, in its own
    order). Nothing runs here when fewer than two jobs are left or ``workers`` (default
    :func:`default_workers` of the jobs left) is 1: the caller computes them itself, as a serial run would.
    ``order``: an optional sort key for the jobs left (e.g. the longest first, so the workers end together);
    each job is seeded by its own arguments, so the order changes no bits. ``context``: a dict every worker
    receives once (``fn`` reads it with :func:`worker_context`), instead of an ``initializer`` of its own.
    """
    if context is not None and initializer is not None:
        raise ValueError("fill_cache takes either context= or initializer=, not both")
    if context is not None:
        initializer, initargs = _set_context, (dict(context),)
    jobs = list(jobs)
    todo = [i for i, j in enumerate(jobs) if not is_done(j)]
    workers = default_workers(len(todo)) if workers is None else workers
    if workers < 2 or len(todo) < 2:
        return {}
    if order is not None:
        todo.sort(key=lambda i: order(jobs[i]))
    try:
        out = parallel_map(fn, [jobs[i] for i in todo], workers, desc=desc, unit=unit, initializer=initializer,
                           initargs=initargs)
    finally:
        if context is not None:  # a serial fallback installed it here: release the arrays
            _CONTEXT.clear()
    return dict(zip(todo, out))
