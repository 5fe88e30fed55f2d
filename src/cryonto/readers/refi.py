"""REFI-QDA projects (``.qdpx`` zip or bare ``.qde``) and codebooks (``.qdc``).

Users become coders, the CodeBook the study codebook (hierarchy, colours,
descriptions, ``isCodable``), every source a document, every selection with at
least one Coding a segment. Codes whose name is a cryonto notation or category
label are mapped with ``skos:exactMatch``. See docs/import.md for what is merged,
what is reported, and what is not imported.

All XML goes through `xmlsafe.parse_xml` and all zip members through
`xmlsafe.SafeZip`. Namespaces are ignored (``urn:QDA-XML:project:1.0``,
``…:0:10``, ``urn:QDA-XML:codebook:1:0``, ``…:0:4`` all read the same).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from cryonto.coded import Code, CodedDataset, Coder, Segment, counts_of
from cryonto.coded.description import parse as parse_description
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    Categories,
    ReadResult,
    auto_map,
    color,
    plural,
)
from cryonto.readers.refi_resolve import choose_coders, place_positions
from cryonto.readers.refi_sources import SourceReader, _child_text, _Sel, _short_color
from cryonto.readers.xmlsafe import (
    SafeZip,
    ZipLimits,
    describe,
    is_zip,
    local,
    namespace,
    parse_xml,
)

SOURCE_KINDS = {
    "TextSource": "text",
    "PDFSource": "PDF",
    "PictureSource": "picture",
    "AudioSource": "audio",
    "VideoSource": "video",
}
NOT_IMPORTED = ("Notes", "Links", "Sets", "Graphs", "Variables", "Cases")


#: deepest code tree read (QDA code systems have a handful of levels)
MAX_CODE_DEPTH = 100

class _Reader(SourceReader):
    def __init__(self, path: Path, study: str | None, categories: Categories,
                 limits: ZipLimits | None, positions: str | None = None,
                 coder_from: str = "coding") -> None:
        self.path = path
        self.positions = positions
        self.coder_from = coder_from
        self.file = str(path)
        self.study = study
        self.categories = categories
        self.limits = limits
        self.archive: SafeZip | None = None
        self.xml_name = self.file  # the file errors about the XML name
        self.notes: list[str] = []
        self.texts: dict[str, str | None] = {}
        self.missing_text: list[str] = []
        self.in_representation = 0

    # -- entry ------------------------------------------------------------------
    def read(self) -> ReadResult:
        if self._is_qdpx():
            with self._open_qdpx() as (archive, member):
                return self._read_root(parse_xml(archive.read(member), self.xml_name))
        self._refuse_oversized()
        return self._read_root(parse_xml(self.path.read_bytes(), self.file))

    def _is_qdpx(self) -> bool:
        """A zipped project (.qdpx, or any zip not named .qde/.qdc/.xml); the file must exist."""
        if not self.path.is_file():
            raise CryontoError("no such file", self.file)
        suffix = self.path.suffix.lower()
        return suffix == ".qdpx" or (suffix not in (".qde", ".qdc", ".xml")
                                     and is_zip(self.path))

    @contextlib.contextmanager
    def _open_qdpx(self) -> Iterator[tuple[SafeZip, str]]:
        """The archive (within the limits) and the name of its project XML member."""
        kind = "REFI-QDA .qdpx project (a .qdpx must be a zip)"
        with SafeZip(self.path, self.limits, kind=kind) as archive:
            self.archive = archive
            member = self._project_member(archive)
            self.xml_name = f"{self.file}!{member}"
            yield archive, member

    def _refuse_oversized(self) -> None:
        """A bare project XML is held to the limit a .qdpx may inflate to."""
        max_total = (self.limits or ZipLimits()).max_total
        if self.path.stat().st_size > max_total:
            raise CryontoError(f"refused: larger than the limit of {max_total} bytes", self.file)

    def _project_member(self, archive: SafeZip) -> str:
        top = [n for n in archive.names() if "/" not in n and "\\" not in n
               and n.lower().endswith(".qde")]
        for name in top:
            if name.lower() == "project.qde":
                return name
        if len(top) == 1:
            return top[0]
        if not top:
            raise CryontoError("no .qde project file at the top of the archive", self.file)
        raise CryontoError(f"several .qde files at the top of the archive: {', '.join(top)}",
                           self.file)

    def _check_root(self, root: Element) -> str:
        """The root's local name (Project or CodeBook); anything else is refused."""
        name, ns = local(root.tag), namespace(root.tag)
        if name not in ("Project", "CodeBook") or (ns and not ns.startswith("urn:QDA-XML:")):
            raise CryontoError(f"not a REFI-QDA project or codebook (root element <{name}>"
                               f"{' in namespace ' + ns if ns else ''})", self.xml_name)
        if not ns:
            self.notes.append("no QDA-XML namespace on the root element; read as QDA-XML")
        return name

    def _read_root(self, root: Element) -> ReadResult:
        name = self._check_root(root)
        for element in root.iter():
            element.tag = local(element.tag)
        if name == "CodeBook":
            return self._read_codebook(root)
        return self._read_project(root)

    # -- parts --------------------------------------------------------------------
    def _dataset(self, root: Element) -> CodedDataset:
        description = _child_text(root, "Description")
        return CodedDataset(study=self.study or self.path.stem, title=root.get("name") or None,
                            description=description, source_file=self.path.name)

    def _read_codes(self, codes_parent: Element | None, ds: CodedDataset) -> tuple[dict, int]:
        by_guid: dict[str, str] = {}
        seen = 0
        if codes_parent is None:
            return by_guid, seen
        odd_colors = structured = 0

        def walk(element: Element, parent: Code | None, depth: int = 1) -> None:
            nonlocal seen, odd_colors, structured
            for child in element:
                if child.tag != "Code":
                    continue
                if depth > MAX_CODE_DEPTH:  # also bounds the recursion and the key length
                    raise CryontoError(f"the code tree is nested deeper than {MAX_CODE_DEPTH} "
                                       "levels", self.xml_name, describe(child))
                seen += 1
                guid = self._attr(child, "guid")
                name = child.get("name")
                if name is None:
                    raise CryontoError("missing required attribute 'name'", self.xml_name,
                                       describe(child))
                if guid in by_guid:
                    raise CryontoError("a second code with the same guid", self.xml_name,
                                       describe(child))
                path = f"{parent.key}\\{name}" if parent else name
                key = path if path not in ds.codes else f"{path} [{guid}]"
                codable = (child.get("isCodable") or "true").strip().lower() not in ("false", "0")
                raw_color = child.get("color")
                code_color = color(raw_color)
                if raw_color and code_color is None:
                    code_color = _short_color(raw_color)
                    if code_color is None:
                        odd_colors += 1
                description = _child_text(child, "Description")
                code = Code(key=key, name=name, parent=parent.key if parent else None,
                            description=description, color=code_color,
                            guid=guid, codable=codable)
                sections = parse_description(description) if description else None
                if sections is not None:
                    structured += 1
                    code.description, code.examples, code.rules = sections
                auto_map(code, self.categories)
                ds.codes[key] = code
                by_guid[guid] = key
                walk(child, code, depth + 1)

        for codes in codes_parent.iter("Codes"):
            walk(codes, None)
            break
        if structured:
            self.notes.append(
                f"{plural(structured, 'code description')} in cryonto's codebook form "
                "(Definition: / Anchor example: / Coding rule:) read as skos:definition, "
                "skos:example and skos:scopeNote")
        if odd_colors:
            self.notes.append(f"{plural(odd_colors, 'code colour')} not of the form #rrggbb; "
                              "not imported")
        return by_guid, seen

    def _read_codebook(self, root: Element) -> ReadResult:
        ds = self._dataset(root)
        _, seen = self._read_codes(root, ds)
        result = ReadResult(ds, counts_of(codes=seen), notes=self.notes,
                            details={"kind": "REFI-QDA codebook"})
        sets = len(root.findall("Sets/Set"))
        if sets:
            self.notes.append(f"not imported: {plural(sets, 'code set')}")
        return result

    def _read_project(self, root: Element) -> ReadResult:
        ds = self._dataset(root)
        users_seen = 0
        for user in root.findall("Users/User"):
            users_seen += 1
            self._declare_user(user, ds)
        code_guids, codes_seen = self._read_codes(root.find("CodeBook"), ds)

        self.code_guids = code_guids
        self.undeclared_users: set[str] = set()
        self.ds = ds
        self.codings_seen = 0
        selections: list[_Sel] = []
        kinds: Counter[str] = Counter()
        source_kinds: Counter[str] = Counter()
        media_docs = 0
        text_missing = 0
        sources = root.find("Sources")
        for source in (sources if sources is not None else []):
            kind = SOURCE_KINDS.get(source.tag)
            if kind is None:
                continue
            source_kinds[kind] += 1
            doc = self._document(source)
            if doc.text is None:
                if source.tag == "TextSource" or (
                        source.tag == "PDFSource" and source.find("Representation") is not None):
                    text_missing += 1
                else:
                    media_docs += 1
            selections.extend(self._source_selections(source, doc, kinds))

        segments_seen = len(selections)
        result = ReadResult(
            ds, counts_of(documents=sum(source_kinds.values()), codes=codes_seen,
                          segments=segments_seen, codings=self.codings_seen, coders=users_seen),
            notes=self.notes)
        place_positions(selections, root.get("origin"), self.positions, result, self.xml_name)
        selections = choose_coders(selections, self.coder_from, ds, result)
        self._assemble(selections, result)
        sections = {}
        for part in NOT_IMPORTED:
            element = root.find(part)
            if element is not None:
                sections[part] = len(element)
        self._conclude(result, source_kinds, kinds, media_docs, text_missing, sections)
        return result

    def _conclude(self, result: ReadResult, source_kinds: Counter[str], kinds: Counter[str],
                  media_docs: int, text_missing: int, sections: dict[str, int]) -> None:
        """What a project read reports once its selections are segments (`sections`: the
        children of the first of each not imported part); shared with the streaming read."""
        if self.undeclared_users:
            result.adjust("coders", len(self.undeclared_users),
                          f"{plural(len(self.undeclared_users), 'user')} named by creatingUser "
                          "but not declared in <Users>; added with the guid as name")
        result.details.update({
            "kind": "REFI-QDA project",
            "sources": dict(source_kinds),
            "selections": dict(kinds),
            "text_selections_in_pdf_representations": self.in_representation,
            "documents_without_positions": media_docs,
            "text_documents_without_text": text_missing,
        })
        if media_docs:
            self.notes.append(
                f"{plural(media_docs, 'picture/audio/video/PDF source')} without plain text: "
                "kept as documents; their selections have no character positions")
        if text_missing:
            what = plural(text_missing, "text source or PDF representation",
                          "text sources or PDF representations")
            self.notes.append(
                f"{what} whose plain text is not in "
                f"{'the archive' if self.archive else 'a bare .qde'}: positions kept as given, "
                "unchecked, without segment text")
        if self.missing_text:
            self.notes.append(f"plain text not found for {plural(len(self.missing_text), 'path')}"
                              f" ({', '.join(self.missing_text[:3])}"
                              f"{', …' if len(self.missing_text) > 3 else ''})")
        skipped = [plural(sections[part], part.lower()[:-1], part.lower())
                   for part in NOT_IMPORTED if sections.get(part)]
        if skipped:
            self.notes.append("not imported: " + ", ".join(skipped))

    def _declare_user(self, user: Element, ds: CodedDataset) -> None:
        guid = self._attr(user, "guid")
        if guid in ds.coders:
            raise CryontoError("a second user with the same guid", self.xml_name,
                               describe(user))
        ds.coders[guid] = Coder(key=guid, name=(user.get("name") or "").strip() or guid,
                                guid=guid)

    def _assemble(self, selections: list[_Sel], result: ReadResult) -> None:
        kept, merged = merge_selections(selections, self.xml_name)
        uncoded = [s for s in kept if not s.codes]
        self.ds.segments.extend(segment_of(sel, self.path.name) for sel in kept if sel.codes)
        report_merges(result, merged, uncoded, self.ds)


