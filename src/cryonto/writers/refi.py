"""Coded datasets as a REFI-QDA project (`.qdpx`) that QDA software can open.

The zip holds `project.qde` (QDA-XML 1.0, checked against Project.xsd before
anything is written) and one `sources/<guid>.txt` per transcript. Decisions
(docs/export.md):

* GUIDs: the one the data came with (a REFI import keeps them) when it is a
  valid, unused GUID; otherwise uuid5 of the IRI, so two exports of the same
  data are identical and a category has the same GUID as in `export codebook`.
* Codes: the study codebook with hierarchy, colours, descriptions and
  isCodable; cryonto categories that segments are coded with directly are
  added at the top level as "A1.1 Protest crying". SKOS mappings of study
  codes onto categories become one `Set` per category ("cryonto A1.1 …").
* Text: the transcript text when the data carries it. When it does not but
  every positioned segment has its text, the source file holds spaces with
  each segment text at its own position; otherwise the TextSource has no text
  file (the Description says which). Nothing is invented that a re-import
  would take for segment text.
* Positions: code points (the REFI standard, QualCoder, ATLAS.ti, MAXQDA) or,
  with ``positions="utf16"``, UTF-16 code units as NVivo counts them; the
  project's ``origin`` then says so, and `cryonto import refi` reads it back.
* Segments: one PlainTextSelection (end exclusive) per segment,
  one Coding per code, memo as the selection's Description, coder as
  creatingUser, created as creationDateTime, the segment text (when known) as
  the selection name, as ATLAS.ti does. Segments without character positions
  (picture/PDF/audio/video areas; MAXQDA paragraph numbers without the text)
  become codings of the whole source, one per code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from cryonto._version import __version__
from cryonto.atomic import atomic_write
from cryonto.coded import Adjustment, CodedDataset, Counts, Document, Segment
from cryonto.coded.description import compose as compose_description
from cryonto.errors import CryontoError
from cryonto.readers.common import MAX_TEXT_BYTES
from cryonto.readers.positions import CODEPOINTS, UNITS, UTF16, Offsets
from cryonto.writers import (
    PROJECT_NS,
    XML_DECLARATION,
    is_guid,
    stable_guid,
    validate_xml,
)

PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"
SNIPPETS_NOTE = (
    "cryonto: the transcript text was not part of the exported data. This source holds "
    "spaces, with each coded passage placed at its own position.")
NO_TEXT_NOTE = (
    "cryonto: the transcript text was not part of the exported data, nor the text of every "
    "coded passage; positions are as coded, the selection names hold the passages known.")

_Q = f"{{{PROJECT_NS}}}"


@dataclass
class RefiProject:
    """The XML and the source texts of one project, before zipping."""

    xml: bytes
    sources: dict[str, str]  # zip member name -> text
    counts: Counts  # counted in the XML written
    notes: list[str] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)


class _Guids:
    """Hands out GUIDs: the data's own where valid and unused, else uuid5 of the IRI."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def get(self, own: str | None, iri: str) -> str:
        if own and is_guid(own):
            plain = own.strip("{}").upper()
            if plain not in self.used:
                self.used.add(plain)
                return plain
        guid = stable_guid(iri)
        n = 1
        while guid in self.used:  # a data GUID took it; stay deterministic
            guid = stable_guid(f"{iri}#{n}")
            n += 1
        self.used.add(guid)
        return guid


