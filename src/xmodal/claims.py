"""Claims as data: one registry per paper, one verdict vocabulary, one set of decision helpers.

A paper package declares its claims in a :class:`Registry` **before** any result exists: id ``NN-k``,
the statement, the paper's value and the :class:`Rule` (metric, thresholds, the registered smallest effects of
interest — :class:`Margin`, each with its reason — and the rule in words). A pipeline then *judges* each claim
from its measurements with :meth:`Registry.judge`, which checks the verdict against the vocabulary and returns an
:class:`Outcome`; the notebook, ``results.json``, ``reports/README.md`` and the tests all read these objects — no
verdict logic lives in a notebook.

Verdicts (:data:`VERDICTS`):

- ``reproduced`` — the rule holds;
- ``partly reproduced`` — some of its parts hold;
- ``not reproduced`` — the rule fails: the effect the claim asserts is excluded by the interval;
- ``inconclusive`` — more seeds could decide it: an interval still straddles its registered value and that part
  could change the verdict (the outcome says which way the estimate points and how many seeds would decide);
- ``not testable`` — the stand-ins cannot test it here (the outcome says why and what would).

Decisions (each returns a :class:`Decision`: holds True / False / None with its interval):

- :func:`gain` — "A beats B by at least m": holds when the interval of A − B lies above m, **fails when it lies
  below m** (a gain as large as m is excluded: equivalent or worse), undecided otherwise;
- :func:`close` — "A ≈ B": holds when the interval lies inside (−m, m), fails when it lies outside the band on one
  side, undecided otherwise;
- :func:`above` / :func:`below` — a threshold or trend claim: one value (or its seed interval) against a registered
  value;
- :func:`decide` — any of these kinds on an interval computed elsewhere (a bootstrap interval, say).

Claims made of parts combine them with :func:`combine_parts` / :func:`combine_gains` / :func:`settle`; with
:func:`judgement` the same rule also gives the claim's *lean* (the verdict if every undecided part fell the way
its point estimate points), its *direction* (for / against the paper, mixed, tie) and the *seeds needed* to decide
every part that could change the verdict.

Notebook 00's sanity checks use the same machinery with ``kind="check"``; they are not paper claims and
are not counted in the verdict tally.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import itertools
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .evaluation.stats import Interval, paired_interval, seed_interval

__all__ = ["VERDICTS", "ICONS", "DIRECTIONS", "Margin", "Rule", "Claim", "Outcome", "Registry", "Interval",
           "paired_interval", "seed_interval", "Decision", "Judgement", "gain", "close", "above", "below", "decide",
           "seeds_needed", "settle", "judgement", "combine_parts", "combine_gains", "combine_protocols", "won_shares",
           "mark", "seeds_text", "direction_words"]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "inconclusive", "not testable")
ICONS = {"reproduced": "✅", "partly reproduced": "🟡", "not reproduced": "❌", "inconclusive": "❔",
         "not testable": "⚪"}
#: where a claim's evidence points relative to the paper (:attr:`Judgement.direction`)
DIRECTIONS = ("for", "against", "mixed", "tie")
#: the kinds of :class:`Decision`
KINDS = ("gain", "close", "above", "below")
#: the largest number of seeds :func:`seeds_needed` looks for (beyond it: "not reachable")
MAX_SEEDS = 1000
#: the most undecided parts :func:`judgement` resolves (it tries every way they could fall: 2^n)
MAX_OPEN = 16


# ---------------------------------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Margin:
    """A registered smallest effect of interest (or threshold) of a rule: its ``value`` in the metric's
    ``unit``, one line saying why this value (``reason``: below the paper's own effect where the paper gives one,
    else a stated practical threshold — never tuned on results), and the value it replaced (``old``, with the
    protocol change that replaced it listed in the paper's deviations)."""

    name: str
    value: float
    unit: str
    reason: str
    old: Any = None
    #: how the text prints the value when ``value`` and ``unit`` would not read well (e.g. "two thirds of the pairs")
    shown: str = ""

    def __post_init__(self):
        if not (isinstance(self.value, (int, float)) and math.isfinite(self.value)):
            raise ValueError(f"margin {self.name!r} needs a finite number, got {self.value!r}")
        if not self.reason.strip():
            raise ValueError(f"margin {self.name!r} needs a reason")

    def fmt(self) -> str:
        """The value with its unit, as the rule text prints it (e.g. ``1 pt``, ``0.01 nats``)."""
        return self.shown or f"{self.value:g} {self.unit}".strip()

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "unit": self.unit, "reason": self.reason, "old": self.old,
                "shown": self.fmt()}


