"""core.atomic: a file is written whole or not at all; existing files are kept without force."""
from __future__ import annotations

import os
import stat

import pytest

from clearview_kg.core import atomic


def leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def test_writes_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "out.ttl"
    atomic.write_bytes(str(target), b"first")
    assert target.read_bytes() == b"first"
    with pytest.raises(atomic.OutputExists, match="already exists"):
        atomic.write_bytes(str(target), b"second")
    assert target.read_bytes() == b"first"
    atomic.write_bytes(str(target), b"second", force=True)
    assert target.read_bytes() == b"second"
    assert leftovers(tmp_path) == []


def test_error_half_way_leaves_nothing(tmp_path):
    target = tmp_path / "out.gexf"
    with pytest.raises(RuntimeError):
        with atomic.atomic_files([str(target)]) as (handle,):
            handle.write(b"<gexf>half")
            raise RuntimeError("writer failed")
    assert not target.exists() and leftovers(tmp_path) == []


def test_ctrl_c_half_way_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.gexf"
    target.write_bytes(b"old and whole")
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_files([str(target)], force=True) as (handle,):
            handle.write(b"new but half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old and whole" and leftovers(tmp_path) == []


def test_group_is_all_or_nothing(tmp_path):
    nodes, edges = tmp_path / "n-nodes.csv", tmp_path / "n-edges.csv"
    with pytest.raises(ValueError):
        with atomic.atomic_files([str(nodes), str(edges)]) as (a, b):
            a.write(b"id\n")
            raise ValueError("edges failed")
    assert not nodes.exists() and not edges.exists() and leftovers(tmp_path) == []


def test_existing_member_of_a_group_refuses_the_whole_group(tmp_path):
    nodes, edges = tmp_path / "n-nodes.csv", tmp_path / "n-edges.csv"
    edges.write_bytes(b"keep")
    with pytest.raises(atomic.OutputExists):
        with atomic.atomic_files([str(nodes), str(edges)]):
            pass
    assert not nodes.exists() and edges.read_bytes() == b"keep"


def test_a_file_that_appears_meanwhile_is_not_clobbered(tmp_path):
    target = tmp_path / "race.ttl"
    with pytest.raises(atomic.OutputExists):
        with atomic.atomic_files([str(target)]) as (handle,):
            handle.write(b"mine")
            target.write_bytes(b"someone else's")
    assert target.read_bytes() == b"someone else's" and leftovers(tmp_path) == []


def test_permissions_follow_umask_and_the_replaced_file(tmp_path):
    target = tmp_path / "p.ttl"
    old = os.umask(0o022)
    try:
        atomic.write_bytes(str(target), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o600)
    atomic.write_bytes(str(target), b"y", force=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_missing_directory_and_directory_target(tmp_path):
    with pytest.raises(atomic.OutputError, match="does not exist"):
        atomic.write_bytes(str(tmp_path / "nope" / "x.ttl"), b"x")
    with pytest.raises(atomic.OutputError, match="is a directory"):
        atomic.write_bytes(str(tmp_path), b"x")
