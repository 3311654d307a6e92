"""The timeline picture: dated actions by actor, as PNG or SVG (matplotlib).

One row per actor that takes part in a dated action (ordered by its first date), one marker
per action and participant at the middle of the action's period, coloured by action type.
The marker shape is the date's precision - a circle for a day, a square for a month, a diamond
for a year - and a month or a year also gets a thin bar over the whole period it names, so a
date is never drawn more precise than the source gives it. Undated actions cannot be placed;
the title says how many were left out.

A grown graph has thousands of actors, too many rows for a picture anyone can read (and a
10^6-triple graph drew a canvas of 134,000 pixels in height, 2.6 GiB): at most ``MAX_ROWS``
actors are drawn, those with the most dated actions (ties: the earlier first date), and the
title says how many of how many. Markers, period bars and links are drawn as one collection
per colour and shape, not one artist per action.

Output is byte-stable: matplotlib's object-oriented API on the Agg canvas (no pyplot, no global
backend change), a fixed font (DejaVu Sans, shipped with matplotlib), no date or software
version in the metadata, and a fixed SVG id salt.

matplotlib is optional: without it ``MatplotlibMissing`` says how to install it.
"""

from __future__ import annotations

import datetime as _dt
import io

from rdflib import Graph

from .. import __version__
from .errors import CvkgError
from .export_network import ACTION_COLOURS, colour_for
from .network import Network, NetworkFilter, derive

TIMELINE_FORMATS = ("timeline-png", "timeline-svg")
#: Actors drawn at most, one row each (the shipped graph has fewer).
MAX_ROWS = 60
MARKERS = {"day": "o", "month": "s", "year": "D"}
PRECISION_NAMES = {"day": "day", "month": "month", "year": "year only"}


class MatplotlibMissing(CvkgError):
    exit_code = 2


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        import matplotlib.dates as mdates
    except ImportError:
        raise MatplotlibMissing(
            "timeline pictures need matplotlib, which is not installed: pip install matplotlib"
        ) from None
    return matplotlib, Figure, FigureCanvasAgg, Line2D, mdates


