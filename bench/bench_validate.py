"""`cryonto validate` against plain pySHACL at 10^3, 10^4, 10^5 segments.

Run: .venv/bin/python bench/bench_validate.py [--sizes 1000,10000,100000]
                                              [--max-pyshacl 10000] [--errors-per-mille 1]

For each size a synthetic study is generated (`cryonto.generate`, with injected
errors so there is something to report) and written as Turtle and as the generic
CSV (from the same study without the injected errors, which the importer would
refuse). Timed, each end to end in this process:

* import   `cryonto import csv` of that CSV (read, resolve, write Turtle, re-count);
* ours     `cryonto validate`: load ontology + data into pyoxigraph, run the compiled
           shapes, locate results (segment, file, row), render the text report;
* pySHACL  plain pySHACL 0.40 on an rdflib graph: parse ontology + data with rdflib,
           `pyshacl.validate` (which also renders its text report).

"agree" says whether both found the same set of (focus node, path, value, constraint
component, severity) results. pySHACL is skipped above --max-pyshacl segments.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _time(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run_ours(path: Path):
    from cryonto.shacl import validate

    report = validate([path], "core")
    report.to_text()
    return report


def run_pyshacl(path: Path):
    import pyshacl
    import rdflib

    from cryonto import resources
    from cryonto.shacl import profile_files
    from cryonto.shacl.engine import results_from_report_graph

    graph = rdflib.Graph()
    for ontology in resources.ontology_files():
        graph.parse(ontology, format="turtle")
    graph.parse(path, format="turtle")
    shapes = rdflib.Graph()
    for shape_file in profile_files("core"):
        shapes.parse(shape_file, format="turtle")
    _conforms, report_graph, _text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    return report_graph, results_from_report_graph


def run_import(csv_path: Path, out: Path) -> float | None:
    try:
        from cryonto.importing import import_to_turtle
    except ImportError:
        return None
    seconds, _ = _time(lambda: import_to_turtle("csv", csv_path, out, study="bench"))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--max-pyshacl", type=int, default=10_000,
                        help="skip plain pySHACL above this many segments (it takes minutes)")
    parser.add_argument("--errors-per-mille", type=float, default=1.0,
                        help="injected errors per 1000 segments (at least 10)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    import logging

    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # ill-typed dates are on purpose

    from cryonto.generate import generate_study, write_csv, write_study

    print(f"cryonto validate vs plain pySHACL (profile core); {os.cpu_count()} CPU(s), "
          f"Python {sys.version.split()[0]}")
    header = (f"{'segments':>9} {'results':>7} {'generate':>9} {'import':>8} "
              f"{'ours':>8} {'(load':>7} {'valid.':>7} {'report)':>7} {'pySHACL':>9} "
              f"{'speed-up':>8}  agree")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            errors = max(10, int(n * args.errors_per_mille / 1000))
            gen_s, study = _time(lambda n=n, errors=errors: generate_study(
                n, errors=errors, seed=args.seed))
            ttl, csv_path = Path(tmp) / f"s{n}.ttl", Path(tmp) / f"s{n}.csv"
            write_s, _ = _time(lambda study=study, ttl=ttl: write_study(study, ttl))
            del study
            # the CSV is made from the same study without injected errors: the importer
            # (rightly) refuses rows with impossible dates or offsets
            write_csv(generate_study(n, seed=args.seed), csv_path)
            import_s = run_import(csv_path, Path(tmp) / f"i{n}.ttl")
            ours_s, report = _time(lambda ttl=ttl: run_ours(ttl))
            t = report.timings
            plain_s, agree = None, "-"
            if n <= args.max_pyshacl:
                plain_s, (graph, reader) = _time(lambda ttl=ttl: run_pyshacl(ttl))
                agree = "yes" if {r.key() for r in reader(graph)} == report.keys() else "NO"
            speed = f"{plain_s / ours_s:7.1f}x" if plain_s else "-"
            print(f"{n:>9} {len(report.table):>7} "
                  f"{gen_s + write_s:>8.1f}s "
                  f"{'' if import_s is None else f'{import_s:.1f}s':>8} {ours_s:>7.2f}s "
                  f"{t.get('load', 0):>6.2f}s {t.get('validate', 0) + t.get('compile', 0):>6.2f}s "
                  f"{t.get('locate', 0):>6.2f}s "
                  f"{'skipped' if plain_s is None else f'{plain_s:.1f}s':>9} {speed:>8}  {agree}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
