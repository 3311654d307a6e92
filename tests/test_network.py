"""The derivation of the actor network (core.network): nodes, edges, weights, action
descriptions, filters, dates and ordering, checked against tests/fixtures_network/small.ttl
(whose header lists every edge by hand) and against the shipped graph."""
from __future__ import annotations

import functools
import pathlib

import networkx as nx
import pytest
import rdflib

from clearview_kg.core import network
from clearview_kg.core.errors import InputError, NotFoundError
from clearview_kg.core.network import NetworkFilter, actor_graph, bipartite_graph
from graph_files import ONTOLOGY, PREFIXES, facts, ontology

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures_network"
ID = "https://w3id.org/clearview-kg/id/"
A, B, C, D = (ID + "org/" + s for s in ("acme-vision", "alpha-regulator", "beta-police", "gamma-rights"))
E = ID + "person/erik-example"
F, G_, H = (ID + "org/" + s for s in ("delta-court", "privacy-group", "watchdog-branch"))
NAMES = {A: "A", B: "B", C: "C", D: "D", E: "E", F: "F", G_: "G", H: "H"}
ACT = ID + "action/"
POST = ID + "post/beta-police-spokesperson"
SUB_ORG = f"<{H}> org:subOrganizationOf <{G_}>"


@functools.lru_cache(maxsize=None)
def fixture_graph(name: str = "small.ttl", with_ontology: bool = True) -> rdflib.Graph:
    """Plain rdflib: the ontology and one fixture file, without the shipped facts."""
    g = rdflib.Graph()
    if with_ontology:
        g.parse(ONTOLOGY, format="turtle")
    g.parse(FIXTURES / name, format="turtle")
    return g


@functools.lru_cache(maxsize=None)
def shipped() -> rdflib.Graph:
    return facts() + ontology()


def small(**filter_args) -> nx.Graph:
    return actor_graph(fixture_graph(), NetworkFilter(**filter_args))


def edges(G: nx.Graph) -> dict[tuple[str, str], int]:
    """{(X, Y): weight} with the fixture's one-letter names, X < Y."""
    return {tuple(sorted((NAMES[u], NAMES[v]))): d["weight"] for u, v, d in G.edges(data=True)}


def nodes(G: nx.Graph) -> set[str]:
    return {NAMES[n] for n in G}


# --- nodes and edges -------------------------------------------------------------------------


def test_edges_and_weights_of_the_fixture():
    G = small()
    assert nodes(G) == set("ABCDEFGH")
    assert edges(G) == {
        ("A", "B"): 2, ("A", "C"): 1, ("A", "D"): 1, ("A", "F"): 1, ("D", "F"): 1,
        ("B", "D"): 1, ("C", "E"): 2, ("G", "H"): 2,
    }
    assert G.graph["actions"] == 10  # 8 actions, 1 post, 1 sub-organisation link
    assert G.graph["undated_actions"] == 2  # the lawsuit and the sub-organisation link


def test_weight_is_the_number_of_actions_on_the_edge():
    G = small()
    for _, _, data in G.edges(data=True):
        assert data["weight"] == len(data["actions"])


def test_node_attributes():
    G = small()
    a = G.nodes[A]
    assert a == {
        "iri": A,
        "label": "Acme Vision",
        "labels": {"en": ["Acme", "Acme Vision"], "nl": ["Acme Visie"]},
        "types": ["Company"],
        "first_date": "2020-06",
        "last_date": "2022-05",  # the settlement term: a node's dates count single-actor actions
    }
    assert G.nodes[B]["first_date"] == "2021" and G.nodes[B]["last_date"] == "2021-03-05"
    assert G.nodes[E]["types"] == ["Person"]
    assert (G.nodes[E]["first_date"], G.nodes[E]["last_date"]) == ("2021-09", "2022")
    assert (G.nodes[F]["first_date"], G.nodes[F]["last_date"]) == (None, None)  # undated only
    assert G.nodes[G_]["types"] == ["Coalition"]  # cv:Organisation is an ancestor of Coalition


