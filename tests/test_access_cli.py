"""`dutyguard access` end to end through the command line."""

from __future__ import annotations

from tests.conftest import ROOT, run_cli, write_repo

ORG = {
    "ownership/org.yaml": """\
        - {kind: Person, id: dave, name: Dave, email: dave@example.com, timezone: UTC}
        - {kind: Person, id: eve, name: Eve, email: eve@example.com, timezone: UTC}
        - {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: UTC}
        - {kind: Team, id: payments, name: Payments, members: [dave]}
        - {kind: Team, id: platform, name: Platform, members: [eve]}
        - {kind: Team, id: security, name: Security, members: [erin]}
        """,
    "policy/roles.yaml": """\
        - kind: Role
          id: checkout-deploy
          environment: production
          account: "123456789012"
          statements:
            - effect: Allow
              actions: [ecs:UpdateService]
              resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout"]
              conditions: {StringEquals: {"aws:RequestedRegion": eu-west-1}}
        - kind: Role
          id: ops-bridge
          environment: production
          account: "123456789012"
          statements:
            - {effect: Allow, actions: [sts:AssumeRole], resources: ["arn:aws:iam::123456789012:role/checkout-deploy"]}
        """,
    "policy/grants.yaml": """\
        - {kind: Grant, id: payments-deploy, role: checkout-deploy, to: [team:payments], reason: r,
           approved_by: [erin], expires: 2027-03-31}
        - {kind: Grant, id: ops, role: ops-bridge, to: [team:platform], reason: r, approved_by: [erin]}
        """,
}

DEPLOY_CONDITION = "role:checkout-deploy statement 1: StringEquals aws:RequestedRegion = eu-west-1"


def test_person_json_has_the_spec_shape(tmp_path):
    root = write_repo(tmp_path, ORG)
    result = run_cli("access", "--person", "dave", "--format", "json", repo=root)
    assert result.code == 0, result.err
    assert result.json() == {"person": "dave", "roles": [
        {"role": "checkout-deploy", "environment": "production", "via": ["team:payments", "grant:payments-deploy"],
         "expires": "2027-03-31", "conditions": [DEPLOY_CONDITION]}]}


def test_person_who_reaches_a_role_only_through_assumption(tmp_path):
    root = write_repo(tmp_path, ORG)
    result = run_cli("access", "--person", "eve", "--format", "json", repo=root)
    roles = {r["role"]: r for r in result.json()["roles"]}
    assert roles["checkout-deploy"]["via"] == ["team:platform", "grant:ops", "role:ops-bridge"]
    assert roles["checkout-deploy"]["expires"] is None
    assert roles["ops-bridge"] == {"role": "ops-bridge", "environment": "production",
                                   "via": ["team:platform", "grant:ops"], "expires": None}
    text = run_cli("access", "--person", "eve", repo=root).out
    assert ("person:eve → team:platform → grant:ops → role:ops-bridge → (sts:AssumeRole) → role:checkout-deploy"
            in text)
    assert DEPLOY_CONDITION in text


def test_role_lists_everyone_who_reaches_it_and_how(tmp_path):
    root = write_repo(tmp_path, ORG)
    document = run_cli("access", "--role", "checkout-deploy", "--format", "json", repo=root).json()
    assert document["role"] == "checkout-deploy"
    assert document["risk"] == ["production", "write"]
    assert [(p["person"], p["via"], p["expires"]) for p in document["people"]] == [
        ("dave", ["team:payments", "grant:payments-deploy"], "2027-03-31"),
        ("eve", ["team:platform", "grant:ops", "role:ops-bridge"], None)]
    text = run_cli("access", "--role", "checkout-deploy", repo=root).out
    assert "2 people" in text and "person:dave → team:payments → grant:payments-deploy → role:checkout-deploy" in text


def test_expired_grant_disappears_from_access(tmp_path):
    root = write_repo(tmp_path, ORG)
    result = run_cli("access", "--person", "dave", "--format", "json", repo=root, now="2027-04-01T00:00:00Z")
    assert result.json() == {"person": "dave", "roles": []}


def test_unknown_ids_are_usage_errors_with_the_closest_id(tmp_path):
    root = write_repo(tmp_path, ORG)
    result = run_cli("access", "--person", "davy", repo=root)
    assert result.code == 2
    assert "unknown person 'davy'" in result.err and "did you mean 'dave'?" in result.err
    result = run_cli("access", "--role", "checkout-deplyo", repo=root)
    assert result.code == 2 and "did you mean 'checkout-deploy'?" in result.err
    assert "Traceback" not in result.err


def test_person_and_role_are_exclusive(tmp_path):
    root = write_repo(tmp_path, ORG)
    assert run_cli("access", "--person", "dave", "--role", "ops-bridge", repo=root).code == 2


def test_without_a_filter_everyone_is_listed(tmp_path):
    root = write_repo(tmp_path, ORG)
    document = run_cli("access", "--format", "json", repo=root).json()
    assert [p["person"] for p in document["people"]] == ["dave", "erin", "eve"]
    assert document["people"][1]["roles"] == []


def test_example_organisation_support_buttons_and_bridge():
    result = run_cli("access", "--person", "gina", "--format", "json", repo=ROOT)
    assert result.code == 0
    via = {r["role"]: r["via"] for r in result.json()["roles"]}
    assert via["checkout-readonly"] == ["team:platform", "grant:platform-ops-bridge", "role:platform-ops-bridge"]
