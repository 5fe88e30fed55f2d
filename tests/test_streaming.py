"""Streaming import (`cryonto.streaming`): the same triples, counts and messages as the
whole-file import, checked differentially on generated CSVs and on the fixtures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.cli import main
from cryonto.errors import CryontoError
from cryonto.importing import import_to_turtle
from cryonto.rdf import GraphStore
from cryonto.streaming import import_to_ntriples

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CRY = "https://w3id.org/cryonto/"


def triples(path: Path) -> set[tuple[str, str, str]]:
    store = GraphStore()
    store.load_file(path)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store.quads()}


def both(tmp_path: Path, source: Path, fmt: str = "csv", **options: object):
    """Import `source` both ways; (whole result, streamed result) or the two error lines."""
    outcomes = []
    for suffix, run in ((".ttl", import_to_turtle), (".nt", import_to_ntriples)):
        out = tmp_path / f"out{suffix}"
        out.unlink(missing_ok=True)
        try:
            outcomes.append((run(fmt, source, out, **options), out))
        except CryontoError as error:
            assert not out.exists(), "a failed import left its output behind"
            assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], \
                "a failed import left a temporary file or store behind"
            outcomes.append((str(error), None))
    return outcomes


def assert_same(tmp_path: Path, source: Path, fmt: str = "csv", **options: object) -> None:
    (whole, whole_out), (streamed, streamed_out) = both(tmp_path, source, fmt, **options)
    if whole_out is None or streamed_out is None:
        assert streamed == whole  # the same one-line error, or both succeeded
        return
    assert triples(streamed_out) == triples(whole_out)
    for name in ("counts_in", "counts_out", "counts_written", "adjustments", "notes",
                 "warnings", "unmapped", "mapping", "details"):
        assert getattr(streamed, name) == getattr(whole, name), name
    assert streamed.counts_written == streamed.counts_out
    assert streamed.code_use() == whole.code_use()  # the summary's defined / used codes
    assert [(c.key, n) for c, n in streamed.unmapped_use()] == \
        [(c.key, n) for c, n in whole.unmapped_use()]


# -- differential: generated CSVs ----------------------------------------------------
TOKENS = ["A1.1", "Protest crying", "Protestweinen", "Pause", "cry:CryingInGrief", "Scham",
          "I2.l", "my code", "Giving space", "Ärger / Wut"]
IDS = [None, None, None, "s1", "s2", "s 3", "row-3"]


@st.composite
def coded_rows(draw) -> list[list[str]]:
    """Rows that mostly agree with each other (a segment_id keeps its document, span and
    values, a document its participant and orientation) and now and then contradict."""
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        seg_id = draw(st.sampled_from(IDS))
        n = IDS.index(seg_id)
        odd = draw(st.integers(0, 24)) == 0  # now and then a value that contradicts
        fixed = seg_id is not None and not odd

        def value(own: str, *others: str, fixed: bool = fixed) -> str:
            return draw(st.sampled_from(["", own] if fixed else ["", own, *others]))

        codes = ";".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3)))
        document = f"d{n}" if fixed else draw(st.sampled_from(["d1", "d2", "Interview ü"]))
        start = n * 10 if fixed else draw(st.integers(0, 30))
        odd_doc = draw(st.integers(0, 24)) == 0
        rows.append([
            document, codes, str(start), str(start + 5 + n),
            value("anna", "ben"),
            value(f"quote {n}", "hello", "tränen\nund \"mehr\""),
            seg_id or "",
            draw(st.sampled_from(["", f"P-{document}"] + (["P9"] if odd_doc else []))),
            draw(st.sampled_from(["", "PDT" if document == "d1" else "cbt"]
                                 + (["ST"] if odd_doc else []))),
            value("a memo", "another memo"),
            value("2024-03-01", "2024-03-01T14:30:00"),
        ])
        if draw(st.integers(0, 15)) == 0:
            rows.append([""] * 11)  # an empty row
    return rows


HEADER = ["document", "code", "start", "end", "coder", "text", "segment_id", "participant",
          "orientation", "memo", "created"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER,
              delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=coded_rows(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_streamed_csv_equals_whole_import(tmp_path, rows, delimiter):
    """Also for `;` and tab files: the streamed result would carry a 'read without
    streaming' note the whole import has not, had the stream not read them itself."""
    assert_same(tmp_path, write_csv(tmp_path / "in.csv", rows, delimiter=delimiter),
                study="Gen")


