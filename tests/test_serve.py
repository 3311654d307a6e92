"""`cvkg serve` over real HTTP: a real `cvkg serve` subprocess on a free 127.0.0.1 port.

Every protocol path (GET, form POST, direct POST) and every result format is parsed back
(rdflib's JSON/XML/TSV result parsers, the csv module, rdflib's Turtle/N-Triples parsers) and
compared with what the project's store answers (as `cvkg query`); updates, SERVICE, FROM and LOAD are refused and
reach neither the network nor the file system; a pathological query is stopped at the timeout
and the server answers the next query correctly; the row cap marks truncated answers; a busy
port is one error line; Ctrl-C and SIGTERM stop the server and every worker.
"""
from __future__ import annotations

import http.server
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from test_serve_support import (
    Served, alive, cvkg_command, expected, norm, parse_csv, parse_results, plain, row_multiset,
)

from clearview_kg.core import server_formats, sparql, store

TIMEOUT = 3.0  # the test server's --timeout
MAX_ROWS = 500  # the test server's --max-rows (every named query returns fewer)
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

NAMED = [
    ("fines", ()),
    ("actors", ()),
    ("timeline", ()),
    ("uses", ()),
    ("actions-of-actor", ("actor=ido:clearview-ai",)),
]
FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "tsv": "text/tab-separated-values",
    "csv": "text/csv",
}


@pytest.fixture(scope="module")
def served():
    server = Served("--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--workers", "2")
    yield server
    code = server.stop()
    assert code == 0, server.lines[-5:]


# --- results: every format, compared with the project's store -----------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("name,params", NAMED, ids=[n for n, _ in NAMED])
def test_named_query_in_every_format_matches_the_project_store(served, shipped_store, name, params, fmt):
    from clearview_kg.core import catalog

    columns, rows = expected(shipped_store, name, params)
    assert rows, f"{name} returns no rows on the shipped graph: a poor test"
    response = served.query(catalog.get(name).text, accept=FORMATS[fmt], params=list(params))
    assert response.status == 200, response.text
    assert response.type == FORMATS[fmt]
    assert response.headers["X-Cvkg-Truncated"] == "false"
    assert response.headers["X-Cvkg-Rows"] == str(len(rows))
    if fmt == "csv":
        header, got = parse_csv(response)
        assert header == columns
        assert sorted(got) == sorted(tuple(plain(t) for t in row) for row in rows)
    else:
        variables, got = parse_results(response)
        assert variables == columns
        assert row_multiset(got) == row_multiset(rows)


def test_get_form_post_and_direct_post_give_the_same_answer(served):
    query = "SELECT ?fine ?date WHERE { ?fine a cv:Fine ; cv:date ?date } ORDER BY ?date"
    bodies = set()
    for how in ("get", "form", "direct"):
        response = served.query(query, accept="text/csv", how=how)
        assert response.status == 200, (how, response.text)
        bodies.add(response.body)
    assert len(bodies) == 1
    [body] = bodies
    assert body.startswith(b"fine,date\r\n") and body.count(b"\r\n") == 4


def test_parameters_are_bound_as_values_never_pasted(served, shipped_store):
    """param=NAME=VALUE binds like `cvkg query --param`; a hostile value is only a string."""
    query = 'SELECT ?actor WHERE { ?actor skos:prefLabel ?name FILTER(STR(?name) = ?wanted) }'
    good = served.query(query, accept="text/csv", params=["wanted=Clearview AI"])
    assert good.status == 200 and "https://w3id.org/clearview-kg/id/org/clearview-ai" in good.text
    hostile = served.query(query, accept="text/csv", params=['wanted=" } ; DROP ALL ; #'])
    assert hostile.status == 200 and hostile.text == "actor\r\n"
    unknown = served.query(query, params=["nosuch=1"])
    assert unknown.status == 400 and "no variable ?nosuch" in unknown.text
    declared = "# param: actor (iri) - the actor\nSELECT ?label WHERE { ?actor skos:prefLabel ?label }"
    missing = served.query(declared)
    assert missing.status == 400 and "needs param=actor=IRI" in missing.text
    not_iri = served.query(declared, params=["actor=Clearview AI"])
    assert not_iri.status == 400 and "needs an IRI" in not_iri.text
    bound = served.query(declared, accept="text/csv", params=["actor=ido:clearview-ai"])
    want = store.run(shipped_store, declared, {"actor": sparql.parse_value("ido:clearview-ai")})
    assert bound.status == 200 and sorted(parse_csv(bound)[1]) == sorted((str(r[0]),) for r in want.rows)
    assert len(want.rows) >= 1


