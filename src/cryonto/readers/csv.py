"""The generic coded-segments CSV (see docs/import.md).

Header ``document,code,start,end,coder`` plus optional ``text,segment_id,
participant,orientation,memo,created``; UTF-8 with or without BOM; comma
separated. One row is one coded segment, or one coding of a segment named by
``segment_id``; several codes in one row are separated by ``;``. Codes are
cryonto notations, IRIs/CURIEs or category labels (en/de); anything else is
kept as a study code and reported as unmapped. Row numbers count the header
as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from cryonto.coded import Code, CodedDataset, Coder, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    Categories,
    ReadResult,
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

_INT = re.compile(r"^[0-9]+$")


@dataclass
class _Seg:
    segment: Segment
    row: int


def read_csv(path: Path | str, study: str | None = None,
             categories: Categories | None = None) -> ReadResult:
    path = Path(path)
    name = str(path)
    categories = categories or Categories()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CryontoError("no such file", name) from None
    except OSError as error:
        raise CryontoError(f"cannot read: {error.strerror or error}", name) from None
    text, encoding = decode_utf8(data, name)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CryontoError("contains a NUL character; is this a binary file?", name, f"line {line}")
    csv_field_limit()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise CryontoError(f"malformed CSV: {error}", name, "row 1") from None
    if header is None or not any(h.strip() for h in header):
        raise CryontoError("empty file; expected a header row "
                           f"'{','.join(REQUIRED)}'", name)
    columns = [h.strip().lower() for h in header]
    unknown = [header[i].strip() for i, c in enumerate(columns) if c not in COLUMNS]
    if unknown:
        raise CryontoError(f"unknown column{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(repr(u) for u in unknown)}; allowed: "
                           f"{', '.join(COLUMNS)}", name, "row 1")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise CryontoError(f"column {', '.join(repr(d) for d in duplicated)} appears twice",
                           name, "row 1")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CryontoError(f"missing required column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}", name, "row 1")
    idx = {c: i for i, c in enumerate(columns)}
    width = len(columns)
    get_opt = {c: idx.get(c) for c in OPTIONAL}

    ds = CodedDataset(study=study or path.stem, source_file=path.name)
    source_file = path.name
    segments: dict[str, _Seg] = {}
    generated: dict[str, int] = {}
    explicit_rows: dict[str, int] = {}
    code_texts: dict[str, str] = {}  # text as written -> code key
    coder_names: set[str] = set()
    doc_rows: dict[str, int] = {}
    codings_in = 0
    duplicate_codings = 0
    empty_rows = 0
    rows = 0

    row_no = 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise CryontoError(f"malformed CSV: {error}", name, f"row {row_no + 1}") from None
        if row is None:
            break
        row_no += 1
        where = f"row {row_no}"
        row = [unneutralise(cell) for cell in row]  # undo export csv's formula quote
        if not any(cell.strip() for cell in row):
            empty_rows += 1
            continue
        if len(row) != width:
            raise CryontoError(f"has {len(row)} fields, the header has {width}", name, where)
        for column, cell in zip(columns, row, strict=True):
            check_text_size(cell, name, where, f"column {column!r}")
        rows += 1

        document = row[idx["document"]].strip()
        if not document:
            raise CryontoError("empty document", name, where)
        tokens = [t.strip() for t in row[idx["code"]].split(CODE_SEPARATOR)]
        tokens = [t for t in tokens if t]
        if not tokens:
            raise CryontoError("empty code", name, where)
        start = _position(row[idx["start"]], "start", name, where)
        end = _position(row[idx["end"]], "end", name, where)
        if start >= end:
            raise CryontoError(f"start {start} is not before end {end} (end is exclusive)",
                               name, where)
        coder = row[idx["coder"]].strip() or None

        def opt(column: str, row: list[str] = row) -> str | None:
            i = get_opt[column]
            if i is None:
                return None
            value = row[i]
            return value if value.strip() else None

        seg_text = opt("text")
        seg_id = (opt("segment_id") or "").strip() or None
        participant = (opt("participant") or "").strip() or None
        try:
            orient = orientation(opt("orientation"))
        except ValueError as error:
            raise CryontoError(str(error), name, where) from None
        memo = opt("memo")
        created_raw = opt("created")
        created = None
        if created_raw is not None:
            try:
                created = iso_datetime(created_raw)
            except ValueError:
                raise CryontoError(f"created {created_raw.strip()!r} is not an ISO date or "
                                   "dateTime (e.g. 2024-03-01 or 2024-03-01T14:30:00)",
                                   name, where) from None

        # document
        doc = ds.documents.get(document)
        if doc is None:
            doc = ds.documents[document] = Document(key=document, name=document,
                                                    participant=participant,
                                                    orientation=orient)
            doc_rows[document] = row_no
        else:
            if participant and doc.participant and participant != doc.participant:
                raise CryontoError(
                    f"document {document!r} has participant {participant!r} here but "
                    f"{doc.participant!r} in row {doc_rows[document]}", name, where)
            if orient and doc.orientation and orient != doc.orientation:
                raise CryontoError(
                    f"document {document!r} has orientation {orient} here but "
                    f"{doc.orientation} in row {doc_rows[document]}", name, where)
            doc.participant = doc.participant or participant
            doc.orientation = doc.orientation or orient

        # coder
        if coder is not None and coder not in coder_names:
            coder_names.add(coder)
            ds.coders[coder] = Coder(key=coder, name=coder)

        # codes
        keys = []
        for token in tokens:
            key = code_texts.get(token)
            if key is None:
                iri = categories.resolve(token)
                if iri is not None:
                    key = iri
                    if key not in ds.codes:
                        ds.codes[key] = category_code(categories, iri)
                else:
                    key = token
                    if key not in ds.codes:
                        ds.codes[key] = Code(key=token, name=token)
                code_texts[token] = key
            keys.append(key)
        codings_in += len(keys)

        # segment
        if seg_id is None:
            seg_id = f"row-{row_no}"
            generated[seg_id] = row_no
            if seg_id in explicit_rows:
                raise CryontoError(f"segment_id {seg_id!r} of row {explicit_rows[seg_id]} is the "
                                   "id given to this row without a segment_id; rename it",
                                   name, where)
        else:
            if seg_id in generated and seg_id not in explicit_rows:
                raise CryontoError(f"segment_id {seg_id!r} is the id given to row "
                                   f"{generated[seg_id]} (which has no segment_id); rename it",
                                   name, where)
            explicit_rows.setdefault(seg_id, row_no)
        held = segments.get(seg_id)
        if held is None:
            seg = Segment(id=seg_id, document=document, codes=[], start=start, end=end,
                          text=seg_text, coder=coder, created=created, memo=memo,
                          source_file=source_file, source_locator=where)
            segments[seg_id] = _Seg(seg, row_no)
            ds.segments.append(seg)
        else:
            seg = held.segment
            checks: tuple[tuple[str, object, object], ...] = (
                ("document", document, seg.document), ("start", start, seg.start),
                ("end", end, seg.end))
            for label, mine, theirs in checks:
                if mine != theirs:
                    raise CryontoError(
                        f"segment_id {seg_id!r} has {label} {mine!r} here but {theirs!r} in row "
                        f"{held.row}", name, where)
            for label, mine, attr in (("text", seg_text, "text"), ("coder", coder, "coder"),
                                      ("created", created, "created"), ("memo", memo, "memo")):
                theirs = getattr(seg, attr)
                if mine is not None and theirs is not None and mine != theirs:
                    raise CryontoError(
                        f"segment_id {seg_id!r} has a different {label} here than in row "
                        f"{held.row}", name, where)
                if theirs is None and mine is not None:
                    setattr(seg, attr, mine)
        for key in keys:
            if key in seg.codes:
                duplicate_codings += 1
            else:
                seg.codes.append(key)

    if rows == 0:
        raise CryontoError("no data rows after the header", name)

    result = ReadResult(
        dataset=ds,
        counts_in=counts_of(documents=len(ds.documents), codes=len(code_texts),
                            segments=len(segments), codings=codings_in,
                            coders=len(coder_names)),
        details={"encoding": encoding, "rows": rows, "empty_rows": empty_rows},
    )
    spellings = len(code_texts) - len(ds.codes)
    groups: dict[str, list[str]] = {}
    for text, key in code_texts.items():
        groups.setdefault(key, []).append(text)
    merged = "; ".join(" = ".join(repr(t) for t in texts)
                       for texts in groups.values() if len(texts) > 1)
    result.adjust("codes", -spellings,
                  f"{plural(spellings, 'code spelling')} named a cryonto category already "
                  f"named another way (e.g. notation and label); merged: {merged}")
    result.adjust("codings", -duplicate_codings,
                  f"{plural(duplicate_codings, 'coding')} repeated a code already on the same "
                  "segment; merged")
    if empty_rows:
        result.notes.append(f"{plural(empty_rows, 'empty row')} skipped")
    mismatched = sum(1 for s in ds.segments if s.text is not None and s.start is not None
                     and s.end is not None and len(s.text) != s.end - s.start)
    if mismatched:
        result.notes.append(f"{plural(mismatched, 'segment')} with a text whose length differs "
                            "from end - start (kept as given)")
    return result


def _position(value: str, label: str, file: str, where: str) -> int:
    text = value.strip()
    if _INT.match(text):
        return int(text)
    if re.match(r"^-[0-9]+$", text):
        raise CryontoError(f"{label} {text} is negative; positions count code points from 0",
                           file, where)
    if not text:
        raise CryontoError(f"{label} is empty; positions are required", file, where)
    raise CryontoError(f"{label} {text!r} is not a whole number", file, where)