@dataclass
class Merged:
    """How many selections and codings `merge_selections` folded into others."""

    guid: int = 0
    range: int = 0
    codings: int = 0
    #: Codings repeating a code the same coder already applied to the same selection
    repeats: int = 0
    #: the selections (described) that held them, in reading order
    repeated: list[str] = field(default_factory=list)

    def add(self, other: Merged) -> None:
        self.guid, self.range = self.guid + other.guid, self.range + other.range
        self.codings += other.codings
        self.repeats += other.repeats
        self.repeated.extend(other.repeated)


def merge_selections(selections: list[_Sel], xml_name: str) -> tuple[list[_Sel], Merged]:
    """The selections with repeats folded in, in order, uncoded ones included."""
    merged = Merged()
    # 0. one code twice on a selection by one coder (selections are split by coder first,
    # so two coders' Codings of one code stay two segments: intercoder data, not repeats)
    for sel in selections:
        distinct = list(dict.fromkeys(sel.codes))
        if len(distinct) < len(sel.codes):
            merged.repeats += len(sel.codes) - len(distinct)
            merged.repeated.append(sel.element)
            sel.codes = distinct
    # 1. the same guid twice (ATLAS.ti: a PDF quotation as area and as representation text)
    by_guid: dict[str, _Sel] = {}
    ordered: list[_Sel] = []
    for sel in selections:
        held = by_guid.get(sel.guid)
        if held is None:
            by_guid[sel.guid] = sel
            ordered.append(sel)
            continue
        if held.document != sel.document:
            raise CryontoError(f"selection guid {sel.guid} also appears in another source",
                               xml_name, sel.element)
        merged.guid += 1
        merged.codings += _merge(held, sel, prefer_positions=True)
    # 2. identical ranges by the same coder (NVivo: one selection per coding)
    by_range: dict[tuple, _Sel] = {}
    kept: list[_Sel] = []
    for sel in ordered:
        if sel.start is None:
            kept.append(sel)
            continue
        key = (sel.document, sel.start, sel.end, sel.coder)
        held = by_range.get(key)
        if held is None:
            by_range[key] = sel
            kept.append(sel)
            continue
        merged.range += 1
        merged.codings += _merge(held, sel, prefer_positions=False)
    return kept, merged