def test_most_specific_types_keep_unrelated_classes():
    """An actor typed Coalition and LawEnforcementAgency keeps both (shipped graph)."""
    G = actor_graph(shipped())
    assert G.nodes[ID + "org/uk-law-enforcement"]["types"] == ["Coalition", "LawEnforcementAgency"]


def test_action_dicts_on_an_edge_are_complete_and_sorted():
    actions = small().edges[A, B]["actions"]
    assert [a["id"] for a in actions] == [ACT + "order-1", ACT + "fine-1"]  # "2021" < "2021-03-05"
    fine = actions[1]
    assert fine == {
        "id": ACT + "fine-1",
        "type": "Fine",
        "label": "Alpha Regulator fines Acme Vision",
        "date": "2021-03-05",
        "precision": "day",
        "roles": {A: "target", B: "agent"},
        "sources": ["001"],
        "quotes": [{"source": "001", "quote": "Alpha beboet Acme", "translation": "Alpha fines Acme"}],
    }
    assert actions[0]["precision"] == "year"


def test_undated_action_sorts_first_on_its_edge():
    actions = small().edges[G_, H]["actions"]
    assert [a["id"] for a in actions] == [SUB_ORG, ACT + "letter-1"]
    assert actions[0]["date"] is None and actions[0]["precision"] is None


def test_post_gives_a_person_organisation_edge():
    post, statement = small().edges[C, E]["actions"]
    assert post == {
        "id": POST, "type": "Post", "label": "Spokesperson, Beta Police", "date": "2021-09",
        "precision": "month", "roles": {C: "postIn", E: "heldBy"}, "sources": ["004"], "quotes": [],
    }
    assert statement["roles"] == {C: "agent", E: "spokesperson"}


def test_sub_organisation_link_carries_the_quote_of_the_sub_organisation():
    link = small().edges[G_, H]["actions"][0]
    assert link["type"] == "SubOrganizationOf"
    assert link["label"] == "Watchdog Branch is part of Privacy Group"
    assert link["roles"] == {G_: "parentOrganization", H: "subOrganization"}
    assert link["sources"] == ["002"]
    assert link["quotes"] == [{"source": "002", "quote": "Watchdog-grenen tillhör Privacy Group",
                               "translation": "The Watchdog branch belongs to Privacy Group"}]


def test_three_participants_give_a_triangle():
    G = small()
    for u, v in ((A, D), (A, F), (D, F)):
        (lawsuit,) = G.edges[u, v]["actions"]
        assert lawsuit["roles"] == {A: "target", D: "agent", F: "court"}


def test_single_participant_action_gives_a_node_but_no_edge():
    G = small(action_types={"SettlementTerm"})
    assert nodes(G) == {"A"} and G.number_of_edges() == 0


def test_a_four_party_settlement_is_a_clique_of_weight_one():
    G = actor_graph(fixture_graph("cliques.ttl"))
    p = [ID + f"org/p{i}" for i in range(1, 5)]
    for u in p:
        for v in p:
            if u < v:
                assert G.edges[u, v]["weight"] == 1
                assert G.edges[u, v]["actions"][0]["roles"] == dict.fromkeys(p, "party")
    assert G.number_of_edges() == 6 + 6 + 1


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_types, expected_nodes, expected_edges", [
    ({"DataProtectionAuthority"}, {"B"}, {}),
    ({"PublicBody"}, {"B", "C", "F"}, {}),  # DPA, police and court are public bodies
    ({"Person"}, {"E"}, {}),
    ({"organisation"}, set("ABCDFGH"), {  # case-insensitive; E (a person) is left out
        ("A", "B"): 2, ("A", "C"): 1, ("A", "D"): 1, ("A", "F"): 1, ("D", "F"): 1,
        ("B", "D"): 1, ("G", "H"): 2}),
    ({"Company", "Court"}, {"A", "F"}, {("A", "F"): 1}),
])
def test_actor_type_filter_induces_the_network_on_matching_actors(actor_types, expected_nodes, expected_edges):
    G = small(actor_types=actor_types)
    assert nodes(G) == expected_nodes
    assert edges(G) == expected_edges


