"""The remote-endpoint layer without a SPARQL server: parameters rendered as terms, the VALUES
block, result parsing (Virtuoso's typed-literal, durations, booleans), partial answers,
timeouts, refused connections, option checks and the Store interface.

The same behaviour against real servers: tests/test_endpoint_oxigraph.py and
tests/test_endpoint_virtuoso.py. The only stand-ins for a server here are a socket that never
answers (timeouts) and a tiny HTTP server for the one answer no real server here gives on
demand: HTTP 206 Partial Content.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD

from clearview_kg.core import endpoint, sparql, store
from clearview_kg.core.errors import InputError
from conftest import assert_one_error_line
from servers import same_graph

HOSTILE = [
    '" } ; DROP ALL #',
    "} ; DROP ALL #",
    "a\"b'c{d}e",
    'x" . ?s ?p ?o . FILTER("',
    "line\nbreak\r\ttab",
    "back\\slash\\",
    '"""',
    "'''",
    "\\u0022 } DROP ALL",
    "emoji ✓ and NBSP\u00a0",
    "\x01\x7f control",
]


def _values_of(text: str) -> list[dict]:
    """The rows of every VALUES block in a parsed query's algebra."""
    query = sparql.prepare(text, "test")
    found = []
    for part in sparql._walk(query.algebra):
        if part.name == "values":
            found.extend(part.res)
    return found


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_stays_one_literal(value):
    """A --param value with quotes, braces, '} ; DROP ALL #', line breaks or backslashes is
    rendered as one string literal: the query text still parses, to the same query with one
    VALUES row holding exactly that string."""
    text = "SELECT ?v WHERE { BIND(?p AS ?v) }"
    bound = endpoint.bind_values(text, {"p": Literal(value)})
    rows = _values_of(bound)
    assert rows == [{Variable("p"): Literal(value)}]
    graph = Graph()
    result = sparql.run(graph, bound)
    assert result.rows == [(Literal(value),)]


def test_values_block_goes_into_the_top_level_where_group():
    text = """PREFIX ex: <http://example.org/where#>
# a comment with WHERE { and a brace
SELECT ?x ("WHERE { }" AS ?s) (EXISTS { ?x ex:where ?y } AS ?e) WHERE {
  ?x ex:where "}" .
  { SELECT ?x WHERE { ?x ?p ?o } }
} ORDER BY ?x"""
    bound = endpoint.bind_values(text, {"x": URIRef("http://example.org/a")})
    head, _, tail = bound.partition("VALUES (?x) { (<http://example.org/a>) }")
    assert head.rstrip().endswith('?e) WHERE {')
    assert tail.strip().startswith('?x ex:where "}" .')


def test_values_block_without_where_keyword_and_in_construct():
    assert "{\n  VALUES (?s)" in endpoint.bind_values("SELECT * { ?s ?p ?o }", {"s": URIRef("urn:x")})
    bound = endpoint.bind_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": URIRef("urn:x")})
    assert bound.index("VALUES") > bound.index("WHERE")
    with pytest.raises(InputError, match="short form"):
        endpoint.bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": URIRef("urn:x")})


def test_named_query_parameter_binds_through_the_subquery():
    """actions-of-actor binds ?actor; its subquery projects ?actor, so the VALUES at the top
    constrains it on a server as rdflib's initial binding does locally."""
    from clearview_kg.core import catalog

    query = catalog.get("actions-of-actor")
    bound = endpoint.remote_text(query.text, {"actor": URIRef("https://w3id.org/clearview-kg/id/org/ico")})
    graph = store.load_graph()
    local = sparql.select(graph, query.text, {"actor": URIRef("https://w3id.org/clearview-kg/id/org/ico")})
    remote_like = sparql.select(graph, bound)
    assert sorted(map(str, local.rows)) == sorted(map(str, remote_like.rows))
    assert local.rows


