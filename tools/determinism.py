"""Same code, scale and seed → the same results.json, whatever the cache state and thread settings.

``make test`` runs every notebook twice at ``ci`` in separate processes: first with an empty cache
(``run``: papermill, reports to ``<cold>``), then under nbval with that cache warm and
``OMP_NUM_THREADS=2 MKL_NUM_THREADS=2`` and glibc's default malloc (``GLIBC_TUNABLES=""``; the cold run has
the project's :data:`xmodal.runtime.FAST_MALLOC`) (reports to ``<warm>``); then ``compare`` asserts both runs wrote
identical ``results.json`` files, timing fields excluded.

``run --jobs N`` executes the first notebook given (00, the world tour: it builds the world, the renders and
the frozen features the others read) alone, then the others N at a time, each in its own kernel process
(at ``ci`` a kernel uses one thread, so two of them fill a 2-core machine), the longest first by the CPU
times in ``tools/timings_ci.json``. Concurrent runs share the cache, whose writes
are atomic and keyed by their inputs, so the order changes no result. Each notebook's wall and CPU seconds
(its kernel included) are printed and written to ``<reports>/timings_ci.json``.

    python tools/determinism.py run --reports DIR [--jobs N] notebooks/*.ipynb
    python tools/determinism.py compare COLD_DIR WARM_DIR
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: keys whose values are wall-clock measurements (excluded from the comparison)
TIMING = re.compile(r"(^|_)(time|times|timing|timings|seconds|wall|elapsed)(_|$)|_s$|per second", re.I)


def strip_timings(x):
    """``x`` without the entries whose key names a timing (recursively), and of a claim about speed
    (``"timing": true``) only its id and verdict."""
    if isinstance(x, dict) and x.get("timing") is True and "verdict" in x:
        return {"id": x.get("id"), "verdict": x["verdict"]}
    if isinstance(x, dict):
        return {k: strip_timings(v) for k, v in x.items() if not TIMING.search(str(k))}
    if isinstance(x, list):
        return [strip_timings(v) for v in x]
    return x


def diff(a, b, path="") -> list[str]:
    """Human-readable differences between two JSON values (first 20)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'second' if k not in a else 'first'} run")
            else:
                out += diff(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")
    return out[:20]


def load_results(path: Path) -> dict:
    """The results.json object in ``path``; ValueError naming the file when it cannot be read, is empty or
    truncated (an interrupted run), is not an object (``null``) or has a claim without an ``id`` or ``verdict``."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot be read ({e})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        what = "empty" if not text.strip() else f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})"
        raise ValueError(f"{path}: {what}: an interrupted run? Rerun its notebook") from None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ValueError(f"{path}: not a results.json (a JSON object with a 'claims' list), got "
                         f"{json.dumps(data)[:80]}")
    for i, c in enumerate(data["claims"]):
        if not (isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("verdict"), str)):
            raise ValueError(f"{path}: claim {i} is not an object with an 'id' and a 'verdict': {json.dumps(c)[:80]}")
    return data


def _topics(root: Path) -> set[Path]:
    """``<topic>/results.json`` under ``root``, relative to it (not in hidden folders: staging or leftovers)."""
    return {p.relative_to(root) for p in root.glob("*/results.json") if not p.parent.name.startswith(".")}


def compare(cold: Path, warm: Path) -> int:
    files = sorted(_topics(cold))
    if not files:
        print(f"determinism: no results.json under {cold}", file=sys.stderr)
        return 1
    bad = 0
    for rel in sorted(_topics(warm) - set(files)):
        print(f"determinism: {rel} only in the second run ({warm}), not in the first ({cold})")
        bad += 1
    for rel in files:
        other = warm / rel
        if not other.exists():
            print(f"determinism: {rel} missing from the second run ({warm})")
            bad += 1
            continue
        runs = []
        for f in (cold / rel, other):
            try:
                runs.append(load_results(f))
            except ValueError as e:
                print(f"determinism: {e}")
        if len(runs) < 2:
            bad += 1
            continue
        d = diff(strip_timings(runs[0]), strip_timings(runs[1]))
        if d:
            bad += 1
            print(f"determinism: {rel} differs between the cold and the warm run:\n  " + "\n  ".join(d))
        else:
            print(f"determinism: {rel} identical (cold cache vs warm cache with other thread settings)")
    return 1 if bad else 0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_one(reports: Path, nb: Path, timeout: int) -> dict:
    """Execute one notebook with papermill (cwd notebooks/, output thrown away); its wall and CPU seconds."""
    import papermill as pm

    os.environ["XMODAL_REPORTS"] = str(reports.resolve())
    nb = nb.resolve()
    t0, c0 = time.perf_counter(), time.process_time() + _children_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        pm.execute_notebook(str(nb), str(Path(tmp) / nb.name), kernel_name="python3", cwd=str(nb.parent),
                            execution_timeout=timeout, progress_bar=False, log_output=False)
    # the kernel is a child process, reaped when papermill shuts it down: its CPU time is in RUSAGE_CHILDREN
    return {"wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() + _children_cpu() - c0, 1)}


def _in_child(reports: Path, nb: Path, timeout: int) -> dict:
    """:func:`run_one` in a process of its own (for running several notebooks at once)."""
    print(f"determinism: starting {nb.name}", flush=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "run-one", "--reports", str(reports), "--timeout",
           str(timeout), str(nb)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{nb.name} failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _by_expected_cost(notebooks: list[Path]) -> list[Path]:
    """Longest first by ``tools/timings_ci.json`` (CPU seconds of an earlier cold ci run), else by the default run's
    wall times (``reports/timings_default.json``); unknown notebooks first: they may be the longest."""
    def load(f: Path, key: str | None) -> dict:
        if not f.exists():
            return {}
        d = json.loads(f.read_text())
        return {k: (v[key] if key else v) for k, v in d.items() if not k.startswith("_") and (key is None or isinstance(v, dict))}

    ci, default = load(ROOT / "tools" / "timings_ci.json", "cpu_s"), load(ROOT / "reports" / "timings_default.json", None)
    return sorted(notebooks, key=lambda p: (-ci.get(p.name, float("inf")), -default.get(p.name, float("inf"))))


def run(reports: Path, notebooks: list[Path], timeout: int, jobs: int = 1) -> int:
    reports.mkdir(parents=True, exist_ok=True)
    times: dict[str, dict] = {}
    t0 = time.perf_counter()

    def done(nb: Path, t: dict) -> None:
        times[nb.name] = t
        print(f"determinism: first run of {nb.name} (cold cache): {t['wall_s']:.0f} s wall, {t['cpu_s']:.0f} s CPU",
              flush=True)

    if jobs <= 1 or len(notebooks) <= 2:
        for nb in notebooks:
            print(f"determinism: starting {nb.name}", flush=True)
            done(nb, run_one(reports, nb, timeout))
    else:
        first, rest = notebooks[0], _by_expected_cost(notebooks[1:])
        print(f"determinism: starting {first.name} (alone: it fills the cache the others read)", flush=True)
        done(first, run_one(reports, first, timeout))
        print(f"determinism: {len(rest)} more notebooks, {jobs} at a time: {', '.join(p.name for p in rest)}", flush=True)
        with ThreadPoolExecutor(jobs) as pool:
            futures = {nb: pool.submit(_in_child, reports, nb, timeout) for nb in rest}
            failed = []
            for nb, fut in futures.items():
                try:
                    done(nb, fut.result())
                except RuntimeError as e:
                    failed.append(str(e))
            if failed:
                print("\n".join(failed), file=sys.stderr)
                return 1
    total = {"wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(sum(t["cpu_s"] for t in times.values()), 1),
             "jobs": jobs}
    (reports / "timings_ci.json").write_text(json.dumps({**times, "total": total}, indent=1) + "\n")
    print(f"determinism: cold run of {len(times)} notebooks in {total['wall_s']:.0f} s wall, {total['cpu_s']:.0f} s CPU "
          f"({jobs} at a time)", flush=True)
    return 0


def main() -> int:
    from xmodal.runtime import malloc_tunable

    os.environ["GLIBC_TUNABLES"] = malloc_tunable()  # the kernels start with the project's malloc setting (same bits)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--reports", type=Path, required=True)
    r.add_argument("--timeout", type=int, default=3600)
    r.add_argument("--jobs", type=int, default=1, help="notebooks executed at once after the first (default 1)")
    r.add_argument("notebooks", nargs="+", type=Path)
    o = sub.add_parser("run-one", help="(internal) execute one notebook; print its timings as JSON")
    o.add_argument("--reports", type=Path, required=True)
    o.add_argument("--timeout", type=int, default=3600)
    o.add_argument("notebook", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("cold", type=Path)
    c.add_argument("warm", type=Path)
    a = ap.parse_args()
    if a.cmd == "run":
        return run(a.reports, a.notebooks, a.timeout, a.jobs)
    if a.cmd == "run-one":
        print(json.dumps(run_one(a.reports, a.notebook, a.timeout)))
        return 0
    return compare(a.cold, a.warm)


if __name__ == "__main__":
    sys.exit(main())
