"""Labels and lookup, actor profiles, timeline ordering, conflicts, overview, validation, store."""

from __future__ import annotations

import pytest
from conftest import fixture_path

from clearview_kg.core import conflicts, labels, overview, profile, resources, store, timeline, validation
from clearview_kg.core.errors import CvkgError, NotFoundError

ID = "https://w3id.org/clearview-kg/id/"


# --- store and resources ---------------------------------------------------------------------


def test_packaged_files_are_found():
    assert [f.name for f in resources.ontology_files()] == ["clearview.ttl"]
    assert "actors.ttl" in [f.name for f in resources.graph_files()]
    assert resources.shapes_files()
    assert {f.name[:-3] for f in resources.query_files()} >= {"fines", "timeline", "actions-of-actor"}
    assert len(resources.corpus_files()) == 5


def test_load_graph_combines_ontology_facts_and_user_files(shipped_graph):
    ontology_only = store.load_graph(include_shipped=False)
    assert 0 < len(ontology_only) < len(shipped_graph)
    with_user = store.load_graph([fixture_path("my-fine.ttl")])
    assert len(with_user) > len(shipped_graph)
    # Each call returns a fresh graph: changing one does not change the next.
    with_user.remove((None, None, None))
    assert len(store.load_graph()) == len(shipped_graph)


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Clearview AI", "org/clearview-ai"),
        ("clearview", "org/clearview-ai"),
        ("CLEARVIEW AL", "org/clearview-ai"),  # the sources' misspelling, in sv and da
        ("ICO", "org/ico"),
        ("Information Commissioner’s Office (ICO)", "org/ico"),  # curly apostrophe
        ("information commissioner's office (ico)", "org/ico"),
        ("Den brittiska dataskyddsmyndigheten", "org/ico"),  # Swedish
        ("polismyndigheten", "org/polismyndigheten"),
        ("Rigspolitiet", "org/rigspolitiet"),
        ("det danske politi", "org/danish-police"),  # Danish
        ("ido:aclu", "org/aclu"),
        ("<https://w3id.org/clearview-kg/id/org/aclu>", "org/aclu"),
        ("mujeres-latinas-en-accion", "org/mujeres-latinas-en-accion"),
        ("  Thomas   Rudbeck ", "person/thomas-rudbeck"),
    ],
)
def test_find_actor_by_any_label(shipped_graph, name, slug):
    assert labels.find_actors(shipped_graph, name) == [ID + slug]


def test_unknown_actor_has_suggestions(shipped_graph):
    with pytest.raises(NotFoundError) as info:
        labels.find_actors(shipped_graph, "Polismyndighten")
    assert "Polismyndigheten" in info.value.suggestions
    assert "did you mean 'Polismyndigheten'" in str(info.value)


def test_non_actors_are_not_actors(shipped_graph):
    with pytest.raises(NotFoundError):
        labels.find_actors(shipped_graph, "Illinois")  # a place, not an actor


def test_label_of(shipped_graph):
    assert labels.label_of(shipped_graph, ID + "org/ico") == "Information Commissioner's Office (ICO)"
    assert labels.label_of(shipped_graph, "https://w3id.org/clearview-kg/ontology#Fine") == "Fine"
    assert labels.label_of(shipped_graph, ID + "org/no-such-thing") == "no-such-thing"


def test_normalise():
    assert labels.normalise("  The  Information Commissioner’s ") == "the information commissioner's"


# --- profile ---------------------------------------------------------------------------------


def test_profile_of_a_person_with_a_post(shipped_graph):
    p = profile.profile(shipped_graph, ID + "person/thomas-rudbeck")
    assert p.name == "Thomas Rudbeck"
    assert [t["label"] for t in p.types] == ["Person"]
    [post] = p.posts
    assert post["title"] == "fungerende pressechef"
    assert post["organisationName"] == "Danish National Police (Rigspolitiet)"
    assert post["sources"] == "000"
    assert any(a["role"] == "spokesperson" for a in p.actions)


def test_profile_roles(shipped_graph):
    p = profile.profile(shipped_graph, ID + "org/clearview-ai")
    roles = {a["role"] for a in p.actions}
    assert {"target", "party", "agent"} <= roles
    assert all(a["sources"] for a in p.actions), "every action names its sources"
    assert {"relation": "develops", "other": ID + "tech/clearview-database", "name": "Clearview AI face database"} in p.links


# --- timeline --------------------------------------------------------------------------------


def test_sort_key_orders_precisions():
    dates = ["2021-03-05", "2022", "2021-03", "2021", "2020-12-31", "2021-02"]
    assert sorted(dates, key=timeline.sort_key) == ["2020-12-31", "2021", "2021-02", "2021-03", "2021-03-05", "2022"]


def test_timeline_rows(shipped_graph):
    columns, rows = timeline.timeline(shipped_graph)
    assert {"date", "precision", "datePhrase", "action", "type", "label", "sources"} <= set(columns)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    ico = [r for r in rows if r["action"].endswith("/ico-proposed-fine")]
    assert ico and ico[0]["date"] == "2021-11-29" and ico[0]["precision"] == "day"
    assert all(r["sources"] for r in rows)


# --- conflicts -------------------------------------------------------------------------------


def test_conflicts_group_versions(shipped_graph):
    found = conflicts.conflicts(shipped_graph)
    assert found
    by_iri = {c.iri: c for c in found}
    status = by_iri[ID + "conflict/ico-fine-status"]
    assert status.aspect == "status"
    assert {v["source"] for v in status.versions} >= {"002", "004"}
    assert all(v["claim"] and v["quote"] for v in status.versions)
    for c in found:
        assert len({v["source"] for v in c.versions}) >= 2


# --- overview --------------------------------------------------------------------------------


def test_overview_counts(shipped_graph):
    ov = overview.overview(shipped_graph, validate=False)
    assert ov.validation is None
    assert len(ov.sources) == 5
    assert ov.triples == len(shipped_graph)
    fines = {f["action"].rsplit("/", 1)[1]: f for f in ov.fines}
    assert fines["gpdp-fine"]["amount"] == 20000000.0 and fines["gpdp-fine"]["currency"] == "EUR"
    assert sum(r["count"] for r in ov.actions_by_type) >= 20
    assert ov.disagreements


# --- validation ------------------------------------------------------------------------------


def test_shipped_graph_conforms(shipped_graph):
    report = validation.validate(shipped_graph)
    assert report.conforms, [(r.focus, r.source_shape, r.message) for r in report.results[:5]]


def test_validation_results_are_structured():
    report = validation.validate(store.load_graph([fixture_path("bad-fine.ttl")]))
    assert not report.conforms
    focus = ID + "action/test-bad-fine"
    assert list(report.by_focus()) == [focus]
    got = {(r.path, r.source_shape, r.component) for r in report.results}
    assert ("cv:amount", "cvsh:FineShape-amount", "sh:MinCountConstraintComponent") in got
    assert ("cv:status", "cvsh:EnforcementActionShape-status", "sh:MinCountConstraintComponent") in got
    for r in report.results:
        assert r.severity == "Violation" and r.message and "\n" not in r.message
    assert report.as_dict()["focus_nodes"][0]["label"] == "Bøde uden beløb"


def test_validation_without_shapes_is_an_error(monkeypatch, shipped_graph):
    monkeypatch.setattr(resources, "shapes_files", lambda: [])
    with pytest.raises(CvkgError, match="no SHACL shapes"):
        validation.validate(shipped_graph)
