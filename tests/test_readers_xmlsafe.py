"""Hardened XML and zip handling: DOCTYPE/entities refused, zip paths and bombs refused."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from cryonto.errors import CryontoError
from cryonto.readers.xmlsafe import MIB, SafeZip, ZipLimits, parse_xml

XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<Project xmlns="urn:QDA-XML:project:1.0">&xxe;</Project>\n')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
          b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
          b']>\n<lolz>&lol3;</lolz>\n')


def zip_file(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("data", [XXE, LAUGHS])
def test_doctype_and_entities_are_refused(data):
    with pytest.raises(CryontoError, match="refused: the XML has a DOCTYPE") as caught:
        parse_xml(data, "p.qde")
    assert caught.value.file == "p.qde"


def test_truncated_xml_names_line_and_open_element():
    data = (b'<?xml version="1.0"?>\n<Project>\n <Sources>\n'
            b'  <TextSource guid="g-1" name="x">\n   <PlainTextSelection guid="s-1" ')
    with pytest.raises(CryontoError) as caught:
        parse_xml(data, "p.qde")
    assert caught.value.where == "line 5"
    assert "inside element <TextSource guid=g-1>" in caught.value.reason


def test_mismatched_tag_and_bad_encoding_name_the_line():
    with pytest.raises(CryontoError, match="mismatched tag") as caught:
        parse_xml(b"<a>\n<b>\n</a>", "x.qde")
    assert caught.value.where == "line 3"
    latin = '<?xml version="1.0" encoding="utf-8"?>\n<a>\n<b name="Grüße"/></a>'.encode("cp1252")
    with pytest.raises(CryontoError, match="malformed XML") as caught:
        parse_xml(latin, "x.qde")
    assert caught.value.where == "line 3"


def test_namespaces_are_kept_for_the_reader():
    root = parse_xml(b'<Project xmlns="urn:QDA-XML:project:0:10"><Users/></Project>', "x")
    assert root.tag == "{urn:QDA-XML:project:0:10}Project"


@pytest.mark.parametrize("name", ["../evil.txt", "sources/../../evil.txt", "/etc/passwd",
                                  "C:/Windows/evil.txt", "..\\evil.txt"])
def test_members_leaving_the_archive_are_refused(tmp_path, name):
    path = zip_file(tmp_path / "p.qdpx", {"project.qde": b"<Project/>", name: b"x"})
    with pytest.raises(CryontoError, match="leaves the archive") as caught:
        SafeZip(path)
    assert caught.value.where == f"member {name!r}"


def test_not_a_zip(tmp_path):
    path = tmp_path / "p.qdpx"
    path.write_text("<Project/>", encoding="utf-8")
    with pytest.raises(CryontoError, match="cannot open it as a zip"):
        SafeZip(path)


def test_high_compression_ratio_is_refused(tmp_path):
    path = zip_file(tmp_path / "bomb.qdpx", {"project.qde": b"\0" * (20 * MIB)})
    archive = SafeZip(path)
    with pytest.raises(CryontoError, match=r"compression ratio \d+:1 is over 100:1"):
        archive.read("project.qde")
    assert archive.read_total == 0


def test_total_limit_counts_every_member_read(tmp_path):
    path = zip_file(tmp_path / "p.qdpx", {"a": b"a" * 600, "b": b"b" * 600})
    archive = SafeZip(path, ZipLimits(max_total=1000))
    assert archive.read("a") == b"a" * 600
    assert archive.read_total == 600
    with pytest.raises(CryontoError, match="exceed the limit of 1000 bytes"):
        archive.read("b")


def _lie_about_size(data: bytes, member: bytes, real: int, claimed: int) -> bytes:
    """Rewrite a member's uncompressed size in both the local and the central header."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        while at >= 0:
            if struct.unpack_from("<I", out, at + offset)[0] == real:
                struct.pack_into("<I", out, at + offset, claimed)
            at = out.find(signature, at + 4)
    return bytes(out)


def test_a_lying_size_header_does_not_slip_through(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"x" * 5000)
    path = tmp_path / "liar.qdpx"
    path.write_bytes(_lie_about_size(buffer.getvalue(), b"project.qde", 5000, 100))
    archive = SafeZip(path)
    assert archive.zip.getinfo("project.qde").file_size == 100
    with pytest.raises(CryontoError, match=r"corrupt archive member|beyond its declared size"):
        archive.read("project.qde")
