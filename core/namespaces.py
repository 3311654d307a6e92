"""Prefixes known to clearview_kg, and IRI compaction / expansion with them.

The same prefixes are pre-declared for ad-hoc SPARQL (``cvkg query -e``), accepted in
``--param NAME=prefix:local`` values, and used to shorten IRIs in table output. Where several
namespaces match an IRI the longest one wins, so facts show as ``ido:clearview-ai`` or
``act:ico-fine``, as they are written in graph/*.ttl.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef

ID = "https://w3id.org/clearview-kg/id/"

#: The named graph that holds the ontology: in the store (beside its copy in the default graph,
#: so that "the facts" are the default graph less it) and in TriG / N-Quads exports.
ONTOLOGY_GRAPH_IRI = "https://w3id.org/clearview-kg/ontology"

#: prefix -> namespace IRI; order matters only for equal-length matches (first wins).
PREFIXES: dict[str, str] = {
    "cv": "https://w3id.org/clearview-kg/ontology#",
    "cvv": "https://w3id.org/clearview-kg/vocab/",
    "id": ID,
    "src": ID + "source/",
    "ido": ID + "org/",
    "idp": ID + "person/",
    "post": ID + "post/",
    "law": ID + "law/",
    "place": ID + "place/",
    "tech": ID + "tech/",
    "act": ID + "action/",
    "cfl": ID + "conflict/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "cvsh": "https://w3id.org/clearview-kg/shapes#",
}

CV = Namespace(PREFIXES["cv"])
CVV = Namespace(PREFIXES["cvv"])
SKOS = Namespace(PREFIXES["skos"])
SH = Namespace(PREFIXES["sh"])

# Longest namespace first, for compaction.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))

# Characters that may not appear in the local part of a prefixed name we print.
_UNSAFE_LOCAL = set(" \t\n\"'<>{}|^`\\,;()[]#?")


def compact(iri: str) -> str:
    """Shorten an IRI with the longest matching known prefix; return it unchanged if none fits."""
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns):
            local = iri[len(ns):]
            if local and not (set(local) & _UNSAFE_LOCAL) and not local.endswith("."):
                return f"{prefix}:{local}"
    return iri


def expand(name: str) -> URIRef | None:
    """Expand ``prefix:local`` when ``prefix`` is known; otherwise return None."""
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in PREFIXES or local.startswith("//"):
        return None
    return URIRef(PREFIXES[prefix] + local)


def local_name(iri: str) -> str:
    """The last segment of an IRI (after '#' or the last '/'), for a fallback label."""
    for sep in ("#", "/", ":"):
        if sep in iri.rstrip(sep):
            return iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def sparql_prologue() -> str:
    """PREFIX declarations for every known prefix (for queries sent as text)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
