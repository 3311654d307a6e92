"""The query processes of ``cvkg serve``: a template process and the workers it forks.

Neither rdflib nor Oxigraph can be interrupted while it evaluates a query, so ``cvkg serve``
never evaluates one in its own process. It starts this module as a separate process (the
*template*), which makes the graph ready once and then waits on a control socket. Each time
the server asks for a worker, the template forks: the child (a *worker*) answers queries on
its own socket, one at a time, on the project's Oxigraph store (``core.oxigraph_store``), as
every local command does. A worker that runs past the timeout is killed with SIGKILL and the
server asks for a fresh fork.

Where the graph lives:

- Usually in the store cache (``core.store_cache``): the template builds the store on disk if
  it is not there yet (once, ~5 s at 10^6 triples; a server started again on the same files
  re-opens it at once), and each worker opens it read-only (milliseconds). RocksDB starts
  threads when a store is opened, and forking a process with threads is unsafe, so the
  template never opens it: the build runs in a child process of its own, and only workers
  (which never fork) open the store.
- In memory when the cache is off or an input cannot be hashed (stdin): the template loads an
  in-memory Oxigraph store, which starts no threads, and the workers share it copy-on-write.

The template is single-threaded, so forking it is safe. It runs in its own session: its
process group holds it and every worker, and the server ends them all with one ``killpg``. If
the server disappears without doing so, the template sees its control socket close and ends
the group itself; an idle worker sees its socket close and exits.

Wire protocol (AF_UNIX sockets, local to the machine):

- template -> server, once: a JSON message ``{"ok": true, "triples": N}`` or
  ``{"ok": false, "error": "one line"}``;
- server -> template: ``b"F"`` (fork a worker); template -> server: ``{"pid": P}`` with the
  worker's end of a fresh socket pair attached (SCM_RIGHTS);
- server <-> worker: ``multiprocessing.connection`` messages; a job is a dict
  ``{"query", "params", "accept", "max_rows"}``; the worker answers ``"started"`` as soon as
  it takes the job (an idle worker may be finishing the parse of a named query for its cache,
  which must not count against the query's timeout), then a dict ``{"status", ...}`` (see
  ``answer``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import select
import signal
import socket
import sys
import time
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import catalog, oxigraph_store, server_formats as formats, sparql, store, store_cache
from .errors import CvkgError, InputError, QueryRefused
from .oxigraph_store import OxigraphStore

UPDATE_REFUSED = (
    "SPARQL Update is refused: this endpoint is read-only (no INSERT, DELETE, LOAD, CLEAR, "
    "DROP, CREATE, ADD, MOVE or COPY)"
)

STARTED = "started"  # a worker's first answer to a job: it has begun to work on it

_FORMS = {
    "SelectQuery": ("SELECT", formats.SELECT_FORMATS),
    "AskQuery": ("ASK", formats.ASK_FORMATS),
    "ConstructQuery": ("CONSTRUCT", formats.GRAPH_FORMATS),
    "DescribeQuery": ("DESCRIBE", formats.GRAPH_FORMATS),
}


def _quiet_libraries() -> None:
    warnings.simplefilter("ignore")
    for name in ("rdflib", "pyshacl", "owlrl"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


# --- answering one query ---------------------------------------------------------------------


def _error(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "message": " ".join(str(message).split())}


def _is_update(text: str) -> bool:
    """True when ``text`` is SPARQL Update syntax (only parsed, never run)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except Exception:  # noqa: BLE001 - not an update, or not SPARQL at all
        return False
    operations = parsed.get("request")
    return isinstance(operations, list) and len(operations) > 0  # "" is a valid, empty update


def _http_message(message: str) -> str:
    """Messages from core name the CLI's --param; over HTTP the field is param=NAME=VALUE."""
    return message.replace("--param ", "param=")


