"""Who is on call when: a rotation's layers, restrictions and overrides as exact UTC intervals.

Everything is integer UTC epoch seconds and half-open `[start, end)`. Layers hand over by
arithmetic (never by sampling): `h`/`m` turns are fixed lengths from the layer's start, `d`/`w`
turns step whole days on the rotation's wall clock, so the hand-off keeps its local time
across DST. Restrictions mask a layer; a later layer wins wherever it has someone; overrides
replace the result for their window (a later override wins over an earlier one).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain, compress, islice
from operator import itemgetter, ne
from typing import NamedTuple

from validator.model.kinds import Layer, Restriction, Rotation
from validator.model.types import DAYS, clock_minutes
from validator.oncall.intervals import IntervalSet, clip, normalise, subtract, total, union
from validator.oncall.zones import DAY, instant, naive_seconds, to_local, to_utc

MAX_TURNS = 100_000
"""Hand-offs one layer may make in one window; beyond it `TurnLimit` is raised."""

Segment = tuple[int, int, str]
_PERSON = itemgetter(2)


MAX_TOTAL_TURNS = 2_000_000
"""Hand-offs all rotations together may make in one run (see `rules.oncall_views.rotation_timeline`)."""


class TurnLimit(Exception):
    """A layer hands over too often in the window to be worth computing (e.g. a `1m` turn for a year)."""

    def __init__(self, layer: str, turns: int, turn: str, message: str | None = None) -> None:
        super().__init__(message or f"layer '{layer}' would hand over about {turns} times (turn {turn}), "
                         f"more than {MAX_TURNS}")
        self.layer, self.turns, self.turn = layer, turns, turn


def expected_turns(layer: Layer, zone: str, w0: int, w1: int) -> int:
    """An upper bound of the hand-offs a layer makes in `[w0, w1)` (0 when it starts after the window)."""
    first = instant(layer.start, zone)
    if first >= w1:
        return 0
    return (w1 - max(w0, first)) // layer.turn.seconds + 2


class Timeline:
    """A rotation's result for a window: sorted, disjoint segments `(start, end, person)`."""

    __slots__ = ("start", "end", "_segments", "deciding", "labels")

    def __init__(self, start: int, end: int, segments: list[Segment] | None = None,
                 deciding: list[IntervalSet] | None = None,
                 labels: tuple[_Plan, list[str], bool] | None = None) -> None:
        self.start, self.end = start, end
        self._segments = segments if segments is not None or labels is not None else []
        self.deciding: list[IntervalSet] = [] if deciding is None else deciding
        """Per layer (repository order): when that layer decides who is on call, before overrides: it has
        someone by its start and restrictions and no later layer has. Empty lists when not computed."""
        self.labels = labels
        """How the segments were made, when they are a plan relabelled (no override): the plan, the names of
        its slots and whether they are distinct."""

    @property
    def segments(self) -> list[Segment]:
        """Made from the plan when first asked for (most readers need the people or the time covered only)."""
        found = self._segments
        if found is None:
            plan, names, distinct = self.labels  # type: ignore[misc]
            found = list(zip(plan.starts, plan.ends, map(names.__getitem__, plan.slots), strict=True))
            # the same person on both sides of a hand-off: only a slot next to itself, or a name in two slots
            if plan.touching and (plan.self_touching or not distinct) and \
                    any(names[before] == names[after] for before, after in plan.touching):
                found = _merge(found)
            self._segments = found
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return (self.start, self.end, self.segments, self.deciding) == \
            (other.start, other.end, other.segments, other.deciding)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Timeline(start={self.start!r}, end={self.end!r}, segments={self.segments!r}, " \
               f"deciding={self.deciding!r})"

    def people(self) -> set[str]:
        """Everyone on call some time in the window."""
        labels = self.labels
        if labels is not None:
            plan, names = labels[0], labels[1]
            if len(plan.used_slots) == len(names):  # every slot on call some time
                return set(names)
            return set(map(names.__getitem__, plan.used_slots))
        return set(map(_PERSON, self.segments))

    def runs(self) -> IntervalSet:
        """When someone is on call: `coverage()`, shared between timelines (do not modify it)."""
        labels = self.labels
        if labels is not None:
            return labels[0].runs
        return _runs_of(self.segments)

    def on_call(self) -> dict[str, tuple[Sequence[tuple[int, int]], int]]:
        """Person -> (their segments' spans in time order, seconds on call). The spans may be shared
        between timelines: do not modify them."""
        labels = self.labels
        if labels is not None:
            plan, names, distinct = labels
            if distinct:  # one slot per person: the plan knows their spans
                return {names[slot]: (spans, seconds) for slot, (spans, seconds)
                        in enumerate(zip(plan.slot_spans, plan.slot_seconds, strict=True)) if spans}
        out: dict[str, list[tuple[int, int]]] = {}
        for start, end, person in self.segments:
            found = out.get(person)
            if found is None:
                out[person] = [(start, end)]
            else:
                found.append((start, end))
        return {person: (spans, total(spans)) for person, spans in out.items()}

    def on_call_with(self, tag: object) -> dict[str, tuple[Sequence[tuple[int, int]], object, int]]:
        """Person -> (their spans, `tag`, seconds on call): `on_call` with a value of the caller's (the same
        object for everyone), made in one pass."""
        labels = self.labels
        if labels is not None and labels[2]:
            names = labels[1]
            return {names[slot]: (spans, tag, seconds) for slot, spans, seconds in labels[0].slot_items}
        return {person: (spans, tag, seconds) for person, (spans, seconds) in self.on_call().items()}

    def by_person(self) -> dict[str, IntervalSet]:
        out: dict[str, list[tuple[int, int]]] = {}
        for start, end, person in self.segments:
            out.setdefault(person, []).append((start, end))
        return {person: normalise(spans) for person, spans in out.items()}

    def coverage(self) -> IntervalSet:
        return normalise((start, end) for start, end, _ in self.segments)

    def who(self, moment: int) -> str | None:
        index = bisect_right(self.segments, (moment, float("inf"), "")) - 1
        if index >= 0 and self.segments[index][0] <= moment < self.segments[index][1]:
            return self.segments[index][2]
        return None


