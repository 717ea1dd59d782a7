"""Fault injection (issue 9, item 4): a failed write leaves the old output byte-identical and no litter.

Failures are injected by monkeypatching the operating-system calls the writers use (`os.replace`,
`os.fsync`, `Path.write_bytes`, the directory exchange) to raise mid-way: a full disk (ENOSPC), a
permission error, an interrupt.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from validator.findings import UsageError
from validator.render import atomic
from validator.render.atomic import OutputError, write_file_atomic, write_files_atomic, write_tree_atomic

NOW = "2026-11-23T12:00:00Z"


def enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones too) -> its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith((".tmp", ".new", ".old", ".bak")))


# --- write_file_atomic ------------------------------------------------------------------------------


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "CODEOWNERS"
    path.write_bytes(b"old contents\n")
    return path


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(old_file, monkeypatch):
    monkeypatch.setattr(os, "replace", enospc)
    with pytest.raises(OutputError, match="No space left on device"):
        write_file_atomic(old_file, b"new contents\n")
    assert old_file.read_bytes() == b"old contents\n"
    assert leftovers(old_file.parent) == []


def test_a_full_disk_while_writing_keeps_the_old_file(old_file, monkeypatch):
    monkeypatch.setattr(os, "fsync", enospc)
    with pytest.raises(OutputError, match="previous output is unchanged"):
        write_file_atomic(old_file, b"new contents\n" * 1000)
    assert old_file.read_bytes() == b"old contents\n"
    assert leftovers(old_file.parent) == []


def test_an_interrupt_mid_way_keeps_the_old_file_and_is_not_swallowed(old_file, monkeypatch):
    def interrupt(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_file_atomic(old_file, b"new contents\n")
    assert old_file.read_bytes() == b"old contents\n"
    assert leftovers(old_file.parent) == []


def test_an_output_error_is_a_usage_error_so_the_cli_exits_2():
    assert issubclass(OutputError, UsageError)


def test_a_directory_is_refused_as_a_file_output(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        write_file_atomic(tmp_path, b"x")


def test_an_unwritable_place_is_an_output_error(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        write_file_atomic(tmp_path / "a-file" / "CODEOWNERS", b"x")


def test_success_replaces_the_file_and_keeps_its_mode(old_file):
    old_file.chmod(0o640)
    write_file_atomic(old_file, b"new\n")
    assert old_file.read_bytes() == b"new\n"
    assert old_file.stat().st_mode & 0o777 == 0o640
    assert leftovers(old_file.parent) == []


def test_a_new_file_gets_the_usual_mode_not_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        write_file_atomic(tmp_path / "new" / "CODEOWNERS", b"x")
    finally:
        os.umask(previous)
    assert (tmp_path / "new" / "CODEOWNERS").stat().st_mode & 0o777 == 0o644


# --- write_tree_atomic ------------------------------------------------------------------------------


OLD_TREE = {"manifest.json": b"[1]\n", "schedules/a.json": b"{\"a\": 1}\n", ".dutyguard-render": b"old\n"}
NEW_TREE = {"manifest.json": b"[2]\n", "schedules/b.json": b"{\"b\": 2}\n", "users/c.json": b"{}\n",
            ".dutyguard-render": b"new\n"}


@pytest.fixture
def old_tree(tmp_path: Path) -> Path:
    out = tmp_path / "build" / "pagerduty"
    write_tree_atomic(out, OLD_TREE)
    assert snapshot(out) == OLD_TREE
    return out


def test_a_full_disk_on_the_third_file_keeps_the_old_tree(old_tree, monkeypatch):
    real_write = Path.write_bytes
    calls = []

    def fill_up(self, data):
        calls.append(self)
        if len(calls) == 3:
            enospc()
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_up)
    with pytest.raises(OutputError, match="No space left on device"):
        write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == OLD_TREE
    assert leftovers(old_tree.parent) == []


def test_a_failed_exchange_keeps_the_old_tree(old_tree, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", enospc)
    with pytest.raises(OutputError):
        write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == OLD_TREE
    assert leftovers(old_tree.parent) == []


def test_without_exchange_a_failed_second_rename_puts_the_old_tree_back(old_tree, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            enospc()
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OutputError):
        write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == OLD_TREE
    assert leftovers(old_tree.parent) == []


def test_without_exchange_the_tree_is_still_replaced(old_tree, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == NEW_TREE
    assert leftovers(old_tree.parent) == []


def test_an_interrupt_while_writing_the_tree_keeps_the_old_tree(old_tree, monkeypatch):
    def interrupt(self, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == OLD_TREE
    assert leftovers(old_tree.parent) == []


def test_success_replaces_the_whole_tree_and_drops_stale_files(old_tree):
    write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == NEW_TREE
    assert leftovers(old_tree.parent) == []


def test_the_exchange_is_used_on_linux(old_tree, monkeypatch):
    """On Linux the swap is one renameat2(RENAME_EXCHANGE): os.replace is never needed."""
    if atomic._renameat2() is None:
        pytest.skip("no renameat2 on this platform")
    monkeypatch.setattr(os, "replace", enospc)
    write_tree_atomic(old_tree, NEW_TREE)
    assert snapshot(old_tree) == NEW_TREE


def test_a_file_in_the_way_of_a_tree_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.write_bytes(b"precious\n")
    with pytest.raises(OutputError, match="is a file"):
        write_tree_atomic(out, NEW_TREE)
    assert out.read_bytes() == b"precious\n"


@pytest.mark.parametrize("rel", ["../escape.json", "/etc/x.json", "a/../../b.json", ""])
def test_tree_paths_must_stay_inside_the_output(tmp_path, rel):
    with pytest.raises(ValueError):
        write_tree_atomic(tmp_path / "out", {rel: b"x"})
    assert not (tmp_path / "escape.json").exists()


def _render_many(out: str, tag: str, rounds: int) -> None:
    for i in range(rounds):
        write_tree_atomic(Path(out), {f"{tag}/{n}.json": f"{tag} {i}\n".encode() for n in range(20)}
                          | {"manifest.json": tag.encode()})


def test_concurrent_tree_writers_leave_one_complete_tree(tmp_path):
    out = tmp_path / "out"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_render_many, args=(str(out), tag, 15)) for tag in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    files = snapshot(out)
    tag = files["manifest.json"].decode()
    assert sorted(files) == sorted([f"{tag}/{n}.json" for n in range(20)] + ["manifest.json"])
    assert len({data for name, data in files.items() if name != "manifest.json"}) == 1


# --- write_files_atomic (prune) ----------------------------------------------------------------------------


@pytest.fixture
def three_files(tmp_path: Path) -> dict[Path, bytes]:
    files = {tmp_path / "a.yaml": b"a: old\n", tmp_path / "b.yaml": b"b: old\n", tmp_path / "c.yaml": b"c: old\n"}
    for path, data in files.items():
        path.write_bytes(data)
    return files


CHANGES = {"a.yaml": b"a: new\n", "b.yaml": b"b: new\n", "c.yaml": None}


def _changes(folder: Path) -> dict[Path, bytes | None]:
    return {folder / name: data for name, data in CHANGES.items()}


def test_several_files_change_together_and_a_none_deletes(tmp_path, three_files):
    write_files_atomic(_changes(tmp_path))
    assert snapshot(tmp_path) == {"a.yaml": b"a: new\n", "b.yaml": b"b: new\n"}


def test_a_full_disk_on_the_second_file_changes_none_of_them(tmp_path, three_files, monkeypatch):
    real_fsync = os.fsync
    calls = []

    def second_fails(fd):
        calls.append(fd)
        if len(calls) == 2:
            enospc()
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", second_fails)
    with pytest.raises(OutputError, match="No space left on device"):
        write_files_atomic(_changes(tmp_path))
    assert snapshot(tmp_path) == {p.name: d for p, d in three_files.items()}


def test_a_failing_second_rename_puts_the_first_file_back(tmp_path, three_files, monkeypatch):
    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            enospc()
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OutputError):
        write_files_atomic(_changes(tmp_path))
    assert snapshot(tmp_path) == {p.name: d for p, d in three_files.items()}


def test_a_failing_deletion_puts_the_rewritten_files_back(tmp_path, three_files, monkeypatch):
    def refuse(self, missing_ok=False):
        if self.name == "c.yaml":
            raise PermissionError(13, "Permission denied")
        return os.unlink(self)

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(OutputError, match="Permission denied"):
        write_files_atomic(_changes(tmp_path))
    assert snapshot(tmp_path) == {p.name: d for p, d in three_files.items()}


# --- through the CLI --------------------------------------------------------------------------------


FIXTURE_ORG = ROOT / "tests" / "fixtures" / "render" / "org"
EXPIRED_GRANT = """- kind: Grant
  id: old-deploy
  role: api-deploy
  to: [person:dee]
  reason: An incident long ago
  approved_by: [sec]
  expires: 2026-01-31