@pytest.mark.parametrize("term", [URIRef("http://x/a b"), URIRef("http://x/>"), URIRef("nocolon")])
def test_bad_iris_are_refused(term):
    with pytest.raises(InputError):
        endpoint.render_term(term)


def test_terms_render_as_sparql():
    assert endpoint.render_term(URIRef("https://w3id.org/clearview-kg/id/org/ico")) == "<https://w3id.org/clearview-kg/id/org/ico>"
    assert endpoint.render_term(Literal("hej", lang="sv")) == '"hej"@sv'
    assert endpoint.render_term(Literal("2021", datatype=XSD.gYear)) == '"2021"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    with pytest.raises(InputError):
        endpoint.render_term(BNode())


def test_known_prefixes_are_declared_for_the_server():
    text = endpoint.remote_text("SELECT ?f WHERE { ?f a cv:Fine }", None)
    assert "PREFIX cv: <https://w3id.org/clearview-kg/ontology#>" in text
    sparql.prepare(text)


def test_service_and_from_are_refused_before_anything_is_sent():
    ep = endpoint.Endpoint("http://127.0.0.1:9/query", timeout=0.5)
    with pytest.raises(InputError, match="SERVICE"):
        ep.run("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(InputError, match="FROM"):
        ep.run("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")


# --- results ---------------------------------------------------------------------------------


def test_virtuoso_typed_literal_json():
    body = json.dumps({"head": {"vars": ["n", "s", "l", "u", "b", "x"]}, "results": {"bindings": [{
        "n": {"type": "typed-literal", "datatype": str(XSD.integer), "value": "2522"},
        "s": {"type": "typed-literal", "datatype": str(XSD.string), "value": "x"},
        "l": {"type": "literal", "xml:lang": "sv", "value": "hej"},
        "u": {"type": "uri", "value": "https://w3id.org/clearview-kg/id/org/ico"},
        "b": {"type": "bnode", "value": "nodeID://b10006"},
    }]}}).encode()
    result = endpoint.parse_json_results(body, "http://x/sparql")
    n, s, lang, uri, bnode, missing = result.rows[0]
    assert n == Literal("2522", datatype=XSD.integer)
    assert s == Literal("x") and s.datatype is None  # xsd:string is the plain literal
    assert lang == Literal("hej", lang="sv")
    assert uri == URIRef("https://w3id.org/clearview-kg/id/org/ico")
    assert isinstance(bnode, BNode) and "/" not in str(bnode)
    assert missing is None


def test_bad_json_is_one_error():
    with pytest.raises(endpoint.EndpointError, match="not valid SPARQL JSON"):
        endpoint.parse_json_results(b"<html>oops</html>", "http://x/sparql")


@pytest.mark.parametrize("stored, iso", [
    ("60", "P5Y"), ("14", "P1Y2M"), ("1", "P1M"), ("0", "P0M"), ("-12", "-P1Y"),
    ("172800.0", "P2D"), ("10800.0", "PT3H"), ("90061.5", "P1DT1H1M1.5S"), ("0.0", "PT0S"), ("P5Y", "P5Y"),
])
def test_virtuoso_durations_are_turned_back_into_iso(stored, iso):
    """Virtuoso 7.2 keeps an xsd:duration as months or seconds ('P5Y' comes back as '60')."""
    assert endpoint.virtuoso_duration(stored) == iso


def test_virtuoso_booleans_in_json():
    body = json.dumps({"head": {"vars": ["b"]}, "results": {"bindings": [
        {"b": {"type": "typed-literal", "datatype": str(XSD.boolean), "value": "1"}}]}}).encode()
    assert endpoint.parse_json_results(body, "u", virtuoso=True).rows[0][0] == Literal("true", datatype=XSD.boolean)


# --- graphs and stores ------------------------------------------------------------------------


def test_difference_matches_blank_nodes_by_shape(shipped_graph):
    """A graph fetched from a server has its own blank node labels: the ontology's OWL
    structures are still recognised and removed."""
    ontology = store.load_graph(include_shipped=False)
    relabelled = Graph()
    relabelled.parse(data=shipped_graph.serialize(format="nt"), format="nt")  # fresh labels
    facts = store.difference(relabelled, ontology)
    expected = shipped_graph - ontology
    assert same_graph(facts, expected)


def test_embedded_store_and_graph_helpers(shipped_graph):
    st = store.EmbeddedStore(shipped_graph)
    assert store.triple_count(st) == len(shipped_graph) == store.triple_count(shipped_graph)
    assert store.rdf_graph(st) is shipped_graph
    q = "SELECT ?f WHERE { ?f a cv:Fine }"
    assert store.select(st, q).rows == store.select(shipped_graph, q).rows


def test_source_refuses_data_with_endpoint(invoke):
    result = invoke("timeline", "--endpoint", "http://127.0.0.1:9/query", "--data", "x.ttl")
    assert_one_error_line(result, 2, "--data and --no-shipped", "--endpoint")
    result = invoke("timeline", "--graph", "urn:x")
    assert_one_error_line(result, 2, "--graph needs --endpoint")
    result = invoke("timeline", "--endpoint", "ftp://example.org/sparql")
    assert_one_error_line(result, 2, "not an http")


# --- failures, one line each -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("graph", ["https://w3id.org/clearview-kg/ontology",
                                   "https://w3id.org/clearview-kg/id/graph/source/004"])
