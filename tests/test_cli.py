"""The cvkg commands: each runs on the shipped graph and shows the facts it should."""

from __future__ import annotations

import csv
import io
import json

from conftest import fixture_path

from clearview_kg.cli.main import cli

ALL_COMMANDS = {"validate", "query", "queries", "actor", "timeline", "conflicts", "overview"}


def test_the_group_lists_every_command(invoke):
    result = invoke("--help")
    assert result.exit_code == 0
    assert ALL_COMMANDS <= set(cli.commands)
    for name in ALL_COMMANDS:
        assert f"  {name}" in result.stdout
    assert "Exit codes" in result.stdout


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0 and "cvkg" in result.stdout


# --- validate --------------------------------------------------------------------------------


def test_validate_shipped_graph_conforms(invoke):
    result = invoke("validate")
    assert result.exit_code == 0, result.output
    assert "OK: the graph conforms" in result.stdout
    assert "shapes/clearview-shapes.ttl" in result.stdout


def test_validate_user_file_with_violations_groups_them_by_focus_node(invoke):
    result = invoke("validate", fixture_path("bad-fine.ttl"))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "FAILED" in out
    assert "act:test-bad-fine" in out
    # One heading for the node, then one line per problem under it.
    assert out.count("act:test-bad-fine") == 1
    assert "cv:amount" in out and "sh:MinCountConstraintComponent" in out
    assert "cvsh:FineShape-amount" in out
    assert result.stderr == ""


