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
    refs = [{"$ref": f"#/$defs/{name}"} for name in KINDS]
    entity = {"oneOf": refs}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dutyguard document",
        "description": "A dutyguard YAML document: one entity, or a list of entities.",
        "$defs": defs["$defs"],
        "anyOf": [entity, {"type": "array", "items": entity}],
    }


def run(args: argparse.Namespace) -> int:
    del args
    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0
