"""Options shared by every command, defined once so that names, defaults and help agree:
--format/--output (output_options), --data/--no-shipped (data_options), and the network
filter --actor-type/--action-type/--source/--from/--to (filter_options)."""

from __future__ import annotations

from collections.abc import Callable

import click

from ..core.rdfio import FORMATS as RDF_EXTENSIONS
from . import output

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