def as_epoch(value: int | datetime) -> int:
    """Epoch seconds from an int or an aware datetime (naive datetimes are UTC)."""
    if isinstance(value, int):
        return value
    return instant(value, "UTC")


def timeline(rotation: Rotation, start: int | datetime, end: int | datetime) -> Timeline:
    """Who is on call in `rotation` during `[start, end)`: layers, restrictions, then overrides.

    The layers' part depends on their starts, turns, restrictions and member counts only, not on who
    the members are: it is worked out once per such shape and window (`_plan`, with member slots for
    names), so that the many rotations of an organisation that share a shape cost a relabelling each.
    """
    w0, w1 = as_epoch(start), as_epoch(end)
    if w1 <= w0:
        return Timeline(w0, w1)
    zone = rotation.timezone
    layers = rotation.layers
    # the last layer first: the same TurnLimit as computing the layers in that order would raise
    shapes = [_shape(layer, zone, w0, w1) for layer in reversed(layers)]
    shapes.reverse()
    plan = _plan(zone, tuple(shapes), w0, w1)
    names = [member for layer in layers for member in layer.members]
    if not rotation.overrides:  # the segments are the plan relabelled: made when asked for
        return Timeline(w0, w1, None, list(plan.deciding), (plan, names, len(set(names)) == len(names)))
    segments = list(zip(plan.starts, plan.ends, map(names.__getitem__, plan.slots), strict=True))
    for override in rotation.overrides:
        o0 = max(w0, instant(override.from_, zone))
        o1 = min(w1, instant(override.to, zone))
        if o1 > o0:
            segments = _subtract_labeled(segments, [(o0, o1)])
            segments.append((o0, o1, override.person))
            segments.sort()
    return Timeline(w0, w1, _merge(segments), list(plan.deciding))


def who(rotation: Rotation, moment: int | datetime) -> str | None:
    """The person on call in `rotation` at an instant, or None."""
    at = as_epoch(moment)
    return timeline(rotation, at, at + 1).who(at)


Shape = tuple[int, bool, int, int, tuple[tuple[tuple[str, ...], str, str], ...], int]
"""A layer as its timeline sees it: (UTC start, calendar turn?, turn length (seconds, or days * DAY for a
calendar turn), start on the wall clock (calendar turns; else 0), restrictions, number of members)."""


def _shape(layer: Layer, zone: str, w0: int, w1: int) -> Shape:
    """The layer's shape; raises `TurnLimit` when it hands over too often within `[w0, w1)`."""
    first = _start(layer.start, zone)
    turn = layer.turn
    if first < w1:
        expected = (w1 - max(w0, first)) // turn.seconds + 2  # expected_turns
        if expected > MAX_TURNS:
            raise TurnLimit(layer.name, expected, str(turn))
    restrictions = tuple((tuple(r.days), r.from_, r.to) for r in layer.restrictions) if layer.restrictions else ()
    if turn.is_calendar:
        local_first = naive_seconds(layer.start) if layer.start.tzinfo is None else to_local(zone, first)
        return first, True, turn.days * DAY, local_first, restrictions, len(layer.members)
    return first, False, turn.seconds, 0, restrictions, len(layer.members)


