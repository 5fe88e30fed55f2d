"""Mapping a study's own codes onto the categories: fuzzy suggestions and an SSSOM template.

`Suggester` matches a code name against every category's notation and English
and German labels (prefLabel and altLabel) with rapidfuzz, so a researcher gets
a starting point instead of a blank table, and a near-miss spelling (``I2.l``,
``Protestweinnen``) gets a "did you mean" instead of silently staying unmapped.

`mapping_template` writes one SSSOM row per study code (id, label, path, segment
count) with the suggestion as ``semapv:LexicalMatching`` and its confidence. The
researcher confirms a row by changing its justification to
``semapv:ManualMappingCuration``; rows still marked as this tool's lexical
suggestions are not applied on import (`cryonto.readers.sssom`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process

from cryonto.category import CategorySystem
from cryonto.coded import CodedDataset
from cryonto.errors import CryontoError

TEMPLATE_TOOL = "cryonto mapping template"
NO_TERM = "sssom:NoTermFound"
#: confidence (0-1) from which a suggestion is offered in the template at all
SUGGEST_FROM = 0.6
#: confidence from which a suggestion is an exactMatch rather than a closeMatch
EXACT_FROM = 0.95


@dataclass(frozen=True)
class Suggestion:
    iri: str
    notation: str | None
    label: str
    matched: str  # the notation or label the code matched
    confidence: float  # 0-1

    @property
    def shown(self) -> str:
        return f"{self.notation} {self.label}" if self.notation else self.label


class Suggester:
    """Fuzzy lookup of categories by notation and English/German labels."""

    def __init__(self, system: CategorySystem) -> None:
        self.system = system
        self.choices: list[str] = []
        self.owner: list[tuple[str, bool]] = []  # (iri, is notation)
        for concept in system:
            names = [(concept.notation, True)] if concept.notation else []
            for lang in ("en", "de"):
                if concept.labels.get(lang):
                    names.append((concept.labels[lang], False))
                names += [(alt, False) for alt in concept.alt_labels.get(lang, ())]
            for name, is_notation in names:
                self.choices.append(name)
                self.owner.append((concept.iri, is_notation))
        self.processed = [default_process(c) for c in self.choices]

    def _suggestion(self, index: int, score: float) -> Suggestion:
        iri = self.owner[index][0]
        concept = self.system.find(iri)
        return Suggestion(iri, concept.notation, concept.label("en"), self.choices[index],
                          round(score / 100, 2))

    def best(self, text: str) -> Suggestion | None:
        """The closest category by label or notation (token sort ratio: word order does not
        matter, but a one-letter notation does not match every word), or None."""
        key = default_process(text or "")
        if not key:
            return None
        found = process.extractOne(key, self.processed, scorer=fuzz.token_sort_ratio,
                                   processor=None)
        best = self._suggestion(found[2], found[1]) if found else None
        near = self.near_miss(text)
        if near is not None and (best is None or near.confidence >= best.confidence):
            return near
        return best

    def near_miss(self, text: str) -> Suggestion | None:
        """A category `text` is nearly a notation or label of: one edit away (for short
        codes such as ``I2.l``) or a similarity of at least 85 % (labels); else None."""
        key = default_process(text or "")
        if len(key) < 3:
            return None
        found = process.extractOne(key, self.processed, scorer=fuzz.ratio, processor=None)
        if found is None:
            return None
        choice, score, index = found
        if Levenshtein.distance(key, choice) <= 1 or (score >= 85 and len(key) >= 6):
            return self._suggestion(index, score)
        return None


# -- the template ---------------------------------------------------------------------------
COLUMNS = ("subject_id", "subject_label", "subject_path", "segment_count", "predicate_id",
           "object_id", "object_label", "mapping_justification", "confidence", "mapping_tool",
           "comment")

HEADER = """\
# curie_map:
#   cry: https://w3id.org/cryonto/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
#   sssom: https://w3id.org/sssom/
# mapping_set_id: {set_id}
# license: https://creativecommons.org/publicdomain/zero/1.0/
# subject_source_version: {source}
# extension_definitions:
#   - slot_name: subject_path
#     property: https://w3id.org/cryonto/codePath
#     type_hint: http://www.w3.org/2001/XMLSchema#string
#   - slot_name: segment_count
#     property: https://w3id.org/cryonto/segmentCount
#     type_hint: http://www.w3.org/2001/XMLSchema#integer
# comment: >-
#   One row per study code. Rows with mapping_tool "{tool}" and semapv:LexicalMatching are
#   suggestions and are NOT applied: check each, fix predicate_id/object_id, and change
#   mapping_justification to semapv:ManualMappingCuration to confirm it. Delete rows you do
#   not want; sssom:NoTermFound rows are skipped.
"""


def load_dataset(path: Path | str) -> CodedDataset:
    """A study from cryonto Turtle (.ttl/.nt) or from an export (REFI, MAXQDA xlsx, CSV)."""
    path = Path(path)
    if not path.is_file():
        raise CryontoError("no such file", str(path))
    suffix = path.suffix.lower()
    if suffix in (".ttl", ".nt", ".trig", ".nq"):
        from cryonto.coded import from_store
        from cryonto.rdf import GraphStore

        store = GraphStore()
        store.load_file(path)
        datasets = from_store(store)
        if len(datasets) != 1:
            raise CryontoError(f"holds {len(datasets)} studies; give one study's Turtle",
                               str(path))
        return datasets[0]
    fmt_name = {".qdpx": "refi", ".qde": "refi", ".qdc": "refi", ".xlsx": "maxqda",
                ".csv": "csv"}.get(suffix)
    if fmt_name is None:
        raise CryontoError("expected a REFI project (.qdpx/.qde/.qdc), a MAXQDA .xlsx, a CSV "
                           "or cryonto Turtle (.ttl)", str(path))
    from cryonto.importing import import_file

    return import_file(fmt_name, path).dataset


@dataclass
class TemplateResult:
    rows: int
    suggested: int
    direct: int  # codes that already name a category
    text: str


def mapping_template(dataset: CodedDataset, suggester: Suggester,
                     source: str = "") -> TemplateResult:
    """The SSSOM TSV text: one row per study code, with a suggestion where one is close."""
    used: Counter[str] = Counter()
    for seg in dataset.segments:
        used.update(set(seg.codes))
    out = io.StringIO()
    out.write(HEADER.format(set_id=f"{dataset.base_iri}mapping", source=source or dataset.study,
                            tool=TEMPLATE_TOOL))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = suggested = direct = 0
    for code in dataset.codes.values():
        if code.category is not None:
            continue  # a category coded directly needs no mapping
        rows += 1
        subject = f"urn:uuid:{code.guid.strip('{}').lower()}" if code.guid else code.key
        existing = code.mappings[0] if code.mappings else None
        comment = ""
        if existing is not None:
            direct += 1
            known = suggester.system.get(existing[1])
            obj, label = (known.curie, known.label("en")) if known else (existing[1], "")
            predicate, justification, confidence = f"skos:{existing[0]}", \
                "semapv:LexicalMatching", "1.0"
            comment = "the code's own name is this category"
        else:
            best = suggester.best(code.name)
            if best is not None and best.confidence >= SUGGEST_FROM:
                suggested += 1
                obj, label = suggester.system.find(best.iri).curie, best.shown
                predicate = "skos:exactMatch" if best.confidence >= EXACT_FROM \
                    else "skos:closeMatch"
                justification, confidence = "semapv:LexicalMatching", f"{best.confidence:.2f}"
                comment = f"suggested: {code.name!r} ~ {best.matched!r}"
            else:
                obj, label, predicate = NO_TERM, "", "skos:exactMatch"
                justification, confidence = "semapv:LexicalMatching", ""
                comment = "no category is close by name; choose one or delete the row"
        writer.writerow([subject, code.name, _path(dataset, code.key), used.get(code.key, 0),
                         predicate, obj,
                         label, justification, confidence, TEMPLATE_TOOL, comment])
    return TemplateResult(rows, suggested, direct, out.getvalue())


def _path(dataset: CodedDataset, key: str) -> str:
    """The code's names from the top of the hierarchy, joined by ``\\`` (as REFI and MAXQDA
    paths are); the same whether the study comes from an export or from Turtle."""
    names: list[str] = []
    seen: set[str] = set()
    current: str | None = key
    while current is not None and current in dataset.codes and current not in seen:
        seen.add(current)
        names.append(dataset.codes[current].name)
        current = dataset.codes[current].parent
    return "\\".join(reversed(names))


def near_misses(dataset: CodedDataset, system: CategorySystem) -> list[str]:
    """One warning per unmapped study code that is nearly a category's notation or label,
    naming where it is first used (``row 7: code 'I2.l' is not a category; did you mean
    I2.1 Pause?``)."""
    unmapped = dataset.unmapped_codes()
    if not unmapped:
        return []
    suggester = Suggester(system)
    first_use: dict[str, str] = {}
    for seg in dataset.segments:
        for key in seg.codes:
            first_use.setdefault(key, seg.source_locator or f"segment {seg.id}")
    warnings = []
    for code in unmapped:
        near = suggester.near_miss(code.name)
        if near is None:
            continue
        where = first_use.get(code.key, "codebook (unused)")
        warnings.append(f"{where}: code {code.name!r} is not a category; did you mean "
                        f"{near.shown}?")
    return warnings
