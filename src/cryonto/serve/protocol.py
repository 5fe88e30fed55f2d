"""The SPARQL 1.1 Protocol, query side: read a request, run it, serialize the answer.

Nothing here knows Starlette. `parse_request` turns method, URL parameters,
Content-Type and body into a `QueryRequest` or raises `ProtocolError` with the
HTTP status to answer; `execute` runs a checked query on the store in the
calling (worker) thread and returns the bytes to send.

Dataset rules (SPARQL 1.1 Protocol §2.1.4): ``default-graph-uri`` and
``named-graph-uri`` replace the query's own FROM / FROM NAMED; a graph the
store does not hold is simply empty, nothing is ever fetched. Without either,
a query with FROM gets exactly those graphs, and a query without one sees the
union of all graphs as its default graph (ontology plus every data file).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl

import pyoxigraph as ox

from cryonto.errors import CryontoError, QueryRefused
from cryonto.rdf import GraphStore
from cryonto.rdf.guard import check_query
from cryonto.serve import negotiation
from cryonto.serve.negotiation import Format
from cryonto.serve.results import WRITERS
from cryonto.vocab import PREFIXES

#: largest request body read (a query longer than this is refused with 413)
MAX_BODY = 1_000_000

#: Content-Types a query may be POSTed with
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

READ_ONLY = ("this endpoint is read-only: SPARQL updates are refused "
             "(only SELECT, ASK, CONSTRUCT and DESCRIBE queries run here)")


class ProtocolError(Exception):
    """A request the endpoint answers with an HTTP error status and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class QueryTimeout(Exception):
    """The query ran past its deadline (raised in the worker between result rows)."""


@dataclass
class QueryRequest:
    """One query operation, as the protocol delivered it."""

    query: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    #: True when default-graph-uri or named-graph-uri was given (the protocol names the dataset)
    protocol_dataset: bool = False
    #: values of ?format= / ?output= (hints; one naming no format on offer is ignored)
    format_params: list[str] = field(default_factory=list)


@dataclass
class Answer:
    body: bytes
    format: Format
    form: str
    count: int | None = None  # rows or triples sent
    truncated: bool = False


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    parts = [p.strip() for p in content_type.split(";")]
    params = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return parts[0].lower(), params


def _check_charset(params: dict[str, str]) -> None:
    charset = params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"unsupported charset {charset!r}: send the query as UTF-8")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not valid UTF-8") from None


