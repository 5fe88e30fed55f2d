"""Issue 7 items 3, 4, 9 and 10 (in part): hostile input files and options.

Each attack is a real file made here and a real `cryonto` subprocess; each
refusal must be one line on stderr, exit 2, no traceback, no output file and
the inputs unchanged. Where something could reach the network, a real
listener on 127.0.0.1 counts the requests (it must count 0). The RDF/XML
entity guard is tested against the engine it protects (hypothesis).
"""

from __future__ import annotations

import http.server
import os
import pty
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.budget import examples

from cryonto.errors import CryontoError
from cryonto.readers.xmlsafe import refuse_xml_entities

CLI = "import sys; from cryonto.cli import main; sys.argv[0] = 'cryonto'; main()"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/"'


def run_cli(*args: str | Path, timeout: float = 300,
            **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]


def assert_refused(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, exactly one line on stderr naming `words`, no traceback; returns the line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class Listener:
    """A real HTTP server on 127.0.0.1 that counts every request it gets."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the http.server API name
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.end_headers()
                self.wfile.write(b"<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .\n")

            do_POST = do_PUT = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# -- 3. RDF/XML entity expansion ---------------------------------------------------------

def billion_laughs(levels: int = 8) -> bytes:
    """The classic: each entity holds ten of the one before (736 bytes, 10^8 expansions)."""
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{chr(10).join(decls)}\n]>\n'
            f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="http://ex.org/s">'
            f'<ex:p>&lol{levels};</ex:p></rdf:Description></rdf:RDF>\n').encode()


@pytest.fixture(scope="module")
def lol(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lol") / "lol8.rdf"
    path.write_bytes(billion_laughs())
    return path


@pytest.mark.parametrize("command", ["validate", "check", "categories", "query", "serve",
                                     "push", "validate-pyshacl", "import-ontology"])
def test_billion_laughs_refused_by_every_rdf_reader(tmp_path: Path, lol: Path, command: str,
                                                    listener: Listener) -> None:
    args: dict[str, list[str | Path]] = {
        "validate": ["validate", lol],
        "validate-pyshacl": ["validate", lol, "--engine", "pyshacl"],
        "check": ["check", "--ontology", lol],
        "categories": ["categories", "--ontology", lol],
        "query": ["query", "segments-per-category", "--data", lol],
        "serve": ["serve", "--data", lol, "--port", "0"],
        "push": ["push", lol, "--endpoint", f"{listener.url}/query"],
        "import-ontology": ["import", "csv", FIXTURES / "coded.csv", "--ontology", lol,
                            "-o", tmp_path / "out.ttl"],
    }[command]
    before = lol.read_bytes()
    started = time.monotonic()
    proc = run_cli(*args, timeout=120)
    assert_refused(proc, str(lol), "declares entities")
    assert time.monotonic() - started < 60  # refused up front, not after expanding
    assert lol.read_bytes() == before
    assert listener.hits == []
    assert not (tmp_path / "out.ttl").exists()


def test_rdf_xml_without_entities_still_loads(tmp_path: Path) -> None:
    """A DOCTYPE that declares nothing is harmless and still read."""
    path = tmp_path / "plain.rdf"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n<rdf:RDF {RDF_NS}>'
                    '<rdf:Description rdf:about="http://ex.org/s"><ex:p>v</ex:p>'
                    '</rdf:Description></rdf:RDF>\n')
    proc = run_cli("query", "segments-per-category", "--data", path)
    assert proc.returncode == 0, proc.stderr


MARK = "EXPANDEDxyz"
_WS = st.sampled_from([" ", "  ", "\n", "\t", "\r\n"])


@st.composite
def rdf_xml_docs(draw: st.DrawFn) -> tuple[bytes, bool]:
    """RDF/XML with or without entity declarations, in the spellings parsers differ on.

    Returns the bytes and whether the prolog holds an entity declaration text or names
    an external DTD (refused too: other RDF/XML readers might fetch it).
    """
    keyword = draw(st.sampled_from(["DOCTYPE", "doctype", "DocType"]))
    entity = draw(st.sampled_from(["ENTITY", "entity", "Entity"]))
    quote = draw(st.sampled_from(['"', "'"]))
    w1, w2, w3 = draw(_WS), draw(_WS), draw(_WS)
    decl = f"<!{entity}{w1}{'% ' if draw(st.booleans()) else ''}e{w2}{quote}{MARK}{quote}{w3}>"
    if draw(st.booleans()):
        decl = f"<!-- {decl} -->"  # the engine honours this one too
    declare = draw(st.booleans())
    subset = decl if declare else draw(st.sampled_from(["", "<!ELEMENT x ANY>", "<!-- c -->"]))
    doctype = draw(st.sampled_from([
        f"<!{keyword} rdf:RDF [{subset}]>", f"<!{keyword}{w1}rdf:RDF{w2}[{w3}{subset}{w3}]{w1}>",
        f"<!{keyword} rdf:RDF SYSTEM 'x.dtd' [{subset}]>", ""]))
    xml_decl = draw(st.sampled_from(["", '<?xml version="1.0"?>\n',
                                     '<?xml version="1.0" encoding="UTF-8"?>']))
    before = draw(st.sampled_from(["", "<!-- hi -->", "\n", "<?pi x?>",
                                   f"<!-- <!ENTITY e '{MARK}'> -->"]))
    body = ("&e;" if draw(st.booleans()) else "plain") + draw(st.sampled_from(
        ["", "<!-- <!ENTITY x 'y'> -->", "<![CDATA[<!ENTITY x 'y'>]]>"]))
    text = (f"{xml_decl}{before}{doctype}\n<rdf:RDF {RDF_NS}><rdf:Description "
            f'rdf:about="http://ex.org/s"><ex:p>{body}</ex:p></rdf:Description></rdf:RDF>')
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    declared = (declare and doctype != "") or "ENTITY" in before or "SYSTEM" in doctype
    return text.encode(encoding), declared


def _engine(data: bytes) -> list[ox.Quad] | None:
    try:
        return list(ox.parse(data, format=ox.RdfFormat.RDF_XML))
    except (SyntaxError, ValueError):
        return None


def _guard_refuses(data: bytes, chunk: int) -> bool:
    try:
        refuse_xml_entities((data[i:i + chunk] for i in range(0, len(data), chunk)), "f.rdf")
    except CryontoError:
        return True
    return False


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rdf_xml_docs(), st.integers(1, 97))
def test_entity_guard_against_the_engine(doc: tuple[bytes, bool], chunk: int) -> None:
    """The guard refuses every document whose expansion the engine performs, whatever the
    spelling or chunking; and of those the engine reads, it refuses only ones declaring
    entities."""
    data, declared = doc
    quads = _engine(data)
    expanded = quads is not None and any(
        isinstance(q.object, ox.Literal) and MARK in q.object.value for q in quads)
    refused = _guard_refuses(data, chunk)
    if expanded:
        assert refused, data
    if refused and quads is not None:
        assert declared, data


@pytest.mark.parametrize("chunk", [7, 1 << 16])
def test_entity_guard_scans_what_its_retry_read(chunk: int) -> None:
    """Expat rejects ``<!doctype``, reads again upper-cased, fails later on a stray byte: the
    declaration right after that byte must still be seen, however the file is chunked."""
    doc = b"<!doctype r [ <!-- " + b"x" * (2 << 20) + b" --> \x01 <!ENTITY e 'v'> ]><r/>"
    with pytest.raises(CryontoError, match="declares entities"):
        refuse_xml_entities((doc[i:i + chunk] for i in range(0, len(doc), chunk)), "f.rdf")


# -- 4. owl:imports are not followed -------------------------------------------------------

def test_check_follows_no_owl_imports(tmp_path: Path, listener: Listener) -> None:
    """An http import would be fetched and a file: import opened; neither may happen.

    The local import is a FIFO: whoever opens it to read blocks until the
    timeout, so a run that finishes proves it was never opened.
    """
    fifo = tmp_path / "imported.ttl"
    os.mkfifo(fifo)
    onto = tmp_path / "extension.ttl"
    onto.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/ext> a owl:Ontology ;\n"
        f"  owl:imports <{listener.url}/remote.ttl>, <{fifo.as_uri()}> .\n"
        "<https://example.org/ext#C> a owl:Class .\n")
    proc = run_cli("check", "--ontology", onto, timeout=240)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    if shutil.which("java"):  # owlready2 and HermiT, which followed the imports, did run
        assert "reasoner not run" not in proc.stdout
    assert listener.hits == []


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_json_ld_remote_context_is_not_fetched(tmp_path: Path, listener: Listener,
                                               engine: str) -> None:
    data = tmp_path / "remote-context.jsonld"
    data.write_text(f'{{"@context": "{listener.url}/context.jsonld", '
                    '"@id": "http://ex.org/s", "name": "x"}')
    assert_refused(run_cli("validate", data, "--engine", engine), str(data), "remote context")
    assert listener.hits == []


# -- 9. one line instead of a traceback -----------------------------------------------------

def _qde(codes: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
            f'name="p"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>')


def _nested(depth: int) -> str:
    opening = "".join(f'<Code guid="00000000-0000-0000-0000-{i:012d}" name="c{i}" '
                      'isCodable="true">' for i in range(depth))
    return opening + "</Code>" * depth


def test_deeply_nested_code_tree(tmp_path: Path) -> None:
    deep = tmp_path / "deep.qde"
    deep.write_text(_qde(_nested(5000)))
    out = tmp_path / "out.ttl"
    assert_refused(run_cli("import", "refi", deep, "-o", out), str(deep), "nested deeper")
    assert not out.exists()


def test_a_code_tree_of_one_hundred_levels_is_read() -> None:
    from cryonto.readers.refi import MAX_CODE_DEPTH, read_refi

    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"cryonto-depth-{os.getpid()}.qde"
    path.write_text(_qde(_nested(MAX_CODE_DEPTH)))
    try:
        assert len(read_refi(path).dataset.codes) == MAX_CODE_DEPTH
    finally:
        path.unlink()


def _random_text(size: int) -> str:
    rnd = random.Random(7)
    return "".join(rnd.choices("abcdefghij klmnopqrs\n", k=size))


@pytest.mark.slow
def test_transcript_over_the_literal_limit_in_a_qdpx(tmp_path: Path) -> None:
    study = tmp_path / "s.ttl"
    assert run_cli("generate", "--segments", "5", "--full-text", "-o", study).returncode == 0
    qdpx = tmp_path / "s.qdpx"
    assert run_cli("export", "refi", study, "-o", qdpx).returncode == 0
    with zipfile.ZipFile(qdpx) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    source = next(n for n in members if n.startswith("sources/") and n.endswith(".txt"))
    members[source] += _random_text(17 * 1024**2).encode()
    big = tmp_path / "big.qdpx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out = tmp_path / "out.ttl"
    assert_refused(run_cli("import", "refi", big, "-o", out), str(big), source,
                   "longer than")
    assert not out.exists()


@pytest.fixture(scope="module")
def huge_literal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.ttl"
    path.write_text(f'<http://ex.org/s> <http://ex.org/p> "{"x" * (17 * 1024**2)}" .\n')
    return path


@pytest.mark.parametrize("command", ["validate", "serve"])
def test_literal_over_16_mib_in_turtle(huge_literal: Path, command: str) -> None:
    args = ["validate", huge_literal] if command == "validate" else \
        ["serve", "--data", huge_literal, "--port", "0"]
    assert_refused(run_cli(*args, timeout=120), str(huge_literal), "too long")


def _mapping_with_long_field(tmp_path: Path, size: int) -> Path:
    lines = (FIXTURES / "mapping.sssom.tsv").read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    columns = lines[header].split("\t")
    row = lines[header + 1].split("\t")
    row[columns.index("subject_label")] = "z" * size
    lines[header + 1] = "\t".join(row)
    path = tmp_path / "long.sssom.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sssom_field_over_the_csv_default_limit(tmp_path: Path) -> None:
    mapping = _mapping_with_long_field(tmp_path, 200_000)
    out = tmp_path / "out.ttl"
    proc = run_cli("import", "csv", FIXTURES / "coded.csv", "--mapping", mapping, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


def test_csv_transcript_field_of_a_million_characters(tmp_path: Path) -> None:
    text = _random_text(1_000_000).replace("\n", " ")
    path = tmp_path / "long.csv"
    path.write_text(f"document,code,start,end,coder,text\nd1,A1.1,0,{len(text)},c1,{text}\n")
    out = tmp_path / "out.ttl"
    proc = run_cli("import", "csv", path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.TURTLE)
    lengths = [len(q.object.value) for q in store if isinstance(q.object, ox.Literal)]
    assert max(lengths) == len(text)


def test_csv_field_over_the_text_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("document,code,start,end,coder,text\n"
                    f"d1,A1.1,0,10,c1,{'y' * (9 * 1024**2)}\n")
    out = tmp_path / "out.ttl"
    assert_refused(run_cli("import", "csv", path, "-o", out), str(path), "row 2", "'text'")
    assert not out.exists()


def test_export_refi_after_a_position_of_ten_to_the_38(tmp_path: Path) -> None:
    csv_file = tmp_path / "far.csv"
    csv_file.write_text(f"document,code,start,end,coder\nd1,A1.1,0,{10**38},c1\n")
    study = tmp_path / "far.ttl"
    assert run_cli("import", "csv", csv_file, "-o", study).returncode == 0
    out = tmp_path / "far.qdpx"
    proc = run_cli("export", "refi", study, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert zipfile.is_zipfile(out)


@pytest.mark.parametrize("where", ["under-a-file", "missing-root"])
def test_unwritable_output(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "sub" / "out.ttl" if where == "under-a-file" else \
        Path("/proc/cryonto-no-such-dir/out.ttl")
    before = listing(tmp_path)
    for args in (["generate", "--segments", "3", "-o", out],
                 ["import", "csv", FIXTURES / "coded.csv", "-o", out],
                 ["export", "codebook", "-o", out]):
        assert_refused(run_cli(*args), str(out), "cannot write")
    assert listing(tmp_path) == before


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_file_size_limit_while_writing(tmp_path: Path) -> None:
    out = tmp_path / "big.ttl"
    out.write_text("the previous version\n")
    proc = run_cli("generate", "--segments", "3000", "-o", out, preexec_fn=_limit_file_size)
    assert_refused(proc, str(out), "file too large")
    assert out.read_text() == "the previous version\n"
    assert listing(tmp_path) == ["big.ttl"]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root and mount; skipped where neither is allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.slow
def test_full_disk(full_disk: Path, tmp_path: Path) -> None:
    source = tmp_path / "study.csv"
    made = run_cli("generate", "--segments", "3000", "-o", tmp_path / "s.ttl", "--csv", source)
    assert made.returncode == 0, made.stderr
    (full_disk / "kept.ttl").write_text("the previous version\n")
    for args in (["generate", "--segments", "3000", "-o"],
                 ["import", "csv", source, "-o"],
                 ["export", "turtle", tmp_path / "s.ttl", "-o"]):
        for name in ("new.ttl", "kept.ttl"):
            proc = run_cli(*args, full_disk / name)
            assert_refused(proc, str(full_disk / name), "no space left on device")
            assert listing(full_disk) == ["kept.ttl"]  # nothing partial, no temporary file
            assert (full_disk / "kept.ttl").read_text() == "the previous version\n"


@pytest.mark.parametrize("args", [
    ["query", "segments-per-category", "--endpoint", "http://[::1"],
    ["query", "segments-per-category", "--endpoint", "http://127.0.0.1:port/q"],
    ["push", "--endpoint", "http://[::1"],
    ["query", "segments-per-category", "--timeout", "nan"],
    ["query", "segments-per-category", "--timeout", "inf"],
    ["push", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "nan"],
    ["push", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "-1"],
    ["serve", "--port", "0", "--timeout", "nan"],
    ["serve", "--port", "0", "--timeout", "inf"],
])
def test_bad_endpoint_and_timeout(args: list[str]) -> None:
    assert_refused(run_cli(*args), "must be" if "--timeout" in args else "not a valid URL")


# -- 10. temporary files after kill -9; control bytes on the terminal ----------------------

@pytest.mark.slow
def test_kill_9_mid_write_leaves_nothing_behind_after_the_next_write(tmp_path: Path) -> None:
    out = tmp_path / "big.ttl"
    process = subprocess.Popen([sys.executable, "-c", CLI, "generate", "--segments", "400000",
                                "-o", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    temps: list[Path] = []
    while time.monotonic() < deadline and process.poll() is None:
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        if temps and temps[0].stat().st_size > 1_000_000:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the export finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists()
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".big.ttl.cryonto-")  # recognisable
    proc = run_cli("generate", "--segments", "5", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert listing(tmp_path) == ["big.ttl"]


def _on_a_terminal(*args: str | Path) -> bytes:
    """Run cryonto with stdout and stderr on a real pseudo-terminal; what it showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", CLI, *map(str, args)],
                               stdout=follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=120)
    os.close(leader)
    return bytes(shown)


ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m"


def test_control_bytes_are_not_echoed_to_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(f"document,code,start,end,coder\nd1,Study code{ESCAPES},0,5,c1\n")
    shown = _on_a_terminal("import", "csv", path, "-o", tmp_path / "o.ttl")
    assert b"Study code" in shown
    assert b"\x1b" not in shown and b"\x07" not in shown and "\x9b".encode() not in shown
    assert b"\\x07\\x1b[2J\\x9b31m" in shown  # shown, escaped (";" splits the code name)


def test_error_lines_escape_control_bytes_even_off_a_terminal(tmp_path: Path) -> None:
    name = tmp_path / f"no{ESCAPES}\nsuch.csv"
    line = assert_refused(run_cli("import", "csv", name, "-o", tmp_path / "o.ttl"),
                          "no such file")
    assert "\x1b" not in line and "\\x1b[2J" in line and "\\n" in line
