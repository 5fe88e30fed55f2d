"""The HTML pages in a real browser: Debian's headless Chromium driven by Playwright.

Never downloads a browser (no ``playwright install``): it launches
``/usr/bin/chromium`` with the flags the peers note gives. The page's script
must run under the server's Content-Security-Policy, so any CSP violation or
script error fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.peers import BROWSER, CHROMIUM, CHROMIUM_ARGS
from support.serve import ThreadServer, example_store

pytestmark = [pytest.mark.integration, BROWSER]

ARGS = CHROMIUM_ARGS
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture(scope="module")
def server():
    with ThreadServer(example_store()) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.problems = problems
    yield page
    context.close()
    assert not problems, problems


def browser_is_debian_chromium(page) -> bool:
    """The launched browser is /usr/bin/chromium (same version), not a downloaded one."""
    import subprocess

    version = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    return page.context.browser.version in version


def test_concept_page_and_following_a_related_concept(server, page):
    page.goto(f"{server.url}/ProtestCrying")
    assert browser_is_debian_chromium(page)
    assert page.locator("h1").inner_text().startswith("A1.1")
    assert "Protest crying" in page.locator("h1").inner_text()
    assert page.locator("p.de").inner_text().startswith("Protestweinen")
    assert page.locator(".definition").count() >= 1
    # follow a typed link to a related category
    related = page.locator("a.related").first
    target = related.get_attribute("href")
    name = related.inner_text()
    related.click()
    page.wait_for_url(f"{server.url}{target}")
    assert name.split(" ", 1)[-1] in page.locator("h1").inner_text()
    # and up the hierarchy
    page.locator('a[rel="broader"]').first.click()
    page.wait_for_load_state()
    assert page.locator("h1 .notation").inner_text().startswith("A")
    assert page.locator('a[rel="narrower"]').count() >= 2


def test_query_page_runs_a_query_and_shows_the_table(server, page):
    page.goto(f"{server.url}/")
    page.locator("#query").fill(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?concept ?notation WHERE { ?concept skos:notation ?notation ; "
        "skos:inScheme <https://w3id.org/cryonto/CategorySystem> } ORDER BY ?notation")
    page.locator("#run").click()
    table = page.locator("#results table.results")
    table.wait_for()
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["concept", "notation"]
    assert table.locator("tbody tr").count() == 33
    assert "33 rows" in page.locator("#status").inner_text()
    # result IRIs link to this server's pages
    first = table.locator("tbody tr").first.locator("a")
    assert first.get_attribute("href").startswith("/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "query-page.png"), full_page=False)


def test_query_page_named_query_and_error_message(server, page):
    page.goto(f"{server.url}/")
    page.locator("#named").select_option("segments-per-category")
    assert "segments" in page.locator("#query").input_value()
    page.locator("#run").click()
    page.locator("#results table.results").wait_for()
    assert page.locator("#results tbody tr").count() == 33
    # a refused query shows the server's message, not a table
    page.locator("#query").fill("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    page.locator("#run").click()
    page.locator("#results p.error").wait_for()
    assert "SERVICE" in page.locator("#results p.error").inner_text()
    assert page.locator("#results p.error").inner_text().startswith("400")
    # Chromium logs the expected 400 as a console error; nothing else may appear
    page.problems[:] = [p for p in page.problems if "status of 400" not in p]


def test_concept_page_screenshot(server, page):
    page.goto(f"{server.url}/ProtestCrying")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "concept-page.png"), full_page=True)
    assert (SCREENSHOTS / "concept-page.png").stat().st_size > 10_000
