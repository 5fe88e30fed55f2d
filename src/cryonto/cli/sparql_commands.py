"""CLI commands: query, queries, push (registered on cryonto.cli.main)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from cryonto.cli import main
from cryonto.cli.store_commands import data_or_store, store_option
from cryonto.errors import CryontoError
from cryonto.rdf import RdfFormat
from cryonto.rdf.serialize import serialize_triples
from cryonto.vocab import PREFIXES, compact

QUERY_FORMATS = ("table", "csv", "tsv", "json", "turtle", "ntriples")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CryontoError(f"--param takes NAME=VALUE, not {pair!r}")
        if name in params:
            raise CryontoError(f"parameter {name!r} given twice")
        params[name] = value
    return params


def _compact(value: object) -> object:
    """IRIs as CURIEs for the terminal table (cry:ProtestCrying, not the full IRI)."""
    return compact(value) if isinstance(value, str) and "://" in value else value


def _render_select(result, fmt: str) -> str:
    from cryonto.render import render_rows

    rows = result.values()
    if fmt == "table":
        rows = [tuple(_compact(v) for v in row) for row in rows]
        text = render_rows(result.variables, rows, "table")
        return f"{text}\n({len(rows)} row{'s' if len(rows) != 1 else ''})"
    if fmt in ("turtle", "ntriples"):
        raise CryontoError(f"--format {fmt} is for CONSTRUCT and DESCRIBE queries; "
                           "a SELECT answers as table, csv, tsv or json")
    return render_rows(result.variables, rows, fmt)


def _render_graph(result, fmt: str) -> str:
    if fmt in ("table", "turtle"):
        return serialize_triples(result.triples, RdfFormat.TURTLE,
                                 PREFIXES).decode("utf-8").rstrip("\n")
    if fmt == "ntriples":
        return serialize_triples(result.triples, RdfFormat.N_TRIPLES).decode("utf-8").rstrip("\n")
    if fmt == "json":
        from cryonto.rdf import to_python

        return json.dumps([{"subject": to_python(t.subject), "predicate": t.predicate.value,
                            "object": to_python(t.object)} for t in result.triples],
                          ensure_ascii=False, indent=2)
    raise CryontoError(f"--format {fmt} is for SELECT queries; a CONSTRUCT answers as "
                       "turtle, ntriples or json")


@main.command("query")
@click.argument("query", metavar="NAME|FILE.rq")
@click.option("--data", "-d", "data", multiple=True, type=click.Path(dir_okay=False),
              help="RDF file with coded data (repeatable); loaded with the ontology.")
@store_option
@click.option("--endpoint", metavar="URL",
              help="Run on this SPARQL endpoint instead of the embedded store.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a query parameter (repeatable); concepts take a notation such as A1.1.")
@click.option("--format", "-f", "fmt", type=click.Choice(QUERY_FORMATS), default="table",
              show_default=True, help="Output format.")
@click.option("--mapping-predicates", metavar="P,P", default=None,
              help="Count queries: the SKOS mapping predicates by which a study code's segments "
              "count toward a category (default exactMatch,closeMatch,narrowMatch; add "
              "broadMatch or relatedMatch to widen).")
@click.option("--timeout", type=float, default=30, show_default=True, metavar="S",
              help="Seconds to wait for a remote endpoint.")
@click.option("--default-graph", "default_graphs", multiple=True, metavar="IRI",
              help="With --endpoint: query these graphs as the default graph (repeatable).")
@click.option("--user", help="With --endpoint: user name (HTTP digest authentication).")
@click.option("--password", envvar="CRYONTO_PASSWORD", help="Password for --user.")
def query_command(query: str, data: tuple[str, ...], store_dir: Path | None,
                  endpoint: str | None,
                  params: tuple[str, ...], fmt: str, mapping_predicates: str | None,
                  timeout: float, default_graphs: tuple[str, ...], user: str | None,
                  password: str | None) -> None:
    """Run a library query (see `cryonto queries`) or a SPARQL file.

    The default is the embedded store: the bundled ontology plus the --data files,
    nothing leaves the process. Queries that would use SERVICE, LOAD, updates or
    FROM another graph are refused (exit 2). An ASK query exits 0 when true and 1
    when false. With --endpoint, an empty answer is followed by one probe of the
    store: a hint on stderr when its default graph does not see its named graphs.
    """
    from cryonto.queries import run_query
    from cryonto.remote import check_timeout

    check_timeout(timeout)
    parsed = _parse_params(params)
    if mapping_predicates is not None:
        parsed["mappingPredicates"] = _mapping_rule(mapping_predicates)
    store = None
    if store_dir is not None:
        if endpoint is not None:
            raise CryontoError("--store and --endpoint exclude each other")
        store = data_or_store(data, store_dir, what="--data")
    result = run_query(query, data=list(data), params=parsed, endpoint=endpoint,
                       timeout=timeout, default_graphs=default_graphs, user=user,
                       password=password, store=store)
    hint = (_default_graph_hint(result, endpoint, timeout, user, password)
            if endpoint is not None and not default_graphs else None)
    if result.kind == "ask":
        if fmt == "json":
            click.echo(json.dumps({"boolean": bool(result.boolean)}))
        else:
            click.echo("true" if result.boolean else "false")
        if hint:
            click.echo(hint, err=True)
        sys.exit(0 if result.boolean else 1)
    if result.kind == "select":
        click.echo(_render_select(result, fmt))
        legend = _legend(query) if fmt == "table" else ""
        if legend:
            click.echo(legend)
    else:
        click.echo(_render_graph(result, fmt))
    if hint:
        click.echo(hint, err=True)


def _default_graph_hint(result, endpoint: str, timeout: float, user: str | None,
                        password: str | None) -> str | None:
    """Why an empty answer may be the store's default graph rather than the data (one probe)."""
    from cryonto.remote import RemoteEndpoint, answers_nothing

    if not answers_nothing(result):
        return None
    probe = RemoteEndpoint(endpoint, timeout=min(timeout, 10), user=user, password=password)
    return probe.default_graph_hint()


