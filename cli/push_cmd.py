"""``cvkg push``: publish the graph to a SPARQL server with the Graph Store Protocol
(core.store.push, core.endpoint.GraphStore).

Register it on the main group with ``cli.add_command(push)``.
"""

from __future__ import annotations

import click

from ..core.source import DEFAULT_GRAPH, Source
from ..core.terms import Iri
from . import output
from .options import credential_options, data_options, endpoint_option, output_options, read_password, timeout_option

#: Default of --chunk-triples: core.endpoint.CHUNK_TRIPLES, repeated here so that defining the
#: option does not import core.endpoint (and rdflib); tests/test_lazy_imports.py checks they agree.
CHUNK_TRIPLES = 100_000


def _endpoint(func):
    return endpoint_option(func, required=True, help_text="The server's SPARQL query endpoint URL "
                           "(e.g. http://localhost:7878/query, http://localhost:8890/sparql).")


@click.command(name="push")
@_endpoint
@click.option("--graph", "graph", default=DEFAULT_GRAPH, show_default=True, metavar="IRI",
              help="The named graph that receives the whole graph (what the read commands read "
                   "with --endpoint; give them the same --graph).")
@click.option("--store-url", "store_url", metavar="URL",
              help="The Graph Store Protocol URL. Default: BASE/store for Oxigraph, "
                   "BASE/sparql-graph-crud-auth (with --user) or BASE/sparql-graph-crud for Virtuoso.")
@click.option("--chunk-triples", "chunk_triples", type=click.IntRange(min=1),
              default=CHUNK_TRIPLES, show_default=True, metavar="N",
              help="Send a large graph in requests of about N triples (a PUT, then POSTs).")
@credential_options
@timeout_option
@data_options
@output_options
def push(endpoint: str, graph: str, store_url: str | None, chunk_triples: int, user: str | None,
         password_file: str | None, timeout: float, data: tuple[str, ...], no_shipped: bool,
         fmt: str, output_path: str) -> None:
    """Publish the graph to a SPARQL server (SPARQL 1.1 Graph Store Protocol).

    Sends the ontology, the shipped facts and any --data files. The whole graph goes into one
    named graph (--graph), which the read commands query with --endpoint; each named graph of
    the TriG export (one per source article: which source says what; and the ontology) is
    written as well, under its own name. Each graph is replaced, not added to. On an error
    half-way, a graph may be partly written: push again.

    Credentials: --user NAME, with the password from $CVKG_PASSWORD, --password-file FILE or
    a prompt (never on the command line). Virtuoso needs them (Digest authentication).

    \b
    Example:
        cvkg push --endpoint http://localhost:7878/query
        CVKG_PASSWORD=... cvkg push --endpoint http://localhost:8890/sparql --user dba
        cvkg push --endpoint http://localhost:7878/query --data my-facts.ttl
        cvkg query fines --endpoint http://localhost:7878/query
    """
    from ..core import endpoint as endpoint_mod, store

    password = read_password(user, password_file)
    credentials = endpoint_mod.Credentials(user, password) if user is not None else None
    local = Source(data=data, include_shipped=not no_shipped).open()
    report = store.push(local, endpoint, graph, store_url, credentials, timeout, chunk_triples)
    rows = [[Iri(r["graph"]), r["triples"], r["requests"], r["what"]] for r in report.graphs]
    output.write(output.render_rows(fmt, ["graph", "triples", "requests", "what"], rows), output_path)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    total = report.graphs[0]["triples"] if report.graphs else 0
    click.echo(
        f"Pushed {total:,} triples to {report.store_url} ({report.server}) in {len(report.graphs)} graphs; "
        f"read them with --endpoint {endpoint}"
        + (f" --graph {graph}" if graph != DEFAULT_GRAPH else ""),
        err=True,
    )

__all__ = ["push"]
