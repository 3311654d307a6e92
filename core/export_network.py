"""Network exports: GraphML, GEXF, Cytoscape.js JSON, Graphviz DOT (and SVG / PNG drawn by
Graphviz), CSV node and edge lists.

Every format starts from ``core.network``: the actor network (``actor_graph``: one node per
actor, one edge per pair of actors that take part in the same action, weighted by the number of
such actions) or, with ``kind="bipartite"``, actors and actions as two kinds of node
(``bipartite_graph``). The filters are those of the analyses (``NetworkFilter``).

Attributes, the same in every format (lists are joined with ``;``, label lists with `` | ``):

=============  =================================================================================
nodes          ``id`` (the IRI), ``label`` (English), ``kind`` (actor / action), ``type`` (most
               specific cv class; for an action its action type), ``types``, ``names`` (every
               label with its language, ``Polismyndigheten @sv | …``), ``first_date``,
               ``last_date`` (ISO, of the precision the source gives), ``colour`` (#rrggbb, by
               type), ``action_count`` (for actors: the number of passing actions it takes
               part in, also those with no other actor)
edges          ``source``, ``target``, ``weight`` (number of actions), ``action_type`` (the
               most frequent type), ``action_types``, ``actions`` (IRIs), ``action_labels``,
               ``sources`` (source identifiers), ``first_date``, ``last_date``, ``colour``
=============  =================================================================================

GEXF (version 1.2draft) also has ``viz:color`` and ``viz:size`` on every node, ``viz:color``
on edges, and ``start`` / ``end`` on every dated node and edge - the first day of its first
date's period and the last day of its last date's period - so Gephi's timeline plays the
saga. ``meta/@lastmodifieddate`` is the ``SOURCE_DATE_EPOCH`` day when that variable is set,
otherwise the last day of the latest dated action, so the file does not change with the day
it is written. Cytoscape.js JSON is the ``elements`` format (``{"data": …, "elements":
{"nodes": […], "edges": […]}}``) that Cytoscape desktop imports as .cyjs. DOT is an
undirected graph laid out by ``neato`` (``sfdp`` for large networks: ``dot_layout``); SVG and PNG
run Graphviz's ``dot`` program on it.

CSV goes to two files: ``PREFIX-nodes.csv`` and ``PREFIX-edges.csv`` where ``PREFIX`` is the
output path without a ``.csv`` ending (``-o out/net`` or ``-o out/net.csv`` gives
``out/net-nodes.csv`` and ``out/net-edges.csv``); when the output path is an existing
directory they are ``DIR/nodes.csv`` and ``DIR/edges.csv``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from xml.etree.ElementTree import Element

import networkx as nx
from rdflib import Graph

from .. import __version__
from .errors import CvkgError, InputError
from .namespaces import compact
from .network import NetworkFilter, bipartite_graph, derive, graph_from_network, parse_period

NETWORK_FORMATS = ("graphml", "gexf", "cytoscape", "dot", "svg", "png", "csv")
BINARY_FORMATS = {"png"}
EXTENSIONS = {
    "graphml": ".graphml", "gexf": ".gexf", "cytoscape": ".cyjs", "dot": ".dot",
    "svg": ".svg", "png": ".png", "csv": ".csv",
}
GRAPHVIZ_TIMEOUT = 120
SPLINE_EDGES = 300  # links up to which Graphviz routes them around the nodes (dot_layout)

# --- colours ---------------------------------------------------------------------------------

#: Fill colours of actor types (most specific cv class).
ACTOR_COLOURS: dict[str, str] = {
    "Company": "#d62728",
    "SocialMediaPlatform": "#ff7f0e",
    "DataProtectionAuthority": "#1f77b4",
    "LawEnforcementAgency": "#2c3e91",
    "Government": "#9467bd",
    "Legislature": "#8c6bb1",
    "PublicBody": "#6baed6",
    "Court": "#7f7f7f",
    "CivilSocietyOrganisation": "#2ca02c",
    "Coalition": "#98df8a",
    "NewsOutlet": "#bcbd22",
    "Person": "#e377c2",
    "Organisation": "#8c564b",
    "Actor": "#aaaaaa",
}

#: Colours of action types (and the pseudo types of organisational links).
ACTION_COLOURS: dict[str, str] = {
    "Fine": "#c0392b",
    "ProposedFine": "#e67e73",
    "Order": "#e67e22",
    "Decision": "#d35400",
    "Investigation": "#f1c40f",
    "EnforcementAction": "#e74c3c",
    "Lawsuit": "#8e44ad",
    "LegalAction": "#9b59b6",
    "Complaint": "#b07cc6",
    "Settlement": "#16a085",
    "SettlementTerm": "#48c9b0",
    "Use": "#2980b9",
    "Trial": "#5dade2",
    "Denial": "#34495e",
    "Statement": "#7f8c8d",
    "CallToAction": "#27ae60",
    "BusinessCommitment": "#a04000",
    "DataScraping": "#b03a2e",
    "Post": "#bdc3c7",
    "SubOrganizationOf": "#95a5a6",
    "Membership": "#aab7b8",
    "Action": "#999999",
}


def colour_for(name: str | None, table: dict[str, str]) -> str:
    """The colour of a type; a type not in the table gets a stable colour from its name."""
    if name in table:
        return table[name]
    digest = hashlib.sha256((name or "").encode("utf-8")).digest()
    # Mid-range channels: readable with black text, never white on white.
    r, g, b = (64 + d % 160 for d in digest[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


# --- the network as plain rows -----------------------------------------------------------------


def period_bounds(iso: str | None) -> tuple[str | None, str | None]:
    """First and last day (ISO) of the period an ISO date of any precision names."""
    if not iso:
        return None, None
    period = parse_period(iso)
    if period is None:
        return None, None
    return period.start.isoformat(), period.end.isoformat()


def names_of(labels: dict[str, list[str]]) -> str:
    """``Polismyndigheten @sv | Swedish Police Authority @en`` from a labels dict."""
    parts = []
    for lang, values in sorted(labels.items()):
        for value in values:
            parts.append(f"{value} @{lang}" if lang else value)
    return " | ".join(parts)


def build_graph(g: Graph, flt: NetworkFilter | None = None, kind: str = "actors") -> nx.Graph:
    """The network to export, with flat attributes (module docstring).

    ``kind`` is ``"actors"`` (the actor network) or ``"bipartite"`` (actors and actions)."""
    flt = flt or NetworkFilter()
    if kind == "actors":
        net = derive(g, flt)
        source = graph_from_network(net)
    elif kind == "bipartite":
        source = bipartite_graph(g, flt)
    else:
        raise InputError(f"unknown network kind {kind!r} (known: actors, bipartite)")
    out = nx.Graph(name=source.graph.get("name", "clearview-kg network"))
    for key in ("actions", "undated_actions"):
        if key in source.graph:
            out.graph[key] = source.graph[key]

    actor_degree: Counter[str] = Counter()
    if kind == "actors":
        # Every passing action counts, also one with a single actor (which makes no edge).
        for action in net.actions:
            actor_degree.update(action.roles.keys())
    else:
        for node, data in source.nodes(data=True):
            if data.get("kind") == "actor":
                actor_degree[node] = source.degree(node)

    for node, data in source.nodes(data=True):
        is_action = data.get("kind") == "action"
        attrs: dict[str, object] = {"label": data.get("label") or compact(node)}
        attrs["kind"] = "action" if is_action else "actor"
        attrs["iri"] = data.get("iri", node)
        if is_action:
            attrs["type"] = data.get("type") or "Action"
            attrs["types"] = attrs["type"]
            attrs["colour"] = colour_for(str(attrs["type"]), ACTION_COLOURS)
            first = last = data.get("date")
            if data.get("precision"):
                attrs["precision"] = data["precision"]
            if data.get("sources"):
                attrs["sources"] = ";".join(data["sources"])
        else:
            types = list(data.get("types") or []) or ["Actor"]
            attrs["type"] = types[0]
            attrs["types"] = ";".join(types)
            attrs["names"] = names_of(data.get("labels") or {})
            attrs["colour"] = colour_for(types[0], ACTOR_COLOURS)
            attrs["action_count"] = int(actor_degree.get(node, 0))
            first, last = data.get("first_date"), data.get("last_date")
        if first:
            attrs["first_date"] = first
        if last:
            attrs["last_date"] = last
        out.add_node(node, **attrs)

    for a, b, data in source.edges(data=True):
        if kind == "actors":
            actions = data.get("actions", [])
            types = Counter(action["type"] for action in actions)
            order = {t: i for i, t in enumerate(dict.fromkeys(action["type"] for action in actions))}
            main = min(types, key=lambda t: (-types[t], order[t])) if types else "Action"
            dates = sorted(action["date"] for action in actions if action.get("date"))
            attrs = {
                "weight": int(data.get("weight", len(actions))),
                "action_type": main,
                "action_types": ";".join(sorted(types)),
                "actions": ";".join(compact(action["id"]) for action in actions),
                "action_labels": " | ".join(action["label"] for action in actions),
                "sources": ";".join(sorted({s for action in actions for s in action.get("sources", [])})),
                "colour": colour_for(main, ACTION_COLOURS),
            }
            if dates:
                attrs["first_date"], attrs["last_date"] = dates[0], dates[-1]
        else:
            action_node = a if source.nodes[a].get("kind") == "action" else b
            action = source.nodes[action_node]
            attrs = {
                "weight": 1,
                "role": data.get("role", ""),
                "action_type": action.get("type") or "Action",
                "colour": colour_for(action.get("type"), ACTION_COLOURS),
            }
            if action.get("date"):
                attrs["first_date"] = attrs["last_date"] = action["date"]
        out.add_edge(a, b, **attrs)
    return out


def _sorted_nodes(G: nx.Graph) -> list[str]:
    return sorted(G.nodes)


def _sorted_edges(G: nx.Graph) -> list[tuple[str, str, dict]]:
    edges = []
    for a, b, data in G.edges(data=True):
        a, b = sorted((a, b))
        edges.append((a, b, data))
    return sorted(edges, key=lambda e: (e[0], e[1]))


def _ordered_copy(G: nx.Graph) -> nx.Graph:
    """A copy with nodes and edges in a stable order (writers follow insertion order)."""
    H = nx.Graph(**G.graph)
    for node in _sorted_nodes(G):
        H.add_node(node, **G.nodes[node])
    for a, b, data in _sorted_edges(G):
        H.add_edge(a, b, **data)
    return H


# --- GraphML --------------------------------------------------------------------------------


def to_graphml(G: nx.Graph) -> bytes:
    """GraphML (UTF-8), readable by Gephi, yEd, Cytoscape, igraph and networkx."""
    H = _ordered_copy(G)
    text = "\n".join(nx.generate_graphml(H, encoding="utf-8", prettyprint=True))
    return (text + "\n").encode("utf-8")


# --- GEXF -----------------------------------------------------------------------------------


def _last_modified(G: nx.Graph) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
        except (ValueError, OverflowError, OSError):
            pass
    ends = [period_bounds(d.get("last_date"))[1] for _n, d in G.nodes(data=True)]
    ends = [e for e in ends if e]
    return max(ends) if ends else "1970-01-01"


def to_gexf(G: nx.Graph) -> bytes:
    """GEXF 1.2draft with viz colours and sizes, and start / end dates for Gephi's timeline."""
    H = _ordered_copy(G)
    max_degree = max((d.get("action_count", 1) for _n, d in H.nodes(data=True)), default=1) or 1
    for _node, data in H.nodes(data=True):
        r, g, b = rgb(str(data["colour"]))
        size = 10.0 + 30.0 * (float(data.get("action_count", 1)) / max_degree) ** 0.5
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": round(size, 2)}
        start, _ = period_bounds(data.get("first_date"))
        _, end = period_bounds(data.get("last_date"))
        if start and end:
            data["start"], data["end"] = start, end
    for _a, _b, data in H.edges(data=True):
        start, _ = period_bounds(data.get("first_date"))
        _, end = period_bounds(data.get("last_date"))
        if start and end:
            data["start"], data["end"] = start, end
        data["viz"] = {"color": dict(zip("rgb", rgb(str(data["colour"])), strict=True), a=1.0)}

    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(H)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.set("lastmodifieddate", _last_modified(G))
        creator = meta.find("creator")
        if creator is not None:
            creator.text = f"clearview-kg {__version__}"
        description = Element("description")
        description.text = (
            "The Clearview AI saga: actors linked by the actions (fines, lawsuits, uses, "
            "denials, ...) they take part in. Node colour is the actor type, edge colour the "
            "most frequent action type; start/end are the first and last dated action."
        )
        meta.append(description)
    buffer = io.BytesIO()
    writer.write(buffer)  # indented, with the XML declaration
    data = buffer.getvalue()
    return data if data.endswith(b"\n") else data + b"\n"


