"""Notebook 00 acceptance: the world's sanity checks at ci scale against tests/expected/00_world.ci.json."""
import numpy as np
import pytest

import _expected
from xmodal.data import world_dataset
from xmodal.papers import world_tour as tour


@pytest.fixture(scope="module")
def ds():
    return world_dataset("ci", seed=0)


@pytest.fixture(scope="module")
def checks():
    """The ci checks: those notebook 00 just wrote under make test (``$XMODAL_CI_RESULTS``), else computed."""
    got = _expected.ci_outcomes("00_world")
    if got is not None:
        return got
    table, _ = tour.encoder_sanity(world_dataset("ci", seed=0))
    return {o.id: o for o in tour.judge_checks(table)}


@pytest.mark.parametrize("cid", ["00-1", "00-2"])
def test_sanity_check(checks, cid):
    _expected.check("00_world", _expected.outcome(checks, cid))


def test_checks_are_not_paper_claims():
    assert all(c.kind == "check" for c in tour.CHECKS)


def test_same_category_rate_definition():
    F = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], float)
    assert tour.same_category_rate(F, np.array([0, 0, 1, 1]), k=1) == 1.0
    assert tour.same_category_rate(F, np.array([0, 1, 0, 1]), k=1) == 0.0


def test_d2_descriptor_is_a_histogram_and_scale_sensitive():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(2, 128, 3))
    p /= np.linalg.norm(p, axis=-1, keepdims=True)
    h = tour.d2_descriptor(np.stack([p[0], 0.5 * p[0]]))
    np.testing.assert_allclose(h.sum(1), 1, atol=1e-6)
    assert not np.allclose(h[0], h[1])


def test_tables(ds):
    stats = tour.statistics_table(ds)
    assert len(stats) == 40 and (stats["train"] + stats["val"] + stats["test"] == 12).all()
    caps = tour.caption_table(ds, n=2)
    assert sorted(caps["level"].unique()) == [0, 1, 2, 3, 4]
