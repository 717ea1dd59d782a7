"""Inert output (issue 14): no user text can start a workflow command or hide itself in any output."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_cli, write_repo
from validator.findings import quote_value, shown

INJECTED_NAME = "z\n::error file=README.md,line=1::INJECTED\n.yaml"
OURS = re.compile(r"^::(error|warning|notice)( (file|line|title)=[^,:\n]*(,(file|line|title)=[^,:\n]*)*)?::[^\n]*$")
# invisible and direction-changing characters: zero width space, right-to-left override, isolates, marks, BOM
INVISIBLE = "\u200b\u202e\u2066\u2067\u2068\u2069\u200e\u200f\ufeff\u00ad"


def person(i: int, timezone: str = "Mars/X") -> str:
    return f"- {{kind: Person, id: p{i}, name: P{i}, email: p{i}@example.com, timezone: {json.dumps(timezone)}}}\n"


def injection_repo(tmp_path: Path) -> Path:
    """Issue 14's reproduction: 11 files with an unknown time zone, then one whose name carries a command."""
    root = write_repo(tmp_path / "repo", {f"ownership/p{i:02}.yaml": person(i) for i in range(11)})
    (root / "ownership" / INJECTED_NAME).write_text(person(99), encoding="utf-8")
    return root


def commands_in(output: str) -> list[str]:
    """Lines GitHub's runner would read as a workflow command (it trims leading whitespace), old syntax too."""
    return [line for line in output.split("\n") if line.strip().startswith(("::", "##["))]


def test_github_format_prints_no_workflow_command_but_its_own_annotations(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run_cli("validate", repo=injection_repo(tmp_path))  # auto: github inside Actions
    assert result.code == 1, result.err
    assert "INJECTED" in result.out  # the file is reported ...
    commands = commands_in(result.out)
    assert len(commands) == 11  # ... 10 error annotations and the notice about the rest
    for line in commands:
        assert OURS.match(line), line
        assert "README.md" not in line.split("::")[1]  # no property smuggled in


def test_text_format_prints_no_workflow_command(tmp_path):
    result = run_cli("validate", "--format", "text", repo=injection_repo(tmp_path))
    assert result.code == 1
    assert "INJECTED" in result.out
    assert commands_in(result.out) == []
    assert "z\\n::error file=README.md,line=1::INJECTED\\n.yaml" in result.out  # the name, shown escaped


def test_json_and_sarif_keep_the_exact_name_ascii_only(tmp_path):
    root = injection_repo(tmp_path)
    data = run_cli("validate", "--format", "json", repo=root)
    assert data.out.isascii() and commands_in(data.out) == []
    assert f"ownership/{INJECTED_NAME}" in {f["path"] for f in data.json()["findings"]}
    sarif = run_cli("validate", "--format", "sarif", repo=root)
    assert sarif.out.isascii() and commands_in(sarif.out) == []


def test_junit_escapes_the_name(tmp_path):
    out = run_cli("validate", "--format", "junit", repo=injection_repo(tmp_path)).out
    ET.fromstring(out.split("\n", 1)[1])
    assert commands_in(out) == []


# --- invisible and direction-changing characters ---------------------------------------------------------

def invisible_repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "repo", {
        f"ownership/a{INVISIBLE}.yaml": person(1, timezone=f"Europe/Ber{INVISIBLE}lin"),
        "ownership/b.yaml": person(2, timezone=f"Zone{INVISIBLE}"),
    })


@pytest.mark.parametrize("fmt", ["text", "github", "junit"])
def test_invisible_characters_are_shown_escaped(tmp_path, fmt):
    out = run_cli("validate", "--format", fmt, repo=invisible_repo(tmp_path)).out
    assert not set(INVISIBLE) & set(out), fmt
    assert "\\u202e" in out and "\\u200b" in out and "\\ufeff" in out


def test_the_step_summary_shows_them_escaped_too(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli("validate", "--format", "github", repo=invisible_repo(tmp_path))
    text = summary.read_text(encoding="utf-8")
    assert "Europe/Ber" in text and not set(INVISIBLE) & set(text)
    assert "\\\\u202e" in text  # Markdown: the backslash itself escaped, so it reads \u202e


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_keep_exact_values_in_ascii(tmp_path, fmt):
    result = run_cli("validate", "--format", fmt, repo=invisible_repo(tmp_path))
    assert result.out.isascii() and "\\u202e" in result.out
    assert f"a{INVISIBLE}.yaml" in json.dumps(result.json(), ensure_ascii=False) or fmt == "sarif"


def test_shown_escapes_every_format_character():
    assert shown("plain ü é 漢字 text") == "plain ü é 漢字 text"
    assert shown("a\u202eb") == "a\\u202eb" and shown("x\n::y") == "x\\n::y"
    assert shown("\U000e0041\u2064\u061c") == "\\U000e0041\\u2064\\u061c"  # tag, invisible plus, Arabic mark
    import unicodedata

    for code in range(0x10000):
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp"):
            assert shown(chr(code)) != chr(code), hex(code)


# --- the 80-character rule ------------------------------------------------------------------------------

def test_a_long_time_zone_is_not_quoted_whole(tmp_path):
    value = "Mars/" + "X" * 995
    root = write_repo(tmp_path / "repo", {"ownership/p.yaml": person(1, timezone=value)})
    [finding] = [f for f in run_cli("validate", "--format", "json", repo=root).json()["findings"]
                 if f["rule"] == "SCH003"]
    assert "timezone" in finding["message"] and "1,000 characters" in finding["message"]
    assert len(finding["message"]) < 400 and "X" * 100 not in finding["message"]


def test_quote_value_cuts_at_80_characters():
    assert quote_value("Mars/X") == "'Mars/X'"
    assert len(quote_value("y" * 5000)) < 110 and "5,000 characters" in quote_value("y" * 5000)


# --- reporters write only to their stream ------------------------------------------------------------------

def test_the_github_reporter_writes_no_file(tmp_path, monkeypatch):
    import io

    from tests.test_report_github import fake_result
    from validator.findings import Finding
    from validator.report import github

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    github.report(fake_result(Finding("OWN001", "error", "ownership/a.yaml", 1, "service:a", "m")), io.StringIO())
    assert not summary.exists()
    run_cli("validate", "--format", "github", repo=injection_repo(tmp_path))  # the command appends it
    assert "INJECTED" in summary.read_text(encoding="utf-8")
