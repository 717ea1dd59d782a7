"""What a role's statements (and the AWS managed policies it attaches) really allow, in catalog terms.

* `actions` patterns expand against the catalog (case-insensitive); `not_actions` is the whole
  catalog minus the listed ones ("as broad as its complement").
* A Deny statement never grants. A *simple* Deny (listed `actions`, resource exactly `*`, no
  conditions) is subtracted from every Allow statement of the role; any other Deny is kept as
  written but not subtracted (it cannot widen access, so ignoring it errs on the side of
  reporting) and ACC016 says so.
* "On every resource" is judged per action and resource type (SPEC §3): `*`, `not_resources`, or
  an ARN that matches every resource of one of the action's resource types (`arn:aws:s3:::*`,
  `arn:aws:ec2:*:*:instance/*`, `arn:aws:iam::123456789012:role/*`). A resource with a policy
  variable (`${aws:username}`) is scoped to the caller, a statement with an `iam:AWSServiceName`
  condition to one service: neither is "every resource". Actions that support no resource-level
  restriction (their only resource is `*`) are listed apart (`unrestrictable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

from validator.iam import catalog as cat
from validator.iam import risk
from validator.model.kinds import Role

ASSUME = "sts:assumerole"
PASSROLE = "iam:passrole"
WRITE = "Write"
PERMISSIONS = "Permissions management"
SERVICE_SCOPE_KEYS = ("iam:awsservicename",)


class _once:  # noqa: N801 - used as a decorator, like functools.cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read, a third of
    the cost of the views' derived sets): the value is computed on first read and kept on the instance."""

    def __init__(self, function) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.function(instance)
        return value


@dataclass(frozen=True)
class PolicyStatement:
    """A statement of an AWS managed policy document, with the attributes of the model's Statement."""

    effect: str
    sid: str | None = None
    actions: list[str] | None = None
    not_actions: list[str] | None = None
    resources: list[str] | None = None
    not_resources: list[str] | None = None
    conditions: dict | None = None


