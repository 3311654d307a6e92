"""Write tests/golden/<name>.json: the expected result of every named query on the shipped graph.

Run by hand after the graph or a query changes on purpose, then review the diff:

    /work/venv/bin/python tests/make_golden.py          # all named queries
    /work/venv/bin/python tests/make_golden.py fines    # only some

The tests never run this script; tests/test_queries.py compares each query's current result
with its golden file as a multiset of rows of parsed RDF terms (lists joined with ' | ' are
compared item by item, in any order).

The files use the shape of SPARQL 1.1 Query Results JSON, plus the query name and the
parameters it ran with.
"""

from __future__ import annotations

import json
import pathlib
import sys

from rdflib import BNode, Literal, URIRef

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = HERE / "golden"

#: Parameters for the named queries that need them.
PARAMS: dict[str, dict[str, str]] = {
    "actions-of-actor": {"actor": "ido:clearview-ai"},
}


def term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": "b"}  # blank node labels differ per run
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"unexpected term {term!r}")


def run_query(graph, name: str) -> dict:
    from clearview_kg.core import catalog, sparql

    query = catalog.get(name)
    params = PARAMS.get(name, {})
    bindings = catalog.bind_params(query, [f"{k}={v}" for k, v in params.items()])
    result = sparql.select(graph, query.text, bindings, name=query.source)
    rows = []
    for row in result.rows:
        rows.append({var: term_json(value) for var, value in zip(result.columns, row) if value is not None})
    return {
        "query": name,
        "params": params,
        "head": {"vars": result.columns},
        "results": {"bindings": rows},
    }


def main(names: list[str]) -> None:
    from clearview_kg.core import catalog, store

    graph = store.load_graph()
    GOLDEN.mkdir(exist_ok=True)
    for name in names or list(catalog.named_queries()):
        data = run_query(graph, name)
        path = GOLDEN / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{path.relative_to(HERE.parent)}: {len(data['results']['bindings'])} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
