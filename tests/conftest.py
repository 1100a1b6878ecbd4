import os

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    """An empty, private XMODAL_CACHE for one test."""
    d = tmp_path / "cache"
    monkeypatch.setenv("XMODAL_CACHE", str(d))
    return d
