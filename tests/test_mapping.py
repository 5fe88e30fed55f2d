"""Mapping a study's codes (issue 9): template, SSSOM did-you-mean, near-miss codes, queries."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.refi_builders import Project, Sel, guid

from cryonto.category import load_category_system
from cryonto.cli import main
from cryonto.errors import CryontoError
from cryonto.importing import import_file
from cryonto.mapping import Suggester, mapping_template
from cryonto.readers.sssom import read_mapping

TEXT = "P: Ich habe geweint. I: Wir haben geschwiegen. P: Dann Kaffee. Weinen als Widerstand."
CODES = ["Protestweinnen", "Schweigen", "Kaffee", "Weinen als Widerstand", "Pause"]


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _project(tmp_path: Path) -> Path:
    sels = [Sel(0, 3, 19, ["Protestweinnen"]), Sel(0, 21, 44, ["Schweigen"]),
            Sel(0, 21, 44, ["Pause"], user="ben"), Sel(0, 46, 58, ["Kaffee"]),
            Sel(0, 60, 81, ["Weinen als Widerstand"]), Sel(0, 3, 7, ["Protestweinnen"])]
    return Project("qualcoder", [TEXT], CODES, sels).write(tmp_path / "study.qdpx")


def _rows(text: str) -> list[dict[str, str]]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body), delimiter="\t"))


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return Suggester(load_category_system())


def test_suggestions_by_notation_and_labels_in_both_languages(suggester) -> None:
    assert suggester.best("I2.l").shown == "I2.1 Pause"
    assert suggester.best("Protestweinnen").notation == "A1.1"  # German label, misspelt
    assert suggester.best("crying as resist").notation == "A3.3.2"  # English, cut short
    assert suggester.near_miss("I2.l").notation == "I2.1"
    assert suggester.near_miss("Kaffee") is None
    assert suggester.near_miss("A1") is None  # too short to guess


def test_template_has_one_row_per_code_with_path_count_and_suggestion(tmp_path, suggester):
    ds = import_file("refi", _project(tmp_path)).dataset
    result = mapping_template(ds, suggester)
    rows = {r["subject_label"]: r for r in _rows(result.text)}
    assert set(rows) == set(CODES) and result.rows == 5
    assert rows["Protestweinnen"]["segment_count"] == "2"
    assert rows["Protestweinnen"]["subject_path"] == "Protestweinnen"
    assert rows["Protestweinnen"]["subject_id"].startswith("urn:uuid:")
    assert rows["Protestweinnen"]["object_id"] == "cry:ProtestCrying"
    assert rows["Protestweinnen"]["mapping_justification"] == "semapv:LexicalMatching"
    assert 0.9 <= float(rows["Protestweinnen"]["confidence"]) < 1
    assert rows["Kaffee"]["object_id"] == "sssom:NoTermFound"
    assert rows["Pause"]["object_id"] == "cry:Pause" and rows["Pause"]["confidence"] == "1.0"
    assert "# curie_map:" in result.text and "semapv:" in result.text


def test_template_edit_import_query_end_to_end(tmp_path) -> None:
    project = _project(tmp_path)
    table = tmp_path / "codes.sssom.tsv"
    done = cli("mapping", "template", str(project), "-o", str(table))
    assert done.exit_code == 0, done.output
    assert "5 study codes" in done.output
    # unedited: suggestions are not applied
    out = tmp_path / "s.ttl"
    done = cli("import", "refi", str(project), "--mapping", str(table), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "unconfirmed suggestions" in done.output
    assert "Unmapped study codes (3)" in done.output  # Protestweinnen, Schweigen, Kaffee
    # confirm Protestweinnen; map Schweigen onto Pause as narrowMatch by label only
    text = table.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if "\tProtestweinnen\t" in line:
            line = line.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration")
        lines.append(line)
    cols = "\t".join(["", "Schweigen", "", "", "skos:narrowMatch", "I2.1", "",
                      "semapv:ManualMappingCuration", "", "", ""])
    table.write_text("\n".join(lines) + "\n" + cols + "\n", encoding="utf-8")
    done = cli("import", "refi", str(project), "--mapping", str(table), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "Unmapped study codes (1)" in done.output
    done = cli("query", "segments-per-category", "--data", str(out), "-f", "csv")
    rows = {r["notation"]: r for r in csv.DictReader(io.StringIO(done.output))}
    assert rows["A1.1"]["direct"] == "2"  # Protestweinnen, confirmed
    assert rows["I2.1"]["direct"] == "2"  # Pause directly + Schweigen (narrowMatch)
    assert rows["A3.3.2"]["direct"] == "1"


def _mapped_study(tmp_path: Path, predicate: str) -> Path:
    table = tmp_path / f"{predicate}.tsv"
    table.write_text("subject_label\tpredicate_id\tobject_id\tmapping_justification\n"
                     f"Kaffee\tskos:{predicate}\tI2.1\tsemapv:ManualMappingCuration\n",
                     encoding="utf-8")
    out = tmp_path / f"{predicate}.ttl"
    done = cli("import", "refi", str(_project(tmp_path)), "--mapping", str(table),
               "-o", str(out))
    assert done.exit_code == 0, done.output
    return out


@pytest.mark.parametrize("predicate,counted", [
    ("exactMatch", True), ("closeMatch", True), ("narrowMatch", True),
    ("broadMatch", False), ("relatedMatch", False)])
def test_mapping_predicates_in_the_count_query(tmp_path, predicate, counted) -> None:
    data = _mapped_study(tmp_path, predicate)
    done = cli("query", "segments-per-category", "--data", str(data), "-f", "csv",
               "-p", "category=I2.1")
    row = next(csv.DictReader(io.StringIO(done.output)))
    # the Pause segment counts always; the Kaffee segment by the rule
    assert row["direct"] == ("2" if counted else "1")
    assert row["leftOut"] == ("0" if counted else "1")
    assert row["leftOutBy"] == ("" if counted else predicate)
    # the broader category I2 gets what its sub-category gets, and says what it left out
    done = cli("query", "segments-per-category", "--data", str(data), "-f", "csv",
               "-p", "category=I2")
    row = next(csv.DictReader(io.StringIO(done.output)))
    assert row["segments"] == ("2" if counted else "1")
    assert row["leftOut"] == ("0" if counted else "1")
    if not counted:  # widened, it counts and nothing is left out
        done = cli("query", "segments-per-category", "--data", str(data), "-f", "csv",
                   "-p", "category=I2.1", "--mapping-predicates",
                   f"exactMatch,closeMatch,narrowMatch,{predicate}")
        row = next(csv.DictReader(io.StringIO(done.output)))
        assert (row["direct"], row["leftOut"]) == ("2", "0")


def test_mapping_predicates_option_rejects_typos(tmp_path) -> None:
    done = cli("query", "segments-per-category", "--mapping-predicates", "exactMach")
    assert done.exit_code == 2 and "did you mean exactMatch?" in done.output


# -- SSSOM reader ----------------------------------------------------------------------
def _table(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "m.tsv"
    path.write_text(body, encoding="utf-8")
    return path


def test_sssom_rows_with_only_subject_label(tmp_path) -> None:
    path = _table(tmp_path, "subject_label\tpredicate_id\tobject_id\tmapping_justification\n"
                            "Schweigen\tskos:closeMatch\tcry:Pause\tsemapv:ManualMappingCuration\n")
    result = import_file("refi", _project(tmp_path), mapping=path)
    code = next(c for c in result.dataset.codes.values() if c.name == "Schweigen")
    assert code.mappings == [("closeMatch", "https://w3id.org/cryonto/Pause")]


@pytest.mark.parametrize("predicate,obj,message", [
    ("skos:exactMach", "I2.1", "did you mean skos:exactMatch?"),
    ("skos:exactMatch", "I2.l", "object 'I2.l' is not a cryonto category; did you mean "
                                "I2.1 Pause (Pause)?"),
    ("skos:exactMatch", "Protestweinnen", "did you mean A1.1 Protest crying"),
])
def test_sssom_did_you_mean(tmp_path, predicate, obj, message) -> None:
    path = _table(tmp_path, "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
                            f"Kaffee\t{predicate}\t{obj}\tsemapv:ManualMappingCuration\n")
    with pytest.raises(CryontoError, match="line 2") as caught:
        import_file("refi", _project(tmp_path), mapping=path)
    assert message in str(caught.value)


def test_template_rows_skipped_until_confirmed(tmp_path) -> None:
    path = _table(tmp_path, "subject_id\tpredicate_id\tobject_id\tmapping_justification\t"
                            "mapping_tool\n"
                            "Kaffee\tskos:exactMatch\tI2.1\tsemapv:LexicalMatching\t"
                            "cryonto mapping template\n"
                            "Schweigen\tskos:exactMatch\tsssom:NoTermFound\t"
                            "semapv:LexicalMatching\t\n")
    table = read_mapping(path)
    assert table.rows == [] and table.unconfirmed == [2] and table.no_term == 1


# -- near-miss codes on import --------------------------------------------------------------
CSV = ("document,code,start,end,coder\n"
       "D1,A1.1,0,5,ana\n"
       "D1,Protestweinen,6,9,ana\n"
       "D1,I2.l,10,12,ana\n"
       "D1,Kaffee,13,15,ana\n")


def test_near_miss_code_warns_with_row_and_suggestion(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(CSV, encoding="utf-8")
    out = tmp_path / "c.ttl"
    done = cli("import", "csv", str(path), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "row 4: code 'I2.l' is not a category; did you mean I2.1 Pause?" in done.output
    assert "Kaffee" not in done.output.split("Warnings")[1].split("Notes")[0]
    # the merge notice names the spellings merged
    assert "'A1.1' = 'Protestweinen'" in done.output
    done = cli("import", "csv", str(path), "-o", str(tmp_path / "strict.ttl"), "--strict-codes")
    assert done.exit_code == 2
    assert done.output.count("\n") == 1 and "row 4: code 'I2.l'" in done.output
    assert "--strict-codes" in done.output and not (tmp_path / "strict.ttl").exists()


def test_other_count_queries_report_what_the_rule_leaves_out(tmp_path) -> None:
    data = tmp_path / "o.csv"
    data.write_text("document,code,start,end,coder,orientation\n"
                    "D1,I2.1,0,5,ana,PDT\n"
                    "D1,Kaffee,6,9,ana,PDT\n", encoding="utf-8")
    table = _table(tmp_path, "subject_label\tpredicate_id\tobject_id\tmapping_justification\n"
                             "Kaffee\tskos:broadMatch\tI2.1\tsemapv:ManualMappingCuration\n")
    out = tmp_path / "o.ttl"
    assert cli("import", "csv", str(data), "--mapping", str(table), "-o", str(out)).exit_code == 0

    def rows(*args: str) -> list[dict[str, str]]:
        done = cli("query", *args, "--data", str(out), "-f", "csv", "-p", "category=I2.1")
        assert done.exit_code == 0, done.output
        return list(csv.DictReader(io.StringIO(done.output)))

    row = rows("categories-by-orientation")[0]
    assert (row["segments"], row["leftOut"], row["leftOutBy"]) == ("1", "1", "broadMatch")
    row = rows("categories-by-orientation", "--mapping-predicates",
               "exactMatch,closeMatch,narrowMatch,broadMatch")[0]
    assert (row["segments"], row["leftOut"]) == ("2", "0")
    listed = {(r["match"], r["counted"]) for r in rows("category-across-studies")}
    assert listed == {("direct", "True"), ("broadMatch", "False")}


def test_template_from_turtle_equals_template_from_the_project(tmp_path, suggester) -> None:
    """PROJECT_OR_TTL: a study already imported gives the same rows (ids, paths, counts)."""
    from cryonto.mapping import load_dataset

    nested = Project("maxqda", [TEXT], ["Formen", "Protestweinnen"],
                     [Sel(0, 3, 19, ["Protestweinnen"])])
    xml = nested.xml().replace(
        '<Code guid="' + guid("codeFormen") + '" name="Formen" '
        'isCodable="true"/>\n<Code guid="' + guid("codeProtestweinnen")
        + '" name="Protestweinnen" isCodable="true"/>',
        '<Code guid="' + guid("codeFormen") + '" name="Formen" '
        'isCodable="false"><Code guid="' + guid("codeProtestweinnen")
        + '" name="Protestweinnen" isCodable="true"/></Code>')
    project = tmp_path / "nested.qde"
    project.write_text(xml, encoding="utf-8")
    ttl = tmp_path / "nested.ttl"
    assert cli("import", "refi", str(project), "-o", str(ttl)).exit_code == 0
    from_project = _rows(mapping_template(load_dataset(project), suggester).text)
    from_ttl = _rows(mapping_template(load_dataset(ttl), suggester).text)
    key = ("subject_id", "subject_label", "subject_path", "segment_count", "object_id")
    assert [tuple(r[k] for k in key) for r in from_project] == \
        [tuple(r[k] for k in key) for r in from_ttl]
    assert {r["subject_path"]: r["segment_count"] for r in from_ttl} == {
        "Formen": "0", "Formen\\Protestweinnen": "1"}
