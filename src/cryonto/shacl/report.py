"""The validation report: results, where each belongs, and its text/JSON/Turtle forms.

Results stay in a `ResultTable` (ints into pools of distinct terms and texts) and their
places in `Places`; the forms are written as they are made (`write`), so a report of 10^6
results never exists as 10^6 objects or one string (docs/validation.md, *Memory*).
"""

from __future__ import annotations

import heapq
import io
import json
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

from cryonto.errors import CryontoError
from cryonto.rdf import BlankNode, DefaultGraph, GraphStore, Literal, NamedNode, Quad
from cryonto.rdf.ntriples import write_turtle
from cryonto.shacl.order import dense_ranks, natural, natural_bytes, text_bytes
from cryonto.shacl.paths import path_to_rdf, term_from_text
from cryonto.shacl.table import NONE, Location, Places, Result, ResultTable, result_places
from cryonto.shacl.terms import (
    INFO,
    RDF_TYPE,
    SEVERITY_NAMES,
    SH,
    VIOLATION,
    WARNING,
    XSD,
    Term,
    plain,
    short,
    short_path,
)

__all__ = ["EXAMPLES", "Location", "Result", "ValidationReport"]

Group = tuple[str, str, "str | None", str]

PREFIXES = {"sh": SH, "xsd": XSD, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "crysh": "https://w3id.org/cryonto/shapes/", "oa": "http://www.w3.org/ns/oa#",
            "dcterms": "http://purl.org/dc/terms/"}