@pytest.mark.parametrize("action_types, expected_edges", [
    ({"EnforcementAction"}, {("A", "B"): 2}),  # fine and order are subclasses
    ({"Fine"}, {("A", "B"): 1}),
    ({"post"}, {("C", "E"): 1}),
    ({"SubOrganizationOf"}, {("G", "H"): 1}),
    ({"Statement"}, {("B", "D"): 1, ("C", "E"): 1, ("G", "H"): 1}),  # CallToAction included
    ({"Use", "Lawsuit"}, {("A", "C"): 1, ("A", "D"): 1, ("A", "F"): 1, ("D", "F"): 1}),
])
def test_action_type_filter_includes_subclasses(action_types, expected_edges):
    assert edges(small(action_types=action_types)) == expected_edges


@pytest.mark.parametrize("sources, expected_edges", [
    ({"004"}, {("B", "D"): 1, ("C", "E"): 2}),
    ({"2"}, {("A", "B"): 1, ("G", "H"): 1}),  # "2" means "002"; the link cites 002
    ({"000", "003"}, {("A", "C"): 1, ("A", "D"): 1, ("A", "F"): 1, ("D", "F"): 1}),
])
def test_source_filter(sources, expected_edges):
    assert edges(small(sources=sources)) == expected_edges


def test_source_filter_keeps_single_actor_actions():
    assert nodes(small(sources={"000", "003"})) == {"A", "C", "D", "F"}


@pytest.mark.parametrize("date_from, date_to, expected_edges", [
    ("2021", "2021", {("A", "B"): 2, ("B", "D"): 1, ("C", "E"): 1}),
    # precision-aware: the order of "2021" (a gYear) may fall before the end of March 2021
    (None, "2021-03", {("G", "H"): 1, ("A", "C"): 1, ("A", "B"): 2, ("B", "D"): 1}),
    # ... and after the start of April 2021, while the fine of 5 March may not
    ("2021-04", None, {("A", "B"): 1, ("C", "E"): 2}),
    # the call of "2021-03" overlaps 6 March onwards; the fine of 5 March does not
    ("2021-03-06", None, {("A", "B"): 1, ("B", "D"): 1, ("C", "E"): 2}),
    (None, "2019-12-31", {("G", "H"): 1}),
    ("2023", None, {}),
])
def test_date_filter_compares_periods_by_overlap(date_from, date_to, expected_edges):
    G = small(date_from=date_from, date_to=date_to)
    assert edges(G) == expected_edges
    assert G.graph["undated_actions"] == 0  # undated actions are left out when a bound is set


def test_date_filter_on_the_edge_actions():
    actions = small(date_from="2021-04").edges[A, B]["actions"]
    assert [a["id"] for a in actions] == [ACT + "order-1"]


def test_date_filter_leaves_out_undated_actions_and_their_only_actors():
    G = small(date_from="2000")
    assert "F" not in nodes(G)  # the court takes part in the undated lawsuit only
    assert ("D", "F") not in edges(G)


def test_filters_combine():
    G = small(actor_types={"Organisation"}, sources={"004"})
    assert nodes(G) == {"B", "C", "D"}  # C stays: it is the agent of the statement
    assert edges(G) == {("B", "D"): 1}


@pytest.mark.parametrize("kwargs", [
    {"date_from": "2021-13"},
    {"date_to": "2021-02-30"},
    {"date_from": "March 2021"},
    {"date_from": "2022", "date_to": "2021-12"},
])
def test_bad_dates_are_input_errors(kwargs):
    with pytest.raises(InputError):
        NetworkFilter(**kwargs)


def test_unknown_type_or_source_says_what_it_could_be():
    with pytest.raises(NotFoundError, match=r"no actor type matches 'DataProtectionAuthorty'; did you mean 'DataProtectionAuthority'"):
        small(actor_types={"DataProtectionAuthorty"})
    with pytest.raises(NotFoundError, match="no action type matches 'Fines'; did you mean 'Fine'"):
        small(action_types={"Fines"})
    with pytest.raises(NotFoundError, match="no source matches '009'"):
        small(sources={"009"})


