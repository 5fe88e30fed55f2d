"""Reading protocol requests, and telling whether a query names its own dataset."""

from __future__ import annotations

import pytest

from cryonto.serve.protocol import ProtocolError, has_dataset_clause, parse_request

FORM = "application/x-www-form-urlencoded"


def test_get_query_with_graph_parameters():
    parsed = parse_request(
        "GET", "query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fa%2F&named-graph-uri=urn%3Ax"
        "&named-graph-uri=http%3A%2F%2Fb%2F&format=json", None, b"")
    assert parsed.query == "ASK {}"
    assert parsed.default_graphs == ["http://a/"]
    assert parsed.named_graphs == ["urn:x", "http://b/"]
    assert parsed.protocol_dataset
    assert parsed.format_params == ["json"]


def test_get_without_query_is_the_service_description():
    assert parse_request("GET", "", None, b"") is None
    assert parse_request("HEAD", "format=ttl", None, b"") is None


def test_form_post_merges_url_and_body_parameters():
    parsed = parse_request("POST", "default-graph-uri=urn%3Ag", FORM + "; charset=UTF-8",
                           b"query=SELECT+*+%7B%7D&named-graph-uri=urn%3Ah")
    assert parsed.query == "SELECT * {}"
    assert parsed.default_graphs == ["urn:g"] and parsed.named_graphs == ["urn:h"]


def test_direct_post():
    parsed = parse_request("POST", "", "application/sparql-query", "ASK { ?s ?p \"ü\" }".encode())
    assert parsed.query == 'ASK { ?s ?p "ü" }'
    assert not parsed.protocol_dataset


@pytest.mark.parametrize("method,query,ctype,body,status", [
    ("PUT", "query=ASK%7B%7D", None, b"", 405),
    ("DELETE", "", None, b"", 405),
    ("GET", "query=ASK%7B%7D&query=ASK%7B%7D", None, b"", 400),
    ("GET", "update=CLEAR%20ALL", None, b"", 403),
    ("POST", "", FORM, b"update=CLEAR+ALL", 403),
    ("POST", "", FORM, b"query=ASK+%7B%7D&using-graph-uri=urn%3Ax", 403),
    ("POST", "", "application/sparql-update", b"CLEAR ALL", 403),
    ("POST", "", "application/sparql-update; charset=UTF-16", b"CLEAR ALL", 403),
    ("POST", "", "text/plain", b"ASK {}", 415),
    ("POST", "", None, b"ASK {}", 415),
    ("POST", "", None, b"query=ASK%20%7B%7D", 415),
    ("POST", "", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415),
    ("POST", "", "application/sparql-query", b"ASK {} \xfe", 400),
    ("POST", "", FORM, b"nothing=here", 400),
    ("POST", "query=ASK%7B%7D", "application/sparql-query", b"ASK {}", 400),
    ("POST", "", "application/sparql-query", b"#" * 1_000_001, 413),
    ("GET", "query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, b"", 400),
    ("GET", "query=%FF", None, b"", 400),
])
def test_bad_requests(method, query, ctype, body, status):
    with pytest.raises(ProtocolError) as caught:
        parse_request(method, query, ctype, body)
    assert caught.value.status == status
    assert caught.value.message


@pytest.mark.parametrize("sparql,expected", [
    ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
    ("select * from named <urn:g> { graph ?g { ?s ?p ?o } }", True),
    ("ASK FROM<urn:g>{}", True),
    ("PREFIX ex: <http://e/>\nSELECT ?from WHERE { ?from ex:from ?x }", False),
    ('SELECT * WHERE { ?s ?p "FROM <urn:g>" }', False),
    ("SELECT * WHERE { ?s ?p ?o } # FROM <urn:g>", False),
    ("SELECT * WHERE { ?s <http://e/FROM> ?o }", False),
    ('SELECT * WHERE { ?s ?p """multi\nFROM line""" }', False),
    ("PREFIX from: <http://e/> SELECT * WHERE { ?s from:x ?o }", False),
    ("SELECT * WHERE { ?s ?p ?o }", False),
])
def test_has_dataset_clause(sparql, expected):
    assert has_dataset_clause(sparql) is expected
