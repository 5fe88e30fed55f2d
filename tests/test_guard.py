"""guard.check_query: what a SPARQL text may not do, checked on the parse tree."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from cryonto.errors import QueryRefused
from cryonto.rdf.guard import check_query

ALLOWED = "https://w3id.org/cryonto/graph/ontology"


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ASK {}", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <https://w3id.org/cryonto/ProtestCrying>", "DESCRIBE"),
        ("prefix skos: <http://www.w3.org/2004/02/skos/core#>\n"
         "select ?c (count(*) as ?n) { ?c skos:broader* ?b } group by ?c", "SELECT"),
        # keywords inside strings, comments, IRIs and prefixed names are not keywords
        ('SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> LOAD DROP ALL" }', "SELECT"),
        ("# SERVICE <http://127.0.0.1:9/>\nSELECT * { ?s ?p ?o } # FROM <file:///etc/passwd>",
         "SELECT"),
        ("SELECT * { ?s <http://example.org/SERVICE> ?o }", "SELECT"),
        ("PREFIX ex: <http://example.org/> SELECT ?service { ?service ex:LOAD ex:FROM }",
         "SELECT"),
        ("SELECT * { ?s ?p '''INSERT DATA { <a:a> <a:a> <a:a> }''' }", "SELECT"),
        # GRAPH patterns read the loaded data only; they are fine
        (f"SELECT * {{ GRAPH <{ALLOWED}> {{ ?s ?p ?o }} }}", "SELECT"),
        (f"SELECT * FROM <{ALLOWED}> {{ ?s ?p ?o }}", "SELECT"),
        (f"SELECT * FROM NAMED <{ALLOWED}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", "SELECT"),
    ],
)
def test_allowed(sparql: str, form: str) -> None:
    assert check_query(sparql, allowed_graphs=[ALLOWED]) == form


@pytest.mark.parametrize(
    ("sparql", "reason"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } }",
         "SERVICE"),
        ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", "SERVICE"),
        ("select * { { select * { service <http://127.0.0.1:9/> {} } } }", "SERVICE"),
        ("ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }", "SERVICE"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
         "SERVICE"),
        # \u escapes are expanded before parsing (SPARQL 1.1 §19.2), by every engine
        ("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM <file:///etc/passwd>"),
        ("SELECT * FROM NAMED <file:///etc/passwd> { ?s ?p ?o }", "FROM NAMED"),
        ("BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }", "file:///etc/passwd"),
        ("PREFIX e: <file:///etc/> ASK FROM e:passwd { ?s ?p ?o }", "file:///etc/passwd"),
        ("SELECT * FROM <http://127.0.0.1:9/data.ttl> { ?s ?p ?o }", "FROM"),
        ("DESCRIBE ?s FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }", "FROM"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD"),
        ("LOAD <file:///etc/passwd> INTO GRAPH <http://g>", "LOAD"),
        ("INSERT DATA { <a:a> <a:a> <a:a> }", "INSERT DATA"),
        ("DELETE DATA { <a:a> <a:a> <a:a> }", "DELETE DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "INSERT/DELETE"),
        ("WITH <http://g> INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "INSERT/DELETE"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <http://g>", "DROP"),
        ("CREATE GRAPH <http://g>", "CREATE"),
        ("ADD DEFAULT TO <http://g>", "ADD"),
        ("MOVE <http://a> TO <http://g>", "MOVE"),
        ("COPY <http://a> TO <http://g>", "COPY"),
        ("SELECT * {} ; DROP ALL", "not a single valid SPARQL query"),
        ("SELECT * { ?s ?p ?o } SELECT * {}", "not a single valid SPARQL query"),
        ("SELECT * { ?s ?p ?o ", "not a single valid SPARQL query"),
        ("", "not a single valid SPARQL query"),
        ("PREFIX undefined: <http://x/> SELECT * FROM nope:g {}", "FROM"),
    ],
)
def test_refused(sparql: str, reason: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_query(sparql, allowed_graphs=[ALLOWED])
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message


def test_from_needs_explicit_allow() -> None:
    with pytest.raises(QueryRefused):
        check_query(f"SELECT * FROM <{ALLOWED}> {{ ?s ?p ?o }}")


def test_not_text_and_too_long() -> None:
    with pytest.raises(QueryRefused):
        check_query(b"SELECT * {}")  # type: ignore[arg-type]
    with pytest.raises(QueryRefused, match="longer than"):
        check_query("SELECT * {}" + " " * 1_000_001)


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(QueryRefused):
        check_query("SELECT * " + "{" * 5000 + "}" * 5000)


def test_refusal_is_a_cryonto_error() -> None:
    from cryonto.errors import CryontoError

    assert issubclass(QueryRefused, CryontoError)


# -- nothing is ever contacted or read -----------------------------------------------
# pyoxigraph's Rust HTTP client (SERVICE) is invisible to Python audit hooks, and rdflib
# dereferences FROM IRIs (http: and file:). A real listener on 127.0.0.1 proves the guard
# stops them before any engine sees the text.

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"
CLI = str(Path(sys.executable).parent / "cryonto")


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.contacts: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.contacts.append(conn.recv(256) or b"(connected)")
                except OSError:
                    self.contacts.append(b"(connected)")

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def _attacks(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}"
    return {
        "service": f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "service-silent": f"SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <{url}/sparql> "
                          "{ ?s ?p ?o } } }",
        "service-escaped": f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "from": f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "from-named": f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "load": f"LOAD <{url}/data.ttl>",
        "load-into": f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <https://example.org/g>",
        "ask-service": f"ASK {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "construct-service": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/q> "
                             "{ ?s ?p ?o } }",
    }


def test_the_listener_would_notice_a_contact() -> None:
    """Control: without the guard, pyoxigraph does contact a SERVICE host."""
    import pyoxigraph as ox

    with Listener() as listener:
        with pytest.raises(Exception):  # noqa: B017 - the listener answers nothing useful
            list(ox.Store().query(_attacks(listener.port)["service"]))
        deadline = 50
        while not listener.contacts and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
    assert listener.contacts and listener.contacts[0].startswith(b"POST /sparql")


def test_api_never_contacts_the_listener(tmp_path) -> None:
    from cryonto.queries import run_query

    with Listener() as listener:
        for name, sparql in _attacks(listener.port).items():
            path = tmp_path / f"{name}.rq"
            path.write_text(sparql, encoding="utf-8")
            with pytest.raises(QueryRefused):
                run_query(path, data=[EXAMPLE])
            with pytest.raises(QueryRefused):  # nor through a remote endpoint
                run_query(path, endpoint=f"http://127.0.0.1:{listener.port}/query")
        threading.Event().wait(0.3)
    assert listener.contacts == []


@pytest.mark.slow
def test_cli_never_contacts_the_listener(tmp_path) -> None:
    with Listener() as listener:
        for name, sparql in _attacks(listener.port).items():
            path = tmp_path / f"{name}.rq"
            path.write_text(sparql, encoding="utf-8")
            for extra in (["--data", str(EXAMPLE)],
                          ["--endpoint", f"http://127.0.0.1:{listener.port}/query"]):
                done = subprocess.run([CLI, "query", str(path), *extra], capture_output=True,
                                      text=True, timeout=120)
                assert done.returncode == 2, (name, done.stdout, done.stderr)
                assert "refused" in done.stderr, (name, done.stderr)
                assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        threading.Event().wait(0.3)
    assert listener.contacts == []


@pytest.mark.parametrize("sparql", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
])
def test_local_files_are_not_read(tmp_path, sparql: str) -> None:
    path = tmp_path / "q.rq"
    path.write_text(sparql, encoding="utf-8")
    done = subprocess.run([CLI, "query", str(path), "--data", str(EXAMPLE)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "refused" in done.stderr
    assert "root:" not in done.stdout + done.stderr


def test_from_naming_a_loaded_graph_is_allowed() -> None:
    """FROM may name a graph the store holds (the ontology graph, a loaded file)."""
    from cryonto.queries import run_query

    sparql = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
              f"SELECT (COUNT(*) AS ?n) FROM <{ALLOWED}> WHERE {{ ?c skos:notation ?x }}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "from.rq"
        path.write_text(sparql, encoding="utf-8")
        result = run_query(path, data=[EXAMPLE])
    assert result.values()[0][0] > 30
