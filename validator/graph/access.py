"""Effective access: person -> team -> grant -> role -> the roles it may assume or pass.

A role reaches another role of the repository when one of its Allow statements allows
`sts:AssumeRole` (also through `sts:*`, `*` or a NotAction) on a resource that matches the
other role's ARN `arn:aws:iam::<account>:role/<id>` (IAM wildcards, case-sensitive), and no
unconditional Deny of it matches that ARN; or when it allows `iam:PassRole` on that ARN together
with the compute actions of one of cloudsplaining's PassRole methods (lambda:CreateFunction and
lambda:InvokeFunction, ec2:RunInstances, ecs:RegisterTaskDefinition and ecs:RunTask, ...): code it
starts then runs as the passed role. Those edges (`action` says which) form a graph; a path
through it is a breadth-first (shortest) path, so cycles are harmless. The searches run on the
edges as a dict (`validator.graph.shortest_paths`); `AccessModel.assume_graph` makes a networkx graph
of them for callers that want one.

Teams do not inherit members of their child teams; only active people reach anything; an
expired grant gives no access. Conditions met on the way are carried in `Reach.conditions`.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from validator.graph import shortest_paths
from validator.iam.catalog import has_wildcard, wildcard_regex
from validator.iam.policy import ASSUME, PASSROLE, RoleView, analyse_role, statement_actions
from validator.model import Org
from validator.model.types import end_of

if TYPE_CHECKING:
    import networkx as nx

Edges = dict[str, dict[str, dict]]
"""role -> role it may assume or pass -> the edge's `conditions`, `action` and `wide`, in the order found."""


@dataclass(frozen=True, slots=True)
class Reach:
    person: str
    role: str
    environment: str
    via: tuple[str, ...]
    grant: str
    expires: date | datetime | None
    conditions: tuple[str, ...]

    @property
    def assumed(self) -> tuple[str, ...]:
        """Roles assumed on the way (after the grant's own role), in order; empty when direct."""
        roles = [hop[5:] for hop in self.via if hop.startswith("role:")]
        return tuple(roles[1:]) if roles else ()

    @property
    def direct(self) -> bool:
        return not any(hop.startswith("role:") for hop in self.via)

    def path(self) -> str:
        """`person:eve → team:platform → grant:ops → role:ops-bridge → (sts:AssumeRole) → role:admin-root`."""
        return format_path(self.person, self.via, self.role)


def format_path(person: str, via: Iterable[str], role: str, label=None) -> str:
    """The path as text; `label(a, b)` names the action of a role-to-role hop (sts:AssumeRole)."""
    parts = [f"person:{person}"]
    for hop in (*via, f"role:{role}"):
        if hop.startswith("role:") and parts[-1].startswith("role:"):
            action = label(parts[-1][5:], hop[5:]) if label else "sts:AssumeRole"
            parts.append(f"({action})")
        parts.append(hop)
    return " → ".join(parts)


