"""Coded data as the generic CSV; redaction with keyed pseudonyms; redacted Turtle."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from cryonto import importing
from cryonto.coded import Code, CodedDataset, Document, Segment
from cryonto.errors import CryontoError
from cryonto.exporting import export_csv, export_turtle, load_datasets
from cryonto.writers.csv import COLUMNS, Pseudonymizer, build_rows, code_labels, redact

FIXTURES = Path(__file__).parent / "fixtures" / "export"
STUDY = FIXTURES / "study.ttl"
SALT = "a test salt, 16+ chars"
EXAMPLE = Path(__file__).parent.parent / "examples" / "paper-quotes.csv"
CRY = "https://w3id.org/cryonto/"
#: everything in the fixture that identifies a participant or carries interview text
SECRETS = ("P07", "P12", "Interview", "Often I just wait", "protest, anger at me",
           "Ich tröste", "said this calmly", "P07-and-P12")


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_rows_one_per_coding_with_notations(tmp_path):
    out = tmp_path / "out.csv"
    result = export_csv([STUDY], out)
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows(out)
    assert len(rows) == 6
    by_segment: dict[str, list[str]] = {}
    for row in rows:
        by_segment.setdefault(row["segment_id"], []).append(row["code"])
    # exactMatch onto I2 -> notation; closeMatch keeps the study code name; category -> notation
    assert by_segment == {"P07-1": ["I2"], "P07-2": ["A1.1", "Anger"],
                          "P12-1": ["Comforting"], "P12-2": ["A1.1", "Anger"]}
    first = next(r for r in rows if r["segment_id"] == "P07-1")
    assert first == {"document": "Interview P07", "code": "I2", "start": "45", "end": "77",
                     "coder": "Anna", "text": "Often I just wait. I give space.",
                     "segment_id": "P07-1", "participant": "P07", "orientation": "PDT",
                     "memo": "P07 said this calmly", "created": "2025-03-01T10:00:00Z"}
    # the unused parent code "Reactions" cannot be in a CSV: reported, and counted
    assert result.counts_in.codes == 5 and result.counts_out.codes == 4
    assert [(a.field, a.delta) for a in result.adjustments] == [("codes", -1)]


def test_code_names_that_clash_are_written_as_paths():
    ds = CodedDataset(study="clash")
    ds.documents["d"] = Document(key="d", name="d")
    ds.codes["A"] = Code(key="A", name="A")
    ds.codes["B"] = Code(key="B", name="B")
    ds.codes["A\\x"] = Code(key="A\\x", name="x", parent="A")
    ds.codes["B\\x"] = Code(key="B\\x", name="x", parent="B")
    ds.codes["p"] = Code(key="p", name="Protest", mappings=[("exactMatch", CRY + "ProtestCrying")])
    ds.codes["q"] = Code(key="q", name="Protesting",
                         mappings=[("exactMatch", CRY + "ProtestCrying")])
    ds.segments.append(Segment(id="s", document="d", codes=["A\\x", "B\\x", "p", "q"],
                               start=0, end=3))
    from cryonto.category import load_category_system

    labels = code_labels(ds, load_category_system())
    # two codes mapped exactly onto A1.1 would merge under one notation: names instead
    assert labels == {"A\\x": "A\\x", "B\\x": "B\\x", "p": "Protest", "q": "Protesting"}


def test_code_with_the_separator_is_refused():
    ds = CodedDataset(study="semi")
    ds.documents["d"] = Document(key="d", name="d")
    ds.codes["a;b"] = Code(key="a;b", name="a;b")
    ds.segments.append(Segment(id="s", document="d", codes=["a;b"], start=0, end=3))
    with pytest.raises(CryontoError, match="';'"):
        build_rows([ds])


def test_segments_without_positions_are_left_out_and_reported():
    ds = CodedDataset(study="para")
    ds.documents["d"] = Document(key="d", name="d")
    ds.codes["c"] = Code(key="c", name="c")
    ds.segments += [Segment(id="a", document="d", codes=["c"], start=0, end=4),
                    Segment(id="b", document="d", codes=["c"], start_paragraph=3,
                            end_paragraph=4)]
    table = build_rows([ds])
    assert len(table.rows) == 1
    assert {(a.field, a.delta) for a in table.adjustments} == {("segments", -1),
                                                               ("codings", -1)}


def test_redact_removes_every_text_and_participant_id(tmp_path):
    out = tmp_path / "shared.csv"
    result = export_csv([STUDY], out, redact=True, salt="a secret of 16+ chars")
    text = out.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, secret
    rows = _rows(out)
    assert len(rows) == 6 and result.counts_out == export_csv([STUDY], tmp_path / "x.csv")\
        .counts_out
    assert all(r["text"] == "" and r["memo"] == "" for r in rows)
    # the pseudonym form the shareable profile accepts: "P-" and lower-case hex digits
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", r["participant"]) for r in rows)
    assert len({r["participant"] for r in rows}) == 2
    assert len({r["document"] for r in rows}) == 2
    assert all(r["document"].startswith("D-") for r in rows)
    assert len({r["segment_id"] for r in rows}) == 4
    # what is not identifying stays: codes, positions, coders, dates
    assert sorted(r["code"] for r in rows) == ["A1.1", "A1.1", "Anger", "Anger", "Comforting",
                                               "I2"]
    assert {r["coder"] for r in rows} == {"Anna", "Ben"}
    assert not result.random_salt


def test_same_salt_same_pseudonyms_other_salt_other_pseudonyms(tmp_path, monkeypatch):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    export_csv([STUDY], a, redact=True, salt="salt number one, 16+")
    export_csv([STUDY], b, redact=True, salt="salt number one, 16+")
    export_csv([STUDY], c, redact=True, salt="salt number two, 16+")
    assert a.read_bytes() == b.read_bytes()
    ids_a = {r["participant"] for r in _rows(a)}
    ids_c = {r["participant"] for r in _rows(c)}
    assert not ids_a & ids_c
    # the salt from the environment works like --salt
    monkeypatch.setenv("CRYONTO_SALT", "salt number one, 16+")
    d = tmp_path / "d.csv"
    export_csv([STUDY], d, redact=True)
    assert d.read_bytes() == a.read_bytes()


def test_without_a_salt_pseudonyms_differ_every_time(tmp_path, monkeypatch):
    monkeypatch.delenv("CRYONTO_SALT", raising=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    result = export_csv([STUDY], a, redact=True)
    export_csv([STUDY], b, redact=True)
    assert result.random_salt
    assert {r["participant"] for r in _rows(a)}.isdisjoint({r["participant"] for r in _rows(b)})


def test_pseudonymizer_is_keyed_hmac():
    import hashlib
    import hmac

    p = Pseudonymizer("k" * 16)
    expected = hmac.new(b"k" * 16, b"participant:P07", hashlib.sha256).hexdigest()[:12]
    assert p("participant", "P07", "P") == f"P-{expected}"
    assert p("document", "P07", "D") != f"D-{expected}"  # kinds are kept apart


def test_redact_keeps_counts_and_structure():
    (ds,) = load_datasets([STUDY])
    shared = redact(ds, Pseudonymizer(SALT))
    assert shared.counts() == ds.counts()
    assert all(s.text is None and s.memo is None and s.source_file is None
               for s in shared.segments)
    assert all(d.text is None for d in shared.documents.values())
    assert shared.source_file is None  # file names name participants
    assert shared.study.startswith("ST-") and shared.title == shared.study
    assert [s.start for s in shared.segments] == [s.start for s in ds.segments]
    assert ds.segments[0].text is not None  # the original is untouched


def test_turtle_redacted_has_no_text_no_ids_and_a_license(tmp_path):
    out = tmp_path / "shared.ttl"
    result = export_turtle([STUDY], out, redact=True, salt=SALT,
                           license="https://creativecommons.org/licenses/by/4.0/")
    assert result.counts_in == result.counts_out
    text = out.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, secret
    (ds,) = load_datasets([out])
    assert ds.license == "https://creativecommons.org/licenses/by/4.0/"
    assert all(d.participant.startswith("P-") for d in ds.documents.values())
    assert all(s.text is None for s in ds.segments)


def test_turtle_license_must_be_an_iri(tmp_path):
    with pytest.raises(CryontoError, match="IRI"):
        export_turtle([STUDY], tmp_path / "x.ttl", license="CC BY 4.0")
    assert not (tmp_path / "x.ttl").exists()


def _violations(path: Path) -> list[str]:
    """sh:Violation results of the core + shareable shapes (pySHACL on the raw shapes)."""
    import rdflib
    from pyshacl import validate

    from cryonto import resources

    data = rdflib.Graph().parse(path)
    for ontology in resources.ontology_files():
        data.parse(ontology)
    shapes = rdflib.Graph()
    for name in ("core.ttl", "shareable.ttl"):
        shapes.parse(resources.shapes_dir() / name)
    _, report, _ = validate(data, shacl_graph=shapes)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return [str(report.value(r, sh.resultMessage)) for r in report.subjects(sh.resultSeverity,
                                                                           sh.Violation)]


@pytest.mark.slow
def test_redacted_turtle_passes_the_shareable_shapes(tmp_path):
    plain, shared = tmp_path / "plain.ttl", tmp_path / "shared.ttl"
    export_turtle([STUDY], plain)
    export_turtle([STUDY], shared, redact=True, salt=SALT, creator="Test team",
                  license="https://creativecommons.org/licenses/by/4.0/")
    assert _violations(plain)  # interview text: not shareable
    assert _violations(shared) == []


def test_round_trip_csv_rdf_csv_same_rows(tmp_path):
    importing.import_to_turtle("csv", EXAMPLE, tmp_path / "pq.ttl", study="paper-quotes")
    result = export_csv([tmp_path / "pq.ttl"], tmp_path / "pq.csv")
    assert result.counts_in == result.counts_out
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        original = sorted(map(tuple, csv.reader(f)))
    with (tmp_path / "pq.csv").open(encoding="utf-8", newline="") as f:
        again = sorted(map(tuple, csv.reader(f)))
    assert original == again


def test_round_trip_of_the_fixture_is_a_fixed_point(tmp_path):
    export_csv([STUDY], tmp_path / "one.csv")
    importing.import_to_turtle("csv", tmp_path / "one.csv", tmp_path / "one.ttl",
                               study="export-fixture")
    export_csv([tmp_path / "one.ttl"], tmp_path / "two.csv")
    assert sorted(_rows(tmp_path / "one.csv"), key=lambda r: (r["segment_id"], r["code"])) == \
        sorted(_rows(tmp_path / "two.csv"), key=lambda r: (r["segment_id"], r["code"]))


@pytest.mark.slow
def test_redacted_csv_imports_and_passes_shareable_with_a_license(tmp_path):
    """--redact output + import csv + export turtle --redact --license --creator: the
    documented sharing path (the re-import records the CSV's file name; --redact drops it)."""
    export_csv([STUDY], tmp_path / "shared.csv", redact=True, salt=SALT)
    importing.import_to_turtle("csv", tmp_path / "shared.csv", tmp_path / "shared.ttl",
                               study="export-fixture")
    export_turtle([tmp_path / "shared.ttl"], tmp_path / "final.ttl", redact=True, salt=SALT,
                  creator="Test team", license="https://creativecommons.org/licenses/by/4.0/")
    assert _violations(tmp_path / "final.ttl") == []
