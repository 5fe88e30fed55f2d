"""Streaming import vs the floor, side by side in one run (issue 13).

Run: .venv/bin/python bench/bench_stream.py [--sizes 100000,300000] [--whole 100000]

For each size: the issue's CSV shape (`bench/issue_shape.py`; ~60 segments per
document, English labels, quotes, 20 % of segments coded again by a second coder, no
dates) is written, then, each step in its own child process (wall, CPU, peak RSS, as in
`bench_scale.py`):

* floor      pyoxigraph ``Store().bulk_load`` (in memory) of the N-Triples file the
             streaming import wrote;
* stream     ``import_to_ntriples``: CSV row by row to N-Triples, counts checked,
             re-counted from the file (what ``cryonto import csv X.csv -o X.nt`` runs);
* validate   ``cryonto validate`` of that file, profile core (load ontology + data,
             compiled shapes, locate, text): the existing path, unchanged here;
* whole      (only for the sizes in ``--whole``) ``import_to_turtle``, the whole-file
             import, for comparison;
* load       (``--store``) ``cryonto load X.nt --store DIR``: bulk load into the on-disk
             store plus the derived counts;
* validate --store  (``--store``) ``cryonto validate --store DIR --on-disk``: the bounded
             memory path of a study too big for memory.

``--no-validate`` skips ``validate FILE`` (at 10^6 it holds the whole graph, like the
floor: about 9 GB); ``--no-floor`` skips the in-memory floor.

Ratios are to the floor of the same run: wall and, as the machine is shared, CPU too.
Targets (issue 13): import + validate at most 4x the floor at 3x10^5; every step at
most 2 GB peak at 10^6.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import child, fmt, load_store, loadavg, ours, ours_store  # noqa: E402


def floor_nt(nt: Path) -> dict:
    return child(f"""
        import pyoxigraph as ox
        ox.Store().bulk_load(path={str(nt)!r}, format=ox.RdfFormat.N_TRIPLES)
    """)


def stream(csv_path: Path, out: Path) -> dict:
    return child(f"""
        from cryonto.streaming import import_to_ntriples
        r = import_to_ntriples('csv', {str(csv_path)!r}, {str(out)!r}, study='issue')
        result = r.counts_written.as_dict()
    """)


def whole(csv_path: Path, out: Path) -> dict:
    return child(f"""
        from cryonto.importing import import_to_turtle
        import_to_turtle('csv', {str(csv_path)!r}, {str(out)!r}, study='issue')
    """)


def ratio(step: dict | None, base: dict | None) -> str:
    if step is None or base is None:
        return "–"
    return f"{step['wall'] / base['wall']:.1f}× ({step['cpu'] / base['cpu']:.1f}× cpu)"


def table(sizes: list[int], whole_sizes: set[int], tmp: Path, validate: bool,
          store: bool = False, with_floor: bool = True) -> None:
    from issue_shape import write_issue_csv

    print(f"\n## streaming import + validate vs the floor (issue shape); load average "
          f"{loadavg()}\n")
    print("| segments | floor: bulk_load .nt | streaming import | validate FILE | import / floor"
          " | import + validate / floor | whole import (Turtle) | load --store "
          "| validate --store --on-disk | import + load + validate --store / floor |")
    print("|---:|---|---|---|---:|---:|---|---|---|---:|")
    for n in sizes:
        csv_path, nt = tmp / f"issue{n}.csv", tmp / f"issue{n}.nt"
        rows = write_issue_csv(csv_path, n)
        streamed = stream(csv_path, nt)
        base = floor_nt(nt) if with_floor else None
        checked = ours(nt) if validate else None
        old = whole(csv_path, tmp / f"issue{n}.ttl") if n in whole_sizes else None
        loaded = on_disk = None
        if store:
            loaded = load_store(nt, tmp / f"db{n}")
            on_disk = ours_store(tmp / f"db{n}", in_memory=False)
        print(f"| {rows:,} | {fmt(base)} | {fmt(streamed)} | {fmt(checked)} | "
              f"{ratio(streamed, base)} | {ratio(_sum(streamed, checked), base)} | {fmt(old)} | "
              f"{fmt(loaded)} | {fmt(on_disk)} | "
              f"{ratio(_sum(streamed, loaded, on_disk), base)} |", flush=True)
        for path in (csv_path, nt, tmp / f"issue{n}.ttl"):
            path.unlink(missing_ok=True)
    print(f"\nload average after: {loadavg()}")


def _sum(*steps: dict | None) -> dict | None:
    """Wall and CPU of steps run one after the other; None if one did not run."""
    if any(step is None for step in steps):
        return None
    return {k: sum(step[k] for step in steps if step is not None) for k in ("wall", "cpu")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000",
                        help="segments (before the 20 %% coded again), comma separated")
    parser.add_argument("--whole", default="100000",
                        help="sizes at which the whole-file import runs too ('' for none)")
    parser.add_argument("--no-validate", action="store_true", help="skip the validate step")
    parser.add_argument("--store", action="store_true",
                        help="also load into an on-disk store and validate it there")
    parser.add_argument("--no-floor", action="store_true", help="skip the in-memory floor")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    whole_sizes = {int(s) for s in args.whole.split(",") if s}
    with tempfile.TemporaryDirectory(prefix="cryonto-bench-stream-") as tmp:
        table(sizes, whole_sizes, Path(tmp), not args.no_validate, args.store,
              not args.no_floor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
