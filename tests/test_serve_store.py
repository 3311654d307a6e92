"""Where `cvkg serve` keeps the graph: the project's Oxigraph store, as every local command.

A real `cvkg serve` on a free 127.0.0.1 port: the store is built once in the store cache (in a
child process, so that the template that forks the workers never holds RocksDB's threads),
re-opened by a second server on the same files, opened read-only by each worker; with the
cache off, or data from stdin, it lives in memory in the template; stopped while the store is being built, the
server leaves no half-built store and no process behind.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from test_serve_support import Served, alive, children, cvkg_command, descendants, expected, parse_results, \
    row_multiset, threads

from clearview_kg.core import catalog, store_cache
from clearview_kg.core.server_worker import Ready

ROOT = Path(__file__).resolve().parent.parent
EXTRA = """@prefix cv: <https://w3id.org/clearview-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/clearview-kg/id/org/test-serve-store> a cv:Company ;
    skos:prefLabel "Served from the store"@en .
"""
ASK_EXTRA = 'ASK { ?c skos:prefLabel "Served from the store"@en }'


def _stores(cache: Path) -> list[str]:
    folder = cache / "stores"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _template(server: Served) -> int:
    (template,) = children(server.process.pid)
    return template


def _workers(server: Served, count: int, within: float = 10.0) -> set[int]:
    """The workers, once ``count`` of them run (the server forks them after it says it is ready)."""
    deadline = time.monotonic() + within
    while True:
        found = children(_template(server))
        if len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _wait_for_threads(pid: int, within: float = 10.0) -> int:
    deadline = time.monotonic() + within
    while threads(pid) == 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return threads(pid)


def test_the_store_is_built_once_and_opened_by_the_workers_never_by_the_template(tmp_path, shipped_store):
    cache = tmp_path / "cache"
    data = tmp_path / "extra.ttl"
    data.write_text(EXTRA, encoding="utf-8")
    env = {store_cache.ENV_CACHE_DIR: str(cache)}
    server = Served("--data", str(data), "--workers", "2", env=env)
    try:
        built = _stores(cache)
        assert len(built) == 1 and not built[0].startswith("building-"), built
        template = _template(server)
        workers = _workers(server, 2)
        assert len(workers) == 2
        # Each worker opened the store on disk itself (RocksDB starts threads when it opens one).
        assert all(_wait_for_threads(pid) > 1 for pid in workers)
        # The template that forks them never did: forking a process with threads is unsafe.
        assert threads(template) == 1
        assert server.query(ASK_EXTRA).text.startswith('{"head": {}, "boolean": true')
        columns, rows = expected(shipped_store, "fines")
        answer = server.query(catalog.get("fines").text)
        assert answer.status == 200 and row_multiset(parse_results(answer)[1]) == row_multiset(rows)
        first = server.health()["triples"]
    finally:
        assert server.stop() == 0, server.lines[-5:]
    meta = cache / "stores" / built[0] / "cvkg-store.json"
    past = time.time() - 600
    os.utime(meta, (past, past))

    again = Served("--data", str(data), "--workers", "1", env=env)
    try:
        assert _stores(cache) == built  # re-opened, not built again
        assert again.health()["triples"] == first
        assert again.query(ASK_EXTRA).text.startswith('{"head": {}, "boolean": true')
        assert meta.stat().st_mtime > past + 300  # opened: marked as used, so not pruned
    finally:
        assert again.stop() == 0, again.lines[-5:]


def test_with_the_cache_off_the_graph_lives_in_the_template(tmp_path, shipped_store):
    cache = tmp_path / "cache"
    server = Served("--workers", "1", env={store_cache.ENV_CACHE_DIR: "off", "XDG_CACHE_HOME": str(cache)})
    try:
        template = _template(server)
        (worker,) = _workers(server, 1)
        columns, rows = expected(shipped_store, "uses")
        answer = server.query(catalog.get("uses").text)
        assert answer.status == 200 and row_multiset(parse_results(answer)[1]) == row_multiset(rows)
        assert threads(template) == 1 and threads(worker) == 1  # an in-memory store starts no threads
        assert not cache.exists()
    finally:
        assert server.stop() == 0, server.lines[-5:]


def test_stopped_while_the_store_is_built_the_server_leaves_nothing(tmp_path):
    cache = tmp_path / "cache"
    data = tmp_path / "big.ttl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "3e5",
                    "--seed", "5", "--out", str(data)], check=True, capture_output=True)
    env = {**os.environ, store_cache.ENV_CACHE_DIR: str(cache)}
    process = subprocess.Popen(cvkg_command("serve", "--port", "0", "--data", str(data), "--no-shipped"),
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(n.startswith("building-") for n in _stores(cache)):
        time.sleep(0.01)
    assert any(n.startswith("building-") for n in _stores(cache)), "the build never started"
    below = descendants(process.pid)
    assert below, "no query process"
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "cvkg serve: stopped"
    assert not any(n.startswith("building-") for n in _stores(cache)), _stores(cache)
    # Whatever is there was finished (the build may have ended just before the signal came).
    assert all((cache / "stores" / n / "cvkg-store.json").is_file() for n in _stores(cache))
    assert not any(alive(pid) for pid in below)


def _make_ready(env: dict[str, str], *data: str) -> dict:
    """make_ready in a fresh process, as in the template: it forks, which this test process
    (holding RocksDB's threads from other tests' stores) must not do."""
    code = ("import json, os, sys\n"
            "from clearview_kg.core.server_worker import make_ready\n"
            "ready = make_ready(sys.argv[1:], True)\n"
            "print(json.dumps({'folder': ready.folder and str(ready.folder), 'memory': ready.memory is not None,\n"
            "                  'triples': ready.triples, 'threads': len(os.listdir('/proc/self/task'))}))\n")
    done = subprocess.run([sys.executable, "-c", code, *data], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ready_builds_the_store_in_a_child_then_marks_it_as_used_and_opens_it(tmp_path):
    data = tmp_path / "extra.ttl"
    data.write_text(EXTRA, encoding="utf-8")
    made = _make_ready({store_cache.ENV_CACHE_DIR: str(tmp_path / "cache")}, str(data))
    assert made["folder"] and not made["memory"] and made["threads"] == 1
    ready = Ready(Path(made["folder"]), None, made["triples"])
    meta = ready.folder / "cvkg-store.json"
    past = time.time() - 7200
    os.utime(meta, (past, past))
    ready.keep_alive()
    assert meta.stat().st_mtime > time.time() - 60
    opened = ready.open()
    assert opened.triple_count() == ready.triples
    assert opened.run(ASK_EXTRA).value is True


def test_ready_in_memory_when_the_cache_is_off(tmp_path, shipped_store):
    made = _make_ready({store_cache.ENV_CACHE_DIR: "off"})
    assert made["folder"] is None and made["memory"] and made["threads"] == 1
    assert made["triples"] == shipped_store.triple_count()
    memory = Ready(None, shipped_store, made["triples"])
    assert memory.open() is shipped_store


def test_data_from_stdin_is_served_from_memory_and_never_cached(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, store_cache.ENV_CACHE_DIR: str(cache)}
    process = subprocess.Popen(cvkg_command("serve", "--port", "0", "--data", "-", "--workers", "1"),
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        process.stdin.write(EXTRA)
        process.stdin.close()
        line = process.stderr.readline()
        url = re.search(r"(http://\S+)/sparql", line)
        assert url, line
        query = urllib.parse.urlencode({"query": ASK_EXTRA})
        with urllib.request.urlopen(f"{url.group(1)}/sparql?{query}", timeout=60) as answer:
            assert json.loads(answer.read()) == {"head": {}, "boolean": True}
        assert _stores(cache) == []  # stdin cannot be hashed: the store lives in memory
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        rest = process.stderr.read()
    assert code == 0, rest


def test_a_store_removed_under_the_server_is_one_clear_error(tmp_path):
    """A worker forked after the store's folder was removed (here: after a timeout) cannot open
    it: every query it takes is answered 500 with one line saying so, and the server stays up."""
    import shutil

    cache = tmp_path / "cache"
    server = Served("--workers", "1", "--timeout", "3", env={store_cache.ENV_CACHE_DIR: str(cache)})
    try:
        assert server.query("ASK { ?f a cv:Fine }").status == 200
        (built,) = _stores(cache)
        shutil.rmtree(cache / "stores" / built)
        stuck = server.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
        assert stuck.status == 504  # its worker is killed; the fresh one finds no store
        answer = server.query("ASK { ?f a cv:Fine }")
        assert answer.status == 500, answer.text
        assert answer.text.count("\n") == 1 and "cannot open the graph's store" in answer.text
        assert "restart cvkg serve" in answer.text
        assert server.health()["workers"] == 1
    finally:
        assert server.stop() == 0, server.lines[-5:]
