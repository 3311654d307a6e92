"""Bad input: one 'Error: ' line on stderr, the documented exit code, never a traceback.

Exit codes: 1 = validate found violations; 2 = unusable input; 3 = internal error.
"""

from __future__ import annotations

import json

import re

import click
import pytest
from conftest import ROOT, assert_one_error_line, fixture_path

from clearview_kg.cli.main import cli


def test_missing_file(invoke):
    assert_one_error_line(invoke("validate", "no-such-file.ttl"), 2, "no-such-file.ttl: no such file")
    assert_one_error_line(invoke("timeline", "--data", "nope.nt"), 2, "nope.nt: no such file")


def test_malformed_turtle_names_file_and_line(invoke):
    path = fixture_path("malformed.ttl")
    line = assert_one_error_line(invoke("validate", path), 2)
    assert f"{path}:4: " in line


def test_malformed_ntriples_and_jsonld_name_the_line(invoke):
    assert f"{fixture_path('malformed.nt')}:2: " in assert_one_error_line(invoke("validate", fixture_path("malformed.nt")))
    assert f"{fixture_path('malformed.jsonld')}:4:" in assert_one_error_line(
        invoke("validate", fixture_path("malformed.jsonld"))
    )


def test_unsafe_rdf_is_refused(invoke):
    assert_one_error_line(invoke("validate", fixture_path("remote-context.jsonld")), 2, "external @context")
    assert_one_error_line(invoke("validate", fixture_path("doctype.rdf")), 2, "DOCTYPE")


def test_unknown_extension_and_directory(invoke, tmp_path):
    odd = tmp_path / "facts.docx"
    odd.write_text("x")
    assert_one_error_line(invoke("validate", str(odd)), 2, "unknown RDF file extension")
    assert_one_error_line(invoke("validate", str(tmp_path)), 2, "is a directory")


def test_malformed_sparql_gives_line_and_column(invoke):
    result = invoke("query", "-e", "SELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = ) }")
    line = assert_one_error_line(result, 2)
    assert line.startswith("Error: query:3:3: ")


def test_malformed_sparql_in_a_file_names_the_file(invoke):
    path = fixture_path("broken.rq")
    assert f"{path}:5:" in assert_one_error_line(invoke("query", path), 2)


