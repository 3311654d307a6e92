"""Network analyses (core.analysis) against values computed by hand on small graphs, the
shipped graph's known structure, and the ``analyse`` command line.

The fixture tests/fixtures_network/small.ttl has 8 actors and 8 edges:

    A-B (2)  A-C  A-D  A-F  D-F  B-D  C-E (2)  G-H (2)

Degrees: A 4, D 3, B C F 2, E G H 1 (sum 16 = 2 * 8). Density 2 * 8 / (8 * 7) = 2/7.
Shortest paths through each actor, over the 15 pairs of {A..F}:
  A: B-C, B-E, C-D, C-F, D-E, E-F (6) and half of B-F (B-A-F or B-D-F) = 6.5
  C: A-E, B-E, D-E, E-F = 4;  D: half of B-F = 0.5;  the others 0.
Normalised betweenness = count * 2 / ((n-1)(n-2)) = count / 21.
"""
from __future__ import annotations

import functools
import json
import math
import pathlib

import click
import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner

from clearview_kg.cli.analyse_cmd import analyse
from clearview_kg.core import analysis
from clearview_kg.core.errors import InputError, NotFoundError
from clearview_kg.core.network import NetworkFilter, actor_graph
from graph_files import ONTOLOGY, facts, ontology

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures_network"
SMALL = str(FIXTURES / "small.ttl")
ID = "https://w3id.org/clearview-kg/id/"
A, B, C, D = (ID + "org/" + s for s in ("acme-vision", "alpha-regulator", "beta-police", "gamma-rights"))
E = ID + "person/erik-example"
F, G_, H = (ID + "org/" + s for s in ("delta-court", "privacy-group", "watchdog-branch"))
LABEL = {A: "Acme Vision", B: "Alpha Regulator", C: "Beta Police", D: "Gamma Rights",
         E: "Erik Example", F: "Delta Court", G_: "Privacy Group", H: "Watchdog Branch"}
CLEARVIEW, ACLU = ID + "org/clearview-ai", ID + "org/aclu"
POLICE_SE, RIGSPOLITIET, NC3 = ID + "org/polismyndigheten", ID + "org/rigspolitiet", ID + "org/nc3"


@functools.lru_cache(maxsize=None)
def rdf(name: str = "small.ttl") -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(ONTOLOGY, format="turtle")
    g.parse(FIXTURES / name, format="turtle")
    return g


@functools.lru_cache(maxsize=None)
def small() -> nx.Graph:
    return actor_graph(rdf())


@functools.lru_cache(maxsize=None)
def shipped_rdf() -> rdflib.Graph:
    return facts() + ontology()


@functools.lru_cache(maxsize=None)
def shipped() -> nx.Graph:
    return actor_graph(shipped_rdf())


def labelled(nodes_and_edges, labels=None) -> nx.Graph:
    """A graph of plain names, each node labelled with its name."""
    G = nx.Graph()
    for item in nodes_and_edges:
        if isinstance(item, tuple):
            G.add_edge(*item, weight=1, actions=[])
        else:
            G.add_node(item)
    for n in G:
        G.nodes[n]["label"] = (labels or {}).get(n, n)
        G.nodes[n]["labels"] = {"en": [G.nodes[n]["label"]]}
    return G


def by_actor(rows, column):
    return {row["actor"]: row[column] for row in rows}


# --- centrality --------------------------------------------------------------------------------


def test_degree_and_weighted_degree_by_hand():
    rows = analysis.centrality(small())
    assert by_actor(rows, "degree") == {A: 4, B: 2, C: 2, D: 3, E: 1, F: 2, G_: 1, H: 1}
    assert by_actor(rows, "weighted_degree") == {A: 5, B: 3, C: 3, D: 3, E: 2, F: 2, G_: 2, H: 2}


def test_betweenness_by_hand():
    rows = analysis.centrality(small(), "betweenness")
    assert by_actor(rows, "betweenness") == {
        A: round(6.5 / 21, 6), C: round(4 / 21, 6), D: round(0.5 / 21, 6),
        B: 0.0, E: 0.0, F: 0.0, G_: 0.0, H: 0.0,
    }
    # ranked by betweenness, then label
    assert [row["actor"] for row in rows] == [A, C, D, B, F, E, G_, H]
    assert [row["rank"] for row in rows] == list(range(1, 9))
    assert set(rows[0]) == {"rank", "actor", "label", "betweenness", "betweenness_error", "betweenness_method"}
    # exact on a small graph: no error, and said so
    assert {(row["betweenness_error"], row["betweenness_method"]) for row in rows} == {(0.0, "exact")}


