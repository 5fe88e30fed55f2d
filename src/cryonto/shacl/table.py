"""Validation results held compactly: each distinct term and string once, a result as ints.

A `Result` object with its terms, plus a `Location` object per segment, cost about 3.5 KB
per result: 4.3 GB for the 1.2x10^6 warnings of a study without coding dates. Here a result
is five ints in arrays (group, focus, value, path, message) pointing into pools of distinct
values, and a place (segment or resource) is one row of columns; objects are made only
for what is shown (docs/validation.md, *Memory*).
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from cryonto.rdf import NamedNode
from cryonto.shacl.terms import Term, plain, short

T = TypeVar("T")

#: a column's "no value" (no result value, no path, no place)
NONE = -1

#: a group: (severity, source shape, source constraint, constraint component)
GroupKey = tuple[str, str, "str | None", str]


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult."""

    focus: Term
    path: str | None  # the result path in SPARQL property-path syntax (<iri>, <a>/<b>, …)
    value: Term | None
    shape: str  # source shape: IRI, or "_:label" for a blank node
    component: str  # sh:…ConstraintComponent IRI
    severity: str  # sh:Violation / sh:Warning / sh:Info IRI
    message: str
    constraint: str | None = None  # sh:sourceConstraint (SPARQL constraints)

    def key(self) -> tuple[str, str | None, str | None, str, str]:
        """What two engines must agree on: (focus, path, value, component, severity)."""
        return (str(self.focus), self.path, None if self.value is None else str(self.value),
                self.component, self.severity)


@dataclass
class Location:
    """Where a result's focus node belongs: a segment (with its source row) or itself."""

    kind: str  # "segment", "transcript", "code", "study", "resource"
    node: str  # IRI (or _:label) of the segment / resource the result is grouped under
    label: str  # what a person calls it: the segment id, the code's label, …
    source_file: str | None = None
    source_locator: str | None = None
    graph: str | None = None  # the RDF file it was loaded from

    def describe(self) -> str:
        where = ", ".join(p for p in (self.source_file, self.source_locator) if p)
        text = f"{self.kind} {self.label}"
        if where:
            text += f" ({where})"
        if self.graph:
            text += f" in {self.graph}"
        return text


class Pool(Generic[T]):
    """Each distinct value once, numbered in order of first sight (safe across threads)."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._ids: dict[T, int] = {}
        self._lock = threading.Lock()

    def id(self, item: T) -> int:
        found = self._ids.get(item)
        if found is None:
            with self._lock:
                found = self._ids.get(item)
                if found is None:
                    found = len(self.items)
                    self.items.append(item)
                    self._ids[item] = found
        return found

    def find(self, item: T) -> int | None:
        return self._ids.get(item)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]


class Batch:
    """One constraint's results as they come (a worker thread fills it; `ResultTable.append`)."""

    def __init__(self, table: ResultTable, group: GroupKey) -> None:
        self.table = table
        self.group = table.groups.id(group)
        self.focus = array("i")
        self.value = array("i")
        self.path = array("i")
        self.message = array("i")

    def add(self, focus: Term, path: str | None, value: Term | None, message: str) -> None:
        table = self.table
        self.focus.append(table.terms.id(focus))
        self.value.append(NONE if value is None else table.terms.id(value))
        self.path.append(NONE if path is None else table.texts.id(path))
        self.message.append(table.texts.id(message))

    def __len__(self) -> int:
        return len(self.focus)


class ResultTable:
    """Every result of a run, in order: columns of ints into pools of terms and texts.

    `terms` holds only focus nodes and values (and the segments `locate` adds), so its
    named nodes are exactly what a run has to place.
    """

    def __init__(self) -> None:
        self.terms: Pool[Term] = Pool()
        self.texts: Pool[str] = Pool()  # result paths and messages
        self.groups: Pool[GroupKey] = Pool()
        self.group = array("i")
        self.focus = array("i")
        self.value = array("i")
        self.path = array("i")
        self.message = array("i")

    @classmethod
    def of(cls, results: Iterable[Result]) -> ResultTable:
        table = cls()
        table.extend(results)
        return table

    def batch(self, group: GroupKey) -> Batch:
        return Batch(self, group)

    def append(self, batch: Batch) -> None:
        self.group.extend(array("i", [batch.group]) * len(batch))
        self.focus.extend(batch.focus)
        self.value.extend(batch.value)
        self.path.extend(batch.path)
        self.message.extend(batch.message)

    def extend(self, results: Iterable[Result]) -> None:
        for r in results:
            batch = self.batch((r.severity, r.shape, r.constraint, r.component))
            batch.add(r.focus, r.path, r.value, r.message)
            self.append(batch)

    def __len__(self) -> int:
        return len(self.group)

    def result(self, i: int) -> Result:
        severity, shape, constraint, component = self.groups[self.group[i]]
        value, path = self.value[i], self.path[i]
        return Result(self.terms[self.focus[i]], None if path == NONE else self.texts[path],
                      None if value == NONE else self.terms[value], shape, component, severity,
                      self.texts[self.message[i]], constraint)

    def __iter__(self) -> Iterator[Result]:
        return (self.result(i) for i in range(len(self)))

    def nodes(self) -> list[int]:
        """The named nodes to place: every focus node and every named value (placed or not,
        a result node is shown under a place; see `result_places`)."""
        used = bytearray(len(self.terms))
        for column in (self.focus, self.value):
            for t in column:
                if t != NONE:
                    used[t] = 1
        terms = self.terms.items
        return [t for t in range(len(used)) if used[t] and isinstance(terms[t], NamedNode)]


