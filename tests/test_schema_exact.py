"""`dutyguard schema` accepts exactly what `validate` accepts, so that an editor never flags a valid file
(issue: `actions: "*"` validated but the schema refused it) and flags what validate refuses wherever
JSON Schema can say it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from validator.commands.schema import json_schema
from validator.load import load_repo
from validator.model.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
# what validate checks that JSON Schema cannot express: these model errors may pass the schema
INEXPRESSIBLE = ("leads must be members", "must be after its 'from'", "must not be before its 'from'",
                 "is not a valid date", "outside the years", "is longer than the limit", "not a valid date-time",
                 "holds a line break")


@pytest.fixture(scope="module")
def validator_() -> jsonschema.protocols.Validator:
    schema = json_schema()
    entity = {"$defs": schema["$defs"], "oneOf": schema["anyOf"][0]["oneOf"]}
    return jsonschema.Draft202012Validator(entity)


def _repos() -> list[Path]:
    found = {ROOT}
    for folder in (ROOT / "tests" / "fixtures").rglob("*"):
        if folder.is_dir() and folder.name in ("ownership", "policy"):
            found.add(folder.parent)
    return sorted(found)


def _verdicts(data: dict) -> tuple[bool, list[str]]:
    try:
        KINDS[data["kind"]].model_validate(data)
        return True, []
    except ValidationError as err:
        return False, [str(e["msg"]) for e in err.errors(include_url=False)]


def _entities(root: Path):
    for raw in load_repo(root).entities:
        if isinstance(raw.data, dict) and raw.data.get("kind") in KINDS:
            yield raw


def test_every_fixture_entity_gets_the_same_verdict_from_the_schema(validator_):
    checked = 0
    problems = []
    for root in _repos():
        for raw in _entities(root):
            checked += 1
            valid, errors = _verdicts(raw.data)
            as_json = json.loads(json.dumps(raw.data))  # what an editor checks: mapping keys are strings
            schema_errors = [e.message for e in validator_.iter_errors(as_json)]
            where = f"{root.name}/{raw.source.path}:{raw.source.line}"
            if valid and schema_errors:
                problems.append(f"{where}: valid, schema says {schema_errors[0]}")
            elif not valid and not schema_errors and not any(x in e for e in errors for x in INEXPRESSIBLE):
                problems.append(f"{where}: invalid ({errors[0]}), schema passes")
    assert checked > 300
    assert problems == []


CASES = [  # (entity, valid)
    ({"kind": "Role", "id": "r", "environment": "production", "account": "123456789012",
      "statements": [{"effect": "Allow", "actions": "*", "resources": "*"}]}, True),
    ({"kind": "Role", "id": "r", "environment": "production", "account": "123456789012",
      "managed_policies": ["ReadOnlyAccess"]}, True),
    ({"kind": "Role", "id": "r", "environment": "production", "account": "123456789012"}, False),
    ({"kind": "Role", "id": "r", "environment": "production", "account": "123456789012",
      "statements": [{"effect": "Allow", "actions": ["s3:GetObject"], "not_actions": ["s3:*"], "resources": "*"}]},
     False),
    ({"kind": "Role", "id": "r", "environment": "production", "account": "123456789012",
      "statements": [{"effect": "Allow", "actions": ["s3:GetObject"]}]}, False),
    ({"kind": "Person", "id": "a", "name": "A", "email": "a@example.com", "timezone": "Europe/Berlim"}, False),
    ({"kind": "Person", "id": "a", "name": "A", "email": "a@example.com", "timezone": "Asia/Kathmandu"}, True),
    ({"kind": "Absence", "person": "a", "from": "20261220", "to": "2026-12-24"}, False),
    ({"kind": "Absence", "person": "a", "from": "2026-12-20T09:00+05:45", "to": "2026-12-24"}, True),
    ({"kind": "Escalation", "id": "e", "levels": [{"targets": ["rotation:x"], "after": "0m"}]}, False),
    ({"kind": "Escalation", "id": "e", "levels": [{"targets": ["rotation:x"], "after": "1234567m"}]}, False),
    ({"kind": "Escalation", "id": "e", "levels": [{"targets": ["rotation:x"], "after": "15m"}]}, True),
    ({"kind": "Settings", "known_actions": ["lambda:CreateMicrovm"]}, True),
    ({"kind": "Settings", "tiers": {1: {"min_people": 1}}}, True),
    ({"kind": "Settings", "tiers": {5: {"min_people": 1, "hours": "none", "min_levels": 0}}}, False),
    ({"kind": "Settings", "waivers": [{"rule": "ROT001", "entity": "service:x", "subject": "rotation:y/layer:z",
                                       "reason": "r", "expires": "2027-01-31", "approved_by": "erin"}]}, True),
    ({"kind": "Service", "id": "s", "owner": "t", "tier": 2, "pagerduty_id": "PABC123"}, True),
    ({"kind": "Service", "id": "s", "owner": "t", "tier": 2, "pagerduty_id": "pabc"}, False),
]


@pytest.mark.parametrize(("entity", "valid"), CASES)
def test_hand_picked_entities_get_the_same_verdict(validator_, entity: dict, valid: bool):
    assert _verdicts(entity)[0] is valid
    assert (not list(validator_.iter_errors(json.loads(json.dumps(entity))))) is valid


def test_check_jsonschema_accepts_the_example_organisation(tmp_path: Path):
    """What an editor or CI would run: check-jsonschema with the printed schema, on every single-document file
    of the example (check-jsonschema reads one document per file; yaml-language-server reads them all)."""
    schema = tmp_path / "schema.json"
    out = subprocess.run([sys.executable, "-m", "validator", "schema"], capture_output=True, text=True, check=True)
    schema.write_text(out.stdout, encoding="utf-8")
    files = [str(p) for p in sorted((ROOT / "ownership").rglob("*.yaml")) + sorted((ROOT / "policy").rglob("*.yaml"))
             if "\n---" not in p.read_text(encoding="utf-8")]
    assert len(files) >= 5
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile", str(schema), *files],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(out.stdout)["$schema"].endswith("2020-12/schema")
