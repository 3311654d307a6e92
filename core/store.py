"""The store: the one place that decides where the graph lives - in this process or on a
SPARQL server.

The Store interface
-------------------
Every command reads the graph through a ``Store``:

- ``select(text, params, name) -> SelectResult`` and ``run(...) -> Result`` (SELECT, ASK,
  CONSTRUCT, DESCRIBE) with parameters bound as values, never pasted;
- ``graph() -> rdflib.Graph``, every triple, for code that needs triple-level access (the
  network analyses, the exports, validation);
- ``triple_count()``.

``OxigraphStore`` (core.oxigraph_store) is the default for local files: an embedded Oxigraph
store, persistent on disk and re-opened by later commands on the same files
(core.store_cache); its ``graph()`` is a read-only rdflib view. ``EmbeddedStore`` wraps an
rdflib ``Graph`` in memory (``load_graph``: the ontology, the shipped facts and the user's
files), for code and tests that build graphs themselves. ``RemoteStore`` sends queries to a
SPARQL 1.1 endpoint (core.endpoint): the named queries themselves go to the server,
with parameters in a VALUES block, and ``graph()`` is one ``CONSTRUCT { ?s ?p ?o }`` of the
scope, checked against a COUNT. ``open_store`` is the one place that chooses among them.

The trade-off of ``graph()`` on a server: ``actor``, ``timeline``, ``conflicts``, ``query``
and the counts of ``overview`` are SPARQL only and scale with the server; the analyses and
``export`` (and ``overview``'s validation) need the whole graph in this process - the same
memory and time as loading it locally, plus the transfer. A narrower CONSTRUCT (only the
properties the network reads) would be smaller but would silently go stale whenever
core.network reads a new property; the whole graph is always right.

Code that takes "a graph" accepts either an rdflib Graph or a Store and goes through the
module-level helpers ``select``, ``run``, ``rdf_graph`` and ``triple_count``, so the
commands never ask which kind of store they have. ``Source`` carries the command-line choice
(``--data``/``--no-shipped`` or ``--endpoint``/``--graph``/``--timeout``) and opens the store
when a command first needs it.

Shipped files are parsed once per process and kept by content digest, so commands and tests
that load the graph repeatedly pay for parsing only once; each call still returns a fresh
graph that the caller may change.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from . import bnodes, endpoint as endpoint_mod
from . import rdfio, resources, sparql
from .errors import InputError
from .namespaces import PREFIXES
from .source import Source  # noqa: F401 - re-exported: store.Source

_PARSED: dict[tuple[str, str], Graph] = {}


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def _parsed(packaged: resources.PackagedFile) -> Graph:
    data = packaged.read_bytes()
    key = (packaged.display, hashlib.sha256(data).hexdigest())
    graph = _PARSED.get(key)
    if graph is None:
        graph = rdfio.parse_rdf(data, "turtle", packaged.display)
        _PARSED[key] = graph
    return graph


def shipped_files(include_ontology: bool = True, include_facts: bool = True) -> list[resources.PackagedFile]:
    """The packaged files that make up the shipped graph, in load order."""
    files: list[resources.PackagedFile] = []
    if include_ontology:
        files += resources.ontology_files()
    if include_facts:
        files += resources.graph_files()
    return files


def load_graph(
    extra_paths: Iterable[str] = (),
    include_shipped: bool = True,
    include_ontology: bool = True,
) -> Graph:
    """Load the ontology, the shipped facts (unless ``include_shipped`` is false) and the
    RDF files at ``extra_paths`` into one graph.

    Raises ``InputError`` with a one-line message for a missing or malformed file.
    """
    graph = new_graph()
    for packaged in shipped_files(include_ontology, include_shipped):
        graph += _parsed(packaged)
    for path in extra_paths:
        graph += rdfio.read_rdf_file(str(path))
    return graph


# --- the Store interface ---------------------------------------------------------------------


class Store:
    """Where the graph lives. Subclasses: EmbeddedStore, RemoteStore."""

    kind = "store"

    def run(self, text: str, params: Mapping[str, Node] | None = None, name: str = "query",
            checked: bool = False) -> sparql.Result:
        """Run a query. ``checked``: the text was built by the project from escaped terms (the
        compiled validation queries), so a store that re-parses user SPARQL to refuse SERVICE
        and FROM may skip that; user text is never passed with it."""
        raise NotImplementedError

    def select(self, text: str, params: Mapping[str, Node] | None = None, name: str = "query",
               checked: bool = False) -> sparql.SelectResult:
        result = self.run(text, params, name, checked)
        if not isinstance(result, sparql.SelectResult):
            raise InputError(f"{name}: expected a SELECT query")
        return result

    def graph(self) -> Graph:
        raise NotImplementedError

    def triple_count(self) -> int:
        raise NotImplementedError


class EmbeddedStore(Store):
    """An rdflib Graph in this process."""

    kind = "embedded"

    def __init__(self, graph: Graph) -> None:
        self._graph = graph

    def run(self, text, params=None, name="query", checked=False):
        return sparql.run(self._graph, text, dict(params or {}), name=name)

    def select(self, text, params=None, name="query", checked=False):
        return sparql.select(self._graph, text, dict(params or {}), name=name)

    def graph(self) -> Graph:
        return self._graph

    def triple_count(self) -> int:
        return len(self._graph)


class RemoteStore(Store):
    """A SPARQL 1.1 query endpoint (core.endpoint). ``graph()`` is fetched once and kept."""

    kind = "remote"

    def __init__(self, endpoint: endpoint_mod.Endpoint) -> None:
        self.endpoint = endpoint
        self._graph: Graph | None = None

    def run(self, text, params=None, name="query", checked=False):
        return self.endpoint.run(text, params, name)

    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = self.endpoint.graph()
        return self._graph

    def triple_count(self) -> int:
        if self._graph is not None:
            return len(self._graph)
        return self.endpoint.triple_count()


GraphLike = Graph | Store


def as_store(source: GraphLike) -> Store:
    if isinstance(source, Store):
        return source
    if isinstance(source, Graph):
        return EmbeddedStore(source)
    raise TypeError(f"not a graph or a store: {type(source).__name__}")


def owner_of(source: GraphLike) -> GraphLike:
    """The store behind a graph view (``OxigraphStore.graph()``, whose rdflib store plugin
    keeps its ``owner``), so that SPARQL on the view runs on Oxigraph rather than through
    rdflib's engine over the view; anything else as it is."""
    if isinstance(source, Graph):
        owner = getattr(source.store, "owner", None)
        if isinstance(owner, Store):
            return owner
    return source