"""
EXPIRED_WAIVER = """waivers:
  - {rule: OWN002, entity: "team:web", reason: "hiring", expires: 2026-02-01, approved_by: sec}
"""


def _valid_org(tmp_path: Path) -> Path:
    """A copy of the render fixture organisation, which validates without errors."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_ORG, root, ignore=shutil.ignore_patterns(".dutyguard-cache"))
    check = run_cli("validate", "--format", "json", repo=root, now=NOW)
    assert check.code == 0, check.out
    return root


def _cli(*args: str, repo: Path):
    result = run_cli(*args, repo=repo, now=NOW)
    if "not implemented" in result.err:
        pytest.skip(f"{args[0]} has not landed yet")
    return result


def _usage_error_line(result) -> None:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err and result.err.count("\n") == 1, result.err
    assert result.err.startswith("dutyguard: error: ")


@pytest.mark.parametrize("target,fmt", [("pagerduty", "api"), ("pagerduty", "terraform"),
                                        ("iam", "json"), ("iam", "terraform")])
def test_render_with_a_full_disk_exits_2_and_keeps_the_old_render(tmp_path, monkeypatch, target, fmt):
    root = _valid_org(tmp_path)
    out = tmp_path / "build" / target
    first = _cli("render", target, "--out", str(out), "--format", fmt, repo=root)
    assert first.code == 0, first.err
    before = snapshot(out)
    people = root / "ownership" / "people.yaml"
    people.write_text(people.read_text().replace("name: Ana Lang", "name: Ana Lang-Berg"))
    real_write = Path.write_bytes
    calls = []

    def fill_up(self, data):
        calls.append(self)
        if len(calls) == 2:
            enospc()
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_up)
    result = run_cli("render", target, "--out", str(out), "--format", fmt, repo=root, now=NOW)
    _usage_error_line(result)
    assert "No space left on device" in result.err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_render_with_a_failing_swap_exits_2_and_keeps_the_old_render(tmp_path, monkeypatch):
    root = _valid_org(tmp_path)
    out = tmp_path / "build" / "iam"
    assert _cli("render", "iam", "--out", str(out), repo=root).code == 0
    before = snapshot(out)
    (root / "policy" / "roles.yaml").write_text((root / "policy" / "roles.yaml").read_text() + "# touched\n")
    monkeypatch.setattr(os, "replace", enospc)
    monkeypatch.setattr(atomic, "_exchange", enospc)
    _usage_error_line(run_cli("render", "iam", "--out", str(out), repo=root, now=NOW))
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_render_codeowners_with_a_full_disk_exits_2_and_keeps_the_old_file(tmp_path, monkeypatch):
    root = _valid_org(tmp_path)
    out = tmp_path / "CODEOWNERS"
    out.write_bytes(b"# old\n")
    monkeypatch.setattr(os, "fsync", enospc)
    _usage_error_line(_cli("render", "codeowners", "--out", str(out), repo=root))
    assert out.read_bytes() == b"# old\n"
    assert leftovers(tmp_path) == []


