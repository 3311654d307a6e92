"""RDF exports streamed from the Oxigraph store (core.export_rdf_stream) against the rdflib
writer (core.export_rdf) as the oracle: on the same store, with and without filters and the
ontology, every format parses back to the same graph - graph by graph for TriG and N-Quads.
Then the writer's own rules: nesting, blank nodes shared between graphs, cycles, deep lists,
sorted lines through temporary files, and that the ontology stays out of "the facts"."""
from __future__ import annotations

import json
import pathlib

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic

from clearview_kg.cli import export_cmd
from clearview_kg.core import export_rdf, export_rdf_stream, network
from clearview_kg.core.oxigraph_store import OxigraphStore

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.* is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures_export"
FORMATS = list(export_rdf.RDF_FORMATS)
EX = "http://example.org/"
ID = "https://w3id.org/clearview-kg/id/"
NO_FILTER = network.NetworkFilter()
FINES = network.NetworkFilter(action_types=frozenset({"Fine"}))


@pytest.fixture(scope="module")
def shipped():
    """The shipped graph in an Oxigraph store (with the ontology's named graph), and the same
    triples copied into rdflib for the oracle."""
    store = OxigraphStore.from_files()
    return store, store.memory_graph()


def both(store, copy, fmt, flt=NO_FILTER, with_ontology=False) -> tuple[bytes, bytes]:
    """The export from the store (streamed) and from the rdflib copy (core.export_rdf)."""
    streamed = list(export_cmd.produce(fmt, store.graph(), flt, "actors", with_ontology))
    assert len(streamed) == 1 and not isinstance(streamed[0], bytes)  # chunks, not one string
    oracle = list(export_cmd.produce(fmt, copy, flt, "actors", with_ontology, fetched=True))
    assert isinstance(oracle[0], bytes)
    return b"".join(streamed[0]), oracle[0]


def graphs_of(data: bytes, fmt: str) -> dict:
    parsed = export_rdf.parse_export(data, fmt)
    if fmt in export_rdf.QUAD_FORMATS:
        return {g.identifier: g for g in parsed.graphs() if len(g)}
    return {None: parsed}


def assert_same_export(streamed: bytes, oracle: bytes, fmt: str) -> dict:
    ours, theirs = graphs_of(streamed, fmt), graphs_of(oracle, fmt)
    assert set(ours) == set(theirs)
    for name, graph in theirs.items():
        assert len(ours[name]) == len(graph), name
        assert to_isomorphic(ours[name]) == to_isomorphic(graph), name
    return ours


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_shipped_graph_as_the_rdflib_writer_has_it(fmt, shipped):
    ours = assert_same_export(*both(*shipped, fmt), fmt)
    assert sum(len(g) for g in ours.values()) > 1500


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filter_drops_the_same_triples(fmt, shipped):
    streamed, oracle = both(*shipped, fmt, FINES)
    ours = assert_same_export(streamed, oracle, fmt)
    everything = sum(len(g) for g in graphs_of(both(*shipped, fmt)[0], fmt).values())
    assert 0 < sum(len(g) for g in ours.values()) < everything


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_the_ontology(fmt, shipped):
    ours = assert_same_export(*both(*shipped, fmt, with_ontology=True), fmt)
    cls = URIRef("https://w3id.org/clearview-kg/ontology#Fine")
    if fmt in export_rdf.QUAD_FORMATS:
        assert (cls, None, None) in ours[export_rdf.ONTOLOGY_GRAPH]
        assert not any((cls, None, None) in g for name, g in ours.items() if name != export_rdf.ONTOLOGY_GRAPH)
    else:
        assert (cls, None, None) in ours[None]


def test_the_facts_leave_out_the_ontology_and_only_it(shipped):
    store, copy = shipped
    facts = export_rdf_stream.Facts(store)
    count = sum(1 for _ in facts.triples())
    assert count == store.triple_count() - len(store.ontology_triples()) > 1500
    assert store.triple_count() == len(copy)


