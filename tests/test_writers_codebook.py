"""The category system as a codebook: REFI .qdc (XSD-valid), CSV, XLSX, Markdown."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from support.paths import SHARED

from cryonto.category import load_category_system
from cryonto.errors import CryontoError
from cryonto.exporting import export_codebook
from cryonto.writers import SCHEMA_DIR, stable_guid, validate_xml
from cryonto.writers.codebook import (
    CSV_COLUMNS,
    CodebookEntry,
    codebook_entries,
    write_codebook,
)

REFERENCE = SHARED / "reference/refi-qda"
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "ontology" / "mini-crying.ttl"
NS = {"q": "urn:QDA-XML:codebook:1.0"}


def _schema(name: str) -> xmlschema.XMLSchema:
    """The reference schema when present (so tests do not trust our own copy), else ours,
    which `test_packaged_schemas_are_the_reference_ones` holds to be the same bytes."""
    path = REFERENCE / name if (REFERENCE / name).is_file() else SCHEMA_DIR / name
    return xmlschema.XMLSchema(str(path))


def _codes(path: Path) -> list[ET.Element]:
    return ET.parse(path).getroot().findall(".//q:Code", NS)


def test_packaged_schemas_are_the_reference_ones(shared):
    """Our copies are the reference schemas: so `_schema` may fall back to them."""
    for name in ("Codebook.xsd", "Project.xsd"):
        reference = shared / "reference/refi-qda" / name
        assert reference.is_file(), f"{reference} is missing from the shared folder"
        assert (SCHEMA_DIR / name).read_bytes() == reference.read_bytes()


def test_qdc_is_valid_and_has_33_codes_with_stable_guids(tmp_path):
    first, second = tmp_path / "a.qdc", tmp_path / "b.qdc"
    result = export_codebook(first, "qdc")
    export_codebook(second, "qdc")
    _schema("Codebook.xsd").validate(str(first))
    codes = _codes(first)
    assert len(codes) == 33
    assert result.counts_out.codes == 33 == result.counts_in.codes
    guids = [c.get("guid") for c in codes]
    assert len(set(guids)) == 33
    assert guids == [c.get("guid") for c in _codes(second)]
    assert first.read_bytes() == second.read_bytes()
    # the GUID is uuid5 of the concept IRI, so any tool can recompute it
    system = load_category_system()
    protest = system.find("A1.1")
    by_name = {c.get("name"): c for c in codes}
    assert by_name["A1.1 Protest crying"].get("guid") == str(
        uuid.uuid5(uuid.NAMESPACE_URL, protest.iri)).upper()


def test_qdc_hierarchy_codability_descriptions_and_colours(tmp_path):
    out = tmp_path / "cb.qdc"
    export_codebook(out, "qdc")
    root = ET.parse(out).getroot()
    top = root.findall("q:Codes/q:Code", NS)
    assert [c.get("name") for c in top] == ["A Assumptions", "I Interventions"]
    assert all(c.get("isCodable") == "false" for c in top)
    nested = [c for c in root.findall(".//q:Code", NS) if c not in top]
    assert len(nested) == 31 and all(c.get("isCodable") == "true" for c in nested)
    a1 = next(c for c in top[0].findall("q:Code", NS) if c.get("name").startswith("A1 "))
    assert [c.get("name").split()[0] for c in a1.findall("q:Code", NS)] == [
        "A1.1", "A1.2", "A1.3", "A1.4"]
    # subcategories share their main category's colour; main categories differ
    assert {c.get("color") for c in a1.findall("q:Code", NS)} == {a1.get("color")}
    mains = [c for d in top for c in d.findall("q:Code", NS)]
    assert len(mains) == 6 and len({c.get("color") for c in mains}) == 6
    system = load_category_system()
    protest = a1.find("q:Code", NS)
    assert protest.find("q:Description", NS).text.startswith(
        "Definition: " + system.find("A1.1").definition + "\n\n")


def test_qdc_german_labels_keep_guids(tmp_path):
    en, de = tmp_path / "en.qdc", tmp_path / "de.qdc"
    export_codebook(en, "qdc", "en")
    export_codebook(de, "qdc", "de")
    names = {c.get("guid"): c.get("name") for c in _codes(de)}
    assert "A1.1 Protestweinen" in names.values()
    assert {c.get("guid") for c in _codes(en)} == set(names)


def test_csv_columns_and_rows(tmp_path):
    out = tmp_path / "cb.csv"
    export_codebook(out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 33
    by_notation = {r["notation"]: r for r in rows}
    protest = by_notation["A1.1"]
    assert protest["name"] == "A1.1 Protest crying"
    assert protest["parent"] == "A1"
    assert protest["iri"] == "https://w3id.org/cryonto/ProtestCrying"
    assert protest["guid"] == stable_guid(protest["iri"])
    assert protest["definition"].startswith("Form of crying")
    assert by_notation["A3.2.1"]["parent"] == "A3.2"
    assert by_notation["A"]["parent"] == "" and by_notation["A"]["codable"] == "false"
    assert by_notation["I3.3"]["codable"] == "true"


def test_xlsx_content(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "cb.xlsx"
    result = export_codebook(out)  # format from the suffix
    assert result.counts_out.codes == 33
    wb = load_workbook(out)
    assert wb.sheetnames == ["Codebook", "Categories", "Licence"]
    rows = list(wb["Categories"].iter_rows(values_only=True))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 34
    assert rows[[r[0] for r in rows].index("I2.1")][:3] == ("I2.1", "I2.1 Pause", "I2")


def test_markdown_nested_with_definitions_and_examples(tmp_path):
    out = tmp_path / "cb.md"
    export_codebook(out, "md")
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    assert "- **A Assumptions**: " in text
    protest = next(line for line in lines if "**A1.1** Protest crying" in line)
    assert protest.startswith("    - ")  # level 3: two levels of indentation
    assert "Form of crying" in protest
    after = lines[lines.index(protest) + 1]
    assert after.startswith("      > *Example:* ") and "protesting crying" in after
    assert sum(1 for line in lines if line.lstrip().startswith("- **")) == 33


def test_markdown_german(tmp_path):
    out = tmp_path / "cb.md"
    export_codebook(out, "md", "de")
    text = out.read_text(encoding="utf-8")
    assert "**A1.1** Protestweinen" in text and "*Beispiel:*" in text


def test_custom_ontology_file(tmp_path):
    out = tmp_path / "mini.qdc"
    result = export_codebook(out, "qdc", ontology=MINI)
    assert result.counts_out.codes == 10 == len(_codes(out))


def test_invalid_codebook_is_refused_and_nothing_written(tmp_path):
    entries = codebook_entries(load_category_system(MINI))
    bad = [*entries[:-1], CodebookEntry(**{**entries[-1].__dict__, "color": "red"})]
    out = tmp_path / "bad.qdc"
    with pytest.raises(CryontoError, match=r"not valid against Codebook\.xsd"):
        write_codebook(bad, out, "qdc")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_validate_xml_rejects_wrong_namespace():
    data = b'<CodeBook xmlns="urn:QDA-XML:codebook:0:4"><Codes/></CodeBook>'
    with pytest.raises(CryontoError):
        validate_xml(data, "Codebook.xsd")


def test_unknown_format_and_language(tmp_path):
    entries = codebook_entries(load_category_system(MINI))
    with pytest.raises(CryontoError):
        write_codebook(entries, tmp_path / "x.pdf", "pdf")
    with pytest.raises(CryontoError):
        codebook_entries(load_category_system(MINI), "fr")


# -- licence and attribution (the packaged ontology adapts a CC BY-SA 4.0 article) ----------

BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
ATTRIBUTION_PARTS = ("Gutjahr, F., Marten, T., & Benecke, C.", "Crying in psychotherapy: Catalyst",
                     "10.17605/OSF.IO/ZEK23", "CC BY-SA 4.0", "Changes")


def test_qdc_carries_licence_and_attribution(tmp_path):
    path = tmp_path / "c.qdc"
    export_codebook(path, "qdc")
    text = path.read_text(encoding="utf-8")
    _schema("Codebook.xsd").validate(str(path))
    assert BY_SA in ET.parse(path).getroot().get("origin")
    comment = text.split("<!--", 1)[1].split("-->", 1)[0]
    for part in ATTRIBUTION_PARTS:
        assert part in comment, part


def test_xlsx_carries_licence_and_attribution(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "c.xlsx"
    result = export_codebook(path, "xlsx")
    assert result.counts_out.codes == 33
    wb = load_workbook(path)
    assert wb.active.title == "Codebook"
    sheet = wb["Licence"]
    assert sheet["B1"].value == BY_SA
    for part in ATTRIBUTION_PARTS:
        assert part in sheet["B2"].value, part
    assert BY_SA in wb.properties.description


@pytest.mark.parametrize("lang", ["en", "de"])
def test_markdown_carries_licence_and_attribution(tmp_path, lang):
    path = tmp_path / "c.md"
    export_codebook(path, "md", lang=lang)
    head = path.read_text(encoding="utf-8").split("- **", 1)[0]
    assert BY_SA in head
    for part in ATTRIBUTION_PARTS:
        assert part in head, part


def test_no_licence_claimed_for_an_ontology_without_one(tmp_path):
    bare = tmp_path / "bare.ttl"
    bare.write_text(MINI.read_text(encoding="utf-8").replace(
        "dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;", ""), encoding="utf-8")
    path = tmp_path / "c.md"
    export_codebook(path, "md", ontology=bare)
    assert "Licence" not in path.read_text(encoding="utf-8")


# -- Mayring-style descriptions, MAXQDA's import table, file permissions ----------------------

SKOS = "http://www.w3.org/2004/02/skos/core#"
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "crying.ttl"


def _ontology_texts(prop: str) -> dict[str, list[str]]:
    """Concept IRI -> the English/untagged values of `prop`, read straight from the Turtle."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    found: dict[str, list[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(SKOS + prop), None):
        if isinstance(quad.object, ox.Literal) and quad.object.language in (None, "en"):
            found.setdefault(quad.subject.value, []).append(quad.object.value)
    return found


