"""MAXQDA "Coded segments" exports: ``.xlsx`` and ``.csv``, English or German headers.

One row is one coded segment with one code (MAXQDA's own unit; rows are not
merged). ``Code`` is the code path joined with ``\\``: every path prefix becomes
a study code with ``skos:broader`` its parent, and each code whose own name (the
last path element) is a cryonto notation or label gets ``skos:exactMatch``.
``Begin``/``End`` are paragraph numbers and stay paragraph numbers
(`cry:ParagraphRangeSelector`); ``page:offset`` positions of PDF/image segments
are not character offsets either, so those segments get no position at all.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from defusedxml import DefusedXmlException

from cryonto.coded import Code, CodedDataset, Coder, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    Categories,
    ReadResult,
    auto_map,
    cell_text,
    check_text_size,
    color,
    csv_field_limit,
    datetime_value,
    decode_detect,
    orientation,
    plural,
)
from cryonto.readers.xmlsafe import SafeZip, ZipLimits

#: field -> (German header, English header, other spellings seen)
HEADERS: dict[str, tuple[str, ...]] = {
    "color": ("Farbe", "Color", "Colour"),
    "comment": ("Kommentar", "Comment"),
    "group": ("Dokumentgruppe", "Document group"),
    "document": ("Dokumentname", "Document name", "Document"),
    "code": ("Code",),
    "begin": ("Anfang", "Begin"),
    "end": ("Ende", "End"),
    "weight": ("Gewicht", "Weight score", "Weight"),
    "segment": ("Segment",),
    "modified_by": ("Bearbeitet von", "Modified by"),
    "modified": ("Bearbeitet am", "Modified", "Modified on"),
    "created_by": ("Erstellt von", "Created by"),
    "created": ("Erstellt am", "Created", "Created on"),
    "area": ("Fläche", "Area"),
    "coverage": ("Abdeckungsgrad %", "Coverage %", "Abdeckungsgrad", "Coverage"),
}
REQUIRED = ("document", "code", "begin", "end")
#: columns read but not imported (documented in docs/import.md)
IGNORED = ("weight", "modified_by", "modified", "area", "coverage")
_GERMAN = {spellings[0].casefold() for spellings in HEADERS.values()} - {"code", "segment"}
_LOOKUP = {spelling.casefold(): name for name, spellings in HEADERS.items()
           for spelling in spellings}

_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M",
    "%d.%m.%y", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y %I:%M %p", "%m/%d/%y",
)
_PAGE_POSITION = re.compile(r"^\d+\s*:\s*\d+(\s*[,;]\s*\d+)*$")


def _rows_xlsx(path: Path, limits: ZipLimits | None) -> tuple[list[list[object]], str]:
    from openpyxl import load_workbook

    with SafeZip(path, limits, kind="MAXQDA .xlsx workbook") as archive:
        archive.check_all()
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        raise _xlsx_error(error, path) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    except Exception as error:
        raise _xlsx_error(error, path) from None
    finally:
        workbook.close()
    return rows, f"xlsx, sheet {title!r}"


def _xlsx_error(error: BaseException, path: Path) -> CryontoError:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return CryontoError("refused: the workbook's XML has a DOCTYPE or entities "
                                f"({type(seen).__name__})", str(path))
        seen = seen.__cause__ or seen.__context__
    lines = str(error).strip().splitlines()
    reason = lines[0] if lines else type(error).__name__
    return CryontoError(f"not a readable .xlsx workbook: {reason}", str(path))


#: MAXQDA's text exports
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def _rows_csv(path: Path) -> tuple[list[list[object]], str]:
    data = path.read_bytes()
    text, encoding = decode_detect(data, str(path))
    best = csv_delimiter(text.split("\n", 1)[0])
    csv_field_limit()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=best, strict=True)
    rows: list[list[object]] = []
    try:
        for row in reader:
            rows.append(list(row))
    except csv.Error as error:
        raise CryontoError(f"malformed CSV: {error}", str(path),
                           f"row {len(rows) + 1}") from None
    return rows, f"csv, {encoding}, {DELIMITER_NAMES[best]}-separated"


def csv_delimiter(first: str) -> str:
    """The delimiter under which the first line holds the most MAXQDA column names."""
    best, best_hits = ",", -1
    for delimiter in ("\t", ";", ","):
        cells = next(csv.reader([first], delimiter=delimiter), [])
        hits = sum(1 for c in cells if c.strip().casefold() in _LOOKUP)
        if hits > best_hits:
            best, best_hits = delimiter, hits
    return best


#: what a delimiter is called in the summary
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read_maxqda(path: Path | str, study: str | None = None,
                categories: Categories | None = None,
                limits: ZipLimits | None = None) -> ReadResult:
    path = Path(path)
    name = str(path)
    categories = categories or Categories()
    if not path.is_file():
        raise CryontoError("no such file", name)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, how = _rows_xlsx(path, limits)
    elif suffix in CSV_SUFFIXES:
        rows, how = _rows_csv(path)
    else:
        raise CryontoError(f"unknown MAXQDA export type {suffix or '(none)'!r}; expected .xlsx "
                           "or .csv", name)
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if isinstance(cell, str):
                check_text_size(cell, name, f"row {number}", "a cell")
    if not rows or not any(cell_text(c) for c in rows[0]):
        raise CryontoError("empty file; expected a header row of a MAXQDA 'Coded segments' "
                           "export", name)

    header = [cell_text(c) for c in rows[0]]
    fields: dict[str, int] = {}
    unknown: list[str] = []
    for i, cell in enumerate(header):
        if not cell:
            continue
        field = _LOOKUP.get(cell.casefold())
        if field is None:
            unknown.append(cell)
        elif field in fields:
            raise CryontoError(f"column {cell!r} appears twice", name, "row 1")
        else:
            fields[field] = i
    if unknown:
        raise CryontoError(
            f"unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}; not a MAXQDA 'Coded segments' header "
            "(see docs/import.md)", name, "row 1")
    missing = [HEADERS[f][1] + "/" + HEADERS[f][0] for f in REQUIRED if f not in fields]
    if missing:
        raise CryontoError(f"missing required column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}", name, "row 1")
    german = sum(1 for c in header if c.casefold() in _GERMAN)
    language = "German" if german * 2 >= sum(
        1 for c in header if c.casefold() not in ("code", "segment") and c) else "English"

    ds = CodedDataset(study=study or path.stem, source_file=path.name)
    paths_seen: set[str] = set()
    coders_seen: set[str] = set()
    groups_ignored: Counter[str] = Counter()
    no_position = 0
    odd_colors = 0
    empty_rows = 0
    ignored_present = [HEADERS[f][0 if language == "German" else 1]
                       for f in IGNORED if f in fields]

    def value(row: list[object], field: str) -> object:
        i = fields.get(field)
        return row[i] if i is not None and i < len(row) else None

    for number, row in enumerate(rows[1:], start=2):
        where = f"row {number}"
        if not any(cell_text(c) for c in row):
            empty_rows += 1
            continue
        document = cell_text(value(row, "document"))
        if not document:
            raise CryontoError("empty document name", name, where)
        code_path = cell_text(value(row, "code"))
        if not code_path:
            raise CryontoError("empty code", name, where)
        parts = [p.strip() for p in code_path.split("\\")]
        if any(not p for p in parts):
            raise CryontoError(f"code path {code_path!r} has an empty element", name, where)

        # document and its group
        doc = ds.documents.get(document)
        if doc is None:
            doc = ds.documents[document] = Document(key=document, name=document)
        group = cell_text(value(row, "group"))
        if group:
            try:
                orient = orientation(group)
            except ValueError:
                groups_ignored[group] += 1
            else:
                if doc.orientation and doc.orientation != orient:
                    raise CryontoError(f"document {document!r} is in group {orient} here but "
                                       f"{doc.orientation} in an earlier row", name, where)
                doc.orientation = orient

        # codes along the path
        key = ""
        parent: str | None = None
        for part in parts:
            key = f"{key}\\{part}" if key else part
            if key not in ds.codes:
                code = Code(key=key, name=part, parent=parent)
                auto_map(code, categories)
                ds.codes[key] = code
            parent = key
        paths_seen.add(key)
        raw_color = value(row, "color")
        if cell_text(raw_color):
            code_color = color(raw_color)
            if code_color is None:
                odd_colors += 1
            elif ds.codes[key].color is None:
                ds.codes[key].color = code_color

        # position
        begin_raw, end_raw = cell_text(value(row, "begin")), cell_text(value(row, "end"))
        start_par = end_par = None
        if _PAGE_POSITION.match(begin_raw) and _PAGE_POSITION.match(end_raw):
            no_position += 1
        else:
            start_par = _paragraph(begin_raw, "begin", name, where)
            end_par = _paragraph(end_raw, "end", name, where)
            if start_par > end_par:
                raise CryontoError(f"begin paragraph {start_par} is after end paragraph "
                                   f"{end_par}", name, where)

        coder = cell_text(value(row, "created_by")) or None
        if coder and coder not in ds.coders:
            ds.coders[coder] = Coder(key=coder, name=coder)
            coders_seen.add(coder)
        created_raw = value(row, "created")
        created = None
        if cell_text(created_raw):
            created = _date(created_raw)
            if created is None:
                raise CryontoError(f"created {cell_text(created_raw)!r} is not a date MAXQDA "
                                   "writes (e.g. 12.03.2024 14:22:10 or 3/12/2024 2:22:10 PM)",
                                   name, where)
        text = value(row, "segment")
        memo = value(row, "comment")
        ds.segments.append(Segment(
            id=f"row-{number}", document=document, codes=[key], start_paragraph=start_par,
            end_paragraph=end_par, text=str(text) if cell_text(text) else None, coder=coder,
            created=created, memo=str(memo).strip() if cell_text(memo) else None,
            source_file=path.name, source_locator=where))

    if not ds.segments:
        raise CryontoError("no coded segments after the header", name)

    result = ReadResult(
        ds, counts_of(documents=len(ds.documents), codes=len(paths_seen),
                      segments=len(ds.segments), codings=len(ds.segments),
                      coders=len(coders_seen)),
        details={"format": how, "headers": language, "rows": len(ds.segments),
                 "empty_rows": empty_rows})
    implied = len(ds.codes) - len(paths_seen)
    result.adjust("codes", implied,
                  f"{plural(implied, 'parent code')} named only as part of a code path "
                  "(e.g. 'Forms' in 'Forms\\Protest'); added to the codebook hierarchy")
    result.notes.append(f"read as {how}, {language} headers")
    result.notes.append("Begin/End kept as paragraph numbers (cry:ParagraphRangeSelector), "
                        "not character offsets")
    if ignored_present:
        result.notes.append("columns not imported: " + ", ".join(ignored_present))
    if groups_ignored:
        result.notes.append(
            "document groups other than PDT/CBT/ST not imported: "
            + ", ".join(f"{g!r} ({n} rows)" for g, n in sorted(groups_ignored.items())))
    if no_position:
        result.notes.append(f"{plural(no_position, 'segment')} with page:offset positions "
                            "(PDF/image) kept without a position")
    if odd_colors:
        result.notes.append(f"{plural(odd_colors, 'colour value')} not of the form #rrggbb; "
                            "not imported")
    if empty_rows:
        result.notes.append(f"{plural(empty_rows, 'empty row')} skipped")
    return result


def _paragraph(text: str, label: str, file: str, where: str) -> int:
    if re.match(r"^[0-9]+$", text):
        return int(text)
    if not text:
        raise CryontoError(f"{label} is empty", file, where)
    raise CryontoError(f"{label} {text!r} is not a paragraph number", file, where)


def _date(raw: object) -> str | None:
    try:
        return datetime_value(raw) if not isinstance(raw, str) else _date_text(raw)
    except ValueError:
        return None


def _date_text(text: str) -> str | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat(timespec="seconds")
        except ValueError:
            continue
    try:
        return datetime_value(text)
    except ValueError:
        return None
