"""Network exports read back by networkx and by independent readers: GraphML by python-igraph,
GEXF by ElementTree against the GEXF 1.2draft structure Gephi expects, Cytoscape.js JSON by
json, DOT by pydot and Graphviz, CSV by the csv module."""
from __future__ import annotations

import csv
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from clearview_kg.core import export_network as en
from clearview_kg.core import network

GEXF = "{http://www.gexf.net/1.2draft}"
VIZ = "{http://www.gexf.net/1.2draft/viz}"
DOT = shutil.which("dot")

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRICKY = pathlib.Path(__file__).resolve().parent / "fixtures_export" / "tricky.ttl"


# pydot's parser calls pyparsing's deprecated camelCase API.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def actors(shipped_graph) -> nx.Graph:
    return network.actor_graph(shipped_graph)


@pytest.fixture(scope="module")
def G(shipped_graph) -> nx.Graph:
    return en.build_graph(shipped_graph)


@pytest.fixture(scope="module")
def B(shipped_graph) -> nx.Graph:
    return en.build_graph(shipped_graph, kind="bipartite")


def test_build_graph_has_the_actor_network(G, actors):
    assert set(G.nodes) == set(actors.nodes)
    assert {frozenset(e) for e in G.edges} == {frozenset(e) for e in actors.edges}
    for a, b, data in actors.edges(data=True):
        assert G.edges[a, b]["weight"] == data["weight"]
    clearview = G.nodes["https://w3id.org/clearview-kg/id/org/clearview-ai"]
    assert clearview["type"] == "Company" and clearview["colour"] == en.ACTOR_COLOURS["Company"]
    assert "Clearview AI @sv" in clearview["names"]


# --- GraphML ----------------------------------------------------------------------------------


def test_graphml_read_by_networkx(G, tmp_path):
    path = tmp_path / "n.graphml"
    path.write_bytes(en.to_graphml(G))
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(G.nodes)
    assert back.number_of_edges() == G.number_of_edges()
    node = "https://w3id.org/clearview-kg/id/org/polismyndigheten"
    assert back.nodes[node]["label"] == G.nodes[node]["label"]
    assert "Polismyndigheten @sv" in back.nodes[node]["names"]


def test_graphml_read_by_igraph(G, tmp_path):
    igraph = pytest.importorskip("igraph", reason="python-igraph is the independent GraphML reader")
    path = tmp_path / "n.graphml"
    path.write_bytes(en.to_graphml(G))
    graph = igraph.Graph.Read_GraphML(str(path))
    assert graph.vcount() == G.number_of_nodes()
    assert graph.ecount() == G.number_of_edges()
    assert not graph.is_directed()
    assert set(graph.vs["id"]) == set(G.nodes)
    by_id = {v["id"]: v for v in graph.vs}
    ico = by_id["https://w3id.org/clearview-kg/id/org/ico"]
    assert ico["type"] == "DataProtectionAuthority" and ico["colour"].startswith("#")
    assert sum(graph.es["weight"]) == sum(d["weight"] for _a, _b, d in G.edges(data=True))


def test_bipartite_graphml_by_igraph(B, tmp_path):
    igraph = pytest.importorskip("igraph")
    path = tmp_path / "b.graphml"
    path.write_bytes(en.to_graphml(B))
    graph = igraph.Graph.Read_GraphML(str(path))
    kinds = set(graph.vs["kind"])
    assert kinds == {"actor", "action"}
    assert graph.vcount() == B.number_of_nodes()


# --- GEXF -------------------------------------------------------------------------------------


def test_gexf_read_by_networkx(G, tmp_path):
    path = tmp_path / "n.gexf"
    path.write_bytes(en.to_gexf(G))
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == G.number_of_nodes()
    assert back.number_of_edges() == G.number_of_edges()
    labels = {d["label"] for _n, d in back.nodes(data=True)}
    assert "Clearview AI" in labels


