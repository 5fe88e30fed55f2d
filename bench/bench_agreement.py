"""`cryonto agreement` at 10^5 segments: seconds per level, against reading the codings.

Run: PYTHONPATH=src .venv/bin/python bench/bench_agreement.py [--sizes 100000] [--bootstrap 1000]

Two parts, each timed in the same run as its baseline (wall clock, best of --repeat):

1. The full path. A synthetic study (`cryonto.generate`, seed 1, three coders) is written to
   bench/out/agreement-N.ttl (reused when present) and parsed once into a store with the
   ontology. Baseline: reading the codings out of that store (`reliability.units.load`: the
   SPARQL queries and their rows in Python), which every run of `agreement` does first. Then
   `agreement(store, level, bootstrap)` per level; "x read" is its time over the baseline. The
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
from cryonto.reliability import agreement  # noqa: E402
from cryonto.reliability.levels import (  # noqa: E402
    document_level,
    segment_level,
    unitized_level,
)
from cryonto.reliability.units import Coding, Codings, load, select  # noqa: E402

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


def full_path(size: int, replicates: int, repeat: int) -> None:
    path = generated(size)
    start = time.perf_counter()
    store = GraphStore.with_ontology([path])
    print(f"\n{size} segments: parsing {path.name} with the ontology took "
          f"{time.perf_counter() - start:.1f} s (once; `cryonto load --store` does it once "
          "for all later runs)")
    read, data = best(lambda: load(store), repeat)
    print(f"baseline, reading the codings out of the store: {read:.2f} s "
          f"({len(data.codings)} codings)")  # type: ignore[attr-defined]
    print(f"{'level':>9} {'bootstrap':>9} {'units':>10} {'disagree':>9} {'seconds':>8} "
          f"{'x read':>7}")
    for level in LEVELS:
        for b in (0, replicates):
            seconds, result = best(
                lambda level=level, b=b: agreement(store, level=level, bootstrap=b, seed=1),
                repeat)
            print(f"{level:>9} {b:>9} {result.overall.units:>10} "  # type: ignore[attr-defined]
                  f"{len(result.disagreements):>9} {seconds:>8.2f} "  # type: ignore[attr-defined]
                  f"{seconds / read:>7.2f}", flush=True)


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
    base, selection = best(lambda: select(data, ["A", "B"], False), repeat)
    print(f"\n{size} segments, two agreeing coders, level builders alone; baseline "
          f"(building the selection): {base:.2f} s")
    print(f"{'level':>9} {'units':>10} {'disagree':>9} {'seconds':>8} {'x select':>8}")
    builders = {"document": lambda: document_level(selection),  # type: ignore[arg-type]
                "segment": lambda: segment_level(selection, data, 0.9),  # type: ignore[arg-type]
                "unitized": lambda: unitized_level(selection, data)}  # type: ignore[arg-type]
    for level, build in builders.items():
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
