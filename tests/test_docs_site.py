"""`cryonto docs`: the static site of the ontology, in Debian's headless Chromium.

Every page (index, 33 categories, properties, link types, literature) opens
from file:// with no console or page error and no serious or critical axe-core
violation, every local link resolves, the figure draws 33 nodes linked to their
pages, the search finds categories by English and German label, and the
downloads parse as RDF with the ontology's owl:versionIRI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from support.report import (
    BROWSER,
    axe_violations,
    broken_local_links,
    figure_sizes,
    launched_chromium,
    open_page,
)

from cryonto.category import load_category_system, local_name
from cryonto.cli import main
from cryonto.report.data import category_links

pytestmark = [pytest.mark.integration, BROWSER]

VERSION_IRI = "https://w3id.org/cryonto/crying/0.1.0"
OWL_VERSION_IRI = ox.NamedNode("http://www.w3.org/2002/07/owl#versionIRI")
ONTOLOGY = ox.NamedNode("https://w3id.org/cryonto/crying")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(main, ["docs", "-o", str(out), "--base-url",
                                       "https://example.org/cryonto/"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


def test_site_has_every_page_and_artefact(site):
    system = load_category_system()
    for concept in system:
        name = local_name(concept.iri)
        for suffix in (".html", ".ttl", ".jsonld"):
            assert (site / f"{name}{suffix}").is_file(), name + suffix
    for name in ("index.html", "properties.html", "link-types.html", "literature.html",
                 ".htaccess", "_static/style.css"):
        assert (site / name).is_file(), name
    htaccess = (site / ".htaccess").read_text(encoding="utf-8")
    assert "RewriteEngine on" in htaccess and "https://example.org/cryonto/$1.ttl" in htaccess
    assert "ProtestCrying" in htaccess


def test_downloads_parse_and_carry_the_version_iri(site):
    formats = {"cryonto.ttl": ox.RdfFormat.TURTLE, "cryonto.jsonld": ox.RdfFormat.JSON_LD,
               "cryonto.rdf": ox.RdfFormat.RDF_XML, "cryonto.nt": ox.RdfFormat.N_TRIPLES}
    sizes = set()
    for name, fmt in formats.items():
        triples = list(ox.parse((site / name).read_bytes(), format=fmt))
        sizes.add(len(triples))
        assert any(t.subject == ONTOLOGY and t.predicate == OWL_VERSION_IRI
                   and t.object.value == VERSION_IRI for t in triples), name
    assert len(sizes) == 1  # the same graph in every syntax
    concept = list(ox.parse((site / "ProtestCrying.jsonld").read_bytes(),
                            format=ox.RdfFormat.JSON_LD))
    assert any(t.object == ox.Literal("A1.1", datatype=ox.NamedNode(
        "https://w3id.org/cryonto/Notation")) for t in concept)
    turtle = (site / "ProtestCrying.ttl").read_text(encoding="utf-8")
    assert "Protestweinen" in turtle and "cry:linkSubject" in turtle  # its link records too


def test_concept_page_content(site, browser):
    page = open_page(browser, (site / "ProtestCrying.html").as_uri())
    try:
        assert page.locator("h1").inner_text().startswith("A1.1")
        assert page.locator("p.de").inner_text().startswith("Protestweinen")
        assert "translation" in page.locator("p.de").inner_text()
        assert page.locator(".definition").count() >= 1
        assert page.locator("ul.examples blockquote").count() >= 1  # the paper's quote
        assert page.locator("td.link-basis").count() >= 1
        assert "stated in a sentence" in page.locator("section.links").inner_text()
        assert page.locator("section.findings li.finding").count() >= 1
        assert "https://w3id.org/cryonto/ProtestCrying" in page.locator("p.iri").inner_text()
        formats = page.locator(".formats a").evaluate_all("els => els.map(e => e.textContent)")
        assert formats == ["Turtle", "JSON-LD"]
        page.locator('a[rel="broader"]').first.click()
        page.wait_for_load_state()
        assert page.url.endswith("FormsOfCrying.html")
        assert page.problems == []
    finally:
        page.context.close()


def test_every_page_clean_linked_and_accessible(site, browser):
    pages = sorted(site.glob("*.html"))
    assert len(pages) == 33 + 4
    for path in pages:
        page = open_page(browser, path.as_uri())
        try:
            assert page.problems == [], path.name
            assert broken_local_links(page, site) == [], path.name
            assert all(url.startswith("file://") for url in page.requests), path.name
            assert axe_violations(page) == [], path.name
        finally:
            page.context.close()


def test_index_figure_search_and_metadata(site, browser):
    system = load_category_system()
    page = open_page(browser, (site / "index.html").as_uri())
    try:
        sizes = figure_sizes(page)
        assert len(sizes) == 1 and sizes[0][0] > 400 and sizes[0][1] > 300
        figure = page.locator("#figure-category-system svg")
        assert figure.locator('[id^="cat-node-"]').count() == 33
        assert figure.locator('[id^="cat-link-"]').count() == len(category_links(system))
        # each node is a link to its category's page
        targets = figure.locator("a").evaluate_all(
            "els => els.map(e => e.getAttribute('xlink:href') || e.getAttribute('href'))")
        assert len(set(targets)) == 33 and all((site / t).is_file() for t in targets)
        text = page.locator("section.metadata").inner_text()
        for expected in ("0.1.0", VERSION_IRI, "CC BY-SA 4.0", "10.17605/OSF.IO/ZEK23",
                         "How to cite", "Gutjahr"):
            assert expected in text, expected
        assert page.locator("ul.downloads a").count() == 4
        page.locator("#search").fill("trauer")  # German label, without case
        results = page.locator("#search-results a")
        results.first.wait_for()
        assert any("A1.3" in t for t in results.all_inner_texts())
        page.locator("#search").fill("A3.2.")
        assert page.locator("#search-results a").count() == 5
        page.locator("#search").fill("no such category at all")
        assert page.locator("#search-results a").count() == 0
        page.locator("#search").fill("Pause")
        page.locator("#search-results a").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("Pause.html")
        assert page.problems == []
    finally:
        page.context.close()


def test_german_site(tmp_path):
    out = tmp_path / "de"
    result = CliRunner().invoke(main, ["docs", "-o", str(out), "--lang", "de"])
    assert result.exit_code == 0, result.output
    html = (out / "ProtestCrying.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Protestweinen</h1>" in html
    assert "Protest crying" in html  # the English label beside it
    search = (out / "index.html").read_text(encoding="utf-8")
    index = json.loads(search.split('id="search-index">', 1)[1].split("</script>", 1)[0])
    assert {"n": "A1.1", "l": "Protestweinen"}.items() <= index[2].items() or any(
        e["n"] == "A1.1" and e["l"] == "Protestweinen" for e in index)


def test_export_ontology_formats(tmp_path):
    runner = CliRunner()
    for fmt, fmt_enum in (("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD),
                          ("xml", ox.RdfFormat.RDF_XML), ("nt", ox.RdfFormat.N_TRIPLES)):
        out = tmp_path / f"release.{fmt}"
        result = runner.invoke(main, ["export", "ontology", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert VERSION_IRI in result.output
        triples = list(ox.parse(out.read_bytes(), format=fmt_enum))
        assert any(t.predicate == OWL_VERSION_IRI for t in triples)
        assert len(triples) > 1500
    bad = runner.invoke(main, ["export", "ontology", "-o", str(tmp_path / "x.foo")])
    assert bad.exit_code == 2 and "--format" in bad.output
