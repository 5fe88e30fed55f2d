"""Start and stop real SPARQL servers for integration tests (shared helper, not a test module).

`oxigraph_server(tmp_path)` and `virtuoso_server(tmp_path)` are context managers that start the
server on a free loopback port, poll until it answers a SPARQL query (failing early, with the
server's own output, if the process dies), and always stop it again: terminate, wait, kill.

    from support.servers import oxigraph_server  # tests/ is on sys.path (conftest.py)
    with oxigraph_server(tmp_path) as server:
        server.query_url   # http://127.0.0.1:PORT/query
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The `oxigraph` CLI from PyPI: next to this Python, else on PATH."""
    local = Path(sys.executable).parent / "oxigraph"
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@dataclass
class Server:
    """A running server process and the URLs a test needs."""

    name: str
    process: subprocess.Popen
    base_url: str
    query_url: str
    update_url: str | None
    gsp_url: str | None
    workdir: Path
    log: Path
    user: str | None = None
    password: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 20) -> None:
        stop_process(self.process, timeout)


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate the process (its whole process group), wait, then kill if needed."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_answers(server: Server, timeout: float) -> None:
    """Poll `ASK {}` on the query URL until it answers 200; fail if the process exits."""
    url = server.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    delay = 0.1
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with code {server.process.returncode} "
                               f"before it answered:\n{server.log_tail()}")
        request = urllib.request.Request(url, headers={
            "Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last_error = f"HTTP {error.code}"
        except (urllib.error.URLError, OSError) as error:
            last_error = str(getattr(error, "reason", error))
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {timeout:g} s ({last_error}):\n"
                       f"{server.log_tail()}")


def _spawn(args: list[str], workdir: Path, log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    try:
        return subprocess.Popen(args, cwd=workdir, stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        handle.close()


@contextlib.contextmanager
def oxigraph_server(tmp_path: Path, *, union_default_graph: bool = True,
                    timeout: float = 60) -> Iterator[Server]:
    """`oxigraph serve --location DIR --bind 127.0.0.1:PORT` (read-write)."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph CLI is not installed (pip install oxigraph)")
    workdir = Path(tmp_path) / f"oxigraph-{os.getpid()}-{time.monotonic_ns()}"
    (workdir / "db").mkdir(parents=True)
    for _attempt in range(3):
        port = free_port()
        args = [binary, "serve", "--location", str(workdir / "db"), "--bind",
                f"127.0.0.1:{port}"]
        if union_default_graph:
            args.append("--union-default-graph")
        log = workdir / f"oxigraph-{port}.log"
        process = _spawn(args, workdir, log)
        base = f"http://127.0.0.1:{port}"
        server = Server("oxigraph", process, base, base + "/query", base + "/update",
                        base + "/store", workdir, log)
        try:
            wait_until_answers(server, timeout)
        except RuntimeError:
            server.stop()
            if "Address already in use" in server.log_tail():
                continue  # somebody took the port between free_port() and bind: retry
            raise
        break
    else:  # pragma: no cover - three port races in a row
        raise RuntimeError("could not bind oxigraph to a free port")
    try:
        yield server
    finally:
        server.stop()


def write_virtuoso_ini(source: Path, target: Path, dbdir: Path, sql_port: int,
                       http_port: int) -> None:
    """A copy of Debian's virtuoso.ini with its own files and loopback-only ports."""
    files = {
        ("database", "databasefile"): dbdir / "virtuoso.db",
        ("database", "errorlogfile"): dbdir / "virtuoso.log",
        ("database", "lockfile"): dbdir / "virtuoso.lck",
        ("database", "transactionfile"): dbdir / "virtuoso.trx",
        ("database", "xa_persistent_file"): dbdir / "virtuoso.pxa",
        ("tempdatabase", "databasefile"): dbdir / "virtuoso-temp.db",
        ("tempdatabase", "transactionfile"): dbdir / "virtuoso-temp.trx",
        ("parameters", "serverport"): f"127.0.0.1:{sql_port}",
        ("httpserver", "serverport"): f"127.0.0.1:{http_port}",
        ("parameters", "numberofbuffers"): "20000",
        ("parameters", "maxdirtybuffers"): "15000",
        ("sparql", "resultsetmaxrows"): "1000000",
    }
    section = ""
    out: list[str] = []
    for line in source.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
        elif "=" in stripped and not stripped.startswith(";"):
            key = stripped.split("=", 1)[0].strip().lower()
            if (section, key) in files:
                line = f"{stripped.split('=', 1)[0].strip()} = {files[(section, key)]}"
        out.append(line)
    target.write_text("\n".join(out) + "\n", encoding="utf-8")


@contextlib.contextmanager
def virtuoso_server(tmp_path: Path, *, timeout: float = 120) -> Iterator[Server]:
    """Debian's `virtuoso-t +configfile FILE +foreground` in a fresh database folder."""
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    workdir = Path(tmp_path) / f"virtuoso-{os.getpid()}-{time.monotonic_ns()}"
    dbdir = workdir / "db"
    if dbdir.exists():  # a database left by a crashed run must go
        shutil.rmtree(dbdir)
    dbdir.mkdir(parents=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = workdir / "virtuoso.ini"
    write_virtuoso_ini(VIRTUOSO_INI, ini, dbdir, sql_port, http_port)
    log = workdir / "virtuoso-stdout.log"
    process = _spawn([binary, "+configfile", str(ini), "+foreground"], workdir, log)
    base = f"http://127.0.0.1:{http_port}"
    server = Server("virtuoso", process, base, base + "/sparql", None,
                    base + "/sparql-graph-crud-auth", workdir, log, user="dba", password="dba",
                    extra={"errorlog": str(dbdir / "virtuoso.log")})
    try:
        wait_until_answers(server, timeout)
        yield server
    finally:
        server.stop(timeout=30)


def sparql_json(url: str, query: str, timeout: float = 30) -> dict:
    """A raw SPARQL JSON answer (for assertions that must not go through cryonto)."""
    import json

    data = urllib.parse.urlencode({"query": query}).encode("ascii")
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))
