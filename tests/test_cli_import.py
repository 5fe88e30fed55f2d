"""`cryonto import`: printed counts, JSON summary, and one-line errors with no output file."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.paths import SHARED

from cryonto.cli import main
from cryonto.errors import CryontoError

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SPEC_QDE = SHARED / "reference/refi-qda/spec-sample-atlasti.qde"


def run(*args: str):
    return CliRunner().invoke(main, ["import", *args])


def counts_table(stdout: str) -> dict[str, list[str]]:
    """The summary table as {count name: [in, adjusted, out, written]}."""
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"^(documents|codes|segments|codings|coders)\s+(.*)$", line)
        if match:
            rows[match.group(1)] = match.group(2).split()
    return rows


def test_spec_sample_counts_printed(tmp_path):
    out = tmp_path / "spec.ttl"
    result = run("refi", str(FIXTURES / "spec-sample.qdpx"), "-o", str(out))
    assert result.exit_code == 0, result.output
    table = counts_table(result.stdout)
    assert table == {
        "documents": ["12", "12", "12"],
        "codes": ["14", "14", "14"],
        "segments": ["15", "-4", "11", "11"],
        "codings": ["16", "-2", "14", "14"],
        "coders": ["3", "3", "3"],
    }
    assert "Selections: 15 = 8 PlainTextSelection (2 in PDF representations), " \
           "1 PictureSelection, 4 PDFSelection, 2 VideoSelection" in result.stdout
    assert "2 uncoded selections" in result.stdout
    assert "Unmapped study codes (14, 5 of them never used), most used first:" in result.stdout
    assert "\n  cornflakes           4 segments\n  happiness            2 segments\n" \
        in result.stdout
    assert out.is_file()


@pytest.mark.usefixtures("shared")
def test_spec_sample_bare_qde_json(tmp_path):
    out = tmp_path / "spec.ttl"
    result = run("refi", str(SPEC_QDE), "-o", str(out), "--json", "--study", "Spec Sample")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts_in"] == {"documents": 12, "codes": 14, "segments": 15,
                                    "codings": 16, "coders": 3}
    assert summary["counts_out"] == summary["counts_written"]
    assert summary["study_iri"] == "https://w3id.org/cryonto/data/spec-sample/"
    assert summary["details"]["selections"]["PlainTextSelection"] == 8
    assert len(summary["unmapped"]) == 14


@pytest.mark.parametrize("name", ["maxqda-de.xlsx", "maxqda-en.xlsx", "maxqda-de.csv",
                                  "maxqda-en.csv"])
def test_maxqda_exports(tmp_path, name):
    out = tmp_path / "m.ttl"
    result = run("maxqda", str(FIXTURES / name), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert counts_table(result.stdout)["codes"] == ["5", "+5", "10", "10"]
    assert counts_table(result.stdout)["segments"] == ["6", "6", "6"]
    text = out.read_text(encoding="utf-8")
    assert "cry:startParagraph" in text and "oa:start " not in text
    assert "Unmapped study codes (2, 1 of them never used)" in result.stdout
    parent = "Eigene Codes" if "-de" in name else "Own codes"
    child = f"{parent}\\{'Scham' if '-de' in name else 'Shame'}"
    assert f"\n  {child}  2 segments\n  {parent:<{len(child)}}  0 segments\n" in result.stdout


def test_csv_with_mapping_lists_nothing_unmapped(tmp_path):
    out = tmp_path / "c.ttl"
    plain = run("csv", str(FIXTURES / "coded.csv"), "-o", str(out))
    assert "Unmapped study codes (2), most used first:\n  Scham          2 segments\n" \
           "  Hilflosigkeit  1 segment\n" in plain.stdout
    mapped = run("csv", str(FIXTURES / "coded.csv"), "-o", str(out), "--mapping",
                 str(FIXTURES / "mapping.sssom.tsv"))
    assert mapped.exit_code == 0, mapped.output
    assert "2 study codes mapped, 0 unmapped" in mapped.stdout
    assert "skos:relatedMatch cry:ProtestCrying" in out.read_text(encoding="utf-8")


# -- bad inputs: exit 2, one line, no traceback, no output file ------------------------------
HEADER = "document,code,start,end,coder\n"


def text_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(text.encode(encoding))
        return path
    return make


def zip_of(name: str, members: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        path.write_bytes(buffer.getvalue())
        return path
    return make


def nvivo_with(project: bytes) -> Callable[[Path], Path]:
    with zipfile.ZipFile(FIXTURES / "nvivo.qdpx") as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    files["project.qde"] = project
    return zip_of("p.qdpx", files)


NVIVO_QDE = zipfile.ZipFile(FIXTURES / "nvivo.qdpx").read("project.qde")
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<Project xmlns="urn:QDA-XML:project:1.0">&xxe;</Project>\n')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
          b'<lolz>&lol2;</lolz>\n')
NO_START = re.sub(rb'startPosition="\d+" ', b"", NVIVO_QDE, count=1)

BAD_INPUTS = {
    # generic CSV
    "csv start>=end": ("csv", text_file("a.csv", HEADER + "T1,A1.1,5,5,c\n"), ["row 2"]),
    "csv negative": ("csv", text_file("a.csv", HEADER + "T1,A1.1,-3,5,c\n"), ["row 2",
                                                                              "negative"]),
    "csv non-integer": ("csv", text_file("a.csv", HEADER + "T1,A1.1,x,5,c\n"), ["row 2"]),
    "csv orientation": ("csv", text_file("a.csv", "document,code,start,end,coder,orientation\n"
                                         "T1,A1.1,0,5,c,VX\n"), ["row 2", "orientation"]),
    "csv created": ("csv", text_file("a.csv", "document,code,start,end,coder,created\n"
                                     "T1,A1.1,0,5,c,soon\n"), ["row 2", "created"]),
    "csv unknown columns": ("csv", text_file("a.csv", "document,code,start,end,coder,foo,bar\n"
                                             "T1,A1.1,0,5,c,1,2\n"), ["'foo', 'bar'"]),
    "csv missing columns": ("csv", text_file("a.csv", "document,code\nT1,A1.1\n"),
                            ["missing required columns start, end, coder"]),
    "csv encoding": ("csv", text_file("a.csv", HEADER + "Tür,A1.1,0,5,c\n", "cp1252"),
                     ["line 2", "UTF-8"]),
    "csv conflicting segment": ("csv", text_file(
        "a.csv", "document,code,start,end,coder,segment_id\nT1,A1.1,0,5,c,s\nT1,A1.2,1,5,c,s\n"),
        ["row 3", "segment_id 's'"]),
    "no such file": ("csv", lambda tmp: tmp / "missing.csv", ["no such file"]),
    # MAXQDA
    "maxqda begin": ("maxqda", text_file("m.csv", "Dokumentname;Code;Anfang;Ende\nI;A1.1;a;2\n"),
                     ["row 2", "paragraph"]),
    "maxqda unknown column": ("maxqda", text_file("m.csv", "Dokumentname;Code;Anfang;Ende;Foo\n"),
                              ["'Foo'"]),
    "maxqda xlsx not a zip": ("maxqda", text_file("m.xlsx", "hello"), ["not a MAXQDA .xlsx"]),
    # REFI-QDA
    "refi xxe": ("refi", text_file("x.qde", XXE.decode()), ["x.qde", "DOCTYPE"]),
    "refi billion laughs": ("refi", text_file("x.qde", LAUGHS.decode()), ["x.qde", "DOCTYPE"]),
    "refi xxe in qdpx": ("refi", nvivo_with(XXE), ["p.qdpx!project.qde", "DOCTYPE"]),
    "refi not a zip": ("refi", text_file("p.qdpx", "<Project/>"), ["a .qdpx must be a zip",
                                                                    "cannot open it as a zip"]),
    "refi ../ member": ("refi", zip_of("p.qdpx", {"project.qde": NVIVO_QDE,
                                                  "../../etc/evil": b"x"}),
                        ["member '../../etc/evil'", "leaves the archive"]),
    "refi absolute member": ("refi", zip_of("p.qdpx", {"project.qde": NVIVO_QDE,
                                                       "/tmp/evil": b"x"}),
                             ["member '/tmp/evil'"]),
    "refi zip bomb": ("refi", zip_of("p.qdpx", {"project.qde": b" " * (30 * 1024 * 1024)}),
                      ["compression ratio", "zip bomb"]),
    "refi truncated": ("refi", nvivo_with(NVIVO_QDE[: len(NVIVO_QDE) // 2]),
                       ["p.qdpx!project.qde", "line ", "malformed XML", "inside element"]),
    "refi malformed": ("refi", text_file("x.qde", "<Project>\n<Users>\n</Project>"),
                       ["line 3", "mismatched tag"]),
    "refi wrong encoding": ("refi", text_file(
        "x.qde", '<?xml version="1.0" encoding="utf-8"?>\n<Project name="Grüße"/>', "cp1252"),
        ["line 2", "malformed XML"]),
    "refi missing attribute": ("refi", nvivo_with(NO_START),
                               ["missing required attribute 'startPosition'",
                                "element <PlainTextSelection guid=00000001-bbbb"]),
    "refi not a project": ("refi", text_file("x.qde", "<html/>"), ["root element <html>"]),
}


def assert_one_line_error(result, out: Path, fragments: list[str]) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")] == []
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_line_exit_2_no_output(tmp_path, case):
    fmt, make, fragments = BAD_INPUTS[case]
    source = make(tmp_path)
    out = tmp_path / "out" / "result.ttl"
    out.parent.mkdir()
    assert_one_line_error(run(fmt, str(source), "-o", str(out)), out, fragments)


def test_zip_limit_is_configurable(tmp_path):
    out = tmp_path / "out.ttl"
    result = run("refi", str(FIXTURES / "nvivo.qdpx"), "-o", str(out), "--max-unpacked", "1000")
    assert_one_line_error(result, out, ["exceed the limit of 1000 bytes"])


@pytest.mark.parametrize(("rows", "fragments"), [
    ("Nope\tskos:exactMatch\tA1.1\tsemapv:M\n", ["line 2", "'Nope' is not a code in the data"]),
    ("Scham\tskos:exactMatch\tZ9\tsemapv:M\n", ["line 2", "'Z9' is not a cryonto category"]),
])
def test_bad_mapping_rows(tmp_path, rows, fragments):
    mapping = tmp_path / "m.sssom.tsv"
    mapping.write_text("subject_id\tpredicate_id\tobject_id\tmapping_justification\n" + rows,
                       encoding="utf-8")
    out = tmp_path / "out.ttl"
    result = run("csv", str(FIXTURES / "coded.csv"), "-o", str(out), "--mapping", str(mapping))
    assert_one_line_error(result, out, ["m.sssom.tsv", *fragments])


def test_a_failed_import_leaves_an_existing_output_alone(tmp_path):
    out = tmp_path / "out.ttl"
    out.write_text("previous", encoding="utf-8")
    bad = text_file("a.csv", HEADER + "T1,A1.1,5,1,c\n")(tmp_path)
    result = run("csv", str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "previous"


def test_silently_dropped_segment_is_an_error(tmp_path, monkeypatch):
    import cryonto.readers.csv as csv_reader

    real = csv_reader.read_csv

    def dropping(*args, **kwargs):
        result = real(*args, **kwargs)
        result.dataset.segments.pop()
        return result

    monkeypatch.setattr(csv_reader, "read_csv", dropping)
    out = tmp_path / "out.ttl"
    result = run("csv", str(FIXTURES / "coded.csv"), "-o", str(out))
    assert_one_line_error(result, out, ["counts do not add up", "segments expected 6, built 5"])


def test_turtle_that_loses_something_is_an_error(tmp_path, monkeypatch):
    import cryonto.importing as importing

    real = importing._recount

    def losing(path, iri):
        counts = real(path, iri)
        return type(counts)(**{**counts.as_dict(), "codings": counts.codings - 1})

    monkeypatch.setattr(importing, "_recount", losing)
    out = tmp_path / "out.ttl"
    result = run("csv", str(FIXTURES / "coded.csv"), "-o", str(out))
    assert_one_line_error(result, out, ["does not hold what was imported",
                                        "codings imported 9, in Turtle 8"])


def test_output_may_not_overwrite_the_input(tmp_path):
    source = tmp_path / "coded.csv"
    source.write_bytes((FIXTURES / "coded.csv").read_bytes())
    result = run("csv", str(source), "-o", str(source))
    assert result.exit_code == 2
    assert "the output file is an input file" in result.stderr
    assert source.read_bytes() == (FIXTURES / "coded.csv").read_bytes()


def test_errors_are_cryonto_errors_not_crashes(tmp_path):
    # every reader failure above is a CryontoError; a crash would exit 1 with a traceback
    assert issubclass(CryontoError, Exception)
    result = run("refi", str(tmp_path), "-o", str(tmp_path / "o.ttl"))
    assert result.exit_code == 2
