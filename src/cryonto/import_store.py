"""Import coded data and load it into a persistent store, in one step.

``cryonto import csv X.csv -o X.nt --store DIR`` is ``cryonto import`` followed by
``cryonto load X.nt --store DIR``: the import streams (for a ``.nt`` output) and is
re-counted as always, and the file it wrote becomes the store's graph for it, so
that `validate --store` can parse the unchanged file again instead of reading the
store (docs/store.md). Whatever would make the load refuse (a locked, corrupt or
foreign store; the file already loaded without ``replace``) is checked before the
import starts, so a long import is not spent on a load that cannot happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryonto.errors import CryontoError
from cryonto.importing import ImportResult
from cryonto.rdf import graph_iri_for
from cryonto.rdf.persistent import DiskStore
from cryonto.storage import LoadReport, load, stored_graphs
from cryonto.streaming import import_to

__all__ = ["StoredImport", "import_into_store"]


@dataclass
class StoredImport:
    """The import's result (counts, notes) and what the load did."""

    imported: ImportResult
    loaded: LoadReport


def import_into_store(fmt: str, path: Path | str, output: Path | str, store: Path | str, *,
                      replace: bool = False, progress: Callable[[str], None] | None = None,
                      **import_options: object) -> StoredImport:
    """Import `path` to `output` (N-Triples streams, Turtle does not), then load it into `store`.

    `import_options` are those of `import_to_ntriples` / `import_to_turtle` (study,
    mapping, ontology, limits, …). `replace` replaces the graph of an `output` loaded
    before; without it, an `output` already in the store is refused before importing.
    """
    output, folder = Path(output), Path(store)
    _check_loadable(output, folder, replace)
    imported = import_to(fmt, path, output, **import_options)
    return StoredImport(imported, load([output], folder, replace=replace, progress=progress))


def _check_loadable(output: Path, folder: Path, replace: bool) -> None:
    """Refuse now what `load` would refuse after the import (one line, exit 2)."""
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        return  # load creates it
    with DiskStore.open(folder, write=True) as existing:  # locked/corrupt/foreign: StoreError
        graph = graph_iri_for(output).value
        if not replace and any(g.graph == graph for g in stored_graphs(existing)):
            raise CryontoError(f"already loaded into the store {folder}; give --replace to "
                               "replace its graph with this import", str(output))
