"""What a role's statements really allow, in catalog terms.

* `actions` patterns expand against the catalog (case-insensitive); `not_actions` is the whole
  catalog minus the listed ones ("as broad as its complement").
* A Deny statement never grants. A *simple* Deny (listed `actions`, resource exactly `*`, no
  conditions) is subtracted from every Allow statement of the role; any other Deny is kept
  as written but not subtracted (it cannot widen access, so ignoring it only errs on the
  side of reporting).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from validator.iam import catalog as cat
from validator.iam.escalation import ALWAYS, UNSCOPED
from validator.model.kinds import Role, Statement

ASSUME = "sts:assumerole"
WRITE = "Write"
PERMISSIONS = "Permissions management"


@dataclass(frozen=True)
class StatementView:
    index: int
    allow: bool
    actions: frozenset[str]          # effective catalog actions, lower-case
    wildcards: tuple[str, ...]       # `*` / `service:*` patterns, or 'not_actions'
    star_resource: bool              # resource `*`, or not_resources
    unscoped_resource: bool          # star_resource, or an ARN whose last segment is `*`
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[str, ...]      # human-readable condition block


@dataclass(frozen=True)
class RoleView:
    role: Role
    arn: str
    statements: tuple[StatementView, ...]
    levels: frozenset[str]           # access levels the role allows
    escalations: tuple[str, ...]     # privilege-escalation actions it allows, e.g. 'iam:PassRole on *'

    @property
    def allows(self) -> tuple[StatementView, ...]:
        return tuple(s for s in self.statements if s.allow and s.actions)

    @property
    def wildcard(self) -> bool:
        return any(s.wildcards for s in self.allows)

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
        if role.break_glass:
            out.append("break-glass")
        return out

    def conditions(self) -> tuple[str, ...]:
        """Conditions of the role's own Allow statements, labelled, for display."""
        return tuple(f"role:{self.role.id} statement {s.index + 1}: {c}"
                     for s in self.allows for c in s.conditions)


def role_arn(role: Role) -> str:
    return f"arn:aws:iam::{role.account}:role/{role.id}"


def analyse_role(role: Role) -> RoleView:
    denied = _simple_denies(role.statements)
    views = tuple(_statement(i, s, denied) for i, s in enumerate(role.statements))
    levels: set[str] = set()
    for view in views:
        if view.allow and view.actions:
            levels |= cat.levels_of(view.actions)
    return RoleView(role, role_arn(role), views, frozenset(levels), _escalations(views))


def statement_actions(statement: Statement) -> frozenset[str]:
    """Catalog actions a statement names (not_actions: the complement), before any Deny."""
    if statement.actions is not None:
        return cat.expand_all(tuple(statement.actions))
    return _complement(tuple(sorted(statement.not_actions or ())))


@lru_cache(maxsize=1024)
def _complement(patterns: tuple[str, ...]) -> frozenset[str]:
    return cat.catalog().all_actions - cat.expand_all(patterns) if patterns else cat.catalog().all_actions


def _simple_denies(statements: list[Statement]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for s in statements:
        if s.effect == "Deny" and s.actions is not None and s.resources == ["*"] and not s.conditions:
            out = out | cat.expand_all(tuple(s.actions))
    return out


def _statement(index: int, s: Statement, denied: frozenset[str]) -> StatementView:
    allow = s.effect == "Allow"
    actions = statement_actions(s)
    if allow and denied:
        actions = actions - denied
    if s.not_actions is not None:
        wildcards: tuple[str, ...] = ("not_actions",)
    else:
        wildcards = tuple(p for p in s.actions or () if _is_service_wildcard(p))
    star = s.not_resources is not None or "*" in (s.resources or ())
    unscoped = star or any(_last_segment(r) == "*" for r in s.resources or ())
    return StatementView(index, allow, actions, wildcards, star, unscoped,
                         tuple(s.resources) if s.resources is not None else None,
                         tuple(s.not_resources) if s.not_resources is not None else None,
                         format_conditions(s.conditions))


def _is_service_wildcard(pattern: str) -> bool:
    text = pattern.strip()
    return text == "*" or text.partition(":")[2] == "*"


def _last_segment(resource: str) -> str:
    cut = max(resource.rfind("/"), resource.rfind(":"))
    return resource[cut + 1:]


_ALWAYS = tuple((a.lower(), a) for a in ALWAYS)
_UNSCOPED = tuple((a.lower(), a) for a in UNSCOPED)


def statement_escalations(view: StatementView) -> tuple[str, ...]:
    """Privilege-escalation actions one statement allows ('iam:PassRole on *', 'iam:PutRolePolicy')."""
    return _escalations((view,))


def _escalations(views: tuple[StatementView, ...]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for view in views:
        if not view.allow or not view.actions:
            continue
        for low, name in _ALWAYS:
            if low in view.actions:
                found[name] = None
        if view.unscoped_resource:
            for low, name in _UNSCOPED:
                if low in view.actions:
                    found[f"{name} on {'*' if view.star_resource else 'all resources'}"] = None
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
