"""Options shared by every command, defined once so that names, defaults and help agree:
--format/--output (output_options), --data/--no-shipped (data_options), what a read command
reads - local files or a SPARQL endpoint - (source_options: data_options plus
--endpoint/--graph/--timeout, handed to the command as one ``source``), the network filter
--actor-type/--action-type/--source/--from/--to (filter_options), and the credentials of
``cvkg push`` (credential_options)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

import click

# Only light modules here: every command's options are built when the group is, so whatever
# this module imports, ``cvkg --help`` imports too (tests/test_lazy_imports.py).
from ..core.errors import InputError
from ..core.formats import RDF_EXTENSIONS
from ..core.source import DEFAULT_GRAPH, DEFAULT_TIMEOUT, Source
from . import output

PASSWORD_VARIABLE = "CVKG_PASSWORD"

def data_options(func: Callable) -> Callable:
    """--data FILE (repeatable) and --no-shipped: which RDF files a command reads."""
    known = " ".join(sorted(RDF_EXTENSIONS))
    func = click.option(
        "--no-shipped", is_flag=True,
        help="Leave out the shipped facts (graph/*.ttl) and read only the --data files "
             "(the ontology is always loaded).",
    )(func)
    func = click.option(
        "--data", "-d", "data", multiple=True, metavar="FILE",
        help=f"Also load this RDF file (by extension: {known}; '-' is Turtle on stdin). Repeatable.",
    )(func)
    return func


def filter_options(func: Callable) -> Callable:
    """The network filter: --actor-type, --action-type, --source, --from, --to."""
    options = [
        click.option("--actor-type", "actor_types", multiple=True, metavar="CLASS",
                     help="Keep only actors of this cv class or a subclass "
                          "(e.g. DataProtectionAuthority, PublicBody, Person). Repeatable."),
        click.option("--action-type", "action_types", multiple=True, metavar="CLASS",
                     help="Keep only actions of this cv class or a subclass (e.g. Fine, "
                          "EnforcementAction, Use), or the links Post, SubOrganizationOf, "
                          "Membership. Repeatable."),
        click.option("--source", "sources", multiple=True, metavar="ID",
                     help="Keep only actions derived from this source (000..004). Repeatable."),
        click.option("--from", "date_from", metavar="DATE",
                     help="Keep only actions that may have happened on or after DATE "
                          "(YYYY, YYYY-MM or YYYY-MM-DD); undated actions are left out."),
        click.option("--to", "date_to", metavar="DATE",
                     help="Keep only actions that may have happened on or before DATE "
                          "(YYYY, YYYY-MM or YYYY-MM-DD); undated actions are left out."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def output_options(func: Callable) -> Callable:
    """--format and --output, the same on every command."""
    func = click.option(
        "--output", "-o", "output_path", default="-", show_default=True, metavar="FILE",
        help="Write to FILE instead of standard output.",
    )(func)
    func = click.option(
        "--format", "-f", "fmt",
        type=click.Choice(output.FORMATS), default="table", show_default=True,
        help="table for people; csv, tsv or json (a list of objects) for other tools.",
    )(func)
    return func


def endpoint_option(func: Callable, required: bool = False, help_text: str | None = None) -> Callable:
    return click.option(
        "--endpoint", "endpoint", metavar="URL", required=required,
        help=help_text or "Read from this SPARQL 1.1 query endpoint (e.g. http://localhost:7878/query for "
        "Oxigraph, http://localhost:8890/sparql for Virtuoso) instead of the files: the same "
        "command, the same results. Publish the graph there first with 'cvkg push'.",
    )(func)


def timeout_option(func: Callable) -> Callable:
    return click.option(
        "--timeout", "timeout", type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
        help="With --endpoint: give up on an HTTP request after this many seconds.",
    )(func)


def source_options(func: Callable) -> Callable:
    """What a read command reads: --data/--no-shipped (local files) or --endpoint URL with
    --graph and --timeout. The command receives one ``source`` (core.source.Source) instead."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        kwargs["source"] = Source(
            data=tuple(kwargs.pop("data")), include_shipped=not kwargs.pop("no_shipped"),
            endpoint=kwargs.pop("endpoint"), graphs=tuple(kwargs.pop("graphs")),
            timeout=kwargs.pop("timeout"),
        )
        return func(*args, **kwargs)

    wrapper = timeout_option(wrapper)
    wrapper = click.option(
        "--graph", "graphs", multiple=True, metavar="IRI",
        help=f"With --endpoint: the named graph to read (sent as default-graph-uri). Default: "
        f"{DEFAULT_GRAPH}, where 'cvkg push' puts the whole graph; "
        "'default' reads the server's own default graph.",
    )(wrapper)
    wrapper = endpoint_option(wrapper)
    return data_options(wrapper)


def read_password(user: str | None, password_file: str | None) -> str | None:
    """The password for ``user``: from CVKG_PASSWORD, else the first line of --password-file,
    else a prompt on a terminal. Never from the command line itself."""
    if user is None:
        if password_file:
            raise InputError("--password-file needs --user NAME")
        return None
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                line = handle.readline().rstrip("\r\n")
        except OSError as exc:
            raise InputError(f"{password_file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"{password_file}: not UTF-8 text") from None
        if not line:
            raise InputError(f"{password_file}: the first line (the password) is empty")
        return line
    from_env = os.environ.get(PASSWORD_VARIABLE)
    if from_env:
        return from_env
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt(f"Password for {user}", hide_input=True, err=True)
    raise InputError(
        f"no password for user '{user}': set {PASSWORD_VARIABLE}, give --password-file FILE, "
        "or run on a terminal to be asked"
    )


def credential_options(func: Callable) -> Callable:
    """--user and --password-file (the password itself never goes on the command line)."""
    func = click.option(
        "--password-file", "password_file", metavar="FILE",
        help=f"Read the password from the first line of FILE (else from ${PASSWORD_VARIABLE}, "
        "else a prompt).",
    )(func)
    func = click.option(
        "--user", "user", metavar="NAME",
        help=f"User name for HTTP Digest or Basic authentication; the password comes from "
        f"${PASSWORD_VARIABLE}, --password-file or a prompt, never from the command line.",
    )(func)
    return func
