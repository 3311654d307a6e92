"""Key facts of the saga, asserted by hand from reading the five articles, so that the golden
query results are never merely what the code happened to print."""
from __future__ import annotations

from decimal import Decimal

import pytest
import rdflib
from rdflib import XSD, Literal, URIRef

from graph_files import ID, facts, rows

ACT = ID + "action/"
ORG = ID + "org/"
CVV = "https://w3id.org/clearview-kg/vocab/"


def one(query: str, **bindings):
    found = rows(query, **bindings)
    assert len(found) == 1, found
    return found[0]


FINE = """
SELECT ?agent ?target ?value ?currency ?date ?status WHERE {
  ?fine cv:agent ?agent ; cv:target ?target ; cv:date ?date ; cv:status ?status ;
        cv:amount [ schema:value ?value ; schema:currency ?currency ] .
}"""


@pytest.mark.parametrize("fine, agent, target, value, currency, date, status", [
    ("ico-proposed-fine", "ico", "clearview-ai", "17000000", "GBP", Literal("2021-11-29", datatype=XSD.date), "provisional"),
    ("ico-fine", "ico", "clearview-ai", "17000000", "GBP", Literal("2021", datatype=XSD.gYear), "imposed"),
    ("gpdp-fine", "gpdp", "clearview-ai", "20000000", "EUR", Literal("2022-03", datatype=XSD.gYearMonth), "imposed"),
    ("imy-fine", "imy", "polismyndigheten", "2500000", "SEK", Literal("2021-02-11", datatype=XSD.date), "imposed"),
])
def test_fines(fine, agent, target, value, currency, date, status):
    row = one(FINE, fine=URIRef(ACT + fine))
    assert row[0] == URIRef(ORG + agent)
    assert row[1] == URIRef(ORG + target)
    assert row[2].toPython() == Decimal(value) and row[2].datatype == XSD.decimal
    assert str(row[3]) == currency
    assert row[4] == date and row[4].datatype == date.datatype
    assert row[5] == URIRef(CVV + status)


def test_fine_classes_distinguish_proposed_from_imposed():
    assert ("ico-proposed-fine",) in {(str(r[0]).rsplit("/", 1)[1],) for r in rows("SELECT ?f WHERE { ?f a cv:ProposedFine }")}
    fines = {str(r[0]).rsplit("/", 1)[1] for r in rows("SELECT ?f WHERE { ?f a cv:Fine }")}
    assert fines == {"ico-fine", "gpdp-fine", "imy-fine"}


def test_ico_proposal_keeps_qualifier_expected_decision_and_is_superseded():
    qualifier, expected = one("""SELECT ?q ?e WHERE {
        act:ico-proposed-fine cv:amount/cv:qualifier ?q ; cv:expectedDecision ?e }""")
    assert qualifier == Literal("strax över", lang="sv")
    assert expected == Literal("2022-02", datatype=XSD.gYearMonth)
    assert one("SELECT ?p WHERE { act:ico-fine cv:supersedes ?p }")[0] == URIRef(ACT + "ico-proposed-fine")
    assert one("SELECT ?p WHERE { act:ico-fine cv:datePhrase ?p }")[0] == Literal("at the end of last year", lang="en")


def test_laws_of_the_fines():
    assert one("SELECT ?l WHERE { act:imy-fine cv:law ?l }")[0] == URIRef(ID + "law/brottsdatalagen")
    assert one("SELECT ?l WHERE { act:ico-proposed-fine cv:law ?l }")[0] == URIRef(ID + "law/uk-data-protection-law")
    assert one("SELECT ?l WHERE { act:aclu-settlement cv:law ?l }")[0] == URIRef(ID + "law/bipa")


def test_settlement_parties_court_status_and_date():
    parties = {str(r[0]).rsplit("/", 1)[1] for r in rows("SELECT ?p WHERE { act:aclu-settlement cv:party ?p }")}
    assert parties == {"clearview-ai", "aclu", "mujeres-latinas-en-accion"}
    court, status, date = one("SELECT ?c ?s ?d WHERE { act:aclu-settlement cv:court ?c ; cv:status ?s ; cv:date ?d }")
    assert court == URIRef(ORG + "federal-court-illinois")
    assert status == URIRef(CVV + "agreed")
    assert date == Literal("2022-05", datatype=XSD.gYearMonth)


def test_settlement_terms():
    terms = rows("""SELECT ?t ?duration ?permanent WHERE {
        ?t cv:termOf act:aclu-settlement ; cv:agent ido:clearview-ai .
        OPTIONAL { ?t cv:duration ?duration } OPTIONAL { ?t cv:permanent ?permanent } }""")
    by_name = {str(t).rsplit("/", 1)[1]: (d, p) for t, d, p in terms}
    assert set(by_name) == {
        "term-no-private-sales", "term-illinois-five-years", "term-public-customers-outside-illinois",
        "term-opt-out", "term-opt-out-ads", "term-filter-illinois-photos"}
    assert by_name["term-illinois-five-years"][0] == Literal("P5Y", datatype=XSD.duration)
    assert by_name["term-filter-illinois-photos"][0] == Literal("P5Y", datatype=XSD.duration)
    assert by_name["term-no-private-sales"][1].toPython() is True


