"""render iam: policy documents clean under parliament, and IAM Identity Center Terraform JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, minimal_people, run_cli
from validator.engine import validate_repo
from validator.render.iam import permission_set_name, render_iam_terraform

FIXTURE_ORG = FIXTURES / "render" / "org"
NOW = "2026-11-23T12:00:00Z"
# parliament findings a policy may have: a statement on resource "*" (the example's read-only EKS role and
# its break-glass role do this on purpose; ACC rules judge them). Anything else fails, LOW included.
ACCEPTED_PARLIAMENT = {"RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"}


def render(tmp_path: Path, repo: Path, fmt: str, now: str = NOW):
    out = tmp_path / f"iam-{fmt}"
    return run_cli("render", "iam", "--out", str(out), "--format", fmt, repo=repo, now=now), out


def test_example_policy_documents_are_clean_under_parliament(tmp_path: Path) -> None:
    from parliament import analyze_policy_string, enhance_finding

    result, out = render(tmp_path, ROOT, "json")
    assert result.code == 0, result.err
    documents = sorted(p for p in (out / "roles").glob("*.json") if not p.name.endswith(".managed.json"))
    roles = validate_repo(ROOT, datetime(2026, 11, 23, tzinfo=UTC)).org.roles
    assert {p.stem for p in documents} == {rid for rid, role in roles.items() if role.statements}
    for path in documents:
        findings = [enhance_finding(f) or f for f in analyze_policy_string(path.read_text()).findings]
        bad = [(f.issue, f.severity, f.detail) for f in findings if f.issue not in ACCEPTED_PARLIAMENT]
        assert not bad, f"{path.name}: {bad}"


def test_parliament_bar_catches_a_typo(tmp_path: Path) -> None:
    from parliament import analyze_policy_string

    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObjcet"],
                                                      "Resource": ["arn:aws:s3:::b/*"]}]}
    assert {f.issue for f in analyze_policy_string(json.dumps(policy)).findings} - ACCEPTED_PARLIAMENT


def test_policy_document_keeps_not_action_not_resource_condition(tmp_path: Path) -> None:
    result, out = render(tmp_path, FIXTURE_ORG, "json")
    assert result.code == 0, result.err
    sandbox = json.loads((out / "roles/dev-sandbox.json").read_text())
    assert sandbox["Version"] == "2012-10-17"
    assert sandbox["Statement"][1] == {"Effect": "Deny", "NotAction": ["s3:GetObject"],
                                       "NotResource": ["arn:aws:s3:::dev-sandbox/*"]}
    deploy = json.loads((out / "roles/api-deploy.json").read_text())["Statement"][0]
    assert deploy["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    assert deploy["Sid"] == "Deployapi"          # IAM Sids are letters and digits only


def _org(now: datetime):
    return validate_repo(FIXTURE_ORG, now).org


def _assignments(org, now: datetime) -> dict:
    doc = json.loads(render_iam_terraform(org, now)["account_assignments.tf.json"])
    return doc["resource"]["aws_ssoadmin_account_assignment"]


def test_assignments_are_per_role_and_principal_and_only_for_unexpired_grants() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    org = _org(now)
    assignments = _assignments(org, now)
    assert sorted(assignments) == ["api-deploy__team_core", "api-read__person_dee", "dev-sandbox__person_ana",
                                   "dev-sandbox__team_web"]
    assert assignments["api-deploy__team_core"]["//"] == "grants: core-deploy, core-oncall-deploy"
    assert assignments["api-read__person_dee"]["principal_type"] == "USER"
    assert assignments["api-deploy__team_core"]["principal_type"] == "GROUP"
    assert assignments["api-deploy__team_core"]["target_id"] == "111111111111"
    # dee-read expires 2027-01-15: it lasts to the end of that day (UTC), then it is no longer rendered
    assert "api-read__person_dee" in _assignments(org, datetime(2027, 1, 15, 23, 59, tzinfo=UTC))
    later = datetime(2027, 1, 16, 0, 0, tzinfo=UTC)
    assert "api-read__person_dee" not in _assignments(org, later)
    assert "aws_identitystore_user" in json.loads(render_iam_terraform(org, later)["principals.tf.json"])["data"]


def test_permission_set_names_fit_32_characters_and_stay_distinct() -> None:
    long_a, long_b = "a" * 40 + "-one", "a" * 40 + "-two"
    names = {permission_set_name(long_a), permission_set_name(long_b)}
    assert len(names) == 2 and all(len(n) <= 32 for n in names)
    assert permission_set_name("checkout-deploy") == "checkout-deploy"


def test_policy_variables_are_escaped_for_terraform() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    files = render_iam_terraform(_org(now), now)
    inline = json.loads(files["permission_sets.tf.json"])["resource"]["aws_ssoadmin_permission_set_inline_policy"]
    policy = inline["dev-sandbox"]["inline_policy"]
    assert "$${aws:username}" in policy
    assert json.loads(policy.replace("$${", "${"))["Statement"][0]["Resource"] == [
        "arn:aws:s3:::dev-sandbox/${aws:username}/*"]


ROLE_15M = """
kind: Role
id: quick
environment: staging
account: "123456789012"
session: 15m
statements:
  - {effect: Allow, actions: [ecs:DescribeServices], resources: ["*"]}
