"""The project's JSON-LD context: published at CONTEXT_IRI, shipped as core/assets/context.jsonld.

Both directions use it: exports refer to it by IRI, and the reader swaps that IRI for the
packaged copy before parsing, so that reading our own JSON-LD never fetches anything.
"""

from __future__ import annotations

import json
from importlib import resources as importlib_resources
from typing import Any

CONTEXT_IRI = "https://w3id.org/clearview-kg/context.jsonld"


def context_bytes() -> bytes:
    """The packaged JSON-LD context document (core/assets/context.jsonld)."""
    package = __name__.rsplit(".", 1)[0] + ".assets"
    return importlib_resources.files(package).joinpath("context.jsonld").read_bytes()


def context_document() -> dict[str, Any]:
    """The packaged context document: ``{"@context": {prefix: namespace, ...}}``."""
    return json.loads(context_bytes().decode("utf-8"))


def inline_known_context(document: Any) -> Any:
    """Replace every reference to our published context IRI by the packaged context.

    Other contexts are left as they are (a reader should refuse remote ones)."""
    local = context_document()["@context"]

    def swap(context: Any) -> Any:
        if context == CONTEXT_IRI:
            return local
        if isinstance(context, list):
            return [swap(c) for c in context]
        return context

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                out[key] = swap(value) if key == "@context" else walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(document)
