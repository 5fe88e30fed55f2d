"""Coded datasets: the in-memory form every reader produces and every writer consumes.

Readers (CSV, MAXQDA, REFI-QDA) build a `CodedDataset`; `to_quads` turns it
into RDF following docs/data-model.md (W3C Web Annotation segments, SKOS
codebook, PROV coders); `from_store` reads it back from any store, so writers
never parse files themselves. `counts()` is what every import and export
reports, so count in == count out can be checked at each step.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cryonto import resources
from cryonto.atomic import atomic_write
from cryonto.errors import CryontoError
from cryonto.vocab import CRY, DATA, DCTERMS, OA, PREFIXES, PROV, RDF, RDFS, SKOS, XSD

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
    documents: int
    codes: int
    segments: int
    codings: int
    coders: int

    def as_dict(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "codes": self.codes,
            "segments": self.segments,
            "codings": self.codings,
            "coders": self.coders,
        }


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
        return Counts(
            documents=len(self.documents),
            codes=len(self.codes),
            segments=len(self.segments),
            codings=sum(len(s.codes) for s in self.segments),
            coders=len(self.coders),
        )

    def unmapped_codes(self) -> list[Code]:
        """Study codes that are neither a cryonto category nor mapped onto one."""
        return [c for c in self.codes.values() if c.category is None and not c.mappings]

    # -- RDF --------------------------------------------------------------
    def to_ntriples(self) -> Iterator[str]:
        """The dataset as N-Triples lines, following docs/data-model.md.

        Text, not pyoxigraph objects: building a Quad in Python costs ~7 µs,
        formatting a line ~1 µs, and the Rust parser turns lines into terms fast.
        """
        return (f"{s} {p} {o} .\n" for s, p, o in _triples(self))

    def to_quads(self) -> Iterator[ox.Quad]:
        """The dataset as RDF quads (in the default graph)."""
        try:
            yield from ox.parse(LineReader(self.to_ntriples()), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as error:  # only a malformed IRI given by the user can do this
            raise CryontoError(f"cannot express as RDF: {error}") from None

    def to_store(self, store: ox.Store | None = None) -> ox.Store:
        store = store if store is not None else ox.Store()
        try:
            store.load(LineReader(self.to_ntriples()), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as error:
            raise CryontoError(f"cannot express as RDF: {error}") from None
        return store

    def write_turtle(self, path: Path | str) -> None:
        """Stream the dataset to Turtle, atomically (no intermediate store).

        All quads are in the default graph, for which pyoxigraph's TriG
        serializer writes plain Turtle: prefixes and triples, no graph blocks.
        """
        with atomic_write(path, "wb") as handle:
            ox.serialize(self.to_quads(), output=handle, format=ox.RdfFormat.TRIG,
                         prefixes=turtle_prefixes(self))


def turtle_prefixes(dataset: CodedDataset) -> dict[str, str]:
    """Prefixes that make a dataset's Turtle readable (study, doc, code, coder, seg)."""
    prefixes = {k: v for k, v in PREFIXES.items()
                if k in ("cry", "skos", "rdfs", "xsd", "dcterms", "prov", "oa")}
    base = dataset.base_iri
    prefixes.update({"study": base, "doc": base + "document/", "code": base + "code/",
                     "coder": base + "coder/", "seg": base + "segment/"})
    return prefixes


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


