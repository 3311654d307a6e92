"""Tests of the SHACL shapes (shapes/clearview-shapes.ttl), in the style of pySHACL's DASH tests.

Fixtures live in tests/shapes_fixtures/:

- ``base.ttl``: a small valid background (two sources, two reusable quotes, actors, a court, a
  law, places, technology, one action). Every fixture is validated merged with it and with the
  ontology (ontology/clearview.ttl), never with the shipped graph.
- ``valid/*.ttl``: small complete examples (a fine, a settlement with a term, a denial, a person
  with a post, sources, a disagreement, ...) that must conform.
- ``invalid/<fault-name>.ttl``: ONE minimal fault each, named after the fault. The file declares
  its expected validation results in the data itself, as one node of type ``t:InvalidFixture``
  (``t:`` is ``https://example.org/shapes-test#``)::

      ex:fixture a t:InvalidFixture ;
          t:fault "A fine that states no amount."@en ;
          t:expect [
              sh:focusNode ex:fine ;
              sh:sourceShape cvsh:FineShape-amount ;
              sh:sourceConstraintComponent sh:MinCountConstraintComponent
          ] .

  An expectation for a SPARQL constraint also names the constraint
  (``sh:sourceConstraint cvsh:DerivationShape-translationNeeded``), because one shape may hold
  several. The fixture node and its expectations are removed from the data before validating.
  The test compares the set of (focus node, source shape, constraint component[, SPARQL
  constraint]) of the report's results with the expected set, exactly: every expected result
  must appear, and no other (the fault is minimal). Message texts are not compared. When one
  fault necessarily breaks two rules (a fine without an agent has no agent at all, and no
  public body as agent), the fixture expects both.

Coverage: ``test_every_constraint_has_an_invalid_fixture`` walks the shapes graph and fails if
any (shape, constraint component) pair, or any sh:sparql constraint, that can appear as a
result is expected by no invalid fixture.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, OWL

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "shapes" / "clearview-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "clearview.ttl"
GRAPH_DIR = ROOT / "graph"
FIXTURES = Path(__file__).resolve().parent / "shapes_fixtures"
BASE_FILE = FIXTURES / "base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

T = Namespace("https://example.org/shapes-test#")
CV = Namespace("https://w3id.org/clearview-kg/ontology#")
CVSH = Namespace("https://w3id.org/clearview-kg/shapes#")

# Constraint parameters (predicates on a shape) -> the constraint component reported for them.
# A parameter not listed here makes test_every_parameter_is_known fail, so that a new kind of
# constraint cannot slip past the coverage test.
PARAMETER_COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
}
# Predicates on a shape that are not constraints of their own.
NON_CONSTRAINT_PARAMETERS = {
    RDF.type, RDFS.label, RDFS.comment, SH.message, SH.severity, SH.deactivated, SH.path,
    SH.property, SH.sparql, SH.targetClass, SH.targetNode, SH.targetObjectsOf,
    SH.targetSubjectsOf, SH.qualifiedValueShape, SH.qualifiedValueShapesDisjoint, SH.flags,
    SH.ignoredProperties, SH.name, SH.description, SH.order, SH.group,
}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


# --------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=None)
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@lru_cache(maxsize=None)
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@lru_cache(maxsize=None)
def base_graph() -> Graph:
    return Graph().parse(BASE_FILE, format="turtle")


def validate(data: Graph) -> tuple[bool, Graph, str]:
    """Validate exactly as the CLI does: ontology merged in, core SHACL + SPARQL constraints."""
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=False,
        abort_on_first=False,
        allow_warnings=True,
        js=False,
        do_owl_imports=False,
    )
    return conforms, report, text


def result_keys(report: Graph) -> set[tuple]:
    """(focus, source shape, component[, SPARQL constraint]) of each top-level result.

    Results nested under sh:detail (the inner results of an sh:node) are not top-level results
    and are left out.
    """
    keys = set()
    for rep in report.subjects(RDF.type, SH.ValidationReport):
        for res in report.objects(rep, SH.result):
            keys.add(_key(report, res))
    return keys


def _key(g: Graph, res) -> tuple:
    component = g.value(res, SH.sourceConstraintComponent)
    key = (g.value(res, SH.focusNode), g.value(res, SH.sourceShape), component)
    if component == SH.SPARQLConstraintComponent:
        key += (g.value(res, SH.sourceConstraint),)
    return key


def result_messages(report: Graph) -> list[str]:
    out = []
    for res in report.objects(None, SH.result):
        out.append(
            f"{report.value(res, SH.focusNode)} | {report.value(res, SH.sourceShape)} | "
            f"{report.value(res, SH.sourceConstraintComponent)} | {report.value(res, SH.resultMessage)}"
        )
    return sorted(out)


def load_fixture(path: Path) -> tuple[Graph, set[tuple], list]:
    """Parse a fixture; return (data without the fixture node, expected keys, fixture nodes)."""
    g = Graph().parse(path, format="turtle")
    fixtures = list(g.subjects(RDF.type, T.InvalidFixture))
    expected = set()
    for fx in fixtures:
        for exp in list(g.objects(fx, T.expect)):
            expected.add(_key(g, exp))
            g.remove((exp, None, None))
        g.remove((fx, None, None))
    return g, expected, fixtures


def with_base(g: Graph) -> Graph:
    data = Graph()
    for prefix, ns in g.namespaces():
        data.bind(prefix, ns)
    data += base_graph()
    data += g
    return data


def reportable_constraints(sg: Graph) -> dict[tuple, str]:
    """Every (shape, component[, sparql]) that can be a sh:sourceShape/component of a result.

    Those are the node shapes with a target, their sh:property shapes and the shapes these
    reach through sh:node that have targets of their own. Shapes only used inside sh:or,
    sh:node or sh:qualifiedValueShape without targets are helpers: their failures are reported
    as the constraint (Or, Node, QualifiedMinCount...) of the shape that uses them.
    Value: a readable description for failure messages.
    """
    node_shapes = {s for p in TARGETS for s in sg.subjects(p, None)}
    shapes = set(node_shapes)
    for ns in node_shapes:
        shapes.update(sg.objects(ns, SH.property))
    out = {}
    for shape in shapes:
        for p, o in sg.predicate_objects(shape):
            if p in PARAMETER_COMPONENTS:
                out[(shape, PARAMETER_COMPONENTS[p])] = f"{shape} {p}"
            elif p == SH.sparql:
                out[(shape, SH.SPARQLConstraintComponent, o)] = f"{shape} sh:sparql {o}"
    return out


def all_shapes(sg: Graph) -> set:
    """Every node that is used as a shape anywhere in the shapes graph."""
    shapes = set(sg.subjects(RDF.type, SH.NodeShape)) | set(sg.subjects(RDF.type, SH.PropertyShape))
    shapes |= {s for p in TARGETS for s in sg.subjects(p, None)}
    shapes |= set(sg.objects(None, SH.property))
    shapes |= set(sg.objects(None, SH.node))
    shapes |= set(sg.objects(None, SH.qualifiedValueShape))
    shapes |= set(sg.objects(None, SH["not"]))
    for p in (SH["or"], SH["and"], SH.xone):
        for head in sg.objects(None, p):
            shapes.update(Collection(sg, head))
    shapes |= set(sg.subjects(SH.path, None))
    return shapes


# --------------------------------------------------------------------------------- shapes file


def test_shapes_file_parses_and_declares_its_prefixes():
    sg = shapes_graph()
    assert len(sg) > 0
    header = URIRef("https://w3id.org/clearview-kg/shapes")
    assert (header, RDF.type, OWL.Ontology) in sg
    declared = {str(sg.value(d, SH.prefix)) for d in sg.objects(header, SH.declare)}
    for sparql in sg.objects(None, SH.sparql):
        assert sg.value(sparql, SH.prefixes) == header, sparql
    assert {"cv", "prov", "rdf", "rdfs", "dcterms", "org"} <= declared
    text = SHAPES_FILE.read_text(encoding="utf-8")
    assert text.startswith("# clearview-kg SHACL shapes"), "the file starts with a header comment"


def test_every_reportable_shape_has_an_iri_in_the_shapes_namespace():
    """Named shapes make sh:sourceShape meaningful: tests and users can tell which rule broke."""
    sg = shapes_graph()
    keys = reportable_constraints(sg)
    unnamed = sorted({str(k[0]) for k in keys if not str(k[0]).startswith(str(CVSH))})
    assert not unnamed, f"shapes without a cvsh: IRI: {unnamed}"
    sparql_unnamed = [str(s) for s in sg.objects(None, SH.sparql) if not str(s).startswith(str(CVSH))]
    assert not sparql_unnamed


def test_every_property_and_sparql_constraint_has_a_message():
    sg = shapes_graph()
    missing = []
    for shape in set(sg.objects(None, SH.property)) | set(sg.objects(None, SH.sparql)):
        messages = list(sg.objects(shape, SH.message))
        if not messages:
            missing.append(str(shape))
        for m in messages:
            assert isinstance(m, Literal) and m.language == "en" and len(str(m)) > 20, (shape, m)
    assert not missing, f"no sh:message on: {sorted(missing)}"


def test_every_node_level_constraint_has_a_message():
    """Node shapes with constraints of their own (sh:or, ...) explain them in sh:message."""
    sg = shapes_graph()
    for (shape, _component, *_rest) in reportable_constraints(sg):
        if (shape, RDF.type, SH.NodeShape) in sg and _component != SH.SPARQLConstraintComponent:
            assert sg.value(shape, SH.message) is not None, shape


def test_every_parameter_is_known():
    sg = shapes_graph()
    unknown = set()
    for shape in all_shapes(sg):
        for p in sg.predicates(shape, None):
            if p not in PARAMETER_COMPONENTS and p not in NON_CONSTRAINT_PARAMETERS:
                unknown.add((str(shape), str(p)))
    assert not unknown, f"add these to PARAMETER_COMPONENTS or NON_CONSTRAINT_PARAMETERS: {unknown}"


def test_severity_is_violation_everywhere():
    sg = shapes_graph()
    severities = set(sg.objects(None, SH.severity))
    assert severities <= {SH.Violation}


def test_every_class_of_the_ontology_is_covered_by_a_shape():
    """Every cv: class is the target of a shape, directly or through a superclass."""
    sg, ont = shapes_graph(), ontology_graph()
    targeted = set(sg.objects(None, SH.targetClass))
    uncovered = []
    for cls in ont.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, URIRef) or not str(cls).startswith(str(CV)):
            continue
        supers = set(ont.transitive_objects(cls, RDFS.subClassOf))
        if not supers & targeted:
            uncovered.append(str(cls))
    assert not uncovered, f"classes no shape targets: {uncovered}"


def test_currency_list_is_iso4217_shaped():
    sg = shapes_graph()
    head = sg.value(CVSH["MonetaryAmountShape-currency"], SH["in"])
    codes = [str(c) for c in Collection(sg, head)]
    assert len(codes) == len(set(codes)) > 170
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in codes)
    assert {"DKK", "EUR", "GBP", "SEK", "USD", "AUD", "CAD", "NOK", "CHF"} <= set(codes)
    assert codes == sorted(codes)


def test_status_and_aspect_lists_are_the_ontology_concepts():
    sg, ont = shapes_graph(), ontology_graph()
    skos = Namespace("http://www.w3.org/2004/02/skos/core#")
    cvv = Namespace("https://w3id.org/clearview-kg/vocab/")
    statuses = set(Collection(sg, sg.value(CVSH["ActionShape-status"], SH["in"])))
    aspects = set(Collection(sg, sg.value(CVSH["DisagreementShape-aspect"], SH["in"])))
    assert statuses == set(ont.subjects(skos.inScheme, cvv.statuses))
    assert aspects == set(ont.subjects(skos.inScheme, cvv.aspects))
    assert len(statuses) == 12 and len(aspects) == 5


# --------------------------------------------------------------------------------- fixtures


def test_base_fixture_conforms():
    conforms, report, _ = validate(with_base(Graph()))
    assert conforms, result_messages(report)


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_conforms(path: Path):
    g, expected, fixtures = load_fixture(path)
    assert not fixtures and not expected, "valid fixtures declare no expected results"
    conforms, report, _ = validate(with_base(g))
    assert conforms, "\n".join(result_messages(report))


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_exactly_the_expected_results(path: Path):
    g, expected, fixtures = load_fixture(path)
    assert len(fixtures) == 1, "an invalid fixture has exactly one t:InvalidFixture node"
    assert expected, "an invalid fixture expects at least one result"
    assert all(None not in key for key in expected), f"incomplete expectation in {path.name}: {expected}"
    conforms, report, _ = validate(with_base(g))
    assert not conforms
    got = result_keys(report)
    missing = expected - got
    unexpected = got - expected
    assert not missing and not unexpected, (
        f"\nmissing: {sorted(map(str, missing))}\nunexpected: {sorted(map(str, unexpected))}\n"
        + "\n".join(result_messages(report))
    )


def test_fixture_names_are_fault_names():
    names = [p.stem for p in INVALID]
    assert all(n == n.lower() and " " not in n and "_" not in n for n in names), names
    for path in INVALID:
        assert path.read_text(encoding="utf-8").startswith(f"# Fault: {path.stem}\n"), path.name


def test_required_valid_examples_exist():
    names = {p.stem for p in VALID}
    assert {"fine", "settlement", "denial", "post", "source", "disagreement"} <= names


def test_every_constraint_has_an_invalid_fixture():
    """Each (shape, constraint component) pair and each sh:sparql is proved to bite."""
    required = reportable_constraints(shapes_graph())
    covered = set()
    for path in INVALID:
        _, expected, _ = load_fixture(path)
        covered |= {key[1:] for key in expected}
    missing = sorted(desc for key, desc in required.items() if key not in covered)
    assert not missing, "constraints no invalid fixture expects:\n" + "\n".join(missing)
    stray = sorted(str(k) for k in covered if k not in required)
    assert not stray, f"fixtures expect constraints the shapes do not have: {stray}"


# --------------------------------------------------------------------------------- shipped graph

GRAPH_FILES = sorted(GRAPH_DIR.glob("*.ttl"))


@pytest.mark.skipif(not GRAPH_FILES, reason="no graph/*.ttl yet")
def test_shipped_graph_conforms():
    data = Graph()
    for f in GRAPH_FILES:
        data.parse(f, format="turtle")
    conforms, report, _ = validate(data)
    assert conforms, "\n".join(result_messages(report))
