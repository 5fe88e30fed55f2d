"""`cryonto docs`: the ontology as a static site, rendered with the endpoint's templates.

One flat folder, so every page is ``<local name>.html`` beside its ``.ttl`` and
``.jsonld`` and the w3id ``.htaccess`` can map ``https://w3id.org/cryonto/X`` to
``X.html`` / ``X.ttl`` / ``X.jsonld`` by content negotiation. Pages link to
each other relatively and to nothing outside but the IRIs they name, so the site
works from ``file://`` as well as from any web server. Data for the pages comes
from the category system API and the library queries in ``queries/report/``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

from markupsafe import Markup

from cryonto import resources
from cryonto._version import __version__ as cryonto_version
from cryonto.atomic import write_bytes, write_text
from cryonto.category import Finding, Record, local_name
from cryonto.errors import CryontoError
from cryonto.queries import run_query
from cryonto.report.data import ReportData, category_links
from cryonto.report.release import RELEASE_FORMATS, describe, ontology_release, ontology_store
from cryonto.serve.pages import LINK_TITLES, Pages
from cryonto.vocab import BASE

DOWNLOADS = (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("RDF/XML", "xml"), ("N-Triples", "nt"))
PAPER_DOI = "10.17605/OSF.IO/ZEK23"
_META = {
    "title": "http://purl.org/dc/terms/title", "description": "http://purl.org/dc/terms/description",
    "license": "http://purl.org/dc/terms/license", "rights": "http://purl.org/dc/terms/rights",
    "citation": "http://purl.org/dc/terms/bibliographicCitation",
    "version": "http://www.w3.org/2002/07/owl#versionInfo",
    "version_iri": "http://www.w3.org/2002/07/owl#versionIRI",
    "created": "http://purl.org/dc/terms/created", "modified": "http://purl.org/dc/terms/modified",
    "creator": "http://purl.org/dc/terms/creator",
}


@dataclass
class SiteResult:
    """What `build_site` wrote."""

    out: Path
    pages: list[Path]
    files: int


def _query(name: str) -> Path:
    return resources.queries_dir() / "report" / f"{name}.rq"


def release_file(fmt: str) -> str:
    return "cryonto" + RELEASE_FORMATS[fmt][1]


def build_site(out: Path | str, lang: str = "en", base_url: str | None = None) -> SiteResult:
    """Write the documentation site into `out` (created; existing files are replaced)."""
    from cryonto.report.figures import category_figure  # matplotlib: only when building

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CryontoError("-o must be a folder", str(out))
    out.mkdir(parents=True, exist_ok=True)
    store = ontology_store()
    pages = Pages(store, lang=lang, site=True, root="index.html", static="_static/")
    system = pages.system()
    properties = run_query(_query("properties"), store=store).dicts()
    prop_page = {str(r["term"]): ("link-types.html" if str(r["super"] or "").endswith(
        "core#related") else "properties.html") for r in properties}
    records, findings = _literature(system)

    def href(iri: str) -> str | None:
        """A cryonto IRI's page in the site; any other http(s) IRI itself."""
        if iri in system:
            return f"{local_name(iri)}.html"
        if iri == BASE + "CategorySystem" or iri == BASE + "crying":
            return "index.html"
        if iri in prop_page:
            return f"{prop_page[iri]}#{local_name(iri)}"
        if iri in records or iri in findings:
            return f"literature.html#{_anchor(iri)}"
        if iri.startswith(BASE):
            return None  # a term with no page of its own (feelings, orientations): plain text
        return Pages.href(iri) if not iri.startswith("/") else None

    pages.env.filters["href"] = href
    written: list[Path] = []
    files = 0

    def page(name: str, html: str) -> None:
        nonlocal files
        write_text(out / name, html)
        written.append(out / name)
        files += 1

    bases = _bases(store)
    notes, mappings = _notes(store)
    for concept in system:
        name = local_name(concept.iri)
        formats = [("Turtle", f"{name}.ttl"), ("JSON-LD", f"{name}.jsonld")]
        page(f"{name}.html", pages.concept_page(concept, formats=formats, extras={
            "bases": bases.get(concept.iri, {}), "notes": notes.get(concept.iri, []),
            "mappings": mappings.get(concept.iri, [])}))
        for fmt in ("ttl", "jsonld"):
            write_bytes(out / f"{name}.{fmt}", describe(concept.iri, fmt, store))
            files += 1
    for _, fmt in DOWNLOADS:
        write_bytes(out / release_file(fmt), ontology_release(fmt, store))
        files += 1

    meta = _metadata(store)
    data = ReportData(system=system, lang=lang, redacted=True, studies=[], frequencies={},
                      by_orientation={}, by_study={}, cooccurrence={}, links=category_links(system),
                      agreement=None, agreement_note=None)
    figure = category_figure(data, urls={c.iri: f"{local_name(c.iri)}.html" for c in system})
    search = [{"n": c.notation, "l": c.label(lang), "o": c.label("de" if lang == "en" else "en"),
               "a": [a for labels in c.alt_labels.values() for a in labels],
               "u": f"{local_name(c.iri)}.html"} for c in (n.concept for n in system.walk())]
    common = {"version": cryonto_version, "meta": meta, "base_url": base_url}
    page("index.html", pages.render(
        "site_index.html", title=meta.get("title") or "cryonto", tree=system.tree(),
        figure=figure, svg=Markup(figure.svg), doi=PAPER_DOI,
        downloads=[(label, release_file(fmt)) for label, fmt in DOWNLOADS],
        search_json=Markup(json.dumps(search, ensure_ascii=False).replace("</", "<\\/")),
        concepts=len(system), links=len(data.links), **common))
    page("properties.html", pages.render(
        "site_properties.html", title="Properties and classes",
        rows=[r for r in properties if prop_page[str(r["term"])] == "properties.html"], **common))
    page("link-types.html", pages.render(
        "site_link_types.html", title="Link types", link_titles=LINK_TITLES,
        rows=[r for r in properties if prop_page[str(r["term"])] == "link-types.html"],
        counts=_link_counts(data), **common))
    page("literature.html", pages.render(
        "site_literature.html", title="Literature and findings", records=records,
        findings=findings, anchor=_anchor, **common))
    write_text(out / ".htaccess", _htaccess(base_url, [local_name(c.iri) for c in system]))
    files += 1
    static = out / "_static"
    static.mkdir(exist_ok=True)
    for name in ("style.css", "favicon.svg"):
        write_bytes(static / name, (importlib_resources.files("cryonto.serve") / "static"
                                    / name).read_bytes())
        files += 1
    return SiteResult(out, written, files)


