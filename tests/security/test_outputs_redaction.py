"""Issue 7, items 6 and 10 (salt): redacted output carries no name taken from a file name.

A study imported without --study is named after its file (``P07_Mueller.csv`` ->
``P07_Mueller``, ``…/data/p07-mueller/``), and REFI/MAXQDA document names are the
transcripts' file names (``Interview_Schmidt.txt``). Every redacting export is run on real
imports (generic CSV, REFI-QDA .qdpx, MAXQDA CSV) and every byte it writes (each member of
the .qdpx too) is searched for those names.
The shareable profile must fail the unredacted data and pass the redacted.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main
from cryonto.importing import import_to_turtle
from cryonto.shacl import validate

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SALT = "a salt of at least sixteen characters"
#: what the names of the files, people and documents below give away (case-insensitive)
FORBIDDEN = (b"mueller", b"schmidt", b"p07")
SOURCE_GUID = "5a1b2c3d-0000-4000-8000-000000000001"
TRANSCRIPT = "Frau Schmidt weinte aus Wut. Dann war lange Pause. Herr Mueller (P07) auch."


def run(*args: object, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def p07_csv(folder: Path) -> Path:
    """A CSV named after a participant, whose document names and ids name him too."""
    path = folder / "P07_Mueller.csv"
    path.write_text(
        "document,code,start,end,coder,text,segment_id,participant,orientation,memo,created\n"
        "P07_Mueller_interview.txt,A1.1,0,12,Coder A,Mueller sagt,Mueller-1,P07,PDT,"
        "Frau Mueller weinte,2024-03-01\n"
        "P07_Mueller_interview.txt,Protestweinen;Wut,20,30,Coder A,ihr Protest,Mueller-2,P07,"
        "PDT,,2024-03-01\n"
        "Interview_Mueller_2.docx,I2.1,5,9,Coder B,Pause,,P07,PDT,,\n", encoding="utf-8")
    return path


def schmidt_qdpx(folder: Path) -> Path:
    """A REFI-QDA project whose source is Interview_Schmidt.txt (and whose name says so)."""
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Interview_Schmidt" origin="test">
  <Users><User guid="11111111-1111-4111-8111-111111111111" name="Coder A"/></Users>
  <CodeBook><Codes>
    <Code guid="00000001-aaaa-4aaa-8aaa-000000000001" name="Protestweinen" isCodable="true"/>
    <Code guid="00000002-aaaa-4aaa-8aaa-000000000002" name="Pause" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE_GUID}" name="Interview_Schmidt.txt"
                plainTextPath="internal://{SOURCE_GUID}.txt">
      <PlainTextSelection guid="00000001-bbbb-4bbb-8bbb-000000000001" name="Frau Schmidt weinte"
          startPosition="0" endPosition="19" creatingUser="11111111-1111-4111-8111-111111111111">
        <Description>Schmidt, Sitzung 3</Description>
        <Coding guid="00000001-cccc-4ccc-8ccc-000000000001">
          <CodeRef targetGUID="00000001-aaaa-4aaa-8aaa-000000000001"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="5a1b2c3d-0000-4000-8000-000000000002" name="Schmidt_P07_followup.txt"
                plainTextPath="relative://Interview_Schmidt_2.txt">
      <PlainTextSelection guid="00000002-bbbb-4bbb-8bbb-000000000002"
          startPosition="3" endPosition="9" creatingUser="11111111-1111-4111-8111-111111111111">
        <Coding guid="00000002-cccc-4ccc-8ccc-000000000002">
          <CodeRef targetGUID="00000002-aaaa-4aaa-8aaa-000000000002"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
  <Description>Interviews mit Frau Schmidt</Description>
</Project>
"""
    path = folder / "Interview_Schmidt.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"sources/{SOURCE_GUID}.txt", TRANSCRIPT)
    return path


def mueller_maxqda(folder: Path) -> Path:
    """A MAXQDA "Coded segments" export: document names are the transcripts' file names."""
    path = folder / "P07_Mueller_Codings.csv"
    path.write_text(
        "Dokumentgruppe;Dokumentname;Code;Anfang;Ende;Segment;Kommentar;Erstellt von\n"
        "PDT;P07_Mueller_Sitzung1.docx;Formen\\Protestweinen;3;3;Herr Mueller weinte;"
        "Mueller aufgebracht;kim\n"
        "PDT;Interview Schmidt;Interventionen\\Pause;5;7;eine Pause;;kim\n", encoding="utf-8")
    return path


