"""`cryonto check` and cryonto.check: every check fires on a fixture built to break it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.peers import JAVA

from cryonto import resources
from cryonto.check import (
    CONSISTENCY_CHECK,
    SHACL_CHECK,
    UNSATISFIABLE_CHECK,
    available_checks,
    parse_check,
    run_checks,
)
from cryonto.cli import main
from cryonto.errors import CryontoError

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"
MINI = [FIXTURES / "mini-crying.ttl", FIXTURES / "mini-literature.ttl"]
needs_java = JAVA


def _args(paths: list[Path]) -> list[str]:
    return [arg for p in paths for arg in ("--ontology", str(p))]


def _check(*extra: str, paths: list[Path] | None = None, reasoner: bool = True):
    files = MINI + [FIXTURES / name for name in extra] if paths is None else paths
    args = ["check", *_args(files)] + ([] if reasoner else ["--no-reasoner"])
    return CliRunner().invoke(main, args)


# -- the catalogue --------------------------------------------------------------------


def test_every_rq_file_has_a_valid_header() -> None:
    files = sorted((resources.queries_dir() / "checks").glob("*.rq"))
    assert len(files) >= 20
    for path in files:
        check = parse_check(path)
        assert check.name == path.stem
        assert check.severity in ("ERROR", "WARN", "INFO")
        assert len(check.description) > 20


def test_required_checks_exist() -> None:
    names = {c.name for c in available_checks()}
    assert {
        "missing-preflabel", "missing-definition", "missing-notation", "duplicate-notation",
        "duplicate-preflabel", "orphan-concept", "hierarchy-cycle", "related-broader-clash",
        "label-overlap", "multiple-preflabels", "dangling-reference",
        "broader-narrower-asymmetry", "ontology-metadata", "literature-record",
        "finding-complete", SHACL_CHECK, CONSISTENCY_CHECK, UNSATISFIABLE_CHECK,
    } <= names


def test_header_without_severity_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "x.rq"
    bad.write_text("# name: x\n# description: something long enough\nSELECT * {}\n")
    with pytest.raises(CryontoError, match="severity"):
        parse_check(bad)


# -- a clean ontology passes ------------------------------------------------------------


@needs_java
def test_mini_fixture_is_clean_with_the_reasoner() -> None:
    report = run_checks(MINI)
    assert report.problems == []
    assert report.counts == {"ERROR": 0, "WARN": 0, "INFO": 0}
    assert not report.failed("warn")
    assert {c.name for c in report.checks} >= {CONSISTENCY_CHECK, SHACL_CHECK}


def test_clean_cli_exits_0() -> None:
    result = _check(reasoner=False)
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


# -- each bad fixture fails, naming its check ------------------------------------------------

BROKEN = [
    ("bad-cycle.ttl", "hierarchy-cycle"),
    ("bad-missing-label.ttl", "missing-preflabel"),
    ("bad-s27.ttl", "related-broader-clash"),
    ("bad-duplicate-labels.ttl", "duplicate-preflabel"),
    ("bad-duplicate-notation.ttl", "duplicate-notation"),
    ("bad-label-overlap.ttl", "label-overlap"),
    ("bad-label-overlap.ttl", "multiple-preflabels"),
    ("bad-dangling.ttl", "dangling-reference"),
    ("bad-disjoint.ttl", "disjoint-types"),
]


@pytest.mark.parametrize(("fixture", "check"), BROKEN)
def test_broken_fixture_fails_cli_naming_the_check(fixture: str, check: str) -> None:
    result = _check(fixture, reasoner=False)
    assert result.exit_code == 1, result.output
    assert check in result.output
    assert "FAILED" in result.output


@pytest.mark.parametrize(("fixture", "check"), BROKEN)
def test_broken_fixture_problem_points_at_the_culprit(fixture: str, check: str) -> None:
    report = run_checks([*MINI, FIXTURES / fixture], reasoner=False)
    problems = report.by_check(check)
    assert problems and all(p.severity == "ERROR" for p in problems)
    culprits = {p.subject.rsplit("/", 1)[1] for p in problems}
    expected = {
        "hierarchy-cycle": {"FormsOfCrying", "ProtestCrying"},
        "missing-preflabel": {"UnlabelledCrying"},
        "related-broader-clash": {"Assumptions", "ProtestCrying"},
        "duplicate-preflabel": {"ProtestCrying", "ProtestCryingAgain"},
        "duplicate-notation": {"ProtestCrying", "SilentCrying"},
        "label-overlap": {"CryingInGrief"},
        "multiple-preflabels": {"GivingSpace"},
        "dangling-reference": {"ProtestCrying", "knox2017-1"},
        "disjoint-types": {"fruit1"},
    }[check]
    assert culprits == expected


def test_missing_label_names_both_languages() -> None:
    report = run_checks([*MINI, FIXTURES / "bad-missing-label.ttl"], reasoner=False)
    assert sorted(p.value for p in report.by_check("missing-preflabel")) == ["de", "en"]


def test_dangling_reference_names_the_missing_targets() -> None:
    report = run_checks([*MINI, FIXTURES / "bad-dangling.ttl"], reasoner=False)
    values = {p.value.rsplit("/", 1)[1] for p in report.by_check("dangling-reference")}
    assert values == {"CryingInGreif", "PromoteProcess"}


def test_missing_metadata_names_each_missing_field() -> None:
    result = _check(paths=[FIXTURES / "bad-metadata.ttl"], reasoner=False)
    assert result.exit_code == 1
    assert "ontology-metadata" in result.output
    report = run_checks([FIXTURES / "bad-metadata.ttl"], reasoner=False)
    assert sorted(p.value for p in report.by_check("ontology-metadata")) == [
        "dcterms:description", "dcterms:license", "owl:versionIRI", "owl:versionInfo"]
    # the header is the only thing wrong with that file
    assert set(report.failed_checks()) == {"ontology-metadata", SHACL_CHECK}


def test_shacl_shapes_run_as_a_check() -> None:
    report = run_checks([FIXTURES / "bad-metadata.ttl"], reasoner=False, only=[SHACL_CHECK])
    messages = " ".join(p.message for p in report.problems)
    assert "owl:versionIRI" in messages and "dcterms:license" in messages


def test_unknown_check_name_is_an_error() -> None:
    with pytest.raises(CryontoError, match="unknown check"):
        run_checks(MINI, only=["no-such-check"])


# -- the reasoner really runs ---------------------------------------------------------


@needs_java
def test_reasoner_reports_disjoint_individual_as_inconsistent() -> None:
    result = _check("bad-disjoint.ttl")
    assert result.exit_code == 1
    assert CONSISTENCY_CHECK in result.output
    problems = run_checks([*MINI, FIXTURES / "bad-disjoint.ttl"],
                          only=[CONSISTENCY_CHECK]).problems
    assert len(problems) == 1
    assert "HermiT" in problems[0].message and "Inconsistent" in problems[0].message
    assert "fruit1" in problems[0].message  # the likely cause is named


@needs_java
def test_only_the_reasoner_sees_an_inferred_inconsistency() -> None:
    paths = [*MINI, FIXTURES / "bad-inconsistent-domain.ttl"]
    assert not run_checks(paths, reasoner=False).failed("warn")
    report = run_checks(paths)
    assert report.failed_checks() == [CONSISTENCY_CHECK]


@needs_java
def test_reasoner_reports_unsatisfiable_class() -> None:
    report = run_checks([*MINI, FIXTURES / "bad-unsatisfiable.ttl"])
    assert report.failed_checks() == [UNSATISFIABLE_CHECK]
    assert [p.subject for p in report.problems] == ["https://w3id.org/cryonto/ApplePear"]


def test_without_java_the_reasoner_check_warns_instead_of_passing(monkeypatch) -> None:
    import cryonto.check as check_module

    monkeypatch.setattr(check_module.shutil, "which", lambda name: None)
    report = run_checks(MINI, only=[CONSISTENCY_CHECK])
    assert [(p.check, p.severity) for p in report.problems] == [(CONSISTENCY_CHECK, "WARN")]
    assert "java" in report.problems[0].message


# -- output formats and exit codes --------------------------------------------------------


def test_json_output() -> None:
    result = CliRunner().invoke(main, ["check", *_args([*MINI, FIXTURES / "bad-cycle.ttl"]),
                                       "--no-reasoner", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed"] is True
    assert data["counts"]["error"] == len([p for p in data["problems"]
                                           if p["severity"] == "ERROR"]) > 0
    assert {p["check"] for p in data["problems"]} >= {"hierarchy-cycle"}
    assert any(c["name"] == "hierarchy-cycle" and c["problems"] == 2 for c in data["checks"])


def test_tsv_output() -> None:
    result = CliRunner().invoke(main, ["check", *_args([*MINI, FIXTURES / "bad-s27.ttl"]),
                                       "--no-reasoner", "--format", "tsv"])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].split("\t") == ["severity", "check", "subject", "value", "message"]
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert {line.split("\t")[1] for line in lines[1:]} == {"related-broader-clash"}


def test_fail_on_warn(tmp_path: Path) -> None:
    # a broader without its narrower is only a warning
    extra = tmp_path / "asym.ttl"
    extra.write_text(
        "@prefix cry: <https://w3id.org/cryonto/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "cry:DiagnosticAccess skos:broader cry:TherapeuticProcess .\n", encoding="utf-8")
    args = ["check", *_args([*MINI, extra]), "--no-reasoner"]
    assert CliRunner().invoke(main, args).exit_code == 0
    result = CliRunner().invoke(main, [*args, "--fail-on", "warn"])
    assert result.exit_code == 1
    assert "broader-narrower-asymmetry" in result.output


def test_bad_turtle_exits_2_naming_the_file() -> None:
    result = CliRunner().invoke(main, ["check", "--ontology", str(FIXTURES / "bad-syntax.ttl")])
    assert result.exit_code == 2
    assert "bad-syntax.ttl" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_file_exits_2() -> None:
    result = CliRunner().invoke(main, ["check", "--ontology", "no/such/file.ttl"])
    assert result.exit_code == 2
    assert "no such file" in result.output


@pytest.mark.parametrize("args", [["--format", "xml"], ["--fail-on", "never"]])
def test_bad_option_exits_2(args: list[str]) -> None:
    assert CliRunner().invoke(main, ["check", *args]).exit_code == 2


# -- the shipped ontology ------------------------------------------------------------


@needs_java
def test_shipped_ontology_has_no_errors_and_no_warnings() -> None:
    report = run_checks()
    bad = [p for p in report.problems if p.severity in ("ERROR", "WARN")]
    assert bad == [], "\n".join(f"{p.severity} {p.check} {p.subject} {p.value}: {p.message}"
                                for p in bad)


def test_shipped_ontology_cli_exits_0() -> None:
    result = CliRunner().invoke(main, ["check", "--fail-on", "warn", "--no-reasoner"])
    assert result.exit_code == 0, result.output
