"""The network page in a real headless Chromium: it loads, lays out every actor, logs nothing
to the console, requests nothing from the network, and its search, details and date filter
work. A screenshot is written to tests/output/network-page.png for a person to look at.

How "no network request" is checked (two independent records):

1. The page is served by a small HTTP server on 127.0.0.1 that is also Chromium's proxy
   (``--proxy-server``) for every URL, so nothing can leave the machine; the server records
   each request it sees.
2. Chromium writes a NetLog (``--log-net-log``). Every URL request made in the context of the
   page carries the page's network isolation key (``http://127.0.0.1 …``); Chromium's own
   background requests (component updates, account checks) carry another. The page passes
   when the only request with its key is the page itself, and the server saw no request
   referred by the page.

A canary page that loads an image from a CDN, calls fetch() and logs a console error proves
that both checks and the console check bite.

Console messages come from ``--enable-logging=stderr --v=0``, which prints every console
message (log, warning, error, uncaught exception, CSP violation) as a ``CONSOLE`` line.

Skips, with the reason, when /usr/bin/chromium (Debian package ``chromium``) is absent.
"""
from __future__ import annotations

import http.server
import json
import os
import pathlib
import re
import shutil
import socketserver
import subprocess
import tempfile
import threading
import urllib.parse

import pytest

from clearview_kg.core import export_html, network, store

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it",
)

OUTPUT_DIR = pathlib.Path(__file__).resolve().parent / "output"
TRICKY = pathlib.Path(__file__).resolve().parent / "fixtures_export" / "tricky.ttl"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings",
    "--metrics-recording-only", "--password-store=basic",
    # AutofillServerCommunication: Chromium itself asks a Google server about the page's form
    # fields (with the page's isolation key); that is the browser, not the page.
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter,"
    "AutofillServerCommunication",
    "--enable-logging=stderr", "--v=0",
]
TIMEOUT = 90


class Recorder(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Serves the pages at /NAME and records every request (also as the proxy)."""

    daemon_threads = True

    def __init__(self, pages: dict[str, bytes]):
        self.pages = pages
        self.requests: list[dict] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, *args):  # quiet
        pass

    def _record(self):
        self.server.requests.append({
            "method": self.command, "target": self.path, "host": self.headers.get("Host"),
            "referer": self.headers.get("Referer"), "dest": self.headers.get("Sec-Fetch-Dest"),
        })

    def do_GET(self):
        self._record()
        parts = urllib.parse.urlsplit(self.path)
        host = parts.netloc or self.headers.get("Host", "")
        body = self.server.pages.get(parts.path.lstrip("/")) if host.startswith("127.0.0.1:") else None
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_HEAD = do_PUT = do_GET

    def do_CONNECT(self):  # HTTPS through the proxy: recorded and refused
        self._record()
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Run:
    def __init__(self, dom: str, console: list[str], page_requests: list[str], server_requests: list[dict]):
        self.dom = dom
        self.console = console
        self.page_requests = page_requests
        self.server_requests = server_requests

    def status(self) -> dict[str, str]:
        match = re.search(r'<div id="cv-status"([^>]*)>', self.dom)
        assert match, "the page has no #cv-status element:\n" + self.dom[:2000]
        return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def _netlog_page_requests(path: pathlib.Path, origin: str) -> list[str]:
    """URLs requested in the context of a page of ``origin`` (by network isolation key)."""
    log = json.loads(path.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    site = "http://127.0.0.1"
    found = []
    for event in log["events"]:
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        params = event.get("params") or {}
        key = params.get("network_isolation_key", "")
        if key.split(" ")[0] == site:
            found.append(params.get("url", ""))
    return found


def chromium(server: Recorder, page: str, fragment: str = "", screenshot: pathlib.Path | None = None,
             size: str = "1400,900") -> Run:
    """Open http://127.0.0.1:PORT/PAGE#FRAGMENT; dump the DOM (or take a screenshot)."""
    with tempfile.TemporaryDirectory() as profile:
        netlog = pathlib.Path(profile) / "netlog.json"
        before = len(server.requests)
        url = f"{server.origin}/{page}" + (f"#{fragment}" if fragment else "")
        command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}/profile", f"--window-size={size}",
                   "--virtual-time-budget=8000", f"--proxy-server={server.origin}",
                   "--proxy-bypass-list=<-loopback>", f"--log-net-log={netlog}"]
        command += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
        done = subprocess.run(command + [url], capture_output=True, timeout=TIMEOUT, check=False)
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 0, stderr[-3000:]
        console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
        page_requests = [u for u in _netlog_page_requests(netlog, server.origin) if u.split("#")[0] != url.split("#")[0]]
        seen = server.requests[before:]
        return Run(done.stdout.decode("utf-8", "replace"), console, page_requests, seen)


def _from_page(requests: list[dict], origin: str) -> list[dict]:
    """Requests the server saw that a page of ``origin`` referred (subresources, fetches)."""
    return [r for r in requests if (r["referer"] or "").startswith(origin)]


