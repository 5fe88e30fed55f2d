"""What a web page in the researcher's browser cannot make the endpoint do.

A local endpoint is reachable from every page the browser has open. Two
attacks follow, and each has its own layer here (see docs/serve.md, "Hosts
and origins"):

* DNS rebinding: a page on ``evil.example`` re-points its name to 127.0.0.1
  and then reads the endpoint as same-origin. The browser still sends
  ``Host: evil.example``, so only Host names the server is bound to (or was
  told with ``--allow-host``) are answered; starlette's
  `TrustedHostMiddleware` does the check (`host_middleware`).
* Cross-site requests (CSRF and plain cross-origin reads): a page elsewhere
  posts a form to the endpoint, or fetches from it. Browsers mark such
  requests with ``Origin`` (and ``Sec-Fetch-Site``); `OriginGuard` refuses
  every foreign origin that CORS (``--cors``) was not opened for.

`QuietErrors` keeps the log to one line per failed request: a client that
went away is not an error, and an unforeseen exception is named, not dumped
(its traceback is logged at debug level).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection, Iterable

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Host names every server answers to: the loopback names
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: methods a browser sends without a CORS preflight when the body is a form
_SAFE_METHODS = ("GET", "HEAD")
_CROSS_SITE = ("cross-site", "same-site")

log = logging.getLogger("uvicorn.error")

ORIGIN_REFUSED = ("cross-origin request refused: start the server with --cors ORIGIN "
                  "to let pages from ORIGIN use it")


def host_names(bind_host: str | None = None, extra: Iterable[str] = ()) -> list[str]:
    """The Host names to accept: loopback, the bind address, and any given (lower case).

    The wildcard addresses (0.0.0.0, ::) name no host, so they add nothing:
    a server bound to every interface answers its LAN names only if told. A
    port given with a name is dropped (ports are not checked); anything that
    is not a host name, an IP address or ``*.domain`` raises ValueError.
    """
    names = list(LOOPBACK_HOSTS)
    candidates = [bind_host] if bind_host and bind_host not in ("0.0.0.0", "::", "") else []
    for given in [*candidates, *extra]:
        name = given.strip().lower()
        with_port = _WITH_PORT.fullmatch(name)
        if with_port:
            name = with_port.group(1)
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # a bare IPv6 address, as Host carries it
        if not _HOST_NAME.fullmatch(name):
            raise ValueError(f"{given!r} is not a host name, an IP address or '*.domain'")
        if name not in names:
            names.append(name)
    return names


_WITH_PORT = re.compile(r"(\[[0-9a-f:.]+\]|[^:\[\]]+):\d+")
_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")


def host_middleware(allowed_hosts: Collection[str]) -> Middleware:
    """Answer only requests whose Host names one of `allowed_hosts` (any port).

    Any other Host gets starlette's one-line 400 ``Invalid host header``,
    which echoes nothing. The port is not checked: an
    ``ssh -L 9000:localhost:8890`` tunnel makes the browser send
    ``Host: localhost:9000``, and a rebinding page cannot choose the name,
    which is what the check is about.
    """
    return Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts),
                      www_redirect=False)


class OriginGuard:
    """403 for requests a foreign web page made the browser send, unless CORS allows it.

    A request is foreign when its ``Origin`` is not this server's own
    (scheme and Host as received) nor a ``--cors`` origin, or, lacking an
    ``Origin``, when a state-changing method carries ``Sec-Fetch-Site:
    cross-site``. This refuses form POSTs from other sites (no preflight
    protects those) and cross-origin fetches alike.
    """

    def __init__(self, app: ASGIApp, cors_origins: Collection[str] = ()) -> None:
        self.app = app
        self.allow_any = "*" in cors_origins
        self.allowed = frozenset(o.strip().rstrip("/").lower() for o in cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.allow_any and self._foreign(scope):
            response = PlainTextResponse(ORIGIN_REFUSED + "\n", status_code=403,
                                         headers={"X-Content-Type-Options": "nosniff",
                                                  "Vary": "Origin"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _foreign(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            return (scope["method"] not in _SAFE_METHODS
                    and headers.get("sec-fetch-site", "").lower() in _CROSS_SITE)
        origin = origin.strip().lower()
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        return origin != own and origin not in self.allowed


class QuietErrors:
    """One log line per failed request, never a traceback at info level.

    A client that disconnects mid-request is logged at debug level only; any
    other exception becomes a one-line 500 (when nothing was sent yet) and one
    error line naming it, with the traceback at debug level.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        where = f"{scope.get('method', '?')} {scope.get('path', '?')!r}"
        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            log.debug("%s: the client went away", where)
        except Exception as error:  # the point: catch what nobody foresaw
            log.error("%s: internal error %s: %s", where, type(error).__name__,
                      str(error).splitlines()[0][:200] if str(error) else "")
            log.debug("traceback of the internal error", exc_info=True)
            if not started:
                await PlainTextResponse("internal server error (named in the server log)\n",
                                        status_code=500,
                                        headers={"X-Content-Type-Options": "nosniff"})(
                    scope, receive, send)


def head_deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head is not in after `seconds`.

    uvicorn has no such timeout (encode/uvicorn#157, "--timeout-request-start",
    still open): a client that sends half a request line and then nothing
    holds its connection for ever, and ASGI middleware never sees it. The
    deadline is armed when a connection opens and after each answer, and
    disarmed once h11 has the whole head; the body has its own timeout in
    the app (408). Passed to ``uvicorn.Config(http=…)``.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class H11WithHeadDeadline(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            # a request whose head is in (body or answer under way) is left alone
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                log.debug("closing a connection whose request head took over %g s", seconds)
                self.transport.close()

    return H11WithHeadDeadline


__all__ = ["LOOPBACK_HOSTS", "OriginGuard", "QuietErrors", "head_deadline_protocol",
           "host_middleware", "host_names"]
