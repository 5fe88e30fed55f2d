"""The generic CSV reader: columns, codes, multiple coding, round trip through RDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryonto.coded import from_store
from cryonto.errors import CryontoError
from cryonto.importing import import_file, import_to_turtle
from cryonto.rdf import GraphStore

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CRY = "https://w3id.org/cryonto/"
HEADER = "document,code,start,end,coder"


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_fixture_counts_and_codes():
    result = import_file("csv", FIXTURES / "coded.csv")
    assert result.counts_in.as_dict() == {"documents": 3, "codes": 8, "segments": 6,
                                          "codings": 9, "coders": 2}
    assert result.counts_out.as_dict() == {"documents": 3, "codes": 6, "segments": 6,
                                           "codings": 9, "coders": 2}
    # A1.1 and Protestweinen name the same category: one code, reported
    assert [a.field for a in result.adjustments] == ["codes"]
    assert result.adjustments[0].delta == -2
    assert sorted(result.unmapped) == ["Hilflosigkeit", "Scham"]


def test_german_labels_notations_curies_and_iris_resolve():
    ds = import_file("csv", FIXTURES / "coded.csv").dataset
    by_id = {s.id: s for s in ds.segments}
    assert by_id["s1"].codes == [CRY + "ProtestCrying"]  # notation A1.1
    # "Protestweinen" (German label), "Giving space" (English), cry:CryingInGrief (CURIE)
    assert by_id["s2"].codes == [CRY + "ProtestCrying", CRY + "GivingSpace",
                                 CRY + "CryingInGrief"]
    assert by_id["row-5"].codes == [CRY + "CryingInGrief"]  # "Weinen in Trauer"
    assert by_id["row-6"].codes == [CRY + "Pause"]  # full IRI
    assert ds.codes[CRY + "ProtestCrying"].category == CRY + "ProtestCrying"


def test_semicolon_multi_codes_and_repeated_segment_id(tmp_path):
    path = write(tmp_path, HEADER + ",segment_id\n"
                 "T1,A1.1;I2.1,0,5,c1,a\n"
                 "T1,Weinen in Trauer,0,5,c1,a\n"
                 "T1,own;A1.1,7,9,c1,\n")
    result = import_file("csv", path)
    segs = {s.id: s for s in result.dataset.segments}
    assert set(segs) == {"a", "row-4"}
    assert segs["a"].codes == [CRY + "ProtestCrying", CRY + "Pause", CRY + "CryingInGrief"]
    assert segs["row-4"].codes == ["own", CRY + "ProtestCrying"]
    assert result.counts_out.codings == 5
    assert result.unmapped == ["own"]


def test_duplicate_coding_is_merged_and_reported(tmp_path):
    path = write(tmp_path, HEADER + ",segment_id\nT1,A1.1;Protest crying,0,5,c1,a\n")
    result = import_file("csv", path)
    assert result.counts_in.codings == 2
    assert result.counts_out.codings == 1
    assert any(a.field == "codings" and a.delta == -1 for a in result.adjustments)


def test_optional_columns_are_kept(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER + ",text,participant,orientation,memo,created\n"
                 'T1,A1.1,0,5,c1,"Hallo",P7,cbt,"a, memo",2024-03-01\n')
    ds = import_file("csv", path).dataset
    seg = ds.segments[0]
    assert (seg.text, seg.memo, seg.created) == ("Hallo", "a, memo", "2024-03-01T00:00:00")
    doc = ds.documents["T1"]
    assert (doc.participant, doc.orientation) == ("P7", "CBT")


def test_row_ids_come_from_row_numbers(tmp_path):
    path = write(tmp_path, HEADER + "\nT1,A1.1,0,5,c1\n\nT1,A1.2,5,9,c1\n")
    result = import_file("csv", path)
    assert [s.id for s in result.dataset.segments] == ["row-2", "row-4"]
    assert [s.source_locator for s in result.dataset.segments] == ["row 2", "row 4"]
    assert "1 empty row skipped" in result.notes


@pytest.mark.parametrize(("body", "where", "fragment"), [
    ("T1,A1.1,5,5,c1\n", "row 2", "not before end"),
    ("T1,A1.1,9,5,c1\n", "row 2", "not before end"),
    ("T1,A1.1,-1,5,c1\n", "row 2", "negative"),
    ("T1,A1.1,1.5,5,c1\n", "row 2", "not a whole number"),
    ("T1,A1.1,,5,c1\n", "row 2", "start is empty"),
    ("T1,A1.1,0,5,c1\nT1,,0,5,c1\n", "row 3", "empty code"),
    ("T1,A1.1,0,5\n", "row 2", "has 4 fields"),
])
def test_bad_rows_name_file_and_row(tmp_path, body, where, fragment):
    path = write(tmp_path, HEADER + "\n" + body)
    with pytest.raises(CryontoError) as caught:
        import_file("csv", path)
    assert caught.value.file == str(path)
    assert caught.value.where == where
    assert fragment in caught.value.reason


def test_conflicting_segment_id(tmp_path):
    path = write(tmp_path, HEADER + ",segment_id,text\nT1,A1.1,0,5,c1,a,x\nT1,A1.2,0,6,c1,a,x\n")
    with pytest.raises(CryontoError, match="segment_id 'a' has end 6 here but 5 in row 2") as c:
        import_file("csv", path)
    assert c.value.where == "row 3"
    path = write(tmp_path, HEADER + ",segment_id,text\nT1,A1.1,0,5,c1,a,x\nT1,A1.2,0,5,c1,a,y\n")
    with pytest.raises(CryontoError, match="different text"):
        import_file("csv", path)
    path = write(tmp_path, HEADER + ",segment_id\nT1,A1.1,0,5,c1,a\nT2,A1.2,0,5,c1,a\n")
    with pytest.raises(CryontoError, match="has document 'T2'"):
        import_file("csv", path)


def test_explicit_id_colliding_with_a_row_id(tmp_path):
    path = write(tmp_path, HEADER + ",segment_id\nT1,A1.1,0,5,c1,row-3\nT1,A1.2,5,9,c1,\n")
    with pytest.raises(CryontoError, match="segment_id 'row-3'"):
        import_file("csv", path)


def test_header_errors(tmp_path):
    with pytest.raises(CryontoError, match="unknown columns 'colour', 'x'"):
        import_file("csv", write(tmp_path, HEADER + ",colour,x\nT1,A1.1,0,5,c1,r,y\n"))
    with pytest.raises(CryontoError, match="missing required columns end, coder"):
        import_file("csv", write(tmp_path, "document,code,start\nT1,A1.1,0\n"))
    with pytest.raises(CryontoError, match="empty file"):
        import_file("csv", write(tmp_path, ""))
    with pytest.raises(CryontoError, match="no data rows"):
        import_file("csv", write(tmp_path, HEADER + "\n"))


def test_orientation_and_created_are_checked(tmp_path):
    with pytest.raises(CryontoError, match="orientation 'TA' is not one of PDT, CBT, ST"):
        import_file("csv", write(tmp_path, HEADER + ",orientation\nT1,A1.1,0,5,c1,TA\n"))
    with pytest.raises(CryontoError, match=r"created '01\.03\.2024' is not an ISO date"):
        import_file("csv", write(tmp_path, HEADER + ",created\nT1,A1.1,0,5,c1,01.03.2024\n"))
    with pytest.raises(CryontoError, match="orientation CBT here but PDT in row 2"):
        import_file("csv", write(tmp_path, HEADER + ",orientation\nT1,A1.1,0,5,c1,PDT\n"
                                 "T1,A1.1,6,9,c1,CBT\n"))


def test_undecodable_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nT1,A1.1,0,5,c1\nT\xfc2,A1.1,0,5,c1\n").encode("latin-1"))
    with pytest.raises(CryontoError, match="not valid UTF-8") as caught:
        import_file("csv", path)
    assert caught.value.where == "line 3"


def test_round_trip_through_rdf_keeps_segments_and_codes(tmp_path):
    out = tmp_path / "coded.ttl"
    result = import_to_turtle("csv", FIXTURES / "coded.csv", out)
    store = GraphStore()
    store.load_file(out)
    [back] = from_store(store)
    original = result.dataset

    def code_id(ds, key):
        code = ds.codes[key]
        return code.category or code.name

    def shape(ds):
        return sorted((s.id, ds.documents[s.document].name, s.start, s.end, s.text,
                       tuple(sorted(code_id(ds, k) for k in s.codes))) for s in ds.segments)

    assert shape(back) == shape(original)
    assert len(shape(back)) == 6
    assert sorted(code_id(back, k) for k in back.codes) == sorted(
        code_id(original, k) for k in original.codes)
    assert back.counts() == original.counts() == result.counts_written


def test_ontology_option_uses_the_given_file(tmp_path):
    path = write(tmp_path, HEADER + "\nT1,Weinen vor Überforderung (nur im Test),0,5,c1\n")
    assert import_file("csv", path).unmapped == ["Weinen vor Überforderung (nur im Test)"]
    result = import_file("csv", path, ontology=FIXTURES / "categories.ttl")
    assert result.dataset.segments[0].codes == [CRY + "OverwhelmedCrying"]
    assert result.unmapped == []