def test_ranking_by_degree_breaks_ties_by_label():
    rows = analysis.centrality(small(), "degree")
    assert [row["label"] for row in rows] == [
        "Acme Vision", "Gamma Rights", "Alpha Regulator", "Beta Police", "Delta Court",
        "Erik Example", "Privacy Group", "Watchdog Branch"]


def test_pagerank_of_a_path_by_hand():
    # a - b - c: x_b = 0.05 + 0.85 (x_a + x_c), x_a = 0.05 + 0.85 x_b / 2
    # => x_b = 0.135 / 0.2775, x_a = x_c = (1 - x_b) / 2
    pr = analysis.pagerank(labelled([("a", "b"), ("b", "c")]))
    assert pr["b"] == pytest.approx(0.135 / 0.2775, abs=1e-9)
    assert pr["a"] == pytest.approx((1 - 0.135 / 0.2775) / 2, abs=1e-9)
    assert pr["c"] == pytest.approx(pr["a"], abs=1e-12)


def test_pagerank_of_a_separate_pair_is_its_share_of_the_actors():
    # no isolated actors: the pair G-H keeps 2/8 of the rank, split evenly by symmetry
    rows = analysis.centrality(small())
    assert by_actor(rows, "pagerank")[G_] == 0.125 and by_actor(rows, "pagerank")[H] == 0.125
    assert sum(by_actor(rows, "pagerank").values()) == pytest.approx(1, abs=1e-5)


def test_pagerank_matches_networkx_reference():
    reference = getattr(nx.algorithms.link_analysis.pagerank_alg, "_pagerank_python", None)
    if reference is None:
        pytest.skip("networkx has no pure-Python PageRank to compare with")
    G = shipped()
    ours, theirs = analysis.pagerank(G), reference(G, weight="weight", tol=1e-12, max_iter=1000)
    assert all(ours[n] == pytest.approx(theirs[n], abs=1e-8) for n in G)


def test_eigenvector_of_a_path_by_hand():
    # the principal eigenvector of the path a - b - c is (1, sqrt 2, 1) / 2
    ev = analysis.eigenvector(labelled([("a", "b"), ("b", "c")]))
    assert ev["a"] == pytest.approx(0.5, abs=1e-6) and ev["b"] == pytest.approx(math.sqrt(0.5), abs=1e-6)


def test_eigenvector_of_a_disconnected_graph_is_per_component():
    # path a-b-c (3 of 5 actors) and pair d-e (2 of 5), plus nothing isolated
    ev = analysis.eigenvector(labelled([("a", "b"), ("b", "c"), ("d", "e")]))
    assert ev["b"] == pytest.approx(math.sqrt(0.5) * math.sqrt(3 / 5), abs=1e-6)
    assert ev["a"] == pytest.approx(0.5 * math.sqrt(3 / 5), abs=1e-6)
    assert ev["d"] == pytest.approx(math.sqrt(1 / 5), abs=1e-6)
    assert sum(v * v for v in ev.values()) == pytest.approx(1, abs=1e-6)


def test_eigenvector_of_an_isolated_actor_is_zero():
    ev = analysis.eigenvector(labelled([("a", "b"), "z"]))
    assert ev["z"] == 0.0


def test_eigenvector_of_the_fixture_pair():
    # G-H: (1/sqrt 2, 1/sqrt 2) scaled by sqrt(2/8)
    rows = analysis.centrality(small(), "eigenvector")
    assert by_actor(rows, "eigenvector")[G_] == round(math.sqrt(1 / 8), 6)


def test_centrality_of_an_empty_graph():
    assert analysis.centrality(nx.Graph()) == []


def test_unknown_measure():
    with pytest.raises(NotFoundError, match="did you mean 'pagerank'"):
        analysis.centrality(small(), "pagerenk")


# --- communities, components, stats -------------------------------------------------------------


@pytest.mark.parametrize("method", ["greedy", "louvain"])
def test_modularity_of_two_cliques_by_hand(method):
    # two K4 joined by one edge: m = 13, each side has 6 inner edges and degree sum 13:
    # Q = 2 * (6/13 - (13/26)^2) = 11/26
    rows, score = analysis.communities(actor_graph(rdf("cliques.ttl")), method)
    assert score == round(11 / 26, 6)
    assert rows == [
        {"community": 1, "size": 4, "members": "P1 | P2 | P3 | P4"},
        {"community": 2, "size": 4, "members": "Q1 | Q2 | Q3 | Q4"},
    ]


