"""The incremental cache never changes what a run reports: warm runs equal cold runs after any edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import validator.cache as cache_module
from tests.conftest import ROOT, run_cli
from validator.cache import DIRNAME

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A copy of the example organisation, with one extra file we can edit."""
    root = tmp_path / "org"
    for top in ("ownership", "policy"):
        shutil.copytree(ROOT / top, root / top)
    (root / "ownership" / "extra").mkdir()
    (root / "ownership" / "extra" / "people.yaml").write_text(
        "- kind: Person\n  id: extra-one\n  name: Extra One\n  email: extra-one@example.com\n"
        "  timezone: Europe/Berlin\n")
    return root


def findings(root: Path, *flags: str) -> tuple[int, list[dict]]:
    result = run_cli(*flags, "validate", "--format", "json", repo=root, now=NOW)
    assert result.code in (0, 1), result.err
    return result.code, result.json()["findings"]


def cold(root: Path) -> tuple[int, list[dict]]:
    return findings(root, "--no-cache")


def assert_warm_equals_cold(root: Path) -> list[dict]:
    warm = findings(root)
    assert warm == cold(root)
    return warm[1]


def cache_file(root: Path) -> Path:
    files = list((root / DIRNAME).glob("parse-v*.jsonl"))
    assert len(files) == 1
    return files[0]


def test_a_run_fills_the_cache_and_a_second_run_reports_the_same(org: Path):
    first = findings(org)
    assert cache_file(org).stat().st_size > 0
    assert (org / DIRNAME / ".gitignore").read_text().strip().endswith("*")
    assert findings(org) == first == cold(org)


def test_no_cache_neither_reads_nor_writes(org: Path):
    cold(org)
    assert not (org / DIRNAME).exists()


@pytest.mark.parametrize("helpers", [False, True], ids=["one core", "helpers"])
def test_edits_deletions_and_renames_give_the_findings_of_a_cold_run(org: Path, monkeypatch, helpers: bool):
    if helpers:  # the load helper and the rule helper even on this small organisation
        import validator.load.parallel as load_parallel
        import validator.parallel_rules as parallel_rules

        monkeypatch.setattr(load_parallel, "MIN_BYTES", 1)
        monkeypatch.setattr(load_parallel, "helpers_allowed", lambda: True)
        monkeypatch.setattr(parallel_rules, "MIN_ENTITIES", 0)
        monkeypatch.setattr(parallel_rules, "helpers_allowed", lambda: True)
    findings(org)  # fill the cache
    people = org / "ownership" / "extra" / "people.yaml"

    # an edit deep inside an entity: the finding points at the field's own line
    people.write_text(people.read_text().replace("timezone: Europe/Berlin", "timezone: Europe/Berlim"))
    warm = assert_warm_equals_cold(org)
    sch003 = [f for f in warm if f["rule"] == "SCH003" and f["path"] == "ownership/extra/people.yaml"]
    assert [f["line"] for f in sch003] == [5]

    # a rename: the same content under another path is reported under its new path
    people.rename(org / "ownership" / "extra" / "renamed.yaml")
    warm = assert_warm_equals_cold(org)
    assert any(f["path"] == "ownership/extra/renamed.yaml" for f in warm)
    assert not any(f["path"] == "ownership/extra/people.yaml" for f in warm)

    # the fix, then a copy of the cached file elsewhere: a duplicate id, both places named
    renamed = org / "ownership" / "extra" / "renamed.yaml"
    renamed.write_text(renamed.read_text().replace("Europe/Berlim", "Europe/Berlin"))
    assert_warm_equals_cold(org)
    shutil.copy(org / "ownership" / "extra" / "renamed.yaml", org / "ownership" / "extra" / "copy.yaml")
    warm = assert_warm_equals_cold(org)
    assert {f["path"] for f in warm if f["rule"] == "SCH004"} >= {"ownership/extra/renamed.yaml",
                                                                  "ownership/extra/copy.yaml"}

    # a deletion: references into the deleted file become dangling
    teams = sorted((org / "ownership" / "teams").glob("*.yaml"))[0]
    teams.unlink()
    warm = assert_warm_equals_cold(org)
    assert any(f["rule"] == "SCH005" for f in warm)

    # a file that only the reference parser reads: anchors and duplicate keys keep their exact positions
    (org / "ownership" / "extra" / "copy.yaml").write_text(
        "kind: Person\nid: dup\nname: &n Dup\nname: Dup\nemail: d@example.com\ntimezone: UTC\n")
    warm = assert_warm_equals_cold(org)
    assert [(f["rule"], f["line"]) for f in warm if f["path"] == "ownership/extra/copy.yaml"] == [("SCH006", 3)]


def test_a_corrupt_cache_is_ignored(org: Path):
    expected = findings(org)
    path = cache_file(org)
    lines = path.read_text().splitlines()
    key = lines[0].split("\t")[0]
    garbage = [f"{key}\t[1, 2", "not a line", f"{'0' * 64}\t{{}}", "\x00\x01"] + [
        f"{line.split(chr(9))[0]}\t[1, [1], [[[\"x\", 1, 1]]]]" for line in lines[1:3]]
    path.write_text("\n".join(garbage + lines[3:]) + "\n")
    assert findings(org) == expected
    path.write_bytes(b"\xff\xfe not utf-8")
    assert findings(org) == expected


