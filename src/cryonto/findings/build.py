"""The findings graph: one ``cry:UserFinding`` per row, with records for its studies.

The graph is written as N-Triples lines (`cryonto.rdf.ntriples`) and turned into
Turtle by the engine; it sits beside ``ontology/literature.ttl`` and uses its
terms (docs/findings.md). A DOI or key of a packaged literature record reuses
that record, so no DOI is ever held under two keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.findings.read import (
    KEY,
    STANCES,
    FindingRow,
    Reference,
    looks_like_doi,
    normalize_doi,
    slug,
)
from cryonto.rdf import GraphStore
from cryonto.rdf.ntriples import iri_term, literal_term, turtle_text, typed_term
from cryonto.vocab import (
    BIBO,
    CRY,
    DCTERMS,
    FABIO,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    XSD,
)

if TYPE_CHECKING:
    from cryonto.category import CategorySystem

_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_TYPE = iri_term(RDF.type)


@dataclass
class Builtin:
    """The packaged literature records, by lower-case DOI and by key (knox2017, gutjahr2025)."""

    by_doi: dict[str, str] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)


def builtin_records() -> Builtin:
    """The packaged records a user finding may cite instead of a reference of its own."""
    store = GraphStore.with_ontology()
    rows = store.select(resources.sparql("findings/builtin-records"), {"base": CRY}).dicts()
    return Builtin({str(r["doi"]).lower(): str(r["record"]) for r in rows if r["doi"]},
                   {str(r["record"]).rsplit("/", 1)[-1]: str(r["record"]) for r in rows})


@dataclass
class UserFinding:
    """One finding as built: its IRI, stance, categories and the record it cites."""

    iri: str
    stance: str  # the CiTO property's IRI
    categories: tuple[str, ...]
    source: str  # the record's IRI


@dataclass
class FindingsGraph:
    """The built graph as N-Triples lines (no duplicates), and what it holds."""

    lines: list[str]
    prefixes: dict[str, str]
    findings: list[UserFinding]

    def turtle(self) -> bytes:
        return turtle_text(iter(self.lines), self.prefixes)


class _Builder:
    """Collects the triples of a findings graph, each once."""

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}
        self.agents: dict[str, str] = {}

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines[f"{subject} {iri_term(predicate)} {obj} .\n"] = None

    def agent(self, who: str) -> str:
        """The term for whoever extracted a finding: their ORCID IRI, else a blank node."""
        if who in self.agents:
            return self.agents[who]
        m = _ORCID.match(who)
        node = iri_term(f"https://orcid.org/{m.group(1)}") if m else f"_:agent{len(self.agents)}"
        self.add(node, RDF.type, iri_term(PROV.Agent))
        if not m:
            self.add(node, RDFS.label, literal_term(who))
        self.agents[who] = node
        return node


def build_graph(rows: Sequence[FindingRow], references: Mapping[str, Reference], source: Path,
                base: str, system: CategorySystem | None = None,
                builtin: Builtin | None = None) -> FindingsGraph:
    """The findings graph: one cry:UserFinding per row, with records for its studies."""
    from cryonto.category import load_category_system

    system = system or load_category_system()
    builtin = builtin_records() if builtin is None else builtin
    finding_ns, record_ns = base + "finding/", base + "ref/"
    prefixes = {p: PREFIXES[p] for p in ("bibo", "cito", "cry", "dcterms", "fabio", "owl",
                                         "prov", "rdfs", "xsd")}
    prefixes.update({"userfinding": finding_ns, "userref": record_ns})
    g = _Builder()
    records: dict[str, str] = {}
    counters: dict[str, int] = {}
    seen_ids: set[str] = set()
    doi_keys = {r.doi.lower(): k for k, r in references.items() if r.doi}
    findings: list[UserFinding] = []

    def fail(row: FindingRow, reason: str) -> CryontoError:
        return CryontoError(reason, str(source), row.where)

    def record_for(row: FindingRow, study: str) -> tuple[str, str]:
        return _record_for(g, row, study, references, builtin, records, record_ns, doi_keys,
                           fail)

    for row in rows:
        record, key = record_for(row, row.study)
        quoted = record_for(row, row.quoted_from)[0] if row.quoted_from else record
        concepts: list[str] = []
        for name in row.categories:
            iri = system.resolve_code(name)
            if iri is None:
                raise fail(row, f"category {name!r} is not a notation, label or IRI of the "
                                "category system")
            concepts.append(iri)
        if row.id:
            if not KEY.match(row.id):
                raise fail(row, f"id {row.id!r} is not a plain key")
            local = row.id
        else:
            counters[key] = counters.get(key, 0) + 1
            local = f"{key}-{counters[key]}"
        if local in seen_ids:
            raise fail(row, f"finding id {local!r} occurs twice")
        seen_ids.add(local)
        when = _when(row.extracted_on)
        if when is None:
            raise fail(row, f"extracted_on {row.extracted_on!r} is not a date (YYYY-MM-DD) or "
                            "date-time")
        iri = finding_ns + local
        f = iri_term(iri)
        for kind in (CRY.Finding, CRY.UserFinding, OWL.NamedIndividual):
            g.add(f, RDF.type, iri_term(kind))
        claim = row.claim or row.evidence
        g.add(f, RDFS.label, literal_term(_short(claim)))
        g.add(f, CRY.claim, literal_term(claim))
        g.add(f, DCTERMS.source, iri_term(record))
        stance = STANCES[row.stance]
        for concept in concepts:
            g.add(f, CRY.bearsOn, iri_term(concept))
            g.add(f, stance, iri_term(concept))
        g.add(f, CRY.evidenceText, literal_term(row.evidence))
        g.add(f, BIBO.locator, literal_term(row.location))
        g.add(f, PROV.wasQuotedFrom, iri_term(quoted))
        g.add(f, PROV.wasAttributedTo, g.agent(row.extracted_by))
        g.add(f, PROV.generatedAtTime, when)
        g.add(f, CRY.importedFrom, literal_term(f"{source.name} {row.where}"))
        findings.append(UserFinding(iri, stance, tuple(dict.fromkeys(concepts)), record))
    return FindingsGraph(list(g.lines), prefixes, findings)


def _record_for(g: _Builder, row: FindingRow, study: str, references: Mapping[str, Reference],
                builtin: Builtin, records: dict[str, str], record_ns: str,
                doi_keys: Mapping[str, str],
                fail: Callable[[FindingRow, str], CryontoError]) -> tuple[str, str]:
    """The record IRI for a study (DOI or key), and the key its findings are numbered under.

    A DOI or key of a packaged record reuses that record, so no DOI is ever
    held under two keys; anything else needs an entry in the references.
    """
    if looks_like_doi(study):
        doi = normalize_doi(study)
        if doi is None:
            raise fail(row, f"study {study!r} is not DOI syntax (10.NNNN/…) and not a citation "
                            "key")
        if doi.lower() in builtin.by_doi:
            iri = builtin.by_doi[doi.lower()]
            return iri, iri.rsplit("/", 1)[-1]
        known = doi_keys.get(doi.lower())
        if known is None:
            key = slug(doi)
            ref = Reference(key=key, doi=doi)
        else:
            key, ref = known, references[known]
    else:
        if not KEY.match(study):
            raise fail(row, f"study {study!r} is neither a DOI nor a citation key")
        if study not in references and study in builtin.by_key:
            return builtin.by_key[study], study
        if study not in references:
            raise fail(row, f"citation key {study!r} is not in the references"
                            + ("" if references else " (give --references)"))
        ref = references[study]
        key = study
        if ref.doi and ref.doi.lower() in builtin.by_doi:
            iri = builtin.by_doi[ref.doi.lower()]
            return iri, iri.rsplit("/", 1)[-1]
    if key in records:
        return records[key], key
    iri = record_ns + key
    records[key] = iri
    r = iri_term(iri)
    g.add(r, RDF.type, iri_term(FABIO.Book if ref.kind == "book" else FABIO.JournalArticle))
    g.add(r, RDF.type, iri_term(OWL.NamedIndividual))
    g.add(r, DCTERMS.identifier, literal_term(key))
    if ref.title:
        g.add(r, DCTERMS.title, literal_term(ref.title))
        g.add(r, DCTERMS.bibliographicCitation, literal_term(ref.citation()))
    for author in ref.authors:
        g.add(r, DCTERMS.creator, literal_term(author))
    if ref.year:
        g.add(r, DCTERMS.date, typed_term(ref.year, XSD.gYear))
    if ref.doi:
        g.add(r, BIBO.doi, literal_term(ref.doi))
    return iri, key


def _when(text: str) -> str | None:
    """xsd:date for a date, xsd:dateTime for a date-time (no time is invented)."""
    try:
        if "T" in text:
            return typed_term(datetime.fromisoformat(text).isoformat(), XSD.dateTime)
        return typed_term(date.fromisoformat(text).isoformat(), XSD.date)
    except ValueError:
        return None


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


__all__ = ["Builtin", "FindingsGraph", "UserFinding", "build_graph", "builtin_records"]
