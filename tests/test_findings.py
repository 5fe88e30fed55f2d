"""`cryonto import findings` and the `findings` validation profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from cryonto.cli import main
from cryonto.errors import CryontoError
from cryonto.findings import import_findings, normalize_doi, read_references
from cryonto.shacl import validate

CRY = Namespace("https://w3id.org/cryonto/")
CITO = Namespace("http://purl.org/spar/cito/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
HEADER = "study,categories,stance,claim,evidence,location,extracted_by,extracted_on"
ROW = ('smith2020,A1.1;Crying as resistance,supports,"Protest crying was common.",'
       '"Protest crying was common in our sample.",p. 7,Jane Doe,2026-11-01')

BIB = """@article{smith2020,
  author = {Smith, A. and Jones, B.},
  title = {{Crying} in group therapy},
  journal = {Journal of Examples},
  year = {2020},
  doi = {10.1234/example.2020.1}
}
"""
RIS = """TY  - JOUR
ID  - smith2020
AU  - Smith, A.
AU  - Jones, B.
TI  - Crying in group therapy
JO  - Journal of Examples
PY  - 2020
DO  - 10.1234/example.2020.1
ER  - {space}
""".format(space="")
CSL = [{"id": "smith2020", "type": "article-journal", "title": "Crying in group therapy",
        "author": [{"family": "Smith", "given": "A."}, {"family": "Jones", "given": "B."}],
        "container-title": "Journal of Examples", "issued": {"date-parts": [[2020]]},
        "DOI": "10.1234/example.2020.1"}]


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def refs(tmp_path: Path) -> Path:
    return write(tmp_path / "refs.bib", BIB)


def findings_in(path: Path) -> tuple[Graph, list[URIRef]]:
    g = Graph().parse(path)
    return g, sorted(g.subjects(RDF.type, CRY.UserFinding))


# -- reading ----------------------------------------------------------------------------


def test_csv_with_bibtex(tmp_path: Path, refs: Path) -> None:
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n")
    result = import_findings(src, tmp_path / "out.ttl", refs)
    assert result.findings == 1 and result.stances == {"supports": 1}
    g, (f,) = findings_in(tmp_path / "out.ttl")
    assert (f, RDF.type, CRY.Finding) in g
    # categories by notation and by label
    assert set(g.objects(f, CRY.bearsOn)) == {CRY.ProtestCrying, CRY.CryingAsResistance}
    assert set(g.objects(f, CITO.supports)) == {CRY.ProtestCrying, CRY.CryingAsResistance}
    assert str(g.value(f, CRY.evidenceText)) == "Protest crying was common in our sample."
    assert str(g.value(f, BIBO.locator)) == "p. 7"
    assert g.value(f, PROV.generatedAtTime) == Literal("2026-11-01", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#date"))
    agent = g.value(f, PROV.wasAttributedTo)
    assert (agent, RDF.type, PROV.Agent) in g
    record = g.value(f, DCTERMS.source)
    assert g.value(f, PROV.wasQuotedFrom) == record
    assert str(g.value(record, BIBO.doi)) == "10.1234/example.2020.1"
    assert str(g.value(record, DCTERMS.title)) == "Crying in group therapy"  # braces gone
    assert str(g.value(record, DCTERMS.identifier)) == "smith2020"
    assert str(f).endswith("/finding/smith2020-1")


@pytest.mark.parametrize(("name", "text"), [("refs.ris", RIS), ("refs.json", json.dumps(CSL))])
def test_ris_and_csl_json_give_the_same_record(tmp_path: Path, name: str, text: str) -> None:
    bib = read_references(write(tmp_path / "refs.bib", BIB))["smith2020"]
    other = read_references(write(tmp_path / name, text))["smith2020"]
    assert other.title == bib.title == "Crying in group therapy"
    assert other.doi == bib.doi
    assert other.year == bib.year == "2020"
    assert [a.split(",")[0] for a in other.authors] == ["Smith", "Jones"]


def test_yaml_and_json_findings(tmp_path: Path, refs: Path) -> None:
    item = {"study": "smith2020", "categories": ["I2.1", "https://w3id.org/cryonto/Pause"],
            "stance": "disagreesWith", "evidence": "Pauses did not help.",
            "location": "Results", "extracted_by": "0000-0002-1825-0097",
            "extracted_on": "2026-11-02T10:00:00"}
    yaml_file = write(tmp_path / "f.yaml", "findings:\n  - study: smith2020\n"
                      "    categories: [I2.1, cry:Pause]\n    stance: disagreesWith\n"
                      "    evidence: Pauses did not help.\n    location: Results\n"
                      "    extracted_by: 0000-0002-1825-0097\n"
                      "    extracted_on: 2026-11-02T10:00:00\n")
    json_file = write(tmp_path / "f.json", json.dumps([item]))
    for src in (yaml_file, json_file):
        out = tmp_path / f"{src.suffix[1:]}.ttl"
        import_findings(src, out, refs)
        g, (f,) = findings_in(out)
        assert set(g.objects(f, CITO.disagreesWith)) == {CRY.Pause}
        assert g.value(f, PROV.wasAttributedTo) == URIRef("https://orcid.org/0000-0002-1825-0097")
        assert str(g.value(f, PROV.generatedAtTime)).startswith("2026-11-02T10:00")


def test_doi_of_a_packaged_record_reuses_it(tmp_path: Path) -> None:
    src = write(tmp_path / "f.csv", f"{HEADER}\nhttps://doi.org/10.1037/PST0000339,A3.2.2,"
                "qualifies,,Relief was rare.,p. 3,Jane Doe,2026-11-01\n")
    result = import_findings(src, tmp_path / "out.ttl")  # no references needed
    g, (f,) = findings_in(tmp_path / "out.ttl")
    assert g.value(f, DCTERMS.source) == CRY["ref/genova2021"]
    assert result.reused_records == [str(CRY["ref/genova2021"])]
    assert (CRY["ref/genova2021"], BIBO.doi, None) not in g  # no second record for that DOI


def test_key_of_a_packaged_record_and_quoted_from(tmp_path: Path) -> None:
    src = write(tmp_path / "f.csv", f"{HEADER},quoted_from\nknox2017,A3.2.3,supports,,"
                "Crying helped clients access their pain,digest,Jane Doe,2026-11-01,gutjahr2025\n")
    import_findings(src, tmp_path / "out.ttl")
    g, (f,) = findings_in(tmp_path / "out.ttl")
    assert g.value(f, DCTERMS.source) == CRY["ref/knox2017"]
    assert g.value(f, PROV.wasQuotedFrom) == CRY["gutjahr2025"]


def test_doi_syntax_only() -> None:
    assert normalize_doi("doi:10.1037/pst0000123") == "10.1037/pst0000123"
    assert normalize_doi("https://doi.org/10.1080/13642537.2018.1459767")
    for bad in ("10.12/short", "11.1234/x", "10.1234/", "pst0000123", "10.1234/a b"):
        assert normalize_doi(bad) is None, bad


# -- bad rows: one line naming the file, the row and what is wrong; exit 2 --------------


@pytest.mark.parametrize(("row", "words"), [
    ('smith2020,Z9.9,supports,,Some text.,p. 1,Jane,2026-11-01', "category 'Z9.9'"),
    ('smith2020,A1.1,agrees,,Some text.,p. 1,Jane,2026-11-01', "stance 'agrees'"),
    ('smith2020,A1.1,supports,,,p. 1,Jane,2026-11-01', "evidence is missing"),
    ('smith2020,A1.1,supports,,Some text.,,Jane,2026-11-01', "location is missing"),
    ('smith2020,A1.1,supports,,Some text.,p. 1,,2026-11-01', "extracted_by is missing"),
    ('smith2020,A1.1,supports,,Some text.,p. 1,Jane,yesterday', "extracted_on 'yesterday'"),
    ('10.12/bad,A1.1,supports,,Some text.,p. 1,Jane,2026-11-01', "not DOI syntax"),
    ('nobody1999,A1.1,supports,,Some text.,p. 1,Jane,2026-11-01', "'nobody1999' is not in"),
])
def test_bad_row_exits_2_naming_file_and_row(tmp_path: Path, refs: Path, row: str,
                                             words: str) -> None:
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n{row}\n")
    out = tmp_path / "out.ttl"
    result = run("import", "findings", src, "--references", refs, "-o", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "mine.csv" in lines[0] and "row 3" in lines[0] and words in lines[0], lines[0]
    assert not out.exists()


def test_bad_reference_doi_names_the_entry(tmp_path: Path) -> None:
    refs = write(tmp_path / "refs.bib", BIB.replace("10.1234/example.2020.1", "not-a-doi"))
    with pytest.raises(CryontoError) as err:
        read_references(refs)
    assert "refs.bib" in str(err.value) and "smith2020" in str(err.value)


def test_cli_writes_beside_the_input_by_default(tmp_path: Path, refs: Path) -> None:
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n")
    result = run("import", "findings", src, "--references", refs)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.findings.ttl").is_file()
    assert "Imported 1 findings" in result.output


# -- the findings profile ------------------------------------------------------------------


def test_packaged_and_imported_findings_conform(tmp_path: Path, refs: Path) -> None:
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n")
    import_findings(src, tmp_path / "out.ttl", refs)
    report = validate([tmp_path / "out.ttl"], "findings")
    assert report.conforms, [r.message for r in report.results]


PREFIXES = """@prefix cry: <https://w3id.org/cryonto/> .
@prefix cito: <http://purl.org/spar/cito/> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix ex: <https://example.org/> .
"""
GOOD = """ex:f a cry:Finding , cry:UserFinding ; cry:bearsOn cry:Pause ; cito:supports cry:Pause ;
    cry:evidenceText "x" ; bibo:locator "p. 1" ; dcterms:source ex:r ;
    prov:wasAttributedTo ex:me ;
    prov:generatedAtTime "2026-11-01"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:r dcterms:title "A study" .
