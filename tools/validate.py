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

Before any number is compared, both files must be reports of the same topic at the same scale: a JSON object
whose ``topic`` is the folder's name, the same ``scale`` (a ``ci`` run is no evidence about a ``default`` report),
a non-empty ``claims`` list of objects with an ``id`` and a ``verdict``. An unreadable, empty or truncated file,
a claim without a verdict, a number given as a string, a claim of the fresh run that the committed report lacks,
a topic found in only one of the two folders: each is a failure that names the file or the claim, never a
traceback and never a pass.

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


class Malformed(ValueError):
    """A file that is not a report (or a tolerance file that is not one): the message names it and what is wrong."""


def load_json(path: Path, what: str = "results.json") -> dict:
    """The JSON object in ``path``; :class:`Malformed` naming the file when it cannot be read, is empty or truncated
    (an interrupted run), or holds something other than an object (``null``, a list)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise Malformed(f"{path}: cannot be read ({e})") from None
    if not text.strip():
        raise Malformed(f"{path}: empty (an interrupted run?); rerun the notebook that writes this {what}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise Malformed(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}; truncated by an "
                        f"interrupted run?); rerun the notebook that writes this {what}") from None
    if not isinstance(data, dict):
        raise Malformed(f"{path}: holds {_kind(data)}, not the JSON object of a {what}")
    return data


def _kind(x) -> str:
    names = {type(None): "null", dict: "a JSON object", list: "a JSON list", str: "a JSON string",
             bool: "a JSON boolean", int: "a JSON number", float: "a JSON number"}
    return names.get(type(x), type(x).__name__)


def _is_number(x) -> bool:
    return isinstance(x, (int, float))


def shape_problems(data, run: str) -> list[str]:
    """What makes ``data`` not a report that can be compared (empty when it is one); ``run`` names it in the
    messages ("committed report", "fresh run")."""
    if not isinstance(data, dict):
        return [f"the {run} is {_kind(data)}, not a results.json object"]
    claims = data.get("claims")
    if not isinstance(claims, list):
        return [f"the {run} has no claims list ('claims' is {_kind(claims)})"]
    out = []
    for i, c in enumerate(claims):
        if not isinstance(c, dict):
            out.append(f"claim {i} of the {run} is {_kind(c)}, not an object")
            continue
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            out.append(f"claim {i} of the {run} has no 'id' (got {cid!r})")
            cid = f"claim {i}"
        if not isinstance(c.get("verdict"), str):
            out.append(f"{cid}: no 'verdict' in the {run} (got {c.get('verdict')!r})")
        if not isinstance(c.get("numbers", {}), (dict, type(None))):
            out.append(f"{cid}: 'numbers' of the {run} is {_kind(c['numbers'])}, not an object")
    ids = [c["id"] for c in claims if isinstance(c, dict) and isinstance(c.get("id"), str)]
    out += [f"{cid}: listed {ids.count(cid)} times in the {run}" for cid in sorted(set(ids)) if ids.count(cid) > 1]
    return out


def tolerance_problems(tol) -> list[str]:
    """What makes a ``tolerances`` block unusable (each entry an object of numbers ``abs`` / ``rel``)."""
    if not isinstance(tol, dict):
        return [f"'tolerances' is {_kind(tol)}, not an object"]
    return [f"tolerance {key!r} = {t!r}: expected {{'abs': number, 'rel': number}}" for key, t in tol.items()
            if not key.startswith("_")  # a comment
            and (not isinstance(t, dict) or not all(k in ("abs", "rel") and _is_number(v) for k, v in t.items()))]


def _tolerance(tol: dict, cid: str, name: str) -> dict:
    out = dict(PURE)
    for key in ("default", f"{cid}/*", f"{cid}/{name}"):
        out.update(tol.get(key, {}))
    return out


def check_topic(committed: dict, fresh: dict, tol: dict, notes: list | None = None,
                topic: str | None = None) -> list[str]:
    """Differences that fail validation (empty when the fresh run reproduces the committed one); what is
    reported but not compared (timing claims) is appended to ``notes``. ``topic``: the folder both files were
    read from, which their ``topic`` fields must name (without it the two fields must be equal)."""
    problems = shape_problems(committed, "committed report") + shape_problems(fresh, "fresh run")
    problems += tolerance_problems(tol)
    if problems:
        return problems
    # the same report at all? (04's results.json in 00_world/, a ci run against the default report)
    if topic is not None:
        problems += [f"the {run}'s results.json is of topic {x.get('topic')!r}, but lies in the folder {topic!r}"
                     for run, x in (("committed report", committed), ("fresh run", fresh)) if x.get("topic") != topic]
    elif fresh.get("topic") != committed.get("topic"):
        problems.append(f"topic {fresh.get('topic')!r} in the fresh run, {committed.get('topic')!r} committed")
    if fresh.get("scale") != committed.get("scale"):
        problems.append(f"scale {fresh.get('scale')!r} in the fresh run, {committed.get('scale')!r} committed: "
                        f"a run at another scale is no evidence about this report; rerun at the committed scale")
    if problems:
        return problems
    if not committed["claims"]:
        return ["the committed report has no claims: nothing to compare the fresh run with (an empty 'claims' list "
                "is not a report; regenerate it)"]
    problems, checks = [], []
    notes = [] if notes is None else notes
    new = {c["id"]: c for c in fresh["claims"]}
    old = {c["id"] for c in committed["claims"]}
    problems += [f"{cid}: in the fresh run only, not in the committed report" for cid in new if cid not in old]
    for c in committed["claims"]:
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
        nums, fnums = c.get("numbers") or {}, f.get("numbers") or {}
        # a number in one run and a string (or a list, ...) in the other is no measurement of the same thing
        problems += [f"{cid}: number {name!r} is {fnums[name]!r} in the fresh run, {want!r} committed: not both numbers"
                     for name, want in nums.items() if fnums.get(name) is not None and want is not None
                     and _is_number(want) != _is_number(fnums[name])]
        checks += [(cid, name, want, nums, fnums) for name, want in nums.items()
                   if _is_number(want) and not name.endswith(("_lo", "_hi", UNDECIDED)) and name not in DERIVED
                   and (fnums.get(name) is None or _is_number(fnums[name]))]
    # the topic's interval-checked numbers are judged at once: Bonferroni over the m of them
    has_iv = lambda nums, name: all(isinstance(nums.get(f"{name}_{e}"), (int, float)) for e in ("lo", "hi"))
    m = sum(has_iv(nums, name) for _, name, _, nums, _ in checks)
    k = family_factor(m)
    for cid, name, want, nums, fnums in checks:
        got = fnums.get(name)
        if got is None:
            problems.append(f"{cid}: number {name!r} " + ("is null (not finite) in the fresh run" if name in fnums
                                                          else "missing from the fresh run"))
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


def topics_in(root: Path) -> list[str]:
    """The topic folders under ``root`` that hold a results.json (not hidden ones: a staging or leftover folder)."""
    return sorted(p.parent.name for p in root.glob("*/results.json") if not p.parent.name.startswith("."))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("committed", type=Path)
    ap.add_argument("fresh", type=Path)
    ap.add_argument("--topics", nargs="*", default=None,
                    help="compare only these topics (the notebooks that were re-executed); default: all committed")
    a = ap.parse_args()
    bad = 0
    topics = committed = topics_in(a.committed)
    if a.topics:
        unknown = sorted(set(a.topics) - set(topics))
        if unknown:
            print(f"validate: no committed results.json for {unknown} under {a.committed}; known: {topics}")
            return 1
        topics = sorted(set(a.topics))
    if not topics:
        print(f"validate: no results.json under {a.committed}")
        return 1
    fresh_topics = topics_in(a.fresh)
    for topic in fresh_topics:
        if topic not in committed:
            print(f"validate: {topic}: {a.fresh / topic / 'results.json'} has no committed report to compare it with "
                  f"(no {a.committed / topic / 'results.json'})")
            bad += 1
    skipped = [t for t in fresh_topics if t in committed and t not in topics]
    if skipped:
        print(f"validate: note: not compared (not among --topics): {', '.join(skipped)}")
    for topic in topics:
        fresh = a.fresh / topic / "results.json"
        if not fresh.exists():
            print(f"validate: {topic}: the fresh run wrote no results.json")
            bad += 1
            continue
        tfile = ROOT / "tests" / "expected" / f"{topic}.default.json"
        notes = []
        try:
            tol = load_json(tfile, "tolerance file").get("tolerances", {}) if tfile.exists() else {}
            if tolerance_problems(tol):
                raise Malformed(f"{tfile}: " + "; ".join(tolerance_problems(tol)))
            problems = check_topic(load_json(a.committed / topic / "results.json"), load_json(fresh), tol, notes,
                                   topic=topic)
        except Malformed as e:
            print(f"validate: {topic}: {e}")
            bad += 1
            continue
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
