"""Load coded data once into a persistent store; open it for every later command.

``cryonto load DATA... --store DIR`` puts each file into its own named graph
(the file's ``file:`` IRI, as when files are given directly) and the packaged
ontology into the ontology graph, and records per graph, in the metadata graph
``https://w3id.org/cryonto/graph/store``, the file, its SHA-256, its triple
count and when it was loaded. Loading an unchanged file again does nothing; a
file that changed since is refused unless ``replace`` (then its graph is
replaced). See docs/store.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryonto import resources
from cryonto.derived import derive, has_derived
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, Literal, NamedNode, Quad, graph_iri_for, rdf_format_for
from cryonto.rdf.persistent import DiskStore, StoreError
from cryonto.vocab import ONTOLOGY_GRAPH, XSD

__all__ = ["FileLoad", "GraphInfo", "LoadReport", "StoreError", "StoreInfo", "data_store",
           "load", "open_store", "store_info", "stored_graphs"]

META_GRAPH = "https://w3id.org/cryonto/graph/store"
STORE = "https://w3id.org/cryonto/store/"

#: what a command reading coded data takes: RDF files, or an open store
DataSource = Sequence[Path | str] | GraphStore


@dataclass
class FileLoad:
    """What happened to one input file."""

    path: str
    graph: str
    action: str  # "loaded", "replaced", "unchanged"
    triples: int


@dataclass
class LoadReport:
    store: Path
    created: bool
    files: list[FileLoad] = field(default_factory=list)
    ontology: str = "unchanged"  # or "loaded"


@dataclass
class GraphInfo:
    graph: str
    file: str | None
    sha256: str
    triples: int
    loaded: str | None


@dataclass
class StudyInfo:
    graph: str
    study: str
    title: str | None
    segments: int
    documents: int


@dataclass
class StoreInfo:
    store: Path
    graphs: list[GraphInfo]
    studies: list[StudyInfo]

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def open_store(directory: Path | str) -> DiskStore:
    """A store for reading (shared lock); `StoreError` (one line) if missing, corrupt, locked."""
    store = DiskStore.open(directory)
    if not store.has(None, None, None) or not _recorded(store):
        store.close()
        raise StoreError("not a cryonto store, or empty: nothing was loaded into it",
                         str(directory))
    return store


def data_store(data: DataSource) -> GraphStore:
    """The store a command reads coded data from: the given store, or ontology + files."""
    if isinstance(data, GraphStore):
        return data
    return GraphStore.with_ontology(data)


def load(files: Sequence[Path | str], directory: Path | str, *, replace: bool = False,
         progress: Callable[[str], None] | None = None) -> LoadReport:
    """Load RDF files into the store at `directory` (created, private, if absent)."""
    paths = [Path(p) for p in files]
    for path in paths:
        rdf_format_for(path)  # an unknown extension fails before anything is written
        if not path.is_file():
            raise CryontoError("no such file", str(path))
    old_umask = os.umask(0o077)  # the engine's files: readable by the owner only
    try:
        return _load(paths, Path(directory), replace, progress)
    finally:
        os.umask(old_umask)


def _load(paths: list[Path], directory: Path, replace: bool,
          progress: Callable[[str], None] | None) -> LoadReport:
    store, created = DiskStore.create_or_open(directory)
    with store:
        report = LoadReport(directory, created)
        recorded = {g.graph: g for g in stored_graphs(store)}
        report.ontology = _load_ontology(store, recorded.get(str(ONTOLOGY_GRAPH)))
        for path in paths:
            graph = graph_iri_for(path).value
            digest = _sha256(path)
            before = recorded.get(graph)
            if before is not None and before.sha256 == digest:
                report.files.append(FileLoad(str(path), graph, "unchanged", before.triples))
                continue
            if before is not None and not replace:
                raise CryontoError("changed since it was loaded into the store; load it with "
                                   "--replace to replace its graph", str(path))
            if progress is not None:
                progress(str(path))
            triples = _put(store, path, graph, digest)
            report.files.append(FileLoad(str(path), graph,
                                         "replaced" if before is not None else "loaded",
                                         triples))
        if report.ontology == "loaded" or any(f.action != "unchanged" for f in report.files) \
                or not has_derived(store):
            if progress is not None:
                progress("derived counts")
            derive(store)  # the counting queries' summary (cryonto.derived), kept in step
            store.flush()
    return report


def store_info(directory: Path | str) -> StoreInfo:
    """Graphs (file, hash, triples) and studies (segments, transcripts) of a store."""
    store = open_store(directory)
    with store:
        graphs = stored_graphs(store)
        studies = [StudyInfo(str(r["graph"]), str(r["study"]),
                             None if r["title"] is None else str(r["title"]),
                             int(r["segments"] or 0), int(r["documents"] or 0))
                   for r in store.select(resources.sparql("store/studies")).dicts()]
    return StoreInfo(Path(directory), graphs, studies)


# -- inside ---------------------------------------------------------------------------

def _recorded(store: GraphStore) -> bool:
    return store.has(None, NamedNode(STORE + "sha256"), None)


def stored_graphs(store: GraphStore) -> list[GraphInfo]:
    out = []
    for row in store.select(resources.sparql("store/files")).dicts():
        out.append(GraphInfo(str(row["graph"]), None if row["file"] is None else str(row["file"]),
                             str(row["sha256"]), int(row["triples"] or 0),
                             None if row["loaded"] is None else str(row["loaded"])))
    return out


def _load_ontology(store: DiskStore, before: GraphInfo | None) -> str:
    files = resources.ontology_files()
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if before is not None and before.sha256 == digest.hexdigest():
        return "unchanged"
    store.clear_graph(ONTOLOGY_GRAPH)
    store.load_ontology()
    _record(store, str(ONTOLOGY_GRAPH), None, digest.hexdigest())
    return "loaded"


def _put(store: DiskStore, path: Path, graph: str, digest: str) -> int:
    """(Re)load one file into its graph and record it; the graph's triple count."""
    _forget(store, graph)  # first: a crash mid-load leaves no hash, so the next load redoes it
    store.clear_graph(graph)
    store.load_file(path, graph=graph)
    return _record(store, graph, path, digest)


def _forget(store: GraphStore, graph: str) -> None:
    store.remove(list(store.quads(NamedNode(graph), None, None, META_GRAPH)))


def _record(store: DiskStore, graph: str, path: Path | None, digest: str) -> int:
    _forget(store, graph)
    rows = store.select(resources.sparql("store/graph-size"), {"graph": NamedNode(graph)})
    triples = int(rows.values()[0][0] or 0)
    subject, meta = NamedNode(graph), NamedNode(META_GRAPH)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    quads = [
        Quad(subject, NamedNode(STORE + "sha256"), Literal(digest), meta),
        Quad(subject, NamedNode(STORE + "triples"),
             Literal(str(triples), datatype=NamedNode(XSD.integer)), meta),
        Quad(subject, NamedNode(STORE + "loaded"),
             Literal(now, datatype=NamedNode(XSD.dateTime)), meta),
    ]
    if path is not None:
        quads.append(Quad(subject, NamedNode(STORE + "sourceFile"),
                          Literal(str(path.resolve())), meta))
    store.add(quads)
    store.flush()
    return triples


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise CryontoError(f"cannot read: {error.strerror or error}", str(path)) from None
    return digest.hexdigest()
