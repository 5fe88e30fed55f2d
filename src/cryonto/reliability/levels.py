"""The three levels of agreement: which units there are and what each coder said about them.

* document: unit = (transcript, category); value = did this coder code it there at all.
* segment: unit = one coding (segment, category) of any chosen coder; the other coders agree
  when they coded the same category on one span overlapping it by >= `overlap` of its length.
* unitized: unit = one character (code point) of a transcript and a category; value = does
  one of this coder's segments with that category cover it.

Each builder returns per-category `Table`s, an overall `Table` and the disagreeing units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

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


def _unit_squares(codings: list, length: int) -> float:
    """Sum of l² over one coder's units of one category in one transcript; overlapping
    segments are one unit (a coder's unitization of a continuum has no overlaps)."""
    spans = sorted((max(c.start, 0), min(c.end, length)) for c in codings)
    total, current = 0.0, None
    for start, end in spans:
        if end <= start:
            continue
        if current and start < current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current:
            total += (current[1] - current[0]) ** 2
        current = (start, end)
    if current:
        total += (current[1] - current[0]) ** 2
    return total


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


def _overlaps(start: int, end: int, spans: list[tuple[int, int]], overlap: float) -> bool:
    length = end - start
    if length <= 0:
        return any(s <= start <= e for s, e in spans)
    need = overlap * length
    return any(min(end, e) - max(start, s) >= need and min(end, e) > max(start, s)
               for s, e in spans)


def segment_level(sel: Selection, data: Codings, overlap: float) -> LevelData:
    positioned, skipped = _positioned(sel)
    spans: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    by_coder: dict[tuple, list] = defaultdict(list)
    for c in positioned:
        spans[(c.document, c.category, c.coder)].append((c.start, c.end))
        by_coder[(c.document, c.coder)].append(c)
    index = {k: i for i, k in enumerate(sel.categories)}
    none = len(sel.categories)
    doc_index = {d: i for i, d in enumerate(sel.documents)}
    per_rows: dict[str, list[list[int]]] = defaultdict(list)
    per_clusters: dict[str, list[int]] = defaultdict(list)
    nominal, clusters, disagreements = [], [], []
    for c in positioned:
        row = [1 if j == c.coder else int(_overlaps(c.start, c.end, spans[(c.document,
               c.category, j)], overlap)) for j in sel.coders]
        per_rows[c.category].append(row)
        per_clusters[c.category].append(doc_index[c.document])
        nominal.append([index[c.category] if v else none for v in row])
        clusters.append(doc_index[c.document])
        if not all(row):
            seen = {j: sorted({o.category for o in by_coder[(c.document, j)]
                               if min(c.end, o.end) > max(c.start, o.start)
                               or (o.start <= c.start <= o.end and c.start == c.end)},
                              key=lambda k: index.get(k, none)) for j in sel.coders}
            disagreements.append(Disagreement(c.document, c.category, c.start, c.end,
                                              data.texts.get(c.segment), seen))
    per = {k: _binary(per_rows[k], clusters=per_clusters[k]) for k in sel.categories
           if per_rows.get(k)}
    for k in sel.categories:  # used only on segments without offsets: no units
        per.setdefault(k, _empty(len(sel.coders)))
    values = np.asarray(nominal, dtype=np.int64).reshape(len(nominal), len(sel.coders))
    overall = Table(values, np.ones(len(nominal)), None, none + 1, chance_q=none)
    notes = [f"{skipped} segment(s) without character offsets left out"] if skipped else []
    return LevelData(overall, per, disagreements, notes)


def unitized_level(sel: Selection, data: Codings) -> LevelData:
    positioned, skipped = _positioned(sel)
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for c in positioned:
        grouped[(c.document, c.category)].append(c)
    documents = sorted({c.document for c in positioned}, key=sel.documents.index)
    lengths = {}
    for d in documents:
        known = data.documents.get(d, {}).get("length")
        longest = max(c.end for c in positioned if c.document == d)
        lengths[d] = max(known or 0, longest)
    per: dict[str, Table] = {}
    disagreements: list[Disagreement] = []
    width = len(sel.coders)
    for k in sel.categories:
        rows, weights, clusters = [], [], []
        squares = np.zeros(len(documents))
        for g, d in enumerate(documents):
            length = lengths[d]
            codings = grouped.get((d, k), [])
            squares[g] = sum(_unit_squares([c for c in codings if c.coder == j], length)
                             for j in sel.coders)
            if not codings:
                rows.append([0] * width)
                weights.append(length)
                clusters.append(g)
                continue
            cuts = np.unique(np.clip(np.array(
                [0, length] + [c.start for c in codings] + [c.end for c in codings]), 0, length))
            cover = np.zeros((len(cuts) - 1, width), dtype=np.int64)
            for c in codings:
                j = sel.coders.index(c.coder)
                lo, hi = np.searchsorted(cuts, [max(c.start, 0), min(c.end, length)])
                cover[lo:hi, j] = 1
            sizes = np.diff(cuts)
            rows.extend(cover.tolist())
            weights.extend(sizes.tolist())
            clusters.extend([g] * len(sizes))
            disagreements.extend(_runs(d, k, cuts, cover, sel.coders, data))
        per[k] = Table(np.asarray(rows, dtype=np.int64).reshape(-1, width),
                       np.asarray(weights, dtype=np.float64),
                       np.asarray(clusters, dtype=np.int64), 2, unit_squares=squares)
    overall = _concat(list(per.values()), 2) if per else _empty(width)
    notes = [f"{skipped} segment(s) without character offsets left out"] if skipped else []
    return LevelData(overall, per, disagreements, notes)


def _runs(document: str, category: str, cuts: np.ndarray, cover: np.ndarray,
          coders: list[str], data: Codings) -> list[Disagreement]:
    """Maximal stretches of characters on which the coders' values differ, one per pattern."""
    out: list[Disagreement] = []
    text = data.documents.get(document, {}).get("text")
    i, n = 0, len(cover)
    while i < n:
        row = cover[i]
        if row.min() == row.max() or cuts[i + 1] == cuts[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and (cover[j + 1] == row).all():
            j += 1
        start, end = int(cuts[i]), int(cuts[j + 1])
        out.append(Disagreement(document, category, start, end,
                                text[start:end] if text else None,
                                {c: [category] if v else [] for c, v in zip(coders, row,
                                                                             strict=True)}))
        i = j + 1
    return out
