"""Import coded data (CSV, MAXQDA, REFI-QDA) into the RDF model, with counts that add up.

`import_file` runs a reader, applies an optional SSSOM mapping table and checks
that the counts the reader saw in the file, plus every reported adjustment
(merges, uncoded selections, implied parent codes), equal the counts of the
dataset built. `import_to_turtle` also writes the Turtle, reads it back with
`model.from_store` and checks the counts once more; only then does the output
file appear (atomically), so a failed import leaves no file behind.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryonto.atomic import refuse_overwrite, temp_sibling
from cryonto.coded import (
    COUNT_FIELDS,
    Adjustment,
    Code,
    CodedDataset,
    Counts,
    Segment,
    adjusted,
    count_store,
)
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, RdfFormat
from cryonto.readers.common import Categories, ReadResult
from cryonto.readers.xmlsafe import ZipLimits

FORMATS = ("csv", "maxqda", "refi")


@dataclass
class ImportResult:
    dataset: CodedDataset
    counts_in: Counts  # what the reader saw in the file
    counts_out: Counts  # dataset.counts()
    unmapped: list[str]  # study codes neither a category nor mapped onto one
    format: str = ""
    source: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    mapping: dict[str, object] | None = None
    counts_written: Counts | None = None  # re-counted from the file written
    output: str | None = None
    warnings: list[str] = field(default_factory=list)  # near-miss codes (did you mean …)
    #: segments per code key, counted while streaming (the dataset then holds no segments)
    segments_per_code: Counter[str] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "source": self.source,
            "output": self.output,
            "study": self.dataset.study,
            "study_iri": self.dataset.base_iri,
            "counts_in": self.counts_in.as_dict(),
            "adjustments": [a.as_dict() for a in self.adjustments],
            "counts_out": self.counts_out.as_dict(),
            "counts_written": self.counts_written.as_dict() if self.counts_written else None,
            "unmapped": self.unmapped,
            "unmapped_codes": [{"code": code.key, "label": code.name, "segments": n}
                               for code, n in self.unmapped_use()],
            "codes": self.code_use(),
            "mapping": self.mapping,
            "notes": self.notes,
            "warnings": self.warnings,
            "details": self.details,
        }

    def code_use(self) -> dict[str, int]:
        """Codes *defined* (the project's codebook, used or not) against codes *used* (by at
        least one coding), and how the used ones reach the category system: a codebook
        often holds many codes nobody applied, and only the used ones matter to queries."""
        used = set(self._per_code())
        codes = [self.dataset.codes[k] for k in used if k in self.dataset.codes]
        direct = sum(1 for c in codes if c.category is not None)
        mapped = sum(1 for c in codes if c.category is None and c.mappings)
        return {"defined": len(self.dataset.codes), "used": len(used),
                "used_categories": direct, "used_mapped": mapped,
                "used_unmapped": len(codes) - direct - mapped}

    def _per_code(self) -> Counter[str]:
        if self.segments_per_code is not None:
            return self.segments_per_code
        return Counter(key for seg in self.dataset.segments for key in seg.codes)

    def unmapped_use(self) -> list[tuple[Code, int]]:
        """Every unmapped study code with the number of segments coded with it, most used
        first (ties in codebook order)."""
        per_code = self._per_code()
        codes = [self.dataset.codes[key] for key in self.unmapped]
        return sorted(((c, per_code[c.key]) for c in codes), key=lambda item: -item[1])


def _read(fmt: str, path: Path, study: str | None, categories: Categories,
          limits: ZipLimits | None, refi_options: dict[str, object],
          csv_options: dict[str, object]):
    if fmt == "csv":
        from cryonto.readers.csv import read_csv
        return read_csv(path, study, categories, **csv_options)  # type: ignore[arg-type]
    if any(v is not None for v in csv_options.values()):
        raise CryontoError("--texts and --delimiter apply to csv imports only")
    if fmt == "maxqda":
        from cryonto.readers.maxqda import read_maxqda
        return read_maxqda(path, study, categories, limits)
    if fmt == "refi":
        from cryonto.readers.refi import read_refi
        return read_refi(path, study, categories, limits, **refi_options)  # type: ignore[arg-type]
    raise CryontoError(f"unknown import format {fmt!r}; expected one of {', '.join(FORMATS)}")


def import_file(fmt: str, path: Path | str, study: str | None = None,
                mapping: Path | str | None = None, *,
                ontology: Path | str | Sequence[Path | str] | None = None,
                limits: ZipLimits | None = None, positions: str | None = None,
                coder_from: str = "coding", strict_codes: bool = False,
                texts: Path | str | None = None, delimiter: str | None = None) -> ImportResult:
    """Read one export into a `CodedDataset`; counts in (+ adjustments) must equal counts out.

    `ontology` names the category system file(s) codes are resolved against
    (default: the packaged ontology); `limits` bounds what a zip may inflate to.
    REFI only: `positions` forces the unit of text positions, `coder_from` picks
    whose creatingUser is the coder. `strict_codes` makes near-miss codes an error.
    CSV only: `texts` is a directory of ``<document>.txt`` transcripts to attach,
    `delimiter` forces `,`, `;` or a tab (default: detected from the header).
    """
    fmt = fmt.lower()
    path = Path(path)
    categories = Categories(ontology)
    refi_options: dict[str, object] = {"positions": positions, "coder_from": coder_from}
    csv_options: dict[str, object] = {"texts": texts, "delimiter": delimiter}
    read = _read(fmt, path, study, categories, limits, refi_options, csv_options)
    return settle(fmt, path, read, categories, mapping, strict_codes)


def settle(fmt: str, path: Path, read: ReadResult, categories: Categories,
           mapping: Path | str | None, strict_codes: bool, *, counts_out: Counts | None = None,
           first_uses: list[Segment] | None = None) -> ImportResult:
    """What every import does after reading: apply the mapping, warn of near-miss codes,
    and refuse counts in (+ adjustments) that differ from counts out.

    The streaming import passes `counts_out` (its dataset holds no segments, they went to
    the file) and `first_uses`, one stub segment per code naming where it was first used.
    """
    ds = read.dataset
    mapping_summary: dict[str, object] | None = None
    if mapping is not None:
        from cryonto.readers.sssom import apply_mapping, read_mapping
        mapping_summary = dict(apply_mapping(read_mapping(mapping), ds, categories))
        mapping_summary["file"] = str(mapping)
    from cryonto.mapping import near_misses

    if first_uses is None:
        warnings = near_misses(ds, categories.system)
    else:
        ds.segments = first_uses
        try:
            warnings = near_misses(ds, categories.system)
        finally:
            ds.segments = []
    if strict_codes and warnings:
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        raise CryontoError(f"{warnings[0]}{more}; --strict-codes makes this an error", str(path))
    counts_out = ds.counts() if counts_out is None else counts_out
    expected = adjusted(read.counts_in, read.adjustments)
    if counts_out != expected:
        raise CryontoError("counts do not add up, nothing written: "
                           + _difference(expected, counts_out, "expected", "built"), str(path))
    _fix_iris(ds)
    unmapped = [code.key for code in ds.unmapped_codes()]
    return ImportResult(
        dataset=ds, counts_in=read.counts_in, counts_out=counts_out,
        unmapped=unmapped, format=fmt, source=str(path), adjustments=read.adjustments,
        notes=read.notes, details=read.details, mapping=mapping_summary, warnings=warnings)


def check_written(imported: Counts, written_counts: Counts, path: Path | str, written: str,
                  kind: str) -> None:
    """Refuse a written file whose re-count differs from what was imported.

    `written` begins the message ("the Turtle written does"), `kind` names the file's
    side of the difference ("Turtle")."""
    if written_counts != imported:
        raise CryontoError(f"{written} not hold what was imported, nothing written: "
                           + _difference(imported, written_counts, "imported", f"in {kind}"),
                           str(path))


def import_to_turtle(fmt: str, path: Path | str, output: Path | str, study: str | None = None,
                     mapping: Path | str | None = None, *,
                     ontology: Path | str | Sequence[Path | str] | None = None,
                     limits: ZipLimits | None = None, texts: Path | str | None = None,
                     **options: object) -> ImportResult:
    """`import_file`, then write Turtle and re-count it; the file appears only if all match."""
    output = Path(output)
    ontologies = [ontology] if isinstance(ontology, str | Path) else list(ontology or ())
    transcripts = sorted(Path(texts).glob("*.txt")) if texts is not None else []
    refuse_overwrite(output, [path, mapping, *ontologies, *transcripts])
    result = import_file(fmt, path, study, mapping, ontology=ontology, limits=limits,
                         texts=texts, **options)  # type: ignore[arg-type]
    fd, tmp_name = temp_sibling(output)
    os.close(fd)
    try:
        try:
            result.dataset.write_turtle(tmp_name)
        except CryontoError as error:  # name the output, not its temporary file
            raise CryontoError(error.reason, str(output), error.where) from None
        except MemoryError:
            raise CryontoError("out of memory writing the Turtle", str(output)) from None
        result.counts_written = _recount(tmp_name, result.dataset.base_iri)
        check_written(result.counts_out, result.counts_written, path,
                      "the Turtle written does", "Turtle")
        os.replace(tmp_name, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    result.output = str(output)
    return result


def _fix_iris(ds: CodedDataset) -> None:
    """Derive every IRI once (the model would re-slug the key at every reference)."""
    ds.base = ds.base_iri
    for code in ds.codes.values():
        if code.category is None and code.iri is None:
            code.iri = ds.iri("code", code.key)
    for doc in ds.documents.values():
        doc.iri = doc.iri or ds.iri("document", doc.key)
    for coder in ds.coders.values():
        coder.iri = coder.iri or ds.iri("coder", coder.key)
    for seg in ds.segments:
        seg.iri = seg.iri or ds.iri("segment", seg.id)


def _recount(turtle: str, study_iri: str) -> Counts:
    store = GraphStore()
    store.load_file(turtle, fmt=RdfFormat.TURTLE)  # a temporary file: no .ttl suffix
    return count_store(store, study_iri)


def _difference(a: Counts, b: Counts, a_name: str, b_name: str) -> str:
    left, right = a.as_dict(), b.as_dict()
    return "; ".join(f"{name} {a_name} {left[name]}, {b_name} {right[name]}"
                     for name in COUNT_FIELDS if left[name] != right[name])
