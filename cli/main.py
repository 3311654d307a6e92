"""The ``cvkg`` command line: one click group, one function per command.

Each command's docstring is its ``--help`` text, with an example. Every command offers the
same output options (``--format table|csv|tsv|json``, ``--output FILE``), bundled in the
``output_options`` decorator; commands that read the graph also take ``--data FILE`` to add
the user's own RDF files to the shipped graph.

Exit codes (the same for every command):

- 0: success (for ``validate``: the graph conforms);
- 1: ``validate`` found violations;
- 2: the input cannot be used: missing or malformed file (``FILE:LINE: reason``), malformed
  SPARQL (``query:LINE:COL: reason``), unknown query, actor or parameter (with the nearest
  names), bad ``--param``, refused SPARQL (SERVICE, FROM), wrong usage;
- 3: an unexpected internal error (a bug: please report it);
- 4: a remote endpoint (--endpoint, cvkg push) failed: unreachable, timed out, an HTTP error,
  refused credentials (core.endpoint.EndpointError);
- 5: the server's answer was partial (TRUNCATED); nothing is shown (core.endpoint.TruncatedError);
- 130: interrupted (Ctrl-C); 141: the reader of the output went away (``| head``), quietly.

Errors are one line on stderr starting with ``Error: ``; never a traceback.

Start-up: ``cvkg --help``, ``cvkg --version``, every ``--help`` and the commands that need no
graph (``cvkg queries``) import no part of the RDF stack (rdflib, pySHACL, networkx,
matplotlib, pyoxigraph): this module and the option modules import only light ones, and each
command imports the core modules it uses when it runs (tests/test_lazy_imports.py).
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..core.errors import CvkgError
from ..core.source import Source
from ..core.terms import Iri
from . import output
from .analyse_cmd import analyse
from .export_cmd import export
from .options import output_options, source_options

if TYPE_CHECKING:  # the heavy modules, for annotations only; commands import them when run
    from ..core import overview as overview_mod, profile as profile_mod, sparql, validation

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_BROKEN_PIPE = 141  # the reader of our output went away, as shells report SIGPIPE

# Click >= 8.2 raises this (a UsageError) for a group run without a command ('cvkg'); its
# message is the whole help, which is shown as it is rather than squeezed into one line.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())

# rdflib and pySHACL log warnings (with tracebacks) for ill-typed literals and the like; the
# problems they describe are reported by validation, so keep them off the terminal.
for _name in ("rdflib", "pyshacl", "owlrl"):
    _logger = logging.getLogger(_name)
    _logger.addHandler(logging.NullHandler())
    _logger.propagate = False


# --- the group: one line per error, never a traceback ---------------------------------------


def _fail(message: str, code: int) -> None:
    click.echo("Error: " + " ".join(str(message).split()), err=True)
    sys.exit(code)


def _quiet_broken_pipe() -> None:
    """The reader went away (``cvkg query fines | head``): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