SOURCES = {"csv": p07_csv, "refi": schmidt_qdpx, "maxqda": mueller_maxqda}


@pytest.fixture(params=sorted(SOURCES))
def imported(request, tmp_path) -> Path:
    """The study as `cryonto import` writes it, named after its file (no --study)."""
    source = SOURCES[request.param](tmp_path)
    out = tmp_path / "study.ttl"
    import_to_turtle(request.param, source, out)
    text = out.read_bytes().lower()
    assert any(name in text for name in FORBIDDEN)  # the names are there to be removed
    return out


def leaks(path: Path) -> list[str]:
    """Every forbidden name in a file's bytes, and in each member (and member name) of a zip."""
    found = [f"{path.name}: {n!r}" for n in FORBIDDEN if n in path.read_bytes().lower()]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                data = info.filename.encode() + b"\n" + archive.read(info)
                found += [f"{path.name}!{info.filename}: {n!r}" for n in FORBIDDEN
                          if n in data.lower()]
    return found


def redacted_exports(study: Path, folder: Path, salt: str = SALT) -> list[Path]:
    """Every export that has --redact, through the command line."""
    outputs = {"csv": folder / "shared.csv", "turtle": folder / "shared.ttl",
               "refi": folder / "shared.qdpx"}
    for command, out in outputs.items():
        extra = ["--license", LICENSE, "--creator", "Test team"] if command == "turtle" else []
        result = run("export", command, study, "-o", out, "--redact", "--salt", salt, *extra)
        assert result.exit_code == 0, result.output
    return list(outputs.values())


def shapes_found(path: Path) -> set[str]:
    report = validate([path], "shareable")
    return {(r.constraint or r.shape).rsplit("/", 1)[-1] for r in report.results
            if r.severity.endswith("Violation")}


def test_every_redacted_output_is_free_of_file_derived_names(imported, tmp_path):
    outputs = redacted_exports(imported, tmp_path)
    assert [leak for out in outputs for leak in leaks(out)] == []


def test_redacted_names_are_pseudonyms(imported, tmp_path):
    _, turtle, refi = redacted_exports(imported, tmp_path)
    text = turtle.read_text(encoding="utf-8")
    assert re.search(r'dcterms:identifier "ST-[0-9a-f]{12}"', text)
    assert re.search(r"<https://w3id.org/cryonto/data/st-[0-9a-f]{12}/>", text)
    assert "sourceFile" not in text and "sourcePath" not in text
    with zipfile.ZipFile(refi) as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert re.search(r'<Project [^>]*name="ST-[0-9a-f]{12}"', project)
    assert all(re.fullmatch(r"D-[0-9a-f]{12}", name)
               for name in re.findall(r'<TextSource [^>]*name="([^"]*)"', project))


def test_shareable_fails_unredacted_and_passes_redacted(imported, tmp_path):
    plain = tmp_path / "plain.ttl"
    assert run("export", "turtle", imported, "-o", plain, "--license", LICENSE,
               "--creator", "Test team").exit_code == 0
    violated = shapes_found(plain)
    # licence and creator given: what fails is the names (and the text)
    assert {"NoSourceFile", "StudyIdentifierPseudonym", "StudyTitlePseudonym",
            "StudyIriPseudonym", "TranscriptTitlePseudonym", "TranscriptIriPseudonym",
            "DataIriUnderPseudonymousStudy"} <= violated
    assert run("validate", plain, "--profile", "shareable").exit_code == 1
    _, shared, _ = redacted_exports(imported, tmp_path)
    result = run("validate", shared, "--profile", "shareable")
    assert result.exit_code == 0, result.output
    assert shapes_found(shared) == set()