def test_a_cache_is_never_trusted_across_versions(org: Path, monkeypatch):
    expected = cold(org)
    findings(org)
    path = cache_file(org)
    # make the cached copy of every file claim to be empty: if it were read, every entity would vanish
    path.write_text("".join(f"{line.split(chr(9))[0]}\t[0,[],[]]\n" for line in path.read_text().splitlines()))
    monkeypatch.setattr(cache_module, "__version__", "999.0.0")
    assert findings(org) == expected
    assert cache_file(org).name == f"parse-v{cache_module.SCHEMA}-999.0.0.jsonl"  # the old version's is gone


def test_an_unwritable_cache_folder_only_costs_speed(org: Path):
    (org / DIRNAME).write_text("a file where the cache folder should be")
    assert findings(org) == cold(org)


def test_a_helper_process_gives_the_same_findings_and_fills_the_cache(org: Path, monkeypatch):
    import validator.load.parallel as parallel
    from validator.load.fastpath import parse_fast

    (org / "ownership" / "extra" / "bad.yaml").write_text("kind: Person\nid: x\nid: y\n")  # SCH002: never cached
    expected = cold(org)  # small: no helper
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "helpers_allowed", lambda: True)
    started = []
    real_start = parallel.start
    monkeypatch.setattr(parallel, "start", lambda *a: started.append(real_start(*a)) or started[-1])
    assert cold(org) == expected  # --no-cache: the helper still shares the parse
    assert findings(org) == expected
    assert len(started) == 2 and all(helper is not None for helper in started)
    clean = [p for p in org.rglob("*.yaml") if parse_fast(p.read_text()) is not None]
    assert cache_file(org).read_text().count("\n") == len(clean)  # everything the fast path can parse
    assert findings(org) == expected  # and a warm run from that cache


def test_the_program_saves_the_cache_from_a_background_child(org: Path):
    """`dutyguard` (cli.run) leaves the cache to a forked child; it appears complete, and equals
    the cache an in-process run writes."""
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "validator", "--repo", str(org), "--now", NOW,  # noqa: S603
                           "validate", "--format", "json"], capture_output=True, env=env, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    folder = org / DIRNAME
    for _ in range(400):  # the child renames the complete cache into place
        if folder.is_dir() and list(folder.glob("parse-v*.jsonl")):
            break
        time.sleep(0.05)
    background = cache_file(org).read_text()
    shutil.rmtree(folder)
    findings(org)  # in-process: saved before it returns
    assert cache_file(org).read_text() == background
    assert findings(org) == cold(org)


def test_wait_for_writers_waits_for_a_writer_holding_the_lock(org: Path):
    import threading

    findings(org)  # creates the folder
    waited = threading.Event()
    with cache_module._writer_lock(org / DIRNAME):
        waiter = threading.Thread(target=lambda: (cache_module.wait_for_writers(org), waited.set()))
        waiter.start()
        assert not waited.wait(0.3)  # still writing: it waits
    waiter.join(5)
    assert waited.is_set()


def test_a_helper_that_dies_after_some_frames_leaves_the_rest_to_the_parent(org: Path, monkeypatch):
    """The load helper sends its share in frames; if it dies midway, the files its frames did not
    cover are parsed by the parent, and the run reports the same."""
    import validator.load.parallel as parallel

    expected = cold(org)  # small: no helper
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "FRAMES", 6)
    monkeypatch.setattr(parallel, "helpers_allowed", lambda: True)
    real_frames = parallel._frames

    def two_then_die(root, indexed, cache):
        frames = real_frames(root, indexed, cache)
        yield next(frames)
        yield next(frames)
        raise RuntimeError("the helper dies")

    monkeypatch.setattr(parallel, "_frames", two_then_die)
    received = []
    real_receive = parallel.Helper.receive_one
    monkeypatch.setattr(parallel.Helper, "receive_one",
                        lambda self, cache: (real_receive(self, cache), received.append(self.covered)))
    assert cold(org) == expected
    assert len(set(received)) >= 2  # two frames arrived, then the end of the stream


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_the_load_helper_is_reaped_and_its_pipe_closed(org: Path, monkeypatch):
    """In a long-lived process (a library user, the tests) every helper ends before the run returns:
    no zombie process, no open pipe left behind."""
    import validator.load.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "helpers_allowed", lambda: True)
    started = []
    real_start = parallel.start
    monkeypatch.setattr(parallel, "start", lambda *a: started.append(real_start(*a)) or started[-1])
    fds_before = len(os.listdir("/proc/self/fd"))
    cold(org)
    (helper,) = started
    assert helper is not None and not helper.waiting
    try:
        os.waitpid(helper.pid, os.WNOHANG)
        reaped = False
    except ChildProcessError:
        reaped = True
    assert reaped
    assert len(os.listdir("/proc/self/fd")) <= fds_before
