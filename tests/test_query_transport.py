"""The sandboxed child's answer crosses a pipe as text (SELECT as SPARQL TSV) and is read back
into terms: differential tests against the same query answered in this process, on random
terms (control characters, tabs and newlines in literals, language tags, datatypes, numbers,
blank nodes, unbound cells), and through the real forked child."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.queries import run_on_store
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, Quad
from cryonto.rdf.formats import answer_bytes, answer_from_bytes

XSD = "http://www.w3.org/2001/XMLSchema#"
S, P, Q = NamedNode("urn:s"), NamedNode("urn:p"), NamedNode("urn:q")
QUERY = ("SELECT ?o ?x ?n WHERE { <urn:s> <urn:p> ?o OPTIONAL { ?o <urn:q> ?x } "
         "OPTIONAL { ?o <urn:none> ?n } }")

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
iris = st.text(alphabet=string.ascii_letters + string.digits + "/:-._~é", min_size=1,
               max_size=10).map(lambda tail: NamedNode("urn:t:" + tail))
literals = st.one_of(
    texts.map(Literal),
    st.tuples(texts, st.sampled_from(["en", "de-CH", "x-private"])).map(
        lambda pair: Literal(pair[0], language=pair[1])),
    st.integers(-10**20, 10**20).map(
        lambda n: Literal(str(n), datatype=NamedNode(XSD + "integer"))),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: Literal(str(d), datatype=NamedNode(XSD + "decimal"))),
    st.floats(allow_nan=False).map(lambda f: Literal(repr(f), datatype=NamedNode(XSD + "double"))),
    st.booleans().map(lambda b: Literal("true" if b else "false",
                                        datatype=NamedNode(XSD + "boolean"))),
    st.tuples(texts, iris).map(lambda pair: Literal(pair[0], datatype=pair[1])),
)
blanks = st.sampled_from(["b1", "b2", "x9"]).map(BlankNode)
objects = st.one_of(iris, literals, blanks)


def _store(values: list, links: list) -> GraphStore:
    store = GraphStore()
    store.add(Quad(S, P, value) for value in values)
    store.add(Quad(subject, Q, value) for subject, value in links
              if not isinstance(subject, Literal))
    return store


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(objects, max_size=12), st.lists(st.tuples(objects, objects), max_size=6))
def test_tsv_transport_gives_the_engines_own_terms(values, links) -> None:
    store = _store(values, links)
    expected = store.run(QUERY)
    data = answer_bytes(store, QUERY)
    assert data[:1] == b"T"
    got = answer_from_bytes(data)
    assert got.kind == "select"
    assert got.variables == expected.variables == ["o", "x", "n"]
    assert sorted(map(repr, got.rows)) == sorted(map(repr, expected.rows))
    assert len(got.rows) == len(expected.rows)
    assert all(row[2] is None for row in got.rows)  # unbound stays unbound, not ""


def test_one_unbound_variable_keeps_its_rows() -> None:
    """A row whose only cell is unbound is an empty TSV line: still a row."""
    store = _store([Literal("a")], [])
    text = ("SELECT ?x WHERE { { BIND(1 AS ?y) } UNION { BIND(2 AS ?y) } "
            "OPTIONAL { ?y <urn:q> ?x } }")
    got = answer_from_bytes(answer_bytes(store, text))
    assert got.variables == ["x"] and got.rows == [(None,), (None,)]
    none = answer_from_bytes(answer_bytes(store, "SELECT ?x WHERE { ?x <urn:nothing> ?y }"))
    assert none.variables == ["x"] and none.rows == []


def test_no_variables_and_ask_go_as_json() -> None:
    store = _store([Literal("a")], [])
    empty = answer_bytes(store, "SELECT * WHERE { }")
    assert empty[:1] == b"S"
    assert answer_from_bytes(empty).rows == [()]
    ask = answer_from_bytes(answer_bytes(store, "ASK { <urn:s> <urn:p> 'a' }"))
    assert ask.kind == "ask" and ask.boolean is True


def test_the_forked_child_answers_what_this_process_answers() -> None:
    """Through `run_on_store`'s real sandbox: a literal with tab, newline, quote and a
    repeated transcript-like IRI comes back as the same terms, in the same order."""
    store = GraphStore()
    doc = NamedNode("https://example.org/document/T1")
    quads = []
    for i in range(300):
        segment = NamedNode(f"https://example.org/segment/S{i:04d}")
        quads += [Quad(segment, P, doc),
                  Quad(segment, Q, Literal(f"quote {i}\twith\ttabs\nand \"quotes\" \\ é",
                                           language="en" if i % 2 else None)
                       if i % 2 else Literal(str(i), datatype=NamedNode(XSD + "integer")))]
    store.add(quads)
    text = "SELECT ?s ?d ?t WHERE { ?s <urn:p> ?d OPTIONAL { ?s <urn:q> ?t } } ORDER BY ?s"
    isolated = run_on_store(store, text, "SELECT")
    local = run_on_store(store, text, "SELECT", isolated=False)
    assert isolated.variables == local.variables
    assert isolated.rows == local.rows
    assert isolated.rows[1][2] == Literal('quote 1\twith\ttabs\nand "quotes" \\ é', language="en")
    assert isolated.rows[2][2] == Literal("2", datatype=NamedNode(XSD + "integer"))
