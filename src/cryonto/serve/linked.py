"""Linked data: what the server says about one IRI, and about itself.

`describe` gives the Concise Bounded Description of a resource (every triple
with it as subject, followed through blank nodes) plus the labels, notations
and titles of the resources it points to, so a client can show names without
a second request. Incoming triples are left out on purpose: a category may be
the body of 10^4 coded segments.

`service_description` is the SPARQL 1.1 Service Description of the endpoint.
"""

from __future__ import annotations

from collections.abc import Collection

from cryonto import resources
from cryonto.rdf import BlankNode, GraphStore, Literal, NamedNode, Triple, is_iri
from cryonto.serve import negotiation
from cryonto.vocab import BASE, DCTERMS, RDF, RDFS, SKOS

LABEL_PREDICATES = tuple(NamedNode(str(p)) for p in (
    RDFS.label, SKOS.prefLabel, SKOS.notation, DCTERMS.title))

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"

#: w3.org/ns/formats IRIs of what the endpoint can answer in
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle",
    "nt": "N-Triples",
    "jsonld": "JSON-LD",
    "rdf": "RDF_XML",
}


def sparql_text(name: str) -> str:
    """A query the endpoint runs itself (``queries/serve/<name>.rq``)."""
    return resources.sparql(f"serve/{name}")


def local_path(iri: str) -> str | None:
    """The path this server answers a cryonto IRI at (``/ProtestCrying``), or None."""
    if iri.startswith(BASE) and len(iri) > len(BASE):
        return "/" + iri[len(BASE):]
    return None


def resource_iris(path: str, raw_path: str) -> list[str]:
    """Candidate IRIs for a request path (as sent, then percent-decoded).

    A path that makes no valid IRI (``/a%20b``, ``/%7Bx%7D``) gives no
    candidate, so it is a 404 like any unknown resource.
    """
    out = []
    for p in (raw_path, path):
        tail = p.lstrip("/")
        if tail and BASE + tail not in out and is_iri(BASE + tail):
            out.append(BASE + tail)
    return out


def notation_target(notations: dict[str, str], path: str,
                    suffixes: Collection[str] = ()) -> str | None:
    """The local path of the concept a bare notation names (``/A1.1`` -> ``/ProtestCrying``).

    `notations` maps notation -> concept IRI; the match is exact (notations are
    case-sensitive). A format suffix in `suffixes` is kept: ``/A1.1.ttl`` ->
    ``/ProtestCrying.ttl``. None when the path is no notation.
    """
    tail = path.lstrip("/")
    stem, dot, suffix = tail.rpartition(".")
    tries = [(tail, "")]
    if dot and f".{suffix}" in suffixes:
        tries.append((stem, f".{suffix}"))
    for notation, ending in tries:
        iri = notations.get(notation)
        target = local_path(iri) if iri else None
        if target:
            return target + ending
    return None


def exists(store: GraphStore, iri: str) -> bool:
    node = NamedNode(iri)
    for _ in store.quads(node):
        return True
    for _ in store.quads(None, None, node):
        return True
    return False


def describe(store: GraphStore, iri: str) -> list[Triple]:
    """The CBD of `iri` over all graphs, plus labels of the resources it links to."""
    triples: dict[Triple, None] = {}
    seen: set = set()
    queue: list = [NamedNode(iri)]
    while queue:
        subject = queue.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in store.quads(subject):
            triples.setdefault(Triple(quad.subject, quad.predicate, quad.object), None)
            if isinstance(quad.object, BlankNode):
                queue.append(quad.object)
    linked = {t.object for t in triples if isinstance(t.object, NamedNode)}
    linked.discard(NamedNode(iri))
    for other in sorted(linked, key=lambda n: n.value):
        for predicate in LABEL_PREDICATES:
            for quad in store.quads(other, predicate):
                triples.setdefault(Triple(quad.subject, quad.predicate, quad.object), None)
    return list(triples)


def graph_sizes(store: GraphStore) -> list[tuple[str, int]]:
    result = store.select(sparql_text("graph-sizes"))
    return [(str(g.value), int(n.value)) for g, n in result.rows
            if g is not None and n is not None]  # both always bound by the query


def service_description(endpoint: str, sizes: list[tuple[str, int]],
                        total: int) -> list[Triple]:
    """SPARQL 1.1 Service Description of the endpoint at `endpoint`."""
    sd = lambda local: NamedNode(SD + local)  # noqa: E731
    rdf_type = NamedNode(str(RDF.type))
    service = NamedNode(endpoint)
    out = [
        Triple(service, rdf_type, sd("Service")),
        Triple(service, sd("endpoint"), service),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultEntailmentRegime"),
                  NamedNode("http://www.w3.org/ns/entailment/Simple")),
        Triple(service, NamedNode(str(DCTERMS.title)),
                  Literal("cryonto SPARQL endpoint (read-only)", language="en")),
        Triple(service, NamedNode(str(DCTERMS.description)), Literal(
            "Read-only SPARQL 1.1 Protocol endpoint over the cryonto ontology (crying in "
            "psychotherapy category system) and the loaded coded data. Updates, SERVICE "
            "and FROM naming graphs that are not loaded are refused.", language="en")),
    ]
    for offer in (*negotiation.SELECT_FORMATS, *negotiation.GRAPH_FORMATS):
        out.append(Triple(service, sd("resultFormat"),
                             NamedNode(FORMATS + _FORMAT_IRIS[offer.key])))
    dataset = BlankNode()
    default = BlankNode()
    out += [
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, rdf_type, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, rdf_type, sd("Graph")),
        Triple(default, NamedNode(VOID + "triples"), _integer(total)),
    ]
    for name, size in sizes:
        named, graph = BlankNode(), BlankNode()
        out += [
            Triple(dataset, sd("namedGraph"), named),
            Triple(named, rdf_type, sd("NamedGraph")),
            Triple(named, sd("name"), NamedNode(name)),
            Triple(named, sd("graph"), graph),
            Triple(graph, rdf_type, sd("Graph")),
            Triple(graph, NamedNode(VOID + "triples"), _integer(size)),
        ]
    return out


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


SD_PREFIXES = {"sd": SD, "void": VOID, "formats": FORMATS, "dcterms": str(DCTERMS)}
