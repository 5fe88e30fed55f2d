"""Two REFI import fixes, on hand-written projects valid against the reference Project.xsd:
one code applied twice to a selection by one coder is a reported adjustment (two coders:
two segments), and a codebook cryonto exported reads back as definition, anchor examples
and coding rules."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support.paths import SHARED
from test_refi_stream import write_qdpx
from test_streaming import assert_same, both, triples

from cryonto.category import load_category_system
from cryonto.cli import main
from cryonto.coded.description import SECTIONS, compose, one_line, parse
from cryonto.coded.from_rdf import from_store
from cryonto.exporting import export_refi
from cryonto.importing import import_file, import_to_turtle
from cryonto.rdf import GraphStore
from cryonto.writers import SCHEMA_DIR
from cryonto.writers.codebook import codebook_entries, description, write_codebook

REFERENCE = SHARED / "reference/refi-qda"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def lit(text: str) -> str:
    """A plain literal as `triples` shows it (N-Triples)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _schema(name: str) -> xmlschema.XMLSchema:
    path = REFERENCE / name if (REFERENCE / name).is_file() else SCHEMA_DIR / name
    return xmlschema.XMLSchema(str(path))


def gid(name: str) -> str:
    """A stable guid of the schema's form for a readable name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name)).upper()


U1, U2, K0, K1 = gid("U1"), gid("U2"), gid("K0"), gid("K1")


def coding(n: int, code: str, user: str | None, when: str = "2024-01-01T10:00:00Z") -> str:
    who = f' creatingUser="{user}"' if user else ""
    return (f'<Coding guid="{gid(f"C{n}")}"{who} creationDateTime="{when}">'
            f'<CodeRef targetGUID="{code}"/></Coding>')


def project(*selections: str, text: str = "Ich habe heute geweint.") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Users>'
            f'<User guid="{U1}" name="ana"/><User guid="{U2}" name="ben"/></Users>'
            f'<CodeBook><Codes><Code guid="{K0}" name="Scham" isCodable="true"/>'
            f'<Code guid="{K1}" name="Wut" isCodable="true"/></Codes></CodeBook><Sources>'
            f'<TextSource guid="{gid("D0")}" name="d"><PlainTextContent>{text}'
            "</PlainTextContent>" + "".join(selections) + "</TextSource></Sources></Project>")


def selection(name: str, *codings: str, start: int = 0, end: int = 8,
              user: str | None = U1) -> str:
    who = f' creatingUser="{user}"' if user else ""
    return (f'<PlainTextSelection guid="{gid(name)}" startPosition="{start}" '
            f'endPosition="{end}"{who}>' + "".join(codings) + "</PlainTextSelection>")


def write(tmp_path: Path, xml: str) -> Path:
    path = tmp_path / "p.qde"
    path.write_text(xml, encoding="utf-8")
    _schema("Project.xsd").validate(str(path))  # real REFI, not a cryonto dialect
    return path


def coded(path: Path) -> set[tuple[str, str, str]]:
    """(segment, code label, coder name) of every coding in the Turtle import."""
    result = import_file("refi", path)
    ds = result.dataset
    assert result.counts_out.codings == sum(len(s.codes) for s in ds.segments)
    return {(s.id, ds.codes[c].name, ds.coders[s.coder].name if s.coder else "")
            for s in ds.segments for c in s.codes}


# -- 1. one code twice on a selection ------------------------------------------------------
@pytest.mark.usefixtures("shared")
def test_same_code_same_coder_is_counted_once_and_named(tmp_path):
    """Two Codings of one code by one user, a day apart: one coding, an adjustment naming
    the selection, and both imports succeed with counts in = out + adjustments."""
    path = write(tmp_path, project(selection(
        "S0", coding(0, K0, U1), coding(1, K0, U1, "2024-01-02T09:00:00Z"))))
    (whole, _), (streamed, out) = both(tmp_path, path, "refi")
    assert not isinstance(whole, str) and not isinstance(streamed, str), (whole, streamed)
    assert whole.counts_in.codings == 2 and whole.counts_out.codings == 1
    assert whole.counts_written == whole.counts_out
    [adj] = [a for a in whole.adjustments if "same code, same coder" in a.reason]
    assert (adj.field, adj.delta) == ("codings", -1)
    assert f"PlainTextSelection guid={gid('S0')}" in adj.reason
    assert whole.details["repeated_codings"] == [f"element <PlainTextSelection guid={gid('S0')}>"]
    assert coded(path) == {(gid("S0"), "Scham", "ana")}
    assert_same(tmp_path, path, fmt="refi")
    assert out is not None
    bodies = [o for _, p, o in triples(out) if p == "<http://www.w3.org/ns/oa#hasBody>"]
    assert len(bodies) == 1


@pytest.mark.usefixtures("shared")
def test_same_code_two_coders_is_intercoder_data(tmp_path):
    """U1 and U2 both apply Scham to one selection: two segments, one per coder, both
    codings kept; nothing is called a repeat."""
    path = write(tmp_path, project(selection("S0", coding(0, K0, U1), coding(1, K0, U2))))
    result = import_file("refi", path)
    assert result.counts_in.codings == result.counts_out.codings == 2
    assert not any("same code, same coder" in a.reason for a in result.adjustments)
    assert "repeated_codings" not in result.details
    assert coded(path) == {(gid("S0"), "Scham", "ana"),
                                     (f"{gid('S0')}#2", "Scham", "ben")}
    assert_same(tmp_path, path, fmt="refi")


@pytest.mark.usefixtures("shared")
def test_repeats_by_one_coder_beside_another_coder(tmp_path):
    """ana: Scham, Scham, Wut; ben: Scham. ana's repeat merges, ben's coding stays his."""
    path = write(tmp_path, project(selection(
        "S0", coding(0, K0, U1), coding(1, K0, U1), coding(2, K1, U1), coding(3, K0, U2))))
    result = import_file("refi", path)
    assert (result.counts_in.codings, result.counts_out.codings) == (4, 3)
    assert result.counts_out.segments == 2
    assert coded(path) == {(gid("S0"), "Scham", "ana"), (gid("S0"), "Wut", "ana"),
                                     (f"{gid('S0')}#2", "Scham", "ben")}
    assert_same(tmp_path, path, fmt="refi")


@pytest.mark.usefixtures("shared")
def test_coder_from_selection_makes_the_selection_user_the_coder(tmp_path):
    """With --coder-from selection both Codings are the selection user's: a repeat."""
    path = write(tmp_path, project(selection("S0", coding(0, K0, U1), coding(1, K0, U2))))
    result = import_file("refi", path, coder_from="selection")
    assert (result.counts_in.codings, result.counts_out.codings) == (2, 1)
    assert coded(path) != set()  # default rule reads it as two coders
    assert {(s.coder, tuple(s.codes)) for s in result.dataset.segments} == {(U1, ("Scham",))}
    assert_same(tmp_path, path, fmt="refi", coder_from="selection")


