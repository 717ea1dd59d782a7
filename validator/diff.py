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


def compare(before: Result, after: Result, now: datetime) -> dict:
    """The spec's diff shape: access added/removed (and changed), ownership changes, findings new/fixed."""
    return {
        "access": access_changes(before.org, after.org, now),
        "ownership": ownership_changes(before.org, after.org),
        "findings": findings_changes(before.findings, after.findings),
    }


# --- access -------------------------------------------------------------------------------------------

def access_changes(before: Org, after: Org, now: datetime) -> dict[str, list[dict]]:
    """Per (person, role): added, removed, and changed (risk or expiry differ) effective access.

    Each side is first summarised per (person, role) as when the access ends (cheap: no path is
    built); full rows, with the shortest path, are built only for what was added, removed or changed
    (a pull request's handful, not the organisation's hundreds of thousands)."""
    from validator.graph.access import AccessModel

    old_model, new_model = AccessModel(before), AccessModel(after)
    old_ends, new_ends = access_ends(before, now, old_model), access_ends(after, now, new_model)
    old_risks, new_risks = _risks_of(before, old_model), _risks_of(after, new_model)
    added_keys = new_ends.keys() - old_ends.keys()
    removed_keys = old_ends.keys() - new_ends.keys()
    changed_keys = {key for key in old_ends.keys() & new_ends.keys()
                    if old_risks(key[1]) != new_risks(key[1]) or _iso(old_ends[key]) != _iso(new_ends[key])}
    old = access_table(before, now, old_model, removed_keys | changed_keys)
    new = access_table(after, now, new_model, added_keys | changed_keys)
    added = [_with_grant(new[key], after) for key in sorted(added_keys)]
    removed = [old[key] for key in sorted(removed_keys)]
    changed = []
    for key in sorted(changed_keys):
        was, now_row = old[key], new[key]
        changed.append({**_with_grant(now_row, after),
                        "before": {"risk": was["risk"], "via": was["via"], "expires": was["expires"]}})
    out: dict[str, list[dict]] = {"added": added, "removed": removed}
    if changed:
        out["changed"] = changed
    return out


def access_ends(org: Org, now: datetime, model=None) -> dict[tuple[str, str], date | datetime | None]:
    """(person, role) -> when that effective access ends: None if any path to it is permanent, else
    the latest expiry of its paths (as `access_table` says, without building the paths)."""
    from validator.graph.access import grant_paths

    ends: dict[tuple[str, str], date | datetime | None] = {}
    missing = object()
    for item in grant_paths(org, now, model):
        expires = item.grant.expires
        later = _instant(expires) if expires is not None else None
        for target, _, _ in item.paths:
            for person, _ in item.people:
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


def access_table(org: Org, now: datetime, model=None,
                 keys: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], dict]:
    """(person, role) -> one row: the shortest path, the role's risks, and when the access ends.

    A person may reach a role along several paths; the access is temporary ("expiry" risk flag,
    `expires` set) only when every path expires, and then it lasts until the latest expiry.
    `keys`: only these rows (all when None).
    """
    from validator.graph.access import AccessModel, effective_access

    model = model or AccessModel(org)  # role analyses shared by both calls
    paths: dict[tuple[str, str], list] = {}
    if keys is None or keys:
        for reach in effective_access(org, now, model):
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


def ownership_changes(before: Org, after: Org) -> list[dict]:
    """Changed fields of services, teams, rotations, escalations and people; an entity added or
    removed is one change of the field "exists" (false -> true, or true -> false)."""
    out = []
    for prefix, collection, fields in TRACKED:
        old, new = getattr(before, collection), getattr(after, collection)
        for ident in sorted(old.keys() | new.keys()):
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
    """Findings the change introduces and those it fixes, matched on rule, entity, message and severity
    (line numbers may move freely)."""
    return {"new": [f.as_json() for f in _minus(after, before)],
            "fixed": [f.as_json() for f in _minus(before, after)]}


def _minus(these: list[Finding], those: list[Finding]) -> list[Finding]:
    remaining = Counter((*f.identity(), f.severity) for f in those)
    out = []
    for finding in these:
        key = (*finding.identity(), finding.severity)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            out.append(finding)
    return out
