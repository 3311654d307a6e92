"""Blank-node structures: the triples of a graph grouped so that triples connected through
shared blank nodes stay together (for set differences and for uploads in chunks)."""

from __future__ import annotations

from rdflib import BNode, Graph


def bnode_components(graph: Graph) -> tuple[set[tuple], dict[object, list[tuple]]]:
    """The ground triples of ``graph``, and its triples with blank nodes grouped by the blank
    node structure they belong to (triples connected through shared blank nodes)."""
    parent: dict = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    ground: set[tuple] = set()
    linked: list[tuple] = []
    for triple in graph:
        nodes = [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]
        if not nodes:
            ground.add(triple)
            continue
        linked.append(triple)
        root = find(nodes[0])
        for other in nodes[1:]:
            other_root = find(other)
            if other_root != root:
                parent[other_root] = root
    groups: dict[object, list[tuple]] = {}
    for triple in linked:
        node = triple[0] if isinstance(triple[0], BNode) else triple[2]
        groups.setdefault(find(node), []).append(triple)
    return ground, groups
