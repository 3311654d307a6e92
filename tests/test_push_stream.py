"""What cvkg push sends, streamed from the store (core.push_stream, core.bnodes.batches),
against rdflib's reading of the same graph: the whole graph and each named graph of the TriG
export, cut into requests that each parse on their own (the server gives every request its own
blank node scope) and still add up to the graph. The round trip through real servers is in
tests/test_endpoint_oxigraph.py and tests/test_endpoint_virtuoso.py."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph

from clearview_kg.core import bnodes, export_rdf, push_stream
from clearview_kg.core.oxigraph_store import OxigraphStore
from clearview_kg.core.source import DEFAULT_GRAPH
from servers import same_graph

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.* is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]


def _requests(lines, size: int) -> list[Graph]:
    """``lines`` cut as push cuts them, each request parsed on its own."""
    graphs = []
    for batch in bnodes.batches(lines, size, push_stream.line_blanks):
        graph = Graph()
        graph.parse(data="".join(batch), format="nt")
        graphs.append(graph)
    return graphs


def _union(graphs: list[Graph]) -> Graph:
    out = Graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out


@pytest.fixture(scope="module")
def shipped():
    store = OxigraphStore.from_files()
    return store, store.memory_graph()


def test_the_whole_graph_in_small_requests_is_the_graph(shipped):
    store, graph = shipped
    lines = list(push_stream.whole(store))
    assert len(lines) == len(graph) == store.triple_count()
    requests = _requests(lines, 50)
    assert len(requests) > 10
    assert same_graph(_union(requests), graph)


def test_no_blank_node_is_split_between_requests(shipped):
    store, _graph = shipped
    owner: dict = {}
    batches = list(bnodes.batches(push_stream.whole(store), 50, push_stream.line_blanks))
    for number, batch in enumerate(batches):
        for text in batch:
            for label in push_stream.line_blanks(text):
                assert owner.setdefault(label, number) == number, label
    assert owner  # the shipped graph has blank nodes (amounts, OWL restrictions)
    assert max(len(b) for b in batches[:-1]) >= 50  # full requests, not one per triple


def test_named_graphs_are_the_trig_exports(shipped):
    """Each named graph, in IRI order, is the graph core.export_rdf.to_dataset builds, and
    the ontology's graph is the ontology."""
    store, graph = shipped
    ontology = OxigraphStore.from_files(include_shipped=False).memory_graph()
    classes = export_rdf.action_classes(graph)
    dataset: Dataset = export_rdf.to_dataset(graph - ontology, classes, ontology)
    expected = {str(g.identifier): g for g in dataset.graphs()
                if g.identifier != dataset.default_graph.identifier and len(g)}
    got = {}
    order = []
    for name, what, lines in push_stream.named(store, [ox.NamedNode(str(c)) for c in classes]):
        order.append(name)
        got[name] = (what, _union(_requests(lines, 40)))
    assert order == sorted(expected)
    assert got[str(export_rdf.ONTOLOGY_GRAPH)][0] == push_stream.ONTOLOGY
    for name, sent in expected.items():
        what, back = got[name]
        copy = Graph()
        for triple in sent:
            copy.add(triple)
        assert same_graph(back, copy), name
        if name != str(export_rdf.ONTOLOGY_GRAPH):
            assert what == push_stream.ONE_SOURCE


@pytest.mark.parametrize("text, blanks", [
    ("<urn:a> <urn:p> <urn:b> .\n", []),
    ("_:s1 <urn:p> <urn:b> .\n", ["_:s1"]),
    ("<urn:a> <urn:p> _:o2 .\n", ["_:o2"]),
    ("_:s1 <urn:p> _:o2 .\n", ["_:s1", "_:o2"]),
    ('<urn:a> <urn:p> "text with _:x and  spaces" .\n', []),
    ('_:s1 <urn:p> "_:x"@en .\n', ["_:s1"]),
])
def test_line_blanks(text, blanks):
    assert push_stream.line_blanks(text) == blanks


def test_batches_keep_structures_whole_and_stream_the_rest():
    """Ground triples go out in order as they come; each structure stays in one list, even one
    longer than the size."""
    b1, b2, b3 = BNode("x"), BNode("y"), BNode("z")
    ground = [(f"g{i}", "p", "o") for i in range(5)]
    chain = [(b1, "p", b2), (b2, "p", b3), ("s", "p", b3)]
    lone = [(BNode("w"), "p", "o")]
    triples = ground[:2] + chain[:1] + ground[2:] + lone + chain[1:]
    batches = list(bnodes.batches(triples, 2, bnodes.rdflib_blanks))
    assert batches[0] == ground[:2] and batches[1] == ground[2:4]
    holding = [b for b in batches if set(chain) & set(b)]
    assert len(holding) == 1 and set(chain) <= set(holding[0])
    assert sorted(map(str, sum(batches, []))) == sorted(map(str, triples))
    assert [t for b in batches for t in b if not bnodes.rdflib_blanks(t)] == ground


def test_export_graphs_are_not_the_whole_graph():
    assert push_stream.is_export_graph(export_rdf.GRAPH_NS + "004")
    assert push_stream.is_export_graph(export_rdf.OTHER_GRAPH_NS + "abc")
    assert push_stream.is_export_graph(str(export_rdf.ONTOLOGY_GRAPH))
    assert not push_stream.is_export_graph(DEFAULT_GRAPH)
    assert not push_stream.is_export_graph("https://example.org/clearview-copy")
