"""The SPARQL-compiled validator (core/shacl_sparql.py) against its oracle, pySHACL.

pySHACL (inference none, advanced off, as core.validation runs it) is the oracle: for every
invalid and valid fixture of tests/shapes_fixtures (merged with base.ttl and the ontology, as
tests/test_shapes.py does), for the shipped graph and for a generated graph with injected
violations, the compiled validator must report the same multiset of (focus node, result path,
constraint component, source shape, value, severity) as pySHACL - on an rdflib Graph (rdflib's
SPARQL engine) and on an Oxigraph store (``OxigraphStore.from_graph``).

On Oxigraph the oracle is pySHACL on the store's own triples (``memory_graph()``): Oxigraph
keeps every integer type as xsd:integer and writes numbers in canonical form, so a store can
hold fewer or other literals than the rdflib graph it was filled from
(``test_oxigraph_folds_integer_types`` pins the two fixtures where that shows).

Then, per constraint component, a tiny hand-written shapes graph and data graph with the exact
violation expected - checked against both engines and against pySHACL, so that a wrong
expectation fails too; the fallback to pySHACL for shapes the compiler does not handle; the
order, messages, progress and conformance of the reports ``core.validation.validate`` builds.
Nothing here is timed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from clearview_kg.core import shacl_sparql, store, validation
from clearview_kg.core.errors import CvkgError, QueryRefused
from clearview_kg.core.namespaces import SH
from clearview_kg.core.oxigraph_store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "shapes_fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
T = Namespace("https://example.org/shapes-test#")
EX = Namespace("http://example.org/")
ENGINES = ["rdflib", "oxigraph"]


# --- pyparsing's global state ---------------------------------------------------------------


@pytest.fixture(autouse=True, scope="module")
def _pyparsing_without_packrat():
    """The rdflib engine parses the compiled queries with rdflib's SPARQL parser (pyparsing). An
    earlier test that imports matplotlib's mathtext turns on pyparsing's packrat cache for the
    whole process; that roughly doubles the parser's recursion, and the 29-branch "values"
    query of the shipped shapes then stops with RecursionError ("query nested too deeply").
    The product never parses compiled queries with rdflib (an rdflib graph is validated on an
    Oxigraph copy, and the compiled queries skip the re-parse: see
    test_a_packrat_parser_in_the_process_does_not_change_validation), so for the rdflib engine
    here the parser runs as it does in a fresh process, and pyparsing is left as it was."""
    from pyparsing import ParserElement

    was_enabled = ParserElement._packratEnabled
    if was_enabled:
        ParserElement.disable_memoization()
    yield
    if was_enabled:
        ParserElement.enable_packrat()


# --- helpers ----------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def shipped_shapes() -> Graph:
    return validation.shapes_graph()[0]


@lru_cache(maxsize=None)
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "clearview.ttl", format="turtle")


@lru_cache(maxsize=None)
def fixture_data(path: Path) -> Graph:
    """A fixture as test_shapes.py validates it: the t:InvalidFixture node removed, merged
    with base.ttl and the ontology."""
    g = Graph().parse(path, format="turtle")
    for fx in list(g.subjects(RDF.type, T.InvalidFixture)):
        for expectation in list(g.objects(fx, T.expect)):
            g.remove((expectation, None, None))
        g.remove((fx, None, None))
    data = Graph()
    data += ontology()
    data += Graph().parse(FIXTURES / "base.ttl", format="turtle")
    data += g
    return data


def _blank(term):
    return "_:blank" if isinstance(term, BNode) else term


def oracle_keys(data: Graph, shapes: Graph) -> Counter:
    """pySHACL's top-level results, run as core.validation runs it."""
    conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=False, js=False,
        do_owl_imports=False, abort_on_first=False, allow_infos=True, allow_warnings=True,
        meta_shacl=False, inplace=False)
    keys: Counter = Counter()
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for r in results.objects(report, SH.result):
            path = results.value(r, SH.resultPath)
            keys[(_blank(results.value(r, SH.focusNode)),
                  shacl_sparql.path_text(results, path) if path is not None else None,
                  results.value(r, SH.sourceConstraintComponent),
                  validation._shape_text(shapes, results.value(r, SH.sourceShape)),
                  _blank(results.value(r, SH.value)),
                  results.value(r, SH.resultSeverity))] += 1
    return keys


def compiled_keys(source, shapes: Graph) -> Counter:
    dialect = shacl_sparql.dialect_of(source)
    findings = shacl_sparql.compile_shapes(shapes, dialect).run(source)
    return Counter((_blank(f.focus), shacl_sparql.path_text(shapes, f.path) if f.path is not None else None,
                    f.component, validation._shape_text(shapes, f.source_shape), _blank(f.value), f.severity)
                   for f in findings)


def engine_source(data: Graph, engine: str):
    """(the source the compiled validator reads, the rdflib graph pySHACL reads for it)."""
    if engine == "rdflib":
        return data, data
    ox_store = OxigraphStore.from_graph(data)
    return ox_store, ox_store.memory_graph()


_ORACLE: dict = {}


def cached_oracle(key, data: Graph, shapes: Graph) -> Counter:
    if key not in _ORACLE:
        _ORACLE[key] = oracle_keys(data, shapes)
    return _ORACLE[key]


def same_as_pyshacl(data: Graph, shapes: Graph, engine: str, key=None) -> Counter:
    source, oracle_graph = engine_source(data, engine)
    if engine == "oxigraph" and set(oracle_graph) == set(data):
        engine_key = (key, "rdflib")  # the store holds exactly the rdflib graph's triples
    else:
        engine_key = (key, engine)
    want = cached_oracle(engine_key, oracle_graph, shapes) if key is not None else oracle_keys(oracle_graph, shapes)
    got = compiled_keys(source, shapes)
    missing, extra = want - got, got - want
    assert not missing and not extra, (
        "\nonly pySHACL: " + "\n  ".join(map(str, sorted(missing.elements(), key=str)))
        + "\nonly compiled: " + "\n  ".join(map(str, sorted(extra.elements(), key=str))))
    return got


