"""The user's own findings: read from CSV, YAML or JSON, written as a findings graph.

A finding names its study (a DOI or a citation key), the categories it bears on
(notation, label, CURIE or IRI), one CiTO stance toward them (supports,
qualifies, disagreesWith), the evidence sentence with its page or section, and
who extracted it and when. Citation keys are resolved in a reference file
(BibTeX via bibtexparser, RIS via rispy, CSL-JSON via json); a DOI is checked
for syntax only and reuses the packaged literature record that carries it.
Nothing is fetched. The graph sits beside ``ontology/literature.ttl`` and uses
its terms (docs/findings.md); every bad row raises `CryontoError` naming the
file and the row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from cryonto.atomic import write_text
from cryonto.errors import CryontoError

CRY = Namespace("https://w3id.org/cryonto/")
CITO = Namespace("http://purl.org/spar/cito/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")

STANCES = {"supports": CITO.supports, "qualifies": CITO.qualifies,
           "disagreeswith": CITO.disagreesWith}
INPUT_FORMATS = {".csv": "csv", ".tsv": "csv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
REFERENCE_FORMATS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".json": "csl-json"}
FIELDS = ("id", "study", "categories", "stance", "claim", "evidence", "location",
          "quoted_from", "extracted_by", "extracted_on")
REQUIRED = ("study", "categories", "stance", "evidence", "location", "extracted_by",
            "extracted_on")
#: Crossref's recommended pattern for modern DOIs, e.g. 10.1037/pst0000123
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_KEY = re.compile(r"^[A-Za-z][\w:.+-]*$")
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@dataclass
class Reference:
    """One bibliographic record from the user's reference file."""

    key: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    year: str | None = None
    container: str | None = None
    doi: str | None = None
    kind: str = "article"

    def citation(self) -> str:
        authors = "; ".join(self.authors) or "Anonymous"
        parts = [f"{authors} ({self.year or 'n.d.'})."]
        if self.title:
            parts.append(self.title.rstrip(".") + ".")
        if self.container:
            parts.append(self.container.rstrip(".") + ".")
        if self.doi:
            parts.append(f"https://doi.org/{self.doi}")
        return " ".join(parts)


@dataclass
class FindingRow:
    """One finding as read, with where it came from."""

    where: str
    id: str | None
    study: str
    categories: list[str]
    stance: str
    claim: str | None
    evidence: str
    location: str
    extracted_by: str
    extracted_on: str
    quoted_from: str | None = None


@dataclass
class ImportResult:
    source: Path
    output: Path
    findings: int
    records: int
    categories: int
    reused_records: list[str] = field(default_factory=list)
    stances: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"source": str(self.source), "output": str(self.output),
                "findings": self.findings, "records": self.records,
                "categories": self.categories, "reused_records": self.reused_records,
                "stances": self.stances}


# -- DOIs ---------------------------------------------------------------------------


def normalize_doi(text: str) -> str | None:
    """The bare DOI (prefix https://doi.org/ or doi: removed), or None if not DOI syntax."""
    bare = _DOI_PREFIX.sub("", text.strip())
    return bare if DOI_PATTERN.match(bare) else None


def looks_like_doi(text: str) -> bool:
    return bool(_DOI_PREFIX.match(text.strip())) or text.strip().startswith("10.")


# -- reading findings ----------------------------------------------------------------


