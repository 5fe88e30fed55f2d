"""REFI-QDA projects and codebooks: the spec sample, NVivo/MAXQDA/ATLAS.ti/Taguette variants."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from support.paths import SHARED

from cryonto.errors import CryontoError
from cryonto.importing import import_file, import_to_turtle

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SPEC_QDE = SHARED / "reference/refi-qda/spec-sample-atlasti.qde"
SPEC_EMPTY = SHARED / "reference/refi-qda/spec-sample-empty.qdpx"
CRY = "https://w3id.org/cryonto/"

needs_spec = pytest.mark.usefixtures("shared")  # the reference files: tests/conftest.py


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


@needs_spec
def test_spec_sample_every_element_accounted_for():
    result = import_file("refi", SPEC_QDE)
    assert result.counts_in.as_dict() == {"documents": 12, "codes": 14, "segments": 15,
                                          "codings": 16, "coders": 3}
    assert result.details["selections"] == {"PlainTextSelection": 8, "PictureSelection": 1,
                                            "PDFSelection": 4, "VideoSelection": 2}
    # two PDF quotations repeated as representation text, two selections without a code
    deltas = sorted((a.field, a.delta) for a in result.adjustments)
    assert deltas == [("codings", -2), ("segments", -2), ("segments", -2)]
    assert result.counts_out.as_dict() == {"documents": 12, "codes": 14, "segments": 11,
                                           "codings": 14, "coders": 3}
    uncoded = {u["guid"] for u in result.details["uncoded_selections"]}
    assert uncoded == {"B49D7982-BB8E-4335-80AF-DC869CCC3F45",
                       "238965CB-E557-405D-B4F0-6F824B2F4570"}
    assert len(result.unmapped) == 14


@needs_spec
def test_spec_sample_codes_users_and_selections():
    ds = import_file("refi", SPEC_QDE).dataset
    assert {c.name for c in ds.coders.values()} == {"ATLAS.ti", "Friedrich Markgraf",
                                                    "Sebastian Petrausch"}
    coke = ds.codes["Coke"]
    assert (coke.color, coke.description, coke.guid) == (
        "#966450", "the breakfast of champions", "7496BA52-9C8D-4396-8FAB-CC438614E453")
    seg = next(s for s in ds.segments if s.id == "2F24EA88-C6A7-482B-8F89-893EF66D7A21")
    assert (seg.start, seg.end, len(seg.codes)) == (0, 410, 3)
    assert seg.coder == "AD68FBE7-E1EE-4A82-A279-23CC698C89EB"
    assert seg.created == "2018-03-27T19:04:19Z"
    memo = next(s for s in ds.segments if s.id == "63E009F1-5C33-4568-B65D-53A7E28BDBC1").memo
    assert memo == "why does Simon feel the need to do this?"
    # the PDF quotation merged with its representation text keeps the text positions
    pdf = next(s for s in ds.segments if s.id == "95916796-D0A0-4B49-80B0-5A5C8B94AE13")
    assert (pdf.start, pdf.end, pdf.codes) == (297, 498, ["cornflakes"])
    assert ds.documents[pdf.document].name.startswith("Pay de Lim")
    picture = next(s for s in ds.segments if s.id == "7532038C-670E-471B-AA89-A1098E9A4E33")
    assert (picture.start, picture.end, picture.codes) == (None, None, ["cornflakes", "milk"])


def test_spec_sample_qdpx_reads_texts_by_code_point():
    result = import_file("refi", FIXTURES / "spec-sample.qdpx")
    ds = result.dataset
    simon = ds.documents["AE5298BE-7C94-4B66-8A9C-51FBE232D2F5"]
    assert simon.text is not None and len(simon.text) == 1200
    for seg in ds.segments:
        doc = ds.documents[seg.document]
        if seg.start is not None and doc.text is not None:
            assert seg.text == doc.text[seg.start:seg.end]
    mabel = next(s for s in ds.segments if s.id == "2F24EA88-C6A7-482B-8F89-893EF66D7A21")
    assert "😢" in mabel.text and len(mabel.text) == 410  # code points, not bytes
    assert result.counts_out.segments == 11


def test_nvivo_bom_crlf_and_repeated_ranges():
    result = import_file("refi", FIXTURES / "nvivo.qdpx")
    ds = result.dataset
    text = ds.documents["99999999-dddd-4ddd-8ddd-000000000001"].text
    assert not text.startswith("\ufeff") and "\r\n" in text
    by_text = {s.text: s for s in ds.segments}
    protest = by_text["es war ein Protest gegen die Ungerechtigkeit"]
    assert protest.codes == ["Formen\\Protestweinen", "Hilflosigkeit des Therapeuten"]
    assert text[protest.start:protest.end] == protest.text
    grief = by_text["später kam Trauer über den Verlust"]
    assert grief.codes == ["Formen\\A1.3"]
    assert result.counts_in.segments == 6 and result.counts_out.segments == 3
    reasons = " ".join(a.reason for a in result.adjustments)
    assert "NVivo" in reasons and "uncoded selection" in reasons
    [uncoded] = result.details["uncoded_selections"]
    assert uncoded["description"] == "Gegenübertragung? (no code yet)"


def test_nvivo_codes_map_by_label_and_notation():
    ds = import_file("refi", FIXTURES / "nvivo.qdpx").dataset
    assert ds.codes["Formen\\Protestweinen"].mappings == [("exactMatch", CRY + "ProtestCrying")]
    assert ds.codes["Formen\\Protestweinen"].parent == "Formen"
    assert ds.codes["Formen\\A1.3"].mappings == [("exactMatch", CRY + "CryingInGrief")]
    assert ds.codes["I2.1 Pause"].mappings == [("exactMatch", CRY + "Pause")]
    assert ds.codes["Formen"].codable is False
    assert ds.codes["Formen"].color == "#ff0000"


def test_codebook_qdc_namespace_0_4():
    result = import_file("refi", FIXTURES / "codebook.qdc")
    ds = result.dataset
    assert result.counts_out.as_dict() == {"documents": 0, "codes": 4, "segments": 0,
                                           "codings": 0, "coders": 0}
    forms = ds.codes["Forms of crying"]
    assert (forms.codable, forms.color, forms.mappings) == (
        False, "#0000ff", [("exactMatch", CRY + "FormsOfCrying")])
    assert ds.codes["Forms of crying\\Weinen in Trauer"].mappings == [
        ("exactMatch", CRY + "CryingInGrief")]
    assert result.unmapped == ["Scham"]


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:0:10",
                                "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4"])
def test_namespace_versions_read_the_same(tmp_path, ns):
    files = members(FIXTURES / "nvivo.qdpx")
    files["project.qde"] = files["project.qde"].replace(b"urn:QDA-XML:project:1.0", ns.encode())
    path = tmp_path / "variant.qdpx"
    path.write_bytes(zip_bytes(files))
    assert import_file("refi", path).counts_out.segments == 3


def test_lowercase_sources_and_inner_xml_named_after_project(tmp_path):
    files = members(FIXTURES / "nvivo.qdpx")
    renamed = {("Interview.qde" if n == "project.qde" else n.replace("Sources/", "sources/")): d
               for n, d in files.items()}
    path = tmp_path / "variant.qdpx"
    path.write_bytes(zip_bytes(renamed))
    result = import_file("refi", path)
    assert result.dataset.documents["99999999-dddd-4ddd-8ddd-000000000001"].text is not None


@needs_spec
def test_spec_empty_project_reads():
    result = import_file("refi", SPEC_EMPTY)
    assert result.counts_out.codes == 14


def test_empty_sets_element_is_tolerated():
    # nvivo.qdpx carries Taguette's empty <Sets/>
    assert b"<Sets/>" in members(FIXTURES / "nvivo.qdpx")["project.qde"]
    assert import_file("refi", FIXTURES / "nvivo.qdpx").counts_out.codes == 5


def _project(selection: str, text: str | None = "Hallo Welt, hier wird geweint.") -> bytes:
    source_body = selection
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t">
  <CodeBook><Codes>
    <Code guid="00000000-0000-4000-8000-000000000001" name="A1.1" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="00000000-0000-4000-8000-0000000000aa" name="doc"
                plainTextPath="internal://doc.txt">{source_body}</TextSource>
  </Sources>
</Project>""".encode()


