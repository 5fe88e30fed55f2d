"""Coded datasets as the generic CSV, and redaction for sharing.

The CSV is exactly what `cryonto import csv` reads:
``document,code,start,end,coder,text,segment_id,participant,orientation,memo,created``,
one row per coding (a segment with three codes is three rows with the same
segment_id). The code column holds the category's notation ("A1.1") when the
code is a cryonto category or a study code mapped onto one by skos:exactMatch,
else the study code's name (its path "Parent\\Child" when two codes share a name).

`redact` turns a dataset into one that may leave the study: no segment text,
no memos, no transcript text, no file names; the study, participant ids,
document names and segment ids replaced by keyed pseudonyms (HMAC-SHA256).
With the same salt the same id always gets the same pseudonym; without a salt
a random one is used and kept nowhere, so nobody can link or reverse the
pseudonyms (see docs/export.md).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from cryonto.coded import Adjustment, Code, CodedDataset, Counts
from cryonto.errors import CryontoError
from cryonto.writers import cells

CODE_SEPARATOR = ";"  # the importer splits the code column on it
COLUMNS = ("document", "code", "start", "end", "coder", "text", "segment_id", "participant",
           "orientation", "memo", "created")

#: how many hex digits of the HMAC a pseudonym keeps (48 bits; collisions are checked)
PSEUDONYM_DIGITS = 12
#: shortest salt accepted: ids such as "P07" are few, so a short salt is found by trying
MIN_SALT_LENGTH = 16


@dataclass
class CsvTable:
    rows: list[list[str]]
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The CSV, every cell neutralised against formula injection (`writers.cells`)."""
        return cells.csv_text(COLUMNS, self.rows)


def code_labels(ds: CodedDataset, categories=None) -> dict[str, str]:
    """Code key -> the text of the CSV code column, for the codes segments use.

    Notation where the code is or exactly matches a category (and no other used
    code claims the same notation), else the name, else the path.
    """
    used = list(dict.fromkeys(key for seg in ds.segments for key in seg.codes))
    for key in used:
        if key not in ds.codes:
            raise CryontoError(f"a segment names an unknown code {key!r}")

    def notation(code: Code) -> str | None:
        iri = code.category or next((c for p, c in code.mappings if p == "exactMatch"), None)
        if iri is None:
            return None
        exact = [c for p, c in code.mappings if p == "exactMatch"]
        if code.category is None and len(set(exact)) > 1:
            return None  # two exact matches: the name says more than either notation
        concept = categories.get(iri) if categories is not None else None
        return concept.notation if concept is not None and concept.notation else None

    wanted = {key: notation(ds.codes[key]) for key in used}
    claims: dict[str, int] = {}
    for value in wanted.values():
        if value:
            claims[value] = claims.get(value, 0) + 1
    labels: dict[str, str] = {}
    for key in used:
        value = wanted[key]
        if value and claims[value] == 1:
            labels[key] = value
    rest = [key for key in used if key not in labels]
    names: dict[str, int] = {}
    for key in rest:
        names[ds.codes[key].name] = names.get(ds.codes[key].name, 0) + 1
    taken = set(labels.values())
    for key in rest:
        code = ds.codes[key]
        label = code.name if names[code.name] == 1 and code.name not in taken else _path(ds, code)
        if label in taken:
            raise CryontoError(f"two codes would both be written as {label!r} in the CSV code "
                               "column; rename one (or export refi/turtle, which keep both)")
        labels[key] = label
        taken.add(label)
    return labels


def _path(ds: CodedDataset, code: Code) -> str:
    parts = [code.name]
    seen = {code.key}
    parent = code.parent
    while parent is not None and parent in ds.codes and parent not in seen:
        seen.add(parent)
        parts.append(ds.codes[parent].name)
        parent = ds.codes[parent].parent
    return "\\".join(reversed(parts))


