"""Network analyses of the actor graph (networkx), as plain rows.

Every function takes the graph made by ``core.network.actor_graph`` (``evolution`` also takes
the RDF graph itself) and returns a list of dict rows whose values are ``None``, ``str``,
``int``, ``float`` or ``Iri`` (a ``str`` that table output may shorten to ``ido:...``), so that
the command line formats them like query results. Floats are rounded to 6 decimals.

Choices worth knowing:

- Degree is the number of neighbours; weighted degree the sum of edge weights (the number of
  actor-action-actor links); betweenness is unweighted (a weight is a number of actions, not
  a distance) and normalised by ``2 / ((n-1)(n-2))`` over the whole graph.
- Eigenvector centrality is computed on each connected component separately (networkx power
  iteration with weights), then scaled by ``sqrt(component size / number of actors)``: the
  vector of the whole graph has unit length, as networkx's has for a connected graph (for a
  connected graph the values are networkx's), and no component is zeroed just because
  another one has a larger eigenvalue. An isolated actor scores 0; a component whose
  iteration does not converge scores None.
- PageRank is the weighted, undirected PageRank with damping 0.85 and a uniform jump; an
  isolated actor (no edges) spreads its rank uniformly, as in networkx. It is computed here in
  plain Python, because networkx's own needs scipy.
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
from collections import Counter
from collections.abc import Iterable

import networkx as nx
from rdflib import Graph

from .errors import InputError, NotFoundError
from .labels import Name, normalise, suggest
from .namespaces import compact, expand, local_name
from .network import NetworkFilter, derive, graph_from_network, parse_period
from .terms import Iri

MEASURES: tuple[str, ...] = ("degree", "weighted_degree", "betweenness", "eigenvector", "pagerank")
COMMUNITY_METHODS: tuple[str, ...] = ("greedy", "louvain")
SEPARATOR = " | "  # between the members of a group, as the named queries' GROUP_CONCAT


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _label(G: nx.Graph, node: str) -> str:
    return G.nodes[node].get("label") or str(node)


def _members(G: nx.Graph, nodes: Iterable[str]) -> list[str]:
    return sorted((_label(G, n) for n in nodes), key=lambda s: (s.casefold(), s))


# --- measures ----------------------------------------------------------------------------------


def pagerank(G: nx.Graph, alpha: float = 0.85, max_iter: int = 1000, tol: float = 1e-12) -> dict:
    """Weighted PageRank of an undirected graph (networkx's definition), in plain Python."""
    n = G.number_of_nodes()
    if n == 0:
        return {}
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


def eigenvector(G: nx.Graph) -> dict:
    """Eigenvector centrality per connected component, scaled by sqrt(size / n) (see above)."""
    n = G.number_of_nodes()
    result: dict = {}
    for component in nx.connected_components(G):
        if len(component) == 1:
            result.update(dict.fromkeys(component, 0.0))
            continue
        sub = G.subgraph(component)
        try:
            values = nx.eigenvector_centrality(sub, max_iter=1000, tol=1e-10, weight="weight")
        except nx.PowerIterationFailedConvergence:
            result.update(dict.fromkeys(component, None))
            continue
        scale = math.sqrt(len(component) / n)
        result.update({k: v * scale for k, v in values.items()})
    return result


def centrality(G: nx.Graph, measure: str = "all") -> list[dict]:
    """Actors ranked by centrality: rank, actor, label and the measure(s).

    ``measure`` is ``"all"`` (every measure; ranked by pagerank, then label) or one of
    ``MEASURES`` (only that one; ranked by it, then label).
    """
    if measure != "all" and measure not in MEASURES:
        raise NotFoundError(f"no centrality measure matches '{measure}'",
                            difflib.get_close_matches(measure, MEASURES + ("all",)))
    wanted = MEASURES if measure == "all" else (measure,)
    values: dict[str, dict] = {}
    if "degree" in wanted:
        values["degree"] = dict(G.degree())
    if "weighted_degree" in wanted:
        values["weighted_degree"] = dict(G.degree(weight="weight"))
    if "betweenness" in wanted:
        values["betweenness"] = nx.betweenness_centrality(G, normalized=True)
    if "eigenvector" in wanted:
        values["eigenvector"] = eigenvector(G)
    if "pagerank" in wanted:
        values["pagerank"] = pagerank(G)
    rank_by = "pagerank" if measure == "all" else measure
    rows = []
    for node in G:
        row: dict = {"actor": Iri(node), "label": _label(G, node)}
        for name in wanted:
            value = values[name][node]
            row[name] = value if isinstance(value, int) else _r(value)
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
        net = derive(source, flt)
        G = graph_from_network(net)
        years = {a.period.start.year for a in net.actions if a.period is not None}
    if until is not None:
        return [_snapshot_row(_snapshot(G, until.end), until.iso)]
    rows = []
    for year in sorted(years):
        end = parse_period(f"{year:04d}").end
        rows.append(_snapshot_row(_snapshot(G, end), f"{year:04d}"))
    return rows
