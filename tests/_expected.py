"""Claim tests against committed expectations (PySDM's paper tests): ``tests/expected/<topic>.ci.json``.

The file holds, per claim id, the ``ci`` verdict and headline numbers, and the tolerances they are checked
with (``tolerances``: a default ``abs``/``rel`` plus per-number overrides ``"<claim>/<number>"``). Numbers
that depend on training get tolerances wide enough for another CPU's kernels; pure math gets ~1e-9.

Regenerate on purpose (after a change that is meant to move results), then review the diff:

    XMODAL_UPDATE_EXPECTED=1 make test        # or: XMODAL_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_paper_<topic>.py

Updating keeps the tolerances and rewrites verdicts and numbers only.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

EXPECTED = Path(__file__).resolve().parent / "expected"
DEFAULT_TOL = {"abs": 1e-6, "rel": 1e-6}


def _path(topic: str) -> Path:
    return EXPECTED / f"{topic}.ci.json"


def load(topic: str) -> dict:
    p = _path(topic)
    if not p.exists():
        return {"tolerances": {"default": dict(DEFAULT_TOL)}, "claims": {}}
    return json.loads(p.read_text())


def _update(topic: str, outcome) -> None:
    data = load(topic)
    data.setdefault("claims", {})[outcome.id] = {"verdict": outcome.verdict, "numbers": {
        k: v for k, v in outcome.numbers.items() if isinstance(v, (int, float))}}
    data["claims"] = dict(sorted(data["claims"].items(), key=lambda kv: int(kv[0].split("-")[1])))
    _path(topic).parent.mkdir(parents=True, exist_ok=True)
    _path(topic).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def tolerance(data: dict, cid: str, name: str) -> dict:
    tol = data.get("tolerances", {})
    out = dict(DEFAULT_TOL)
    out.update(tol.get("default", {}))
    out.update(tol.get(f"{cid}/*", {}))
    out.update(tol.get(f"{cid}/{name}", {}))
    return out


def check(topic: str, outcome) -> None:
    """Assert ``outcome`` (a :class:`xmodal.claims.Outcome`) matches its expectation: the verdict exactly,
    every expected headline number within its tolerance (and no expected number missing)."""
    if os.environ.get("XMODAL_UPDATE_EXPECTED"):
        _update(topic, outcome)
        return
    data = load(topic)
    exp = data.get("claims", {}).get(outcome.id)
    if exp is None:
        pytest.fail(f"{outcome.id}: no expectation in {_path(topic).name}; run with XMODAL_UPDATE_EXPECTED=1 "
                    "to record it, then review and commit the file")
    assert outcome.verdict == exp["verdict"], (
        f"{outcome.id}: verdict {outcome.verdict!r} != expected {exp['verdict']!r} ({outcome.evidence})")
    for name, want in exp["numbers"].items():
        assert name in outcome.numbers, f"{outcome.id}: headline number {name!r} is no longer reported"
        got = outcome.numbers[name]
        tol = tolerance(data, outcome.id, name)
        ok = (math.isnan(want) and math.isnan(got)) or math.isclose(got, want, rel_tol=tol["rel"], abs_tol=tol["abs"])
        assert ok, f"{outcome.id}: {name} = {got!r}, expected {want!r} ± abs {tol['abs']} / rel {tol['rel']}"
