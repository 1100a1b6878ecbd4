"""Claims as data: one registry per paper, one verdict vocabulary, one comparison helper.

A paper package declares its claims in a :class:`Registry` **before** any result exists: id ``NN-k``,
the statement, the paper's value and the :class:`Rule` (metric, threshold, noise margin, and the rule in
words). A pipeline then *judges* each claim from its measurements with :meth:`Registry.judge`, which
checks the verdict against the vocabulary and returns an :class:`Outcome`; the notebook, ``results.json``,
``reports/README.md`` and the tests all read these objects — no verdict logic lives in a notebook.

Verdicts (:data:`VERDICTS`):

- ``reproduced`` — the rule holds;
- ``partly reproduced`` — some of its parts hold;
- ``not reproduced`` — the rule fails beyond the noise;
- ``inconclusive`` — the difference the claim is about lies within the noise of the measurement
  (e.g. the confidence interval of a paired difference over seeds contains the margin's band);
- ``not testable`` — the stand-ins cannot test it here (the outcome says why and what would).

Notebook 00's sanity checks use the same machinery with ``kind="check"``; they are not paper claims and
are not counted in the verdict tally.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import itertools
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .evaluation.stats import Interval, paired_interval, seed_interval

__all__ = ["VERDICTS", "ICONS", "Rule", "Claim", "Outcome", "Registry", "Interval", "paired_interval",
           "seed_interval", "compare", "decided", "settle", "combine_parts", "combine_comparisons", "won_shares"]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "inconclusive", "not testable")
ICONS = {"reproduced": "✅", "partly reproduced": "🟡", "not reproduced": "❌", "inconclusive": "❔",
         "not testable": "⚪"}
#: outcomes of :func:`compare`
COMPARISONS = ("better", "worse", "inconclusive")


@dataclass(frozen=True)
class Rule:
    """How a claim is decided, fixed before the run.

    ``metric``: what is measured; ``threshold``: the value the metric must pass (None where the rule is a
    comparison of methods); ``margin``: the noise margin (e.g. "95 % t-interval of the paired difference
    over training seeds must exclude 0"); ``text``: the whole rule in words, including what gives
    ``partly reproduced``.
    """

    metric: str
    text: str
    threshold: Any = None
    margin: str = ""


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
    """A claim judged: its verdict, our headline value (text), the evidence line and the headline
    ``numbers`` (a flat dict of floats the claim tests compare with ``tests/expected``)."""

    claim: Claim
    verdict: str
    ours: str
    evidence: str
    numbers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.claim.id

    def as_dict(self) -> dict:
        return {"id": self.claim.id, "kind": self.claim.kind, "timing": self.claim.timing, "statement": self.claim.statement,
                "paper_value": self.claim.paper_value, "rule": self.claim.rule.text,
                "metric": self.claim.rule.metric, "threshold": self.claim.rule.threshold,
                "margin": self.claim.rule.margin, "verdict": self.verdict, "our_value": self.ours,
                "evidence": self.evidence, "numbers": self.numbers}

    def markdown(self) -> str:
        """The verdict as a short Markdown block (for the notebooks)."""
        return (f"**{self.claim.id}** — {ICONS[self.verdict]} **{self.verdict}**  \n"
                f"*Claim:* {self.claim.statement}  \n*Paper:* {self.claim.paper_value}  \n"
                f"*Ours:* {self.ours}  \n*Rule:* {self.claim.rule.text}  \n*Evidence:* {self.evidence}")


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

    def judge(self, cid: str, verdict: str, ours: str, evidence: str, numbers: dict | None = None) -> Outcome:
        """The :class:`Outcome` of claim ``cid``; ``verdict`` must be one of :data:`VERDICTS`."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} of {cid} is not one of {VERDICTS}")
        nums = {}
        for k, v in (numbers or {}).items():
            v = float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v
            nums[str(k)] = v
        return Outcome(self[cid], verdict, str(ours), str(evidence), nums)

    def rules_frame(self):
        """The pre-registered rules as a table (claim, statement, metric, threshold, margin, rule)."""
        import pandas as pd

        return pd.DataFrame([{"claim": c.id, "statement": c.statement, "metric": c.rule.metric,
                              "threshold": c.rule.threshold, "margin": c.rule.margin, "rule": c.rule.text}
                             for c in self])

    @staticmethod
    def frame(outcomes: Iterable[Outcome]):
        """One row per outcome: claim, statement, paper, ours, verdict (with its icon), evidence."""
        import pandas as pd

        return pd.DataFrame([{"claim": o.id, "statement": o.claim.statement, "paper": o.claim.paper_value,
                              "ours": o.ours, "verdict": f"{ICONS[o.verdict]} {o.verdict}", "evidence": o.evidence}
                             for o in outcomes],
                            columns=["claim", "statement", "paper", "ours", "verdict", "evidence"])


