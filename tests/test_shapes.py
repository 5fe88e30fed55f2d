"""Each SHACL shape catches its error on a small bad fixture, and passes the good one.

The good fixture is a tiny coded study built with `model.CodedDataset`; each bad
fixture breaks exactly one thing (a few breakages unavoidably trip a second, named
shape too). Results are checked by the shape (or SPARQL constraint) that reported
them, with the fast engine; one test runs every breakage at once through plain
pySHACL as well and demands the same results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pyoxigraph as ox
import pytest
from support.shapes import (
    CRY,
    DCT,
    OA,
    PROV,
    RDF_TYPE,
    RDFS,
    SKOS,
    TEXT,
    N,
    add,
    doc,
    drop,
    good_dataset,
    iri,
    lit,
    put,
    seg,
    store_of,
    write,
)

from cryonto.coded import CodedDataset
from cryonto.shacl import VIOLATION, WARNING, validate

# (name, mutation, {shape or constraint local name: severity})
Mutation = Callable[[ox.Store, CodedDataset], None]
CORE_CASES: list[tuple[str, Mutation, dict[str, str]]] = [
    ("no target", lambda st, ds: drop(st, seg(ds, "s1"), OA + "hasTarget"),
     {"SegmentTarget": VIOLATION, "SegmentDocumentMissing": VIOLATION,
      "SegmentLocated": VIOLATION}),
    ("two targets", lambda st, ds: add(st, seg(ds, "s1"), OA + "hasTarget",
                                       seg(ds, "s2", "/target")),
     {"SegmentTarget": VIOLATION}),
    ("no document", lambda st, ds: drop(st, seg(ds, "s1", "/target"), OA + "hasSource"),
     {"SegmentDocumentMissing": VIOLATION}),
    ("two documents", lambda st, ds: add(st, seg(ds, "s4", "/target"), OA + "hasSource",
                                         doc(ds, "D1")),
     {"SegmentDocumentSeveral": VIOLATION}),
    ("document unknown", lambda st, ds: put(st, seg(ds, "s4", "/target"), OA + "hasSource",
                                            doc(ds, "nowhere")),
     {"SegmentDocumentIsTranscript": VIOLATION}),
    ("no selector", lambda st, ds: drop(st, seg(ds, "s4", "/target"), OA + "hasSelector"),
     {"SegmentLocated": VIOLATION}),
    ("not classifying", lambda st, ds: put(st, seg(ds, "s1"), OA + "motivatedBy",
                                           N(OA + "commenting")),
     {"SegmentMotivation": VIOLATION}),
    ("no code", lambda st, ds: drop(st, seg(ds, "s1"), OA + "hasBody"),
     {"SegmentHasCode": VIOLATION}),
    ("unknown code", lambda st, ds: add(st, seg(ds, "s1"), OA + "hasBody",
                                        N(ds.iri("code", "nope"))),
     {"SegmentCodeExists": VIOLATION}),
    ("no coder", lambda st, ds: drop(st, seg(ds, "s1"), DCT + "creator"),
     {"SegmentCoder": VIOLATION}),
    ("coder unknown", lambda st, ds: put(st, seg(ds, "s1"), DCT + "creator",
                                         N(ds.iri("coder", "ghost"))),
     {"SegmentCoderIsAgent": VIOLATION}),
    ("bad date", lambda st, ds: put(st, seg(ds, "s1"), DCT + "created",
                                    lit("2024-13-45T10:00:00Z", "dateTime")),
     {"SegmentCreatedWellFormed": VIOLATION}),
    ("date not a dateTime", lambda st, ds: put(st, seg(ds, "s1"), DCT + "created",
                                               lit("2024-03-01", "date")),
     {"SegmentCreatedWellFormed": VIOLATION}),
    ("two dates", lambda st, ds: add(st, seg(ds, "s1"), DCT + "created",
                                     lit("2024-03-02T10:00:00Z", "dateTime")),
     {"SegmentCreatedOnce": VIOLATION}),
    ("no date", lambda st, ds: drop(st, seg(ds, "s1"), DCT + "created"),
     {"SegmentCreatedPresent": WARNING}),
    # a source without coding dates (a CSV without a created column) is not a gap: no warning
    ("no dates at all", lambda st, ds: [drop(st, seg(ds, s), DCT + "created")
                                        for s in ("s1", "s2", "s3", "s4")],
     {}),
    ("start after end", lambda st, ds: (put(st, seg(ds, "s4", "/target/position"),
                                            OA + "start", lit("15", "integer")),
                                        put(st, seg(ds, "s4", "/target/position"),
                                            OA + "end", lit("5", "integer"))),
     {"StartBeforeEnd": VIOLATION}),
    ("start equals end", lambda st, ds: put(st, seg(ds, "s4", "/target/position"),
                                            OA + "start", lit("15", "integer")),
     {"StartBeforeEnd": VIOLATION}),
    ("negative start", lambda st, ds: put(st, seg(ds, "s4", "/target/position"), OA + "start",
                                          lit("-1", "integer")),
     {"StartNonNegative": VIOLATION}),
    ("start not a whole number", lambda st, ds: put(st, seg(ds, "s4", "/target/position"),
                                                    OA + "start", lit("2.5", "decimal")),
     {"StartInteger": VIOLATION}),
    ("two starts", lambda st, ds: add(st, seg(ds, "s4", "/target/position"), OA + "start",
                                      lit("3", "integer")),
     {"StartCount": VIOLATION}),
    ("end not a whole number", lambda st, ds: put(st, seg(ds, "s4", "/target/position"),
                                                  OA + "end", lit("15.0", "decimal")),
     {"EndInteger": VIOLATION}),
    ("no end", lambda st, ds: drop(st, seg(ds, "s4", "/target/position"), OA + "end"),
     {"EndCount": VIOLATION}),
    ("end past the transcript", lambda st, ds: put(st, seg(ds, "s4", "/target/position"),
                                                   OA + "end", lit("60", "integer")),
     {"EndWithinDocumentConstraint": VIOLATION}),
    ("paragraph 0", lambda st, ds: put(st, seg(ds, "s3", "/target/paragraphs"),
                                       CRY + "startParagraph", lit("0", "integer")),
     {"StartParagraphPositive": VIOLATION}),
    ("paragraphs reversed", lambda st, ds: put(st, seg(ds, "s3", "/target/paragraphs"),
                                               CRY + "startParagraph", lit("3", "integer")),
     {"StartParagraphNotAfterEnd": VIOLATION}),
    ("no first paragraph", lambda st, ds: drop(st, seg(ds, "s3", "/target/paragraphs"),
                                               CRY + "startParagraph"),
     {"StartParagraphCount": VIOLATION}),
    ("first paragraph not whole", lambda st, ds: put(st, seg(ds, "s3", "/target/paragraphs"),
                                                     CRY + "startParagraph",
                                                     lit("1.5", "decimal")),
     {"StartParagraphInteger": VIOLATION}),
    ("last paragraph not whole", lambda st, ds: put(st, seg(ds, "s3", "/target/paragraphs"),
                                                    CRY + "endParagraph",
                                                    lit("2.0", "decimal")),
     {"EndParagraphInteger": VIOLATION}),
    ("no last paragraph", lambda st, ds: drop(st, seg(ds, "s3", "/target/paragraphs"),
                                              CRY + "endParagraph"),
     {"EndParagraphCount": VIOLATION}),
    ("quote without text", lambda st, ds: drop(st, seg(ds, "s1", "/target/quote"),
                                               OA + "exact"),
     {"QuoteExact": VIOLATION}),
    ("quote length off", lambda st, ds: put(st, seg(ds, "s1", "/target/quote"), OA + "exact",
                                            lit("She")),
     {"QuoteLengthConstraint": WARNING, "QuoteMatchesTextConstraint": WARNING}),
    ("quote differs from text", lambda st, ds: put(st, seg(ds, "s1", "/target/quote"),
                                                   OA + "exact", lit("x" * 10)),
     {"QuoteMatchesTextConstraint": WARNING}),
    ("offsets in UTF-16 units", lambda st, ds: (
        put(st, doc(ds, "D1"), CRY + "fullText", lit("\U0001F622" + TEXT)),
        put(st, seg(ds, "s1", "/target/position"), OA + "start", lit("2", "nonNegativeInteger")),
        put(st, seg(ds, "s1", "/target/position"), OA + "end", lit("12", "nonNegativeInteger"))),
     {"OffsetsNotUtf16Constraint": VIOLATION, "QuoteMatchesTextConstraint": WARNING}),
    ("transcript without study", lambda st, ds: drop(st, doc(ds, "D2"), DCT + "isPartOf"),
     {"TranscriptStudy": VIOLATION}),
    ("two studies", lambda st, ds: (add(st, N(ds.base_iri + "other"), RDF_TYPE,
                                        N(CRY + "Study")),
                                    add(st, N(ds.base_iri + "other"), DCT + "title", lit("x")),
                                    add(st, doc(ds, "D2"), DCT + "isPartOf",
                                        N(ds.base_iri + "other"))),
     {"TranscriptStudyOnce": VIOLATION}),
    ("unknown orientation", lambda st, ds: put(st, doc(ds, "D1"), CRY + "orientation",
                                               N(CRY + "Gestalt")),
     {"TranscriptOrientation": VIOLATION}),
    ("two orientations", lambda st, ds: add(st, doc(ds, "D1"), CRY + "orientation",
                                            N(CRY + "ST")),
     {"TranscriptOrientationOnce": VIOLATION}),
    ("negative length", lambda st, ds: put(st, doc(ds, "D2"), CRY + "textLength",
                                           lit("-5", "integer")),
     {"TranscriptLengthNonNegative": VIOLATION, "EndWithinDocumentConstraint": VIOLATION}),
    ("length not whole", lambda st, ds: put(st, doc(ds, "D2"), CRY + "textLength",
                                            lit("50.0", "decimal")),
     {"TranscriptLengthInteger": VIOLATION}),
    ("two lengths", lambda st, ds: add(st, doc(ds, "D2"), CRY + "textLength",
                                       lit("60", "integer")),
     {"TranscriptLengthOnce": VIOLATION}),
    ("two participants", lambda st, ds: add(st, doc(ds, "D2"), CRY + "participant",
                                            lit("P99")),
     {"TranscriptParticipantOnce": VIOLATION}),
    ("study without title", lambda st, ds: drop(st, iri(ds, "study", ""), DCT + "title"),
     {"StudyTitle": VIOLATION}),
    ("unmapped study code", lambda st, ds: drop(st, N(ds.iri("code", "Protest")),
                                                SKOS + "exactMatch"),
     {"CodeMappedConstraint": WARNING}),
    ("mapped onto a non-category", lambda st, ds: put(st, N(ds.iri("code", "Protest")),
                                                      SKOS + "exactMatch",
                                                      N(CRY + "ProtestCryin")),
     {"CodeMappingTargetConstraint": VIOLATION, "CodeMappedConstraint": WARNING}),
]


def found(report) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in report.results:
        name = (r.constraint or r.shape).rsplit("/", 1)[-1]
        out[name] = r.severity
    return out


def test_good_fixture_passes_core(tmp_path):
    report = validate([write(store_of(good_dataset()), tmp_path / "good.ttl")], "core")
    assert report.results == [], report.to_text()
    assert report.segments == 4


@pytest.mark.parametrize("name,mutate,expected", CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_each_core_shape_catches_its_error(tmp_path, name, mutate, expected):
    ds = good_dataset()
    store = store_of(ds)
    mutate(store, ds)
    report = validate([write(store, tmp_path / "bad.ttl")], "core")
    assert found(report) == expected, report.to_text()
    assert all(r.message and "{" not in r.message for r in report.results)


def test_every_core_constraint_has_a_bad_fixture():
    from cryonto.shacl import load_shapes, profile_files
    from cryonto.shacl.compile import compile_shapes

    compiled = compile_shapes(load_shapes(profile_files("core")))
    assert compiled.fallback == []  # everything in core compiles to SPARQL
    names = {str(c.constraint or c.shape).rsplit("/", 1)[-1] for c in compiled.constraints}
    covered = {name for _, _, expected in CORE_CASES for name in expected}
    assert names == covered, names ^ covered


def test_every_shape_has_a_message_and_severity():
    import rdflib

    from cryonto.shacl import load_shapes, profile_files
    from cryonto.shacl.compile import top_level_shapes

    g = load_shapes(profile_files("shareable"))
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for top in top_level_shapes(g):
        props = list(g.objects(top, sh.property))
        for shape in props or [top]:
            assert g.value(shape, sh.severity) is not None or g.value(top, sh.severity), shape
            messages = list(g.objects(shape, sh.message)) + [
                m for c in g.objects(shape, sh.sparql) for m in g.objects(c, sh.message)]
            assert messages, f"{shape} has no sh:message"


def _subquery_projections(node) -> list[set[str]]:
    """The projected variables of every sub-SELECT in a SPARQL algebra tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[set[str]] = []

    def walk(item, top: bool) -> None:
        if isinstance(item, CompValue):
            if item.name == "Project" and not top:
                found.append({str(v) for v in item.PV})
            for value in item.values():
                walk(value, top and item.name != "Project")
        elif isinstance(item, list | tuple):
            for value in item:
                walk(value, top)

    walk(node, True)
    return found


