"""Start-up: help, version and the commands that need no graph load no part of the RDF stack.

Each case runs ``cvkg ARGS`` in a fresh interpreter (the modules a test process has already
imported would hide a regression) and reports which of the heavy modules ended up in
``sys.modules``. A command that does read the graph must load them, so the check can fail
both ways.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from clearview_kg.cli.main import cli

HEAVY = ("rdflib", "pyshacl", "networkx", "matplotlib", "pyoxigraph", "igraph", "pyparsing")

# Runs the click entry point with the given arguments, then prints one JSON line: the exit code
# and the heavy modules imported (as a last stdout line, after whatever the command printed).
PROBE = """
import json, sys
from clearview_kg.cli.main import cli
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
code = 0
try:
    cli.main(args=args, prog_name="cvkg")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
sys.stdout.flush()
print()
print("PROBE " + json.dumps({"code": code, "imported": sorted(m for m in heavy if m in sys.modules)}))
"""


def probe(*args: str) -> tuple[int, list[str], str, str]:
    """Run ``cvkg ARGS`` in a new interpreter: (exit code, heavy modules imported, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CVKG_PROGRESS")}
    env["COLUMNS"] = "120"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    lines = done.stdout.rstrip("\n").splitlines()
    assert lines and lines[-1].startswith("PROBE "), (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    report = json.loads(lines[-1][len("PROBE "):])
    return report["code"], report["imported"], "\n".join(lines[:-1]), done.stderr


def _help_invocations() -> list[tuple[str, ...]]:
    """``COMMAND --help`` for every command and subcommand of the group, found by walking it."""
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        for name in sorted(group.commands):
            command = group.commands[name]
            found.append(path + (name, "--help"))
            if isinstance(command, click.Group):
                walk(command, path + (name,))

    walk(cli, ())
    return found


LIGHT = [
    ("--help",),
    ("-h",),
    ("--version",),
    *_help_invocations(),
    ("queries",),  # lists the named queries from the .rq headers
    ("queries", "--format", "json"),
]


def test_every_command_is_covered():
    commands = {args[0] for args in _help_invocations()}
    assert {"validate", "query", "queries", "actor", "timeline", "conflicts", "overview", "analyse",
            "export", "push", "serve"} <= commands
    assert any(len(args) == 3 and args[0] == "analyse" for args in _help_invocations()), "analyse subcommands"


@pytest.mark.parametrize("args", LIGHT, ids=lambda args: " ".join(args) or "(no arguments)")
def test_help_version_and_graphless_commands_import_nothing_heavy(args):
    code, imported, out, err = probe(*args)
    assert code == 0, (code, err)
    assert imported == [], f"'cvkg {' '.join(args)}' imported {imported}"
    assert out.strip(), "the command printed nothing"
    assert "Traceback" not in err


def test_queries_lists_the_named_queries_without_rdflib():
    code, imported, out, _ = probe("queries", "--format", "json")
    assert code == 0 and imported == []
    names = {q["name"] for q in json.loads(out)}
    assert {"fines", "sources", "actions-of-actor"} <= names
    [actions] = [q for q in json.loads(out) if q["name"] == "actions-of-actor"]
    assert actions["parameters"] == "--param actor=IRI"  # parameters come from the headers too


def test_a_command_that_reads_the_graph_does_import_the_rdf_stack():
    code, imported, out, err = probe("query", "sources", "--format", "csv")
    assert code == 0, err
    assert "rdflib" in imported and "pyparsing" in imported, imported
    assert out.splitlines()[0].startswith("source"), out[:200]


def test_bare_cvkg_shows_the_help_on_stderr_and_stays_light():
    code, imported, out, err = probe()
    assert code == 2 and imported == []  # as click does: the help, and the exit code of usage errors
    assert out.strip() == ""
    assert err.startswith("Usage: ") and "Exit codes" in err and len(err.splitlines()) > 10


def test_usage_errors_before_any_work_stay_light_and_one_line():
    code, imported, out, err = probe("query")
    assert code == 2 and imported == []
    assert err.startswith("Error: ") and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("args, fragment", [
    (("query", "no-such-query"), "no named query"),  # raised by core.catalog, imported lazily
    (("query", "-e", "SELECT ?x WHERE { ?x"), "query:"),  # raised by core.sparql, imported lazily
])
def test_errors_of_lazily_imported_code_are_still_one_line(args, fragment):
    code, _, out, err = probe(*args)
    assert code == 2, (code, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], err
    assert "Traceback" not in err


# --- the light copies of constants agree with the modules they stand in for ------------------


def test_light_format_lists_match_the_export_modules():
    from clearview_kg.core import export_network, export_rdf, export_timeline, formats, rdfio

    assert formats.EXPORT_RDF_FORMATS == tuple(export_rdf.RDF_FORMATS)
    assert formats.EXPORT_NETWORK_FORMATS == tuple(export_network.NETWORK_FORMATS)
    assert formats.EXPORT_TIMELINE_FORMATS == tuple(export_timeline.TIMELINE_FORMATS)
    assert rdfio.FORMATS == formats.RDF_EXTENSIONS


def test_light_option_defaults_match_core_endpoint():
    from clearview_kg.cli import push_cmd
    from clearview_kg.core import endpoint, source

    assert push_cmd.CHUNK_TRIPLES == endpoint.CHUNK_TRIPLES
    assert source.DEFAULT_GRAPH == endpoint.DEFAULT_GRAPH
    assert source.DEFAULT_TIMEOUT == endpoint.DEFAULT_TIMEOUT
