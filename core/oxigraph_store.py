"""The embedded Oxigraph store (pyoxigraph): the graph behind every local command.

Why Oxigraph: on the benchmarks (benchmarks/RESULTS.md) it loads a million triples about ten
times faster than rdflib's in-memory store, in less than half the memory, and answers the named
queries 10-300 times faster. The rest of the code keeps speaking rdflib:

- ``OxigraphStore.run`` / ``select`` run SPARQL on Oxigraph and return ``core.sparql`` results
  whose terms are rdflib terms (``to_rdflib``), so output code does not change;
- ``OxigraphStore.graph()`` is an rdflib ``Graph`` *view* over the store (``TripleView``, an
  rdflib store plugin answering triple patterns from Oxigraph's indexes), for code that walks
  triples (the network derivation, labels, exports). It is read-only;
- ``OxigraphStore.memory_graph()`` copies every triple into rdflib's own in-memory store, for
  pySHACL: never hand pySHACL the view (it is much slower there, and an Oxigraph-backed graph
  returns plain literals as xsd:string, which pySHACL reports as false ``sh:datatype``
  violations).

Terms: a literal typed ``xsd:string`` comes back as a plain rdflib ``Literal`` (no datatype),
as rdflib's own parsers make it, so both stores give the same terms. Blank nodes keep
Oxigraph's labels (stable for the life of a store on disk).

Queries: the text is checked before Oxigraph sees it, because Oxigraph would send SERVICE
requests over HTTP: user text is parsed by rdflib (``core.sparql.prepare``: SERVICE, FROM /
FROM NAMED and updates refused, errors with a position); the packaged named queries (fixed
text shipped with the package, tested to contain neither) skip that parse, which costs more
than many queries take on Oxigraph. Parameters are bound as a VALUES block of escaped terms
(``core.endpoint.bind_values``, the same as for remote endpoints), never pasted as text.

Loading (``load_into``): Turtle, N-Triples, N-Quads and TriG stream into Oxigraph's bulk
loader (its parsers are strict and never fetch anything); quads land in the default graph, as
they merge into one graph with rdflib. The ontology's files land there too, and a second copy
of the same quads (the same blank nodes) in the named graph ``ONTOLOGY_GRAPH`` - queries see
one graph, and "the facts" (what the RDF exports write, core.export_rdf_stream) are the default
graph less that copy, without comparing blank node structures. ``triple_count`` counts the
default graph only. JSON-LD and RDF/XML go through ``core.rdfio``'s
checked rdflib parsers first (remote contexts and entity blow-ups refused) and are then copied
in. Where the store lives, and when it is rebuilt, is ``core.store_cache``'s business.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.store import Store as RdflibStore
from rdflib.term import Node

from . import limits, progress, rdfio, resources, sparql
from .errors import InputError
from .namespaces import ONTOLOGY_GRAPH_IRI, PREFIXES
from .store import Store

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

#: rdflib format name (core.rdfio.FORMATS) -> Oxigraph format, for the formats Oxigraph reads
#: directly. The others go through rdfio's checked rdflib parsers.
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
_QUAD_FORMATS = {"nquads", "trig"}
_CACHE_LIMIT = 200_000
ONTOLOGY_GRAPH = ox.NamedNode(ONTOLOGY_GRAPH_IRI)
_WHOLE = re.compile(r"[+-]?[0-9]+")


def decimal_lexical(value: str) -> str:
    """The lexical form rdflib's parser keeps for an xsd:decimal that Oxigraph stores in
    canonical form: a whole number gets its ``.0`` back (Oxigraph writes 17000000.0 as
    17000000); anything else, an ill-typed value included, stays as it is."""
    return value + ".0" if _WHOLE.fullmatch(value) else value


# --- terms -----------------------------------------------------------------------------------


def literal_parts(term: "ox.Literal") -> tuple[str, str | None, str | None]:
    """An Oxigraph literal as rdflib has it: (lexical form, language tag, datatype IRI), the
    datatype None for a plain or language-tagged string, a whole decimal with its ``.0``
    (``decimal_lexical``)."""
    if term.language:
        return term.value, term.language, None
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return term.value, None, None
    return (decimal_lexical(term.value) if datatype == XSD_DECIMAL else term.value), None, datatype


class Terms:
    """Converts terms between pyoxigraph and rdflib, remembering recent conversions."""

    def __init__(self) -> None:
        self._to_rdflib: dict = {}

    def to_rdflib(self, term) -> Node | None:
        if term is None:
            return None
        cache = self._to_rdflib
        found = cache.get(term)
        if found is not None:
            return found
        if isinstance(term, ox.NamedNode):
            found = URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            found = BNode(term.value)
        elif isinstance(term, ox.Literal):
            value, language, datatype = literal_parts(term)
            found = Literal(value, lang=language, datatype=None if datatype is None else URIRef(datatype))
        else:
            raise InputError(f"RDF-star triple terms are not supported: {term}")
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[term] = found
        return found


def to_oxigraph(term: Node | None):
    """An rdflib term as a pyoxigraph term (None stays None). Raises ValueError for a term
    Oxigraph cannot hold (an IRI with spaces, say)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term: {term!r}")