def read_findings(path: Path) -> list[FindingRow]:
    """Rows of a CSV (header row), YAML or JSON file (a list, or {findings: [...]})."""
    kind = INPUT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CryontoError(f"unknown findings format {path.suffix!r}; expected .csv, .yaml, "
                           ".yml or .json", str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CryontoError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise CryontoError("not UTF-8 text", str(path)) from None
    if kind == "csv":
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [f for f in REQUIRED if f not in header]
        if missing:
            raise CryontoError(f"header lacks column(s) {', '.join(missing)}", str(path),
                               "row 1")
        records: list[tuple[str, object]] = [
            (f"row {n}", {(k or "").strip().lower(): v for k, v in row.items()})
            for n, row in enumerate(reader, start=2)]
    else:
        records = [(f"finding {n}", item) for n, item in enumerate(_load_tree(path, text, kind),
                                                                   start=1)]
    if not records:
        raise CryontoError("no findings in the file", str(path))
    return [_row(path, where, item) for where, item in records]


def _load_tree(path: Path, text: str, kind: str) -> list:
    try:
        if kind == "yaml":
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # any parser error becomes one line naming the file
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        line = (line + 1) if line is not None else getattr(exc, "lineno", None)
        raise CryontoError(f"not valid {kind.upper()}: {str(exc).splitlines()[0]}", str(path),
                           f"line {line}" if line else None) from None
    if isinstance(data, Mapping):
        data = data.get("findings")
    if not isinstance(data, list):
        raise CryontoError("expected a list of findings (or a mapping with key 'findings')",
                           str(path))
    return data


def _row(path: Path, where: str, item: object) -> FindingRow:
    def fail(reason: str) -> CryontoError:
        return CryontoError(reason, str(path), where)

    if not isinstance(item, Mapping):
        raise fail("a finding must be a mapping of fields")
    data = {str(k).strip().lower(): v for k, v in item.items()}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    for name in REQUIRED:
        value = data.get(name)
        if value is None or (isinstance(value, str | list) and not _text(value)):
            raise fail(f"{name} is missing")
    raw = data["categories"]
    if isinstance(raw, list):
        cats = [str(x).strip() for x in raw if str(x).strip()]
    else:
        cats = [x.strip() for x in str(raw).split(";") if x.strip()]
    stance = str(data["stance"]).strip()
    if stance.replace(" ", "").lower() not in STANCES:
        raise fail(f"stance {stance!r} is not one of supports, qualifies, disagreesWith")
    when = data["extracted_on"]
    when = when.isoformat() if isinstance(when, date | datetime) else str(when).strip()
    return FindingRow(where, _opt(data.get("id")), str(data["study"]).strip(), cats,
                      stance.replace(" ", "").lower(), _opt(data.get("claim")),
                      _text(data["evidence"]), _text(data["location"]),
                      _text(data["extracted_by"]), when, _opt(data.get("quoted_from")))


def _text(value: object) -> str:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return " ".join(str(value).split())


def _opt(value: object) -> str | None:
    text = _text(value) if value is not None else ""
    return text or None


# -- reading references ---------------------------------------------------------------


def read_references(path: Path) -> dict[str, Reference]:
    """Citation key -> Reference, from BibTeX, RIS or CSL-JSON."""
    kind = REFERENCE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CryontoError(f"unknown reference format {path.suffix!r}; expected .bib, .ris or "
                           ".json (CSL-JSON)", str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CryontoError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise CryontoError("not UTF-8 text", str(path)) from None
    refs = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json}[kind](path, text)
    if not refs:
        raise CryontoError("no references in the file", str(path))
    return refs


def _checked_doi(path: Path, key: str, doi: object) -> str | None:
    if doi is None or not str(doi).strip():
        return None
    bare = normalize_doi(str(doi))
    if bare is None:
        raise CryontoError(f"DOI {str(doi).strip()!r} of {key!r} is not DOI syntax (10.NNNN/…)",
                           str(path), f"entry {key}")
    return bare


def _add(path: Path, refs: dict[str, Reference], ref: Reference) -> None:
    if not _KEY.match(ref.key):
        raise CryontoError(f"citation key {ref.key!r} is not a plain key", str(path),
                           f"entry {ref.key}")
    if ref.key in refs:
        raise CryontoError(f"citation key {ref.key!r} occurs twice", str(path), f"entry {ref.key}")
    refs[ref.key] = ref


def _bibtex(path: Path, text: str) -> dict[str, Reference]:
    import bibtexparser
    from bibtexparser.bparser import BibTexParser
    from bibtexparser.customization import convert_to_unicode

    parser = BibTexParser(common_strings=True)
    parser.customization = convert_to_unicode
    try:
        database = bibtexparser.loads(text, parser=parser)
    except Exception as exc:  # any parser error becomes one line naming the file
        raise CryontoError(f"not valid BibTeX: {exc}", str(path)) from None
    refs: dict[str, Reference] = {}
    for entry in database.entries:
        key = entry.get("ID", "")
        authors = tuple(a.strip() for a in re.split(r"\s+and\s+", entry.get("author", ""))
                        if a.strip())
        _add(path, refs, Reference(
            key=key, title=_unbrace(entry.get("title")), authors=authors,
            year=(entry.get("year") or "").strip() or None,
            container=_unbrace(entry.get("journal") or entry.get("booktitle")
                               or entry.get("publisher")),
            doi=_checked_doi(path, key, entry.get("doi")),
            kind="book" if entry.get("ENTRYTYPE", "").lower() == "book" else "article"))
    return refs


def _unbrace(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(value.replace("{", "").replace("}", "").split()) or None


def _ris(path: Path, text: str) -> dict[str, Reference]:
    import rispy

    try:
        entries = rispy.loads(text)
    except Exception as exc:  # any parser error becomes one line naming the file
        raise CryontoError(f"not valid RIS: {exc}", str(path)) from None
    refs: dict[str, Reference] = {}
    for n, entry in enumerate(entries, start=1):
        key = (entry.get("id") or "").strip()
        if not key:
            raise CryontoError("RIS record without an ID tag (the citation key)", str(path),
                               f"record {n}")
        year = entry.get("year") or entry.get("publication_year") or entry.get("date") or ""
        _add(path, refs, Reference(
            key=key, title=entry.get("title") or entry.get("primary_title"),
            authors=tuple(entry.get("authors") or entry.get("first_authors") or ()),
            year=str(year)[:4] or None,
            container=entry.get("journal_name") or entry.get("secondary_title"),
            doi=_checked_doi(path, key, entry.get("doi")),
            kind="book" if entry.get("type_of_reference") == "BOOK" else "article"))
    return refs


def _csl_json(path: Path, text: str) -> dict[str, Reference]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CryontoError(f"not valid CSL-JSON: {exc.msg}", str(path),
                           f"line {exc.lineno}") from None
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        raise CryontoError("CSL-JSON must be a list of items", str(path))
    refs: dict[str, Reference] = {}
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not str(item.get("id", "")).strip():
            raise CryontoError("CSL-JSON item without an id (the citation key)", str(path),
                               f"item {n}")
        key = str(item["id"]).strip()
        authors = tuple(", ".join(x for x in (a.get("family"), a.get("given")) if x)
                        or a.get("literal", "") for a in item.get("author") or []
                        if isinstance(a, Mapping))
        parts = ((item.get("issued") or {}).get("date-parts") or [[None]])[0]
        year = str(parts[0]) if parts and parts[0] else None
        _add(path, refs, Reference(
            key=key, title=item.get("title"), authors=authors, year=year,
            container=item.get("container-title"), doi=_checked_doi(path, key, item.get("DOI")),
            kind="book" if item.get("type") == "book" else "article"))
    return refs


# -- building the graph ---------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug or "findings"


@dataclass
class Builtin:
    """The packaged literature records, by lower-case DOI and by key (knox2017, gutjahr2025)."""

    by_doi: dict[str, str] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)


def builtin_records() -> Builtin:
    """The packaged records a user finding may cite instead of a reference of its own."""
    from cryonto import resources

    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path)
    records = {s for s in graph.subjects(DCTERMS.bibliographicCitation, None)
               if isinstance(s, URIRef) and str(s).startswith(str(CRY))}
    return Builtin({str(doi).lower(): str(s) for s, doi in graph.subject_objects(BIBO.doi)
                    if s in records},
                   {str(s).rsplit("/", 1)[-1]: str(s) for s in records})


