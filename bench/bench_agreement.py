"""`cryonto agreement` at 10^5 segments: seconds per level, against reading the codings.

Run: PYTHONPATH=src .venv/bin/python bench/bench_agreement.py [--sizes 100000] [--bootstrap 1000]

Two parts, each timed in the same run as its baseline (wall clock, best of --repeat):

1. The full path. A synthetic study (`cryonto.generate`, seed 1, three coders) is written to
   bench/out/agreement-N.ttl (reused when present) and parsed once into a store with the
   ontology. Baseline: reading the codings out of that store (`reliability.units.load`: the
   SPARQL queries and their rows in Python), which every run of `agreement` does first; it is
   timed again in every row, next to the stages after it (building the units, computing the
   coefficients), and "ratio" is their time over that row's read. The
   generator gives each segment one coder at random, so almost every unit disagrees: the
   figures are meaningless, and the disagreement listing is as long as it can be.
2. The level builders alone, on in-memory codings where the two coders agree: coder B
   re-codes each of A's N/2 segments with start and end moved by up to 5 characters (one in
   ten with another category), so the overlap join finds a partner for nearly every unit.
   Baseline: building the `Selection` (the step before the level).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

from cryonto.generate import generate_study, write_study  # noqa: E402
from cryonto.rdf import GraphStore  # noqa: E402
from cryonto.reliability import agreement, paused_gc  # noqa: E402
from cryonto.reliability.bootstrap import figures  # noqa: E402
from cryonto.reliability.levels import (  # noqa: E402
    document_level,
    segment_level,
    unitized_level,
)
from cryonto.reliability.units import (  # noqa: E402
    Coding,
    Codings,
    choose_coders,
    load,
    select,
)

LEVELS = ("document", "segment", "unitized")


def generated(segments: int) -> Path:
    path = OUT / f"agreement-{segments}.ttl"
    if not path.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        write_study(generate_study(segments, coders=3, seed=1), path)
    return path


def best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    fastest, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


def stages(store: GraphStore, level: str, replicates: int) -> tuple[float, float, float, int,
                                                                     int]:
    """What `agreement()` does, timed per stage: read the codings, build the units (select +
    level), compute the coefficients (overall and per category, with the bootstrap)."""
    with paused_gc():  # as agreement() does
        t0 = time.perf_counter()
        data = load(store)
        t1 = time.perf_counter()
        selection = select(data, choose_coders(data, None), False)
        built = {"document": lambda: document_level(selection),
                 "segment": lambda: segment_level(selection, data, 0.9),
                 "unitized": lambda: unitized_level(selection, data)}[level]()
        t2 = time.perf_counter()
    seeds = np.random.SeedSequence(1).spawn(len(built.categories) + 1)
    overall = figures(built.overall, replicates, np.random.default_rng(seeds[0]))
    for i, table in enumerate(built.categories.values()):
        figures(table, replicates, np.random.default_rng(seeds[i + 1]))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, overall.units, len(built.disagreements)


def full_path(size: int, replicates: int, repeat: int) -> None:
    path = generated(size)
    start = time.perf_counter()
    store = GraphStore.with_ontology([path])
    print(f"\n{size} segments: parsing {path.name} with the ontology took "
          f"{time.perf_counter() - start:.1f} s (once; `cryonto load --store` does it once "
          "for all later runs)")
    print("per run: read = the codings out of the store (baseline), units = select + level, "
          "coeff = all coefficients; ratio = (units + coeff) / read")
    print(f"{'level':>9} {'bootstrap':>9} {'units':>10} {'disagree':>9} {'read':>7} "
          f"{'units':>7} {'coeff':>7} {'total':>7} {'ratio':>6}")
    for level in LEVELS:
        for b in (0, replicates):
            runs = [stages(store, level, b) for _ in range(repeat)]
            read, build, coefficients, units, disagree = min(runs, key=lambda r: sum(r[:3]))
            print(f"{level:>9} {b:>9} {units:>10} {disagree:>9} {read:>7.2f} {build:>7.2f} "
                  f"{coefficients:>7.2f} {read + build + coefficients:>7.2f} "
                  f"{(build + coefficients) / read:>6.2f}", flush=True)
    seconds, _ = best(lambda: agreement(store, level="segment", bootstrap=replicates,
                                             seed=1), 1)
    print(f"end to end, agreement(store, level='segment', bootstrap={replicates}): "
          f"{seconds:.2f} s")


def agreeing(size: int, seed: int = 1) -> Codings:
    """Coder A's `size/2` segments end to end over 150-segment transcripts; B re-codes each."""
    rng = np.random.default_rng(seed)
    half = size // 2
    categories = [f"https://example.org/k{i}" for i in range(25)]
    lengths = rng.integers(20, 400, half)
    document = np.arange(half) // 150
    start = np.zeros(half, dtype=np.int64)
    for d in np.unique(document):  # segments end to end within each transcript
        mine = document == d
        start[mine] = np.cumsum(lengths[mine] + 10) - lengths[mine]
    category = rng.integers(0, 25, half)
    other = np.where(rng.random(half) < 0.1, rng.integers(0, 25, half), category)
    b_start = np.maximum(start + rng.integers(-5, 6, half), 0)
    b_end = np.maximum(start + lengths + rng.integers(-5, 6, half), b_start + 1)
    codings = [Coding(f"d{d}", f"a{i}", "A", s, s + n, categories[k]) for i, (d, s, n, k)
               in enumerate(zip(document.tolist(), start.tolist(), lengths.tolist(),
                                category.tolist(), strict=True))]
    codings += [Coding(f"d{d}", f"b{i}", "B", s, e, categories[k]) for i, (d, s, e, k)
                in enumerate(zip(document.tolist(), b_start.tolist(), b_end.tolist(),
                                 other.tolist(), strict=True))]
    documents = {f"d{d}": {"title": f"d{d}", "length": None, "text": None}
                 for d in np.unique(document).tolist()}
    return Codings(["study"], codings, documents, {"A": "A", "B": "B"},
                   {k: (k, k) for k in categories}, {k: {k} for k in categories})


def levels_alone(size: int, repeat: int) -> None:
    data = agreeing(size)
    with paused_gc():
        base, selection = best(lambda: select(data, ["A", "B"], False), repeat)
    print(f"\n{size} segments, two agreeing coders, level builders alone; baseline "
          f"(building the selection): {base:.2f} s")
    print(f"{'level':>9} {'units':>10} {'disagree':>9} {'seconds':>8} {'x select':>8}")
    builders = {"document": lambda: document_level(selection),  # type: ignore[arg-type]
                "segment": lambda: segment_level(selection, data, 0.9),  # type: ignore[arg-type]
                "unitized": lambda: unitized_level(selection, data)}  # type: ignore[arg-type]
    for level, build in builders.items():
        with paused_gc():  # as agreement() does
            seconds, built = best(build, repeat)
        units = int(built.overall.weights.sum())  # type: ignore[attr-defined]
        print(f"{level:>9} {units:>10} {len(built.disagreements):>9} "  # type: ignore[attr-defined]
              f"{seconds:>8.2f} {seconds / base:>8.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        levels_alone(size, args.repeat)
        full_path(size, args.bootstrap, args.repeat)


if __name__ == "__main__":
    main()
