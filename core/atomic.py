"""Atomic file output: a file is either written whole or not at all.

Every writer of ``cvkg export`` goes through ``atomic_files``: the content is written to a
temporary file in the target's own directory (``.NAME.XXXX.tmp``, so the final rename never
crosses a file system), flushed and fsync'ed, and only then renamed onto the target. If the
writer raises - any exception, KeyboardInterrupt (Ctrl-C) included - the temporary files are
removed and no target is touched, so a half-written file never appears under the target name.

Without ``force`` an existing target is refused with ``OutputExists`` before anything is
written, and the final step links the temporary file to the target name (``os.link``), which
fails rather than clobbers if another process created the target in the meantime. With
``force`` the target is replaced (``os.replace``), keeping the old file's permission bits.

Several targets (the node and edge CSV files) are committed together: all are written to
temporary files first, and renamed only when every writer succeeded.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from .errors import CvkgError, InputError


class OutputExists(InputError):
    """The output file exists and --force was not given."""


class OutputError(CvkgError):
    """The output file cannot be written (directory missing, permission denied, disk full)."""

    exit_code = 2


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(paths: Sequence[str], force: bool = False) -> None:
    """Raise ``OutputExists`` / ``OutputError`` now if a target cannot be written."""
    for path in paths:
        if os.path.isdir(path):
            raise OutputError(f"{path}: is a directory")
        if os.path.lexists(path) and not force:
            raise OutputExists(f"{path}: already exists (use --force to overwrite)")
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise OutputError(f"{path}: directory {directory} does not exist")


@contextlib.contextmanager
def atomic_files(paths: Sequence[str], force: bool = False) -> Iterator[list[BinaryIO]]:
    """Open a binary temporary file for each of ``paths``; commit them all on success.

    >>> with atomic_files(["out.ttl"]) as (handle,):      # doctest: +SKIP
    ...     handle.write(b"...")
    """
    paths = [os.fspath(p) for p in paths]
    check_writable(paths, force)
    handles: list[BinaryIO] = []
    temps: list[str] = []
    committed: list[str] = []
    try:
        for path in paths:
            directory = os.path.dirname(os.path.abspath(path))
            try:
                fd, temp = tempfile.mkstemp(
                    dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
                )
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
            temps.append(temp)
            handles.append(os.fdopen(fd, "wb"))
        yield handles
        for handle, path in zip(handles, paths):
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
            handle.close()
        for temp, path in zip(temps, paths):
            _commit(temp, path, force)
            committed.append(path)
    except BaseException:
        for handle in handles:
            with contextlib.suppress(Exception):
                handle.close()
        for temp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        if not force:  # a group that failed half-way: take back the files it created
            for path in committed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        raise


def _commit(temp: str, path: str, force: bool) -> None:
    """Move ``temp`` to ``path`` with the permissions a new (or the replaced) file would have."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        os.chmod(temp, mode)
        if force:
            os.replace(temp, path)
            return
        try:
            os.link(temp, path)  # fails if the target appeared meanwhile: never clobber
        except FileExistsError:
            raise OutputExists(f"{path}: already exists (use --force to overwrite)") from None
        except OSError:
            # File systems without hard links: re-check, then rename.
            if os.path.lexists(path):
                raise OutputExists(f"{path}: already exists (use --force to overwrite)") from None
            os.replace(temp, path)
            return
        os.unlink(temp)
    except CvkgError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def write_bytes(path: str, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_files([path], force) as (handle,):
        handle.write(data)
