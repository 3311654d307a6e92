"""Where the packaged data files are: ontology, graph, shapes, named queries, corpus.

Everything is read through importlib.resources, so it works the same from a source tree, an
editable install and a wheel. Each function returns ``PackagedFile`` objects in a stable order
(sorted by file name); ``display`` is the path users see in messages ("graph/actors.ttl").
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

# "clearview_kg" (this module is clearview_kg.core.resources).
PACKAGE = __name__.rsplit(".", 2)[0]


@dataclass(frozen=True)
class PackagedFile:
    """A data file shipped inside the package."""

    folder: str  # "graph", "ontology", "shapes", "queries", "graph/corpus"
    name: str  # file name, e.g. "actors.ttl"
    resource: Traversable

    @property
    def display(self) -> str:
        return f"{self.folder}/{self.name}"

    def read_bytes(self) -> bytes:
        return self.resource.read_bytes()

    def read_text(self) -> str:
        return self.resource.read_bytes().decode("utf-8")


def _folder(folder: str, suffix: str) -> list[PackagedFile]:
    package = f"{PACKAGE}.{folder.replace('/', '.')}"
    try:
        root = resources.files(package)
    except ModuleNotFoundError:  # pragma: no cover - broken installation
        return []
    found = [
        PackagedFile(folder, entry.name, entry)
        for entry in root.iterdir()
        if entry.is_file() and entry.name.endswith(suffix) and not entry.name.startswith(".")
    ]
    return sorted(found, key=lambda f: f.name)


def ontology_files() -> list[PackagedFile]:
    """The ontology (ontology/*.ttl)."""
    return _folder("ontology", ".ttl")


def graph_files() -> list[PackagedFile]:
    """The facts (graph/*.ttl)."""
    return _folder("graph", ".ttl")


def shapes_files() -> list[PackagedFile]:
    """The SHACL shapes (shapes/*.ttl)."""
    return _folder("shapes", ".ttl")


def query_files() -> list[PackagedFile]:
    """The named queries (queries/*.rq)."""
    return _folder("queries", ".rq")


def corpus_files() -> list[PackagedFile]:
    """The source texts (graph/corpus/*.txt)."""
    return _folder("graph/corpus", ".txt")


def corpus_text(file_name: str) -> str | None:
    """The decoded text of one source file in graph/corpus, or None if there is none."""
    for f in corpus_files():
        if f.name == file_name:
            return f.read_text()
    return None
