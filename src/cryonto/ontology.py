"""The category system as a Python API: look concepts up, walk the tree, read links.

Everything here is read once from the ontology files (``ontology/*.ttl`` or files
the caller names) into plain frozen dataclasses, so callers never write SPARQL
or touch RDF terms to answer "what is A1.1?". The importers resolve the codes
they meet in QDA exports with `CategorySystem.resolve_code`, which is a dict
lookup after normalisation, so resolving 10^5 segment codes costs milliseconds.

Loading goes through `cryonto.rdf.GraphStore` (pyoxigraph), so a syntax error
names the file, exactly as for every other command. Results are cached per
(file, modification time): a second `load_category_system()` is free, and an
edited file is read again.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore
from cryonto.vocab import (
    CITO,
    CRY,
    DCTERMS,
    ONTOLOGY_GRAPH,
    RDF,
    RDFS,
    SKOS,
    compact,
    expand,
)

#: the scheme whose concepts make up the category system
CATEGORY_SCHEME = str(CRY["CategorySystem"])
#: a finding's stance towards a category: local names of the CiTO properties used
STANCES = ("supports", "qualifies", "disagreesWith")

_RDF_TYPE = str(RDF.type)
_SKOS_RELATED = str(SKOS.related)
_SUBPROPERTY = str(RDFS.subPropertyOf)


def _normalize(text: str) -> str:
    """The form every lookup key takes: NFC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def notation_key(notation: str | None) -> tuple:
    """Sort key that orders notations naturally: A1.2 < A1.10 < A2 < I."""
    if not notation:
        return ((2, ""),)
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.findall(r"\d+|[^\d.]+", notation))


def local_name(iri: str) -> str:
    """The part of an IRI after the last '/' or '#' (what people call a term)."""
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def curie(iri: str) -> str:
    """`cry:ProtestCrying` for a cryonto IRI, the IRI itself otherwise."""
    return compact(iri)


# -- the objects callers see ---------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A value from a small controlled set: a feeling, a level, a stance, an orientation."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    notation: str | None = None
    rank: int | None = None

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or next(
            iter(self.labels.values()), None) or self.notation or local_name(self.iri)


@dataclass(frozen=True)
class Record:
    """A bibliographic record (``fabio:JournalArticle``/``fabio:Book``) findings cite."""

    iri: str
    title: str | None = None
    citation: str | None = None
    date: str | None = None
    doi: str | None = None

    def describe(self) -> str:
        """One line a reader can look up: the citation, else title and year, plus DOI."""
        text = self.citation or " ".join(p for p in (self.title, f"({self.date})" if self.date
                                                   else None) if p) or curie(self.iri)
        return f"{text} doi:{self.doi}" if self.doi else text


@dataclass(frozen=True)
class Finding:
    """A claim from the literature and where it stands on one category."""

    iri: str
    label: str | None
    claim: str | None
    stance: str  # one of STANCES
    source: Record | None
    quoted_from: str | None = None


@dataclass(frozen=True)
class Link:
    """A typed associative link (a `skos:related` subproperty) to another concept.

    `inverse` is true when only the other concept states the link (a
    non-symmetric link seen from its object side). `source` and `evidence` come
    from the reified `cry:CategoryLink`, when there is one.
    """

    type: str  # local name, e.g. "cooccursWith"
    other: str  # IRI of the other concept
    source: str | None = None
    evidence: str | None = None
    inverse: bool = False

    def __iter__(self) -> Iterator[str]:
        """Unpacks as ``(link_type_local_name, other_iri)``."""
        return iter((self.type, self.other))


@dataclass(frozen=True)
class Emphasis:
    """What one therapeutic orientation stresses about a category."""

    iri: str
    orientation: Term | None
    comment: str | None
    source: str | None
    evidence: str | None = None


@dataclass(frozen=True)
class FormProperties:
    """Descriptors of a form of crying (only the A1.x concepts carry them)."""

    feelings: tuple[Term, ...] = ()
    triggers: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    quality: tuple[str, ...] = ()
    interactive_function: Term | None = None
    reactions: tuple[str, ...] = ()
    acceptance_stance: Term | None = None

    def __bool__(self) -> bool:
        return any((self.feelings, self.triggers, self.themes, self.quality,
                    self.interactive_function, self.reactions, self.acceptance_stance))


