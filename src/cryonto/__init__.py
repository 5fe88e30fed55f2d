"""cryonto: the Gutjahr, Marten & Benecke category system of therapists' working
models of patient crying, as an OWL/SKOS knowledge graph, with the tools to
import, validate, query and serve coded interview data.

The Python API mirrors the CLI, one function per command (docs/api.md)::

    import cryonto
    system = cryonto.load_category_system()                     # categories / show
    imported = cryonto.import_to_turtle("csv", "coded.csv", "study.ttl")  # import
    report = cryonto.validate(["study.ttl"])                    # validate
    result = cryonto.run_query("segments-per-category", data=["study.ttl"])  # query
    rows = result.dicts()                                       # or result.to_dataframe()
    figures = cryonto.agreement(["study.ttl"], level="segment")  # agreement

No public name is also the name of a module of this package, so
``from cryonto import validate`` is always the function.

The imports below are explicit for type checkers and readers; at run time each
name is imported on first use (PEP 562), because importing every room at once
(numpy, rdflib, jinja2, …) would double the start-up time of every CLI command
(1.4 s instead of 0.65 s measured on this machine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cryonto._version import __version__

if TYPE_CHECKING:
    from cryonto.category import CategorySystem, Concept, load_category_system
    from cryonto.check import Report as CheckReport
    from cryonto.check import run_checks
    from cryonto.coded import CodedDataset, Counts
    from cryonto.errors import CryontoError, QueryRefused, RemoteError
    from cryonto.exporting import (
        ExportResult,
        export_codebook,
        export_csv,
        export_refi,
        export_turtle,
    )
    from cryonto.findings import import_findings
    from cryonto.generate import generate_study
    from cryonto.importing import ImportResult, import_file, import_to_turtle
    from cryonto.queries import QueryInfo, list_queries, run_query
    from cryonto.rdf import GraphStore, QueryResult, check_query
    from cryonto.reliability import AgreementResult, agreement
    from cryonto.remote import push
    from cryonto.report.html import build_report
    from cryonto.report.site import build_site
    from cryonto.shacl import ValidationReport, validate

#: public name -> (module, name in that module)
_API: dict[str, tuple[str, str]] = {
    "AgreementResult": ("cryonto.reliability", "AgreementResult"),
    "CategorySystem": ("cryonto.category", "CategorySystem"),
    "CheckReport": ("cryonto.check", "Report"),
    "CodedDataset": ("cryonto.coded", "CodedDataset"),
    "Concept": ("cryonto.category", "Concept"),
    "Counts": ("cryonto.coded", "Counts"),
    "CryontoError": ("cryonto.errors", "CryontoError"),
    "ExportResult": ("cryonto.exporting", "ExportResult"),
    "GraphStore": ("cryonto.rdf", "GraphStore"),
    "ImportResult": ("cryonto.importing", "ImportResult"),
    "QueryInfo": ("cryonto.queries", "QueryInfo"),
    "QueryRefused": ("cryonto.errors", "QueryRefused"),
    "QueryResult": ("cryonto.rdf", "QueryResult"),
    "RemoteError": ("cryonto.errors", "RemoteError"),
    "ValidationReport": ("cryonto.shacl", "ValidationReport"),
    "agreement": ("cryonto.reliability", "agreement"),
    "build_report": ("cryonto.report.html", "build_report"),
    "build_site": ("cryonto.report.site", "build_site"),
    "check_query": ("cryonto.rdf", "check_query"),
    "export_codebook": ("cryonto.exporting", "export_codebook"),
    "export_csv": ("cryonto.exporting", "export_csv"),
    "export_refi": ("cryonto.exporting", "export_refi"),
    "export_turtle": ("cryonto.exporting", "export_turtle"),
    "generate_study": ("cryonto.generate", "generate_study"),
    "import_file": ("cryonto.importing", "import_file"),
    "import_findings": ("cryonto.findings", "import_findings"),
    "import_to_turtle": ("cryonto.importing", "import_to_turtle"),
    "list_queries": ("cryonto.queries", "list_queries"),
    "load_category_system": ("cryonto.category", "load_category_system"),
    "push": ("cryonto.remote", "push"),
    "run_checks": ("cryonto.check", "run_checks"),
    "run_query": ("cryonto.queries", "run_query"),
    "validate": ("cryonto.shacl", "validate"),
}

__all__ = [
    "AgreementResult",
    "CategorySystem",
    "CheckReport",
    "CodedDataset",
    "Concept",
    "Counts",
    "CryontoError",
    "ExportResult",
    "GraphStore",
    "ImportResult",
    "QueryInfo",
    "QueryRefused",
    "QueryResult",
    "RemoteError",
    "ValidationReport",
    "__version__",
    "agreement",
    "build_report",
    "build_site",
    "check_query",
    "export_codebook",
    "export_csv",
    "export_refi",
    "export_turtle",
    "generate_study",
    "import_file",
    "import_findings",
    "import_to_turtle",
    "list_queries",
    "load_category_system",
    "push",
    "run_checks",
    "run_query",
    "validate",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'cryonto' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