"""


@pytest.mark.parametrize(("change", "words"), [
    (("cry:bearsOn cry:Pause ; cito:supports cry:Pause",
      "cry:bearsOn ex:Nope ; cito:supports ex:Nope"), "not a category"),
    (("cito:supports cry:Pause", "cito:extends cry:Pause"), "one of cito:supports"),
    (("cito:supports cry:Pause", "cito:supports cry:Pause ; cito:qualifies cry:Pause"),
     "takes 2 stances"),
    (('cry:evidenceText "x" ;', ""), "no evidence"),
    (('ex:r dcterms:title "A study" .', 'ex:r bibo:doi "10.1234/abc" .'), "has no reference"),
    (('ex:r dcterms:title "A study" .',
      'ex:r dcterms:title "A" ; bibo:doi "10.1037/PST0000339" .'), "held by this record"),
    (('ex:r dcterms:title "A study" .', 'ex:r dcterms:title "A" ; bibo:doi "doi:10.1/x" .'),
     "Not DOI syntax"),
    (('bibo:locator "p. 1" ;', ""), "where its evidence is"),
    (("prov:wasAttributedTo ex:me ;", ""), "who extracted it"),
])
def test_profile_catches(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    old, new = change
    assert old in GOOD
    data = write(tmp_path / "bad.ttl", PREFIXES + GOOD.replace(old, new))
    report = validate([data], "findings")
    messages = [r.message for r in report.results]
    assert not report.conforms
    assert any(words in m for m in messages), messages
    good = write(tmp_path / "good.ttl", PREFIXES + GOOD)
    assert validate([good], "findings").conforms


def test_cli_profile_findings(tmp_path: Path) -> None:
    good = write(tmp_path / "good.ttl", PREFIXES + GOOD)
    assert run("validate", "--profile", "findings", good).exit_code == 0
    bad = write(tmp_path / "bad.ttl", PREFIXES + GOOD.replace('cry:evidenceText "x" ;', ""))
    result = run("validate", "--profile", "findings", bad)
    assert result.exit_code == 1 and "evidence" in result.output


# -- cryonto show: user findings beside the built-in ones; German labels flagged ----------


def test_show_lists_user_findings_marked(tmp_path: Path, refs: Path) -> None:
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n")
    import_findings(src, tmp_path / "out.ttl", refs)
    result = run("show", "A1.1", "--findings", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.output
    text = result.stdout
    supporting = text.split("Findings supporting", 1)[1].split("\nFindings ", 1)[0]
    assert "[your finding] Protest crying was common." in supporting
    assert "Smith" in supporting and "p. 7" in supporting
    assert "Avoidantly attached clients" in supporting  # the built-in one stays beside it
    data = json.loads(run("show", "A1.1", "--format", "json", "--findings",
                          tmp_path / "out.ttl").stdout)
    flags = {f["iri"].rsplit("/", 1)[-1]: f["user"] for f in data["findings"]["supports"]}
    assert flags["smith2020-1"] is True and flags["hill2025-2"] is False


def test_german_labels_are_flagged_as_the_projects_translation() -> None:
    shown = run("show", "A1.1", "--lang", "de")
    assert shown.stdout.splitlines()[0] == "A1.1  Protestweinen"
    assert "the cryonto project's translation" in shown.stdout
    assert "the cryonto project's translation" in json.loads(
        run("show", "A1.1", "--lang", "de", "--format", "json").stdout)["label_note"]
    listed = run("categories", "--lang", "de", "--format", "csv")
    assert listed.exit_code == 0
    assert "the cryonto project's translation" in listed.stderr
    assert listed.stdout.startswith("notation,")  # the CSV itself stays clean
    assert "translation" not in run("categories").stderr


# -- the worked example of docs/findings.md, re-run from the page ----------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "findings.md"


def _block(text: str, lang: str) -> str:
    return text.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def test_worked_example_reproduces(tmp_path: Path, shared: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    bib = write(tmp_path / "sonderland2024.bib", _block(doc, "bibtex"))
    src = write(tmp_path / "sonderland2024.csv", _block(doc, "csv"))
    console = "".join(part.split("```", 1)[0] for part in doc.split("```console\n")[1:])
    result = run("import", "findings", src, "--references", bib)
    assert result.exit_code == 0, result.output
    assert result.output.replace(str(tmp_path) + "/", "") in console
    out = tmp_path / "sonderland2024.findings.ttl"
    shown = run("validate", "--profile", "findings", out)
    assert shown.exit_code == 0 and shown.output.strip().splitlines()[-1] in console
    table = run("query", "findings-evidence-map", "--data", out, "--param", "category=A3.2",
                "--format", "csv")
    assert table.exit_code == 0
    for line in table.output.strip().splitlines():
        assert line in console, line
    # the study is in the paper's reference list and was not in the graph before
    paper = (shared / "seeds" / "gutjahr-marten-benecke-crying-working-models.txt").read_text(
        encoding="utf-8")
    assert "Sønderland, N. M., Solbakken, O. A., Eilertsen, D. E., Nordmo, M., & Monsen" in paper
    g, (f,) = findings_in(out)
    assert str(g.value(f, CRY.evidenceText)) in paper  # read only from the seed
    assert "sonderland" not in (Path(__file__).resolve().parent.parent / "ontology"
                                / "literature.ttl").read_text(encoding="utf-8").lower()
    # no DOI: literature.md does not confirm one for this study
    assert (None, BIBO.doi, None) not in g
    typo = write(tmp_path / "typo.csv", _block(doc, "csv").replace(",A3.2,supports,",
                                                                   ",A3.2,agrees,"))
    bad = run("import", "findings", typo, "--references", bib)
    assert bad.exit_code == 2
    assert bad.output.strip().replace(str(tmp_path) + "/", "") in console


@pytest.mark.slow
def test_both_engines_agree_on_the_findings_profile(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.ttl", PREFIXES + """
ex:f a cry:Finding ; cry:bearsOn cry:Pause , ex:Nope ; cito:supports cry:Pause , ex:Nope ;
    cito:qualifies cry:Pause ; cito:extends cry:Pause ; dcterms:source ex:r .
