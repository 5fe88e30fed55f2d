"""The SPARQL 1.1 Protocol client: queries (and updates) to a remote endpoint by SPARQLWrapper.

`RemoteEndpoint` sends an already checked query (see `cryonto.rdf.guard`) to a SPARQL
1.1 endpoint and turns the answer into the same `QueryResult` the embedded store
gives, so a query answers the same wherever it runs. Every failure becomes one
`RemoteError` line: unreachable, timed out, HTTP error with its status, or
malformed results.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from cryonto import resources
from cryonto.errors import RemoteError
from cryonto.rdf import NamedNode, QueryResult, bind_values, parse_rdf, parse_results
from cryonto.rdf.guard import check_query
from cryonto.remote.http import check_timeout, check_url, failure, media_type
from cryonto.vocab import ONTOLOGY_GRAPH


class RemoteEndpoint:
    """A SPARQL 1.1 endpoint reached over HTTP (queries by SPARQLWrapper)."""

    def __init__(self, url: str, timeout: float = 30, *, user: str | None = None,
                 password: str | None = None, default_graphs: Collection[str] = (),
                 update_url: str | None = None, allowed_graphs: Collection[str] = ()) -> None:
        self.url = check_url(url)
        self.timeout = check_timeout(timeout)
        #: graphs a FROM clause may name (besides the ontology graph and `default_graphs`)
        self.allowed_graphs = {str(ONTOLOGY_GRAPH), *map(str, allowed_graphs),
                               *map(str, default_graphs)}
        self.user = user
        self.password = password
        self.default_graphs = list(default_graphs)
        self.update_url = check_url(update_url, "update endpoint") if update_url else None

    # -- queries ----------------------------------------------------------------
    def query(self, text: str, form: str | None = None) -> QueryResult:
        """Send a query; the answer as a `cryonto.rdf.QueryResult`.

        The text passes `cryonto.rdf.guard.check_query` here too (whoever calls), so
        nothing refused locally can reach a remote store either. `form` is accepted
        for callers and ignored: the guard's verdict decides it.
        """
        from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

        form = check_query(text, allowed_graphs=self.allowed_graphs)
        graph_answer = form in ("CONSTRUCT", "DESCRIBE")
        wrapper = SPARQLWrapper(self.url)
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the form from the text and strips only every other comment
        # line while guessing, so a header comment mentioning "load" or "add" would turn a
        # query into an update; the guard has parsed the text, its verdict is the form
        wrapper.queryType = form
        wrapper.setMethod(POST)
        wrapper.setTimeout(self._seconds())
        wrapper.setReturnFormat(TURTLE if graph_answer else JSON)
        for graph in self.default_graphs:
            wrapper.addDefaultGraph(graph)
        self._auth(wrapper)
        body, content_type = self._send(wrapper)
        try:
            if graph_answer:
                return QueryResult("construct", triples=parse_rdf(body, content_type))
            return parse_results(body, content_type, form)
        except (SyntaxError, ValueError, TypeError) as error:
            raise self._malformed(error) from None

    def count_triples(self, graph: str) -> int:
        """How many triples the named graph holds."""
        text = bind_values(resources.sparql("remote/count-graph"), {"g": NamedNode(graph)})
        values = self.query(text).values()
        if len(values) != 1 or not isinstance(values[0][0], int):
            raise RemoteError(f"{self.url} answered a triple count with {values!r}")
        return int(values[0][0])

    def default_graph_hint(self, graph: str | None = None) -> str | None:
        """A one-line hint when the default graph does not see a named graph's triples.

        A store whose default graph is not the union of its named graphs (Oxigraph
        served without ``--union-default-graph``) answers every query that names no
        graph with empty rows; one sample triple (from `graph`, else from any named
        graph) tells. None when the default graph sees it, when no named graph holds
        anything, and when the probe itself fails: the hint is advice, never an error.
        """
        text = resources.sparql("remote/default-graph-probe")
        if graph is not None:
            text = bind_values(text, {"graph": NamedNode(graph)})
        try:
            rows = self.query(text).dicts()
        except RemoteError:
            return None
        seen_in_default = rows[0].get("inDefault") if rows else None
        # Virtuoso answers the boolean as 1 or 0
        if seen_in_default is None or seen_in_default not in (False, 0):
            return None
        seen = str(rows[0].get("graph") or graph)
        graphs = dict.fromkeys([str(ONTOLOGY_GRAPH), seen])
        options = " ".join(f"--default-graph {g}" for g in graphs)
        return (f"hint: the endpoint's default graph does not see the triples of its named "
                f"graph <{seen}>, so queries that name no graph find nothing; start Oxigraph "
                f"with `oxigraph serve --union-default-graph`, or query with {options}")

    def update(self, text: str, form: str = "INSERT") -> None:
        """Send a SPARQL Update (`form`: its operation, e.g. DROP) to the update endpoint."""
        from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

        if not self.update_url:
            raise RemoteError("no SPARQL update endpoint given")
        wrapper = SPARQLWrapper(self.url, updateEndpoint=self.update_url)
        wrapper.setQuery(text)
        wrapper.queryType = form  # an update, whatever the header comment says (see query)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
        wrapper.setTimeout(self._seconds())
        self._auth(wrapper)
        self._send(wrapper, self.update_url)

    def _seconds(self) -> int:
        return int(max(1, round(self.timeout)))

    def _auth(self, wrapper: Any) -> None:
        if self.user is not None:
            from SPARQLWrapper import DIGEST

            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.user, self.password or "")

    def _send(self, wrapper: Any, url: str | None = None) -> tuple[bytes, str]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        url = url or self.url
        try:
            response = wrapper.query().response
            body = response.read()
            content_type = media_type(response.headers.get("Content-Type", ""))
        except (SPARQLWrapperException, OSError) as error:
            raise failure(error, url, self.timeout) from None
        return body, content_type

    def _malformed(self, error: BaseException) -> RemoteError:
        text = str(error).strip().splitlines()
        return RemoteError(f"{self.url} sent malformed results: "
                           f"{text[0] if text else type(error).__name__}")


def answers_nothing(result: QueryResult) -> bool:
    """True for an answer a store with an unseen default graph gives: no rows, no triples,
    ASK false, or rows of nothing but zeros and blanks (a COUNT over nothing)."""
    if result.kind == "ask":
        return not result.boolean
    if result.kind == "construct":
        return not result.triples
    return all(value in (None, 0, "") for row in result.values() for value in row)
