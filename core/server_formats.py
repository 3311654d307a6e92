"""Result formats of ``cvkg serve``: content negotiation and the SPARQL 1.1 result serializers.

Written here rather than taken from rdflib so that each format is exactly what its W3C
recommendation says (rdflib has no TSV writer, and its CSV/XML writers differ in details):

- ``application/sparql-results+json`` (SPARQL 1.1 Query Results JSON Format): ``head.vars``,
  ``results.bindings`` with ``{"type": "uri"|"literal"|"bnode", "value": ...}``, ``xml:lang``
  or ``datatype`` on literals; ASK gives ``{"head": {}, "boolean": true}``.
- ``application/sparql-results+xml`` (SPARQL Query Results XML Format): ``<uri>``,
  ``<literal xml:lang=…|datatype=…>``, ``<bnode>``; ASK gives ``<boolean>``.
- ``text/csv`` (SPARQL 1.1 CSV): header of variable names, then plain values: an IRI as is,
  a literal's lexical form only, a blank node as ``_:label``; RFC 4180 quoting, CRLF lines.
- ``text/tab-separated-values`` (SPARQL 1.1 TSV): header ``?a<TAB>?b``, then RDF terms in
  Turtle syntax (``<iri>``, ``"text"@en``, ``"5"^^<…#integer>``, ``_:b0``), LF lines.
- CONSTRUCT and DESCRIBE: ``text/turtle`` and ``application/n-triples``.

An unbound variable is left out of a JSON/XML result and is an empty CSV/TSV field. A literal
typed ``xsd:string`` is written as a simple literal (the same term in RDF 1.1). Characters that
XML 1.0 cannot carry (C0 controls other than TAB, LF, CR; lone surrogates) become U+FFFD in XML
results, and lone surrogates become U+FFFD in every format (they cannot be encoded as UTF-8).

Truncation (see ``cvkg serve --max-rows``) is marked inside the formats that have a place for
it: JSON results get ``head.link`` = [TRUNCATED_LINK] and ``head.warnings`` = [text]; XML
results get ``<link href="TRUNCATED_LINK"/>`` in ``<head>``; Turtle and N-Triples get a
leading ``#`` comment. CSV and TSV have no place for it: the HTTP header
``X-Cvkg-Truncated: true`` (sent with every format) is the marker there.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

TRUNCATED_LINK = "https://w3id.org/clearview-kg/serve#truncated"


# --- formats and content negotiation ---------------------------------------------------------


@dataclass(frozen=True)
class Format:
    key: str  # "json", "xml", "csv", "tsv", "turtle", "nt"
    media_type: str  # what the response says it is
    accepts: tuple[str, ...]  # media types in an Accept header that select it

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


JSON = Format("json", "application/sparql-results+json", ("application/sparql-results+json", "application/json"))
XML = Format("xml", "application/sparql-results+xml", ("application/sparql-results+xml", "application/xml"))
CSV = Format("csv", "text/csv", ("text/csv",))
TSV = Format("tsv", "text/tab-separated-values", ("text/tab-separated-values", "text/tsv"))
TURTLE = Format("turtle", "text/turtle", ("text/turtle", "application/x-turtle"))
NTRIPLES = Format("nt", "application/n-triples", ("application/n-triples",))

# In the server's order of preference: the first is the answer to "*/*" or no Accept at all.
SELECT_FORMATS = (JSON, XML, CSV, TSV)
ASK_FORMATS = (JSON, XML)  # the CSV/TSV recommendation defines no boolean result
GRAPH_FORMATS = (TURTLE, NTRIPLES)
ALL_FORMATS = (JSON, XML, CSV, TSV, TURTLE, NTRIPLES)


def _accept_ranges(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) for each element of an Accept header; bad ones are skipped."""
    ranges = []
    for element in header.split(","):
        parts = [p.strip() for p in element.split(";")]
        media = parts[0].lower()
        if not media or "/" not in media:
            continue
        main, _, sub = media.partition("/")
        if not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if sub == "*" else 2
        ranges.append((media, q, specificity))
    return ranges


def _quality(fmt: Format, ranges: list[tuple[str, float, int]]) -> float:
    """The q of ``fmt``: an exact mention of its media type or of an alias wins; otherwise the
    most specific wildcard range (``text/*``, ``*/*``) that covers its own media type; 0 when
    nothing matches. Aliases are matched only exactly (``*/*`` does not also count as
    ``application/json``)."""
    exact = [q for media, q, _ in ranges if media in fmt.accepts]
    if exact:
        return max(exact)
    main = fmt.media_type.split("/")[0]
    best_specificity, best_q = -1, 0.0
    for media, q, specificity in ranges:
        if media in ("*/*", f"{main}/*") and specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return best_q


def negotiate(accept: str | None, formats: Sequence[Format]) -> Format | None:
    """The best of ``formats`` for an Accept header (None or blank: the first); None if none
    is acceptable."""
    if accept is None or not accept.strip():
        return formats[0]
    ranges = _accept_ranges(accept)
    if not ranges:
        return formats[0]
    best: Format | None = None
    best_q = 0.0
    for fmt in formats:
        q = _quality(fmt, ranges)
        if q > best_q:
            best, best_q = fmt, q
    return best


