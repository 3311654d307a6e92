"""Centrality at scale (core.analysis): exact betweenness through igraph, sampled betweenness
with a stated error, and the numpy PageRank and eigenvector iterations - each against
networkx's own results.

- igraph's exact betweenness equals networkx's ``betweenness_centrality(G, normalized=True)``
  on graphs with several components, isolated actors, self-loops, integer keys, the shipped
  actor graph and the actor graph of a generated 10^4-triple saga (benchmarks/generate.py).
- Sampled betweenness: its stated error bound covers the true (exact) error of every actor;
  where the sampled top-20 ranking differs from the exact one, the stated errors say the two
  actors cannot be told apart; the estimate converges to the exact values; a seed gives the
  same values whatever the order the actors were added in.
- ``auto`` is exact on small graphs and sampled beyond ``EXACT_WORK_LIMIT``.
- The command line: --betweenness, --samples, --seed, the two betweenness columns.

No test measures time: speed is for benchmarks/ (see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import math
import pathlib
import shutil
import subprocess
import sys
import tempfile

import click
import networkx as nx
import pytest
from click.testing import CliRunner

from clearview_kg.cli import analyse_cmd
from clearview_kg.core import analysis, progress, store
from clearview_kg.core.errors import InputError, NotFoundError
from clearview_kg.core.network import actor_graph

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent
SMALL = TESTS / "fixtures_network" / "small.ttl"


# --- graphs ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def generated_path() -> pathlib.Path:
    """A generated saga graph of 10^4 triples (seed 1), written once per session into a
    folder removed when the session ends."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="cvkg-scale-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / "g.ttl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "1e4",
                    "--seed", "1", "--out", str(out)], check=True, capture_output=True, timeout=120)
    return out


@functools.lru_cache(maxsize=None)
def generated() -> nx.Graph:
    """The actor graph of the generated graph (77 actors, 226 edges)."""
    return actor_graph(store.load_graph([str(generated_path())], include_shipped=False))


@functools.lru_cache(maxsize=None)
def shipped() -> nx.Graph:
    return actor_graph(store.load_graph())


@functools.lru_cache(maxsize=None)
def small() -> nx.Graph:
    return actor_graph(store.load_graph([str(SMALL)], include_shipped=False))


def plain(edges, nodes=(), weights=None) -> nx.Graph:
    G = nx.Graph()
    G.add_nodes_from(nodes)
    for i, (u, v) in enumerate(edges):
        G.add_edge(u, v, weight=(weights or {}).get((u, v), 1 + i % 3))
    return G


def zoo() -> dict[str, nx.Graph]:
    """Graphs with the shapes that break centrality code: several components, isolated nodes,
    self-loops, ties, integer keys, 0-2 nodes."""
    random_graph = nx.gnm_random_graph(60, 150, seed=5)
    random_graph.add_nodes_from(range(60, 65))  # isolated
    for i, (u, v) in enumerate(random_graph.edges()):
        random_graph[u][v]["weight"] = 1 + i % 4
    barbell = nx.barbell_graph(5, 3)
    two_parts = plain([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("a", "c"),
                       ("x", "y"), ("y", "z")], nodes=["lonely", "alone"])
    loops = plain([("a", "b"), ("b", "c"), ("b", "b"), ("c", "d"), ("d", "d")])
    return {
        "path": nx.path_graph(7), "star": nx.star_graph(6), "cycle": nx.cycle_graph(9),
        "complete": nx.complete_graph(6), "barbell": barbell, "two parts and isolated": two_parts,
        "self-loops": loops, "random with isolated": random_graph,
        "one node": plain([], nodes=["a"]), "two nodes": plain([("a", "b")]),
        "three isolated": plain([], nodes=["a", "b", "c"]),
        "grid": nx.convert_node_labels_to_integers(nx.grid_2d_graph(5, 6)),
    }


ACTOR_GRAPHS = {"small fixture": small, "shipped": shipped, "generated 1e4": generated}
GRAPH_NAMES = [*zoo(), *ACTOR_GRAPHS]


def graph(name: str) -> nx.Graph:
    return ACTOR_GRAPHS[name]() if name in ACTOR_GRAPHS else zoo()[name]


def all_graphs() -> list[tuple[str, nx.Graph]]:
    return [(name, graph(name)) for name in GRAPH_NAMES]


