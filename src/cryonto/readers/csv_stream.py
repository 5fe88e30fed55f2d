"""The generic CSV read row by row, for the streaming import (`cryonto.streaming`).

`read_csv` builds the whole study before anything is written; this reader hands out each
segment as soon as its row is read, so memory holds the rows in flight plus what is
small: documents, codes, coders, and for a segment named by ``segment_id`` (which any
later row may continue) a few fields to check and complete it by. A later row that adds
a code or fills an empty field of such a segment yields a *continuation*: a `Segment`
with the same id carrying only what is new, whose triples are those the whole segment
would have had (repeated lines are the same triples). So the RDF is the same set of
triples `read_csv` + `to_rdf` give; tests/test_streaming.py checks that on generated
files. The checks are `read_csv`'s, row for row; on the first error the caller re-reads
the file with `read_csv`, whose message is the one the user sees.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryonto.coded import Code, CodedDataset, Coder, Counts, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    Categories,
    ReadResult,
    category_code,
    csv_field_limit,
)
from cryonto.readers.csv import Header, detect_delimiter, parse_row, read_header, report_read


@dataclass(slots=True)
class _Held:
    """What a segment named by segment_id keeps while later rows may continue it."""

    document: str
    start: int
    end: int
    row: int
    codes: set[str]
    text: object  # a short text itself, a long one as its digest
    coder: str | None
    created: str | None
    memo: object


def _key(text: str | None) -> object:
    if text is None or len(text) <= 48:
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class CsvStream:
    """Iterate `segments()` once; then `result()` is what `read_csv` would report."""

    def __init__(self, path: Path | str, study: str | None = None,
                 categories: Categories | None = None, delimiter: str | None = None) -> None:
        self.path = Path(path)
        #: `,`, `;` or a tab; None: detected from the header line as `read_csv` does
        self.delimiter = delimiter
        self.detected = False
        self.name = str(self.path)
        self.categories = categories or Categories()
        self.dataset = CodedDataset(study=study or self.path.stem, source_file=self.path.name)
        self.dataset.base = self.dataset.base_iri
        #: code key -> first row of the first segment carrying it (near-miss warnings)
        self.first_use: dict[str, int] = {}
        self._code_texts: dict[str, str] = {}
        self._held: dict[str, _Held] = {}
        self._generated = bytearray()  # 1 at row n: row n had no segment_id (id "row-n")
        self._explicit_rows: dict[str, int] = {}  # explicit ids that look generated
        self._segments = self._codings_in = self._codings_out = self._duplicates = 0
        self._rows = self._empty = self._mismatched = 0
        self._encoding = ""
        self._done = False

    # -- reading ------------------------------------------------------------------
    def segments(self) -> Iterator[Segment]:
        """Each segment at its first row; later rows of a named segment as continuations."""
        with open(self.path, "rb") as probe:
            head = probe.read(1 << 16)
        bom = head.startswith(b"\xef\xbb\xbf")
        self._encoding = "UTF-8 with BOM" if bom else "UTF-8"
        if self.delimiter is None:
            self.detected = True
            self.delimiter = detect_delimiter(head.decode("utf-8-sig", errors="replace"))
        csv_field_limit()
        with open(self.path, encoding="utf-8-sig", newline="", errors="strict") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            header = read_header(next(reader, None), self.name, self.delimiter)
            row_no = 1
            for cells in reader:
                row_no += 1
                yield from self._row(header, cells, row_no)
        if self._rows == 0:
            raise CryontoError("no data rows after the header", self.name)
        self._done = True

    def _row(self, header: Header, cells: list[str], row_no: int) -> Iterator[Segment]:
        if "\x00" in "".join(cells):
            raise CryontoError("contains a NUL character", self.name, f"row {row_no}")
        parsed = parse_row(cells, header, row_no)
        if parsed is None:
            self._empty += 1
            self._mark(row_no, generated=False)
            return
        if isinstance(parsed, list):  # the caller re-reads with read_csv for every problem
            raise CryontoError(parsed[0].reason, self.name, f"row {row_no}")
        self._rows += 1
        name, where = self.name, f"row {row_no}"
        document, start, end, coder = parsed.document, parsed.start, parsed.end, parsed.coder
        seg_text, memo, created = parsed.text, parsed.memo, parsed.created
        seg_id, participant, orient = parsed.segment_id, parsed.participant, parsed.orientation
        tokens = parsed.codes
        self._document(document, participant, orient, where)
        ds = self.dataset
        if coder is not None and coder not in ds.coders:
            ds.coders[coder] = Coder(key=coder, name=coder, iri=ds.iri("coder", coder))
        keys = [self._code(token) for token in tokens]
        self._codings_in += len(keys)

        if seg_id is None:
            seg_id = f"row-{row_no}"
            self._mark(row_no, generated=True)
            if seg_id in self._explicit_rows:
                raise CryontoError(f"segment_id {seg_id!r} is this row's generated id", name,
                                   where)
            yield self._new(seg_id, document, keys, start, end, seg_text, coder, created,
                            memo, row_no, held=False)
            return
        self._mark(row_no, generated=False)
        if seg_id.startswith("row-") and seg_id[4:].isdigit():
            n = int(seg_id[4:])
            if n < len(self._generated) and self._generated[n]:
                raise CryontoError(f"segment_id {seg_id!r} is the id given to row {n}", name,
                                   where)
            self._explicit_rows.setdefault(seg_id, row_no)
        held = self._held.get(seg_id)
        if held is None:
            yield self._new(seg_id, document, keys, start, end, seg_text, coder, created,
                            memo, row_no, held=True)
            return
        for label, mine, theirs in (("document", document, held.document),
                                    ("start", start, held.start), ("end", end, held.end)):
            if mine != theirs:
                raise CryontoError(f"segment_id {seg_id!r} has another {label} in row "
                                   f"{held.row}", name, where)
        more = Segment(id=seg_id, document=document, codes=[], iri=ds.iri("segment", seg_id))
        for label, value, stored in (("text", _key(seg_text), held.text),
                                     ("coder", coder, held.coder),
                                     ("created", created, held.created),
                                     ("memo", _key(memo), held.memo)):
            if value is not None and stored is not None and value != stored:
                raise CryontoError(f"segment_id {seg_id!r} has a different {label}", name,
                                   where)
        if held.text is None and seg_text is not None:
            held.text, more.text = _key(seg_text), seg_text
            self._mismatched += len(seg_text) != end - start
        if held.coder is None and coder is not None:
            held.coder = more.coder = coder
        if held.created is None and created is not None:
            held.created = more.created = created
        if held.memo is None and memo is not None:
            held.memo, more.memo = _key(memo), memo
        for key in keys:
            if key in held.codes:
                self._duplicates += 1
            else:
                held.codes.add(key)
                more.codes.append(key)
                self._codings_out += 1
                self._use(key, held.row)
        if more.codes or more.text or more.coder or more.created or more.memo:
            yield more

    def _new(self, seg_id: str, document: str, keys: list[str], start: int, end: int,
             text: str | None, coder: str | None, created: str | None, memo: str | None,
             row_no: int, *, held: bool) -> Segment:
        codes: list[str] = []
        for key in keys:
            if key in codes:
                self._duplicates += 1
            else:
                codes.append(key)
                self._use(key, row_no)
        self._segments += 1
        self._codings_out += len(codes)
        if text is not None:
            self._mismatched += len(text) != end - start
        if held:
            self._held[seg_id] = _Held(document, start, end, row_no, set(codes), _key(text),
                                       coder, created, _key(memo))
        return Segment(id=seg_id, document=document, codes=codes, start=start, end=end,
                       text=text, coder=coder, created=created, memo=memo,
                       source_file=self.path.name, source_locator=f"row {row_no}",
                       iri=self.dataset.iri("segment", seg_id))

    def _mark(self, row_no: int, *, generated: bool) -> None:
        while len(self._generated) <= row_no:
            self._generated.append(0)
        self._generated[row_no] = generated

    def _use(self, key: str, row_no: int) -> None:
        if row_no < self.first_use.get(key, row_no + 1):
            self.first_use[key] = row_no

    def _document(self, key: str, participant: str | None, orient: str | None,
                  where: str) -> None:
        ds = self.dataset
        doc = ds.documents.get(key)
        if doc is None:
            ds.documents[key] = Document(key=key, name=key, participant=participant,
                                         orientation=orient, iri=ds.iri("document", key))
            return
        if participant and doc.participant and participant != doc.participant:
            raise CryontoError(f"document {key!r} has another participant", self.name, where)
        if orient and doc.orientation and orient != doc.orientation:
            raise CryontoError(f"document {key!r} has another orientation", self.name, where)
        doc.participant = doc.participant or participant
        doc.orientation = doc.orientation or orient

    def _code(self, token: str) -> str:
        key = self._code_texts.get(token)
        if key is not None:
            return key
        ds = self.dataset
        iri = self.categories.resolve(token)
        if iri is not None:
            key = iri
            if key not in ds.codes:
                ds.codes[key] = category_code(self.categories, iri)
        else:
            key = token
            if key not in ds.codes:
                ds.codes[key] = Code(key=token, name=token, iri=ds.iri("code", token))
        self._code_texts[token] = key
        return key

    # -- after the last row --------------------------------------------------------
    def counts_out(self) -> Counts:
        """What the segments handed out add up to (the streaming `dataset.counts()`)."""
        ds = self.dataset
        return counts_of(documents=len(ds.documents), codes=len(ds.codes),
                         segments=self._segments, codings=self._codings_out,
                         coders=len(ds.coders))

    def result(self) -> ReadResult:
        """`read_csv`'s result, but a dataset without segments (they were handed out)."""
        if not self._done:
            raise RuntimeError("segments() was not read to the end")
        ds = self.dataset
        result = ReadResult(
            dataset=ds,
            counts_in=counts_of(documents=len(ds.documents), codes=len(self._code_texts),
                                segments=self._segments, codings=self._codings_in,
                                coders=len(ds.coders)),
            details={"encoding": self._encoding, "rows": self._rows,
                     "empty_rows": self._empty, "delimiter": self.delimiter},
        )
        report_read(result, self._code_texts, self._duplicates, self._empty, self._mismatched,
                    self.delimiter or ",", self.detected)
        return result
