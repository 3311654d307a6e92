"""Talking to a remote SPARQL server: the SPARQL 1.1 Protocol for queries, the Graph Store
Protocol for ``cvkg push``. Only the standard library (http.client) is used.

Queries
-------
- Every query is a form-encoded POST (``query=...``): Virtuoso 7.2 hangs on a POST with
  ``Content-Type: application/sparql-query`` (its issue 842), and a form POST has no URL
  length limit.
- The query is first parsed locally with ``core.sparql.prepare``, so SERVICE and FROM are
  refused exactly as on the embedded store (a server would federate SERVICE; FROM would
  override the scope below) and syntax errors are reported the same way.
- Parameters are never pasted as raw text. Each bound value is rendered as one RDF term
  (``render_term``: an IRI checked for forbidden characters, or a literal in double quotes
  with ``\\``, ``"``, line breaks and control characters escaped) into a VALUES block that is
  inserted at the start of the query's top-level WHERE group; the result is parsed again
  locally before it is sent. A value such as ``" } ; DROP ALL #`` is therefore only ever the
  content of one string literal.
- Scope. The queries read the graphs named by ``graphs`` through the protocol's
  ``default-graph-uri`` parameter (default: ``DEFAULT_GRAPH``, the graph ``cvkg push``
  writes the whole graph into). ``graphs=("default",)`` sends no such parameter and reads the
  server's own default graph. Why one named graph holding everything: on Virtuoso the
  default graph is the union of ALL graphs including ~5,600 of its own system triples; on
  Oxigraph the default graph is a graph of its own, not the union of the named graphs, and
  its ``union-default-graph`` option (like several ``default-graph-uri`` values) counts a
  triple once per graph that holds it, so the per-source graphs of the TriG export (which
  repeat an action's description in each source's graph) would give duplicate rows.
- Results are read as SPARQL JSON (``application/sparql-results+json``) and turned into the
  rdflib terms the embedded store returns: Virtuoso's ``"typed-literal"`` is a literal with
  a datatype; an ``xsd:string`` datatype becomes a plain literal (the same term in RDF 1.1;
  rdflib's parser of our Turtle files gives plain literals); blank node labels are kept
  (made safe for Turtle). CSV/TSV answers are never parsed: Virtuoso quotes every string in
  them, and they lose datatypes and language tags.
- CONSTRUCT / DESCRIBE answers are asked for as N-Triples (then Turtle, RDF/XML) and parsed
  with ``core.rdfio``.
- Partial answers are errors (``TruncatedError``, exit code 5), never shown as complete: HTTP
  206; a header ``X-SQL-State`` (Virtuoso's S1TAT: "returning incomplete results, query
  interrupted by result timeout"); ``X-SPARQL-MaxRows`` (Virtuoso cut the rows at its
  ``ResultSetMaxRows``; a result of exactly that many rows is reported too, since it cannot
  be told apart). Virtuoso cuts CONSTRUCT answers at the same limit WITHOUT any header:
  ``Endpoint.graph()`` therefore checks the number of triples against a COUNT query, and a
  user's CONSTRUCT / DESCRIBE sent to Virtuoso is reported as truncated when it has at least
  as many triples as the server's row limit (learned once per process with a small probe).
- On Virtuoso, queries also carry Virtuoso's ``timeout`` parameter (half of ``--timeout``, in
  ms: Virtuoso overshoots it by a second or more), so the server itself stops a query we are
  about to give up on (otherwise it keeps working after we hang up) and answers with S1TAT,
  reported as TRUNCATED.

Errors are one line (``EndpointError``, exit code 4): connection refused, unknown host, no
answer within the timeout (every request has one; it bounds the whole answer, not each read),
an HTTP error with its status and the first line of the server's message, a redirect (with
the URL to use), an answer that cannot be parsed.

Authentication: HTTP Digest (Virtuoso's ``/sparql-graph-crud-auth``) or Basic, answered from
the challenge of a small probe request before any large upload; the password is given by the
caller (the command line reads it from CVKG_PASSWORD, --password-file or a prompt).

Graph Store Protocol (``cvkg push``)
------------------------------------
``GraphStore.replace(iri, bodies)`` PUTs the first N-Triples document of a graph and POSTs the
rest (core.store.push cuts them at ``chunk_triples`` triples with core.bnodes.batches, which
never splits the triples of one blank node structure, so blank nodes keep their identity on
the server). Oxigraph: ``BASE/store``;
Virtuoso: ``BASE/sparql-graph-crud-auth`` (with --user) or ``BASE/sparql-graph-crud``; other
servers: give the URL. The graph is named with the standard ``?graph=IRI`` parameter, which
both servers accept.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.sparql.parser import expandUnicodeEscapes
from rdflib.term import Node

from . import rdfio, sparql
from . import source as source_mod
from .errors import CvkgError, InputError
from .namespaces import PREFIXES

#: The named graph that ``cvkg push`` writes the whole graph into, and that queries read.
DEFAULT_GRAPH = source_mod.DEFAULT_GRAPH
#: ``--graph default``: read the server's own default graph (no default-graph-uri).
SERVER_DEFAULT = "default"
DEFAULT_TIMEOUT = source_mod.DEFAULT_TIMEOUT
CHUNK_TRIPLES = 100_000
USER_AGENT = "clearview-kg (cvkg)"

SPARQL_JSON = "application/sparql-results+json"
RDF_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5"
_RDF_MEDIA = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
}


# --- errors -------------------------------------------------------------------------------------


class EndpointError(CvkgError):
    """The remote endpoint cannot be used: unreachable, timed out, HTTP error, bad answer."""

    exit_code = 4


class AuthError(EndpointError):
    """The server refused our credentials (or wanted some)."""


class TruncatedError(EndpointError):
    """The server answered with a partial result; it is never shown as complete."""

    exit_code = 5

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"TRUNCATED: {url} returned a partial answer ({reason}); no result is shown")


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Response:
    url: str
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def first_line(self) -> str:
        """The first meaningful line of the body, for error messages (HTML tags dropped)."""
        text = self.body[:8192].decode("utf-8", "replace")
        if "<" in text and ">" in text and ("html" in self.media_type or text.lstrip().startswith("<")):
            # Prefer the title / first heading of an HTML error page.
            heading = re.search(r"<(title|h1)[^>]*>(.*?)</\1>", text, re.IGNORECASE | re.DOTALL)
            text = heading.group(2) if heading else re.sub(r"<[^>]*>", "\n", text)
        for line in text.splitlines():
            line = " ".join(line.split())
            if line:
                return line[:200] + ("…" if len(line) > 200 else "")
        return ""


@dataclass
class Credentials:
    user: str
    password: str


def _server_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Http:
    """Minimal HTTP client: one request at a time, a deadline per request, Digest/Basic auth
    answered from the server's challenge, one-line errors."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, credentials: Credentials | None = None) -> None:
        if not timeout or timeout <= 0:
            raise InputError(f"--timeout must be a positive number of seconds, not {timeout!r}")
        self.timeout = float(timeout)
        self.credentials = credentials
        self._challenge: dict[str, dict] = {}  # server -> parsed challenge
        self._nc: dict[str, int] = {}

    # -- authentication --

    @staticmethod
    def _parse_challenges(values: list[str]) -> list[tuple[str, dict]]:
        out = []
        for value in values:
            scheme, _, rest = value.strip().partition(" ")
            params = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest)) if rest else {}
            out.append((scheme.lower(), params))
        return out

    def _authorization(self, server: str, method: str, url: str) -> str | None:
        chal = self._challenge.get(server)
        if chal is None or self.credentials is None:
            return None
        user, password = self.credentials.user, self.credentials.password
        if chal["scheme"] == "basic":
            token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
            return f"Basic {token}"
        params = chal["params"]
        algorithm = params.get("algorithm", "MD5").upper()
        hashes = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256, "SHA-256-SESS": hashlib.sha256}
        if algorithm not in hashes:
            raise AuthError(f"{url}: the server asks for digest algorithm {algorithm}, which is not supported")

        def h(text: str) -> str:
            return hashes[algorithm](text.encode("utf-8")).hexdigest()

        parts = urllib.parse.urlsplit(url)
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        realm, nonce = params.get("realm", ""), params.get("nonce", "")
        cnonce = os.urandom(8).hex()
        ha1 = h(f"{user}:{realm}:{password}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri, "algorithm": algorithm}
        if "auth" in qops:
            self._nc[server] = self._nc.get(server, 0) + 1
            nc = f"{self._nc[server]:08x}"
            fields.update(qop="auth", nc=nc, cnonce=cnonce, response=h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
        elif qops:
            raise AuthError(f"{url}: the server asks for digest qop {','.join(qops)}, which is not supported")
        else:
            fields["response"] = h(f"{ha1}:{nonce}:{ha2}")
        if "opaque" in params:
            fields["opaque"] = params["opaque"]
        unquoted = {"algorithm", "qop", "nc"}
        rendered = ", ".join(
            f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items()
        )
        return f"Digest {rendered}"

    def _remember_challenge(self, server: str, response: Response) -> bool:
        """Store the Digest (preferred) or Basic challenge of a 401; False if there is none."""
        values = response.headers.get_all("WWW-Authenticate") or []
        challenges = self._parse_challenges(values)
        chosen = next((c for c in challenges if c[0] == "digest"), None) or next(
            (c for c in challenges if c[0] == "basic"), None)
        if chosen is None:
            return False
        self._challenge[server] = {"scheme": chosen[0], "params": chosen[1]}
        self._nc[server] = 0
        return True

    # -- requests --

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Response:
        """Send one request and return the response, whatever its status; EndpointError when
        there is no HTTP answer, AuthError for a 401. A 401 is answered with the server's
        challenge at most twice (once for a first challenge, once more for an expired nonce
        of a remembered one), so a wrong password costs three small requests at most."""
        server = _server_of(url)
        response = self._send(method, url, body, headers, server)
        for _attempt in range(2):
            if response.status != 401 or self.credentials is None:
                break
            if not self._remember_challenge(server, response):
                break
            response = self._send(method, url, body, headers, server)
        if response.status == 401:
            self._challenge.pop(server, None)
            if self.credentials is None:
                raise AuthError(
                    f"{url}: HTTP 401 {response.reason}: the server wants a user name and password "
                    "(give --user; the password comes from CVKG_PASSWORD, --password-file or a prompt)"
                )
            raise AuthError(
                f"{url}: HTTP 401 {response.reason}: authentication failed for user "
                f"'{self.credentials.user}' (check the user name and the password)"
            )
        return response

    def _send(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None,
              server: str) -> Response:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"{url!r} is not an http:// or https:// URL")
        deadline = time.monotonic() + self.timeout
        all_headers = {"User-Agent": USER_AGENT, "Connection": "close"}
        all_headers.update(headers or {})
        auth = self._authorization(server, method, url)
        if auth:
            all_headers["Authorization"] = auth
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            port = parts.port
        except ValueError:
            raise InputError(f"{url!r}: bad port number") from None
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(parts.hostname, port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            chunks = []
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise socket.timeout()
                if conn.sock is not None:
                    conn.sock.settimeout(remaining)
                chunk = raw.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return Response(url, raw.status, raw.reason, raw.headers, b"".join(chunks))
        except (socket.timeout, TimeoutError):
            raise EndpointError(
                f"{url}: no complete answer within {self.timeout:g} s (raise --timeout if the server is just slow)"
            ) from None
        except ConnectionRefusedError:
            raise EndpointError(f"{url}: connection refused (is the server running on {parts.netloc}?)") from None
        except socket.gaierror as exc:
            raise EndpointError(f"{url}: cannot resolve host {parts.hostname!r} ({exc.strerror or exc})") from None
        except ssl.SSLError as exc:
            raise EndpointError(f"{url}: TLS error: {exc.reason or exc}") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise EndpointError(f"{url}: connection failed: {reason}") from None
        finally:
            conn.close()


def http_error(response: Response, what: str = "") -> EndpointError:
    """A one-line error for a non-success response."""
    if 300 <= response.status < 400:
        location = response.header("Location")
        hint = f": use {location}" if location else ""
        return EndpointError(f"{response.url}: HTTP {response.status} {response.reason} (redirect){hint}")
    line = response.first_line()
    detail = f": {line}" if line else ""
    prefix = f"{what}: " if what else ""
    return EndpointError(f"{prefix}{response.url}: HTTP {response.status} {response.reason}{detail}")


def server_kind(response: Response) -> str:
    """'virtuoso', 'oxigraph' or 'generic', from the Server header."""
    server = (response.header("Server") or "").lower()
    if server.startswith("virtuoso"):
        return "virtuoso"
    if server.startswith("oxigraph"):
        return "oxigraph"
    return "generic"


# --- parameters ------------------------------------------------------------------------------

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _iri(value: str) -> str:
    if not value or _IRI_FORBIDDEN.search(value) or ":" not in value:
        raise InputError(f"{value!r} cannot be sent as an IRI")
    return f"<{value}>"


def _string(value: str) -> str:
    """A double-quoted SPARQL string. SPARQL expands \\uXXXX escapes before parsing, also
    after an escaped backslash; so a backslash followed by u or U is sent as \\\\ and the
    letter as \\U00000075 / \\U00000055, which reads back as the same text whether or not the server
    expands escapes first."""
    out = []
    previous = ""
    for ch in value:
        if previous == "\\" and ch in "uU":
            out.append(f"\\U{ord(ch):08X}")  # 8 digits: hex digits may follow
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
        previous = ch
    return '"' + "".join(out) + '"'


def render_term(term: Node) -> str:
    """One RDF term as SPARQL text that cannot be anything but that term."""
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        text = _string(str(term))
        if term.language:
            if not _LANG.match(term.language):
                raise InputError(f"{term.language!r} is not a language tag")
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{_iri(str(term.datatype))}"
        return text
    if isinstance(term, BNode):
        raise InputError("a blank node cannot be bound as a parameter of a remote query")
    raise InputError(f"cannot bind {term!r} as a parameter")


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_NAME_CHARS = re.compile(r"[A-Za-z0-9_:.\-%\u00B7\u00C0-\uFFFF]")


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    if text.startswith(quote * 3, i):
        j = i + 3
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text.startswith(quote * 3, j):
                # A long string may end with extra quotes: """a"""" is 'a"'.
                j += 3
                while j < len(text) and text[j] == quote:
                    j += 1
                return j
            j += 1
        return j
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote or text[j] in "\r\n":
            return j + 1
        j += 1
    return j


def where_group_start(text: str) -> tuple[int, bool]:
    """Index just after the ``{`` that opens the query's top-level WHERE group; and whether
    a top-level ``{`` came before the WHERE keyword (a CONSTRUCT template; a CONSTRUCT without
    one is in the ``CONSTRUCT WHERE { ... }`` short form).

    A small lexer: comments, strings, IRIs, variables and prefixed names are skipped, so a
    ``{`` or ``WHERE`` inside them is not taken. Raises InputError when there is no group."""
    i, n = 0, len(text)
    braces = parens = 0
    first_brace: int | None = None
    where_at: int | None = None
    brace_before_where = False
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            i = _skip_string(text, i)
        elif ch == "<":
            match = _IRIREF.match(text, i)
            i = match.end() if match else i + 1
        elif ch in "?$":
            i += 1
            while i < n and _NAME_CHARS.match(text[i]) and text[i] not in ":.-%":
                i += 1
        elif ch == "(":
            parens += 1
            i += 1
        elif ch == ")":
            parens -= 1
            i += 1
        elif ch == "{":
            if braces == 0 and parens == 0:
                if where_at is not None:
                    return i + 1, brace_before_where
                if first_brace is None:
                    first_brace = i
            braces += 1
            i += 1
        elif ch == "}":
            braces -= 1
            i += 1
        elif _NAME_CHARS.match(ch) or ch == "\\":
            start = i
            while i < n and (_NAME_CHARS.match(text[i]) or text[i] == "\\"):
                i += 2 if text[i] == "\\" else 1
            word = text[start:i]
            if braces == 0 and parens == 0 and word.upper() == "WHERE":
                where_at = start
                brace_before_where = first_brace is not None
        else:
            i += 1
    if where_at is None and first_brace is not None:
        return first_brace + 1, True
    raise InputError("the query has no WHERE group to bind parameters in")


def prologue() -> str:
    """PREFIX declarations of every known prefix: the embedded store pre-declares them
    (core.namespaces.PREFIXES), a server does not. A query's own declaration of the same
    prefix comes later and wins."""
    return "".join(f"PREFIX {prefix}: <{ns}>\n" for prefix, ns in PREFIXES.items())


def remote_text(text: str, params: Mapping[str, Node] | None, name: str = "query") -> str:
    """The text sent to a server: the known prefixes declared, then the query with its
    parameters bound by ``bind_values``."""
    return prologue() + bind_values(text, params, name)


def bind_values(text: str, params: Mapping[str, Node] | None, name: str = "query") -> str:
    """The query text with ``VALUES (?p ...) { (term ...) }`` at the start of its top-level
    WHERE group, each term rendered by ``render_term``. Without parameters, the text as is.

    ``\\u`` escapes are expanded first (SPARQL processes them before parsing, as rdflib does),
    so that the lexer sees what the parser will see. The result is parsed again locally."""
    if not params:
        return text
    text = expandUnicodeEscapes(text)
    variables = " ".join(f"?{k}" for k in params)
    for k in params:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k):
            raise InputError(f"{k!r} is not a SPARQL variable name")
    terms = " ".join(render_term(v) for v in params.values())
    position, template_first = where_group_start(text)
    if sparql.prepare(text, name).algebra.name == "ConstructQuery" and not template_first:
        raise InputError(
            f"{name}: parameters cannot be bound in the CONSTRUCT WHERE {{ ... }} short form on a "
            "remote endpoint; write CONSTRUCT { ... } WHERE { ... }"
        )
    bound = f"{text[:position]}\n  VALUES ({variables}) {{ ({terms}) }}\n{text[position:]}"
    sparql.prepare(bound, name)  # must still parse, and still be free of SERVICE / FROM
    return bound


# --- results -----------------------------------------------------------------------------------

_BNODE_SAFE = re.compile(r"^[A-Za-z0-9_]+$")


def _bnode(label: str) -> BNode:
    if _BNODE_SAFE.match(label):
        return BNode(label)
    return BNode("b" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:20])