def segment_of(sel: _Sel, source_file: str) -> Segment:
    """The segment of a coded selection."""
    return Segment(
        id=sel.guid, document=sel.document, codes=sel.codes, start=sel.start, end=sel.end,
        text=sel.text, coder=sel.coder, created=sel.created, memo=sel.memo,
        selected_by=sel.selected_by, guid=sel.guid, source_file=source_file,
        source_locator=sel.element)


def report_merges(result: ReadResult, merged: Merged, uncoded: list[_Sel],
                  ds: CodedDataset) -> None:
    """The adjustments for merged and uncoded (3.: not segments) selections."""
    result.adjust("segments", -merged.guid,
                  f"{plural(merged.guid, 'selection')} repeating the guid of another "
                  "selection in the same source (ATLAS.ti writes a PDF quotation as area and "
                  "as representation text); merged into one segment")
    result.adjust("segments", -merged.range,
                  f"{plural(merged.range, 'text selection')} with the same document, start, "
                  "end and coder as another (NVivo writes one selection per coding); merged "
                  "into one segment with several codings")
    if merged.repeats:
        named = list(dict.fromkeys(merged.repeated))
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        result.adjust("codings", -merged.repeats,
                      f"{plural(merged.repeats, 'Coding')} repeating a code its coder had "
                      "already applied to the same selection (same code, same coder); "
                      f"counted once: {', '.join(named[:5])}{more}")
        result.details["repeated_codings"] = named
    result.adjust("codings", -merged.codings,
                  f"{plural(merged.codings, 'coding')} repeating a code already on the merged "
                  "segment; counted once")
    if uncoded:
        listed = ", ".join(f"{s.kind} {s.guid}" for s in uncoded[:5])
        more = f" and {len(uncoded) - 5} more" if len(uncoded) > 5 else ""
        result.adjust("segments", -len(uncoded),
                      f"{plural(len(uncoded), 'uncoded selection')} (no Coding; a segment "
                      f"needs a code) not imported: {listed}{more}")
    result.details["uncoded_selections"] = [
        {"guid": s.guid, "element": s.kind, "document": ds.documents[s.document].name,
         "description": s.memo} for s in uncoded]