"""


def test_session_outside_identity_center_limits_is_refused(repo, tmp_path: Path) -> None:
    root = repo({"ownership/people.yaml": minimal_people("ana"), "policy/roles.yaml": ROLE_15M})
    result, out = render(tmp_path, root, "terraform")
    assert result.code == 1 and "role:quick" in result.err and "1h to 12h" in result.err
    assert not out.exists()
    assert render(tmp_path, root, "json")[0].code == 0         # the plain policy document is fine


def _terraform_validate(directory: Path, tmp_path: Path) -> dict:
    config = tmp_path / "terraformrc"
    config.write_text('provider_installation {\n  filesystem_mirror { path = "/opt/tf-plugins" }\n'
                      '  direct { exclude = ["*/*"] }\n}\n')
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    terraform = shutil.which("terraform")
    assert terraform
    init = subprocess.run([terraform, "init", "-backend=false", "-input=false", "-no-color"], cwd=directory,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    done = subprocess.run([terraform, "validate", "-json", "-no-color"], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    return json.loads(done.stdout)


@pytest.mark.skipif(not shutil.which("terraform") or not Path("/opt/tf-plugins/registry.terraform.io/hashicorp/aws")
                    .is_dir(), reason="terraform with a local hashicorp/aws provider mirror is not available")
def test_example_iam_terraform_passes_terraform_validate(tmp_path: Path) -> None:
    result, out = render(tmp_path, ROOT, "terraform")
    assert result.code == 0, result.err
    report = _terraform_validate(out, tmp_path)
    assert report["valid"], report["diagnostics"]
    assert report["warning_count"] == 0, report["diagnostics"]


def test_managed_policies_render_as_identity_center_attachments(repo, tmp_path: Path) -> None:
    roles = ("- {kind: Role, id: support-console, environment: staging, account: \"123456789012\",\n"
             "   managed_policies: [job-function/ViewOnlyAccess, ReadOnlyAccess]}\n"
             "- {kind: Role, id: mixed, environment: staging, account: \"123456789012\",\n"
             "   managed_policies: [SecurityAudit],\n"
             "   statements: [{effect: Allow, actions: [ecs:DescribeServices], resources: [\"*\"]}]}\n")
    grants = "- {kind: Grant, id: g, role: support-console, to: [person:alice], reason: r, approved_by: [bob],\n" \
             "   expires: 2026-12-01}\n"
    root = repo({"ownership/people.yaml": minimal_people("alice", "bob"), "policy/roles.yaml": roles,
                 "policy/grants.yaml": grants})
    result, out = render(tmp_path, root, "terraform")
    assert result.code == 0, result.err
    resources = json.loads((out / "permission_sets.tf.json").read_text())["resource"]
    attached = resources["aws_ssoadmin_managed_policy_attachment"]
    assert {k: v["managed_policy_arn"] for k, v in attached.items()} == {
        "support-console__job-function_ViewOnlyAccess": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "support-console__ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "mixed__SecurityAudit": "arn:aws:iam::aws:policy/SecurityAudit"}
    assert attached["mixed__SecurityAudit"]["permission_set_arn"] == "${aws_ssoadmin_permission_set.mixed.arn}"
    # a role with no statements of its own gets no (empty, invalid) inline policy
    assert set(resources["aws_ssoadmin_permission_set_inline_policy"]) == {"mixed"}
    result, out = render(tmp_path, root, "json")
    assert sorted(p.name for p in (out / "roles").iterdir()) == [
        "mixed.json", "mixed.managed.json", "support-console.managed.json"]
    assert json.loads((out / "roles" / "support-console.managed.json").read_text()) == {"ManagedPolicyArns": [
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]}
