"""What every reader shares: the result type, code resolution, decoding, dates.

A reader turns one file into a `ReadResult`: the `CodedDataset`, the counts it
saw in the file (`counts_in`), and every deliberate difference between the two
as an `Adjustment` (a merge, an uncoded selection, parent codes implied by a
path). `cryonto.importing` checks that counts in plus adjustments equal the
counts of the dataset and of the Turtle written, so nothing is dropped silently.

Readers never print and never exit; they raise `CryontoError(reason, file, where)`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from cryonto.coded.types import (
    ORIENTATIONS,
    Adjustment,
    Code,
    CodedDataset,
    Counts,
)
from cryonto.errors import CryontoError

MIB = 1024**2
#: the largest CSV/TSV field read (Python's default, 128 KiB, refuses a transcript column)
CSV_FIELD_LIMIT = 64 * MIB
#: the longest text (transcript, segment, memo) imported: the RDF engine refuses a token
#: over 16 MiB, and N-Triples escaping can double a text's length
MAX_TEXT_BYTES = 8 * MIB


def csv_field_limit() -> None:
    """Raise the csv module's field size limit to `CSV_FIELD_LIMIT` (bounded, never lowered)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def check_text_size(text: str | None, file: str, where: str | None, what: str = "text") -> None:
    """Refuse a text longer than `MAX_TEXT_BYTES` with a reason, not the engine's MemoryError."""
    if text is None or len(text) * 4 <= MAX_TEXT_BYTES:  # cheap: UTF-8 is at most 4 bytes
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise CryontoError(f"{what} of {size} bytes is longer than the {MAX_TEXT_BYTES} bytes "
                           "cryonto imports", file, where)




@dataclass
class ReadResult:
    dataset: CodedDataset
    counts_in: Counts
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: reader-specific breakdowns for the summary (e.g. selections per kind, encoding)
    details: dict[str, object] = field(default_factory=dict)

    def adjust(self, field_name: str, delta: int, reason: str) -> None:
        if delta:
            self.adjustments.append(Adjustment(field_name, delta, reason))





# -- every bad row in one run ---------------------------------------------------------
#: the most bad rows one error lists; the rest are counted
MAX_LISTED_ROWS = 50


@dataclass(frozen=True)
class Problem:
    """What is wrong in one row: in one column, or in the row as a whole (column None)."""

    row: int
    column: str | None
    reason: str

    def text(self) -> str:
        return f"column {self.column!r}: {self.reason}" if self.column else self.reason


class BadRows:
    """The problems of a file's rows, gathered so that one run reports every bad row.

    Rows arrive in file order; the first `limit` bad rows are kept with all their
    problems, later ones only counted (a file of a million bad rows stays small).
    """

    def __init__(self, file: str, limit: int = MAX_LISTED_ROWS) -> None:
        self.file = file
        self.limit = limit
        self.listed: dict[int, list[Problem]] = {}
        self.more = 0  # bad rows past the limit
        self._last_more: int | None = None

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            if problem.row in self.listed:
                self.listed[problem.row].append(problem)
            elif len(self.listed) < self.limit:
                self.listed[problem.row] = [problem]
            elif problem.row != self._last_more:
                self._last_more = problem.row
                self.more += 1

    def __len__(self) -> int:
        """How many rows are bad."""
        return len(self.listed) + self.more

    def line(self, row: int) -> str:
        return f"{self.file}: row {row}: " + "; ".join(p.text() for p in self.listed[row])

    def raise_if_any(self) -> None:
        """One bad row: the usual one-line error. Several: a summary line, then one per row."""
        if not self.listed:
            return
        rows = list(self.listed)
        first = "; ".join(p.text() for p in self.listed[rows[0]])
        if len(self) == 1:
            raise CryontoError(first, self.file, f"row {rows[0]}")
        details = [self.line(row) for row in rows]
        if self.more:
            details.append(f"… and {plural(self.more, 'more bad row')}")
        shown = ", ".join(str(row) for row in rows[:10]) + (", …" if len(self) > 10 else "")
        raise CryontoError(f"{len(self)} bad rows, nothing imported (rows {shown}); the first: "
                           f"row {rows[0]}, {self.listed[rows[0]][0].text()}", self.file,
                           details=tuple(details))