def build_rows(datasets: Sequence[CodedDataset], categories=None) -> CsvTable:
    """CSV rows for the datasets, and an adjustment for everything a CSV cannot carry.

    A CSV row is a coding with character positions, so segments without them
    (media selections, MAXQDA paragraph numbers), and codes, documents and
    coders that no written segment uses, are not in it; each is reported.
    """
    rows: list[list[str]] = []
    adjustments: list[Adjustment] = []
    doc_names: dict[str, str] = {}  # name -> study, to catch clashes across studies
    segment_ids: set[str] = set()
    labels_per_study: list[set[str]] = []
    coders_per_study: list[set[str]] = []
    for ds in datasets:
        labels = code_labels(ds, categories)
        for label in labels.values():
            if CODE_SEPARATOR in label:
                raise CryontoError(f"code {label!r} contains {CODE_SEPARATOR!r}, which the CSV "
                                   "uses between codes; rename it (or export refi/turtle)")
        used_docs: set[str] = set()
        used_codes: set[str] = set()
        used_coders: set[str] = set()
        dropped_segments = dropped_codings = 0
        for seg in ds.segments:
            doc = ds.documents.get(seg.document)
            if doc is None:
                raise CryontoError(f"segment {seg.id!r} names an unknown document "
                                   f"{seg.document!r}")
            other = doc_names.setdefault(doc.name, ds.study)
            if other != ds.study:
                raise CryontoError(f"document {doc.name!r} is in two studies ({other}, "
                                   f"{ds.study}); export them to separate CSV files")
            if seg.id in segment_ids:
                raise CryontoError(f"segment id {seg.id!r} occurs twice; export the studies "
                                   "to separate CSV files")
            segment_ids.add(seg.id)
            if seg.start is None or seg.end is None or seg.start >= seg.end or not seg.codes:
                dropped_segments += 1
                dropped_codings += len(seg.codes)
                continue
            coder = ds.coders[seg.coder].name if seg.coder and seg.coder in ds.coders else (
                seg.coder or "")
            used_docs.add(seg.document)
            if seg.coder:
                used_coders.add(coder)
            for key in seg.codes:
                used_codes.add(labels[key])
                rows.append([
                    doc.name, labels[key], _int(seg.start), _int(seg.end), coder,
                    seg.text or "", seg.id, doc.participant or "", doc.orientation or "",
                    seg.memo or "", seg.created or "",
                ])
        labels_per_study.append(used_codes)
        coders_per_study.append(used_coders)
        study = f" ({ds.study})" if len(datasets) > 1 else ""

        def adjust(name: str, delta: int, reason: str, study: str = study) -> None:
            if delta:
                adjustments.append(Adjustment(name, delta, reason + study))

        adjust("segments", -dropped_segments,
               f"{dropped_segments} segment(s) without character positions (media or MAXQDA "
               "paragraph numbers) or without a code: a CSV row needs start < end and a code")
        adjust("codings", -dropped_codings, f"{dropped_codings} coding(s) of those segments")
        adjust("documents", len(used_docs) - len(ds.documents),
               f"{len(ds.documents) - len(used_docs)} document(s) with no segment in the CSV")
        adjust("codes", len(used_codes) - len(ds.codes),
               f"{len(ds.codes) - len(used_codes)} code(s) no written segment uses (a CSV "
               "carries only codes in use; export refi or turtle keeps the codebook)")
        adjust("coders", len(used_coders) - len(ds.coders),
               f"{len(ds.coders) - len(used_coders)} coder(s) of no written segment")
    if len(datasets) > 1:
        for name, per_study in (("codes", labels_per_study), ("coders", coders_per_study)):
            shared = sum(len(s) for s in per_study) - len(set().union(*per_study))
            if shared:
                adjustments.append(Adjustment(name, -shared, f"{shared} {name} in several "
                                              "studies, one value in the CSV"))
    return CsvTable(rows, adjustments)


def count_csv(text: str) -> Counts:
    """What a written CSV holds (the importer's view: one row per coding)."""
    reader = csv.DictReader(io.StringIO(text))
    docs, codes, segs, coders = set(), set(), set(), set()
    codings = 0
    for row in reader:
        docs.add(row["document"])
        codes.add(row["code"])
        segs.add(row["segment_id"])
        if row["coder"]:
            coders.add(row["coder"])
        codings += 1
    return Counts(len(docs), len(codes), len(segs), codings, len(coders))


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


# -- redaction ---------------------------------------------------------------------