@dataclass(frozen=True)
class Rule:
    """How a claim is decided, fixed before the run.

    ``metric``: what is measured; ``text``: the whole rule in words (including what gives ``partly reproduced``),
    written from the same numbers the code decides with; ``threshold``: the rule's constants (a dict the verdict
    code reads, or one value; None where there are none); ``margin``: how the noise is handled (the interval);
    ``margins``: the registered smallest effects of interest, each a :class:`Margin` with its reason;
    ``unreachable``: verdicts the rule cannot return, each with the reason ({verdict: why}).
    """

    metric: str
    text: str
    threshold: Any = None
    margin: str = ""
    margins: tuple = ()
    unreachable: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        names = [m.name for m in self.margins]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate margin names {names}")
        bad = set(self.unreachable) - set(VERDICTS)
        if bad:
            raise ValueError(f"unreachable names verdicts that do not exist: {sorted(bad)}")

    def m(self, name: str) -> float:
        """The value of the registered margin ``name``."""
        for mg in self.margins:
            if mg.name == name:
                return float(mg.value)
        raise KeyError(f"no margin {name!r}; registered: {[mg.name for mg in self.margins]}")

    @property
    def full_text(self) -> str:
        """The rule text, then each margin with its reason and each verdict it cannot reach with why."""
        out = self.text
        if self.margins:
            out += " Smallest effects of interest: " + "; ".join(f"{mg.fmt()} ({mg.reason})" for mg in self.margins) + "."
        if self.unreachable:
            out += " Cannot return: " + "; ".join(f"{v} ({why})" for v, why in self.unreachable.items()) + "."
        return out


@dataclass(frozen=True)
class Claim:
    """One registered claim (``kind="claim"``) or sanity check (``kind="check"``)."""

    id: str
    statement: str
    paper_value: Any
    rule: Rule
    kind: str = "claim"
    #: the claim is about wall-clock speed: its numbers differ on every run and machine (the determinism
    #: check and ``make validate`` compare its verdict only)
    timing: bool = False

    def __post_init__(self):
        if self.kind not in ("claim", "check"):
            raise ValueError(f"kind must be 'claim' or 'check', got {self.kind!r}")


@dataclass
class Outcome:
    """A claim judged: its verdict, our headline value (text), the evidence line, the headline ``numbers``
    (a flat dict of floats the claim tests compare with ``tests/expected``), and — when judged from a
    :class:`Judgement` — the direction of the evidence and the seeds that would decide an inconclusive claim."""

    claim: Claim
    verdict: str
    ours: str
    evidence: str
    numbers: dict = field(default_factory=dict)
    direction: str = ""
    seeds_needed: float | None = None

    @property
    def id(self) -> str:
        return self.claim.id

    def as_dict(self) -> dict:
        return {"id": self.claim.id, "kind": self.claim.kind, "timing": self.claim.timing, "statement": self.claim.statement,
                "paper_value": self.claim.paper_value, "rule": self.claim.rule.full_text,
                "metric": self.claim.rule.metric, "threshold": self.claim.rule.threshold,
                "margin": self.claim.rule.margin, "margins": [m.as_dict() for m in self.claim.rule.margins],
                "verdict": self.verdict, "direction": self.direction, "seeds_needed": self.seeds_needed,
                "our_value": self.ours, "evidence": self.evidence, "numbers": self.numbers}

    def markdown(self) -> str:
        """The verdict as a short Markdown block (for the notebooks)."""
        lean = f" ({direction_words(self.direction)})" if self.direction else ""
        return (f"**{self.claim.id}** — {ICONS[self.verdict]} **{self.verdict}**{lean}  \n"
                f"*Claim:* {self.claim.statement}  \n*Paper:* {self.claim.paper_value}  \n"
                f"*Ours:* {self.ours}  \n*Rule:* {self.claim.rule.full_text}  \n*Evidence:* {self.evidence}")


