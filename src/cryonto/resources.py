"""Where the packaged ontology/, shapes/, queries/ and examples/ live.

In a checkout they are the top-level folders; in an installed wheel they are
copied into ``cryonto/_data/``. Everything asks here, never builds paths itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    installed = _PACKAGE_DIR / "_data"
    if (installed / "ontology").is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError("cryonto's bundled ontology/ folder was not found")


def ontology_dir() -> Path:
    return data_root() / "ontology"


def ontology_files() -> list[Path]:
    """The ontology and its literature, in load order."""
    return sorted(ontology_dir().glob("*.ttl"))


def ontology_file() -> Path:
    return ontology_dir() / "crying.ttl"


def shapes_dir() -> Path:
    return data_root() / "shapes"


def queries_dir() -> Path:
    return data_root() / "queries"


def examples_dir() -> Path:
    return data_root() / "examples"


@cache
def sparql(name: str) -> str:
    """The text of an internal query, ``queries/<name>.rq`` (e.g. ``model/counts``).

    The one loader for the queries the code itself runs; the research library
    (top-level ``queries/*.rq`` with their headers) is read by `cryonto.queries`.
    """
    return (queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