def _wrap(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _middle(mdates, period) -> float:
    return (mdates.date2num(period.start) + mdates.date2num(period.end + _dt.timedelta(days=1))) / 2


def draw(net: Network, fmt: str, type_labels: dict[str, str] | None = None) -> bytes:
    """Draw the timeline of an already derived network; ``fmt`` is ``png`` or ``svg``.

    ``type_labels`` maps action type names to the words shown in the legend."""
    type_labels = type_labels or {}
    matplotlib, Figure, FigureCanvasAgg, Line2D, mdates = _matplotlib()

    dated = [a for a in net.actions if a.period is not None]
    undated = len(net.actions) - len(dated)
    first: dict[str, tuple] = {}
    for action in dated:
        for key in action.roles:
            candidate = (action.period.start, action.date)
            if key not in first or candidate < first[key]:
                first[key] = candidate
    def order(k):
        return (first[k], net.actors[k].label.casefold(), k)

    involved = len(first)
    if involved > MAX_ROWS:
        count: dict[str, int] = {}
        for action in dated:
            for key in action.roles:
                count[key] = count.get(key, 0) + 1
        first = {k: first[k] for k in sorted(first, key=lambda k: (-count[k], order(k)))[:MAX_ROWS]}
    actors = sorted(first, key=order)
    row = {key: index for index, key in enumerate(actors)}
    drawn = [a for a in dated if any(key in row for key in a.roles)]

    settings = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "svg.hashsalt": "clearview-kg",
        "svg.fonttype": "path",
        "path.simplify": True,
        "axes.titlesize": 11,
    }
    with matplotlib.rc_context(settings):
        height = 1.6 + 0.32 * max(len(actors), 3)
        fig = Figure(figsize=(11, height), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        types_seen: dict[str, str] = {}
        precisions_seen: set[str] = set()
        # Actions of one actor at the same place are spread vertically so none hides another.
        slots: dict[tuple[int, float], dict[str, int]] = {}
        for action in drawn:
            middle = _middle(mdates, action.period)
            for key in action.roles:
                if key in row:
                    slot = slots.setdefault((row[key], middle), {})
                    slot.setdefault(action.id, len(slot))

        def offset(y: int, middle: float, action_id: str) -> float:
            ids = slots[(y, middle)]
            return (ids[action_id] - (len(ids) - 1) / 2) * min(0.22, 0.8 / len(ids))

        links: dict[str, list] = {}  # colour -> (x, y from, y to) joining one action's participants
        bars: dict[str, list] = {}  # colour -> (y, start, end) over a month's or a year's period
        marks: dict[tuple[str, str], list] = {}  # (colour, precision) -> (x, y)
        for action in drawn:
            period = action.period
            start = mdates.date2num(period.start)
            end = mdates.date2num(period.end + _dt.timedelta(days=1))
            middle = _middle(mdates, period)
            colour = colour_for(action.type, ACTION_COLOURS)
            types_seen.setdefault(action.type, colour)
            precision = action.precision or "day"
            precisions_seen.add(precision)
            ys = sorted(row[key] + offset(row[key], middle, action.id) for key in action.roles if key in row)
            if len(ys) > 1:  # the participants of one action, joined
                links.setdefault(colour, []).append((middle, ys[0], ys[-1]))
            for y in ys:
                if precision != "day":
                    bars.setdefault(colour, []).append((y, start, end))
                marks.setdefault((colour, precision), []).append((middle, y))
        for colour, lines in sorted(links.items()):
            xs, lows, highs = zip(*lines)
            ax.vlines(xs, lows, highs, colors=colour, linewidth=0.8, alpha=0.35, zorder=1)
        for colour, periods in sorted(bars.items()):
            ys, starts, ends = zip(*periods)
            ax.hlines(ys, starts, ends, colors=colour, linewidth=4, alpha=0.22, capstyle="butt", zorder=2)
        for (colour, precision), points in sorted(marks.items()):
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker=MARKERS.get(precision, "o"), markersize=7, color=colour,
                    markeredgecolor="#222222", markeredgewidth=0.6, linestyle="none", zorder=3)

        ax.set_yticks(range(len(actors)))
        ax.set_yticklabels([_wrap(net.actors[k].label) for k in actors])
        ax.set_ylim(max(len(actors), 1) - 0.5, -0.5)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.grid(axis="y", color="#f0f0f0", linewidth=0.6)
        ax.set_axisbelow(True)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if dated:
            lo = min(mdates.date2num(a.period.start) for a in dated)
            hi = max(mdates.date2num(a.period.end) for a in dated)
            pad = max(30.0, (hi - lo) * 0.03)
            ax.set_xlim(lo - pad, hi + pad)
        title = f"The Clearview AI saga: {len(dated)} dated actions by actor"
        if undated:
            title += f" ({undated} undated not shown)"
        if len(actors) < involved:
            title += (f"\nthe {len(actors)} of {involved} actors with the most dated actions; "
                      f"{len(dated) - len(drawn)} actions without any of them not shown")
        ax.set_title(title, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

        type_handles = [
            Line2D([], [], marker="o", linestyle="none", color=colour, markeredgecolor="#222222",
                   markeredgewidth=0.6, label=type_labels.get(name, name))
            for name, colour in sorted(types_seen.items(), key=lambda kv: type_labels.get(kv[0], kv[0]))
        ]
        precision_handles = [
            Line2D([], [], marker=MARKERS[p], linestyle="none", color="#bbbbbb", markeredgecolor="#222222",
                   markeredgewidth=0.6, label=f"date: {PRECISION_NAMES[p]}")
            for p in ("day", "month", "year") if p in precisions_seen
        ]
        if type_handles or precision_handles:
            ax.legend(handles=type_handles + precision_handles, loc="upper left",
                      bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        if not dated:
            ax.text(0.5, 0.5, "no dated actions", transform=ax.transAxes, ha="center", va="center")
        fig.text(0.995, 0.005, f"clearview-kg {__version__}", ha="right", va="bottom", fontsize=7, color="#888888")
        fig.tight_layout()

        buffer = io.BytesIO()
        if fmt == "png":
            fig.savefig(buffer, format="png", metadata={"Software": None})
        elif fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": f"clearview-kg {__version__}"})
        else:
            raise ValueError(f"unknown picture format {fmt!r}")
    return buffer.getvalue()


def to_timeline(g: Graph, flt: NetworkFilter | None, fmt: str) -> bytes:
    """The timeline picture of ``g``: ``fmt`` is ``png`` or ``svg``."""
    from .export_html import type_label

    net = derive(g, flt or NetworkFilter())
    labels = {a.type: type_label(g, a.type) for a in net.actions}
    return draw(net, fmt, labels)


__all__ = ["MARKERS", "MAX_ROWS", "MatplotlibMissing", "TIMELINE_FORMATS", "draw", "to_timeline"]
