"""Shared fixtures for the command-line and core tests.

The shipped graph is parsed once per test session: ``clearview_kg.core.store`` keeps parsed
packaged files by content digest, so every CLI invocation after the first reuses them.
"""

from __future__ import annotations

import atexit
import os
import pathlib
import shutil
import tempfile

import pytest
from click.testing import CliRunner

from clearview_kg.cli.main import cli
from clearview_kg.core import store

# Persistent stores (core.store_cache) go to a folder of this test session, not to the user's
# ~/.cache; CLI subprocesses inherit it.
if "CVKG_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="cvkg-test-cache-")
    os.environ["CVKG_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, True)

TESTS = pathlib.Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures_cli"
GOLDEN = TESTS / "golden"
ROOT = TESTS.parent


@pytest.fixture(scope="session")
def shipped_graph():
    """The ontology and the shipped facts, loaded once. Tests must not change it."""
    return store.load_graph()


@pytest.fixture(scope="session")
def shipped_store():
    """The ontology and the shipped facts in the project's store, as the commands query them
    (an in-memory Oxigraph store, loaded once). Tests must not change it."""
    from clearview_kg.core.oxigraph_store import OxigraphStore

    return OxigraphStore.from_files()


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    # A fixed terminal width, so that the table layout does not depend on who runs the tests.
    return CliRunner(env={"COLUMNS": "120"})


@pytest.fixture
def invoke(runner):
    """Run ``cvkg ARGS...`` in-process; returns click's Result (stdout, stderr, exit_code)."""

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


def fixture_path(name: str) -> str:
    return str(FIXTURES / name)


def assert_one_error_line(result, exit_code: int = 2, *fragments: str) -> str:
    """The result failed with exactly one 'Error: ' line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
