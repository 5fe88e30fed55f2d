"""SHACL terms, severities and short names shared by the compiler, engine and report."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import rdflib

from cryonto.rdf import BlankNode, Literal, NamedNode
from cryonto.vocab import RDF, SH, compact
from cryonto.vocab import XSD as XSD  # re-exported: compile and report read it from here

RDF_TYPE = RDF.type
VIOLATION, WARNING, INFO = SH + "Violation", SH + "Warning", SH + "Info"
SEVERITY_NAMES = {VIOLATION: "Violation", WARNING: "Warning", INFO: "Info"}

# rdflib namespaces for reading shapes graphs (the compiler walks them with rdflib)
SH_NS = rdflib.Namespace(SH)
RDF_NS = rdflib.RDF
RDFS_NS = rdflib.RDFS

Term = NamedNode | BlankNode | Literal


def need(row: Mapping[str, Term | None], name: str) -> Term:
    """A variable the query always binds (a projected, non-OPTIONAL one)."""
    term = row[name]
    if term is None:  # pragma: no cover - the query's WHERE clause binds it
        raise ValueError(f"?{name} unbound")
    return term


def plain(term: Term) -> str:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return term.value


def short(term: Term) -> str:
    if isinstance(term, NamedNode):
        iri = term.value
        if "/data/" in iri:
            return "<" + iri.split("/data/", 1)[1] + ">"
        found = compact(iri)
        return found if found != iri else f"<{iri}>"
    if isinstance(term, Literal):
        text = term.value if len(term.value) <= 60 else term.value[:57] + "…"
        return json.dumps(text, ensure_ascii=False)
    return "_:" + term.value


def short_path(path: str) -> str:
    def repl(match: re.Match) -> str:
        found = compact(match.group(1))
        return found if found != match.group(1) else match.group(0)

    return re.sub(r"<([^>]*)>", repl, path)


class Unsupported(Exception):
    """A shape uses something the SPARQL compiler does not handle (pySHACL takes it)."""


def node_id(term: rdflib.term.Node) -> str:
    return "_:" + str(term) if isinstance(term, rdflib.BNode) else str(term)