def _legend(query: str) -> str:
    """The query header's `# columns:` paragraph, wrapped under the table ("" if none)."""
    import textwrap

    from cryonto.queries import load_query

    columns = load_query(query).info.columns
    return textwrap.fill("Columns: " + columns, width=100) if columns else ""


def _mapping_rule(text: str) -> str:
    """The predicates as local names; an unknown one is an error with a did-you-mean."""
    import difflib

    from cryonto.coded import MAPPING_PREDICATES

    names = [p.strip().removeprefix("skos:") for p in text.replace(" ", ",").split(",")
             if p.strip()]
    for name in names:
        if name not in MAPPING_PREDICATES:
            close = difflib.get_close_matches(name, MAPPING_PREDICATES, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise CryontoError(f"--mapping-predicates: {name!r} is not one of "
                               f"{', '.join(MAPPING_PREDICATES)}{hint}")
    return " ".join(names)


@main.command("queries")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def queries_command(as_json: bool) -> None:
    """List the query library: name, title, the question each answers, parameters."""
    from cryonto.queries import list_queries
    from cryonto.render import render_rows

    infos = list_queries()
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    rows = [(i.name, i.title, ", ".join(
        f"{p.name}={p.default}" if p.default is not None else p.name for p in i.params))
        for i in infos]
    click.echo(render_rows(["name", "title", "params"], rows, "table"))


@main.command("push")
@click.argument("data", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL query endpoint of the store (required: the data leaves this machine).")
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph for the data [default: https://w3id.org/cryonto/graph/data].")
@click.option("--replace", is_flag=True, help="Replace the graph's content instead of adding.")
@click.option("--batch-size", type=click.IntRange(min=1), default=50_000, show_default=True,
              metavar="N", help="Triples per request.")
@click.option("--update-endpoint", metavar="URL",
              help="Upload by SPARQL Update INSERT DATA here (for stores without the "
                   "Graph Store Protocol).")
@click.option("--gsp", metavar="URL", help="Graph Store Protocol URL [default: derived from "
                                           "--endpoint: /query -> /store, /sparql -> "
                                           "/sparql-graph-crud(-auth)].")
@click.option("--user", help="User name (HTTP digest authentication).")
@click.option("--password", envvar="CRYONTO_PASSWORD", help="Password for --user.")
@click.option("--no-ontology", is_flag=True, help="Upload the data only, not the ontology.")
@click.option("--timeout", type=float, default=60, show_default=True, metavar="S",
              help="Seconds to wait for each request.")
def push_command(data: tuple[str, ...], endpoint: str, graph: str | None, replace: bool,
                 batch_size: int, update_endpoint: str | None, gsp: str | None,
                 user: str | None, password: str | None, no_ontology: bool,
                 timeout: float) -> None:
    """Upload the ontology and coded DATA files to a SPARQL store.

    Coded data is clinical material: it goes only to the --endpoint you name, and
    the command says where before sending. The ontology goes to the graph
    https://w3id.org/cryonto/graph/ontology (replaced each time), the data to
    --graph. Afterwards the triples in each graph are counted and compared with
    what was sent.
    """
    from cryonto.remote import DEFAULT_DATA_GRAPH, check_timeout, push

    check_timeout(timeout)
    target_graph = graph or DEFAULT_DATA_GRAPH
    if user is not None and password is None:
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
    bar_holder: dict[str, object] = {}
    stack = contextlib.ExitStack()

    def on_start(method: str, target: str, total: int) -> None:
        click.echo(f"Sending {total} triples to {target} ({method}); data graph "
                   f"<{target_graph}>{' (replaced)' if replace else ''}", err=True)
        if sys.stderr.isatty():
            bar_holder["bar"] = stack.enter_context(
                click.progressbar(length=total, label="Uploading",
                                  file=sys.__stderr__ or sys.stderr))  # its \r is wanted

    def progress(n: int) -> None:
        bar = bar_holder.get("bar")
        if bar is not None:
            bar.update(n)  # type: ignore[attr-defined]

    with stack:
        report = push(list(data), endpoint=endpoint, graph=target_graph, replace=replace,
                      batch_size=batch_size, update_endpoint=update_endpoint, gsp=gsp,
                      user=user, password=password, ontology=not no_ontology,
                      timeout=timeout, progress=progress, on_start=on_start)
    for upload in report.uploads:
        click.echo(f"graph <{upload.graph}>: sent {upload.sent} triples in {upload.batches} "
                   f"batch{'es' if upload.batches != 1 else ''}; the store holds {upload.after}"
                   " (count check passed)")
    if report.hint:
        click.echo(report.hint, err=True)