# -- resolving codes against the category system ------------------------------------
class Categories:
    """Code text -> cryonto category IRI, resolved once per distinct text (a dict after that)."""

    def __init__(self, ontology: Path | str | Sequence[Path | str] | None = None) -> None:
        from cryonto.category import load_category_system

        self.system = load_category_system(list(ontology) if isinstance(ontology, list | tuple)
                                           else ontology)
        self._cache: dict[str, str | None] = {}

    def resolve(self, text: str) -> str | None:
        """The category a notation, IRI, CURIE or English/German label names, or None."""
        try:
            return self._cache[text]
        except KeyError:
            found = self.system.resolve_code(text)
            self._cache[text] = found
            return found

    def __contains__(self, iri: object) -> bool:
        return iri in self.system

    def label(self, iri: str) -> str:
        concept = self.system.get(iri)
        return concept.label("en") if concept is not None else iri


_DEFAULT: Categories | None = None


def _resolve_category(text: str, categories: Categories | None = None) -> str | None:
    """The cryonto category IRI `text` names (notation, IRI, CURIE, label en/de), or None."""
    global _DEFAULT
    if categories is None:
        if _DEFAULT is None:
            _DEFAULT = Categories()
        categories = _DEFAULT
    return categories.resolve(text)


def category_code(categories: Categories, iri: str) -> Code:
    """The Code for a segment coded directly with a cryonto category."""
    return Code(key=iri, name=categories.label(iri), category=iri)


def auto_map(code: Code, categories: Categories) -> None:
    """Map a study code onto the category its name names, with skos:exactMatch."""
    iri = categories.resolve(code.name)
    if iri and ("exactMatch", iri) not in code.mappings:
        code.mappings.append(("exactMatch", iri))


# -- decoding ------------------------------------------------------------------------
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE (BOM)"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE (BOM)"),
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_utf8(data: bytes, file: str,
                hint: str = "save the file as UTF-8") -> tuple[str, str]:
    """UTF-8 text with or without BOM (the BOM is removed); else an error naming line and byte."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_of(body, error.start)
        offset = error.start + (3 if bom else 0)
        raise CryontoError(f"not valid UTF-8 (byte 0x{body[error.start]:02x} at byte offset "
                           f"{offset}); {hint}", file, f"line {line}") from None
    return text, "UTF-8 with BOM" if bom else "UTF-8"


def decode_detect(data: bytes, file: str) -> tuple[str, str]:
    """Text by BOM (UTF-8, UTF-16), else UTF-8, else Windows-1252; returns (text, encoding)."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec.replace("-sig", ""))
            except UnicodeDecodeError as error:
                body = data[len(bom):]
                raise CryontoError(f"not valid {name}", file,
                                   f"line {_line_of(body, error.start)}") from None
            return text, name
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (not valid UTF-8)"
    except UnicodeDecodeError as error:
        raise CryontoError("neither UTF-8 nor Windows-1252", file,
                           f"line {_line_of(data, error.start)}") from None