@dataclass(frozen=True)
class Concept:
    """One category of the system, with everything the ontology says about it.

    Related concepts (`broader`, `narrower`, `links`) are given as IRIs so the
    objects stay simple values; `CategorySystem.get` turns an IRI into a Concept.
    """

    iri: str
    notation: str | None
    labels: dict[str, str] = field(compare=False)
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    definitions: dict[str, str] = field(default_factory=dict, compare=False)
    examples: tuple[str, ...] = field(default=(), compare=False)
    broader: tuple[str, ...] = field(default=(), compare=False)
    narrower: tuple[str, ...] = field(default=(), compare=False)
    links: tuple[Link, ...] = field(default=(), compare=False)
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    form: FormProperties = field(default_factory=FormProperties, compare=False)
    emphases: tuple[Emphasis, ...] = field(default=(), compare=False)
    source_section: str | None = field(default=None, compare=False)
    schemes: tuple[str, ...] = field(default=(), compare=False)
    top: bool = field(default=False, compare=False)

    @property
    def curie(self) -> str:
        return curie(self.iri)

    @property
    def definition(self) -> str | None:
        """The English definition (the paper's), else any."""
        return self.definition_in("en")

    def label(self, lang: str = "en") -> str:
        """The prefLabel in `lang`, falling back to English, then the notation."""
        return (self.labels.get(lang) or self.labels.get("en")
                or next(iter(self.labels.values()), None) or self.notation
                or local_name(self.iri))

    def definition_in(self, lang: str = "en") -> str | None:
        return (self.definitions.get(lang) or self.definitions.get("en")
                or next(iter(self.definitions.values()), None))

    def findings_by_stance(self, stance: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.stance == stance)


@dataclass(frozen=True)
class TreeNode:
    """One concept in `CategorySystem.tree()`, with its children in notation order."""

    concept: Concept
    children: tuple[TreeNode, ...] = ()
    level: int = 1

    def walk(self) -> Iterator[TreeNode]:
        """This node, then its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


# -- the category system ----------------------------------------------------------


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
        return None

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


# -- loading -----------------------------------------------------------------------

_CACHE: dict[tuple, CategorySystem] = {}
_CACHE_LOCK = threading.Lock()


def load_category_system(path: Path | str | Sequence[Path | str] | None = None) -> CategorySystem:
    """The category system from the packaged ontology, or from the given file(s).

    Pass the literature file along with a custom ontology file to get findings.
    Cached per (files, modification times); a file that cannot be parsed raises
    `CryontoError` naming it.
    """
    if path is None:
        paths = resources.ontology_files()
    elif isinstance(path, str | Path):
        paths = [Path(path)]
    else:
        paths = [Path(p) for p in path]
    key = tuple(_stamp(p) for p in paths)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    store = GraphStore()
    for p in paths:
        store.load_file(p, graph=ONTOLOGY_GRAPH)
    system = build_category_system(store, paths)
    with _CACHE_LOCK:
        _CACHE[key] = system
    return system


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        raise CryontoError("no such file", str(path)) from None
    return (str(path.resolve()), info.st_mtime_ns, info.st_size)


def resolve_code(text: str) -> str | None:
    """`CategorySystem.resolve_code` on the packaged ontology."""
    return load_category_system().resolve_code(text)


class _Graph:
    """All triples of a store as subject -> predicate -> objects, for fast walking."""

    def __init__(self, store: GraphStore) -> None:
        self.out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.incoming: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for quad in store.quads():
            s, p, o = quad.subject, quad.predicate.value, quad.object
            if not isinstance(s, ox.NamedNode):
                continue
            self.out[s.value][p].append(o)
            if isinstance(o, ox.NamedNode):
                self.incoming[o.value][p].append(s.value)

    def iris(self, s: str, p: str) -> list[str]:
        seen: dict[str, None] = {}
        for o in self.out.get(s, {}).get(p, ()):
            if isinstance(o, ox.NamedNode):
                seen.setdefault(o.value, None)
        return list(seen)

    def iri(self, s: str, p: str) -> str | None:
        values = self.iris(s, p)
        return values[0] if values else None

    def literals(self, s: str, p: str) -> list[ox.Literal]:
        return [o for o in self.out.get(s, {}).get(p, ()) if isinstance(o, ox.Literal)]

    def texts(self, s: str, p: str, lang: str | None = None) -> tuple[str, ...]:
        """Literal values, English/untagged first, then alphabetical, without duplicates.

        RDF keeps no order, so sorting is what makes output the same on every run.
        """
        lits = self.literals(s, p)
        if lang is not None:
            lits = [x for x in lits if (x.language or "") == lang]
        lits.sort(key=lambda x: (x.language not in (None, "", "en"), x.language or "",
                                 x.value.casefold(), x.value))
        return tuple(dict.fromkeys(x.value for x in lits))

    def text(self, s: str, p: str) -> str | None:
        values = self.texts(s, p)
        return values[0] if values else None

    def by_lang(self, s: str, p: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for lit in sorted(self.literals(s, p), key=lambda x: (x.value.casefold(), x.value)):
            if lit.value not in out[lit.language or ""]:
                out[lit.language or ""].append(lit.value)
        return dict(out)

    def subjects(self, p: str, o: str) -> list[str]:
        return list(dict.fromkeys(self.incoming.get(o, {}).get(p, ())))

    def types(self, s: str) -> list[str]:
        return self.iris(s, _RDF_TYPE)

    def describes(self, s: str) -> bool:
        return s in self.out


def _term(g: _Graph, iri: str | None) -> Term | None:
    if iri is None:
        return None
    labels: dict[str, str] = {}
    for p in (str(SKOS.prefLabel), str(RDFS.label)):
        for lang, values in g.by_lang(iri, p).items():
            labels.setdefault(lang or "en", values[0])
    ranks = [to for to in g.literals(iri, str(CRY["rank"]))]
    rank = int(ranks[0].value) if ranks and ranks[0].value.lstrip("-").isdigit() else None
    return Term(iri, labels, g.text(iri, str(SKOS.notation)), rank)


def _record(g: _Graph, iri: str | None) -> Record | None:
    if iri is None:
        return None
    return Record(iri, title=g.text(iri, str(DCTERMS.title)),
                  citation=g.text(iri, str(DCTERMS.bibliographicCitation)),
                  date=g.text(iri, str(DCTERMS.date)),
                  doi=g.text(iri, "http://purl.org/ontology/bibo/doi"))


def _section(g: _Graph, iri: str) -> str | None:
    """A resource's source section: a dcterms:source / cry:sourceSection literal or label."""
    for p in (str(CRY["sourceSection"]), str(DCTERMS.source)):
        text = g.text(iri, p)
        if text:
            return text
        ref = g.iri(iri, p)
        if ref:
            term = _term(g, ref)
            return term.label() if term and term.labels else curie(ref)
    return None


