"""Issue 13 in one run: validate vs pySHACL (and pyshacl-turbo), import + validate vs the
floor, peak memory of every step, start-up on a store, every library query on a store.

Run: .venv/bin/python bench/bench_scale.py [--peers 10000,50000] [--floor 100000,300000]
                                           [--queries 100000,300000] [--keep DIR]
                                           [--turbo PYTHON]

Data: the study shape of issue 13 (`bench/issue_shape.py`: ~60 segments per document,
English labels as codes, quotes, 20 % double-coded, no dates, so every segment draws a
warning), imported with `cryonto import csv`. Queries run on `cryonto generate`'s
default study (mapped study codes, orientations), loaded into a store (with its derived
graph, so the counting queries read their store variants: docs/queries.md).

Every step runs in its own child process, which reports its wall time, CPU time and
peak resident memory (``ru_maxrss``); ratios are taken within this run. The load
average is printed with every table: on a shared machine wall times include waiting for
a core, so CPU seconds are shown too.

* floor      pyoxigraph ``Store().bulk_load`` of the Turtle the import wrote;
* import     ``cryonto import csv`` (read, resolve, write Turtle, re-count);
* validate   ``cryonto validate FILE`` (load ontology + data, compiled shapes, locate, text);
* load       ``cryonto load FILE --store DIR``; ``validate --store`` validates the store;
* pySHACL    plain pySHACL (rdflib parse of ontology + data, ``pyshacl.validate``);
* turbo      pyshacl-turbo (``--turbo`` names a Python that has it) on the same rdflib
             graph, and again on a pyoxigraph store holding the same files (the set-up in
             which issue 13 measured it, its fastest); verdicts compared as (focus, path,
             value, component, severity) sets.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

#: run in the child: execute BODY (which sets `result`), then report timings as JSON
_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
_wall, _cpu = time.perf_counter(), time.process_time()
result = None
{body}
print("@@" + json.dumps({{"wall": time.perf_counter() - _wall,
                         "cpu": time.process_time() - _cpu,
                         "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                         "result": result}}))
"""


