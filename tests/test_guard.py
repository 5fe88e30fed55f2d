"""guard.check_query: what a SPARQL text may not do, checked on the parse tree."""

from __future__ import annotations

import pytest

from cryonto.errors import QueryRefused
from cryonto.guard import check_query

ALLOWED = "https://w3id.org/cryonto/graph/ontology"


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ASK {}", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <https://w3id.org/cryonto/ProtestCrying>", "DESCRIBE"),
        ("prefix skos: <http://www.w3.org/2004/02/skos/core#>\n"
         "select ?c (count(*) as ?n) { ?c skos:broader* ?b } group by ?c", "SELECT"),
        # keywords inside strings, comments, IRIs and prefixed names are not keywords
        ('SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> LOAD DROP ALL" }', "SELECT"),
        ("# SERVICE <http://127.0.0.1:9/>\nSELECT * { ?s ?p ?o } # FROM <file:///etc/passwd>",
         "SELECT"),
        ("SELECT * { ?s <http://example.org/SERVICE> ?o }", "SELECT"),
        ("PREFIX ex: <http://example.org/> SELECT ?service { ?service ex:LOAD ex:FROM }",
         "SELECT"),
        ("SELECT * { ?s ?p '''INSERT DATA { <a:a> <a:a> <a:a> }''' }", "SELECT"),
        # GRAPH patterns read the loaded data only; they are fine
        (f"SELECT * {{ GRAPH <{ALLOWED}> {{ ?s ?p ?o }} }}", "SELECT"),
        (f"SELECT * FROM <{ALLOWED}> {{ ?s ?p ?o }}", "SELECT"),
        (f"SELECT * FROM NAMED <{ALLOWED}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", "SELECT"),
    ],
)
def test_allowed(sparql: str, form: str) -> None:
    assert check_query(sparql, allowed_graphs=[ALLOWED]) == form


@pytest.mark.parametrize(
    ("sparql", "reason"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } }",
         "SERVICE"),
        ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", "SERVICE"),
        ("select * { { select * { service <http://127.0.0.1:9/> {} } } }", "SERVICE"),
        ("ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }", "SERVICE"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
         "SERVICE"),
        # \u escapes are expanded before parsing (SPARQL 1.1 §19.2), by every engine
        ("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM <file:///etc/passwd>"),
        ("SELECT * FROM NAMED <file:///etc/passwd> { ?s ?p ?o }", "FROM NAMED"),
        ("BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }", "file:///etc/passwd"),
        ("PREFIX e: <file:///etc/> ASK FROM e:passwd { ?s ?p ?o }", "file:///etc/passwd"),
        ("SELECT * FROM <http://127.0.0.1:9/data.ttl> { ?s ?p ?o }", "FROM"),
        ("DESCRIBE ?s FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }", "FROM"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD"),
        ("LOAD <file:///etc/passwd> INTO GRAPH <http://g>", "LOAD"),
        ("INSERT DATA { <a:a> <a:a> <a:a> }", "INSERT DATA"),
        ("DELETE DATA { <a:a> <a:a> <a:a> }", "DELETE DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "INSERT/DELETE"),
        ("WITH <http://g> INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "INSERT/DELETE"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <http://g>", "DROP"),
        ("CREATE GRAPH <http://g>", "CREATE"),
        ("ADD DEFAULT TO <http://g>", "ADD"),
        ("MOVE <http://a> TO <http://g>", "MOVE"),
        ("COPY <http://a> TO <http://g>", "COPY"),
        ("SELECT * {} ; DROP ALL", "not a single valid SPARQL query"),
        ("SELECT * { ?s ?p ?o } SELECT * {}", "not a single valid SPARQL query"),
        ("SELECT * { ?s ?p ?o ", "not a single valid SPARQL query"),
        ("", "not a single valid SPARQL query"),
        ("PREFIX undefined: <http://x/> SELECT * FROM nope:g {}", "FROM"),
    ],
)
def test_refused(sparql: str, reason: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_query(sparql, allowed_graphs=[ALLOWED])
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message


def test_from_needs_explicit_allow() -> None:
    with pytest.raises(QueryRefused):
        check_query(f"SELECT * FROM <{ALLOWED}> {{ ?s ?p ?o }}")


def test_not_text_and_too_long() -> None:
    with pytest.raises(QueryRefused):
        check_query(b"SELECT * {}")  # type: ignore[arg-type]
    with pytest.raises(QueryRefused, match="longer than"):
        check_query("SELECT * {}" + " " * 1_000_001)


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(QueryRefused):
        check_query("SELECT * " + "{" * 5000 + "}" * 5000)


def test_refusal_is_a_cryonto_error() -> None:
    from cryonto.errors import CryontoError

    assert issubclass(QueryRefused, CryontoError)
