"""Network analyses of the actor graph (networkx), as plain rows.

Every function takes the graph made by ``core.network.actor_graph`` (``evolution`` also takes
the RDF graph itself) and returns a list of dict rows whose values are ``None``, ``str``,
``int``, ``float`` or ``Iri`` (a ``str`` that table output may shorten to ``ido:...``), so that
the command line formats them like query results. Floats are rounded to 6 decimals.

Choices worth knowing:

- Degree is the number of neighbours; weighted degree the sum of edge weights (the number of
  actor-action-actor links); betweenness is unweighted (a weight is a number of actions, not
  a distance) and normalised by ``2 / ((n-1)(n-2))`` over the whole graph, as networkx's
  ``betweenness_centrality(G, normalized=True)``.
- Betweenness is exact up to a budget (``EXACT_WORK_LIMIT``: n * (n + m) <= 10^9, about 17 s;
  networkx itself on small graphs, igraph above, the same values to rounding) and estimated
  from sampled source actors beyond it, with a 95% error bound per actor (``betweenness``
  says how). ``centrality`` rows then carry ``betweenness_error`` and ``betweenness_method``.
- Eigenvector centrality is computed on each connected component separately (networkx power
  iteration with weights), then scaled by ``sqrt(component size / number of actors)``: the
  vector of the whole graph has unit length, as networkx's has for a connected graph (for a
  connected graph the values are networkx's), and no component is zeroed just because
  another one has a larger eigenvalue. An isolated actor scores 0; a component whose
  iteration does not converge scores None.
- PageRank is the weighted, undirected PageRank with damping 0.85 and a uniform jump; an
  isolated actor (no edges) spreads its rank uniformly, as in networkx. It is networkx's
  power iteration, done here with numpy, because networkx's own needs scipy.
- Both iterations run on numpy arrays of the graph (``_Arrays``), so that 10^6 triples (4,203
  actors, 24,076 edges) take 0.2 s and 0.06 s instead of 11 s and 4 s in plain Python.
- Communities: greedy modularity maximisation (Clauset-Newman-Moore) with weights, or Louvain
  with a fixed seed; the modularity is networkx's weighted modularity of the partition.
- Shortest paths count hops (unweighted).
- ``evolution`` uses only dated actions: an undated action (and an actor that takes part in
  undated actions only) never appears in any year. An action counts as "up to" a date when
  its period starts on or before the end of that date's period (a gYear 2021 action counts
  up to 2021-03).
"""

from __future__ import annotations

import difflib
import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
from rdflib import Graph

from . import progress
from .errors import InputError, NotFoundError
from .labels import Name, normalise, suggest
from .namespaces import compact, expand, local_name
from .network import NetworkFilter, derive, graph_from_network, parse_period
from .terms import LIST_SEPARATOR, Iri

MEASURES: tuple[str, ...] = ("degree", "weighted_degree", "betweenness", "eigenvector", "pagerank")
COMMUNITY_METHODS: tuple[str, ...] = ("greedy", "louvain")
SEPARATOR = LIST_SEPARATOR  # between the members of a group, as the named queries' GROUP_CONCAT


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _label(G: nx.Graph, node: str) -> str:
    return G.nodes[node].get("label") or str(node)


def _members(G: nx.Graph, nodes: Iterable[str]) -> list[str]:
    return sorted((_label(G, n) for n in nodes), key=lambda s: (s.casefold(), s))


# --- measures ----------------------------------------------------------------------------------
#
# Every measure works on the same arrays of the graph (``_Arrays``): the nodes sorted by key, the
# edges once each as index pairs with their weights, the self-loops apart. PageRank and the
# eigenvector centrality are networkx's own power iterations, vectorised with numpy (same start,
# same update, same stopping rule, so the same values to rounding); betweenness is networkx's on
# small graphs and igraph's above, exactly or from sampled pivots (see ``betweenness``).

