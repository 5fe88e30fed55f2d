"""CLI commands: import (registered on cryonto.cli.main)."""

from __future__ import annotations

import click  # noqa: F401

from cryonto.cli import main  # noqa: F401