def build_graph(rows: Sequence[FindingRow], references: Mapping[str, Reference], source: Path,
                base: str, system=None, builtin: Builtin | None = None) -> Graph:
    """The findings graph: one cry:UserFinding per row, with records for its studies."""
    from cryonto.category import load_category_system

    system = system or load_category_system()
    builtin = builtin_records() if builtin is None else builtin
    g = Graph()
    for prefix, ns in (("cry", CRY), ("cito", CITO), ("bibo", BIBO), ("fabio", FABIO),
                       ("prov", PROV), ("dcterms", DCTERMS)):
        g.bind(prefix, ns)
    finding_ns = Namespace(base + "finding/")
    record_ns = Namespace(base + "ref/")
    g.bind("userfinding", finding_ns)
    g.bind("userref", record_ns)
    records: dict[str, URIRef] = {}
    doi_of_record: dict[URIRef, str] = {}
    agents: dict[str, URIRef | BNode] = {}
    counters: dict[str, int] = {}
    seen_ids: set[str] = set()
    doi_keys = {r.doi.lower(): k for k, r in references.items() if r.doi}

    def fail(row: FindingRow, reason: str) -> CryontoError:
        return CryontoError(reason, str(source), row.where)

    for row in rows:
        record, key = _record_for(g, row, row.study, references, builtin, records, record_ns,
                                  doi_keys, fail)
        quoted = record
        if row.quoted_from:
            quoted, _ = _record_for(g, row, row.quoted_from, references, builtin, records,
                                    record_ns, doi_keys, fail)
        doi = g.value(record, BIBO.doi)
        if doi is not None:
            doi_of_record[record] = str(doi).lower()
        concepts = []
        for name in row.categories:
            iri = system.resolve_code(name)
            if iri is None:
                raise fail(row, f"category {name!r} is not a notation, label or IRI of the "
                                "category system")
            concepts.append(URIRef(iri))
        if row.id:
            if not _KEY.match(row.id):
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
        f = finding_ns[local]
        g.add((f, RDF.type, CRY.Finding))
        g.add((f, RDF.type, CRY.UserFinding))
        g.add((f, RDF.type, OWL.NamedIndividual))
        claim = row.claim or row.evidence
        g.add((f, RDFS.label, Literal(_short(claim))))
        g.add((f, CRY.claim, Literal(claim)))
        g.add((f, DCTERMS.source, record))
        stance = STANCES[row.stance]
        for concept in concepts:
            g.add((f, CRY.bearsOn, concept))
            g.add((f, stance, concept))
        g.add((f, CRY.evidenceText, Literal(row.evidence)))
        g.add((f, BIBO.locator, Literal(row.location)))
        g.add((f, PROV.wasQuotedFrom, quoted))
        g.add((f, PROV.wasAttributedTo, _agent(g, row.extracted_by, agents)))
        g.add((f, PROV.generatedAtTime, when))
        g.add((f, CRY.importedFrom, Literal(f"{source.name} {row.where}")))
    return g


