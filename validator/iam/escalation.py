"""Privilege-escalation actions: what lets a principal give itself more than it was granted.

Sources (kept in step with them by hand, because they are lists of *methods*, not a catalog):
Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and Mitigation" (21 methods);
the same methods as parliament's community auditor `privilege_escalation.py`; Cloudsplaining's
"Privilege Escalation" category; and pathfinding.cloud's single-permission paths
(permissions boundaries). Every name below is checked against the catalog by the tests.
"""

from __future__ import annotations

# Escalate on their own, whatever resource they are scoped to (a policy or user they can edit
# is a door to everything that policy or user may do).
ALWAYS: tuple[str, ...] = (
    "iam:CreateAccessKey",            # Rhino 4: keys for another user
    "iam:CreateLoginProfile",         # Rhino 5: a console password for another user
    "iam:UpdateLoginProfile",         # Rhino 6
    "iam:CreatePolicyVersion",        # Rhino 1: a new default version of a managed policy
    "iam:SetDefaultPolicyVersion",    # Rhino 2
    "iam:AttachUserPolicy",           # Rhino 7
    "iam:AttachGroupPolicy",          # Rhino 8
    "iam:AttachRolePolicy",           # Rhino 9
    "iam:PutUserPolicy",              # Rhino 10
    "iam:PutGroupPolicy",             # Rhino 11
    "iam:PutRolePolicy",              # Rhino 12
    "iam:AddUserToGroup",             # Rhino 13
    "iam:UpdateAssumeRolePolicy",     # Rhino 14: trust yourself in any role
    "iam:PutUserPermissionsBoundary",     # pathfinding.cloud: lift a boundary
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)

# Escalate when not scoped: on resource `*` (or a NotResource, or an ARN ending in `*` such as
# `arn:aws:iam::123456789012:role/*`) they reach every role or function of the account.
UNSCOPED: tuple[str, ...] = (
    "iam:PassRole",                   # Rhino 3, 15-19: pass an admin role to EC2/Lambda/Glue/CFN/...
    "sts:AssumeRole",                 # become any role that trusts the account
    "lambda:UpdateFunctionCode",      # Rhino 21: run code as any function's role
    "glue:UpdateDevEndpoint",         # Rhino 20: SSH into any dev endpoint with its role
)
