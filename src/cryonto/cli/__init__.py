"""The `cryonto` command line: click commands only.

Each command parses options, calls one library function and prints. Bad input
raised as `CryontoError` becomes one line on stderr and exit code 2, never a
traceback. Commands live in sibling modules, one per area, registered below.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from cryonto.errors import CryontoError
from cryonto.render import protect_terminal, terminal_safe


def fail(message: str, details: tuple[str, ...] = ()) -> NoReturn:
    """One line on stderr (controls and newlines escaped), then any details one per line;
    exit code 2."""
    for n, line in enumerate((message, *details)):
        click.echo(("Error: " if n == 0 else "  ")
                   + terminal_safe(line.replace("\r", "\\r").replace("\n", "\\n")), err=True)
    sys.exit(2)


class CryontoGroup(click.Group):
    """Turns `CryontoError` from any command into a one-line error and exit 2.

    OSError and MemoryError are caught as a last resort only: each known cause
    is turned into a `CryontoError` where it happens, naming file and row.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CryontoError as error:
            fail(str(error), error.details)
        except BrokenPipeError:  # `cryonto … | head`: the reader left, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as error:
            from cryonto.atomic import os_reason

            where = f"{error.filename}: " if error.filename else ""
            fail(f"{where}{os_reason(error)}")
        except MemoryError:
            fail("out of memory")


@click.group(cls=CryontoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cryonto")
def main() -> None:
    """cryonto: the crying-in-psychotherapy category system as a knowledge graph.

    Browse the category system, check the ontology, import and validate coded
    interview data, query it with SPARQL and serve it to other tools.
    """
    protect_terminal()


def _register() -> None:
    # Imported for their side effect: each module adds its commands to `main`.
    from cryonto.cli import (  # noqa: F401
        agreement_commands,
        export_commands,
        import_commands,
        mapping_commands,
        ontology_commands,
        report_commands,
        serve_commands,
        sparql_commands,
        store_commands,
        validate_commands,
    )


_register()
