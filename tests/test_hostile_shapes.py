"""`cvkg validate --shapes FILE`: a user's SHACL shapes are programs; their SPARQL never reaches
the network or the file system, and hostile shapes are refused in one line before pySHACL runs.

Two layers, each tested: check_shapes reads every SPARQL text of the shapes graph before
pySHACL starts (the CLI tests patch pyshacl.validate to fail if it is ever called for a hostile
file), and behind it rdflib's guards (core.limits) hold even when pySHACL is handed the same
shapes directly, in advanced mode, where pySHACL itself checks nothing.
"""

from __future__ import annotations

import json
import re

import pyshacl
import pytest
from fixtures_hostile.harness import (  # noqa: F401 - pytest fixtures
    assert_one_error,
    assert_untouched,
    canary,
    hostile,
    recorder,
    render,
    watch,
)
from rdflib import Graph

from clearview_kg.cli.main import cli
from clearview_kg.core import limits, rdfio, store, validation
from clearview_kg.core.errors import CvkgError

SERVICE = "SERVICE (federated query) is not allowed"
FROM = "FROM / FROM NAMED are not supported"

# shapes file -> a fragment of the one-line refusal
HOSTILE_SHAPES = {
    "shapes-service.ttl": SERVICE,  # SERVICE in a SPARQL constraint
    "shapes-service-escape.ttl": SERVICE,  # SERVIC\u0045, which pySHACL's regex misses
    "shapes-service-lowercase.ttl": SERVICE,  # sErViCe, a comment, line breaks, in OPTIONAL
    "shapes-from.ttl": FROM,  # FROM the canary, FROM NAMED the recorder
    "shapes-target.ttl": SERVICE,  # SHACL-AF SPARQL target: pySHACL checks nothing there
    "shapes-rule.ttl": SERVICE,  # SHACL-AF SPARQL rule (CONSTRUCT)
    "shapes-component.ttl": SERVICE,  # a SPARQL-based constraint component's ASK validator
    "shapes-function.ttl": SERVICE,  # a SHACL-AF SPARQL function
    "shapes-update.ttl": "sh:update",  # LOAD from the recorder and the canary
    "shapes-load-in-select.ttl": "SPARQL Update",  # an update where a query belongs
    "shapes-prefix-injection.ttl": "sh:namespace",  # "PREFIX ex: <...> SERVICE ..." smuggled in
    "shapes-path-injection.rdf": "a character IRIs may not contain",  # an sh:path IRI that closes <...> and adds SERVICE
}


