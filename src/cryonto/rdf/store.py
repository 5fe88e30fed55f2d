"""The one graph store every command uses: load fast, query, serialize.

Backed by pyoxigraph (Rust): it loads and answers SPARQL about 20x faster
than rdflib on coded datasets of 10^5+ segments. If the engine ever changes,
only this module changes. The ontology lives in its own named graph; each
loaded data file gets a named graph too, and queries see the union of all
graphs as their default graph unless told otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf.results import QueryResult, Term
from cryonto.readers.xmlsafe import file_chunks, refuse_xml_entities
from cryonto.vocab import ONTOLOGY_GRAPH

if TYPE_CHECKING:  # rdflib is loaded only for the pySHACL bridge (slow to import)
    import rdflib

#: file extension -> pyoxigraph format
_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def is_iri(text: str) -> bool:
    """Whether the engine takes `text` as an IRI (control bytes, bad escapes: no)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def rdf_format_for(path: Path | str) -> ox.RdfFormat:
    suffix = Path(path).suffix.lower()
    try:
        return _FORMATS[suffix]
    except KeyError:
        known = ", ".join(sorted(_FORMATS))
        raise CryontoError(
            f"unknown RDF file type {suffix or '(none)'!r}; expected one of {known}", str(path)
        ) from None


def graph_iri_for(path: Path | str) -> ox.NamedNode:
    """The named graph a data file is loaded into: its absolute file: IRI."""
    return ox.NamedNode(Path(path).resolve().as_uri())


@dataclass
class Stream:
    """A query's answer as it comes: `kind` is 'ask', 'select' or 'construct'.

    `items` yields rows (one term or None per variable) or triples, once.
    """

    kind: str
    boolean: bool | None = None
    variables: list[str] = field(default_factory=list)
    items: Iterator[Any] = field(default_factory=lambda: iter(()))
    _raw: object = None

    def boolean_document(self, fmt: ox.QueryResultsFormat) -> bytes:
        """An ASK answer in a SPARQL results format (JSON, XML, CSV, TSV)."""
        document: bytes = self._raw.serialize(format=fmt)  # type: ignore[attr-defined]
        return document