def test_communities_without_edges():
    rows, score = analysis.communities(labelled(["a", "b"]))
    assert score is None and [r["size"] for r in rows] == [1, 1]


def test_communities_partition_every_actor():
    G = shipped()
    sets = analysis.community_sets(G)
    assert sorted(n for s in sets for n in s) == sorted(G)


def test_components_by_hand():
    assert analysis.components(small()) == [
        {"component": 1, "size": 6,
         "members": "Acme Vision | Alpha Regulator | Beta Police | Delta Court | Erik Example | Gamma Rights"},
        {"component": 2, "size": 2, "members": "Privacy Group | Watchdog Branch"},
    ]


def test_stats_by_hand():
    assert analysis.stats(small()) == [
        {"measure": "actors", "value": 8},
        {"measure": "edges", "value": 8},
        {"measure": "actions", "value": 10},
        {"measure": "undated actions", "value": 2},
        {"measure": "density", "value": round(2 / 7, 6)},
        {"measure": "components", "value": 2},
        {"measure": "largest component", "value": 6},
        {"measure": "isolated actors", "value": 0},
        {"measure": "actors of degree 1", "value": 3},
        {"measure": "actors of degree 2", "value": 3},
        {"measure": "actors of degree 3", "value": 1},
        {"measure": "actors of degree 4", "value": 1},
    ]
    assert analysis.degree_distribution(small()) == {1: 3, 2: 3, 3: 1, 4: 1}


# --- names and paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, node", [
    ("Acme Vision", A), ("acme", A), ("ACME VISIE", A),          # any label, any language, any case
    ("Betapolisen", C), ("  beta   police ", C),
    ("ido:delta-court", F), (F, F), (f"<{F}>", F), ("delta-court", F),  # IRI, prefixed, slug
])
def test_resolve_actor(name, node):
    assert analysis.resolve_actor(small(), name) == node


def test_resolve_actor_suggests_names():
    with pytest.raises(NotFoundError) as caught:
        analysis.resolve_actor(small(), "Acme Vison")
    assert str(caught.value).startswith("no actor matches 'Acme Vison'; did you mean 'Acme Vision'")


def test_resolve_actor_refuses_an_ambiguous_name():
    G = labelled([("x", "y")], {"x": "Same", "y": "same"})
    with pytest.raises(InputError, match="names several actors"):
        analysis.resolve_actor(G, "SAME")


def test_all_shortest_paths_by_hand():
    rows = analysis.path(small(), "Alpha Regulator", "Delta Court")
    # two paths of two hops: B-A-F and B-D-F; the hop B-A has two actions (order, then fine)
    assert [(r["path"], r["hop"], r["from"], r["to"]) for r in rows] == [
        (1, 1, "Alpha Regulator", "Acme Vision"),
        (1, 1, "Alpha Regulator", "Acme Vision"),
        (1, 2, "Acme Vision", "Delta Court"),
        (2, 1, "Alpha Regulator", "Gamma Rights"),
        (2, 2, "Gamma Rights", "Delta Court"),
    ]
    assert [r["text"] for r in rows] == [
        "Alpha Regulator —[Order, 2021, source 002]→ Acme Vision: Alpha Regulator orders Acme Vision to delete data",
        "Alpha Regulator —[Fine, 2021-03-05, source 001]→ Acme Vision: Alpha Regulator fines Acme Vision",
        "Acme Vision —[Lawsuit, undated, source 003]→ Delta Court: Gamma Rights sues Acme Vision",
        "Alpha Regulator —[CallToAction, 2021-03, sources 001, 004]→ Gamma Rights: Gamma Rights calls on Alpha Regulator to act",
        "Gamma Rights —[Lawsuit, undated, source 003]→ Delta Court: Gamma Rights sues Acme Vision",
    ]
    assert rows[0]["action"] == ID + "action/order-1"


def test_path_between_components_is_empty():
    assert analysis.path(small(), "Acme", "Privacy Group") == []


def test_path_to_itself_is_an_input_error():
    with pytest.raises(InputError, match="same actor"):
        analysis.path(small(), "Acme", "acme vision")