def test_gexf_structure_for_gephi(G):
    """GEXF 1.2draft; a viz:color per node and edge (colour by type); start/end on dated
    nodes and edges (dynamic mode, dates); lastmodifieddate from the data, not today."""
    root = ET.fromstring(en.to_gexf(G))
    assert root.tag == GEXF + "gexf" and root.get("version") == "1.2"
    meta = root.find(GEXF + "meta")
    assert meta.get("lastmodifieddate") == "2022-05-31"  # the last day of the latest action (2022-05)
    assert meta.find(GEXF + "creator").text.startswith("clearview-kg")
    graph = root.find(GEXF + "graph")
    assert graph.get("defaultedgetype") == "undirected"
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    titles = {a.get("title") for a in graph.iter(GEXF + "attribute")}
    assert {"type", "types", "names", "first_date", "last_date", "colour", "action_type", "actions"} <= titles
    nodes = graph.find(GEXF + "nodes").findall(GEXF + "node")
    assert len(nodes) == G.number_of_nodes()
    for node in nodes:
        colour = node.find(VIZ + "color")
        assert colour is not None, node.get("id")
        expected = en.rgb(G.nodes[node.get("id")]["colour"])
        assert (int(colour.get("r")), int(colour.get("g")), int(colour.get("b"))) == expected
        assert node.find(VIZ + "size") is not None
        first = G.nodes[node.get("id")].get("first_date")
        if first:
            assert node.get("start") == en.period_bounds(first)[0]
            assert node.get("end") == en.period_bounds(G.nodes[node.get("id")]["last_date"])[1]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.get("start"))
        else:
            assert node.get("start") is None
    ico = next(n for n in nodes if n.get("id").endswith("/org/ico"))
    assert ico.get("start") == "2021-01-01" and ico.get("end") == "2021-11-29"
    edges = graph.find(GEXF + "edges").findall(GEXF + "edge")
    assert len(edges) == G.number_of_edges()
    assert all(e.find(VIZ + "color") is not None for e in edges)
    assert any(e.get("start") for e in edges)


def test_gexf_is_byte_stable_and_honours_source_date_epoch(G, monkeypatch):
    assert en.to_gexf(G) == en.to_gexf(G)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert b'lastmodifieddate="2023-11-14"' in en.to_gexf(G)


# --- Cytoscape.js ------------------------------------------------------------------------------


def test_cytoscape_json_has_one_node_per_actor(G, actors):
    document = json.loads(en.to_cytoscape(G))
    nodes = document["elements"]["nodes"]
    assert len(nodes) == actors.number_of_nodes()
    assert {n["data"]["id"] for n in nodes} == set(actors.nodes)
    edges = document["elements"]["edges"]
    assert len(edges) == actors.number_of_edges()
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert all(isinstance(e["data"]["actions"], list) for e in edges)
    assert all(n["data"]["name"] == n["data"]["label"] for n in nodes)  # Cytoscape desktop shows "name"


# --- DOT and Graphviz ----------------------------------------------------------------------------


def test_dot_parses_with_pydot(G):
    pydot = pytest.importorskip("pydot")
    graphs = pydot.graph_from_dot_data(en.to_dot(G).decode("utf-8"))
    assert len(graphs) == 1
    graph = graphs[0]
    names = {n.get_name().strip('"') for n in graph.get_nodes()} - {"node", "edge", "graph"}
    assert names == set(G.nodes)
    assert len(graph.get_edges()) == G.number_of_edges()


def test_dot_escapes_quotes_backslashes_and_line_breaks():
    assert en.dot_quote('a "b" \\N\nc') == '"a \\"b\\" \\\\N c"'


