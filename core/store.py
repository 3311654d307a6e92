"""The store: one place that decides where the graph lives.

``load_graph`` is the only function that chooses the store. Today it is an in-memory rdflib
``Graph`` holding the ontology, the shipped facts (graph/*.ttl) and any user files; everything
downstream (SPARQL, validation, analyses) receives what it returns. Swapping in Oxigraph or a
remote SPARQL endpoint later means changing this module (and core.sparql's execution), not
the commands.

Shipped files are parsed once per process and kept by content digest, so commands and tests
that load the graph repeatedly pay for parsing only once; each call still returns a fresh
graph that the caller may change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Graph

from . import rdfio, resources
from .namespaces import PREFIXES

_PARSED: dict[tuple[str, str], Graph] = {}


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def _parsed(packaged: resources.PackagedFile) -> Graph:
    data = packaged.read_bytes()
    key = (packaged.display, hashlib.sha256(data).hexdigest())
    graph = _PARSED.get(key)
    if graph is None:
        graph = rdfio.parse_rdf(data, "turtle", packaged.display)
        _PARSED[key] = graph
    return graph


def shipped_files(include_ontology: bool = True, include_facts: bool = True) -> list[resources.PackagedFile]:
    """The packaged files that make up the shipped graph, in load order."""
    files: list[resources.PackagedFile] = []
    if include_ontology:
        files += resources.ontology_files()
    if include_facts:
        files += resources.graph_files()
    return files


def load_graph(
    extra_paths: Iterable[str] = (),
    include_shipped: bool = True,
    include_ontology: bool = True,
) -> Graph:
    """Load the ontology, the shipped facts (unless ``include_shipped`` is false) and the
    RDF files at ``extra_paths`` into one graph.

    Raises ``InputError`` with a one-line message for a missing or malformed file.
    """
    graph = new_graph()
    for packaged in shipped_files(include_ontology, include_shipped):
        graph += _parsed(packaged)
    for path in extra_paths:
        graph += rdfio.read_rdf_file(str(path))
    return graph