_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _seconds_text(seconds: float) -> str:
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def virtuoso_duration(lexical: str) -> str:
    """Virtuoso 7.2 stores an xsd:duration as a number - whole months (an integer) or seconds
    (a decimal) - and answers with that number ("P5Y" comes back as "60", "P2D" as
    "172800.0"). Turn it back into an ISO 8601 duration (canonical: "P5Y", "P1Y2M", "P2D",
    "PT3H"). A duration with both month and day/time parts loses the latter inside Virtuoso
    (``cvkg push`` warns about it); anything not a number is returned as it is."""
    text = lexical.strip()
    if not _NUMBER.match(text):
        return lexical
    negative = text.startswith("-")
    text = text.lstrip("-")
    if _INT.match(text):
        years, months = divmod(int(text), 12)
        body = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return ("-" if negative and (years or months) else "") + "P" + body
    total = float(text)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{int(days)}D" if days else "")
    time_part = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "") + (
        f"{_seconds_text(seconds)}S" if seconds else "")
    if time_part:
        out += "T" + time_part
    if out == "P":
        out = "PT0S"
    return ("-" if negative and total else "") + out


def fix_virtuoso_literal(lexical: str, datatype: str) -> Literal:
    """A typed literal as Virtuoso 7.2 answered it, with what Virtuoso did undone where it can
    be: xsd:duration as a number (``virtuoso_duration``), xsd:boolean as 1 / 0 in JSON."""
    if datatype == str(XSD.duration):
        return Literal(virtuoso_duration(lexical), datatype=XSD.duration)
    if datatype == str(XSD.boolean) and lexical in ("0", "1"):
        return Literal("true" if lexical == "1" else "false", datatype=XSD.boolean)
    return Literal(lexical, datatype=URIRef(datatype))


