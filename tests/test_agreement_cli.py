"""End to end: a small two-coder study imported from CSV, with answers worked out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main
from cryonto.importing import import_to_turtle
from cryonto.queries import run_query
from cryonto.reliability import agreement

#: anna and ben on two transcripts (offsets in code points). By hand (docs/agreement.md):
#: document level: 2 transcripts x 3 categories = 6 units, 3 agree;
#: segment level: 5 codings, 2 agree (the A1.1 pair overlaps 95 of 100 and 95 of 95);
#: unitized: D1 is 300 and D2 50 characters long (longest end), 3 x 350 = 1050 units,
#: 5 + 50 (A1.1) + 50 (A1.2) + 100 (I2.1) = 205 characters disagree.
ROWS = [
    ("D1", "A1.1", 0, 100, "anna", "a hundred characters"),
    ("D1", "I2.1", 200, 300, "anna", "=HYPERLINK(\"x\")"),
    ("D2", "A1.1", 0, 50, "anna", "fifty"),
    ("D1", "A1.1", 5, 100, "ben", "ninety-five"),
    ("D2", "A1.2", 0, 50, "ben", "fifty"),
]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("agreement")
    source = folder / "coded.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "code", "start", "end", "coder", "text"])
        writer.writerows(ROWS)
    out = folder / "study.ttl"
    import_to_turtle("csv", source, out, study="two coders")
    return out


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["agreement", *args])
    return result.exit_code, result.stdout, result.stderr


def test_document_level_json_by_hand(study: Path) -> None:
    code, out, _ = _cli(str(study), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["level"] == "document" and data["coders"] == ["anna", "ben"]
    overall = data["overall"]
    assert overall["units"] == 6
    assert overall["agreement"] == pytest.approx(0.5)
    assert overall["brennan_prediger"] == pytest.approx(0.0)
    assert overall["cohen_kappa"] == pytest.approx(0.0)
    # alpha by hand: n = 12 values, 5 ones; Do = 6/12, De = 70/132
    assert overall["krippendorff_alpha"] == pytest.approx(1 - 0.5 / (70 / 132))
    notations = [c["notation"] for c in data["categories"]]
    assert notations == ["A1.1", "A1.2", "I2.1"]
    assert all(c["units"] == 2 and c["agreement"] == pytest.approx(0.5)
               for c in data["categories"])


def test_segment_level_and_the_overlap_denominator(study: Path) -> None:
    result = agreement([study], level="segment").as_dict()
    assert result["overall"]["units"] == 5
    assert result["overall"]["agreement"] == pytest.approx(0.4)
    # MAXQDA's kappa: chance 1/3 for the three categories used
    assert result["overall"]["brennan_prediger"] == pytest.approx((0.4 - 1 / 3) / (2 / 3))
    # at 0.96 anna's 100-character segment is no longer matched (95 < 96), ben's still is
    stricter = agreement([study], level="segment", overlap=0.96).as_dict()
    assert stricter["overall"]["agreement"] == pytest.approx(0.2)


def test_unitized_level_counts_characters(study: Path) -> None:
    result = agreement([study], level="unitized").as_dict()
    assert result["overall"]["units"] == 1050
    assert result["overall"]["agreement"] == pytest.approx(845 / 1050)
    a11 = next(c for c in result["categories"] if c["notation"] == "A1.1")
    assert a11["agreement"] == pytest.approx(295 / 350)


def test_rollup_counts_codings_toward_broader_categories(study: Path) -> None:
    result = agreement([study], rollup=True).as_dict()
    forms = next(c for c in result["categories"] if c["notation"] == "A1")
    assert forms["agreement"] == pytest.approx(1.0)  # both coded some form of crying in both
    assert forms["cohen_kappa"] is None and forms["undefined"]["cohen_kappa"]


def test_disagreements_csv_neutralises_formulas_and_redacts(study: Path, tmp_path) -> None:
    target = tmp_path / "dis.csv"
    code, _, _ = _cli(str(study), "--level", "segment", "--disagreements", str(target))
    assert code == 0
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["document", "start", "end", "category", "categories anna",
                       "categories ben", "text"]
    assert len(rows) == 4
    assert ["D1", "200", "300", "I2.1", "I2.1", "", "'=HYPERLINK(\"x\")"] in rows
    redacted = tmp_path / "red.xlsx"
    code, _, _ = _cli(str(study), "--level", "segment", "--disagreements", str(redacted),
                      "--redact")
    assert code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(redacted).active
    header = [c.value for c in next(sheet.iter_rows())]
    assert "text" not in header and sheet.max_row == 4


def test_turtle_answers_the_low_agreement_query(study: Path, tmp_path) -> None:
    ttl = tmp_path / "agreement.ttl"
    code, _, _ = _cli(str(study), "--format", "turtle", "-o", str(ttl), "--bootstrap", "50")
    assert code == 0
    low = run_query("low-agreement-categories", data=[study, ttl]).dicts()
    assert sorted(r["notation"] for r in low) == ["A1.1", "A1.2", "I2.1"]  # every alpha is 0
    assert all(r["low"] is not None for r in low)
    none = run_query("low-agreement-categories", data=[ttl], params={"threshold": "-0.5"})
    assert len(none) == 0


def test_bootstrap_is_reproducible_from_the_cli(study: Path) -> None:
    args = (str(study), "--format", "json", "--bootstrap", "200", "--seed", "5")
    first, second = _cli(*args)[1], _cli(*args)[1]
    assert first == second
    assert json.loads(first)["overall"]["intervals"]["agreement"] is not None


@pytest.mark.parametrize("args, message", [
    (["--coders", "anna"], "at least two coders"),
    (["--coders", "anna,zoe"], "unknown coder 'zoe'"),
    (["--overlap", "0"], "--overlap"),
    (["--bootstrap", "-1"], "--bootstrap"),
    (["--disagreements", "x.txt"], ".csv or .xlsx"),
])
def test_bad_input_is_one_line_and_exit_2(study: Path, args, message) -> None:
    code, _, err = _cli(str(study), *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_one_coder_is_an_error(tmp_path) -> None:
    source = tmp_path / "one.csv"
    source.write_text("document,code,start,end,coder\nD1,A1.1,0,10,anna\n", encoding="utf-8")
    out = tmp_path / "one.ttl"
    import_to_turtle("csv", source, out, study="one")
    code, _, err = _cli(str(out))
    assert code == 2 and "at least two coders" in err and err.count("\n") == 1
    code, _, err = _cli(str(tmp_path / "missing.ttl"))
    assert code == 2 and "no such file" in err


def test_unitized_alpha_of_the_worked_example(study: Path) -> None:
    """docs/agreement.md works A1.1 out by hand: α = .655, uα = .670."""
    result = agreement([study], level="unitized").as_dict()
    a11 = next(c for c in result["categories"] if c["notation"] == "A1.1")
    d_o = 110 / 700
    assert a11["krippendorff_alpha"] == pytest.approx(1 - d_o / (222950 / (700 * 699)))
    assert a11["unitized_alpha"] == pytest.approx(1 - d_o / (222950 / 468020))
    assert "unitized_alpha" not in agreement([study]).as_dict()["overall"]


def test_three_coders_report_fleiss_not_cohen(tmp_path) -> None:
    source = tmp_path / "three.csv"
    source.write_text("document,code,start,end,coder\n"
                      "D1,A1.1,0,10,anna\nD1,A1.1,0,10,ben\nD1,A1.1,0,10,cleo\n"
                      "D2,A1.2,0,10,anna\nD2,A1.2,0,10,ben\nD2,A1.1,0,10,cleo\n",
                      encoding="utf-8")
    out = tmp_path / "three.ttl"
    import_to_turtle("csv", source, out, study="three")
    default = agreement([out]).as_dict()
    assert default["coders"] == ["anna", "ben"]  # the two with most segments; ties by name
    result = agreement([out], coders="anna,ben,cleo").as_dict()
    overall = result["overall"]
    assert "cohen_kappa" not in overall and overall["fleiss_kappa"] is not None
    # 4 units (2 transcripts x 2 categories); pairwise agreement 1, 1/3, 1/3, 1 -> 2/3
    assert overall["units"] == 4 and overall["agreement"] == pytest.approx(2 / 3)
