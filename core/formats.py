"""Format names and file extensions, in a module that imports nothing heavy.

The command line needs these when it defines its options (the ``--help`` text and the
``click.Choice`` lists), long before any command runs; the modules that do the work
(``core.rdfio``, ``core.export_rdf``, ``core.export_network``, ``core.export_timeline``) import
rdflib, networkx or matplotlib, so the lists live here and ``cvkg --help`` loads none of them.
``core.rdfio.FORMATS`` is this module's ``RDF_EXTENSIONS``; the export lists are checked against
the export modules' own by tests/test_lazy_imports.py.
"""

from __future__ import annotations

#: Input file extension -> rdflib parser format (core.rdfio reads files by these).
RDF_EXTENSIONS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
}

#: ``cvkg export`` RDF formats (core.export_rdf.RDF_FORMATS' keys, in its order).
EXPORT_RDF_FORMATS: tuple[str, ...] = ("turtle", "ntriples", "nquads", "trig", "jsonld")
#: ``cvkg export`` network formats (core.export_network.NETWORK_FORMATS).
EXPORT_NETWORK_FORMATS: tuple[str, ...] = ("graphml", "gexf", "cytoscape", "dot", "svg", "png", "csv")
#: ``cvkg export`` timeline pictures (core.export_timeline.TIMELINE_FORMATS).
EXPORT_TIMELINE_FORMATS: tuple[str, ...] = ("timeline-png", "timeline-svg")
