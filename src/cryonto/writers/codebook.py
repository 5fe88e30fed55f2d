"""The category system as a codebook: REFI-QDA `.qdc`, CSV, XLSX and Markdown.

One list of `CodebookEntry` (the category tree in notation order) feeds every
format, so the four files always agree. Decisions (see docs/export.md):

* name = "notation label" ("A1.1 Protest crying"): MAXQDA, ATLAS.ti and NVivo
  show only the name and sort by it, and the importers resolve that form back
  to the category;
* isCodable is false only for the two domains (A, I): the paper's coders
  assigned main categories such as A3.1 directly, so every other concept stays
  codable, including those with subcategories;
* GUID = uuid5(URL namespace, concept IRI): the same on every run and in every
  language, so a codebook re-imported into a project updates, not duplicates;
* colours: grey for the domains, one colour per main category (Okabe-Ito
  palette, distinguishable with colour-vision deficiencies), inherited by
  its subcategories;
* licence: the ontology's `dcterms:license` and `dcterms:rights` (attribution
  and note of changes) travel with the entries (`Codebook.rights`) into the
  .qdc (XML comment and `origin`), the .xlsx (a "Licence" sheet and the
  document description) and the .md (a paragraph under the title). The
  packaged ontology adapts a CC BY-SA 4.0 article, so its codebooks are too.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryonto._version import __version__
from cryonto.atomic import write_bytes, write_text
from cryonto.category import CategorySystem
from cryonto.errors import CryontoError
from cryonto.writers import CODEBOOK_NS, XML_DECLARATION, stable_guid, validate_xml

FORMATS = ("qdc", "csv", "xlsx", "md")
LANGS = ("en", "de")
CSV_COLUMNS = ("notation", "name", "parent", "definition", "iri", "guid",
               "label", "level", "codable", "color")

DOMAIN_COLORS = ("#666666", "#999999")
#: Okabe-Ito, without black and the hard-to-read yellow first
MAIN_COLORS = ("#D55E00", "#CC79A7", "#E69F00", "#0072B2", "#56B4E9", "#009E73",
               "#F0E442", "#882255", "#44AA99", "#332288")


@dataclass(frozen=True)
class Rights:
    """Licence IRI and attribution text (with the note of changes) of the ontology."""

    license: str
    attribution: str | None = None

    def text(self) -> str:
        parts = [f"Licence: {self.license}"]
        if self.attribution:
            parts.append(self.attribution)
        return " ".join(parts)


class Codebook(list["CodebookEntry"]):
    """The entries of a codebook, with the licence of the ontology they come from."""

    rights: Rights | None = None


def ontology_rights(sources: Sequence[Path | str]) -> Rights | None:
    """`dcterms:license` and English `dcterms:rights` of the owl:Ontology in the files."""
    from cryonto import resources
    from cryonto.rdf import GraphStore

    store = GraphStore()
    for source in sources:
        if str(source).endswith((".ttl", ".rdf", ".owl", ".nt", ".jsonld")):
            store.load_file(source)  # a parser error is one line naming the file
    for row in store.select(resources.sparql("writers/ontology-rights")).dicts():
        return Rights(str(row["license"]), str(row["rights"]) if row["rights"] else None)
    return None


@dataclass(frozen=True)
class CodebookEntry:
    iri: str
    notation: str | None
    label: str
    definition: str | None
    examples: tuple[str, ...]
    parent: str | None  # IRI of the parent entry
    level: int  # 1 = domain
    codable: bool
    color: str
    guid: str

    @property
    def name(self) -> str:
        return f"{self.notation} {self.label}" if self.notation else self.label


def codebook_entries(system: CategorySystem, lang: str = "en") -> Codebook:
    """The category tree, depth first in notation order, each concept once.

    A concept with two broader concepts (none in the paper) is listed under the
    first only: a REFI codebook is a strict tree and GUIDs must be unique.
    """
    if lang not in LANGS:
        raise CryontoError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    entries = Codebook()
    entries.rights = ontology_rights(system.sources)
    seen: set[str] = set()
    main_index = 0
    domain_index = 0
    color_of: dict[str, str] = {}

    def visit(node, parent: str | None) -> None:
        nonlocal main_index, domain_index
        concept = node.concept
        if concept.iri in seen:
            return
        seen.add(concept.iri)
        if node.level == 1:
            color = DOMAIN_COLORS[domain_index % len(DOMAIN_COLORS)]
            domain_index += 1
        elif node.level == 2:
            color = MAIN_COLORS[main_index % len(MAIN_COLORS)]
            main_index += 1
        else:
            color = color_of.get(parent or "", MAIN_COLORS[0])
        color_of[concept.iri] = color
        entries.append(CodebookEntry(
            iri=concept.iri, notation=concept.notation, label=concept.label(lang),
            definition=concept.definition_in(lang), examples=tuple(concept.examples),
            parent=parent, level=node.level, codable=node.level > 1, color=color,
            guid=stable_guid(concept.iri),
        ))
        for child in node.children:
            visit(child, concept.iri)

    for root in system.tree():
        visit(root, None)
    if not entries:
        raise CryontoError("the category system has no concepts")
    return entries


# -- formats -----------------------------------------------------------------------


def qdc_bytes(entries: Sequence[CodebookEntry]) -> bytes:
    """A REFI-QDA codebook (urn:QDA-XML:codebook:1.0), validated against Codebook.xsd."""
    ET.register_namespace("", CODEBOOK_NS)
    q = f"{{{CODEBOOK_NS}}}"
    rights = _rights(entries)
    origin = f"cryonto {__version__}" + (f"; licence {rights.license}" if rights else "")
    root = ET.Element(q + "CodeBook", {"origin": origin})
    codes = ET.SubElement(root, q + "Codes")
    element_of: dict[str, ET.Element] = {}
    for entry in entries:
        parent = element_of.get(entry.parent or "", codes)
        node = ET.SubElement(parent, q + "Code", {
            "guid": entry.guid, "name": entry.name,
            "isCodable": "true" if entry.codable else "false", "color": entry.color})
        if entry.definition:
            ET.SubElement(node, q + "Description").text = entry.definition
        element_of[entry.iri] = node
    # a Description must come before the nested Codes: SubElement order above keeps it so
    ET.indent(root, space="  ")
    comment = b""
    if rights:
        safe = rights.text().replace("--", "\u2013")  # "--" may not occur in an XML comment
        comment = f"<!-- {safe} -->\n".encode()
    data = (XML_DECLARATION + comment + ET.tostring(root, encoding="unicode").encode("utf-8")
            + b"\n")
    validate_xml(data, "Codebook.xsd", "codebook")
    return data


def csv_text(entries: Sequence[CodebookEntry]) -> str:
    from cryonto.writers.cells import csv_text as neutralised_csv

    by_iri = {e.iri: e for e in entries}
    return neutralised_csv(CSV_COLUMNS, _rows(entries, by_iri))  # formulas neutralised


def _rows(entries: Sequence[CodebookEntry], by_iri: dict[str, CodebookEntry]) -> list[list]:
    rows = []
    for e in entries:
        parent = by_iri.get(e.parent or "")
        rows.append([e.notation or "", e.name, (parent.notation or parent.name) if parent else "",
                     e.definition or "", e.iri, e.guid, e.label, e.level,
                     "true" if e.codable else "false", e.color])
    return rows


def xlsx_bytes(entries: Sequence[CodebookEntry], lang: str = "en") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from cryonto.writers.cells import append_xlsx_row

    wb = Workbook()
    ws = wb.active
    ws.title = "Codebook"
    append_xlsx_row(ws, list(CSV_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    by_iri = {e.iri: e for e in entries}
    for entry, row in zip(entries, _rows(entries, by_iri), strict=True):
        append_xlsx_row(ws, row)  # strings stay strings, never formulas
        line = ws.max_row
        ws.cell(line, 2).font = Font(bold=not entry.codable)
        ws.cell(line, 4).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(line, 10).fill = PatternFill("solid", fgColor=entry.color.lstrip("#"))
    widths = {"A": 10, "B": 48, "C": 10, "D": 80, "E": 44, "F": 38, "G": 40, "H": 7, "I": 9,
              "J": 10}
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.title = f"cryonto category system ({lang})"
    wb.properties.creator = f"cryonto {__version__}"
    rights = _rights(entries)
    if rights:
        wb.properties.description = rights.text()
        sheet = wb.create_sheet("Licence")
        sheet.append(["licence", rights.license])
        sheet.append(["attribution and changes", rights.attribution or ""])
        sheet.column_dimensions["B"].width = 120
        sheet.cell(2, 2).alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_MD_TITLES = {
    "en": ("Category system: therapists' working models of patient crying",
           "Gutjahr, Marten & Benecke; category system doi:10.17605/OSF.IO/ZEK23. "
           "Bold names group codes (domains); every other category can be coded.",
           "Example"),
    "de": ("Kategoriensystem: Arbeitsmodelle von Therapeut:innen zum Weinen von Patient:innen",
           "Gutjahr, Marten & Benecke; Kategoriensystem doi:10.17605/OSF.IO/ZEK23. "
           "Deutsche Bezeichnungen sind eine Übersetzung dieses Projekts; Definitionen ohne "
           "deutsche Fassung stehen auf Englisch.",
           "Beispiel"),
}


def markdown_text(entries: Sequence[CodebookEntry], lang: str = "en") -> str:
    title, intro, example_word = _MD_TITLES.get(lang, _MD_TITLES["en"])
    lines = [f"# {title}", "", intro, ""]
    rights = _rights(entries)
    if rights:
        lines += [f"*{_one_line(rights.text())}*", ""]
    for e in entries:
        indent = "  " * (e.level - 1)
        grouping = not e.codable or not e.notation
        name = f"**{e.name}**" if grouping else f"**{e.notation}** {e.label}"
        text = f"{indent}- {name}"
        if e.definition:
            text += f": {_one_line(e.definition)}"
        lines.append(text)
        for example in e.examples:
            lines.append(f"{indent}  > *{example_word}:* {_one_line(example)}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _rights(entries: Sequence[CodebookEntry]) -> Rights | None:
    return getattr(entries, "rights", None)


# -- writing -----------------------------------------------------------------------


def write_codebook(entries: Sequence[CodebookEntry], path: Path | str, fmt: str,
                   lang: str = "en") -> int:
    """Write the codebook atomically; returns the number of codes in the written content."""
    if fmt == "qdc":
        data = qdc_bytes(entries)
        written = _count_qdc(data)
        _check(written, len(entries))
        write_bytes(path, data)
    elif fmt == "csv":
        text = csv_text(entries)
        written = len(list(csv.DictReader(io.StringIO(text))))
        _check(written, len(entries))
        write_text(path, text)
    elif fmt == "xlsx":
        data = xlsx_bytes(entries, lang)
        written = _count_xlsx(data)
        _check(written, len(entries))
        write_bytes(path, data)
    elif fmt == "md":
        text = markdown_text(entries, lang)
        written = sum(1 for line in text.splitlines() if line.lstrip().startswith("- **"))
        _check(written, len(entries))
        write_text(path, text)
    else:
        raise CryontoError(f"unknown codebook format {fmt!r}; expected one of "
                           f"{', '.join(FORMATS)}")
    return written


def _check(written: int, expected: int) -> None:
    if written != expected:
        raise CryontoError(f"codebook would hold {written} codes, expected {expected}; "
                           "nothing written")


def _count_qdc(data: bytes) -> int:
    root = ET.fromstring(data)
    return len(root.findall(f".//{{{CODEBOOK_NS}}}Code"))


def _count_xlsx(data: bytes) -> int:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if any(row))


__all__ = ["CSV_COLUMNS", "FORMATS", "LANGS", "Codebook", "CodebookEntry", "Rights",
           "codebook_entries", "csv_text", "markdown_text", "ontology_rights", "qdc_bytes",
           "write_codebook", "xlsx_bytes"]
