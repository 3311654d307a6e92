"""RDF exports written straight from the Oxigraph store, without an rdflib copy of the graph.

The files are the ones core.export_rdf describes - the same triples, the same named graph per
source article, the same JSON-LD context - and core.export_rdf stays the writer for graphs
that rdflib holds (a graph fetched from a --endpoint, graphs built by code). The difference is
memory and time: core.export_rdf holds the graph in rdflib at least twice (the facts, then the
dataset or the serializer's indexes), 2-4 GiB and 75-97 s at 10^6 triples; here the triples are
read from the store's indexes subject by subject and written as they come.

- **The facts** are the store's default graph less the ontology's second copy in its named
  graph (core.oxigraph_store), less the descriptions of the actions a filter drops: the
  triples whose subject is a dropped node (a dropped action or disagreement and the blank
  nodes below it) - the same triples core.export_rdf.select drops.
- **Named graphs** (TriG, N-Quads): ``Split`` decides, triple by triple, the graphs core.export_rdf.to_dataset
  puts it in, from a few maps built once (derivation -> its source's graph, claim -> its
  sources' graphs, blank node -> the graphs of the descriptions it belongs to).
- **N-Triples, N-Quads**: one line per triple or quad, sorted and without duplicates (as
  core.export_rdf writes them); lines are sorted in runs of ``LINES_PER_RUN`` in temporary
  files and merged, so memory does not grow with the graph.
- **Turtle, TriG, JSON-LD**: subjects in order (IRIs by IRI, then blank nodes by label),
  ``rdf:type`` first and then predicates by IRI, objects by their N-Triples form. A blank node
  that the file mentions once as an object, with all its own triples in the same graph, is
  written nested (``[ ... ]``, an embedded node object); every other blank node by its label,
  so that blank nodes shared between graphs stay one node. One pass over the facts counts those
  mentions first; memory is one entry per subject and per blank node, not per triple.

Literal forms are the store's (core.oxigraph_store: Oxigraph keeps numbers in canonical form
and every integer type as ``xsd:integer``), with the same ``.0`` on whole decimals that
core.oxigraph_store.Terms gives rdflib, so both writers write the same terms.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from . import progress
from .export_rdf import GRAPH_NS, graph_iri
from .jsonld_context import CONTEXT_IRI
from .namespaces import ONTOLOGY_GRAPH_IRI, PREFIXES
from .oxigraph_store import ONTOLOGY_GRAPH, XSD_DECIMAL, XSD_STRING, OxigraphStore, decimal_lexical

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV_NS = "http://www.w3.org/ns/prov#"
CV_NS = PREFIXES["cv"]
RDF_TYPE = ox.NamedNode(RDF_NS + "type")
WAS_DERIVED_FROM = ox.NamedNode(PROV_NS + "wasDerivedFrom")
QUALIFIED_DERIVATION = ox.NamedNode(PROV_NS + "qualifiedDerivation")
ENTITY = ox.NamedNode(PROV_NS + "entity")
CV_VERSION = ox.NamedNode(CV_NS + "Version")
CV_ABOUT = ox.NamedNode(CV_NS + "about")
CV_DISAGREEMENT = ox.NamedNode(CV_NS + "Disagreement")

#: Lines sorted in memory at a time (N-Triples, N-Quads); more go to sorted temporary files.
LINES_PER_RUN = 200_000
#: Blank nodes nested deeper than this are written by label (a long RDF list stays flat).
MAX_NESTING = 32
CHUNK_CHARS = 1 << 20
STREAMED_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
_NONE: frozenset = frozenset()
_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_DG = ox.DefaultGraph()
#: Characters Python's (and so rdflib's) line readers take for line breaks, which Oxigraph
#: writes as they are: escaped, so that every reader sees one triple per line.
_LINE_BREAKS = str.maketrans({c: f"\\u{ord(c):04X}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


# --- the facts --------------------------------------------------------------------------------


class Facts:
    """The triples to export from an Oxigraph store, as pyoxigraph ``(s, p, o)`` tuples."""

    def __init__(self, store: OxigraphStore, with_ontology: bool = False,
                 dropped: frozenset = _NONE) -> None:
        self.store = store
        self._ox = store.ox
        self._ontology = _NONE if with_ontology else store.ontology_triples()
        self._ontology_subjects = frozenset(t[0] for t in self._ontology)
        self.dropped = dropped

    def triples(self, s=None, p=None, o=None) -> Iterator[tuple]:
        ontology, in_ontology, dropped = self._ontology, self._ontology_subjects, self.dropped
        for quad in self._ox.quads_for_pattern(s, p, o, _DG):
            subject = quad.subject
            if subject in dropped:
                continue
            triple = (subject, quad.predicate, quad.object)
            if subject in in_ontology and triple in ontology:
                continue
            yield triple

    def objects(self, s, p) -> list:
        return [t[2] for t in self.triples(s, p, None)]

    def subjects(self, p, o) -> list:
        return [t[0] for t in self.triples(None, p, o)]

    def closure(self, node, skip: Iterable = ()) -> set:
        """``node`` and the blank nodes its description reaches (core.export_rdf.description:
        objects followed through blank nodes; ``skip``: predicates of ``node`` not followed)."""
        skip = set(skip)
        seen = {node}
        todo = [(node, True)]
        while todo:
            subject, top = todo.pop()
            for _s, p, o in self.triples(subject, None, None):
                if top and p in skip:
                    continue
                if isinstance(o, ox.BlankNode) and o not in seen:
                    seen.add(o)
                    todo.append((o, False))
        return seen


def actions(facts: Facts, classes: Iterable) -> set:
    """The subjects typed with any of ``classes`` (pyoxigraph terms)."""
    found: set = set()
    for cls in classes:
        found.update(facts.subjects(RDF_TYPE, cls))
    return found


def dropped_nodes(facts: Facts, keep: set, classes: Iterable) -> frozenset:
    """The nodes whose triples a filter drops (core.export_rdf.select): each action not in
    ``keep``, each disagreement about dropped actions only, and the blank nodes below them."""
    dropped_actions = actions(facts, classes) - keep
    nodes: set = set()
    for action in dropped_actions:
        nodes |= facts.closure(action)
    for disagreement in facts.subjects(RDF_TYPE, CV_DISAGREEMENT):
        about = set(facts.objects(disagreement, CV_ABOUT))
        if about and about <= dropped_actions:
            nodes |= facts.closure(disagreement)
    return frozenset(nodes)


# --- which named graphs ------------------------------------------------------------------------


def _graph_of(source) -> str:
    return graph_iri(source.value)


class Split:
    """The named graphs (IRIs) a fact goes into, as core.export_rdf.to_dataset places it; an
    empty set means the default graph."""

    def __init__(self, facts: Facts, classes: Iterable) -> None:
        self.derivation_graph: dict = {}
        for _x, _p, derivation in facts.triples(None, QUALIFIED_DERIVATION, None):
            if derivation not in self.derivation_graph:
                entities = facts.objects(derivation, ENTITY)
                if entities:
                    self.derivation_graph[derivation] = _graph_of(min(entities, key=str))
        self.owners: dict = {}  # node -> graphs of the descriptions its triples belong to
        for derivation, graph in self.derivation_graph.items():
            for node in facts.closure(derivation):
                self.owners.setdefault(node, set()).add(graph)
        self.claim_graphs: dict = {}
        claims = actions(facts, classes) | set(facts.subjects(RDF_TYPE, CV_VERSION))
        for claim in claims:
            graphs = {_graph_of(source) for source in facts.objects(claim, WAS_DERIVED_FROM)}
            for derivation in facts.objects(claim, QUALIFIED_DERIVATION):
                graph = self.derivation_graph.get(derivation)
                if graph is not None:
                    graphs.add(graph)
            if not graphs:
                continue
            self.claim_graphs[claim] = frozenset(graphs)
            for node in facts.closure(claim, skip=(WAS_DERIVED_FROM, QUALIFIED_DERIVATION)):
                if node != claim:
                    self.owners.setdefault(node, set()).update(graphs)

    def graphs(self, s, p, o) -> frozenset:
        found = self.owners.get(s)
        out = set(found) if found else set()
        if p == QUALIFIED_DERIVATION:
            graph = self.derivation_graph.get(o)
            if graph is not None:
                out.add(graph)
        elif p == WAS_DERIVED_FROM:
            out.add(_graph_of(o))
        else:
            claim = self.claim_graphs.get(s)
            if claim:
                out |= claim
        if isinstance(o, ox.BlankNode):
            claim = self.claim_graphs.get(o)
            if claim:
                out |= claim
        return frozenset(out) if out else _NONE


class Layout:
    """What the file holds: the graphs in order (``None`` is the default graph), every quad,
    and the triples of one subject in one graph."""

    def __init__(self, facts: Facts, split: Split | None = None, ontology_graph: bool = False) -> None:
        self.facts = facts
        self.split = split
        self.ontology_graph = ontology_graph

    def _graphs(self, triple) -> Iterable:
        if self.split is None:
            return (None,)
        return self.split.graphs(*triple) or (None,)

    def quads(self) -> Iterator[tuple]:
        for triple in self.facts.triples():
            for graph in self._graphs(triple):
                yield (*triple, graph)
        if self.ontology_graph:
            for quad in self.facts.store.ox.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH):
                yield quad.subject, quad.predicate, quad.object, ONTOLOGY_GRAPH_IRI

    def pairs(self, subject, graph) -> list[tuple]:
        """(predicate, object) of ``subject`` in ``graph``."""
        if graph == ONTOLOGY_GRAPH_IRI and self.ontology_graph:
            return [(q.predicate, q.object)
                    for q in self.facts.store.ox.quads_for_pattern(subject, None, None, ONTOLOGY_GRAPH)]
        return [(p, o) for (_s, p, o) in self.facts.triples(subject, None, None)
                if graph in self._graphs((subject, p, o))]


# --- terms ------------------------------------------------------------------------------------


def _fixed(term):
    """A whole xsd:decimal gets its ``.0`` back, as core.oxigraph_store.Terms gives rdflib."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_DECIMAL:
        value = decimal_lexical(term.value)
        if value != term.value:
            return ox.Literal(value, datatype=term.datatype)
    return term


