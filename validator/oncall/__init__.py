"""oncall: the time engine. Exact half-open UTC intervals (integer epoch seconds), never sampling.

    timeline(rotation, start, end) -> Timeline   # .segments, .by_person(), .coverage(), .who(t)
    who(rotation, instant) -> person | None
    steps(escalation, timeline_of, start, end)   # who each level pages, as a step function
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from validator.model.kinds import Absence, Hours, Night
from validator.model.types import DAYS
from validator.oncall.engine import MAX_TURNS, Timeline, TurnLimit, clock_mask, timeline, who
from validator.oncall.escalation import nobody, paged_at, shared, single_person, steps
from validator.oncall.intervals import (
    IntervalSet,
    clip,
    complement,
    contains,
    intersect,
    normalise,
    overlap,
    subtract,
    total,
    union,
)
from validator.oncall.zones import DAY, instant, local_datetime, naive_seconds, to_utc

__all__ = [
    "MAX_TURNS", "Timeline", "TurnLimit", "timeline", "who", "steps", "nobody", "single_person", "shared",
    "paged_at", "IntervalSet", "clip", "complement", "contains", "intersect", "normalise", "overlap", "subtract",
    "total", "union", "absence_interval", "hours_mask", "night_mask", "describe_window", "describe_windows",
]


def absence_interval(absence: Absence, person_zone: str) -> tuple[int, int]:
    """An absence as `[start, end)`: dates are whole days in the person's zone (`to` inclusive);
    a datetime without offset is UTC."""
    return _bound(absence.from_, person_zone, end=False), _bound(absence.to, person_zone, end=True)


def _bound(value: date | datetime, zone: str, end: bool) -> int:
    if isinstance(value, datetime):
        return instant(value, "UTC")
    day = value + timedelta(days=1) if end else value
    return to_utc(zone, naive_seconds(datetime(day.year, day.month, day.day)))  # noqa: DTZ001 - wall clock


def hours_mask(hours: Hours, zone: str, w0: int, w1: int) -> IntervalSet:
    """Business hours (days, from, to on the zone's wall clock) within `[w0, w1)`."""
    return clock_mask([(hours.days, hours.from_, hours.to)], zone, w0, w1)


def night_mask(night: Night, zone: str, w0: int, w1: int) -> IntervalSet:
    """Night (every day, from .. to, usually crossing midnight) on a person's wall clock."""
    return clock_mask([(DAYS, night.from_, night.to)], zone, w0, w1)


def describe_window(start: int, end: int, zone: str) -> str:
    """'Sat 2026-12-05 17:00 – Mon 09:00' on the zone's wall clock."""
    first, last = local_datetime(start, zone), local_datetime(end, zone)
    head = first.strftime("%a %Y-%m-%d %H:%M")
    if last.date() == first.date():
        tail = last.strftime("%H:%M")
    elif end - start < 6 * DAY:
        tail = last.strftime("%a %H:%M")
    else:
        tail = last.strftime("%a %Y-%m-%d %H:%M")
    return f"{head} – {tail}"


def describe_windows(spans: IntervalSet, zone: str, limit: int = 3) -> str:
    """The first `limit` windows and the zone name, then '(and N more)'."""
    shown = ", ".join(describe_window(s, e, zone) for s, e in spans[:limit])
    more = f" (and {len(spans) - limit} more)" if len(spans) > limit else ""
    return f"{shown} {zone}{more}"
