"""A coded dataset as N-Triples lines, following docs/data-model.md."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from cryonto.coded.types import CodedDataset, Document, Segment
from cryonto.errors import CryontoError
from cryonto.rdf.ntriples import iri_term as _n
from cryonto.rdf.ntriples import literal_term as _lit
from cryonto.rdf.ntriples import typed_term as _typed
from cryonto.vocab import CRY, DCTERMS, OA, PREFIXES, PROV, RDF, RDFS, SKOS, XSD


def ntriple_lines(ds: CodedDataset) -> Iterator[str]:
    return (f"{s} {p} {o} .\n" for s, p, o in _triples(ds))


def head_lines(ds: CodedDataset) -> Iterator[str]:
    """Everything but the segments: study, codebook, coders, documents (streaming import)."""
    return (f"{s} {p} {o} .\n" for s, p, o in _head_triples(ds))


def segment_lines(ds: CodedDataset, segments: Iterable[Segment]) -> Iterator[str]:
    """The lines of these segments alone, as `ntriple_lines` writes them (streaming import)."""
    return (f"{s} {p} {o} .\n" for seg in segments for s, p, o in _segment_triples(ds, seg))


def document_lines(ds: CodedDataset, docs: Iterable[Document]) -> Iterator[str]:
    """The lines of these documents alone (the streaming REFI import writes each with its
    text as its source is read, then keeps the document without the text)."""
    return (f"{s} {p} {o} .\n" for doc in docs for s, p, o in _document_triples(ds, doc))


def turtle_prefixes(dataset: CodedDataset) -> dict[str, str]:
    """Prefixes that make a dataset's Turtle readable (study, doc, code, coder, seg)."""
    prefixes = {k: v for k, v in PREFIXES.items()
                if k in ("cry", "skos", "rdfs", "xsd", "dcterms", "prov", "oa")}
    base = dataset.base_iri
    prefixes.update({"study": base, "doc": base + "document/", "code": base + "code/",
                     "coder": base + "coder/", "seg": base + "segment/"})
    return prefixes


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
    "example": _n(str(SKOS.example)),
    "scopeNote": _n(str(SKOS.scopeNote)),
}
_NNI = str(XSD.nonNegativeInteger)
_INT = str(XSD.integer)
_DT = str(XSD.dateTime)
_BOOL = str(XSD.boolean)


def _triples(ds: CodedDataset) -> Iterator[tuple]:
    yield from _head_triples(ds)
    for seg in ds.segments:
        yield from _segment_triples(ds, seg)


def _head_triples(ds: CodedDataset) -> Iterator[tuple]:
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
        for example in code.examples:
            yield node, T["example"], _lit(example)
        for rule in code.rules:
            yield node, T["scopeNote"], _lit(rule)
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
        yield from _document_triples(ds, doc)


def _document_triples(ds: CodedDataset, doc: Document) -> Iterator[tuple]:
    T = _T
    study = _n(ds.base_iri)
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


def _segment_triples(ds: CodedDataset, seg: Segment) -> Iterator[tuple]:
    T = _T
    node_iri = ds.segment_iri(seg)
    node = _n(node_iri)
    target = _n(node_iri + "/target")
    yield node, T["type"], T["Annotation"]
    yield node, T["motivatedBy"], T["classifying"]
    yield node, T["identifier"], _lit(seg.id)
    for key in seg.codes:
        coded = ds.codes.get(key)
        if coded is None:
            raise CryontoError(f"segment {seg.id!r} names an unknown code {key!r}")
        yield node, T["hasBody"], _n(ds.code_iri(coded))
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
