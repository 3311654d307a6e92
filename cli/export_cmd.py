"""``cvkg export``: the graph as RDF, as a network for Gephi / Cytoscape / yEd / Graphviz, as an
interactive offline web page, or as a timeline picture.

Register it on the main group with ``cli.add_command(export)`` (import path
``clearview_kg.cli.export_cmd:export``).

Writing is atomic (core.atomic): a temporary file in the target's directory, renamed when
complete; after an error or Ctrl-C no partial file is left. An existing file is refused
without ``--force``. Text formats go to standard output with ``-o -`` (the default); binary
formats (png, timeline-png) and csv (two files) need ``-o``.

Producing each file (serialising the graph, running Graphviz, drawing the timeline) shows a
progress bar on stderr when it takes more than a second and stderr is a terminal
(core.progress). The format lists come from core.formats, and the modules that do the work
(rdflib, networkx, matplotlib) are imported only when the command runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click

from ..core import atomic, formats, progress
from ..core.errors import InputError
from ..core.source import Source
from .options import filter_options, source_options

if TYPE_CHECKING:  # for annotations only; the command imports them when it runs
    from rdflib import Graph

    from ..core import network

# The same lists as core.export_rdf.RDF_FORMATS, core.export_network.NETWORK_FORMATS and
# core.export_timeline.TIMELINE_FORMATS (tests/test_lazy_imports.py checks), without importing them.
RDF_FORMATS = formats.EXPORT_RDF_FORMATS  # turtle ntriples nquads trig jsonld
NETWORK_FORMATS = formats.EXPORT_NETWORK_FORMATS  # graphml gexf cytoscape dot svg png csv
PAGE_FORMATS = ("html",)
TIMELINE_FORMATS = formats.EXPORT_TIMELINE_FORMATS  # timeline-png timeline-svg
FORMATS = RDF_FORMATS + NETWORK_FORMATS + PAGE_FORMATS + TIMELINE_FORMATS
BINARY = {"png", "timeline-png"}

#: Output file extension -> format, used when --format is not given.
BY_EXTENSION = {
    ".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig", ".jsonld": "jsonld",
    ".graphml": "graphml", ".gexf": "gexf", ".cyjs": "cytoscape", ".dot": "dot", ".gv": "dot",
    ".svg": "svg", ".png": "png", ".csv": "csv", ".html": "html", ".htm": "html",
}


def infer_format(output_path: str) -> str:
    suffix = os.path.splitext(output_path)[1].lower()
    fmt = BY_EXTENSION.get(suffix)
    if fmt is None:
        raise click.UsageError(
            "give --format (one of " + ", ".join(FORMATS) + ")"
            + (f"; the extension {suffix!r} does not say which" if suffix else "")
        )
    return fmt


def output_paths(fmt: str, output_path: str) -> list[str]:
    """The files ``fmt`` writes for ``-o output_path`` (one, or two for csv)."""
    if fmt == "csv":
        from ..core import export_network

        return list(export_network.csv_paths(output_path))
    return [output_path]


def _facts(graph: Graph, with_ontology: bool, fetched: bool = False) -> tuple[Graph, Graph | None]:
    """The loaded graph without the ontology's triples; and the ontology when asked for.
    ``fetched``: the graph came from a --endpoint, with blank node labels of its own, so the
    ontology's blank node structures (OWL restrictions) are matched by shape."""
    from ..core import store

    ontology = store.load_graph(include_shipped=False)
    facts = store.difference(graph, ontology) if fetched else graph - ontology
    return facts, (ontology if with_ontology else None)


def _is_empty(flt: network.NetworkFilter) -> bool:
    return not (flt.actor_types or flt.action_types or flt.sources or flt.dated)


def produce(fmt: str, graph: Graph, flt: network.NetworkFilter, kind: str, with_ontology: bool,
            fetched: bool = False) -> Iterator[bytes | Iterator[bytes]]:
    """The content of each output file, in the order of ``output_paths``: its bytes, or an
    iterator of chunks for a file written as it is produced (RDF from the local store); lazily,
    so that a failure half-way (the edges after the nodes) happens inside the atomic write."""
    from ..core import export_html, export_network, export_rdf, export_timeline, network

    if fmt in RDF_FORMATS:
        from rdflib import URIRef

        from ..core import store

        classes = export_rdf.action_classes(graph)
        keep = None
        if not _is_empty(flt):
            # Organisational links have pseudo ids ("<S> org:subOrganizationOf <P>"), not IRIs.
            keep = {URIRef(a.id) for a in network.derive(graph, flt).actions if not a.id.startswith("<")}
        owner = store.owner_of(graph)
        if getattr(owner, "kind", None) == "oxigraph" and owner.ontology_triples():
            # The local store: written from its indexes, no rdflib copy (core.export_rdf_stream).
            import pyoxigraph as ox

            from ..core import export_rdf_stream

            yield export_rdf_stream.chunks(
                owner, fmt, [ox.NamedNode(str(c)) for c in classes],
                None if keep is None else {ox.NamedNode(str(a)) for a in keep}, with_ontology)
            return
        facts, ontology = _facts(graph, with_ontology, fetched)
        selected = export_rdf.select(facts, keep, classes)
        yield export_rdf.serialize(export_rdf.build(selected, fmt, classes, ontology), fmt)
    elif fmt == "csv":
        G = export_network.build_graph(graph, flt, kind)
        yield export_network.nodes_csv(G)
        yield export_network.edges_csv(G)
    elif fmt in NETWORK_FORMATS:
        yield export_network.render(export_network.build_graph(graph, flt, kind), fmt)
    elif fmt == "html":
        yield export_html.to_html(graph, flt)
    elif fmt in TIMELINE_FORMATS:
        yield export_timeline.to_timeline(graph, flt, fmt.split("-", 1)[1])
    else:  # pragma: no cover - click.Choice keeps others out
        raise InputError(f"unknown format {fmt!r}")


