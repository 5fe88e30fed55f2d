"""Everything a report shows, computed once through the library.

Counts come from library queries (`cryonto.queries.run_query`, the ``.rq`` files
in ``queries/`` and ``queries/report/``), the hierarchy and the links from the
category system API, agreement from `cryonto.reliability.agreement`. With
``redact`` the data is first written through the project's own redaction
(`cryonto.exporting.export_turtle`) into a temporary file, and every figure is
computed from that copy: what the report cannot see, it cannot leak.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryonto import resources
from cryonto.category import CategorySystem, Concept, load_category_system, local_name
from cryonto.errors import CryontoError
from cryonto.queries import run_query
from cryonto.rdf import GraphStore
from cryonto.storage import data_store

#: how many study passages the report quotes per category
QUOTES_PER_CATEGORY = 2
#: the orientations the ontology names, in the paper's order
ORIENTATION_ORDER = ("PDT", "CBT", "ST")


@dataclass(frozen=True)
class StudyGlance:
    """One study's line in "the study at a glance"."""

    iri: str
    title: str
    documents: int
    segments: int
    coders: tuple[str, ...]
    first: str | None
    last: str | None
    orientations: tuple[str, ...]
    codes: int
    mapped_codes: int
    mapped_segments: int

    @property
    def coverage(self) -> float:
        """Share of segments whose code reaches a category (0 when there are none)."""
        return self.mapped_segments / self.segments if self.segments else 0.0


@dataclass(frozen=True)
class CategoryLinkEdge:
    """One associative link between two categories, drawn once whatever its direction."""

    source: str  # IRI
    target: str
    type: str
    evidence: str | None = None


@dataclass
class ReportData:
    """The numbers and texts of a report; every renderer reads only this."""

    system: CategorySystem
    lang: str
    redacted: bool
    studies: list[StudyGlance]
    frequencies: dict[str, dict[str, int]]  # category IRI -> direct, segments, documents
    by_orientation: dict[str, dict[str, int]]  # orientation -> category IRI -> segments
    by_study: dict[str, dict[str, int]]  # study title -> category IRI -> segments
    cooccurrence: dict[str, list[tuple[str, str, int]]]  # "segments"/"documents" -> pairs
    links: list[CategoryLinkEdge]
    agreement: dict | None
    agreement_note: str | None
    quotes: dict[str, list[str]] = field(default_factory=dict)  # study passages, unredacted
    literature: dict[str, list[dict]] = field(default_factory=dict)
    unmapped: list[dict] = field(default_factory=list)

    def concepts(self) -> list[Concept]:
        """The categories in tree order (depth first, notation order)."""
        return [node.concept for node in self.system.walk()]

    def coded(self) -> list[Concept]:
        """The categories coded at least once (with sub-categories), in tree order."""
        return [c for c in self.concepts() if self.frequencies.get(c.iri, {}).get("segments")]

    def label(self, concept: Concept) -> str:
        return concept.label(self.lang)

    @property
    def total_segments(self) -> int:
        return sum(s.segments for s in self.studies)


def category_links(system: CategorySystem) -> list[CategoryLinkEdge]:
    """Every associative link of the system once: a pair and a type, either direction."""
    seen: dict[tuple[str, frozenset[str]], CategoryLinkEdge] = {}
    for concept in system:
        for link in concept.links:
            if link.other not in system or link.other == concept.iri:
                continue
            key = (link.type, frozenset((concept.iri, link.other)))
            if key not in seen or (seen[key].evidence is None and link.evidence):
                seen[key] = CategoryLinkEdge(concept.iri, link.other, link.type, link.evidence)
    order = {node.concept.iri: i for i, node in enumerate(system.walk())}
    return sorted(seen.values(), key=lambda e: (order.get(e.source, 0), order.get(e.target, 0),
                                                 e.type))


def _report_query(name: str) -> Path:
    return resources.queries_dir() / "report" / f"{name}.rq"


def _int(value: object) -> int:
    return int(str(value)) if value not in (None, "") else 0


def gather(paths: Sequence[Path | str] | GraphStore, lang: str = "en", redact: bool = False,
           with_agreement: bool = True) -> ReportData:
    """Read DATA files or a store (and redact first if asked) into a `ReportData`."""
    if isinstance(paths, GraphStore):
        return _gather_store(paths, lang, redact, with_agreement)
    files = [Path(p) for p in paths]
    if not files:
        raise CryontoError("no data files given")
    for path in files:
        if not path.is_file():
            raise CryontoError("no such file", str(path))
    return _gather_redacted(files, lang, with_agreement) if redact else _gather(
        files, lang, False, with_agreement)


def _gather_store(store: GraphStore, lang: str, redact: bool,
                  with_agreement: bool) -> ReportData:
    return _gather_redacted(store, lang, with_agreement) if redact else _gather(
        store, lang, False, with_agreement)