def direction_words(direction: str) -> str:
    return {"for": "points to the paper", "against": "points against the paper", "mixed": "mixed",
            "tie": "a tie"}.get(direction, direction)


class Registry:
    """The claims of one paper, in order. ``prefix`` is the notebook number (``"01"``); ids are ``NN-k``."""

    def __init__(self, prefix: str, claims: Sequence[Claim]):
        self.prefix = str(prefix)
        self.claims: dict[str, Claim] = {}
        for c in claims:
            want = f"{self.prefix}-"
            if not c.id.startswith(want) or not c.id[len(want):].isdigit():
                raise ValueError(f"claim id {c.id!r} must look like '{self.prefix}-<k>'")
            if c.id in self.claims:
                raise ValueError(f"duplicate claim id {c.id!r}")
            self.claims[c.id] = c

    def __getitem__(self, cid: str) -> Claim:
        try:
            return self.claims[cid]
        except KeyError:
            raise KeyError(f"no claim {cid!r}; registered: {', '.join(self.claims)}") from None

    def __iter__(self):
        return iter(self.claims.values())

    def __len__(self) -> int:
        return len(self.claims)

    def judge(self, cid: str, verdict, ours: str, evidence: str, numbers: dict | None = None) -> Outcome:
        """The :class:`Outcome` of claim ``cid``.

        ``verdict``: a :class:`Judgement` (from :func:`judgement`, ``combine_parts(..., judged=True)`` …) — required
        for a paper claim unless it is ``not testable`` — or, for a sanity check, one of :data:`VERDICTS`. From a
        Judgement the outcome also carries its direction and, when
        inconclusive, the seeds needed (in ``numbers["seeds_needed"]``, NaN when more seeds cannot decide it), and
        the evidence ends with what would decide it."""
        direction, need = "", None
        if isinstance(verdict, Judgement):
            j, verdict = verdict, verdict.verdict
            direction = j.direction
            if verdict == "inconclusive":
                need = float(j.seeds_needed) if j.seeds_needed is not None else math.nan
                evidence = f"{evidence} — {j.note()}"
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} of {cid} is not one of {VERDICTS}")
        if direction == "" and verdict != "not testable" and self[cid].kind == "claim":
            raise ValueError(f"{cid}: judge a paper claim from its rule's Judgement (claims.judgement, combine_parts("
                             f"..., judged=True), combine_gains(..., judged=True)), not the verdict {verdict!r} alone, "
                             "so that its direction and seeds needed are recorded")
        nums = {}
        for k, v in (numbers or {}).items():
            v = float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v
            nums[str(k)] = v
        if need is not None:
            nums["seeds_needed"] = need
        return Outcome(self[cid], verdict, str(ours), str(evidence), nums, direction,
                       None if need is None or math.isnan(need) else need)

    def rules_frame(self):
        """The pre-registered rules as a table (claim, statement, metric, threshold, noise margin, the registered
        smallest effects with their reasons, rule)."""
        import pandas as pd

        return pd.DataFrame([{"claim": c.id, "statement": c.statement, "metric": c.rule.metric,
                              "threshold": c.rule.threshold, "margin": c.rule.margin,
                              "margins": "; ".join(f"{m.name} = {m.fmt()} ({m.reason})" for m in c.rule.margins),
                              "rule": c.rule.full_text}
                             for c in self])

    @staticmethod
    def frame(outcomes: Iterable[Outcome]):
        """One row per outcome: claim, statement, paper, ours, verdict (with its icon), direction, seeds needed,
        evidence."""
        import pandas as pd

        return pd.DataFrame([{"claim": o.id, "statement": o.claim.statement, "paper": o.claim.paper_value,
                              "ours": o.ours, "verdict": f"{ICONS[o.verdict]} {o.verdict}",
                              "direction": o.direction, "seeds needed": seeds_text(o), "evidence": o.evidence}
                             for o in outcomes],
                            columns=["claim", "statement", "paper", "ours", "verdict", "direction", "seeds needed",
                                     "evidence"])


