"""Remote SPARQL endpoints: queries through SPARQLWrapper, uploads by Graph Store Protocol.

`RemoteEndpoint` sends an already checked query (see `cryonto.rdf.guard`) to a SPARQL
1.1 endpoint and turns the answer into the same `QueryResult` the embedded store
gives, so a query answers the same wherever it runs. Every failure becomes one
`RemoteError` line: unreachable, timed out, HTTP error with its status, or
malformed results.

`push` uploads the ontology (into its own graph, always replaced) and coded data
(into ``graph``) in N-Triples batches, by the SPARQL 1.1 Graph Store Protocol or,
for a store without it, by SPARQL Update ``INSERT DATA``; afterwards it counts
the triples in each graph and compares with what was sent. Blank nodes never
straddle two batches (each request has its own blank-node scope), so structures
such as RDF lists arrive whole.
"""

from __future__ import annotations

import ast
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cryonto.errors import CryontoError, RemoteError
from cryonto.rdf import GraphStore, bind_values
from cryonto.vocab import BASE, ONTOLOGY_GRAPH

#: where `cryonto push` puts coded data unless told otherwise
DEFAULT_DATA_GRAPH = BASE + "graph/data"

# Internal protocol texts (not research questions, so not in the query library).
_COUNT_GRAPH = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
_DROP_GRAPH = "DROP SILENT GRAPH <{graph}>"

_STATUS = {
    "QueryBadFormed": 400,
    "Unauthorized": 401,
    "EndPointNotFound": 404,
    "URITooLong": 414,
    "EndPointInternalError": 500,
}

_RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/n3": ox.RdfFormat.N3,
    "text/rdf+n3": ox.RdfFormat.N3,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def check_url(url: str, what: str = "endpoint") -> str:
    """`url` if it is an absolute http(s) URL; urllib would also open file: and ftp: URLs."""
    try:
        parsed = urllib.parse.urlsplit(url)
        parsed.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as error:
        raise RemoteError(f"the {what} is not a valid URL ({error}): {url!r}") from None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise RemoteError(f"the {what} must be an http:// or https:// URL, not {url!r}")
    return url


