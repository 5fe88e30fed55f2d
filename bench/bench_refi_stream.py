"""Streaming REFI import vs the whole-file reader, side by side in one run (issue 13).

Run: .venv/bin/python bench/bench_refi_stream.py [--sizes 100000] [--positions auto]

For each size a study is generated (`generate_study`, full texts, ~150 segments per
document) and exported as a REFI project (`writers.refi`, code points, or UTF-16 units
with ``--export-utf16``), then, each step in its own child process (wall, CPU, peak RSS,
as in `bench_scale.py`):

* read whole    ``read_refi``: the project parsed into a tree, every selection held;
* read stream   ``RefiStream``: documents and segments as N-Triples lines to a file,
                source by source (no re-count);
* import whole  ``import_to_ntriples`` as it was before streaming REFI: the whole read,
                then the lines, then the re-count;
* import stream ``import_to_ntriples`` now (what ``cryonto import refi X -o X.nt`` runs);
* floor         pyoxigraph ``Store().bulk_load`` (in memory) of the N-Triples written.

With ``--maxqda N``: a MAXQDA .csv export of N rows imported whole and streaming.

Ratios are to the whole-file step of the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import child, fmt, loadavg  # noqa: E402
from bench_stream import floor_nt  # noqa: E402


def make_project(n: int, tmp: Path, positions: str) -> Path:
    path = tmp / f"gen{n}.qdpx"
    child(f"""
        from cryonto.category import load_category_system
        from cryonto.generate import generate_study
        from cryonto.writers.refi import build_project, write_qdpx
        study = generate_study({n}, full_text=True)
        write_qdpx(build_project([study.dataset], load_category_system(),
                                 positions={positions!r}), {str(path)!r})
    """)
    return path


def read_whole(path: Path, positions: str | None) -> dict:
    return child(f"""
        from cryonto.readers.refi import read_refi
        read = read_refi({str(path)!r}, positions={positions!r})
        result = len(read.dataset.segments)
    """)


def read_stream(path: Path, out: Path, positions: str | None) -> dict:
    return child(f"""
        from cryonto.coded import Document
        from cryonto.coded.to_rdf import document_lines, segment_lines
        from cryonto.readers.refi_stream import RefiStream
        reader = RefiStream({str(path)!r}, positions={positions!r})
        n = 0
        with open({str(out)!r}, 'w', encoding='utf-8') as handle:
            for item in reader.items():
                if isinstance(item, Document):
                    handle.writelines(document_lines(reader.dataset, [item]))
                else:
                    n += 1
                    handle.writelines(segment_lines(reader.dataset, [item]))
            for item in reader.finish_pending():
                n += 1
                handle.writelines(segment_lines(reader.dataset, [item]))
        reader.result()
        result = n
    """)


def import_nt(path: Path, out: Path, positions: str | None, stream: bool) -> dict:
    off = "" if stream else """
        import cryonto.streaming as s
        def _off(*args, **kw):
            raise s._NotStreamable('bench: whole')
        s._stream_refi = _off
    """
    return child(f"""
        {off.strip()}
        from cryonto.streaming import import_to_ntriples
        r = import_to_ntriples('refi', {str(path)!r}, {str(out)!r}, positions={positions!r})
        result = r.counts_written.as_dict()
    """)


def maxqda_csv(n: int, path: Path) -> None:
    """A MAXQDA 'Coded segments' .csv export (UTF-8 with BOM, as MAXQDA writes it)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Color", "Document group", "Document name", "Code", "Begin", "End",
                     "Segment", "Comment", "Created by", "Created", "Weight score"])
    codes = ["Forms\\Protest crying", "Pause", "Scham", "Forms\\Giving space"]
    for i in range(n):
        writer.writerow(["#ff0000", "PDT", f"Interview {i // 60}", codes[i % 4], str(i % 60 + 1),
                         str(i % 60 + 2), f"she cried and said {i} things " * 4, "",
                         ["anna", "ben"][i % 2], "12.03.2024 14:22:10", "0"])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def import_maxqda(path: Path, out: Path, stream: bool) -> dict:
    off = "" if stream else """
        import cryonto.streaming as s
        s.streams = lambda fmt, path: False
    """
    return child(f"""
        {off.strip()}
        from cryonto.streaming import import_to_ntriples
        r = import_to_ntriples('maxqda', {str(path)!r}, {str(out)!r})
        result = r.counts_written.as_dict()
    """)


def ratio(step: dict, base: dict) -> str:
    return (f"{step['wall'] / base['wall']:.2f}× ({step['cpu'] / base['cpu']:.2f}× cpu, "
            f"{step['rss_mb'] / base['rss_mb']:.2f}× memory)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="segments, comma separated")
    parser.add_argument("--export-utf16", action="store_true",
                        help="write positions in UTF-16 units (as NVivo)")
    parser.add_argument("--positions", default="auto", choices=["auto", "codepoints", "utf16"])
    parser.add_argument("--maxqda", default="",
                        help="also MAXQDA .csv exports of these many rows, comma separated")
    args = parser.parse_args(argv)
    positions = None if args.positions == "auto" else args.positions
    print(f"\n## REFI import, whole vs streaming; load average {loadavg()}\n")
    print("| segments | project (zip / XML) | read whole | read stream | stream / whole "
          "| import whole (.nt) | import stream (.nt) | stream / whole | floor: bulk_load .nt |")
    print("|---:|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="cryonto-bench-refi-") as name:
        tmp = Path(name)
        for n in [int(s) for s in args.sizes.split(",") if s]:
            project = make_project(n, tmp, "utf16" if args.export_utf16 else "codepoints")
            import zipfile

            with zipfile.ZipFile(project) as archive:
                xml = archive.getinfo("project.qde").file_size
            size = f"{project.stat().st_size / 1e6:.0f} MB / {xml / 1e6:.0f} MB"
            rw = read_whole(project, positions)
            rs = read_stream(project, tmp / "r.nt", positions)
            iw = import_nt(project, tmp / "w.nt", positions, stream=False)
            ist = import_nt(project, tmp / "s.nt", positions, stream=True)
            base = floor_nt(tmp / "s.nt")
            print(f"| {n:,} | {size} | {fmt(rw)} | {fmt(rs)} | {ratio(rs, rw)} | {fmt(iw)} | "
                  f"{fmt(ist)} | {ratio(ist, iw)} | {fmt(base)} |", flush=True)
            for path in tmp.iterdir():
                path.unlink()
        maxqda = [int(m) for m in args.maxqda.split(",") if m]
        if maxqda:
            print("\n| rows | MAXQDA .csv | import whole (.nt) | import stream (.nt) "
                  "| stream / whole |\n|---:|---|---|---|---|")
        for n in maxqda:
            path = tmp / f"maxqda{n}.csv"
            maxqda_csv(n, path)
            iw = import_maxqda(path, tmp / "w.nt", stream=False)
            ist = import_maxqda(path, tmp / "s.nt", stream=True)
            print(f"| {n:,} | {path.stat().st_size / 1e6:.0f} MB | {fmt(iw)} | {fmt(ist)} | "
                  f"{ratio(ist, iw)} |", flush=True)
            for done in tmp.iterdir():
                done.unlink()
    print(f"\nload average after: {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
