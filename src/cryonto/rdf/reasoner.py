"""The OWL reasoner behind the wall: HermiT through owlready2, on a store's triples.

owlready2 cannot read Turtle, so the store is handed over as N-Triples in a
temporary folder, without ``owl:imports``: owlready2 (and HermiT behind it)
would download every imported IRI and open every imported ``file:``; cryonto
reads only the files it is given. Each run uses a fresh owlready2 World, so
nothing leaks between runs. What HermiT says comes back as plain data
(`Reasoning`); the caller decides what it means.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cryonto.rdf.store import GraphStore
from cryonto.vocab import OWL

_OWL_IMPORTS = ox.NamedNode(OWL.imports)
_NOTHING = OWL.Nothing


@dataclass(frozen=True)
class Reasoning:
    """HermiT's verdict: at most one failure field set, else the unsatisfiable classes."""

    #: owlready2 could not read the ontology (the parser's first line)
    load_error: str | None = None
    #: HermiT found the ontology inconsistent: its message and the owlready2 error type
    inconsistent: str | None = None
    #: HermiT (Java) failed: the whole error text
    java_error: str | None = None
    #: IRIs of classes inferred equivalent to owl:Nothing
    unsatisfiable: tuple[str, ...] = ()


def without_imports(store: GraphStore) -> bytes:
    """Every triple of the store as N-Triples, minus ``owl:imports``."""
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()
               if q.predicate != _OWL_IMPORTS)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def reason(store: GraphStore) -> Reasoning:
    """Run HermiT on the store's triples (owl:imports left out). Needs java on PATH."""
    import owlready2

    with tempfile.TemporaryDirectory(prefix="cryonto-reason-") as folder:
        path = Path(folder) / "ontology.nt"
        path.write_bytes(without_imports(store))
        world = owlready2.World()  # a fresh world: nothing leaks between runs
        try:
            return _reason_in(world, path)
        finally:
            world.close()


def _reason_in(world: object, path: Path) -> Reasoning:
    import owlready2

    assert isinstance(world, owlready2.World)
    try:
        world.get_ontology(path.as_uri()).load()
    except Exception as error:  # owlready2's parser errors have no common base
        return Reasoning(load_error=_first_line(error))
    try:
        owlready2.sync_reasoner_hermit(world, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as error:
        detail = str(error).strip() or "Inconsistent ontology"
        return Reasoning(inconsistent=f"{detail} (owlready2 {type(error).__name__})")
    except owlready2.OwlReadyJavaError as error:
        return Reasoning(java_error=str(error))
    found = (getattr(cls, "iri", str(cls)) for cls in world.inconsistent_classes())
    return Reasoning(unsatisfiable=tuple(iri for iri in found if iri != _NOTHING))


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


__all__ = ["Reasoning", "reason", "without_imports"]
