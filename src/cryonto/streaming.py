"""Streaming import: coded data straight to N-Triples, memory bounded by the rows in flight.

`import_to_turtle` builds the whole study in memory, then Turtle (which groups each
subject's triples, so it needs them all). N-Triples needs no grouping: each segment's
lines are written as its row is read, and what is small and only complete at the end
(study, codebook, codes, coders, documents) follows it. The triples are the same set
`import_to_turtle` writes (tests/test_streaming.py compares them on generated files).

What stays the same: counts in + adjustments must equal the counts built, and the file
written is re-counted (the triples the count query reads, loaded into memory, in parts
for a big file, and counted by the same query) before it appears, atomically. The SSSOM
mapping and near-miss warnings touch the codes only, so they apply at the end.

The generic CSV, MAXQDA exports (.xlsx, .csv) and REFI projects stream (`streams`; REFI
source by source, `readers.refi_stream`). A file the streaming
reader refuses is read again by the whole-file reader: its error is the one reported,
or, if it reads the file (a form only it knows), the import finishes without streaming,
saying so in a note.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

from cryonto import resources
from cryonto.atomic import refuse_overwrite, temp_sibling
from cryonto.coded import CodedDataset, Counts, Document, Segment, count_store
from cryonto.coded.to_rdf import document_lines, head_lines, segment_lines
from cryonto.errors import CryontoError
from cryonto.importing import (
    ImportResult,
    check_written,
    import_file,
    import_to_turtle,
    settle,
)
from cryonto.rdf import GraphStore, NamedNode
from cryonto.readers.common import Categories
from cryonto.readers.xmlsafe import ZipLimits
from cryonto.vocab import CRY, DCTERMS, OA, PROV, RDF, SKOS

#: segments formatted per write
_BATCH = 512


def import_to(fmt: str, path: Path | str, output: Path | str, **options: object) -> ImportResult:
    """Import to `output` in the form its suffix names: a ``.nt`` file gets N-Triples,
    streamed where the format allows (`import_to_ntriples`), anything else Turtle
    (`import_to_turtle`). `options` are theirs."""
    write = import_to_ntriples if Path(output).suffix.lower() == ".nt" else import_to_turtle
    return write(fmt, path, output, **options)  # type: ignore[arg-type]


def import_to_ntriples(fmt: str, path: Path | str, output: Path | str,
                       study: str | None = None, mapping: Path | str | None = None, *,
                       ontology: Path | str | Sequence[Path | str] | None = None,
                       limits: ZipLimits | None = None, strict_codes: bool = False,
                       **options: object) -> ImportResult:
    """Import to an N-Triples file, streaming where the format allows; re-counted.

    Same arguments and result as `import_to_turtle`, but `result.dataset` holds no
    segments when the import streamed (they went to the file as they were read).
    """
    fmt, path, output = fmt.lower(), Path(path), Path(output)
    ontologies = [ontology] if isinstance(ontology, str | Path) else list(ontology or ())
    refuse_overwrite(output, [path, mapping, *ontologies])
    streamed_options = ("positions", "coder_from") if fmt == "refi" else ("delimiter",)
    unstreamed = sorted(k for k, v in options.items()
                        if k not in streamed_options and v not in (None, False))
    fd, tmp_name = temp_sibling(output)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as handle:
            try:
                if unstreamed and streams(fmt, path):
                    raise _NotStreamable(f"option {', '.join(unstreamed)}")
                if fmt == "refi":
                    result = _stream_refi(path, handle, study, mapping, ontology, limits,
                                          strict_codes, options)
                elif streams(fmt, path):
                    given = options.get("delimiter")
                    result = _stream(fmt, path, handle, study, mapping, ontology, limits,
                                     strict_codes, given if isinstance(given, str) else None)
                else:
                    result = _whole(fmt, path, handle, study, mapping, ontology, limits,
                                    strict_codes, options)
            except _NotStreamable as refused:
                handle.seek(0)
                handle.truncate()
                result = _whole(fmt, path, handle, study, mapping, ontology, limits,
                                strict_codes, options)
                result.notes.append(f"read without streaming ({refused.reason})")
        result.counts_written = recount_ntriples(tmp_name, result.dataset.base_iri)
        check_written(result.counts_out, result.counts_written, path,
                      "the N-Triples written do", "N-Triples")
        os.replace(tmp_name, output)
    except UnicodeEncodeError:
        raise CryontoError("cannot write a text that is not valid Unicode", str(path)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    result.output = str(output)
    return result


class _NotStreamable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def streams(fmt: str, path: Path | str) -> bool:
    """Whether `import_to_ntriples` reads this file row by row."""
    from cryonto.readers.maxqda_stream import SUFFIXES

    return fmt in ("csv", "refi") or (fmt == "maxqda" and Path(path).suffix.lower() in SUFFIXES)


def _stream(fmt: str, path: Path, handle: IO[str], study: str | None,
            mapping: Path | str | None, ontology: Path | str | Sequence[Path | str] | None,
            limits: ZipLimits | None, strict_codes: bool,
            delimiter: str | None = None) -> ImportResult:
    import csv

    from cryonto.readers.csv_stream import CsvStream
    from cryonto.readers.maxqda_stream import MaxqdaStream

    categories = Categories(ontology)
    reader: CsvStream | MaxqdaStream
    if fmt == "csv":
        reader = CsvStream(path, study, categories, delimiter)
    else:
        reader = MaxqdaStream(path, study, categories, limits)
    per_code: Counter[str] = Counter()
    if not path.is_file():
        _read(fmt, path, study, categories, limits, delimiter)  # the reader's "no such file"
    try:
        _write_segments(handle, reader.dataset, reader.segments(), per_code)
    except (CryontoError, UnicodeDecodeError, csv.Error, ValueError) as error:
        _read(fmt, path, study, categories, limits, delimiter)  # its complete message
        reason = error.reason if isinstance(error, CryontoError) else str(error)
        raise _NotStreamable(reason) from None
    read = reader.result()
    stubs = [Segment(id="", document="", codes=[key], source_locator=f"row {row}")
             for key, row in sorted(reader.first_use.items(), key=lambda kv: kv[1])]
    result = settle(fmt, path, read, categories, mapping, strict_codes,
                    counts_out=reader.counts_out(), first_uses=stubs)
    result.segments_per_code = per_code
    handle.writelines(head_lines(read.dataset))
    return result


def _stream_refi(path: Path, handle: IO[str], study: str | None,
                 mapping: Path | str | None, ontology: Path | str | Sequence[Path | str] | None,
                 limits: ZipLimits | None, strict_codes: bool,
                 options: dict[str, object]) -> ImportResult:
    """A REFI project source by source (`readers.refi_stream`): each document's lines as its
    source ends, then its segments'; the sources that wait for the position unit last."""
    import zipfile
    from xml.etree.ElementTree import ParseError

    from cryonto.readers.refi import read_refi
    from cryonto.readers.refi_stream import RefiStream

    positions = options.get("positions")
    coder_from = options.get("coder_from") or "coding"
    if not isinstance(positions, str | None) or not isinstance(coder_from, str):
        raise CryontoError("--positions and --coder-from take text")
    categories = Categories(ontology)
    reader = RefiStream(path, study, categories, limits, positions, coder_from)
    ds = reader.dataset
    per_code: Counter[str] = Counter()
    try:
        segments = itertools.chain(_documents_written(handle, ds, reader.items()),
                                   reader.finish_pending())
        written = _write_segments(handle, ds, segments, per_code)
        read = reader.result()
    except (CryontoError, ParseError, ValueError, LookupError, OSError, EOFError,
            zipfile.BadZipFile, zlib.error) as error:
        read_refi(path, study, categories, limits, positions=positions,  # its message
                  coder_from=coder_from)
        reason = error.reason if isinstance(error, CryontoError) else str(error)
        raise _NotStreamable(reason) from None
    counts = Counts(documents=len(read.dataset.documents), codes=len(read.dataset.codes),
                    segments=written, codings=sum(per_code.values()),
                    coders=len(read.dataset.coders))
    result = settle("refi", path, read, categories, mapping, strict_codes, counts_out=counts,
                    first_uses=reader.first_uses())
    result.segments_per_code = per_code
    handle.writelines(head_lines(replace(read.dataset, documents={})))
    return result


