"""`cryonto validate`: exit codes, --strict, report formats, where results come from,
and the compiled engine against plain pySHACL (including the pySHACL fallback)."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from support.shapes import CRY, DCT, OA, doc, drop, good_dataset, lit, put, seg, store_of, write

from cryonto.cli import main
from cryonto.shacl import load_shapes, profile_files, validate
from cryonto.shacl.compile import compile_shapes

EXAMPLE = Path(__file__).parent.parent / "examples" / "paper-quotes.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def bad_file(tmp_path) -> Path:
    """Two violations (start after end; no coder) and one warning (no date)."""
    ds = good_dataset()
    store = store_of(ds)
    put(store, seg(ds, "s4", "/target/position"), OA + "start", lit("15", "integer"))
    drop(store, seg(ds, "s2"), DCT + "creator")
    drop(store, seg(ds, "s1"), DCT + "created")
    return write(store, tmp_path / "bad.ttl")


@pytest.fixture
def warning_file(tmp_path) -> Path:
    ds = good_dataset()
    store = store_of(ds)
    drop(store, seg(ds, "s1"), DCT + "created")
    return write(store, tmp_path / "warn.ttl")


def test_clean_data_exit_0():
    result = run("validate", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_violations_exit_1_and_report_by_shape_with_source_row(bad_file):
    result = run("validate", bad_file)
    assert result.exit_code == 1
    out = result.output
    # one group per shape, each example naming the segment, source file and row
    assert "segment s4 (fixture.csv, row 5)" in out
    assert "segment s2 (fixture.csv, row 3)" in out
    assert "segment s1 (fixture.csv, row 2)" in out
    assert "starts at or after its end" in out
    assert "does not say who coded it" in out
    assert "2 violation(s), 1 warning(s), 0 info(s) from 3 shapes in 3 segment(s)" in out
    # the shape's example follows its header
    block = out.split("crysh:StartBeforeEnd — 1 result")[1].split("\n\n")[0]
    assert out.split("crysh:StartBeforeEnd")[0].endswith("Violation ")
    assert "segment s4 (fixture.csv, row 5)" in block and "oa:start" in block
    assert "more; --all" not in out  # every group is shown whole


def many_undated(tmp_path: Path, segments: int = 7) -> Path:
    """Segments s1..sN without a coder (violations), all but s1 without a date (warnings),
    s1 and s2 quoting a text of the wrong length (warnings with their own messages)."""
    from cryonto.coded import CodedDataset, Coder, Document, Segment
    from cryonto.generate import category_iri

    ds = CodedDataset(study="many", title="Many", source_file="many.csv")
    ds.documents["D1"] = Document("D1", "D1", text_length=1000)
    protest = category_iri("A1.1")
    from cryonto.coded import Code
    ds.codes[protest] = Code(protest, "Protest crying", category=protest)
    ds.coders["C1"] = Coder("C1", "C1")
    for i in range(1, segments + 1):
        ds.segments.append(Segment(
            f"s{i}", "D1", [protest], start=10 * i, end=10 * i + 5,
            coder="C1" if i == 1 else None, created="2024-03-01T10:15:00Z" if i == 1 else None,
            text="x" * i if i <= 2 else None,
            source_file="many.csv", source_locator=f"row {i + 1}"))
    path = tmp_path / "many.ttl"
    ds.write_turtle(path)
    return path


def test_text_groups_repeated_results_with_three_examples_and_a_hint(tmp_path):
    result = run("validate", many_undated(tmp_path))
    assert result.exit_code == 1
    out = result.output
    groups = out.split("\n\n")[1:-1]
    heads = [g.splitlines()[0] for g in groups]
    assert heads == ["Violation crysh:SegmentCoder — 6 results",
                     "Warning   crysh:QuoteLengthConstraint — 2 results",
                     "Warning   crysh:SegmentCreatedPresent — 6 results"]
    coder = groups[0].splitlines()
    assert coder[1] == "  The segment does not say who coded it (dcterms:creator)."
    examples = [line for line in coder if line.startswith("  - ")]
    # the first three in row order (natural: row 10 after row 9), then the hint
    assert [e.split(" (")[0] for e in examples] == ["  - segment s2", "  - segment s3",
                                                    "  - segment s4"]
    assert "(many.csv, row 3)" in examples[0]
    assert coder[-1] == "  (3 more; --all shows every one)"
    # templated messages differ per result: each example carries its own, under it
    quotes = groups[1].splitlines()[1:]
    assert quotes[0].startswith("  - segment s1 (many.csv, row 2)")
    assert quotes[1] == "      Segment s1: the quoted text has 1 characters but the offsets " \
                        "span 5 (end − start); offsets or text are off."
    assert quotes[2].startswith("  - segment s2 (many.csv, row 3)")
    assert quotes[3].startswith("      Segment s2: the quoted text has 2 characters")
    dated = groups[2].splitlines()
    assert dated[1].startswith("  The segment has no coding date (dcterms:created), though")
    assert [line.split(" (")[0] for line in dated[2:5]] == ["  - segment s2", "  - segment s3",
                                                           "  - segment s4"]
    assert "6 violation(s), 8 warning(s), 0 info(s) from 3 shapes in 7 segment(s)" in out


def test_all_lists_every_result(tmp_path):
    path = many_undated(tmp_path, segments=12)
    out = run("validate", path, "--all").output
    coder = out.split("crysh:SegmentCoder — 11 results")[1].split("\n\n")[0]
    listed = [line.split(" (")[0].removeprefix("  - segment ")
              for line in coder.splitlines() if line.startswith("  - ")]
    assert listed == [f"s{i}" for i in range(2, 13)]  # natural order: s10 after s9
    assert "more; --all" not in out


def test_json_keeps_every_result_ungrouped(tmp_path):
    path = many_undated(tmp_path, segments=12)
    result = run("validate", path, "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 24
    coder = sorted(r["segment"] for r in rows if r["sourceShape"].endswith("/SegmentCoder"))
    assert coder == sorted(f"s{i}" for i in range(2, 13))
    assert "11 violation(s), 13 warning(s)" in result.stderr


def test_no_warning_for_a_csv_without_dates(tmp_path):
    """A CSV without a created column: no coding-date warning per segment (issue 9)."""
    csv = tmp_path / "plain.csv"
    csv.write_text("document,code,start,end,coder\n" + "".join(
        f"D1,A1.1,{10 * i},{10 * i + 5},C1\n" for i in range(6)), encoding="utf-8")
    ttl = tmp_path / "plain.ttl"
    assert run("import", "csv", csv, "-o", ttl).exit_code == 0
    result = run("validate", ttl)
    assert result.exit_code == 0 and "OK: the data conforms" in result.output
    # with the column, an empty cell next to dated rows is a gap and is reported
    csv.write_text("document,code,start,end,coder,created\n"
                   "D1,A1.1,0,5,C1,2024-03-01\nD1,A1.1,10,15,C1,\n", encoding="utf-8")
    ttl2 = tmp_path / "dated.ttl"
    assert run("import", "csv", csv, "-o", ttl2).exit_code == 0
    out = run("validate", ttl2).output
    assert "crysh:SegmentCreatedPresent — 1 result" in out and "row 3" in out


def test_warnings_pass_unless_strict(warning_file):
    assert run("validate", warning_file).exit_code == 0
    strict = run("validate", warning_file, "--strict")
    assert strict.exit_code == 1
    assert "Warning" in strict.output


@pytest.mark.parametrize("content,name", [
    (None, "missing.ttl"),
    ("this is <not turtle", "broken.ttl"),
    ("x", "data.xyz"),
])
def test_unreadable_input_exit_2_one_line(tmp_path, content, name):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and lines[0].startswith("Error:")


def test_unreadable_second_file_names_it(tmp_path):
    broken = tmp_path / "second.ttl"
    broken.write_text("@prefix : <x> .\n:a :b", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE), str(broken)])
    assert result.exit_code == 2
    assert "second.ttl" in result.output and "paper-quotes" not in result.output


def test_turtle_report_is_a_shacl_validation_report(bad_file, tmp_path):
    out = tmp_path / "report.ttl"
    result = run("validate", bad_file, "--format", "turtle", "-o", out)
    assert result.exit_code == 1
    g = rdflib.Graph().parse(out, format="turtle")
    reports = list(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert g.value(reports[0], SH.conforms).toPython() is False
    results = list(g.objects(reports[0], SH.result))
    assert len(results) == 3
    for r in results:
        for p in (SH.focusNode, SH.sourceShape, SH.sourceConstraintComponent, SH.resultSeverity,
                  SH.resultMessage):
            assert g.value(r, p) is not None, p
    paths = {g.value(r, SH.resultPath) for r in results}
    assert rdflib.URIRef(OA + "start") in paths


def test_turtle_report_of_clean_data_conforms():
    result = run("validate", EXAMPLE, "--format", "turtle")
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    report = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms).toPython() is True
    assert result.exit_code == 0


def test_turtle_report_keeps_complex_paths(tmp_path):
    ds = good_dataset()
    store = store_of(ds)
    drop(store, seg(ds, "s1", "/target"), OA + "hasSource")
    result = run("validate", write(store, tmp_path / "x.ttl"), "--format", "turtle")
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    path = next(g.objects(None, SH.resultPath))
    assert list(rdflib.collection.Collection(g, path)) == [rdflib.URIRef(OA + "hasTarget"),
                                                          rdflib.URIRef(OA + "hasSource")]


def test_json_report_lists_results(bad_file):
    result = run("validate", bad_file, "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    by_segment = {row["segment"]: row for row in rows}
    assert by_segment["s4"]["sourceFile"] == "fixture.csv"
    assert by_segment["s4"]["sourceLocator"] == "row 5"
    assert by_segment["s4"]["severity"] == "Violation"
    assert by_segment["s4"]["resultPath"] == f"<{OA}start>"
    assert by_segment["s4"]["sourceConstraintComponent"].endswith("LessThanConstraintComponent")
    assert by_segment["s1"]["severity"] == "Warning"


def test_output_file_and_summary(bad_file, tmp_path):
    out = tmp_path / "r.json"
    result = run("validate", bad_file, "--format", "json", "-o", out)
    assert result.exit_code == 1
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 3
    assert "FAILED" in result.stderr and "2 violation(s)" in result.stderr


def test_several_files_validate_together(tmp_path):
    """The transcript lives in one file, its segments in another: one dataset."""
    ds = good_dataset()
    store = store_of(ds)
    docs, rest = ox.Store(), ox.Store()
    for quad in store:
        is_doc = quad.subject.value.startswith(ds.base_iri + "document/")
        (docs if is_doc else rest).add(quad)
    a, b = write(docs, tmp_path / "docs.ttl"), write(rest, tmp_path / "segments.ttl")
    assert run("validate", b).exit_code == 1  # alone: documents unknown
    assert run("validate", a, b).exit_code == 0


def test_engine_pyshacl_gives_the_same_report(bad_file):
    fast = validate([bad_file])
    plain = validate([bad_file], engine="pyshacl")
    assert fast.keys() == plain.keys() and len(fast.keys()) == 3
    assert run("validate", bad_file, "--engine", "pyshacl").exit_code == 1


def test_shareable_profile_on_the_example_fails_for_text():
    result = run("validate", EXAMPLE, "--profile", "shareable")
    assert result.exit_code == 1
    assert "interview text" in result.output


# -- the compiler ----------------------------------------------------------------
def test_all_shipped_shapes_compile_without_fallback():
    for profile in ("core", "shareable"):
        compiled = compile_shapes(load_shapes(profile_files(profile)))
        assert compiled.fallback == []
        assert len(compiled.constraints) > 20


EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix cry: <https://w3id.org/cryonto/> .
@prefix ex: <https://example.org/shapes/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

# sh:node and sh:qualifiedValueShape are not compiled: pySHACL validates these shapes
ex:TranscriptParticipantShape a sh:NodeShape ;
    sh:targetClass cry:Transcript ;
    sh:property [ sh:path cry:participant ; sh:node ex:ShortId ; sh:severity sh:Warning ] .
ex:ShortId a sh:NodeShape ; sh:maxLength 3 .

ex:OrientationShape a sh:NodeShape ;
    sh:targetClass cry:Transcript ;
    sh:property [ sh:path cry:orientation ;
        sh:qualifiedValueShape [ sh:hasValue cry:PDT ] ; sh:qualifiedMinCount 1 ] .

# compiled: sh:xone, sh:not, sh:maxLength, sh:nodeKind, sh:in on a node shape, targetNode
ex:Mixed a sh:NodeShape ;
    sh:targetNode cry:PDT , cry:Nowhere ;
    sh:not [ sh:in ( cry:PDT ) ] ;
    sh:severity sh:Info .
ex:TitleShape a sh:NodeShape ;
    sh:targetSubjectsOf <http://purl.org/dc/terms/title> ;
    sh:property [ sh:path <http://purl.org/dc/terms/title> ; sh:maxLength 2 ;
                  sh:xone ( [ sh:datatype xsd:string ] [ sh:nodeKind sh:IRI ] ) ] .
"""


