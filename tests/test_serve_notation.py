"""Integration: a concept's notation under the server root redirects (303) to its page.

A real uvicorn (`support.serve.ThreadServer`) and a real HTTP client (httpx).
"""

from __future__ import annotations

import httpx
import pytest
from support.serve import ThreadServer, example_store

from cryonto.category import load_category_system
from cryonto.serve.linked import notation_target

pytestmark = pytest.mark.integration

BROWSER = {"Accept": "text/html"}
TURTLE = {"Accept": "text/turtle"}


@pytest.fixture(scope="module")
def server():
    with ThreadServer(example_store(w3c=False)) as running:
        yield running


def test_notation_redirects_to_the_concept_page(server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        moved = client.get("/A1.1", headers=BROWSER)
        assert moved.status_code == 303
        assert moved.headers["location"] == "/ProtestCrying"
        assert moved.headers["x-content-type-options"] == "nosniff"
        page = client.get("/A1.1", headers=BROWSER, follow_redirects=True)
        assert page.status_code == 200 and str(page.url).endswith("/ProtestCrying")
        assert "Protest crying" in page.text and "text/html" in page.headers["content-type"]
        # RDF clients follow the same way; the format choice travels with them
        rdf = client.get("/A1.1", headers=TURTLE, follow_redirects=True)
        assert rdf.status_code == 200 and "text/turtle" in rdf.headers["content-type"]
        assert '"A1.1"' in rdf.text and "skos:prefLabel" in rdf.text
        query = client.get("/A3.2.1", params={"format": "nt"})
        assert query.status_code == 303
        assert query.headers["location"] == "/" + _local("A3.2.1") + "?format=nt"
        suffixed = client.get("/I2.1.ttl")
        assert suffixed.status_code == 303
        assert suffixed.headers["location"] == "/" + _local("I2.1") + ".ttl"
        assert client.get("/I2.1.ttl", follow_redirects=True).headers[
            "content-type"].startswith("text/turtle")
        assert client.head("/A1.1").status_code == 303
        domain = client.get("/A")
        assert domain.status_code == 303 and domain.headers["location"] == "/Assumptions"


def test_every_notation_redirects_to_its_own_concept(server) -> None:
    system = load_category_system()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for concept in system.concepts():
            if not concept.notation:
                continue
            moved = client.get("/" + concept.notation)
            assert moved.status_code == 303, concept.notation
            assert moved.headers["location"] == "/" + _local(concept.notation)


@pytest.mark.parametrize("path", ["/A9.9", "/a1.1", "/A1.1.pdf", "/A1.1x", "/A1.", "/Z"])
def test_unknown_notation_is_404(server, path: str) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.get(path, headers=TURTLE)
    assert answer.status_code == 404
    assert "location" not in answer.headers


def test_notation_target_only_for_cryonto_concepts_and_known_suffixes() -> None:
    """A concept outside the server's namespace has no local page to send anyone to."""
    assert notation_target({"A1.1": "https://w3id.org/cryonto/ProtestCrying"}, "/A1.1") == \
        "/ProtestCrying"
    assert notation_target({"A1.1": "https://example.org/elsewhere"}, "/A1.1") is None
    assert notation_target({"A1.1": "https://w3id.org/cryonto/ProtestCrying"}, "/A1.1.ttl",
                           {".ttl"}) == "/ProtestCrying.ttl"
    assert notation_target({"A1.1": "https://w3id.org/cryonto/ProtestCrying"}, "/A1.1.ttl",
                           ()) is None


def _local(notation: str) -> str:
    iri = load_category_system().find(notation).iri
    return iri.rsplit("/", 1)[-1]
