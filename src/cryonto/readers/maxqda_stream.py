"""MAXQDA "Coded segments" exports (.xlsx, .csv) read row by row, for the streaming import.

`read_maxqda` reads every row of the sheet into a list, then builds the study. Here
openpyxl's read-only mode hands out one row at a time and each row's segment (MAXQDA
never merges rows) is handed on at once; documents and codes (with the parents a code
path implies) are small and kept. The checks are `read_maxqda`'s; on the first error
the caller re-reads the file with `read_maxqda`, whose message is the one shown.
A .csv export's encoding is decided from all its bytes (a BOM, else UTF-8 if they all
decode, else Windows-1252): a first pass checks them chunk by chunk, the second reads rows.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from cryonto.coded import Code, CodedDataset, Coder, Counts, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    _BOMS,
    Categories,
    ReadResult,
    auto_map,
    cell_text,
    check_text_size,
    color,
    csv_field_limit,
    orientation,
    plural,
)
from cryonto.readers.maxqda import (
    _GERMAN,
    _LOOKUP,
    _PAGE_POSITION,
    CSV_SUFFIXES,
    DELIMITER_NAMES,
    HEADERS,
    IGNORED,
    REQUIRED,
    _date,
    _paragraph,
    _xlsx_error,
    csv_delimiter,
)
from cryonto.readers.xmlsafe import SafeZip, ZipLimits

#: the suffixes read row by row
SUFFIXES = (".xlsx", ".xlsm", *CSV_SUFFIXES)

#: the codec that reads a text stream past each byte order mark as `decode_detect` does
_STREAM_CODECS = {"utf-8-sig": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}


def _detect(path: Path) -> tuple[str, str]:
    """(codec, name) of `decode_detect`'s choice: a BOM, else UTF-8 if every byte decodes
    as UTF-8 (checked chunk by chunk), else Windows-1252."""
    with path.open("rb") as handle:
        start = handle.read(3)
        for bom, codec, name in _BOMS:
            if start.startswith(bom):
                return _STREAM_CODECS[codec], name
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", "Windows-1252 (not valid UTF-8)"
    return "utf-8", "UTF-8"


class MaxqdaStream:
    """Iterate `segments()` once; then `result()` is what `read_maxqda` would report."""

    def __init__(self, path: Path | str, study: str | None = None,
                 categories: Categories | None = None, limits: ZipLimits | None = None) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self.categories = categories or Categories()
        self.limits = limits
        self.dataset = CodedDataset(study=study or self.path.stem, source_file=self.path.name)
        self.dataset.base = self.dataset.base_iri
        self.first_use: dict[str, int] = {}
        self._paths: set[str] = set()
        self._groups: Counter[str] = Counter()
        self._segments = self._empty = self._no_position = self._odd_colors = 0
        self._how = self._language = ""
        self._ignored: list[str] = []
        self._done = False

    def _rows(self) -> Iterator[list[object]]:
        if self.path.suffix.lower() in CSV_SUFFIXES:
            yield from self._csv_rows()
            return
        from openpyxl import load_workbook

        with SafeZip(self.path, self.limits, kind="MAXQDA .xlsx workbook") as archive:
            archive.check_all()
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for broken files
            raise _xlsx_error(error, self.path) from None
        try:
            sheet = workbook.worksheets[0]
            self._how = f"xlsx, sheet {sheet.title!r}"
            rows = sheet.iter_rows(values_only=True)
            while True:
                try:
                    row = next(rows, None)
                except Exception as error:
                    raise _xlsx_error(error, self.path) from None
                if row is None:
                    return
                yield list(row)
        finally:
            workbook.close()

    def _csv_rows(self) -> Iterator[list[object]]:
        """The rows of a text export, decoded as `decode_detect` would decode all its bytes
        (the encoding is decided by a first pass, chunk by chunk, holding no text)."""
        codec, encoding = _detect(self.path)
        with self.path.open(encoding=codec, newline="") as handle:
            head = ""
            while "\n" not in head and (chunk := handle.read(1 << 16)):
                head += chunk
        delimiter = csv_delimiter(head.split("\n", 1)[0])
        self._how = f"csv, {encoding}, {DELIMITER_NAMES[delimiter]}-separated"
        csv_field_limit()
        with self.path.open(encoding=codec, newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter, strict=True):
                yield list(row)

    def segments(self) -> Iterator[Segment]:
        """One segment per coded row, as it is read."""
        rows = self._rows()
        header_row = next(rows, None)
        if header_row is None or not any(cell_text(c) for c in header_row):
            raise CryontoError("empty file; expected a header row", self.name)
        self._check(header_row, 1)
        fields = self._header([cell_text(c) for c in header_row])
        for number, row in enumerate(rows, start=2):
            self._check(row, number)
            segment = self._row(fields, row, number)
            if segment is not None:
                yield segment
        if not self._segments:
            raise CryontoError("no coded segments after the header", self.name)
        self._done = True

    def _check(self, row: list[object], number: int) -> None:
        for cell in row:
            if isinstance(cell, str):
                check_text_size(cell, self.name, f"row {number}", "a cell")

    def _header(self, header: list[str]) -> dict[str, int]:
        fields: dict[str, int] = {}
        for i, cell in enumerate(header):
            if not cell:
                continue
            field = _LOOKUP.get(cell.casefold())
            if field is None or field in fields:
                raise CryontoError("not a MAXQDA 'Coded segments' header", self.name, "row 1")
            fields[field] = i
        if any(f not in fields for f in REQUIRED):
            raise CryontoError("missing required columns", self.name, "row 1")
        german = sum(1 for c in header if c.casefold() in _GERMAN)
        self._language = "German" if german * 2 >= sum(
            1 for c in header if c.casefold() not in ("code", "segment") and c) else "English"
        self._ignored = [HEADERS[f][0 if self._language == "German" else 1]
                         for f in IGNORED if f in fields]
        return fields

    def _row(self, fields: dict[str, int], row: list[object], number: int) -> Segment | None:
        name, where, ds = self.name, f"row {number}", self.dataset

        def value(field: str) -> object:
            i = fields.get(field)
            return row[i] if i is not None and i < len(row) else None

        if not any(cell_text(c) for c in row):
            self._empty += 1
            return None
        document = cell_text(value("document"))
        if not document:
            raise CryontoError("empty document name", name, where)
        code_path = cell_text(value("code"))
        if not code_path:
            raise CryontoError("empty code", name, where)
        parts = [p.strip() for p in code_path.split("\\")]
        if any(not p for p in parts):
            raise CryontoError("code path has an empty element", name, where)
        doc = ds.documents.get(document)
        if doc is None:
            doc = ds.documents[document] = Document(key=document, name=document,
                                                    iri=ds.iri("document", document))
        group = cell_text(value("group"))
        if group:
            try:
                orient = orientation(group)
            except ValueError:
                self._groups[group] += 1
            else:
                if doc.orientation and doc.orientation != orient:
                    raise CryontoError("document in another group", name, where)
                doc.orientation = orient
        key, parent = "", None
        for part in parts:
            key = f"{key}\\{part}" if key else part
            if key not in ds.codes:
                code = Code(key=key, name=part, parent=parent, iri=ds.iri("code", key))
                auto_map(code, self.categories)
                ds.codes[key] = code
            parent = key
        self._paths.add(key)
        if key not in self.first_use:
            self.first_use[key] = number
        raw_color = value("color")
        if cell_text(raw_color):
            code_color = color(raw_color)
            if code_color is None:
                self._odd_colors += 1
            elif ds.codes[key].color is None:
                ds.codes[key].color = code_color
        begin_raw, end_raw = cell_text(value("begin")), cell_text(value("end"))
        start_par = end_par = None
        if _PAGE_POSITION.match(begin_raw) and _PAGE_POSITION.match(end_raw):
            self._no_position += 1
        else:
            start_par = _paragraph(begin_raw, "begin", name, where)
            end_par = _paragraph(end_raw, "end", name, where)
            if start_par > end_par:
                raise CryontoError("begin paragraph after end paragraph", name, where)
        coder = cell_text(value("created_by")) or None
        if coder and coder not in ds.coders:
            ds.coders[coder] = Coder(key=coder, name=coder, iri=ds.iri("coder", coder))
        created_raw, created = value("created"), None
        if cell_text(created_raw):
            created = _date(created_raw)
            if created is None:
                raise CryontoError("created is not a date MAXQDA writes", name, where)
        text, memo = value("segment"), value("comment")
        self._segments += 1
        seg_id = f"row-{number}"
        return Segment(
            id=seg_id, document=document, codes=[key], start_paragraph=start_par,
            end_paragraph=end_par, text=str(text) if cell_text(text) else None, coder=coder,
            created=created, memo=str(memo).strip() if cell_text(memo) else None,
            source_file=self.path.name, source_locator=where, iri=ds.iri("segment", seg_id))

    def counts_out(self) -> Counts:
        ds = self.dataset
        return counts_of(documents=len(ds.documents), codes=len(ds.codes),
                         segments=self._segments, codings=self._segments,
                         coders=len(ds.coders))

    def result(self) -> ReadResult:
        """`read_maxqda`'s result, but a dataset without segments (they were handed out)."""
        if not self._done:
            raise RuntimeError("segments() was not read to the end")
        ds, how, language = self.dataset, self._how, self._language
        result = ReadResult(
            ds, counts_of(documents=len(ds.documents), codes=len(self._paths),
                          segments=self._segments, codings=self._segments,
                          coders=len(ds.coders)),
            details={"format": how, "headers": language, "rows": self._segments,
                     "empty_rows": self._empty})
        implied = len(ds.codes) - len(self._paths)
        result.adjust("codes", implied,
                      f"{plural(implied, 'parent code')} named only as part of a code path "
                      "(e.g. 'Forms' in 'Forms\\Protest'); added to the codebook hierarchy")
        result.notes.append(f"read as {how}, {language} headers")
        result.notes.append("Begin/End kept as paragraph numbers (cry:ParagraphRangeSelector), "
                            "not character offsets")
        if self._ignored:
            result.notes.append("columns not imported: " + ", ".join(self._ignored))
        if self._groups:
            result.notes.append(
                "document groups other than PDT/CBT/ST not imported: "
                + ", ".join(f"{g!r} ({n} rows)" for g, n in sorted(self._groups.items())))
        if self._no_position:
            result.notes.append(f"{plural(self._no_position, 'segment')} with page:offset "
                                "positions (PDF/image) kept without a position")
        if self._odd_colors:
            result.notes.append(f"{plural(self._odd_colors, 'colour value')} not of the form "
                                "#rrggbb; not imported")
        if self._empty:
            result.notes.append(f"{plural(self._empty, 'empty row')} skipped")
        return result
