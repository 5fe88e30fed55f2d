"""Shapes compiled, generically, into one SPARQL SELECT per constraint.

Each query returns exactly the focus nodes and value nodes that violate its
constraint. A shape using a component the compiler does not know raises
`Unsupported` and is handed to pySHACL instead (see `cryonto.shacl.engine`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import rdflib
from rdflib.collection import Collection

from cryonto.rdf import to_term
from cryonto.rdf.store import where_brace
from cryonto.shacl.paths import path_pattern, simplify_path, sparql_path
from cryonto.shacl.terms import (
    RDF_NS,
    RDF_TYPE,
    RDFS_NS,
    SH,
    SH_NS,
    VIOLATION,
    XSD,
    Unsupported,
)

#: shape parameters the compiler understands (anything else -> fallback to pySHACL)
_PARAMETERS = {
    "path", "property", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "severity", "message", "deactivated", "name", "description", "order", "group",
    "minCount", "maxCount", "datatype", "class", "in", "pattern", "flags", "minInclusive",
    "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength", "lessThan",
    "lessThanOrEquals", "hasValue", "nodeKind", "sparql", "defaultValue", "or", "and", "not",
    "xone",
}


_SH_TERMS_NOT_PARAMETERS = {"NodeShape", "PropertyShape"}


_INTEGER_SUBTYPES = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1), "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}


_CASTABLE = {"integer", "decimal", "double", "float", "boolean", "dateTime", "date", "time",
             "string"}


@dataclass
class CompiledConstraint:
    shape: rdflib.term.Node
    component: str
    severity: str
    messages: list[str]
    path: str | None
    sparql: str
    is_property: bool
    constraint: rdflib.term.Node | None = None  # the sh:sparql node
    sparql_messages: list[str] = field(default_factory=list)


@dataclass
class CompiledShapes:
    constraints: list[CompiledConstraint]
    fallback: list[rdflib.term.Node]  # top-level shapes handed to pySHACL
    shapes: rdflib.Graph


def _n3(term: rdflib.term.Node) -> str:
    """A term as SPARQL/N-Triples text (pyoxigraph does the escaping)."""
    if isinstance(term, rdflib.BNode):
        raise Unsupported("blank node as a constraint value")
    return str(to_term(term))


def _targets(g: rdflib.Graph, shape: rdflib.term.Node, subclasses=None) -> list[str]:
    """One graph pattern binding ?this per target declaration.

    With `subclasses` (class IRI -> its proper subclasses in the data), a class target
    becomes a plain rdf:type pattern, much faster than rdf:type/rdfs:subClassOf*.
    """
    parts = []
    classes = list(g.objects(shape, SH_NS.targetClass))
    if (shape, RDF_NS.type, RDFS_NS.Class) in g or (shape, RDF_NS.type, rdflib.OWL.Class) in g:
        classes.append(shape)
    for cls in classes:
        if subclasses is None:
            parts.append(f"?this <{RDF_TYPE}>/<{RDFS_NS.subClassOf}>* {_n3(cls)} .")
            continue
        subs = subclasses(str(cls))
        if subs:
            values = " ".join(f"<{c}>" for c in [str(cls), *subs])
            parts.append(f"VALUES ?_target_class {{ {values} }} "
                         f"?this <{RDF_TYPE}> ?_target_class .")
        else:
            parts.append(f"?this <{RDF_TYPE}> {_n3(cls)} .")
    nodes = list(g.objects(shape, SH_NS.targetNode))
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_n3(n) for n in nodes) + " }")
    for prop in g.objects(shape, SH_NS.targetSubjectsOf):
        parts.append(f"?this {_n3(prop)} ?_target_o .")
    for prop in g.objects(shape, SH_NS.targetObjectsOf):
        parts.append(f"?_target_s {_n3(prop)} ?this .")
    return parts


def _target_block(parts: list[str], inline: bool = True) -> str:
    if inline and len(parts) == 1 and parts[0].startswith("?this <" + RDF_TYPE + "> "):
        return parts[0]  # one class, no subclasses: no duplicates to remove (outer DISTINCT)
    union = " UNION ".join("{ " + p + " }" for p in parts)
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def _check_parameters(g: rdflib.Graph, shape: rdflib.term.Node, nested: bool) -> None:
    for p in set(g.predicates(shape, None)):
        if isinstance(p, rdflib.URIRef) and str(p).startswith(SH):
            name = str(p)[len(SH):]
            if name not in _PARAMETERS:
                raise Unsupported(f"sh:{name}")
            if nested and name == "property":
                raise Unsupported("sh:property inside a property shape")


def _is_deactivated(g: rdflib.Graph, shape: rdflib.term.Node) -> bool:
    return any(bool(v.toPython()) if isinstance(v, rdflib.Literal) else False
               for v in g.objects(shape, SH_NS.deactivated))


def _severity(g: rdflib.Graph, shape: rdflib.term.Node) -> str:
    value = g.value(shape, SH_NS.severity)
    return str(value) if value is not None else VIOLATION


def _messages(g: rdflib.Graph, node: rdflib.term.Node) -> list[str]:
    return sorted(str(m) for m in g.objects(node, SH_NS.message))


def top_level_shapes(g: rdflib.Graph) -> list[rdflib.term.Node]:
    """Shapes that have targets (pySHACL validates exactly these, recursively)."""
    found: set[rdflib.term.Node] = set()
    for p in (SH_NS.targetClass, SH_NS.targetNode, SH_NS.targetSubjectsOf, SH_NS.targetObjectsOf):
        found.update(g.subjects(p, None))
    for cls in (SH_NS.NodeShape, SH_NS.PropertyShape):
        for shape in g.subjects(RDF_NS.type, cls):
            if ((shape, RDF_NS.type, RDFS_NS.Class) in g
                    or (shape, RDF_NS.type, rdflib.OWL.Class) in g):
                found.add(shape)
    return sorted(found, key=str)


def compile_shapes(g: rdflib.Graph, subclasses=None, *, on_disk: bool = False) -> CompiledShapes:
    """One query per constraint; `on_disk`: for pyoxigraph's on-disk store, where a
    ``sh:maxCount 1`` runs faster grouped than as a self-join (in memory the other way)."""
    constraints: list[CompiledConstraint] = []
    fallback: list[rdflib.term.Node] = []
    for shape in top_level_shapes(g):
        if _is_deactivated(g, shape):
            continue
        try:
            constraints.extend(_compile_top(g, shape, subclasses, on_disk))
        except Unsupported:
            fallback.append(shape)
    return CompiledShapes(constraints, fallback, g)


def _compile_top(g: rdflib.Graph, shape: rdflib.term.Node,
                 subclasses=None, on_disk: bool = False) -> list[CompiledConstraint]:
    targets = _targets(g, shape, subclasses)
    block = _target_block(targets)
    # SPARQL constraints are joined with the targets as a sub-select: pyoxigraph's join
    # order for an inlined rdf:type pattern plus a hand-written body can be very poor
    sub_block = _target_block(targets, inline=False)
    out: list[CompiledConstraint] = []
    is_property = g.value(shape, SH_NS.path) is not None
    _check_parameters(g, shape, nested=False)
    out.extend(_compile_shape(g, shape, block, is_property, sub_block, subclasses, on_disk))
    if not is_property:
        for prop in g.objects(shape, SH_NS.property):
            if _is_deactivated(g, prop):
                continue
            if g.value(prop, SH_NS.path) is None:
                raise Unsupported("sh:property without sh:path")
            _check_parameters(g, prop, nested=True)
            out.extend(_compile_shape(g, prop, block, True, sub_block, subclasses, on_disk))
    return out


def _compile_shape(g: rdflib.Graph, shape: rdflib.term.Node, block: str,
                   is_property: bool, sub_block: str | None = None,
                   subclasses=None, on_disk: bool = False) -> list[CompiledConstraint]:
    severity = _severity(g, shape)
    messages = _messages(g, shape)
    path_node = g.value(shape, SH_NS.path)
    if is_property and path_node is None:
        raise Unsupported("property shape without sh:path")

    def pattern(subject: str, obj: str, counter: list[int] | None = None) -> str:
        """The shape's path as a graph pattern (property shapes only)."""
        assert path_node is not None
        return path_pattern(g, path_node, subject, obj, counter)

    path = sparql_path(g, path_node) if path_node is not None and is_property else None
    values = ("{ " + pattern("?this", "?value") + " }") if is_property else "BIND (?this AS ?value)"
    out: list[CompiledConstraint] = []

    def emit(component: str, where: str, select: str = "DISTINCT ?this ?value",
             tail: str = "") -> None:
        sparql = f"SELECT {select} WHERE {{ {block} {where} }} {tail}"
        out.append(CompiledConstraint(shape, SH + component, severity, messages,
                                      simplify_path(path) if path else None, sparql,
                                      is_property))

    one = lambda p: list(g.objects(shape, SH_NS[p]))  # noqa: E731

    for v in one("minCount"):
        n = int(str(v))
        if not is_property:
            raise Unsupported("sh:minCount on a node shape")
        if n == 1:
            emit("MinCountConstraintComponent", f"MINUS {values}",
                 "DISTINCT ?this")
        elif n > 1:
            emit("MinCountConstraintComponent", f"OPTIONAL {values}", "?this",
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
    for v in one("maxCount"):
        n = int(str(v))
        if not is_property:
            raise Unsupported("sh:maxCount on a node shape")
        if n == 1 and not on_disk:  # two different values: faster than grouping (in memory)
            second = "{ " + pattern("?this", "?_value2", [100]) + " }"
            emit("MaxCountConstraintComponent",
                 f"{values} {second} FILTER (!sameTerm(?value, ?_value2))", "DISTINCT ?this")
        else:
            emit("MaxCountConstraintComponent", values, "?this",
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})")
    for component, test in _value_tests(g, shape):
        if component == "ClassConstraintComponent" and subclasses is not None:
            continue  # below, as MINUS (faster than FILTER NOT EXISTS in pyoxigraph)
        emit(component, f"{values} FILTER (!COALESCE({test}, false))")
    if subclasses is not None:
        for cls in one("class"):
            classes = [str(cls), *subclasses(str(cls))]
            typed = (f"?value <{RDF_TYPE}> <{classes[0]}>" if len(classes) == 1 else
                     "VALUES ?_class { " + " ".join(f"<{c}>" for c in classes) +
                     f" }} ?value <{RDF_TYPE}> ?_class")
            emit("ClassConstraintComponent", f"{values} MINUS {{ {typed} }}")
    for name in ("or", "and", "xone"):
        for v in one(name):
            tests = [_member_test(g, m) for m in Collection(g, v)]
            if name == "or":
                test = " || ".join(tests) or "false"
            elif name == "and":
                test = " && ".join(tests) or "true"
            else:
                test = "(" + " + ".join(f"IF({t}, 1, 0)" for t in tests) + ") = 1" if tests \
                    else "false"
            emit(name.capitalize() + "ConstraintComponent",
                 f"{values} FILTER (!COALESCE({test}, false))")
    for v in one("not"):
        emit("NotConstraintComponent", f"{values} FILTER (COALESCE({_member_test(g, v)}, true))")
    for name, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for v in one(name):
            if not isinstance(v, rdflib.URIRef):
                raise Unsupported(f"sh:{name} with a non-IRI")
            emit(name[0].upper() + name[1:] + "ConstraintComponent",
                 f"{values} ?this {_n3(v)} ?_other . "
                 f"FILTER (!COALESCE(?value {op} ?_other, false))",
                 "DISTINCT ?this ?value ?_other")
    for v in one("hasValue"):
        if is_property:
            emit("HasValueConstraintComponent",
                 "MINUS { " + pattern("?this", _n3(v)) + " }",
                 "DISTINCT ?this")
        else:
            emit("HasValueConstraintComponent", f"FILTER (!sameTerm(?this, {_n3(v)}))",
                 "DISTINCT ?this")
    for node in one("sparql"):
        compiled = _compile_sparql(g, shape, node, sub_block or block, severity, messages, path,
                                   is_property)
        if compiled is not None:
            out.append(compiled)
    return out


