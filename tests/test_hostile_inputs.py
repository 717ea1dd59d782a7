"""Hostile input (issue 9, item 1): every attack is a finding at its file and line, or one line and exit 2.

Each test builds a tiny repository in a temporary folder and runs the real CLI. In-process runs prove
that `main()` returns rather than raises; inputs that could hang (billion laughs, deep nesting, FIFOs,
tiny turns) run in a subprocess with a generous timeout so that a regression fails instead of blocking.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import NOW, ROOT, run_cli

PERSON = """\
kind: Person
id: alice
name: Alice
email: alice@example.com
timezone: Europe/Berlin
"""


def checked(result) -> list[dict]:
    """The findings of a `validate --format json` run that returned normally, one line each."""
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err
    findings = result.json()["findings"]
    for finding in findings:
        assert "\n" not in finding["message"] and "\r" not in finding["message"]
        assert len(finding["message"]) < 400, "a hostile value must not flood the output"
    return findings


def located(result, rule: str) -> list[tuple[str, int]]:
    return sorted((f["path"], f["line"]) for f in checked(result) if f["rule"] == rule)


def message(result, rule: str) -> str:
    return " | ".join(f["message"] for f in checked(result) if f["rule"] == rule)


def validate(root: Path):
    return run_cli("validate", "--format", "json", repo=root)


def validate_in_subprocess(root: Path, timeout: float = 30) -> tuple[int, list[dict], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "--repo", str(root), "--now", NOW, "validate", "--format", "json"],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"], proc.stderr


def raw_repo(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "repo"
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "ownership").mkdir(parents=True, exist_ok=True)
    return root


# --- sizes and counts ------------------------------------------------------------------------------


def test_a_file_over_2_mib_is_sch007_and_not_read(tmp_path):
    root = raw_repo(tmp_path, {"ownership/big.yaml": b"# " + b"x" * (2 * 2**20) + b"\n",
                               "ownership/people.yaml": PERSON.encode()})
    result = validate(root)
    assert located(result, "SCH007") == [("ownership/big.yaml", 1)]
    assert "larger than 2 MiB" in message(result, "SCH007")


def test_the_total_size_limit_stops_reading_with_sch007(tmp_path, monkeypatch):
    monkeypatch.setattr("validator.load.files.MAX_TOTAL_BYTES", 2 * len(PERSON) + 10)
    files = {f"ownership/p{i}.yaml": PERSON.replace("alice", f"p{i}").encode() for i in range(4)}
    result = validate(raw_repo(tmp_path, files))
    assert located(result, "SCH007") == [("ownership/p2.yaml", 1)]
    assert "in total" in message(result, "SCH007")


def test_the_real_total_size_limit_is_64_mib():
    from validator.load import files

    assert files.MAX_FILE_BYTES == 2 * 2**20
    assert files.MAX_TOTAL_BYTES == 64 * 2**20


def test_more_entities_than_the_limit_is_sch007_at_the_first_one_over(repo, monkeypatch):
    monkeypatch.setattr("validator.load.MAX_ENTITIES", 3)
    people = "".join(f"- {{kind: Person, id: p{i}, name: P, email: p{i}@example.com, timezone: UTC}}\n"
                     for i in range(6))
    result = validate(repo({"ownership/people.yaml": people}))
    assert located(result, "SCH007") == [("ownership/people.yaml", 4)]
    assert "more than 3 entities" in message(result, "SCH007")


def test_more_yaml_values_than_the_budget_is_sch007_and_later_files_are_skipped(repo, monkeypatch):
    monkeypatch.setattr("validator.load.reference.MAX_NODES", 20)
    root = repo({"ownership/a.yaml": "[" + ", ".join(["1"] * 30) + "]\n", "ownership/b.yaml": PERSON})
    result = validate(root)
    assert located(result, "SCH007") == [("ownership/a.yaml", 1)]
    assert "more than 20 values" in message(result, "SCH007")


def test_a_deeply_nested_block_document_is_sch007_at_the_line_it_gets_too_deep(repo):
    text = "a:\n" + "".join("  " * i + f"b{i}:\n" for i in range(1, 100))
    result = validate(repo({"ownership/deep.yaml": text}))
    assert located(result, "SCH007") == [("ownership/deep.yaml", 65)]
    assert "nesting deeper than 64 levels" in message(result, "SCH007")


def test_a_hundred_thousand_open_brackets_are_refused_quickly(tmp_path):
    root = raw_repo(tmp_path, {"ownership/deep.yaml": b"[" * 100_000 + b"]" * 100_000 + b"\n"})
    code, findings, _ = validate_in_subprocess(root)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("SCH007", "ownership/deep.yaml", 1)]


def test_billion_laughs_is_refused_at_the_first_anchor(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 12)]
    root = raw_repo(tmp_path, {"ownership/laughs.yaml": ("\n".join(lines) + "\n").encode()})
    code, findings, _ = validate_in_subprocess(root)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("SCH006", "ownership/laughs.yaml", 1)]


def test_a_horizon_over_366_days_is_sch003_at_the_horizon_line(repo):
    result = validate(repo({"policy/settings.yaml": "kind: Settings\nhorizon: 999999w\n"}))
    assert located(result, "SCH003") == [("policy/settings.yaml", 2)]
    assert "366" in message(result, "SCH003")


def test_a_horizon_of_366_days_is_accepted(repo):
    result = validate(repo({"policy/settings.yaml": "kind: Settings\nhorizon: 366d\n"}))
    assert located(result, "SCH003") == []


# --- scalars: numbers, dates, YAML 1.1 --------------------------------------------------------------


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 100, "0x" + "f" * 100_000, "0o" + "7" * 5000])
def test_a_huge_integer_is_an_sch003_type_error_with_a_short_message(repo, value):
    text = f"kind: Service\nid: checkout\nowner: payments\ntier: {value}\n"
    result = validate(repo({"ownership/services.yaml": text}))
    assert located(result, "SCH003") == [("ownership/services.yaml", 4)]
    assert "characters)" in message(result, "SCH003")


def test_a_nul_byte_is_sch001_at_its_own_line(tmp_path):
    root = raw_repo(tmp_path, {"ownership/people.yaml": b"kind: Person\nid: ali\x00ce\n"})
    result = validate(root)
    assert located(result, "SCH001") == [("ownership/people.yaml", 2)]
    assert "U+0000" in message(result, "SCH001")


def test_other_control_characters_are_sch001_at_their_line_even_after_multibyte_text(tmp_path):
    root = raw_repo(tmp_path, {"ownership/people.yaml": "kind: Person\nname: Jürgen 😀\nid: a\x07\n".encode()})
    assert located(validate(root), "SCH001") == [("ownership/people.yaml", 3)]


def test_a_utf8_bom_and_crlf_line_ends_are_accepted_and_lines_still_count(tmp_path):
    text = "\ufeff" + PERSON.replace("\n", "\r\n")
    root = raw_repo(tmp_path, {"ownership/people.yaml": text.encode("utf-8")})
    assert checked(validate(root)) == []
    broken = "\ufeff" + PERSON.replace("Europe/Berlin", "Europe/Berlim").replace("\n", "\r\n")
    root = raw_repo(tmp_path, {"ownership/people.yaml": broken.encode("utf-8")})
    assert located(validate(root), "SCH003") == [("ownership/people.yaml", 5)]


def test_a_file_that_is_not_utf8_is_sch007(tmp_path):
    root = raw_repo(tmp_path, {"ownership/people.yaml": PERSON.replace("Alice", "Al\xefce").encode("latin-1")})
    result = validate(root)
    assert located(result, "SCH007") == [("ownership/people.yaml", 1)]
    assert "not UTF-8" in message(result, "SCH007")


def test_tab_indentation_is_sch001_at_the_tab(tmp_path):
    root = raw_repo(tmp_path, {"ownership/people.yaml": b"kind: Person\n\tid: alice\n"})
    assert located(validate(root), "SCH001") == [("ownership/people.yaml", 2)]


def test_tabs_between_key_and_value_are_accepted(tmp_path):
    text = PERSON.replace("kind: Person", "kind:\tPerson").replace("name: Alice", "name: Alice\t")
    assert checked(validate(raw_repo(tmp_path, {"ownership/people.yaml": text.encode()}))) == []


def test_yaml_1_1_no_is_not_silently_false(repo):
    result = validate(repo({"ownership/people.yaml": PERSON + "active: no\n"}))
    assert located(result, "SCH003") == [("ownership/people.yaml", 6)]
    assert "'no'" in message(result, "SCH003")


def test_yaml_1_1_on_as_a_key_stays_the_text_on(repo):
    result = validate(repo({"ownership/people.yaml": PERSON + "on: true\n"}))
    assert located(result, "SCH003") == [("ownership/people.yaml", 6)]
    assert "no field 'on'" in message(result, "SCH003")


@pytest.mark.parametrize("tier", ["0123", "1_000", "01"])
def test_yaml_1_1_numbers_stay_the_text_a_reader_sees(repo, tier):
    result = validate(repo({"ownership/services.yaml": f"kind: Service\nid: s\nowner: t\ntier: {tier}\n"}))
    assert located(result, "SCH003") == [("ownership/services.yaml", 4)]
    assert f"'{tier}'" in message(result, "SCH003")


def test_an_unquoted_account_with_a_leading_zero_keeps_its_digits(repo):
    role = ("kind: Role\nid: deploy\nenvironment: staging\naccount: 012345678901\nstatements:\n"
            "  - {effect: Allow, actions: [ecs:DescribeServices], resources: ['*']}\n")
    assert located(validate(repo({"policy/roles.yaml": role})), "SCH003") == []


@pytest.mark.parametrize("field,value,line", [
    ("expires", "2026-02-30", 6),
    ("expires", "2026-13-01", 6),
    ("expires", "2026-02-30T10:00:00Z", 6),
])
def test_an_impossible_date_is_sch003_at_its_field(repo, field, value, line):
    grant = f"kind: Grant\nid: g\nrole: r\nto: [person:alice]\nreason: x\n{field}: {value}\n"
    result = validate(repo({"policy/grants.yaml": grant}))
    assert located(result, "SCH003") == [("policy/grants.yaml", line)]
    assert value in message(result, "SCH003")


def test_an_impossible_rotation_start_is_sch003_at_its_line(repo):
    rotation = ("kind: Rotation\nid: r\ntimezone: UTC\nlayers:\n  - name: a\n    members: [alice]\n"
                "    start: 2026-02-30T09:00\n    turn: 1w\n")
    assert located(validate(repo({"ownership/rotations.yaml": rotation})), "SCH003") == [
        ("ownership/rotations.yaml", 7)]


# --- YAML structure ---------------------------------------------------------------------------------


def test_a_merge_key_is_sch006_at_its_line(repo):
    result = validate(repo({"ownership/people.yaml": PERSON + "<<: {active: true}\n"}))
    assert located(result, "SCH006") == [("ownership/people.yaml", 6)]
    assert "merge key" in message(result, "SCH006")


def test_an_anchor_and_alias_is_sch006(repo):
    text = "- &p {kind: Person, id: a, name: A, email: a@example.com, timezone: UTC}\n- *p\n"
    assert located(validate(repo({"ownership/people.yaml": text})), "SCH006") == [("ownership/people.yaml", 1)]


def test_a_tag_is_sch006(repo):
    text = PERSON.replace("name: Alice", "name: !!python/object:os.system Alice")
    assert located(validate(repo({"ownership/people.yaml": text})), "SCH006") == [("ownership/people.yaml", 3)]


def test_an_unknown_kind_is_sch003_at_the_kind_with_a_suggestion(repo):
    result = validate(repo({"ownership/people.yaml": "# people\n" + PERSON.replace("kind: Person", "kind: Persn")}))
    assert located(result, "SCH003") == [("ownership/people.yaml", 2)]
    assert "did you mean Person" in message(result, "SCH003")


@pytest.mark.parametrize("kind", ["3", "[Person]", "~", "'Person '"])
def test_a_kind_that_is_not_a_kind_name_is_sch003(repo, kind):
    result = validate(repo({"ownership/people.yaml": PERSON.replace("kind: Person", f"kind: {kind}")}))
    assert located(result, "SCH003") == [("ownership/people.yaml", 1)]


def test_a_missing_kind_is_sch003_at_the_entity(repo):
    text = "- " + PERSON.replace("\n", "\n  ").rstrip() + "\n- {id: bob, name: Bob}\n"
    result = validate(repo({"ownership/people.yaml": text}))
    assert located(result, "SCH003") == [("ownership/people.yaml", 6)]
    assert "no 'kind'" in message(result, "SCH003")


@pytest.mark.parametrize("text", ["just text\n", "42\n", "- 1\n- two\n", "? [a]\n: b\n", "1: x\nkind: Person\n"])
def test_documents_that_are_not_entities_are_sch003(repo, text):
    result = validate(repo({"ownership/odd.yaml": text}))
    assert located(result, "SCH003")[0] == ("ownership/odd.yaml", 1)


def test_two_settings_documents_are_sch004_in_both_places(repo):
    root = repo({"policy/a.yaml": "kind: Settings\n", "policy/b.yaml": "---\nkind: Settings\nhorizon: 7d\n"})
    assert located(validate(root), "SCH004") == [("policy/a.yaml", 1), ("policy/b.yaml", 2)]


def test_many_empty_documents_are_harmless(repo):
    assert checked(validate(repo({"ownership/empty.yaml": "---\n" * 10_000}))) == []


# --- the file system ---------------------------------------------------------------------------------


def test_a_directory_named_x_yaml_is_walked_like_any_folder(repo):
    team = "kind: Team\nid: payments\nname: Payments\nmembers: [alice]\n"
    root = repo({"ownership/people.yaml/alice.yaml": PERSON, "ownership/teams.yaml": team})
    (root / "ownership" / "empty.yaml").mkdir()
    result = validate(root)
    assert located(result, "SCH005") == []
    assert not [f for f in checked(result) if f["rule"].startswith("SCH")]


def test_a_symlink_loop_between_files_is_sch007_for_each(tmp_path):
    root = raw_repo(tmp_path, {})
    os.symlink("b.yaml", root / "ownership" / "a.yaml")
    os.symlink("a.yaml", root / "ownership" / "b.yaml")
    result = validate(root)
    assert located(result, "SCH007") == [("ownership/a.yaml", 1), ("ownership/b.yaml", 1)]


def test_a_directory_link_loop_terminates_with_sch007(tmp_path):
    root = raw_repo(tmp_path, {"ownership/people.yaml": PERSON.encode()})
    os.symlink("..", root / "ownership" / "loop")
    os.symlink(".", root / "ownership" / "self")
    code, findings, _ = validate_in_subprocess(root)
    assert sorted((f["rule"], f["path"]) for f in findings) == [
        ("SCH007", "ownership/loop/ownership"), ("SCH007", "ownership/self")]
    assert all("link loop" in f["message"] for f in findings)


@pytest.mark.parametrize("target,name", [("/etc/passwd", "people.yaml"), ("../../outside.yaml", "people.yaml"),
                                         ("/etc", "elsewhere"), ("/dev/zero", "zero.yaml")])
def test_a_link_leaving_the_repository_is_sch007_and_not_followed(tmp_path, target, name):
    (tmp_path / "outside.yaml").write_text(PERSON)
    root = raw_repo(tmp_path, {})
    os.symlink(target, root / "ownership" / name)
    result = validate(root)
    assert located(result, "SCH007") == [(f"ownership/{name}", 1)]
    assert "leaves the repository" in message(result, "SCH007")
    assert "root:" not in result.out


def test_a_link_inside_the_repository_is_followed(tmp_path):
    root = raw_repo(tmp_path, {"shared/people.yaml": PERSON.encode()})
    os.symlink("../shared/people.yaml", root / "ownership" / "people.yaml")
    assert checked(validate(root)) == []


def _deny_reading(monkeypatch, denied: Path) -> None:
    """chmod 000 does not stop root: refuse the open() itself as the kernel would for anyone else."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file).resolve() == denied.resolve():
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def guarded_os_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file).resolve() == denied.resolve():
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)


