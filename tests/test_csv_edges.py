"""The CSV reader's everyday edges (issue 9): every bad row in one run, `;` and tab
delimiters, transcripts beside the table (`--texts`), German orientation abbreviations."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.budget import examples

from cryonto.cli import main
from cryonto.errors import CryontoError
from cryonto.importing import import_file
from cryonto.readers.common import Categories, orientation
from cryonto.readers.csv import COLUMNS, detect_delimiter, parse_row, read_csv, read_header

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CRY = "https://w3id.org/cryonto/"
HEADER = "document,code,start,end,coder"
CATEGORIES = Categories()


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def shape(ds) -> list[tuple]:
    """What a CSV says about each segment: id, document, offsets, text, codes, coder."""
    return [(s.id, s.document, s.start, s.end, s.text, tuple(s.codes), s.coder, s.memo)
            for s in ds.segments]


# -- every bad row in one run ---------------------------------------------------------------
def test_every_bad_row_is_named_up_to_fifty_then_counted(tmp_path):
    good = [f"T1,A1.1,{i},{i + 1},c" for i in range(5)]
    bad = [f"T1,A1.1,{i},x{i},c" for i in range(60)]  # end not a number, rows 7..66
    path = write(tmp_path / "many.csv", "\n".join([HEADER, *good, *bad, "T2,,3,1,c"]) + "\n")
    with pytest.raises(CryontoError) as caught:
        import_file("csv", path)
    error = caught.value
    assert error.file == str(path)
    assert str(error).startswith(f"{path}: 61 bad rows, nothing imported (rows 7, 8, 9, 10, "
                                 "11, 12, 13, 14, 15, 16, …); the first: row 7, column 'end': "
                                 "end 'x0' is not a whole number")
    assert "\n" not in str(error)
    assert len(error.details) == 51
    assert error.details[0] == f"{path}: row 7: column 'end': end 'x0' is not a whole number"
    assert error.details[49] == f"{path}: row 56: column 'end': end 'x49' is not a whole number"
    # the last row (empty code and start after end) is past the limit: counted, not listed
    assert error.details[50] == "… and 11 more bad rows"


def test_bad_rows_cli_prints_summary_then_one_line_per_row(tmp_path):
    path = write(tmp_path / "bad.csv", HEADER + ",orientation,segment_id\n"
                 "T1,A1.1,0,5,c,VT,s1\n"
                 "T1,A1.1,-2,5,c,,\n"          # row 3: negative start
                 ",A1.1,0,5,c,,\n"             # row 4: empty document
                 "T1,A1.2,0,6,c,,s1\n"         # row 5: segment s1 has end 5 in row 2
                 "T1,A1.1,0,5,c,PDT,\n"        # row 6: orientation differs from row 2
                 "T2,Pause,0,5\n")             # row 7: too few fields
    out = tmp_path / "bad.ttl"
    result = CliRunner().invoke(main, ["import", "csv", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0] == (f"Error: {path}: 5 bad rows, nothing imported (rows 3, 4, 5, 6, 7); "
                        "the first: row 3, column 'start': start -2 is negative; positions "
                        "count code points from 0")
    assert lines[1:] == [
        f"  {path}: row 3: column 'start': start -2 is negative; positions count code points "
        "from 0",
        f"  {path}: row 4: column 'document': empty document",
        f"  {path}: row 5: column 'end': segment_id 's1' has end 6 here but 5 in row 2",
        f"  {path}: row 6: column 'orientation': document 'T1' has orientation PDT here but "
        "CBT in row 2",
        f"  {path}: row 7: has 4 fields, the header has 7",
    ]
    assert not out.exists()


def test_one_bad_row_is_still_one_line(tmp_path):
    path = write(tmp_path / "one.csv", HEADER + "\nT1,A1.1,0,5,c\nT1,A1.1,0,5,c,extra\n")
    result = CliRunner().invoke(main, ["import", "csv", str(path), "-o", str(tmp_path / "o.ttl")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: {path}: row 3: has 6 fields, the header has 5"]


def test_malformed_csv_stops_reading_but_keeps_earlier_rows(tmp_path):
    path = write(tmp_path / "q.csv", HEADER + ',text\nT1,A1.1,x,5,c,ok\nT1,A1.1,0,5,c,"a"b\n'
                 "T1,A1.1,0,y,c,later\n")
    with pytest.raises(CryontoError) as caught:
        read_csv(path, categories=CATEGORIES)
    assert [d.split(": ", 2)[1] for d in caught.value.details] == ["row 2", "row 3"]
    assert "malformed CSV" in caught.value.details[1]


def test_parse_row_is_pure_and_names_each_problem():
    header = read_header([*HEADER.split(","), "orientation"], "f.csv")
    row = parse_row(["T1", " A1.1 ; Pause ", "3", "9", "anna", "tp"], header, 2)
    assert row is not None and not isinstance(row, list)
    assert (row.document, row.codes, row.start, row.end, row.coder, row.orientation) == (
        "T1", ("A1.1", "Pause"), 3, 9, "anna", "PDT")
    problems = parse_row(["", "", "9", "3", "", "xx"], header, 7)
    assert isinstance(problems, list)
    assert [(p.row, p.column) for p in problems] == [
        (7, "document"), (7, "code"), (7, "end"), (7, "orientation")]
    assert parse_row([" ", "", "", "", "", ""], header, 8) is None


# -- delimiters -------------------------------------------------------------------------------
COMMA = (HEADER + ",text,segment_id,memo\n"
         'T1,"A1.1;Pause",0,5,anna,"Hallo, du",s1,"memo; with ""quotes"""\n'
         'T1,Weinen in Trauer,6,18,ben,"zwei\nZeilen",,\n'
         "T2,own code,2,4,anna,ab,,\n")


