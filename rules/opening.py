"""开门迎宾 The opening line-up: a few minutes before the branch opens, the posts still empty
are prompted; at opening, who stands at each post and how (standing, in posture); after
the first customers come in, the tellers' raised-hand salutes.

The prompt is decided once, at the first frame at or after opening - prompt_before_s (and
after the roles could settle): the posts with no staff member on them then are listed, by
id. One event per opening, reported when the salute window closes (opening + the longer of
check_within_s and salute_within_s) so that it carries the salutes too; its start is the
opening and its end that close. The line-up is judged over [opening, opening +
check_within_s]: at each post the staff member seen there most, standing when seen
standing in more frames than sitting (unknown stance frames do not count), in posture when
judged in posture in more frames than not. Salutes count from the first customer arrival at
or after opening until opening + salute_within_s."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from etiquette.rules.events import Event, Phase
from etiquette.rules.salute import SaluteDetector
from etiquette.rules.scene import SceneContext, SceneFrame, Stance
from etiquette.rules.visit_config import OpeningConfig
from etiquette.rules.visit_events import (
    OpeningEvent,
    OpeningPost,
    OpeningPromptEvent,
    OpeningPromptValues,
    OpeningValues,
    ProcessVerdict,
)

# The line-up and its prompt are about every post, no one person: they carry this track.
LINEUP_TRACK = -1
# A post is still manned when its staff member was seen there this recently (the tracker
# loses a person for a frame or two).
MANNED_MEMORY_S = 1.0
# With no opening in the schedule's look-ahead, ask again after this long.
RECHECK_S = 3600.0
# Openings are a day or more apart: one second past the last one judged finds the next.
PAST_JUDGED_S = 1.0


@dataclass
class PostSighting:
    """One staff member at one post during the line-up check: frames by what was seen."""

    frames: int = 0
    standing: int = 0
    sitting: int = 0
    posture_ok: int = 0
    posture_off: int = 0


@dataclass
class Lineup:
    """One opening being watched."""

    opening: float
    close: float
    prompted: bool = False
    checked: bool = False  # a frame was seen in the check window
    sightings: dict[str, dict[int, PostSighting]] = field(default_factory=dict)
    first_customer: float | None = None
    salutes: int = 0


def expected_posts(config: OpeningConfig, context: SceneContext) -> list[str]:
    """The posts this camera judges: config.posts it can see (a post it cannot see is
    another camera's), or every post it sees when none are listed."""
    visible = set() if context.zones is None else set(context.zones.posts)
    if context.faces_post is not None:
        visible.add(context.faces_post)
    if config.posts:
        return [p for p in config.posts if p in visible]
    return sorted(visible)


def _majority(yes: int, no: int) -> bool | None:
    return None if yes + no == 0 else yes > no


class OpeningWatch:
    """The opening line-up, its prompt and the salutes (a SceneRule)."""

    def __init__(
        self, config: OpeningConfig, context: SceneContext, staff_dwell_s: float = 0.0
    ) -> None:
        """``staff_dwell_s``: how long a person stays at a post before they count as staff
        (roles.staff_dwell_s): a post is not called empty before the roles could settle."""
        self.config, self.context, self.staff_dwell_s = config, context, staff_dwell_s
        self.started: float | None = None  # the first frame seen
        self.posts = expected_posts(config, context)
        self.lineup: Lineup | None = None
        self.judged: float | None = None  # the last opening reported
        self.ask_after: float | None = None  # no opening ahead: when to ask again
        self.last_manned: dict[str, float] = {}
        self.salutes: dict[int, SaluteDetector] = {}

    @property
    def span_s(self) -> float:
        return max(self.config.check_within_s, self.config.salute_within_s)

    def update(self, frame: SceneFrame) -> list[Event]:
        if self.context.next_opening is None or not self.posts:
            return []
        now = frame.time
        self.started = now if self.started is None else self.started
        for person in frame.staff():
            if person.post in self.posts:
                self.last_manned[person.post] = now
        events: list[Event] = []
        if self.lineup is not None and now >= self.lineup.close:
            events += self._close(self.lineup.close)
        lineup = self.lineup or self._next(now)
        if lineup is None:
            return events
        events += self._prompt(lineup, now)
        self._check(lineup, frame)
        return events + self._salute(lineup, frame)

    def finish(self, time: float) -> list[Event]:
        if self.lineup is None or time < self.lineup.opening:
            return []
        return self._close(min(time, self.lineup.close))

    def _next(self, now: float) -> Lineup | None:
        """The opening whose window is still open at ``now`` (one the service started
        during is judged from what is left of it)."""
        if self.context.next_opening is None or (
            self.ask_after is not None and now < self.ask_after
        ):
            return None
        after = now - self.span_s
        if self.judged is not None:
            after = max(after, self.judged + PAST_JUDGED_S)
        opening = self.context.next_opening(after)
        if opening is None:
            self.ask_after = now + RECHECK_S
            return None
        self.ask_after = None
        self.lineup = Lineup(opening, opening + self.span_s)
        return self.lineup

    def _prompt(self, lineup: Lineup, now: float) -> list[Event]:
        due = lineup.opening - self.config.prompt_before_s <= now < lineup.opening
        settled = self.started is not None and now - self.started >= self.staff_dwell_s
        if lineup.prompted or not due or not settled:
            return []
        lineup.prompted = True
        empty = [
            p for p in self.posts if now - self.last_manned.get(p, -math.inf) > MANNED_MEMORY_S
        ]
        if not empty:
            return []
        before = lineup.opening - now
        text = self.config.prompt_text.format(
            minutes=max(1, math.ceil(before / 60.0)), posts="、".join(empty)
        )
        values = OpeningPromptValues(text=text, empty_posts=empty, before_s=round(before, 3))
        prompt = OpeningPromptEvent(
            phase=Phase.END, track=LINEUP_TRACK, role="staff", start=now, end=now, values=values
        )
        return [prompt]

    def _check(self, lineup: Lineup, frame: SceneFrame) -> None:
        if not lineup.opening <= frame.time <= lineup.opening + self.config.check_within_s:
            return
        lineup.checked = True
        for person in frame.staff():
            if person.post not in self.posts:
                continue
            seen = lineup.sightings.setdefault(person.post, {})
            sighting = seen.setdefault(person.track, PostSighting())
            sighting.frames += 1
            sighting.standing += person.stance == Stance.STANDING
            sighting.sitting += person.stance == Stance.SITTING
            sighting.posture_ok += person.posture_ok is True
            sighting.posture_off += person.posture_ok is False

    def _salute(self, lineup: Lineup, frame: SceneFrame) -> list[Event]:
        if lineup.first_customer is None:
            arrivals = [
                e.start
                for e in frame.events
                if e.type == "customer_arrived" and e.start >= lineup.opening
            ]
            lineup.first_customer = min(arrivals, default=None)
        if (
            lineup.first_customer is None
            or frame.time > lineup.opening + self.config.salute_within_s
        ):
            return []
        events: list[Event] = []
        for person in frame.staff():
            detector = self.salutes.setdefault(
                person.track, SaluteDetector(person.track, self.config)
            )
            events += detector.update(person, frame.time)
        lineup.salutes += len(events)
        return events

    def _close(self, time: float) -> list[Event]:
        lineup = self.lineup
        if lineup is None:
            return []
        events: list[Event] = [e for d in self.salutes.values() for e in d.finish()]
        lineup.salutes += len(events)
        self.salutes.clear()
        self.lineup, self.judged = None, lineup.opening
        if lineup.checked:
            events.append(self._event(lineup, time))
        return events

    def _event(self, lineup: Lineup, time: float) -> OpeningEvent:
        posts = []
        for post in self.posts:
            seen = lineup.sightings.get(post, {})
            if not seen:
                posts.append(OpeningPost(post=post, present=False))
                continue
            track, sighting = max(seen.items(), key=lambda item: item[1].frames)
            posts.append(
                OpeningPost(
                    post=post,
                    track=track,
                    present=True,
                    standing=_majority(sighting.standing, sighting.sitting),
                    posture_ok=_majority(sighting.posture_ok, sighting.posture_off),
                )
            )
        to_standard = all(
            p.present and p.standing is not False and p.posture_ok is not False for p in posts
        )
        verdict = ProcessVerdict.TO_STANDARD if to_standard else ProcessVerdict.OFF_STANDARD
        values = OpeningValues(opening=lineup.opening, posts=posts, salutes=lineup.salutes)
        return OpeningEvent(
            phase=Phase.END,
            track=LINEUP_TRACK,
            role="staff",
            start=lineup.opening,
            end=time,
            values=values,
            verdict=verdict,
        )
