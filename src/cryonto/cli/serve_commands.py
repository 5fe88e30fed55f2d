"""CLI commands: serve (registered on cryonto.cli.main)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path

import click

from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option
from cryonto.errors import CryontoError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, or a one-line CryontoError saying why not.

    Bound here rather than by uvicorn, which logs a traceback and exits 3
    when the port is taken.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise CryontoError(f"cannot listen on {host!r}: {error}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CryontoError(f"port {port} on {host} is in use") from None
        raise CryontoError(f"cannot listen on {host} port {port}: "
                           f"{error.strerror or error}") from None
    return sock


@main.command()
@click.option("--data", "data_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="RDF file to serve along with the ontology (repeatable); each becomes a "
                   "named graph.")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback exposes the data to the network.")
@click.option("--port", default=8890, show_default=True, type=click.IntRange(0, 65535))
@click.option("--cors", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from ORIGIN (repeatable; '*' for any). Off by default: "
                   "requests from pages of other origins get 403.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests whose Host header names NAME (repeatable; "
                   "'*.example.org' for subdomains). Loopback names and the --host address "
                   "are always answered; any other Host gets 400 (DNS rebinding).")
@click.option("--body-timeout", default=10.0, show_default=True,
              type=click.FloatRange(min=0.01, max=3600),
              help="Seconds a client may take to send a request's head (else the "
                   "connection is closed) and again its body (else 408).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a query may run before the client gets 503.")
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Rows or triples sent at most; longer results are cut and flagged "
                   "with the header X-Cryonto-Truncated: true.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Queries run at once, each in its own process (default 8; 16 with more "
                   "than 8 CPUs). A query past --timeout is stopped and frees its worker.")
@click.option("--max-memory", default=1024, show_default=True, type=click.IntRange(min=16),
              metavar="MIB", help="Memory one query may take beyond the loaded data (MiB); "
                                  "a query needing more is stopped (503).")
@click.option("--max-result-size", default=16, show_default=True, type=click.IntRange(min=1),
              metavar="MIB", help="Answer bytes sent at most (MiB); longer results are cut "
                                  "at a row and flagged like --max-results.")
@click.option("--w3c-test-graphs", is_flag=True,
              help="Also load the three graphs the W3C SPARQL 1.1 Protocol tests name "
                   "(http://kasei.us/2009/09/sparql/data/data1.rdf … data3.rdf).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(data_files: tuple[Path, ...], store_dir: Path | None, host: str, port: int,
          cors_origins: tuple[str, ...],
          allow_hosts: tuple[str, ...], body_timeout: float, timeout: float, max_results: int,
          workers: int | None, max_memory: int, max_result_size: int, w3c_test_graphs: bool,
          log_level: str) -> None:
    """Serve the ontology and DATA as a read-only SPARQL endpoint with linked-data pages.

    \b
    Query:        http://HOST:PORT/sparql   (SPARQL 1.1 Protocol; also /query)
    Query page:   http://HOST:PORT/
    Concepts:     http://HOST:PORT/ProtestCrying  (= https://w3id.org/cryonto/ProtestCrying)

    Updates, SERVICE and FROM naming graphs that are not loaded are refused.
    """
    import uvicorn

    from cryonto.rdf import GraphStore
    from cryonto.remote import check_timeout
    from cryonto.serve.app import create_app
    from cryonto.serve.http_guard import head_deadline_protocol, host_names
    from cryonto.serve.w3c import add_w3c_test_graphs
    from cryonto.storage import stored_graphs

    check_timeout(timeout)  # nan and inf pass click's FloatRange
    try:
        allowed_hosts = host_names(host, allow_hosts)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--allow-host") from None
    sock = _listen(host, port)  # before loading: a taken port fails at once
    port = sock.getsockname()[1]
    if store_dir is not None:
        store = data_or_store(data_files, store_dir, what="--data")
        triples = sum(g.triples for g in stored_graphs(store))
    else:
        store = GraphStore.with_ontology(data_files)
        triples = len(store)
    if w3c_test_graphs:
        add_w3c_test_graphs(store)
    app = create_app(store, cors_origins=cors_origins, timeout=timeout,
                     max_results=max_results, workers=workers,
                     allowed_hosts=allowed_hosts, body_timeout=body_timeout,
                     max_memory=max_memory << 20, max_bytes=max_result_size << 20)
    if not app.state.endpoint.isolated:
        click.echo("Warning: queries cannot be cut off from the network here (no network "
                   "namespaces); only the query guard keeps SERVICE from reaching it.", err=True)
    if not _is_loopback(host):
        click.echo(f"Warning: binding {host}: anyone who can reach this address can query "
                   "the loaded data (coded segments may be clinical material).", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"cryonto: {triples} triples in {len(store.graphs())} graphs; "
               f"SPARQL at http://{shown}:{port}/sparql, query page at http://{shown}:{port}/",
               err=True)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                            access_log=log_level == "debug",
                            http=head_deadline_protocol(body_timeout))
    uvicorn.Server(config).run(sockets=[sock])
