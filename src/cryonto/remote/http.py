"""What the remote clients share: URL and timeout checks, and every HTTP failure as one line.

Both clients (SPARQL Protocol by SPARQLWrapper, Graph Store Protocol by urllib) turn
whatever goes wrong into one `RemoteError` line through `failure`: unreachable, timed
out, or an HTTP error with its status and the first line of the server's answer.
"""

from __future__ import annotations

import ast
import math
import socket
import urllib.error
import urllib.parse

from cryonto.errors import CryontoError, RemoteError

#: SPARQLWrapper's exception class -> the HTTP status it stands for
_STATUS = {
    "QueryBadFormed": 400,
    "Unauthorized": 401,
    "EndPointNotFound": 404,
    "URITooLong": 414,
    "EndPointInternalError": 500,
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


def failure(error: BaseException, url: str, timeout: float,
            where: str | None = None) -> RemoteError:
    """The one-line `RemoteError` for a request to `url` that raised `error`.

    `error` is a SPARQLWrapper exception or an `OSError` (urllib's errors, timeouts,
    refused connections); `where` (e.g. the graph a GSP request wrote to) is attached
    to HTTP errors.
    """
    if isinstance(error, urllib.error.HTTPError):
        return RemoteError(f"{url} answered HTTP {error.code}: {_body_line(error)}", where=where)
    if isinstance(error, TimeoutError):
        return RemoteError(f"{url} did not answer within {timeout:g} s")
    if isinstance(error, urllib.error.URLError):
        if isinstance(error.reason, TimeoutError):
            return RemoteError(f"{url} did not answer within {timeout:g} s")
        return RemoteError(f"cannot reach {url}: {_reason(error.reason)}")
    if isinstance(error, OSError):  # ConnectionError included
        return RemoteError(f"cannot reach {url}: {_reason(error)}")
    # SPARQLWrapper's own exceptions: the status is in the class, the answer in the message
    status = _STATUS.get(type(error).__name__, "error")
    return RemoteError(f"{url} answered HTTP {status}: {_response_text(error)}", where=where)


def media_type(header: str) -> str:
    """The bare media type of a Content-Type header, lower case."""
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
    """The server's answer that SPARQLWrapper folds into its exception message."""
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
