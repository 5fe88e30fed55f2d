"""`cryonto categories` and `cryonto show`, on the mini fixture and the shipped ontology."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"
MINI = ["--ontology", str(FIXTURES / "mini-crying.ttl"),
        "--ontology", str(FIXTURES / "mini-literature.ttl")]
CRY = "https://w3id.org/cryonto/"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# -- categories ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "label"), [("en", "Protest crying"), ("de", "Protestweinen")])
def test_categories_tree(lang: str, label: str) -> None:
    result = run("categories", "--lang", lang, *MINI)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] in ("A  Assumptions", "A  Annahmen")
    assert f"    A1.1  {label}" in lines  # level 3: four spaces of indent
    assert lines.index(f"    A1.1  {label}") < lines.index(
        next(x for x in lines if x.strip().startswith("A1.3")))
    assert lines[-2].startswith("I  ") and lines[-1].startswith("  I2  ")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_categories_csv(lang: str) -> None:
    result = run("categories", "--format", "csv", "--lang", lang, *MINI)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["notation", "iri", "label", "broader", "level", "definition"]
    by_notation = {r["notation"]: r for r in rows}
    assert len(rows) == 10
    assert by_notation["A3.2.1"]["broader"] == "A3.2"
    assert by_notation["A3.2.1"]["level"] == "4"
    assert by_notation["A"]["broader"] == ""
    assert by_notation["A1.1"]["iri"] == CRY + "ProtestCrying"
    assert by_notation["A1.1"]["label"] == {"en": "Protest crying", "de": "Protestweinen"}[lang]
    assert by_notation["A1.1"]["definition"] == "Crying out of anger or helplessness."


@pytest.mark.parametrize("lang", ["en", "de"])
def test_categories_json(lang: str) -> None:
    result = run("categories", "--format", "json", "--lang", lang, *MINI)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["notation"] for r in rows][:3] == ["A", "A1", "A1.1"]
    i2 = next(r for r in rows if r["notation"] == "I2")
    assert i2 == {"notation": "I2", "iri": CRY + "GivingSpace",
                  "label": {"en": "Giving space", "de": "Raum geben"}[lang],
                  "broader": "I", "level": 2, "definition": "Letting the crying happen."}


@pytest.mark.parametrize("fmt", ["tree", "csv", "json"])
@pytest.mark.parametrize("lang", ["en", "de"])
def test_categories_shipped(fmt: str, lang: str) -> None:
    result = run("categories", "--format", fmt, "--lang", lang)
    assert result.exit_code == 0, result.output
    text = result.stdout
    if fmt == "json":
        rows = json.loads(text)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        rows = [line for line in text.splitlines() if line.strip()]
    assert len(rows) == 33
    assert ("Protestweinen" if lang == "de" else "Protest crying") in text


def test_categories_bad_format_exits_2() -> None:
    result = run("categories", "--format", "xml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_categories_bad_lang_exits_2() -> None:
    assert run("categories", "--lang", "fr").exit_code == 2


# -- show ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["A1.1", "Protestweinen", f"{CRY}ProtestCrying",
                                 "cry:ProtestCrying", "protest CRYING"])
def test_show_finds_by_any_key(key: str) -> None:
    result = run("show", key, *MINI)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "A1.1  Protest crying"


def test_show_text_sections() -> None:
    out = run("show", "A1.1", *MINI).stdout
    for expected in ("Definition", "Crying out of anger or helplessness.",
                     "Alternative labels", "Crying in protest", "Examples",
                     "Broader", "A1 Forms of crying", "Links",
                     "contrastsWith  A1.3 Crying in grief",
                     "Form of crying", "feelings: anger", "interactive function: strong",
                     "acceptance stance: non-acceptance", "Orientation emphases",
                     "PDT: PDT therapists read protest crying", "Source: Results: Protest Crying"):
        assert expected in out, expected


def test_show_findings_split_by_stance() -> None:
    out = run("show", "Relief/Catharsis", *MINI).stdout
    assert "Findings qualifying (1)" in out
    assert "Findings contradicting (1)" in out
    assert "Findings supporting (0)\n  (none)" in out  # all three stances are always listed
    qualifying = out.index("Findings qualifying")
    contradicting = out.index("Findings contradicting")
    assert qualifying < out.index("Crying can deepen the work") < contradicting
    assert contradicting < out.index("Relief after crying is not universal")
    literature = out[out.index("Literature"):]
    assert "Knox, S., et al. (2017)" in literature and "doi:10.0000/example.2017" in literature
    assert "Vingerhoets" in literature


def test_show_without_findings_says_so() -> None:
    out = run("show", "I2", *MINI).stdout
    assert "Findings\n  (none in the literature records)" in out
    assert "Findings supporting" not in out


def test_show_german() -> None:
    result = run("show", "Erleichterung/Katharsis", "--lang", "de", *MINI)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "A3.2.2  Erleichterung/Katharsis"
    assert "  en: Relief/Catharsis" in lines
    assert "  A3.2 Weinen fördert den Prozess" in lines


def test_show_json() -> None:
    result = run("show", "A3.2.2", "--format", "json", *MINI)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["iri"] == CRY + "ReliefCatharsis"
    assert data["broader"] == [{"notation": "A3.2", "iri": CRY + "PromotesProcess",
                                "label": "Crying promotes the process"}]
    assert [f["label"] for f in data["findings"]["qualifies"]] == ["Crying can deepen the work"]
    assert [f["source"]["doi"] for f in data["findings"]["disagreesWith"]] == [None]
    assert data["findings"]["supports"] == []
    assert data["links"][0]["type"] == "correspondsTo" and data["links"][0]["notation"] == "I2"
    assert data["form"] is None


def test_show_unknown_concept_exits_2_in_one_line() -> None:
    result = run("show", "Protst crying", *MINI)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: unknown concept 'Protst crying'")
    assert "A1.1 Protest crying" in lines[0]


def test_show_bad_format_exits_2() -> None:
    result = run("show", "A1.1", "--format", "yaml", *MINI)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_show_bad_ontology_file_exits_2() -> None:
    result = run("show", "A1.1", "--ontology", str(FIXTURES / "bad-syntax.ttl"))
    assert result.exit_code == 2
    assert "bad-syntax.ttl" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("key", ["A1.1", "Protestweinen", f"{CRY}ProtestCrying"])
def test_show_shipped(key: str) -> None:
    result = run("show", key)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "A1.1  Protest crying"
    assert "Form of crying" in out and "Definition" in out


def test_show_shipped_json_has_findings_somewhere() -> None:
    total = 0
    for notation in ("A1.1", "A1.3", "A2.2", "A3.2", "A3.2.2", "A3.3.2", "I2"):
        data = json.loads(run("show", notation, "--format", "json").stdout)
        total += sum(len(v) for v in data["findings"].values())
    assert total > 0


def test_show_lists_every_source_of_a_finding_citing_studies_together() -> None:
    """knox2017-10 cites Knox et al. (2017) and 't Lam et al. (2018) in one sentence."""
    data = json.loads(run("show", "cry:PromotesProcess", "--format", "json").stdout)
    finding = next(f for f in data["findings"]["supports"]
                   if f["iri"].endswith("finding/knox2017-10"))
    dois = [s["doi"] for s in finding["sources"]]
    assert dois == ["10.1037/pst0000123", "10.1080/13642537.2018.1459767"]
    assert {r["doi"] for r in data["literature"]} >= set(dois)
    text = run("show", "cry:PromotesProcess").stdout
    block = text.split("facilitative (Knox et al.; 't Lam et al.)", 1)[1].split("\n  - ", 1)[0]
    assert "Knox, S., Hill" in block and "'t Lam, C., Vingerhoets" in block
