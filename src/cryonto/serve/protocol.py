"""The SPARQL 1.1 Protocol, query side: read a request, run it, serialize the answer.

Nothing here knows Starlette. `parse_request` turns method, URL parameters,
Content-Type and body into a `QueryRequest` or raises `ProtocolError` with the
HTTP status to answer. `answer_job` runs in a query worker process (see
`cryonto.serve.runner`): it checks the text with the guard, negotiates the
format, runs exactly the text the guard judged and writes at most
`max_results` rows and `max_bytes` bytes back.

Dataset rules (SPARQL 1.1 Protocol §2.1.4): ``default-graph-uri`` and
``named-graph-uri`` replace the query's own FROM / FROM NAMED; a graph the
store does not hold is simply empty, nothing is ever fetched. Without either,
a query with FROM gets exactly those graphs, and a query without one sees the
union of all graphs as its default graph (ontology plus every data file).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from cryonto.errors import CryontoError, QueryRefused
from cryonto.rdf import GraphStore, Triple, is_iri
from cryonto.rdf.guard import check as guard_check
from cryonto.rdf.serialize import serialize_triples
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
        if not (_ABSOLUTE_IRI.match(iri) and is_iri(iri)):
            raise ProtocolError(400, f"graph IRI {iri!r} is not an absolute IRI")
    return QueryRequest(query=queries[0], default_graphs=default, named_graphs=named,
                        protocol_dataset=bool(default or named),
                        format_params=formats)


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


@dataclass(frozen=True)
class Settings:
    """What every query worker of one endpoint needs besides the store."""

    allowed_graphs: frozenset[str]
    max_results: int
    max_bytes: int
    timeout: float


#: longest checked text a worker hands back for the server's verdict cache
VERDICT_TEXT_LIMIT = 65_536


def job_header(request: QueryRequest, accept: str | None, base_iri: str) -> dict:
    """The job a worker gets (the query text travels as the payload)."""
    return {"default_graphs": request.default_graphs, "named_graphs": request.named_graphs,
            "protocol_dataset": request.protocol_dataset,
            "format_params": request.format_params, "accept": accept, "base_iri": base_iri}


def answer_job(store: GraphStore, settings: Settings, header: dict, payload: bytes,
               send: Callable[[dict, bytes], None]) -> None:
    """In a worker process: check, negotiate, run, serialize; the answer goes to `send`.

    Frames sent: ``{"verdict": "ok", "text", "form"}`` once the guard let the
    text through (the server caches it and later jobs skip the parse), then one
    answer: ``{"status": 200, "content_type", "count", "truncated"}`` with the
    body, or ``{"status", "message", "headers"}`` (``"refused": true`` for a
    guard refusal, which the server caches too).
    """
    deadline = float(header.get("deadline") or time.monotonic() + settings.timeout)
    try:
        checked = header.get("checked")
        if checked:
            text, form = checked
        else:
            try:
                verdict = guard_check(payload.decode("utf-8"),
                                      allowed_graphs=settings.allowed_graphs)
            except QueryRefused as refused:
                send({"status": 400, "message": str(refused), "refused": True}, b"")
                return
            text, form = verdict.text, verdict.form
            send({"verdict": "ok", "form": form,
                  "text": text if len(text) <= VERDICT_TEXT_LIMIT else None}, b"")
        fmt = choose_format(form, header.get("accept"), list(header.get("format_params", ())))
        request = QueryRequest(query=text, default_graphs=list(header["default_graphs"]),
                               named_graphs=list(header["named_graphs"]),
                               protocol_dataset=bool(header["protocol_dataset"]))
        answer = execute(store, request, form, fmt, base_iri=header["base_iri"],
                         max_results=settings.max_results, deadline=deadline,
                         max_bytes=settings.max_bytes)
    except ProtocolError as error:
        send({"status": error.status, "message": error.message, "headers": error.headers}, b"")
        return
    except QueryTimeout:
        send({"status": 503, "timeout": True}, b"")
        return
    except MemoryError:
        send({"status": 503, "memory": True}, b"")
        return
    send({"status": 200, "content_type": answer.format.content_type, "count": answer.count,
          "truncated": answer.truncated}, answer.body)


def choose_format(form: str, accept: str | None, format_params: list[str]) -> Format:
    offers = negotiation.FORMS[form]
    chosen = negotiation.choose(accept, format_params, offers)
    if chosen is None:
        raise ProtocolError(
            406, f"cannot answer a {form} query as Accept: {accept}; "
                 f"available: {negotiation.acceptable_list(offers)}")
    return chosen


def execute(store: GraphStore, request: QueryRequest, form: str, fmt: Format, *,
            base_iri: str, max_results: int, deadline: float,
            max_bytes: int = 1 << 62) -> Answer:
    """Run one checked query; serialize at most `max_results` rows or triples in `max_bytes`.

    Called in a worker. Raises `QueryTimeout` when `deadline` (time.monotonic)
    passes before the query starts or between result rows; a single long
    engine step is ended by the worker's own timer instead (`cryonto.sandbox`).
    A result cut by either limit is flagged `truncated`.
    """
    # pyoxigraph's result iterators must be dropped on the thread that made them: an
    # exception carrying their frames to the event loop would drop them there. So the
    # failure is noted, its traceback (and with it the iterator) released here, and a
    # fresh exception raised.
    failure: tuple[type, tuple] | None = None
    try:
        return _execute(store, request, form, fmt, base_iri=base_iri,
                        max_results=max_results, deadline=deadline, max_bytes=max_bytes)
    except QueryTimeout:
        failure = (QueryTimeout, ())
    except ProtocolError as error:
        failure = (ProtocolError, (error.status, error.message, error.headers))
    raise failure[0](*failure[1])


def _execute(store: GraphStore, request: QueryRequest, form: str, fmt: Format, *,
             base_iri: str, max_results: int, deadline: float, max_bytes: int) -> Answer:
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
        result = store.stream(request.query, **kwargs)
        if result.kind == "ask":
            assert fmt.results is not None
            return Answer(result.boolean_document(fmt.results), fmt, form)
        if result.kind == "select":
            variables = result.variables
            rows, truncated = _take(result.items, max_results, deadline, max_bytes, _row_size)
            body, sent, cut = _fit(lambda part: WRITERS[fmt.key](variables, part), rows,
                                   max_bytes)
            return Answer(body, fmt, form, sent, truncated or cut)
        triples, truncated = _take(result.items, max_results, deadline, max_bytes, _row_size)
        rdf = fmt.rdf
        assert rdf is not None
        body, sent, cut = _fit(lambda part: serialize_triples(part, rdf, PREFIXES),
                               triples, max_bytes)
        return Answer(body, fmt, form, sent, truncated or cut)
    except CryontoError as error:  # the store's "SPARQL syntax error: …"
        raise ProtocolError(400, str(error)) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise ProtocolError(500, f"query failed: {_first_line(error)}") from None


def _take(items, limit: int, deadline: float, max_bytes: int = 1 << 62,
          size: Callable[[object], int] = lambda _item: 0) -> tuple[list, bool]:
    """At most `limit` items whose estimated size stays within `max_bytes`; cut or not."""
    out: list = []
    total = 0
    for n, item in enumerate(items):
        if n >= limit:
            return out, True
        if n % 256 == 255 and time.monotonic() > deadline:
            raise QueryTimeout()
        total += size(item)
        if total > max_bytes:
            return out, True
        out.append(item)
    if time.monotonic() > deadline:
        raise QueryTimeout()
    return out, False


def _row_size(item: object) -> int:
    """A row's or triple's size as N-Triples terms (close to any format's, before escaping)."""
    terms: Iterable[object] = ((item.subject, item.predicate, item.object)
                               if isinstance(item, Triple) else item)  # type: ignore[assignment]
    return 8 + sum(len(str(term)) for term in terms if term is not None)


def _fit(write: Callable[[list], bytes], items: list, max_bytes: int) -> tuple[bytes, int, bool]:
    """The document of a prefix of `items` that fits `max_bytes` (escaping and markup can
    make it larger than estimated): (body, items written, cut). Rows are written alike,
    so the size ratio guesses the count; a few tries at most shrink it to fit."""
    body = write(items)
    if len(body) <= max_bytes:
        return body, len(items), False
    count = len(items) * max_bytes // len(body)
    while True:
        body = write(items[:count])
        if len(body) <= max_bytes or count == 0:
            return body, count, True
        count = count * 9 // 10


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

