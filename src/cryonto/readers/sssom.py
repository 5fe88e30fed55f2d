"""SSSOM mapping tables: study codes onto cryonto categories.

A TSV with optional ``#`` metadata lines (YAML; only ``curie_map`` is read) and
the columns ``subject_id, predicate_id, object_id, mapping_justification``
(required) and ``subject_label, object_label`` (used); any other SSSOM column is
allowed and ignored. The subject is a study code, found by (in this order) its
REFI guid, its full path or key (``Forms\\Protest``), its IRI, or its name when
only one code has that name; ``subject_label`` is tried the same way when the
id finds nothing. The object is a cryonto category as CURIE, IRI or notation.
The predicate is one of the five SKOS mapping properties. Errors name the line
and offer a "did you mean" for a predicate or object that is nearly right.

A row may give only ``subject_label`` (no ``subject_id``). Rows whose object is
``sssom:NoTermFound``, and suggestions of `cryonto mapping template` not yet
confirmed (``mapping_tool`` "cryonto mapping template" with
``semapv:LexicalMatching``), are skipped and counted.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryonto.coded import MAPPING_PREDICATES, CodedDataset
from cryonto.errors import CryontoError
from cryonto.readers.common import Categories, csv_field_limit, decode_utf8
from cryonto.vocab import SKOS, expand

REQUIRED = ("subject_id", "predicate_id", "object_id", "mapping_justification")
TEMPLATE_TOOL = "cryonto mapping template"
NO_TERM = ("sssom:NoTermFound", "https://w3id.org/sssom/NoTermFound")


@dataclass(frozen=True)
class MappingRow:
    line: int
    subject_id: str
    subject_label: str | None
    predicate: str  # local name, e.g. "exactMatch"
    object_id: str
    object_label: str | None
    justification: str


@dataclass
class MappingTable:
    file: str
    rows: list[MappingRow]
    curie_map: dict[str, str]
    no_term: int = 0  # rows with object sssom:NoTermFound
    unconfirmed: list[int] = field(default_factory=list)  # lines of template suggestions


def _rows(reader: Iterator[list[str]], name: str, first_line: int) -> Iterator[list[str]]:
    """Rows; a csv.Error (e.g. a field over the limit) as `CryontoError` naming the line."""
    line = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CryontoError(f"malformed TSV: {error}", name, f"line {line}") from None
        yield row
        line += 1


def _curie_map(lines: list[str]) -> dict[str, str]:
    """The ``curie_map`` block of the YAML header (flat ``prefix: IRI`` entries)."""
    result: dict[str, str] = {}
    inside = False
    for line in lines:
        if not line.strip():
            continue
        if re.match(r"^curie_map\s*:\s*$", line):
            inside = True
            continue
        if inside:
            match = re.match(r"^\s+([A-Za-z_][\w.-]*)\s*:\s*['\"]?([^'\"\s]+)['\"]?\s*$", line)
            if match and line[0].isspace():
                result[match.group(1)] = match.group(2)
                continue
            inside = False
    return result


def read_mapping(path: Path | str) -> MappingTable:
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CryontoError("no such file", name) from None
    text, _ = decode_utf8(data, name)
    lines = text.splitlines()
    meta: list[str] = []
    first_data = 0
    for i, line in enumerate(lines):
        if line.startswith("#"):
            meta.append(line[1:])
            first_data = i + 1
        else:
            break
    curie_map = _curie_map(textwrap.dedent("\n".join(meta)).splitlines())
    body = "\n".join(lines[first_data:])
    csv_field_limit()
    reader = _rows(csv.reader(io.StringIO(body, newline=""), delimiter="\t"), name,
                   first_data + 1)
    header = next(reader, None)
    header_line = first_data + 1
    if header is None or not any(h.strip() for h in header):
        raise CryontoError("no header row (expected subject_id, predicate_id, object_id, "
                           "mapping_justification)", name)
    columns = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in columns
               and not (c == "subject_id" and "subject_label" in columns)]
    if missing:
        raise CryontoError(f"missing SSSOM column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}", name, f"line {header_line}")
    idx = {c: i for i, c in enumerate(columns)}
    rows: list[MappingRow] = []
    no_term = 0
    unconfirmed: list[int] = []
    for offset, row in enumerate(reader, start=1):
        line_no = header_line + offset
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(columns):
            raise CryontoError(f"has {len(row)} fields, the header has {len(columns)}", name,
                               f"line {line_no}")

        def get(column: str, row: list[str] = row) -> str:
            i = idx.get(column)
            return row[i].strip() if i is not None and i < len(row) else ""

        values = {c: get(c) for c in REQUIRED}
        if values["object_id"] in NO_TERM:
            no_term += 1
            continue
        if (get("mapping_tool") == TEMPLATE_TOOL
                and values["mapping_justification"] in ("semapv:LexicalMatching",
                                                        SEMAPV + "LexicalMatching")):
            unconfirmed.append(line_no)
            continue
        empty = [c for c, v in values.items() if not v
                 and not (c == "subject_id" and get("subject_label"))]
        if empty:
            raise CryontoError(f"empty {', '.join(empty)}", name, f"line {line_no}")
        predicate = _predicate(values["predicate_id"], curie_map)
        if predicate is None:
            raise CryontoError(
                f"predicate {values['predicate_id']!r} is not one of "
                f"{', '.join('skos:' + p for p in MAPPING_PREDICATES)}"
                + _did_you_mean(values["predicate_id"]), name, f"line {line_no}")
        rows.append(MappingRow(line_no, values["subject_id"], get("subject_label") or None,
                               predicate, values["object_id"], get("object_label") or None,
                               values["mapping_justification"]))
    return MappingTable(name, rows, curie_map, no_term, unconfirmed)


SEMAPV = "https://w3id.org/semapv/vocab/"


def _did_you_mean(predicate: str) -> str:
    from rapidfuzz import process

    local = predicate.rsplit(":", 1)[-1].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    found = process.extractOne(local.casefold(), {p: p.casefold() for p in MAPPING_PREDICATES},
                               processor=None, score_cutoff=60)
    return f"; did you mean skos:{found[2]}?" if found else ""


def _expand(text: str, curie_map: dict[str, str]) -> str:
    return expand(text, extra=curie_map)


def _predicate(text: str, curie_map: dict[str, str]) -> str | None:
    iri = _expand(text, curie_map)
    skos = str(SKOS)
    if iri.startswith(skos) and iri[len(skos):] in MAPPING_PREDICATES:
        return iri[len(skos):]
    return None


def apply_mapping(table: MappingTable, dataset: CodedDataset,
                  categories: Categories) -> dict[str, int]:
    """Add the table's mappings to the dataset's study codes; returns what changed.

    A row whose subject is no study code in the data, or whose object is no
    cryonto category, is an error naming its line. For a code and category the
    table names, the table's predicate replaces an automatic ``exactMatch``.
    """
    by_guid: dict[str, str] = {}
    by_key: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for code in dataset.codes.values():
        if code.category is not None:
            continue
        if code.guid:
            by_guid[code.guid.strip("{}").lower()] = code.key
        by_key[code.key] = code.key
        by_key[dataset.code_iri(code)] = code.key
        by_name.setdefault(code.name.casefold(), []).append(code.key)
    category_codes = {c.key for c in dataset.codes.values() if c.category is not None}
    added = replaced = 0
    seen: set[tuple[str, str, str]] = set()

    def find(text: str, where: str) -> str | None:
        expanded = _expand(text, table.curie_map)
        for candidate in (text, expanded):
            bare = candidate.removeprefix("urn:uuid:").strip("{}").lower()
            key = by_guid.get(bare) or by_key.get(candidate)
            if key:
                return key
        names = by_name.get(text.casefold(), [])
        if len(names) > 1:
            raise CryontoError(f"subject {text!r} names {len(names)} codes "
                               f"({', '.join(names[:3])}); use the code path or guid",
                               table.file, where)
        return names[0] if names else None

    for row in table.rows:
        where = f"line {row.line}"
        key = find(row.subject_id, where) if row.subject_id else None
        if key is None and row.subject_label:
            key = find(row.subject_label, where)
        if key is None:
            if categories.resolve(row.subject_id) in category_codes:
                raise CryontoError(f"subject {row.subject_id!r} is a cryonto category itself, "
                                   "not a study code; nothing to map", table.file, where)
            raise CryontoError(f"subject {row.subject_id or row.subject_label!r} is not a code "
                               "in the data", table.file, where)
        expanded = _expand(row.object_id, table.curie_map)
        category = expanded if expanded in categories else categories.resolve(row.object_id)
        if category is None or category not in categories:
            from cryonto.mapping import Suggester

            near = Suggester(categories.system).best(row.object_id)
            hint = (f"; did you mean {near.shown} ({near.iri.rsplit('/', 1)[-1]})?"
                    if near is not None and near.confidence >= 0.6 else "")
            raise CryontoError(f"object {row.object_id!r} is not a cryonto category{hint}",
                               table.file, where)
        if (key, row.predicate, category) in seen:
            continue
        seen.add((key, row.predicate, category))
        code = dataset.codes[key]
        from_table = {(p, c) for k, p, c in seen if k == key}
        before = len(code.mappings)
        # the table decides how this code relates to this category
        code.mappings = [(p, c) for p, c in code.mappings if c != category or (p, c) in from_table]
        replaced += before - len(code.mappings)
        if (row.predicate, category) not in code.mappings:
            code.mappings.append((row.predicate, category))
            added += 1
    return {"rows": len(table.rows), "mappings_added": added, "automatic_replaced": replaced,
            "no_term_found": table.no_term, "unconfirmed_suggestions": len(table.unconfirmed)}
