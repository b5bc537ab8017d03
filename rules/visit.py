"""The rules that judge people together, run in order each frame: a later rule sees the
events an earlier one reported in the same frame (a farewell needs the door crossing)."""

from __future__ import annotations

from dataclasses import replace

from etiquette.rules.config import RulesConfig
from etiquette.rules.counter_acts import CounterActs
from etiquette.rules.door import DoorWatch
from etiquette.rules.events import Event
from etiquette.rules.farewell import FarewellWatch
from etiquette.rules.guiding import GuidingWatch
from etiquette.rules.opening import OpeningWatch
from etiquette.rules.queue_watch import QueueWatch
from etiquette.rules.scene import SceneContext, SceneFrame, SceneRule
from etiquette.rules.teller import CounterVisitWatch


def scene_rules(config: RulesConfig, context: SceneContext) -> list[SceneRule]:
    """Every scene rule this camera needs, in the order they must run."""
    rules: list[SceneRule] = []
    # door crossings, then the farewell that needs them (rules/door.py, rules/farewell.py)
    rules.append(DoorWatch(config.door, context.zones))
    rules.append(FarewellWatch(config.farewell, context.zones))
    # guiding after a greeting (rules/guiding.py)
    rules.append(GuidingWatch(config.guiding, context.zones))
    # the queue and its second diversion
    rules.append(QueueWatch(config.queue, context.zones))
    # the opening line-up and salutes (rules/opening.py)
    if context.next_opening is not None:
        rules.append(OpeningWatch(config.opening, context, config.roles.staff_dwell_s))
    # counter visits (lobby camera) and the teller's acts (counter camera) (rules/teller.py)
    if context.zones is not None and context.zones.counters:
        rules.append(CounterVisitWatch(context.zones))
    if context.faces_post is not None:
        rules.append(CounterActs(config.teller, context, stance_hold_s=config.stance.hold_s))
    return rules


class VisitRules:
    """All the scene rules of one camera."""

    def __init__(self, config: RulesConfig, context: SceneContext) -> None:
        self.rules = scene_rules(config, context)

    def update(self, frame: SceneFrame) -> list[Event]:
        reported: list[Event] = []
        seen = frame
        for rule in self.rules:
            found = rule.update(seen)
            if found:  # the rules after this one see these events too
                reported += found
                seen = replace(frame, events=(*frame.events, *reported))
        return reported

    def finish(self, time: float) -> list[Event]:
        reported: list[Event] = []
        for rule in self.rules:
            reported += rule.finish(time)
        return reported
