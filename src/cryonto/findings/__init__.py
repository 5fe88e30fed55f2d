"""The user's own findings: read from CSV, YAML or JSON, written as a findings graph.

* `cryonto.findings.read`: rows and references as read (CSV/YAML/JSON; BibTeX, RIS,
  CSL-JSON), DOIs checked for syntax only; nothing is fetched;
* `cryonto.findings.build`: the findings graph (N-Triples lines -> Turtle);
* `cryonto.findings.api`: the whole import, and reading findings graphs back.

See docs/findings.md.
"""

from __future__ import annotations

from cryonto.findings.api import ImportResult, import_findings, load_user_findings
from cryonto.findings.build import Builtin, FindingsGraph, build_graph, builtin_records
from cryonto.findings.read import (
    DOI_PATTERN,
    STANCES,
    FindingRow,
    Reference,
    normalize_doi,
    read_findings,
    read_references,
)

__all__ = ["DOI_PATTERN", "STANCES", "Builtin", "FindingRow", "FindingsGraph", "ImportResult",
           "Reference", "build_graph", "builtin_records", "import_findings",
           "load_user_findings", "normalize_doi", "read_findings", "read_references"]
