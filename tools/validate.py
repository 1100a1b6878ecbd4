"""Compare a fresh re-execution's results with the committed ``reports/`` (``make validate``).

For every ``<topic>/results.json`` of the committed reports and of the fresh run:

- every claim's verdict must be equal (a timing claim's — one run's wall-clock speeds, machine-dependent by its
  own rule — is printed as a note when it differs, not compared);
- every headline number must agree: when the committed claim also reports ``<name>_lo`` and ``<name>_hi``
  (its interval over training seeds), the fresh value is a second draw of the training noise (on another
  processor or kernel path every seed trains differently), so the two means are compared by the interval of
  their *difference*: committed mean ± k·√(h_committed² + h_fresh²) per side, h the half-widths of the two runs'
  seed intervals (√2·h_committed when the fresh run has none). k is Bonferroni's factor for the m interval
  checks of the topic (z at 1 − 0.05/2m over z at 0.975: about 1.8 for 100 numbers), so that a whole topic,
  not each of its numbers, has a 5 % chance of a false alarm. Otherwise the number must be
  within the tolerance of ``tests/expected/<topic>.default.json`` (``tolerances`` block, same format as the
  ci expectations: ``default``, ``<claim>/*``, ``<claim>/<name>``), or within abs 1e-9 / rel 1e-9
  (pure math) when the file does not set one;
- a share of comparisons won (:func:`xmodal.claims.won_shares`: the claim reports ``<name>`` and
  ``<name>_undecided``, the share of its comparisons within the noise, in both runs) moves in steps of 1/n, and
  only through comparisons within the noise (better ↔ inconclusive ↔ worse): the fresh share may be lower than the
  committed one by at most the fresh run's undecided share and higher by at most the committed run's. A comparison
  that is "better" in one run and "worse" in the other is a real disagreement and shows as a verdict change or a
  share outside this band. (Rule added 2026-12-03, after an avx2 run moved 01-7's share from 0/12 to 1/12 with 11
  of 12 pairs within the noise, which the fixed abs 0.02 tolerance, finer than the statistic's step, called a
  failure; see the README.)

    python tools/validate.py COMMITTED_REPORTS FRESH_REPORTS [--topics 00_world 04_hyperbolic_gap]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE = {"abs": 1e-9, "rel": 1e-9}
#: without a fresh interval, a committed seed interval's half-widths are widened by this factor: the 95 % interval
#: of the difference of two independent means of equal noise and seeds is √2 times as wide as either mean's
WIDEN = math.sqrt(2.0)
#: suffix of the undecided share that accompanies a share of comparisons won (xmodal.claims.won_shares)
UNDECIDED = "_undecided"
#: numbers derived from the others' spread (a planning figure, not a measurement): reported, not compared
DERIVED = ("seeds_needed",)


def family_factor(m: int, level: float = 0.05) -> float:
    """How much wider than a 95 % interval an interval must be for m of them at once to hold with probability
    1 − level (Bonferroni: z at 1 − level / 2m over z at 0.975); 1 for m ≤ 1."""
    from statistics import NormalDist

    if m <= 1:
        return 1.0
    z = NormalDist().inv_cdf
    return z(1 - level / (2 * m)) / z(0.975)


def _band(want, lo, hi, got, flo, fhi, k):
    """Accepted range for the fresh value: the committed mean ± k·√(h_committed² + h_fresh²) on each side (the
    interval of a difference of two independent means, each with its own seed interval), or ± k·√2·h_committed
    when the fresh run has no interval."""
    hl, hh = max(want - lo, 0.0), max(hi - want, 0.0)
    if isinstance(flo, (int, float)) and isinstance(fhi, (int, float)):
        # the fresh interval's side that faces the committed value
        fl, fh = max(got - flo, 0.0), max(fhi - got, 0.0)
        return want - k * math.hypot(hl, fh), want + k * math.hypot(hh, fl)
    return want - k * WIDEN * hl, want + k * WIDEN * hh


def _tolerance(tol: dict, cid: str, name: str) -> dict:
    out = dict(PURE)
    for key in ("default", f"{cid}/*", f"{cid}/{name}"):
        out.update(tol.get(key, {}))
    return out


def check_topic(committed: dict, fresh: dict, tol: dict, notes: list | None = None) -> list[str]:
    """Differences that fail validation (empty when the fresh run reproduces the committed one); what is
    reported but not compared (timing claims) is appended to ``notes``."""
    problems, checks = [], []
    notes = [] if notes is None else notes
    new = {c["id"]: c for c in fresh.get("claims", [])}
    for c in committed.get("claims", []):
        cid = c["id"]
        if cid not in new:
            problems.append(f"{cid}: missing from the fresh run")
            continue
        f = new[cid]
        if c.get("timing"):
            # a speed claim: wall-clock measurements of one run on one machine (and of what it has installed,
            # e.g. libLLVM for Mitsuba's llvm variant) — its verdict is machine-dependent by its own rule
            if f["verdict"] != c["verdict"]:
                notes.append(f"{cid} (timing, machine-dependent; not compared): verdict {f['verdict']!r} here, "
                             f"committed {c['verdict']!r}")
            continue
        if f["verdict"] != c["verdict"]:
            problems.append(f"{cid}: verdict {f['verdict']!r}, committed {c['verdict']!r}")
        nums = c.get("numbers") or {}
        checks += [(cid, name, want, nums, f.get("numbers") or {}) for name, want in nums.items()
                   if isinstance(want, (int, float)) and not name.endswith(("_lo", "_hi", UNDECIDED))
                   and name not in DERIVED]
    # the topic's interval-checked numbers are judged at once: Bonferroni over the m of them
    has_iv = lambda nums, name: all(isinstance(nums.get(f"{name}_{e}"), (int, float)) for e in ("lo", "hi"))
    m = sum(has_iv(nums, name) for _, name, _, nums, _ in checks)
    k = family_factor(m)
    for cid, name, want, nums, fnums in checks:
        got = fnums.get(name)
        if got is None:
            problems.append(f"{cid}: number {name!r} missing from the fresh run")
        elif all(isinstance(x.get(name + UNDECIDED), (int, float)) for x in (nums, fnums)):
            a, b = max(0.0, want - fnums[name + UNDECIDED]), min(1.0, want + nums[name + UNDECIDED])
            if not a - 1e-9 <= got <= b + 1e-9:
                problems.append(f"{cid}: {name} = {got:.6g}, committed {want:.6g}: a share of comparisons won may move "
                                f"only through those within the noise ({fnums[name + UNDECIDED]:.6g} here, "
                                f"{nums[name + UNDECIDED]:.6g} committed): [{a:.6g}, {b:.6g}]")
        elif has_iv(nums, name):
            lo, hi = nums[f"{name}_lo"], nums[f"{name}_hi"]
            a, b = _band(want, lo, hi, got, fnums.get(f"{name}_lo"), fnums.get(f"{name}_hi"), k)
            if not a <= got <= b:
                problems.append(f"{cid}: {name} = {got:.6g} outside the committed interval [{lo:.6g}, {hi:.6g}] "
                                f"combined with the fresh one for a difference of two means, x{k:.2f} for {m} "
                                f"intervals at once: [{a:.6g}, {b:.6g}]")
        else:
            t = _tolerance(tol, cid, name)
            if not math.isclose(got, want, rel_tol=t["rel"], abs_tol=t["abs"]):
                problems.append(f"{cid}: {name} = {got!r}, committed {want!r} (abs {t['abs']}, rel {t['rel']})")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("committed", type=Path)
    ap.add_argument("fresh", type=Path)
    ap.add_argument("--topics", nargs="*", default=None,
                    help="compare only these topics (the notebooks that were re-executed); default: all committed")
    a = ap.parse_args()
    bad = 0
    topics = sorted(p.parent.name for p in a.committed.glob("*/results.json"))
    if a.topics:
        unknown = sorted(set(a.topics) - set(topics))
        if unknown:
            print(f"validate: no committed results.json for {unknown} under {a.committed}; known: {topics}")
            return 1
        topics = sorted(a.topics)
    if not topics:
        print(f"validate: no results.json under {a.committed}")
        return 1
    for topic in topics:
        fresh = a.fresh / topic / "results.json"
        if not fresh.exists():
            print(f"validate: {topic}: the fresh run wrote no results.json")
            bad += 1
            continue
        tfile = ROOT / "tests" / "expected" / f"{topic}.default.json"
        tol = json.loads(tfile.read_text()).get("tolerances", {}) if tfile.exists() else {}
        notes = []
        problems = check_topic(json.loads((a.committed / topic / "results.json").read_text()),
                               json.loads(fresh.read_text()), tol, notes)
        for n in notes:
            print(f"validate: {topic}: note: {n}")
        if problems:
            bad += 1
            print(f"validate: {topic}: {len(problems)} difference(s)\n  " + "\n  ".join(problems))
        else:
            print(f"validate: {topic}: verdicts and numbers reproduce the committed report")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