def nt(term) -> str:
    """The N-Triples form of a pyoxigraph term."""
    if isinstance(term, ox.Literal):
        return str(_fixed(term)).translate(_LINE_BREAKS)
    return str(term)


class Names:
    """Prefixed names for Turtle / TriG and compact IRIs for JSON-LD."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self._by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self._cache: dict[str, str | None] = {}

    def compact(self, iri: str) -> str | None:
        """``prefix:local`` for ``iri``, or None when no prefix fits (the longest namespace
        wins; the local part must be a plain name)."""
        found = self._cache.get(iri, False)
        if found is not False:
            return found
        found = None
        for prefix, ns in self._by_length:
            if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns):]) or iri == ns:
                found = f"{prefix}:{iri[len(ns):]}"
                break
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[iri] = found
        return found

    def turtle(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            if term == RDF_TYPE:
                return "a"
            return self.compact(term.value) or str(term)
        if isinstance(term, ox.Literal):
            if term.language or term.datatype.value == XSD_STRING:
                return nt(term)
            datatype = self.compact(term.datatype.value)
            if datatype is None:
                return nt(term)
            return nt(ox.Literal(_fixed(term).value)) + "^^" + datatype
        return str(term)

    def graph(self, iri: str) -> str:
        return self.compact(iri) or f"<{iri}>"

    def jsonld_id(self, term) -> str:
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value
        return self.compact(term.value) or term.value

    def jsonld_value(self, term):
        if isinstance(term, (ox.NamedNode, ox.BlankNode)):
            return {"@id": self.jsonld_id(term)}
        term = _fixed(term)
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": self.jsonld_id(term.datatype)}


def _subject_key(term):
    return (isinstance(term, ox.BlankNode), term.value)


def _pair_key(pair):
    p, o = pair
    return (p != RDF_TYPE, p.value, nt(o))


# --- N-Triples, N-Quads -----------------------------------------------------------------------


def triple_line(s, p, o) -> str:
    """The N-Triples line of a pyoxigraph triple."""
    return f"{nt(s)} {nt(p)} {nt(o)} .\n"


def _lines(layout: Layout, quads: bool) -> Iterator[str]:
    for s, p, o, graph in layout.quads():
        if quads and graph is not None:
            yield f"{nt(s)} {nt(p)} {nt(o)} <{graph}> .\n"
        else:
            yield triple_line(s, p, o)


def sorted_unique(lines: Iterable[str], per_run: int = LINES_PER_RUN) -> Iterator[str]:
    """``lines`` sorted, each once; beyond ``per_run`` lines, through sorted temporary files."""
    folder = None
    runs: list[str] = []
    handles: list = []
    try:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= per_run:
                folder = folder or tempfile.mkdtemp(prefix="cvkg-sort-")
                batch.sort()
                path = os.path.join(folder, f"run-{len(runs)}")
                with open(path, "w", encoding="utf-8", newline="\n") as run:
                    run.writelines(batch)
                runs.append(path)
                batch = []
        batch.sort()
        if runs:
            handles = [open(path, encoding="utf-8", newline="\n") for path in runs]
            merged: Iterable[str] = heapq.merge(batch, *handles)
        else:
            merged = batch
        last = None
        for line in merged:
            if line != last:
                yield line
                last = line
    finally:
        for handle in handles:
            handle.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


# --- Turtle, TriG, JSON-LD --------------------------------------------------------------------


class Nesting:
    """Which blank nodes are written nested: one pass over every quad of the file."""

    def __init__(self, layout: Layout, bar: progress.Bar | None = None) -> None:
        self.subjects: dict = {}  # graph -> set of subjects
        self._refs: dict = {}  # blank node -> (times mentioned as an object, graph of the last mention)
        self._subject_graphs: dict = {}  # blank node -> graphs holding its own triples
        self.quads = 0
        for s, _p, o, graph in layout.quads():
            self.quads += 1
            if bar is not None and self.quads % 10_000 == 0:
                bar.update(10_000)
            self.subjects.setdefault(graph, set()).add(s)
            if isinstance(o, ox.BlankNode):
                count, _ = self._refs.get(o, (0, None))
                self._refs[o] = (count + 1, graph)
            if isinstance(s, ox.BlankNode):
                self._subject_graphs.setdefault(s, set()).add(graph)

    def nested(self, node, graph) -> bool:
        count, where = self._refs.get(node, (0, None))
        if count != 1 or where != graph:
            return False
        own = self._subject_graphs.get(node)
        return own is None or own == {graph}

    def top_level(self, graph) -> list:
        """The subjects of ``graph`` written at the top, in order (nested ones left out)."""
        subjects = self.subjects.get(graph, ())
        return sorted((s for s in subjects if not (isinstance(s, ox.BlankNode) and self.nested(s, graph))),
                      key=_subject_key)

    def graphs(self) -> list:
        named = sorted(g for g in self.subjects if g is not None and g != ONTOLOGY_GRAPH_IRI)
        tail = [ONTOLOGY_GRAPH_IRI] if ONTOLOGY_GRAPH_IRI in self.subjects else []
        return ([None] if None in self.subjects else []) + named + tail


class _Writer:
    """Writes the subjects of each graph, nesting blank nodes (``Nesting``)."""

    def __init__(self, layout: Layout, nesting: Nesting, names: Names, bar: progress.Bar | None) -> None:
        self.layout = layout
        self.nesting = nesting
        self.names = names
        self.bar = bar
        self.written: set = set()

    def subjects(self, graph) -> Iterator:
        """Every subject of ``graph`` once: the top-level ones, then any blank node left over
        (a cycle of blank nodes, or one below ``MAX_NESTING``), by label."""
        for subject in self.nesting.top_level(graph):
            self.written.add(subject)
            yield subject
        left = sorted((s for s in self.nesting.subjects.get(graph, ()) if s not in self.written),
                      key=_subject_key)
        for subject in left:
            if subject not in self.written:  # not nested meanwhile below an earlier one
                self.written.add(subject)
                yield subject

    def pairs(self, subject, graph) -> list[tuple]:
        pairs = sorted(self.layout.pairs(subject, graph), key=_pair_key)
        if self.bar is not None:
            self.bar.update(len(pairs))
        return pairs

    def nest(self, node, graph, depth: int) -> bool:
        if (isinstance(node, ox.BlankNode) and depth < MAX_NESTING and node not in self.written
                and self.nesting.nested(node, graph)):
            self.written.add(node)
            return True
        return False

    # Turtle / TriG

    def turtle_pairs(self, pairs: list[tuple], graph, depth: int, indent: str) -> str:
        parts: list[str] = []
        current = None
        for p, o in pairs:
            obj = self.turtle_object(o, graph, depth, indent)
            if p == current:
                parts[-1] += " , " + obj
            else:
                parts.append(self.names.turtle(p) + " " + obj)
                current = p
        return (" ;\n" + indent).join(parts)

    def turtle_object(self, o, graph, depth: int, indent: str) -> str:
        if not self.nest(o, graph, depth + 1):
            return self.names.turtle(o)
        pairs = self.pairs(o, graph)
        if not pairs:
            return "[ ]"
        inner = indent + "    "
        return "[\n" + inner + self.turtle_pairs(pairs, graph, depth + 1, inner) + "\n" + indent + "]"

    def turtle_graph(self, graph, indent: str) -> Iterator[str]:
        for subject in self.subjects(graph):
            pairs = self.pairs(subject, graph)
            if pairs:
                body = self.turtle_pairs(pairs, graph, 0, indent + "    ")
                yield f"{indent}{self.names.turtle(subject)} {body} .\n"

    # JSON-LD

    def jsonld_node(self, subject, graph, depth: int, pairs: list[tuple] | None = None) -> dict:
        types: list = []
        values: dict = {}
        for p, o in pairs if pairs is not None else self.pairs(subject, graph):
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                types.append(self.names.jsonld_id(o))
            elif self.nest(o, graph, depth + 1):
                values.setdefault(self.names.jsonld_id(p), []).append(self.jsonld_node(o, graph, depth + 1))
            else:
                values.setdefault(self.names.jsonld_id(p), []).append(self.names.jsonld_value(o))
        node: dict = {} if depth else {"@id": self.names.jsonld_id(subject)}
        if types:
            node["@type"] = types[0] if len(types) == 1 else types
        return {**node, **values}


def _turtle(layout: Layout, names: Names, nesting: Nesting, bar, trig: bool) -> Iterator[str]:
    for prefix, ns in names.prefixes.items():
        yield f"@prefix {prefix}: <{ns}> .\n"
    writer = _Writer(layout, nesting, names, bar)
    for graph in nesting.graphs():
        yield "\n"
        if graph is None or not trig:
            yield from writer.turtle_graph(graph, "")
            continue
        yield names.graph(graph) + " {\n"
        yield from writer.turtle_graph(graph, "    ")
        yield "}\n"


def _jsonld(layout: Layout, names: Names, nesting: Nesting, bar) -> Iterator[str]:
    writer = _Writer(layout, nesting, names, bar)
    yield '{\n  "@context": ' + json.dumps(CONTEXT_IRI) + ',\n  "@graph": ['
    first = True
    for subject in writer.subjects(None):
        pairs = writer.pairs(subject, None)
        if not pairs:
            continue
        text = json.dumps(writer.jsonld_node(subject, None, 0, pairs), indent=2, ensure_ascii=False)
        yield ("\n" if first else ",\n") + "    " + text.replace("\n", "\n    ")
        first = False
    yield ("\n  ]\n}\n" if not first else "]\n}\n")


# --- the export -------------------------------------------------------------------------------


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def layout_for(store: OxigraphStore, fmt: str, classes: Iterable, keep: set | None = None,
               with_ontology: bool = False) -> Layout:
    """The facts of ``store`` as ``fmt`` places them; ``keep``: the actions a filter keeps
    (None keeps all); ``classes``: the action classes (pyoxigraph terms)."""
    quads = fmt in ("nquads", "trig")
    facts = Facts(store, with_ontology=with_ontology and not quads)
    if keep is not None:
        facts = Facts(store, with_ontology=with_ontology and not quads,
                      dropped=dropped_nodes(facts, keep, classes))
    split = Split(facts, classes) if quads else None
    return Layout(facts, split, ontology_graph=with_ontology and quads)


def chunks(store: OxigraphStore, fmt: str, classes: Iterable, keep: set | None = None,
           with_ontology: bool = False) -> Iterator[bytes]:
    """The file, in chunks of about a MiB, for ``fmt`` (one of ``STREAMED_FORMATS``)."""
    layout = layout_for(store, fmt, classes, keep, with_ontology)
    if fmt in ("ntriples", "nquads"):
        with progress.bar(f"Writing {fmt}", total=store.triple_count(), unit="triples") as bar:
            def counted(lines):
                for n, line in enumerate(lines, 1):
                    if n % 10_000 == 0:
                        bar.update(10_000)
                    yield line

            yield from _encoded(sorted_unique(counted(_lines(layout, fmt == "nquads"))))
        return
    prefixes = dict(PREFIXES)
    if fmt == "trig":
        prefixes["srcgraph"] = GRAPH_NS
    names = Names(prefixes)
    with progress.bar("Reading the graph", total=store.triple_count(), unit="triples") as bar:
        nesting = Nesting(layout, bar)
    with progress.bar(f"Writing {fmt}", total=nesting.quads, unit="triples") as bar:
        if fmt == "jsonld":
            yield from _encoded(_jsonld(layout, names, nesting, bar))
        else:
            yield from _encoded(_turtle(layout, names, nesting, bar, trig=fmt == "trig"))
