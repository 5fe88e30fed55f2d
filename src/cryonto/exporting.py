"""Export API: the category system as a codebook, coded data as REFI-QDA, CSV or Turtle.

Each function reads its input (the ontology, or coded datasets through
`GraphStore` and `model.from_store`), hands objects to a writer in
`cryonto.writers`, and returns an `ExportResult` with the counts in and out.
Counts are taken from the content actually written (re-read from the bytes),
and compared with what the input says the format must carry; any difference is
a `CryontoError` and nothing is written. All output is atomic.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryonto.atomic import atomic_write, write_text
from cryonto.coded import (
    COUNT_FIELDS,
    Adjustment,
    CodedDataset,
    Counts,
    adjusted,
    count_store,
    from_store,
)
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, RdfFormat
from cryonto.storage import data_store

if TYPE_CHECKING:
    from cryonto.writers.csv import Pseudonymizer

SALT_ENV = "CRYONTO_SALT"
CODEBOOK_FORMATS = ("qdc", "csv", "xlsx", "md")
REDACTED_NOTE = ("redacted: segment, memo and transcript text, the study description and all "
                 "file names removed; study, documents, participants and segments renamed by "
                 "pseudonyms (docs/export.md)")


@dataclass
class ExportResult:
    path: Path
    counts_in: Counts  # what the input holds
    counts_out: Counts  # re-counted from the content written
    notes: list[str] = field(default_factory=list)
    random_salt: bool = False  # pseudonyms from a salt kept nowhere
    #: deliberate differences (what the format cannot carry); in + these == out
    adjustments: list[Adjustment] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"output": str(self.path), "counts_in": self.counts_in.as_dict(),
                "adjustments": [{"field": a.field, "delta": a.delta, "reason": a.reason}
                                for a in self.adjustments],
                "counts_out": self.counts_out.as_dict(), "notes": self.notes,
                "random_salt": self.random_salt}


def _check_counts(expected: Counts, written: Counts, what: str) -> None:
    if expected != written:
        diff = ", ".join(f"{k} {expected.as_dict()[k]} -> {written.as_dict()[k]}"
                         for k in expected.as_dict()
                         if expected.as_dict()[k] != written.as_dict()[k])
        raise CryontoError(f"{what}: counts in and out differ ({diff}); nothing written")


def _sum_counts(datasets: Sequence[CodedDataset]) -> Counts:
    totals = [ds.counts() for ds in datasets]
    return Counts(*(sum(getattr(c, f) for c in totals)
                    for f in ("documents", "codes", "segments", "codings", "coders")))


# -- codebook ----------------------------------------------------------------------


def codebook_format_for(path: Path | str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in CODEBOOK_FORMATS else "qdc"


def export_codebook(path: Path | str, fmt: str | None = None, lang: str = "en",
                    ontology: Path | str | Sequence[Path | str] | None = None) -> ExportResult:
    """Write the category system as a codebook (qdc, csv, xlsx or md)."""
    from cryonto.category import load_category_system
    from cryonto.writers.codebook import codebook_entries, write_codebook

    fmt = fmt or codebook_format_for(path)
    system = load_category_system(ontology)
    entries = codebook_entries(system, lang)
    concepts = len({c.iri for c in system.concepts()})
    written = write_codebook(entries, path, fmt, lang)
    counts_in = Counts(0, concepts, 0, 0, 0)
    counts_out = Counts(0, written, 0, 0, 0)
    _check_counts(counts_in, counts_out, "codebook")
    return ExportResult(Path(path), counts_in, counts_out)


# -- coded data --------------------------------------------------------------------


def load_datasets(paths: Sequence[Path | str] | GraphStore) -> list[CodedDataset]:
    """Every study in the given RDF files (the ontology loaded alongside for labels)."""
    if not paths:
        raise CryontoError("no DATA file given")
    store = data_store(paths)
    datasets = from_store(store)
    if not datasets:
        raise CryontoError("no coded dataset (cry:Study) in the input", _names(paths))
    return datasets


def _names(paths: Sequence[Path | str] | GraphStore) -> str:
    if isinstance(paths, GraphStore):
        return str(getattr(paths, "directory", "the store"))
    return ", ".join(str(p) for p in paths)


def _categories():
    from cryonto.category import load_category_system

    return load_category_system()


def export_refi(paths: Sequence[Path | str] | GraphStore, out: Path | str,
                name: str | None = None, redact: bool = False,
                salt: str | None = None, positions: str = "codepoints") -> ExportResult:
    """Coded data as a REFI-QDA project (.qdpx) valid against Project.xsd; `redact` for
    sharing (no text in the project or its sources, names replaced by pseudonyms);
    `positions` is the unit the target software counts ("utf16" for NVivo)."""
    from cryonto.writers.refi import build_project, write_qdpx

    datasets, counts_in, redaction = _load_redacted(paths, redact, salt)
    project = build_project(datasets, _categories(), name=name, positions=positions)
    _check_counts(adjusted(counts_in, project.adjustments), project.counts, "refi export")
    write_qdpx(project, out)
    notes = list(project.notes)
    if redaction:
        notes += redaction.notes(datasets)
    return ExportResult(Path(out), counts_in, project.counts, notes,
                        random_salt=bool(redaction and redaction.random),
                        adjustments=project.adjustments)


def _pseudonymizer(salt: str | None):
    from cryonto.writers.csv import Pseudonymizer

    if salt is None:
        salt = os.environ.get(SALT_ENV) or None
    return Pseudonymizer(salt)


@dataclass
class _Redaction:
    """How the data was redacted: the keyed pseudonyms, and the data before."""

    pseudonym: Pseudonymizer
    originals: list[CodedDataset]

    @property
    def random(self) -> bool:
        return self.pseudonym.random

    def notes(self, redacted: Sequence[CodedDataset]) -> list[str]:
        """The redaction note, and any replaced name still in a code or coder name."""
        from cryonto.writers.csv import leftover_names

        notes = [REDACTED_NOTE]
        left = leftover_names(self.originals, redacted)
        if left:
            notes.append("a study, file, document, participant or segment name is still in "
                         "text redaction keeps (code names and definitions, coders): "
                         + "; ".join(repr(t[:60]) for t in left[:5])
                         + ("; …" if len(left) > 5 else "") + "; check before sharing")
        return notes


def _load_redacted(paths: Sequence[Path | str] | GraphStore, redact: bool, salt: str | None):
    """The datasets to export, their counts before anything changes, and the redaction
    (None unless `redact`): what every data export starts with."""
    from cryonto.writers import csv as csv_writer

    datasets = load_datasets(paths)
    counts_in = _sum_counts(datasets)
    redaction = None
    if redact:
        redaction = _Redaction(_pseudonymizer(salt), datasets)
        datasets = [csv_writer.redact(ds, redaction.pseudonym) for ds in datasets]
    return datasets, counts_in, redaction


def export_csv(paths: Sequence[Path | str] | GraphStore, out: Path | str, redact: bool = False,
               salt: str | None = None) -> ExportResult:
    """Coded data as the generic CSV `cryonto import csv` reads; `redact` for sharing."""
    from cryonto.writers import csv as csv_writer

    datasets, counts_in, redaction = _load_redacted(paths, redact, salt)
    table = csv_writer.build_rows(datasets, _categories())
    text = table.text()
    written = csv_writer.count_csv(text)
    _check_counts(adjusted(counts_in, table.adjustments), written, "csv export")
    write_text(out, text)
    notes = list(table.notes)
    if redaction:
        notes += redaction.notes(datasets)
    return ExportResult(Path(out), counts_in, written, notes,
                        random_salt=bool(redaction and redaction.random),
                        adjustments=table.adjustments)


def export_turtle(paths: Sequence[Path | str] | GraphStore, out: Path | str, redact: bool = False,
                  license: str | None = None, salt: str | None = None,
                  creator: str | None = None) -> ExportResult:
    """Coded data as Turtle; `redact` and `license` make it pass `validate --profile
    shareable`."""

    datasets, counts_in, redaction = _load_redacted(paths, redact, salt)
    if license:
        if not _looks_like_iri(license):
            raise CryontoError(f"--license must be an IRI (e.g. "
                               f"https://creativecommons.org/licenses/by/4.0/), got {license!r}")
        for ds in datasets:
            ds.license = license
    if creator:
        for ds in datasets:
            ds.creator = creator
    expected = _sum_counts(datasets)
    store = GraphStore()
    for ds in datasets:
        ds.to_store(store)
    data = store.dump(RdfFormat.TURTLE, graph="", prefixes=_prefixes(datasets))
    check = GraphStore()
    check.load_bytes(data, RdfFormat.TURTLE)
    per_study = [count_store(check, ds.base_iri) for ds in datasets]
    written = Counts(*(sum(getattr(c, f) for c in per_study) for f in COUNT_FIELDS))
    _check_counts(expected, written, "turtle export")
    _check_counts(counts_in, written, "turtle export")  # redaction keeps every count
    with atomic_write(out, "wb") as handle:
        handle.write(data)
    notes = []
    if redaction:
        notes += redaction.notes(datasets)
        if not all(ds.license for ds in datasets):
            notes.append("no license on the dataset: the shareable profile requires one "
                         "(--license IRI)")
        if not all(ds.creator for ds in datasets):
            notes.append("no provenance on the dataset: the shareable profile requires one "
                         "(--creator NAME)")
    return ExportResult(Path(out), counts_in, written, notes,
                        random_salt=bool(redaction and redaction.random))


def _looks_like_iri(text: str) -> bool:
    import re

    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]+$", text) is not None


def _prefixes(datasets: Sequence[CodedDataset]) -> dict[str, str]:
    from cryonto.vocab import PREFIXES

    prefixes = {k: v for k, v in PREFIXES.items()
                if k in ("cry", "skos", "rdfs", "xsd", "dcterms", "prov", "oa")}
    if len(datasets) == 1:
        base = datasets[0].base_iri
        prefixes.update({"study": base, "doc": base + "document/", "code": base + "code/",
                         "coder": base + "coder/", "seg": base + "segment/"})
    return prefixes


__all__ = ["CODEBOOK_FORMATS", "SALT_ENV", "ExportResult", "codebook_format_for",
           "export_codebook", "export_csv", "export_refi", "export_turtle", "load_datasets"]
