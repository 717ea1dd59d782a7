"""A role's own statements as an AWS IAM policy document, and its size as AWS counts it."""

from __future__ import annotations

import json
import re
from typing import Any

POLICY_VERSION = "2012-10-17"
MAX_MANAGED_POLICY = 6144        # characters of a customer managed policy, whitespace not counted
_SID_CHARS = re.compile(r"[^A-Za-z0-9]")
_WHITESPACE = re.compile(r"\s")


def statement_json(statement) -> dict[str, Any]:
    """One IAM statement; NotAction/NotResource and Condition are kept as written."""
    out: dict[str, Any] = {"Effect": statement.effect}
    if statement.sid:
        sid = _SID_CHARS.sub("", statement.sid)   # IAM Sids are ASCII letters and digits only
        if sid:
            out["Sid"] = sid
    if statement.actions is not None:
        out["Action"] = list(statement.actions)
    else:
        out["NotAction"] = list(statement.not_actions or [])
    if statement.resources is not None:
        out["Resource"] = list(statement.resources)
    else:
        out["NotResource"] = list(statement.not_resources or [])
    if statement.conditions:
        out["Condition"] = statement.conditions
    return out


def policy_document(role) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": [statement_json(s) for s in role.statements]}


def policy_size(role) -> int:
    """Characters of the role's inline policy as the renders write it, without whitespace (AWS's count)."""
    text = json.dumps(policy_document(role), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return len(_WHITESPACE.sub("", text))


def statements_key(statements) -> tuple:
    """What a set of statements allows and denies, without Sids and order: to find an equal policy."""
    def listed(value) -> tuple[str, ...]:
        return tuple(sorted(str(v).lower() for v in value)) if value is not None else ()

    return tuple(sorted((s.effect, listed(s.actions), listed(s.not_actions), listed(s.resources),
                         listed(s.not_resources), json.dumps(s.conditions or {}, sort_keys=True))
                        for s in statements))
