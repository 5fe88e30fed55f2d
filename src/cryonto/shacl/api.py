"""Validate coded datasets: load ontology + data, compile the profile's shapes, run, locate."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import rdflib

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, rdf_format_for
from cryonto.shacl.compile import compile_shapes
from cryonto.shacl.engine import _fallback_shapes_graph, collect, run_pyshacl, store_subclasses
from cryonto.shacl.locate import place
from cryonto.shacl.report import ValidationReport
from cryonto.shacl.table import ResultTable
from cryonto.shacl.terms import node_id

if TYPE_CHECKING:
    from cryonto.storage import GraphInfo

PROFILES: dict[str, tuple[str, ...]] = {
    "core": ("core.ttl",),
    "shareable": ("core.ttl", "shareable.ttl"),
    "findings": ("findings.ttl",),
}


ENGINES = ("fast", "pyshacl")


def profile_files(profile: str) -> list[Path]:
    try:
        names = PROFILES[profile]
    except KeyError:
        raise CryontoError(
            f"unknown validation profile {profile!r}; expected one of {', '.join(PROFILES)}"
        ) from None
    return [resources.shapes_dir() / name for name in names]


def load_shapes(files: Iterable[Path | str]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(str(path), format="turtle")
        except Exception as error:  # a broken shapes file is bad input too
            raise CryontoError(f"cannot read shapes: {error}", str(path)) from None
    return graph


def validate_store(store: GraphStore, profile: str = "core", *, shapes_files=None,
                   files: Sequence[str] = ()) -> ValidationReport:
    """Validate everything in `store` (ontology + data) with the fast engine."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    shapes = load_shapes(shapes_files or profile_files(profile))
    compiled = compile_shapes(shapes, store_subclasses(store), on_disk=store.on_disk)
    timings["compile"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = ResultTable()
    collect(store, compiled.constraints, results)
    if compiled.fallback:
        # pySHACL 0.40 accepts a pyoxigraph.Store, but walks it triple by triple through
        # Python: more than 15 minutes at 10^4 segments against 44 s on an rdflib copy
        results.extend(run_pyshacl(store.to_rdflib(),
                                   _fallback_shapes_graph(shapes, compiled.fallback)))
    timings["validate"] = time.perf_counter() - t0
    return _finish(store, profile, "fast", files, results, timings,
                   [node_id(s) for s in compiled.fallback])


#: a persistent store up to this many triples is validated on a copy in memory (faster);
#: the copy takes about 0.5 KB per triple, so this keeps validation within 2 GB
IN_MEMORY_TRIPLES = 4_000_000


def validate_stored(store: GraphStore, profile: str = "core", *, engine: str = "fast",
                    in_memory: bool | None = None) -> ValidationReport:
    """Validate a loaded store (ontology + data graphs, e.g. `cryonto load`'s).

    A persistent store is copied into memory first when `in_memory` (default: when it
    holds at most `IN_MEMORY_TRIPLES`, about 2x10^5 segments): the engine scans memory
    several times faster than its on-disk store. Graphs whose source file is unchanged
    are parsed from it again, cheaper than reading them out of the store. Larger stores
    are validated on disk, in bounded memory.
    """
    if engine not in ENGINES:
        raise CryontoError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    files = [g for g in store.graphs() if g.startswith("file:")]
    if engine == "fast":
        t0 = time.perf_counter()
        copy = getattr(store, "in_memory", None)
        if copy is not None:
            from cryonto.storage import stored_graphs

            graphs = stored_graphs(store)
            if in_memory is None:
                in_memory = sum(g.triples for g in graphs) <= IN_MEMORY_TRIPLES
            if in_memory:
                store = copy(unchanged_sources(graphs))
        load = time.perf_counter() - t0
        report = validate_store(store, profile, files=files)
        report.timings["load"] = load
        return report
    t0 = time.perf_counter()
    graph = store.to_rdflib()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = ResultTable.of(run_pyshacl(graph, load_shapes(profile_files(profile))))
    timings = {"load": load, "validate": time.perf_counter() - t0}
    return _finish(store, profile, "pyshacl", files, results, timings, [])


def unchanged_sources(graphs: Iterable[GraphInfo]) -> dict[str, Path]:
    """The stored graphs whose source file is still there, unchanged (same SHA-256 as loaded):
    parsing those again is about 3x cheaper than reading the same triples out of RocksDB."""
    out = {}
    for info in graphs:
        if info.file is None:
            continue
        path = Path(info.file)
        try:
            rdf_format_for(path)  # a graph converted from, say, a CSV is not parsed again
        except CryontoError:
            continue
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            continue  # moved or unreadable: the store's own copy is used
        if digest.hexdigest() == info.sha256:
            out[info.graph] = path
    return out


def _finish(store: GraphStore, profile: str, engine: str, files: Sequence[str],
            results: ResultTable, timings: dict[str, float],
            fallback: list[str]) -> ValidationReport:
    t0 = time.perf_counter()
    segments = count_segments(store)
    locations = place(store, results)
    timings["locate"] = time.perf_counter() - t0
    return ValidationReport(profile, engine, list(files), results, segments, locations, fallback,
                            timings)


def count_segments(store: GraphStore) -> int:
    """How many coded segments a run checked (the report's denominator)."""
    return int(store.select(resources.sparql("shacl/count-segments")).values()[0][0] or 0)


def validate(data_files: Sequence[Path | str], profile: str = "core", *, engine: str = "fast",
             ontology_files: Sequence[Path | str] | None = None,
             shapes_files: Sequence[Path | str] | None = None) -> ValidationReport:
    """Load ontology + data files and validate them (profile ``core`` or ``shareable``)."""
    if engine not in ENGINES:
        raise CryontoError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    shapes_list = list(shapes_files) if shapes_files else profile_files(profile)
    ontology = list(ontology_files) if ontology_files is not None else resources.ontology_files()
    t0 = time.perf_counter()
    store = GraphStore()
    for path in ontology:
        store.load_file(path, graph="https://w3id.org/cryonto/graph/ontology")
    for path in data_files:
        store.load_file(path)
    load = time.perf_counter() - t0
    files = [str(p) for p in data_files]
    if engine == "fast":
        report = validate_store(store, profile, shapes_files=shapes_list, files=files)
        report.timings["load"] = load
        return report
    # plain pySHACL on an rdflib graph (parsed by rdflib, as pySHACL users do)
    t0 = time.perf_counter()
    graph = rdflib.Graph()
    quiet = logging.getLogger("rdflib.term")  # an ill-typed literal is a finding, not a log line
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for path in [*ontology, *data_files]:
            try:
                graph.parse(str(path), format=_rdflib_format(path))
            except Exception as error:
                raise CryontoError(f"cannot read: {error}", str(path)) from None
    finally:
        quiet.setLevel(level)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = ResultTable.of(run_pyshacl(graph, load_shapes(shapes_list)))
    timings = {"load": load, "validate": time.perf_counter() - t0}
    return _finish(store, profile, "pyshacl", files, results, timings, [])


def _rdflib_format(path: Path | str) -> str:
    suffix = Path(path).suffix.lower()
    return {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
            ".owl": "xml", ".xml": "xml", ".n3": "n3", ".jsonld": "json-ld"}.get(suffix, "turtle")
