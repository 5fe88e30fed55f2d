"""CLI commands: serve (registered on cryonto.cli.main)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from cryonto.cli import main


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command()
@click.option("--data", "data_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="RDF file to serve along with the ontology (repeatable); each becomes a "
                   "named graph.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback exposes the data to the network.")
@click.option("--port", default=8890, show_default=True, type=click.IntRange(0, 65535))
@click.option("--cors", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from ORIGIN (repeatable; '*' for any). Off by default.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a query may run before the client gets 503.")
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Rows or triples sent at most; longer results are cut and flagged "
                   "with the header X-Cryonto-Truncated: true.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Query threads (default 8; 16 with more than 8 CPUs). A timed-out query "
                   "keeps its thread until pyoxigraph finishes the current step.")
@click.option("--w3c-test-graphs", is_flag=True,
              help="Also load the three graphs the W3C SPARQL 1.1 Protocol tests name "
                   "(http://kasei.us/2009/09/sparql/data/data1.rdf … data3.rdf).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(data_files: tuple[Path, ...], host: str, port: int, cors_origins: tuple[str, ...],
          timeout: float, max_results: int, workers: int | None, w3c_test_graphs: bool,
          log_level: str) -> None:
    """Serve the ontology and DATA as a read-only SPARQL endpoint with linked-data pages.

    \b
    Query:        http://HOST:PORT/sparql   (SPARQL 1.1 Protocol; also /query)
    Query page:   http://HOST:PORT/
    Concepts:     http://HOST:PORT/ProtestCrying  (= https://w3id.org/cryonto/ProtestCrying)

    Updates, SERVICE and FROM naming graphs that are not loaded are refused.
    """
    import uvicorn

    from cryonto.remote import check_timeout
    from cryonto.serve import add_w3c_test_graphs, create_app
    from cryonto.store import GraphStore

    check_timeout(timeout)  # nan and inf pass click's FloatRange
    store = GraphStore.with_ontology(data_files)
    if w3c_test_graphs:
        add_w3c_test_graphs(store)
    app = create_app(store, cors_origins=cors_origins, timeout=timeout,
                     max_results=max_results, workers=workers)
    if not _is_loopback(host):
        click.echo(f"Warning: binding {host}: anyone who can reach this address can query "
                   "the loaded data (coded segments may be clinical material).", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"cryonto: {len(store)} triples in {len(store.graphs())} graphs; "
               f"SPARQL at http://{shown}:{port}/sparql, query page at http://{shown}:{port}/",
               err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug")
