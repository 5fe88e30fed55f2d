"""Coded data as a REFI-QDA project: valid against Project.xsd, stable, and round-tripping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import xmlschema
from support.paths import SHARED

from cryonto import importing
from cryonto.coded import Code, CodedDataset, Coder, Document, Segment
from cryonto.errors import CryontoError
from cryonto.exporting import export_refi, load_datasets
from cryonto.writers import SCHEMA_DIR, stable_guid
from cryonto.writers.refi import build_project

REFERENCE = SHARED / "reference/refi-qda"
FIXTURES = Path(__file__).parent / "fixtures" / "export"
STUDY = FIXTURES / "study.ttl"
ATLAS = REFERENCE / "spec-sample-atlasti.qde"
NS = {"q": "urn:QDA-XML:project:1.0"}
CRY = "https://w3id.org/cryonto/"


def _schema() -> xmlschema.XMLSchema:
    path = REFERENCE / "Project.xsd"
    return xmlschema.XMLSchema(str(path if path.is_file() else SCHEMA_DIR / "Project.xsd"))


def _open(path: Path) -> tuple[ET.Element, zipfile.ZipFile]:
    zf = zipfile.ZipFile(path)
    return ET.fromstring(zf.read("project.qde")), zf


def test_project_is_valid_and_holds_everything(tmp_path):
    out = tmp_path / "study.qdpx"
    result = export_refi([STUDY], out)
    zf = zipfile.ZipFile(out)
    _schema().validate(ET.fromstring(zf.read("project.qde")))
    root = ET.fromstring(zf.read("project.qde"))
    assert result.counts_in == result.counts_out
    assert result.counts_out.as_dict() == {"documents": 2, "codes": 5, "segments": 4,
                                           "codings": 6, "coders": 2}
    assert [u.get("name") for u in root.findall("q:Users/q:User", NS)] == ["Anna", "Ben"]
    # the study codebook keeps its hierarchy, colours, descriptions and isCodable
    reactions = next(c for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)
                     if c.get("name") == "Reactions")
    assert reactions.get("isCodable") == "false" and reactions.get("color") == "#336699"
    assert reactions.find("q:Description", NS).text == "How therapists react."
    assert sorted(c.get("name") for c in reactions.findall("q:Code", NS)) == [
        "Comforting", "Waiting"]
    # a category used directly is a code named "notation label" with the codebook's GUID
    protest = next(c for c in root.iter(f"{{{NS['q']}}}Code")
                   if c.get("name") == "A1.1 Protest crying")
    assert protest.get("guid") == stable_guid(CRY + "ProtestCrying")
    # each category study codes are mapped onto is a set of those codes
    sets = {s.get("name"): s for s in root.findall("q:Sets/q:Set", NS)}
    assert sorted(sets) == ["cryonto I2 Giving space",
                            "cryonto I3.1 Providing support in an actively therapeutic manner"]
    waiting = next(c for c in reactions.findall("q:Code", NS) if c.get("name") == "Waiting")
    member = sets["cryonto I2 Giving space"].find("q:MemberCode", NS)
    assert member.get("targetGUID") == waiting.get("guid")
    assert "Waiting (skos:exactMatch)" in sets["cryonto I2 Giving space"].find(
        "q:Description", NS).text


def test_sources_positions_codings_users(tmp_path):
    out = tmp_path / "study.qdpx"
    export_refi([STUDY], out)
    root, zf = _open(out)
    sources = {s.get("name"): s for s in root.findall("q:Sources/q:TextSource", NS)}
    p07 = sources["Interview P07"]
    member = p07.get("plainTextPath").replace("internal://", "sources/")
    assert member == f"sources/{p07.get('guid')}.txt"
    text = zf.read(member).decode("utf-8")
    assert text.startswith("I: How do you react when a patient cries?")
    users = {u.get("guid"): u.get("name") for u in root.findall("q:Users/q:User", NS)}
    selections = p07.findall("q:PlainTextSelection", NS)
    assert len(selections) == 2
    first = selections[0]
    start, end = int(first.get("startPosition")), int(first.get("endPosition"))
    assert text[start:end] == "Often I just wait. I give space."
    assert users[first.get("creatingUser")] == "Anna"
    assert first.get("creationDateTime") == "2025-03-01T10:00:00Z"
    assert first.find("q:Description", NS).text == "P07 said this calmly"
    assert len(selections[1].findall("q:Coding", NS)) == 2
    # P12's text is unknown and one segment text is unknown: no text file, no blanks
    p12 = sources["Interview P12"]
    assert p12.get("plainTextPath") is None
    assert "not part of the exported data" in p12.find("q:Description", NS).text
    assert len(zf.namelist()) == 3  # project.qde, sources/, one text


def test_snippet_source_when_every_segment_text_is_known(tmp_path):
    ds = CodedDataset(study="snip")
    ds.documents["d"] = Document(key="d", name="d", text_length=30)
    ds.codes["c"] = Code(key="c", name="c")
    ds.segments += [Segment(id="s1", document="d", codes=["c"], start=2, end=7, text="hello"),
                    Segment(id="s2", document="d", codes=["c"], start=5, end=9, text="lo w")]
    project = build_project([ds])
    (text,) = project.sources.values()
    assert len(text) == 30
    assert text[2:9] == "hello w" and text[:2] == "  " and text[9:].strip() == ""
    # two segment texts that disagree: no snippets at all
    ds.segments[1].text = "XXXX"
    assert build_project([ds]).sources == {}


def test_same_bytes_on_every_run(tmp_path):
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    export_refi([STUDY], a)
    export_refi([STUDY], b)
    assert a.read_bytes() == b.read_bytes()


def test_guids_are_uuid5_of_iris_unless_the_data_has_its_own():
    (ds,) = load_datasets([STUDY])
    project = build_project([ds])
    root = ET.fromstring(project.xml)
    doc = next(d for d in ds.documents.values() if d.name == "Interview P07")
    source = next(s for s in root.findall("q:Sources/q:TextSource", NS)
                  if s.get("name") == "Interview P07")
    assert source.get("guid") == stable_guid(doc.iri)
    ds.documents[doc.key].guid = "{0f8a1907-7e42-4739-8610-a676b4d1b69f}"
    root = ET.fromstring(build_project([ds]).xml)
    source = next(s for s in root.findall("q:Sources/q:TextSource", NS)
                  if s.get("name") == "Interview P07")
    assert source.get("guid") == "0F8A1907-7E42-4739-8610-A676B4D1B69F"


def test_paragraph_segments_use_the_text_or_become_whole_source_codings():
    ds = CodedDataset(study="para")
    ds.documents["d"] = Document(key="d", name="d", text="first line\nsecond line\nthird")
    ds.documents["e"] = Document(key="e", name="e")
    ds.codes["c"] = Code(key="c", name="c")
    ds.codes["k"] = Code(key="k", name="k")
    ds.segments += [
        Segment(id="p", document="d", codes=["c"], start_paragraph=2, end_paragraph=3),
        Segment(id="q", document="e", codes=["c", "k"], start_paragraph=4, end_paragraph=4),
    ]
    project = build_project([ds])
    root = ET.fromstring(project.xml)
    _schema().validate(root)
    sel = root.find(".//q:PlainTextSelection", NS)
    text = ds.documents["d"].text
    assert text[int(sel.get("startPosition")):int(sel.get("endPosition"))] == \
        "second line\nthird"
    whole = root.findall("q:Sources/q:TextSource/q:Coding", NS)
    assert len(whole) == 2  # one whole-source coding per code of segment q
    assert project.counts.segments == 3 and project.counts.codings == 3
    assert [a.delta for a in project.adjustments] == [1]


def test_positions_outside_the_text_are_an_error():
    ds = CodedDataset(study="bad")
    ds.documents["d"] = Document(key="d", name="d", text="short")
    ds.codes["c"] = Code(key="c", name="c")
    ds.segments.append(Segment(id="s", document="d", codes=["c"], start=2, end=50))
    with pytest.raises(CryontoError, match="outside the transcript"):
        build_project([ds])


def test_bad_created_is_left_out_not_invalid():
    ds = CodedDataset(study="dates")
    ds.documents["d"] = Document(key="d", name="d", text="some text")
    ds.codes["c"] = Code(key="c", name="c")
    ds.coders["x"] = Coder(key="x", name="x")
    ds.segments.append(Segment(id="s", document="d", codes=["c"], start=0, end=4,
                               coder="x", created="yesterday"))
    project = build_project([ds])
    _schema().validate(ET.fromstring(project.xml))
    assert any("yesterday" in n for n in project.notes)


# -- round trips through the importer ---------------------------------------------


def _import(fmt: str, path: Path, out: Path, study: str) -> CodedDataset:
    importing.import_to_turtle(fmt, path, out, study=study)
    (ds,) = load_datasets([out])
    return ds


def _view(ds: CodedDataset):
    codes = {c.guid or c.key: (c.name, ds.codes[c.parent].name if c.parent else None, c.color,
                               c.description, c.codable) for c in ds.codes.values()}
    positioned, whole = {}, Counter()
    for s in ds.segments:
        doc = ds.documents[s.document].name
        names = tuple(sorted(ds.codes[k].name for k in s.codes))
        coder = ds.coders[s.coder].name if s.coder else None
        if s.start is None:
            for name in names:
                whole[(doc, name, coder, s.created)] += 1
        else:
            positioned[s.id] = (doc, s.start, s.end, names, coder, s.created, s.memo, s.text)
    documents = sorted((d.name, d.guid) for d in ds.documents.values())
    coders = sorted((c.name, c.guid) for c in ds.coders.values())
    return codes, positioned, whole, documents, coders


@pytest.mark.usefixtures("shared")
def test_round_trip_refi_rdf_refi_rdf_spec_sample(tmp_path):
    first = _import("refi", ATLAS, tmp_path / "one.ttl", "atlas")
    result = export_refi([tmp_path / "one.ttl"], tmp_path / "one.qdpx")
    assert result.counts_out.segments == result.counts_in.segments + 1  # one split, reported
    _schema().validate(ET.fromstring(zipfile.ZipFile(tmp_path / "one.qdpx").read("project.qde")))
    second = _import("refi", tmp_path / "one.qdpx", tmp_path / "two.ttl", "atlas")
    codes1, pos1, whole1, docs1, coders1 = _view(first)
    codes2, pos2, whole2, docs2, coders2 = _view(second)
    assert codes1 == codes2 and len(codes1) == 14
    assert docs1 == docs2 and coders1 == coders2
    assert set(pos1) == set(pos2) and len(pos1) == 7
    for key, seg in pos1.items():
        other = pos2[key]
        assert seg[:7] == other[:7]
        # a segment text comes back as it was, or not at all; never as invented blanks
        assert other[7] is None or other[7] == seg[7]
    assert whole1 == whole2  # codings without positions: same documents, codes, coders
    # and a second cycle changes nothing at all
    export_refi([tmp_path / "two.ttl"], tmp_path / "two.qdpx")
    third = _import("refi", tmp_path / "two.qdpx", tmp_path / "three.ttl", "atlas")
    assert _view(third) == _view(second)


def test_round_trip_csv_rdf_refi_rdf_keeps_segments_and_texts(tmp_path):
    examples = Path(__file__).parent.parent / "examples" / "paper-quotes.csv"
    first = _import("csv", examples, tmp_path / "one.ttl", "paper-quotes")
    export_refi([tmp_path / "one.ttl"], tmp_path / "pq.qdpx")
    second = _import("refi", tmp_path / "pq.qdpx", tmp_path / "two.ttl", "paper-quotes")

    def segments(ds):
        return sorted((ds.documents[s.document].name, s.start, s.end, s.text,
                       tuple(sorted((ds.codes[k].category or
                                     next((c for p, c in ds.codes[k].mappings
                                           if p == "exactMatch"), k)) for k in s.codes)))
                      for s in ds.segments)

    # categories coded directly come back as study codes mapped exactly onto them
    assert segments(first) == segments(second)
    assert all(s.text for s in second.segments)


def test_two_studies_in_one_project(tmp_path):
    other = CodedDataset(study="Second study")
    other.documents["T9"] = Document(key="T9", name="T9", text="She cried in protest.")
    other.codes[CRY + "ProtestCrying"] = Code(key=CRY + "ProtestCrying", name="Protest crying",
                                              category=CRY + "ProtestCrying")
    other.coders["Anna"] = Coder(key="Anna", name="Anna")
    other.segments.append(Segment(id="x1", document="T9", codes=[CRY + "ProtestCrying"],
                                  start=0, end=21, coder="Anna"))
    other.write_turtle(tmp_path / "second.ttl")
    result = export_refi([STUDY, tmp_path / "second.ttl"], tmp_path / "both.qdpx")
    root, _ = _open(tmp_path / "both.qdpx")
    _schema().validate(root)
    # A1.1 is used in both studies: one code, reported; coders stay per study
    assert result.counts_in.codes == 6 and result.counts_out.codes == 5
    assert [(a.field, a.delta) for a in result.adjustments] == [("codes", -1)]
    assert result.counts_out.documents == 3 and result.counts_out.coders == 3
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(guids) == len(set(guids))
