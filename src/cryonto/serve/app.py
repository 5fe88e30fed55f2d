"""The Starlette application: SPARQL endpoint, linked-data pages and the query page.

Routes
  ``/sparql`` (and ``/query``)  SPARQL 1.1 Protocol, query operation only; GET
                                 without a query gives the service description
  ``/``                          the query page (HTML)
  ``/_static/…``                 CSS and the query page's script
  ``/<anything else>``           the cryonto IRI ``https://w3id.org/cryonto/<anything else>``:
                                 HTML for browsers, Turtle / JSON-LD / N-Triples /
                                 RDF/XML by Accept or ``?format=``; a concept's notation
                                 (``/A1.1``) redirects there (303); 404 if unknown

SPARQL queries run in worker processes (`cryonto.serve.runner`), never in the
server process: each has no network, is stopped at `timeout` seconds (503 at
once, and the process ends then too), at `max_memory` bytes, and writes at
most `max_results` rows in `max_bytes` bytes. `workers` bounds how many run at
once; beyond `max_pending` waiting queries the server answers 503 without
queueing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import weakref
from collections.abc import Collection

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cryonto.category import CATEGORY_SCHEME
from cryonto.rdf import GraphStore, guard
from cryonto.rdf.serialize import serialize_triples
from cryonto.sandbox import Zygote
from cryonto.serve import linked, negotiation, protocol
from cryonto.serve.http_guard import LOOPBACK_HOSTS, OriginGuard, QuietErrors, host_middleware
from cryonto.serve.negotiation import HTML, Format
from cryonto.serve.pages import Pages, named_queries
from cryonto.serve.protocol import ProtocolError
from cryonto.serve.runner import QueryRunner
from cryonto.vocab import PREFIXES

#: headers of every answer the endpoint writes itself
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: pages run no inline script and load nothing from elsewhere
HTML_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}
#: exposed to browsers when CORS is on
RESULT_HEADERS = ("X-Cryonto-Truncated", "X-Cryonto-Result-Limit", "X-Cryonto-Count")

_SUFFIXES = {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".rdf": "rdf", ".html": "html"}
_RESOURCE_OFFERS: tuple[Format, ...] = (*negotiation.GRAPH_FORMATS, HTML)


class Endpoint:
    """The request handlers, sharing one store, one query pool and one page renderer."""

    def __init__(self, store: GraphStore, *, timeout: float, max_results: int,
                 workers: int, max_pending: int, allowed_graphs: Collection[str] | None,
                 body_timeout: float = 10, max_memory: int | None = None,
                 max_bytes: int = 16 << 20) -> None:
        self.store = store
        self.body_timeout = body_timeout
        self.max_results = max_results
        self.pages = Pages(store)
        # FROM / FROM NAMED may name any graph the store holds (they are never fetched)
        self.allowed_graphs = frozenset(allowed_graphs if allowed_graphs is not None
                                        else store.graphs())
        settings = protocol.Settings(self.allowed_graphs, max_results, max_bytes, timeout)
        # the guard's parser (rdflib, pyparsing grammar) loaded once here, not in every worker
        guard.check("ASK {}")
        # forked now, while the store is loaded and (under `cryonto serve`) no thread runs
        zygote = Zygote(functools.partial(protocol.answer_job, store, settings))
        self.isolated = zygote.isolated
        self.runner = QueryRunner(zygote, workers=workers, timeout=timeout,
                                  max_pending=max_pending, max_memory=max_memory,
                                  max_bytes=max_bytes)
        weakref.finalize(self, zygote.close)
        self._sizes: list[tuple[str, int]] | None = None
        self._named: list | None = None
        self._notations: dict[str, str] | None = None  # notation -> concept IRI
        self._named_lock = threading.Lock()

    def named(self) -> list:
        """The query library for the query page (prepared once: the guard parses each text)."""
        with self._named_lock:
            if self._named is None:
                self._named = named_queries(self.store)
            return self._named

    def warm(self) -> None:
        """Build what the first page view would otherwise wait for (run in a thread)."""
        # a failure here shows again, with its message, on the first page view
        with contextlib.suppress(Exception):
            self.pages.system()
            self.named()

    # -- /sparql ----------------------------------------------------------------
    async def sparql(self, request: Request) -> Response:
        try:
            body = b""
            if request.method == "POST":
                body = await _read_body(request, protocol.MAX_BODY, self.body_timeout)
            parsed = protocol.parse_request(request.method, request.url.query,
                                            request.headers.get("content-type"), body)
            if parsed is None:
                return await self.service_description(request)
            accept = request.headers.get("accept")
            base_iri = _endpoint_url(request)
            reply = await self.runner.run(parsed, accept, base_iri)
        except ProtocolError as error:
            return _error(error.status, error.message, error.headers)
        answer = reply.header
        headers = {**SECURITY_HEADERS, "Vary": "Accept",
                   "X-Cryonto-Result-Limit": str(self.max_results)}
        if answer.get("count") is not None:
            headers["X-Cryonto-Count"] = str(answer["count"])
        if answer.get("truncated"):
            headers["X-Cryonto-Truncated"] = "true"
        return Response(reply.body, media_type=answer["content_type"], headers=headers)

    async def service_description(self, request: Request) -> Response:
        fmt = negotiation.choose(request.headers.get("accept"),
                                 request.query_params.getlist("format"),
                                 (*negotiation.GRAPH_FORMATS, HTML))
        if fmt is None:
            return _error(406, "the service description is available as "
                          + negotiation.acceptable_list(negotiation.GRAPH_FORMATS))
        if fmt is HTML:
            return RedirectResponse("/", status_code=303)
        if self._sizes is None:
            self._sizes = await run_in_threadpool(linked.graph_sizes, self.store)
        triples = linked.service_description(_endpoint_url(request), self._sizes,
                                             len(self.store))
        assert fmt.rdf is not None
        body = serialize_triples(triples, fmt.rdf, linked.SD_PREFIXES)
        return Response(body, media_type=fmt.content_type,
                        headers={**SECURITY_HEADERS, "Vary": "Accept"})

    # -- / ------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        named = await run_in_threadpool(self.named)
        html = await run_in_threadpool(self.pages.index, named,
                                       request.query_params.get("query"))
        return Response(html, media_type="text/html; charset=utf-8", headers=HTML_HEADERS)

    # -- linked data ------------------------------------------------------------
    async def resource(self, request: Request) -> Response:
        path = request.url.path
        raw = request.scope.get("raw_path", b"").decode("ascii", "replace") or path
        wants_html = negotiation.negotiate(request.headers.get("accept"),
                                           (negotiation.TURTLE, HTML)) is HTML
        format_param = request.query_params.get("format")
        iri = await run_in_threadpool(self._find, linked.resource_iris(path, raw))
        if iri is None:
            stem, dot, suffix = path.rpartition(".")
            if dot and not format_param and f".{suffix}" in _SUFFIXES:
                raw_stem = raw.rpartition(".")[0]
                iri = await run_in_threadpool(self._find,
                                              linked.resource_iris(stem, raw_stem))
                format_param = _SUFFIXES[f".{suffix}"] if iri else None
        if iri is None:
            # a bare notation (/A1.1) is no IRI but names a concept: see other (303)
            moved = await run_in_threadpool(self._notation_target, path)
            if moved is not None:
                query = f"?{request.url.query}" if request.url.query else ""
                return RedirectResponse(request.scope.get("root_path", "") + moved + query,
                                        status_code=303, headers=SECURITY_HEADERS)
            return _error(404, f"nothing is known about {linked.BASE}{path.lstrip('/')}",
                          html=wants_html and self.pages)
        fmt = negotiation.choose(request.headers.get("accept"), format_param,
                                 _RESOURCE_OFFERS)
        if fmt is None:
            return _error(406, "this resource is available as " +
                          negotiation.acceptable_list(_RESOURCE_OFFERS))
        headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
        if fmt is HTML:
            html = await run_in_threadpool(self._html, iri)
            return Response(html, media_type=HTML.content_type,
                            headers={**HTML_HEADERS, **headers})
        triples = await run_in_threadpool(linked.describe, self.store, iri)
        assert fmt.rdf is not None
        body = serialize_triples(triples, fmt.rdf, PREFIXES)
        return Response(body, media_type=fmt.content_type, headers={**SECURITY_HEADERS, **headers})

    def _notation_target(self, path: str) -> str | None:
        if self._notations is None:
            self._notations = {c.notation: c.iri for c in self.pages.system().concepts()
                               if c.notation}
        return linked.notation_target(self._notations, path, _SUFFIXES)

    def _find(self, candidates: list[str]) -> str | None:
        for iri in candidates:
            if linked.exists(self.store, iri):
                return iri
        return None

    def _html(self, iri: str) -> str:
        if iri == CATEGORY_SCHEME:
            return self.pages.scheme_page(iri)
        concept = self.pages.concept(iri)
        if concept is not None:
            return self.pages.concept_page(concept)
        return self.pages.resource_page(iri, linked.describe(self.store, iri))


async def _read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, at most `limit` bytes, all of it within `timeout` seconds.

    A client that stalls mid-body would otherwise hold its connection (and
    this coroutine) for ever; it gets 408 and the connection is closed.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"request body larger than {limit} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ProtocolError(413, f"request body larger than {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise ProtocolError(408, f"request body not received within {timeout:g} s",
                            {"Connection": "close"}) from None
    return b"".join(chunks)


def _endpoint_url(request: Request) -> str:
    """This endpoint's URL as the client named it.

    Safe to echo: the Host it is built from passed the host check (only
    names the server is bound to or was told with ``--allow-host``).
    """
    return str(request.url.replace(query="", fragment=""))


def _error(status: int, message: str, headers: dict[str, str] | None = None,
           html: Pages | bool | None = None) -> Response:
    if isinstance(html, Pages):
        return Response(html.error_page(status, message), status_code=status,
                        media_type=HTML.content_type, headers={**HTML_HEADERS, **(headers or {})})
    return PlainTextResponse(message + "\n", status_code=status,
                             headers={**SECURITY_HEADERS, **(headers or {})})


def default_workers() -> int:
    """Query processes at once when not told: 8 (16 on machines with more than 8 CPUs).

    Most queries are short: with more workers than CPUs a short query starts
    while long ones run instead of queueing behind them (bench_serve on a
    shared 2-CPU machine: 24-39 requests/s with 8, 15-26 with 4).
    """
    return 16 if (os.cpu_count() or 1) > 8 else 8


def create_app(store: GraphStore, *, cors_origins: Collection[str] = (), timeout: float = 30,
               max_results: int = 10_000, workers: int | None = None,
               max_pending: int | None = None,
               allowed_graphs: Collection[str] | None = None,
               allowed_hosts: Collection[str] = LOOPBACK_HOSTS,
               body_timeout: float = 10, max_memory: int | None = 1 << 30,
               max_bytes: int = 16 << 20) -> Starlette:
    """The endpoint as an ASGI app over `store` (read-only; nothing is ever written).

    `cors_origins`: origins allowed to call from a browser page elsewhere (``*``
    for any); none by default. `timeout`: seconds a query may take before the
    client gets 503. `max_results`: rows (or triples) sent at most; more are
    cut off and flagged with ``X-Cryonto-Truncated: true``. `workers`: query
    processes at once (default `default_workers()`). `max_pending`: queries waiting or
    running before new ones get 503 (default 16 × workers). `allowed_graphs`: graph
    IRIs a query's FROM may name (default: the store's named graphs). `max_memory`:
    bytes of memory a query may take beyond the store (None: no cap). `max_bytes`:
    answer bytes sent at most (cut at a row and flagged like `max_results`).
    `allowed_hosts`: Host names answered (default loopback only; see
    `http_guard.host_names`; ``*`` turns the check off). Requests from a
    browser page of another origin get 403 unless `cors_origins` names it.
    `body_timeout`: seconds a client may take to send a request body (408).

    Creating the app forks the query zygote (`cryonto.sandbox.Zygote`); create it
    after the store is loaded and, where possible, before starting threads.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if max_results < 1:
        raise ValueError("max_results must be at least 1")
    if not body_timeout > 0:
        raise ValueError("body_timeout must be positive")
    if max_bytes < 4096:
        raise ValueError("max_bytes must be at least 4096")
    workers = workers or default_workers()
    endpoint = Endpoint(store, timeout=timeout, max_results=max_results, workers=workers,
                        max_pending=max_pending or 16 * workers, allowed_graphs=allowed_graphs,
                        body_timeout=body_timeout, max_memory=max_memory, max_bytes=max_bytes)
    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]
    routes = [
        Route("/", endpoint.index, methods=["GET", "HEAD"]),
        Route("/sparql", endpoint.sparql, methods=methods),
        Route("/sparql/", endpoint.sparql, methods=methods),
        Route("/query", endpoint.sparql, methods=methods),
        Mount("/_static", app=StaticFiles(packages=[("cryonto.serve", "static")]),
              name="static"),
        Route("/{path:path}", endpoint.resource, methods=["GET", "HEAD"]),
    ]
    # outermost first: errors stay one line, then Host, then Origin, then CORS
    middleware = [Middleware(QuietErrors), host_middleware(allowed_hosts),
                  Middleware(OriginGuard, cors_origins=tuple(cors_origins))]
    if cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST", "HEAD"],
            allow_headers=["Accept", "Content-Type"], expose_headers=list(RESULT_HEADERS),
            max_age=600))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # not awaited: the server answers queries while pages are being prepared
        asyncio.get_running_loop().run_in_executor(None, endpoint.warm)
        try:
            yield
        finally:
            endpoint.runner.close()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.endpoint = endpoint
    return app

