"""Loading the category system: from the ontology files into a store, then into objects.

Loading goes through `cryonto.rdf.GraphStore`, so a syntax error names the file,
exactly as for every other command. Results are cached per (file, modification
time): a second `load_category_system()` is free, and an edited file is read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from cryonto import resources
from cryonto.category.graph import TripleIndex
from cryonto.category.model import (
    CATEGORY_SCHEME,
    STANCES,
    Concept,
    Emphasis,
    Finding,
    FormProperties,
    Link,
    Record,
    Term,
    curie,
    local_name,
)
from cryonto.category.system import CategorySystem
from cryonto.errors import CryontoError
from cryonto.forklock import ForkSafeLock
from cryonto.rdf import GraphStore
from cryonto.vocab import BIBO, CITO, CRY, DCTERMS, FABIO, ONTOLOGY_GRAPH, PROV, RDF, RDFS, SKOS

_RDF_TYPE = RDF.type
_SKOS_RELATED = SKOS.related
_SUBPROPERTY = RDFS.subPropertyOf

_CACHE: dict[tuple, CategorySystem] = {}
_CACHE_LOCK = ForkSafeLock()


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


def _term(g: TripleIndex, iri: str | None) -> Term | None:
    if iri is None:
        return None
    labels: dict[str, str] = {}
    for p in (str(SKOS.prefLabel), str(RDFS.label)):
        for lang, values in g.by_lang(iri, p).items():
            labels.setdefault(lang or "en", values[0])
    ranks = [to for to in g.literals(iri, str(CRY["rank"]))]
    rank = int(ranks[0].value) if ranks and ranks[0].value.lstrip("-").isdigit() else None
    return Term(iri, labels, g.text(iri, str(SKOS.notation)), rank)


def _record(g: TripleIndex, iri: str | None) -> Record | None:
    if iri is None:
        return None
    return Record(iri, title=g.text(iri, str(DCTERMS.title)),
                  citation=g.text(iri, str(DCTERMS.bibliographicCitation)),
                  date=g.text(iri, str(DCTERMS.date)),
                  doi=g.text(iri, BIBO.doi))


def _section(g: TripleIndex, iri: str) -> str | None:
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


def _link_properties(g: TripleIndex) -> set[str]:
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
    g = TripleIndex(store)
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
        cited = tuple(r for r in (_record(g, iri) for iri in sorted(
            g.iris(finding, str(DCTERMS.source)))) if r is not None)
        for stance in STANCES:
            for category in g.iris(finding, str(CITO[stance])):
                findings_for[category].append(Finding(
                    finding, g.text(finding, str(RDFS.label)), g.text(finding, str(CRY["claim"])),
                    stance, cited, g.iri(finding, PROV.wasQuotedFrom)))

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

    record_types = {FABIO[t] for t in
                    ("JournalArticle", "Book", "BookChapter", "Expression", "Work")}
    record_iris = sorted({s for t in record_types for s in g.subjects(_RDF_TYPE, t)})
    records = [r for r in (_record(g, i) for i in record_iris) if r]
    return CategorySystem(concepts, records, sources)
