"""Synthetic coded studies of any size, optionally with injected errors of known kinds.

`generate_study` builds a `model.CodedDataset` with realistic category frequencies and
the co-occurrences the paper reports (protest crying with crying as resistance and
relational challenge; emotional access with perceiving the here-and-now; emotional
deepening with exploring emotions; integrative function with contextualizing;
diagnostic access with therapeutic stance), orientations PDT/CBT/ST in the paper's
15/11/7 ratio and a small study codebook of which some codes are mapped onto
categories and some are not. `write_study` streams the quads (never an rdflib graph)
and applies injected errors on the way, writing a JSON manifest of exactly which
segment carries which error.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryonto.atomic import atomic_write
from cryonto.category import load_category_system, local_name
from cryonto.coded import (
    Code,
    CodedDataset,
    Coder,
    Document,
    Segment,
    turtle_prefixes,
)
from cryonto.errors import CryontoError
from cryonto.rdf import Quad
from cryonto.rdf.ntriples import iri_term, parse_lines, write_turtle_lines
from cryonto.vocab import CRY, OA, XSD


@cache
def categories() -> dict[str, tuple[str, str]]:
    """The category system from the ontology: notation -> (local name, English label).

    In notation order (A, A1, A1.1, …), the order the codes are declared in.
    """
    return {c.notation: (local_name(c.iri), c.label("en"))
            for c in load_category_system() if c.notation}


@cache
def _category_iris() -> dict[str, str]:
    return {c.notation: c.iri for c in load_category_system() if c.notation}


def category_iri(notation: str) -> str:
    return _category_iris()[notation]


def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    """`CATEGORIES`, read from the ontology when first asked for."""
    if name == "CATEGORIES":
        return categories()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: relative frequency of each category as a segment's first code (leaves mostly; the paper
#: reports crying as manipulation as mentioned less often than crying as resistance)
FREQUENCIES: dict[str, float] = {
    "A1.1": 6, "A1.2": 5, "A1.3": 5, "A1.4": 3,
    "A2.1": 6, "A2.2": 6, "A2.3": 5,
    "A3": 0.5, "A3.1": 2, "A3.2": 1, "A3.2.1": 4, "A3.2.2": 5, "A3.2.3": 5, "A3.2.4": 4,
    "A3.2.5": 4, "A3.3.1": 1, "A3.3.2": 5,
    "I1.1": 5, "I1.2": 5, "I1.3": 4, "I2.1": 4, "I2.2": 3, "I3.1": 5, "I3.2": 3, "I3.3": 2,
}

#: (category, co-coded category, probability): the associations the paper reports
CO_OCCURRENCES: list[tuple[str, str, float]] = [
    ("A1.1", "A3.3.2", 0.5),   # protest crying ~ crying as resistance
    ("A1.1", "A2.3", 0.4),     # protest crying ~ crying as a relational challenge
    ("A2.3", "A3.3.2", 0.3),   # relational challenge ~ resistance
    ("A3.2.3", "I1.1", 0.45),  # emotional access ~ perceiving the here-and-now
    ("A3.2.4", "I1.2", 0.45),  # emotional deepening ~ exploring emotions
    ("A3.2.5", "I1.3", 0.45),  # integrative function ~ contextualizing
    ("A3.2.1", "A2.1", 0.3),   # diagnostic access intersects with therapeutic stance
    ("A1.4", "A3.2.2", 0.35),  # positive crying ~ relief/catharsis
]

#: the paper's sample: 15 psychodynamic, 11 cognitive-behavioural, 7 systemic therapists
ORIENTATION_RATIO = (("PDT", 15), ("CBT", 11), ("ST", 7))

#: a study's own codebook: (name, SKOS mapping predicate or None, category notation or None)
STUDY_CODES: list[tuple[str, str | None, str | None]] = [
    ("Protest", "exactMatch", "A1.1"),
    ("Tears of joy", "closeMatch", "A1.4"),
    ("Holding silence", "broadMatch", "I2.1"),
    ("Comforting", "closeMatch", "I3.1"),
    ("Resistance", "exactMatch", "A3.3.2"),
    ("Therapist's own crying", None, None),
    ("Inhibited crying", None, None),
]
_STUDY_CODE_FOR = {notation: name for name, _, notation in STUDY_CODES if notation}
_UNMAPPED = [name for name, predicate, _ in STUDY_CODES if predicate is None]

_TEXT = (
    "she started crying when we talked about her mother and I just stayed with it "
    "he said he felt overwhelmed and did not know what to do anymore it was about the loss "
    "I noticed tears in my own eyes before anything happened then we explored what made "
    "her cry and it connected to the old pattern the crying changed the whole situation "
    "so I paused for a moment and let him talk I offered a tissue and asked what he needed "
    "we came back to the facts of the week it felt like a relief for both of us"
)
_WORDS = tuple(_TEXT.split())

SH_NS = CRY["shapes/"]

#: error kind -> shapes (in shapes/core.ttl) that must report it, and nothing else
ERROR_KINDS: dict[str, tuple[str, ...]] = {
    "start_not_before_end": ("StartBeforeEnd",),
    "end_past_document": ("EndWithinDocumentConstraint",),
    "missing_coder": ("SegmentCoder",),
    "unknown_code": ("SegmentCodeExists",),
    "bad_date": ("SegmentCreatedWellFormed",),
    "missing_document": ("SegmentDocumentMissing",),
    "no_code": ("SegmentHasCode",),
    "wrong_motivation": ("SegmentMotivation",),
    "paragraphs_reversed": ("StartParagraphNotAfterEnd",),
}
_PARAGRAPH_KINDS = {"paragraphs_reversed"}
_OFFSET_KINDS = {"start_not_before_end", "end_past_document"}


@dataclass
class InjectedError:
    segment: str  # segment IRI
    id: str  # segment id
    kind: str
    shapes: list[str]  # IRIs of the shapes expected to report it

    def as_dict(self) -> dict:
        return {"segment": self.segment, "id": self.id, "kind": self.kind, "shapes": self.shapes}


@dataclass
class GeneratedStudy:
    dataset: CodedDataset
    errors: list[InjectedError] = field(default_factory=list)
    seed: int = 0
    #: study codes that are used but not mapped: each must get one warning
    unmapped_codes: list[str] = field(default_factory=list)
    _edits: dict[str, str] = field(default_factory=dict)  # segment IRI -> quad-level error kind

    def manifest(self) -> dict:
        return {
            "study": self.dataset.base_iri,
            "seed": self.seed,
            "counts": self.dataset.counts().as_dict(),
            "errors": [e.as_dict() for e in self.errors],
            "expected_warnings": [{"focus": iri, "shapes": [SH_NS + "CodeMappedConstraint"]}
                                  for iri in self.unmapped_codes],
        }

    def ntriples(self) -> Iterator[str]:
        """The dataset's N-Triples lines with the quad-level errors applied (no graph built)."""
        return _apply_edits(self.dataset, self._edits)

    def quads(self) -> Iterator[Quad]:
        return parse_lines(self.ntriples())