def test_filter_accepts_any_iterable_and_is_hashable():
    flt = NetworkFilter(actor_types=["Person"], sources="004")
    assert flt.actor_types == frozenset({"Person"}) and flt.sources == frozenset({"004"})
    assert hash(flt) == hash(NetworkFilter(actor_types={"Person"}, sources={"004"}))


@pytest.mark.parametrize("text, precision, start, end", [
    ("2021", "year", "2021-01-01", "2021-12-31"),
    ("2024-02", "month", "2024-02-01", "2024-02-29"),
    ("2021-03-05", "day", "2021-03-05", "2021-03-05"),
])
def test_periods(text, precision, start, end):
    period = network.parse_period(text)
    assert (period.precision, period.start.isoformat(), period.end.isoformat()) == (precision, start, end)


def test_literal_precision_comes_from_the_datatype():
    XSD = rdflib.XSD
    assert network.literal_period(rdflib.Literal("2021", datatype=XSD.gYear))[:2] == ("2021", "year")
    assert network.literal_period(rdflib.Literal("2021-09", datatype=XSD.gYearMonth))[:2] == ("2021-09", "month")
    assert network.literal_period(rdflib.Literal("2021-09-01T10:00:00", datatype=XSD.dateTime))[:2] == ("2021-09-01", "day")
    assert network.literal_period(None) == (None, None, None)


# --- bipartite -------------------------------------------------------------------------------


def test_bipartite_graph():
    Bg = bipartite_graph(fixture_graph())
    actors = {n for n, d in Bg.nodes(data=True) if d["kind"] == "actor"}
    actions = {n for n, d in Bg.nodes(data=True) if d["kind"] == "action"}
    assert actors == set(small())
    assert len(actions) == 10
    assert all(Bg.nodes[n]["bipartite"] == 0 for n in actors)
    assert all(Bg.nodes[n]["bipartite"] == 1 for n in actions)
    assert nx.bipartite.is_bipartite_node_set(Bg, actors)
    # 2+2+2+3+2+2+1+2 participants of the actions, 2 of the post, 2 of the link
    assert Bg.number_of_edges() == 20
    assert Bg.edges[ACT + "lawsuit-1", F]["role"] == "court"
    fine = Bg.nodes[ACT + "fine-1"]
    assert {k: fine[k] for k in ("type", "label", "date", "precision", "sources")} == {
        "type": "Fine", "label": "Alpha Regulator fines Acme Vision", "date": "2021-03-05",
        "precision": "day", "sources": ["001"]}
    assert Bg.nodes[A]["label"] == "Acme Vision" and Bg.nodes[A]["types"] == ["Company"]


def test_bipartite_graph_filtered():
    Bg = bipartite_graph(fixture_graph(), NetworkFilter(action_types={"EnforcementAction"}))
    assert set(Bg) == {A, B, ACT + "fine-1", ACT + "order-1"}
    assert Bg.number_of_edges() == 4


# --- determinism and stores ------------------------------------------------------------------


def _snapshot(G: nx.Graph):
    return list(G.nodes(data=True)), [(u, v, d) for u, v, d in G.edges(data=True)]


def test_derivation_does_not_depend_on_triple_order():
    g = fixture_graph()
    reordered = rdflib.Graph()
    for triple in sorted(g, key=lambda t: tuple(str(x) for x in t), reverse=True):
        reordered.add(triple)
    assert _snapshot(actor_graph(g)) == _snapshot(actor_graph(reordered))
    assert list(actor_graph(g)) == sorted(actor_graph(g))  # nodes in IRI order


def test_derivation_runs_on_another_store():
    g = rdflib.Graph(store="SimpleMemory")
    for triple in fixture_graph():
        g.add(triple)
    assert _snapshot(actor_graph(g)) == _snapshot(small())