# --- query text ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _packaged_queries() -> frozenset[str]:
    return frozenset(f.read_text() for f in resources.query_files())


def check_query(text: str, name: str) -> None:
    """Refuse what must never reach Oxigraph (see the module's docstring)."""
    limits.check_query_size(text, name)
    if text not in _packaged_queries():
        sparql.prepare(text, name)


def _query_error(exc: Exception, name: str) -> InputError:
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SyntaxError):
        return InputError(f"{name}: {message}")
    return InputError(f"{name}: cannot evaluate: {message}")


# --- the store -------------------------------------------------------------------------------


class TripleView(RdflibStore):
    """A read-only rdflib store plugin answering triple patterns from an OxigraphStore."""

    context_aware = False
    formula_aware = False
    transaction_aware = False
    graph_aware = False

    def __init__(self, owner: "OxigraphStore") -> None:
        super().__init__()
        self.owner = owner
        self._namespaces: dict[str, URIRef] = {}
        self._prefixes: dict[URIRef, str] = {}

    def triples(self, triple_pattern, context=None) -> Iterator:
        owner = self.owner
        try:
            pattern = [to_oxigraph(t) for t in triple_pattern]
        except ValueError:
            return
        convert = owner.terms.to_rdflib
        for quad in owner.ox.quads_for_pattern(pattern[0], pattern[1], pattern[2], ox.DefaultGraph()):
            yield (convert(quad.subject), convert(quad.predicate), convert(quad.object)), iter(())

    def pairs(self, prop: URIRef, literal: Callable) -> Iterator[tuple[Node, object]]:
        """(subject, object) of every triple with the predicate ``prop``, as rdflib's
        ``subject_objects(prop)`` gives them but without its per-triple wrapping (the scans of
        core.network), and each literal made by ``literal(lexical form, language, datatype)``
        from ``literal_parts`` (the datatype as a URIRef) instead of as an rdflib Literal."""
        convert = self.owner.terms.to_rdflib
        datatypes: dict[str, URIRef] = {}
        for quad in self.owner.ox.quads_for_pattern(None, to_oxigraph(prop), None, ox.DefaultGraph()):
            obj = quad.object
            if isinstance(obj, ox.Literal):
                value, language, iri = literal_parts(obj)
                datatype = None if iri is None else datatypes.get(iri) or datatypes.setdefault(iri, URIRef(iri))
                yield convert(quad.subject), literal(value, language, datatype)
            else:
                yield convert(quad.subject), convert(obj)

    def __len__(self, context=None) -> int:
        return self.owner.triple_count()

    def contexts(self, triple=None):
        return iter(())

    def add(self, triple, context=None, quoted=False):
        raise TypeError("the graph of an Oxigraph store is read-only here")

    def addN(self, quads):  # noqa: N802 - rdflib's name
        raise TypeError("the graph of an Oxigraph store is read-only here")

    def remove(self, triple, context=None):
        raise TypeError("the graph of an Oxigraph store is read-only here")

    def bind(self, prefix, namespace, override=True, replace=False) -> None:
        namespace = URIRef(str(namespace))
        if not override and prefix in self._namespaces:
            return
        old = self._namespaces.get(prefix)
        if old is not None:
            self._prefixes.pop(old, None)
        self._namespaces[prefix] = namespace
        self._prefixes[namespace] = prefix

    def namespace(self, prefix):
        return self._namespaces.get(prefix)

    def prefix(self, namespace):
        return self._prefixes.get(URIRef(str(namespace)))

    def namespaces(self):
        yield from self._namespaces.items()


