"""``cvkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the graph, and a query page.

Routes (see docs/serve.md for the whole story):

- ``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=…``, or ``application/sparql-query`` with the query as the body). Results by the
  Accept header (``core.server_formats``). ``param=NAME=VALUE`` (repeatable) binds ``?NAME``
  exactly as ``cvkg query --param`` does: as a value, never pasted into the query.
- ``GET /`` the query page (core/assets/query.html), ``GET /queries`` the named queries as
  JSON, ``GET /prefixes`` the pre-declared prefixes, ``GET /health`` a small JSON status.

Status codes: 200; 400 malformed request or query (one-line text/plain message); 403 refused
(SPARQL Update in any form, SERVICE, FROM/FROM NAMED, default-graph-uri/named-graph-uri, a
Host header that is not this loopback server); 404; 405; 406 (no acceptable format); 411/413
(POST without Content-Length / body over 1 MiB); 415; 503 (no worker free within
--queue-timeout, or too many connections; ``Retry-After``); 504 (the query ran past --timeout
and was stopped); 500 (a worker died or a bug).

Every query runs in a worker process (``core.server_worker``); the HTTP threads of this process
only parse requests, wait and write answers. A query that runs past ``--timeout`` seconds is
stopped by killing its worker (SIGKILL) and answered 504 at once; a fresh worker is forked from
the template, which holds the graph ready (milliseconds: a worker re-opens the store on disk, or
shares the template's in-memory store), and the next request waits for it in the queue of free
workers.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import ipaddress
import json
import os
import queue
import re
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources as importlib_resources
from multiprocessing.connection import Connection
from typing import Any, Callable

from .. import __version__
from . import catalog, server_formats as formats
from .errors import CvkgError
from .namespaces import PREFIXES
from .server_worker import STARTED, UPDATE_REFUSED

MAX_BODY = 1 << 20  # bytes of a POST body
MAX_FIELDS = 100  # form fields in a request
MAX_CONNECTIONS = 64  # connections served at once; more get 503 at once
CLIENT_TIMEOUT = 15.0  # seconds a client may take to send a request or to read an answer
STOP_WAIT = 10.0  # seconds the query processes get to end on SIGTERM before SIGKILL

TRUNCATED_HEADER = "X-Cvkg-Truncated"
ROWS_HEADER = "X-Cvkg-Rows"
MAX_ROWS_HEADER = "X-Cvkg-Max-Rows"

_ASSETS = __name__.rsplit(".", 1)[0] + ".assets"
_DATASET_REFUSED = (
    "default-graph-uri and named-graph-uri are not supported: queries run on the graph this "
    "server loaded (start it with --data FILE to add files)"
)


class ServeError(CvkgError):
    """The server cannot start (busy port, unknown host, graph not loadable)."""


_LOG_LOCK = threading.Lock()


def log_line(line: str) -> None:
    """One line on stderr, whole: requests are answered by several threads at once, and
    ``print`` writes the text and its newline separately, so two lines could run together."""
    with _LOG_LOCK:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    queue_timeout: float = 30.0
    data: tuple[str, ...] = ()
    include_shipped: bool = True
    quiet: bool = False
    log: Callable[[str], None] = log_line


# --- the worker pool -------------------------------------------------------------------------


@dataclass
class Worker:
    pid: int
    conn: Connection
    jobs: int = 0


class WorkerPool:
    """N worker processes forked from one template process that loaded the graph."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.size = settings.workers
        self.triples = 0
        self.started = 0
        self.timeouts = 0
        self.restarts = 0
        self.queries = 0
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._alive: dict[int, Worker] = {}
        self._lock = threading.Lock()  # one conversation with the template at a time
        self._closed = False
        self._template: subprocess.Popen | None = None
        self._control: socket.socket | None = None

    # starting and stopping

    def start(self) -> None:
        """Start the template (which loads the graph) and fork the workers.

        Raises ServeError with the template's one-line message when the graph cannot be loaded.
        """
        # SOCK_SEQPACKET keeps message boundaries; where it is missing (macOS), SOCK_STREAM
        # works too, since the exchange is strictly one small message, then one answer.
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except (AttributeError, OSError):
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._control = ours
        config = {"fd": theirs.fileno(), "data": list(self.settings.data), "shipped": self.settings.include_shipped}
        module = __name__.rsplit(".", 1)[0] + ".server_worker"
        reads_stdin = "-" in self.settings.data
        try:
            self._template = subprocess.Popen(
                [sys.executable, "-m", module, json.dumps(config)],
                pass_fds=[theirs.fileno()], start_new_session=True,
                stdin=None if reads_stdin else subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        hello = self._receive()
        if hello is None:
            code = self._template.wait()
            raise ServeError(f"the query process stopped while loading the graph (exit code {code})")
        if not hello.get("ok"):
            raise ServeError(hello.get("error") or "the graph could not be loaded")
        self.triples = int(hello["triples"])
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def close(self) -> None:
        """End the template and every worker (one process group), and close the sockets.

        SIGTERM first: a store still being built removes its half-built folder, and the
        template waits for that (a few seconds at most); then SIGKILL for whatever is left."""
        self._closed = True
        template = self._template
        if template is not None:
            for signum, wait in ((signal.SIGTERM, STOP_WAIT), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(template.pid, signum)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    template.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass
        for worker in list(self._alive.values()):
            self._kill(worker)
        if self._control is not None:
            self._control.close()

    # talking to the template

    def _receive(self, with_fd: bool = False) -> dict | None:
        assert self._control is not None
        if with_fd:
            data, fds, _flags, _addr = socket.recv_fds(self._control, 4096, 1)
        else:
            data, fds = self._control.recv(4096), []
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        message = json.loads(data)
        if fds:
            message["fd"] = fds[0]
        return message

    def _spawn(self) -> Worker:
        with self._lock:
            if self._closed or self._control is None:
                raise OSError("the server is stopping")
            self._control.sendall(b"F")
            message = self._receive(with_fd=True)
        if message is None:
            raise OSError("the query template process has stopped")
        if "fd" not in message:
            raise OSError(message.get("error") or "no worker")
        worker = Worker(int(message["pid"]), Connection(message["fd"]))
        self._alive[worker.pid] = worker
        self.started += 1
        return worker

    def _kill(self, worker: Worker) -> None:
        self._alive.pop(worker.pid, None)
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            worker.conn.close()
        except OSError:
            pass

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` at once; fork a fresh one in the background (the caller answers its
        client without waiting; the next request waits for the fresh worker in the queue)."""
        self._kill(worker)
        if not self._closed:
            threading.Thread(target=self._add_worker, name="cvkg-respawn", daemon=True).start()

    def _add_worker(self) -> None:
        try:
            fresh = self._spawn()
        except OSError as exc:
            if not self._closed:
                self.settings.log(f"cvkg serve: cannot start a worker: {exc}; {len(self._alive)} left")
            return
        self.restarts += 1
        self._idle.put(fresh)

    @property
    def alive(self) -> int:
        return len(self._alive)

    # running a job

    def execute(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run one job on a free worker, within the queue and run timeouts.

        The reply is the worker's (see ``server_worker.answer``) or one made here (503, 504,
        500), with ``queued`` (seconds spent waiting for a worker) and ``ran`` (seconds from
        the worker taking the job to its answer, or to its being stopped).
        """
        settings = self.settings
        waited = time.perf_counter()
        worker = self._take(settings.queue_timeout)
        if worker is not None and not self._hand(worker, job):
            worker = self._take(settings.queue_timeout)  # it had died while idle: one more try
            if worker is not None and not self._hand(worker, job):
                worker = None
        if worker is None:
            return {"status": 503, "message": f"no query worker became free within {settings.queue_timeout:g} s "
                    "(cvkg serve --queue-timeout); try again later", "retry": True,
                    "queued": time.perf_counter() - waited, "ran": 0.0}
        self.queries += 1
        worker.jobs += 1
        started = time.perf_counter()
        queued = started - waited
        try:
            ready = worker.conn.poll(settings.timeout)
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            self._replace(worker)
            return {"status": 500, "message": "the query worker stopped unexpectedly (out of memory?); "
                    "a fresh one is taking its place", "queued": queued, "ran": time.perf_counter() - started}
        ran = time.perf_counter() - started
        if reply is None:
            self.timeouts += 1
            self._replace(worker)
            return {"status": 504, "message": f"the query ran longer than the {settings.timeout:g} s timeout and "
                    "was stopped (cvkg serve --timeout)", "timeout": True, "queued": queued, "ran": ran}
        if reply.pop("restart", False):
            self._replace(worker)
        else:
            self._idle.put(worker)
        return {**reply, "queued": queued, "ran": ran}

    def _take(self, wait: float) -> Worker | None:
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            return None

    def _hand(self, worker: Worker, job: dict[str, Any]) -> bool:
        """Send ``job`` and wait until the worker says it has started (at once, or after the
        parse it was doing while idle, which must not count against the query's timeout)."""
        try:
            worker.conn.send(job)
            if worker.conn.poll(self.settings.queue_timeout) and worker.conn.recv() == STARTED:
                return True
        except (EOFError, OSError, ValueError):
            pass
        self._replace(worker)
        return False


# --- the query page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    body: bytes
    csp: str


def load_page() -> Page:
    """core/assets/query.html and a Content-Security-Policy that allows exactly its inline
    script and style (by sha256), requests to this server only, and nothing else."""
    try:
        html = importlib_resources.files(_ASSETS).joinpath("query.html").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServeError(f"the query page core/assets/query.html cannot be read from this installation: {exc}") from None

    def hashes(tag: str) -> str:
        found = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
        return " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"
            for text in found
        ) or "'none'"

    csp = "; ".join([
        "default-src 'none'",
        f"script-src {hashes('script')}",
        f"style-src {hashes('style')}",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])
    return Page(html.encode("utf-8"), csp)


_EXAMPLE = re.compile(r"e\.g\.\s+(\S+?)[,;)]?(?:\s|$)")


def queries_json() -> bytes:
    """The named queries for the page: name, title, question, parameters, text."""
    out = []
    for q in catalog.named_queries().values():
        params = []
        for p in q.params:
            example = _EXAMPLE.search(p.description + " ")
            params.append({"name": p.name, "kind": p.kind, "description": p.description,
                           "optional": p.optional, "example": example.group(1) if example else ""})
        out.append({"name": q.name, "title": q.title, "question": q.question, "params": params, "text": q.text})
    return formats.utf8(json.dumps(out, ensure_ascii=False, indent=1))


# --- HTTP ------------------------------------------------------------------------------------


class Reply(Exception):
    """Raised inside a handler to answer at once with ``status`` and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())
        self.headers = headers or {}


_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_API_CSP = "default-src 'none'; frame-ancestors 'none'"


class Handler(BaseHTTPRequestHandler):
    server: "SparqlServer"
    protocol_version = "HTTP/1.1"
    server_version = f"cvkg/{__version__}"
    timeout = CLIENT_TIMEOUT

    def version_string(self) -> str:
        return self.server_version

    # --- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # one line per request is written by _log

    def _log(self, status: int, size: int, note: str = "") -> None:
        if self.server.settings.quiet:
            return
        path = urllib.parse.urlsplit(self.path or "").path
        elapsed = time.perf_counter() - getattr(self, "_started", time.perf_counter())
        self.server.settings.log(
            f'{self.client_address[0]} "{self.command} {path}" {status} {size} {elapsed:.3f}s{note}'
        )

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              note: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**_COMMON_HEADERS, "Content-Security-Policy": _API_CSP, **(headers or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(status, len(body), note)

    def _send_error_line(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, formats.utf8(message + "\n"), "text/plain; charset=utf-8", headers,
                   note=f" {message[:120]}")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, header too long ...): plain text, one line."""
        self.close_connection = True
        try:
            self._send_error_line(code, message or self.responses.get(code, ("error",))[0])
        except OSError:
            pass

    def _allowed_host(self) -> bool:
        """On a loopback address, only Host: 127.0.0.1 / localhost / [::1] (with our port) are
        served: a web page whose name was rebound to 127.0.0.1 cannot read the answers."""
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        if port == 80:
            allowed |= {"127.0.0.1", "localhost", "[::1]"}
        return host in allowed

    def _dispatch(self) -> None:
        self._started = time.perf_counter()
        try:
            if not self._allowed_host():
                raise Reply(403, "this server answers only requests addressed to it by a loopback "
                            "name (127.0.0.1, localhost or [::1] with its port)")
            path = urllib.parse.urlsplit(self.path).path
            route = {
                "/": self._page, "/index.html": self._page, "/sparql": self._sparql,
                "/queries": self._queries, "/prefixes": self._prefixes, "/health": self._health,
            }.get(path)
            if route is None:
                raise Reply(404, f"no such page: {path} (try / for the query page, /sparql for the endpoint)")
            if self.command not in ("GET", "HEAD") and path != "/sparql":
                raise Reply(405, f"{self.command} is not allowed on {path}", {"Allow": "GET, HEAD"})
            route()
        except Reply as reply:
            if reply.status >= 400 and self.command == "POST" and not getattr(self, "_body_read", False):
                self.close_connection = True  # the body was not read: the connection cannot be reused
            self._send_error_line(reply.status, reply.message, reply.headers)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, socket.timeout):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = _dispatch

    def _not_allowed(self) -> None:
        self._started = time.perf_counter()
        self.close_connection = True
        self._send_error_line(405, f"{self.command} is not allowed: this endpoint is read-only",
                              {"Allow": "GET, POST, HEAD"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    # --- routes

    def _page(self) -> None:
        page = self.server.page
        self._send(200, page.body, "text/html; charset=utf-8", {
            "Content-Security-Policy": page.csp, "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin",
        })

    def _queries(self) -> None:
        self._send(200, self.server.queries, "application/json; charset=utf-8")

    def _prefixes(self) -> None:
        self._send(200, formats.utf8(json.dumps(PREFIXES, indent=1)), "application/json; charset=utf-8")

    def _health(self) -> None:
        pool = self.server.pool
        body = {
            "status": "ok" if pool.alive else "degraded", "triples": pool.triples, "workers": pool.alive,
            "workers_wanted": pool.size, "queries": pool.queries, "timeouts": pool.timeouts,
            "restarts": pool.restarts, "timeout_seconds": self.server.settings.timeout,
            "max_rows": self.server.settings.max_rows,
        }
        self._send(200, formats.utf8(json.dumps(body)), "application/json; charset=utf-8")

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length is None:
            raise Reply(411, "a POST needs a Content-Length header (chunked bodies are not accepted)")
        try:
            size = int(length)
        except ValueError:
            raise Reply(400, "Content-Length is not a number") from None
        if size < 0:
            raise Reply(400, "Content-Length is negative")
        if size > MAX_BODY:
            raise Reply(413, f"the request body is {size} bytes; at most {MAX_BODY} are accepted")
        body = self.rfile.read(size)
        self._body_read = True
        if len(body) != size:
            raise Reply(400, "the request body is shorter than its Content-Length")
        return body

    @staticmethod
    def _fields(text: str | bytes) -> list[tuple[str, str]]:
        try:
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            return urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                                          max_num_fields=MAX_FIELDS)
        except UnicodeDecodeError:
            raise Reply(400, "the request is not valid UTF-8") from None
        except ValueError as exc:
            raise Reply(400, f"malformed form fields: {exc}") from None

    def _sparql(self) -> None:
        url_fields = self._fields(urllib.parse.urlsplit(self.path).query)
        fields = list(url_fields)
        body_query: str | None = None
        if self.command == "POST":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type == "application/sparql-update":
                raise Reply(403, UPDATE_REFUSED)
            if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
                raise Reply(415, "POST a query as application/x-www-form-urlencoded (query=...) or as "
                            f"application/sparql-query, not {content_type or 'a body without Content-Type'}")
            body = self._read_body()
            if content_type == "application/sparql-query":
                try:
                    body_query = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise Reply(400, "the query is not valid UTF-8") from None
            else:
                fields += self._fields(body)
        names = {name for name, _ in fields}
        if names & {"update", "using-graph-uri", "using-named-graph-uri"}:
            raise Reply(403, UPDATE_REFUSED)
        if names & {"default-graph-uri", "named-graph-uri"}:
            raise Reply(403, _DATASET_REFUSED)
        queries = [value for name, value in fields if name == "query"]
        if body_query is not None:
            if queries:
                raise Reply(400, "give the query either as the body or as query=, not both")
            queries = [body_query]
        if not queries:
            raise Reply(400, "missing query: send query=SPARQL (GET or form POST) or POST "
                        "application/sparql-query; the query page is at /")
        if len(queries) > 1:
            raise Reply(400, "give exactly one query= field")
        accept = self.headers.get("Accept")
        if formats.negotiate(accept, formats.ALL_FORMATS) is None:
            offered = ", ".join(f.media_type for f in formats.ALL_FORMATS)
            raise Reply(406, f"none of the formats in Accept: {accept} is offered; this endpoint offers {offered}")
        settings = self.server.settings
        job = {"query": queries[0], "params": [v for n, v in fields if n == "param"], "accept": accept,
               "max_rows": settings.max_rows}
        reply = self.server.pool.execute(job)
        status = reply["status"]
        timing = {"Server-Timing": f"queue;dur={reply['queued'] * 1000:.1f}, query;dur={reply['ran'] * 1000:.1f}"}
        if status != 200:
            headers = {"Retry-After": "1"} if reply.get("retry") else {}
            raise Reply(status, reply["message"], {**headers, **timing})
        truncated = bool(reply["truncated"])
        headers = {
            "Vary": "Accept", TRUNCATED_HEADER: "true" if truncated else "false",
            ROWS_HEADER: str(reply["rows"]), MAX_ROWS_HEADER: str(settings.max_rows), **timing,
        }
        note = f" rows={reply['rows']}" + (" truncated" if truncated else "")
        self._send(200, reply["body"], reply["content_type"], headers, note)


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, settings: Settings, address: tuple, family: int):
        self.address_family = family
        self.settings = settings
        self.pool: WorkerPool = WorkerPool(settings)
        self.page = load_page()
        self.queries = queries_json()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        try:
            self.loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            self.loopback = False
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # Not HTTPServer.server_bind: that looks the host name up in DNS (socket.getfqdn).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            message = b"too many connections; try again later\n"
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
                                + str(len(message)).encode() + b"\r\n\r\n" + message)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        self.settings.log(f"cvkg serve: internal error ({type(exc).__name__}): {exc} - please report this")


# --- starting and stopping -------------------------------------------------------------------


class _Stop(BaseException):
    """Raised by the SIGTERM/SIGHUP handler to leave serve_forever. A BaseException, like
    KeyboardInterrupt: the signal can arrive while the main thread is inside socketserver's
    ``except Exception`` around process_request, which would log it and keep serving."""


def _raise_stop(signum: int, _frame: Any) -> None:
    raise _Stop(signal.Signals(signum).name)


def bind(settings: Settings) -> SparqlServer:
    """Create the server and bind its port; ServeError (one line) when that is impossible."""
    host = settings.host
    try:
        infos = socket.getaddrinfo(host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    shown = f"[{address[0]}]" if family == socket.AF_INET6 else address[0]
    try:
        return SparqlServer(settings, address, family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"{shown}:{settings.port} is already in use by another program; "
                             "choose another --port (or --port 0 for any free one)") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"not allowed to listen on {shown}:{settings.port} "
                             "(ports below 1024 need privileges); choose another --port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ServeError(f"cannot listen on {shown}: not an address of this machine") from None
        raise ServeError(f"cannot listen on {shown}:{settings.port}: {exc.strerror or exc}") from None


def base_url(server: SparqlServer) -> str:
    host, port = server.server_address[0], server.server_address[1]
    if server.address_family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(settings: Settings) -> None:
    """Bind, load the graph into the workers, serve until Ctrl-C, SIGTERM or SIGHUP; then stop
    the workers. Raises ServeError (one line) when it cannot start."""
    if not (hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")):
        raise ServeError("cvkg serve needs a POSIX system (Linux, macOS): its query workers are forked processes")
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    server: SparqlServer | None = None
    try:
        server = bind(settings)
        server.pool.start()
        url = base_url(server)
        settings.log(
            f"cvkg serve: SPARQL endpoint {url}/sparql, query page {url}/ - {server.pool.triples:,} triples, "
            f"{settings.workers} worker(s), timeout {settings.timeout:g} s, max {settings.max_rows} rows. "
            "Ctrl-C stops it."
        )
        if not server.loopback:
            settings.log("cvkg serve: warning: listening on a non-loopback address: anyone who can reach "
                         "it can run queries")
        server.serve_forever(poll_interval=0.25)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server is not None:
            server.server_close()
            server.pool.close()
    settings.log("cvkg serve: stopped")

