"""SSSOM mapping tables applied to imported study codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryonto.errors import CryontoError
from cryonto.importing import import_file

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CRY = "https://w3id.org/cryonto/"
COLUMNS = "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"


def table(tmp_path: Path, rows: str, header: str = COLUMNS) -> Path:
    path = tmp_path / "map.sssom.tsv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def test_fixture_mapping_maps_the_study_codes():
    result = import_file("csv", FIXTURES / "coded.csv", mapping=FIXTURES / "mapping.sssom.tsv")
    ds = result.dataset
    assert ds.codes["Scham"].mappings == [("relatedMatch", CRY + "ProtestCrying")]
    assert ds.codes["Hilflosigkeit"].mappings == [("closeMatch", CRY + "OverwhelmedCrying")]
    assert result.unmapped == []
    assert result.mapping["mappings_added"] == 2


def test_subject_by_guid_path_and_name_object_by_iri_notation_curie(tmp_path):
    rows = ("00000001-eeee-4eee-8eee-000000000004\tskos:closeMatch\tA1.2\tsemapv:M\n"
            "Forms of crying\\Protest crying\tskos:narrowMatch\t"
            "https://w3id.org/cryonto/ProtestCrying\tsemapv:M\n"
            "weinen in trauer\tskos:broadMatch\tcry:CryingInGrief\tsemapv:M\n")
    result = import_file("refi", FIXTURES / "codebook.qdc", mapping=table(tmp_path, rows))
    ds = result.dataset
    assert ds.codes["Scham"].mappings == [("closeMatch", CRY + "OverwhelmedCrying")]
    # the table's predicate replaces the automatic exactMatch for the same category
    assert ds.codes["Forms of crying\\Protest crying"].mappings == [
        ("narrowMatch", CRY + "ProtestCrying")]
    assert ds.codes["Forms of crying\\Weinen in Trauer"].mappings == [
        ("broadMatch", CRY + "CryingInGrief")]
    assert result.mapping["automatic_replaced"] == 2


def test_curie_map_in_the_yaml_header(tmp_path):
    header = "# curie_map:\n#   cx: https://w3id.org/cryonto/\n" + COLUMNS
    path = table(tmp_path, "Scham\tskos:exactMatch\tcx:Pause\tsemapv:M\n", header)
    ds = import_file("refi", FIXTURES / "codebook.qdc", mapping=path).dataset
    assert ds.codes["Scham"].mappings == [("exactMatch", CRY + "Pause")]


@pytest.mark.parametrize(("row", "fragment"), [
    ("Nope\tskos:exactMatch\tA1.1\tsemapv:M\n", "subject 'Nope' is not a code in the data"),
    ("Scham\tskos:exactMatch\tcry:Nope\tsemapv:M\n", "object 'cry:Nope' is not a cryonto"),
    ("Scham\towl:sameAs\tA1.1\tsemapv:M\n", "predicate 'owl:sameAs' is not one of"),
    ("Scham\tskos:exactMatch\tA1.1\t\n", "empty mapping_justification"),
])
def test_bad_rows_name_the_line(tmp_path, row, fragment):
    path = table(tmp_path, "Scham\tskos:exactMatch\tA1.1\tsemapv:M\n" + row)
    with pytest.raises(CryontoError, match=fragment) as caught:
        import_file("refi", FIXTURES / "codebook.qdc", mapping=path)
    assert caught.value.where == "line 3"
    assert caught.value.file == str(path)


def test_category_used_directly_is_not_a_subject(tmp_path):
    path = table(tmp_path, "A1.1\tskos:exactMatch\tA1.1\tsemapv:M\n")
    with pytest.raises(CryontoError, match="is a cryonto category itself"):
        import_file("csv", FIXTURES / "coded.csv", mapping=path)


def test_missing_columns(tmp_path):
    path = table(tmp_path, "Scham\tA1.1\n", header="subject_id\tobject_id\n")
    with pytest.raises(CryontoError, match="missing SSSOM columns predicate_id, "
                                           "mapping_justification"):
        import_file("csv", FIXTURES / "coded.csv", mapping=path)