def answer(source: OxigraphStore, job: dict[str, Any]) -> dict[str, Any]:
    """Parse, check, run and serialize one query. Never raises for a user's mistake.

    The answer is ``{"status": 200, "content_type", "body", "rows", "truncated", "seconds"}``
    or ``{"status": 400|403|406|500, "message": "one line"}``.
    """
    started = time.perf_counter()
    text: str = job["query"]
    max_rows: int = job["max_rows"]
    try:
        query = sparql.prepare(text, "query")
    except QueryRefused as exc:
        return _error(403, exc.message)
    except InputError as exc:
        if "SPARQL Update" in exc.message or _is_update(text):
            return _error(403, UPDATE_REFUSED)
        return _error(400, exc.message)

    kind, offered = _FORMS.get(query.algebra.name, ("SELECT", formats.SELECT_FORMATS))
    fmt = formats.negotiate(job.get("accept"), offered)
    if fmt is None:
        available = ", ".join(f.media_type for f in offered)
        return _error(406, f"a {kind} result is available as {available}; the Accept header allows none of them")

    try:
        bindings: dict = {}
        params = job.get("params") or []
        named = catalog.from_text(text, "query")
        if params or named.params:
            bindings = catalog.bind_params(named, params)
    except CvkgError as exc:
        return _error(400, _http_message(exc.message))

    try:
        # One row (or triple) past the cap tells that the answer was cut; no more is read.
        result = source.run(text, bindings, "query", limit=max_rows + 1)
    except QueryRefused as exc:
        return _error(403, exc.message)
    except CvkgError as exc:
        return _error(400, exc.message)
    except RecursionError:
        return _error(400, "query: nested too deeply to evaluate")
    except MemoryError:
        return {**_error(500, "the query needed more memory than there is"), "restart": True}
    except Exception as exc:  # noqa: BLE001 - an evaluation error caused by the query
        message = " ".join(str(exc).split()) or type(exc).__name__
        return _error(400, f"query: cannot evaluate: {message}")

    truncated = False
    if isinstance(result, sparql.SelectResult):
        truncated = len(result.rows) > max_rows
        rows = result.rows[:max_rows]
        count = len(rows)
        body = formats.SELECT_WRITERS[fmt.key](list(result.columns), rows, _cut_note(truncated, max_rows, "rows"))
    elif isinstance(result, sparql.AskResult):
        count, body = 1, formats.ask_body(fmt, result.value)
    else:
        triples = list(result.graph)  # run() stopped at max_rows + 1 distinct triples
        truncated = len(triples) > max_rows
        out = store.new_graph()
        for triple in triples[:max_rows]:
            out.add(triple)
        count = len(out)
        body = formats.graph_body(fmt, out, _cut_note(truncated, max_rows, "triples"))
    return {
        "status": 200, "content_type": fmt.content_type, "body": body, "rows": count,
        "truncated": truncated, "seconds": time.perf_counter() - started,
    }


def _cut_note(truncated: bool, max_rows: int, what: str) -> str | None:
    return f"cvkg: results truncated to the first {max_rows} {what} (--max-rows)" if truncated else None


# --- the worker ------------------------------------------------------------------------------


def _warm(unparsed: list[str]) -> None:
    """Parse one named query into sparql.prepare's cache (the query text the page and the load
    test send is the named query's text, so the worker later finds it parsed)."""
    try:
        sparql.prepare(unparsed.pop(0), "query")
    except Exception:  # noqa: BLE001 - a broken named query is reported when it is run
        pass


def _worker(ready: "Ready", conn: Connection, unparsed: list[str]) -> None:
    """Answer jobs until the server closes the connection; while idle, parse the named queries
    that the template had not parsed yet when it forked this worker."""
    try:
        source = ready.open()
    except CvkgError as exc:  # the store went away under the server: say so for every job
        source, failure = None, _error(
            500, f"this query process cannot open the graph's store ({exc.message}); restart cvkg serve")
    while True:
        if unparsed and not conn.poll(0):
            _warm(unparsed)
            continue
        try:
            job = conn.recv()
            conn.send(STARTED)  # the server's timeout clock starts now
        except (EOFError, OSError, ValueError):
            return
        try:
            reply = answer(source, job) if source is not None else failure
        except BaseException as exc:  # noqa: BLE001 - a bug; report it, keep serving
            reply = _error(500, f"internal error ({type(exc).__name__}): {exc} - please report this")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        if reply.get("restart"):
            return


# --- the template ----------------------------------------------------------------------------


class Ready:
    """The graph, ready for workers: the folder of a built store on disk (each worker opens it
    read-only) or an in-memory store (shared with the workers by forking)."""

    def __init__(self, folder: Path | None, memory: OxigraphStore | None, triples: int) -> None:
        self.folder = folder
        self.memory = memory
        self.triples = triples

    def open(self) -> OxigraphStore:
        if self.memory is not None:
            return self.memory
        assert self.folder is not None
        return store_cache.open_folder(self.folder)

    def keep_alive(self) -> None:
        """Keep the store from being pruned by other commands while this server runs."""
        if self.folder is not None:
            store_cache.touch(self.folder)


def make_ready(data: list[str], include_shipped: bool) -> Ready:
    """Hash the inputs; build the store in a child process if the cache lacks it (see the
    module's docstring), or load it into memory. Raises CvkgError with a one-line message.
    It forks: call it only in a process that has not opened a store on disk."""
    files = oxigraph_store.inputs(data, include_shipped)
    folder = store_cache.locate(files)
    if folder is None:
        memory = OxigraphStore.from_inputs(files)
        return Ready(None, memory, memory.triple_count())
    if not store_cache.is_built(folder):
        _in_child(store_cache.build, folder, files)
    triples = store_cache.stored_triples(folder)
    if triples is None:
        raise InputError(f"cannot read the store {folder} (remove the folder to rebuild it)")
    return Ready(folder, None, triples)