class GraphStore:
    """An in-memory (or on-disk) RDF dataset with the cryonto ontology in it."""

    #: whether every term read out costs a read from disk (`DiskStore`)
    on_disk = False

    def __init__(self, path: Path | str | None = None) -> None:
        self._store = ox.Store(str(path)) if path else ox.Store()
        self.on_disk = bool(path)

    # -- building ---------------------------------------------------------
    @classmethod
    def with_ontology(cls, data_files: Iterable[Path | str] = ()) -> GraphStore:
        store = cls()
        store.load_ontology()
        for path in data_files:
            store.load_file(path)
        return store

    def load_ontology(self) -> None:
        for path in resources.ontology_files():
            self.load_file(path, graph=ONTOLOGY_GRAPH)

    def load_file(self, path: Path | str, graph: str | ox.NamedNode | None = None,
                  fmt: ox.RdfFormat | None = None, *, chunk_bytes: int | None = None) -> None:
        """Parse one RDF file into a named graph; a syntax error names file and line.

        Every RDF file cryonto reads comes through here or `load_bytes`, so the
        input guards live here: RDF/XML declaring entities is refused before
        the engine (which would expand them) sees it. On disk, N-Triples and
        N-Quads go in by pieces of `chunk_bytes` (see `BULK_CHUNK_BYTES`).
        """
        path = Path(path)
        fmt = fmt or rdf_format_for(path)
        target = _named(graph) if graph is not None else graph_iri_for(path)
        if not path.is_file():
            raise CryontoError("no such file", str(path))
        try:
            if fmt == ox.RdfFormat.RDF_XML:
                refuse_xml_entities(file_chunks(path), str(path))
            if self.on_disk and fmt in _LINE_FORMATS:
                self._bulk_load_pieces(path, fmt, target, chunk_bytes or BULK_CHUNK_BYTES)
            else:
                self._store.bulk_load(path=str(path), format=fmt, to_graph=target)
        except SyntaxError as error:
            raise CryontoError(f"not valid {fmt.name}: {_first_line(error)}", str(path)) from None
        except MemoryError as error:
            raise CryontoError(_too_big(error), str(path)) from None
        except (OSError, ValueError) as error:
            raise CryontoError(f"cannot read: {_first_line(error)}", str(path)) from None

    def _bulk_load_pieces(self, path: Path, fmt: ox.RdfFormat, target: ox.NamedNode,
                          size: int) -> None:
        """Bulk-load a line-based file by pieces cut at line ends, to bound the engine's batch.

        The engine names a file's blank nodes afresh on every load, so from the first piece
        in which `_:` occurs (in a literal too, which only costs the bound) the rest of the
        file goes in at once; the engine numbers an error's line within what it was given:
        made the file's line here.
        """
        done = before = 0
        for piece in _line_pieces(path, size):
            if b"_:" in piece:
                with path.open("rb") as rest:
                    rest.seek(done)
                    self._bulk_load_counted(rest, fmt, target, before)
                return
            self._bulk_load_counted(piece, fmt, target, before)
            done += len(piece)
            before += piece.count(b"\n")

    def _bulk_load_counted(self, data: bytes | BinaryIO, fmt: ox.RdfFormat,
                           target: ox.NamedNode, before: int) -> None:
        """One bulk load of part of a file that starts after `before` lines."""
        try:
            self._store.bulk_load(data, format=fmt, to_graph=target)
        except SyntaxError as error:
            raise SyntaxError(_shift_lines(_first_line(error), before)) from None

    def load_bytes(
        self, data: bytes | str, fmt: ox.RdfFormat, graph: str | ox.NamedNode | None = None,
        name: str = "<input>",
    ) -> None:
        target = _named(graph) if graph is not None else ox.DefaultGraph()
        try:
            if fmt == ox.RdfFormat.RDF_XML:
                raw = data.encode("utf-8") if isinstance(data, str) else data
                refuse_xml_entities([raw], name)
            self._store.load(data, format=fmt, to_graph=target)
        except SyntaxError as error:
            raise CryontoError(f"not valid {fmt.name}: {_first_line(error)}", name) from None
        except MemoryError as error:
            raise CryontoError(_too_big(error), name) from None

    def load_ntriples(self, lines: Iterator[str], graph: str | ox.NamedNode | None = None) -> None:
        """Stream generated N-Triples lines in (coded data is built as text, see ntriples)."""
        from cryonto.rdf.ntriples import line_stream

        target = _named(graph) if graph is not None else ox.DefaultGraph()
        try:
            self._store.load(line_stream(lines), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        except SyntaxError as error:
            raise CryontoError(f"cannot express as RDF: {_first_line(error)}") from None

    def add_rdflib(self, graph: rdflib.Graph, to_graph: str | ox.NamedNode | None = None) -> None:
        """Copy an rdflib graph in (via N-Triples, which both sides parse fast)."""
        self.load_bytes(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES,
                        to_graph)

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._store)

    def graphs(self) -> list[str]:
        return [g.value for g in self._store.named_graphs()]

    def select(
        self, sparql: str, bindings: Mapping[str, object] | None = None, *, union: bool = True
    ) -> QueryResult:
        """Run a SELECT; `bindings` pre-bind variables (safe: no text is pasted)."""
        result = self._run(sparql, bindings, union)
        if not isinstance(result, ox.QuerySolutions):
            raise CryontoError("not a SELECT query")
        return _select_result(result)

    def ask(self, sparql: str, bindings: Mapping[str, object] | None = None,
            *, union: bool = True) -> bool:
        result = self._run(sparql, bindings, union)
        if not isinstance(result, ox.QueryBoolean):
            raise CryontoError("not an ASK query")
        return bool(result)

    def construct(self, sparql: str, bindings: Mapping[str, object] | None = None,
                  *, union: bool = True) -> list[ox.Triple]:
        result = self._run(sparql, bindings, union)
        if not isinstance(result, ox.QueryTriples):
            raise CryontoError("not a CONSTRUCT or DESCRIBE query")
        return list(result)

    def run(self, sparql: str) -> QueryResult:
        """Any query form (union default graph); the answer as a `QueryResult`.

        The engine's result object is consumed and dropped here, on the calling thread
        (pyoxigraph objects must be freed on the thread that made them).
        """
        result = None
        try:
            result = self._run(sparql, None, True)
            if isinstance(result, ox.QuerySolutions):
                return _select_result(result)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(result))
            return QueryResult("construct", triples=list(result))
        finally:
            del result

    def stream(self, sparql: str, bindings: Mapping[str, object] | None = None,
               *, union: bool = True, default_graph: Sequence[str] | None = None,
               named_graphs: Sequence[str] | None = None,
               base_iri: str | None = None) -> Stream:
        """Any query form, answered as it comes (rows or triples to iterate once).

        For callers that must not hold a whole answer (the endpoint cuts answers
        at a row and byte limit). `default_graph`/`named_graphs` set the SPARQL
        dataset (the protocol's default-graph-uri / named-graph-uri); given, they
        replace the union.
        """
        result = self._query(sparql, bindings, union=union, default_graph=default_graph,
                             named_graphs=named_graphs, base_iri=base_iri)
        if isinstance(result, ox.QueryBoolean):
            return Stream("ask", boolean=bool(result), _raw=result)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = (tuple(solution[v] for v in variables) for solution in result)
            return Stream("select", variables=variables, items=rows)
        return Stream("construct", items=iter(result))

    def _query(self, sparql: str, bindings: Mapping[str, object] | None = None,
               *, union: bool = True, default_graph: Sequence[str] | None = None,
               named_graphs: Sequence[str] | None = None, base_iri: str | None = None
               ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """The engine's own answer object (kept inside the wall: see `stream`)."""
        dataset: dict[str, Any] = {}
        if default_graph is not None or named_graphs is not None:
            dataset["default_graph"] = [_named(g) for g in default_graph or ()]
            dataset["named_graphs"] = [_named(g) for g in named_graphs or ()]
            union = False
        if base_iri:
            dataset["base_iri"] = base_iri
        return self._run(sparql, bindings, union, **dataset)

    def _run(self, sparql: str, bindings: Mapping[str, object] | None, union: bool,
             **dataset: Any) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        if bindings:
            sparql = bind_values(sparql, bindings)
        try:
            answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples = self._store.query(
                sparql, use_default_graph_as_union=union, **dataset)
            return answer
        except SyntaxError as error:
            raise CryontoError(f"SPARQL syntax error: {_first_line(error)}") from None

    # -- writing ----------------------------------------------------------
    def to_rdflib(self, graph: str | ox.NamedNode | None = None) -> rdflib.Graph:
        """All quads (or one named graph) as an rdflib Graph, for pySHACL and serializers."""
        import rdflib

        out = rdflib.Graph()
        data = self.serialize_bytes(ox.RdfFormat.N_TRIPLES if graph else ox.RdfFormat.N_QUADS,
                                    graph)
        if graph:
            out.parse(data=data, format="nt")
        else:
            ds = rdflib.Dataset()
            ds.parse(data=data, format="nquads")
            for s, p, o, _ in ds.quads((None, None, None, None)):
                out.add((s, p, o))
        return out

    def serialize_bytes(self, fmt: ox.RdfFormat, graph: str | ox.NamedNode | None = None,
                        prefixes: Mapping[str, str] | None = None) -> bytes:
        """One graph, or (as a triple format) every graph merged, or the whole dataset."""
        chosen = dict(prefixes) if prefixes else None
        if graph is not None:
            target = ox.DefaultGraph() if graph == "" else _named(graph)
            return self._store.dump(format=fmt, from_graph=target, prefixes=chosen) or b""
        if fmt.supports_datasets:
            return self._store.dump(format=fmt, prefixes=chosen) or b""
        # a triple format for the whole dataset: merge every graph
        merged = ox.Store()
        merged.extend(ox.Quad(q.subject, q.predicate, q.object) for q in self._store)
        return merged.dump(format=fmt, from_graph=ox.DefaultGraph(), prefixes=chosen) or b""

    dump = serialize_bytes

    # -- quads ------------------------------------------------------------
    def quads(self, subject: ox.NamedNode | ox.BlankNode | None = None,
              predicate: ox.NamedNode | None = None,
              obj: Term | None = None, graph: str | ox.NamedNode | None = None
              ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), in any graph."""
        return self._store.quads_for_pattern(
            subject, predicate, obj, _named(graph) if graph is not None else None)

    def has(self, subject: ox.NamedNode | ox.BlankNode | None = None,
            predicate: ox.NamedNode | None = None,
            obj: Term | None = None) -> bool:
        return next(iter(self.quads(subject, predicate, obj)), None) is not None

    def add(self, quads: Iterable[ox.Quad]) -> None:
        self._store.extend(quads)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for quad in list(quads):
            self._store.remove(quad)

    def clear_graph(self, graph: str | ox.NamedNode) -> None:
        """Drop one named graph and everything in it (no-op if absent)."""
        target = _named(graph)
        if self._store.contains_named_graph(target):
            self._store.remove_graph(target)


def bind_values(sparql: str, bindings: Mapping[str, object]) -> str:
    """Bind variables by a VALUES block at the top of the WHERE clause.

    The values are serialized as RDF terms by pyoxigraph (escaped), never pasted
    as text, so a parameter cannot change the query's structure. A single variable
    bound to a list gets one row per item. A VALUES block
    joins with the whole WHERE group, so it also constrains aggregates, which
    SEP-0007 substitution (projected variables only) does not allow.
    """
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CryontoError(f"invalid parameter name {name!r}")
    position = where_brace(sparql)
    if position is None:
        raise CryontoError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{name}" for name in bindings)
    values = list(bindings.values())
    if len(values) == 1 and isinstance(values[0], list | tuple):  # one variable, many rows
        rows = " ".join(f"({to_term(value)})" for value in values[0])
        block = f" VALUES ({names}) {{ {rows} }} "
    else:
        terms = " ".join(str(to_term(value)) for value in values)
        block = f" VALUES ({names}) {{ ({terms}) }} "
    return sparql[: position + 1] + block + sparql[position + 1 :]


def where_brace(sparql: str) -> int | None:
    """Index of the `{` opening the top-level WHERE group (skips strings, IRIs, comments)."""
    i, n, depth = 0, len(sparql), 0
    first_brace: int | None = None
    saw_where = False
    is_construct = re.match(r"\s*(?:(?:PREFIX|BASE)[^\n]*\n\s*|#[^\n]*\n\s*)*CONSTRUCT\b",
                            sparql, re.IGNORECASE) is not None
    braces_seen = 0
    while i < n:
        c = sparql[i]
        if c == "#":
            i = sparql.find("\n", i)
            if i < 0:
                break
            continue
        if c in "\"'":
            quote = c * 3 if sparql.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", sparql[i:])
            if m:
                i += m.end()
                continue
        if depth == 0 and sparql[i : i + 5].upper() == "WHERE" and (
            i == 0 or not (sparql[i - 1].isalnum() or sparql[i - 1] in "_?$:")
        ):
            saw_where = True
        if c == "{":
            if depth == 0:
                braces_seen += 1
                if saw_where or (not is_construct and first_brace is None):
                    return i
                if first_brace is None:
                    first_brace = i
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return None


def _select_result(solutions: ox.QuerySolutions) -> QueryResult:
    variables = [v.value for v in solutions.variables]
    rows = [tuple(solution[v] for v in variables) for solution in solutions]
    return QueryResult("select", variables=variables, rows=rows)


#: On disk, N-Triples/N-Quads go in by pieces of this many bytes: the engine sizes its batch by
#: the free memory, not the file (1.8 GB for 600 MB with 16 GB free); a piece bounds it (0.5 GB
#: for 64 MB; smaller pieces cost more CPU in merging). docs/store.md.
BULK_CHUNK_BYTES = 64 << 20
_LINE_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def _line_pieces(path: Path, size: int) -> Iterator[bytes]:
    """The file's bytes in pieces of about `size` bytes, each ending at a line end."""
    with path.open("rb") as handle:
        rest = b""
        while block := handle.read(size):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield block[:cut]
        if rest:
            yield rest


def _shift_lines(message: str, before: int) -> str:
    return re.sub(r"\bline (\d+)", lambda m: f"line {int(m[1]) + before}", message)


def _named(graph: str | ox.NamedNode) -> ox.NamedNode:
    return graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(str(graph))


def _too_big(error: MemoryError) -> str:
    """pyoxigraph's MemoryError: one token (literal, IRI) over its 16 MiB buffer, or real OOM."""
    text = _first_line(error)
    if "buffer maximal size" in text:
        return (f"a single literal or IRI is too long ({text}); split the text or "
                "leave it out of the RDF")
    return f"out of memory while parsing ({text})"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def to_term(value: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A Python value or rdflib term as a pyoxigraph term (for safe bindings)."""
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    if type(value).__module__.startswith("rdflib"):
        return _from_rdflib(value)
    return _plain_term(value)


def _from_rdflib(value: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    import rdflib

    if isinstance(value, rdflib.URIRef):
        return ox.NamedNode(str(value))
    if isinstance(value, rdflib.Literal):
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    return _plain_term(value)


def _plain_term(value: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false",
                          datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value),
                          datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value),
                          datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))
    return ox.Literal(str(value))
