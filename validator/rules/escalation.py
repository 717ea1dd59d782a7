"""ESC rules: an escalation reaches more than one person, moves on, and is long enough for its tier."""

from __future__ import annotations

from collections.abc import Iterator

from validator.oncall import describe_windows, intersect, shared, union
from validator.rules.context import Context
from validator.rules.oncall_views import (
    checkable_escalations,
    escalation_view,
    escalation_zones,
    hours_label,
    level_reach,
    paged_alone,
    support_mask,
)
from validator.rules.registry import Issue, rule

MIN_DELAY_SECONDS = 60
"""PagerDuty's minimum escalation delay."""

_STRICTNESS = {"none": 0, "business": 1, "24x7": 2}


def _strictest_hours_of(ctx: Context) -> dict[str, str]:
    """Escalation id -> `_strictest_hours` of it, for the escalations services use, once per run."""
    return ctx.memo("escalation.strictest_hours", lambda: _by_services(ctx)[0])


def _by_services(ctx: Context) -> tuple[dict[str, str], dict[str, tuple[int, int, str]]]:
    """`_strictest_hours_of` and `_levels_needed`, found in one pass over the services."""
    def build() -> tuple[dict[str, str], dict[str, tuple[int, int, str]]]:
        tiers = ctx.settings.tiers
        hours_of = {tier: policy.hours for tier, policy in tiers.items()}
        strictest: dict[str, str] = {}
        needs: dict[str, tuple[int, int, str]] = {}
        for service in ctx.org.services.values():
            escalation = service.escalation
            if not escalation:
                continue
            hours = hours_of.get(service.tier, "none")
            found = strictest.get(escalation)
            if found is None or _STRICTNESS[hours] > _STRICTNESS[found]:
                strictest[escalation] = hours
            if service.tier not in tiers:
                continue
            need = (tiers[service.tier].min_levels, service.tier, service.id)
            known = needs.get(escalation)
            if known is None or (need[0], -need[1]) > (known[0], -known[1]) or \
                    ((need[0], need[1]) == (known[0], known[1]) and need[2] < known[2]):
                needs[escalation] = need
        return strictest, needs

    return ctx.memo("escalation.by_services", build)


@rule("ESC001", "error", "escalation reaches one person only")
def single_person_escalation(ctx: Context) -> Iterator[Issue]:
    """
    At some time within the support hours of the services using it, all levels of an
    escalation together reach one person only.

    Rationale: if that one person is asleep, in a tunnel or sick, nobody answers, however
    many levels the policy has. Support hours are the strictest of the services' tiers
    (`24x7`, else `business` on the first rotation's wall clock); escalations no service uses,
    or only tier `hours: none` services, are not checked.

    Fails:
        - {kind: Escalation, id: data, levels: [{targets: ["rotation:data-day"], after: 30m},
                                              {targets: ["person:sam"]}]}
        # sam is also in rotation data-day: on sam's days only sam is paged
    Passes:
        - {kind: Escalation, id: data, levels: [{targets: ["rotation:data-day"], after: 30m},
                                              {targets: ["person:erin"]}]}
    """
    strictest, can_check, zones = _strictest_hours_of(ctx), checkable_escalations(ctx), escalation_zones(ctx)
    for escalation in ctx.each("Escalation"):
        hours = strictest.get(escalation.id, "none")
        if hours == "none" or not can_check[escalation.id]:
            continue
        zone = zones[escalation.id]
        mask = support_mask(ctx, hours, zone)
        alone = {p: intersect(spans, mask) for p, spans in paged_alone(ctx, escalation).items()}
        alone = {p: spans for p, spans in alone.items() if spans}
        if alone:
            people = ", ".join(sorted(alone))
            spans = []
            for person_spans in alone.values():
                spans = union(spans, person_spans)
            yield Issue(escalation.ref, f"escalation {escalation.id} reaches only one person ({people}) "
                        f"{describe_windows(spans, zone)} (support: {hours_label(ctx, hours)}): add a level or "
                        "a target with someone else on call then", ("levels",))


