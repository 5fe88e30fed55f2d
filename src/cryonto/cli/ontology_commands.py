"""CLI commands on the ontology itself: `categories`, `show`, `check`.

Thin doors onto `cryonto.category` and `cryonto.check`: parse options, call the
API, format. Bad input arrives as `CryontoError` and `CryontoGroup` turns it
into one line and exit 2; a failed check run exits 1.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import click

from cryonto.cli import main
from cryonto.render import render_rows

_ONTOLOGY_OPTION = click.option(
    "--ontology", "ontology_files", multiple=True, type=click.Path(path_type=Path),
    help="Ontology file(s) to use instead of the packaged ontology/*.ttl (repeatable).")
_LANG_OPTION = click.option(
    "--lang", type=click.Choice(["en", "de"]), default="en", show_default=True,
    help="Language of labels (and definitions, where translated). German labels are the "
         "cryonto project's translation, not the authors' wording.")
#: said wherever German labels are shown (crying.ttl: cry:note/german-labels)
GERMAN_NOTE = ("German labels are the cryonto project's translation, not the wording of "
               "Gutjahr, Marten & Benecke.")


def _system(files: Sequence[Path]):
    from cryonto.category import load_category_system

    return load_category_system(list(files) if files else None)


# -- categories ---------------------------------------------------------------------


@main.command()
@_LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["tree", "csv", "json"]), default="tree",
              show_default=True, help="Indented tree, or one row per category.")
@_ONTOLOGY_OPTION
def categories(lang: str, fmt: str, ontology_files: tuple[Path, ...]) -> None:
    """List the category system: notations and labels, in notation order.

    csv/json rows: notation, iri, label, broader (notation), level (1 = domain),
    definition.
    """
    system = _system(ontology_files)
    nodes = list(system.walk())
    if lang == "de":
        click.echo(f"note: {GERMAN_NOTE}", err=True)
    if fmt == "tree":
        for node in nodes:
            c = node.concept
            click.echo(f"{'  ' * (node.level - 1)}{c.notation or '-'}  {c.label(lang)}")
        return
    columns = ["notation", "iri", "label", "broader", "level", "definition"]
    rows = []
    for node in nodes:
        c = node.concept
        parents = [system.get(b) for b in c.broader]
        broader = " ".join(p.notation or p.iri for p in parents if p is not None)
        rows.append([c.notation, c.iri, c.label(lang), broader or None, node.level,
                     c.definition_in(lang)])
    click.echo(render_rows(columns, rows, fmt))


# -- show ---------------------------------------------------------------------------


@main.command()
@click.argument("concept")
@_LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_ONTOLOGY_OPTION
@click.option("--findings", "findings_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Your findings graph(s) from `cryonto import findings` (repeatable): listed "
                   "beside the built-in findings, marked as yours.")
def show(concept: str, lang: str, fmt: str, ontology_files: tuple[Path, ...],
         findings_files: tuple[Path, ...]) -> None:
    """Everything about one category: CONCEPT is a notation (A1.1), a label in
    English or German, an IRI or a CURIE (cry:ProtestCrying)."""
    system = _system(ontology_files)
    found = system.find(concept)
    data = _concept_data(system, found, lang)
    if lang == "de":
        data["label_note"] = GERMAN_NOTE
    if findings_files:
        from cryonto.findings import load_user_findings

        for item in load_user_findings(findings_files):
            if item["category"] == found.iri:
                item.pop("category")
                data["findings"].setdefault(item["stance"], []).append(item)
                source = item["source"]
                if source["iri"]:
                    data["literature"].append({"iri": source["iri"], "title": None,
                                               "citation": source["citation"], "date": None,
                                               "doi": None, "user": True})
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(_concept_text(data))


_STANCE_HEADINGS = {
    "supports": "Findings supporting",
    "qualifies": "Findings qualifying",
    "disagreesWith": "Findings contradicting",
}


def _ref(system, iri: str, lang: str) -> dict:
    other = system.get(iri)
    if other is None:
        from cryonto.category import curie

        return {"notation": None, "iri": iri, "label": curie(iri)}
    return {"notation": other.notation, "iri": iri, "label": other.label(lang)}


def _term(term, lang: str) -> dict | None:
    if term is None:
        return None
    data = {"iri": term.iri, "label": term.label(lang)}
    if term.rank is not None:
        data["rank"] = term.rank
    if term.notation:
        data["notation"] = term.notation
    return data


def _concept_data(system, c, lang: str) -> dict:
    """The concept as plain data: what json prints and text lays out."""
    records: dict[str, dict] = {}
    findings: dict[str, list[dict]] = {stance: [] for stance in _STANCE_HEADINGS}
    for f in c.findings:
        sources = [{"iri": r.iri, "title": r.title, "citation": r.citation, "date": r.date,
                    "doi": r.doi} for r in f.sources]
        for source in sources:
            records.setdefault(source["iri"], source)
        findings.setdefault(f.stance, []).append(
            {"iri": f.iri, "label": f.label, "claim": f.claim,
             "source": sources[0] if sources else None, "sources": sources, "user": False})
    form = c.form
    return {
        "notation": c.notation,
        "iri": c.iri,
        "curie": c.curie,
        "label": c.label(lang),
        "labels": c.labels,
        "alt_labels": {k: list(v) for k, v in c.alt_labels.items()},
        "definition": c.definition_in(lang),
        "examples": list(c.examples),
        "source_section": c.source_section,
        "broader": [_ref(system, b, lang) for b in c.broader],
        "narrower": [_ref(system, n.iri, lang) for n in system.children(c)],
        "links": [{"type": link.type, **_ref(system, link.other, lang),
                   "inverse": link.inverse, "source": link.source, "evidence": link.evidence}
                  for link in c.links],
        "form": {
            "feelings": [_term(t, lang) for t in form.feelings],
            "triggers": list(form.triggers),
            "themes": list(form.themes),
            "quality": list(form.quality),
            "interactive_function": _term(form.interactive_function, lang),
            "therapist_reactions": list(form.reactions),
            "acceptance_stance": _term(form.acceptance_stance, lang),
        } if form else None,
        "orientation_emphases": [
            {"orientation": _term(e.orientation, lang), "comment": e.comment,
             "source": e.source, "evidence": e.evidence} for e in c.emphases],
        "findings": findings,
        "literature": sorted(records.values(),
                             key=lambda r: (r["citation"] or r["title"] or r["iri"])),
    }


def _wrap(text: str, indent: str = "  ", hang: int = 0) -> list[str]:
    """Text wrapped to 92 columns; continuation lines line up under the text (+ `hang`)."""
    follow = " " * (len(indent) + hang)
    return textwrap.wrap(" ".join(text.split()), width=92, initial_indent=indent,
                         subsequent_indent=follow) or [indent]


def _named(ref: dict) -> str:
    return f"{ref['notation']} {ref['label']}" if ref.get("notation") else ref["label"]


def _concept_text(d: dict) -> str:
    lines = [f"{d['notation'] or '-'}  {d['label']}", f"  {d['iri']}"]
    other = {k: v for k, v in d["labels"].items() if v != d["label"]}
    for lang, label in sorted(other.items()):
        lines.append(f"  {lang or 'no language'}: {label}")
    if d.get("label_note"):
        lines.append(f"  ({d['label_note']})")
    if d["source_section"]:
        lines.append(f"  Source: {d['source_section']}")

    def section(title: str, body: list[str]) -> None:
        if body:
            lines.extend(["", title, *body])

    section("Definition", _wrap(d["definition"]) if d["definition"] else ["  (none)"])
    alts = [f"{label} ({lang})" if lang else label
            for lang, labels in sorted(d["alt_labels"].items()) for label in labels]
    section("Alternative labels", [f"  {a}" for a in alts])
    section("Examples", [line for ex in d["examples"] for line in _wrap(ex, "  - ")])
    section("Broader", [f"  {_named(b)}" for b in d["broader"]] or ["  (top concept)"])
    section("Narrower", [f"  {_named(n)}" for n in d["narrower"]])
    link_lines = []
    for link in d["links"]:
        arrow = " (stated by the other)" if link["inverse"] else ""
        link_lines.append(f"  {link['type']}  {_named(link)}{arrow}")
        if link["source"]:
            link_lines.append(f"      source: {link['source']}")
        if link["evidence"]:
            link_lines += _wrap(f"“{link['evidence']}”", "      ", 1)
    section("Links", link_lines)
    form = d["form"]
    if form:
        body = []
        for key, title in (("feelings", "feelings"), ("triggers", "typical triggers"),
                           ("themes", "typical themes"), ("quality", "quality"),
                           ("therapist_reactions", "therapist reactions")):
            values = [v["label"] if isinstance(v, dict) else v for v in form[key]]
            if values:
                body += _wrap(f"{title}: " + "; ".join(values), hang=2)
        for key, title in (("interactive_function", "interactive function"),
                           ("acceptance_stance", "acceptance stance")):
            if form[key]:
                body.append(f"  {title}: {form[key]['label']}")
        section("Form of crying", body)
    emph = []
    for e in d["orientation_emphases"]:
        who = e["orientation"]
        name = (who.get("notation") or who["label"]) if who else "?"
        emph += _wrap(f"{name}: {e['comment'] or ''}", hang=2)
        if e["source"]:
            emph += _wrap(f"source: {e['source']}", "      ")
    section("Orientation emphases", emph)
    if not any(d["findings"].values()):
        section("Findings", ["  (none in the literature records)"])
    for stance, title in _STANCE_HEADINGS.items() if any(d["findings"].values()) else ():
        items = d["findings"].get(stance, [])
        body = []
        for f in items:
            mark = "[your finding] " if f.get("user") else ""
            body += _wrap(f"- {mark}{f['label'] or f['claim'] or f['iri']}", hang=2)
            if f["claim"] and f["claim"] != f["label"]:
                body += _wrap(f["claim"], "      ")
            if f.get("user"):
                if f.get("evidence"):
                    where = f" ({f['location']})" if f.get("location") else ""
                    body += _wrap(f"evidence: “{f['evidence']}”{where}", "      ", 10)
                body += _wrap(f"from: {f['file']}", "      ")
                if f["source"] and (f["source"].get("citation") or f["source"].get("iri")):
                    body += _wrap(f"source: {f['source'].get('citation') or f['source']['iri']}",
                                  "      ", 8)
            else:
                for source in f["sources"]:
                    body += _wrap(f"source: {_record_text(source)}", "      ", 8)
        section(f"{title} ({len(items)})", body or ["  (none)"])
    section("Literature", [line for r in d["literature"]
                           for line in _wrap(f"- {_record_text(r)}", hang=2)])
    return "\n".join(lines)


def _record_text(r: dict) -> str:
    text = r["citation"] or " ".join(x for x in (r["title"], r["date"] and f"({r['date']})") if x)
    text = text or r["iri"]
    text = f"{text} doi:{r['doi']}" if r["doi"] else text
    return f"{text} [cited by your findings]" if r.get("user") else text


# -- check --------------------------------------------------------------------------


@main.command()
@_ONTOLOGY_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json", "tsv"]), default="text",
              show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warn"]), default="error",
              show_default=True, help="Exit 1 when a problem of this severity or worse is found.")
@click.option("--reasoner/--no-reasoner", default=True, show_default=True,
              help="Run the HermiT OWL reasoner (needs java).")
def check(ontology_files: tuple[Path, ...], fmt: str, fail_on: str, reasoner: bool) -> None:
    """Quality checks on the ontology: named SPARQL checks (queries/checks/),
    SHACL shapes (shapes/ontology.ttl) and OWL consistency with HermiT.

    Exit 0 when clean, 1 when a check at or above --fail-on fails, 2 when a
    file cannot be read.
    """
    from cryonto.check import run_checks, to_rows

    report = run_checks(list(ontology_files) or None, reasoner=reasoner)
    failed = report.failed(fail_on)
    if fmt == "json":
        counts = {k.lower(): v for k, v in report.counts.items()}
        click.echo(json.dumps({
            "sources": [str(p) for p in report.sources],
            "failed": failed,
            "fail_on": fail_on,
            "counts": counts,
            "seconds": round(report.seconds, 3),
            "checks": [{"name": c.name, "severity": c.severity, "kind": c.kind,
                        "description": c.description,
                        "problems": len(report.by_check(c.name))} for c in report.checks],
            "problems": [{"severity": p.severity, "check": p.check, "subject": p.subject,
                          "value": p.value, "message": p.message} for p in report.problems],
        }, ensure_ascii=False, indent=2))
    elif fmt == "tsv":
        click.echo(render_rows(["severity", "check", "subject", "value", "message"],
                               to_rows(report), "tsv"))
    else:
        click.echo(_report_text(report, fail_on, failed))
    sys.exit(1 if failed else 0)


def _report_text(report, fail_on: str, failed: bool) -> str:
    from cryonto.category import curie
    from cryonto.check import SEVERITIES

    counts = report.counts
    files = ", ".join(str(p) for p in report.sources)
    lines = [f"Checked {files}: {len(report.checks)} checks in {report.seconds:.1f} s"]
    for severity in SEVERITIES:
        problems = [p for p in report.problems if p.severity == severity]
        if not problems:
            continue
        lines += ["", f"{severity} ({len(problems)})"]
        current = None
        for p in problems:
            if p.check != current:
                current = p.check
                n = sum(1 for q in problems if q.check == p.check)
                lines.append(f"  {p.check} ({n})")
            value = f"  [{curie(p.value)}]" if p.value else ""
            message = re.sub(r"<([^<>\s]+)>", lambda m: curie(m.group(1)), p.message)
            lines.append(f"    {curie(p.subject)}: {message}{value}")
    summary = (f"{counts['ERROR']} errors, {counts['WARN']} warnings, {counts['INFO']} info")
    verdict = f"FAILED (--fail-on {fail_on})" if failed else "passed"
    passed = len(report.checks) - len(report.failed_checks("info"))
    lines += ["", f"{summary}; {passed}/{len(report.checks)} checks clean; {verdict}"]
    return "\n".join(lines)
