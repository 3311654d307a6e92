"""RDF exports round-trip: each file parses back to a graph isomorphic to the one exported
(rdflib.compare); TriG and N-Quads to a Dataset whose graphs are, graph by graph, the ones
exported, one named graph per source article; JSON-LD uses the published context by IRI and
is read with the packaged copy, never fetched."""
from __future__ import annotations

import json
import socket
import urllib.request

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import RDF

from clearview_kg.core import export_rdf, network, store
from clearview_kg.core.namespaces import PREFIXES

# rdflib's own N-Quads parser and serializer use its deprecated Dataset API.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.* is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

PROV = "http://www.w3.org/ns/prov#"
SRC = "https://w3id.org/clearview-kg/id/source/"


@pytest.fixture(scope="module")
def facts(shipped_graph) -> Graph:
    """The exported graph: the shipped facts without the ontology."""
    return shipped_graph - store.load_graph(include_shipped=False)


@pytest.fixture(scope="module")
def classes(shipped_graph):
    return export_rdf.action_classes(shipped_graph)


@pytest.fixture(scope="module")
def facts_hash(facts):
    """Canonical hash of the exported graph, computed once (what isomorphic() compares)."""
    return to_isomorphic(facts).internal_hash()


def same_graph(a: Graph, b: Graph, a_hash=None) -> bool:
    """rdflib.compare.isomorphic, with the first graph's canonical hash reusable."""
    if len(a) != len(b):
        return False
    return (a_hash or to_isomorphic(a).internal_hash()) == to_isomorphic(b).internal_hash()


@pytest.fixture(scope="module")
def dataset(facts, classes) -> Dataset:
    return export_rdf.build(facts, "trig", classes)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_graph_formats_round_trip(fmt, facts, classes, facts_hash):
    data = export_rdf.serialize(export_rdf.build(facts, fmt, classes), fmt)
    back = export_rdf.parse_export(data, fmt)
    assert len(back) == len(facts) > 1500
    assert same_graph(facts, back, facts_hash)


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_quad_formats_round_trip_graph_by_graph(fmt, dataset):
    data = export_rdf.serialize(dataset, fmt)
    back = export_rdf.parse_export(data, fmt)
    exported = {g.identifier: g for g in dataset.graphs() if len(g)}
    parsed = {g.identifier: g for g in back.graphs() if len(g)}
    assert set(parsed) == set(exported)
    for name, graph in exported.items():
        assert same_graph(graph, parsed[name]), name


def test_union_of_the_dataset_is_exactly_the_graph(dataset, facts, facts_hash):
    """No triple is lost or invented by the split into named graphs; blank nodes shared
    between graphs (amounts of an action reported by two sources) stay one node."""
    assert same_graph(facts, export_rdf.union(dataset), facts_hash)
    back = export_rdf.parse_export(export_rdf.serialize(dataset, "nquads"), "nquads")
    assert same_graph(facts, export_rdf.union(back), facts_hash)


def test_one_named_graph_per_source_article(dataset, facts):
    sources = {s for s in facts.subjects(RDF.type, URIRef(PREFIXES["cv"] + "SourceArticle"))}
    names = {g.identifier for g in dataset.graphs() if len(g)} - {dataset.default_graph.identifier}
    assert names == {export_rdf.graph_name(s) for s in sources}
    assert URIRef("https://w3id.org/clearview-kg/id/graph/source/002") in names


def test_each_source_graph_holds_only_its_own_quotes(dataset):
    """Every derivation in graph NNN has prov:entity src:NNN, and every action there is
    derived from src:NNN: which source says what."""
    for graph in dataset.graphs():
        name = str(graph.identifier)
        if not name.startswith(export_rdf.GRAPH_NS):
            continue
        source = URIRef(SRC + name[len(export_rdf.GRAPH_NS):])
        entities = set(graph.objects(None, URIRef(PROV + "entity")))
        assert entities == {source}, (name, entities)
        for subject in graph.subjects(URIRef(PROV + "qualifiedDerivation"), None):
            assert (subject, URIRef(PROV + "wasDerivedFrom"), source) in graph


