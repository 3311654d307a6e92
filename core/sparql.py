"""Running SPARQL queries safely: parameters bound, never pasted; no network, no files.

- Queries are parsed with rdflib's parser; a malformed query raises ``InputError`` with the
  position: ``query:3:14: Expected SelectQuery, found 'FILTER'``.
- Parameters are passed to the engine as initial bindings (``initBindings``) of the variable
  of the same name: ``--param actor=ido:clearview-ai`` binds ``?actor``. The text of the
  query is never changed, so a value such as ``" } ; DROP ALL`` is only ever a string.
- Parameter values are typed by ``parse_value``: ``<...>`` is an IRI; ``prefix:local`` with a
  known prefix (see ``core.namespaces``) is an IRI; anything else is a plain string literal
  (xsd:string). To match language-tagged labels, compare with ``STR(?label) = ?param``.
- ``SERVICE`` (federated queries) is refused, both when the query is prepared and, as a
  backstop, by a process-wide evaluation hook (``CUSTOM_EVALS``) that also covers SPARQL run
  by pySHACL. ``FROM`` / ``FROM NAMED`` are refused; ``rdflib.plugins.sparql.
  SPARQL_LOAD_GRAPHS`` is set to False so nothing is ever fetched. Both guards are installed by
  ``core.limits.install_guards`` at import and again before every query. Updates (INSERT,
  DELETE, LOAD, DROP, ...) are not queries and do not parse.
- A query text larger than ``core.limits.max_query_bytes()`` (1 MiB, ``CVKG_MAX_QUERY_BYTES``)
  is refused before it is parsed. Parsing is linear but slow for expression-dense text (a
  few KiB per second for long ``||`` chains), which is what the limit bounds.
- ``check_sparql_text`` applies the same rules to SPARQL that someone else will run, such as
  the ``sh:select`` of a user's SHACL shapes.
- Every known prefix (``core.namespaces.PREFIXES``) is pre-declared; a query may still
  declare its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyparsing
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from . import limits
from .errors import InputError, QueryRefused
from .namespaces import PREFIXES, expand

# --- process-wide safety settings ----------------------------------------------------------

SERVICE_REFUSED = limits.SERVICE_REFUSED
FROM_REFUSED = "FROM / FROM NAMED are not supported: queries run only on the loaded graph"
limits.install_guards()


# --- results ---------------------------------------------------------------------------------


@dataclass
class SelectResult:
    """Rows of a SELECT: ``columns`` are variable names, each row a tuple of terms or None."""

    columns: list[str]
    rows: list[tuple[Node | None, ...]]

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


@dataclass
class AskResult:
    value: bool


@dataclass
class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE."""

    graph: Graph = field(default_factory=Graph)


Result = SelectResult | AskResult | GraphResult


# --- parameters ------------------------------------------------------------------------------

_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def parse_value(raw: str) -> Node:
    """Type a parameter value: ``<iri>`` or a known ``prefix:local`` is an IRI, else a string.

    Raises InputError for ``<...>`` that is not a valid absolute IRI.
    """
    if raw.startswith("<") and raw.endswith(">") and len(raw) >= 2:
        iri = raw[1:-1]
        if not iri or _IRI_FORBIDDEN.search(iri) or ":" not in iri:
            raise InputError(f"{raw!r} is not a valid absolute IRI")
        return URIRef(iri)
    expanded = expand(raw)
    if expanded is not None and not _IRI_FORBIDDEN.search(str(expanded)):
        return expanded
    return Literal(raw)


def parse_param(text: str) -> tuple[str, Node]:
    """Split ``NAME=VALUE`` (as given to --param) and type the value."""
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep:
        raise InputError(f"bad --param {text!r}: expected NAME=VALUE")
    if not _VARNAME.match(name):
        raise InputError(f"bad --param {text!r}: {name!r} is not a SPARQL variable name")
    try:
        return name, parse_value(value)
    except InputError as exc:
        raise InputError(f"bad --param {text!r}: {exc}") from None


# --- preparing -------------------------------------------------------------------------------


