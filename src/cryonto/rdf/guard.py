"""What a SPARQL text may not do, checked on the parsed query.

Coded segments are clinical material. Everything that runs SPARQL for a user
(``cryonto query``, the API's ``run_query``, the HTTP endpoint) first calls
`check_query`, which parses the text with rdflib's SPARQL grammar and walks
the parse tree. It refuses:

* anything that is not exactly one query: every update form (INSERT, DELETE,
  INSERT DATA, DELETE DATA, DELETE WHERE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE,
  COPY), several requests, or trailing text;
* ``SERVICE`` (federated query: pyoxigraph's Rust HTTP client would contact the
  named host, and Python audit hooks do not see it);
* ``FROM`` / ``FROM NAMED`` naming a graph not in ``allowed_graphs`` (rdflib
  dereferences such IRIs, including ``file:`` IRIs, i.e. it reads local files).

Words inside strings, IRIs and comments are not keywords and are never
refused: the check works on the parse tree, not on the text. A text the
grammar cannot parse is refused too, because it cannot be checked.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator

from cryonto.errors import QueryRefused

#: parse-tree node names of the four query forms, and what `check_query` returns for them
_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

#: parse-tree node names of update operations, and the keyword a user wrote
_UPDATES = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "INSERT/DELETE",
}

#: longest query text accepted (the parser is a pure-Python recursive descent)
MAX_QUERY_LENGTH = 1_000_000

# pyparsing keeps global state (packrat cache); the HTTP endpoint calls from threads
_PARSE_LOCK = threading.Lock()


def check_query(sparql: str, *, allowed_graphs: Collection[str] = ()) -> str:
    """The query form ('SELECT', 'ASK', 'CONSTRUCT', 'DESCRIBE') of a safe query.

    Raises `QueryRefused` with a one-line reason when the text is not exactly
    one query, is an update, uses SERVICE, or names in FROM / FROM NAMED a
    graph that is not in `allowed_graphs`.
    """
    if not isinstance(sparql, str):
        raise QueryRefused("the query must be text")
    if len(sparql) > MAX_QUERY_LENGTH:
        raise QueryRefused(f"query refused: longer than {MAX_QUERY_LENGTH} characters")
    parsed = _parse_query(sparql)
    prologue, body = parsed[0], parsed[1]
    form = _FORMS.get(getattr(body, "name", ""))
    if form is None:  # pragma: no cover - the grammar only produces the four forms
        raise QueryRefused("query refused: not a SELECT, ASK, CONSTRUCT or DESCRIBE query")

    resolve = _resolver(prologue)
    allowed = {str(g) for g in allowed_graphs}
    for node in _nodes(body):
        name = node.name
        if name == "ServiceGraphPattern":
            raise QueryRefused(
                f"query refused: SERVICE {_angle(_show(resolve, dict.get(node, 'term')))} would "
                "send the query to another endpoint; federated queries are not allowed"
            )
        if name == "DatasetClause":
            for kind in ("default", "named"):
                if kind in node:
                    iri = resolve(dict.get(node, kind))
                    if iri is None or iri not in allowed:
                        keyword = "FROM" if kind == "default" else "FROM NAMED"
                        shown = iri if iri is not None else _show(resolve, dict.get(node, kind))
                        raise QueryRefused(
                            f"query refused: {keyword} <{shown}> names a graph that is not "
                            "allowed here (FROM could read files or fetch from the network); "
                            "use GRAPH patterns on the loaded data instead"
                        )
        if name in _UPDATES:  # pragma: no cover - updates cannot nest inside a query
            raise QueryRefused(f"query refused: {_UPDATES[name]} changes data")
    return form


def _parse_query(sparql: str):
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        with _PARSE_LOCK:
            return parseQuery(sparql)
    except ParseException as error:
        query_error = error
    except RecursionError:
        raise QueryRefused("query refused: nested too deeply to check") from None
    except Exception as error:  # rdflib raises plain Exceptions for some bad input
        raise QueryRefused(f"not a valid SPARQL query: {_first_line(error)}") from None

    # not one query: an update request (say so clearly) or just bad syntax
    operations = _update_operations(sparql)
    if operations:
        shown = ", ".join(dict.fromkeys(operations))
        raise QueryRefused(
            f"query refused: this is a SPARQL update ({shown}); only SELECT, ASK, "
            "CONSTRUCT and DESCRIBE queries may run here"
        )
    raise QueryRefused(
        f"not a single valid SPARQL query: {_first_line(query_error)}") from None


def _update_operations(sparql: str) -> list[str]:
    """The update operations in `sparql` if it parses as an update, else []."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        with _PARSE_LOCK:
            parsed = parseUpdate(sparql)
    except Exception:  # not an update either (RecursionError included)
        return []
    names = [getattr(op, "name", None) for op in _requests(parsed)]
    return [_UPDATES.get(name, name.upper()) for name in names if isinstance(name, str)]


def _requests(parsed) -> list:
    try:
        requests = parsed.get("request", [])
    except Exception:  # pragma: no cover - defensive: unexpected tree shape
        return []
    return list(requests) if isinstance(requests, list | tuple) or hasattr(
        requests, "asList") else []


def _nodes(tree) -> Iterator:
    """Every CompValue (named parse-tree node) under `tree`, depth first."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(dict.values(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))


def _resolver(prologue):
    """A function giving the absolute IRI string of a parse-tree IRI (prefixes, BASE)."""
    from rdflib.plugins.sparql.algebra import translatePrologue

    try:
        resolved = translatePrologue(prologue, None)
    except Exception as error:
        raise QueryRefused(f"not a valid SPARQL query: {_first_line(error)}") from None

    def resolve(term) -> str | None:
        try:
            value = resolved.absolutize(term)
        except Exception:
            return None
        return str(value) if value is not None and not hasattr(value, "name") else None

    return resolve


def _show(resolve, term) -> str:
    from rdflib.term import Variable

    if isinstance(term, Variable):
        return f"?{term}"
    value = resolve(term)
    if value is not None:
        return value
    prefix = getattr(term, "get", lambda _k: None)
    if prefix("prefix") is not None or prefix("localname") is not None:
        return f"{prefix('prefix') or ''}:{prefix('localname') or ''}"
    return str(term)


def _angle(shown: str) -> str:
    return shown if shown.startswith("?") else f"<{shown}>"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