def test_sparql_constraints_keep_to_shacl_prebinding_rules():
    """SHACL 1.0 §5.2.1: a subquery returns every pre-bound variable ($this); no MINUS,
    VALUES or SERVICE. pyshacl-turbo refuses a shape that breaks this; plain pySHACL and
    our engine do not notice, so the rule is checked here."""
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    from cryonto.shacl import load_shapes, profile_files

    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    seen = 0
    for profile in ("core", "shareable", "findings"):
        g = load_shapes(profile_files(profile))
        prefixes = {str(g.value(d, sh.prefix)): str(g.value(d, sh.namespace))
                    for d in g.objects(None, sh.declare)}
        for constraint, text in g.subject_objects(sh.select):
            query = prepareQuery(str(text), initNs=prefixes)
            upper = str(text).upper()
            assert not any(word in upper for word in ("MINUS", "VALUES", "SERVICE")), constraint
            for projected in _subquery_projections(query.algebra):
                assert "this" in projected, f"{constraint}: a subquery does not return $this"
            seen += 1
    assert seen >= 3


# -- shareable ---------------------------------------------------------------------
SHAREABLE_CASES: list[tuple[str, Mutation, dict[str, str]]] = [
    ("segment text", lambda st, ds: put(st, seg(ds, "s1", "/target/quote"), OA + "exact",
                                        lit(TEXT[0:10])),
     {"SegmentTextRedacted": VIOLATION}),
    ("full text", lambda st, ds: add(st, doc(ds, "D2"), CRY + "fullText", lit("x" * 50)),
     {"TranscriptTextRedacted": VIOLATION}),
    ("real name", lambda st, ds: put(st, doc(ds, "D1"), CRY + "participant",
                                     lit("Anna Müller")),
     {"TranscriptParticipantPseudonym": VIOLATION}),
    ("lower-case id", lambda st, ds: put(st, doc(ds, "D1"), CRY + "participant", lit("anna")),
     {"TranscriptParticipantPseudonym": VIOLATION}),
    ("no license", lambda st, ds: drop(st, iri(ds, "study", ""), DCT + "license"),
     {"StudyLicense": VIOLATION}),
    ("no provenance", lambda st, ds: (drop(st, iri(ds, "study", ""), PROV + "wasAttributedTo"),
                                      drop(st, iri(ds, "study", ""), CRY + "sourceFile")),
     {"StudyProvenance": VIOLATION}),
    ("bad generation time", lambda st, ds: add(st, iri(ds, "study", ""),
                                               PROV + "generatedAtTime", lit("yesterday")),
     {"StudyGeneratedAt": VIOLATION}),
    ("memo", lambda st, ds: add(st, seg(ds, "s2"), RDFS + "comment", lit("she said her name")),
     {"SegmentMemoWarning": WARNING}),
    # names taken from file names (issue 7, item 6)
    ("source file", lambda st, ds: add(st, iri(ds, "study", ""), CRY + "sourceFile",
                                       lit("P07_Mueller.csv")),
     {"NoSourceFile": VIOLATION}),
    ("source path", lambda st, ds: add(st, doc(ds, "D1"), CRY + "sourcePath",
                                       lit("relative://Interview_Schmidt.txt")),
     {"NoSourcePath": VIOLATION}),
    ("study named after its file", lambda st, ds: put(st, iri(ds, "study", ""),
                                                      DCT + "identifier", lit("P07_Mueller")),
     {"StudyIdentifierPseudonym": VIOLATION}),
    ("study title", lambda st, ds: put(st, iri(ds, "study", ""), DCT + "title",
                                       lit("P07_Mueller")),
     {"StudyTitlePseudonym": VIOLATION}),
    ("study description", lambda st, ds: add(st, iri(ds, "study", ""), DCT + "description",
                                             lit("Interviews of Mrs Schmidt")),
     {"StudyDescriptionWarning": WARNING}),
    ("document name", lambda st, ds: put(st, doc(ds, "D1"), DCT + "title",
                                         lit("Interview_Schmidt.txt")),
     {"TranscriptTitlePseudonym": VIOLATION}),
    ("segment id", lambda st, ds: put(st, seg(ds, "s1"), DCT + "identifier", lit("row-2")),
     {"SegmentIdentifierPseudonym": VIOLATION}),
    ("codebook title", lambda st, ds: put(st, N(ds.base_iri + "codebook"), DCT + "title",
                                          lit("Codebook of P07_Mueller")),
     {"CodebookTitlePseudonym": VIOLATION}),
]


