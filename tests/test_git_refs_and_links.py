"""Git (issue 14): every branch name git accepts and the revisions users type; links read the same from git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_diff_gitrepo import GitRepo, base_repo
from validator.findings import UsageError
from validator.git import check_ref, sources_at, valid_ref_name
from validator.load.files import list_repo_files, read_listed

NAMES = ["main", "fix/ünïcode", "v1.0-é", "feature/a-b_c", "release/2026.12", "a.b", "x@y", "{braces}",
         "a.lock", "a/.b", "a..b", "a b", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b", "a//b", "/a", "a/",
         "a.", "@", "a@{b", "\x1b[31m", "tab\tname", "naïve/日本語", "x.lock/y", "-n"]


@pytest.mark.parametrize("name", NAMES)
def test_ref_names_are_judged_as_git_check_ref_format_judges_them(name):
    git = subprocess.run(["git", "check-ref-format", "--allow-onelevel", name], capture_output=True).returncode == 0
    assert valid_ref_name(name) == git


@pytest.mark.parametrize("ref", ["fix/ünïcode", "v1.0-é", "HEAD~1", "main^", "HEAD^2", "main~2^1", "HEAD^^",
                                 "0123abc", "refs/pull/7/merge"])
def test_revisions_users_type_are_accepted(ref):
    assert check_ref(ref) == ref


@pytest.mark.parametrize("ref", ["-n", "--output=/tmp/x", "-", "main..evil", "a...b", "HEAD:ownership",
                                 ":/message", "HEAD@{1}", "@{-1}", "main@{upstream}", "ma in", "main\n", "^main",
                                 "~1", "main^{tree}"])
def test_options_ranges_paths_and_reflogs_are_refused(ref):
    with pytest.raises(UsageError):
        check_ref(ref)


def test_diff_and_baseline_against_unicode_branches_and_revisions(tmp_path):
    repo = base_repo(tmp_path)
    first = repo.repo.head.commit.hexsha
    for branch in ("fix/ünïcode", "v1.0-é"):
        repo.repo.git.branch(branch)
    repo.replace("ownership/services.yaml", "owner: payments", "owner: finance")
    repo.commit("move the ledger")
    for ref in ("fix/ünïcode", "v1.0-é", "HEAD~1", "main^", first, first[:10]):
        result = run_cli("diff", ref, "--format", "json", repo=repo.root)
        assert result.code == 0, (ref, result.err)
        assert {"entity": "service:ledger", "field": "owner", "before": "payments",
                "after": "finance"} in result.json()["ownership"], ref
    result = run_cli("validate", "--format", "json", "--baseline", "fix/ünïcode", repo=repo.root)
    assert result.code in (0, 1), result.err


# --- symbolic links: the same answer from a git tree as from the disk ---------------------------------------

def sources_from_disk(root: Path) -> list[tuple]:
    return [(s.path, s.data, s.error) for s in (read_listed(root, item) for item in list_repo_files(root))]


def sources_from_git(root: Path, ref: str = "HEAD") -> list[tuple]:
    return [(s.path, s.data, s.error) for s in sources_at(root, ref)]


def linked_policy_repo(tmp_path: Path) -> GitRepo:
    """The policy folder lives in config/policy; a top-level `policy` links to it (issue 14)."""
    repo = base_repo(tmp_path)
    (repo.root / "config").mkdir()
    os.rename(repo.root / "policy", repo.root / "config" / "policy")
    os.symlink("config/policy", repo.root / "policy")
    repo.commit("policy moved to config/, linked")
    return repo


def test_a_linked_top_level_policy_folder_is_read_from_git_as_from_disk(tmp_path):
    repo = linked_policy_repo(tmp_path)
    from_git = sources_from_git(repo.root)
    assert from_git == sources_from_disk(repo.root)
    assert any(path.startswith("policy/") and data for path, data, _ in from_git)


def test_diff_head_of_an_unchanged_tree_with_a_linked_policy_shows_no_change(tmp_path):
    repo = linked_policy_repo(tmp_path)
    result = run_cli("diff", "HEAD", "--format", "json", repo=repo.root)
    assert result.code == 0, result.err
    diff = result.json()
    assert not any(diff["access"].get(key) for key in ("added", "removed", "changed"))
    assert not diff.get("roles") and not diff.get("changes") and not diff["ownership"]
    assert diff["findings"]["new"] == [] and diff["findings"]["fixed"] == []


@pytest.mark.parametrize(("name", "target"), [
    ("ownership/out.yaml", "../../outside.yaml"),  # leaves the repository
    ("ownership/abs.yaml", "/etc/hostname"),  # absolute: the machine's file system
    ("ownership/gone.yaml", "nothing-here.yaml"),  # points at nothing
    ("ownership/loop", "."),  # a folder linking to itself
    ("ownership/self.yaml", "self.yaml"),  # a link to itself
])
def test_links_that_cannot_be_followed_are_the_same_sch007_both_ways(tmp_path, name, target):
    repo = base_repo(tmp_path)
    (repo.root.parent / "outside.yaml").write_text("- {kind: Team, id: stolen, name: S, members: []}\n")
    os.symlink(target, repo.root / name)
    repo.commit("a link")
    from_git = sources_from_git(repo.root)
    assert from_git == sources_from_disk(repo.root)
    assert [error for path, _, error in from_git if path == name][0]