def _label(fmt: str) -> str:
    """What the progress bar says while one file of ``fmt`` is produced."""
    if fmt in RDF_FORMATS:
        return f"Serialising the graph as {fmt}"
    if fmt in ("svg", "png"):
        return f"Drawing the network with Graphviz ({fmt})"
    if fmt in TIMELINE_FORMATS:
        return "Drawing the timeline"
    return f"Exporting {fmt}"


def with_progress(parts: Iterator[bytes], label: str) -> Iterator[bytes]:
    """``parts``, each produced under a progress bar (drawn only for work over a second, on a
    terminal) that is erased before the part is written; a part written in chunks as it is
    produced (RDF from the local store) draws its own bars while it is written."""
    while True:
        with progress.bar(label):
            try:
                part = next(parts)
            except StopIteration:
                return
        yield part


def write_part(handle, part: bytes | Iterator[bytes]) -> None:
    """Write one file's content: bytes, or chunks as they are produced."""
    if isinstance(part, bytes):
        handle.write(part)
        return
    for chunk in part:
        handle.write(chunk)


def write_outputs(paths: Sequence[str], parts: Iterator[bytes | Iterator[bytes]], force: bool) -> None:
    """Write each part to its path, all or nothing."""
    with atomic.atomic_files(paths, force) as handles:
        for handle in handles:
            write_part(handle, next(parts))


@click.command(name="export")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None, metavar="FORMAT",
              help="One of: " + ", ".join(FORMATS) + ". Default: from the -o file's extension.")
@click.option("--output", "-o", "output_path", default="-", show_default=True, metavar="FILE",
              help="Write to FILE ('-' is standard output, for text formats). For csv: a prefix "
                   "(PREFIX-nodes.csv, PREFIX-edges.csv) or an existing directory.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--network", "kind", type=click.Choice(("actors", "bipartite")), default="actors",
              show_default=True,
              help="For network formats: actors linked by shared actions, or actors and actions "
                   "as two kinds of node.")
@click.option("--with-ontology", is_flag=True,
              help="For RDF formats: include the ontology (in TriG / N-Quads as the named graph "
                   "https://w3id.org/clearview-kg/ontology).")
@source_options
@filter_options
def export(fmt: str | None, output_path: str, force: bool, kind: str, with_ontology: bool,
           source: Source, actor_types: tuple[str, ...],
           action_types: tuple[str, ...], sources: tuple[str, ...], date_from: str | None,
           date_to: str | None) -> None:
    """Export the graph for other tools: RDF, networks, a web page or a timeline picture.

    \b
    RDF       turtle, ntriples, jsonld (one graph; JSON-LD with the context
              https://w3id.org/clearview-kg/context.jsonld), trig, nquads (one
              named graph per source article: which source says what)
    networks  graphml (yEd, Gephi, Cytoscape), gexf (Gephi, with colours and a
              timeline), cytoscape (Cytoscape.js / Cytoscape desktop .cyjs), dot,
              svg and png (drawn by Graphviz's dot), csv (node and edge lists)
    page      html: one self-contained interactive page, works offline
    picture   timeline-png, timeline-svg: dated actions by actor

    The filters (--actor-type, --action-type, --source, --from, --to) select the actions
    as in 'cvkg analyse'; RDF exports keep every actor, law, place and source and drop
    the actions the filters exclude. Existing files are kept unless --force is given.

    \b
    Examples:
        cvkg export --format turtle > clearview.ttl
        cvkg export -o clearview.trig
        cvkg export --format gexf -o saga.gexf
        cvkg export --format html -o saga.html --from 2021
        cvkg export --format csv -o out/saga        # out/saga-nodes.csv, out/saga-edges.csv
        cvkg export --format timeline-png -o timeline.png --source 002
        cvkg export --format turtle --endpoint http://localhost:7878/query > from-server.ttl
    """
    if fmt is None:
        if output_path == "-":
            raise click.UsageError("give --format (one of " + ", ".join(FORMATS) + ")")
        fmt = infer_format(output_path)
    to_stdout = output_path == "-"
    if to_stdout and fmt in BINARY:
        raise click.UsageError(f"--format {fmt} is binary: give -o FILE")
    if to_stdout and fmt == "csv":
        raise click.UsageError("--format csv writes two files: give -o PREFIX or -o DIRECTORY")
    paths = [] if to_stdout else output_paths(fmt, output_path)
    if paths:
        atomic.check_writable(paths, force)  # fail before any work

    from ..core import network

    flt = network.NetworkFilter(
        actor_types=frozenset(actor_types), action_types=frozenset(action_types),
        sources=frozenset(sources), date_from=date_from, date_to=date_to,
    )
    graph = source.graph()  # from a --endpoint: one CONSTRUCT of the whole graph
    # Every store but an rdflib graph parsed in this process has blank node labels of its own.
    parts = with_progress(produce(fmt, graph, flt, kind, with_ontology, fetched=True), _label(fmt))
    if to_stdout:
        stream = click.get_binary_stream("stdout")
        for part in parts:
            write_part(stream, part)
        stream.flush()
        return
    write_outputs(paths, parts, force)
    click.echo("Wrote " + ", ".join(paths), err=True)
