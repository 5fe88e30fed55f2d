"""Tables, CSV, TSV and JSON for the terminal: one place for every command's output.

Text from data files (segment text, code names, IRIs, error details) may hold
raw control bytes; echoed to a terminal, an ESC sequence can rewrite the
screen, retitle the window or hide lines. `terminal_safe` shows C0/C1
controls (but tab and newline) as ``\\xNN``; `protect_terminal` applies it to
everything the CLI writes to a terminal, and error lines and tables always
get it.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

Value = str | int | float | bool | None

#: C0 controls but tab and newline, DEL, and the C1 controls
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """`text` with every control character but tab and newline shown as ``\\xNN``."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class _SafeTerminal(io.TextIOWrapper):
    """A text stream that writes `terminal_safe` text to the terminal behind it."""

    def write(self, text: str) -> int:
        super().write(terminal_safe(text))
        return len(text)


def protect_terminal() -> None:
    """Route sys.stdout/sys.stderr through `terminal_safe` where they are terminals.

    Output redirected to a file or pipe (CSV, JSON, Turtle) is left byte-exact.
    """
    for name in ("stdout", "stderr"):
        stream: Any = getattr(sys, name)
        if isinstance(stream, _SafeTerminal) or not hasattr(stream, "buffer"):
            continue
        try:
            if not stream.isatty():
                continue
        except (OSError, ValueError):
            continue
        stream.flush()
        setattr(sys, name, _SafeTerminal(stream.buffer, encoding=stream.encoding,
                                         errors=stream.errors, line_buffering=True))

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
    columns = [terminal_safe(c) for c in columns]
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
    text = terminal_safe(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def delimited(columns: Sequence[str], rows: Sequence[Sequence[Value]], delimiter: str) -> str:
    """CSV/TSV for a spreadsheet: cells that could run as formulas are neutralised."""
    from cryonto.writers.cells import csv_text

    return csv_text(columns, [[_cell(v) for v in row] for row in rows],
                    delimiter).rstrip("\n")