_VIRTUOSO_CHANGED = {str(XSD.duration), str(XSD.boolean)}


def parse_term(binding: Mapping[str, str], virtuoso: bool = False) -> Node:
    """One term of SPARQL JSON results (with Virtuoso's 'typed-literal'); ``virtuoso``:
    also undo its changes to literals (``fix_virtuoso_literal``)."""
    kind = binding.get("type")
    value = binding.get("value")
    if not isinstance(value, str):
        raise ValueError(f"a term without a value: {binding!r}")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return _bnode(value)
    if kind in ("literal", "typed-literal"):
        lang = binding.get("xml:lang") or binding.get("lang")
        if lang:
            return Literal(value, lang=lang)
        datatype = binding.get("datatype")
        if virtuoso and datatype in _VIRTUOSO_CHANGED:
            return fix_virtuoso_literal(value, datatype)
        if datatype and datatype not in (str(XSD.string), str(RDF.langString)):
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise ValueError(f"unknown term type {kind!r}")


def parse_json_results(body: bytes, url: str, virtuoso: bool = False) -> sparql.SelectResult | sparql.AskResult:
    try:
        document = json.loads(body.decode("utf-8"))
        if "boolean" in document:
            value = document["boolean"]
            if not isinstance(value, bool):
                raise ValueError("'boolean' is not true or false")
            return sparql.AskResult(value)
        columns = [str(v) for v in document["head"].get("vars", [])]
        rows = []
        for binding in document["results"]["bindings"]:
            rows.append(tuple(parse_term(binding[c], virtuoso) if c in binding else None for c in columns))
        return sparql.SelectResult(columns, rows)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())[:160]
        raise EndpointError(f"{url}: the answer is not valid SPARQL JSON results ({message})") from None


