"""The engine as the ROT/ESC rules see it: one timeline per rotation and window per run (ctx.memo)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any

from validator.model.kinds import Escalation, Service
from validator.model.types import DAYS
from validator.oncall import hours_mask
from validator.oncall.engine import MAX_TOTAL_TURNS, Segment, Timeline, TurnLimit, expected_turns, timeline
from validator.oncall.escalation import (
    Paging,
    Step,
    runs,
    single_person,
    single_person_in,
    steps_of,
)
from validator.oncall.intervals import IntervalSet, complement, normalise
from validator.oncall.zones import DAY

if TYPE_CHECKING:
    from validator.rules.context import Context

ABSENCE_LOOKAHEAD = 366 * DAY
"""How far ahead of now an Absence is checked against the rotations (ROT004)."""


ABSENT = object()
"""What `one` of `per_key` gives for a key its whole table lacks."""


def per_key(ctx: Context, name: str, whole: Callable[[], dict], one: Callable[[Context, str], Any]) -> Mapping:
    """A per-run table: id -> value. In one run (a batch `validate`) it is `whole()`, built once for
    every id, which shares work between them. Where memos outlive the run (the language server keeps them
    across edits), a table over every rotation or escalation would be built again whole after an edit of
    any of them, and whoever read it checked again: there each id is its own memo, `one(ctx, id)`
    (`ABSENT` for an id the whole table lacks), so an edit builds again only the ids whose reads it
    changed. `one` is a module-level function (the memo holds only the Context and the id)."""
    if not ctx.keeps_memos:
        return ctx.memo(name, whole)
    return _ByKey(ctx, name, one)


class _ByKey:
    """`per_key`'s table where memos outlive the run: each id looked up is a memo of its own."""

    __slots__ = ("ctx", "name", "one")

    def __init__(self, ctx: Context, name: str, one: Callable[[Context, str], Any]) -> None:
        self.ctx, self.name, self.one = ctx, name, one

    def get(self, key: str, default: Any = None) -> Any:
        ctx, one = self.ctx, self.one
        found = ctx.memo((self.name, key), lambda: one(ctx, key))
        return default if found is ABSENT else found

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, ABSENT)
        if found is ABSENT:
            raise KeyError(key)
        return found

    def __bool__(self) -> bool:  # whether some id has a value: not known without asking each
        return True


def horizon(ctx: Context) -> tuple[int, int]:
    """The checked window: `[now, now + settings.horizon)`."""
    def build() -> tuple[int, int]:
        start = int(ctx.now.timestamp())
        return start, start + ctx.settings.horizon.seconds

    return ctx.memo("oncall.horizon", build)


def rotation_timeline(ctx: Context, rotation_id: str, window: tuple[int, int] | None = None) -> Timeline | None:
    """The rotation's timeline for a window (default: the horizon); None if unknown or too many turns."""
    w0, w1 = window or horizon(ctx)
    return _timeline_or_limit(ctx, rotation_id, w0, w1)[0]


def _timeline_or_limit(ctx: Context, rotation_id: str, w0: int, w1: int) -> tuple[Timeline | None, TurnLimit | None]:
    def build() -> tuple[Timeline | None, TurnLimit | None]:
        rotation = ctx.org.rotations.get(rotation_id)
        if rotation is None:
            return None, None
        over = _over_budget(ctx).get(rotation_id)
        if over is not None:
            return None, TurnLimit("*", over, "", f"the repository's rotations together hand over more than "
                                   f"{MAX_TOTAL_TURNS} times in the checked window")
        try:
            return timeline(rotation, w0, w1), None
        except TurnLimit as limit:
            return None, limit

    return ctx.memo(("oncall.timeline", rotation_id, w0, w1), build)


def _over_budget(ctx: Context) -> dict[str, int]:
    """Bound the whole run's work: all rotations together get `MAX_TOTAL_TURNS` hand-offs over the
    horizon, spent in repository order; the rotations beyond it (id -> their hand-offs) are not expanded.

    One layer is capped by the engine (`MAX_TURNS`); without a shared budget, hundreds of layers just
    under that cap would still cost minutes of CPU. The budget is spent in repository order, not in
    the order the rules ask, so that which rotations are left out does not depend on the rules.
    """
    def build() -> dict[str, int]:
        w0, w1 = horizon(ctx)
        # a bound of every layer's hand-offs (as if it began by the window's start): usually the whole budget
        # is not in reach, and no layer's start need be found
        length = w1 - w0
        if sum(length // layer.turn.seconds + 2 for rotation in ctx.org.rotations.values()
               for layer in rotation.layers) <= MAX_TOTAL_TURNS:
            return {}
        left = MAX_TOTAL_TURNS
        over: dict[str, int] = {}
        for rotation in ctx.org.rotations.values():
            cost = sum(expected_turns(layer, rotation.timezone, w0, w1) for layer in rotation.layers)
            if cost > left:
                over[rotation.id] = cost
            else:
                left -= cost
        return over

    return ctx.memo("oncall.over_budget", build)


