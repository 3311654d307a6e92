"""Disagreements between sources, each with its versions side by side.

Built on the named query ``disagreements`` (one row per version and quote), grouped here by
disagreement: topic, aspect (amount, status, count, scope, date), what it is about, and for
each version the source, the claim, the verbatim quote and its English translation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph

from . import catalog, store
from .terms import Iri, to_value


@dataclass
class Conflict:
    iri: Iri
    topic: str
    aspect: str | None
    about: str | None
    versions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "conflict": self.iri,
            "topic": self.topic,
            "aspect": self.aspect,
            "about": self.about,
            "versions": self.versions,
        }


def conflict_rows(graph: Graph | store.Store) -> tuple[list[str], list[dict]]:
    """The flat rows of the ``disagreements`` query, as plain values."""
    query = catalog.get("disagreements")
    result = store.select(graph, query.text, name=query.source)
    return list(result.columns), [{k: to_value(v) for k, v in r.items()} for r in result.dicts()]


def conflicts(graph: Graph | store.Store) -> list[Conflict]:
    """Every cv:Disagreement with its versions, sorted by topic then source."""
    _columns, rows = conflict_rows(graph)
    grouped: dict[str, Conflict] = {}
    for row in rows:
        iri = row["conflict"]
        conflict = grouped.get(iri)
        if conflict is None:
            conflict = grouped[iri] = Conflict(Iri(iri), row.get("topic") or iri, row.get("aspect"), row.get("about"))
        version = {
            "source": row.get("source"),
            "claim": row.get("claim"),
            "quote": row.get("quote"),
            "translation": row.get("translation"),
        }
        if version not in conflict.versions:
            conflict.versions.append(version)
    out = sorted(grouped.values(), key=lambda c: (c.topic, c.iri))
    for conflict in out:
        conflict.versions.sort(key=lambda v: (v["source"] or "", v["claim"] or "", v["quote"] or ""))
    return out
