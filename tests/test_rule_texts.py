"""Every paper's registered rules, read as a reader reads them: the text prints numbers rather than code names,
every rule registers its smallest effects of interest with a reason, and every claim has a test that drives its
rule to each verdict it names (``test_rule_<NN>_<k>_reaches_every_verdict``)."""
import re
from pathlib import Path

import pytest

from xmodal.claims import VERDICTS, Margin
from xmodal.papers.hyperbolic_gap.paper import REGISTRY as R04
from xmodal.papers.pic_at_point.paper import REGISTRY as R05
from xmodal.papers.platos_cave.paper import REGISTRY as R01
from xmodal.papers.pointspider.paper import REGISTRY as R03
from xmodal.papers.wpce.paper import REGISTRY as R02

REGISTRIES = (R01, R02, R03, R04, R05)
CLAIMS = [c for r in REGISTRIES for c in r if c.kind == "claim"]
TESTS = Path(__file__).resolve().parent

#: what gives a code name away in a sentence meant for readers
CODE = [(re.compile(r"\b[a-z]{2,}(?:_[a-z0-9]+)+\b"), "a snake_case identifier"),
        (re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b"), "an ALL_CAPS constant"),
        (re.compile(r"`"), "a backtick"),
        (re.compile(r"\b(?:compare|settle|decided)\(|\bcombine_|\bxmodal\."), "a call of the library")]


def test_there_are_28_paper_claims():
    assert len(CLAIMS) == 28


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_rule_text_names_numbers_not_code(claim):
    for text in (claim.rule.text, claim.rule.margin):
        for pattern, what in CODE:
            m = pattern.search(text)
            assert m is None, f"{claim.id}: the rule text has {what} ({m.group(0)!r}): print the registered value"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_rule_registers_its_smallest_effects_with_reasons(claim):
    margins = claim.rule.margins
    assert margins, f"{claim.id}: register the rule's smallest effect of interest (or threshold) as a Margin"
    for m in margins:
        assert isinstance(m, Margin) and len(m.reason.split()) >= 3, f"{claim.id}: {m.name} needs a reason"
        assert m.fmt() in claim.rule.full_text
    assert set(claim.rule.unreachable) <= set(VERDICTS) - {"not testable"}


def test_every_claim_has_a_test_that_reaches_every_verdict():
    names = set()
    for f in TESTS.glob("test_*.py"):
        names |= set(re.findall(r"def (test_rule_\d\d_\d+_reaches_every_verdict)\(", f.read_text()))
    want = {f"test_rule_{c.id.replace('-', '_')}_reaches_every_verdict" for c in CLAIMS}
    assert not want - names, f"claims without a reach test: {sorted(want - names)}"