def compare(a, b, margin: float = 0.0, confidence: float = 0.95) -> tuple[str, Interval]:
    """Does A beat B by more than ``margin``? The one comparison helper of the project.

    ``a``, ``b``: per-seed values of the metric (higher is better), paired by seed. The paired difference
    d = a − b gets a t-interval; ``better`` when its lower end exceeds ``margin``, ``worse`` when its upper
    end is below −``margin``, ``inconclusive`` otherwise (the interval reaches into the band
    [−margin, margin], or there are too few seeds). Returns (outcome, interval).
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    iv = paired_interval(a, b, confidence)
    if iv.lo > margin:
        return "better", iv
    if iv.hi < -margin:
        return "worse", iv
    return "inconclusive", iv


def settle(rule: Callable[..., str], **parts) -> str:
    """The verdict of ``rule(**parts)`` when some parts are ``None`` (undecided: within the noise).

    Every way of deciding the undecided parts (True / False) is tried: if all give the same verdict it is
    the verdict, otherwise the claim is ``inconclusive`` — the noise, not the evidence, would decide it.
    """
    open_ = [k for k, v in parts.items() if v is None]
    seen = {rule(**{**parts, **dict(zip(open_, combo))}) for combo in itertools.product((True, False), repeat=len(open_))}
    return seen.pop() if len(seen) == 1 else "inconclusive"


def decided(outcome: str) -> bool | None:
    """An outcome of :func:`compare` as a part: True (better), False (worse), None (within the noise)."""
    return {"better": True, "worse": False, "inconclusive": None}[outcome]


def combine_parts(parts: Sequence[bool | None]) -> str:
    """A claim made of several parts: all hold → reproduced, some → partly, none → not reproduced.

    A part may be ``None`` (within the noise); the verdict is then decided by :func:`settle` — the common
    verdict of every way the undecided parts could fall, else ``inconclusive``.
    """
    parts = [None if p is None else bool(p) for p in parts]
    if not parts:
        raise ValueError("need at least one part")

    def rule(**kw):
        ps = list(kw.values())
        return "reproduced" if all(ps) else "partly reproduced" if any(ps) else "not reproduced"

    return settle(rule, **{f"p{i}": p for i, p in enumerate(parts)})


def combine_comparisons(outcomes: Sequence[str]) -> str:
    """A claim "A beats B" over several comparisons (outcomes of :func:`compare`).

    reproduced: better in all; partly reproduced: better in more comparisons than worse (not all);
    not reproduced: worse in at least one and in at least as many as better; inconclusive: no comparison
    is better or worse (all within the noise).
    """
    outcomes = list(outcomes)
    if not outcomes or any(o not in COMPARISONS for o in outcomes):
        raise ValueError(f"outcomes must be a non-empty list of {COMPARISONS}, got {outcomes}")
    nb, nw = outcomes.count("better"), outcomes.count("worse")
    if nb == len(outcomes):
        return "reproduced"
    if nb == 0 and nw == 0:
        return "inconclusive"
    if nb > nw:
        return "partly reproduced"
    return "not reproduced"


def won_shares(outcomes: Sequence[str], name: str) -> dict:
    """The share of comparisons won, as headline numbers: ``{name: n_better / n, name + "_undecided":
    n_inconclusive / n}`` over outcomes of :func:`compare`.

    A share of decided items moves in steps of 1/n, and only the items within the noise can move it without a
    contradiction (better ↔ inconclusive ↔ worse; never better ↔ worse in one step): ``tools/validate.py``
    accepts a rerun's share when it differs from the committed one by no more than those items allow — down by
    the rerun's undecided share at most, up by the committed one's.
    """
    outcomes = list(outcomes)
    if not outcomes or any(o not in COMPARISONS for o in outcomes):
        raise ValueError(f"outcomes must be a non-empty list of {COMPARISONS}, got {outcomes}")
    n = len(outcomes)
    return {name: outcomes.count("better") / n, f"{name}_undecided": outcomes.count("inconclusive") / n}
