"""Real SPARQL servers for the endpoint tests: started on 127.0.0.1 on a free port, stopped by
PID afterwards, logs in a temporary directory.

- Oxigraph: ``oxigraph load --location DIR --file F --graph G`` (for each file), then
  ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``. The binary comes with the
  ``oxigraph`` package from PyPI (``pip install oxigraph``): it is looked up next to the
  Python interpreter first, then on PATH.
- Virtuoso: Debian's ``virtuoso-opensource`` 7.2 (``virtuoso-t``). The packaged
  /etc/virtuoso-opensource-7/virtuoso.ini is copied into a scratch directory with the database
  files pointed there and both ports (SQL and HTTP) bound to 127.0.0.1; then
  ``virtuoso-t +foreground +configfile SCRATCH/virtuoso.ini``. A fresh database takes a few
  seconds to create. Admin is dba/dba.

The fixtures are session-scoped and are imported by the test modules that use them
(``from servers import oxigraph_server``). A test is skipped, with the reason, only when the
binary is missing; a server that is installed but fails to start is an error, with the
end of its log in the message.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_VAD = Path("/usr/share/virtuoso-opensource-7/vad")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    return shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@dataclass
class Server:
    """A running server process and its URLs."""

    name: str
    process: subprocess.Popen
    base: str  # http://127.0.0.1:PORT
    query_url: str
    store_url: str
    log: Path
    scratch: Path
    extra: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL after 20 s."""
        if self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _wait_until_ready(server: Server, probe: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode} while starting; "
                f"log {server.log}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                response.read()
                return
        except urllib.error.HTTPError as exc:  # the server answers: it is up
            if exc.code < 500:
                return
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.name} not ready after {seconds} s ({last}); log {server.log}:\n{server.log_tail()}")


def start_oxigraph(scratch: Path, files: list[tuple[Path, str | None]] = (), extra_args: list[str] = ()) -> Server:
    """Load ``files`` (path, graph IRI or None for the default graph), then serve."""
    binary = oxigraph_binary()
    if binary is None:
        raise FileNotFoundError("oxigraph")
    scratch.mkdir(parents=True, exist_ok=True)
    location = scratch / "store"
    log = scratch / "oxigraph.log"
    with open(log, "ab") as out:
        for path, graph in files:
            command = [binary, "load", "--location", str(location), "--file", str(path)]
            if graph:
                command += ["--graph", graph]
            subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120)
    port = free_port()
    out = open(log, "ab")  # noqa: SIM115 - kept open for the life of the server
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra_args],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    out.close()
    base = f"http://127.0.0.1:{port}"
    server = Server("oxigraph", process, base, base + "/query", base + "/store", log, scratch)
    _wait_until_ready(server, base + "/query?query=ASK%7B%7D", 30)
    return server


def virtuoso_ini(text: str, scratch: Path, sql_port: int, http_port: int, settings: dict[str, dict[str, str]]) -> str:
    """The packaged virtuoso.ini with database files in ``scratch``, ports on 127.0.0.1 and
    the given ``{section: {key: value}}`` settings replaced or added."""
    wanted = {section.lower(): dict(values) for section, values in settings.items()}
    wanted.setdefault("database", {}).update({
        "DatabaseFile": str(scratch / "virtuoso.db"),
        "ErrorLogFile": str(scratch / "virtuoso.log"),
        "LockFile": str(scratch / "virtuoso.lck"),
        "TransactionFile": str(scratch / "virtuoso.trx"),
        "xa_persistent_file": str(scratch / "virtuoso.pxa"),
    })
    wanted.setdefault("tempdatabase", {}).update({
        "DatabaseFile": str(scratch / "virtuoso-temp.db"),
        "TransactionFile": str(scratch / "virtuoso-temp.trx"),
    })
    wanted.setdefault("parameters", {}).update({
        "ServerPort": f"127.0.0.1:{sql_port}",
        "DirsAllowed": f"., {scratch}, {VIRTUOSO_VAD}",
    })
    wanted.setdefault("httpserver", {}).update({
        "ServerPort": f"127.0.0.1:{http_port}",
        "ServerRoot": str(scratch / "vsp"),
    })
    wanted.setdefault("uriqa", {}).update({"DefaultHost": f"127.0.0.1:{http_port}"})

    out: list[str] = []
    section = ""
    pending: dict[str, str] = {}

    def flush() -> None:
        for key, value in pending.items():
            out.append(f"{key} = {value}")
        pending.clear()

    for line in text.splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            flush()
            section = header.group(1).strip().lower()
            pending.update(wanted.get(section, {}))
            out.append(line)
            continue
        setting = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if setting and section in wanted:
            key = setting.group(1)
            match = next((k for k in wanted[section] if k.lower() == key.lower()), None)
            if match is not None:
                out.append(f"{match} = {wanted[section][match]}")
                pending.pop(match, None)
                continue
        out.append(line)
    flush()
    return "\n".join(out) + "\n"


