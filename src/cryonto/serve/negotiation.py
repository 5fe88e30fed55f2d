"""Content negotiation: which serialization a client gets, from its Accept header.

`negotiate` follows RFC 9110: every media range carries a q-value (default 1);
an offer takes the q of the most specific range matching it (exact type beats
``type/*`` beats ``*/*``), q=0 means "not acceptable". Among offers with the
same q the one the client listed first wins, then the server's order. When
nothing is acceptable the caller answers 406.

A ``?format=`` (or ``?output=``) parameter (``json``, ``ttl``, ``html`` …)
overrides the header, which is what a person typing a URL into a browser
needs. A value naming nothing on offer is ignored (the header decides):
SPARQLWrapper, for one, sends ``format=``, ``output=`` and ``results=`` with
whatever name it uses for the format, hoping one of them is understood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryonto.rdf import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    """One serialization the server can produce."""

    key: str  # short name, as in ?format=
    media_type: str  # sent as Content-Type
    aliases: tuple[str, ...] = ()  # other media types that ask for it
    names: tuple[str, ...] = ()  # other ?format= values
    results: QueryResultsFormat | None = None
    rdf: RdfFormat | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def content_type(self) -> str:
        """Content-Type header value: text types say their charset."""
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


JSON = Format("json", "application/sparql-results+json", ("application/json",),
              ("srj",), results=QueryResultsFormat.JSON)
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
             ("srx",), results=QueryResultsFormat.XML)
CSV = Format("csv", "text/csv", (), (), results=QueryResultsFormat.CSV)
TSV = Format("tsv", "text/tab-separated-values", (), (), results=QueryResultsFormat.TSV)

TURTLE = Format("ttl", "text/turtle", ("application/turtle", "application/x-turtle"),
                ("turtle", "n3"), rdf=RdfFormat.TURTLE)
NTRIPLES = Format("nt", "application/n-triples", (), ("ntriples", "n-triples"),
                  rdf=RdfFormat.N_TRIPLES)
JSONLD = Format("jsonld", "application/ld+json", ("application/json",), ("json-ld", "json"),
                rdf=RdfFormat.JSON_LD)
RDFXML = Format("rdf", "application/rdf+xml", ("application/xml", "text/xml"),
                ("rdfxml", "rdf+xml", "xml", "owl"), rdf=RdfFormat.RDF_XML)

HTML = Format("html", "text/html", ("application/xhtml+xml",), ("htm",))

#: what a SELECT can be answered in, in the server's order of preference
SELECT_FORMATS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
#: what an ASK can be answered in (the CSV/TSV results formats define no boolean)
ASK_FORMATS: tuple[Format, ...] = (JSON, XML)
#: what CONSTRUCT, DESCRIBE, the service description and linked data come as
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)

FORMS: dict[str, tuple[Format, ...]] = {
    "SELECT": SELECT_FORMATS,
    "ASK": ASK_FORMATS,
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        mtype, _, msub = media_type.partition("/")
        return (self.type == "*" or self.type == mtype) and (
            self.subtype == "*" or self.subtype == msub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are skipped."""
    ranges: list[MediaRange] = []
    if not header:
        return ranges
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            if media == "*":  # some clients send a bare "*"
                media = "*/*"
            else:
                continue
        mtype, _, msub = media.partition("/")
        if not mtype or not msub or (mtype == "*" and msub != "*"):
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(mtype, msub, q, position))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The offer the client prefers, or None if it accepts none of them.

    No Accept header (or one with no well-formed media range) accepts
    anything: the first offer.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    best: tuple[float, int, bool, int] | None = None
    chosen: Format | None = None
    for order, offer in enumerate(offers):
        for alias, media_type in enumerate(offer.media_types):
            matching = [r for r in ranges if r.matches(media_type)]
            if not matching:
                continue
            top = max(matching, key=lambda r: (r.specificity, r.q))
            # the most specific ranges decide; among equally specific ones, the best q
            q = top.q
            if q <= 0:
                continue
            # wildcards give no client order: they rank after anything named
            position = top.position if top.specificity == 2 else len(ranges) + top.position
            # an offer's own media type beats an alias (text/* means CSV, not XML as text/xml)
            score = (q, -position, alias == 0, -order)
            if best is None or score > best:
                best, chosen = score, offer
    return chosen


def by_name(name: str, offers: Sequence[Format]) -> Format | None:
    """The offer a ``?format=`` value names (key, alias name or media type)."""
    wanted = name.strip().lower()
    for offer in offers:
        if wanted == offer.key or wanted in offer.names or wanted in offer.media_types:
            return offer
    return None


def choose(accept: str | None, format_params: str | Sequence[str] | None,
           offers: Sequence[Format]) -> Format | None:
    """The first ``?format=`` value naming an offer, else what the Accept header prefers."""
    if isinstance(format_params, str):
        format_params = [format_params]
    for name in format_params or ():
        chosen = by_name(name, offers)
        if chosen is not None:
            return chosen
    return negotiate(accept, offers)


def acceptable_list(offers: Sequence[Format]) -> str:
    """For a 406 message: the media types that would have worked."""
    return ", ".join(offer.media_type for offer in offers)
