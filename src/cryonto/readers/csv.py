"""The generic coded-segments CSV (see docs/import.md).

Header ``document,code,start,end,coder`` plus optional ``text,segment_id,
participant,orientation,memo,created``; UTF-8 with or without BOM; separated by
commas, semicolons (German Excel) or tabs, whichever splits the header into
known columns. One row is one coded segment, or one coding of a segment named by
``segment_id``; several codes in one row are separated by ``;``. Codes are
cryonto notations, IRIs/CURIEs or category labels (en/de); anything else is
kept as a study code and reported as unmapped. Row numbers count the header
as row 1, as a spreadsheet shows them.

A file is read to its end even when rows are bad, so that one run names every
bad row (`BadRows`). `parse_row` is pure (cells in, a `Row` or its problems
out), for readers that stream rows elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryonto.coded import Code, CodedDataset, Coder, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    BadRows,
    Categories,
    Problem,
    ReadResult,
    attach_texts,
    category_code,
    check_text_size,
    csv_field_limit,
    decode_utf8,
    iso_datetime,
    orientation,
    plural,
)
from cryonto.writers.cells import unneutralise

REQUIRED = ("document", "code", "start", "end", "coder")
OPTIONAL = ("text", "segment_id", "participant", "orientation", "memo", "created")
COLUMNS = REQUIRED + OPTIONAL
CODE_SEPARATOR = ";"
#: the delimiters a file may use, with the name the summary gives them
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

_INT = re.compile(r"^[0-9]+$")
_UTF8_HINT = "save the file as UTF-8 (in Excel: 'CSV UTF-8')"


@dataclass
class _Seg:
    segment: Segment
    row: int


@dataclass(frozen=True)
class Header:
    """The columns of a file (lower-case, in file order) and its delimiter."""

    columns: tuple[str, ...]
    delimiter: str = ","
    index: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.index.update({c: i for i, c in enumerate(self.columns)})


@dataclass(slots=True)
class Row:
    """One good row, its cells parsed; optional cells are None when empty or absent."""

    row: int
    document: str
    codes: tuple[str, ...]  # code texts as written, in order
    start: int
    end: int
    coder: str | None
    text: str | None = None
    segment_id: str | None = None
    participant: str | None = None
    orientation: str | None = None  # PDT | CBT | ST
    memo: str | None = None
    created: str | None = None  # xsd:dateTime lexical form


def detect_delimiter(text: str) -> str:
    """The delimiter (`,`, `;` or tab) that splits the header line into the most known columns.

    The header's names are known, so this rule cannot be fooled by the data rows
    the way a frequency sniffer can; with no known name at all it is `,`.
    """
    line = text.split("\n", 1)[0]
    best, score = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = len({c.strip().lower() for c in cells} & set(COLUMNS))
        if known > score:
            best, score = delimiter, known
    return best


def read_header(cells: list[str] | None, file: str, delimiter: str = ",") -> Header:
    """The header row checked: known, distinct columns, every required one present."""
    if cells is None or not any(h.strip() for h in cells):
        raise CryontoError("empty file; expected a header row "
                           f"'{','.join(REQUIRED)}'", file)
    columns = [h.strip().lower() for h in cells]
    unknown = [cells[i].strip() for i, c in enumerate(columns) if c not in COLUMNS]
    if unknown:
        raise CryontoError(f"unknown column{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(repr(u) for u in unknown)}; allowed: "
                           f"{', '.join(COLUMNS)}", file, "row 1")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise CryontoError(f"column {', '.join(repr(d) for d in duplicated)} appears twice",
                           file, "row 1")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CryontoError(f"missing required column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}", file, "row 1")
    return Header(tuple(columns), delimiter)


def parse_row(cells: list[str], header: Header, row_no: int) -> Row | list[Problem] | None:
    """One data row: a `Row`, every problem found in it, or None for an empty row.

    Pure: it looks at this row only (conflicts between rows are `read_csv`'s).
    """
    cells = [unneutralise(cell) for cell in cells]  # undo export csv's formula quote
    if not any(cell.strip() for cell in cells):
        return None
    if len(cells) != len(header.columns):
        return [Problem(row_no, None, f"has {len(cells)} fields, the header has "
                                      f"{len(header.columns)}")]
    problems: list[Problem] = []
    values: dict[str, str | None] = {}
    for column, value in zip(header.columns, cells, strict=True):
        try:
            check_text_size(value, "", None, f"column {column!r}")
        except CryontoError as error:
            problems.append(Problem(row_no, None, error.reason))
        values[column] = value if value.strip() else None
    get = values.get

    document = (get("document") or "").strip()
    if not document:
        problems.append(Problem(row_no, "document", "empty document"))
    tokens = [t for t in (t.strip() for t in (get("code") or "").split(CODE_SEPARATOR)) if t]
    if not tokens:
        problems.append(Problem(row_no, "code", "empty code"))
    start = end = -1
    try:
        start = position(cells[header.index["start"]], "start")
    except ValueError as error:
        problems.append(Problem(row_no, "start", str(error)))
    try:
        end = position(cells[header.index["end"]], "end")
    except ValueError as error:
        problems.append(Problem(row_no, "end", str(error)))
    if start >= 0 and end >= 0 and start >= end:
        problems.append(Problem(row_no, "end", f"start {start} is not before end {end} "
                                               "(end is exclusive)"))
    orient = None
    try:
        orient = orientation(get("orientation"))
    except ValueError as error:
        problems.append(Problem(row_no, "orientation", str(error)))
    created = get("created")
    if created is not None:
        try:
            created = iso_datetime(created)
        except ValueError:
            problems.append(Problem(row_no, "created", f"created {created.strip()!r} is not an "
                                    "ISO date or dateTime (e.g. 2024-03-01 or "
                                    "2024-03-01T14:30:00)"))
    if problems:
        return problems
    return Row(row_no, document, tuple(tokens), start, end,
               (get("coder") or "").strip() or None, get("text"),
               (get("segment_id") or "").strip() or None,
               (get("participant") or "").strip() or None, orient, get("memo"), created)


def position(value: str, label: str) -> int:
    """A start or end cell as a whole number of code points; ValueError saying what is wrong."""
    text = value.strip()
    if _INT.match(text):
        return int(text)
    if re.match(r"^-[0-9]+$", text):
        raise ValueError(f"{label} {text} is negative; positions count code points from 0")
    if not text:
        raise ValueError(f"{label} is empty; positions are required")
    raise ValueError(f"{label} {text!r} is not a whole number")


def _position(value: str, label: str, file: str, where: str) -> int:
    try:
        return position(value, label)
    except ValueError as error:
        raise CryontoError(str(error), file, where) from None


def read_csv(path: Path | str, study: str | None = None,
             categories: Categories | None = None, *, delimiter: str | None = None,
             texts: Path | str | None = None) -> ReadResult:
    """Read the file; every bad row is named in one error. `delimiter` None: detected.

    `texts` names a directory of ``<document>.txt`` transcripts (see `attach_texts`).
    """
    path = Path(path)
    name = str(path)
    categories = categories or Categories()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CryontoError("no such file", name) from None
    except OSError as error:
        raise CryontoError(f"cannot read: {error.strerror or error}", name) from None
    text, encoding = decode_utf8(data, name, _UTF8_HINT)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CryontoError("contains a NUL character; is this a binary file?", name, f"line {line}")
    if delimiter is not None and delimiter not in DELIMITERS:
        raise CryontoError(f"delimiter {delimiter!r} is not one of ',', ';' or a tab")
    detected = delimiter is None
    delimiter = detect_delimiter(text) if delimiter is None else delimiter
    csv_field_limit()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = read_header(next(reader, None), name, delimiter)
    except csv.Error as error:
        raise CryontoError(f"malformed CSV: {error}", name, "row 1") from None

    builder = _Builder(CodedDataset(study=study or path.stem, source_file=path.name),
                       categories, path.name)
    bad = BadRows(name)
    empty_rows = rows = 0
    row_no = 1
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as error:  # the reader cannot find the next row: stop here
            bad.add([Problem(row_no + 1, None, f"malformed CSV: {error}")])
            break
        if cells is None:
            break
        row_no += 1
        parsed = parse_row(cells, header, row_no)
        if parsed is None:
            empty_rows += 1
            continue
        rows += 1
        if isinstance(parsed, list):
            bad.add(parsed)
        else:
            bad.add(builder.add(parsed))
    bad.raise_if_any()
    if rows == 0:
        raise CryontoError("no data rows after the header", name)

    ds = builder.ds
    result = ReadResult(
        dataset=ds,
        counts_in=counts_of(documents=len(ds.documents), codes=len(builder.code_texts),
                            segments=len(builder.segments), codings=builder.codings_in,
                            coders=len(ds.coders)),
        details={"encoding": encoding, "rows": rows, "empty_rows": empty_rows,
                 "delimiter": delimiter},
    )
    mismatched = sum(1 for s in ds.segments if s.text is not None and s.start is not None
                     and s.end is not None and len(s.text) != s.end - s.start)
    report_read(result, builder.code_texts, builder.duplicate_codings, empty_rows, mismatched,
                delimiter, detected)
    if texts is not None:
        notes, details = attach_texts(ds, Path(texts))
        result.notes += notes
        result.details["texts"] = details
    return result


def report_read(result: ReadResult, code_texts: dict[str, str], duplicate_codings: int,
                empty_rows: int, mismatched: int, delimiter: str, detected: bool) -> None:
    """The adjustments (merged spellings and codings) and notes of a read; `read_csv` and
    the streaming reader (`csv_stream`) report through this one function."""
    spellings = len(code_texts) - len(result.dataset.codes)
    groups: dict[str, list[str]] = {}
    for text, key in code_texts.items():
        groups.setdefault(key, []).append(text)
    merged = "; ".join(" = ".join(repr(t) for t in texts)
                       for texts in groups.values() if len(texts) > 1)
    result.adjust("codes", -spellings,
                  f"{plural(spellings, 'code spelling')} named a cryonto category already "
                  f"named another way (e.g. notation and label); merged: {merged}")
    result.adjust("codings", -duplicate_codings,
                  f"{plural(duplicate_codings, 'coding')} repeated a code already on "
                  "the same segment; merged")
    if empty_rows:
        result.notes.append(f"{plural(empty_rows, 'empty row')} skipped")
    if mismatched:
        result.notes.append(f"{plural(mismatched, 'segment')} with a text whose length differs "
                            "from end - start (kept as given)")
    if delimiter != ",":
        result.notes.append(f"{DELIMITERS[delimiter]}-separated "
                            f"({'detected from the header' if detected else 'as given'})")


class _Builder:
    """Good rows into the dataset; conflicts between rows come back as problems."""

    def __init__(self, ds: CodedDataset, categories: Categories, source_file: str) -> None:
        self.ds = ds
        self.categories = categories
        self.source_file = source_file
        self.segments: dict[str, _Seg] = {}
        self.generated: dict[str, int] = {}
        self.explicit_rows: dict[str, int] = {}
        self.code_texts: dict[str, str] = {}  # text as written -> code key
        self.doc_rows: dict[str, int] = {}
        self.codings_in = 0
        self.duplicate_codings = 0

    def add(self, row: Row) -> list[Problem]:
        problems = self._conflicts(row)
        if problems:
            return problems
        ds = self.ds
        doc = ds.documents.get(row.document)
        if doc is None:
            ds.documents[row.document] = Document(key=row.document, name=row.document,
                                                  participant=row.participant,
                                                  orientation=row.orientation)
            self.doc_rows[row.document] = row.row
        else:
            doc.participant = doc.participant or row.participant
            doc.orientation = doc.orientation or row.orientation
        if row.coder is not None and row.coder not in ds.coders:
            ds.coders[row.coder] = Coder(key=row.coder, name=row.coder)
        keys = [self._code(token) for token in row.codes]
        self.codings_in += len(keys)
        seg_id = row.segment_id
        if seg_id is None:
            seg_id = f"row-{row.row}"
            self.generated[seg_id] = row.row
        else:
            self.explicit_rows.setdefault(seg_id, row.row)
        held = self.segments.get(seg_id)
        if held is None:
            seg = Segment(id=seg_id, document=row.document, codes=[], start=row.start,
                          end=row.end, text=row.text, coder=row.coder, created=row.created,
                          memo=row.memo, source_file=self.source_file,
                          source_locator=f"row {row.row}")
            self.segments[seg_id] = _Seg(seg, row.row)
            ds.segments.append(seg)
        else:
            seg = held.segment
            for attr in ("text", "coder", "created", "memo"):
                if getattr(seg, attr) is None and getattr(row, attr) is not None:
                    setattr(seg, attr, getattr(row, attr))
        for key in keys:
            if key in seg.codes:
                self.duplicate_codings += 1
            else:
                seg.codes.append(key)
        return []

    def _code(self, token: str) -> str:
        key = self.code_texts.get(token)
        if key is None:
            iri = self.categories.resolve(token)
            key = iri if iri is not None else token
            if key not in self.ds.codes:
                self.ds.codes[key] = (category_code(self.categories, iri) if iri is not None
                                      else Code(key=token, name=token))
            self.code_texts[token] = key
        return key

    def _conflicts(self, row: Row) -> list[Problem]:
        """What this row contradicts in earlier good rows (document, segment_id)."""
        out: list[Problem] = []
        doc = self.ds.documents.get(row.document)
        if doc is not None:
            first = self.doc_rows[row.document]
            if row.participant and doc.participant and row.participant != doc.participant:
                out.append(Problem(row.row, "participant", f"document {row.document!r} has "
                                   f"participant {row.participant!r} here but "
                                   f"{doc.participant!r} in row {first}"))
            if row.orientation and doc.orientation and row.orientation != doc.orientation:
                out.append(Problem(row.row, "orientation", f"document {row.document!r} has "
                                   f"orientation {row.orientation} here but {doc.orientation} "
                                   f"in row {first}"))
        seg_id = row.segment_id
        if seg_id is None:
            seg_id = f"row-{row.row}"
            if seg_id in self.explicit_rows:
                out.append(Problem(row.row, None, f"segment_id {seg_id!r} of row "
                                   f"{self.explicit_rows[seg_id]} is the id given to this row "
                                   "without a segment_id; rename it"))
            return out
        if seg_id in self.generated and seg_id not in self.explicit_rows:
            out.append(Problem(row.row, "segment_id", f"segment_id {seg_id!r} is the id given "
                               f"to row {self.generated[seg_id]} (which has no segment_id); "
                               "rename it"))
        held = self.segments.get(seg_id)
        if held is None:
            return out
        seg = held.segment
        for label, mine, theirs in (("document", row.document, seg.document),
                                    ("start", row.start, seg.start), ("end", row.end, seg.end)):
            if mine != theirs:
                out.append(Problem(row.row, label, f"segment_id {seg_id!r} has {label} {mine!r} "
                                   f"here but {theirs!r} in row {held.row}"))
        for label in ("text", "coder", "created", "memo"):
            mine, theirs = getattr(row, label), getattr(seg, label)
            if mine is not None and theirs is not None and mine != theirs:
                out.append(Problem(row.row, label, f"segment_id {seg_id!r} has a different "
                                   f"{label} here than in row {held.row}"))
        return out