def seeds_text(o) -> str:
    """The seeds-needed cell of an outcome (an :class:`Outcome` or its ``as_dict``): a count for an inconclusive
    claim, "not reachable" when more seeds cannot decide it, empty when decided."""
    d = o if isinstance(o, dict) else o.as_dict()
    if d.get("verdict") != "inconclusive":
        return ""
    n = d.get("seeds_needed")
    if n is None:
        return "not reachable" if "seeds_needed" in d.get("numbers", {}) else ""
    return f"{int(n)}"


# ---------------------------------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    """One part of a rule decided on an interval: ``holds`` True / False / None (undecided), the ``interval``
    (of the paired difference, or of the value), its ``kind`` and registered value ``m``, the ``direction`` of the
    point estimate (``for``: on the side where the part holds; ``against``; ``tie``: exactly on m) and, when
    undecided, ``seeds_needed`` (None: more seeds cannot decide it — see ``why``)."""

    holds: bool | None
    interval: Interval
    kind: str
    m: float
    direction: str
    seeds_needed: int | None = None
    why: str = ""

    def __bool__(self):  # a Decision is not a truth value: use .holds (None would read as False)
        raise TypeError("use Decision.holds (True / False / None), not the Decision itself")

    @property
    def lean(self) -> bool | None:
        """The value of the part if its point estimate held: True (for), False (against), None (tie)."""
        return {"for": True, "against": False}.get(self.direction)

    @property
    def word(self) -> str:
        return {True: "holds", False: "fails", None: "undecided"}[self.holds]

    def fmt(self, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
        """``mean [lo, hi] unit (holds / fails / undecided vs m)``."""
        u = f" {unit}" if unit else ""
        rel = {"gain": ">", "above": ">", "below": "<", "close": "inside ±"}[self.kind]
        return (f"{self.interval.fmt(scale, digits)}{u} ({self.word}; {rel}{self.m * scale:g}{u}"
                + (f"; {self.seeds_needed} seeds would decide" if self.holds is None and self.seeds_needed else "")
                + ")")


def _half_width(iv: Interval) -> float:
    return 0.5 * (iv.hi - iv.lo)


def seeds_needed(iv: Interval, target: float, max_n: int = MAX_SEEDS) -> tuple[int | None, str]:
    """Seeds n at which a t-interval with this interval's mean and spread would no longer reach ``target``:
    the smallest n with t(n−1) · s / √n < |mean − target|, s the spread behind ``iv``. Returns (n, "") or
    (None, why): the mean sits on the target, one value gives no spread, or n would exceed ``max_n``."""
    from scipy import stats

    gap = abs(iv.mean - target)
    if iv.n < 2 or not (math.isfinite(iv.lo) and math.isfinite(iv.hi)):
        return None, "one seed gives no spread"
    if gap == 0:
        return None, "the estimate sits on the registered value"
    t_now = float(stats.t.ppf(0.5 + iv.confidence / 2, iv.n - 1))
    s = _half_width(iv) * math.sqrt(iv.n) / t_now
    if s == 0:
        return iv.n, ""
    n = np.arange(2, max_n + 1)
    ok = stats.t.ppf(0.5 + iv.confidence / 2, n - 1) * s / np.sqrt(n) < gap
    if not ok.any():
        return None, f"more than {max_n} seeds"
    return int(n[np.argmax(ok)]), ""


def decide(iv: Interval, kind: str, m: float, seeds: bool = True, why: str = "") -> Decision:
    """A :class:`Decision` of ``kind`` on an interval computed elsewhere.

    ``gain``: holds when iv.lo > m, fails when iv.hi < m. ``close``: holds when −m < iv.lo and iv.hi < m, fails
    when iv.lo ≥ m or iv.hi ≤ −m. ``above``: holds when iv.lo > m, fails when iv.hi < m (a threshold to pass).
    ``below``: holds when iv.hi < m, fails when iv.lo > m. ``seeds``: the interval is a t-interval over seeds, so
    an undecided part gets :func:`seeds_needed` (else None: its width is not a seed count, e.g. a bootstrap over
    queries; ``why`` then says what would decide it instead, e.g. "a larger test set")."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    m = float(m)
    if kind == "close" and not m > 0:
        raise ValueError(f"a 'close' band needs m > 0, got {m}")
    lo, hi, x = iv.lo, iv.hi, iv.mean
    if kind in ("gain", "above"):
        holds = True if lo > m else False if hi < m else None
        direction = "for" if x > m else "against" if x < m else "tie"
        target = m
    elif kind == "below":
        holds = True if hi < m else False if lo > m else None
        direction = "for" if x < m else "against" if x > m else "tie"
        target = m
    else:
        holds = True if (-m < lo and hi < m) else False if (lo >= m or hi <= -m) else None
        direction = "for" if abs(x) < m else "against" if abs(x) > m else "tie"
        target = m if x >= 0 else -m
    need, because = None, ""
    if holds is None:
        if seeds:
            need, because = seeds_needed(iv, target)
        else:
            because = why or "not a seed interval"
    return Decision(holds, iv, kind, m, direction, need, because)


