"""Hostile RDF input: nothing is fetched, nothing unasked is read, nothing hangs, sizes are capped.

Each door is proven by an observer that would see it open (tests/fixtures_hostile/harness.py):
a recording HTTP server on 127.0.0.1 that must receive no connection, canary files whose
content must appear in no output or error message and (in-process) an audit hook that must see
no open of a canary file and no outgoing connection. The RDF/XML documents that rdflib would
spend minutes or hours on run in a fresh process with a wall-clock limit: a timeout fails.
"""

from __future__ import annotations

import ast
import io
import os
import sys
from pathlib import Path

import pytest
from fixtures_hostile.harness import (  # noqa: F401 - pytest fixtures
    HERE as HOSTILE,
    assert_one_error,
    assert_untouched,
    canary,
    fill,
    hostile,
    recorder,
    render,
    watch,
)

from clearview_kg.cli.main import cli
from clearview_kg.core import limits, rdfio
from clearview_kg.core.errors import InputError

PACKAGE = Path(__file__).resolve().parent.parent
ASK = ["query", "-e", "ASK { ?s ?p ?o }", "--no-shipped"]
# Seconds, for all the RDF/XML documents below together. Let through, each would run for
# minutes or hours; refused, all of them take about ten seconds. The margin is for a busy machine.
SUBPROCESS_TIMEOUT = 60


def cvkg(runner, *args, input=None, env=None):
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


# --- JSON-LD: no @context is ever fetched ------------------------------------------------------

EXTERNAL_CONTEXTS = [
    "context-remote.jsonld",  # "@context": "http://127.0.0.1:PORT/context.jsonld"
    "context-file.jsonld",  # "@context": "file:///.../canary.jsonld"
    "context-relative.jsonld",  # "@context": "canary.jsonld", next to the document
    "context-list.jsonld",  # a list of contexts, the second remote
    "context-list-in-list.jsonld",  # [[null, ["http://..."]]]
    "context-scoped-property.jsonld",  # a term definition with its own remote @context
    "context-scoped-type.jsonld",  # a type-scoped context: a file, in a list
    "context-import.jsonld",  # JSON-LD 1.1 @import
    "context-import-scoped.jsonld",  # @import inside a scoped context
    "context-nested-graph.jsonld",  # a node inside @graph with a remote @context
    "context-in-context.jsonld",  # {"@context": {"@context": {"@context": "http://..."}}}
    "context-deep-node.jsonld",  # a node object four levels down with a file context
]


@pytest.mark.parametrize("template", EXTERNAL_CONTEXTS)
def test_jsonld_never_fetches_a_context(runner, hostile, template):
    """Open door: the recorder gets a GET for the context, or the audit hook sees canary.jsonld
    opened, or the command succeeds with the stolen terms."""
    recorder, canary = hostile
    path = render(template, recorder, canary, directory=canary.dir)  # relative names resolve to the canary
    with watch(canary) as seen:
        result = cvkg(runner, *ASK, "--data", path)
    assert_one_error(result, "external @context")
    assert_untouched(recorder, canary, seen, result.stdout, result.stderr)