ex:r bibo:doi "10.1037/PST0000339" .
""")
    found = {}
    for engine in ("fast", "pyshacl"):
        report = validate([bad], "findings", engine=engine)
        found[engine] = sorted(r.message for r in report.results)
    assert found["fast"] == found["pyshacl"]
    # not a category, cito:extends, two stances, no reference, no evidence, the DOI twice
    assert len(found["fast"]) == 7, found["fast"]
    assert any("ex" in m and "not a category" in m for m in found["fast"])


def test_one_doi_under_two_keys_is_imported_but_fails_validation(tmp_path: Path) -> None:
    refs = write(tmp_path / "refs.bib", BIB + BIB.replace("{smith2020,", "{smith2020b,"))
    src = write(tmp_path / "mine.csv", f"{HEADER}\n{ROW}\n"
                + ROW.replace("smith2020,", "smith2020b,", 1) + "\n")
    import_findings(src, tmp_path / "out.ttl", refs)
    g, found = findings_in(tmp_path / "out.ttl")
    assert len(found) == 2 and len(set(g.subjects(BIBO.doi, None))) == 2
    report = validate([tmp_path / "out.ttl"], "findings")
    assert not report.conforms
    assert sum("10.1234/example.2020.1 is held by this record" in r.message
               for r in report.results) == 2


@pytest.mark.integration
def test_served_concept_pages_list_user_findings_marked_as_such(tmp_path: Path) -> None:
    """`cryonto serve --data my.findings.ttl`: the category's page shows the user's finding,
    marked, beside the built-in literature; a category it does not bear on shows none."""
    import httpx
    from support.serve import ThreadServer

    from cryonto.rdf import GraphStore

    doc = DOC.read_text(encoding="utf-8")
    bib = write(tmp_path / "sonderland2024.bib", _block(doc, "bibtex"))
    src = write(tmp_path / "sonderland2024.csv", _block(doc, "csv"))
    assert run("import", "findings", src, "--references", bib).exit_code == 0
    findings = tmp_path / "sonderland2024.findings.ttl"
    store = GraphStore.with_ontology([findings])
    with ThreadServer(store) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        page = client.get("/PromotesProcess", headers={"Accept": "text/html"}).text
        other = client.get("/Pause", headers={"Accept": "text/html"}).text
    assert "Your findings" in page and "[your finding, supports]" in page
    assert "Sønderland" in page
    assert "Supporting findings" in page  # the built-in ones are still there
    assert "Your findings" not in other
