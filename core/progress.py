"""Progress bars on stderr for work that takes more than a second.

``bar(label, total=None, unit="")`` is a context manager; call ``update(n)`` as work is done.
A bar is drawn only when stderr is a terminal (never when it is piped or redirected, so
output that is parsed stays clean), only once the work has lasted ``DELAY`` seconds (short work
shows nothing), at most ten times a second, and it is erased when the work ends or fails.
``CVKG_PROGRESS=0`` turns bars off; ``CVKG_PROGRESS=1`` draws them even when stderr is not a
terminal (for tests and for logs that want them).

With a ``total`` the bar shows a percentage (``unit="B"`` shows MiB); without one it shows the
count done so far and the elapsed time.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

DELAY = 1.0
INTERVAL = 0.1
WIDTH = 24


def enabled(stream: TextIO | None = None) -> bool:
    """Whether bars are drawn on ``stream`` (stderr by default)."""
    setting = os.environ.get("CVKG_PROGRESS", "").strip()
    if setting == "0":
        return False
    if setting == "1":
        return True
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _amount(value: float, unit: str) -> str:
    if unit == "B":
        return f"{value / 1048576:.1f} MiB"
    text = f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


class Bar:
    """One bar; made by ``bar()``."""

    def __init__(self, label: str, total: float | None, unit: str, stream: TextIO, draw: bool) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.unit = unit
        self.done = 0.0
        self._stream = stream
        self._draw = draw
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = 0

    def update(self, n: float = 1) -> None:
        self.done += n
        if not self._draw:
            return
        now = time.monotonic()
        if now - self._start < DELAY or now - self._last < INTERVAL:
            return
        self._last = now
        self._write(self.line(now - self._start))

    def line(self, elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * WIDTH)
            bar = "#" * filled + "-" * (WIDTH - filled)
            return (f"{self.label} [{bar}] {fraction * 100:3.0f}% "
                    f"{_amount(self.done, self.unit)} / {_amount(self.total, self.unit)} {elapsed:.0f}s")
        return f"{self.label} ... {_amount(self.done, self.unit)} {elapsed:.0f}s"

    def _write(self, text: str) -> None:
        pad = max(self._shown - len(text), 0)
        try:
            self._stream.write("\r" + text + " " * pad)
            self._stream.flush()
        except (OSError, ValueError):
            self._draw = False
            return
        self._shown = len(text)

    def close(self) -> None:
        if self._shown:
            try:
                self._stream.write("\r" + " " * self._shown + "\r")
                self._stream.flush()
            except (OSError, ValueError):
                pass
            self._shown = 0


@contextmanager
def bar(label: str, total: float | None = None, unit: str = "", stream: TextIO | None = None) -> Iterator[Bar]:
    """A progress bar for the work inside the ``with`` block (see the module's docstring)."""
    stream = stream or sys.stderr
    progress = Bar(label, total, unit, stream, enabled(stream))
    try:
        yield progress
    finally:
        progress.close()


class ReadProgress:
    """A binary file object that reports the bytes read from it to a ``Bar``."""

    def __init__(self, raw, progress: Bar) -> None:
        self._raw = raw
        self._bar = progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._bar.update(len(data))
        return data

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._bar.update(n or 0)
        return n

    def readable(self) -> bool:
        return True

    def __getattr__(self, name):
        return getattr(self._raw, name)
