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
* descriptions (QDC `<Description>`, the xlsx memo, the Markdown entry) follow
  Mayring's codebook: "Definition:", "Anchor example:" and "Coding rule:"
  sections from `skos:definition`, `skos:example` and `skos:scopeNote`; a
  section the ontology has nothing for is left out, never filled in;
* xlsx: the first sheet is exactly the table MAXQDA's "Import codes and code
  memos from an Excel table" reads (a "Code" column with subcodes separated by
  a backslash, a "Memo" column); the full table is the "Categories" sheet;
* files are written with ordinary permissions (0666 less the umask): a
  codebook holds no clinical material;
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
from cryonto.atomic import SHARED_MODE, write_bytes, write_text
from cryonto.category import CategorySystem
from cryonto.coded.description import compose, one_line
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


def _ontology_store(sources: Sequence[Path | str]):
    from cryonto.rdf import GraphStore

    store = GraphStore()
    for source in sources:
        if str(source).endswith((".ttl", ".rdf", ".owl", ".nt", ".jsonld")):
            store.load_file(source)  # a parser error is one line naming the file
    return store


def ontology_rights(sources: Sequence[Path | str], store=None) -> Rights | None:
    """`dcterms:license` and English `dcterms:rights` of the owl:Ontology in the files."""
    from cryonto import resources

    store = store if store is not None else _ontology_store(sources)
    for row in store.select(resources.sparql("writers/ontology-rights")).dicts():
        return Rights(str(row["license"]), str(row["rights"]) if row["rights"] else None)
    return None


def scope_notes(store, lang: str = "en") -> dict[str, tuple[str, ...]]:
    """Concept IRI -> its `skos:scopeNote`s in `lang`, else English or untagged ones."""
    from cryonto import resources

    by_lang: dict[str, dict[str, list[str]]] = {}
    for row in store.select(resources.sparql("writers/scope-notes")).dicts():
        notes = by_lang.setdefault(str(row["concept"]), {})
        notes.setdefault(str(row["lang"] or ""), []).append(str(row["note"]))
    chosen = {}
    for iri, notes in by_lang.items():
        picked = notes.get(lang) or notes.get("en", []) + notes.get("", [])
        if picked:
            chosen[iri] = tuple(picked)
    return chosen


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
    #: the concept's `skos:scopeNote`s: the "Coding rule" section (none: no section)
    coding_rules: tuple[str, ...] = ()

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
    store = _ontology_store(system.sources)
    entries.rights = ontology_rights(system.sources, store)
    rules = scope_notes(store, lang)
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
            guid=stable_guid(concept.iri), coding_rules=rules.get(concept.iri, ()),
        ))
        for child in node.children:
            visit(child, concept.iri)

    for root in system.tree():
        visit(root, None)
    if not entries:
        raise CryontoError("the category system has no concepts")
    return entries


# -- formats -----------------------------------------------------------------------

def description(entry: CodebookEntry, lang: str = "en") -> str:
    """Definition, anchor examples and coding rules as labelled paragraphs (Mayring's codebook).

    Each example and each rule is its own paragraph under its own label, so a tool
    that shows the text plainly still shows which is which; what the ontology does
    not say is left out (a category without a scope note has no "Coding rule").
    """
    return compose(entry.definition, entry.examples, entry.coding_rules, lang)


def qdc_bytes(entries: Sequence[CodebookEntry], lang: str = "en") -> bytes:
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
        text = description(entry, lang)
        if text:
            ET.SubElement(node, q + "Description").text = text
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


#: the header MAXQDA's "Import codes and code memos from an Excel table" looks for, and the
#: separator of a subcode path in its "Code" column (MAXQDA 2022 also takes ">")
MAXQDA_HEADER = ("Code", "Memo")
MAXQDA_SEPARATOR = "\\"
#: MAXQDA shortens every code name in the path to this many characters
MAXQDA_NAME_LIMIT = 63


def maxqda_rows(entries: Sequence[CodebookEntry], lang: str = "en") -> list[tuple[str, str]]:
    """(code path, memo) per entry: the rows of MAXQDA's code-system import table."""
    by_iri = {e.iri: e for e in entries}
    path_of: dict[str, str] = {}
    rows = []
    for entry in entries:
        for mark in (MAXQDA_SEPARATOR, ">"):
            if mark in entry.name:
                raise CryontoError(f"code {entry.name!r}: MAXQDA reads {mark!r} in a code name "
                                   "as the subcode separator; export this codebook as qdc")
        parent = by_iri.get(entry.parent or "")
        path = entry.name if parent is None else \
            f"{path_of[parent.iri]}{MAXQDA_SEPARATOR}{entry.name}"
        path_of[entry.iri] = path
        rows.append((path, description(entry, lang)))
    return rows


