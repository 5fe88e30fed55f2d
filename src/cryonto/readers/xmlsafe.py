"""Hardened input: XML without DOCTYPE or entities, and zip archives that cannot bomb.

Every XML a reader parses goes through `parse_xml` (defusedxml: a DOCTYPE, any
entity declaration or external reference is refused, which stops XXE and
"billion laughs"), and every zip through `SafeZip`: member names with ``..``,
absolute paths or drive letters are refused up front, and each member read is
checked against its declared size, the compression ratio and a total budget,
while the bytes actually inflated are counted too (a lying header cannot slip
through). Errors are `CryontoError`s naming the file, member, line and element.

RDF/XML is parsed by pyoxigraph, which expands internal entities; before it
sees a file, `refuse_xml_entities` reads the prolog (only up to the root
element, with expat through defusedxml, expanding nothing) and refuses any
entity declaration.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.sax
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET
from defusedxml.expatreader import DefusedExpatParser

from cryonto.errors import CryontoError

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class ZipLimits:
    """What reading a zip may cost."""

    #: total bytes inflated from one archive (all members read together)
    max_total: int = 2 * GIB
    #: inflated/compressed ratio above which a member counts as a bomb ...
    max_ratio: float = 100.0
    #: ... once it inflates to more than this many bytes (tiny members compress oddly)
    ratio_floor: int = 1 * MIB


# -- XML -----------------------------------------------------------------------------
def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def describe(element: Element) -> str:
    """'element <PlainTextSelection guid=…>' for error messages."""
    guid = element.get("guid")
    name = local(element.tag)
    return f"element <{name} guid={guid}>" if guid else f"element <{name}>"


def parse_xml(data: bytes, file: str) -> Element:
    """Parse XML safely; tags keep their namespace. Errors name the file, line and element."""
    stack: list[Element] = []
    root: Element | None = None
    try:
        for event, element in DET.iterparse(io.BytesIO(data), events=("start", "end"),
                                            forbid_dtd=True, forbid_entities=True,
                                            forbid_external=True):
            if event == "start":
                if root is None:
                    root = element
                stack.append(element)
            else:
                stack.pop()
    except defusedxml.DTDForbidden:
        raise CryontoError("refused: the XML has a DOCTYPE (entity and external-reference "
                           "attacks are not parsed)", file) from None
    except defusedxml.EntitiesForbidden:
        raise CryontoError("refused: the XML declares entities (not parsed)", file) from None
    except defusedxml.ExternalReferenceForbidden:
        raise CryontoError("refused: the XML references external resources", file) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(error))
        inside = f" inside {describe(stack[-1])}" if stack else ""
        hint = ("; is the file in the encoding its XML declaration names (UTF-8 if none)?"
                if "invalid token" in reason else "")
        raise CryontoError(f"malformed XML ({reason}, column {column}){inside}{hint}", file,
                           f"line {line}") from None
    except (ValueError, LookupError) as error:  # e.g. an unknown declared encoding
        raise CryontoError(f"cannot parse XML: {error}", file) from None
    if root is None:
        raise CryontoError("empty XML document", file)
    return root


class _RootReached(Exception):
    """The prolog is over: the root element started."""


class _StopAtRoot(xml.sax.handler.ContentHandler):
    def startElement(self, name: str, attrs: object) -> None:  # the SAX API name
        raise _RootReached


_ENTITY_REFUSED = ("refused: the RDF/XML declares entities in its DOCTYPE (their expansion can "
                   "exhaust memory, the 'billion laughs' attack); remove the DOCTYPE or convert "
                   "the file to Turtle")
_EXTERNAL_REFUSED = ("refused: the RDF/XML's DOCTYPE names an external DTD (never fetched); "
                     "remove the DOCTYPE")


def _keyword(word: bytes) -> re.Pattern[bytes]:
    """``<!WORD`` in any letter case, in UTF-8 or UTF-16 (a NUL beside each character)."""
    letters = rb"\x00?".join(b"[" + bytes([c]).upper() + bytes([c]).lower() + b"]"
                             for c in word)
    return re.compile(rb"<\x00?!\x00?(?:\s\x00?)*" + letters)


#: what the RDF parser takes for a declaration: it also honours one inside a DOCTYPE comment
_ENTITY_DECL = _keyword(b"entity")
_DOCTYPE = _keyword(b"doctype")


def _expat_scan(chunks: Iterable[bytes], seen: bytearray) -> str:
    """'entities', 'external', 'clean' (root reached, nothing declared) or 'unreadable'.

    Every byte fed is appended to `seen`, so a caller can retry or scan them.
    Expat 2.5 rescans an unfinished token (a long comment) on every feed, so
    feeds grow with what was fed: O(n log n), not O(n^2), for a huge prolog.
    """
    parser = DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(_StopAtRoot())
    start = len(seen)
    pending = bytearray()
    fed = 0
    try:
        for chunk in chunks:
            seen += chunk
            pending += chunk
            if len(pending) >= max(1 << 16, fed):
                parser.feed(bytes(pending))
                fed += len(pending)
                pending.clear()
        parser.feed(bytes(pending))
        parser.close()
    except _RootReached:
        end = start + parser._parser.CurrentByteIndex  # where the root element starts
        prolog = bytes(seen[start:end])
        return "entities" if _ENTITY_DECL.search(prolog.replace(b"\0", b"")) else "clean"
    except defusedxml.EntitiesForbidden:
        return "entities"
    except defusedxml.ExternalReferenceForbidden:
        return "external"
    except (xml.sax.SAXException, ValueError, LookupError):
        return "unreadable"
    return "clean"  # no root element at all: the RDF parser will say what is wrong


def refuse_xml_entities(chunks: Iterable[bytes], file: str) -> None:
    """Raise `CryontoError` if the XML prolog declares any entity; read no further than the root.

    Two views must both be clean: expat's (via defusedxml: an entity
    declaration event) and the RDF parser's, which is looser: it honours
    ``<!ENTITY`` even inside a comment in the DOCTYPE, and ``<!doctype`` in any
    letter case. So any ``<!ENTITY`` before the root element counts, and a
    prolog expat rejects is read again with those keywords in upper case; if
    expat still cannot read it, any ``<!ENTITY`` anywhere is refused. A
    DOCTYPE without declarations passes (the RDF parser ignores it); one naming
    an external DTD is refused (nothing here fetches it, but other readers
    might).
    """
    stream = iter(chunks)
    seen = bytearray()
    verdict = _expat_scan(stream, seen)
    if verdict == "unreadable":
        for chunk in stream:  # enough of the file to hold any prolog the retry needs
            seen += chunk
            if len(seen) >= 1 << 20:
                break
        fixed = _DOCTYPE.sub(lambda m: m.group().upper(), bytes(seen))
        fixed = _ENTITY_DECL.sub(lambda m: m.group().upper(), fixed)
        if fixed != bytes(seen):
            seen = bytearray()  # the retry records what it reads, for the scan below
            verdict = _expat_scan(itertools.chain([fixed], stream), seen)
    if verdict == "unreadable":
        tail = b""
        for chunk in itertools.chain([bytes(seen)], stream):
            text = tail + chunk.replace(b"\0", b"")
            if _ENTITY_DECL.search(text):
                verdict = "entities"
                break
            tail = text[-16:]
    if verdict == "entities":
        raise CryontoError(_ENTITY_REFUSED, file)
    if verdict == "external":
        raise CryontoError(_EXTERNAL_REFUSED, file)


def file_chunks(path: Path, size: int = 1 << 16) -> Iterable[bytes]:
    """A file's bytes in chunks (so a check can stop early without reading it all)."""
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