def test_the_user_files_alone(tmp_path):
    store = OxigraphStore.from_files([str(FIXTURES / "tricky.ttl")], include_shipped=False)
    for fmt in FORMATS:
        ours = assert_same_export(*both(store, store.memory_graph(), fmt), fmt)
        labels = {str(o) for g in ours.values() for o in g.objects()}
        assert "Line one\nline two & <b>bold</b>" in labels, fmt


# --- the writer's own rules, on small stores -------------------------------------------------


def store_of(turtle: str) -> OxigraphStore:
    """The ontology (with its named graph, as every store has it) and ``turtle``."""
    store = OxigraphStore.from_files(include_shipped=False)
    store.ox.load(turtle.encode(), format=ox.RdfFormat.TURTLE)
    store._triples = None  # counted again with the added triples
    return store


def export(store, fmt, **kwargs) -> bytes:
    return b"".join(export_rdf_stream.chunks(store, fmt, [], **kwargs))


def round_trip(store, fmt) -> Graph:
    data = export(store, fmt)
    back = export_rdf.parse_export(data, fmt)
    expected = export_rdf_stream.Facts(store)
    assert len(back) == sum(1 for _ in expected.triples())
    return back


def test_a_blank_node_mentioned_once_is_nested():
    store = store_of(f"""<{EX}a> <{EX}p> [ <{EX}q> "x" ; <{EX}r> [ <{EX}s> 1 ] ] .""")
    text = export(store, "turtle").decode()
    assert "_:" not in text and text.count("[") == 2
    document = json.loads(export(store, "jsonld"))
    node = document["@graph"][0]
    assert node["@id"] == EX + "a" and len(document["@graph"]) == 1
    assert node[EX + "p"][0][EX + "q"] == ["x"]
    assert node[EX + "p"][0][EX + "r"][0][EX + "s"] == [{"@value": "1", "@type": "xsd:integer"}]


def test_a_blank_node_mentioned_twice_keeps_its_label():
    store = store_of(f"""<{EX}a> <{EX}p> _:shared . <{EX}b> <{EX}p> _:shared . _:shared <{EX}q> "x" .""")
    text = export(store, "turtle").decode()
    assert "[" not in text and text.count("_:") == 3
    back = round_trip(store, "turtle")
    assert len(set(back.objects(None, URIRef(EX + "p")))) == 1


def test_a_cycle_of_blank_nodes_is_written_whole():
    store = store_of(f"""_:x <{EX}next> _:y . _:y <{EX}next> _:x . _:x <{EX}label> "x" .""")
    for fmt in ("turtle", "jsonld", "trig"):
        back = round_trip(store, fmt) if fmt != "trig" else export_rdf.union(
            export_rdf.parse_export(export(store, fmt), fmt))
        assert len(back) == 3, fmt
        (x,) = back.subjects(URIRef(EX + "label"), Literal("x"))
        (y,) = back.objects(x, URIRef(EX + "next"))
        assert list(back.objects(y, URIRef(EX + "next"))) == [x], fmt


