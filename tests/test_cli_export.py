"""`cryonto export codebook|refi|csv|turtle`: counts, atomic output, one-line errors."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main
from cryonto.coded import Counts

FIXTURES = Path(__file__).parent / "fixtures" / "export"
STUDY = FIXTURES / "study.ttl"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SALT = "a test salt, 16+ chars"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _counts(output: str, label: str) -> dict[str, int]:
    line = next(x for x in output.splitlines() if x.startswith(label))
    words = line[len(label):].split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


@pytest.mark.parametrize("fmt", ["qdc", "csv", "xlsx", "md"])
def test_codebook_every_format(tmp_path, fmt):
    out = tmp_path / f"codebook.{fmt}"
    result = run("export", "codebook", "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    assert _counts(result.output, "in:") == {"codes": 33}
    assert _counts(result.output, "out:") == {"codes": 33}
    assert out.stat().st_size > 0


def test_codebook_format_from_suffix_and_german(tmp_path):
    out = tmp_path / "codebook.md"
    result = run("export", "codebook", "-o", out, "--lang", "de")
    assert result.exit_code == 0, result.output
    assert "Protestweinen" in out.read_text(encoding="utf-8")
    qdc = tmp_path / "codebook.unknown"
    assert run("export", "codebook", "-o", qdc).exit_code == 0
    assert qdc.read_bytes().startswith(b"<?xml")


def test_refi_prints_counts_in_and_out(tmp_path):
    out = tmp_path / "study.qdpx"
    result = run("export", "refi", STUDY, "-o", out)
    assert result.exit_code == 0, result.output
    expected = {"documents": 2, "codes": 5, "segments": 4, "codings": 6, "coders": 2}
    assert _counts(result.output, "in:") == expected == _counts(result.output, "out:")
    assert "project.qde" in zipfile.ZipFile(out).namelist()


def test_csv_and_redacted_csv(tmp_path):
    out = tmp_path / "data.csv"
    result = run("export", "csv", STUDY, "-o", out)
    assert result.exit_code == 0, result.output
    assert "codes -1:" in result.output  # the unused parent code, reported
    shared = tmp_path / "shared.csv"
    result = run("export", "csv", STUDY, "-o", shared, "--redact", "--salt", SALT)
    assert result.exit_code == 0, result.output
    text = shared.read_text(encoding="utf-8")
    assert "P07" not in text and "Often I just wait" not in text
    again = tmp_path / "again.csv"
    assert run("export", "csv", STUDY, "-o", again, "--redact",
               env={"CRYONTO_SALT": SALT}).exit_code == 0
    assert again.read_bytes() == shared.read_bytes()


def test_redact_without_salt_says_so(tmp_path):
    result = run("export", "csv", STUDY, "-o", tmp_path / "x.csv", "--redact",
                 env={"CRYONTO_SALT": ""})
    assert result.exit_code == 0, result.output
    assert "random salt kept nowhere" in result.output


def test_turtle_redacted_with_license(tmp_path):
    out = tmp_path / "shared.ttl"
    result = run("export", "turtle", STUDY, "-o", out, "--redact", "--salt", SALT,
                 "--license", LICENSE)
    assert result.exit_code == 0, result.output
    assert _counts(result.output, "in:") == _counts(result.output, "out:")
    text = out.read_text(encoding="utf-8")
    assert LICENSE in text and "P07" not in text


def test_turtle_redacted_without_license_warns(tmp_path, monkeypatch):
    import cryonto.exporting as exporting
    from cryonto.coded import CodedDataset

    real = exporting.load_datasets

    def no_license(paths):
        datasets: list[CodedDataset] = real(paths)
        for ds in datasets:
            ds.license = None
        return datasets

    monkeypatch.setattr(exporting, "load_datasets", no_license)
    result = run("export", "turtle", STUDY, "-o", tmp_path / "x.ttl", "--redact", "--salt", SALT)
    assert result.exit_code == 0
    assert "requires one (--license IRI)" in result.output


def test_shareable_validation_of_redacted_turtle(tmp_path):
    out = tmp_path / "shared.ttl"
    assert run("export", "turtle", STUDY, "-o", out, "--redact", "--salt", SALT,
               "--license", LICENSE, "--creator", "Test team").exit_code == 0
    result = run("validate", out, "--profile", "shareable")
    assert result.exit_code == 0, result.output
    plain = tmp_path / "plain.ttl"
    assert run("export", "turtle", STUDY, "-o", plain).exit_code == 0
    assert run("validate", plain, "--profile", "shareable").exit_code == 1


@pytest.mark.parametrize("command", ["refi", "csv", "turtle"])
def test_unreadable_data_is_one_line_and_exit_2(tmp_path, command):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is <not turtle", encoding="utf-8")
    out = tmp_path / "out.file"
    result = run("export", command, bad, "-o", out)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: ") and "bad.ttl" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_data_file_and_data_without_a_study(tmp_path):
    result = run("export", "csv", tmp_path / "nope.ttl", "-o", tmp_path / "x.csv")
    assert result.exit_code == 2 and "no such file" in result.stderr
    empty = tmp_path / "empty.ttl"
    empty.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    result = run("export", "refi", empty, "-o", tmp_path / "x.qdpx")
    assert result.exit_code == 2 and "no coded dataset" in result.stderr
    assert not (tmp_path / "x.qdpx").exists()


def test_count_mismatch_is_an_error_and_leaves_the_old_file(tmp_path, monkeypatch):
    import cryonto.writers.csv as csv_writer

    out = tmp_path / "data.csv"
    out.write_text("old content\n", encoding="utf-8")
    real = csv_writer.count_csv

    def lossy(text: str) -> Counts:
        counts = real(text)
        return Counts(counts.documents, counts.codes, counts.segments - 1, counts.codings,
                      counts.coders)

    monkeypatch.setattr(csv_writer, "count_csv", lossy)
    result = run("export", "csv", STUDY, "-o", out)
    assert result.exit_code == 2
    assert "counts in and out differ" in result.stderr and "segments" in result.stderr
    assert out.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # no temporary left


def test_refi_count_mismatch_is_an_error(tmp_path, monkeypatch):
    import cryonto.writers.refi as refi_writer

    real = refi_writer.count_project
    monkeypatch.setattr(refi_writer, "count_project",
                        lambda xml: Counts(**{**real(xml).as_dict(), "codings": 0}))
    out = tmp_path / "x.qdpx"
    result = run("export", "refi", STUDY, "-o", out)
    assert result.exit_code == 2 and "codings 6 -> 0" in result.stderr
    assert not out.exists()


def test_csv_output_reads_back_with_the_documented_header(tmp_path):
    out = tmp_path / "data.csv"
    assert run("export", "csv", STUDY, "-o", out).exit_code == 0
    reader = csv.reader(io.StringIO(out.read_text(encoding="utf-8")))
    assert next(reader) == ["document", "code", "start", "end", "coder", "text", "segment_id",
                            "participant", "orientation", "memo", "created"]


def test_help_lists_the_four_exports():
    result = run("export", "--help")
    assert result.exit_code == 0
    for name in ("codebook", "refi", "csv", "turtle"):
        assert name in result.output