def generate_study(segments: int, documents: int | None = None, coders: int = 3,
                   errors: int = 0, seed: int = 0, study: str = "generated",
                   full_text: bool = False) -> GeneratedStudy:
    """A synthetic coded study with `segments` segments and `errors` injected errors."""
    if segments < 1:
        raise CryontoError("--segments must be at least 1")
    if errors < 0 or errors > segments:
        raise CryontoError(f"--errors must be between 0 and the number of segments ({segments})")
    if coders < 1:
        raise CryontoError("--coders must be at least 1")
    rng = random.Random(seed)
    n_docs = documents if documents is not None else max(1, round(segments / 150))
    n_docs = max(1, min(n_docs, segments))
    ds = CodedDataset(
        study=study, title=f"Synthetic coded study ({segments} segments, seed {seed})",
        license="https://creativecommons.org/publicdomain/zero/1.0/",
        creator="cryonto generate", source_file=f"{study}.csv",
        description="Generated by `cryonto generate`: synthetic data, no real interviews.",
    )
    # codes: every category usable directly, plus the study codebook
    for category, (_local, label) in categories().items():
        iri = category_iri(category)
        ds.codes[iri] = Code(key=iri, name=label, category=iri)
    for name, predicate, notation in STUDY_CODES:
        mappings = [(predicate, category_iri(notation))] if predicate and notation else []
        ds.codes[name] = Code(key=name, name=name, mappings=mappings)
    for i in range(1, coders + 1):
        key = f"C{i}"
        ds.coders[key] = Coder(key=key, name=key)
    orientations = [o for o, n in ORIENTATION_RATIO for _ in range(n)]
    rng.shuffle(orientations)
    doc_keys = []
    for i in range(n_docs):
        key = f"T{i + 1:05d}"
        doc_keys.append(key)
        ds.documents[key] = Document(key=key, name=key, participant=f"P{i + 1:05d}",
                                     orientation=orientations[i % len(orientations)],
                                     language="en")
    paragraph_docs = {k for i, k in enumerate(doc_keys) if n_docs >= 10 and i % 10 == 9}

    notations = list(FREQUENCIES)
    weights = [FREQUENCIES[n] for n in notations]
    co = defaultdict_list(CO_OCCURRENCES)
    sentences = [_sentence(rng) for _ in range(512)]
    positions = {k: 0 for k in doc_keys}
    paragraphs = {k: 0 for k in doc_keys}
    texts: dict[str, list[str]] = {k: [] for k in doc_keys} if full_text else {}
    coder_keys = list(ds.coders)
    used_unmapped: set[str] = set()
    firsts = rng.choices(notations, weights=weights, k=segments)
    for n in range(segments):
        doc = doc_keys[n * n_docs // segments]  # segments in document order
        first = firsts[n]
        codes = [first]
        for partner, probability in co.get(first, ()):
            if rng.random() < probability and partner not in codes:
                codes.append(partner)
        keys = []
        for notation in codes:
            study_code = _STUDY_CODE_FOR.get(notation)
            if study_code and rng.random() < 0.3:
                keys.append(study_code)
            else:
                keys.append(category_iri(notation))
        if rng.random() < 0.02:
            unmapped = rng.choice(_UNMAPPED)
            keys.append(unmapped)
            used_unmapped.add(unmapped)
        text = sentences[rng.randrange(len(sentences))]
        seg = Segment(
            id=f"S{n + 1:07d}", document=doc, codes=keys, text=text,
            coder=coder_keys[rng.randrange(len(coder_keys))],
            created=(f"{rng.randint(2014, 2023)}-{rng.randint(1, 12):02d}-"
                     f"{rng.randint(1, 28):02d}T{rng.randint(8, 19):02d}:"
                     f"{rng.randint(0, 59):02d}:00Z"),
            memo="consensus after discussion" if rng.random() < 0.05 else None,
            source_file=ds.source_file, source_locator=f"row {n + 2}",
        )
        if doc in paragraph_docs:
            first_par = paragraphs[doc] + 1
            seg.start_paragraph = first_par
            seg.end_paragraph = first_par + (1 if rng.random() < 0.2 else 0)
            paragraphs[doc] = seg.end_paragraph
        else:
            gap = 1 + rng.randrange(40)
            if texts:
                texts[doc].append(" " * gap)
                texts[doc].append(text)
            seg.start = positions[doc] + gap
            seg.end = seg.start + len(text)
            positions[doc] = seg.end
        ds.segments.append(seg)
    for key in doc_keys:
        if key in paragraph_docs:
            continue
        tail = 1 + rng.randrange(200)
        if texts:
            ds.documents[key].text = "".join(texts[key]) + " " * tail
        else:
            ds.documents[key].text_length = positions[key] + tail
    result = GeneratedStudy(ds, seed=seed)
    result.unmapped_codes = sorted(ds.code_iri(ds.codes[name]) for name in used_unmapped)
    _inject(result, errors, rng, paragraph_docs, full_text)
    return result


def defaultdict_list(pairs: list[tuple[str, str, float]]) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for a, b, p in pairs:
        out.setdefault(a, []).append((b, p))
    return out


def _sentence(rng: random.Random) -> str:
    n = rng.randint(6, 22)
    start = rng.randrange(len(_WORDS))
    words = [_WORDS[(start + i) % len(_WORDS)] for i in range(n)]
    return (" ".join(words)).capitalize() + "."


def _inject(study: GeneratedStudy, count: int, rng: random.Random, paragraph_docs: set[str],
            full_text: bool) -> None:
    if count == 0:
        return
    ds = study.dataset
    kinds = list(ERROR_KINDS)
    if not paragraph_docs:
        kinds = [k for k in kinds if k not in _PARAGRAPH_KINDS]
    rng.shuffle(kinds)
    order = list(range(len(ds.segments)))
    rng.shuffle(order)
    by_paragraph = [i for i in order if ds.segments[i].document in paragraph_docs]
    by_offset = [i for i in order if ds.segments[i].document not in paragraph_docs]
    taken: set[int] = set()
    plan: list[tuple[int, str]] = []
    for k in range(count):
        kind = kinds[k % len(kinds)]
        pool = (by_paragraph if kind in _PARAGRAPH_KINDS
                else by_offset if kind in _OFFSET_KINDS else order)
        index = next((i for i in pool if i not in taken), None)
        if index is None:  # that pool is used up: any free segment, a segment-level kind
            kind = "missing_coder"
            index = next(i for i in order if i not in taken)
        taken.add(index)
        plan.append((index, kind))
    for index, kind in sorted(plan):
        seg = ds.segments[index]
        iri = ds.segment_iri(seg)
        shapes = [SH_NS + s for s in ERROR_KINDS[kind]]
        if kind == "start_not_before_end":
            seg.end = seg.start  # an empty range; its (empty) text stays consistent
            seg.text = ""
        elif kind == "end_past_document":
            doc = ds.documents[seg.document]
            length = doc.text_length if doc.text is None else len(doc.text)
            assert length is not None  # generated documents have a text or a length
            seg.start = length + 5
            seg.end = seg.start + len(seg.text or "")
            if full_text:
                shapes.append(SH_NS + "QuoteMatchesTextConstraint")
        elif kind == "missing_coder":
            seg.coder = None
        elif kind == "bad_date":
            assert seg.created is not None  # every generated segment has a date
            seg.created = seg.created[:4] + "-13-45T10:00:00Z"  # month 13, day 45
        elif kind == "paragraphs_reversed":
            assert seg.end_paragraph is not None  # chosen from the paragraph documents
            seg.start_paragraph, seg.end_paragraph = seg.end_paragraph + 1, seg.start_paragraph
        else:  # edited on the quads: the model would refuse to build them
            study._edits[iri] = kind
        study.errors.append(InjectedError(iri, seg.id, kind, shapes))


_HAS_BODY = iri_term(OA.hasBody)
_HAS_SOURCE = iri_term(OA.hasSource)
_MOTIVATED_BY = iri_term(OA.motivatedBy)
_COMMENTING = iri_term(OA.commenting)
_NNI = "^^" + iri_term(XSD.nonNegativeInteger)
_INTEGER = "^^" + iri_term(XSD.integer)


def _apply_edits(ds: CodedDataset, edits: dict[str, str]) -> Iterator[str]:
    """The dataset's N-Triples lines with the quad-level errors applied."""
    subjects = {f"<{iri}>": kind for iri, kind in edits.items()}
    subjects.update({f"<{iri}/target>": kind for iri, kind in edits.items()
                     if kind == "missing_document"})
    undeclared = ds.base_iri + "code/undeclared-"
    done: set[str] = set()
    for line in ds.to_ntriples():
        if _NNI in line:
            # what a store makes of it anyway (pyoxigraph canonicalises integer subtypes)
            line = line.replace(_NNI, _INTEGER)
        if subjects:
            subject, predicate, _rest = line.split(" ", 2)
            kind = subjects.get(subject)
            if kind is not None:
                if kind == "unknown_code" and predicate == _HAS_BODY and subject not in done:
                    done.add(subject)
                    yield line
                    name = subject[1:-1].rsplit("/", 1)[-1]
                    yield f"{subject} {_HAS_BODY} {iri_term(undeclared + name)} .\n"
                    continue
                if kind == "no_code" and predicate == _HAS_BODY:
                    continue
                if kind == "wrong_motivation" and predicate == _MOTIVATED_BY:
                    yield f"{subject} {_MOTIVATED_BY} {_COMMENTING} .\n"
                    continue
                if kind == "missing_document" and predicate == _HAS_SOURCE:
                    continue
        yield line


def write_study(study: GeneratedStudy, path: Path | str,
                manifest: Path | str | None = None) -> None:
    """Stream the study as Turtle (atomically) and, if asked, its error manifest as JSON."""
    prefixes = turtle_prefixes(study.dataset)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
        write_turtle_lines(study.ntriples(), handle, prefixes, unique=prefixes["seg"])
    if manifest is not None:
        with atomic_write(manifest, "w", encoding="utf-8") as handle:
            json.dump(study.manifest(), handle, indent=2)
            handle.write("\n")


def manifest_path(output: Path | str) -> Path:
    out = Path(output)
    return out.with_name(out.stem + ".errors.json")


def write_csv(study: GeneratedStudy, path: Path | str) -> int:
    """The study as the generic CSV (the exporter's writer); returns the number of rows.

    The CSV carries what the dataset holds, including errors injected into it
    (offsets, coders, dates); quad-level errors (unknown code, missing document,
    no code, wrong motivation) and paragraph-only segments are not in it.
    """
    from cryonto.atomic import write_text
    from cryonto.writers.csv import build_rows

    table = build_rows([study.dataset], load_category_system())
    write_text(path, table.text())
    return len(table.rows)