def test_opt_out_ads_cost_50000_dollars_with_the_danish_conversion():
    value, currency, dkk, dkk_currency = one("""SELECT ?v ?c ?v2 ?c2 WHERE {
        act:term-opt-out-ads cv:amount ?m . ?m schema:value ?v ; schema:currency ?c ;
        cv:equivalentAmount [ schema:value ?v2 ; schema:currency ?c2 ] }""")
    assert (value.toPython(), str(currency)) == (Decimal("50000"), "USD")
    assert (dkk.toPython(), str(dkk_currency)) == (Decimal("352000"), "DKK")


def test_danish_denials_and_the_evidence_against_them():
    found = rows("""SELECT ?denial ?date ?evidence WHERE {
        ?denial a cv:Denial ; cv:denies act:danish-police-use ; cv:contradictedBy ?evidence ; cv:date ?date }""")
    assert {(str(d).rsplit("/", 1)[1], str(dt), str(e).rsplit("/", 1)[1]) for d, dt, e in found} == {
        ("danish-police-denial-2020", "2020", "nc3-trial"),
        ("rigspolitiet-denial-2021", "2021-09", "nc3-trial"),
    }
    count, count_min = one("SELECT ?c ?m WHERE { act:nc3-trial cv:count ?c ; cv:countMin ?m }")
    assert (count.toPython(), count_min.toPython()) == (50, 11)
    assert one("SELECT ?o WHERE { ido:nc3 org:subOrganizationOf ?o }")[0] == URIRef(ORG + "rigspolitiet")


def test_dutch_denials():
    found = {str(r[0]).rsplit("/", 1)[1]: str(r[1]).rsplit("/", 1)[1] for r in rows(
        "SELECT ?d ?who WHERE { ?d cv:denies act:dutch-police-use ; cv:spokesperson ?who }")}
    assert found == {"grapperhaus-denial": "grapperhaus", "dekker-denial": "sander-dekker"}


def test_who_speaks_for_whom():
    posts = {(str(p).rsplit("/", 1)[1], str(o).rsplit("/", 1)[1]) for p, o in rows(
        "SELECT ?person ?org WHERE { ?person org:holds ?post . ?post org:postIn ?org ; org:heldBy ?person }")}
    assert posts == {
        ("lee-wolosky", "clearview-ai"), ("thomas-rudbeck", "rigspolitiet"),
        ("hoan-ton-that", "clearview-ai"), ("grapperhaus", "dutch-ministry-of-justice-and-security"),
        ("sander-dekker", "dutch-government"), ("aclu-deputy-director", "aclu"),
        ("clearview-lawyer", "clearview-ai"),
    }


def test_orders_to_delete_or_stop_collecting():
    agents = {str(r[0]).rsplit("/", 1)[1] for r in rows("SELECT ?a WHERE { ?o a cv:Order ; cv:agent ?a ; cv:target ido:clearview-ai }")}
    assert agents == {"regulators-france", "regulators-australia", "imy", "regulators-germany", "regulators-canada"}


def test_disagreements_are_kept_with_versions_from_different_sources():
    found = rows("""SELECT ?c (COUNT(DISTINCT ?src) AS ?n) WHERE {
        ?c a cv:Disagreement ; cv:version/prov:wasDerivedFrom ?src } GROUP BY ?c""")
    by_name = {str(c).rsplit("/", 1)[1]: int(n) for c, n in found}
    assert by_name == {
        "ico-fine-status": 3, "ico-fine-amount": 2, "orders-scope": 2,
        "law-enforcement-users": 2, "database-size": 2, "settlement-counterparts": 3,
    }


def test_relative_dates_are_resolved_and_keep_their_phrase():
    found = {str(a).rsplit("/", 1)[1]: (d, str(p)) for a, d, p in rows(
        "SELECT ?a ?d ?p WHERE { ?a cv:datePhrase ?p ; cv:dateResolvedFrom ?s . OPTIONAL { ?a cv:date ?d } }")}
    assert found["ukraine-use"] == (Literal("2022-03", datatype=XSD.gYearMonth), "tilbage i marts")
    assert found["eu-parliament-call"] == (Literal("2021", datatype=XSD.gYear), "Sidste år")
    assert found["european-complaint"] == (Literal("2021", datatype=XSD.gYear), "last year")
    # "early last week" in a source dated only to the year cannot be made more precise than the year
    assert found["ton-that-covid-statement"] == (Literal("2020", datatype=XSD.gYear), "Begin vorige week")


def test_every_actor_is_findable_by_the_names_the_sources_use():
    labels = {(str(o), o.language) for o in facts().objects(URIRef(ORG + "polismyndigheten"), rdflib.SKOS.altLabel)}
    assert ("Polismyndigheten", "sv") in labels
    labels = {(str(o), o.language) for o in facts().objects(URIRef(ORG + "european-parliament"), rdflib.SKOS.altLabel)}
    assert ("EU-parlamentet", "da") in labels


def test_reference_identifiers_are_marked_as_reference_data():
    found = {str(l).rsplit("/", 1)[1]: (str(v), str(s)) for l, v, s in rows(
        "SELECT ?l ?v ?s WHERE { ?l cv:officialIdentifier [ a cv:ReferenceDatum ; rdf:value ?v ; cv:identifierScheme ?s ] }".replace(
            "rdf:value", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#value>"))}
    assert found == {
        "bipa": ("740 ILCS 14", "ILCS"),
        "gdpr": ("http://data.europa.eu/eli/reg/2016/679/oj", "ELI"),
        "brottsdatalagen": ("SFS 2018:1177", "SFS"),
    }
