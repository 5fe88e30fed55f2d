"""pySHACL behind the wall: validate a data graph given as RDF bytes against shapes.

The data comes as bytes in an RDF syntax (usually N-Triples from
`GraphStore.dump`), the shapes as a file or bytes; the results come back as
plain strings (`ShaclFinding`), so callers never see an rdflib term.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryonto.errors import CryontoError


@dataclass(frozen=True)
class ShaclFinding:
    """One sh:ValidationResult, as text."""

    focus: str  # the focus node (an IRI, blank node id or literal value); "" if none
    value: str  # sh:value as text; "" if none
    message: str | None  # sh:resultMessage
    severity: str | None  # the IRI of sh:resultSeverity
    #: sh:resultPath as a prefixed name (the report graph's prefixes), when it is an IRI
    path: str | None = None


def validate(data: bytes, shapes: Path | bytes, *, data_format: str = "nt",
             shapes_format: str = "turtle") -> list[ShaclFinding]:
    """pySHACL (no inference, warnings allowed) on `data` against `shapes`.

    Shapes that cannot be parsed raise `CryontoError` naming the shapes file.
    """
    import pyshacl
    import rdflib
    from rdflib.namespace import SH

    shapes_graph = rdflib.Graph()
    try:
        if isinstance(shapes, Path):
            shapes_graph.parse(shapes, format=shapes_format)
        else:
            shapes_graph.parse(data=shapes, format=shapes_format)
    except Exception as error:  # rdflib raises many parser error types
        where = str(shapes) if isinstance(shapes, Path) else None
        raise CryontoError(f"cannot read SHACL shapes: {error}", where) from None
    data_graph = rdflib.Graph()
    data_graph.parse(data=data, format=data_format)
    _conforms, results, _report_text = pyshacl.validate(
        data_graph, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    found = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        found.append(ShaclFinding(
            focus=_text(results.value(result, SH.focusNode)),
            value=_text(results.value(result, SH.value)),
            message=str(message) if message is not None else None,
            severity=str(severity) if severity is not None else None,
            path=(path.n3(results.namespace_manager) if isinstance(path, rdflib.URIRef)
                  else None)))
    return found


def _text(term: object) -> str:
    return "" if term is None else str(term)


__all__ = ["ShaclFinding", "validate"]