def xlsx_bytes(entries: Sequence[CodebookEntry], lang: str = "en") -> bytes:
    """Sheet "Codebook": MAXQDA's import table; "Categories": every column; "Licence"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from cryonto.writers.cells import append_xlsx_row

    wb = Workbook()
    ws = wb.active
    ws.title = "Codebook"
    append_xlsx_row(ws, list(MAXQDA_HEADER))
    for code, memo in maxqda_rows(entries, lang):
        append_xlsx_row(ws, [code, memo])  # strings stay strings, never formulas
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "A2"

    table = wb.create_sheet("Categories")
    append_xlsx_row(table, list(CSV_COLUMNS))
    for sheet in (ws, table):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    by_iri = {e.iri: e for e in entries}
    for entry, row in zip(entries, _rows(entries, by_iri), strict=True):
        append_xlsx_row(table, row)
        line = table.max_row
        table.cell(line, 2).font = Font(bold=not entry.codable)
        table.cell(line, 4).alignment = Alignment(wrap_text=True, vertical="top")
        table.cell(line, 10).fill = PatternFill("solid", fgColor=entry.color.lstrip("#"))
    widths = {"A": 10, "B": 48, "C": 10, "D": 80, "E": 44, "F": 38, "G": 40, "H": 7, "I": 9,
              "J": 10}
    for column, width in widths.items():
        table.column_dimensions[column].width = width
    table.freeze_panes = "A2"
    table.auto_filter.ref = table.dimensions
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
           "Example", "Coding rule"),
    "de": ("Kategoriensystem: Arbeitsmodelle von Therapeut:innen zum Weinen von Patient:innen",
           "Gutjahr, Marten & Benecke; Kategoriensystem doi:10.17605/OSF.IO/ZEK23. "
           "Deutsche Bezeichnungen sind eine Übersetzung dieses Projekts; Definitionen ohne "
           "deutsche Fassung stehen auf Englisch.",
           "Beispiel", "Kodierregel"),
}


def markdown_text(entries: Sequence[CodebookEntry], lang: str = "en") -> str:
    title, intro, example_word, rule_word = _MD_TITLES.get(lang, _MD_TITLES["en"])
    lines = [f"# {title}", "", intro, ""]
    rights = _rights(entries)
    if rights:
        lines += [f"*{one_line(rights.text())}*", ""]
    for e in entries:
        indent = "  " * (e.level - 1)
        grouping = not e.codable or not e.notation
        name = f"**{e.name}**" if grouping else f"**{e.notation}** {e.label}"
        text = f"{indent}- {name}"
        if e.definition:
            text += f": {one_line(e.definition)}"
        lines.append(text)
        for example in e.examples:
            lines.append(f"{indent}  > *{example_word}:* {one_line(example)}")
        for rule in e.coding_rules:
            lines.append(f"{indent}  *{rule_word}:* {one_line(rule)}")
    return "\n".join(lines) + "\n"


def _rights(entries: Sequence[CodebookEntry]) -> Rights | None:
    return getattr(entries, "rights", None)


# -- writing -----------------------------------------------------------------------


def write_codebook(entries: Sequence[CodebookEntry], path: Path | str, fmt: str,
                   lang: str = "en") -> int:
    """Write the codebook atomically; returns the number of codes in the written content.

    A codebook holds no clinical material and is meant to be shared, so it gets the
    permissions any new file gets (0666 less the umask), not the owner-only 0600 of
    coded data.
    """
    if fmt == "qdc":
        data = qdc_bytes(entries, lang)
        written = _count_qdc(data)
        _check(written, len(entries))
        write_bytes(path, data, mode=SHARED_MODE)
    elif fmt == "csv":
        text = csv_text(entries)
        written = len(list(csv.DictReader(io.StringIO(text))))
        _check(written, len(entries))
        write_text(path, text, mode=SHARED_MODE)
    elif fmt == "xlsx":
        data = xlsx_bytes(entries, lang)
        written = _count_xlsx(data)
        _check(written, len(entries))
        write_bytes(path, data, mode=SHARED_MODE)
    elif fmt == "md":
        text = markdown_text(entries, lang)
        written = sum(1 for line in text.splitlines() if line.lstrip().startswith("- **"))
        _check(written, len(entries))
        write_text(path, text, mode=SHARED_MODE)
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


__all__ = ["CSV_COLUMNS", "FORMATS", "LANGS", "MAXQDA_HEADER", "MAXQDA_SEPARATOR",
           "Codebook", "CodebookEntry", "Rights", "codebook_entries", "csv_text", "description",
           "markdown_text", "maxqda_rows", "ontology_rights", "qdc_bytes", "scope_notes",
           "write_codebook", "xlsx_bytes"]