def turn_limit(ctx: Context, rotation_id: str) -> TurnLimit | None:
    """Whether computing this rotation's horizon hit the turn cap."""
    w0, w1 = horizon(ctx)
    return _timeline_or_limit(ctx, rotation_id, w0, w1)[1]


def active_people(ctx: Context) -> frozenset[str]:
    return ctx.active_people()


class Kept:
    """A rotation's horizon timeline as the escalation views read it: leavers and unknown people page nobody."""

    __slots__ = ("_timeline", "_segments", "people", "runs")

    def __init__(self, timeline: Timeline, segments: list[Segment] | None, people: frozenset[str],
                 runs: IntervalSet) -> None:
        self._timeline, self._segments = timeline, segments
        self.people = people
        """The active people on call some time."""
        self.runs = runs
        """The time someone active is on call."""

    @property
    def segments(self) -> list[Segment]:
        """The segments of active people (the timeline's own list when that is all of them: do not modify it)."""
        found = self._segments
        return self._timeline.segments if found is None else found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Kept):
            return NotImplemented
        return (self.people, self.runs, self.segments) == (other.people, other.runs, other.segments)

    __hash__ = None  # type: ignore[assignment]


def kept(ctx: Context, rotation_id: str) -> Kept | None:
    """The rotation's `Kept` over the horizon, once per rotation and run; None if unknown or too many turns."""
    return ctx.memo(("oncall.kept", rotation_id), lambda: _kept(ctx, rotation_id))


def _kept(ctx: Context, rotation_id: str) -> Kept | None:
    found = rotation_timeline(ctx, rotation_id)
    if found is None:
        return None
    people = found.people()
    left_out = people - active_people(ctx)
    if left_out:
        people -= left_out
        segments = [segment for segment in found.segments if segment[2] not in left_out]
        return Kept(found, segments, frozenset(people), runs(segments))
    return Kept(found, None, frozenset(people), found.runs())


Levels = tuple[tuple[frozenset[str], tuple[str, ...]], ...]
_NOBODY: frozenset[str] = frozenset()


def levels_of(ctx: Context, escalation_id: str) -> Levels:
    """Per level of the escalation: the active people it names directly and the ids of the rotations it
    targets (every other target, in order), once per escalation and run; () for an unknown escalation."""
    return ctx.memo(("oncall.levels", escalation_id), lambda: _levels(ctx, escalation_id))


def _levels(ctx: Context, escalation_id: str) -> Levels:
    escalation = ctx.org.escalations.get(escalation_id)
    if escalation is None:
        return ()
    active = active_people(ctx)
    out = []
    for level in escalation.levels:
        targets = level.targets
        if len(targets) == 1:  # the common case, without building sets
            kind, _, ident = targets[0].partition(":")
            if kind != "person":
                out.append((_NOBODY, (ident,)))
            else:
                out.append((frozenset((ident,)) if ident in active else _NOBODY, ()))
            continue
        people: set[str] = set()
        rotations: list[str] = []
        for target in targets:
            kind, _, ident = target.partition(":")
            if kind == "person":
                people.add(ident)
            else:
                rotations.append(ident)
        out.append((frozenset(people.intersection(active)), tuple(rotations)))
    return tuple(out)


def paging(ctx: Context, escalation: Escalation) -> list[Paging]:
    """Per level, the active people it names and its rotations' segments of active people, over the
    horizon (`paging_levels`, once per escalation and run; do not modify it)."""
    ident = escalation.id
    return ctx.memo(("oncall.paging", ident), lambda: _paging_of(ctx, ident))


def _paging_of(ctx: Context, escalation_id: str) -> list[Paging]:
    out: list[Paging] = []
    for direct, rotation_ids in levels_of(ctx, escalation_id):
        sources = []
        for rotation_id in rotation_ids:
            found = kept(ctx, rotation_id)
            if found is not None:
                sources.append(found.segments)
        out.append((direct, sources))
    return out