def test_validate_json_report_is_structured(invoke):
    result = invoke("validate", fixture_path("bad-fine.ttl"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["violations"] >= 3
    [node] = report["focus_nodes"]
    assert node["focus"] == "https://w3id.org/clearview-kg/id/action/test-bad-fine"
    found = {(r["source_shape"], r["component"]) for r in node["results"]}
    assert ("cvsh:FineShape-amount", "sh:MinCountConstraintComponent") in found
    for r in node["results"]:
        assert set(r) >= {"focus", "path", "value", "source_shape", "component", "severity", "message"}


def test_validate_a_valid_user_file_together_with_the_shipped_graph(invoke):
    result = invoke("validate", fixture_path("my-fine.ttl"))
    assert result.exit_code == 0, result.output
    assert "my-fine.ttl" in result.stdout


# --- query / queries -------------------------------------------------------------------------


def test_queries_lists_names_and_questions(invoke):
    result = invoke("queries")
    assert result.exit_code == 0
    for name in ("fines", "settlements", "settlement-terms", "uses", "denials", "orders", "laws",
                 "spokespeople", "timeline", "disagreements", "actions-of-actor", "sources"):
        assert name in result.stdout
    assert "--param actor=IRI" in result.stdout
    rows = json.loads(invoke("queries", "--format", "json").stdout)
    assert all(row["question"] for row in rows)


def test_query_fines_shows_amounts_sources_and_quotes(invoke):
    result = invoke("query", "fines")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "17,000,000" in out and "GBP" in out
    assert "20,000,000" in out and "EUR" in out
    assert "2,500,000" in out and "SEK" in out
    assert "strax över" in out  # the qualifier, in the source's words
    assert "[002]" in out  # quotes carry their source id


def test_query_fines_json_keeps_full_values(invoke):
    rows = json.loads(invoke("query", "fines", "--format", "json").stdout)
    ico = [r for r in rows if r["action"].endswith("/action/ico-proposed-fine")]
    assert ico and ico[0]["amount"] == 17000000.0 and ico[0]["currency"] == "GBP"
    assert ico[0]["status"] == "provisional"
    assert ico[0]["action"].startswith("https://")  # full IRIs outside the table format
    assert "002" in ico[0]["sources"]
    assert "sanktionsavgift om strax över 17 miljoner pund" in ico[0]["quotes"]


def test_query_csv_and_tsv(invoke):
    text = invoke("query", "settlements", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 1
    assert "Clearview AI" in rows[0]["parties"] and "ACLU" in rows[0]["parties"]
    assert rows[0]["court"] == "Federal court in Illinois"
    tsv = invoke("query", "settlements", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[0] == "action"
    assert all(len(line.split("\t")) == len(tsv[0].split("\t")) for line in tsv)


def test_query_table_truncates_long_quotes_only_in_table_mode(invoke):
    table = invoke("query", "denials").stdout
    full = json.loads(invoke("query", "denials", "--format", "json").stdout)
    longest = max((r["quotes"] or "" for r in full), key=len)
    assert len(longest) > 80
    for line in table.splitlines():
        assert len(line) <= 130, line  # wrapped or cut to the terminal, never a 300-char line


def test_query_with_parameter(invoke):
    result = invoke("query", "actions-of-actor", "--param", "actor=ido:rigspolitiet", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(r["role"] for r in rows)
    assert any(r["action"].endswith("rigspolitiet-denial-2021") and r["role"] == "agent" for r in rows)
    # The same with a full IRI.
    again = invoke("query", "actions-of-actor", "--param",
                   "actor=<https://w3id.org/clearview-kg/id/org/rigspolitiet>", "--format", "json")
    assert json.loads(again.stdout) == rows


def test_query_adhoc_expression_with_predeclared_prefixes(invoke):
    result = invoke("query", "-e", "SELECT ?fine WHERE { ?fine a cv:Fine } ORDER BY ?fine", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "https://w3id.org/clearview-kg/id/action/ico-fine" in result.stdout


def test_query_ask_and_construct(invoke):
    assert invoke("query", "-e", "ASK { ?f a cv:Fine }").stdout.strip() == "true"
    assert json.loads(invoke("query", "-e", "ASK { ?f a cv:Nothing }", "-f", "json").stdout) == [{"ask": False}]
    turtle = invoke("query", "-e", "CONSTRUCT { ?f cv:agent ?a } WHERE { ?f a cv:Fine ; cv:agent ?a }").stdout
    assert "act:ico-fine cv:agent ido:ico" in turtle


def test_query_from_a_file_with_a_literal_parameter(invoke):
    result = invoke("query", fixture_path("by-currency.rq"), "--param", "currency=EUR", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["fine"].rsplit("/", 1)[1] for r in rows] == ["gpdp-fine"]


def test_query_sees_user_data(invoke):
    result = invoke("query", "fines", "--data", fixture_path("my-fine.ttl"), "--format", "json")
    assert any(r["agent"] == "Testland Privacy Board" for r in json.loads(result.stdout))


def test_output_to_a_file(invoke, tmp_path):
    target = tmp_path / "fines.csv"
    result = invoke("query", "fines", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert "GBP" in target.read_text(encoding="utf-8")


# --- actor -----------------------------------------------------------------------------------


def test_actor_by_english_name(invoke):
    result = invoke("actor", "Clearview AI")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ido:clearview-ai" in out
    assert "Company" in out
    assert "target" in out and "party" in out  # roles in its actions
    assert "act:aclu-settlement" in out


def test_actor_by_a_name_in_another_language_case_insensitive(invoke):
    result = invoke("actor", "POLISMYNDIGHETEN")
    assert result.exit_code == 0, result.output
    assert "Swedish Police Authority (Polismyndigheten)" in result.stdout
    assert "sv" in result.stdout  # names are shown with their languages
    assert "act:imy-fine" in result.stdout


def test_actor_shows_posts(invoke):
    out = invoke("actor", "thomas rudbeck").stdout
    assert "fungerende pressechef" in out
    assert "Danish National Police (Rigspolitiet)" in out
    assert "spokesperson" in out


def test_actor_json_and_csv(invoke):
    [profile] = json.loads(invoke("actor", "ICO", "--format", "json").stdout)
    assert profile["iri"] == "https://w3id.org/clearview-kg/id/org/ico"
    assert {"kind": "altLabel", "language": "sv", "text": "ICO"} in profile["labels"]
    assert any(a["action"].endswith("/ico-proposed-fine") and a["role"] == "agent" for a in profile["actions"])
    rows = list(csv.DictReader(io.StringIO(invoke("actor", "ICO", "--format", "csv").stdout)))
    assert rows and {"actor", "role", "action", "sources"} <= set(rows[0])


def test_actor_from_user_data(invoke):
    result = invoke("actor", "Testlandsk Datatilsyn", "--data", fixture_path("my-fine.ttl"))
    assert result.exit_code == 0, result.output
    assert "act:test-regulator-fine" in result.stdout


# --- timeline, conflicts, overview -----------------------------------------------------------


def test_timeline_is_oldest_first_with_precision_and_phrase(invoke):
    rows = json.loads(invoke("timeline", "--format", "json").stdout)
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    assert {r["precision"] for r in rows} <= {"day", "month", "year"}
    assert {"day", "month", "year"} <= {r["precision"] for r in rows}
    assert any(r["datePhrase"] == "tilbage i marts" for r in rows)
    table = invoke("timeline").stdout
    assert "2021-11-29" in table and "day" in table and "tilbage i marts" in table
    # A year comes before the months and days of that year.
    first_2021 = [r["precision"] for r in rows if str(r["date"]).startswith("2021")]
    assert first_2021[0] == "year"


def test_conflicts_side_by_side(invoke):
    result = invoke("conflicts")
    assert result.exit_code == 0
    out = result.stdout
    assert "Status of the ICO's fine on Clearview AI" in out
    assert "[002]" in out and "[004]" in out
    assert "Än så länge är beslutet om sanktionsavgiften preliminärt" in out
    conflicts = json.loads(invoke("conflicts", "--format", "json").stdout)
    for c in conflicts:
        sources = {v["source"] for v in c["versions"]}
        assert len(c["versions"]) >= 2 and len(sources) >= 2, c["topic"]


def test_overview(invoke):
    result = invoke("overview")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Validation: conforms" in out
    assert "17,000,000 GBP" in out
    assert "Federal court in Illinois" in out
    assert "Where to go next" in out and "cvkg actor" in out
    data = json.loads(invoke("overview", "--no-validate", "--format", "json").stdout)
    assert data["validation"] is None
    assert len(data["sources"]) == 5
    assert {s["id"] for s in data["sources"]} == {"000", "001", "002", "003", "004"}
    assert any(r["label"] == "Fine" for r in data["actions_by_type"])


def test_actor_name_shared_by_two_actors_shows_both(invoke):
    result = invoke("actor", "ico", "--data", fixture_path("twin-ico.ttl"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(p["iri"].rsplit("/", 1)[1] for p in json.loads(result.stdout)) == ["ico", "test-ico-namesake"]
    table = invoke("actor", "ico", "--data", fixture_path("twin-ico.ttl")).stdout
    assert "Independent Cabling Organisation" in table and "ido:ico" in table
