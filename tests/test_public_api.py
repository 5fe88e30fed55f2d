"""The public API a notebook user sees: every name in `cryonto.__all__`, imported and called twice.

Twice, because the old lazy `__init__` handed out a submodule the second time a name was
looked up (``cryonto.validate`` worked once, then raised TypeError).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from support.paths import EXAMPLES, ROOT

import cryonto
from cryonto import CryontoError

CSV = EXAMPLES / "paper-quotes.csv"
TWO_CODERS = EXAMPLES / "agreement-synthetic.csv"


def test_all_names_resolve_and_no_name_is_also_a_submodule() -> None:
    submodules = {m.name for m in pkgutil.iter_modules(cryonto.__path__)}
    for name in cryonto.__all__:
        assert name not in submodules, f"cryonto.{name} is both a module and a public name"
        first = getattr(cryonto, name)
        again = importlib.import_module("cryonto").__dict__[name]  # now a plain attribute
        assert first is again is getattr(cryonto, name)
    assert set(dir(cryonto)) == set(cryonto.__all__)
    with pytest.raises(AttributeError):
        cryonto.no_such_name  # noqa: B018


def test_type_checking_imports_match_the_runtime_table() -> None:
    """The explicit imports (for readers and mypy) and the lazy table name the same things."""
    tree = ast.parse((ROOT / "src" / "cryonto" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    explicit = {(alias.asname or alias.name): (node.module, alias.name)
                for node in block.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert explicit == cryonto._API
    assert set(explicit) | {"__version__"} == set(cryonto.__all__)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("api") / "study.ttl"
    cryonto.import_to_turtle("csv", CSV, out, study="paper-quotes")
    return out


@pytest.mark.parametrize("attempt", [1, 2])
def test_the_worked_example_of_docs_api(study: Path, tmp_path: Path, attempt: int) -> None:
    system = cryonto.load_category_system()
    assert isinstance(system, cryonto.CategorySystem) and len(system) == 33
    concept = system.find("A1.1")
    assert isinstance(concept, cryonto.Concept) and concept.label("en") == "Protest crying"

    imported = cryonto.import_file("csv", CSV)
    assert isinstance(imported, cryonto.ImportResult)
    assert isinstance(imported.dataset, cryonto.CodedDataset)
    assert imported.counts_out == cryonto.Counts(documents=5, codes=15, segments=17,
                                                 codings=18, coders=2)
    written = cryonto.import_to_turtle("csv", CSV, tmp_path / "again.ttl", study="again")
    assert written.counts_out.segments == 17

    report = cryonto.validate([study])
    assert isinstance(report, cryonto.ValidationReport) and report.conforms

    names = [q.name for q in cryonto.list_queries()]
    assert all(isinstance(q, cryonto.QueryInfo) for q in cryonto.list_queries())
    assert "segments-per-category" in names
    result = cryonto.run_query("segments-per-category", data=[study])
    assert isinstance(result, cryonto.QueryResult)
    rows = {row["notation"]: row for row in result.dicts()}
    assert rows["A1.1"]["segments"] == 1
    frame = result.to_dataframe()
    assert list(frame.columns) == result.variables and len(frame) == len(result)

    assert cryonto.check_query("ASK {}") == "ASK"
    with pytest.raises(cryonto.QueryRefused):
        cryonto.check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    store = cryonto.GraphStore.with_ontology([study])
    assert store.ask("ASK { ?s a <https://w3id.org/cryonto/Study> }")


def test_agreement_export_generate_and_checks_twice(tmp_path: Path) -> None:
    for attempt in (1, 2):
        two = tmp_path / f"two-{attempt}.ttl"
        cryonto.import_to_turtle("csv", TWO_CODERS, two, study="synthetic")
        figures = cryonto.agreement([two], level="document")
        assert isinstance(figures, cryonto.AgreementResult)
        assert figures.coders == ["anna", "ben"]
        assert 0 <= figures.as_dict()["overall"]["agreement"] <= 1

        exported = cryonto.export_csv([two], tmp_path / f"out-{attempt}.csv")
        assert isinstance(exported, cryonto.ExportResult)
        assert exported.counts_in == exported.counts_out
        assert cryonto.export_turtle([two], tmp_path / f"out-{attempt}.ttl").counts_out.segments
        assert cryonto.export_refi([two], tmp_path / f"out-{attempt}.qdpx").path.exists()
        assert cryonto.export_codebook(tmp_path / f"codebook-{attempt}.qdc").path.exists()

        generated = cryonto.generate_study(50, seed=attempt)
        assert generated.dataset.counts().segments == 50

        checks = cryonto.run_checks(reasoner=False)
        assert isinstance(checks, cryonto.CheckReport)
        assert not [p for p in checks.problems if p.severity == "ERROR"]

        with pytest.raises(cryonto.RemoteError):
            cryonto.push([two], endpoint="http://127.0.0.1:9/query", timeout=2)
        with pytest.raises(CryontoError):
            cryonto.import_findings(tmp_path / "no-such-findings.csv")


@pytest.mark.slow
def test_report_and_site_twice(study: Path, tmp_path: Path) -> None:
    for attempt in (1, 2):
        built = cryonto.build_report([study], tmp_path / f"report-{attempt}.html")
        assert built.out.stat().st_size == built.size > 10_000
        assert "Protest crying" in built.out.read_text(encoding="utf-8")
        site = cryonto.build_site(tmp_path / f"site-{attempt}")
        assert (site.out / "index.html").exists() and len(site.pages) > 33