def _link_properties(g: _Graph) -> set[str]:
    """skos:related and every property declared (transitively) a subproperty of it."""
    props = {_SKOS_RELATED}
    frontier = [_SKOS_RELATED]
    while frontier:
        parent = frontier.pop()
        for child in g.subjects(_SUBPROPERTY, parent):
            if child not in props:
                props.add(child)
                frontier.append(child)
    return props


def build_category_system(store: GraphStore, sources: Sequence[Path] = ()) -> CategorySystem:
    """Read every concept of `cry:CategorySystem` out of a loaded store."""
    g = _Graph(store)
    scheme = CATEGORY_SCHEME
    in_scheme = set(g.subjects(str(SKOS.inScheme), scheme))
    tops = set(g.subjects(str(SKOS.topConceptOf), scheme)) | set(
        g.iris(scheme, str(SKOS.hasTopConcept)))
    members = sorted(in_scheme | tops)

    link_props = _link_properties(g)
    reified: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}
    for link in g.subjects(_RDF_TYPE, str(CRY["CategoryLink"])):
        subj, obj = g.iri(link, str(CRY["linkSubject"])), g.iri(link, str(CRY["linkObject"]))
        kind = g.iri(link, str(CRY["linkType"]))
        if subj and obj and kind:
            info = (_section(g, link), g.text(link, str(CRY["evidenceText"])))
            reified[(subj, kind, obj)] = info
            reified.setdefault((obj, kind, subj), info)

    findings_for: dict[str, list[Finding]] = defaultdict(list)
    for finding in g.subjects(_RDF_TYPE, str(CRY["Finding"])):
        source = _record(g, g.iri(finding, str(DCTERMS.source)))
        for stance in STANCES:
            for category in g.iris(finding, str(CITO[stance])):
                findings_for[category].append(Finding(
                    finding, g.text(finding, str(RDFS.label)), g.text(finding, str(CRY["claim"])),
                    stance, source, g.iri(finding, "http://www.w3.org/ns/prov#wasQuotedFrom")))

    emphases_for: dict[str, list[Emphasis]] = defaultdict(list)
    for emphasis in g.subjects(_RDF_TYPE, str(CRY["OrientationEmphasis"])):
        item = Emphasis(emphasis, _term(g, g.iri(emphasis, str(CRY["orientation"]))),
                        g.text(emphasis, str(RDFS.comment)), _section(g, emphasis),
                        g.text(emphasis, str(CRY["evidenceText"])))
        for category in g.iris(emphasis, str(CRY["concernsCategory"])):
            emphases_for[category].append(item)

    concepts = []
    for iri in members:
        labels = {lang or "": v[0] for lang, v in g.by_lang(iri, str(SKOS.prefLabel)).items()}
        alt = {lang or "": tuple(v) for lang, v in g.by_lang(iri, str(SKOS.altLabel)).items()}
        definitions = {lang or "": v[0] for lang, v in g.by_lang(iri, str(SKOS.definition)).items()}
        broader = set(g.iris(iri, str(SKOS.broader))) | set(g.subjects(str(SKOS.narrower), iri))
        narrower = set(g.iris(iri, str(SKOS.narrower))) | set(g.subjects(str(SKOS.broader), iri))

        links: list[Link] = []
        seen: set[tuple[str, str]] = set()
        for prop in sorted(link_props):
            for other in g.iris(iri, prop):
                info = reified.get((iri, prop, other), (None, None))
                links.append(Link(local_name(prop), other, info[0], info[1]))
                seen.add((prop, other))
        for prop in sorted(link_props):
            for other in g.subjects(prop, iri):
                if (prop, other) not in seen:
                    info = reified.get((other, prop, iri), (None, None))
                    links.append(Link(local_name(prop), other, info[0], info[1], inverse=True))

        feelings = [t for t in (_term(g, f) for f in g.iris(iri, str(CRY["stemsFromFeeling"])))
                    if t is not None]
        form = FormProperties(
            feelings=tuple(sorted(feelings, key=lambda t: t.label().casefold())),
            triggers=g.texts(iri, str(CRY["typicalTrigger"])),
            themes=g.texts(iri, str(CRY["typicalTheme"])),
            quality=g.texts(iri, str(CRY["quality"])),
            interactive_function=_term(g, g.iri(iri, str(CRY["interactiveFunction"]))),
            reactions=g.texts(iri, str(CRY["evokesTherapistReaction"])),
            acceptance_stance=_term(g, g.iri(iri, str(CRY["acceptanceStance"]))),
        )
        notation = g.text(iri, str(SKOS.notation))
        concepts.append(Concept(
            iri=iri, notation=notation, labels=labels, alt_labels=alt, definitions=definitions,
            examples=g.texts(iri, str(SKOS.example)),
            broader=tuple(sorted(broader)), narrower=tuple(sorted(narrower)),
            links=tuple(links),
            findings=tuple(sorted(findings_for.get(iri, ()), key=lambda f: f.iri)),
            form=form, emphases=tuple(sorted(emphases_for.get(iri, ()), key=lambda e: e.iri)),
            source_section=_section(g, iri),
            schemes=tuple(sorted(set(g.iris(iri, str(SKOS.inScheme))) | (
                {scheme} if iri in tops else set()))),
            top=iri in tops,
        ))

    record_types = {"http://purl.org/spar/fabio/" + t for t in
                    ("JournalArticle", "Book", "BookChapter", "Expression", "Work")}
    record_iris = sorted({s for t in record_types for s in g.subjects(_RDF_TYPE, t)})
    records = [r for r in (_record(g, i) for i in record_iris) if r]
    return CategorySystem(concepts, records, sources)


__all__ = [
    "CATEGORY_SCHEME",
    "STANCES",
    "CategorySystem",
    "Concept",
    "Emphasis",
    "Finding",
    "FormProperties",
    "Link",
    "Record",
    "Term",
    "TreeNode",
    "build_category_system",
    "curie",
    "load_category_system",
    "local_name",
    "notation_key",
    "resolve_code",
]