# --- exact betweenness -------------------------------------------------------------------------


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_igraph_exact_betweenness_equals_networkx(name):
    G = graph(name)
    expected = nx.betweenness_centrality(G, normalized=True)
    for engine in ("igraph", "networkx"):
        found = analysis.betweenness(G, "exact", engine=engine)
        assert found.method == "exact" and found.description == "exact"
        assert set(found.values) == set(G)
        assert all(found.values[n] == pytest.approx(expected[n], abs=1e-12) for n in G), engine
        assert set(found.errors.values()) <= {0.0}


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_centrality_rows_equal_networkx_to_rounding(name):
    G = graph(name)
    expected = nx.betweenness_centrality(G, normalized=True)
    rows = analysis.centrality(G, "betweenness", "exact")
    assert {row["actor"]: row["betweenness"] for row in rows} == {
        str(n): round(v, 6) for n, v in expected.items()}
    assert {(row["betweenness_error"], row["betweenness_method"]) for row in rows} <= {(0.0, "exact")}


def test_auto_is_exact_on_small_graphs():
    for name, G in all_graphs():
        found = analysis.betweenness(G)
        assert found.method == "exact", name
        assert analysis.exact_work(G.number_of_nodes(), G.number_of_edges()) <= analysis.EXACT_WORK_LIMIT
    # the shipped graph through the default centrality table
    assert {row["betweenness_method"] for row in analysis.centrality(shipped())} == {"exact"}


def test_auto_samples_beyond_the_budget(monkeypatch):
    G = generated()
    n, m = G.number_of_nodes(), G.number_of_edges()
    monkeypatch.setattr(analysis, "EXACT_WORK_LIMIT", analysis.exact_work(n, m) - 1)
    found = analysis.betweenness(G)
    assert found.method == "sampled"
    assert found.samples == analysis.default_samples(n, m) == analysis.MIN_SAMPLES
    assert found.description == f"sampled, {analysis.MIN_SAMPLES} pivots, seed 1"
    monkeypatch.setattr(analysis, "EXACT_WORK_LIMIT", analysis.exact_work(n, m))
    assert analysis.betweenness(G).method == "exact"
    # given a number of samples, auto samples
    assert analysis.betweenness(G, samples=10).method == "sampled"


def test_default_samples_fit_the_budget():
    assert analysis.default_samples(10, 20) == analysis.MIN_SAMPLES
    assert analysis.default_samples(5000, 25000) == 5000  # as many pivots as actors, no more
    n, m = 200_000, 1_000_000
    k = analysis.default_samples(n, m)
    assert analysis.MIN_SAMPLES < k < n
    assert k * analysis.PIVOT_COST * (n + m) <= analysis.EXACT_WORK_LIMIT


# --- sampled betweenness -----------------------------------------------------------------------


def exact_and_sampled(G, samples, seed):
    exact = nx.betweenness_centrality(G, normalized=True)
    return exact, analysis.betweenness(G, "sampled", samples=samples, seed=seed)


@pytest.mark.parametrize("name, samples", [
    ("generated 1e4", 10), ("generated 1e4", 30), ("generated 1e4", 100), ("generated 1e4", 1000),
    ("shipped", 20), ("random with isolated", 25), ("barbell", 8), ("grid", 12), ("self-loops", 3),
])
def test_the_stated_error_covers_the_true_error(name, samples):
    G = graph(name)
    for seed in (1, 2, 3):
        exact, found = exact_and_sampled(G, samples, seed)
        assert found.method == "sampled" and found.samples == samples and found.seed == seed
        missed = {n: (exact[n], found.values[n], found.errors[n]) for n in G
                  if abs(found.values[n] - exact[n]) > found.errors[n] + 1e-12}
        assert not missed, (seed, missed)
        # the table rounds the error up, so the printed bound still holds for the printed value
        # (up to the half-unit of rounding of the value itself)
        for row in analysis.centrality(G, "betweenness", "sampled", samples, seed):
            node = next(n for n in G if str(n) == row["actor"])
            assert row["betweenness_error"] >= found.errors[node]
            assert abs(row["betweenness"] - exact[node]) <= row["betweenness_error"] + 5e-7 + 1e-12


def test_sampled_top20_ranking_agrees_with_exact_within_the_stated_error():
    """Wherever the sampled top 20 puts two actors in the other order than the exact one, or
    leaves out one of the exact top 20, the stated errors of the two overlap: the sampled
    ranking never claims an order that the exact values contradict."""
    G = generated()
    nodes = sorted(G)
    exact = nx.betweenness_centrality(G, normalized=True)
    exact_rank = sorted(nodes, key=lambda n: (-exact[n], n))
    for samples, seed in itertools.product((30, 100, 1000), (1, 2, 3)):
        found = analysis.betweenness(G, "sampled", samples=samples, seed=seed)
        value, error = found.values, found.errors
        sampled_rank = sorted(nodes, key=lambda n: (-value[n], n))
        top = set(exact_rank[:20]) | set(sampled_rank[:20])
        for a, b in itertools.permutations(top, 2):
            if exact[a] > exact[b] and value[a] < value[b]:  # ordered the other way round
                assert value[b] - value[a] <= error[a] + error[b], (samples, seed, a, b)
        # and the top actor, far ahead of the rest, is found every time
        assert sampled_rank[0] == exact_rank[0], (samples, seed)


