"""Quality checks for the ontology, in the manner of ROBOT `report` and qSKOS.

Each check is a named SPARQL file in ``queries/checks/`` whose header comment
gives its name, severity and description; it returns one row per problem
(``?subject ?value ?message``). Keeping every check a file means a new rule is
a new file, documented where it lives, and the list in docs/checks.md can be
generated from the headers. Two checks are not SPARQL:

* ``shacl-ontology-shapes``: the SHACL shapes in ``shapes/ontology.ttl`` (pySHACL);
* ``owl-consistency`` and ``owl-unsatisfiable-class``: a real OWL reasoner,
  HermiT through owlready2, on the ontology converted to N-Triples (owlready2
  cannot read Turtle). SPARQL sees only what is stated; the reasoner sees what
  follows, e.g. an individual that a property's domain puts into a class
  disjoint with its own.

SPARQL runs on `cryonto.rdf.GraphStore`; pySHACL and owlready2 stay behind the
same wall (`cryonto.rdf.pyshacl`, `cryonto.rdf.reasoner`). The whole SPARQL set
takes milliseconds, so the reasoner's JVM start dominates the run time.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryonto import resources
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore, RdfFormat, pyshacl, reasoner
from cryonto.vocab import ONTOLOGY_GRAPH, ONTOLOGY_IRI, OWL, SH

#: severities, most severe first
SEVERITIES = ("ERROR", "WARN", "INFO")
_RANK = {"ERROR": 3, "WARN": 2, "INFO": 1}

SHACL_CHECK = "shacl-ontology-shapes"
CONSISTENCY_CHECK = "owl-consistency"
UNSATISFIABLE_CHECK = "owl-unsatisfiable-class"


def severity_rank(severity: str) -> int:
    """ERROR 3, WARN 2, INFO 1; accepts any case and 'warning'."""
    key = severity.strip().upper()
    key = {"WARNING": "WARN", "VIOLATION": "ERROR"}.get(key, key)
    try:
        return _RANK[key]
    except KeyError:
        raise CryontoError(f"unknown severity {severity!r}; expected error, warn or info") from None


@dataclass(frozen=True)
class Check:
    """One named check: where it comes from and what it asserts."""

    name: str
    severity: str
    description: str
    kind: str = "sparql"  # sparql | shacl | reasoner
    reference: str | None = None
    query: str | None = field(default=None, repr=False)
    path: Path | None = None


@dataclass(frozen=True)
class Problem:
    """One thing a check found wrong: which resource, which value, and why."""

    check: str
    severity: str
    subject: str
    value: str
    message: str


@dataclass
class Report:
    """What `run_checks` found, with the checks that ran and how long they took."""

    problems: list[Problem]
    checks: list[Check]
    sources: list[Path]
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Problems per severity (every severity present, zero if none)."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for problem in self.problems:
            counts[problem.severity] += 1
        return counts

    def failed(self, threshold: str = "error") -> bool:
        """True when any problem is at or above `threshold` (error, warn or info)."""
        limit = severity_rank(threshold)
        return any(_RANK[p.severity] >= limit for p in self.problems)

    def failed_checks(self, threshold: str = "info") -> list[str]:
        """Names of checks with problems at or above `threshold`, in run order."""
        limit = severity_rank(threshold)
        names = {p.check for p in self.problems if _RANK[p.severity] >= limit}
        return [c.name for c in self.checks if c.name in names]

    def by_check(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.check == name]


# -- the catalogue of checks ---------------------------------------------------------

_HEADER = re.compile(r"^#\s*(name|severity|description|reference)\s*:\s*(.*?)\s*$")


def parse_check(path: Path) -> Check:
    """A check from its .rq file; the header comment must give name, severity, description."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            fields[match.group(1)] = match.group(2)
    missing = [k for k in ("name", "severity", "description") if not fields.get(k)]
    if missing:
        raise CryontoError(f"check header lacks {', '.join(missing)}", str(path))
    severity = fields["severity"].upper()
    if severity not in _RANK:
        raise CryontoError(f"check severity {severity!r} is not ERROR, WARN or INFO", str(path))
    return Check(fields["name"], severity, fields["description"], "sparql",
                 fields.get("reference"), text, path)


