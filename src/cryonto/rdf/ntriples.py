"""N-Triples as text: terms written by hand (fast), parsed and re-serialised by the engine.

Building an engine Quad in Python costs ~7 µs, formatting a line ~1 µs, and the
Rust parser turns lines into terms fast; so coded data is generated as N-Triples
lines and streamed through `LineReader` into the engine.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import IO, BinaryIO

import pyoxigraph as ox

from cryonto.errors import CryontoError


class LineReader(io.RawIOBase):
    """A binary stream over generated lines, so the Rust parser can pull them lazily."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        while len(self._buffer) < len(target):
            chunk = "".join(itertools.islice(self._lines, 2048))
            if not chunk:
                break
            self._buffer += chunk.encode("utf-8")
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri_term(iri: str) -> str:
    if _BAD_IRI.search(iri):
        raise CryontoError(f"not a valid IRI: {iri!r}")
    return f"<{iri}>"


def literal_term(value: str, lang: str | None = None) -> str:
    text = f'"{value.translate(_ESCAPES)}"'
    return f"{text}@{lang}" if lang else text


def typed_term(value: object, datatype: str) -> str:
    return f'"{str(value).translate(_ESCAPES)}"^^<{datatype}>'


def line_stream(lines: Iterator[str]) -> BinaryIO:
    """Generated lines as a buffered binary file the engine's parser pulls from."""
    return io.BufferedReader(LineReader(lines), buffer_size=1 << 16)


def parse_lines(lines: Iterator[str]) -> Iterator[ox.Quad]:
    """N-Triples lines as engine quads (in the default graph), lazily."""
    try:
        yield from ox.parse(line_stream(lines), format=ox.RdfFormat.N_TRIPLES)
    except SyntaxError as error:  # only a malformed IRI given by the user can do this
        raise CryontoError(f"cannot express as RDF: {error}") from None


def write_turtle(quads: Iterable[ox.Quad], handle: IO[bytes], prefixes: dict[str, str]) -> None:
    """Default-graph quads as Turtle (the TriG serializer writes plain Turtle for them)."""
    try:
        ox.serialize(quads, output=handle, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    except SyntaxError as error:
        raise CryontoError(f"cannot express as RDF: {error}") from None


def turtle_text(lines: Iterator[str], prefixes: dict[str, str]) -> bytes:
    """N-Triples lines as Turtle bytes."""
    out = io.BytesIO()
    write_turtle(parse_lines(lines), out, prefixes)
    return out.getvalue()


#: a local name that can follow "prefix:" in Turtle (with "/" escaped as "\/")
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-/]*[A-Za-z0-9_\-])?\Z")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def turtle_chunks(lines: Iterable[str], prefixes: dict[str, str],
                  unique: str | None = None) -> Iterator[str]:
    """N-Triples lines as compact Turtle: prefixed names, `a`, one block per subject run.

    Pure string work (about 3x faster than parsing into terms and serializing
    them, which `turtle_text` does), for the 10^6-segment studies `cryonto
    generate` writes. An IRI whose local part is not a safe prefixed name is kept
    in <...>. IRIs in the `unique` namespace (segments: each occurs in one run
    only) are not kept in the cache. Lines must be one triple each, as
    `iri_term`/`literal_term`/`typed_term` write them, and grouped by subject.
    """
    spaces = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))
    xsd = prefixes.get("xsd")
    typed = f"^^<{xsd}" if xsd else None
    cache: dict[str, str] = {_RDF_TYPE: "a"}
    uncached = "<" + unique if unique else "\0"

    def iri(term: str) -> str:
        value = term[1:-1]
        for ns, prefix in spaces:
            if value.startswith(ns):
                local = value[len(ns):]
                if not local:
                    return prefix + ":"
                if _LOCAL.match(local):
                    return prefix + ":" + local.replace("/", "\\/")
        return term

    def compact(term: str) -> str:
        if term[0] == "<":
            found = cache.get(term)
            if found is None:
                found = iri(term)
                if not term.startswith(uncached):
                    cache[term] = found
            return found
        if typed and xsd and term[-1] == ">" and typed in term:
            head, _, datatype = term.rpartition("^^<")
            local = datatype[len(xsd):-1]
            if _LOCAL.match(local):
                return f"{head}^^xsd:{local}"
        return term

    previous = None
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        obj = compact(rest[:-3])  # strip " .\n"
        if subject == previous:
            yield f" ;\n    {compact(predicate)} {obj}"
        else:
            if previous is not None:
                yield " .\n"
            previous = subject
            yield f"{compact(subject)} {compact(predicate)} {obj}"
    if previous is not None:
        yield " .\n"


def write_turtle_lines(lines: Iterable[str], handle: IO[str], prefixes: dict[str, str],
                       unique: str | None = None) -> None:
    """The prefix header and `turtle_chunks`, written to a text handle in large batches."""
    handle.writelines(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
    buffer: list[str] = []
    for chunk in turtle_chunks(lines, prefixes, unique):
        buffer.append(chunk)
        if len(buffer) >= 20000:
            handle.write("".join(buffer))
            buffer.clear()
    handle.write("".join(buffer))
