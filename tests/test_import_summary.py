"""The import summary (issue 9): defined against used codes, unmapped codes one per line
with their segment counts, --all and --json for the full list, a legend under the table."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from support.refi_builders import LAYOUTS, Project, Sel, guid

from cryonto.cli import main

TEXT = "Sie weinte. Dann war Stille. Es war ihr peinlich, sehr peinlich."


def run(*args: object):
    return CliRunner().invoke(main, ["import", *(str(a) for a in args)])


def code(name: str, children: str = "") -> str:
    attrs = f'guid="{guid("code" + name)}" name="{name}" isCodable="true"'
    return f"<Code {attrs}>{children}</Code>" if children else f"<Code {attrs}/>"


def refi_project(path: Path) -> Path:
    """Six codes defined (Forms with Protest and Silent under it, A1.1, Kaffee, Scham),
    three used: Forms\\Protest on two segments, A1.1 and Scham on one each."""
    selections = [Sel(0, 0, 11, ["Protest"]), Sel(0, 12, 28, ["Protest", "A1.1"]),
                  Sel(0, 29, 49, ["Scham"])]
    project = Project("maxqda", [TEXT], ["Forms", "A1.1", "Kaffee", "Scham"], selections)
    xml = project.xml().replace(code("Forms"), code("Forms", code("Protest") + code("Silent")))
    _, folder, xml_name, _, _, _ = LAYOUTS["maxqda"]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(xml_name, xml.encode("utf-8"))
        zf.writestr(f"{folder}/{guid('doc0')}.txt", TEXT.encode("utf-8"))
    return path


MAPPING = """# curie_map:
#   cry: https://w3id.org/cryonto/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
subject_id\tpredicate_id\tobject_id\tmapping_justification
Scham\tskos:relatedMatch\tcry:ProtestCrying\tsemapv:ManualMappingCuration
"""


def test_defined_against_used_in_a_refi_codebook(tmp_path):
    project = refi_project(tmp_path / "p.qdpx")
    mapping = tmp_path / "m.sssom.tsv"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = run("refi", project, "-o", tmp_path / "p.ttl", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    out = result.stdout
    # 6 defined, 3 used; of the used, A1.1 (named by notation) and Scham (the SSSOM row)
    # are mapped, Forms\Protest is not
    assert ("Codes: 6 defined in the project, 3 used by at least one coding; of the used: "
            "0 cryonto categories directly, 2 study codes mapped, 1 unmapped") in out
    listed = out.split("most used first:\n")[1].split("\nNotes:")[0].splitlines()
    # hierarchical codes by their path, most used first, one per line
    assert [line.split()[0] for line in listed] == ["Forms\\Protest", "Forms", "Forms\\Silent",
                                                    "Kaffee"]
    assert listed[0].endswith("  2 segments") and listed[1].endswith("  0 segments")
    assert "Unmapped study codes (4, 3 of them never used)" in out
    summary = json.loads(run("refi", project, "-o", tmp_path / "q.ttl", "--json",
                             "--mapping", mapping).stdout)
    assert summary["codes"] == {"defined": 6, "used": 3, "used_categories": 0,
                                "used_mapped": 2, "used_unmapped": 1}
    assert summary["unmapped_codes"][0] == {"code": "Forms\\Protest", "label": "Protest",
                                            "segments": 2}


def test_csv_counts_checked_against_the_rows(tmp_path):
    """25 unmapped study codes, each used a known number of times, plus two categories."""
    rows, uses = [], Counter()
    for i in range(25):
        for _ in range(i % 4 + 1):
            uses[f"own {i:02d}"] += 1
            rows.append(f"D1,own {i:02d},{len(rows) * 10},{len(rows) * 10 + 5},C1")
    rows += ["D1,A1.1,900,905,C1", "D2,Pause,0,5,C1", "D2,I2.1,10,15,C1"]
    csv = tmp_path / "many.csv"
    csv.write_text("document,code,start,end,coder\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("csv", csv, "-o", tmp_path / "many.ttl")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # "Pause" and "I2.1" name the same category: merged, so 27 codes defined, all used
    assert ("Codes: 27 defined in the project, 27 used by at least one coding; of the used: "
            "2 cryonto categories directly, 0 study codes mapped, 25 unmapped") in out
    assert "in = read from the file; adjusted = see Adjustments; out = in the dataset built; " \
           "written = re-counted from the file written" in out
    assert out.index("written = re-counted") > out.index("coders ")  # under the table
    listed = out.split("most used first:\n")[1].splitlines()
    shown = [line for line in listed if line.startswith("  own ")]
    assert len(shown) == 20
    expected = sorted(uses.items(), key=lambda item: -item[1])  # stable: codebook order
    assert [(line.split("  ")[1].strip(), int(line.rsplit(" ", 2)[1])) for line in shown] == \
        expected[:20]
    assert listed[20] == "  … 5 more; --all shows every one"

    every = run("csv", csv, "-o", tmp_path / "all.ttl", "--all").stdout
    listed = every.split("most used first:\n")[1].splitlines()
    assert sorted(line.split("  ")[1].strip() for line in listed if line.startswith("  own ")) \
        == sorted(uses)
    assert "more; --all" not in every

    summary = json.loads(run("csv", csv, "-o", tmp_path / "j.ttl", "--json").stdout)
    assert {u["code"]: u["segments"] for u in summary["unmapped_codes"]} == dict(uses)
    assert sorted(summary["unmapped"]) == sorted(uses)
    assert summary["codes"]["used_unmapped"] == 25
