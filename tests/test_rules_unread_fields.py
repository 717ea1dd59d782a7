"""`UNREAD_FIELDS` is true: changing those fields in every entity leaves every rule's issues as they were.

The language server skips the rules for an edit of only these fields (tests/test_lsp_incremental.py
checks it does), so a rule that starts to read one of them must fail here until the table says so.
Checked on the example organisation and on a generated dirty one, where most rules have findings.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from validator.load import SourceFile, load_repo, load_sources
from validator.model import build_org
from validator.rules.context import Context
from validator.rules.registry import UNREAD_FIELDS, load_all

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
NEW_VALUE = {"name": "Renamed Thing", "email": "renamed@example.org", "pagerduty_id": "PRENAMED9",
             "description": "Something else entirely", "paths": ["renamed/**"], "reason": "another reason"}


def _generated_dirty() -> list[SourceFile]:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    files = generate.generate(0.03, seed=3, flaw_rate=generate.DIRTY_RATE)
    return [SourceFile(path, text.encode()) for path, text in sorted(files.items())]


def _issues(org) -> set:
    ctx = Context(org, NOW)
    out = set()
    for rule in load_all().values():
        if rule.check is not None:
            out.update((rule.id, issue) for issue in rule.check(ctx))
    return out


@pytest.mark.parametrize("where", ["example", "generated-dirty"])
def test_changing_the_unread_fields_of_every_entity_changes_no_rule_issue(where: str) -> None:
    loaded = load_repo(ROOT) if where == "example" else load_sources(_generated_dirty())
    org, _ = build_org(loaded)
    before = _issues(org)
    assert len({rid for rid, _ in before}) >= (2 if where == "example" else 10)  # the rules do run here
    for kind, fields in UNREAD_FIELDS.items():
        collection = org.collection(kind)
        assert collection, kind
        for ident, entity in list(collection.items()):
            collection[ident] = dataclasses.replace(entity, **{name: NEW_VALUE[name] for name in fields})
    assert _issues(org) == before


def test_every_unread_field_is_a_field_of_its_kind() -> None:
    from validator.model import KINDS

    for kind, fields in UNREAD_FIELDS.items():
        assert fields <= {f.name for f in dataclasses.fields(KINDS[kind])}, kind
        assert fields <= set(NEW_VALUE)
