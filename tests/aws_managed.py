"""The corpus of real AWS managed policies (tests/fixtures/aws-managed/) and how to turn one into a Role."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).parent / "fixtures" / "aws-managed"


def names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.json"))


def load(name: str) -> dict:
    """{'arn', 'version', 'document'} of one vendored policy."""
    return json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))


def _listed(value):
    return [value] if isinstance(value, str) else value


def statements(document: dict) -> list[dict]:
    """An AWS policy document's statements in dutyguard's lower-case spelling."""
    body = document["Statement"]
    body = [body] if isinstance(body, dict) else body
    out = []
    names_of = {"Sid": "sid", "Effect": "effect", "Action": "actions", "NotAction": "not_actions",
                "Resource": "resources", "NotResource": "not_resources", "Condition": "conditions"}
    for statement in body:
        converted = {}
        for key, value in statement.items():
            field = names_of[key]
            if field == "sid" and not value:
                continue
            converted[field] = _listed(value) if field in ("actions", "not_actions", "resources",
                                                            "not_resources") else value
        out.append(converted)
    return out


def role(ident: str, *, inline: str | None = None, attach: str | None = None, environment: str = "production",
         account: str = "123456789012") -> dict:
    entity: dict = {"kind": "Role", "id": ident, "environment": environment, "account": account}
    if inline:
        entity["statements"] = statements(load(inline)["document"])
    if attach:
        entity["managed_policies"] = [load(attach)["arn"].partition(":policy/")[2]]
    return entity


def yaml_text(entities: list[dict]) -> str:
    """JSON is YAML: one entity per line, no anchors."""
    return "".join("- " + json.dumps(e, ensure_ascii=False) + "\n" for e in entities)