def _org_with_expired_entries(tmp_path: Path) -> Path:
    root = _valid_org(tmp_path)
    grants = root / "policy" / "grants.yaml"
    grants.write_text(grants.read_text() + EXPIRED_GRANT)
    settings = root / "policy" / "settings.yaml"
    settings.write_text(settings.read_text() + EXPIRED_WAIVER)
    return root


def test_prune_removes_from_two_files_when_nothing_fails(tmp_path):
    root = _org_with_expired_entries(tmp_path)
    result = _cli("prune", repo=root)
    assert result.code == 0, result.err
    assert "old-deploy" not in (root / "policy" / "grants.yaml").read_text()
    assert "OWN002" not in (root / "policy" / "settings.yaml").read_text()


@pytest.mark.parametrize("fault", ["fsync", "replace"])
def test_prune_with_a_fault_on_the_second_file_exits_2_and_changes_no_file(tmp_path, monkeypatch, fault):
    root = _org_with_expired_entries(tmp_path)
    before = snapshot(root)
    real = getattr(os, fault)
    calls = []

    def second_fails(*args):
        calls.append(args)
        if len(calls) == 2:
            enospc()
        return real(*args)

    monkeypatch.setattr(os, fault, second_fails)
    result = _cli("prune", repo=root)
    _usage_error_line(result)
    assert len(calls) >= 2, "the fault must hit the second file"
    assert snapshot(root) == before
    assert not [p for p in root.rglob("*") if p.name.endswith((".tmp", ".bak"))]


@pytest.mark.parametrize("special", ["/dev/stdout", "/dev/null", "/proc/self/fd/1", "link-to-null"])
def test_a_device_or_stream_is_refused_not_replaced_by_a_file(tmp_path, monkeypatch, special):
    """`--out /dev/stdout` must never turn /dev/stdout into a regular file (root may write /dev)."""
    if special == "link-to-null":
        (tmp_path / "link").symlink_to("/dev/null")
        special = str(tmp_path / "link")

    def never(*_args, **_kwargs):
        raise AssertionError("nothing may be created or renamed for a device")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", never)  # even a regression cannot touch /dev here
    monkeypatch.setattr(os, "replace", never)
    with pytest.raises(OutputError, match="not a regular file"):
        write_file_atomic(Path(special), b"x")


def test_a_link_to_a_file_keeps_the_link_and_replaces_its_target(tmp_path):
    target = tmp_path / "docs" / "CODEOWNERS"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    link = tmp_path / "CODEOWNERS"
    link.symlink_to("docs/CODEOWNERS")
    write_file_atomic(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"


def test_a_fifo_as_output_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file"):
        write_file_atomic(fifo, b"x")
    assert leftovers(tmp_path) == []


def test_calendar_out_with_a_full_disk_exits_2_and_keeps_the_old_file(tmp_path, monkeypatch):
    root = _valid_org(tmp_path)
    out = tmp_path / "ana.ics"
    out.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    monkeypatch.setattr(os, "fsync", enospc)
    _usage_error_line(_cli("calendar", "--person", "ana", "--out", str(out), repo=root))
    assert out.read_bytes() == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert leftovers(tmp_path) == []