def start_virtuoso(scratch: Path, settings: dict[str, dict[str, str]] | None = None) -> Server:
    """Start virtuoso-t on a fresh database in ``scratch``."""
    binary = virtuoso_binary()
    if binary is None:
        raise FileNotFoundError("virtuoso-t")
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = scratch / "virtuoso.ini"
    ini.write_text(virtuoso_ini(VIRTUOSO_INI.read_text(), scratch, sql_port, http_port, settings or {}))
    log = scratch / "virtuoso-stdout.log"
    out = open(log, "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=scratch,
    )
    out.close()
    base = f"http://127.0.0.1:{http_port}"
    server = Server("virtuoso", process, base, base + "/sparql", base + "/sparql-graph-crud-auth", log,
                    scratch, {"sql_port": sql_port, "ini": ini})
    probe = base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "format": "application/sparql-results+json"})
    _wait_until_ready(server, probe, 120)
    return server


@pytest.fixture(scope="session")
def embedded_nt(tmp_path_factory) -> Path:
    """The shipped graph with the ontology, as N-Triples (what the embedded store holds)."""
    from clearview_kg.core import store

    path = tmp_path_factory.mktemp("data") / "clearview.nt"
    path.write_bytes(store.load_graph().serialize(format="nt", encoding="utf-8"))
    return path


# --- session fixtures ------------------------------------------------------------------------

WHOLE_GRAPH = "https://w3id.org/clearview-kg/graph"  # core.endpoint.DEFAULT_GRAPH


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory, embedded_nt):
    """Oxigraph holding the embedded store's triples in the named graph the read commands use
    (``oxigraph load --graph``), with a 20 s server-side query timeout."""
    try:
        server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"), [(embedded_nt, WHOLE_GRAPH)],
                                ["--timeout-s", "20"])
    except FileNotFoundError:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oxigraph_empty(tmp_path_factory):
    """An empty Oxigraph, for 'cvkg push'."""
    try:
        server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-push"), [], ["--timeout-s", "20"])
    except FileNotFoundError:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    yield server
    server.stop()


VIRTUOSO_MISSING = (
    "virtuoso-t is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource)"
)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """Virtuoso 7.2 on a fresh database (dba/dba), with its packaged limits."""
    try:
        server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    except FileNotFoundError:
        pytest.skip(VIRTUOSO_MISSING)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_low_limit(tmp_path_factory):
    """Virtuoso with ResultSetMaxRows = 1000 (the graph has about 2,500 triples), to see
    partial answers."""
    try:
        server = start_virtuoso(tmp_path_factory.mktemp("virtuoso-low"), {"SPARQL": {"ResultSetMaxRows": "1000"}})
    except FileNotFoundError:
        pytest.skip(VIRTUOSO_MISSING)
    yield server
    server.stop()


# --- comparing results -----------------------------------------------------------------------

#: Columns whose text is built with STR() of an xsd:decimal: rdflib keeps the lexical form of
#: the file ("352000.0"), the servers store the number and write it canonically ("352000").
STR_OF_NUMBER = {("settlement-terms", "equivalent")}


def group_concat_columns(text: str) -> set[str]:
    return set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+\?(\w+)\)", text, re.S))


