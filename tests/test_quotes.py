"""Every quote in graph/ stands verbatim in its source's text, at the offsets it gives; every
source file is the one whose sha256 the graph records; no quote comes from page furniture."""
from __future__ import annotations

import pytest
import rdflib

from graph_files import CORPUS_DIR, SHARED_SOURCES, corpus_text, facts, rows, sha256

DERIVATIONS = """
SELECT ?holder ?source ?id ?lang ?quote ?start ?end ?translation WHERE {
  ?holder prov:qualifiedDerivation ?d .
  ?d prov:entity ?source ; cv:quote ?quote .
  ?source dcterms:identifier ?id ; dcterms:language ?lang .
  OPTIONAL { ?d cv:quoteStart ?start }
  OPTIONAL { ?d cv:quoteEnd ?end }
  OPTIONAL { ?d cv:translation ?translation }
}"""

# Where the article ends on each page: what follows is job news, adverts, membership offers
# or footers, which are not facts of the saga.
ARTICLE_ENDS = {
    "000": "Læses lige nu",
    "001": None,
    "002": "Läs mer här:",
    "003": None,
    "004": "Catch up on more articles",
}


def all_derivations():
    return rows(DERIVATIONS)


def test_there_are_many_quotes():
    assert len(all_derivations()) >= 100


@pytest.mark.parametrize("row", all_derivations(), ids=lambda r: f"{r[2]}:{str(r[4])[:40]}")
def test_quote_is_verbatim_at_its_offsets(row):
    holder, source, sid, lang, quote, start, end, translation = row
    text = corpus_text(str(sid))
    assert start is not None and end is not None, "quote without offsets"
    assert text[int(start):int(end)] == str(quote)


@pytest.mark.parametrize("row", all_derivations(), ids=lambda r: f"{r[2]}:{str(r[4])[:40]}")
def test_quote_language_is_its_source_language_and_has_translation(row):
    holder, source, sid, lang, quote, start, end, translation = row
    assert quote.language == str(lang)
    if str(lang) != "en":
        assert translation is not None and translation.language == "en"


@pytest.mark.parametrize("row", all_derivations(), ids=lambda r: f"{r[2]}:{str(r[4])[:40]}")
def test_quote_comes_from_the_article_not_page_furniture(row):
    sid, start = str(row[2]), row[5]
    marker = ARTICLE_ENDS[sid]
    if marker is not None:
        assert int(start) < corpus_text(sid).index(marker)


def test_each_source_file_matches_its_recorded_sha256():
    recorded = dict(rows("SELECT ?file ?sha WHERE { ?s a cv:SourceArticle ; cv:fileName ?file ; cv:sha256 ?sha }"))
    assert len(recorded) == 5
    for file_name, digest in recorded.items():
        assert sha256(CORPUS_DIR / str(file_name)) == str(digest), file_name


def test_corpus_is_a_byte_copy_of_the_shared_sources():
    if not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources is not beside this checkout")
    shared = {p.name: sha256(p) for p in SHARED_SOURCES.glob("*.txt")}
    ours = {p.name: sha256(p) for p in CORPUS_DIR.glob("*.txt")}
    assert ours == shared


def test_every_holder_lists_its_quoted_sources_in_was_derived_from():
    missing = rows("""
      SELECT ?holder ?source WHERE {
        ?holder prov:qualifiedDerivation/prov:entity ?source .
        FILTER NOT EXISTS { ?holder prov:wasDerivedFrom ?source }
      }""")
    assert missing == []


def test_sources_record_language_date_and_clue():
    found = rows("""
      SELECT ?id ?lang ?date ?clue WHERE {
        ?s a cv:SourceArticle ; dcterms:identifier ?id ; dcterms:language ?lang ; cv:publicationDateClue ?clue .
        OPTIONAL { ?s cv:publicationDate ?date }
      } ORDER BY ?id""")
    assert [(str(r[0]), str(r[1])) for r in found] == [
        ("000", "da"), ("001", "nl"), ("002", "sv"), ("003", "nl"), ("004", "en")]
    dates = {str(r[0]): r[2] for r in found}
    assert dates["001"] == rdflib.Literal("2022-05", datatype=rdflib.XSD.gYearMonth)
    assert dates["003"] == rdflib.Literal("2020", datatype=rdflib.XSD.gYear)
    assert dates["002"] is None  # only bounds can be inferred for 002