def _sections(text: str) -> list[tuple[str, str]]:
    return [tuple(part.split(": ", 1)) for part in text.split("\n\n")]


def test_qdc_descriptions_carry_definition_anchor_examples_and_coding_rules(tmp_path):
    out = tmp_path / "cb.qdc"
    export_codebook(out, "qdc")
    _schema("Codebook.xsd").validate(str(out))
    system = load_category_system()
    examples, rules = _ontology_texts("example"), _ontology_texts("scopeNote")
    descriptions = {c.get("guid"): c.find("q:Description", NS) for c in _codes(out)}
    seen_rule = seen_example = seen_bare = 0
    for concept in system.concepts():
        node = descriptions.get(stable_guid(concept.iri))
        if node is None:
            continue
        sections = _sections(node.text)
        assert sections[0] == ("Definition", " ".join(concept.definition.split()))
        got_examples = [t for k, t in sections if k == "Anchor example"]
        got_rules = [t for k, t in sections if k == "Coding rule"]
        assert sorted(got_examples) == sorted(examples.get(concept.iri, []))
        assert sorted(got_rules) == sorted(rules.get(concept.iri, []))  # nothing invented
        assert [k for k, _ in sections] == ["Definition"] + ["Anchor example"] * len(
            got_examples) + ["Coding rule"] * len(got_rules)
        seen_rule += bool(got_rules)
        seen_example += bool(got_examples)
        seen_bare += not got_rules
    assert seen_rule >= 8 and seen_example >= 10 and seen_bare >= 10
    i33 = descriptions[stable_guid(system.find("I3.3").iri)].text
    assert "Coding rule: Does not apply when the patient initiates the distraction" in i33


