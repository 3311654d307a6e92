"""Plain-rdflib access to the shipped files, independent of clearview_kg.core, so that the
fact tests do not trust the code they are meant to check."""
from __future__ import annotations

import functools
import hashlib
import pathlib

import rdflib

ROOT = pathlib.Path(__file__).resolve().parent.parent
GRAPH_DIR = ROOT / "graph"
CORPUS_DIR = GRAPH_DIR / "corpus"
ONTOLOGY = ROOT / "ontology" / "clearview.ttl"

CV = rdflib.Namespace("https://w3id.org/clearview-kg/ontology#")
CVV = rdflib.Namespace("https://w3id.org/clearview-kg/vocab/")
ID = "https://w3id.org/clearview-kg/id/"
PREFIXES = """
PREFIX cv: <https://w3id.org/clearview-kg/ontology#>
PREFIX cvv: <https://w3id.org/clearview-kg/vocab/>
PREFIX src: <https://w3id.org/clearview-kg/id/source/>
PREFIX ido: <https://w3id.org/clearview-kg/id/org/>
PREFIX idp: <https://w3id.org/clearview-kg/id/person/>
PREFIX act: <https://w3id.org/clearview-kg/id/action/>
PREFIX law: <https://w3id.org/clearview-kg/id/law/>
PREFIX place: <https://w3id.org/clearview-kg/id/place/>
PREFIX cfl: <https://w3id.org/clearview-kg/id/conflict/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def graph_files() -> list[pathlib.Path]:
    return sorted(GRAPH_DIR.glob("*.ttl"))


@functools.lru_cache(maxsize=None)
def facts() -> rdflib.Graph:
    """The shipped facts (graph/*.ttl), without the ontology."""
    g = rdflib.Graph()
    for path in graph_files():
        g.parse(data=path.read_bytes(), format="turtle")
    return g


@functools.lru_cache(maxsize=None)
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ONTOLOGY.read_bytes(), format="turtle")


def corpus_text(source_id: str) -> str:
    (path,) = CORPUS_DIR.glob(f"{source_id}_*.txt")
    return path.read_text(encoding="utf-8")


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(query: str, **bindings) -> list[tuple]:
    result = facts().query(PREFIXES + query, initBindings=bindings)
    return [tuple(row) for row in result]

SHARED_SOURCES = ROOT.parent / "shared" / "sources"
