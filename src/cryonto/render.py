"""Tables, CSV, TSV and JSON for the terminal: one place for every command's output."""

from __future__ import annotations

import json
from collections.abc import Sequence

Value = str | int | float | bool | None

OUTPUT_FORMATS = ("table", "csv", "tsv", "json")


def render_rows(columns: Sequence[str], rows: Sequence[Sequence[Value]], fmt: str = "table") -> str:
    """Rows as text in one of OUTPUT_FORMATS."""
    if fmt == "table":
        return table(columns, rows)
    if fmt == "csv":
        return delimited(columns, rows, ",")
    if fmt == "tsv":
        return delimited(columns, rows, "\t")
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows],
                          ensure_ascii=False, indent=2)
    raise ValueError(f"unknown output format {fmt!r}")


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[Value]], max_width: int = 60) -> str:
    """A plain aligned text table (cells longer than max_width are cut with '…')."""
    cells = [[_clip(_cell(v), max_width) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(t.ljust(w) for t, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def delimited(columns: Sequence[str], rows: Sequence[Sequence[Value]], delimiter: str) -> str:
    """CSV/TSV for a spreadsheet: cells that could run as formulas are neutralised."""
    from cryonto.writers.cells import csv_text

    return csv_text(columns, [[_cell(v) for v in row] for row in rows],
                    delimiter).rstrip("\n")
