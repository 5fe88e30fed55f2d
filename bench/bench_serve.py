"""Benchmark the SPARQL endpoint: `cryonto serve` beside `oxigraph serve` on the same data.

    .venv/bin/python bench/bench_serve.py [--segments 100000] [--clients 8] [--queries 200]
                                          [--no-oxigraph]

Generates a study of `--segments` coded segments (``cryonto generate``, cached in
``bench/out/``), loads it into a store (``cryonto load``, cached too) and starts
``cryonto serve --store`` on a free loopback port. `--clients` threads each send
`--queries` requests drawn (seeded) from a mix of light and heavy requests: library
queries (the texts `cryonto query --store` runs, so the counting ones read the derived
graph), lookups, pages of segments, DESCRIBE, ASK and linked-data GETs. Any answer other
than 200 is an error; the script exits 1 if there was one. Prints throughput
(requests/s) and latency percentiles, overall and per request kind.

Then the same store's quads (ontology, data, derived graph) are loaded into Oxigraph's
own server (``oxigraph serve-read-only --union-default-graph``, the `oxigraph` CLI from
PyPI) and the SPARQL part of the same mix (same seeds, no linked-data pages, which
Oxigraph does not serve) goes to both servers in turn: the ratio of the two is the cost of
our layer (guard, limits, the isolated worker process per query, HTTP stack).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CRYONTO = Path(sys.executable).parent / "cryonto"

OA = "PREFIX oa: <http://www.w3.org/ns/oa#>\n"
CRY = "https://w3id.org/cryonto/"
CATEGORIES = ["ProtestCrying", "OverwhelmedCrying", "CryingInGrief", "PositiveCrying",
              "TherapeuticStance", "RelationalEnhancer", "RelationalChallenge",
              "EmotionalAccess", "EmotionalDeepening", "ReliefCatharsis", "Pause",
              "LettingNarrate", "ExploringEmotions", "PerceivingHereAndNow", "ProvidingSupport"]

#: library queries in the mix: light ones often, heavy ones (about 1 s each here) rarely
LIGHT_LIBRARY = ["category-links", "category-subtree", "forms-of-crying", "literature-summary",
                 "literature-per-category", "orientation-emphases", "category-is-coded",
                 "unmapped-study-codes"]
HEAVY_LIBRARY = ["segments-per-category", "cooccurrence-in-segments", "coder-coverage",
                 "categories-by-orientation", "assumptions-and-interventions",
                 "segments-for-category"]
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def generated_data(segments: int) -> Path:
    path = OUT / f"generated-{segments}.ttl"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = subprocess.run([str(CRYONTO), "generate", "--segments", str(segments), "-o", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:  # older checkouts: the library function behind the command
        from cryonto.generate import generate_study, write_study

        write_study(generate_study(segments, seed=1), path)
    print(f"generated {segments} segments in {time.perf_counter() - started:.1f} s -> {path}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stored(data: Path) -> Path:
    """The data loaded into a store once (`cryonto load`, a no-op when already there)."""
    db = data.with_suffix(".store")
    subprocess.run([str(CRYONTO), "load", str(data), "--store", str(db)], check=True,
                   capture_output=True)
    return db


def wait_up(proc: subprocess.Popen, probe: str) -> None:
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(probe, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)


def start_oxigraph(db: Path, timeout: float) -> tuple[subprocess.Popen, str]:
    """Oxigraph's server over a copy of the store's quads (dumped once, cached)."""
    folder = db.with_suffix(".oxigraph")
    if not folder.exists():
        dump = db.with_suffix(".nq")
        subprocess.run([sys.executable, "-c", (
            "import sys; from cryonto.storage import open_store\n"
            "with open_store(sys.argv[1]) as s, open(sys.argv[2], 'w') as out:\n"
            "    out.writelines(f'{q} .\\n' for q in s.quads())"), str(db), str(dump)],
            check=True)
        subprocess.run([str(OXIGRAPH), "load", "--location", str(folder), "--file", str(dump)],
                       check=True, capture_output=True)
        dump.unlink()
    port = free_port()
    proc = subprocess.Popen([str(OXIGRAPH), "serve-read-only", "--location", str(folder),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph",
                             "--timeout-s", str(int(timeout))],
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_up(proc, f"{url}/query?query=ASK%7B%7D")
    return proc, url


def start_server(db: Path, workers: int | None, timeout: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [str(CRYONTO), "serve", "--store", str(db), "--port", str(port),
           "--timeout", str(timeout), "--log-level", "warning"]
    if workers:
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_up(proc, f"{url}/sparql")
    print(f"server up in {time.perf_counter() - started:.1f} s ({db.name})")
    return proc, url


def library_texts(db: Path) -> dict[str, str]:
    """The texts `cryonto query NAME --store` runs (store variants where there are)."""
    from cryonto import queries
    from cryonto.storage import open_store

    with open_store(db) as store:
        allowed = set(store.graphs())
        return {name: queries.prepare(queries.derived_variant(name, store),
                                      allowed_graphs=allowed)[1]
                for name in LIGHT_LIBRARY + HEAVY_LIBRARY}


def make_request(rng: random.Random, library: dict[str, str], segment_ids: list[str]):
    """(kind, method, path, params, headers) of one request of the mix."""
    roll = rng.random()
    category = CRY + rng.choice(CATEGORIES)
    if roll < 0.25:
        name = rng.choice(LIGHT_LIBRARY)
        return f"library:{name}", "/sparql", {"query": library[name]}, {}
    if roll < 0.32:
        name = rng.choice(HEAVY_LIBRARY)
        return f"library:{name}", "/sparql", {"query": library[name]}, {}
    if roll < 0.45:
        query = OA + (f"SELECT ?s ?text WHERE {{ ?s oa:hasBody <{category}> ; "
                      f"oa:hasTarget/oa:hasSelector/oa:exact ?text }} "
                      f"LIMIT 50 OFFSET {rng.randrange(0, 2000, 50)}")
        return "page-of-segments", "/sparql", {"query": query}, {}
    if roll < 0.55:
        query = OA + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s oa:hasBody <{category}> }}"
        return "count", "/sparql", {"query": query}, {"Accept": "text/csv"}
    if roll < 0.65:
        query = f"DESCRIBE <{rng.choice(segment_ids)}>"
        return "describe", "/sparql", {"query": query}, {"Accept": "text/turtle"}
    if roll < 0.72:
        query = f"ASK {{ ?s <http://www.w3.org/ns/oa#hasBody> <{category}> }}"
        return "ask", "/sparql", {"query": query}, {}
    if roll < 0.86:
        return "concept-turtle", "/" + category[len(CRY):], {}, {"Accept": "text/turtle"}
    if roll < 0.93:
        return "concept-html", "/" + category[len(CRY):], {}, {"Accept": "text/html"}
    segment = rng.choice(segment_ids)
    return "segment-jsonld", "/" + segment[len(CRY):], {}, {"Accept": "application/ld+json"}


def client(url: str, n: int, seed: int, library, segment_ids, results: list, lock,
           sparql_path: str = "/sparql", sparql_only: bool = False):
    rng = random.Random(seed)
    local = []
    with httpx.Client(base_url=url, timeout=120) as http:
        for _ in range(n):
            kind, path, params, headers = make_request(rng, library, segment_ids)
            method = "POST" if (path == "/sparql" and rng.random() < 0.3) else "GET"
            if sparql_only and path != "/sparql":
                continue  # a linked-data page: only cryonto serves those
            path = sparql_path if path == "/sparql" else path
            started = time.perf_counter()
            try:
                if method == "POST":
                    response = http.post(path, data=params, headers=headers)
                else:
                    response = http.get(path, params=params, headers=headers)
                status, size = response.status_code, len(response.content)
            except httpx.HTTPError as error:
                status, size = f"{type(error).__name__}", 0
            local.append((kind, time.perf_counter() - started, status, size))
    with lock:
        results.extend(local)


def run_mix(url: str, args, library, segment_ids, sparql_path: str = "/sparql",
            sparql_only: bool = False) -> tuple[list, float]:
    results: list = []
    lock = threading.Lock()
    threads = [threading.Thread(target=client, args=(
        url, args.queries, args.seed + i, library, segment_ids, results, lock, sparql_path,
        sparql_only)) for i in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queries", type=int, default=200, help="requests per client")
    parser.add_argument("--workers", type=int, default=None, help="server query threads")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-oxigraph", action="store_true",
                        help="skip the side-by-side run against `oxigraph serve`")
    args = parser.parse_args()

    if not CRYONTO.exists():
        raise SystemExit(f"{CRYONTO} not found: run this with the project's .venv/bin/python")
    db = stored(generated_data(args.segments))
    library = library_texts(db)
    proc, url = start_server(db, args.workers, args.timeout)
    try:
        ids = httpx.get(f"{url}/sparql", params={"query": OA + (
            "SELECT ?s WHERE { ?s a oa:Annotation } LIMIT 2000")}, timeout=60).json()
        segment_ids = [b["s"]["value"] for b in ids["results"]["bindings"]]
        # warm-up: concept pages and the query library are built on first use
        httpx.get(f"{url}/ProtestCrying", headers={"Accept": "text/html"}, timeout=60)
        results, wall = run_mix(url, args, library, segment_ids)
        side = {"cryonto serve --store": run_mix(url, args, library, segment_ids,
                                                 sparql_only=True)}
    finally:
        stop(proc)
    errors = report(results, wall, args)
    if not args.no_oxigraph and OXIGRAPH.exists():
        oxi, oxi_url = start_oxigraph(db, args.timeout)
        try:
            side["oxigraph serve-read-only"] = run_mix(oxi_url, args, library, segment_ids,
                                                       sparql_path="/query", sparql_only=True)
        finally:
            stop(oxi)
    print(f"\n## SPARQL part of the mix, side by side ({args.clients} clients, "
          f"{args.segments:,} segments)\n")
    print("| server | requests | errors | requests/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    rates = {}
    for name, (rows, seconds) in side.items():
        latencies = [r[1] for r in rows]
        rates[name] = len(rows) / seconds
        errors += [r for r in rows if r[2] != 200]
        print(f"| {name} | {len(rows)} | {sum(1 for r in rows if r[2] != 200)} | "
              f"{rates[name]:.1f} | {1000 * percentile(latencies, 50):.0f} | "
              f"{1000 * percentile(latencies, 99):.0f} |")
    if len(rates) == 2:
        ours, theirs = rates.values()
        print(f"\nthroughput of cryonto serve / oxigraph serve: {ours / theirs:.2f}")
    return 1 if errors else 0


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def report(results: list, wall: float, args) -> list:
    errors = [r for r in results if r[2] != 200]
    latencies = [r[1] for r in results]
    print(f"\n{args.clients} clients x {args.queries} requests, {args.segments} segments, "
          f"{os.cpu_count()} CPUs, server workers: {args.workers or 'default'}")
    print(f"requests: {len(results)}  errors: {len(errors)}  wall: {wall:.1f} s  "
          f"throughput: {len(results) / wall:.1f} requests/s")
    print("latency ms: p50 {:.0f}  p90 {:.0f}  p99 {:.0f}  max {:.0f}  mean {:.0f}".format(
        *(1000 * percentile(latencies, p) for p in (50, 90, 99, 100)),
        1000 * statistics.mean(latencies)))
    print(f"\n{'kind':40s} {'n':>5s} {'p50 ms':>8s} {'p90 ms':>8s} {'max ms':>8s}")
    for kind in sorted({r[0] for r in results}):
        values = [r[1] for r in results if r[0] == kind]
        print(f"{kind:40s} {len(values):5d} {1000 * percentile(values, 50):8.0f} "
              f"{1000 * percentile(values, 90):8.0f} {1000 * max(values):8.0f}")
    for kind, _, status, _ in errors[:10]:
        print(f"ERROR {kind}: {status}")
    return errors


if __name__ == "__main__":
    sys.exit(main())
