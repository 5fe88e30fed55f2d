"""REFI-QDA sources: documents, their texts, and the selections and codings on them.

The part of the REFI reader that turns one ``<TextSource>`` (or PDF, picture, audio,
video source) into a `Document` and its selections (`_Sel`), with who made and who
coded each; `cryonto.readers.refi` reads the project around them and assembles segments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from cryonto.coded import CodedDataset, Coder, Document
from cryonto.errors import CryontoError
from cryonto.readers.common import (
    Categories,
    check_text_size,
    decode_utf8,
    iso_datetime,
)
from cryonto.readers.xmlsafe import (
    SafeZip,
    describe,
)

MEDIA_SELECTIONS = {
    "PDFSelection": "PDF",
    "PictureSelection": "picture",
    "AudioSelection": "audio",
    "VideoSelection": "video",
    "TranscriptSelection": "transcript",
}


@dataclass
class _Sel:
    """A selection (or a whole-source coding) as read, before merging."""

    guid: str
    kind: str  # element name, or "Coding" for a coding of a whole source
    document: str
    element: str  # describe() text, for messages and cry:sourceLocator
    codes: list[str] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    text: str | None = None
    coder: str | None = None  # the chosen coder (see _choose_coders)
    created: str | None = None
    memo: str | None = None
    selected_by: str | None = None  # the selection's creatingUser
    coding_users: list[str | None] = field(default_factory=list)  # per code, its Coding's user
    raw: tuple[int, int] | None = None  # positions as written, in the project's unit
    source: str | None = None  # the plain text the positions point into
    name: str | None = None  # the selection's name attribute (ATLAS.ti: the quote)
    primary: bool = True


class SourceReader:
    """Reading sources and their selections; state lives on the project reader."""

    # set by the project reader
    file: str
    xml_name: str
    archive: SafeZip | None
    texts: dict[str, str | None]
    missing_text: list[str]
    notes: list[str]
    positions: str | None
    coder_from: str
    categories: Categories
    ds: CodedDataset
    code_guids: dict[str, str]
    codings_seen: int
    in_representation: int
    undeclared_users: set[str]

    def _attr(self, element: Element, name: str) -> str:
        value = element.get(name)
        if value is None or not value.strip():
            raise CryontoError(f"missing required attribute {name!r}", self.xml_name,
                               describe(element))
        return value.strip()

    # -- sources and selections ---------------------------------------------------
    def _document(self, source: Element) -> Document:
        guid = self._attr(source, "guid")
        if guid in self.ds.documents:
            raise CryontoError("a second source with the same guid", self.xml_name,
                               describe(source))
        text: str | None = None
        path = source.get("plainTextPath") or source.get("path")
        if source.tag == "TextSource":
            text = self._container_text(source)
        elif source.tag == "PDFSource":
            rep = source.find("Representation")
            if rep is not None:
                text = self._container_text(rep)
        doc = Document(key=guid, name=(source.get("name") or "").strip() or guid, guid=guid,
                       path=path, text=text, text_length=len(text) if text is not None else None)
        self.ds.documents[guid] = doc
        return doc

    def _container_text(self, element: Element) -> str | None:
        """The plain text of a TextSource/Representation: inline content or the zip member."""
        inline = element.find("PlainTextContent")
        if inline is not None:
            check_text_size(inline.text, self.xml_name, describe(inline), "the transcript")
            return _strip_bom(inline.text or "")
        path = element.get("plainTextPath")
        if not path:
            return None
        if path in self.texts:
            return self.texts[path]
        text: str | None = None
        if path.startswith("internal://") and self.archive is not None:
            name = path[len("internal://"):]
            member = self.archive.find(f"sources/{name}")
            if member is None:
                self.missing_text.append(path)
            else:
                data = self.archive.read(member)
                text, _ = decode_utf8(data, f"{self.file}!{member}")
                check_text_size(text, self.file, f"member {member!r}", "the transcript")
        elif self.archive is not None:
            self.missing_text.append(path)
        self.texts[path] = text
        return text

    def _source_selections(self, source: Element, doc: Document,
                           kinds: Counter[str]) -> list[_Sel]:
        out: list[_Sel] = []
        for child in source:
            tag = child.tag
            if tag == "PlainTextSelection":
                kinds[tag] += 1
                out.append(self._text_selection(child, doc, doc.text, primary=True))
            elif tag in MEDIA_SELECTIONS:
                kinds[tag] += 1
                out.append(self._media_selection(child, doc))
            elif tag == "Coding":
                kinds["Coding of a whole source"] += 1
                out.append(self._whole_source(child, doc))
            elif tag in ("Representation", "TextDescription"):
                primary = tag == "Representation" and source.tag == "PDFSource"
                text = self._container_text(child)
                for inner in child:
                    if inner.tag == "PlainTextSelection":
                        kinds["PlainTextSelection"] += 1
                        self.in_representation += 1
                        out.append(self._text_selection(inner, doc, text, primary=primary))
                    elif inner.tag == "Coding":
                        kinds["Coding of a whole source"] += 1
                        out.append(self._whole_source(inner, doc))
            elif tag == "Transcript":
                for inner in child:
                    if inner.tag == "TranscriptSelection":
                        kinds[inner.tag] += 1
                        out.append(self._media_selection(inner, doc))
        return out

    def _stamp(self, sel: _Sel, element: Element) -> None:
        """Who made a selection or coding, and when (creatingUser, creationDateTime)."""
        created = element.get("creationDateTime")
        if created:
            try:
                sel.created = iso_datetime(created)
            except ValueError:
                raise CryontoError(f"creationDateTime {created!r} is not an xsd:dateTime",
                                   self.xml_name, describe(element)) from None
        sel.coder = self._user(element.get("creatingUser"))

    def _base(self, element: Element, doc: Document, kind: str) -> _Sel:
        guid = self._attr(element, "guid")
        sel = _Sel(guid=guid, kind=kind, document=doc.key, element=describe(element),
                   memo=_child_text(element, "Description"))
        self._stamp(sel, element)
        sel.selected_by = sel.coder
        for coding in element.findall("Coding"):
            sel.codes.append(self._coding(coding))
            sel.coding_users.append(self._user(coding.get("creatingUser")))
        return sel

    def _user(self, guid: str | None) -> str | None:
        if not guid or not guid.strip():
            return None
        guid = guid.strip()
        if guid not in self.ds.coders:
            self.undeclared_users.add(guid)
            self.ds.coders[guid] = Coder(key=guid, name=guid, guid=guid)
        return guid

    def _coding(self, coding: Element) -> str:
        self.codings_seen += 1
        self._attr(coding, "guid")
        ref = coding.find("CodeRef")
        if ref is None:
            raise CryontoError("Coding without a CodeRef", self.xml_name, describe(coding))
        target = ref.get("targetGUID")
        if not target:
            raise CryontoError("CodeRef without targetGUID", self.xml_name, describe(coding))
        key = self.code_guids.get(target.strip())
        if key is None:
            raise CryontoError(f"CodeRef names code {target} which is not in the CodeBook",
                               self.xml_name, describe(coding))
        return key

    def _text_selection(self, element: Element, doc: Document, text: str | None,
                        primary: bool) -> _Sel:
        sel = self._base(element, doc, element.tag)
        start = self._int_attr(element, "startPosition")
        end = self._int_attr(element, "endPosition")
        if start < 0:
            raise CryontoError(f"startPosition {start} is negative", self.xml_name,
                               describe(element))
        if start >= end:
            raise CryontoError(f"startPosition {start} is not before endPosition {end}",
                               self.xml_name, describe(element))
        # converted to code points and cut from the text once the unit is known
        sel.raw, sel.source, sel.primary = (start, end), text, primary
        sel.name = element.get("name")
        return sel

    def _media_selection(self, element: Element, doc: Document) -> _Sel:
        sel = self._base(element, doc, element.tag)
        content = element.find("Representation/PlainTextContent")
        if content is not None and content.text:
            sel.text = content.text
        return sel

    def _whole_source(self, coding: Element, doc: Document) -> _Sel:
        sel = _Sel(guid=self._attr(coding, "guid"), kind="Coding", document=doc.key,
                   element=describe(coding))
        self._stamp(sel, coding)
        sel.codes.append(self._coding(coding))
        sel.coding_users.append(sel.coder)
        return sel

    def _int_attr(self, element: Element, name: str) -> int:
        value = self._attr(element, name)
        try:
            return int(value)
        except ValueError:
            raise CryontoError(f"{name} {value!r} is not an integer", self.xml_name,
                               describe(element)) from None

    # -- merging and building segments ------------------------------------------------


def _child_text(element: Element, tag: str) -> str | None:
    child = element.find(tag)
    if child is None or child.text is None or not child.text.strip():
        return None
    return child.text.strip()


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _short_color(text: str) -> str | None:
    value = text.strip().lstrip("#")
    if len(value) == 3 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "#" + "".join(c * 2 for c in value).lower()
    return None