def test_sampled_top20_is_exact_where_the_errors_separate_it():
    """With many pivots the errors shrink below the gaps: then the sampled ranking of every
    actor whose interval is clear of its neighbours' is the exact one."""
    G = generated()
    exact = nx.betweenness_centrality(G, normalized=True)
    found = analysis.betweenness(G, "sampled", samples=50_000, seed=1)
    nodes = sorted(G, key=lambda n: (-found.values[n], n))[:20]
    separated = 0
    for i, node in enumerate(nodes):
        lower = found.values[node] - found.errors[node]
        clear_below = all(lower > found.values[o] + found.errors[o] for o in nodes[i + 1:])
        clear_above = all(found.values[node] + found.errors[node] < found.values[o] - found.errors[o]
                          for o in nodes[:i])
        if clear_below and clear_above:
            separated += 1
            exact_position = sorted(G, key=lambda n: (-exact[n], n)).index(node)
            assert exact_position == i, node
    assert separated >= 3  # the test has teeth: some ranks are certain at this sample size


def test_sampled_converges_to_exact():
    G = generated()
    exact = nx.betweenness_centrality(G, normalized=True)
    errors = []
    for samples in (100, 2000, 50_000):
        found = analysis.betweenness(G, "sampled", samples=samples, seed=4)
        errors.append(max(abs(found.values[n] - exact[n]) for n in G))
    assert errors[-1] < 0.003 < errors[0]
    assert errors[0] > errors[1] > errors[2]
    # unbiased: the mean of the estimates of many seeds is close to the exact value
    top = max(G, key=lambda n: exact[n])
    mean = sum(analysis.betweenness(G, "sampled", samples=20, seed=s).values[top] for s in range(200)) / 200
    assert mean == pytest.approx(exact[top], rel=0.03)


def test_sampled_is_deterministic_with_a_seed():
    G = generated()
    first = analysis.betweenness(G, "sampled", samples=40, seed=7)
    again = analysis.betweenness(G, "sampled", samples=40, seed=7)
    assert first == again
    # the order in which actors were added does not matter: pivots are drawn from sorted keys
    H = nx.Graph()
    H.add_nodes_from(reversed(list(G.nodes(data=True))))
    H.add_edges_from(reversed(list(G.edges(data=True))))
    assert analysis.betweenness(H, "sampled", samples=40, seed=7) == first
    other = analysis.betweenness(G, "sampled", samples=40, seed=8)
    assert other.values != first.values


def test_sampled_values_that_are_certain():
    # a leaf and a member of a pair are on no shortest path: 0, with no error
    G = plain([("a", "b"), ("b", "c"), ("c", "d"), ("x", "y")], nodes=["z"])
    found = analysis.betweenness(G, "sampled", samples=5, seed=1)
    for node in ("a", "d", "x", "y", "z"):
        assert found.values[node] == 0.0 and found.errors[node] == 0.0
    assert found.errors["b"] > 0


def test_bad_betweenness_arguments():
    with pytest.raises(NotFoundError, match="did you mean 'sampled'"):
        analysis.betweenness(small(), "sampeld")
    with pytest.raises(InputError, match="at least 2 pivots"):
        analysis.betweenness(small(), "sampled", samples=1)
    with pytest.raises(NotFoundError, match="engine"):
        analysis.betweenness(small(), "exact", engine="gpu")


def test_sampled_betweenness_shows_progress(monkeypatch, capsys):
    monkeypatch.setenv("CVKG_PROGRESS", "1")
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    analysis.betweenness(generated(), "sampled", samples=30, seed=1)
    analysis.betweenness(generated(), "exact", engine="igraph")
    err = capsys.readouterr().err
    assert "Betweenness (sampled) [" in err and "Betweenness [" in err
    monkeypatch.setenv("CVKG_PROGRESS", "0")
    analysis.betweenness(generated(), "sampled", samples=30, seed=1)
    assert capsys.readouterr().err == ""


# --- PageRank and eigenvector: networkx's iterations, with numpy ------------------------------


def reference_pagerank(G, alpha=0.85, max_iter=1000, tol=1e-12):
    """The plain-Python PageRank that core.analysis had before numpy (networkx's definition)."""
    n = G.number_of_nodes()
    strength = {u: sum(d.get("weight", 1) for _, _, d in G.edges(u, data=True)) for u in G}
    x = dict.fromkeys(G, 1.0 / n)
    for _ in range(max_iter):
        dangling = alpha * sum(x[u] for u in G if strength[u] == 0) / n
        new = dict.fromkeys(G, (1.0 - alpha) / n + dangling)
        for u in G:
            if strength[u]:
                share = alpha * x[u] / strength[u]
                for v, d in G[u].items():
                    new[v] += share * d.get("weight", 1)
        change = sum(abs(new[u] - x[u]) for u in G)
        x = new
        if change < n * tol:
            break
    return x