def test_an_unreadable_file_is_sch007(tmp_path, monkeypatch):
    root = raw_repo(tmp_path, {"ownership/people.yaml": PERSON.encode(), "ownership/secret.yaml": PERSON.encode()})
    secret = root / "ownership" / "secret.yaml"
    secret.chmod(0)
    _deny_reading(monkeypatch, secret)
    try:
        result = validate(root)
    finally:
        secret.chmod(0o644)
    assert located(result, "SCH007") == [("ownership/secret.yaml", 1)]
    assert "cannot be read" in message(result, "SCH007")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_sch007(tmp_path):
    root = raw_repo(tmp_path, {"ownership/team/people.yaml": PERSON.encode()})
    (root / "ownership" / "team").chmod(0)
    try:
        result = validate(root)
    finally:
        (root / "ownership" / "team").chmod(0o755)
    assert located(result, "SCH007") == [("ownership/team", 1)]


def test_a_fifo_named_yaml_is_sch007_and_never_opened(tmp_path):
    root = raw_repo(tmp_path, {})
    os.mkfifo(root / "ownership" / "pipe.yaml")
    code, findings, _ = validate_in_subprocess(root)
    assert [(f["rule"], f["path"]) for f in findings] == [("SCH007", "ownership/pipe.yaml")]


