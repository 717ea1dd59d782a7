"""`dutyguard diff` on the example organisation (a real git repository built in the test): each change
a reviewer must see shows in the JSON and in the Markdown headline, outside `<details>`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_diff_gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-23T12:00:00Z"
PAYMENTS = ["alice", "bob", "carol", "dave", "frank"]  # team payments, which holds checkout-deploy

DEPLOY_BEFORE = """  id: checkout-deploy
  environment: production
  account: "111122223333"
  service: checkout-api
  session: 1h
  statements:
    - effect: Allow
      actions: [ecs:UpdateService, ecs:DescribeServices]
      resources: ["arn:aws:ecs:eu-west-1:111122223333:service/prod/checkout-api"]
"""
DEPLOY_AFTER = """  id: checkout-deploy
  environment: production
  account: "999988887777"
  service: checkout-api
  session: 12h
  statements:
    - effect: Allow
      actions: [ecs:UpdateService, ecs:DescribeServices, ecs:DeleteService]
      resources: ["arn:aws:ecs:eu-west-1:999988887777:service/prod/checkout-api"]
    - effect: Allow
      actions: [s3:DeleteObject]
      resources: ["arn:aws:s3:::payments-ledger-prod/*"]
    - effect: Allow
      actions: [secretsmanager:GetSecretValue]
      resources: ["arn:aws:secretsmanager:eu-west-1:999988887777:secret:prod/*"]
    - effect: Allow
      actions: [ssm:SendCommand]
      resources: ["arn:aws:ec2:*:*:instance/*"]