def check_timeout(timeout: float, what: str = "--timeout") -> float:
    """`timeout` if it is a finite number of seconds above 0 (nan and inf wait forever)."""
    if not math.isfinite(timeout) or timeout <= 0:
        raise CryontoError(f"{what} must be a finite number of seconds above 0, not {timeout}")
    return timeout


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
    def query(self, text: str, form: str | None = None):  # form: kept for callers; derived
        """Send a query; the answer as a `cryonto.queries.QueryResult`.

        The text passes `cryonto.rdf.guard.check_query` here too (whoever calls), so nothing
        refused locally can reach a remote store either.
        """
        from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

        from cryonto.queries import QueryResult
        from cryonto.rdf.guard import check_query

        form = check_query(text, allowed_graphs=self.allowed_graphs)
        wrapper = SPARQLWrapper(self.url)
        wrapper.setQuery(text)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(max(1, round(self.timeout))))
        wrapper.setReturnFormat(TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON)
        for graph in self.default_graphs:
            wrapper.addDefaultGraph(graph)
        self._auth(wrapper)
        body, content_type = self._send(wrapper)
        if form in ("CONSTRUCT", "DESCRIBE"):
            fmt = _RDF_TYPES.get(content_type, ox.RdfFormat.TURTLE)
            try:
                triples = [ox.Triple(q.subject, q.predicate, q.object)
                           for q in ox.parse(body, format=fmt)]
            except (SyntaxError, ValueError) as error:
                raise self._malformed(error) from None
            return QueryResult("construct", triples=triples)
        fmt = _RESULT_TYPES.get(content_type, ox.QueryResultsFormat.JSON)
        try:
            answer = _parse_results(body, fmt, form)
        except (SyntaxError, ValueError, TypeError) as error:
            raise self._malformed(error) from None
        if isinstance(answer, bool):
            return QueryResult("ask", boolean=answer)
        variables, rows = answer
        return QueryResult("select", variables=variables, rows=rows)

    def count_triples(self, graph: str) -> int:
        """How many triples the named graph holds."""
        text = bind_values(_COUNT_GRAPH, {"g": ox.NamedNode(graph)})
        result = self.query(text, "SELECT")
        values = result.values()
        if len(values) != 1 or not isinstance(values[0][0], int):
            raise RemoteError(f"{self.url} answered a triple count with {values!r}")
        return int(values[0][0])

    def update(self, text: str) -> None:
        """Send a SPARQL Update request to the update endpoint."""
        from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

        if not self.update_url:
            raise RemoteError("no SPARQL update endpoint given")
        wrapper = SPARQLWrapper(self.url, updateEndpoint=self.update_url)
        wrapper.setQuery(text)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
        wrapper.setTimeout(int(max(1, round(self.timeout))))
        self._auth(wrapper)
        self._send(wrapper, self.update_url)

    def _auth(self, wrapper) -> None:
        if self.user is not None:
            from SPARQLWrapper import DIGEST

            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.user, self.password or "")

    def _send(self, wrapper, url: str | None = None) -> tuple[bytes, str]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        url = url or self.url
        try:
            result = wrapper.query()
            response = result.response
            body = response.read()
            content_type = _media_type(response.headers.get("Content-Type", ""))
        except SPARQLWrapperException as error:
            status = _STATUS.get(type(error).__name__, "error")
            raise RemoteError(f"{url} answered HTTP {status}: {_response_text(error)}") from None
        except urllib.error.HTTPError as error:
            raise RemoteError(f"{url} answered HTTP {error.code}: {_body_line(error)}") from None
        except TimeoutError:
            raise RemoteError(f"{url} did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise RemoteError(f"{url} did not answer within {self.timeout:g} s") from None
            raise RemoteError(f"cannot reach {url}: {_reason(error.reason)}") from None
        except (ConnectionError, OSError) as error:
            raise RemoteError(f"cannot reach {url}: {_reason(error)}") from None
        return body, content_type

    def _malformed(self, error: BaseException) -> RemoteError:
        text = str(error).strip().splitlines()
        return RemoteError(f"{self.url} sent malformed results: "
                           f"{text[0] if text else type(error).__name__}")


# -- Graph Store Protocol ------------------------------------------------------------

class GraphStoreClient:
    """SPARQL 1.1 Graph Store HTTP Protocol: PUT/POST a graph's triples (urllib)."""

    def __init__(self, url: str, timeout: float = 60, *, user: str | None = None,
                 password: str | None = None) -> None:
        self.url = check_url(url, "graph store URL")
        self.timeout = check_timeout(timeout)
        handlers: list = []
        if user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, user, password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        self._opener = urllib.request.build_opener(*handlers)

    def graph_url(self, graph: str) -> str:
        if "{graph}" in self.url:
            return self.url.replace("{graph}", urllib.parse.quote(graph, safe=""))
        # Virtuoso's /sparql-graph-crud[-auth] names the parameter graph-uri
        key = "graph-uri" if "sparql-graph-crud" in self.url else "graph"
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{urllib.parse.urlencode({key: graph})}"

    def send(self, graph: str, ntriples: bytes, *, replace: bool = False) -> int:
        """PUT (replace) or POST (add) N-Triples to `graph`; the HTTP status."""
        url = self.graph_url(graph)
        request = urllib.request.Request(url, data=ntriples, method="PUT" if replace else "POST")
        # N-Triples is Turtle; text/turtle is what every store's GSP accepts
        request.add_header("Content-Type", "text/turtle; charset=utf-8")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            raise RemoteError(f"{self.url} answered HTTP {error.code}: {_body_line(error)}",
                              where=f"graph <{graph}>") from None
        except TimeoutError:
            raise RemoteError(f"{self.url} did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise RemoteError(f"{self.url} did not answer within {self.timeout:g} s") from None
            raise RemoteError(f"cannot reach {self.url}: {_reason(error.reason)}") from None
        except OSError as error:
            raise RemoteError(f"cannot reach {self.url}: {_reason(error)}") from None


def derive_gsp_url(endpoint: str, *, auth: bool = False) -> str | None:
    """The Graph Store Protocol URL next to a query endpoint, for the stores we know."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):  # Oxigraph: /query -> /store; Fuseki: /ds/query -> /ds/data
        base = path[: -len("/query")]
        new = base + "/data" if base else "/store"
    elif path.endswith("/sparql"):  # Virtuoso
        new = path[: -len("/sparql")] + ("/sparql-graph-crud-auth" if auth
                                         else "/sparql-graph-crud")
    else:
        return None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def derive_update_url(endpoint: str) -> str:
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):
        path = path[: -len("/query")] + "/update"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# -- push -------------------------------------------------------------------------

@dataclass
class GraphUpload:
    graph: str
    sent: int
    before: int
    after: int
    replaced: bool
    batches: int

    @property
    def ok(self) -> bool:
        if self.replaced or self.before == 0:
            return self.after == self.sent
        return self.after >= self.sent


@dataclass
class PushReport:
    method: str  # "graph store protocol" | "sparql update"
    target: str  # the URL the triples went to
    uploads: list[GraphUpload] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(u.sent for u in self.uploads)


def batches(triples: Sequence[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Triples in chunks of about `size`; triples sharing a blank node stay together."""
    if size < 1:
        raise CryontoError("the batch size must be at least 1")
    plain: list[ox.Triple] = []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with_blank: list[tuple[str, ox.Triple]] = []
    for triple in triples:
        blanks = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not blanks:
            plain.append(triple)
            continue
        root = find(blanks[0])
        for other in blanks[1:]:
            other_root = find(other)
            if other_root != root:
                parent[other_root] = root
        with_blank.append((blanks[0], triple))
    groups: dict[str, list[ox.Triple]] = {}
    for blank, triple in with_blank:
        groups.setdefault(find(blank), []).append(triple)

    chunk: list[ox.Triple] = []
    for triple in plain:
        chunk.append(triple)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ntriples(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def collect(files: Iterable[Path | str], *, ontology: bool = True
            ) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(ontology triples, data triples) to upload; data from all files, without duplicates."""
    store = GraphStore.with_ontology(files) if ontology else GraphStore()
    if not ontology:
        for path in files:
            store.load_file(path)
    onto_graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    onto: list[ox.Triple] = []
    data: dict[ox.Triple, None] = {}
    for quad in store.quads():
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        if quad.graph_name == onto_graph:
            onto.append(triple)
        else:
            data[triple] = None
    return onto, list(data)


def push(
    files: Sequence[Path | str],
    *,
    endpoint: str,
    graph: str = DEFAULT_DATA_GRAPH,
    replace: bool = False,
    batch_size: int = 50_000,
    update_endpoint: str | None = None,
    gsp: str | None = None,
    user: str | None = None,
    password: str | None = None,
    ontology: bool = True,
    timeout: float = 60,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[str, str, int], None] | None = None,
) -> PushReport:
    """Upload the ontology and the data files to a SPARQL store, then count what arrived.

    `on_start(method, target_url, total_triples)` is called before anything is
    sent; `progress(n)` after each batch of n triples. Raises `RemoteError` when
    the store cannot be reached, refuses a batch, or the count check fails.
    """
    remote = RemoteEndpoint(endpoint, timeout=timeout, user=user, password=password,
                            update_url=update_endpoint)
    try:
        if ":" not in graph:
            raise ValueError(graph)
        _iri_text(graph)
    except ValueError:
        raise CryontoError(f"the graph must be an absolute IRI, not {graph!r}") from None
    onto, data = collect(files, ontology=ontology)
    plans = ([(str(ONTOLOGY_GRAPH), onto, True)] if ontology else []) + [(graph, data, replace)]
    total = sum(len(t) for _, t, _ in plans)

    if update_endpoint:
        method, target = "sparql update", remote.update_url or update_endpoint
        client = None
    else:
        gsp_url = gsp or derive_gsp_url(endpoint, auth=user is not None)
        if gsp_url is None:
            raise RemoteError(f"cannot tell the Graph Store Protocol URL of {endpoint}; "
                              "give --gsp URL or --update-endpoint URL")
        method, target = "graph store protocol", gsp_url
        client = GraphStoreClient(gsp_url, timeout=timeout, user=user, password=password)
    if on_start is not None:
        on_start(method, target, total)

    report = PushReport(method, target)
    for graph_iri, triples, replace_graph in plans:
        before = 0 if replace_graph else remote.count_triples(graph_iri)
        count = 0
        if client is not None:
            first = True
            for chunk in batches(triples, batch_size):
                client.send(graph_iri, ntriples(chunk), replace=replace_graph and first)
                first = False
                count += 1
                if progress:
                    progress(len(chunk))
            if first and replace_graph:  # nothing to send: still replace (empty) the graph
                client.send(graph_iri, b"", replace=True)
        else:
            if replace_graph:
                remote.update(_DROP_GRAPH.format(graph=_iri_text(graph_iri)))
            for chunk in batches(triples, batch_size):
                body = ntriples(chunk).decode("utf-8")
                remote.update(f"INSERT DATA {{ GRAPH <{_iri_text(graph_iri)}> {{\n{body}}} }}")
                count += 1
                if progress:
                    progress(len(chunk))
        after = remote.count_triples(graph_iri)
        upload = GraphUpload(graph_iri, len(triples), before, after, replace_graph, count)
        report.uploads.append(upload)
        if not upload.ok:
            expected = (f"{upload.sent}" if replace_graph or before == 0
                        else f"at least {upload.sent}")
            raise RemoteError(f"count check failed for graph <{graph_iri}>: sent {upload.sent} "
                              f"triples, the store holds {after} (expected {expected})")
    return report


# -- helpers ----------------------------------------------------------------------

def _iri_text(iri: str) -> str:
    """An IRI checked to be safe between < and > (it comes from the user)."""
    node = ox.NamedNode(iri)  # raises ValueError on characters an IRI cannot hold
    return node.value


def _parse_results(body: bytes, fmt: ox.QueryResultsFormat, form: str):
    """A boolean, or (variables, rows) of terms, from a SPARQL results document.

    pyoxigraph result objects must be dropped on the thread that made them (the HTTP
    endpoint runs queries on worker threads), so none outlives this frame, not even
    in a traceback.
    """
    parsed = None
    try:
        parsed = ox.parse_query_results(body, format=fmt)
        if isinstance(parsed, ox.QueryBoolean):
            if form != "ASK":
                raise ValueError("a boolean answer to a SELECT query")
            return bool(parsed)
        if form == "ASK":
            raise ValueError("solutions instead of a boolean answer to an ASK query")
        variables = [v.value for v in parsed.variables]
        return variables, [tuple(solution[v] for v in variables) for solution in parsed]
    finally:
        del parsed


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__


def _first_text_line(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("<"):
            return line[:300]
    return text.strip()[:300] or "(empty response)"


def _body_line(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read()
    except Exception:  # the body may be gone already
        body = b""
    return _first_text_line(body) if body else (error.reason or "no details")


def _response_text(error: BaseException) -> str:
    message = str(error)
    marker = "Response:\n"
    if marker in message:
        raw = message.split(marker, 1)[1].strip()
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        return _first_text_line(value if isinstance(value, bytes | str) else str(value))
    return _first_text_line(message)