# --- usage errors: one line on stderr, exit 2 -------------------------------------------------------


def _usage_error(result) -> str:
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("dutyguard: error: ")
    return result.err


def test_a_missing_repository_is_exit_2(tmp_path):
    assert "not a readable directory" in _usage_error(validate(tmp_path / "nowhere"))


def test_a_repository_that_is_a_file_is_exit_2(tmp_path):
    (tmp_path / "file").write_text("x")
    assert "not a readable directory" in _usage_error(validate(tmp_path / "file"))


def test_a_folder_without_ownership_or_policy_is_exit_2(tmp_path):
    assert "neither ownership/ nor policy/" in _usage_error(validate(tmp_path))


def test_an_ownership_that_is_a_file_is_exit_2(tmp_path):
    (tmp_path / "ownership").write_text(PERSON)
    assert "ownership" in _usage_error(validate(tmp_path))


def test_a_bad_now_is_exit_2(repo):
    result = run_cli("validate", repo=repo({"ownership/people.yaml": PERSON}), now="2026-02-30T00:00")
    assert "--now" in _usage_error(result)


def test_an_unknown_format_is_exit_2(repo):
    result = run_cli("validate", "--format", "xml", repo=repo({"ownership/people.yaml": PERSON}))
    _usage_error(result)



# --- bounded work: tiny turns over a long horizon ---------------------------------------------------------

