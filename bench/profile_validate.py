"""Where `cryonto validate` spends its time: load, each compiled constraint, locate, report.

Run: python bench/profile_validate.py DATA.ttl [--top 15]
     python bench/profile_validate.py --store DIR [--on-disk] [--top 15]

Prints wall and CPU seconds of each step (CPU time matters on a shared
machine: wall time there includes waiting for a core), one line per compiled
constraint (slowest first) with the number of results it returned, and the
floor: pyoxigraph bulk-loading the same file into an empty store. With
``--store`` the data comes from a store `cryonto load` wrote: "load" is then
opening it and reading it into memory as `validate --store` does (or, with
``--on-disk``, nothing: every step runs on the on-disk store; with ``--from-store``,
every graph is read out of the store even where its source file is unchanged).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return out


def floor(path: Path) -> tuple[float, float]:
    import pyoxigraph as ox

    clock = Clock()
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(path.resolve().as_uri()))
    return clock.lap()


def profile(path: Path | None, top: int, store_dir: Path | None = None,
            on_disk: bool = False, from_store: bool = False) -> None:
    from cryonto.rdf import GraphStore, NamedNode
    from cryonto.shacl.api import count_segments, load_shapes, profile_files
    from cryonto.shacl.compile import compile_shapes
    from cryonto.shacl.engine import run_compiled, store_subclasses
    from cryonto.shacl.locate import locate
    from cryonto.shacl.report import ValidationReport
    from cryonto.shacl.terms import node_id

    steps: list[tuple[str, float, float]] = []
    clock = Clock()
    store: GraphStore
    if store_dir is not None:
        from cryonto.shacl.api import unchanged_sources
        from cryonto.storage import open_store, stored_graphs

        disk = open_store(store_dir)
        store = disk if on_disk else disk.in_memory(
            {} if from_store else unchanged_sources(stored_graphs(disk)))
        name = f"store {store_dir}" + (" (on disk)" if on_disk else " (read into memory)")
        steps.append(("open store" + ("" if on_disk else " + read into memory"), *clock.lap()))
    else:
        assert path is not None
        store = GraphStore.with_ontology([path])
        name = path.name
        steps.append(("load (ontology + data)", *clock.lap()))
    shapes = load_shapes(profile_files("core"))
    compiled = compile_shapes(shapes, store_subclasses(store), on_disk=store.on_disk)
    steps.append(("compile shapes", *clock.lap()))
    per: list[tuple[float, float, int, str]] = []
    results = []
    for constraint in compiled.constraints:
        found = run_compiled(store, [constraint])
        wall, cpu = clock.lap()
        per.append((wall, cpu, len(found),
                    f"{node_id(constraint.shape).split('/')[-1]} "
                    f"{constraint.component.split('#')[-1].replace('ConstraintComponent', '')}"))
        results.extend(found)
    steps.append((f"run {len(per)} constraints", sum(p[0] for p in per), sum(p[1] for p in per)))
    segments = count_segments(store)
    nodes = [r.focus for r in results] + [r.value for r in results
                                           if isinstance(r.value, NamedNode)]
    locations = locate(store, nodes)
    steps.append(("count segments + locate results", *clock.lap()))
    report = ValidationReport("core", "fast", [name], results, segments, locations, [], {})
    report.to_text()
    steps.append(("text report", *clock.lap()))
    print(f"{name}: {len(results)} results")
    print(f"{'step':<40} {'wall':>8} {'cpu':>8}")
    for step, wall, cpu in steps:
        print(f"{step:<40} {wall:>7.2f}s {cpu:>7.2f}s")
    print(f"{'total':<40} {sum(s[1] for s in steps):>7.2f}s {sum(s[2] for s in steps):>7.2f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<40} {peak:>7.0f} MB")
    if path is not None:
        wall, cpu = floor(path)
        print(f"{'floor: pyoxigraph bulk_load of the file':<40} {wall:>7.2f}s {cpu:>7.2f}s")
    print(f"\nslowest constraints (of {len(per)}):")
    print(f"{'constraint':<58} {'results':>8} {'wall':>8} {'cpu':>8}")
    for wall, cpu, count, label in sorted(per, key=lambda p: -p[1])[:top]:
        print(f"{label:<58} {count:>8} {wall:>7.2f}s {cpu:>7.2f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="?")
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--on-disk", action="store_true")
    parser.add_argument("--from-store", action="store_true",
                        help="copy every graph out of the store, even where its source "
                             "file is unchanged")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if (args.data is None) == (args.store is None):
        parser.error("give DATA.ttl or --store DIR")
    with open("/proc/loadavg", encoding="ascii") as handle:
        print("load average:", " ".join(handle.read().split()[:3]))
    profile(args.data, args.top, args.store, args.on_disk, args.from_store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
