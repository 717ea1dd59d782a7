"""What a `validate` run imports: only what it uses (a fresh process, as a user or CI starts it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import contextlib, io, json, sys
from validator.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["--repo", sys.argv[1], "--now", "2026-11-23T12:00:00Z", "validate", "--format", "json"])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_validate_imports_no_other_verb_and_no_package_metadata():
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT)], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    result = json.loads(done.stdout)
    assert result["code"] in (0, 1)  # the example organisation validated (findings or not)
    commands = [name for name in result["modules"] if name.startswith("validator.commands.")]
    assert commands == ["validator.commands.common", "validator.commands.validate"]
    # pydantic's plugin loader would scan every installed distribution's metadata
    assert "importlib.metadata" not in result["modules"]
    assert "pydantic.plugin._loader" in result["modules"]  # (ours: it finds no plugins)


def test_every_verb_still_has_its_options():
    for verb, option in (("validate", "--baseline"), ("oncall", "--at"), ("explain", "RULE")):
        done = subprocess.run([sys.executable, "-m", "validator", verb, "--help"], capture_output=True, text=True,
                              cwd=ROOT)
        assert done.returncode == 0 and option in done.stdout, (verb, done.stderr)


def test_a_run_without_managed_policies_opens_no_archive_and_measures_no_terminal(tmp_path: Path):
    """argparse would import shutil (with bz2 and lzma) to measure the terminal for help nobody asked for;
    the managed policies' archive module (zipfile) is only for a role that attaches one."""
    (tmp_path / "ownership").mkdir()
    (tmp_path / "policy").mkdir()
    (tmp_path / "ownership" / "people.yaml").write_text(
        "- {kind: Person, id: ann, name: Ann, email: ann@example.com, timezone: Europe/Berlin}\n")
    (tmp_path / "policy" / "roles.yaml").write_text(
        "- {kind: Role, id: reader, environment: production, account: '123456789012', statements: "
        "[{effect: Allow, actions: [s3:GetObject], resources: ['arn:aws:s3:::logs/*']}]}\n"
        "- {kind: Grant, id: g, role: reader, to: [person:ann], reason: r, approved_by: [ann]}\n")
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    result = json.loads(done.stdout)
    assert result["code"] == 1  # (findings: the role and the grant break rules)
    assert not {"shutil", "zipfile", "bz2", "lzma"} & set(result["modules"])
