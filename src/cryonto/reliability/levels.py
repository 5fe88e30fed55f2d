"""The three levels of agreement: which units there are and what each coder said about them.

* document: unit = (transcript, category); value = did this coder code it there at all.
* segment: unit = one coding (segment, category) of any chosen coder; the other coders agree
  when they coded the same category on one span overlapping it by >= `overlap` of its length.
* unitized: unit = one character (code point) of a transcript and a category; value = does
  one of this coder's segments with that category cover it.

Each builder returns per-category `Table`s, an overall `Table` and the disagreeing units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cryonto.reliability.spans import coverage, merged_unit_squares, runs, touching_pairs
from cryonto.reliability.units import Codings, Selection, Table


@dataclass
class Disagreement:
    """One unit the coders did not agree on: what a consensus meeting looks at."""

    document: str
    category: str
    start: int | None
    end: int | None
    text: str | None
    coders: dict[str, list[str]]  # coder iri -> category iris that coder gave there


@dataclass
class LevelData:
    overall: Table
    categories: dict[str, Table]
    disagreements: list[Disagreement]
    notes: list[str] = field(default_factory=list)


def _binary(rows: list[list[int]], weights=None, clusters=None) -> Table:
    values = np.asarray(rows, dtype=np.int64).reshape(len(rows), -1)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=np.float64)
    c = None if clusters is None else np.asarray(clusters, dtype=np.int64)
    return Table(values, w, c, 2)


def _empty(width: int) -> Table:
    return Table(np.zeros((0, width), dtype=np.int64), np.zeros(0), None, 2)


def _concat(tables: list[Table], q: int, chance_q: int | None = None) -> Table:
    width = tables[0].values.shape[1]
    clusters = [t.clusters for t in tables if t.clusters is not None]
    squares = [t.unit_squares for t in tables if t.unit_squares is not None]
    return Table(np.concatenate([t.values for t in tables]).reshape(-1, width),
                 np.concatenate([t.weights for t in tables]),
                 np.concatenate(clusters) if len(clusters) == len(tables) else None,
                 q, chance_q,
                 np.sum(squares, axis=0) if len(squares) == len(tables) else None)


def document_level(sel: Selection) -> LevelData:
    present = {(c.coder, c.document, c.category) for c in sel.codings}
    per: dict[str, Table] = {}
    disagreements = []
    for k in sel.categories:
        rows = [[int((j, d, k) in present) for j in sel.coders] for d in sel.documents]
        per[k] = _binary(rows, clusters=range(len(rows)))
        for d, row in zip(sel.documents, rows, strict=True):
            if len(set(row)) > 1:
                disagreements.append(Disagreement(d, k, None, None, None, {
                    j: [k] if v else [] for j, v in zip(sel.coders, row, strict=True)}))
    overall = _concat(list(per.values()), 2)
    overall.clusters = None  # units are (transcript, category) pairs, resampled one by one
    return LevelData(overall, per, disagreements)


def _positioned(sel: Selection) -> tuple[list, int]:
    positioned = [c for c in sel.codings if c.start is not None and c.end is not None]
    return positioned, len({c.segment for c in sel.codings} - {c.segment for c in positioned})


@dataclass
class _Columns:
    """The positioned codings as arrays (indexes into the selection's lists)."""

    codings: list
    document: np.ndarray
    category: np.ndarray
    coder: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _columns(sel: Selection, positioned: list) -> _Columns:
    documents = {d: i for i, d in enumerate(sel.documents)}
    categories = {k: i for i, k in enumerate(sel.categories)}
    coders = {j: i for i, j in enumerate(sel.coders)}

    def column(values) -> np.ndarray:
        return np.fromiter(values, dtype=np.int64, count=len(positioned))

    return _Columns(positioned, column(documents[c.document] for c in positioned),
                    column(categories[c.category] for c in positioned),
                    column(coders[c.coder] for c in positioned),
                    column(c.start for c in positioned), column(c.end for c in positioned))


def _matched(units: _Columns, coder: int, groups: int, overlap: float) -> np.ndarray:
    """Per unit: did `coder` code its category on one span covering >= `overlap` of it (a
    unit of zero length: on a span containing its position)?"""
    mine = np.nonzero(units.coder == coder)[0]
    group = units.document * groups + units.category
    qi, ti = touching_pairs(group, units.start, units.end,
                            group[mine], units.start[mine], units.end[mine])
    ti = mine[ti]
    length = units.end[qi] - units.start[qi]
    shared = np.minimum(units.end[qi], units.end[ti]) - np.maximum(units.start[qi],
                                                                   units.start[ti])
    ok = np.where(length > 0, (shared >= overlap * length) & (shared > 0), True)
    matched = np.zeros(len(units.codings), dtype=bool)
    matched[qi[ok]] = True
    matched[units.coder == coder] = True
    return matched


def _seen(units: _Columns, which: np.ndarray, coders: int) -> list[list[list[int]]]:
    """For the units `which`: per coder, the category indexes that coder gave on any span of
    the same transcript overlapping the unit (sorted, once each)."""
    out: list[list[list[int]]] = [[[] for _ in range(coders)] for _ in which]
    if not len(which):
        return out
    qi, ti = touching_pairs(units.document[which], units.start[which], units.end[which],
                            units.document, units.start, units.end)
    width = int(units.category.max()) + 1
    keys = np.unique((qi * coders + units.coder[ti]) * width + units.category[ti])
    for key in keys.tolist():
        unit_coder, category = divmod(key, width)
        unit, coder = divmod(unit_coder, coders)
        out[unit][coder].append(category)
    return out


def segment_level(sel: Selection, data: Codings, overlap: float) -> LevelData:
    positioned, skipped = _positioned(sel)
    units = _columns(sel, positioned)
    width = len(sel.coders)
    none = len(sel.categories)
    agree = np.stack([_matched(units, j, none, overlap) for j in range(width)], axis=1) \
        if positioned else np.zeros((0, width), dtype=bool)
    rows = agree.astype(np.int64)
    per: dict[str, Table] = {}
    for i, k in enumerate(sel.categories):
        mine = units.category == i
        per[k] = _binary(rows[mine].tolist(), clusters=units.document[mine]) if mine.any() \
            else _empty(width)  # used only on segments without offsets: no units
    values = np.where(agree, units.category[:, None], none)
    overall = Table(values.reshape(len(positioned), width), np.ones(len(positioned)), None,
                    none + 1, chance_q=none)
    which = np.nonzero(~agree.all(axis=1))[0]
    disagreements = []
    for unit, seen in zip(which.tolist(), _seen(units, which, width), strict=True):
        c = positioned[unit]
        disagreements.append(Disagreement(
            c.document, c.category, c.start, c.end, data.texts.get(c.segment),
            {j: [sel.categories[k] for k in seen[n]] for n, j in enumerate(sel.coders)}))
    notes = [f"{skipped} segment(s) without character offsets left out"] if skipped else []
    return LevelData(overall, per, disagreements, notes)


def unitized_level(sel: Selection, data: Codings) -> LevelData:
    positioned, skipped = _positioned(sel)
    width = len(sel.coders)
    if not positioned:
        overall = _empty(width)
        return LevelData(overall, {k: _empty(width) for k in sel.categories}, [],
                         [f"{skipped} segment(s) without character offsets left out"]
                         if skipped else [])
    units = _columns(sel, positioned)
    # transcripts with positioned codings, numbered in the selection's order
    used = np.unique(units.document)
    number = np.full(len(sel.documents), -1, dtype=np.int64)
    number[used] = np.arange(len(used))
    documents = [sel.documents[i] for i in used.tolist()]
    n_docs, n_cats = len(documents), len(sel.categories)
    longest = np.zeros(n_docs, dtype=np.int64)
    np.maximum.at(longest, number[units.document], units.end)
    lengths = np.array([max(data.documents.get(d, {}).get("length") or 0, int(m))
                        for d, m in zip(documents, longest.tolist(), strict=True)],
                       dtype=np.int64)
    # one continuum per (category, transcript): group = category * transcripts + transcript
    group = units.category * n_docs + number[units.document]
    group_lengths = np.tile(lengths, n_cats)
    squares = merged_unit_squares(group * width + units.coder,
                                  np.clip(units.start, 0, group_lengths[group]),
                                  np.clip(units.end, 0, group_lengths[group]),
                                  n_cats * n_docs * width).reshape(-1, width).sum(axis=1)
    piece_group, piece_start, piece_end, cover = coverage(
        group, units.coder, units.start, units.end, group_lengths, width)
    coded = np.zeros(n_cats * n_docs, dtype=bool)
    coded[group] = True
    blank = np.nonzero(~coded)[0]  # no coder used the category there: one uncoded stretch
    all_group = np.concatenate([piece_group, blank])
    all_rows = np.concatenate([cover, np.zeros((len(blank), width), dtype=np.int64)])
    all_weights = np.concatenate([piece_end - piece_start, group_lengths[blank]])
    per: dict[str, Table] = {}
    for i, k in enumerate(sel.categories):
        mine = (all_group // n_docs) == i
        per[k] = Table(all_rows[mine], all_weights[mine].astype(np.float64),
                       all_group[mine] % n_docs, 2,
                       unit_squares=squares[i * n_docs:(i + 1) * n_docs])
    overall = _concat(list(per.values()), 2)
    disagreements: list[Disagreement] = []
    texts = [data.documents.get(d, {}).get("text") for d in documents]
    for g, start, end, row in zip(*(a.tolist() for a in runs(
            piece_group, piece_start, piece_end, cover)), strict=True):
        k, d = divmod(g, n_docs)
        text = texts[d]
        disagreements.append(Disagreement(
            documents[d], sel.categories[k], start, end, text[start:end] if text else None,
            {c: [sel.categories[k]] if v else [] for c, v in zip(sel.coders, row,
                                                                   strict=True)}))
    notes = [f"{skipped} segment(s) without character offsets left out"] if skipped else []
    return LevelData(overall, per, disagreements, notes)
