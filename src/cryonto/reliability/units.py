"""Reliability units per level, built from the codings in a store.

Codings are read with the `.rq` files in ``queries/agreement/``; a study code
counts toward a category exactly as in the query library
(``oa:hasBody/(skos:exactMatch|skos:closeMatch|skos:narrowMatch)?``). Each level
turns the codings of the chosen coders into `Table`s: one per category and one
for the overall figure (docs/agreement.md defines the levels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore
from cryonto.storage import data_store

LEVELS = ("document", "segment", "unitized")


@dataclass(frozen=True)
class Coding:
    document: str
    segment: str
    coder: str
    start: int | None
    end: int | None
    category: str


@dataclass
class Codings:
    """What agreement needs from the data: codings, transcripts, coders, categories."""

    studies: list[str]
    codings: list[Coding]
    documents: dict[str, dict]  # iri -> {"title", "length", "text"}
    coder_labels: dict[str, str]  # coder iri -> label
    categories: dict[str, tuple[str, str]]  # category iri -> (notation, label)
    ancestors: dict[str, set[str]]  # category -> itself and every broader category
    texts: dict[str, str] = field(default_factory=dict)  # segment iri -> exact text
    notes: list[str] = field(default_factory=list)


@dataclass
class Table:
    """Reliability data: values [units, coders] (0/1, or a category index), unit weights,
    the cluster (transcript) each unit belongs to, and the number of possible values."""

    values: np.ndarray
    weights: np.ndarray
    clusters: np.ndarray | None
    q: int
    chance_q: int | None = None  # Brennan-Prediger's q when it differs (segment level)
    #: unitized level: per cluster (transcript), the sum of l² over every coder's coded units
    unit_squares: np.ndarray | None = None


def _query(name: str) -> str:
    return resources.sparql(f"agreement/{name}")


def load(paths: Sequence[Path | str] | GraphStore) -> Codings:
    """Read codings, transcripts, coders and categories from RDF files (plus the ontology)."""
    if not paths:
        raise CryontoError("no DATA file given")
    store = data_store(paths)

    def rows(name: str) -> list[dict[str, Any]]:
        """Rows with plain values: IRIs and strings as str, numbers as int."""
        return store.select(_query(name)).dicts()

    studies: set[str] = set()
    documents: dict[str, dict] = {}
    for sol in rows("documents"):
        studies.add(sol["study"])
        length = sol["length"]
        text = sol["fullText"]
        documents[sol["document"]] = {
            "title": sol["title"] if sol["title"] else sol["document"],
            "length": int(length) if length is not None else (len(text) if text else None),
            "text": text}
    if not studies:
        raise CryontoError("no coded dataset (cry:Study) in the input",
                           str(getattr(paths, "directory", "the store"))
                           if isinstance(paths, GraphStore) else ", ".join(map(str, paths)))
    categories: dict[str, tuple[str, str]] = {}
    ancestors: dict[str, set[str]] = defaultdict(set)
    for sol in rows("categories"):
        iri = sol["category"]
        notation = sol["notation"] if sol["notation"] else iri
        categories[iri] = (notation, sol["label"] if sol["label"] else notation)
        ancestors[iri].add(sol["ancestor"])
    coder_labels = {sol["coder"]: (sol["label"] if sol["label"]
                                   else sol["coder"].rsplit("/", 1)[-1])
                    for sol in rows("coders")}
    codings: list[Coding] = []
    texts: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    no_coder: set[str] = set()
    for sol in rows("codings"):
        segment = sol["segment"]
        if sol["coder"] is None:
            no_coder.add(segment)
            continue
        key = (segment, sol["category"])
        if key in seen:
            continue
        seen.add(key)
        start, end = sol["start"], sol["end"]
        codings.append(Coding(sol["document"], segment, sol["coder"],
                              None if start is None else int(start),
                              None if end is None else int(end), sol["category"]))
        if sol["exact"] is not None:
            texts[segment] = sol["exact"]
    notes = []
    if no_coder:
        notes.append(f"{len(no_coder)} segment(s) without a coder (dcterms:creator) left out")
    return Codings(sorted(studies), codings, documents, coder_labels, categories,
                   dict(ancestors), texts, notes)


def choose_coders(data: Codings, wanted: Sequence[str] | None) -> list[str]:
    """The coders to compare: those named (label, IRI or IRI's last part) or the two with the
    most segments."""
    segments: dict[str, set[str]] = defaultdict(set)
    for c in data.codings:
        segments[c.coder].add(c.segment)
    known = sorted(set(data.coder_labels) | set(segments))
    if wanted:
        chosen = []
        for name in wanted:
            match = [iri for iri in known if name in (iri, data.coder_labels.get(iri),
                                                       iri.rsplit("/", 1)[-1])]
            if not match:
                names = ", ".join(sorted(data.coder_labels.get(i, i) for i in known)) or "none"
                raise CryontoError(f"unknown coder {name!r}; coders in the data: {names}")
            if len(match) > 1:
                raise CryontoError(f"coder {name!r} is ambiguous; give its IRI")
            if match[0] in chosen:
                raise CryontoError(f"coder {name!r} named twice in --coders")
            chosen.append(match[0])
        if len(chosen) < 2:
            raise CryontoError("--coders needs at least two coders, e.g. --coders anna,ben")
        return chosen
    ranked = sorted(segments, key=lambda i: (-len(segments[i]), data.coder_labels.get(i, i)))
    if len(ranked) < 2:
        raise CryontoError(f"agreement needs at least two coders; the data have {len(ranked)}"
                           " coder(s) with coded segments")
    return ranked[:2]


def categories_of(data: Codings, category: str, rollup: bool) -> set[str]:
    """The categories a coding counts toward: itself, or with --rollup every broader one too."""
    return data.ancestors.get(category, {category}) if rollup else {category}


@dataclass
class Selection:
    """The codings of the chosen coders, expanded by --rollup, indexed for the levels."""

    coders: list[str]
    documents: list[str]  # transcripts in which any chosen coder coded
    categories: list[str]  # categories any chosen coder used, sorted by notation
    codings: list[Coding]


def select(data: Codings, coders: list[str], rollup: bool) -> Selection:
    chosen = set(coders)
    expanded = [Coding(c.document, c.segment, c.coder, c.start, c.end, k)
                for c in data.codings if c.coder in chosen
                for k in sorted(categories_of(data, c.category, rollup))]
    expanded = list(dict.fromkeys(expanded))
    documents = sorted({c.document for c in expanded},
                       key=lambda d: (data.documents.get(d, {}).get("title") or d, d))
    categories = sorted({c.category for c in expanded},
                        key=lambda k: (data.categories.get(k, (k, k))[0], k))
    return Selection(coders, documents, categories, expanded)