TINY_TURNS = """\
- {kind: Person, id: alice, name: A, email: a@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: B, email: b@example.com, timezone: America/New_York}
- {kind: Person, id: carol, name: C, email: c@example.com, timezone: Asia/Tokyo}
- {kind: Team, id: ops, name: Ops, members: [alice, bob, carol], leads: [alice]}
- kind: Rotation
  id: blink
  timezone: Europe/Berlin
  layers:
    - {name: minutes, members: [alice, bob, carol], start: "2026-01-05T09:00", turn: 1m}
- {kind: Escalation, id: ops, levels: [{targets: [rotation:blink], after: 5m}, {targets: [person:alice]}]}
- {kind: Service, id: api, owner: ops, tier: 1, escalation: ops}
"""


def test_a_one_minute_turn_over_a_year_is_a_clear_finding_not_minutes_of_cpu(tmp_path):
    root = raw_repo(tmp_path, {"ownership/org.yaml": TINY_TURNS.encode(),
                               "policy/settings.yaml": b"kind: Settings\nhorizon: 366d\n"})
    code, findings, _ = validate_in_subprocess(root, timeout=60)
    assert code == 1
    bounded = [f for f in findings if "hand over about" in f["message"]]
    assert bounded and {(f["rule"], f["path"]) for f in bounded} == {("ROT002", "ownership/org.yaml")}
    assert "use a longer turn or a shorter horizon" in bounded[0]["message"]


