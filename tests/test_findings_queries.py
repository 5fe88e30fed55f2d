"""The findings queries and the study comparison, on built-in + user findings and two studies.

Expectations are computed from the triples with rdflib, not with SPARQL.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from cryonto import resources
from cryonto.cli import main
from cryonto.findings import import_findings
from cryonto.queries import run_query
from cryonto.rdf import GraphStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TTL = ROOT / "examples" / "paper-quotes.ttl"
FIXTURE = ROOT / "tests" / "fixtures" / "queries" / "mapped-study.ttl"
CRY = Namespace("https://w3id.org/cryonto/")
CITO = Namespace("http://purl.org/spar/cito/")
OA = Namespace("http://www.w3.org/ns/oa#")
STANCES = {CITO.supports: "supports", CITO.qualifies: "qualifies",
           CITO.disagreesWith: "disagreesWith"}
HEADER = "study,categories,stance,claim,evidence,location,extracted_by,extracted_on"
BIB = """@article{doe2021,
  author = {Doe, J.}, title = {Pauses and tears}, journal = {Journal of Examples}, year = {2021}
}
"""


@pytest.fixture(scope="module")
def user_file(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("user")
    (tmp / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp / "mine.csv").write_text(
        f"{HEADER}\n"
        "doe2021,A2.2,supports,,Crying brought us closer.,p. 4,Jane Doe,2026-11-01\n"
        "doe2021,I2.1,disagreesWith,,Pauses did not help.,p. 5,Jane Doe,2026-11-01\n",
        encoding="utf-8")
    import_findings(tmp / "mine.csv", tmp / "mine.ttl", tmp / "refs.bib")
    return tmp / "mine.ttl"


@pytest.fixture(scope="module")
def graph(user_file: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in [*resources.ontology_files(), user_file, EXAMPLE_TTL, FIXTURE]:
        g.parse(path)
    return g


@pytest.fixture(scope="module")
def store(user_file: Path) -> GraphStore:
    return GraphStore.with_ontology([user_file, EXAMPLE_TTL, FIXTURE])


def run(store: GraphStore, name: str, **params):
    return run_query(name, params=params, store=store)


def categories(g: rdflib.Graph) -> set[URIRef]:
    return set(g.subjects(SKOS.inScheme, CRY.CategorySystem))


def stances(g: rdflib.Graph) -> set[tuple[str, str, str]]:
    """(category, stance, finding) over built-in and user findings."""
    return {(str(c), name, str(f)) for p, name in STANCES.items()
            for f, c in g.subject_objects(p) if (f, RDF.type, CRY.Finding) in g}


def test_evidence_map(store: GraphStore, graph: rdflib.Graph) -> None:
    expected: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    users: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for category, stance, finding in stances(graph):
        for record in graph.objects(URIRef(finding), DCTERMS.source):
            key = (category, str(record), stance)
            expected[key].add(finding)
            if (URIRef(finding), RDF.type, CRY.UserFinding) in graph:
                users[key].add(finding)
    got = {(r["category"], r["record"], r["stance"]): (r["findings"], r["userFindings"])
           for r in run(store, "findings-evidence-map").dicts()}
    assert got == {k: (len(v), len(users[k])) for k, v in expected.items()}
    # the user's study sits beside the built-in ones on A2.2
    a22 = {k[1] for k in got if k[0] == str(CRY.RelationalEnhancer)}
    assert any(r.endswith("/ref/doe2021") for r in a22) and str(CRY["ref/katz2024"]) in a22
    only = run(store, "findings-evidence-map", stance="disagreesWith", category="I2.1").dicts()
    assert [(r["stance"], r["userFindings"]) for r in only] == [("disagreesWith", 1)]


def test_findings_about_with_evidence_and_user_flag(store: GraphStore,
                                                    graph: rdflib.Graph) -> None:
    rows = run(store, "findings-about", category="A3.2").dicts()
    under = {c for c in categories(graph) if CRY.PromotesProcess in
             set(graph.transitive_objects(c, SKOS.broader))}
    expected = {(c, s, f) for c, s, f in stances(graph) if URIRef(c) in under}
    assert {(r["about"], r["stance"], r["finding"]) for r in rows} == expected
    for row in rows:
        evidence = set(map(str, graph.objects(URIRef(row["finding"]), CRY.evidenceText)))
        assert row["evidence"] in evidence
    a22 = run(store, "findings-about", category="Crying as a relational enhancer").dicts()
    mine = [r for r in a22 if r["user"]]
    assert len(mine) == 1 and mine[0]["location"] == "p. 4"
    assert mine[0]["evidence"] == "Crying brought us closer."
    assert all(r["user"] is False for r in a22 if "/user/" not in r["finding"])


def test_where_studies_disagree(store: GraphStore, graph: rdflib.Graph) -> None:
    both = {c for c in categories(graph)
            if any((f, CITO.supports, c) in graph for f in graph.subjects(RDF.type, CRY.Finding))
            and any((f, CITO.disagreesWith, c) in graph
                    for f in graph.subjects(RDF.type, CRY.Finding))}
    rows = run(store, "findings-disagreements").dicts()
    assert {URIRef(r["category"]) for r in rows} == both
    # Capps' null result on alliance against Katz, Genova, Knox and the user's study
    a22 = next(r for r in rows if r["category"] == str(CRY.RelationalEnhancer))
    assert "Capps" in a22["disagreeingStudies"] and "Katz" in a22["supportingStudies"]
    assert "Doe" in a22["supportingStudies"]
    assert CRY.Pause not in both  # the user disagrees on I2.1, but no one supports it


def test_gaps(store: GraphStore, graph: rdflib.Graph) -> None:
    borne = set(graph.objects(None, CRY.bearsOn))
    rows = run(store, "findings-gaps").dicts()
    assert {URIRef(r["category"]) for r in rows} == categories(graph) - borne
    # the user's finding on I2.1 fills that gap; A3.1 stays one
    got = {r["notation"] for r in rows}
    assert "I2.1" not in got and "A3.1" in got


def test_category_links_show_the_basis(store: GraphStore, graph: rdflib.Graph) -> None:
    rows = run(store, "category-links", category="I1").dicts()
    assert rows
    for row in rows:
        records = [r for r in graph.subjects(CRY.linkType, URIRef(row["link"]))
                   if {graph.value(r, CRY.linkSubject), graph.value(r, CRY.linkObject)}
                   == {CRY.Addressing, URIRef(row["other"])}]
        assert row["basis"] == str(graph.value(records[0], CRY.linkBasis))
    bases = {(r["otherNotation"], r["basisLabel"]) for r in rows}
    assert ("I2", "definitional contrast between sibling interventions") in bases


# -- comparing coded studies ------------------------------------------------------------

COUNTED = (SKOS.exactMatch, SKOS.closeMatch, SKOS.narrowMatch)
LEFT_OUT = (SKOS.broadMatch, SKOS.relatedMatch)


def _reach(g: rdflib.Graph, code, props) -> set:
    cats = categories(g)
    direct = {code} if code in cats else set()
    direct |= {c for p in props for c in g.objects(code, p) if c in cats}
    return {a for c in direct for a in g.transitive_objects(c, SKOS.broader)}


def test_study_comparison(store: GraphStore, graph: rdflib.Graph) -> None:
    counted: dict = defaultdict(set)
    documents: dict = defaultdict(set)
    left: dict = defaultdict(set)
    per_study: dict = defaultdict(set)
    unmapped: dict = defaultdict(set)
    for seg in graph.subjects(RDF.type, OA.Annotation):
        doc = graph.value(graph.value(seg, OA.hasTarget), OA.hasSource)
        study = graph.value(doc, DCTERMS.isPartOf)
        per_study[study].add(seg)
        reached: set = set()
        loose: set = set()
        for code in graph.objects(seg, OA.hasBody):
            reached |= _reach(graph, code, COUNTED)
            loose |= _reach(graph, code, LEFT_OUT)
        if not reached:
            unmapped[study].add(seg)
        for c in reached:
            counted[(c, study)].add(seg)
            documents[(c, study)].add(doc)
        for c in loose - reached:
            left[(c, study)].add(seg)
    studies_of: dict = defaultdict(set)
    for c, study in counted:
        studies_of[c].add(study)
    expected = {}
    for (c, study), segs in counted.items():
        if len(studies_of[c]) >= 2:
            rate = round(len(segs) * 100 / len(per_study[study]), 2)
            expected[(str(c), str(study))] = (len(segs), len(documents[(c, study)]),
                                              len(per_study[study]), rate,
                                              len(left[(c, study)]), len(unmapped[study]))
    rows = run(store, "study-comparison").dicts()
    got = {(r["category"], r["study"]): (r["segments"], r["documents"], r["studySegments"],
                                         round(float(r["rate"]), 2), r["leftOut"],
                                         r["unmappedSegments"]) for r in rows}
    assert got == expected
    assert len({s for _, s in got}) == 2
    assert any(v[4] for v in got.values()), "a broadMatch/relatedMatch code is left out and stated"
    one = run(store, "study-comparison", category="A1.1", min_studies=2).dicts()
    assert {r["notation"] for r in one} == {"A1.1"}


def test_cli_table(user_file: Path) -> None:
    result = CliRunner().invoke(main, ["query", "study-comparison", "--data", str(EXAMPLE_TTL),
                                       "--data", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split()
    for column in ("segments", "documents", "rate", "leftOut", "unmappedSegments"):
        assert column in header
