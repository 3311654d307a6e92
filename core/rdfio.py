"""Reading RDF files safely, with one-line error messages.

Files are always read as bytes by this module and handed to rdflib as ``data=``; a user string
is never given to ``Graph.parse`` as a location (that would follow URLs and file:// paths).
Before parsing, JSON-LD documents that point at external contexts and RDF/XML documents that
declare entities are refused, since rdflib would fetch the former and can spend minutes on the
latter. Any parser exception, including the IndexError / AttributeError / TypeError /
AssertionError / RecursionError that malformed input can raise, becomes an ``InputError``
whose message is one line: ``FILE:LINE: reason`` where the parser knows the line, otherwise
``FILE: reason``.

The format follows the file extension:

======================  ==========
extension               format
======================  ==========
.ttl .turtle            Turtle
.nt                     N-Triples
.nq                     N-Quads
.trig                   TriG
.jsonld .json           JSON-LD
.rdf .xml .owl          RDF/XML
======================  ==========

``-`` reads Turtle from standard input. Named graphs of N-Quads and TriG files are merged into
the one graph (their triples keep, their graph names are dropped).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.exceptions import ParserError

from .errors import InputError
from .jsonld_context import inline_known_context

FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
}

FORMAT_NAMES = {
    "turtle": "Turtle",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "json-ld": "JSON-LD",
    "xml": "RDF/XML",
}

_QUAD_FORMATS = {"nquads", "trig"}
_TEXT_FORMATS = {"turtle", "nt", "nquads", "trig", "json-ld"}
_MAX_REASON = 160


def format_for(path: str) -> str:
    """The rdflib format name for a path, from its extension; InputError if unknown."""
    if path == "-":
        return "turtle"
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        known = " ".join(sorted(FORMATS))
        raise InputError(
            f"{path}: unknown RDF file extension {suffix or '(none)'!r} (known: {known})"
        ) from None


def read_bytes(path: str) -> bytes:
    """Read a user file (or standard input for '-') as bytes, with one-line errors."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_rdf_file(path: str) -> Graph:
    """Parse one user file into a new Graph."""
    if path != "-" and os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a file")
    fmt = format_for(path)
    data = read_bytes(path)
    base = None if path == "-" else Path(os.path.abspath(path)).as_uri()
    return parse_rdf(data, fmt, "<stdin>" if path == "-" else path, base=base)


def parse_rdf(data: bytes, fmt: str, name: str, base: str | None = None) -> Graph:
    """Parse ``data`` in rdflib format ``fmt``; ``name`` is used in error messages."""
    if fmt in _TEXT_FORMATS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"{name}:{line}: not UTF-8 text (byte offset {exc.start})") from None
    if fmt == "json-ld":
        data = _check_jsonld(data, name)
    if fmt == "xml":
        _check_xml(data, name)

    target: Graph = Dataset() if fmt in _QUAD_FORMATS else Graph()
    try:
        target.parse(data=data, format=fmt, publicID=base)
    except RecursionError:
        raise InputError(f"{name}: nesting too deep to parse") from None
    except Exception as exc:  # noqa: BLE001 - every parser failure becomes one line
        raise _parse_error(exc, data, fmt, name) from None

    if fmt in _QUAD_FORMATS:
        merged = Graph()
        for s, p, o, _g in target.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return target


def _short(text: object) -> str:
    reason = " ".join(str(text).split())
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 1] + "…"
    return reason or "syntax error"


def _parse_error(exc: Exception, data: bytes, fmt: str, name: str) -> InputError:
    what = FORMAT_NAMES.get(fmt, fmt)
    # Turtle, TriG: rdflib's BadSyntax, with a 0-based line number.
    lines = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)
    if isinstance(lines, int) and why is not None:
        return InputError(f"{name}:{lines + 1}: {_short(why)}")
    # JSON-LD: json.JSONDecodeError.
    if isinstance(exc, json.JSONDecodeError):
        return InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {_short(exc.msg)}")
    # RDF/XML: xml.sax.SAXParseException.
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_line):
        try:
            line, column = get_line(), exc.getColumnNumber()  # type: ignore[attr-defined]
            message = exc.getMessage()  # type: ignore[attr-defined]
            return InputError(f"{name}:{line}:{column}: invalid XML: {_short(message)}")
        except Exception:  # noqa: BLE001
            pass
    # N-Triples, N-Quads: ParserError without a line; find the first line that fails alone.
    if isinstance(exc, ParserError) and fmt in ("nt", "nquads"):
        line = _first_bad_line(data, fmt)
        reason = _short(str(exc).split(":")[0])
        if line:
            return InputError(f"{name}:{line}: {reason}")
        return InputError(f"{name}: {reason}")
    return InputError(f"{name}: not valid {what}: {_short(exc) if str(exc) else type(exc).__name__}")


def _first_bad_line(data: bytes, fmt: str) -> int | None:
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(b"#"):
            continue
        try:
            (Dataset() if fmt == "nquads" else Graph()).parse(data=raw + b"\n", format=fmt)
        except Exception:  # noqa: BLE001
            return number
    return None


def _check_jsonld(data: bytes, name: str) -> bytes:
    """Refuse JSON-LD that would make rdflib fetch something (remote or file contexts).

    A reference to the project's own published context is first replaced by the packaged copy,
    so our own exports read back without a fetch. Returns the bytes to parse."""
    try:
        document = inline_known_context(json.loads(data.decode("utf-8")))
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {_short(exc.msg)}") from None
    except RecursionError:
        raise InputError(f"{name}: nesting too deep to parse") from None

    def external(context: object) -> bool:
        if isinstance(context, str):
            return True
        if isinstance(context, list):
            return any(external(c) for c in context)
        if isinstance(context, dict):
            if "@import" in context:
                return True
            return any(
                isinstance(v, dict) and "@context" in v and external(v["@context"])
                for v in context.values()
            )
        return False

    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "@context" in node and external(node["@context"]):
                raise InputError(
                    f"{name}: JSON-LD with a remote or external @context is not read; "
                    "put the context inline"
                )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return json.dumps(document).encode("utf-8")


def _check_xml(data: bytes, name: str) -> None:
    """Refuse RDF/XML with a DOCTYPE: entity expansion can run for minutes."""
    if b"<!DOCTYPE" in data.upper():
        raise InputError(f"{name}: RDF/XML with a DOCTYPE or entity declarations is not read")
