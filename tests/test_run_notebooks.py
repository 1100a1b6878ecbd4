"""tools/run_notebooks.py (make reproduce) and the parameter check of the notebooks' setup cells, on tiny
notebooks built here and run by the real papermill (the paper notebooks are never executed)."""
import errno
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "run_notebooks.py"
spec = importlib.util.spec_from_file_location("run_notebooks", TOOL)
rn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rn)

PARAMS = 'import os\n\nscale = os.environ.get("XMODAL_SCALE") or "default"\nseed = 0'


def make_nb(path: Path, *cells: str) -> Path:
    """A notebook with the house's parameters cell followed by ``cells`` (code)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def text_of(nb) -> str:
    return "".join(o.get("text", "") + "".join(o.get("traceback", [])) + o.get("evalue", "")
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """Reports, partial outputs and the process settings run_notebooks changes, all private to the test."""
    monkeypatch.setenv("XMODAL_REPORTS", str(tmp_path / "reports"))
    for k in ("XMODAL_SCALE", "GLIBC_TUNABLES", "TQDM_DISABLE", "XMODAL_DEVICE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(rn, "PARTIAL", tmp_path / "partial", raising=False)  # not the repo's executed/.partial
    old_term = signal.getsignal(signal.SIGTERM)
    old_mask = os.umask(0o002)  # a group-shared tree: files should come out 0664
    yield tmp_path
    os.umask(old_mask)
    signal.signal(signal.SIGTERM, old_term)


def run(monkeypatch, *args) -> int:
    """``run_notebooks.py ARGS`` in this process."""
    monkeypatch.setattr(sys, "argv", [str(TOOL), *map(str, args)])
    return rn.main()


def no_execution(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a notebook was executed although the arguments are bad")
    monkeypatch.setattr(rn.pm, "execute_notebook", boom)


# ------------------------------------------------------------------ strip_volatile (issue 30, item 12)
def test_strip_volatile_drops_the_injected_scale_cell(tmp_path):
    """A stored notebook that pinned `scale` would run at that scale under nbval at ci (issue 30, item 12)."""
    src = make_nb(tmp_path / "t.ipynb", "print(scale)")
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(src), str(out), parameters={"scale": "ci"}, prepare_only=True)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nbformat.read(out, 4).cells)
    rn.strip_volatile(out)
    nb = nbformat.read(out, 4)
    assert [c.metadata.get("tags", []) for c in nb.cells] == [["parameters"], []], "the injected cell is left"
    assert "papermill" not in nb.metadata and not any("papermill" in c.metadata for c in nb.cells)


def test_strip_volatile_keeps_a_parameter_given_with_p(tmp_path):
    """The stored notebook says what it ran with (seed = 3); the scale is never pinned."""
    src = make_nb(tmp_path / "t.ipynb", "print(scale)")
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(src), str(out), parameters={"scale": "ci", "seed": 3}, prepare_only=True)
    rn.strip_volatile(out)
    injected = [c for c in nbformat.read(out, 4).cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "seed = 3" in injected[0].source and "scale" not in injected[0].source


# ------------------------------------------------------------------ a run, a failure, SIGTERM
def test_run_passes_parameters_and_writes_a_shareable_notebook(env, monkeypatch):
    nb = make_nb(env / "nbs" / "t.ipynb", "print('ran at', scale, 'seed', seed)")
    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (env / "partial").mkdir()
    stale = env / "partial" / f"{dead.pid}@{host}@t-abc.ipynb"  # what a kill -9 of an earlier run leaves
    stale.write_text("")
    assert run(monkeypatch, str(nb), "--scale", "ci", "--out", str(env / "out"), "-p", "seed=3") == 0
    got = env / "out" / "t.ipynb"
    assert "ran at ci seed 3" in text_of(nbformat.read(got, 4))
    assert got.stat().st_mode & 0o777 == 0o664, oct(got.stat().st_mode)  # not mkstemp's 0600
    assert list((env / "partial").iterdir()) == [], "partial outputs are left behind"
    assert json.loads((env / "reports" / "timings_ci.json").read_text()).keys() == {"t.ipynb"}


def test_a_failed_run_keeps_its_notebook_and_a_later_success_removes_it(env, monkeypatch):
    nb = make_nb(env / "nbs" / "t.ipynb", "print('first cell ran')", "raise ValueError('broke here')")
    out = env / "out"
    assert run(monkeypatch, str(nb), "--scale", "ci", "--out", str(out)) == 1
    failed = out / "t.failed.ipynb"
    assert failed.is_file() and not (out / "t.ipynb").exists()
    text = text_of(nbformat.read(failed, 4))
    assert "first cell ran" in text and "broke here" in text
    assert failed.stat().st_mode & 0o777 == 0o664
    assert list((env / "partial").iterdir()) == []
    make_nb(nb, "print('fixed')")
    assert run(monkeypatch, str(nb), "--scale", "ci", "--out", str(out)) == 0
    assert (out / "t.ipynb").is_file() and not failed.exists(), "a stale .failed notebook misleads"


def test_a_failed_in_place_run_leaves_the_notebook_and_keeps_the_failure_outside_notebooks(env, monkeypatch):
    monkeypatch.setattr(rn, "ROOT", env)
    nb = make_nb(env / "notebooks" / "t.ipynb", "raise ValueError('broke here')")
    before = nb.read_bytes()
    assert run(monkeypatch, nb, "--scale", "default") == 1
    assert nb.read_bytes() == before, "the committed notebook was replaced by a failed run"
    assert sorted(p.name for p in nb.parent.iterdir()) == ["t.ipynb"], "nbval would collect a failed notebook here"
    assert "broke here" in text_of(nbformat.read(env / "executed" / "default" / "t.failed.ipynb", 4))


def test_sigterm_runs_the_cleanup_and_keeps_the_notebook_so_far(env):
    marker = env / "kernel_pid"
    nb = make_nb(env / "nbs" / "t.ipynb", "print('before the long cell')",
                 "import os, time, pathlib\n"
                 f"pathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\ntime.sleep(120)")
    runner = ("import importlib.util, sys, pathlib\n"
              f"spec = importlib.util.spec_from_file_location('rn', {str(TOOL)!r})\n"
              "rn = importlib.util.module_from_spec(spec); spec.loader.exec_module(rn)\n"
              f"rn.PARTIAL = pathlib.Path({str(env / 'partial')!r})\n"
              "sys.exit(rn.main())\n")
    p = subprocess.Popen([sys.executable, "-c", runner, str(nb), "--scale", "ci", "--out", str(env / "out")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while not marker.exists() and time.time() < deadline and p.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), p.communicate()[0] if p.poll() is not None else "the long cell never started"
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        log = p.communicate(timeout=60)[0]
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + signal.SIGTERM, log
    failed = env / "out" / "t.failed.ipynb"
    assert failed.is_file(), log
    assert "before the long cell" in text_of(nbformat.read(failed, 4))
    assert not (env / "partial").exists() or list((env / "partial").iterdir()) == []
    kernel = int(marker.read_text())
    for _ in range(50):  # the kernel is shut down with the run, not orphaned
        try:
            os.kill(kernel, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(kernel, signal.SIGKILL)
        pytest.fail(f"kernel {kernel} outlived the SIGTERM'd run")


def test_clean_partial_removes_only_dead_runs_of_this_machine(tmp_path):
    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    files = {"dead": f"{dead.pid}@{host}@a-1.ipynb", "alive": f"{os.getpid()}@{host}@b-2.ipynb",
             "other host": f"{dead.pid}@not-{host}@c-3.ipynb", "old empty": "tmpx1y2.ipynb",
             "old with content": "tmpz3.ipynb"}
    for k, name in files.items():
        (tmp_path / name).write_text("{}" if k == "old with content" else "")
    rn.clean_partial(tmp_path)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {files["alive"], files["other host"], files["old with content"]}


# ------------------------------------------------------------------ bad arguments fail before any work
@pytest.mark.parametrize("value, shown", [("1.5", "1.5 (float)"), ("True", "True (bool)"), ("abc", "'abc' (str)")])
def test_a_seed_that_is_not_a_whole_number_is_an_error(env, monkeypatch, capsys, value, shown):
    no_execution(monkeypatch)
    nb = make_nb(env / "t.ipynb", "pass")
    with pytest.raises(SystemExit) as e:
        run(monkeypatch, str(nb), "--scale", "ci", "--out", str(env / "out"), "-p", f"seed={value}")
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "seed must be a whole number" in err and shown in err, err


def test_a_misspelt_parameter_is_an_error_naming_the_notebook(env, monkeypatch, capsys):
    no_execution(monkeypatch)
    nb = make_nb(env / "t.ipynb", "pass")
    for arg, want in (("sed=1", f"-p sed: {nb} has no parameter 'sed' (its parameters cell assigns scale, seed); "
                                "did you mean 'seed'?"),
                      ("scale=ci", "set the scale with --scale"),
                      ("seed", "'seed' is not NAME=VALUE")):
        with pytest.raises(SystemExit) as e:
            run(monkeypatch, str(nb), "--scale", "ci", "--out", str(env / "out"), "-p", arg)
        err = capsys.readouterr().err
        assert e.value.code == 2 and want in err, err


def test_an_unusable_xmodal_reports_is_an_early_error_naming_it(env, monkeypatch, capsys):
    no_execution(monkeypatch)
    nb = make_nb(env / "t.ipynb", "pass")
    a_file = env / "a_file"
    a_file.write_text("x")
    ro = env / "ro"
    ro.mkdir()
    cases = [(a_file, "is a file"), (a_file / "sub", "cannot write")]
    if os.geteuid() != 0:
        ro.chmod(0o500)
        cases.append((ro, "cannot write"))
    for value, want in cases:
        monkeypatch.setenv("XMODAL_REPORTS", str(value))
        with pytest.raises(SystemExit) as e:
            run(monkeypatch, str(nb), "--scale", "ci", "--out", str(env / "out"))
        err = capsys.readouterr().err
        assert e.value.code == 2 and f"XMODAL_REPORTS={str(value)!r}" in err and want in err, err
    if os.geteuid() == 0:  # root writes through mode bits: a read-only mount is what stops it
        monkeypatch.setenv("XMODAL_REPORTS", str(ro))

        def read_only(*a, **k):
            raise OSError(errno.EROFS, "Read-only file system")
        monkeypatch.setattr(rn.tempfile, "TemporaryFile", read_only)
        with pytest.raises(SystemExit):
            run(monkeypatch, str(nb), "--scale", "ci", "--out", str(env / "out"))
        assert "XMODAL_REPORTS" in capsys.readouterr().err


# ------------------------------------------------------------------ the check the notebooks' setup cells call
def test_check_parameters_rejects_seeds_that_are_not_whole_numbers():
    import numpy as np

    from xmodal.config import check_parameters

    for bad in (1.5, True, "abc", None):
        with pytest.raises(TypeError, match=rf"seed must be a whole number.*{bad!r}"):
            check_parameters("ci", bad)
    check_parameters("ci", np.int64(2))
    check_parameters("ci", -1)
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        check_parameters("huge", 0)


def test_full_without_cuda_warns_unless_xmodal_device_is_cpu(monkeypatch):
    import torch

    from xmodal.config import ScaleWarning, check_parameters

    monkeypatch.delenv("XMODAL_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(ScaleWarning, match="CUDA is not available.*XMODAL_DEVICE=cpu"):
        check_parameters("full", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_parameters("ci", 0)
        monkeypatch.setenv("XMODAL_DEVICE", "auto")
        check_parameters("default", 0)  # a CPU scale: nothing to warn about
        monkeypatch.setenv("XMODAL_DEVICE", "cpu")
        check_parameters("full", 0)  # asked for
        monkeypatch.delenv("XMODAL_DEVICE")
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        check_parameters("full", 0)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[0-5]_*.ipynb")) + sorted(
    (ROOT / "notebooks" / "solutions").glob("*_solutions.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_setup_cell_checks_the_parameters_before_using_them(path):
    cells = nbformat.read(path, 4).cells
    i = next(k for k, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    setup = next(c for c in cells[i + 1:] if c.cell_type == "code").source
    assert "check_parameters(scale, seed)" in setup, f"{path.name}: the setup cell does not check scale and seed"
    at = setup.index("check_parameters(scale, seed)")
    for use in ("runtime.apply(", "seed_everything(", "for_scale(", "load_dataset(", "world_dataset("):
        assert use not in setup[:at], f"{path.name}: {use} runs before the parameters are checked"
