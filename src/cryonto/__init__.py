"""cryonto: the Gutjahr, Marten & Benecke category system of therapists' working
models of patient crying, as an OWL/SKOS knowledge graph, with the tools to
import, validate, query and serve coded interview data.

The Python API mirrors the CLI, one function per command::

    import cryonto
    system = cryonto.load_category_system()          # cryonto categories / show
    report = cryonto.run_checks()                    # cryonto check
    result = cryonto.import_file("csv", "coded.csv") # cryonto import
    cryonto.export_csv(["study.ttl"], "shareable.csv", redact=True)  # cryonto export
    report = cryonto.validate(["study.ttl"])          # cryonto validate
    rows = cryonto.run_query("segments-per-category", data=["study.ttl"])  # cryonto query

Names are imported lazily so `import cryonto` stays fast for the CLI.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "CryontoError": "cryonto.errors",
    "GraphStore": "cryonto.rdf",
    "CodedDataset": "cryonto.coded",
    "load_category_system": "cryonto.category",
    "run_checks": "cryonto.check",
    "import_file": "cryonto.importing",
    "import_to_turtle": "cryonto.importing",
    "export_codebook": "cryonto.exporting",
    "export_refi": "cryonto.exporting",
    "export_csv": "cryonto.exporting",
    "export_turtle": "cryonto.exporting",
    "validate": "cryonto.shacl",
    "generate_study": "cryonto.generate",
    "list_queries": "cryonto.queries",
    "run_query": "cryonto.queries",
    "check_query": "cryonto.rdf.guard",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cryonto' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
