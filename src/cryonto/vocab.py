"""Namespaces and terms, in one place. Everything else imports from here."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/cryonto/"
CRY = Namespace(BASE)
#: default base for imported study data (one sub-namespace per study)
DATA = Namespace(BASE + "data/")
#: named graph holding the ontology (and literature) in every store
ONTOLOGY_GRAPH = CRY["graph/ontology"]
ONTOLOGY_IRI = CRY["crying"]

OA = Namespace("http://www.w3.org/ns/oa#")
CITO = Namespace("http://purl.org/spar/cito/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SSSOM = Namespace("https://w3id.org/sssom/")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OBO = Namespace("http://purl.obolibrary.org/obo/")

#: prefixes used when serializing and in query headers
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
    "SH",
    "SKOS",
    "SSSOM",
    "VANN",
    "XSD",
]
