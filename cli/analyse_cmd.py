"""``cvkg analyse``: network analyses of the actor graph (core.network, core.analysis).

Every subcommand derives the actor network with the same filter options and prints rows in
the same formats as ``cvkg query`` (table, csv, tsv, json; ``--output FILE``).

The core modules (networkx, rdflib, igraph behind them) are imported inside the commands, when
one runs: ``cvkg --help`` and every ``--help`` import none of them. The choices of the options
are therefore spelled out here; tests/test_analysis_scale.py checks them against core.analysis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..core.errors import CvkgError
from . import output
from .options import filter_options, output_options, source_options

if TYPE_CHECKING:
    from ..core.source import Source

#: core.analysis.MEASURES, COMMUNITY_METHODS and BETWEENNESS_METHODS.
MEASURES = ("degree", "weighted_degree", "betweenness", "eigenvector", "pagerank")
COMMUNITY_METHODS = ("greedy", "louvain")
BETWEENNESS_METHODS = ("auto", "exact", "sampled")


def _exact_without_samples(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """--samples with --betweenness exact is refused when the options are parsed, before the
    graph is loaded (whichever of the two click processes second sees the other)."""
    params = {**ctx.params, param.name: value}
    if params.get("betweenness_method") == "exact" and params.get("samples") is not None:
        raise click.BadParameter("--samples needs --betweenness sampled or auto, not exact",
                                 ctx=ctx, param=param)
    return value


def _actor_graph(graph, flt):
    from ..core import network

    return network.actor_graph(graph, flt, quotes=False)  # no analysis shows quotes


def analysis_command(func: Callable) -> Callable:
    """Give a subcommand the source (--data or --endpoint), filter and output options, and turn every expected error
    (CvkgError) into one line on stderr with the error's exit code."""

    @functools.wraps(func)
    def wrapper(source: Source, actor_types: Sequence[str],
                action_types: Sequence[str], sources: Sequence[str], date_from: str | None,
                date_to: str | None, fmt: str, output_path: str, **kwargs: Any) -> None:
        from ..core import network

        try:
            flt = network.NetworkFilter(
                actor_types=frozenset(actor_types), action_types=frozenset(action_types),
                sources=frozenset(sources), date_from=date_from, date_to=date_to,
            )
            graph = source.graph()  # from a --endpoint: one CONSTRUCT of the whole graph
            func(graph=graph, flt=flt, fmt=fmt, output_path=output_path, **kwargs)
        except CvkgError as exc:
            fail(exc.message, exc.exit_code)

    return source_options(filter_options(output_options(wrapper)))


def emit(rows: list[dict], columns: Sequence[str], fmt: str, output_path: str) -> None:
    output.write(output.render_rows(fmt, list(columns), output.dict_rows(columns, rows)), output_path)


def fail(message: str, code: int = 1) -> None:
    """One ``Error:`` line on stderr, then exit with ``code`` (through click, so that the
    main group still flushes and handles a broken pipe)."""
    click.echo("Error: " + " ".join(str(message).split()), err=True)
    raise click.exceptions.Exit(code)


# --- the group -----------------------------------------------------------------------------------


@click.group(name="analyse")
def analyse() -> None:
    """Network analyses of the actors: who is linked to whom through actions.

    Two actors are linked when they take part in the same action (as agent, target, party,
    recipient, spokesperson, court or scraped platform), or through a post, a
    sub-organisation or a membership; an edge's weight is the number of such actions. The
    filter options (--actor-type, --action-type, --source, --from, --to) select the actors
    and actions first; every subcommand takes them.

    \b
    Examples:
      cvkg analyse centrality
      cvkg analyse path Polismyndigheten ACLU
      cvkg analyse communities --action-type EnforcementAction --format json
      cvkg analyse centrality --endpoint http://localhost:7878/query
    """


@analyse.command()
@click.option("--measure", "-m", type=click.Choice(("all",) + MEASURES), default="all",
              show_default=True, help="One measure only, ranked by it.")
@click.option("--betweenness", "betweenness_method", type=click.Choice(BETWEENNESS_METHODS),
              default="auto", show_default=True, callback=_exact_without_samples,
              help="exact: every actor as a source (networkx, or igraph on larger graphs). "
                   "sampled: an estimate from --samples random source actors, with a 95% error "
                   "bound per actor. auto: exact when actors x (actors + edges) <= 10^9 (some "
                   "17 s; about 12,000 actors at the density of the generated benchmark "
                   "graphs), else sampled.")
@click.option("--samples", type=click.IntRange(min=2), metavar="K", callback=_exact_without_samples,
              help="Sample K source actors (pivots) for the betweenness; implies --betweenness "
                   "sampled (and is refused with exact). Default: as many as fit in the 10^9 "
                   "budget, at least 100, at most the number of actors.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed of the sampled pivots: the same seed gives the same values.")
