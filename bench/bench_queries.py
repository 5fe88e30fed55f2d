"""Every query of the library on generated studies, embedded store beside rdflib's SPARQL engine.

Run: .venv/bin/python bench/bench_queries.py [--sizes 10000,100000] [--max 1000000]
                                             [--rdflib-max 100000] [--rdflib-timeout 120]
                                             [--repeat 3] [--json FILE]

For each size a synthetic study is generated (`cryonto generate`, seed 1, one transcript per
150 segments) into bench/out/queries-N.ttl (reused when present). The same file is then

* loaded into the embedded default (`GraphStore.with_ontology`, pyoxigraph) and every library
  query runs with its default parameters, bound and checked exactly as `cryonto query` does;
  the time is the best of --repeat runs (wall clock, including reading all rows into Python);
* parsed into an rdflib Dataset (ontology and data in named graphs, default graph = union)
  and the same bound texts run on rdflib's own SPARQL engine, each in a forked child that is
  stopped after --rdflib-timeout seconds (shown as ">N"). rdflib is skipped above
  --rdflib-max segments.

"rows" is the embedded row count; a "!" marks an rdflib row count that differs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def generated(segments: int) -> Path:
    path = OUT / f"queries-{segments}.ttl"
    if not path.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        cli = Path(sys.executable).parent / "cryonto"
        subprocess.run([str(cli), "generate", "--segments", str(segments), "--seed", "1",
                        "-o", str(path)], check=True)
    return path


def prepared_queries(store) -> list[tuple[str, str, str]]:
    from cryonto.queries import list_queries, prepare

    allowed = set(store.graphs())
    out = []
    for info in list_queries():
        _, text, form = prepare(info.name, {}, allowed_graphs=allowed)
        out.append((info.name, text, form))
    return out


def time_embedded(store, text: str, form: str, repeat: int) -> tuple[float, int]:
    from cryonto.queries import run_on_store

    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = run_on_store(store, text, form)
        if result.kind == "select":
            result.values()  # the rows as Python values, as the CLI needs them
        best = min(best, time.perf_counter() - start)
        rows = len(result)
    return best, rows


_RDFLIB_DATASET = None  # set in the parent before forking, shared copy-on-write


def _rdflib_child(text: str, pipe) -> None:
    try:
        start = time.perf_counter()
        result = _RDFLIB_DATASET.query(text)
        if result.type == "ASK":
            rows = 1
        elif result.type in ("CONSTRUCT", "DESCRIBE"):
            rows = len(result.graph)
        else:
            rows = sum(1 for _ in result)
        pipe.send((time.perf_counter() - start, rows, None))
    except Exception as error:  # report, never hang
        pipe.send((None, None, f"{type(error).__name__}: {str(error)[:80]}"))


def load_rdflib(path: Path):
    import rdflib

    from cryonto import resources
    from cryonto.vocab import ONTOLOGY_GRAPH

    dataset = rdflib.Dataset(default_union=True)
    for ontology in resources.ontology_files():
        dataset.graph(rdflib.URIRef(str(ONTOLOGY_GRAPH))).parse(ontology, format="turtle")
    dataset.graph(rdflib.URIRef(path.resolve().as_uri())).parse(path, format="turtle")
    return dataset


def time_rdflib(text: str, timeout: float) -> tuple[float | None, int | None, str | None]:
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_rdflib_child, args=(text, child))
    process.start()
    child.close()
    if parent.poll(timeout):
        outcome = parent.recv()
        process.join(10)
        return outcome
    process.kill()
    process.join(10)
    return None, None, f">{timeout:g}"


def main(argv: list[str] | None = None) -> int:
    global _RDFLIB_DATASET
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--max", type=int, default=100_000,
                        help="largest size to run; 1000000 adds 10^6")
    parser.add_argument("--rdflib-max", type=int, default=100_000,
                        help="skip rdflib above this many segments")
    parser.add_argument("--rdflib-timeout", type=float, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args(argv)

    from cryonto.rdf import GraphStore

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.max >= 1_000_000 and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    sizes = [s for s in sizes if s <= args.max]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()}")
    records = []
    for size in sizes:
        path = generated(size)
        start = time.perf_counter()
        store = GraphStore.with_ontology([path])
        load = time.perf_counter() - start
        queries = prepared_queries(store)
        with_rdflib = size <= args.rdflib_max
        rdflib_load = None
        if with_rdflib:
            start = time.perf_counter()
            _RDFLIB_DATASET = load_rdflib(path)
            rdflib_load = time.perf_counter() - start
        print(f"\n## {size} segments: {len(store)} quads; load embedded {load:.1f} s"
              + (f", rdflib {rdflib_load:.1f} s" if rdflib_load is not None else
                 ", rdflib skipped"))
        print(f"{'query':34} {'embedded s':>10} {'rows':>7} {'rdflib s':>10} {'rows':>7}")
        for name, text, form in queries:
            seconds, rows = time_embedded(store, text, form, args.repeat)
            r_seconds = r_rows = r_note = None
            if with_rdflib:
                r_seconds, r_rows, r_note = time_rdflib(text, args.rdflib_timeout)
            if not with_rdflib:
                shown = "-"
            elif r_seconds is not None:
                shown = f"{r_seconds:.3f}"
            elif r_note and r_note.startswith(">"):
                shown = r_note
            else:
                shown = "error"
            mark = "!" if r_rows is not None and r_rows != rows else " "
            print(f"{name:34} {seconds:10.3f} {rows:7d} {shown:>10} "
                  f"{(r_rows if r_rows is not None else ''):>6}{mark}")
            if r_note and not r_note.startswith(">"):
                print(f"    rdflib: {r_note}")
            records.append({"segments": size, "query": name, "embedded_s": round(seconds, 4),
                            "rows": rows, "rdflib_s": None if r_seconds is None
                            else round(r_seconds, 4), "rdflib_rows": r_rows,
                            "rdflib_note": r_note})
        slowest = max((r for r in records if r["segments"] == size),
                      key=lambda r: r["embedded_s"])
        print(f"slowest embedded: {slowest['query']} {slowest['embedded_s']:.3f} s")
        _RDFLIB_DATASET = None
        del store
    if args.json:
        args.json.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
