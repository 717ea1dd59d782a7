"""Output safety (issue 9, item 3): what a stranger writes into the YAML cannot take over an output.

* GitHub annotations: messages and file properties escaped, no injected workflow command;
* Markdown (the pull-request comment) and HTML-ish user text escaped, the table intact, no mentions;
* JUnit/SARIF/JSON stay well-formed whatever the text;
* paths in outputs are relative to the repository and normalised, however --repo is spelled;
* no secret or environment value in any output;
* render/calendar outputs that are files, unwritable, or inside ownership/ or policy/ are refused (exit 2).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import git
import pytest

from tests.conftest import NOW, ROOT, run_cli

FIXTURE_ORG = ROOT / "tests" / "fixtures" / "render" / "org"
INJECTION = "x%0A::error file=README.md,line=1::pwned\\r\\n::set-output name=a::b <b>&amp;"
HTMLISH = "<img src=x onerror=alert(1)> | cell | **bold** @everyone [x](https://evil.example) `code` #1"
ANNOTATION = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::")


def valid_org(tmp_path: Path, name: str = "repo") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURE_ORG, root, ignore=shutil.ignore_patterns(".dutyguard-cache"))
    return root


def hostile_repo(tmp_path: Path) -> Path:
    """A repository whose file name and values carry injection attempts."""
    root = valid_org(tmp_path)
    (root / "ownership" / "we,ird:name.yaml").write_text(f'kind: "{INJECTION}"\nid: x\n')
    return root


# --- GitHub annotations ------------------------------------------------------------------------------


def test_github_annotations_escape_user_text_and_file_names(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run_cli("validate", "--format", "github", repo=hostile_repo(tmp_path), now=NOW)
    assert result.code == 1
    lines = result.out.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert commands, result.out
    for line in commands:
        assert ANNOTATION.match(line), line
    (ours,) = [line for line in commands if "we%2Cird%3Aname.yaml" in line]
    assert ours.startswith("::error file=ownership/we%2Cird%3Aname.yaml,line=1,title=SCH003::")
    assert "%250A::error file=README.md" in ours  # the user's %0A is data, not a line break
    assert not any("pwned" in line and not line.startswith("::error file=ownership/we") for line in lines)


def test_github_escaping_of_a_real_newline_in_a_message():
    from validator.report.github import command

    line = command("error", "first\r\nsecond %0A ::error::x", file="a,b:c.yaml", line=3, title="SCH003")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=SCH003::first%0D%0Asecond %250A ::error::x"
    assert "\n" not in line


# --- Markdown and HTML-ish text -------------------------------------------------------------------------


def _commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add(A=True)
    repo.index.commit(message)


def test_the_diff_comment_escapes_markdown_and_html_in_user_text(tmp_path):
    root = valid_org(tmp_path)
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test").set_value("user", "email", "test@example.com")
    _commit_all(repo, "base")
    grants = root / "policy" / "grants.yaml"
    grants.write_text(grants.read_text() + (
        "- kind: Grant\n  id: evil\n  role: api-read\n  to: [person:cy]\n"
        f"  reason: \"{HTMLISH}\"\n  approved_by: [sec]\n  expires: 2026-12-01\n  ticket: \"<script>x</script>\"\n"))
    result = run_cli("diff", "HEAD", "--format", "markdown", repo=root, now=NOW)
    assert result.code in (0, 1), result.err
    text = result.out
    assert "evil" in text
    assert "<img" not in text and "<script>" not in text and "<b>" not in text
    assert "&lt;img" in text
    assert "@everyone" not in text  # a zero-width joiner breaks the mention
    assert "](https://evil.example)" not in text
    (row,) = [line for line in text.splitlines() if line.startswith("| cy | api-read |")]  # the access-added row
    assert "evil" in row
    header = next(line for line in text.splitlines() if line.startswith("| ") and "Reason" in line)
    assert _cells(row) == _cells(header), "user text must not add table cells"


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "text"])
def test_machine_formats_stay_well_formed_with_hostile_text(tmp_path, fmt):
    result = run_cli("validate", "--format", fmt, repo=hostile_repo(tmp_path), now=NOW)
    assert result.code == 1, result.err
    if fmt in ("json", "sarif"):
        document = json.loads(result.out)
        assert INJECTION.replace("\\r\\n", "\\\\r\\\\n")[:10] in json.dumps(document)
    elif fmt == "junit":
        tree = ET.fromstring(result.out)
        assert any("pwned" in (node.text or "") + str(node.attrib) for node in tree.iter())
    else:
        assert all(not line.startswith("::") for line in result.out.splitlines())


# --- paths ----------------------------------------------------------------------------------------------


def _paths(result) -> set[str]:
    return {f["path"] for f in result.json()["findings"]}


def test_paths_are_relative_and_normalised_however_the_repository_is_named(tmp_path, monkeypatch):
    root = hostile_repo(tmp_path)
    (tmp_path / "link").symlink_to(root)
    monkeypatch.chdir(tmp_path)
    spellings = [str(root), "repo", "./repo/", "repo/../repo", str(tmp_path / "link"), "link/."]
    seen = []
    for spelling in spellings:
        result = run_cli("validate", "--format", "json", repo=spelling, now=NOW)
        assert result.code == 1, (spelling, result.err)
        seen.append(_paths(result))
        for path in _paths(result):
            assert path == os.path.normpath(path) and not path.startswith(("/", "./", "../")), path
            assert "\\" not in path and ".." not in path.split("/"), path
            assert path.startswith(("ownership/", "policy/")), path
        assert str(tmp_path) not in result.out
    assert all(paths == seen[0] for paths in seen)


@pytest.mark.parametrize("fmt", ["text", "github", "sarif", "junit"])
def test_no_format_shows_the_absolute_repository_path(tmp_path, fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    root = hostile_repo(tmp_path)
    result = run_cli("validate", "--format", fmt, repo=root, now=NOW)
    assert str(tmp_path) not in result.out + result.err


def test_github_paths_are_relative_to_the_workspace_when_the_repository_is_a_subfolder(tmp_path, monkeypatch):
    root = hostile_repo(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run_cli("validate", "--format", "github", repo=root, now=NOW)
    assert "file=repo/ownership/we%2Cird%3Aname.yaml" in result.out
    assert str(tmp_path) not in result.out


# --- no secrets or environment values -----------------------------------------------------------------

SECRETS = {"AWS_SECRET_ACCESS_KEY": "sekrit-aws-4f9c", "GITHUB_TOKEN": "ghp_sekrit-token-77",
           "PAGERDUTY_TOKEN": "pd-sekrit-31", "DUTYGUARD_TOKEN": "dg-sekrit-12"}


def test_no_output_contains_a_secret_from_the_environment(tmp_path, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    root = valid_org(tmp_path)
    runs = [("validate", "--format", fmt) for fmt in ("text", "json", "github", "sarif", "junit")]
    runs += [("access", "--format", "json"), ("access", "--person", "dee"), ("oncall", "api", "--at", NOW),
             ("calendar", "--person", "ana"), ("explain", "ACC003"), ("schema",), ("prune", "--dry-run"),
             ("render", "codeowners"), ("render", "pagerduty", "--out", str(tmp_path / "pd")),
             ("render", "iam", "--out", str(tmp_path / "iam"), "--format", "terraform")]
    outputs = []
    for argv in runs:
        result = run_cli(*argv, repo=root, now=NOW)
        assert "Traceback" not in result.err, argv
        outputs.append(result.out + result.err)
    outputs += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and root not in p.parents]
    everything = "\n".join(outputs)
    for value in SECRETS.values():
        assert value not in everything


# --- refused outputs ------------------------------------------------------------------------------------


def _refused(result) -> str:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    return result.err


@pytest.mark.parametrize("where", ["ownership", "ownership/rendered", "policy/out", ".", ".."])
def test_render_refuses_an_output_inside_the_repository_yaml_or_over_it(tmp_path, where):
    root = valid_org(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    _refused(run_cli("render", "pagerduty", "--out", str(root / where), repo=root, now=NOW))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_render_refuses_an_output_directory_that_is_a_file(tmp_path):
    root = valid_org(tmp_path)
    (tmp_path / "out").write_text("precious\n")
    _refused(run_cli("render", "iam", "--out", str(tmp_path / "out"), repo=root, now=NOW))
    assert (tmp_path / "out").read_text() == "precious\n"


def test_render_refuses_an_output_it_cannot_create(tmp_path):
    root = valid_org(tmp_path)
    (tmp_path / "blocker").write_text("a file where a folder should be\n")
    _refused(run_cli("render", "iam", "--out", str(tmp_path / "blocker" / "iam"), repo=root, now=NOW))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_render_refuses_an_unwritable_output_folder(tmp_path):
    root = valid_org(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _refused(run_cli("render", "iam", "--out", str(locked / "iam"), repo=root, now=NOW))
    finally:
        locked.chmod(0o755)


def test_render_refuses_to_replace_a_folder_it_did_not_render(tmp_path):
    root = valid_org(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("keep me\n")
    _refused(run_cli("render", "pagerduty", "--out", str(home), repo=root, now=NOW))
    assert (home / "notes.txt").read_text() == "keep me\n"


def test_codeowners_refuses_a_directory_and_the_repository_yaml(tmp_path):
    root = valid_org(tmp_path)
    _refused(run_cli("render", "codeowners", "--out", str(tmp_path), repo=root, now=NOW))
    _refused(run_cli("render", "codeowners", "--out", str(root / "ownership" / "x.yaml"), repo=root, now=NOW))
    assert not (root / "ownership" / "x.yaml").exists()


@pytest.mark.parametrize("where", ["ownership/calendar.yaml", "policy/cal.ics"])
def test_calendar_refuses_to_write_into_the_repository_yaml(tmp_path, where):
    root = valid_org(tmp_path)
    _refused(run_cli("calendar", "--person", "ana", "--out", str(root / where), repo=root, now=NOW))
    assert not (root / where).exists()


def test_calendar_refuses_a_directory_as_its_file(tmp_path):
    root = valid_org(tmp_path)
    _refused(run_cli("calendar", "--person", "ana", "--out", str(tmp_path), repo=root, now=NOW))


# --- line-based outputs: no injected lines ------------------------------------------------------------


def _with_paths(tmp_path: Path, paths: str) -> Path:
    root = valid_org(tmp_path)
    services = root / "ownership" / "services.yaml"
    services.write_text(services.read_text().replace('paths: ["src/web/**", "docs/**"]', f"paths: {paths}"))
    return root


def test_a_line_break_in_a_codeowners_path_is_sch003_and_nothing_is_rendered(tmp_path):
    root = _with_paths(tmp_path, '["src/web/**\\n/ownership/**", "docs/**"]')
    result = run_cli("validate", "--format", "json", repo=root, now=NOW)
    (finding,) = [f for f in result.json()["findings"] if f["rule"] == "SCH003"]
    assert (finding["path"], finding["entity"]) == ("ownership/services.yaml", "service:web-ui")
    assert "line break" in finding["message"]
    rendered = run_cli("render", "codeowners", "--org", "example", repo=root, now=NOW)
    assert rendered.code == 1 and rendered.out == ""


def test_spaces_and_owner_handles_inside_a_path_cannot_add_owners(tmp_path):
    root = _with_paths(tmp_path, '["docs/** @evil-org/admins", "src/web/**"]')
    result = run_cli("render", "codeowners", "--org", "example", repo=root, now=NOW)
    assert result.code == 0, result.err
    for line in result.out.splitlines():
        if line and not line.startswith("#"):
            owners = re.split(r"(?<!\\) ", line)[1:]
            assert owners and all(owner.startswith("@example/") for owner in owners), line