def test_continued_segments_fill_in_and_merge(tmp_path):
    """A segment_id continued by later rows: codes merged, empty fields filled later."""
    source = write_csv(tmp_path / "in.csv", [
        ["d1", "A1.1", "0", "5", "", "", "s1", "", "", "", ""],
        ["d2", "Pause", "0", "4", "ben", "tear", "", "", "", "", ""],
        ["d1", "Scham;A1.1", "0", "5", "anna", "hello", "s1", "", "", "memo", "2024-03-01"],
        ["d1", "Protest crying;Pause", "0", "5", "anna", "", "s1", "", "", "", ""],
    ])
    assert_same(tmp_path, source, study="Fill")
    got = triples(tmp_path / "out.nt")
    seg = "https://w3id.org/cryonto/data/fill/segment/s1"
    bodies = {o for s, p, o in got if s == f"<{seg}>" and p.endswith("#hasBody>")}
    assert bodies == {f"<{CRY}ProtestCrying>", f"<{CRY}Pause>",
                      "<https://w3id.org/cryonto/data/fill/code/Scham>"}
    assert (f"<{seg}/target/quote>", "<http://www.w3.org/ns/oa#exact>", '"hello"') in got
    assert any(s == f"<{seg}>" and p.endswith("/created>") for s, p, _ in got)


def test_fixture_and_mapping_stream_the_same(tmp_path):
    assert_same(tmp_path, FIXTURES / "coded.csv")
    assert_same(tmp_path, FIXTURES / "coded.csv", mapping=FIXTURES / "mapping.sssom.tsv")
    streamed = import_to_ntriples("csv", FIXTURES / "coded.csv", tmp_path / "m.nt",
                                  mapping=FIXTURES / "mapping.sssom.tsv")
    assert streamed.unmapped == [] and streamed.mapping is not None
    assert streamed.dataset.segments == []  # streamed: never held


def test_near_miss_warning_names_first_use_and_strict_refuses(tmp_path):
    source = write_csv(tmp_path / "in.csv", [
        ["d1", "Pause", "0", "5", "", "", "s1", "", "", "", ""],
        ["d1", "Pause", "7", "9", "", "", "", "", "", "", ""],
        ["d1", "I2.l", "0", "5", "", "", "s1", "", "", "", ""],  # continues row 2's segment
    ])
    assert_same(tmp_path, source)
    result = import_to_ntriples("csv", source, tmp_path / "w.nt")
    assert result.warnings and result.warnings[0].startswith("row 2: code 'I2.l'")
    with pytest.raises(CryontoError, match="--strict-codes makes this an error"):
        import_to_ntriples("csv", source, tmp_path / "s.nt", strict_codes=True)
    assert not (tmp_path / "s.nt").exists()


@pytest.mark.parametrize("rows", [
    [["d1", "A1.1", "5", "2", "", "", "", "", "", "", ""]],  # start after end
    [["d1", "A1.1", "0", "5", "", "", "s1", "", "", "", ""],
     ["d2", "A1.1", "0", "5", "", "", "s1", "", "", "", ""]],  # same id, other document
    [["d1", "A1.1", "0", "5", "", "", "row-3", "", "", "", ""],
     ["d1", "A1.1", "0", "5", "", "", "", "", "", "", ""]],  # explicit id = generated id
    [["d1", "A1.1", "0", "5", "", "", "", "P1", "", "", ""],
     ["d1", "A1.1", "0", "5", "", "", "", "P2", "", "", ""]],  # two participants
    [],  # no data rows
])
def test_bad_rows_give_the_readers_message_and_no_file(tmp_path, rows):
    (whole, _), (streamed, out) = both(tmp_path, write_csv(tmp_path / "in.csv", rows))
    assert out is None and isinstance(streamed, str) and streamed == whole


def test_bad_utf8_and_missing_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"document,code,start,end,coder\nd1,A1.1,0,5,\xff\n")
    (whole, _), (streamed, out) = both(tmp_path, bad)
    assert out is None and streamed == whole and "UTF-8" in streamed
    with pytest.raises(CryontoError, match="no such file"):
        import_to_ntriples("csv", tmp_path / "absent.csv", tmp_path / "o.nt")


