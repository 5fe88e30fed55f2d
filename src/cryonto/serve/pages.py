"""HTML pages: the query page, concept pages, and a plain page for any other resource.

The same `Pages` renders the static documentation site (`cryonto docs`,
`cryonto.report.site`): one set of templates, with `href` (where an IRI's page
is), `root` and `static` (where the site's index and style sheet are) and
`site=True` chosen by the caller.

Concept pages come from `cryonto.category` (the same `Concept` objects the
CLI prints), built once from the store's ontology graph, so a page shows what
the endpoint answers. Templates are Jinja2 with autoescaping on; the served
pages carry no inline script (the query page loads ``/_static/query.js``), so a
strict Content-Security-Policy holds (only the static site's index, never
served by the endpoint, has its small inline search script).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader

from cryonto import resources
from cryonto.category import (
    STANCES,
    CategorySystem,
    Concept,
    build_category_system,
    curie,
)
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, Triple, Value
from cryonto.serve.linked import local_path
from cryonto.vocab import BASE, ONTOLOGY_GRAPH, PREFIXES

STANCE_TITLES = {
    "supports": "Supporting findings",
    "qualifies": "Qualifying findings",
    "disagreesWith": "Disagreeing findings",
}

LINK_TITLES = {
    "cooccursWith": "co-occurs with",
    "correspondsTo": "corresponds to",
    "counterpartOf": "counterpart of",
    "intersectsWith": "intersects with",
    "contrastsWith": "contrasts with",
    "associatedWith": "associated with",
    "related": "related to",
}



def _default_query() -> str:
    """The query page's opening text, without its header comment."""
    text = resources.sparql("serve/default-query")
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


#: the only IRIs that become links in a page (the query page's script applies the same rule)
_LINKABLE = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    text: str
    parameters: tuple[str, ...] = ()


