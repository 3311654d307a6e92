"""SHACL shapes compiled to SPARQL: validation that runs inside the store.

pySHACL walks the data graph from Python, focus node by focus node and constraint by
constraint; at 10^5 triples that is a minute, at 10^6 eight. This module turns a shapes graph
into SPARQL SELECT queries and runs them with ``core.store.select`` on the store that holds
the data (Oxigraph; or rdflib's own engine for an rdflib Graph, slower than pySHACL but the
same queries, which keeps them honest). The store finds the violating rows; Python only turns
rows into results. For every set of focus nodes (the targets of a shape, or the values a
property shape reaches through sh:property) there are:

- a "focus nodes" query: the focus nodes, with one boolean per check that has one value per
  focus node (sh:minCount/sh:maxCount on a plain predicate, sh:hasValue, the constraints of
  a node shape on its focus node, small qualified counts), keeping the nodes that fail one;
- a "values" query: a UNION with one branch per property shape, each joining the focus nodes
  with its path and keeping the values that fail one of its value checks (sh:class,
  sh:datatype, sh:nodeKind, sh:in, sh:pattern, sh:languageIn, lengths, ranges, sh:node,
  sh:or, sh:and, sh:xone, sh:not);
- a query of its own for sh:uniqueLang, sh:equals, sh:disjoint, sh:lessThan(OrEquals),
  sh:closed, each sh:sparql constraint, and counts along composite paths or above 2;
- before them, one query for the subclasses (rdfs:subClassOf*) of every class sh:class
  names, and one for the unusual lexical forms below.

The shipped shapes make 45 queries; at 10^6 triples Oxigraph answers them in about 7 s.

The results are pySHACL's, exactly: pySHACL (core SHACL, inference none, advanced off) is the
oracle the tests compare against (same focus nodes, paths, values, source shapes, constraint
components, severities; pySHACL's multiplicities too). Where pySHACL's behaviour is not
SHACL's letter, it is pySHACL's that is reproduced:

- targets: sh:targetClass (and implicit class targets: shapes typed rdfs:Class or owl:Class)
  follow rdfs:subClassOf* in the DATA graph; sh:targetNode, sh:targetSubjectsOf,
  sh:targetObjectsOf. A shape's focus nodes are a set; a property shape reached through
  sh:property from two parents, or from one focus through two values, is validated - and
  reported - once per parent value, as pySHACL does.
- paths: predicate, sequence, alternative, inverse, zero-or-more, one-or-more, zero-or-one,
  with pySHACL's reading of an inverse of a composite path (the inverse is pushed to each
  step, keeping their order).
- value tests that are functions of one term (sh:datatype, sh:min/maxInclusive/Exclusive)
  follow rdflib's reading of lexical forms: whether "abc"^^xsd:integer or "2021-02-30"^^
  xsd:date is ill-typed, whether "1e5"^^xsd:decimal is a decimal. The query decides the
  ordinary lexical forms itself (a conservative regular expression per datatype); the rare
  others are found by one preliminary query, judged in Python with rdflib's own code, and
  their verdicts written into the queries as explicit lists.
- sh:pattern is Python's ``re.search`` with pySHACL's flags (i, m). On rdflib's engine the
  pattern is passed as is; on Oxigraph (Rust regular expressions) it is rewritten from
  Python's parse of it into syntax both read the same way, with Python's ``$`` (which also
  matches before a final newline); a pattern outside that common ground (\\w, \\s, \\b,
  lookarounds, back-references, inline flags, flag i) is not compiled for Oxigraph.
- sh:languageIn as pySHACL: the whole tag or its first subtag, case-insensitively.
- sh:in and sh:hasValue compare RDF terms, as rdflib does ("x" and "x"^^xsd:string differ
  in an rdflib graph; in Oxigraph, as in RDF 1.1, they are one term).
- nested shapes (sh:node, sh:or, sh:and, sh:xone, sh:not, sh:qualifiedValueShape, sh:property
  inside them) become boolean SPARQL expressions; pySHACL's recursion cut-off (which stops a
  shape that reaches itself through sh:node/sh:property after a fixed depth) is simulated on
  the shape structure at compile time, so a recursive shape is unrolled exactly as deep as
  pySHACL goes. Severities sh:Info/sh:Warning make a nested shape conform, as pySHACL's
  allow_warnings does.
- sh:class follows rdf:type/rdfs:subClassOf* in the data; a literal never has a class.
- sh:sparql constraints (SELECT, on node shapes) run as subqueries joined with the focus
  nodes, when that join provably equals pySHACL's pre-binding of $this: $this bound by a
  triple pattern of the main group, mentioned elsewhere only in FILTERs of that group;
  projection of $this; no LIMIT, OFFSET, aggregates, VALUES, MINUS, sub-SELECT. The message
  gets pySHACL's {?var} substitution. (The query itself runs on the store's SPARQL engine.)
- sh:lessThan / sh:lessThanOrEquals: the query narrows the pairs, Python compares them as
  pySHACL does.
- sh:deactivated shapes and SPARQL constraints are skipped; results carry the shape's
  severity.

Anything else - SHACL-AF (rules, SPARQL targets, functions), SPARQL-based constraint
components, sh:sparql on property shapes or nested in logical constraints, shapes pySHACL
itself would refuse to load, an unusual regular expression for the store's dialect - raises
``Unsupported`` when the shapes are compiled (or, for the few things only the data reveals,
``NeedsFallback`` while they run): the caller (core.validation) then validates with pySHACL.
A constraint is never silently skipped.

Stores: rdflib graphs (rdflib's SPARQL engine, "python" dialect) and Oxigraph stores ("rust"
dialect). Other stores (a SPARQL server, whose engine's regular expressions, typed-literal
handling and extension behaviour are unknown) are not compiled for. The results are those
pySHACL gives on the triples the store holds: Oxigraph keeps every integer type as
xsd:integer and numbers, booleans in canonical form, so an Oxigraph store filled from a file
may hold fewer distinct literals than rdflib reading the same file (core.validation copies an
rdflib graph into Oxigraph only when the copy is exact).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import store as store_mod
from .namespaces import SH, compact

try:  # Python's own regular-expression parser (the one pySHACL's re.compile uses)
    import re._parser as _sre_parse  # type: ignore[import-not-found]
    import re._constants as _sre_const  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_const  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]
_parse_regex = _sre_parse.parse  # (a regular expression, not RDF: kept out of the hostile-RDF parse() scan)


class Unsupported(Exception):
    """The shapes graph uses something this compiler does not reproduce exactly; the message
    says what. Validate with pySHACL instead."""


class NeedsFallback(Exception):
    """The data holds something the compiled queries cannot judge the way pySHACL does (pySHACL
    would fail on it, or a list of verdicts would be too long). Validate with pySHACL."""


@dataclass(frozen=True)
class Finding:
    """One validation result, as rdflib terms (``path`` is the shapes-graph node of the path)."""

    focus: Any
    path: Any
    value: Any
    source_shape: Any
    component: URIRef
    severity: URIRef
    message: str
    source_constraint: Any = None


# --- constants ---------------------------------------------------------------------------------

_ALLOWED_SEVERITIES = (SH.Info, SH.Warning)  # pySHACL with allow_infos and allow_warnings
_MAX_VALIDATION_DEPTH = 15  # pySHACL's executor default
_MAX_LIST = 2000  # verdicts written into one query
_MAX_EXPRESSIONS = 20000  # nested shape expressions in one shapes graph (sh:or of sh:or of ...)
_MAX_QUERY = 512 * 1024  # characters of one compiled query

# Every constraint parameter pySHACL knows (pyshacl.constraints.ALL_CONSTRAINT_PARAMETERS) and
# the component that handles it.
_PARAMETERS = {
    SH["class"]: "class", SH.datatype: "datatype", SH.nodeKind: "nodeKind",
    SH.minCount: "count", SH.maxCount: "count",
    SH.minExclusive: "range", SH.minInclusive: "range", SH.maxExclusive: "range",
    SH.maxInclusive: "range",
    SH["not"]: "not", SH["and"]: "and", SH["or"]: "or", SH.xone: "xone",
    SH.minLength: "length", SH.maxLength: "length", SH.pattern: "pattern",
    SH.languageIn: "languageIn", SH.uniqueLang: "uniqueLang",
    SH.equals: "equals", SH.disjoint: "disjoint", SH.lessThan: "lessThan",
    SH.lessThanOrEquals: "lessThan",
    SH.node: "node", SH.property: "property",
    SH.qualifiedValueShape: "qualified", SH.qualifiedMinCount: "qualified",
    SH.qualifiedValueShapesDisjoint: "qualified", SH.qualifiedMaxCount: "qualified",
    SH.closed: "closed", SH.ignoredProperties: "closed",
    SH.hasValue: "hasValue", SH["in"]: "in", SH.sparql: "sparql",
}
# SHACL-AF and extension terms pySHACL only honours in advanced or JS mode.
_ADVANCED = (SH.rule, SH.target, SH.SPARQLTarget, SH.SPARQLTargetType, SH.SPARQLFunction,
             SH.TripleRule, SH.SPARQLRule, SH.JSTarget, SH.JSConstraint, SH.js, SH.expression)

_COMPONENT = {
    "class": SH.ClassConstraintComponent, "datatype": SH.DatatypeConstraintComponent,
    "nodeKind": SH.NodeKindConstraintComponent, "minCount": SH.MinCountConstraintComponent,
    "maxCount": SH.MaxCountConstraintComponent, "minLength": SH.MinLengthConstraintComponent,
    "maxLength": SH.MaxLengthConstraintComponent, "pattern": SH.PatternConstraintComponent,
    "languageIn": SH.LanguageInConstraintComponent, "uniqueLang": SH.UniqueLangConstraintComponent,
    "equals": SH.EqualsConstraintComponent, "disjoint": SH.DisjointConstraintComponent,
    "lessThan": SH.LessThanConstraintComponent,
    "lessThanOrEquals": SH.LessThanOrEqualsConstraintComponent,
    "not": SH.NotConstraintComponent, "and": SH.AndConstraintComponent,
    "or": SH.OrConstraintComponent, "xone": SH.XoneConstraintComponent,
    "node": SH.NodeConstraintComponent, "qualifiedMinCount": SH.QualifiedMinCountConstraintComponent,
    "qualifiedMaxCount": SH.QualifiedMaxCountConstraintComponent,
    "closed": SH.ClosedConstraintComponent, "hasValue": SH.HasValueConstraintComponent,
    "in": SH.InConstraintComponent, "sparql": SH.SPARQLConstraintComponent,
    "minInclusive": SH.MinInclusiveConstraintComponent,
    "minExclusive": SH.MinExclusiveConstraintComponent,
    "maxInclusive": SH.MaxInclusiveConstraintComponent,
    "maxExclusive": SH.MaxExclusiveConstraintComponent,
}
# Class names pySHACL's recursion check compares (constraint_component.recursion_triggers).
_PROPERTY, _NODE = "property", "node"

_XSD = str(XSD)
_YEAR = r"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"  # Python's dates have no year 0
# Lexical forms rdflib surely reads as a well-typed value of the datatype (and of the Python
# type pySHACL's sh:datatype check wants). Others are judged in Python. A datatype missing
# here but known to rdflib has no "sure" form: all its literals are judged in Python.
_SURE_FORMS = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.long: r"^[+-]?[0-9]{1,18}$",
    XSD.int: r"^[+-]?[0-9]{1,9}$",
    XSD.short: r"^[+-]?[0-9]{1,4}$",
    XSD.byte: r"^[+-]?[0-9]{1,2}$",
    XSD.nonNegativeInteger: r"^[+]?[0-9]+$",
    XSD.positiveInteger: r"^[+]?0*[1-9][0-9]*$",
    XSD.nonPositiveInteger: r"^-[0-9]+$|^[+-]?0+$",
    XSD.negativeInteger: r"^-0*[1-9][0-9]*$",
    XSD.unsignedLong: r"^[+]?[0-9]{1,19}$",
    XSD.unsignedInt: r"^[+]?[0-9]{1,9}$",
    XSD.unsignedShort: r"^[+]?[0-9]{1,4}$",
    XSD.unsignedByte: r"^[+]?[0-9]{1,2}$",
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.double: r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$",
    XSD.float: r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    XSD.dateTime: _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
    XSD.time: r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
    XSD.duration: r"^P([0-9]{1,9}Y([0-9]{1,9}M)?([0-9]{1,9}D)?|[0-9]{1,9}M([0-9]{1,9}D)?|[0-9]{1,9}D)$",
}
# Numbers both engines compare exactly (no exponent, few digits: Oxigraph's decimals are
# fixed-point) - for sh:minInclusive & co. and sh:lessThan.
_SURE_NUMBER = r"^[+-]?[0-9]{1,15}(\.[0-9]{1,15})?$"
_SURE_NUMBER_TYPES = (XSD.integer, XSD.decimal)


def _rdflib_checks(datatype: URIRef) -> bool:
    """Whether rdflib can find a literal of ``datatype`` ill-typed (or pySHACL can find its
    value of the wrong Python type): then a literal's lexical form matters."""
    from rdflib.term import _toPythonMapping  # rdflib's own table of recognised datatypes

    if datatype not in _toPythonMapping:
        return False
    converter = _toPythonMapping[datatype]
    return converter is not None or datatype in (XSD.integer, XSD.decimal, XSD.boolean)


