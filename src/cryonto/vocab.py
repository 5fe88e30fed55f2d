"""Namespaces, terms and CURIEs, in one place. Everything else imports from here.

Terms are plain strings (IRIs), so this module needs no RDF engine: the engine
lives behind `cryonto.rdf`. CURIEs are compacted and expanded by one `curies`
converter built from `PREFIXES`.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # curies pulls in pydantic (~0.3 s): built on first use, not on import
    import curies


class Namespace(str):
    """An IRI prefix; `NS["local"]` and `NS.local` give the full IRI as a plain string."""

    __slots__ = ()

    def __getitem__(self, local: str) -> str:  # type: ignore[override]
        return str(self) + local

    def __getattr__(self, local: str) -> str:
        if local.startswith("__"):
            raise AttributeError(local)
        return str(self) + local

    def term(self, local: str) -> str:
        return str(self) + local

    # vocabulary terms that `str` already has as methods (dcterms:title, dcterms:format)
    title = property(lambda self: str(self) + "title")
    format = property(lambda self: str(self) + "format")


BASE = "https://w3id.org/cryonto/"
CRY = Namespace(BASE)
#: default base for imported study data (one sub-namespace per study)
DATA = Namespace(BASE + "data/")
#: named graph holding the ontology (and literature) in every store
ONTOLOGY_GRAPH = CRY["graph/ontology"]
ONTOLOGY_IRI = CRY["crying"]

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
CITO = Namespace("http://purl.org/spar/cito/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
SOSA = Namespace("http://www.w3.org/ns/sosa/")

#: prefixes used when serializing, in query headers and for CURIEs
PREFIXES: dict[str, str] = {
    "cry": str(CRY),
    "skos": str(SKOS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "oa": str(OA),
    "cito": str(CITO),
    "bibo": str(BIBO),
    "fabio": str(FABIO),
    "sh": str(SH),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "obo": str(OBO),
}

@cache
def converter() -> curies.Converter:
    """The one CURIE converter (longest namespace wins)."""
    import curies

    return curies.Converter.from_prefix_map(PREFIXES)


def compact(iri: str, *, extra: dict[str, str] | None = None) -> str:
    """`cry:ProtestCrying` for an IRI in a known namespace whose local part is a plain name.

    IRIs whose rest still holds a path (`cry:data/study/x`) stay whole: a CURIE with
    slashes reads like a path, not a term. Anything else comes back unchanged.
    """
    converter_ = converter() if not extra else _with(tuple(sorted(extra.items())))
    found = converter_.compress(iri, strict=False)
    if found is None or found == iri:
        return iri
    local = found.split(":", 1)[1]
    if not local or "/" in local or "#" in local:
        return iri
    return found


def expand(text: str, *, extra: dict[str, str] | None = None) -> str:
    """The IRI of a CURIE in a known namespace (`cry:X`); anything else unchanged."""
    text = text.strip()
    _, sep, rest = text.partition(":")
    if not sep or not rest or rest.startswith("//"):
        return text
    converter_ = converter() if not extra else _with(tuple(sorted(extra.items())))
    found = converter_.expand(text, strict=False)
    return found if found else text


@lru_cache(maxsize=32)
def _with(extra: tuple[tuple[str, str], ...]) -> curies.Converter:
    """The converter with a file's own prefixes (an SSSOM curie_map) taking precedence."""
    merged = dict(extra)
    taken = set(merged.values())
    for prefix, namespace in PREFIXES.items():
        if prefix not in merged and namespace not in taken:
            merged[prefix] = namespace
    import curies

    return curies.Converter.from_prefix_map(merged)


__all__ = [
    "BASE",
    "BIBO",
    "CITO",
    "CRY",
    "DATA",
    "DCTERMS",
    "FABIO",
    "FOAF",
    "OA",
    "OBO",
    "ONTOLOGY_GRAPH",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SEMAPV",
    "SH",
    "SKOS",
    "SOSA",
    "SSSOM",
    "VANN",
    "XSD",
    "Namespace",
    "compact",
    "converter",
    "expand",
]
