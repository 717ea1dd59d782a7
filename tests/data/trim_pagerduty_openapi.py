"""Regenerate tests/data/pagerduty-openapi-trimmed.json from PagerDuty's published OpenAPI document.

    git clone https://github.com/PagerDuty/api-schema /tmp/api-schema
    python tests/data/trim_pagerduty_openapi.py /tmp/api-schema/reference/REST/openapiv3.json COMMIT

Keeps the request bodies of the endpoints `dutyguard render pagerduty --format api` targets, and
every component schema they reference (transitively); examples are dropped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ENDPOINTS = [
    ("/users", "post"), ("/teams", "post"), ("/teams/{id}/users/{user_id}", "put"), ("/schedules", "post"),
    ("/schedules/{id}/overrides", "post"), ("/escalation_policies", "post"), ("/services", "post"),
    # updates of objects that exist already (`pagerduty_id`)
    ("/users/{id}", "put"), ("/teams/{id}", "put"), ("/schedules/{id}", "put"), ("/escalation_policies/{id}", "put"),
    ("/services/{id}", "put"),
]
OUT = Path(__file__).with_name("pagerduty-openapi-trimmed.json")


def _strip_examples(node):
    if isinstance(node, dict):
        return {k: _strip_examples(v) for k, v in node.items() if k not in ("example", "examples")}
    if isinstance(node, list):
        return [_strip_examples(v) for v in node]
    return node


def trim(document: dict, commit: str) -> dict:
    schemas = document["components"]["schemas"]
    needed: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.split("/")[3]
                if name not in needed:
                    needed.add(name)
                    walk(schemas[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    paths: dict = {}
    for path, method in ENDPOINTS:
        body = document["paths"][path][method]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        walk(schema)
        paths.setdefault(path, {})[method] = {"requestBody": {"content": {"application/json": {
            "schema": _strip_examples(schema)}}}}
    return {
        "x-source": {"repository": "https://github.com/PagerDuty/api-schema", "commit": commit,
                     "path": "reference/REST/openapiv3.json",
                     "note": "trimmed by tests/data/trim_pagerduty_openapi.py: request bodies only"},
        "openapi": document["openapi"],
        "info": {"title": document["info"]["title"], "version": document["info"]["version"]},
        "paths": paths,
        "components": {"schemas": {name: _strip_examples(schemas[name]) for name in sorted(needed)}},
    }


if __name__ == "__main__":
    source = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(trim(source, sys.argv[2] if len(sys.argv) > 2 else "unknown"), indent=1,
                              sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
