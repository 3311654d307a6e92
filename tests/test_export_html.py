"""The network page without a browser: one self-contained file (no external reference), data
embedded as JSON that no label can break out of, scripts allowed by hash in the page's
Content-Security-Policy, and the vendored cytoscape.js with its licence.
(tests/test_html_chromium.py opens it in a real browser.)"""
from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import pathlib
import re

import pytest

from clearview_kg.core import export_html, network, store

TRICKY = pathlib.Path(__file__).resolve().parent / "fixtures_export" / "tricky.ttl"


class Inventory(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._in_script, self._text = attrs, []

    def handle_data(self, data):
        if self._in_script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._text)))
            self._in_script = None


@pytest.fixture(scope="module")
def page(shipped_graph) -> str:
    return export_html.render_page(shipped_graph)


@pytest.fixture(scope="module")
def inventory(page) -> Inventory:
    parser = Inventory()
    parser.feed(page)
    return parser


def test_page_is_self_contained(inventory, page):
    for tag, attrs in inventory.tags:
        for name in ("src", "href", "action", "data", "poster", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), (tag, name, value)
        assert tag not in ("link", "iframe", "object", "embed", "base"), tag
    assert [a.get("type") for a, _ in inventory.scripts] == ["application/json", None, None]
    # No URL that a script could load: only licence/namespace strings inside the data.
    app = export_html.asset_text("network.js")
    assert not re.search(r"https?://", app)


def test_data_json_parses_and_has_every_actor(inventory, shipped_graph):
    data = json.loads(inventory.scripts[0][1])
    actors = network.actor_graph(shipped_graph)
    assert {n["id"] for n in data["nodes"]} == set(actors.nodes)
    assert len(data["actions"]) == len(network.derive(shipped_graph).actions)
    assert {"000", "001", "002", "003", "004"} <= set(data["sources"])
    ico_fine = next(a for a in data["actions"] if a["id"].endswith("/action/ico-proposed-fine"))
    swedish = [q for q in ico_fine["quotes"] if q["lang"] == "sv"]
    assert swedish and all(q["translation"] for q in swedish)


def test_csp_allows_exactly_the_inline_scripts(inventory, page):
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    csp = html.unescape(match.group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    hashes = set(re.findall(r"'sha256-([^']+)'", csp))
    code = [text for attrs, text in inventory.scripts if attrs.get("type") is None]
    assert hashes == {base64.b64encode(hashlib.sha256(c.encode("utf-8")).digest()).decode() for c in code}


def test_vendored_cytoscape_and_its_licence():
    js = export_html.asset_text("cytoscape.min.js")
    licence = export_html.asset_text("LICENSE-cytoscape.txt")
    assert "The Cytoscape Consortium" in js[:400] and "Permission is hereby granted" in licence
    assert "</script" not in js.lower()


def test_hostile_strings_stay_data():
    """A label that closes <script>, quotes, '&', U+2028: the JSON block cannot be broken
    out of and parses back to the same strings."""
    graph = store.load_graph([str(TRICKY)], include_shipped=False)
    page = export_html.render_page(graph)
    parser = Inventory()
    parser.feed(page)
    assert len(parser.scripts) == 3  # no script was injected
    data = json.loads(parser.scripts[0][1])
    evil = next(n for n in data["nodes"] if n["id"].endswith("evil-corp"))
    assert evil["label"].startswith("Evil </script><img src=x onerror=alert(1)>")
    assert evil["labels"]["fr"] == ["Société maléfique\u2028ligne"]
    block = page[page.index('id="cv-data">'):]
    block = block[: block.index("</script>")]
    assert "<" not in block[len('id="cv-data">'):] and "\u2028" not in block
    assert [t for t, _a in parser.tags].count("img") == 0


def test_json_for_script_escapes():
    assert export_html.json_for_script("</script>&\u2028") == '"\\u003c/script\\u003e\\u0026\\u2028"'
