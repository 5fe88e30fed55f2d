"""SHACL property paths as SPARQL paths and graph patterns, and back to SHACL RDF."""

from __future__ import annotations

import re

import rdflib
from rdflib.collection import Collection

from cryonto.rdf import BlankNode, NamedNode
from cryonto.shacl.terms import RDF_NS, SH, SH_NS, Term, Unsupported


def term_from_text(text: str) -> NamedNode | BlankNode:
    return BlankNode(text[2:]) if text.startswith("_:") else NamedNode(text)


_PATH_TOKEN = re.compile(r"\s*(<[^>]*>|[()/|^*+?])")


def path_to_rdf(path: str, add) -> Term:
    """A SPARQL property path (as compiled) back to SHACL path RDF nodes."""
    tokens = [m.group(1) for m in _PATH_TOKEN.finditer(path)]
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def rdf_list(items: list[Term]) -> Term:
        head: Term = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
        for item in reversed(items):
            cell = BlankNode()
            add(cell, "http://www.w3.org/1999/02/22-rdf-syntax-ns#first", item)
            add(cell, "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest", head)
            head = cell
        return head

    def alternative() -> Term:
        items = [sequence()]
        while peek() == "|":
            take()
            items.append(sequence())
        if len(items) == 1:
            return items[0]
        node = BlankNode()
        add(node, SH + "alternativePath", rdf_list(items))
        return node

    def sequence() -> Term:
        items = [unary()]
        while peek() == "/":
            take()
            items.append(unary())
        return items[0] if len(items) == 1 else rdf_list(items)

    def unary() -> Term:
        if peek() == "^":
            take()
            node = BlankNode()
            add(node, SH + "inversePath", unary())
            return node
        token = take()
        if token == "(":
            inner = alternative()
            take()  # ")"
        else:
            inner = NamedNode(token[1:-1])
        mods = {"*": "zeroOrMorePath", "+": "oneOrMorePath", "?": "zeroOrOnePath"}
        while peek() in mods:
            node = BlankNode()
            add(node, SH + mods[take()], inner)
            inner = node
        return inner

    return alternative()


def sparql_path(g: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A SHACL path as a SPARQL property path."""
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    if (path, RDF_NS.first, None) in g:
        items = list(Collection(g, path))
        return "(" + "/".join(sparql_path(g, p) for p in items) + ")"
    for kind, fmt in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                      ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        inner = g.value(path, SH_NS[kind])
        if inner is not None:
            text = sparql_path(g, inner)
            if not text.startswith(("<", "(")):
                text = f"({text})"
            return fmt.format(text)
    alternatives = g.value(path, SH_NS.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(g, p) for p in Collection(g, alternatives)) + ")"
    raise Unsupported(f"unknown path form {path!r}")


def path_pattern(g: rdflib.Graph, path: rdflib.term.Node, subject: str, obj: str,
                 counter: list[int] | None = None) -> str:
    """A SHACL path as a graph pattern from `subject` to `obj` (sequences as joins, which
    pyoxigraph evaluates much faster than sequence property paths)."""
    counter = counter if counter is not None else [0]

    def fresh() -> str:
        counter[0] += 1
        return f"?_p{counter[0]}"

    if isinstance(path, rdflib.URIRef):
        return f"{subject} <{path}> {obj} ."
    if (path, RDF_NS.first, None) in g:
        items = list(Collection(g, path))
        parts, current = [], subject
        for i, item in enumerate(items):
            nxt = obj if i == len(items) - 1 else fresh()
            parts.append(path_pattern(g, item, current, nxt, counter))
            current = nxt
        return " ".join(parts)
    inverse = g.value(path, SH_NS.inversePath)
    if isinstance(inverse, rdflib.URIRef):
        return f"{obj} <{inverse}> {subject} ."
    alternatives = g.value(path, SH_NS.alternativePath)
    if alternatives is not None:
        return " UNION ".join("{ " + path_pattern(g, p, subject, obj, counter) + " }"
                              for p in Collection(g, alternatives))
    return f"{subject} {sparql_path(g, path)} {obj} ."


def simplify_path(text: str) -> str:
    """Drop the outer parentheses of a sequence/alternative so keys are stable."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, c in enumerate(text):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        return text[1:-1]
    return text
