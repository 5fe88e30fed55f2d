"""Agreement results as RDF (Turtle), so the endpoint and the query library can ask them.

Vocabulary (docs/agreement.md, "Results as RDF"): a run is a `cry:AgreementResult`
(a `prov:Entity` derived from the study); each figure is a `sosa:Observation`
whose `sosa:observedProperty` is the coefficient (`cry:krippendorffAlpha`, …),
whose `sosa:hasFeatureOfInterest` is the category (the study for the overall
figure) and whose `sosa:hasSimpleResult` is the value. A `cry:` term is used
only where SOSA, PROV and DCTerms have none (level, units, interval bounds).
"""

from __future__ import annotations

from collections.abc import Iterator

from cryonto.coded import slug
from cryonto.rdf.ntriples import iri_term as _iri
from cryonto.rdf.ntriples import literal_term, turtle_text, typed_term
from cryonto.reliability.bootstrap import Figures
from cryonto.reliability.results import AgreementResult
from cryonto.vocab import CRY, DCTERMS, PREFIXES, PROV, RDF, RDFS, SOSA, XSD

#: JSON name -> (cry: local name of the coefficient, English label)
PROPERTIES = {
    "agreement": ("percentAgreement", "percent agreement (proportion of agreeing pairs)"),
    "cohen_kappa": ("cohenKappa", "Cohen's kappa"),
    "brennan_prediger": ("brennanPredigerKappa", "Brennan and Prediger's kappa-n"),
    "krippendorff_alpha": ("krippendorffAlpha", "Krippendorff's alpha (nominal)"),
    "fleiss_kappa": ("fleissKappa", "Fleiss' kappa"),
    "gwet_ac1": ("gwetAC1", "Gwet's AC1"),
    "unitized_alpha": ("unitizedAlpha", "Krippendorff's unitizing alpha (u-alpha)"),
}


def _lit(value: object, datatype: str | None = None) -> str:
    return typed_term(value, datatype) if datatype else literal_term(str(value))


def _double(value: float) -> str:
    return _lit(repr(float(value)), f"{XSD}double")


def result_iri(result: AgreementResult) -> str:
    base = result.studies[0] if result.studies else str(CRY)
    base = base if base.endswith(("/", "#")) else base + "/"
    name = "-".join([result.level, *[slug(c) for c in result.coders]])
    if result.level == "segment":
        name += f"-overlap{round(result.overlap * 100)}"
    return f"{base}agreement/{name}{'-rollup' if result.rollup else ''}"


def triples(result: AgreementResult) -> Iterator[tuple[str, str, str]]:
    T, S = str(RDF.type), SOSA
    run = result_iri(result)
    yield _iri(run), _iri(T), _iri(f"{CRY}AgreementResult")
    yield _iri(run), _iri(T), _iri(f"{PROV}Entity")
    yield _iri(run), _iri(f"{RDFS}label"), _lit(
        f"Intercoder agreement ({result.level} level) between {', '.join(result.coders)}")
    yield _iri(run), _iri(f"{CRY}agreementLevel"), _lit(result.level)
    yield _iri(run), _iri(f"{CRY}rollup"), _lit(str(result.rollup).lower(), f"{XSD}boolean")
    if result.level == "segment":
        yield _iri(run), _iri(f"{CRY}overlapThreshold"), _double(result.overlap)
    if result.replicates:
        yield _iri(run), _iri(f"{CRY}bootstrapReplicates"), _lit(result.replicates,
                                                                 f"{XSD}integer")
        yield _iri(run), _iri(f"{CRY}bootstrapSeed"), _lit(result.seed, f"{XSD}integer")
    for study in result.studies:
        yield _iri(run), _iri(f"{PROV}wasDerivedFrom"), _iri(study)
    for coder in result.coder_iris:
        yield _iri(run), _iri(f"{CRY}coder"), _iri(coder)
    for name, (local, label) in PROPERTIES.items():
        if name in result.coefficients:
            yield _iri(f"{CRY}{local}"), _iri(T), _iri(f"{S}ObservableProperty")
            yield _iri(f"{CRY}{local}"), _iri(f"{RDFS}label"), f'"{label}"@en'
    scopes = [("overall", result.studies[0] if result.studies else run, result.overall)]
    scopes += [(c.notation, c.category, c.figures) for c in result.categories]
    for scope, feature, figures in scopes:
        yield from _observations(result, run, scope, feature, figures)


def _observations(result: AgreementResult, run: str, scope: str, feature: str,
                  figures: Figures) -> Iterator[tuple[str, str, str]]:
    for name in result.coefficients:
        local = PROPERTIES[name][0]
        node = _iri(f"{run}#{slug(scope)}-{local}")
        yield node, _iri(str(RDF.type)), _iri(f"{SOSA}Observation")
        yield node, _iri(f"{DCTERMS}isPartOf"), _iri(run)
        yield node, _iri(f"{SOSA}observedProperty"), _iri(f"{CRY}{local}")
        yield node, _iri(f"{SOSA}hasFeatureOfInterest"), _iri(feature)
        yield node, _iri(f"{CRY}units"), _lit(figures.units, f"{XSD}integer")
        if scope == "overall":
            yield node, _iri(f"{CRY}agreementScope"), _lit("overall")
        value = figures.values.get(name)
        if value is None:
            yield node, _iri(f"{CRY}undefinedBecause"), _lit(figures.reasons.get(name, ""))
            continue
        yield node, _iri(f"{SOSA}hasSimpleResult"), _double(value)
        interval = figures.intervals.get(name)
        if interval:
            yield node, _iri(f"{CRY}lowerBound"), _double(interval[0])
            yield node, _iri(f"{CRY}upperBound"), _double(interval[1])


def to_turtle(result: AgreementResult) -> bytes:
    lines = (f"{s} {p} {o} .\n" for s, p, o in triples(result))
    prefixes = {k: v for k, v in PREFIXES.items()
                if k in ("cry", "rdfs", "xsd", "dcterms", "prov")}
    prefixes["sosa"] = SOSA
    for number, study in enumerate(result.studies):
        name = "study" if number == 0 else f"study{number + 1}"
        prefixes[name] = study if study.endswith(("/", "#")) else study + "/"
    run = result_iri(result)
    prefixes["agreement"] = run.rsplit("/", 1)[0] + "/"
    prefixes["result"] = run + "#"
    prefixes["coder"] = run.rsplit("/agreement/", 1)[0] + "/coder/"
    return turtle_text(lines, prefixes)
