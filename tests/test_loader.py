"""The loader: values as a reader sees them, a position for every node, hostile YAML refused."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import findings_of, run_cli, write_repo
from validator.load import load_repo
from validator.load.reference import parse


def test_values_resolve_by_yaml_1_2_not_1_1():
    doc = parse("a: no\nb: on\nc: 0123\nd: 1_000\ne: 12:30\nf: 2026-01-05\ng: 0x1F\nh: true\ni: ~\nj: 1.5\n")
    assert doc.problems == []
    assert doc.documents[0].value == {
        "a": "no", "b": "on", "c": "0123", "d": "1_000", "e": "12:30", "f": "2026-01-05",
        "g": 31, "h": True, "i": None, "j": 1.5,
    }


def test_quoted_scalars_stay_text():
    doc = parse("account: \"123456789012\"\nflag: 'true'\n")
    assert doc.documents[0].value == {"account": "123456789012", "flag": "true"}


def test_every_key_and_item_has_its_line_and_column():
    text = "kind: Team\nid: payments\nmembers:\n  - alice\n  - bob\nleads: [alice]\n"
    positions = parse(text).documents[0].positions
    assert positions[("kind",)] == (1, 1)
    assert positions[("members",)] == (3, 1)
    assert positions[("members", 1)] == (5, 5)
    assert positions[("leads", 0)] == (6, 9)


def test_documents_before_a_syntax_error_are_kept():
    result = parse("a: 1\n---\nb: [\n")
    assert [d.value for d in result.documents] == [{"a": 1}]
    assert result.problems[0].rule == "SCH001"
    assert result.problems[0].line == 4


def test_duplicate_key_names_both_lines_and_keeps_the_first_value():
    result = parse("owner: payments\ntier: 1\nowner: platform\n")
    assert result.documents[0].value == {"owner": "payments", "tier": 1}
    (problem,) = result.problems
    assert (problem.rule, problem.line) == ("SCH002", 3)
    assert "first at line 1, again at line 3" in problem.message


def test_billion_laughs_is_refused_at_the_first_anchor_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]")
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    result = parse(text)
    elapsed = time.perf_counter() - started
    assert [p.rule for p in result.problems] == ["SCH006"]
    assert result.problems[0].line == 1
    assert elapsed < 1.0  # refusal happens before any expansion (a generous bound, not a benchmark)


@pytest.mark.parametrize(("text", "needle"), [
    ("a: &x 1\n", "anchor '&x'"),
    ("a: !custom 1\n", "tag '!custom'"),
    ("a: !!binary aGk=\n", "tag 'tag:yaml.org,2002:binary'"),
    ("a: ! 1\n", "tag '!'"),
    ("? !!set {a, b}\n", "tag"),
    ("<<: {a: 1}\n", "merge key"),
])
def test_anchors_tags_and_merge_keys_are_sch006(text: str, needle: str):
    (problem,) = parse(text).problems
    assert problem.rule == "SCH006"
    assert needle in problem.message


def test_deep_nesting_is_refused_not_recursed():
    text = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    (problem,) = parse(text).problems
    assert problem.rule == "SCH007"
    assert "nesting deeper than" in problem.message


def test_a_bad_file_never_stops_the_others(tmp_path: Path):
    root = write_repo(tmp_path, {
        "ownership/a-broken.yaml": "kind: [\n",
        "ownership/b-good.yaml": "kind: Person\nid: alice\nname: Alice\nemail: a@example.com\ntimezone: UTC\n",
    })
    loaded = load_repo(root)
    assert [e.data["id"] for e in loaded.entities] == ["alice"]
    assert [f.rule for f in loaded.findings] == ["SCH001"]


def test_symlink_leaving_the_repository_is_sch007_and_not_read(tmp_path: Path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("kind: Person\nid: mallory\n")
    root = write_repo(tmp_path / "repo", {"ownership/people.yaml": "[]\n"})
    os.symlink(outside, root / "ownership" / "stolen.yaml")
    os.symlink(tmp_path, root / "policy")
    result = run_cli("validate", "--format", "json", repo=root)
    found = {(f["rule"], f["path"]) for f in findings_of(result)}
    assert ("SCH007", "ownership/stolen.yaml") in found
    assert ("SCH007", "policy") in found
    assert "mallory" not in result.out
    assert result.code == 1


def test_symlink_loop_is_reported_once(tmp_path: Path):
    root = write_repo(tmp_path / "repo", {"ownership/people.yaml": "[]\n"})
    os.symlink(root / "ownership", root / "ownership" / "loop")
    result = run_cli("validate", "--format", "json", repo=root)
    assert [(f["rule"], f["path"]) for f in findings_of(result)] == [("SCH007", "ownership/loop")]


def test_link_inside_the_repository_is_followed(tmp_path: Path):
    root = write_repo(tmp_path / "repo", {
        "shared/people.yaml": "kind: Person\nid: alice\nname: Alice\nemail: a@example.com\ntimezone: UTC\n",
    })
    os.symlink(root / "shared" / "people.yaml", root / "ownership" / "people.yaml")
    assert [e.data["id"] for e in load_repo(root).entities] == ["alice"]


def test_oversized_file_is_refused_without_parsing(tmp_path: Path):
    root = write_repo(tmp_path, {"ownership/huge.yaml": "# " + "x" * (3 * 1024 * 1024) + "\n"})
    (finding,) = load_repo(root).findings
    assert finding.rule == "SCH007"
    assert "larger than 2 MiB" in finding.message


def test_only_yaml_files_below_ownership_and_policy_are_read(tmp_path: Path):
    root = write_repo(tmp_path, {
        "ownership/notes.txt": "kind: [\n",
        "docs/x.yaml": "kind: [\n",
        "ownership/deep/er/p.yml": "kind: Person\nid: bob\nname: Bob\nemail: b@example.com\ntimezone: UTC\n",
    })
    loaded = load_repo(root)
    assert loaded.files == ["ownership/deep/er/p.yml"]
    assert loaded.findings == []