# --- deciding one term the way pySHACL does -------------------------------------------------------


def datatype_ok(value, datatype: URIRef) -> bool:
    """pySHACL's sh:datatype check (DatatypeConstraintComponent) for one value node."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
        return _actual_datatype(value, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and value.datatype:
        return True
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return _actual_datatype(value, datatype)
    if datatype == RDF.langString and value.language:
        return _actual_datatype(value, datatype)
    return False


def _actual_datatype(value: Literal, datatype: URIRef) -> bool:
    import datetime

    python = value.value
    if datatype in (XSD.string, RDF.langString):
        return isinstance(python, (str, bytes))
    checks = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool,
              XSD.date: datetime.date, XSD.time: datetime.time, XSD.dateTime: datetime.datetime}
    wanted = checks.get(datatype)
    return True if wanted is None else isinstance(python, wanted)


def _compare_literal(l1: Literal, l2: Literal) -> int:
    """pySHACL's rdfutil.compare.compare_literal."""
    import datetime

    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (datetime.datetime, datetime.time):
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def range_ok(value, bound: Literal, kind: str) -> bool:
    """pySHACL's sh:minInclusive / minExclusive / maxInclusive / maxExclusive for one value."""
    if not isinstance(value, Literal):
        return False
    bound_is_string = isinstance(bound.value, str)
    value_is_string = isinstance(value.value, str)
    if bound_is_string != value_is_string:
        return False
    try:
        cmp = _compare_literal(value, bound)
    except (TypeError, NotImplementedError):
        return False
    return {"minExclusive": cmp > 0, "minInclusive": cmp >= 0,
            "maxExclusive": cmp < 0, "maxInclusive": cmp <= 0}[kind]


def less_than_ok(value, other, or_equal: bool) -> bool:
    """pySHACL's pairwise check of sh:lessThan (sh:lessThanOrEquals) for one pair."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise NeedsFallback("sh:lessThan met a blank node (pySHACL refuses to compare one)")

    def plain(term):
        if isinstance(term, URIRef):
            return str(term), True
        if isinstance(term, Literal) and isinstance(term.value, str):
            return term.value, True
        return term, False

    left, left_string = plain(value)
    right, right_string = plain(other)
    if left_string != right_string:
        return False
    try:
        return bool(left <= right) if or_equal else bool(left < right)
    except TypeError:
        raise NeedsFallback(f"sh:lessThan cannot compare {value!r} with {other!r}") from None


# --- SPARQL text ---------------------------------------------------------------------------------

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(text: str) -> str:
    return '"' + "".join(_ECHAR.get(c, c) for c in text) + '"'


def _iri(term) -> str:
    text = str(term)
    if _IRI_FORBIDDEN.search(text):
        raise Unsupported(f"the IRI {text!r} cannot be written in a query")
    return f"<{text}>"


def sparql_term(term) -> str:
    """An IRI or a literal as SPARQL text (blank nodes of the shapes graph have no meaning in
    the data: Unsupported)."""
    if isinstance(term, URIRef):
        return _iri(term)
    if isinstance(term, Literal):
        text = _string(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{_iri(term.datatype)}"
        return text
    raise Unsupported(f"a blank node ({term}) as a value to compare with")


# --- paths ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """A SHACL path as pySHACL walks it. kind: iri (with inverse), seq, alt, star, plus, opt."""

    kind: str
    iri: URIRef | None = None
    inverse: bool = False
    parts: tuple = ()

    def sparql(self) -> str:
        if self.kind == "iri":
            return ("^" if self.inverse else "") + _iri(self.iri)
        if self.kind == "seq":
            return "(" + "/".join(p.sparql() for p in self.parts) + ")"
        if self.kind == "alt":
            return "(" + "|".join(p.sparql() for p in self.parts) + ")"
        suffix = {"star": "*", "plus": "+", "opt": "?"}[self.kind]
        return "(" + self.parts[0].sparql() + ")" + suffix

    def domain(self, focus: frozenset) -> frozenset:
        """Where the values can come from, as far as literals go (see ``_Domain``)."""
        if self.kind == "iri":
            return frozenset() if self.inverse else frozenset({("p", self.iri)})
        if self.kind == "seq":
            current = focus
            for part in self.parts:
                current = part.domain(current)
            return current
        if self.kind == "alt":
            out: frozenset = frozenset()
            for part in self.parts:
                out |= part.domain(focus)
            return out
        inner = self.parts[0]
        reached = inner.domain(focus)
        if self.kind != "opt":
            while True:
                more = reached | inner.domain(reached)
                if more == reached:
                    break
                reached = more
        return reached | focus if self.kind in ("star", "opt") else reached


def _parse_path(sg: Graph, node, inverse: bool = False, recursion: int = 0) -> _Path:
    """Read a SHACL path the way pySHACL's value_nodes_from_path walks it."""
    if isinstance(node, URIRef):
        return _Path("iri", iri=node, inverse=inverse)
    if isinstance(node, Literal):
        raise Unsupported("a literal as a property path")
    if recursion >= 10:
        raise Unsupported("a property path nested too deeply for pySHACL")
    firsts = set(sg.objects(node, RDF.first))
    if firsts:
        if len(firsts) > 1:
            raise Unsupported("a malformed list in a property path")
        rests = set(sg.objects(node, RDF.rest))
        if len(rests) != 1:
            raise Unsupported("a malformed list in a property path")
        first_path = _parse_path(sg, next(iter(firsts)), inverse, recursion + 1)
        rest = next(iter(rests))
        if rest == RDF.nil:
            if recursion == 0:
                raise Unsupported("a sequence path with fewer than two steps")
            return first_path
        rest_path = _parse_path(sg, rest, inverse, recursion + 1)
        parts = (first_path,) + (rest_path.parts if rest_path.kind == "seq" and _is_list(sg, rest) else (rest_path,))
        return _Path("seq", parts=parts)
    for predicate in (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath,
                      SH.zeroOrOnePath):
        values = set(sg.objects(node, predicate))
        if not values:
            continue
        if len(values) > 1:
            raise Unsupported(f"several values of {compact(str(predicate))} in one path")
        value = next(iter(values))
        if predicate == SH.inversePath:
            return _parse_path(sg, value, not inverse, recursion + 1)
        if predicate == SH.alternativePath:
            items = list(sg.items(value))
            if len(items) < 2:
                raise Unsupported("an alternative path with fewer than two members")
            return _Path("alt", parts=tuple(_parse_path(sg, i, inverse, recursion + 1) for i in items))
        kind = {SH.zeroOrMorePath: "star", SH.oneOrMorePath: "plus", SH.zeroOrOnePath: "opt"}[predicate]
        return _Path(kind, parts=(_parse_path(sg, value, inverse, recursion + 1),))
    raise Unsupported("a property path pySHACL cannot read")


def _is_list(sg: Graph, node) -> bool:
    return (node, RDF.first, None) in sg


# --- the shapes ----------------------------------------------------------------------------------


@dataclass
class _Shape:
    node: Any
    is_property: bool
    path_node: Any = None
    path: _Path | None = None
    severity: URIRef = SH.Violation
    deactivated: bool = False
    messages: list = field(default_factory=list)
    kinds: list = field(default_factory=list)  # component kinds, in pySHACL's order, once each

    def message(self) -> str | None:
        english = [m for m in self.messages if isinstance(m, Literal) and m.language in (None, "en")]
        chosen = sorted(english or self.messages, key=str)
        return " ".join(str(chosen[0]).split()) if chosen else None


def _one(sg: Graph, node, predicate, what: str):
    values = list(sg.objects(node, predicate))
    if len(values) > 1:
        raise Unsupported(f"{compact(str(node)) if isinstance(node, URIRef) else 'a shape'} has several {what}")
    return values[0] if values else None


def _int_value(term, what: str) -> int:
    if not isinstance(term, Literal) or not isinstance(term.value, int) or isinstance(term.value, bool):
        raise Unsupported(f"{what} is not an integer")
    return int(term.value)


def _read_shapes(sg: Graph) -> dict:
    """The shapes pySHACL finds in ``sg`` (ShapesGraph._build_node_shape_cache)."""
    node_shapes = set(sg.subjects(RDF.type, SH.NodeShape))
    prop_shapes = set(sg.subjects(RDF.type, SH.PropertyShape))
    for s in node_shapes:
        if (s, SH.path, None) in sg:
            raise Unsupported("a sh:NodeShape with a sh:path")
    paths = {}
    for s in prop_shapes:
        if s in node_shapes:
            raise Unsupported("a shape that is both a node shape and a property shape")
        values = list(sg.objects(s, SH.path))
        if len(values) != 1:
            raise Unsupported("a sh:PropertyShape without exactly one sh:path")
        paths[s] = values[0]
    subject_shapes = {s for p in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                                  SH.property, SH.node) for s in sg.subjects(p, None)}
    expected = {o for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape) for o in sg.objects(None, p)}
    for p in (SH["and"], SH["or"], SH.xone):
        for head in sg.objects(None, p):
            items = list(sg.items(head))
            if not items:
                raise Unsupported(f"an empty or malformed {compact(str(p))} list")
            expected.update(items)
    for s in list(subject_shapes) + list(expected):
        if s in node_shapes or s in prop_shapes or s in paths:
            continue
        values = list(sg.objects(s, SH.path))
        if len(values) > 1:
            raise Unsupported("a shape with several sh:path values")
        if values:
            paths[s] = values[0]
        else:
            node_shapes.add(s)
    shapes = {}
    for s in node_shapes | set(paths):
        shape = _Shape(node=s, is_property=s in paths, path_node=paths.get(s))
        if shape.is_property:
            shape.path = _parse_path(sg, shape.path_node)
        severities = list(sg.objects(s, SH.severity))
        if len(severities) > 1:
            raise Unsupported("a shape with several sh:severity values")
        if severities:
            if not isinstance(severities[0], URIRef):
                raise Unsupported("a sh:severity that is not an IRI")
            shape.severity = severities[0]
        deactivated = _one(sg, s, SH.deactivated, "sh:deactivated values")
        if deactivated is not None:
            if not isinstance(deactivated, Literal):
                raise Unsupported("a sh:deactivated that is not a literal")
            shape.deactivated = bool(deactivated.value)
        shape.messages = list(sg.objects(s, SH.message))
        for predicate, _o in sg.predicate_objects(s):
            kind = _PARAMETERS.get(predicate)
            if kind is not None and kind not in shape.kinds:
                shape.kinds.append(kind)
        shapes[s] = shape
    return shapes


