"""What ``cvkg push`` sends, read from the Oxigraph store as N-Triples lines, without an rdflib
copy of the graph.

The graphs are the ones core.export_rdf describes for a TriG export, plus the whole graph:

- **the whole graph** (``--graph``, what the read commands query with --endpoint): every
  triple of the store's default graph, the ontology included, line by line as the store gives
  them;
- **one graph per source article, and the ontology's**: the quads of the streamed N-Quads
  export (core.export_rdf_stream: ``Split`` places each fact), sorted by graph in runs on disk
  (``sorted_unique``), so that each graph comes out whole, one after the other, in IRI order.
  Facts that no source claims stay in the whole graph only, as in the TriG export's default
  graph.

Memory holds one request's lines, the triples with blank nodes of the graph being sent (their
structures must each go in one request: core.bnodes.batches), the export's maps and one sort
run - not the graph. rdflib held it three times (the graph, the facts, the dataset): 5 GiB and
minutes at 10^6 triples.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .export_rdf import GRAPH_NS, OTHER_GRAPH_NS
from .export_rdf_stream import Facts, layout_for, sorted_unique, triple_line
from .namespaces import ONTOLOGY_GRAPH_IRI
from .oxigraph_store import OxigraphStore

WHOLE = "the whole graph (read by --endpoint)"
ONE_SOURCE = "what one source says"
ONTOLOGY = "the ontology"
_XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"


def line_blanks(text: str) -> list[str]:
    """The blank node labels an N-Triples line of ``triple_line`` mentions (subject, object). IRIs and
    blank node labels hold no spaces, so the object starts after the second space."""
    first = text.index(" ")
    found = [text[:first]] if text.startswith("_:") else []
    obj = text[text.index(" ", first + 1) + 1:]
    if obj.startswith("_:"):
        found.append(obj[:obj.index(" ")])
    return found


def is_export_graph(iri: str) -> bool:
    """Whether ``iri`` names, or could name, one of the graphs ``named`` sends."""
    return iri == ONTOLOGY_GRAPH_IRI or iri.startswith((GRAPH_NS, OTHER_GRAPH_NS))


def whole(store: OxigraphStore) -> Iterator[str]:
    """The lines of the whole graph: the store's default graph, the ontology included."""
    for triple in Facts(store, with_ontology=True).triples():
        yield triple_line(*triple)


def named(store: OxigraphStore, classes: Iterable) -> Iterator[tuple[str, str, Iterator[str]]]:
    """(graph IRI, what it holds, its lines) for each named graph of the TriG export, in IRI
    order; ``classes``: the action classes (pyoxigraph terms). Read each graph's lines before
    asking for the next graph (they come from one sorted stream)."""
    layout = layout_for(store, "nquads", classes, with_ontology=True)
    keyed = (f"{graph}\t{triple_line(s, p, o)}" for s, p, o, graph in layout.quads() if graph is not None)
    for graph, lines in itertools.groupby(sorted_unique(keyed), key=lambda text: text[:text.index("\t")]):
        start = len(graph) + 1
        yield graph, ONTOLOGY if graph == ONTOLOGY_GRAPH_IRI else ONE_SOURCE, (text[start:] for text in lines)


def durations(store: OxigraphStore) -> list[str]:
    """The lexical forms of the distinct xsd:duration literals of the default graph."""
    query = f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o FILTER(DATATYPE(?o) = <{_XSD_DURATION}>) }}"
    return sorted(solution["o"].value for solution in store.ox.query(query))
