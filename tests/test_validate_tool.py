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


# --- malformed input is a named failure, never a traceback; no wrong passes (issue 30, items 4 and 5) ---

import json  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

GOOD = {"topic": "99_x", "scale": "default",
        "claims": [{"id": "99-1", "verdict": "reproduced", "numbers": {"acc": 0.5, "acc_lo": 0.4, "acc_hi": 0.6}},
                   {"id": "99-2", "verdict": "inconclusive", "numbers": {"cka": 0.25}}]}


def _report(root: Path, topic: str, data) -> Path:
    (root / topic).mkdir(parents=True, exist_ok=True)
    f = root / topic / "results.json"
    f.write_text(data if isinstance(data, str) else json.dumps(data))
    return f


def _main(monkeypatch, capsys, *args) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["validate.py", *map(str, args)])
    rc = validate.main()
    return rc, capsys.readouterr().out


def test_the_cli_passes_equal_reports(tmp_path, monkeypatch, capsys):
    _report(tmp_path / "c", "99_x", GOOD), _report(tmp_path / "f", "99_x", GOOD)
    rc, out = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f", "--topics", "99_x")
    assert rc == 0, out
    assert out == "validate: 99_x: verdicts and numbers reproduce the committed report\n"


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    (json.dumps(GOOD)[:40], "not valid JSON"),  # truncated by an interrupted run
    ("null", "holds null, not the JSON object"),
    ("[1, 2]", "holds a JSON list"),
])
@pytest.mark.parametrize("side", ["c", "f"])
def test_an_unreadable_results_json_is_a_failure_naming_the_file(tmp_path, monkeypatch, capsys, text, says, side):
    _report(tmp_path / "c", "99_x", GOOD), _report(tmp_path / "f", "99_x", GOOD)
    bad = _report(tmp_path / side, "99_x", text)
    rc, out = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f")
    assert rc == 1
    assert f"validate: 99_x: {bad}: " in out and says in out, out


def _with(**change) -> dict:
    d = json.loads(json.dumps(GOOD))
    for key, value in change.items():
        cid, _, field = key.partition("__")
        claim = next(c for c in d["claims"] if c["id"] == cid.replace("_", "-"))
        if value is None:
            del claim[field]
        else:
            claim[field] = value
    return d


@pytest.mark.parametrize("fresh, says", [
    (_with(**{"99_1__verdict": None}), "99-1: no 'verdict' in the fresh run"),
    (_with(**{"99_1__id": None}), "claim 0 of the fresh run has no 'id'"),
    (_with(**{"99_2__numbers": [0.25]}), "99-2: 'numbers' of the fresh run is a JSON list, not an object"),
    ({**GOOD, "claims": {"99-1": "reproduced"}}, "the fresh run has no claims list"),
    ({**GOOD, "claims": ["99-1"]}, "claim 0 of the fresh run is a JSON string, not an object"),
    (_with(**{"99_2__numbers": {"cka": "0.25"}}), "99-2: number 'cka' is '0.25' in the fresh run, 0.25 committed"),
    (_with(**{"99_1__numbers": {"acc": "0.5", "acc_lo": 0.4, "acc_hi": 0.6}}), "number 'acc' is '0.5'"),
    (_with(**{"99_1__numbers": {"acc": 0.5, "acc_lo": "0.4", "acc_hi": 0.6}}), "number 'acc_lo' is '0.4'"),
])
def test_a_malformed_claim_is_a_named_failure(tmp_path, monkeypatch, capsys, fresh, says):
    assert validate.check_topic(GOOD, GOOD, {}) == []
    out = validate.check_topic(GOOD, fresh, {})
    assert any(says in p for p in out), out
    # the same through the command line: exit 1, no traceback
    _report(tmp_path / "c", "99_x", GOOD), _report(tmp_path / "f", "99_x", fresh)
    rc, text = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f")
    assert rc == 1 and says in text, text


