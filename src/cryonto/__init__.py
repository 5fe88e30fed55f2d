"""cryonto: the Gutjahr, Marten & Benecke category system of therapists' working
models of patient crying, as an OWL/SKOS knowledge graph, with the tools to
import, validate, query and serve coded interview data.

The Python API mirrors the CLI; see the README for both.
"""

from __future__ import annotations

__version__ = "0.1.0"
