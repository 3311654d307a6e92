"""SHACL validation of the graph (and a user's files) against the packaged shapes.

pySHACL runs with every risky feature off: no inference, no SHACL-AF unless the shapes use it,
no SHACL-JS, no owl:imports, no abort on the first result. The data graph is what
``store.load_graph`` returns: the ontology (so that sh:class and sh:targetClass follow
rdfs:subClassOf), the shipped facts and any user files. Warnings and infos are reported but do
not make the graph fail; violations do.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from . import rdfio, resources
from .errors import CvkgError
from .namespaces import SH, SKOS, compact
from .terms import Iri

# SHACL-AF features that need pyshacl's advanced mode.
_ADVANCED_TERMS = (
    SH.SPARQLTarget, SH.SPARQLTargetType, SH.rule, SH.SPARQLFunction, SH.TripleRule,
    SH.SPARQLRule, SH.JSTarget, SH.target,
)

_SHAPES_CACHE: dict[str, Graph] = {}


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


def _needs_advanced(shapes: Graph) -> bool:
    for term in _ADVANCED_TERMS:
        if term == SH.target:
            if any(True for _ in shapes.triples((None, SH.target, None))):
                return True
        elif (None, None, term) in shapes or (None, term, None) in shapes:
            return True
    return False


def _path_text(graph: Graph, path) -> str:
    """A SHACL property path as SPARQL-like text (cv:agent, ^org:holds, cv:a/cv:b, ...)."""
    if isinstance(path, URIRef):
        return compact(str(path))
    if not isinstance(path, BNode):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        return "(" + "|".join(_path_text(graph, p) for p in Collection(graph, alternative)) + ")"
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, prop)
        if inner is not None:
            return _path_text(graph, inner) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    return "_:path"


def _shape_text(shapes: Graph, shape) -> str | None:
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return compact(str(shape))
    path = shapes.value(shape, SH.path)
    parent = shapes.value(None, SH.property, shape)
    where = compact(str(parent)) if isinstance(parent, URIRef) else "a shape"
    if path is not None:
        return f"{where}, property {_path_text(shapes, path)}"
    return f"{where} (anonymous shape)"


def _term_text(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, BNode):
        return "(blank node)"
    if isinstance(term, Literal):
        text = str(term)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype:
            return f'"{text}"^^{compact(str(term.datatype))}'
        return f'"{text}"'
    return str(term)


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
                self._prepared[key] = prepared
            query_object = prepared
            kwargs.pop("base", None)
            initNs = None  # noqa: N806 - already applied when preparing
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


def validate(data: Graph) -> Report:
    """Validate ``data`` against the packaged shapes and return a structured report."""
    import pyshacl  # imported here: it takes a quarter of a second, and most commands never validate

    shapes, shape_files = shapes_graph()
    try:
        conforms, results_graph, text = pyshacl.validate(
            _PreparedQueryGraph(data),
            shacl_graph=shapes,
            ont_graph=None,
            inference="none",
            advanced=_needs_advanced(shapes),
            js=False,
            do_owl_imports=False,
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
    labels = _labels(data, focus_nodes)
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
                path=_path_text(results_graph, path) if path is not None else None,
                value=_term_text(results_graph.value(node, SH.value)),
                source_shape=_shape_text(shapes, results_graph.value(node, SH.sourceShape)),
                component=compact(str(component)) if component is not None else None,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                message=_message(results_graph, node),
            )
        )
    results.sort(key=lambda r: (r.focus, r.path or "", r.component or "", r.message, r.value or ""))
    return Report(conforms=bool(conforms), results=results, shapes=shape_files, triples=len(data))
