"""The disagreeing units as a table for the consensus meeting (CSV or .xlsx)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cryonto.atomic import atomic_write, write_text
from cryonto.errors import CryontoError
from cryonto.reliability.results import AgreementResult

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell that a spreadsheet would run as a formula gets a leading single quote.

    LEAD: fold into the shared CSV/xlsx formula-injection neutraliser when it lands.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows(result: AgreementResult, redact: bool = False) -> list[list[object]]:
    """Header and one row per disagreeing unit: document, offsets, category, each coder's
    categories there, and the text unless `redact`."""
    header: list[object] = ["document", "start", "end", "category",
              *[f"categories {name}" for name in result.coders]]
    if not redact:
        header.append("text")
    out: list[list[object]] = [header]
    for d in result.disagreements:
        row: list[object] = [result.documents.get(d.document, d.document),
                             "" if d.start is None else d.start, "" if d.end is None else d.end,
                             result.notations.get(d.category, d.category)]
        row += ["; ".join(result.notations.get(k, k) for k in d.coders.get(iri, []))
                for iri in result.coder_iris]
        if not redact:
            row.append(d.text or "")
        out.append([neutralise(v) for v in row])
    return out


def write(result: AgreementResult, path: Path | str, redact: bool = False) -> int:
    """Write the disagreements (format from the suffix: .csv or .xlsx); returns the count."""
    path = Path(path)
    table = rows(result, redact)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(table)
        write_text(path, buffer.getvalue())
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "disagreements"
        for row in table:
            sheet.append(row)
        with atomic_write(path, "wb") as handle:
            book.save(handle)
    else:
        raise CryontoError("--disagreements must name a .csv or .xlsx file", str(path))
    return len(table) - 1