# --- the shapes fixtures, the shipped graph, a generated graph -----------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_pyshacls_results(path, engine):
    got = same_as_pyshacl(fixture_data(path), shipped_shapes(), engine, key=path.name)
    assert got or (engine == "oxigraph" and path.name in FOLDED), "an invalid fixture gives at least one result"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_conforms_as_with_pyshacl(path, engine):
    assert not same_as_pyshacl(fixture_data(path), shipped_shapes(), engine, key=path.name)


@pytest.mark.parametrize("engine", ENGINES)
def test_shipped_graph_conforms_as_with_pyshacl(engine, shipped_graph):
    assert not same_as_pyshacl(shipped_graph, shipped_shapes(), engine, key="shipped")
    source = shipped_graph if engine == "rdflib" else OxigraphStore.from_graph(shipped_graph)
    report = validation.validate(source)
    assert report.conforms and not report.results and report.triples == len(shipped_graph)


FOLDED = ("quotation-with-two-ends.ttl", "quotation-with-two-starts.ttl")


def test_oxigraph_folds_integer_types():
    """Why the Oxigraph oracle reads the store's own triples: "22"^^xsd:integer and
    "22"^^xsd:nonNegativeInteger are two values in rdflib (pySHACL: sh:maxCount 1 broken) and
    one in Oxigraph. If Oxigraph stops folding them, the oracle can go back to the rdflib graph."""
    for name in FOLDED:
        data = fixture_data(FIXTURES / "invalid" / name)
        kept = set(OxigraphStore.from_graph(data).memory_graph())
        assert kept != set(data) and len(kept) == len(data) - 1, name


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """~10^4 triples from benchmarks/generate.py with one injected violation of each kind."""
    out = tmp_path_factory.mktemp("generated") / "bad.ttl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "8000",
                    "--seed", "11", "--violations", "19", "--out", str(out)], check=True, capture_output=True)
    data = Graph()
    data += ontology()
    data.parse(out, format="turtle")
    import json

    expected = json.loads(out.with_suffix(".violations.json").read_text())
    return data, expected


@pytest.mark.parametrize("engine", ENGINES)
def test_generated_graph_with_injected_violations(generated, engine):
    data, expected = generated
    got = same_as_pyshacl(data, shipped_shapes(), engine, key="generated")
    shapes_ns = "https://w3id.org/clearview-kg/shapes#"
    found = {(("_:blank" if k[0] == "_:blank" else str(k[0])), k[3], str(k[2]).rsplit("#", 1)[-1]) for k in got}
    for violation in expected["violations"]:
        for e in violation["expected"]:
            shape = "cvsh:" + e["shape"].replace(shapes_ns, "") if e["shape"].startswith(shapes_ns) else e["shape"]
            focus = "_:blank" if e["focus"] == "_:blank" else e["focus"]
            assert (focus, shape, e["component"].rsplit("#", 1)[-1]) in found, (violation["kind"], e)
    assert len(expected["violations"]) >= 15


# --- one constraint component at a time ------------------------------------------------------------

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""

V = SH  # component names below are sh: local names


def keys_of(counter: Counter) -> set:
    """(focus, path, component, value) with IRIs shortened to ex: local names, for reading."""

    def short(term):
        if term is None or term == "_:blank":
            return term
        if isinstance(term, URIRef) and str(term).startswith(str(EX)):
            return str(term)[len(str(EX)):]
        if isinstance(term, Literal):
            return term.n3()
        return str(term)

    out = set()
    for (focus, path, component, _shape, value, _severity), n in counter.items():
        path = path.replace(str(EX), "ex:") if path else path
        out.add((short(focus), path, str(component).rsplit("#", 1)[-1], short(value)))
    return out