class Pseudonymizer:
    """Keyed pseudonyms: `prefix-` + the first hex digits of HMAC-SHA256(salt, kind:value)."""

    def __init__(self, salt: str | bytes | None = None) -> None:
        if salt is None or salt == "":
            self.key = secrets.token_bytes(32)
            self.random = True
        else:
            if len(salt) < MIN_SALT_LENGTH:  # a short salt is guessed, and every id with it
                raise CryontoError(
                    f"--salt must be at least {MIN_SALT_LENGTH} characters (got {len(salt)}); "
                    "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
            self.key = salt.encode("utf-8") if isinstance(salt, str) else salt
            self.random = False
        self._given: dict[tuple[str, str], str] = {}
        self._owner: dict[str, tuple[str, str]] = {}

    def __call__(self, kind: str, value: str, prefix: str) -> str:
        cached = self._given.get((kind, value))
        if cached is not None:
            return cached
        digest = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        pseudonym = f"{prefix}-{digest[:PSEUDONYM_DIGITS]}"
        owner = self._owner.setdefault(pseudonym, (kind, value))
        if owner != (kind, value):  # 48-bit collision: astronomically rare, but never silent
            raise CryontoError(f"two {kind} identifiers got the same pseudonym; use another salt")
        self._given[(kind, value)] = pseudonym
        return pseudonym


def redact(ds: CodedDataset, pseudonym: Pseudonymizer) -> CodedDataset:
    """A copy of `ds` fit to share: the one place the redaction rule lives.

    Removed: segment, memo and transcript text, the study's description and
    every file name or path (`cry:sourceFile`, `cry:sourcePath`,
    `cry:sourceLocator`). Replaced by keyed pseudonyms: the study (identifier
    and title ``ST-…``; a study is named after its file unless --study was
    given), documents (``D-…``), participants (``P-…``) and segments (``S-…``).
    Every IRI is minted again under the study pseudonym, so no IRI keeps a
    name. Kept: codes and codebook, positions, coders, orientation, language,
    text lengths, timestamps, GUIDs, license and creator.
    """
    out = copy.copy(ds)  # shallow copies of what changes
    out.documents = {key: copy.copy(doc) for key, doc in ds.documents.items()}
    out.segments = [copy.copy(seg) for seg in ds.segments]
    for seg in out.segments:
        seg.codes = list(seg.codes)
    old_base = ds.base_iri
    study = pseudonym("study", ds.study, "ST")
    out.study = out.title = study
    out.description = None
    out.source_file = None
    out.base = None  # minted again from the pseudonym: the old IRI carried the name
    code_key = {key: _local_key(key, old_base, "code") for key in ds.codes}
    if len(set(code_key.values())) != len(code_key):
        code_key = {key: key for key in ds.codes}  # keys are already names, not IRIs
    out.codes = {}
    for key, code in ds.codes.items():
        new = copy.copy(code)
        new.key = code_key[key]
        new.parent = code_key.get(code.parent, code.parent) if code.parent else None
        new.mappings = list(code.mappings)
        if new.category is None:
            new.iri = None
        out.codes[new.key] = new
    coder_key = {key: _local_key(key, old_base, "coder") for key in ds.coders}
    if len(set(coder_key.values())) != len(coder_key):
        coder_key = {key: key for key in ds.coders}
    out.coders = {}
    for key, coder in ds.coders.items():
        new_coder = copy.copy(coder)
        new_coder.key = coder_key[key]
        new_coder.iri = None
        out.coders[new_coder.key] = new_coder
    doc_key: dict[str, str] = {}
    documents = {}
    for key, doc in out.documents.items():
        new_name = pseudonym("document", doc.name, "D")
        doc_key[key] = new_name
        doc.key = new_name
        doc.name = new_name
        if doc.participant:
            doc.participant = pseudonym("participant", doc.participant, "P")
        if doc.text is not None and doc.text_length is None:
            doc.text_length = len(doc.text)
        doc.text = None
        doc.path = None
        doc.iri = None
        if new_name in documents:
            raise CryontoError("two documents got the same pseudonym; use another salt")
        documents[new_name] = doc
    out.documents = documents
    for seg in out.segments:
        seg.document = doc_key[seg.document]
        seg.codes = [code_key[key] for key in seg.codes]
        seg.coder = coder_key.get(seg.coder, seg.coder) if seg.coder else None
        seg.id = pseudonym("segment", seg.id, "S")
        seg.iri = None
        seg.text = None
        seg.memo = None
        seg.source_file = None
        seg.source_locator = None
    return out


def clear_names(ds: CodedDataset) -> set[str]:
    """The words of the names `redact` replaces: study, file, documents, participants,
    segments ("P07_Mueller.csv" -> P07, Mueller). Words of three characters or more
    that are not mere digits, and not the file type."""
    names = {ds.study, *(seg.id for seg in ds.segments)}
    for name in (ds.source_file, *(d.name for d in ds.documents.values())):
        if name:
            names.add(PurePath(name).stem)
    names |= {d.participant for d in ds.documents.values() if d.participant}
    words = {word for name in names for word in _WORD_SPLIT.split(name)}
    return {w for w in words if len(w) >= 3 and not w.isdigit()}


def leftover_names(originals: Sequence[CodedDataset],
                   redacted: Sequence[CodedDataset]) -> list[str]:
    """Replaced names that still occur, as words, in what redaction keeps of the
    researchers' own text: study code names and definitions, coder names, creator.

    A code named after a case ("Fall Mueller") carries the name on; the exports say so.
    """
    words = set().union(*(clear_names(ds) for ds in originals)) if originals else set()
    found: list[str] = []
    for ds in redacted:
        kept = [ds.creator or ""] + [c.name for c in ds.coders.values()]
        for code in ds.codes.values():
            if code.category is None:
                kept += [code.name, code.description or ""]
        for text in kept:
            for word in sorted(words):
                pattern = rf"(?<![^\W_]){re.escape(word)}(?![^\W_])"
                if re.search(pattern, text, re.IGNORECASE) and text not in found:
                    found.append(text)
    return found


_WORD_SPLIT = re.compile(r"[\W_]+")


def _local_key(key: str, base: str, kind: str) -> str:
    """A key read back from RDF is the old IRI; keep only what follows `<base><kind>/`."""
    prefix = f"{base}{kind}/"
    return key[len(prefix):] if key.startswith(prefix) and len(key) > len(prefix) else key


__all__ = ["COLUMNS", "MIN_SALT_LENGTH", "CsvTable", "Pseudonymizer", "build_rows",
           "clear_names", "code_labels", "count_csv", "leftover_names", "redact"]
