"""CLI commands: load, store info; and the --store option other commands share."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from cryonto.cli import main
from cryonto.errors import CryontoError

F = Callable[..., Any]


def store_option(function: F) -> F:
    """`--store DIR`: read a persistent store (`cryonto load`) instead of DATA files."""
    return click.option(
        "--store", "store_dir", type=click.Path(path_type=Path), metavar="DIR",
        help="Read the persistent store DIR (written by `cryonto load`) instead of DATA "
             "files.")(function)


def data_or_store(data: Sequence[Path | str], store_dir: Path | None, *,
                  what: str = "DATA") -> Any:
    """The files, or the opened store; exactly one of them must be given."""
    if store_dir is not None:
        if data:
            raise CryontoError(f"give {what} files or --store DIR, not both")
        from cryonto.storage import open_store

        return open_store(store_dir)
    if not data:
        raise CryontoError(f"no {what} given: name RDF files or --store DIR")
    return list(data)


@main.command("load")
@click.argument("data", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--store", "store_dir", required=True, type=click.Path(path_type=Path),
              metavar="DIR", help="The store folder (created, private, if absent).")
@click.option("--replace", is_flag=True,
              help="Replace the graph of a file that changed since it was loaded "
                   "(otherwise refused).")
def load_command(data: tuple[Path, ...], store_dir: Path, replace: bool) -> None:
    """Load RDF files (from `cryonto import`) into a persistent store, once.

    Each file becomes one named graph; the packaged ontology is loaded too. A
    file loaded before and unchanged (same SHA-256) is skipped. Later commands
    read the store with --store DIR and start at once. The store holds clinical
    text: it is created readable by you only (mode 0700).
    """
    from cryonto.storage import load

    def progress(path: str) -> None:
        click.echo(f"loading {path} …", err=True)

    report = load(list(data), store_dir, replace=replace, progress=progress)
    click.echo("\n".join(load_lines(report)))


def load_lines(report: Any) -> list[str]:
    """What `load` did, a line per step (shared with `import --store`)."""
    lines = []
    if report.created:
        lines.append(f"created store {report.store} (private: mode 0700)")
    if report.ontology == "loaded":
        lines.append("ontology: loaded")
    for item in report.files:
        lines.append(f"{item.path}: {item.action} ({item.triples} triples) -> <{item.graph}>")
    return lines


@main.group("store")
def store_group() -> None:
    """Inspect a persistent store (see `cryonto load`)."""


@store_group.command("info")
@click.argument("directory", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def info_command(directory: Path, as_json: bool) -> None:
    """Graphs (file, SHA-256, triples) and studies (segments, transcripts) in a store."""
    from dataclasses import asdict

    from cryonto.render import render_rows
    from cryonto.storage import store_info

    info = store_info(directory)
    if as_json:
        click.echo(json.dumps({"store": str(info.store), "triples": info.triples,
                               "graphs": [asdict(g) for g in info.graphs],
                               "studies": [asdict(s) for s in info.studies]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"store {info.store}: {len(info.graphs)} graph(s), {info.triples} triples")
    click.echo(render_rows(["graph", "triples", "loaded", "sha256"],
                           [(g.graph, g.triples, g.loaded, g.sha256[:12]) for g in info.graphs],
                           "table"))
    if info.studies:
        click.echo(render_rows(["study", "title", "segments", "transcripts", "graph"],
                               [(s.study, s.title, s.segments, s.documents, s.graph)
                                for s in info.studies], "table"))
    else:
        click.echo("no study (cry:Study) in the store")
