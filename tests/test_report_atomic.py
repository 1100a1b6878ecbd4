"""Issue #30, items 1, 9 and 10 (reports): a topic's folder is its previous report or its new one, never a mixture,
whatever stops the run (a full disk, SIGTERM); leftovers of killed runs are removed; the index refuses table and
figure names that leave the topic's folder; report files get the user's umask, not mkstemp's 0600."""
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xmodal import report
from xmodal.claims import Claim, Registry, Rule

SRC = Path(report.__file__).resolve().parents[1]  # the package's src/ folder, for the child processes


@pytest.fixture
def root(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("XMODAL_REPORTS", str(tmp_path))
    return tmp_path


def _snapshot(folder: Path) -> dict:
    """Every file under ``folder`` (hidden ``.partial/`` left out) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".partial" not in p.relative_to(folder).parts}


def _fill(r: report.Report, variant: int, figures=("curve",)) -> None:
    """Figures (PNG + PDF), a table and a judged claim whose bytes depend on ``variant``."""
    import matplotlib.pyplot as plt

    from xmodal.claims import combine_parts

    reg = Registry("97", [Claim("97-1", "x is positive", 0.5, Rule("x", "x > 0"))])
    for name in figures:
        fig, ax = plt.subplots()
        ax.plot(np.arange(50) * (variant + 1.0)), ax.set_title(f"variant {variant}")
        r.figure(fig, name)
        plt.close(fig)
    r.table(pd.DataFrame({"a": np.arange(4.0) + variant}), "numbers")
    r.add(reg.judge("97-1", combine_parts([True], judged=True), f"{variant}", "seen"))


def _good_report(figures=("curve",)) -> dict:
    r = report.Report("97_topic", title="T", scale="ci")
    _fill(r, 0, figures)
    r.save()
    return _snapshot(report.reports_root("ci") / "97_topic")


def _child(code: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# ------------------------------------------------------------------------------------------ 1. a full disk
def test_a_figure_write_failing_half_way_leaves_the_previous_report(root, monkeypatch):
    """ENOSPC while a PDF is written (the issue's gallery.pdf, 430,080 of 457,289 bytes): the previous report
    stays whole, and once there is space again the same Report saves a whole new one."""
    import matplotlib.figure

    before = _good_report()
    real = matplotlib.figure.Figure.savefig

    def half_then_full(self, fname, **kw):
        real(self, fname, **kw)
        if str(fname).endswith(".pdf"):
            data = Path(fname).read_bytes()
            Path(fname).write_bytes(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(fname))

    r = report.Report("97_topic", title="T", scale="ci")
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", half_then_full)
    with pytest.raises(OSError, match="No space"):
        _fill(r, 1)
    assert _snapshot(root / "97_topic") == before, "a failed write must leave the previous report as it was"
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", real)
    _fill(r, 1)
    r.save()
    after = _snapshot(root / "97_topic")
    assert after != before and set(after) == set(before)
    assert after["numbers.csv"] == b"a\n1\n2\n3\n4\n"
    assert not list((root / ".partial").iterdir()), "the swap must leave nothing behind"


def test_a_full_disk_at_save_leaves_the_previous_report(root, monkeypatch):
    """Figures and tables written, then the disk fills while save() writes claims.md: today results.json, the
    figures and the tables are already the new ones beside the old claims.md."""
    before = _good_report()
    r = report.Report("97_topic", title="T", scale="ci")
    _fill(r, 1)

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_markdown", full)
    with pytest.raises(OSError, match="No space"):
        r.save()
    assert _snapshot(root / "97_topic") == before
    monkeypatch.undo()
    r.save()  # the staging folder was kept: a retry completes it
    assert json.loads((root / "97_topic" / "results.json").read_text())["claims"][0]["our_value"] == "1"
    assert b"| 97-1 " in (root / "97_topic" / "claims.md").read_bytes()


def test_a_real_write_limit_mid_figure_leaves_the_previous_report(root):
    """The same with the kernel refusing the write (RLIMIT_FSIZE, as a full disk does: EFBIG instead of ENOSPC) in
    a separate process, which then exits on the error: no staging folder is left either."""
    before = _good_report()
    limit = len(before["curve.png"]) // 2
    child = _child(f"""
        import resource, signal
        import matplotlib.pyplot as plt, numpy as np
        from xmodal import report
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        r = report.Report("97_topic", scale="ci")
        fig, ax = plt.subplots()
        ax.plot(np.arange(50) * 2.0), ax.set_title("variant 1")
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
        r.figure(fig, "curve")
    """)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1 and "File too large" in err, err
    assert _snapshot(root / "97_topic") == before
    assert not list((root / ".partial").iterdir()), "a Report dropped unsaved removes its staging folder at exit"


def test_the_index_written_under_a_write_limit_keeps_the_previous_pages(root):
    """write_index replaces README.md, verdicts.png and the topic pages whole: a write that fails half way keeps
    the previous file (today: truncated in place)."""
    _good_report()
    report.write_index(root)
    before = _snapshot(root)
    limit = min(len(before["README.md"]), len(before["verdicts.png"])) // 2
    child = _child(f"""
        import resource, signal
        from xmodal import report
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
        report.write_index({str(root)!r})
    """)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1 and "File too large" in err, err
    assert _snapshot(root) == before
    assert not list((root / ".partial").iterdir()), "a failed write removes its temporary file"


# ------------------------------------------------------------------------------------------ 1. SIGTERM
_HALF_A_REPORT = """
    import sys
    import matplotlib.pyplot as plt, numpy as np, pandas as pd
    from xmodal import report
    r = report.Report("97_topic", scale="ci")
    fig, ax = plt.subplots()
    ax.plot(np.arange(50) * 3.0)
    r.figure(fig, "curve")
    r.table(pd.DataFrame({"a": [9.0]}), "numbers")
    print(r.dir, flush=True)
    sys.stdin.read()  # half a report written: wait to be killed
"""


def test_sigterm_mid_report_leaves_the_previous_report_and_the_next_run_cleans_up(root, monkeypatch):
    """The issue's case: SIGTERM after 16 of 17 files left them rewritten beside the old results.json. Now the
    topic is the previous report, byte for byte; the killed run's staging folder is removed by the next report
    of that root, while a live run's is not."""
    before = _good_report()
    killed, live = _child(_HALF_A_REPORT), _child(_HALF_A_REPORT)
    try:
        staged = [Path(p.stdout.readline().strip()) for p in (killed, live)]
        assert all(s.is_absolute() and s.is_dir() for s in staged), [p.stderr.read() for p in (killed, live)]
        killed.send_signal(signal.SIGTERM)
        assert killed.wait(timeout=60) == -signal.SIGTERM
        assert _snapshot(root / "97_topic") == before, "a killed run must leave the previous report as it was"
        assert staged[0].is_dir(), "SIGTERM runs no clean-up: the staging folder is a leftover"
        monkeypatch.setattr(report, "STALE_SECONDS", 0.0)  # no need to wait a minute
        r = report.Report("97_topic", scale="ci")
        r.table(pd.DataFrame({"a": [1.0]}), "numbers")  # the next report of this root
        # the next report may take the freed name itself (whichever child named its folder first got the plain
        # name), so what must be gone is the killed run's content
        assert not (staged[0] / "curve.png").exists(), "the killed run's staging folder must be removed"
        assert staged[0] == r.dir or not staged[0].exists()
        assert staged[1].is_dir(), "a live run's staging folder (locked) must be left alone"
        assert (staged[1] / "numbers.md").exists()
    finally:
        for p in (killed, live):
            if p.poll() is None:
                p.kill()
            p.communicate()


def test_a_swap_killed_half_way_is_undone(root, monkeypatch):
    """Where the atomic exchange is missing, the old folder is renamed aside before the new one goes in; a process
    killed between the two renames leaves ``<staging>.old`` and no topic: the next clean-up moves it back."""
    before = _good_report()
    aside = root / report.PARTIAL / "97_topic.deadbeef.old"
    os.rename(root / "97_topic", aside)
    assert report._clean_partial(root) == [aside]
    assert _snapshot(root / "97_topic") == before and not aside.exists()


# ------------------------------------------------------------------------------------------ 1. the swap
def test_the_new_report_replaces_the_old_one_whole(root):
    """A topic is one report: a figure the new run no longer makes does not stay beside it (today it did, with
    nothing saying it is stale)."""
    _good_report(figures=("curve", "dropped"))
    r = report.Report("97_topic", title="T", scale="ci")
    _fill(r, 1)
    r.save()
    names = set(_snapshot(root / "97_topic"))
    assert names == {"curve.png", "curve.pdf", "numbers.csv", "numbers.md", "results.json", "claims.md",
                     "README.md"}


def test_the_topic_is_never_half_written_while_a_report_is_open(root):
    """Until save() the topic's folder is the previous report; after it, the page is already there (it used to
    wait for write_index). A table added after save() (notebook 01's verdict_changes) is swapped in at once, and
    results.json lists it (today it lay in the folder, unlisted: no page showed it)."""
    before = _good_report()
    r = report.Report("97_topic", title="T", scale="ci")
    _fill(r, 1)
    assert _snapshot(root / "97_topic") == before and r.dir != r.path
    r.save()
    page = (root / "97_topic" / "README.md").read_text()
    assert "![curve](curve.png)" in page and "### numbers" in page
    late = r.table(pd.DataFrame({"claim": ["97-1"], "now": ["reproduced"]}), "late")
    assert late == root / "97_topic" / "late.md" and late.exists()
    assert {"curve.png", "curve.pdf", "numbers.md", "late.csv"} <= set(_snapshot(root / "97_topic"))
    assert json.loads((root / "97_topic" / "results.json").read_text())["tables"] == ["numbers", "late"]
    assert "### late" in (root / "97_topic" / "README.md").read_text()
    assert not list((root / report.PARTIAL).iterdir())


def test_the_paths_a_notebook_shows_are_the_same_every_run(root):
    """05's cells display the path ``report.figure`` returns: it must not change from run to run (the committed
    notebooks diff only where results change), so the staging folder has a fixed name unless a second live run of
    the topic holds it."""
    first, second = report.Report("97_topic", scale="ci"), report.Report("97_topic", scale="ci")
    paths = [r.table(pd.DataFrame({"a": [1.0]}), "numbers") for r in (first, second)]
    assert paths[0] == root / report.PARTIAL / "97_topic" / "numbers.md"
    assert paths[1].parent.name.startswith("97_topic.") and paths[1].exists(), "beside a live run: its own folder"
    first.save()
    again = report.Report("97_topic", scale="ci")
    assert again.table(pd.DataFrame({"a": [2.0]}), "numbers") == paths[0]


@pytest.mark.parametrize("why", ["no exchange", "second rename fails"])
def test_the_swap_without_an_atomic_exchange(root, monkeypatch, why):
    """Not Linux, NFS, FUSE: rename aside, rename in; if the second rename fails the old report is put back."""
    before = _good_report()

    def no_exchange(a, b):
        raise OSError(errno.ENOSYS, "renameat2 is not available")

    monkeypatch.setattr(report, "_exchange", no_exchange)
    r = report.Report("97_topic", title="T", scale="ci")
    _fill(r, 1)
    if why == "no exchange":
        r.save()
        assert _snapshot(root / "97_topic")["numbers.csv"] == b"a\n1\n2\n3\n4\n"
        assert not list((root / report.PARTIAL).iterdir())
        return
    real = os.rename

    def rename(src, dst):
        if Path(src) == r.dir and Path(dst) == r.path and not r.path.exists():  # the old one is aside
            raise OSError(errno.EIO, "Input/output error", str(src))
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="Input/output"):
        r.save()
    assert _snapshot(root / "97_topic") == before


# ------------------------------------------------------------------------------------------ 9. names
def test_the_index_refuses_table_names_that_leave_the_topic(root):
    """A ``results.json`` from elsewhere naming the table ``../../secret`` made the index inline a file from two
    levels up."""
    (root / "sub" / "deeper" / "98_evil").mkdir(parents=True)
    (root / "secret.md").write_text("| password |\n|---|\n| hunter2 |\n")
    data = {"topic": "98_evil", "title": "E", "scale": "ci", "claims": [], "tables": ["../../secret"], "figures": []}
    evil = root / "sub" / "deeper" / "98_evil" / "results.json"
    evil.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"results\.json: the table name '\.\./\.\./secret' is not a plain file name"):
        report.write_index(root / "sub" / "deeper")
    assert not (root / "sub" / "deeper" / "README.md").exists()
    assert not (root / "sub" / "deeper" / "98_evil" / "README.md").exists()
    for bad in ("..", "a/b", "a\\b"):
        data["tables"], data["figures"] = [], [bad]
        evil.write_text(json.dumps(data))
        with pytest.raises(ValueError, match="figure name"):
            report.write_index(root / "sub" / "deeper")


