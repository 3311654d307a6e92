"""The ontology is well-formed and documented: a header with version and licence, every term with
an English label and definition, and every term the graph uses defined in it."""
from __future__ import annotations

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph_files import CV, CVV, facts, ontology

ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/clearview-kg/ontology")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def defined_terms() -> set[rdflib.URIRef]:
    g = ontology()
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, rdflib.URIRef)}


def test_header_has_version_licence_and_description():
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.description) is not None


def test_every_term_has_an_english_label_and_definition():
    g = ontology()
    terms = defined_terms()
    assert len(terms) > 60
    for term in terms:
        labels = [o for o in g.objects(term, RDFS.label) if o.language == "en"]
        definitions = [o for o in g.objects(term, SKOS.definition) if o.language == "en"]
        assert len(labels) == 1, f"{term} needs one English rdfs:label"
        assert len(definitions) == 1, f"{term} needs one English skos:definition"


def test_every_class_is_aligned_to_a_standard_or_project_class():
    g = ontology()
    for cls in g.subjects(RDF.type, OWL.Class):
        if isinstance(cls, rdflib.URIRef):
            assert list(g.objects(cls, RDFS.subClassOf)), f"{cls} has no rdfs:subClassOf"


def test_every_project_term_used_in_the_graph_is_defined():
    terms = defined_terms()
    g = facts()
    used = {p for p in g.predicates() if str(p).startswith(str(CV))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(CV))}
    assert used - terms == set()


def test_every_controlled_value_used_is_a_concept_of_the_ontology():
    onto, g = ontology(), facts()
    used = {o for o in g.objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(str(CVV))}
    assert used
    for concept in used:
        assert (concept, RDF.type, SKOS.Concept) in onto, concept
        assert onto.value(concept, SKOS.prefLabel) is not None
