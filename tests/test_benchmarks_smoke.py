"""Smoke test of the benchmarks (benchmarks/generate.py, benchmarks/run.py): no timings are
asserted, only that everything runs and tells the truth.

- A 10^4-triple sample of the generator conforms to the shipped shapes (pySHACL directly, as
  the shapes file says to run it), holds every actor and action class of the ontology, has
  every quote verbatim at its offsets in the corpus it writes, and is within 5% of its size.
- A variant with injected violations yields exactly the listed violations through
  core.validation.
- The runner completes on ~2,000 triples with one repeat and writes a report with a row per
  step. It runs in the background while the checks above run in this process (two cores), so
  the whole file takes about half a minute.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from clearview_kg.core import resources, store, validation
from clearview_kg.core.namespaces import compact

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CV = rdflib.Namespace("https://w3id.org/clearview-kg/ontology#")

QUOTES = """
PREFIX cv: <https://w3id.org/clearview-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?file ?lang ?quote ?start ?end WHERE {
  ?d prov:entity ?s ; cv:quote ?quote ; cv:quoteStart ?start ; cv:quoteEnd ?end .
  ?s cv:fileName ?file ; dcterms:language ?lang .
}"""


def generate(out: Path, triples: int, violations: int = 0, seed: int = 1) -> dict:
    argv = [sys.executable, str(BENCH / "generate.py"), "--triples", str(triples), "--seed", str(seed),
            "--out", str(out)]
    if violations:
        argv += ["--violations", str(violations)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return json.loads(out.with_suffix(".meta.json").read_text())


def subclasses(graph: rdflib.Graph, root) -> set:
    return {c for c in graph.transitive_subjects(rdflib.RDFS.subClassOf, root)} - {root}


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """Start the runner on ~2,000 triples in the background; yield its folder and process."""
    folder = tmp_path_factory.mktemp("bench-run")
    argv = [sys.executable, str(BENCH / "run.py"), "--sizes", "2000", "--repeat", "1",
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


def test_injected_violations_are_exactly_found(tmp_path):
    kinds = 19
    generate(tmp_path / "bad.ttl", 2_000, violations=kinds)
    sidecar = json.loads((tmp_path / "bad.violations.json").read_text())
    assert len(sidecar["violations"]) == kinds
    assert len({v["kind"] for v in sidecar["violations"]}) == kinds  # one of each kind

    report = validation.validate(store.load_graph([str(tmp_path / "bad.ttl")], include_shipped=False))

    def key(focus, shape, component):
        focus = "_:blank" if focus.startswith(("_:", "(")) else compact(str(focus))
        return focus, compact(str(shape)), compact(str(component))

    found = Counter(key(r.focus, r.source_shape, r.component) for r in report.violations)
    expected = Counter(key(e["focus"], e["shape"], e["component"])
                       for v in sidecar["violations"] for e in v["expected"])
    assert found == expected


def test_runner_completes_with_a_row_per_step(runner):
    folder, proc = runner
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr[-2000:]
    results = json.loads((folder / "results.json").read_text())
    report = (folder / "RESULTS.md").read_text()
    steps = {(r["step"], r["engine"]) for r in results["records"]}
    assert len(steps) > 50
    table_rows = [line for line in report.splitlines() if line.startswith("| ")]
    for step, engine in steps:
        assert any(line.startswith(f"| {step} |") or f" {step} |" in line for line in table_rows), step
    # the project's own steps ran (the baselines may fail where pyoxigraph is not installed,
    # and the svg / png exports where Graphviz is not)
    project = [r for r in results["records"] if r["engine"] == "project"]
    failed = [(r["step"], r["error"]) for r in project if not r["ok"]
              and not (r["step"] in ("export svg", "export png") and "Graphviz" in (r["error"] or ""))]
    assert not failed, failed
    by_step = {r["step"]: r for r in project}
    assert by_step["validate"]["info"]["conforms"] is True
    check = by_step["validate (injected violations)"]["info"]
    assert check["exact"] is True and check["expected"] > 0
    for goal in ("load within", "every named query", "validation >=", "analyse centrality"):
        assert goal in report
