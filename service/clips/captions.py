"""What a clip and the live view say about an event and a person, in the product's words
(service/vocabulary.py), Chinese first: "员工 鞠躬 16° · 幅度不够". Never a track id or a
machine word: a track id is the tracker's bookkeeping and changes when a person is lost and
found again, so a trainer who read "#3" would be misled."""

from __future__ import annotations

from etiquette.rules.engine import PersonRules
from etiquette.rules.events import BowValues, Event, GreetingValues, PostureValues
from etiquette.rules.visit_events import (
    FarewellValues,
    GuidingValues,
    QueuePromptValues,
    QueueWaitValues,
    TellerServiceValues,
)
from etiquette.service.vocabulary import Language, label, quantity
from etiquette.vision.joints import Role

SEPARATOR = " · "
ROLE_KEYS = {Role.STAFF: "staff", Role.CUSTOMER: "customer"}


def caption(event: Event, language: Language = "zh") -> str:
    """One line for a finished event: who, what, the measured value and the verdict."""
    who = label("role", event.role, language)
    what = label("event", event.type, language)
    values = event.values
    measured = ""
    details: list[str] = []
    if isinstance(values, BowValues):
        measured = quantity(values.peak_deg, "deg", language)
    elif isinstance(values, PostureValues):
        measured = quantity(values.off_s, "s", language)
        details = [label("posture_fault", fault, language) for fault in values.reasons]
    elif isinstance(values, GreetingValues):
        measured = quantity(values.latency_s, "s", language)
    elif isinstance(values, GuidingValues | TellerServiceValues):
        details = [label("process_fault", fault, language) for fault in values.faults]
    elif isinstance(values, FarewellValues) and values.escorted:
        measured = quantity(values.together_m, "m", language)
    elif isinstance(values, QueuePromptValues):
        measured = f"{values.length} 人" if language == "zh" else f"{values.length} people"
    elif isinstance(values, QueueWaitValues):
        measured = quantity(values.wait_s, "s", language)
    verdict = label("verdict", event.verdict, language) if event.verdict else ""
    head = " ".join(part for part in (who, what, measured) if part)
    tail = "、".join(details) if language == "zh" else ", ".join(details)
    return SEPARATOR.join(part for part in (head, verdict, tail) if part)


def role_label(role: Role | int, language: Language = "zh") -> str:
    """员工 or 客户; empty while the role is unknown (a guess would mislead)."""
    key = ROLE_KEYS.get(Role(int(role)))
    return label("role", key, language) if key else ""


def person_label(person: PersonRules, language: Language = "zh") -> str:
    """The role, and for staff the trunk angle (their bows are what is coached)."""
    role = role_label(person.role, language)
    if person.role == Role.STAFF and person.trunk_deg is not None:
        return f"{role} {quantity(person.trunk_deg, 'deg', language)}"
    return role


def person_labels(people: dict[int, PersonRules], language: Language = "zh") -> dict[int, str]:
    """Label per track id (the id only finds the person in the frame; it is never shown)."""
    return {track: person_label(person, language) for track, person in people.items()}
