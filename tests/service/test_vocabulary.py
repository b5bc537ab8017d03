"""Every id the product stores has words people read, in Chinese and English: a new event type,
verdict, posture fault, clip reason or role without them fails here, not on a manager's page."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from etiquette.rules.events import BowVerdict, EventType, GreetingVerdict, PostureVerdict
from etiquette.rules.scene import Stance
from etiquette.rules.visit_events import PROCESS_FAULTS, ProcessVerdict, QueueExit
from etiquette.service.clips.config import ALL_REASONS
from etiquette.service.reports.processes import PROCESSES
from etiquette.service.store.models import ROLES
from etiquette.service.vocabulary import CATALOGUE, as_javascript, both, label, quantity

POSTURE_RULES = Path(__file__).resolve().parents[2] / "rules" / "posture.py"


def _faults() -> set[str]:
    return set(re.findall(r'faults\.append\("([a-z_]+)"\)', POSTURE_RULES.read_text()))


@pytest.mark.parametrize(
    ("category", "ids"),
    [
        ("event", set(typing.get_args(EventType))),
        (
            "verdict",
            {v.value for v in (*BowVerdict, *GreetingVerdict, *PostureVerdict, *ProcessVerdict)},
        ),
        ("process_fault", set(PROCESS_FAULTS)),
        ("process", set(PROCESSES)),
        ("queue_exit", set(typing.get_args(QueueExit))),
        ("stance", {Stance.STANDING, Stance.SITTING, Stance.UNKNOWN}),
        ("posture_fault", _faults()),
        ("clip_reason", set(ALL_REASONS)),
        ("role", set(ROLES) | {"staff", "customer"}),
    ],
)
def test_every_stored_id_has_words(category: str, ids: set[str]) -> None:
    assert ids, category
    missing = sorted(ids - set(CATALOGUE[category]))
    assert missing == [], f"add {category} words for {missing} to service/vocabulary.py"


def test_words_are_chinese_first_and_never_the_id() -> None:
    for category, pairs in CATALOGUE.items():
        for key, (zh, en) in pairs.items():
            assert re.search(r"[\u4e00-\u9fff]", zh), (category, key, zh)
            assert zh != key and en, (category, key)


def test_labels_in_both_languages() -> None:
    assert label("event", "greeting_missed") == "未迎宾"
    assert label("event", "greeting_missed", "en") == "greeting missed"
    assert both("verdict", "too_shallow") == "幅度不够 too shallow"
    assert label("event", "something_new") == "something_new"  # never blank
    assert label("event", None) == ""


@pytest.mark.parametrize(
    ("value", "unit", "language", "shown"),
    [
        (16.37, "deg", "zh", "16°"),
        (2.345, "s", "zh", "2.3 秒"),
        (2.345, "s", "en", "2.3 s"),
        (0.3536229013539835, "m", "zh", "0.35 米"),
        (None, "m", "zh", "–"),
    ],
)
def test_quantities_have_units_and_sane_precision(
    value: float | None, unit: str, language: str, shown: str
) -> None:
    assert quantity(value, unit, language) == shown  # type: ignore[arg-type]


def test_the_pages_get_the_same_catalogue() -> None:
    script = as_javascript()
    assert '"greeting_missed": ["未迎宾", "greeting missed"]' in script


WEB = Path(__file__).resolve().parents[2] / "service" / "api" / "web"


def _js_list(file: str, name: str) -> set[str]:
    found = re.search(rf"const {name} = \[(.*?)\];", (WEB / file).read_text(), re.S)
    assert found, f"{name} not found in {file}"
    return set(re.findall(r'"([a-z_]+)"', found.group(1)))


def test_the_pages_offer_every_clip_reason_and_every_event_type_a_person_reads() -> None:
    assert _js_list("clips.js", "REASONS") == set(ALL_REASONS)
    # Counter visits and attention intervals are the teller judge's inputs, not for people.
    shown = set(typing.get_args(EventType)) - {"counter_visit", "attention"}
    assert _js_list("dashboard.js", "EVENT_TYPES") == shown
