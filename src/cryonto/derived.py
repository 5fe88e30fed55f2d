"""The derived graph: the counts the data-wide library queries are made of, computed once.

On an on-disk store every join of segment → target → transcript costs a disk look-up per
segment (tens of seconds for 10^5 segments on a busy machine), so `cryonto load` writes a
small table of counts into ``https://w3id.org/cryonto/graph/derived`` (`derive`), and the
library's store variants (``queries/store/derived/*.rq``) read it instead of the segments.

A segment reaches a category C by a set of *ways* (its signature for C): ``direct`` (coded
with C or a sub-category), or the SKOS mapping predicate (local name) of a study code mapped
onto C or a sub-category. Whether a segment counts under a mapping rule depends only on
that signature, so counting segments per (C, signature) — and per orientation, study or
coder — answers every rule exactly: the count under a rule is the sum over the signatures
it accepts. Transcripts likewise. The co-occurrence pairs, the per-study totals and the
per-study code counts are stored as they are (they follow the default rule only). Sizes
grow with categories × signatures × studies/coders/orientations, not with segments.
tests/test_queries_derived.py compares every library query on a store with its derived
graph against the same query on the files. See docs/store.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from cryonto import resources
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, Quad
from cryonto.vocab import CRY, DCTERMS, OA, XSD

DERIVED_GRAPH = "https://w3id.org/cryonto/graph/derived"
DV = "https://w3id.org/cryonto/derived/"
#: the mapping predicates the default rule counts (besides "direct")
COUNTED = ("direct", "exactMatch", "closeMatch", "narrowMatch")
_MARKER = NamedNode(DV + "graph")

Term = object
Pair = tuple[Term, Term, str]  # (code, category coded, way)
#: a segment's codes, documents or coders: none, one term, or a tuple of two or more
Slot = object


def has_derived(store: GraphStore) -> bool:
    """Whether the store holds a complete derived graph (its marker is written last)."""
    return next(iter(store.quads(_MARKER, NamedNode(DV + "complete"), None,
                                 DERIVED_GRAPH)), None) is not None


def derive(store: GraphStore) -> int:
    """(Re)compute the derived graph from the store's content; the number of rows written."""
    store.clear_graph(DERIVED_GRAPH)
    facts = _Facts(store)
    rows = list(_rows(facts))
    quads: list[Quad] = []
    graph = NamedNode(DERIVED_GRAPH)
    for kind, fields, weight in rows:
        node = BlankNode()
        quads.append(Quad(node, NamedNode(DV + "kind"), Literal(kind), graph))
        quads.append(Quad(node, NamedNode(DV + "n"),
                          Literal(str(weight), datatype=NamedNode(XSD.integer)), graph))
        for name, value in fields:
            term = Literal(value) if isinstance(value, str) else value
            quads.append(Quad(node, NamedNode(DV + name), term, graph))  # type: ignore[arg-type]
    quads.append(Quad(_MARKER, NamedNode(DV + "complete"), Literal(str(len(rows))), graph))
    store.add(quads)
    return len(rows)