class Pages:
    """Renders every HTML page of the endpoint."""

    def __init__(self, store: GraphStore, *, href: Callable[[str], str | None] | None = None,
                 root: str = "/", static: str = "/_static/", site: bool = False,
                 lang: str = "en") -> None:
        self.store = store
        self.lang = lang
        self.env = Environment(
            loader=PackageLoader("cryonto.serve", "templates"),
            autoescape=True,  # every template is HTML; data text is never markup
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["href"] = href or self.href
        self.env.filters["curie"] = curie
        self.env.globals["label_of"] = lambda iri, lang=None: self.label_of(iri, lang or
                                                                            self.lang)
        self.env.globals.update(BASE=BASE, root=root, static=static, site=site, lang=lang)
        self._system: CategorySystem | None = None
        self._lock = threading.Lock()

    # -- data -------------------------------------------------------------------
    def system(self) -> CategorySystem:
        """The category system in the store's ontology graph (built once)."""
        with self._lock:
            if self._system is None:
                ontology = GraphStore()
                ontology.add(self.store.quads(graph=ONTOLOGY_GRAPH))
                self._system = build_category_system(ontology)
            return self._system

    def concept(self, iri: str) -> Concept | None:
        return self.system().get(iri)

    def label_of(self, iri: str, lang: str = "en") -> str:
        """A concept's "A1.1 Protest crying", else the best label in the store, else a CURIE."""
        concept = self.concept(iri)
        if concept is not None:
            text = concept.label(lang)
            return f"{concept.notation} {text}" if concept.notation else text
        node = NamedNode(iri)
        found: dict[str, str] = {}
        for predicate in ("http://www.w3.org/2004/02/skos/core#prefLabel",
                          "http://www.w3.org/2000/01/rdf-schema#label",
                          "http://purl.org/dc/terms/title"):
            for quad in self.store.quads(node, NamedNode(predicate)):
                if isinstance(quad.object, Literal):
                    found.setdefault(quad.object.language or "", quad.object.value)
            if found:
                return found.get(lang) or found.get("en") or found.get("") or next(
                    iter(found.values()))
        return curie(iri)

    @staticmethod
    def href(iri: str) -> str | None:
        """Where a link to `iri` goes: this server for cryonto IRIs, else the IRI itself
        if it is http(s); None (shown as text, not a link) for anything else.

        Data files are not trusted: a ``javascript:`` or ``data:`` IRI must not
        become a link, and a local path must not start ``//`` or ``/\\``, which
        browsers read as another host.
        """
        local = local_path(iri)
        if local is not None and not local.startswith(("//", "/\\")):
            return local
        return iri if _LINKABLE.match(iri) else None

    # -- pages ------------------------------------------------------------------
    def index(self, named: Iterable[NamedQuery] = (), query: str | None = None) -> str:
        system = self.system()
        return self.env.get_template("index.html").render(
            title="Query", tree=system.tree() if len(system) else [],
            named=list(named), query=query or _default_query(), prefixes=PREFIXES)

    def concept_page(self, concept: Concept, formats: list[tuple[str, str]] | None = None,
                     extras: Mapping[str, object] | None = None) -> str:
        """A category's page; `extras` (the site's) adds ``bases`` (link type and other IRI
        -> basis label), ``notes`` (scope notes) and ``mappings`` (property, IRI)."""
        system = self.system()
        by_stance = [(STANCE_TITLES[s], concept.findings_by_stance(s)) for s in STANCES]
        links = sorted(concept.links, key=lambda link: (
            link.type, _notation_of(system, link.other), link.other))
        return self.env.get_template("concept.html").render(
            title=f"{concept.notation or ''} {concept.label(self.lang)}".strip(),
            c=concept, broader=[system.get(i) or i for i in concept.broader],
            narrower=system.children(concept), links=links, link_titles=LINK_TITLES,
            findings=[(t, f) for t, f in by_stance if f],
            user_findings=self.user_findings(concept.iri),
            formats=formats if formats is not None else _formats(concept.iri),
            **dict(extras or {}))

    def user_findings(self, iri: str) -> list[dict[str, Value]]:
        """The user's own findings on this category in the served data (marked as such)."""
        return self.store.select(resources.sparql("serve/user-findings"),
                                 {"about": NamedNode(iri)}).dicts()

    def render(self, template: str, **context: object) -> str:
        """Any other template of the set (the site's index, properties, literature pages)."""
        return self.env.get_template(template).render(**context)

    def scheme_page(self, iri: str) -> str:
        system = self.system()
        return self.env.get_template("scheme.html").render(
            title=self.label_of(iri), iri=iri, tree=system.tree(), formats=_formats(iri))

    def resource_page(self, iri: str, triples: list[Triple]) -> str:
        node = NamedNode(iri)
        rows: dict[str, list] = {}
        for t in triples:
            if t.subject == node:
                rows.setdefault(t.predicate.value, []).append(t.object)
        blank: dict[BlankNode, list] = {}
        for t in triples:
            if isinstance(t.subject, BlankNode):
                blank.setdefault(t.subject, []).append((t.predicate.value, t.object))
        properties = [(p, sorted(objects, key=_object_key)) for p, objects in
                      sorted(rows.items(), key=lambda item: (
                          item[0] != "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                          curie(item[0])))]
        return self.env.get_template("resource.html").render(
            title=self.label_of(iri), iri=iri, properties=properties, blank=blank,
            formats=_formats(iri), is_iri=lambda o: isinstance(o, NamedNode),
            is_blank=lambda o: isinstance(o, BlankNode),
            is_literal=lambda o: isinstance(o, Literal))

    def error_page(self, status: int, message: str) -> str:
        return self.env.get_template("error.html").render(
            title=f"{status}", status=status, message=message)


def _notation_of(system: CategorySystem, iri: str) -> tuple:
    from cryonto.category import notation_key

    concept = system.get(iri)
    return notation_key(concept.notation if concept else None)


def _object_key(term: object) -> tuple:
    if isinstance(term, Literal):
        return (1, term.language or "", term.value)
    return (0, "", getattr(term, "value", str(term)))


def _formats(iri: str) -> list[tuple[str, str]]:
    path = Pages.href(iri) or ""
    if not path.startswith("/"):
        path = ""  # "?format=…" stays on this page
    return [(name, f"{path}?format={key}") for name, key in (
        ("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdf"))]


def named_queries(store: GraphStore | None = None) -> list[NamedQuery]:
    """The query library (`cryonto.queries`), each text with its default parameters bound.

    Given the served store, a counting query is shown as `cryonto query --store` runs it:
    its variant over the derived counts when the store has them, so the page's Run button
    answers in tenths of a second instead of joining every segment. A query whose text
    cannot be prepared is shown as written; a broken library must not take the query page
    down.
    """
    try:
        from cryonto import queries
    except ImportError:  # pragma: no cover - the library ships with the package
        return []
    out = []
    try:
        infos = queries.list_queries()
    except Exception:
        return []
    for info in infos:
        try:
            chosen = (queries.derived_variant(info.name, store) if store is not None
                      else info.name)
            _, text, _ = queries.prepare(chosen)
        except Exception:
            try:
                text = queries.load_query(info.name).text
            except Exception:
                continue
        out.append(NamedQuery(info.name, info.title or info.name, text,
                              tuple(p.name for p in info.params)))
    return out


__all__ = ["NamedQuery", "Pages", "named_queries"]