# --- text helpers ----------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def utf8(text: str) -> bytes:
    """UTF-8 bytes; lone surrogates (which UTF-8 cannot carry) become U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def _plain(term: Node) -> str:
    return "_:" + str(term) if isinstance(term, BNode) else str(term)


def _is_string(term: Literal) -> bool:
    return term.language is None and (term.datatype is None or term.datatype == XSD.string)


# --- SELECT ----------------------------------------------------------------------------------


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif not _is_string(term):
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "uri", "value": str(term)}


def _head(columns: Sequence[str], truncated: str | None) -> dict:
    head: dict = {"vars": list(columns)}
    if truncated:
        head["link"] = [TRUNCATED_LINK]
        head["warnings"] = [truncated]
    return head


def select_json(columns: Sequence[str], rows: Iterable[Sequence[Node | None]], truncated: str | None = None) -> bytes:
    bindings = [
        {name: _json_term(term) for name, term in zip(columns, row) if term is not None}
        for row in rows
    ]
    doc = {"head": _head(columns, truncated), "results": {"bindings": bindings}}
    return utf8(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


def _xml_text(text: str) -> str:
    text = _NOT_XML.sub("\ufffd", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attr(text: str) -> str:
    return (_xml_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;"))


_XML_START = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def _xml_term(term: Node) -> str:
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            attrs = f' xml:lang="{_xml_attr(term.language)}"'
        elif not _is_string(term):
            attrs = f' datatype="{_xml_attr(str(term.datatype))}"'
        else:
            attrs = ""
        return f"<literal{attrs}>{_xml_text(str(term))}</literal>"
    return f"<uri>{_xml_text(str(term))}</uri>"


def select_xml(columns: Sequence[str], rows: Iterable[Sequence[Node | None]], truncated: str | None = None) -> bytes:
    out = [_XML_START, "  <head>\n"]
    out += [f'    <variable name="{_xml_attr(c)}"/>\n' for c in columns]
    if truncated:
        out.append(f'    <link href="{TRUNCATED_LINK}"/>\n')
    out.append("  </head>\n  <results>\n")
    for row in rows:
        out.append("    <result>\n")
        for name, term in zip(columns, row):
            if term is not None:
                out.append(f'      <binding name="{_xml_attr(name)}">{_xml_term(term)}</binding>\n')
        out.append("    </result>\n")
    out.append("  </results>\n</sparql>\n")
    return utf8("".join(out))


def select_csv(columns: Sequence[str], rows: Iterable[Sequence[Node | None]], truncated: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if term is None else _plain(term) for term in row])
    return utf8(buffer.getvalue())


_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)$")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_STRING_ESCAPE = re.compile(r'[\\"\n\r\t]')


def _iri(text: str) -> str:
    return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", text) + ">"


def term_n3(term: Node) -> str:
    """An RDF term in Turtle / SPARQL syntax, as the TSV results format writes it."""
    if isinstance(term, BNode):
        label = str(term)
        if not _BNODE_LABEL.match(label):
            label = "b" + label.encode("utf-8", "surrogatepass").hex()
        return "_:" + label
    if isinstance(term, Literal):
        text = '"' + _STRING_ESCAPE.sub(lambda m: _STRING_ESCAPES[m.group()], str(term)) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if not _is_string(term):
            return f"{text}^^{_iri(str(term.datatype))}"
        return text
    return _iri(str(term))


def select_tsv(columns: Sequence[str], rows: Iterable[Sequence[Node | None]], truncated: str | None = None) -> bytes:
    lines = ["\t".join("?" + c for c in columns)]
    for row in rows:
        lines.append("\t".join("" if term is None else term_n3(term) for term in row))
    return utf8("\n".join(lines) + "\n")


SELECT_WRITERS = {"json": select_json, "xml": select_xml, "csv": select_csv, "tsv": select_tsv}


# --- ASK -------------------------------------------------------------------------------------


def ask_body(fmt: Format, value: bool) -> bytes:
    word = "true" if value else "false"
    if fmt.key == "json":
        return utf8(json.dumps({"head": {}, "boolean": value}))
    if fmt.key == "xml":
        return utf8(f"{_XML_START}  <head/>\n  <boolean>{word}</boolean>\n</sparql>\n")
    raise ValueError(f"no boolean result in {fmt.media_type}")


# --- CONSTRUCT / DESCRIBE -------------------------------------------------------------------


def graph_body(fmt: Format, graph: Graph, truncated: str | None = None) -> bytes:
    """Turtle or N-Triples; a truncation warning becomes a leading comment line."""
    text = graph.serialize(format="turtle" if fmt.key == "turtle" else "nt")
    if fmt.key == "nt":  # rdflib writes the triples in no particular order
        text = "".join(sorted(line + "\n" for line in text.splitlines() if line.strip()))
    if truncated:
        text = f"# {truncated}\n" + text
    return utf8(text)
