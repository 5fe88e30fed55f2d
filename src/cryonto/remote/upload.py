"""`cryonto push`: upload the ontology and coded data to a SPARQL store, then count what arrived.

`push` uploads the ontology (into its own graph, always replaced) and coded data
(into ``graph``) in N-Triples batches, by the SPARQL 1.1 Graph Store Protocol or,
for a store without it, by SPARQL Update ``INSERT DATA``; afterwards it counts
the triples in each graph and compares with what was sent. Blank nodes never
straddle two batches (each request has its own blank-node scope), so structures
such as RDF lists arrive whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryonto import resources
from cryonto.errors import CryontoError, RemoteError
from cryonto.rdf import BlankNode, GraphStore, NamedNode, Triple, ntriples_bytes
from cryonto.remote.client import RemoteEndpoint
from cryonto.remote.gsp import GraphStoreClient, derive_gsp_url
from cryonto.vocab import BASE, ONTOLOGY_GRAPH

#: where `cryonto push` puts coded data unless told otherwise
DEFAULT_DATA_GRAPH = BASE + "graph/data"


@dataclass
class GraphUpload:
    graph: str
    sent: int
    before: int
    after: int
    replaced: bool
    batches: int

    @property
    def ok(self) -> bool:
        if self.replaced or self.before == 0:
            return self.after == self.sent
        return self.after >= self.sent


@dataclass
class PushReport:
    method: str  # "graph store protocol" | "sparql update"
    target: str  # the URL the triples went to
    uploads: list[GraphUpload] = field(default_factory=list)
    #: set when the store's default graph does not see the pushed data (see
    #: `RemoteEndpoint.default_graph_hint`): the library queries would find nothing
    hint: str | None = None

    @property
    def sent(self) -> int:
        return sum(u.sent for u in self.uploads)


def batches(triples: Sequence[Triple], size: int) -> Iterator[list[Triple]]:
    """Triples in chunks of about `size`; triples sharing a blank node stay together."""
    if size < 1:
        raise CryontoError("the batch size must be at least 1")
    plain: list[Triple] = []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with_blank: list[tuple[str, Triple]] = []
    for triple in triples:
        blanks = [t.value for t in (triple.subject, triple.object) if isinstance(t, BlankNode)]
        if not blanks:
            plain.append(triple)
            continue
        root = find(blanks[0])
        for other in blanks[1:]:
            other_root = find(other)
            if other_root != root:
                parent[other_root] = root
        with_blank.append((blanks[0], triple))
    groups: dict[str, list[Triple]] = {}
    for blank, triple in with_blank:
        groups.setdefault(find(blank), []).append(triple)

    chunk: list[Triple] = []
    for triple in plain:
        chunk.append(triple)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def collect(files: Iterable[Path | str], *, ontology: bool = True
            ) -> tuple[list[Triple], list[Triple]]:
    """(ontology triples, data triples) to upload; data from all files, without duplicates."""
    store = GraphStore.with_ontology(files) if ontology else GraphStore()
    if not ontology:
        for path in files:
            store.load_file(path)
    onto_graph = NamedNode(str(ONTOLOGY_GRAPH))
    onto: list[Triple] = []
    data: dict[Triple, None] = {}
    for quad in store.quads():
        triple = Triple(quad.subject, quad.predicate, quad.object)
        if quad.graph_name == onto_graph:
            onto.append(triple)
        else:
            data[triple] = None
    return onto, list(data)


def push(
    files: Sequence[Path | str],
    *,
    endpoint: str,
    graph: str = DEFAULT_DATA_GRAPH,
    replace: bool = False,
    batch_size: int = 50_000,
    update_endpoint: str | None = None,
    gsp: str | None = None,
    user: str | None = None,
    password: str | None = None,
    ontology: bool = True,
    timeout: float = 60,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[str, str, int], None] | None = None,
) -> PushReport:
    """Upload the ontology and the data files to a SPARQL store, then count what arrived.

    `on_start(method, target_url, total_triples)` is called before anything is
    sent; `progress(n)` after each batch of n triples. Raises `RemoteError` when
    the store cannot be reached, refuses a batch, or the count check fails.
    """
    remote = RemoteEndpoint(endpoint, timeout=timeout, user=user, password=password,
                            update_url=update_endpoint)
    try:
        if ":" not in graph:
            raise ValueError(graph)
        _iri_term(graph)
    except ValueError:
        raise CryontoError(f"the graph must be an absolute IRI, not {graph!r}") from None
    onto, data = collect(files, ontology=ontology)
    plans = ([(str(ONTOLOGY_GRAPH), onto, True)] if ontology else []) + [(graph, data, replace)]
    total = sum(len(t) for _, t, _ in plans)

    client: GraphStoreClient | None
    if update_endpoint:
        method, target = "sparql update", remote.update_url or update_endpoint
        client = None
    else:
        gsp_url = gsp or derive_gsp_url(endpoint, auth=user is not None)
        if gsp_url is None:
            raise RemoteError(f"cannot tell the Graph Store Protocol URL of {endpoint}; "
                              "give --gsp URL or --update-endpoint URL")
        method, target = "graph store protocol", gsp_url
        client = GraphStoreClient(gsp_url, timeout=timeout, user=user, password=password)
    if on_start is not None:
        on_start(method, target, total)

    report = PushReport(method, target)
    for graph_iri, triples, replace_graph in plans:
        before = 0 if replace_graph else remote.count_triples(graph_iri)
        count = 0
        if client is not None:
            first = True
            for chunk in batches(triples, batch_size):
                client.send(graph_iri, ntriples_bytes(chunk), replace=replace_graph and first)
                first = False
                count += 1
                if progress:
                    progress(len(chunk))
            if first and replace_graph:  # nothing to send: still replace (empty) the graph
                client.send(graph_iri, b"", replace=True)
        else:
            if replace_graph:
                remote.update(_update_text("remote/drop-graph", graph=graph_iri), "DROP")
            for chunk in batches(triples, batch_size):
                body = ntriples_bytes(chunk).decode("utf-8")
                remote.update(_update_text("remote/insert-data", graph=graph_iri, triples=body))
                count += 1
                if progress:
                    progress(len(chunk))
        after = remote.count_triples(graph_iri)
        upload = GraphUpload(graph_iri, len(triples), before, after, replace_graph, count)
        report.uploads.append(upload)
        if not upload.ok:
            expected = (f"{upload.sent}" if replace_graph or before == 0
                        else f"at least {upload.sent}")
            raise RemoteError(f"count check failed for graph <{graph_iri}>: sent {upload.sent} "
                              f"triples, the store holds {after} (expected {expected})")
    sample = next((g for g, triples, _ in reversed(plans) if triples), None)
    if sample is not None:
        report.hint = remote.default_graph_hint(sample)
    return report


# -- update texts -----------------------------------------------------------------

_SLOT = re.compile(r"\{(graph|triples)\}")


def _iri_term(iri: str) -> str:
    """An IRI (it comes from the user) as an N-Triples term ``<…>``, checked to be one.

    The engine's `NamedNode` refuses anything an IRI cannot hold (spaces, ``<``, ``>``,
    quotes, braces …), and its N-Triples form escapes nothing further, so the text
    between the brackets cannot end the IRI early or add SPARQL of its own.
    """
    return str(NamedNode(iri))  # raises ValueError for what is not an IRI


def _update_text(name: str, *, graph: str, triples: str = "") -> str:
    """The internal update ``queries/<name>.rq`` with its slots filled.

    SPARQL Update has no way to bind an IRI from outside (VALUES binds only in a WHERE
    clause, and DROP or INSERT DATA have none), so the graph slot takes the checked
    N-Triples term of `_iri_term`, and the triples slot an N-Triples document the
    engine serialized. Each slot is filled in one pass over the template, never in
    text already filled in.
    """
    values = {"graph": _iri_term(graph), "triples": triples}
    return _SLOT.sub(lambda match: values[match.group(1)], resources.sparql(name))
