"""Garbage in, one clear error line out: every parser, fed mutated documents and queries.

Hypothesis mutates small valid seeds in each format (Turtle, N-Triples, N-Quads, TriG, JSON-LD,
RDF/XML) and SPARQL text (byte flips, truncation, deletion, duplication, insertion of brackets,
quotes, escapes and markup) and runs `cvkg query` on each through click's CliRunner. Every run
must either succeed (exit 0) or fail with exit 2 and exactly one stderr line starting
"Error: " - never a traceback, never exit 3 (an internal error: an exception nobody turned
into a message). The examples are derandomized (the same every run) and bounded:
CVKG_FUZZ_EXAMPLES per format (default 200). Deep nesting, which makes rdflib's recursive
parsers raise RecursionError, is tested explicitly below.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from clearview_kg.cli.main import cli  # noqa: E402

EXAMPLES = int(os.environ.get("CVKG_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

SEEDS: dict[str, list[bytes]] = {
    ".ttl": [
        b'@prefix ex: <http://example.org/> .\n@base <http://example.org/base/> .\n'
        b'ex:a ex:b "c"@en, "d"^^ex:t, 12, 1.5e3, true ; ex:c [ ex:d ( 1 2 <e> ) ] .\n',
        b'PREFIX ex: <http://example.org/>\nex:s ex:p """long\nstring \\u00e9 \\"q\\" """ ;\n'
        b"  ex:q 'single', _:b1 .\n_:b1 a ex:T .\n",
    ],
    ".nt": [
        b'<http://example.org/a> <http://example.org/b> "c\\u00e9\\n"@en-GB .\n'
        b'_:x <http://example.org/b> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        b"<http://example.org/a> <http://example.org/c> _:x .\n",
    ],
    ".nq": [
        b'<http://example.org/a> <http://example.org/b> "c" <http://example.org/g> .\n'
        b'_:x <http://example.org/b> "d"@fr _:g .\n<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n',
    ],
    ".trig": [
        b'@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b "c" ; ex:d [ ex:e ( 1 2 ) ] . }\n'
        b'GRAPH ex:h { ex:x ex:y ex:z }\n{ ex:default ex:p 1 . }\n',
    ],
    ".jsonld": [
        b'{"@context": {"ex": "http://example.org/", "name": {"@id": "ex:name", "@language": "en"}},'
        b' "@id": "ex:a", "@type": "ex:T", "name": "A", "ex:n": 3, "ex:list": {"@list": [1, "x"]},'
        b' "ex:knows": {"@id": "ex:b", "ex:v": {"@value": "2021", "@type": "ex:year"}}}',
        b'{"@context": "https://w3id.org/clearview-kg/context.jsonld",'
        b' "@graph": [{"@id": "ido:x", "@type": "cv:Organization", "skos:prefLabel": "X"}]}',
    ],
    ".rdf": [
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
        b'  <rdf:Description rdf:about="http://example.org/a" ex:attr="v &amp; w">\n'
        b'    <ex:b xml:lang="en">text &#233;</ex:b>\n'
        b'    <ex:c rdf:resource="http://example.org/c"/>\n'
        b'    <ex:d rdf:parseType="Resource"><ex:e rdf:datatype="http://example.org/t">1</ex:e></ex:d>\n'
        b'    <ex:f rdf:parseType="Literal"><b>bold</b> and <i a="1">italic</i></ex:f>\n'
        b'    <ex:g rdf:parseType="Collection"><rdf:Description rdf:about="http://example.org/x"/></ex:g>\n'
        b'  </rdf:Description>\n  <ex:T rdf:nodeID="n1"><ex:h><![CDATA[<raw>]]></ex:h></ex:T>\n</rdf:RDF>\n',
    ],
}

SPARQL_SEEDS = [
    b"SELECT ?s WHERE { ?s a owl:Class } LIMIT 5",
    b"ASK { ?s rdfs:label ?l FILTER (lang(?l) = 'en' && STRLEN(?l) > 3) }",
    b"SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) LIMIT 3",
    b"CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } LIMIT 2",
    b"DESCRIBE owl:Thing",
    b'SELECT * WHERE { ?s rdfs:subClassOf+ ?o . FILTER (STRSTARTS(STR(?s), "https")) } LIMIT 5',
    b'PREFIX ex: <http://example.org/>\nSELECT ?x WHERE { VALUES ?x { ex:a "b"@en 3 } OPTIONAL { ?x ?p ?o } }',
    b"SELECT ?s WHERE { ?s ?p ?o MINUS { ?s a owl:Class } BIND (IRI(CONCAT(STR(?s), '#x')) AS ?i) } LIMIT 3",
    b'SELECT ?s WHERE { { ?s a owl:Class } UNION { ?s a owl:ObjectProperty } FILTER NOT EXISTS { ?s owl:deprecated true } } LIMIT 4 # c',
]

INSERTS = [b"[", b"]", b"(", b")", b"{", b"}", b'"', b"'", b'"""', b"<", b">", b"@", b"\\", b"\\u", b"\\U0010FFFF",
           b"#", b".", b";", b",", b"_:", b"^^", b"\x00", b"\xff", b"\xc3", b"\n", b"&#", b"&#x0;", b"<!", b"<?",
           b"]]>", b"@context", b'"@id"', b'"@list"', b"SERVICE", b"FROM", b"GRAPH", b"OPTIONAL", b"$", b"?",
           b"9" * 30, b"\xe2\x80\xae", b"<http://", b"<>", b"a", b"-->"]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            data = bytearray(b" ")
        at = draw(st.integers(0, len(data) - 1))
        operation = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate"]))
        if operation == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "truncate":
            del data[at:]
        elif operation == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS)) * draw(st.integers(1, 40))
        elif operation == "delete":
            del data[at:at + draw(st.integers(1, 12))]
        else:
            end = min(len(data), at + draw(st.integers(1, 30)))
            data[at:at] = data[at:end] * draw(st.integers(1, 5))
    return bytes(data)