@cache
def _sparql_checks(folder: Path) -> tuple[Check, ...]:
    checks = tuple(parse_check(p) for p in sorted(folder.glob("*.rq")))
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CryontoError(f"two checks are named {', '.join(duplicates)}", str(folder))
    return checks


def available_checks() -> list[Check]:
    """Every check `run_checks` can run, SPARQL ones first, then SHACL and the reasoner."""
    return [
        *_sparql_checks(resources.queries_dir() / "checks"),
        Check(SHACL_CHECK, "ERROR",
              "The ontology conforms to the SHACL shapes in shapes/ontology.ttl (header, "
              "categories, forms of crying, links, emphases, findings); a shape's own "
              "sh:severity sets each result's severity.", "shacl", "W3C SHACL"),
        Check(CONSISTENCY_CHECK, "ERROR",
              "The ontology is logically consistent according to the HermiT OWL reasoner "
              "(owlready2.sync_reasoner).", "reasoner", "OWL 2 Direct Semantics"),
        Check(UNSATISFIABLE_CHECK, "ERROR",
              "No class is unsatisfiable (inferred equivalent to owl:Nothing) according to "
              "HermiT.", "reasoner", "ROBOT reason (unsatisfiable classes)"),
    ]


# -- running ------------------------------------------------------------------------


def load_ontology_store(paths: Sequence[Path | str] | None = None) -> tuple[GraphStore, list[Path]]:
    """The files to check (default: the packaged ontology) in one store."""
    files = [Path(p) for p in paths] if paths else resources.ontology_files()
    if not files:
        raise CryontoError("no ontology files to check")
    store = GraphStore()
    for path in files:
        store.load_file(path, graph=ONTOLOGY_GRAPH)
    return store, files


def run_checks(paths: Sequence[Path | str] | None = None, reasoner: bool = True,
               only: Iterable[str] | None = None) -> Report:
    """Run every check (or those named in `only`) on the ontology files.

    `paths` defaults to the packaged ``ontology/*.ttl``; pass several files to
    check them together (as a store sees them). An unreadable file raises
    `CryontoError` naming it; problems found are returned, never raised.
    """
    started = time.perf_counter()
    store, files = load_ontology_store(paths)
    wanted = set(only) if only is not None else None
    checks = available_checks()
    if wanted is not None:
        unknown = wanted - {c.name for c in checks}
        if unknown:
            raise CryontoError(f"unknown check {sorted(unknown)[0]!r}")
        checks = [c for c in checks if c.name in wanted]
    if not reasoner:
        checks = [c for c in checks if c.kind != "reasoner"]

    problems: list[Problem] = []
    timings: dict[str, float] = {}
    reasoned = False
    for check in checks:
        t0 = time.perf_counter()
        if check.kind == "sparql":
            problems += _run_sparql(store, check)
        elif check.kind == "shacl":
            problems += _run_shacl(store, check)
        elif check.kind == "reasoner" and not reasoned:
            reasoned = True
            names = {c.name for c in checks if c.kind == "reasoner"}
            problems += [p for p in _run_reasoner(store) if p.check in names]
        timings[check.name] = time.perf_counter() - t0
    problems.sort(key=lambda p: (-_RANK[p.severity], p.check, p.subject, p.value))
    return Report(problems, checks, files, time.perf_counter() - started, timings)