def test_output_never_overwrites_the_input(tmp_path):
    source = write_csv(tmp_path / "in.nt", [["d1", "A1.1", "0", "5", "", "", "", "", "", "",
                                             ""]])
    with pytest.raises(CryontoError, match="output file is an input"):
        import_to_ntriples("csv", source, source)


def test_refi_to_ntriples_streams_the_same_triples(tmp_path):
    assert_same(tmp_path, FIXTURES / "spec-sample.qdpx", fmt="refi")


# -- the command ---------------------------------------------------------------------
def test_cli_nt_output_streams_and_prints_written_counts(tmp_path):
    out = tmp_path / "coded.nt"
    result = CliRunner().invoke(main, ["import", "csv", str(FIXTURES / "coded.csv"), "-o",
                                       str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["output"] == str(out)
    assert summary["counts_written"] == summary["counts_out"]
    assert summary["counts_out"]["segments"] == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.startswith("<") and line.endswith(" .") for line in lines)
    text = CliRunner().invoke(main, ["import", "csv", str(FIXTURES / "coded.csv"), "-o",
                                     str(tmp_path / "again.nt")])
    assert text.exit_code == 0 and "written" in text.output


def test_cli_bad_row_is_one_line_exit_2(tmp_path):
    source = write_csv(tmp_path / "in.csv", [["d1", "A1.1", "x", "5", "", "", "", "", "", "",
                                              ""]])
    out = tmp_path / "o.nt"
    result = CliRunner().invoke(main, ["import", "csv", str(source), "-o", str(out)])
    assert result.exit_code == 2
    assert "row 2" in result.output and "start 'x' is not a whole number" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_recount_of_counted_lines_equals_counting_the_whole_file(tmp_path):
    """The re-count loads only the triples the count query reads: no count may change."""
    from cryonto.coded import count_store
    from cryonto.streaming import recount_ntriples

    for source, study in ((FIXTURES / "coded.csv", None), (write_csv(tmp_path / "g.csv", [
            ["d1", "A1.1;my code", "0", "5", "anna", "q", "s1", "P1", "PDT", "m", "2024-03-01"],
            ["d2", "Scham", "1", "9", "ben", "", "", "", "", "", ""]]), "G")):
        out = tmp_path / f"{source.stem}.nt"
        result = import_to_ntriples("csv", source, out, study=study)
        whole = GraphStore()
        whole.load_file(out)
        assert recount_ntriples(out, result.dataset.base_iri) == \
            count_store(whole, result.dataset.base_iri) == result.counts_out


# -- MAXQDA workbooks ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["maxqda-en.xlsx", "maxqda-de.xlsx", "maxqda-en.csv",
                                  "maxqda-de.csv", "maxqda-cp1252.csv"])
def test_maxqda_fixtures_stream_the_same(tmp_path, name):
    from cryonto.streaming import streams

    assert streams("maxqda", FIXTURES / name)
    assert_same(tmp_path, FIXTURES / name, fmt="maxqda")


MAXQDA_HEADER = ["Color", "Document group", "Document name", "Code", "Begin", "End",
                 "Segment", "Comment", "Created by", "Created", "Weight score"]