class Places:
    """Where result nodes belong: one row per place (a segment, or a resource described),
    and for each term the place it belongs to (`of_term`)."""

    def __init__(self, table: ResultTable) -> None:
        self.table = table
        self.kind: list[str] = []
        self.node = array("i")  # a term id: the segment or resource itself
        self.label: list[str] = []
        self.source_file: list[str | None] = []
        self.source_locator: list[str | None] = []
        self.graph: list[str | None] = []
        self.of_term = array("i")

    def add(self, node: int, kind: str, label: str, source_file: str | None = None,
            source_locator: str | None = None, graph: str | None = None) -> int:
        """A new place shown as `node` (`assign` says which terms belong to it)."""
        place = len(self.kind)
        self.kind.append(sys.intern(kind))
        self.node.append(node)
        self.label.append(label)
        self.source_file.append(_intern(source_file))
        self.source_locator.append(source_locator)
        self.graph.append(_intern(graph))
        return place

    def assign(self, term: int, place: int) -> None:
        missing = term + 1 - len(self.of_term)
        if missing > 0:
            self.of_term.extend(array("i", [NONE]) * missing)
        self.of_term[term] = place

    def place_of(self, term: int) -> int:
        return self.of_term[term] if term < len(self.of_term) else NONE

    def location(self, place: int) -> Location:
        return Location(self.kind[place], plain(self.table.terms[self.node[place]]),
                        self.label[place], self.source_file[place],
                        self.source_locator[place], self.graph[place])

    def as_dict(self, nodes: Iterable[int] | None = None) -> dict[str, Location]:
        """The location of each result node placed (or of `nodes`), by its plain text."""
        terms = self.table.terms
        out = {}
        for term in self.table.nodes() if nodes is None else nodes:
            place = self.place_of(term)
            if place != NONE:
                out[plain(terms[term])] = self.location(place)
        return out

    @classmethod
    def of(cls, table: ResultTable, locations: dict[str, Location]) -> Places:
        """From locations by plain text (a report built from `Result`s and `locate`'s dict)."""
        places = cls(table)
        made: dict[int, int] = {}
        for term_id, term in enumerate(list(table.terms.items)):
            loc = locations.get(plain(term))
            if loc is None:
                continue
            key = id(loc)
            if key not in made:
                node = table.terms.id(_node_term(loc.node))
                made[key] = places.add(node, loc.kind, loc.label, loc.source_file,
                                       loc.source_locator, loc.graph)
            places.assign(term_id, made[key])
        return places


def result_places(table: ResultTable, places: Places) -> array:
    """The place each result is shown under: its focus node's, or its value's when the focus
    is no segment and the value is one (checks run per transcript or study); a node placed
    nowhere is a resource under itself (a place added here, `places` keeps no term for it)."""
    out = array("i", bytes(4 * len(table)))
    kind = places.kind
    terms = table.terms.items
    resource: dict[int, int] = {}
    for i in range(len(table)):
        focus = table.focus[i]
        place = places.place_of(focus)
        if place == NONE or kind[place] != "segment":
            value = table.value[i]
            if value != NONE and isinstance(terms[value], NamedNode):
                by_value = places.place_of(value)
                if by_value != NONE and kind[by_value] == "segment":
                    place = by_value
        if place == NONE:
            place = resource.get(focus, NONE)
            if place == NONE:
                place = resource[focus] = places.add(focus, "resource", short(terms[focus]))
        out[i] = place
    return out


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _node_term(node: str) -> Term:
    from cryonto.shacl.paths import term_from_text

    return term_from_text(node)