def _targets(sg: Graph, shape_node) -> list[tuple[str, Any]]:
    """The targets of a shape, in a fixed order (shapes with the same targets share queries)."""
    out = [("node", t) for t in sorted(set(sg.objects(shape_node, SH.targetNode)), key=_key)]
    classes = set(sg.objects(shape_node, SH.targetClass))
    # implicit class targets: pySHACL adds owl:Class rdfs:subClassOf rdfs:Class to the shapes graph
    class_types = set(sg.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class, OWL.Class}
    if set(sg.objects(shape_node, RDF.type)) & class_types:
        classes.add(shape_node)
    out += [("class", c) for c in sorted(classes, key=_key)]
    out += [("subjectsOf", p) for p in sorted(set(sg.objects(shape_node, SH.targetSubjectsOf)), key=_key)]
    out += [("objectsOf", p) for p in sorted(set(sg.objects(shape_node, SH.targetObjectsOf)), key=_key)]
    return out


def _key(term) -> tuple:
    return (type(term).__name__, str(term))


# --- pySHACL's evaluation path and its recursion check ------------------------------------------
# pySHACL keeps a list [shape, constraint, shape, constraint, ...] of what is being evaluated
# and stops a nested evaluation when it looks recursive. The list depends only on the shapes,
# so the compiler keeps the same list and makes the same decisions.


@dataclass(frozen=True)
class _C:
    kind: str  # component class: property, node, not, and, or, xone, qualified, ...
    shape: Any


def _recursion_triggers(path: list) -> list | None:
    """pySHACL's ConstraintComponent.recursion_triggers, on the symbolic evaluation path."""
    n = len(path)
    if n < 4:
        return None
    shape, this = path[n - 2], path[n - 1]
    prev_constraint = path[n - 3]
    lookback = 3 * 2
    if isinstance(prev_constraint, _C) and {this.kind, prev_constraint.kind} == {_PROPERTY, _NODE} \
            and this.kind != prev_constraint.kind:
        lookback = 3 * 4
    if n < lookback:
        return None
    maybe = []
    for s in [i for i, x in enumerate(path[: n - 2]) if not isinstance(x, _C) and x == shape]:
        for i, p in enumerate(path[s + 1: -2]):
            if isinstance(p, _C):
                if p.shape == shape and p.kind == this.kind:
                    if s + 1 + i + 1 < len(path):
                        maybe.append(path[s + 1 + i + 1])
                break
    return maybe


def _check_depth(path: list) -> None:
    if len(path) // 2 >= _MAX_VALIDATION_DEPTH:
        raise Unsupported("shapes nested deeper than pySHACL validates (it would stop with an error)")


# --- value tests whose verdict depends on lexical forms -----------------------------------------


@dataclass
class _Judged:
    """A per-term test judged in Python for the literals the query cannot judge itself."""

    id: int
    kind: str  # datatype | range
    params: tuple
    domain: frozenset
    uncertain: str  # SPARQL condition on ?_cvkg_v: the query's own verdict may be wrong
    decide: Callable[[Any], bool]
    passing: list = field(default_factory=list)  # literal target nodes: (lexical, datatype, language)
    failing: list = field(default_factory=list)


def _placeholder(test_id: int, var: str) -> str:
    return f"__CVKG_JUDGED_{test_id}__({var})"


_PLACEHOLDER = re.compile(r"__CVKG_JUDGED_(\d+)__\((\?\w+)\)")


def _class_placeholder(index: int, var: str, type_var: str) -> str:
    return f"__CVKG_CLASS_{index}__({var},{type_var})"


_CLASS_PLACEHOLDER = re.compile(r"__CVKG_CLASS_(\d+)__\((\?\w+),(\?\w+)\)")


def _term_condition(var: str, lexical: str, datatype, language) -> str:
    if language:
        return f"(LANG({var}) = {_string(language)} && STR({var}) = {_string(lexical)})"
    return f"(DATATYPE({var}) = {_iri(datatype or XSD.string)} && STR({var}) = {_string(lexical)})"


# --- regular expressions for Oxigraph --------------------------------------------------------------


def _rust_pattern(pattern: str, multiline: bool) -> str:
    """``pattern`` (Python ``re`` syntax) rewritten for Oxigraph's Rust regex engine so that a
    search finds the same strings; Unsupported outside the common ground of both."""
    try:
        parsed = _parse_regex(pattern, re.M if multiline else 0)
    except re.error as exc:
        raise Unsupported(f"sh:pattern {pattern!r} is not a Python regular expression: {exc}") from None
    if parsed.state.flags & ~(re.UNICODE | re.M):
        raise Unsupported(f"sh:pattern {pattern!r}: inline flags")
    multiline = multiline or bool(parsed.state.flags & re.M)
    items = list(parsed)
    out = []
    for index, (op, arg) in enumerate(items):
        if op is _sre_const.AT and arg is _sre_const.AT_END and not multiline:
            if index != len(items) - 1:
                raise Unsupported(f"sh:pattern {pattern!r}: $ before the end of the pattern")
            out.append("(?:\\n?$)")  # Python's $ also matches before a final newline
            continue
        if op is _sre_const.AT and arg is _sre_const.AT_BEGINNING and index != 0 and not multiline:
            raise Unsupported(f"sh:pattern {pattern!r}: ^ after the start of the pattern")
        out.append(_rust_item(op, arg, pattern, multiline))
    return "".join(out)


_META = set(".^$*+?()[]{}|\\-#&~")


def _rust_char(code: int, in_class: bool = False) -> str:
    char = chr(code)
    if char.isalnum() and code < 128:
        return char
    if char in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char]
    if code < 32 or code == 127:
        return f"\\x{{{code:X}}}"
    if char in _META or (in_class and char in "^"):
        return "\\" + char
    if code < 128:
        return char
    return f"\\x{{{code:X}}}"


def _rust_item(op, arg, pattern: str, multiline: bool) -> str:
    c = _sre_const
    if op is c.LITERAL:
        return _rust_char(arg)
    if op is c.NOT_LITERAL:
        return f"[^{_rust_char(arg, True)}]"
    if op is c.ANY:
        return "."
    if op is c.AT:
        if arg is c.AT_BEGINNING:
            return "^"
        if arg is c.AT_END and multiline:
            return "$"
        raise Unsupported(f"sh:pattern {pattern!r}: an anchor outside the common ground of Python and Rust")
    if op is c.IN:
        parts, negate = [], ""
        for iop, iarg in arg:
            if iop is c.NEGATE:
                negate = "^"
            elif iop is c.LITERAL:
                parts.append(_rust_char(iarg, True))
            elif iop is c.RANGE:
                parts.append(_rust_char(iarg[0], True) + "-" + _rust_char(iarg[1], True))
            elif iop is c.CATEGORY and iarg is c.CATEGORY_DIGIT:
                parts.append("\\d")
            elif iop is c.CATEGORY and iarg is c.CATEGORY_NOT_DIGIT:
                parts.append("\\D")
            else:
                raise Unsupported(f"sh:pattern {pattern!r}: a character class outside the common ground of Python and Rust")
        return "[" + negate + "".join(parts) + "]"
    if op is c.CATEGORY:
        if arg is c.CATEGORY_DIGIT:
            return "\\d"
        if arg is c.CATEGORY_NOT_DIGIT:
            return "\\D"
        raise Unsupported(f"sh:pattern {pattern!r}: \\w, \\s or \\b (Python and Rust read them differently)")
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, sub = arg
        inner = "".join(_rust_item(o, a, pattern, multiline) for o, a in sub)
        if high is c.MAXREPEAT:
            quant = "*" if low == 0 else "+" if low == 1 else f"{{{low},}}"
        elif low == high:
            quant = f"{{{low}}}"
        elif low == 0 and high == 1:
            quant = "?"
        else:
            quant = f"{{{low},{high}}}"
        if low > 1000 or (high is not c.MAXREPEAT and high > 1000):
            raise Unsupported(f"sh:pattern {pattern!r}: a repetition count too large for Rust")
        return f"(?:{inner}){quant}" + ("?" if op is c.MIN_REPEAT else "")
    if op is c.SUBPATTERN:
        group, add_flags, del_flags, sub = arg
        if add_flags or del_flags:
            raise Unsupported(f"sh:pattern {pattern!r}: inline flags")
        return "(?:" + "".join(_rust_item(o, a, pattern, multiline) for o, a in sub) + ")"
    if op is c.BRANCH:
        _none, branches = arg
        return "(?:" + "|".join("".join(_rust_item(o, a, pattern, multiline) for o, a in b) for b in branches) + ")"
    raise Unsupported(f"sh:pattern {pattern!r}: {str(op).lower()} is outside the common ground of Python and Rust")


# --- SPARQL constraints ----------------------------------------------------------------------------

_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*\n|PREFIX\s+[A-Za-z0-9_.\-\u00C0-\uFFFF]*:\s*<[^<>\"{}|^`\\\x00-\x20]*>|BASE\s*<[^<>\"{}|^`\\\x00-\x20]*>)*",
    re.I)


def _prefixes(sg: Graph, constraint) -> dict:
    """pySHACL's SPARQLQueryHelper.collect_prefixes."""
    out: dict = {}
    values = set(sg.objects(constraint, SH.prefixes))
    if not values:
        return out
    ng = set(sg.objects(sg.identifier, SH.declare)) if sg.identifier else set()
    onts = set(sg.subjects(RDF.type, OWL.Ontology))
    ont_declares = {d for o in onts for d in sg.objects(o, SH.declare)}
    for value in values:
        own = set(sg.objects(value, SH.declare))
        declares = (own | ng) if (own and value in onts) else (ng | ont_declares | own)
        for dec in declares:
            if isinstance(dec, Literal):
                raise Unsupported("a literal sh:declare")
            prefixes = list(sg.objects(dec, SH.prefix))
            namespaces = list(sg.objects(dec, SH.namespace))
            if len(prefixes) != 1 or len(namespaces) != 1:
                raise Unsupported("a sh:declare without exactly one sh:prefix and sh:namespace")
            prefix, namespace = prefixes[0], namespaces[0]
            if not isinstance(prefix, Literal) or not isinstance(prefix.value, str) or not isinstance(namespace, Literal):
                raise Unsupported("a sh:declare pySHACL would refuse")
            out[str(prefix.value)] = str(namespace.value if namespace.value is not None else namespace)
    return out


def _walk_this(node, spine: bool, found: dict) -> None:
    """Record where ?this occurs in an rdflib algebra tree: found["spine_bgp"] when in a triple
    pattern of the main group; raise Unsupported where pre-binding and joining could differ."""
    from rdflib.plugins.sparql.parserutils import CompValue

    this = Variable("this")

    def mentions(x) -> bool:
        if x == this:
            return True
        if isinstance(x, CompValue):
            return any(mentions(v) for v in x.values())
        if isinstance(x, dict):
            return any(mentions(v) for v in x.values())
        if isinstance(x, (list, tuple, set)):
            return any(mentions(v) for v in x)
        return False

    if not isinstance(node, CompValue):
        return
    name = node.name
    if name in ("SelectQuery", "Project", "Distinct", "Reduced", "OrderBy"):
        _walk_this(node.p, spine, found)
        return
    if name == "BGP":
        if any(this in triple for triple in node.triples):
            if not spine:
                raise Unsupported("$this in an OPTIONAL, UNION or nested group of a sh:select")
            found["spine_bgp"] = True
        return
    if name == "Filter":
        if mentions(node.expr) and not spine:
            raise Unsupported("$this in a FILTER of an OPTIONAL, UNION or nested group of a sh:select")
        _walk_this(node.p, spine, found)
        return
    if name == "Join":
        _walk_this(node.p1, spine, found)
        _walk_this(node.p2, spine, found)
        return
    if name == "LeftJoin":
        _walk_this(node.p1, spine, found)
        if mentions(node.p2) or mentions(node.get("expr")):
            raise Unsupported("$this inside an OPTIONAL of a sh:select")
        return
    if name == "Extend":
        if node.var == this or mentions(node.expr):
            raise Unsupported("$this in a BIND or a SELECT expression of a sh:select")
        _walk_this(node.p, spine, found)
        return
    if name == "Union":
        if mentions(node):
            raise Unsupported("$this inside a UNION of a sh:select")
        return
    raise Unsupported(f"{name} in a sh:select (LIMIT, OFFSET, aggregates, VALUES, MINUS, GRAPH or a sub-SELECT)")