def test_derivation_on_the_oxigraph_view_is_the_same():
    from clearview_kg.core.oxigraph_store import OxigraphStore

    g = fixture_graph()
    view = OxigraphStore.from_graph(g).graph()
    assert _snapshot(actor_graph(view)) == _snapshot(actor_graph(g))
    assert _snapshot(actor_graph(view, quotes=False)) == _snapshot(actor_graph(g, quotes=False))
    # the view's own scan (core.network._pairs uses it) gives what rdflib's subject_objects does
    for prop in (network.CV.agent, rdflib.RDF.type, network.SKOS.prefLabel, network.PROV.qualifiedDerivation):
        pairs = sorted(view.store.pairs(prop, network.Lexical), key=repr)
        assert pairs and pairs == _generic_pairs(g, prop), prop


def _generic_pairs(g, prop):
    """core.network._pairs as it reads a graph without a pairs() scan: rdflib's terms, literals
    turned into Lexical afterwards."""
    return sorted(((s, network.Lexical(str(o), o.language, o.datatype) if isinstance(o, rdflib.Literal) else o)
                   for s, o in g.subject_objects(prop)), key=repr)


def test_the_oxigraph_scan_reads_literals_as_rdflib_would():
    from clearview_kg.core.oxigraph_store import OxigraphStore

    XSD = rdflib.XSD
    value = rdflib.URIRef("https://example.org/value")
    g = rdflib.Graph()
    for i, literal in enumerate([
        rdflib.Literal("plain"), rdflib.Literal("Datatilsynet", lang="da"),
        rdflib.Literal("Data Inspectorate", lang="en-GB"),
        rdflib.Literal("17000000.0", datatype=XSD.decimal), rdflib.Literal("20.5", datatype=XSD.decimal),
        rdflib.Literal("2021", datatype=XSD.gYear), rdflib.Literal("2021-03", datatype=XSD.gYearMonth),
        rdflib.Literal("2021-03-05", datatype=XSD.date), rdflib.Literal("42", datatype=XSD.integer),
        rdflib.URIRef("https://example.org/not-a-literal"), rdflib.BNode("b1"),
    ]):
        g.add((rdflib.URIRef(f"https://example.org/s{i}"), value, literal))
    view = OxigraphStore.from_graph(g).graph()
    fast = sorted(network._pairs(view, value), key=repr)
    assert len(fast) == 11 and fast == _generic_pairs(view, value)
    by_subject = {str(s): o for s, o in fast}
    assert by_subject["https://example.org/s0"] == network.Lexical("plain", None, None)
    assert by_subject["https://example.org/s2"] == network.Lexical("Data Inspectorate", "en-gb", None)
    assert by_subject["https://example.org/s3"] == network.Lexical("17000000.0", None, XSD.decimal)
    assert str(by_subject["https://example.org/s5"]) == "2021"
    assert type(by_subject["https://example.org/s5"].datatype) is rdflib.URIRef
    assert isinstance(by_subject["https://example.org/s9"], rdflib.URIRef)
    # and an rdflib graph goes through the generic path, its literals as rdflib has them
    plain = sorted(network._pairs(g, value), key=repr)
    assert plain == _generic_pairs(g, value)
    assert dict((str(s), o) for s, o in plain)["https://example.org/s2"] == \
        network.Lexical("Data Inspectorate", "en-GB", None)


def test_derivation_on_the_shipped_store_is_the_same(shipped_store):
    from clearview_kg.core.store import load_graph

    assert _snapshot(actor_graph(shipped_store.graph())) == _snapshot(actor_graph(load_graph()))


def test_without_the_ontology_asserted_types_still_match():
    g = fixture_graph(with_ontology=False)
    G = actor_graph(g)
    assert edges(G) == edges(small())
    assert edges(actor_graph(g, NetworkFilter(action_types={"Fine"}))) == {("A", "B"): 1}


# --- the shipped graph -----------------------------------------------------------------------

