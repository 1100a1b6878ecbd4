"""``make students`` (tools/students.py): hand-out copies without outputs and without solutions."""
import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("students", ROOT / "tools" / "students.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_copies_have_no_outputs_and_no_solutions(tmp_path):
    src = tmp_path / "nbs"
    (src / "solutions").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}, "papermill": {"x": 1}})
    code = nbformat.v4.new_code_cell("x = 1\nx", execution_count=3,
                                     outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"},
                                                                     execution_count=3)])
    code.metadata["tags"] = ["parameters"]
    code.metadata["papermill"] = {"duration": 1.0}
    sol = nbformat.v4.new_code_cell("answer = 42")
    sol.metadata["tags"] = ["solution"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 demo\n## Exercises"), code, sol]
    nbformat.write(nb, src / "07_demo.ipynb")
    nbformat.write(nb, src / "solutions" / "07_demo_solutions.ipynb")
    nbformat.write(nb, src / "scratch.ipynb")  # not a numbered notebook: not handed out
    out = tmp_path / "out"
    assert _tool().main(["--out", str(out), "--notebooks", str(src)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["07_demo.ipynb"]
    got = nbformat.read(out / "07_demo.ipynb", as_version=4)
    assert [c.cell_type for c in got.cells] == ["markdown", "code"], "the solution cell must be dropped"
    assert got.cells[1].outputs == [] and got.cells[1].execution_count is None
    assert got.cells[1].metadata == {"tags": ["parameters"]} and "papermill" not in got.metadata
    assert got.metadata["kernelspec"]["name"] == "python3"


def test_the_real_notebooks(tmp_path):
    assert _tool().main(["--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) and len(names) >= 6
    for p in tmp_path.iterdir():
        nb = nbformat.read(p, as_version=4)
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code"), p.name


def test_no_notebooks_is_a_clear_error(tmp_path, capsys):
    assert _tool().main(["--out", str(tmp_path / "o"), "--notebooks", str(tmp_path)]) == 1
    assert "no notebooks NN_*.ipynb under" in capsys.readouterr().err
