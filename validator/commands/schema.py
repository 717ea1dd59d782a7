"""`dutyguard schema`: JSON Schema of every kind, for editors (yaml-language-server)."""

from __future__ import annotations

import argparse
import json


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def json_schema() -> dict:
    from pydantic.json_schema import models_json_schema

    from validator.model.kinds import KINDS

    _, defs = models_json_schema([(model, "validation") for model in KINDS.values()],
                                 ref_template="#/$defs/{model}")
    _exact(defs["$defs"])
    refs = [{"$ref": f"#/$defs/{name}"} for name in KINDS]
    entity = {"oneOf": refs}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dutyguard document",
        "description": "A dutyguard YAML document: one entity, or a list of entities.",
        "$defs": defs["$defs"],
        "anyOf": [entity, {"type": "array", "items": entity}],
    }


# What `validate` checks in Python that pydantic does not write into the schema, written out so that the
# schema accepts exactly what validate accepts (tests/test_schema_exact.py). What JSON Schema cannot say
# (leads among the members, 'to' after 'from', a real calendar date) stays for validate alone.
_ONE_OR_MANY = ("actions", "not_actions", "resources", "not_resources")
_EXTRA = {
    "Statement": {"allOf": [
        {"oneOf": [{"required": ["actions"]}, {"required": ["not_actions"]}]},
        {"oneOf": [{"required": ["resources"]}, {"required": ["not_resources"]}]},
    ]},
    "Role": {"anyOf": [
        {"required": ["statements"], "properties": {"statements": {"minItems": 1}}},
        {"required": ["managed_policies"], "properties": {"managed_policies": {"minItems": 1}}},
    ]},
}


def _exact(defs: dict) -> None:
    from validator.model.types import known_timezones

    for name, extra in _EXTRA.items():
        defs[name].update(extra)
    # a tier given in Settings is merged over the default tier: any of its fields may be left out;
    # its key is the tier number (a YAML integer, a string once an editor sees it as JSON)
    defs["TierPolicy"].pop("required", None)
    defs["Settings"]["properties"]["tiers"]["propertyNames"] = {"enum": ["1", "2", "3", "4"]}
    statement = defs["Statement"]["properties"]
    for field in _ONE_OR_MANY:  # one string or a list of them (validate takes both)
        options = statement[field]["anyOf"]
        array = next(option for option in options if option.get("type") == "array")
        options.insert(0, dict(array["items"]))
    zones = sorted(known_timezones())

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if str(node.get("description", "")).startswith("IANA time zone"):
                node["enum"] = zones
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(defs)


def run(args: argparse.Namespace) -> int:
    del args
    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0
