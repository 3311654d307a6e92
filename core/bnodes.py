"""Blank-node structures: the triples of a graph grouped so that triples connected through
shared blank nodes stay together (for set differences and for uploads in chunks).

Works on any kind of triple: ``blanks(triple)`` names the blank nodes a triple mentions (rdflib
terms for a Graph, labels parsed from an N-Triples line for cvkg push's stream)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

from rdflib import BNode, Graph

T = TypeVar("T")


def rdflib_blanks(triple: tuple) -> list:
    """The blank nodes of an rdflib triple (subject, object)."""
    return [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]


class _Components:
    """Union-find over blank nodes; each triple that mentions one is kept with its structure."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.linked: list = []

    def find(self, node: Hashable) -> Hashable:
        parent = self.parent
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def add(self, triple, nodes: list) -> None:
        self.linked.append((triple, nodes[0]))
        root = self.find(nodes[0])
        for other in nodes[1:]:
            other_root = self.find(other)
            if other_root != root:
                self.parent[other_root] = root

    def groups(self) -> dict:
        out: dict = {}
        for triple, node in self.linked:
            out.setdefault(self.find(node), []).append(triple)
        return out


def bnode_components(graph: Graph) -> tuple[set[tuple], dict[object, list[tuple]]]:
    """The ground triples of ``graph``, and its triples with blank nodes grouped by the blank
    node structure they belong to (triples connected through shared blank nodes)."""
    ground: set[tuple] = set()
    components = _Components()
    for triple in graph:
        nodes = rdflib_blanks(triple)
        if nodes:
            components.add(triple, nodes)
        else:
            ground.add(triple)
    return ground, components.groups()


def batches(triples: Iterable[T], size: int, blanks: Callable[[T], list]) -> Iterator[list[T]]:
    """``triples`` in lists of about ``size``, each blank node structure whole in one list (it
    may make a list longer than ``size``). Ground triples go out as they come, so memory holds
    one list and the triples with blank nodes, not the graph; the structures come last."""
    components = _Components()
    batch: list[T] = []
    for triple in triples:
        nodes = blanks(triple)
        if nodes:
            components.add(triple, nodes)
            continue
        batch.append(triple)
        if len(batch) >= size:
            yield batch
            batch = []
    for group in components.groups().values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch
