"""All triples of a store as subject -> predicate -> objects, for walking the ontology fast."""

from __future__ import annotations

from collections import defaultdict

from cryonto.rdf import GraphStore, Literal, NamedNode
from cryonto.vocab import RDF

_RDF_TYPE = RDF.type


class TripleIndex:
    """All triples of a store as subject -> predicate -> objects, for fast walking."""

    def __init__(self, store: GraphStore) -> None:
        self.out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.incoming: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for quad in store.quads():
            s, p, o = quad.subject, quad.predicate.value, quad.object
            if not isinstance(s, NamedNode):
                continue
            self.out[s.value][p].append(o)
            if isinstance(o, NamedNode):
                self.incoming[o.value][p].append(s.value)

    def iris(self, s: str, p: str) -> list[str]:
        seen: dict[str, None] = {}
        for o in self.out.get(s, {}).get(p, ()):
            if isinstance(o, NamedNode):
                seen.setdefault(o.value, None)
        return list(seen)

    def iri(self, s: str, p: str) -> str | None:
        values = self.iris(s, p)
        return values[0] if values else None

    def literals(self, s: str, p: str) -> list[Literal]:
        return [o for o in self.out.get(s, {}).get(p, ()) if isinstance(o, Literal)]

    def texts(self, s: str, p: str, lang: str | None = None) -> tuple[str, ...]:
        """Literal values, English/untagged first, then alphabetical, without duplicates.

        RDF keeps no order, so sorting is what makes output the same on every run.
        """
        lits = self.literals(s, p)
        if lang is not None:
            lits = [x for x in lits if (x.language or "") == lang]
        lits.sort(key=lambda x: (x.language not in (None, "", "en"), x.language or "",
                                 x.value.casefold(), x.value))
        return tuple(dict.fromkeys(x.value for x in lits))

    def text(self, s: str, p: str) -> str | None:
        values = self.texts(s, p)
        return values[0] if values else None

    def by_lang(self, s: str, p: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for lit in sorted(self.literals(s, p), key=lambda x: (x.value.casefold(), x.value)):
            if lit.value not in out[lit.language or ""]:
                out[lit.language or ""].append(lit.value)
        return dict(out)

    def subjects(self, p: str, o: str) -> list[str]:
        return list(dict.fromkeys(self.incoming.get(o, {}).get(p, ())))

    def types(self, s: str) -> list[str]:
        return self.iris(s, _RDF_TYPE)

    def describes(self, s: str) -> bool:
        return s in self.out
