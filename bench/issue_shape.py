"""The study shape of issue 13, as the generic CSV `cryonto import csv` reads.

~1,700 documents with ~60 segments each, English category labels as codes
(``Protest crying``, not ``A1.1``), the quote of every segment (``text``),
20 % of the segments double-coded (the same span coded again by a second
coder, as in an intercoder check) and no coding dates but on the first row, so
that every other segment draws the ``SegmentCreatedPresent`` warning (a study
with no date at all draws none since issue 9: the source had no dates).

Run: python bench/issue_shape.py --segments 100000 -o issue.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def write_issue_csv(path: Path, segments: int, per_document: int = 60, double: float = 0.2,
                    seed: int = 13) -> int:
    """Write the CSV; the number of rows (segments plus their second codings)."""
    from cryonto.generate import CATEGORIES, FREQUENCIES

    rng = random.Random(seed)
    labels = {n: CATEGORIES[n][1] for n in FREQUENCIES}
    notations = list(labels)
    weights = [FREQUENCIES[n] for n in notations]
    sentence = ("I felt the tears come and could not stop them when we talked about my mother "
                "and the years after the move it was relief and shame at once")
    words = sentence.split(" ")
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["document", "code", "start", "end", "coder", "text", "created"])
        documents = max(1, round(segments / per_document))
        position = {d: 0 for d in range(documents)}
        for n in range(segments):
            doc = n * documents // segments
            text = " ".join(rng.choice(words) for _ in range(rng.randint(6, 30)))
            start = position[doc] + 1 + rng.randrange(40)
            end = start + len(text)
            position[doc] = end
            code = labels[rng.choices(notations, weights=weights)[0]]
            name = f"interview-{doc + 1:04d}"
            out.writerow([name, code, start, end, "coder-a", text, "" if n else "2024-03-01"])
            rows += 1
            if rng.random() < double:
                out.writerow([name, code, start, end, "coder-b", text, ""])
                rows += 1
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    rows = write_issue_csv(args.output, args.segments)
    print(f"wrote {args.output}: {rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
