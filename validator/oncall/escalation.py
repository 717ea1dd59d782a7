"""The escalation view: who each level pages, at an instant or as a step function over a window.

A level pages the person on call in each of its rotations plus the people it names directly.
`steps` is a list of `(start, end, levels)` covering the whole window, where `levels` holds one
frozenset of people per level; consecutive steps differ.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container
from itertools import chain, compress, islice, repeat
from operator import itemgetter, ne, not_

from validator.model.kinds import Escalation
from validator.oncall.engine import Segment, Timeline
from validator.oncall.intervals import IntervalSet, complement, normalise

People = frozenset[str]
Step = tuple[int, int, tuple[People, ...]]
TimelineOf = Callable[[str], Timeline | None]
_START, _END, _PERSON = itemgetter(0), itemgetter(1), itemgetter(2)
Paging = tuple[People, list[list[Segment]]]
"""One level: the people it names directly, and the segments of each of its rotations."""


def steps(escalation: Escalation, timeline_of: TimelineOf, w0: int, w1: int,
          counts: Container[str] | None = None) -> list[Step]:
    """Who each level pages throughout `[w0, w1)`.

    `timeline_of(rotation_id)` returns that rotation's timeline for the window (None: unknown);
    `counts`, when given, keeps only people in it (e.g. active people: a leaver pages nobody).
    """
    if w1 <= w0:
        return []
    return steps_of(paging_levels(escalation, lambda ident: kept_segments(timeline_of(ident), counts), counts),
                    w0, w1)


def kept_segments(found: Timeline | None, counts: Container[str] | None) -> list[Segment] | None:
    """A timeline's segments whose person is in `counts` (all with `counts=None`); None for no timeline.

    The timeline's own list when nobody is left out (do not modify it).
    """
    if found is None:
        return None
    segments = found.segments
    if counts is None:
        return segments
    people = found.people()  # few distinct people
    left_out = people - counts if isinstance(counts, (set, frozenset)) else {p for p in people if p not in counts}
    if not left_out:
        return segments
    return [segment for segment in segments if segment[2] not in left_out]


def paging_levels(escalation: Escalation, segments_of: Callable[[str], list[Segment] | None],
                  counts: Container[str] | None = None) -> list[Paging]:
    """Per level: the people it names directly (those in `counts`, if given) and the segments of its
    rotations (`segments_of(rotation_id)`, None: unknown), in the order of the targets."""
    levels: list[Paging] = []
    a_set = isinstance(counts, (set, frozenset))
    for level in escalation.levels:
        people: set[str] = set()
        sources: list[list[Segment]] = []
        for target in level.targets:
            kind, _, ident = target.partition(":")
            if kind == "person":
                people.add(ident)
                continue
            found = segments_of(ident)
            if found is not None:
                sources.append(found)
        if counts is None:
            levels.append((frozenset(people), sources))
        elif a_set:
            levels.append((frozenset(people.intersection(counts)), sources))  # type: ignore[arg-type]
        else:
            levels.append((frozenset(p for p in people if p in counts), sources))
    return levels


def steps_of(levels: list[Paging], w0: int, w1: int) -> list[Step]:
    """`steps` of levels already looked up by `paging_levels`."""
    if w1 <= w0:
        return []
    cuts = {w0, w1}
    for _, sources in levels:
        for segments in sources:
            cuts.update(map(itemgetter(0), segments))
            cuts.update(map(itemgetter(1), segments))
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


def nobody_in(levels: list[Paging], w0: int, w1: int, level: int | None = None) -> IntervalSet:
    """`nobody(steps_of(levels, w0, w1), level)`, found without the steps: where no chosen level names
    anyone directly, the window minus the time their rotations cover."""
    if w1 <= w0:
        return []
    if level is None:
        chosen = levels
    else:
        chosen = levels[level:level + 1] if 0 <= level < len(levels) else []
    if not chosen or any(direct for direct, _ in chosen):
        return []
    return complement(_covered([segments for _, sources in chosen for segments in sources]), w0, w1)


def single_person_in(levels: list[Paging], w0: int, w1: int) -> dict[str, IntervalSet] | None:
    """`single_person(steps_of(levels, w0, w1))` when the levels decide it without the steps, else None.

    Two people named directly are never alone; one named directly is alone whenever the rotations have
    nobody else on call; without any, a single rotation's people are alone on their own segments.
    """
    if w1 <= w0:
        return {}
    direct = frozenset().union(*(people for people, _ in levels))
    sources = [segments for _, found in levels for segments in found]
    if len(direct) > 1:
        return {}
    if len(direct) == 1:
        return _alone_with(next(iter(direct)), sources, w0, w1)
    if len(sources) > 1:
        return None
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, who in sources[0] if sources else ():
        start, end = max(start, w0), min(end, w1)
        if start < end:
            out.setdefault(who, []).append((start, end))
    return {who: normalise(spans) for who, spans in out.items()}


def _alone_with(person: str, sources: list[list[Segment]], w0: int, w1: int) -> dict[str, IntervalSet]:
    """When `person`, named directly, is the only one paged: nobody else is on call in any rotation.

    Rotations without `person` go first: one that always has someone on call settles it.
    """
    without = [person not in map(_PERSON, segments) for segments in sources]
    others: list[IntervalSet] = []
    for segments, has_person in chain(zip(compress(sources, without), repeat(False)),
                                      zip(compress(sources, map(not_, without)), repeat(True))):
        if has_person:
            segments = list(compress(segments, map(ne, map(_PERSON, segments), repeat(person))))
        joined = runs(segments)
        if joined and joined[0][0] <= w0 and joined[0][1] >= w1:
            return {}  # someone else is on call throughout
        others.append(joined)
    spans = complement(others[0] if len(others) == 1 else normalise(chain.from_iterable(others)), w0, w1)
    return {person: spans} if spans else {}


def _covered(sources: list[list[Segment]]) -> IntervalSet:
    """The time some segment covers (each list sorted and disjoint), as a normalised set."""
    joined = [runs(segments) for segments in sources if segments]
    if len(joined) == 1:
        return joined[0]
    return normalise(chain.from_iterable(joined))


def runs(segments: list[Segment]) -> IntervalSet:
    """Sorted, disjoint, non-empty segments joined where they touch (in C: no loop per segment)."""
    if not segments:
        return []
    first, last = segments[0][0], segments[-1][1]
    if sum(map(_END, segments)) - sum(map(_START, segments)) == last - first:
        return [(first, last)]  # no gap between them
    starts, ends = list(map(_START, segments)), list(map(_END, segments))
    apart = list(map(ne, islice(starts, 1, None), ends))  # segment i + 1 does not start where i ends
    firsts = chain((starts[0],), compress(islice(starts, 1, None), apart))
    lasts = chain(compress(ends, apart), (ends[-1],))
    return list(zip(firsts, lasts, strict=True))


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
