"""SHACL validation of the graph (and a user's files) against the packaged shapes, the user's
own shapes (``--shapes FILE``), or both.

Two engines give the same results. The fast one (core.shacl_sparql) compiles the shapes to
SPARQL queries that the store runs itself: an Oxigraph store validates 10^6 triples in about
10 s, where pySHACL takes eight minutes on an rdflib graph. pySHACL - the oracle the compiled
queries are tested against - validates what the compiler does not take on: shapes it does not
reproduce exactly (SHACL-AF, SPARQL-based constraint components, ...), stores whose SPARQL
engine it does not know (a SPARQL server), and small rdflib graphs, where pySHACL is faster
than copying the graph into Oxigraph (``validate`` chooses; ``_compiled_source``).

pySHACL runs with every risky feature off: no inference, no SHACL-AF unless the shapes use it,
no SHACL-JS, no owl:imports, no SPARQL remote-graph mode, no abort on the first result, and
always on an rdflib in-memory graph (an Oxigraph-backed view would be slow and types plain
literals as xsd:string). The data is what the commands read: the ontology (so that sh:class
and sh:targetClass follow rdfs:subClassOf), the shipped facts and any user files. Warnings
and infos are reported but do not make the graph fail; violations do.

Results are sorted (focus node, path, component, message, value) and, whichever engine made
them, carry the shape's sh:message (English preferred); see ``validate_compiled`` for the
messages of shapes without one.

Shapes are programs: SHACL-SPARQL runs the query text a shapes file contains. So before
anything runs, ``check_shapes`` reads every SPARQL text of the shapes graph (``sh:select``,
``sh:ask``, ``sh:construct`` of constraints, constraint components, targets, rules and
functions) with the prefixes ``sh:declare`` gives it, and refuses, in one line, a text that is
not a SPARQL query, that uses SERVICE (also written ``SERVIC\\u0045`` or in lower case) or
FROM / FROM NAMED, and any ``sh:update``. pySHACL pastes prefix declarations, property paths
and target classes into query text, so prefixes that are not plain names, namespaces and
IRIs that could close a ``<...>`` or a ``{...}`` are refused too. Behind that check, two
guards hold while pySHACL runs: rdflib's SERVICE hook and SPARQL_LOAD_GRAPHS=False
(``core.limits.install_guards``), and every query pySHACL sends to the data graph is checked
again when it is prepared. The compiled queries are built from escaped terms only (IRIs that
could close a ``<...>`` are refused there too); the text of a shape's sh:select goes to the
store through ``core.store.select``, which checks it as it checks any query.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from . import limits, rdfio, resources, shacl_sparql, sparql, store
from .errors import CvkgError, InputError, QueryRefused
from .namespaces import SH, SKOS, compact
from .store import GraphLike
from .terms import Iri

_LOG = logging.getLogger(__name__)

# SHACL-AF features that need pyshacl's advanced mode.
_ADVANCED_TERMS = (
    SH.SPARQLTarget, SH.SPARQLTargetType, SH.rule, SH.SPARQLFunction, SH.TripleRule,
    SH.SPARQLRule, SH.JSTarget, SH.target,
)

_SHAPES_CACHE: dict[str, Graph] = {}
_COMPILED: dict[tuple[str, str], "shacl_sparql.Compiled"] = {}


@dataclass
class Result:
    """One validation result, with terms as plain values (IRIs as ``Iri``)."""

    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    source_shape: str | None
    component: str | None
    severity: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    triples: int = 0

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    def by_focus(self) -> "OrderedDict[str, list[Result]]":
        grouped: OrderedDict[str, list[Result]] = OrderedDict()
        for result in self.results:
            grouped.setdefault(result.focus, []).append(result)
        return grouped

    def as_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "results": len(self.results),
            "triples": self.triples,
            "shapes": self.shapes,
            "focus_nodes": [
                {"focus": focus, "label": items[0].focus_label, "results": [r.as_dict() for r in items]}
                for focus, items in self.by_focus().items()
            ],
        }


def shapes_graph() -> tuple[Graph, list[str]]:
    """The packaged shapes (shapes/*.ttl) as one graph, and their file names."""
    files = resources.shapes_files()
    if not files:
        raise CvkgError("no SHACL shapes are installed (shapes/*.ttl): nothing to validate against")
    graph = Graph()
    for packaged in files:
        data = packaged.read_bytes()
        key = packaged.display + ":" + hashlib.sha256(data).hexdigest()
        if key not in _SHAPES_CACHE:
            _SHAPES_CACHE[key] = rdfio.parse_rdf(data, "turtle", packaged.display)
        graph += _SHAPES_CACHE[key]
    return graph, [f.display for f in files]


def user_shapes(paths: Iterable[str]) -> tuple[Graph, list[str]]:
    """The user's shapes files (any RDF format rdfio reads) as one graph, and their names."""
    graph = Graph()
    names: list[str] = []
    for path in paths:
        graph += rdfio.read_rdf_file(str(path))
        names.append(str(path))
    return graph, names


# --- checking shapes before pySHACL runs them ----------------------------------------------

# Where SHACL and SHACL-AF keep SPARQL text: SPARQL constraints, the validators of constraint
# components, SPARQL targets and target types, SPARQL functions (sh:select / sh:ask) and SPARQL
# rules (sh:construct). sh:update is not SHACL, but it is SPARQL Update: refused outright.
_SPARQL_TEXT = (SH.select, SH.ask, SH.construct)
_PYSHACL_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
_PN_PREFIX = re.compile(r"^[A-Za-z\u00C0-\uFFFF]([\w.\-\u00B7\u00C0-\uFFFF]*[\w\-\u00B7\u00C0-\uFFFF])?$|^$")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _where(shapes: Graph, node) -> str:
    if isinstance(node, URIRef):
        return compact(str(node))
    parent = next(iter(shapes.subjects(None, node)), None)
    if isinstance(parent, URIRef):
        return f"a node of {compact(str(parent))}"
    return "a blank node"


def _shown(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= size else text[: size - 1] + "…")


def check_shapes(shapes: Graph, name: str = "shapes", context: Graph | None = None) -> None:
    """Refuse shapes whose SPARQL would reach the network or the file system, or that could
    smuggle syntax into the query text pySHACL builds. One-line QueryRefused / InputError.

    ``context`` is the whole shapes graph the shapes will run with (default: ``shapes``): the
    prefixes a query may use are the ``sh:declare`` values found anywhere in it.

    Runs before pySHACL: pySHACL itself reports a SERVICE only as a failed validation, misses
    ``SERVIC\\u0045``, and does not look for SERVICE in SPARQL targets and rules at all."""
    for subject, _p, _o in shapes.triples((None, SH.update, None)):
        raise QueryRefused(
            f"{name}: sh:update in {_where(shapes, subject)}: SPARQL Update in shapes is not allowed"
        )

    for triple in shapes:
        for term in triple:
            if isinstance(term, URIRef) and _IRI_FORBIDDEN.search(str(term)):
                raise InputError(
                    f"{name}: the IRI {_shown(str(term))} contains a character IRIs may not contain "
                    "(space, <, >, \", {, }, |, ^, ` or \\); shapes with it are not run"
                )

    context = shapes if context is None else context
    prefixes = dict(_PYSHACL_PREFIXES)
    for declaration in set(context.objects(None, SH.declare)):
        for prefix in context.objects(declaration, SH.prefix):
            if not _PN_PREFIX.match(str(prefix)):
                raise InputError(f"{name}: sh:prefix {_shown(str(prefix))} is not a SPARQL prefix name")
            for namespace in context.objects(declaration, SH.namespace):
                if _IRI_FORBIDDEN.search(str(namespace)) or not str(namespace):
                    raise InputError(
                        f"{name}: sh:namespace {_shown(str(namespace))} of prefix {str(prefix)!r} "
                        "is not a valid IRI"
                    )
                prefixes[str(prefix)] = str(namespace)

    for predicate in _SPARQL_TEXT:
        for subject, text in shapes.subject_objects(predicate):
            where = f"{name}: {compact(str(predicate))} of {_where(shapes, subject)}"
            if not isinstance(text, Literal):
                raise InputError(f"{where}: expected SPARQL text, found {_shown(str(text))}")
            texts = {str(text)}
            if isinstance(text.value, str):
                texts.add(text.value)
            for query in texts:
                sparql.check_sparql_text(query, where, prefixes)


def _needs_advanced(shapes: Graph) -> bool:
    for term in _ADVANCED_TERMS:
        if term == SH.target:
            if any(True for _ in shapes.triples((None, SH.target, None))):
                return True
        elif (None, None, term) in shapes or (None, term, None) in shapes:
            return True
    return False


def _shape_text(shapes: Graph, shape) -> str | None:
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return compact(str(shape))
    path = shapes.value(shape, SH.path)
    parent = shapes.value(None, SH.property, shape)
    where = compact(str(parent)) if isinstance(parent, URIRef) else "a shape"
    if path is not None:
        return f"{where}, property {shacl_sparql.path_text(shapes, path)}"
    return f"{where} (anonymous shape)"


def _term_text(term) -> str | None:
    return None if term is None else shacl_sparql.term_text(term, iri=Iri)


def _message(results: Graph, node) -> str:
    messages = list(results.objects(node, SH.resultMessage))
    english = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
    chosen = english or messages
    return " ".join(str(chosen[0]).split()) if chosen else "constraint not met"


def _labels(data: Graph, nodes) -> dict:
    out = {}
    for node in nodes:
        values = [v for v in data.objects(node, SKOS.prefLabel) if isinstance(v, Literal)]
        english = [v for v in values if v.language == "en"]
        chosen = english or sorted(values, key=lambda v: (v.language or "", str(v)))
        out[node] = str(chosen[0]) if chosen else None
    return out


class _PreparedQueryGraph(Graph):
    """A view of a graph whose ``query`` parses each distinct query text only once.

    pySHACL runs each SPARQL constraint once per focus node, passing the same text each time;
    rdflib would parse it again for every node (most of the validation time). Prepared
    queries are the documented way to reuse a parse, with the same bindings semantics.

    Each text is also checked once, when it is prepared: SERVICE and FROM are refused here too,
    whatever pySHACL built the text from. SPARQL Update is never run.
    """

    def __init__(self, base: Graph) -> None:
        super().__init__(store=base.store, identifier=base.identifier, namespace_manager=base.namespace_manager)
        self._prepared: dict = {}

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and processor == "sparql" and result == "sparql":
            key = (query_object, tuple(sorted((initNs or {}).items())), kwargs.get("base"))
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=initNs, base=kwargs.get("base"))
                sparql.refuse_unsafe(prepared, "SHACL-SPARQL")
                self._prepared[key] = prepared
            query_object = prepared
            kwargs.pop("base", None)
            initNs = None  # noqa: N806 - already applied when preparing
        elif not isinstance(query_object, str) and hasattr(query_object, "algebra"):
            sparql.refuse_unsafe(query_object, "SHACL-SPARQL")
        else:
            raise QueryRefused("SHACL-SPARQL: only SPARQL queries are run during validation")
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)

    def update(self, *args, **kwargs):  # noqa: ARG002
        raise QueryRefused("SHACL-SPARQL: SPARQL Update is not allowed during validation")


def _shapes_for(shapes_paths: list[str], shipped_shapes: bool) -> tuple[Graph, list[str]]:
    """The shapes to validate against (shipped and/or the user's), checked by ``check_shapes``."""
    if not shipped_shapes and not shapes_paths:
        raise InputError("no shapes to validate against: give --shapes FILE or keep the shipped shapes")
    shapes = Graph()
    shape_files: list[str] = []
    if shipped_shapes:
        shipped, shape_files = shapes_graph()
        shapes += shipped
    if shapes_paths:
        mine, names = user_shapes(shapes_paths)
        shapes += mine
        shape_files += names
        check_shapes(mine, ", ".join(names), context=shapes)
    return shapes, shape_files


def validate(data: GraphLike, shapes_paths: Iterable[str] = (), shipped_shapes: bool = True) -> Report:
    """Validate ``data`` (an rdflib Graph or a ``core.store.Store``) and return a structured
    report.

    The shapes are the packaged ones (unless ``shipped_shapes`` is false) plus the user's
    shapes files at ``shapes_paths``; the user's are read with ``rdfio`` and, like all shapes,
    checked by ``check_shapes`` before anything runs.

    The shapes are compiled to SPARQL (core.shacl_sparql) and run by Oxigraph (an Oxigraph
    store, the store behind an Oxigraph view, or an in-memory copy of a large rdflib graph;
    see ``_compiled_source``). Small rdflib graphs, stores the compiler does not run on (a
    SPARQL server), shapes it does not reproduce exactly and data it cannot judge are
    validated by pySHACL instead, on an in-memory rdflib graph (never on an Oxigraph-backed
    view). Both give the same results; see ``validate_compiled`` and ``validate_pyshacl``."""
    shapes, shape_files = _shapes_for([str(p) for p in shapes_paths], shipped_shapes)
    limits.install_guards()
    source = _compiled_source(data)
    if source is not None:
        try:
            report = validate_compiled(source, shapes, shape_files)
            report.triples = store.triple_count(data)
            return report
        except (shacl_sparql.Unsupported, shacl_sparql.NeedsFallback) as why:
            _LOG.info("validating with pySHACL: %s", why)
        except InputError as why:  # a compiled query the store would not run (size, syntax, engine)
            _LOG.warning("compiled validation failed (%s); validating with pySHACL", why)
    return validate_pyshacl(data, shapes, shape_files)


# Below this many triples pySHACL validates: it is faster there than the compiled queries,
# whose fixed cost (about 0.3 s for the shipped shapes) is compiling and sending 45 queries.
SMALL_GRAPH = 2_000


def _small(triples: int) -> bool:
    return triples < SMALL_GRAPH


def _compiled_source(data: GraphLike):
    """Where the compiled queries run for ``data``, or None for pySHACL.

    A small graph or store (``SMALL_GRAPH``): None. An Oxigraph store, or the store behind an
    Oxigraph view: itself. An rdflib graph (or an EmbeddedStore's): rdflib's own SPARQL engine
    runs the compiled queries correctly but more slowly than pySHACL walks the graph (104 s
    against 62 s at 10^5 triples), so it is copied into an in-memory Oxigraph store - provided
    the copy holds exactly the graph's triples (Oxigraph keeps every integer type as
    xsd:integer and numbers in canonical form, where rdflib keeps "22"^^xsd:nonNegativeInteger
    and "1.50" as they are: such a graph goes to pySHACL, which sees it as it is). A store
    whose engine the compiler does not know (a SPARQL server): None."""
    from . import oxigraph_store

    owner = store.owner_of(data)
    if isinstance(owner, oxigraph_store.OxigraphStore):
        return None if _small(owner.triple_count()) else owner
    if isinstance(data, Graph):
        graph = data
    elif isinstance(data, store.EmbeddedStore):
        graph = data.graph()
    else:
        return None
    return None if _small(len(graph)) else _faithful_copy(graph)


def _faithful_copy(graph: Graph):
    """An in-memory Oxigraph store with exactly the triples of ``graph``, or None when the
    store would change some of them (see ``_compiled_source``)."""
    from . import oxigraph_store

    try:
        copy = oxigraph_store.OxigraphStore.from_graph(graph)
    except ValueError:  # a term Oxigraph cannot hold
        return None
    if copy.triple_count() != len(graph):
        return None
    original = {o for o in graph.objects() if isinstance(o, Literal)}
    kept = {row[0] for row in store.select(copy, "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }",
                                           name="validation (copy check)").rows}
    return copy if kept == original else None


def validate_compiled(data: GraphLike, shapes: Graph, shape_files: list[str]) -> Report:
    """Validate with the shapes compiled to SPARQL and run on ``data``'s own engine: Oxigraph
    for an Oxigraph store (or view), rdflib's SPARQL engine for an rdflib graph or an
    EmbeddedStore. Raises ``shacl_sparql.Unsupported`` / ``NeedsFallback`` when that cannot
    reproduce pySHACL.

    Messages: a result's message is its shape's sh:message (English preferred; for a SPARQL
    constraint the constraint's own sh:message, with pySHACL's {?var} substitution); without
    one, a default text in the words of pySHACL's defaults ("Value does not have class
    cv:Place", "Less than 1 values on <node>->cv:agent"), with names compacted by the project's
    prefixes rather than pySHACL's."""
    from . import progress

    dialect = shacl_sparql.dialect_of(data)
    if dialect is None:
        raise shacl_sparql.Unsupported(f"no compiled validation for a {type(data).__name__}")
    compiled = _compiled(shapes, dialect)
    with progress.bar("Validating", total=compiled.query_count) as bar:
        findings = compiled.run(data, bar)
    focus_nodes = {f.focus for f in findings}
    labels = _labels(_triples_of(data), focus_nodes)
    results = [
        Result(
            focus=_term_text(f.focus) or "",
            focus_label=labels.get(f.focus),
            path=shacl_sparql.path_text(shapes, f.path) if f.path is not None else None,
            value=_term_text(f.value),
            source_shape=_shape_text(shapes, f.source_shape),
            component=compact(str(f.component)),
            severity=str(f.severity).rsplit("#", 1)[-1],
            message=" ".join(f.message.split()) or "constraint not met",
        )
        for f in findings
    ]
    _sort(results)
    conforms = not any(f.severity not in (SH.Info, SH.Warning) for f in findings)
    return Report(conforms=conforms, results=results, shapes=shape_files, triples=store.triple_count(data))


def _compiled(shapes: Graph, dialect: str) -> "shacl_sparql.Compiled":
    key = (_digest(shapes), dialect)
    found = _COMPILED.get(key)
    if found is None:
        found = shacl_sparql.compile_shapes(shapes, dialect)
        if len(_COMPILED) > 16:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


def _digest(graph: Graph) -> str:
    lines = sorted(" ".join(term.n3() for term in triple) for triple in graph)
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def _triples_of(data: GraphLike) -> Graph:
    """Triple-level access for labels: the graph itself, or a store's graph (a view for
    Oxigraph: a few lookups, no copy)."""
    return data if isinstance(data, Graph) else store.rdf_graph(data)


def _sort(results: list[Result]) -> None:
    results.sort(key=lambda r: (r.focus, r.path or "", r.component or "", r.message, r.value or "",
                                r.source_shape or "", r.severity))


def validate_pyshacl(data: GraphLike, shapes: Graph, shape_files: list[str]) -> Report:
    """Validate with pySHACL, on an rdflib in-memory graph: ``data`` itself when it is one, a
    store's ``memory_graph()`` copy (an Oxigraph store, or the store behind an Oxigraph view),
    else the store's graph."""
    import pyshacl  # imported here: it takes a quarter of a second, and most commands never validate

    graph = store.memory_graph(data)
    limits.install_guards()
    try:
        conforms, results_graph, text = pyshacl.validate(
            _PreparedQueryGraph(graph),
            shacl_graph=shapes,
            ont_graph=None,
            inference="none",
            advanced=_needs_advanced(shapes),
            js=False,
            do_owl_imports=False,
            sparql_mode=False,
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            meta_shacl=False,
            inplace=False,
        )
    except CvkgError:
        raise
    except RecursionError:
        raise CvkgError("validation failed: data nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - pySHACL's own errors become one line
        raise CvkgError(f"validation failed: {' '.join(str(exc).split()) or type(exc).__name__}") from None

    # Only the report's own sh:result values: results nested under sh:detail (from sh:node)
    # explain a top-level result and would otherwise be counted twice.
    nodes = [
        result
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for result in results_graph.objects(report, SH.result)
    ]
    if not conforms and not nodes:
        first = next((line for line in str(text).splitlines() if line.strip()), "unknown failure")
        raise CvkgError(f"validation could not run: {' '.join(str(text).split())[:200] or first}")

    focus_nodes = {results_graph.value(n, SH.focusNode) for n in nodes}
    labels = _labels(graph, focus_nodes)
    results: list[Result] = []
    for node in nodes:
        focus = results_graph.value(node, SH.focusNode)
        path = results_graph.value(node, SH.resultPath)
        severity = results_graph.value(node, SH.resultSeverity)
        component = results_graph.value(node, SH.sourceConstraintComponent)
        results.append(
            Result(
                focus=_term_text(focus) or "",
                focus_label=labels.get(focus),
                path=shacl_sparql.path_text(results_graph, path) if path is not None else None,
                value=_term_text(results_graph.value(node, SH.value)),
                source_shape=_shape_text(shapes, results_graph.value(node, SH.sourceShape)),
                component=compact(str(component)) if component is not None else None,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                message=_message(results_graph, node),
            )
        )
    _sort(results)
    return Report(conforms=bool(conforms), results=results, shapes=shape_files, triples=len(graph))
