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
* Text: the transcript text when the data carries it. When it does not, the
  source file holds spaces with each known segment text at its own position
  (the TextSource's Description says so): positions and quotes stay true,
  and nothing else is invented.
* Segments: one PlainTextSelection (code points, end exclusive) per segment,
  one Coding per code, memo as the selection's Description, coder as
  creatingUser, created as creationDateTime.
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

from cryonto import __version__
from cryonto.atomic import atomic_write
from cryonto.errors import CryontoError
from cryonto.model import CodedDataset, Counts, Document, Segment
from cryonto.writers import PROJECT_NS, is_guid, stable_guid, validate_xml

PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"
UNKNOWN_TEXT_NOTE = (
    "cryonto: the transcript text was not part of the exported data. This source holds "
    "spaces, with each coded passage whose text was known placed at its own position.")

_Q = f"{{{PROJECT_NS}}}"


@dataclass
class RefiProject:
    """The XML and the source texts of one project, before zipping."""

    xml: bytes
    sources: dict[str, str]  # zip member name -> text
    counts: Counts  # counted in the XML written
    notes: list[str] = field(default_factory=list)


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
                  name: str | None = None) -> RefiProject:
    """The project XML (validated) and source texts for one or more datasets.

    `categories` is a `CategorySystem` used to name and colour categories that
    segments are coded with directly (notation + label).
    """
    ET.register_namespace("", PROJECT_NS)
    guids = _Guids()
    colors: dict[str, str] = {}
    if categories is not None:
        from cryonto.writers.codebook import codebook_entries

        colors = {e.iri: e.color for e in codebook_entries(categories)}
    notes: list[str] = []
    project_name = name or " + ".join(ds.title or ds.study for ds in datasets) or "cryonto"
    root = ET.Element(_Q + "Project", {"name": project_name, "origin": f"cryonto {__version__}"})

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
    mapped: dict[str, list[tuple[str, str, str]]] = {}  # category -> (predicate, code name, guid)
    for i, ds in enumerate(datasets):
        for code in _parents_first(ds):
            iri = ds.code_iri(code)
            if code.category is not None:
                if code.category in category_guid:  # the same category in two datasets
                    code_guid[(i, code.key)] = category_guid[code.category]
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
            if code.description:
                # Description must precede child Codes; children are added after their parent
                ET.SubElement(element, _Q + "Description").text = code.description
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
            text, known = _source_text(doc, segments)
            if not known:
                notes.append(f"{doc.name}: transcript text unknown; the source holds the "
                             "known segment texts at their positions, spaces elsewhere")
            member = f"{SOURCES_DIR}/{doc_guid}.txt"
            texts[member] = text
            source = ET.SubElement(sources_xml, _Q + "TextSource", {
                "guid": doc_guid, "name": doc.name,
                "plainTextPath": f"internal://{doc_guid}.txt"})
            if not known:
                ET.SubElement(source, _Q + "Description").text = UNKNOWN_TEXT_NOTE
            for seg in segments:
                start, end = _positions(seg, doc, text, known)
                seg_iri = ds.segment_iri(seg)
                attrs = {"guid": guids.get(seg.guid, seg_iri),
                         "startPosition": str(start), "endPosition": str(end)}
                if seg.text:
                    attrs["name"] = seg.text
                user = user_guid.get((i, seg.coder)) if seg.coder else None
                if user:
                    attrs["creatingUser"] = user
                created = _datetime(seg.created)
                if seg.created and created is None:
                    notes.append(f"segment {seg.id}: created {seg.created!r} is not an "
                                 "xsd:dateTime; left out")
                if created:
                    attrs["creationDateTime"] = created
                selection = ET.SubElement(source, _Q + "PlainTextSelection", attrs)
                if seg.memo:
                    ET.SubElement(selection, _Q + "Description").text = seg.memo
                for code_key in seg.codes:
                    target = code_guid.get((i, code_key))
                    if target is None:
                        raise CryontoError(f"segment {seg.id!r} names an unknown code "
                                           f"{code_key!r}")
                    coding_attrs = {"guid": guids.get(None, f"{seg_iri}#coding:{code_key}")}
                    if user:
                        coding_attrs["creatingUser"] = user
                    if created:
                        coding_attrs["creationDateTime"] = created
                    coding = ET.SubElement(selection, _Q + "Coding", coding_attrs)
                    ET.SubElement(coding, _Q + "CodeRef", {"targetGUID": target})
    if len(sources_xml):
        root.append(sources_xml)

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
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    validate_xml(xml, "Project.xsd", "project")
    return RefiProject(xml, texts, count_project(xml), notes)


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


def _source_text(doc: Document, segments: Sequence[Segment]) -> tuple[str, bool]:
    """The transcript text and whether it is the real one.

    Unknown text: spaces (as long as `textLength`, else up to the last segment end),
    with every segment text placed where it fits and agrees with what is there.
    """
    if doc.text is not None:
        return doc.text, True
    ends = [s.end for s in segments if s.end is not None]
    length = doc.text_length if doc.text_length is not None else max(ends, default=0)
    length = max(length, max(ends, default=0))
    chars = [" "] * length
    placed = [False] * length
    for seg in segments:
        if seg.text is None or seg.start is None or seg.end is None:
            continue
        if seg.end - seg.start != len(seg.text) or seg.start < 0:
            continue
        span = range(seg.start, seg.end)
        if any(placed[j] and chars[j] != seg.text[j - seg.start] for j in span):
            continue
        for j in span:
            chars[j] = seg.text[j - seg.start]
            placed[j] = True
    return "".join(chars), False


def _positions(seg: Segment, doc: Document, text: str, known: bool) -> tuple[int, int]:
    if seg.start is not None and seg.end is not None:
        start, end = seg.start, seg.end
    elif seg.start_paragraph is not None and known:
        start, end = _paragraph_span(text, seg.start_paragraph,
                                     seg.end_paragraph or seg.start_paragraph)
    else:
        why = ("only paragraph numbers (MAXQDA Begin/End) and the transcript text is unknown"
               if seg.start_paragraph is not None else "no character positions")
        raise CryontoError(f"segment {seg.id!r} in {doc.name!r} has {why}; a REFI-QDA project "
                           "needs character positions (export csv or turtle instead)")
    if not 0 <= start <= end <= len(text):
        raise CryontoError(f"segment {seg.id!r} in {doc.name!r}: positions {start}-{end} lie "
                           f"outside the transcript (length {len(text)})")
    return start, end


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
        segments=len(root.findall(f".//{_Q}PlainTextSelection")),
        codings=len(root.findall(f".//{_Q}PlainTextSelection/{_Q}Coding")),
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
