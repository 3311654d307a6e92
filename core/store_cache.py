"""Never parse twice: persistent Oxigraph stores, keyed by the content of their input files.

``open_cached(files)`` returns an ``OxigraphStore`` holding the files: the first command on a
set of files parses them into an on-disk store; every later command on the same, unchanged
files re-opens that store read-only, which takes milliseconds whatever its size.

Where: ``$CVKG_CACHE_DIR``, else ``$XDG_CACHE_HOME/clearview-kg``, else
``~/.cache/clearview-kg``; stores live in its ``stores/`` folder. ``CVKG_CACHE_DIR=off`` (or an
empty value) keeps every store in memory, parsed anew by each command; so does a cache folder
that cannot be written (the command still works, only slower).

The key is a SHA-256 over: a layout version, the pyoxigraph version, and for each input file in
load order its format, its base IRI (a file's relative IRIs resolve against its own path) and
the SHA-256 of its content. Any change to any file (the shipped graph included, e.g. after an
upgrade) gives a new key and so a new store. Hashing a large file costs time on every command,
so the content hash of a user's file is remembered in ``hashes.json`` beside its size,
modification time, inode and device, and trusted while those are unchanged - unless the file
was modified less than two seconds before the hash was taken (it could change again within the
same timestamp tick: git's "racy clean" rule), in which case it is hashed anew every time.

Safe when commands run at once: a store is built in a folder of its own
(``building-<key>-<pid>-<random>``) and renamed into place only when complete (rename is atomic);
if two commands build the same store, the first rename wins and the other discards its copy.
Stores are opened read-only, which any number of processes may do together. Ctrl-C, an error or
a malformed file during the build removes the half-built folder; a build killed outright leaves
one, which the next build removes once its process is gone.

Stores not used for a while are pruned: at most ``KEEP`` stores are kept (the most recently
used), and one is removed only when it has not been used for ``PRUNE_AFTER`` seconds (so a
store another command has open is not pulled away).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

from . import oxigraph_store
from .errors import InputError
from .oxigraph_store import Input, OxigraphStore

LAYOUT = "cvkg-store-2"  # 2: the ontology also in its named graph (core.oxigraph_store)
ENV_CACHE_DIR = "CVKG_CACHE_DIR"
KEEP = 4
PRUNE_AFTER = 3600.0
RACY_SECONDS = 2.0
_META = "cvkg-store.json"
_CHUNK = 1 << 20


def cache_root() -> Path | None:
    """The cache folder, or None when caching is off."""
    setting = os.environ.get(ENV_CACHE_DIR)
    if setting is not None:
        if setting.strip().lower() in ("", "off", "none", "0"):
            return None
        return Path(setting).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "clearview-kg"


# --- content hashes --------------------------------------------------------------------------


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashMemo:
    """Remembered content hashes of user files (see the module's docstring)."""

    def __init__(self, root: Path | None) -> None:
        self.path = root / "hashes.json" if root is not None else None
        self.entries: dict[str, dict] = {}
        self.changed = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.entries = {k: v for k, v in loaded.items() if isinstance(v, dict)}
            except (OSError, ValueError):
                pass

    def digest(self, path: str) -> str:
        absolute = os.path.abspath(path)
        stat = os.stat(absolute)
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev]
        entry = self.entries.get(absolute)
        if entry and entry.get("stat") == signature and entry.get("sha256"):
            return entry["sha256"]
        before = time.time_ns()
        digest = _sha256_file(absolute)
        if before - stat.st_mtime_ns > RACY_SECONDS * 1e9:
            self.entries[absolute] = {"stat": signature, "sha256": digest}
            self.changed = True
        return digest

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        tmp = self.path.with_name(f".hashes-{os.getpid()}-{secrets.token_hex(4)}.json")
        try:
            tmp.write_text(json.dumps(self.entries, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


def store_key(files: list[Input], memo: HashMemo) -> str:
    """The key of the store that holds ``files`` (see the module's docstring)."""
    digest = hashlib.sha256()
    digest.update(f"{LAYOUT}\0{ox.__version__}\0".encode())
    for item in files:
        if item.packaged is not None:
            content = hashlib.sha256(item.packaged.read_bytes()).hexdigest()
        else:
            content = memo.digest(item.path)
        digest.update(f"{item.fmt}\0{item.base or ''}\0{content}\0".encode())
    return digest.hexdigest()


# --- building and opening --------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned(stores: Path) -> None:
    """Half-built folders left by builds that were killed outright."""
    for folder in stores.glob("building-*"):
        parts = folder.name.split("-")
        try:
            pid = int(parts[2])
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _prune(stores: Path, keep: str) -> None:
    found = []
    for folder in stores.iterdir():
        meta = folder / _META
        if folder.name == keep or not meta.is_file():
            continue
        try:
            found.append((meta.stat().st_mtime, folder))
        except OSError:
            continue
    found.sort(reverse=True)
    now = time.time()
    for used, folder in found[KEEP - 1:]:
        if now - used > PRUNE_AFTER:
            shutil.rmtree(folder, ignore_errors=True)


def _build(stores: Path, key: str, files: list[Input]) -> None:
    building = stores / f"building-{key[:16]}-{os.getpid()}-{secrets.token_hex(4)}"
    final = stores / key
    built = None
    try:
        built = ox.Store(str(building))
        oxigraph_store.load_into(built, files, bulk=True)
        built.flush()
        triples = OxigraphStore(built).triple_count()
        built = None
        meta = {
            "layout": LAYOUT,
            "pyoxigraph": ox.__version__,
            "triples": triples,
            "inputs": [{"name": f.name, "format": f.fmt, "base": f.base} for f in files],
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (building / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(building, final)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not (final / _META).is_file():
                raise
            # Another command built the same store first: use theirs.
    finally:
        built = None  # closes RocksDB (its threads may still write files) before the folder goes
        _remove_folder(building)


def _remove_folder(folder: Path) -> None:
    """Remove a store folder; a few tries, as RocksDB may still be closing files in it."""
    for attempt in range(5):
        if attempt:
            time.sleep(0.05 * attempt)
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return


def touch(folder: Path) -> None:
    """Mark the store at ``folder`` as used now (pruning goes by this time)."""
    try:
        os.utime(folder / _META)
    except OSError:
        pass


def _meta(folder: Path) -> dict:
    return json.loads((folder / _META).read_text(encoding="utf-8"))


def stored_triples(folder: Path) -> int | None:
    """The number of triples the store at ``folder`` was built with (from its metadata)."""
    try:
        return _meta(folder).get("triples")
    except (OSError, ValueError):
        return None


def open_folder(folder: Path) -> OxigraphStore:
    """The built store at ``folder``, opened read-only."""
    try:
        triples = _meta(folder).get("triples")
        touch(folder)
        return OxigraphStore(ox.Store.read_only(str(folder)), triples=triples, location=str(folder))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot open the store {folder}: {exc} (remove the folder to rebuild it)") from None


def locate(files: list[Input]) -> Path | None:
    """The folder of the cached store that holds ``files`` (built or not yet), or None when the
    store must live in memory: caching is off, the cache cannot be written, or an input (stdin,
    a pipe) cannot be hashed. Hashes the files; never opens a store."""
    root = cache_root()
    stores = root / "stores" if root is not None else None
    if stores is not None:
        try:
            stores.mkdir(parents=True, exist_ok=True)
            if not os.access(stores, os.W_OK | os.X_OK):
                stores = None
        except OSError:
            stores = None
    if stores is None or any(f.packaged is None and not f.streamable for f in files):
        return None
    memo = HashMemo(root)
    key = store_key(files, memo)
    memo.save()
    return stores / key


def is_built(folder: Path) -> bool:
    return (folder / _META).is_file()


def build(folder: Path, files: list[Input]) -> None:
    """Build the store at ``folder`` (from ``locate``) unless it is there already."""
    if is_built(folder):
        return
    stores = folder.parent
    _remove_abandoned(stores)
    try:
        _build(stores, folder.name, files)
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)) and exc.filename and \
                not str(exc.filename).startswith(str(stores)):
            raise InputError(f"{exc.filename}: {exc.strerror}") from None
        raise InputError(f"cannot build the store in {stores}: {exc.strerror or exc} "
                         f"(set {ENV_CACHE_DIR}=off to keep it in memory)") from None
    _prune(stores, folder.name)


def open_cached(files: list[Input]) -> OxigraphStore:
    """The store holding ``files``: re-opened from the cache, built into it, or (when the cache
    is off or cannot be written) built in memory."""
    folder = locate(files)
    if folder is None:
        return OxigraphStore.from_inputs(files)
    build(folder, files)
    return open_folder(folder)