def _documents_written(handle: IO[str], ds: CodedDataset,
                       items: Iterable[Document | Segment]) -> Iterator[Segment]:
    """The segments among `items`; each document's lines are written as it comes."""
    for item in items:
        if isinstance(item, Document):
            handle.write("".join(document_lines(ds, [item])))
        else:
            yield item


def _read(fmt: str, path: Path, study: str | None, categories: Categories,
          limits: ZipLimits | None, delimiter: str | None = None) -> None:
    if fmt == "csv":
        from cryonto.readers.csv import read_csv

        read_csv(path, study, categories, delimiter=delimiter)
    else:
        from cryonto.readers.maxqda import read_maxqda

        read_maxqda(path, study, categories, limits)


def _write_segments(handle: IO[str], ds: CodedDataset, segments: Iterable[Segment],
                    per_code: Counter[str]) -> int:
    """Write the segments' lines in batches; count segments per code on the way (a
    continuation carries only codes new to its segment, so each counts once). Returns the
    number of segment items written."""
    batch: list[Segment] = []
    written = 0
    for segment in segments:
        per_code.update(segment.codes)
        batch.append(segment)
        if len(batch) >= _BATCH:
            handle.write("".join(segment_lines(ds, batch)))
            written += len(batch)
            batch.clear()
    handle.write("".join(segment_lines(ds, batch)))
    return written + len(batch)


