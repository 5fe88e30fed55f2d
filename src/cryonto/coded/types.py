"""Coded datasets: the in-memory form every reader produces and every writer consumes.

Readers (CSV, MAXQDA, REFI-QDA) build a `CodedDataset`; `cryonto.coded.to_rdf` turns
it into RDF following docs/data-model.md (W3C Web Annotation segments, SKOS codebook,
PROV coders); `cryonto.coded.from_rdf` reads it back from any store, so writers never
parse files themselves. `counts()` is what every import and export reports, so count
in == count out can be checked at each step.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from cryonto.atomic import atomic_write
from cryonto.rdf import GraphStore, Quad
from cryonto.rdf.ntriples import parse_lines, write_turtle
from cryonto.vocab import DATA

ORIENTATIONS = ("PDT", "CBT", "ST")
#: SKOS mapping properties accepted from mapping tables and study codebooks
MAPPING_PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


@dataclass
class Code:
    """A code as the coding tool knows it; either a cryonto category or a study's own code."""

    key: str  # unique within the dataset: the code path ("Forms\\Protest") or the category IRI
    name: str
    parent: str | None = None  # key of the parent code
    description: str | None = None
    color: str | None = None  # "#rrggbb"
    guid: str | None = None
    codable: bool = True
    category: str | None = None  # set when the code *is* a cryonto category (its IRI)
    mappings: list[tuple[str, str]] = field(default_factory=list)  # (SKOS predicate, category IRI)
    iri: str | None = None  # kept when read back from RDF; otherwise derived from the key
    #: anchor examples (skos:example) and coding rules (skos:scopeNote) of a description in
    #: cryonto's codebook form ("Definition:" … "Anchor example:" … "Coding rule:" …)
    examples: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass
class Document:
    key: str
    name: str
    participant: str | None = None  # pseudonymous id only
    orientation: str | None = None  # PDT | CBT | ST
    language: str | None = None
    text: str | None = None  # full text, when the export carried it
    text_length: int | None = None  # in code points
    guid: str | None = None
    path: str | None = None  # where the source text lives in a REFI project
    iri: str | None = None


@dataclass
class Coder:
    key: str
    name: str
    guid: str | None = None
    iri: str | None = None


@dataclass
class Segment:
    id: str
    document: str  # Document key
    codes: list[str]  # Code keys, one per coding
    start: int | None = None  # code points, zero-based
    end: int | None = None  # exclusive
    start_paragraph: int | None = None  # MAXQDA Begin (paragraph number)
    end_paragraph: int | None = None
    text: str | None = None
    coder: str | None = None  # Coder key: who applied the code(s), dcterms:creator
    created: str | None = None  # xsd:dateTime lexical form
    memo: str | None = None
    guid: str | None = None
    source_file: str | None = None
    source_locator: str | None = None  # "row 12", "PlainTextSelection guid=…"
    iri: str | None = None
    #: Coder key of who made the selection (REFI PlainTextSelection creatingUser), stated
    #: as prov:wasAttributedTo on the target; `coder` stays the one who applied the code
    selected_by: str | None = None


@dataclass(frozen=True)
class Counts:
    """What every import and export reports, so count in == count out can be checked."""

    documents: int
    codes: int
    segments: int
    codings: int
    coders: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


#: the count names, in report order (the one place they are spelled out)
COUNT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Counts))


def counts_of(**values: int) -> Counts:
    """Counts from keyword values; a name not given counts 0."""
    return Counts(**{name: int(values.get(name, 0)) for name in COUNT_FIELDS})


@dataclass(frozen=True)
class Adjustment:
    """A deliberate, reported difference between the counts in and the counts out
    (merged duplicates, uncoded selections, implied parent codes, …)."""

    field: str  # one of COUNT_FIELDS
    delta: int  # negative: fewer out than in
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "delta": self.delta, "reason": self.reason}


def adjusted(counts: Counts, adjustments: Iterable[Adjustment]) -> Counts:
    """Counts in plus every adjustment: what the dataset or written file must hold."""
    values = counts.as_dict()
    for adj in adjustments:
        values[adj.field] += adj.delta
    return Counts(**values)


@dataclass
class CodedDataset:
    study: str
    title: str | None = None
    description: str | None = None
    license: str | None = None
    creator: str | None = None
    source_file: str | None = None
    documents: dict[str, Document] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    coders: dict[str, Coder] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    base: str | None = None  # IRI base; default derived from the study name

    # -- identity ---------------------------------------------------------
    @property
    def base_iri(self) -> str:
        return self.base or f"{DATA}{study_slug(self.study)}/"

    def iri(self, kind: str, key: str) -> str:
        return f"{self.base_iri}{kind}/{slug(key)}"

    def code_iri(self, code: Code) -> str:
        return code.category or code.iri or self.iri("code", code.key)

    def document_iri(self, key: str) -> str:
        doc = self.documents[key]
        return doc.iri or self.iri("document", key)

    def coder_iri(self, key: str) -> str:
        coder = self.coders[key]
        return coder.iri or self.iri("coder", key)

    def segment_iri(self, segment: Segment) -> str:
        return segment.iri or self.iri("segment", segment.id)

    def counts(self) -> Counts:
        return Counts(documents=len(self.documents), codes=len(self.codes),
                      segments=len(self.segments),
                      codings=sum(len(s.codes) for s in self.segments), coders=len(self.coders))

    def unmapped_codes(self) -> list[Code]:
        """Study codes that are neither a cryonto category nor mapped onto one."""
        return [c for c in self.codes.values() if c.category is None and not c.mappings]

    # -- RDF --------------------------------------------------------------
    def to_ntriples(self) -> Iterator[str]:
        """The dataset as N-Triples lines, following docs/data-model.md."""
        from cryonto.coded.to_rdf import ntriple_lines

        return ntriple_lines(self)

    def to_quads(self) -> Iterator[Quad]:
        """The dataset as RDF quads (in the default graph)."""
        return parse_lines(self.to_ntriples())

    def to_store(self, store: GraphStore | None = None) -> GraphStore:
        store = store if store is not None else GraphStore()
        store.load_ntriples(self.to_ntriples())
        return store

    def write_turtle(self, path: Path | str) -> None:
        """Stream the dataset to Turtle, atomically (no intermediate store)."""
        from cryonto.coded.to_rdf import turtle_prefixes

        with atomic_write(path, "wb") as handle:
            write_turtle(self.to_quads(), handle, turtle_prefixes(self))


# -- slugs -----------------------------------------------------------------
def study_slug(name: str) -> str:
    """The study part of data IRIs: lower-case ASCII letters, digits and '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return cleaned or "study-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """An IRI-safe, stable local name; a short hash keeps distinct names distinct."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _SLUG_UNSAFE.sub("-", ascii_text).strip("-") or "x"
    if cleaned == text:
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned[:60]}-{digest}"