def reference_eigenvector(G):
    """networkx's eigenvector centrality per component, scaled by sqrt(size / n)."""
    result = {}
    for component in nx.connected_components(G):
        if len(component) == 1:
            result.update(dict.fromkeys(component, 0.0))
            continue
        values = nx.eigenvector_centrality(G.subgraph(component), max_iter=1000, tol=1e-10, weight="weight")
        scale = math.sqrt(len(component) / G.number_of_nodes())
        result.update({k: v * scale for k, v in values.items()})
    return result


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_pagerank_and_eigenvector_equal_networkx(name):
    G = graph(name)
    pr, expected_pr = analysis.pagerank(G), reference_pagerank(G)
    assert all(pr[n] == pytest.approx(expected_pr[n], abs=1e-12) for n in G)
    ev, expected_ev = analysis.eigenvector(G), reference_eigenvector(G)
    assert all(ev[n] == pytest.approx(expected_ev[n], abs=1e-9) for n in G)
    rows = analysis.centrality(G)
    assert {row["actor"]: row["eigenvector"] for row in rows} == {str(n): round(v, 6) for n, v in expected_ev.items()}
    assert {row["actor"]: row["pagerank"] for row in rows} == {str(n): round(v, 6) for n, v in expected_pr.items()}


def test_eigenvector_that_does_not_converge_is_none():
    G = plain([("a", "b"), ("b", "c"), ("c", "d")], nodes=["z"])
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.eigenvector_centrality(G, max_iter=3, tol=1e-10)
    ev = analysis.eigenvector(G, max_iter=3)
    assert ev == {"a": None, "b": None, "c": None, "d": None, "z": 0.0}


# --- command line ------------------------------------------------------------------------------


@click.group()
def cvkg() -> None:
    """A stand-in for the main group."""


cvkg.add_command(analyse_cmd.analyse)


def run(*args: str):
    return CliRunner().invoke(cvkg, ["analyse", "centrality", *args], catch_exceptions=False)


def test_cli_choices_are_those_of_core():
    assert analyse_cmd.MEASURES == analysis.MEASURES
    assert analyse_cmd.COMMUNITY_METHODS == analysis.COMMUNITY_METHODS
    assert analyse_cmd.BETWEENNESS_METHODS == analysis.BETWEENNESS_METHODS


def test_cli_sampled_betweenness_json():
    result = run("--data", str(generated_path()), "--no-shipped", "--measure", "betweenness",
                 "--samples", "60", "--seed", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert list(rows[0]) == ["rank", "actor", "label", "betweenness", "betweenness_error", "betweenness_method"]
    assert {row["betweenness_method"] for row in rows} == {"sampled, 60 pivots, seed 3"}
    expected = analysis.betweenness(generated(), "sampled", samples=60, seed=3)
    by_actor = {str(n): n for n in generated()}
    for row in rows:
        node = by_actor[row["actor"]]
        assert row["betweenness"] == round(expected.values[node], 6)
        assert row["betweenness_error"] >= expected.errors[node]
    assert max(row["betweenness_error"] for row in rows) > 0


def test_cli_exact_and_auto_say_exact():
    for args in ((), ("--betweenness", "exact"), ("--betweenness", "auto")):
        result = run("--data", str(SMALL), "--no-shipped", "--format", "csv", *args)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        # the measures keep their places; the two betweenness columns come last
        assert lines[0] == ("rank,actor,label,degree,weighted_degree,betweenness,eigenvector,"
                            "pagerank,betweenness_error,betweenness_method")
        assert all(line.endswith(",0.0,exact") for line in lines[1:])


def test_cli_samples_with_exact_is_refused():
    for args in (("--betweenness", "exact", "--samples", "5"), ("--samples", "5", "--betweenness", "exact")):
        result = CliRunner().invoke(cvkg, ["analyse", "centrality", "--data", str(SMALL), "--no-shipped", *args])
        assert result.exit_code == 2
        assert "--samples needs --betweenness sampled or auto" in result.output


def test_cli_help_has_the_betweenness_options_and_an_example():
    result = run("--help")
    assert result.exit_code == 0
    for text in ("--betweenness [auto|exact|sampled]", "--samples K", "--seed", "betweenness_error",
                 "cvkg analyse centrality --measure betweenness --betweenness sampled --samples"):
        assert text in result.output, text
