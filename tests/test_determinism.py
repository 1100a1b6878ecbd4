"""tools/determinism.py: what the make-test determinism check compares, and that it catches a change."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("determinism", ROOT / "tools" / "determinism.py")
det = importlib.util.module_from_spec(spec)
spec.loader.exec_module(det)


def _results(value, seconds, speed):
    return {"topic": "99_x", "extra": {"wall_time_s": seconds, "timings": {"a": seconds}},
            "claims": [{"id": "99-1", "timing": False, "verdict": "reproduced", "numbers": {"acc": value}},
                       {"id": "99-2", "timing": True, "verdict": "reproduced", "numbers": {"ratio": speed},
                        "evidence": f"{speed} renders/s"}]}


def _write(root: Path, data) -> Path:
    (root / "99_x").mkdir(parents=True)
    (root / "99_x" / "results.json").write_text(json.dumps(data))
    return root


def test_timings_and_speed_claims_are_excluded(tmp_path):
    a = _write(tmp_path / "a", _results(0.5, 12.0, 90.0))
    b = _write(tmp_path / "b", _results(0.5, 30.0, 110.0))
    assert det.compare(a, b) == 0


def test_a_changed_number_fails(tmp_path, capsys):
    a = _write(tmp_path / "a", _results(0.5, 12.0, 90.0))
    b = _write(tmp_path / "b", _results(0.5000001, 12.0, 90.0))  # a nondeterministic last digit
    assert det.compare(a, b) == 1
    assert "/claims[0]/numbers/acc" in capsys.readouterr().out


def test_a_flipped_speed_verdict_still_fails(tmp_path):
    data = _results(0.5, 12.0, 90.0)
    other = json.loads(json.dumps(data))
    other["claims"][1]["verdict"] = "partly reproduced"
    assert det.compare(_write(tmp_path / "a", data), _write(tmp_path / "b", other)) == 1


def test_cold_run_starts_the_longest_notebooks_first():
    known = json.loads((ROOT / "tools" / "timings_ci.json").read_text())
    names = sorted(k for k in known if not k.startswith("_"))
    order = [p.name for p in det._by_expected_cost([Path(n) for n in names] + [Path("99_new.ipynb")])]
    assert order[0] == "99_new.ipynb"  # unmeasured: may be the longest
    cpu = [known[n]["cpu_s"] for n in order[1:]]
    assert cpu == sorted(cpu, reverse=True)


# --- malformed input is a named failure, never a traceback or a pass (issue 30, item 4) ---

import pytest  # noqa: E402


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    (json.dumps(_results(0.5, 12.0, 90.0))[:50], "not valid JSON"),  # truncated by an interrupted run
    ("null", "not a results.json"),
    (json.dumps({"topic": "99_x", "claims": [{"id": "99-1", "numbers": {"acc": 0.5}}]}),
     "claim 0 is not an object with an 'id' and a 'verdict'"),
])
def test_a_malformed_results_json_is_a_failure_naming_the_file(tmp_path, capsys, text, says):
    good = _write(tmp_path / "good", _results(0.5, 12.0, 90.0))
    bad = tmp_path / "bad"
    (bad / "99_x").mkdir(parents=True)
    (bad / "99_x" / "results.json").write_text(text)
    for cold, warm in ((bad, good), (good, bad)):
        assert det.compare(cold, warm) == 1
        out = capsys.readouterr().out
        assert f"determinism: {bad / '99_x' / 'results.json'}: " in out and says in out, out
    assert det.compare(bad, bad) == 1  # the same malformed file in both runs is no pass either


def test_a_topic_in_the_second_run_only_fails(tmp_path, capsys):
    a = _write(tmp_path / "a", _results(0.5, 12.0, 90.0))
    b = _write(tmp_path / "b", _results(0.5, 12.0, 90.0))
    (b / "98_y").mkdir()
    (b / "98_y" / "results.json").write_text(json.dumps(_results(0.5, 12.0, 90.0)))
    assert det.compare(a, b) == 1
    assert f"determinism: {Path('98_y') / 'results.json'} only in the second run ({b})" in capsys.readouterr().out


def test_a_hidden_folder_is_no_topic(tmp_path):
    a = _write(tmp_path / "a", _results(0.5, 12.0, 90.0))
    b = _write(tmp_path / "b", _results(0.5, 12.0, 90.0))
    (a / ".99_x.staging").mkdir()
    (a / ".99_x.staging" / "results.json").write_text("{")  # a leftover of an interrupted report
    assert det.compare(a, b) == 0