def test_german_codebook_names_the_sections_in_german(tmp_path):
    out = tmp_path / "de.qdc"
    export_codebook(out, "qdc", "de")
    text = out.read_text(encoding="utf-8")
    assert "Ankerbeispiel: " in text and "Kodierregel: " in text
    assert "Anchor example:" not in text and "Coding rule:" not in text
    md = tmp_path / "de.md"
    export_codebook(md, "md", "de")
    assert "*Kodierregel:* " in md.read_text(encoding="utf-8")


def test_xlsx_first_sheet_is_maxqdas_code_and_memo_table(tmp_path):
    """MAXQDA's "Import codes and code memos from an Excel table" (see docs/export.md)."""
    from openpyxl import load_workbook

    from cryonto.writers.codebook import description

    out = tmp_path / "cb.xlsx"
    export_codebook(out, "xlsx")
    sheet = load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Code", "Memo")
    assert all(len(row) == 2 for row in rows)  # nothing MAXQDA does not read
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 33 == len(set(codes))
    assert codes[0] == "A Assumptions"
    assert "A Assumptions\\A1 Forms of crying\\A1.1 Protest crying" in codes
    assert "I Interventions\\I2 Giving space\\I2.1 Pause" in codes
    for code in codes:  # every parent path is a row of its own, before its children
        if "\\" in code:
            assert code.rsplit("\\", 1)[0] in codes[:codes.index(code)]
    entries = codebook_entries(load_category_system())
    memos = dict(rows[1:])
    by_leaf = {code.rsplit("\\", 1)[-1]: code for code in codes}
    for entry in entries:
        assert memos[by_leaf[entry.name]] == (description(entry) or None)
    stance = memos[by_leaf["A2.1 Therapeutic stance"]]
    assert stance.startswith("Definition: ") and "\n\nAnchor example: " in stance
    assert stance.endswith("Coding rule: This accepting stance forms the basis for further "
                           "interventions.")


