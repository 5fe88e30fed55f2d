"""CLI commands: report and docs (registered on cryonto.cli.main).

`cryonto report DATA... -o report.html`: a self-contained report with figures;
`cryonto docs -o site/`: the ontology as a static site. Both call
`cryonto.report` and print what they wrote.
"""

from __future__ import annotations

from pathlib import Path

import click

from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option


@main.command("report")
@click.argument("data", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The report file to write (.html or .md).")
@click.option("--format", "fmt", type=click.Choice(("html", "md")), default=None,
              help="html (one self-contained file) or md; default from the -o suffix, else html.")
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Also write each figure as SVG and 300 dpi PNG into this folder.")
@click.option("--redact", is_flag=True,
              help="No segment text or quotes from the data and no names (study, documents, "
                   "participants and coders become pseudonyms), as `export --redact`.")
@click.option("--lang", type=click.Choice(("en", "de")), default="en", show_default=True,
              help="Category labels in English or German (this project's translation).")
def report(data: tuple[Path, ...], store_dir: Path | None, output: Path, fmt: str | None,
           figures_dir: Path | None, redact: bool, lang: str) -> None:
    """A report on coded DATA (or --store DIR): frequencies, co-occurrence, the category
    system as a figure, agreement, quotes, literature and unmapped codes."""
    from cryonto.report.html import build_report

    if fmt is None:
        fmt = "md" if output.suffix.lower() in (".md", ".markdown") else "html"
    result = build_report(data_or_store(data, store_dir), output, fmt=fmt,
                          figures_dir=figures_dir, redact=redact, lang=lang)
    click.echo(f"wrote {result.out} ({result.size // 1024} KB, {len(result.figures)} figures, "
               f"{result.seconds:.1f} s)")
    for path in result.figure_files:
        click.echo(f"wrote {path}")


@main.command("docs")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder to write the site into.")
@click.option("--lang", type=click.Choice(("en", "de")), default="en", show_default=True,
              help="Label language of the pages (German labels are this project's translation).")
@click.option("--base-url", default=None, metavar="URL",
              help="Where the site will be published (used by the w3id .htaccess).")
def docs(output: Path, lang: str, base_url: str | None) -> None:
    """The ontology as a static documentation site (pages, figure, search, downloads)."""
    from cryonto.report.site import build_site

    result = build_site(output, lang=lang, base_url=base_url)
    click.echo(f"wrote {result.out}: {len(result.pages)} pages, {result.files} files")