def _run_sparql(store: GraphStore, check: Check) -> list[Problem]:
    assert check.query is not None
    try:
        result = store.select(check.query)
    except CryontoError as error:
        raise CryontoError(f"check {check.name}: {error.reason}", str(check.path)) from None
    if not {"subject", "value", "message"} <= set(result.variables):
        raise CryontoError(f"check {check.name} must select ?subject ?value ?message",
                           str(check.path))
    seen: set[tuple[str, str, str]] = set()
    problems = []
    for row in result.dicts():
        key = (_text(row["subject"]), _text(row["value"]), _text(row["message"]))
        if key not in seen:
            seen.add(key)
            problems.append(Problem(check.name, check.severity, *key))
    return problems


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _run_shacl(store: GraphStore, check: Check) -> list[Problem]:
    data = store.dump(RdfFormat.N_TRIPLES, ONTOLOGY_GRAPH)  # run_checks loads everything into it
    results = pyshacl.validate(data, resources.shapes_dir() / "ontology.ttl")
    severity_of = {SH.Violation: "ERROR", SH.Warning: "WARN", SH.Info: "INFO"}
    problems = []
    for result in results:
        severity = severity_of.get(result.severity or "", "ERROR")
        text = result.message if result.message is not None else "does not conform"
        if result.path is not None:
            text = f"{result.path}: {text}"
        problems.append(Problem(check.name, severity, result.focus, result.value, text))
    return sorted(set(problems), key=lambda p: (p.subject, p.message, p.value))


def _run_reasoner(store: GraphStore) -> list[Problem]:
    """HermiT (via owlready2, behind `cryonto.rdf.reasoner`) on the ontology's triples."""
    subject = ONTOLOGY_IRI
    if shutil.which("java") is None:
        return [Problem(CONSISTENCY_CHECK, "WARN", subject, "HermiT",
                        "reasoner not run: no java on PATH (install a JRE, or pass "
                        "--no-reasoner to skip it knowingly)")]
    outcome = reasoner.reason(store)
    if outcome.load_error is not None:
        return [Problem(CONSISTENCY_CHECK, "ERROR", subject, "owlready2",
                        f"owlready2 cannot load the ontology: {outcome.load_error}")]
    if outcome.inconsistent is not None:
        message = f"HermiT: {outcome.inconsistent}"
        culprits = _disjoint_culprits(store)
        if culprits:
            message += "; likely cause: " + ", ".join(culprits[:3])
        return [Problem(CONSISTENCY_CHECK, "ERROR", subject, "HermiT", message)]
    if outcome.java_error is not None:
        return [Problem(CONSISTENCY_CHECK, "ERROR", subject, "HermiT",
                        f"HermiT failed: {_java_message(outcome.java_error)}")]
    nothing = OWL.Nothing
    return [Problem(UNSATISFIABLE_CHECK, "ERROR", iri, nothing,
                    "HermiT: class is unsatisfiable (equivalent to owl:Nothing); it can have no "
                    "members") for iri in outcome.unsatisfiable]


def _disjoint_culprits(store: GraphStore) -> list[str]:
    """Resources typed with disjoint classes (the usual cause of an inconsistency)."""
    checks = {c.name: c for c in _sparql_checks(resources.queries_dir() / "checks")}
    check = checks.get("disjoint-types")
    if check is None:
        return []
    return sorted({f"<{p.subject}> {p.message}" for p in _run_sparql(store, check)})


def _java_message(text: str) -> str:
    """The first line of a Java error that says what went wrong."""
    for line in text.splitlines():
        line = line.strip()
        if re.search(r"(Exception|Error)\b", line) and "Java error message" not in line:
            return line
    return _first_line(text)


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def to_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """The problems as (severity, check, subject, value, message) rows."""
    return [(p.severity, p.check, p.subject, p.value, p.message) for p in report.problems]


__all__ = [
    "CONSISTENCY_CHECK",
    "SEVERITIES",
    "SHACL_CHECK",
    "UNSATISFIABLE_CHECK",
    "Check",
    "Problem",
    "Report",
    "available_checks",
    "load_ontology_store",
    "parse_check",
    "run_checks",
    "severity_rank",
    "to_rows",
]
