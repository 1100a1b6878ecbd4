"""The README tells the truth about the committed results: its tally equals the reports index's."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tally(text: str, pattern: str) -> str:
    m = re.search(pattern, text)
    assert m, f"no tally line matching {pattern!r}"
    return m.group(1).strip()


def test_readme_tally_is_the_reports_tally():
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "reports" / "README.md").read_text()
    ours = _tally(readme, r"Paper claims by verdict \(default scale, (\d+) claims")
    tally = _tally(index, r"Paper claims by verdict: (.*)\n")
    assert _tally(readme, r"claims of five papers\): (.*)\.\n") == tally, "update README.md's tally from reports/README.md"
    assert int(ours) == sum(int(n) for n in re.findall(r": (\d+)", tally))
    assert (ROOT / "reports" / "verdicts.png").exists(), "the README shows reports/verdicts.png (make reproduce writes it)"