def gain(a, b, m: float, confidence: float = 0.95) -> Decision:
    """"A beats B by at least m": the 95 % t-interval over seeds of the paired difference a − b (``a``, ``b``
    per-seed values, higher is better, paired by seed) against the registered smallest effect of interest
    ``m`` ≥ 0. Holds when its lower end > m; **fails when its upper end < m** (a gain as large as m is excluded:
    equivalent or worse); undecided otherwise (one seed: always undecided, not reachable)."""
    if m < 0:
        raise ValueError(f"the smallest effect of interest must be >= 0, got {m}")
    return decide(paired_interval(a, b, confidence), "gain", m)


def close(a, b, m: float, confidence: float = 0.95) -> Decision:
    """"A ≈ B": the t-interval of the paired difference a − b inside (−m, m) holds; entirely outside the band on
    one side fails; undecided otherwise."""
    return decide(paired_interval(a, b, confidence), "close", m)


def above(values, threshold: float, confidence: float = 0.95) -> Decision:
    """A value that must exceed ``threshold``: the seed t-interval of ``values`` above it holds, below it fails."""
    return decide(seed_interval(values, confidence), "above", threshold)


def below(values, threshold: float, confidence: float = 0.95) -> Decision:
    """A value that must stay under ``threshold``: the seed interval below it holds, above it fails."""
    return decide(seed_interval(values, confidence), "below", threshold)


def mark(part) -> str:
    """✓ / ✗ / undecided for a part (a Decision or True / False / None)."""
    h = part.holds if isinstance(part, Decision) else part
    return {True: "✓", False: "✗", None: "undecided"}[None if h is None else bool(h)]


# ---------------------------------------------------------------------------------------------------- combining


def _holds(p):
    if isinstance(p, Decision):
        return p.holds
    if p is None or isinstance(p, (bool, np.bool_)):
        return None if p is None else bool(p)
    raise TypeError(f"a part is a Decision or True / False / None, got {type(p).__name__}")


def _resolutions(rule: Callable[..., str], states: dict) -> tuple[dict, list]:
    """({combo of the open parts: verdict} over every way the undecided parts could fall, the open parts' names)."""
    open_ = [k for k, v in states.items() if v is None]
    return {combo: rule(**{**states, **dict(zip(open_, combo))})
            for combo in itertools.product((True, False), repeat=len(open_))}, open_


