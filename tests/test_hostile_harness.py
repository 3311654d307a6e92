"""Controls for the hostile-input tests: with a door deliberately opened (plain rdflib and
pySHACL without clearview_kg's checks and guards), the observers of
tests/fixtures_hostile/harness.py do see the request, the file read or the hang. Without these,
an observer that saw nothing could simply be blind.
"""

from __future__ import annotations

import json
import sys

import pyshacl
import pytest
import rdflib.plugins.sparql as rdflib_sparql
from fixtures_hostile.harness import (  # noqa: F401 - pytest fixtures
    HERE as HOSTILE,
    assert_untouched,
    canary,
    fill,
    hostile,
    recorder,
    render,
    run_cli,
    watch,
)
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql import evaluate

from clearview_kg.core import limits, rdfio

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own internals


@pytest.fixture
def doors_open(monkeypatch):
    """rdflib as it is out of the box: no SERVICE hook, FROM / LOAD fetch."""
    monkeypatch.delitem(evaluate.CUSTOM_EVALS, limits.GUARD_NAME, raising=False)
    monkeypatch.delitem(rdflib_sparql.CUSTOM_EVALS, limits.GUARD_NAME, raising=False)
    monkeypatch.setattr(rdflib_sparql, "SPARQL_LOAD_GRAPHS", True)
    yield
    # monkeypatch restores the guards; make sure of it for the tests that follow
    limits.install_guards()


def _seen_something(recorder, canary, seen) -> bool:
    try:
        assert_untouched(recorder, canary, seen)
    except AssertionError:
        return True
    return False


def test_control_service_reaches_the_recorder(hostile, doors_open):
    recorder, canary = hostile
    graph = Graph()
    graph.add((URIRef("urn:a"), URIRef("urn:b"), Literal("c")))
    with watch(canary) as seen:
        list(graph.query(f"SELECT * WHERE {{ SERVICE <{recorder.url}sparql> {{ ?s ?p ?o }} }}"))
    assert recorder.seen()[1], "the recorder did not see rdflib's SERVICE request"
    assert seen.connects, "the audit hook did not see the connection"


def test_control_from_reads_the_canary(hostile, doors_open):
    recorder, canary = hostile
    with watch(canary) as seen:
        rows = list(Dataset().query(f"SELECT ?o FROM <{canary.uri}canary.ttl> WHERE {{ ?s ?p ?o }}"))
    assert seen.opened, "the audit hook did not see the canary read"
    assert canary.text in repr(rows)


def test_control_load_fetches(hostile, doors_open):
    recorder, canary = hostile
    with watch(canary):
        Dataset().update(f"LOAD <{recorder.url}load.ttl>")
    assert recorder.seen()[1]


def test_control_jsonld_context_is_fetched_by_plain_rdflib(hostile):
    recorder, canary = hostile
    for template in ("context-remote.jsonld", "context-scoped-property.jsonld", "context-import.jsonld",
                     "context-nested-graph.jsonld", "context-in-context.jsonld"):
        recorder.reset()
        data = fill((HOSTILE / template).read_text(encoding="utf-8"), recorder, canary)
        with watch(canary) as seen:
            try:
                Graph().parse(data=data, format="json-ld")
            except Exception:  # noqa: BLE001
                pass
        assert _seen_something(recorder, canary, seen), f"plain rdflib did not fetch the context of {template}"
    data = fill((HOSTILE / "context-file.jsonld").read_text(encoding="utf-8"), recorder, canary)
    with watch(canary) as seen:
        Graph().parse(data=data, format="json-ld")
    assert seen.opened, "plain rdflib did not read the canary context"


def test_control_parse_with_a_location_reads_the_file(hostile):
    """Why Graph.parse must only get data=: given a location it reads whatever is named."""
    recorder, canary = hostile
    with watch(canary) as seen:
        graph = Graph().parse(canary.uri + "canary.ttl", format="turtle")
    assert seen.opened and canary.text in graph.serialize(format="nt")


@pytest.mark.parametrize("template, advanced", [("shapes-target.ttl", True), ("shapes-rule.ttl", True),
                                                ("shapes-service-escape.ttl", False),
                                                ("shapes-path-injection.rdf", False)])
def test_control_pyshacl_federates_without_the_guards(hostile, doors_open, template, advanced):
    """pySHACL alone: SERVICE in a SPARQL target or rule (advanced mode), SERVIC\\u0045, and an
    sh:path that injects SERVICE all reach the network."""
    recorder, canary = hostile
    data = Graph()
    data.add((URIRef("http://example.org/s"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
              URIRef("https://w3id.org/clearview-kg/ontology#SourceArticle")))
    data.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1)))
    shapes = rdfio.read_rdf_file(render(template, recorder, canary))
    with watch(canary):
        try:
            pyshacl.validate(data, shacl_graph=shapes, advanced=advanced, inference="none")
        except Exception:  # noqa: BLE001
            pass
    assert recorder.seen()[0] > 0, f"pySHACL did not reach the recorder with {template}"


def test_control_the_time_limit_fails_a_hang():
    with pytest.raises(AssertionError, match="still ran after"):
        run_cli(["--version"], 0.001)


def test_control_billion_laughs_hangs_plain_rdflib(hostile, tmp_path):
    """The RDF/XML documents that test_hostile_rdf refuses do hang rdflib: a fresh process
    parsing the billion-laughs file with plain rdflib is still running after 3 seconds."""
    import subprocess

    recorder, canary = hostile
    path = render("billion-laughs.rdf", recorder, canary, directory=tmp_path)
    code = f"from rdflib import Graph; Graph().parse(data=open({json.dumps(path)}, 'rb').read(), format='xml')"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=3)