#: How the betweenness is computed: ``auto`` is exact when ``exact_work`` is at most
#: ``EXACT_WORK_LIMIT``, sampled otherwise.
BETWEENNESS_METHODS: tuple[str, ...] = ("auto", "exact", "sampled")
#: The largest n * (n + m) (actors times actors-plus-edges: one breadth-first search and one
#: accumulation per source) for which ``auto`` computes the exact betweenness. 10^9 is about 17 s
#: of igraph on one core of the benchmark machine (benchmarks/RESULTS.md); the actor graph of
#: 10^6 generated triples (4,203 actors, 24,076 edges) needs 1.2 * 10^8, about 2 s.
EXACT_WORK_LIMIT = 1_000_000_000
#: Up to this n * (n + m), exact betweenness is networkx's own: it takes under a second there,
#: less than importing igraph (which imports matplotlib).
NX_WORK_LIMIT = 1_000_000
#: A sampled pivot costs about this many times its share of an exact run (one igraph call per
#: pivot, to keep each pivot's contributions for the error bound).
PIVOT_COST = 3
#: Fewest pivots drawn when their number is not given, whatever the size.
MIN_SAMPLES = 100
#: Confidence of the stated error of sampled betweenness (per actor).
CONFIDENCE = 0.95
#: The columns that say how the betweenness was computed and how far it may be off.
BETWEENNESS_ERROR, BETWEENNESS_METHOD = "betweenness_error", "betweenness_method"


class _Arrays:
    """A graph as arrays: ``nodes`` sorted by key, ``u``, ``v``, ``w`` the edges other than
    self-loops once each (sorted index pairs u < v and their weights, a missing weight counting
    1), ``loops`` and ``loop_w`` the self-loops. Nothing depends on the order in which nodes and
    edges were added, so neither do the sampled pivots nor the last bits of any sum. ``igraph``
    and ``membership`` (connected component per node) are made on first use."""

    def __init__(self, G: nx.Graph) -> None:
        self.G = G
        self.nodes = sorted(G, key=lambda node: (str(node), type(node).__name__))
        self.index = index = {node: i for i, node in enumerate(self.nodes)}
        self.n = n = len(self.nodes)
        edges, loops = [], []
        for a, b, data in G.edges(data=True):
            i, j = sorted((index[a], index[b]))
            (loops if i == j else edges).append((i, j, data.get("weight", 1)))
        edges.sort()
        loops.sort()
        self.pairs = [(i, j) for i, j, _ in edges]
        pairs = np.array(self.pairs, dtype=np.int64).reshape(-1, 2)
        self.u, self.v = pairs[:, 0], pairs[:, 1]
        self.w = np.array([w for _, _, w in edges], dtype=float)
        self.loops = np.array([i for i, _, _ in loops], dtype=np.int64)
        self.loop_w = np.array([w for _, _, w in loops], dtype=float)
        self.m = len(edges)
        self._igraph = None
        self._membership = None
        #: the number of neighbours other than the node itself
        self.neighbours = np.bincount(self.u, minlength=n) + np.bincount(self.v, minlength=n)

    @property
    def igraph(self):
        if self._igraph is None:
            import igraph

            self._igraph = igraph.Graph(n=self.n, edges=self.pairs, directed=False)
        return self._igraph

    @property
    def membership(self) -> np.ndarray:
        """The connected component of each node, numbered 0, 1, ..."""
        if self._membership is None:
            membership = np.zeros(self.n, dtype=np.int64)
            for label, component in enumerate(nx.connected_components(self.G)):
                membership[[self.index[node] for node in component]] = label
            self._membership = membership
        return self._membership

    def spread(self, x: np.ndarray) -> np.ndarray:
        """A x for the weighted adjacency matrix A (a self-loop counts once, as in networkx's
        ``G[n]``)."""
        y = np.zeros(self.n)  # float even without edges (bincount of nothing is int)
        y += np.bincount(self.v, weights=self.w * x[self.u], minlength=self.n)
        y += np.bincount(self.u, weights=self.w * x[self.v], minlength=self.n)
        if self.loops.size:
            y += np.bincount(self.loops, weights=self.loop_w * x[self.loops], minlength=self.n)
        return y

    def strength(self) -> np.ndarray:
        """The sum of the weights of each node's edges (a self-loop once)."""
        return (np.zeros(self.n) + np.bincount(self.u, weights=self.w, minlength=self.n)
                + np.bincount(self.v, weights=self.w, minlength=self.n)
                + np.bincount(self.loops, weights=self.loop_w, minlength=self.n))

    def as_dict(self, values) -> dict:
        return dict(zip(self.nodes, values))


