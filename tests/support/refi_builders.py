"""Build REFI-QDA projects the way each tool writes them, for tests.

A test gives texts and selections in code points (what the coder selected);
the builder writes the positions in the unit the tool counts (NVivo: UTF-16
code units) and in the tool's layout (NOTICE.md): NVivo Windows writes
``Sources/``, a UTF-8 BOM and CRLF, one Coding per selection and a Coding
creatingUser other than the selection's; MAXQDA and QualCoder ``sources/``;
ATLAS.ti names the inner XML after the project and the quote as ``name``.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "urn:QDA-XML:project:1.0"

LAYOUTS = {
    # origin, sources folder, xml name, BOM, unit, quote as name
    "nvivo": ("NVivo 14 (Windows)", "Sources", "project.qde", True, "utf16", False),
    "nvivo-mac": ("NVivo for Mac 14", "sources", "project.qde", True, "utf16", False),
    "maxqda": ("MAXQDA 2022", "sources", "project.qde", False, "codepoints", False),
    "atlasti": ("ATLAS.ti 26", "Sources", "Trial.qde", False, "codepoints", True),
    "qualcoder": ("QualCoder 3.7", "sources", "project.qde", False, "codepoints", False),
}


def guid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "test:" + seed)).upper()


def utf16_offset(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


@dataclass
class Sel:
    doc: int
    start: int  # code points
    end: int
    codes: list[str]
    user: str = "ana"  # selection creatingUser
    coding_user: str | None = None  # Coding creatingUser (None: same as user)


@dataclass
class Project:
    layout: str
    texts: list[str]
    codes: list[str]
    selections: list[Sel]
    users: tuple[str, ...] = ("ana", "ben")
    origin: str | None = None  # overrides the layout's origin ("" for none)
    unit: str | None = None  # overrides the layout's unit
    names: dict[int, str] = field(default_factory=dict)  # selection index -> name attribute

    def positions(self, text: str, sel: Sel) -> tuple[int, int]:
        unit = self.unit or LAYOUTS[self.layout][4]
        if unit == "utf16":
            return utf16_offset(text, sel.start), utf16_offset(text, sel.end)
        return sel.start, sel.end

    def xml(self) -> str:
        origin, _, _, _, _, quote_name = LAYOUTS[self.layout]
        origin = origin if self.origin is None else self.origin
        out = ['<?xml version="1.0" encoding="utf-8"?>',
               f'<Project xmlns="{NS}" name="test"'
               + (f" origin={quoteattr(origin)}" if origin else "") + ">", "<Users>"]
        out += [f'<User guid="{guid("user" + u)}" name="{u}"/>' for u in self.users]
        out += ["</Users>", "<CodeBook><Codes>"]
        out += [f'<Code guid="{guid("code" + c)}" name={quoteattr(c)} isCodable="true"/>'
                for c in self.codes]
        out += ["</Codes></CodeBook>", "<Sources>"]
        for d, text in enumerate(self.texts):
            out.append(f'<TextSource guid="{guid(f"doc{d}")}" name="doc{d}" '
                       f'plainTextPath="internal://{guid(f"doc{d}")}.txt">')
            for i, sel in enumerate(self.selections):
                if sel.doc != d:
                    continue
                start, end = self.positions(text, sel)
                name = self.names.get(i, text[sel.start:sel.end] if quote_name else None)
                attrs = (f'guid="{guid(f"sel{i}")}" startPosition="{start}" '
                         f'endPosition="{end}" creatingUser="{guid("user" + sel.user)}"')
                if name is not None:
                    attrs += f" name={quoteattr(name)}"
                out.append(f"<PlainTextSelection {attrs}>")
                for code in sel.codes:
                    who = sel.coding_user or sel.user
                    out.append(f'<Coding guid="{guid(f"coding{i}{code}")}" '
                               f'creatingUser="{guid("user" + who)}">'
                               f'<CodeRef targetGUID="{guid("code" + code)}"/></Coding>')
                out.append("</PlainTextSelection>")
            out.append("</TextSource>")
        out += ["</Sources>", "</Project>"]
        return "\n".join(out)

    def write(self, path: Path) -> Path:
        _, folder, xml_name, bom, _, _ = LAYOUTS[self.layout]
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(xml_name, self.xml().encode("utf-8"))
            for d, text in enumerate(self.texts):
                data = text.encode("utf-8")
                zf.writestr(f"{folder}/{guid(f'doc{d}')}.txt",
                            (b"\xef\xbb\xbf" if bom else b"") + data)
        return path
