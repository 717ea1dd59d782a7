"""Reading a repository from git objects (validator/git.py), and the git-repository helper the diff and
baseline tests share: real repositories in temp dirs, real commits."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import git
import pytest

from tests.conftest import run_cli, write_repo
from validator.findings import UsageError
from validator.git import check_ref, sources_at

BASE_ORG = {
    "ownership/people.yaml": """
        - {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: carol, name: Carol, email: carol@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: dave, name: Dave, email: dave@example.com, timezone: America/New_York}
        - {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: Europe/London}
        - {kind: Person, id: frank, name: Frank, email: frank@example.com, timezone: Europe/London}
        - {kind: Person, id: grace, name: Grace, email: grace@example.com, timezone: Europe/London}
        """,
    "ownership/teams.yaml": """
        - {kind: Team, id: payments, name: Payments, members: [alice, bob, carol], leads: [alice]}
        - {kind: Team, id: finance, name: Finance, members: [frank, grace], leads: [frank]}
        - {kind: Team, id: security, name: Security, members: [erin, grace], leads: [erin]}
        """,
    "ownership/services.yaml": """
        - {kind: Service, id: ledger, owner: payments, tier: 4}
        """,
    "policy/settings.yaml": """
        kind: Settings
        approvers: team:security
        """,
    "policy/roles.yaml": """
        - kind: Role
          id: checkout-deploy
          environment: production
          account: "123456789012"
          service: ledger
          statements:
            - effect: Allow
              actions: [ecs:UpdateService]
              resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/ledger"]
        - kind: Role
          id: checkout-admin
          environment: production
          account: "123456789012"
          service: ledger
          statements:
            - effect: Allow
              actions: [iam:TagRole, iam:UpdateRoleDescription]
              resources: ["arn:aws:iam::123456789012:role/ledger-app"]
        """,
    "policy/grants.yaml": """
        - kind: Grant
          id: payments-deploy
          role: checkout-deploy
          to: [team:payments]
          reason: Deploy the ledger
          approved_by: [erin]
        """,
}


class GitRepo:
    """A real git repository in a temp dir: write files, commit, and run dutyguard in it."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Test")
            config.set_value("user", "email", "test@example.com")
            config.set_value("commit", "gpgsign", "false")

    def write(self, files: dict[str, str]) -> GitRepo:
        write_repo(self.root, files)
        return self

    def replace(self, rel: str, old: str, new: str) -> GitRepo:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return self

    def append(self, rel: str, text: str) -> GitRepo:
        with open(self.root / rel, "a", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text).lstrip("\n"))
        return self

    def commit(self, message: str) -> str:
        self.repo.git.add(A=True)
        self.repo.git.commit(m=message, allow_empty=True)
        return self.repo.head.commit.hexsha

    def cli(self, *args: str):
        return run_cli(*args, repo=self.root)


def base_repo(tmp_path: Path) -> GitRepo:
    """A git repository holding the small base organisation, committed once (tag `base`)."""
    repo = GitRepo(tmp_path / "work").write(BASE_ORG)
    repo.commit("base organisation")
    repo.repo.create_tag("base")
    return repo


@pytest.fixture
def gitrepo(tmp_path: Path) -> GitRepo:
    return base_repo(tmp_path)


# --- ref checking --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["main", "origin/main", "v1.2", "HEAD~1", "HEAD^", "refs/pull/7/merge",
                                 "0123abc", "feature/a-b_c"])
def test_ordinary_refs_are_accepted(ref):
    assert check_ref(ref) == ref


@pytest.mark.parametrize("ref", ["-n", "--output=/tmp/x", "main..evil", "a...b", "HEAD:ownership", "ma in",
                                 "main\n", "x\x1b[31m", "", "refs/*", "main.lock"])
def test_option_range_path_and_control_refs_are_refused(ref):
    with pytest.raises(UsageError):
        check_ref(ref)


def test_an_option_as_ref_is_a_usage_error_not_a_git_option(gitrepo):
    result = gitrepo.cli("diff", "--output=/tmp/pwned", "--format", "json")
    assert result.code == 2
    assert not Path("/tmp/pwned").exists()
    result = gitrepo.cli("diff", "--format", "json", "--", "-n")
    assert result.code == 2 and "not a git ref" in result.err


# --- reading trees ---------------------------------------------------------------------------------

def test_tree_is_read_from_git_objects_not_the_working_tree(gitrepo):
    (gitrepo.root / "ownership/services.yaml").write_text("this: [is not committed\n", encoding="utf-8")
    (gitrepo.root / "ownership/new.yaml").write_text("- {kind: Team}\n", encoding="utf-8")
    files = {s.path: s.data for s in sources_at(gitrepo.root, "base")}
    assert sorted(files) == ["ownership/people.yaml", "ownership/services.yaml", "ownership/teams.yaml",
                             "policy/grants.yaml", "policy/roles.yaml", "policy/settings.yaml"]
    assert b"ledger" in files["ownership/services.yaml"]