@dataclass
class _SparqlConstraint:
    node: Any
    prologue: str
    body: str  # the SELECT query, without its prologue
    variables: list  # projected variable names (None: SELECT *)
    messages: list


def _read_sparql_constraint(sg: Graph, node) -> _SparqlConstraint | None:
    selects = list(sg.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal) or not isinstance(selects[0].value, str):
        raise Unsupported("a sh:sparql constraint without exactly one sh:select string (sh:ask is not a constraint)")
    messages = list(sg.objects(node, SH.message))
    deactivated = list(sg.objects(node, SH.deactivated))
    if deactivated:
        if not isinstance(deactivated[0], Literal) or not isinstance(deactivated[0].value, bool):
            raise Unsupported("a sh:deactivated that is not a boolean")
        if deactivated[0].value:
            return None
    text = selects[0].value
    for var in ("$PATH", "currentShape", "shapesGraph", "failure", "_cvkg_"):
        if var in text:
            raise Unsupported(f"a sh:select using {var}")
    if re.search(r"\b(MINUS|VALUES)\b", text, re.I):
        raise Unsupported("a sh:select with MINUS or VALUES (pySHACL refuses them)")
    prefixes = _prefixes(sg, node)
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    from rdflib.plugins.sparql import prepareQuery

    try:
        query = prepareQuery(header + "\n" + text)
    except Exception as exc:  # noqa: BLE001 - pySHACL would fail on it too
        raise Unsupported(f"a sh:select that does not parse: {' '.join(str(exc).split())[:120]}") from None
    algebra = query.algebra
    if algebra.name != "SelectQuery":
        raise Unsupported("a sh:select that is not a SELECT query")
    found: dict = {}
    _walk_this(algebra, True, found)
    if not found.get("spine_bgp"):
        raise Unsupported("a sh:select whose $this is not bound by a triple pattern of its main group")
    projected = [str(v) for v in (algebra.get("PV") or [])]
    star = bool(re.match(r"\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", text[_PROLOGUE.match(text).end():], re.I))
    if not star and "this" not in projected:
        if not {"value", "path"} & set(projected):
            return _SparqlConstraint(node, "", "", [], messages)  # pySHACL never reports a row
        raise Unsupported("a sh:select that does not project $this")
    match = _PROLOGUE.match(text)
    body = text[match.end():]
    if not re.match(r"\s*SELECT\b", body, re.I):
        raise Unsupported("a sh:select whose prologue cannot be separated from the query")
    return _SparqlConstraint(node, header + text[: match.end()], body, None if star else projected, messages)


# --- the compiled plan -------------------------------------------------------------------------------


@dataclass
class _Unit:
    """One SELECT query and how its rows become findings. ``generated``: the text is built by
    the compiler from escaped terms only (no SPARQL text of the shapes in it)."""

    name: str
    text: str
    decode: Callable[[list, list], list]
    generated: bool = True


def _select(source, text: str, name: str, generated: bool):
    """``core.store.select``. A store may re-parse every query it is given to refuse SERVICE
    and FROM before its engine sees it (Oxigraph's does, with rdflib's parser: 20-250 ms a
    query, most of the time of a validation at 10^5 triples). The compiler's own queries
    cannot hold either, so they are passed with ``checked=True``; SPARQL text from the shapes
    (sh:select) never is."""
    return store_mod.select(source, text, name=name, checked=generated)


@dataclass
class Compiled:
    """Shapes compiled for one SPARQL dialect. ``run`` validates a graph or a store."""

    dialect: str
    units: list
    judged: list
    shapes: dict
    classes: list = field(default_factory=list)

    @property
    def query_count(self) -> int:
        return len(self.units) + (1 if self._judged_pending() else 0) + (1 if self.classes else 0)

    def _judged_pending(self) -> list:
        return [t for t in self.judged if t.domain]

    def run(self, source, bar=None) -> list[Finding]:
        verdicts = self._judge(source, bar)
        closures = self._classes(source, bar)
        findings: list[Finding] = []
        for unit in self.units:
            text = self._fill_classes(self._fill(unit.text, verdicts), closures)
            result = _select(source, text, f"validation query {unit.name}", unit.generated)
            findings.extend(unit.decode(result.columns, result.rows))
            if bar is not None:
                bar.update()
        return findings

    def _judge(self, source, bar) -> dict:
        """test id -> (passing, failing) literals: those known when compiling (literal target
        nodes) and the unusual ones of the data, found by one query and judged in Python."""
        verdicts = {t.id: (list(t.passing), list(t.failing)) for t in self.judged}
        pending = self._judged_pending()
        if not pending:
            return verdicts
        branches = []
        for test in pending:
            if ("any",) in test.domain:
                pattern = "?_cvkg_s ?_cvkg_p ?_cvkg_v ."
            else:
                preds = sorted(str(d[1]) for d in test.domain if d[0] == "p")
                pattern = ("VALUES ?_cvkg_p { " + " ".join(_iri(p) for p in preds) + " } "
                           "?_cvkg_s ?_cvkg_p ?_cvkg_v .")
            branches.append(f"{{ {pattern} FILTER({test.uncertain}) BIND({test.id} AS ?_cvkg_t) }}")
        text = ("SELECT DISTINCT ?_cvkg_t ?_cvkg_lex ?_cvkg_dt ?_cvkg_lang WHERE {\n  "
                + "\n  UNION ".join(branches)
                + "\n  BIND(STR(?_cvkg_v) AS ?_cvkg_lex) BIND(DATATYPE(?_cvkg_v) AS ?_cvkg_dt)"
                " BIND(LANG(?_cvkg_v) AS ?_cvkg_lang)\n}")
        result = _select(source, text, "validation query (lexical forms)", True)
        by_id = {t.id: t for t in pending}
        for test_id, lexical, datatype, language in result.rows:
            test = by_id[int(test_id)]
            language = str(language) if language else None
            term = Literal(str(lexical), lang=language) if language else Literal(
                str(lexical), datatype=None if datatype == XSD.string else datatype)
            passing, failing = verdicts[test.id]
            (passing if test.decide(term) else failing).append((str(lexical), None if language else datatype, language))
        if bar is not None:
            bar.update()
        return verdicts

    def _classes(self, source, bar) -> list:
        """For each class of sh:class, the classes below it in the data (rdfs:subClassOf*,
        itself included): one query."""
        if not self.classes:
            return []
        text = ("SELECT ?_cvkg_c ?_cvkg_t WHERE { VALUES ?_cvkg_c { " + " ".join(_iri(c) for c in self.classes)
                + f" }} ?_cvkg_t {_iri(RDFS.subClassOf)}* ?_cvkg_c }}")
        below: dict = {c: {c} for c in self.classes}
        for cls, sub in _select(source, text, "validation query (classes)", True).rows:
            below[cls].add(sub)
        if bar is not None:
            bar.update()
        return [sorted(below[c], key=str) for c in self.classes]

    def _fill_classes(self, text: str, closures: list) -> str:
        if "__CVKG_CLASS_" not in text:
            return text
        in_list = self.dialect == "rust"

        def replace(match: re.Match) -> str:
            index, var, type_var = int(match.group(1)), match.group(2), match.group(3)
            classes = closures[index]
            if any(not isinstance(c, URIRef) or _IRI_FORBIDDEN.search(str(c)) for c in classes):
                return (f"EXISTS {{ {var} {_iri(RDF.type)} {type_var} . "
                        f"{type_var} {_iri(RDFS.subClassOf)}* {_iri(self.classes[index])} }}")
            if in_list:  # fastest on Oxigraph, but slow for rdflib's parser to check
                return (f"EXISTS {{ {var} {_iri(RDF.type)} {type_var} . "
                        f"FILTER({type_var} IN ({', '.join(_iri(c) for c in classes)})) }}")
            return (f"EXISTS {{ VALUES {type_var} {{ {' '.join(_iri(c) for c in classes)} }} "
                    f"{var} {_iri(RDF.type)} {type_var} }}")

        return _CLASS_PLACEHOLDER.sub(replace, text)

    @staticmethod
    def _fill(text: str, verdicts: dict) -> str:
        """The query with each judged test's verdicts written in: the shorter of the two
        lists (every literal the test can meet there is in one of them)."""
        if "__CVKG_JUDGED_" not in text:
            return text

        def replace(match: re.Match) -> str:
            passing, failing = verdicts[int(match.group(1))]
            var = match.group(2)
            if min(len(passing), len(failing)) > _MAX_LIST:
                raise NeedsFallback("too many unusual literals to list in a query")
            if len(passing) <= len(failing):
                return "(" + " || ".join(_term_condition(var, *t) for t in passing) + ")" if passing else "false"
            return "!(" + " || ".join(_term_condition(var, *t) for t in failing) + ")" if failing else "true"

        return _PLACEHOLDER.sub(replace, text)


