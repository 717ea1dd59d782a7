"""`validate --baseline REF`: an error REF already had passes, a new one fails."""

from __future__ import annotations

import pytest

from tests.test_diff_gitrepo import base_repo


@pytest.fixture
def legacy(tmp_path):
    """The base organisation plus one error (a service owned by a team that does not exist), committed."""
    repo = base_repo(tmp_path)
    repo.append("ownership/services.yaml", "- {kind: Service, id: legacy, owner: nobody, tier: 4}\n")
    repo.commit("a legacy error")
    repo.repo.create_tag("legacy")
    return repo


def errors(result) -> list[tuple[str, str]]:
    return [(f["rule"], f["entity"]) for f in result.json()["findings"] if f["severity"] == "error"]


def test_without_baseline_the_old_error_fails(legacy):
    result = legacy.cli("validate", "--format", "json")
    assert result.code == 1 and ("SCH005", "service:legacy") in errors(result)


def test_an_old_error_passes_against_its_baseline(legacy):
    legacy.append("ownership/people.yaml", "# an unrelated edit moves no finding\n")
    result = legacy.cli("validate", "--format", "json", "--baseline", "legacy")
    assert result.code == 0, result.out
    assert errors(result) == []
    assert result.json()["counts"]["baseline"] >= 1


def test_a_new_error_fails_against_the_baseline(legacy):
    legacy.append("ownership/services.yaml", "- {kind: Service, id: fresh, owner: nobody-either, tier: 4}\n")
    result = legacy.cli("validate", "--format", "json", "--baseline", "legacy")
    assert result.code == 1
    assert errors(result) == [("SCH005", "service:fresh")]  # only the new one is shown
    assert result.json()["counts"]["baseline"] >= 1


def test_same_rule_and_entity_with_a_new_message_is_new(legacy):
    legacy.replace("ownership/services.yaml", "owner: nobody,", "owner: nobody-else,")
    result = legacy.cli("validate", "--format", "json", "--baseline", "legacy")
    assert result.code == 1 and errors(result) == [("SCH005", "service:legacy")]


def test_moving_the_old_error_to_another_line_keeps_it_in_the_baseline(legacy):
    text = (legacy.root / "ownership/services.yaml").read_text(encoding="utf-8")
    (legacy.root / "ownership/services.yaml").write_text("# moved\n\n" + text, encoding="utf-8")
    result = legacy.cli("validate", "--format", "json", "--baseline", "legacy")
    assert result.code == 0 and errors(result) == []


def test_text_output_counts_the_baseline(legacy):
    result = legacy.cli("validate", "--format", "text", "--baseline", "HEAD")
    assert result.code == 0 and "already in the baseline" in result.out


def test_baseline_unknown_ref_is_exit_2(legacy):
    result = legacy.cli("validate", "--baseline", "does-not-exist")
    assert result.code == 2 and "unknown git ref" in result.err


def test_github_annotations_show_only_new_errors(legacy):
    legacy.append("ownership/services.yaml", "- {kind: Service, id: fresh, owner: nobody-either, tier: 4}\n")
    result = legacy.cli("validate", "--format", "github", "--baseline", "legacy")
    errors = [line for line in result.out.splitlines() if line.startswith("::error ")]
    assert result.code == 1 and len(errors) == 1 and "fresh" in errors[0]
