"""The read commands and 'cvkg push' against a real Oxigraph server (pip install oxigraph).

Two servers per session, on 127.0.0.1 and free ports, stopped by PID at the end (see
tests/servers.py): one loaded with ``oxigraph load --graph`` with what the embedded store
holds, one empty for 'cvkg push'.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from rdflib import Graph

from clearview_kg.core import endpoint, export_rdf, store
from conftest import assert_one_error_line
from servers import (  # noqa: F401 - fixtures
    SAME_OUTPUT,
    WHOLE_GRAPH,
    assert_hostile_values_stay_literals,
    assert_same_output,
    assert_same_rdf_export,
    assert_same_rows,
    embedded_nt,
    invoke,
    named_query_cases,
    oxigraph_empty,
    oxigraph_server,
    same_graph,
)


@pytest.fixture(scope="module")
def runner():
    return CliRunner(env={"COLUMNS": "120"})


@pytest.fixture(scope="module")
def remote(oxigraph_server):
    return store.RemoteStore(endpoint.Endpoint(oxigraph_server.query_url))


@pytest.mark.parametrize("name, params", named_query_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_named_query_rows_equal_embedded(remote, name, params):
    assert_same_rows(remote, name, params)


@pytest.mark.parametrize("args", SAME_OUTPUT, ids=" ".join)
def test_command_output_equals_embedded(runner, oxigraph_server, args):
    assert_same_output(runner, oxigraph_server.query_url, args)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_rdf_export_equals_embedded(runner, oxigraph_server, fmt):
    assert_same_rdf_export(runner, oxigraph_server.query_url, fmt)


def test_hostile_parameters_stay_literals(runner, oxigraph_server):
    assert_hostile_values_stay_literals(runner, oxigraph_server.query_url)


def test_named_query_is_sent_to_the_server(oxigraph_server, monkeypatch):
    """'cvkg query NAME --endpoint' sends the named query's own text (form-encoded POST, with
    default-graph-uri), not a CONSTRUCT of everything to run locally."""
    sent = []
    original = endpoint.Http.request

    def spy(self, method, url, body=None, headers=None):
        sent.append((method, url, dict(headers or {}), body))
        return original(self, method, url, body, headers)

    monkeypatch.setattr(endpoint.Http, "request", spy)
    result = invoke(CliRunner(), ["query", "fines", "--endpoint", oxigraph_server.query_url, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    queries = [urllib.parse.parse_qs(body.decode("ascii")) for _m, _u, _h, body in sent]
    assert all(h["Content-Type"] == "application/x-www-form-urlencoded" for _m, _u, h, _b in sent)
    texts = [q["query"][0] for q in queries]
    assert any("# title: Fines and proposed fines" in t for t in texts)
    assert not any("CONSTRUCT" in t for t in texts)
    assert all(q["default-graph-uri"] == [WHOLE_GRAPH] for q in queries)


def test_oxigraph_default_graph_is_not_the_union(runner, oxigraph_server):
    """Oxigraph quirk: its default graph is a graph of its own, not the union of the named
    graphs - the data loaded into a named graph is not there - and its union-default-graph
    option counts a triple once per graph that holds it. So the commands read one named graph
    (default-graph-uri) that holds the whole graph."""
    result = invoke(runner, ["timeline", "--endpoint", oxigraph_server.query_url, "--graph", "default"])
    assert_one_error_line(result, 4, "no triples in the server's default graph", "cvkg push")
    scoped = store.RemoteStore(endpoint.Endpoint(oxigraph_server.query_url)).triple_count()
    assert scoped == len(store.load_graph())


def test_union_default_graph_counts_duplicates(runner, oxigraph_empty):
    """After 'cvkg push', Oxigraph's union-default-graph is a bag, not a set: COUNT(*) over it
    is the sum of the sizes of all graphs (a triple in the whole graph and in two sources'
    graphs counts three times), not the number of distinct triples. The scoped read is exact."""
    pushed = invoke(runner, ["push", "--endpoint", oxigraph_empty.query_url, "--format", "json"])
    assert pushed.exit_code == 0, pushed.stderr
    sizes = [row["triples"] for row in json.loads(pushed.stdout)]
    body = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                   "union-default-graph": ""}).encode()
    request = urllib.request.Request(oxigraph_empty.query_url, body, {"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        union = int(json.load(response)["results"]["bindings"][0]["n"]["value"])
    whole = store.RemoteStore(endpoint.Endpoint(oxigraph_empty.query_url)).triple_count()
    assert whole == len(store.load_graph())
    assert union == sum(sizes) > whole


def test_push_round_trip(runner, oxigraph_empty):
    """Push, then read every graph back with the Graph Store Protocol: each is the graph that
    was sent (isomorphic: numbers in canonical form, blank nodes by structure, see
    servers.same_graph); the whole graph also through CONSTRUCT."""
    pushed = invoke(runner, ["push", "--endpoint", oxigraph_empty.query_url, "--format", "json",
                             "--chunk-triples", "300"])
    assert pushed.exit_code == 0, pushed.stderr
    rows = json.loads(pushed.stdout)
    assert "Pushed" in pushed.stderr and "oxigraph" in pushed.stderr
    graph = store.load_graph()
    ontology = store.load_graph(include_shipped=False)
    dataset = export_rdf.to_dataset(graph - ontology, export_rdf.action_classes(graph), ontology)
    expected = {WHOLE_GRAPH: graph}
    for named in dataset.graphs():
        if named.identifier != dataset.default_graph.identifier and len(named):
            expected[str(named.identifier)] = named
    assert {r["graph"] for r in rows} == set(expected)
    assert any(r["requests"] > 1 for r in rows)  # chunked, blank nodes kept whole
    gsp = endpoint.GraphStore(oxigraph_empty.store_url)
    for name, sent in expected.items():
        back = gsp.get(name)
        copy = Graph()
        for triple in sent:
            copy.add(triple)
        assert same_graph(back, copy), name
    constructed = store.RemoteStore(endpoint.Endpoint(oxigraph_empty.query_url)).graph()
    assert same_graph(constructed, graph)


def test_push_replaces_and_reads_back_with_same_graph_option(runner, oxigraph_empty):
    other = "https://example.org/clearview-copy"
    pushed = invoke(runner, ["push", "--endpoint", oxigraph_empty.query_url, "--graph", other])
    assert pushed.exit_code == 0, pushed.stderr
    again = invoke(runner, ["push", "--endpoint", oxigraph_empty.query_url, "--graph", other])
    assert again.exit_code == 0
    result = invoke(runner, ["query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv",
                             "--endpoint", oxigraph_empty.query_url, "--graph", other])
    assert result.stdout.splitlines()[1] == str(len(store.load_graph()))


def test_http_error_is_one_line_with_status_and_message(runner, oxigraph_server):
    url = oxigraph_server.base + "/no-such-endpoint"
    result = invoke(runner, ["timeline", "--endpoint", url])
    assert_one_error_line(result, 4, url, "HTTP 404")


def test_server_side_slow_query_times_out(runner, oxigraph_server):
    """A query that takes Oxigraph many seconds: the client gives up after --timeout."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(CONTAINS(STR(?c), STR(?f))) }"
    result = invoke(runner, ["query", "-e", slow, "--endpoint", oxigraph_server.query_url, "--timeout", "1"])
    assert_one_error_line(result, 4, "no complete answer within 1 s")


def test_ask_and_construct_through_query(runner, oxigraph_server):
    for args in (["-e", "ASK { ?f a cv:Fine }"],
                 ["-e", "CONSTRUCT { ?f a cv:Fine } WHERE { ?f a cv:Fine }"],
                 ["-e", "DESCRIBE ido:ico"]):
        local = invoke(runner, ["query", *args, "--format", "csv"])
        remote = invoke(runner, ["query", *args, "--format", "csv", "--endpoint", oxigraph_server.query_url])
        assert remote.exit_code == 0, remote.stderr
        if "DESCRIBE" in args[1]:
            # DESCRIBE is engine-defined (rdflib: the node's own triples; Oxigraph: its CBD).
            assert set(local.stdout.splitlines()) <= set(remote.stdout.splitlines())
        else:
            assert remote.stdout == local.stdout
