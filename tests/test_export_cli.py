"""``cvkg export`` from the command line (click's CliRunner): every format, stdout for text
formats, -o for binary ones, no overwrite without --force, no partial file when a writer
fails, one-line errors."""
from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from clearview_kg.cli import export_cmd
from clearview_kg.cli import main as cli_main
from clearview_kg.core import export_network, export_rdf, export_rdf_stream

TESTS = pathlib.Path(__file__).resolve().parent
TRICKY = TESTS / "fixtures_export" / "tricky.ttl"
HAS_DOT = shutil.which("dot") is not None
try:
    import matplotlib  # noqa: F401
    HAS_MATPLOTLIB = True
except ImportError:  # pragma: no cover
    HAS_MATPLOTLIB = False

# The command as users run it: from the main group once the lead has registered it there;
# until then the same group class with only this command.
if "export" in cli_main.cli.commands:
    CLI = cli_main.cli
else:  # pragma: no cover - before cli/main.py registers the command
    CLI = cli_main.CvkgGroup(name="cvkg", commands={"export": export_cmd.export})

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.* is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

EXTENSION = {
    "turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig", "jsonld": "jsonld",
    "graphml": "graphml", "gexf": "gexf", "cytoscape": "cyjs", "dot": "dot", "svg": "svg",
    "png": "png", "csv": "csv", "html": "html", "timeline-png": "png", "timeline-svg": "svg",
}

#: Every actor of the shipped graph (51 = 48 that take part in actions or links, and 3
#: outlets that are only cited: ZDNet, The New York Times, Forum för Dataskydd).
SHIPPED_ACTORS = 51


def run(*args: str):
    return CliRunner().invoke(CLI, ["export", *args], catch_exceptions=False)


def one_error(result, code: int, *fragments: str) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def leftovers(directory: pathlib.Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def available(fmt: str) -> bool:
    if fmt in ("svg", "png"):
        return HAS_DOT
    if fmt.startswith("timeline"):
        return HAS_MATPLOTLIB
    return True


@pytest.mark.parametrize("fmt", export_cmd.FORMATS)
def test_every_format_to_a_file(fmt, tmp_path):
    if not available(fmt):
        pytest.skip(f"{fmt} needs Graphviz or matplotlib")
    target = tmp_path / f"out.{EXTENSION[fmt]}"
    result = run("--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    paths = [pathlib.Path(p) for p in export_cmd.output_paths(fmt, str(target))]
    assert result.stderr == "Wrote " + ", ".join(map(str, paths)) + "\n"
    for path in paths:
        assert path.stat().st_size > 100, path
    assert leftovers(tmp_path) == []
    data = paths[0].read_bytes()
    if fmt in export_rdf.RDF_FORMATS:
        parsed = export_rdf.parse_export(data, fmt)
        assert len(export_rdf.union(parsed) if fmt in export_rdf.QUAD_FORMATS else parsed) > 1500
    elif fmt in ("png", "timeline-png"):
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    elif fmt in ("svg", "timeline-svg"):
        assert b"<svg" in data[:2000]
    elif fmt == "cytoscape":
        assert len(json.loads(data)["elements"]["nodes"]) == SHIPPED_ACTORS
    elif fmt == "html":
        assert data.startswith(b"<!DOCTYPE html>")
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8"))))) == SHIPPED_ACTORS


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld", "graphml", "gexf",
                                 "cytoscape", "dot", "html", "timeline-svg"])
