"""`cryonto report`: the self-contained HTML report in Debian's headless Chromium.

On the example study (the paper's quotes, imported) and on a generated
2,000-segment study: no console or page error, every figure rendered with a
size, every in-page link resolves, not a single request beyond the file itself,
no serious or critical axe-core violation, and the category figure draws all 33
categories and every associative link.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.report import (
    BROWSER,
    ROOT,
    axe_violations,
    broken_local_links,
    figure_sizes,
    launched_chromium,
    open_page,
)

from cryonto.category import load_category_system
from cryonto.cli import main
from cryonto.report.data import category_links

pytestmark = [pytest.mark.integration, BROWSER]

EXAMPLE_CSV = ROOT / "examples" / "paper-quotes.csv"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("reports")
    run("import", "csv", str(EXAMPLE_CSV), "--study", "paper-quotes",
        "-o", str(work / "example.ttl"))
    run("generate", "--segments", "2000", "-o", str(work / "generated.ttl"))
    out = {}
    for name in ("example", "generated"):
        out[name] = work / f"{name}.html"
        run("report", str(work / f"{name}.ttl"), "-o", str(out[name]))
    out["german"] = work / "german.html"
    run("report", str(work / "example.ttl"), "-o", str(out["german"]), "--lang", "de")
    return out


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


@pytest.mark.parametrize("name", ["example", "generated", "german"])
def test_report_opens_offline_clean_and_accessible(reports, browser, name):
    path = reports[name]
    page = open_page(browser, path.as_uri())
    try:
        page.locator("details").first.click()  # a data table is one click away
        assert page.problems == []
        # nothing but the file itself: no style sheet, script, font or image fetched
        assert page.requests == [path.as_uri()]
        sizes = figure_sizes(page)
        # the generated study has orientations: one more frequency figure, per orientation
        assert len(sizes) == {"example": 4, "generated": 5, "german": 4}[name]
        assert all(w > 200 and h > 150 for w, h in sizes), sizes
        for figure in page.locator("figure.report-figure").all():
            assert figure.locator("figcaption").inner_text().strip()
            assert figure.locator("svg title").count() == 1
            assert (figure.locator("svg desc").text_content() or "").strip()
            assert figure.locator("table tbody tr").count() >= 1
        assert broken_local_links(page, path.parent) == []
        assert axe_violations(page) == []
    finally:
        page.context.close()


def test_category_figure_has_33_nodes_and_every_link(reports, browser):
    system = load_category_system()
    links = category_links(system)
    page = open_page(browser, reports["generated"].as_uri())
    try:
        figure = page.locator("#figure-category-system svg")
        nodes = figure.locator('[id^="cat-node-"]')
        assert nodes.count() == len(system) == 33
        shown = {n.get_attribute("id").removeprefix("cat-node-") for n in nodes.all()}
        assert shown == {c.notation for c in system}
        drawn = figure.locator('[id^="cat-link-"]')
        assert drawn.count() == len(links) >= 30
        for edge_index, edge in enumerate(links):
            element = figure.locator(f'[id="cat-link-{edge_index}-{edge.type}"] path')
            assert element.count() == 1, edge
            assert len(element.get_attribute("d") or "") > 10  # a curve, not an empty path
            box = element.bounding_box()
            assert box and (box["width"] > 0 or box["height"] > 0)
        # every node is drawn where it can be seen
        for node in nodes.all():
            box = node.bounding_box()
            assert box and box["width"] > 2 and box["height"] > 2
    finally:
        page.context.close()


def test_report_prints_to_pdf(reports, browser):
    page = open_page(browser, reports["generated"].as_uri())
    try:
        page.emulate_media(media="print")
        assert page.locator("nav.toc").is_hidden()  # the print style sheet applies
        # the side table is no longer cut to a scroll box
        assert page.locator(".side-by-side .table-wrap").first.evaluate(
            "e => getComputedStyle(e).overflow") == "visible"
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
        assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 4
        assert page.problems == []
    finally:
        page.context.close()


def test_german_labels_are_marked_german_in_an_english_page(reports):
    """The prose stays English, so the page is lang="en" and each German label says it is de."""
    page = reports["german"].read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert '<span lang="de">Protestweinen</span>' in page
    assert ">Protest crying<" not in page
    assert "German category labels are the cryonto project's translation" in page
    assert "translation" not in reports["example"].read_text(encoding="utf-8").split("<footer>")[1]


def test_generated_report_content(reports):
    text = reports["generated"].read_text(encoding="utf-8")
    assert "2000 segments" in text
    for orientation in ("PDT", "CBT", "ST"):
        assert f"<td>{orientation}</td>" in text or f">{orientation}<" in text
    assert 'id="agreement-h"' in text and "krippendorff alpha" in text
    assert "Inhibited crying" in text  # an unmapped code of the generator
    # nothing the page could fetch: no src= or href= to another file, no @import, no url(http
    assert not re.search(r'\s(src|href)="(?!#|data:|https?://)[^"]+"', text)
    assert "@import" not in text and "url(http" not in text
    assert re.search(r'(src|href)="https?://', text) is None or all(
        tag.startswith("<a ") for tag in re.findall(r'<[a-z]+ [^>]*(?:src|href)="https?://', text))


def test_two_studies_get_a_frequency_figure_per_study(reports, tmp_path):
    work = reports["example"].parent
    out = tmp_path / "both.html"
    run("report", str(work / "example.ttl"), str(work / "generated.ttl"), "-o", str(out))
    html = out.read_text(encoding="utf-8")
    slugs = re.findall(r'data-figure="([^"]+)"', html)
    assert slugs == ["frequencies", "frequencies-study", "frequencies-orientation",
                     "cooccurrence-segments", "cooccurrence-documents", "category-system"]
    figure = html.split('data-figure="frequencies-study"', 1)[1].split("</figure>", 1)[0]
    assert "<th scope=\"col\">segments paper-quotes</th>" in figure
    assert "segments Synthetic coded study" in figure
    assert "Figure 6. The category system" in html
    # per-study counts add up to the total of both studies (A: every assumption segment)
    rows = re.findall(r"<tr><td>A</td><td>Assumptions</td><td class=\"n\">(\d+)</td>"
                      r"<td class=\"n\">(\d+)</td></tr>", figure)
    total = re.search(r"<tr><td>A</td><td>Assumptions</td><td class=\"n\">(\d+)</td>",
                      html.split('data-figure="frequencies"', 1)[1])
    assert rows and sum(map(int, rows[0])) == int(total.group(1))


def test_redacted_report_has_no_text_and_no_names(tmp_path):
    # names in the study, the file name, documents, participants and segment ids
    csv_text = EXAMPLE_CSV.read_text(encoding="utf-8").replace("T01", "Mueller01").replace(
        "P01", "Schmidt01")
    source = tmp_path / "Hoffmann_interviews.csv"
    source.write_text(csv_text, encoding="utf-8")
    data = tmp_path / "Hoffmann_interviews.ttl"
    run("import", "csv", str(source), "--study", "Hoffmann-study", "-o", str(data))
    out = tmp_path / "report.html"
    run("report", str(data), "--redact", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    for name in ("Hoffmann", "Mueller", "Schmidt", "paper-quotes", "Q01", "Q02"):
        assert name not in html, name
    import csv

    with source.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    for text in texts:
        assert text[:40] not in html  # no segment text (nor the paper's quotes)
    assert "coder 1" in html and ">C1<" not in html
    assert 'id="quotes"' not in html
    # the same report unredacted does quote the segments and name the study
    plain = tmp_path / "plain.html"
    run("report", str(data), "-o", str(plain))
    assert texts[0][:40] in plain.read_text(encoding="utf-8")
    assert "Hoffmann" in plain.read_text(encoding="utf-8")


def test_figures_folder_and_markdown(tmp_path):
    data = ROOT / "examples" / "paper-quotes.ttl"
    out = tmp_path / "report.md"
    output = run("report", str(data), "-o", str(out), "--figures", str(tmp_path / "figs"),
                 "--lang", "de")
    assert "4 figures" in output
    for slug in ("frequencies", "cooccurrence-segments", "cooccurrence-documents",
                 "category-system"):
        svg = (tmp_path / "figs" / f"{slug}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and 'width="' in svg
        png = (tmp_path / "figs" / f"{slug}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(png[16:20], "big")
        assert width >= 1000  # at least a journal column (3.5 in) at 300 dpi
        phys = png.index(b"pHYs") + 4
        assert round(int.from_bytes(png[phys:phys + 4], "big") * 0.0254) == 300  # dpi
        assert f"figs/{slug}.svg" in out.read_text(encoding="utf-8")
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "| study |" in markdown
    assert "Protestweinen" in markdown and "Protest crying" not in markdown  # --lang de


def test_errors_are_one_line_exit_2(tmp_path):
    data = ROOT / "examples" / "paper-quotes.ttl"
    cases = [
        (["report", str(tmp_path / "missing.ttl"), "-o", str(tmp_path / "r.html")],
         "no such file"),
        (["report", str(data), "-o", str(data)], "overwrite an input"),
    ]
    for args, message in cases:
        result = subprocess.run(
            [sys.executable, "-c", "from cryonto.cli import main; main()", *args],
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
