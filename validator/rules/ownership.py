"""OWN rules: every service has a living team behind it, and nobody who left is still relied on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from operator import attrgetter

from validator.graph import dependents_of, shortest_paths, team_parent_cycles
from validator.model.types import split_ref
from validator.rules.context import Context
from validator.rules.oncall_views import ABSENT, per_key
from validator.rules.registry import Issue, rule


def orphaned_services(ctx: Context) -> set[str]:
    """Services whose (existing) owner team has no active member."""

    def build() -> set[str]:
        active = _active_counts(ctx)
        unstaffed = {team_id for team_id in ctx.services_by_owner() if active.get(team_id) == 0}
        return {s.id for s in ctx.org.services.values() if s.owner in unstaffed}

    return ctx.memo("ownership.orphans", build)


def _active_counts(ctx: Context) -> dict[str, int]:
    """Team id -> `len(ctx.active_members(team_id))`, for every team, once per run."""
    def build() -> dict[str, int]:
        active = ctx.active_people()
        return {team.id: sum(map(active.__contains__, team.members)) for team in ctx.org.teams.values()}

    return ctx.memo("ownership.active_counts", build)


@rule("OWN001", "error", "orphaned service")
def orphaned_service(ctx: Context) -> Iterator[Issue]:
    """
    A service's owner team has no active member: nobody is accountable for it.

    Rationale: "you build it, you run it" needs a "you". When the last member leaves (or is
    marked `active: false`), the service is orphaned and CI must block until a team takes it.

    Fails:
        - {kind: Team, id: payments, name: Payments, members: [alice]}
        - {kind: Person, id: alice, name: Alice, email: a@x.io, timezone: UTC, active: false}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    Passes:
        - {kind: Team, id: payments, name: Payments, members: [alice]}
        - {kind: Person, id: alice, name: Alice, email: a@x.io, timezone: UTC}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    """
    active = _active_counts(ctx)
    for service in ctx.each("Service"):
        if active.get(service.owner) != 0:  # an unknown team (SCH005) or one with active members
            continue
        yield Issue(service.ref, f"service {service.id} is orphaned: its owner team {service.owner} has no "
                    "active member; add an active member to the team or move the service to another team",
                    ("owner",))


@rule("OWN002", "warning", "owning team too small")
def small_team(ctx: Context) -> Iterator[Issue]:
    """
    A team that owns services has fewer active members than `min_team_size` (default 2).

    Rationale: one person cannot go on vacation, be sick or change teams without leaving the
    services unowned. Two is the least that survives an absence.

    Fails:
        - {kind: Team, id: payments, name: Payments, members: [alice]}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    Passes:
        - {kind: Team, id: payments, name: Payments, members: [alice, bob]}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    """
    minimum = ctx.settings.min_team_size
    owners = ctx.services_by_owner()
    counts = _active_counts(ctx)
    for team in ctx.each("Team"):
        team_id = team.id
        if team_id not in owners:
            continue
        active = counts[team_id]
        if active < minimum:
            yield Issue(team.ref, f"team {team_id} owns services but has {active} active member"
                        f"{'s' if active != 1 else ''}, fewer than min_team_size {minimum}: add members",
                        ("members",))


@rule("OWN003", "error", "service without required escalation")
def missing_escalation(ctx: Context) -> Iterator[Issue]:
    """
    A service whose tier needs escalation (`min_levels` > 0 in Settings `tiers`) has no
    `escalation`.

    Rationale: a tier 1-3 service without an escalation policy pages nobody when it breaks.

    Fails:
        kind: Service
        id: checkout-api
        owner: payments
        tier: 1
    Passes:
        kind: Service
        id: checkout-api
        owner: payments
        tier: 1
        escalation: payments-critical
    """
    tiers = ctx.settings.tiers
    for service in ctx.each("Service"):
        policy = tiers.get(service.tier)
        if service.escalation is None and policy is not None and policy.min_levels > 0:
            yield Issue(service.ref, f"service {service.id} is tier {service.tier}, which needs an escalation "
                        f"with at least {policy.min_levels} level(s), but has none: add 'escalation:'")


def escalation_people(ctx: Context, escalation_id: str) -> set[str]:
    """Everyone an escalation can ever page: people targeted directly and all rotation members."""
    return _people_paged_by(ctx).get(escalation_id, set())


def _people_paged_by(ctx: Context) -> Mapping[str, set[str]]:
    """Escalation id -> `escalation_people` of it, for every escalation, once per run."""
    def build() -> dict[str, set[str]]:
        of_rotation: dict[str, set[str]] = {}  # a rotation is often targeted by several escalations
        return {escalation.id: _paged_people(ctx, escalation, of_rotation)
                for escalation in ctx.org.escalations.values()}

    return per_key(ctx, "ownership.escalation_people", build, _escalation_people_one)


def _escalation_people_one(ctx: Context, escalation_id: str) -> set[str] | object:
    escalation = ctx.org.escalations.get(escalation_id)
    return ABSENT if escalation is None else _paged_people(ctx, escalation, {})


def _paged_people(ctx: Context, escalation, of_rotation: dict[str, set[str]]) -> set[str]:
    """`escalation_people` of one escalation (`of_rotation`: `rotation_people` met so far)."""
    people: set[str] = set()
    for level in escalation.levels:
        for target in level.targets:
            kind, _, ident = target.partition(":")
            if kind == "person":
                people.add(ident)
                continue
            found = of_rotation.get(ident)
            if found is None:
                found = of_rotation[ident] = rotation_people(ctx, ident)
            people |= found
    return people


def rotation_people(ctx: Context, rotation_id: str) -> set[str]:
    rotation = ctx.org.rotations.get(rotation_id)
    if rotation is None:
        return set()
    people = set().union(*map(_MEMBERS, rotation.layers))
    if rotation.overrides:
        people.update(map(_PERSON, rotation.overrides))
    return people


@rule("OWN004", "warning", "escalation never pages the owning team")
def escalation_misses_owner(ctx: Context) -> Iterator[Issue]:
    """
    A service's escalation never pages anyone of the team that owns it.

    Rationale: the owners know the service; paging only other teams means the people who can
    fix it hear about the incident last.

    Fails:
        - {kind: Service, id: checkout-api, owner: payments, tier: 3, escalation: platform-oncall}
        # platform-oncall pages only members of team platform
    Passes:
        - {kind: Service, id: checkout-api, owner: payments, tier: 3, escalation: payments-oncall}
        # payments-oncall's rotation has members of team payments
    """
    escalations, teams, people_of = ctx.org.escalations, ctx.org.teams, _people_paged_by(ctx)
    for service in ctx.each("Service"):
        if not service.escalation or service.escalation not in escalations:
            continue
        team = teams.get(service.owner)
        if team is None:
            continue
        if people_of[service.escalation].isdisjoint(team.members):
            yield Issue(service.ref, f"escalation {service.escalation} of service {service.id} never pages "
                        f"anyone of its owner team {service.owner}: add the team's rotation or a member",
                        ("escalation",))


def _team_references(team, only: frozenset[str]) -> Iterator[tuple[tuple, str, str]]:
    for i, member in enumerate(team.members):
        if member in only:
            yield ("members", i), member, "a member of"
    for i, lead in enumerate(team.leads):
        if lead in only:
            yield ("leads", i), lead, "a lead of"


def _rotation_references(rotation, only: frozenset[str]) -> Iterator[tuple[tuple, str, str]]:
    for li, layer in enumerate(rotation.layers):
        if only.isdisjoint(layer.members):
            continue
        for i, member in enumerate(layer.members):
            if member in only:
                yield ("layers", li, "members", i), member, "on call in"
    for i, override in enumerate(rotation.overrides):
        if override.person in only:
            yield ("overrides", i, "person"), override.person, "an override in"


def _escalation_references(escalation, only: frozenset[str]) -> Iterator[tuple[tuple, str, str]]:
    for li, level in enumerate(escalation.levels):
        for i, target in enumerate(level.targets):
            kind, ident = split_ref(target)
            if kind == "person" and ident in only:
                yield ("levels", li, "targets", i), ident, "paged by"


def _grant_references(grant, only: frozenset[str]) -> Iterator[tuple[tuple, str, str]]:
    for i, principal in enumerate(grant.to):
        if principal.startswith("person:") and principal[7:] in only:
            yield ("to", i), principal[7:], "granted access by"
    for i, approver in enumerate(grant.approved_by):
        if approver in only:
            yield ("approved_by", i), approver, "the approver of"


_MEMBERS, _PERSON, _TARGETS = attrgetter("members"), attrgetter("person"), attrgetter("targets")


def _inactive(ctx: Context) -> frozenset[str]:
    return ctx.memo("ownership.inactive",
                    lambda: frozenset(person.id for person in ctx.org.people.values() if not person.active))


def _grouped(entity: str, places: Iterator[tuple[tuple, str, str]]) -> Iterator[Issue]:
    """One issue per person (subject `person:<id>`), at the first place, naming every role."""
    first: dict[str, tuple[tuple, list[str]]] = {}
    for field, person_id, how in places:
        found = first.setdefault(person_id, (field, []))
        if how not in found[1]:
            found[1].append(how)
    for person_id, (field, hows) in first.items():
        how = " and ".join(hows) if len(hows) < 3 else ", ".join(hows[:-1]) + " and " + hows[-1]
        yield Issue(entity, f"{person_id} is inactive (active: false) but still {how} {entity}: "
                            f"remove {person_id} or replace them", field, subject=f"person:{person_id}")


@rule("OWN005", "error", "inactive person still referenced")
def inactive_person_referenced(ctx: Context) -> Iterator[Issue]:
    """
    A person marked `active: false` (they left) is still a team member, lead, on call in a
    rotation or override, paged by an escalation, granted access, or an approver.

    Rationale: leavers must lose access and stop being paged the day they leave; a page to a
    leaver is a page to nobody.

    Fails:
        - {kind: Person, id: bob, name: Bob, email: b@x.io, timezone: UTC, active: false}
        - {kind: Team, id: payments, name: Payments, members: [alice, bob]}
    Passes:
        - {kind: Person, id: bob, name: Bob, email: b@x.io, timezone: UTC, active: false}
        - {kind: Team, id: payments, name: Payments, members: [alice]}
    """
    inactive = _inactive(ctx)
    if not inactive:
        return
    refs = {f"person:{person}" for person in inactive}
    disjoint = inactive.isdisjoint
    for team in ctx.each("Team"):  # the common case (nobody inactive) tested in C, kind by kind
        if not (disjoint(team.members) and disjoint(team.leads)):
            yield from _grouped(team.ref, _team_references(team, inactive))
    for rotation in ctx.each("Rotation"):
        if not (all(map(disjoint, map(_MEMBERS, rotation.layers))) and disjoint(map(_PERSON, rotation.overrides))):
            yield from _grouped(rotation.ref, _rotation_references(rotation, inactive))
    targeted = refs.isdisjoint
    for escalation in ctx.each("Escalation"):
        if not all(map(targeted, map(_TARGETS, escalation.levels))):
            yield from _grouped(escalation.ref, _escalation_references(escalation, inactive))
    for grant in ctx.each("Grant"):
        if not (targeted(grant.to) and disjoint(grant.approved_by)):
            yield from _grouped(grant.ref, _grant_references(grant, inactive))
    yield from _grouped("settings", ((("waivers", i, "approved_by"), waiver.approved_by, "the approver of a waiver in")
                                     for i, waiver in enumerate(ctx.settings.waivers)
                                     if waiver.approved_by in inactive))


@rule("OWN006", "warning", "depends on an orphaned or deprecated service")
def risky_dependency(ctx: Context) -> Iterator[Issue]:
    """
    A service depends, directly or through other services, on a service that is orphaned
    (OWN001) or `lifecycle: deprecated`. It is an error when the dependent is tier 1 and the
    dependency is orphaned.

    Rationale: a tier 1 service is only as well run as the worst thing it depends on.

    Fails:
        - {kind: Service, id: checkout-api, owner: payments, tier: 2, escalation: pay, depends_on: [ledger]}
        - {kind: Service, id: ledger, owner: finance, tier: 2, escalation: fin, lifecycle: deprecated}
    Passes:
        - {kind: Service, id: checkout-api, owner: payments, tier: 2, escalation: pay, depends_on: [ledger]}
        - {kind: Service, id: ledger, owner: finance, tier: 2, escalation: fin}
    """
    services = ctx.org.services
    orphans = orphaned_services(ctx)
    risky = sorted(orphans | {s.id for s in services.values() if s.lifecycle == "deprecated"})
    dependents = dependents_of(services) if risky else {}
    for bad in risky:
        why = "orphaned" if bad in orphans else "deprecated"
        paths = shortest_paths(dependents, bad)
        for dependent in sorted(paths):
            if dependent == bad:
                continue
            service = services[dependent]
            chain = " → ".join(reversed(paths[dependent]))
            severity = "error" if why == "orphaned" and service.tier == 1 else None
            field = ("depends_on",)
            direct = paths[dependent][-2]
            if direct in service.depends_on:
                field = ("depends_on", service.depends_on.index(direct))
            yield Issue(service.ref, f"service {dependent} (tier {service.tier}) depends on {why} service {bad} "
                        f"({chain}): replace the dependency or give {bad} an owner", field,
                        severity=severity, subject=f"service:{bad}")


@rule("OWN007", "error", "team hierarchy cycle")
def team_cycle(ctx: Context) -> Iterator[Issue]:
    """
    Teams' `parent` links form a cycle, so the hierarchy has no top.

    Fails:
        - {kind: Team, id: a, name: A, members: [alice], parent: b}
        - {kind: Team, id: b, name: B, members: [bob], parent: a}
    Passes:
        - {kind: Team, id: a, name: A, members: [alice], parent: b}
        - {kind: Team, id: b, name: B, members: [bob]}
    """
    for cycle in team_parent_cycles(ctx.org.teams):
        start = min(cycle)
        at = cycle.index(start)
        ordered = cycle[at:] + cycle[:at]
        chain = " → ".join([*ordered, start])
        yield Issue(f"team:{start}", f"team hierarchy has a cycle ({chain}): remove one 'parent'", ("parent",))


@rule("OWN008", "warning", "owning team without a lead")
def team_without_lead(ctx: Context) -> Iterator[Issue]:
    """
    A team that owns services has no active lead.

    Rationale: someone must approve changes to the team's rotation and access, and be the
    contact when ownership is questioned.

    Fails:
        - {kind: Team, id: payments, name: Payments, members: [alice, bob]}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    Passes:
        - {kind: Team, id: payments, name: Payments, members: [alice, bob], leads: [alice]}
        - {kind: Service, id: checkout-api, owner: payments, tier: 4}
    """
    owners = ctx.services_by_owner()
    active = ctx.active_people()
    for team in ctx.each("Team"):
        team_id = team.id
        if team_id not in owners:
            continue
        if active.isdisjoint(team.leads):
            yield Issue(team.ref, f"team {team_id} owns services but has no active lead: add one under 'leads'",
                        ("leads",) if team.leads else ())
