"""Writers: the category system and coded datasets out to the formats QDA software reads.

Writers consume objects (`CategorySystem`, `CodedDataset`), never parse input
files, and never print. Each writes through `cryonto.atomic` so a failure
leaves no partial file, and XML is checked against the REFI-QDA schema before
the file is renamed into place. Shared helpers live here: stable GUIDs and XSD
validation.
"""

from __future__ import annotations

import re
import uuid
from functools import cache
from pathlib import Path

from cryonto.errors import CryontoError

#: the REFI-QDA (QDA-XML 1.0) schemas, MIT-licensed, copied from www.qdasoftware.org
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
#: written by hand, in double quotes as the vendors' own exports have it (ElementTree's
#: declaration uses single quotes)
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\}?$")


def stable_guid(iri: str) -> str:
    """A GUID that is the same on every run for the same IRI: uuid5(URL namespace, iri).

    Upper case, as ATLAS.ti, MAXQDA and NVivo write them.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri)).upper()


def is_guid(text: str | None) -> bool:
    return text is not None and _GUID.match(text) is not None


@cache
def _schema(name: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))


def validate_xml(data: bytes, schema: str, what: str = "output") -> None:
    """Raise CryontoError with the first violation if `data` is not valid against `schema`.

    `schema` is "Codebook.xsd" or "Project.xsd". libxml2 (lxml) does the
    checking: a 10^5-segment project validates in seconds, not minutes.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise CryontoError(f"the {what} is not well-formed XML: {error}") from None
    validator = _schema(schema)
    if not validator.validate(document):
        first = validator.error_log[0]
        raise CryontoError(f"the {what} is not valid against {schema}: {first.message} "
                           f"(line {first.line})")


__all__ = ["CODEBOOK_NS", "PROJECT_NS", "SCHEMA_DIR", "XML_DECLARATION", "is_guid",
           "stable_guid", "validate_xml"]