def as_delimited(text: str, delimiter: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_read_like_the_comma_file(tmp_path, delimiter):
    comma = import_file("csv", write(tmp_path / "c.csv", COMMA)).dataset
    other_path = write(tmp_path / "o.csv", as_delimited(COMMA, delimiter))
    assert delimiter in other_path.read_text().splitlines()[0]
    other = import_file("csv", other_path).dataset
    assert shape(other) == shape(comma)
    assert shape(comma)[0] == ("s1", "T1", 0, 5, "Hallo, du",
                               (CRY + "ProtestCrying", CRY + "Pause"), "anna",
                               'memo; with "quotes"')
    assert shape(comma)[1][4] == "zwei\nZeilen"


def test_cli_semicolon_file_same_turtle_and_summary_says_so(tmp_path):
    (tmp_path / "de").mkdir()
    (tmp_path / "en").mkdir()
    german = write(tmp_path / "de" / "coded.csv", "\ufeff" + as_delimited(COMMA, ";"))
    out_de, out_en = tmp_path / "de.ttl", tmp_path / "en.ttl"
    result = run("import", "csv", str(german), "-o", str(out_de), "--study", "s")
    assert result.exit_code == 0, result.output
    assert "semicolon-separated (detected from the header)" in result.stdout
    assert run("import", "csv", str(write(tmp_path / "en" / "coded.csv", COMMA)), "-o",
               str(out_en), "--study", "s").exit_code == 0
    assert out_de.read_text() == out_en.read_text()


def test_cli_delimiter_option_overrides_detection(tmp_path):
    tab = write(tmp_path / "t.csv", as_delimited(COMMA, "\t"))
    result = run("import", "csv", str(tab), "-o", str(tmp_path / "t.ttl"), "--delimiter", "tab",
                 "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["details"]["delimiter"] == "\t"
    assert "tab-separated (as given)" in summary["notes"]
    forced = run("import", "csv", str(tab), "-o", str(tmp_path / "f.ttl"), "--delimiter", ",")
    assert forced.exit_code == 2
    assert "unknown column 'document\\tcode\\tstart" in forced.stderr
    refi = run("import", "refi", str(FIXTURES / "spec-sample.qdpx"), "-o",
               str(tmp_path / "r.ttl"), "--delimiter", ";")
    assert refi.exit_code == 2
    assert "--texts and --delimiter apply to csv imports only" in refi.stderr


def test_detect_delimiter_agrees_with_the_stdlib_sniffer_on_headers():
    sniffer = csv.Sniffer()
    for delimiter in (",", ";", "\t"):
        for columns in (COLUMNS[:5], COLUMNS, ("Document", "CODE", "start", "End", "coder",
                                               "memo")):
            line = delimiter.join(columns) + "\r\n"
            assert detect_delimiter(line) == delimiter
            assert sniffer.sniff(line, delimiters=",;\t").delimiter == delimiter
    # a header that names no column: comma, so the error names the unknown columns
    assert detect_delimiter("a;b;c\n") == ","


CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=12)
TRICKY = st.sampled_from(['"', ",", ";", "\t", "\n", "\r\n", "'", " ", "ä", "😢"])


def tricky_text() -> st.SearchStrategy[str]:
    """Text with quotes, every delimiter and line breaks; never blank, never a formula
    quote at the start (export csv's protection, undone on import)."""
    return (st.lists(st.one_of(CELL, TRICKY), min_size=1, max_size=6).map("".join)
            .filter(lambda t: bool(t.strip()) and not t.startswith("'")))


def unquoted(text: str) -> bool:
    return bool(text) and not text.startswith("'")


ROW = st.tuples(tricky_text().map(str.strip).filter(unquoted),                # document
                st.lists(tricky_text().map(lambda t: t.replace(";", "").strip())
                         .filter(unquoted), min_size=1, max_size=3, unique=True),  # codes
                st.integers(0, 10**6), st.integers(1, 500),                     # start, length
                st.sampled_from(["", "anna", "Bär;Ben"]),                        # coder
                tricky_text())                                                  # text


@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rows=st.lists(ROW, min_size=1, max_size=6), delimiter=st.sampled_from([",", ";", "\t"]),
       bom=st.booleans(), crlf=st.booleans())
