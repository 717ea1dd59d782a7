"""ROT rules: enough people, no gaps in support hours, nobody on call while away or worn out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from itertools import chain
from operator import attrgetter, itemgetter

from validator.model.kinds import Escalation, Rotation, Service
from validator.oncall import (
    IntervalSet,
    absence_interval,
    describe_windows,
    intersect,
    night_mask,
    normalise,
    overlap,
    subtract,
    total,
)
from validator.oncall.zones import DAY, instant
from validator.rules.context import Context
from validator.rules.oncall_views import (
    ABSENCE_LOOKAHEAD,
    ABSENT,
    active_people,
    all_targets,
    checkable_escalations,
    escalation_zone,
    escalation_zones,
    horizon,
    hours_label,
    kept,
    levels_of,
    nobody_of,
    paging,
    per_key,
    rotation_timeline,
    support_mask,
    turn_limit,
)
from validator.rules.registry import Issue, rule

_PERSON = itemgetter(2)
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def _paging(ctx: Context) -> Iterator[tuple[Service, list[str]]]:
    """Each service with an existing escalation (the rules' anchors), and the rotations it targets."""
    escalations, targets = ctx.org.escalations, all_targets(ctx)
    for service in ctx.each("Service"):
        if service.escalation and service.escalation in escalations:
            yield service, targets[service.escalation]


def _first_paged_service(ctx: Context) -> dict[str, str]:
    """Rotation id -> the first service (by id) whose escalation targets it: where ROT002 reports a
    rotation that cannot be computed, once."""
    def build() -> dict[str, str]:
        escalations, targets = ctx.org.escalations, all_targets(ctx)
        first: dict[str, str] = {}
        for service in ctx.org.services.values():
            escalation = escalations.get(service.escalation) if service.escalation else None
            if escalation is None:
                continue
            for rotation_id in targets[escalation.id]:
                if rotation_id not in first or service.id < first[rotation_id]:
                    first[rotation_id] = service.id
        return first

    return ctx.memo("rotation.first_paged_service", build)


@rule("ROT001", "error", "single point of failure in a rotation")
def too_few_people(ctx: Context) -> Iterator[Issue]:
    """
    At some time in the service's support hours, the people who can be on call for a rotation
    that pages it are fewer than the service tier's `min_people` (Settings `tiers`; defaults
    3, 2, 2, 1 for tiers 1-4). The people who can be on call at a time are the active members of
    the layer that decides who is on call then: the last layer that has begun and whose
    restrictions allow someone at that time of the cycle.

    Rationale: with two people on a tier-1 rotation, one vacation means one person on call
    around the clock, and a resignation means nobody. Counting people per window, not per
    rotation, catches the follow-the-sun rotation whose APAC layer is one person: eight hours
    every day that only ivy can answer, however many people the other regions have. The finding
    names the service (`service:ID`, so a waiver is per service), points at the layer's members
    (subject `rotation:ID/layer:NAME`) and names the windows. Overrides do not count: they are
    temporary. Support hours are the tier's (`business` on the wall clock of the escalation's
    first rotation); a tier with `hours: none` is not checked.

    Fails:
        - {kind: Service, id: checkout-api, owner: payments, tier: 1, escalation: pay}
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-primary"]}]}
        - kind: Rotation
          id: pay-primary
          timezone: UTC
          layers:
            - {name: emea, members: [alice, bob, carol], start: 2026-01-05T08:00, turn: 1w,
               restrictions: [{from: "08:00", to: "16:00"}]}
            - {name: apac, members: [ivy], start: 2026-01-05T00:00, turn: 1w,
               restrictions: [{from: "00:00", to: "08:00"}]}
            - {name: amer, members: [sam, tina, uma], start: 2026-01-05T16:00, turn: 1w,
               restrictions: [{from: "16:00", to: "00:00"}]}
    Passes:
        # the same rotation with three people in every region
        - kind: Rotation
          id: pay-primary
          timezone: UTC
          layers:
            - {name: emea, members: [alice, bob, carol], start: 2026-01-05T08:00, turn: 1w,
               restrictions: [{from: "08:00", to: "16:00"}]}
            - {name: apac, members: [ivy, jun, kai], start: 2026-01-05T00:00, turn: 1w,
               restrictions: [{from: "00:00", to: "08:00"}]}
            - {name: amer, members: [sam, tina, uma], start: 2026-01-05T16:00, turn: 1w,
               restrictions: [{from: "16:00", to: "00:00"}]}
    """
    checked = {tier: policy for tier, policy in ctx.settings.tiers.items()
               if policy.hours != "none" and policy.min_people > 0}
    if not checked:
        return
    active = active_people(ctx)
    fewest = _fewest_active(ctx)
    lowest = _fewest_paged(ctx)
    zones = escalation_zones(ctx)
    targets = all_targets(ctx)
    for service in ctx.each("Service"):
        policy = checked.get(service.tier)
        if policy is None or not service.escalation:
            continue
        low = lowest.get(service.escalation)  # None: an unknown escalation, or no rotation with layers
        if low is None or low >= policy.min_people:
            continue
        rotation_ids = targets[service.escalation]
        zone = None
        for rotation_id in rotation_ids:
            hours, minimum = policy.hours, policy.min_people
            if fewest.get(rotation_id, minimum) >= minimum:
                continue  # every layer has enough people (or the rotation is unknown)
            if zone is None:
                zone = zones[service.escalation or ""]
            thin = ctx.memo(("rotation.thin", rotation_id, hours, zone, minimum),
                            lambda r=rotation_id, h=hours, z=zone, m=minimum: _thin_layers(ctx, r, h, z, m))
            rotation = ctx.org.rotations.get(rotation_id)
            for index, windows in thin:
                layer = rotation.layers[index]
                people = [m for m in dict.fromkeys(layer.members) if m in active]
                gone = [m for m in dict.fromkeys(layer.members) if m not in active]
                names = ", ".join(people) if people else "nobody"
                left = f"; {', '.join(gone)} inactive" if gone else ""
                yield Issue(service.ref, f"in rotation {rotation_id}, layer {layer.name} decides who is on call "
                            f"{describe_windows(windows, rotation.timezone)}, and only {len(people)} active "
                            f"person(s) can be on call then ({names}{left}): tier-{service.tier} service "
                            f"{service.id} needs min_people {policy.min_people} at every time of its support "
                            f"hours ({hours_label(ctx, policy.hours)}); add people to layer {layer.name}",
                            ("layers", index, "members"), at=rotation.ref,
                            subject=f"rotation:{rotation_id}/layer:{layer.name}")


def _fewest_active(ctx: Context) -> dict[str, int]:
    """Rotation id -> the fewest distinct active members of one of its layers."""
    def build() -> dict[str, int]:
        active = active_people(ctx)
        return {rotation.id: min(len(active.intersection(layer.members)) for layer in rotation.layers)
                for rotation in ctx.org.rotations.values() if rotation.layers}

    return per_key(ctx, "rotation.fewest_active", build, _fewest_active_one)


def _fewest_paged(ctx: Context) -> Mapping[str, int]:
    """Escalation id -> the fewest active members of a layer of a rotation it targets (`_fewest_active`), for
    the escalations that target a known rotation with layers: where ROT001 looks further."""
    def build() -> dict[str, int]:
        fewest = _fewest_active(ctx)
        out = {}
        for escalation_id, rotation_ids in all_targets(ctx).items():
            found = [fewest[r] for r in rotation_ids if r in fewest]
            if found:
                out[escalation_id] = min(found)
        return out

    return per_key(ctx, "rotation.fewest_paged", build, _fewest_paged_one)


def _fewest_paged_one(ctx: Context, escalation_id: str) -> int | object:
    rotation_ids = all_targets(ctx).get(escalation_id)
    if rotation_ids is None:
        return ABSENT
    fewest = _fewest_active(ctx)
    found = [low for low in map(fewest.get, rotation_ids) if low is not None]
    return min(found) if found else ABSENT


def _fewest_active_one(ctx: Context, rotation_id: str) -> int | object:
    rotation = ctx.org.rotations.get(rotation_id)
    if rotation is None or not rotation.layers:
        return ABSENT
    active = active_people(ctx)
    return min(len(active.intersection(layer.members)) for layer in rotation.layers)


def _thin_layers(ctx: Context, rotation_id: str, hours: str, zone: str, minimum: int) -> list[tuple[int, IntervalSet]]:
    """(layer index, the support-hour windows in which it decides) for each layer with fewer than `minimum`
    active members that decides at some time of the support hours; [] when the rotation cannot be computed."""
    rotation = ctx.org.rotations.get(rotation_id)
    found = rotation_timeline(ctx, rotation_id)
    if rotation is None or found is None:
        return []
    active = active_people(ctx)
    mask = support_mask(ctx, hours, zone)
    out = []
    for index, layer in enumerate(rotation.layers):
        if sum(1 for m in dict.fromkeys(layer.members) if m in active) >= minimum:
            continue
        windows = intersect(found.deciding[index], mask)
        if windows:
            out.append((index, windows))
    return out


@rule("ROT002", "error", "coverage gap")
def coverage_gap(ctx: Context) -> Iterator[Issue]:
    """
    Within the service's support hours in the horizon (`--now` to `--now` + `horizon`), no
    level of its escalation has anyone on call.

    Rationale: an incident in a gap pages nobody. Support hours come from the service tier:
    `24x7` is all the time, `business` is Settings `business_hours` on the wall clock of the
    escalation's first rotation (UTC without one), `none` is not checked. Leavers and unknown
    people count as nobody. A rotation whose turns are too short to compute over the horizon
    (more than 100,000 hand-offs) is reported here too.

    Fails:
        - {kind: Service, id: checkout-api, owner: payments, tier: 1, escalation: pay}
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers:
            - name: weekdays
              members: [alice, bob, carol]
              start: 2026-01-05T09:00
              turn: 1w
              restrictions: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]
    Passes:
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers: [{name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}]
    """
    limits = _turn_limits(ctx)
    if limits:
        first = _first_paged_service(ctx)
        for service, rotation_ids in _paging(ctx):
            for rotation_id in rotation_ids:
                if first.get(rotation_id) != service.id:
                    continue  # reported once, for the first service
                limit = limits.get(rotation_id)
                if limit is not None:
                    yield Issue(service.ref, f"rotation {rotation_id} cannot be checked over the horizon "
                                f"({ctx.settings.horizon}): {limit}; use a longer turn or a shorter horizon",
                                ("layers",), at=f"rotation:{rotation_id}")
            issue = _gap(ctx, service, first_level_only=False)
            if issue is not None:
                yield issue
        return
    yield from _gaps(ctx, first_level_only=False)


def _turn_limits(ctx: Context) -> dict[str, str]:
    """Rotation id -> why it cannot be computed over the horizon (`turn_limit`), for those that cannot."""
    def build() -> dict[str, str]:
        out = {}
        for rotation_id in ctx.org.rotations:
            limit = turn_limit(ctx, rotation_id)
            if limit is not None:
                out[rotation_id] = str(limit)
        return out

    return per_key(ctx, "rotation.turn_limits", build, _turn_limit_one)


def _turn_limit_one(ctx: Context, rotation_id: str) -> str | object:
    limit = turn_limit(ctx, rotation_id)
    return ABSENT if limit is None else str(limit)


@rule("ROT003", "warning", "first level has a gap")
def first_level_gap(ctx: Context) -> Iterator[Issue]:
    """
    The first level of a service's escalation has nobody on call during part of the support
    hours, while a later level does (where no level has anyone, ROT002 reports it).

    Rationale: incidents in such a window wait the first level's `after` delay and then go
    straight to the next level: usually a more senior or a less familiar person.

    Fails:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-day"], after: 15m},
                                             {targets: ["person:alice"]}]}
        # pay-day has someone only 09:00-17:00, the service is 24x7
    Passes:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-247"], after: 15m},
                                             {targets: ["person:alice"]}]}
    """
    yield from _gaps(ctx, first_level_only=True)


def _gaps(ctx: Context, first_level_only: bool) -> Iterator[Issue]:
    """The paged services' ROT002 (ROT003 with `first_level_only`) issues.

    Support hours depend on the tier only and gaps on the escalation and hours only: both are
    looked up once, so the many services without a gap cost a few dictionary lookups each.
    """
    hours_of = {tier: policy.hours for tier, policy in ctx.settings.tiers.items() if policy.hours != "none"}
    escalations = ctx.org.escalations
    table = _escalation_gaps(ctx)
    which = 1 if first_level_only else 0
    for service in ctx.each("Service"):
        hours = hours_of.get(service.tier)
        escalation = service.escalation
        if hours is None or not escalation or escalation not in escalations:
            continue
        found = table[escalation]
        if found is not None and found[1][hours][which]:
            yield _gap_issue(ctx, service, escalations[escalation], hours, (found[0], found[1][hours][which]),
                             first_level_only)


def _gap(ctx: Context, service: Service, first_level_only: bool) -> Issue | None:
    """A paged service's ROT002 (ROT003 with `first_level_only`) issue, or None."""
    policy = ctx.settings.tiers.get(service.tier)
    hours = policy.hours if policy else "none"
    if hours == "none":
        return None
    found = _escalation_gaps(ctx)[service.escalation or ""]
    if found is None:
        return None
    zone, gaps = found
    gap = gaps[hours][1 if first_level_only else 0]
    if not gap:
        return None
    escalation = ctx.org.escalations[service.escalation or ""]
    return _gap_issue(ctx, service, escalation, hours, (zone, gap), first_level_only)


def _gap_issue(ctx: Context, service: Service, escalation: Escalation, hours: str, found: tuple[str, IntervalSet],
               first_level_only: bool) -> Issue:
    zone, gap = found
    need = f"tier {service.tier} needs {hours_label(ctx, hours)}"
    if not first_level_only:
        return Issue(service.ref, f"no one on call for {service.id} {describe_windows(gap, zone)} "
                     f"({need}): add a layer, an override or a level that covers it", ("escalation",))
    level = escalation.levels[0]
    wait = f"after {level.after}" if level.after else "after its delay"
    return Issue(service.ref, f"the first level of escalation {escalation.id} has no one on call for "
                 f"{service.id} {describe_windows(gap, zone)} ({need}), so incidents go to level 2 "
                 f"only {wait}: cover these hours in the first level", ("levels", 0), at=escalation.ref)


def _escalation_gaps(ctx: Context) -> dict[str, tuple[str, dict[str, tuple[IntervalSet, IntervalSet]]] | None]:
    """Escalation id -> (zone, support hours -> (the support hours in which no level pages anyone, those in
    which only later levels do)), None when the escalation cannot be checked; for every escalation and the
    support hours of the tiers, once per run (shared by the escalation's services: do not modify them)."""
    def build() -> dict[str, tuple[str, dict[str, tuple[IntervalSet, IntervalSet]]] | None]:
        can_check, zones, kinds = checkable_escalations(ctx), escalation_zones(ctx), _gap_hours(ctx)
        masks: dict[tuple[str, str], IntervalSet] = {}
        return {escalation.id: _gaps_of(ctx, escalation, can_check, zones, kinds, masks)
                for escalation in ctx.org.escalations.values()}

    return per_key(ctx, "rotation.gaps", build, _gaps_one)


def _gap_hours(ctx: Context) -> list[str]:
    """The support hours of the tiers, but 'none'."""
    return sorted({policy.hours for policy in ctx.settings.tiers.values()} - {"none"})


def _gaps_one(ctx: Context, escalation_id: str) -> tuple[str, dict[str, tuple[IntervalSet, IntervalSet]]] | None:
    escalation = ctx.org.escalations.get(escalation_id)
    if escalation is None:
        return ABSENT  # type: ignore[return-value]
    return _gaps_of(ctx, escalation, checkable_escalations(ctx), escalation_zones(ctx), _gap_hours(ctx), {})


def _gaps_of(ctx: Context, escalation: Escalation, can_check: Mapping[str, bool], zones: Mapping[str, str],
             kinds: list[str], masks: dict[tuple[str, str], IntervalSet],
             ) -> tuple[str, dict[str, tuple[IntervalSet, IntervalSet]]] | None:
    """One escalation's entry of `_escalation_gaps` (`masks`: the support masks met so far, by hours and zone)."""
    ident = escalation.id
    if not can_check[ident]:
        return None
    zone = zones[ident]
    nobody, nobody_first = nobody_of(ctx, ident), nobody_of(ctx, ident, 0)
    gaps = {}
    for hours in kinds:
        mask = masks.get((hours, zone))
        if mask is None:
            mask = masks[hours, zone] = support_mask(ctx, hours, zone)
        total_gap = intersect(nobody, mask)
        gaps[hours] = total_gap, subtract(intersect(nobody_first, mask), total_gap)
    return zone, gaps


def _ends_by(to: date | datetime) -> int:
    """An instant at or after the end of an absence ending `to`, whatever the person's zone."""
    if isinstance(to, datetime):
        return instant(to, "UTC")
    return (to.toordinal() - _EPOCH_DAY) * DAY + 2 * DAY  # a day's end, UTC-12


def _rotations_of(ctx: Context, people: set[str]) -> dict[str, list[Rotation]]:
    """Person (of `people`) -> the rotations they are a member of or have an override in, by id: one pass
    over the rotations for the few people with an absence ahead (no index of everyone), or where memos
    outlive the run (the language server: a pass would read every rotation) the index kept rotation by rotation."""
    out: dict[str, list[Rotation]] = {}
    if ctx.keeps_memos:
        index, rotations = _rotations_with(ctx), ctx.org.rotations
        for person in people:
            ids = index.get(person)
            if ids:
                out[person] = [rotations[ident] for ident in sorted(ids)]
        return out
    for rotation in ctx.org.rotations.values():
        found: set[str] = set()
        for layer in rotation.layers:
            if not people.isdisjoint(layer.members):
                found.update(people.intersection(layer.members))
        for override in rotation.overrides:
            if override.person in people:
                found.add(override.person)
        for person in found:
            out.setdefault(person, []).append(rotation)
    for rotations in out.values():
        rotations.sort(key=attrgetter("id"))
    return out


@rule("ROT004", "error", "on call while absent")
def on_call_while_absent(ctx: Context) -> Iterator[Issue]:
    """
    Someone is on call in a rotation during their own Absence, and no override covers it.

    Rationale: the pager of a person on vacation rings in a drawer. Add an override for
    the absent days (`overrides: [{person: carol, from: ..., to: ...}]`). An Absence given as
    dates covers whole days in the person's own time zone, `to` included; it is checked from
    now for up to a year ahead, not only within the horizon.

    Fails:
        - {kind: Absence, person: bob, from: 2026-12-20, to: 2027-01-03}
        # bob's turn in pay-primary is the week from 2026-12-21
    Passes:
        - {kind: Absence, person: bob, from: 2026-12-20, to: 2027-01-03}
        - kind: Rotation
          id: pay-primary
          # ...
          overrides: [{person: carol, from: 2026-12-21T09:00, to: 2026-12-28T09:00}]
    """
    now = int(ctx.now.timestamp())
    # (rotation, person) -> the spans on call while away, and the reasons: one finding per pair
    found_for: dict[tuple[str, str], tuple[list[tuple[int, int]], list[str]]] = {}
    ahead = []  # (absence, person, the window to check)
    people = ctx.org.people
    for absence in ctx.org.absences:
        if isinstance(absence.from_, datetime) == isinstance(absence.to, datetime) and _ends_by(absence.to) <= now:
            continue  # over before now in every zone (and its ends are in order: the model checks both of a kind)
        person = people.get(absence.person)
        if person is None:
            continue
        start, end = absence_interval(absence, person.timezone)
        if end <= start:  # a date against a datetime: only the person's zone tells (the model cannot)
            yield Issue(absence.ref, f"this absence of {person.id} ends before it starts in their time zone "
                        f"({person.timezone}): a date is a whole day there, a datetime without offset is UTC; "
                        "fix 'to'", ("to",), subject=f"person:{person.id}")
            continue
        window = (max(start, now), min(end, now + ABSENCE_LOOKAHEAD))
        if window[1] > window[0]:
            ahead.append((absence, person, window))
    rotations_of = _rotations_of(ctx, {person.id for _, person, _ in ahead}) if ahead else {}
    for absence, person, window in ahead:
        for rotation in rotations_of.get(person.id, ()):
            found = rotation_timeline(ctx, rotation.id, window)
            spans = found.by_person().get(person.id, []) if found else []
            if spans:
                entry = found_for.setdefault((rotation.id, person.id), ([], []))
                entry[0].extend(spans)
                if absence.reason and absence.reason not in entry[1]:
                    entry[1].append(absence.reason)
    for (rotation_id, person_id), (spans, reasons) in sorted(found_for.items()):
        rotation = ctx.org.rotations[rotation_id]
        why = f" ({', '.join(reasons)})" if reasons else ""
        field = ("overrides",) if rotation.overrides else ("layers",)
        yield Issue(rotation.ref, f"{person_id} is on call in {rotation_id} during their absence{why} "
                    f"{describe_windows(normalise(spans), rotation.timezone)}: add an override that gives these "
                    "hours to someone else", field, subject=f"person:{person_id}")


def _on_call_by_person(ctx: Context) -> Mapping[str, tuple[Sequence[tuple[int, int]], list[str], int]]:
    """Person id -> (when they are on call in any rotation over the horizon, in which rotations (by id), how
    many seconds in all), for everyone on call some time; once per run, from each rotation's timeline.

    The spans are sorted and disjoint (touching ones may stay apart): a timeline's segments never
    overlap, so only people in several rotations need their spans normalised. They may be shared between
    people (`Timeline.on_call`): do not modify them.
    """
    def build() -> dict[str, tuple[Sequence[tuple[int, int]], list[str], int]]:
        out: dict[str, tuple[Sequence[tuple[int, int]], list[str], int]] = {}
        several: set[str] = set()
        for rotation_id in sorted(ctx.org.rotations):
            found = rotation_timeline(ctx, rotation_id)
            if found is None:
                continue
            mine = found.on_call_with([rotation_id])  # one list for the rotation's people: not modified
            again = mine.keys() & out.keys()
            for person in again:  # on call in an earlier rotation too
                entry = out[person]
                mine[person] = ([*entry[0], *mine[person][0]], [*entry[1], rotation_id], 0)
            several.update(again)
            out.update(mine)  # type: ignore[arg-type]
        for person in several:
            spans, names, _ = out[person]
            spans = normalise(spans)
            out[person] = (spans, names, total(spans))
        return out

    return per_key(ctx, "rotation.on_call_by_person", build, _on_call_one)


def _on_call_one(ctx: Context, person_id: str) -> tuple[Sequence[tuple[int, int]], list[str], int] | object:
    """One person's entry of `_on_call_by_person`, from the rotations they are in."""
    spans: list[tuple[int, int]] = []
    names: list[str] = []
    seconds = 0
    for rotation_id in sorted(_rotations_with(ctx).get(person_id, ())):
        found = rotation_timeline(ctx, rotation_id)
        mine = found.on_call().get(person_id) if found is not None else None
        if mine is None:
            continue
        if not names:
            first, seconds = mine
        spans.extend(mine[0])
        names.append(rotation_id)
    if not names:
        return ABSENT
    if len(names) == 1:
        return first, names, seconds
    spans = normalise(spans)
    return spans, names, total(spans)


def _rotations_with(ctx: Context) -> Mapping[str, frozenset[str]]:
    """Person id -> the ids of the rotations they are a member of or have an override in."""
    return ctx.index("rotations_with", "Rotation", _rotation_people)


def _rotation_people(rotation: Rotation) -> Iterator[tuple[str, str]]:
    for person in set(rotation.members) | {o.person for o in rotation.overrides}:
        yield person, rotation.id


@rule("ROT005", "warning", "too much on-call time")
def too_much_on_call(ctx: Context) -> Iterator[Issue]:
    """
    A person is on call more than `max_oncall_share` (default 0.34) of the horizon, over all
    rotations together (time on call in two rotations at once counts once).

    Rationale: someone on call half the time burns out and stops answering. Spread the load:
    more people in the rotation, or fewer rotations per person.

    Fails:
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers: [{name: weekly, members: [alice, bob], start: 2026-01-05T09:00, turn: 1w}]
    Passes:
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers: [{name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}]
    """
    w0, w1 = horizon(ctx)
    limit = ctx.settings.max_oncall_share
    on_call = _on_call_by_person(ctx).get
    length = w1 - w0
    for person in ctx.each("Person"):  # a lookup each (a generator in between would cost as much again)
        found = on_call(person.id)
        if found is None or found[2] / length <= limit:
            continue
        _, rotations, seconds = found
        person_id = person.id
        share = seconds / length
        if share > limit:
            yield Issue(person.ref, f"{person_id} is on call {share:.0%} of the next {ctx.settings.horizon} "
                        f"({seconds // 3600} hours in {', '.join(rotations)}), more than max_oncall_share "
                        f"{limit:.0%}: add people to these rotations or take {person_id} out of one",
                        subject=f"person:{person_id}")


@rule("ROT006", "warning", "too many night hours")
def too_many_night_hours(ctx: Context) -> Iterator[Issue]:
    """
    A person is on call more than `max_night_hours_per_week` (default 12) in their own
    night (Settings `night`, default 22:00-07:00, on the wall clock of the person's own time
    zone), averaged over the weeks of the horizon.

    Rationale: a week of nights on call every few weeks is how single-time-zone teams burn
    out. A follow-the-sun rotation, where each zone covers its own daytime, fixes it.

    Fails:
        # everyone in Europe/Berlin, three people on a 24x7 weekly rotation: 21 night hours a week each
        - {kind: Rotation, id: pay, timezone: Europe/Berlin,
           layers: [{name: w, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}]}
    Passes:
        - kind: Rotation
          id: pay
          timezone: Europe/Berlin
          layers:
            - {name: day, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w,
               restrictions: [{from: "07:00", to: "22:00"}]}
            - {name: night, members: [sam, tina, uma], start: 2026-01-05T09:00, turn: 1w,   # America/Los_Angeles
               restrictions: [{from: "22:00", to: "07:00"}]}
    """
    w0, w1 = horizon(ctx)
    weeks = (w1 - w0) / (7 * 86400)
    limit = ctx.settings.max_night_hours_per_week
    night = ctx.settings.night
    masks: dict[str, IntervalSet] = {}
    nights_of: dict[tuple[str, int], int] = {}  # people of one slot of a shape share spans
    on_call = _on_call_by_person(ctx).get
    for person in ctx.each("Person"):
        found = on_call(person.id)
        if found is None:
            continue
        spans, rotations, _ = found
        person_id = person.id
        zone = person.timezone
        if type(spans) is tuple:  # a plan's own spans, alive while `on_call` is: known by identity
            key = (zone, id(spans))
            seconds = nights_of.get(key)
            if seconds is None:
                seconds = nights_of[key] = overlap(spans, _night(masks, night, zone, w0, w1))
        else:
            seconds = overlap(spans, _night(masks, night, zone, w0, w1))
        per_week = seconds / 3600 / weeks
        if per_week <= limit:
            continue
        mask = _night(masks, night, zone, w0, w1)
        nights = {}  # rotation -> its night seconds for the person: a daytime-only rotation is not a source
        for rotation_id in rotations:
            found = rotation_timeline(ctx, rotation_id)
            spans = found.by_person().get(person_id, []) if found else []
            if overlap(spans, mask):
                nights[rotation_id] = spans
        sources = ", ".join(nights) or ", ".join(rotations)
        head = (f"{person_id} is on call {per_week:.1f} night hours a week ({night.from_}–{night.to} "
                f"{person.timezone}) over the next {ctx.settings.horizon} in {sources}, more than "
                f"max_night_hours_per_week {limit:g}")
        cause = _night_override(ctx, person_id, nights, mask, per_week * weeks * 3600 - limit * weeks * 3600)
        if cause is None:
            yield Issue(person.ref, f"{head}: hand the night to people in another time zone (follow the sun)",
                        subject=f"person:{person_id}")
            continue
        rotation, index, seconds = cause
        override = rotation.overrides[index]
        yield Issue(person.ref, f"{head}, {seconds / 3600:.0f} of them through the override "
                    f"{override.from_.isoformat()} – {override.to.isoformat()} in {rotation.id}, which puts "
                    f"{person_id} on call day and night: split it so that someone else takes the nights",
                    ("overrides", index), at=rotation.ref, subject=f"person:{person_id}")


def _night(masks: dict[str, IntervalSet], night, zone: str, w0: int, w1: int) -> IntervalSet:
    """The zone's night mask over the horizon, kept in `masks` (a function of the zone and the Settings)."""
    mask = masks.get(zone)
    if mask is None:
        mask = masks[zone] = night_mask(night, zone, w0, w1)
    return mask


def _night_override(ctx: Context, person_id: str, nights: dict[str, IntervalSet], mask: IntervalSet,
                    excess: float) -> tuple[Rotation, int, int] | None:
    """(rotation, index, night seconds) of the person's override that causes the excess: the one with the most
    night hours, when without the overrides' nights the person would be within the limit; else None."""
    from validator.oncall.zones import instant

    w0, w1 = horizon(ctx)
    best: tuple[Rotation, int, int] | None = None
    total_override = 0
    for rotation_id, spans in nights.items():
        rotation = ctx.org.rotations[rotation_id]
        for index, override in enumerate(rotation.overrides):
            if override.person != person_id:
                continue
            start = max(w0, instant(override.from_, rotation.timezone))
            end = min(w1, instant(override.to, rotation.timezone))
            if end <= start:
                continue
            seconds = overlap(intersect(spans, [(start, end)]), mask)
            total_override += seconds
            if seconds and (best is None or seconds > best[2]):
                best = (rotation, index, seconds)
    return best if best is not None and total_override >= excess else None


@rule("ROT007", "warning", "rotation no escalation uses")
def unused_rotation(ctx: Context) -> Iterator[Issue]:
    """
    A rotation that no escalation targets: its people are on call for nothing.

    Rationale: usually a leftover after a reorganisation, or a rotation someone forgot to
    add to the escalation policy; either way its on-call time pages nobody.

    Fails:
        - {kind: Rotation, id: old-primary, timezone: UTC,
           layers: [{name: w, members: [alice], start: 2026-01-05T09:00, turn: 1w}]}
        # no Escalation has "rotation:old-primary" in its levels
    Passes:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:old-primary"]}]}
    """
    used = set(chain.from_iterable(all_targets(ctx).values()))
    for rotation in sorted(ctx.org.rotations.values(), key=lambda r: r.id):
        if rotation.id not in used:
            yield Issue(rotation.ref, f"rotation {rotation.id} is not used by any escalation: add "
                        f"\"rotation:{rotation.id}\" to an escalation level or remove the rotation")



def _role_holders(ctx: Context) -> Callable[[set[str], list[str]], set[str]]:
    """The function giving the people of a set (active ones) granted none of some roles directly or through
    a team they are in (unexpired grants): found without analysing any role (the access graph is the slow
    path), and without looking further once everyone is found to hold one."""
    grants, expired, teams = ctx.org.grants, ctx.expired, ctx.org.teams
    of_role = _grants_of_role(ctx)

    def without_roles(people: set[str], roles: list[str]) -> set[str]:
        left = set(people)
        for role_id in roles:
            for grant_id in of_role.get(role_id, ()):
                grant = grants[grant_id]
                if grant.expires is not None and expired(grant.expires):
                    continue
                for principal in grant.to:
                    if principal.startswith("person:"):
                        left.discard(principal[7:])
                    elif principal.startswith("team:"):
                        team = teams.get(principal[5:])
                        if team is not None:
                            left.difference_update(team.members)  # `left` holds active people only
                if not left:
                    return left
        return left

    return without_roles


def _grants_of_role(ctx: Context) -> Mapping[str, Collection[str]]:
    """Role id -> the ids of the grants of it. In one run a plain pass over the grants (a third of the
    time of the general index); where memos outlive the run, the index kept grant by grant."""
    if ctx.keeps_memos:
        return ctx.index("grants_of_role", "Grant", _grant_role)

    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ident, grant in ctx.org.grants.items():
            found = out.get(grant.role)
            if found is None:
                out[grant.role] = [ident]
            else:
                found.append(ident)
        return out

    return ctx.memo("rotation.grants_of_role", build)


def _grant_role(grant) -> tuple[tuple[str, str]]:
    return ((grant.role, grant.id),)


def _production_roles_of(ctx: Context) -> dict[str, frozenset[str]]:
    """Person -> the production roles they reach (through teams, unexpired grants and role assumption)."""
    def build() -> dict[str, frozenset[str]]:
        from validator.graph.access import effective_access

        roles = ctx.org.roles
        out: dict[str, set[str]] = {}
        for reach in effective_access(ctx.org, ctx.now):
            role = roles.get(reach.role)
            if role is not None and role.environment == "production":
                out.setdefault(reach.person, set()).add(reach.role)
        return {person: frozenset(found) for person, found in out.items()}

    return ctx.memo("rotation.production_roles", build)


def _first_level_people(ctx: Context, escalation: Escalation) -> set[str]:
    """Everyone the escalation's first level pages over the horizon (shared by its services)."""
    ident = escalation.id
    return ctx.memo(("rotation.first_level_people", ident), lambda: _first_people(ctx, ident))


def _first_people(ctx: Context, escalation_id: str) -> set[str]:
    direct, rotation_ids = levels_of(ctx, escalation_id)[0]
    people = set(direct)
    for rotation_id in rotation_ids:
        found = kept(ctx, rotation_id)
        if found is not None:
            people |= found.people
    return people


def _first_level_spans(ctx: Context, escalation: Escalation, person: str, w0: int, w1: int) -> list[tuple[int, int]]:
    """The spans in which the escalation's first level pages `person` (unsorted, may overlap)."""
    direct, sources = paging(ctx, escalation)[0]
    spans = [(w0, w1)] if person in direct else []
    for segments in sources:
        spans.extend((max(start, w0), min(end, w1)) for start, end, who in segments if who == person)
    return spans


def _roles_for_services(ctx: Context) -> dict[str, list[str]]:
    """Service id -> the production roles whose `service` or `operates` names it, sorted."""
    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        roles = ctx.org.roles
        for role_id in sorted(roles):  # the ids are the keys
            role = roles[role_id]
            if role.environment != "production":
                continue
            if not role.operates:
                if role.service:
                    found = out.get(role.service)
                    if found is None:
                        out[role.service] = [role_id]
                    else:
                        found.append(role_id)
                continue
            for service_id in dict.fromkeys([*([role.service] if role.service else []), *role.operates]):
                out.setdefault(service_id, []).append(role_id)
        return out

    return ctx.memo("rotation.roles_for_services", build)


@rule("ROT008", "warning", "on call but unable to act")
def on_call_without_access(ctx: Context) -> Iterator[Issue]:
    """
    Someone on the first level of a service's escalation during the horizon holds no production
    role for that service: a role whose `service` names it, or whose `operates` lists it (a
    support team's restart and roll-back buttons for other teams' services). Checked only for
    services that have such roles; the people and the windows in which they are on call are named.

    Rationale: the first responder must be able to act when paged: roll back, restart, scale.
    Someone paged at 03:00 who cannot touch the service can only wake somebody else. Effective
    access counts (teams, unexpired grants, role assumption), as `dutyguard access` shows it.

    Fails:
        - {kind: Role, id: checkout-deploy, environment: production, account: "123456789012",
           service: checkout-api, statements: [...]}
        - {kind: Grant, id: payments-deploy, role: checkout-deploy, to: [team:payments], reason: ...}
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-support"], after: 15m}, ...]}
        # pay-support's members are in team support, which holds no role for checkout-api
    Passes:
        - {kind: Role, id: checkout-support, environment: production, account: "123456789012",
           operates: [checkout-api], statements: [...]}
        - {kind: Grant, id: support-buttons, role: checkout-support, to: [team:support], reason: ...}
    """
    w0, w1 = horizon(ctx)
    roles_for = _roles_for_services(ctx)
    if not roles_for:
        return
    escalations = ctx.org.escalations
    none: frozenset[str] = frozenset()
    without_roles = _role_holders(ctx)
    for service in ctx.each("Service"):
        needed = roles_for.get(service.id)
        if not needed or not service.escalation:
            continue
        escalation = escalations.get(service.escalation)
        if escalation is None or not escalation.levels:
            continue
        unable = without_roles(_first_level_people(ctx, escalation), needed)
        if not unable:
            continue
        needed_set = set(needed)
        held = _production_roles_of(ctx)  # a role may also be reached by assuming it: ask the access graph
        unable = sorted(person for person in unable if not needed_set & held.get(person, none))
        zone = escalation_zone(ctx, escalation)
        roles = ", ".join(needed)
        for person in unable:
            windows = normalise(_first_level_spans(ctx, escalation, person, w0, w1))
            if not windows:
                continue
            yield Issue(service.ref, f"{person} is on the first level of escalation {escalation.id} for "
                        f"{service.id} {describe_windows(windows, zone)} but holds no production role for "
                        f"{service.id} ({roles}), so cannot roll back or restart it when paged: grant them one "
                        f"(or give a role they hold `operates: [{service.id}]`)", ("levels", 0),
                        at=escalation.ref, subject=f"person:{person}")