def test_ego_by_hand():
    rows = analysis.ego(small(), "Beta Police")
    assert [(r["kind"], r["label"], r["other_label"], r["distance"], r["weight"]) for r in rows] == [
        ("node", "Beta Police", None, 0, None),
        ("node", "Acme Vision", None, 1, None),
        ("node", "Erik Example", None, 1, None),
        ("edge", "Beta Police", "Acme Vision", 1, 1),
        ("edge", "Beta Police", "Erik Example", 1, 2),
    ]
    assert rows[-1]["actions"] == "Spokesperson, Beta Police | Beta Police comments, through Erik Example"


def test_ego_radius_two():
    rows = analysis.ego(small(), "Beta Police", radius=2)
    nodes = [r for r in rows if r["kind"] == "node"]
    assert {r["label"]: r["distance"] for r in nodes} == {
        "Beta Police": 0, "Acme Vision": 1, "Erik Example": 1,
        "Alpha Regulator": 2, "Delta Court": 2, "Gamma Rights": 2}
    assert sum(1 for r in rows if r["kind"] == "edge") == 7  # every edge of the component


# --- evolution ---------------------------------------------------------------------------------

EVOLUTION = [
    # up to, actors, edges, most central, degree
    ("2019", 2, 1, "Privacy Group", 1),      # letter-1; G and H tie, label decides
    ("2020", 4, 2, "Acme Vision", 1),        # + use-1
    ("2021", 7, 5, "Acme Vision", 2),        # + order, fine, call, post: A and B tie at (2, 3)
    ("2022", 7, 5, "Acme Vision", 2),        # + statement, term; the undated lawsuit never counts
]


def _evolution(rows):
    return [(r["up_to"], r["actors"], r["edges"], r["label"], r["degree"]) for r in rows]


def test_evolution_by_hand():
    assert _evolution(analysis.evolution(rdf())) == EVOLUTION


def test_evolution_from_the_actor_graph_agrees():
    assert _evolution(analysis.evolution(small())) == EVOLUTION


@pytest.mark.parametrize("at, expected", [
    ("2021-03", ("2021-03", 6, 4, "Acme Vision", 2)),  # the gYear 2021 order counts up to March
    ("2021-02", ("2021-02", 5, 3, "Acme Vision", 2)),
    ("2018", ("2018", 0, 0, None, None)),
])
def test_evolution_at_a_date(at, expected):
    assert _evolution(analysis.evolution(rdf(), at=at)) == [expected]


def test_evolution_with_a_filter():
    # source 004: call-1 (2021-03, B-D), the post (2021-09, C-E), statement-1 (2022, C-E).
    # 2021: four actors of degree 1 and one action each -> label decides (Alpha Regulator);
    # 2022: C-E now has two actions, so C and E lead on weighted degree -> Beta Police.
    rows = analysis.evolution(rdf(), flt=NetworkFilter(sources={"004"}))
    assert _evolution(rows) == [("2021", 4, 2, "Alpha Regulator", 1), ("2022", 4, 2, "Beta Police", 1)]


def test_evolution_bad_date():
    with pytest.raises(InputError, match="bad date"):
        analysis.evolution(rdf(), at="2021-3")


# --- the shipped graph -------------------------------------------------------------------------


def test_shipped_clearview_is_the_most_central_actor():
    G = shipped()
    for measure in analysis.MEASURES:
        assert analysis.centrality(G, measure)[0]["actor"] == CLEARVIEW, measure
    assert analysis.centrality(G)[0]["label"] == "Clearview AI"


def test_shipped_path_from_the_swedish_police_to_the_aclu_runs_through_clearview():
    rows = analysis.path(shipped(), "Polismyndigheten", "ACLU")
    assert {r["path"] for r in rows} == {1}
    assert [(r["hop"], r["from"], r["to"]) for r in rows] == [
        (1, "Swedish Police Authority (Polismyndigheten)", "Clearview AI"),
        (2, "Clearview AI", "American Civil Liberties Union (ACLU)"),
        (2, "Clearview AI", "American Civil Liberties Union (ACLU)"),
    ]
    assert rows[0]["text"] == (
        "Swedish Police Authority (Polismyndigheten) —[Use, undated, source 002]→ Clearview AI: "
        "Swedish Police Authority uses Clearview's service")
    assert [r["action"] for r in rows[1:]] == [ID + "action/aclu-lawsuit", ID + "action/aclu-settlement"]


def test_shipped_danish_national_police_and_nc3_are_connected():
    G = shipped()
    assert nx.has_path(G, RIGSPOLITIET, NC3)
    rows = analysis.path(G, "Rigspolitiet", "NC3")
    assert len(rows) == 1 and "is part of" in rows[0]["text"]