# --- Cytoscape.js JSON ----------------------------------------------------------------------


def _split(value: object) -> list[str]:
    return [v for v in str(value).split(";") if v] if value not in (None, "") else []


def to_cytoscape(G: nx.Graph) -> bytes:
    """Cytoscape.js ``elements`` JSON (Cytoscape desktop: File > Import > Network from File)."""
    list_keys = {"types", "action_types", "actions", "sources"}
    nodes = []
    for node in _sorted_nodes(G):
        data = {"id": node}
        for key, value in G.nodes[node].items():
            data[key] = _split(value) if key in list_keys else value
        data["name"] = data.get("label", node)  # Cytoscape desktop shows "name"
        nodes.append({"data": data})
    edges = []
    for index, (a, b, attrs) in enumerate(_sorted_edges(G)):
        data = {"id": f"e{index}", "source": a, "target": b}
        for key, value in attrs.items():
            if key == "action_labels":
                data[key] = [v for v in str(value).split(" | ") if v]
            else:
                data[key] = _split(value) if key in list_keys else value
        edges.append({"data": data})
    document = {
        "format_version": "1.0",
        "generated_by": f"clearview-kg {__version__}",
        "target_cytoscapejs_version": "~3.34",
        "data": {"name": G.graph.get("name", "clearview-kg network"), "shared_name": "clearview-kg"},
        "elements": {"nodes": nodes, "edges": edges},
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- Graphviz -------------------------------------------------------------------------------


def dot_quote(text: object) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as spaces."""
    value = " ".join(str(text).split())
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(text: str, width: int = 22) -> str:
    """Break a label into lines of about ``width`` characters (joined by a DOT ``\\n``)."""
    words = str(text).split()
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def _label(text: str) -> str:
    # Quote each line separately, then join with DOT's own line-break escape.
    return "\\n".join(dot_quote(part)[1:-1] for part in _wrap(text).split("\n"))


def dot_layout(G: nx.Graph) -> tuple[str, str]:
    """Graphviz's layout engine and its options for ``G``: ``neato`` with links routed around
    the nodes up to ``SPLINE_EDGES`` links; beyond, ``sfdp`` with straight links. Routing is
    what grows fastest (neato with splines: 2.6 s for 226 links, 19 s for 630, 297 s for
    2,002; sfdp without: 0.17 s for 2,002 and 3.2 s for 24,076). A large drawing is also
    scaled to fit 100 inches (9,600 pixels in a PNG): at 10^6 triples the PNG was 28,800
    pixels wide, 178 MB, and took 34 s and 783 MiB to draw; it is now 63 MB, 9.6 s, 270 MiB."""
    if G.number_of_edges() <= SPLINE_EDGES:
        return "neato", "overlap=false, splines=true"
    return "sfdp", 'overlap=prism, splines=false, size="100,100"'


def to_dot(G: nx.Graph) -> bytes:
    """An undirected Graphviz graph, coloured by actor and action type, with its layout engine
    named in it (``dot_layout``)."""
    engine, options = dot_layout(G)
    out = io.StringIO()
    out.write("// clearview-kg: the Clearview AI saga as a network of actors\n")
    out.write(f"// render: dot -Tsvg network.dot -o network.svg (the layout engine is {engine})\n")
    out.write("graph \"clearview-kg\" {\n")
    out.write(f'  graph [layout={engine}, {options}, sep="+12", start=7, '
              'outputorder=edgesfirst, fontname="DejaVu Sans", bgcolor="white"];\n')
    out.write('  node [shape=ellipse, style="filled", fontname="DejaVu Sans", fontsize=10, '
              'penwidth=0.8, color="#333333"];\n')
    out.write('  edge [color="#888888"];\n')
    for node in _sorted_nodes(G):
        data = G.nodes[node]
        fill = str(data.get("colour", "#cccccc"))
        r, g, b = rgb(fill)
        font = "white" if (0.299 * r + 0.587 * g + 0.114 * b) < 140 else "black"
        tooltip = f"{data.get('label', node)} ({data.get('types', data.get('type', ''))})"
        shape = ', shape=box, style="filled,rounded"' if data.get("kind") == "action" else ""
        out.write(
            f"  {dot_quote(node)} [label=\"{_label(str(data.get('label', node)))}\", "
            f"fillcolor={dot_quote(fill)}, fontcolor={font}, tooltip={dot_quote(tooltip)}{shape}];\n"
        )
    for a, b, data in _sorted_edges(G):
        weight = int(data.get("weight", 1))
        tooltip = data.get("action_labels") or data.get("role") or ""
        out.write(
            f"  {dot_quote(a)} -- {dot_quote(b)} [color={dot_quote(data.get('colour', '#888888'))}, "
            f"penwidth={1 + min(weight, 8) * 0.6:.1f}, tooltip={dot_quote(tooltip)}];\n"
        )
    out.write("}\n")
    return out.getvalue().encode("utf-8")


class GraphvizMissing(CvkgError):
    """Graphviz's ``dot`` program is not installed."""

    exit_code = 2


def graphviz_render(dot_source: bytes, fmt: str) -> bytes:
    """Run Graphviz on DOT source; ``fmt`` is ``svg`` or ``png``."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(
            f"--format {fmt} needs Graphviz's 'dot' program, which is not installed "
            "(Debian/Ubuntu: apt-get install graphviz); --format dot writes the DOT file instead"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=dot_source, capture_output=True,
            timeout=GRAPHVIZ_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise CvkgError(f"Graphviz took more than {GRAPHVIZ_TIMEOUT} s; try --format dot") from None
    except OSError as exc:
        raise CvkgError(f"cannot run Graphviz: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
        raise CvkgError(f"Graphviz failed: {reason or 'exit code ' + str(done.returncode)}")
    return done.stdout


# --- CSV ------------------------------------------------------------------------------------

NODE_COLUMNS = ("id", "label", "kind", "type", "types", "names", "first_date", "last_date",
                "action_count", "colour", "precision", "sources")
EDGE_COLUMNS = ("source", "target", "weight", "action_type", "action_types", "role", "actions",
                "action_labels", "sources", "first_date", "last_date", "colour")


def _csv(rows: Iterable[dict], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buffer.getvalue().encode("utf-8")


def _columns(rows: list[dict], columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns that have a value in some row (e.g. no ``role`` in the actor network)."""
    return tuple(c for c in columns if c in ("id", "source", "target") or any(r.get(c) not in (None, "") for r in rows))


def nodes_csv(G: nx.Graph) -> bytes:
    """One row per node; UTF-8, comma-separated, with a header row."""
    nodes = [{"id": n, **G.nodes[n]} for n in _sorted_nodes(G)]
    return _csv(nodes, _columns(nodes, NODE_COLUMNS))


def edges_csv(G: nx.Graph) -> bytes:
    """One row per edge (``source`` < ``target``); UTF-8, comma-separated, with a header row."""
    edges = [{"source": a, "target": b, **d} for a, b, d in _sorted_edges(G)]
    return _csv(edges, _columns(edges, EDGE_COLUMNS))


def to_csv(G: nx.Graph) -> tuple[bytes, bytes]:
    """(nodes.csv, edges.csv)."""
    return nodes_csv(G), edges_csv(G)


def csv_paths(output: str) -> tuple[str, str]:
    """Where ``-o OUTPUT`` puts the two CSV files (module docstring)."""
    if os.path.isdir(output):
        return os.path.join(output, "nodes.csv"), os.path.join(output, "edges.csv")
    prefix = output[:-4] if output.lower().endswith(".csv") else output
    return f"{prefix}-nodes.csv", f"{prefix}-edges.csv"


# --- one entry point ------------------------------------------------------------------------


def render(G: nx.Graph, fmt: str) -> bytes:
    """The bytes of one single-file network format."""
    if fmt == "graphml":
        return to_graphml(G)
    if fmt == "gexf":
        return to_gexf(G)
    if fmt == "cytoscape":
        return to_cytoscape(G)
    if fmt == "dot":
        return to_dot(G)
    if fmt in ("svg", "png"):
        return graphviz_render(to_dot(G), fmt)
    raise InputError(f"unknown network format {fmt!r}")


__all__ = [
    "ACTION_COLOURS", "ACTOR_COLOURS", "BINARY_FORMATS", "EXTENSIONS", "NETWORK_FORMATS",
    "GraphvizMissing", "SPLINE_EDGES", "build_graph", "colour_for", "csv_paths", "dot_layout", "dot_quote",
    "graphviz_render",
    "edges_csv", "nodes_csv", "period_bounds", "render", "to_csv", "to_cytoscape", "to_dot", "to_gexf", "to_graphml",
]
