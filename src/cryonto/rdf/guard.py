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

The text judged is the text that runs. rdflib expands ``\\u``/``\\U`` escapes in
the whole text before parsing (SPARQL 1.1 §19.2); Oxigraph expands them only
inside strings and IRIs, and ends a ``#`` comment at a carriage return where
rdflib reads on to the line feed. Either difference let a SERVICE hide from
the guard in a comment or string. So `check` expands the escapes once, as the
specification says, refuses a text in which an escape survives that (rdflib
would expand it a second time) or which has a carriage return not followed by
a line feed, and returns the expanded text: callers run `CheckedQuery.text`,
never the text they were given. `check_query` (the form only) refuses a text
that `check` would change, so a caller that runs its own text is safe too.

Words inside strings, IRIs and comments are not keywords and are never
refused: the check works on the parse tree, not on the text. A text the
grammar cannot parse is refused too, because it cannot be checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from cryonto.errors import QueryRefused
from cryonto.forklock import ForkSafeLock

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

# pyparsing keeps global state (packrat cache); the HTTP endpoint calls from threads, and
# forks its workers (a fork waits for the lock, and the child gets its own: forklock)
_PARSE_LOCK = ForkSafeLock()


#: a code point escape as SPARQL 1.1 §19.2 defines it
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
#: what rdflib's parser would still expand (``\\u`` or ``\\U`` and 4 or 8 hex digits)
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", re.IGNORECASE)
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass(frozen=True)
class CheckedQuery:
    """A query the guard let through: the exact `text` to run, and its `form`."""

    text: str
    form: str


def expand_escapes(sparql: str) -> str:
    """`sparql` with ``\\uXXXX`` / ``\\UXXXXXXXX`` replaced by their characters, once.

    Refuses a text where an escape names no character, where an escape is left
    after the one pass (``\\u005Cu0053`` would become SERVICE in a second pass), or
    where a carriage return is not followed by a line feed (it ends a comment
    for Oxigraph but not for rdflib).
    """

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRefused(f"query refused: {match.group()} is not a character")
        return chr(code)

    expanded = _ESCAPE.sub(expand, sparql)
    left = _RDFLIB_ESCAPE.search(expanded)
    if left:
        raise QueryRefused(f"query refused: the escape {left.group()} is left after expanding "
                           "escapes once (SPARQL 1.1 §19.2); write the character itself")
    if _LONE_CR.search(expanded):
        raise QueryRefused("query refused: a carriage return without a line feed (SPARQL "
                           "parsers disagree where such a line ends); use LF or CRLF line ends")
    return expanded


def check(sparql: str, *, allowed_graphs: Collection[str] = ()) -> CheckedQuery:
    """The text to run and the form of a safe query; `QueryRefused` otherwise.

    Refused, with a one-line reason: a text that is not exactly one query, an
    update, SERVICE, FROM / FROM NAMED naming a graph not in `allowed_graphs`,
    and texts the parsers could read differently (see `expand_escapes`).
    """
    if not isinstance(sparql, str):
        raise QueryRefused("the query must be text")
    if len(sparql) > MAX_QUERY_LENGTH:
        raise QueryRefused(f"query refused: longer than {MAX_QUERY_LENGTH} characters")
    text = expand_escapes(sparql)
    return CheckedQuery(text, _judge(text, allowed_graphs))


def check_query(sparql: str, *, allowed_graphs: Collection[str] = ()) -> str:
    """The query form ('SELECT', 'ASK', 'CONSTRUCT', 'DESCRIBE') of a safe query.

    As `check`, and also refused when the text has ``\\u`` escapes: a caller
    that gets only the form runs its own text, which must then be the text
    judged. Use `check` to run a text with escapes (it returns the expanded text).
    """
    checked = check(sparql, allowed_graphs=allowed_graphs)
    if checked.text != sparql:
        raise QueryRefused("query refused: it has \\u escapes; run the text "
                           "cryonto.rdf.guard.check returns (escapes expanded) instead")
    return checked.form


def _judge(sparql: str, allowed_graphs: Collection[str]) -> str:
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


def _parse_query(sparql: str) -> Any:
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


def _requests(parsed: Any) -> list[Any]:
    try:
        requests = parsed.get("request", [])
    except Exception:  # pragma: no cover - defensive: unexpected tree shape
        return []
    return list(requests) if isinstance(requests, list | tuple) or hasattr(
        requests, "asList") else []


def _nodes(tree: Any) -> Iterator[Any]:
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


def _resolver(prologue: Any) -> Callable[[Any], str | None]:
    """A function giving the absolute IRI string of a parse-tree IRI (prefixes, BASE)."""
    from rdflib.plugins.sparql.algebra import translatePrologue

    try:
        resolved = translatePrologue(prologue, None)
    except Exception as error:
        raise QueryRefused(f"not a valid SPARQL query: {_first_line(error)}") from None

    def resolve(term: Any) -> str | None:
        try:
            value = resolved.absolutize(term)
        except Exception:
            return None
        return str(value) if value is not None and not hasattr(value, "name") else None

    return resolve


def _show(resolve: Callable[[Any], str | None], term: Any) -> str:
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