def parse_rdf_response(response: Response) -> Graph:
    """The RDF of a CONSTRUCT / DESCRIBE answer or a Graph Store GET; literals from Virtuoso
    repaired as far as possible (``fix_virtuoso_literal``)."""
    virtuoso = server_kind(response) == "virtuoso"
    fmt = _RDF_MEDIA.get(response.media_type)
    if fmt is None:
        raise EndpointError(f"{response.url}: an RDF answer of unknown type {response.media_type or '(none)'!r}")
    try:
        parsed = rdfio.parse_rdf(response.body, fmt, f"answer of {response.url}")
    except CvkgError as exc:
        raise EndpointError(f"bad RDF answer: {exc.message}") from None
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    for s, p, o in parsed:
        if virtuoso and isinstance(o, Literal) and o.datatype is not None and str(o.datatype) in _VIRTUOSO_CHANGED:
            o = fix_virtuoso_literal(str(o), str(o.datatype))
        graph.add((s, p, _plain(o)))
    return graph


def _plain(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype == XSD.string and not term.language:
        return Literal(str(term))
    return term


def check_complete(response: Response) -> None:
    """TruncatedError for a partial answer (module doc)."""
    if response.status == 206:
        raise TruncatedError(response.url, "HTTP 206 Partial Content")
    state = response.header("X-SQL-State")
    if state:
        message = " ".join((response.header("X-SQL-Message") or "").split())[:120]
        raise TruncatedError(response.url, f"X-SQL-State {state}" + (f": {message}" if message else ""))
    max_rows = response.header("X-SPARQL-MaxRows")
    if max_rows:
        raise TruncatedError(response.url, f"the server's row limit of {max_rows} was reached (X-SPARQL-MaxRows)")


# --- the endpoint --------------------------------------------------------------------------------

_ROW_LIMIT_PROBE = (
    "SELECT ?a WHERE { VALUES ?a {0 1 2 3 4 5 6 7 8 9} VALUES ?b {0 1 2 3 4 5 6 7 8 9} "
    "VALUES ?c {0 1 2 3 4 5 6 7 8 9} VALUES ?d {0 1 2 3 4 5 6 7 8 9} VALUES ?e {0 1 2 3 4 5 6 7 8 9} "
    "VALUES ?f {0 1 2 3 4 5 6 7 8 9} }"
)
_PROBE_ROWS = 10 ** 6


@dataclass
class Endpoint:
    """A SPARQL 1.1 query endpoint, read within ``graphs`` (see the module doc)."""

    url: str
    graphs: tuple[str, ...] = (DEFAULT_GRAPH,)
    timeout: float = DEFAULT_TIMEOUT
    credentials: Credentials | None = None
    check_scope: bool = True
    http: Http = field(init=False)
    kind: str | None = field(default=None, init=False)
    _scope_checked: bool = field(default=False, init=False)
    _row_limit: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"--endpoint {self.url!r} is not an http:// or https:// URL")
        graphs = tuple(self.graphs) or (DEFAULT_GRAPH,)
        if SERVER_DEFAULT in graphs and len(graphs) > 1:
            raise InputError("--graph default (the server's default graph) cannot be combined with other --graph IRIs")
        for graph in graphs:
            if graph != SERVER_DEFAULT:
                _iri(graph)
        self.graphs = graphs
        self.http = Http(self.timeout, self.credentials)

    # -- protocol --

    def _form(self, text: str) -> bytes:
        fields = [("query", text)]
        if self.graphs != (SERVER_DEFAULT,):
            fields += [("default-graph-uri", g) for g in self.graphs]
        if self.kind == "virtuoso":
            fields.append(("timeout", str(max(1, int(self.timeout * 500)))))
        return urllib.parse.urlencode(fields).encode("ascii")

    def _post(self, text: str, accept: str) -> Response:
        response = self.http.request(
            "POST", self.url, self._form(text),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        if self.kind is None:
            self.kind = server_kind(response)
        if response.status not in (200, 206):
            raise http_error(response)
        check_complete(response)
        return response

    def _ensure_scope(self) -> None:
        if self._scope_checked or not self.check_scope:
            self._scope_checked = True
            return
        self._scope_checked = True
        response = self._post("ASK { ?s ?p ?o }", SPARQL_JSON)
        result = parse_json_results(response.body, self.url, server_kind(response) == "virtuoso")
        if isinstance(result, sparql.AskResult) and not result.value:
            if self.graphs == (SERVER_DEFAULT,):
                where = "in the server's default graph"
            else:
                where = "in the graph " + ", ".join(f"<{g}>" for g in self.graphs)
            raise EndpointError(
                f"{self.url}: no triples {where}: publish the graph with 'cvkg push --endpoint "
                f"{self.url}', or name the graph that holds it with --graph IRI "
                "('--graph default' for the server's default graph)"
            )

    # -- queries --

    def run(self, text: str, params: Mapping[str, Node] | None = None, name: str = "query") -> sparql.Result:
        """Run a SELECT, ASK, CONSTRUCT or DESCRIBE on the server, parameters bound."""
        prepared = sparql.prepare(text, name)  # refuses SERVICE and FROM, checks syntax
        form = prepared.algebra.name
        sent = remote_text(text, params, name)
        self._ensure_scope()
        if form in ("SelectQuery", "AskQuery"):
            response = self._post(sent, SPARQL_JSON)
            if response.media_type not in (SPARQL_JSON, "application/json"):
                raise EndpointError(
                    f"{self.url}: expected SPARQL JSON results, got {response.media_type or 'no content type'}"
                )
            result = parse_json_results(response.body, self.url, server_kind(response) == "virtuoso")
            expected = sparql.SelectResult if form == "SelectQuery" else sparql.AskResult
            if not isinstance(result, expected):
                raise EndpointError(f"{self.url}: the answer does not match the query form ({form})")
            return result
        response = self._post(sent, RDF_ACCEPT)
        graph = parse_rdf_response(response)
        if self.kind == "virtuoso":
            limit = self.row_limit()
            if limit is not None and len(graph) >= limit:
                raise TruncatedError(
                    self.url, f"{len(graph)} triples reach Virtuoso's ResultSetMaxRows of {limit}, "
                    "which cuts CONSTRUCT and DESCRIBE answers without saying so"
                )
        return sparql.GraphResult(graph)

    def select(self, text: str, params: Mapping[str, Node] | None = None, name: str = "query") -> sparql.SelectResult:
        result = self.run(text, params, name)
        if not isinstance(result, sparql.SelectResult):
            raise InputError(f"{name}: expected a SELECT query")
        return result

    def triple_count(self) -> int:
        result = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", name="count")
        try:
            return int(str(result.rows[0][0]))
        except (IndexError, ValueError, TypeError):
            raise EndpointError(f"{self.url}: the server did not count the triples") from None

    def graph(self) -> Graph:
        """Every triple in scope, by CONSTRUCT; checked against a COUNT, since Virtuoso cuts
        CONSTRUCT answers at its row limit without saying so."""
        self._ensure_scope()
        response = self._post("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", RDF_ACCEPT)
        graph = parse_rdf_response(response)
        expected = self.triple_count()
        if len(graph) < expected:
            raise TruncatedError(self.url, f"{len(graph)} of {expected} triples")
        return graph

    def row_limit(self) -> int | None:
        """Virtuoso's ResultSetMaxRows, learned from the X-SPARQL-MaxRows header of a probe
        that asks for a million rows of constants (None: no limit below that)."""
        if self._row_limit is None:
            response = self.http.request(
                "POST", self.url, urllib.parse.urlencode({"query": _ROW_LIMIT_PROBE}).encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON},
            )
            header = response.header("X-SPARQL-MaxRows")
            try:
                self._row_limit = int(header) if header else _PROBE_ROWS
            except ValueError:
                self._row_limit = _PROBE_ROWS
        return self._row_limit