def test_json_and_xml_results_follow_the_recommendations(served):
    """Literal typing: xml:lang, datatype, plain strings; an unbound variable is left out."""
    query = ('SELECT ?x ?label ?n ?plain ?unbound WHERE { BIND(ido:clearview-ai AS ?x) '
             '?x skos:prefLabel ?label FILTER(LANG(?label) = "en") BIND(42 AS ?n) BIND("a\\tb" AS ?plain) '
             'OPTIONAL { ?x cv:nosuch ?unbound } }')
    doc = json.loads(served.query(query, accept="application/sparql-results+json").body)
    assert doc["head"] == {"vars": ["x", "label", "n", "plain", "unbound"]}
    [binding] = doc["results"]["bindings"]
    assert binding == {
        "x": {"type": "uri", "value": "https://w3id.org/clearview-kg/id/org/clearview-ai"},
        "label": {"type": "literal", "value": "Clearview AI", "xml:lang": "en"},
        "n": {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        "plain": {"type": "literal", "value": "a\tb"},
    }
    xml = served.query(query, accept="application/sparql-results+xml").text
    assert '<literal xml:lang="en">Clearview AI</literal>' in xml
    assert '<literal datatype="http://www.w3.org/2001/XMLSchema#integer">42</literal>' in xml
    assert '<binding name="unbound">' not in xml
    tsv = served.query(query, accept="text/tab-separated-values").text.split("\n")
    assert tsv[0] == "?x\t?label\t?n\t?plain\t?unbound"
    assert tsv[1] == ('<https://w3id.org/clearview-kg/id/org/clearview-ai>\t"Clearview AI"@en\t'
                      '"42"^^<http://www.w3.org/2001/XMLSchema#integer>\t"a\\tb"\t')
    csv_text = served.query(query, accept="text/csv").text
    assert csv_text == ('x,label,n,plain,unbound\r\n'
                        'https://w3id.org/clearview-kg/id/org/clearview-ai,Clearview AI,42,a\tb,\r\n')


def test_ask_in_json_and_xml(served):
    yes = served.query("ASK { ?f a cv:Fine }")
    assert yes.status == 200 and yes.type == "application/sparql-results+json"
    assert json.loads(yes.body) == {"head": {}, "boolean": True}
    no = served.query("ASK { ?f a cv:NoSuchClass }", accept="application/sparql-results+xml")
    assert no.status == 200 and "<boolean>false</boolean>" in no.text


@pytest.mark.parametrize("accept,rdf_format", [(None, "turtle"), ("text/turtle", "turtle"),
                                               ("application/n-triples", "nt")])
def test_construct_as_turtle_and_ntriples_matches_the_project_store(served, shipped_store, accept, rdf_format):
    query = ("CONSTRUCT { ?f cv:agent ?a ; cv:amount ?m . ?m ?p ?v } "
             "WHERE { ?f a cv:Fine ; cv:agent ?a ; cv:amount ?m . ?m ?p ?v }")
    response = served.query(query, accept=accept)
    assert response.status == 200, response.text
    assert response.type == ("text/turtle" if rdf_format == "turtle" else "application/n-triples")
    got = Graph().parse(data=response.text, format=rdf_format)
    want = store.run(shipped_store, query).graph
    assert len(got) == len(want) > 0
    assert isomorphic(got, want)


@pytest.mark.parametrize("accept,media_type", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),
    ("text/tsv", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
])
def test_content_negotiation(served, accept, media_type):
    response = served.query("SELECT ?f WHERE { ?f a cv:Fine }", accept=accept)
    assert response.status == 200 and response.type == media_type
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("query,accept,fragment", [
    ("SELECT * WHERE { ?s a cv:Fine }", "image/png", "this endpoint offers"),
    ("SELECT * WHERE { ?s a cv:Fine }", "text/turtle", "SELECT result is available as"),
    ("CONSTRUCT WHERE { ?s a cv:Fine }", "text/csv", "CONSTRUCT result is available as text/turtle"),
    ("ASK { ?s a cv:Fine }", "text/csv", "ASK result is available as"),
    ("SELECT * WHERE { ?s a cv:Fine }", "application/sparql-results+json;q=0", "this endpoint offers"),
])
def test_unsupported_accept_is_406(served, query, accept, fragment):
    response = served.query(query, accept=accept)
    assert response.status == 406
    assert fragment in response.text and response.text.count("\n") == 1


