"""The category system API (cryonto.category) on the mini fixture and the shipped ontology."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cryonto.category import (
    CategorySystem,
    load_category_system,
    notation_key,
    resolve_code,
)
from cryonto.errors import CryontoError

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"
MINI = [FIXTURES / "mini-crying.ttl", FIXTURES / "mini-literature.ttl"]
CRY = "https://w3id.org/cryonto/"


@pytest.fixture(scope="module")
def mini() -> CategorySystem:
    return load_category_system(MINI)


@pytest.fixture(scope="module")
def shipped() -> CategorySystem:
    return load_category_system()


# -- lookup ------------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    "A1.1", "a1.1", " A1.1 ", "Protest crying", "PROTEST   CRYING", "Protestweinen",
    "Crying in protest", f"{CRY}ProtestCrying", "cry:ProtestCrying", "ProtestCrying",
])
def test_find_by_every_kind_of_key(mini: CategorySystem, key: str) -> None:
    assert mini.find(key).iri == CRY + "ProtestCrying"


def test_find_unknown_raises_with_suggestion(mini: CategorySystem) -> None:
    with pytest.raises(CryontoError) as caught:
        mini.find("Protst cryin")
    message = str(caught.value)
    assert message.startswith("unknown concept 'Protst cryin'")
    assert "A1.1 Protest crying" in message


def test_find_unknown_without_close_match(mini: CategorySystem) -> None:
    with pytest.raises(CryontoError, match=r"^unknown concept 'zzzzzz'$"):
        mini.find("zzzzzz")


@pytest.mark.parametrize(("code", "expected"), [
    ("A1.1 Protest crying", "ProtestCrying"),
    ("A1.1: Protest crying", "ProtestCrying"),
    ("Assumptions\\Forms of crying\\Protest crying", "ProtestCrying"),
    ("Annahmen > Formen des Weinens > Protestweinen", "ProtestCrying"),
    ("Relief/Catharsis", "ReliefCatharsis"),
    ("A/A3/A3.2/Relief/Catharsis", "ReliefCatharsis"),
    ("i2", "GivingSpace"),
])
def test_resolve_code(mini: CategorySystem, code: str, expected: str) -> None:
    assert mini.resolve_code(code) == CRY + expected


@pytest.mark.parametrize("code", ["", "   ", "A new label", "A1.1 Giving space", "Catharsis x"])
def test_resolve_code_refuses_to_guess(mini: CategorySystem, code: str) -> None:
    # "A new label" starts with the notation "A" but is not Assumptions' label
    assert mini.resolve_code(code) is None


def test_lookup_index_is_normalised_and_a_copy(mini: CategorySystem) -> None:
    index = mini.lookup_index()
    assert index["a1.1"] == CRY + "ProtestCrying"
    assert index["protestweinen"] == CRY + "ProtestCrying"
    assert index[CategorySystem.normalize_key("Weinen  in Trauer")] == CRY + "CryingInGrief"
    index.clear()
    assert mini.resolve_code("A1.1") == CRY + "ProtestCrying"


# -- content -----------------------------------------------------------------------


def test_concept_fields(mini: CategorySystem) -> None:
    c = mini.find("A1.1")
    assert c.notation == "A1.1"
    assert c.labels == {"en": "Protest crying", "de": "Protestweinen"}
    assert c.alt_labels == {"en": ("Crying in protest",)}
    assert c.definition == "Crying out of anger or helplessness."
    assert c.examples == ("A patient cries when feeling treated unfairly.",)
    assert c.broader == (CRY + "FormsOfCrying",)
    assert c.source_section == "Results: Protest Crying"
    assert [tuple(link) for link in c.links] == [("contrastsWith", CRY + "CryingInGrief")]
    assert c.links[0].evidence.startswith("Protest crying was contrasted")
    assert [f.label("de") for f in c.form.feelings] == ["Wut"]
    assert c.form.triggers == ("injustice",)
    assert c.form.interactive_function.rank == 3
    assert c.form.acceptance_stance.iri == CRY + "NonAcceptance"
    assert [e.orientation.notation for e in c.emphases] == ["PDT"]


def test_findings_carry_stance_and_record(mini: CategorySystem) -> None:
    c = mini.find("A3.2.2")
    stances = {f.iri.rsplit("/", 1)[1]: f.stance for f in c.findings}
    assert stances == {"knox2017-1": "qualifies", "vingerhoets2013-1": "disagreesWith"}
    knox = next(f for f in c.findings if f.stance == "qualifies")
    assert knox.source.doi == "10.0000/example.2017"
    assert knox.source.date == "2017"
    # the same finding supports the broader category
    assert [f.stance for f in mini.find("A3.2").findings] == ["supports"]


def test_form_properties_absent_on_non_forms(mini: CategorySystem) -> None:
    assert not mini.find("I2").form


def test_tree_in_notation_order_with_levels(mini: CategorySystem) -> None:
    walked = [(n.level, n.concept.notation) for n in mini.walk()]
    assert walked == [(1, "A"), (2, "A1"), (3, "A1.1"), (3, "A1.3"), (2, "A3"), (3, "A3.2"),
                      (4, "A3.2.1"), (4, "A3.2.2"), (1, "I"), (2, "I2")]
    assert [c.notation for c in mini.concepts()] == sorted(
        (c.notation for c in mini.concepts()), key=notation_key)


def test_notation_key_is_natural() -> None:
    assert sorted(["A1.10", "I", "A1.2", "A2", "A1"], key=notation_key) == [
        "A1", "A1.2", "A1.10", "A2", "I"]


def test_tree_survives_a_cycle() -> None:
    system = load_category_system([*MINI, FIXTURES / "bad-cycle.ttl"])
    assert len(list(system.walk())) < 100


def test_load_is_cached_and_reloads_edited_files(tmp_path: Path) -> None:
    copy = tmp_path / "mini.ttl"
    shutil.copy(MINI[0], copy)
    first = load_category_system(copy)
    assert load_category_system(copy) is first
    text = copy.read_text(encoding="utf-8").replace('"Protest crying"@en', '"Angry crying"@en')
    copy.write_text(text, encoding="utf-8")
    later = copy.stat().st_mtime_ns + 10**9  # a coarse file-system clock must still see a change
    os.utime(copy, ns=(later, later))
    assert load_category_system(copy).find("A1.1").label() == "Angry crying"


def test_bad_file_names_the_file() -> None:
    with pytest.raises(CryontoError) as caught:
        load_category_system(FIXTURES / "bad-syntax.ttl")
    assert "bad-syntax.ttl" in str(caught.value)


# -- the shipped ontology (docs/ontology.md) ----------------------------------------

CONTRACT = {
    "A": "Assumptions", "A1": "FormsOfCrying", "A1.1": "ProtestCrying",
    "A1.2": "OverwhelmedCrying", "A1.3": "CryingInGrief", "A1.4": "PositiveCrying",
    "A2": "TherapeuticRelationship", "A2.1": "TherapeuticStance", "A2.2": "RelationalEnhancer",
    "A2.3": "RelationalChallenge", "A3": "TherapeuticProcess", "A3.1": "IncidentalToProcess",
    "A3.2": "PromotesProcess", "A3.2.1": "DiagnosticAccess", "A3.2.2": "ReliefCatharsis",
    "A3.2.3": "EmotionalAccess", "A3.2.4": "EmotionalDeepening", "A3.2.5": "IntegrativeFunction",
    "A3.3": "ImpedesProcess", "A3.3.1": "CryingAsManipulation", "A3.3.2": "CryingAsResistance",
    "I": "Interventions", "I1": "Addressing", "I1.1": "PerceivingHereAndNow",
    "I1.2": "ExploringEmotions", "I1.3": "ContextualizingCrying", "I2": "GivingSpace",
    "I2.1": "Pause", "I2.2": "LettingNarrate", "I3": "Neutralizing", "I3.1": "ProvidingSupport",
    "I3.2": "ExploringFacts", "I3.3": "ChangeOfTopic",
}


def test_shipped_has_the_33_concepts_of_the_contract(shipped: CategorySystem) -> None:
    assert {c.notation: c.iri.removeprefix(CRY) for c in shipped.concepts()} == CONTRACT
    assert [c.notation for c in shipped.top_concepts()] == ["A", "I"]


def test_shipped_every_concept_resolves_by_notation_and_both_labels(
        shipped: CategorySystem) -> None:
    for c in shipped.concepts():
        assert shipped.resolve_code(c.notation) == c.iri
        assert shipped.resolve_code(c.labels["en"]) == c.iri, c.labels["en"]
        assert shipped.resolve_code(c.labels["de"]) == c.iri, c.labels["de"]
        assert shipped.resolve_code(c.curie) == c.iri


def test_shipped_tree_depths(shipped: CategorySystem) -> None:
    levels = {n.concept.notation: n.level for n in shipped.walk()}
    assert len(levels) == 33
    assert levels["A"] == 1 and levels["A1"] == 2 and levels["A1.1"] == 3
    assert levels["A3.2.5"] == 4


def test_shipped_alt_labels_from_the_paper(shipped: CategorySystem) -> None:
    assert shipped.resolve_code("Crying promotes the process (potential for change)") == (
        CRY + "PromotesProcess")
    assert shipped.resolve_code("Assumptions about forms of emotional crying") == (
        CRY + "FormsOfCrying")


def test_shipped_forms_of_crying_and_findings(shipped: CategorySystem) -> None:
    protest = shipped.find("A1.1")
    assert protest.form, "forms of crying carry form properties"
    assert protest.form.interactive_function is not None
    assert any(c.findings for c in shipped.concepts()), "literature findings are loaded"
    assert all(f.source is not None for c in shipped.concepts() for f in c.findings)
    assert any(c.links for c in shipped.concepts())


def test_module_level_resolve_code_uses_the_shipped_ontology() -> None:
    assert resolve_code("A1.1") == CRY + "ProtestCrying"
    assert resolve_code("no such code") is None


def test_a_name_cut_short_by_maxqda_still_resolves_by_its_notation(
        shipped: CategorySystem) -> None:
    """MAXQDA keeps 63 characters of a code name; I1.3's full name has 65."""
    for concept in shipped.concepts():
        name = f"{concept.notation} {concept.label('en')}"
        assert shipped.resolve_code(name[:63]) == concept.iri
    assert shipped.resolve_code("I1.3 Contextualizing the crying in an actively therapeutic mann") \
        == CRY + "ContextualizingCrying"
    # too short a prefix to count as a cut name, and a prefix of another concept's label
    assert shipped.resolve_code("I1.3 Contextualizing") is None
    other = "A1.1 Contextualizing the crying in an actively therapeutic"
    assert shipped.resolve_code(other) is None