def test_a_committed_number_given_as_a_string_is_a_failure():
    committed = _with(**{"99_2__numbers": {"cka": "0.25"}})
    assert validate.check_topic(committed, GOOD, {}) == ["99-2: number 'cka' is 0.25 in the fresh run, '0.25' "
                                                         "committed: not both numbers"]


def test_a_null_number_is_named_as_not_finite_and_a_bad_tolerance_is_a_failure():
    out = validate.check_topic(GOOD, _with(**{"99_2__numbers": {"cka": None}}), {})
    assert out == ["99-2: number 'cka' is null (not finite) in the fresh run"]
    out = validate.check_topic(GOOD, GOOD, {"99-2/cka": {"abs": "1e-3"}})
    assert out == ["tolerance '99-2/cka' = {'abs': '1e-3'}: expected {'abs': number, 'rel': number}"]


def test_a_run_at_another_scale_fails():
    ci = {**GOOD, "scale": "ci"}
    assert validate.check_topic(GOOD, ci, {}) == [
        "scale 'ci' in the fresh run, 'default' committed: a run at another scale is no evidence about this report; "
        "rerun at the committed scale"]
    assert validate.check_topic(GOOD, {k: v for k, v in GOOD.items() if k != "scale"}, {}) != []


def test_a_committed_report_without_claims_fails():
    empty = {**GOOD, "claims": []}
    for fresh in (GOOD, empty):
        out = validate.check_topic(empty, fresh, {})
        assert len(out) == 1 and out[0].startswith("the committed report has no claims"), out
    assert validate.check_topic({"topic": "99_x", "scale": "default"}, GOOD, {}) == [
        "the committed report has no claims list ('claims' is null)"]


def test_extra_and_duplicated_fresh_claims_are_failures():
    extra = {**GOOD, "claims": GOOD["claims"] + [{"id": "99-3", "verdict": "reproduced", "numbers": {}}]}
    assert validate.check_topic(GOOD, extra, {}) == ["99-3: in the fresh run only, not in the committed report"]
    twice = {**GOOD, "claims": GOOD["claims"] + [dict(GOOD["claims"][1], verdict="reproduced")]}
    assert validate.check_topic(GOOD, twice, {}) == ["99-2: listed 2 times in the fresh run"]


def test_the_topic_must_be_the_folders_and_the_other_runs(tmp_path, monkeypatch, capsys):
    other = {**GOOD, "topic": "98_y"}
    assert validate.check_topic(GOOD, other, {}) == ["topic '98_y' in the fresh run, '99_x' committed"]
    # 98_y's results in 99_x/: named, not reported as claims missing
    _report(tmp_path / "c", "99_x", GOOD), _report(tmp_path / "f", "99_x", other)
    rc, out = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f")
    assert rc == 1
    assert "the fresh run's results.json is of topic '98_y', but lies in the folder '99_x'" in out, out
    assert "missing" not in out


def test_topics_found_in_only_one_folder_are_flagged(tmp_path, monkeypatch, capsys):
    _report(tmp_path / "c", "99_x", GOOD), _report(tmp_path / "f", "99_x", GOOD)
    stray = _report(tmp_path / "f", "98_y", {**GOOD, "topic": "98_y"})
    _report(tmp_path / "f", ".99_x.staging", GOOD)  # a hidden leftover folder is no topic
    for args in ((), ("--topics", "99_x")):
        rc, out = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f", *args)
        assert rc == 1
        assert f"validate: 98_y: {stray} has no committed report to compare it with" in out, out
        assert "staging" not in out
    # a committed topic that the fresh run lacks: flagged unless --topics leaves it out
    _report(tmp_path / "c", "97_z", {**GOOD, "topic": "97_z"})
    stray.unlink()
    rc, out = _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f")
    assert rc == 1 and "validate: 97_z: the fresh run wrote no results.json" in out
    assert _main(monkeypatch, capsys, tmp_path / "c", tmp_path / "f", "--topics", "99_x")[0] == 0
