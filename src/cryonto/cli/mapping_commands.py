"""CLI commands: mapping template (registered on cryonto.cli.main)."""

from __future__ import annotations

from pathlib import Path

import click

from cryonto.cli import main


@main.group("mapping")
def mapping() -> None:
    """Map a study's own codes onto the cryonto categories (SSSOM tables)."""


@mapping.command("template")
@click.argument("source", metavar="PROJECT_OR_TTL",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The SSSOM TSV to write (e.g. codes.sssom.tsv).")
@click.option("--ontology", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Suggest categories of these ontology file(s) instead of the packaged one.")
def template(source: Path, output: Path, ontology: tuple[Path, ...]) -> None:
    """An SSSOM table with one row per study code of PROJECT_OR_TTL and a suggested category.

    PROJECT_OR_TTL is a REFI project (.qdpx/.qde/.qdc), a MAXQDA .xlsx, a CSV or a
    study imported by cryonto (.ttl). Suggestions match the code's name against
    every category's notation and English and German labels (rapidfuzz) and
    carry semapv:LexicalMatching and a confidence. Confirm a row by changing it
    to semapv:ManualMappingCuration; then `cryonto import … --mapping FILE`.
    """
    from cryonto.atomic import atomic_write
    from cryonto.category import load_category_system
    from cryonto.errors import CryontoError
    from cryonto.mapping import Suggester, load_dataset, mapping_template

    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise CryontoError("the output file is the input file; choose another -o", str(output))
    dataset = load_dataset(source)
    system = load_category_system(list(ontology) or None)
    result = mapping_template(dataset, Suggester(system), source.name)
    with atomic_write(output, "w") as handle:
        handle.write(result.text)
    click.echo(f"wrote {output}: {result.rows} study codes, {result.direct} named a category "
               f"already, {result.suggested} with a suggested category, "
               f"{result.rows - result.direct - result.suggested} without")
    click.echo("Check each suggestion, then change its mapping_justification to "
               "semapv:ManualMappingCuration to confirm it; unconfirmed suggestions are not "
               "applied.")