def select(source: GraphLike, text: str, params: Mapping[str, Node] | None = None,
           name: str = "query", checked: bool = False) -> sparql.SelectResult:
    """A SELECT on an rdflib Graph or a Store (``checked``: see ``Store.run``)."""
    source = owner_of(source)
    if isinstance(source, Graph):
        return sparql.select(source, text, dict(params or {}), name=name)
    return as_store(source).select(text, params, name, checked)


def run(source: GraphLike, text: str, params: Mapping[str, Node] | None = None, name: str = "query") -> sparql.Result:
    """Any query on an rdflib Graph or a Store."""
    source = owner_of(source)
    if isinstance(source, Graph):
        return sparql.run(source, text, dict(params or {}), name=name)
    return as_store(source).run(text, params, name)


def rdf_graph(source: GraphLike) -> Graph:
    """The triples themselves, as an rdflib Graph (fetched whole from a server)."""
    return source if isinstance(source, Graph) else as_store(source).graph()


def triple_count(source: GraphLike) -> int:
    return len(source) if isinstance(source, Graph) else as_store(source).triple_count()


def memory_graph(source: GraphLike) -> Graph:
    """The triples in rdflib's own in-memory store (what pySHACL must be given): the graph
    itself when it already is one, a copy for an Oxigraph store or a view of one."""
    source = owner_of(source)
    if isinstance(source, Graph):
        return source
    copy = getattr(source, "memory_graph", None)
    return copy() if copy is not None else as_store(source).graph()


def _component_key(triples: list[tuple]) -> str:
    from rdflib.compare import to_isomorphic

    component = Graph()
    for triple in triples:
        component.add(triple)
    return to_isomorphic(component).graph_digest()


def difference(graph: Graph, other: Graph) -> Graph:
    """``graph`` without the triples of ``other``, blank nodes compared by structure: a blank
    node structure (an OWL restriction, an amount) is dropped when ``other`` has an isomorphic
    one. ``graph - other`` compares blank nodes by label, which only works when both graphs
    come from the same parse; a graph fetched from a server has its own labels."""
    ground, groups = bnodes.bnode_components(graph)
    other_ground, other_groups = bnodes.bnode_components(other)
    known = {_component_key(triples) for triples in other_groups.values()}
    out = new_graph()
    for triple in ground - other_ground:
        out.add(triple)
    for triples in groups.values():
        if _component_key(triples) not in known:
            for triple in triples:
                out.add(triple)
    return out