def test_folders_nested_too_deep_are_sch007_not_a_recursion_error(tmp_path):
    root = raw_repo(tmp_path, {})
    deep = root / "ownership" / "/".join(["a"] * 300)
    deep.mkdir(parents=True)
    (deep / "people.yaml").write_text(PERSON)
    (root / "ownership" / "people.yaml").write_text(PERSON.replace("alice", "bob"))
    code, findings, _ = validate_in_subprocess(root)
    assert [(f["rule"], f["path"]) for f in findings] == [("SCH007", "ownership/" + "/".join(["a"] * 32))]
    assert "nested deeper than 32 levels" in findings[0]["message"]


def test_folders_nested_too_deep_in_git_history_are_sch007_too(tmp_path):
    import git

    root = raw_repo(tmp_path, {})
    deep = root / "ownership" / "/".join(["a"] * 40)
    deep.mkdir(parents=True)
    (deep / "people.yaml").write_text(PERSON)
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test").set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit("deep")
    from validator.git import sources_at

    (error,) = [(s.path, s.error) for s in sources_at(root, "HEAD") if s.error]
    assert error[0] == "ownership/" + "/".join(["a"] * 32)
    assert "nested deeper than 32 levels" in error[1]


# --- amplification: one file cannot flood the output ------------------------------------------------------