def test_an_action_from_two_sources_is_in_both_graphs_with_its_own_quotes(dataset):
    action = URIRef("https://w3id.org/clearview-kg/id/action/ico-proposed-fine")
    g001 = dataset.graph(export_rdf.graph_name(URIRef(SRC + "001")))
    g002 = dataset.graph(export_rdf.graph_name(URIRef(SRC + "002")))
    for graph in (g001, g002):
        assert (action, RDF.type, URIRef(PREFIXES["cv"] + "ProposedFine")) in graph
    quotes_001 = {str(q) for d in g001.objects(action, URIRef(PROV + "qualifiedDerivation"))
                  for q in g001.objects(d, URIRef(PREFIXES["cv"] + "quote"))}
    assert quotes_001 == {"De Britse privacytoezichthouder ICO is van plan datzelfde te doen."}
    # Actors and sources themselves are in the default graph.
    default = dataset.default_graph
    assert (URIRef("https://w3id.org/clearview-kg/id/org/ico"), RDF.type,
            URIRef(PREFIXES["cv"] + "DataProtectionAuthority")) in default


def test_with_ontology_is_a_named_graph(facts, classes, shipped_graph):
    ontology = store.load_graph(include_shipped=False)
    ds = export_rdf.build(facts, "trig", classes, ontology)
    assert len(ds.graph(export_rdf.ONTOLOGY_GRAPH)) == len(ontology)
    turtle = export_rdf.build(facts, "turtle", classes, ontology)
    assert len(turtle) == len(shipped_graph)


def test_filter_drops_excluded_actions_and_keeps_reference_data(facts, classes, shipped_graph):
    flt = network.NetworkFilter(action_types=frozenset({"Fine"}))
    keep = {URIRef(a.id) for a in network.derive(shipped_graph, flt).actions}
    selected = export_rdf.select(facts, keep, classes)
    kept_actions = export_rdf.actions_of(selected, classes)
    assert kept_actions == keep and len(keep) == 3
    assert (URIRef("https://w3id.org/clearview-kg/id/org/clearview-ai"), None, None) in selected
    assert (URIRef(SRC + "000"), None, None) in selected
    dropped = URIRef("https://w3id.org/clearview-kg/id/action/aclu-settlement")
    assert (dropped, None, None) not in selected
    # No derivation of a dropped action is left dangling.
    for d in selected.objects(None, URIRef(PROV + "qualifiedDerivation")):
        assert (d, URIRef(PROV + "entity"), None) in selected


# --- JSON-LD context ------------------------------------------------------------------------


def test_jsonld_references_the_published_context(facts, classes):
    document = json.loads(export_rdf.serialize(export_rdf.build(facts, "jsonld", classes), "jsonld"))
    assert document["@context"] == "https://w3id.org/clearview-kg/context.jsonld"
    assert document["@graph"] and any(node.get("@id", "").startswith("act:") for node in document["@graph"])


def test_packaged_context_covers_every_prefix():
    context = export_rdf.context_document()["@context"]
    assert context == PREFIXES


def test_reading_our_jsonld_never_touches_the_network(facts, classes, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access while reading JSON-LD")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    small = Graph()
    for triple in list(facts.triples((URIRef("https://w3id.org/clearview-kg/id/org/ico"), None, None))):
        small.add(triple)
    data = export_rdf.serialize(export_rdf.build(small, "jsonld", classes), "jsonld")
    back = export_rdf.read_jsonld(data)
    assert same_graph(small, back)


def test_a_foreign_remote_context_is_still_refused():
    from clearview_kg.core.errors import InputError

    data = json.dumps({"@context": "https://example.org/other.jsonld", "@id": "x"}).encode()
    with pytest.raises(InputError, match="context"):
        export_rdf.read_jsonld(data)
