"""Content negotiation rules (RFC 9110 q-values, specificity, format hints)."""

from __future__ import annotations

import pytest

from cryonto.serve import negotiation as n


@pytest.mark.parametrize("accept,offers,expected", [
    (None, n.SELECT_FORMATS, n.JSON),
    ("", n.SELECT_FORMATS, n.JSON),
    ("garbage", n.SELECT_FORMATS, n.JSON),
    ("*/*", n.GRAPH_FORMATS, n.TURTLE),
    ("application/sparql-results+xml", n.SELECT_FORMATS, n.XML),
    ("text/csv, application/sparql-results+json", n.SELECT_FORMATS, n.CSV),
    ("text/csv;q=0.4, application/sparql-results+json;q=0.5", n.SELECT_FORMATS, n.JSON),
    ("text/*;q=0.9, text/csv;q=0.1", n.SELECT_FORMATS, n.TSV),
    ("text/*", n.SELECT_FORMATS, n.CSV),
    ("application/json", n.GRAPH_FORMATS, n.JSONLD),
    ("application/xml", n.GRAPH_FORMATS, n.RDFXML),
    ("application/x-turtle", n.GRAPH_FORMATS, n.TURTLE),
    ("TEXT/TURTLE; charset=utf-8", n.GRAPH_FORMATS, n.TURTLE),
    ("*/*;q=0.1, application/n-triples", n.GRAPH_FORMATS, n.NTRIPLES),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     (*n.GRAPH_FORMATS, n.HTML), n.HTML),
    ("text/html;q=0.5, text/turtle", (*n.GRAPH_FORMATS, n.HTML), n.TURTLE),
])
def test_negotiate(accept, offers, expected):
    assert n.negotiate(accept, offers) is expected


@pytest.mark.parametrize("accept,offers", [
    ("image/png", n.SELECT_FORMATS),
    ("text/csv", n.ASK_FORMATS),
    ("application/sparql-results+json;q=0", n.SELECT_FORMATS),
    ("*/*;q=0", n.GRAPH_FORMATS),
    ("text/turtle;q=0, */*;q=0", n.GRAPH_FORMATS),
])
def test_not_acceptable(accept, offers):
    assert n.negotiate(accept, offers) is None


def test_specific_q0_excludes_even_under_a_wildcard():
    assert n.negotiate("*/*, application/sparql-results+json;q=0", n.SELECT_FORMATS) is n.XML


def test_parse_accept_reads_q_and_skips_malformed():
    ranges = n.parse_accept("text/html;level=1;q=0.7, bad, */*;q=x, application/json")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "html", 0.7), ("*", "*", 0.0), ("application", "json", 1.0)]


@pytest.mark.parametrize("params,accept,expected", [
    (["tsv"], "application/sparql-results+json", n.TSV),
    (["csv"], None, n.CSV),
    (["pdf"], "text/csv", n.CSV),  # an unknown name is a hint that is ignored
    (["json", "application/sparql-results+xml"], None, n.JSON),
    (["text/tab-separated-values"], None, n.TSV),
    ("xml", None, n.XML),
])
def test_format_parameter(params, accept, expected):
    assert n.choose(accept, params, n.SELECT_FORMATS) is expected


def test_format_names_for_graphs():
    assert n.choose(None, ["ttl"], n.GRAPH_FORMATS) is n.TURTLE
    assert n.choose(None, ["n3"], n.GRAPH_FORMATS) is n.TURTLE
    assert n.choose(None, ["jsonld"], n.GRAPH_FORMATS) is n.JSONLD
    assert n.choose(None, ["nt"], n.GRAPH_FORMATS) is n.NTRIPLES
    assert n.choose(None, ["rdf"], n.GRAPH_FORMATS) is n.RDFXML
    assert n.choose(None, ["xml"], n.GRAPH_FORMATS) is n.RDFXML


def test_text_types_declare_utf8():
    assert n.CSV.content_type == "text/csv; charset=utf-8"
    assert n.JSON.content_type == "application/sparql-results+json"