def test_a_long_list_is_not_nested_beyond_the_limit():
    items = " ".join(f'"{n}"' for n in range(export_rdf_stream.MAX_NESTING * 3))
    store = store_of(f"<{EX}a> <{EX}list> ( {items} ) .")
    text = export(store, "turtle").decode()
    deepest = max((len(line) - len(line.lstrip(" "))) // 4 for line in text.splitlines())
    assert deepest == export_rdf_stream.MAX_NESTING
    assert text.count("_:") >= 4  # cut twice: the label where a block ends, and its block
    back = round_trip(store, "turtle")
    facts = Graph()
    for s, p, o in export_rdf_stream.Facts(store).triples():
        facts.add(tuple(store.terms.to_rdflib(t) for t in (s, p, o)))
    assert isomorphic(back, facts)


def test_an_amount_of_an_action_from_two_sources_stays_one_node_across_graphs():
    store = store_of(f"""
        @prefix cv: <https://w3id.org/clearview-kg/ontology#> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        <{ID}action/f> a cv:Fine ; cv:amount [ cv:value 5 ] ;
            prov:wasDerivedFrom <{ID}source/001>, <{ID}source/002> .""")
    classes = [ox.NamedNode("https://w3id.org/clearview-kg/ontology#Fine")]
    data = b"".join(export_rdf_stream.chunks(store, "trig", classes))
    text = data.decode()
    assert "srcgraph:001 {" in text and "srcgraph:002 {" in text and "[" not in text
    dataset = export_rdf.parse_export(data, "trig")
    amounts = {o for g in dataset.graphs() for o in g.objects(None, URIRef(
        "https://w3id.org/clearview-kg/ontology#amount"))}
    assert len(amounts) == 1


def test_jsonld_writes_compact_names_and_the_context_by_iri():
    store = store_of(f"""
        @prefix cv: <https://w3id.org/clearview-kg/ontology#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{ID}action/f> a cv:Fine ; cv:date "2021-03"^^xsd:gYearMonth ; <{EX}odd> <{EX}x%20y> ;
            <{EX}typed> "v"^^<{EX}dt> ; <{EX}label> "l"@en-GB ; cv:value 17000000.0 ;
            <{EX}bad> "abc"^^xsd:decimal .""")
    document = json.loads(export(store, "jsonld"))
    assert document["@context"] == export_rdf.CONTEXT_IRI
    (node,) = document["@graph"]
    assert node["@id"] == "act:f" and node["@type"] == "cv:Fine"
    assert node["cv:date"] == [{"@value": "2021-03", "@type": "xsd:gYearMonth"}]
    assert node[EX + "odd"] == [{"@id": EX + "x%20y"}]
    assert node[EX + "typed"] == [{"@value": "v", "@type": EX + "dt"}]
    assert node["cv:value"] == [{"@value": "17000000.0", "@type": "xsd:decimal"}]
    assert node[EX + "bad"] == [{"@value": "abc", "@type": "xsd:decimal"}]  # ill-typed: as written
    back = export_rdf.read_jsonld(export(store, "jsonld"))
    assert (None, URIRef(EX + "label"), Literal("l", lang="en-gb")) in back


def test_empty_graph_in_every_format():
    store = OxigraphStore.from_files(include_shipped=False)
    for fmt in FORMATS:
        data = export(store, fmt)
        graphs = graphs_of(data, fmt)
        assert sum(len(g) for g in graphs.values()) == 0, fmt
    assert json.loads(export(store, "jsonld"))["@graph"] == []


@pytest.mark.parametrize("fmt", ["ntriples", "nquads"])
def test_lines_are_sorted_and_unique_through_temporary_files(fmt, shipped, monkeypatch):
    store, _ = shipped
    whole = export(store, fmt)
    monkeypatch.setattr(export_rdf_stream, "LINES_PER_RUN", 97)
    runs = b"".join(export_rdf_stream.chunks(store, fmt, []))
    assert runs == whole
    lines = whole.decode().splitlines()
    assert lines == sorted(set(lines)) and len(lines) > 1500


def test_sorted_unique_merges_runs_and_drops_duplicates(tmp_path, monkeypatch):
    monkeypatch.setattr(export_rdf_stream.tempfile, "tempdir", str(tmp_path))
    lines = [f"{n % 50:03d}\n" for n in range(1000, 0, -1)]
    assert list(export_rdf_stream.sorted_unique(lines, per_run=7)) == sorted(set(lines))
    assert list(tmp_path.iterdir()) == []  # the runs are removed


def test_a_failure_half_way_removes_the_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(export_rdf_stream.tempfile, "tempdir", str(tmp_path))

    def lines():
        yield from (f"{n}\n" for n in range(30))
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        list(export_rdf_stream.sorted_unique(lines(), per_run=4))
    assert list(tmp_path.iterdir()) == []
