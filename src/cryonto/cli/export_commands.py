"""CLI commands: export (registered on cryonto.cli.main).

`cryonto export codebook|refi|csv|turtle`: parse options, call
`cryonto.exporting`, print the counts in and out and any notes.
"""

from __future__ import annotations

from pathlib import Path

import click

from cryonto.atomic import refuse_overwrite
from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option
from cryonto.coded import COUNT_FIELDS
from cryonto.exporting import CODEBOOK_FORMATS, SALT_ENV, ExportResult


def _report(result: ExportResult, fields: tuple[str, ...] = COUNT_FIELDS) -> None:
    def line(label: str, counts) -> str:
        values = counts.as_dict()
        return f"{label} " + "  ".join(f"{f} {values[f]}" for f in fields)

    click.echo(line("in: ", result.counts_in))
    for adj in result.adjustments:
        click.echo(f"  {adj.field} {adj.delta:+d}: {adj.reason}")
    click.echo(line("out:", result.counts_out))
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.random_salt:
        click.echo(f"note: pseudonyms come from a random salt kept nowhere (not in the output, "
                   f"not on disk): nobody can link them to the ids or to another export; give "
                   f"--salt or {SALT_ENV} (at least 16 characters, kept with the study's key "
                   f"list) to re-link them later", err=True)
    click.echo(f"wrote {result.path}")


@main.group("export")
def export() -> None:
    """Export the category system as a codebook, or coded data for QDA software and sharing."""


@export.command("codebook")
@click.option("--format", "fmt", type=click.Choice(CODEBOOK_FORMATS), default=None,
              help="qdc (REFI-QDA codebook), csv, xlsx or md; default from the -o suffix, "
                   "else qdc.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write.")
@click.option("--lang", type=click.Choice(("en", "de")), default="en", show_default=True,
              help="Label and definition language (German labels are this project's "
                   "translation; missing German definitions fall back to English).")
def codebook(fmt: str | None, output: Path, lang: str) -> None:
    """The category system as a codebook MAXQDA, ATLAS.ti, NVivo and QualCoder import."""
    from cryonto.exporting import export_codebook

    _report(export_codebook(output, fmt, lang), ("codes",))


_data_argument = click.argument("data", nargs=-1,
                                type=click.Path(dir_okay=False, path_type=Path))
_salt_option = click.option(
    "--salt", envvar=SALT_ENV, default=None,
    help=f"Secret key for pseudonyms (also ${SALT_ENV}), at least 16 characters; the same "
         "salt gives the same pseudonyms in every export. Without it a random salt is used "
         "and kept nowhere.")


_redact_option = click.option(
    "--redact", is_flag=True,
    help="No segment, memo or transcript text; study, document, participant and segment names "
         "replaced by pseudonyms; no file names.")


@export.command("refi")
@_data_argument
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .qdpx file to write.")
@click.option("--name", default=None, help="Project name (default: the study title).")
@_redact_option
@_salt_option
@click.option("--positions", type=click.Choice(("codepoints", "utf16")), default="codepoints",
              show_default=True, help="Unit of text positions: utf16 for NVivo, code points "
              "for QualCoder, ATLAS.ti, MAXQDA and the REFI standard (docs/import.md).")
def refi(data: tuple[Path, ...], store_dir: Path | None, output: Path, name: str | None,
         redact: bool, salt: str | None, positions: str) -> None:
    """Coded DATA (Turtle from `cryonto import`) as a REFI-QDA project (.qdpx)."""
    from cryonto.exporting import export_refi

    refuse_overwrite(output, data)
    _report(export_refi(data_or_store(data, store_dir), output, name=name, redact=redact,
                        salt=salt, positions=positions))


@export.command("csv")
@_data_argument
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV file to write.")
@_redact_option
@_salt_option
def csv_command(data: tuple[Path, ...], store_dir: Path | None, output: Path, redact: bool,
                salt: str | None) -> None:
    """Coded DATA as the generic CSV that `cryonto import csv` reads."""
    from cryonto.exporting import export_csv

    refuse_overwrite(output, data)
    _report(export_csv(data_or_store(data, store_dir), output, redact=redact, salt=salt))


@export.command("turtle")
@_data_argument
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The Turtle file to write.")
@_redact_option
@click.option("--license", "license_iri", default=None, metavar="IRI",
              help="License of the dataset, e.g. https://creativecommons.org/licenses/by/4.0/")
@click.option("--creator", default=None, metavar="NAME",
              help="Who the dataset is attributed to (prov:wasAttributedTo).")
@_salt_option
def turtle(data: tuple[Path, ...], store_dir: Path | None, output: Path, redact: bool,
           license_iri: str | None, creator: str | None, salt: str | None) -> None:
    """Coded DATA as Turtle; with --redact and --license it passes the shareable profile."""
    from cryonto.exporting import export_turtle

    refuse_overwrite(output, data)
    _report(export_turtle(data_or_store(data, store_dir), output, redact=redact,
                          license=license_iri, salt=salt, creator=creator))


@export.command("ontology")
@click.option("--format", "fmt", type=click.Choice(("ttl", "jsonld", "xml", "nt")), default=None,
              help="Turtle, JSON-LD, RDF/XML or N-Triples; default from the -o suffix.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write.")
def ontology(fmt: str | None, output: Path) -> None:
    """The whole ontology (category system and literature) as a release file, with its
    owl:versionIRI."""
    from cryonto.report.release import export_ontology, version_iri

    path, fmt, triples = export_ontology(output, fmt)
    click.echo(f"wrote {path} ({fmt}, {triples} triples, {version_iri()})")
