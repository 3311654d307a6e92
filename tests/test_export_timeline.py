"""The timeline picture: PNG and SVG from matplotlib, byte-identical from run to run, one
marker shape per date precision, undated actions counted in the title."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from clearview_kg.core import export_timeline, network

pytest.importorskip("matplotlib", reason="timeline pictures need matplotlib")


@pytest.fixture(scope="module")
def net(shipped_graph):
    return network.derive(shipped_graph)


def test_png_is_byte_stable(net):
    first = export_timeline.draw(net, "png")
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert export_timeline.draw(net, "png") == first
    assert b"Software" not in first[:2000] and b"matplotlib" not in first.lower()


def test_svg_is_byte_stable_and_names_no_date(net):
    first = export_timeline.draw(net, "svg")
    assert export_timeline.draw(net, "svg") == first
    root = ET.fromstring(first)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<dc:date>" not in first


def test_title_counts_dated_and_undated(net):
    dated = sum(1 for a in net.actions if a.period is not None)
    undated = len(net.actions) - dated
    svg = export_timeline.draw(net, "svg").decode("utf-8")
    # matplotlib draws text as paths and keeps the string in a comment before them.
    assert f"<!-- The Clearview AI saga: {dated} dated actions by actor ({undated} undated not shown) -->" in svg
    assert "<!-- Swedish Police Authority (Polismyndighe… -->" in svg or "Polismyndigheten" in svg


def test_markers_by_precision():
    assert set(export_timeline.MARKERS) == {"day", "month", "year"}
    assert len(set(export_timeline.MARKERS.values())) == 3


def test_filtered_timeline(shipped_graph):
    flt = network.NetworkFilter(sources=frozenset({"002"}))
    png = export_timeline.to_timeline(shipped_graph, flt, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_timeline_still_draws(shipped_graph):
    flt = network.NetworkFilter(date_from="1990", date_to="1991")
    assert export_timeline.to_timeline(shipped_graph, flt, "png")[:4] == b"\x89PNG"


def test_a_graph_with_many_actors_draws_the_most_active(net, monkeypatch):
    """Beyond MAX_ROWS actors, the rows are the actors with the most dated actions, and the
    title says how many of how many, and how many actions are left out."""
    monkeypatch.setattr(export_timeline, "MAX_ROWS", 4)
    dated = [a for a in net.actions if a.period is not None]
    count: dict[str, int] = {}
    for action in dated:
        for key in action.roles:
            count[key] = count.get(key, 0) + 1
    assert len(count) > 4
    svg = export_timeline.draw(net, "svg").decode("utf-8")
    shown = {k for k in count if f"<!-- {export_timeline._wrap(net.actors[k].label)} -->" in svg}
    assert len(shown) == 4
    assert min(count[k] for k in shown) >= max(count[k] for k in count if k not in shown)
    left_out = sum(1 for a in dated if not set(a.roles) & shown)
    undated = len(net.actions) - len(dated)
    assert f"<!-- The Clearview AI saga: {len(dated)} dated actions by actor ({undated} undated not shown) -->" in svg
    assert (f"<!-- the 4 of {len(count)} actors with the most dated actions; {left_out} actions "
            f"without any of them not shown -->") in svg


def test_the_shipped_graph_shows_every_actor(net):
    dated_actors = {k for a in net.actions if a.period is not None for k in a.roles}
    assert len(dated_actors) <= export_timeline.MAX_ROWS
    svg = export_timeline.draw(net, "svg").decode("utf-8")
    assert all(f"<!-- {export_timeline._wrap(net.actors[k].label)} -->" in svg for k in dated_actors)