def _record_for(g: Graph, row: FindingRow, study: str, references: Mapping[str, Reference],
                builtin: Builtin, records: dict[str, URIRef], record_ns: Namespace,
                doi_keys: Mapping[str, str], fail) -> tuple[URIRef, str]:
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
            iri = URIRef(builtin.by_doi[doi.lower()])
            return iri, str(iri).rsplit("/", 1)[-1]
        key = doi_keys.get(doi.lower())
        if key is None:
            key = _slug(doi)
            ref = Reference(key=key, doi=doi)
        else:
            ref = references[key]
    else:
        if not _KEY.match(study):
            raise fail(row, f"study {study!r} is neither a DOI nor a citation key")
        if study not in references and study in builtin.by_key:
            return URIRef(builtin.by_key[study]), study
        if study not in references:
            raise fail(row, f"citation key {study!r} is not in the references"
                            + ("" if references else " (give --references)"))
        ref = references[study]
        key = study
        if ref.doi and ref.doi.lower() in builtin.by_doi:
            iri = URIRef(builtin.by_doi[ref.doi.lower()])
            return iri, str(iri).rsplit("/", 1)[-1]
    if key in records:
        return records[key], key
    iri = record_ns[key]
    records[key] = iri
    g.add((iri, RDF.type, FABIO.Book if ref.kind == "book" else FABIO.JournalArticle))
    g.add((iri, RDF.type, OWL.NamedIndividual))
    g.add((iri, DCTERMS.identifier, Literal(key)))
    if ref.title:
        g.add((iri, DCTERMS.title, Literal(ref.title)))
        g.add((iri, DCTERMS.bibliographicCitation, Literal(ref.citation())))
    for author in ref.authors:
        g.add((iri, DCTERMS.creator, Literal(author)))
    if ref.year:
        g.add((iri, DCTERMS.date, Literal(ref.year, datatype=XSD.gYear)))
    if ref.doi:
        g.add((iri, BIBO.doi, Literal(ref.doi)))
    return iri, key


