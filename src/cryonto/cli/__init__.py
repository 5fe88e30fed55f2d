"""The `cryonto` command line: click commands only.

Each command parses options, calls one library function and prints. Bad input
raised as `CryontoError` becomes one line on stderr and exit code 2, never a
traceback. Commands live in sibling modules, one per area, registered below.
"""

from __future__ import annotations

import sys

import click

from cryonto.errors import CryontoError


class CryontoGroup(click.Group):
    """Turns `CryontoError` from any command into a one-line error and exit 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CryontoError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)


@click.group(cls=CryontoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cryonto")
def main() -> None:
    """cryonto: the crying-in-psychotherapy category system as a knowledge graph.

    Browse the category system, check the ontology, import and validate coded
    interview data, query it with SPARQL and serve it to other tools.
    """


def _register() -> None:
    # Imported for their side effect: each module adds its commands to `main`.
    from cryonto.cli import (  # noqa: F401
        agreement_commands,
        export_commands,
        import_commands,
        ontology_commands,
        report_commands,
        serve_commands,
        sparql_commands,
        validate_commands,
    )


_register()