def test_unknown_prefix_and_update_are_refused(invoke):
    assert_one_error_line(invoke("query", "-e", "SELECT * WHERE { ?s nope:p ?o }"), 2, "nope")
    assert_one_error_line(invoke("query", "-e", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"), 2, "Update")
    assert_one_error_line(invoke("query", "-e", "DROP ALL"), 2, "Update")


def test_unknown_named_query_suggests_the_nearest(invoke):
    assert_one_error_line(invoke("query", "finez"), 2, "no named query 'finez'", "did you mean 'fines'")
    assert_one_error_line(invoke("query", "settlement"), 2, "'settlements'")


def test_unknown_actor_suggests_the_nearest(invoke):
    line = assert_one_error_line(invoke("actor", "clearveiw"), 2, "no actor matches 'clearveiw'", "did you mean")
    assert "Clearview" in line
    assert_one_error_line(invoke("actor", "Rigspolitie"), 2, "'Rigspolitiet'")


def test_unknown_actor_without_any_near_name(invoke):
    assert_one_error_line(invoke("actor", "qqqqqqqq"), 2, "no actor matches 'qqqqqqqq'")


@pytest.mark.parametrize(
    "param, fragment",
    [
        ("actor", "expected NAME=VALUE"),
        ("=ido:ico", "not a SPARQL variable name"),
        ("act or=ido:ico", "not a SPARQL variable name"),
        ("actr=ido:ico", "did you mean 'actor'"),
        ("actor=Clearview AI", "needs an IRI"),
        ("actor=<not an iri>", "not a valid absolute IRI"),
    ],
)
def test_bad_param(invoke, param, fragment):
    assert_one_error_line(invoke("query", "actions-of-actor", "--param", param), 2, fragment)


def test_param_given_twice_or_missing(invoke):
    assert_one_error_line(
        invoke("query", "actions-of-actor", "--param", "actor=ido:ico", "--param", "actor=ido:aclu"), 2, "twice"
    )
    assert_one_error_line(invoke("query", "actions-of-actor"), 2, "needs --param actor=IRI")


def test_param_that_the_query_does_not_use(invoke):
    assert_one_error_line(invoke("query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "--param", "x=1"), 2, "no variable ?x")


def test_params_are_bound_not_pasted(invoke):
    """A value full of SPARQL syntax is one string literal: it matches nothing and breaks nothing."""
    evil = '" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    result = invoke(
        "query", "-e", "SELECT ?s WHERE { ?s skos:prefLabel ?l FILTER(STR(?l) = ?name) }",
        "--param", f"name={evil}", "--format", "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    # The same query finds the actor when the value is a real name: the binding works.
    found = invoke(
        "query", "-e", "SELECT ?s WHERE { ?s skos:prefLabel ?l FILTER(STR(?l) = ?name) }",
        "--param", "name=Clearview AI", "--format", "json",
    )
    assert [r["s"] for r in json.loads(found.stdout)] == ["https://w3id.org/clearview-kg/id/org/clearview-ai"]


def test_evil_value_for_a_named_query_is_a_literal(invoke):
    result = invoke("query", fixture_path("by-currency.rq"), "--param", 'currency=EUR" } UNION { ?fine ?p ?value')
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "(no rows)"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVIC\\u0045 <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    ],
)
def test_service_is_refused(invoke, text):
    assert_one_error_line(invoke("query", "-e", text), 2, "SERVICE")


def test_from_is_refused(invoke):
    assert_one_error_line(invoke("query", "-e", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"), 2, "FROM")


def test_usage_errors_are_one_line_too(invoke):
    assert_one_error_line(invoke("actor"), 2, "Missing argument")
    assert_one_error_line(invoke("query"), 2, "cvkg queries")
    assert_one_error_line(invoke("query", "fines", "-e", "ASK {}"), 2, "not both")
    assert_one_error_line(invoke("query", "fines", "--format", "xml"), 2, "xml")
    assert_one_error_line(invoke("nosuchcommand"), 2, "nosuchcommand")


def test_unwritable_output(invoke, tmp_path):
    assert_one_error_line(invoke("query", "fines", "--output", str(tmp_path / "no" / "dir.csv")), 2, "does not exist")


def test_internal_errors_are_one_line_with_exit_code_3(invoke, monkeypatch):
    from clearview_kg.core import timeline

    def boom(graph):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(timeline, "timeline", boom)
    assert_one_error_line(invoke("timeline"), 3, "internal error", "simulated bug")


def test_ill_typed_literals_do_not_print_rdflib_tracebacks(invoke):
    """rdflib logs a traceback when it meets "2021-13-45"^^xsd:date; cvkg keeps stderr clean."""
    result = invoke("validate", fixture_path("bad-fine.ttl"))
    assert result.exit_code == 1
    assert result.stderr == ""


# --- help and README -------------------------------------------------------------------------


def _command_paths(group=cli, prefix=()):
    """Every command and subcommand, as argument tuples: ("query",), ("analyse", "path"), ..."""
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _command_paths(command, prefix + (name,))


def _leaf(path):
    command = cli
    for name in path:
        command = command.commands[name]
    return not isinstance(command, click.Group)


@pytest.mark.parametrize("path", list(_command_paths()), ids=" ".join)
def test_every_command_has_help_with_an_example(invoke, path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert re.search(r"Examples?:", result.stdout), "no example in the help"
    example = re.split(r"Examples?:", result.stdout, maxsplit=1)[1]
    assert f"cvkg {' '.join(path)}" in example
    if _leaf(path):
        assert "--format" in result.stdout and "--output" in result.stdout


def _readme() -> str:
    path = ROOT / "README.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.parametrize("path", list(_command_paths()), ids=" ".join)
def test_every_command_appears_in_the_readme(path):
    assert f"cvkg {' '.join(path)}" in _readme()


# --- pipes and standard input ----------------------------------------------------------------


def test_broken_pipe_is_quiet(invoke, monkeypatch):
    from clearview_kg.cli import output

    def closed(text, destination="-"):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(output, "write", closed)
    result = invoke("queries")
    assert result.exit_code == 141
    assert result.stderr == ""


def test_broken_pipe_in_a_real_pipe():
    """`cvkg query ... | head -c 5`: the reader leaves early; no traceback, no error line."""
    import os
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(sys.executable).with_name("cvkg")
    if not script.exists():
        pytest.skip("console script not installed next to this Python")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [str(script), "query", "-e", "SELECT * WHERE { ?s ?p ?o }", "--format", "csv"],
        stdout=write_end, stderr=subprocess.PIPE,
    )
    os.close(write_end)
    assert os.read(read_end, 5)
    os.close(read_end)
    stderr = process.stderr.read()
    assert process.wait(timeout=60) in (0, 141)
    assert stderr == b""


def test_validate_reads_turtle_from_stdin(invoke):
    with open(fixture_path("bad-fine.ttl"), encoding="utf-8") as handle:
        result = invoke("validate", "-", input=handle.read())
    assert result.exit_code == 1
    assert "act:test-bad-fine" in result.stdout
    bad = invoke("validate", "-", input="@prefix e: <http://e/> .\ne:a e:b\n")
    assert_one_error_line(bad, 2, "<stdin>:")


def test_output_file_is_replaced_atomically_and_kept_on_error(invoke, tmp_path, monkeypatch):
    """--output used to be opened for writing before the result existed; an error then left an
    empty or half-written file. Now the old file stays whole until the new one is complete."""
    target = tmp_path / "fines.csv"
    target.write_text("previous results\n", encoding="utf-8")
    assert invoke("query", "fines", "--format", "csv", "--output", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("action,")

    from clearview_kg.core import atomic

    def interrupted(fd):  # Ctrl-C after the new text was written, before it replaced the file
        raise KeyboardInterrupt

    target.write_text("previous results\n", encoding="utf-8")
    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    result = invoke("query", "fines", "--format", "csv", "--output", str(target))
    assert result.exit_code == 130
    assert target.read_text(encoding="utf-8") == "previous results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fines.csv"]
