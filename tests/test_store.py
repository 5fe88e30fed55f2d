"""The persistent store: `cryonto load`, `store info`, and `--store DIR` on every command."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from support.serve import cli_server

from cryonto.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    data = folder / "paper-quotes.ttl"
    shutil.copy(EXAMPLE, data)
    done = cli("load", data, "--store", folder / "db")
    assert done.exit_code == 0, done.output
    return folder / "db"


def test_load_is_private_and_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "study.ttl"
    shutil.copy(EXAMPLE, data)
    db = tmp_path / "db"
    first = cli("load", data, "--store", db)
    assert first.exit_code == 0, first.output
    assert "loaded" in first.output and "created store" in first.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in db.iterdir())
    again = cli("load", data, "--store", db)
    assert again.exit_code == 0
    assert "unchanged" in again.output and "ontology" not in again.output
    data.write_text(data.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    refused = cli("load", data, "--store", db)
    assert refused.exit_code == 2
    assert "changed since it was loaded" in refused.stderr
    replaced = cli("load", data, "--replace", "--store", db)
    assert replaced.exit_code == 0 and "replaced" in replaced.output
    info = cli("store", "info", db, "--json")
    assert info.exit_code == 0
    described = json.loads(info.output)
    assert [g["graph"] for g in described["graphs"]] == [
        data.resolve().as_uri(), "https://w3id.org/cryonto/graph/ontology"]
    assert [(s["study"], s["segments"]) for s in described["studies"]] == [
        ("https://w3id.org/cryonto/data/paper-quotes/", 17)]


def test_load_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = cli("load", EXAMPLE, "--store", tmp_path)
    assert done.exit_code == 2
    assert "not a cryonto store" in done.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# -- every command reads the store ----------------------------------------------------

def _commands(db: Path, out: Path) -> dict[str, list[str]]:
    return {
        "query": ["query", "segments-per-category", "--store", str(db), "-f", "csv"],
        "validate": ["validate", "--store", str(db)],
        "agreement": ["agreement", "--store", str(db)],
        "report": ["report", "--store", str(db), "-o", str(out / "r.md")],
        "export csv": ["export", "csv", "--store", str(db), "-o", str(out / "x.csv")],
        "export turtle": ["export", "turtle", "--store", str(db), "-o", str(out / "x.ttl")],
        "export refi": ["export", "refi", "--store", str(db), "-o", str(out / "x.qdpx")],
        "store info": ["store", "info", str(db)],
    }


def test_every_command_reads_the_store_as_it_reads_the_file(loaded: Path,
                                                           tmp_path: Path) -> None:
    data = loaded.parent / "paper-quotes.ttl"
    for name, args in _commands(loaded, tmp_path).items():
        done = cli(*args)
        assert done.exit_code == 0, (name, done.output, done.stderr)
    from_file = cli("query", "segments-per-category", "--data", data, "-f", "csv")
    from_store = cli(*_commands(loaded, tmp_path)["query"])
    assert from_store.output == from_file.output
    validated = cli("validate", data)
    assert cli("validate", "--store", loaded).output.splitlines()[1:] == \
        validated.output.splitlines()[1:]
    exported = (tmp_path / "x.csv").read_text(encoding="utf-8")
    cli("export", "csv", data, "-o", tmp_path / "y.csv")
    assert exported == (tmp_path / "y.csv").read_text(encoding="utf-8")


def test_validate_store_on_disk_and_in_memory_agree(tmp_path: Path) -> None:
    """The CLI's --in-memory/--on-disk choose the engine's store; the report is the same."""
    data = tmp_path / "errors.ttl"
    assert cli("generate", "--segments", "60", "--errors", "12", "-o", data).exit_code == 0
    assert cli("load", data, "--store", tmp_path / "db").exit_code == 0
    expected = json.loads(cli("validate", data, "--format", "json").stdout)
    assert len(expected) >= 12
    for flag in ("--in-memory", "--on-disk"):
        done = cli("validate", "--store", tmp_path / "db", flag, "--format", "json")
        assert done.exit_code == 1, done.output
        assert json.loads(done.stdout) == expected, flag  # the same results in the same order
    done = cli("validate", data, "--on-disk")
    assert done.exit_code == 2 and "--store only" in done.stderr


def test_files_and_store_exclude_each_other(loaded: Path) -> None:
    done = cli("validate", EXAMPLE, "--store", loaded)
    assert done.exit_code == 2 and "not both" in done.stderr
    done = cli("validate")
    assert done.exit_code == 2 and "--store DIR" in done.stderr


@pytest.mark.integration
def test_serve_answers_from_the_store(loaded: Path) -> None:
    with cli_server("--store", str(loaded)) as url:
        answer = httpx.get(f"{url}/sparql", params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/oa#Annotation> }"
        }, headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "17"


@pytest.mark.integration
def test_serve_query_page_offers_the_store_variants(loaded: Path) -> None:
    """The page's text for a counting query reads the derived counts and answers as the
    library text does on the files (what `cryonto query --store` runs)."""
    browser = {"Accept": "text/html"}
    with cli_server("--store", str(loaded)) as url:
        page = httpx.get(f"{url}/", headers=browser, timeout=30).text
        texts = {name: html.unescape(text) for name, text in re.findall(
            r'<option value="([^"]+)" data-query="([^"]*)"', page)}
        shown = texts["segments-per-category"]
        assert "https://w3id.org/cryonto/derived/" in shown
        assert "oa:hasBody" not in texts["segments-per-category"]
        assert "oa:hasBody" in texts["segments-for-category"]  # a listing: no variant
        answer = httpx.get(f"{url}/sparql", params={"query": shown}, timeout=30,
                           headers={"Accept": "text/csv"})
        assert answer.status_code == 200
    served = sorted(csv.DictReader(io.StringIO(answer.text)), key=lambda r: r["notation"])
    on_files = cli("query", "segments-per-category", "--data", EXAMPLE, "-f", "csv")
    expected = sorted(csv.DictReader(io.StringIO(on_files.output)), key=lambda r: r["notation"])
    assert served and [dict(r) for r in served] == [dict(r) for r in expected]
    assert any(int(r["segments"]) > 0 for r in served)


# -- missing, corrupt and locked: one line, exit 2 ------------------------------------

def _one_line_exit_2(args: list[str], expected: str) -> None:
    done = subprocess.run([sys.executable, "-c", "from cryonto.cli import main; main()",
                           *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, (args, done.stderr)
    assert expected in lines[0], (args, lines[0])


def _all_commands(db: Path, out: Path) -> Iterator[list[str]]:
    yield from _commands(db, out).values()
    yield ["serve", "--store", str(db), "--port", "0"]


def test_a_missing_store(tmp_path: Path) -> None:
    for args in _all_commands(tmp_path / "nowhere", tmp_path):
        done = cli(*args)
        assert done.exit_code == 2, args
        assert done.stderr.count("\n") == 1 and "no such store" in done.stderr, args


def test_a_folder_that_is_no_store(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    for args in _all_commands(tmp_path / "db", tmp_path):
        done = cli(*args)
        assert done.exit_code == 2, args
        assert done.stderr.count("\n") == 1 and "not a cryonto store" in done.stderr, args


def test_a_corrupt_store(loaded: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    shutil.copytree(loaded, db)
    (db / "CURRENT").write_text("garbage\n", encoding="utf-8")
    for args in _all_commands(db, tmp_path):
        done = cli(*args)
        assert done.exit_code == 2, args
        assert done.stderr.count("\n") == 1 and "corrupt" in done.stderr, (args, done.stderr)


def test_a_truncated_store(loaded: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    shutil.copytree(loaded, db)
    for manifest in db.glob("MANIFEST-*"):
        manifest.write_bytes(b"\0" * 10)
    _one_line_exit_2(["validate", "--store", str(db)], "corrupt")


LOCKER = textwrap.dedent("""
    import sys, time
    from cryonto.rdf.persistent import DiskStore
    store = DiskStore.open(sys.argv[1], write=True)
    print("locked", flush=True)
    time.sleep(120)
