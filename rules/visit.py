"""The rules that judge people together, run in order each frame: a later rule sees the
events an earlier one reported in the same frame (a farewell needs the door crossing)."""

from __future__ import annotations

from dataclasses import replace

from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event
from etiquette.rules.scene import SceneContext, SceneFrame, SceneRule


def scene_rules(config: RulesConfig, context: SceneContext) -> list[SceneRule]:
    """Every scene rule this camera needs, in the order they must run."""
    rules: list[SceneRule] = []
    # door crossings, then the farewell that needs them (rules/door.py, rules/farewell.py)
    # guiding after a greeting (rules/guiding.py)
    # the queue and its second diversion (rules/queue.py)
    # the opening line-up and salutes (rules/opening.py)
    # counter visits (lobby camera) and the teller's acts (counter camera) (rules/teller.py)
    return rules


class VisitRules:
    """All the scene rules of one camera."""

    def __init__(self, config: RulesConfig, context: SceneContext) -> None:
        self.rules = scene_rules(config, context)

    def update(self, frame: SceneFrame) -> list[Event]:
        reported: list[Event] = []
        for rule in self.rules:
            seen = replace(frame, events=(*frame.events, *reported))
            reported += rule.update(seen)
        return reported

    def finish(self, time: float) -> list[Event]:
        reported: list[Event] = []
        for rule in self.rules:
            reported += rule.finish(time)
        return reported