def assert_clean_outcome(result, what: str) -> None:
    """Success, or exit 2 with exactly one 'Error: ' line; never exit 3, never a traceback."""
    assert "Traceback" not in result.output, (what, result.output[-2000:])
    if result.exit_code == 0:
        return
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), (
        what, result.exit_code, result.stderr[-2000:])


_FOLDER = Path(tempfile.mkdtemp(prefix="cvkg-fuzz-"))


def _run_file(runner, extension: str, data: bytes):
    path = _FOLDER / f"fuzz{extension}"
    path.write_bytes(data)
    return runner.invoke(cli, ["query", "-e", "ASK { ?s ?p ?o }", "--no-shipped", "--data", str(path)],
                         catch_exceptions=False)


@pytest.mark.parametrize("extension", sorted(SEEDS))
def test_seeds_are_valid(runner, extension):
    for seed in SEEDS[extension]:
        result = _run_file(runner, extension, seed)
        assert result.exit_code == 0 and result.stdout == "true\n", (extension, result.stderr)


def test_sparql_seeds_are_valid(runner):
    for seed in SPARQL_SEEDS:
        result = runner.invoke(cli, ["query", "-e", seed.decode(), "--no-shipped"], catch_exceptions=False)
        assert result.exit_code == 0, (seed, result.stderr)


def _fuzz_format(extension: str):
    @FUZZ
    @given(data=mutated(SEEDS[extension]))
    def fuzz(runner, data):
        assert_clean_outcome(_run_file(runner, extension, data), f"{extension}: {data!r}")

    return fuzz


test_fuzz_turtle = _fuzz_format(".ttl")
test_fuzz_ntriples = _fuzz_format(".nt")
test_fuzz_nquads = _fuzz_format(".nq")
test_fuzz_trig = _fuzz_format(".trig")
test_fuzz_jsonld = _fuzz_format(".jsonld")
test_fuzz_rdfxml = _fuzz_format(".rdf")


@FUZZ
@given(data=mutated(SPARQL_SEEDS))
def test_fuzz_sparql(runner, data):
    text = data.decode("utf-8", "replace")
    result = runner.invoke(cli, ["query", "-e", text, "--no-shipped"], catch_exceptions=False)
    assert_clean_outcome(result, repr(text))


