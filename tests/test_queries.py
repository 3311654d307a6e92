"""The named queries: headers, parameters, provenance in every row, and golden results.

Golden files are written by hand with tests/make_golden.py (never by the tests) and compared
here as multisets of rows of parsed RDF terms.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import GOLDEN
from make_golden import PARAMS, run_query
from rdflib import Literal, URIRef

from clearview_kg.core import catalog, sparql

NAMES = sorted(catalog.named_queries())
REQUIRED = {
    "fines", "settlements", "settlement-terms", "uses", "denials", "orders", "laws", "spokespeople",
    "timeline", "disagreements", "actions-of-actor", "sources",
}
#: Queries about actions (or disagreement versions): every row names its sources.
SOURCED = {
    "fines": "sources", "settlements": "sources", "settlement-terms": "sources", "uses": "sources",
    "denials": "sources", "orders": "sources", "timeline": "sources", "actions-of-actor": "sources",
    "actions": "sources", "disagreements": "source", "spokespeople": "sources",
}
#: ... and quotes the source's words.
QUOTED = {"fines": "quotes", "settlements": "quotes", "settlement-terms": "quotes", "uses": "quotes",
          "denials": "quotes", "orders": "quotes", "disagreements": "quote", "spokespeople": "quotes"}


def test_required_queries_exist():
    assert REQUIRED <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_header_and_syntax(name):
    query = catalog.get(name)
    assert query.title and query.question.endswith(("?", "."))
    assert query.text.lstrip().startswith("# title:")
    variables = sparql.query_variables(query.text, query.source)
    for param in query.params:
        assert param.name in variables, f"param {param.name} is not a variable of {name}"
        assert param.description
    assert "ORDER BY" in query.text, "results must be deterministic"


@pytest.fixture(scope="module")
def results(shipped_graph):
    return {name: run_query(shipped_graph, name) for name in NAMES}


@pytest.mark.parametrize("name", sorted(SOURCED))
def test_every_row_names_its_sources(results, name):
    column = SOURCED[name]
    rows = results[name]["results"]["bindings"]
    assert rows, f"{name} returned no rows"
    for row in rows:
        value = row.get(column, {}).get("value", "")
        ids = value.split(" | ")
        assert value and all(i in {"000", "001", "002", "003", "004"} for i in ids), (name, row)
        if name in QUOTED:
            assert row.get(QUOTED[name], {}).get("value"), (name, row)


def _parse(binding: dict | None):
    if binding is None:
        return None
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    if binding["type"] == "bnode":
        return "_:b"
    value = binding["value"]
    if " | " in value:  # GROUP_CONCAT lists: compare the items, not their order
        value = " | ".join(sorted(value.split(" | ")))
    return Literal(value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))


def _rows(data: dict) -> Counter:
    columns = data["head"]["vars"]
    return Counter(tuple(_parse(row.get(c)) for c in columns) for row in data["results"]["bindings"])


@pytest.mark.parametrize("name", NAMES)
def test_golden_result(results, name):
    path = GOLDEN / f"{name}.json"
    if not path.exists():
        pytest.fail(f"no golden file for {name}: run tests/make_golden.py {name} and review it")
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = results[name]
    assert expected["params"] == PARAMS.get(name, {})
    assert actual["head"]["vars"] == expected["head"]["vars"]
    missing = _rows(expected) - _rows(actual)
    extra = _rows(actual) - _rows(expected)
    assert not missing and not extra, (
        f"{name} differs from {path.name} (if the change is intended, run tests/make_golden.py {name}):\n"
        f"missing rows: {list(missing)[:3]}\nunexpected rows: {list(extra)[:3]}"
    )