def comparable(term, column: str, concat: set[str], query: str = ""):
    """A term in a form that two engines agree on when they agree on the RDF:

    - GROUP_CONCAT results: the set of ' | '-separated parts, by text. Virtuoso does not keep
      the order of the ordered subquery feeding GROUP_CONCAT; Oxigraph keeps the common
      language tag of the parts on the result, rdflib returns a plain literal.
    - numbers and booleans: by value (servers store values and write them canonically:
      17000000 for 17000000.0, Virtuoso true as 1).
    - other literals: lexical form, language, datatype; IRIs as they are; blank nodes as one
      kind (their labels are each engine's own).
    """
    from rdflib import BNode, Literal
    from rdflib.namespace import XSD

    if term is None:
        return None
    if column in concat:
        return ("concat", frozenset(str(term).split(" | ")))
    if (query, column) in STR_OF_NUMBER:
        return ("text", re.sub(r"(\d)\.0\b", r"\1", str(term)))
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        if term.datatype in (XSD.decimal, XSD.double, XSD.float, XSD.integer, XSD.boolean):
            return ("number", str(term.datatype), term.toPython())
        return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)
    return term


def comparable_rows(result, text: str, query: str = ""):
    from collections import Counter

    concat = group_concat_columns(text)
    return Counter(
        tuple(comparable(term, column, concat, query) for term, column in zip(row, result.columns))
        for row in result.rows
    )


def canonical_numbers(graph):
    """A copy of ``graph`` with numeric and boolean literals in one canonical lexical form, so
    that graphs read back from a server (which stores numbers as values) compare with
    rdflib.compare.isomorphic."""
    from decimal import Decimal

    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    def canon(term):
        if not isinstance(term, Literal) or term.datatype is None:
            return term
        text = str(term).strip()
        try:
            if term.datatype == XSD.decimal:
                value = Decimal(text).normalize()
                return Literal(format(value, "f"), datatype=XSD.decimal, normalize=False)
            if term.datatype in (XSD.double, XSD.float):
                return Literal(repr(float(text)), datatype=term.datatype, normalize=False)
            if term.datatype == XSD.integer:
                return Literal(str(int(text)), datatype=XSD.integer, normalize=False)
            if term.datatype == XSD.boolean:
                return Literal("true" if text in ("true", "1") else "false", datatype=XSD.boolean, normalize=False)
        except (ValueError, ArithmeticError):
            return term
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((s, p, canon(o)))
    return out


# --- checks shared by the Oxigraph and Virtuoso tests -----------------------------------------

#: actions-of-actor is run for these actors (many actions, few, a person, a court).
ACTORS = ["org/clearview-ai", "org/ico", "org/polismyndigheten", "org/aclu", "person/hoan-ton-that", "org/rigspolitiet"]

#: Commands whose output with --endpoint must be byte for byte the embedded store's.
SAME_OUTPUT = [
    ["actor", "Clearview AI"],
    ["actor", "polismyndigheten", "--format", "json"],
    ["actor", "ICO", "--format", "csv"],
    ["timeline"],
    ["timeline", "--format", "json"],
    ["conflicts"],
    ["conflicts", "--format", "csv"],
    ["overview"],
    ["analyse", "centrality"],
    ["analyse", "communities", "--format", "csv"],
    ["analyse", "path", "Polismyndigheten", "ACLU"],
    ["analyse", "evolution"],
    ["query", "sources"],
    ["query", "actions-of-actor", "--param", "actor=ido:clearview-ai", "--format", "csv"],
    ["export", "--format", "gexf"],
    ["export", "--format", "html"],
]


def named_query_cases():
    """(query name, parameters) for every named query; actions-of-actor once per actor."""
    from rdflib import URIRef

    from clearview_kg.core import catalog
    from clearview_kg.core.namespaces import ID

    cases = []
    for name, query in catalog.named_queries().items():
        if query.params:
            cases += [(name, {"actor": URIRef(ID + actor)}) for actor in ACTORS]
        else:
            cases.append((name, {}))
    return cases


