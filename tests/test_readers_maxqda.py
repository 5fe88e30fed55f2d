"""MAXQDA "Coded segments" exports: xlsx and csv, German and English, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryonto.errors import CryontoError
from cryonto.importing import import_file

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CRY = "https://w3id.org/cryonto/"
EXPECTED_OUT = {"documents": 3, "codes": 10, "segments": 6, "codings": 6, "coders": 2}


@pytest.mark.parametrize(("name", "language", "how"), [
    ("maxqda-de.xlsx", "German", "xlsx"),
    ("maxqda-en.xlsx", "English", "xlsx"),
    ("maxqda-de.csv", "German", "UTF-8 with BOM, semicolon-separated"),
    ("maxqda-en.csv", "English", "UTF-16 LE (BOM), tab-separated"),
])
def test_exports_in_both_languages(name, language, how):
    result = import_file("maxqda", FIXTURES / name)
    assert result.counts_in.as_dict() == {"documents": 3, "codes": 5, "segments": 6,
                                          "codings": 6, "coders": 2}
    assert result.counts_out.as_dict() == EXPECTED_OUT
    assert result.details["headers"] == language
    assert how in result.details["format"]
    assert [(a.field, a.delta) for a in result.adjustments] == [("codes", 5)]
    ds = result.dataset
    # the last path element is matched: labels in either language, or a notation
    mapped = {c.name: c.mappings for c in ds.codes.values() if c.mappings}
    assert len(mapped) == 8
    protest = "Protestweinen" if language == "German" else "Protest crying"
    assert mapped[protest] == [("exactMatch", CRY + "ProtestCrying")]
    assert mapped["A3.2.2"] == [("exactMatch", CRY + "ReliefCatharsis")]
    own = "Eigene Codes\\Scham" if language == "German" else "Own codes\\Shame"
    assert own in result.unmapped and ds.codes[own].parent == own.split("\\")[0]


def test_paragraphs_never_become_character_offsets():
    ds = import_file("maxqda", FIXTURES / "maxqda-de.xlsx").dataset
    first, second = ds.segments[0], ds.segments[1]
    assert (first.start_paragraph, first.end_paragraph) == (3, 3)
    assert (second.start_paragraph, second.end_paragraph) == (5, 7)
    assert all(s.start is None and s.end is None for s in ds.segments)
    pdf = ds.segments[5]  # Begin/End "1:120" .. "1:180": page:offset
    assert (pdf.start_paragraph, pdf.end_paragraph) == (None, None)


def test_rows_keep_text_coder_date_memo_and_orientation():
    for name in ("maxqda-de.xlsx", "maxqda-en.xlsx", "maxqda-de.csv", "maxqda-en.csv"):
        ds = import_file("maxqda", FIXTURES / name).dataset
        seg = ds.segments[0]
        assert seg.text == "Sie weinte aus Wut – ein Protest."
        assert (seg.coder, seg.created, seg.memo) == ("kim", "2024-03-12T14:22:00", "klar")
        assert ds.documents["Interview 01"].orientation == "PDT"
        assert ds.documents["Interview 02"].orientation is None  # group "KVT" is not PDT/CBT/ST
        assert ds.documents["Interview 03"].orientation == "ST"
        assert ds.codes[ds.segments[0].codes[0]].color == "#ff0000"


def test_windows_1252_is_detected_and_said():
    result = import_file("maxqda", FIXTURES / "maxqda-cp1252.csv")
    assert "Windows-1252" in result.details["format"]
    assert any("Windows-1252" in n for n in result.notes)
    assert result.dataset.segments[0].text == "Später kam Trauer über den Verlust."


def test_ignored_columns_and_groups_are_reported():
    result = import_file("maxqda", FIXTURES / "maxqda-de.xlsx")
    notes = " | ".join(result.notes)
    assert "columns not imported: Gewicht, Bearbeitet von, Bearbeitet am, Fläche" in notes
    assert "'KVT' (2 rows)" in notes


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "Dokumentname;Code;Anfang;Ende;Segment;Erstellt am\n"


@pytest.mark.parametrize(("row", "fragment"), [
    ("I1;A1.1;x;3;t;\n", "begin 'x' is not a paragraph number"),
    ("I1;A1.1;5;3;t;\n", "begin paragraph 5 is after end paragraph 3"),
    ("I1;A1.1;;3;t;\n", "begin is empty"),
    ("I1;;1;3;t;\n", "empty code"),
    ("I1;Formen\\\\Protest;1;3;t;\n", "empty element"),
    ("I1;A1.1;1;3;t;gestern\n", "created 'gestern' is not a date"),
])
def test_bad_rows(tmp_path, row, fragment):
    with pytest.raises(CryontoError, match=fragment) as caught:
        import_file("maxqda", _csv(tmp_path, HEADER + row))
    assert caught.value.where == "row 2"


def test_header_errors(tmp_path):
    with pytest.raises(CryontoError, match="unknown column 'Farbe2'"):
        import_file("maxqda", _csv(tmp_path, "Dokumentname;Code;Anfang;Ende;Farbe2\n"))
    with pytest.raises(CryontoError, match="missing required column End/Ende"):
        import_file("maxqda", _csv(tmp_path, "Dokumentname;Code;Anfang\nI1;A1.1;1\n"))


def test_xlsx_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("Dokumentname;Code\n", encoding="utf-8")
    with pytest.raises(CryontoError, match=r"not a MAXQDA \.xlsx workbook"):
        import_file("maxqda", path)


def test_xlsx_with_entities_is_refused(tmp_path):
    import zipfile

    with zipfile.ZipFile(FIXTURES / "maxqda-de.xlsx") as source:
        files = {i.filename: source.read(i) for i in source.infolist()}
    sheet = next(n for n in files if n.startswith("xl/worksheets/"))
    files[sheet] = (b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    + files[sheet])
    assert b"<!DOCTYPE" in files[sheet]
    path = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    with pytest.raises(CryontoError, match="refused: the workbook's XML has a DOCTYPE or entities"):
        import_file("maxqda", path)
