"""The one error type every layer below the CLI raises for bad input.

Readers, writers and the store never print or exit: they raise `CryontoError`
carrying the file, the row or element, and the reason. Only the CLI turns it
into one line on stderr (then its `details`, if any, one per line: every bad
row of a CSV) and exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CryontoError(Exception):
    """Bad input or an impossible request, with where it happened."""

    reason: str
    file: str | None = None
    where: str | None = None  # "row 12", "element <Code guid=...>", "line 3"
    #: further lines after the one-line summary (e.g. every bad row of a CSV), each complete
    details: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.where) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class QueryRefused(CryontoError):
    """A SPARQL text that would reach the network, the file system or change data."""


class RemoteError(CryontoError):
    """A remote SPARQL endpoint was unreachable or answered badly."""
