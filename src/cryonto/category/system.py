"""`CategorySystem`: the concepts indexed for lookup by code, label or IRI, and the tree.

The importers resolve the codes they meet in QDA exports with
`CategorySystem.resolve_code`, which is a dict lookup after normalisation, so
resolving 10^5 segment codes costs milliseconds.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from cryonto.category.model import Concept, Record, TreeNode, local_name, notation_key
from cryonto.errors import CryontoError
from cryonto.vocab import expand


def _normalize(text: str) -> str:
    """The form every lookup key takes: NFC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())



_CUT_MIN = 30  # a label prefix shorter than this is not taken for a cut name


class CategorySystem:
    """The concepts of `cry:CategorySystem`, indexed for lookup by code, label or IRI."""

    def __init__(self, concepts: Iterable[Concept], records: Iterable[Record] = (),
                 sources: Sequence[Path] = ()) -> None:
        self._concepts = sorted(concepts, key=lambda c: (notation_key(c.notation), c.iri))
        self._by_iri = {c.iri: c for c in self._concepts}
        self.records: tuple[Record, ...] = tuple(records)
        self.sources: tuple[Path, ...] = tuple(sources)
        self._index, self._display = _build_index(self._concepts)

    def __len__(self) -> int:
        return len(self._concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self._concepts)

    def __contains__(self, iri: object) -> bool:
        return iri in self._by_iri

    def concepts(self) -> list[Concept]:
        """All concepts, in notation order."""
        return list(self._concepts)

    def get(self, iri: str) -> Concept | None:
        return self._by_iri.get(str(iri))

    def top_concepts(self) -> list[Concept]:
        """Declared top concepts; concepts without a broader one if none is declared."""
        tops = [c for c in self._concepts if c.top]
        return tops or [c for c in self._concepts
                        if not any(b in self._by_iri for b in c.broader)]

    def children(self, concept: Concept) -> list[Concept]:
        """Narrower concepts (stated either way round), in notation order."""
        iris = set(concept.narrower) | {c.iri for c in self._concepts if concept.iri in c.broader}
        return [c for c in self._concepts if c.iri in iris]

    def tree(self) -> list[TreeNode]:
        """The hierarchy from the top concepts down, each level in notation order.

        A concept reached twice (polyhierarchy) appears under each parent; a
        cycle is cut where it closes, so this never loops (`cryonto check`
        reports the cycle).
        """
        children = {c.iri: self.children(c) for c in self._concepts}

        def build(concept: Concept, level: int, path: frozenset[str]) -> TreeNode:
            kids = tuple(build(k, level + 1, path | {k.iri}) for k in children[concept.iri]
                         if k.iri not in path)
            return TreeNode(concept, kids, level)

        return [build(top, 1, frozenset({top.iri})) for top in self.top_concepts()]

    def walk(self) -> Iterator[TreeNode]:
        """Every node of `tree()`, depth first (the order a codebook lists them in)."""
        for root in self.tree():
            yield from root.walk()

    # -- lookup ---------------------------------------------------------------
    def lookup_index(self) -> dict[str, str]:
        """Normalised key -> concept IRI, for resolving codes in bulk.

        Keys are case-folded and whitespace-collapsed (see `normalize_key`):
        notations ("a1.1"), English and German prefLabels and altLabels, full
        IRIs, CURIEs ("cry:protestcrying") and local names. A key two concepts
        share at the same rank is left out, so it never resolves to a guess.
        The returned dict is a copy; use `resolve_code` for single codes.
        """
        return dict(self._index)

    @staticmethod
    def normalize_key(text: str) -> str:
        return _normalize(text)

    def resolve_code(self, text: str) -> str | None:
        """The IRI a code from a QDA export names, or None.

        Tried in order: the whole text as a notation, label, IRI or CURIE; a
        notation followed by that concept's own label ("A1.1 Protest crying",
        "A1.1: Protest crying"); the tail of a code path ("Assumptions\\Forms of
        crying\\Protest crying", separators ``\\``, ``/``, ``>``, ``::``),
        longest tail first, so "Relief/Catharsis" still resolves whole.
        """
        if not text or not text.strip():
            return None
        found = self._resolve_flat(text)
        if found:
            return found
        for sep in ("\\", "::", ">", "/"):
            if sep not in text:
                continue
            parts = [p for p in text.split(sep) if p.strip()]
            for start in range(1, len(parts)):
                found = self._resolve_flat(sep.join(parts[start:]))
                if found:
                    return found
        return None

    def _resolve_flat(self, text: str) -> str | None:
        key = _normalize(text)
        found = self._index.get(key) or self._index.get(_normalize(expand(text)))
        if found:
            return found
        match = re.match(r"^([A-Za-z]+\d*(?:\.\d+)*)\s*[:.\-–—)]?\s+(.+)$", text.strip())
        if match:
            by_notation = self._index.get(_normalize(match.group(1)))
            if by_notation and self._index.get(_normalize(match.group(2))) == by_notation:
                return by_notation
            if by_notation and self._cut_label_of(by_notation, match.group(2)):
                return by_notation
        return None

    def _cut_label_of(self, iri: str, text: str) -> bool:
        """Whether `text` is one of the concept's labels cut short by a QDA tool.

        MAXQDA keeps 63 characters of a code name, so "I1.3 Contextualizing … in
        a" comes back from an exported codebook; the notation decides, a prefix of
        at least `_CUT_MIN` characters of its own label confirms.
        """
        concept = self.get(iri)
        wanted = _normalize(text)
        if concept is None or len(wanted) < _CUT_MIN:
            return False
        labels = [*concept.labels.values(), *(a for alts in concept.alt_labels.values()
                                              for a in alts)]
        return any(_normalize(label).startswith(wanted) for label in labels)

    def find(self, key: str) -> Concept:
        """The concept a notation, label (en/de), IRI or CURIE names.

        Raises `CryontoError("unknown concept 'x'; did you mean …?")` otherwise.
        """
        iri = self.resolve_code(key)
        if iri is not None:
            return self._by_iri[iri]
        message = f"unknown concept {key!r}"
        close = difflib.get_close_matches(_normalize(key), list(self._display), n=3, cutoff=0.6)
        suggestions: list[str] = []
        for match in close:
            shown = self._display[match]
            if shown not in suggestions:
                suggestions.append(shown)
        if suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        raise CryontoError(message)


def _build_index(concepts: Sequence[Concept]) -> tuple[dict[str, str], dict[str, str]]:
    """Key -> IRI (ambiguous keys dropped, better ranks win) and key -> display text."""
    ranked: dict[str, tuple[int, set[str]]] = {}
    display: dict[str, str] = {}

    def add(key: str | None, iri: str, rank: int, shown: str) -> None:
        if not key:
            return
        norm = _normalize(key)
        display.setdefault(norm, shown)
        current = ranked.get(norm)
        if current is None or rank < current[0]:
            ranked[norm] = (rank, {iri})
        elif rank == current[0]:
            current[1].add(iri)

    for c in concepts:
        shown = f"{c.notation} {c.label('en')}" if c.notation else c.label("en")
        add(c.notation, c.iri, 0, shown)
        add(c.iri, c.iri, 1, shown)
        add(c.curie, c.iri, 1, shown)
        for label in c.labels.values():
            add(label, c.iri, 2, shown)
        for labels in c.alt_labels.values():
            for label in labels:
                add(label, c.iri, 3, shown)
        add(local_name(c.iri), c.iri, 4, shown)
    index = {key: next(iter(iris)) for key, (_, iris) in ranked.items() if len(iris) == 1}
    return index, display
