"""The decision helpers of :mod:`xmodal.claims` on hand-made intervals: gain, close, above / below, the seeds
needed, and how parts, comparisons and protocols combine (settle, lean, direction, admissible verdicts)."""
import math

import numpy as np
import pytest
from scipy import stats

from xmodal import claims
from xmodal.claims import Decision, Interval

A = np.array([0.70, 0.72, 0.71])


def _iv(mean, half, n=3):
    return Interval(mean, mean - half, mean + half, n)


# ---------------------------------------------------------------------------------------------------- gain


def test_gain_holds_fails_and_stays_undecided_against_m():
    m = 0.01
    assert claims.gain(A, A - 0.10, m).holds is True                       # interval well above m
    worse = claims.gain(A - 0.10, A, m)
    assert worse.holds is False and worse.direction == "against"           # worse: the gain is excluded
    # equivalent: the interval lies around 0, all of it below m -> a gain of m is excluded -> fails
    eq = claims.gain(A + np.array([0.001, -0.001, 0.0]), A, 0.02)
    assert eq.interval.hi < 0.02 and eq.holds is False
    # straddling m: undecided, with its direction and a seed count
    st = claims.gain(A + np.array([0.02, -0.005, 0.01]), A, m)
    assert st.interval.lo < m < st.interval.hi and st.holds is None
    assert st.direction == "against" and st.seeds_needed is not None  # mean 0.0083 < m
    # a gain smaller than m is no gain: the whole interval above 0 but below m fails
    small = claims.gain(A + np.array([0.004, 0.005, 0.006]), A, m)
    assert small.interval.lo > 0 and small.holds is False


def test_gain_one_seed_and_zero_spread():
    one = claims.gain([0.9], [0.1], 0.01)
    assert one.holds is None and one.seeds_needed is None and "no spread" in one.why
    zero = claims.gain(A + 0.05, A, 0.01)                                  # every seed +0.05: a point interval
    assert zero.interval.lo == pytest.approx(zero.interval.hi) and zero.holds is True
    on = claims.gain(A + 0.01, A, 0.01)                                    # exactly on m, no spread
    assert on.direction in ("tie", "for", "against")                       # float rounding decides the side
    with pytest.raises(ValueError, match=">= 0"):
        claims.gain(A, A, -0.1)
    with pytest.raises(ValueError, match="same seeds"):
        claims.gain([1, 2], [1, 2, 3], 0.0)


def test_decision_is_not_a_truth_value():
    d = claims.gain(A, A - 0.1, 0.01)
    with pytest.raises(TypeError, match="holds"):
        bool(d)


# ---------------------------------------------------------------------------------------------------- close


def test_close_inside_outside_and_straddling_the_band():
    m = 0.02
    inside = claims.decide(_iv(0.005, 0.01), "close", m)
    assert inside.holds is True and inside.direction == "for"
    above_band = claims.decide(_iv(0.05, 0.01), "close", m)
    below_band = claims.decide(_iv(-0.05, 0.01), "close", m)
    assert above_band.holds is False and below_band.holds is False
    touching = claims.decide(Interval(0.03, 0.02, 0.04, 3), "close", m)    # lo == m: outside the open band
    assert touching.holds is False
    wide = claims.decide(_iv(0.0, 0.5), "close", m)                        # a wide interval is no evidence of a tie
    assert wide.holds is None and wide.direction == "for" and wide.seeds_needed > 3
    straddle_hi = claims.decide(_iv(0.025, 0.01), "close", m)
    assert straddle_hi.holds is None and straddle_hi.direction == "against"
    with pytest.raises(ValueError, match="m > 0"):
        claims.decide(_iv(0, 1), "close", 0.0)


# ---------------------------------------------------------------------------------------------------- thresholds


def test_above_and_below_a_registered_value():
    assert claims.above([0.6, 0.62, 0.61], 0.5).holds is True
    assert claims.above([0.4, 0.42, 0.41], 0.5).holds is False
    assert claims.above([0.3, 0.7, 0.5], 0.5).holds is None
    assert claims.below([0.4, 0.42, 0.41], 0.5).holds is True
    assert claims.below([0.6, 0.62, 0.61], 0.5).holds is False
    b = claims.below([0.45, 0.56, 0.5], 0.5)
    assert b.holds is None and b.direction in ("for", "against", "tie")
    with pytest.raises(ValueError, match="kind"):
        claims.decide(_iv(0, 1), "bigger", 0.0)


# ---------------------------------------------------------------------------------------------------- seeds needed


