"""SHACL validation of coded datasets, fast: shapes compiled to SPARQL on the store.

The shapes in ``shapes/`` (profile ``core``; ``shareable`` = core + shareable.ttl;
``findings``) are compiled, generically, into one SPARQL SELECT per constraint
(`cryonto.shacl.compile`), run on the store holding ontology + data
(`cryonto.shacl.engine`), and each result is placed with its segment, source file and
row (`cryonto.shacl.locate`) in a `ValidationReport` (`cryonto.shacl.report`). A shape
using a component the compiler does not know is handed to pySHACL, so results stay
correct whatever the shapes say; ``engine="pyshacl"`` runs plain pySHACL for comparison.
"""

from __future__ import annotations

from cryonto.shacl.api import (
    ENGINES,
    PROFILES,
    load_shapes,
    profile_files,
    validate,
    validate_store,
    validate_stored,
)
from cryonto.shacl.report import Location, Result, ValidationReport
from cryonto.shacl.terms import INFO, SEVERITY_NAMES, VIOLATION, WARNING

__all__ = [
    "ENGINES",
    "INFO",
    "PROFILES",
    "SEVERITY_NAMES",
    "VIOLATION",
    "WARNING",
    "Location",
    "Result",
    "ValidationReport",
    "load_shapes",
    "profile_files",
    "validate",
    "validate_store",
    "validate_stored",
]
