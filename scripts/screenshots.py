"""Screenshots of a report and of the documentation site for docs/report.md.

Builds the report of the bundled example study and of a generated 2,000-segment
study, and the site, then photographs them in Debian's headless Chromium (never
a downloaded browser), so the pictures in the docs show what the code makes
today. Run from the repository root:

    python scripts/screenshots.py            # writes docs/img/report-*.png, site-*.png
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("CRYONTO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_BYTES = 300_000


def cryonto(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)}
    subprocess.run([sys.executable, "-c", "from cryonto.cli import main; main()", *args],
                   check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def shoot(page, url: str, path: Path, selector: str | None = None, full: bool = False) -> None:
    """One PNG, made smaller until it is under MAX_BYTES (palette quantisation by Pillow)."""
    page.goto(url)
    page.wait_for_load_state("load")
    target = page.locator(selector).first if selector else page
    if selector:
        target.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib brings Pillow
        return
    image = Image.open(path)
    colours = 128
    while True:
        image.convert("RGB").quantize(colors=colours).save(path, optimize=True)
        if path.stat().st_size <= MAX_BYTES or colours <= 16:
            break
        colours //= 2
    if path.stat().st_size > MAX_BYTES:
        image.thumbnail((image.width // 2, image.height // 2))
        image.convert("RGB").quantize(colors=64).save(path, optimize=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cryonto-shots-") as tmp:
        work = Path(tmp)
        cryonto("import", "csv", "examples/paper-quotes.csv", "--study", "paper-quotes",
                "-o", str(work / "paper-quotes.ttl"))
        cryonto("generate", "--segments", "2000", "-o", str(work / "generated.ttl"))
        cryonto("report", str(work / "generated.ttl"), "-o", str(work / "generated.html"))
        cryonto("report", str(work / "paper-quotes.ttl"), "-o", str(work / "example.html"))
        cryonto("docs", "-o", str(work / "site"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            report = (work / "generated.html").as_uri()
            shoot(page, report, OUT / "report-top.png")
            shoot(page, report, OUT / "report-frequencies.png", "#figure-frequencies-orientation")
            shoot(page, report, OUT / "report-category-system.png", "#figure-category-system")
            shoot(page, report, OUT / "report-cooccurrence.png", "#figure-cooccurrence-segments")
            shoot(page, (work / "site" / "index.html").as_uri(), OUT / "site-index.png")
            shoot(page, (work / "site" / "ProtestCrying.html").as_uri(), OUT / "site-concept.png")
            browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
