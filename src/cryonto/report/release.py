"""The ontology's release artefacts: the whole ontology in four RDF syntaxes, and one
resource's description for the site's per-page downloads.

Both files of the ontology (``crying.ttl`` and ``literature.ttl``) go into one
graph, so a release is the ontology a user loads. Every release names its
version with ``owl:versionIRI`` (added as ``<BASE>crying/<versionInfo>`` if the
ontology ever lacks it), so a citation can point at exactly this text.
"""

from __future__ import annotations

from pathlib import Path

from cryonto import resources
from cryonto.atomic import write_bytes
from cryonto.errors import CryontoError
from cryonto.queries import run_query
from cryonto.rdf import GraphStore, NamedNode, Quad, RdfFormat, Triple
from cryonto.rdf.serialize import serialize_triples as _serialize
from cryonto.vocab import BASE, ONTOLOGY_GRAPH, PREFIXES

#: ``--format`` name -> (pyoxigraph format, file suffix)
RELEASE_FORMATS: dict[str, tuple[RdfFormat, str]] = {
    "ttl": (RdfFormat.TURTLE, ".ttl"),
    "jsonld": (RdfFormat.JSON_LD, ".jsonld"),
    "xml": (RdfFormat.RDF_XML, ".rdf"),
    "nt": (RdfFormat.N_TRIPLES, ".nt"),
}
_GRAPH = NamedNode(str(ONTOLOGY_GRAPH))
_OWL = "http://www.w3.org/2002/07/owl#"
_ONTOLOGY = BASE + "crying"
_SUFFIXES = {".ttl": "ttl", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "xml",
             ".xml": "xml", ".owl": "xml", ".nt": "nt"}


def ontology_store() -> GraphStore:
    """The packaged ontology (both files) in its named graph of a fresh store."""
    store = GraphStore.with_ontology()
    ontology = NamedNode(_ONTOLOGY)
    version_iri = NamedNode(_OWL + "versionIRI")
    if not store.has(ontology, version_iri):
        infos = list(store.quads(ontology, NamedNode(_OWL + "versionInfo")))
        version = str(getattr(infos[0].object, "value", "0")) if infos else "0"
        store.add([Quad(ontology, version_iri, NamedNode(f"{_ONTOLOGY}/{version}"),
                           _GRAPH)])
    return store


def version_iri(store: GraphStore | None = None) -> str:
    """The release's owl:versionIRI."""
    store = store or ontology_store()
    quads = list(store.quads(NamedNode(_ONTOLOGY), NamedNode(_OWL + "versionIRI")))
    return str(getattr(quads[0].object, "value", ""))


def format_for(fmt: str | None, out: Path | str) -> str:
    """The ``--format`` name: given, else from the file's suffix."""
    if fmt is None:
        fmt = _SUFFIXES.get(Path(out).suffix.lower())
        if fmt is None:
            raise CryontoError("cannot tell the format from the file name; give --format "
                               "ttl|jsonld|xml|nt", str(out))
    if fmt not in RELEASE_FORMATS:
        raise CryontoError(f"unknown ontology format {fmt!r}; expected one of "
                           f"{', '.join(RELEASE_FORMATS)}")
    return fmt


def serialize_triples(triples: list[Triple], fmt: str) -> bytes:
    """Triples in one of the release formats, with the project's prefixes."""
    rdf_format = RELEASE_FORMATS[fmt][0]
    prefixes = None if rdf_format == RdfFormat.N_TRIPLES else dict(PREFIXES)
    return _serialize(triples, rdf_format, prefixes)


def ontology_release(fmt: str, store: GraphStore | None = None) -> bytes:
    """The whole ontology in `fmt` (ttl, jsonld, xml or nt)."""
    store = store or ontology_store()
    triples = [q.triple for q in store.quads(graph=_GRAPH)]
    return serialize_triples(triples, fmt)


def export_ontology(out: Path | str, fmt: str | None = None) -> tuple[Path, str, int]:
    """Write the ontology release to `out`; returns the path, its format and how many
    triples it holds."""
    fmt = format_for(fmt, out)
    store = ontology_store()
    data = ontology_release(fmt, store)
    write_bytes(out, data)
    return Path(out), fmt, len(store)


def describe(resource: str, fmt: str, store: GraphStore) -> bytes:
    """One resource's description (library query ``report/concept-description``) in `fmt`."""
    query = resources.queries_dir() / "report" / "concept-description.rq"
    triples = run_query(query, params={"resource": resource}, store=store).triples
    return serialize_triples(list(triples or []), fmt)


__all__ = ["RELEASE_FORMATS", "describe", "export_ontology", "format_for", "ontology_release",
           "ontology_store", "version_iri"]
