"""CLI commands: validate and generate (registered on cryonto.cli.main)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option
from cryonto.errors import CryontoError


@main.command("validate")
@click.argument("data", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@store_option
@click.option("--profile", type=click.Choice(["core", "shareable", "findings"]), default="core",
              show_default=True,
              help="core: a structurally valid coded dataset; shareable: core plus no "
                   "interview text, pseudonymous participants, licence and provenance; "
                   "findings: findings and the records they cite (docs/findings.md).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="Report format (turtle: a sh:ValidationReport).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast",
              show_default=True,
              help="fast: shapes compiled to SPARQL on pyoxigraph; pyshacl: plain pySHACL on "
                   "an rdflib graph (slow; for comparison).")
@click.option("--ontology", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Validate against these ontology file(s) instead of the packaged one.")
@click.option("--all", "all_results", is_flag=True,
              help="text: list every result of each shape, not the first 3 (json and turtle "
                   "always hold every result).")
@click.option("--in-memory/--on-disk", "in_memory", default=None,
              help="--store: validate a copy in memory (faster, memory like the files') or "
                   "the store on disk (bounded memory). Default: in memory up to about 2x10^5 "
                   "segments.")
def validate_command(data: tuple[Path, ...], store_dir: Path | None, profile: str, strict: bool,
                     fmt: str, output: Path | None, engine: str, ontology: tuple[Path, ...],
                     all_results: bool, in_memory: bool | None) -> None:
    """Validate coded data (RDF files) with the SHACL shapes of a profile.

    The packaged ontology is loaded as the ontology graph. Exit code 0 when the
    data conforms (warnings allowed unless --strict), 1 when there are
    violations, 2 when an input cannot be read. The text report groups results
    by the shape that reported them, with a count and the first 3 (--all: every
    one), each naming the segment and the source file and row it came from.
    """
    from cryonto.atomic import atomic_write, refuse_overwrite
    from cryonto.shacl import validate, validate_stored

    refuse_overwrite(output, [*data, *ontology])
    source = data_or_store(data, store_dir)
    if isinstance(source, list):
        if in_memory is not None:
            raise CryontoError("--in-memory/--on-disk go with --store only")
        report = validate(source, profile, engine=engine, ontology_files=list(ontology) or None)
    else:
        if ontology:
            raise CryontoError("--ontology does not go with --store: the store holds the "
                               "ontology it was loaded with")
        report = validate_stored(source, profile, engine=engine, in_memory=in_memory)
    counts = report.counts()
    summary = (f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
               f"{counts['Info']} info(s); {report.segments} segment(s) checked")
    if output is not None:  # written as it is made: a report of 10^6 results is never whole
        with atomic_write(output, "wb") as handle:
            report.write(fmt, handle, all_results)
        click.echo(f"{'FAILED' if report.failed(strict) else 'OK'}: {summary}; "
                   f"report written to {output}", err=True)
    else:
        sys.stdout.flush()
        report.write(fmt, sys.stdout.buffer, all_results)
        sys.stdout.buffer.flush()
        if fmt != "text":
            click.echo(summary, err=True)
    sys.exit(1 if report.failed(strict) else 0)


@main.command("generate")
@click.option("--segments", type=click.IntRange(min=1), required=True,
              help="How many coded segments.")
@click.option("--documents", type=click.IntRange(min=1),
              help="How many transcripts (default: one per 150 segments).")
@click.option("--coders", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--errors", type=click.IntRange(min=0), default=0, show_default=True,
              help="Inject this many errors of known kinds, one per segment, listed in "
                   "OUT.errors.json.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--study", default="generated", show_default=True, help="Study name.")
@click.option("--full-text", is_flag=True, help="Also write each transcript's full text.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Turtle file to write.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the segments as the generic CSV (`cryonto import csv`).")
def generate_command(segments: int, documents: int | None, coders: int, errors: int, seed: int,
                     study: str, full_text: bool, output: Path, csv_out: Path | None) -> None:
    """Generate a synthetic coded study (realistic category frequencies and co-occurrences).

    With --errors K, K segments carry one injected error each (start >= end,
    offset past the document end, missing coder, unknown code, bad date, missing
    document, no code, wrong motivation, reversed paragraph range); the JSON
    manifest next to OUT names each segment, its error and the shapes that must
    report it.
    """
    from cryonto.atomic import refuse_overwrite
    from cryonto.generate import generate_study, manifest_path, write_csv, write_study

    if csv_out is not None and csv_out.absolute() == output.absolute():
        raise CryontoError("refused: --csv and -o name the same file", str(output))
    refuse_overwrite(csv_out, [output])
    study_data = generate_study(segments, documents=documents, coders=coders, errors=errors,
                                seed=seed, study=study, full_text=full_text)
    manifest = manifest_path(output) if errors else None
    write_study(study_data, output, manifest)
    counts = study_data.dataset.counts().as_dict()
    click.echo(f"Wrote {output}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if manifest is not None:
        click.echo(f"Wrote {manifest}: {len(study_data.errors)} injected error(s)")
    if csv_out is not None:
        rows = write_csv(study_data, csv_out)
        click.echo(f"Wrote {csv_out}: {rows} row(s)")
