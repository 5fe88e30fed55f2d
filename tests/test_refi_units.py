"""Text positions in the unit the producing tool counts (issue 9): import, export, validate."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.refi_builders import LAYOUTS, Project, Sel, guid, utf16_offset

from cryonto.errors import CryontoError
from cryonto.readers.positions import Offsets, Selection, boundary_score, decide
from cryonto.readers.refi import read_refi

# A transcript with emoji (one with a skin-tone modifier, one ZWJ family), CJK outside
# the BMP, combining marks, NVivo's CRLF; the passages the coder selected.
TEXT = ("I: Wie ging es Ihnen 😢 in der Stunde?\r\n"
        "P: Ich habe geweint 👍🏽 und 👨‍👩‍👧 dachte an 𠀀𠀁 zuhause.\r\n"
        "I: Und danach? Cafe\u0301 und Tee.\r\n"
        "P: Senkit nem lehet kötelezni, hogy így éljen 🙂 élhet.\r\n")
PASSAGES = ["Ich habe geweint", "dachte an 𠀀𠀁 zuhause", "Cafe\u0301 und Tee",
            "Senkit nem lehet kötelezni", "élhet."]


def _selections(text: str, passages: list[str], codes=("Weinen", "Pause")) -> list[Sel]:
    out = []
    for i, passage in enumerate(passages):
        start = text.index(passage)
        out.append(Sel(0, start, start + len(passage), [codes[i % len(codes)]]))
    return out


def _project(layout: str, **kw) -> Project:
    return Project(layout, [TEXT], ["Weinen", "Pause"], _selections(TEXT, PASSAGES), **kw)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_tool_layout_imports_the_selected_text(tmp_path: Path, layout: str) -> None:
    path = _project(layout).write(tmp_path / f"{layout}.qdpx")
    result = read_refi(path)
    texts = sorted(s.text for s in result.dataset.segments)
    assert texts == sorted(PASSAGES)
    for seg in result.dataset.segments:  # offsets are code points into the text as stored
        assert TEXT[seg.start:seg.end] == seg.text
    expected = LAYOUTS[layout][4]
    assert result.details["positions"]["unit"] == expected
    assert result.details["positions"]["reason"]


def test_nvivo_positions_really_are_utf16_in_the_file(tmp_path: Path) -> None:
    path = _project("nvivo").write(tmp_path / "n.qdpx")
    xml = zipfile.ZipFile(path).read("project.qde").decode()
    start = TEXT.index("Senkit")
    assert f'startPosition="{utf16_offset(TEXT, start)}"' in xml
    assert utf16_offset(TEXT, start) == start + 8  # 8 astral characters before it count twice
    member = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("Sources/"))
    assert zipfile.ZipFile(path).read(member).startswith(b"\xef\xbb\xbf")


def test_crlf_is_counted_as_stored(tmp_path: Path) -> None:
    """Positions after a CRLF count both characters; the reader does not normalise."""
    result = read_refi(_project("nvivo").write(tmp_path / "n.qdpx"))
    doc = next(iter(result.dataset.documents.values()))
    assert doc.text == TEXT and "\r\n" in doc.text
    assert doc.text_length == len(TEXT)


def test_reading_code_points_as_nvivo_would_shift(tmp_path: Path) -> None:
    """The bug of issue 9: forced to code points, NVivo offsets cut the wrong text."""
    passages = PASSAGES[:4]
    project = Project("nvivo", [TEXT], ["Weinen", "Pause"], _selections(TEXT, passages))
    path = project.write(tmp_path / "n.qdpx")
    wrong = read_refi(path, positions="codepoints")
    texts = {s.text for s in wrong.dataset.segments}
    assert "ch habe geweint " in texts  # shifted by the one emoji before it
    assert "em lehet kötelezni, hogy í" in texts  # by the 8 astral characters before it
    assert not texts & set(passages)
    right = read_refi(path)
    assert right.details["positions"]["unit"] == "utf16"
    assert sorted(s.text for s in right.dataset.segments) == sorted(passages)
    with pytest.raises(CryontoError, match="beyond the end of the source text"):
        read_refi(_project("nvivo").write(tmp_path / "all.qdpx"), positions="codepoints")


def test_text_decides_against_the_origin(tmp_path: Path) -> None:
    """A project without origin (or a misleading one) is still read in the right unit."""
    for origin in ("", "MAXQDA 2022"):
        path = _project("nvivo", origin=origin).write(tmp_path / f"o{len(origin)}.qdpx")
        result = read_refi(path)
        assert result.details["positions"]["unit"] == "utf16", result.details["positions"]
        assert sorted(s.text for s in result.dataset.segments) == sorted(PASSAGES)


def test_bmp_only_text_uses_the_origin_and_says_why(tmp_path: Path) -> None:
    text = "P: Ich habe geweint. Cafe\u0301.\r\n"
    project = Project("nvivo", [text], ["Weinen"], [Sel(0, 3, 19, ["Weinen"])])
    result = read_refi(project.write(tmp_path / "b.qdpx"))
    assert result.dataset.segments[0].text == "Ich habe geweint"
    assert "agree" in result.details["positions"]["reason"]


def test_name_attribute_decides(tmp_path: Path) -> None:
    """ATLAS.ti-style quote names decide when boundaries cannot."""
    text = "😢😢ab cd ef gh"
    sel = Sel(0, 5, 10, ["Weinen"])  # "cd ef" in code points
    project = Project("atlasti", [text], ["Weinen"], [sel], origin="")
    result = read_refi(project.write(tmp_path / "a.qdpx"))
    assert result.dataset.segments[0].text == "cd ef"
    assert "names match" in result.details["positions"]["reason"]


def test_position_inside_a_surrogate_pair_is_an_error_when_forced(tmp_path: Path) -> None:
    project = _project("nvivo")
    path = project.write(tmp_path / "n.qdpx")
    data = zipfile.ZipFile(path).read("project.qde").decode()
    first = TEXT.index("😢")
    bad = data.replace('startPosition="', f'startPosition="{first + 1}" x="', 1)
    bad_path = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad_path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, bad.encode() if item.filename == "project.qde"
                         else src.read(item))
    with pytest.raises(CryontoError, match="surrogate pair"):
        read_refi(bad_path, positions="utf16")


def test_offsets_convert_both_ways() -> None:
    off = Offsets("a😢b𠀀c")
    assert [off.to_utf16(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert [off.from_utf16(u) for u in range(8)] == [0, 1, None, 2, 3, None, 4, 5]
    assert boundary_score("Cafe\u0301", 4) == -2  # before a combining mark
    assert boundary_score("ab cd", 2) == 1 and boundary_score("abcd", 2) == 0


def test_decide_prefers_evidence_then_origin() -> None:
    text = "x 😢 hello world"
    off = Offsets(text)
    start = text.index("hello")
    sel = Selection(off, off.to_utf16(start), off.to_utf16(start + 5))
    assert decide([sel], "MAXQDA").unit == "utf16"
    assert decide([], "NVivo 14").unit == "utf16"
    assert decide([], "QualCoder").unit == "codepoints"
    assert decide([sel], "NVivo", forced="codepoints").unit == "codepoints"


_chars = st.sampled_from([*"abc xyz,.\r\n", "😢", "👍", "𠀀", "é", "\u0301", "中"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chars=st.lists(_chars, min_size=2, max_size=60), data=st.data())
def test_property_utf16_offsets_import_to_the_selection(tmp_path: Path, chars, data) -> None:
    text = "😢 " + "".join(chars)  # an astral char first, so the readings differ
    n = data.draw(st.integers(1, 4))
    sels = []
    for _ in range(n):
        a = data.draw(st.integers(0, len(text) - 1))
        b = data.draw(st.integers(a + 1, len(text)))
        sels.append(Sel(0, a, b, ["Weinen"]))
    project = Project("nvivo", [text], ["Weinen"], sels)
    path = project.write(tmp_path / "p.qdpx")
    result = read_refi(path, positions="utf16")
    got = sorted((s.start, s.end, s.text) for s in result.dataset.segments)
    want = sorted({(s.start, s.end, text[s.start:s.end]) for s in sels})
    assert got == want


# -- export refi -> NVivo-style re-import -------------------------------------------------
def _positions_by_guid(qdpx: Path) -> dict[str, tuple[str, str]]:
    import re

    with zipfile.ZipFile(qdpx) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".qde"))
        xml = zf.read(name).decode()
    return {m[0]: (m[1], m[2]) for m in re.findall(
        r'<PlainTextSelection guid="([^"]+)" startPosition="(\d+)" endPosition="(\d+)"', xml)}


def test_export_utf16_round_trips_nvivo_positions_exactly(tmp_path: Path) -> None:
    from cryonto.exporting import export_refi
    from cryonto.importing import import_to_turtle

    original = _project("nvivo").write(tmp_path / "nvivo.qdpx")
    ttl = tmp_path / "study.ttl"
    import_to_turtle("refi", original, ttl, study="units")
    exported = tmp_path / "back.qdpx"
    result = export_refi([ttl], exported, positions="utf16")
    assert any("UTF-16" in n for n in result.notes)
    assert _positions_by_guid(exported) == _positions_by_guid(original)
    again = read_refi(exported)  # origin says UTF-16, the names agree
    assert again.details["positions"]["unit"] == "utf16"
    assert sorted(s.text for s in again.dataset.segments) == sorted(PASSAGES)
    # the default export counts code points and re-imports as code points
    cp = tmp_path / "cp.qdpx"
    export_refi([ttl], cp)
    assert _positions_by_guid(cp) != _positions_by_guid(original)
    back = read_refi(cp)
    assert back.details["positions"]["unit"] == "codepoints"
    assert sorted(s.text for s in back.dataset.segments) == sorted(PASSAGES)


# -- validate: offsets in the wrong unit -----------------------------------------------------
def _dataset_with_offsets(unit: str):
    from cryonto.coded import Code, CodedDataset, Document, Segment

    ds = CodedDataset(study="wrong-unit")
    ds.documents["d"] = Document(key="d", name="d", text=TEXT, text_length=len(TEXT))
    ds.codes["Weinen"] = Code(key="Weinen", name="Weinen")
    for i, passage in enumerate(PASSAGES):
        start = TEXT.index(passage)
        end = start + len(passage)
        if unit == "utf16":
            start, end = utf16_offset(TEXT, start), utf16_offset(TEXT, end)
        ds.segments.append(Segment(id=f"s{i}", document="d", codes=["Weinen"], start=start,
                                   end=end, text=passage))
    return ds


def test_validate_flags_offsets_in_utf16_as_a_violation(tmp_path: Path) -> None:
    from cryonto.shacl import validate

    wrong = tmp_path / "wrong.ttl"
    _dataset_with_offsets("utf16").write_turtle(wrong)
    report = validate([wrong])
    hits = [r for r in report.results if (r.constraint or "").endswith("OffsetsNotUtf16Constraint")]
    # every passage after the first emoji; the last one also runs past the text in code points
    assert len(hits) == len(PASSAGES)
    assert all(r.severity.endswith("Violation") and "UTF-16" in r.message for r in hits)
    assert report.failed()
    right = tmp_path / "right.ttl"
    _dataset_with_offsets("codepoints").write_turtle(right)
    assert not [r for r in validate([right]).results
                if (r.constraint or "").endswith("OffsetsNotUtf16Constraint")]


# -- who coded what -------------------------------------------------------------------------
def _two_users(tmp_path: Path) -> Path:
    text = "P: Ich habe geweint 😢 und gelacht.\r\n"
    sels = [Sel(0, 3, 19, ["Weinen"], user="ana", coding_user="ben"),
            Sel(0, 22, 33, ["Pause"], user="ana", coding_user="ben"),
            Sel(0, 3, 6, ["Pause"], user="ben")]
    project = Project("nvivo", [text], ["Weinen", "Pause"], sels)
    return project.write(tmp_path / "users.qdpx")


def test_coder_is_who_applied_the_code_and_selection_user_is_kept(tmp_path: Path) -> None:
    from cryonto.coded import from_store
    from cryonto.importing import import_to_turtle

    result = read_refi(_two_users(tmp_path))
    ds = result.dataset
    by_text = {s.text: s for s in ds.segments}
    assert ds.coders[by_text["Ich habe geweint"].coder].name == "ben"
    assert ds.coders[by_text["Ich habe geweint"].selected_by].name == "ana"
    assert ds.coders[by_text["Ich"].coder].name == "ben"
    assert result.details["coder_conflicts"] == [
        {"selection_user": "ana", "coding_user": "ben", "codings": 2, "chosen": "ben"}]
    other = read_refi(_two_users(tmp_path), coder_from="selection")
    assert {other.dataset.coders[s.coder].name for s in other.dataset.segments
            if s.text != "Ich"} == {"ana"}
    assert other.details["coder_conflicts"][0]["chosen"] == "ana"
    # both users survive the Turtle (dcterms:creator and prov:wasAttributedTo)
    ttl = tmp_path / "u.ttl"
    import_to_turtle("refi", _two_users(tmp_path), ttl, study="users")
    from cryonto.rdf import GraphStore

    store = GraphStore()
    store.load_file(ttl)
    back = from_store(store)[0]
    seg = next(s for s in back.segments if s.text == "Ich habe geweint")
    assert (seg.coder, seg.selected_by) == ("ben", "ana")


def test_codings_by_two_users_on_one_selection_are_split(tmp_path: Path) -> None:
    text = "abc def ghi"
    project = Project("maxqda", [text], ["A", "B"], [Sel(0, 4, 7, ["A"])])
    xml = project.xml().replace(
        "</PlainTextSelection>",
        '<Coding guid="00000000-0000-4000-8000-00000000c0de" creatingUser="'
        + guid("userben")
        + '"><CodeRef targetGUID="' + guid("codeB")
        + '"/></Coding></PlainTextSelection>')
    path = tmp_path / "p.qde"
    path.write_text(xml, encoding="utf-8")
    result = read_refi(path)
    coders = sorted((result.dataset.coders[s.coder].name, s.codes[0].split("\\")[-1])
                    for s in result.dataset.segments)
    assert coders == [("ana", "A"), ("ben", "B")]
    assert any("split" in a.reason for a in result.adjustments)


def test_export_writes_both_users_back(tmp_path: Path) -> None:
    from cryonto.exporting import export_refi
    from cryonto.importing import import_to_turtle

    ttl = tmp_path / "u.ttl"
    import_to_turtle("refi", _two_users(tmp_path), ttl, study="users")
    back = tmp_path / "u.qdpx"
    export_refi([ttl], back, positions="utf16")
    again = read_refi(back)
    seg = next(s for s in again.dataset.segments if s.text == "Ich habe geweint")
    names = again.dataset.coders
    assert (names[seg.coder].name, names[seg.selected_by].name) == ("ben", "ana")
    assert again.details["coder_conflicts"][0]["codings"] == 2


def test_import_summary_names_unit_and_user_pairs(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cryonto.cli import main

    out = tmp_path / "s.ttl"
    done = CliRunner().invoke(main, ["import", "refi", str(_two_users(tmp_path)), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "Positions: UTF-16 code units; " in done.output
    assert "2 coding(s): selection by 'ana', coded by 'ben' → coder 'ben'" in done.output
    done = CliRunner().invoke(main, ["import", "refi", str(_two_users(tmp_path)), "-o", str(out),
                                     "--coder-from", "selection", "--positions", "codepoints"])
    assert done.exit_code == 0, done.output
    assert "→ coder 'ana'" in done.output and "Positions: code points; given with" in done.output


_words = st.lists(st.sampled_from(["Ich", "habe", "geweint", "😢", "𠀀𠀁", "Cafe\u0301", "ja,",
                                   "🙂", "und", "\r\n"]), min_size=3, max_size=25)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=_words, layout=st.sampled_from(["nvivo", "maxqda"]), data=st.data())
def test_property_auto_detection_on_word_aligned_selections(tmp_path: Path, words, layout,
                                                             data) -> None:
    """Selections on word boundaries: the text and origin decide the unit right, always."""
    text = "😢 " + " ".join(words)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == " "]
    ends = [i for i, c in enumerate(text) if c == " "] + [len(text)]
    sels = []
    for _ in range(data.draw(st.integers(1, 4))):
        a = data.draw(st.sampled_from(starts))
        later = [e for e in ends if e > a]
        sels.append(Sel(0, a, data.draw(st.sampled_from(later)), ["Weinen"]))
    project = Project(layout, [text], ["Weinen"], sels)
    result = read_refi(project.write(tmp_path / "p.qdpx"))
    assert result.details["positions"]["unit"] == LAYOUTS[layout][4]
    got = sorted((s.start, s.end, s.text) for s in result.dataset.segments)
    assert got == sorted({(s.start, s.end, text[s.start:s.end]) for s in sels})


def test_refi_only_options_are_refused_for_csv(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cryonto.cli import main

    data = tmp_path / "c.csv"
    data.write_text("document,code,start,end,coder\nD1,A1.1,0,5,ana\n", encoding="utf-8")
    done = CliRunner().invoke(main, ["import", "csv", str(data), "-o", str(tmp_path / "c.ttl"),
                                     "--positions", "utf16"])
    assert done.exit_code == 2 and "refi imports only" in done.output
