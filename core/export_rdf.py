"""RDF exports: Turtle, N-Triples, JSON-LD (one graph) and TriG, N-Quads (one named graph per
source article).

This module writes graphs that rdflib holds (a graph fetched from a --endpoint, graphs built by
code and tests); the local store's graph is written by core.export_rdf_stream, which follows
the rules below without copying the graph into rdflib.

What is exported
----------------
The facts: the shipped graph/*.ttl plus any user files, without the ontology (which is
published on its own) unless ``with_ontology`` is set. Filters (``NetworkFilter``) drop the
actions they exclude, each with its provenance; disagreements about no remaining action are
dropped too; actors, laws, places, technology and sources always stay.

Named graphs: which source says what
------------------------------------
TriG and N-Quads keep the provenance in the graph structure. There is one named graph per
source article, named ``https://w3id.org/clearview-kg/id/graph/source/NNN`` for the source
``https://w3id.org/clearview-kg/id/source/NNN`` (``src:NNN``); a source outside that namespace
gets ``…/id/graph/source-iri/`` + the first 16 hex digits of the sha256 of its IRI.

- A *claim* - an action, or one version of a disagreement (cv:Version) - goes whole (its
  type, label, description, agent, target, date, amount, …) into the named graph of every
  source it is derived from, together with ``prov:wasDerivedFrom`` that source and the
  qualified derivations (quote, offsets, translation) whose ``prov:entity`` is that source.
  An action reported by two sources is therefore described in both graphs, but each graph
  holds only its own source's quotes.
- Anything else that cites a source (a post, an actor's organisational link, a law's date)
  keeps its description in the default graph; its ``prov:wasDerivedFrom`` and qualified
  derivations go into the source's graph.
- Everything else (actors, laws, places, technology, the sources themselves, disagreements
  without their versions) is in the default graph. With the ontology, its triples form the
  named graph ``https://w3id.org/clearview-kg/ontology``.

The union of the default graph and all named graphs is exactly the exported graph: no triple
is invented. Blank nodes (amounts, derivations, versions) may be shared between graphs of the
dataset, as RDF 1.1 allows; TriG and N-Quads write them with document-wide labels.

JSON-LD
-------
The document's ``@context`` is the IRI ``https://w3id.org/clearview-kg/context.jsonld``; the
same context ships as ``core/assets/context.jsonld`` (prefixes only), and ``read_jsonld``
parses our exports with that local copy, so nothing is ever fetched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from .jsonld_context import CONTEXT_IRI, context_document, inline_known_context
from .namespaces import ID, ONTOLOGY_GRAPH_IRI, PREFIXES

PROV_NS = "http://www.w3.org/ns/prov#"
WAS_DERIVED_FROM = URIRef(PROV_NS + "wasDerivedFrom")
QUALIFIED_DERIVATION = URIRef(PROV_NS + "qualifiedDerivation")
ENTITY = URIRef(PROV_NS + "entity")
CV_NS = PREFIXES["cv"]
CV_ACTION = URIRef(CV_NS + "Action")
CV_VERSION = URIRef(CV_NS + "Version")
CV_VERSION_PROP = URIRef(CV_NS + "version")
CV_ABOUT = URIRef(CV_NS + "about")
CV_DISAGREEMENT = URIRef(CV_NS + "Disagreement")

ONTOLOGY_GRAPH = URIRef(ONTOLOGY_GRAPH_IRI)
SOURCE_NS = ID + "source/"
GRAPH_NS = ID + "graph/source/"
OTHER_GRAPH_NS = ID + "graph/source-iri/"

#: format name (as on the command line) -> (rdflib serializer, file extension, media type)
RDF_FORMATS: dict[str, tuple[str, str, str]] = {
    "turtle": ("turtle", ".ttl", "text/turtle"),
    "ntriples": ("nt", ".nt", "application/n-triples"),
    "nquads": ("nquads", ".nq", "application/n-quads"),
    "trig": ("trig", ".trig", "application/trig"),
    "jsonld": ("json-ld", ".jsonld", "application/ld+json"),
}
QUAD_FORMATS = {"nquads", "trig"}


# --- what to export -------------------------------------------------------------------------


def subclasses(graph: Graph, root: URIRef) -> set[URIRef]:
    """``root`` and every class below it by rdfs:subClassOf (transitively)."""
    found = {root}
    todo = [root]
    while todo:
        cls = todo.pop()
        for sub in graph.subjects(RDFS.subClassOf, cls):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def action_classes(graph: Graph, ontology: Graph | None = None) -> set[URIRef]:
    """Classes at or below cv:Action, from ``graph`` and the ontology."""
    classes = subclasses(graph, CV_ACTION)
    if ontology is not None:
        classes |= subclasses(ontology, CV_ACTION)
    return classes


def actions_of(graph: Graph, classes: set[URIRef]) -> set[Node]:
    found: set[Node] = set()
    for cls in classes:
        found.update(graph.subjects(RDF.type, cls))
    return found


def description(graph: Graph, node: Node, skip: Iterable[URIRef] = ()) -> set[tuple]:
    """The concise bounded description of ``node``: its triples, following blank-node objects.

    Triples of ``node`` itself with a predicate in ``skip`` are left out (with what hangs
    below them)."""
    skip = set(skip)
    triples: set[tuple] = set()
    seen: set[Node] = {node}
    todo = [(node, True)]
    while todo:
        subject, top = todo.pop()
        for s, p, o in graph.triples((subject, None, None)):
            if top and p in skip:
                continue
            triples.add((s, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append((o, False))
    return triples


def select(graph: Graph, keep_actions: set[Node] | None, classes: set[URIRef]) -> Graph:
    """``graph`` without the actions not in ``keep_actions`` (None keeps all), and without
    disagreements about no remaining action."""
    if keep_actions is None:
        return graph
    out = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    drop: set[tuple] = set()
    all_actions = actions_of(graph, classes)
    dropped = all_actions - keep_actions
    for action in dropped:
        drop |= description(graph, action)
    for disagreement in graph.subjects(RDF.type, CV_DISAGREEMENT):
        about = set(graph.objects(disagreement, CV_ABOUT))
        if about and about <= dropped:
            drop |= description(graph, disagreement)
    for triple in graph:
        if triple not in drop:
            out.add(triple)
    return out


# --- the dataset ----------------------------------------------------------------------------


def graph_iri(source: str) -> str:
    """The IRI of the named graph of the source article ``source`` (its IRI, or the lexical
    form of whatever else a derivation names)."""
    if source.startswith(SOURCE_NS) and source[len(SOURCE_NS):]:
        return GRAPH_NS + source[len(SOURCE_NS):]
    return OTHER_GRAPH_NS + hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def graph_name(source: Node) -> URIRef:
    """The named graph of one source article."""
    return URIRef(graph_iri(str(source)))


def _bind_all(target: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        target.bind(prefix, ns, override=True, replace=True)
    target.bind("srcgraph", GRAPH_NS, override=True, replace=True)


def to_dataset(
    facts: Graph, classes: set[URIRef], ontology: Graph | None = None
) -> Dataset:
    """Split ``facts`` into a default graph and one named graph per source (module doc)."""
    dataset = Dataset(default_union=False)
    _bind_all(dataset)
    per_source: dict[URIRef, set[tuple]] = {}
    placed: set[tuple] = set()

    def put(source: Node, triples: Iterable[tuple]) -> None:
        triples = set(triples)
        per_source.setdefault(graph_name(source), set()).update(triples)
        placed.update(triples)

    # Provenance of everything that cites a source.
    for subject, derivation in facts.subject_objects(QUALIFIED_DERIVATION):
        source = facts.value(derivation, ENTITY)
        if source is None:
            continue
        put(source, {(subject, QUALIFIED_DERIVATION, derivation)} | description(facts, derivation))
    for subject, source in facts.subject_objects(WAS_DERIVED_FROM):
        put(source, {(subject, WAS_DERIVED_FROM, source)})

    # Claims: actions and versions go whole into each of their sources' graphs.
    claims = actions_of(facts, classes) | set(facts.subjects(RDF.type, CV_VERSION))
    for claim in claims:
        sources = set(facts.objects(claim, WAS_DERIVED_FROM))
        for derivation in facts.objects(claim, QUALIFIED_DERIVATION):
            entity = facts.value(derivation, ENTITY)
            if entity is not None:
                sources.add(entity)
        if not sources:
            continue
        own = description(facts, claim, skip=(WAS_DERIVED_FROM, QUALIFIED_DERIVATION))
        if isinstance(claim, BNode):  # a version: also the link from its disagreement
            own |= {(s, p, claim) for s, p in facts.subject_predicates(claim)}
        for source in sources:
            put(source, own)

    default = dataset.default_graph
    for triple in facts:
        if triple not in placed:
            default.add(triple)
    for name in sorted(per_source):
        named = dataset.graph(name)
        for triple in per_source[name]:
            named.add(triple)
    if ontology is not None and len(ontology):
        named = dataset.graph(ONTOLOGY_GRAPH)
        for triple in ontology:
            named.add(triple)
    return dataset


def union(dataset: Dataset) -> Graph:
    """All triples of all graphs of ``dataset``, in one graph."""
    merged = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    return merged


# --- serialising ----------------------------------------------------------------------------


def _sorted_lines(text: str) -> bytes:
    lines = sorted({line for line in text.split("\n") if line.strip()})  # not splitlines(): U+2028 is no line break here
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def build(facts: Graph, fmt: str, classes: set[URIRef], ontology: Graph | None = None):
    """The rdflib object to serialise for ``fmt``: a Graph, or a Dataset for quad formats."""
    if fmt in QUAD_FORMATS:
        return to_dataset(facts, classes, ontology)
    graph = Graph(bind_namespaces="none")
    _bind_all(graph)
    graph += facts
    if ontology is not None:
        graph += ontology
    return graph


def serialize(data: Graph, fmt: str) -> bytes:
    """Serialise a Graph (or, for TriG / N-Quads, a Dataset) in export format ``fmt``."""
    rdflib_format = RDF_FORMATS[fmt][0]
    if fmt == "jsonld":
        context = context_document()["@context"]
        text = data.serialize(format="json-ld", context=context, auto_compact=True)
        document = json.loads(text)
        if isinstance(document, dict) and "@context" in document:
            document = {"@context": CONTEXT_IRI, **{k: v for k, v in document.items() if k != "@context"}}
        else:  # an empty graph serialises as a bare list
            document = {"@context": CONTEXT_IRI, "@graph": document if isinstance(document, list) else [document]}
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    text = data.serialize(format=rdflib_format)
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if fmt in ("ntriples", "nquads"):
        return _sorted_lines(text)
    return text.encode("utf-8")


def read_jsonld(data: bytes, name: str = "<json-ld>") -> Graph:
    """Parse a JSON-LD export of ours; rdfio swaps our context IRI for the packaged copy and
    refuses any other external context, so nothing is fetched."""
    from . import rdfio

    return rdfio.parse_rdf(data, "json-ld", name)


def parse_export(data: bytes, fmt: str) -> Graph:
    """Read back an export of ours: a Graph, or a Dataset for TriG / N-Quads."""
    if fmt == "jsonld":
        return read_jsonld(data)
    if fmt in QUAD_FORMATS:
        dataset = Dataset(default_union=False)
        dataset.parse(data=data, format=RDF_FORMATS[fmt][0])
        return dataset
    graph = Graph()
    graph.parse(data=data, format=RDF_FORMATS[fmt][0])
    return graph


__all__ = [
    "CONTEXT_IRI",
    "ONTOLOGY_GRAPH",
    "QUAD_FORMATS",
    "RDF_FORMATS",
    "action_classes",
    "build",
    "context_document",
    "graph_name",
    "inline_known_context",
    "parse_export",
    "read_jsonld",
    "select",
    "serialize",
    "to_dataset",
    "union",
]