class _Facts:
    """The few predicates the counts need, each read by one index scan (no join).

    Memory is what bounds this at 10^6 segments, so per segment it keeps list slots, not
    dicts of engine terms: segments (and, while they are read, targets) are keyed by their
    IRI text, and every other term (code, document, coder) is one shared object.
    """

    def __init__(self, store: GraphStore) -> None:
        self.ways: dict[Term, list[Pair]] = defaultdict(list)
        for code, coded, via in store.select(resources.sparql("store/derived-codes")):
            self.ways[code].append((code, coded, str(via.value)))  # type: ignore[union-attr]
        self.broader: dict[Term, list[Term]] = defaultdict(list)
        for coded, category in store.select(resources.sparql("store/derived-closure")):
            self.broader[coded].append(category)
        self.transcripts = {row[0]: int(row[1].value)  # type: ignore[union-attr]
                            for row in store.select(resources.sparql("store/derived-transcripts"))}
        self.named = {row[0] for row in store.select(resources.sparql("store/derived-notations"))}
        self.part_of = _scan(store, DCTERMS.isPartOf)
        self.orientation = _scan(store, CRY.orientation)
        shared: dict[Term, Term] = {}
        sources: dict[str, Slot] = {}  # target -> its documents; dropped once segments know
        for quad in store.quads(None, NamedNode(OA.hasSource), None):
            key = _key(quad.subject)
            sources[key] = _put(sources.get(key), shared.setdefault(quad.object, quad.object))
        self.index: dict[str, int] = {}  # segment (subject of oa:hasBody or oa:hasTarget)
        self.docs: list[Slot] = []
        self.codes: list[Slot] = []
        for quad in store.quads(None, NamedNode(OA.hasTarget), None):
            i = self._segment(quad.subject)
            for doc in _each(sources.get(_key(quad.object))):
                self.docs[i] = _put(self.docs[i], doc)
        del sources
        for quad in store.quads(None, NamedNode(OA.hasBody), None):
            i = self._segment(quad.subject)
            self.codes[i] = _put(self.codes[i], shared.setdefault(quad.object, quad.object))
        self.creator: list[Slot] = [None] * len(self.index)
        for quad in store.quads(None, NamedNode(DCTERMS.creator), None):
            j = self.index.get(_key(quad.subject))
            if j is not None:
                self.creator[j] = _put(self.creator[j], shared.setdefault(quad.object,
                                                                          quad.object))

    def _segment(self, subject: Term) -> int:
        i = self.index.setdefault(_key(subject), len(self.index))
        if i == len(self.docs):
            self.docs.append(None)
            self.codes.append(None)
        return i

    def union(self, table: dict[Term, tuple[Term, ...]], keys: Iterable[Term]) -> set[Term]:
        return {v for k in keys for v in table.get(k, ())}