def test_any_table_written_with_any_delimiter_reads_back(tmp_path_factory, rows, delimiter,
                                                         bom, crlf):
    buffer = io.StringIO()
    # with LF line ends the writer leaves a field holding a lone CR unquoted (CR is not in
    # its lineterminator), which no reader can tell from a line end: quote every text then
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_MINIMAL if crlf else csv.QUOTE_NONNUMERIC)
    writer.writerow(["document", "code", "start", "end", "coder", "text"])
    for document, codes, start, length, coder, text in rows:
        writer.writerow([document, ";".join(codes), start, start + length, coder, text])
    path = tmp_path_factory.mktemp("prop") / "p.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    result = read_csv(path, categories=CATEGORIES)
    assert result.details["delimiter"] == delimiter
    got = [(s.document, s.codes, s.start, s.end, s.coder, s.text)
           for s in result.dataset.segments]
    want = []
    for document, codes, start, length, coder, text in rows:
        keys: list[str] = []
        for code in codes:
            key = CATEGORIES.resolve(code) or code
            if key not in keys:
                keys.append(key)
        want.append((document, keys, start, start + length, coder.strip() or None, text))
    assert got == want


# -- transcripts: --texts DIR ----------------------------------------------------------------
T1 = "Erste Zeile.\r\nSie weint 😢 leise.\r\nPause."  # CRLF kept: 2 characters each


def texts_case(tmp_path: Path) -> tuple[Path, Path]:
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "T1.txt").write_bytes(T1.encode("utf-8"))
    (texts / "t2.txt").write_bytes(b"not T2: names are case-sensitive")
    i = T1.index("Sie")
    j = T1.index("Pause")
    body = (HEADER + ",text,segment_id\n"
            f"T1,A1.1,{i},{i + 9},anna,Sie weint,good\n"              # matches
            f"T1,A1.1,{j},{j + 5},anna,Pausa,wrong-quote\n"           # differs from the text
            f"T1,Pause,{j},{j + 6},anna,,cut\n"                       # text cut: "Pause."
            f"T1,A1.1,{len(T1) - 2},{len(T1) + 4},anna,,past-end\n"   # past the end
            "T2,A1.1,0,4,anna,,no-text\n")
    return write(tmp_path / "coded.csv", body), texts


def test_texts_attached_as_stored_and_reported(tmp_path):
    path, texts = texts_case(tmp_path)
    result = import_file("csv", path, texts=texts)
    ds = result.dataset
    assert ds.documents["T1"].text == T1 and ds.documents["T1"].text_length == len(T1)
    assert ds.documents["T2"].text is None
    segs = {s.id: s for s in ds.segments}
    assert segs["cut"].text == "Pause."  # CRLF counted as two characters before it
    assert segs["good"].text == "Sie weint"
    assert segs["wrong-quote"].text == "Pausa"  # kept as given
    assert segs["past-end"].text is None
    details = result.details["texts"]
    assert details == {"directory": str(texts), "attached": 1, "without_text": ["T2"],
                       "unmatched_files": ["t2.txt"], "texts_cut": 1, "texts_differ": 1,
                       "past_end": 1}
    assert f"texts from {texts}: 1 document of 2" in result.notes
    assert "1 document without a text file: 'T2'" in result.notes
    assert "1 text file matching no document: 't2.txt'" in result.notes


def test_texts_cli_then_validate_flags_quote_and_offsets(tmp_path):
    path, texts = texts_case(tmp_path)
    out = tmp_path / "coded.ttl"
    imported = run("import", "csv", str(path), "-o", str(out), "--texts", str(texts))
    assert imported.exit_code == 0, imported.output
    assert "1 segment whose text differs from the transcript at its offsets" in imported.stdout
    checked = run("validate", str(out), "--format", "json")
    assert checked.exit_code == 1, checked.output  # a violation: past the end
    report = json.loads(checked.stdout)
    results = report["results"] if isinstance(report, dict) else report
    messages = sorted(r["message"] for r in results)
    assert any("Segment wrong-quote: the quoted text differs from the transcript's text"
               in m for m in messages), messages
    assert any(f"Segment past-end ends at character {len(T1) + 4}, past the end of its "
               f"transcript ({len(T1)} characters)" in m for m in messages), messages
    assert not any("Segment good" in m or "Segment cut" in m for m in messages), messages