def test_seeds_needed_is_the_first_n_whose_half_width_clears_the_gap():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n0 = int(rng.integers(2, 8))
        x = rng.normal(rng.normal(0, 1), rng.uniform(0.1, 2), n0)
        iv = claims.seed_interval(x)
        target = float(iv.mean + rng.uniform(-1.5, 1.5))
        n, _ = claims.seeds_needed(iv, target)
        s = float(np.std(x, ddof=1))
        brute = next((k for k in range(2, claims.MAX_SEEDS + 1)
                      if stats.t.ppf(0.975, k - 1) * s / math.sqrt(k) < abs(iv.mean - target)), None)
        assert n == brute


def test_seeds_needed_not_reachable():
    assert claims.seeds_needed(_iv(0.5, 0.1), 0.5) == (None, "the estimate sits on the registered value")
    assert claims.seeds_needed(Interval(0.5, -math.inf, math.inf, 1), 0.0)[0] is None
    n, why = claims.seeds_needed(_iv(0.0, 10.0), 1e-4)
    assert n is None and "more than" in why
    # an undecided decision from a bootstrap interval carries no seed count
    d = claims.decide(_iv(0.0, 1.0), "gain", 0.1, seeds=False)
    assert d.holds is None and d.seeds_needed is None and d.why == "not a seed interval"
    d2 = claims.decide(_iv(0.0, 1.0), "gain", 0.1, seeds=False, why="a larger test set would decide it")
    assert d2.why == "a larger test set would decide it"
    j = claims.combine_parts([d2], judged=True)
    assert j.seeds_needed is None and "larger test set" in j.note()


# ---------------------------------------------------------------------------------------------------- combining


def test_combine_parts_verdicts_and_settle():
    assert claims.combine_parts([True, True]) == "reproduced"
    assert claims.combine_parts([True, False]) == "partly reproduced"
    assert claims.combine_parts([False]) == "not reproduced"
    assert claims.combine_parts([True, None]) == "inconclusive"       # reproduced or partly
    assert claims.combine_parts([False, None]) == "inconclusive"      # partly or not
    assert claims.settle(lambda a, b: "reproduced" if a or b else "not reproduced", a=True, b=None) == "reproduced"
    with pytest.raises(TypeError, match="Decision"):
        claims.combine_parts(["better"])
    with pytest.raises(ValueError):
        claims.combine_parts([])


def test_combine_gains_goes_through_settle():
    hold, fail, und = (claims.decide(_iv(x, h), "gain", 0.01) for x, h in ((0.1, 0.01), (-0.1, 0.01), (0.012, 0.01)))
    c = claims.combine_gains
    assert c([hold, hold]) == "reproduced"
    assert c([hold, fail]) == "not reproduced"                       # holds in as many as it fails
    assert c([hold, hold, fail]) == "partly reproduced"
    assert c([fail, fail]) == "not reproduced"
    assert c([hold, und]) == "inconclusive"                          # reproduced or not reproduced
    assert c([fail, und]) == "not reproduced"                        # 1-1 or 0-2: not reproduced either way
    assert c([und, und]) == "inconclusive"


def test_judgement_lean_direction_and_seeds_needed():
    und_for = claims.decide(_iv(0.02, 0.015), "gain", 0.01)          # mean above m: leans holding
    und_against = claims.decide(_iv(0.0, 0.015), "gain", 0.01)
    assert und_for.holds is None and und_for.lean is True and und_against.lean is False
    j = claims.combine_parts([True, und_against], judged=True)
    assert j.verdict == "inconclusive" and j.lean == "partly reproduced" and j.direction == "mixed"
    assert j.admissible == ("reproduced", "partly reproduced") and j.seeds_needed == und_against.seeds_needed
    j2 = claims.combine_gains([und_against, und_against], judged=True)
    assert j2.lean == "not reproduced" and j2.direction == "against"
    assert "leaning not reproduced" in j2.note() and "seeds would decide" in j2.note()
    # a part that cannot change the verdict does not count towards the seeds needed
    slow = claims.decide(_iv(0.0105, 0.02), "gain", 0.01)            # needs very many seeds
    j3 = claims.judgement(lambda a, b: "reproduced" if a else "not reproduced", a=und_for, b=slow)
    assert j3.seeds_needed == und_for.seeds_needed
    # a plain None part (no interval): not reachable
    j4 = claims.combine_parts([True, None], judged=True)
    assert j4.seeds_needed is None and "no interval" in j4.why and j4.direction == "tie"
    decided = claims.combine_parts([True, True], judged=True)
    assert decided.direction == "for" and decided.admissible == ("reproduced",) and decided.seeds_needed is None


