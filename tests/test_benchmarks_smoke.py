"""Smoke test of the benchmarks (benchmarks/generate.py, benchmarks/run.py): no timings are
asserted, only that everything runs, measures what it says and tells the truth.

- A 10^4-triple sample of the generator conforms to the shipped shapes (pySHACL directly, as
  the shapes file says to run it), holds every actor and action class of the ontology, has
  every quote verbatim at its offsets in the corpus it writes, and is within 5% of its size.
- A variant with injected violations yields exactly the listed violations through
  core.validation on the project's store.
- The runner completes on ~2,000 triples with one repeat: every step it should measure has a
  number (project and baselines), every step has a row in the report, and the goals table has
  a measured row (MET or NOT MET) for every goal of the issue. It runs in the background
  while the checks above run in this process (two cores).
- The goals table itself says NOT MET and "not measured" when it should (a unit test of
  run.goals on made-up measurements).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from clearview_kg.core import resources, store, validation
from clearview_kg.core.namespaces import compact
from clearview_kg.core.source import Source

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CV = rdflib.Namespace("https://w3id.org/clearview-kg/ontology#")
SIZE = 2000

QUOTES = """
PREFIX cv: <https://w3id.org/clearview-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?file ?lang ?quote ?start ?end WHERE {
  ?d prov:entity ?s ; cv:quote ?quote ; cv:quoteStart ?start ; cv:quoteEnd ?end .
  ?s cv:fileName ?file ; dcterms:language ?lang .
}"""

# What the runner must measure (written out here, not taken from run.py, so that a step or a
# goal dropped from the runner fails this test).
STEPS = [
    ("load", "project"), ("re-open", "project"), ("validate", "project"),
    ("query warm-up (first named query, once)", "project"),
    ("actor graph", "project"), ("analyse centrality betweenness", "project"),
    ("analyse centrality pagerank", "project"), ("analyse communities louvain", "project"),
    ("analyse evolution", "project"), ("export turtle", "project"), ("export html", "project"),
    ("export graphml", "project"), ("export timeline-svg", "project"),
    ("push (to an Oxigraph server)", "project"),
    ("cvkg analyse centrality (end to end, new store)", "project"),
    ("cvkg analyse centrality (end to end, warm store)", "project"),
    ("cvkg query fines --data FILE --no-shipped (warm store)", "project"),
    ("validate (injected violations)", "project"),
    ("pyoxigraph bulk_load (on disk)", "baseline"), ("pyoxigraph Store.read_only (re-open)", "baseline"),
    ("pyoxigraph Store.load (in-memory)", "baseline"), ("rdflib Graph.parse", "baseline"),
    ("pySHACL validate (rdflib)", "baseline"), ("pySHACL validate (injected violations)", "baseline"),
    ("networkx betweenness (exact)", "baseline"),
    ("python -c pass", "baseline"), ("python -c 'import pyoxigraph'", "baseline"),
]
CLI_STEPS = [("cvkg --help", "project"), ("cvkg --help (modules imported)", "project"),
             ("cvkg query sources (shipped graph, new store)", "project"),
             ("cvkg query sources (shipped graph, warm store)", "project"),
             ("python -c pass", "baseline"), ("python -c 'import pyoxigraph'", "baseline")]
GOALS = [  # (start of the goal's text, measured per size)
    ("(a) load within 1.3x of pyoxigraph bulk_load: time", True),
    ("(a) load within 1.3x of pyoxigraph bulk_load: peak memory", True),
    ("(b) every named query within 1.5x of pyoxigraph (on-disk store", True),
    ("(c) a second command re-opens the store", True),
    ("(c) warm `cvkg query` answers in interpreter start + query time", True),
    ("(c) `cvkg --help` imports no part of the RDF stack", False),
    ("(d) validation >= 5x faster than pySHACL on rdflib, same violations", True),
    ("(e) `cvkg analyse centrality` within 60 s", True),
    ("(f) peak memory of every project step", True),
    ("(f) no progress output when stderr is piped", False),
]
COMPARISONS = [  # not goals: against pyoxigraph in memory
    "(a) load against pyoxigraph's in-memory store (Store.load)",
    "(b) every named query against pyoxigraph's in-memory store",
]


def generate(out: Path, triples: int, violations: int = 0, seed: int = 1) -> dict:
    argv = [sys.executable, str(BENCH / "generate.py"), "--triples", str(triples), "--seed", str(seed),
            "--out", str(out)]
    if violations:
        argv += ["--violations", str(violations)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return json.loads(out.with_suffix(".meta.json").read_text())


def subclasses(graph: rdflib.Graph, root) -> set:
    return {c for c in graph.transitive_subjects(rdflib.RDFS.subClassOf, root)} - {root}


def load_run_module():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """Start the runner on ~2,000 triples in the background; yield its folder and process."""
    folder = tmp_path_factory.mktemp("bench-run")
    argv = [sys.executable, str(BENCH / "run.py"), "--sizes", str(SIZE), "--repeat", "1",
            "--out", str(folder / "RESULTS.md"), "--json", str(folder / "results.json"),
            "--workdir", str(folder / "work"), "--quiet", "--step-timeout", "300"]
    proc = subprocess.Popen(argv, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield folder, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_generated_sample_conforms_and_is_complete(runner, tmp_path):
    meta = generate(tmp_path / "sample.ttl", 10_000)
    assert abs(meta["triples"] - 10_000) <= 500

    import pyshacl

    data = rdflib.Graph()
    for packaged in resources.ontology_files():
        data.parse(data=packaged.read_bytes(), format="turtle")
    ontology_triples = len(data)
    data.parse(tmp_path / "sample.ttl", format="turtle")
    assert len(data) - ontology_triples == meta["triples"]  # the generator counts right
    shapes = rdflib.Graph()
    for packaged in resources.shapes_files():
        shapes.parse(data=packaged.read_bytes(), format="turtle")
    conforms, _results, text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=False, js=False,
        do_owl_imports=False, abort_on_first=False, allow_warnings=True, meta_shacl=False)
    assert conforms, str(text)[:2000]

    # every concrete actor and action class of the ontology is used
    abstract = {CV.Organisation, CV.PublicBody, CV.EnforcementAction, CV.LegalAction}
    wanted = (subclasses(data, CV.Actor) | subclasses(data, CV.Action)) - abstract
    used = set(data.objects(None, rdflib.RDF.type))
    assert wanted - used == set()
    # dates of all three precisions, ISO 4217 money with hedges, disagreements, translations
    datatypes = {o.datatype for o in data.objects(None, CV.date)}
    assert {rdflib.XSD.date, rdflib.XSD.gYearMonth, rdflib.XSD.gYear} <= datatypes
    assert any(True for _ in data.triples((None, CV.qualifier, None)))
    assert any(True for _ in data.triples((None, CV.equivalentAmount, None)))
    assert any(True for _ in data.triples((None, CV.translation, None)))
    assert any(True for _ in data.triples((None, CV.datePhrase, None)))

    # every quote stands verbatim at its offsets in its source file, whose sha256 is recorded
    corpus = tmp_path / meta["corpus"]
    texts: dict[str, str] = {}
    rows = list(data.query(QUOTES))
    assert len(rows) > 500
    for file_name, lang, quote, start, end in rows:
        text = texts.setdefault(str(file_name), (corpus / str(file_name)).read_text(encoding="utf-8"))
        assert text[int(start):int(end)] == str(quote)
        assert quote.language == str(lang)
    for source, digest in data.subject_objects(CV.sha256):
        file_name = str(data.value(source, CV.fileName))
        assert hashlib.sha256((corpus / file_name).read_bytes()).hexdigest() == str(digest)


def test_sizes_are_on_target(tmp_path):
    meta = generate(tmp_path / "big.ttl", 100_000)
    assert abs(meta["triples"] - 100_000) <= 5_000
    small = generate(tmp_path / "small.ttl", 2_000)
    assert abs(small["triples"] - 2_000) <= 200
    again = generate(tmp_path / "again.ttl", 2_000)
    assert (tmp_path / "again.ttl").read_bytes() == (tmp_path / "small.ttl").read_bytes()  # seeded
    assert again["triples"] == small["triples"]


def test_injected_violations_are_exactly_found(tmp_path, monkeypatch):
    kinds = 19
    generate(tmp_path / "bad.ttl", 2_000, violations=kinds)
    sidecar = json.loads((tmp_path / "bad.violations.json").read_text())
    assert len(sidecar["violations"]) == kinds
    assert len({v["kind"] for v in sidecar["violations"]}) == kinds  # one of each kind

    monkeypatch.setenv("CVKG_CACHE_DIR", str(tmp_path / "cache"))
    report = validation.validate(store.open_store(Source(data=(str(tmp_path / "bad.ttl"),),
                                                         include_shipped=False)))

    def key(focus, shape, component):
        focus = "_:blank" if focus.startswith(("_:", "(")) else compact(str(focus))
        return focus, compact(str(shape)), compact(str(component))

    found = Counter(key(r.focus, r.source_shape, r.component) for r in report.violations)
    expected = Counter(key(e["focus"], e["shape"], e["component"])
                       for v in sidecar["violations"] for e in v["expected"])
    assert found == expected


def goal_table(report: str, title: str = "## Goals of the issue, as measured") -> list[list[str]]:
    lines = report.split(title, 1)[1].split("\n## ", 1)[0].splitlines()
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines
            if line.startswith("| (")]


def test_runner_measures_every_step_and_goal(runner):
    folder, proc = runner
    stdout, stderr = proc.communicate(timeout=420)
    assert proc.returncode == 0, stderr[-2000:]
    results = json.loads((folder / "results.json").read_text())
    report = (folder / "RESULTS.md").read_text()
    records = results["records"]

    # every step it should measure has a number: at the size, and on the shipped graph (size 0)
    from clearview_kg.core import catalog

    queries = list(catalog.named_queries())
    expected = [(SIZE, s, e) for s, e in STEPS]
    expected += [(SIZE, f"query {q}", e) for q in queries for e in ("project", "pyoxigraph", "pyoxigraph-disk")]
    expected += [(0, s, e) for s, e in CLI_STEPS]
    measured = {(r["size"], r["step"], r["engine"]) for r in records
                if r["ok"] and isinstance(r["seconds"], (int, float))}
    missing = [k for k in expected if k not in measured]
    assert not missing, missing
    # nothing the runner tried failed (svg / png exports excepted where Graphviz is missing)
    failed = [(r["step"], r["engine"], r["error"]) for r in records if not r["ok"]
              and not (r["step"] in ("export svg", "export png") and "Graphviz" in (r["error"] or ""))]
    assert not failed, failed

    # every step has a row in the report, or stands in the baseline column of its project step's
    table_rows = [line for line in report.splitlines() if line.startswith("| ")]
    for step in {r["step"] for r in records}:
        assert any(f"| {step} |" in line for line in table_rows), step

    # the goals table: a measured row per goal (and size), none left "not measured"
    rows = goal_table(report)
    for goal, per_size in GOALS:
        found = [row for row in rows if row[0].startswith(goal)]
        assert len(found) == 1, (goal, found)
        assert found[0][1] == (str(SIZE) if per_size else "any"), found[0]
        assert found[0][-1] in ("MET", "NOT MET"), found[0]
    assert len(rows) == len(GOALS)
    rows = goal_table(report, "## For comparison, not goals: pyoxigraph in memory")
    for comparison in COMPARISONS:
        found = [row for row in rows if row[0].startswith(comparison)]
        assert len(found) == 1 and found[0][1] == str(SIZE), (comparison, found)
        assert found[0][-1] in ("within", "over"), found[0]
    assert len(rows) == len(COMPARISONS)

    # and the measurements say what they should
    by_key = {(r["size"], r["step"], r["engine"]): r for r in records}
    assert by_key[(SIZE, "load", "project")]["info"]["built"] == 1
    assert by_key[(SIZE, "re-open", "project")]["info"]["built"] == 0
    assert by_key[(SIZE, "validate", "project")]["info"]["conforms"] is True
    check = by_key[(SIZE, "validate (injected violations)", "project")]["info"]
    assert check["exact"] is True and check["expected"] > 0
    oracle = by_key[(SIZE, "pySHACL validate (injected violations)", "baseline")]["info"]
    assert oracle["exact"] is True and oracle["same_as_project"] is True
    for q in queries:  # the same rows on every engine
        rows_seen = {by_key[(SIZE, f"query {q}", e)]["info"]["rows"] for e in ("project", "pyoxigraph", "pyoxigraph-disk")}
        assert len(rows_seen) == 1, (q, rows_seen)
    agreement = by_key[(SIZE, "networkx betweenness (exact)", "baseline")]["info"]
    assert agreement["top_k_agree"] == agreement["top_k"]


def test_goals_table_can_say_not_met():
    run = load_run_module()

    def rec(step, engine, seconds, rss_kb=100_000, size=10_000, **info):
        return {"size": size, "repeat": 0, "step": step, "engine": engine, "seconds": seconds,
                "rss_kb": rss_kb, "ok": seconds is not None, "error": None if seconds else "failed",
                "info": info}

    records = [
        rec("load", "project", 2.0, 200_000, built=1), rec("pyoxigraph bulk_load (on disk)", "baseline", 1.0),
        rec("query fines", "project", 1.0), rec("query fines", "pyoxigraph", 1.0),
        rec("query sources", "project", 3.0), rec("query sources", "pyoxigraph", 1.0),
        rec("validate", "project", 1.0), rec("pySHACL validate (rdflib)", "baseline", 10.0),
        rec(run.CLI_CENTRALITY, "project", 61.0),
    ]
    rows = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10_000])}
    memory = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10_000], run.COMPARISONS)}
    assert rows[(run.G_LOAD, "1e4")][-1] == "NOT MET"  # 2.0x
    assert rows[(run.G_LOAD_MEM, "1e4")][-1] == "NOT MET"  # 2.0x
    assert memory[(run.C_QUERY_MEM, "1e4")][-1] == "over"  # sources 3x
    assert "worst: sources 3.00x" in memory[(run.C_QUERY_MEM, "1e4")][2]
    assert memory[(run.C_LOAD_INMEM, "1e4")][-1] == "not measured"
    assert not any(goal in run.GOALS for goal, _size in memory)
    assert rows[(run.G_QUERY_DISK, "1e4")][-1] == "not measured"
    assert rows[(run.G_VALIDATE, "1e4")][-1] == "not measured"  # 10x, but same violations unchecked
    assert rows[(run.G_CENTRALITY, "1e4")][-1] == "NOT MET"
    assert rows[(run.G_REOPEN, "1e4")][-1] == "not measured"
    assert rows[(run.G_HELP, "any")][-1] == "not measured"

    records[1] = rec("pyoxigraph bulk_load (on disk)", "baseline", 1.6, 160_000)
    records[5] = rec("query sources", "pyoxigraph", 2.5)
    records += [rec("validate (injected violations)", "project", 1.0, found=3),
                rec("pySHACL validate (injected violations)", "baseline", 9.0, same_as_project=True,
                    violations=3),
                rec("re-open", "project", 0.1, built=0)]
    rows = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10_000])}
    memory = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10_000], run.COMPARISONS)}
    assert rows[(run.G_LOAD, "1e4")][-1] == "MET"  # 1.25x
    assert rows[(run.G_LOAD_MEM, "1e4")][-1] == "MET"
    assert memory[(run.C_QUERY_MEM, "1e4")][-1] == "within"  # 1.2x at worst
    assert rows[(run.G_VALIDATE, "1e4")][-1] == "MET"
    assert rows[(run.G_REOPEN, "1e4")][-1] == "MET"
    records[-2] = rec("pySHACL validate (injected violations)", "baseline", 9.0, same_as_project=False)
    rows = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10_000])}
    assert rows[(run.G_VALIDATE, "1e4")][-1] == "NOT MET"  # fast, but not the same violations
    rows = {(row[0], row[1]): row for row in run.goals(run.aggregate(records), [10 ** 6])}
    assert all("(the goals' size)" in size for _goal, size in rows if size != "any")