""")


@pytest.fixture()
def locked(loaded: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the store held open for writing by another live process."""
    db = tmp_path / "db"
    shutil.copytree(loaded, db)
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield db
    finally:
        holder.kill()
        holder.wait()


def test_a_locked_store(locked: Path, tmp_path: Path) -> None:
    for args in _all_commands(locked, tmp_path):
        _one_line_exit_2(args, "locked")
    _one_line_exit_2(["load", str(EXAMPLE), "--store", str(locked)], "in use")


def test_a_store_being_read_is_not_written(loaded: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    shutil.copytree(loaded, db)
    with cli_server("--store", str(db)):
        _one_line_exit_2(["load", str(EXAMPLE), "--store", str(db)], "in use")
        # and two readers at once are fine
        assert cli("query", "category-is-coded", "--store", db).exit_code in (0, 1)


def test_validation_on_disk_and_in_memory_agree(loaded: Path, tmp_path: Path) -> None:
    from cryonto.shacl import validate, validate_stored
    from cryonto.storage import open_store

    bad = tmp_path / "bad.ttl"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "oa:motivatedBy oa:classifying", "oa:motivatedBy oa:tagging", 1), encoding="utf-8")
    db = tmp_path / "db"
    assert cli("load", bad, "--store", db).exit_code == 0
    expected = validate([bad]).keys()
    assert expected  # the edit draws a result
    with open_store(db) as store:
        assert validate_stored(store, in_memory=False).keys() == expected
        assert validate_stored(store, in_memory=True).keys() == expected
