"""The escalation view: who each level pages, at an instant or as a step function over a window.

A level pages the person on call in each of its rotations plus the people it names directly.
`steps` is a list of `(start, end, levels)` covering the whole window, where `levels` holds one
frozenset of people per level; consecutive steps differ.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container
from operator import itemgetter

from validator.model.kinds import Escalation
from validator.model.types import split_ref
from validator.oncall.engine import Segment, Timeline
from validator.oncall.intervals import IntervalSet, normalise

People = frozenset[str]
Step = tuple[int, int, tuple[People, ...]]
TimelineOf = Callable[[str], Timeline | None]


def steps(escalation: Escalation, timeline_of: TimelineOf, w0: int, w1: int,
          counts: Container[str] | None = None) -> list[Step]:
    """Who each level pages throughout `[w0, w1)`.

    `timeline_of(rotation_id)` returns that rotation's timeline for the window (None: unknown);
    `counts`, when given, keeps only people in it (e.g. active people: a leaver pages nobody).
    """
    if w1 <= w0:
        return []
    levels: list[tuple[People, list[list[Segment]]]] = []
    cuts = {w0, w1}
    for level in escalation.levels:
        people: set[str] = set()
        sources: list[list[Segment]] = []
        for target in level.targets:
            kind, ident = split_ref(target)
            if kind == "person":
                people.add(ident)
                continue
            found = timeline_of(ident)
            if found is None:
                continue
            segments = found.segments if counts is None else [seg for seg in found.segments if seg[2] in counts]
            sources.append(segments)
            cuts.update(map(itemgetter(0), segments))
            cuts.update(map(itemgetter(1), segments))
        levels.append((frozenset(p for p in people if counts is None or p in counts), sources))
    points = sorted(cuts)
    points = points[bisect_left(points, w0):bisect_right(points, w1)]
    columns = [_level_column(direct, sources, points) for direct, sources in levels]
    out: list[Step] = []
    append = out.append
    previous = None
    for index, value in enumerate(zip(*columns, strict=True)):
        if value == previous:
            out[-1] = (out[-1][0], points[index + 1], value)
        else:
            append((points[index], points[index + 1], value))
            previous = value
    return out


def _level_column(direct: People, sources: list[list[Segment]], points: list[int]) -> list[People]:
    """The level's people on each elementary interval `[points[i], points[i + 1])`."""
    walked = [_walk(segments, points) for segments in sources]
    if not walked:
        return [direct] * (len(points) - 1)
    if len(walked) == 1:
        singles: dict[str | None, People] = {None: direct}
        for _, _, person in sources[0]:
            if person not in singles:
                singles[person] = direct | {person}
        return list(map(singles.__getitem__, walked[0]))
    return [direct | {p for p in on_call if p is not None} for on_call in zip(*walked, strict=True)]


def _walk(segments: list[Segment], points: list[int]) -> list[str | None]:
    """Who a timeline has at the start of each elementary interval (segments sorted and disjoint)."""
    out: list[str | None] = []
    append = out.append
    i, count = 0, len(segments)
    for point in points[:-1]:
        while i < count and segments[i][1] <= point:
            i += 1
        append(segments[i][2] if i < count and segments[i][0] <= point else None)
    return out


def nobody(view: list[Step], level: int | None = None) -> IntervalSet:
    """When a level (index) or, with `level=None`, every level pages nobody."""
    if level is None:
        return normalise([(s, e) for s, e, levels in view if not any(levels)])
    return normalise([(s, e) for s, e, levels in view if level < len(levels) and not levels[level]])


def single_person(view: list[Step]) -> dict[str, IntervalSet]:
    """When all levels together reach exactly one distinct person, by person."""
    out: dict[str, list[tuple[int, int]]] = {}
    alone: dict[tuple[People, ...], str | None] = {}  # a view repeats few distinct combinations
    for start, end, levels in view:
        if levels in alone:
            person = alone[levels]
        else:
            everyone = frozenset().union(*levels)
            person = alone[levels] = next(iter(everyone)) if len(everyone) == 1 else None
        if person is not None:
            out.setdefault(person, []).append((start, end))
    return {person: normalise(spans) for person, spans in out.items()}


def shared(view: list[Step], first: int, second: int) -> dict[str, IntervalSet]:
    """When the same person is paged by both levels, by person."""
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, levels in view:
        for person in levels[first] & levels[second]:
            out.setdefault(person, []).append((start, end))
    return {person: normalise(spans) for person, spans in out.items()}


def paged_at(escalation: Escalation, timeline_of: TimelineOf, moment: int) -> list[list[str]]:
    """Who each level pages at one instant, people sorted within a level."""
    view = steps(escalation, timeline_of, moment, moment + 1)
    return [sorted(people) for people in view[0][2]] if view else [[] for _ in escalation.levels]