# -- transcript texts beside a table ---------------------------------------------------
def attach_texts(ds: CodedDataset, directory: Path) -> tuple[list[str], dict[str, object]]:
    """Give each document the text of ``DIRECTORY/<name>.txt``, exactly as stored.

    A file matches a document whose name (or, failing that, key) equals the file
    name without ``.txt``, case-sensitively; names are looked up among the files
    listed, never joined into a path. Texts are UTF-8 (a BOM is dropped) and kept
    byte for byte otherwise: CRLF stays two characters, as positions count them.
    A segment without a text gets the text at its offsets. Returns the notes for
    the summary and the details (which documents lack a text, which files match none).
    """
    if not directory.is_dir():
        raise CryontoError("--texts must name a directory of <document>.txt files",
                           str(directory))
    try:
        files = {p.name[:-4]: p for p in directory.iterdir()
                 if p.name.endswith(".txt") and p.is_file()}
    except OSError as error:
        raise CryontoError(f"cannot list: {error.strerror or error}", str(directory)) from None
    used: set[str] = set()
    without: list[str] = []
    for doc in ds.documents.values():
        stem = doc.name if doc.name in files else doc.key if doc.key in files else None
        if stem is None:
            without.append(doc.name)
            continue
        used.add(stem)
        path = files[stem]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CryontoError(f"cannot read: {error.strerror or error}", str(path)) from None
        text, _ = decode_utf8(data, str(path))
        check_text_size(text, str(path), None, "the transcript")
        doc.text, doc.text_length = text, len(text)
    unmatched = sorted(set(files) - used)
    if not used:
        raise CryontoError(
            f"no <document>.txt file for any of the {plural(len(ds.documents), 'document')} "
            f"(e.g. {next(iter(ds.documents.values())).name!r}.txt"
            + (f"; found {', '.join(n + '.txt' for n in unmatched[:5])}" if unmatched else "")
            + "); names must match exactly, case-sensitively", str(directory))
    cut = past_end = differs = 0
    for seg in ds.segments:
        full = ds.documents[seg.document].text
        if full is None or seg.start is None or seg.end is None:
            continue
        if seg.end > len(full):
            past_end += 1
        elif seg.text is None:
            seg.text = full[seg.start:seg.end]
            cut += 1
        elif seg.text != full[seg.start:seg.end]:
            differs += 1
    notes = [f"texts from {directory}: {plural(len(used), 'document')} of {len(ds.documents)}"]
    if without:
        notes.append(f"{plural(len(without), 'document')} without a text file: "
                     + ", ".join(repr(n) for n in without[:10])
                     + (", …" if len(without) > 10 else ""))
    if unmatched:
        notes.append(f"{plural(len(unmatched), 'text file')} matching no document: "
                     + ", ".join(repr(n + ".txt") for n in unmatched[:10])
                     + (", …" if len(unmatched) > 10 else ""))
    if cut:
        notes.append(f"{plural(cut, 'segment text')} cut from the transcripts at the offsets")
    if differs:
        notes.append(f"{plural(differs, 'segment')} whose text differs from the transcript at "
                     "its offsets (kept as given; `cryonto validate` lists them)")
    if past_end:
        notes.append(f"{plural(past_end, 'segment')} ending past the end of its transcript "
                     "(`cryonto validate` lists them)")
    details: dict[str, object] = {
        "directory": str(directory), "attached": len(used), "without_text": without,
        "unmatched_files": [n + ".txt" for n in unmatched], "texts_cut": cut,
        "texts_differ": differs, "past_end": past_end}
    return notes, details


# -- values --------------------------------------------------------------------------
_XSD_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_datetime(text: str) -> str:
    """An ISO 8601 date or dateTime as an xsd:dateTime lexical form; ValueError otherwise.

    A date alone becomes midnight ("2024-03-01" -> "2024-03-01T00:00:00").
    """
    value = text.strip()
    if _ISO_DATE.match(value):
        date.fromisoformat(value)  # checks month/day ranges
        return value + "T00:00:00"
    if " " in value and "T" not in value:
        value = value.replace(" ", "T", 1)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if _XSD_DATETIME.match(value):
        return value
    return parsed.isoformat()


def datetime_value(value: object) -> str:
    """A spreadsheet cell (datetime, date or text) as an xsd:dateTime lexical form."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00"
    return iso_datetime(str(value))


#: German abbreviations of the orientations: Verhaltenstherapie; tiefenpsychologisch
#: fundierte and analytische Psychotherapie (both psychodynamic); systemische Therapie
ORIENTATION_ALIASES = {"VT": "CBT", "TP": "PDT", "AP": "PDT", "ST": "ST"}


def orientation(text: str | None) -> str | None:
    """PDT, CBT or ST, or a German abbreviation (VT, TP, AP), any case; None for empty.

    ValueError for anything else.
    """
    if text is None or not text.strip():
        return None
    value = text.strip().upper()
    value = ORIENTATION_ALIASES.get(value, value)
    if value not in ORIENTATIONS:
        raise ValueError(f"orientation {text.strip()!r} is not one of {', '.join(ORIENTATIONS)} "
                         f"(or German {', '.join(a for a in ORIENTATION_ALIASES if a != 'ST')})")
    return value


_COLOR = re.compile(r"^#?([0-9a-fA-F]{6})$")


def color(text: object) -> str | None:
    """'#rrggbb' from '#RRGGBB' or 'RRGGBB'; None when the value is no such colour."""
    if text is None:
        return None
    match = _COLOR.match(str(text).strip())
    return "#" + match.group(1).lower() if match else None


def cell_text(value: object) -> str:
    """A cell as trimmed text ('' for empty); whole floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
