"""Helpers for the `cvkg serve` tests (no tests here): start the real command as a subprocess
on a free loopback port, talk HTTP to it, parse its results back, compare with the project's
store, and stop it by its PID."""
from __future__ import annotations

import csv
import http.client
import io
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result

from clearview_kg.core import catalog, store

CVKG = pathlib.Path(sys.executable).with_name("cvkg")
READY = re.compile(r"SPARQL endpoint (http://\S+)/sparql")


def cvkg_command(*args: str) -> list[str]:
    """`cvkg ARGS` as installed next to this Python (or through the module when it is not)."""
    if CVKG.exists():
        return [str(CVKG), *args]
    return [sys.executable, "-c", "import sys; from clearview_kg.cli.main import cli; cli(prog_name='cvkg')", *args]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()


class Served:
    """A running `cvkg serve --port 0 ARGS...`; its stderr is collected in ``lines``."""

    def __init__(self, *args: str, ready_within: float = 60.0, env: dict[str, str] | None = None):
        self.args = args
        self.process = subprocess.Popen(
            cvkg_command("serve", "--port", "0", *args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self.url = ""
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + ready_within
        while not self._ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("cvkg serve did not start:\n" + "\n".join(self.lines))
        parts = urllib.parse.urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            match = READY.search(line)
            if match and not self._ready.is_set():
                self.url = match.group(1)
                self._ready.set()

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60.0) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def query(self, text: str, accept: str | None = None, how: str = "form", params: list[str] = (),
              timeout: float = 60.0) -> Response:
        """Send a query: how = "get", "form" (urlencoded POST) or "direct" (sparql-query POST)."""
        headers = {"Accept": accept} if accept else {}
        fields = [("param", p) for p in params]
        if how == "get":
            return self.request("GET", "/sparql?" + urllib.parse.urlencode([("query", text), *fields]),
                                headers=headers, timeout=timeout)
        if how == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.request("POST", "/sparql", urllib.parse.urlencode([("query", text), *fields]),
                                headers, timeout=timeout)
        headers["Content-Type"] = "application/sparql-query"
        path = "/sparql" + ("?" + urllib.parse.urlencode(fields) if fields else "")
        return self.request("POST", path, text, headers, timeout=timeout)

    def health(self) -> dict:
        return json.loads(self.request("GET", "/health").body)

    def descendants(self) -> set[int]:
        """PIDs of every process below the server (its template and workers)."""
        return descendants(self.process.pid)

    def stop(self, sig: int = signal.SIGTERM, within: float = 15.0) -> int:
        """Stop the server by its PID; SIGKILL if it does not stop in time. Returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(within)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        return self.process.returncode


def children(parent: int) -> set[int]:
    """PIDs of the live processes whose parent is ``parent``."""
    return {pid for pid in descendants(parent) if _parent(pid) == parent}


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            stat = handle.read()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


def threads(pid: int) -> int:
    """The number of threads of a live process."""
    return len(os.listdir(f"/proc/{pid}/task"))


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":  # a zombie is already dead
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


# --- comparing rows ------------------------------------------------------------------------


def norm(term) -> tuple | None:
    """A term as a comparable tuple: blank-node labels and xsd:string typing do not count."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        datatype = None if term.datatype in (None, XSD.string) or term.language else str(term.datatype)
        return ("literal", str(term), (term.language or "").lower() or None, datatype)
    if isinstance(term, URIRef):
        return ("uri", str(term))
    raise TypeError(term)


def plain(term) -> str:
    """A term as the SPARQL CSV format writes it."""
    if term is None:
        return ""
    return "_:" if isinstance(term, BNode) else str(term)


def row_multiset(rows, convert=norm) -> list:
    return sorted((tuple(convert(t) for t in row) for row in rows), key=repr)


def expected(source, name: str, params: tuple[str, ...] = ()):
    """(columns, rows) of a named query on ``source`` (the shipped_store fixture: the
    project's store, as `cvkg query` answers)."""
    query = catalog.get(name)
    bindings = catalog.bind_params(query, list(params))
    result = store.run(source, query.text, bindings, name=query.source)
    return result.columns, result.rows


def parse_results(response: Response) -> tuple[list[str], list[tuple]]:
    """(variables, rows of terms) from a JSON, XML or TSV results body, read by rdflib's parsers."""
    fmt = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
           "text/tab-separated-values": "tsv"}[response.type]
    result = Result.parse(io.BytesIO(response.body), format=fmt)
    variables = [str(v) for v in result.vars]
    return variables, [tuple(b.get(v) for v in result.vars) for b in result.bindings]


def parse_csv(response: Response) -> tuple[list[str], list[tuple]]:
    assert response.body.endswith(b"\r\n") or response.body == b""
    reader = csv.reader(io.StringIO(response.text, newline=""))
    rows = list(reader)
    return rows[0], [tuple(r) for r in rows[1:]]