# --- refusals and errors ---------------------------------------------------------------------


UPDATES = [
    ("form update=", lambda s: s.request("POST", "/sparql", "update=" + urllib.parse.quote(
        "INSERT DATA { cv:door cv:opened cv:yes }"), {"Content-Type": "application/x-www-form-urlencoded"})),
    ("GET update=", lambda s: s.request("GET", "/sparql?update=" + urllib.parse.quote(
        "INSERT DATA { cv:door cv:opened cv:yes }"))),
    ("sparql-update body", lambda s: s.request("POST", "/sparql", "INSERT DATA { cv:door cv:opened cv:yes }",
                                               {"Content-Type": "application/sparql-update"})),
    ("update as query=", lambda s: s.query("INSERT DATA { cv:door cv:opened cv:yes }")),
    ("DELETE/INSERT as query", lambda s: s.query("DELETE { ?s ?p ?o } INSERT { cv:door cv:opened cv:yes } "
                                                 "WHERE { ?s ?p ?o }")),
    ("DROP as direct query", lambda s: s.query("DROP ALL", how="direct")),
    ("prefixed update", lambda s: s.query("PREFIX x: <urn:x:>\nINSERT DATA { x:door x:opened x:yes }")),
]


@pytest.mark.parametrize("label,send", UPDATES, ids=[u[0] for u in UPDATES])
def test_updates_are_refused_and_never_run(served, label, send):
    response = send(served)
    assert response.status == 403, response.text
    assert "SPARQL Update is refused" in response.text and response.text.count("\n") == 1
    check = served.query("ASK { ?s cv:opened ?o }")
    assert check.status == 200 and json.loads(check.body)["boolean"] is False


@pytest.mark.parametrize("query,fragment", [
    ("SELECT * WHERE { ?s ?p }", "query:1:"),
    ("SELECT * WHERE {\n  ?s a cv:Fine\n  FILTER(\n}", "query:"),
    ("SELECT * WHERE { ?s nosuchprefix:p ?o }", "nosuchprefix"),
    ("", "query"),
])
def test_bad_query_is_400_with_one_line(served, query, fragment):
    response = served.query(query)
    assert response.status == 400, response.text
    assert response.type == "text/plain"
    assert fragment in response.text
    assert response.text.endswith("\n") and response.text.count("\n") == 1


@pytest.mark.parametrize("method,path,body,headers,status,fragment", [
    ("GET", "/sparql", None, {}, 400, "missing query"),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "exactly one"),
    ("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}, 415, "application/sparql-query"),
    ("POST", "/sparql?query=ASK%7B%7D", "ASK {}", {"Content-Type": "application/sparql-query"}, 400, "not both"),
    ("POST", "/sparql", b"query=\xff", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "UTF-8"),
    # Only the header says 2 MiB (the server refuses before reading; a real 2 MiB body could
    # still be on its way when the server closes, and the client would see a broken pipe).
    ("POST", "/sparql", "ASK {}", {"Content-Type": "application/sparql-query", "Content-Length": str(2 << 20)},
     413, "at most"),
    ("PUT", "/sparql", "ASK {}", {"Content-Type": "application/sparql-query"}, 405, "read-only"),
    ("DELETE", "/sparql", None, {}, 405, "read-only"),
    ("POST", "/", "x=1", {"Content-Type": "application/x-www-form-urlencoded"}, 405, "not allowed"),
    ("GET", "/nosuch", None, {}, 404, "no such page"),
    ("GET", "/sparql?query=ASK%7B%7D", None, {"Host": "attacker.example:80"}, 403, "loopback name"),
])
def test_protocol_errors(served, method, path, body, headers, status, fragment):
    response = served.request(method, path, body, headers)
    assert response.status == status, response.text
    assert fragment in response.text and response.text.count("\n") == 1


def test_the_queries_list_and_health(served):
    from clearview_kg.core import catalog

    listed = json.loads(served.request("GET", "/queries").body)
    assert [q["name"] for q in listed] == list(catalog.named_queries())
    by_name = {q["name"]: q for q in listed}
    assert by_name["fines"]["text"] == catalog.get("fines").text
    [param] = by_name["actions-of-actor"]["params"]
    assert param["name"] == "actor" and param["kind"] == "iri" and param["example"] == "ido:clearview-ai"
    health = served.health()
    assert health["workers"] == health["workers_wanted"] == 2 and health["triples"] > 2000


