"""Progress bars on stderr for work that takes more than a second.

``bar(label, total=None, unit="")`` is a context manager; call ``update(n)`` as work is done.
A bar is drawn only when stderr is a terminal (never when it is piped or redirected, so
output that is parsed stays clean), only once the work has lasted ``DELAY`` seconds (short work
shows nothing), at most ten times a second, on one line no wider than the terminal, and it is
erased when the work ends or fails. ``CVKG_PROGRESS=0`` (or ``no``, ``false``, ``off``) turns
bars off; ``CVKG_PROGRESS=1`` (or ``yes``, ``true``, ``on``) draws them even when stderr is not
a terminal (for tests and for logs that want them).

With a ``total`` the bar shows a percentage (``unit="B"`` shows MiB); without one it shows the
count done so far, if any, and the elapsed time. A drawn bar is kept up to date by a
background thread as well, so work that calls ``update`` rarely or never (one long call such
as serialising a graph or running Graphviz) still shows the bar and its elapsed time.

This module imports nothing heavy.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

DELAY = 1.0
INTERVAL = 0.1
WIDTH = 24

_OFF = {"0", "no", "false", "off"}
_ON = {"1", "yes", "true", "on"}


def enabled(stream: TextIO | None = None) -> bool:
    """Whether bars are drawn on ``stream`` (stderr by default)."""
    setting = os.environ.get("CVKG_PROGRESS", "").strip().lower()
    if setting in _OFF:
        return False
    if setting in _ON:
        return True
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _amount(value: float, unit: str) -> str:
    if unit == "B":
        return f"{value / 1048576:.1f} MiB"
    text = f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


def _columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` is on (stderr's own, not stdout's)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size((80, 24)).columns or 80


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
        self._text = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def update(self, n: float = 1) -> None:
        self.done += n
        if not self._draw:
            return
        now = time.monotonic()
        if now - self._start < DELAY or now - self._last < INTERVAL:
            return
        self._refresh(now)

    def line(self, elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        if self.total:
            fraction = min(max(self.done / self.total, 0.0), 1.0)
            filled = int(fraction * WIDTH)
            bar = "#" * filled + "-" * (WIDTH - filled)
            return (f"{self.label} [{bar}] {fraction * 100:3.0f}% "
                    f"{_amount(self.done, self.unit)} / {_amount(self.total, self.unit)} {elapsed:.0f}s")
        if self.done:
            return f"{self.label} ... {_amount(self.done, self.unit)} {elapsed:.0f}s"
        return f"{self.label} ... {elapsed:.0f}s"

    # --- drawing (from the caller's thread in update(), and from the ticker) ---------------

    def _refresh(self, now: float) -> None:
        with self._lock:
            if not self._draw or self._stop.is_set():
                return
            self._last = now
            text = self.line(now - self._start)
            # One line that fits: a line that wraps cannot be redrawn or erased with '\r'.
            width = max(_columns(self._stream) - 1, 10)
            if len(text) > width:
                text = text[: width - 1] + "…"
            if text != self._text:
                self._write(text)

    def _write(self, text: str) -> None:
        pad = max(self._shown - len(text), 0)
        try:
            self._stream.write("\r" + text + " " * pad)
            self._stream.flush()
        except (OSError, ValueError):
            self._draw = False
            return
        self._shown = len(text)
        self._text = text

    def _tick(self) -> None:
        if self._stop.wait(max(DELAY - (time.monotonic() - self._start), 0.0)):
            return
        while True:
            self._refresh(time.monotonic())
            if self._stop.wait(INTERVAL):
                return

    def start(self) -> None:
        """Keep the bar drawn (and its elapsed time current) from a background thread."""
        if self._draw and self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="cvkg-progress", daemon=True)
            self._ticker.start()

    def close(self) -> None:
        self._stop.set()
        ticker, self._ticker = self._ticker, None
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join()
        with self._lock:
            if self._shown:
                try:
                    self._stream.write("\r" + " " * self._shown + "\r")
                    self._stream.flush()
                except (OSError, ValueError):
                    pass
                self._shown = 0
                self._text = ""


@contextmanager
def bar(label: str, total: float | None = None, unit: str = "", stream: TextIO | None = None) -> Iterator[Bar]:
    """A progress bar for the work inside the ``with`` block (see the module's docstring)."""
    stream = stream if stream is not None else sys.stderr
    progress = Bar(label, total, unit, stream, enabled(stream))
    progress.start()
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
        self._bar.update(len(data or b""))
        return data

    def read1(self, size: int = -1) -> bytes:
        reader = getattr(self._raw, "read1", self._raw.read)
        data = reader(size)
        self._bar.update(len(data or b""))
        return data

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._bar.update(n or 0)
        return n

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        self._bar.update(len(data or b""))
        return data

    def readable(self) -> bool:
        return True

    def __iter__(self):
        return iter(self.readline, b"")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        close = getattr(self._raw, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name):
        return getattr(self._raw, name)
