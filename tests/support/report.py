"""Shared by the report and site tests: Debian's Chromium driven by Playwright, axe-core
injected from node_modules, and the checks every page must pass.

Never downloads a browser or axe: Chromium is /usr/bin/chromium (as in
test_browser.py) and axe-core is the npm devDependency in package.json. Both are
test peers (`support.peers`): skipped locally when missing, a failure in CI.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from support.paths import ROOT
from support.peers import AXE, BROWSER, CHROMIUM, require_peer
from support.peers import CHROMIUM_ARGS as ARGS

__all__ = [
    "ARGS",
    "BROWSER",
    "CHROMIUM",
    "ROOT",
    "axe_violations",
    "broken_local_links",
    "figure_sizes",
    "launched_chromium",
    "open_page",
]


@contextlib.contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str):
    """A page at `url` that records every request, console error and page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []
    page.problems = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda msg: page.problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each."""
    require_peer("axe-core", AXE.is_file(), "run `npm ci` in the repository (a devDependency)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def figure_sizes(page, selector: str = "figure svg") -> list[tuple[float, float]]:
    """Rendered width and height of every figure's SVG (0 x 0 when not rendered)."""
    boxes = [svg.bounding_box() for svg in page.locator(selector).all()]
    return [(box["width"], box["height"]) if box else (0.0, 0.0) for box in boxes]


def broken_local_links(page, base: Path) -> list[str]:
    """Links that point into this document or to a file beside it and lead nowhere.

    A same-page ``#id`` must name an element; a relative file must exist (and its
    ``#id``, if any, must be an id in it).
    """
    broken = []
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    for href in hrefs:
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https", "mailto"):
            continue
        path, fragment = unquote(parsed.path), unquote(parsed.fragment)
        if not path:
            if fragment and fragment not in ids:
                broken.append(href)
            continue
        target = (base / path).resolve()
        if parsed.scheme == "file" or not target.is_file():
            broken.append(href)
            continue
        if fragment and target.suffix == ".html" and not re.search(
                rf'\bid="{re.escape(fragment)}"', target.read_text(encoding="utf-8")):
            broken.append(href)
    return broken