def settle(rule: Callable[..., str], **parts) -> str:
    """The verdict of ``rule(**parts)`` when some parts are undecided (None, or a :class:`Decision` whose
    ``holds`` is None).

    Every way of deciding the undecided parts (True / False) is tried: if all give the same verdict it is
    the verdict, otherwise the claim is ``inconclusive`` — more seeds, not the rule, would decide it.
    """
    return judgement(rule, **parts).verdict


@dataclass(frozen=True)
class Judgement:
    """A rule applied to its parts: the ``verdict``; ``admissible``, every verdict the undecided parts still allow
    (one when decided); ``lean``, the verdict if every undecided part fell the way its estimate points (None when an
    estimate sits on its value or a part carries no estimate); ``direction`` (for / against the paper, mixed, tie);
    ``seeds_needed``, the seeds at which every undecided part that could change the verdict would be decided (None:
    not reachable — ``why``)."""

    verdict: str
    admissible: tuple
    lean: str | None = None
    seeds_needed: int | None = None
    why: str = ""
    parts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        v = self.verdict if self.verdict != "inconclusive" else self.lean
        return {"reproduced": "for", "not reproduced": "against", "partly reproduced": "mixed"}.get(v, "tie" if
                                                                                                   self.verdict == "inconclusive" else "")

    def note(self) -> str:
        """What an inconclusive verdict means here, in words."""
        if self.verdict != "inconclusive":
            return self.verdict
        lean = f"leaning {self.lean}" if self.lean else "no lean (an estimate sits on its value)"
        need = (f"about {self.seeds_needed} seeds would decide it" if self.seeds_needed is not None
                else f"more seeds cannot decide it ({self.why})")
        return f"inconclusive: {lean}; {need}"


def judgement(rule: Callable[..., str], **parts) -> Judgement:
    """:func:`settle` with everything a reader needs about an undecided claim (a :class:`Judgement`).

    ``parts``: name → :class:`Decision` or True / False / None. The seeds needed count only the undecided parts
    that matter (flipping the part changes the verdict for some way the others fall)."""
    states = {k: _holds(v) for k, v in parts.items()}
    n_open = sum(v is None for v in states.values())
    if n_open > MAX_OPEN:
        raise ValueError(f"{n_open} undecided parts would mean 2^{n_open} resolutions to try: split the rule into "
                         f"sub-rules (a Judgement per group, as a Decision-free part) of at most {MAX_OPEN}")
    res, open_ = _resolutions(rule, states)
    seen = set(res.values())
    verdict = next(iter(seen)) if len(seen) == 1 else "inconclusive"
    admissible = tuple(v for v in VERDICTS if v in seen)
    lean_vals = {}
    for k in open_:
        p = parts[k]
        lean_vals[k] = p.lean if isinstance(p, Decision) else None
    lean = None
    if verdict != "inconclusive":
        lean = verdict
    elif all(v is not None for v in lean_vals.values()):
        lean = rule(**{**states, **lean_vals})
    need, why = None, ""
    if verdict == "inconclusive":
        matter = []
        for i, k in enumerate(open_):
            if any(res[c] != res[c[:i] + (not c[i],) + c[i + 1:]] for c in res):
                matter.append(k)
        counts = []
        for k in matter:
            p = parts[k]
            if not isinstance(p, Decision):
                why = "a part that could change the verdict has no interval"
                counts = None
                break
            if p.seeds_needed is None:
                why = p.why
                counts = None
                break
            counts.append(p.seeds_needed)
        if counts:
            need = max(counts)
    return Judgement(verdict, admissible, lean, need, why, dict(parts))


def _parts_rule(**kw):
    ps = list(kw.values())
    return "reproduced" if all(ps) else "partly reproduced" if any(ps) else "not reproduced"


def combine_parts(parts: Sequence, judged: bool = False):
    """A claim made of several parts: all hold → reproduced, some → partly, none → not reproduced.

    A part is True / False / None or a :class:`Decision`; undecided parts go through :func:`settle`. Returns the
    verdict (str), or with ``judged=True`` the :class:`Judgement`."""
    parts = list(parts)
    if not parts:
        raise ValueError("need at least one part")
    j = judgement(_parts_rule, **{f"p{i}": p for i, p in enumerate(parts)})
    return j if judged else j.verdict