def _rows(f: _Facts) -> Iterator[tuple[str, tuple[tuple[str, object], ...], int]]:
    counts: Counter[tuple] = Counter()
    doc_reach: dict[Term, dict[Term, set[str]]] = defaultdict(lambda: defaultdict(set))
    doc_pairs: dict[Term, set[Pair]] = defaultdict(set)
    doc_plain: dict[Term, set[Term]] = defaultdict(set)
    pair_segments: Counter[tuple] = Counter()
    co_segments: Counter[tuple] = Counter()
    study_totals: Counter[tuple] = Counter()
    for segment in range(len(f.index)):
        pairs = {p for code in _each(f.codes[segment]) for p in f.ways.get(code, ())}
        docs = set(_each(f.docs[segment]))
        studies = f.union(f.part_of, docs)
        reach: dict[Term, set[str]] = defaultdict(set)
        direct: dict[Term, set[str]] = defaultdict(set)
        for _code, coded, via in pairs:
            direct[coded].add(via)
            for category in f.broader.get(coded, ()):
                reach[category].add(via)
        located = bool(docs)
        for category, vias in reach.items():
            sig = _sig(vias)
            counts[("segment", category, sig, "located" if located else "unlocated", None)] += 1
            if direct.get(category):
                counts[("direct", category, _sig(direct[category]),
                        "located" if located else "unlocated", None)] += 1
            for o in f.union(f.orientation, docs):
                counts[("segment", category, sig, "orientation", o)] += 1
            for s in studies:
                counts[("segment", category, sig, "study", s)] += 1
            for c in _each(f.creator[segment]):
                counts[("segment", category, sig, "coder", c)] += 1
        for doc in docs:
            doc_pairs[doc] |= pairs
            for category, vias in reach.items():
                doc_reach[doc][category] |= vias
        for s in studies:
            for pair in pairs:
                pair_segments[(s, *pair)] += 1
            study_totals[(s, "segments")] += 1
            if not any(via in COUNTED for _c, _d, via in pairs):
                study_totals[(s, "unmapped")] += 1
        # co-occurrence: the default rule, categories as coded (no roll-up)
        plain = {(code, coded) for code, coded, via in pairs if via in COUNTED and coded in f.named}
        cats = {coded for _code, coded in plain}
        for a in cats:
            counts[("single", a, (), "segment", None)] += 1
            codes_a = {code for code, coded in plain if coded == a}
            for b in cats:
                if a != b and any(code != other for code in codes_a
                                  for other, coded in plain if coded == b):
                    co_segments[(a, b)] += 1
        if located and plain:
            for doc in docs:
                doc_plain[doc] |= cats
    for doc, reach in doc_reach.items():
        for category, vias in reach.items():
            sig = _sig(vias)
            counts[("document", category, sig, "all", None)] += 1
            for o in f.orientation.get(doc, ()):
                counts[("document", category, sig, "orientation", o)] += 1
            for s in f.part_of.get(doc, ()):
                counts[("document", category, sig, "study", s)] += 1
    pair_documents: Counter[tuple] = Counter(
        (s, *pair) for doc, pairs in doc_pairs.items()
        for s in f.part_of.get(doc, ()) for pair in pairs)
    co_documents: Counter[tuple] = Counter()
    for cats in doc_plain.values():
        for a in cats:
            counts[("single", a, (), "document", None)] += 1
            for b in cats:
                if a != b:
                    co_documents[(a, b)] += 1
    for studies_of in f.part_of.values():
        for study in studies_of:
            study_totals[(study, "documents")] += 1
    for (kind, category, sig, dim, value), n in counts.items():
        fields: list[tuple[str, object]] = [("category", category), ("dim", dim)]
        fields += [("via", via) for via in sig]
        if value is not None:
            fields.append((dim, value))
        yield (kind, tuple(fields), n)
    for (s, code, coded, via), n in pair_segments.items():
        yield ("pair", (("study", s), ("code", code), ("coded", coded), ("via", via),
                        ("documents", _int(pair_documents[(s, code, coded, via)]))), n)
    for kind, table in (("cosegment", co_segments), ("codocument", co_documents)):
        for (a, b), n in table.items():
            yield (kind, (("a", a), ("b", b)), n)
    for code, n in Counter(c for codes in f.codes for c in _each(codes)).items():
        yield ("code", (("code", code),), n)
    for orientation, n in f.transcripts.items():
        yield ("transcripts", (("orientation", orientation),), n)
    for study in {s for s, _what in study_totals}:
        yield ("study", (("study", study),
                         ("documents", _int(study_totals[(study, "documents")])),
                         ("unmapped", _int(study_totals[(study, "unmapped")]))),
               study_totals[(study, "segments")])


def _sig(vias: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(vias))


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD.integer))


def _key(term: Term) -> str:
    """A subject as text: an IRI's own (shorter), anything else as N-Triples (`_:b1`)."""
    return term.value if isinstance(term, NamedNode) else str(term)


def _put(slot: Slot, term: Term) -> Slot:
    if slot is None:
        return term
    if isinstance(slot, tuple):
        return slot if term in slot else (*slot, term)
    return slot if slot == term else (slot, term)


def _each(slot: Slot) -> tuple[Term, ...]:
    if slot is None:
        return ()
    return slot if isinstance(slot, tuple) else (slot,)


def _scan(store: GraphStore, predicate: str) -> dict[Term, tuple[Term, ...]]:
    """Subject → objects of one predicate, in any graph: one index scan, streamed.

    Tuples, not sets: most subjects have one object, and 10^6 small sets cost ~0.5 GB.
    """
    out: dict[Term, tuple[Term, ...]] = {}
    for quad in store.quads(None, NamedNode(predicate), None):
        before = out.get(quad.subject, ())
        if quad.object not in before:
            out[quad.subject] = (*before, quad.object)
    return out