class ValidationReport:
    """A run's results and places, its verdict and its forms.

    `results` and `locations` may be given as lists and dicts of objects (a few results)
    or as the compact `ResultTable` and `Places` a run builds."""

    def __init__(self, profile: str, engine: str, files: list[str],
                 results: ResultTable | Iterable[Result], segments: int = 0,
                 locations: Places | dict[str, Location] | None = None,
                 fallback_shapes: list[str] | None = None,
                 timings: dict[str, float] | None = None) -> None:
        self.profile = profile
        self.engine = engine
        self.files = files
        self.table = results if isinstance(results, ResultTable) else ResultTable.of(results)
        self.places = (locations if isinstance(locations, Places)
                       else Places.of(self.table, locations or {}))
        self.segments = segments
        self.fallback_shapes = fallback_shapes or []
        self.timings = timings or {}
        self._shown: array | None = None
        self._ranks: tuple | None = None

    # -- results as objects (what a notebook or a test reads) --------------
    @property
    def results(self) -> list[Result]:
        return list(self.table)

    @property
    def locations(self) -> dict[str, Location]:
        return self.places.as_dict()

    # -- verdict ----------------------------------------------------------
    def counts(self) -> dict[str, int]:
        counter: Counter[str] = Counter()
        for group, n in Counter(self.table.group).items():
            counter[self.table.groups[group][0]] += n
        return {name: counter.get(iri, 0) for iri, name in SEVERITY_NAMES.items()}

    @property
    def conforms(self) -> bool:
        """SHACL's sh:conforms: true only when there are no results at all."""
        return len(self.table) == 0

    def failed(self, strict: bool = False) -> bool:
        """Violations fail; with `strict`, warnings fail too (infos never do)."""
        counts = self.counts()
        return counts["Violation"] > 0 or (strict and counts["Warning"] > 0)

    def keys(self) -> set[tuple]:
        return {r.key() for r in self.table}

    def location(self, result: Result) -> Location:
        """The segment a result belongs to: its focus node's, or its value's when the focus is
        a transcript and the value a segment (checks run per transcript, e.g. offsets)."""
        loc = self._placed(result.focus)
        if (loc is None or loc.kind != "segment") and isinstance(result.value, NamedNode):
            by_value = self._placed(result.value)
            if by_value is not None and by_value.kind == "segment":
                return by_value
        return loc or Location("resource", plain(result.focus), short(result.focus))

    def _placed(self, term: Term) -> Location | None:
        found = self.table.terms.find(term)
        place = NONE if found is None else self.places.place_of(found)
        return None if place == NONE else self.places.location(place)

    def groups(self) -> dict[Group, list[Result]]:
        """Results by (severity, source shape, source constraint, constraint component):
        violations first, then warnings and infos, each by shape name."""
        table = self.table
        return {key: [table.result(i) for i in items] for key, items in self._groups()}

    def _groups(self) -> list[tuple[Group, array]]:
        """`groups` as result numbers, in the order results came within each group."""
        table = self.table
        members: dict[int, array] = {}
        for i, group in enumerate(table.group):
            found = members.get(group)
            if found is None:
                found = members[group] = array("i")
            found.append(i)
        order = {VIOLATION: 0, WARNING: 1, INFO: 2}
        keyed = [(table.groups[g], items) for g, items in members.items()]  # first seen first
        return sorted(keyed, key=lambda item: (
            order.get(item[0][0], 3), _shape_name(item[0][2] or item[0][1]), item[0][3]))

    def _shown_places(self) -> array:
        if self._shown is None:
            self._shown = result_places(self.table, self.places)
        return self._shown

    # -- rendering --------------------------------------------------------
    def to_text(self, all_results: bool = False) -> str:
        """Results grouped by the shape (and constraint) that reported them: per group its
        severity, name, count and the first `EXAMPLES` results, or every one with
        `all_results`. A missing date on 10^5 segments is one group, not 10^5 lines."""
        return "".join(self._text(all_results))

    def to_json(self) -> str:
        """Every result, in the text report's order (by shape, then by place), so two runs
        over the same data give the same file whatever order the engine answered in."""
        return "".join(self._json())

    def to_graph(self) -> GraphStore:
        """The report as a standard sh:ValidationReport (result paths copied from the shapes)."""
        out = GraphStore()
        out.add(self._quads())
        return out

    def to_turtle(self) -> str:
        out = io.BytesIO()
        write_turtle(self._quads(), out, PREFIXES)
        return out.getvalue().decode("utf-8")

    def render(self, fmt: str, all_results: bool = False) -> str:
        """The report in `fmt`; only text groups results (json and turtle hold every one)."""
        out = io.BytesIO()
        self.write(fmt, out, all_results)
        return out.getvalue().decode("utf-8")

    def write(self, fmt: str, out: IO[bytes], all_results: bool = False) -> None:
        """The report in `fmt` to `out` as it is made (UTF-8), never whole in memory."""
        if fmt == "turtle":
            write_turtle(self._quads(), out, PREFIXES)
            return
        if fmt == "text":
            chunks = self._text(all_results)
        elif fmt == "json":
            chunks = self._json()
        else:
            raise CryontoError(f"unknown report format {fmt!r}; expected text, json or turtle")
        buffer: list[str] = []
        size = 0
        for chunk in chunks:
            buffer.append(chunk)
            size += len(chunk)
            if size > 1 << 16:
                out.write("".join(buffer).encode("utf-8"))
                buffer, size = [], 0
        out.write("".join(buffer).encode("utf-8"))

    def _text(self, all_results: bool) -> Iterator[str]:
        counts = self.counts()
        table, places = self.table, self.places
        yield (f"cryonto validate — profile {self.profile}, engine {self.engine}: "
               f"{len(self.files)} file(s), {self.segments} segment(s) checked\n")
        if not len(table):
            yield "OK: the data conforms (0 violations, 0 warnings).\n"
            return
        groups = self._groups()
        shown = self._shown_places()
        nodes = bytearray(len(table.terms))
        for (severity, shape, constraint, _component), items in groups:
            for i in items:
                nodes[places.node[shown[i]]] = 1
            first = table.message[items[0]]
            one_message = all(table.message[i] == first for i in items)
            yield "\n"
            yield (f"{SEVERITY_NAMES.get(severity, severity):9} "
                   f"{_shape_name(constraint or shape)} — {_plural(len(items), 'result')}\n")
            if one_message:
                yield f"  {table.texts[first]}\n"
            if all_results:
                chosen: list[int] = self._sorted(items, exactly=False)
            else:
                chosen = heapq.nsmallest(EXAMPLES, items, key=self._by_place)
            for i in chosen:
                r = table.result(i)
                loc = places.location(shown[i])
                yield f"  - {loc.describe()}{_detail(r, loc)}\n"
                if not one_message:  # the message names this result's own numbers
                    yield f"      {r.message}\n"
            if len(items) > len(chosen):
                yield f"  ({len(items) - len(chosen)} more; --all shows every one)\n"
        yield "\n"
        yield (f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
               f"{counts['Info']} info(s) from {_plural(len(groups), 'shape')} in "
               f"{_distinct_nodes(table, nodes)} segment(s)/resource(s)\n")

    def _by_place(self, i: int) -> tuple:
        """Result `i`'s place in its group (as `_by_place` of its location and result)."""
        table, places = self.table, self.places
        p = self._shown_places()[i]
        path = table.path[i]
        return ({"segment": 0}.get(places.kind[p], 1), places.source_file[p] or "",
                natural(places.source_locator[p] or ""), natural(places.label[p]),
                "" if path == NONE else table.texts[path], table.texts[table.message[i]])

    def _sorted(self, items: array, exactly: bool) -> list[int]:
        """`items` in `_by_place` order (stable), or `_by_place_exactly` order, by ranks."""
        table = self.table
        place_rank, text_rank, term_rank, graph_rank = self._rank_tables()
        shown = self._shown_places()
        texts, terms = len(text_rank), len(term_rank)
        no_text, no_term = texts - 1, terms - 1  # the rank of "" (a missing path or value)

        def key(i: int) -> int:
            p = shown[i]
            path = table.path[i]
            k = place_rank[p] * texts + text_rank[no_text if path == NONE else path]
            k = k * texts + text_rank[table.message[i]]
            if not exactly:
                return k
            value = table.value[i]
            k = (k * terms + term_rank[table.focus[i]]) * terms + term_rank[
                no_term if value == NONE else value]
            return k * len(graph_rank) + graph_rank[p]

        return sorted(items, key=key)

    def _rank_tables(self) -> tuple[array, array, array, array]:
        """Ranks of places (kind, file, row, label), of texts and of terms (by plain text,
        the last one for ""), and of places by graph."""
        if self._ranks is None:
            self._shown_places()  # the resources shown under themselves are places too
            places = self.places
            place_keys = [bytes((0 if k == "segment" else 1,)) + text_bytes(f or "")
                          + natural_bytes(loc or "") + natural_bytes(label)
                          for k, f, loc, label in zip(places.kind, places.source_file,
                                                      places.source_locator, places.label,
                                                      strict=True)]
            place_rank = dense_ranks(place_keys)
            del place_keys
            text_rank = dense_ranks([*self.table.texts.items, ""])
            term_rank = dense_ranks([*(plain(t) for t in self.table.terms.items), ""])
            graph_rank = dense_ranks([g or "" for g in places.graph])
            self._ranks = (place_rank, text_rank, term_rank, graph_rank)
        return self._ranks

    def _json(self) -> Iterator[str]:
        table, places = self.table, self.places
        shown = self._shown_places()
        yield "["
        empty = True
        for _group, items in self._groups():
            for i in self._sorted(items, exactly=True):
                r = table.result(i)
                loc = places.location(shown[i])
                row = {
                    "severity": SEVERITY_NAMES.get(r.severity, r.severity),
                    "message": r.message,
                    "focusNode": plain(r.focus),
                    "resultPath": r.path,
                    "value": None if r.value is None else plain(r.value),
                    "sourceShape": r.shape,
                    "sourceConstraintComponent": r.component,
                    "sourceConstraint": r.constraint,
                    "group": loc.kind,
                    "groupNode": loc.node,
                    "segment": loc.label if loc.kind == "segment" else None,
                    "sourceFile": loc.source_file,
                    "sourceLocator": loc.source_locator,
                    "graph": loc.graph,
                }
                # json.dumps(rows, indent=2) of the whole list, one row at a time
                yield ("\n  " if empty else ",\n  ") + json.dumps(
                    row, ensure_ascii=False, indent=2).replace("\n", "\n  ")
                empty = False
        yield "]\n" if empty else "\n]\n"

    def _quads(self) -> Iterator[Quad]:
        """The report's quads, result by result (path nodes once per distinct path)."""
        g = DefaultGraph()
        pending: list[Quad] = []

        def add(s, p, o):
            pending.append(Quad(s, NamedNode(p), o, g))

        report = BlankNode()
        add(report, RDF_TYPE, NamedNode(SH + "ValidationReport"))
        add(report, SH + "conforms", Literal("true" if self.conforms else "false",
                                                datatype=NamedNode(XSD + "boolean")))
        path_nodes: dict[str, Term] = {}
        for r in self.table:
            node = BlankNode()
            add(report, SH + "result", node)
            add(node, RDF_TYPE, NamedNode(SH + "ValidationResult"))
            add(node, SH + "focusNode", r.focus)
            if r.path:
                if r.path not in path_nodes:
                    path_nodes[r.path] = path_to_rdf(r.path, add)
                add(node, SH + "resultPath", path_nodes[r.path])
            if r.value is not None:
                add(node, SH + "value", r.value)
            add(node, SH + "sourceShape", term_from_text(r.shape))
            add(node, SH + "sourceConstraintComponent", NamedNode(r.component))
            if r.constraint:
                add(node, SH + "sourceConstraint", term_from_text(r.constraint))
            add(node, SH + "resultSeverity", NamedNode(r.severity))
            add(node, SH + "resultMessage", Literal(r.message))
            yield from pending
            pending.clear()
        yield from pending


