"""The bundled example: the paper's published interview quotes as a coded study."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from support.paths import SHARED

from cryonto import importing
from cryonto.cli import main
from cryonto.coded import from_store
from cryonto.generate import CATEGORIES
from cryonto.rdf import GraphStore
from cryonto.shacl import validate

EXAMPLES = Path(__file__).parent.parent / "examples"
CSV = EXAMPLES / "paper-quotes.csv"
TTL = EXAMPLES / "paper-quotes.ttl"
PAPER = SHARED / "seeds/gutjahr-marten-benecke-crying-working-models.txt"


def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_counts():
    data = rows()
    assert len(data) == 18  # codings
    assert len({r["segment_id"] for r in data}) == 17
    assert len({r["document"] for r in data}) == 5
    assert len({r["code"] for r in data}) == 15
    assert {r["coder"] for r in data} == {"C1", "C2"}
    double = [s for s, n in Counter(r["segment_id"] for r in data).items() if n > 1]
    assert double == ["Q13"]
    assert {r["code"] for r in data if r["segment_id"] == "Q13"} == {"A3.2.1", "A2.1"}


def test_codes_are_notations_and_orientation_is_not_invented():
    for row in rows():
        assert row["code"] in CATEGORIES
        assert row["orientation"] == ""  # the paper attributes no quote to an orientation


def test_offsets_point_at_the_text_in_the_transcripts():
    for row in rows():
        text = (EXAMPLES / "transcripts" / f"{row['document']}.txt").read_text(encoding="utf-8")
        assert text[int(row["start"]):int(row["end"])] == row["text"]


@pytest.mark.usefixtures("shared")
def test_every_quote_is_verbatim_in_the_results_section_in_order():
    paper = PAPER.read_text(encoding="utf-8")
    results = paper[paper.index("\nResults\n"):paper.index("\nDiscussion\n")]
    quotes = [line.strip()[1:-1] for line in results.splitlines()
              if line.strip().startswith("“") and line.strip().endswith("”")]
    segments = list(dict.fromkeys((r["segment_id"], r["text"]) for r in rows()))
    assert [text for _, text in segments] == quotes  # all of them, in the paper's order


@pytest.mark.usefixtures("shared")
def test_each_quote_sits_under_its_category_heading():
    paper = PAPER.read_text(encoding="utf-8")
    headings = {"A1.1": "Protest Crying", "A1.2": "Overwhelmed Crying",
                "A1.3": "Crying in Grief", "A1.4": "Positive Crying",
                "A2.1": "Therapeutic Stance", "A2.2": "Crying as a Relational Enhancer",
                "A2.3": "Crying as a Relational Challenge",
                "A3": "Assumptions in Relation to the Therapeutic Process",
                "A3.1": "Crying as Incidental to the Process",
                "A3.2": "Crying Promotes the Process (Potential for Change)",
                "A3.2.1": "Crying Promotes the Process (Potential for Change)",
                "A3.2.3": "Crying Promotes the Process (Potential for Change)",
                "A3.2.5": "Crying Promotes the Process (Potential for Change)",
                "A3.3.2": "Crying Impedes the Process (Resistance to Change)",
                "I3.1": "Neutralizing"}
    lines = paper.splitlines()
    heading_at = {i: line.strip() for i, line in enumerate(lines)
                  if line.strip() in set(headings.values())}
    for row in rows():
        if row["code"] == "A2.1" and row["segment_id"] == "Q13":
            continue  # the intersection the paper states (see examples/README.md)
        at = next(i for i, line in enumerate(lines) if row["text"] in line)
        last = max(i for i in heading_at if i < at)
        assert heading_at[last] == headings[row["code"]], row["segment_id"]


def test_turtle_and_csv_agree():
    store = GraphStore()
    store.load_file(TTL)
    (ds,) = from_store(store)
    assert ds.base_iri == "https://w3id.org/cryonto/data/paper-quotes/"
    assert ds.counts().as_dict() == {"documents": 5, "codes": 15, "segments": 17,
                                     "codings": 18, "coders": 2}
    by_id = {s.id: s for s in ds.segments}
    notation = {f"https://w3id.org/cryonto/{local}": n for n, (local, _) in CATEGORIES.items()}
    seen: dict[str, set[str]] = {}
    for row in rows():
        seg = by_id[row["segment_id"]]
        assert seg.document == row["document"]
        assert (seg.start, seg.end) == (int(row["start"]), int(row["end"]))
        assert seg.text == row["text"]
        assert ds.coders[seg.coder].name == row["coder"]
        assert seg.created.startswith(row["created"].rstrip("Z"))
        assert seg.memo == row["memo"]
        assert ds.documents[seg.document].participant == row["participant"]
        seen.setdefault(seg.id, set()).add(row["code"])
    for seg in ds.segments:
        assert {notation[c] for c in seg.codes} == seen[seg.id]


def test_turtle_is_what_import_csv_makes(tmp_path):
    out = tmp_path / "pq.ttl"
    importing.import_to_turtle("csv", CSV, out, study="paper-quotes")

    def triples(path):
        store = ox.Store()
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        return {str(q) for q in store}

    assert triples(out) == triples(TTL)


def test_example_validates_clean_without_warnings():
    result = CliRunner().invoke(main, ["validate", str(TTL), "--strict"])
    assert result.exit_code == 0, result.output
    report = validate([TTL])
    assert report.results == [] and report.segments == 17