# -- zip -----------------------------------------------------------------------------
def is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _unsafe_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


class SafeZip:
    """A zip archive whose members are read under `ZipLimits`."""

    def __init__(self, path: Path | str, limits: ZipLimits | None = None,
                 kind: str = "zip archive") -> None:
        self.path = Path(path)
        self.name = str(path)
        self.limits = limits or ZipLimits()
        self.read_total = 0
        try:
            self.zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise CryontoError("no such file", self.name) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise CryontoError(f"not a {kind}: cannot open it as a zip", self.name) from None
        self.infos = self.zip.infolist()
        for info in self.infos:
            if _unsafe_name(info.filename):
                self.zip.close()
                raise CryontoError("refused: the archive member's path leaves the archive "
                                   "(absolute or with '..')", self.name,
                                   f"member {info.filename!r}")
        self._by_name = {info.filename: info for info in self.infos}

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def names(self) -> list[str]:
        return [i.filename for i in self.infos if not i.is_dir()]

    def find(self, name: str) -> str | None:
        """A member by exact name, else case-insensitively (``Sources/`` vs ``sources/``)."""
        if name in self._by_name:
            return name
        lowered = name.lower()
        for candidate in self._by_name:
            if candidate.lower() == lowered:
                return candidate
        return None

    def check(self, member: str) -> None:
        """Refuse a member whose declared size or ratio is over the limits (before reading)."""
        info = self._by_name[member]
        where = f"member {member!r}"
        if self.read_total + info.file_size > self.limits.max_total:
            raise CryontoError(
                f"refused: inflating would exceed the limit of {self.limits.max_total} bytes "
                f"(declares {info.file_size} bytes); zip bomb?", self.name, where)
        if info.file_size > self.limits.ratio_floor and (
                info.compress_size == 0
                or info.file_size / info.compress_size > self.limits.max_ratio):
            ratio = info.file_size / max(info.compress_size, 1)
            raise CryontoError(
                f"refused: compression ratio {ratio:.0f}:1 is over {self.limits.max_ratio:.0f}:1;"
                " zip bomb?", self.name, where)

    def check_all(self) -> None:
        """Declared sizes and ratios of every member (for archives another library reads)."""
        total = 0
        for info in self.infos:
            self.check(info.filename)
            total += info.file_size
            if total > self.limits.max_total:
                raise CryontoError(f"refused: the archive inflates to more than "
                                   f"{self.limits.max_total} bytes; zip bomb?", self.name)

    def read(self, member: str) -> bytes:
        """A member's bytes, counting what is actually inflated against the limits."""
        with self.stream(member) as stream:
            data = b"".join(iter(lambda: stream.read(1 << 20), b""))
        self.read_total += len(data)
        return data

    def stream(self, member: str) -> MemberStream:
        """A member to read piece by piece under the limits (`read`, but not all at once)."""
        return MemberStream(self, member)


