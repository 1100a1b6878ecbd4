"""tests/_expected.py: claim expectations per processor — which one an outcome is held to, and that a mismatch fails."""
import json
from types import SimpleNamespace

import pytest

import _expected


@pytest.fixture
def topic(tmp_path, monkeypatch):
    monkeypatch.setattr(_expected, "EXPECTED", tmp_path)
    monkeypatch.delenv("XMODAL_UPDATE_EXPECTED", raising=False)
    data = {"tolerances": {"default": {"abs": 1e-6, "rel": 1e-6}, "9-1/*": {"abs": 0.01, "rel": 0}},
            "claims": {"9-1": {"verdict": "reproduced", "numbers": {"x": 0.5}}},
            "machines": {"cpu B": {"claims": {"9-1": {"verdict": "inconclusive", "numbers": {"x": 0.7}}}}}}
    (tmp_path / "t.ci.json").write_text(json.dumps(data))
    return "t"


def _o(verdict, x):
    return SimpleNamespace(id="9-1", verdict=verdict, evidence="ev", numbers={"x": x})


def test_a_recorded_processor_is_held_to_its_own_entry_only(topic, monkeypatch):
    monkeypatch.setattr(_expected, "machine", lambda: "cpu B")
    _expected.check(topic, _o("inconclusive", 0.705))
    with pytest.raises(AssertionError, match="verdict 'reproduced' != expected 'inconclusive'"):
        _expected.check(topic, _o("reproduced", 0.5))  # the reference's outcome is not enough here
    with pytest.raises(AssertionError, match="x = 0.72"):
        _expected.check(topic, _o("inconclusive", 0.72))


def test_an_unrecorded_processor_must_match_one_recorded_outcome(topic, monkeypatch):
    monkeypatch.setattr(_expected, "machine", lambda: "cpu C")
    _expected.check(topic, _o("reproduced", 0.505))
    _expected.check(topic, _o("inconclusive", 0.695))
    with pytest.raises(AssertionError, match=r"cpu C\) has no expectations .*\[reference\].*\[cpu B\]"):
        _expected.check(topic, _o("reproduced", 0.7))  # reference's verdict with B's number: neither


def test_update_records_the_current_processor_and_keeps_the_rest(topic, monkeypatch):
    monkeypatch.setattr(_expected, "machine", lambda: "cpu C")
    monkeypatch.setenv("XMODAL_UPDATE_EXPECTED", "1")
    _expected.check(topic, SimpleNamespace(id="9-1", verdict="not reproduced", evidence="", numbers={"x": 0.1, "s": "t"}))
    data = _expected.load(topic)
    assert data["machines"]["cpu C"]["claims"]["9-1"] == {"verdict": "not reproduced", "numbers": {"x": 0.1}}
    assert data["claims"]["9-1"]["verdict"] == "reproduced" and "cpu B" in data["machines"]
    assert data["tolerances"]["9-1/*"] == {"abs": 0.01, "rel": 0}
