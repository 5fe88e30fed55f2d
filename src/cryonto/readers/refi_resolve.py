"""What a REFI project's positions and users mean: the position unit and the coder.

Two decisions the REFI reader takes once all selections are read, kept here so
the reader stays about parsing:

* `place_positions`: which unit ``startPosition``/``endPosition`` count (code
  points or UTF-16 code units, see `cryonto.readers.positions`), then every text
  selection converted to code points and its text cut from the source.
* `choose_coders`: who the coder of a coding is. NVivo for Windows names one
  user on ``<Coding creatingUser>`` and another on ``<PlainTextSelection
  creatingUser>``. The rule: ``coding`` (default) credits the user who applied
  the code (the Coding's creatingUser, or the selection's when the Coding names
  none); ``selection`` credits the user who made the selection. The other user
  is kept as who made the selection (``prov:wasAttributedTo`` on the target).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from cryonto.coded import CodedDataset
from cryonto.errors import CryontoError
from cryonto.readers.common import ReadResult, plural
from cryonto.readers.positions import (
    UNIT_NAMES,
    UTF16,
    Decision,
    Offsets,
    Selection,
    decide,
)

CODER_RULES = ("coding", "selection")


def place_positions(selections: Sequence[Any], origin: str | None, forced: str | None,
                    result: ReadResult, xml_name: str) -> None:
    """Decide the unit, convert each text selection to code points and cut its text."""
    offsets: dict[int, Offsets] = {}

    def of(text: str) -> Offsets:
        key = id(text)
        if key not in offsets:
            offsets[key] = Offsets(text)
        return offsets[key]

    texted = [s for s in selections if s.raw is not None and s.source is not None]
    decision = decide((Selection(of(s.source), s.raw[0], s.raw[1], s.name) for s in texted),
                      origin, forced)
    unit = decision.unit
    unchecked = 0
    for sel in selections:
        if sel.raw is None:
            continue
        start, end = sel.raw
        if sel.source is None:
            unchecked += 1
            if sel.primary:
                sel.start, sel.end = start, end
            continue
        off = of(sel.source)
        span = off.convert(start, end, unit)
        if span is None:
            length = off.length(unit)
            why = (f"is beyond the end of the source text ({length} {UNIT_NAMES[unit]})"
                   if end > length else "falls inside a surrogate pair (a character outside "
                   "the BMP counted as two UTF-16 units)")
            raise CryontoError(f"endPosition {end} {why}" if end > length else
                               f"startPosition {start} or endPosition {end} {why}",
                               xml_name, sel.element)
        sel.text = sel.source[span[0]:span[1]]
        if sel.primary:
            sel.start, sel.end = span
    report_positions(decision, unchecked, result)


def report_positions(decision: Decision, unchecked: int, result: ReadResult) -> None:
    """The unit decided, and a note on the `unchecked` selections (without source text)."""
    result.details["positions"] = decision.as_dict()
    if unchecked and decision.unit == UTF16:
        result.notes.append(f"{plural(unchecked, 'selection')} without source text kept as "
                            "written (UTF-16 units cannot be converted without the text)")


def choose_coders(selections: list[Any], rule: str, ds: CodedDataset,
                  result: ReadResult) -> list[Any]:
    """Set each selection's coder by `rule`; split a selection whose codings name several
    coders (one segment per coder, id ``guid#n``); report user conflicts."""
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    out, split = split_by_coder(selections, rule, pairs)
    report_coders(pairs, split, rule, ds, result)
    return out


def split_by_coder(selections: list[Any], rule: str,
                   pairs: Counter[tuple[str | None, str | None]]) -> tuple[list[Any], int]:
    """`choose_coders` without the report: the selections as split, how many more there
    are; each (selection user, coding user) conflict is counted into `pairs`."""
    if rule not in CODER_RULES:
        raise CryontoError(f"--coder-from must be one of {', '.join(CODER_RULES)}, not {rule!r}")
    out: list[Any] = []
    split = 0
    for sel in selections:
        chosen: list[str | None] = []
        for user in sel.coding_users or [None]:
            if sel.selected_by and user and user != sel.selected_by:
                pairs[(sel.selected_by, user)] += 1
            if rule == "selection":
                chosen.append(sel.selected_by or user)
            else:
                chosen.append(user or sel.selected_by)
        distinct = list(dict.fromkeys(chosen))
        if len(distinct) <= 1:
            sel.coder = distinct[0] if distinct else None
            out.append(sel)
            continue
        split += len(distinct) - 1
        codes = list(sel.codes)
        for n, coder in enumerate(distinct):
            part = sel if n == 0 else _copy(sel, f"{sel.guid}#{n + 1}")
            part.codes = [c for c, who in zip(codes, chosen, strict=True) if who == coder]
            part.coder = coder
            out.append(part)
    return out, split


def report_coders(pairs: Counter[tuple[str | None, str | None]], split: int, rule: str,
                  ds: CodedDataset, result: ReadResult) -> None:
    """The adjustment, details and note of `choose_coders`, from what it counted."""
    if split:
        result.adjust("segments", split,
                      f"{plural(split, 'more segment')}: selections whose Codings name "
                      "different users are split, one segment per coder (id guid#n)")

    def name(key: str | None) -> str:
        return ds.coders[key].name if key and key in ds.coders else "?"

    conflicts = [{"selection_user": name(a), "coding_user": name(b), "codings": n,
                  "chosen": name(b if rule == "coding" else a)}
                 for (a, b), n in pairs.most_common()]
    result.details["coder_rule"] = rule
    result.details["coder_conflicts"] = conflicts
    if conflicts:
        total = sum(pairs.values())
        who = ("the Coding's user (who applied the code)" if rule == "coding"
               else "the selection's user (who selected the text)")
        result.notes.append(
            f"{plural(total, 'coding')} name{'s' if total == 1 else ''} another user than "
            f"{'its' if total == 1 else 'their'} selection; the coder is {who} "
            f"(--coder-from {rule}); the other is kept as who made the selection")


def _copy(sel: Any, guid: str) -> Any:
    from dataclasses import replace

    return replace(sel, guid=guid, codes=[], coding_users=[])