CASES = {
    # name: (shapes, data, {(focus, path, component, value)})
    "class-with-subclass-in-data": (
        """ex:S sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ; sh:class ex:A ] .""",
        """ex:B rdfs:subClassOf ex:A . ex:x a ex:Thing ; ex:p ex:b, ex:c, "lit" . ex:b a ex:B . ex:c a ex:C .""",
        {("x", "ex:p", "ClassConstraintComponent", "c"), ("x", "ex:p", "ClassConstraintComponent", '"lit"')}),
    "datatype-ill-typed-and-lang": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:i ; sh:datatype xsd:integer ] ,
           [ sh:path ex:d ; sh:datatype xsd:date ] , [ sh:path ex:l ; sh:datatype rdf:langString ] ,
           [ sh:path ex:s ; sh:datatype xsd:string ] , [ sh:path ex:y ; sh:datatype xsd:gYear ] .""",
        """ex:x ex:i 1, "abc"^^xsd:integer, "1.5"^^xsd:decimal ;
               ex:d "2021-02-28"^^xsd:date, "2021-02-30"^^xsd:date, "2020-02-29"^^xsd:date, "2021-01-01Z"^^xsd:date ;
               ex:l "a"@en, "b" ; ex:s "c", "d"@en, ex:iri ; ex:y "2021"^^xsd:gYear, "20x1"^^xsd:gYear, 2021 .""",
        {("x", "ex:i", "DatatypeConstraintComponent", '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:i", "DatatypeConstraintComponent", '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
         ("x", "ex:d", "DatatypeConstraintComponent", '"2021-02-30"^^<http://www.w3.org/2001/XMLSchema#date>'),
         ("x", "ex:l", "DatatypeConstraintComponent", '"b"'),
         ("x", "ex:s", "DatatypeConstraintComponent", '"d"@en'),
         ("x", "ex:s", "DatatypeConstraintComponent", "iri"),
         ("x", "ex:y", "DatatypeConstraintComponent", '"2021"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "lexical-forms-with-a-final-newline": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:d ; sh:datatype xsd:date ] , [ sh:path ex:i ; sh:minInclusive 0 ] .""",
        """ex:x ex:d "2021-01-05\\n"^^xsd:date, "2021-01-05"^^xsd:date ; ex:i "5\\n"^^xsd:integer, "-1\\n"^^xsd:integer .""",
        {("x", "ex:d", "DatatypeConstraintComponent", '"""2021-01-05\n"""^^<http://www.w3.org/2001/XMLSchema#date>'),
         ("x", "ex:i", "MinInclusiveConstraintComponent", '"-1"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "node-kind": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ] ,
           [ sh:path ex:q ; sh:nodeKind sh:BlankNodeOrLiteral ] .""",
        """ex:x ex:p ex:a, "b", [ ex:z 1 ] ; ex:q ex:c, "d" .""",
        {("x", "ex:p", "NodeKindConstraintComponent", '"b"'), ("x", "ex:p", "NodeKindConstraintComponent", "_:blank"),
         ("x", "ex:q", "NodeKindConstraintComponent", "c")}),
    "min-and-max-count-with-a-sequence-path": (
        """ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 2 ; sh:maxCount 3 ] ,
           [ sh:path ( ex:q ex:r ) ; sh:maxCount 1 ] .""",
        """ex:a a ex:T ; ex:p 1 . ex:b a ex:T ; ex:p 1, 2, 3, 4 . ex:c a ex:T ; ex:p 1, 2 ;
           ex:q ex:m1, ex:m2 . ex:m1 ex:r ex:z . ex:m2 ex:r ex:z . ex:d a ex:T ; ex:p 1, 2 ; ex:q ex:m3 . ex:m3 ex:r 5, 6 .""",
        {("a", "ex:p", "MinCountConstraintComponent", None), ("b", "ex:p", "MaxCountConstraintComponent", None),
         ("d", "ex:q/ex:r", "MaxCountConstraintComponent", None)}),
    "value-ranges": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minInclusive 0 ; sh:maxExclusive 10.5 ] ,
           [ sh:path ex:d ; sh:minExclusive "2020-01-01"^^xsd:date ] .""",
        """ex:x ex:p 0, -1, 10.5, 3.25, "7", "abc"^^xsd:integer, 1e1 ;
               ex:d "2020-01-01"^^xsd:date, "2020-06-01"^^xsd:date, "2020"^^xsd:gYear .""",
        {("x", "ex:p", "MinInclusiveConstraintComponent", '"-1"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:p", "MaxExclusiveConstraintComponent", '"10.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
         ("x", "ex:p", "MinInclusiveConstraintComponent", '"7"'), ("x", "ex:p", "MaxExclusiveConstraintComponent", '"7"'),
         ("x", "ex:p", "MinInclusiveConstraintComponent", '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:p", "MaxExclusiveConstraintComponent", '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:d", "MinExclusiveConstraintComponent", '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>')}),
    "string-length": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minLength 2 ; sh:maxLength 3 ] .""",
        """ex:x ex:p "a", "ab", "abcd", "ééé", ex:io, [ ex:z 1 ] .""",
        {("x", "ex:p", "MinLengthConstraintComponent", '"a"'), ("x", "ex:p", "MaxLengthConstraintComponent", '"abcd"'),
         ("x", "ex:p", "MaxLengthConstraintComponent", "io"),
         ("x", "ex:p", "MinLengthConstraintComponent", "_:blank"), ("x", "ex:p", "MaxLengthConstraintComponent", "_:blank")}),
    "pattern-dollar-before-a-final-newline": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:pattern "^[0-9a-f]{4}$" ] ,
           [ sh:path ex:q ; sh:pattern "b+c" ] .""",
        '''ex:x ex:p "abcd", "abcd\\n", "abcd\\n\\n", "ABCD", "abcde", ex:abcd ; ex:q "xbbcx", "bc", "cb", 12 .''',
        {("x", "ex:p", "PatternConstraintComponent", '"""abcd\n\n"""'), ("x", "ex:p", "PatternConstraintComponent", '"ABCD"'),
         ("x", "ex:p", "PatternConstraintComponent", '"abcde"'), ("x", "ex:p", "PatternConstraintComponent", "abcd"),
         ("x", "ex:q", "PatternConstraintComponent", '"cb"'),
         ("x", "ex:q", "PatternConstraintComponent", '"12"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "language-in-and-unique-lang": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:languageIn ( "en" "da" ) ] ,
           [ sh:path ex:q ; sh:uniqueLang true ] .""",
        """ex:x ex:p "a"@en, "b"@EN-gb, "c"@sv, "d", "e"@da-DK ; ex:q "a"@en, "b"@EN, "c"@sv, "d"@de, "e"@de, "f" .""",
        {("x", "ex:p", "LanguageInConstraintComponent", '"c"@sv'), ("x", "ex:p", "LanguageInConstraintComponent", '"d"'),
         ("x", "ex:q", "UniqueLangConstraintComponent", None)}),
    "equals-disjoint-inverse-path": (
        """ex:S sh:targetClass ex:Post ; sh:property [ sh:path [ sh:inversePath ex:holds ] ; sh:equals ex:heldBy ] ,
           [ sh:path ex:a ; sh:disjoint ex:b ] .""",
        """ex:p1 a ex:Post ; ex:heldBy ex:ann . ex:ann ex:holds ex:p1 . ex:p2 a ex:Post ; ex:heldBy ex:bob ;
           ex:a 1, 2 ; ex:b 2, 3 . ex:carl ex:holds ex:p2 .""",
        {("p2", "^ex:holds", "EqualsConstraintComponent", "bob"), ("p2", "^ex:holds", "EqualsConstraintComponent", "carl"),
         ("p2", "ex:a", "DisjointConstraintComponent", '"2"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "less-than": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:start ; sh:lessThan ex:end ] ,
           [ sh:path ex:low ; sh:lessThanOrEquals ex:high ] .""",
        """ex:x ex:start 1, 5 ; ex:end 5 ; ex:low "b", 2 ; ex:high "b" .""",
        {("x", "ex:start", "LessThanConstraintComponent", '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:low", "LessThanOrEqualsConstraintComponent", '"2"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "logic-or-and-not-xone": (
        """ex:S sh:targetNode ex:x ;
             sh:property [ sh:path ex:o ; sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] ) ] ,
             [ sh:path ex:a ; sh:and ( [ sh:datatype xsd:integer ] [ sh:minInclusive 0 ] ) ] ,
             [ sh:path ex:n ; sh:not [ sh:class ex:Bad ] ] ,
             [ sh:path ex:x ; sh:xone ( [ sh:class ex:A ] [ sh:class ex:B ] ) ] .""",
        """ex:x ex:o "2021-01-01"^^xsd:date, "2021"^^xsd:gYear, "2021" ; ex:a 1, -1, "2" ;
               ex:n ex:good, ex:bad ; ex:x ex:ab, ex:a1, ex:none .
           ex:bad a ex:Bad . ex:ab a ex:A, ex:B . ex:a1 a ex:A .""",
        {("x", "ex:o", "OrConstraintComponent", '"2021"'),
         ("x", "ex:a", "AndConstraintComponent", '"-1"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("x", "ex:a", "AndConstraintComponent", '"2"'),
         ("x", "ex:n", "NotConstraintComponent", "bad"),
         ("x", "ex:x", "XoneConstraintComponent", "ab"), ("x", "ex:x", "XoneConstraintComponent", "none")}),
    "node-and-node-level-or": (
        """ex:S sh:targetClass ex:Fine ; sh:property [ sh:path ex:amount ; sh:node ex:Amount ] ;
             sh:or ( [ sh:path ex:agent ; sh:minCount 1 ] [ sh:class ex:Settlement ] ) .
           ex:Amount sh:property [ sh:path ex:value ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:decimal ] .""",
        """ex:f1 a ex:Fine ; ex:agent ex:a ; ex:amount ex:m1 . ex:m1 ex:value 1.5 .
           ex:f2 a ex:Fine, ex:Settlement ; ex:amount ex:m2 . ex:m2 ex:value 1.5, 2.5 .
           ex:f3 a ex:Fine ; ex:amount ex:m3 . ex:m3 ex:value "x" .""",
        {("f2", "ex:amount", "NodeConstraintComponent", "m2"), ("f3", "ex:amount", "NodeConstraintComponent", "m3"),
         ("f3", None, "OrConstraintComponent", "f3")}),
    "qualified-value-shape-with-disjoint-siblings": (
        """ex:S sh:targetNode ex:x ;
             sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; sh:qualifiedMinCount 1 ;
                           sh:qualifiedMaxCount 1 ; sh:qualifiedValueShapesDisjoint true ] ,
                         [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:B ] ; sh:qualifiedMinCount 1 ;
                           sh:qualifiedValueShapesDisjoint true ] .
           ex:S2 sh:targetNode ex:y ;
             sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; sh:qualifiedMaxCount 1 ] .""",
        """ex:x ex:p ex:ab, ex:a2 . ex:ab a ex:A, ex:B . ex:a2 a ex:A .
           ex:y ex:p ex:a3, ex:a4 . ex:a3 a ex:A . ex:a4 a ex:A .""",
        {("x", "ex:p", "QualifiedMinCountConstraintComponent", None),
         ("y", "ex:p", "QualifiedMaxCountConstraintComponent", None)}),
    "has-value-and-in": (
        """ex:S sh:targetNode ex:x, ex:y ; sh:property [ sh:path rdf:type ; sh:hasValue ex:Good ] ,
           [ sh:path ex:c ; sh:in ( "EUR" "GBP" ex:other 1 ) ] .""",
        """ex:x a ex:Good ; ex:c "EUR", "eur", "EUR"@en, ex:other, ex:nope, 1, "1.5"^^xsd:decimal, "GBP"^^xsd:token .
           ex:y a ex:Bad .""",
        {("y", "rdf:type", "HasValueConstraintComponent", None),
         ("x", "ex:c", "InConstraintComponent", '"eur"'), ("x", "ex:c", "InConstraintComponent", '"EUR"@en'),
         ("x", "ex:c", "InConstraintComponent", "nope"),
         ("x", "ex:c", "InConstraintComponent", '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
         ("x", "ex:c", "InConstraintComponent", '"GBP"^^<http://www.w3.org/2001/XMLSchema#token>')}),
    "closed": (
        """ex:S sh:targetNode ex:x ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
             sh:property [ sh:path ex:p ] .""",
        """ex:x a ex:T ; ex:p 1 ; ex:q 2 .""",
        {("x", "ex:q", "ClosedConstraintComponent", '"2"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "targets-of-every-kind": (
        """ex:ByNode sh:targetNode ex:n, "lit" ; sh:nodeKind sh:IRI .
           ex:ByClass a rdfs:Class ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
           ex:BySubject sh:targetSubjectsOf ex:s ; sh:class ex:K .
           ex:ByObject sh:targetObjectsOf ex:o ; sh:datatype xsd:integer .""",
        """ex:Sub rdfs:subClassOf ex:ByClass . ex:c1 a ex:Sub . ex:c2 a ex:ByClass ; ex:p 1 .
           ex:s1 ex:s 1 . ex:s2 ex:s 2 ; a ex:K . ex:z ex:o 3, "4", ex:iri .""",
        {("_lit", None, "NodeKindConstraintComponent", '"lit"'), ("c1", "ex:p", "MinCountConstraintComponent", None),
         ("s1", None, "ClassConstraintComponent", "s1"), ('"4"', None, "DatatypeConstraintComponent", '"4"'),
         ("iri", None, "DatatypeConstraintComponent", "iri")}),
    "sparql-constraint-with-message": (
        """ex:decl a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
           ex:S sh:targetClass ex:T ; sh:sparql [ sh:message "too big: {?value} on {$this}" ; sh:prefixes ex:decl ;
             sh:select "SELECT $this ?value WHERE { $this ex:p ?value . FILTER(?value > 2) }" ] .""",
        """ex:a a ex:T ; ex:p 1, 3, 4 . ex:b a ex:T ; ex:p 2 . ex:c ex:p 9 .""",
        {("a", None, "SPARQLConstraintComponent", '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'),
         ("a", None, "SPARQLConstraintComponent", '"4"^^<http://www.w3.org/2001/XMLSchema#integer>')}),
    "deactivated-and-warnings": (
        """ex:Off sh:targetNode ex:x ; sh:deactivated true ; sh:property [ sh:path ex:p ; sh:minCount 5 ] .
           ex:On sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minCount 5 ; sh:severity sh:Warning ] ,
             [ sh:path ex:q ; sh:minCount 1 ; sh:deactivated true ] ;
             sh:or ( [ sh:class ex:Nothing ; sh:severity sh:Warning ] ) .""",
        """ex:x ex:p 1 .""",
        {("x", "ex:p", "MinCountConstraintComponent", None)}),
    "nested-property-chains-and-multiplicity": (
        """ex:S sh:targetClass ex:T ; sh:property ex:P .
           ex:P sh:path ex:child ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
           ex:S2 sh:targetNode ex:t1 ; sh:property ex:P .""",
        """ex:t1 a ex:T ; ex:child ex:k . ex:t2 a ex:T ; ex:child ex:k . ex:k ex:other 1 .""",
        {("k", "ex:name", "MinCountConstraintComponent", None)}),
    "recursive-node-shape": (
        """ex:Amount sh:targetClass ex:Amount ; sh:property [ sh:path ex:value ; sh:minCount 1 ] ,
             [ sh:path ex:equivalent ; sh:node ex:Amount ] .""",
        """ex:m1 a ex:Amount ; ex:value 1 ; ex:equivalent ex:m2 . ex:m2 ex:equivalent ex:m3 ; ex:value 2 .
           ex:m3 ex:equivalent ex:m4 ; ex:value 3 . ex:m4 ex:equivalent ex:m1 . ex:c a ex:Amount ; ex:equivalent ex:c .
           ex:d a ex:Amount ; ex:value 1 ; ex:equivalent ex:e .""",
        # m4 has no value, but pySHACL stops looking three amounts down the chain from m1
        {("d", "ex:equivalent", "NodeConstraintComponent", "e"), ("c", "ex:value", "MinCountConstraintComponent", None),
         ("c", "ex:equivalent", "NodeConstraintComponent", "c")}),
    "one-or-more-path-with-has-value": (
        """ex:S sh:targetClass ex:Action ; sh:property [ sh:path rdf:type ; sh:qualifiedValueShape ex:Kind ;
             sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] .
           ex:Kind sh:path [ sh:oneOrMorePath rdfs:subClassOf ] ; sh:hasValue ex:Action .""",
        """ex:Fine rdfs:subClassOf ex:Enforcement . ex:Enforcement rdfs:subClassOf ex:Action . ex:Use rdfs:subClassOf ex:Action .
           ex:a1 a ex:Fine . ex:a2 a ex:Fine, ex:Use . ex:a3 a ex:Action .""",
        {("a2", "rdf:type", "QualifiedMaxCountConstraintComponent", None),
         ("a3", "rdf:type", "QualifiedMinCountConstraintComponent", None)}),
}


def case_graphs(name: str) -> tuple[Graph, Graph]:
    shapes_text, data_text, _expected = CASES[name]
    return (Graph().parse(data=PREFIXES + shapes_text, format="turtle"),
            Graph().parse(data=PREFIXES + data_text, format="turtle"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_component(name, engine):
    shapes, data = case_graphs(name)
    expected = {tuple("_lit" if x == '"lit"' and i == 0 else x for i, x in enumerate(k)) for k in CASES[name][2]}
    source, oracle_graph = engine_source(data, engine)
    got = keys_of(compiled_keys(source, shapes))
    got = {(("_lit" if k[0] == '"lit"' else k[0]),) + k[1:] for k in got}
    assert got == expected, f"\nmissing {expected - got}\nextra {got - expected}"
    want = keys_of(oracle_keys(oracle_graph, shapes))
    want = {(("_lit" if k[0] == '"lit"' else k[0]),) + k[1:] for k in want}
    assert want == expected, f"the expectation is not pySHACL's: {want ^ expected}"
    same_as_pyshacl(data, shapes, engine)  # multiplicities, shapes and severities too


def test_every_component_of_the_shipped_shapes_has_a_case():
    """The components the shipped shapes use are each exercised above."""
    used = {p for p in shipped_shapes().predicates() if p in shacl_sparql._PARAMETERS}
    cases_shapes = Graph()
    for name in CASES:
        cases_shapes += case_graphs(name)[0]
    covered = {p for p in cases_shapes.predicates() if p in shacl_sparql._PARAMETERS}
    assert used <= covered, used - covered


def test_severity_and_source_shape_are_the_shapes():
    shapes, data = case_graphs("deactivated-and-warnings")
    for source in (data, OxigraphStore.from_graph(data)):
        found = shacl_sparql.compile_shapes(shapes, shacl_sparql.dialect_of(source)).run(source)
        assert [(f.severity, f.component) for f in found] == [(SH.Warning, SH.MinCountConstraintComponent)]
        assert (found[0].source_shape, SH.severity, SH.Warning) in shapes


# --- reports: messages, order, conformance, progress -------------------------------------------------


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(PREFIXES + text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_report_messages_order_and_conformance(tmp_path, engine):
    shapes = _write(tmp_path, "shapes.ttl", CASES["sparql-constraint-with-message"][0] + """
        ex:M sh:targetClass ex:T ; sh:property [ sh:path ex:q ; sh:minCount 1 ; sh:message "needs a q"@en, "braucht q"@de ] ;
          sh:property [ sh:path ex:r ; sh:minCount 1 ] .""")
    data = Graph().parse(data=PREFIXES + CASES["sparql-constraint-with-message"][1], format="turtle")
    source = data if engine == "rdflib" else OxigraphStore.from_graph(data)
    report = validation.validate_compiled(source, *validation._shapes_for([shapes], False))
    assert not report.conforms
    messages = {(r.focus.rsplit("/", 1)[-1], r.path, r.message) for r in report.results}
    assert ("a", None, "too big: 3 on http://example.org/a") in messages
    assert ("a", None, "too big: 4 on http://example.org/a") in messages
    assert ("b", f"{EX}q", "needs a q") in messages
    assert ("b", f"{EX}r", f"Less than 1 values on {EX}b->{EX}r") in messages
    keys = [(r.focus, r.path or "", r.component or "", r.message, r.value or "") for r in report.results]
    assert keys == sorted(keys)
    assert len(report.results) == 2 + 2 + 2


def test_warnings_do_not_fail_a_report(tmp_path):
    shapes = _write(tmp_path, "shapes.ttl", CASES["deactivated-and-warnings"][0])
    data = Graph().parse(data=PREFIXES + CASES["deactivated-and-warnings"][1], format="turtle")
    for source in (data, OxigraphStore.from_graph(data)):
        report = validation.validate_compiled(source, *validation._shapes_for([shapes], False))
        assert report.conforms and [r.severity for r in report.results] == ["Warning"]


@pytest.mark.parametrize("engine", ENGINES)
def test_compiled_report_equals_the_pyshacl_report(engine):
    """The whole Result - labels, paths, values, shapes, messages - as core.validation builds it."""
    path = FIXTURES / "invalid" / "action-with-two-kinds.ttl"
    data = fixture_data(path)
    source, oracle_graph = engine_source(data, engine)
    shapes, files = validation._shapes_for([], True)
    compiled = validation.validate_compiled(source, shapes, files)
    oracle = validation.validate_pyshacl(oracle_graph, shapes, files)
    assert compiled.results and [r.as_dict() for r in compiled.results] == [r.as_dict() for r in oracle.results]
    assert compiled.conforms == oracle.conforms is False
    assert compiled.triples == oracle.triples


def test_progress_counts_the_queries(monkeypatch):
    from contextlib import contextmanager

    from clearview_kg.core import progress

    seen = []

    class Bar:
        def __init__(self, total):
            self.total, self.done = total, 0

        def update(self, n=1):
            self.done += n

    @contextmanager
    def bar(label, total=None, unit="", stream=None):
        b = Bar(total)
        seen.append((label, b))
        yield b

    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(validation, "SMALL_GRAPH", 0)
    data = fixture_data(FIXTURES / "invalid" / "amount-value-negative.ttl")
    validation.validate(OxigraphStore.from_graph(data))
    (label, b), = seen
    assert label == "Validating" and b.total > 20 and b.done == b.total


# --- what the compiler does not handle falls back to pySHACL -----------------------------------------

UNSUPPORTED = {
    "datatype-rdfs-datatype": ("""ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:datatype rdfs:Datatype ] .""",
                               """ex:x ex:p "plain" .""", "DatatypeConstraintComponent"),
    "sparql-on-a-property-shape": (
        """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ;
             sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> 2 }" ] ] .""",
        """ex:x ex:p 2 .""", "SPARQLConstraintComponent"),
    "sparql-with-this-in-an-optional": (
        """ex:S sh:targetNode ex:x ; sh:sparql [ sh:select
             "SELECT $this ?value WHERE { ?value <http://example.org/q> 1 OPTIONAL { $this <http://example.org/p> ?value } }" ] .""",
        """ex:x ex:p ex:v . ex:v ex:q 1 .""", "SPARQLConstraintComponent"),
    "nested-min-count-above-two": (
        """ex:S sh:targetNode ex:x ; sh:not [ sh:path ex:p ; sh:minCount 4 ] .""",
        """ex:x ex:p 1, 2, 3, 4 .""", "NotConstraintComponent"),
    "less-than-inside-or": (
        """ex:S sh:targetNode ex:x ; sh:or ( [ sh:path ex:a ; sh:lessThan ex:b ] [ sh:class ex:K ] ) .""",
        """ex:x ex:a 3 ; ex:b 2 .""", "OrConstraintComponent"),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path, monkeypatch, name, engine):
    shapes_text, data_text, component = UNSUPPORTED[name]
    shapes = Graph().parse(data=PREFIXES + shapes_text, format="turtle")
    data = Graph().parse(data=PREFIXES + data_text, format="turtle")
    source = data if engine == "rdflib" else OxigraphStore.from_graph(data)
    for dialect in ("python", "rust"):
        with pytest.raises(shacl_sparql.Unsupported):
            shacl_sparql.compile_shapes(shapes, dialect)
    monkeypatch.setattr(validation, "SMALL_GRAPH", 0)  # even a tiny graph tries the compiled path first
    tried = []
    real_compiled = validation.validate_compiled
    monkeypatch.setattr(validation, "validate_compiled", lambda *a: tried.append(a) or real_compiled(*a))
    calls = []
    real = validation.validate_pyshacl
    monkeypatch.setattr(validation, "validate_pyshacl", lambda *a: calls.append(a) or real(*a))
    report = validation.validate(source, shapes_paths=[_write(tmp_path, "s.ttl", shapes_text)], shipped_shapes=False)
    assert len(tried) == 1 and len(calls) == 1
    assert calls[0][0] is source
    assert not report.conforms and {r.component for r in report.results} == {f"sh:{component}"}


def test_flags_i_falls_back_on_oxigraph_only(tmp_path, monkeypatch):
    monkeypatch.setattr(validation, "SMALL_GRAPH", 0)
    calls = []
    real = validation.validate_pyshacl
    monkeypatch.setattr(validation, "validate_pyshacl", lambda *a: calls.append(a) or real(*a))
    shapes_text = """ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:pattern "^abc$" ; sh:flags "i" ] ."""
    shapes = Graph().parse(data=PREFIXES + shapes_text, format="turtle")
    data = Graph().parse(data=PREFIXES + """ex:x ex:p "ABC", "abd" .""", format="turtle")
    shacl_sparql.compile_shapes(shapes, "python")
    with pytest.raises(shacl_sparql.Unsupported, match="flags"):
        shacl_sparql.compile_shapes(shapes, "rust")
    assert keys_of(compiled_keys(data, shapes)) == {("x", "ex:p", "PatternConstraintComponent", '"abd"')}
    report = validation.validate(OxigraphStore.from_graph(data), shapes_paths=[_write(tmp_path, "s.ttl", shapes_text)],
                                 shipped_shapes=False)
    assert [r.value for r in report.results] == ['"abd"'] and len(calls) == 1


def test_where_the_compiled_queries_run(monkeypatch):
    small = fixture_data(FIXTURES / "invalid" / "amount-value-negative.ttl")
    ox_store = OxigraphStore.from_graph(small)
    for data in (small, ox_store, ox_store.graph()):
        assert validation._compiled_source(data) is None  # small: pySHACL is faster
    monkeypatch.setattr(validation, "SMALL_GRAPH", 100)
    assert validation._compiled_source(ox_store) is ox_store
    assert validation._compiled_source(ox_store.graph()) is ox_store
    for data in (small, store.EmbeddedStore(small)):
        copy = validation._compiled_source(data)
        assert isinstance(copy, OxigraphStore) and set(copy.memory_graph()) == set(small)
    folded = fixture_data(FIXTURES / "invalid" / "quotation-with-two-ends.ttl")
    assert validation._compiled_source(folded) is None  # the copy would lose a literal
    plain_vs_string = Graph()
    plain_vs_string += small
    plain_vs_string.add((EX.s, EX.p, Literal("x", datatype=XSD.string)))
    assert validation._compiled_source(plain_vs_string) is None


@pytest.mark.parametrize("name", ["amount-value-negative.ttl", "action-with-two-kinds.ttl", "quotation-with-two-ends.ttl"])
def test_a_large_rdflib_graph_is_validated_in_an_oxigraph_copy(monkeypatch, name):
    data = fixture_data(FIXTURES / "invalid" / name)
    monkeypatch.setattr(validation, "SMALL_GRAPH", 100)
    shapes, files = validation._shapes_for([], True)
    report = validation.validate(data)
    oracle = validation.validate_pyshacl(data, shapes, files)
    assert report.results and [r.as_dict() for r in report.results] == [r.as_dict() for r in oracle.results]
    assert report.triples == len(data)


def test_a_store_without_a_known_engine_is_validated_by_pyshacl_on_its_memory_graph(monkeypatch):
    data = fixture_data(FIXTURES / "invalid" / "amount-value-negative.ttl")

    class Server(store.Store):
        """Stands for a SPARQL server: no compiled queries, a graph fetched whole."""

        def run(self, text, params=None, name="query"):
            raise AssertionError("no query may be sent")

        def graph(self):
            raise AssertionError("memory_graph() is preferred")

        def memory_graph(self):
            return data

        def triple_count(self):
            return len(data)

    assert shacl_sparql.dialect_of(Server()) is None
    report = validation.validate(Server())
    assert {r.component for r in report.violations} == {"sh:MinInclusiveConstraintComponent",
                                                         "sh:NodeConstraintComponent"}


def test_an_oxigraph_view_is_never_given_to_pyshacl(monkeypatch):
    data = fixture_data(FIXTURES / "invalid" / "amount-value-negative.ttl")
    ox_store = OxigraphStore.from_graph(data)
    given_to_pyshacl = []
    real = pyshacl.validate
    monkeypatch.setattr(pyshacl, "validate", lambda g, **kw: given_to_pyshacl.append(g) or real(g, **kw))
    monkeypatch.setattr(validation, "validate_compiled", lambda *a: (_ for _ in ()).throw(shacl_sparql.Unsupported("test")))
    report = validation.validate(ox_store.graph())
    assert report.violations
    (graph,) = given_to_pyshacl
    assert type(graph.store).__name__ != "TripleView"
    assert type(validation._PreparedQueryGraph(Graph()).store).__name__ == type(graph.store).__name__


def test_shapes_pyshacl_refuses_are_not_compiled_and_fail_as_with_pyshacl(tmp_path):
    text = """ex:S sh:targetNode ex:x ; sh:uniqueLang true ."""
    shapes = Graph().parse(data=PREFIXES + text, format="turtle")
    with pytest.raises(shacl_sparql.Unsupported, match="uniqueLang"):
        shacl_sparql.compile_shapes(shapes, "rust")
    data = OxigraphStore.from_graph(Graph().parse(data=PREFIXES + "ex:x ex:p 1 .", format="turtle"))
    with pytest.raises(CvkgError, match="validation failed"):
        validation.validate(data, shapes_paths=[_write(tmp_path, "s.ttl", text)], shipped_shapes=False)


def test_generated_queries_go_to_the_store_as_checked(monkeypatch):
    """With a store.select that takes checked=True, the compiler's own queries are passed
    with it (and sh:class lists its subclasses with IN), the text of sh:select never is."""
    seen = []
    real = store.select

    def select(source, text, params=None, name="query", checked=False):
        seen.append((checked, "SELECT $this" in text))
        return real(source, text, params, name)

    monkeypatch.setattr(store, "select", select)
    for name in ("agent-not-actor.ttl", "quote-language-differs-from-source.ttl"):
        path = FIXTURES / "invalid" / name
        assert same_as_pyshacl(fixture_data(path), shipped_shapes(), "oxigraph", key=path.name)
    assert {checked for checked, user_text in seen if user_text} == {False}
    assert {checked for checked, user_text in seen if not user_text} == {True}
    compiled = shacl_sparql.compile_shapes(shipped_shapes(), "rust")
    text = compiled._fill_classes(next(u.text for u in compiled.units if "__CVKG_CLASS_" in u.text),
                                  [[URIRef("http://example.org/A")]] * len(compiled.classes))
    assert " IN (<http://example.org/A>)" in text


def test_data_pyshacl_cannot_judge_falls_back_and_fails_as_pyshacl_does():
    """sh:lessThan on blank nodes: pySHACL stops with an error; so does validate."""
    shapes = Graph().parse(data=PREFIXES + CASES["less-than"][0], format="turtle")
    data = Graph().parse(data=PREFIXES + "ex:x ex:start [ ex:q 1 ] ; ex:end 5 .", format="turtle")
    with pytest.raises(shacl_sparql.NeedsFallback):
        shacl_sparql.compile_shapes(shapes, "python").run(data)
    with pytest.raises(CvkgError, match="validation failed"):
        validation.validate_pyshacl(data, shapes, [])


def test_user_shapes_are_checked_before_anything_runs(tmp_path, monkeypatch, shipped_graph):
    path = _write(tmp_path, "bad.ttl", """ex:S sh:targetNode ex:x ; sh:sparql [ sh:select
        "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/> { $this ?p ?o } }" ] .""")

    def must_not_run(*args, **kwargs):
        raise AssertionError("nothing may run before the shapes are checked")

    monkeypatch.setattr(shacl_sparql, "compile_shapes", must_not_run)
    monkeypatch.setattr(validation, "validate_pyshacl", must_not_run)
    with pytest.raises(QueryRefused):
        validation.validate(OxigraphStore.from_graph(shipped_graph), shapes_paths=[path], shipped_shapes=False)


# --- the pieces: lexical forms, regular expressions, pySHACL's recursion cut-off -----------------------

SURE = sorted(shacl_sparql._SURE_FORMS.items(), key=lambda kv: str(kv[0]))


@pytest.mark.parametrize("datatype,form", SURE, ids=[str(dt).rsplit("#", 1)[-1] for dt, _ in SURE])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sure_lexical_forms_are_well_typed_for_rdflib(datatype, form, data):
    """The query trusts these forms without asking rdflib: rdflib must agree on each."""
    lexical = data.draw(st.from_regex(re.compile(form, re.ASCII), fullmatch=True))
    assert shacl_sparql.datatype_ok(Literal(lexical, datatype=datatype), datatype), lexical


@settings(max_examples=150, deadline=None)
@given(value=st.from_regex(re.compile(shacl_sparql._SURE_NUMBER, re.ASCII), fullmatch=True),
       bound=st.from_regex(re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,2})?$", re.ASCII), fullmatch=True),
       value_type=st.sampled_from([XSD.integer, XSD.decimal]))
def test_sure_numbers_compare_in_oxigraph_as_in_pyshacl(value, bound, value_type):
    if value_type == XSD.integer and "." in value:
        value = value.split(".")[0] or "0"
    bound_term = Literal(bound, datatype=XSD.decimal if "." in bound else XSD.integer)
    term = Literal(value, datatype=value_type)
    s = ox.Store()
    answer = s.query(f"ASK {{ FILTER({shacl_sparql.sparql_term(term)} >= {shacl_sparql.sparql_term(bound_term)}) }}")
    assert bool(answer) == shacl_sparql.range_ok(term, bound_term, "minInclusive")


PATTERNS = ["^[0-9a-f]{64}$", "b+c", "^a.c$", "x|y[^z]", "(ab){2,3}?", "[\\d-]+$", "^\\D", "a\\.b", "[ä-ö]", "\\$"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="abcxyz09-.\n$äöé", max_size=12), pattern=st.sampled_from(PATTERNS))
def test_patterns_for_oxigraph_match_as_python_does(text, pattern):
    rust = shacl_sparql._rust_pattern(pattern, multiline=False)
    s = ox.Store()
    answer = s.query(f"ASK {{ FILTER(REGEX({shacl_sparql._string(text)}, {shacl_sparql._string(rust)})) }}")
    assert bool(answer) == bool(re.search(pattern, text)), (pattern, rust, text)


@pytest.mark.parametrize("pattern", ["\\w+", "\\s", "\\bx", "a$b", "(?i)x", "\\Z", "(?=a)"])
def test_patterns_outside_the_common_ground_are_not_compiled_for_oxigraph(pattern):
    with pytest.raises(shacl_sparql.Unsupported):
        shacl_sparql._rust_pattern(pattern, multiline=False)


def test_recursion_cut_off_is_pyshacls():
    """pySHACL stops sh:node recursion MonetaryAmount -> equivalentAmount -> MonetaryAmount at a
    fixed depth that depends on where it started; the compiler unrolls the same depth. A chain
    of four equivalent amounts, the last one broken, shows the difference: from the amount
    itself (target) the break is seen two levels down, from the action it is not."""
    shapes = shipped_shapes()
    data = fixture_data(FIXTURES / "valid" / "fine.ttl")
    amounts = list(data.subjects(RDF.type, URIRef("https://schema.org/MonetaryAmount")))
    assert amounts
    ns = "https://w3id.org/clearview-kg/ontology#"
    chain = Graph()
    chain += data
    previous = amounts[0]
    for i in range(4):
        node = EX[f"eq{i}"]
        chain.add((previous, URIRef(ns + "equivalentAmount"), node))
        chain.add((node, RDF.type, URIRef("https://schema.org/MonetaryAmount")))
        chain.add((node, URIRef("https://schema.org/value"), Literal("1.0", datatype=XSD.decimal)))
        chain.add((node, URIRef("https://schema.org/currency"), Literal("EUR" if i < 3 else "XXY")))
        previous = node
    for engine in ENGINES:
        got = same_as_pyshacl(chain, shapes, engine)
        assert any(k[2] == SH.NodeConstraintComponent for k in got)


def test_a_packrat_parser_in_the_process_does_not_change_validation(monkeypatch):
    """With pyparsing's packrat cache on (as after importing matplotlib's mathtext), validating a
    graph still runs the compiled queries on Oxigraph, unparsed by rdflib, and gives pySHACL's
    results."""
    from pyparsing import ParserElement

    monkeypatch.setattr(validation, "SMALL_GRAPH", 0)
    data = fixture_data(FIXTURES / "invalid" / "amount-value-negative.ttl")
    shapes, files = validation._shapes_for([], True)
    oracle = validation.validate_pyshacl(data, shapes, files)
    monkeypatch.setattr(validation, "validate_pyshacl", lambda *a: pytest.fail("fell back to pySHACL"))
    ParserElement.enable_packrat()
    try:
        report = validation.validate(data)
    finally:
        ParserElement.disable_memoization()
    assert [r.as_dict() for r in report.results] == [r.as_dict() for r in oracle.results]
    assert {r.component for r in report.violations} == {"sh:MinInclusiveConstraintComponent",
                                                         "sh:NodeConstraintComponent"}
