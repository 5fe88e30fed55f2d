"""The user's own findings as read: rows from CSV, YAML or JSON, and their references.

A finding names its study (a DOI or a citation key), the categories it bears on
(notation, label, CURIE or IRI), one CiTO stance toward them (supports,
qualifies, disagreesWith), the evidence sentence with its page or section, and
who extracted it and when. Citation keys are resolved in a reference file
(BibTeX via bibtexparser, RIS via rispy, CSL-JSON via json); a DOI is checked
for syntax only and reuses the packaged literature record that carries it.
Nothing is fetched. Every bad row raises `CryontoError` naming the file and the
row; `cryonto.findings.build` turns the rows into the findings graph.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cryonto.errors import CryontoError
from cryonto.vocab import CITO

#: stance as written (lower case, no spaces) -> the CiTO property's IRI
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
#: a plain key: citation keys and finding ids
KEY = re.compile(r"^[A-Za-z][\w:.+-]*$")


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


# -- DOIs ---------------------------------------------------------------------------


def normalize_doi(text: str) -> str | None:
    """The bare DOI (prefix https://doi.org/ or doi: removed), or None if not DOI syntax."""
    bare = _DOI_PREFIX.sub("", text.strip())
    return bare if DOI_PATTERN.match(bare) else None


def looks_like_doi(text: str) -> bool:
    return bool(_DOI_PREFIX.match(text.strip())) or text.strip().startswith("10.")


# -- reading findings ----------------------------------------------------------------


def _text_of(path: Path) -> str:
    """A UTF-8 file's text (a BOM dropped); unreadable or not UTF-8: one line."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CryontoError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise CryontoError("not UTF-8 text", str(path)) from None


def read_findings(path: Path) -> list[FindingRow]:
    """Rows of a CSV (header row), YAML or JSON file (a list, or {findings: [...]})."""
    kind = INPUT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CryontoError(f"unknown findings format {path.suffix!r}; expected .csv, .yaml, "
                           ".yml or .json", str(path))
    text = _text_of(path)
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
    return FindingRow(where, opt_text(data.get("id")), str(data["study"]).strip(), cats,
                      stance.replace(" ", "").lower(), opt_text(data.get("claim")),
                      _text(data["evidence"]), _text(data["location"]),
                      _text(data["extracted_by"]), when, opt_text(data.get("quoted_from")))


def _text(value: object) -> str:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return " ".join(str(value).split())


def opt_text(value: object) -> str | None:
    """Whitespace-collapsed text, or None for nothing."""
    text = _text(value) if value is not None else ""
    return text or None


# -- reading references ---------------------------------------------------------------


def read_references(path: Path) -> dict[str, Reference]:
    """Citation key -> Reference, from BibTeX, RIS or CSL-JSON."""
    kind = REFERENCE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CryontoError(f"unknown reference format {path.suffix!r}; expected .bib, .ris or "
                           ".json (CSL-JSON)", str(path))
    text = _text_of(path)
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
    if not KEY.match(ref.key):
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


def slug(text: str) -> str:
    """A key made of lower-case letters, digits and dashes ("findings" if nothing is left)."""
    found = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return found or "findings"

