"""Effective access: people through teams, grants and role assumption."""

from __future__ import annotations

from datetime import UTC, date, datetime

from validator.graph.access import Reach, effective_access, role_risks
from validator.load import SourceFile, load_sources
from validator.model import build_org

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

BASE = """\
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: UTC}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: UTC}
- {kind: Person, id: eve, name: Eve, email: eve@example.com, timezone: UTC}
- {kind: Person, id: gone, name: Gone, email: gone@example.com, timezone: UTC, active: false}
- {kind: Team, id: commerce, name: Commerce, members: [bob]}
- {kind: Team, id: payments, name: Payments, members: [alice, gone], parent: commerce}
- {kind: Team, id: platform, name: Platform, members: [eve]}
"""


def role(ident: str, statements: str, env: str = "production", extra: str = "") -> str:
    return (f"- kind: Role\n  id: {ident}\n  environment: {env}\n  account: \"123456789012\"\n{extra}"
            f"  statements:\n{statements}")


def allow(actions: str, resources: str, conditions: str = "") -> str:
    text = f"    - effect: Allow\n      actions: {actions}\n      resources: {resources}\n"
    return text + (f"      conditions: {conditions}\n" if conditions else "")


def grant(ident: str, role_id: str, to: str, extra: str = "") -> str:
    return (f"- {{kind: Grant, id: {ident}, role: {role_id}, to: {to}, reason: r, approved_by: [erin]{extra}}}\n")


def org_of(*docs: str):
    text = BASE + "".join(docs)
    org, findings = build_org(load_sources([SourceFile("policy/all.yaml", text.encode())]))
    assert findings == [], findings
    return org


ECS = '["arn:aws:ecs:eu-west-1:123456789012:service/prod/x"]'


def test_team_grant_reaches_active_members_only_and_parent_teams_do_not_inherit():
    org = org_of(role("deploy", allow("[ecs:UpdateService]", ECS)), grant("g", "deploy", "[team:payments]"),
                 grant("c", "deploy", "[team:commerce]"))
    reaches = effective_access(org, NOW)
    assert [(r.person, r.via) for r in reaches] == [
        ("alice", ("team:payments", "grant:g")),   # gone is inactive
        ("bob", ("team:commerce", "grant:c")),     # commerce does not inherit payments' members
    ]
    assert reaches[0] == Reach("alice", "deploy", "production", ("team:payments", "grant:g"), "g", None, ())


def test_expired_grants_give_no_access_and_a_date_lasts_to_the_end_of_the_day():
    org = org_of(role("deploy", allow("[ecs:UpdateService]", ECS)),
                 grant("old", "deploy", "[person:alice]", ", expires: 2026-11-22"),
                 grant("today", "deploy", "[person:bob]", ", expires: 2026-11-23"))
    reaches = effective_access(org, NOW)
    assert [(r.person, r.grant, r.expires) for r in reaches] == [("bob", "today", date(2026, 11, 23))]


def test_assumption_two_hops_with_conditions_carried_along():
    org = org_of(
        role("bridge", allow("[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/hop"]',
                             '{Bool: {"aws:MultiFactorAuthPresent": true}}')),
        role("hop", allow("[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/admin"]')),
        role("admin", allow('["iam:*"]', '["*"]')),
        grant("ops", "bridge", "[team:platform]"))
    reaches = {r.role: r for r in effective_access(org, NOW)}
    assert set(reaches) == {"bridge", "hop", "admin"}
    admin = reaches["admin"]
    assert admin.via == ("team:platform", "grant:ops", "role:bridge", "role:hop")
    assert admin.path() == ("person:eve → team:platform → grant:ops → role:bridge → (sts:AssumeRole) → role:hop "
                            "→ (sts:AssumeRole) → role:admin")
    assert admin.conditions == ("role:bridge may assume role:hop only if Bool aws:MultiFactorAuthPresent = true",)
    assert reaches["hop"].conditions == admin.conditions


def test_wildcard_resource_matches_several_roles_and_cycles_are_harmless():
    org = org_of(
        role("bridge", allow("[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/app-*"]')),
        role("app-a", allow("[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/bridge"]')),
        role("app-b", allow("[ecs:DescribeServices]", '["*"]')),
        role("other", allow("[ecs:DescribeServices]", '["*"]')),
        grant("ops", "bridge", "[person:eve]"))
    roles = sorted(r.role for r in effective_access(org, NOW))
    assert roles == ["app-a", "app-b", "bridge"]


def test_a_deny_never_grants_and_an_unconditional_deny_cuts_the_assume_edge():
    org = org_of(
        role("bridge", allow('["sts:*"]', '["*"]') + "    - effect: Deny\n      actions: [sts:AssumeRole]\n"
             "      resources: [\"arn:aws:iam::123456789012:role/admin\"]\n"),
        role("admin", allow('["*"]', '["*"]')),
        role("viewer", allow("[ecs:DescribeServices]", '["*"]')),
        grant("ops", "bridge", "[person:eve]"))
    roles = sorted(r.role for r in effective_access(org, NOW))
    assert roles == ["bridge", "viewer"]


def test_not_actions_count_as_their_broad_complement_for_assumption():
    org = org_of(
        "- kind: Role\n  id: broad\n  environment: staging\n  account: \"123456789012\"\n  statements:\n"
        "    - {effect: Allow, not_actions: [\"iam:*\"], resources: [\"*\"]}\n",
        role("viewer", allow("[ecs:DescribeServices]", '["*"]')),
        grant("g", "broad", "[person:eve]"))
    assert sorted(r.role for r in effective_access(org, NOW)) == ["broad", "viewer"]
    assert role_risks(org, "broad") == ["write", "permissions-management", "privilege-escalation",
                                        "data-exfiltration", "credentials-exposure", "resource-exposure", "admin"]


def test_role_risks_in_the_documented_order():
    org = org_of(
        role("read", allow("[ecs:DescribeServices]", '["*"]')),
        role("deploy", allow("[ecs:UpdateService]", ECS)),
        role("passer", allow("[iam:PassRole]", '["*"]'), env="staging"),
        role("admin", allow('["*"]', '["*"]'), extra="  break_glass: true\n"),
        role("denied", allow("[ecs:UpdateService, ecs:DescribeServices]", '["*"]')
             + "    - {effect: Deny, actions: [ecs:UpdateService], resources: [\"*\"]}\n"))
    assert role_risks(org, "read") == ["production"]
    assert role_risks(org, "deploy") == ["production", "write"]
    # iam:PassRole alone is no escalation method (cloudsplaining needs a compute action with it), but it is
    # permissions management on every role: resource exposure, admin-like
    assert role_risks(org, "passer") == ["permissions-management", "resource-exposure", "admin"]
    assert role_risks(org, "admin") == ["production", "write", "permissions-management", "privilege-escalation",
                                        "data-exfiltration", "credentials-exposure", "resource-exposure", "admin",
                                        "break-glass"]
    assert role_risks(org, "denied") == ["production"]  # a simple Deny on `*` is subtracted
    assert role_risks(org, "missing") == []


def test_person_listed_twice_gives_one_path_per_route():
    org = org_of(role("deploy", allow("[ecs:UpdateService]", ECS)),
                 grant("g", "deploy", "[person:alice, team:payments, person:alice]"))
    assert [r.via for r in effective_access(org, NOW)] == [("grant:g",), ("team:payments", "grant:g")]
