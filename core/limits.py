"""Limits on what clearview_kg reads, and the process-wide guards that keep rdflib local.

Input sizes
-----------
Every file the user names (``--data``, ``validate PATHS``, ``--shapes``, ``.rq`` files,
standard input) is read by ``read_capped``, which reads at most *limit + 1* bytes and refuses
the input when that last byte arrives. A symlink to ``/dev/zero`` therefore ends in a one-line
error instead of filling the memory.

=========================  =========================  ==========================================
limit                      default                    environment variable
=========================  =========================  ==========================================
RDF file (any format)      256 MiB                    ``CVKG_MAX_INPUT_BYTES``
SPARQL query text          1 MiB                      ``CVKG_MAX_QUERY_BYTES``
=========================  =========================  ==========================================

A value is a number of bytes, optionally with a binary suffix: ``1048576``, ``512K``, ``64M``,
``1G`` (K = 1024). An unusable value is an input error (exit 2), not silently ignored.

Guards
------
``install_guards`` sets two process-wide rdflib switches; every function of clearview_kg that
runs SPARQL or SHACL calls it first, so they hold however the package is used (command line,
library, server), not only after some module happens to be imported:

- ``rdflib.plugins.sparql.CUSTOM_EVALS`` gets a hook, placed first, that raises
  ``QueryRefused`` on ``SERVICE`` (federated query): rdflib would otherwise send an HTTP
  request with no timeout, and no option turns that off. It covers every SPARQL query
  evaluated by rdflib in this process, pySHACL's included; ``SERVIC\\u0045`` is covered too,
  since rdflib expands ``\\u`` escapes before parsing.
- ``rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False``: ``FROM``, ``FROM NAMED`` and ``LOAD``
  never fetch a URL or read a local file.
"""

from __future__ import annotations

import os
import re
from typing import Any, BinaryIO

from .errors import InputError, QueryRefused

MiB = 1024 * 1024

DEFAULT_MAX_INPUT_BYTES = 256 * MiB
DEFAULT_MAX_QUERY_BYTES = 1 * MiB

ENV_MAX_INPUT_BYTES = "CVKG_MAX_INPUT_BYTES"
ENV_MAX_QUERY_BYTES = "CVKG_MAX_QUERY_BYTES"

_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]?)(?:i?B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": MiB, "G": 1024 * MiB}


def _from_env(variable: str, default: int) -> int:
    raw = os.environ.get(variable)
    if raw is None or not raw.strip():
        return default
    match = _SIZE.match(raw)
    if not match or int(match.group(1)) <= 0:
        raise InputError(
            f"{variable}={raw!r} is not a size: give a positive number of bytes, "
            "optionally with K, M or G (e.g. 64M)"
        )
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def max_input_bytes() -> int:
    """The largest RDF file read, in bytes (``CVKG_MAX_INPUT_BYTES``, default 256 MiB)."""
    return _from_env(ENV_MAX_INPUT_BYTES, DEFAULT_MAX_INPUT_BYTES)


def max_query_bytes() -> int:
    """The largest SPARQL query text accepted, in bytes (``CVKG_MAX_QUERY_BYTES``, default 1 MiB)."""
    return _from_env(ENV_MAX_QUERY_BYTES, DEFAULT_MAX_QUERY_BYTES)


def human(size: int) -> str:
    """1048576 -> '1 MiB', 1536 -> '1.5 KiB', 100 -> '100 bytes'."""
    for unit, factor in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def too_large(name: str, limit: int, variable: str, what: str = "input") -> InputError:
    return InputError(
        f"{name}: {what} larger than the limit of {human(limit)} ({limit} bytes); "
        f"set {variable} to allow more"
    )


def read_capped(handle: BinaryIO, limit: int, name: str, variable: str, what: str = "input") -> bytes:
    """Read ``handle`` to its end, but never more than ``limit + 1`` bytes.

    Raises InputError when the input is larger than ``limit``."""
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = handle.read(min(remaining, MiB))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        raise too_large(name, limit, variable, what)
    return b"".join(chunks)


def check_query_size(text: str, name: str) -> None:
    """Refuse a SPARQL query text larger than ``max_query_bytes()`` (counted in UTF-8)."""
    limit = max_query_bytes()
    # len(text) <= bytes <= 4 * len(text): encode only when it can matter.
    if len(text) > limit or (4 * len(text) > limit and len(text.encode("utf-8", "surrogatepass")) > limit):
        raise too_large(name, limit, ENV_MAX_QUERY_BYTES, "SPARQL query")


# --- process-wide rdflib guards ---------------------------------------------------------------

SERVICE_REFUSED = "SERVICE (federated query) is not allowed: queries run only on the local graph"
GUARD_NAME = "clearview_kg_refuse_service"


def refuse_service(ctx: Any, part: Any) -> Any:
    """rdflib custom evaluation hook: raise on SERVICE, defer everything else to rdflib."""
    if getattr(part, "name", None) == "ServiceGraphPattern":
        raise QueryRefused(SERVICE_REFUSED)
    raise NotImplementedError


def _evaluation_hooks() -> dict:
    """The CUSTOM_EVALS dict rdflib's evaluator actually reads (evaluate.py imported it by name)."""
    from rdflib.plugins.sparql import evaluate

    return evaluate.CUSTOM_EVALS


def install_guards() -> None:
    """Refuse SERVICE and never load graphs for FROM / FROM NAMED / LOAD, process-wide.

    Idempotent and cheap: called before every query and validation. The hook is kept first in
    CUSTOM_EVALS so that no other hook can evaluate a SERVICE pattern before it refuses."""
    import rdflib.plugins.sparql as rdflib_sparql

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    for evals in {id(d): d for d in (_evaluation_hooks(), rdflib_sparql.CUSTOM_EVALS)}.values():
        if next(iter(evals), None) != GUARD_NAME or evals.get(GUARD_NAME) is not refuse_service:
            others = [(k, v) for k, v in evals.items() if k != GUARD_NAME]
            evals.clear()
            evals[GUARD_NAME] = refuse_service
            evals.update(others)


def guards_installed() -> bool:
    """True when ``install_guards`` is in effect (for tests and health checks)."""
    import rdflib.plugins.sparql as rdflib_sparql

    evals = _evaluation_hooks()
    return (
        rdflib_sparql.SPARQL_LOAD_GRAPHS is False
        and next(iter(evals), None) == GUARD_NAME
        and evals[GUARD_NAME] is refuse_service
    )
