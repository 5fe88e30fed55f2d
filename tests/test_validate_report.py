"""The compact report (results as ints, forms written as they are made) against the object
report it replaced: the same text, JSON and Turtle, on many results of several shapes."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
from collections import defaultdict

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from cryonto.rdf import BlankNode, Literal, NamedNode, RdfFormat
from cryonto.shacl import validate
from cryonto.shacl.order import natural, natural_bytes, text_bytes
from cryonto.shacl.report import EXAMPLES, ValidationReport, _detail, _plural, _shape_name
from cryonto.shacl.table import Location, Places, Result, ResultTable
from cryonto.shacl.terms import INFO, SEVERITY_NAMES, SH, VIOLATION, WARNING, plain, short

# -- the object report, as it was (the oracle) -------------------------------------------


def _old_location(locations, r):
    loc = locations.get(plain(r.focus))
    if (loc is None or loc.kind != "segment") and isinstance(r.value, NamedNode):
        by_value = locations.get(r.value.value)
        if by_value is not None and by_value.kind == "segment":
            return by_value
    return loc or Location("resource", plain(r.focus), short(r.focus))


def _old_natural(text):
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _old_by_place(item):
    loc, r = item
    return ({"segment": 0}.get(loc.kind, 1), loc.source_file or "",
            _old_natural(loc.source_locator or ""), _old_natural(loc.label), r.path or "",
            r.message)


def _old_by_place_exactly(item):
    loc, r = item
    return (*_old_by_place(item), plain(r.focus), "" if r.value is None else plain(r.value),
            r.component, r.constraint or "", loc.graph or "")


def _old_groups(results):
    groups = defaultdict(list)
    for r in results:
        groups[(r.severity, r.shape, r.constraint, r.component)].append(r)
    order = {VIOLATION: 0, WARNING: 1, INFO: 2}
    return dict(sorted(groups.items(), key=lambda item: (
        order.get(item[0][0], 3), _shape_name(item[0][2] or item[0][1]), item[0][3])))


def old_text(results, locations, segments, files, all_results=False):
    names = {iri: sum(r.severity == iri for r in results) for iri in SEVERITY_NAMES}
    counts = {SEVERITY_NAMES[k]: v for k, v in names.items()}
    lines = [f"cryonto validate — profile core, engine fast: {len(files)} file(s), "
             f"{segments} segment(s) checked"]
    if not results:
        lines.append("OK: the data conforms (0 violations, 0 warnings).")
        return "\n".join(lines) + "\n"
    groups = _old_groups(results)
    nodes = set()
    for (severity, shape, constraint, _c), items in groups.items():
        located = sorted(((_old_location(locations, r), r) for r in items), key=_old_by_place)
        nodes.update(loc.node for loc, _ in located)
        messages = {r.message for r in items}
        lines.append("")
        lines.append(f"{SEVERITY_NAMES.get(severity, severity):9} "
                     f"{_shape_name(constraint or shape)} — {_plural(len(items), 'result')}")
        if len(messages) == 1:
            lines.append(f"  {items[0].message}")
        shown = located if all_results else located[:EXAMPLES]
        for loc, r in shown:
            lines.append(f"  - {loc.describe()}{_detail(r, loc)}")
            if len(messages) > 1:
                lines.append(f"      {r.message}")
        if len(located) > len(shown):
            lines.append(f"  ({len(located) - len(shown)} more; --all shows every one)")
    lines.append("")
    lines.append(f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), "
                 f"{counts['Info']} info(s) from {_plural(len(groups), 'shape')} in "
                 f"{len(nodes)} segment(s)/resource(s)")
    return "\n".join(lines) + "\n"


def old_json(results, locations):
    rows = []
    for items in _old_groups(results).values():
        for loc, r in sorted(((_old_location(locations, r), r) for r in items),
                             key=_old_by_place_exactly):
            rows.append({
                "severity": SEVERITY_NAMES.get(r.severity, r.severity), "message": r.message,
                "focusNode": plain(r.focus), "resultPath": r.path,
                "value": None if r.value is None else plain(r.value), "sourceShape": r.shape,
                "sourceConstraintComponent": r.component, "sourceConstraint": r.constraint,
                "group": loc.kind, "groupNode": loc.node,
                "segment": loc.label if loc.kind == "segment" else None,
                "sourceFile": loc.source_file, "sourceLocator": loc.source_locator,
                "graph": loc.graph})
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


# -- generated results: few distinct values, so ties and shared places are common ------

DATA = "https://w3id.org/cryonto/data/x/"
_SHAPES = [("https://w3id.org/cryonto/shapes/A", None, SH + "MinCountConstraintComponent"),
           ("https://w3id.org/cryonto/shapes/B", None, SH + "DatatypeConstraintComponent"),
           ("_:b1", "https://w3id.org/cryonto/shapes/C", SH + "SPARQLConstraintComponent"),
           ("https://w3id.org/cryonto/shapes/A", None, SH + "MaxCountConstraintComponent")]
_words = st.sampled_from(["row 9", "row 10", "row 010", "r\x00w 2", "", "é 3", "s1", "s10",
                          "a", "9", "ſ", "\U0001f600 7"])
_nodes = st.sampled_from([f"{DATA}segment/s{i}" for i in range(12)]
                         + [f"{DATA}doc/d{i}" for i in range(3)])


@st.composite
def _run(draw):
    focus_terms = {n: NamedNode(n) for n in [f"{DATA}segment/s{i}" for i in range(12)]
                   + [f"{DATA}doc/d{i}" for i in range(3)]}
    extra = [BlankNode("t1"), Literal("row 9"), Literal("x", language="en")]
    results = []
    for _ in range(draw(st.integers(0, 60))):
        shape, constraint, component = draw(st.sampled_from(_SHAPES))
        severity = draw(st.sampled_from([VIOLATION, WARNING, INFO]))
        focus = draw(st.sampled_from([*focus_terms.values(), *extra]))
        value = draw(st.one_of(st.none(), st.sampled_from([*focus_terms.values(), *extra])))
        path = draw(st.sampled_from([None, "", "<http://purl.org/dc/terms/creator>",
                                     "<http://www.w3.org/ns/oa#hasTarget>/"
                                     "<http://www.w3.org/ns/oa#hasSource>"]))
        message = draw(st.sampled_from(["m", "m 10", "m 9", "another"]))
        results.append(Result(focus, path, value, shape, component, severity, message,
                              constraint))
    locations = {}
    for n in draw(st.lists(_nodes, unique=True)):
        kind = draw(st.sampled_from(["segment", "segment", "transcript", "code"]))
        locations[n] = Location(kind, draw(_nodes), draw(_words), draw(st.none() | _words),
                                draw(st.none() | _words), draw(st.sampled_from([None, "a.ttl",
                                                                                "b.ttl"])))
    return results, locations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_run())
def test_compact_report_equals_the_object_report(run):
    results, locations = run
    report = ValidationReport("core", "fast", ["a.ttl"], results, 7, locations)
    for all_results in (False, True):
        assert report.to_text(all_results) == old_text(results, locations, 7, ["a.ttl"],
                                                       all_results)
    assert report.to_json() == old_json(results, locations)
    assert report.render("json") == old_json(results, locations)
    assert report.results == results
    for r in results:
        assert report.location(r) == _old_location(locations, r)


@settings(deadline=None)  # no timing: these machines are shared
@given(st.text(alphabet=st.sampled_from("ab0129\x00é\U0001f600 "), max_size=8),
       st.text(alphabet=st.sampled_from("ab0129\x00é\U0001f600 "), max_size=8))
def test_sort_keys_as_bytes_keep_the_order_of_strings_and_natural_tuples(a, b):
    def sign(x, y):
        return (x > y) - (x < y)

    assert sign(text_bytes(a), text_bytes(b)) == sign(a, b)
    assert sign(natural_bytes(a), natural_bytes(b)) == sign(natural(a), natural(b))
    assert natural(a) == _old_natural(a)


# -- real runs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_results(tmp_path_factory):
    """A generated study with injected errors of every kind and, on some segments, no date
    where the others have one: results of about 15 shapes on segments and transcripts."""
    from cryonto.generate import generate_study, write_study

    path = tmp_path_factory.mktemp("report") / "study.ttl"
    write_study(generate_study(600, errors=120, seed=5, study="many"), path)
    return path


def test_real_run_renders_as_the_object_report(many_results):
    report = validate([many_results])
    results = report.results
    assert len(results) >= 120 and len(report.groups()) >= 8
    locations = report.locations
    assert sum(loc.kind == "segment" for loc in locations.values()) >= 100
    for all_results in (False, True):
        assert report.to_text(all_results) == old_text(results, locations, report.segments,
                                                       report.files, all_results)
    assert report.to_json() == old_json(results, locations)


def test_turtle_is_the_same_graph_as_one_built_whole(many_results):
    """Streamed through the serializer (main dumped a store holding the whole report)."""
    report = validate([many_results])
    streamed = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    whole = rdflib.Graph().parse(data=report.to_graph().dump(RdfFormat.N_TRIPLES, graph=""),
                                 format="nt")
    assert isomorphic(streamed, whole)
    sh = rdflib.Namespace(SH)
    found = sorted((str(streamed.value(n, sh.focusNode)), str(streamed.value(n, sh.resultMessage)))
                   for n in streamed.subjects(rdflib.RDF.type, sh.ValidationResult))
    assert found == sorted((plain(r.focus), r.message) for r in report.results)


def test_cli_writes_the_report_it_renders(many_results, tmp_path):
    from click.testing import CliRunner

    from cryonto.cli import main

    report = validate([many_results])
    for fmt in ("text", "json"):
        out = tmp_path / f"r.{fmt}"
        done = CliRunner().invoke(main, ["validate", str(many_results), "--format", fmt,
                                         "-o", str(out)])
        assert done.exit_code == 1, done.output
        assert out.read_text(encoding="utf-8") == report.render(fmt)
        shown = CliRunner().invoke(main, ["validate", str(many_results), "--format", fmt])
        assert shown.stdout == report.render(fmt)


def test_a_result_costs_ints_not_objects():
    """3x10^4 results on distinct segments, held, placed and written as JSON: well under the
    ~3.5 KB a result cost as objects (a regression to objects fails here)."""
    n = 30_000
    table = ResultTable()
    batch = table.batch((WARNING, "https://w3id.org/cryonto/shapes/S", None,
                         SH + "SPARQLConstraintComponent"))
    study = NamedNode(DATA + "study")
    segments = [NamedNode(f"{DATA}segment/s{i}") for i in range(n)]
    for segment in segments:
        batch.add(study, None, segment, "The segment has no coding date.")
    table.append(batch)
    places = Places(table)
    for i, segment in enumerate(segments):
        term = table.terms.id(segment)
        places.assign(term, places.add(term, "segment", f"s{i}", "big.csv", f"row {i + 2}",
                                       "big.nt"))
    del segments
    report = ValidationReport("core", "fast", ["big.nt"], table, n, places)
    tracemalloc.start()
    out = io.BytesIO()
    report.write("json", _Sink())
    report.write("text", out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak / n < 600, peak / n  # bytes per result while sorting and writing
    print(f"{peak / n:.0f} bytes per result")
    assert b"1 shape in 30000 segment(s)" in out.getvalue()
    assert b"  - segment s0 (big.csv, row 2) in big.nt" in out.getvalue()


class _Sink(io.RawIOBase):
    """Counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)
