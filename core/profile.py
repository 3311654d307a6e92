"""The profile of one actor: types, names, posts, organisational links and every action.

Used by ``cvkg actor NAME``. Everything comes from SPARQL over the graph that
``store.load_graph`` returned; the list of actions is the named query ``actions-of-actor``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef

from . import catalog, sparql, store
from .labels import Name, actor_names
from .terms import LIST_SEPARATOR, Iri, to_value

_TYPES = """
SELECT DISTINCT ?type ?typeLabel WHERE {
  ?type rdfs:subClassOf* cv:Actor .
  ?actor a ?type .
  FILTER NOT EXISTS { ?actor a ?sub . ?sub rdfs:subClassOf+ ?type . FILTER(?sub != ?type) }
  OPTIONAL { ?type rdfs:label ?typeLabel FILTER(LANGMATCHES(LANG(?typeLabel), "en")) }
} ORDER BY ?type
"""

_FACTS = """
SELECT ?description ?basedIn WHERE {
  OPTIONAL { ?actor dcterms:description ?description FILTER(LANGMATCHES(LANG(?description), "en")) }
  OPTIONAL {
    SELECT ?actor (GROUP_CONCAT(DISTINCT ?placeName; separator=" | ") AS ?basedIn) WHERE {
      { SELECT ?actor ?placeName WHERE {
          ?actor cv:basedIn ?place .
          OPTIONAL { ?place skos:prefLabel ?placeEn FILTER(LANGMATCHES(LANG(?placeEn), "en")) }
          BIND(COALESCE(?placeEn, STR(?place)) AS ?placeName)
      } ORDER BY ?placeName }
    } GROUP BY ?actor
  }
}
"""

_LINKS = """
SELECT ?relation ?other ?otherName WHERE {
  # Each direction's VALUES inside its own branch: a FILTER there could not see a VALUES
  # outside the branch on a standard engine (rdflib is lenient; Oxigraph is not).
  {
    VALUES (?property ?relation) { (org:subOrganizationOf "part of") (cv:member "has member") }
    ?actor ?property ?other .
  } UNION {
    VALUES (?property ?relation) {
      (org:subOrganizationOf "has part") (cv:member "member of") (cv:developedBy "develops")
    }
    ?other ?property ?actor .
  }
  OPTIONAL { ?other skos:prefLabel ?otherEn FILTER(LANGMATCHES(LANG(?otherEn), "en")) }
  BIND(COALESCE(?otherEn, STR(?other)) AS ?otherName)
} ORDER BY ?relation ?otherName
"""

_POSTS = """
SELECT ?post ?postName ?title ?person ?personName ?organisation ?organisationName ?heldAt ?sources WHERE {
  { ?actor org:holds ?post . BIND(?actor AS ?person) }
  UNION
  { ?post org:postIn ?actor . OPTIONAL { ?post org:heldBy ?person } }
  OPTIONAL { ?post org:postIn ?organisation }
  OPTIONAL { ?post skos:prefLabel ?postName FILTER(LANGMATCHES(LANG(?postName), "en")) }
  OPTIONAL { ?post cv:title ?title }
  OPTIONAL { ?post cv:heldAt ?heldAt }
  OPTIONAL { ?person skos:prefLabel ?personName FILTER(LANGMATCHES(LANG(?personName), "en")) }
  OPTIONAL { ?organisation skos:prefLabel ?organisationName FILTER(LANGMATCHES(LANG(?organisationName), "en")) }
} ORDER BY ?postName ?title
"""

# The sources of the actor's posts, apart: as a GROUP_CONCAT subquery of _POSTS they were
# listed for every post of the graph (a subquery cannot see ?actor), 0.57 s at 10^6 triples.
_POST_SOURCES = """
SELECT DISTINCT ?post ?sid WHERE {
  { ?actor org:holds ?post } UNION { ?post org:postIn ?actor }
  ?post prov:wasDerivedFrom/dcterms:identifier ?sid .
} ORDER BY ?post ?sid
"""


@dataclass
class Profile:
    iri: Iri
    name: str
    types: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    description: str | None = None
    based_in: str | None = None
    links: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    action_columns: list[str] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "iri": self.iri,
            "name": self.name,
            "types": self.types,
            "labels": self.labels,
            "description": self.description,
            "based_in": self.based_in,
            "links": self.links,
            "posts": self.posts,
            "actions": self.actions,
        }


def _rows(result: sparql.SelectResult) -> list[dict]:
    return [{k: to_value(v) for k, v in row.items()} for row in result.dicts()]


def _posts(graph: Graph, bind: dict) -> list[dict]:
    """_POSTS, each post with its sources ' | '-joined in order (as the named queries list them)."""
    sources: dict = {}
    for post, sid in store.select(graph, _POST_SOURCES, bind, name="actor profile").rows:
        sources.setdefault(to_value(post), []).append(str(sid))
    rows = _rows(store.select(graph, _POSTS, bind, name="actor profile"))
    for row in rows:
        row["sources"] = LIST_SEPARATOR.join(sources[row["post"]]) if row["post"] in sources else None
    return rows


def profile(graph: Graph, actor: str, names: list[Name] | None = None) -> Profile:
    """The profile of the actor with IRI ``actor`` (find it with labels.find_actors).
    ``names``: ``labels.actor_names(graph)``, when the caller has it already (it lists every
    actor's names: once per command, not once per profile)."""
    node = URIRef(str(actor))
    bind = {"actor": node}
    names = [n for n in (actor_names(graph) if names is None else names) if n.actor == str(actor)]
    english = [n.text for n in names if n.kind == "prefLabel" and n.language == "en"]
    name = english[0] if english else (names[0].text if names else str(actor))

    facts = _rows(store.select(graph, _FACTS, bind, name="actor profile"))
    first = facts[0] if facts else {}
    query = catalog.get("actions-of-actor")
    actions = store.select(graph, query.text, bind, name=query.source)
    return Profile(
        iri=Iri(str(actor)),
        name=name,
        types=[
            {"type": r["type"], "label": r["typeLabel"]}
            for r in _rows(store.select(graph, _TYPES, bind, name="actor profile"))
        ],
        labels=[{"kind": n.kind, "language": n.language, "text": n.text} for n in names],
        description=first.get("description"),
        based_in=first.get("basedIn"),
        links=[
            {"relation": r["relation"], "other": r["other"], "name": r["otherName"]}
            for r in _rows(store.select(graph, _LINKS, bind, name="actor profile"))
        ],
        posts=_posts(graph, bind),
        action_columns=list(actions.columns),
        actions=_rows(actions),
    )
