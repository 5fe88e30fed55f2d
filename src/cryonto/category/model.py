"""The objects callers see: a category (`Concept`) and what hangs off it.

Plain frozen dataclasses, so callers never write SPARQL or touch RDF terms to
answer "what is A1.1?". Related concepts are given as IRIs; `CategorySystem.get`
turns an IRI into a Concept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryonto.vocab import CRY, compact

#: the scheme whose concepts make up the category system
CATEGORY_SCHEME = CRY["CategorySystem"]
#: a finding's stance towards a category: local names of the CiTO properties used
STANCES = ("supports", "qualifies", "disagreesWith")

def notation_key(notation: str | None) -> tuple:
    """Sort key that orders notations naturally: A1.2 < A1.10 < A2 < I."""
    if not notation:
        return ((2, ""),)
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.findall(r"\d+|[^\d.]+", notation))


def local_name(iri: str) -> str:
    """The part of an IRI after the last '/' or '#' (what people call a term)."""
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def curie(iri: str) -> str:
    """`cry:ProtestCrying` for a cryonto IRI, the IRI itself otherwise."""
    return compact(iri)


# -- the objects callers see ---------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A value from a small controlled set: a feeling, a level, a stance, an orientation."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    notation: str | None = None
    rank: int | None = None

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or next(
            iter(self.labels.values()), None) or self.notation or local_name(self.iri)


@dataclass(frozen=True)
class Record:
    """A bibliographic record (``fabio:JournalArticle``/``fabio:Book``) findings cite."""

    iri: str
    title: str | None = None
    citation: str | None = None
    date: str | None = None
    doi: str | None = None

    def describe(self) -> str:
        """One line a reader can look up: the citation, else title and year, plus DOI."""
        text = self.citation or " ".join(p for p in (self.title, f"({self.date})" if self.date
                                                   else None) if p) or curie(self.iri)
        return f"{text} doi:{self.doi}" if self.doi else text


@dataclass(frozen=True)
class Finding:
    """A claim from the literature and where it stands on one category."""

    iri: str
    label: str | None
    claim: str | None
    stance: str  # one of STANCES
    sources: tuple[Record, ...]
    quoted_from: str | None = None

    @property
    def source(self) -> Record | None:
        """The first source; a finding citing studies together has several (`sources`)."""
        return self.sources[0] if self.sources else None


@dataclass(frozen=True)
class Link:
    """A typed associative link (a `skos:related` subproperty) to another concept.

    `inverse` is true when only the other concept states the link (a
    non-symmetric link seen from its object side). `source` and `evidence` come
    from the reified `cry:CategoryLink`, when there is one.
    """

    type: str  # local name, e.g. "cooccursWith"
    other: str  # IRI of the other concept
    source: str | None = None
    evidence: str | None = None
    inverse: bool = False

    def __iter__(self) -> Iterator[str]:
        """Unpacks as ``(link_type_local_name, other_iri)``."""
        return iter((self.type, self.other))


@dataclass(frozen=True)
class Emphasis:
    """What one therapeutic orientation stresses about a category."""

    iri: str
    orientation: Term | None
    comment: str | None
    source: str | None
    evidence: str | None = None


@dataclass(frozen=True)
class FormProperties:
    """Descriptors of a form of crying (only the A1.x concepts carry them)."""

    feelings: tuple[Term, ...] = ()
    triggers: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    quality: tuple[str, ...] = ()
    interactive_function: Term | None = None
    reactions: tuple[str, ...] = ()
    acceptance_stance: Term | None = None

    def __bool__(self) -> bool:
        return any((self.feelings, self.triggers, self.themes, self.quality,
                    self.interactive_function, self.reactions, self.acceptance_stance))


@dataclass(frozen=True)
class Concept:
    """One category of the system, with everything the ontology says about it.

    Related concepts (`broader`, `narrower`, `links`) are given as IRIs so the
    objects stay simple values; `CategorySystem.get` turns an IRI into a Concept.
    """

    iri: str
    notation: str | None
    labels: dict[str, str] = field(compare=False)
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    definitions: dict[str, str] = field(default_factory=dict, compare=False)
    examples: tuple[str, ...] = field(default=(), compare=False)
    broader: tuple[str, ...] = field(default=(), compare=False)
    narrower: tuple[str, ...] = field(default=(), compare=False)
    links: tuple[Link, ...] = field(default=(), compare=False)
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    form: FormProperties = field(default_factory=FormProperties, compare=False)
    emphases: tuple[Emphasis, ...] = field(default=(), compare=False)
    source_section: str | None = field(default=None, compare=False)
    schemes: tuple[str, ...] = field(default=(), compare=False)
    top: bool = field(default=False, compare=False)

    @property
    def curie(self) -> str:
        return curie(self.iri)

    @property
    def definition(self) -> str | None:
        """The English definition (the paper's), else any."""
        return self.definition_in("en")

    def label(self, lang: str = "en") -> str:
        """The prefLabel in `lang`, falling back to English, then the notation."""
        return (self.labels.get(lang) or self.labels.get("en")
                or next(iter(self.labels.values()), None) or self.notation
                or local_name(self.iri))

    def definition_in(self, lang: str = "en") -> str | None:
        return (self.definitions.get(lang) or self.definitions.get("en")
                or next(iter(self.definitions.values()), None))

    def findings_by_stance(self, stance: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.stance == stance)


@dataclass(frozen=True)
class TreeNode:
    """One concept in `CategorySystem.tree()`, with its children in notation order."""

    concept: Concept
    children: tuple[TreeNode, ...] = ()
    level: int = 1

    def walk(self) -> Iterator[TreeNode]:
        """This node, then its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()
