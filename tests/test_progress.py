"""Progress bars (core.progress): drawn on a terminal after a second, erased at the end, never
on a pipe, off with CVKG_PROGRESS=0.

The terminal cases run a small child process whose stderr is the slave side of a real
pseudo-terminal and read what it drew from the master side.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from clearview_kg.core import progress

# A child that does SECONDS of work in STEPS steps inside a bar (STEPS=0: one long call with no
# update at all), optionally failing at the end; then prints "done" on stdout.
CHILD = """
import sys, time
from clearview_kg.core import progress
seconds, steps, total, label, fail = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5] == "fail"
try:
    with progress.bar(label, total=total or None, unit="items") as bar:
        if steps == 0:
            time.sleep(seconds)
        for _ in range(steps):
            time.sleep(seconds / steps)
            bar.update(total / steps if total else 1)
        if fail:
            raise RuntimeError("boom")
except RuntimeError:
    print("failed")
print("done")
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CVKG_PROGRESS"}
    env.update(extra)
    return env


def _args(seconds: float, steps: int, total: float, label: str, fail: bool) -> list[str]:
    return [sys.executable, "-c", CHILD, str(seconds), str(steps), str(total), label, "fail" if fail else "ok"]


def run_on_terminal(seconds=1.5, steps=30, total=100.0, label="Testing", fail=False, columns=100,
                    **env: str) -> tuple[str, str]:
    """Run the child with stderr on a pseudo-terminal: (what the terminal got, stdout)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    child = subprocess.Popen(_args(seconds, steps, total, label, fail), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=slave, env=_env(**env))
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every slave descriptor is closed (the child ended)
                    break
                if not chunk:
                    break
                received += chunk
            elif child.poll() is not None:
                break
        stdout = child.communicate(timeout=60)[0].decode()
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
    return received.decode("utf-8"), stdout


def screen(text: str) -> list[str]:
    """What a terminal shows after ``text``: '\\r' returns to the start of the line."""
    lines, column = [[]], 0
    for char in text:
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append([])
            column = 0
        else:
            line = lines[-1]
            line.extend(" " * (column - len(line) + 1) if column >= len(line) else "")
            line[column] = char
            column += 1
    return ["".join(line) for line in lines]


def drawn(text: str) -> list[str]:
    """Each state of the bar that was drawn (the pieces between carriage returns)."""
    return [piece for piece in text.split("\r") if piece.strip()]


# --- on a terminal ---------------------------------------------------------------------------


def test_a_bar_is_drawn_on_a_terminal_and_erased_at_the_end():
    terminal, stdout = run_on_terminal(seconds=1.6, steps=32, total=100)
    assert stdout == "done\n"
    states = drawn(terminal)
    assert states, repr(terminal)
    assert all(s.startswith("Testing [") and "%" in s and "/ 100 items" in s for s in states), states
    assert any("#" in s for s in states)
    # Erased: the line holds only blanks at the end, and the cursor is back at its start.
    assert terminal.endswith("\r")
    assert [line.strip() for line in screen(terminal)] == [""], screen(terminal)


def test_one_long_call_without_updates_still_shows_a_bar_with_the_elapsed_time():
    terminal, stdout = run_on_terminal(seconds=1.6, steps=0, total=0, label="Rendering")
    assert stdout == "done\n"
    states = drawn(terminal)
    assert states and all(s.startswith("Rendering ... ") and s.rstrip().endswith("s") for s in states), states
    assert [line.strip() for line in screen(terminal)] == [""]


def test_a_bar_is_erased_when_the_work_fails():
    terminal, stdout = run_on_terminal(seconds=1.4, steps=14, total=0, fail=True)
    assert stdout == "failed\ndone\n"
    assert drawn(terminal), repr(terminal)
    assert [line.strip() for line in screen(terminal)] == [""]


def test_the_bar_fits_the_terminal_width():
    label = "A very long label that would not fit on a narrow terminal at all"
    terminal, _ = run_on_terminal(seconds=1.4, steps=14, total=100, label=label, columns=40)
    states = drawn(terminal)
    assert states and all(len(s.rstrip()) <= 39 for s in states), states
    assert all(len(line) <= 39 for line in screen(terminal))


def test_short_work_draws_nothing():
    terminal, stdout = run_on_terminal(seconds=0.3, steps=30, total=100)
    assert stdout == "done\n"
    assert terminal == ""


@pytest.mark.parametrize("value", ["0", "off"])
def test_cvkg_progress_0_silences_the_bar_on_a_terminal(value):
    terminal, stdout = run_on_terminal(seconds=1.4, steps=14, total=100, CVKG_PROGRESS=value)
    assert stdout == "done\n"
    assert terminal == ""


# --- on a pipe -------------------------------------------------------------------------------


def test_nothing_is_written_when_stderr_is_piped():
    done = subprocess.run(_args(1.4, 14, 100, "Testing", False), capture_output=True, env=_env(), timeout=120)
    assert done.stdout == b"done\n"
    assert done.stderr == b""


def test_cvkg_progress_1_draws_even_on_a_pipe():
    done = subprocess.run(_args(1.4, 14, 100, "Testing", False), capture_output=True,
                          env=_env(CVKG_PROGRESS="1"), timeout=120)
    assert done.stdout == b"done\n"
    err = done.stderr.decode()
    assert "Testing [" in err and err.endswith("\r")
    assert [line.strip() for line in screen(err)] == [""]


# --- in-process ------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fast(monkeypatch):
    """Bars that draw at once (and every 10 ms), on a fake terminal."""
    monkeypatch.delenv("CVKG_PROGRESS", raising=False)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.01)
    return FakeTerminal()


def test_enabled_follows_the_stream_and_the_variable(monkeypatch):
    monkeypatch.delenv("CVKG_PROGRESS", raising=False)
    assert progress.enabled(FakeTerminal()) is True
    assert progress.enabled(io.StringIO()) is False
    assert progress.enabled(object()) is False  # no isatty at all
    for off in ("0", "no", "false", "OFF"):
        monkeypatch.setenv("CVKG_PROGRESS", off)
        assert progress.enabled(FakeTerminal()) is False
    for on in ("1", "yes", "true", "ON"):
        monkeypatch.setenv("CVKG_PROGRESS", on)
        assert progress.enabled(io.StringIO()) is True


def test_bar_texts():
    b = progress.Bar("Loading", 4 * 1048576, "B", io.StringIO(), draw=False)
    b.update(1048576)
    assert b.line(3.2) == "Loading [######------------------]  25% 1.0 MiB / 4.0 MiB 3s"
    counted = progress.Bar("Copying", None, "triples", io.StringIO(), draw=False)
    assert counted.line(2) == "Copying ... 2s"
    counted.update(12345)
    assert counted.line(2) == "Copying ... 12,345 triples 2s"
    over = progress.Bar("Over", 10, "", io.StringIO(), draw=False)
    over.update(20)
    assert "100%" in over.line(1)


def test_a_shorter_text_overwrites_a_longer_one(fast):
    with progress.bar("Counting", stream=fast) as b:
        time.sleep(0.02)
        b.update(1_000_000)
        time.sleep(0.02)
        b.update(-999_999)
        time.sleep(0.02)
        assert [line.rstrip() for line in screen(fast.getvalue())] == ["Counting ... 1 0s"]
    assert "Counting ... 1,000,000 0s" in fast.getvalue().split("\r")
    assert [line.strip() for line in screen(fast.getvalue())] == [""]


def test_nothing_is_drawn_when_disabled(monkeypatch):
    monkeypatch.setenv("CVKG_PROGRESS", "0")
    monkeypatch.setattr(progress, "DELAY", 0.0)
    stream = FakeTerminal()
    with progress.bar("Quiet", total=10, stream=stream) as b:
        b.update(5)
        time.sleep(0.05)
    assert stream.getvalue() == ""


def test_a_broken_stream_does_not_break_the_work(fast):
    class Broken(FakeTerminal):
        def write(self, text):
            raise OSError("gone")

    with progress.bar("Working", total=3, stream=Broken()) as b:
        for _ in range(3):
            b.update()
    assert b.done == 3


def test_read_progress_counts_the_bytes_read():
    data = bytes(range(256)) * 100 + b"\nlast line\n"
    b = progress.Bar("Reading", len(data), "B", io.StringIO(), draw=False)
    reader = progress.ReadProgress(io.BytesIO(data), b)
    got = reader.read(1000)
    assert b.done == 1000
    buffer = bytearray(500)
    assert reader.readinto(buffer) == 500
    got += bytes(buffer)
    got += reader.read1(300)
    assert b.done == 1800
    got += reader.read()
    assert got == data and b.done == len(data)
    assert reader.read() == b"" and b.done == len(data)  # end of file counts nothing
    assert reader.readable() and reader.tell() == len(data)  # other calls reach the file


def test_read_progress_counts_lines_too():
    data = b"one\ntwo\nthree\n"
    b = progress.Bar("Reading", None, "B", io.StringIO(), draw=False)
    with progress.ReadProgress(io.BytesIO(data), b) as reader:
        assert reader.readline() == b"one\n"
        assert list(reader) == [b"two\n", b"three\n"]
    assert b.done == len(data)


def test_read_progress_drives_a_drawn_bar(fast):
    data = b"x" * 4096
    with progress.bar("Loading", total=len(data), unit="B", stream=fast) as b:
        reader = progress.ReadProgress(io.BytesIO(data), b)
        while reader.read(1024):
            time.sleep(0.015)  # more than INTERVAL: each read is drawn
    assert "100%" in fast.getvalue()
    assert [line.strip() for line in screen(fast.getvalue())] == [""]


# --- cvkg export ----------------------------------------------------------------------------


def test_export_produces_each_file_under_a_bar_erased_before_it_is_written(fast, monkeypatch):
    from clearview_kg.cli import export_cmd

    monkeypatch.setattr(sys, "stderr", fast)
    seen: list[str] = []

    def parts():
        time.sleep(0.05)
        seen.append(fast.getvalue())
        yield b"nodes"
        seen.append(fast.getvalue())
        yield b"edges"

    wrapped = export_cmd.with_progress(parts(), "Exporting csv")
    assert next(wrapped) == b"nodes"
    # When a part is handed on for writing, its bar is already erased.
    assert [line.strip() for line in screen(fast.getvalue())] == [""]
    assert next(wrapped) == b"edges"
    with pytest.raises(StopIteration):
        next(wrapped)
    assert "Exporting csv ... " in seen[0]
    assert [line.strip() for line in screen(fast.getvalue())] == [""]
