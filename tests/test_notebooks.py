"""Notebook hygiene and completeness (PySDM style): every notebook is run by `make test`, follows the house
layout, and has acceptance tests for its claims."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: notebook -> the pytest modules holding its numeric acceptance tests (one test per claim)
ACCEPTANCE = {
    "00_world.ipynb": ["tests/test_world_tour.py"],
    "01_platos_cave.ipynb": ["tests/test_paper_platos_cave.py"],
    "02_wpce.ipynb": ["tests/test_paper_wpce.py", "tests/test_wpce_synthetic.py"],
    "03_pointspider.ipynb": ["tests/test_paper_pointspider.py"],
    "04_hyperbolic_gap.ipynb": ["tests/test_paper_hyperbolic_gap.py"],
    "05_pic_at_point.ipynb": ["tests/test_paper_pic_at_point.py"],
}


def test_every_notebook_is_covered():
    names = {p.name for p in NOTEBOOKS}
    missing = names - set(ACCEPTANCE)
    assert not missing, f"notebooks without acceptance tests: {sorted(missing)} — add them to ACCEPTANCE"
    for nb in names:
        for t in ACCEPTANCE[nb]:
            assert (ROOT / t).exists(), f"{nb}: acceptance test module {t} is missing"
    make = (ROOT / "Makefile").read_text()
    recipes = {m.group(1): m.group(2) for m in re.finditer(r"^([a-z][\w-]*):[^\n]*\n((?:\t[^\n]*\n)*)", make, re.M)}
    nbval = [t for t, r in recipes.items() if re.search(r"--nbval-lax[^\n]*\snotebooks\s*$", r, re.M)]
    assert nbval, "no Makefile recipe runs every notebook (the notebooks/ folder) under nbval"
    test_recipe = recipes["test"]
    assert any(t == "test" or re.search(rf"\$\(MAKE\)[^\n]*\s{t}(\s|$)", test_recipe, re.M) for t in nbval), (
        f"make test must run every notebook under nbval (recipe {nbval[0]!r})")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_layout(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    assert cells[0]["cell_type"] == "markdown" and "eviation" in "".join(cells[0]["source"]), "first cell: claims + deviations"
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged 'parameters'"
    assert 'scale = os.environ.get("XMODAL_SCALE") or "default"' in "".join(params[0]["source"])
    assert "watermark" in "".join(cells[-1]["source"]), "last cell: package versions and scale"
    assert any("Exercises" in "".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = [c for c in cells if c["cell_type"] == "code"]
    for c in code:
        for o in c.get("outputs", []):
            assert o.get("output_type") != "error", f"{path.name}: a committed output is an error"
    assert any(c.get("outputs") for c in code), f"{path.name} is committed without outputs (run make reproduce)"


SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def test_every_notebook_has_executed_solutions():
    names = {p.name for p in NOTEBOOKS}
    assert {p.name.replace("_solutions", "") for p in SOLUTIONS} == names, (
        "each notebooks/NN_topic.ipynb needs notebooks/solutions/NN_topic_solutions.ipynb and no other")
    for p in SOLUTIONS:
        nb = json.loads(p.read_text())
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1 and 'scale = os.environ.get("XMODAL_SCALE") or "default"' in "".join(params[0]["source"]), p.name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert any(c.get("outputs") for c in code), f"{p.name} is committed without outputs"
        assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", [])), p.name
    for p in NOTEBOOKS:  # the exercises cell points at its solutions
        text = "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "markdown")
        assert f"solutions/{p.stem}_solutions.ipynb" in text, f"{p.name}: the exercises do not link their solutions"
