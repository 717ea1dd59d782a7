"""action.yml, the workflow and the pre-commit hook: schema-valid, safe, and their scripts really work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOW, ROOT
from tests.test_diff_gitrepo import base_repo

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
WORKFLOW_PATH = ROOT / ".github" / "workflows" / "dutyguard.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_PATH.read_text(encoding="utf-8"))
TEST_WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text(encoding="utf-8"))
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema,
                           *map(str, files)], capture_output=True, text=True, timeout=120)


# --- schemas (check-jsonschema's vendored copies: no network) ---------------------------------------

def test_action_yml_fits_the_github_actions_schema():
    result = check_jsonschema("vendor.github-actions", ROOT / "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_fit_the_github_workflows_schema():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert WORKFLOW_PATH in workflows
    result = check_jsonschema("vendor.github-workflows", *workflows)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_does_catch_a_broken_action(tmp_path):
    broken = tmp_path / "action.yml"
    broken.write_text("name: x\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n", encoding="utf-8")
    assert check_jsonschema("vendor.github-actions", broken).returncode != 0  # `shell` is missing


# --- the action's contract ----------------------------------------------------------------------------

def test_action_is_composite_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {"repo-path", "base-ref", "sarif", "comment", "python-version"} <= set(ACTION["inputs"])
    uses = [step.get("uses", "") for step in ACTION["runs"]["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("actions/github-script@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_action_scripts_never_splice_expressions_into_shell_text():
    """Script injection: inputs and event fields reach `run:` only through `env:`."""
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
        assert "${{" not in step.get("with", {}).get("script", ""), step.get("name")


def test_every_used_action_is_pinned_to_a_version():
    steps = ACTION["runs"]["steps"] + [s for flow in (WORKFLOW, TEST_WORKFLOW)
                                       for job in flow["jobs"].values() for s in job["steps"]]
    for step in steps:
        uses = step.get("uses")
        if uses and uses != "./":
            assert re.search(r"@(v\d+|[0-9a-f]{40})$", uses), uses


def test_the_workflow_uses_the_action_with_full_history():
    [job] = WORKFLOW["jobs"].values()
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(s.get("uses") == "./" for s in job["steps"])
    assert job["permissions"]["pull-requests"] == "write"


def test_the_action_installs_dutyguard_from_the_lock_with_hashes():
    install = step("Install dutyguard from its lock")["run"]
    assert '--require-hashes --no-deps' in install and "requirements.txt" in install
    assert "--no-deps --no-build-isolation" in install  # dutyguard itself adds nothing the lock did not pin
    assert (ROOT / "requirements.txt").is_file()


def test_the_action_uploads_the_json_diff_and_links_it_from_the_comment():
    diff = step("Access diff")["run"]
    assert "--format markdown" in diff and "--format json" in diff
    upload = step("Upload the access diff as JSON")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "${{ steps.diff.outputs.json }}"
    comment = step("Comment the access diff on the pull request")
    assert comment["env"]["ARTIFACT_URL"] == "${{ steps.artifact.outputs.artifact-url }}"


# --- the project's own test workflow ----------------------------------------------------------------------

def _runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def test_the_test_workflow_installs_from_the_lock_on_every_supported_python():
    job = TEST_WORKFLOW["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    runs = _runs(job)
    assert "pip install --require-hashes --no-deps -r requirements.txt" in runs
    assert "pip install --no-deps --no-build-isolation -e ." in runs
    assert "pytest" in runs


def test_a_scheduled_job_runs_the_suite_on_the_newest_versions():
    on = TEST_WORKFLOW[True] if True in TEST_WORKFLOW else TEST_WORKFLOW["on"]  # YAML 1.1 reads `on` as true
    assert on["schedule"][0]["cron"]
    job = TEST_WORKFLOW["jobs"]["latest"]
    assert "schedule" in job["if"]
    runs = _runs(job)
    assert "--upgrade" in runs and "requirements.txt" not in runs and "pytest" in runs


def test_the_workflow_gives_the_browser_tests_a_chromium_and_uploads_the_site():
    for name in ("test", "latest"):
        assert "DUTYGUARD_CHROMIUM=" in _runs(TEST_WORKFLOW["jobs"][name])
    example = TEST_WORKFLOW["jobs"]["example"]
    assert "render site --out build/site" in _runs(example)
    upload = next(s for s in example["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "build/site"


# --- the pre-commit hook -------------------------------------------------------------------------------

def test_pre_commit_hook():
    [hook] = HOOKS
    assert hook["id"] == "dutyguard" and hook["pass_filenames"] is False and hook["language"] == "python"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert hook["entry"].split()[0] in scripts and hook["entry"].split()[1] == "validate"
    files = re.compile(hook["files"])
    assert files.search("ownership/teams/a.yaml") and files.search("policy/roles/b.yml")
    assert not files.search("README.md") and not files.search("validator/x.yaml")


def test_pre_commit_hook_command_runs_in_the_repository(tmp_path):
    """pre-commit runs the entry in the repository's top folder, without file names."""
    [hook] = HOOKS
    entry = hook["entry"].split()
    repo = base_repo(tmp_path)
    command = [str(BIN / entry[0]), "--now", NOW, *entry[1:], *hook["args"]]
    result = subprocess.run(command, cwd=repo.root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK:" in result.stdout and "::" not in result.stdout
    repo.replace("ownership/services.yaml", "owner: payments", "owner: nobody")
    result = subprocess.run(command, cwd=repo.root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "SCH005" in result.stdout


# --- the action's shell steps, run for real against a shallow clone --------------------------------------

def step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)


def run_step(name: str, cwd: Path, env: dict[str, str], runner: Path) -> subprocess.CompletedProcess:
    """Run a `run:` step as GitHub does (`bash --noprofile --norc -eo pipefail`), with the runner's files."""
    # `dutyguard` on the PATH is the installed one with the clock fixed: no test reads the real date
    wrapper = runner / "bin"
    wrapper.mkdir(exist_ok=True)
    (wrapper / "dutyguard").write_text(f'#!/bin/sh\nexec "{BIN / "dutyguard"}" --now {NOW} "$@"\n', encoding="utf-8")
    (wrapper / "dutyguard").chmod(0o755)
    full = {**os.environ, "PATH": f"{wrapper}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(runner / "output"),
            "GITHUB_STEP_SUMMARY": str(runner / "summary"), **env}
    full.pop("GITHUB_ACTIONS", None)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(name)["run"]],
                          cwd=cwd, env=full, capture_output=True, text=True, timeout=120)


