"""The overview a newcomer reads first: what is in the graph, whether it is valid, what it
says about fines and settlements, and where to go next."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph

from . import catalog, sparql, store, validation
from .terms import to_value

_COUNT_BY_TYPE = """
SELECT ?type ?label (COUNT(DISTINCT ?x) AS ?count) WHERE {
  ?type rdfs:subClassOf* ?root .
  ?x a ?type .
  FILTER NOT EXISTS { ?x a ?sub . ?sub rdfs:subClassOf+ ?type . FILTER(?sub != ?type) }
  OPTIONAL { ?type rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
} GROUP BY ?type ?label ORDER BY DESC(?count) ?label
"""

_COUNT_INSTANCES = """
SELECT (COUNT(DISTINCT ?x) AS ?count) WHERE { ?x a/rdfs:subClassOf* ?root }
"""

_DISAGREEMENTS = """
SELECT ?conflict ?topic WHERE {
  ?conflict a cv:Disagreement .
  OPTIONAL { ?conflict skos:prefLabel ?topic FILTER(LANGMATCHES(LANG(?topic), "en")) }
} ORDER BY ?topic
"""

NEXT_STEPS = [
    ("cvkg queries", "list the named queries and the question each answers"),
    ("cvkg query fines", "every fine and proposed fine, with sources and quotes"),
    ("cvkg actor 'Clearview AI'", "everything about one actor, found by any of its names"),
    ("cvkg timeline", "what happened when, oldest first"),
    ("cvkg conflicts", "where the sources disagree, side by side"),
    ("cvkg validate my-facts.ttl", "check your own additions against the shapes"),
]


@dataclass
class Overview:
    triples: int
    validation: dict | None
    actors: int = 0
    actions: int = 0
    sources: list[dict] = field(default_factory=list)
    actors_by_type: list[dict] = field(default_factory=list)
    actions_by_type: list[dict] = field(default_factory=list)
    disagreements: list[dict] = field(default_factory=list)
    fines: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)
    next_steps: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "triples": self.triples,
            "validation": self.validation,
            "actors": self.actors,
            "actions": self.actions,
            "sources": self.sources,
            "actors_by_type": self.actors_by_type,
            "actions_by_type": self.actions_by_type,
            "disagreements": self.disagreements,
            "fines": self.fines,
            "settlements": self.settlements,
            "next_steps": self.next_steps,
        }


def _plain(result: sparql.SelectResult) -> list[dict]:
    return [{k: to_value(v) for k, v in row.items()} for row in result.dicts()]


def _named(graph: Graph, name: str) -> list[dict]:
    query = catalog.get(name)
    return _plain(store.select(graph, query.text, name=query.source))


def _count(graph: Graph, root: str) -> int:
    """The number of distinct instances of cv:``root`` and its subclasses (an actor typed
    both Coalition and LawEnforcementAgency counts once)."""
    from rdflib import URIRef

    from .namespaces import CV

    rows = _plain(store.select(graph, _COUNT_INSTANCES, {"root": URIRef(CV[root])}, name="overview"))
    return int(rows[0]["count"]) if rows else 0


def _by_type(graph: Graph, root: str) -> list[dict]:
    from rdflib import URIRef

    from .namespaces import CV

    rows = _plain(store.select(graph, _COUNT_BY_TYPE, {"root": URIRef(CV[root])}, name="overview"))
    return [{"type": r["type"], "label": r["label"], "count": r["count"]} for r in rows]


def overview(graph: Graph, validate: bool = True) -> Overview:
    """Summarise ``graph``; ``validate=False`` skips the SHACL run."""
    status = None
    if validate:
        report = validation.validate(graph)
        status = {
            "conforms": report.conforms,
            "violations": len(report.violations),
            "results": len(report.results),
            "focus_nodes": len(report.by_focus()),
            "shapes": report.shapes,
        }
    sources = [
        {
            "id": r.get("id"),
            "language": r.get("language"),
            "published": r.get("published")
            or (f"{r.get('notBefore') or '?'}..{r.get('notAfter') or '?'}" if r.get("notBefore") or r.get("notAfter") else None),
            "publisher": r.get("publisher"),
            "title": r.get("title"),
        }
        for r in _named(graph, "sources")
    ]
    fines = [
        {k: r.get(k) for k in ("action", "type", "agent", "target", "amount", "currency", "qualifier", "date", "status", "sources")}
        for r in _named(graph, "fines")
    ]
    settlements = [
        {k: r.get(k) for k in ("action", "label", "parties", "court", "law", "date", "status", "terms", "sources")}
        for r in _named(graph, "settlements")
    ]
    disagreements = [
        {"conflict": r["conflict"], "topic": r.get("topic")}
        for r in _plain(store.select(graph, _DISAGREEMENTS, name="overview"))
    ]
    return Overview(
        triples=store.triple_count(graph),
        validation=status,
        sources=sources,
        actors=_count(graph, "Actor"),
        actions=_count(graph, "Action"),
        actors_by_type=_by_type(graph, "Actor"),
        actions_by_type=_by_type(graph, "Action"),
        disagreements=disagreements,
        fines=fines,
        settlements=settlements,
        next_steps=[{"command": c, "what": w} for c, w in NEXT_STEPS],
    )
