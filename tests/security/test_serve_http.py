"""Attacks on `cryonto serve` over HTTP, each against a real server on 127.0.0.1.

The server is ``cryonto serve`` in a subprocess, exactly as a researcher
starts it, with its log in a file: every test also asserts that the log
holds no traceback. Requests are raw (httpx with hand-set Host and Origin
headers, or a bare socket), because a browser-borne attack is made of
exactly such headers. Issue 7, items 8, 9 (endpoint part) and 10 (links).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from support.peers import BROWSER, CHROMIUM

from cryonto.serve.http_guard import LOOPBACK_HOSTS, QuietErrors, host_names
from cryonto.serve.pages import Pages

CRYONTO = Path(sys.executable).parent / "cryonto"
ROOT = Path(__file__).resolve().parents[2]
EVIL = "evil.example"
ALLOWED_ORIGIN = "http://allowed.example"
CRY = "https://w3id.org/cryonto/"
SUBJECT = f"{CRY}data/hostile/segment/S1"
#: IRIs a shared data file could carry; none may become a link
HOSTILE_IRIS = ["javascript:alert(document.domain)", "JavaScript:alert(1)",
                "data:text/html;base64,PGI+eDwvYj4=", "vbscript:msgbox(1)", "file:///etc/passwd",
                f"{CRY}/evil.example/x", f"{CRY}\\evil.example"]
HOSTILE_DATA = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{SUBJECT}> rdfs:label "hostile segment" ;
    rdfs:comment "<script>alert('literal')</script>" ;
    rdfs:seeAlso <https://example.org/fine> ,
""" + " ,\n".join(f"        <{iri}>" for iri in HOSTILE_IRIS
                  if "\\" not in iri) + " .\n"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    """A running ``cryonto serve`` and its log file."""

    port: int
    log: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        return self.log.read_bytes()[offset:].decode("utf-8", "replace")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """`cryonto serve` over hostile data, CORS open to one origin, one extra Host name."""
    workdir = tmp_path_factory.mktemp("serve-http")
    data = workdir / "hostile.ttl"
    data.write_text(HOSTILE_DATA, encoding="utf-8")
    log = workdir / "serve.log"
    port = free_port()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(CRYONTO), "serve", "--port", str(port), "--data", str(data),
             "--cors", ALLOWED_ORIGIN, "--allow-host", "lab.example", "--body-timeout", "1",
             "--log-level", "info"],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    server = Served(port, log, process)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cryonto serve exited {process.returncode}: "
                                   f"{log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/sparql", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"cryonto serve did not answer: {log.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)
    assert "Traceback" not in log.read_text(errors="replace")


@pytest.fixture
def clean_log(served: Served) -> Iterator[Served]:
    """Fails the test if the server logged a traceback or an error while it ran."""
    start = served.log_size()
    yield served
    time.sleep(0.3)  # let the server finish writing what the last request logs
    text = served.log_since(start)
    assert "Traceback" not in text, text
    assert "Exception in ASGI application" not in text, text
    assert "internal error" not in text, text


def one_line(response: httpx.Response) -> str:
    text = response.text
    assert text.endswith("\n") or "\n" not in text
    assert text.count("\n") <= 1, text
    return text.strip()


def no_evil(response: httpx.Response) -> None:
    """The untrusted host is nowhere in the answer, body or headers."""
    assert EVIL not in response.text
    assert all(EVIL not in value for value in response.headers.values())


