"""Named queries: the packaged queries/*.rq files and their comment headers.

Each .rq file starts with a header of comment lines::

    # title: Fines and proposed fines
    # question: Who fined, or proposed to fine, whom - for how much and under which law?
    # param: actor (iri) - the actor, e.g. ido:clearview-ai

``param`` lines are optional; ``(iri)`` or ``(literal)`` after the name says what kind of value
the parameter takes (default: any), and a description starting with ``(optional)`` makes it
optional. The query's name is its file name without ``.rq``.

Listing the named queries (``cvkg queries``) reads only the headers and imports nothing heavy;
rdflib and the SPARQL parser are imported by the functions that need them (``from_file``,
``bind_params``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import limits, resources
from .errors import InputError, NotFoundError

_HEADER = re.compile(r"^#\s*(title|question|param)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<kind>iri|literal|any)\))?\s*(?:[-–:]\s*(?P<desc>.*))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "any"  # "iri", "literal" or "any"
    description: str = ""
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    source: str  # where it came from, for messages: "queries/fines.rq" or a user path
    title: str = ""
    question: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None


def parse_header(text: str, source: str) -> tuple[str, str, tuple[Param, ...]]:
    """Read title, question and params from the leading comment lines of a query."""
    title = question = ""
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "title":
            title = value
        elif key == "question":
            question = value
        else:
            pm = _PARAM.match(value)
            if not pm:
                raise InputError(f"{source}: bad '# param:' line {value!r}: expected 'NAME - description'")
            desc = (pm.group("desc") or "").strip()
            optional = desc.lower().startswith("(optional)")
            params.append(Param(pm.group("name"), (pm.group("kind") or "any").lower(), desc, optional))
    return title, question, tuple(params)


def _from_text(name: str, text: str, source: str) -> NamedQuery:
    title, question, params = parse_header(text, source)
    return NamedQuery(name, text, source, title, question, params)


def named_queries() -> dict[str, NamedQuery]:
    """All packaged named queries, by name, sorted by name."""
    out: dict[str, NamedQuery] = {}
    for packaged in resources.query_files():
        name = packaged.name[: -len(".rq")]
        out[name] = _from_text(name, packaged.read_text(), packaged.display)
    return out


def get(name: str) -> NamedQuery:
    """One packaged query by name; NotFoundError with the nearest names otherwise."""
    queries = named_queries()
    if name in queries:
        return queries[name]
    lowered = {n.lower(): n for n in queries}
    if name.lower() in lowered:
        return queries[lowered[name.lower()]]
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)
    close += [n for n in lowered if name.lower() in n and n not in close]
    raise NotFoundError(
        f"no named query '{name}' (see 'cvkg queries')",
        [lowered[c] for c in close],
    )


def from_file(path: str) -> NamedQuery:
    """A query read from a user's .rq file (its header is optional); at most
    ``limits.max_query_bytes()`` bytes are read."""
    from . import rdfio

    data = rdfio.read_bytes(path, limits.max_query_bytes(), limits.ENV_MAX_QUERY_BYTES, "SPARQL query")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    return _from_text(Path(path).stem, text, path)


def from_text(text: str, source: str = "query") -> NamedQuery:
    """An ad-hoc query given on the command line (-e)."""
    return _from_text("query", text, source)


def bind_params(query: NamedQuery, raw_params: list[str] | tuple[str, ...]) -> dict:
    """Turn ``--param NAME=VALUE`` strings into initial bindings for ``query``.

    A query with ``# param:`` lines accepts exactly those names (an IRI parameter refuses a
    plain string) and needs every parameter not marked optional. A query without them (ad-hoc
    or a user's file) accepts any name that is a variable of the query.
    """
    from rdflib import Literal, URIRef

    from . import sparql

    bindings: dict = {}
    for raw in raw_params:
        name, value = sparql.parse_param(raw)
        if name in bindings:
            raise InputError(f"bad --param {raw!r}: parameter '{name}' is given twice")
        bindings[name] = value

    if query.params:
        declared = {p.name: p for p in query.params}
        for name, value in bindings.items():
            param = declared.get(name)
            if param is None:
                close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.5) or list(declared)[:1]
                raise NotFoundError(f"query '{query.name}' has no parameter '{name}'", close)
            if param.kind == "iri" and not isinstance(value, URIRef):
                raise InputError(
                    f"bad --param {name}={value}: '{name}' needs an IRI: <https://...> or a "
                    "prefixed name such as ido:clearview-ai (see 'cvkg actor NAME' to find one)"
                )
            if param.kind == "literal" and not isinstance(value, Literal):
                raise InputError(f"bad --param {name}: '{name}' needs a plain value, not an IRI")
        missing = [p for p in query.params if not p.optional and p.name not in bindings]
        if missing:
            needed = " ".join(f"--param {m.name}={'IRI' if m.kind == 'iri' else 'VALUE'}" for m in missing)
            raise InputError(f"query '{query.name}' needs {needed}")
    elif bindings:
        variables = sparql.query_variables(query.text, query.source)
        for name in bindings:
            if name not in variables:
                close = difflib.get_close_matches(name, sorted(variables), n=1, cutoff=0.5)
                raise NotFoundError(f"the query has no variable ?{name} to bind", close)
    return bindings
