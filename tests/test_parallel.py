"""xmodal.parallel: one pool for every multi-process step (order, initializer, fallbacks, bad input)."""
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from xmodal.parallel import default_workers, fill_cache, parallel_map, worker_context
from xmodal.runtime import env_int

_STATE = {}


def _init(tag):
    _STATE["tag"] = tag


def _job(x):
    return (x * x, _STATE.get("tag"), os.environ.get("OMP_NUM_THREADS"))


def test_results_in_job_order_with_initializer_in_every_worker():
    out = parallel_map(_job, [3, 1, 2, 5], 2, desc="t", initializer=_init, initargs=("w",))
    assert [o[0] for o in out] == [9, 1, 4, 25]
    assert {o[1] for o in out} == {"w"}          # the initializer ran where the jobs ran
    assert {o[2] for o in out} == {os.environ.get("OMP_NUM_THREADS", "1")}  # one thread unless the caller set it


def test_one_worker_runs_here_and_calls_the_initializer():
    _STATE.clear()
    assert parallel_map(_job, [2], 1, desc="t", initializer=_init, initargs=("here",))[0][:2] == (4, "here")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_worker_count_is_refused(bad):
    with pytest.raises((ValueError, TypeError), match="workers"):
        parallel_map(_job, [1], bad, desc="t")


def test_script_from_stdin_falls_back_to_one_process_with_a_warning():
    code = textwrap.dedent("""
        import warnings
        from xmodal.parallel import parallel_map
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            print(parallel_map(abs, [-1, -2, 3], 2, desc="stdin job"))
        print([str(x.message) for x in w])
    """)
    r = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, TQDM_DISABLE="1"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "[1, 2, 3]" in r.stdout
    assert "stdin job" in r.stdout and "one process" in r.stdout


def _cores(monkeypatch, n):
    """Pretend this process may run on ``n`` cores (what xmodal.runtime.cpu_cores reads)."""
    monkeypatch.setattr(os, "cpu_count", lambda: n)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(n)), raising=False)


def test_default_workers(monkeypatch):
    _cores(monkeypatch, 4)
    monkeypatch.delenv("XMODAL_WORKERS", raising=False)
    assert default_workers() == 2
    assert default_workers(1) == 1
    monkeypatch.setenv("XMODAL_WORKERS", "3")
    assert default_workers(10) == 3 and default_workers(2) == 2
    _cores(monkeypatch, 1)
    monkeypatch.delenv("XMODAL_WORKERS")
    assert default_workers() == 1                          # min(2, cores)
    monkeypatch.setenv("XMODAL_WORKERS", "zero")
    with pytest.raises(ValueError, match="XMODAL_WORKERS"):
        default_workers()

    monkeypatch.setenv("XMODAL_WORKERS", "0")
    with pytest.raises(ValueError, match=r"XMODAL_WORKERS must be a whole number >= 1, got '0'"):
        default_workers()


