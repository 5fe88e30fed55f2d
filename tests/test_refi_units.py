"""Text positions in the unit the producing tool counts (issue 9): import, export, validate."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refi_builders import LAYOUTS, Project, Sel, utf16_offset

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
    assert any(n.startswith("text positions read as") for n in result.notes)


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