@pytest.mark.usefixtures("shared")
def test_repeat_inside_a_range_merge_is_counted_once_each(tmp_path):
    """NVivo-style: two selections of one range by one user, the first with Scham twice,
    the second with Scham again: one segment, one coding; a repeat and a range merge."""
    path = write(tmp_path, project(
        selection("S0", coding(0, K0, U1), coding(1, K0, U1)),
        selection("S1", coding(2, K0, U1), coding(3, K1, U1))))
    result = import_file("refi", path)
    assert (result.counts_in.codings, result.counts_out.codings) == (4, 2)
    deltas = {(a.field, a.delta, a.reason.split(" ")[1]) for a in result.adjustments}
    assert deltas == {("codings", -1, "Coding"), ("codings", -1, "coding"),
                      ("segments", -1, "text")}
    assert coded(path) == {(gid("S0"), "Scham", "ana"), (gid("S0"), "Wut", "ana")}
    assert_same(tmp_path, path, fmt="refi")


def test_cli_imports_a_repeated_coding(tmp_path):
    path = tmp_path / "p.qde"
    path.write_text(project(selection("S0", coding(0, K0, U1), coding(1, K0, U1))),
                    encoding="utf-8")
    for suffix in ("ttl", "nt"):
        result = CliRunner().invoke(main, ["import", "refi", str(path), "-o",
                                           str(tmp_path / f"o.{suffix}"), "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert summary["counts_in"]["codings"] == 2
        assert summary["counts_written"]["codings"] == 1


def test_repeats_in_a_zip_and_across_sources_stream_the_same(tmp_path):
    """Repeats named in reading order when a source waits for the position unit."""
    xml = project(selection("S0", coding(0, K0, U1), coding(1, K0, U1), start=0, end=3),
                  text="😢 Tränen").replace(
        "</TextSource></Sources>",
        f'</TextSource><TextSource guid="{gid("D1")}" name="e"><PlainTextContent>abc'
        f"</PlainTextContent>{selection('S1', coding(2, K1, U2), coding(3, K1, U2), end=2)}"
        "</TextSource></Sources>")
    path = write_qdpx(tmp_path / "p.qdpx", xml.encode("utf-8"), {})
    (whole, _), _ = both(tmp_path, path, "refi")
    assert not isinstance(whole, str), whole
    assert [d.split("guid=")[1] for d in whole.details["repeated_codings"]] == \
        [f"{gid('S0')}>", f"{gid('S1')}>"]
    assert_same(tmp_path, path, fmt="refi")


# -- 2. cryonto's own codebook read back ------------------------------------------------------
_part = st.text(min_size=1, max_size=30).filter(lambda s: one_line(s) != "")


@settings(max_examples=300, deadline=None)
@given(definition=st.none() | _part, examples=st.lists(_part, max_size=3),
       rules=st.lists(_part, max_size=3), lang=st.sampled_from(sorted(SECTIONS)))
def test_parse_reads_back_what_compose_writes(definition, examples, rules, lang):
    """Any parts, any language: the reader gets back each part as one line, in order."""
    text = compose(definition, examples, rules, lang)
    if definition is None and not examples and not rules:
        assert parse(text) is None
        return
    assert parse(text) == ((one_line(definition) if definition else None),
                           [one_line(e) for e in examples], [one_line(r) for r in rules])


@pytest.mark.usefixtures("shared")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_exported_codebook_round_trips(tmp_path, lang):
    """Every entry of `export codebook`: definition as skos:definition, each anchor
    example as skos:example, each coding rule as skos:scopeNote, nothing else."""
    system = load_category_system()
    entries = codebook_entries(system, lang)
    path = tmp_path / f"cb-{lang}.qdc"
    write_codebook(entries, path, "qdc", lang)
    _schema("Codebook.xsd").validate(str(path))
    result = import_file("refi", path)
    codes = {c.guid: c for c in result.dataset.codes.values()}

    def flat(text: str) -> str:
        return " ".join(text.split())

    with_examples = with_rules = 0
    for entry in entries:
        code = codes[entry.guid]
        assert code.description == (flat(entry.definition) if entry.definition else None)
        assert code.examples == [flat(t) for t in entry.examples]
        assert code.rules == [flat(t) for t in entry.coding_rules]
        with_examples += bool(entry.examples)
        with_rules += bool(entry.coding_rules)
    assert with_examples > 5 and with_rules > 0  # the test is not vacuous
    assert any("codebook form" in n for n in result.notes)
    (_, _), (_, streamed_out) = both(tmp_path, path, "refi")
    assert streamed_out is not None
    found = triples(streamed_out)
    examples = {o for _, p, o in found if p == f"<{SKOS}example>"}
    rules = {o for _, p, o in found if p == f"<{SKOS}scopeNote>"}
    assert examples == {lit(flat(t)) for e in entries for t in e.examples}
    assert rules == {lit(flat(t)) for e in entries for t in e.coding_rules}
    assert not any("Anchor example" in o or "Ankerbeispiel" in o
                   for _, p, o in found if p == f"<{SKOS}definition>")


@pytest.mark.parametrize("text", [
    "A plain memo.",
    "Definition: one\n\nA free paragraph.",
    "Anchor example: x\n\nDefinition: late",  # out of order
    "Definition: a\n\nDefinition: b",  # two definitions
    "Definition: a\nsecond line",  # not one line
    "Anchor example: a\n\nKodierregel: mixed languages",
    "Definition:",  # empty
    "Note: something",
])
def test_other_descriptions_stay_whole(text):
    assert parse(text) is None


def test_sections_without_a_definition():
    assert parse("Anchor example: a\n\nAnchor example: b\n\nCoding rule: c") == \
        (None, ["a", "b"], ["c"])


def test_a_free_description_stays_the_definition(tmp_path):
    xml = (f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{K0}" name="Scham" '
           'isCodable="true"><Description>Definition: one\n\nSee also Wut.</Description>'
           "</Code></Codes></CodeBook>")
    path = tmp_path / "c.qdc"
    path.write_text(xml, encoding="utf-8")
    _schema("Codebook.xsd").validate(str(path))
    [code] = import_file("refi", path).dataset.codes.values()
    assert code.description == "Definition: one\n\nSee also Wut."
    assert code.examples == code.rules == []


def test_description_function_is_what_the_qdc_holds():
    """The round trip reads what `description` writes, one entry by hand."""
    from cryonto.writers.codebook import CodebookEntry

    entry = CodebookEntry(iri="x", notation="Z1", label="z", definition="Says\nwhat.",
                          examples=("one", "two"), parent=None, level=2, codable=True,
                          color="#000000", guid=K0, coding_rules=("rule",))
    assert parse(description(entry)) == ("Says what.", ["one", "two"], ["rule"])


@pytest.mark.usefixtures("shared")
def test_examples_and_rules_survive_a_store_and_export_refi(tmp_path):
    """.qdc -> Turtle -> `export refi` -> re-import: the same definition, examples and rules
    (RDF keeps no order: examples and rules come back sorted), and the Description the
    project holds is the codebook's form again."""
    system = load_category_system()
    entries = codebook_entries(system, "en")
    qdc = tmp_path / "cb.qdc"
    write_codebook(entries, qdc, "qdc", "en")
    ttl = tmp_path / "cb.ttl"
    import_to_turtle("refi", qdc, ttl)
    store = GraphStore()
    store.load_file(ttl)
    [ds] = from_store(store)
    read_back = {c.guid: c for c in ds.codes.values()}
    qdpx = tmp_path / "cb.qdpx"
    export_refi([ttl], qdpx)  # validated against Project.xsd as it is written
    again = {c.guid: c for c in import_file("refi", qdpx).dataset.codes.values()}
    checked = 0
    for entry in entries:
        for code in (read_back[entry.guid], again[entry.guid]):
            assert code.description == (" ".join(entry.definition.split())
                                        if entry.definition else None)
            assert sorted(code.examples) == sorted(" ".join(t.split()) for t in entry.examples)
            assert sorted(code.rules) == sorted(" ".join(t.split())
                                                for t in entry.coding_rules)
        checked += bool(entry.examples)
    assert checked > 5