# --- choosing the store -----------------------------------------------------------------------


def open_store(source: Source) -> Store:
    if source.endpoint is not None:
        return RemoteStore(endpoint_mod.Endpoint(
            source.endpoint, tuple(source.graphs) or (endpoint_mod.DEFAULT_GRAPH,), source.timeout))
    from . import oxigraph_store, store_cache

    return store_cache.open_cached(oxigraph_store.inputs(source.data, source.include_shipped))


# --- publishing -------------------------------------------------------------------------------


@dataclass
class PushReport:
    endpoint: str
    store_url: str
    server: str
    graphs: list[dict]  # {"graph", "triples", "requests", "what"}
    warnings: list[str] = field(default_factory=list)


def push(local: Store, endpoint_url: str, whole_graph: str = endpoint_mod.DEFAULT_GRAPH,
         store_url: str | None = None, credentials: endpoint_mod.Credentials | None = None,
         timeout: float = endpoint_mod.DEFAULT_TIMEOUT,
         chunk_triples: int = endpoint_mod.CHUNK_TRIPLES) -> PushReport:
    """Publish the local store ``local`` (the ontology and the facts, an OxigraphStore) with
    the Graph Store Protocol: the whole graph into ``whole_graph`` (what the commands read with
    --endpoint), and each named graph of the TriG export (one per source article, and the
    ontology) under its own name. Each graph is replaced. The graphs are streamed from the
    store's indexes (core.push_stream), in requests of about ``chunk_triples`` triples."""
    import pyoxigraph as ox

    from . import export_rdf, progress, push_stream

    endpoint_mod._iri(whole_graph)
    if push_stream.is_export_graph(whole_graph):
        raise InputError(f"--graph {whole_graph} names the export's per-source or ontology graphs; choose another")
    kind = endpoint_mod.detect(endpoint_url, timeout)
    url = store_url or endpoint_mod.store_url_for(endpoint_url, kind, credentials is not None)
    gsp = endpoint_mod.GraphStore(url, timeout, credentials)
    gsp.check_access()

    warnings = []
    if kind == "virtuoso":
        lost = [value for value in push_stream.durations(local) if _mixed_duration(value)]
        if lost:
            warnings.append(
                f"Virtuoso keeps an xsd:duration as whole months or as seconds: {len(lost)} duration(s) "
                f"with both (e.g. {lost[0]}) lose their days and times there"
            )
    classes = [ox.NamedNode(str(c)) for c in export_rdf.action_classes(local.graph())]
    rows = []
    with progress.bar("Pushing", unit="triples") as bar:
        parts = [(whole_graph, push_stream.WHOLE, push_stream.whole(local))]
        for name, what, lines in itertools.chain(parts, push_stream.named(local, classes)):
            sent, requests = _replace(gsp, name, lines, chunk_triples, bar)
            rows.append({"graph": name, "triples": sent, "requests": requests, "what": what})
    return PushReport(endpoint_url, url, kind, rows, warnings)


def _replace(gsp: endpoint_mod.GraphStore, name: str, lines: Iterable[str], chunk_triples: int,
             bar) -> tuple[int, int]:
    """Replace the graph ``name`` on the server with the N-Triples ``lines``, in requests of
    about ``chunk_triples`` lines, blank node structures whole; (triples sent, requests)."""
    from . import push_stream

    sent = 0

    def bodies() -> Iterable[bytes]:
        nonlocal sent
        for batch in bnodes.batches(lines, chunk_triples, push_stream.line_blanks):
            sent += len(batch)
            bar.update(len(batch))
            yield "".join(batch).encode("utf-8")

    requests = gsp.replace(name, bodies())
    return sent, requests


def _mixed_duration(lexical: str) -> bool:
    """An xsd:duration (its lexical form) with year/month parts and day/time parts (Virtuoso
    drops the latter)."""
    import re

    match = re.match(r"^-?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T.*)?$", lexical.strip())
    if not match:
        return False
    months = match.group(1) or match.group(2)
    rest = match.group(3) or "T" in lexical
    return bool(months) and bool(rest)