def raw_exchange(port: int, request: bytes, wait: float = 15) -> bytes:
    """Send `request` as is and read until the server closes or `wait` seconds pass."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(TimeoutError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
        return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    return match is not None and len(body) >= int(match.group(1))


# -- item 8: DNS rebinding (Host) ------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/sparql"), ("GET", "/sparql?query=ASK%7B%7D"), ("GET", "/"),
    ("GET", "/ProtestCrying"), ("POST", "/sparql"), ("GET", "/_static/query.js")])
@pytest.mark.parametrize("host", [f"{EVIL}:666", EVIL, f"{EVIL}.", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8890", "[::2]:8890"])
@pytest.mark.integration
def test_a_foreign_host_is_refused_and_never_echoed(clean_log, method, path, host):
    response = httpx.request(method, f"{clean_log.url}{path}", headers={"Host": host},
                             data={"query": "ASK {}"} if method == "POST" else None)
    assert response.status_code == 400
    assert one_line(response) == "Invalid host header"
    assert re.sub(r":\d+$", "", host) not in response.text
    no_evil(response)


@pytest.mark.integration
def test_a_missing_or_malformed_host_is_refused(clean_log):
    answer = raw_exchange(clean_log.port, b"GET /sparql HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    answer = raw_exchange(clean_log.port, b"GET /sparql HTTP/1.1\r\n"
                                          b"Host: 127.0.0.1@evil.example\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400") and b"evil" not in answer


@pytest.mark.integration
def test_an_absolute_request_target_does_not_smuggle_a_host(clean_log):
    answer = raw_exchange(clean_log.port, f"GET http://{EVIL}:666/sparql HTTP/1.1\r\n"
                          f"Host: 127.0.0.1:{clean_log.port}\r\nConnection: close\r\n\r\n"
                          .encode())
    assert answer.startswith(b"HTTP/1.1 ")
    assert EVIL.encode() not in answer


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]",
                                  "lab.example"])
@pytest.mark.integration
def test_bound_and_allowed_names_are_answered_and_echoed(clean_log, name):
    for host in (f"{name}:{clean_log.port}", f"{name}:9000"):  # 9000: an ssh tunnel's port
        response = httpx.get(f"{clean_log.url}/sparql", headers={"Host": host})
        assert response.status_code == 200
        assert f"<http://{host.lower()}/sparql> a sd:service" in response.text.lower()


def test_host_names_add_the_bind_address_and_the_allowed_names():
    assert host_names("0.0.0.0", ["Lab.Example", "fe80::1", "*.lan"]) == [
        *LOOPBACK_HOSTS, "lab.example", "[fe80::1]", "*.lan"]
    assert host_names("::", ()) == list(LOOPBACK_HOSTS)
    assert host_names("192.168.1.5", ())[-1] == "192.168.1.5"
    assert host_names(None, ["lab.example:8890", "[fe80::1]:80"])[-2:] == [
        "lab.example", "[fe80::1]"]
    for bad in ("*", "a*b", "*x.org", "http://lab.example", "lab.example/x", "", "a b"):
        with pytest.raises(ValueError):
            host_names(None, [bad])


@pytest.mark.integration
def test_the_bind_address_is_answered_and_other_loopback_addresses_are_not(tmp_path):
    """Bound to 127.0.0.2 (Linux routes all of 127/8 to loopback), Host 127.0.0.2 is fine."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([str(CRYONTO), "serve", "--host", "127.0.0.2", "--port",
                                    str(port)], cwd=ROOT, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.2:{port}/sparql"
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                response = httpx.get(url, timeout=2)
                break
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert response.status_code == 200
        assert f"<http://127.0.0.2:{port}/sparql>" in response.text
        refused = httpx.get(url, headers={"Host": f"127.0.0.3:{port}"})
        assert refused.status_code == 400 and "127.0.0.3" not in refused.text
    finally:
        _stop(process)
    assert "Traceback" not in log.read_text()


# -- item 8: cross-site requests (CSRF) ---------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("origin", [f"http://{EVIL}", f"https://{EVIL}", "null",
                                    "http://127.0.0.1:1",  # another port is another origin
                                    "http://localhost", "https://allowed.example"])
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "text/plain"])
@pytest.mark.integration
def test_a_cross_origin_simple_post_is_refused(clean_log, origin, content_type):
    response = httpx.post(f"{clean_log.url}/sparql", content=b"query=ASK%20%7B%7D",
                          headers={"Origin": origin, "Content-Type": content_type})
    assert response.status_code == 403
    assert one_line(response).startswith("cross-origin request refused")
    assert "boolean" not in response.text
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.integration
def test_a_cross_origin_read_is_refused_too(clean_log):
    for method, path in (("GET", "/sparql?query=ASK%7B%7D"), ("GET", "/sparql"),
                         ("GET", f"/{SUBJECT[len(CRY):]}"), ("OPTIONS", "/sparql")):
        response = httpx.request(method, f"{clean_log.url}{path}",
                                 headers={"Origin": f"http://{EVIL}",
                                          "Access-Control-Request-Method": "POST"})
        assert response.status_code == 403, (method, path)
        no_evil(response)


