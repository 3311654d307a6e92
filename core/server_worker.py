"""The query processes of ``cvkg serve``: a template process and the workers it forks.

rdflib cannot be interrupted while it evaluates a query, so ``cvkg serve`` never evaluates
one in its own process. It starts this module as a separate process (the *template*), which
loads the graph once, freezes it for the garbage collector, and then waits on a control socket.
Each time the server asks for a worker, the template forks: the child (a *worker*) shares the
loaded graph copy-on-write and answers queries on its own socket, one at a time. A worker that
runs past the timeout is killed with SIGKILL and the server asks for a fresh fork, which takes
milliseconds whatever the size of the graph (reloading a 10^6-triple graph would take ~30 s).

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
import itertools
import json
import logging
import os
import select
import signal
import socket
import sys
import time
import warnings
from multiprocessing.connection import Connection
from typing import Any

from rdflib import Graph, Variable

from . import catalog, server_formats as formats, sparql, store
from .errors import CvkgError, InputError, QueryRefused

try:  # core.limits holds the process-wide SERVICE / FROM / LOAD guards (core.sparql installs them)
    from .limits import install_guards
except ImportError:  # pragma: no cover - an older core.sparql installs them at import only
    def install_guards() -> None:
        return None

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


def answer(graph: Graph, job: dict[str, Any]) -> dict[str, Any]:
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

    truncated = False
    try:
        install_guards()  # again before every query, as core.sparql.run does
        result = graph.query(query, initBindings={Variable(k): v for k, v in bindings.items()})
        if kind == "SELECT":
            columns = [str(v) for v in (result.vars or [])]
            rows = []
            for row in result:  # lazy: stops after max_rows + 1 solutions
                if len(rows) == max_rows:
                    truncated = True
                    break
                rows.append(tuple(row))
            count = len(rows)
        elif kind == "ASK":
            value = bool(result.askAnswer)
            count = 1
        else:
            triples = list(itertools.islice(result.graph if result.graph is not None else (), max_rows + 1))
            truncated = len(triples) > max_rows
            out = store.new_graph()
            for triple in triples[:max_rows]:
                out.add(triple)
            count = len(out)
    except QueryRefused as exc:
        return _error(403, exc.message)
    except RecursionError:
        return _error(400, "query: nested too deeply to evaluate")
    except MemoryError:
        return {**_error(500, "the query needed more memory than there is"), "restart": True}
    except Exception as exc:  # noqa: BLE001 - an evaluation error caused by the query
        message = " ".join(str(exc).split()) or type(exc).__name__
        return _error(400, f"query: cannot evaluate: {message}")

    note = f"cvkg: results truncated to the first {max_rows} {'rows' if kind == 'SELECT' else 'triples'} (--max-rows)" if truncated else None
    if kind == "SELECT":
        body = formats.SELECT_WRITERS[fmt.key](columns, rows, note)
    elif kind == "ASK":
        body = formats.ask_body(fmt, value)
    else:
        body = formats.graph_body(fmt, out, note)
    return {
        "status": 200, "content_type": fmt.content_type, "body": body, "rows": count,
        "truncated": truncated, "seconds": time.perf_counter() - started,
    }


# --- the worker ------------------------------------------------------------------------------


def _warm(unparsed: list[str]) -> None:
    """Parse one named query into sparql.prepare's cache (the query text the page and the load
    test send is the named query's text, so the worker later finds it parsed)."""
    try:
        sparql.prepare(unparsed.pop(0), "query")
    except Exception:  # noqa: BLE001 - a broken named query is reported when it is run
        pass


def _worker(graph: Graph, conn: Connection, unparsed: list[str]) -> None:
    """Answer jobs until the server closes the connection; while idle, parse the named queries
    that the template had not parsed yet when it forked this worker."""
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
            reply = answer(graph, job)
        except BaseException as exc:  # noqa: BLE001 - a bug; report it, keep serving
            reply = _error(500, f"internal error ({type(exc).__name__}): {exc} - please report this")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        if reply.get("restart"):
            return


# --- the template ----------------------------------------------------------------------------


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


def _fork_worker(control: socket.socket, graph: Graph, unparsed: list[str]) -> None:
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
            _worker(graph, Connection(worker_end.detach()), unparsed)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    worker_end.close()
    try:
        _send_json(control, {"pid": pid}, [server_end.fileno()])
    finally:
        server_end.close()


def template(config: dict[str, Any]) -> int:
    """Load the graph, report, then fork a worker for each request until the server leaves."""
    control = socket.socket(fileno=config["fd"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    _quiet_libraries()
    try:
        graph = store.load_graph(config["data"], include_shipped=config["shipped"])
    except CvkgError as exc:
        _send_json(control, {"ok": False, "error": exc.message})
        return 2
    except RecursionError:
        _send_json(control, {"ok": False, "error": "input nested too deeply"})
        return 2
    except Exception as exc:  # noqa: BLE001
        _send_json(control, {"ok": False, "error": f"cannot load the graph ({type(exc).__name__}): {exc}"})
        return 3
    sparql.prepare("ASK {}")  # warm the parser before forking
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the shared pages
    signal.signal(signal.SIGCHLD, _reap)
    _send_json(control, {"ok": True, "triples": len(graph)})
    # While no fork is asked for, parse the named queries (0.1-0.5 s each with pyparsing) into
    # sparql.prepare's cache, so that workers forked later (replacements) inherit them parsed;
    # workers forked before that parse the rest themselves while idle.
    unparsed = [q.text for q in catalog.named_queries().values()]
    while True:
        if unparsed and not select.select([control], [], [], 0)[0]:
            _warm(unparsed)
            if not unparsed:
                gc.collect()
                gc.freeze()
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
            _fork_worker(control, graph, list(unparsed))
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
