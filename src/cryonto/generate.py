"""Synthetic coded studies of any size, optionally with injected errors of known kinds.

`generate_study` builds a `model.CodedDataset` with realistic category frequencies and
the co-occurrences the paper reports (protest crying with crying as resistance and
relational challenge; emotional access with perceiving the here-and-now; emotional
deepening with exploring emotions; integrative function with contextualizing;
diagnostic access with therapeutic stance), orientations PDT/CBT/ST in the paper's
15/11/7 ratio and a small study codebook of which some codes are mapped onto
categories and some are not. `write_study` streams the quads (never an rdflib graph)
and applies injected errors on the way, writing a JSON manifest of exactly which
segment carries which error.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cryonto.atomic import atomic_write
from cryonto.errors import CryontoError
from cryonto.model import Code, CodedDataset, Coder, Document, Segment
from cryonto.vocab import CRY, DCTERMS, OA

#: the category system as docs/ontology.md lists it: notation -> (local name, English label)
CATEGORIES: dict[str, tuple[str, str]] = {
    "A": ("Assumptions", "Assumptions"),
    "A1": ("FormsOfCrying", "Forms of crying"),
    "A1.1": ("ProtestCrying", "Protest crying"),
    "A1.2": ("OverwhelmedCrying", "Overwhelmed crying"),
    "A1.3": ("CryingInGrief", "Crying in grief"),
    "A1.4": ("PositiveCrying", "Positive crying"),
    "A2": ("TherapeuticRelationship", "The therapeutic relationship"),
    "A2.1": ("TherapeuticStance", "Therapeutic stance"),
    "A2.2": ("RelationalEnhancer", "Crying as a relational enhancer"),
    "A2.3": ("RelationalChallenge", "Crying as a relational challenge"),
    "A3": ("TherapeuticProcess", "The therapeutic process"),
    "A3.1": ("IncidentalToProcess", "Crying as incidental to the process"),
    "A3.2": ("PromotesProcess", "Crying promotes the process"),
    "A3.2.1": ("DiagnosticAccess", "Diagnostic access"),
    "A3.2.2": ("ReliefCatharsis", "Relief/Catharsis"),
    "A3.2.3": ("EmotionalAccess", "Emotional access"),
    "A3.2.4": ("EmotionalDeepening", "Emotional deepening"),
    "A3.2.5": ("IntegrativeFunction", "Integrative function"),
    "A3.3": ("ImpedesProcess", "Crying impedes the process"),
    "A3.3.1": ("CryingAsManipulation", "Crying as manipulation"),
    "A3.3.2": ("CryingAsResistance", "Crying as resistance"),
    "I": ("Interventions", "Interventions"),
    "I1": ("Addressing", "Addressing"),
    "I1.1": ("PerceivingHereAndNow", "Perceiving the here-and-now quality of the crying"),
    "I1.2": ("ExploringEmotions", "Exploring emotions"),
    "I1.3": ("ContextualizingCrying",
             "Contextualizing the crying in an actively therapeutic manner"),
    "I2": ("GivingSpace", "Giving space"),
    "I2.1": ("Pause", "Pause"),
    "I2.2": ("LettingNarrate", "Letting narrate"),
    "I3": ("Neutralizing", "Neutralizing"),
    "I3.1": ("ProvidingSupport", "Providing support in an actively therapeutic manner"),
    "I3.2": ("ExploringFacts", "Exploring facts"),
    "I3.3": ("ChangeOfTopic", "Initiating a change of topic/ending the session"),
}


def category_iri(notation: str) -> str:
    return str(CRY) + CATEGORIES[notation][0]
