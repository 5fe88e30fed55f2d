"""`cryonto import … --store DIR`: import, then load the file written, in one command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "examples" / "paper-quotes.csv"


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_import_into_a_store_equals_import_then_load(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    done = cli("import", "csv", CSV, "--study", "pq", "-o", one / "pq.nt", "--store", one / "db")
    assert done.exit_code == 0, done.output
    assert "Codes:" in done.output and "created store" in done.output
    assert f"{one / 'pq.nt'}: loaded (" in done.output
    # the same in two commands
    assert cli("import", "csv", CSV, "--study", "pq", "-o", two / "pq.nt").exit_code == 0
    assert cli("load", two / "pq.nt", "--store", two / "db").exit_code == 0
    assert (one / "pq.nt").read_bytes() == (two / "pq.nt").read_bytes()
    for name, *params in (("segments-per-category",), ("coder-coverage",),
                          ("segments-for-category", "-p", "category=A")):
        rows = [cli("query", name, *params, "--store", folder / "db", "-f", "csv").output
                for folder in (one, two)]
        assert rows[0] == rows[1] and rows[0].count("\n") > 2, name
    checked = cli("validate", "--store", one / "db")
    assert checked.exit_code == cli("validate", one / "pq.nt").exit_code


def test_a_second_import_needs_replace_and_is_refused_before_importing(tmp_path: Path) -> None:
    out, db = tmp_path / "pq.nt", tmp_path / "db"
    assert cli("import", "csv", CSV, "--study", "pq", "-o", out, "--store", db).exit_code == 0
    before = out.stat().st_mtime_ns
    again = cli("import", "csv", CSV, "--study", "other", "-o", out, "--store", db)
    assert again.exit_code == 2
    assert again.stderr.count("\n") == 1 and "--replace" in again.stderr
    assert out.stat().st_mtime_ns == before  # not imported again
    same = cli("import", "csv", CSV, "--study", "pq", "-o", out, "--store", db, "--replace")
    assert same.exit_code == 0 and ": unchanged (" in same.output
    renamed = cli("import", "csv", CSV, "--study", "renamed", "-o", out, "--store", db,
                  "--replace", "--json")
    assert renamed.exit_code == 0
    import json

    answer = json.loads(renamed.stdout)
    assert answer["store"]["files"][0]["action"] == "replaced"
    assert answer["counts_in"]["segments"] == 17
    info = json.loads(cli("store", "info", db, "--json").stdout)
    assert [s["study"] for s in info["studies"]] == ["https://w3id.org/cryonto/data/renamed/"]


def test_turtle_output_is_loaded_too(tmp_path: Path) -> None:
    done = cli("import", "csv", CSV, "-o", tmp_path / "pq.ttl", "--store", tmp_path / "db")
    assert done.exit_code == 0, done.output
    assert "pq.ttl: loaded" in done.output


def test_replace_without_a_store_is_refused(tmp_path: Path) -> None:
    done = cli("import", "csv", CSV, "-o", tmp_path / "pq.nt", "--replace")
    assert done.exit_code == 2 and "--replace goes with --store" in done.stderr
    assert not (tmp_path / "pq.nt").exists()


LOCKER = textwrap.dedent("""
    import sys, time
    from cryonto.rdf.persistent import DiskStore
    store = DiskStore.open(sys.argv[1], write=True)
    print("locked", flush=True)
    time.sleep(120)
""")


@pytest.mark.parametrize("holder_mode", ["write", "read"])
def test_a_store_in_use_is_refused_before_importing(tmp_path: Path, holder_mode: str) -> None:
    db = tmp_path / "db"
    assert cli("import", "csv", CSV, "-o", tmp_path / "first.nt", "--store", db).exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = LOCKER if holder_mode == "write" else LOCKER.replace("write=True", "write=False")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        done = subprocess.run(
            [sys.executable, "-c", "from cryonto.cli import main; main()", "import", "csv",
             str(CSV), "-o", str(tmp_path / "second.nt"), "--store", str(db)],
            capture_output=True, text=True, timeout=120, env=env)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and ("locked" in done.stderr or "in use" in done.stderr)
    assert not (tmp_path / "second.nt").exists()


def test_a_folder_that_is_no_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = cli("import", "csv", CSV, "-o", tmp_path / "pq.nt", "--store", tmp_path / "db")
    assert done.exit_code == 2 and "not a cryonto store" in done.stderr
    assert not (tmp_path / "pq.nt").exists()


def test_python_api(tmp_path: Path) -> None:
    from cryonto.import_store import import_into_store

    shutil.copy(CSV, tmp_path / "in.csv")
    stored = import_into_store("csv", tmp_path / "in.csv", tmp_path / "in.nt", tmp_path / "db",
                               study="api")
    assert stored.imported.counts_written.segments == 17
    assert [f.action for f in stored.loaded.files] == ["loaded"]
    assert stored.loaded.files[0].triples > 0


def test_a_corrupt_store_is_refused_before_importing(tmp_path: Path) -> None:
    db = tmp_path / "db"
    assert cli("import", "csv", CSV, "-o", tmp_path / "first.nt", "--store", db).exit_code == 0
    (db / "CURRENT").write_text("garbage\n", encoding="utf-8")
    done = cli("import", "csv", CSV, "-o", tmp_path / "second.nt", "--store", db)
    assert done.exit_code == 2 and done.stderr.count("\n") == 1 and "corrupt" in done.stderr
    assert not (tmp_path / "second.nt").exists()