def test_xmodal_workers_above_the_cores_is_capped_with_a_warning(monkeypatch):
    """Issue 30: ``XMODAL_WORKERS=1000`` on a 2-core machine started 1000 processes (at most one per job)."""
    _cores(monkeypatch, 2)
    monkeypatch.setenv("XMODAL_WORKERS", "1000")
    with pytest.warns(RuntimeWarning, match=r"XMODAL_WORKERS=1000 asks for more than the 2 CPU core\(s\).*using 2"):
        assert default_workers(40) == 2
    monkeypatch.setenv("XMODAL_WORKERS", "2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # at the cores: no warning
        assert default_workers(40) == 2


def test_world_and_01_pretraining_take_xmodal_workers(monkeypatch):
    """Issue 30: ``world_dataset`` and notebook 01's 3D pre-training used 2 processes whatever
    ``XMODAL_WORKERS`` said. The world's cache key does not hold the count (nor do the encoders': a pool's runs
    are keyed by their own arguments, tested in test_paper_platos_cave)."""
    from xmodal.data import world as world_mod
    from xmodal.papers.platos_cave import Settings

    _cores(monkeypatch, 8)
    seen = []

    def fake_cached_arrays(step, params, build, rebuild=False):
        seen.append(params)
        return build()

    def fake_map(fn, jobs, workers, **kw):
        seen.append(workers)
        raise _Stop

    monkeypatch.setattr(world_mod, "cached_arrays", fake_cached_arrays)
    monkeypatch.setattr(world_mod, "parallel_map", fake_map)
    for w in ("1", "3"):
        monkeypatch.setenv("XMODAL_WORKERS", w)
        assert Settings.for_scale("ci").workers == int(w)
        with pytest.raises(_Stop):
            world_mod.world_dataset("ci")
    (key1, workers1), (key3, workers3) = seen[:2], seen[2:]
    assert (workers1, workers3) == (1, 3) and key1 == key3
    assert Settings.for_scale("ci").with_(workers=2).workers == 2  # an explicit count is kept


class _Stop(Exception):
    """Stops the world build once the pool would start."""


def test_env_int(monkeypatch):
    monkeypatch.delenv("XMODAL_TEST_INT", raising=False)
    assert env_int("XMODAL_TEST_INT", 7, 0) == 7
    monkeypatch.setenv("XMODAL_TEST_INT", "  ")
    assert env_int("XMODAL_TEST_INT", 7, 0) == 7      # blank is unset
    monkeypatch.setenv("XMODAL_TEST_INT", " 3 ")
    assert env_int("XMODAL_TEST_INT", 7, 0) == 3
    for bad in ("-1", "2.5", "two"):
        monkeypatch.setenv("XMODAL_TEST_INT", bad)
        with pytest.raises(ValueError, match=rf"XMODAL_TEST_INT must be a whole number >= 0 \(x\), got '{bad}'"):
            env_int("XMODAL_TEST_INT", 7, 0, " (x)")


def test_fill_cache_runs_only_the_jobs_left_in_the_pool_in_the_given_order():
    jobs = [5, 1, 4, 2, 3]
    done = {1}
    out = fill_cache(jobs, lambda j: j in done, _job, 2, desc="t", order=lambda j: -j, initializer=_init,
                     initargs=("pool",))
    assert sorted(out) == [0, 2, 3, 4]                       # indices in jobs of the jobs not done
    assert {i: out[i][0] for i in out} == {0: 25, 2: 16, 3: 4, 4: 9}
    assert {o[1] for o in out.values()} == {"pool"}


def _env_job(_x):
    return os.environ.get("GLIBC_TUNABLES")


@pytest.mark.parametrize("parent", [None, "", "glibc.malloc.arena_max=2"])
def test_workers_start_with_the_project_malloc_unless_the_caller_set_one(parent, monkeypatch):
    from xmodal.runtime import FAST_MALLOC

    if parent is None:
        monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    else:
        monkeypatch.setenv("GLIBC_TUNABLES", parent)
    assert set(parallel_map(_env_job, [1, 2], 2, desc="t")) == {FAST_MALLOC if parent is None else parent}
    assert os.environ.get("GLIBC_TUNABLES") == parent  # the caller's environment is left as it was


def _ctx_job(x):
    return worker_context()["base"] + x


def test_fill_cache_sends_a_context_to_every_worker_and_keeps_none_here():
    out = fill_cache([1, 2, 3], lambda j: False, _ctx_job, 2, desc="t", context={"base": 100})
    assert out == {0: 101, 1: 102, 2: 103}
    assert worker_context() == {}
    with pytest.raises(ValueError, match="either context= or initializer="):
        fill_cache([1, 2], lambda j: False, _ctx_job, 2, desc="t", context={"base": 1}, initializer=_init)


def test_fill_cache_leaves_a_single_job_or_one_worker_to_the_caller():
    calls = []
    assert fill_cache([1, 2], lambda j: j == 1, calls.append, 2, desc="t") == {}   # one job left
    assert fill_cache([1, 2, 3], lambda j: False, calls.append, 1, desc="t") == {}  # one worker
    assert calls == []