def outputs(runner: Path) -> dict[str, str]:
    lines = (runner / "output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def pull_request(tmp_path):
    """A pull request adding dave to payments, checked out shallowly as actions/checkout does by default."""
    repo = base_repo(tmp_path)
    base_sha = repo.repo.head.commit.hexsha
    repo.replace("ownership/teams.yaml", "members: [alice, bob, carol]", "members: [alice, bob, carol, dave]")
    repo.commit("dave joins payments")
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True, timeout=60)
    runner = tmp_path / "runner"
    runner.mkdir()
    return clone, base_sha, runner


def test_action_steps_fetch_the_base_diff_and_validate_in_a_shallow_clone(pull_request):
    clone, base_sha, runner = pull_request
    resolved = run_step("Resolve the base ref", clone, {"BASE_INPUT": "", "PR_BASE_SHA": base_sha}, runner)
    assert resolved.returncode == 0, resolved.stderr
    assert outputs(runner)["ref"] == base_sha

    diff = run_step("Access diff", clone, {"REPO_PATH": ".", "BASE": base_sha}, runner)
    assert diff.returncode == 0, diff.stderr
    as_json = json.loads(Path(outputs(runner)["json"]).read_text(encoding="utf-8"))
    assert [row["person"] for row in as_json["access"]["added"]] == ["dave"]
    comment = Path(outputs(runner)["file"]).read_text(encoding="utf-8")
    assert comment.startswith("<!-- dutyguard-diff -->")
    assert "1 person gains production access" in comment
    assert "1 person gains production access" in (runner / "summary").read_text(encoding="utf-8")

    validate = run_step("Validate", clone, {"REPO_PATH": ".", "BASE": base_sha, "USE_BASELINE": "true"}, runner)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_action_diff_step_fails_clearly_when_the_base_is_missing(pull_request):
    clone, _, runner = pull_request
    diff = run_step("Access diff", clone, {"REPO_PATH": ".", "BASE": "0" * 40}, runner)
    assert diff.returncode == 2
    assert "fetch-depth: 0" in diff.stderr


