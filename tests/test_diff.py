"""`dutyguard diff`: real git repositories, real commits; the JSON says what changed in meaning."""

from __future__ import annotations

import pytest

from tests.test_diff_gitrepo import base_repo

HOSTILE = "@org/security <img src=x onerror=alert(1)> [click](http://evil)"

ADMIN_GRANT = f"""
- kind: Grant
  id: frank-admin
  role: checkout-admin
  to: [person:frank]
  reason: "{HOSTILE}"
  approved_by: [erin]
  expires: 2026-12-20
  ticket: SEC-42
"""


@pytest.fixture
def gitrepo(tmp_path):
    return base_repo(tmp_path)


def diff_json(repo, *refs: str) -> dict:
    result = repo.cli("diff", *refs, "--format", "json")
    assert result.code in (0, 1), result.err
    return result.json()


def test_nothing_changed_is_an_empty_diff(gitrepo):
    assert diff_json(gitrepo, "base") == {"access": {"added": [], "removed": [], "changed": []}, "roles": [],
                                          "ownership": [], "changes": [], "oncall": [],
                                          "findings": {"new": [], "fixed": [], "changed": []}}


def test_reformatting_and_reordering_change_nothing(gitrepo):
    people = (gitrepo.root / "ownership/people.yaml").read_text(encoding="utf-8").splitlines()
    (gitrepo.root / "ownership/people.yaml").write_text("# reordered\n" + "\n".join(reversed(people)) + "\n",
                                                         encoding="utf-8")
    gitrepo.write({"ownership/services.yaml": """
        # the ledger, now in block style
        - kind: Service
          tier: 4
          owner: payments
          id: ledger
        """})
    gitrepo.commit("cosmetics")
    diff = diff_json(gitrepo, "base", "HEAD")
    assert diff["access"] == {"added": [], "removed": [], "changed": []} and diff["ownership"] == []
    assert diff["changes"] == [] and diff["roles"] == []


def test_adding_a_member_gives_them_the_teams_production_access(gitrepo):
    gitrepo.replace("ownership/teams.yaml", "members: [alice, bob, carol]", "members: [alice, bob, carol, dave]")
    head = gitrepo.commit("dave joins payments")
    diff = diff_json(gitrepo, "base", head)
    [added] = diff["access"]["added"]
    assert added["person"] == "dave" and added["role"] == "checkout-deploy"
    assert added["via"] == ["team:payments", "grant:payments-deploy"]
    assert added["risk"] == ["production", "write"]
    assert added["environment"] == "production"
    assert added["reason"] == "Deploy the ledger" and added["approved_by"] == ["erin"] and added["ticket"] is None
    assert diff["access"]["removed"] == []
    assert diff["ownership"] == [{"entity": "team:payments", "field": "members",
                                  "before": ["alice", "bob", "carol"], "after": ["alice", "bob", "carol", "dave"]}]


def test_removing_a_member_removes_their_access(gitrepo):
    gitrepo.replace("ownership/teams.yaml", "members: [alice, bob, carol], leads", "members: [alice, bob], leads")
    diff = diff_json(gitrepo, "base")  # HEAD = the uncommitted working tree
    assert [(r["person"], r["role"]) for r in diff["access"]["removed"]] == [("carol", "checkout-deploy")]
    assert diff["access"]["added"] == []


def test_moving_a_service_is_an_owner_change(gitrepo):
    gitrepo.replace("ownership/services.yaml", "owner: payments, tier: 4", "owner: finance, tier: 3")
    head = gitrepo.commit("finance takes the ledger")
    diff = diff_json(gitrepo, "base", head)
    assert {"entity": "service:ledger", "field": "owner", "before": "payments", "after": "finance"} \
        in diff["ownership"]
    assert {"entity": "service:ledger", "field": "tier", "before": 4, "after": 3} in diff["ownership"]


def test_adding_a_grant_shows_who_gains_what_why_and_the_risk(gitrepo):
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    head = gitrepo.commit("admin for frank")
    diff = diff_json(gitrepo, "base", head)
    [added] = diff["access"]["added"]
    assert added["person"] == "frank" and added["role"] == "checkout-admin"
    assert added["via"] == ["grant:frank-admin"]
    assert added["risk"] == ["production", "permissions-management", "expiry"]
    assert added["expires"] == "2026-12-20"
    assert added["reason"] == HOSTILE  # JSON is data: kept verbatim
    assert added["ticket"] == "SEC-42" and added["approved_by"] == ["erin"]


def test_the_spec_shape_of_access_entries(gitrepo):
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    diff = diff_json(gitrepo, "base")
    assert set(diff) == {"access", "roles", "ownership", "changes", "oncall", "findings"}
    assert {"added", "removed"} <= set(diff["access"])
    entry = diff["access"]["added"][0]
    assert {"person", "role", "via", "risk"} <= set(entry)
    assert isinstance(entry["via"], list) and isinstance(entry["risk"], list)