def test_redacted_fixture_passes_shareable(tmp_path):
    report = validate([write(store_of(good_dataset(redacted=True)), tmp_path / "ok.ttl")],
                      "shareable")
    assert report.results == [], report.to_text()


def test_text_fixture_fails_shareable_but_passes_core(tmp_path):
    path = write(store_of(good_dataset()), tmp_path / "text.ttl")
    assert validate([path], "core").results == []
    report = validate([path], "shareable")
    # interview text, and every name the study took from its file
    assert set(found(report)) == {
        "SegmentTextRedacted", "TranscriptTextRedacted", "NoSourceFile",
        "StudyIdentifierPseudonym", "StudyTitlePseudonym", "StudyIriPseudonym",
        "TranscriptTitlePseudonym", "TranscriptIriPseudonym", "SegmentIdentifierPseudonym",
        "SegmentIriPseudonym", "CodebookTitlePseudonym", "DataIriUnderPseudonymousStudy"}
    assert report.failed()


@pytest.mark.parametrize("name,mutate,expected", SHAREABLE_CASES,
                         ids=[c[0] for c in SHAREABLE_CASES])
def test_each_shareable_shape_catches_its_error(tmp_path, name, mutate, expected):
    ds = good_dataset(redacted=True)
    store = store_of(ds)
    mutate(store, ds)
    report = validate([write(store, tmp_path / "bad.ttl")], "shareable")
    assert found(report) == expected, report.to_text()


@pytest.mark.parametrize("pseudonym", ["P07", "INT-004", "T12", "ABCD-123456", "P-3f9a0c21"])
def test_pseudonyms_accepted(tmp_path, pseudonym):
    ds = good_dataset(redacted=True)
    store = store_of(ds)
    put(store, doc(ds, "D1"), CRY + "participant", lit(pseudonym))
    assert validate([write(store, tmp_path / "p.ttl")], "shareable").results == []


@pytest.mark.slow
def test_all_breakages_at_once_same_results_as_pyshacl(tmp_path):
    """Every core breakage in one file (on separate copies of the study): engines agree."""
    store = ox.Store()
    for number, (_name, mutate, _expected) in enumerate(CORE_CASES):
        ds = good_dataset()
        ds.study = f"fixture {number}"
        ds.title = None
        part = store_of(ds)
        mutate(part, ds)
        store.extend(part)
    path = write(store, tmp_path / "all.ttl")
    fast = validate([path], "core", engine="fast")
    plain = validate([path], "core", engine="pyshacl")
    assert len(fast.results) >= len(CORE_CASES)
    assert fast.keys() == plain.keys()
    # the same number of results for each key, too
    assert Counter(r.key() for r in fast.results) == Counter(r.key() for r in plain.results)