def _anchor(iri: str) -> str:
    return iri[len(BASE):].replace("/", "-") if iri.startswith(BASE) else local_name(iri)


def _literature(system) -> tuple[dict[str, Record], dict[str, tuple[Finding, list[str]]]]:
    """Records cited by findings, and each finding with the categories it bears on."""
    records: dict[str, Record] = {}
    findings: dict[str, tuple[Finding, list[str]]] = {}
    for concept in system:
        for finding in concept.findings:
            for source in finding.sources:
                records.setdefault(source.iri, source)
            findings.setdefault(finding.iri, (finding, []))[1].append(concept.iri)
    return dict(sorted(records.items(), key=lambda kv: kv[1].describe())), findings


def _bases(store) -> dict[str, dict[tuple[str, str], str]]:
    """Concept IRI -> (link type, other IRI) -> the link's basis (its label)."""
    out: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for r in run_query(_query("link-bases"), store=store).dicts():
        kind = local_name(str(r["link"]))
        label = str(r["basisLabel"] or local_name(str(r["basis"] or ""))) if r["basis"] else ""
        out[str(r["subject"])][(kind, str(r["object"]))] = label
        out[str(r["object"])].setdefault((kind, str(r["subject"])), label)
    return out


def _notes(store) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    notes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    mappings: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in run_query(_query("concept-notes"), store=store).dicts():
        target = notes if r["kind"] == "scopeNote" else mappings
        value = (str(r["value"]), str(r["lang"] or "")) if r["kind"] == "scopeNote" else (
            str(r["kind"]), str(r["value"]))
        target[str(r["concept"])].append(value)
    return notes, mappings


def _metadata(store) -> dict[str, str]:
    from cryonto.rdf import NamedNode

    subject = NamedNode(BASE + "crying")
    meta: dict[str, str] = {}
    for key, predicate in _META.items():
        values = [q.object for q in store.quads(subject, NamedNode(predicate))]
        english = [v for v in values if getattr(v, "language", None) in (None, "en")]
        if english or values:
            meta[key] = (english or values)[0].value
    return meta


def _link_counts(data: ReportData) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for edge in data.links:
        counts[edge.type] += 1
    return dict(counts)


def _htaccess(base_url: str | None, names: list[str]) -> str:
    """Rewrite rules for ``w3id.org/cryonto/``: HTML for browsers, RDF by ``Accept``."""
    target = (base_url or "https://example.org/cryonto/").rstrip("/") + "/"
    rules = [
        "# w3id.org/cryonto/.htaccess, written by `cryonto docs` "
        f"(site at {target}); see https://github.com/perma-id/w3id.org",
        "Options +FollowSymLinks", "RewriteEngine on", "",
        "# the whole ontology (and its version IRIs)"]
    accept: list[tuple[str, Callable[[str], str]]] = [
        ("text/turtle", lambda n: f"{n}.ttl"), ("application/ld\\+json", lambda n: f"{n}.jsonld"),
        ("application/rdf\\+xml", lambda n: f"{n}.rdf"),
        ("application/n-triples", lambda n: f"{n}.nt")]
    for mime, name in accept:
        rules += [f"RewriteCond %{{HTTP_ACCEPT}} {mime}",
                  f"RewriteRule ^(crying(/[0-9.]+)?)?$ {target}{name('cryonto')} [R=303,L]"]
    rules += [f"RewriteRule ^(crying(/[0-9.]+)?)?$ {target}index.html [R=303,L]", "",
              f"# the {len(names)} categories: Turtle or JSON-LD by Accept, else the page"]
    pattern = "(" + "|".join(sorted(names)) + ")"
    for mime, name in accept[:2]:
        rules += [f"RewriteCond %{{HTTP_ACCEPT}} {mime}",
                  f"RewriteRule ^{pattern}$ {target}{name('$1')} [R=303,L]"]
    rules += [f"RewriteRule ^{pattern}$ {target}$1.html [R=303,L]", "",
              "# any other term: its section of the site",
              f"RewriteRule ^(.*)$ {target}index.html [R=303,L]", ""]
    return "\n".join(rules)


__all__ = ["SiteResult", "build_site"]