def escalation_view(ctx: Context, escalation: Escalation) -> list[Step]:
    """Who each level pages over the horizon; leavers and unknown people page nobody."""
    w0, w1 = horizon(ctx)
    return ctx.memo(f"oncall.view.{escalation.id}", lambda: steps_of(paging(ctx, escalation), w0, w1))


def paged_alone(ctx: Context, escalation: Escalation) -> dict[str, IntervalSet]:
    """`single_person(escalation_view(...))`, without the view when the levels decide it (do not modify it)."""
    ident = escalation.id
    return ctx.memo(("oncall.alone", ident), lambda: _alone(ctx, ident))


def _alone(ctx: Context, escalation_id: str) -> dict[str, IntervalSet]:
    w0, w1 = horizon(ctx)
    if w1 > w0:  # one person named directly, and a rotation without them always has someone else: nobody alone
        levels = levels_of(ctx, escalation_id)
        direct = _NOBODY
        for people, _ in levels:
            if people:
                direct = people if not direct else direct | people
        if len(direct) > 1:
            return {}
        if len(direct) == 1:
            (person,) = direct
            for _, rotation_ids in levels:
                for rotation_id in rotation_ids:
                    found = kept(ctx, rotation_id)
                    if found is not None and person not in found.people and found.runs and \
                            found.runs[0][0] <= w0 and found.runs[0][1] >= w1:
                        return {}
    escalation = ctx.org.escalations[escalation_id]
    found = single_person_in(paging(ctx, escalation), w0, w1)
    return single_person(escalation_view(ctx, escalation)) if found is None else found


def rotation_targets(escalation: Escalation) -> list[str]:
    """Rotation ids an escalation targets, in level order, without repeats."""
    seen: dict[str, None] = {}
    for level in escalation.levels:
        for target in level.targets:
            if target.startswith("rotation:"):
                seen[target[9:]] = None
    return list(seen)


def targets_of(ctx: Context, escalation: Escalation) -> list[str]:
    """`rotation_targets(escalation)`, computed once per escalation and run (do not modify it)."""
    found = all_targets(ctx).get(escalation.id)
    return rotation_targets(escalation) if found is None else found


def all_targets(ctx: Context) -> dict[str, list[str]]:
    """Escalation id -> `rotation_targets` of it, for every escalation, once per run (do not modify them): a
    rule looking at many escalations takes this once instead of calling `targets_of` for each."""
    return ctx.memo("oncall.targets", lambda: {escalation.id: rotation_targets(escalation)
                                               for escalation in ctx.org.escalations.values()})


def checkable(ctx: Context, escalation: Escalation) -> bool:
    """Every rotation the escalation targets exists and fits the turn cap (else SCH005/ROT002 say so)."""
    found = checkable_escalations(ctx).get(escalation.id)
    if found is None:
        return all(ident in ctx.org.rotations and rotation_timeline(ctx, ident) is not None
                   for ident in targets_of(ctx, escalation))
    return found


def checkable_escalations(ctx: Context) -> Mapping[str, bool]:
    """Escalation id -> `checkable` of it, for every escalation, once per run."""
    def build() -> dict[str, bool]:
        w0, w1 = horizon(ctx)
        rotations = ctx.org.rotations
        computed: dict[str, bool] = {}  # rotation id -> whether it exists and has a timeline
        out = {}
        for escalation_id, targets in all_targets(ctx).items():
            ok = True
            for ident in targets:
                found = computed.get(ident)
                if found is None:
                    found = computed[ident] = ident in rotations and \
                        _timeline_or_limit(ctx, ident, w0, w1)[0] is not None
                if not found:
                    ok = False
                    break
            out[escalation_id] = ok
        return out

    return per_key(ctx, "oncall.checkable", build, _checkable_one)


def _checkable_one(ctx: Context, escalation_id: str) -> bool | object:
    targets = all_targets(ctx).get(escalation_id)
    if targets is None:
        return ABSENT
    rotations = ctx.org.rotations
    return all(ident in rotations and rotation_timeline(ctx, ident) is not None for ident in targets)


def escalation_zone(ctx: Context, escalation: Escalation) -> str:
    """The zone business hours and findings use: the first rotation's of the first levels, else UTC."""
    found = escalation_zones(ctx).get(escalation.id)
    return _zone_of(ctx, targets_of(ctx, escalation)) if found is None else found