@pytest.mark.skipif(DOT is None, reason="Graphviz is not installed (apt-get install graphviz)")
def test_graphviz_renders_svg_and_png(G):
    done = subprocess.run([DOT, "-Tsvg"], input=en.to_dot(G), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    svg = ET.fromstring(en.render(G, "svg"))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
    assert "https://w3id.org/clearview-kg/id/org/clearview-ai" in titles
    assert en.render(G, "png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_shipped_network_is_laid_out_by_neato_with_routed_links(G):
    assert G.number_of_edges() <= en.SPLINE_EDGES
    assert en.dot_layout(G) == ("neato", "overlap=false, splines=true")
    assert b"layout=neato, overlap=false, splines=true" in en.to_dot(G)


@pytest.mark.skipif(DOT is None, reason="Graphviz is not installed (apt-get install graphviz)")
def test_a_large_network_is_laid_out_by_sfdp_with_straight_links(tmp_path):
    """Routing links around nodes is what makes Graphviz slow on large networks (297 s for
    2,002 links at 10^5 triples): beyond SPLINE_EDGES links, sfdp draws them straight."""
    from clearview_kg.core.oxigraph_store import OxigraphStore

    data = tmp_path / "saga.ttl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "3e4",
                    "--seed", "1", "--out", str(data)], check=True, capture_output=True)
    large = en.build_graph(OxigraphStore.from_files([str(data)], include_shipped=False).graph())
    assert large.number_of_edges() > en.SPLINE_EDGES
    assert en.dot_layout(large) == ("sfdp", 'overlap=prism, splines=false, size="100,100"')
    source = en.to_dot(large)
    assert b'layout=sfdp, overlap=prism, splines=false, size="100,100"' in source
    assert b"the layout engine is sfdp" in source
    svg = ET.fromstring(en.render(large, "svg"))
    titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
    assert set(large.nodes) <= titles
    assert sum(1 for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge") == \
        large.number_of_edges()


def test_missing_graphviz_is_one_clear_error(G, monkeypatch):
    monkeypatch.setattr(en.shutil, "which", lambda name: None)
    with pytest.raises(en.GraphvizMissing, match="apt-get install graphviz"):
        en.render(G, "svg")


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_node_and_edge_lists(G):
    nodes_bytes, edges_bytes = en.to_csv(G)
    nodes = list(csv.DictReader(io.StringIO(nodes_bytes.decode("utf-8"))))
    edges = list(csv.DictReader(io.StringIO(edges_bytes.decode("utf-8"))))
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert {"id", "label", "type", "names", "colour"} <= set(nodes[0])
    assert {"source", "target", "weight", "action_type", "actions"} <= set(edges[0])
    ids = {n["id"] for n in nodes}
    assert all(e["source"] in ids and e["target"] in ids for e in edges)


def test_csv_paths(tmp_path):
    assert en.csv_paths("out/net") == ("out/net-nodes.csv", "out/net-edges.csv")
    assert en.csv_paths("out/net.csv") == ("out/net-nodes.csv", "out/net-edges.csv")
    assert en.csv_paths(str(tmp_path)) == (str(tmp_path / "nodes.csv"), str(tmp_path / "edges.csv"))


# --- filters and hostile strings -----------------------------------------------------------------


def test_filters_apply(shipped_graph):
    flt = network.NetworkFilter(actor_types=frozenset({"DataProtectionAuthority", "Company"}))
    G = en.build_graph(shipped_graph, flt)
    assert G.number_of_nodes() > 0
    assert {d["type"] for _n, d in G.nodes(data=True)} <= {"DataProtectionAuthority", "Company", "SocialMediaPlatform"}


def test_hostile_labels_survive_every_format(tmp_path):
    from clearview_kg.core import store

    graph = store.load_graph([str(TRICKY)], include_shipped=False)
    G = en.build_graph(graph)
    evil = "https://w3id.org/clearview-kg/id/org/evil-corp"
    label = G.nodes[evil]["label"]
    path = tmp_path / "t.graphml"
    path.write_bytes(en.to_graphml(G))
    assert nx.read_graphml(path).nodes[evil]["label"] == label
    path = tmp_path / "t.gexf"
    path.write_bytes(en.to_gexf(G))
    assert nx.read_gexf(path).nodes[evil]["label"] == label
    assert json.loads(en.to_cytoscape(G))["elements"]["nodes"][0]["data"]["label"] == label
    pydot = pytest.importorskip("pydot")
    parsed = pydot.graph_from_dot_data(en.to_dot(G).decode("utf-8"))[0]
    assert len([n for n in parsed.get_nodes() if n.get_name().strip('"') == evil]) == 1
    if DOT:
        svg = en.render(G, "svg").decode("utf-8")
        ET.fromstring(svg)  # well-formed: the label's markup was escaped
        assert "<script" not in svg
