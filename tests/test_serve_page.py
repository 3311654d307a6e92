"""The query page of `cvkg serve` in a real headless Chromium: it loads with no console message
and no request beyond the server itself, a named query runs and shows its rows, and markup in
results is shown as text. A screenshot is kept in tests/output/serve-page.png for a person.

No request leaves the machine, and each one is seen twice:

1. Chromium's proxy (``--proxy-server``) is a recording server on 127.0.0.1; loopback addresses
   bypass it (Chromium's default), so the page's own requests go straight to `cvkg serve`, and
   anything else (a CDN, a font, an image) would land in the recorder.
2. Chromium's NetLog (``--log-net-log``) lists every URL requested in the context of the page;
   each must be on the server's origin. The server's request log shows the same requests.

Console messages (errors, CSP violations, uncaught exceptions) come from
``--enable-logging=stderr --v=0`` as ``CONSOLE`` lines. Skips when Chromium is absent.
"""
from __future__ import annotations

import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import threading
import urllib.parse

import pytest

from test_serve_support import Served, expected

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it",
)

OUTPUT_DIR = pathlib.Path(__file__).resolve().parent / "output"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings",
    "--metrics-recording-only", "--password-store=basic",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter,"
    "AutofillServerCommunication",
    "--enable-logging=stderr", "--v=0",
]


class _Proxy(http.server.ThreadingHTTPServer):
    """Chromium's proxy for every non-loopback URL: records the request and refuses it."""

    daemon_threads = True

    def __init__(self):
        self.seen: list[dict] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    def from_page(self, origin: str) -> list[dict]:
        """Requests referred by a page of ``origin`` (Chromium's own background requests to its
        update and account services go through the proxy too, with no referrer)."""
        return [r for r in self.seen if (r["referer"] or "").startswith(origin)]


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _refuse(self):
        self.server.seen.append({"request": f"{self.command} {self.path}", "referer": self.headers.get("Referer")})
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_CONNECT = _refuse


@pytest.fixture(scope="module")
def proxy():
    server = _Proxy()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served():
    server = Served("--timeout", "30")
    yield server
    server.stop()


class Run:
    def __init__(self, dom: str, console: list[str], urls: list[str]):
        self.dom, self.console, self.urls = dom, console, urls

    def status(self) -> dict[str, str]:
        match = re.search(r'<div id="cv-status"([^>]*)>', self.dom)
        assert match, self.dom[:3000]
        return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def _page_urls(netlog: pathlib.Path) -> list[str]:
    """Every URL requested in the context of a page of http://127.0.0.1 (by isolation key)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    found = []
    for event in log["events"]:
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        params = event.get("params") or {}
        if (params.get("network_isolation_key") or "").split(" ")[0] == "http://127.0.0.1":
            found.append(params.get("url", ""))
    return found


def chromium(served: Served, proxy: _Proxy, fragment: str = "", screenshot: pathlib.Path | None = None) -> Run:
    with tempfile.TemporaryDirectory() as profile:
        netlog = pathlib.Path(profile) / "netlog.json"
        url = f"{served.url}/" + (f"#{fragment}" if fragment else "")
        command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}/profile", "--window-size=1400,1000",
                   "--virtual-time-budget=10000", f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}",
                   f"--log-net-log={netlog}"]
        command += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
        done = subprocess.run(command + [url], capture_output=True, timeout=120, check=False)
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 0, stderr[-3000:]
        console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
        return Run(done.stdout.decode("utf-8", "replace"), console, _page_urls(netlog))


def _tbody_rows(dom: str) -> list[str]:
    body = dom[dom.index("<tbody>"):dom.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)


def test_a_named_query_runs_and_shows_its_rows(served, proxy, shipped_store):
    before = len(served.lines)
    run = chromium(served, proxy, "named=fines&run=1")
    status = run.status()
    _, rows = expected(shipped_store, "fines")
    assert status["ready"] == "true" and status["state"] == "done", status
    assert status["errors"] == "0" and status["http"] == "200", status
    assert int(status["rows"]) == len(rows) and int(status["queries"]) >= 10, status
    shown = _tbody_rows(run.dom)
    assert len(shown) == len(rows)
    assert "Information Commissioner's Office (ICO)" in run.dom and "GBP" in run.dom
    assert run.console == [], run.console
    # Only the server itself was asked for anything: the page, the named queries, the query.
    assert run.urls and all(u.startswith(served.url + "/") for u in run.urls), run.urls
    assert proxy.from_page(served.url) == [], proxy.seen
    # (Chromium asks for /favicon.ico by itself; the server answers 404.) The server logs a
    # request after sending its body, from the request's own thread (/queries and /prefixes are
    # fetched at once), and the test reads the log from a pipe in another thread: the last lines
    # may arrive after Chromium has exited, and lines of concurrent requests in either order.
    wanted = ["GET /", "GET /prefixes", "GET /queries", "POST /sparql"]
    deadline = time.monotonic() + 10
    while True:
        requests = [re.search(r'"(\w+ \S+)"', line).group(1) for line in served.lines[before:] if '"' in line]
        requests = [r for r in requests if r != "GET /favicon.ico"]
        if sorted(requests) == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sorted(requests) == wanted, requests


def test_a_parameter_of_a_named_query_is_filled_and_bound(served, proxy, shipped_store):
    run = chromium(served, proxy, "named=actions-of-actor&p.actor=ido:polismyndigheten&run=1")
    status = run.status()
    _, rows = expected(shipped_store, "actions-of-actor", ("actor=ido:polismyndigheten",))
    assert status["state"] == "done" and int(status["rows"]) == len(rows) > 0, status
    assert len(_tbody_rows(run.dom)) == len(rows)
    assert run.console == [], run.console


def test_markup_in_results_and_errors_is_shown_as_text(served, proxy):
    hostile = 'SELECT ?x WHERE { BIND("<img src=x onerror=document.title=1><script>document.title=2</script>" AS ?x) }'
    run = chromium(served, proxy, "sparql=" + urllib.parse.quote(hostile) + "&run=1")
    status = run.status()
    assert status["state"] == "done" and status["rows"] == "1", status
    assert "&lt;img src=x onerror=document.title=1&gt;&lt;script&gt;" in run.dom
    assert "<img" not in run.dom and "<title>cvkg: query the Clearview AI knowledge graph</title>" in run.dom
    bad = chromium(served, proxy, "sparql=" + urllib.parse.quote("SELECT <b>bold</b>") + "&run=1")
    status = bad.status()
    assert status["state"] == "error" and status["http"] == "400", status
    assert "<b>" not in bad.dom.split("<body")[1].split("<script>")[0]
    assert run.console == [] and bad.console == [], (run.console, bad.console)
    assert proxy.from_page(served.url) == [], proxy.seen


def test_screenshot_for_a_person(served, proxy):
    """tests/output/serve-page.png: the page after running the named query `fines`."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    target = OUTPUT_DIR / "serve-page.png"
    if target.exists():
        target.unlink()
    run = chromium(served, proxy, "named=fines&run=1", screenshot=target)
    assert run.console == [], run.console
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
