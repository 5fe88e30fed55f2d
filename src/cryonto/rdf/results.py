"""One query-result type for every answer: embedded store, isolated child or remote endpoint.

`QueryResult` holds the answer to any query form as RDF terms (`kind` says which
form answered) and turns it into plain Python values on request: `values()`,
`dicts()`, `column()` and, when pandas is installed, `to_dataframe()`.
`SelectResult` (what `GraphStore.select` returns) is the same type.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pyoxigraph import BlankNode, NamedNode, Triple
from pyoxigraph import Literal as RdfLiteral

#: one RDF term as it appears in a SELECT row
Term = NamedNode | BlankNode | RdfLiteral
#: a term turned into a plain Python value (see `to_python`)
Value = str | int | float | bool | None
#: the query forms an answer can come from (DESCRIBE answers are 'construct' too)
Kind = Literal["select", "ask", "construct"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {
    _XSD + "integer": int,
    _XSD + "int": int,
    _XSD + "long": int,
    _XSD + "nonNegativeInteger": int,
    _XSD + "decimal": float,
    _XSD + "double": float,
    _XSD + "float": float,
}


@dataclass
class QueryResult:
    """The answer to any query form, from the embedded store or a remote endpoint.

    `kind` is 'select', 'ask' or 'construct' (DESCRIBE answers are 'construct' too).
    A SELECT answer has `variables` and `rows` (one term or None per variable), an ASK
    answer `boolean`, a CONSTRUCT answer `triples`.
    """

    kind: Kind
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "construct":
            return len(self.triples)
        return 1

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        """The SELECT rows (an ASK or CONSTRUCT answer has none)."""
        return iter(self.rows)

    def values(self) -> list[tuple[Value, ...]]:
        """SELECT rows with plain Python values (IRIs and strings as str, numbers as numbers)."""
        return [tuple(to_python(term) for term in row) for row in self.rows]

    def dicts(self) -> list[dict[str, Value]]:
        """SELECT rows as variable -> plain value (None where unbound)."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.values()]

    def column(self, name: str) -> list[Value]:
        """One variable's plain values, row by row."""
        index = self.variables.index(name)
        return [row[index] for row in self.values()]

    def records(self) -> Iterator[dict[str, Term | None]]:
        """SELECT rows as variable -> RDF term (None where unbound)."""
        for row in self.rows:
            yield dict(zip(self.variables, row, strict=True))

    def to_dataframe(self) -> Any:  # a pandas.DataFrame (pandas is optional and untyped)
        """SELECT rows as a pandas DataFrame of plain values (needs pandas installed)."""
        try:  # imported only here: pandas is optional, and slow to import
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.values(), columns=list(self.variables))


#: what `GraphStore.select` returns: the same type (kind 'select')
SelectResult = QueryResult


def to_python(term: object) -> Value:
    """A term as a plain value: IRIs and strings as str, numbers as numbers, blank nodes _:x."""
    if term is None:
        return None
    if isinstance(term, RdfLiteral):
        dt = term.datatype.value
        if dt in _NUMERIC:
            try:
                number: int | float = _NUMERIC[dt](term.value)
                return number
            except ValueError:
                return term.value
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return str(term)
