"""The category system as a Python API: look concepts up, walk the tree, read links.

Everything is read once from the ontology files (``ontology/*.ttl`` or files the
caller names) into plain frozen dataclasses, so callers never write SPARQL or
touch RDF terms to answer "what is A1.1?".

* `cryonto.category.model`: the objects callers see (`Concept`, `Link`, `Finding`, …);
* `cryonto.category.system`: `CategorySystem`, lookup by notation/label/IRI, the tree;
* `cryonto.category.graph`: the ontology's triples indexed for walking;
* `cryonto.category.load`: files -> store -> objects, cached (`load_category_system`).
"""

from __future__ import annotations

from cryonto.category.load import build_category_system, load_category_system, resolve_code
from cryonto.category.model import (
    CATEGORY_SCHEME,
    STANCES,
    Concept,
    Emphasis,
    Finding,
    FormProperties,
    Link,
    Record,
    Term,
    TreeNode,
    curie,
    local_name,
    notation_key,
)
from cryonto.category.system import CategorySystem

__all__ = [
    "CATEGORY_SCHEME",
    "STANCES",
    "CategorySystem",
    "Concept",
    "Emphasis",
    "Finding",
    "FormProperties",
    "Link",
    "Record",
    "Term",
    "TreeNode",
    "build_category_system",
    "curie",
    "load_category_system",
    "local_name",
    "notation_key",
    "resolve_code",
]