def test_files_unchanged_on_disk_are_taken_from_disk_the_others_from_git(gitrepo, monkeypatch):
    """A file whose bytes on disk have the commit's blob id is read from disk (no round trip to git);
    a changed one comes from git, so the content is the commit's either way."""
    committed = {s.path: s.data for s in sources_at(gitrepo.root, "base")}
    gitrepo.replace("ownership/services.yaml", "tier: 4", "tier: 2")
    (gitrepo.root / "policy/roles.yaml").unlink()
    from_git = []
    real_stream = git.Blob.data_stream
    monkeypatch.setattr(git.Blob, "data_stream", property(lambda blob: from_git.append(blob.path)
                                                            or real_stream.fget(blob)))
    sources = sources_at(gitrepo.root, "base")
    assert {s.path: s.data for s in sources} == committed
    assert sorted(from_git) == ["ownership/services.yaml", "policy/roles.yaml"]
    assert all(s.size == len(s.data) for s in sources)  # what the load helper splits the work by


def test_only_yaml_below_ownership_and_policy_is_read(gitrepo):
    gitrepo.write({"ownership/notes.txt": "x", "docs/x.yaml": "x: 1", "ownership/.hidden.yaml": "x: [",
                   "ownership/sub/more.yml": "- {kind: Person, id: zed, name: Zed, email: z@example.com, "
                                             "timezone: UTC}"})
    gitrepo.commit("extra files")
    paths = [s.path for s in sources_at(gitrepo.root, "HEAD")]
    assert "ownership/sub/more.yml" in paths
    assert not any(p.endswith((".txt",)) or p.startswith("docs/") or ".hidden" in p for p in paths)


def test_a_symlink_blob_is_reported_not_followed(gitrepo, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("- {kind: Team, id: stolen, name: Stolen}\n", encoding="utf-8")
    os.symlink(secret, gitrepo.root / "ownership" / "evil.yaml")
    gitrepo.commit("a link")
    sources = {s.path: s for s in sources_at(gitrepo.root, "HEAD")}
    assert sources["ownership/evil.yaml"].data is None
    assert "link" in sources["ownership/evil.yaml"].error
    os.remove(gitrepo.root / "ownership" / "evil.yaml")
    result = gitrepo.cli("validate", "--format", "json", "--baseline", "HEAD")
    assert result.code == 0  # the baseline (HEAD) has the SCH007, the working tree does not: nothing new


def test_a_repository_in_a_subfolder_of_the_git_work_tree(tmp_path):
    outer = GitRepo(tmp_path / "mono")
    outer.write({f"infra/oncall/{rel}": text for rel, text in BASE_ORG.items()})
    outer.commit("base")
    outer.replace("infra/oncall/ownership/services.yaml", "owner: payments", "owner: finance")
    result = run_cli("diff", "HEAD", "--format", "json", repo=tmp_path / "mono" / "infra" / "oncall")
    assert result.code == 0, result.err
    assert {"entity": "service:ledger", "field": "owner", "before": "payments",
            "after": "finance"} in result.json()["ownership"]


# --- errors a user meets ---------------------------------------------------------------------------

def test_unknown_ref_is_exit_2_with_a_clear_message(gitrepo):
    result = gitrepo.cli("diff", "no-such-branch")
    assert result.code == 2
    assert "unknown git ref 'no-such-branch'" in result.err
    assert "Traceback" not in result.err


def test_not_a_git_repository_is_exit_2(tmp_path):
    write_repo(tmp_path / "plain", BASE_ORG)
    result = run_cli("diff", "main", repo=tmp_path / "plain")
    assert result.code == 2 and "not inside a git repository" in result.err


def test_shallow_clone_without_base_says_fetch_depth_0(gitrepo, tmp_path):
    gitrepo.replace("ownership/services.yaml", "owner: payments", "owner: finance")
    gitrepo.commit("move the ledger")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{gitrepo.root}", str(clone)],
                   check=True, capture_output=True)
    assert (clone / ".git" / "shallow").exists()
    for ref in ("HEAD~1", "base", "origin/feature"):
        result = run_cli("diff", ref, "--format", "json", repo=clone)
        assert result.code == 2, (ref, result.out)
        assert "shallow clone" in result.err and "fetch-depth: 0" in result.err
    result = run_cli("validate", "--baseline", "HEAD~1", repo=clone)
    assert result.code == 2 and "fetch-depth: 0" in result.err


def test_a_symlinked_folder_is_read_from_git_as_from_disk(gitrepo, tmp_path):
    from validator.load.files import list_repo_files, read_listed

    os.symlink("../policy", gitrepo.root / "ownership" / "more")
    os.symlink("../README.md", gitrepo.root / "ownership" / "notes.md")
    gitrepo.commit("links")
    from_git = [(s.path, s.data, s.error) for s in sources_at(gitrepo.root, "HEAD")]
    on_disk = [(s.path, s.data, s.error) for s in (read_listed(gitrepo.root, item)
                                                   for item in list_repo_files(gitrepo.root))]
    assert from_git == on_disk
    assert any(path.startswith("ownership/more/") for path, _, _ in from_git)
