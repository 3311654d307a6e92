"""Plain Python values for RDF terms, so that output code needs no rdflib.

``to_value`` maps an IRI to ``Iri`` (a str that output may shorten to a prefixed name), a
numeric literal to int or float, a boolean to bool, any other literal to its lexical form, a
blank node to ``_:id`` and None (unbound) to None.
"""

from __future__ import annotations

from typing import Union

# rdflib is imported when the first RDF term is converted (an rdflib term exists only once
# rdflib is loaded), so output code that never sees one - ``cvkg queries``, ``cvkg --help`` -
# does not load it.


#: Between the items of a value that lists several (the named queries' GROUP_CONCAT).
LIST_SEPARATOR = " | "


class Iri(str):
    """A full IRI. ``str`` methods see the full IRI; ``short`` is the prefixed form."""

    @property
    def short(self) -> str:
        from .namespaces import compact

        return compact(self)


Value = Union[None, str, int, float, bool, Iri]

_TYPES: tuple | None = None  # (URIRef, BNode, Literal, integer types, float types, xsd:boolean)


def _rdf_types() -> tuple:
    global _TYPES
    if _TYPES is None:
        from rdflib import BNode, Literal, URIRef
        from rdflib.namespace import XSD

        integers = frozenset({
            XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger,
            XSD.positiveInteger, XSD.nonPositiveInteger, XSD.negativeInteger, XSD.unsignedInt,
            XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte,
        })
        floats = frozenset({XSD.decimal, XSD.double, XSD.float})
        _TYPES = (URIRef, BNode, Literal, integers, floats, XSD.boolean)
    return _TYPES


def to_value(term: object) -> Value:
    """Convert an rdflib term (or None) to a plain value."""
    if term is None:
        return None
    uriref, bnode, literal, integers, floats, boolean = _rdf_types()
    if isinstance(term, uriref):
        return Iri(str(term))
    if isinstance(term, bnode):
        return f"_:{term}"
    if isinstance(term, literal):
        datatype = term.datatype
        try:
            if datatype in integers:
                return int(str(term))
            if datatype in floats:
                return float(str(term))
            if datatype == boolean:
                return str(term).strip().lower() in ("true", "1")
        except ValueError:
            return str(term)
        return str(term)
    return str(term)


def row_values(row: tuple) -> list[Value]:
    return [to_value(t) for t in row]