def child(body: str, python: str = sys.executable, timeout: float = 7200) -> dict:
    code = _CHILD.format(src=str(ROOT / "src"), body=textwrap.dedent(body))
    done = subprocess.run([python, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    for line in done.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    raise RuntimeError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")


#: a library query still running after this many seconds is stopped and reported as such
QUERY_TIMEOUT = 120.0


def loadavg() -> str:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def make_study(n: int, tmp: Path) -> Path:
    """The issue's shape, imported: the Turtle file (CSV and import not timed here)."""
    from issue_shape import write_issue_csv

    csv_path, ttl = tmp / f"issue{n}.csv", tmp / f"issue{n}.ttl"
    if not ttl.exists():
        write_issue_csv(csv_path, n)
        child(f"from cryonto.importing import import_to_turtle\n"
              f"import_to_turtle('csv', {str(csv_path)!r}, {str(ttl)!r}, study='issue')")
    return ttl


# -- the steps (each a child) ---------------------------------------------------------

def floor(ttl: Path) -> dict:
    return child(f"""
        import pyoxigraph as ox
        ox.Store().bulk_load(path={str(ttl)!r}, format=ox.RdfFormat.TURTLE)
    """)


def import_csv(csv_path: Path, out: Path) -> dict:
    return child(f"""
        from cryonto.importing import import_to_turtle
        import_to_turtle('csv', {str(csv_path)!r}, {str(out)!r}, study='issue')
    """)


def ours(ttl: Path, keys: Path | None = None) -> dict:
    return child(f"""
        from cryonto.shacl import validate
        report = validate([{str(ttl)!r}], 'core')
        report.to_text()
        keys = sorted(map(list, report.keys()))
        if {str(keys) if keys else ''!r}:
            open({str(keys)!r}, 'w').write(json.dumps(keys))
        result = {{'results': len(report.table), 'timings': report.timings}}
    """)


def load_store(ttl: Path, db: Path) -> dict:
    return child(f"""
        from cryonto.storage import load
        load([{str(ttl)!r}], {str(db)!r})
    """)


def ours_store(db: Path, in_memory: bool | None = None) -> dict:
    """`validate --store` (`in_memory`: None lets the store's size decide, as the CLI does)."""
    return child(f"""
        from cryonto.shacl import validate_stored
        from cryonto.storage import open_store
        with open_store({str(db)!r}) as store:
            report = validate_stored(store, 'core', in_memory={in_memory!r})
            report.to_text()
        result = {{'results': len(report.table), 'timings': report.timings}}
    """)


_PEER = """
    import logging
    logging.getLogger('rdflib.term').setLevel(logging.ERROR)
    import rdflib
    if {on_store!r}:
        import pyoxigraph as ox
        graph = ox.Store()
        for f in [*{ontology!r}, {ttl!r}]:
            graph.bulk_load(path=f, format=ox.RdfFormat.TURTLE)
    else:
        graph = rdflib.Graph()
        for f in {ontology!r}:
            graph.parse(f, format='turtle')
        graph.parse({ttl!r}, format='turtle')
    shapes = rdflib.Graph()
    for f in {shapes!r}:
        shapes.parse(f, format='turtle')
    t0 = time.process_time()
    conforms, report, _ = {module}.validate(graph, shacl_graph=shapes, inference='none',
                                            allow_warnings=True)
    report.serialize({out!r}, format='nt')
    result = {{'validate_cpu': time.process_time() - t0, 'conforms': bool(conforms)}}
"""


def peer(module: str, ttl: Path, out: Path, python: str = sys.executable,
         on_store: bool = False) -> dict:
    """A peer validator; `on_store` hands it a pyoxigraph store instead of an rdflib graph."""
    from cryonto import resources
    from cryonto.shacl import profile_files

    body = f"import {module}\n" + textwrap.dedent(_PEER).format(
        ontology=[str(p) for p in resources.ontology_files()], ttl=str(ttl),
        shapes=[str(p) for p in profile_files("core")], module=module, out=str(out),
        on_store=on_store)
    return child(body, python=python)


def peer_keys(report_nt: Path) -> set[tuple]:
    import rdflib

    from cryonto.shacl.engine import results_from_report_graph

    graph = rdflib.Graph()
    graph.parse(report_nt, format="nt")
    return {r.key() for r in results_from_report_graph(graph)}


#: the peer columns; `--peer-columns` picks some
PEERS = ("pyshacl", "turbo", "turbo-store")


# -- tables ---------------------------------------------------------------------------

def fmt(step: dict | None) -> str:
    if step is None:
        return "–"
    return f"{step['wall']:.1f} s ({step['cpu']:.1f} cpu, {step['rss_mb']:.0f} MB)"


def peers_table(sizes: list[int], tmp: Path, turbo: str | None,
                wanted: tuple[str, ...] = PEERS) -> None:
    print(f"\n## validate vs peers (issue shape, profile core); load average {loadavg()}\n")
    print("| segments | results | cryonto validate | plain pySHACL | pyshacl-turbo (rdflib graph) "
          "| pyshacl-turbo (pyoxigraph store) | vs pySHACL | vs turbo | vs turbo on a store "
          "| same verdict |")
    print("|---:|---:|---|---|---|---|---:|---:|---:|---|")
    for n in sizes:
        ttl = make_study(n, tmp)
        keys_file = tmp / f"keys{n}.json"
        mine = ours(ttl, keys_file)
        ours_keys = {tuple(k) for k in json.loads(keys_file.read_text())}
        rows = {}
        same = []
        for name, module, python, on_store in (
                ("pyshacl", "pyshacl", sys.executable, False),
                ("turbo", "pyshacl_turbo", turbo, False),
                ("turbo-store", "pyshacl_turbo", turbo, True)):
            if python is None or name not in wanted:
                rows[name] = None
                continue
            out = tmp / f"{name}{n}.nt"
            try:
                rows[name] = peer(module, ttl, out, python, on_store)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"<!-- {name} failed at {n}: {str(error)[:300]} -->")
                rows[name] = None
                continue
            same.append(f"{name}: {'yes' if peer_keys(out) == ours_keys else 'NO'}")

        def ratio(other: dict | None, mine: dict = mine) -> str:
            return f"{other['wall'] / mine['wall']:.0f}×" if other else "–"

        print(f"| {n:,} | {mine['result']['results']:,} | {fmt(mine)} | {fmt(rows['pyshacl'])} "
              f"| {fmt(rows['turbo'])} | {fmt(rows['turbo-store'])} | {ratio(rows['pyshacl'])} "
              f"| {ratio(rows['turbo'])} | {ratio(rows['turbo-store'])} | "
              f"{'; '.join(same) or '–'} |", flush=True)


def floor_table(sizes: list[int], tmp: Path) -> None:
    from issue_shape import write_issue_csv

    print(f"\n## import + validate vs the floor (issue shape); load average {loadavg()}\n")
    print("| segments | floor: bulk_load | import csv | validate FILE | import + validate "
          "/ floor | load --store | validate --store |")
    print("|---:|---|---|---|---:|---|---|")
    for n in sizes:
        csv_path, ttl = tmp / f"issue{n}.csv", tmp / f"issue{n}.ttl"
        if not csv_path.exists():
            write_issue_csv(csv_path, n)
        imported = import_csv(csv_path, ttl)
        low = floor(ttl)
        mine = ours(ttl)
        db = tmp / f"db{n}"
        stored = load_store(ttl, db)
        checked = ours_store(db)
        ratio = (imported["wall"] + mine["wall"]) / low["wall"]
        ratio_cpu = (imported["cpu"] + mine["cpu"]) / low["cpu"]
        print(f"| {n:,} | {fmt(low)} | {fmt(imported)} | {fmt(mine)} | {ratio:.1f}× "
              f"({ratio_cpu:.1f}× cpu) | {fmt(stored)} | {fmt(checked)} |", flush=True)


def query_store(n: int, folder: Path) -> Path:
    """A loaded store of `cryonto generate`'s default study (reused when `folder` has it)."""
    db, ttl = folder / f"gen{n}", folder / f"gen{n}.ttl"
    child(f"""
        from pathlib import Path
        from cryonto.generate import generate_study, write_study
        if not Path({str(ttl)!r}).exists():
            write_study(generate_study({n}, seed=1), {str(ttl)!r})
        from cryonto.storage import load
        load([{str(ttl)!r}], {str(db)!r})  # a no-op when loaded before (derived graph kept)
    """)
    return db


def time_queries(db: Path) -> dict[str, tuple[float | None, float | None, int | None]]:
    """Per library query: whole `run_query` (guard, binding, isolated run), evaluation, rows."""
    from cryonto.queries import list_queries

    timed: dict[str, tuple[float | None, float | None, int | None]] = {}
    for info in list_queries():
        try:
            step = child(f"""
                from cryonto.queries import derived_variant, prepare, run_on_store, run_query
                from cryonto.storage import open_store
                with open_store({str(db)!r}) as store:
                    run_query('category-is-coded', store=store)  # imports, category system
                    t = time.perf_counter()
                    answer = run_query({info.name!r}, store=store)
                    whole = time.perf_counter() - t
                    _, text, form = prepare(derived_variant({info.name!r}, store), {{}},
                                            allowed_graphs=set(store.graphs()))
                    t = time.perf_counter()
                    run_on_store(store, text, form, isolated=False)
                    result = (whole, time.perf_counter() - t, len(answer))
            """, timeout=QUERY_TIMEOUT)
        except subprocess.TimeoutExpired:
            timed[info.name] = (None, None, None)
            continue
        timed[info.name] = tuple(step["result"])  # type: ignore[assignment]
    return timed


def queries_table(sizes: list[int], tmp: Path, keep: Path | None = None) -> None:
    folder = keep or tmp
    folder.mkdir(parents=True, exist_ok=True)
    small = query_store(1000, folder)
    stores = {n: query_store(n, folder) for n in sizes}
    print(f"\n## start-up on a store; load average {loadavg()}\n")
    print("| store | open_store | `cryonto query category-is-coded --store` (whole command) |")
    print("|---|---:|---:|")
    labelled = [("10^3 segments", small), *((f"{n:,} segments", d) for n, d in stores.items())]
    for label, db in labelled:
        opened = child(f"""
            from cryonto.storage import open_store
            t = time.perf_counter()
            store = open_store({str(db)!r})
            result = time.perf_counter() - t
        """)
        command = child(f"""
            import subprocess
            subprocess.run([sys.executable, '-c', 'from cryonto.cli import main; main()',
                            'query', 'category-is-coded', '--store', {str(db)!r}],
                           capture_output=True)
        """)
        print(f"| {label} | {opened['result'] * 1000:.0f} ms | {command['wall']:.2f} s |",
              flush=True)
    tables = {n: time_queries(db) for n, db in stores.items()}
    print(f"\n## library queries on a loaded store; load average {loadavg()}\n")
    print("seconds = the whole `run_query` (guard parse, binding, evaluation in the sandboxed "
          "child) in a process that has run one query before (imports and the category system "
          "loaded: the start-up table shows a whole command); eval = the evaluation alone, "
          "in process\n")
    print("| query | " + " | ".join(f"{n:,}: seconds (eval) | rows" for n in sizes) + " |")
    print("|---|" + "---:|---:|" * len(sizes))
    last = tables[sizes[-1]]
    for name in sorted(last, key=lambda q: -(last[q][0] or 1e9)):
        cells = []
        for n in sizes:
            whole, evaluation, rows = tables[n][name]
            cells.append(f"> {QUERY_TIMEOUT:.0f} (stopped) | –" if whole is None else
                         f"{whole:.2f} ({evaluation:.2f}) | {rows}")
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", default="10000,50000")
    parser.add_argument("--floor", default="100000,300000")
    parser.add_argument("--queries", default="100000,300000")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the generated query stores in DIR and reuse them")
    parser.add_argument("--turbo", default=None, metavar="PYTHON",
                        help="a Python interpreter with pyshacl-turbo installed (default: this "
                             "one, if it has it; else the column stays empty)")
    parser.add_argument("--only", default="peers,floor,queries")
    parser.add_argument("--peer-columns", default=",".join(PEERS),
                        help="which peers to run (pyshacl, turbo, turbo-store)")
    args = parser.parse_args(argv)
    if args.turbo is None:
        import importlib.util

        if importlib.util.find_spec("pyshacl_turbo") is not None:
            args.turbo = sys.executable
    sizes = lambda text: [int(s) for s in text.split(",") if s]  # noqa: E731
    print(f"bench_scale: {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}; "
          f"load average {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="cryonto-scale-") as name:
        tmp = Path(name)
        only = args.only.split(",")
        if "floor" in only:
            floor_table(sizes(args.floor), tmp)
        if "queries" in only:
            queries_table(sizes(args.queries), tmp, args.keep)
        if "peers" in only:
            peers_table(sizes(args.peers), tmp, args.turbo,
                        tuple(args.peer_columns.split(",")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