# --- deep nesting: rdflib's recursive parsers end in RecursionError; we end in one line -------

DEEP = 5_000

DEEP_DOCUMENTS = {
    "turtle-blank-nodes.ttl": b"<http://e/s> <http://e/p> " + b"[ <http://e/p> " * DEEP + b"1" + b" ]" * DEEP + b" .",
    "turtle-brackets.ttl": b"<http://e/s> <http://e/p> " + b"[" * DEEP,
    "turtle-collections.ttl": b"<http://e/s> <http://e/p> " + b"( " * DEEP + b"1" + b" )" * DEEP + b" .",
    "trig-nested.trig": b"<http://e/g> { <http://e/s> <http://e/p> " + b"[ <http://e/p> " * DEEP + b"1"
                        + b" ]" * DEEP + b" . }",
    "jsonld-arrays.jsonld": b"[" * 100_000 + b"]" * 100_000,
    "jsonld-objects.jsonld": b'{"http://e/p": ' * DEEP + b"1" + b"}" * DEEP,
    "jsonld-within-json-limits.jsonld": b'{"@id": "http://e/s", "http://e/p": ' + b'{"http://e/p": ' * 600 + b"1"
                                        + b"}" * 601,
    "jsonld-lists.jsonld": b'{"@id": "http://e/s", "http://e/p": {"@list": ' + b"[" * 900 + b"1" + b"]" * 900 + b"}}",
    "rdfxml-elements.rdf": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
                           + b'<rdf:Description><e:p rdf:parseType="Resource">' * 20_000
                           + b"</e:p></rdf:Description>" * 20_000 + b"</rdf:RDF>",
}

DEEP_QUERIES = {
    "groups": "SELECT * WHERE " + "{ " * DEEP + "?s ?p ?o" + " }" * DEEP,
    "parentheses": "SELECT * WHERE { ?s ?p ?o FILTER (" + "(" * DEEP + "?o" + ")" * DEEP + ") }",
    "blank-nodes": "SELECT * WHERE { ?s ?p " + "[ ?p " * DEEP + "?o" + " ]" * DEEP + " }",
    "collections": "SELECT * WHERE { ?s ?p " + "( " * DEEP + "?o" + " )" * DEEP + " }",
    "optionals": "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * DEEP + "}" * DEEP + " }",
    "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * DEEP + "{ ?s ?p ?o }" + " }" * DEEP,
    "paths": "SELECT * WHERE { ?s " + "(" * DEEP + "rdfs:label" + ")" * DEEP + " ?o }",
    "unclosed": "SELECT * WHERE " + "{" * DEEP,
}


@pytest.mark.parametrize("name", sorted(DEEP_DOCUMENTS))
def test_deeply_nested_documents_end_in_one_line(runner, name):
    path = _FOLDER / name
    path.write_bytes(DEEP_DOCUMENTS[name])
    result = runner.invoke(cli, ["query", "-e", "ASK { ?s ?p ?o }", "--no-shipped", "--data", str(path)],
                           catch_exceptions=False)
    assert_clean_outcome(result, name)


@pytest.mark.parametrize("name", sorted(DEEP_QUERIES))
def test_deeply_nested_queries_end_in_one_line(runner, name):
    result = runner.invoke(cli, ["query", "-e", DEEP_QUERIES[name], "--no-shipped"], catch_exceptions=False)
    assert result.exit_code == 2, (name, result.exit_code, result.stderr[-500:])
    assert_clean_outcome(result, name)


@pytest.mark.parametrize("name", ["turtle-blank-nodes.ttl", "jsonld-objects.jsonld", "trig-nested.trig"])
def test_deep_nesting_in_user_shapes_ends_in_one_line(runner, name):
    path = _FOLDER / ("shapes-" + name)
    path.write_bytes(DEEP_DOCUMENTS[name])
    result = runner.invoke(cli, ["validate", "--shapes", str(path), "--no-shipped-shapes"], catch_exceptions=False)
    assert result.exit_code == 2, (result.exit_code, result.stderr[-500:])
    assert_clean_outcome(result, name)
