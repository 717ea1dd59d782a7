"""Rules run on two cores report exactly what one core reports, whatever happens to the helper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import validator.parallel_rules as parallel_rules
from tests.conftest import ROOT, run_cli
from validator.engine import _run
from validator.load import load_repo
from validator.model import build_org
from validator.rules.context import Context
from validator.rules.registry import load_all

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def example():
    org, _ = build_org(load_repo(ROOT))
    context = Context(org, NOW)
    rules = [rule for rule in load_all().values() if rule.check is not None]
    return rules, (lambda rule: _run(rule, context))


def sequential(rules, run_one) -> list:
    return [finding for rule in rules for finding in run_one(rule)]


@pytest.fixture
def forced(monkeypatch):
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: True)
    forks = []
    real_fork = parallel_rules._fork
    monkeypatch.setattr(parallel_rules, "_fork", lambda *a: forks.append(real_fork(*a)) or forks[-1])
    return forks


def test_two_cores_give_the_same_findings_in_the_same_order(example, forced):
    rules, run_one = example
    expected = sequential(rules, run_one)
    assert parallel_rules.run_rules(rules, run_one, entities=10**6)[0] == expected
    assert forced and forced[0] is not None  # the helper really ran


def test_on_call_findings_come_back_from_the_helper(tmp_path, forced):
    """A repository with on-call findings (a one-person rotation): the helper's findings arrive."""
    org = tmp_path / "org"
    import shutil

    shutil.copytree(ROOT / "tests" / "fixtures" / "rules" / "ROT001" / "fail", org)
    loaded = load_repo(org)
    built, _ = build_org(loaded)
    context = Context(built, NOW)
    rules = [rule for rule in load_all().values() if rule.check is not None]
    run_one = lambda rule: _run(rule, context)  # noqa: E731
    expected = sequential(rules, run_one)
    assert any(f.rule == "ROT001" for f in expected)
    assert parallel_rules.run_rules(rules, run_one, entities=10**6)[0] == expected


def test_a_failed_helper_means_the_parent_runs_its_rules(example, forced, monkeypatch):
    rules, run_one = example
    expected = sequential(rules, run_one)
    monkeypatch.setattr(parallel_rules, "_collect", lambda pid, fd, wait=True: None)
    assert parallel_rules.run_rules(rules, run_one, entities=10**6)[0] == expected


def test_a_rule_that_fails_fails_the_run_as_on_one_core(example, forced):
    rules, run_one = example

    def broken(rule):
        if rule.topic == "rotation":
            raise RuntimeError("bug in a rule")
        return run_one(rule)

    with pytest.raises(RuntimeError, match="bug in a rule"):
        parallel_rules.run_rules(rules, broken, entities=10**6)


def test_small_organisations_and_jobs_1_stay_on_one_core(example, monkeypatch):
    rules, run_one = example
    monkeypatch.setattr(parallel_rules, "_fork", lambda *a: pytest.fail("forked"))
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: True)
    assert parallel_rules.run_rules(rules, run_one, entities=10) == (sequential(rules, run_one), False)
    monkeypatch.setenv("DUTYGUARD_JOBS", "1")
    monkeypatch.setattr(parallel_rules, "helpers_allowed", __import__("validator.jobs").jobs.helpers_allowed)
    assert parallel_rules.run_rules(rules, run_one, entities=10**6) == (sequential(rules, run_one), False)


def test_the_cli_output_is_the_same_with_and_without_helpers(monkeypatch):
    one = run_cli("validate", "--format", "json", repo=ROOT)
    monkeypatch.setattr(parallel_rules, "MIN_ENTITIES", 0)
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: True)
    two = run_cli("validate", "--format", "json", repo=ROOT)
    assert (two.code, two.out) == (one.code, one.out)


def test_the_helper_does_the_work_it_is_given_after_sending_its_findings(example, forced, tmp_path):
    import time

    rules, run_one = example
    marker = tmp_path / "written-by-the-helper"
    found, taken = parallel_rules.run_rules(rules, run_one, entities=10**6, child_then=marker.touch)
    assert (found, taken) == (sequential(rules, run_one), True)
    for _ in range(200):  # the parent did not wait for it
        if marker.exists():
            break
        time.sleep(0.05)
    assert marker.exists()


