"""Same code, scale and seed → the same results.json, whatever the cache state and thread settings.

``make test`` runs every notebook twice at ``ci`` in separate processes: first with an empty cache
(``run``: papermill, reports to ``<cold>``), then under nbval with that cache warm and
``OMP_NUM_THREADS=2 MKL_NUM_THREADS=2`` (reports to ``<warm>``); then ``compare`` asserts both runs wrote
identical ``results.json`` files, timing fields excluded.

    python tools/determinism.py run --reports DIR notebooks/*.ipynb
    python tools/determinism.py compare COLD_DIR WARM_DIR
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

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


def compare(cold: Path, warm: Path) -> int:
    files = sorted(p.relative_to(cold) for p in cold.glob("*/results.json"))
    if not files:
        print(f"determinism: no results.json under {cold}", file=sys.stderr)
        return 1
    bad = 0
    for rel in files:
        other = warm / rel
        if not other.exists():
            print(f"determinism: {rel} missing from the second run ({warm})")
            bad += 1
            continue
        d = diff(strip_timings(json.loads((cold / rel).read_text())), strip_timings(json.loads(other.read_text())))
        if d:
            bad += 1
            print(f"determinism: {rel} differs between the cold and the warm run:\n  " + "\n  ".join(d))
        else:
            print(f"determinism: {rel} identical (cold cache vs warm cache with other thread settings)")
    return 1 if bad else 0


def run(reports: Path, notebooks: list[Path], timeout: int) -> int:
    import papermill as pm

    os.environ["XMODAL_REPORTS"] = str(reports.resolve())
    for nb in notebooks:
        nb = nb.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            print(f"determinism: first run of {nb.name} (cold cache)", flush=True)
            pm.execute_notebook(str(nb), str(Path(tmp) / nb.name), kernel_name="python3", cwd=str(nb.parent),
                                execution_timeout=timeout, progress_bar=False, log_output=False)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--reports", type=Path, required=True)
    r.add_argument("--timeout", type=int, default=1800)
    r.add_argument("notebooks", nargs="+", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("cold", type=Path)
    c.add_argument("warm", type=Path)
    a = ap.parse_args()
    return run(a.reports, a.notebooks, a.timeout) if a.cmd == "run" else compare(a.cold, a.warm)


if __name__ == "__main__":
    sys.exit(main())
