"""Issue 13 in one run: validate vs pySHACL (and pyshacl-turbo), import + validate vs the
floor, peak memory of every step, start-up on a store, every library query on a store.

Run: .venv/bin/python bench/bench_scale.py [--peers 10000,50000] [--floor 100000,300000]
                                           [--queries 100000] [--turbo PYTHON]

Data: the study shape of issue 13 (`bench/issue_shape.py`: ~60 segments per document,
English labels as codes, quotes, 20 % double-coded, no dates, so every segment draws a
warning), imported with `cryonto import csv`. Queries run on `cryonto generate`'s
default study (mapped study codes, orientations), loaded into a store.

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
             graph; verdicts compared as (focus, path, value, component, severity) sets.
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
        result = {{'results': len(report.results), 'timings': report.timings}}
    """)


def load_store(ttl: Path, db: Path) -> dict:
    return child(f"""
        from cryonto.storage import load
        load([{str(ttl)!r}], {str(db)!r})
    """)


def ours_store(db: Path) -> dict:
    return child(f"""
        from cryonto.shacl import validate_stored
        from cryonto.storage import open_store
        with open_store({str(db)!r}) as store:
            report = validate_stored(store, 'core')
            report.to_text()
        result = {{'results': len(report.results), 'timings': report.timings}}
    """)


_PEER = """
    import logging
    logging.getLogger('rdflib.term').setLevel(logging.ERROR)
    import rdflib
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


def peer(module: str, ttl: Path, out: Path, python: str = sys.executable) -> dict:
    from cryonto import resources
    from cryonto.shacl import profile_files

    body = f"import {module}\n" + textwrap.dedent(_PEER).format(
        ontology=[str(p) for p in resources.ontology_files()], ttl=str(ttl),
        shapes=[str(p) for p in profile_files("core")], module=module, out=str(out))
    return child(body, python=python)


def peer_keys(report_nt: Path) -> set[tuple]:
    import rdflib

    from cryonto.shacl.engine import results_from_report_graph

    graph = rdflib.Graph()
    graph.parse(report_nt, format="nt")
    return {r.key() for r in results_from_report_graph(graph)}


# -- tables ---------------------------------------------------------------------------

def fmt(step: dict | None) -> str:
    if step is None:
        return "–"
    return f"{step['wall']:.1f} s ({step['cpu']:.1f} cpu, {step['rss_mb']:.0f} MB)"


def peers_table(sizes: list[int], tmp: Path, turbo: str | None) -> None:
    print(f"\n## validate vs peers (issue shape, profile core); load average {loadavg()}\n")
    print("| segments | results | cryonto validate | plain pySHACL | pyshacl-turbo | "
          "vs pySHACL | vs turbo | same verdict |")
    print("|---:|---:|---|---|---|---:|---:|---|")
    for n in sizes:
        ttl = make_study(n, tmp)
        keys_file = tmp / f"keys{n}.json"
        mine = ours(ttl, keys_file)
        ours_keys = {tuple(k) for k in json.loads(keys_file.read_text())}
        rows = {}
        same = []
        for name, module, python in (("pyshacl", "pyshacl", sys.executable),
                                     ("turbo", "pyshacl_turbo", turbo)):
            if python is None:
                rows[name] = None
                continue
            out = tmp / f"{name}{n}.nt"
            try:
                rows[name] = peer(module, ttl, out, python)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"<!-- {name} failed at {n}: {str(error)[:300]} -->")
                rows[name] = None
                continue
            same.append(f"{name}: {'yes' if peer_keys(out) == ours_keys else 'NO'}")

        def ratio(other: dict | None, mine: dict = mine) -> str:
            return f"{other['wall'] / mine['wall']:.0f}×" if other else "–"

        print(f"| {n:,} | {mine['result']['results']:,} | {fmt(mine)} | {fmt(rows['pyshacl'])} "
              f"| {fmt(rows['turbo'])} | {ratio(rows['pyshacl'])} | {ratio(rows['turbo'])} | "
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


def queries_table(n: int, tmp: Path) -> None:
    db = tmp / f"gen{n}"
    ttl = tmp / f"gen{n}.ttl"
    child(f"""
        from cryonto.generate import generate_study, write_study
        write_study(generate_study({n}, seed=1), {str(ttl)!r})
        from cryonto.storage import load
        load([{str(ttl)!r}], {str(db)!r})
    """)
    small = tmp / "gen1000"
    child(f"""
        from cryonto.generate import generate_study, write_study
        write_study(generate_study(1000, seed=1), {str(small) + '.ttl'!r})
        from cryonto.storage import load
        load([{str(small) + '.ttl'!r}], {str(small)!r})
    """)
    print(f"\n## start-up on a store; load average {loadavg()}\n")
    print("| store | open_store | `cryonto query category-is-coded --store` (whole command) |")
    print("|---|---:|---:|")
    for label, folder in (("10^3 segments", small), (f"{n:,} segments", db)):
        opened = child(f"""
            from cryonto.storage import open_store
            t = time.perf_counter()
            store = open_store({str(folder)!r})
            result = time.perf_counter() - t
        """)
        command = child(f"""
            import subprocess
            subprocess.run([sys.executable, '-c', 'from cryonto.cli import main; main()',
                            'query', 'category-is-coded', '--store', {str(folder)!r}],
                           capture_output=True)
        """)
        print(f"| {label} | {opened['result'] * 1000:.0f} ms | {command['wall']:.2f} s |",
              flush=True)
    from cryonto.queries import list_queries

    timed, peak = [], 0.0
    for info in list_queries():
        try:
            step = child(f"""
                from cryonto.queries import run_query
                from cryonto.storage import open_store
                with open_store({str(db)!r}) as store:
                    t = time.perf_counter()
                    answer = run_query({info.name!r}, store=store)
                    size = len(answer.rows) if answer.kind == 'select' else (
                        len(answer.triples) if answer.kind == 'construct' else 1)
                    result = (time.perf_counter() - t, size)
            """, timeout=QUERY_TIMEOUT)
        except subprocess.TimeoutExpired:
            timed.append((info.name, None, None))
            continue
        peak = max(peak, step["rss_mb"])
        timed.append((info.name, *step["result"]))
    print(f"\n## library queries on a loaded store, {n:,} segments; "
          f"load average {loadavg()}\n")
    print("| query | seconds | rows |")
    print("|---|---:|---:|")
    for name, seconds, size in sorted(timed, key=lambda r: -(r[1] or 1e9)):
        shown = f"{seconds:.2f}" if seconds is not None else f"> {QUERY_TIMEOUT:.0f} (stopped)"
        print(f"| `{name}` | {shown} | {'–' if size is None else size} |")
    print(f"\npeak memory of a query process {peak:.0f} MB", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", default="10000,50000")
    parser.add_argument("--floor", default="100000,300000")
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--turbo", default=None, metavar="PYTHON",
                        help="a Python interpreter with pyshacl-turbo installed (default: this "
                             "one, if it has it; else the column stays empty)")
    parser.add_argument("--only", default="peers,floor,queries")
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
            queries_table(args.queries, tmp)
        if "peers" in only:
            peers_table(sizes(args.peers), tmp, args.turbo)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
