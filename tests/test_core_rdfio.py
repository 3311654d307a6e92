"""Reading RDF: formats by extension, bytes only, one-line errors with file and line."""

from __future__ import annotations

import random

import pytest
from conftest import fixture_path

from clearview_kg.core import rdfio, store
from clearview_kg.core.errors import InputError

# rdflib's own parsers use its deprecated ConjunctiveGraph API internally; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FORMATS = ["turtle", "nt", "nquads", "trig", "json-ld", "xml"]


@pytest.mark.parametrize(
    "name, fmt",
    [("a.ttl", "turtle"), ("a.TTL", "turtle"), ("a.nt", "nt"), ("a.nq", "nquads"), ("a.trig", "trig"),
     ("a.jsonld", "json-ld"), ("a.rdf", "xml"), ("a.xml", "xml"), ("-", "turtle")],
)
def test_format_by_extension(name, fmt):
    assert rdfio.format_for(name) == fmt


def test_every_format_parses():
    samples = {
        "turtle": b"<http://e/a> <http://e/b> <http://e/c> .",
        "nt": b"<http://e/a> <http://e/b> <http://e/c> .\n",
        "nquads": b"<http://e/a> <http://e/b> <http://e/c> <http://e/g> .\n",
        "trig": b"<http://e/g> { <http://e/a> <http://e/b> <http://e/c> . }",
        "json-ld": b'{"@id": "http://e/a", "http://e/b": {"@id": "http://e/c"}}',
        "xml": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
               b'<rdf:Description rdf:about="http://e/a"><e:b rdf:resource="http://e/c"/></rdf:Description></rdf:RDF>',
    }
    graphs = [rdfio.parse_rdf(data, fmt, f"sample.{fmt}") for fmt, data in samples.items()]
    assert all(len(g) == 1 for g in graphs)
    first = set(graphs[0])
    assert all(set(g) == first for g in graphs)  # named graphs of quads are merged into one


def test_turtle_error_has_file_and_one_based_line():
    with pytest.raises(InputError) as info:
        rdfio.read_rdf_file(fixture_path("malformed.ttl"))
    assert str(info.value).startswith(f"{fixture_path('malformed.ttl')}:4: ")
    assert "\n" not in str(info.value)


def test_ntriples_error_finds_the_line():
    with pytest.raises(InputError, match=r"malformed\.nt:2: "):
        rdfio.read_rdf_file(fixture_path("malformed.nt"))


def test_jsonld_error_has_line_and_column():
    with pytest.raises(InputError, match=r"malformed\.jsonld:4:1: invalid JSON"):
        rdfio.read_rdf_file(fixture_path("malformed.jsonld"))


def test_rdfxml_error_has_line():
    with pytest.raises(InputError, match=r"x\.rdf:3:\d+: invalid XML"):
        rdfio.parse_rdf(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<a>\n</rdf:RDF>', "xml", "x.rdf")


def test_missing_file():
    with pytest.raises(InputError, match=r"^nope\.ttl: no such file$"):
        store.load_graph(["nope.ttl"])


def test_not_utf8():
    with pytest.raises(InputError, match=r"^x\.ttl:2: not UTF-8"):
        rdfio.parse_rdf(b"# ok\n<http://e/a> <http://e/b> \"\xff\" .", "turtle", "x.ttl")


@pytest.mark.parametrize(
    "document",
    [
        b'{"@context": "https://example.org/ctx", "@id": "http://e/a"}',
        b'{"@context": ["file:///etc/passwd"], "@id": "http://e/a"}',
        b'{"@context": {"@import": "https://example.org/ctx"}, "@id": "http://e/a"}',
        b'{"@graph": [{"@context": "https://example.org/ctx", "@id": "http://e/a"}]}',
        b'{"@context": {"p": {"@id": "http://e/p", "@context": "https://example.org/scoped"}}}',
    ],
)
def test_jsonld_external_contexts_are_refused_before_parsing(document):
    with pytest.raises(InputError, match="external @context"):
        rdfio.parse_rdf(document, "json-ld", "x.jsonld")


def test_rdfxml_entities_are_refused():
    with pytest.raises(InputError, match="DOCTYPE"):
        rdfio.read_rdf_file(fixture_path("doctype.rdf"))


def test_deep_nesting_is_an_input_error():
    deep = b"@prefix e: <http://e/> . e:a e:p " + b"[ e:p " * 400 + b"1" + b" ]" * 400 + b" ."
    with pytest.raises(InputError):
        rdfio.parse_rdf(deep, "turtle", "deep.ttl")


def test_fuzzed_inputs_only_ever_raise_input_error():
    """Random cuts and byte flips of valid documents: parsers raise IndexError, TypeError,
    AssertionError ... on such input; every one must come out as a one-line InputError."""
    seeds = {
        "turtle": b'@prefix e: <http://e/> . e:a e:b "x"@en , [ e:c ( 1 2.5 true ) ] ; e:d """long""" .',
        "nt": b'<http://e/a> <http://e/b> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n_:b <http://e/c> "y"@en .\n',
        "nquads": b"<http://e/a> <http://e/b> <http://e/c> <http://e/g> .\n",
        "trig": b"@prefix e: <http://e/> . e:g { e:a e:b e:c . } { e:x e:y ( e:z ) . }",
        "json-ld": b'{"@context": {"e": "http://e/"}, "@id": "e:a", "e:b": [{"@value": "x", "@language": "en"}]}',
        "xml": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
               b'<rdf:Description rdf:about="http://e/a"><e:b xml:lang="en">x</e:b></rdf:Description></rdf:RDF>',
    }
    rng = random.Random(20221122)
    alphabet = b'<>"{}[]().,;:@^_#\\ \n\'ae1'
    for fmt, seed in seeds.items():
        for _ in range(60):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 4)):
                choice = rng.random()
                pos = rng.randrange(len(data) + 1)
                if choice < 0.4 and data:
                    del data[pos:pos + rng.randint(1, 5)]
                elif choice < 0.8:
                    data[pos:pos] = bytes([rng.choice(alphabet)])
                else:
                    data = data[:pos]
            try:
                rdfio.parse_rdf(bytes(data), fmt, f"fuzz.{fmt}")
            except InputError as exc:
                assert "\n" not in str(exc) and str(exc).startswith("fuzz.")