def _merge(held: _Sel, other: _Sel, prefer_positions: bool) -> int:
    """Fold `other` into `held`; returns how many of its codings were already there."""
    duplicates = 0
    for code in other.codes:
        if code in held.codes:
            duplicates += 1
        else:
            held.codes.append(code)
    if prefer_positions and held.start is None and other.start is not None:
        held.start, held.end = other.start, other.end
        held.text = other.text or held.text
        held.kind, held.element = other.kind, other.element
    held.text = held.text or other.text
    held.coder = held.coder or other.coder
    held.selected_by = held.selected_by or other.selected_by
    held.created = min(filter(None, (held.created, other.created)), default=None)
    if other.memo and other.memo != held.memo:
        held.memo = f"{held.memo}\n\n{other.memo}" if held.memo else other.memo
    return duplicates


def read_refi(path: Path | str, study: str | None = None, categories: Categories | None = None,
              limits: ZipLimits | None = None, *, positions: str | None = None,
              coder_from: str = "coding") -> ReadResult:
    """Read a project; `positions` forces the unit ("codepoints"/"utf16", default: decide),
    `coder_from` says whose creatingUser is a segment's coder ("coding" or "selection")."""
    return _Reader(Path(path), study, categories or Categories(), limits, positions,
                   coder_from).read()
