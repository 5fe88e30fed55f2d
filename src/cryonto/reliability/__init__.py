"""Intercoder agreement on coded data: `agreement(...)` and the writers behind the CLI.

    from cryonto.reliability import agreement
    result = agreement(["study.ttl"], level="segment", bootstrap=1000, seed=1)
    result.as_dict()["overall"]["krippendorff_alpha"]

Levels, coefficients and the mapping rule are defined in docs/agreement.md.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore
from cryonto.reliability.bootstrap import Figures, figures
from cryonto.reliability.levels import (
    Disagreement,
    document_level,
    segment_level,
    unitized_level,
)
from cryonto.reliability.results import AgreementResult, CategoryFigures
from cryonto.reliability.units import LEVELS, choose_coders, load, select

MAX_REPLICATES = 100_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while 10^5 small objects (codings, units,
    disagreements) are built: none form cycles, yet each allocation burst triggers collections
    over all of them, which took half the level's time at 10^5 segments."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def agreement(data: Sequence[Path | str] | Path | str | GraphStore, level: str = "document",
              overlap: float = 0.9, coders: Sequence[str] | str | None = None,
              rollup: bool = False, bootstrap: int = 0, seed: int = 0) -> AgreementResult:
    """Agreement between coders on the categories of coded DATA (RDF files from `import`)."""
    paths = [data] if isinstance(data, str | Path) else data  # files, or an open store
    if level not in LEVELS:
        raise CryontoError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if not 0 < overlap <= 1:
        raise CryontoError(f"--overlap must be more than 0 and at most 1, got {overlap}")
    if not 0 <= bootstrap <= MAX_REPLICATES:
        raise CryontoError(f"--bootstrap must be between 0 and {MAX_REPLICATES}, got {bootstrap}")
    wanted = [c.strip() for c in coders.split(",")] if isinstance(coders, str) else coders
    if wanted is not None and any(not c for c in wanted):
        raise CryontoError("--coders takes names separated by commas, e.g. --coders anna,ben")
    with paused_gc():
        codings = load(paths)
        chosen = choose_coders(codings, wanted)
        selection = select(codings, chosen, rollup)
        if not selection.categories:
            raise CryontoError("the chosen coders coded no cryonto category (directly or "
                               "through a mapped study code)")
        if level == "document":
            built = document_level(selection)
        elif level == "segment":
            built = segment_level(selection, codings, overlap)
        else:
            built = unitized_level(selection, codings)
    seeds = np.random.SeedSequence(seed).spawn(len(selection.categories) + 1)
    overall = figures(built.overall, bootstrap, np.random.default_rng(seeds[0]))
    per = []
    for i, k in enumerate(selection.categories):
        notation, label = codings.categories.get(k, (k, k))
        per.append(CategoryFigures(k, notation, label, figures(
            built.categories[k], bootstrap, np.random.default_rng(seeds[i + 1]))))
    return AgreementResult(
        level=level, coders=[codings.coder_labels.get(c, c) for c in chosen], coder_iris=chosen,
        studies=codings.studies, overlap=overlap, rollup=rollup, replicates=bootstrap,
        seed=seed, overall=overall, categories=per, disagreements=built.disagreements,
        notes=codings.notes + built.notes,
        documents={d: v["title"] for d, v in codings.documents.items()},
        notations={k: v[0] for k, v in codings.categories.items()})


__all__ = ["LEVELS", "AgreementResult", "CategoryFigures", "Disagreement", "Figures",
           "agreement"]
