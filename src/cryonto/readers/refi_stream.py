"""REFI-QDA projects read source by source, for the streaming import.

`read_refi` parses the whole project XML into a tree, reads every source's text and
holds every selection before it decides the position unit, the coders and the merges.
Here the XML is parsed incrementally (defusedxml's `iterparse`: no DOCTYPE, entities
or external references, as `xmlsafe.parse_xml`; the zip member is inflated under the
same `ZipLimits` as `SafeZip.read`, counted as it streams). Users and the CodeBook are
kept whole (small); each ``<Source>`` is handed on once it has ended, with its text
from the archive, then removed from the tree, so memory holds one source at a time.

What `read_refi` decides over the whole project is decided here the same way:

* merges (same guid, same range and coder) only ever join selections of one source
  (the same guid in two sources is an error), so each source is merged on its own; a
  set of the selection guids' hashes finds a guid repeated in a later source;
* the coder of a selection depends on that selection alone;
* the position unit: code points and UTF-16 units read a selection alike unless it
  ends after a character outside the BMP. Sources without such selections are
  finished at once; a source with one waits (text and selections held) until the end
  of the project, when the evidence gathered from all sources decides the unit, as in
  `positions.decide`. With ``--positions`` nothing waits.

Counts, adjustments, notes and details are added up and reported at the end by the
functions `read_refi` reports with. On the first error the caller reads the file again
with `read_refi`, whose message is the one shown (the differential tests in
tests/test_refi_stream.py check both readers agree).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET

from cryonto.coded import CodedDataset, Document, Segment, counts_of
from cryonto.errors import CryontoError
from cryonto.readers.common import Categories, ReadResult
from cryonto.readers.positions import (
    ASTRAL,
    CODEPOINTS,
    UNITS,
    Decision,
    Evidence,
    Offsets,
    Selection,
    conclude,
    gather,
)
from cryonto.readers.refi import (
    NOT_IMPORTED,
    SOURCE_KINDS,
    Merged,
    _Reader,
    merge_selections,
    report_merges,
    segment_of,
)
from cryonto.readers.refi_resolve import (
    CODER_RULES,
    place_positions,
    report_coders,
    report_positions,
    split_by_coder,
)
from cryonto.readers.refi_sources import _child_text, _Sel
from cryonto.readers.xmlsafe import ZipLimits, local


class _Late(CryontoError):
    """Users or the CodeBook after the sources: the stream cannot read this order."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class RefiStream(_Reader):
    """Iterate `items()` once (documents with their text, then segments, source by source);
    then `result()` is what `read_refi` would report."""

    def __init__(self, path: Path | str, study: str | None = None,
                 categories: Categories | None = None, limits: ZipLimits | None = None,
                 positions: str | None = None, coder_from: str = "coding") -> None:
        super().__init__(Path(path), study, categories or Categories(), limits, positions,
                         coder_from)
        self.dataset = CodedDataset(study=study or self.path.stem, source_file=self.path.name)
        self.dataset.base = self.dataset.base_iri
        self.ds = self.dataset
        self.code_guids: dict[str, str] = {}
        self.undeclared_users = set()
        self.codings_seen = 0
        #: code key -> ((source index, place), where first used), for near-miss warnings
        self.first_use: dict[str, tuple[tuple[int, int], str]] = {}
        self._forced = positions if positions in UNITS else None
        self._evidence = {unit: Evidence() for unit in UNITS}
        self._differing = 0
        self._pending: list[tuple[int, list[_Sel]]] = []
        self._guids: set[int] = set()
        self._pairs: Counter[tuple[str | None, str | None]] = Counter()
        self._split = self._unchecked = self._users = self._codes = 0
        self._selections = self._media_docs = self._text_missing = 0
        self._merges: list[tuple[int, Merged]] = []  # per source index
        self._uncoded: list[tuple[int, list[_Sel]]] = []
        self._kinds: Counter[str] = Counter()
        self._source_kinds: Counter[str] = Counter()
        self._sections: dict[str, int] = {}
        self._origin: str | None = None
        self._sources = 0  # sources read (their index orders what is reported)
        self._codebook_root: Element | None = None
        self._codes_read = False
        self._result: ReadResult | None = None

    # -- the project XML, one element at a time ----------------------------------------
    def items(self) -> Iterator[Document | Segment]:
        """Each document once its source is read (with its text, dropped after), and the
        segments of each source once it is finished."""
        if self.coder_from not in CODER_RULES:
            raise CryontoError(f"--coder-from {self.coder_from!r}")  # read_refi says more
        if self._is_qdpx():
            with self._open_qdpx() as (archive, member), archive.stream(member) as stream:
                # its declared size reserved at once, as read_refi reads it before the texts
                archive.read_total += stream.info.file_size
                yield from self._walk(stream)
            return
        self._refuse_oversized()
        with self.path.open("rb") as handle:
            yield from self._walk(handle)

    def _walk(self, stream: _Readable) -> Iterator[Document | Segment]:
        stack: list[Element] = []
        removed = 0  # children taken out of the open top-level element
        sources: Element | None = None
        for event, element in DET.iterparse(stream, events=("start", "end"), forbid_dtd=True,
                                            forbid_entities=True, forbid_external=True):
            if event == "start":
                stack.append(element)
                if len(stack) == 1:
                    self._start(element)
                elif len(stack) == 2:
                    removed = 0
                    if sources is None and local(element.tag) == "Sources":
                        sources = element
                continue
            stack.pop()
            if not stack:
                self._end(element)
            elif self._codebook_root is not None:
                continue  # a .qdc codebook: read whole at its end
            if len(stack) == 2 and local(stack[1].tag) not in ("Users", "CodeBook"):
                if stack[1] is sources:
                    _localize(element)
                    yield from self._source(element)
                removed += 1
                stack[1].remove(element)
            elif len(stack) == 1:
                self._section(element, removed)
                if local(element.tag) != "Description":
                    stack[0].remove(element)

    def _start(self, root: Element) -> None:
        if self._check_root(root) == "CodeBook":
            self._codebook_root = root
        self._origin = root.get("origin")
        self.ds.title = root.get("name") or None

    def _section(self, element: Element, removed: int) -> None:
        """A child of the project root has ended."""
        tag = local(element.tag)
        if self._sources and (tag == "Users" or (tag == "CodeBook" and not self._codes_read)):
            raise _Late(f"<{tag}> after the sources", self.xml_name)
        _localize(element)
        if tag == "Users":
            for user in element.findall("User"):
                self._users += 1
                self._declare_user(user, self.ds)
        elif tag == "CodeBook" and not self._codes_read:
            self.code_guids, self._codes = self._read_codes(element, self.ds)
            self._codes_read = True
        elif tag in NOT_IMPORTED and tag not in self._sections:
            self._sections[tag] = removed + len(element)

    def _end(self, root: Element) -> None:
        _localize(root)
        if self._codebook_root is not None:
            self._result = self._read_codebook(root)
            return
        self.ds.description = _child_text(root, "Description")

    # -- one source --------------------------------------------------------------------
    def _source(self, source: Element) -> Iterator[Document | Segment]:
        kind = SOURCE_KINDS.get(source.tag)
        if kind is None:
            return
        index = self._sources
        self._sources += 1
        self._source_kinds[kind] += 1
        doc = self._document(source)
        if doc.text is None:
            if source.tag == "TextSource" or (
                    source.tag == "PDFSource" and source.find("Representation") is not None):
                self._text_missing += 1
            else:
                self._media_docs += 1
        selections = self._source_selections(source, doc, self._kinds)
        self._selections += len(selections)
        self._unchecked += sum(1 for s in selections if s.raw is not None and s.source is None)
        differing = 0
        if self._forced is None:  # evidence for the unit, from texts where the units part
            offsets: dict[int, Offsets | None] = {}
            texted = []
            for sel in selections:
                if sel.raw is None or sel.source is None:
                    continue
                key = id(sel.source)
                if key not in offsets:
                    offsets[key] = Offsets(sel.source) if ASTRAL.search(sel.source) else None
                found = offsets[key]
                if found is not None:
                    texted.append(Selection(found, sel.raw[0], sel.raw[1], sel.name))
            differing = gather(texted, self._evidence)
            self._differing += differing
        yield doc
        doc.text = None  # written; the length stays (text_length)
        # texts written are dropped; a path met again is read again (one not found stays)
        self.texts = {path: text for path, text in self.texts.items() if text is None}
        selections, split = split_by_coder(selections, self.coder_from, self._pairs)
        self._split += split
        if differing:
            self._pending.append((index, selections))  # the unit is decided at the end
            return
        yield from self._finish(index, selections, self._forced or CODEPOINTS)

    def _finish(self, index: int, selections: list[_Sel], unit: str) -> Iterator[Segment]:
        """Positions in code points, merges, segments: `read_refi`'s steps for one source."""
        scratch = ReadResult(self.ds, counts_of())
        place_positions(selections, None, unit, scratch, self.xml_name)
        ours: dict[int, _Sel] = {}
        for sel in selections:  # every guid, before merges (read_refi: all, globally)
            ours.setdefault(hash(sel.guid), sel)
        for key, sel in ours.items():
            if key in self._guids:  # or a hash collision: read_refi then tells
                raise CryontoError(f"selection guid {sel.guid} also appears in another source",
                                   self.xml_name, sel.element)
        self._guids.update(ours)
        kept, merged = merge_selections(selections, self.xml_name)
        self._merges.append((index, merged))
        uncoded = [s for s in kept if not s.codes]
        if uncoded:
            self._uncoded.append((index, uncoded))
        for place, sel in enumerate(s for s in kept if s.codes):
            for code in sel.codes:
                held = self.first_use.get(code)
                if held is None or (index, place) < held[0]:
                    self.first_use[code] = ((index, place), sel.element)
            yield segment_of(sel, self.path.name)

    def finish_pending(self) -> Iterator[Segment]:
        """The sources that waited for the position unit (after `items()`)."""
        unit = self._decision().unit
        while self._pending:
            index, selections = self._pending.pop(0)
            yield from self._finish(index, selections, unit)

    def _decision(self) -> Decision:
        if self._forced is not None:
            return Decision(self._forced, "given with --positions")
        return conclude(self._differing, self._evidence, self._origin)

    # -- the end -------------------------------------------------------------------------
    def result(self) -> ReadResult:
        """What `read_refi` reports, once `items()` and `finish_pending()` are done."""
        if self._result is not None:  # a codebook
            return self._result
        result = ReadResult(
            self.ds, counts_of(documents=sum(self._source_kinds.values()), codes=self._codes,
                               segments=self._selections, codings=self.codings_seen,
                               coders=self._users),
            notes=self.notes)
        report_positions(self._decision(), self._unchecked, result)
        report_coders(self._pairs, self._split, self.coder_from, self.ds, result)
        uncoded = [sel for _, sels in sorted(self._uncoded, key=lambda item: item[0])
                   for sel in sels]
        merged = Merged()  # added up in source order, as read_refi meets them
        for _, part in sorted(self._merges, key=lambda item: item[0]):
            merged.add(part)
        report_merges(result, merged, uncoded, self.ds)
        self._conclude(result, self._source_kinds, self._kinds, self._media_docs,
                       self._text_missing, self._sections)
        return result

    def first_uses(self) -> list[Segment]:
        """One stub segment per code used, in the order `read_refi` first uses them."""
        ordered = sorted(self.first_use.items(), key=lambda item: item[1][0])
        return [Segment(id="", document="", codes=[key], source_locator=where)
                for key, (_, where) in ordered]


def _localize(element: Element) -> None:
    for inner in element.iter():
        inner.tag = local(inner.tag)