def test_shipped_clearview_component_is_the_largest():
    rows = analysis.components(shipped())
    assert "Clearview AI" in rows[0]["members"].split(" | ")
    assert rows[0]["size"] == max(r["size"] for r in rows)


def test_shipped_evolution_is_monotone():
    rows = analysis.evolution(shipped_rdf())
    assert [r["up_to"] for r in rows] == sorted(r["up_to"] for r in rows)
    for before, after in zip(rows, rows[1:]):
        assert before["actors"] <= after["actors"] and before["edges"] <= after["edges"]
    assert rows[-1]["label"] == "Clearview AI"


# --- command line ------------------------------------------------------------------------------


@click.group()
def cvkg():
    """A stand-in for the main group (cli.main adds ``analyse`` the same way)."""


cvkg.add_command(analyse)


def run(*args: str):
    return CliRunner().invoke(cvkg, ["analyse", *args], catch_exceptions=False)


def run_small(*args: str):
    command, *rest = args
    return run(command, "--no-shipped", "--data", SMALL, *rest)


def test_cli_every_subcommand_has_help_with_an_example():
    for name, command in analyse.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Examples:" in result.output and f"cvkg analyse {name}" in result.output, name
        for option in ("--actor-type", "--action-type", "--source", "--from", "--to", "--format", "--output"):
            assert option in result.output, (name, option)
    assert set(analyse.commands) == {"centrality", "communities", "path", "ego", "components", "stats", "evolution"}


def test_cli_centrality_csv():
    result = run_small("centrality", "--measure", "degree", "--format", "csv")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "rank,actor,label,degree"
    assert lines[1] == f"1,{A},Acme Vision,4"
    assert len(lines) == 9


def test_cli_stats_json_with_filter():
    result = run_small("stats", "--action-type", "EnforcementAction", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)[:2] == [{"measure": "actors", "value": 2}, {"measure": "edges", "value": 1}]


def test_cli_filters_repeat():
    result = run_small("components", "--source", "000", "--source", "003", "--format", "json")
    assert json.loads(result.output) == [
        {"component": 1, "size": 4, "members": "Acme Vision | Beta Police | Delta Court | Gamma Rights"}]


def test_cli_date_bounds():
    result = run_small("stats", "--from", "2021", "--to", "2021", "--format", "json")
    assert {r["measure"]: r["value"] for r in json.loads(result.output)}["edges"] == 3


def test_cli_communities_json():
    result = run("communities", "--no-shipped", "--data", str(FIXTURES / "cliques.ttl"), "--format", "json")
    assert json.loads(result.output) == [
        {"community": 1, "size": 4, "modularity": round(11 / 26, 6), "members": "P1 | P2 | P3 | P4"},
        {"community": 2, "size": 4, "modularity": round(11 / 26, 6), "members": "Q1 | Q2 | Q3 | Q4"},
    ]


def test_cli_path_table_on_the_shipped_graph():
    result = run("path", "Polismyndigheten", "ACLU", "--format", "tsv")
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith(
        "1\t1\tSwedish Police Authority (Polismyndigheten)\tClearview AI\t" + ID + "action/swedish-police-use\t")


def test_cli_ego_and_evolution():
    assert run_small("ego", "Betapolisen", "--radius", "1", "--format", "json").exit_code == 0
    result = run_small("evolution", "--at", "2021-03", "--format", "csv")
    assert result.output.splitlines() == [
        "up_to,actors,edges,most_central,label,degree", f"2021-03,6,4,{A},Acme Vision,2"]


def test_cli_output_file(tmp_path):
    target = tmp_path / "stats.csv"
    result = run_small("stats", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text(encoding="utf-8").startswith("measure,value\nactors,8\n")


@pytest.mark.parametrize("args, code, message", [
    (("path", "Acme Vison", "Acme"), 2, "Error: no actor matches 'Acme Vison'; did you mean 'Acme Vision'"),
    (("stats", "--from", "2021-13"), 2, "Error: bad start date '2021-13'"),
    (("evolution", "--at", "soon"), 2, "Error: bad date 'soon'"),
    (("stats", "--actor-type", "Regulator"), 2, "Error: no actor type matches 'Regulator'"),
    (("path", "Acme", "Privacy Group"), 1, "Error: no path between 'Acme' and 'Privacy Group'"),
])
def test_cli_errors_are_one_line_without_traceback(args, code, message):
    result = CliRunner().invoke(cvkg, ["analyse", args[0], "--no-shipped", "--data", SMALL, *args[1:]])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
