"""RDF out of the wall: triples as bytes in a named format, with prefixes where they help."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox

#: formats whose documents are easier to read with prefixes
PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG)


def serialize_triples(triples: Iterable[ox.Triple], fmt: ox.RdfFormat,
                      prefixes: Mapping[str, str] | None = None) -> bytes:
    """Triples (or default-graph quads) as a document; `prefixes` only where `fmt` has them."""
    chosen = dict(prefixes) if prefixes and fmt in PREFIXED else None
    return ox.serialize(triples, format=fmt, prefixes=chosen) or b""
