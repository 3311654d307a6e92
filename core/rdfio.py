"""Reading RDF files safely, with one-line error messages.

Files are always read as bytes by this module and handed to rdflib as ``data=``; a user string
is never given to ``Graph.parse`` as a location (that would follow URLs and file:// paths, and
its errors can echo the contents of the file it read). Reading stops at the size limit of
``core.limits`` (256 MiB, ``CVKG_MAX_INPUT_BYTES``) plus one byte.

Before parsing:

- JSON-LD that would make rdflib fetch anything is refused: a string ``@context`` (remote,
  file:// or a relative name), anywhere in the document, including scoped contexts inside term
  definitions, contexts nested in contexts or lists, and contexts of nodes inside ``@graph``;
  and ``@import`` anywhere. A reference to the project's own published context is first
  swapped for the packaged copy (``core.jsonld_context.inline_known_context``).
- RDF/XML must be UTF-8 (rdflib reads it as such) and is read once by expat, the parser rdflib
  uses, before rdflib sees it: a DOCTYPE is refused outright, so there are no internal
  entities (billion laughs), no external entities (XXE, to a file or a URL) and no parameter
  entities; a tag, comment or processing instruction longer than ``XML_MAX_TOKEN`` (1 MiB) is
  refused, since expat re-scans an unfinished token at every chunk rdflib feeds it; and the
  work rdflib would spend building literals is counted: it appends every piece of a literal's
  text (each character reference and line break is a piece) to a growing string, and
  re-parses an ``rdf:parseType="Literal"`` value at every append, so a document that would
  cost more than ``XML_TEXT_BUDGET`` (about a second) is refused instead of running for hours.

Any parser exception, including the IndexError / AttributeError / TypeError / AssertionError /
RecursionError that malformed input can raise, becomes an ``InputError`` whose message is one
line: ``FILE:LINE: reason`` where the parser knows the line, otherwise ``FILE: reason``.

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
import re
import sys
from pathlib import Path
from xml.parsers import expat

from rdflib import Dataset, Graph
from rdflib.exceptions import ParserError

from . import limits
from .errors import InputError
from .formats import RDF_EXTENSIONS
from .jsonld_context import inline_known_context

FORMATS: dict[str, str] = RDF_EXTENSIONS  # extension -> rdflib format (core.formats)

FORMAT_NAMES = {
    "turtle": "Turtle",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "json-ld": "JSON-LD",
    "xml": "RDF/XML",
}

_QUAD_FORMATS = {"nquads", "trig"}
_TEXT_FORMATS = {"turtle", "nt", "nquads", "trig", "json-ld", "xml"}
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


def read_bytes(path: str, limit: int | None = None, variable: str = limits.ENV_MAX_INPUT_BYTES,
               what: str = "file") -> bytes:
    """Read a user file (or standard input for '-') as bytes, with one-line errors.

    Reads at most ``limit + 1`` bytes (default: ``limits.max_input_bytes()``) and raises
    InputError naming ``variable`` when the input is larger than ``limit``."""
    if limit is None:
        limit = limits.max_input_bytes()
    name = "<stdin>" if path == "-" else path
    if path == "-":
        return limits.read_capped(sys.stdin.buffer, limit, name, variable, what)
    try:
        with open(path, "rb") as handle:
            return limits.read_capped(handle, limit, name, variable, what)
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
    """Parse ``data`` in rdflib format ``fmt``; ``name`` is used in error messages.

    The size limit is the reader's business (``read_bytes`` applies it to user files): the
    packaged graph is parsed here too, whatever ``CVKG_MAX_INPUT_BYTES`` says."""
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


def _parses(data: bytes, fmt: str) -> bool:
    try:
        (Dataset() if fmt == "nquads" else Graph()).parse(data=data, format=fmt)
    except Exception:  # noqa: BLE001
        return False
    return True


def _first_bad_line(data: bytes, fmt: str, chunk: int = 1000) -> int | None:
    """The number of the first line that does not parse on its own (N-Triples and N-Quads lines
    are independent). Chunks of lines first, then the lines of the failing chunk: about two
    parses of the file, not one parse per line."""
    lines = data.splitlines()
    for start in range(0, len(lines), chunk):
        part = lines[start:start + chunk]
        if _parses(b"\n".join(part) + b"\n", fmt):
            continue
        for number, raw in enumerate(part, start=start + 1):
            if raw.strip() and not raw.lstrip().startswith(b"#") and not _parses(raw + b"\n", fmt):
                return number
    return None


_EXTERNAL_CONTEXT = (
    "JSON-LD with a remote or external @context is not read (rdflib would fetch it); "
    "put the context inline"
)


def _check_jsonld(data: bytes, name: str) -> bytes:
    """Refuse JSON-LD that would make rdflib fetch something (remote or file contexts).

    A reference to the project's own published context is first replaced by the packaged copy,
    so our own exports read back without a fetch. Returns the bytes to parse: the checked
    document, serialised again, so that rdflib reads exactly what was checked."""
    try:
        document = inline_known_context(json.loads(data.decode("utf-8")))
        checked = json.dumps(document).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {_short(exc.msg)}") from None
    except RecursionError:
        raise InputError(f"{name}: nesting too deep to parse") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InputError(f"{name}: invalid JSON: {_short(exc)}") from None

    def external(context: object) -> bool:
        # rdflib fetches every string in a context value, also inside nested lists; dicts
        # nested in a context (term definitions, "@context" inside a context) are reached by
        # the walk below, which visits every dict of the document.
        if isinstance(context, str):
            return True
        if isinstance(context, list):
            return any(external(c) for c in context)
        return False

    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "@import" in node or ("@context" in node and external(node["@context"])):
                raise InputError(f"{name}: {_EXTERNAL_CONTEXT}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return checked


# --- RDF/XML ---------------------------------------------------------------------------------

# The work rdflib may spend reading a document, in character copies (see the module docstring);
# the budget is about a second of rdflib's time.
# - Literal text: rdflib appends every piece to a growing string. 640,000 character references
#   in one literal cost 2e11 and ran 7 s; real documents need a fraction (a 1 MB literal of
#   10,000 lines: 1e10).
# - rdf:parseType="Literal" values are far dearer: rdflib re-parses the whole XML literal with
#   minidom at every append (5,000 empty child elements ran 143 s; 3,000 character references
#   0.3 s), so each append there costs XML_LITERAL_BYTE per character and XML_LITERAL_ELEMENT
#   per element of the literal so far.
# - Long tags, comments and processing instructions: rdflib feeds expat 64 KiB at a time and
#   expat 2.5 scans an unfinished token again from its start at every feed (one 40 MB comment
#   ran 25 s); Python's expat does the same 1 MiB at a time. So a token longer than
#   XML_MAX_TOKEN is refused by a regular expression before expat runs; below it, the rescans
#   cost at most a few seconds per 256 MiB.
XML_TEXT_BUDGET = 20_000_000_000
XML_LITERAL_BYTE = 700
XML_LITERAL_ELEMENT = 70_000
XML_MAX_TOKEN = 1024 * 1024

# Where a long token may start: a tag followed by XML_MAX_TOKEN bytes without "<" (a tag cannot
# hold "<", not even in attribute values; _TAG then measures it), or a comment or processing
# instruction of XML_MAX_TOKEN bytes. Linear: each alternative is decided byte by byte.
_LONG_TOKEN = re.compile(
    rb"<[^!?<>](?=[^<]{%d})|<!--(?:[^-]|-(?!->)){%d}|<\?(?:[^?]|\?(?!>)){%d}" % ((XML_MAX_TOKEN,) * 3)
)
_TAG = re.compile(rb"<[^!?<>](?:[^<>\"']+|\"[^\"<]*\"|'[^'<]*')*>?")


def _long_token(data: bytes) -> int | None:
    """The offset of the first tag, comment or PI longer than XML_MAX_TOKEN, if any."""
    position = 0
    while True:
        found = _LONG_TOKEN.search(data, position)
        if found is None:
            return None
        if not data.startswith((b"<!--", b"<?"), found.start()):
            tag = _TAG.match(data, found.start())
            if tag is None or tag.end() - tag.start() < XML_MAX_TOKEN:
                position = found.start() + 1 if tag is None else tag.end()
                continue  # a short tag followed by long text: fine
        return found.start()


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PARSE_TYPE_KEYS = (_RDF + " parseType", "parseType")


class _Refused(Exception):
    pass


class _XmlFrame:
    __slots__ = ("kind", "parse_type", "acc", "elements")

    def __init__(self, kind: str, parse_type: str | None = None, acc: int = 0) -> None:
        # "root" (rdf:RDF), "node", "property", "xmlliteral" (a property element whose
        # rdf:parseType is neither Resource nor Collection: rdflib builds an XMLLiteral) or
        # "literal" (an element inside an XML literal).
        self.kind = kind
        self.parse_type = parse_type
        self.acc = acc  # length of the string rdflib is building for this element
        self.elements = 0  # elements inside that string


def _check_xml(data: bytes, name: str) -> None:
    """Read the document once with expat (no DTD) and estimate rdflib's literal-building work.

    Raises InputError for a DOCTYPE or entity declaration, for an external entity reference,
    for malformed XML, and for a document whose literals would take rdflib minutes to build."""
    if b"<!DOCTYPE" in data:  # the quick answer; expat's handler below catches every form
        raise InputError(f"{name}: RDF/XML with a DOCTYPE or entity declarations is not read")
    long_token = _long_token(data) if len(data) > XML_MAX_TOKEN else None
    if long_token is not None:
        line = data.count(b"\n", 0, long_token) + 1
        raise InputError(
            f"{name}:{line}: RDF/XML refused: a tag, comment or processing instruction longer than "
            f"{limits.human(XML_MAX_TOKEN)}; rdflib would need minutes to read it"
        )

    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = False  # rdflib's SAX reader receives every piece separately too

    def refuse(reason: str):
        def handler(*_args):
            raise _Refused(f"{name}:{parser.CurrentLineNumber}: {reason}")
        return handler

    entities = refuse("RDF/XML with a DOCTYPE or entity declarations is not read")
    parser.StartDoctypeDeclHandler = entities
    parser.EntityDeclHandler = entities
    parser.UnparsedEntityDeclHandler = entities
    parser.ExternalEntityRefHandler = refuse("RDF/XML with an external entity is not read")

    stack: list[_XmlFrame] = []
    cost = 0

    def spend(amount: int) -> None:
        nonlocal cost
        cost += amount
        if cost > XML_TEXT_BUDGET:
            raise _Refused(
                f"{name}:{parser.CurrentLineNumber}: RDF/XML refused: its literals are built from too "
                "many pieces (character references or line breaks in one literal, elements or "
                "attributes inside one XML literal); rdflib would need minutes to read it"
            )

    def appended(frame: _XmlFrame, length: int, elements: int = 0) -> None:
        frame.acc += length
        frame.elements += elements
        if frame.kind == "xmlliteral":
            spend(frame.acc * XML_LITERAL_BYTE + frame.elements * XML_LITERAL_ELEMENT)
        else:
            spend(frame.acc)

    def start(tag: str, attrs: dict) -> None:
        parse_type = next((attrs[k] for k in _PARSE_TYPE_KEYS if k in attrs), None)
        if not stack:
            stack.append(_XmlFrame("root" if tag == _RDF + " RDF" else "node"))
            return
        parent = stack[-1]
        if parent.kind in ("xmlliteral", "literal"):
            # rdflib writes "<tag" and then each attribute onto a string, one append at a time.
            frame = _XmlFrame("literal")
            appended(frame, len(tag) + 2)
            for key, value in attrs.items():
                appended(frame, len(key) + len(value) + 4)
            stack.append(frame)
        elif parent.kind == "node" or (parent.kind == "property" and parent.parse_type == "Resource"):
            literal = parse_type is not None and parse_type not in ("Resource", "Collection")
            stack.append(_XmlFrame("xmlliteral" if literal else "property", parse_type))
        else:  # inside rdf:RDF or a property element: a node element
            stack.append(_XmlFrame("node"))

    def end(tag: str) -> None:
        frame = stack.pop()
        if frame.kind == "literal" and stack:
            appended(stack[-1], frame.acc + len(tag) + 3, frame.elements + 1)

    def characters(text: str) -> None:
        if not stack or stack[-1].kind in ("root", "node"):
            return  # rdflib ignores text between node elements
        appended(stack[-1], len(text) + 3 * (text.count("<") + text.count("&") + text.count(">")))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise InputError(str(exc)) from None
    except expat.ExpatError as exc:
        raise InputError(
            f"{name}:{exc.lineno}:{exc.offset}: invalid XML: {_short(expat.ErrorString(exc.code))}"
        ) from None
    except RecursionError:
        raise InputError(f"{name}: nesting too deep to parse") from None
