"""Output formats shared by every command: table (for people), csv, tsv and json.

- table: aligned columns; IRIs shortened to prefixed names (ido:clearview-ai); amounts with
  thousands separators; each cell cut to 80 characters. When the columns do not fit the
  terminal (``COLUMNS``), each row is shown as a block of ``name  value`` lines instead, with
  long values wrapped rather than cut and ' | '-joined lists one item per line.
- csv / tsv: a header row, then full values (full IRIs, full quotes); tsv replaces tabs and
  line breaks inside values with spaces.
- json: a list of objects (one per row) or, for reports, one object; full values; numbers
  stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

import click

from ..core import atomic
from ..core.terms import LIST_SEPARATOR, Iri

FORMATS = ("table", "csv", "tsv", "json")
MAX_CELL = 80


def terminal_width() -> int:
    return max(40, shutil.get_terminal_size((120, 24)).columns)


# --- cells -----------------------------------------------------------------------------------


def display(value: Any) -> str:
    """A value as people read it: short IRIs, grouped thousands, one line."""
    if value is None:
        return ""
    if isinstance(value, Iri):
        return value.short
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,}"
    if isinstance(value, int):
        return str(value)
    return " ".join(str(value).split())


def cut(text: str, width: int = MAX_CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def plain(value: Any) -> Any:
    """A value for csv/json: full IRIs, numbers as numbers, everything else as text."""
    if isinstance(value, Iri):
        return str(value)
    return value


# --- renderers -------------------------------------------------------------------------------


def render_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    layout: str = "auto",
    widths: dict[str, int] | None = None,
    empty: str = "(no rows)",
) -> str:
    """Aligned columns, or one block per row when they do not fit (layout='auto')."""
    if not rows:
        return empty + "\n"
    if layout == "records":
        return render_records(columns, rows)
    widths = widths or {}
    limits = [widths.get(c, MAX_CELL) for c in columns]
    col_widths = [len(c) for c in columns]
    room = terminal_width() - 2 * (len(columns) - 1)
    cells = []
    for row in rows:
        cells.append(cell := [cut(display(v), w) for v, w in zip(row, limits)])
        col_widths = [max(a, len(b)) for a, b in zip(col_widths, cell)]
        if layout == "auto" and sum(col_widths) > room:
            return render_records(columns, rows)  # known as soon as one row is too wide
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, col_widths)).rstrip()]
    lines.append("  ".join("-" * w for w in col_widths))
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, col_widths)).rstrip())
    return "\n".join(lines) + "\n"


def render_records(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """One block per row: a numbered title line, then 'name  value' lines."""
    width = terminal_width()
    name_width = max(len(c) for c in columns)
    indent = " " * (name_width + 4)
    blocks = []
    for number, row in enumerate(rows, start=1):
        lines = [f"[{number}] {display(row[0])}"]
        for column, value in zip(columns[1:], row[1:]):
            if value is None or value == "":
                continue
            avail = max(20, width - len(indent))
            shown = display(value)
            if isinstance(value, str) and not isinstance(value, Iri) and len(shown) > avail:
                items = [display(item) for item in value.split(LIST_SEPARATOR)]
            else:
                items = [shown]
            first = True
            for item in items:
                for piece in _wrap(item, avail):
                    label = f"  {column.ljust(name_width)}  " if first else indent
                    lines.append(f"{label}{piece}")
                    first = False
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    """textwrap.wrap for a displayed value (one line, single spaces), with at least one line;
    a value that fits is its own line, without textwrap's cost (most values fit)."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width) or [""]


def render_hanging(pairs: Sequence[tuple[str, str]]) -> str:
    """'name  text' lines with the text wrapped under itself (for lists such as 'cvkg queries')."""
    if not pairs:
        return "(none)\n"
    width = max(len(name) for name, _ in pairs)
    avail = max(30, terminal_width() - width - 2)
    lines = []
    for name, text in pairs:
        pieces = textwrap.wrap(display(text), avail) or [""]
        lines.append(f"{name.ljust(width)}  {pieces[0]}".rstrip())
        lines += [f"{' ' * width}  {piece}" for piece in pieces[1:]]
    return "\n".join(lines) + "\n"


def render_delimited(columns: Sequence[str], rows: Sequence[Sequence[Any]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        out = []
        for value in row:
            value = plain(value)
            text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
            if delimiter == "\t":
                text = " ".join(text.replace("\t", " ").splitlines())
            out.append(text)
        writer.writerow(out)
    return buffer.getvalue()


def to_json(data: Any) -> str:
    def convert(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {str(k): convert(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [convert(v) for v in obj]
        return plain(obj)

    return json.dumps(convert(data), ensure_ascii=False, indent=2) + "\n"


def render_rows(fmt: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], **table_options: Any) -> str:
    """Render a table of plain values in any format."""
    if fmt == "table":
        return render_table(columns, rows, **table_options)
    if fmt in ("csv", "tsv"):
        return render_delimited(columns, rows, "," if fmt == "csv" else "\t")
    return to_json([dict(zip(columns, row)) for row in rows])


def dict_rows(columns: Sequence[str], dicts: Sequence[dict]) -> list[list[Any]]:
    return [[d.get(c) for c in columns] for d in dicts]


# --- writing ---------------------------------------------------------------------------------


def write(text: str, output: str = "-") -> None:
    """Write ``text`` to standard output ('-') or to the file ``output`` (UTF-8), replacing
    it atomically."""
    if output == "-":
        click.echo(text, nl=False)
        return
    # Atomic: a failure or Ctrl-C half-way leaves the user's previous file as it was.
    atomic.write_bytes(output, text.encode("utf-8"), force=True)
