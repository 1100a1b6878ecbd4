"""The shared pieces of notebook 01's verdict rules (:mod:`.verdicts`, :mod:`.verdicts_sweeps`): the registered
values of a rule, the chance level of a protocol, whether a protocol is informative, and a claim judged under
several protocols (:func:`xmodal.claims.combine_protocols`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Judgement, below, combine_protocols
from .paper import REGISTRY

__all__ = ["chance_from_runs", "informative", "informative_metrics"]

_METRICS = ("matching", "top5")
_TOP = {"matching": 1, "top5": 5}


def _m(cid: str, name: str) -> float:
    """The registered value ``name`` of claim ``cid``'s rule."""
    return REGISTRY[cid].rule.m(name)


def _parts_verdict(holds: list) -> str:
    return "reproduced" if all(holds) else "partly reproduced" if any(holds) else "not reproduced"


# ------------------------------------------------------------------------------------------------
# protocols: chance, informative, combined
# ------------------------------------------------------------------------------------------------
def chance_from_runs(runs: pd.DataFrame) -> dict | None:
    """{protocol: {metric: chance}} from the ``n_queries`` / ``n_blocks`` columns of alignment runs (None when
    absent): matching 1 / (queries per block), top-5 min(5, q) / q with q = queries per block, the mean over seeds.
    With blocks of unequal size (within-category) q is their mean, so the value is a slight under-estimate of the
    mean over blocks of 1 / q; :func:`.judging.judge` passes the exact levels from the protocol's blocks instead."""
    if not {"n_queries", "n_blocks"} <= set(runs.columns):
        return None
    out = {}
    for p, r in (runs.groupby("protocol", sort=False) if "protocol" in runs else [("standard", runs)]):
        q = (r.n_queries / r.n_blocks).to_numpy(float)
        out[p] = {met: float(np.mean(np.minimum(k, q) / q)) for met, k in _TOP.items()}
    return out


def informative_metrics(best: dict, chance: dict | None, margin: float) -> tuple[list, str, dict]:
    """The metrics on which a protocol can tell the methods apart. ``best``: {metric: (label, (S,) per-seed
    accuracy of its best method)}; ``chance``: {metric: chance level} (None: not known, every metric counts). A
    metric is left out when the seed interval of its best method lies below chance + ``margin`` (every method
    within chance + margin); an interval that straddles it keeps the metric. Returns (metrics kept, text,
    numbers)."""
    if not chance:
        return list(best), "", {}
    keep, txt, nums = [], [], {}
    for met, (label, vals) in best.items():
        if met not in chance:
            keep.append(met)
            continue
        c = float(chance[met])
        d = below(np.asarray(vals, float), c + margin)
        if d.holds is not True:
            keep.append(met)
        word = {True: "within", False: "not within", None: "undecided vs"}[d.holds]
        txt.append(f"{met}: best {label} {d.interval.fmt(100)} % vs chance {100 * c:.2f} % ({word} chance + "
                   f"{100 * margin:g} pt)")
        nums |= {f"chance_{met}": c, f"best_{met}": d.interval.mean}
    return keep, "; ".join(txt), nums


def informative(best: dict, chance: dict | None, margin: float) -> tuple[bool, str, dict]:
    """Is a protocol informative? Not when on every metric its best method is within chance + ``margin``
    (:func:`informative_metrics` keeps none). Returns (informative, text, numbers)."""
    keep, txt, nums = informative_metrics(best, chance, margin)
    return bool(keep), txt, nums


def _combine(per: dict, cid: str) -> tuple[Judgement, str]:
    """per: {protocol: (Judgement, evidence, informative, chance text)} → the claim's Judgement and evidence."""
    inf = {p: x[2] for p, x in per.items()}
    J = combine_protocols({p: x[0] for p, x in per.items()}, inf)
    ev = " | ".join(f"{p}: " + (f"not informative (every method within chance + {100 * _m(cid, 'chance_margin'):g} "
                                f"pt: {x[3]}); left out, its rule would give {x[0].verdict} — {x[1]}"
                                if not x[2] else f"{x[0].verdict} — {x[1]}") for p, x in per.items())
    return J, ev


def _by_protocol(runs: pd.DataFrame):
    return runs.groupby("protocol", sort=False) if "protocol" in runs else [("standard", runs)]


def _prefix(p: str) -> str:
    return "" if p == "standard" else f"{p}/"
