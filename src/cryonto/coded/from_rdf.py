"""Coded datasets read back from a store: the one way writers read coded data."""

from __future__ import annotations

from cryonto import resources
from cryonto.coded.types import COUNT_FIELDS, Code, CodedDataset, Coder, Counts, Document, Segment
from cryonto.rdf import GraphStore, NamedNode


def _model_query(name: str) -> str:
    return resources.sparql(f"model/{name}")


def count_store(store: GraphStore, study_iri: str) -> Counts:
    """A study's counts as the RDF states them: the independent "count out".

    One aggregate query instead of reading every segment back, so proving
    count in == count out stays cheap at 10^5-10^6 segments.
    """
    found = store.select(_model_query("counts"), {"study": NamedNode(study_iri)}).dicts()
    if not found:  # no such study in the store
        return Counts(0, 0, 0, 0, 0)
    return Counts(**{name: int(found[0][name] or 0) for name in COUNT_FIELDS})


def from_store(store: GraphStore, study_iri: str | None = None) -> list[CodedDataset]:
    """Every study in a store as a CodedDataset (or the one named by `study_iri`).

    This is the one way writers read coded data, whatever format it came from.
    """
    def rows(name: str) -> list[dict]:
        return store.select(_model_query(name)).dicts()

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
    for row in rows("code-notes"):
        ds = datasets.get(row["study"])
        code = ds.codes.get(row["code"]) if ds is not None else None
        if code is not None:
            (code.examples if row["kind"] == "example" else code.rules).append(row["text"])
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
