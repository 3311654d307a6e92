"""The embedded Oxigraph store (core.oxigraph_store): the same answers as rdflib, terms as
rdflib makes them, a read-only rdflib view, and no door opened to SERVICE or FROM."""

from __future__ import annotations

import http.server
import re
import threading

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS, XSD

from clearview_kg.core import catalog, sparql, store
from clearview_kg.core.errors import InputError, QueryRefused
from clearview_kg.core.oxigraph_store import OxigraphStore, Terms, to_oxigraph
from clearview_kg.core.terms import to_value

CLEARVIEW = "https://w3id.org/clearview-kg/id/org/clearview-ai"


@pytest.fixture(scope="module")
def ox_store() -> OxigraphStore:
    return OxigraphStore.from_files()


def _rows(result: sparql.SelectResult) -> list[tuple]:
    """Rows as the commands show them (core.terms.to_value), with two known differences of
    the engines taken out: Oxigraph keeps the language tag of a GROUP_CONCAT of literals that
    all share it (rdflib drops it; the text is the same), and it stores decimals in its own
    canonical form, so STR(17000000.0) is "17000000" there and "17000000.0" on rdflib."""
    def shown(term):
        return re.sub(r"\b(\d+)\.0\b", r"\1", str(to_value(term)))

    return sorted(tuple(shown(t) for t in row) for row in result.rows)


@pytest.mark.parametrize("name", sorted(catalog.named_queries()))
def test_every_named_query_answers_as_on_rdflib(name, ox_store, shipped_graph):
    query = catalog.named_queries()[name]
    raw = [f"{p.name}=<{CLEARVIEW}>" for p in query.params if not p.optional]
    params = catalog.bind_params(query, raw)
    on_ox = ox_store.select(query.text, params, name)
    on_rdflib = store.select(shipped_graph, query.text, params, name)
    assert on_ox.columns == on_rdflib.columns
    assert len(on_ox.rows) == len(on_rdflib.rows) > 0
    assert _rows(on_ox) == _rows(on_rdflib)


def test_the_view_holds_the_same_triples_as_rdflib(ox_store, shipped_graph):
    view = ox_store.graph()
    assert len(view) == len(shipped_graph) == ox_store.triple_count()
    copy = Graph()
    for triple in view:
        copy.add(triple)
    assert isomorphic(copy, shipped_graph)
    assert isomorphic(ox_store.memory_graph(), shipped_graph)


def test_the_view_answers_patterns_like_rdflib(ox_store, shipped_graph):
    view = ox_store.graph()
    subject = URIRef(CLEARVIEW)
    def ground(pairs):
        return {pair for pair in pairs if not isinstance(pair[1], BNode)}

    assert ground(view.predicate_objects(subject)) == ground(shipped_graph.predicate_objects(subject))
    assert len(list(view.predicate_objects(subject))) == len(list(shipped_graph.predicate_objects(subject)))
    assert view.value(subject, SKOS.prefLabel) == shipped_graph.value(subject, SKOS.prefLabel) is not None
    assert sorted(view.subjects(None, subject)) == sorted(shipped_graph.subjects(None, subject))
    # a term Oxigraph cannot hold matches nothing rather than failing
    assert list(view.triples((URIRef("not an iri"), None, None))) == []


def test_the_view_is_read_only(ox_store):
    with pytest.raises(TypeError, match="read-only"):
        ox_store.graph().add((URIRef("urn:a"), URIRef("urn:b"), Literal("c")))


