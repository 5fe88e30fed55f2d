"""The query library on the bundled example data, with independently derived expectations.

Data: ``examples/paper-quotes.ttl`` (the paper's quotes, coded with category notations) plus
``tests/fixtures/queries/mapped-study.ttl`` (a second study with a mapped codebook, orientations
and unmapped codes). Every expected value below is computed in Python from the example CSV,
from the fixture's triples (rdflib triple lookups) or from the ontology's triples; hierarchy
comes from the notations ("A3.2.1" lies under "A3.2", "A3" and "A"). None comes from a SPARQL
engine.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.queries import list_queries, load_query, run_query
from cryonto.rdf import GraphStore
from cryonto.vocab import PREFIXES

# rdflib's own namespace objects for the rdflib cross-check (cryonto's are plain strings)
CITO, CRY, OA = (rdflib.Namespace(PREFIXES[p]) for p in ("cito", "cry", "oa"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CSV = ROOT / "examples" / "paper-quotes.csv"
EXAMPLE_TTL = ROOT / "examples" / "paper-quotes.ttl"
FIXTURE = ROOT / "tests" / "fixtures" / "queries" / "mapped-study.ttl"
EXAMPLE_STUDY = "https://w3id.org/cryonto/data/paper-quotes/"
FIXTURE_STUDY = "https://w3id.org/cryonto/data/mapped-study/"
FOLLOWED = (SKOS.exactMatch, SKOS.closeMatch, SKOS.narrowMatch)
LINKS = ("correspondsTo", "cooccursWith", "counterpartOf", "intersectsWith", "contrastsWith",
         "associatedWith")


# -- the data, read without SPARQL ----------------------------------------------------

@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def notations(ontology: rdflib.Graph) -> dict[str, str]:
    """category IRI -> notation, for the concepts of cry:CategorySystem."""
    return {str(c): str(ontology.value(c, SKOS.notation))
            for c in ontology.subjects(SKOS.inScheme, CRY.CategorySystem)}


def ancestors(notation: str) -> list[str]:
    """'A3.2.1' -> ['A3.2.1', 'A3.2', 'A3', 'A'] (the notation scheme is the hierarchy)."""
    parts = notation.split(".")
    out = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    top = parts[0]
    if len(top) > 1:  # "A3" lies under "A"
        out.append(top.rstrip("0123456789"))
    return out


class Segment:
    def __init__(self, iri: str, document: str, study: str, notations: set[str],
                 coder: str | None, orientation: str | None) -> None:
        self.iri, self.document, self.study = iri, document, study
        self.notations, self.coder, self.orientation = notations, coder, orientation


@pytest.fixture(scope="module")
def segments(notations: dict[str, str]) -> list[Segment]:
    """All segments of both studies with the categories they reach (directly or mapped)."""
    by_notation = {n: iri for iri, n in notations.items()}
    out: list[Segment] = []
    # the example: straight from its CSV (one row per coding)
    rows: dict[str, dict] = {}
    with EXAMPLE_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seg = rows.setdefault(row["segment_id"], {"doc": row["document"], "codes": set(),
                                                       "coder": row["coder"]})
            assert row["code"] in by_notation
            seg["codes"].add(row["code"])
    for sid, seg in rows.items():
        out.append(Segment(f"{EXAMPLE_STUDY}segment/{sid}",
                           f"{EXAMPLE_STUDY}document/{seg['doc']}", EXAMPLE_STUDY, seg["codes"],
                           f"{EXAMPLE_STUDY}coder/{seg['coder']}", None))
    # the fixture: from its triples
    graph = rdflib.Graph().parse(FIXTURE, format="turtle")
    for seg in graph.subjects(RDF.type, OA.Annotation):
        target = graph.value(seg, OA.hasTarget)
        doc = graph.value(target, OA.hasSource)
        reached: set[str] = set()
        for body in graph.objects(seg, OA.hasBody):
            if str(body) in notations:
                reached.add(notations[str(body)])
            for prop in FOLLOWED:
                for category in graph.objects(body, prop):
                    reached.add(notations[str(category)])
        coder = graph.value(seg, DCTERMS.creator)
        orientation = graph.value(doc, CRY.orientation)
        out.append(Segment(str(seg), str(doc), str(graph.value(doc, DCTERMS.isPartOf)), reached,
                           str(coder) if coder else None,
                           str(orientation) if orientation else None))
    return out


@pytest.fixture(scope="module")
def store() -> GraphStore:
    return GraphStore.with_ontology([EXAMPLE_TTL, FIXTURE])


def run(store: GraphStore, name: str, **params):
    return run_query(name, params=params, store=store)


def under(segment: Segment, notation: str) -> bool:
    return any(notation in ancestors(n) for n in segment.notations)


# -- the library itself -----------------------------------------------------------

def test_library_has_at_least_a_dozen_documented_queries() -> None:
    infos = list_queries()
    assert len(infos) >= 12
    for info in infos:
        assert info.title and info.title != info.name, info.name
        assert info.question.endswith("?"), info.name
        text = load_query(info.name).text
        for param in info.params:
            assert f"?{param.name}" in text, (info.name, param.name)
            assert param.description, (info.name, param.name)


def test_every_library_query_passes_the_guard() -> None:
    from cryonto.rdf.guard import check_query

    for info in list_queries():
        assert check_query(load_query(info.name).text) in ("SELECT", "ASK", "CONSTRUCT")


def test_every_query_runs_on_the_example(store: GraphStore) -> None:
    for info in list_queries():
        result = run(store, info.name)
        assert result.kind in ("select", "ask", "construct")


def test_example_matches_its_csv(segments: list[Segment]) -> None:
    example = [s for s in segments if s.study == EXAMPLE_STUDY]
    assert len(example) == 17
    assert sum(len(s.notations) for s in example) == 18


# -- coded data -------------------------------------------------------------------

def test_segments_per_category(store, segments, notations) -> None:
    result = run(store, "segments-per-category")
    got = {row["notation"]: (row["direct"], row["segments"], row["documents"])
           for row in result.dicts()}
    assert set(got) == set(notations.values())
    for notation in notations.values():
        direct = sum(1 for s in segments if notation in s.notations)
        rolled = [s for s in segments if under(s, notation)]
        expected = (direct, len(rolled), len({s.document for s in rolled}))
        assert got[notation] == expected, notation
    # spot checks a reader can verify by eye in the CSV and the fixture
    assert got["A1.1"] == (5, 5, 3)
    assert got["A3.2"][1] == 8


def test_segments_per_category_one_category(store) -> None:
    result = run(store, "segments-per-category", category="A3.2")
    assert [r["notation"] for r in result.dicts()] == ["A3.2"]


def test_segments_for_category(store, segments) -> None:
    result = run(store, "segments-for-category", category="A3.2")
    got = {(r["segment"], r["notation"]) for r in result.dicts()}
    expected = {(s.iri, n) for s in segments for n in s.notations if "A3.2" in ancestors(n)}
    assert got == expected
    by_segment = {r["segment"]: r for r in result.dicts()}
    q12 = by_segment[f"{EXAMPLE_STUDY}segment/Q12"]
    assert (q12["start"], q12["end"]) == (168, 217)
    assert q12["text"] == "I’d say if people cry, then I’ve done a good job."
    only_fixture = run(store, "segments-for-category", category="A3.2", study=FIXTURE_STUDY)
    assert {r["segment"] for r in only_fixture.dicts()} == {
        s.iri for s in segments if s.study == FIXTURE_STUDY and under(s, "A3.2")}


def _pairs(groups: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for cats in groups.values():
        for a, b in itertools.combinations(sorted(cats), 2):
            counts[(a, b)] += 1
    return counts


def _check_cooccurrence(result, groups: dict[str, set[str]]) -> None:
    pairs = _pairs(groups)
    single: dict[str, int] = defaultdict(int)
    for cats in groups.values():
        for c in cats:
            single[c] += 1
    got = {(r["notationA"], r["notationB"]): r for r in result.dicts()}
    assert set(got) == set(pairs)
    for (a, b), both in pairs.items():
        row = got[(a, b)]
        assert (row["both"], row["countA"], row["countB"]) == (both, single[a], single[b])
        assert row["jaccard"] == pytest.approx(both / (single[a] + single[b] - both), abs=1e-4)


def test_cooccurrence_in_segments(store, segments) -> None:
    groups = {s.iri: s.notations for s in segments}
    result = run(store, "cooccurrence-in-segments")
    _check_cooccurrence(result, groups)
    got = {(r["notationA"], r["notationB"]): r["both"] for r in result.dicts()}
    assert got[("A2.1", "A3.2.1")] == 1  # Q13, the paper's one double-coded quote
    assert got[("A1.1", "A3.3.2")] == 1  # fixture S1
    with_protest = run(store, "cooccurrence-in-segments", category="A1.1")
    assert all("A1.1" in (r["notationA"], r["notationB"]) for r in with_protest.dicts())
    assert len(with_protest) == sum(1 for pair in _pairs(groups) if "A1.1" in pair)
    assert len(run(store, "cooccurrence-in-segments", min=2)) == sum(
        1 for n in _pairs(groups).values() if n >= 2)


def test_cooccurrence_in_documents(store, segments) -> None:
    groups: dict[str, set[str]] = defaultdict(set)
    for s in segments:
        groups[s.document] |= s.notations
    result = run(store, "cooccurrence-in-documents")
    _check_cooccurrence(result, groups)
    strong = run(store, "cooccurrence-in-documents", min=2)
    assert {(r["notationA"], r["notationB"]) for r in strong.dicts()} == {
        pair for pair, n in _pairs(groups).items() if n >= 2}


def test_categories_by_orientation(store, segments, notations, ontology) -> None:
    result = run(store, "categories-by-orientation")
    emphasised = {(str(ontology.value(e, CRY.orientation)),
                   str(ontology.value(e, CRY.concernsCategory)))
                  for e in ontology.subjects(RDF.type, CRY.OrientationEmphasis)}
    expected = {}
    for iri, notation in notations.items():
        for orientation in {s.orientation for s in segments if s.orientation}:
            hits = [s for s in segments if s.orientation == orientation and under(s, notation)]
            if hits:
                expected[(orientation, notation)] = (
                    len(hits), len({s.document for s in hits}),
                    (orientation, iri) in emphasised)
    got = {(r["orientation"], r["notation"]): (r["segments"], r["documents"], r["emphasised"])
           for r in result.dicts() if r["segments"]}
    assert got == expected
    # a category whose segments the mapping rule leaves out keeps a row that says so
    for r in result.dicts():
        assert r["segments"] or (r["leftOut"] and r["leftOutBy"]), r
    docs = {r["orientation"]: r["orientationDocuments"] for r in result.dicts()}
    assert docs == {str(CRY.PDT): 2, str(CRY.CBT): 1}  # D4 (ST) has no coded segment
    pdt = run(store, "categories-by-orientation", orientation="cry:PDT")
    assert {r["orientation"] for r in pdt.dicts()} == {str(CRY.PDT)}


def test_category_across_studies(store, segments) -> None:
    result = run(store, "category-across-studies", category="A3.2")
    rows = result.dicts()
    fixture_rows = {(r["code"], r["match"], r["codedNotation"]): (r["segments"], r["documents"])
                    for r in rows if r["study"] == FIXTURE_STUDY}
    code = FIXTURE_STUDY + "code/"
    assert fixture_rows == {
        (code + "relief", "closeMatch", "A3.2.2"): (3, 3),  # S3, S4, S8
        (code + "process", "narrowMatch", "A3.2"): (1, 1),  # S5
    }
    example_rows = {r["codedNotation"]: r["segments"] for r in rows if r["study"] == EXAMPLE_STUDY}
    expected = defaultdict(int)
    for s in segments:
        if s.study == EXAMPLE_STUDY:
            for n in s.notations:
                if "A3.2" in ancestors(n):
                    expected[n] += 1
    assert example_rows == dict(expected)
    assert {r["match"] for r in rows if r["study"] == EXAMPLE_STUDY} == {"direct"}
    assert {r["studyDocuments"] for r in rows if r["study"] == FIXTURE_STUDY} == {4}
    assert {r["studyDocuments"] for r in rows if r["study"] == EXAMPLE_STUDY} == {5}


def test_coder_coverage(store, segments, notations) -> None:
    result = run(store, "coder-coverage")
    expected = {}
    for notation in notations.values():
        hits = [s for s in segments if under(s, notation)]
        for coder in {s.coder for s in hits if s.coder}:
            mine = sum(1 for s in hits if s.coder == coder)
            expected[(notation, coder)] = (mine, len(hits), round(mine / len(hits), 4))
    got = {(r["notation"], r["coder"]): (r["segments"], r["categorySegments"], r["share"])
           for r in result.dicts()}
    assert got.keys() == expected.keys()
    for key, (mine, total, share) in expected.items():
        assert got[key][:2] == (mine, total), key
        assert got[key][2] == pytest.approx(share, abs=1e-4), key
    # S9 has no coder: A1.4 has 2 segments, one of them coded by C2 in the example
    assert got[("A1.4", f"{EXAMPLE_STUDY}coder/C2")][:2] == (1, 2)


def test_unmapped_study_codes(store) -> None:
    result = run(store, "unmapped-study-codes")
    code = FIXTURE_STUDY + "code/"
    assert {(r["code"], r["segments"]) for r in result.dicts()} == {
        (code + "smalltalk", 2), (code + "weather", 0)}
    assert run(store, "unmapped-study-codes", study=EXAMPLE_STUDY).rows == []


def test_category_is_coded(store) -> None:
    assert run(store, "category-is-coded", category="A1.1").boolean is True
    assert run(store, "category-is-coded", category="A3.3").boolean is True
    assert run(store, "category-is-coded", category="A3.3.1").boolean is False
    assert run(store, "category-is-coded", category="I2").boolean is False


def test_anchor_examples(store, ontology, segments, notations) -> None:
    result = run(store, "anchor-examples")
    got = defaultdict(set)
    counts = {}
    for row in result.dicts():
        if row["example"] is not None:
            got[row["notation"]].add(row["example"])
        counts[row["notation"]] = row["segments"]
    expected = defaultdict(set)
    for iri, notation in notations.items():
        for example in ontology.objects(rdflib.URIRef(iri), SKOS.example):
            expected[notation].add(str(example))
    assert got == expected
    assert counts == {n: sum(1 for s in segments if n in s.notations)
                      for n in notations.values()}
    # the paper's quote for protest crying is the example's first segment, verbatim
    with EXAMPLE_CSV.open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert first["text"] in got["A1.1"]


# -- the category system and the literature -----------------------------------------

def test_orientation_emphases(store, ontology) -> None:
    result = run(store, "orientation-emphases")
    expected = {(str(ontology.value(e, CRY.orientation)),
                 str(ontology.value(e, CRY.concernsCategory)), str(ontology.value(e, RDFS.comment)))
                for e in ontology.subjects(RDF.type, CRY.OrientationEmphasis)}
    assert {(r["orientation"], r["category"], r["comment"]) for r in result.dicts()} == expected
    st = run(store, "orientation-emphases", orientation="cry:ST")
    assert {r["orientation"] for r in st.dicts()} == {str(CRY.ST)}
    assert len(st) == sum(1 for o, _, _ in expected if o == str(CRY.ST))


def _links(ontology: rdflib.Graph) -> set[tuple[str, str, str]]:
    """(subject, link, object) of the typed links, both directions."""
    out = set()
    for name in LINKS:
        for s, o in ontology.subject_objects(CRY[name]):
            out.add((str(s), str(CRY[name]), str(o)))
            out.add((str(o), str(CRY[name]), str(s)))
    return out


def test_assumptions_and_interventions(store, ontology, notations) -> None:
    result = run(store, "assumptions-and-interventions")
    expected = {(notations[s], link, notations[o]) for s, link, o in _links(ontology)
                if s in notations and o in notations
                and notations[s].startswith("A") and notations[s] != "A"
                and notations[o].startswith("I") and notations[o] != "I"}
    got = {(r["assumptionNotation"], r["link"], r["interventionNotation"])
           for r in result.dicts()}
    assert got == expected
    assert ("A3.2.3", str(CRY.correspondsTo), "I1.1") in got  # emotional access ~ here-and-now
    corresponds = run(store, "assumptions-and-interventions", link="cry:correspondsTo",
                      assumption="A3.2")
    assert {r["link"] for r in corresponds.dicts()} == {str(CRY.correspondsTo)}
    assert {r["assumptionNotation"] for r in corresponds.dicts()} <= {
        n for n in notations.values() if n == "A3.2" or n.startswith("A3.2.")}
    for row in corresponds.dicts():
        assert row["evidence"], row


def test_category_links(store, ontology, notations) -> None:
    protest = str(CRY.ProtestCrying)
    expected = {(link, notations[o]) for s, link, o in _links(ontology) if s == protest}
    result = run(store, "category-links", category="Protest crying")
    assert {(r["link"], r["otherNotation"]) for r in result.dicts()} == expected
    for row in result.dicts():
        assert row["sources"] is None or "Gutjahr" in row["sources"]


def test_forms_of_crying(store, ontology, notations) -> None:
    result = run(store, "forms-of-crying")
    expected = set()
    for form in ontology.subjects(SKOS.broader, CRY.FormsOfCrying):
        function = ontology.value(form, CRY.interactiveFunction)
        rank = ontology.value(function, CRY.rank) if function else None
        for reaction in ontology.objects(form, CRY.evokesTherapistReaction):
            expected.add((notations[str(form)], str(function), int(rank), str(reaction)))
    got = {(r["notation"], r["function"], r["rank"], r["reaction"]) for r in result.dicts()
           if r["reaction"] is not None}
    assert got == expected
    ranks = [r["rank"] for r in result.dicts()]
    assert ranks == sorted(ranks, reverse=True)
    strong = run(store, "forms-of-crying", function="cry:StrongInteractiveFunction")
    assert {r["notation"] for r in strong.dicts()} == {
        notations[str(f)] for f in ontology.subjects(CRY.interactiveFunction,
                                                     CRY.StrongInteractiveFunction)}


def _stances(ontology: rdflib.Graph) -> set[tuple[str, str, str]]:
    out = set()
    for prop, stance in ((CITO.supports, "supporting"), (CITO.qualifies, "qualifying"),
                         (CITO.disagreesWith, "disagreeing")):
        for finding, category in ontology.subject_objects(prop):
            if (finding, RDF.type, CRY.Finding) in ontology:
                out.add((str(category), stance, str(finding)))
    return out


def test_literature_per_category(store, ontology) -> None:
    expected = _stances(ontology)
    assert expected, "the literature has findings"
    result = run(store, "literature-per-category")
    got = {(r["category"], r["stance"], r["finding"]) for r in result.dicts()}
    assert got == expected
    for row in result.dicts():
        assert row["record"] and row["citation"], row
    qualifying = run(store, "literature-per-category", stance="qualifying")
    assert {r["stance"] for r in qualifying.dicts()} == {"qualifying"}
    assert len(qualifying) == sum(1 for _, s, _ in expected if s == "qualifying")
    relief = run(store, "literature-per-category", category="A3.2.2")
    assert {(r["stance"], r["finding"]) for r in relief.dicts()} == {
        (s, f) for c, s, f in expected if c == str(CRY.ReliefCatharsis)}


def test_literature_summary(store, ontology, notations) -> None:
    stances = _stances(ontology)
    result = run(store, "literature-summary")
    for row in result.dicts():
        c = row["category"]
        assert row["supports"] == sum(1 for x, s, _ in stances if x == c and s == "supporting")
        assert row["qualifies"] == sum(1 for x, s, _ in stances if x == c and s == "qualifying")
        assert row["disagrees"] == sum(1 for x, s, _ in stances if x == c and s == "disagreeing")
    assert len(result) == len(notations)


def test_category_subtree_construct(store, notations) -> None:
    result = run(store, "category-subtree", category="A3.2")
    assert result.kind == "construct"
    subjects = {t.subject.value for t in result.triples}
    assert subjects == {iri for iri, n in notations.items() if "A3.2" in ancestors(n)}


# -- parameters -------------------------------------------------------------------

@pytest.mark.parametrize("given", ["A1.1", "a1.1", "cry:ProtestCrying", "Protest crying",
                                   "<https://w3id.org/cryonto/ProtestCrying>",
                                   "https://w3id.org/cryonto/ProtestCrying"])
def test_concept_params_take_notation_curie_label_iri(store, given: str) -> None:
    result = run(store, "segments-per-category", category=given)
    assert [r["notation"] for r in result.dicts()] == ["A1.1"]


def test_unknown_param_is_refused(store) -> None:
    with pytest.raises(CryontoError, match="unknown parameter 'nope'"):
        run(store, "segments-per-category", nope="x")


def test_bad_values_are_refused(store) -> None:
    with pytest.raises(CryontoError, match="integer"):
        run(store, "cooccurrence-in-segments", min="two")
    with pytest.raises(CryontoError, match="unknown concept"):
        run(store, "segments-per-category", category="Z9.9")
    with pytest.raises(CryontoError, match="IRI"):
        run(store, "unmapped-study-codes", study="not an iri")


def test_param_values_cannot_inject(store) -> None:
    """A value is one RDF term in a VALUES block, whatever it contains."""
    evil = 'x" } } ; DROP ALL ; SELECT * { ?s ?p "'
    result = run(store, "literature-per-category", stance=evil)
    assert result.rows == []
    with pytest.raises(CryontoError):
        run(store, "unmapped-study-codes", study="http://x/> } SERVICE <http://127.0.0.1:9/")


def test_unknown_query_suggests(tmp_path) -> None:
    with pytest.raises(CryontoError, match="did you mean segments-per-category"):
        load_query("segments-per-categroy")
    with pytest.raises(CryontoError, match="no such query file"):
        load_query(tmp_path / "missing.rq")


def test_query_file_with_undeclared_params(tmp_path, store) -> None:
    path = tmp_path / "mine.rq"
    path.write_text("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                    "SELECT ?label WHERE { ?c skos:notation ?n ; skos:prefLabel ?label "
                    "FILTER(LANG(?label) = 'en') }", encoding="utf-8")
    result = run_query(path, params={"n": "A1.1"}, store=store)
    assert result.values() == []  # "A1.1" as a plain literal does not equal the typed notation
    with pytest.raises(CryontoError, match="unknown parameter"):
        run_query(path, params={"zzz": "1"}, store=store)


def test_embedded_default_needs_no_server() -> None:
    result = run_query("segments-per-category", data=[EXAMPLE_TTL], params={"category": "A"})
    assert result.dicts()[0]["segments"] == 16


def test_one_result_type_for_every_answer(store) -> None:
    from cryonto.queries import run_on_store
    from cryonto.rdf import QueryResult, SelectResult

    assert SelectResult is QueryResult
    text = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?n WHERE { ?c skos:notation ?n } ORDER BY ?n")
    selected = store.select(text)
    isolated = run_on_store(store, text)
    in_process = run_on_store(store, text, isolated=False)
    assert type(selected) is type(isolated) is type(in_process) is QueryResult
    assert selected == isolated == in_process
    assert selected.kind == "select" and len(selected) == len(list(selected)) > 30
    assert selected.column("n") == [row["n"] for row in selected.dicts()]
    assert "A1.1" in selected.column("n")
    asked = run_on_store(store, "ASK { ?s ?p ?o }")
    assert (asked.kind, asked.boolean, len(asked), list(asked)) == ("ask", True, 1, [])
    built = run_on_store(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    assert built.kind == "construct" and len(built.triples) == len(built) == 3


def test_select_answer_as_a_dataframe(store) -> None:
    pandas = pytest.importorskip("pandas")  # optional: not a cryonto dependency
    result = run_query("segments-per-category", store=store)
    frame = result.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == result.variables
    assert frame.to_dict("records") == result.dicts()


def test_prefixes_cover_the_queries() -> None:
    assert PREFIXES["cry"] == str(CRY)


def test_docs_describe_every_query() -> None:
    docs = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for info in list_queries():
        assert f"`{info.name}`" in docs, info.name
        assert info.title in docs, info.name
        for param in info.params:
            assert f"`{param.name}`" in docs, (info.name, param.name)