# --- the row cap -----------------------------------------------------------------------------


def test_row_cap_truncates_and_marks_it(served):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    doc = served.query(query, accept="application/sparql-results+json")
    assert doc.status == 200
    assert doc.headers["X-Cvkg-Truncated"] == "true"
    assert doc.headers["X-Cvkg-Rows"] == doc.headers["X-Cvkg-Max-Rows"] == str(MAX_ROWS)
    data = json.loads(doc.body)
    assert len(data["results"]["bindings"]) == MAX_ROWS
    assert data["head"]["link"] == [server_formats.TRUNCATED_LINK]
    assert "truncated to the first 500 rows" in data["head"]["warnings"][0]
    xml = served.query(query, accept="application/sparql-results+xml")
    assert f'<link href="{server_formats.TRUNCATED_LINK}"/>' in xml.text and xml.text.count("<result>") == MAX_ROWS
    csv_response = served.query(query, accept="text/csv")
    assert csv_response.headers["X-Cvkg-Truncated"] == "true"
    assert csv_response.text.count("\r\n") == MAX_ROWS + 1
    graph = served.query("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert graph.headers["X-Cvkg-Truncated"] == "true"
    assert graph.text.startswith("# cvkg: results truncated to the first 500 triples")
    assert len(Graph().parse(data=graph.text, format="nt")) == MAX_ROWS


def test_exactly_max_rows_is_not_truncated(served):
    response = served.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}")
    assert response.headers["X-Cvkg-Truncated"] == "false"
    data = json.loads(response.body)
    assert len(data["results"]["bindings"]) == MAX_ROWS and "link" not in data["head"]


# --- the timeout -----------------------------------------------------------------------------


def test_timeout_kills_a_pathological_query_and_the_next_query_is_answered(served, shipped_store):
    workers_before = served.descendants()
    restarts_before = served.health()["restarts"]
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["response"] = served.query(PATHOLOGICAL)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    # While one worker is stuck, the other answers at once.
    started = time.monotonic()
    quick = served.query("ASK { ?f a cv:Fine }")
    assert quick.status == 200 and time.monotonic() - started < TIMEOUT
    assert thread.is_alive()
    thread.join(TIMEOUT + 20)
    response = outcome["response"]
    assert response.status == 504, response.text
    assert "timeout" in response.text and response.text.count("\n") == 1
    assert TIMEOUT - 0.1 <= outcome["seconds"] < TIMEOUT + 10
    # The stuck worker is gone (killed, not left running) and a fresh one took its place.
    # (SIGKILL is delivered at once, but the kernel may take a moment to end the process.)
    # The replacement is forked in the background: wait for it.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        workers_after = served.descendants()
        health = served.health()
        if workers_before - workers_after and len(workers_after) == len(workers_before) and health["workers"] == 2:
            break
        time.sleep(0.05)
    killed = workers_before - workers_after
    assert len(killed) == 1 and not any(alive(pid) for pid in killed)
    assert len(workers_after) == len(workers_before)
    assert health["restarts"] == restarts_before + 1 and health["workers"] == 2
    # And the next queries are answered correctly.
    for name, params in NAMED[:2]:
        from clearview_kg.core import catalog
        columns, rows = expected(shipped_store, name, params)
        again = served.query(catalog.get(name).text, params=list(params))
        assert again.status == 200
        assert row_multiset(parse_results(again)[1]) == row_multiset(rows)


# --- the doors stay shut: SERVICE, FROM, LOAD -------------------------------------------------


class _Recorder(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), _RecordingHandler)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _any(self):
        self.server.seen.append(f"{self.command} {self.path}")
        body = b"<urn:a> <urn:b> <urn:c> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _any


@pytest.fixture(scope="module")
def recorder():
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_recorder_would_see_an_unguarded_service_call(recorder):
    """Canary: plain rdflib, without clearview_kg's guard, does call the recorder for SERVICE,
    so the recorder staying silent below means something."""
    before = len(recorder.seen)
    url = f"http://127.0.0.1:{recorder.server_address[1]}/"
    code = ("import rdflib; list(rdflib.Graph().query('SELECT * WHERE { SERVICE <%s> { ?s ?p ?o } }'))" % url)
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=False)
    assert len(recorder.seen) > before