def test_an_old_style_redaction_that_kept_the_study_name_fails(tmp_path):
    """What --redact wrote before: pseudonymous documents, but the study still named
    after its file (title, identifier, IRIs). The profile catches each."""
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    _, shared, _ = redacted_exports(study, tmp_path)
    text = shared.read_text(encoding="utf-8")
    pseudonym = re.search(r'dcterms:identifier "(ST-[0-9a-f]{12})"', text).group(1)
    old = tmp_path / "old.ttl"
    old.write_text(text.replace(f"/{pseudonym.lower()}/", "/p07-mueller/")
                   .replace(pseudonym, "P07_Mueller"), encoding="utf-8")
    assert {"StudyIdentifierPseudonym", "StudyTitlePseudonym", "StudyIriPseudonym",
            "TranscriptIriPseudonym", "SegmentIriPseudonym", "CodebookTitlePseudonym",
            "DataIriUnderPseudonymousStudy"} <= shapes_found(old)


def test_redacted_csv_reimported_and_redacted_again_passes(tmp_path):
    """The sharing path of docs/export.md: redacted CSV -> import csv -> export turtle."""
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    shared_csv, _, _ = redacted_exports(study, tmp_path)
    again = tmp_path / "again.ttl"
    import_to_turtle("csv", shared_csv, again, study="wave-1")
    final = tmp_path / "final.ttl"
    assert run("export", "turtle", again, "-o", final, "--redact", "--salt", SALT,
               "--license", LICENSE, "--creator", "Test team").exit_code == 0
    assert shapes_found(final) == set()
    assert leaks(final) == []


def test_same_salt_links_exports_other_salt_does_not(tmp_path):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    one, two, other = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    for folder, salt in ((one, SALT), (two, SALT), (other, SALT + "!")):
        folder.mkdir()
        redacted_exports(study, folder, salt)
    for name in ("shared.csv", "shared.ttl", "shared.qdpx"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
        assert (one / name).read_bytes() != (other / name).read_bytes(), name


# -- item 10: weak salts -----------------------------------------------------------------


def _cli(*args: object, env_salt: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k != "CRYONTO_SALT"}
    if env_salt is not None:
        env["CRYONTO_SALT"] = env_salt
    return subprocess.run([sys.executable, "-c", "from cryonto.cli import main; main()",
                           *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


@pytest.mark.parametrize("how", ["option", "environment"])
@pytest.mark.parametrize("command", ["csv", "turtle", "refi"])
def test_a_short_salt_is_refused_with_one_line(tmp_path, how, command):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    before = study.read_bytes()
    out = tmp_path / "shared.out"
    weak = "x" * 15
    args = ["export", command, study, "-o", out, "--redact"]
    result = _cli(*args, "--salt", weak) if how == "option" else _cli(*args, env_salt=weak)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "16 characters" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and study.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sixteen_characters_are_enough(tmp_path):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    result = _cli("export", "csv", study, "-o", tmp_path / "s.csv", "--redact",
                  "--salt", "y" * 16)
    assert result.returncode == 0, result.stderr
    assert "random salt" not in result.stderr


def test_without_a_salt_a_random_one_is_announced_on_stderr(tmp_path):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    result = _cli("export", "turtle", study, "-o", tmp_path / "s.ttl", "--redact")
    assert result.returncode == 0, result.stderr
    assert "random salt kept nowhere" in result.stderr
    assert "random salt" not in result.stdout
    # kept nowhere: no file beside the output holds it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P07_Mueller.csv", "s.ttl",
                                                          "study.ttl"]


# -- what redaction keeps: the researchers' own code names ---------------------------------


def test_a_name_left_in_a_code_name_is_reported(tmp_path):
    """Redaction keeps code names; a code named after the case carries the name on, and
    every redacting export says so (the file-derived names themselves are gone)."""
    source = tmp_path / "P07_Mueller.csv"
    source.write_text("document,code,start,end,coder\n"
                      "Interview_Mueller.txt,Fall Mueller,0,5,Coder A\n"
                      "Interview_Mueller.txt,A1.1,5,9,Coder A\n", encoding="utf-8")
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", source, study)
    for command in ("csv", "turtle", "refi"):
        result = run("export", command, study, "-o", tmp_path / f"out.{command}", "--redact",
                     "--salt", SALT)
        assert result.exit_code == 0, result.output
        assert "'Fall Mueller'; check before sharing" in result.output, command


def test_no_such_note_when_nothing_is_left(tmp_path):
    study = tmp_path / "study.ttl"
    import_to_turtle("csv", p07_csv(tmp_path), study)
    result = run("export", "turtle", study, "-o", tmp_path / "s.ttl", "--redact",
                 "--salt", SALT)
    assert result.exit_code == 0 and "check before sharing" not in result.output
