"""Claim tests against committed expectations (PySDM's paper tests): ``tests/expected/<topic>.ci.json``.

The file holds, per claim id, the ``ci`` verdict and headline numbers, and the tolerances they are checked
with (``tolerances``: a default ``abs``/``rel`` plus per-number overrides ``"<claim>/<number>"``). Numbers
that depend on training get tolerances wide enough for another CPU's kernels; pure math gets ~1e-9.

Regenerate on purpose (after a change that is meant to move results), then review the diff:

    XMODAL_UPDATE_EXPECTED=1 make test        # or: XMODAL_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_paper_<topic>.py

Updating keeps the tolerances and rewrites verdicts and numbers only.

Under ``make test`` the claim tests do not recompute the ``ci`` pipelines: the notebooks have just run at ``ci``
(the cold run of the determinism check) and written ``<topic>/results.json`` under ``$XMODAL_CI_RESULTS``;
:func:`ci_outcomes` reads the outcomes from there and :func:`check` holds them to the same expectations. With
``XMODAL_CI_RESULTS`` unset (``pytest`` on its own) the claim fixtures compute the pipeline themselves.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from types import SimpleNamespace

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


def ci_outcomes(topic: str) -> dict | None:
    """``{claim id: outcome}`` as the notebook ``topic`` wrote them to ``$XMODAL_CI_RESULTS/<topic>/results.json``
    (make test's cold ``ci`` run), or ``None`` when ``XMODAL_CI_RESULTS`` is unset (compute them instead).

    Each outcome has ``id``, ``verdict``, ``evidence`` and ``numbers`` (``results.json`` rounds floats to 6
    decimals, within the default tolerance of 1e-6, and writes NaN as null: read back as NaN). A missing file
    or one written at another scale is an error, never a silent fall-back to computing."""
    root = os.environ.get("XMODAL_CI_RESULTS", "").strip()
    if not root:
        return None
    path = Path(root) / topic / "results.json"
    if not path.is_file():
        pytest.fail(f"XMODAL_CI_RESULTS={root}: {path} is missing — the ci notebook run did not write it "
                    "(unset XMODAL_CI_RESULTS to compute the claims here instead)")
    data = json.loads(path.read_text())
    if data.get("scale") != "ci" or data.get("topic") != topic:
        pytest.fail(f"{path} holds topic {data.get('topic')!r} at scale {data.get('scale')!r}, not {topic!r} at 'ci'")
    out = {}
    for c in data.get("claims", []):
        nums = {k: (math.nan if v is None else v) for k, v in c.get("numbers", {}).items()}
        out[c["id"]] = SimpleNamespace(id=c["id"], verdict=c["verdict"], evidence=c.get("evidence", ""), numbers=nums)
    return out


def outcome(outcomes: dict, cid: str):
    """``outcomes[cid]``, or a test failure naming the claim the run did not judge."""
    if cid not in outcomes:
        pytest.fail(f"claim {cid} was not judged (outcomes: {sorted(outcomes)})")
    return outcomes[cid]


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