def test_a_report_refuses_names_that_leave_its_folder(root):
    r = report.Report("97_topic", scale="ci")
    with pytest.raises(ValueError, match=r"table name '\.\./escaped'"):
        r.table(pd.DataFrame({"a": [1.0]}), "../escaped")
    assert not (root / "escaped.md").exists() and not (root / "escaped.csv").exists()
    with pytest.raises(ValueError, match="not a folder name"):
        report.Report("../97_topic", scale="ci")


def test_the_index_names_a_truncated_results_json(root):
    (root / "97_topic").mkdir()
    (root / "97_topic" / "results.json").write_text('{"topic": "97_topic", "cla')
    with pytest.raises(ValueError, match=r"97_topic/results\.json: not a valid results\.json"):
        report.write_index(root)


# ------------------------------------------------------------------------------------------ 10. modes
@pytest.mark.parametrize("umask", [0o002, 0o022])
def test_report_files_get_the_users_umask(root, umask):
    """results.json was created by mkstemp (0600): in a group-shared reports folder (umask 002) the others could
    not read it. Every file and folder of a report and of the index follows the umask."""
    old = os.umask(umask)
    try:
        _good_report()
        report.write_index(root)
    finally:
        os.umask(old)
    modes = {p.relative_to(root).as_posix(): p.stat().st_mode & 0o777 for p in root.rglob("*")}
    files = {k: v for k, v in modes.items() if (root / k).is_file()}
    assert "97_topic/results.json" in files and "verdicts.png" in files and "97_topic/README.md" in files
    assert set(files.values()) == {0o666 & ~umask}, files
    assert {v for k, v in modes.items() if (root / k).is_dir()} == {0o777 & ~umask}
