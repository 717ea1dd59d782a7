"""`--format github` (and `auto`): workflow-command annotations, escaping, limits, the job summary."""

from __future__ import annotations

import io

import pytest

from tests.conftest import minimal_people, run_cli
from validator.engine import Result
from validator.findings import Finding
from validator.model import Org
from validator.report import github


def noisy_org(n: int) -> dict[str, str]:
    """n services owned by missing teams (n errors) and n one-person teams without a lead (warnings)."""
    people = [f"p{i}" for i in range(n)] + ["erin"]
    teams = "\n".join(f"- {{kind: Team, id: t{i}, name: T{i}, members: [p{i}]}}" for i in range(n))
    services = "\n".join(f"- {{kind: Service, id: s{i}, owner: t{i}, tier: 4}}\n"
                         f"- {{kind: Service, id: broken{i}, owner: missing{i}, tier: 4}}" for i in range(n))
    return {"ownership/people.yaml": minimal_people(*people), "ownership/teams.yaml": teams + "\n",
            "ownership/services.yaml": services + "\n"}


def lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def fake_result(*findings: Finding) -> Result:
    return Result(list(findings), Org(), None)  # type: ignore[arg-type]


# --- escaping ---------------------------------------------------------------------------------------

def test_message_escaping_percent_newline_carriage_return():
    assert github.escape_data("100% sure\r\nnext: a, b") == "100%25 sure%0D%0Anext: a, b"


def test_property_escaping_adds_colon_and_comma():
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_an_annotation_with_percent_newline_colon_and_comma():
    finding = Finding("ACC004", "error", "policy/we,ird:name.yaml", 7, "grant:x",
                      "expires in 100% of cases\n::set-env name=X::1, really: yes")
    out = io.StringIO()
    github.report(fake_result(finding), out)
    first = out.getvalue().splitlines()[0]
    # the line break is shown escaped (`\n`, inert) before GitHub's escaping, which would turn %0A back into one
    assert first == ("::error file=policy/we%2Cird%3Aname.yaml,line=7,title=ACC004::expires in 100%25 of cases"
                     "\\n::set-env name=X::1, really: yes")
    assert len(out.getvalue().splitlines()) == 2  # the annotation and the summary: the newline did not escape


def test_cli_annotation_for_a_file_name_with_comma_and_colon(repo):
    root = repo({"ownership/a,b:c.yaml": "x: [1, 2\n"})
    result = run_cli("validate", "--format", "github", repo=root)
    assert result.code == 1
    [error] = lines(result.out, "::error ")
    assert error.startswith("::error file=ownership/a%2Cb%3Ac.yaml,line=")
    assert ",title=SCH001::" in error


# --- ordering and limits ----------------------------------------------------------------------------

def test_worst_first_at_most_ten_of_each_and_a_notice_for_the_rest(repo):
    root = repo(noisy_org(12))
    result = run_cli("validate", "--format", "github", repo=root)
    assert result.code == 1
    out = result.out.splitlines()
    errors, warnings = lines(result.out, "::error "), lines(result.out, "::warning ")
    assert len(errors) == 10 and len(warnings) == 10
    assert out.index(errors[-1]) < out.index(warnings[0])  # errors first
    [notice] = lines(result.out, "::notice ")
    total = len(run_cli("validate", "--format", "json", repo=root).json()["findings"])
    assert f"{total - 20} more finding(s)" in notice
    assert sum(1 for line in out if line.startswith(("error: ", "warning: "))) == total - 20  # still logged


def test_step_summary_gets_the_full_table_appended(repo, tmp_path, monkeypatch):
    root = repo(noisy_org(12))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli("validate", "--format", "github", repo=root)
    text = summary.read_text(encoding="utf-8")
    total = len(run_cli("validate", "--format", "json", repo=root).json()["findings"])
    assert text.startswith("earlier step\n")
    assert "| Severity | Rule | File | Line | Entity | Message |" in text
    assert sum(1 for line in text.splitlines() if line.startswith(("| error |", "| warning |"))) == total


def test_no_step_summary_variable_no_file(repo, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run_cli("validate", "--format", "github", repo=repo(noisy_org(1)))
    assert result.code == 1 and lines(result.out, "::error ")


def test_paths_are_relative_to_the_github_workspace(repo, monkeypatch):
    root = repo(noisy_org(1))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(root.parent))
    result = run_cli("validate", "--format", "github", repo=root)
    assert lines(result.out, "::error ")[0].startswith(f"::error file={root.name}/ownership/services.yaml,line=")


def test_waived_findings_are_not_annotated(repo):
    files = noisy_org(1)
    files["policy/settings.yaml"] = """
        kind: Settings
        waivers:
          - {rule: SCH005, entity: "service:broken0", reason: legacy, expires: 2027-01-31, approved_by: erin}
        """
    result = run_cli("validate", "--format", "github", repo=repo(files))
    assert not any("broken0" in line for line in lines(result.out, "::"))


# --- auto ---------------------------------------------------------------------------------------------

def test_auto_is_github_inside_github_actions(repo, monkeypatch):
    root = repo(noisy_org(1))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert lines(run_cli("validate", repo=root).out, "::error ")


@pytest.mark.parametrize("value", [None, "false"])
def test_auto_is_text_elsewhere(repo, monkeypatch, value):
    root = repo(noisy_org(1))
    if value is None:
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    else:
        monkeypatch.setenv("GITHUB_ACTIONS", value)
    out = run_cli("validate", repo=root).out
    assert not lines(out, "::") and "FAILED" in out
