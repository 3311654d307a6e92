"""SPARQL: typed parameters bound as initBindings, SERVICE / FROM refused, positions in errors."""

from __future__ import annotations

import pytest
import rdflib.plugins.sparql
from rdflib import Graph, Literal, URIRef

from clearview_kg.core import catalog, sparql
from clearview_kg.core.errors import InputError, NotFoundError, QueryRefused

ICO = URIRef("https://w3id.org/clearview-kg/id/org/ico")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ido:ico", ICO),
        ("<https://w3id.org/clearview-kg/id/org/ico>", ICO),
        ("id:org/ico", ICO),
        ("cv:Fine", URIRef("https://w3id.org/clearview-kg/ontology#Fine")),
        ("Clearview AI", Literal("Clearview AI")),
        ("2021", Literal("2021")),
        ("unknownprefix:thing", Literal("unknownprefix:thing")),
        ("http://example.org/x", Literal("http://example.org/x")),  # IRIs need <...>
        ('" } ; DROP ALL', Literal('" } ; DROP ALL')),
        ("", Literal("")),
    ],
)
def test_parameter_values_are_typed(raw, expected):
    value = sparql.parse_value(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", ["<>", "<not an iri>", "<relative>", '<http://e/"x>'])
def test_bad_iri_parameters(raw):
    with pytest.raises(InputError, match="not a valid absolute IRI"):
        sparql.parse_value(raw)


def test_parse_param():
    assert sparql.parse_param("actor=ido:ico") == ("actor", ICO)
    assert sparql.parse_param("?x=a=b") == ("x", Literal("a=b"))
    for bad in ("noequals", "=v", "1x=v", "a b=v"):
        with pytest.raises(InputError, match="bad --param"):
            sparql.parse_param(bad)


def test_bindings_reach_filters_and_are_never_pasted(shipped_graph):
    text = "SELECT ?s WHERE { ?s skos:prefLabel ?l FILTER(STR(?l) = ?name) }"
    found = sparql.select(shipped_graph, text, {"name": Literal("Clearview AI")})
    assert [str(r[0]) for r in found.rows] == ["https://w3id.org/clearview-kg/id/org/clearview-ai"]
    evil = sparql.select(shipped_graph, text, {"name": Literal('Clearview AI" ) } UNION { ?s ?p ?o } #')})
    assert evil.rows == []
    size = len(shipped_graph)
    sparql.select(shipped_graph, text, {"name": Literal("} ; DROP ALL ; INSERT DATA { <a:b> <a:c> <a:d> }")})
    assert len(shipped_graph) == size


def test_named_query_binding_rules():
    query = catalog.get("actions-of-actor")
    assert catalog.bind_params(query, ["actor=ido:ico"]) == {"actor": ICO}
    with pytest.raises(InputError, match="needs an IRI"):
        catalog.bind_params(query, ["actor=ICO"])
    with pytest.raises(NotFoundError, match="did you mean 'actor'"):
        catalog.bind_params(query, ["actr=ido:ico"])
    with pytest.raises(InputError, match="needs --param actor=IRI"):
        catalog.bind_params(query, [])
    adhoc = catalog.from_text("SELECT ?a WHERE { ?a ?b ?c }")
    assert catalog.bind_params(adhoc, ["c=x"]) == {"c": Literal("x")}
    with pytest.raises(NotFoundError, match=r"no variable \?d"):
        catalog.bind_params(adhoc, ["d=x"])


def test_load_graphs_is_off():
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVIC\\u0045 <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . { SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
        "ASK { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_when_preparing(text):
    with pytest.raises(QueryRefused, match="SERVICE"):
        sparql.prepare(text)


def test_service_is_refused_by_the_evaluation_hook_too():
    """Even SPARQL that does not go through core.sparql (pySHACL's, a plain graph.query) cannot
    reach the network while clearview_kg.core.sparql is imported."""
    graph = Graph()
    graph.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c")))
    with pytest.raises(QueryRefused):
        list(graph.query("SELECT * WHERE { ?s ?p ?o . SERVICE <http://127.0.0.1:9/> { ?s ?p ?x } }"))
    assert "clearview_kg_refuse_service" in rdflib.plugins.sparql.CUSTOM_EVALS


@pytest.mark.parametrize(
    "text",
    ["SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "SELECT * FROM NAMED <http://e/g> WHERE { ?s ?p ?o }"],
)
def test_from_is_refused(text):
    with pytest.raises(QueryRefused, match="FROM"):
        sparql.prepare(text)


def test_syntax_error_position():
    with pytest.raises(InputError) as info:
        sparql.prepare("SELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = ) }", "my.rq")
    assert str(info.value).startswith("my.rq:3:3: ")


def test_updates_are_not_queries():
    for text in ("INSERT DATA { <a:b> <a:c> <a:d> }", "DELETE WHERE { ?s ?p ?o }", "LOAD <http://e/>", "CLEAR ALL"):
        with pytest.raises(InputError, match="Update"):
            sparql.prepare(text)


def test_deeply_nested_query_is_an_input_error():
    text = "SELECT * WHERE " + "{ " * 300 + "?s ?p ?o" + " }" * 300
    with pytest.raises(InputError):
        sparql.prepare(text)


def test_result_kinds(shipped_graph):
    assert isinstance(sparql.run(shipped_graph, "ASK { ?f a cv:Fine }"), sparql.AskResult)
    constructed = sparql.run(shipped_graph, "CONSTRUCT { ?f a cv:Fine } WHERE { ?f a cv:Fine }")
    assert isinstance(constructed, sparql.GraphResult) and len(constructed.graph) >= 3
    with pytest.raises(InputError, match="expected a SELECT"):
        sparql.select(shipped_graph, "ASK { ?s ?p ?o }")


def test_query_variables():
    assert sparql.query_variables("SELECT ?a WHERE { ?a ?b ?c FILTER(?d > 1) }") >= {"a", "b", "c", "d"}