@pytest.fixture(scope="module")
def pages(shipped_graph) -> dict[str, bytes]:
    return {
        "network.html": export_html.to_html(shipped_graph),
        "canary.html": CANARY.encode("utf-8"),
        "tricky.html": export_html.to_html(store.load_graph([str(TRICKY)], include_shipped=False)),
    }


@pytest.fixture(scope="module")
def server(pages):
    recorder = Recorder(pages)
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


@pytest.fixture(scope="module")
def loaded(server) -> Run:
    return chromium(server, "network.html")


CANARY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head><body>
<img src="https://cdn.example.com/lib.png" alt="">
<script>
console.error("canary: this must show in the console check");
fetch("http://example.org/data.json").catch(function () {});
var ready = document.createElement("div"); ready.id = "cv-status"; ready.setAttribute("data-ready", "true");
document.body.appendChild(ready);
</script></body></html>"""


def test_the_checks_bite_on_a_page_that_calls_out(server):
    """A page that loads a CDN image, fetches a URL and logs an error fails every check."""
    run = chromium(server, "canary.html")
    assert any("canary" in line for line in run.console), run.console
    assert any("cdn.example.com" in u for u in run.page_requests), run.page_requests
    assert any("example.org" in u for u in run.page_requests), run.page_requests
    assert _from_page(run.server_requests, server.origin), run.server_requests


def test_page_loads_with_every_actor_and_no_console_message(loaded, shipped_graph):
    status = loaded.status()
    assert status.get("ready") == "true", status
    actors = network.actor_graph(shipped_graph).number_of_nodes()
    assert int(status["nodes"]) == actors == int(status["actors"]) == int(status["visible-nodes"])
    assert int(status["edges"]) > 0
    assert status.get("errors") == "0"
    assert loaded.console == [], loaded.console


def test_page_makes_no_network_request(loaded, server):
    assert loaded.page_requests == [], loaded.page_requests
    assert _from_page(loaded.server_requests, server.origin) == [], loaded.server_requests
    own = [r for r in loaded.server_requests if (r["host"] or "").startswith("127.0.0.1:")]
    assert [urllib.parse.urlsplit(r["target"]).path for r in own] == ["/network.html"], own


def test_search_by_a_swedish_name_and_details_with_quotes(server):
    """Searching 'polismyndigheten' finds the Swedish police; selecting it shows its actions
    with the Swedish quote (lang="sv") and the English translation."""
    iri = "https://w3id.org/clearview-kg/id/org/polismyndigheten"
    run = chromium(server, "network.html", "search=polismyndigheten&select=" + urllib.parse.quote(iri, safe=""))
    status = run.status()
    assert status["ready"] == "true" and status["matches"] == "1", status
    assert run.console == [], run.console
    details = run.dom[run.dom.index('id="details"'):]
    assert "Swedish Police Authority" in details
    assert re.search(r'<blockquote lang="sv">[^<]*Polismyndigheten', details), details[:3000]
    assert 'class="translation" lang="en">The Swedish Police Authority' in details


def test_date_filter_agrees_with_the_command_line_filter(server, shipped_graph):
    """The page's date filter keeps the same actors as --from/--to (overlap, undated out)."""
    run = chromium(server, "network.html", "from=2022&to=2022-12")
    status = run.status()
    expected = network.derive(shipped_graph, network.NetworkFilter(date_from="2022", date_to="2022-12"))
    assert int(status["visible-nodes"]) == len(expected.actors), status
    assert int(status["actions"]) == len(expected.actions), status
    assert int(status["nodes"]) == network.actor_graph(shipped_graph).number_of_nodes()


def test_hostile_labels_and_quotes_are_shown_as_text(server):
    """Labels and quotes full of markup (tests/fixtures_export/tricky.ttl) are shown as text:
    no script runs, no element is injected, the title stays."""
    iri = "https://w3id.org/clearview-kg/id/org/evil-corp"
    run = chromium(server, "tricky.html", "search=maléfique&select=" + urllib.parse.quote(iri, safe=""))
    status = run.status()
    assert status["ready"] == "true" and status["nodes"] == "2" and status["matches"] == "1", status
    assert status["errors"] == "0" and run.console == [], run.console
    assert "<title>The Clearview AI saga: who did what to whom</title>" in run.dom
    assert "pwned" not in run.dom.split("<body")[0]
    details = run.dom[run.dom.index('id="details"'):]
    assert '<h3>Evil &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; Co "quoted"' in details
    assert "&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;" in details
    assert "<img" not in run.dom


def test_screenshot_for_a_person(server):
    """tests/output/network-page.png: the page with the Swedish police selected."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    target = OUTPUT_DIR / "network-page.png"
    if target.exists():
        target.unlink()
    iri = "https://w3id.org/clearview-kg/id/org/polismyndigheten"
    run = chromium(server, "network.html", "select=" + urllib.parse.quote(iri, safe=""), screenshot=target)
    assert run.console == [], run.console
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
