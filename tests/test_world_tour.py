"""Notebook 00 acceptance: the world's sanity claims at ci scale, with explicit tolerances."""
import numpy as np
import pytest

from xmodal.data import world_dataset
from xmodal.papers import world_tour as tour


@pytest.fixture(scope="module")
def ds():
    return world_dataset("ci", seed=0)


@pytest.fixture(scope="module")
def sanity(ds):
    table, feats = tour.encoder_sanity(ds, seed=0)
    return table.set_index("check")["value"], feats


def test_claim_world_1_renders_carry_the_category(sanity):
    v, _ = sanity
    # 40 classes, 8 train shapes each at ci: chance is 0.025; demand 10× chance
    assert v.iloc[0] > 0.25


def test_claim_world_2_captions_carry_the_category(sanity):
    v, _ = sanity
    assert v.iloc[1] > 0.25  # MiniLM level-3 caption -> "a {category}"
    assert v.iloc[1] > v.iloc[2] - 0.05 or v.iloc[2] > 0.25  # GloVe is weaker or also well above chance


def test_neighbour_rates_are_rates(sanity, ds):
    v, feats = sanity
    rates = v[[k for k in v.index if k.startswith("5-NN")]]
    assert ((rates >= 0) & (rates <= 1)).all()
    assert set(feats) >= {"image (EfficientNet)", "text (MiniLM, level 3)"}


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