def test_work_given_to_a_failed_helper_is_left_to_the_parent(example, forced, monkeypatch):
    rules, run_one = example
    monkeypatch.setattr(parallel_rules, "_collect", lambda pid, fd, wait=True: None)
    found, taken = parallel_rules.run_rules(rules, run_one, entities=10**6, child_then=lambda: None)
    assert (found, taken) == (sequential(rules, run_one), False)


def test_the_model_built_in_batches_equals_the_model_built_at_once(tmp_path):
    """The engine models the first files while the load helper parses the rest: any split point
    gives the same organisation and findings, duplicates across the split included."""
    from validator.model import OrgBuilder, build_org

    loaded = load_repo(ROOT)
    twin = loaded.entities[3]  # a duplicate of an early entity, far after it
    entities = [*loaded.entities, twin]
    loaded.entities = entities
    org, findings = build_org(loaded)
    assert any(f.rule == "SCH004" for f in findings)
    for split in (0, 1, len(entities) // 2, len(entities) - 1, len(entities)):
        builder = OrgBuilder()
        builder.add(entities[:split])
        builder.add(entities[split:])
        batched, batched_findings = builder.finish()
        assert batched_findings == findings
        assert batched.sources == org.sources
        assert (batched.people, batched.grants, batched.absences) == (org.people, org.grants, org.absences)



def _validate_repo(root, monkeypatch, helpers: bool):
    import validator.load.parallel as load_parallel
    from validator.engine import validate_repo

    monkeypatch.setattr(parallel_rules, "MIN_ENTITIES", 0 if helpers else 10**9)
    monkeypatch.setattr(load_parallel, "MIN_BYTES", 1 if helpers else 10**12)
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: helpers)
    monkeypatch.setattr(load_parallel, "helpers_allowed", lambda: helpers)
    return validate_repo(root, NOW)


ON_CALL_FIXTURES = sorted(p for p in (ROOT / "tests" / "fixtures" / "rules").glob("*/fail")
                          if p.parent.name.startswith(("ROT", "ESC", "OWN", "SCH004")))


@pytest.mark.parametrize("root", [ROOT, *ON_CALL_FIXTURES], ids=lambda p: p.relative_to(ROOT).as_posix() or "example")
def test_a_whole_run_with_helpers_equals_a_run_on_one_core(root, monkeypatch):
    """The load helper, the model in batches and the rule helper change nothing a run reports."""
    one = _validate_repo(root, monkeypatch, helpers=False)
    two = _validate_repo(root, monkeypatch, helpers=True)
    assert two.findings == one.findings
    assert two.org.sources.keys() == one.org.sources.keys()


def test_a_helper_that_fails_on_a_rule_it_took_from_the_parent_leaves_it_to_the_parent(example, forced):
    """The helper takes the parent's rules from the back once its own are done; if it fails on one,
    the parent runs every rule it has no findings for."""
    rules, run_one = example
    expected = sequential(rules, run_one)

    def prepare():
        def strict(rule):
            if rule.topic not in parallel_rules.CHILD_TOPICS:
                raise RuntimeError("fails in the helper only")
            return run_one(rule)
        return strict

    helper = parallel_rules.start(rules, prepare, entities=10**6)
    assert helper is not None
    assert parallel_rules.finish(rules, run_one, helper) == (expected, False)


def test_the_helper_takes_the_parents_rules_from_the_back_when_the_parent_is_slow(example, forced):
    """Rules are shared out as they go: a slow parent leaves most of its rules to the helper."""
    import os
    import time

    rules, run_one = example
    expected = sequential(rules, run_one)
    parent = os.getpid()
    ran_here = []

    def slow_here(rule):
        if os.getpid() == parent:
            ran_here.append(rule.id)
            time.sleep(0.2)
        return run_one(rule)

    found, _ = parallel_rules.run_rules(rules, slow_here, entities=10**6)
    assert found == expected
    _, shared = parallel_rules.split(rules)
    assert len(ran_here) < len(shared) // 2
    assert ran_here == [rule.id for rule in shared[:len(ran_here)]]  # the parent's from the front