#: value-level components: each is a boolean SPARQL expression on ?value
_VALUE_COMPONENTS = ("datatype", "class", "in", "pattern", "minInclusive", "maxInclusive",
                     "minExclusive", "maxExclusive", "minLength", "maxLength", "nodeKind")


_NODE_KINDS = {
    "IRI": "isIRI(?value)", "BlankNode": "isBlank(?value)", "Literal": "isLiteral(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}


_LOGICAL_MEMBER_OK = {"severity", "message", "name", "description", "flags", "deactivated",
                      "hasValue", *_VALUE_COMPONENTS}


def _value_tests(g: rdflib.Graph, shape: rdflib.term.Node) -> list[tuple[str, str]]:
    """(component, expression true when ?value conforms) for the shape's value-level constraints."""
    out = []

    def comp(name: str) -> str:
        return name[0].upper() + name[1:] + "ConstraintComponent"

    for v in g.objects(shape, SH_NS.datatype):
        out.append((comp("datatype"), f"({_datatype_test(str(v))})"))
    for v in g.objects(shape, SH_NS["class"]):
        out.append((comp("class"),
                    f"EXISTS {{ ?value <{RDF_TYPE}>/<{RDFS_NS.subClassOf}>* {_n3(v)} }}"))
    for v in g.objects(shape, SH_NS["in"]):
        members = list(Collection(g, v))
        out.append((comp("in"),
                    "(" + (" || ".join(f"sameTerm(?value, {_n3(m)})" for m in members)
                           or "false") + ")"))
    flags = g.value(shape, SH_NS.flags)
    for v in g.objects(shape, SH_NS.pattern):
        flag_text = f", {_n3(rdflib.Literal(str(flags)))}" if flags is not None else ""
        out.append((comp("pattern"), f"(!isBlank(?value) && "
                    f"REGEX(STR(?value), {_n3(rdflib.Literal(str(v)))}{flag_text}))"))
    for name, op in (("minInclusive", ">="), ("maxInclusive", "<="), ("minExclusive", ">"),
                     ("maxExclusive", "<")):
        for v in g.objects(shape, SH_NS[name]):
            out.append((comp(name), f"(?value {op} {_n3(v)})"))
    for name, op in (("minLength", ">="), ("maxLength", "<=")):
        for v in g.objects(shape, SH_NS[name]):
            limit = int(str(v))
            out.append((comp(name), f"(!isBlank(?value) && STRLEN(STR(?value)) {op} {limit})"))
    for v in g.objects(shape, SH_NS.nodeKind):
        test = _NODE_KINDS.get(str(v)[len(SH):]) if str(v).startswith(SH) else None
        if test is None:
            raise Unsupported(f"sh:nodeKind {v}")
        out.append((comp("nodeKind"), test))
    return out


def _member_test(g: rdflib.Graph, member: rdflib.term.Node) -> str:
    """A member shape of sh:or/and/not/xone as one expression (value-level constraints only)."""
    for p in set(g.predicates(member, None)):
        if p == RDF_NS.type:
            continue
        name = str(p)[len(SH):] if str(p).startswith(SH) else None
        if name not in _LOGICAL_MEMBER_OK:
            raise Unsupported(f"{p} in a logical member shape")
    if _is_deactivated(g, member):
        raise Unsupported("deactivated logical member shape")
    tests = [f"COALESCE({t}, false)" for _, t in _value_tests(g, member)]
    tests += [f"sameTerm(?value, {_n3(v)})" for v in g.objects(member, SH_NS.hasValue)]
    return "(" + (" && ".join(tests) or "true") + ")"


def _datatype_test(datatype: str) -> str:
    dt = f"<{datatype}>"
    if datatype == "http://www.w3.org/2000/01/rdf-schema#Literal":
        return "isLiteral(?value)"
    if datatype == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString":
        return "isLiteral(?value) && LANG(?value) != \"\""
    if datatype.startswith(XSD):
        local = datatype[len(XSD):]
        if local in _INTEGER_SUBTYPES:
            # pyoxigraph stores every integer subtype as xsd:integer: check value and range
            low, high = _INTEGER_SUBTYPES[local]
            cast = f"<{XSD}integer>(STR(?value))"
            tests = [f"(DATATYPE(?value) = {dt} || DATATYPE(?value) = <{XSD}integer>)",
                     f"COALESCE(isLiteral({cast}), false)"]
            if low is not None:
                tests.append(f"COALESCE({cast} >= {low}, false)")
            if high is not None:
                tests.append(f"COALESCE({cast} <= {high}, false)")
            return "isLiteral(?value) && " + " && ".join(tests)
        if local in _CASTABLE:
            return (f"isLiteral(?value) && DATATYPE(?value) = {dt} && "
                    f"COALESCE(isLiteral({dt}(STR(?value))), false)")
    return f"isLiteral(?value) && DATATYPE(?value) = {dt}"


_SELECT = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?", re.IGNORECASE)


def _compile_sparql(g, shape, node, block, severity, messages, path, is_property
                    ) -> CompiledConstraint | None:
    if _is_deactivated(g, node):
        return None  # a deactivated SPARQL constraint reports nothing
    select = g.value(node, SH_NS.select)
    if select is None:
        raise Unsupported("SPARQL constraint without sh:select")
    text = str(select)
    if re.search(r"[?$](shapesGraph|currentShape)\b", text):
        raise Unsupported("$shapesGraph / $currentShape")
    if re.search(r"\bVALUES\b|\bMINUS\b|\bSERVICE\b", text, re.IGNORECASE):
        raise Unsupported("VALUES/MINUS/SERVICE in a SPARQL constraint")
    if "$PATH" in text:
        if not is_property:
            raise Unsupported("$PATH in a node shape")
        text = text.replace("$PATH", path)
    prefixes = []
    for prefixes_node in g.objects(node, SH_NS.prefixes):
        for decl in g.objects(prefixes_node, SH_NS.declare):
            prefix, namespace = g.value(decl, SH_NS.prefix), g.value(decl, SH_NS.namespace)
            if prefix is not None and namespace is not None:
                prefixes.append(f"PREFIX {prefix}: <{namespace}>")
    query = "\n".join(prefixes) + "\n" + text
    brace = where_brace(query)
    if brace is None:
        raise Unsupported("cannot find the WHERE clause")
    head = query[:brace]
    match = _SELECT.search(head)
    if match is None:
        raise Unsupported("not a SELECT")
    projection = head[match.end():]
    if "*" not in projection.split("WHERE")[0] and not re.search(r"[?$]this\b", projection):
        head = head[: match.end()] + "?this " + head[match.end():]
    query = head + "{ " + block + " " + query[brace + 1:]
    sparql_messages = _messages(g, node)
    return CompiledConstraint(shape, SH + "SPARQLConstraintComponent", severity, messages,
                              simplify_path(path) if path else None, query, is_property,
                              constraint=node, sparql_messages=sparql_messages)