def test_push_refuses_a_graph_name_of_its_own_before_sending_anything(invoke, graph):
    """The whole graph cannot go into a graph that push also writes (it would be replaced by
    one source's part); said before any request (nothing listens on port 9)."""
    result = invoke("push", "--endpoint", "http://127.0.0.1:9/query", "--graph", graph)
    assert_one_error_line(result, 2, graph, "choose another")


def test_connection_refused_is_one_line(invoke):
    url = f"http://127.0.0.1:{_free_port()}/query"
    result = invoke("query", "fines", "--endpoint", url)
    assert_one_error_line(result, 4, url, "connection refused")


def test_timeout_is_one_line(invoke):
    """A server that accepts the connection and never answers: the request gives up after
    --timeout seconds."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        result = invoke("timeline", "--endpoint", url, "--timeout", "0.5")
    assert_one_error_line(result, 4, url, "no complete answer within 0.5 s", "--timeout")


class _PartialHandler(http.server.BaseHTTPRequestHandler):
    """Answers every POST with HTTP 206 and a well-formed, partial SPARQL JSON result."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [
            {"s": {"type": "uri", "value": "urn:x"}}]}}).encode()
        self.send_response(206, "Partial Content")
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


def test_http_206_is_truncated_not_complete(invoke):
    """HTTP 206 (a stand-in server: neither Oxigraph nor Virtuoso 7.2 answers 206 on demand;
    Virtuoso's own partial answers - X-SQL-State S1TAT and X-SPARQL-MaxRows - are tested
    against Virtuoso itself)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _PartialHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        result = invoke("query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "--endpoint", url, "--graph", "default")
    finally:
        server.shutdown()
        server.server_close()
    assert_one_error_line(result, 5, "TRUNCATED", "HTTP 206")


def test_password_never_from_the_command_line(invoke, tmp_path, monkeypatch):
    monkeypatch.delenv("CVKG_PASSWORD", raising=False)
    url = f"http://127.0.0.1:{_free_port()}/query"
    result = invoke("push", "--endpoint", url, "--user", "dba")
    assert_one_error_line(result, 2, "no password for user 'dba'", "CVKG_PASSWORD", "--password-file")
    assert invoke("push", "--endpoint", url, "--password", "x").exit_code == 2
    empty = tmp_path / "pw"
    empty.write_text("\n")
    result = invoke("push", "--endpoint", url, "--user", "dba", "--password-file", str(empty))
    assert_one_error_line(result, 2, "is empty")