def cvkg(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def pyshacl_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pySHACL ran on shapes that should have been refused before it")

    monkeypatch.setattr(pyshacl, "validate", refuse)


@pytest.mark.parametrize("template", HOSTILE_SHAPES)
def test_hostile_shapes_are_refused_before_pyshacl_runs(runner, hostile, pyshacl_must_not_run, template):
    """Open door: pySHACL runs (AssertionError, exit 3), or a validation report comes out, or
    the recorder / canary / audit hook see something."""
    recorder, canary = hostile
    path = render(template, recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "validate", "--shapes", path, "--no-shipped-shapes")
    line = assert_one_error(result, template, HOSTILE_SHAPES[template])
    assert_untouched(recorder, canary, seen, result.stdout, line)


@pytest.mark.parametrize("template", ["shapes-service-escape.ttl", "shapes-target.ttl", "shapes-update.ttl"])
def test_hostile_shapes_are_refused_alongside_the_shipped_shapes(runner, hostile, pyshacl_must_not_run, template):
    recorder, canary = hostile
    path = render(template, recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "validate", "--shapes", path)
    line = assert_one_error(result, HOSTILE_SHAPES[template])
    assert_untouched(recorder, canary, seen, result.stdout, line)


def test_hostile_shapes_are_refused_by_the_library_too(hostile, pyshacl_must_not_run, shipped_graph):
    recorder, canary = hostile
    for template, fragment in HOSTILE_SHAPES.items():
        path = render(template, recorder, canary)
        with watch(canary) as seen, pytest.raises(CvkgError, match=re.escape(fragment)):
            validation.validate(shipped_graph, shapes_paths=[path], shipped_shapes=False)
        assert_untouched(recorder, canary, seen)


# --- behind the check: pySHACL with the same shapes, the check bypassed ----------------------

BACKSTOP = ["shapes-service.ttl", "shapes-service-escape.ttl", "shapes-service-lowercase.ttl", "shapes-from.ttl",
            "shapes-target.ttl", "shapes-rule.ttl", "shapes-component.ttl", "shapes-function.ttl",
            "shapes-path-injection.rdf"]


@pytest.mark.parametrize("advanced", [False, True])
@pytest.mark.parametrize("template", BACKSTOP)
def test_pyshacl_cannot_reach_out_even_without_the_check(hostile, template, advanced):
    """pySHACL given the hostile shapes directly, in both modes: whatever it reports, rdflib's
    SERVICE hook and SPARQL_LOAD_GRAPHS=False (installed by core.limits) keep it in the graph."""
    recorder, canary = hostile
    limits.install_guards()
    data = rdfio.parse_rdf(
        b"@prefix cv: <https://w3id.org/clearview-kg/ontology#> .\n"
        b"<http://example.org/s> a cv:SourceArticle ; <http://example.org/p> 1 .\n", "turtle", "data.ttl")
    shapes = rdfio.read_rdf_file(render(template, recorder, canary))
    with watch(canary) as seen:
        try:
            pyshacl.validate(validation._PreparedQueryGraph(data), shacl_graph=shapes, advanced=advanced,
                             inference="none", js=False, do_owl_imports=False)
        except Exception:  # noqa: BLE001 - a refusal may surface as any error; only contact matters
            pass
    assert_untouched(recorder, canary, seen)


# --- what --shapes is for ------------------------------------------------------------------


def test_own_shapes_run_and_report(runner, hostile):
    """A user's SHACL-SPARQL rule with declared prefixes runs (every source fails it, on
    purpose), alone and together with the shipped shapes, and reaches nothing."""
    recorder, canary = hostile
    path = render("shapes-benign.ttl", recorder, canary)
    with watch(canary) as seen:
        alone = cvkg(runner, "validate", "--shapes", path, "--no-shipped-shapes", "--format", "json")
        both = cvkg(runner, "validate", "--shapes", path)
    assert alone.exit_code == 1, alone.stderr
    report = json.loads(alone.stdout)
    assert report["shapes"] == [path]
    assert report["violations"] == 5  # the five source articles
    messages = {r["message"] for node in report["focus_nodes"] for r in node["results"]}
    assert messages == {"A test rule: a source article must say cv:hostileTestRule."}
    assert both.exit_code == 1, both.stderr
    assert "clearview-shapes.ttl" in both.stdout and "shapes-benign.ttl" in both.stdout
    assert_untouched(recorder, canary, seen, alone.stdout, both.stdout)


def test_owl_imports_in_shapes_are_not_followed(runner, hostile):
    recorder, canary = hostile
    path = render("shapes-owl-imports.ttl", recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "validate", "--shapes", path, "--no-shipped-shapes")
    assert result.exit_code == 0, result.stderr
    assert "OK: the graph conforms" in result.stdout
    assert_untouched(recorder, canary, seen, result.stdout, result.stderr)


def test_no_shipped_shapes_needs_shapes(runner):
    line = assert_one_error(cvkg(runner, "validate", "--no-shipped-shapes"), "--shapes")
    assert "--no-shipped-shapes" in line


def test_missing_or_malformed_shapes_file(runner, tmp_path):
    assert_one_error(cvkg(runner, "validate", "--shapes", str(tmp_path / "nope.ttl")), "nope.ttl", "no such file")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ;\n")
    assert_one_error(cvkg(runner, "validate", "--shapes", str(broken)), "broken.ttl:")
    bad_sparql = tmp_path / "bad-sparql.ttl"
    bad_sparql.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> .\n'
                          '<http://e/S> a sh:NodeShape ; sh:sparql [ sh:select "SELECT $this WHERE { " ] .\n')
    assert_one_error(cvkg(runner, "validate", "--shapes", str(bad_sparql)), "bad-sparql.ttl", "sh:select")


def test_shipped_shapes_pass_the_check():
    shapes, _files = validation.shapes_graph()
    validation.check_shapes(shapes, "shipped")


def test_data_files_are_not_shapes(runner, hostile):
    """SHACL in a data file is data: its SPARQL is never run, so it is not refused either."""
    recorder, canary = hostile
    path = render("shapes-service.ttl", recorder, canary, name="data-with-shapes.ttl")
    graph = store.load_graph([path])
    assert isinstance(graph, Graph)
    with watch(canary) as seen:
        result = cvkg(runner, "validate", path, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert_untouched(recorder, canary, seen, result.stdout, result.stderr)
