"""Hostile SPARQL: SERVICE, FROM / FROM NAMED and updates never reach the network or the
file system, from the command line (`-e`, `.rq` files, `--endpoint`) or the library.

Each test would fail with the door open: the recording server would count a connection, the
audit hook would see a canary file opened or a socket connected, or the canary's content would
appear in the output (tests/fixtures_hostile/harness.py).
"""

from __future__ import annotations

import re

import rdflib.plugins.sparql as rdflib_sparql
import pytest
from fixtures_hostile.harness import (  # noqa: F401 - pytest fixtures
    assert_one_error,
    assert_untouched,
    canary,
    fill,
    hostile,
    recorder,
    watch,
)
from rdflib import Dataset, Graph, Literal, URIRef

from clearview_kg.cli.main import cli
from clearview_kg.core import limits, sparql
from clearview_kg.core.errors import InputError, QueryRefused

SERVICE = [
    "SELECT * WHERE { SERVICE <@SERVER@sparql> { ?s ?p ?o } }",
    # rdflib expands \u escapes before it parses: this is SERVICE, and so is the next one.
    "SELECT * WHERE { SERVIC\\u0045 <@SERVER@sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053\\u0045RVICE <@SERVER@sparql> { ?s ?p ?o } }",
    "select * where { service   silent\n\t<@SERVER@sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe # a comment between keyword and IRI\n <@SERVER@sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?endpoint { <@SERVER@sparql> } SERVICE ?endpoint { ?s ?p ?o } }",
    "BASE <@SERVER@> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "PREFIX remote: <@SERVER@> SELECT * WHERE { SERVICE remote:sparql { ?s ?p ?o } }",
    "ASK { FILTER EXISTS { SERVICE <@SERVER@sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <@SERVER@sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <@SERVER@sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <@SERVER@sparql> { ?s ?q ?x } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * WHERE { SERVICE <@SERVER@sparql> { ?s ?p ?o } } } }",
    "DESCRIBE ?s WHERE { GRAPH ?g { SERVICE <@SERVER@sparql> { ?s ?p ?o } } }",
]

FROM = [
    "SELECT * FROM <@SERVER@graph.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM <@CANARY@canary.ttl> WHERE { ?s ?p ?o }",
    "select * from <@CANARY@canary.ttl> where { ?s ?p ?o }",
    "SELECT * FROM NAMED <@SERVER@graph.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * FROM NAMED <@CANARY@canary.rdf> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "ASK FROM <@CANARY@canary.txt> { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } FROM <@CANARY@canary.jsonld> WHERE { ?s ?p ?o }",
    "DESCRIBE <http://example.org/canary> FROM <@SERVER@describe.ttl>",
    "BASE <@CANARY@> SELECT * FROM <canary.ttl> WHERE { ?s ?p ?o }",
]

UPDATES = [
    "LOAD <@SERVER@load.ttl>",
    "LOAD SILENT <@CANARY@canary.ttl> INTO GRAPH <urn:g>",
    "load <@CANARY@canary.ttl>",
    "PREFIX x: <urn:x#> LOAD <@SERVER@load.ttl>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <@SERVER@sparql> { ?s ?p ?o } }",
    "WITH <@SERVER@g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP GRAPH <urn:g>",
    "CREATE GRAPH <@SERVER@created>",
    "ADD <@SERVER@a> TO <urn:g>",
    "COPY DEFAULT TO <@SERVER@copy>",
    "MOVE <@CANARY@canary.ttl> TO DEFAULT",
    "SELECT * WHERE { ?s ?p ?o } ; LOAD <@SERVER@load.ttl>",
]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib on Dataset internals

CASES = ([(t, "SERVICE (federated query) is not allowed") for t in SERVICE]
         + [(t, "FROM / FROM NAMED are not supported") for t in FROM] + [(t, "") for t in UPDATES])