def test_claims_give_every_index_exactly_once_to_two_processes():
    import os
    import time

    claims = parallel_rules.Claims(2000)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        taken = []
        for index in claims.each(from_front=False):
            taken.append(index)
            time.sleep(0.0001)
        os.write(write_fd, ",".join(map(str, taken)).encode())
        os._exit(0)
    os.close(write_fd)
    mine = []
    for index in claims.each(from_front=True):
        mine.append(index)
        time.sleep(0.0001)
    with os.fdopen(read_fd, "rb") as pipe:
        text = pipe.read().decode()
    os.waitpid(pid, 0)
    theirs = [int(i) for i in text.split(",") if i]
    claims.close()
    assert sorted(mine + theirs) == list(range(2000))
    assert mine == sorted(mine) and theirs == sorted(theirs, reverse=True)
    assert mine and theirs


@pytest.mark.parametrize("missing", ["refused", "absent"])
def test_no_shared_memory_means_one_core(example, monkeypatch, missing):
    rules, run_one = example
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: True)
    if missing == "refused":  # the kernel says no
        monkeypatch.setattr(parallel_rules.os, "memfd_create", lambda *a: (_ for _ in ()).throw(OSError("no memfd")))
    else:  # a Python built without it
        monkeypatch.delattr(parallel_rules.os, "memfd_create")
    monkeypatch.setattr(parallel_rules, "_fork", lambda *a: pytest.fail("forked"))
    assert parallel_rules.run_rules(rules, run_one, entities=10**6) == (sequential(rules, run_one), False)


def test_a_lock_that_fails_leaves_the_rules_to_the_parent(example, forced, monkeypatch):
    """If taking a rule fails (the lock), both processes stop taking; the parent runs what is missing."""
    rules, run_one = example
    expected = sequential(rules, run_one)

    def refuse(*args):
        raise OSError("no locks")

    monkeypatch.setattr(parallel_rules.fcntl, "lockf", refuse)
    assert parallel_rules.run_rules(rules, run_one, entities=10**6)[0] == expected
    assert forced and forced[0] is not None


def test_files_already_read_are_loaded_on_two_cores_as_on_one(monkeypatch):
    """`validate_sources` (a tree read from git, for `diff` and `--baseline`) shares the load with
    the helper as a repository on disk does, and reports the same."""
    import validator.load.parallel as load_parallel
    from validator.engine import validate_sources
    from validator.load.files import list_repo_files, read_listed

    sources = [read_listed(ROOT, listed) for listed in list_repo_files(ROOT)]
    sources = [type(s)(s.path, s.data, s.error, len(s.data or b"")) for s in sources]
    monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: False)
    monkeypatch.setattr(load_parallel, "helpers_allowed", lambda: False)
    one = validate_sources(sources, NOW)
    started = []
    real_start = load_parallel.start
    monkeypatch.setattr(load_parallel, "start", lambda *a: started.append(real_start(*a)) or started[-1])
    monkeypatch.setattr(load_parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(load_parallel, "helpers_allowed", lambda: True)
    two = validate_sources(sources, NOW)
    assert started and started[0] is not None  # the load helper really ran
    assert two.findings == one.findings
    assert two.org.sources.keys() == one.org.sources.keys()


def test_a_rule_that_fails_in_the_parent_stops_and_reaps_the_helper(example, forced):
    import os

    rules, run_one = example
    parent = os.getpid()

    def broken_here(rule):
        if os.getpid() == parent:
            raise RuntimeError("bug in a rule")
        return run_one(rule)

    with pytest.raises(RuntimeError, match="bug in a rule"):
        parallel_rules.run_rules(rules, broken_here, entities=10**6)
    pid, _ = forced[0]
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)


def test_the_parent_reads_only_its_share_of_the_files(monkeypatch):
    """The load helper reads its own files and sends their bytes: the parent reads each file of
    the repository at most once, and none of the helper's."""
    import validator.load.files as files
    import validator.load.parallel as load_parallel
    from validator.load import load_repo

    monkeypatch.setattr(load_parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(load_parallel, "helpers_allowed", lambda: True)
    started, read_here = [], []
    real_start, real_read = load_parallel.start, files.read_file
    monkeypatch.setattr(load_parallel, "start", lambda *a: started.append(real_start(*a)) or started[-1])
    monkeypatch.setattr(files, "read_file", lambda full, rel: read_here.append(rel) or real_read(full, rel))
    loaded = load_repo(ROOT)
    (helper,) = started
    assert helper is not None and 0 < helper.start < len(loaded.files)
    assert sorted(read_here) == sorted(loaded.files[:helper.start])