@analysis_command
def centrality(graph, flt, fmt, output_path, measure, betweenness_method, samples, seed):
    """Rank actors by centrality: degree, weighted degree, betweenness, eigenvector, PageRank.

    With every measure, actors are ranked by PageRank; with --measure, by that measure. The
    eigenvector centrality is computed per connected component (see core/analysis.py).

    Betweenness (unweighted, normalised as networkx's) is exact up to a budget and sampled
    beyond it; two more columns say how it was computed: betweenness_method ("exact", or
    "sampled, K pivots, seed S") and betweenness_error (0 when exact; when sampled, the
    half-width of a 95% interval around each value, from an empirical Bernstein bound, which
    holds whatever the distribution - it is conservative, typically ten times the actual
    error). A sampled ranking is certain only where values differ by more than their errors.

    \b
    Examples:
      cvkg analyse centrality
      cvkg analyse centrality --measure betweenness --actor-type Organisation
      cvkg analyse centrality --from 2021 --to 2021 --format csv -o central-2021.csv
      cvkg analyse centrality --measure betweenness --betweenness sampled --samples 500 --seed 7
    """
    from ..core import analysis

    if samples is not None:
        betweenness_method = "sampled"
    G = _actor_graph(graph, flt)
    rows = analysis.centrality(G, measure, betweenness_method, samples, seed)
    emit(rows, analysis.centrality_columns(measure), fmt, output_path)


@analyse.command()
@click.option("--method", type=click.Choice(COMMUNITY_METHODS), default="greedy",
              show_default=True, help="Greedy modularity (Clauset-Newman-Moore) or Louvain.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed for Louvain.")
@analysis_command
def communities(graph, flt, fmt, output_path, method, seed):
    """Find communities of actors by modularity, with the modularity of the partition.

    Each row is one community (largest first): its number, size and members; the modularity
    column repeats the score of the whole partition (empty for a graph without edges).

    \b
    Examples:
      cvkg analyse communities
      cvkg analyse communities --method louvain --seed 7 --format json
    """
    from ..core import analysis

    G = _actor_graph(graph, flt)
    rows, score = analysis.communities(G, method, seed)
    rows = [{**row, "modularity": score} for row in rows]
    emit(rows, ("community", "size", "modularity", "members"), fmt, output_path)


@analyse.command()
@click.argument("actor_a", metavar="A")
@click.argument("actor_b", metavar="B")
@analysis_command
def path(graph, flt, fmt, output_path, actor_a, actor_b):
    """All shortest paths between two actors, each hop with the actions behind it.

    A and B are any label of an actor in any language (case ignored), its IRI, its prefixed
    name (ido:aclu) or its IRI slug. One row per action behind each hop:
    "A —[type, date, sources]→ B: action". Exit code 1 when there is no path.

    \b
    Examples:
      cvkg analyse path Polismyndigheten ACLU
      cvkg analyse path "Swedish Police Authority (Polismyndigheten)" ido:aclu --format json
    """
    from ..core import analysis

    G = _actor_graph(graph, flt)
    rows = analysis.path(G, actor_a, actor_b)
    if not rows:
        fail(f"no path between '{actor_a}' and '{actor_b}'", 1)
    emit(rows, ("path", "hop", "from", "to", "action", "text"), fmt, output_path)


@analyse.command()
@click.argument("name")
@click.option("--radius", "-r", type=click.IntRange(min=0), default=1, show_default=True,
              help="How many hops from the actor.")
@analysis_command
def ego(graph, flt, fmt, output_path, name, radius):
    """The neighbourhood of one actor: the actors within --radius hops, then the edges
    among them with their weights and actions.

    \b
    Examples:
      cvkg analyse ego Rigspolitiet
      cvkg analyse ego "Clearview AI" --radius 2 --action-type EnforcementAction
    """
    from ..core import analysis

    G = _actor_graph(graph, flt)
    rows = analysis.ego(G, name, radius)
    emit(rows, ("kind", "actor", "label", "other", "other_label", "distance", "weight", "actions"),
         fmt, output_path)


@analyse.command()
@analysis_command
def components(graph, flt, fmt, output_path):
    """The connected components of the actor network, largest first.

    \b
    Examples:
      cvkg analyse components
      cvkg analyse components --source 004 --format csv
    """
    from ..core import analysis

    G = _actor_graph(graph, flt)
    emit(analysis.components(G), ("component", "size", "members"), fmt, output_path)


@analyse.command()
@analysis_command
def stats(graph, flt, fmt, output_path):
    """Size of the network: actors, edges, actions (and how many are undated), density,
    components and the degree distribution.

    \b
    Examples:
      cvkg analyse stats
      cvkg analyse stats --actor-type PublicBody --format json
    """
    from ..core import analysis

    G = _actor_graph(graph, flt)
    emit(analysis.stats(G), ("measure", "value"), fmt, output_path)


@analyse.command()
@click.option("--at", "at", metavar="DATE",
              help="One row for the network up to DATE (YYYY, YYYY-MM or YYYY-MM-DD) instead "
                   "of one row per year.")
@analysis_command
def evolution(graph, flt, fmt, output_path, at):
    """How the network grew: per year, the actors, edges and most central actor (by
    degree), counting only actions dated up to the end of that year.

    Undated actions never count, so actors known only from undated actions do not appear.
    A year-precise action counts up to any date of its year (2021 counts up to 2021-03).

    \b
    Examples:
      cvkg analyse evolution
      cvkg analyse evolution --at 2021-03
    """
    from ..core import analysis

    rows = analysis.evolution(graph, at=at, flt=flt)
    emit(rows, ("up_to", "actors", "edges", "most_central", "label", "degree"), fmt, output_path)


__all__ = ["analyse"]