class CvkgGroup(click.Group):
    """A click group that turns every exception into one ``Error:`` line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _quiet_broken_pipe()
            raise

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with warnings.catch_warnings():
                # Library warnings (deprecations inside rdflib and the like) are not for users.
                warnings.simplefilter("ignore")
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _fail("interrupted", EXIT_INTERRUPTED)
        except _NO_ARGS_IS_HELP as exc:  # 'cvkg' alone: the help on stderr, exit 2 (as click does)
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint, exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except CvkgError as exc:
            _fail(exc.message, exc.exit_code)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _quiet_broken_pipe()
            _fail(f"{exc.strerror or exc}", EXIT_INPUT)
        except RecursionError:
            _fail("input nested too deeply", EXIT_INPUT)
        except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
            _fail(f"internal error ({type(exc).__name__}): {exc} - please report this", EXIT_INTERNAL)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


# --- shared options --------------------------------------------------------------------------


def _graph(data: tuple[str, ...] = (), no_shipped: bool = False):
    from ..core import store

    return store.load_graph(extra_paths=data, include_shipped=not no_shipped)


# --- the commands ----------------------------------------------------------------------------


@click.group(cls=CvkgGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="cvkg")
def cli() -> None:
    """cvkg - explore and validate the Clearview AI knowledge graph.

    Who fined, sued, settled with, used, denied using or ordered whom, under which law, when
    and for how much - and which source says so, in which words.

    \b
    Start here:
        cvkg overview
    Then for example:
        cvkg queries                      # the named queries and their questions
        cvkg query fines                  # fines with amounts, sources and quotes
        cvkg actor rigspolitiet           # one actor, found by any of its names
        cvkg timeline
        cvkg conflicts
        cvkg analyse centrality           # who is central in the network
        cvkg export --format html -o saga.html
        cvkg validate my-facts.ttl
    On a SPARQL server (every read command takes --endpoint URL):
        cvkg push --endpoint http://localhost:7878/query
        cvkg timeline --endpoint http://localhost:7878/query

    \b
    Exit codes: 0 ok; 1 validate found violations; 2 unusable input (missing or
    malformed file, bad SPARQL, unknown name or parameter); 3 internal error;
    4 the --endpoint failed (unreachable, timeout, HTTP error, refused login);
    5 the server gave a partial (TRUNCATED) answer, so nothing is shown.
    Errors are one line on stderr starting with "Error: ".
    """


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option(
    "--shapes", "shapes_paths", multiple=True, metavar="FILE",
    help="Also validate against the SHACL shapes in FILE (any RDF format --data reads). "
         "Repeatable. SPARQL in them may not use SERVICE, FROM or updates.",
)
@click.option(
    "--no-shipped-shapes", is_flag=True,
    help="Validate against the --shapes files only, not the shipped shapes.",
)
@output_options
def validate(paths: tuple[str, ...], shapes_paths: tuple[str, ...], no_shipped_shapes: bool, fmt: str,
             output_path: str) -> None:
    """Validate the graph against the SHACL shapes.

    Without PATHS, checks the shipped graph; with PATHS, checks your RDF files together with
    it (so your facts may refer to the shipped actors, laws and sources). The report groups
    the problems by the node they are about.

    Your own shapes (--shapes FILE) are used in addition to the shipped ones, or instead of
    them with --no-shipped-shapes. Their SHACL-SPARQL (sh:select, sh:ask, sh:construct) may
    use the prefixes that sh:declare gives, but no SERVICE, FROM / FROM NAMED or SPARQL
    Update: such shapes are refused before anything runs. owl:imports are not followed.

    \b
    Example:
        cvkg validate
        cvkg validate my-fines.ttl --format json
        cvkg validate my-fines.ttl --shapes my-rules.ttl
        cvkg validate my-fines.ttl --shapes my-rules.ttl --no-shipped-shapes

    Exits 0 when the graph conforms, 1 when there are violations, 2 when a file cannot be read
    or a shapes file is refused.
    """
    if no_shipped_shapes and not shapes_paths:
        raise click.UsageError("--no-shipped-shapes needs at least one --shapes FILE")
    from ..core import validation
    from ..core.source import Source

    graph = Source(data=tuple(paths)).open()
    report = validation.validate(graph, shapes_paths=shapes_paths, shipped_shapes=not no_shipped_shapes)
    columns = ["focus", "focus_label", "path", "value", "source_shape", "component", "severity", "message"]
    rows = [[getattr(r, c) for c in columns] for r in report.results]
    for row in rows:
        row[0] = Iri(row[0]) if row[0] and not str(row[0]).startswith("(") else row[0]
    if fmt == "json":
        text = output.to_json(report.as_dict())
    elif fmt in ("csv", "tsv"):
        text = output.render_rows(fmt, columns, rows)
    else:
        text = _validation_text(report, paths)
    output_write(text, output_path)
    if not report.conforms:
        sys.exit(EXIT_VIOLATIONS)


def _validation_text(report: validation.Report, paths: tuple[str, ...]) -> str:
    what = "the shipped graph" + (f" with {', '.join(paths)}" if paths else "")
    lines = [f"Validated {what}: {report.triples:,} triples against {', '.join(report.shapes)}."]
    if report.conforms and not report.results:
        lines.append("OK: the graph conforms to the shapes.")
        return "\n".join(lines) + "\n"
    groups = report.by_focus()
    verdict = "OK (with warnings)" if report.conforms else "FAILED"
    lines.append(
        f"{verdict}: {len(report.violations)} violation(s), {len(report.results)} result(s) "
        f"on {len(groups)} node(s)."
    )
    for focus, results in groups.items():
        label = results[0].focus_label
        shown = Iri(focus).short if focus.startswith(("http", "urn")) else focus
        lines.append("")
        lines.append(f"{shown}" + (f'  "{label}"' if label else ""))
        for r in results:
            where = r.path or "(node)"
            value = f" = {r.value if not isinstance(r.value, Iri) else r.value.short}" if r.value else ""
            severity = "" if r.severity == "Violation" else f"{r.severity}: "
            lines.append(f"  - {severity}{where}{value}: {r.message}")
            lines.append(f"      shape {r.source_shape}, {r.component}")
    return "\n".join(lines) + "\n"


def output_write(text: str, destination: str) -> None:
    output.write(text, destination)


@cli.command()
@click.argument("name", required=False, metavar="[NAME|FILE]")
@click.option("-e", "--expression", "expression", metavar="SPARQL", help="Run this SPARQL query text instead.")
@click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE (never pasted into the query). <iri> or a known prefix:local is an "
    "IRI; anything else is a string. Repeatable.",
)
@source_options
@output_options
def query(name: str | None, expression: str | None, params: tuple[str, ...], source: Source,
          fmt: str, output_path: str) -> None:
    """Run a named query, a .rq file, or SPARQL given with -e.

    Parameters are bound to the query's variables, never pasted into its text:
    `--param actor=ido:clearview-ai` binds ?actor to that IRI; a value that is not <...> or
    a known prefix:local is a plain string. Common prefixes (cv:, ido:, act:, skos:, ...)
    are pre-declared. SERVICE, FROM and updates are refused. ASK prints true or false;
    CONSTRUCT and DESCRIBE print Turtle (subject/predicate/object rows in csv, tsv, json).

    \b
    Example:
        cvkg query fines
        cvkg query actions-of-actor --param actor=ido:clearview-ai --format csv
        cvkg query -e 'SELECT ?fine WHERE { ?fine a cv:Fine }'
        cvkg query my-query.rq --data my-facts.ttl
        cvkg query fines --endpoint http://localhost:7878/query   # sent to the server
    """
    if expression is not None and name:
        raise click.UsageError("give either NAME|FILE or -e SPARQL, not both")
    if expression is None and not name:
        raise click.UsageError("give a query NAME|FILE or -e SPARQL (list names with 'cvkg queries')")
    from ..core import catalog, sparql

    packaged = False
    if expression is not None:
        chosen = catalog.from_text(expression, "query")
    elif name.endswith(".rq") or os.sep in name or (name not in catalog.named_queries() and os.path.isfile(name)):
        chosen = catalog.from_file(name)
    else:
        chosen, packaged = catalog.get(name), True  # known to parse (tests/test_queries.py)
    if not packaged:
        sparql.prepare(chosen.text, chosen.source)  # syntax errors before loading anything
    bindings = catalog.bind_params(chosen, params)
    result = source.open().run(chosen.text, bindings, name=chosen.source)
    output_write(_result_text(result, fmt), output_path)


def _result_text(result: sparql.Result, fmt: str) -> str:
    from ..core import sparql
    from ..core.terms import to_value

    if isinstance(result, sparql.AskResult):
        if fmt == "json":
            return output.to_json([{"ask": result.value}])
        if fmt in ("csv", "tsv"):
            return output.render_rows(fmt, ["ask"], [[result.value]])
        return ("true" if result.value else "false") + "\n"
    if isinstance(result, sparql.GraphResult):
        if fmt == "table":
            return result.graph.serialize(format="turtle")
        triples = sorted(result.graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        rows = [[to_value(s), to_value(p), to_value(o)] for s, p, o in triples]
        return output.render_rows(fmt, ["subject", "predicate", "object"], rows)
    rows = [[to_value(v) for v in row] for row in result.rows]
    return output.render_rows(fmt, result.columns, rows)


@cli.command()
@output_options
def queries(fmt: str, output_path: str) -> None:
    """List the named queries and the question each one answers.

    \b
    Example:
        cvkg queries
        cvkg query settlements
    """
    from ..core import catalog  # reads the .rq headers only: no rdflib

    rows = []
    for q in catalog.named_queries().values():
        params = " ".join(f"--param {p.name}=" + ("IRI" if p.kind == "iri" else "VALUE") for p in q.params)
        rows.append([q.name, q.question or q.title, params or None])
    if fmt == "table":
        text = output.render_hanging([(r[0], r[1] + (f" ({r[2]})" if r[2] else "")) for r in rows])
    else:
        text = output.render_rows(fmt, ["name", "question", "parameters"], rows)
    output_write(text, output_path)


@cli.command()
@click.argument("name")
@source_options
@output_options
def actor(name: str, source: Source, fmt: str, output_path: str) -> None:
    """Show one actor: types, names in every language, posts, links and every action.

    NAME is any of the actor's names in any language, case-insensitive ("ICO",
    "Polismyndigheten", "Rigspolitiet"), its IRI, its prefixed name (ido:ico) or its slug.
    An unknown name fails with the nearest names (exit 2).

    \b
    Example:
        cvkg actor "Clearview AI"
        cvkg actor polismyndigheten --format json
    """
    from ..core import labels, profile as profile_mod

    graph = source.open()
    names = labels.actor_names(graph)
    profiles = [profile_mod.profile(graph, iri, names) for iri in labels.find_actors(graph, name, names)]
    if fmt == "json":
        text = output.to_json([p.as_dict() for p in profiles])
    elif fmt in ("csv", "tsv"):
        columns = ["actor", "name"] + (profiles[0].action_columns if profiles else [])
        rows = [[p.iri, p.name] + [a.get(c) for c in p.action_columns] for p in profiles for a in p.actions]
        text = output.render_rows(fmt, columns, rows)
    else:
        text = "\n".join(_profile_text(p) for p in profiles)
    output_write(text, output_path)


def _profile_text(p: profile_mod.Profile) -> str:
    lines = [f"{p.name}  ({p.iri.short})", f"  IRI:         {p.iri}"]
    types = ", ".join(f"{t['label'] or ''} ({Iri(t['type']).short})".strip() for t in p.types)
    lines.append(f"  Type:        {types}")
    if p.description:
        lines.append(f"  Description: {p.description}")
    if p.based_in:
        lines.append(f"  Based in:    {p.based_in.replace(output.LIST_SEPARATOR, ', ')}")
    for link in p.links:
        lines.append(f"  {link['relation'].capitalize() + ':':12} {link['name']} ({Iri(link['other']).short})")
    lines.append("")
    lines.append("Names:")
    lines.append(output.render_table(
        ["kind", "language", "name"],
        [[n["kind"], n["language"] or "", n["text"]] for n in p.labels],
        layout="columns",
    ).rstrip("\n"))
    if p.posts:
        lines.append("")
        lines.append("Posts:")
        lines.append(output.render_table(
            ["post", "title (source's words)", "person", "organisation", "held at", "sources"],
            [[r.get("postName") or r.get("post"), r.get("title"), r.get("personName"),
              r.get("organisationName"), r.get("heldAt"), r.get("sources")] for r in p.posts],
            layout="columns",
        ).rstrip("\n"))
    lines.append("")
    lines.append(f"Actions ({len(p.actions)}):")
    lines.append(output.render_table(
        ["date", "role", "type", "action", "label", "status", "sources"],
        [[a.get("date"), a.get("role"), a.get("type"), a.get("action"), a.get("label"), a.get("status"),
          a.get("sources")] for a in p.actions],
        layout="columns", widths={"label": 70}, empty="  (none)",
    ).rstrip("\n"))
    return "\n".join(lines) + "\n"


@cli.command()
@source_options
@output_options
def timeline(source: Source, fmt: str, output_path: str) -> None:
    """Every dated action, oldest first, with the precision of its date.

    A date known to the year sorts before the months of that year, a month before its days
    (2021 < 2021-03 < 2021-03-05). "phrase" is the source's own words where the date was
    resolved from a relative expression ("tilbage i marts").

    \b
    Example:
        cvkg timeline
        cvkg timeline --format csv --output timeline.csv
    """
    from ..core import timeline as timeline_mod

    columns, rows = timeline_mod.timeline(source.open())
    if fmt == "table":
        shown = ["date", "precision", "datePhrase", "type", "label", "agent", "target", "sources"]
        table = [[r.get(c) for c in shown] for r in rows]
        headers = ["date", "precision", "phrase", "type", "action", "agent", "target", "sources"]
        text = output.render_table(headers, table, layout="columns",
                                   widths={"phrase": 24, "action": 60, "agent": 32, "target": 32})
    else:
        text = output.render_rows(fmt, columns, output.dict_rows(columns, rows))
    output_write(text, output_path)


@cli.command()
@source_options
@output_options
def conflicts(source: Source, fmt: str, output_path: str) -> None:
    """Where the sources disagree: each disagreement with every source's version side by side.

    For each version: the source id (000-004), the claim in English, the source's own words
    and, where they are not English, a translation.

    \b
    Example:
        cvkg conflicts
        cvkg conflicts --format json
    """
    from ..core import conflicts as conflicts_mod

    graph = source.open()
    if fmt in ("csv", "tsv"):
        columns, rows = conflicts_mod.conflict_rows(graph)
        output_write(output.render_rows(fmt, columns, output.dict_rows(columns, rows)), output_path)
        return
    found = conflicts_mod.conflicts(graph)
    if fmt == "json":
        output_write(output.to_json([c.as_dict() for c in found]), output_path)
        return
    lines = [f"{len(found)} disagreement(s) between sources.", ""]
    for c in found:
        lines.append(f"{c.topic}  ({c.iri.short})")
        lines.append(f"  aspect: {c.aspect or '-'}")
        if c.about:
            lines.append(f"  about:  {c.about.replace(output.LIST_SEPARATOR, '; ')}")
        for v in c.versions:
            lines.append(f"  [{v['source'] or '?'}] {v['claim'] or ''}")
            if v["quote"]:
                lines.append(f"        says: \"{output.cut(output.display(v['quote']), 200)}\"")
            if v["translation"]:
                lines.append(f"        (en): \"{output.cut(output.display(v['translation']), 200)}\"")
        lines.append("")
    output_write("\n".join(lines), output_path)


@cli.command()
@click.option("--no-validate", is_flag=True, help="Skip the SHACL validation (faster).")
@source_options
@output_options
def overview(no_validate: bool, source: Source, fmt: str, output_path: str) -> None:
    """Start here: what the graph holds, whether it is valid, its key findings, what next.

    Shows the validation status, the sources, counts of actors and actions by type, the
    disagreements between sources, the fines with their amounts and the settlements, and the
    commands to run next.

    \b
    Example:
        cvkg overview
        cvkg overview --format json
    """
    from ..core import overview as overview_mod

    ov = overview_mod.overview(source.open(), validate=not no_validate)
    if fmt == "json":
        output_write(output.to_json(ov.as_dict()), output_path)
        return
    if fmt in ("csv", "tsv"):
        rows = [["actors", r["label"], r["type"], r["count"]] for r in ov.actors_by_type]
        rows += [["actions", r["label"], r["type"], r["count"]] for r in ov.actions_by_type]
        rows += [["sources", None, None, len(ov.sources)], ["disagreements", None, None, len(ov.disagreements)]]
        output_write(output.render_rows(fmt, ["what", "label", "type", "count"], rows), output_path)
        return
    output_write(_overview_text(ov), output_path)


def _overview_text(ov: overview_mod.Overview) -> str:
    lines = ["The Clearview AI knowledge graph", "=" * 32, ""]
    n_actors, n_actions = ov.actors, ov.actions
    lines.append(
        f"{ov.triples:,} triples: {len(ov.sources)} source articles, {n_actors} actors, "
        f"{n_actions} actions, {len(ov.disagreements)} disagreements between sources."
    )
    if ov.validation is None:
        lines.append("Validation: skipped (--no-validate).")
    elif ov.validation["conforms"]:
        lines.append(f"Validation: conforms to {', '.join(ov.validation['shapes'])} (cvkg validate).")
    else:
        lines.append(
            f"Validation: FAILS - {ov.validation['violations']} violation(s) on "
            f"{ov.validation['focus_nodes']} node(s); run 'cvkg validate' for the report."
        )
    lines += ["", "Sources:"]
    lines.append(output.render_table(
        ["id", "language", "published", "publisher", "title"],
        [[s["id"], s["language"], s["published"], s["publisher"], s["title"]] for s in ov.sources],
        layout="columns", widths={"title": 60},
    ).rstrip("\n"))
    lines += ["", "Fines and proposed fines (cvkg query fines):"]
    lines.append(output.render_table(
        ["date", "agent", "target", "amount", "status", "sources"],
        [[f.get("date"), f.get("agent"), f.get("target"), _money(f), f.get("status"), f.get("sources")]
         for f in ov.fines],
        layout="columns", widths={"agent": 42, "target": 42},
    ).rstrip("\n"))
    lines += ["", "Settlements (cvkg query settlements):"]
    for s in ov.settlements:
        parties = (s.get("parties") or "").replace(output.LIST_SEPARATOR, ", ")
        lines.append(f"  {s.get('date') or '?'}  {s.get('label')}")
        lines.append(f"      parties: {parties}; court: {s.get('court') or '-'}; law: {s.get('law') or '-'};")
        lines.append(f"      status: {s.get('status') or '-'}; {s.get('terms') or 0} terms; sources {s.get('sources')}")
    lines += ["", "Disagreements between sources (cvkg conflicts):"]
    lines += [f"  - {d['topic']}" for d in ov.disagreements]
    lines += ["", "Actors by type:"]
    lines += [f"  {r['count']:>3}  {r['label'] or Iri(r['type']).short}" for r in ov.actors_by_type]
    lines += ["", "Actions by type:"]
    lines += [f"  {r['count']:>3}  {r['label'] or Iri(r['type']).short}" for r in ov.actions_by_type]
    lines += ["", "Where to go next:"]
    width = max(len(s["command"]) for s in ov.next_steps)
    lines += [f"  {s['command'].ljust(width)}   {s['what']}" for s in ov.next_steps]
    return "\n".join(lines) + "\n"


def _money(fine: dict) -> str:
    amount = fine.get("amount")
    if amount is None:
        return ""
    text = f"{output.display(amount)} {fine.get('currency') or ''}".strip()
    if fine.get("qualifier"):
        text = f"{fine['qualifier']} {text}"
    return text



# Network analyses and exports live in their own modules; they share the options above.
cli.add_command(analyse)
cli.add_command(export)

# Publishing the graph to a SPARQL server (the read commands then take --endpoint URL).
from .push_cmd import push  # noqa: E402

cli.add_command(push)

# The read-only SPARQL endpoint and query page.
from .serve_cmd import serve  # noqa: E402

cli.add_command(serve)