def test_thousands_of_unknown_fields_give_at_most_50_findings_and_a_summary(repo):
    text = PERSON + "".join(f"field{i}: 1\n" for i in range(3000))
    result = validate(repo({"ownership/people.yaml": text}))
    findings = [f for f in checked(result) if f["rule"] == "SCH003"]
    assert len(findings) == 51
    assert findings[0]["line"] == 6
    (summary,) = [f for f in findings if f["message"].startswith("... and 2,950 more SCH003 findings")]
    assert summary["path"] == "ownership/people.yaml" and summary["entity"] == "person:alice"


def test_thousands_of_duplicate_keys_give_at_most_50_findings_and_a_summary(repo):
    text = PERSON + "name: again\n" * 3000
    findings = [f for f in checked(validate(repo({"ownership/people.yaml": text}))) if f["rule"] == "SCH002"]
    assert len(findings) == 51
    assert "2,950 more SCH002" in findings[-1]["message"] or any("2,950 more" in f["message"] for f in findings)


# --- dates at the ends of the calendar ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00",
                                   "1969-12-31"])
def test_a_date_at_the_end_of_the_calendar_is_sch003_not_an_overflow(repo, value):
    grant = f"kind: Grant\nid: g\nrole: r\nto: [person:alice]\nreason: x\nexpires: {value}\n"
    absence = f"kind: Absence\nperson: alice\nfrom: 2026-12-01\nto: {value}\n"
    rotation = ("kind: Rotation\nid: r\ntimezone: Pacific/Kiritimati\nlayers:\n  - name: a\n    members: [alice]\n"
                f"    start: \"{value if 'T' in value else value + 'T00:00'}\"\n    turn: 1w\n")
    root = repo({"policy/grants.yaml": grant, "ownership/absences.yaml": absence, "ownership/rotations.yaml": rotation,
                 "ownership/people.yaml": PERSON})
    for argv in (("validate", "--format", "json"), ("calendar", "--person", "alice"), ("prune", "--dry-run"),
                 ("oncall", "x", "--at", NOW)):
        result = run_cli(*argv, repo=root)
        assert "Traceback" not in result.err and result.code in (0, 1, 2), (argv, result.err)
    result = validate(root)
    assert located(result, "SCH003") == [("ownership/absences.yaml", 4), ("ownership/rotations.yaml", 7),
                                         ("policy/grants.yaml", 6)]
    assert "outside the years 1970..2200" in message(result, "SCH003")


@pytest.mark.parametrize("flag,value", [("--now", "9999-12-31T23:59:59Z"), ("--now", "0001-01-01T00:00:00Z"),
                                        ("--at", "9999-12-31T23:59:59+14:00")])
def test_a_clock_at_the_end_of_the_calendar_is_exit_2(repo, flag, value):
    root = repo({"ownership/people.yaml": PERSON})
    if flag == "--now":
        result = run_cli("validate", repo=root, now=value)
    else:
        result = run_cli("oncall", "checkout-api", "--at", value, repo=ROOT)
    assert "outside the years 1970..2200" in _usage_error(result)


@pytest.mark.parametrize("escape", ["\\n", "\\r\\n", "\\N", "\\L", "\\P", "\\t", "\\e", "\\0"])
def test_line_breaks_and_control_characters_in_quoted_values_never_break_a_message(repo, escape):
    text = PERSON.replace("timezone: Europe/Berlin", f'timezone: "Europe/{escape}::error::x"')
    text += f'---\nkind: Team\nid: t\nname: "{escape}"\nmembers: [alice, "bob{escape}"]\n'
    result = validate(repo({"ownership/people.yaml": text}))
    messages = [f["message"] for f in checked(result) if f["rule"] == "SCH003"]
    assert len(messages) == 2
    for shown in messages:
        assert not re.search("[\x00-\x1f\x7f\x85\u2028\u2029]", shown), shown
    github = run_cli("validate", "--format", "github", repo=repo({"ownership/people.yaml": text}))
    assert all(line.startswith("::") for line in github.out.splitlines() if "::error::x" in line)


def test_a_duplicate_key_with_a_line_break_is_one_line_sch002(repo):
    result = validate(repo({"ownership/people.yaml": PERSON + '"a\\nb": 1\n"a\\nb": 2\n'}))
    assert located(result, "SCH002") == [("ownership/people.yaml", 7)]
    assert "a\\nb" in message(result, "SCH002")