def test_text_formats_go_to_stdout(fmt):
    if not available(fmt):
        pytest.skip("needs matplotlib")
    result = run("--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout_bytes) > 1000 and result.stderr == ""
    dash = run("--format", fmt, "-o", "-")
    assert dash.exit_code == 0 and len(dash.stdout_bytes) > 1000


@pytest.mark.parametrize("fmt", ["png", "timeline-png"])
def test_binary_formats_need_an_output_file(fmt):
    one_error(run("--format", fmt), 2, f"--format {fmt} is binary: give -o FILE")


def test_csv_needs_an_output_prefix():
    one_error(run("--format", "csv"), 2, "csv writes two files")


def test_csv_into_a_directory(tmp_path):
    result = run("--format", "csv", "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(tmp_path)) == ["edges.csv", "nodes.csv"]


def test_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "saga.gexf"
    target.write_bytes(b"precious")
    one_error(run("--format", "gexf", "-o", str(target)), 2,
              f"{target}: already exists (use --force to overwrite)")
    assert target.read_bytes() == b"precious"
    result = run("--format", "gexf", "-o", str(target), "--force")
    assert result.exit_code == 0 and target.read_bytes().startswith(b"<?xml")


def test_csv_refuses_when_either_file_exists(tmp_path):
    (tmp_path / "net-edges.csv").write_bytes(b"keep")
    one_error(run("--format", "csv", "-o", str(tmp_path / "net")), 2, "net-edges.csv: already exists")
    assert not (tmp_path / "net-nodes.csv").exists()
    assert (tmp_path / "net-edges.csv").read_bytes() == b"keep"


def test_no_partial_file_when_the_writer_fails_half_way(tmp_path, monkeypatch):
    """The nodes file is complete, the edges writer fails: neither file appears."""

    def broken(G):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export_network, "edges_csv", broken)
    result = run("--format", "csv", "-o", str(tmp_path / "net"))
    assert result.exit_code == 3 and "disk on fire" in result.stderr
    assert os.listdir(tmp_path) == []


def test_ctrl_c_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """Ctrl-C after part of the file was written (small chunks, so that several were)."""
    target = tmp_path / "saga.ttl"
    target.write_bytes(b"old")
    written = []
    real_turtle = export_rdf_stream.Names.turtle

    def interrupted(self, term):
        written.append(term)
        if len(written) == 2000:
            raise KeyboardInterrupt
        return real_turtle(self, term)

    monkeypatch.setattr(export_rdf_stream, "CHUNK_CHARS", 200)
    monkeypatch.setattr(export_rdf_stream.Names, "turtle", interrupted)
    result = run("--format", "turtle", "-o", str(target), "--force")
    assert len(written) == 2000
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_format_from_the_extension(tmp_path):
    target = tmp_path / "saga.trig"
    assert run("-o", str(target)).exit_code == 0
    assert b"srcgraph:002 {" in target.read_bytes()
    one_error(run("-o", str(tmp_path / "saga.xyz")), 2, "give --format", "'.xyz'")
    one_error(run(), 2, "give --format")


def test_unknown_format_is_a_usage_error():
    result = run("--format", "pdf")
    assert result.exit_code == 2 and "pdf" in result.stderr and result.stdout == ""


def test_filters_reach_the_exports(tmp_path):
    result = run("--format", "cytoscape", "--actor-type", "DataProtectionAuthority")
    assert result.exit_code == 0, result.stderr
    nodes = json.loads(result.stdout)["elements"]["nodes"]
    assert 0 < len(nodes) < SHIPPED_ACTORS
    assert all(n["data"]["type"] == "DataProtectionAuthority" for n in nodes)
    fines = run("--format", "ntriples", "--action-type", "Fine")
    everything = run("--format", "ntriples")
    assert fines.exit_code == 0 and len(fines.stdout) < len(everything.stdout)
    assert "/action/aclu-settlement>" not in fines.stdout
    one_error(run("--format", "gexf", "--actor-type", "Unicorn"), 2, "no actor type matches 'Unicorn'")
    one_error(run("--format", "gexf", "--from", "2021-13"), 2, "2021-13")


def test_with_ontology(tmp_path):
    result = run("--format", "nquads", "--with-ontology")
    assert result.exit_code == 0
    assert "<https://w3id.org/clearview-kg/ontology> .\n" in result.stdout


def test_missing_graphviz_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(export_network.shutil, "which", lambda name: None)
    one_error(run("--format", "svg", "-o", str(tmp_path / "n.svg")), 2, "Graphviz", "apt-get install graphviz")
    assert os.listdir(tmp_path) == []


def test_user_data_only(tmp_path):
    target = tmp_path / "tricky.html"
    result = run("--format", "html", "--no-shipped", "--data", str(TRICKY), "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert b"Evil \\u003c/script\\u003e" in target.read_bytes()


def test_help_has_examples():
    result = CliRunner().invoke(CLI, ["export", "--help"])
    assert result.exit_code == 0
    assert "cvkg export --format gexf -o saga.gexf" in result.stdout
    for fmt in export_cmd.FORMATS:
        assert fmt in result.stdout