# --- Graph Store Protocol -------------------------------------------------------------------------


def store_url_for(endpoint: str, kind: str, authenticated: bool) -> str:
    """The Graph Store Protocol URL of a known server, from its query endpoint URL."""
    base = _server_of(endpoint)
    if kind == "oxigraph":
        return base + "/store"
    if kind == "virtuoso":
        return base + ("/sparql-graph-crud-auth" if authenticated else "/sparql-graph-crud")
    raise InputError(
        f"{endpoint}: cannot tell this server's Graph Store Protocol URL: give --store-url URL"
    )


@dataclass
class GraphStore:
    """A SPARQL 1.1 Graph Store Protocol endpoint."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    credentials: Credentials | None = None
    http: Http = field(init=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"--store-url {self.url!r} is not an http:// or https:// URL")
        self.http = Http(self.timeout, self.credentials)

    def _graph_url(self, iri: str) -> str:
        _iri(iri)
        separator = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return f"{self.url}{separator}{urllib.parse.urlencode({'graph': iri})}"

    def check_access(self) -> None:
        """A small request first, so that an authentication challenge or a refusal comes
        before any large upload: GET of a graph that does not exist (404 is fine)."""
        response = self.http.request("GET", self._graph_url("urn:x-clearview-kg:access-check"),
                                     headers={"Accept": "application/n-triples, text/turtle;q=0.9"})
        if response.status >= 400 and response.status not in (404,):
            raise http_error(response, "graph store")

    def replace(self, iri: str, bodies: Iterable[bytes]) -> int:
        """Replace the graph ``iri`` with the N-Triples documents ``bodies``: PUT the first (an
        empty one when there is none), POST the rest. Each document has its own blank node
        scope on the server, so a blank node structure must not be split between two
        (core.bnodes.batches). Returns the number of requests."""
        requests = 0
        for body in bodies:
            self._send("PUT" if requests == 0 else "POST", iri, body)
            requests += 1
        if requests == 0:
            self._send("PUT", iri, b"")
            requests = 1
        return requests

    def _send(self, method: str, iri: str, body: bytes) -> None:
        response = self.http.request(method, self._graph_url(iri), body,
                                     {"Content-Type": "text/turtle; charset=utf-8"})
        if response.status in (401, 403) and self.credentials is None:
            raise EndpointError(
                f"{method} graph <{iri}>: {response.url}: HTTP {response.status} {response.reason}: "
                "writing needs credentials here: give --user (Virtuoso: a user with SPARQL_UPDATE, e.g. dba)"
            )
        if response.status not in (200, 201, 204):
            raise http_error(response, f"{method} graph <{iri}>")

    def get(self, iri: str) -> Graph:
        response = self.http.request("GET", self._graph_url(iri), headers={"Accept": RDF_ACCEPT})
        if response.status != 200:
            raise http_error(response, f"GET graph <{iri}>")
        return parse_rdf_response(response)


def detect(endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The kind of server behind a query endpoint ('virtuoso', 'oxigraph', 'generic')."""
    probe = Endpoint(endpoint, (SERVER_DEFAULT,), timeout, check_scope=False)
    response = probe._post("ASK { }", SPARQL_JSON)
    return server_kind(response)