def _gather_redacted(source: list[Path] | GraphStore, lang: str,
                     with_agreement: bool) -> ReportData:
    """Everything computed from the project's own redaction of the data, never the original."""
    from cryonto.exporting import export_turtle

    with tempfile.TemporaryDirectory(prefix="cryonto-report-") as tmp:
        redacted = Path(tmp) / "redacted.ttl"
        export_turtle(source, redacted, redact=True)
        return _gather([redacted], lang, True, with_agreement)


def _gather(paths: list[Path] | GraphStore, lang: str, redacted: bool,
            with_agreement: bool) -> ReportData:
    system = load_category_system()
    store = data_store(paths)

    def rows(query: str | Path) -> list[dict]:
        return run_query(query, store=store).dicts()

    coders: dict[str, list[str]] = defaultdict(list)
    for row in rows(_report_query("coders")):
        coders[str(row["study"])].append(str(row["name"] or local_name(str(row["coder"]))))
    studies = []
    for row in rows(_report_query("overview")):
        names = coders.get(str(row["study"]), [])
        if redacted:
            names = [f"coder {i}" for i in range(1, len(names) + 1)]
        orientations = tuple(sorted(
            (o.strip() for o in str(row["orientations"] or "").split(",") if o.strip()),
            key=lambda o: (ORIENTATION_ORDER.index(o) if o in ORIENTATION_ORDER else 9, o)))
        studies.append(StudyGlance(
            iri=str(row["study"]), title=str(row["title"] or local_name(str(row["study"]))),
            documents=_int(row["documents"]), segments=_int(row["segments"]),
            coders=tuple(names), first=_date(row["first"]), last=_date(row["last"]),
            orientations=orientations, codes=_int(row["codes"]),
            mapped_codes=_int(row["mappedCodes"]), mapped_segments=_int(row["mappedSegments"])))
    if not studies:
        raise CryontoError("no study in the data (is it a file `cryonto import` wrote?)",
                           _names(paths))

    frequencies = {str(r["category"]): {k: _int(r[k]) for k in ("direct", "segments",
                                                                  "documents")}
                   for r in rows("segments-per-category")}
    titles = {s.iri: s.title for s in studies}
    by_study: dict[str, dict[str, int]] = {s.title: {} for s in studies}
    if len(studies) > 1:
        for r in rows(_report_query("segments-per-study")):
            title = titles.get(str(r["study"]))
            if title is not None:
                by_study[title][str(r["category"])] = _int(r["segments"])
    by_orientation: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows("categories-by-orientation"):
        by_orientation[local_name(str(r["orientation"]))][str(r["category"])] = _int(
            r["segments"])
    cooccurrence = {
        kind: [(str(r["a"]), str(r["b"]), _int(r["both"]))
               for r in rows(f"cooccurrence-in-{kind}")]
        for kind in ("segments", "documents")}

    quotes: dict[str, list[str]] = defaultdict(list)
    if not redacted:
        for r in rows(_report_query("segment-quotes")):
            kept = quotes[str(r["category"])]
            if len(kept) < QUOTES_PER_CATEGORY and r["text"]:
                kept.append(str(r["text"]))

    literature: dict[str, list[dict]] = defaultdict(list)
    coded = {iri for iri, f in frequencies.items() if f["segments"]}
    for r in rows("literature-per-category"):
        if str(r["category"]) in coded:
            literature[str(r["category"])].append(r)

    unmapped = rows("unmapped-study-codes")

    agreement, note = None, None
    if with_agreement:
        agreement, note = _agreement(store, studies, redacted)

    ordered = {o: by_orientation[o] for o in sorted(
        by_orientation, key=lambda o: (ORIENTATION_ORDER.index(o)
                                       if o in ORIENTATION_ORDER else 9, o))}
    return ReportData(system=system, lang=lang, redacted=redacted, studies=studies,
                      frequencies=frequencies, by_orientation=ordered, by_study=by_study,
                      cooccurrence=cooccurrence, links=category_links(system),
                      agreement=agreement, agreement_note=note, quotes=dict(quotes),
                      literature=dict(literature), unmapped=unmapped)


def _names(paths: list[Path] | GraphStore) -> str:
    if isinstance(paths, GraphStore):
        return str(getattr(paths, "directory", "the store"))
    return ", ".join(map(str, paths))


def _agreement(paths: list[Path] | GraphStore, studies: list[StudyGlance],
               redacted: bool) -> tuple[dict | None, str | None]:
    """Document-level agreement, or why there is none (fewer than two coders, …)."""
    if max((len(s.coders) for s in studies), default=0) < 2:
        return None, "Fewer than two coders: no intercoder agreement to report."
    from cryonto.reliability import agreement

    try:
        result = agreement(paths, level="document").as_dict()
    except CryontoError as error:
        return None, f"Agreement not computed: {error}"
    if redacted:
        coders = list(result.get("coders") or [])  # type: ignore[call-overload]
        result["coders"] = [f"coder {i}" for i in range(1, len(coders) + 1)]
    return result, None


def _date(value: object) -> str | None:
    return str(value)[:10] if value else None


__all__ = ["CategoryLinkEdge", "ReportData", "StudyGlance", "category_links", "gather"]