def _distinct_nodes(table: ResultTable, marked: bytearray) -> int:
    """How many distinct places' nodes (by plain text) are marked: named nodes are distinct
    by number; another term counts unless its text is a marked IRI."""
    terms = table.terms
    count = 0
    others: set[str] = set()
    for t, used in enumerate(marked):
        if not used:
            continue
        term = terms[t]
        if isinstance(term, NamedNode):
            count += 1
        else:
            others.add(plain(term))
    for text in others:
        try:
            found = terms.find(NamedNode(text))
        except ValueError:
            found = None
        if found is None or not marked[found]:
            count += 1
    return count


#: examples shown per group of results in the text report (unless --all)
EXAMPLES = 3
_CRYSH = "https://w3id.org/cryonto/shapes/"


def _shape_name(node: str) -> str:
    if node.startswith(_CRYSH):
        return "crysh:" + node[len(_CRYSH):]
    return short(term_from_text(node)) if not node.startswith("_:") else node


def _detail(r: Result, loc: Location) -> str:
    """Path, value and focus node of one result, where they add to its location."""
    detail = []
    if r.path:
        detail.append(short_path(r.path))
    if r.value is not None and plain(r.value) not in (plain(r.focus), loc.node):
        detail.append(f"value {short(r.value)}")
    if plain(r.focus) != loc.node:
        detail.append(f"at {short(r.focus)}")
    return f"  [{'; '.join(detail)}]" if detail else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