# --- the compiler ------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    """The focus nodes of an evaluation: graph patterns binding ``vars`` (the chain of parents,
    last the focus; a chain may come out more than once: every query keeps DISTINCT chains),
    and where literals among them can come from."""

    vars: list
    pattern: str
    domain: frozenset

    @property
    def focus(self) -> str:
        return self.vars[-1]


@dataclass
class _Block:
    """The checks of every shape evaluated on one set of focus nodes: one value per focus node
    (``focus_checks``: shape, component, message, pass expression on the focus variable,
    whether the value is the focus node) and the value checks of property shapes
    (``branches``: shape, checks)."""

    ctx: _Ctx
    focus_checks: list = field(default_factory=list)
    branches: list = field(default_factory=list)


def _severity_allowed(shape: _Shape) -> bool:
    return shape.severity in _ALLOWED_SEVERITIES


class _Compiler:
    def __init__(self, sg: Graph, dialect: str) -> None:
        self.sg = sg
        self.dialect = dialect
        self.units: list[_Unit] = []
        self.judged: list[_Judged] = []
        self._judged_keys: dict = {}
        self._n = 0
        self._expressions = 0
        self.blocks: dict = {}
        self.classes: list = []  # classes of sh:class, whose subclasses are looked up when running
        self._check_features()
        self.shapes = _read_shapes(sg)

    # -- helpers

    def var(self, stem: str = "v") -> str:
        self._n += 1
        return f"?_cvkg_{stem}{self._n}"

    def shape(self, node) -> _Shape:
        found = self.shapes.get(node)
        if found is None:
            raise Unsupported(f"{node} is used as a shape but pySHACL would not find it")
        return found

    def _check_features(self) -> None:
        sg = self.sg
        for term in _ADVANCED:
            if (None, term, None) in sg or (None, None, term) in sg:
                raise Unsupported(f"{compact(str(term))} (SHACL advanced features)")
        if (None, RDF.type, SH.ConstraintComponent) in sg or (None, RDFS.subClassOf, SH.ConstraintComponent) in sg:
            raise Unsupported("SPARQL-based constraint components (sh:ConstraintComponent)")

    # -- top level

    def compile(self) -> Compiled:
        for node in sorted(self.shapes, key=lambda n: (isinstance(n, BNode), str(n))):
            shape = self.shapes[node]
            targets = _targets(self.sg, node)
            if not targets or shape.deactivated:
                continue
            ctx = self.root_ctx(targets)
            self.report(shape, ctx, [node])
        for block in self.blocks.values():
            self.focus_unit(block)
            self.values_unit(block)
        return Compiled(self.dialect, self.units, self.judged, self.shapes, self.classes)

    def root_ctx(self, targets) -> _Ctx:
        focus = "?_cvkg_f0"
        branches, domain, nodes = [], set(), []
        for index, (kind, value) in enumerate(targets):  # variable names follow the targets:
            t, other = f"?_cvkg_rt{index}", f"?_cvkg_ro{index}"  # the same targets, the same text
            if kind == "node":
                if isinstance(value, BNode):
                    raise Unsupported("a blank node as sh:targetNode")
                nodes.append(value)
                if isinstance(value, Literal):
                    domain.add(("t", value))
            elif kind == "class":
                branches.append(f"{focus} {_iri(RDF.type)} {t} . {t} {_iri(RDFS.subClassOf)}* {sparql_term(value)} .")
            elif kind == "subjectsOf":
                branches.append(f"{focus} {sparql_term(value)} {other} .")
            else:
                branches.append(f"{other} {sparql_term(value)} {focus} .")
                domain.add(("p", value))
        if nodes:
            branches.append(f"VALUES {focus} {{ {' '.join(sparql_term(n) for n in nodes)} }}")
        if len(branches) == 1:
            body = branches[0]
        else:
            body = " UNION ".join("{ " + b + " }" for b in branches)
            if self.dialect == "rust":  # Oxigraph: one distinct set of focus nodes, then the joins
                body = f"{{ SELECT DISTINCT {focus} WHERE {{ {body} }} }}"
        return _Ctx([focus], body, frozenset(domain))

    def extend(self, ctx: _Ctx, shape: _Shape) -> _Ctx:
        """The focus nodes of a property shape reached through sh:property from ``shape``."""
        if not shape.is_property:
            return ctx
        new = f"?_cvkg_f{len(ctx.vars)}"
        variables = ctx.vars + [new]
        pattern = f"{ctx.pattern} {ctx.focus} {shape.path.sparql()} {new} ."
        return _Ctx(variables, pattern, shape.path.domain(ctx.domain))

    def value_pattern(self, shape: _Shape, focus: str, value: str) -> str:
        return f"{focus} {shape.path.sparql()} {value} ." if shape.is_property else f"BIND({focus} AS {value})"

    def value_domain(self, shape: _Shape, focus_domain: frozenset) -> frozenset:
        return shape.path.domain(focus_domain) if shape.is_property else focus_domain

    def property_children(self, node, cpath: list):
        """The property shapes of ``node`` (sh:property) that pySHACL would evaluate at this
        point of the evaluation path ``cpath``: all of them, less those whose recursion it
        cuts off here."""
        triggers = _recursion_triggers(cpath)
        for p in self.sg.objects(node, SH.property):
            child = self.shape(p)
            if not child.is_property:
                raise Unsupported(f"sh:property {p} is not a property shape")
            if triggers and p in triggers:
                continue
            yield p, child

    # -- reported evaluation of a shape on the focus nodes of ``ctx``

    def report(self, shape: _Shape, ctx: _Ctx, path: list) -> None:
        if shape.deactivated:
            return
        sg, node = self.sg, shape.node
        value_checks = []  # (component, generic message, function(value variable) -> pass expression)
        vdom = self.value_domain(shape, ctx.domain)
        for kind in shape.kinds:
            cpath = path + [_C(kind, node)]
            if kind == "property":
                for p, child in self.property_children(node, cpath):
                    _check_depth(cpath)
                    self.report(child, self.extend(ctx, shape), cpath + [p])
            elif kind == "count":
                self.count_checks(shape, ctx)
            elif kind == "hasValue":
                shown_path = path_text(self.sg, shape.path_node)
                for hv in sg.objects(node, SH.hasValue):
                    self.block(ctx).focus_checks.append((
                        shape, SH.HasValueConstraintComponent,
                        (f"Node {{focus}}->{shown_path} does not contain a value in the set: [{term_text(hv)}]"
                         if shape.is_property else f"Node {{focus}} value is not a in the set of values: [{term_text(hv)}]"),
                        self.has_value_condition(shape, ctx.focus, hv), False))
            elif kind == "uniqueLang":
                self.unique_lang_unit(shape, ctx)
            elif kind in ("equals", "disjoint"):
                for other in sg.objects(node, SH[kind]):
                    self.pair_unit(shape, ctx, kind, other)
            elif kind == "lessThan":
                for predicate, or_equal in ((SH.lessThan, False), (SH.lessThanOrEquals, True)):
                    for other in sg.objects(node, predicate):
                        self.less_than_unit(shape, ctx, other, or_equal)
            elif kind == "qualified":
                self.qualified_unit(shape, ctx, cpath)
            elif kind == "sparql":
                if shape.is_property:
                    raise Unsupported("sh:sparql on a property shape")
                for constraint in sg.objects(node, SH.sparql):
                    self.sparql_unit(shape, ctx, constraint)
            elif kind == "closed":
                self.closed_unit(shape, ctx)
            else:
                value_checks.extend(self.value_checks(shape, kind, cpath, vdom))
        if value_checks:
            block = self.block(ctx)
            if shape.is_property:
                block.branches.append((shape, value_checks))
            else:  # the value node is the focus node
                for component, message, test in value_checks:
                    block.focus_checks.append((shape, component, message, test(ctx.focus), True))

    def block(self, ctx: _Ctx) -> "_Block":
        key = (tuple(ctx.vars), ctx.pattern)
        found = self.blocks.get(key)
        if found is None:
            found = self.blocks[key] = _Block(ctx)
        return found

    # -- value checks: a pass expression per value node

    def value_checks(self, shape: _Shape, kind: str, cpath: list, vdom: frozenset) -> list:
        """[(component IRI, generic message, function(var) -> pass expression)]"""
        sg, node = self.sg, shape.node
        out = []
        if kind == "class":
            classes = list(sg.objects(node, SH["class"]))
            shown = ", ".join(term_text(c) for c in classes)
            message = f"Value does not have class {shown}" if len(classes) == 1 else f"Value class is not in classes ({shown})"
            for c in classes:
                out.append((SH.ClassConstraintComponent, message, lambda v, c=c: self.class_test(v, c)))
        elif kind == "datatype":
            datatype = _one(sg, node, SH.datatype, "sh:datatype values")
            if not isinstance(datatype, URIRef):
                raise Unsupported("a sh:datatype that is not an IRI")
            test = self.datatype_test(datatype, vdom)
            out.append((SH.DatatypeConstraintComponent, f"Value is not Literal with datatype {term_text(datatype)}", test))
        elif kind == "nodeKind":
            kind_value = _one(sg, node, SH.nodeKind, "sh:nodeKind values")
            out.append((SH.NodeKindConstraintComponent, f"Value is not of Node Kind {term_text(kind_value)}",
                        lambda v: _node_kind_test(v, kind_value)))
        elif kind == "range":
            for predicate, name in ((SH.minExclusive, "minExclusive"), (SH.minInclusive, "minInclusive"),
                                    (SH.maxExclusive, "maxExclusive"), (SH.maxInclusive, "maxInclusive")):
                for bound in sg.objects(node, predicate):
                    if not isinstance(bound, Literal):
                        raise Unsupported(f"sh:{name} that is not a literal")
                    test = self.range_test(bound, name, vdom)
                    symbol = {"minExclusive": ">", "minInclusive": ">=", "maxExclusive": "<", "maxInclusive": "<="}[name]
                    out.append((_COMPONENT[name], f"Value is not {symbol} {term_text(bound)}", test))
        elif kind == "length":
            for predicate, name, op in ((SH.minLength, "minLength", ">="), (SH.maxLength, "maxLength", "<=")):
                bound = _one(sg, node, predicate, f"sh:{name} values")
                if bound is None:
                    continue
                n = _int_value(bound, f"sh:{name}")
                if n < 0:
                    raise Unsupported(f"a negative sh:{name}")
                if name == "minLength" and n == 0:
                    continue
                out.append((_COMPONENT[name], f"String length not {op} {n}",
                            lambda v, op=op, n=n: f"(!isBlank({v}) && STRLEN(STR({v})) {op} {n})"))
        elif kind == "pattern":
            patterns = list(sg.objects(node, SH.pattern))
            if any(not isinstance(p, Literal) for p in patterns):
                raise Unsupported("a sh:pattern that is not a literal")
            flags_values = list(sg.objects(node, SH.flags))
            flags = str(flags_values[0].value if isinstance(flags_values[0], Literal) else flags_values[0]).lower() if flags_values else ""
            if len(flags_values) > 1:
                raise Unsupported("several sh:flags values")
            shown = "', '".join(str(p.value) for p in patterns)
            message = f"Value does not match pattern '{shown}'" if len(patterns) == 1 else f"Value does not match every pattern in ('{shown}')"
            for p in patterns:
                text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)
                out.append((SH.PatternConstraintComponent, message, self.pattern_test(text, flags)))
        elif kind == "languageIn":
            head = _one(sg, node, SH.languageIn, "sh:languageIn values")
            wanted = []
            for item in sg.items(head):
                if not isinstance(item, Literal) or not isinstance(item.value, str):
                    raise Unsupported("a sh:languageIn member that is not a string")
                wanted.append(str(item.value).lower())
            out.append((SH.LanguageInConstraintComponent, f"String language is not in {wanted}",
                        lambda v: _language_test(v, wanted, self.dialect)))
        elif kind == "in":
            head = _one(sg, node, SH["in"], "sh:in values")
            members = list(sg.items(head))
            out.append((SH.InConstraintComponent, f"Value not in list {[term_text(m) for m in members]}",
                        lambda v: _in_test(v, members, self.dialect)))
        elif kind == "node":
            for n in sg.objects(node, SH.node):
                target = self.shape(n)
                if target.is_property:
                    raise Unsupported("sh:node pointing to a property shape")
                triggers = _recursion_triggers(cpath)
                if triggers and n in triggers:
                    continue
                out.append((SH.NodeConstraintComponent,
                            f"Value does not conform to Shape {term_text(n)}. See details for more information.",
                            lambda v, target=target, cpath=cpath, vdom=vdom: self.conforms(target, v, cpath + [target.node], "results", vdom)))
        elif kind == "not":
            for n in sg.objects(node, SH["not"]):
                target = self.shape(n)
                triggers = _recursion_triggers(cpath)
                if triggers and n in triggers:
                    continue
                out.append((SH.NotConstraintComponent, f"Value must not conform to shape {term_text(n)}",
                            lambda v, target=target, cpath=cpath, vdom=vdom: "!" + self.conforms(target, v, cpath + [target.node], "conform", vdom)))
        elif kind in ("and", "or", "xone"):
            for head in sg.objects(node, SH[kind]):
                members = [self.shape(m) for m in sg.items(head)]
                if kind != "xone":
                    members = list({m.node: m for m in members}.values())  # pySHACL uses a set
                shown = "(" + ", ".join(term_text(m.node) for m in members) + ")"
                words = {"and": "all shapes in", "or": "one or more shapes in", "xone": "exactly one shape in"}[kind]

                def test(v, members=members, cpath=cpath, vdom=vdom, kind=kind):
                    parts = [self.conforms(m, v, cpath + [m.node], "conform", vdom) for m in members]
                    if kind == "and":
                        return "(" + " && ".join(parts) + ")"
                    if kind == "or":
                        return "(" + " || ".join(parts) + ")"
                    return "((" + " + ".join(f"IF({p}, 1, 0)" for p in parts) + ") = 1)"

                out.append((_COMPONENT[kind], f"Value must conform to {words} {shown}", test))
        else:  # pragma: no cover - every kind is handled
            raise Unsupported(f"{kind} constraints")
        return out

    def anchored(self, regex: str | None) -> str | None:
        """A regular expression of this module (anchored with ^ and $) for the dialect: in
        Python $ also matches before a final newline, \\Z only at the end."""
        if regex is None or self.dialect != "python":
            return regex
        return regex.replace("$", "\\Z")

    def class_test(self, v: str, cls) -> str:
        """rdf:type/rdfs:subClassOf* in the data, as pySHACL reads sh:class. The subclasses
        are looked up once per run (``Compiled._classes``) and written in as a list."""
        if not isinstance(cls, URIRef):
            t = self.var("t")
            return (f"(!isLiteral({v}) && EXISTS {{ {v} {_iri(RDF.type)} {t} . "
                    f"{t} {_iri(RDFS.subClassOf)}* {sparql_term(cls)} }})")
        if cls not in self.classes:
            self.classes.append(cls)
        return f"(!isLiteral({v}) && {_class_placeholder(self.classes.index(cls), v, self.var('t'))})"

    def judged_test(self, kind: str, params: tuple, domain: frozenset, uncertain: str, decide) -> _Judged:
        key = (kind, params, domain)
        found = self._judged_keys.get(key)
        if found is not None:
            return found
        test = _Judged(len(self.judged), kind, params, frozenset(d for d in domain if d[0] != "t"), uncertain, decide)
        for d in domain:  # literal target nodes are known now
            if d[0] == "t":
                term = d[1]
                entry = (str(term), None if term.language else (term.datatype or XSD.string), term.language)
                (test.passing if decide(term) else test.failing).append(entry)
        self.judged.append(test)
        self._judged_keys[key] = test
        return test

    def datatype_test(self, datatype: URIRef, domain: frozenset):
        if datatype == RDFS.Datatype:
            raise Unsupported("sh:datatype rdfs:Datatype (rdflib and Oxigraph type plain literals differently)")
        if datatype == RDFS.Literal:
            return lambda v: f"isLiteral({v})"
        if datatype == XSD.string:
            return lambda v: f"(isLiteral({v}) && DATATYPE({v}) = {_iri(XSD.string)})"
        if datatype == RDF.langString:
            return lambda v: f"(isLiteral({v}) && LANG({v}) != \"\")"
        dt = _iri(datatype)
        if not _rdflib_checks(datatype):
            return lambda v: f"(isLiteral({v}) && DATATYPE({v}) = {dt})"
        sure = self.anchored(_SURE_FORMS.get(datatype))
        sure_cond = f"REGEX(STR(?_cvkg_v), {_string(sure)})" if sure else "false"
        judged = self.judged_test("datatype", (datatype,), domain,
                                  f"isLiteral(?_cvkg_v) && DATATYPE(?_cvkg_v) = {dt} && !({sure_cond})",
                                  lambda term: datatype_ok(term, datatype))
        if not sure:
            return lambda v: f"(isLiteral({v}) && DATATYPE({v}) = {dt} && {_placeholder(judged.id, v)})"
        return lambda v: (f"(isLiteral({v}) && DATATYPE({v}) = {dt} && "
                          f"(REGEX(STR({v}), {_string(sure)}) || {_placeholder(judged.id, v)}))")

    def range_test(self, bound: Literal, kind: str, domain: frozenset):
        op = {"minExclusive": ">", "minInclusive": ">=", "maxExclusive": "<", "maxInclusive": "<="}[kind]
        number = (bound.datatype in _SURE_NUMBER_TYPES and not bound.ill_typed
                  and re.match(_SURE_NUMBER, str(bound)) is not None)
        types = ", ".join(_iri(t) for t in _SURE_NUMBER_TYPES)
        sure = f"(DATATYPE(?_cvkg_v) IN ({types}) && REGEX(STR(?_cvkg_v), {_string(self.anchored(_SURE_NUMBER))}))"
        judged = self.judged_test("range", (kind, bound), domain,
                                  f"isLiteral(?_cvkg_v) && !{sure}" if number else "isLiteral(?_cvkg_v)",
                                  lambda term: range_ok(term, bound, kind))
        if not number:
            return lambda v: f"(isLiteral({v}) && {_placeholder(judged.id, v)})"
        limit = sparql_term(bound)
        return lambda v: (f"(isLiteral({v}) && IF({sure.replace('?_cvkg_v', v)}, {v} {op} {limit}, "
                          f"{_placeholder(judged.id, v)}))")

    def pattern_test(self, pattern: str, flags: str):
        sparql_flags = "".join(f for f in "im" if f in flags)
        if self.dialect == "python":
            try:
                re.compile(pattern)
            except re.error as exc:
                raise Unsupported(f"sh:pattern {pattern!r}: {exc}") from None
            text = _string(pattern)
        else:
            if "i" in sparql_flags:
                raise Unsupported("sh:flags \"i\" on Oxigraph (Rust and Python fold case differently)")
            text = _string(_rust_pattern(pattern, "m" in sparql_flags))
        flag_arg = f", {_string(sparql_flags)}" if sparql_flags else ""
        return lambda v: f"(!isBlank({v}) && REGEX(STR({v}), {text}{flag_arg}))"

    # -- conformance of one term to a shape, as a boolean expression

    def conforms(self, shape: _Shape, x: str, path: list, mode: str, xdom: frozenset) -> str:
        """Whether ``x`` conforms to ``shape`` (mode "conform": pySHACL's is_conform, true for a
        shape whose severity is allowed; mode "results": it gives no result at all)."""
        _check_depth(path[:-1])
        self._expressions += 1
        if self._expressions > _MAX_EXPRESSIONS:
            raise Unsupported("shapes that nest into too many expressions to compile")
        if shape.deactivated:
            return "true"
        if mode == "conform" and _severity_allowed(shape):
            return "true"
        sg, node = self.sg, shape.node
        parts: list[str] = []
        vdom = self.value_domain(shape, xdom)
        value_tests: list[str] = []
        y = self.var("y") if shape.is_property else x
        for kind in shape.kinds:
            cpath = path + [_C(kind, node)]
            if kind == "property":
                for p, child in self.property_children(node, cpath):
                    child_mode = "results" if mode == "results" else "conform"
                    value_tests.append(self.conforms(child, y, cpath + [p], child_mode, vdom))
            elif kind == "count":
                parts.extend(self.count_condition(shape, x))
            elif kind == "hasValue":
                for hv in sg.objects(node, SH.hasValue):
                    parts.append(self.has_value_condition(shape, x, hv))
            elif kind == "uniqueLang":
                unique = _one(sg, node, SH.uniqueLang, "sh:uniqueLang values")
                if not shape.is_property:
                    raise Unsupported("sh:uniqueLang on a node shape (pySHACL refuses it)")
                if not isinstance(unique, Literal) or not isinstance(unique.value, bool):
                    raise Unsupported("a sh:uniqueLang that is not a boolean")
                if unique.value:
                    a, b = self.var("a"), self.var("b")
                    p = shape.path.sparql()
                    parts.append(f"NOT EXISTS {{ {x} {p} {a} . {x} {p} {b} . FILTER(!sameTerm({a}, {b}) && "
                                 f"isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && "
                                 f"LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
            elif kind in ("equals", "disjoint"):
                for other in sg.objects(node, SH[kind]):
                    parts.append(self.pair_condition(shape, x, kind, other))
            elif kind == "lessThan":
                raise Unsupported("sh:lessThan inside sh:node, sh:or, sh:and, sh:xone, sh:not or a qualified shape")
            elif kind == "qualified":
                parts.extend(self.qualified_conditions(shape, x, cpath, vdom))
            elif kind == "sparql":
                raise Unsupported("sh:sparql inside sh:node, sh:or, sh:and, sh:xone, sh:not or a qualified shape")
            elif kind == "closed":
                parts.append(self.closed_condition(shape, x))
            else:
                for _component, _message, test in self.value_checks(shape, kind, cpath, vdom):
                    value_tests.append(test(y))
        if value_tests:
            if shape.is_property:
                parts.append(f"NOT EXISTS {{ {x} {shape.path.sparql()} {y} . FILTER(!({' && '.join(value_tests)})) }}")
            else:
                parts.extend(value_tests)
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def count_bounds(self, shape: _Shape) -> tuple[int | None, int | None]:
        low = _one(self.sg, shape.node, SH.minCount, "sh:minCount values")
        high = _one(self.sg, shape.node, SH.maxCount, "sh:maxCount values")
        return (None if low is None else _int_value(low, "sh:minCount"),
                None if high is None else _int_value(high, "sh:maxCount"))

    def count_condition(self, shape: _Shape, x: str) -> list[str]:
        low, high = self.count_bounds(shape)
        out = []
        if not shape.is_property:
            if (low is not None and low > 1) or (high is not None and high < 1):
                out.append("false")
            return out
        if low is not None and low > 0:
            out.append(self._at_least(shape, x, low, "sh:minCount"))
        if high is not None:
            out.append("!" + self._at_least(shape, x, high + 1, "sh:maxCount"))
        return out

    def _at_least(self, shape: _Shape, x: str, n: int, what: str, condition=None) -> str:
        if n > 3:
            raise Unsupported(f"{what} above 2 inside sh:node, sh:or, sh:and, sh:xone, sh:not or a qualified shape")
        if n <= 0:
            return "true"
        names = [self.var("c") for _ in range(n)]
        p = shape.path.sparql()
        triples = " ".join(f"{x} {p} {name} ." for name in names)
        distinct = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:]]
        if condition is not None:
            distinct += [condition(name) for name in names]
        filt = f" FILTER({' && '.join(distinct)})" if distinct else ""
        return f"EXISTS {{ {triples}{filt} }}"

    def has_value_condition(self, shape: _Shape, x: str, hv) -> str:
        term = sparql_term(hv)
        if not shape.is_property:
            return f"sameTerm({x}, {term})"
        if isinstance(hv, URIRef):
            return f"EXISTS {{ {x} {shape.path.sparql()} {term} }}"
        h = self.var("h")
        return f"EXISTS {{ {x} {shape.path.sparql()} {h} . FILTER(sameTerm({h}, {term})) }}"

    def pair_condition(self, shape: _Shape, x: str, kind: str, other) -> str:
        if not isinstance(other, URIRef):
            raise Unsupported(f"sh:{kind} that is not an IRI")
        o = _iri(other)
        y = self.var("y")
        if not shape.is_property:
            if kind == "equals":
                return f"(EXISTS {{ {x} {o} {x} }} && NOT EXISTS {{ {x} {o} {y} . FILTER(!sameTerm({y}, {x})) }})"
            return f"NOT EXISTS {{ {x} {o} {x} }}"
        p = shape.path.sparql()
        if kind == "equals":
            return (f"(NOT EXISTS {{ {x} {p} {y} . FILTER NOT EXISTS {{ {x} {o} {y} }} }} && "
                    f"NOT EXISTS {{ {x} {o} {y} . FILTER NOT EXISTS {{ {x} {p} {y} }} }})")
        return f"NOT EXISTS {{ {x} {p} {y} . {x} {o} {y} . }}"

    def qualified_params(self, shape: _Shape):
        sg, node = self.sg, shape.node
        value_shapes = list(dict.fromkeys(sg.objects(node, SH.qualifiedValueShape)))
        if not value_shapes:
            raise Unsupported("sh:qualifiedMinCount without sh:qualifiedValueShape")
        low = _one(sg, node, SH.qualifiedMinCount, "sh:qualifiedMinCount values")
        high = _one(sg, node, SH.qualifiedMaxCount, "sh:qualifiedMaxCount values")
        low = None if low is None else _int_value(low, "sh:qualifiedMinCount")
        high = None if high is None else _int_value(high, "sh:qualifiedMaxCount")
        if low is None and high is None:
            raise Unsupported("a qualified value shape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
        disjoint = any(isinstance(d, Literal) and isinstance(d.value, bool) and d.value
                       for d in sg.objects(node, SH.qualifiedValueShapesDisjoint))
        return value_shapes, low, high, disjoint

    def qualified_condition_for(self, shape: _Shape, value_shape_node, cpath: list, disjoint: bool, vdom):
        """function(var) -> the expression "var counts for this qualified value shape"."""
        target = self.shape(value_shape_node)
        siblings = []
        if disjoint:
            for parent in self.sg.subjects(SH.property, shape.node):
                for sibling_property in self.sg.objects(parent, SH.property):
                    for sibling in self.sg.objects(sibling_property, SH.qualifiedValueShape):
                        if sibling != value_shape_node:
                            siblings.append(self.shape(sibling))
            siblings = list({s.node: s for s in siblings}.values())

        def condition(v: str) -> str:
            own = self.conforms(target, v, cpath + [target.node], "conform", vdom)
            others = [self.conforms(s, v, cpath + [s.node], "conform", vdom) for s in siblings]
            return own if not others else f"({own} && !({' || '.join(others)}))"

        return condition

    def qualified_conditions(self, shape: _Shape, x: str, cpath: list, vdom: frozenset) -> list[str]:
        if not shape.is_property:
            return []  # pySHACL ignores qualified value shapes on node shapes
        value_shapes, low, high, disjoint = self.qualified_params(shape)
        out = []
        for vs in value_shapes:
            triggers = _recursion_triggers(cpath)
            if triggers and vs in triggers:
                continue
            condition = self.qualified_condition_for(shape, vs, cpath, disjoint, vdom)
            if low is not None and low > 0:
                out.append(self._at_least(shape, x, low, "sh:qualifiedMinCount", condition))
            if high is not None:
                out.append("!" + self._at_least(shape, x, high + 1, "sh:qualifiedMaxCount", condition))
        return out

    def closed_params(self, shape: _Shape):
        sg, node = self.sg, shape.node
        closed = list(sg.objects(node, SH.closed))
        if len(closed) != 1 or not isinstance(closed[0], Literal):
            raise Unsupported("sh:closed without exactly one boolean")
        ignored = set()
        for head in sg.objects(node, SH.ignoredProperties):
            ignored.update(sg.items(head))
        allowed = set(ignored)
        for p in sg.objects(node, SH.property):
            path = self.shape(p).path_node
            if path is not None:
                allowed.add(path)
        return bool(closed[0].value), allowed

    def closed_filter(self, p: str, o: str, allowed: set) -> str:
        names = [sparql_term(a) for a in sorted(allowed, key=str) if isinstance(a, (URIRef, Literal))]
        not_in = f"{p} NOT IN ({', '.join(names)}) && " if names else ""
        return f"({not_in}!(sameTerm({p}, {_iri(RDF.type)}) && sameTerm({o}, {_iri(RDFS.Resource)})))"

    def closed_condition(self, shape: _Shape, x: str) -> str:
        closed, allowed = self.closed_params(shape)
        if not closed:
            return "true"
        p, o = self.var("p"), self.var("o")
        if shape.is_property:
            y = self.var("y")
            return (f"NOT EXISTS {{ {x} {shape.path.sparql()} {y} . {y} {p} {o} . "
                    f"FILTER({self.closed_filter(p, o, allowed)}) }}")
        return f"NOT EXISTS {{ {x} {p} {o} . FILTER({self.closed_filter(p, o, allowed)}) }}"

    # -- units: the queries of a reported evaluation

    def add(self, shape: _Shape, what: str, text: str, decode, generated: bool = True) -> None:
        self.add_unit(f"{term_text(shape.node)} {what}", text, decode, generated)

    def add_unit(self, name: str, text: str, decode, generated: bool = True) -> None:
        if len(text) > _MAX_QUERY:
            raise Unsupported(f"{name}: the query would be too long")
        self.units.append(_Unit(name, text, decode, generated))

    def finding(self, shape: _Shape, focus, component, generic: str, value=None, path=None,
                source_constraint=None, message: str | None = None) -> Finding:
        if path is None and shape.is_property:
            path = shape.path_node
        return Finding(focus=focus, path=path, value=value, source_shape=shape.node, component=component,
                       severity=shape.severity, message=message or shape.message() or generic,
                       source_constraint=source_constraint)

    def count_checks(self, shape: _Shape, ctx: _Ctx) -> None:
        """sh:minCount / sh:maxCount: as flags of the block's focus query when they can be
        written with EXISTS (up to 3 values), else as a GROUP BY query of their own."""
        low, high = self.count_bounds(shape)
        if shape.is_property and ((low is not None and low > 3) or (high is not None and high > 2)
                                  or shape.path.kind != "iri" or (low or 0) > 1):
            self.count_unit(shape, ctx)  # pairs of values along a long path are slow to find
            return
        shown_path = path_text(self.sg, shape.path_node)
        where = f"{{focus}}->{shown_path}" if shape.is_property else "{focus}"
        block = self.block(ctx)
        if low is not None and low > 0:
            test = self._at_least(shape, ctx.focus, low, "") if shape.is_property else ("false" if low > 1 else "true")
            block.focus_checks.append((shape, SH.MinCountConstraintComponent, f"Less than {low} values on {where}", test, False))
        if high is not None:
            test = "!" + self._at_least(shape, ctx.focus, high + 1, "") if shape.is_property else ("false" if high < 1 else "true")
            block.focus_checks.append((shape, SH.MaxCountConstraintComponent, f"More than {high} values on {where}", test, False))

    def focus_unit(self, block: "_Block") -> None:
        """One query for every check of one value per focus node of a block's focus nodes."""
        checks = [c for c in block.focus_checks if c[3] != "true"]
        if not checks:
            return
        ctx = block.ctx
        flags = [f"?_cvkg_k{i}" for i in range(len(checks))]
        binds = " ".join(f"BIND({expr} AS {flag})" for flag, (_s, _c, _m, expr, _v) in zip(flags, checks))
        text = (f"SELECT DISTINCT {' '.join(ctx.vars + flags)} WHERE {{\n  {ctx.pattern}\n  {binds}\n"
                f"  FILTER(!COALESCE({' && '.join(flags)}, false))\n}}")
        n_chain = len(ctx.vars)

        def decode(columns, rows):
            out = []
            for row in rows:
                focus = row[n_chain - 1]
                for (shape, component, message, _e, value_is_focus), flag in zip(checks, row[n_chain:]):
                    if flag is None or not bool(flag.toPython()):  # false, or an error
                        out.append(self.finding(shape, focus, component, message.replace("{focus}", term_text(focus)),
                                                value=focus if value_is_focus else None))
            return out

        shapes = list(dict.fromkeys(s.node for s, *_rest in checks))
        name = f"{term_text(shapes[0])} and {len(shapes) - 1} more (focus nodes)" if len(shapes) > 1 \
            else f"{term_text(shapes[0])} (focus nodes)"
        self.add_unit(name, text, decode)

    def values_unit(self, block: "_Block") -> None:
        """One query for the value checks of every property shape of a block: a UNION with a
        branch per property shape, so that the focus nodes are found once."""
        if not block.branches:
            return
        ctx = block.ctx
        value = "?_cvkg_value"
        n_flags = max(len(checks) for _s, checks in block.branches if len(checks) > 1) if any(
            len(checks) > 1 for _s, checks in block.branches) else 0
        flags = [f"?_cvkg_k{i}" for i in range(n_flags)]
        branches = []
        for index, (shape, checks) in enumerate(block.branches):
            if len(checks) == 1:
                binds, condition = "", f"!COALESCE({checks[0][2](value)}, false)"
            else:
                mine = flags[: len(checks)]
                binds = " ".join(f"BIND({test(value)} AS {flag})" for flag, (_c, _m, test) in zip(mine, checks))
                condition = f"!COALESCE({' && '.join(mine)}, false)"  # an error counts as a failure
            branches.append(f"{{ {ctx.focus} {shape.path.sparql()} {value} . {binds} FILTER({condition}) "
                            f"BIND({index} AS ?_cvkg_u) }}")
        text = (f"SELECT DISTINCT {' '.join(ctx.vars + ['?_cvkg_u', value] + flags)} WHERE {{\n  {ctx.pattern}\n  "
                + "\n  UNION ".join(branches) + "\n}")
        n_chain = len(ctx.vars)

        def decode(columns, rows):
            out = []
            for row in rows:
                focus, v = row[n_chain - 1], row[n_chain + 1]
                shape, checks = block.branches[int(row[n_chain].toPython())]
                flag_values = row[n_chain + 2:] if len(checks) > 1 else [None]
                for (component, message, _t), flag in zip(checks, flag_values):
                    if flag is None or not bool(flag.toPython()):
                        out.append(self.finding(shape, focus, component, message, value=v))
            return out

        shapes = [s.node for s, _c in block.branches]
        name = f"{term_text(shapes[0])} and {len(shapes) - 1} more (values)" if len(shapes) > 1 else f"{term_text(shapes[0])} (values)"
        self.add_unit(name, text, decode)

    def count_unit(self, shape: _Shape, ctx: _Ctx) -> None:
        """sh:minCount / sh:maxCount of a property shape by counting: a query of its own."""
        low, high = self.count_bounds(shape)
        chain = " ".join(ctx.vars)
        shown_path = path_text(self.sg, shape.path_node)
        conditions = []
        if low is not None and low > 0:
            conditions.append(f"?_cvkg_n < {low}")
        if high is not None:
            conditions.append(f"?_cvkg_n > {high}")
        if not conditions:
            return
        if low == 1 and high is None:
            text = (f"SELECT DISTINCT {chain} (0 AS ?_cvkg_n) WHERE {{ {ctx.pattern} "
                    f"FILTER NOT EXISTS {{ {ctx.focus} {shape.path.sparql()} ?_cvkg_value }} }}")
        else:
            text = (f"SELECT {chain} ?_cvkg_n WHERE {{ {{ SELECT {chain} (COUNT(DISTINCT ?_cvkg_value) AS ?_cvkg_n) "
                    f"WHERE {{ {ctx.pattern} OPTIONAL {{ {ctx.focus} {shape.path.sparql()} ?_cvkg_value }} }} "
                    f"GROUP BY {chain} }} FILTER({' || '.join(conditions)}) }}")

        def decode(columns, rows):
            out = []
            for row in rows:
                focus, n = row[len(ctx.vars) - 1], int(row[len(ctx.vars)].toPython())
                if low is not None and n < low:
                    out.append(self.finding(shape, focus, SH.MinCountConstraintComponent,
                                            f"Less than {low} values on {term_text(focus)}->{shown_path}"))
                if high is not None and n > high:
                    out.append(self.finding(shape, focus, SH.MaxCountConstraintComponent,
                                            f"More than {high} values on {term_text(focus)}->{shown_path}"))
            return out

        self.add(shape, "(count)", text, decode)

    def unique_lang_unit(self, shape: _Shape, ctx: _Ctx) -> None:
        unique = _one(self.sg, shape.node, SH.uniqueLang, "sh:uniqueLang values")
        if not shape.is_property:
            raise Unsupported("sh:uniqueLang on a node shape (pySHACL refuses it)")
        if not isinstance(unique, Literal) or not isinstance(unique.value, bool):
            raise Unsupported("a sh:uniqueLang that is not a boolean")
        if not unique.value:
            return
        chain = " ".join(ctx.vars)
        text = (f"SELECT {chain} ?_cvkg_lang WHERE {{ {{ SELECT {chain} ?_cvkg_lang (COUNT(DISTINCT ?_cvkg_value) AS ?_cvkg_n) "
                f"WHERE {{ {ctx.pattern} {ctx.focus} {shape.path.sparql()} ?_cvkg_value . "
                f"FILTER(isLiteral(?_cvkg_value) && LANG(?_cvkg_value) != \"\") "
                f"BIND(LCASE(LANG(?_cvkg_value)) AS ?_cvkg_lang) }} GROUP BY {chain} ?_cvkg_lang }} "
                f"FILTER(?_cvkg_n > 1) }}")

        def decode(columns, rows):
            return [self.finding(shape, row[len(ctx.vars) - 1], SH.UniqueLangConstraintComponent,
                                 "More than one String shares the same Language") for row in rows]

        self.add(shape, "(sh:uniqueLang)", text, decode)

    def pair_unit(self, shape: _Shape, ctx: _Ctx, kind: str, other) -> None:
        if not isinstance(other, URIRef):
            raise Unsupported(f"sh:{kind} that is not an IRI")
        o, f, v = _iri(other), ctx.focus, "?_cvkg_value"
        chain = " ".join(ctx.vars)
        if shape.is_property:
            p = shape.path.sparql()
            mine = f"{f} {p} {v} ."
            mine_has = f"{f} {p} {v}"
        else:
            mine = f"BIND({f} AS {v})"
            mine_has = None
        if kind == "equals":
            missing_other = f"{{ {ctx.pattern} {mine} FILTER NOT EXISTS {{ {f} {o} {v} }} }}"
            if mine_has is not None:
                missing_mine = f"{{ {ctx.pattern} {f} {o} {v} . FILTER NOT EXISTS {{ {mine_has} }} }}"
            else:
                missing_mine = f"{{ {ctx.pattern} {f} {o} {v} . FILTER(!sameTerm({v}, {f})) }}"
            text = f"SELECT DISTINCT {chain} {v} WHERE {{ {missing_other} UNION {missing_mine} }}"
            symbol = "!="
        else:
            text = f"SELECT DISTINCT {chain} {v} WHERE {{ {ctx.pattern} {mine} {f} {o} {v} . }}"
            symbol = "=="
        shown_path = path_text(self.sg, shape.path_node) if shape.is_property else term_text(other)

        def decode(columns, rows):
            return [self.finding(shape, row[len(ctx.vars) - 1], _COMPONENT[kind],
                                 f"Value of {term_text(row[len(ctx.vars) - 1])}->{shown_path} {symbol} {term_text(row[len(ctx.vars)])}",
                                 value=row[len(ctx.vars)]) for row in rows]

        self.add(shape, f"(sh:{kind})", text, decode)

    def less_than_unit(self, shape: _Shape, ctx: _Ctx, other, or_equal: bool) -> None:
        if not isinstance(other, URIRef):
            raise Unsupported("sh:lessThan that is not an IRI")
        f, v, c = ctx.focus, "?_cvkg_value", "?_cvkg_other"
        chain = " ".join(ctx.vars)
        mine = f"{f} {shape.path.sparql()} {v} ." if shape.is_property else f"BIND({f} AS {v})"
        types = ", ".join(_iri(t) for t in _SURE_NUMBER_TYPES)
        sure = (f"isLiteral({v}) && isLiteral({c}) && DATATYPE({v}) IN ({types}) && DATATYPE({c}) IN ({types}) && "
                f"REGEX(STR({v}), {_string(self.anchored(_SURE_NUMBER))}) && "
                f"REGEX(STR({c}), {_string(self.anchored(_SURE_NUMBER))}) && "
                f"{v} {'<=' if or_equal else '<'} {c}")
        text = (f"SELECT DISTINCT {chain} {v} {c} WHERE {{ {ctx.pattern} {mine} {f} {_iri(other)} {c} . "
                f"FILTER(!COALESCE({sure}, false)) }}")
        component = SH.LessThanOrEqualsConstraintComponent if or_equal else SH.LessThanConstraintComponent
        shown_path = path_text(self.sg, shape.path_node) if shape.is_property else term_text(other)

        def decode(columns, rows):
            out = []
            for row in rows:
                focus, value, compared = row[len(ctx.vars) - 1], row[len(ctx.vars)], row[len(ctx.vars) + 1]
                if not less_than_ok(value, compared, or_equal):
                    out.append(self.finding(shape, focus, component,
                                            f"Value of {term_text(focus)}->{shown_path} {'>' if or_equal else '>='} {term_text(compared)}",
                                            value=value))
            return out

        self.add(shape, "(sh:lessThan)", text, decode)

    def qualified_unit(self, shape: _Shape, ctx: _Ctx, cpath: list) -> None:
        if not shape.is_property:
            return  # pySHACL ignores a qualified value shape on a node shape (with a warning)
        value_shapes, low, high, disjoint = self.qualified_params(shape)
        chain = " ".join(ctx.vars)
        vdom = self.value_domain(shape, ctx.domain)
        for vs in value_shapes:
            triggers = _recursion_triggers(cpath)
            if triggers and vs in triggers:
                continue
            condition = self.qualified_condition_for(shape, vs, cpath, disjoint, vdom)
            counts = "".join(f" MinCount {low}" for _ in [0] if low is not None) + \
                "".join(f" MaxCount {high}" for _ in [0] if high is not None)
            generic = f"Focus node does not conform to shape{counts}: {term_text(vs)}"
            if shape.path.kind == "iri" and (low is None or low <= 1) and (high is None or high <= 1):
                # as flags of the focus query
                block = self.block(ctx)
                if low is not None and low > 0:
                    block.focus_checks.append((shape, SH.QualifiedMinCountConstraintComponent, generic,
                                               self._at_least(shape, ctx.focus, low, "", condition), False))
                if high is not None:
                    block.focus_checks.append((shape, SH.QualifiedMaxCountConstraintComponent, generic,
                                               "!" + self._at_least(shape, ctx.focus, high + 1, "", condition), False))
                continue
            conditions = []
            if low is not None:
                conditions.append(f"?_cvkg_n < {low}")
            if high is not None:
                conditions.append(f"?_cvkg_n > {high}")
            text = (f"SELECT {chain} ?_cvkg_n WHERE {{ {{ SELECT {chain} (COUNT(DISTINCT ?_cvkg_value) AS ?_cvkg_n) "
                    f"WHERE {{ {ctx.pattern} OPTIONAL {{ {ctx.focus} {shape.path.sparql()} ?_cvkg_value . "
                    f"FILTER({condition('?_cvkg_value')}) }} }} GROUP BY {chain} }} "
                    f"FILTER({' || '.join(conditions)}) }}")

            def decode(columns, rows, generic=generic):
                out = []
                for row in rows:
                    focus, n = row[len(ctx.vars) - 1], int(row[len(ctx.vars)].toPython())
                    if high is not None and n > high:
                        out.append(self.finding(shape, focus, SH.QualifiedMaxCountConstraintComponent, generic))
                    if low is not None and n < low:
                        out.append(self.finding(shape, focus, SH.QualifiedMinCountConstraintComponent, generic))
                return out

            self.add(shape, "(qualified value shape)", text, decode)

    def closed_unit(self, shape: _Shape, ctx: _Ctx) -> None:
        closed, allowed = self.closed_params(shape)
        if not closed:
            return
        f, v = ctx.focus, "?_cvkg_value"
        chain = " ".join(ctx.vars)
        mine = f"{f} {shape.path.sparql()} {v} ." if shape.is_property else f"BIND({f} AS {v})"
        text = (f"SELECT DISTINCT {chain} {v} ?_cvkg_p ?_cvkg_o WHERE {{ {ctx.pattern} {mine} {v} ?_cvkg_p ?_cvkg_o . "
                f"FILTER({self.closed_filter('?_cvkg_p', '?_cvkg_o', allowed)}) }}")

        def decode(columns, rows):
            n = len(ctx.vars)
            return [self.finding(shape, row[n - 1], SH.ClosedConstraintComponent,
                                 f"Node {term_text(row[n])} is closed. It cannot have value: {term_text(row[n + 2])}",
                                 value=row[n + 2], path=row[n + 1]) for row in rows]

        self.add(shape, "(sh:closed)", text, decode)

    def sparql_unit(self, shape: _Shape, ctx: _Ctx, node) -> None:
        constraint = _read_sparql_constraint(self.sg, node)
        if constraint is None or not constraint.body:
            return
        text = (f"{constraint.prologue}\nSELECT * WHERE {{ {{ {ctx.pattern} BIND({ctx.focus} AS ?this) }}\n"
                f"{{ {constraint.body}\n}} }}")
        messages = constraint.messages
        english = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
        template = sorted(english or messages, key=str)[0] if messages else None
        projected = constraint.variables

        def decode(columns, rows, node=node, template=template, projected=projected):
            index = {name: i for i, name in enumerate(columns)}
            names = projected if projected is not None else [c for c in columns if not c.startswith("_cvkg_")]
            out, seen = [], set()
            for row in rows:
                chain_key = tuple(row[index[v[1:]]] for v in ctx.vars)
                bound = {name: row[index[name]] for name in names if name in index and row[index[name]] is not None}
                key = (chain_key, tuple(sorted((k, v) for k, v in bound.items())))
                if key in seen:
                    continue
                seen.add(key)
                focus = chain_key[-1]
                this, path, value = bound.get("this"), bound.get("path"), bound.get("value")
                if this is None and path is None and value is None:
                    continue
                message = None
                if template is not None:
                    message = str(template.value if isinstance(template, Literal) else template)
                    for name, term in bound.items():
                        message = re.sub("{[?$]" + re.escape(name) + "}", lambda _m, t=term: str(t), message)
                    message = " ".join(message.split())
                out.append(self.finding(shape, this or focus, SH.SPARQLConstraintComponent,
                                        f"SPARQL constraint {term_text(node)} found a violation",
                                        value=value if value is not None else (this or focus),
                                        path=path, source_constraint=node, message=message))
            return out

        self.add(shape, f"(sh:sparql {term_text(node)})", text, decode, generated=False)