def test_rotation_and_escalation_changes_are_on_call_changes(gitrepo):
    gitrepo.write({"ownership/oncall.yaml": """
        - kind: Rotation
          id: payments-primary
          timezone: Europe/Berlin
          layers:
            - {name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}
        - kind: Escalation
          id: payments
          levels:
            - {targets: [rotation:payments-primary], after: 15m}
            - {targets: [person:alice]}
        """})
    first = gitrepo.commit("on call")
    gitrepo.replace("ownership/oncall.yaml", "members: [alice, bob, carol]", "members: [bob, carol, dave]")
    gitrepo.replace("ownership/oncall.yaml", "[person:alice]", "[person:carol]")
    second = gitrepo.commit("rotation changes")
    diff = diff_json(gitrepo, first, second)
    assert {"entity": "rotation:payments-primary", "field": "members", "before": ["alice", "bob", "carol"],
            "after": ["bob", "carol", "dave"]} in diff["ownership"]
    assert {"entity": "escalation:payments", "field": "levels",
            "before": [["rotation:payments-primary"], ["person:alice"]],
            "after": [["rotation:payments-primary"], ["person:carol"]]} in diff["ownership"]
    created = diff_json(gitrepo, "base", first)["ownership"]
    assert {"entity": "rotation:payments-primary", "field": "exists", "before": False, "after": True} in created


def test_a_person_leaving_loses_access_and_is_an_ownership_change(gitrepo):
    gitrepo.replace("ownership/people.yaml", "email: carol@example.com, timezone: Europe/Berlin}",
                    "email: carol@example.com, timezone: Europe/Berlin, active: false}")
    diff = diff_json(gitrepo, "base")
    assert ("carol", "checkout-deploy") in [(r["person"], r["role"]) for r in diff["access"]["removed"]]
    assert {"entity": "person:carol", "field": "active", "before": True, "after": False} in diff["ownership"]


def test_findings_new_and_fixed(gitrepo):
    gitrepo.replace("ownership/services.yaml", "owner: payments", "owner: paymnets")
    broken = gitrepo.commit("typo")
    result = gitrepo.cli("diff", "base", broken, "--format", "json")
    assert result.code == 1  # the change introduces an error
    new = result.json()["findings"]["new"]
    errors = [f for f in new if f["severity"] == "error"]
    assert [(f["rule"], f["entity"]) for f in errors] == [("SCH005", "service:ledger")]
    assert set(errors[0]) == {"rule", "severity", "path", "line", "entity", "subject", "fingerprint", "message"}
    assert errors[0]["path"] == "ownership/services.yaml" and errors[0]["line"] == 1
    back = diff_json(gitrepo, broken, "base")
    assert "SCH005" in [f["rule"] for f in back["findings"]["fixed"]] and back["findings"]["new"] == []


def test_a_role_that_grows_changes_the_risk_of_everyone_who_holds_it(gitrepo):
    ecs = 'resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/ledger"]'
    gitrepo.replace("policy/roles.yaml", ecs, ecs + "\n    - {effect: Allow, actions: [iam:UpdateRoleDescription], "
                    'resources: ["arn:aws:iam::123456789012:role/ledger-app"]}')
    diff = diff_json(gitrepo, "base")
    changed = diff["access"]["changed"]
    assert {c["person"] for c in changed} == {"alice", "bob", "carol"}
    assert all("permissions-management" in c["risk"] and "permissions-management" not in c["before"]["risk"]
               for c in changed)


def test_diff_markdown_headline_and_tables(gitrepo):
    gitrepo.replace("ownership/teams.yaml", "members: [alice, bob, carol]", "members: [alice, bob, carol, dave]")
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    gitrepo.replace("ownership/services.yaml", "owner: payments", "owner: finance")
    gitrepo.commit("three changes")
    result = gitrepo.cli("diff", "base", "HEAD")
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("<!-- dutyguard-diff -->")
    assert "2 people gain production access, 1 of them permissions-management" in text
    assert "| dave | checkout-deploy | production | production, write |" in text
    assert "| service:ledger | owner | payments | finance |" in text
    assert "<details>" in text and "</details>" in text


def test_hostile_grant_reason_cannot_mention_link_or_inject_html(gitrepo):
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    text = gitrepo.cli("diff", "base").out
    row = next(line for line in text.splitlines() if line.startswith("| frank |"))
    assert "@org" not in row  # no @mention
    assert "<img" not in row and "onerror=alert(1)>" not in row  # no HTML
    assert "&lt;img" in row
    assert "[click](" not in row and "](http" not in row  # no Markdown link
    assert "http://evil" not in row  # no autolink
    assert row.count(" | ") == 8  # the reason did not break the table (9 cells)
    assert "SEC-42" in row


def test_access_is_temporary_only_when_every_path_expires(gitrepo):
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    gitrepo.append("policy/grants.yaml", """
        - kind: Grant
          id: finance-admin
          role: checkout-admin
          to: [team:finance]
          reason: Finance administers the ledger role
          approved_by: [erin]
        """)
    added = {a["person"]: a for a in diff_json(gitrepo, "base")["access"]["added"]}
    assert set(added) == {"frank", "grace"}
    assert "expiry" not in added["frank"]["risk"] and added["frank"]["expires"] is None  # the team path stays
    assert added["frank"]["via"] == ["grant:frank-admin"]  # the shortest path is shown


