#!/usr/bin/env python3
"""A bounded load test of `cvkg serve`: K concurrent clients, correctness checked, timeouts cut.

    python benchmarks/load_serve.py                       # 8 clients x 50 requests, at most 60 s
    python benchmarks/load_serve.py --clients 2 --requests 6 --timeout 3 --output /tmp/r.md

It starts `cvkg serve --port 0` on 127.0.0.1 and runs ``--clients`` threads, each sending
``--requests`` requests on a keep-alive connection, until done or ``--max-seconds`` have
passed. The requests are a fixed, interleaved mix:

- the named queries (``--queries``; all by default; ``actions-of-actor`` with
  ``actor=ido:clearview-ai``), each in turn as SPARQL JSON, XML, TSV and CSV. Every answer is
  parsed (rdflib's result parsers, the csv module) and compared with the rows the project's store
  gives for the same query (as `cvkg query` answers): same variables, same rows (as a multiset; blank-node labels aside);
- every ``--slow-every``-th request a pathological query (a 4-way cross product of all triples
  counted, or a 3-way one filtered by a regular expression) that must be stopped at
  ``--timeout``: answered 504 after the worker ran it for at least the timeout and at most
  timeout + 1 s (the server's ``Server-Timing: query;dur=...``; the client also waits in the
  queue for a free worker, which does not count).

Afterwards the server must still be up with its full pool of workers, answer one more query
correctly, and stop cleanly on SIGTERM. It reports throughput and latency percentiles (p50,
p90, p99, nearest rank) per query kind and writes them, with a description of the machine, to
``--output`` (benchmarks/SERVE-RESULTS.md by default). Exit code 0 when every check passed, 1
otherwise. This is a benchmark, not a test: the numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import pathlib
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result

from clearview_kg.core import catalog
from clearview_kg.core.oxigraph_store import OxigraphStore

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORMATS = [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("tsv", "text/tab-separated-values"),
    ("csv", "text/csv"),
]
PATHOLOGICAL = {
    "slow:cross-product-4": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "slow:regex-join-3": ('SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
                          'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^(a|aa)+$")) }'),
}
PARAMS = {"actions-of-actor": ["actor=ido:clearview-ai"]}
READY = re.compile(r"SPARQL endpoint (http://\S+)/sparql")


# --- expected answers ------------------------------------------------------------------------


def norm(term) -> tuple | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        datatype = None if term.datatype in (None, XSD.string) or term.language else str(term.datatype)
        return ("literal", str(term), (term.language or "").lower() or None, datatype)
    if isinstance(term, URIRef):
        return ("uri", str(term))
    return ("other", str(term))


def plain(term) -> str:
    if term is None:
        return ""
    return "_:" if isinstance(term, BNode) else str(term)


@dataclass
class Expected:
    columns: list[str]
    terms: list  # sorted normalized rows
    plains: list  # sorted CSV rows (blank nodes as "_:")


def expected_answers(names: list[str], data: list[str]) -> dict[str, Expected]:
    """The rows each named query gives on the project's store, as `cvkg query` answers (an
    in-memory Oxigraph store here, so that the server's store on disk is not the oracle)."""
    source = OxigraphStore.from_files(data)
    out = {}
    for name in names:
        query = catalog.get(name)
        bindings = catalog.bind_params(query, PARAMS.get(name, []))
        result = source.run(query.text, bindings, name=query.source)
        out[name] = Expected(
            result.columns,
            sorted((tuple(norm(t) for t in row) for row in result.rows), key=repr),
            sorted(tuple(plain(t) for t in row) for row in result.rows),
        )
    return out


