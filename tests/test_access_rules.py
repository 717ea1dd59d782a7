"""ACC rules beyond the fixture folders: messages, several findings, the example organisation."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, ROOT, findings_of, run_cli


def test_acc011_wildcard_resource_reports_each_admin_role_it_reaches():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC011/fail-2")
    messages = sorted(f["message"] for f in findings_of(result, "ACC011"))
    assert len(messages) == 2
    assert messages[0].startswith("person:eve → team:platform → grant:ops → role:ops-bridge → (sts:AssumeRole) → "
                                  "role:admin-root: role admin-root allows")
    assert messages[1].startswith("person:eve → team:platform → grant:ops → role:ops-bridge → (sts:AssumeRole) → "
                                  "role:checkout-all: role checkout-all allows wildcard actions")
    # checkout-read is matched too, but is read-only: no finding
    assert not any("checkout-read:" in m for m in messages)


def test_acc011_not_reported_when_the_target_is_granted_directly():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC011/pass")
    assert findings_of(result, "ACC011") == []


def test_acc009_real_typo_and_made_up_prefix_name_the_closest_action():
    typo = findings_of(run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC009/fail"), "ACC009")
    assert typo[0]["message"] == ("role logs-read statement 1: action 's3:GetObjcet' does not exist in AWS IAM "
                                  "(did you mean s3:GetObject?)")
    prefix = findings_of(run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC009/fail-2"), "ACC009")
    assert [f["message"] for f in prefix] == [
        "role logs-read statement 1: 's4:GetObject': there is no AWS service with the prefix 's4' "
        "(did you mean s3:GetObject?)"]


def test_break_glass_role_is_exempt_from_acc001_to_acc003():
    result = run_cli("validate", "--format", "json", repo=FIXTURES / "rules/ACC008/pass")
    assert [f for f in findings_of(result) if f["rule"] in ("ACC001", "ACC002", "ACC003")] == []


@pytest.mark.parametrize("now", ["2026-11-23T12:00:00Z", "2027-05-20T00:00:00Z", "2027-11-22T23:00:00Z"])
def test_example_organisation_has_no_access_finding_all_year(now):
    result = run_cli("validate", "--format", "json", repo=ROOT, now=now)
    access = [f for f in findings_of(result) if f["rule"].startswith("ACC") and f["severity"] != "waived"]
    assert access == []


def test_every_acc_rule_is_explained():
    for rule_id in (f"ACC{n:03d}" for n in range(1, 12)):
        result = run_cli("explain", rule_id)
        assert result.code == 0
        assert "Fails:" in result.out and "Passes:" in result.out