CODING = ('<Coding guid="00000000-0000-4000-8000-0000000000c1"><CodeRef '
          'targetGUID="00000000-0000-4000-8000-000000000001"/></Coding>')


def _qdpx(tmp_path: Path, project: bytes, text: bytes = b"Hallo Welt, hier wird geweint.") \
        -> Path:
    path = tmp_path / "p.qdpx"
    path.write_bytes(zip_bytes({"project.qde": project, "sources/doc.txt": text}))
    return path


def test_missing_required_attribute_names_element_and_guid(tmp_path):
    sel = ('<PlainTextSelection guid="00000000-0000-4000-8000-0000000000b1" endPosition="5">'
           + CODING + "</PlainTextSelection>")
    with pytest.raises(CryontoError) as caught:
        import_file("refi", _qdpx(tmp_path, _project(sel)))
    assert "missing required attribute 'startPosition'" in caught.value.reason
    assert caught.value.where == \
        "element <PlainTextSelection guid=00000000-0000-4000-8000-0000000000b1>"


@pytest.mark.parametrize(("attrs", "fragment"), [
    ('startPosition="x" endPosition="5"', "startPosition 'x' is not an integer"),
    ('startPosition="-1" endPosition="5"', "negative"),
    ('startPosition="5" endPosition="5"', "not before endPosition"),
    ('startPosition="5" endPosition="500"', "beyond the end of the source text (30 code points)"),
])
def test_bad_positions(tmp_path, attrs, fragment):
    sel = (f'<PlainTextSelection guid="00000000-0000-4000-8000-0000000000b1" {attrs}>'
           + CODING + "</PlainTextSelection>")
    with pytest.raises(CryontoError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        import_file("refi", _qdpx(tmp_path, _project(sel)))


def test_unknown_code_reference(tmp_path):
    sel = ('<PlainTextSelection guid="00000000-0000-4000-8000-0000000000b1" startPosition="0" '
           'endPosition="5"><Coding guid="00000000-0000-4000-8000-0000000000c1"><CodeRef '
           'targetGUID="00000000-0000-4000-8000-00000000dead"/></Coding></PlainTextSelection>')
    with pytest.raises(CryontoError, match="not in the CodeBook") as caught:
        import_file("refi", _qdpx(tmp_path, _project(sel)))
    assert caught.value.where == "element <Coding guid=00000000-0000-4000-8000-0000000000c1>"


def test_source_text_not_utf8(tmp_path):
    sel = ('<PlainTextSelection guid="00000000-0000-4000-8000-0000000000b1" startPosition="0" '
           'endPosition="5">' + CODING + "</PlainTextSelection>")
    path = _qdpx(tmp_path, _project(sel), text="Grüße\nund Tränen".encode("cp1252"))
    with pytest.raises(CryontoError, match="not valid UTF-8") as caught:
        import_file("refi", path)
    assert caught.value.file.endswith("p.qdpx!sources/doc.txt")
    assert caught.value.where == "line 1"


def test_whole_source_coding_becomes_a_segment(tmp_path):
    result = import_file("refi", _qdpx(tmp_path, _project(CODING)))
    [seg] = result.dataset.segments
    assert (seg.id, seg.start, seg.codes) == ("00000000-0000-4000-8000-0000000000c1", None,
                                              ["A1.1"])
    assert result.details["selections"] == {"Coding of a whole source": 1}


def test_undeclared_user_is_added_and_reported(tmp_path):
    sel = ('<PlainTextSelection guid="00000000-0000-4000-8000-0000000000b1" startPosition="0" '
           'endPosition="5" creatingUser="00000000-0000-4000-8000-0000000000ee">' + CODING
           + "</PlainTextSelection>")
    result = import_file("refi", _qdpx(tmp_path, _project(sel)))
    assert result.counts_in.coders == 0 and result.counts_out.coders == 1
    assert any(a.field == "coders" and a.delta == 1 for a in result.adjustments)


def test_turtle_written_for_spec_sample(tmp_path):
    out = tmp_path / "spec.ttl"
    result = import_to_turtle("refi", FIXTURES / "spec-sample.qdpx", out)
    assert out.is_file()
    assert result.counts_written == result.counts_out
    assert "cry:ParagraphRangeSelector" not in out.read_text(encoding="utf-8")


def test_export_then_import_keeps_codes_codings_documents_coders(tmp_path):
    from click.testing import CliRunner

    from cryonto.cli import main

    first = import_to_turtle("refi", FIXTURES / "spec-sample.qdpx", tmp_path / "a.ttl")
    exported = CliRunner().invoke(main, ["export", "refi", str(tmp_path / "a.ttl"), "-o",
                                         str(tmp_path / "a.qdpx")])
    assert exported.exit_code == 0, exported.output
    again = import_file("refi", tmp_path / "a.qdpx")
    # segments without positions go out as codings of a whole source, one per code, so
    # only the segment count may differ; everything else must come back
    before, after = first.counts_out.as_dict(), again.counts_out.as_dict()
    assert {k: v for k, v in after.items() if k != "segments"} == {
        k: v for k, v in before.items() if k != "segments"}