"""


@pytest.fixture
def example(tmp_path: Path) -> GitRepo:
    """The example organisation, committed once and tagged `base`."""
    repo = GitRepo(tmp_path / "org")
    for folder in ("ownership", "policy"):
        shutil.copytree(ROOT / folder, repo.root / folder)
    repo.commit("the example organisation")
    repo.repo.create_tag("base")
    return repo


def diff(repo: GitRepo, fmt: str = "json"):
    result = repo.cli("diff", "base", "HEAD", "--format", fmt)
    assert result.code in (0, 1), result.err
    return result


def diff_json(repo: GitRepo) -> dict:
    return json.loads(diff(repo).out)


def headline_lines(markdown: str) -> dict[str, str]:
    """The headline bullets before the first table, by kind ('- **Kind**: text')."""
    head = markdown.split("<details>")[0].split("\n#### ")[0]
    out = {}
    for line in head.splitlines():
        if line.startswith("- **"):
            kind, _, text = line[4:].partition("**: ")
            out[kind] = text
    return out


def outside_details(markdown: str) -> str:
    return markdown.split("<details>")[0]


def change(diff: dict, entity: str, field: str) -> dict:
    found = [c for c in diff["changes"] if c["entity"] == entity and c["field"] == field]
    assert len(found) == 1, (entity, field, [c for c in diff["changes"] if c["entity"] == entity])
    return found[0]


# --- a role that widens ------------------------------------------------------------------------------

def test_a_widened_role_shows_its_holders_fields_and_new_actions_with_risks(example):
    example.replace("policy/roles/checkout.yaml", DEPLOY_BEFORE, DEPLOY_AFTER)
    example.commit("widen checkout-deploy")
    out = diff_json(example)
    [role] = out["roles"]
    assert role["role"] == "checkout-deploy" and role["holders"] == PAYMENTS
    assert role["fields"] == [{"field": "account", "before": "111122223333", "after": "999988887777"},
                              {"field": "session", "before": "1h", "after": "12h"}]
    gained = {(g["action"], g["resource"]): g["risk"] for g in role["gained"]}
    assert gained[("ssm:SendCommand", "arn:aws:ec2:*:*:instance/*")] == ["write", "privilege-escalation"]
    assert "data-exfiltration" in gained[("secretsmanager:GetSecretValue",
                                          "arn:aws:secretsmanager:eu-west-1:999988887777:secret:prod/*")]
    assert gained[("s3:DeleteObject", "arn:aws:s3:::payments-ledger-prod/*")] == ["write"]
    assert gained[("ecs:DeleteService", "arn:aws:ecs:eu-west-1:999988887777:service/prod/checkout-api")] == ["write"]
    # the old account's resources are lost, action by action
    lost = {(g["action"], g["resource"]) for g in role["lost"]}
    assert lost == {("ecs:UpdateService", "arn:aws:ecs:eu-west-1:111122223333:service/prod/checkout-api"),
                    ("ecs:DescribeServices", "arn:aws:ecs:eu-west-1:111122223333:service/prod/checkout-api")}
    # per person: what they can newly do, with the path
    changed = {c["person"]: c for c in out["access"]["changed"] if c["role"] == "checkout-deploy"}
    assert sorted(changed) == PAYMENTS
    assert changed["dave"]["via"] == ["team:payments", "grant:payments-deploy"]
    assert changed["dave"]["gained"] == role["gained"] and changed["dave"]["fields"] == role["fields"]
    assert out["access"]["added"] == [] and out["access"]["removed"] == []

    markdown = diff(example, "markdown").out
    lines = headline_lines(markdown)
    assert lines["Roles widened"].startswith(
        "checkout-deploy held by 5 people: gains 6 actions with privilege-escalation")
    assert "privilege-escalation" in lines["Roles widened"] and "session 1h → 12h" in lines["Roles widened"]
    assert "account 111122223333 → 999988887777" in lines["Roles widened"]
    assert "5 people can newly do more" in lines["Access"]
    assert "| checkout-deploy | gained | ssm:SendCommand |" in outside_details(markdown)


def test_a_role_that_only_narrows_is_not_a_widening(example):
    example.replace("policy/roles/checkout.yaml", "actions: [ecs:UpdateService, ecs:DescribeServices]",
                    "actions: [ecs:DescribeServices]")
    example.commit("narrow checkout-deploy")
    out = diff_json(example)
    [role] = out["roles"]
    assert role["gained"] == [] and [g["action"] for g in role["lost"]] == ["ecs:UpdateService"]
    lines = headline_lines(diff(example, "markdown").out)
    assert "Roles widened" not in lines and "checkout-deploy" in lines["Roles changed"]


def test_a_wildcard_is_expanded_and_summarised_per_service_with_a_count(example):
    example.replace("policy/roles/checkout.yaml", "actions: [ecs:UpdateService, ecs:DescribeServices]",
                    "actions: [ecs:UpdateService, ecs:DescribeServices, ec2:*]")
    example.commit("ec2:* for deploy")
    [role] = diff_json(example)["roles"]
    [entry] = role["gained"]
    assert entry["action"] == "ec2:*" and entry["count"] > 400
    assert {"write", "permissions-management"} <= set(entry["risk"])


# --- identity --------------------------------------------------------------------------------------

def test_an_email_change_is_an_identity_change_in_the_headline(example):
    example.replace("ownership/people/americas.yaml", "email: ivan@example.com", "email: mallory@evil.example")
    example.commit("ivan's new address")
    out = diff_json(example)
    assert out["changes"] == [{"entity": "person:ivan", "field": "email", "before": "ivan@example.com",
                               "after": "mallory@evil.example"}]
    markdown = diff(example, "markdown").out
    line = headline_lines(markdown)["Identity changes"]
    assert "ivan's email" in line and "mallory@\u200devil.example" in line
    assert "mallory@evil" not in markdown  # never a live address or mention
    assert "#### Identity changes" in outside_details(markdown)


# --- paging ------------------------------------------------------------------------------------------

def test_an_override_changes_who_is_paged_in_that_window(example):
    before = example.cli("oncall", "checkout-api", "--at", "2026-12-02T10:00:00Z", "--format", "json").json()
    example.append("ownership/rotations/payments.yaml", "")  # (file stays as is)
    example.replace("ownership/rotations/payments.yaml",
                    "  - {person: carol, from: 2026-12-21T07:00, to: 2026-12-21T09:00}\n",
                    "  - {person: carol, from: 2026-12-21T07:00, to: 2026-12-21T09:00}\n"
                    "  - {person: zoe, from: 2026-12-02T10:00, to: 2026-12-02T14:00}\n")
    example.commit("zoe covers four hours")
    after = example.cli("oncall", "checkout-api", "--at", "2026-12-02T10:00:00Z", "--format", "json").json()
    out = diff_json(example)
    overrides = change(out, "rotation:payments-primary", "overrides")
    assert overrides["after"][-1] == {"person": "zoe", "from": "2026-12-02T10:00:00", "to": "2026-12-02T14:00:00"}
    windows = [o for o in out["oncall"] if o["service"] == "checkout-api"]
    # Berlin is UTC+1 in December: 10:00-14:00 local is 09:00-13:00 UTC
    assert windows == [{"service": "checkout-api", "level": 1, "from": "2026-12-02T09:00:00+00:00",
                        "to": "2026-12-02T13:00:00+00:00", "before": before["levels"][0]["people"],
                        "after": ["zoe"]},
                       {"service": "checkout-api", "more": 0}]
    assert after["levels"][0]["people"] == ["zoe"]
    assert {o["service"] for o in out["oncall"]} == {"checkout-api", "ledger"}  # both page through payments-critical
    markdown = diff(example, "markdown").out
    assert "2 services page other people in 2 windows" in headline_lines(markdown)["Paging changes"]
    assert "| checkout-api | 1 | 2026-12-02 09:00 – 13:00 UTC |" in outside_details(markdown)


def test_a_longer_delay_is_a_paging_change(example):
    example.replace("ownership/escalations/escalations.yaml",
                    '- {targets: ["rotation:payments-primary"], after: 15m}',
                    '- {targets: ["rotation:payments-primary"], after: 25m}')
    example.commit("slower escalation")
    out = diff_json(example)
    assert out["changes"] == [{"entity": "escalation:payments-critical", "field": "levels.0.after",
                               "before": "15m", "after": "25m"}]
    assert out["oncall"] == []  # the same people, only later
    line = headline_lines(diff(example, "markdown").out)["Paging changes"]
    assert "escalation:payments-critical levels.0.after 15m → 25m" in line


def test_a_layer_change_start_turn_and_restrictions(example):
    example.replace("ownership/rotations/payments.yaml", """  - name: berlin-day
    members: [alice, bob, carol, dave]
    start: 2026-01-05T09:00
    turn: 1w
    restrictions:
      - {from: "07:00", to: "22:00"}""", """  - name: berlin-day
    members: [alice, bob, carol, dave]
    start: 2026-01-06T09:00
    turn: 2w
    restrictions:
      - {from: "08:00", to: "22:00"}""")
    example.commit("berlin-day changes")
    out = diff_json(example)
    fields = {c["field"]: (c["before"], c["after"]) for c in out["changes"]
              if c["entity"] == "rotation:payments-primary"}
    assert fields == {"layers.0.start": ("2026-01-05T09:00:00", "2026-01-06T09:00:00"),
                      "layers.0.turn": ("1w", "2w"),
                      "layers.0.restrictions.0.from": ("07:00", "08:00")}
    windows = [o for o in out["oncall"] if o["service"] == "checkout-api"]
    assert windows[-1]["service"] == "checkout-api" and "more" in windows[-1]
    assert all(o["before"] != o["after"] for o in windows[:-1]) and len(windows) > 1
    assert "Paging changes" in headline_lines(diff(example, "markdown").out)


# --- services ---------------------------------------------------------------------------------------

def test_service_paths_are_compared(example):
    example.replace("ownership/services/commerce.yaml", 'paths: ["services/checkout/**"]',
                    'paths: ["services/checkout/**", "infra/**"]')
    example.commit("checkout owns infra")
    out = diff_json(example)
    assert out["changes"] == [{"entity": "service:checkout-api", "field": "paths", "before": ["services/checkout/**"],
                               "after": ["services/checkout/**", "infra/**"]}]
    line = headline_lines(diff(example, "markdown").out)["Other changes"]
    assert "service:checkout-api paths" in line


def test_a_new_service_shows_its_owner_tier_and_escalation(example):
    example.append("ownership/services/commerce.yaml", """
        ---
        kind: Service
        id: fraud-api
        owner: payments
        tier: 1
        escalation: payments-critical
        """)
    example.commit("fraud-api")
    out = diff_json(example)
    entries = {c["field"]: c for c in out["changes"] if c["entity"] == "service:fraud-api"}
    assert entries["exists"] == {"entity": "service:fraud-api", "field": "exists", "before": False, "after": True}
    assert entries["owner"]["after"] == "payments" and entries["tier"]["after"] == 1
    assert entries["escalation"]["after"] == "payments-critical" and entries["owner"]["before"] is None
    markdown = diff(example, "markdown").out
    assert "service:fraud-api" in headline_lines(markdown)["Entities"]
    table = outside_details(markdown).split("#### New services\n")[1]
    assert table.startswith("| Id | owner | tier | escalation | lifecycle | depends_on | paths |")
    assert "| fraud-api | payments | 1 | payments-critical | production |" in table


# --- findings ------------------------------------------------------------------------------------------

IVAN_GRANT = """
- kind: Grant
  id: ivan-readonly
  role: checkout-readonly
  to: [person:ivan]
  reason: Help with the migration
  approved_by: [erin]
  expires: {expires}