def test_between_two_refs_the_working_tree_may_lack_the_folders(gitrepo):
    first = gitrepo.repo.head.commit.hexsha
    gitrepo.replace("ownership/services.yaml", "owner: payments", "owner: finance")
    second = gitrepo.commit("move")
    gitrepo.repo.git.rm("-r", "-q", "ownership", "policy")
    gitrepo.commit("moved elsewhere")
    assert not (gitrepo.root / "ownership").exists()
    diff = diff_json(gitrepo, first, second)
    assert diff["ownership"] == [{"entity": "service:ledger", "field": "owner", "before": "payments",
                                  "after": "finance"}]
    assert gitrepo.cli("diff", first).code == 2  # the working tree has no organisation to compare


def _full_table_changes(before, after, now, changed_roles):
    """The access diff from both organisations' full tables (every row of everyone built): what the
    incremental `access_and_roles` (only the people a change can affect) must equal."""
    from validator.diff import _with_grant, access_table

    old, new = access_table(before, now), access_table(after, now)
    changed = [(key, {**_with_grant(new[key], after),
                      "before": {"risk": old[key]["risk"], "via": old[key]["via"], "expires": old[key]["expires"]}})
               for key in sorted(old.keys() & new.keys())
               if key[1] in changed_roles
               or (old[key]["risk"], old[key]["expires"]) != (new[key]["risk"], new[key]["expires"])]
    return {"added": [_with_grant(new[key], after) for key in sorted(new.keys() - old.keys())],
            "removed": [old[key] for key in sorted(old.keys() - new.keys())], "changed": changed}


def test_access_changes_equal_those_of_the_full_tables(gitrepo):
    """Added, removed and changed access at once (a role that grows, an expiry that moves, a grant
    that goes, a grant that comes, a member who leaves a team): the same as comparing full tables."""
    from datetime import UTC, datetime

    from validator.diff import access_and_roles
    from validator.diff_changes import structural_changes
    from validator.engine import validate_repo

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    before = validate_repo(gitrepo.root, now)
    gitrepo.replace("policy/roles.yaml", "actions: [ecs:UpdateService]", "actions: [ecs:UpdateService, iam:PassRole]")
    gitrepo.replace("policy/grants.yaml", "to: [team:payments]", "to: [team:payments, person:grace]")
    gitrepo.replace("ownership/teams.yaml", "members: [alice, bob, carol]", "members: [alice, carol]")
    gitrepo.append("policy/grants.yaml", ADMIN_GRANT)
    gitrepo.append("policy/grants.yaml", """
        - {kind: Grant, id: dave-deploy, role: checkout-deploy, to: [person:dave], reason: x,
           approved_by: [erin], expires: 2026-12-01}
        - {kind: Grant, id: dave-deploy-longer, role: checkout-deploy, to: [person:dave], reason: x,
           approved_by: [erin], expires: "2026-12-05T10:00:00+00:00"}
        """)
    after = validate_repo(gitrepo.root, now)
    _, touched = structural_changes(before.org, after.org)
    access, roles = access_and_roles(before, after, now, touched)
    full = _full_table_changes(before.org, after.org, now, {"checkout-deploy"})
    assert access["added"] == full["added"] and access["removed"] == full["removed"]
    assert [{k: v for k, v in row.items() if k not in ("fields", "gained", "lost")} for row in access["changed"]] \
        == [row for _, row in full["changed"]]
    assert access["added"] and access["removed"] and access["changed"]
    assert [r["role"] for r in roles] == ["checkout-deploy"]
    assert roles[0]["holders"] == ["alice", "carol", "dave", "grace"]
    assert roles[0]["gained"] == [{"action": "iam:PassRole",
                                   "resource": "arn:aws:ecs:eu-west-1:123456789012:service/prod/ledger",
                                   "risk": ["permissions-management", "resource-exposure"]}]


def test_a_field_that_becomes_invalid_is_a_change_although_its_stand_in_is_the_same() -> None:
    from validator.diff_changes import INVALID, structural_changes
    from validator.load import SourceFile, load_sources
    from validator.model import build_org

    role = ("- {kind: Role, id: deploy, environment: staging, account: \"123456789012\", session: %s,\n"
            "   statements: [{effect: Allow, actions: [\"s3:GetObject\"], resources: [\"*\"]}]}\n")

    def org(session: str):
        built, _ = build_org(load_sources([SourceFile("policy/roles.yaml", (role % session).encode())]))
        return built

    valid, invalid = org("1h"), org("1hx")
    assert valid.roles["deploy"] == invalid.roles["deploy"]  # the failed field reads as its default
    changes, touched = structural_changes(valid, invalid)
    assert {"entity": "role:deploy", "field": "session", "before": "1h", "after": INVALID} in changes
    assert "deploy" in touched["roles"]
    back, _ = structural_changes(invalid, valid)
    assert {"entity": "role:deploy", "field": "session", "before": INVALID, "after": "1h"} in back