def _whole(fmt: str, path: Path, handle: IO[str], study: str | None,
           mapping: Path | str | None, ontology: Path | str | Sequence[Path | str] | None,
           limits: ZipLimits | None, strict_codes: bool,
           options: dict[str, object]) -> ImportResult:
    result = import_file(fmt, path, study, mapping, ontology=ontology, limits=limits,
                         strict_codes=strict_codes, **options)  # type: ignore[arg-type]
    handle.writelines(result.dataset.to_ntriples())
    return result


#: above this size the re-count loads the file's segments in parts (by a hash of the
#: segment), one part at a time: at 1.2x10^6 segments of the issue-13 shape (a 3.1 GB file)
#: one store of all counted triples peaked at 2.4 GB
PART_BYTES = 1 << 30


def recount_ntriples(path: Path | str, study_iri: str, part_bytes: int = PART_BYTES) -> Counts:
    """Counts of a written N-Triples file: its counted triples loaded into memory, counted
    by the query every import uses (``model/counts``).

    Only the lines whose predicate (and, for rdf:type, class) that query reads are loaded:
    about a quarter of a study's triples and none of its texts. Each kept line is parsed by
    the engine. A file over `part_bytes` is counted in parts, each holding every line but
    the segments' and a share of the segments (a segment's target goes with it): segments
    and codings add up over the parts, documents and coders are the same in each, and the
    codes are the union of each part's (``model/counted-codes``).
    """
    parts = max(1, -(-os.path.getsize(path) // part_bytes))
    if parts == 1:
        store = GraphStore()
        store.load_ntriples(counted_lines(path))
        return count_store(store, study_iri)
    folder = tempfile.mkdtemp(prefix=".cryonto-recount-", dir=Path(path).parent)  # 0700
    try:
        names = [os.path.join(folder, f"part{i}.nt") for i in range(parts)]
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(open(name, "w", encoding="utf-8"))
                       for name in names]
            for line in counted_lines(path):
                key = _segment_of(line)
                if key is None:
                    for handle in handles:
                        handle.write(line)
                else:
                    handles[zlib.crc32(key.encode("utf-8")) % parts].write(line)
        return _add_parts(names, study_iri)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _add_parts(names: list[str], study_iri: str) -> Counts:
    segments = codings = 0
    codes: set[str] = set()
    shared: set[tuple[int, int]] = set()
    for name in names:
        store = GraphStore()
        with open(name, encoding="utf-8") as handle:
            store.load_ntriples(handle)
        part = count_store(store, study_iri)
        segments, codings = segments + part.segments, codings + part.codings
        shared.add((part.documents, part.coders))
        codes.update(str(row["code"]) for row in store.select(
            resources.sparql("model/counted-codes"), {"study": NamedNode(study_iri)}).dicts())
        del store
    if len(shared) != 1:  # every part holds all documents and coders: cannot differ
        raise CryontoError(f"the parts of the re-count disagree: {sorted(shared)}")
    documents, coders = shared.pop()
    return Counts(documents=documents, codes=len(codes), segments=segments, codings=codings,
                  coders=coders)


_SEGMENT_PREDICATES = frozenset(f"<{iri}>" for iri in (OA.hasTarget, OA.hasBody))
_ANNOTATION = f"<{OA.Annotation}> .\n"
_SOURCE = f"<{OA.hasSource}>"


def _segment_of(line: str) -> str | None:
    """The segment a counted line belongs to (its target is the segment's IRI + /target,
    as cryonto writes it: were it not, that segment would count in no part, and the
    re-count would fall short, never over), or None for a line every part needs."""
    parts = line.split(" ", 2)
    if len(parts) < 3:
        return None
    subject, predicate, rest = parts
    if predicate in _SEGMENT_PREDICATES or (predicate == _TYPE and rest == _ANNOTATION):
        return subject
    if predicate == _SOURCE:
        return subject[:-8] + ">" if subject.endswith("/target>") else subject
    return None


_COUNTED_PREDICATES = frozenset(f"<{iri}>" for iri in (
    DCTERMS.isPartOf, OA.hasSource, OA.hasTarget, OA.hasBody, SKOS.inScheme, CRY.codebook))
_TYPE = f"<{RDF.type}>"
_COUNTED_TYPES = frozenset(f"<{iri}> .\n" for iri in (
    CRY.Study, CRY.Transcript, OA.Annotation, PROV.Agent))


def counted_lines(path: Path | str) -> Iterator[str]:
    """The lines of an N-Triples file the count query reads (a line-by-line split is ~4x
    faster here than a regular expression over blocks)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                yield line  # not one of ours: let the engine judge it
            elif parts[1] == _TYPE:
                if parts[2] in _COUNTED_TYPES:
                    yield line
            elif parts[1] in _COUNTED_PREDICATES:
                yield line