def assert_same_rows(store_remote, name: str, params: dict) -> None:
    """The named query's rows from the server equal the embedded store's, as multisets of
    comparable terms (see ``comparable``)."""
    from clearview_kg.core import catalog, store

    query = catalog.get(name)
    local = store.EmbeddedStore(store.load_graph()).select(query.text, params, name)
    remote = store_remote.select(query.text, params, name)
    assert remote.columns == local.columns
    assert comparable_rows(remote, query.text, name) == comparable_rows(local, query.text, name), name
    if params:
        assert local.rows, f"{name} {params}: no rows to compare"


def invoke(runner, args, env=None):
    from clearview_kg.cli.main import cli

    return runner.invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_same_output(runner, url: str, args: list[str], extra: list[str] = ()) -> None:
    local = invoke(runner, args)
    remote = invoke(runner, [*args, "--endpoint", url, *extra])
    assert local.exit_code == 0, local.stderr
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout, args


def assert_same_rdf_export(runner, url: str, fmt: str = "turtle", extra: list[str] = ()) -> None:
    """The RDF export from the server is the same graph (``same_graph``: numbers in one
    canonical form, blank nodes by structure; blank node labels are each store's own, and the Turtle writer orders
    nested blank nodes by label, so the bytes may differ)."""
    from rdflib import Graph

    local = invoke(runner, ["export", "--format", fmt])
    remote = invoke(runner, ["export", "--format", fmt, "--endpoint", url, *extra])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.stderr
    a, b = Graph(), Graph()
    rdflib_format = {"ntriples": "nt"}.get(fmt, fmt)
    a.parse(data=local.stdout, format=rdflib_format)
    b.parse(data=remote.stdout, format=rdflib_format)
    assert same_graph(a, b)


HOSTILE_VALUES = ['" } ; DROP ALL #', "} ; DROP ALL #", "a\"b'c{d}e\\", "x\ny", "\\u0022 } #", "ü ✓"]


def assert_hostile_values_stay_literals(runner, url: str, extra: list[str] = ()) -> None:
    """--param values with quotes, braces, '} ; DROP ALL #', backslashes come back from the
    server as exactly that string, and the graph is untouched."""
    import json as json_mod

    from clearview_kg.core import store

    before = invoke(runner, ["query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", url,
                             "--format", "json", *extra])
    assert before.exit_code == 0, before.stderr
    for value in HOSTILE_VALUES:
        result = invoke(runner, ["query", "-e", "SELECT ?v WHERE { BIND(?p AS ?v) }", "--param", f"p={value}",
                                 "--endpoint", url, "--format", "json", *extra])
        assert result.exit_code == 0, (value, result.stderr)
        assert json_mod.loads(result.stdout) == [{"v": value}], value
    after = invoke(runner, ["query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", url,
                            "--format", "json", *extra])
    assert after.stdout == before.stdout
    assert json_mod.loads(after.stdout)[0]["n"] == len(store.load_graph())


def graph_signature(graph):
    """A multiset of the triples with every blank node replaced by a hash of what hangs below
    it. Equal signatures mean isomorphic graphs when every blank node has one parent (as all
    of ours do: they come from Turtle's [ ... ]); rdflib.compare.isomorphic says the same but
    takes seconds per graph here."""
    import hashlib
    from collections import Counter

    from rdflib import BNode

    memo: dict = {}

    def node_key(node, depth=0):
        if not isinstance(node, BNode):
            return node.n3()
        if node in memo:
            return memo[node]
        if depth > 50:
            return "_:deep"
        parts = sorted(f"{p.n3()} {node_key(o, depth + 1)}" for p, o in graph.predicate_objects(node))
        memo[node] = "_:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24]
        return memo[node]

    return Counter((node_key(s), p.n3(), node_key(o)) for s, p, o in graph)


def same_graph(a, b) -> bool:
    """``a`` and ``b`` hold the same triples, numbers compared in canonical form and blank
    nodes by structure (``graph_signature``)."""
    return len(a) == len(b) and graph_signature(canonical_numbers(a)) == graph_signature(canonical_numbers(b))
