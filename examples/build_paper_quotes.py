"""Rebuild examples/paper-quotes.ttl from examples/paper-quotes.csv and examples/transcripts/.

Usage: .venv/bin/python examples/build_paper_quotes.py

The CSV is the source (the paper's published interview quotes, one coded segment each);
the transcripts are the concatenation of each transcript's quotes, so offsets are real.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from cryonto.generate import CATEGORIES, category_iri
from cryonto.model import Code, CodedDataset, Coder, Document, Segment

HERE = Path(__file__).resolve().parent
STUDY = "paper-quotes"
TITLE = "Published interview quotes of Gutjahr, Marten & Benecke (illustrative coded study)"
LICENSE = "https://creativecommons.org/licenses/by-sa/4.0/"


def build(csv_path: Path = HERE / "paper-quotes.csv",
          transcripts: Path = HERE / "transcripts") -> CodedDataset:
    ds = CodedDataset(
        study=STUDY, title=TITLE, license=LICENSE, creator="cryonto developers",
        source_file=csv_path.name,
        description=("Each segment is an interview excerpt quoted verbatim in the Results section "
                     "of Gutjahr, Marten & Benecke, coded with the category the paper illustrates "
                     "with it. Transcript assignment, coders and dates are illustrative."),
    )
    by_id: dict[str, Segment] = {}
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            doc = row["document"]
            if doc not in ds.documents:
                text = (transcripts / f"{doc}.txt").read_text(encoding="utf-8")
                ds.documents[doc] = Document(key=doc, name=doc, participant=row["participant"],
                                             orientation=row["orientation"] or None,
                                             language="en", text=text)
            coder = row["coder"]
            ds.coders.setdefault(coder, Coder(key=coder, name=coder))
            iri = category_iri(row["code"])
            ds.codes.setdefault(iri, Code(key=iri, name=CATEGORIES[row["code"]][1], category=iri))
            seg = by_id.get(row["segment_id"])
            if seg is None:
                seg = by_id[row["segment_id"]] = Segment(
                    id=row["segment_id"], document=doc, codes=[], start=int(row["start"]),
                    end=int(row["end"]), text=row["text"], coder=coder, created=row["created"],
                    memo=row["memo"] or None, source_file=csv_path.name,
                    source_locator=f"row {number}")
                ds.segments.append(seg)
            seg.codes.append(iri)
    return ds


if __name__ == "__main__":
    dataset = build()
    dataset.write_turtle(HERE / "paper-quotes.ttl")
    print(dataset.counts().as_dict(), file=sys.stderr)
