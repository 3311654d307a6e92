"""Persistent stores (core.store_cache): built once, re-opened while the inputs are unchanged,
rebuilt when anything changes, never half-built, safe when commands run at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clearview_kg.core import oxigraph_store, store_cache
from clearview_kg.core.errors import InputError
from clearview_kg.core.source import Source
from clearview_kg.core.store import open_store

ROOT = Path(__file__).resolve().parent.parent
FACT = "<urn:x:a> <urn:x:b> \"{}\" .\n"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(store_cache.ENV_CACHE_DIR, str(root))
    return root


def _stores(cache: Path) -> list[str]:
    folder = cache / "stores"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _old(path: Path) -> None:
    """Make a file look written long ago, so its hash may be remembered (not "racy")."""
    past = time.time() - 60
    os.utime(path, (past, past))


def _count(store) -> int:
    return int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])


def test_first_command_builds_second_reopens(cache, tmp_path, monkeypatch):
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    _old(data)
    first = open_store(Source(data=(str(data),), include_shipped=False))
    assert first.location and Path(first.location).parent == cache / "stores"
    assert _count(first) == first.triple_count() > 1
    assert len(_stores(cache)) == 1

    def no_build(*args, **kwargs):
        raise AssertionError("the store was built again")

    monkeypatch.setattr(store_cache, "_build", no_build)
    hashed = []
    original = store_cache._sha256_file
    monkeypatch.setattr(store_cache, "_sha256_file", lambda p: hashed.append(p) or original(p))
    second = open_store(Source(data=(str(data),), include_shipped=False))
    assert second.location == first.location
    assert _count(second) == _count(first)
    assert hashed == [], "an unchanged file was hashed again"


def test_a_changed_file_gives_a_new_store(cache, tmp_path):
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    _old(data)
    first = open_store(Source(data=(str(data),), include_shipped=False))
    data.write_text(FACT.format(2))  # same size, new content
    _old(data)
    second = open_store(Source(data=(str(data),), include_shipped=False))
    assert second.location != first.location
    values = {str(r[0]) for r in second.select("SELECT ?o WHERE { <urn:x:a> <urn:x:b> ?o }").rows}
    assert values == {"2"}


def test_touching_a_file_without_changing_it_keeps_the_store(cache, tmp_path):
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    first = open_store(Source(data=(str(data),), include_shipped=False))
    os.utime(data)
    second = open_store(Source(data=(str(data),), include_shipped=False))
    assert second.location == first.location


def test_a_freshly_written_file_is_hashed_every_time(cache, tmp_path):
    """Racy clean: a file modified within the last seconds could change again within the same
    timestamp tick, so its hash is not remembered."""
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    open_store(Source(data=(str(data),), include_shipped=False))
    memo = json.loads((cache / "hashes.json").read_text()) if (cache / "hashes.json").exists() else {}
    assert str(data) not in memo
    _old(data)
    open_store(Source(data=(str(data),), include_shipped=False))
    memo = json.loads((cache / "hashes.json").read_text())
    assert memo[str(data)]["sha256"]


def test_the_same_content_elsewhere_is_another_store(cache, tmp_path):
    """Relative IRIs resolve against the file's own path, so the path is part of the key."""
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    for path in (a, b):
        path.write_text("<x> <urn:x:p> <y> .\n")
    one = open_store(Source(data=(str(a),), include_shipped=False))
    two = open_store(Source(data=(str(b),), include_shipped=False))
    assert one.location != two.location
    subject = one.select("SELECT ?s WHERE { ?s <urn:x:p> ?o }").rows[0][0]
    assert str(subject) == a.parent.as_uri() + "/x"


def test_cache_off_keeps_the_store_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv(store_cache.ENV_CACHE_DIR, "off")
    opened = open_store(Source())
    assert opened.location is None
    assert opened.triple_count() > 2000


def test_an_unwritable_cache_falls_back_to_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(store_cache.ENV_CACHE_DIR, str(blocker))
    opened = open_store(Source())
    assert opened.location is None
    assert opened.triple_count() > 2000


def test_a_malformed_file_leaves_no_store(cache, tmp_path):
    data = tmp_path / "bad.ttl"
    data.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> \"x\"@ .\n")
    with pytest.raises(InputError) as info:
        open_store(Source(data=(str(data),)))
    assert info.value.message.startswith(f"{data}:2: ")
    assert _stores(cache) == []


def test_an_interrupted_build_leaves_nothing(cache, tmp_path, monkeypatch):
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    original = oxigraph_store._load_one
    calls = []

    def interrupted(store, item, bulk, bar):
        calls.append(item.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(store, item, bulk, bar)

    monkeypatch.setattr(oxigraph_store, "_load_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_store(Source(data=(str(data),)))
    assert _stores(cache) == []


def test_a_killed_build_is_cleaned_up_by_the_next(cache, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = cache / "stores" / f"building-0123456789abcdef-{dead.pid}-abcd1234"
    leftover.mkdir(parents=True)
    (leftover / "junk").write_text("half a store")
    data = tmp_path / "mine.nt"
    data.write_text(FACT.format(1))
    open_store(Source(data=(str(data),), include_shipped=False))
    assert not leftover.exists()
    assert all(not name.startswith("building-") for name in _stores(cache))


def test_old_stores_are_pruned(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(store_cache, "KEEP", 2)
    monkeypatch.setattr(store_cache, "PRUNE_AFTER", 0.0)
    made = []
    for n in range(4):
        data = tmp_path / f"f{n}.nt"
        data.write_text(FACT.format(n))
        made.append(open_store(Source(data=(str(data),), include_shipped=False)).location)
        time.sleep(0.05)
    left = {str(cache / "stores" / name) for name in _stores(cache)}
    assert made[-1] in left and made[-2] in left
    assert made[0] not in left
    assert len(left) == 2


_CHILD = """
import sys
from clearview_kg.core.source import Source
from clearview_kg.core.store import open_store
store = open_store(Source(data=(sys.argv[1],)))
print(store.location, store.triple_count())
"""


def test_commands_at_once_share_one_store(cache, tmp_path):
    data = tmp_path / "mine.nt"
    data.write_text("".join(FACT.format(n) for n in range(5000)))
    env = {**os.environ, store_cache.ENV_CACHE_DIR: str(cache)}
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, str(data)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in outputs]
    answers = {out.strip() for out, _ in outputs}
    assert len(answers) == 1, answers
    assert _stores(cache) == [Path(answers.pop().split()[0]).name]


def test_ctrl_c_during_a_build_exits_130_and_leaves_nothing(cache, tmp_path):
    data = tmp_path / "big.ttl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "1e5",
                    "--seed", "3", "--out", str(data)], check=True, capture_output=True)
    env = {**os.environ, store_cache.ENV_CACHE_DIR: str(cache)}
    child = subprocess.Popen([sys.executable, "-c", "from clearview_kg.cli.main import cli; cli(prog_name='cvkg')",
                              "query", "sources", "--data", str(data)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(n.startswith("building-") for n in _stores(cache)):
        time.sleep(0.01)
    assert any(n.startswith("building-") for n in _stores(cache)), "the build never started"
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert _stores(cache) == []