def _walk(node: Any):
    """Yield every CompValue in a parsed query or algebra tree."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def _position_error(exc: pyparsing.ParseBaseException, name: str) -> InputError:
    found = ""
    try:
        found = exc.found
    except Exception:  # noqa: BLE001
        pass
    message = exc.msg
    word = found.strip("'\"").upper()
    if word in _UPDATE_WORDS:
        return InputError(
            f"{name}:{exc.lineno}:{exc.col}: SPARQL Update ({word}) is not supported; "
            "only SELECT, ASK, CONSTRUCT and DESCRIBE queries"
        )
    if found and "found" not in message:
        message = f"{message}, found {found}"
    return InputError(f"{name}:{exc.lineno}:{exc.col}: {message}")


def refuse_unsafe(query: Query, name: str, hint: str = "") -> None:
    """Raise QueryRefused if a parsed query has SERVICE or a dataset clause (FROM, FROM NAMED)."""
    for part in _walk(query.algebra):
        if part.name == "ServiceGraphPattern":
            raise QueryRefused(f"{name}: {SERVICE_REFUSED}")
    if query.algebra.get("datasetClause"):
        raise QueryRefused(f"{name}: {FROM_REFUSED}{hint}")


def _parse(text: str, name: str, init_ns: dict) -> Query:
    limits.check_query_size(text, name)
    try:
        return prepareQuery(text, initNs=init_ns)
    except pyparsing.ParseBaseException as exc:
        raise _position_error(exc, name) from None
    except RecursionError:
        raise InputError(f"{name}: query nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - e.g. "Unknown namespace prefix : foo"
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"{name}: {message}") from None


@lru_cache(maxsize=256)
def prepare(text: str, name: str = "query") -> Query:
    """Parse and translate a query; refuse SERVICE and FROM; one-line errors with position."""
    query = _parse(text, name, PREFIXES)
    refuse_unsafe(query, name, " (add files with --data)")
    return query


def check_sparql_text(text: str, name: str, prefixes: dict | None = None) -> Query:
    """Check SPARQL that another engine (pySHACL) will run: it must parse as a query (not an
    update) with ``prefixes`` declared, and must not use SERVICE or FROM / FROM NAMED.

    Raises QueryRefused or InputError with a one-line message naming ``name``."""
    try:
        query = _parse(text, name, dict(prefixes or {}))
    except InputError as exc:
        if "SPARQL Update" in exc.message:
            raise QueryRefused(exc.message) from None
        raise
    refuse_unsafe(query, name)
    return query


def query_variables(text: str, name: str = "query") -> set[str]:
    """Names of all variables that occur in a query."""
    query = prepare(text, name)
    names: set[str] = set()
    for part in _walk(query.algebra):
        for value in part.values():
            if isinstance(value, Variable):
                names.add(str(value))
            elif isinstance(value, (list, tuple, set)):
                stack = list(value)
                while stack:
                    item = stack.pop()
                    if isinstance(item, Variable):
                        names.add(str(item))
                    elif isinstance(item, (list, tuple, set)):
                        stack.extend(item)
    return names


# --- running ---------------------------------------------------------------------------------


def run(graph: Graph, text: str, params: dict[str, Node] | None = None, name: str = "query") -> Result:
    """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query on ``graph`` with bound parameters."""
    limits.install_guards()
    query = prepare(text, name)
    bindings = {Variable(k): v for k, v in (params or {}).items()}
    try:
        result = graph.query(query, initBindings=bindings)
        if result.type == "SELECT":
            columns = [str(v) for v in (result.vars or [])]
            rows = [tuple(row) for row in result]
            return SelectResult(columns, rows)
        if result.type == "ASK":
            return AskResult(bool(result.askAnswer))
        out = Graph(bind_namespaces="none")
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns)
        for triple in result:
            out.add(triple)
        return GraphResult(out)
    except QueryRefused:
        raise
    except RecursionError:
        raise InputError(f"{name}: query nested too deeply to evaluate") from None
    except Exception as exc:  # noqa: BLE001
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"{name}: cannot evaluate: {message}") from None


def select(graph: Graph, text: str, params: dict[str, Node] | None = None, name: str = "query") -> SelectResult:
    """Run a query that must be a SELECT."""
    result = run(graph, text, params, name)
    if not isinstance(result, SelectResult):
        raise InputError(f"{name}: expected a SELECT query")
    return result


def is_blank(term: Node | None) -> bool:
    return isinstance(term, BNode)
