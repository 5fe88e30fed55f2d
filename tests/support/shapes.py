"""The small coded study the SHACL tests break, one quad at a time, and its tools.

`good_dataset()` is a tiny valid study built with `cryonto.coded.CodedDataset` (or its
redacted, shareable twin); `store_of` puts it in a plain engine store, and `drop`, `put`,
`add` change it quad by quad; `seg`/`doc` name a segment or transcript by the fixture's
key ("s1", "D1"), pseudonym or not. Used by test_shapes.py and test_validate.py.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cryonto.coded import Code, CodedDataset, Coder, Document, Segment
from cryonto.generate import category_iri

SH = "https://w3id.org/cryonto/shapes/"
OA = "http://www.w3.org/ns/oa#"
CRY = "https://w3id.org/cryonto/"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TEXT = "She started crying when we talked about her mother, and I stayed with it. " * 2


#: the exporter's pseudonyms for the redacted fixture (what `export --redact` writes)
STUDY_PSEUDONYM = "ST-00000000f001"
PSEUDO = {"s1": "S-00000000a001", "s2": "S-00000000a002", "s3": "S-00000000a003",
          "s4": "S-00000000a004", "D1": "D-00000000d001", "D2": "D-00000000d002"}


def _name(ds: CodedDataset, key: str) -> str:
    """The fixture's key ("s1", "D1") as the dataset names it (pseudonym when redacted)."""
    return PSEUDO.get(key, key) if ds.study == STUDY_PSEUDONYM else key


def good_dataset(redacted: bool = False) -> CodedDataset:
    def n(key: str) -> str:
        return PSEUDO[key] if redacted else key

    ds = CodedDataset(study=STUDY_PSEUDONYM if redacted else "fixture",
                      title=STUDY_PSEUDONYM if redacted else "Fixture study",
                      license="https://creativecommons.org/licenses/by/4.0/",
                      creator="Test team", source_file=None if redacted else "fixture.csv")
    ds.documents[n("D1")] = Document(n("D1"), n("D1"), participant="P01", orientation="PDT",
                                      text=None if redacted else TEXT,
                                      text_length=len(TEXT) if redacted else None)
    ds.documents[n("D2")] = Document(n("D2"), n("D2"), participant="P-3f9a0c21ab12",
                                      orientation="CBT", text_length=50)
    protest, pause = category_iri("A1.1"), category_iri("I2.1")
    ds.codes[protest] = Code(protest, "Protest crying", category=protest)
    ds.codes[pause] = Code(pause, "Pause", category=pause)
    ds.codes["Protest"] = Code("Protest", "Protest", mappings=[("exactMatch", protest)])
    ds.coders["C1"] = Coder("C1", "C1")
    common = {"coder": "C1", "created": "2024-03-01T10:15:00Z",
              "source_file": None if redacted else "fixture.csv"}

    def text(a: int, b: int) -> str:
        return "[redacted]" if redacted else TEXT[a:b]

    def where(row: int) -> str | None:
        return None if redacted else f"row {row}"

    ds.segments = [
        Segment(n("s1"), n("D1"), [protest], start=0, end=10, text=text(0, 10),
                source_locator=where(2), **common),
        Segment(n("s2"), n("D1"), ["Protest", pause], start=20, end=35, text=text(20, 35),
                source_locator=where(3), **common),
        Segment(n("s3"), n("D2"), [pause], start_paragraph=1, end_paragraph=2,
                source_locator=where(4), **common),
        Segment(n("s4"), n("D2"), [protest], start=5, end=15, source_locator=where(5),
                **common),
    ]
    return ds


def store_of(ds: CodedDataset) -> ox.Store:
    """The dataset in a plain engine store, for the tests to break it quad by quad."""
    store = ox.Store()
    store.extend(ds.to_quads())
    return store


def iri(ds: CodedDataset, kind: str, key: str) -> ox.NamedNode:
    return ox.NamedNode(ds.iri(kind, key) if kind != "study" else ds.base_iri)


def N(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def drop(store: ox.Store, s, p) -> None:
    for quad in list(store.quads_for_pattern(s, N(p), None)):
        store.remove(quad)


def put(store: ox.Store, s, p, o) -> None:
    """Replace every value of (s, p) by o."""
    drop(store, s, p)
    store.add(ox.Quad(s, N(p), o))


def add(store: ox.Store, s, p, o) -> None:
    store.add(ox.Quad(s, N(p), o))


def lit(value: str, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=N(XSD + datatype)) if datatype else ox.Literal(value)


def seg(ds, key, suffix=""):
    return N(ds.iri("segment", _name(ds, key)) + suffix)


def doc(ds, key):
    return N(ds.iri("document", _name(ds, key)))


def write(store: ox.Store, path: Path) -> Path:
    store.dump(str(path), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    return path
