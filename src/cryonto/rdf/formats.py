"""Answers as bytes and back: SPARQL results documents, RDF documents, N-Triples.

The engine's own parsers and serializers stay behind the wall: the remote client
hands a response body and its media type here and gets a `QueryResult` or triples
back; the isolated child process (`cryonto.sandbox`) serializes its answer with
`answer_bytes` and the parent reads it with `answer_from_bytes`.

pyoxigraph result objects must be dropped on the thread that made them (the HTTP
endpoint runs queries on worker threads), so none outlives the function that made it,
not even in a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from cryonto.rdf.results import QueryResult, Term
from cryonto.rdf.store import GraphStore

_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: media type of a CONSTRUCT/DESCRIBE answer -> RDF format (default Turtle)
_RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/n3": ox.RdfFormat.N3,
    "text/rdf+n3": ox.RdfFormat.N3,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
#: media type of a SELECT/ASK answer -> results format (default JSON)
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def parse_rdf(body: bytes, media_type: str) -> list[ox.Triple]:
    """The triples of an RDF document (a CONSTRUCT/DESCRIBE answer); Turtle if the type is unknown.

    Raises `SyntaxError` or `ValueError` for a document that does not parse.
    """
    fmt = _RDF_TYPES.get(media_type, ox.RdfFormat.TURTLE)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]


def parse_results(body: bytes, media_type: str, form: str | None = None) -> QueryResult:
    """A SPARQL results document (JSON if the type is unknown) as a 'select' or 'ask' result.

    With `form` ('SELECT' or 'ASK'), an answer of the other shape is refused. Raises
    `SyntaxError`, `ValueError` or `TypeError` for a document that does not parse.
    """
    fmt = _RESULT_TYPES.get(media_type, ox.QueryResultsFormat.JSON)
    parsed = None
    try:
        parsed = ox.parse_query_results(body, format=fmt)
        if isinstance(parsed, ox.QueryBoolean):
            if form not in (None, "ASK"):
                raise ValueError("a boolean answer to a SELECT query")
            return QueryResult("ask", boolean=bool(parsed))
        if form == "ASK":
            raise ValueError("solutions instead of a boolean answer to an ASK query")
        variables = [v.value for v in parsed.variables]
        rows = [tuple(solution[v] for v in variables) for solution in parsed]
        return QueryResult("select", variables=variables, rows=rows)
    finally:
        del parsed


def ntriples_bytes(triples: Iterable[ox.Triple]) -> bytes:
    """Triples as an N-Triples document (UTF-8)."""
    return _written(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def answer_bytes(store: GraphStore, text: str) -> bytes:
    """Run a query; its answer as N-Triples (``C``), SPARQL results TSV (``T``) or JSON (``S``).

    For the isolated child process: the bytes cross the pipe, `answer_from_bytes`
    reads them. SELECT answers go as TSV because the parent reads it several times
    faster than JSON (`_rows_from_tsv`); ASK answers, and a SELECT without variables
    (whose TSV rows would be empty lines), go as JSON. Raises what the engine raises
    (`CryontoError` for a syntax error, `OSError`/`RuntimeError` when evaluation fails).
    """
    result = None
    try:
        result = store._query(text)  # the engine serialises its own answer (inside the wall)
        if isinstance(result, ox.QueryTriples):
            return b"C" + _written(result.serialize(format=ox.RdfFormat.N_TRIPLES))
        if isinstance(result, ox.QuerySolutions) and result.variables:
            return b"T" + _written(result.serialize(format=ox.QueryResultsFormat.TSV))
        return b"S" + _written(result.serialize(format=ox.QueryResultsFormat.JSON))
    finally:
        del result


def answer_from_bytes(data: bytes) -> QueryResult:
    """The `QueryResult` that `answer_bytes` serialized."""
    kind, body = data[:1], data[1:]
    if kind == b"C":
        return QueryResult("construct", triples=parse_rdf(body, "application/n-triples"))
    if kind == b"T":
        variables, rows = _rows_from_tsv(body)
        return QueryResult("select", variables=variables, rows=rows)
    return parse_results(body, "application/sparql-results+json")


def _rows_from_tsv(body: bytes) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    """Variables and rows of a SPARQL TSV answer the engine wrote, each distinct term made once.

    Building a term object per cell is what reading a large answer costs (a listing repeats
    its transcripts, codes and coders on every row), so the cells are split as text (TSV
    escapes tab and newline inside terms; an empty cell is unbound) and only the distinct
    ones are made: IRIs and bare integers directly, the rest by the engine's Turtle parser
    (TSV terms are Turtle terms), in one go.
    """
    lines = body.decode("utf-8").split("\n")  # every line ends with one: the last is ""
    variables = [name[1:] for name in lines[0].split("\t")]
    table = [line.split("\t") for line in lines[1:-1]]
    terms: dict[str, Term | None] = {"": None}
    parsed: list[str] = []
    for cell in {cell for row in table for cell in row}:
        if cell.startswith("<") and not cell.startswith("<<"):  # an IRI, written unescaped
            terms[cell] = ox.NamedNode(cell[1:-1])
        elif cell.isascii() and cell.isdigit():  # an xsd:integer, written bare
            terms[cell] = ox.Literal(cell, datatype=_INTEGER)
        elif cell:
            parsed.append(cell)
    document = "".join([f"<urn:x> <urn:x> {cell} .\n" for cell in parsed]).encode("utf-8")
    terms.update(zip(parsed, (quad.object for quad in ox.parse(document,
                                                               format=ox.RdfFormat.TURTLE)),
                     strict=True))
    return variables, [tuple([terms[cell] for cell in row]) for row in table]


def _written(data: bytes | None) -> bytes:
    """What a serializer returned; None only happens when it was given a file to write to."""
    if data is None:  # pragma: no cover - no output argument is ever passed
        raise RuntimeError("the serializer wrote nowhere")
    return data
