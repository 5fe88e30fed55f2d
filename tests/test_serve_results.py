"""The SELECT writers against pyoxigraph's own parsers and serializers.

Tricky terms (quotes, newlines, tabs, non-ASCII, language tags, datatypes,
blank nodes, unbound values) must survive a round trip unchanged.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from support.serve import solutions_key

from cryonto.serve.results import write_csv, write_json, write_tsv, write_xml

XSD = "http://www.w3.org/2001/XMLSchema#"
VARIABLES = ["s", "o", "x"]
ROWS = [
    (ox.NamedNode("https://w3id.org/cryonto/ProtestCrying"),
     ox.Literal("Protest crying", language="en"), None),
    (ox.NamedNode("http://example.org/a?b=1&c=%3C2%3E#ü"),
     ox.Literal('say "hi"\n\tthen <leave> & go\\', language="de-AT"),
     ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
    (ox.BlankNode("b0"), ox.Literal("Weinen – “Tränen” 😢"),
     ox.Literal("2024-01-01T10:00:00Z", datatype=ox.NamedNode(XSD + "dateTime"))),
    (None, None, ox.Literal("1.5e0", datatype=ox.NamedNode(XSD + "double"))),
    (ox.NamedNode("http://example.org/x"), ox.Literal("a,b;c"), ox.Literal("")),
]


@pytest.mark.parametrize("writer,fmt", [
    (write_json, ox.QueryResultsFormat.JSON),
    (write_xml, ox.QueryResultsFormat.XML),
    (write_tsv, ox.QueryResultsFormat.TSV),
])
def test_round_trip_through_pyoxigraph(writer, fmt):
    body = writer(VARIABLES, ROWS)
    parsed = ox.parse_query_results(body, format=fmt)
    got = [[s[v] for v in VARIABLES] for s in parsed]
    assert [v.value for v in parsed.variables] == VARIABLES
    assert solutions_key(VARIABLES, got) == solutions_key(VARIABLES, ROWS)
    # exact terms too (blank node labels included) for the formats that keep them
    assert [tuple(r) for r in got] == [tuple(r) for r in ROWS]


def test_json_shape():
    doc = json.loads(write_json(VARIABLES, ROWS))
    assert doc["head"]["vars"] == VARIABLES
    first, second = doc["results"]["bindings"][:2]
    assert "x" not in first  # unbound: no key
    assert first["o"] == {"type": "literal", "value": "Protest crying", "xml:lang": "en"}
    assert second["x"] == {"type": "literal", "value": "42", "datatype": XSD + "integer"}
    assert doc["results"]["bindings"][2]["s"] == {"type": "bnode", "value": "b0"}


def test_csv_follows_the_w3c_rules():
    body = write_csv(VARIABLES, ROWS)
    assert body.startswith(b"s,o,x\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[1] == ["https://w3id.org/cryonto/ProtestCrying", "Protest crying", ""]
    assert rows[2][1] == 'say "hi"\n\tthen <leave> & go\\'
    assert rows[3][0] == "_:b0"
    assert rows[5][1] == "a,b;c"


def test_tsv_escapes_tabs_and_newlines_inside_terms():
    lines = write_tsv(VARIABLES, ROWS).decode("utf-8").split("\n")
    assert lines[0] == "?s\t?o\t?x"
    assert len(lines) == len(ROWS) + 2  # header, rows, trailing newline
    assert all(line.count("\t") == 2 for line in lines[:-1])


def test_matches_pyoxigraphs_own_serializer_for_a_real_query():
    store = ox.Store()
    store.load(b'<http://e/s> <http://e/p> "v"@en, 3, <http://e/o>, _:b .',
               format=ox.RdfFormat.TURTLE)
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY STR(?o)"
    for writer, fmt in ((write_json, ox.QueryResultsFormat.JSON),
                        (write_xml, ox.QueryResultsFormat.XML),
                        (write_tsv, ox.QueryResultsFormat.TSV)):
        theirs = ox.parse_query_results(store.query(query).serialize(format=fmt), format=fmt)
        result = store.query(query)
        rows = [[s[v] for v in ("s", "o")] for s in result]
        ours = ox.parse_query_results(writer(["s", "o"], rows), format=fmt)
        assert [[s[v] for v in ("s", "o")] for s in ours] == [
            [s[v] for v in ("s", "o")] for s in theirs]