def test_xlsx_refuses_a_name_maxqda_would_split(tmp_path):
    entries = codebook_entries(load_category_system(MINI))
    bad = [*entries[:-1], CodebookEntry(**{**entries[-1].__dict__, "label": "this > that"})]
    with pytest.raises(CryontoError, match="subcode separator"):
        write_codebook(bad, tmp_path / "x.xlsx", "xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["qdc", "csv", "xlsx", "md"])
@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640)])
def test_codebook_gets_ordinary_permissions(tmp_path, fmt, umask, expected):
    """A codebook is shared, not clinical: 0666 less the umask, not mkstemp's 0600."""
    import os
    import stat

    from cryonto.atomic import write_bytes

    old = os.umask(umask)
    try:
        out = tmp_path / f"cb.{fmt}"
        export_codebook(out, fmt, ontology=MINI)
        clinical = tmp_path / "segments.csv"
        write_bytes(clinical, b"text\n")  # what coded data gets: owner only
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == expected
    assert stat.S_IMODE(clinical.stat().st_mode) == 0o600


def test_coded_data_stays_owner_only_beside_a_shared_codebook(tmp_path):
    """The contrast the permissions are for: same umask, same folder, clinical data 0600."""
    import os
    import stat

    from cryonto.exporting import export_csv

    example = Path(__file__).resolve().parent.parent / "examples" / "paper-quotes.ttl"
    old = os.umask(0o022)
    try:
        export_codebook(tmp_path / "codebook.qdc", "qdc")
        export_csv([example], tmp_path / "segments.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "codebook.qdc").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "segments.csv").stat().st_mode) == 0o600
