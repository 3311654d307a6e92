"""The observers behind the hostile-input tests: a recording HTTP server, a canary on disk and
an audit hook. A door is proven closed when, after the hostile input went through, none of
them saw anything.

- ``Recorder``: an HTTP server on 127.0.0.1 (a free port), started by the test session. It
  counts every TCP connection it accepts and records every request, and it answers each one
  with something attractive (a JSON-LD context, Turtle, SPARQL results), so that an open door
  would not stop at a 404. ``recorder.url`` ends with ``/``.
- ``Canary``: a directory holding files whose content is a random token
  (``canary.text``): canary.txt, canary.ttl, canary.jsonld, canary.rdf. Hostile inputs point at
  them with file:// IRIs, relative names and entity declarations; the tests assert the token
  appears in no output and no error message.
- ``watch()``: a context manager over a process-wide audit hook (PEP 578) that records, while
  active, every ``open`` of a canary file and every ``socket.connect`` / ``urllib.Request``
  of the process, whatever address: stronger than the recorder alone, for the tests that run
  in-process.
- ``render(template, ...)``: the documents in this folder contain ``@SERVER@`` (the recorder's
  URL), ``@CANARY@`` (the canary folder as a file:// IRI, ending with ``/``) and
  ``@CANARY_DIR@`` (its path); ``render`` writes a copy with them filled in.

``assert_untouched(recorder, seen, *texts)`` is the verdict every test uses.
"""

from __future__ import annotations

import http.server
import os
import secrets
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


# --- the recording server --------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.connections = 0
        self._lock = threading.Lock()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(min(length, 1 << 20))
                with recorder._lock:
                    recorder.requests.append((self.command, self.path))
                if self.path.endswith((".jsonld", "context")) or "ld+json" in (self.headers.get("Accept") or ""):
                    body, kind = b'{"@context": {"stolen": "http://example.org/stolen#"}}', "application/ld+json"
                elif "sparql" in self.path:
                    body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
                    kind = "application/sparql-results+json"
                else:
                    body, kind = b"<http://example.org/stolen> <http://example.org/p> 1 .\n", "text/turtle"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

            def log_message(self, *args) -> None:  # quiet
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address) -> bool:
                with recorder._lock:
                    recorder.connections += 1
                return True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def seen(self) -> tuple[int, list[tuple[str, str]]]:
        with self._lock:
            return self.connections, list(self.requests)

    def reset(self) -> None:
        with self._lock:
            self.connections = 0
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- the canary ------------------------------------------------------------------------------


class Canary:
    def __init__(self, directory: Path) -> None:
        self.text = "canary-" + secrets.token_hex(12)
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.uri = self.dir.as_uri() + "/"
        self.files = {
            "canary.txt": self.text + "\n",
            "canary.ttl": f'<http://example.org/canary> <http://example.org/says> "{self.text}" .\n',
            "canary.jsonld": '{"@context": {"canary": "http://example.org/%s#"}, "@id": "http://example.org/%s"}\n'
            % (self.text, self.text),
            "canary.rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/canary">'
            f"<ex:says>{self.text}</ex:says></rdf:Description></rdf:RDF>\n",
        }
        for name, content in self.files.items():
            (self.dir / name).write_text(content, encoding="utf-8")
        self.paths = {str((self.dir / name).resolve()) for name in self.files}


# --- the audit hook --------------------------------------------------------------------------


@dataclass
class Seen:
    opened: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)


_ACTIVE: dict[str, object] = {}
_HOOKED = False


def _hook(event: str, args: tuple) -> None:
    seen = _ACTIVE.get("seen")
    if seen is None:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        try:
            resolved = os.path.realpath(path)
        except (OSError, ValueError):
            resolved = path
        if resolved in _ACTIVE["paths"]:  # type: ignore[operator]
            seen.opened.append(path)  # type: ignore[attr-defined]
    elif event in ("socket.connect", "urllib.Request"):
        seen.connects.append(f"{event} {args[1] if event == 'socket.connect' else args[0]}")  # type: ignore[attr-defined]


@contextmanager
def watch(canary: Canary):
    """Record opens of the canary files and every outgoing connection while inside."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_hook)  # cannot be removed; inert while nothing is watched
        _HOOKED = True
    seen = Seen()
    _ACTIVE.update(seen=seen, paths=canary.paths)
    try:
        yield seen
    finally:
        _ACTIVE.clear()


# --- documents -------------------------------------------------------------------------------


def fill(text: str, recorder: Recorder, canary: Canary) -> str:
    return (
        text.replace("@SERVER@", recorder.url)
        .replace("@CANARY_DIR@", str(canary.dir))
        .replace("@CANARY@", canary.uri)
    )


def render(template: str, recorder: Recorder, canary: Canary, directory: Path | None = None,
           name: str | None = None) -> str:
    """Write ``template`` (a file in this folder) with its placeholders filled; return its path."""
    text = (HERE / template).read_text(encoding="utf-8")
    target = (directory or canary.dir / "docs") / (name or template)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(fill(text, recorder, canary), encoding="utf-8")
    return str(target)


# --- verdicts --------------------------------------------------------------------------------


def assert_untouched(recorder: Recorder, canary: Canary, seen: Seen | None, *texts: str) -> None:
    """Nothing reached the recorder, no canary file was opened, no connection was attempted,
    and the canary's content appears in none of ``texts`` (outputs, error messages)."""
    connections, requests = recorder.seen()
    assert connections == 0 and requests == [], f"the recording server was reached: {connections} {requests}"
    if seen is not None:
        assert seen.opened == [], f"a canary file was opened: {seen.opened}"
        assert seen.connects == [], f"a connection was attempted: {seen.connects}"
    for text in texts:
        assert canary.text not in (text or ""), "the canary's content appears in the output"


def assert_one_error(result, *fragments: str) -> str:
    """Exit code 2 and exactly one line on stderr, starting 'Error: ' (CliRunner or subprocess)."""
    code = getattr(result, "exit_code", getattr(result, "returncode", None))
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
    stdout = result.stdout if isinstance(result.stdout, str) else result.stdout.decode("utf-8", "replace")
    assert code == 2, (code, stdout[-500:], stderr[-2000:])
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr[-2000:]
    assert "Traceback" not in stderr + stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def run_cli(args: list[str], timeout: float, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cvkg ARGS`` in a fresh Python process; a timeout fails the calling test."""
    command = [sys.executable, "-c", "from clearview_kg.cli.main import cli; cli()", *args]
    full_env = {**os.environ, "COLUMNS": "120", **(env or {})}
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout, env=full_env, **kwargs)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"cvkg {' '.join(args)[:200]} still ran after {timeout} s: the door is open") from None


# --- pytest fixtures (import them into a test module to use them) -----------------------------


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    return Canary(tmp_path_factory.mktemp("canary"))


@pytest.fixture
def hostile(recorder, canary):
    """(recorder, canary), with the recorder's memory cleared for this test."""
    recorder.reset()
    return recorder, canary
