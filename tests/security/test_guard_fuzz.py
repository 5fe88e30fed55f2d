"""Differential fuzzing of the guard against the engine (issue 7, item 1).

Hypothesis builds queries with \\u escapes, comment markers, quote characters and
line ends in random places around a SERVICE or LATERAL call to a real listener.
Each one must be refused by `cryonto.rdf.guard.check`, or the text it returns, run
by pyoxigraph in this very process (no isolation: the guard alone is tested),
must contact nothing.
"""

from __future__ import annotations

import contextlib

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryonto.errors import QueryRefused
from cryonto.rdf.guard import check

#: pieces that change how a parser splits the text
TRICKS = [
    "# ", "#", "\n", "\r", "\r\n", " ", "\t",
    '"', "'", '"""', "'''", '\\"', "\\'", "\\\\", "\\",
    "\\u000A", "\\u000a", "\\u000D", "\\u0022", "\\u0027", "\\u0023", "\\u005C",
    "\\u003C", "\\u003E", "\\U0000000A", "\\U00000022", "\\u005Cu0022", "\\u00",
    "<", ">", "(", ")", "{", "}", ".", ",", ";", "a", "?x", "1",
]
#: the issue's hiding pieces, whole
HIDING = ['# \\u000A"""', '\\u000A"""', '"""', "'''", "\"a\\u0022 + STRLEN('''\"",
          "# ''')", "# \r", "# \\u000D", '"\\u0022', "'\\u0027"]
#: pieces that keep the text close to a valid query
GLUE = ["BIND(", " AS ?v)", "1 AS ?w)", "STRLEN(", " + ", "FILTER(", "?s ?p ?o .",
        "VALUES ?q { 1 }", "OPTIONAL {", "}"]


def _service(url: str) -> list[str]:
    return [f"SERVICE <{url}/fz> {{ ?s ?p ?o }}",
            f"SERVICE SILENT <{url}/fz> {{ }}",
            f'BIND(IRI("{url}/fz") AS ?svc) LATERAL {{ SERVICE SILENT ?svc {{ }} }}',
            f"\\u0053ERVICE <{url}/fz> {{ }}",
            f"SERVICE <{url}/fz> {{ ?s ?p ?o }} BIND(2 AS ?z)"]


@st.composite
def attacks(draw, url: str) -> str:
    noise = st.lists(st.sampled_from(TRICKS + HIDING + GLUE), max_size=4).map("".join)
    shape = draw(st.sampled_from(["in-string", "in-comment", "wrapped", "free"]))
    service = draw(st.sampled_from(_service(url)))
    if shape == "in-string":  # hidden in a string, with tricks inside: must stay hidden
        quote = draw(st.sampled_from(['"""', "'''", '"', "'"]))
        return ("SELECT * WHERE { BIND(" + quote + draw(noise) + service + draw(noise) + quote +
                " AS ?x) }")
    if shape == "in-comment":
        return ("SELECT * WHERE { BIND(1 AS ?x) #" + draw(noise) + service + draw(noise) +
                "\n}")
    if shape == "wrapped":  # the shape of the payloads
        return ("SELECT * WHERE {\n BIND(" + draw(noise) + "\n 1 AS ?x) " + service +
                " BIND(" + draw(noise) + " AS ?x0) BIND(" + draw(noise) + "\n 2 AS ?y)\n}")
    parts = draw(st.lists(st.sampled_from(TRICKS + HIDING + GLUE), max_size=10))
    at = draw(st.integers(0, len(parts)))
    return "SELECT * WHERE { " + "".join(parts[:at]) + service + "".join(parts[at:]) + " }"


def _run_raw(sparql: str) -> None:
    with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
        result = ox.Store().query(sparql)
        if not isinstance(result, ox.QueryBoolean):
            list(result)


def test_refused_or_contacts_nothing(listener):
    outcomes = {"refused": 0, "ran": 0}

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(attacks(listener.url))
    def one(sparql: str) -> None:
        try:
            checked = check(sparql)
        except QueryRefused:
            outcomes["refused"] += 1
            return
        outcomes["ran"] += 1
        _run_raw(checked.text)
        assert listener.contacts == 0, (sparql, checked.text)

    one()
    print(f"\nguard fuzz: {outcomes['refused']} refused, {outcomes['ran']} passed and ran")
    assert outcomes["ran"] > 20  # the generator does reach the engine, not only the parser
    assert listener.settle() == 0
