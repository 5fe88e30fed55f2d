"""How long `cryonto import csv` takes at 10^3, 10^4 and 10^5 rows.

Run: .venv/bin/python bench/bench_import.py [--sizes 1000,10000,100000]

The CSVs are made here from `cryonto.generate.generate_study` (realistic
category frequencies and multiple coding; codes written as notations, English
and German labels, CURIEs and study-code names in turn) or, if that module is
missing, from random valid rows. Each size is timed end to end as the CLI runs
it: read, resolve codes, build, write Turtle, read it back, re-count.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

from cryonto.importing import import_to_turtle


def _rows_generated(n: int) -> list[list[str]] | None:
    try:
        from cryonto.category import load_category_system
        from cryonto.generate import generate_study
    except ImportError:
        return None
    # every tenth generated document is paragraph-positioned (MAXQDA-style) and is left out
    study = generate_study(n + n // 9 + 10, seed=1).dataset
    system = load_category_system()
    rows = []
    for i, seg in enumerate(study.segments):
        if seg.start is None:
            continue  # paragraph-positioned segments are MAXQDA-style; not in generic CSV
        names = []
        for key in seg.codes:
            code = study.codes[key]
            if code.category:
                concept = system.get(code.category)
                style = i % 4
                if concept is None or style == 0:
                    names.append(code.category)
                elif style == 1 and concept.notation:
                    names.append(concept.notation)
                elif style == 2:
                    names.append(concept.label("de"))
                else:
                    names.append(concept.label("en"))
            else:
                names.append(code.name)
        rows.append([seg.document, ";".join(names), str(seg.start), str(seg.end),
                     seg.coder or "", seg.text or "", seg.id, seg.created or ""])
    return rows[:n]


def _rows_random(n: int) -> list[list[str]]:
    rng = random.Random(1)
    codes = ["A1.1", "A1.2", "Weinen in Trauer", "Giving space", "I2.1", "cry:ReliefCatharsis",
             "own code 1", "own code 2"]
    rows = []
    for i in range(n):
        start = rng.randrange(10_000)
        rows.append([f"T{i % 200:03d}", rng.choice(codes), str(start),
                     str(start + 1 + rng.randrange(300)), f"C{rng.randrange(3)}", "",
                     f"S{i}", "2024-03-01T10:00:00Z"])
    return rows


def make_csv(path: Path, n: int) -> int:
    rows = _rows_generated(n) or _rows_random(n)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "code", "start", "end", "coder", "text", "segment_id",
                         "created"])
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'rows':>8}  {'segments':>8}  {'codings':>8}  {'seconds':>8}  {'rows/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            source = Path(tmp) / f"bench-{n}.csv"
            rows = make_csv(source, n)
            started = time.perf_counter()
            result = import_to_turtle("csv", source, Path(tmp) / f"bench-{n}.ttl",
                                      study=f"bench-{n}")
            seconds = time.perf_counter() - started
            print(f"{rows:>8}  {result.counts_out.segments:>8}  {result.counts_out.codings:>8}"
                  f"  {seconds:>8.2f}  {rows / seconds:>8.0f}")


if __name__ == "__main__":
    main()
