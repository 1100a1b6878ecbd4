"""tools/validate.py (make validate): what it accepts and what it reports as a difference."""
import importlib.util
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("validate", ROOT / "tools" / "validate.py")
validate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(validate)


def _claim(verdict="reproduced", **numbers):
    return {"claims": [{"id": "x-1", "verdict": verdict, "numbers": numbers}]}


def test_equal_runs_pass_and_a_verdict_change_fails():
    c = _claim(acc=0.5, acc_lo=0.4, acc_hi=0.6, pure=1.25)
    assert validate.check_topic(c, c, {}) == []
    bad = validate.check_topic(c, _claim("inconclusive", acc=0.5, pure=1.25), {})
    assert bad == ["x-1: verdict 'inconclusive', committed 'reproduced'"]


def test_trained_numbers_use_the_interval_of_a_difference_of_two_means():
    c = _claim(acc=0.5, acc_lo=0.4, acc_hi=0.6)
    # inside the committed interval: fine; just outside it but inside the √2-widened band: fine
    for got in (0.45, 0.6 + 0.1 * (math.sqrt(2) - 1) - 1e-6, 0.5 - 0.1 * math.sqrt(2) + 1e-6):
        assert validate.check_topic(c, _claim(acc=got), {}) == [], got
    # beyond the widened band: a difference that names both intervals
    out = validate.check_topic(c, _claim(acc=0.5 + 0.1 * math.sqrt(2) + 1e-6), {})
    assert len(out) == 1 and "outside the committed interval [0.4, 0.6]" in out[0] and "0.641421" in out[0]
    # an asymmetric interval widens each side by its own half-width
    c2 = _claim(n=75.0, n_lo=35.0, n_hi=512.0)
    assert validate.check_topic(c2, _claim(n=20.0), {}) == []  # 75 − √2·40 ≈ 18.4
    assert validate.check_topic(c2, _claim(n=15.0), {}) != []


def test_pure_math_numbers_need_1e9_unless_a_tolerance_is_stated():
    c = _claim(cka=0.123456789)
    assert validate.check_topic(c, _claim(cka=0.123456789 + 1e-12), {}) == []
    assert validate.check_topic(c, _claim(cka=0.1235), {}) != []
    assert validate.check_topic(c, _claim(cka=0.1235), {"x-1/cka": {"abs": 1e-3}}) == []
    assert validate.check_topic(c, _claim(cka=0.1235), {"x-1/*": {"abs": 1e-3}}) == []
    assert validate.check_topic(c, _claim(), {}) == ["x-1: number 'cka' missing from the fresh run"]


def test_missing_claims_and_timing_claims():
    c = _claim(acc=0.5)
    assert validate.check_topic(c, {"claims": []}, {}) == ["x-1: missing from the fresh run"]
    timing = {"claims": [{"id": "x-1", "verdict": "reproduced", "timing": True, "numbers": {"s": 1.0}}]}
    fresh = {"claims": [{"id": "x-1", "verdict": "reproduced", "timing": True, "numbers": {"s": 9.0}}]}
    assert validate.check_topic(timing, fresh, {}) == []
    other = {"claims": [{"id": "x-1", "verdict": "partly reproduced", "timing": True, "numbers": {"s": 9.0}}]}
    notes = []
    assert validate.check_topic(timing, other, {}, notes) == []
    assert notes == ["x-1 (timing, machine-dependent; not compared): verdict 'partly reproduced' here, "
                     "committed 'reproduced'"]


def test_a_share_of_comparisons_won_moves_only_through_the_undecided_ones():
    from xmodal.claims import won_shares

    n = 12
    committed = _claim("inconclusive", **won_shares([None] * 11 + [False], "frac"))
    assert committed["claims"][0]["numbers"] == {"frac": 0.0, "frac_undecided": 11 / n}
    # one undecided pair now won (the avx2 run of 01-7): within the committed run's 11 undecided ones
    fresh = _claim("inconclusive", **won_shares([True] + [None] * 10 + [False], "frac"))
    assert validate.check_topic(committed, fresh, {}) == []
    # the same step with nothing undecided in the committed run is a real disagreement
    decided = _claim("inconclusive", **won_shares([False] * n, "frac"))
    out = validate.check_topic(decided, fresh, {})
    assert len(out) == 1 and "frac = 0.0833333, committed 0" in out[0] and "[0, 0]" in out[0]
    # downwards the fresh run's undecided share is the room: 3/12 won -> 1/12 won needs >= 2 undecided here
    three = _claim("inconclusive", **won_shares([True] * 3 + [False] * 9, "frac"))
    one_two = _claim("inconclusive", **won_shares([True] + [None] * 2 + [False] * 9, "frac"))
    one_one = _claim("inconclusive", **won_shares([True] + [None] + [False] * 10, "frac"))
    assert validate.check_topic(three, one_two, {}) == []
    assert validate.check_topic(three, one_one, {}) != []
    # a run that lacks the undecided share falls back to the stated tolerance (here the 1e-9 default)
    assert validate.check_topic(committed, _claim("inconclusive", frac=1 / n), {}) != []
    assert validate.check_topic(committed, _claim("inconclusive", frac=1 / n), {"x-1/frac": {"abs": 0.1}}) == []
