"""`cryonto agreement` on generated studies: seconds per level, with and without a bootstrap.

Run: .venv/bin/python bench/bench_agreement.py [--sizes 10000,100000] [--bootstrap 1000]

For each size a synthetic study is generated (`cryonto generate`, seed 1, three coders, one
transcript per 150 segments) into bench/out/agreement-N.ttl (reused when present). The
generator lays segments end to end and gives each one coder at random, so the figures
themselves are meaningless; the bench measures time only: loading the file with the ontology,
building the units and computing every coefficient (wall clock, best of --repeat runs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def generated(segments: int) -> Path:
    path = OUT / f"agreement-{segments}.ttl"
    if not path.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        cli = Path(sys.executable).parent / "cryonto"
        subprocess.run([str(cli), "generate", "--segments", str(segments), "--seed", "1",
                        "-o", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from cryonto.reliability import agreement

    print(f"{'segments':>9} {'level':>9} {'bootstrap':>9} {'units':>10} {'seconds':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        path = generated(size)
        for level in ("document", "segment", "unitized"):
            for replicates in (0, args.bootstrap):
                best = float("inf")
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    result = agreement([path], level=level, bootstrap=replicates, seed=1)
                    best = min(best, time.perf_counter() - start)
                print(f"{size:>9} {level:>9} {replicates:>9} {result.overall.units:>10} "
                      f"{best:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