def _listed(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def document_statements(document: dict) -> tuple[PolicyStatement, ...]:
    """The statements of an IAM policy document (AWS spelling: Effect, Action, NotAction, ...)."""
    body = document.get("Statement", [])
    if isinstance(body, dict):
        body = [body]
    return tuple(PolicyStatement(str(s.get("Effect", "Allow")), s.get("Sid"), _listed(s.get("Action")),
                                 _listed(s.get("NotAction")), _listed(s.get("Resource")),
                                 _listed(s.get("NotResource")), s.get("Condition") or None)
                 for s in body if isinstance(s, dict))


@dataclass(unsafe_hash=True, slots=True)
class StatementView:
    """One statement as the ACC rules read it. Read-only by convention (hashable as if frozen): a frozen
    dataclass's __init__ costs six times as much, and a run builds one per statement of every role."""

    index: int                       # in the role's `statements`, or in its managed policy's document
    allow: bool
    actions: frozenset[str]          # effective catalog actions, lower-case
    wildcards: tuple[str, ...]       # `*` / `service:*` patterns, or 'not_actions'
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    block: dict | None = dataclass_field(default=None, hash=False)  # its conditions as written (`conditions`)
    everywhere: frozenset[str] = frozenset()   # actions it allows on every resource of their type
    scoped: bool = False             # caller-scoped resources only, or an iam:AWSServiceName condition
    policy: str | None = None        # the AWS managed policy it comes from; None: the role's own
    policy_index: int = -1           # that policy's place in `managed_policies`

    @property
    def conditions(self) -> tuple[str, ...]:
        """The condition block, human-readable (written when asked: a validation rarely reads it)."""
        return format_conditions(self.block)

    def where(self) -> str:
        own = f"statement {self.index + 1}"
        return own if self.policy is None else f"managed policy {self.policy} {own}"

    def field(self, *rest: object) -> tuple:
        if self.policy is not None:
            return ("managed_policies", self.policy_index)
        return ("statements", self.index, *rest)


@dataclass(unsafe_hash=True)
class RoleView:
    """A role's statements analysed (read-only by convention, as StatementView)."""

    role: Role
    statements: tuple[StatementView, ...]
    unknown_policies: tuple[tuple[int, str], ...] = ()   # managed_policies AWS does not have

    @_once
    def allows(self) -> tuple[StatementView, ...]:
        return tuple(s for s in self.statements if s.allow and s.actions)

    @_once
    def levels(self) -> frozenset[str]:
        """The access levels the role allows."""
        return frozenset().union(*[cat.levels_of(s.actions) for s in self.allows])

    @_once
    def escalations(self) -> tuple[str, ...]:
        """The names of the privilege-escalation methods the role allows."""
        methods = self.methods
        return tuple([m for m, _ in methods]) if methods else ()

    @property
    def wildcard(self) -> bool:
        return any(s.wildcards for s in self.allows)

    @_once
    def everywhere(self) -> frozenset[str]:
        out: set[str] = set()
        for s in self.allows:
            out |= s.everywhere
        return frozenset(out)

    @_once
    def allowed(self) -> frozenset[str]:
        out: set[str] = set()
        for s in self.allows:
            out |= s.actions
        return frozenset(out)

    @_once
    def methods(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(method, its actions) of every privilege-escalation method the role allows."""
        parts = tuple([(s.everywhere, s.actions if not s.scoped else _NONE) for s in self.allows])
        return _methods_of(parts) if parts else ()

    def restrictable(self, actions: frozenset[str] | set[str]) -> list[str]:
        types = cat.catalog().resource_types
        return sorted(a for a in actions if types.get(a))

    @_once
    def data_exfiltration(self) -> list[str]:
        return self.restrictable(self.everywhere & risk.data_exfiltration())

    @_once
    def credentials_exposure(self) -> list[str]:
        return sorted(self.everywhere & risk.credentials_exposure())

    @_once
    def resource_exposure(self) -> list[str]:
        levels = cat.catalog().levels
        listed = risk.resource_exposure_listed()
        return self.restrictable({a for a in self.everywhere if levels.get(a) == PERMISSIONS or a in listed})

    @_once
    def admin_reasons(self) -> list[str]:
        """Why the role is admin-like (SPEC §3 ACC011): `*` actions, permissions management on every
        resource, a privilege-escalation method; [] when it is not."""
        why = []
        if any("*" in s.wildcards or "not_actions" in s.wildcards for s in self.allows):
            why.append("all actions ('*')")
        levels = cat.catalog().levels
        if any(levels.get(a) == PERMISSIONS for a in self.restrictable(self.everywhere)):
            why.append("permissions management on every resource")
        if self.methods:
            why.append("privilege escalation (" + ", ".join(m for m, _ in self.methods[:2])
                       + (", ..." if len(self.methods) > 2 else "") + ")")
        return why

    @property
    def risks(self) -> list[str]:
        role = self.role
        out = []
        if role.environment == "production":
            out.append("production")
        if WRITE in self.levels:
            out.append("write")
        if PERMISSIONS in self.levels:
            out.append("permissions-management")
        if self.escalations:
            out.append("privilege-escalation")
        if self.data_exfiltration:
            out.append("data-exfiltration")
        if self.credentials_exposure:
            out.append("credentials-exposure")
        if self.resource_exposure:
            out.append("resource-exposure")
        if self.admin_reasons:
            out.append("admin")
        if role.break_glass:
            out.append("break-glass")
        return out

    def conditions(self) -> tuple[str, ...]:
        """Conditions of the role's own Allow statements, labelled, for display."""
        return self.labelled_conditions

    @_once
    def labelled_conditions(self) -> tuple[str, ...]:
        return tuple(f"role:{self.role.id} {s.where()}: {c}" for s in self.allows for c in s.conditions)


def role_arn(role: Role) -> str:
    return f"arn:aws:iam::{role.account}:role/{role.id}"


def role_statements(role: Role) -> tuple[tuple[Any, str | None, int, int], ...]:
    """(statement, managed policy name or None, its place in managed_policies, index in its policy)."""
    out: list[tuple[Any, str | None, int, int]] = [(s, None, -1, i) for i, s in enumerate(role.statements)]
    if not role.managed_policies:
        return tuple(out)
    from validator.iam.managed import managed_policy

    for j, name in enumerate(role.managed_policies):
        found = managed_policy(name)
        if found is not None:
            out.extend((s, name, j, i) for i, s in enumerate(_managed_statements(found.arn, found.document)))
    return tuple(out)


_MANAGED: dict[str, tuple[PolicyStatement, ...]] = {}


def _managed_statements(arn: str, document: dict) -> tuple[PolicyStatement, ...]:
    found = _MANAGED.get(arn)
    if found is None:
        found = _MANAGED[arn] = document_statements(document)
    return found


def analyse_role(role: Role) -> RoleView:
    unknown: tuple[tuple[int, str], ...] = ()
    if role.managed_policies:
        from validator.iam.managed import managed_policy

        items = role_statements(role)
        denied = _simple_denies([item[0] for item in items])
        views = tuple([_statement(i, s, denied, policy, j) for s, policy, j, i in items])
        unknown = tuple((j, name) for j, name in enumerate(role.managed_policies) if managed_policy(name) is None)
    else:  # (most roles) their own statements only
        statements = role.statements
        denied = _NONE
        for s in statements:
            if s.effect == "Deny":
                denied = _simple_denies(statements)
                break
        views = tuple([_statement(i, s, denied) for i, s in enumerate(statements)])
    return RoleView(role, views, unknown)


_NONE: frozenset[str] = frozenset()


def statement_actions(statement) -> frozenset[str]:
    """Catalog actions a statement names (not_actions: the complement), before any Deny."""
    if statement.actions is not None:
        return cat.expand_all(tuple(statement.actions))
    return _complement(tuple(sorted(statement.not_actions or ())))


@lru_cache(maxsize=1024)
def _complement(patterns: tuple[str, ...]) -> frozenset[str]:
    return cat.catalog().all_actions - cat.expand_all(patterns) if patterns else cat.catalog().all_actions


def simple_deny(s) -> bool:
    return s.effect == "Deny" and s.actions is not None and s.resources == ["*"] and not s.conditions


def _simple_denies(statements) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for s in statements:
        if s.effect == "Deny" and simple_deny(s):
            out = out | cat.expand_all(tuple(s.actions))
    return out


def _service_scoped(conditions: dict | None) -> bool:
    if not conditions:
        return False
    for tests in conditions.values():
        if isinstance(tests, dict) and any(str(k).lower() in SERVICE_SCOPE_KEYS for k in tests):
            return True
    return False


def _statement(index: int, s, denied: frozenset[str], policy: str | None = None, policy_index: int = -1
               ) -> StatementView:
    allow = s.effect == "Allow"
    if s.actions is not None:
        actions, wildcards = _action_facts(tuple(s.actions))
    else:
        actions, wildcards = _complement(tuple(sorted(s.not_actions or ()))), ()
    if s.not_actions is not None:
        wildcards = ("not_actions",)
    if allow and denied:
        actions = actions - denied
    not_resources = s.not_resources
    resources = tuple(s.resources) if s.resources is not None else None
    if resources:
        star = not_resources is not None or "*" in resources
        caller = "${" in resources[0] and all("${" in r for r in resources)
    else:
        star = not_resources is not None
        caller = False
    conditions = s.conditions
    scoped = caller or (bool(conditions) and _service_scoped(conditions))
    everywhere = _NONE
    if allow and actions and not scoped:
        everywhere = actions if star else _everywhere(actions, resources or ())
    return StatementView(index, allow, actions, wildcards, resources,
                         tuple(not_resources) if not_resources is not None else None,
                         conditions or None, everywhere, scoped, policy,
                         policy_index)


@lru_cache(maxsize=16384)
def _action_facts(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The catalog actions a statement's `actions` name, and the `*` and `service:*` patterns among them."""
    return cat.expand_all(patterns), tuple(p for p in patterns if _is_service_wildcard(p))


def _everywhere(actions: frozenset[str], resources: tuple[str, ...]) -> frozenset[str]:
    """The actions that the resource patterns cover entirely for one of their resource types, and
    those that support no resource-level restriction (they can only mean every resource)."""
    covered: frozenset[str] | set[str] = _NONE
    for pattern in resources:
        if "*" in pattern or "?" in pattern:  # an exact ARN names one resource: it covers no type
            found = cat.covered_types(pattern)
            if found:
                covered = found if not covered else covered | found
    if not covered:
        return _unrestrictable(actions)
    return _covered_actions(actions, frozenset(covered))


@lru_cache(maxsize=4096)
def _unrestrictable(actions: frozenset[str]) -> frozenset[str]:
    """The actions that support no resource-level restriction (their only resource is `*`)."""
    types = cat.catalog().resource_types
    return frozenset([action for action in actions if not types.get(action)])


@lru_cache(maxsize=4096)
def _covered_actions(actions: frozenset[str], covered: frozenset[str]) -> frozenset[str]:
    types = cat.catalog().resource_types
    out = []
    for action in actions:
        kinds = types.get(action, ())
        if not kinds:
            out.append(action)
            continue
        prefix = action.partition(":")[0]
        if any(f"{prefix}:{kind}" in covered for kind in kinds):
            out.append(action)
    return frozenset(out)


def _is_service_wildcard(pattern: str) -> bool:
    text = pattern.strip()
    return text == "*" or text.partition(":")[2] == "*"


@lru_cache(maxsize=1)
def _method_table() -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """(method, actions, anywhere): single IAM actions that change a principal or policy escalate on
    whatever user, role, group or policy they name (`anywhere`); every other method needs its
    actions on every resource."""
    out = []
    for name, actions in risk.escalation_methods().items():
        anywhere = len(actions) == 1 and actions[0].startswith("iam:")
        out.append((name, actions, anywhere))
    return tuple(out)


@lru_cache(maxsize=1)
def _method_sets() -> tuple[frozenset[str] | None, tuple[tuple[str, tuple[str, ...], frozenset[str], bool], ...]]:
    """Every action some method needs (None if a method needs none), and `_method_table` with each
    method's actions as a set."""
    table = tuple((name, actions, frozenset(actions), loose) for name, actions, loose in _method_table())
    if any(not actions for _, actions, _, _ in table):
        return None, table
    return frozenset(a for _, actions, _, _ in table for a in actions), table


@lru_cache(maxsize=4096)
def _methods_of(parts: tuple[tuple[frozenset[str], frozenset[str]], ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if len(parts) == 1:
        everywhere, anywhere = parts[0]
    else:
        everywhere = frozenset().union(*(e for e, _ in parts))
        anywhere = frozenset().union(*(a for _, a in parts))
    needed, table = _method_sets()
    if not anywhere or (needed is not None and anywhere.isdisjoint(needed)):
        return ()  # no action of any method (`everywhere` is part of `anywhere`)
    found = []
    for name, actions, wanted, loose in table:
        if wanted <= (anywhere if loose else everywhere):
            found.append((name, actions))
    return tuple(found)


def format_conditions(block: dict | None) -> tuple[str, ...]:
    """`{StringEquals: {aws:RequestedRegion: eu-west-1}}` -> ('StringEquals aws:RequestedRegion = eu-west-1',)."""
    if not block:
        return ()
    out = []
    for operator, tests in block.items():
        if not isinstance(tests, dict):
            out.append(f"{operator} {tests}")
            continue
        for key, value in tests.items():
            if isinstance(value, list):
                shown = "[" + ", ".join(str(v) for v in value) + "]"
                out.append(f"{operator} {key} in {shown}" if len(value) != 1 else f"{operator} {key} = {value[0]}")
            else:
                out.append(f"{operator} {key} = {_scalar(value)}")
    return tuple(out)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