class MemberStream:
    """A zip member read as a stream: its declared size and ratio checked before (`SafeZip.check`),
    the bytes actually inflated counted against the archive's remaining budget while reading.

    The budget is what the archive had left when the stream opened; `SafeZip.read_total` is
    left to the caller (`read` adds what it read).
    """

    def __init__(self, archive: SafeZip, member: str) -> None:
        archive.check(member)
        self.archive = archive
        self.info = archive._by_name[member]
        self.where = f"member {member!r}"
        self.limits = archive.limits
        self.budget = self.limits.max_total - archive.read_total
        self.got = 0
        try:
            self.handle = archive.zip.open(self.info)
        except _CORRUPT as error:
            raise self._corrupt(error) from None

    def __enter__(self) -> MemberStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def _corrupt(self, error: Exception) -> CryontoError:
        return CryontoError(f"corrupt archive member: {error}", self.archive.name, self.where)

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self.handle.read(size)
        except _CORRUPT as error:
            raise self._corrupt(error) from None
        self.got += len(chunk)
        if self.got > self.budget or self.got > self.info.file_size:
            raise CryontoError("refused: the member inflates beyond its declared size or the "
                               f"limit of {self.limits.max_total} bytes; zip bomb?",
                               self.archive.name, self.where)
        if (self.got > self.limits.ratio_floor
                and self.got / max(self.info.compress_size, 1) > self.limits.max_ratio):
            raise CryontoError(f"refused: compression ratio over {self.limits.max_ratio:.0f}:1; "
                               "zip bomb?", self.archive.name, self.where)
        return chunk


#: what zipfile and zlib raise for a damaged member
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)
