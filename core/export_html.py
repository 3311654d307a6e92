"""The interactive network page: ONE self-contained HTML file that works offline.

The page inlines the vendored cytoscape.js (core/assets/cytoscape.min.js, MIT licence in
core/assets/LICENSE-cytoscape.txt), its own script and style (core/assets/network.js,
network.css) and the data, so it opens from a file, an e-mail attachment or a USB stick with
no network. A Content-Security-Policy in the page allows only its own inline scripts (by
sha256 hash) and forbids every fetch, so even a tampered copy cannot call out.

What it shows: one node per actor, coloured by actor type and sized by the number of actions;
one edge per action and pair of actors that take part in it, coloured by action type; a search
box that matches any label in any language (case and accents ignored); filters by actor type,
action type and date range (the same overlap rules as ``--from`` / ``--to``); and, on a click
on an actor or a link, its actions with their date and precision, roles, and for each source
the verbatim quote (tagged with the source's language) and its English translation.

Data handling: the data travels as JSON inside ``<script type="application/json">`` with
``<``, ``>``, ``&`` and U+2028/2029 escaped, so no label or quote can close the element; the
script reads it with ``JSON.parse`` and builds the page with ``textContent`` only, never
``innerHTML``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources as importlib_resources

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .. import __version__
from .export_network import ACTION_COLOURS, ACTOR_COLOURS, colour_for, period_bounds
from .namespaces import PREFIXES
from .network import PARTICIPANT_ROLES, Network, NetworkFilter, derive

CV = PREFIXES["cv"]
DCTERMS = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]

_ASSETS = __name__.rsplit(".", 1)[0] + ".assets"


def asset_text(name: str) -> str:
    """A text file of core/assets."""
    return importlib_resources.files(_ASSETS).joinpath(name).read_bytes().decode("utf-8")


def json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (and as JS)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _script_hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def _english(g: Graph, node: URIRef, prop: str) -> str | None:
    values = [v for v in g.objects(node, URIRef(prop)) if isinstance(v, Literal)]
    english = sorted(str(v) for v in values if (v.language or "").lower().startswith("en"))
    if english:
        return english[0]
    others = sorted(str(v) for v in values)
    return others[0] if others else None


def _split_camel(name: str) -> str:
    """``DataProtectionAuthority`` -> ``Data protection authority``."""
    words, word = [], ""
    for char in name:
        if char.isupper() and word and not word[-1].isupper():
            words.append(word)
            word = char
        else:
            word += char
    if word:
        words.append(word)
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def type_label(g: Graph, name: str) -> str:
    """The ontology's English rdfs:label of a cv class, else its name split into words."""
    label = _english(g, URIRef(CV + name), "http://www.w3.org/2000/01/rdf-schema#label")
    return label[:1].upper() + label[1:] if label else _split_camel(name)


def sources_info(g: Graph) -> dict[str, dict]:
    """Source identifier -> title, language, publication date, publisher, file name."""
    found: dict[str, dict] = {}
    for source in g.subjects(RDF.type, URIRef(CV + "SourceArticle")):
        ident = g.value(source, URIRef(DCTERMS + "identifier"))
        key = str(ident) if ident is not None else str(source).rsplit("/", 1)[-1]
        published = None
        for prop in ("publicationDate", "publishedNotBefore", "publishedNotAfter"):
            value = g.value(source, URIRef(CV + prop))
            if value is not None:
                published = str(value) if prop == "publicationDate" else (
                    ("after " if prop == "publishedNotBefore" else "before ") + str(value))
                break
        publisher = g.value(source, URIRef(DCTERMS + "publisher"))
        language = g.value(source, URIRef(DCTERMS + "language"))
        titles = [t for t in g.objects(source, URIRef(DCTERMS + "title"))]
        found[key] = {
            "id": key,
            "iri": str(source),
            "title": str(titles[0]) if titles else None,
            "language": str(language) if language is not None else None,
            "published": published,
            "publisher": _english(g, publisher, SKOS + "prefLabel") if publisher is not None else None,
            "file": str(g.value(source, URIRef(CV + "fileName")) or "") or None,
        }
    return dict(sorted(found.items()))


def _participants(roles: dict[str, str]) -> list[list[str]]:
    """[[role, actor], ...] in the order of the participant roles (agent first)."""
    order = {role: i for i, role in enumerate(PARTICIPANT_ROLES)}
    pairs = [[role, actor] for actor, joined in roles.items() for role in joined.split(",")]
    return sorted(pairs, key=lambda p: (order.get(p[0], len(order)), p[0], p[1]))