def test_sparql_on_the_view_runs_on_oxigraph(ox_store):
    result = store.select(ox_store.graph(), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(result.rows[0][0]) == ox_store.triple_count()


def test_a_limit_keeps_that_many_rows_or_distinct_triples(ox_store):
    everything = ox_store.select("SELECT ?s WHERE { ?s a cv:Fine } ORDER BY ?s")
    assert len(everything.rows) > 2
    assert ox_store.run("SELECT ?s WHERE { ?s a cv:Fine } ORDER BY ?s", limit=2).rows == everything.rows[:2]
    # Oxigraph gives a CONSTRUCT's repeated triple once per solution; the cap counts distinct ones.
    repeated = "CONSTRUCT { <urn:x:a> <urn:x:b> ?o } WHERE { VALUES ?o { 1 1 1 2 3 } }"
    assert len(ox_store.run(repeated).graph) == 3
    two = ox_store.run(repeated, limit=2).graph
    assert sorted(int(o) for o in two.objects()) == [1, 2]


def test_terms_come_back_as_rdflib_makes_them():
    graph = Graph()
    node = BNode()
    triples = [
        (URIRef("urn:s"), URIRef("urn:plain"), Literal("plain")),
        (URIRef("urn:s"), URIRef("urn:lang"), Literal("tekst", lang="nl")),
        (URIRef("urn:s"), URIRef("urn:typed"), Literal("2021-03", datatype=XSD.gYearMonth)),
        (URIRef("urn:s"), URIRef("urn:number"), Literal("17000000.0", datatype=XSD.decimal)),
        (URIRef("urn:s"), URIRef("urn:blank"), node),
    ]
    for triple in triples:
        graph.add(triple)
    on_ox = OxigraphStore.from_graph(graph)
    got = set(on_ox.graph())
    assert got == set(triples)
    plain = next(o for _, p, o in got if p == URIRef("urn:plain"))
    assert plain.datatype is None and plain.language is None


def test_a_decimal_keeps_its_value_and_rdflib_lexical_form():
    graph = Graph()
    graph.add((URIRef("urn:s"), URIRef("urn:n"), Literal("17000000", datatype=XSD.decimal)))
    (_, _, got), = OxigraphStore.from_graph(graph).graph()
    assert str(got) == "17000000.0" and got.toPython() == 17000000


@pytest.mark.parametrize("stored, shown", [
    ("-5", "-5.0"), ("+007", "7.0"), ("1.5", "1.5"),
    ("abc", "abc"), ("", ""),  # ill-typed: kept as written, no ".0" added
])
def test_only_a_whole_decimal_gets_its_point_back(stored, shown):
    graph = Graph()
    graph.add((URIRef("urn:s"), URIRef("urn:n"), Literal(stored, datatype=XSD.decimal)))
    (_, _, got), = OxigraphStore.from_graph(graph).graph()
    assert str(got) == shown and got.datatype == XSD.decimal


def test_term_conversion_round_trips():
    terms = Terms()
    for term in (URIRef("urn:x"), BNode("b1"), Literal("x"), Literal("x", lang="da"),
                 Literal("1", datatype=XSD.integer)):
        assert terms.to_rdflib(to_oxigraph(term)) == term


def test_ask_and_construct(ox_store):
    assert store.run(ox_store, f"ASK {{ <{CLEARVIEW}> ?p ?o }}").value is True
    result = store.run(ox_store, f"CONSTRUCT {{ <{CLEARVIEW}> skos:prefLabel ?l }} WHERE {{ <{CLEARVIEW}> skos:prefLabel ?l }}")
    assert isinstance(result, sparql.GraphResult)
    assert len(result.graph) == 1


def test_parameters_are_values_never_text(ox_store):
    text = "SELECT ?x WHERE { BIND(?p AS ?x) }"
    hostile = '" } ; DROP ALL ; SELECT * { "'
    result = ox_store.select(text, {"p": Literal(hostile)})
    assert result.rows == [(Literal(hostile),)]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):  # noqa: ARG002
        pass


@pytest.fixture
def recording_server():
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sparql", _Recorder.hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("keyword", ["SERVICE", "service", "SERVIC\\u0045"])
def test_service_never_reaches_oxigraph(ox_store, recording_server, keyword):
    url, hits = recording_server
    with pytest.raises(QueryRefused, match="SERVICE"):
        ox_store.select(f"SELECT * WHERE {{ {keyword} <{url}> {{ ?s ?p ?o }} }}")
    assert hits == []


def test_a_named_query_changed_by_one_character_is_checked_again(ox_store, recording_server):
    url, hits = recording_server
    text = catalog.named_queries()["sources"].text
    tampered = text.replace("WHERE {", f"WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }}", 1)
    assert tampered != text
    with pytest.raises(QueryRefused):
        ox_store.select(tampered)
    assert hits == []


def test_from_is_refused(ox_store):
    with pytest.raises(QueryRefused, match="FROM"):
        ox_store.select("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")


def test_malformed_query_is_one_line_with_position(ox_store):
    with pytest.raises(InputError) as info:
        ox_store.select("SELECT * WHERE { ?s ?p }")
    assert "\n" not in info.value.message
    assert info.value.message.startswith("query:1:")


def test_the_network_is_the_same_on_the_view(ox_store, shipped_graph):
    from clearview_kg.core import network

    on_view = network.actor_graph(ox_store.graph())
    on_rdflib = network.actor_graph(shipped_graph)
    assert sorted(on_view.nodes) == sorted(on_rdflib.nodes)
    assert {(u, v, d["weight"]) for u, v, d in on_view.edges(data=True)} == \
        {(u, v, d["weight"]) for u, v, d in on_rdflib.edges(data=True)}
    quoted = {tuple(sorted((u, v))): d["actions"] for u, v, d in on_view.edges(data=True)}
    assert any(a["quotes"] for actions in quoted.values() for a in actions)
    assert quoted == {tuple(sorted((u, v))): d["actions"] for u, v, d in on_rdflib.edges(data=True)}
    bare = network.actor_graph(ox_store.graph(), quotes=False)
    for u, v, d in bare.edges(data=True):
        assert all(a["quotes"] == [] for a in d["actions"])
        assert [{**a, "quotes": []} for a in quoted[tuple(sorted((u, v)))]] == d["actions"]
