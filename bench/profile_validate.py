"""Where `cryonto validate` spends its time: load, each compiled constraint, locate, report.

Run: python bench/profile_validate.py DATA.ttl [--top 15]

Prints wall and CPU seconds of each step (CPU time matters on a shared
machine: wall time there includes waiting for a core), one line per compiled
constraint (slowest first) with the number of results it returned, and the
floor: pyoxigraph bulk-loading the same file into an empty store.
"""

from __future__ import annotations

import argparse
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


def profile(path: Path, top: int) -> None:
    from cryonto import resources
    from cryonto.rdf import GraphStore, NamedNode
    from cryonto.shacl.api import load_shapes, profile_files
    from cryonto.shacl.compile import compile_shapes
    from cryonto.shacl.engine import run_compiled, store_subclasses
    from cryonto.shacl.locate import locate
    from cryonto.shacl.report import ValidationReport
    from cryonto.shacl.terms import node_id

    steps: list[tuple[str, float, float]] = []
    clock = Clock()
    store = GraphStore.with_ontology([path])
    steps.append(("load (ontology + data)", *clock.lap()))
    shapes = load_shapes(profile_files("core"))
    compiled = compile_shapes(shapes, store_subclasses(store))
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
    store.select(resources.sparql("shacl/count-segments"))
    nodes = [r.focus for r in results] + [r.value for r in results
                                           if isinstance(r.value, NamedNode)]
    locations = locate(store, nodes)
    steps.append(("locate results", *clock.lap()))
    report = ValidationReport("core", "fast", [str(path)], results, 0, locations, [], {})
    report.to_text()
    steps.append(("text report", *clock.lap()))
    print(f"{path.name}: {len(results)} results")
    print(f"{'step':<40} {'wall':>8} {'cpu':>8}")
    for name, wall, cpu in steps:
        print(f"{name:<40} {wall:>7.2f}s {cpu:>7.2f}s")
    total = sum(s[1] for s in steps if not s[0].startswith("run ")) + steps[2][1]
    total_cpu = sum(s[2] for s in steps)
    print(f"{'total':<40} {total:>7.2f}s {total_cpu:>7.2f}s")
    wall, cpu = floor(path)
    print(f"{'floor: pyoxigraph bulk_load of the file':<40} {wall:>7.2f}s {cpu:>7.2f}s")
    print(f"\nslowest constraints (of {len(per)}):")
    print(f"{'constraint':<58} {'results':>8} {'wall':>8} {'cpu':>8}")
    for wall, cpu, count, name in sorted(per, reverse=True)[:top]:
        print(f"{name:<58} {count:>8} {wall:>7.2f}s {cpu:>7.2f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    with open("/proc/loadavg", encoding="ascii") as handle:
        print("load average:", " ".join(handle.read().split()[:3]))
    profile(args.data, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
