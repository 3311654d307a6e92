"""Names of things: the label to show for a node, and finding actors by any of their names.

The label shown for a node is its English skos:prefLabel, else another skos:prefLabel, else
its rdfs:label, else the last segment of its IRI. An actor (anything typed with a subclass of
cv:Actor) can be found by any skos:prefLabel, skos:altLabel or rdfs:label in any language,
case-insensitively and ignoring typographic apostrophes and repeated spaces; also by its IRI,
its prefixed name (``ido:clearview-ai``) or the slug at the end of its IRI (``clearview-ai``).
When nothing matches, the nearest names (difflib) are offered as suggestions.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from rdflib import Graph

from . import store
from .errors import NotFoundError
from .namespaces import compact, expand, local_name
from .terms import Iri

_LABEL_QUERY = """
SELECT ?node ?label WHERE {
  OPTIONAL { ?node skos:prefLabel ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
  OPTIONAL { ?node skos:prefLabel ?other }
  OPTIONAL { ?node rdfs:label ?rdfsLabel }
  BIND(COALESCE(?en, ?other, ?rdfsLabel) AS ?label)
} ORDER BY ?label LIMIT 1
"""

_ACTOR_LABELS_QUERY = """
SELECT DISTINCT ?actor ?label ?kind WHERE {
  ?type rdfs:subClassOf* cv:Actor .
  ?actor a ?type .
  { ?actor skos:prefLabel ?label BIND("prefLabel" AS ?kind) }
  UNION { ?actor skos:altLabel ?label BIND("altLabel" AS ?kind) }
  UNION { ?actor rdfs:label ?label BIND("label" AS ?kind) }
}
"""


@dataclass(frozen=True)
class Name:
    actor: Iri
    text: str
    language: str | None
    kind: str  # "prefLabel", "altLabel" or "label"


def normalise(text: str) -> str:
    """Case-folded, NFKC-normalised text with straight apostrophes and single spaces."""
    text = unicodedata.normalize("NFKC", text)
    for curly in ("\u2019", "\u2018", "\u02bc", "\u00b4", "`"):
        text = text.replace(curly, "'")
    return " ".join(text.casefold().split())


def label_of(graph: Graph, node) -> str:
    """The label to show for ``node`` (an rdflib term or an IRI string)."""
    from rdflib import URIRef

    term = URIRef(str(node)) if isinstance(node, str) else node
    result = store.select(graph, _LABEL_QUERY, {"node": term})
    if result.rows and result.rows[0][1] is not None:
        return str(result.rows[0][1])
    return local_name(str(node))


def actor_names(graph: Graph) -> list[Name]:
    """Every name of every actor, as (actor, text, language, kind)."""
    result = store.select(graph, _ACTOR_LABELS_QUERY)
    names = []
    for actor, label, kind in result.rows:
        names.append(Name(Iri(str(actor)), str(label), getattr(label, "language", None), str(kind)))
    return sorted(names, key=lambda n: (n.actor, n.kind != "prefLabel", n.text, n.language or ""))


def find_actors(graph: Graph, name: str, names: list[Name] | None = None) -> list[Iri]:
    """The actors that ``name`` designates; NotFoundError with suggestions if none.
    ``names``: ``actor_names(graph)``, when the caller has it already."""
    names = actor_names(graph) if names is None else names
    actors = sorted({n.actor for n in names})
    wanted = normalise(name)
    if not wanted:
        raise NotFoundError("no actor matches an empty name")

    # By IRI, prefixed name or slug.
    expanded = expand(name.strip())
    by_iri = [
        a for a in actors
        if name.strip().strip("<>") == a
        or (expanded is not None and str(expanded) == a)
        or normalise(local_name(a)) == wanted
    ]
    by_label = sorted({n.actor for n in names if normalise(n.text) == wanted})
    found = sorted(set(by_iri) | set(by_label))
    if found:
        return found

    suggestions = suggest(name, names)
    if suggestions:
        raise NotFoundError(f"no actor matches '{name}'", suggestions)
    raise NotFoundError(f"no actor matches '{name}' (list them with 'cvkg query actors')")


def suggest(name: str, names: list[Name], limit: int = 3) -> list[str]:
    """Up to ``limit`` names close to ``name``, as the graph spells them."""
    wanted = normalise(name)
    display: dict[str, str] = {}
    for n in sorted(names, key=lambda n: (n.kind != "prefLabel", n.language != "en", n.text)):
        display.setdefault(normalise(n.text), n.text)
    candidates = sorted(display)
    close = difflib.get_close_matches(wanted, candidates, n=limit * 2, cutoff=0.6)
    contains = [c for c in candidates if wanted in c or (len(c) >= 3 and c in wanted)]
    contains.sort(key=lambda c: (abs(len(c) - len(wanted)), c))
    out: list[str] = []
    for candidate in close + contains:
        shown = display[candidate]
        if shown not in out:
            out.append(shown)
        if len(out) == limit:
            break
    return out


def short(iri: str) -> str:
    """Prefixed form of an IRI for display."""
    return compact(iri)
