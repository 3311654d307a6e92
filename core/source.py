"""What a command reads, as given on its command line: local files (the shipped graph and
``--data``) or a SPARQL endpoint (``--endpoint``, ``--graph``, ``--timeout``).

This module imports nothing heavy (no rdflib, no pyoxigraph), so the command line can build a
``Source`` for every command without loading the RDF stack; ``Source.open()`` imports
``core.store`` only when a command first needs the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InputError

#: The graph ``cvkg push`` writes and ``--endpoint`` reads when no ``--graph`` is given.
DEFAULT_GRAPH = "https://w3id.org/clearview-kg/graph"
#: Seconds to wait for a SPARQL endpoint.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Source:
    """What a command reads, as given on the command line; ``open()`` makes the Store."""

    data: tuple[str, ...] = ()
    include_shipped: bool = True
    endpoint: str | None = None
    graphs: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    _opened: list = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.endpoint is not None:
            if self.data or not self.include_shipped:
                raise InputError(
                    "--data and --no-shipped read local files and cannot be combined with --endpoint "
                    "(publish your files with 'cvkg push --data FILE --endpoint URL')"
                )
        elif self.graphs:
            raise InputError("--graph needs --endpoint URL")

    @property
    def remote(self) -> bool:
        return self.endpoint is not None

    def open(self):
        """The store (``core.store.Store``), opened once; later calls return the same one."""
        if not self._opened:
            from .store import open_store

            self._opened.append(open_store(self))
        return self._opened[0]

    def graph(self):
        """Shortcut: the store's rdflib graph."""
        return self.open().graph()