def pagerank(G: nx.Graph, alpha: float = 0.85, max_iter: int = 1000, tol: float = 1e-12,
             arrays: _Arrays | None = None) -> dict:
    """Weighted PageRank of an undirected graph: networkx's definition and power iteration
    (uniform start and jump, an actor without edges spreads its rank uniformly, stop when the
    L1 change is below n * tol), with numpy."""
    a = arrays or _Arrays(G)
    n = a.n
    if n == 0:
        return {}
    strength = a.strength()
    dangling = strength == 0
    share = np.divide(alpha, strength, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = a.spread(x * share)
        new += (1.0 - alpha) / n + alpha * x[dangling].sum() / n
        change = np.abs(new - x).sum()
        x = new
        if change < n * tol:
            break
    return a.as_dict(x.tolist())


def eigenvector(G: nx.Graph, max_iter: int = 1000, tol: float = 1e-10,
                arrays: _Arrays | None = None) -> dict:
    """Eigenvector centrality per connected component, scaled by sqrt(size / n) (see above).

    Each component runs networkx's power iteration on A + I (``eigenvector_centrality`` with
    weights: start uniform, normalise to unit length, stop when the L1 change is below
    size * tol) - all components at once with numpy, each stopping at its own iteration.
    """
    a = arrays or _Arrays(G)
    n = a.n
    if n == 0:
        return {}
    comp = a.membership
    size = np.bincount(comp).astype(float)
    count = size.size
    x = 1.0 / size[comp]
    active = size > 1
    for _ in range(max_iter):
        if not active.any():
            break
        y = x + a.spread(x)
        norm = np.sqrt(np.bincount(comp, weights=y * y, minlength=count))
        norm[norm == 0] = 1.0
        y /= norm[comp]
        change = np.bincount(comp, weights=np.abs(y - x), minlength=count)
        x = np.where(active[comp], y, x)
        active &= ~(change < size * tol)
    values = (x * np.sqrt(size / n)[comp]).tolist()
    failed = active[comp].tolist()
    single = (size[comp] == 1).tolist()
    return a.as_dict(None if bad else 0.0 if alone else value
                     for value, bad, alone in zip(values, failed, single))


@dataclass(frozen=True)
class Betweenness:
    """Normalised betweenness of every node, how it was computed and how far it may be off.

    ``values`` and ``errors`` map each node to a float: for ``method == "exact"`` the error is
    0; for ``"sampled"`` it is the half-width of a ``confidence`` interval around the value
    (see ``betweenness``). ``samples`` is the number of pivots drawn, ``seed`` their seed."""

    values: dict
    errors: dict
    method: str
    samples: int = 0
    seed: int | None = None
    confidence: float | None = None

    @property
    def description(self) -> str:
        """``exact`` or ``sampled, K pivots, seed S`` (the betweenness_method column)."""
        if self.method == "exact":
            return "exact"
        return f"sampled, {self.samples} pivots, seed {self.seed}"


def exact_work(n: int, m: int) -> int:
    """The work of exact betweenness: one search and one accumulation per source."""
    return n * (n + m)


def default_samples(n: int, m: int) -> int:
    """How many pivots are drawn when not told: as many as fit in ``EXACT_WORK_LIMIT``, but no
    more than the n actors (beyond that, exact is cheaper) and no fewer than ``MIN_SAMPLES``."""
    return max(MIN_SAMPLES, min(n, EXACT_WORK_LIMIT // (PIVOT_COST * max(n + m, 1))))


def betweenness(G: nx.Graph, method: str = "auto", samples: int | None = None, seed: int = 1,
                engine: str | None = None, arrays: _Arrays | None = None) -> Betweenness:
    """Unweighted betweenness, normalised as networkx's ``betweenness_centrality(G,
    normalized=True)`` for undirected graphs: the sum over ordered pairs (s, t) of the share of
    shortest s-t paths through the node, divided by (n-1)(n-2) (0 when n <= 2).

    ``method``:

    - ``exact``: Brandes' algorithm over every source, by networkx itself when
      ``exact_work(n, m) <= NX_WORK_LIMIT`` and by igraph (in chunks of sources, with a
      progress bar) above; ``engine`` ("networkx" or "igraph") forces one. igraph's values are
      networkx's to rounding error (igraph counts each unordered pair once: twice its value is
      networkx's sum over ordered pairs).
    - ``sampled``: ``samples`` pivots (default ``default_samples``) drawn uniformly with
      replacement from the nodes sorted by key, with ``random.Random(seed)``: the same graph,
      samples and seed give the same values. Each pivot s gives the dependency d_s(v) of every
      node (igraph, single source); the value is n / (n-1)(n-2) times the mean of d_s(v) over
      the pivots, an unbiased estimate. The error is the half-width of a ``CONFIDENCE`` interval
      per node from the empirical Bernstein bound (Maurer and Pontil 2009, Theorem 4, applied to
      both tails) on the pivots' d_s(v) / R, R being the node's component size minus 2 (no
      pivot can give more): sqrt(2 V ln(4/a) / k) + 7 ln(4/a) / (3 (k-1)), V the sample variance,
      k the pivots, a = 1 - CONFIDENCE. It holds whatever the distribution of the
      contributions, which for betweenness is heavy-tailed (a node may owe much of its value to
      a few sources); a normal-approximation interval (1.96 standard errors from the same
      pivots) missed the true value for 10-40% of the actors of the generated graphs, this
      bound for none. The price is width: in those runs the bound was at least 2.5 times the
      actual error of every actor, and for the top 20 typically 10-20 times. A node with at most one
      neighbour, or in a component of at most two nodes, is on no shortest path: exactly 0.
    - ``auto``: ``exact`` when ``exact_work(n, m) <= EXACT_WORK_LIMIT`` and no ``samples`` is
      given, ``sampled`` otherwise.
    """
    if method not in BETWEENNESS_METHODS:
        raise NotFoundError(f"no betweenness method matches '{method}'",
                            difflib.get_close_matches(method, BETWEENNESS_METHODS))
    if samples is not None and samples < 2:
        raise InputError(f"sampled betweenness needs at least 2 pivots, not {samples}")
    a = arrays or _Arrays(G)
    n, m = a.n, a.m
    if method == "auto":
        method = "exact" if samples is None and exact_work(n, m) <= EXACT_WORK_LIMIT else "sampled"
    if engine not in (None, "networkx", "igraph"):
        raise NotFoundError(f"no betweenness engine matches '{engine}'",
                            difflib.get_close_matches(str(engine), ("networkx", "igraph")))
    if method == "exact":
        if engine == "networkx" or (engine is None and exact_work(n, m) <= NX_WORK_LIMIT):
            found = nx.betweenness_centrality(G, normalized=True)
            values = [found[node] for node in a.nodes]
        else:
            values = _exact_betweenness(a).tolist()
        return Betweenness(a.as_dict(values), a.as_dict([0.0] * n), "exact")
    k = samples if samples is not None else default_samples(n, m)
    values, errors = _sampled_betweenness(a, k, seed)
    return Betweenness(a.as_dict(values.tolist()), a.as_dict(errors.tolist()), "sampled",
                       samples=k, seed=seed, confidence=CONFIDENCE)


def _exact_betweenness(a: _Arrays) -> np.ndarray:
    n = a.n
    total = np.zeros(n)
    if n <= 2 or a.m == 0:
        return total
    step = max(1, -(-n // 100))
    with progress.bar("Betweenness", total=n) as bar:
        for start in range(0, n, step):
            sources = list(range(start, min(n, start + step)))
            # igraph counts each unordered pair once: half of the ordered-pair dependencies.
            total += np.asarray(a.igraph.betweenness(directed=False, sources=sources), dtype=float)
            bar.update(len(sources))
    return total * (2.0 / ((n - 1) * (n - 2)))


def _sampled_betweenness(a: _Arrays, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = a.n
    values, errors = np.zeros(n), np.zeros(n)
    if n <= 2 or a.m == 0:
        return values, errors
    rng = random.Random(seed)
    draws = Counter(int(rng.random() * n) for _ in range(k))
    total, total_sq = np.zeros(n), np.zeros(n)
    with progress.bar("Betweenness (sampled)", total=k) as bar:
        for source in sorted(draws):
            count = draws[source]
            # igraph gives half of the source's dependency d_s(v) on an undirected graph.
            d = 2.0 * np.asarray(a.igraph.betweenness(directed=False, sources=[source]), dtype=float)
            total += count * d
            total_sq += count * d * d
            bar.update(count)
    scale = n / ((n - 1) * (n - 2))
    values = scale * total / k
    size = np.bincount(a.membership)[a.membership]
    reach = np.maximum(size - 2, 0).astype(float)  # no pivot gives a node more than this
    log_term = math.log(4.0 / (1.0 - CONFIDENCE))
    variance = np.maximum(total_sq - total * total / k, 0.0) / (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance01 = np.where(reach > 0, variance / (reach * reach), 0.0)
    half = np.sqrt(2.0 * variance01 * log_term / k) + 7.0 * log_term / (3.0 * (k - 1))
    errors = scale * reach * np.minimum(half, 1.0)
    certain = (a.neighbours <= 1) | (reach == 0)
    values[certain] = 0.0
    errors[certain] = 0.0
    return values, errors


def centrality_columns(measure: str = "all") -> tuple[str, ...]:
    """The columns of ``centrality(G, measure)``'s rows, in display order: the measures keep
    their places; with betweenness, its error and method come last."""
    wanted = MEASURES if measure == "all" else (measure,)
    extra = (BETWEENNESS_ERROR, BETWEENNESS_METHOD) if "betweenness" in wanted else ()
    return ("rank", "actor", "label") + tuple(wanted) + extra


def _round_up(value: float) -> float:
    """A bound rounded up to the 6 decimals of the values, so that it stays a bound."""
    return math.ceil(value * 1e6) / 1e6


def centrality(G: nx.Graph, measure: str = "all", betweenness_method: str = "auto",
               samples: int | None = None, seed: int = 1) -> list[dict]:
    """Actors ranked by centrality: rank, actor, label and the measure(s).

    ``measure`` is ``"all"`` (every measure; ranked by pagerank, then label) or one of
    ``MEASURES`` (only that one; ranked by it, then label). With betweenness, each row also has
    ``betweenness_error`` (0 when exact; for sampled betweenness the half-width of a 95%
    interval, rounded up) and ``betweenness_method`` (``exact`` or ``sampled, K pivots, seed
    S``); ``betweenness_method``, ``samples`` and ``seed`` are those of ``betweenness``.
    """
    if measure != "all" and measure not in MEASURES:
        raise NotFoundError(f"no centrality measure matches '{measure}'",
                            difflib.get_close_matches(measure, MEASURES + ("all",)))
    wanted = MEASURES if measure == "all" else (measure,)
    if G.number_of_nodes() == 0:
        return []
    a = _Arrays(G) if set(wanted) & {"betweenness", "eigenvector", "pagerank"} else None
    values: dict[str, dict] = {}
    between = None
    if "degree" in wanted:
        values["degree"] = dict(G.degree())
    if "weighted_degree" in wanted:
        values["weighted_degree"] = dict(G.degree(weight="weight"))
    if "betweenness" in wanted:
        between = betweenness(G, betweenness_method, samples, seed, arrays=a)
        values["betweenness"] = between.values
    if "eigenvector" in wanted:
        values["eigenvector"] = eigenvector(G, arrays=a)
    if "pagerank" in wanted:
        values["pagerank"] = pagerank(G, arrays=a)
    rank_by = "pagerank" if measure == "all" else measure
    rows = []
    for node in G:
        row: dict = {"actor": Iri(node), "label": _label(G, node)}
        for name in wanted:
            value = values[name][node]
            row[name] = value if isinstance(value, int) else _r(value)
        if between is not None:
            row[BETWEENNESS_ERROR] = _round_up(between.errors[node])
            row[BETWEENNESS_METHOD] = between.description
        rows.append(row)
    rows.sort(key=lambda row: (-(row[rank_by] if row[rank_by] is not None else -math.inf),
                               row["label"].casefold(), row["actor"]))
    return [{"rank": i, **row} for i, row in enumerate(rows, 1)]


# --- communities and components ---------------------------------------------------------------


def _group_rows(G: nx.Graph, groups: Iterable[Iterable[str]], name: str) -> list[dict]:
    listed = [(_members(G, group), group) for group in groups]
    listed.sort(key=lambda item: (-len(item[0]), [m.casefold() for m in item[0]]))
    return [
        {name: i, "size": len(labels), "members": SEPARATOR.join(labels)}
        for i, (labels, _) in enumerate(listed, 1)
    ]


def community_sets(G: nx.Graph, method: str = "greedy", seed: int = 1) -> list[set]:
    """The partition found by ``method`` ("greedy" or "louvain"); every actor is in one set."""
    if method not in COMMUNITY_METHODS:
        raise NotFoundError(f"no community method matches '{method}'",
                            difflib.get_close_matches(method, COMMUNITY_METHODS))
    if G.number_of_edges() == 0:
        return [{n} for n in G]
    if method == "louvain":
        found = nx.community.louvain_communities(G, weight="weight", seed=seed)
    else:
        found = nx.community.greedy_modularity_communities(G, weight="weight")
    return [set(c) for c in found]


def communities(G: nx.Graph, method: str = "greedy", seed: int = 1) -> tuple[list[dict], float | None]:
    """Communities (number, size, members' labels), largest first, and the modularity of
    the partition (None for a graph without edges, where modularity is undefined)."""
    sets = community_sets(G, method, seed)
    score = None
    if G.number_of_edges():
        score = _r(nx.community.modularity(G, sets, weight="weight"))
    return _group_rows(G, sets, "community"), score


def components(G: nx.Graph) -> list[dict]:
    """Connected components (number, size, members' labels), largest first."""
    return _group_rows(G, nx.connected_components(G), "component")


def degree_distribution(G: nx.Graph) -> dict[int, int]:
    """degree -> number of actors with that degree, by increasing degree."""
    return dict(sorted(Counter(d for _, d in G.degree()).items()))


def stats(G: nx.Graph) -> list[dict]:
    """Size, density, components and degree distribution, as (measure, value) rows."""
    n = G.number_of_nodes()
    sizes = sorted((len(c) for c in nx.connected_components(G)), reverse=True)
    rows = [
        {"measure": "actors", "value": n},
        {"measure": "edges", "value": G.number_of_edges()},
        {"measure": "actions", "value": G.graph.get("actions")},
        {"measure": "undated actions", "value": G.graph.get("undated_actions")},
        {"measure": "density", "value": _r(nx.density(G)) if n else 0.0},
        {"measure": "components", "value": len(sizes)},
        {"measure": "largest component", "value": sizes[0] if sizes else 0},
        {"measure": "isolated actors", "value": sum(1 for _, d in G.degree() if d == 0)},
    ]
    rows += [{"measure": f"actors of degree {k}", "value": v} for k, v in degree_distribution(G).items()]
    return rows


# --- names, paths, neighbourhoods --------------------------------------------------------------


def _names(G: nx.Graph) -> list[Name]:
    names = []
    for node, data in G.nodes(data=True):
        names.append(Name(Iri(node), data.get("label") or str(node), "en", "prefLabel"))
        for lang, values in (data.get("labels") or {}).items():
            names.extend(Name(Iri(node), v, lang or None, "altLabel") for v in values)
    return names


def resolve_actor(G: nx.Graph, name: str) -> str:
    """The node that ``name`` designates: its IRI, prefixed name (``ido:aclu``), IRI slug
    (``aclu``) or any label in any language, compared as ``core.labels`` does (case,
    typographic apostrophes and spacing ignored). Raises NotFoundError with suggestions
    ("no actor matches 'X'; did you mean 'Y'?") when none does, and InputError when several
    actors share the name."""
    text = str(name).strip().strip("<>") if str(name).strip().startswith("<") else str(name).strip()
    if text in G:
        return text
    expanded = expand(text)
    if expanded is not None and str(expanded) in G:
        return str(expanded)
    wanted = normalise(text)
    if not wanted:
        raise NotFoundError("no actor matches an empty name")
    names = _names(G)
    hits = {n.actor for n in names if normalise(n.text) == wanted}
    if not hits:
        hits = {node for node in G if normalise(local_name(node)) == wanted}
    if len(hits) == 1:
        return str(hits.pop())
    if hits:
        listed = "; ".join(f"{_label(G, n)} ({compact(n)})" for n in sorted(hits, key=lambda n: (_label(G, n), n)))
        raise InputError(f"'{name}' names several actors: {listed}; give the IRI instead")
    raise NotFoundError(f"no actor matches '{name}'", suggest(text, names))


def _sources_text(sources: list[str]) -> str:
    if not sources:
        return "no source"
    return ("source " if len(sources) == 1 else "sources ") + ", ".join(sources)


def hop_text(from_label: str, to_label: str, action: dict) -> str:
    """One hop in words: ``A —[Use, undated, source 002]→ B: <action label>``."""
    date = action.get("date") or "undated"
    return (f"{from_label} —[{action['type']}, {date}, {_sources_text(action.get('sources') or [])}]→ "
            f"{to_label}: {action['label']}")


def path(G: nx.Graph, a: str, b: str) -> list[dict]:
    """All shortest paths between two actors, one row per action behind each hop.

    Columns: path (1-based), hop (1-based), from, to (labels), action (IRI or link id), text
    (``hop_text``). A hop backed by several actions gives several rows. No path: no rows.
    """
    source, target = resolve_actor(G, a), resolve_actor(G, b)
    if source == target:
        raise InputError(f"'{a}' and '{b}' name the same actor ({_label(G, source)})")
    if not nx.has_path(G, source, target):
        return []
    paths = sorted(nx.all_shortest_paths(G, source, target),
                   key=lambda p: [_label(G, n).casefold() for n in p])
    rows = []
    for i, nodes in enumerate(paths, 1):
        for j, (u, v) in enumerate(zip(nodes, nodes[1:]), 1):
            for action in G.edges[u, v]["actions"]:
                rows.append({
                    "path": i, "hop": j, "from": _label(G, u), "to": _label(G, v),
                    "action": Iri(action["id"]) if action["id"].startswith("http") else action["id"],
                    "text": hop_text(_label(G, u), _label(G, v), action),
                })
    return rows


def ego(G: nx.Graph, name: str, radius: int = 1) -> list[dict]:
    """The neighbourhood of an actor within ``radius`` hops: node rows, then edge rows.

    Columns: kind ("node" or "edge"), actor, label, other, other_label, distance, weight,
    actions. A node row gives the actor and its distance from the centre; an edge row gives
    its two ends (``actor`` the one nearer the centre), the distance of the farther end, the
    weight and the labels of its actions.
    """
    if radius < 0:
        raise InputError(f"the radius must be 0 or more, not {radius}")
    centre = resolve_actor(G, name)
    distance = nx.single_source_shortest_path_length(G, centre, cutoff=radius)
    nodes = sorted(distance, key=lambda n: (distance[n], _label(G, n).casefold(), n))
    rows = [
        {"kind": "node", "actor": Iri(n), "label": _label(G, n), "other": None, "other_label": None,
         "distance": distance[n], "weight": None, "actions": None}
        for n in nodes
    ]
    edges = []
    for u, v, data in G.subgraph(distance).edges(data=True):
        if (distance[v], _label(G, v).casefold(), v) < (distance[u], _label(G, u).casefold(), u):
            u, v = v, u
        edges.append((distance[v], distance[u], _label(G, u).casefold(), _label(G, v).casefold(), u, v, data))
    for far, _, _, _, u, v, data in sorted(edges, key=lambda e: e[:4] + (e[4], e[5])):
        rows.append({
            "kind": "edge", "actor": Iri(u), "label": _label(G, u), "other": Iri(v),
            "other_label": _label(G, v), "distance": far, "weight": data.get("weight"),
            "actions": SEPARATOR.join(a["label"] for a in data.get("actions", [])),
        })
    return rows


# --- evolution ---------------------------------------------------------------------------------


def _snapshot(G: nx.Graph, until) -> nx.Graph:
    """The actors and edges of G backed by actions dated up to the day ``until``."""
    H = nx.Graph()
    for node, data in G.nodes(data=True):
        first = parse_period(data.get("first_date") or "")
        if first is not None and first.start <= until:
            H.add_node(node, label=_label(G, node))
    for u, v, data in G.edges(data=True):
        count = 0
        for action in data.get("actions", []):
            period = parse_period(action.get("date") or "")
            if period is not None and period.start <= until:
                count += 1
        if count:
            H.add_edge(u, v, weight=count)
    return H


def _snapshot_row(H: nx.Graph, up_to: str) -> dict:
    best = None
    if H.number_of_nodes():
        best = min(H, key=lambda n: (-H.degree(n), -H.degree(n, weight="weight"),
                                     H.nodes[n]["label"].casefold(), n))
    return {
        "up_to": up_to,
        "actors": H.number_of_nodes(),
        "edges": H.number_of_edges(),
        "most_central": None if best is None else Iri(best),
        "label": None if best is None else H.nodes[best]["label"],
        "degree": None if best is None else H.degree(best),
    }


def evolution(source: Graph | nx.Graph, at: str | None = None,
              flt: NetworkFilter | None = None) -> list[dict]:
    """How the network grew: per year of the actions' dates, the actors, edges and the most
    central actor (by degree; ties by weighted degree, then label) counting only actions
    dated up to the end of that year. With ``at`` (YYYY, YYYY-MM or YYYY-MM-DD), one row for
    the network up to the end of that period instead.

    ``source`` is the RDF graph (derived with ``flt``) or an actor graph already derived; in
    the latter case the years are those of the edges' actions and of the actors' first and
    last dates (a year in which only single-actor actions happened may then be missing).
    """
    until = None
    if at is not None:
        until = parse_period(str(at))
        if until is None:
            raise InputError(f"bad date {at!r}: expected YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)")
    if isinstance(source, nx.Graph):
        G = source
        years: set[int] = set()
        for _, data in G.nodes(data=True):
            for key in ("first_date", "last_date"):
                period = parse_period(data.get(key) or "")
                if period is not None:
                    years.add(period.start.year)
        for _, _, data in G.edges(data=True):
            for action in data.get("actions", []):
                period = parse_period(action.get("date") or "")
                if period is not None:
                    years.add(period.start.year)
    else:
        net = derive(source, flt, quotes=False)
        G = graph_from_network(net)
        years = {a.period.start.year for a in net.actions if a.period is not None}
    if until is not None:
        return [_snapshot_row(_snapshot(G, until.end), until.iso)]
    rows = []
    for year in sorted(years):
        end = parse_period(f"{year:04d}").end
        rows.append(_snapshot_row(_snapshot(G, end), f"{year:04d}"))
    return rows
