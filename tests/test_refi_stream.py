"""Streaming REFI import (`cryonto.readers.refi_stream`): the same triples, counts, notes,
warnings, details and errors as the whole-file reader, checked differentially on the
sample projects, on generated projects and on projects hypothesis writes."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import SHARED
from test_streaming import assert_same, both, triples

from cryonto.cli import main
from cryonto.readers.xmlsafe import ZipLimits
from cryonto.streaming import import_to_ntriples

FIXTURES = Path(__file__).parent / "fixtures" / "import"
REFERENCE = SHARED / "reference/refi-qda"
NS = "urn:QDA-XML:project:1.0"


def streamed(tmp_path: Path, source: Path, **options: object):
    result = import_to_ntriples("refi", source, tmp_path / "s.nt", **options)
    assert not any("without streaming" in n for n in result.notes), result.notes
    assert result.dataset.segments == []  # went to the file, never held
    return result


# -- the real samples ------------------------------------------------------------------
SAMPLES = [FIXTURES / "spec-sample.qdpx", FIXTURES / "nvivo.qdpx", FIXTURES / "codebook.qdc"]
REFERENCES = ["spec-sample-atlasti.qde", "spec-sample-empty.qdpx"]


@pytest.mark.parametrize("options", [{}, {"positions": "codepoints"}, {"positions": "utf16"},
                                     {"coder_from": "selection"}])
@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name)
def test_samples_stream_the_same(tmp_path, source, options):
    assert_same(tmp_path, source, fmt="refi", **options)
    if source.suffix != ".qdc":
        streamed(tmp_path, source, **options)


@pytest.mark.usefixtures("shared")
@pytest.mark.parametrize("name", REFERENCES)
def test_reference_projects_stream_the_same(tmp_path, name):
    assert_same(tmp_path, REFERENCE / name, fmt="refi")
    result = streamed(tmp_path, REFERENCE / name)
    assert result.counts_written == result.counts_out


def test_mapping_and_study_name_stream_the_same(tmp_path):
    assert_same(tmp_path, FIXTURES / "spec-sample.qdpx", fmt="refi", study="Mapped",
                mapping=FIXTURES / "mapping.sssom.tsv")


# -- generated projects (cryonto's own REFI writer) ----------------------------------------
@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_generated_projects_stream_the_same(tmp_path, positions):
    from cryonto.category import load_category_system
    from cryonto.generate import generate_study
    from cryonto.writers.refi import build_project, write_qdpx

    study = generate_study(600, documents=9, seed=3, full_text=True)
    project = build_project([study.dataset], load_category_system(), positions=positions)
    path = tmp_path / "gen.qdpx"
    write_qdpx(project, path)
    assert_same(tmp_path, path, fmt="refi")
    result = streamed(tmp_path, path)
    assert result.counts_out.segments == 600 and result.counts_out.documents == 9


# -- projects hypothesis writes ---------------------------------------------------------
CHARS = ["a", "b", " ", "ü", "\n", "😢", "𠀀", "e\u0301", "👍🏽"]
USERS = ["U1", "U2", "U3"]  # U3 is never declared


@st.composite
def projects(draw) -> tuple[bytes, dict[str, bytes]]:
    """A project XML and its source texts: several sources, selections whose guids repeat
    (within and across sources), ranges repeated by the same or another user, uncoded
    selections, whole-source codings, media sources, texts with characters outside the
    BMP, positions now and then out of range, and the origin of a UTF-16 tool or not."""
    origin = draw(st.sampled_from([None, "NVivo 14 (Windows)", "MAXQDA 2022"]))
    unit = draw(st.sampled_from(["codepoints", "utf16"]))
    codes = draw(st.integers(1, 4))
    out = [f'<Project xmlns="{NS}" name="p"'
           + (f" origin={quoteattr(origin)}" if origin else "") + ">"]
    if draw(st.booleans()):
        out.append("<Users>" + "".join(f'<User guid="{u}" name="user {u}"/>'
                                       for u in USERS[:draw(st.integers(1, 2))]) + "</Users>")
    out.append("<CodeBook><Codes>")
    for c in range(codes):
        nested = '<Code guid="K{c}x" name="Pause" isCodable="false"/>' if c == 1 else ""
        color = draw(st.sampled_from(['', ' color="#abc"', ' color="red"']))
        out.append(f'<Code guid="K{c}" name={quoteattr(["Scham", "A1.1", "I2.l", "x"][c])}'
                   f'{color}>{nested.format(c=c)}</Code>')
    out.append("</Codes></CodeBook><Sources>")
    files: dict[str, bytes] = {}
    guid_pool = [f"S{i}" for i in range(draw(st.integers(2, 12)))]

    def user() -> str:
        who = draw(st.sampled_from([None, *USERS]))
        return f' creatingUser="{who}"' if who else ""

    def codings() -> str:
        """Up to three Codings; the same code twice (by one user or two) is drawn often."""
        targets = draw(st.lists(st.sampled_from(code_guids), max_size=3))
        return "".join(f'<Coding guid="G{draw(st.integers(0, 999))}"{user()}>'
                       f'<CodeRef targetGUID="{target}"/></Coding>' for target in targets)

    code_guids = [f"K{c}" for c in range(codes)] + (["K1x"] if codes > 1 else [])
    for d in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["text", "text", "inline", "missing", "picture"]))
        text = "".join(draw(st.lists(st.sampled_from(CHARS), min_size=1, max_size=30)))
        units = len(text.encode("utf-16-le")) // 2
        if kind == "picture":
            out.append(f'<PictureSource guid="D{d}" name="pic {d}">')
        else:
            path = "" if kind == "inline" else f' plainTextPath="internal://d{d}.txt"'
            out.append(f'<TextSource guid="D{d}" name="doc {d}"{path}>')
            if kind == "inline":
                out.append(f"<PlainTextContent>{escape(text)}</PlainTextContent>")
            elif kind == "text":
                files[f"sources/d{d}.txt"] = text.encode("utf-8")
        for _ in range(draw(st.integers(0, 5))):
            guid = f"D{d}" + draw(st.sampled_from(guid_pool))  # repeats in this source
            if draw(st.integers(0, 25)) == 0:
                guid = "D0S0"  # and, rarely, in another
            if kind == "picture":
                out.append(f'<PictureSelection guid="{guid}"{user()} firstX="0" firstY="0" '
                           f'secondX="1" secondY="1">{codings()}</PictureSelection>')
                continue
            a = draw(st.integers(0, len(text) - 1))  # code points; written in `unit`
            b = draw(st.integers(a + 1, len(text)))
            name = draw(st.sampled_from(["", f" name={quoteattr(text[a:b])}"]))
            start, end = (a, b) if unit == "codepoints" else (
                len(text[:a].encode("utf-16-le")) // 2, len(text[:b].encode("utf-16-le")) // 2)
            if draw(st.integers(0, 30)) == 0:  # now and then anything at all
                start = draw(st.integers(0, units))
                end = draw(st.integers(start + 1, units + 1))
            memo = draw(st.sampled_from(["", "<Description>a memo</Description>"]))
            out.append(f'<PlainTextSelection guid="{guid}" startPosition="{start}" '
                       f'endPosition="{end}"{user()}{name}>{memo}{codings()}'
                       "</PlainTextSelection>")
        if draw(st.integers(0, 4)) == 0:
            out.append(f'<Coding guid="W{d}"{user()}><CodeRef targetGUID="K0"/></Coding>')
        out.append("</PictureSource>" if kind == "picture" else "</TextSource>")
    out.append("</Sources>")
    if draw(st.booleans()):
        out.append("<Notes>" + '<Note guid="N1"/>' * draw(st.integers(0, 3)) + "</Notes>")
    if draw(st.booleans()):
        out.append("<Description>the study</Description>")
    out.append("</Project>")
    return "\n".join(out).encode("utf-8"), files


def write_qdpx(path: Path, xml: bytes, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(project=projects(), options=st.sampled_from(
    [{}, {}, {"positions": "utf16"}, {"positions": "codepoints"},
     {"coder_from": "selection"}]))
def test_streamed_projects_equal_the_whole_import(tmp_path, project, options):
    """Errors too: both imports must refuse a project alike, with the same message."""
    xml, files = project
    assert_same(tmp_path, write_qdpx(tmp_path / "p.qdpx", xml, files), fmt="refi",
                **options)
    (bare := tmp_path / "p.qde").write_bytes(xml)
    assert_same(tmp_path, bare, fmt="refi", **options)


# -- what the stream refuses, or leaves to the whole reader ---------------------------------
GOOD = (f'<Project xmlns="{NS}" name="p"><Users><User guid="U1" name="ana"/></Users>'
        '<CodeBook><Codes><Code guid="K0" name="Scham"/></Codes></CodeBook><Sources>'
        '<TextSource guid="D0" name="d" plainTextPath="internal://d.txt">'
        '<PlainTextSelection guid="S0" startPosition="0" endPosition="4" creatingUser="U1">'
        '<Coding guid="C0"><CodeRef targetGUID="K0"/></Coding></PlainTextSelection>'
        "</TextSource></Sources></Project>")


@pytest.mark.parametrize("xml", [
    GOOD.replace("<Project", '<!DOCTYPE p [<!ENTITY e "x">]><Project'),  # entities
    GOOD.replace("</Sources>", ""),  # malformed
    GOOD.replace('targetGUID="K0"', 'targetGUID="K9"'),  # a code not in the CodeBook
    GOOD.replace('endPosition="4"', 'endPosition="99"'),  # past the end of the text
    GOOD.replace("</TextSource></Sources>", '</TextSource><TextSource guid="D1" name="e">'
                 '<PlainTextSelection guid="S0" startPosition="0" endPosition="1">'
                 '<Coding guid="C1"><CodeRef targetGUID="K0"/></Coding>'
                 "</PlainTextSelection></TextSource></Sources>"),  # a guid in two sources
    GOOD.replace("</TextSource></Sources>", '</TextSource><TextSource guid="D1" name="e">'
                 + "".join(f'<PlainTextSelection guid="{g}" startPosition="0" endPosition="1">'
                           f'<Coding guid="C{g}"><CodeRef targetGUID="K0"/></Coding>'
                           "</PlainTextSelection>" for g in ("S1", "S0"))
                 + "</TextSource></Sources>"),  # ... though its range merges it in there
    GOOD.replace("<Project", "<Other"),
    "",
])
def test_bad_projects_give_the_readers_message_and_no_file(tmp_path, xml):
    path = write_qdpx(tmp_path / "p.qdpx", xml.encode("utf-8"), {"sources/d.txt": b"Hallo"})
    (whole, _), (streamed_error, out) = both(tmp_path, path, "refi")
    assert out is None and isinstance(streamed_error, str) and streamed_error == whole


def test_zip_limits_hold_while_streaming(tmp_path):
    """The project XML is inflated as it streams, under the same limits."""
    xml = GOOD.replace("</Project>", "<Description>" + "x" * 300_000 + "</Description>"
                       "</Project>").encode("utf-8")
    path = write_qdpx(tmp_path / "p.qdpx", xml, {"sources/d.txt": b"Hallo"})
    tight = ZipLimits(max_total=100_000)
    (whole, _), (streamed_error, out) = both(tmp_path, path, "refi", limits=tight)
    assert out is None and streamed_error == whole and "exceed the limit" in whole
    bomb = ZipLimits(max_ratio=10, ratio_floor=1000)
    (whole, _), (streamed_error, out) = both(tmp_path, path, "refi", limits=bomb)
    assert out is None and streamed_error == whole and "zip bomb" in whole


def test_users_after_the_sources_fall_back_to_the_whole_reader(tmp_path):
    xml = GOOD.replace('<Users><User guid="U1" name="ana"/></Users>', "").replace(
        "</Sources>", '</Sources><Users><User guid="U1" name="ana"/></Users>')
    path = write_qdpx(tmp_path / "p.qdpx", xml.encode("utf-8"), {"sources/d.txt": b"Hallo"})
    (whole, whole_out), (result, out) = both(tmp_path, path, "refi")
    assert out is not None and whole_out is not None
    assert triples(out) == triples(whole_out)
    assert result.notes == [*whole.notes, "read without streaming (<Users> after the sources)"]


def test_unit_waits_for_the_whole_project(tmp_path):
    """The first source cannot tell the unit (its selection ends before the emoji); the
    second (written in UTF-16 units after an emoji) decides it for both."""
    first = "Tränen 😢 und mehr"
    second = "😢 Ich habe geweint"
    xml = GOOD.replace('plainTextPath="internal://d.txt"', 'plainTextPath="internal://a.txt"')
    xml = xml.replace('endPosition="4"', 'endPosition="6"').replace(
        "</TextSource></Sources>",
        '</TextSource><TextSource guid="D1" name="e" plainTextPath="internal://b.txt">'
        '<PlainTextSelection guid="S1" startPosition="3" endPosition="19" name="Ich habe '
        'geweint"><Coding guid="C1"><CodeRef targetGUID="K0"/></Coding>'
        "</PlainTextSelection></TextSource></Sources>")
    path = write_qdpx(tmp_path / "p.qdpx", xml.encode("utf-8"),
                      {"sources/a.txt": first.encode(), "sources/b.txt": second.encode()})
    assert_same(tmp_path, path, fmt="refi")
    result = streamed(tmp_path, path)
    assert result.details["positions"]["unit"] == "utf16"  # type: ignore[index]
    quotes = {o for _, p, o in triples(tmp_path / "s.nt") if p.endswith("#exact>")}
    assert quotes == {'"Tränen"', '"Ich habe geweint"'}


def test_python_memory_does_not_grow_with_the_sources(tmp_path):
    """One source in flight: the reader's and writer's Python memory at 16 sources of 400
    selections is about what it is at 2 (the whole reader grows with every source)."""
    import tracemalloc

    from cryonto.readers.common import Categories
    from cryonto.readers.refi_stream import RefiStream
    from cryonto.streaming import _documents_written, _write_segments

    Categories()  # the category system is loaded once either way
    peaks = {}
    for n in (2, 16):
        text = "Wir haben heute viel geweint und gelacht. " * 400
        parts = [GOOD.split("<Sources>")[0], "<Sources>"]
        files = {}
        for d in range(n):
            parts.append(f'<TextSource guid="D{d}" name="d{d}" '
                         f'plainTextPath="internal://d{d}.txt">')
            parts += [f'<PlainTextSelection guid="S{d}-{i}" startPosition="{i * 40}" '
                      f'endPosition="{i * 40 + 30}" creatingUser="U1"><Coding guid="C{d}-{i}">'
                      '<CodeRef targetGUID="K0"/></Coding></PlainTextSelection>'
                      for i in range(400)]
            parts.append("</TextSource>")
            files[f"sources/d{d}.txt"] = text.encode()
        parts.append("</Sources></Project>")
        path = write_qdpx(tmp_path / f"{n}.qdpx", "".join(parts).encode(), files)
        with open(tmp_path / f"{n}.nt", "w", encoding="utf-8") as handle:
            tracemalloc.start()
            reader = RefiStream(path)
            _write_segments(handle, reader.dataset,
                            _documents_written(handle, reader.dataset, reader.items()),
                            Counter())
            reader.result()
            peaks[n] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert peaks[16] < 1.5 * peaks[2], peaks


# -- the command -------------------------------------------------------------------------
def test_cli_refi_to_nt_streams(tmp_path):
    out = tmp_path / "p.nt"
    result = CliRunner().invoke(main, ["import", "refi", str(FIXTURES / "nvivo.qdpx"), "-o",
                                       str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["counts_written"] == summary["counts_out"]
    assert not any("without streaming" in n for n in summary["notes"])
    whole = CliRunner().invoke(main, ["import", "refi", str(FIXTURES / "nvivo.qdpx"), "-o",
                                      str(tmp_path / "p.ttl"), "--json"])
    assert json.loads(whole.output)["counts_out"] == summary["counts_out"]
    assert triples(out) == triples(tmp_path / "p.ttl")


def test_cli_bad_project_is_one_line_exit_2(tmp_path):
    xml = GOOD.replace('targetGUID="K0"', 'targetGUID="K9"')
    path = write_qdpx(tmp_path / "p.qdpx", xml.encode(), {"sources/d.txt": b"Hallo"})
    out = tmp_path / "o.nt"
    result = CliRunner().invoke(main, ["import", "refi", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "K9 which is not in the CodeBook" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert len(result.output.strip().splitlines()) == 1
