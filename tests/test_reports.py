"""The reports index (``reports/README.md``): results at a glance, the all-claims table, the summary figure, and
one page per topic with captioned figures and short tables inlined, long ones linked."""
import json

import numpy as np
import pandas as pd
import pytest

from xmodal import report
from xmodal.claims import Claim, Registry, Rule


def _judged(verdict: str):
    """A Judgement with this verdict (hand-made parts)."""
    from xmodal.claims import combine_parts

    return combine_parts({"reproduced": [True], "not reproduced": [False], "inconclusive": [True, None],
                          "partly reproduced": [True, False]}[verdict], judged=True)


@pytest.fixture
def two_topics(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv("XMODAL_REPORTS", str(tmp_path))
    for topic, verdicts in (("91_alpha", ["reproduced", "not reproduced"]), ("92_beta", ["inconclusive"])):
        r = report.Report(topic, title=topic.upper(), scale="ci")
        reg = Registry(topic[:2], [Claim(f"{topic[:2]}-{k + 1}", f"claim {k + 1} of {topic}", "paper x", Rule("m", "m > 0"))
                                   for k in range(len(verdicts))]
                       + [Claim(f"{topic[:2]}-9", "a sanity check", None, Rule("y", "y > 0"), kind="check")])
        r.add(*[reg.judge(f"{topic[:2]}-{k + 1}", _judged(v), f"ours {k}", "because") for k, v in enumerate(verdicts)],
              reg.judge(f"{topic[:2]}-9", "reproduced", "1", "fine"))
        fig, ax = plt.subplots()
        ax.plot([0, 1]), ax.set_title("a line, bars are sd")
        r.figure(fig, "titled")
        r.figure(fig, "captioned", pdf=False, caption="What it shows; error bars: 95 % interval over 3 seeds.")
        plt.close(fig)
        r.table(pd.DataFrame({"a": np.arange(3.0)}), "short")
        r.table(pd.DataFrame({"a": np.arange(report.INLINE_ROWS + 5.0)}), "long")
        r.save()
    return tmp_path


def test_index_opens_with_the_tally_per_paper_and_every_claim(two_topics):
    idx = report.write_index(two_topics).read_text()
    glance = idx.index("## Results at a glance")
    assert glance < idx.index("## Every paper claim") < idx.index("## Reports per notebook")
    assert "Paper claims by verdict: ✅ reproduced: 1, ❌ not reproduced: 1, ❔ inconclusive: 1\n" in idx
    assert "| [91_alpha](91_alpha/README.md) | 1 |  | 1 |  |  |" in idx
    assert "| [92_beta](92_beta/README.md) |  |  |  | 1 |  |" in idx
    # every paper claim once in the all-claims table; the checks only in their own section
    table = idx[idx.index("## Every paper claim"):idx.index("## Sanity checks")]
    assert table.count("| 91-") == 2 and table.count("| 92-1 |") == 1 and "sanity" not in table
    assert (two_topics / "verdicts.png").read_bytes()[:4] == b"\x89PNG"
    assert "long" not in idx, "raw tables belong on the topic pages, not in the index"


def test_topic_page_captions_figures_and_links_long_tables(two_topics):
    report.write_index(two_topics)
    page = (two_topics / "91_alpha" / "README.md").read_text()
    assert "*Figure 1 (titled).* a line, bars are sd" in page  # fallback: the figure's own title
    assert "*Figure 2 (captioned).* What it shows; error bars: 95 % interval over 3 seeds." in page
    assert "### short" in page and "- [long](long.md) — 30 rows ([csv](long.csv))" in page
    assert "**91-1** rule: m > 0" in page and "evidence: because" in page
    data = json.loads((two_topics / "91_alpha" / "results.json").read_text())
    assert data["captions"]["captioned"].startswith("What it shows")


def test_verdict_figure_is_deterministic(two_topics):
    report.write_index(two_topics)
    first = (two_topics / "verdicts.png").read_bytes()
    report.write_index(two_topics)
    assert (two_topics / "verdicts.png").read_bytes() == first


def test_index_has_direction_and_seeds_needed_columns(tmp_path, monkeypatch):
    """An inconclusive claim judged from a Judgement shows where it leans and how many seeds would decide it; a
    claim that more seeds cannot decide says so; a decided one shows its direction and no count."""
    import matplotlib

    matplotlib.use("Agg")
    from xmodal import claims
    from xmodal.claims import Interval

    monkeypatch.setenv("XMODAL_REPORTS", str(tmp_path))
    reg = Registry("93", [Claim(f"93-{k}", f"claim {k}", "paper > 0", Rule("m", "gain > 1 pt")) for k in (1, 2, 3)])
    und = claims.decide(Interval(0.0, -0.015, 0.015, 3), "gain", 0.01)       # leans against, decidable
    r = report.Report("93_gamma", title="G", scale="ci")
    r.add(reg.judge("93-1", claims.combine_gains([und], judged=True), "−0.0 pts", "ev"),
          reg.judge("93-2", claims.combine_parts([True, None], judged=True), "x", "ev"),
          reg.judge("93-3", claims.combine_gains([claims.decide(Interval(0.1, 0.09, 0.11, 3), "gain", 0.01)],
                                                 judged=True), "+10 pts", "ev"))
    r.save()
    idx = report.write_index(tmp_path).read_text()
    assert "| paper | claim | statement | paper value | ours | verdict | direction | seeds needed |" in idx
    assert f"| 93-1 | claim 1 | paper > 0 | −0.0 pts | ❔ inconclusive | against | {und.seeds_needed} |" in idx
    assert "| 93-2 | claim 2 | paper > 0 | x | ❔ inconclusive | tie | not reachable |" in idx
    assert "| 93-3 | claim 3 | paper > 0 | +10 pts | ✅ reproduced | for |  |" in idx
    page = (tmp_path / "93_gamma" / "README.md").read_text()
    assert f"| ❔ inconclusive | against | {und.seeds_needed} |" in page
    data = json.loads((tmp_path / "93_gamma" / "results.json").read_text())
    c1 = data["claims"][0]
    assert c1["direction"] == "against" and c1["seeds_needed"] == und.seeds_needed
    assert c1["numbers"]["seeds_needed"] == und.seeds_needed
    assert data["claims"][1]["numbers"]["seeds_needed"] is None     # NaN: not reachable, written as null


def test_index_of_the_ci_run_has_a_direction_for_every_claim(tmp_path):
    """On make test's ci run (the cold notebooks' results.json): every paper claim has a direction, and every
    inconclusive one a seeds-needed cell (a count, or "not reachable")."""
    import os
    import re
    import shutil
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    root = os.environ.get("XMODAL_CI_RESULTS", "").strip()
    if not root:
        pytest.skip("XMODAL_CI_RESULTS is unset: make test sets it to the ci run's reports")
    found = sorted(Path(root).glob("0[1-5]_*/results.json"))
    assert len(found) == 5, f"the ci run wrote {len(found)} paper results under {root}"
    for res in found:
        (tmp_path / res.parent.name).mkdir()
        shutil.copy(res, tmp_path / res.parent.name / "results.json")
    idx = report.write_index(tmp_path).read_text()
    rows = [r for r in idx.splitlines() if re.match(r"\| \[0[1-5]_", r)]
    rows = [r for r in rows if re.search(r"\| 0[1-5]-\d+ \|", r)]
    assert len(rows) == 28
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        verdict, direction, seeds = cells[-3], cells[-2], cells[-1]
        if "not testable" in verdict:
            continue
        assert direction in ("for", "against", "mixed", "tie"), r
        if "inconclusive" in verdict:
            assert seeds == "not reachable" or seeds.isdigit(), r
        else:
            assert seeds == "", r