def _in_child(function: Callable[..., None], *args: Any) -> None:
    """Run ``function(*args)`` in a forked child process and wait for it: RocksDB's threads
    stay in the child. Its CvkgError comes back as an InputError with the same message. On
    SIGTERM (the server stopping), the child is interrupted and removes what it had begun
    (as Ctrl-C does for a command), and this process waits for it before going."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            signal.signal(signal.SIGTERM, signal.default_int_handler)  # -> KeyboardInterrupt
            try:
                function(*args)
                message: dict = {"ok": True}
            except KeyboardInterrupt:
                message = {"error": "stopped"}
            except Exception as exc:  # noqa: BLE001 - one line for the server, not a traceback
                message = {"error": _load_error(exc)}
            data = json.dumps(message).encode("utf-8")
            while data:
                data = data[os.write(write_end, data):]
        finally:
            os._exit(0)
    os.close(write_end)
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: None)  # wait for the child
    try:
        chunks = []
        while True:
            try:
                chunk = os.read(read_end, 65536)
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if not chunk:
                break
            chunks.append(chunk)
        _pid, status = os.waitpid(pid, 0)
    finally:
        os.close(read_end)
        signal.signal(signal.SIGTERM, previous)
    if not chunks:
        raise InputError(f"the process building the store stopped ({_status_text(status)})")
    message = json.loads(b"".join(chunks))
    if "error" in message:
        raise InputError(message["error"])


def _load_error(exc: Exception) -> str:
    """The one line that tells the server why the graph could not be made ready."""
    if isinstance(exc, CvkgError):
        return exc.message
    if isinstance(exc, RecursionError):
        return "input nested too deeply"
    return f"cannot load the graph ({type(exc).__name__}): {exc}"


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _send_json(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode("utf-8")
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.sendall(data)


def _reap(_signum: int, _frame: Any) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _fork_worker(control: socket.socket, ready: Ready, unparsed: list[str]) -> None:
    try:
        server_end, worker_end = socket.socketpair()
    except OSError as exc:
        _send_json(control, {"error": f"cannot start a worker: {exc.strerror or exc}"})
        return
    try:
        pid = os.fork()
    except OSError as exc:
        server_end.close()
        worker_end.close()
        _send_json(control, {"error": f"cannot start a worker: {exc.strerror or exc}"})
        return
    if pid == 0:  # the worker
        code = 0
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            control.close()
            server_end.close()
            _worker(ready, Connection(worker_end.detach()), unparsed)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    worker_end.close()
    try:
        _send_json(control, {"pid": pid}, [server_end.fileno()])
    finally:
        server_end.close()


def _fail(control: socket.socket, message: str, code: int) -> int:
    try:
        _send_json(control, {"ok": False, "error": message})
    except OSError:  # the server is gone already (it was stopped while the graph loaded)
        pass
    return code


KEEP_ALIVE = store_cache.PRUNE_AFTER / 4  # seconds between two marks of the store as used


def template(config: dict[str, Any]) -> int:
    """Make the graph ready, report, then fork a worker for each request until the server leaves."""
    control = socket.socket(fileno=config["fd"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    _quiet_libraries()
    try:
        ready = make_ready(config["data"], config["shipped"])
    except Exception as exc:  # noqa: BLE001 - one line for the server, not a traceback
        return _fail(control, _load_error(exc), 2 if isinstance(exc, (CvkgError, RecursionError)) else 3)
    sparql.prepare("ASK {}")  # warm the parser before forking
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the shared pages
    signal.signal(signal.SIGCHLD, _reap)
    _send_json(control, {"ok": True, "triples": ready.triples})
    # While no fork is asked for, parse the named queries (0.1-0.5 s each with pyparsing) into
    # sparql.prepare's cache, so that workers forked later (replacements) inherit them parsed;
    # workers forked before that parse the rest themselves while idle.
    unparsed = [q.text for q in catalog.named_queries().values()]
    marked = time.monotonic()
    while True:
        if time.monotonic() - marked > KEEP_ALIVE:
            ready.keep_alive()
            marked = time.monotonic()
        if unparsed and not select.select([control], [], [], 0)[0]:
            _warm(unparsed)
            if not unparsed:
                gc.collect()
                gc.freeze()
            continue
        if not select.select([control], [], [], KEEP_ALIVE)[0]:
            continue
        try:
            request = control.recv(16)
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            continue
        except OSError:
            break
        if not request:
            break  # the server is gone
        if request == b"F":
            _fork_worker(control, ready, list(unparsed))
    # The server went away without ending us: end our group (every worker, then us).
    os.killpg(os.getpgid(0), signal.SIGKILL)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m clearview_kg.core.server_worker CONFIG_JSON (started by cvkg serve)", file=sys.stderr)
        return 2
    return template(json.loads(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