def escalation_zones(ctx: Context) -> Mapping[str, str]:
    """Escalation id -> `escalation_zone` of it, for every escalation, once per run."""
    def build() -> dict[str, str]:
        return {ident: _zone_of(ctx, targets) for ident, targets in all_targets(ctx).items()}

    return per_key(ctx, "oncall.zones", build, _zone_one)


def _zone_one(ctx: Context, escalation_id: str) -> str | object:
    targets = all_targets(ctx).get(escalation_id)
    return ABSENT if targets is None else _zone_of(ctx, targets)


def _zone_of(ctx: Context, targets: list[str]) -> str:
    rotations = ctx.org.rotations
    for ident in targets:
        rotation = rotations.get(ident)
        if rotation is not None:
            return rotation.timezone
    return "UTC"


def level_reach(ctx: Context, escalation: Escalation) -> list[frozenset[str]]:
    """Per level, everyone active it may page over the horizon (a superset of whom its steps page).

    Levels whose reaches are disjoint never page the same person at the same time.
    """
    ident = escalation.id
    return ctx.memo(("oncall.reach", ident), lambda: _reach(ctx, ident))


def _reach(ctx: Context, escalation_id: str) -> list[frozenset[str]]:
    out = []
    for direct, rotation_ids in levels_of(ctx, escalation_id):
        found = [direct]
        for rotation_id in rotation_ids:
            rotation = kept(ctx, rotation_id)
            if rotation is not None:
                found.append(rotation.people)
        out.append(found[0] if len(found) == 1 else frozenset().union(*found))
    return out


def nobody_paged(ctx: Context, escalation: Escalation, level: int | None = None) -> IntervalSet:
    """`nobody(escalation_view(...), level)`, once per escalation and level, found without the view
    (do not modify it)."""
    ident = escalation.id
    return ctx.memo(("oncall.nobody", ident, level), lambda: nobody_of(ctx, ident, level))


def nobody_of(ctx: Context, escalation_id: str, level: int | None = None) -> IntervalSet:
    """`nobody_in(paging(...), *horizon, level)` from the rotations' `Kept` runs: where no chosen level (all
    with `level=None`) names anyone directly, the horizon minus the time their rotations cover."""
    w0, w1 = horizon(ctx)
    if w1 <= w0:
        return []
    levels = levels_of(ctx, escalation_id)
    if level is None:
        chosen = levels
    else:
        chosen = levels[level:level + 1] if 0 <= level < len(levels) else ()
    if not chosen or any(direct for direct, _ in chosen):
        return []
    covered = []
    for _, rotation_ids in chosen:
        for rotation_id in rotation_ids:
            found = kept(ctx, rotation_id)
            if found is not None and found.runs:
                spans = found.runs
                if spans[0][0] <= w0 and spans[0][1] >= w1:
                    return []  # someone on call throughout
                covered.append(spans)
    return complement(covered[0] if len(covered) == 1 else normalise(chain.from_iterable(covered)), w0, w1)


def services_of(ctx: Context, escalation_id: str) -> list[Service]:
    """The services using an escalation, by id."""
    ids = ctx.index("services_of", "Service", _escalation_of).get(escalation_id, ())
    services = ctx.org.services
    return [services[ident] for ident in sorted(ids)]


def _escalation_of(service: Service) -> tuple[tuple[str, str], ...]:
    return ((service.escalation, service.id),) if service.escalation else ()


def support_hours(ctx: Context, service: Service) -> str:
    """'24x7', 'business' or 'none' for the service's tier."""
    policy = ctx.settings.tiers.get(service.tier)
    return policy.hours if policy else "none"


def support_mask(ctx: Context, hours: str, zone: str) -> IntervalSet:
    """The horizon's support hours: all of it, business hours on the zone's wall clock, or nothing."""
    w0, w1 = horizon(ctx)
    if hours == "24x7":
        return [(w0, w1)]
    if hours == "business":
        return ctx.memo(f"oncall.business.{zone}", lambda: hours_mask(ctx.settings.business_hours, zone, w0, w1))
    return []


def hours_label(ctx: Context, hours: str) -> str:
    if hours != "business":
        return hours
    business = ctx.settings.business_hours
    days = "Mon–Fri" if list(business.days) == list(DAYS[:5]) else ",".join(d.title() for d in business.days)
    return f"business hours, {days} {business.from_}–{business.to}"
