"""The one runtime policy of the project: how many CPU threads and which device.

Every pipeline enters :func:`use` (a context manager) with its :class:`~xmodal.config.Scale`; it is the
only place in ``src/`` where thread counts are set (torch's intra-op threads and, through threadpoolctl,
the BLAS/OpenMP pools of NumPy, SciPy and scikit-learn), so the frozen encoders, the trainer and the
linear algebra all run under the same policy.

- Threads: ``Scale.threads`` (``ci`` and ``default``: 1 — on the shared 2-core machine one thread per
  process was measured several times faster than two, and a fixed count makes float reductions
  repeatable; ``full``: 0 = leave the machine's defaults). ``$XMODAL_THREADS`` overrides; a count above the
  machine's cores (:func:`cpu_cores`) is capped at them with a ``RuntimeWarning`` (:func:`cap_to_cores`), a
  negative one is an error.
- Memory: processes this project starts (pool workers, notebook kernels of ``tools/``) get
  ``GLIBC_TUNABLES=glibc.malloc.hugetlb=1`` unless the variable is already set (:func:`malloc_env`): glibc
  then backs its large blocks (torch's activations, tens of MB each step) with transparent huge pages,
  which cut the page faults of a PointNet step ~20x and its time by 15-35 % with the same bits
  (``benchmarks/results/bench_malloc.md``). glibc reads the variable only at process start; elsewhere it is
  ignored.
- Device: ``Scale.device`` (``"cpu"`` or ``"auto"`` = CUDA when present); ``$XMODAL_DEVICE`` overrides
  (``cpu``, ``cuda``, ``cuda:1``, ``auto``). Asking for CUDA where there is none is an error, not a
  silent fall-back.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Runtime", "resolve", "use", "apply", "pick_device", "numerics_environment", "numerics_key", "cpu_model",
           "env_int", "cpu_cores", "cap_to_cores", "FAST_MALLOC", "malloc_tunable"]

#: the glibc malloc tunable this project's processes start with (see the module docstring)
FAST_MALLOC = "glibc.malloc.hugetlb=1"


def malloc_tunable() -> str:
    """The ``GLIBC_TUNABLES`` a child process should start with: the caller's value when the variable is set
    (even to ""), else :data:`FAST_MALLOC`. The allocator changes no bits (``make test`` runs its warm half with
    ``GLIBC_TUNABLES=""`` and requires the cold run's results)."""
    return os.environ.get("GLIBC_TUNABLES", FAST_MALLOC)


def env_int(name: str, default: int, minimum: int, meaning: str = "") -> int:
    """The whole number in ``$name``, or ``default`` when it is unset or blank.

    A value that is not a whole number ``>= minimum`` raises ``ValueError`` naming the variable and the value
    (``meaning`` is appended to the rule, e.g. ``" (0: machine default)"``). ``default`` is not checked here.
    """
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        n = int(raw)
    except ValueError:
        n = None
    if n is None or n < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}{meaning}, got {raw!r}")
    return n


def cpu_cores() -> int:
    """The CPU cores this process may run on: its affinity mask where the OS has one (``taskset``, a container's
    cpuset), else ``os.cpu_count()``; at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity API (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def cap_to_cores(n: int, what: str) -> int:
    """``n``, or :func:`cpu_cores` with a ``RuntimeWarning`` naming ``what`` (e.g. ``"XMODAL_WORKERS=1000"``)
    when ``n`` asks for more: more threads or one-thread processes than cores only oversubscribe the machine.
    A pool's size changes no bits (every pool gives a serial run's); a thread count can, which is why it is part
    of every torch-computed cache key (:func:`numerics_key`), so capped and uncapped runs never share entries."""
    cores = cpu_cores()
    if n <= cores:
        return n
    import warnings

    warnings.warn(f"{what} asks for more than the {cores} CPU core(s) this process can use; using {cores}. "
                  f"Set it to at most {cores} (or unset it) to silence this warning.", RuntimeWarning, stacklevel=3)
    return cores


@dataclass(frozen=True)
class Runtime:
    """What :func:`use` applied: ``threads`` (0: the machine's defaults) and ``device`` (a torch device string)."""

    threads: int
    device: str

    @property
    def torch_device(self):
        import torch

        return torch.device(self.device)


def pick_device(want: str = "cpu") -> str:
    """``"cpu"``, ``"cuda[:i]"`` or ``"auto"`` (CUDA when available, else CPU) → a concrete device string.

    ``$XMODAL_DEVICE`` overrides ``want``. A CUDA device that is not available raises ``RuntimeError``.
    """
    import torch

    want = (os.environ.get("XMODAL_DEVICE") or want or "cpu").strip().lower()
    if want == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if want == "cpu":
        return "cpu"
    if want.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {want!r} was asked for (XMODAL_DEVICE or the scale) but CUDA is not "
                               "available here; use XMODAL_DEVICE=cpu or auto")
        return want
    raise ValueError(f"unknown device {want!r}; valid: cpu, cuda, cuda:<i>, auto (XMODAL_DEVICE)")