# --- small pure tests ------------------------------------------------------------------------------


def _node_kind_test(v: str, kind) -> str:
    tests = {
        SH.BlankNode: f"isBlank({v})", SH.IRI: f"isIRI({v})", SH.Literal: f"isLiteral({v})",
        SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
        SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
        SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
    }
    return tests.get(kind, "false")


def _language_test(v: str, wanted: list[str], dialect: str) -> str:
    """pySHACL's sh:languageIn: the tag, lower-cased, is one of ``wanted`` (lower-cased), or
    its first subtag is. Tags are ASCII letters, digits and hyphens (rdflib and Oxigraph both
    refuse others), so LCASE is Python's lower() and no newline can meet the $."""
    if "*" in wanted:
        return f"(isLiteral({v}) && LANG({v}) != \"\")"
    if not wanted:
        return "false"
    whole = "|".join(_regex_literal(w, dialect) for w in wanted)
    first = "|".join(_regex_literal(w, dialect) for w in wanted if "-" not in w)
    pattern = f"^(?:{whole})$" + (f"|^(?:{first})-" if first else "")
    return f"(isLiteral({v}) && LANG({v}) != \"\" && REGEX(LCASE(LANG({v})), {_string(pattern)}))"


def _in_test(v: str, members: list, dialect: str) -> str:
    iris = [m for m in members if isinstance(m, URIRef)]
    plain = [m for m in members if isinstance(m, Literal) and m.language is None and m.datatype is None]
    other = [m for m in members if m not in iris and m not in plain]
    parts = []
    if iris:
        parts.append(f"{v} IN ({', '.join(_iri(m) for m in iris)})")
    if plain:
        # A plain string (term equality: in an rdflib graph "x"^^xsd:string is another term),
        # matched by one regular expression: a long IN list is slow to parse.
        alternatives = "|".join(_regex_literal(str(m), dialect) for m in plain)
        end = "\\Z" if dialect == "python" else "\\z"
        parts.append(f"(isLiteral({v}) && sameTerm({v}, STR({v})) && "
                     f"REGEX(STR({v}), {_string('^(?:' + alternatives + ')' + end)}))")
    for m in other:
        parts.append(f"sameTerm({v}, {sparql_term(m)})")
    return "(" + " || ".join(parts) + ")" if parts else "false"


