"""Coded interview data: dataset types (`types`), to RDF (`to_rdf`), from RDF (`from_rdf`)."""

from __future__ import annotations

from cryonto.coded.from_rdf import count_store, from_store
from cryonto.coded.to_rdf import ntriple_lines, turtle_prefixes
from cryonto.coded.types import (
    COUNT_FIELDS,
    MAPPING_PREDICATES,
    ORIENTATIONS,
    Adjustment,
    Code,
    CodedDataset,
    Coder,
    Counts,
    Document,
    Segment,
    adjusted,
    counts_of,
    slug,
    study_slug,
)

__all__ = [
    "COUNT_FIELDS",
    "MAPPING_PREDICATES",
    "ORIENTATIONS",
    "Adjustment",
    "Code",
    "CodedDataset",
    "Coder",
    "Counts",
    "Document",
    "Segment",
    "adjusted",
    "count_store",
    "counts_of",
    "from_store",
    "ntriple_lines",
    "slug",
    "study_slug",
    "turtle_prefixes",
]