def test_fallback_to_pyshacl_for_uncompiled_components(tmp_path):
    shapes = tmp_path / "extra.ttl"
    shapes.write_text(EXTRA_SHAPES, encoding="utf-8")
    compiled = compile_shapes(load_shapes([shapes]))
    assert {str(s).rsplit("/", 1)[-1] for s in compiled.fallback} == {
        "TranscriptParticipantShape", "OrientationShape"}
    ds = good_dataset()
    data = write(store_of(ds), tmp_path / "d.ttl")
    fast = validate([data], shapes_files=[shapes])
    plain = validate([data], shapes_files=[shapes], engine="pyshacl")
    assert fast.keys() == plain.keys()
    components = {r.component.rsplit("#", 1)[-1] for r in fast.results}
    # fallback results (sh:node, sh:qualifiedMinCount) and compiled ones are all there
    assert {"NodeConstraintComponent", "QualifiedMinCountConstraintComponent",
            "NotConstraintComponent", "MaxLengthConstraintComponent"} <= components
    assert fast.fallback_shapes


def test_subclass_instances_are_targets(tmp_path):
    """sh:targetClass and sh:class follow rdfs:subClassOf in the data, as SHACL says."""
    ds = good_dataset()
    store = store_of(ds)
    sub = ox.NamedNode("https://example.org/Interview")
    store.add(ox.Quad(sub, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                      ox.NamedNode(CRY + "Transcript")))
    drop(store, doc(ds, "D2"), "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.add(ox.Quad(doc(ds, "D2"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), sub))
    put(store, doc(ds, "D2"), CRY + "orientation", ox.NamedNode(CRY + "Gestalt"))
    path = write(store, tmp_path / "sub.ttl")
    fast, plain = validate([path]), validate([path], engine="pyshacl")
    assert fast.keys() == plain.keys()
    assert {r.shape.rsplit("/", 1)[-1] for r in fast.results} == {"TranscriptOrientation"}


def test_blank_node_selectors_are_validated(tmp_path):
    data = tmp_path / "bnodes.ttl"
    data.write_text(EXAMPLE.read_text(encoding="utf-8") + """
<https://w3id.org/cryonto/data/paper-quotes/segment/X1> a oa:Annotation ;
    oa:motivatedBy oa:classifying ; oa:hasBody cry:ProtestCrying ;
    dcterms:creator coder:C1 ; dcterms:created "2025-10-01T09:00:00Z"^^xsd:dateTime ;
    oa:hasTarget [ a oa:SpecificResource ; oa:hasSource doc:T01 ;
        oa:hasSelector [ a oa:TextPositionSelector ; oa:start 9 ; oa:end 3 ] ] .
""", encoding="utf-8")
    fast = validate([data])
    plain = validate([data], engine="pyshacl")
    assert [r.shape.rsplit("/", 1)[-1] for r in fast.results] == ["StartBeforeEnd"]
    assert [r.shape.rsplit("/", 1)[-1] for r in plain.results] == ["StartBeforeEnd"]
    text = fast.to_text()
    assert "crysh:StartBeforeEnd — 1 result" in text and "starts at or after" in text


# -- the same verdict from a file, a store on disk, its copy in memory, and pySHACL --------
@pytest.fixture(scope="module")
def two_studies(tmp_path_factory) -> tuple[list[Path], Path]:
    """Two generated studies with injected errors of every kind, and a store holding both."""
    from cryonto.generate import generate_study, write_study
    from cryonto.storage import load

    folder = tmp_path_factory.mktemp("differential")
    files = []
    for seed, name in ((3, "alpha"), (8, "beta")):
        path = folder / f"{name}.ttl"
        write_study(generate_study(120, errors=40, seed=seed, study=name), path)
        files.append(path)
    db = folder / "db"
    load(files, db)
    return files, db


def _rendered(report) -> tuple[set, list]:
    """What a reader sees: the verdict, and each result with the segment/file/row it names."""
    rows = json.loads(report.to_json())
    return report.keys(), sorted(json.dumps(row, sort_keys=True) for row in rows)


@pytest.mark.parametrize("bulk", [True, False])
def test_store_on_disk_in_memory_and_files_give_the_same_report(two_studies, tmp_path,
                                                                monkeypatch, bulk):
    """`bulk`: every segment's location read in one query (as with many results), or looked
    up result by result. In memory: graphs parsed again from their unchanged source files,
    or (a file moved away, another edited) dumped out of the store."""
    import shutil

    from cryonto.shacl import locate as locating
    from cryonto.shacl import validate_stored
    from cryonto.storage import open_store

    monkeypatch.setattr(locating, "BULK", 0 if bulk else 10**9)
    files, db = two_studies
    from_files = validate(files)
    keys, rows = _rendered(from_files)
    assert len(keys) >= 40 and from_files.segments == 240
    components = {k[3].rsplit("#", 1)[-1] for k in keys}
    assert len(components) >= 4, components  # several kinds of error, not one repeated
    assert any(json.loads(r)["sourceLocator"] for r in rows)  # locations are compared too
    with open_store(db) as store:
        from cryonto.rdf import graph_iri_for
        from cryonto.shacl.api import unchanged_sources
        from cryonto.storage import stored_graphs

        assert set(unchanged_sources(stored_graphs(store))) == {
            graph_iri_for(f).value for f in files}
        for in_memory in (False, True):
            stored = validate_stored(store, in_memory=in_memory)
            assert _rendered(stored) == (keys, rows), in_memory
            assert stored.segments == from_files.segments
    # the source files gone or changed: the store's own triples are copied
    saved = tmp_path / "saved"
    saved.mkdir()
    shutil.move(files[0], saved / files[0].name)
    original = files[1].read_bytes()
    files[1].write_bytes(original + b"\n# edited after loading\n")
    try:
        with open_store(db) as store:
            assert unchanged_sources(stored_graphs(store)) == {}
            assert _rendered(validate_stored(store, in_memory=True)) == (keys, rows)
    finally:
        shutil.move(saved / files[0].name, files[0])
        files[1].write_bytes(original)


def test_fast_engine_matches_pyshacl_on_generated_errors(two_studies):
    files, _ = two_studies
    assert validate(files).keys() == validate(files, engine="pyshacl").keys()


def test_max_count_compiled_for_disk_finds_the_same(tmp_path):
    """On disk a `sh:maxCount 1` is grouped rather than self-joined: same results."""
    from support.shapes import add

    from cryonto.rdf import GraphStore
    from cryonto.shacl.engine import run_compiled, store_subclasses

    ds = good_dataset()
    store = store_of(ds)
    add(store, seg(ds, "s4", "/target/position"), OA + "start", lit("3", "integer"))
    add(store, seg(ds, "s2"), DCT + "created", lit("2021-01-01", "date"))
    data = GraphStore.with_ontology([write(store, tmp_path / "twice.ttl")])
    shapes = load_shapes(profile_files("core"))
    found = {}
    for on_disk in (False, True):
        compiled = compile_shapes(shapes, store_subclasses(data), on_disk=on_disk)
        found[on_disk] = {r.key() for r in run_compiled(data, compiled.constraints)}
    maxed = {k for k in found[False] if k[3].endswith("MaxCountConstraintComponent")}
    paths = " ".join(str(k[1]) for k in maxed)
    assert "oa#start>" in paths and "terms/created>" in paths, paths
    assert found[True] == found[False]
