"""Roles as AWS IAM policy documents, or Terraform JSON for AWS IAM Identity Center.

Identity Center: one permission set per role (its session length, its policy inline), and one
account assignment per role and principal of every grant that has not expired (teams are groups,
people are users, both looked up in the identity store).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from validator.iam.document import POLICY_VERSION, policy_document, statement_json  # noqa: F401 (re-exported)
from validator.iam.managed import policy_arn
from validator.model import Org
from validator.model.kinds import Role
from validator.model.types import split_ref
from validator.render.base import RenderError, dumps, tf_literal, tf_name, tf_ref

MAX_PERMISSION_SET_NAME = 32
MIN_SESSION, MAX_SESSION = 3600, 12 * 3600      # Identity Center: PT1H .. PT12H
MAX_INLINE_POLICY = 32768                        # Identity Center: characters of a permission set's inline policy
_LABEL_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_DESCRIPTION_CHARS = re.compile(r"[^\t\n\r\u0020-\u007e\u00a1-\u00ff]")


# --- policy documents ----------------------------------------------------------------------------
def render_iam_json(org: Org, now: datetime) -> dict[str, bytes]:
    """`roles/<id>.json`: one identity-based policy document per role with statements of its own, and
    `roles/<id>.managed.json`: the ARNs of the AWS managed policies it attaches, if any."""
    del now
    out = {}
    for rid in sorted(org.roles):
        role = org.roles[rid]
        if role.statements:
            out[f"roles/{rid}.json"] = dumps(policy_document(role))
        if role.managed_policies:
            out[f"roles/{rid}.managed.json"] = dumps({"ManagedPolicyArns": [policy_arn(n) for n in
                                                                             role.managed_policies]})
    return out


# --- Terraform: AWS IAM Identity Center --------------------------------------------------------
PROVIDER = {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.0.0"}}}}
INSTANCE_ARN = "${tolist(data.aws_ssoadmin_instances.this.arns)[0]}"
IDENTITY_STORE = "${tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]}"


def permission_set_name(role_id: str) -> str:
    """The role id, or (over 32 characters) its first 23 characters, '-' and 8 hex digits of its hash."""
    if len(role_id) <= MAX_PERMISSION_SET_NAME:
        return role_id
    digest = hashlib.sha256(role_id.encode()).hexdigest()[:8]
    return f"{role_id[:MAX_PERMISSION_SET_NAME - 9]}-{digest}"


def session_duration(role: Role) -> str:
    """ISO 8601 duration (PT1H, PT1H30M); Identity Center takes 1 to 12 hours."""
    seconds = role.session.seconds
    if not MIN_SESSION <= seconds <= MAX_SESSION:
        raise RenderError(f"role:{role.id} has a session of {role.session}: an IAM Identity Center permission "
                          "set takes 1h to 12h; change the role's session to render it")
    hours, minutes = divmod(seconds // 60, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


def _description(role: Role) -> str:
    text = role.description or role.name or f"dutyguard role {role.id}"
    text = _DESCRIPTION_CHARS.sub("?", text)
    return text[:700]


def compact_policy(role: Role) -> str:
    """The policy as the string `jsonencode` would give (compact, keys sorted), escaped for Terraform."""
    text = json.dumps(policy_document(role), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_INLINE_POLICY:
        raise RenderError(f"role:{role.id} has a policy of {len(text)} characters: a permission set's inline "
                          f"policy takes at most {MAX_INLINE_POLICY}; split the role or use wildcards")
    return tf_literal(text)


def live_assignments(org: Org, now: datetime) -> dict[tuple[str, str], list[str]]:
    """(role id, principal ref) -> ids of the unexpired grants that give it, sorted."""
    out: dict[tuple[str, str], list[str]] = {}
    for gid in sorted(org.grants):
        grant = org.grants[gid]
        if grant.role not in org.roles or not grant.is_live(now):
            continue
        for principal in grant.to:
            out.setdefault((grant.role, principal), []).append(gid)
    return out


def render_iam_terraform(org: Org, now: datetime) -> dict[str, bytes]:
    permission_sets: dict[str, Any] = {}
    inline: dict[str, Any] = {}
    attachments: dict[str, Any] = {}
    for rid in sorted(org.roles):
        role = org.roles[rid]
        label = tf_name(rid)
        permission_sets[label] = {
            "name": permission_set_name(rid),
            "description": tf_literal(_description(role)),
            "instance_arn": INSTANCE_ARN,
            "session_duration": session_duration(role),
            "tags": {"ManagedBy": "dutyguard", "Environment": role.environment, "Account": role.account,
                     "BreakGlass": "true" if role.break_glass else "false"},
        }
        if role.statements:
            inline[label] = {
                "instance_arn": INSTANCE_ARN,
                "permission_set_arn": tf_ref("aws_ssoadmin_permission_set", label, "arn"),
                "inline_policy": compact_policy(role),
            }
        for name in role.managed_policies:
            arn = policy_arn(name)
            policy_label = _LABEL_CHARS.sub("_", arn.partition(":policy/")[2])
            attachments[tf_name(f"{rid}__{policy_label}")] = {
                "instance_arn": INSTANCE_ARN,
                "permission_set_arn": tf_ref("aws_ssoadmin_permission_set", label, "arn"),
                "managed_policy_arn": arn,
            }
    groups: dict[str, Any] = {}
    users: dict[str, Any] = {}
    assignments: dict[str, Any] = {}
    for (rid, principal), grant_ids in sorted(live_assignments(org, now).items()):
        kind, ident = split_ref(principal)
        if kind == "team":
            groups[tf_name(ident)] = _lookup("DisplayName", ident)
            principal_type, principal_id = "GROUP", tf_ref("data", "aws_identitystore_group", tf_name(ident),
                                                           "group_id")
        else:
            person = org.people.get(ident)
            if person is None:
                continue
            users[tf_name(ident)] = _lookup("UserName", person.email)
            principal_type, principal_id = "USER", tf_ref("data", "aws_identitystore_user", tf_name(ident),
                                                          "user_id")
        assignments[tf_name(f"{rid}__{kind}_{ident}")] = {
            "//": "grants: " + ", ".join(grant_ids),
            "instance_arn": INSTANCE_ARN,
            "permission_set_arn": tf_ref("aws_ssoadmin_permission_set", tf_name(rid), "arn"),
            "principal_type": principal_type,
            "principal_id": principal_id,
            "target_id": org.roles[rid].account,
            "target_type": "AWS_ACCOUNT",
        }
    principals: dict[str, Any] = {}
    if groups:
        principals["aws_identitystore_group"] = groups
    if users:
        principals["aws_identitystore_user"] = users
    files: dict[str, Any] = {
        "versions.tf.json": PROVIDER,
        "instance.tf.json": {"data": {"aws_ssoadmin_instances": {"this": {}}}},
        "permission_sets.tf.json": {"resource": _nonempty({
            "aws_ssoadmin_permission_set": permission_sets,
            "aws_ssoadmin_permission_set_inline_policy": inline,
            "aws_ssoadmin_managed_policy_attachment": attachments})}
        if permission_sets else {},
        "principals.tf.json": {"data": principals} if principals else {},
        "account_assignments.tf.json": {"resource": {"aws_ssoadmin_account_assignment": assignments}}
        if assignments else {},
    }
    return {rel: dumps(body) for rel, body in files.items() if body}


def _nonempty(blocks: dict[str, Any]) -> dict[str, Any]:
    return {kind: body for kind, body in blocks.items() if body}


def _lookup(attribute: str, value: str) -> dict[str, Any]:
    return {"identity_store_id": IDENTITY_STORE, "alternate_identifier": {"unique_attribute": {
        "attribute_path": attribute, "attribute_value": tf_literal(value)}}}