def cvkg(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("template, fragment", CASES)
def test_query_expression_never_leaves_the_graph(runner, hostile, template, fragment):
    """`cvkg query -e TEXT`: one error line, exit 2; the recorder, the canary files and the
    audit hook saw nothing."""
    recorder, canary = hostile
    text = fill(template, recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "query", "-e", text, "--no-shipped")
    line = assert_one_error(result, fragment)
    assert_untouched(recorder, canary, seen, result.stdout, line)


@pytest.mark.parametrize("template, fragment", CASES)
def test_query_file_never_leaves_the_graph(runner, hostile, tmp_path, template, fragment):
    """`cvkg query FILE.rq`, the same texts from a file (with a header, as named queries have)."""
    recorder, canary = hostile
    path = tmp_path / "hostile.rq"
    path.write_text("# title: hostile\n# question: does it leak?\n" + fill(template, recorder, canary) + "\n")
    with watch(canary) as seen:
        result = cvkg(runner, "query", str(path), "--no-shipped")
    line = assert_one_error(result, "hostile.rq", fragment)
    assert_untouched(recorder, canary, seen, result.stdout, line)


@pytest.mark.parametrize("template", SERVICE[:3] + FROM[:2] + UPDATES[:1])
def test_refused_query_is_not_even_sent_to_an_endpoint(runner, hostile, template):
    """With --endpoint, a SERVICE / FROM / update is refused before any request: the recorder,
    standing in for the endpoint, sees no connection at all (a SPARQL server such as Oxigraph
    would federate the SERVICE itself)."""
    recorder, canary = hostile
    with watch(canary) as seen:
        result = cvkg(runner, "query", "-e", fill(template, recorder, canary), "--endpoint", recorder.url + "sparql")
    line = assert_one_error(result)
    assert_untouched(recorder, canary, seen, result.stdout, line)


# --- the library: core.sparql, and rdflib itself with the guards in place ---------------------


@pytest.mark.parametrize("template, fragment", CASES)
def test_core_sparql_refuses_with_a_dataset_too(hostile, template, fragment):
    """sparql.run on a Dataset (where rdflib would load FROM graphs) refuses, and touches nothing."""
    recorder, canary = hostile
    dataset = Dataset()
    dataset.add((URIRef("urn:a"), URIRef("urn:b"), Literal("c")))
    with watch(canary) as seen, pytest.raises(InputError, match=re.escape(fragment) or None):
        sparql.run(dataset, fill(template, recorder, canary))
    assert_untouched(recorder, canary, seen)


@pytest.mark.parametrize("template", SERVICE)
def test_rdflib_itself_cannot_federate_while_the_guards_are_installed(hostile, template):
    """The backstop: a query that never went through core.sparql (pySHACL's, a plain
    graph.query) still cannot reach the network."""
    recorder, canary = hostile
    limits.install_guards()
    graph = Dataset()
    graph.add((URIRef("urn:a"), URIRef("urn:b"), Literal("c")))
    graph.add((URIRef("urn:a"), URIRef("urn:b"), Literal("c"), URIRef("urn:g")))
    with watch(canary) as seen, pytest.raises(QueryRefused, match="SERVICE"):
        list(graph.query(fill(template, recorder, canary)))
    assert_untouched(recorder, canary, seen)


@pytest.mark.parametrize("template", FROM)
def test_rdflib_itself_loads_no_from_graph_while_the_guards_are_installed(hostile, template):
    """SPARQL_LOAD_GRAPHS=False: on a Dataset, rdflib would fetch FROM graphs; it does not."""
    recorder, canary = hostile
    limits.install_guards()
    with watch(canary) as seen:
        rows = list(Dataset().query(fill(template, recorder, canary)))
    assert_untouched(recorder, canary, seen, repr(rows))


@pytest.mark.parametrize("template", [t for t in UPDATES if "LOAD" in t.upper()])
def test_rdflib_itself_loads_nothing_on_update_while_the_guards_are_installed(hostile, template):
    """cvkg never runs updates; rdflib's own LOAD, run directly, fetches nothing either."""
    recorder, canary = hostile
    limits.install_guards()
    dataset = Dataset()
    with watch(canary) as seen:
        try:
            dataset.update(fill(template, recorder, canary))
        except Exception:  # noqa: BLE001 - whether it errors does not matter, only what it touched
            pass
    assert_untouched(recorder, canary, seen, dataset.serialize(format="nquads"))


def _someone_elses_hook(ctx, part):
    raise NotImplementedError


def test_guards_are_installed_again_before_every_query_and_validation(monkeypatch, shipped_graph):
    """Someone (another library, a test) resets rdflib's switches: core.sparql.run and
    core.validation.validate put them back before they run anything, first in line."""
    from rdflib.plugins.sparql import evaluate

    from clearview_kg.core import validation

    evals = evaluate.CUSTOM_EVALS  # the dict rdflib's evaluator reads
    for run in (lambda: sparql.run(Graph(), "ASK { ?s ?p ?o }"),
                lambda: validation.validate(shipped_graph)):
        monkeypatch.setattr(rdflib_sparql, "SPARQL_LOAD_GRAPHS", True)
        monkeypatch.delitem(evals, limits.GUARD_NAME, raising=False)
        monkeypatch.setitem(evals, "someone_else", _someone_elses_hook)
        assert not limits.guards_installed()
        run()
        assert limits.guards_installed()
        assert list(evals)[0] == limits.GUARD_NAME and "someone_else" in evals


def test_guards_are_installed_by_importing_any_query_module():
    """A fresh interpreter that only imports core.sparql, or core.validation, has the guards."""
    import subprocess
    import sys

    for module in ("clearview_kg.core.sparql", "clearview_kg.core.validation", "clearview_kg.core.store"):
        code = (f"import {module}, rdflib.plugins.sparql as s; "
                "from clearview_kg.core import limits; assert limits.guards_installed(), s.CUSTOM_EVALS")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (module, done.stderr[-500:])