def _agent(g: Graph, who: str, agents: dict[str, URIRef | BNode]) -> URIRef | BNode:
    if who in agents:
        return agents[who]
    m = _ORCID.match(who)
    node: URIRef | BNode = URIRef(f"https://orcid.org/{m.group(1)}") if m else BNode()
    g.add((node, RDF.type, PROV.Agent))
    if not m:
        g.add((node, RDFS.label, Literal(who)))
    agents[who] = node
    return node


def _when(text: str) -> Literal | None:
    """xsd:date for a date, xsd:dateTime for a date-time (no time is invented)."""
    try:
        if "T" in text:
            return Literal(datetime.fromisoformat(text).isoformat(), datatype=XSD.dateTime)
        return Literal(date.fromisoformat(text).isoformat(), datatype=XSD.date)
    except ValueError:
        return None


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


# -- reading findings graphs back (cryonto show) ----------------------------------------


def load_user_findings(paths: Sequence[Path | str]) -> list[dict]:
    """Every finding in the given findings graphs, as plain data (one dict per category)."""
    out: list[dict] = []
    for path in paths:
        g = Graph()
        try:
            g.parse(str(path))
        except FileNotFoundError:
            raise CryontoError("no such file", str(path)) from None
        except Exception as exc:  # any parser error becomes one line naming the file
            raise CryontoError(f"cannot read findings: {str(exc).splitlines()[0]}",
                               str(path)) from None
        for f in sorted(g.subjects(RDF.type, CRY.Finding), key=str):
            for prop in STANCES.values():
                for category in g.objects(f, prop):
                    record = g.value(f, DCTERMS.source)
                    citation = g.value(record, DCTERMS.bibliographicCitation) if record else None
                    out.append({
                        "iri": str(f), "category": str(category),
                        "stance": str(prop).rsplit("/", 1)[-1],
                        "label": _opt(g.value(f, RDFS.label)),
                        "claim": _opt(g.value(f, CRY.claim)),
                        "evidence": _opt(g.value(f, CRY.evidenceText)),
                        "location": _opt(g.value(f, BIBO.locator)),
                        "source": {"iri": str(record) if record else None,
                                   "citation": str(citation) if citation else None},
                        "file": str(path), "user": True})
    return out


# -- the whole import ------------------------------------------------------------------


def import_findings(path: Path | str, output: Path | str | None = None,
                    references: Path | str | None = None, base: str | None = None,
                    ontology: Iterable[Path] | None = None) -> ImportResult:
    """Read FILE (+ references), build the findings graph and write it as Turtle."""
    from cryonto.category import load_category_system

    path = Path(path)
    if not path.is_file():
        raise CryontoError("no such file", str(path))
    out = Path(output) if output else path.with_name(f"{path.stem}.findings.ttl")
    refs = read_references(Path(references)) if references else {}
    rows = read_findings(path)
    system = load_category_system(list(ontology) if ontology else None)
    base = base or f"https://w3id.org/cryonto/user/{_slug(path.stem)}/"
    if not base.endswith(("/", "#")):
        raise CryontoError(f"base IRI {base!r} must end with / or #")
    g = build_graph(rows, refs, path, base, system)
    text = (f"# Findings imported by cryonto from {path.name}"
            + (f" with references from {Path(references).name}" if references else "")
            + ".\n# Load beside ontology/literature.ttl; validate with "
              "`cryonto validate --profile findings`.\n"
            + g.serialize(format="turtle"))
    write_text(out, text)
    findings = set(g.subjects(RDF.type, CRY.UserFinding))
    stances: dict[str, int] = {}
    for name, prop in STANCES.items():
        n = sum(1 for f in findings if (f, prop, None) in g)
        if n:
            stances["disagreesWith" if name == "disagreeswith" else name] = n
    sources = {s for f in findings for s in g.objects(f, DCTERMS.source)}
    reused = sorted(str(s) for s in sources if str(s).startswith(str(CRY))
                    and not str(s).startswith(base))
    return ImportResult(path, out, len(findings), len(sources),
                        len({c for f in findings for c in g.objects(f, CRY.bearsOn)}),
                        reused, stances)


__all__ = ["DOI_PATTERN", "STANCES", "Builtin", "FindingRow", "ImportResult", "Reference",
           "build_graph", "import_findings", "load_user_findings", "normalize_doi",
           "read_findings", "read_references"]
