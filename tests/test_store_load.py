"""`cryonto load` in bounded memory: N-Triples by pieces, derived counts in list slots.

The pieces must give the very quads one bulk load gives (blank nodes included, which the
engine names afresh per load), and an error's line must be the file's, not the piece's.
The derived counts are checked on a hand-made study whose segments have two codes, two
documents and two coders, one of them a blank node, against numbers counted by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cryonto.cli import main
from cryonto.derived import _Facts, _rows
from cryonto.errors import CryontoError
from cryonto.generate import generate_study, write_study
from cryonto.rdf import GraphStore, rdf_format_for
from cryonto.rdf.persistent import DiskStore
from cryonto.rdf.store import _line_pieces
from cryonto.storage import load, open_store

GRAPH = "https://example.org/g"


def _ntriples(tmp_path: Path) -> Path:
    """A generated study as N-Triples, with non-ASCII and escaped text in it."""
    ttl = tmp_path / "study.ttl"
    write_study(generate_study(60, seed=3), ttl)
    memory = GraphStore()
    memory.load_file(ttl, graph=GRAPH)
    extra = ('<https://example.org/s> <https://example.org/p> "Tränen – \\"ja\\"\\nzwei" .\n'
             .encode())
    path = tmp_path / "study.nt"
    path.write_bytes(memory.serialize_bytes(rdf_format_for(path), GRAPH) + extra)
    return path


def _quads(store: GraphStore) -> set[str]:
    return {str(q) for q in store.quads(None, None, None, GRAPH)}


def test_pieces_give_the_quads_of_one_bulk_load(tmp_path: Path) -> None:
    path = _ntriples(tmp_path)
    assert len(list(_line_pieces(path, 300))) > 50  # really many pieces
    assert b"".join(_line_pieces(path, 300)) == path.read_bytes()
    whole = GraphStore()  # in memory: one bulk load of the whole file
    whole.load_file(path, graph=GRAPH)
    with DiskStore.create_or_open(tmp_path / "db")[0] as disk:
        disk.load_file(path, graph=GRAPH, chunk_bytes=300)
        pieces = _quads(disk)
    assert pieces == _quads(whole)
    assert len(pieces) > 1000
    assert any("Tränen" in q for q in pieces)


@pytest.mark.parametrize("lines_before", [0, 120])
def test_a_blank_node_across_pieces_stays_one_node(tmp_path: Path, lines_before: int) -> None:
    """Also when the first `_:` comes only in a later piece (the rest then goes in at once)."""
    def filler(start: int, n: int) -> str:
        return "".join(f"<https://example.org/f{i}> <https://example.org/p> \"{i}\" .\n"
                       for i in range(start, start + n))
    path = tmp_path / "blank.nt"
    path.write_text(filler(1000, lines_before)
                    + "_:b1 <https://example.org/p> <https://example.org/o1> .\n" + filler(0, 200)
                    + "_:b1 <https://example.org/p> <https://example.org/o2> .\n",
                    encoding="utf-8")
    with DiskStore.create_or_open(tmp_path / "db")[0] as disk:
        disk.load_file(path, graph=GRAPH, chunk_bytes=100)
        quads = list(disk.quads(None, None, None, GRAPH))
        subjects = {str(q.subject) for q in quads
                    if str(q.object).startswith("<https://example.org/o")}
    assert len(subjects) == 1
    assert len(quads) == lines_before + 202


def test_an_error_in_a_later_piece_names_the_files_line(tmp_path: Path) -> None:
    lines = [f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n"
             for i in range(100)]
    lines[76] = "<https://example.org/s76> <https://example.org/p> oops .\n"
    path = tmp_path / "bad.nt"
    path.write_text("".join(lines), encoding="utf-8")
    with DiskStore.create_or_open(tmp_path / "db")[0] as disk, \
            pytest.raises(CryontoError) as raised:
        disk.load_file(path, graph=GRAPH, chunk_bytes=200)
    assert "line 77 " in str(raised.value) and "bad.nt" in str(raised.value)
    done = CliRunner().invoke(main, ["load", str(path), "--store", str(tmp_path / "db2")])
    assert done.exit_code == 2
    assert "line 77 " in done.output and "Traceback" not in done.output


STUDY = """\
@prefix cry: <https://w3id.org/cryonto/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ex: <https://example.org/> .
ex:d1 dcterms:isPartOf ex:study ; cry:orientation cry:CBT .
ex:d2 dcterms:isPartOf ex:study .
ex:t1 oa:hasSource ex:d1 .  ex:t2 oa:hasSource ex:d2 .  ex:t3 oa:hasSource ex:d1 .
_:twice oa:hasBody cry:ProtestCrying, cry:Pause ; oa:hasTarget ex:t1, ex:t2 ;
    dcterms:creator ex:c1, ex:c2 .
ex:once oa:hasBody cry:ProtestCrying ; oa:hasTarget ex:t3 ; dcterms:creator ex:c1 .
ex:unlocated oa:hasBody cry:Pause .
"""


def test_derived_counts_segments_with_two_codes_documents_and_coders(tmp_path: Path) -> None:
    data = tmp_path / "study.ttl"
    data.write_text(STUDY, encoding="utf-8")
    load([data], tmp_path / "db")
    with open_store(tmp_path / "db") as store:
        rows = list(_rows(_Facts(store)))
    ex, cry = "https://example.org/", "https://w3id.org/cryonto/"

    def n(kind: str, **fields: str) -> int:
        found = [w for k, f, w in rows if k == kind and all(
            any(name == key and getattr(v, "value", v) == value for name, v in f)
            for key, value in fields.items())]
        assert len(found) == 1, (kind, fields, found)
        return found[0]

    assert n("code", code=cry + "ProtestCrying") == 2
    assert n("code", code=cry + "Pause") == 2
    assert n("study", study=ex + "study") == 2  # segments located in the study
    study_rows = [dict((name, getattr(v, "value", v)) for name, v in f)
                  for k, f, _w in rows if k == "study"]
    assert [r["documents"] for r in study_rows if r["study"] == ex + "study"] == ["2"]
    protest = cry + "ProtestCrying"
    assert n("segment", category=protest, dim="coder", coder=ex + "c1") == 2
    assert n("segment", category=protest, dim="coder", coder=ex + "c2") == 1
    assert n("segment", category=protest, dim="orientation", orientation=cry + "CBT") == 2
    assert n("segment", category=cry + "Pause", dim="unlocated") == 1
    assert n("document", category=protest, dim="study", study=ex + "study") == 2