def _gains_rule(**kw):
    ps = list(kw.values())
    nh, nf = sum(ps), len(ps) - sum(ps)
    return "reproduced" if nf == 0 else "partly reproduced" if nh > nf else "not reproduced"


def combine_gains(decisions: Sequence, judged: bool = False):
    """A claim "A beats B" over several comparisons (:func:`gain` decisions, or True / False / None).

    reproduced: the gain holds in all; partly reproduced: it holds in more comparisons than it fails; not
    reproduced: it fails in at least as many as it holds. Undecided comparisons go through :func:`settle`: the
    claim is inconclusive only when they could change the verdict. Returns the verdict (or the
    :class:`Judgement` with ``judged=True``)."""
    decisions = list(decisions)
    if not decisions:
        raise ValueError("need at least one comparison")
    j = judgement(_gains_rule, **{f"c{i}": d for i, d in enumerate(decisions)})
    return j if judged else j.verdict


def won_shares(decisions: Sequence, name: str) -> dict:
    """The share of comparisons that hold, as headline numbers: ``{name: n_hold / n, name + "_undecided":
    n_undecided / n}`` over :class:`Decision` s (or True / False / None).

    A share of decided items moves in steps of 1/n, and only the items within the noise can move it without a
    contradiction (holds ↔ undecided ↔ fails; never holds ↔ fails in one step): ``tools/validate.py`` accepts a
    rerun's share when it differs from the committed one by no more than those items allow — down by the
    rerun's undecided share at most, up by the committed one's.
    """
    states = [_holds(d) for d in decisions]
    if not states:
        raise ValueError("need at least one comparison")
    n = len(states)
    return {name: sum(s is True for s in states) / n, f"{name}_undecided": sum(s is None for s in states) / n}


def combine_protocols(judgements: Mapping[str, Judgement], informative: Mapping[str, bool] | None = None) -> Judgement:
    """A claim judged under several protocols (each a :class:`Judgement`): the common verdict when all agree, else
    partly reproduced.

    An undecided protocol is tried as each verdict **its own parts admit** (``Judgement.admissible``), and the
    claim is inconclusive only when the combination depends on which. A protocol marked not informative
    (``informative[p]`` False: e.g. every method within chance + noise, so it cannot tell the methods apart) is
    left out of the combination — it is no veto — and named in the evidence by the caller. With no informative
    protocol the claim is inconclusive (not reachable by more seeds)."""
    informative = dict(informative or {})
    use = {p: j for p, j in judgements.items() if informative.get(p, True)}
    if not judgements:
        raise ValueError("need at least one protocol")
    if not use:
        return Judgement("inconclusive", (), None, None, "no protocol is informative", dict(judgements))
    for p, j in use.items():
        if j.verdict == "not testable":
            raise ValueError(f"protocol {p} is not testable: leave it out of the combination")
    opts = [j.admissible if j.verdict == "inconclusive" else (j.verdict,) for j in use.values()]
    comb = lambda vs: vs[0] if len(set(vs)) == 1 else "partly reproduced"
    seen = {comb(c) for c in itertools.product(*opts)}
    verdict = next(iter(seen)) if len(seen) == 1 else "inconclusive"
    admissible = tuple(v for v in VERDICTS if v in seen)
    leans = [j.verdict if j.verdict != "inconclusive" else j.lean for j in use.values()]
    lean = verdict if verdict != "inconclusive" else (comb(leans) if all(leans) else None)
    need, why = None, ""
    if verdict == "inconclusive":
        open_ = [(p, j) for p, j in use.items() if j.verdict == "inconclusive"]
        counts = [j.seeds_needed for _, j in open_]
        if all(c is not None for c in counts):
            need = max(counts)
        else:
            why = "; ".join(f"{p}: {j.why}" for p, j in open_ if j.seeds_needed is None)
    return Judgement(verdict, admissible, lean, need, why, dict(use))
