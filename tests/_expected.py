"""Claim tests against committed expectations (PySDM's paper tests): ``tests/expected/<topic>.ci.json``.

The file holds, per claim id, the ``ci`` verdict and headline numbers, and the tolerances they are checked
with (``tolerances``: a default ``abs``/``rel`` plus per-number overrides ``"<claim>/<number>"``). Numbers
that depend on training get tolerances wide enough for another CPU's kernels; pure math gets ~1e-9.

Regenerate on purpose (after a change that is meant to move results), then review the diff:

    XMODAL_UPDATE_EXPECTED=1 make test        # or: XMODAL_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_paper_<topic>.py

Updating keeps the tolerances and rewrites verdicts and numbers only.

**Per processor.** Trained numbers, and at ``ci`` some verdicts, differ between processors even with the same
torch capability and BLAS kernel names (measured: an Intel and an AMD x86-64, both AVX512 / OpenBLAS SkylakeX;
``benchmarks/results/bench_portable_numerics.md``). So the file also holds ``machines``: per processor
(:func:`xmodal.runtime.cpu_model`) the claims as that processor computes them. A processor with an entry is held
to it alone; any other to the reference ``claims`` (recorded before processors were) or to one of the recorded
processors, claim by claim — an outcome that matches none of them fails. ``XMODAL_UPDATE_EXPECTED=1`` records
the current processor's entry (the reference and the other processors' entries are kept: after a change meant
to move results, they are stale until refreshed on their machines).

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
        out[c["id"]] = SimpleNamespace(id=c["id"], verdict=c["verdict"], evidence=c.get("evidence", ""), numbers=nums,
                                       ours=c.get("our_value", ""))
    return out


def ci_tables(topic: str, names) -> dict | None:
    """``{name: DataFrame}`` of the tables notebook ``topic`` just wrote as ``<name>.csv`` under
    ``$XMODAL_CI_RESULTS/<topic>/`` (make test's cold ``ci`` run), or ``None`` when ``XMODAL_CI_RESULTS`` is
    unset (the caller computes them). A missing table is an error, never a silent fall-back."""
    root = os.environ.get("XMODAL_CI_RESULTS", "").strip()
    if not root:
        return None
    import pandas as pd

    out = {}
    for name in names:
        path = Path(root) / topic / f"{name}.csv"
        if not path.is_file():
            pytest.fail(f"XMODAL_CI_RESULTS={root}: {path} is missing — the ci notebook run did not write it "
                        "(unset XMODAL_CI_RESULTS to compute it here instead)")
        out[name] = pd.read_csv(path)
    return out


def outcome(outcomes: dict, cid: str):
    """``outcomes[cid]``, or a test failure naming the claim the run did not judge."""
    if cid not in outcomes:
        pytest.fail(f"claim {cid} was not judged (outcomes: {sorted(outcomes)})")
    return outcomes[cid]


def machine() -> str:
    """The processor the expectations are recorded per (:func:`xmodal.runtime.cpu_model`)."""
    from xmodal.runtime import cpu_model

    return cpu_model()


def _sorted(claims: dict) -> dict:
    return dict(sorted(claims.items(), key=lambda kv: int(kv[0].split("-")[1])))


def _update(topic: str, outcome) -> None:
    data = load(topic)
    entry = data.setdefault("machines", {}).setdefault(machine(), {"claims": {}})
    entry["claims"][outcome.id] = {"verdict": outcome.verdict, "numbers": {
        k: v for k, v in outcome.numbers.items() if isinstance(v, (int, float))}}
    entry["claims"] = _sorted(entry["claims"])
    _path(topic).parent.mkdir(parents=True, exist_ok=True)
    _path(topic).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def tolerance(data: dict, cid: str, name: str) -> dict:
    tol = data.get("tolerances", {})
    out = dict(DEFAULT_TOL)
    out.update(tol.get("default", {}))
    out.update(tol.get(f"{cid}/*", {}))
    out.update(tol.get(f"{cid}/{name}", {}))
    return out


def _mismatch(data: dict, exp: dict, outcome) -> str | None:
    """Why ``outcome`` does not match the expectation ``exp`` (None when it does)."""
    if outcome.verdict != exp["verdict"]:
        return f"{outcome.id}: verdict {outcome.verdict!r} != expected {exp['verdict']!r} ({outcome.evidence})"
    for name, want in exp["numbers"].items():
        if name not in outcome.numbers:
            return f"{outcome.id}: headline number {name!r} is no longer reported"
        got = outcome.numbers[name]
        tol = tolerance(data, outcome.id, name)
        ok = (math.isnan(want) and math.isnan(got)) or math.isclose(got, want, rel_tol=tol["rel"], abs_tol=tol["abs"])
        if not ok:
            return f"{outcome.id}: {name} = {got!r}, expected {want!r} ± abs {tol['abs']} / rel {tol['rel']}"
    return None


def expectations(data: dict, cid: str) -> list[tuple[str, dict]]:
    """The expectations ``cid`` is held to on this processor: [(whose, expectation)] — its own entry alone
    when it has one, else the reference and every recorded processor's."""
    here = machine()
    own = data.get("machines", {}).get(here, {}).get("claims", {}).get(cid)
    if own is not None:
        return [(here, own)]
    out = [("reference", data["claims"][cid])] if cid in data.get("claims", {}) else []
    out += [(m, e["claims"][cid]) for m, e in data.get("machines", {}).items() if cid in e.get("claims", {})]
    return out


def check(topic: str, outcome) -> None:
    """Assert ``outcome`` (a :class:`xmodal.claims.Outcome`) matches its expectation (see the module doc for
    which): the verdict exactly, every expected headline number within its tolerance (and no expected number
    missing)."""
    if os.environ.get("XMODAL_UPDATE_EXPECTED"):
        _update(topic, outcome)
        return
    data = load(topic)
    cands = expectations(data, outcome.id)
    if not cands:
        pytest.fail(f"{outcome.id}: no expectation in {_path(topic).name}; run with XMODAL_UPDATE_EXPECTED=1 "
                    "to record it, then review and commit the file")
    why = [(who, _mismatch(data, exp, outcome)) for who, exp in cands]
    if any(w is None for _, w in why):
        return
    if len(why) == 1 and why[0][0] == machine():
        raise AssertionError(why[0][1])
    raise AssertionError(f"this processor ({machine()}) has no expectations of its own and matches none of the "
                         "recorded ones — " + "; ".join(f"[{who}] {w}" for who, w in why)
                         + " (record them with XMODAL_UPDATE_EXPECTED=1 after checking the run)")