def _door_requests(port: int) -> tuple[list[tuple[str, str, dict]], dict]:
    url = f"http://127.0.0.1:{port}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    q = urllib.parse.quote
    return [
        ("POST", "/sparql", {"query": f"SELECT * FROM <{url}/x> WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}"}),
        ("POST", "/sparql", {"query": f"SELECT * WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}"}),
        ("POST", "/sparql", {"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}/silent> {{ ?s ?p ?o }} }}"}),
        ("POST", "/sparql", {"query": f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVIC\\u0045 <{url}/esc> {{ ?s ?p ?o }} }} }}"}),
        ("POST", "/sparql", {"query": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/sub> {{ ?s ?p ?o }} }} }} }}"}),
        ("POST", "/sparql", {"query": f"SELECT * FROM <{url}/x> WHERE {{ ?s ?p ?o }}"}),
        ("POST", "/sparql", {"query": f"SELECT * FROM NAMED <{url}/named> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}),
        ("POST", "/sparql", {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}),
        ("POST", "/sparql", {"query": "ASK { ?s ?p ?o }", "default-graph-uri": f"{url}/dg"}),
        ("POST", "/sparql", {"query": "ASK { ?s ?p ?o }", "named-graph-uri": f"{url}/ng"}),
        ("POST", "/sparql", {"query": f"LOAD <{url}/load>"}),
        ("POST", "/sparql", {"update": f"LOAD <{url}/load-update>"}),
        ("POST", "/sparql", {"update": "LOAD <file:///etc/passwd>"}),
        ("GET", "/sparql?query=" + q(f"SELECT * FROM <{url}/get> WHERE {{ SERVICE <{url}/get> {{ ?s ?p ?o }} }}"), {}),
        ("DIRECT", "/sparql?default-graph-uri=" + q(f"{url}/direct"), {"query": "ASK { ?s ?p ?o }"}),
        ("UPDATE", "/sparql", {"query": f"LOAD <{url}/sparql-update> ; INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}"}),
    ], form


def test_service_from_and_load_never_reach_the_network_or_files(served, recorder):
    port = recorder.server_address[1]
    before = len(recorder.seen)
    requests, form = _door_requests(port)
    for method, path, fields in requests:
        if method == "GET":
            response = served.request("GET", path)
        elif method == "DIRECT":
            response = served.request("POST", path, fields["query"], {"Content-Type": "application/sparql-query"})
        elif method == "UPDATE":
            response = served.request("POST", path, fields["query"], {"Content-Type": "application/sparql-update"})
        else:
            response = served.request("POST", path, urllib.parse.urlencode(fields), form)
        assert response.status == 403, (path, fields, response.status, response.text)
        assert response.text.count("\n") == 1
        assert "root:" not in response.text  # nothing of /etc/passwd comes back
    time.sleep(0.2)
    assert recorder.seen[before:] == [], recorder.seen[before:]


# --- starting and stopping -------------------------------------------------------------------


def test_a_busy_port_is_one_error_line(served):
    started = time.monotonic()
    done = subprocess.run(cvkg_command("serve", "--port", str(served.port)), capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "already in use" in lines[0], done.stderr
    assert str(served.port) in lines[0] and "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_an_unreadable_data_file_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <urn:x:> .\nx:a x:b .\n", encoding="utf-8")
    done = subprocess.run(cvkg_command("serve", "--port", "0", "--data", str(bad)), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "bad.ttl" in lines[0], done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_and_sigterm_stop_the_server_and_every_worker(sig, tmp_path):
    mine = tmp_path / "mine.ttl"
    mine.write_text('@prefix cv: <https://w3id.org/clearview-kg/ontology#> .\n'
                    '<urn:x:my-fine> a cv:Fine .\n', encoding="utf-8")
    server = Served("--workers", "2", "--quiet", "--data", str(mine), "--no-shipped")
    try:
        rows = server.query("SELECT ?f WHERE { ?f a cv:Fine }", accept="text/csv")
        assert rows.text == "f\r\nurn:x:my-fine\r\n"
        processes = server.descendants()
        assert len(processes) == 3, processes  # the template and two workers
        started = time.monotonic()
        code = server.stop(sig)
        assert time.monotonic() - started < 10
        assert code == 0
        assert server.lines[-1] == "cvkg serve: stopped"
        assert not any("Traceback" in line for line in server.lines)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in processes)
    finally:
        server.stop(signal.SIGKILL)


def test_sigterm_while_a_connection_is_handed_to_its_thread_still_stops():
    """CI once saw this: SIGTERM came while the main thread was inside process_request, which
    socketserver wraps in ``except Exception``; the server logged "internal error (_Stop)" and
    went on serving until it was killed. Here the signal is raised at exactly that point."""
    from clearview_kg.core import server as serving

    logged: list[str] = []
    srv = serving.bind(serving.Settings(port=0, log=logged.append))
    hand_over = srv.process_request

    def signalled_first(request, address):
        signal.raise_signal(signal.SIGTERM)  # its handler runs here, in the main thread
        hand_over(request, address)

    srv.process_request = signalled_first
    previous = signal.signal(signal.SIGTERM, serving._raise_stop)
    guard = threading.Timer(10, srv.shutdown)  # the old behaviour: fail instead of hanging
    client = threading.Thread(target=lambda: socket.create_connection(srv.server_address[:2], 5).close())
    try:
        guard.start()
        client.start()
        with pytest.raises(serving._Stop, match="SIGTERM"):
            srv.serve_forever(poll_interval=0.05)
    finally:
        guard.cancel()
        signal.signal(signal.SIGTERM, previous)
        srv.server_close()
        client.join(5)
    assert logged == []


def test_the_page_is_served_with_a_strict_content_security_policy(served):
    response = served.request("GET", "/")
    assert response.status == 200 and response.type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert "script-src 'sha256-" in csp and "style-src 'sha256-" in csp
    assert "http://" not in response.text.split("<script>")[0].replace("http://127.0.0.1", "")
    assert "innerHTML" not in response.text and "insertAdjacentHTML" not in response.text


# --- the formats, in process -----------------------------------------------------------------


def test_tricky_literals_survive_every_format():
    """Quotes, tabs, newlines, CR, commas, markup, non-ASCII, a control character."""
    from rdflib import BNode, URIRef
    from rdflib.query import Result
    import io

    tricky = Literal('He said "no",\tthen\r\nleft <b>&amp;</b> — ø \\ end')
    rows = [(URIRef("urn:x:a"), tricky, Literal("x", lang="sv"), BNode("b0"), None),
            (URIRef("urn:x:b"), Literal("1.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
             Literal(""), None, Literal("ctl\x01"))]
    columns = ["s", "text", "lang", "b", "c"]
    for key, writer in server_formats.SELECT_WRITERS.items():
        body = writer(columns, rows)
        if key == "csv":
            import csv as csv_module
            parsed = list(csv_module.reader(io.StringIO(body.decode("utf-8"), newline="")))
            assert parsed[0] == columns
            assert parsed[1] == ["urn:x:a", str(tricky), "x", "_:b0", ""]
            continue
        result = Result.parse(io.BytesIO(body), format=key)
        got = [tuple(b.get(v) for v in result.vars) for b in result.bindings]
        want = [tuple(norm(t) for t in row) for row in rows]
        if key == "xml":  # XML 1.0 cannot carry U+0001: it becomes U+FFFD
            want[1] = want[1][:4] + (norm(Literal("ctl\ufffd")),)
        assert [tuple(norm(t) for t in row) for row in got] == want, key


def test_negotiation_rules():
    negotiate = server_formats.negotiate
    select = server_formats.SELECT_FORMATS
    assert negotiate(None, select).key == "json"
    assert negotiate("", select).key == "json"
    assert negotiate("garbage", select).key == "json"
    assert negotiate("text/csv, */*;q=0.1", select).key == "csv"
    assert negotiate("TEXT/CSV", select).key == "csv"
    assert negotiate("application/*", select).key == "json"
    assert negotiate("text/turtle", select) is None
    assert negotiate("text/csv;q=0", select) is None
    assert negotiate("*/*;q=0.5, application/sparql-results+json;q=0", select).key == "xml"


def test_the_page_ships_in_the_wheel():
    """pyproject's package-data must carry core/assets/query.html: without it a wheel install
    of `cvkg serve` has no query page."""
    import fnmatch
    import pathlib
    import tomllib

    pyproject = tomllib.loads((pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["clearview_kg.core.assets"]
    assert any(fnmatch.fnmatch("query.html", g) for g in globs), globs


def test_log_lines_from_many_threads_stay_whole(capsys):
    """Requests are answered by several threads at once; each access-log line is written in
    one piece (print() writes the text and the newline apart, and two lines ran together)."""
    from clearview_kg.core import server

    def write(n: int) -> None:
        for i in range(300):
            server.log_line(f'127.0.0.1 "GET /t{n}-{i}" 200 10 0.001s')

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 8 * 300
    assert all(line.count('"') == 2 and line.endswith(" 0.001s") for line in lines)
    assert server.Settings().log is server.log_line
