"""What a role's change means action by action: the actions (per resource) it gains and loses,
each with its risk labels, in the manner of IAM Access Analyzer's CheckNoNewAccess (old policy
against new), and the role's changed attributes.

`allowed_actions` is the one adapter to the IAM data (validator/iam: the catalog's wildcard expansion
and access levels, the privilege-escalation lists; cloudsplaining's lists of actions that return
credentials or read data): everything else here is set arithmetic over what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from validator.model import Role

# the role attributes whose change changes what holding the role means (statements: gained/lost)
ROLE_FIELDS = ("account", "environment", "session", "break_glass", "managed_policies", "service", "operates")
SUMMARY_AT = 10  # more than this many actions of one service on one resource: one `service:*` entry with `count`
# labels in the spec's order (SPEC 3); entries are listed the most dangerous first (DANGER)
RISK_ORDER = ("write", "permissions-management", "privilege-escalation", "data-exfiltration", "credentials-exposure",
              "resource-exposure", "admin")
DANGER = ("admin", "privilege-escalation", "permissions-management", "resource-exposure", "credentials-exposure",
          "data-exfiltration", "write")
# shell on every instance / container (SPEC ACC003), when the resource is not scoped
_SHELL = ("ssm:sendcommand", "ssm:startsession", "ec2-instance-connect:sendsshpublickey", "ecs:executecommand",
          "ssm:createassociation")
_DATA_READS = ("kms:decrypt", "dynamodb:scan", "dynamodb:query", "dynamodb:getitem", "dynamodb:batchgetitem",
               "ssm:getparameterhistory", "s3:getobjectversion", "rds:downloaddblogfileportion")
_IDENTITY_SERVICES = frozenset({"iam", "sts", "sso", "organizations", "identitystore"})

Grant = tuple[str, str, tuple[str, ...]]  # (action, resource, conditions)


# --- the adapter ---------------------------------------------------------------------------------

def allowed_actions(role: Role) -> dict[Grant, tuple[str, ...]]:
    """(action, resource, conditions) -> risk labels, for everything the role's Allow statements allow.

    Actions are the catalog's (canonical case), wildcards and `not_actions` expanded, simple Denies
    subtracted (as validator.iam.policy does); an action the catalog does not know is kept as written.
    A `not_resources` statement's resource is `* except ...`. Labels: `write`,
    `permissions-management` (the catalog's access level), `privilege-escalation` (the escalation
    lists; shell on every instance), `credentials-exposure` and `data-exfiltration` (cloudsplaining's
    lists and the spec's data reads), `resource-exposure` (permissions management of a resource
    policy, outside the identity services), `admin` (every action)."""
    from validator.iam import catalog as cat
    from validator.iam.policy import analyse_role

    view = analyse_role(role)
    catalog = cat.catalog()
    out: dict[Grant, tuple[str, ...]] = {}
    for statement, source in zip(view.statements, role.statements, strict=True):
        if not statement.allow:
            continue
        actions = set(statement.actions)
        unknown = [a for a in source.actions or () if not cat.expand(a) and a.strip() != "*"]
        if statement.not_resources is not None:
            resources: tuple[str, ...] = ("* except " + ", ".join(statement.not_resources),)
        else:
            resources = statement.resources or ()
        conditions = statement.conditions
        everything = len(actions) >= len(catalog.levels)
        for resource in resources:
            unscoped = resource == "*" or resource.startswith("* except") or _last_segment(resource) == "*"
            for action in actions:
                out[catalog.canonical.get(action, action), resource, conditions] = _labels(
                    action, catalog.levels.get(action), unscoped, everything)
            for action in unknown:
                out[action, resource, conditions] = ()
    return out


def _labels(action: str, level: str | None, unscoped: bool, everything: bool) -> tuple[str, ...]:
    always, when_unscoped, credentials, data = _lists()
    found = []
    if everything:
        found.append("admin")
    if action in always or (unscoped and (action in when_unscoped or action in _SHELL)):
        found.append("privilege-escalation")
    if level == "Permissions management":
        found.append("permissions-management")
    if (level == "Permissions management" and action.partition(":")[0] not in _IDENTITY_SERVICES) \
            or action in _exposure():
        found.append("resource-exposure")
    if action in credentials:
        found.append("credentials-exposure")
    if action in data:
        found.append("data-exfiltration")
    if level == "Write":
        found.append("write")
    return tuple(found)


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """The risk data of the ACC rules (validator/iam/risk.py: cloudsplaining's and policy_sentry's lists):
    single actions that escalate whatever their resource (iam:*, sts:*), those that escalate on every
    resource, actions that return credentials, and data reads."""
    from validator.iam import risk

    single = frozenset(actions[0] for actions in risk.escalation_methods().values() if len(actions) == 1)
    always = frozenset(a for a in single if a.partition(":")[0] in _IDENTITY_SERVICES)
    return (always, single - always, risk.credentials_exposure(), risk.data_exfiltration() | _lower(_DATA_READS))


@lru_cache(maxsize=1)
def _exposure() -> frozenset[str]:
    from validator.iam import risk

    return risk.resource_exposure_listed()


def _lower(names) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


def _last_segment(resource: str) -> str:
    cut = max(resource.rfind("/"), resource.rfind(":"))
    return resource[cut + 1:]


# --- the role diff ---------------------------------------------------------------------------------

def role_meaning(role: Role) -> tuple:
    """What holding the role means: equal tuples, same access (names and descriptions do not count)."""
    return (role.environment, role.account, role.service, tuple(role.operates), role.session, role.break_glass,
            tuple(role.managed_policies), tuple(role.statements))


def role_fields(before: Role | None, after: Role | None) -> list[dict]:
    from validator.diff_changes import plain

    if before is None or after is None:
        return [{"field": "exists", "before": before is not None, "after": after is not None}]
    out = []
    for name in ROLE_FIELDS:
        was, now = plain(getattr(before, name)), plain(getattr(after, name))
        if was != now:
            out.append({"field": name, "before": was, "after": now})
    return out


def gained_and_lost(before: Role | None, after: Role | None) -> tuple[list[dict], list[dict]]:
    """The actions (per resource and conditions) the new role allows and the old did not, and the
    reverse, summarised per service when many."""
    old = allowed_actions(before) if before is not None else {}
    new = allowed_actions(after) if after is not None else {}
    return summarise(new.keys() - old.keys(), new), summarise(old.keys() - new.keys(), old)


def summarise(keys: Iterable[Grant], labels: dict[Grant, tuple[str, ...]]) -> list[dict]:
    """Entries `{"action", "resource", "risk"}` (plus `conditions` when any), the riskiest first;
    more than SUMMARY_AT actions of one service on one resource become `service:*` with `count`,
    and every action of the catalog `*`."""
    from validator.iam import catalog as cat

    groups: dict[tuple[str, tuple[str, ...], str], list[str]] = {}
    for action, resource, conditions in keys:
        groups.setdefault((resource, conditions, action.partition(":")[0].lower()), []).append(action)
    total = len(cat.catalog().levels)
    per_resource: dict[tuple[str, tuple[str, ...]], int] = {}
    for (resource, conditions, _), actions in groups.items():
        per_resource[resource, conditions] = per_resource.get((resource, conditions), 0) + len(actions)
    out: list[dict] = []
    done: set[tuple[str, tuple[str, ...]]] = set()
    for (resource, conditions, service), actions in sorted(groups.items()):
        where = (resource, conditions)
        if per_resource[where] >= total:  # everything: one entry
            if where in done:
                continue
            done.add(where)
            every = [a for (r, c, _), acts in groups.items() if (r, c) == where for a in acts]
            out.append(_entry("*", resource, conditions, every, labels))
        elif len(actions) > SUMMARY_AT:
            out.append(_entry(f"{service}:*", resource, conditions, actions, labels))
        else:
            out.extend(_entry(a, resource, conditions, [a], labels) for a in sorted(actions))
    out.sort(key=_riskiest_first)
    return out


def _entry(action: str, resource: str, conditions: tuple[str, ...], actions: list[str],
           labels: dict[Grant, tuple[str, ...]]) -> dict[str, Any]:
    risks: set[str] = set()
    for name in actions:
        risks.update(labels.get((name, resource, conditions), ()))
    entry: dict[str, Any] = {"action": action, "resource": resource}
    if len(actions) > 1 or action.endswith("*"):
        entry["count"] = len(actions)
    entry["risk"] = [r for r in RISK_ORDER if r in risks]
    if conditions:
        entry["conditions"] = list(conditions)
    return entry


def _riskiest_first(entry: dict) -> tuple:
    ranks = [DANGER.index(r) for r in entry["risk"]] or [len(DANGER)]
    return (min(ranks), entry["action"].lower(), entry["resource"])
