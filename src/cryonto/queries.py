"""The query library: named SPARQL queries in ``queries/*.rq``, typed parameters, one runner.

Each library query is a ``.rq`` file whose header comment says what it is for::

    # title: Segments per category
    # question: How often was each category coded, counting its sub-categories …?
    # param: category (concept) default none — only this category
    # param: min (integer) default 1 — only pairs found at least this often

Parameter types: ``iri`` (an absolute IRI, ``<…>`` or a CURIE such as ``cry:PDT``),
``concept`` (an IRI that may also be given as a notation such as ``A1.1``, a label or a
CURIE of the category system), ``literal`` (a string), ``integer``, ``decimal`` and
``boolean``. A parameter with ``default none`` is left unbound unless given. Values
are bound with a VALUES block built from RDF terms (`cryonto.rdf.bind_values`),
never pasted into the text, and every text passes `cryonto.rdf.guard.check` before it
runs, on the embedded store and on a remote endpoint alike; what runs is the text the
guard judged (escapes expanded). On the embedded store the query is evaluated in a
child process without network access (`cryonto.sandbox`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, Literal, NamedNode, QueryResult, bind_values, graph_iri_for
from cryonto.rdf.formats import answer_bytes, answer_from_bytes
from cryonto.rdf.guard import check
from cryonto.remote.client import RemoteEndpoint
from cryonto.vocab import ONTOLOGY_GRAPH, PREFIXES, XSD

PARAM_TYPES = ("iri", "concept", "literal", "integer", "decimal", "boolean")

_HEADER = re.compile(r"^#\s*(title|question|param|description|columns)\s*:\s*(.*?)\s*$",
                     re.IGNORECASE)
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[A-Za-z]+)\)\s*"
    r"(?:default\s+(?P<default>\"[^\"]*\"|\S+))?\s*(?:[—–-]+\s*(?P<description>.*))?$"
)
_NO_DEFAULT = {"none", "-", "(none)", "unbound"}


@dataclass(frozen=True)
class Param:
    """A declared query parameter: its SPARQL variable name, type, default and meaning."""

    name: str
    type: str
    default: str | None = None
    description: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "type": self.type, "default": self.default,
                "description": self.description}


@dataclass(frozen=True)
class QueryInfo:
    """What `cryonto queries` lists about a query."""

    name: str
    title: str
    question: str
    params: tuple[Param, ...] = ()
    path: Path | None = None
    #: what the result columns mean (the header's ``# columns:`` paragraph), for a legend
    columns: str = ""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "question": self.question,
                "params": [p.as_dict() for p in self.params], "columns": self.columns}


@dataclass(frozen=True)
class Query:
    """A loaded query: its header information and its SPARQL text."""

    info: QueryInfo
    text: str

    @property
    def name(self) -> str:
        return self.info.name


# -- the library ------------------------------------------------------------------

def library_dir() -> Path:
    return resources.queries_dir()


def list_queries() -> list[QueryInfo]:
    """Every library query (top-level ``queries/*.rq``), sorted by name."""
    return [parse_header(path.read_text(encoding="utf-8"), path.stem, path)
            for path in sorted(library_dir().glob("*.rq"))]


def load_query(name_or_path: str | Path) -> Query:
    """A library query by name (``segments-per-category``) or any ``.rq`` file by path."""
    path = _find(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CryontoError(f"cannot read query: {error}", str(path)) from None
    return Query(parse_header(text, path.stem, path), text)


def _find(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    candidate = Path(text)
    looks_like_file = text.endswith(".rq") or "/" in text or "\\" in text
    if looks_like_file:
        if candidate.is_file():
            return candidate
        raise CryontoError("no such query file", text)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text):
        library = library_dir() / f"{text}.rq"
        if library.is_file():
            return library
    if candidate.is_file():
        return candidate
    import difflib

    names = [p.stem for p in sorted(library_dir().glob("*.rq"))]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; `cryonto queries` lists them"
    raise CryontoError(f"unknown query {text!r}{hint}")


def parse_header(text: str, name: str, path: Path | None = None) -> QueryInfo:
    """Title, question, parameters and the column legend from a query's leading comment
    lines; the ``# columns:`` paragraph runs on over the comment lines that follow it."""
    title = question = ""
    params: list[Param] = []
    columns: list[str] = []
    in_columns = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if not match:
            more = stripped.lstrip("#").strip()
            in_columns = in_columns and bool(more)
            if in_columns:
                columns.append(more)
            continue
        key, value = match.group(1).lower(), match.group(2)
        in_columns = key == "columns"
        if in_columns:
            columns = [value]
        elif key == "title":
            title = value
        elif key in ("question", "description") and not question:
            question = value
        elif key == "param":
            params.append(_parse_param(value, path or name))
    return QueryInfo(name=name, title=title or name, question=question, params=tuple(params),
                     path=path, columns=" ".join(columns))


def _parse_param(spec: str, where: object) -> Param:
    match = _PARAM.match(spec)
    if not match:
        raise CryontoError(f"cannot read parameter declaration {spec!r}; expected "
                           "'name (type) default value — description'", str(where))
    kind = match.group("type").lower()
    if kind not in PARAM_TYPES:
        raise CryontoError(f"parameter {match.group('name')!r} has unknown type {kind!r}; "
                           f"expected one of {', '.join(PARAM_TYPES)}", str(where))
    default = match.group("default")
    if default is not None:
        default = default[1:-1] if default.startswith('"') else default
        if default.lower() in _NO_DEFAULT:
            default = None
    return Param(match.group("name"), kind, default, (match.group("description") or "").strip())


# -- parameters -------------------------------------------------------------------

def resolve_params(query: Query, params: Mapping[str, object] | None = None) -> dict[str, object]:
    """Typed RDF terms for the given parameters plus the declared defaults.

    Raises `CryontoError` for a parameter the query does not declare (or, for a
    query file without declarations, a variable it does not use) and for a value
    that does not fit the declared type.
    """
    given = dict(params or {})
    info = query.info
    bound: dict[str, object] = {}
    for name, value in given.items():
        declared = info.param(name)
        if declared is None:
            if info.params or not _uses_variable(query.text, name):
                known = ", ".join(p.name for p in info.params) or "none"
                raise CryontoError(f"unknown parameter {name!r} for query {info.name!r}; "
                                   f"it takes: {known}")
            declared = Param(name, _guess_type(value))
        bound[name] = convert_param(declared, value)
    for declared in info.params:
        if declared.name not in bound and declared.default is not None:
            bound[declared.name] = convert_param(declared, declared.default)
    return bound


def _uses_variable(text: str, name: str) -> bool:
    return re.search(rf"[?$]{re.escape(name)}\b", text) is not None


def _guess_type(value: object) -> str:
    if not isinstance(value, str):
        return "literal"
    if re.fullmatch(r"[+-]?\d+", value):
        return "integer"
    if value.startswith("<") and value.endswith(">"):
        return "iri"
    prefix = value.split(":", 1)[0]
    if ":" in value and (prefix in PREFIXES or "://" in value):
        return "iri"
    return "literal"


def convert_param(param: Param, value: object) -> NamedNode | Literal:
    """One parameter value as an RDF term of the declared type."""
    if isinstance(value, NamedNode | Literal):
        return value
    text = str(value).strip() if not isinstance(value, bool) else ("true" if value else "false")
    where = f"parameter {param.name!r}"
    if param.type == "concept":
        return NamedNode(_concept_iri(text, where))
    if param.type == "iri":
        return NamedNode(_iri(text, where))
    if param.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        if not re.fullmatch(r"[+-]?\d+", text):
            raise CryontoError(f"{where} must be an integer, not {text!r}")
        return Literal(str(int(text)), datatype=NamedNode(XSD.integer))
    if param.type == "decimal":
        try:
            float(text)
        except ValueError:
            raise CryontoError(f"{where} must be a number, not {text!r}") from None
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text):
            raise CryontoError(f"{where} must be a decimal number, not {text!r}")
        return Literal(text, datatype=NamedNode(XSD.decimal))
    if param.type == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise CryontoError(f"{where} must be true or false, not {text!r}")
        truth = lowered in ("true", "1", "yes")
        return Literal("true" if truth else "false", datatype=NamedNode(XSD.boolean))
    return Literal(str(value))


def _iri(text: str, where: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, rest = text.partition(":")
    if colon and prefix in PREFIXES and not rest.startswith("//"):
        text = PREFIXES[prefix] + rest
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$", text):
        raise CryontoError(f"{where} must be an IRI (or a CURIE such as cry:PDT), not {text!r}")
    try:
        NamedNode(text)
    except ValueError:
        raise CryontoError(f"{where} is not a valid IRI: {text!r}") from None
    return text


def _concept_iri(text: str, where: str) -> str:
    """A category given as notation, label, CURIE or IRI, resolved in the category system."""
    try:
        from cryonto.category import load_category_system

        system = load_category_system()
    except CryontoError:
        system = None
    if system is not None:
        found = system.resolve_code(text)
        if found:
            return found
    iri_text = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", iri_text) or iri_text.startswith("urn:"):
        return _iri(iri_text, where)
    if system is not None:
        try:
            system.find(text)  # raises with "did you mean …"
        except CryontoError as error:
            raise CryontoError(f"{where}: {error}") from None
    prefix = text.split(":", 1)[0]
    if ":" in text and prefix in PREFIXES:
        return _iri(text, where)
    raise CryontoError(f"{where}: unknown concept {text!r}")


# -- running ----------------------------------------------------------------------

def prepare(name_or_path: str | Path | Query, params: Mapping[str, object] | None = None,
            *, allowed_graphs: Collection[str] = ()) -> tuple[Query, str, str]:
    """(query, SPARQL text to run, form) after the guard has checked the text.

    The returned text is the one the guard judged (escapes expanded, parameters
    bound): run exactly it.
    """
    query = name_or_path if isinstance(name_or_path, Query) else load_query(name_or_path)
    bindings = resolve_params(query, params)
    if bindings and "\\" not in query.text:
        # no escapes: binding the text as written is binding what the guard will read, so
        # one parse (of the bound text) suffices — the guard's parse costs up to a second
        checked = check(bind_values(query.text, bindings), allowed_graphs=allowed_graphs)
        return query, checked.text, checked.form
    checked = check(query.text, allowed_graphs=allowed_graphs)
    if bindings:
        checked = check(bind_values(checked.text, bindings), allowed_graphs=allowed_graphs)
    return query, checked.text, checked.form


def run_query(
    name_or_path: str | Path | Query,
    data: Iterable[Path | str] = (),
    params: Mapping[str, object] | None = None,
    endpoint: str | None = None,
    timeout: float = 30,
    *,
    store: GraphStore | None = None,
    allowed_graphs: Collection[str] = (),
    default_graphs: Collection[str] = (),
    user: str | None = None,
    password: str | None = None,
) -> QueryResult:
    """Run a library query (by name) or a ``.rq`` file.

    Embedded by default: the packaged ontology plus the `data` files in a fresh
    in-memory store (or the given `store`), the default graph being the union of
    all graphs; no server, nothing leaves the process. With `endpoint`, the same
    checked and bound text goes to that SPARQL endpoint (`timeout` seconds).
    """
    data = list(data)
    if endpoint is not None:
        if data:
            raise CryontoError("--data and --endpoint exclude each other: a remote endpoint "
                               "queries its own data (use `cryonto push` to upload files)")
        allowed = {str(ONTOLOGY_GRAPH), *map(str, allowed_graphs), *map(str, default_graphs)}
        _, text, form = prepare(name_or_path, params, allowed_graphs=allowed)
        remote = RemoteEndpoint(endpoint, timeout=timeout, user=user, password=password,
                                default_graphs=default_graphs, allowed_graphs=allowed)
        return remote.query(text, form)

    # the graphs a FROM clause may name are exactly the ones in the store
    if store is None:
        allowed = {str(ONTOLOGY_GRAPH), *(graph_iri_for(p).value for p in data)}
    else:
        allowed = set(store.graphs())
    allowed |= set(map(str, allowed_graphs))
    if store is not None:
        name_or_path = derived_variant(name_or_path, store)
    _, text, form = prepare(name_or_path, params, allowed_graphs=allowed)
    if store is None:
        store = GraphStore.with_ontology(data)
    return run_on_store(store, text, form)


def derived_variant(name_or_path: str | Path | Query, store: GraphStore) -> str | Path | Query:
    """The library query as it reads the store's derived graph, when there is one.

    A store written by `cryonto load` holds precomputed counts (`cryonto.derived`); for
    the data-wide counting queries ``queries/store/derived/NAME.rq`` reads those instead of
    every segment and gives the same rows. The parameters are the library query's own.
    """
    query = name_or_path if isinstance(name_or_path, Query) else load_query(name_or_path)
    if query.info.path is None or query.info.path.parent != library_dir():
        return query
    variant = library_dir() / "store" / "derived" / f"{query.name}.rq"
    if not variant.is_file():
        return query
    from cryonto.derived import has_derived

    if not has_derived(store):
        return query
    return Query(query.info, variant.read_text(encoding="utf-8"))


def run_on_store(store: GraphStore, text: str, form: str | None = None, *,
                 isolated: bool = True) -> QueryResult:
    """Run an already checked and bound text on a store (union default graph).

    `isolated` (the default): evaluated in a forked child process that has no
    network (`cryonto.sandbox`), so even a SERVICE the guard missed reaches
    nothing; the answer comes back serialized. Otherwise in this process.
    """
    if not isolated:
        try:
            return store.run(text)
        except (OSError, RuntimeError) as error:
            raise _failed(error) from None
    from cryonto import sandbox

    return answer_from_bytes(sandbox.run_isolated(_serialized, store, text))


def _serialized(store: GraphStore, text: str) -> bytes:
    """In the isolated child: the answer as SPARQL results JSON (S) or N-Triples (C)."""
    try:
        return answer_bytes(store, text)
    except (OSError, RuntimeError) as error:
        raise _failed(error) from None


def _failed(error: BaseException) -> CryontoError:
    lines = str(error).strip().splitlines()
    return CryontoError(f"the query failed: {lines[0] if lines else type(error).__name__}")