def check_answer(fmt: str, body: bytes, want: Expected) -> str | None:
    """None when ``body`` holds exactly the expected rows; otherwise what is wrong."""
    try:
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
            header, got = rows[0], sorted(tuple("_:" if v.startswith("_:") else v for v in r) for r in rows[1:])
            if header != want.columns:
                return f"columns {header} != {want.columns}"
            return None if got == want.plains else f"{len(got)} CSV rows differ from the {len(want.plains)} expected"
        result = Result.parse(io.BytesIO(body), format=fmt)
        columns = [str(v) for v in result.vars]
        if columns != want.columns:
            return f"columns {columns} != {want.columns}"
        got = sorted((tuple(norm(b.get(v)) for v in result.vars) for b in result.bindings), key=repr)
        return None if got == want.terms else f"{len(got)} rows differ from the {len(want.terms)} expected"
    except Exception as exc:  # noqa: BLE001
        return f"unreadable {fmt} answer: {type(exc).__name__}: {exc}"


# --- the server ------------------------------------------------------------------------------


def cvkg_command(*args: str) -> list[str]:
    script = pathlib.Path(sys.executable).with_name("cvkg")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from clearview_kg.cli.main import cli; cli(prog_name='cvkg')", *args]


class Server:
    def __init__(self, args: list[str]):
        self.process = subprocess.Popen(cvkg_command("serve", "--port", "0", "--quiet", *args),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.lines.append(line.rstrip("\n"))
                match = READY.search(line)
                if match:
                    self.url = match.group(1)
                    ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 120
        while not ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("cvkg serve did not start:\n" + "\n".join(self.lines))
        parts = urllib.parse.urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


# --- the clients -----------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    fmt: str
    status: int
    seconds: float  # client side: send to last byte, including the wait for a free worker
    problem: str | None = None
    ran: float | None = None  # server side: the worker's time on the query (Server-Timing)


_TIMING = re.compile(r"query;dur=([0-9.]+)")


def server_seconds(header: str | None) -> float | None:
    match = _TIMING.search(header or "")
    return float(match.group(1)) / 1000 if match else None


@dataclass
class Plan:
    kind: str  # "named:NAME" or "slow:..."
    text: str
    fmt: str
    accept: str
    params: list[str] = field(default_factory=list)


def plan(k: int, names: list[str], slow_every: int) -> Plan:
    """The k-th request of the whole run (deterministic)."""
    if slow_every and k % slow_every == slow_every // 2:
        kinds = sorted(PATHOLOGICAL)
        kind = kinds[(k // slow_every) % len(kinds)]
        return Plan(kind, PATHOLOGICAL[kind], "json", FORMATS[0][1])
    name = names[k % len(names)]
    fmt, accept = FORMATS[(k // len(names)) % len(FORMATS)]
    return Plan(f"named:{name}", catalog.get(name).text, fmt, accept, PARAMS.get(name, []))


def client(server: Server, index: int, args, names: list[str], expected: dict[str, Expected],
           deadline: float, outcomes: list[Outcome], lock: threading.Lock) -> None:
    http_timeout = args.timeout + 30 + 30  # run timeout + the server's queue timeout + slack
    connection: http.client.HTTPConnection | None = None
    for i in range(args.requests):
        if time.monotonic() >= deadline:
            break
        p = plan(index * args.requests + i, names, args.slow_every)
        body = urllib.parse.urlencode([("query", p.text), *(("param", v) for v in p.params)])
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(server.host, server.port, timeout=http_timeout)
            connection.request("POST", "/sparql", body, {
                "Content-Type": "application/x-www-form-urlencoded", "Accept": p.accept})
            response = connection.getresponse()
            data = response.read()
            status = response.status
            ran = server_seconds(response.getheader("Server-Timing"))
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as exc:
            if connection is not None:
                connection.close()
            connection = None
            outcome = Outcome(p.kind, p.fmt, 0, time.perf_counter() - started, f"no answer: {exc}")
        else:
            seconds = time.perf_counter() - started
            problem = None
            if p.kind.startswith("slow:"):
                if status != 504:
                    problem = f"expected 504, got {status}: {data[:200]!r}"
                elif ran is None or not args.timeout - 0.05 <= ran <= args.timeout + 1:
                    problem = f"stopped after running {ran} s, not at the {args.timeout} s timeout"
            elif status != 200:
                problem = f"status {status}: {data[:200]!r}"
            else:
                problem = check_answer(p.fmt, data, expected[p.kind.split(":", 1)[1]])
            outcome = Outcome(p.kind, p.fmt, status, seconds, problem, ran)
        with lock:
            outcomes.append(outcome)
    if connection is not None:
        connection.close()


# --- the report ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> list[str]:
    import rdflib

    return [
        f"- nproc: {os.cpu_count()}",
        f"- CPU: {cpu_model()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- rdflib: {rdflib.__version__}",
        f"- OS: {platform.system()} {platform.release()} ({platform.machine()})",
    ]


def _spread(items: list[Outcome]) -> str:
    seconds = [o.seconds for o in items]
    ran = [o.ran for o in items if o.ran is not None]
    cells = [percentile(seconds, 50), percentile(seconds, 90), percentile(seconds, 99), max(seconds)]
    text = " | ".join(f"{v:.3f}" for v in cells)
    return text + (f" | {percentile(ran, 50):.3f} | {max(ran):.3f}" if ran else " | | ")


def report(args, argv: list[str], outcomes: list[Outcome], wall: float, triples: int, checks: list[tuple[str, bool]],
           load: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    normal = [o for o in outcomes if o.kind.startswith("named:")]
    slow = [o for o in outcomes if o.kind.startswith("slow:")]
    lines = [
        "# `cvkg serve` under load",
        "",
        "Written by `benchmarks/load_serve.py` (a benchmark, not a test: the numbers depend on the",
        "machine). Command: `python benchmarks/load_serve.py " + " ".join(argv) + "`",
        "",
        "## Machine",
        "",
        *machine(),
        f"- load average (1, 5, 15 min) before the run: {', '.join(f'{v:.2f}' for v in load[0])}; after: "
        f"{', '.join(f'{v:.2f}' for v in load[1])} (other work on the machine slows every number here)",
        "",
        "## Set-up",
        "",
        f"- graph: {triples:,} triples (the shipped graph" + (" plus " + ", ".join(args.data) if args.data else "") + ")",
        f"- server: `cvkg serve --workers {args.workers} --timeout {args.timeout:g}` on 127.0.0.1 (defaults otherwise)",
        f"- clients: {args.clients} threads x up to {args.requests} requests, keep-alive, at most {args.max_seconds:g} s",
        f"- mix: the named queries ({len({o.kind for o in normal})} kinds) in turn as JSON, XML, TSV and CSV; every "
        f"{args.slow_every}th request a pathological query that must be cut at the timeout",
        "",
        "## Totals",
        "",
        f"- requests answered: {len(outcomes)} of {args.clients * args.requests} planned"
        + (" (the time bound stopped the rest)" if len(outcomes) < args.clients * args.requests else "")
        + f", in {wall:.1f} s wall time: {len(outcomes) / wall:.1f} requests/s ({len(normal) / wall:.1f} named queries/s)",
        f"- named queries: {len(normal)}, correct: {sum(1 for o in normal if o.problem is None)}",
        f"- pathological queries: {len(slow)}, cut at the timeout with 504: {sum(1 for o in slow if o.problem is None)}",
        "",
        "## Latency per query kind",
        "",
        "Seconds. p50/p90/p99/max: client side, from sending the request to the last byte of the",
        "answer, including the wait for a free worker. run p50/max: server side, the worker's time",
        "on the query (`Server-Timing: query`), i.e. without the wait.",
        "",
        "| kind | n | statuses | correct | p50 | p90 | p99 | max | run p50 | run max |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(by_kind, key=lambda k: (k.startswith("slow:"), k)):
        items = by_kind[kind]
        statuses = ", ".join(f"{s}\u00d7{n}" for s, n in sorted(Counter(o.status for o in items).items()))
        correct = sum(1 for o in items if o.problem is None)
        lines.append(f"| {kind} | {len(items)} | {statuses} | {correct} | {_spread(items)} |")
    if normal:
        lines.append(f"| **all named queries** | {len(normal)} | | {sum(1 for o in normal if o.problem is None)} | "
                     f"{_spread(normal)} |")
    lines += ["", "## Checks", ""]
    lines += [f"- [{'x' if ok else ' '}] {what}" for what, ok in checks]
    problems = [o for o in outcomes if o.problem]
    if problems:
        lines += ["", "## Problems", ""]
        lines += [f"- {o.kind} ({o.fmt}): {o.problem}" for o in problems[:50]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50, help="per client")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="stop sending new requests after this")
    parser.add_argument("--timeout", type=float, default=5.0, help="the server's --timeout")
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers")
    parser.add_argument("--slow-every", type=int, default=40, help="every Nth request is pathological (0: none)")
    parser.add_argument("--queries", default="", help="comma-separated named queries (default: all)")
    parser.add_argument("--data", action="append", default=[], help="extra RDF file for the server and the check")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "SERVE-RESULTS.md"))
    args = parser.parse_args(argv)

    names = [n for n in args.queries.split(",") if n] or list(catalog.named_queries())
    print(f"computing the expected answers of {len(names)} named queries on the project's store ...", file=sys.stderr)
    expected = expected_answers(names, args.data)
    server_args = ["--workers", str(args.workers), "--timeout", str(args.timeout)]
    for path in args.data:
        server_args += ["--data", path]
    server = Server(server_args)
    checks: list[tuple[str, bool]] = []
    try:
        health = json.loads(_get(server, "/health"))
        triples = health["triples"]
        print(f"server up at {server.url} ({triples} triples); {args.clients} clients x {args.requests} requests",
              file=sys.stderr)
        outcomes: list[Outcome] = []
        load_before = os.getloadavg()
        lock = threading.Lock()
        started = time.perf_counter()
        deadline = time.monotonic() + args.max_seconds
        threads = [threading.Thread(target=client, args=(server, i, args, names, expected, deadline, outcomes, lock))
                   for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        load_after = os.getloadavg()

        normal = [o for o in outcomes if o.kind.startswith("named:")]
        slow = [o for o in outcomes if o.kind.startswith("slow:")]
        checks.append((f"every named query was answered 200 with the project's store's rows "
                       f"({sum(1 for o in normal if o.problem is None)} of {len(normal)})",
                       all(o.problem is None for o in normal)))
        if args.slow_every:
            checks.append((f"every pathological query was stopped at the {args.timeout:g} s timeout with 504 "
                           f"({sum(1 for o in slow if o.problem is None)} of {len(slow)})",
                           bool(slow) and all(o.problem is None for o in slow)))
        up = server.process.poll() is None
        health = json.loads(_get(server, "/health")) if up else {}
        # A worker killed at the timeout is replaced in the background: give the replacement
        # a few seconds to join the pool before judging it (a busy machine forks slowly).
        deadline = time.monotonic() + 10
        while up and health.get("workers") != args.workers and time.monotonic() < deadline:
            time.sleep(0.2)
            health = json.loads(_get(server, "/health"))
        checks.append((f"the server stayed up with its full pool ({health.get('workers')} of {args.workers} workers; "
                       f"{health.get('timeouts')} timeouts, {health.get('restarts')} workers replaced)",
                       up and health.get("workers") == args.workers))
        name = names[0]
        final = _post(server, catalog.get(name).text, PARAMS.get(name, []))
        checks.append((f"a last query ({name}) after the run is answered correctly",
                       final is not None and check_answer("json", final, expected[name]) is None))
    finally:
        code = server.stop()
    checks.append((f"SIGTERM stopped the server cleanly (exit code {code})", code == 0))

    text = report(args, argv, outcomes, wall, triples, checks, (load_before, load_after))
    pathlib.Path(args.output).write_text(text, encoding="utf-8")
    print(text)
    ok = all(passed for _, passed in checks)
    print(("OK: every check passed" if ok else "FAILED: see the checks above") + f"; wrote {args.output}", file=sys.stderr)
    return 0 if ok else 1


def _get(server: Server, path: str) -> bytes:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def _post(server: Server, text: str, params: list[str]) -> bytes | None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        body = urllib.parse.urlencode([("query", text), *(("param", v) for v in params)])
        connection.request("POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        data = response.read()
        return data if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
