"""Which unit a REFI project's text positions count, and converting between units.

W3C Web Annotation (and cryonto) counts Unicode code points. NVivo (a .NET
program) writes REFI ``startPosition``/``endPosition`` in UTF-16 code units, so
every character outside the Basic Multilingual Plane (emoji, CJK extension B)
counts twice and every later selection is shifted. The two readings only differ
after such a character, so the unit is decided from the evidence the texts give
(a reading that splits a surrogate pair or runs past the end is impossible; a
selection ``name`` that matches the text cut by one reading decides; selections
on word and grapheme boundaries count for a reading) and, when the texts cannot
tell, from the project's ``origin`` attribute. docs/import.md has the table of
which tool counts what.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

CODEPOINTS = "codepoints"
UTF16 = "utf16"
UNITS = (CODEPOINTS, UTF16)
UNIT_NAMES = {CODEPOINTS: "code points", UTF16: "UTF-16 code units"}

#: origin substrings of tools that count UTF-16 code units (.NET strings)
UTF16_ORIGINS = ("nvivo", "utf-16", "utf16")


#: a character outside the Basic Multilingual Plane
ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def is_astral(char: str) -> bool:
    return ord(char) > 0xFFFF


class Offsets:
    """Code point <-> UTF-16 offsets for one text, built once (positions of astral chars)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.astral = [m.start() for m in ASTRAL.finditer(text)]  # C speed, not per char
        # UTF-16 offset at which each astral character starts
        self.astral16 = [i + n for n, i in enumerate(self.astral)]
        self.length16 = len(text) + len(self.astral)

    def to_utf16(self, cp: int) -> int:
        """The UTF-16 offset of code point offset `cp`."""
        return cp + bisect_right(self.astral, cp - 1)

    def from_utf16(self, u: int) -> int | None:
        """The code point offset of UTF-16 offset `u`; None inside a surrogate pair."""
        n = bisect_right(self.astral16, u - 1)  # astral chars starting before u
        if n and self.astral16[n - 1] + 1 == u:
            return None  # between the two halves of a surrogate pair
        return u - n

    def length(self, unit: str) -> int:
        return self.length16 if unit == UTF16 else len(self.text)

    def convert(self, start: int, end: int, unit: str) -> tuple[int, int] | None:
        """(start, end) given in `unit` as code points; None if impossible in that unit."""
        if end > self.length(unit):
            return None
        if unit == CODEPOINTS:
            return start, end
        a, b = self.from_utf16(start), self.from_utf16(end)
        if a is None or b is None:
            return None
        return a, b


_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def boundary_score(text: str, pos: int) -> int:
    """How sensible a selection edge at `pos` is: 1 word boundary, 0 inside a word,
    -2 inside a grapheme (before a combining mark, a joiner, a variation selector
    or a skin-tone modifier, or after a zero-width joiner)."""
    if pos <= 0 or pos >= len(text):
        return 1
    after, before = text[pos], text[pos - 1]
    if (unicodedata.combining(after) or after in _JOINERS or before == "\u200d"
            or 0x1F3FB <= ord(after) <= 0x1F3FF):
        return -2
    if before.isalnum() and after.isalnum():
        return 0
    return 1


@dataclass
class Selection:
    """What the unit decision needs of one PlainTextSelection."""

    offsets: Offsets
    start: int
    end: int
    name: str | None = None


@dataclass
class Evidence:
    """Per reading: impossible selections, name matches, boundary score."""

    impossible: int = 0
    names: int = 0
    boundaries: int = 0


@dataclass
class Decision:
    unit: str
    reason: str
    differing: int = 0  # selections where the two readings differ
    evidence: dict[str, Evidence] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"unit": self.unit, "unit_name": UNIT_NAMES[self.unit], "reason": self.reason,
                "selections_where_units_differ": self.differing,
                "evidence": {u: vars(e) for u, e in self.evidence.items()}}


def origin_unit(origin: str | None) -> str:
    """The unit the producing tool is known to count, from the project's origin."""
    text = (origin or "").lower()
    return UTF16 if any(tag in text for tag in UTF16_ORIGINS) else CODEPOINTS


def decide(selections: Iterable[Selection], origin: str | None,
           forced: str | None = None) -> Decision:
    """Choose the unit of a project's text positions (see the module docstring)."""
    if forced in UNITS:
        return Decision(forced, "given with --positions")
    evidence = {CODEPOINTS: Evidence(), UTF16: Evidence()}
    differing = gather(selections, evidence)
    return conclude(differing, evidence, origin)


def gather(selections: Iterable[Selection], evidence: dict[str, Evidence]) -> int:
    """Add these selections' evidence to `evidence`; how many differ between the units.

    Evidence adds up, so a project read source by source (the streaming import) gathers
    it per source and concludes once, as `decide` does for all selections at once."""
    differing = 0
    for sel in selections:
        off = sel.offsets
        if not off.astral or off.astral[0] >= sel.end:
            continue  # both readings agree before the first astral character
        differing += 1
        for unit, ev in evidence.items():
            span = off.convert(sel.start, sel.end, unit)
            if span is None:
                ev.impossible += 1
                continue
            a, b = span
            if sel.name is not None and off.text[a:b].strip() == sel.name.strip():
                ev.names += 1
            ev.boundaries += boundary_score(off.text, a) + boundary_score(off.text, b)
    return differing


def conclude(differing: int, evidence: dict[str, Evidence], origin: str | None) -> Decision:
    """The unit the gathered evidence decides, else the origin's."""
    prior = origin_unit(origin)
    shown = f"origin {origin!r}" if origin else "no origin attribute"
    cp, u16 = evidence[CODEPOINTS], evidence[UTF16]

    def done(unit: str, why: str) -> Decision:
        return Decision(unit, why, differing, evidence)

    if not differing:
        return done(prior, "no selection ends after a character outside the BMP, so code "
                    f"points and UTF-16 units agree; {UNIT_NAMES[prior]} by {shown}")
    if bool(cp.impossible) != bool(u16.impossible):
        bad, good = (CODEPOINTS, UTF16) if cp.impossible else (UTF16, CODEPOINTS)
        what = ("split a surrogate pair or run past the text"
                if bad == UTF16 else "run past the end of the text")
        return done(good, f"read as {UNIT_NAMES[bad]}, {evidence[bad].impossible} of "
                    f"{differing} selections would {what}")
    if cp.names != u16.names:
        good = UTF16 if u16.names > cp.names else CODEPOINTS
        return done(good, f"the selection names match the text in {evidence[good].names} of "
                    f"{differing} selections read as {UNIT_NAMES[good]} (vs "
                    f"{evidence[CODEPOINTS if good == UTF16 else UTF16].names})")
    if cp.boundaries != u16.boundaries:
        good = UTF16 if u16.boundaries > cp.boundaries else CODEPOINTS
        other = CODEPOINTS if good == UTF16 else UTF16
        return done(good, f"read as {UNIT_NAMES[good]}, selections land on word and character "
                    f"boundaries more often (score {evidence[good].boundaries} vs "
                    f"{evidence[other].boundaries} over {differing} selections)")
    return done(prior, f"the texts do not tell the units apart; {UNIT_NAMES[prior]} by {shown}")
