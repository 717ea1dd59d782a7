"""Documentation generated from rule metadata stays true (cfn-lint style)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, run_cli
from validator.rules.docs import rules_markdown
from validator.rules.registry import load_all

RULES = sorted(load_all())


def test_docs_rules_md_is_generated_from_the_registry():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(), "run `make docs`"


def test_readme_lists_every_rule_with_its_severity():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in load_all().values():
        assert re.search(rf"^\| {rule.id} \| {rule.severity} \|", readme, re.M), rule.id


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_explains_itself_with_a_failing_and_a_passing_example(rule_id: str):
    result = run_cli("explain", rule_id, now=None)
    assert result.code == 0
    fails, _, passes = result.out.partition("Passes:")
    assert "Fails:" in fails and passes.strip(), f"{rule_id} needs Fails:/Passes: examples"
    assert len(result.out.splitlines()) >= 6
