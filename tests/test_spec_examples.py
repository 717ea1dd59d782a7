"""Every YAML example of the product specification (section 2) fits dutyguard's model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, findings_of, run_cli, write_repo

SPEC = ROOT.parent / "shared" / "SPEC.md"
SHAPE_RULES = {"SCH001", "SCH002", "SCH003", "SCH006", "SCH007"}


def _examples() -> list[str]:
    if not SPEC.exists():
        return []
    section = SPEC.read_text(encoding="utf-8").split("## 2. Documents", 1)[1].split("## 3.", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


@pytest.mark.skipif(not SPEC.exists(), reason="the shared specification is not beside this checkout")
def test_spec_examples_are_valid_documents(tmp_path: Path):
    examples = _examples()
    assert len(examples) >= 9
    files = {f"{'policy' if 'Settings' in text or 'Role' in text or 'Grant' in text else 'ownership'}/ex{i}.yaml": text
             for i, text in enumerate(examples)}
    result = run_cli("validate", "--format", "json", repo=write_repo(tmp_path, files))
    shape = [f for f in findings_of(result) if f["rule"] in SHAPE_RULES]
    assert shape == []
    kinds = {m for text in examples for m in re.findall(r"^kind: (\w+)", text, re.M)}
    assert kinds == {"Person", "Team", "Service", "Rotation", "Escalation", "Absence", "Role", "Grant", "Settings"}
