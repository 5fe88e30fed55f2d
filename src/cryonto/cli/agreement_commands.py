"""CLI command: agreement (registered on cryonto.cli.main).

`cryonto agreement DATA...`: parse options, call `cryonto.reliability.agreement`,
print or write the result (atomically) and, if asked, the disagreements table.
"""

from __future__ import annotations

from pathlib import Path

import click

from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option

FORMATS = ("text", "csv", "json", "turtle")


@main.command("agreement")
@click.argument("data", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@store_option
@click.option("--level", type=click.Choice(("document", "segment", "unitized")),
              default="document", show_default=True,
              help="Unit of comparison: transcript × category, coded segment, or character.")
@click.option("--overlap", type=float, default=0.9, show_default=True,
              help="Segment level: share of a segment's length the other coder's span must "
                   "cover (MAXQDA's 90 %).")
@click.option("--coders", default=None, metavar="A,B",
              help="Coders to compare (names or IRIs); default the two with most segments.")
@click.option("--rollup", is_flag=True,
              help="Count each coding toward every broader category too.")
@click.option("--bootstrap", "replicates", type=int, default=0, show_default=True,
              metavar="N", help="Replicates for 95 % percentile intervals (0: none).")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--disagreements", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write each disagreeing unit to this .csv or .xlsx file.")
@click.option("--redact", is_flag=True, help="Leave segment text out of --disagreements.")
def agreement_command(data: tuple[Path, ...], store_dir: Path | None, level: str,
                      overlap: float, coders: str | None, rollup: bool, replicates: int,
                      seed: int, fmt: str,
                      output: Path | None, disagreements: Path | None, redact: bool) -> None:
    """Intercoder agreement on the categories of coded DATA (Turtle from `cryonto import`)
    or of a store (--store DIR)."""
    from cryonto.atomic import write_bytes
    from cryonto.errors import CryontoError
    from cryonto.reliability import agreement
    from cryonto.reliability import disagreements as table
    from cryonto.reliability.rdf import to_turtle

    if disagreements is not None and disagreements.suffix.lower() not in (".csv", ".xlsx"):
        raise CryontoError("--disagreements must name a .csv or .xlsx file", str(disagreements))
    for target in (output, disagreements):
        if target is not None and any(target.resolve() == p.resolve() for p in data):
            raise CryontoError("output would overwrite an input file", str(target))
    result = agreement(data_or_store(data, store_dir), level=level, overlap=overlap,
                       coders=coders, rollup=rollup, bootstrap=replicates, seed=seed)
    if fmt == "turtle":
        payload = to_turtle(result)
    else:
        text = {"text": result.to_text, "csv": result.to_csv, "json": result.to_json}[fmt]()
        payload = text.encode("utf-8")
    if disagreements is not None:
        count = table.write(result, disagreements, redact=redact)
        click.echo(f"wrote {count} disagreeing unit(s) to {disagreements}", err=True)
    if output is None:
        click.echo(payload.decode("utf-8"), nl=False)
    else:
        write_bytes(output, payload)
        click.echo(f"wrote {output}", err=True)
