"""Running compiled constraints on the store, and the pySHACL bridge for the rest."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import rdflib

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import BlankNode, GraphStore, NamedNode, to_term
from cryonto.shacl.compile import CompiledConstraint, top_level_shapes
from cryonto.shacl.paths import simplify_path, sparql_path
from cryonto.shacl.table import Batch, Pool, Result, ResultTable
from cryonto.shacl.terms import RDF_NS, SH, SH_NS, Term, Unsupported, node_id, plain


def store_subclasses(store: GraphStore) -> Callable[[str], list[str]]:
    """A resolver of proper subclasses (rdfs:subClassOf+) in a store, for `compile_shapes`."""
    cache: dict[str, list[str]] = {}
    query = resources.sparql("shacl/subclasses")

    def resolve(cls: str) -> list[str]:
        if cls not in cache:
            found = [row[0] for row in store.select(query, {"class": NamedNode(cls)})]
            named = [c for c in found if isinstance(c, NamedNode)]
            if len(named) != len(found):
                raise Unsupported("blank-node subclass")
            cache[cls] = sorted(c.value for c in named)
        return cache[cls]

    return resolve


_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _format_message(template: str, bindings: dict[str, Term]) -> str:
    def repl(match: re.Match) -> str:
        term = bindings.get(match.group(1))
        return match.group(0) if term is None else plain(term)

    return _TEMPLATE.sub(repl, template)


#: constraint queries run at once: the engine releases the GIL while it evaluates, so on
#: two free cores the 49 scans of the core profile take about half the wall time
WORKERS = min(2, os.cpu_count() or 1)

#: on disk, one query at a time: the engine holds about 1 KB per answer row while it evaluates
#: a join there (1.2x10^6 rows of `SegmentCreatedPresent`: over 1.5 GB), and the on-disk path
#: is the one that keeps memory bounded
DISK_WORKERS = 1


def run_compiled(store: GraphStore, compiled: Sequence[CompiledConstraint],
                 workers: int | None = None) -> list[Result]:
    """Every constraint's results, in the order of `compiled` (whatever ran first)."""
    table = ResultTable()
    collect(store, compiled, table, workers)
    return list(table)


def collect(store: GraphStore, compiled: Sequence[CompiledConstraint], table: ResultTable,
            workers: int | None = None) -> None:
    """Every constraint's results into `table`, in the order of `compiled`: each answer is
    read row by row into ints, never held whole (10^6 rows of engine terms would be GBs)."""
    if workers is None:
        workers = DISK_WORKERS if store.on_disk else WORKERS
    if workers <= 1 or len(compiled) <= 1:
        for c in compiled:
            table.append(_run_one(store, c, table))
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(lambda c: _run_one(store, c, table), compiled):
            table.append(batch)


def _run_one(store: GraphStore, c: CompiledConstraint, table: ResultTable) -> Batch:
    answer = store.stream(c.sparql)
    names = answer.variables
    shape_id = node_id(c.shape)
    if c.component != SH + "SPARQLConstraintComponent":
        batch = table.batch((c.severity, shape_id, None, c.component))
        message = c.messages[0] if c.messages else _generic_message(c)
        this = names.index("this")
        at_value = names.index("value") if "value" in names else None
        for row in answer.items:
            focus = row[this]
            if focus is None:  # pragma: no cover - the query's WHERE clause binds it
                raise ValueError("?this unbound")
            batch.add(focus, c.path, None if at_value is None else row[at_value], message)
        return batch
    constraint_id = node_id(c.constraint) if c.constraint is not None else None
    batch = table.batch((c.severity, shape_id, constraint_id, c.component))
    templates = c.sparql_messages or c.messages or ["SPARQL constraint failed"]
    # a row seen before (every binding the same term) is dropped: its key is one int made of
    # the terms' numbers, far smaller than the terms' text at 10^6 rows
    seen: set[int] = set()
    others: Pool[Term] = Pool()  # terms of variables other than $this and ?value
    terms = table.terms
    for row in answer.items:
        bindings = {n: term for n, term in zip(names, row, strict=True) if term is not None}
        if "failure" in bindings:
            continue
        focus = bindings.get("this")
        if focus is None:
            continue
        dedup = 0
        for n, term in zip(names, row, strict=True):
            number = 0 if term is None else 1 + (
                terms.id(term) if n in ("this", "value") else others.id(term))
            dedup = (dedup << 32) | number
        if dedup in seen:
            continue
        seen.add(dedup)
        value = bindings.get("value")
        if value is None and not c.is_property:
            value = focus
        path_term = bindings.get("path")
        path = (simplify_path(str(path_term)) if isinstance(path_term, NamedNode)
                else c.path)
        batch.add(focus, path, value, _format_message(templates[0], bindings))
    return batch


def _generic_message(c: CompiledConstraint) -> str:
    name = c.component[len(SH):].replace("ConstraintComponent", "")
    return f"{name} constraint not met" + (f" on {c.path}" if c.path else "")


def _fallback_shapes_graph(g: rdflib.Graph, keep: Sequence[rdflib.term.Node]) -> rdflib.Graph:
    """A copy of the shapes with every top-level shape but `keep` deactivated."""
    copy = rdflib.Graph()
    for triple in g:
        copy.add(triple)
    keep_set = set(keep)
    for shape in top_level_shapes(g):
        if shape not in keep_set:
            copy.add((shape, SH_NS.deactivated, rdflib.Literal(True)))
    return copy


def run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Result]:
    """Plain pySHACL on `data`; its report graph read back as Results."""
    import pyshacl

    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    return results_from_report_graph(report)


def results_from_report_graph(report: rdflib.Graph) -> list[Result]:
    results = []
    for node in report.subjects(RDF_NS.type, SH_NS.ValidationResult):
        focus = to_engine_term(_one(report, node, SH_NS.focusNode))
        path_node = report.value(node, SH_NS.resultPath)
        value = report.value(node, SH_NS.value)
        messages = sorted(str(m) for m in report.objects(node, SH_NS.resultMessage))
        constraint = report.value(node, SH_NS.sourceConstraint)
        results.append(Result(
            focus=focus,
            path=simplify_path(sparql_path(report, path_node)) if path_node is not None else None,
            value=to_engine_term(value) if value is not None else None,
            shape=node_id(_one(report, node, SH_NS.sourceShape)),
            component=str(report.value(node, SH_NS.sourceConstraintComponent)),
            severity=str(report.value(node, SH_NS.resultSeverity)),
            message=messages[0] if messages else "",
            constraint=node_id(constraint) if constraint is not None else None,
        ))
    return results


def _one(graph: rdflib.Graph, node: rdflib.term.Node, predicate: rdflib.term.Node
         ) -> rdflib.term.Node:
    """A value every sh:ValidationResult has (focus node, source shape)."""
    value = graph.value(node, predicate)
    if value is None:
        raise CryontoError(f"pySHACL's report has a result without {predicate}")
    return value


def to_engine_term(term: rdflib.term.Node) -> Term:
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    return to_term(term)