def test_registry_judge_records_direction_and_seeds_needed():
    reg = claims.Registry("07", [claims.Claim("07-1", "s", 1, claims.Rule("acc", "gain > 1 pt"))])
    und = claims.decide(_iv(0.0, 0.015), "gain", 0.01)
    o = reg.judge("07-1", claims.combine_gains([und], judged=True), "ours", "ev", {"x": 1})
    assert o.verdict == "inconclusive" and o.direction == "against"
    assert o.numbers["seeds_needed"] == und.seeds_needed and o.seeds_needed == und.seeds_needed
    assert o.evidence.startswith("ev — inconclusive: leaning not reproduced")
    d = o.as_dict()
    assert d["direction"] == "against" and claims.seeds_text(d) == str(und.seeds_needed)
    unreachable = reg.judge("07-1", claims.combine_parts([None], judged=True), "o", "e")
    assert math.isnan(unreachable.numbers["seeds_needed"]) and claims.seeds_text(unreachable) == "not reachable"
    with pytest.raises(ValueError, match="Judgement"):
        reg.judge("07-1", "reproduced", "o", "e")         # a paper claim's verdict alone has no direction
    nt = reg.judge("07-1", "not testable", "o", "no weights offline")
    assert nt.direction == "" and "seeds_needed" not in nt.numbers and claims.seeds_text(nt) == ""
    checks = claims.Registry("08", [claims.Claim("08-1", "s", 1, claims.Rule("x", "x > 0"), kind="check")])
    assert checks.judge("08-1", "reproduced", "o", "e").direction == ""


def test_combine_protocols_uses_each_protocols_admissible_verdicts():
    partly_or_not = claims.combine_parts([False, None], judged=True)       # admits partly / not
    assert partly_or_not.admissible == ("partly reproduced", "not reproduced")
    partly = claims.combine_parts([True, False], judged=True)
    # partly + (partly or not): partly either way -> decided, not inconclusive
    assert claims.combine_protocols({"a": partly, "b": partly_or_not}).verdict == "partly reproduced"
    repro = claims.combine_parts([True, True], judged=True)
    assert claims.combine_protocols({"a": repro, "b": repro}).verdict == "reproduced"
    assert claims.combine_protocols({"a": repro, "b": partly}).verdict == "partly reproduced"
    repro_or_partly = claims.combine_parts([True, None], judged=True)
    j = claims.combine_protocols({"a": repro, "b": repro_or_partly})
    assert j.verdict == "inconclusive" and j.admissible == ("reproduced", "partly reproduced")
    # a protocol that is not informative is no veto
    assert claims.combine_protocols({"a": repro, "b": repro_or_partly}, {"b": False}).verdict == "reproduced"
    none_left = claims.combine_protocols({"a": repro}, {"a": False})
    assert none_left.verdict == "inconclusive" and "informative" in none_left.why
    nt = claims.Judgement("not testable", ("not testable",))
    with pytest.raises(ValueError, match="not testable"):
        claims.combine_protocols({"a": nt})


def test_won_shares_counts_holding_and_undecided():
    w = claims.won_shares([True, None, False, True], "frac")
    assert w == {"frac": 0.5, "frac_undecided": 0.25}
    d = claims.decide(_iv(0.0, 1.0), "gain", 0.1)
    assert claims.won_shares([d], "x") == {"x": 0.0, "x_undecided": 1.0}
    with pytest.raises(ValueError):
        claims.won_shares([], "frac")
    with pytest.raises(TypeError):
        claims.won_shares(["better"], "frac")


def test_margin_and_rule_text_carry_the_registered_values():
    mg = claims.Margin("gain", 0.01, "(1 pt)", "half the paper's 2-pt effect")
    r = claims.Rule("acc", "gain beyond 1 pt", margins=(mg,), unreachable={"partly reproduced": "one part"})
    assert r.m("gain") == 0.01 and "0.01 (1 pt) (half the paper's 2-pt effect)" in r.full_text
    assert "Cannot return: partly reproduced (one part)" in r.full_text
    with pytest.raises(KeyError):
        r.m("other")
    with pytest.raises(ValueError, match="reason"):
        claims.Margin("x", 1.0, "pt", " ")
    with pytest.raises(ValueError, match="finite"):
        claims.Margin("x", math.nan, "pt", "why")
    with pytest.raises(ValueError, match="verdicts"):
        claims.Rule("a", "t", unreachable={"maybe": "?"})


def test_margin_shown_and_too_many_open_parts():
    mg = claims.Margin("majority", 2 / 3, "of the pairs", "a clear majority", shown="two thirds of the pairs")
    assert mg.fmt() == "two thirds of the pairs" and mg.as_dict()["shown"] == "two thirds of the pairs"
    with pytest.raises(ValueError, match="undecided parts"):
        claims.combine_parts([None] * (claims.MAX_OPEN + 1))
    assert claims.combine_parts([None] * claims.MAX_OPEN) == "inconclusive"
