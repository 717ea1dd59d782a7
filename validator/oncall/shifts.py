"""Shifts for calendars: a stretch of time one person is on call in one rotation, with its true start and
end, and the duty of a person an escalation level names directly.

A shift's bounds never depend on the window asked for: one that began before the window is followed
back to where it really began (however long ago, across DST), one that runs past it forward to where it
really ends, so a calendar's UIDs (made from the true start) stay the same from one day to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from validator.model.kinds import Rotation, Settings
from validator.model.types import split_ref
from validator.oncall.engine import TurnLimit, clock_mask, timeline
from validator.oncall.zones import DAY, instant, to_local, to_utc

LOOK_AHEAD = 366 * DAY
"""How far past the window a shift is followed to its end (a one-person rotation never ends)."""
_FIRST_STEP = 8 * DAY
_STRICTNESS = {"none": 0, "business": 1, "24x7": 2}


class Shift(NamedTuple):
    start: int
    end: int
    source: str       # the rotation id, or the escalation id for direct duty
    person: str
    level: int = 0    # direct duty: the escalation level (1-based); 0 for a rotation's shift


def rotation_shifts(rotation: Rotation, w0: int, w1: int, person: str | None = None) -> list[Shift]:
    """The rotation's shifts overlapping `[w0, w1)` (only `person`'s, if given), with their true bounds.

    Raises `TurnLimit` when the window itself hands over too often to compute.
    """
    found = timeline(rotation, w0, w1).segments
    out = []
    for index, (start, end, who) in enumerate(found):
        if person is not None and who != person:
            continue
        if index == 0 and start == w0:
            start = _true_start(rotation, start, who)
        if index == len(found) - 1 and end == w1:
            end = _true_end(rotation, end, who, w1 + LOOK_AHEAD)
        out.append(Shift(start, end, rotation.id, who))
    return out


def _earliest(rotation: Rotation) -> int:
    """Before this instant nobody is on call: the first layer's start or override."""
    zone = rotation.timezone
    return min([instant(layer.start, zone) for layer in rotation.layers]
               + [instant(override.from_, zone) for override in rotation.overrides])


def _true_start(rotation: Rotation, start: int, person: str) -> int:
    """Follow `person`'s shift that is on call at `start` back to where it began."""
    floor, step = _earliest(rotation), _FIRST_STEP
    while start > floor:
        low = max(floor, start - step)
        try:
            segments = timeline(rotation, low, start).segments
        except TurnLimit:
            return start
        if not segments or segments[-1][1] != start or segments[-1][2] != person:
            return start
        start = segments[-1][0]
        if start > low:
            return start
        step *= 2
    return start


def _true_end(rotation: Rotation, end: int, person: str, ceiling: int) -> int:
    """Follow `person`'s shift that runs up to `end` forward to where it ends (at most `ceiling`)."""
    step = _FIRST_STEP
    while end < ceiling:
        high = min(ceiling, end + step)
        try:
            segments = timeline(rotation, end, high).segments
        except TurnLimit:
            return end
        if not segments or segments[0][0] != end or segments[0][2] != person:
            return end
        end = segments[0][1]
        if end < high:
            return end
        step *= 2
    return end


def strictest_hours(settings: Settings, tiers: Iterable[int]) -> str:
    """'24x7', 'business' or 'none': the strictest support hours among the tiers."""
    hours = [settings.tiers[tier].hours if tier in settings.tiers else "none" for tier in tiers]
    return max(hours, key=_STRICTNESS.__getitem__, default="none")


def direct_duty(escalation, person: str, hours: str, zone: str, person_zone: str, settings: Settings,
                w0: int, w1: int) -> list[Shift]:
    """When `person`, named directly in a level of `escalation`, may be paged, as shifts overlapping `[w0, w1)`:
    the support hours of the services using it (`business`: each business-hours window on the wall clock
    of `zone`; `24x7`: each whole day of the person's own zone; `none`: never), whole."""
    levels = [index + 1 for index, level in enumerate(escalation.levels)
              if any(split_ref(target) == ("person", person) for target in level.targets)]
    if not levels or hours == "none":
        return []
    low, high = w0 - 2 * DAY, w1 + 2 * DAY
    if hours == "business":
        business = settings.business_hours
        windows = clock_mask([(business.days, business.from_, business.to)], zone, low, high)
    else:
        first, last = to_local(person_zone, low) // DAY + 1, to_local(person_zone, high) // DAY - 1
        windows = [(to_utc(person_zone, day * DAY), to_utc(person_zone, (day + 1) * DAY))
                   for day in range(first, last)]
    kept = [(s, e) for s, e in windows if e > w0 and s < w1]  # whole: a window is never clipped
    return [Shift(s, e, escalation.id, person, level) for level in levels for s, e in kept]