@pytest.mark.integration
def test_a_cross_site_post_without_origin_is_refused(clean_log):
    response = httpx.post(f"{clean_log.url}/sparql", data={"query": "ASK {}"},
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


@pytest.mark.integration
def test_same_origin_and_non_browser_posts_are_answered(clean_log):
    own = {"Origin": clean_log.url, "Sec-Fetch-Site": "same-origin"}
    for headers in (own, {}, {"Sec-Fetch-Site": "none"}):
        response = httpx.post(f"{clean_log.url}/sparql", data={"query": "ASK {}"},
                              headers=headers)
        assert response.status_code == 200, headers
        assert response.json()["boolean"] is True


@pytest.mark.integration
def test_a_cors_origin_may_call(clean_log):
    response = httpx.post(f"{clean_log.url}/sparql", data={"query": "ASK {}"},
                          headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    preflight = httpx.options(f"{clean_log.url}/sparql", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200


# -- item 9: clean 4xx, quiet disconnects, stalled bodies, busy port ------------------------

@pytest.mark.parametrize("path,status", [
    ("/a%20b", 404), ("/%7Bx%7D", 404), ("/a%00b", 404), ("/%3Cx%3E.ttl", 404),
    ("/sparql?query=ASK%7B%7D&default-graph-uri=x:%00", 400),
    ("/sparql?query=ASK%7B%7D&named-graph-uri=x:%25zz%01", 400)])
@pytest.mark.integration
def test_malformed_iris_get_a_clean_4xx(clean_log, path, status):
    response = httpx.get(f"{clean_log.url}{path}", headers={"Accept": "text/plain"})
    assert response.status_code == status
    one_line(response)


@pytest.mark.integration
def test_a_client_that_goes_away_leaves_at_most_one_log_line(clean_log):
    start = clean_log.log_size()
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # a second or two
    for request in (
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/sparql-query\r\nContent-Length: 100\r\n\r\nASK",
            f"GET /sparql?query={quote(slow)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()):
        with socket.create_connection(("127.0.0.1", clean_log.port)) as sock:
            sock.sendall(request)
            time.sleep(0.3)
    time.sleep(1.5)
    lines = [line for line in clean_log.log_since(start).splitlines() if line.strip()]
    assert len(lines) <= 2, lines  # one line per disconnect at most


@pytest.mark.integration
def test_a_stalled_body_gets_408_and_others_are_served_meanwhile(clean_log):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", clean_log.port), timeout=30) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/sparql-query\r\nContent-Length: 50\r\n\r\nASK")
        assert httpx.get(f"{clean_log.url}/sparql", params={"query": "ASK {}"}).status_code \
            == 200
        answer = b""
        while chunk := sock.recv(65536):  # the server closes after its answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"request body not received within 1 s" in answer
    assert time.monotonic() - started < 20  # --body-timeout 1; generous for a busy machine


@pytest.mark.integration
def test_an_unforeseen_exception_is_one_line_in_the_answer_and_the_log(caplog):
    """`QuietErrors` around an app that fails, in a real uvicorn (the endpoint has no known 500)."""
    async def failing(scope, receive, send):
        if scope["type"] == "http":
            raise RuntimeError("boom\nsecond line")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(QuietErrors(failing), host="127.0.0.1", port=port,
                                           log_level="info", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.02)
        uvicorn_log = logging.getLogger("uvicorn.error")  # uvicorn stops it propagating
        uvicorn_log.addHandler(caplog.handler)
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/x")
        finally:
            uvicorn_log.removeHandler(caplog.handler)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 500
    assert one_line(response).startswith("internal server error")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["GET '/x': internal error RuntimeError: boom"]
    assert all(r.exc_info is None for r in errors)


@pytest.mark.parametrize("sent", [b"", b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc",
                                  b"GET /sparql?query=ASK%7B%7D HTT"])
@pytest.mark.integration
def test_a_stalled_request_head_is_closed(clean_log, sent):
    """Half a request line or header block, then nothing: closed after --body-timeout (1 s)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", clean_log.port), timeout=30) as sock:
        sock.sendall(sent)
        assert httpx.get(f"{clean_log.url}/sparql", params={"query": "ASK {}"}).status_code \
            == 200
        assert sock.recv(65536) == b""  # closed by the server, nothing sent
    assert time.monotonic() - started < 20  # generous: the deadline is 1 s


@pytest.mark.integration
def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_head(clean_log):
    with socket.create_connection(("127.0.0.1", clean_log.port), timeout=30) as sock:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not _complete(first):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /sparql HTTP/1.1\r\nHo")
        assert sock.recv(65536) == b""


def test_a_busy_port_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(CRYONTO), "serve", "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is in use"]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_bad_allow_host_is_refused():
    result = subprocess.run([str(CRYONTO), "serve", "--port", "0", "--allow-host", "*"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--allow-host" in result.stderr and "Traceback" not in result.stderr


# -- item 10: only http(s) IRIs become links ------------------------------------------------

@pytest.mark.parametrize("iri", [*HOSTILE_IRIS, "urn:isbn:0", "mailto:a@b.example", "x:y",
                                 " javascript:alert(1)"])
def test_href_refuses_every_non_http_iri(iri):
    target = Pages.href(iri)
    assert target is None or target.startswith(f"{CRY}"), target


@pytest.mark.parametrize("iri,target", [
    ("https://example.org/a", "https://example.org/a"), ("HTTP://example.org/", "HTTP://example.org/"),
    (f"{CRY}ProtestCrying", "/ProtestCrying"), (f"{CRY}/evil.example/x", f"{CRY}/evil.example/x")])
def test_href_keeps_http_and_local_links(iri, target):
    assert Pages.href(iri) == target


@pytest.mark.integration
def test_the_resource_page_shows_hostile_iris_as_text(clean_log):
    response = httpx.get(f"{clean_log.url}/{SUBJECT[len(CRY):]}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    hrefs = re.findall(r'href="([^"]*)"', response.text)
    assert hrefs and all(h.startswith(("/", "http://", "https://", "?")) for h in hrefs), hrefs
    assert not any(h.startswith("//") or h.startswith("/\\") for h in hrefs), hrefs
    assert "https://example.org/fine" in hrefs
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#39;literal&#39;)&lt;/script&gt;" in response.text
    assert "javascript:alert(document.domain)" in response.text  # shown, as text


@BROWSER
@pytest.mark.integration
def test_in_chromium_no_link_runs_script(clean_log):
    """The linked-data page and the query page's result table, as a browser builds them."""
    from playwright import sync_api

    chromium = CHROMIUM
    query = f"SELECT ?o WHERE {{ <{SUBJECT}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> ?o }}"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{clean_log.url}/{SUBJECT[len(CRY):]}")
            protocols = page.eval_on_selector_all("a[href]", "as => as.map(a => a.protocol)")
            assert protocols and set(protocols) <= {"http:", "https:"}, protocols
            page.goto(f"{clean_log.url}/")
            page.locator("#query").fill(query)
            page.locator("#run").click()
            page.locator("#results table.results").wait_for(timeout=30_000)
            cells = page.locator("#results table.results td").all_inner_texts()
            assert "javascript:alert(document.domain)" in cells
            links = page.eval_on_selector_all("#results a[href]", "as => as.map(a => a.href)")
            # the w3id IRI with "//" stays absolute: as "/" + rest it would leave this host
            assert sorted(links) == ["https://example.org/fine",
                                     f"{CRY}/evil.example/x"], links
            assert not dialogs
        finally:
            browser.close()
