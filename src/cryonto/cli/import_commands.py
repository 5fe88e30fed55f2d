"""CLI commands: import (registered on cryonto.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cryonto.cli import main
from cryonto.readers.xmlsafe import GIB, ZipLimits
from cryonto.render import table


@main.command("import")
@click.argument("fmt", metavar="FORMAT",
                type=click.Choice(["csv", "maxqda", "refi", "findings"], case_sensitive=False))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Turtle file to write (written only if every count adds up); a .nt file gets "
              "N-Triples, streamed (CSV and MAXQDA row by row, REFI source by source; "
              "docs/import.md). Required, "
              "except for findings (default FILE-stem.findings.ttl).")
@click.option("--references", type=click.Path(dir_okay=False, path_type=Path),
              help="findings: BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) resolving the "
              "citation keys.")
@click.option("--study", help="Study name; data IRIs live under "
              "https://w3id.org/cryonto/data/<slug>/ (default: the file name).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="SSSOM mapping table (TSV) from study codes to cryonto categories.")
@click.option("--ontology", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Resolve codes against these ontology file(s) instead of the packaged one.")
@click.option("--max-unpacked", type=click.IntRange(min=1), default=2 * GIB, show_default=True,
              help="Most bytes a .qdpx/.xlsx may inflate to.")
@click.option("--max-ratio", type=click.FloatRange(min=1), default=100.0, show_default=True,
              help="Highest compression ratio accepted for a zip member over 1 MiB.")
@click.option("--positions", type=click.Choice(("auto", "codepoints", "utf16")),
              default="auto", show_default=True,
              help="refi: unit of startPosition/endPosition (auto: decided from the texts and "
              "the project's origin; NVivo counts UTF-16 code units).")
@click.option("--coder-from", type=click.Choice(("coding", "selection")), default="coding",
              show_default=True, help="refi: the coder of a coding is the Coding's "
              "creatingUser (who applied the code) or the selection's (who selected the text).")
@click.option("--strict-codes", is_flag=True,
              help="A code that is nearly a category notation or label is an error, not a "
              "warning.")
@click.option("--texts", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="csv: directory of transcripts, one <document>.txt per document (the "
              "name exactly as in the document column); offsets and quotes are then checked.")
@click.option("--delimiter", type=click.Choice(("auto", ",", ";", "tab")), default="auto",
              show_default=True, help="csv: the field delimiter (auto: the one that splits "
              "the header into known columns).")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Then load the file written into the persistent store DIR (as `cryonto "
              "load OUTPUT --store DIR`; created, private, if absent).")
@click.option("--replace", is_flag=True,
              help="With --store: replace the graph of an OUTPUT loaded before (otherwise "
              "refused before importing).")
@click.option("--all", "all_codes", is_flag=True,
              help="List every unmapped study code, not the first 20 (--json always does).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_command(fmt: str, file: Path, output: Path | None, references: Path | None,
                   study: str | None, mapping: Path | None, ontology: tuple[Path, ...],
                   max_unpacked: int, max_ratio: float, positions: str, coder_from: str,
                   strict_codes: bool, texts: Path | None, delimiter: str,
                   store_dir: Path | None, replace: bool, all_codes: bool,
                   as_json: bool) -> None:
    """Import coded data: FORMAT is csv, maxqda or refi; FILE the export.

    FORMAT findings reads your own findings (CSV, YAML or JSON; see
    docs/findings.md) into a findings graph to load beside the literature.

    Prints the counts read from FILE (documents, codes, segments, codings,
    coders), every deliberate adjustment (merges, uncoded selections, implied
    parent codes), the counts built and the counts re-read from the Turtle
    written. If they do not add up, nothing is written and the exit code is 2.
    Then the codes defined against those used, and each unmapped study code
    with its number of segments (the first 20; --all: every one).

    With --store DIR the file written is then loaded into that store, as
    `cryonto load OUTPUT --store DIR` would (import to a .nt file to stream).
    """
    from cryonto.errors import CryontoError
    from cryonto.streaming import import_to

    if fmt.lower() == "findings":
        _import_findings(file, output, references, list(ontology), as_json)
        return
    if output is None:
        raise CryontoError("-o/--output is required for " + fmt)
    if fmt.lower() != "refi" and (positions != "auto" or coder_from != "coding"):
        raise CryontoError("--positions and --coder-from apply to refi imports only")
    if replace and store_dir is None:
        raise CryontoError("--replace goes with --store DIR")
    options: dict[str, Any] = dict(
        study=study, mapping=mapping, ontology=list(ontology) or None,
        limits=ZipLimits(max_total=max_unpacked, max_ratio=max_ratio),
        positions=None if positions == "auto" else positions, coder_from=coder_from,
        strict_codes=strict_codes, texts=texts,
        delimiter={"auto": None, "tab": "\t"}.get(delimiter, delimiter))
    if store_dir is not None:
        from cryonto.cli.store_commands import load_lines
        from cryonto.import_store import import_into_store

        stored = import_into_store(
            fmt, file, output, store_dir, replace=replace, **options,
            progress=lambda path: click.echo(f"loading {path} …", err=True))
        if as_json:
            click.echo(json.dumps({**stored.imported.as_dict(),
                                   "store": load_dict(stored.loaded)},
                                  ensure_ascii=False, indent=2))
            return
        click.echo(summary_text(stored.imported, all_codes))
        click.echo("\n".join(load_lines(stored.loaded)))
        return
    result = import_to(fmt, file, output, **options)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(summary_text(result, all_codes))


def load_dict(report) -> dict:
    """What `load` did, for --json."""
    return {"store": str(report.store), "created": report.created, "ontology": report.ontology,
            "files": [vars(item) for item in report.files]}


def _import_findings(file: Path, output: Path | None, references: Path | None,
                     ontology: list[Path], as_json: bool) -> None:
    from cryonto.findings import import_findings

    result = import_findings(file, output, references, ontology=ontology or None)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    stances = ", ".join(f"{n} {s}" for s, n in result.stances.items())
    click.echo(f"Imported {result.findings} findings from {result.source} into {result.output}")
    click.echo(f"  records {result.records} ({len(result.reused_records)} packaged), "
               f"categories {result.categories}, stances: {stances}")


#: unmapped study codes listed in the summary unless --all
SHOWN_CODES = 20
COUNTS_LEGEND = ("in = read from the file; adjusted = see Adjustments; out = in the dataset "
                 "built; written = re-counted from the file written")


def summary_text(result, all_codes: bool = False) -> str:
    """The human summary: counts in, adjustments, out and written, then codes and notes."""
    counts_in = result.counts_in.as_dict()
    out = result.counts_out.as_dict()
    written = result.counts_written.as_dict() if result.counts_written else {}
    deltas: dict[str, int] = {}
    for adj in result.adjustments:
        deltas[adj.field] = deltas.get(adj.field, 0) + adj.delta
    rows = [(name, counts_in[name], f"{deltas[name]:+d}" if deltas.get(name) else "",
             out[name], written.get(name)) for name in counts_in]
    lines = [f"Imported {result.source} ({result.format}) into {result.output}",
             f"Study {result.dataset.study!r}: {result.dataset.base_iri}", "",
             table(["", "in", "adjusted", "out", "written"], rows), COUNTS_LEGEND, ""]
    if result.adjustments:
        lines.append("Adjustments:")
        lines += [f"  {a.field} {a.delta:+d}: {a.reason}" for a in result.adjustments]
    sources = result.details.get("sources")
    if sources:
        lines.append("Sources: " + ", ".join(f"{n} {k}" for k, n in sources.items()))
    selections = result.details.get("selections")
    if selections:
        in_rep = result.details.get("text_selections_in_pdf_representations") or 0
        parts = [f"{n} {k}" + (f" ({in_rep} in PDF representations)"
                              if k == "PlainTextSelection" and in_rep else "")
                 for k, n in selections.items()]
        lines.append(f"Selections: {sum(selections.values())} = " + ", ".join(parts))
    unit = result.details.get("positions")
    if isinstance(unit, dict):
        lines.append(f"Positions: {unit['unit_name']}; {unit['reason']}")
    conflicts = result.details.get("coder_conflicts")
    if conflicts:
        lines.append(f"Coders (--coder-from {result.details.get('coder_rule')}): selection user "
                     "≠ coding user")
        lines += [f"  {c['codings']} coding(s): selection by {c['selection_user']!r}, coded by "
                  f"{c['coding_user']!r} → coder {c['chosen']!r}" for c in conflicts]
    if result.mapping:
        m = result.mapping
        skipped = [f"{m[k]} {what}" for k, what in (
            ("unconfirmed_suggestions", "unconfirmed suggestions (still semapv:LexicalMatching;"
             " change to semapv:ManualMappingCuration to apply)"),
            ("no_term_found", "sssom:NoTermFound")) if m.get(k)]
        lines.append(f"Mapping {m['file']}: {m['rows']} rows applied, {m['mappings_added']} "
                     "mappings added" + (f"; skipped {', '.join(skipped)}" if skipped else ""))
    lines += _codes_text(result, all_codes)
    if result.warnings:
        lines.append(f"Warnings ({len(result.warnings)}; --strict-codes makes them errors):")
        lines += [f"  {w}" for w in result.warnings]
    if result.notes:
        lines.append("Notes:")
        lines += [f"  - {note}" for note in result.notes]
    return "\n".join(lines).rstrip()


def _codes_text(result, all_codes: bool) -> list[str]:
    """Defined against used codes, then the unmapped ones, one per line with their use."""
    use = result.code_use()
    lines = [f"Codes: {use['defined']} defined in the project, {use['used']} used by at least one "
             f"coding; of the used: {use['used_categories']} cryonto categories directly, "
             f"{use['used_mapped']} study codes mapped, {use['used_unmapped']} unmapped",
             "  (defined: in the source's codebook, used or not; used: applied to at least one "
             "segment)"]
    unmapped = result.unmapped_use()
    if not unmapped:
        return lines
    unused = sum(1 for _, n in unmapped if n == 0)
    lines.append(f"Unmapped study codes ({len(unmapped)}"
                 + (f", {unused} of them never used" if unused else "")
                 + "), most used first:")
    shown = unmapped if all_codes else unmapped[:SHOWN_CODES]
    width = min(60, max(len(code.key) for code, _ in shown))
    lines += [f"  {code.key:<{width}}  {n} segment{'' if n == 1 else 's'}" for code, n in shown]
    if len(unmapped) > len(shown):
        lines.append(f"  … {len(unmapped) - len(shown)} more; --all shows every one")
    return lines