# --- the sticky comment script, run in node with a mocked GitHub client -------------------------------

NODE_HARNESS = r"""
const script = process.env.SCRIPT;
const existing = JSON.parse(process.env.EXISTING);
const calls = [];
const github = {
  paginate: async (fn, args) => { calls.push(['list', args.issue_number]); return existing; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (a) => { if (process.env.FAIL) throw new Error('Resource not accessible by integration');
                                  calls.push(['update', a.comment_id, a.body]); },
    createComment: async (a) => { if (process.env.FAIL) throw new Error('Resource not accessible by integration');
                                  calls.push(['create', a.issue_number, a.body]); },
  } },
};
const context = { repo: { owner: 'o', repo: 'r' }, payload: { pull_request: { number: 7 } } };
const core = { warning: (m) => calls.push(['warning', m]) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => console.log(JSON.stringify(calls)), (e) => { console.error(e); process.exit(3); });
"""


def run_comment_script(tmp_path, existing: list[dict], fail: bool = False, artifact_url: str = "") -> list:
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    diff_file = tmp_path / "diff.md"
    diff_file.write_text("<!-- dutyguard-diff -->\n### dutyguard: new body\n", encoding="utf-8")
    script = step("Comment the access diff on the pull request")["with"]["script"]
    env = {**os.environ, "SCRIPT": script, "EXISTING": json.dumps(existing), "DIFF_FILE": str(diff_file)}
    if fail:
        env["FAIL"] = "1"
    if artifact_url:
        env["ARTIFACT_URL"] = artifact_url
    proc = subprocess.run([node, "-e", NODE_HARNESS], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_comment_script_creates_one_comment_then_updates_it(tmp_path):
    calls = run_comment_script(tmp_path, [{"id": 1, "user": {"type": "User"}, "body": "LGTM"}])
    assert [c[0] for c in calls] == ["list", "create"] and calls[1][1] == 7
    assert calls[1][2].startswith("<!-- dutyguard-diff -->")
    mine = {"id": 42, "user": {"type": "Bot"}, "body": "<!-- dutyguard-diff -->\nold"}
    calls = run_comment_script(tmp_path, [{"id": 1, "user": {"type": "User"}, "body": "hi"}, mine])
    assert [c[:2] for c in calls] == [["list", 7], ["update", 42]]


def test_comment_script_ignores_a_human_comment_that_quotes_the_marker(tmp_path):
    human = {"id": 5, "user": {"type": "User"}, "body": "<!-- dutyguard-diff --> pasted"}
    calls = run_comment_script(tmp_path, [human])
    assert [c[0] for c in calls] == ["list", "create"]


def test_comment_script_only_warns_when_the_token_cannot_comment(tmp_path):
    calls = run_comment_script(tmp_path, [], fail=True)
    assert calls[-1][0] == "warning" and "job summary" in calls[-1][1]


def test_comment_links_the_json_artifact(tmp_path):
    url = "https://github.com/o/r/actions/runs/1/artifacts/2"
    calls = run_comment_script(tmp_path, [], artifact_url=url)
    body = calls[1][2]
    assert body.startswith("<!-- dutyguard-diff -->") and f"]({url})" in body
    calls = run_comment_script(tmp_path, [], artifact_url="javascript:alert(1)")  # not a URL GitHub gives
    assert "javascript" not in calls[1][2]


def test_requirements_txt_is_the_export_of_uv_lock():
    """uv.lock is the resolution of pyproject.toml's ranges; requirements.txt, what pip installs, pins the
    same versions with the same hashes (`make lock` writes both): neither can drift from the other."""
    import re
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p for p in lock["package"] if p["name"] != "dutyguard"}
    pinned: dict[str, tuple[str, set[str]]] = {}
    name = None
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if found:
            name = found.group(1).lower()
            pinned[name] = (found.group(2), set())
        for digest in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            pinned[name][1].add(digest)
    assert set(pinned) == set(locked)
    for name, (version, digests) in pinned.items():
        package = locked[name]
        assert version == package["version"], name
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert digests == {f["hash"].removeprefix("sha256:") for f in files}, name
        assert digests, name  # every pin is checked by pip --require-hashes