"""


def test_a_finding_whose_message_changes_is_changed_not_fixed_and_new(example):
    example.append("policy/grants/grants.yaml", IVAN_GRANT.format(expires="2027-06-01"))
    example.commit("a long grant")
    example.repo.git.tag("-f", "base")
    example.replace("policy/grants/grants.yaml", "expires: 2027-06-01", "expires: 2027-07-01")
    example.commit("a longer grant")
    result = diff(example)
    out = result.json()
    assert result.code == 0  # the error was already there
    [finding] = [f for f in out["findings"]["changed"] if f["entity"] == "grant:ivan-readonly"]
    assert finding["rule"] == "ACC004" and finding["severity"] == "error"
    assert finding["before"]["message"] != finding["message"] and "2027-07-01" in finding["message"]
    assert not [f for f in out["findings"]["new"] + out["findings"]["fixed"] if f["entity"] == "grant:ivan-readonly"]
    assert "1 changed" in headline_lines(diff(example, "markdown").out)["Findings"]


def test_new_errors_lead_the_comment_and_are_never_folded(example):
    example.replace("ownership/services/commerce.yaml", "owner: payments\ntier: 1", "owner: paymnets\ntier: 1")
    example.commit("typo")
    result = diff(example, "markdown")
    assert result.code == 1
    lines = headline_lines(result.out)
    assert list(lines)[0] == "New errors" and "SCH005 service:checkout-api" in lines["New errors"]
    assert "| error | SCH005 | service:checkout-api |" in outside_details(result.out)


# --- the JSON shape -------------------------------------------------------------------------------

SPEC_EXAMPLE = Path(__file__).parent / "fixtures" / "spec_diff_example.json"  # verbatim from SPEC.md section 4


def check_shape(diff: dict) -> None:
    """The documented top-level keys and entry shapes of `diff --format json` (SPEC 4)."""
    assert set(diff) == {"access", "roles", "ownership", "changes", "oncall", "findings"}
    assert set(diff["access"]) == {"added", "removed", "changed"}
    assert set(diff["findings"]) == {"new", "fixed", "changed"}

    def action(entry: dict) -> None:
        assert {"action", "resource", "risk"} <= set(entry) and isinstance(entry["risk"], list)
        assert entry.get("count", 1) >= 1

    for entry in diff["access"]["added"] + diff["access"]["removed"]:
        assert {"person", "role", "via", "risk"} <= set(entry)
    for entry in diff["access"]["changed"]:
        assert {"person", "role", "via", "gained", "lost", "fields"} <= set(entry)
        for item in entry["gained"] + entry["lost"]:
            action(item)
    for role in diff["roles"]:
        assert {"role", "holders", "fields", "gained", "lost"} <= set(role)
        for item in role["gained"] + role["lost"]:
            action(item)
        for field in role["fields"]:
            assert set(field) == {"field", "before", "after"}
    for entry in diff["ownership"] + diff["changes"]:
        assert set(entry) == {"entity", "field", "before", "after"}
    services: dict[str, bool] = {}
    for entry in diff["oncall"]:
        if "more" in entry:
            assert set(entry) == {"service", "more"} and entry["more"] >= 0
            services[entry["service"]] = True
        else:
            assert set(entry) == {"service", "level", "from", "to", "before", "after"}
            assert not services.get(entry["service"]), "a service's `more` entry is its last"
            services.setdefault(entry["service"], False)
    assert all(services.values()), "every service with windows ends with its `more` entry"


def test_the_specs_example_parses_and_has_the_documented_shape():
    check_shape(json.loads(SPEC_EXAMPLE.read_text(encoding="utf-8")))


def test_the_output_has_the_documented_keys_and_entry_shapes(example):
    example.replace("policy/roles/checkout.yaml", DEPLOY_BEFORE,
                    DEPLOY_AFTER.replace("[ssm:SendCommand]", "[ssm:SendCommand, ec2:*]"))
    example.replace("ownership/people/americas.yaml", "email: ivan@example.com", "email: mallory@evil.example")
    example.replace("ownership/rotations/payments.yaml",
                    "  - {person: carol, from: 2026-12-21T07:00, to: 2026-12-21T09:00}\n",
                    "  - {person: carol, from: 2026-12-21T07:00, to: 2026-12-21T09:00}\n"
                    "  - {person: zoe, from: 2026-12-02T10:00, to: 2026-12-02T14:00}\n")
    example.replace("ownership/teams/engineering.yaml", "members: [alice, bob, carol, dave, frank]",
                    "members: [alice, bob, carol, dave, frank, ivan]")
    example.commit("many things")
    out = diff_json(example)
    check_shape(out)
    assert any("count" in g for r in out["roles"] for g in r["gained"])
    assert any("more" in o for o in out["oncall"])
    assert out["access"]["added"] and out["access"]["changed"] and out["changes"]
    raw = diff(example).out
    assert raw.isascii()  # JSON is written ASCII-only


# --- findings by fingerprint (unit) ---------------------------------------------------------------

def _finding(severity: str, message: str, rule: str = "ROT001", line: int = 3):
    from validator.findings import Finding

    return Finding(rule, severity, "ownership/x.yaml", line, "service:legacy-billing", message,
                   subject="rotation:legacy-billing-oncall/layer:workdays")


def test_findings_are_matched_by_fingerprint_not_line_or_message():
    from validator.diff import adds_error, findings_changes

    moved = findings_changes([_finding("error", "one person", line=3)], [_finding("error", "one person", line=9)])
    assert moved == {"new": [], "fixed": [], "changed": []}
    reworded = findings_changes([_finding("error", "1 person")], [_finding("error", "2 people")])
    [changed] = reworded["changed"]
    assert changed["message"] == "2 people" and changed["before"] == {"severity": "error", "message": "1 person"}
    assert reworded["new"] == [] and reworded["fixed"] == [] and not adds_error({"findings": reworded})


def test_a_waiver_that_expires_adds_an_error_and_a_new_waiver_is_newly_waived():
    from validator.diff import adds_error, findings_changes
    from validator.report.markdown import render_diff

    expired = findings_changes([_finding("waived", "x")], [_finding("error", "x")])
    assert [f["severity"] for f in expired["changed"]] == ["error"] and adds_error({"findings": expired})
    waived = findings_changes([_finding("error", "x")], [_finding("waived", "x")])
    diff = {"access": {"added": [], "removed": [], "changed": []}, "roles": [], "ownership": [], "changes": [],
            "oncall": [], "findings": waived}
    lines = headline_lines(render_diff(diff, "main", "working tree"))
    assert lines["Newly waived"] == "1 finding newly waived: ROT001 service:legacy-billing"
    assert not adds_error({"findings": waived})


def test_every_action_is_one_admin_entry():
    from validator.diff_access import summarise
    from validator.iam.catalog import catalog

    keys = [(name, "*", ()) for name in catalog().canonical.values()]
    [entry] = summarise(keys, {key: ("write",) for key in keys})
    assert entry["action"] == "*" and entry["count"] == len(keys) and entry["resource"] == "*"


def test_a_role_reached_by_assumption_shows_in_the_holders_access_with_the_path(example):
    """platform-ops-bridge may assume checkout-readonly: platform people who reach it that way see its
    new actions too, with the path through the bridge."""
    example.replace("policy/roles/checkout.yaml",
                    '      resources: ["arn:aws:ecs:eu-west-1:111122223333:container-instance/prod/*"]\n',
                    '      resources: ["arn:aws:ecs:eu-west-1:111122223333:container-instance/prod/*"]\n'
                    '    - {effect: Allow, actions: [ecs:StopTask], '
                    'resources: ["arn:aws:ecs:eu-west-1:111122223333:task/prod/*"]}\n')
    example.commit("read-only may stop tasks")
    out = diff_json(example)
    [role] = out["roles"]
    assert role["role"] == "checkout-readonly"
    rows = [c for c in out["access"]["changed"] if c["role"] == "checkout-readonly"]
    assert sorted(c["person"] for c in rows) == role["holders"]
    assert all([g["action"] for g in c["gained"]] == ["ecs:StopTask"] for c in rows)
    assumed = [c for c in rows if "role:platform-ops-bridge" in c["via"]]
    assert assumed and assumed[0]["via"] == ["team:platform", "grant:platform-ops-bridge", "role:platform-ops-bridge"]
    assert [c for c in rows if c["via"] == ["team:payments", "grant:payments-readonly"]]


def test_a_rotation_the_engine_cannot_evaluate_is_never_shown_as_paging_nobody(example):
    example.replace("policy/settings.yaml", "horizon: 28d", "horizon: 100d")
    example.replace("ownership/rotations/payments.yaml", "    start: 2026-01-05T09:00\n    turn: 1w\n",
                    "    start: 2026-01-05T09:00\n    turn: 1m\n")  # every minute: too many hand-offs
    example.commit("a rotation with 144,000 hand-offs")
    result = diff(example)
    out = result.json()
    assert result.code == 1 and any(f["rule"] == "ROT002" for f in out["findings"]["new"])
    assert not [o for o in out["oncall"] if o["service"] in ("checkout-api", "ledger")]
    assert change(out, "rotation:payments-primary", "layers.0.turn")["after"] == "1m"