@rule("ESC002", "warning", "consecutive levels page the same person")
def same_person_twice(ctx: Context) -> Iterator[Issue]:
    """
    Two consecutive levels of an escalation reach the same person at the same time, within
    the horizon.

    Rationale: when the first level does not answer, the incident escalates to the person who
    just did not answer. Offset the rotations (e.g. the secondary's members in another order)
    or name someone else in the next level.

    Fails:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-primary"], after: 15m},
                                             {targets: ["person:alice"]}]}
        # alice is also in pay-primary
    Passes:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-primary"], after: 15m},
                                             {targets: ["rotation:pay-secondary"]}]}
        # pay-secondary has the same people in another order: never the same person at once
    """
    can_check, zones = checkable_escalations(ctx), escalation_zones(ctx)
    for escalation in ctx.each("Escalation"):
        if len(escalation.levels) < 2 or not can_check[escalation.id]:
            continue
        reach = level_reach(ctx, escalation)
        by_person: dict[str, list[tuple[int, list]]] = {}  # person -> (first level index, spans) per pair
        for first in range(len(escalation.levels) - 1):
            if reach[first].isdisjoint(reach[first + 1]):
                continue  # never a common person: no need for the view
            for person, spans in shared(escalation_view(ctx, escalation), first, first + 1).items():
                by_person.setdefault(person, []).append((first, spans))
        zone = zones[escalation.id] if by_person else ""
        for person in sorted(by_person):  # one finding per person (subject person:ID), naming every pair
            pairs = by_person[person]
            where = "; ".join(f"levels {first + 1} and {first + 2} of escalation {escalation.id} both page {person} "
                              f"{describe_windows(spans, zone)}" for first, spans in pairs)
            yield Issue(escalation.ref, f"{where}: an unanswered page escalates to the same person; offset the "
                        "rotations or target someone else",
                        ("levels", pairs[0][0] + 1), subject=f"person:{person}")


@rule("ESC003", "error", "escalation too short or too fast")
def too_few_levels(ctx: Context) -> Iterator[Issue]:
    """
    An escalation has fewer levels than the `min_levels` of the strictest tier among the
    services using it, or a level that escalates further has no `after` delay, or a delay below
    PagerDuty's minimum of 1 minute.

    Rationale: a tier-1 service needs somebody behind the first responder. Every level that is
    followed by another one needs an explicit delay: it decides how long an incident waits before
    the next person hears of it. (The last level's `after` is only used when `repeat` loops the
    policy; without it, the PagerDuty default of 30 minutes applies.)

    Fails:
        - {kind: Service, id: checkout-api, owner: payments, tier: 1, escalation: pay}
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-primary"]}]}
    Passes:
        - {kind: Escalation, id: pay, levels: [{targets: ["rotation:pay-primary"], after: 15m},
                                             {targets: ["rotation:pay-secondary"]}]}
    """
    needs = _levels_needed(ctx)
    for escalation in ctx.each("Escalation"):
        need = needs.get(escalation.id)
        if need is not None:
            minimum, tier, service_id = need
            if len(escalation.levels) < minimum:
                yield Issue(escalation.ref, f"escalation {escalation.id} has {len(escalation.levels)} level(s), but "
                            f"tier-{tier} service {service_id} needs at least {minimum}: add a level "
                            "(e.g. a secondary rotation or the team lead)", ("levels",))
        last = len(escalation.levels) - 1
        for index, level in enumerate(escalation.levels):
            if level.after is not None and level.after.seconds < MIN_DELAY_SECONDS:
                yield Issue(escalation.ref, f"level {index + 1} of escalation {escalation.id} escalates after "
                            f"{level.after}, below PagerDuty's minimum of 1 minute", ("levels", index, "after"),
                            subject=f"level:{index + 1}")
            elif level.after is None and index < last:
                yield Issue(escalation.ref, f"level {index + 1} of escalation {escalation.id} has no 'after': say "
                            f"how long an incident waits before level {index + 2} is paged (e.g. after: 15m)",
                            ("levels", index), subject=f"level:{index + 1}")


def _levels_needed(ctx: Context) -> dict[str, tuple[int, int, str]]:
    """Escalation id -> (min_levels, tier, service id) of the service using it that needs the most levels
    (of those, the highest tier, then the first by id), for the escalations services of a known tier use."""
    return ctx.memo("escalation.levels_needed", lambda: _by_services(ctx)[1])