def page_data(g: Graph, flt: NetworkFilter | None = None, net: Network | None = None) -> dict:
    """Everything the page shows, as plain JSON values."""
    net = net or derive(g, flt or NetworkFilter())
    sources = sources_info(g)
    count: dict[str, int] = {}
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for action in net.actions:
        for key in action.roles:
            count[key] = count.get(key, 0) + 1
            if action.date:
                first[key] = min(first.get(key, action.date), action.date)
                last[key] = max(last.get(key, action.date), action.date)

    nodes = []
    actor_type_count: dict[str, int] = {}
    for key, actor in net.actors.items():
        types = list(actor.types) or ["Actor"]
        for t in types:
            actor_type_count[t] = actor_type_count.get(t, 0) + 1
        nodes.append({
            "id": key, "label": actor.label, "labels": actor.labels, "types": types,
            "typeLabels": [type_label(g, t) for t in types],
            "colour": colour_for(types[0], ACTOR_COLOURS), "count": count.get(key, 0),
            "first": first.get(key), "last": last.get(key),
        })

    actions = []
    edges = []
    action_type_count: dict[str, int] = {}
    for index, action in enumerate(net.actions):
        action_type_count[action.type] = action_type_count.get(action.type, 0) + 1
        start, end = period_bounds(action.date)
        description = None
        if action.id.startswith(("http://", "https://", "urn:")):
            description = _english(g, URIRef(action.id), DCTERMS + "description")
        quotes = []
        for q in action.quotes:
            source = sources.get(q.get("source") or "")
            quotes.append({**q, "lang": source["language"] if source else None})
        actions.append({
            "id": action.id, "type": action.type, "typeLabel": type_label(g, action.type),
            "label": action.label, "description": description, "date": action.date,
            "precision": action.precision, "start": start, "end": end,
            "roles": dict(action.roles), "participants": _participants(action.roles),
            "sources": list(action.sources), "quotes": quotes,
        })
        participants = sorted(action.roles)
        for i, a in enumerate(participants):
            for b in participants[i + 1:]:
                edges.append({"id": f"e{len(edges)}", "source": a, "target": b, "action": index})

    return {
        "generator": f"clearview-kg {__version__}",
        "actorTypes": [
            {"name": t, "label": type_label(g, t), "colour": colour_for(t, ACTOR_COLOURS), "count": n}
            for t, n in sorted(actor_type_count.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "actionTypes": [
            {"name": t, "label": type_label(g, t), "colour": colour_for(t, ACTION_COLOURS), "count": n}
            for t, n in sorted(action_type_count.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "sources": sources,
        "nodes": nodes,
        "actions": actions,
        "edges": edges,
    }


def describe_filter(flt: NetworkFilter | None) -> str:
    """``; exported with: action type Fine; from 2021`` (empty for no filter)."""
    if flt is None:
        return ""
    parts = []
    for what, values in (("actor type", flt.actor_types), ("action type", flt.action_types),
                         ("source", flt.sources)):
        if values:
            parts.append(f"{what} {', '.join(sorted(values))}")
    if flt.date_from:
        parts.append(f"from {flt.date_from}")
    if flt.date_to:
        parts.append(f"to {flt.date_to}")
    return "; exported with: " + "; ".join(parts) if parts else ""


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="generator" content="{generator}">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <span class="status" id="summary"></span>
  <div id="cv-status" hidden data-ready="false" data-errors="0"></div>
</header>
<aside id="controls">
  <h2>Search</h2>
  <input type="search" id="search" placeholder="Any name, any language" autocomplete="off" aria-label="Search actors by any name">
  <ul id="matches"></ul>
  <h2>Dates</h2>
  <div class="dates">
    <label for="date-from">from</label><input type="text" id="date-from" placeholder="YYYY[-MM[-DD]]" autocomplete="off">
    <label for="date-to">to</label><input type="text" id="date-to" placeholder="YYYY[-MM[-DD]]" autocomplete="off">
  </div>
  <p class="hint">A date of a month or a year counts if it overlaps the range; undated actions are hidden while a date is set.</p>
  <div class="buttons"><button id="relayout" type="button">Re-layout</button><button id="reset" type="button">Reset</button></div>
  <h2>Actor types</h2>
  <div id="actor-types"></div>
  <h2>Action types</h2>
  <div id="action-types"></div>
  <p class="hint">{footer}</p>
</aside>
<main id="cy" aria-label="Network of actors"></main>
<aside id="details"><p class="empty">Click an actor or a link to see its actions, sources and quotes.</p></aside>
<script type="application/json" id="cv-data">{data}</script>
<script>{cytoscape}</script>
<script>{app}</script>
</body>
</html>
"""


def render_page(g: Graph, flt: NetworkFilter | None = None, title: str = "The Clearview AI saga: who did what to whom") -> str:
    """The whole page as text."""
    data = page_data(g, flt)
    cytoscape = asset_text("cytoscape.min.js")
    app = asset_text("network.js")
    for code in (cytoscape, app):
        if "</script" in code.lower():  # pragma: no cover - guards a future asset update
            raise ValueError("an inline script contains '</script'")
    csp = "; ".join([
        "default-src 'none'",
        f"script-src {_script_hash(cytoscape)} {_script_hash(app)}",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    footer = (
        f"{len(data['nodes'])} actors, {len(data['actions'])} actions, from "
        f"{len(data['sources'])} source articles{describe_filter(flt)}. Made by clearview-kg "
        f"{__version__} with cytoscape.js (MIT licence)."
    )
    return _PAGE.format(
        csp=html.escape(csp, quote=True),
        generator=html.escape(data["generator"], quote=True),
        title=html.escape(title),
        css=asset_text("network.css").replace("</", "<\\/"),
        footer=html.escape(footer),
        data=json_for_script(data),
        cytoscape=cytoscape,
        app=app,
    )


def to_html(g: Graph, flt: NetworkFilter | None = None) -> bytes:
    return render_page(g, flt).encode("utf-8")