PARTICIPANTS = """
SELECT DISTINCT ?actor WHERE {
  { ?action cv:agent|cv:target|cv:party|cv:recipient|cv:spokesperson|cv:court|cv:scrapedFrom ?actor }
  UNION { ?post org:heldBy ?actor ; org:postIn [] }
  UNION { ?post org:postIn ?actor ; org:heldBy [] }
  UNION { ?actor org:subOrganizationOf [] } UNION { [] org:subOrganizationOf ?actor }
  UNION { ?actor cv:member [] } UNION { [] cv:member ?actor }
}"""


ALL_ACTORS = "SELECT DISTINCT ?actor WHERE { ?actor a/rdfs:subClassOf* cv:Actor }"


def test_shipped_nodes_are_every_actor_and_participants_have_edges():
    """Unfiltered, every actor is a node (the page shows them all); only participants of
    actions and links have edges (an actor alone in its actions, such as the unnamed director
    of the intelligence service, has none)."""
    everyone = {str(row[0]) for row in shipped().query(PREFIXES + ALL_ACTORS)}
    participants = {str(row[0]) for row in shipped().query(PREFIXES + PARTICIPANTS)}
    G = actor_graph(shipped())
    assert set(G) == everyone
    assert {n for n in G if G.degree(n) > 0} <= participants
    assert participants < everyone


def test_an_action_filter_keeps_only_participants():
    G = actor_graph(shipped(), NetworkFilter(action_types=frozenset({"Fine"})))
    assert {G.nodes[n]["label"] for n in G} >= {"Clearview AI", "Swedish Police Authority (Polismyndigheten)"}
    assert all(G.degree(n) > 0 for n in G)


def test_shipped_edge_weights_are_numbers_of_actions():
    G = actor_graph(shipped())
    ico_clearview = G.edges[ID + "org/ico", ID + "org/clearview-ai"]
    assert ico_clearview["weight"] == 2
    assert [a["id"] for a in ico_clearview["actions"]] == [ACT + "ico-fine", ACT + "ico-proposed-fine"]
    settlement = G.edges[ID + "org/aclu", ID + "org/clearview-ai"]["actions"]
    assert [a["id"] for a in settlement] == [ACT + "aclu-lawsuit", ACT + "aclu-settlement"]
    assert settlement[1]["sources"] == ["000", "001", "004"]
    assert settlement[1]["roles"][ID + "org/federal-court-illinois"] == "court"


def test_shipped_settlement_terms_add_no_edges():
    G = actor_graph(shipped(), NetworkFilter(action_types={"SettlementTerm"}))
    assert list(G) == [ID + "org/clearview-ai"] and G.number_of_edges() == 0


def test_shipped_scraping_links_the_platforms():
    G = actor_graph(shipped(), NetworkFilter(action_types={"DataScraping"}))
    assert G.edges[ID + "org/clearview-ai", ID + "org/facebook"]["actions"][0]["roles"][ID + "org/facebook"] == "scrapedFrom"
    assert G.edges[ID + "org/clearview-ai", ID + "org/facebook"]["actions"][0]["sources"] == ["000", "001", "002", "003", "004"]


def test_shipped_danish_national_police_and_nc3_are_connected():
    G = actor_graph(shipped())
    assert G.has_edge(ID + "org/rigspolitiet", ID + "org/nc3")
    assert G.edges[ID + "org/rigspolitiet", ID + "org/nc3"]["actions"][0]["type"] == "SubOrganizationOf"


def test_shipped_dpa_network_is_only_the_regulators():
    G = actor_graph(shipped(), NetworkFilter(actor_types={"DataProtectionAuthority"}))
    assert all("DataProtectionAuthority" in d["types"] for _, d in G.nodes(data=True))
    assert ID + "org/imy" in G and ID + "org/ico" in G


def test_without_the_ontology_actor_types_are_the_asserted_ones():
    """Regression: the known type names were taken from visited nodes only, so an actor
    class used only on actors (Company) was refused when the ontology was not loaded."""
    G = actor_graph(fixture_graph(with_ontology=False), NetworkFilter(actor_types={"Company"}))
    assert nodes(G) == {"A"}
