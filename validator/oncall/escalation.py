"""The escalation view: who each level pages, at an instant or as a step function over a window.

A level pages the person on call in each of its rotations plus the people it names directly.
`steps` is a list of `(start, end, levels)` covering the whole window, where `levels` holds one
frozenset of people per level; consecutive steps differ.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from validator.model.kinds import Escalation
from validator.model.types import split_ref
from validator.oncall.engine import Timeline
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
    direct: list[People] = []
    timelines: list[list[Timeline]] = []
    cuts = {w0, w1}
    for level in escalation.levels:
        people: set[str] = set()
        level_timelines = []
        for target in level.targets:
            kind, ident = split_ref(target)
            if kind == "person":
                people.add(ident)
                continue
            found = timeline_of(ident)
            if found is not None:
                level_timelines.append(found)
                for start, end, _ in found.segments:
                    cuts.add(start)
                    cuts.add(end)
        direct.append(frozenset(p for p in people if counts is None or p in counts))
        timelines.append(level_timelines)
    points = sorted(c for c in cuts if w0 <= c <= w1)
    out: list[Step] = []
    for start, end in zip(points, points[1:], strict=False):
        levels = []
        for fixed, level_timelines in zip(direct, timelines, strict=True):
            on_call = {t.who(start) for t in level_timelines}
            on_call.discard(None)
            if counts is not None:
                on_call = {p for p in on_call if p in counts}
            levels.append(fixed | frozenset(on_call) if on_call else fixed)  # type: ignore[operator]
        value = tuple(levels)
        if out and out[-1][2] == value and out[-1][1] == start:
            out[-1] = (out[-1][0], end, value)
        else:
            out.append((start, end, value))
    return out


def nobody(view: list[Step], level: int | None = None) -> IntervalSet:
    """When a level (index) or, with `level=None`, every level pages nobody."""
    if level is None:
        return normalise((s, e) for s, e, levels in view if not any(levels))
    return normalise((s, e) for s, e, levels in view if level < len(levels) and not levels[level])


def single_person(view: list[Step]) -> dict[str, IntervalSet]:
    """When all levels together reach exactly one distinct person, by person."""
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, levels in view:
        everyone = frozenset().union(*levels)
        if len(everyone) == 1:
            out.setdefault(next(iter(everyone)), []).append((start, end))
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
