"""Exceptions of clearview_kg: every error a user can cause is a CvkgError.

Each error carries a one-line message meant for a human ("graph/x.ttl:12: expected '.'") and
the process exit code the command line uses for it:

- 1: the command worked but found problems in the data (validation violations);
- 2: the input cannot be used: a missing or malformed file, malformed SPARQL, an unknown query,
  actor or parameter.

The command line prints ``Error: <message>`` on stderr and exits with ``exit_code``.
"""

from __future__ import annotations


class CvkgError(Exception):
    """Base class of all expected errors; ``str(error)`` is one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Keep every message on one line: the CLI promises one line on stderr.
        one_line = " ".join(str(message).split())
        super().__init__(one_line)
        self.message = one_line


class InputError(CvkgError):
    """A file, query, parameter or name given by the user cannot be used."""


class NotFoundError(InputError):
    """A name (actor, named query, parameter) does not match anything; may carry suggestions."""

    def __init__(self, message: str, suggestions: list[str] | tuple[str, ...] = ()) -> None:
        self.suggestions = list(suggestions)
        if self.suggestions:
            quoted = " or ".join(f"'{s}'" for s in self.suggestions[:3])
            message = f"{message}; did you mean {quoted}?"
        super().__init__(message)


class QueryRefused(InputError):
    """A SPARQL query asks for something this tool never does (SERVICE, FROM, LOAD)."""