def _threads(want: int) -> int:
    """The thread count of a scale whose ``Scale.threads`` is ``want``: ``$XMODAL_THREADS`` when set (a whole
    number >= 0, else ``ValueError`` naming the variable), capped at the machine's cores (:func:`cap_to_cores`)."""
    n = env_int("XMODAL_THREADS", want, 0, " (0: machine default)")
    if n < 0:
        raise ValueError(f"threads must be >= 0 (0: machine default), got {n}")
    raw = os.environ.get("XMODAL_THREADS", "").strip()
    return cap_to_cores(n, f"XMODAL_THREADS={raw}" if raw else f"the scale's threads={n}")


def resolve(scale) -> Runtime:
    """The :class:`Runtime` of ``scale`` (a :class:`~xmodal.config.Scale` or its name), overrides applied."""
    from .config import Scale, get_scale

    s = scale if isinstance(scale, Scale) else get_scale(scale)
    return Runtime(_threads(s.threads), pick_device(s.device))


@contextmanager
def use(scale):
    """Run a block under ``scale``'s runtime policy; yields the :class:`Runtime`; restores the caller's settings.

    >>> with use("ci") as rt:   # doctest: +SKIP
    ...     model.to(rt.device)
    """
    import torch
    from threadpoolctl import threadpool_limits

    rt = resolve(scale)
    prev = torch.get_num_threads()
    if rt.threads:
        torch.set_num_threads(rt.threads)
        limits = threadpool_limits(rt.threads)
    else:
        limits = None
    try:
        yield rt
    finally:
        if limits is not None:
            limits.restore_original_limits()
        torch.set_num_threads(prev)


_APPLIED: list = []


def apply(scale) -> Runtime:
    """Apply ``scale``'s policy to the whole process (a notebook's setup cell, a script's entry) and keep
    it: :func:`use` entered without an exit. Returns the :class:`Runtime`."""
    cm = use(scale)
    rt = cm.__enter__()
    _APPLIED.append(cm)  # kept alive: the limits stay until the process ends
    return rt


def cpu_model() -> str:
    """The processor, as far as it can change the bits: vendor, family, model and a short hash of its feature
    flags from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere). Two machines with the same torch
    capability and BLAS kernel names were measured to train to different bits (an Intel and an AMD x86-64,
    both AVX512 / OpenBLAS SkylakeX), so this is part of :func:`numerics_key` and of the numerics record."""
    import hashlib
    import platform

    info = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                k, _, v = line.partition(":")
                info[k.strip()] = v.strip()
    except OSError:
        pass
    if not info:
        return platform.processor() or platform.machine() or "unknown"
    flags = hashlib.sha256(info.get("flags", info.get("Features", "")).encode()).hexdigest()[:8]
    name = info.get("model name") or info.get("Model") or info.get("CPU part", "")
    return (f"{info.get('vendor_id', info.get('CPU implementer', '?'))} {name} (family {info.get('cpu family', '?')}, "
            f"model {info.get('model', '?')}, flags {flags})")


def numerics_environment() -> dict:
    """What made the numbers: torch's CPU capability, BLAS libraries and their architectures, versions."""
    import platform

    import numpy as np
    import torch
    from threadpoolctl import threadpool_info

    try:
        cap = torch.backends.cpu.get_cpu_capability()
    except Exception:  # pragma: no cover - older torch
        cap = "unknown"
    blas = sorted({(d.get("internal_api"), d.get("version"), d.get("architecture") or "")
                   for d in threadpool_info() if d.get("user_api") == "blas"})
    return {
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "torch_cpu_capability": cap,
        "ATEN_CPU_CAPABILITY": os.environ.get("ATEN_CPU_CAPABILITY", ""),
        "MKL_CBWR": os.environ.get("MKL_CBWR", ""),
        "blas": [f"{a} {v} {arch}".strip() for a, v, arch in blas],
    }


def numerics_key() -> dict:
    """What changes the bits of a CPU computation besides its inputs: torch's thread count, its CPU kernel
    capability and version, MKL's code path and the processor (:func:`cpu_model`) — part of the cache key of
    every trained or computed-in-torch artefact, so a cache filled under other settings or copied from another
    machine never leaks into results."""
    import torch

    try:
        cap = torch.backends.cpu.get_cpu_capability()
    except Exception:  # pragma: no cover
        cap = "unknown"
    return {"threads": torch.get_num_threads(), "cpu_capability": cap, "torch": torch.__version__,
            "mkl_cbwr": os.environ.get("MKL_CBWR", ""), "cpu": cpu_model()}