class AccessModel:
    """Per-organisation indexes: role analyses, the assume graph, assumption closures."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.analysed: dict[str, RoleView] = {}  # role id -> its view, as `view` found it
        self._edges: Edges | None = None
        self._graph: nx.DiGraph | None = None
        self._paths: dict[str, tuple] = {}
        self._edge_conditions: dict[tuple[str, str], tuple[str, ...]] = {}
        self._closures: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {}
        self._sources: frozenset[str] = frozenset()  # roles with an edge out of them
        self.active: frozenset[str] | set[str] | None = None  # ids of the active people: given, or found when needed
        self._pairs: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    def principal_pairs(self, principal: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(person, hops before the grant) of every active person a grant principal names (once per run)."""
        pairs = self._pairs.get(principal)
        if pairs is None:
            if self.active is None:
                self.active = {p.id for p in self.org.people.values() if p.active}
            pairs = self._pairs[principal] = _principal_pairs(self.org, principal, self.active)
        return pairs

    def reaches_anyone(self, principal: str) -> bool:
        """Whether a grant principal names an active person: `bool(principal_pairs(principal))`, without
        building the pairs when they are not built yet."""
        pairs = self._pairs.get(principal)
        if pairs is not None:
            return bool(pairs)
        if self.active is None:
            self.active = {p.id for p in self.org.people.values() if p.active}
        kind, _, ident = principal.partition(":")
        if kind == "person":
            return ident in self.active
        if kind != "team" or ident not in self.org.teams:
            return False
        active = self.active
        return any(m in active for m in self.org.teams[ident].members)

    def forget_people(self) -> None:
        """Forget who the principals reach (teams and people may have changed since: the language server
        keeps the model of the roles across edits)."""
        self.active = None
        self._pairs = {}

    def view(self, role_id: str) -> RoleView:
        view = self.analysed.get(role_id)
        if view is None:
            view = self.analysed[role_id] = analyse_role(self.org.roles[role_id])
        return view

    @property
    def edges(self) -> Edges:
        """The role -> role edges (see `Edges`), found once."""
        if self._edges is None:
            self._edges = assume_edges(self.org, self.view)
            self._edge_conditions = {(a, b): found["conditions"] for a, targets in self._edges.items()
                                     for b, found in targets.items()}
            self._sources = frozenset(a for a, targets in self._edges.items() if targets)
        return self._edges

    @property
    def assume_graph(self) -> nx.DiGraph:
        """The edges as a networkx graph (`conditions`, `action` and `wide` on each edge)."""
        if self._graph is None:
            self._graph = _digraph(self.edges)
        return self._graph

    def edge_label(self, source: str, target: str) -> str:
        """The action of the hop source -> target: 'sts:AssumeRole' or 'iam:PassRole + ...'."""
        found = self.edges.get(source, {}).get(target)
        return found.get("action", "sts:AssumeRole") if found else "sts:AssumeRole"

    def edge_wide(self, source: str, target: str) -> bool:
        """Whether the hop exists through a wildcard resource (not the target's exact ARN)."""
        found = self.edges.get(source, {}).get(target)
        return bool(found and found.get("wide"))

    def paths(self, role_id: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
        """The role itself, then every role it may assume: (role, 'role:' hops between, conditions)."""
        cached = self._paths.get(role_id)
        if cached is None:
            cached = self._paths[role_id] = ((role_id, (), ()),) + tuple(
                (t, tuple(f"role:{r}" for r in chain), c) for t, chain, c in self.closure(role_id))
        return cached

    def closure(self, role_id: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
        """Roles reachable from `role_id` by assumption: (target, chain of roles before it, conditions)."""
        cached = self._closures.get(role_id)
        if cached is not None:
            return cached
        edges = self.edges
        out = []
        if role_id in self._sources:
            paths = shortest_paths(edges, role_id)
            for target in sorted(paths):
                if target == role_id:
                    continue
                chain = paths[target]
                conditions: list[str] = []
                for a, b in zip(chain, chain[1:], strict=False):
                    conditions.extend(self._edge_conditions[a, b])
                out.append((target, tuple(chain[:-1]), tuple(conditions)))
        result = self._closures[role_id] = tuple(out)
        return result


def _digraph(edges: Edges) -> nx.DiGraph:
    import networkx as nx

    graph = nx.DiGraph()
    for source, targets in edges.items():
        for target, found in targets.items():
            graph.add_edge(source, target, **found)
    return graph


def assume_edges(org: Org, view_of) -> Edges:
    """role -> role edges of `sts:AssumeRole` (and PassRole methods), with the conditions of the allowing
    statements, in the order of the roles."""
    graph: Edges = {}
    sources = []
    for role_id in org.roles:
        view = view_of(role_id)
        assumes = passes = False
        for s in view.statements:
            if s.allow:
                assumes = assumes or ASSUME in s.actions
                passes = passes or PASSROLE in s.actions
        if assumes or passes:  # (most roles) neither action: no edge out
            sources.append((role_id, view, assumes, passes))
    if not sources:
        return graph
    arns: dict[str, str] = {}
    by_account: dict[str, list[tuple[str, str]]] = {}
    for role in org.roles.values():
        arn = f"arn:aws:iam::{role.account}:role/{role.id}"
        arns[arn] = role.id
        by_account.setdefault(role.account, []).append((arn, role.id))
    everyone = list(arns.items())
    matched: dict[str, tuple[str, ...]] = {}

    def matching(pattern: str) -> tuple[str, ...]:
        hit = matched.get(pattern)
        if hit is None:
            hit = matched[pattern] = _match_arns(pattern, arns, by_account, everyone)
        return hit

    for role_id, view, assumes, passes in sources:
        kinds = [(ASSUME, "sts:AssumeRole")] if assumes else []
        passing = _pass_method(view) if passes else None
        if passing:
            kinds.append((PASSROLE, passing))
        for action, label in kinds:
            edges: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
            for s in view.statements:
                if not s.allow or action not in s.actions:
                    continue
                written = s.conditions
                for pattern in _patterns(s.resources, s.not_resources):
                    for target in _targets_of(pattern, s.not_resources, matching, everyone):
                        if target != role_id:
                            edges.setdefault(target, []).append((written, has_wildcard(pattern)))
            denied = _denied_targets(org.roles[role_id], matching, everyone, action)
            for target, found in edges.items():
                if target in denied or target in graph.get(role_id, ()):
                    continue
                condition_sets = [c for c, _ in found]
                conditions = () if any(not c for c in condition_sets) else tuple(
                    f"role:{role_id} may {'assume' if action == ASSUME else 'pass'} role:{target} only if "
                    f"{' and '.join(c)}" for c in condition_sets)
                graph.setdefault(role_id, {})[target] = {"conditions": conditions, "action": label,
                                                         "wide": all(wide for _, wide in found)}
    return graph


def _pass_method(view: RoleView) -> str | None:
    """'iam:PassRole + lambda:CreateFunction, lambda:InvokeFunction' when the role may start compute
    that runs as a role it passes (a cloudsplaining PassRole method's other actions, on any resource)."""
    from validator.iam.catalog import canonical_name
    from validator.iam.risk import escalation_methods

    if not any(PASSROLE in s.actions for s in view.statements if s.allow):
        return None
    allowed = view.allowed
    for actions in escalation_methods().values():
        if PASSROLE in actions and len(actions) > 1 and all(a in allowed for a in actions if a != PASSROLE):
            return "iam:PassRole + " + ", ".join(canonical_name(a) for a in actions if a != PASSROLE)
    return None


def _patterns(resources, not_resources) -> Iterable[str | None]:
    if resources is not None:
        yield from resources
    else:
        yield None


def _targets_of(pattern, not_resources, matching, everyone) -> Iterable[str]:
    if pattern is not None:
        yield from matching(pattern)
        return
    excluded = {ident for p in not_resources or () for ident in matching(p)}
    yield from (ident for _, ident in everyone if ident not in excluded)


def _match_arns(pattern, arns, by_account, everyone) -> tuple[str, ...]:
    if pattern == "*":
        return tuple(ident for _, ident in everyone)
    if not has_wildcard(pattern):
        ident = arns.get(pattern)
        return (ident,) if ident else ()
    head = "arn:aws:iam::"
    pool = everyone
    if pattern.startswith(head):
        account = pattern[len(head):].partition(":")[0]
        if not has_wildcard(account):
            pool = by_account.get(account, [])
    regex = wildcard_regex(pattern)
    return tuple(ident for arn, ident in pool if regex.fullmatch(arn))


def _targets(resources, not_resources, matching, everyone) -> Iterable[str]:
    if resources is not None:
        for pattern in resources:
            yield from matching(pattern)
        return
    excluded = {ident for pattern in not_resources or () for ident in matching(pattern)}
    yield from (ident for _, ident in everyone if ident not in excluded)


def _denied_targets(role, matching, everyone, action: str = ASSUME) -> set[str]:
    out: set[str] = set()
    for s in role.statements:
        if s.effect != "Deny" or s.conditions or action not in statement_actions(s):
            continue
        out.update(_targets(s.resources, s.not_resources, matching, everyone))
    return out


def _grantees(model: AccessModel, grant) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(person, hops before the grant) for every active person a grant reaches, each once."""
    if len(grant.to) == 1:
        return model.principal_pairs(grant.to[0])
    out: list[tuple[str, tuple[str, ...]]] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for principal in grant.to:
        for pair in model.principal_pairs(principal):
            if pair not in seen:
                seen.add(pair)
                out.append(pair)
    return tuple(out)


def _principal_pairs(org: Org, principal: str, active: set[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    kind, _, ident = principal.partition(":")
    if kind == "person":
        return ((ident, ()),) if ident in active else ()
    if kind != "team" or ident not in org.teams:
        return ()
    hops = (f"team:{ident}",)
    return tuple(dict.fromkeys((m, hops) for m in org.teams[ident].members if m in active))


class GrantPaths(NamedTuple):
    """One unexpired grant: the active people it reaches, and the roles it leads to."""

    grant: object                                   # the Grant
    people: tuple[tuple[str, tuple[str, ...]], ...]  # (person, hops before the grant, e.g. ('team:x',))
    paths: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (role, assumed roles on the way, conditions)


def grant_paths(org: Org, now: datetime, model: AccessModel | None = None,
                live: Iterable | None = None) -> list[GrantPaths]:
    """Effective access per grant, before it is multiplied out per person (what the rules need).

    `live`: the grants whose role exists and that have not expired at `now`, in the organisation's
    order, when the caller knows them already.
    """
    model = model or AccessModel(org)
    paths_of: dict[str, tuple] = {}
    out = []
    for grant in _live_grants(org, now) if live is None else live:
        people = _grantees(model, grant)
        if not people:
            continue
        paths = paths_of.get(grant.role)
        if paths is None:
            paths = paths_of[grant.role] = model.paths(grant.role)
        out.append(GrantPaths(grant, people, paths))
    return out


def reached_roles(org: Org, now: datetime, model: AccessModel | None = None,
                  live: Iterable | None = None) -> set[str]:
    """Every role an active person reaches through an unexpired grant, directly or by assumption: the
    roles in `grant_paths`, without building them (one grant with an active grantee per role suffices).

    `live`: as for `grant_paths`.
    """
    model = model or AccessModel(org)
    granted: set[str] = set()
    for grant in _live_grants(org, now, granted) if live is None else live:
        if grant.role not in granted and any(model.reaches_anyone(principal) for principal in grant.to):
            granted.add(grant.role)
    reached = set(granted)
    edges = model.edges
    for role in granted:
        if role in edges:  # (most roles) no edge out, nothing assumed
            reached.update(target for target, _, _ in model.closure(role))
    return reached


def _live_grants(org: Org, now: datetime, skip: Container[str] = ()) -> Iterable:
    """The grants whose role exists, is not in `skip` (read as the walk goes) and that have not expired at
    `now`, in order."""
    expired: dict[date | datetime, bool] = {}  # few distinct expiry dates among many grants
    roles = org.roles
    for grant in org.grants.values():
        role = grant.role
        if role not in roles or role in skip:
            continue
        expires = grant.expires
        if expires is not None:
            gone = expired.get(expires)
            if gone is None:
                gone = expired[expires] = end_of(expires) <= now
            if gone:
                continue
        yield grant


def effective_access(org: Org, now: datetime, model: AccessModel | None = None) -> list[Reach]:
    """Every path by which an active person reaches a role, through unexpired grants."""
    model = model or AccessModel(org)
    out: list[Reach] = []
    for item in grant_paths(org, now, model):
        grant = item.grant
        grant_hop = f"grant:{grant.id}"
        for target, roles_on_way, path_conditions in item.paths:
            environment = org.roles[target].environment
            conditions = path_conditions + model.view(target).conditions()
            for person, hops in item.people:
                out.append(Reach(person, target, environment, (*hops, grant_hop, *roles_on_way),
                                 grant.id, grant.expires, conditions))
    out.sort(key=lambda r: (r.person, r.role, r.via))
    return out


def role_risks(org: Org, role_id: str, model: AccessModel | None = None) -> list[str]:
    """Risk labels of a role, in the order production, write, permissions-management,
    privilege-escalation, break-glass; [] for an unknown role."""
    if role_id not in org.roles:
        return []
    return (model.view(role_id) if model else analyse_role(org.roles[role_id])).risks