def build_project(datasets: Sequence[CodedDataset], categories=None,
                  name: str | None = None, positions: str = CODEPOINTS) -> RefiProject:
    """The project XML (validated) and source texts for one or more datasets.

    `categories` is a `CategorySystem` used to name and colour categories that
    segments are coded with directly (notation + label). `positions` is the unit
    the target software counts: "codepoints" or "utf16" (NVivo).
    """
    if positions not in UNITS:
        raise CryontoError(f"positions must be one of {', '.join(UNITS)}, not {positions!r}")
    ET.register_namespace("", PROJECT_NS)
    guids = _Guids()
    colors: dict[str, str] = {}
    if categories is not None:
        from cryonto.writers.codebook import codebook_entries

        colors = {e.iri: e.color for e in codebook_entries(categories)}
    notes: list[str] = []
    project_name = name or " + ".join(ds.title or ds.study for ds in datasets) or "cryonto"
    origin = f"cryonto {__version__}"
    if positions == UTF16:
        origin += "; positions in UTF-16 code units (NVivo)"
    root = ET.Element(_Q + "Project", {"name": project_name, "origin": origin})
    unconverted = 0

    # -- users ------------------------------------------------------------------
    user_guid: dict[tuple[int, str], str] = {}
    users = ET.Element(_Q + "Users")
    for i, ds in enumerate(datasets):
        for coder in ds.coders.values():
            guid = guids.get(coder.guid, ds.coder_iri(coder.key))
            user_guid[(i, coder.key)] = guid
            ET.SubElement(users, _Q + "User", {"guid": guid, "name": coder.name})
    if len(users):
        root.append(users)

    # -- codebook ---------------------------------------------------------------
    code_guid: dict[tuple[int, str], str] = {}
    code_element: dict[str, ET.Element] = {}
    codes = ET.Element(_Q + "Codes")
    category_guid: dict[str, str] = {}
    shared_categories = 0
    mapped: dict[str, list[tuple[str, str, str]]] = {}  # category -> (predicate, code name, guid)
    for i, ds in enumerate(datasets):
        for code in _parents_first(ds):
            iri = ds.code_iri(code)
            if code.category is not None:
                if code.category in category_guid:  # the same category in two datasets
                    code_guid[(i, code.key)] = category_guid[code.category]
                    shared_categories += 1
                    continue
                concept = categories.get(code.category) if categories is not None else None
                label = concept.label("en") if concept is not None else code.name
                shown = (f"{concept.notation} {label}" if concept is not None and concept.notation
                         else label)
                guid = guids.get(None, code.category)
                category_guid[code.category] = guid
                attrs = {"guid": guid, "name": shown, "isCodable": "true"}
                color = code.color or colors.get(code.category)
                if color:
                    attrs["color"] = color
                element = ET.SubElement(codes, _Q + "Code", attrs)
                description = code.description or (concept.definition if concept else None)
                if description:
                    ET.SubElement(element, _Q + "Description").text = description
                code_guid[(i, code.key)] = guid
                code_element[f"{i}\x00{code.key}"] = element
                continue
            guid = guids.get(code.guid, iri)
            attrs = {"guid": guid, "name": code.name,
                     "isCodable": "true" if code.codable else "false"}
            if code.color and re.fullmatch(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", code.color):
                attrs["color"] = code.color
            parent = (code_element.get(f"{i}\x00{code.parent}") if code.parent is not None
                      else None)
            element = ET.SubElement(parent if parent is not None else codes, _Q + "Code", attrs)
            description = (compose_description(code.description, code.examples, code.rules)
                           if code.examples or code.rules else code.description)
            if description:
                # Description must precede child Codes; children are added after their parent
                ET.SubElement(element, _Q + "Description").text = description
            code_guid[(i, code.key)] = guid
            code_element[f"{i}\x00{code.key}"] = element
            for predicate, category in code.mappings:
                mapped.setdefault(category, []).append((predicate, code.name, guid))
    if len(codes):
        codebook = ET.SubElement(root, _Q + "CodeBook")
        codebook.append(codes)

    # -- sources ----------------------------------------------------------------
    sources_xml = ET.Element(_Q + "Sources")
    texts: dict[str, str] = {}
    wholes = split = uncodable = lost_text = 0
    modes = {"snippets": 0, "none": 0}
    for i, ds in enumerate(datasets):
        by_doc: dict[str, list[Segment]] = {key: [] for key in ds.documents}
        for seg in ds.segments:
            if seg.document not in by_doc:
                raise CryontoError(f"segment {seg.id!r} names an unknown document "
                                   f"{seg.document!r}")
            by_doc[seg.document].append(seg)
        for key, doc in ds.documents.items():
            doc_guid = guids.get(doc.guid, ds.document_iri(key))
            segments = by_doc[key]
            text, mode = _source_text(doc, segments)
            attrs = {"guid": doc_guid, "name": doc.name}
            if text is not None:
                member = f"{SOURCES_DIR}/{doc_guid}.txt"
                texts[member] = text
                attrs["plainTextPath"] = f"internal://{doc_guid}.txt"
            source = ET.SubElement(sources_xml, _Q + "TextSource", attrs)
            if mode != "full":
                modes[mode] += 1
                note = SNIPPETS_NOTE if mode == "snippets" else NO_TEXT_NOTE
                if doc.path and not doc.path.lower().endswith(".txt"):
                    note += f" Original source: {doc.path}"
                ET.SubElement(source, _Q + "Description").text = note
            whole: list[Segment] = []
            offsets = Offsets(text) if positions == UTF16 and text is not None else None
            for seg in segments:
                span = _positions(seg, doc, text, mode == "full")
                if span is None:
                    whole.append(seg)
                    continue
                if offsets is not None:
                    span = (offsets.to_utf16(span[0]), offsets.to_utf16(span[1]))
                elif positions == UTF16:
                    unconverted += 1
                seg_iri = ds.segment_iri(seg)
                attrs = {"guid": guids.get(seg.guid, seg_iri),
                         "startPosition": str(span[0]), "endPosition": str(span[1])}
                if seg.text:
                    attrs["name"] = seg.text
                user, created = _who_when(seg, user_guid.get((i, seg.coder or "")), notes)
                selector = user_guid.get((i, seg.selected_by)) if seg.selected_by else None
                attrs.update({"creatingUser": selector} if selector else user)
                attrs.update(created)
                selection = ET.SubElement(source, _Q + "PlainTextSelection", attrs)
                if seg.memo:
                    ET.SubElement(selection, _Q + "Description").text = seg.memo
                for code_key in seg.codes:
                    coding = ET.SubElement(selection, _Q + "Coding", {
                        "guid": guids.get(None, f"{seg_iri}#coding:{code_key}"),
                        **_coding_attrs(user, created)})
                    ET.SubElement(coding, _Q + "CodeRef",
                                  {"targetGUID": _target(code_guid, i, seg, code_key)})
            # segments without character positions: codings of the whole source
            for seg in whole:
                seg_iri = ds.segment_iri(seg)
                user, created = _who_when(seg, user_guid.get((i, seg.coder or "")), notes)
                for n, code_key in enumerate(seg.codes):
                    own = seg.guid if n == 0 else None
                    coding = ET.SubElement(source, _Q + "Coding", {
                        "guid": guids.get(own, seg_iri if n == 0 else
                                          f"{seg_iri}#coding:{code_key}"),
                        **_coding_attrs(user, created)})
                    ET.SubElement(coding, _Q + "CodeRef",
                                  {"targetGUID": _target(code_guid, i, seg, code_key)})
            whole_split = sum(len(s.codes) - 1 for s in whole if s.codes)
            whole_dropped = sum(1 for s in whole if not s.codes)
            if whole:
                wholes += len(whole)
                split += whole_split
                uncodable += whole_dropped
                lost_text += sum(1 for s in whole if s.text or s.memo)
    if len(sources_xml):
        root.append(sources_xml)
    adjustments: list[Adjustment] = []
    if shared_categories:
        adjustments.append(Adjustment(
            "codes", -shared_categories, f"{shared_categories} cryonto categories coded "
            "directly in several studies: one code each in the project"))
    if modes["snippets"]:
        notes.append(f"{modes['snippets']} document(s) without their transcript text but with "
                     "the text of every coded passage: each source holds those passages at "
                     "their positions and spaces elsewhere")
    if modes["none"]:
        notes.append(f"{modes['none']} document(s) without their transcript text and without "
                     "the text of every coded passage: written without a text file (positions "
                     "as coded; known passages as selection names)")
    if split:
        adjustments.append(Adjustment(
            "segments", split, f"{split} more: segments without character positions (picture, "
            "audio, video or PDF areas, MAXQDA paragraph numbers without the text) are written "
            "as codings of the whole source, one per code"))
    if uncodable:
        adjustments.append(Adjustment(
            "segments", -uncodable, f"{uncodable} segment(s) without character positions and "
            "without a code: nothing to write"))
    if positions == UTF16:
        notes.append("positions written in UTF-16 code units (as NVivo counts them)")
    if unconverted:
        notes.append(f"{unconverted} segment(s) in documents without text: positions written "
                     "as code points (UTF-16 units cannot be computed without the text)")
    if wholes:
        notes.append(f"{wholes} segment(s) without character positions written as codings of "
                     "the whole source")
    if lost_text:
        notes.append(f"{lost_text} of them had a text or memo, which a whole-source coding "
                     "cannot carry")

    # -- sets: which study codes map onto which category ------------------------
    if mapped:
        sets = ET.SubElement(root, _Q + "Sets")
        for category in sorted(mapped):
            concept = categories.get(category) if categories is not None else None
            shown = (f"{concept.notation} {concept.label('en')}"
                     if concept is not None and concept.notation else category)
            item = ET.SubElement(sets, _Q + "Set", {
                "guid": guids.get(None, category + "#mapped-study-codes"),
                "name": f"cryonto {shown}"})
            lines = [f"Study codes mapped onto the cryonto category {category}:"]
            lines += [f"{name} (skos:{predicate})" for predicate, name, _ in mapped[category]]
            ET.SubElement(item, _Q + "Description").text = "\n".join(lines)
            for guid in dict.fromkeys(g for _, _, g in mapped[category]):
                ET.SubElement(item, _Q + "MemberCode", {"targetGUID": guid})

    descriptions = [ds.description for ds in datasets if ds.description]
    if descriptions:
        ET.SubElement(root, _Q + "Description").text = "\n\n".join(descriptions)

    ET.indent(root, space="  ")
    xml = XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"
    validate_xml(xml, "Project.xsd", "project")
    return RefiProject(xml, texts, count_project(xml), notes, adjustments)


def _parents_first(ds: CodedDataset):
    """Codes with every parent before its children (the XML nests them)."""
    done: set[str] = set()
    order = []

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done or key in path:
            return
        code = ds.codes[key]
        if code.parent is not None and code.parent in ds.codes:
            visit(code.parent, (*path, key))
        done.add(key)
        order.append(code)

    for key in ds.codes:
        visit(key, ())
    return order


def _source_text(doc: Document, segments: Sequence[Segment]) -> tuple[str | None, str]:
    """The source text to write and where it comes from: "full", "snippets" or "none".

    full: the transcript text. snippets: the text is unknown but every segment
    with positions has a text of matching length that agrees where segments
    overlap; spaces with each segment text at its position (as long as
    `textLength`, else up to the last segment end), so re-importing gives every
    segment its text back. none: anything else; no text is written rather than
    blanks that a reader would take for segment text.
    """
    if doc.text is not None:
        return doc.text, "full"
    spans = [(s, s.start, s.end) for s in segments
             if s.start is not None and s.end is not None and s.start < s.end]
    if not spans:
        return None, "none"
    length = max(doc.text_length or 0, *(end for _, _, end in spans))
    if length > MAX_TEXT_BYTES:  # a blank text that long would exhaust memory (or overflow)
        return None, "none"
    chars = [" "] * length
    placed = [False] * length
    for seg, start, end in spans:
        if seg.text is None or start < 0 or end - start != len(seg.text):
            return None, "none"
        for j in range(start, end):
            char = seg.text[j - start]
            if placed[j] and chars[j] != char:
                return None, "none"
            chars[j] = char
            placed[j] = True
    return "".join(chars), "snippets"


def _positions(seg: Segment, doc: Document, text: str | None,
               known: bool) -> tuple[int, int] | None:
    """The selection's code-point span, or None when it has no usable positions."""
    if seg.start is not None and seg.end is not None:
        start, end = seg.start, seg.end
    elif seg.start_paragraph is not None and known and text is not None:
        start, end = _paragraph_span(text, seg.start_paragraph,
                                     seg.end_paragraph or seg.start_paragraph)
    else:
        return None
    if start == end:
        return None  # an empty selection is not a selection QDA tools accept
    length = len(text) if text is not None else doc.text_length
    if start < 0 or start > end or (length is not None and end > length):
        raise CryontoError(f"segment {seg.id!r} in {doc.name!r}: positions {start}-{end} lie "
                           f"outside the transcript (length {length})")
    return start, end


def _who_when(seg: Segment, user: str | None,
              notes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    created = _datetime(seg.created)
    if seg.created and created is None:
        notes.append(f"segment {seg.id}: created {seg.created!r} is not an xsd:dateTime; "
                     "left out")
    return ({"creatingUser": user} if user else {},
            {"creationDateTime": created} if created else {})


def _coding_attrs(user: dict[str, str], created: dict[str, str]) -> dict[str, str]:
    return {**user, **created}


def _target(code_guid: dict, i: int, seg: Segment, key: str) -> str:
    target = code_guid.get((i, key))
    if target is None:
        raise CryontoError(f"segment {seg.id!r} names an unknown code {key!r}")
    return target


def _paragraph_span(text: str, first: int, last: int) -> tuple[int, int]:
    """Character span of paragraphs first..last (1-based, inclusive; one per line)."""
    offsets = [0]
    for match in re.finditer(r"\r\n|\n|\r", text):
        offsets.append(match.end())
    bounds = [*offsets, len(text) + 1]
    if not 1 <= first <= last < len(bounds):
        raise CryontoError(f"paragraphs {first}-{last} do not exist in the transcript "
                           f"({len(offsets)} paragraphs)")
    end = bounds[last] - 1 if last < len(offsets) else len(text)
    # drop the line break that ends the last paragraph
    while end > bounds[first - 1] and text[end - 1:end] in ("\n", "\r"):
        end -= 1
    return bounds[first - 1], end


_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _datetime(value: str | None) -> str | None:
    """`value` if it is a valid xsd:dateTime (a date alone becomes midnight), else None."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00"
    if not _DATETIME.match(value):
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


def count_project(xml: bytes) -> Counts:
    """What a project XML holds, counted the way `CodedDataset.counts` counts."""
    root = ET.fromstring(xml)
    return Counts(
        documents=len(root.findall(f"{_Q}Sources/{_Q}TextSource")),
        codes=len(root.findall(f"{_Q}CodeBook//{_Q}Code")),
        segments=len(root.findall(f".//{_Q}PlainTextSelection"))
        + len(root.findall(f"{_Q}Sources/{_Q}TextSource/{_Q}Coding")),
        codings=len(root.findall(f".//{_Q}PlainTextSelection/{_Q}Coding"))
        + len(root.findall(f"{_Q}Sources/{_Q}TextSource/{_Q}Coding")),
        coders=len(root.findall(f"{_Q}Users/{_Q}User")),
    )


def qdpx_bytes(project: RefiProject) -> bytes:
    """The project as a .qdpx zip (deterministic: fixed timestamps, sorted members)."""
    buffer = BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(PROJECT_FILE, stamp), project.xml,
                    compress_type=zipfile.ZIP_DEFLATED)
        folder = zipfile.ZipInfo(f"{SOURCES_DIR}/", stamp)
        folder.external_attr = 0o40755 << 16 | 0x10
        zf.writestr(folder, b"")
        for member in sorted(project.sources):
            zf.writestr(zipfile.ZipInfo(member, stamp), project.sources[member].encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_qdpx(project: RefiProject, path: Path | str) -> None:
    """Write the zip atomically (the XML was validated when the project was built)."""
    data = qdpx_bytes(project)
    with zipfile.ZipFile(BytesIO(data)) as zf:  # the zip we hand over must open
        bad = zf.testzip()
        if bad is not None:  # pragma: no cover - defensive
            raise CryontoError(f"the project zip is corrupt at {bad}; nothing written")
    with atomic_write(path, "wb") as handle:
        handle.write(data)


__all__ = ["PROJECT_FILE", "SOURCES_DIR", "RefiProject", "build_project", "count_project",
           "qdpx_bytes", "write_qdpx"]