def test_texts_offsets_in_utf16_units_are_a_violation(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "T1.txt").write_text("😢😢 Sie weint.", encoding="utf-8")
    # a tool counting UTF-16 units puts "Sie" at 5 (two surrogate pairs + space), not 3
    path = write(tmp_path / "u.csv", HEADER + ",text,segment_id\nT1,A1.1,5,8,anna,Sie,s\n")
    out = tmp_path / "u.ttl"
    assert run("import", "csv", str(path), "-o", str(out), "--texts", str(texts)).exit_code == 0
    checked = run("validate", str(out), "--format", "json")
    assert checked.exit_code == 1
    assert "its offsets count UTF-16 code units" in checked.stdout


def test_texts_errors(tmp_path):
    path, _ = texts_case(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "t1.txt").write_text("x")
    with pytest.raises(CryontoError, match=r"no <document>\.txt file for any of the 2 "
                                           r"documents \(e\.g\. 'T1'\.txt; found t1\.txt\)"):
        import_file("csv", path, texts=elsewhere)
    (elsewhere / "T1.txt").write_bytes("Tränen".encode("cp1252"))
    with pytest.raises(CryontoError) as caught:
        import_file("csv", path, texts=elsewhere)
    assert caught.value.file == str(elsewhere / "T1.txt")
    assert "not valid UTF-8 (byte 0xe4 at byte offset 2)" in caught.value.reason
    with pytest.raises(CryontoError, match="--texts must name a directory"):
        import_file("csv", path, texts=elsewhere / "T1.txt")
    refi = run("import", "refi", str(FIXTURES / "spec-sample.qdpx"), "-o",
               str(tmp_path / "r.ttl"), "--texts", str(elsewhere))
    assert refi.exit_code == 2
    assert "apply to csv imports only" in refi.stderr


def test_non_utf8_csv_names_line_and_byte_offset(tmp_path):
    path = write(tmp_path / "excel.csv", HEADER + "\nTür,A1.1,0,5,c\n", "cp1252")
    result = run("import", "csv", str(path), "-o", str(tmp_path / "o.ttl"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {path}: line 2: not valid UTF-8 (byte 0xfc at byte offset 31); save the file "
        "as UTF-8 (in Excel: 'CSV UTF-8')"]


# -- German orientation abbreviations --------------------------------------------------------
@pytest.mark.parametrize(("given_", "expected"), [
    ("VT", "CBT"), ("vt", "CBT"), ("TP", "PDT"), ("Tp", "PDT"), ("AP", "PDT"), ("ap", "PDT"),
    ("ST", "ST"), ("st", "ST"), ("cbt", "CBT"), ("PDT", "PDT"), (" ", None), (None, None)])
def test_orientation_abbreviations(given_, expected):
    assert orientation(given_) == expected


def test_orientation_abbreviations_in_csv_and_maxqda(tmp_path):
    path = write(tmp_path / "o.csv", HEADER + ",orientation\nT1,A1.1,0,5,c,VT\n"
                 "T2,A1.1,0,5,c,tp\nT3,A1.1,0,5,c,AP\nT4,A1.1,0,5,c,st\nT1,A1.1,6,9,c,CBT\n")
    out = tmp_path / "o.ttl"
    assert run("import", "csv", str(path), "-o", str(out)).exit_code == 0
    ttl = out.read_text()
    ds = import_file("csv", path).dataset
    assert {k: d.orientation for k, d in ds.documents.items()} == {
        "T1": "CBT", "T2": "PDT", "T3": "PDT", "T4": "ST"}
    assert ttl.count("cry:orientation cry:PDT") == 2 and "cry:orientation cry:CBT" in ttl
    maxqda = write(tmp_path / "m.csv", "Dokumentname;Code;Anfang;Ende;Dokumentgruppe\n"
                   "I1;A1.1;1;2;TP\nI2;A1.1;1;2;VT\n")
    docs = import_file("maxqda", maxqda).dataset.documents
    assert {k: d.orientation for k, d in docs.items()} == {"I1": "PDT", "I2": "CBT"}
    with pytest.raises(CryontoError, match=r"orientation 'KT' is not one of PDT, CBT, ST "
                                           r"\(or German VT, TP, AP\)"):
        import_file("csv", write(tmp_path / "k.csv", HEADER + ",orientation\nT,A1.1,0,5,c,KT\n"))