@st.composite
def maxqda_rows(draw) -> list[list[object]]:
    """Mostly good rows; now and then a bad one (end before begin, an odd date, an empty
    path element), which both imports must refuse alike."""
    rows: list[list[object]] = []
    for _ in range(draw(st.integers(1, 10))):
        begin = draw(st.integers(1, 9))
        odd = draw(st.integers(0, 30)) == 0
        rows.append([
            draw(st.sampled_from(["", "#ff0000", "red"])),
            draw(st.sampled_from(["", "PDT", "Wave 1"])),
            draw(st.sampled_from(["Interview 1", "Interview 2"])),
            draw(st.sampled_from(["Forms\\Protest crying", "Pause", "Forms\\I2.l", "Scham",
                                  "Forms\\Deep\\Giving space"]
                                 + (["Forms\\\\x"] if odd else []))),
            *(("2:10", "3:20") if draw(st.integers(0, 5)) == 0 else
              (str(begin), str(begin + draw(st.integers(-1 if odd else 0, 2))))),
            draw(st.sampled_from(["", "she cried", "Tränen"])),
            draw(st.sampled_from(["", "a comment"])),
            draw(st.sampled_from(["", "anna", "ben"])),
            draw(st.sampled_from(["", "12.03.2024 14:22:10", "3/12/2024 2:22:10 PM"]
                                 + (["soon"] if odd else []))),
            "",
        ])
        if draw(st.integers(0, 12)) == 0:
            rows.append([""] * len(MAXQDA_HEADER))
    return rows


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=maxqda_rows())
def test_streamed_maxqda_workbook_equals_whole_import(tmp_path, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in [MAXQDA_HEADER, *rows]:
        sheet.append([None if cell == "" else cell for cell in row])
    path = tmp_path / "coded.xlsx"
    book.save(path)
    assert_same(tmp_path, path, fmt="maxqda", study="Wb")


def test_recount_in_parts_equals_the_recount_in_one(tmp_path):
    """A big file is re-counted in parts of its segments: the sums and the union of codes
    must equal the count of the whole; a file with a segment's target moved elsewhere
    counts short (the re-count fails), never over."""
    from cryonto.streaming import recount_ntriples

    rows = []
    for i in range(200):
        seg_id = f"s{i}" if i % 2 else ""
        codes = ["A1.1", "Scham", "A1.1;Pause", "my code;Scham"]
        rows.append([f"d{i % 7}", codes[i % 4], str(i), str(i + 3), ["anna", "ben", ""][i % 3],
                     "q", seg_id, "", "", "", ""])
        if i % 5 == 1:  # continued: another code on the same segment
            rows.append([f"d{i % 7}", codes[(i + 1) % 4], str(i), str(i + 3), "", "", seg_id,
                         "", "", "", ""])
    source = write_csv(tmp_path / "big.csv", rows)
    out = tmp_path / "big.nt"
    result = import_to_ntriples("csv", source, out, study="Big")
    whole = recount_ntriples(out, result.dataset.base_iri)
    assert whole == result.counts_out
    assert out.stat().st_size > 100_000
    for size in (4_000, 20_000, 60_000):  # many parts to a few
        assert recount_ntriples(out, result.dataset.base_iri, part_bytes=size) == whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    moved = tmp_path / "moved.nt"
    moved.write_text(out.read_text(encoding="utf-8").replace("/segment/s1/target>",
                                                             "/segment/s1/elsewhere>"),
                     encoding="utf-8")
    short = recount_ntriples(moved, result.dataset.base_iri, part_bytes=4_000)
    assert short.segments == whole.segments - 1 and short.codings < whole.codings


def test_python_memory_does_not_grow_with_the_rows(tmp_path):
    """Bounded by the rows in flight: the reader's and writer's Python memory at 16,000 rows
    is about what it is at 2,000 (the whole-file import grows with every row). The re-count
    is left out: its store is the engine's memory, measured by bench/bench_stream.py."""
    import tracemalloc

    from cryonto.readers.common import Categories
    from cryonto.streaming import _stream

    categories_warm = Categories()  # the category system is loaded once either way
    del categories_warm
    peaks = {}
    for n in (2_000, 16_000):
        rows = [[f"d{i // 60}", ["Protest crying", "Pause", "my code"][i % 3], str(i * 10),
                 str(i * 10 + 8), "anna", "a quote of a few words " * 3, "", "", "", "", ""]
                for i in range(n)]
        source = write_csv(tmp_path / f"{n}.csv", rows)
        with open(tmp_path / f"{n}.nt", "w", encoding="utf-8") as handle:
            tracemalloc.start()
            _stream("csv", source, handle, None, None, None, None, False)
            peaks[n] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert peaks[16_000] < 1.5 * peaks[2_000], peaks


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=maxqda_rows(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       delimiter=st.sampled_from([",", ";", "\t"]), tail=st.sampled_from([b"", b"", b"\xff",
                                                                         b"\x81"]))
def test_streamed_maxqda_csv_equals_whole_import(tmp_path, rows, encoding, delimiter, tail):
    """MAXQDA's text exports in each encoding it writes; a stray byte now and then makes
    one not UTF-8 (read as Windows-1252) or not even that (refused alike)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(
        [MAXQDA_HEADER, *([str(c) for c in row] for row in rows)])
    path = tmp_path / "coded.csv"
    path.write_bytes(buffer.getvalue().encode(encoding) + tail)
    assert_same(tmp_path, path, fmt="maxqda", study="Csv")  # a stream falling back to the
    # whole reader would carry a note the whole import has not