# -- building triples (as N-Triples term text) ----------------------------
class LineReader(io.RawIOBase):
    """A binary stream over generated lines, so the Rust parser can pull them lazily."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
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


def _n(iri: str) -> str:
    if _BAD_IRI.search(iri):
        raise CryontoError(f"not a valid IRI: {iri!r}")
    return f"<{iri}>"


def _lit(value: str, lang: str | None = None) -> str:
    text = f'"{value.translate(_ESCAPES)}"'
    return f"{text}@{lang}" if lang else text


def _typed(value: object, datatype: str) -> str:
    return f'"{str(value).translate(_ESCAPES)}"^^<{datatype}>'


_T = {
    "type": _n(str(RDF.type)),
    "label": _n(str(RDFS.label)),
    "comment": _n(str(RDFS.comment)),
    "title": _n(str(DCTERMS.title)),
    "identifier": _n(str(DCTERMS.identifier)),
    "isPartOf": _n(str(DCTERMS.isPartOf)),
    "creator": _n(str(DCTERMS.creator)),
    "created": _n(str(DCTERMS.created)),
    "language": _n(str(DCTERMS.language)),
    "license": _n(str(DCTERMS.license)),
    "description": _n(str(DCTERMS.description)),
    "Annotation": _n(str(OA.Annotation)),
    "motivatedBy": _n(str(OA.motivatedBy)),
    "classifying": _n(str(OA.classifying)),
    "hasBody": _n(str(OA.hasBody)),
    "hasTarget": _n(str(OA.hasTarget)),
    "hasSource": _n(str(OA.hasSource)),
    "hasSelector": _n(str(OA.hasSelector)),
    "SpecificResource": _n(str(OA.SpecificResource)),
    "TextPositionSelector": _n(str(OA.TextPositionSelector)),
    "TextQuoteSelector": _n(str(OA.TextQuoteSelector)),
    "start": _n(str(OA.start)),
    "end": _n(str(OA.end)),
    "exact": _n(str(OA.exact)),
    "ParagraphRangeSelector": _n(str(CRY.ParagraphRangeSelector)),
    "startParagraph": _n(str(CRY.startParagraph)),
    "endParagraph": _n(str(CRY.endParagraph)),
    "Study": _n(str(CRY.Study)),
    "Transcript": _n(str(CRY.Transcript)),
    "participant": _n(str(CRY.participant)),
    "orientation": _n(str(CRY.orientation)),
    "textLength": _n(str(CRY.textLength)),
    "fullText": _n(str(CRY.fullText)),
    "sourceFile": _n(str(CRY.sourceFile)),
    "sourceLocator": _n(str(CRY.sourceLocator)),
    "sourcePath": _n(str(CRY.sourcePath)),
    "codebook": _n(str(CRY.codebook)),
    "color": _n(str(CRY.color)),
    "isCodable": _n(str(CRY.isCodable)),
    "Agent": _n(str(PROV.Agent)),
    "Person": _n(str(PROV.Person)),
    "Entity": _n(str(PROV.Entity)),
    "ConceptScheme": _n(str(SKOS.ConceptScheme)),
    "Concept": _n(str(SKOS.Concept)),
    "inScheme": _n(str(SKOS.inScheme)),
    "prefLabel": _n(str(SKOS.prefLabel)),
    "broader": _n(str(SKOS.broader)),
    "definition": _n(str(SKOS.definition)),
}
_NNI = str(XSD.nonNegativeInteger)
_INT = str(XSD.integer)
_DT = str(XSD.dateTime)
_BOOL = str(XSD.boolean)


def _triples(ds: CodedDataset) -> Iterator[tuple]:
    T = _T
    study = _n(ds.base_iri)
    codebook = _n(ds.base_iri + "codebook")
    yield study, T["type"], T["Study"]
    yield study, T["title"], _lit(ds.title or ds.study)
    yield study, T["identifier"], _lit(ds.study)
    if ds.description:
        yield study, T["description"], _lit(ds.description)
    if ds.license:
        yield study, T["license"], _n(ds.license) if _is_iri(ds.license) else _lit(ds.license)
    if ds.creator:
        yield study, _n(str(PROV.wasAttributedTo)), _lit(ds.creator)
    if ds.source_file:
        yield study, T["sourceFile"], _lit(ds.source_file)

    study_codes = [c for c in ds.codes.values() if c.category is None]
    if study_codes:
        yield study, T["codebook"], codebook
        yield codebook, T["type"], T["ConceptScheme"]
        yield codebook, T["title"], _lit(f"Codebook of {ds.title or ds.study}")
    for code in study_codes:
        node = _n(ds.code_iri(code))
        yield node, T["type"], T["Concept"]
        yield node, T["inScheme"], codebook
        yield node, T["prefLabel"], _lit(code.name)
        if code.parent is not None:
            parent = ds.codes.get(code.parent)
            if parent is None:
                raise CryontoError(f"code {code.key!r} names an unknown parent {code.parent!r}")
            yield node, T["broader"], _n(ds.code_iri(parent))
        if code.description:
            yield node, T["definition"], _lit(code.description)
        if code.color:
            yield node, T["color"], _lit(code.color)
        if code.guid:
            yield node, T["identifier"], _lit(code.guid)
        if not code.codable:
            yield node, T["isCodable"], _typed("false", _BOOL)
        for predicate, category in code.mappings:
            yield node, _n(str(SKOS) + predicate), _n(category)

    for coder in ds.coders.values():
        node = _n(ds.coder_iri(coder.key))
        yield node, T["type"], T["Agent"]
        yield node, T["type"], T["Person"]
        yield node, T["label"], _lit(coder.name)
        if coder.guid:
            yield node, T["identifier"], _lit(coder.guid)

    for doc in ds.documents.values():
        node = _n(ds.document_iri(doc.key))
        yield node, T["type"], T["Transcript"]
        yield node, T["isPartOf"], study
        yield node, T["title"], _lit(doc.name)
        if doc.participant:
            yield node, T["participant"], _lit(doc.participant)
        if doc.orientation:
            yield node, T["orientation"], _n(str(CRY) + doc.orientation)
        if doc.language:
            yield node, T["language"], _lit(doc.language)
        length = doc.text_length if doc.text_length is not None else (
            len(doc.text) if doc.text is not None else None)
        if length is not None:
            yield node, T["textLength"], _typed(length, _INT)
        if doc.text is not None:
            yield node, T["fullText"], _lit(doc.text)
        if doc.guid:
            yield node, T["identifier"], _lit(doc.guid)
        if doc.path:
            yield node, T["sourcePath"], _lit(doc.path)

    for seg in ds.segments:
        node_iri = ds.segment_iri(seg)
        node = _n(node_iri)
        target = _n(node_iri + "/target")
        yield node, T["type"], T["Annotation"]
        yield node, T["motivatedBy"], T["classifying"]
        yield node, T["identifier"], _lit(seg.id)
        for key in seg.codes:
            code = ds.codes.get(key)
            if code is None:
                raise CryontoError(f"segment {seg.id!r} names an unknown code {key!r}")
            yield node, T["hasBody"], _n(ds.code_iri(code))
        yield node, T["hasTarget"], target
        yield target, T["type"], T["SpecificResource"]
        if seg.document not in ds.documents:
            raise CryontoError(f"segment {seg.id!r} names an unknown document {seg.document!r}")
        yield target, T["hasSource"], _n(ds.document_iri(seg.document))
        if seg.start is not None or seg.end is not None:
            sel = _n(node_iri + "/target/position")
            yield target, T["hasSelector"], sel
            yield sel, T["type"], T["TextPositionSelector"]
            if seg.start is not None:
                yield sel, T["start"], _typed(seg.start, _NNI if seg.start >= 0 else _INT)
            if seg.end is not None:
                yield sel, T["end"], _typed(seg.end, _NNI if seg.end >= 0 else _INT)
        if seg.start_paragraph is not None or seg.end_paragraph is not None:
            sel = _n(node_iri + "/target/paragraphs")
            yield target, T["hasSelector"], sel
            yield sel, T["type"], T["ParagraphRangeSelector"]
            if seg.start_paragraph is not None:
                yield sel, T["startParagraph"], _typed(seg.start_paragraph, _INT)
            if seg.end_paragraph is not None:
                yield sel, T["endParagraph"], _typed(seg.end_paragraph, _INT)
        if seg.text is not None:
            sel = _n(node_iri + "/target/quote")
            yield target, T["hasSelector"], sel
            yield sel, T["type"], T["TextQuoteSelector"]
            yield sel, T["exact"], _lit(seg.text)
        if seg.coder:
            if seg.coder not in ds.coders:
                raise CryontoError(f"segment {seg.id!r} names an unknown coder {seg.coder!r}")
            yield node, T["creator"], _n(ds.coder_iri(seg.coder))
        if seg.selected_by:
            if seg.selected_by not in ds.coders:
                raise CryontoError(f"segment {seg.id!r} names an unknown coder "
                                   f"{seg.selected_by!r}")
            yield target, _n(str(PROV.wasAttributedTo)), _n(ds.coder_iri(seg.selected_by))
        if seg.created:
            yield node, T["created"], _typed(seg.created, _DT)
        if seg.memo:
            yield node, T["comment"], _lit(seg.memo)
        if seg.guid:
            yield node, _n(str(CRY.guid)), _lit(seg.guid)
        if seg.source_file:
            yield node, T["sourceFile"], _lit(seg.source_file)
        if seg.source_locator:
            yield node, T["sourceLocator"], _lit(seg.source_locator)


def _is_iri(text: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", text) is not None


# -- reading back ----------------------------------------------------------
def _model_query(name: str) -> str:
    return (resources.queries_dir() / "model" / f"{name}.rq").read_text(encoding="utf-8")


def count_store(store: ox.Store, study_iri: str) -> Counts:
    """A study's counts as the RDF states them: the independent "count out".

    One aggregate query instead of reading every segment back, so proving
    count in == count out stays cheap at 10^5-10^6 segments.
    """
    from cryonto.rdf import bind_values

    sparql = bind_values(_model_query("counts"), {"study": ox.NamedNode(study_iri)})
    solution = next(iter(store.query(sparql, use_default_graph_as_union=True)), None)
    if solution is None:  # no such study in the store
        return Counts(0, 0, 0, 0, 0)
    return Counts(**{name: int(solution[name].value) for name in
                     ("documents", "codes", "segments", "codings", "coders")})


def from_store(store: ox.Store, study_iri: str | None = None) -> list[CodedDataset]:
    """Every study in a store as a CodedDataset (or the one named by `study_iri`).

    This is the one way writers read coded data, whatever format it came from.
    """
    from cryonto.rdf import to_python

    def rows(name: str) -> list[dict]:
        result = store.query(_model_query(name), use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [{n: to_python(sol[n]) for n in names} for sol in result]

    datasets: dict[str, CodedDataset] = {}
    for row in rows("studies"):
        if study_iri and row["study"] != study_iri:
            continue
        datasets[row["study"]] = CodedDataset(
            study=row["identifier"] or row["study"], title=row["title"],
            description=row["description"], license=row["license"], creator=row["creator"],
            source_file=row["sourceFile"], base=row["study"],
        )
    if not datasets:
        return []
    for row in rows("codes"):
        ds = datasets.get(row["study"])
        if ds is None:
            continue
        key = row["code"]
        code = ds.codes.get(key)
        if code is None:
            code = ds.codes[key] = Code(
                key=key, name=row["label"], parent=row["parent"], description=row["definition"],
                color=row["color"], guid=row["guid"], codable=row["codable"] is not False,
                iri=key,
            )
        if row["mappingPredicate"] and row["category"]:
            pair = (row["mappingPredicate"].rsplit("#", 1)[-1], row["category"])
            if pair not in code.mappings:
                code.mappings.append(pair)
    for row in rows("coders"):
        ds = datasets.get(row["study"])
        if ds is not None:
            ds.coders[row["coder"]] = Coder(key=row["coder"], name=row["label"], guid=row["guid"],
                                            iri=row["coder"])
    for row in rows("documents"):
        ds = datasets.get(row["study"])
        if ds is None:
            continue
        orientation = row["orientation"]
        ds.documents[row["document"]] = Document(
            key=row["document"], name=row["title"], participant=row["participant"],
            orientation=orientation.rsplit("/", 1)[-1] if orientation else None,
            language=row["language"], text=row["fullText"], text_length=row["textLength"],
            guid=row["guid"], path=row["sourcePath"], iri=row["document"],
        )
    segments: dict[tuple[str, str], Segment] = {}
    for row in rows("segments"):
        ds = datasets.get(row["study"])
        if ds is None:
            continue
        seg = segments.get((row["study"], row["segment"]))
        if seg is None:
            seg = segments[(row["study"], row["segment"])] = Segment(
                id=row["identifier"] or row["segment"].rsplit("/", 1)[-1],
                document=row["document"], codes=[], start=row["start"], end=row["end"],
                start_paragraph=row["startParagraph"], end_paragraph=row["endParagraph"],
                text=row["exact"], coder=row["coder"], created=row["created"], memo=row["memo"],
                guid=row["guid"], source_file=row["sourceFile"],
                source_locator=row["sourceLocator"], iri=row["segment"],
                selected_by=row.get("selectedBy"),
            )
            ds.segments.append(seg)
        body = row["body"]
        if body and body not in seg.codes:
            if body not in ds.codes:  # coded directly with a cryonto category
                ds.codes[body] = Code(key=body, name=row["bodyLabel"] or body, category=body)
            seg.codes.append(body)
    for ds in datasets.values():
        _rekey(ds)
    return list(datasets.values())


def _rekey(ds: CodedDataset) -> None:
    """Keys read from a store are IRIs; make them the short names a reader would give."""
    doc_keys = {iri: doc.name for iri, doc in ds.documents.items()}
    if len(set(doc_keys.values())) == len(doc_keys):
        ds.documents = {doc_keys[i]: d for i, d in ds.documents.items()}
        for d in ds.documents.values():
            d.key = d.name
        for s in ds.segments:
            s.document = doc_keys.get(s.document, s.document)
    coder_keys = {iri: c.name for iri, c in ds.coders.items()}
    if len(set(coder_keys.values())) == len(coder_keys):
        ds.coders = {coder_keys[i]: c for i, c in ds.coders.items()}
        for c in ds.coders.values():
            c.key = c.name
        for s in ds.segments:
            if s.coder:
                s.coder = coder_keys.get(s.coder, s.coder)
            if s.selected_by:
                s.selected_by = coder_keys.get(s.selected_by, s.selected_by)