@lru_cache(maxsize=16384)
def _start(start: datetime, zone: str) -> int:
    """A layer's start as a UTC instant (equal aware datetimes are the same instant: safe to cache)."""
    return instant(start, zone)


class _Plan(NamedTuple):
    """The layers' part of a timeline, with member slots instead of names (slot = the member's index in
    the rotation's layers' member lists laid end to end)."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    slots: tuple[int, ...]
    deciding: tuple[IntervalSet, ...]
    touching: tuple[tuple[int, int], ...]  # the slots on either side of a hand-off between touching segments
    self_touching: bool  # whether a slot hands over to itself
    used_slots: tuple[int, ...]  # the slots on call some time
    slot_spans: tuple[tuple[tuple[int, int], ...], ...]  # per slot: its segments' spans, touching ones joined
    slot_seconds: tuple[int, ...]  # per slot: the seconds it is on call
    runs: IntervalSet  # when some slot is on call (touching segments joined)
    slot_items: tuple[tuple[int, tuple[tuple[int, int], ...], int], ...]  # (slot, spans, seconds) of slots on call


@lru_cache(maxsize=1024)
def _plan(zone: str, shapes: tuple[Shape, ...], w0: int, w1: int) -> _Plan:
    """Restrictions mask a layer; a later layer wins wherever it has someone (shared: do not modify it)."""
    segments: list[tuple[int, int, int]] = []
    covered: IntervalSet = []
    last = len(shapes) - 1
    deciding: list[IntervalSet] = []
    offset = sum(shape[5] for shape in shapes)
    for index, shape in enumerate(reversed(shapes)):
        # when the layer has someone: from its start (turns follow each other without a gap) within its
        # restrictions; it decides there unless a later layer has someone. Only the few turns are labelled.
        offset -= shape[5]
        reach = _reach(shape, zone, w0, w1)
        decides = subtract(reach, covered)
        deciding.append(decides)
        if decides:
            segments.extend(_intersect_labeled(_shifts(shape, zone, offset, w0, w1), decides))
        if index < last:  # the first layer's coverage is not needed: nothing lies below it
            covered = union(covered, reach)
    deciding.reverse()
    segments.sort()  # disjoint and non-empty: the same order as by names
    starts = tuple(map(itemgetter(0), segments))
    ends = tuple(map(itemgetter(1), segments))
    slots = tuple(map(itemgetter(2), segments))
    touching = {(slots[i], slots[i + 1]) for i in range(len(segments) - 1) if ends[i] == starts[i + 1]}
    by_slot: list[list[tuple[int, int]]] = [[] for _ in range(sum(shape[5] for shape in shapes))]
    for start, end, slot in segments:
        spans = by_slot[slot]
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    slot_spans, slot_seconds = tuple(map(tuple, by_slot)), tuple(map(total, by_slot))
    return _Plan(starts, ends, slots, tuple(deciding), tuple(sorted(touching)),
                 any(before == after for before, after in touching), tuple(sorted(set(slots))),
                 slot_spans, slot_seconds, _joined(starts, ends),
                 tuple(compress(zip(range(len(by_slot)), slot_spans, slot_seconds, strict=True), slot_spans)))


def _runs_of(segments: Sequence[tuple[int, int, object]]) -> IntervalSet:
    """Sorted, disjoint segments joined where they touch."""
    return _joined(list(map(itemgetter(0), segments)), list(map(itemgetter(1), segments)))


def _joined(starts: Sequence[int], ends: Sequence[int]) -> IntervalSet:
    """Sorted, disjoint spans `zip(starts, ends)` joined where they touch (in C: no loop per span)."""
    if not starts:
        return []
    if sum(ends) - sum(starts) == ends[-1] - starts[0]:
        return [(starts[0], ends[-1])]  # no gap between them
    apart = list(map(ne, islice(starts, 1, None), ends))  # span i + 1 does not start where i ends
    return list(zip(chain((starts[0],), compress(islice(starts, 1, None), apart)),
                    chain(compress(ends, apart), (ends[-1],)), strict=True))


def _reach(shape: Shape, zone: str, w0: int, w1: int) -> IntervalSet:
    first, restrictions = shape[0], shape[4]
    if first >= w1:
        return []
    low = first if first > w0 else w0
    if not restrictions:
        return [(low, w1)]
    mask = _clock_mask(restrictions, zone, w0, w1)
    return list(mask) if low == w0 else clip(mask, low, w1)


def _shifts(shape: Shape, zone: str, offset: int, w0: int, w1: int) -> list[tuple[int, int, int]]:
    first, calendar, length, local_first, _, count = shape
    if first >= w1:
        return []
    if calendar:
        boundaries = _calendar_boundaries(length, local_first, zone, first, w0, w1)
    else:
        boundaries = _fixed_boundaries(length, first, w0, w1)
    return [(start if start > w0 else w0, end if end < w1 else w1, offset + k % count)
            for k, start, end in boundaries if end > w0 and start < w1]


def _fixed_boundaries(length: int, first: int, w0: int, w1: int) -> Iterable[tuple[int, int, int]]:
    k = max(0, (w0 - first) // length)
    start = first + k * length
    while start < w1:
        yield k, start, start + length
        k += 1
        start += length


def _calendar_boundaries(period: int, local_first: int, zone: str, first: int, w0: int,
                         w1: int) -> list[tuple[int, int, int]]:
    k = max(0, (to_local(zone, w0) - local_first) // period - 1)
    start = first if k == 0 else to_utc(zone, local_first + k * period)
    out = []
    while start < w1:
        end = to_utc(zone, local_first + (k + 1) * period)
        out.append((k, start, end))
        k += 1
        start = end
    return out


def restriction_mask(restrictions: Sequence[Restriction], zone: str, w0: int, w1: int) -> IntervalSet:
    """When restrictions allow someone on call within `[w0, w1)`, in UTC."""
    return clock_mask([(r.days, r.from_, r.to) for r in restrictions], zone, w0, w1)


def clock_mask(windows: Iterable[tuple[Sequence[str], str, str]], zone: str, w0: int, w1: int) -> IntervalSet:
    """Weekly wall-clock windows `(days, "HH:MM", "HH:MM")` within `[w0, w1)`, in UTC.

    A window runs `from` on each listed day (on the zone's wall clock) for `to - from`;
    `to <= from` crosses midnight into the next day (`from == to`: a full 24 hours).
    The result is shared between callers (cached): do not modify it.
    """
    key = tuple((tuple(days), clock_from, clock_to) for days, clock_from, clock_to in windows)
    return _clock_mask(key, zone, w0, w1)


@lru_cache(maxsize=4096)
def _clock_mask(windows: tuple[tuple[tuple[str, ...], str, str], ...], zone: str, w0: int, w1: int) -> IntervalSet:
    first_day = to_local(zone, w0) // DAY - 2
    last_day = to_local(zone, w1) // DAY + 1
    spans: list[tuple[int, int]] = []
    for days, clock_from, clock_to in windows:
        begin = clock_minutes(clock_from) * 60
        finish = clock_minutes(clock_to) * 60
        length = finish - begin if finish > begin else finish + DAY - begin
        weekdays = {DAYS.index(day) for day in days}
        for day in range(first_day, last_day + 1):
            if (day + 3) % 7 not in weekdays:  # 1970-01-01 was a Thursday
                continue
            local = day * DAY + begin
            start, end = to_utc(zone, local), to_utc(zone, local + length)
            if end > w0 and start < w1:
                spans.append((max(start, w0), min(end, w1)))
    return normalise(spans)


def _intersect_labeled(segments: list[tuple], mask: IntervalSet) -> list[tuple]:
    """Both lists sorted and disjoint: the parts of the segments inside the mask."""
    out: list[Segment] = []
    append = out.append
    j, count = 0, len(mask)
    for start, end, person in segments:
        while j < count and mask[j][1] <= start:
            j += 1
        k = j
        while k < count:
            lo, hi = mask[k]
            if lo >= end:
                break
            append((start if start > lo else lo, end if end < hi else hi, person))
            k += 1
    return out


def _subtract_labeled(segments: list[Segment], mask: IntervalSet) -> list[Segment]:
    if not mask:
        return list(segments)
    out: list[Segment] = []
    append = out.append
    j, count = 0, len(mask)
    for start, end, person in segments:
        while j < count and mask[j][1] <= start:
            j += 1
        if j == count or mask[j][0] >= end:  # untouched by the mask
            append((start, end, person))
            continue
        cursor, k = start, j
        while k < count:
            lo, hi = mask[k]
            if lo >= end:
                break
            if lo > cursor:
                append((cursor, lo, person))
            if hi > cursor:
                cursor = hi
            k += 1
        if cursor < end:
            append((cursor, end, person))
    return out


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join touching segments of the same person."""
    out: list[Segment] = []
    for segment in segments:
        if out and out[-1][2] == segment[2] and out[-1][1] == segment[0]:
            out[-1] = (out[-1][0], segment[1], segment[2])
        else:
            out.append(segment)
    return out