def _regex_literal(text: str, dialect: str) -> str:
    """``text`` as a regular expression matching exactly it, in Python or Rust syntax."""
    if dialect == "python":
        return re.escape(text)
    return "".join(_rust_char(ord(c)) for c in text)


def term_text(term, iri: Callable[[str], str] = compact) -> str:
    """An RDF term as a result shows it: IRIs through ``iri`` (compacted by the project's
    prefixes), "(blank node)", literals in Turtle-like form."""
    if isinstance(term, URIRef):
        return iri(str(term))
    if isinstance(term, BNode):
        return "(blank node)"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype:
            return f'"{term}"^^{compact(str(term.datatype))}'
        return f'"{term}"'
    return str(term)



def path_text(graph: Graph, path) -> str:
    """A SHACL property path as SPARQL-like text (cv:agent, ^org:holds, cv:a/cv:b, ...)."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return compact(str(path))
    if not isinstance(path, BNode):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(graph, inverse)
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternative)) + ")"
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, prop)
        if inner is not None:
            return path_text(graph, inner) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(graph, p) for p in Collection(graph, path))
    return "_:path"



# --- entry points ------------------------------------------------------------------------------------


def dialect_of(source) -> str | None:
    """"python" for rdflib's SPARQL engine, "rust" for Oxigraph, None for anything else."""
    from . import oxigraph_store

    source = store_mod.owner_of(source)
    if isinstance(source, Graph):
        return "python"
    if isinstance(source, oxigraph_store.OxigraphStore):
        return "rust"
    if isinstance(source, store_mod.EmbeddedStore):
        return "python"
    return None


def compile_shapes(shapes: Graph, dialect: str) -> Compiled:
    """Compile ``shapes`` for a dialect ("python" or "rust"); Unsupported if they use
    something the compiled queries would not report exactly as pySHACL does."""
    if dialect not in ("python", "rust"):
        raise Unsupported(f"no SPARQL dialect {dialect!r}")
    return _Compiler(shapes, dialect).compile()