class OxigraphStore(Store):
    """A pyoxigraph Store holding the graph in its default graph. See the module's docstring.

    Made by ``core.store_cache.open_cached`` (on disk, reused across commands) or
    ``from_graph`` / ``from_files`` (in memory)."""

    kind = "oxigraph"

    def __init__(self, ox_store: "ox.Store", triples: int | None = None, location: str | None = None) -> None:
        self.ox = ox_store
        self.location = location
        self.terms = Terms()
        self._triples = triples
        self._view: Graph | None = None
        self._ontology: frozenset | None = None

    # construction

    @classmethod
    def from_graph(cls, graph: Graph) -> "OxigraphStore":
        """An in-memory store holding the triples of an rdflib graph."""
        store = ox.Store()
        store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph())
                     for s, p, o in graph)
        return cls(store)

    @classmethod
    def from_files(cls, paths: Iterable[str] = (), include_shipped: bool = True,
                   include_ontology: bool = True) -> "OxigraphStore":
        """An in-memory store with the ontology, the shipped facts and the files at ``paths``."""
        return cls.from_inputs(inputs(paths, include_shipped, include_ontology))

    @classmethod
    def from_inputs(cls, files: list["Input"]) -> "OxigraphStore":
        """An in-memory store holding ``files`` (see ``inputs``). Loading into memory starts no
        threads, so a process holding only such a store may fork (``cvkg serve``)."""
        store = ox.Store()
        load_into(store, files, bulk=False)
        return cls(store)

    # the Store interface (core.store.Store)

    def run(self, text: str, params: Mapping[str, Node] | None = None, name: str = "query",
            checked: bool = False, limit: int | None = None) -> sparql.Result:
        """See ``Store.run``. ``limit``: keep at most that many rows (or triples), reading no
        further (``cvkg serve``'s row cap)."""
        from .endpoint import bind_values

        if checked:
            limits.check_query_size(text, name)
        else:
            check_query(text, name)
        bound = bind_values(text, dict(params), name) if params else text
        try:
            result = self.ox.query(bound, prefixes=PREFIXES)
            if isinstance(result, ox.QuerySolutions):
                columns = [v.value for v in result.variables]
                convert = self.terms.to_rdflib
                rows = [tuple(convert(term) for term in solution) for solution in islice(result, limit)]
                return sparql.SelectResult(columns, rows)
            if isinstance(result, ox.QueryBoolean):
                return sparql.AskResult(bool(result))
            out = Graph(bind_namespaces="none")
            for prefix, ns in PREFIXES.items():
                out.bind(prefix, ns)
            convert = self.terms.to_rdflib
            added = 0
            for triple in result:
                if limit is not None and added >= limit:
                    break
                term = (convert(triple.subject), convert(triple.predicate), convert(triple.object))
                if limit is not None and term in out:
                    continue  # a repeated triple: the cap counts distinct ones
                out.add(term)
                added += 1
            return sparql.GraphResult(out)
        except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
            raise _query_error(exc, name) from None

    def graph(self) -> Graph:
        """A read-only rdflib Graph view of the store (see ``TripleView``)."""
        if self._view is None:
            view = Graph(store=TripleView(self), bind_namespaces="none")
            for prefix, ns in PREFIXES.items():
                view.bind(prefix, ns, override=True, replace=True)
            self._view = view
        return self._view

    def memory_graph(self) -> Graph:
        """Every triple copied into a new rdflib in-memory graph (for pySHACL)."""
        graph = Graph(bind_namespaces="none")
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True, replace=True)
        convert = self.terms.to_rdflib
        with progress.bar("Copying the graph", total=self.triple_count(), unit="triples") as bar:
            for n, quad in enumerate(self.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()), 1):
                graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
                if n % 10000 == 0:
                    bar.update(10000)
        return graph

    def triple_count(self) -> int:
        """The triples of the default graph (the ontology's second copy not counted)."""
        if self._triples is None:
            self._triples = len(self.ox) - len(self.ontology_triples())
        return self._triples

    def ontology_triples(self) -> frozenset:
        """The ontology's triples as pyoxigraph ``(s, p, o)`` tuples, with the blank nodes of
        their copy in the default graph; empty for a store not made by ``load_into`` with the
        ontology (``from_graph``)."""
        if self._ontology is None:
            self._ontology = frozenset(
                (q.subject, q.predicate, q.object)
                for q in self.ox.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
        return self._ontology


# --- loading ---------------------------------------------------------------------------------


class Input:
    """One file to load: its bytes come from the package or from the user's disk."""

    def __init__(self, name: str, fmt: str, path: str | None = None,
                 packaged: resources.PackagedFile | None = None, ontology: bool = False) -> None:
        self.name = name
        self.fmt = fmt
        self.path = path
        self.packaged = packaged
        self.ontology = ontology  # a packaged ontology file: also copied into ONTOLOGY_GRAPH

    @property
    def base(self) -> str | None:
        if self.path is None or self.path == "-":
            return None
        return Path(os.path.abspath(self.path)).as_uri()

    @property
    def streamable(self) -> bool:
        """A regular file on disk: its size is known before reading, and it can be hashed and
        streamed. Anything else (stdin, a pipe, a device) is read once, within the size limit,
        and never cached."""
        if self.path is None or self.path == "-":
            return False
        try:
            return stat.S_ISREG(os.stat(self.path).st_mode)
        except OSError:
            return False

    def size(self) -> int:
        if self.packaged is not None:
            return len(self.packaged.read_bytes())
        if not self.streamable:
            return 0
        return os.stat(self.path).st_size


def inputs(paths: Iterable[str] = (), include_shipped: bool = True, include_ontology: bool = True) -> list[Input]:
    """The files that make the graph, in load order, each checked to exist and be readable."""
    found: list[Input] = []
    if include_ontology:
        found += [Input(f.display, "turtle", packaged=f, ontology=True) for f in resources.ontology_files()]
    if include_shipped:
        found += [Input(f.display, "turtle", packaged=f) for f in resources.graph_files()]
    for path in paths:
        path = str(path)
        if path != "-":
            if os.path.isdir(path):
                raise InputError(f"{path}: is a directory, not a file")
            if not os.path.exists(path):
                raise InputError(f"{path}: no such file")
            if not os.access(path, os.R_OK):
                raise InputError(f"{path}: permission denied")
            size, limit = os.stat(path).st_size, limits.max_input_bytes()
            if size > limit:
                raise InputError(
                    f"{path}: {limits.human(size)} is larger than the limit of {limits.human(limit)} "
                    f"(set {limits.ENV_MAX_INPUT_BYTES} to read larger files)")
        found.append(Input("<stdin>" if path == "-" else path, rdfio.format_for(path), path=path))
    return found


def _parse_error(exc: SyntaxError, name: str) -> InputError:
    message = " ".join(str(getattr(exc, "msg", None) or exc).split())
    line = getattr(exc, "lineno", None)
    if line:
        for prefix in (f"Parser error at line {line} column {exc.offset}: ", "Parser error: "):
            message = message.removeprefix(prefix)
        return InputError(f"{name}:{line}: {message}")
    return InputError(f"{name}: {message}")


def load_into(store: "ox.Store", files: list[Input], bulk: bool = True) -> None:
    """Load ``files`` into the default graph of ``store`` (bulk loader for on-disk stores)."""
    total = sum(f.size() for f in files)
    with progress.bar("Loading", total=total, unit="B") as bar:
        for item in files:
            _load_one(store, item, bulk, bar)


def _load_one(store: "ox.Store", item: Input, bulk: bool, bar: progress.Bar) -> None:
    fmt = OX_FORMATS.get(item.fmt)
    if item.packaged is not None:
        data = item.packaged.read_bytes()
    elif not item.streamable:
        data = rdfio.read_bytes(item.path)  # stdin, a pipe, a device: the limit applies as it is read
    else:
        data = None
    if item.ontology:
        _load_ontology(store, data, fmt, item, bulk)
        bar.update(len(data))
        return
    if fmt is None:
        data = data if data is not None else rdfio.read_bytes(item.path)
        graph = rdfio.parse_rdf(data, item.fmt, item.name, base=item.base)
        quads = (ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) for s, p, o in graph)
        try:
            (store.bulk_extend if bulk else store.extend)(quads)
        except ValueError as exc:  # rdflib reads terms that RDF does not allow, e.g. IRIs with '['
            raise InputError(f"{item.name}: not valid RDF: {' '.join(str(exc).split())}") from None
        bar.update(len(data))
        return
    try:
        if data is not None:
            _load_stream(store, data, fmt, item, bulk)
            bar.update(len(data))
        else:
            with open(item.path, "rb") as raw:
                _load_stream(store, progress.ReadProgress(raw, bar), fmt, item, bulk)
    except SyntaxError as exc:
        raise _parse_error(exc, item.name) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{item.name}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(f"{item.name}: {exc.strerror or exc}") from None


def _load_ontology(store: "ox.Store", data: bytes, fmt, item: Input, bulk: bool) -> None:
    """A packaged ontology file: its quads into the default graph and into ONTOLOGY_GRAPH."""
    triples = list(ox.parse(data, format=fmt, base_iri=item.base))
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
             for graph in (ox.DefaultGraph(), ONTOLOGY_GRAPH) for t in triples]
    (store.bulk_extend if bulk else store.extend)(quads)


def _load_stream(store: "ox.Store", source, fmt, item: Input, bulk: bool) -> None:
    if item.fmt in _QUAD_FORMATS:
        quads = (ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                 for q in ox.parse(source, format=fmt, base_iri=item.base))
        (store.bulk_extend if bulk else store.extend)(quads)
    elif bulk:
        store.bulk_load(source, format=fmt, base_iri=item.base)
    else:
        store.load(source, format=fmt, base_iri=item.base)
