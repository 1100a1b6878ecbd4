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
