"""Plain Python values for RDF terms, so that output code needs no rdflib.

``to_value`` maps an IRI to ``Iri`` (a str that output may shorten to a prefixed name), a
numeric literal to int or float, a boolean to bool, any other literal to its lexical form, a
blank node to ``_:id`` and None (unbound) to None.
"""

from __future__ import annotations

from typing import Union

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import compact


class Iri(str):
    """A full IRI. ``str`` methods see the full IRI; ``short`` is the prefixed form."""

    @property
    def short(self) -> str:
        return compact(self)


Value = Union[None, str, int, float, bool, Iri]

_INTEGER_TYPES = {
    XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger,
    XSD.positiveInteger, XSD.nonPositiveInteger, XSD.negativeInteger, XSD.unsignedInt,
    XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte,
}
_FLOAT_TYPES = {XSD.decimal, XSD.double, XSD.float}


def to_value(term: object) -> Value:
    """Convert an rdflib term (or None) to a plain value."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        datatype = term.datatype
        try:
            if datatype in _INTEGER_TYPES:
                return int(str(term))
            if datatype in _FLOAT_TYPES:
                return float(str(term))
            if datatype == XSD.boolean:
                return str(term).strip().lower() in ("true", "1")
        except ValueError:
            return str(term)
        return str(term)
    return str(term)


def row_values(row: tuple) -> list[Value]:
    return [to_value(t) for t in row]