def parse_request(method: str, url_query: str, content_type: str | None,
                  body: bytes) -> QueryRequest | None:
    """The query operation in a request; None for a GET without a query (service description).

    Raises `ProtocolError`: 403 for any update, 405 for other methods, 413 for
    an oversized body, 415 for a POST that is neither form-encoded nor
    ``application/sparql-query`` (or not UTF-8), 400 for repeated or missing
    parameters.
    """
    try:
        url_params = parse_qsl(url_query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the URL's query string is not valid UTF-8") from None
    if method in ("GET", "HEAD"):
        params = url_params
        queries = [v for k, v in params if k == "query"]
        if not queries:
            if any(k == "update" for k, _ in params):
                raise ProtocolError(403, READ_ONLY)
            return None
    elif method == "POST":
        if len(body) > MAX_BODY:
            raise ProtocolError(413, f"request body larger than {MAX_BODY} bytes")
        media, ctparams = _media_type(content_type)
        if media == UPDATE:
            raise ProtocolError(403, READ_ONLY)
        if media == FORM:
            _check_charset(ctparams)
            try:
                form = parse_qsl(_decode(body), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise ProtocolError(400, "the form body is not valid UTF-8") from None
            if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in form):
                raise ProtocolError(403, READ_ONLY)
            params = url_params + form
            queries = [v for k, v in params if k == "query"]
            if not queries:
                raise ProtocolError(400, "missing parameter 'query' in the form body")
        elif media == QUERY:
            _check_charset(ctparams)
            if any(k == "query" for k, _ in url_params):
                raise ProtocolError(
                    400, "a direct POST carries the query in its body, not also in the URL")
            params = url_params
            queries = [_decode(body)]
        elif not media:
            raise ProtocolError(
                415, f"POST needs a Content-Type: {FORM} or {QUERY}")
        else:
            raise ProtocolError(
                415, f"unsupported Content-Type {media!r}: use {FORM} or {QUERY}")
    else:
        raise ProtocolError(405, f"method {method} not allowed: use GET or POST",
                            {"Allow": "GET, HEAD, POST"})
    if len(queries) > 1:
        raise ProtocolError(400, "more than one 'query' parameter")
    if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(403, READ_ONLY)
    default = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    formats = [v for k, v in params if k in ("format", "output")]
    for iri in (*default, *named):
        if not (_ABSOLUTE_IRI.match(iri) and _is_iri(iri)):
            raise ProtocolError(400, f"graph IRI {iri!r} is not an absolute IRI")
    return QueryRequest(query=queries[0], default_graphs=default, named_graphs=named,
                        protocol_dataset=bool(default or named),
                        format_params=formats)


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


def _is_iri(text: str) -> bool:
    """Whether pyoxigraph takes `text` as an IRI (control bytes, bad escapes: no)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def check(query: str, allowed_graphs: frozenset[str]) -> str:
    """The query form, after `cryonto.rdf.guard` let it through; 400 with its reason otherwise.

    Verdicts are cached by query text (the guard parses with rdflib, up to
    ~100 ms for a library query, under one lock): a read-only endpoint sees
    the same texts again and again, and a text's verdict never changes while
    the set of graphs is fixed.
    """
    verdict, refused = _verdict(query, allowed_graphs)
    if refused:
        raise ProtocolError(400, verdict)
    return verdict


@lru_cache(maxsize=2048)
def _verdict(query: str, allowed_graphs: frozenset[str]) -> tuple[str, bool]:
    try:
        return check_query(query, allowed_graphs=allowed_graphs), False
    except QueryRefused as refused:
        return str(refused), True


def choose_format(form: str, accept: str | None, format_params: list[str]) -> Format:
    offers = negotiation.FORMS[form]
    chosen = negotiation.choose(accept, format_params, offers)
    if chosen is None:
        raise ProtocolError(
            406, f"cannot answer a {form} query as Accept: {accept}; "
                 f"available: {negotiation.acceptable_list(offers)}")
    return chosen


def execute(store: GraphStore, request: QueryRequest, form: str, fmt: Format, *,
            base_iri: str, max_results: int, deadline: float) -> Answer:
    """Run one checked query and serialize at most `max_results` rows or triples.

    Called in a worker thread. Raises `QueryTimeout` when `deadline`
    (time.monotonic) passes before the query starts or between result rows;
    pyoxigraph cannot interrupt a single long step (a big sort or aggregate).
    """
    # pyoxigraph's result iterators must be dropped on the thread that made them: an
    # exception carrying their frames to the event loop would drop them there. So the
    # failure is noted, its traceback (and with it the iterator) released here, and a
    # fresh exception raised.
    failure: tuple[type, tuple] | None = None
    try:
        return _execute(store, request, form, fmt, base_iri=base_iri,
                        max_results=max_results, deadline=deadline)
    except QueryTimeout:
        failure = (QueryTimeout, ())
    except ProtocolError as error:
        failure = (ProtocolError, (error.status, error.message, error.headers))
    raise failure[0](*failure[1])


def _execute(store: GraphStore, request: QueryRequest, form: str, fmt: Format, *,
             base_iri: str, max_results: int, deadline: float) -> Answer:
    if time.monotonic() > deadline:
        raise QueryTimeout()
    kwargs: dict = {"base_iri": base_iri}
    if request.protocol_dataset:
        kwargs["default_graph"] = request.default_graphs
        kwargs["named_graphs"] = request.named_graphs
    else:
        # pyoxigraph's union default graph would override FROM: only use it without one
        kwargs["union"] = not has_dataset_clause(request.query)
    try:
        result = store.query(request.query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            assert fmt.results is not None
            return Answer(result.serialize(format=fmt.results), fmt, form)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = _take(
                (tuple(solution[v] for v in variables) for solution in result),
                max_results, deadline)
            return Answer(WRITERS[fmt.key](variables, rows), fmt, form, len(rows), truncated)
        triples, truncated = _take(iter(result), max_results, deadline)
        assert fmt.rdf is not None
        body = ox.serialize(triples, format=fmt.rdf, prefixes=_prefixes(fmt))
        return Answer(body, fmt, form, len(triples), truncated)
    except CryontoError as error:  # the store's "SPARQL syntax error: …"
        raise ProtocolError(400, str(error)) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise ProtocolError(500, f"query failed: {_first_line(error)}") from None


def _take(items, limit: int, deadline: float) -> tuple[list, bool]:
    out: list = []
    for n, item in enumerate(items):
        if n >= limit:
            return out, True
        if n % 256 == 255 and time.monotonic() > deadline:
            raise QueryTimeout()
        out.append(item)
    if time.monotonic() > deadline:
        raise QueryTimeout()
    return out, False


def _prefixes(fmt: Format) -> dict[str, str] | None:
    return dict(PREFIXES) if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# -- does the query name its own dataset? ------------------------------------------

_TOKENS = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<word>[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.%:]*)?|:[\w\-.%:]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def has_dataset_clause(sparql: str) -> bool:
    """True if the query has FROM / FROM NAMED (outside strings, IRIs and comments).

    The keyword FROM appears in SPARQL only in a dataset clause, so a lexical
    scan is enough; variables (?from) and prefixed names (ex:from, from:x)
    are separate tokens and do not count.
    """
    if "from" not in sparql.lower():
        return False
    for match in _TOKENS.finditer(sparql):
        if match.lastgroup == "word" and match.group().upper() == "FROM":
            return True
    return False

