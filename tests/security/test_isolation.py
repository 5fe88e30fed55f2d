"""Defence in depth: a SERVICE that got past the guard still reaches nothing.

The queries here skip the guard on purpose (they call the evaluating layer
directly), so only the operating system stands between them and the listener.
Each has a control: the same thing without isolation does contact it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import pytest

from cryonto import sandbox
from cryonto.errors import CryontoError
from cryonto.queries import run_on_store
from cryonto.rdf import GraphStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "paper-quotes.ttl"

pytestmark = pytest.mark.skipif(not sandbox.network_isolation(),
                                reason="no network namespaces here (see cryonto.sandbox)")


def service(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}/iso> {{ ?s ?p ?o }} }}"


def exfiltration(url: str) -> str:
    return ("PREFIX oa: <http://www.w3.org/ns/oa#>\nSELECT ?quote WHERE { ?sel oa:exact ?quote "
            f'BIND(IRI(CONCAT("{url}/leak/", ENCODE_FOR_URI(?quote))) AS ?svc) '
            "LATERAL { SERVICE SILENT ?svc { ?s ?p ?o } } }")


def _connect(port: int) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return b"connected"
    except OSError as error:
        return f"refused: {error.strerror}".encode()


def test_control_without_isolation_the_query_reaches_the_listener(listener):
    store = GraphStore.with_ontology([EXAMPLE])
    rows = run_on_store(store, exfiltration(listener.url), isolated=False)
    assert len(rows) > 10
    assert listener.settle() == len(rows)


def test_isolated_child_cannot_connect_even_to_loopback(listener):
    assert _connect(listener.port) == b"connected"  # control, in this process
    answer = sandbox.run_isolated(_connect, listener.port)
    assert answer.startswith(b"refused") and b"unreachable" in answer
    assert listener.settle() == 1  # the control only


def test_service_past_the_guard_reaches_nothing_from_the_api(listener):
    store = GraphStore.with_ontology([EXAMPLE])
    with pytest.raises(CryontoError, match="the query failed"):
        run_on_store(store, service(listener.url))  # not checked: straight to the engine
    rows = run_on_store(store, exfiltration(listener.url))  # SILENT: runs, sends nothing
    assert len(rows) > 10
    assert listener.settle() == 0


def test_the_endpoint_workers_have_no_network(listener):
    """A zygote worker running a raw SERVICE query (no guard) contacts nothing."""
    store = GraphStore.with_ontology([EXAMPLE])

    def handler(header: dict, payload: bytes, send) -> None:
        result = store.run(payload.decode())
        send({"rows": len(result)}, _connect(listener.port))

    zygote = sandbox.Zygote(handler)
    try:
        assert zygote.isolated

        async def exchange() -> tuple[dict, bytes] | None:
            sock, frame = zygote.start_job({"seconds": 30}, exfiltration(listener.url).encode())
            loop = asyncio.get_running_loop()
            await loop.sock_sendall(sock, frame)
            try:
                return await sandbox.aread_frame(sock, 1 << 20)
            finally:
                sock.close()

        got = asyncio.run(exchange())
        assert got is not None
        header, connect = got
        assert header["rows"] > 10 and connect.startswith(b"refused")
    finally:
        zygote.close()
    assert listener.settle() == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become an unprivileged user")
def test_an_unprivileged_process_isolates_itself_with_a_user_namespace(listener):
    """Not root: unshare(CLONE_NEWUSER | CLONE_NEWNET) is the way (where the kernel allows)."""

    def as_nobody() -> bytes:
        os.setgid(65534)
        os.setuid(65534)
        isolated = sandbox.isolate_network()
        return (b"1" if isolated else b"0") + _connect(listener.port)

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.write(write_end, as_nobody())
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 200)
    os.close(read_end)
    os.waitpid(pid, 0)
    if answer[:1] == b"0":
        pytest.skip("unprivileged user namespaces are off here")
    assert answer[1:].startswith(b"refused")
    assert listener.settle() == 0


def _spin() -> bytes:
    while True:
        pass


def _hog() -> bytes:
    import pyoxigraph as ox

    doubling = " ".join(f"BIND(CONCAT(?s{n}, ?s{n}) AS ?s{n + 1})" for n in range(30))
    result = ox.Store().query(f'SELECT (STRLEN(?s30) AS ?n) WHERE {{ BIND("0123456789abcdef" '
                              f"AS ?s0) {doubling} }}")
    return str(list(result)).encode()


def test_run_isolated_stops_a_child_at_its_time_and_memory_limits():
    started = time.monotonic()
    with pytest.raises(sandbox.Stopped, match="time limit"):
        sandbox.run_isolated(_spin, timeout=0.5)
    assert time.monotonic() - started < 10
    with pytest.raises(sandbox.Stopped, match="memory"):
        sandbox.run_isolated(_hog, memory=128 << 20, timeout=60)
