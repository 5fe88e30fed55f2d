"""Why `segments-for-category` misses 1 s on a store: the same text on disk and in memory.

Run: .venv/bin/python bench/bench_listing.py [--sizes 100000,300000] [--keep DIR]

The listing returns every passage of a category (18,330 rows for A3.2.2 at 3×10^5
segments), each with its transcript, offsets, quote and coder. Its evaluation is a chain of
index look-ups per row. This bench runs the library text, in one run, on the same data held
three ways, each in its own child process (CPU seconds of the evaluation alone, best of
three, after one warm-up run):

* on disk     the store `cryonto load` wrote (pyoxigraph on RocksDB), as `query --store` reads it;
* optimized   a copy of that store after pyoxigraph's ``Store.optimize()`` (a full compaction);
* in memory   the same files in pyoxigraph's in-memory store, as `query --data` reads them
              (the load is timed apart: it is paid on every command).

It checks that the three answers are the same rows in the same order. Data: `cryonto
generate`'s default study, as in bench_scale's query table (``--keep`` reuses its stores).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import child, loadavg, query_store  # noqa: E402

QUERY = "segments-for-category"

#: in the child: `store` is open; time the evaluation of the library text, in process
_EVALUATE = """
    import hashlib
    from cryonto.queries import prepare, run_on_store
    _, text, form = prepare({query!r}, {{}}, allowed_graphs=set(store.graphs()))
    run_on_store(store, text, form, isolated=False)  # warm-up: caches, category system
    best = None
    for _ in range(3):
        t = time.process_time()
        answer = run_on_store(store, text, form, isolated=False)
        spent = time.process_time() - t
        best = spent if best is None else min(best, spent)
    rows = [tuple(str(v) for v in row) for row in answer.rows]
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    result = {{"eval_cpu": best, "rows": len(rows), "digest": digest, **extra}}
"""


def on_disk(db: Path) -> dict:
    return child(f"""
        from cryonto.storage import open_store
        extra = {{}}
        with open_store({str(db)!r}) as store:
{_indent(_EVALUATE.format(query=QUERY), 12)}
    """)["result"]


def optimized(db: Path, tmp: Path) -> dict:
    copy = tmp / (db.name + "-optimized")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(db, copy)
    done = child(f"""
        import pyoxigraph
        t = time.process_time()
        engine = pyoxigraph.Store({str(copy)!r})
        engine.optimize()
        engine.flush()
        del engine
        extra = {{"optimize_cpu": time.process_time() - t}}
        from cryonto.storage import open_store
        with open_store({str(copy)!r}) as store:
{_indent(_EVALUATE.format(query=QUERY), 12)}
    """)["result"]
    shutil.rmtree(copy, ignore_errors=True)
    return done


def in_memory(ttl: Path) -> dict:
    return child(f"""
        from cryonto.rdf import GraphStore
        t = time.process_time()
        store = GraphStore.with_ontology([{str(ttl)!r}])
        extra = {{"load_cpu": time.process_time() - t}}
{_indent(_EVALUATE.format(query=QUERY), 8)}
    """)["result"]


def _indent(body: str, spaces: int) -> str:
    import textwrap

    return textwrap.indent(textwrap.dedent(body), " " * spaces)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the generated stores in DIR and reuse them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cryonto-listing-") as name:
        tmp = Path(name)
        folder = args.keep or tmp
        folder.mkdir(parents=True, exist_ok=True)
        print(f"\n## `{QUERY}`: the same text on disk and in memory; "
              f"load average {loadavg()}\n")
        print("| segments | rows | on disk: eval CPU s | optimized: eval CPU s (optimize) "
              "| in memory: eval CPU s (load) | disk / memory | same rows |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for n in (int(s) for s in args.sizes.split(",") if s):
            db = query_store(n, folder)
            ttl = folder / f"gen{n}.ttl"
            disk, compacted, memory = on_disk(db), optimized(db, tmp), in_memory(ttl)
            same = len({disk["digest"], compacted["digest"], memory["digest"]}) == 1
            print(f"| {n:,} | {disk['rows']:,} | {disk['eval_cpu']:.2f} "
                  f"| {compacted['eval_cpu']:.2f} ({compacted['optimize_cpu']:.0f} s) "
                  f"| {memory['eval_cpu']:.2f} ({memory['load_cpu']:.0f} s) "
                  f"| {disk['eval_cpu'] / memory['eval_cpu']:.1f}× "
                  f"| {'yes' if same else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
