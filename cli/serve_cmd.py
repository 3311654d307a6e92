"""``cvkg serve``: a read-only SPARQL 1.1 Protocol endpoint and an offline query page."""

from __future__ import annotations

import click

from .options import data_options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers only this machine; another address "
                   "lets anyone who can reach it run queries.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the address is printed).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.1, max=86400),
              metavar="SECONDS",
              help="Wall-clock limit of one query. A query still running then is stopped (its "
                   "worker process is killed and replaced) and answered with 504.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000), metavar="N",
              help="Most rows (or triples) in one answer; beyond it the first N are sent, marked "
                   "truncated (header X-Cvkg-Truncated: true).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), metavar="N",
              help="Query worker processes, each running one query at a time.")
@click.option("--queue-timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1, max=86400),
              metavar="SECONDS", help="How long a request may wait for a free worker before a 503.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log one line per request on stderr.")
@data_options
def serve(host: str, port: int, timeout: float, max_rows: int, workers: int, queue_timeout: float, quiet: bool,
          data: tuple[str, ...], no_shipped: bool) -> None:
    """Serve the graph over HTTP: a read-only SPARQL endpoint and a query page.

    GET or POST /sparql (SPARQL 1.1 Protocol: query=... as a URL or form field, or the query
    as an application/sparql-query body). The Accept header chooses the format:
    application/sparql-results+json (default), application/sparql-results+xml, text/csv or
    text/tab-separated-values, and for CONSTRUCT/DESCRIBE text/turtle or
    application/n-triples; so there is no --format or --output here. param=NAME=VALUE binds
    ?NAME as --param does in 'cvkg query'. Updates, SERVICE and FROM are refused (403).
    Open http://127.0.0.1:8000/ for the query page; GET /queries lists the named queries.

    Every query runs in a worker process that holds the graph; one that runs past --timeout
    is killed and replaced. Ctrl-C or SIGTERM stops the server and its workers.

    \b
    Example:
        cvkg serve
        cvkg serve --port 8080 --timeout 30 --data my-facts.ttl
        curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s a cv:Fine }' \\
             http://127.0.0.1:8000/sparql
    """
    from ..core import server

    settings = server.Settings(
        host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers,
        queue_timeout=queue_timeout, data=tuple(data), include_shipped=not no_shipped, quiet=quiet,
    )
    server.serve(settings)
