"""What a change means: effective access, ownership and on-call, and findings, before versus after.

Pure: two validation `Result`s in, the `diff --format json` dict of SPEC.md out. Text moves,
re-ordering and re-formatting change nothing here; only meaning does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from validator.engine import Result
    from validator.findings import Finding
    from validator.model import Org

RISKS = ("production", "write", "permissions-management", "privilege-escalation", "break-glass", "expiry")

Getter = Callable[[Any], Any]


def compare(before: Result, after: Result, now: datetime, same_files: set[str] | None = None) -> dict:
    """The spec's diff shape (SPEC 4): access, roles, ownership, changes, oncall, findings.

    `same_files`: paths whose bytes are the same on both sides, when known: their entities are not
    compared value by value (a large organisation's change touches a few of its thousands of files)."""
    from validator.diff_changes import structural_changes
    from validator.diff_oncall import paging_changes

    changes, touched = structural_changes(before.org, after.org, same_files)
    access, roles = access_and_roles(before, after, now, touched)
    return {
        "access": access,
        "roles": roles,
        "ownership": ownership_changes(before.org, after.org, touched),
        "changes": changes,
        "oncall": paging_changes(before, after, touched),
        "findings": findings_changes(before.findings, after.findings),
    }


def adds_error(diff: dict) -> bool:
    """Whether the change brings an error: a new one, or a finding that became one (a waiver that expired)."""
    findings = diff["findings"]
    return (any(f["severity"] == "error" for f in findings["new"])
            or any(f["severity"] == "error" and f["before"]["severity"] != "error" for f in findings["changed"]))


# --- access -------------------------------------------------------------------------------------------

def _model(result: Result):
    """The access model of a validated side: the one its access rules built (role analyses and the
    assume graph already done), else a new one."""
    from validator.graph.access import AccessModel

    return result.context.memo("access.model", lambda: AccessModel(result.org))


def access_and_roles(before: Result, after: Result, now: datetime,
                     touched: dict[str, set[str]]) -> tuple[dict[str, list[dict]], list[dict]]:
    """`access` (added, removed, changed) and `roles` of the diff.

    Only the people whom the change can affect are looked at: members (before and after) of changed
    teams, changed people, grantees of changed grants, and everyone who holds a changed role on either
    side (directly or by assuming it); for them, both sides' effective access is computed in full."""
    from validator.diff_access import gained_and_lost, role_fields, role_meaning

    old_model, new_model = _model(before), _model(after)
    changed_roles = sorted(r for r in touched.get("roles", ())
                           if r not in before.org.roles or r not in after.org.roles
                           or role_meaning(before.org.roles[r]) != role_meaning(after.org.roles[r]))
    people = _affected_people(before.org, old_model, touched, changed_roles) | \
        _affected_people(after.org, new_model, touched, changed_roles)
    old_live = _live(before.org, now, _grants_of(before.org, people))
    new_live = _live(after.org, now, _grants_of(after.org, people))
    old_ends = access_ends(before.org, now, old_model, people, old_live)
    new_ends = access_ends(after.org, now, new_model, people, new_live)
    old_risks, new_risks = _risks_of(before.org, old_model), _risks_of(after.org, new_model)
    role_changes: dict[str, dict] = {}
    for role in changed_roles:
        was, is_now = before.org.roles.get(role), after.org.roles.get(role)
        gained, lost = gained_and_lost(was, is_now)
        role_changes[role] = {"fields": role_fields(was, is_now), "gained": gained, "lost": lost}
    added_keys = new_ends.keys() - old_ends.keys()
    removed_keys = old_ends.keys() - new_ends.keys()
    changed_keys = {key for key in old_ends.keys() & new_ends.keys()
                    if key[1] in role_changes or old_risks(key[1]) != new_risks(key[1])
                    or _iso(old_ends[key]) != _iso(new_ends[key])}
    old = access_table(before.org, now, old_model, removed_keys | changed_keys, people, old_live)
    new = access_table(after.org, now, new_model, added_keys | changed_keys, people, new_live)
    added = [_with_grant(new[key], after.org) for key in sorted(added_keys)]
    removed = [old[key] for key in sorted(removed_keys)]
    changed = []
    empty = {"fields": [], "gained": [], "lost": []}
    for key in sorted(changed_keys):
        was, now_row = old[key], new[key]
        changed.append({**_with_grant(now_row, after.org), **role_changes.get(key[1], empty),
                        "before": {"risk": was["risk"], "via": was["via"], "expires": was["expires"]}})
    holders: dict[tuple[int, str], list[str]] = {}
    for side, ends in enumerate((old_ends, new_ends)):
        for person, role in sorted(ends):
            if role in role_changes:
                holders.setdefault((side, role), []).append(person)
    roles = []
    for role, change in role_changes.items():
        side = 1 if role in after.org.roles else 0  # a removed role: who held it
        current = (before, after)[side].org.roles[role]
        risks = (old_risks, new_risks)[side](role)
        roles.append({"role": role, "environment": current.environment, "risk": risks,
                      "holders": holders.get((side, role), []), **change})
    return {"added": added, "removed": removed, "changed": changed}, roles


def _affected_people(org: Org, model, touched: dict[str, set[str]], roles: list[str]) -> set[str]:
    """On one side: the people a change of these teams, people, grants and roles can affect."""
    people = set(touched.get("people", ()))
    for team in touched.get("teams", ()):
        if team in org.teams:
            people.update(org.teams[team].members)
    principals: set[str] = set()
    for grant in touched.get("grants", ()):
        if grant in org.grants:
            principals.update(org.grants[grant].to)
    if roles:
        graph = model.assume_graph
        reaching = set(roles)
        for role in roles:
            if role in graph:
                reaching.update(nx_ancestors(graph, role))
        for grant in org.grants.values():
            if grant.role in reaching:
                principals.update(grant.to)
    for principal in principals:
        kind, _, ident = principal.partition(":")
        if kind == "person":
            people.add(ident)
        elif kind == "team" and ident in org.teams:
            people.update(org.teams[ident].members)
    return people


def nx_ancestors(graph, node: str) -> set[str]:
    import networkx as nx

    return nx.ancestors(graph, node)


def _grants_of(org: Org, people: set[str] | None) -> list | None:
    """The grants that reach any of `people` (None: all grants)."""
    if people is None:
        return None
    teams = {team.id for team in org.teams.values() if not people.isdisjoint(team.members)}
    wanted = {f"person:{p}" for p in people} | {f"team:{t}" for t in teams}
    return [grant for grant in org.grants.values() if not wanted.isdisjoint(grant.to)]


def _live(org: Org, now: datetime, grants: list | None) -> list | None:
    """`grants` that are live at `now` (their role exists, not expired), for `grant_paths`."""
    if grants is None:
        return None
    from validator.rules.context import end_of

    return [g for g in grants if g.role in org.roles and (g.expires is None or end_of(g.expires) > now)]


def access_ends(org: Org, now: datetime, model=None, people: set[str] | None = None,
                live: list | None = None) -> dict[tuple[str, str], date | datetime | None]:
    """(person, role) -> when that effective access ends: None if any path to it is permanent, else
    the latest expiry of its paths (as `access_table` says, without building the paths).
    `people`: only theirs (all when None); `live`: the live grants that reach them, when known."""
    from validator.graph.access import grant_paths

    ends: dict[tuple[str, str], date | datetime | None] = {}
    missing = object()
    if live is None:
        live = _live(org, now, _grants_of(org, people))
    for item in grant_paths(org, now, model, live):
        expires = item.grant.expires
        later = _instant(expires) if expires is not None else None
        for target, _, _ in item.paths:
            for person, _ in item.people:
                if people is not None and person not in people:
                    continue
                key = (person, target)
                known = ends.get(key, missing)
                if known is missing or (known is not None and (later is None or later > _instant(known))):
                    ends[key] = expires
    return ends


def _risks_of(org: Org, model) -> Callable[[str], list[str]]:
    """role -> its risk labels (without `expiry`), each computed once."""
    from validator.graph.access import role_risks

    known: dict[str, list[str]] = {}

    def risks(role: str) -> list[str]:
        found = known.get(role)
        if found is None:
            found = known[role] = _ordered(role_risks(org, role, model))
        return found

    return risks


def access_table(org: Org, now: datetime, model=None, keys: set[tuple[str, str]] | None = None,
                 people: set[str] | None = None, live: list | None = None) -> dict[tuple[str, str], dict]:
    """(person, role) -> one row: the shortest path, the role's risks, and when the access ends.

    A person may reach a role along several paths; the access is temporary ("expiry" risk flag,
    `expires` set) only when every path expires, and then it lasts until the latest expiry.
    `keys`: only these rows (all when None); `people`: a set that holds every person of `keys`,
    `live`: the live grants that reach `people`, when known.
    """
    from validator.graph.access import AccessModel

    model = model or AccessModel(org)  # role analyses shared by both calls
    paths: dict[tuple[str, str], list] = {}
    if keys is None or keys:
        if keys is not None:
            if people is None:
                people, live = {person for person, _ in keys}, None
            else:
                people = people & {person for person, _ in keys}
        for reach in _reaches(org, now, model, people, live):
            key = (reach.person, reach.role)
            if keys is None or key in keys:
                paths.setdefault(key, []).append(reach)
    risks = _risks_of(org, model)
    table = {}
    for key, reaches in paths.items():
        role = key[1]
        if len(reaches) == 1:
            primary = reaches[0]
            expires = primary.expires
        else:
            primary = min(reaches, key=lambda r: (len(r.via), r.via))
            ends = [r.expires for r in reaches]
            expires = None if any(end is None for end in ends) else max(ends, key=_instant)
        table[key] = {
            "person": key[0],
            "role": role,
            "environment": primary.environment,
            "via": list(primary.via),
            "risk": risks(role) + (["expiry"] if expires is not None else []),
            "expires": _iso(expires),
            "grant": primary.grant,
            "conditions": list(primary.conditions),
        }
    return table


def _reaches(org: Org, now: datetime, model, people: set[str] | None, live: list | None = None) -> list:
    """`effective_access` (the graph's), for `people` only (all when None)."""
    from validator.graph.access import effective_access

    if people is None:
        return effective_access(org, now, model)
    from validator.graph.access import Reach, grant_paths

    out = []
    if live is None:
        live = _live(org, now, _grants_of(org, people))
    for item in grant_paths(org, now, model, live):
        grant = item.grant
        grant_hop = f"grant:{grant.id}"
        for target, roles_on_way, path_conditions in item.paths:
            environment = org.roles[target].environment
            conditions = path_conditions + model.view(target).conditions()
            for person, hops in item.people:
                if person in people:
                    out.append(Reach(person, target, environment, (*hops, grant_hop, *roles_on_way),
                                     grant.id, grant.expires, conditions))
    out.sort(key=lambda r: (r.person, r.role, r.via))
    return out


def _with_grant(row: dict, org: Org) -> dict:
    """Added access carries the grant's reason, approvers and ticket for the reviewer."""
    grant = org.grants.get(row["grant"])
    if grant is None:
        return {**row, "reason": None, "approved_by": [], "ticket": None}
    return {**row, "reason": grant.reason, "approved_by": list(grant.approved_by), "ticket": grant.ticket}


def _ordered(risks: Iterable[str]) -> list[str]:
    given = set(risks)
    return [r for r in RISKS if r in given] + sorted(given - set(RISKS))


def _instant(value: date | datetime) -> tuple:
    if isinstance(value, datetime):
        return (value.date(), 1, value.isoformat())
    return (value, 2, "")  # a date lasts to the end of its day


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- ownership and on-call ---------------------------------------------------------------------------

def _levels(escalation: Any) -> list[list[str]]:
    return [list(level.targets) for level in escalation.levels]


# kind prefix, Org collection, {field name: getter}; the order is the order of the output
TRACKED: tuple[tuple[str, str, dict[str, Getter]], ...] = (
    ("service", "services", {"owner": lambda s: s.owner, "tier": lambda s: s.tier,
                             "escalation": lambda s: s.escalation, "lifecycle": lambda s: s.lifecycle}),
    ("team", "teams", {"members": lambda t: list(t.members), "leads": lambda t: list(t.leads),
                       "parent": lambda t: t.parent}),
    ("rotation", "rotations", {"members": lambda r: r.members, "timezone": lambda r: r.timezone}),
    ("escalation", "escalations", {"levels": _levels, "repeat": lambda e: e.repeat}),
    ("person", "people", {"active": lambda p: p.active}),
)


def ownership_changes(before: Org, after: Org, touched: dict[str, set[str]] | None = None) -> list[dict]:
    """Changed fields of services, teams, rotations, escalations and people; an entity added or
    removed is one change of the field "exists" (false -> true, or true -> false). `touched`: per
    collection, the only ids that can differ (all when None)."""
    out = []
    for prefix, collection, fields in TRACKED:
        old, new = getattr(before, collection), getattr(after, collection)
        ids = touched.get(collection, set()) if touched is not None else old.keys() | new.keys()
        for ident in sorted(ids):
            if ident not in old and ident not in new:
                continue
            entity = f"{prefix}:{ident}"
            if ident not in old or ident not in new:
                out.append({"entity": entity, "field": "exists", "before": ident in old, "after": ident in new})
                continue
            for name, get in fields.items():
                was, is_now = get(old[ident]), get(new[ident])
                if was != is_now:
                    out.append({"entity": entity, "field": name, "before": was, "after": is_now})
    return out


# --- findings ----------------------------------------------------------------------------------------

def findings_changes(before: list[Finding], after: list[Finding]) -> dict[str, list[dict]]:
    """Findings matched by fingerprint (rule, entity, subject: never the line, the message or --now):
    `new`, `fixed`, and `changed` (same fingerprint, another severity or message; `before` holds the
    old ones). Several findings with one fingerprint are matched identical ones first, then in order."""
    old_groups: dict[str, list[Finding]] = {}
    for finding in before:
        old_groups.setdefault(finding.fingerprint, []).append(finding)
    new_groups: dict[str, list[Finding]] = {}
    for finding in after:
        new_groups.setdefault(finding.fingerprint, []).append(finding)
    new: list[dict] = []
    fixed: list[dict] = []
    changed: list[dict] = []
    for key in sorted(old_groups.keys() | new_groups.keys()):
        olds, news = list(old_groups.get(key, ())), list(new_groups.get(key, ()))
        same = Counter((f.severity, f.message) for f in olds) & Counter((f.severity, f.message) for f in news)
        olds, news = _without(olds, same), _without(news, same)
        for was, now in zip(olds, news, strict=False):
            changed.append({**now.as_json(), "before": {"severity": was.severity, "message": was.message}})
        new.extend(f.as_json() for f in news[len(olds):])
        fixed.extend(f.as_json() for f in olds[len(news):])
    order = lambda f: (f["path"], f["line"], f["rule"], f["entity"], f["subject"], f["message"])  # noqa: E731
    return {"new": sorted(new, key=order), "fixed": sorted(fixed, key=order), "changed": sorted(changed, key=order)}


def _without(findings: list[Finding], matched: Counter) -> list[Finding]:
    left = Counter(matched)
    out = []
    for finding in findings:
        key = (finding.severity, finding.message)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(finding)
    return out
