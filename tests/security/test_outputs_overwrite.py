"""Issue 7 item 5: `-o` naming an input (directly, by symlink or hard link) is refused.

Every command with an output file is run as a real subprocess on real files;
each refusal must be one line on stderr, exit 2, no traceback, the input
byte-for-byte unchanged and no temporary file left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cryonto.generate import generate_study, write_csv, write_study

CLI = "import sys; from cryonto.cli import main; sys.argv[0] = 'cryonto'; main()"


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300, env={**os.environ, "COLUMNS": "200"})


def assert_refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict[str, Path]:
    """A generated study as Turtle and CSV, and its REFI-QDA export."""
    folder = tmp_path_factory.mktemp("study")
    data = generate_study(12, seed=3, study="overwrite")
    write_study(data, folder / "study.ttl")
    write_csv(data, folder / "study.csv")
    proc = run_cli("export", "refi", folder / "study.ttl", "-o", folder / "study.qdpx")
    assert proc.returncode == 0, proc.stderr
    return {"ttl": folder / "study.ttl", "csv": folder / "study.csv",
            "qdpx": folder / "study.qdpx"}


def _same(src: Path, dst: Path) -> Path:
    return dst


def _symlink(src: Path, dst: Path) -> Path:
    link = dst.with_name("link-" + dst.name)
    link.symlink_to(src)
    return link


def _hardlink(src: Path, dst: Path) -> Path:
    link = dst.with_name("hard-" + dst.name)
    os.link(src, link)
    return link


LINKS: dict[str, Callable[[Path, Path], Path]] = {
    "same-path": _same, "symlink": _symlink, "hard-link": _hardlink}

# command -> (input kind, arguments before -o with {input} for the input file)
COMMANDS: dict[str, tuple[str, list[str]]] = {
    "export-turtle": ("ttl", ["export", "turtle", "{input}", "--redact", "--salt",
                              "a-salt-of-sixteen-chars"]),
    "export-csv": ("ttl", ["export", "csv", "{input}", "--redact", "--salt",
                           "a-salt-of-sixteen-chars"]),
    "export-refi": ("ttl", ["export", "refi", "{input}"]),
    "validate": ("ttl", ["validate", "{input}"]),
    "validate-ontology": ("ttl", ["validate", "STUDY", "--ontology", "{input}"]),
    "import-csv": ("csv", ["import", "csv", "{input}", "--study", "s"]),
    "import-refi": ("qdpx", ["import", "refi", "{input}", "--study", "s"]),
    "import-mapping": ("csv", ["import", "csv", "STUDYCSV", "--mapping", "{input}"]),
}


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.slow
def test_output_equal_to_an_input_is_refused(tmp_path: Path, study: dict[str, Path],
                                             command: str, link: str) -> None:
    kind, template = COMMANDS[command]
    original = study[kind]
    victim = tmp_path / original.name
    victim.write_bytes(original.read_bytes())
    other_ttl = tmp_path / "other.ttl"
    other_ttl.write_bytes(study["ttl"].read_bytes())
    other_csv = tmp_path / "other.csv"
    other_csv.write_bytes(study["csv"].read_bytes())
    output = LINKS[link](victim, tmp_path / ("out" + victim.suffix))
    output = victim if link == "same-path" else output
    args = [a.replace("{input}", str(victim)).replace("STUDYCSV", str(other_csv))
            .replace("STUDY", str(other_ttl)) for a in template]
    before = victim.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    proc = run_cli(*args, "-o", output)
    assert_refused(proc, "refused", "output file is an input file")
    assert victim.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no temporary file left
    if link == "symlink":
        assert output.is_symlink()


def test_generate_csv_and_output_the_same_file(tmp_path: Path) -> None:
    target = tmp_path / "both.ttl"
    proc = run_cli("generate", "--segments", "5", "-o", target, "--csv", target)
    assert_refused(proc, "--csv and -o")
    assert not target.exists()
    target.write_text("keep\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    proc = run_cli("generate", "--segments", "5", "-o", target, "--csv", link)
    assert_refused(proc, "refused")
    assert target.read_text() == "keep\n"


def test_a_distinct_output_is_still_written(tmp_path: Path, study: dict[str, Path]) -> None:
    """The refusal is not a blanket one: a new file next to the input is fine."""
    out = tmp_path / "redacted.ttl"
    proc = run_cli("export", "turtle", study["ttl"], "--redact", "--salt",
                   "a-salt-of-sixteen-chars", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0
