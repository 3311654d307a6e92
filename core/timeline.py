"""The timeline: every action with a cv:date, oldest first, across precisions.

Dates keep the precision the source gives (xsd:gYear, xsd:gYearMonth, xsd:date). Sorting by
the ISO text puts a year before the months of that year and a month before its days
("2021" < "2021-03" < "2021-03-05"), so an event known only to the year comes first in its year.
The rows come from the named query ``timeline``; they are sorted again here so that the order
does not depend on the engine.
"""

from __future__ import annotations

from rdflib import Graph

from . import catalog, store
from .terms import to_value

PRECISIONS = {"day", "month", "year"}


def sort_key(date: object, label: object = "") -> tuple[str, str]:
    """Sort key for ISO dates of mixed precision: '2021' < '2021-03' < '2021-03-05'."""
    return (str(date) if date is not None else "", str(label or ""))


def timeline(graph: Graph | store.Store) -> tuple[list[str], list[dict]]:
    """Columns and rows (dicts of plain values) of the timeline, oldest first."""
    query = catalog.get("timeline")
    result = store.select(graph, query.text, name=query.source)
    rows = [{k: to_value(v) for k, v in row.items()} for row in result.dicts()]
    rows.sort(key=lambda r: sort_key(r.get("date"), r.get("label")))
    return list(result.columns), rows