def test_our_own_context_is_read_from_the_package(runner, hostile):
    """https://w3id.org/clearview-kg/context.jsonld is swapped for the packaged copy: the
    document reads, and no connection is attempted (the audit hook sees every connect)."""
    recorder, canary = hostile
    path = render("context-own.jsonld", recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "query", "-e", "SELECT ?label WHERE { ido:hostile-test-actor skos:prefLabel ?label }",
                      "--no-shipped", "--data", path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "Hostile test actor" in result.stdout
    assert_untouched(recorder, canary, seen)


def test_jsonld_that_would_fetch_is_refused_by_the_library_too(hostile):
    """The check lives in rdfio.parse_rdf, so every caller (export read-back, server) has it."""
    recorder, canary = hostile
    for template in EXTERNAL_CONTEXTS:
        data = fill((HOSTILE / template).read_text(encoding="utf-8"), recorder, canary).encode("utf-8")
        with watch(canary) as seen, pytest.raises(InputError, match="external @context"):
            rdfio.parse_rdf(data, "json-ld", template, base=canary.uri + template)
        assert_untouched(recorder, canary, seen)


# --- Turtle, RDF/XML: IRIs are only names -----------------------------------------------------


def test_prefixes_base_and_owl_imports_are_only_names(runner, hostile):
    """@prefix and @base pointing at the canary, relative IRIs, owl:imports to the recorder and
    the canary: the file reads, its IRIs print, and nothing behind them is read, even by the
    SHACL validation (owl:imports are not followed)."""
    recorder, canary = hostile
    path = render("prefix-base-file.ttl", recorder, canary)
    with watch(canary) as seen:
        listed = cvkg(runner, "query", "-e", "SELECT ?s ?o WHERE { ?s ?p ?o }", "--no-shipped", "--data", path,
                      "--format", "csv")
        validated = cvkg(runner, "validate", path, "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert canary.uri + "canary.txt" in listed.stdout  # the IRI, not the file's content
    assert validated.exit_code in (0, 1), validated.stderr
    assert_untouched(recorder, canary, seen, listed.stdout, listed.stderr, validated.stdout, validated.stderr)


def test_error_in_a_file_with_canary_iris_shows_no_canary_content(runner, hostile):
    recorder, canary = hostile
    path = render("prefix-base-file-broken.ttl", recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, *ASK, "--data", path)
    line = assert_one_error(result, "prefix-base-file-broken.ttl:")
    assert_untouched(recorder, canary, seen, line, result.stdout)


def test_rdfxml_base_stylesheet_and_imports_are_only_names(runner, hostile):
    recorder, canary = hostile
    path = render("xml-base.rdf", recorder, canary)
    with watch(canary) as seen:
        result = cvkg(runner, "query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "--no-shipped", "--data", path)
    assert result.exit_code == 0, result.stderr
    assert_untouched(recorder, canary, seen, result.stdout, result.stderr)


# --- RDF/XML: no entities, no blow-up; each document in a process with a time limit ----------

_RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
             '<rdf:Description rdf:about="http://example.org/s">')
_RDF_CLOSE = "</rdf:Description></rdf:RDF>"


_MANY = "too many pieces"
_LONG = "longer than 1 MiB"

# Hostile documents made here (too big to keep as files): name -> (builder, expected fragment).
# Without the check each runs for minutes in rdflib: the times in the comments were measured
# here, or extrapolated from smaller sizes by the quadratic growth they showed.
GENERATED = {
    # 3 million character references in one literal, appended one by one (~2.5 min).
    "charrefs.rdf": (lambda: "<ex:p>" + "&#65;" * 3_000_000 + "</ex:p>", _MANY),
    # 3 million line breaks in one literal: each line and each break is a piece (~10 min).
    "newlines.rdf": (lambda: "<ex:p>" + "a\n" * 3_000_000 + "</ex:p>", _MANY),
    # 20,000 empty elements in an XML literal: minidom re-parses the literal at each one
    # (5,000 ran 143 s; 20,000 ~40 min).
    "literal-siblings.rdf": (lambda: '<ex:p rdf:parseType="Literal">' + "<a/>" * 20_000 + "</ex:p>", _MANY),
    # 200,000 character references directly in an XML literal; any rdf:parseType but Resource
    # and Collection makes one (100,000 ran 35 s).
    "literal-charrefs.rdf": (lambda: '<ex:p rdf:parseType="Other">' + "&#65;" * 200_000 + "</ex:p>", _MANY),
    # 500,000 nested elements in an XML literal: each closing tag copies everything inside (~2 min).
    "literal-nested.rdf": (lambda: '<ex:p rdf:parseType="Literal">' + "<a>" * 500_000 + "</a>" * 500_000
                           + "</ex:p>", _MANY),
    # 600,000 attributes on one element of an XML literal, appended one by one (400,000: 64 s).
    "literal-attributes.rdf": (lambda: '<ex:p rdf:parseType="Literal"><a '
                               + " ".join(f'a{i}="1"' for i in range(600_000)) + "/></ex:p>", _LONG),
    # One 96 MB attribute value: rdflib feeds expat 64 KiB at a time and expat 2.5 scans an
    # unfinished tag again from its start at every feed (40 MB: 25 s; 96 MB ~2.5 min).
    "huge-attribute.rdf": (lambda: '<ex:p ex:q="' + "x" * 96_000_000 + '">x</ex:p>', _LONG),
    # One 96 MB comment: the same, for a comment.
    "huge-comment.rdf": (lambda: "<!--" + "x" * 96_000_000 + "-->", _LONG),
}


XML_TEMPLATES = {
    "billion-laughs.rdf": "DOCTYPE",  # internal entities, 10^9 "lol"s
    "xxe-file.rdf": "DOCTYPE",  # an external entity reading the canary
    "xxe-http.rdf": "DOCTYPE",  # an external entity fetched from the recorder
    "xxe-parameter.rdf": "DOCTYPE",  # parameter entities, remote and local
    "xxe-external-dtd.rdf": "DOCTYPE",  # an external DTD subset
}


# Runs `cvkg query --data PATH` for each document in turn inside one fresh Python process (one
# interpreter start instead of fourteen), reporting each start and each result as a JSON line.
_DRIVER = """
import contextlib, io, json, sys
from clearview_kg.cli.main import cli
for path in sys.argv[2:]:
    print(json.dumps({"start": path}), flush=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(json.loads(sys.argv[1]) + ["--data", path], prog_name="cvkg")
            code = 0
        except SystemExit as exit:
            code = exit.code
    print(json.dumps({"path": path, "code": code, "out": out.getvalue(), "err": err.getvalue()}), flush=True)
"""


@pytest.fixture(scope="module")
def xml_runs(recorder, canary, tmp_path_factory):
    """Every hostile RDF/XML document through `cvkg query --data`, in a fresh process that is
    killed after SUBPROCESS_TIMEOUT seconds; a document that had not finished by then fails."""
    import json
    import subprocess

    recorder.reset()
    folder = tmp_path_factory.mktemp("hostile-xml")
    documents: dict[str, tuple[str, str]] = {}
    for template, fragment in XML_TEMPLATES.items():
        documents[template] = (render(template, recorder, canary, directory=folder), fragment)
    for name, (build, fragment) in GENERATED.items():
        path = folder / name
        path.write_bytes((_RDF_OPEN + build() + _RDF_CLOSE).encode("utf-8"))
        documents[name] = (str(path), fragment)
    # UTF-16 hides "<!DOCTYPE" from a byte search; rdflib reads RDF/XML as UTF-8 only, and so
    # does the check.
    xxe = fill((HOSTILE / "xxe-file.rdf").read_text(encoding="utf-8"), recorder, canary)
    (folder / "doctype-utf16.rdf").write_bytes(xxe.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16"))
    documents["doctype-utf16.rdf"] = (str(folder / "doctype-utf16.rdf"), "not UTF-8")

    by_path = {path: name for name, (path, _fragment) in documents.items()}
    command = [sys.executable, "-c", _DRIVER, json.dumps(ASK), *by_path]
    try:
        done = subprocess.run(command, capture_output=True, timeout=SUBPROCESS_TIMEOUT,
                              env={**os.environ, "COLUMNS": "120"})
        lines = done.stdout.decode("utf-8").splitlines()
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
        lines = (exc.stdout or b"").decode("utf-8", "replace").splitlines()
    results: dict[str, object] = {name: "never started" for name in documents}
    for line in lines:
        record = json.loads(line)
        if "start" in record:
            results[by_path[record["start"]]] = None  # started; replaced when it finishes
        else:
            results[by_path[record["path"]]] = (record["code"], record["out"], record["err"])
    yield {name: (results[name], documents[name][1]) for name in documents}, recorder.seen()


@pytest.mark.parametrize("name", [*XML_TEMPLATES, *GENERATED, "doctype-utf16.rdf"])
def test_rdfxml_cannot_hang_or_read_entities(xml_runs, canary, name):
    """Open door: the process is still running after SUBPROCESS_TIMEOUT s (billion laughs,
    quadratic literals), or the recorder got the entity request, or the canary shows up."""
    runs, (connections, requests) = xml_runs
    result, fragment = runs[name]
    assert result is not None, f"{name}: cvkg still ran after {SUBPROCESS_TIMEOUT} s"
    assert result != "never started", f"{name}: not reached, an earlier document hung the process"
    code, out, err = result
    assert code == 2, (code, out[-300:], err[-1000:])
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err[-1000:]
    assert fragment in lines[0], (fragment, lines[0])
    assert canary.text not in out + err
    assert connections == 0 and requests == [], (connections, requests)


def test_rdfxml_checks_do_not_refuse_ordinary_documents():
    """The blow-up estimate leaves real documents alone: many descriptions, multi-line
    literals, a modest XML literal with markup and entities."""
    descriptions = "".join(
        f'<rdf:Description rdf:about="http://example.org/s{i}"><ex:p xml:lang="en">line one &amp; two\n'
        f"line three\n</ex:p></rdf:Description>\n" for i in range(5_000)
    )
    literal = '<ex:x rdf:parseType="Literal">' + "<p>Text &amp; <b>bold</b>\n</p>" * 50 + "</ex:x>"
    text = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
            + descriptions + '<rdf:Description rdf:about="http://example.org/lit">' + literal
            + "<ex:long>" + "a long line of text\n" * 20_000 + "</ex:long></rdf:Description></rdf:RDF>")
    graph = rdfio.parse_rdf(text.encode("utf-8"), "xml", "ordinary.rdf")
    assert len(graph) == 5_002


# --- sizes are capped, and reading stops at the cap ----------------------------------------


def test_rdf_file_over_the_limit_is_refused(runner, tmp_path):
    path = tmp_path / "big.nt"
    path.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n" * 40)
    result = cvkg(runner, *ASK, "--data", str(path), env={"CVKG_MAX_INPUT_BYTES": "1K"})
    assert_one_error(result, "big.nt", "1 KiB", "CVKG_MAX_INPUT_BYTES")
    ok = cvkg(runner, *ASK, "--data", str(path), env={"CVKG_MAX_INPUT_BYTES": "4K"})
    assert ok.exit_code == 0, ok.stderr


def test_standard_input_over_the_limit_is_refused(runner):
    data = "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n" * 40
    result = cvkg(runner, *ASK, "--data", "-", input=data, env={"CVKG_MAX_INPUT_BYTES": "1000"})
    assert_one_error(result, "<stdin>", "CVKG_MAX_INPUT_BYTES")


def test_user_shapes_over_the_limit_are_refused(runner, tmp_path):
    path = tmp_path / "shapes.ttl"
    path.write_text("# padding\n" * 200)
    result = cvkg(runner, "validate", "--shapes", str(path), env={"CVKG_MAX_INPUT_BYTES": "1K"})
    assert_one_error(result, "shapes.ttl", "CVKG_MAX_INPUT_BYTES")


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1T", "12 parsecs"])
def test_unusable_limit_is_an_input_error(runner, tmp_path, value):
    path = tmp_path / "a.nt"
    path.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    assert_one_error(cvkg(runner, *ASK, "--data", str(path), env={"CVKG_MAX_INPUT_BYTES": value}),
                     "CVKG_MAX_INPUT_BYTES")


@pytest.mark.parametrize("value, size", [("1048576", 1 << 20), ("512K", 512 << 10), ("64M", 64 << 20),
                                         ("2GiB", 2 << 30), (" 3 kb ", 3 << 10)])
def test_limit_values(monkeypatch, value, size):
    monkeypatch.setenv("CVKG_MAX_INPUT_BYTES", value)
    assert limits.max_input_bytes() == size


def test_limit_defaults(monkeypatch):
    monkeypatch.delenv("CVKG_MAX_INPUT_BYTES", raising=False)
    monkeypatch.delenv("CVKG_MAX_QUERY_BYTES", raising=False)
    assert limits.max_input_bytes() == 256 * 1024 * 1024
    assert limits.max_query_bytes() == 1024 * 1024


class _Endless(io.RawIOBase):
    """An endless stream that counts what was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size >= 0, "asked to read everything of an endless stream"
        self.served += size
        return b"x" * size


def test_reading_stops_at_the_limit_plus_one_byte():
    stream = _Endless()
    with pytest.raises(InputError, match="larger than the limit of 1000 bytes"):
        limits.read_capped(stream, 1000, "endless", limits.ENV_MAX_INPUT_BYTES)
    assert stream.served == 1001


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_ends_in_one_error_line(tmp_path):
    """A symlink to /dev/zero named like an RDF file and like a query: without the cap, cvkg
    would read until memory runs out (the process is also limited to 2 GB of address space)."""
    import resource

    from fixtures_hostile.harness import run_cli

    def limit_memory():  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    (tmp_path / "zero.nt").symlink_to("/dev/zero")
    (tmp_path / "zero.rq").symlink_to("/dev/zero")
    env = {"CVKG_MAX_INPUT_BYTES": "8M", "CVKG_MAX_QUERY_BYTES": "64K"}
    data = run_cli([*ASK, "--data", str(tmp_path / "zero.nt")], SUBPROCESS_TIMEOUT, env, preexec_fn=limit_memory)
    assert_one_error(data, "zero.nt", "8 MiB", "CVKG_MAX_INPUT_BYTES")
    query = run_cli(["query", str(tmp_path / "zero.rq"), "--no-shipped"], SUBPROCESS_TIMEOUT, env,
                    preexec_fn=limit_memory)
    assert_one_error(query, "zero.rq", "64 KiB", "CVKG_MAX_QUERY_BYTES")
    # The limit is for the user's files: the packaged graph (larger than 1 KiB) still loads.
    tiny = run_cli(["query", "-e", "ASK { ?s a cv:Fine }"], SUBPROCESS_TIMEOUT, {"CVKG_MAX_INPUT_BYTES": "1K"})
    assert (tiny.returncode, tiny.stdout) == (0, b"true\n"), tiny.stderr[-500:]


def test_query_text_over_the_limit_is_refused(runner, tmp_path):
    text = "SELECT * WHERE { ?s ?p ?o }" + " " * 2000 + "# padding"
    assert_one_error(cvkg(runner, "query", "-e", text, "--no-shipped", env={"CVKG_MAX_QUERY_BYTES": "1K"}),
                     "SPARQL query larger than the limit", "CVKG_MAX_QUERY_BYTES")
    path = tmp_path / "long.rq"
    path.write_text(text)
    assert_one_error(cvkg(runner, "query", str(path), "--no-shipped", env={"CVKG_MAX_QUERY_BYTES": "1K"}),
                     "long.rq", "CVKG_MAX_QUERY_BYTES")


# --- Graph.parse never gets a location --------------------------------------------------------


def _package_sources() -> list[Path]:
    files = [PACKAGE / "__init__.py"]
    for folder in ("core", "cli"):
        files += sorted((PACKAGE / folder).rglob("*.py"))
    return files


_NOT_RDFLIB = {"ox", "ast", "json", "urllib", "email", "html", "argparse", "dateutil", "parser", "xml"}


def test_graph_parse_is_only_ever_given_data():
    """Every ``X.parse(...)`` call in the package (core/, cli/) passes ``data=`` and nothing
    that rdflib could treat as a location: no positional argument, no ``source=``,
    ``location=`` or ``file=``. rdflib's ``Graph.parse(source)`` follows URLs and file:// paths,
    and its errors can echo the contents of what it read."""
    offenders = []
    calls = 0
    for path in _package_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parse"):
                continue
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in _NOT_RDFLIB:
                continue
            if isinstance(receiver, ast.Attribute) and receiver.attr in _NOT_RDFLIB:
                continue
            calls += 1
            keywords = {k.arg for k in node.keywords}
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if node.args or "data" not in keywords or keywords & {"source", "location", "file", None}:
                offenders.append(where)
    assert calls >= 3, "the scan found too few parse calls: has the code moved?"
    assert offenders == [], f"parse() calls that do not pass data= alone: {offenders}"


def test_pyshacl_is_always_called_with_the_risky_features_off():
    """Every ``pyshacl.validate(...)`` call: js=False, do_owl_imports=False, no SPARQL remote
    graph mode, and the shapes given as a graph object, never a file name or URL."""
    calls = []
    for path in _package_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "validate"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "pyshacl"):
                kw = {k.arg: k.value for k in node.keywords}
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                calls.append(where)
                for name, wanted in (("js", False), ("do_owl_imports", False)):
                    assert isinstance(kw.get(name), ast.Constant) and kw[name].value is wanted, (where, name)
                mode = kw.get("sparql_mode")
                assert mode is None or (isinstance(mode, ast.Constant) and mode.value is False), where
                shapes = kw.get("shacl_graph")
                assert shapes is not None and not isinstance(shapes, (ast.Constant, ast.JoinedStr)), where
                assert not node.args[1:], f"{where}: pass the shapes as shacl_graph="
    assert calls, "no pyshacl.validate call found"
