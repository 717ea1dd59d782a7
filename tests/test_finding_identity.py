"""Finding identity (SPEC §3): subject and fingerprint, and what uses them (SARIF, --baseline, waivers)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from tests.conftest import FIXTURES, NOW, ROOT, findings_of, run_cli
from tests.test_diff_gitrepo import base_repo
from validator.commands.baseline import subtract
from validator.findings import Finding, fingerprint

DAY_LATER = "2026-11-24T12:00:00Z"


def copy_fixture(rule: str, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / rule / "fail", target, ignore=shutil.ignore_patterns("expected.yaml"))
    return target


def test_the_fingerprint_is_the_spec_hash_of_rule_entity_and_subject():
    import hashlib

    finding = Finding("SCH005", "error", "ownership/a.yaml", 3, "service:x", "msg", subject="owner=payments")
    assert finding.fingerprint == hashlib.sha256(b"SCH005\x1fservice:x\x1fowner=payments").hexdigest()
    assert finding.as_json()["fingerprint"] == finding.fingerprint
    moved = Finding("SCH005", "error", "ownership/b.yaml", 90, "service:x", "other text", subject="owner=payments")
    assert moved.fingerprint == finding.fingerprint


def test_sarif_fingerprints_do_not_change_with_now_a_day_later(tmp_path):
    """ACC004's message names a date relative to --now; the alert must stay the same alert."""
    root = copy_fixture("ACC004", tmp_path)
    grants = root / "policy" / "grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8") + "  expires: 2027-12-31\n", encoding="utf-8")

    def results(now: str) -> dict[str, str]:
        log = run_cli("validate", "--format", "sarif", repo=root, now=now).json()
        return {r["partialFingerprints"]["dutyguardFinding/v2"]: r["message"]["text"]
                for r in log["runs"][0]["results"]}

    today, tomorrow = results(NOW), results(DAY_LATER)
    assert today and set(today) == set(tomorrow)
    assert any(today[key] != tomorrow[key] for key in today), "the messages do differ between the two days"


def test_sarif_fingerprint_is_the_findings_fingerprint(tmp_path):
    root = copy_fixture("SCH005", tmp_path)
    data = run_cli("validate", "--format", "json", repo=root).json()["findings"]
    log = run_cli("validate", "--format", "sarif", repo=root).json()
    prints = [r["partialFingerprints"]["dutyguardFinding/v2"] for r in log["runs"][0]["results"]]
    assert sorted(prints) == sorted(f["fingerprint"] for f in data)


def test_baseline_matches_by_fingerprint_not_message_or_line():
    old = [Finding("ACC004", "error", "policy/g.yaml", 3, "grant:x", "shorten it to 2027-02-21")]
    new = [Finding("ACC004", "error", "policy/h.yaml", 9, "grant:x", "shorten it to 2027-02-22"),
           Finding("ACC004", "error", "policy/h.yaml", 9, "grant:y", "shorten it to 2027-02-22")]
    kept, dropped = subtract(new, old)
    assert dropped == 1 and [f.entity for f in kept] == ["grant:y"]


def test_baseline_of_a_git_ref_survives_a_day_and_moved_lines(tmp_path):
    repo = base_repo(tmp_path)
    repo.replace("ownership/services.yaml", "owner: payments", "owner: nobody")
    repo.commit("a dangling owner")
    (repo.root / "ownership" / "services.yaml").write_text(
        "# a comment moves every line\n\n" + (repo.root / "ownership" / "services.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    result = run_cli("validate", "--format", "json", "--baseline", "HEAD", repo=repo.root, now=DAY_LATER)
    data = result.json()
    assert result.code == 0, data
    assert data["counts"]["baseline"] >= 1 and not [f for f in data["findings"] if f["rule"] == "SCH005"]


# --- subjects of the schema, ownership and waiver rules -------------------------------------------------

def test_schema_findings_name_the_field_path(repo):
    root = repo({"ownership/org.yaml": """
        - {kind: Person, id: alice, name: Alice, email: a@example.com, timezone: Europe/Berlin}
        - kind: Rotation
          id: primary
          timezone: UTC
          start: 2026-11-02T09:00
          layers:
            - name: main
              members: [alice]
              turn: 1w
              turn: 2w
        - {kind: Service, id: api, owner: payments, tier: 4, color: red}
        - {kind: Service, id: web, owner: payments, tier: 4}
        """})
    findings = {(f["rule"], f["entity"], f["subject"]) for f in findings_of(run_cli("validate", "--format", "json",
                                                                                    repo=root))}
    assert ("SCH002", "rotation:primary", "layers.0.turn") in findings
    assert ("SCH003", "service:api", "color") in findings
    assert ("SCH005", "service:web", "owner=payments") in findings


def test_duplicate_ids_are_two_findings_with_two_subjects(repo):
    team = "- {kind: Team, id: payments, name: P, members: [alice]}\n"
    root = repo({"ownership/a.yaml": "- {kind: Person, id: alice, name: A, email: a@x.io, timezone: UTC}\n" + team,
                 "ownership/b.yaml": team})
    found = findings_of(run_cli("validate", "--format", "json", repo=root), "SCH004")
    assert sorted(f["subject"] for f in found) == ["file:ownership/a.yaml", "file:ownership/b.yaml"]


def test_an_inactive_person_twice_in_one_team_is_one_finding(repo):
    root = repo({"ownership/org.yaml": """
        - {kind: Person, id: alice, name: A, email: a@x.io, timezone: UTC}
        - {kind: Person, id: bob, name: B, email: b@x.io, timezone: UTC, active: false}
        - {kind: Team, id: payments, name: P, members: [alice, bob], leads: [bob]}
        """})
    [found] = findings_of(run_cli("validate", "--format", "json", repo=root), "OWN005")
    assert found["subject"] == "person:bob" and "a member of and a lead of team:payments" in found["message"]


def test_rule_entity_and_subject_are_unique_in_every_fixture_of_the_rules_here():
    """(rule, entity, subject) is unique in a run (SCH, OWN and WVR rules; the others have their own tests)."""
    for folder in sorted((FIXTURES / "rules").glob("*/*")):
        if not folder.is_dir() or not folder.parent.name.startswith(("SCH", "OWN", "WVR")):
            continue
        found = findings_of(run_cli("validate", "--format", "json", repo=folder))
        keys = Counter((f["rule"], f["entity"], f["subject"]) for f in found
                       if f["rule"].startswith(("SCH", "OWN", "WVR")))
        assert [key for key, n in keys.items() if n > 1] == [], folder


# --- waivers: the ROT001 story of issue 14, with OWN005 -------------------------------------------------

STORY_PEOPLE = """
- {kind: Person, id: alice, name: A, email: a@x.io, timezone: UTC}
- {kind: Person, id: bob, name: B, email: b@x.io, timezone: UTC, active: false}
- {kind: Person, id: carol, name: C, email: c@x.io, timezone: UTC, active: CAROL}
- {kind: Person, id: erin, name: E, email: e@x.io, timezone: UTC}
- {kind: Team, id: payments, name: P, members: [alice, bob, carol, erin], leads: [alice]}
"""
WAIVER = """
kind: Settings
waivers:
  - {rule: OWN005, entity: "team:payments", SUBJECT reason: "bob hands over", expires: 2027-01-31, approved_by: erin}
"""


def story(repo, carol_active: bool, subject: str = "") -> list[dict]:
    root = repo({"ownership/org.yaml": STORY_PEOPLE.replace("CAROL", "true" if carol_active else "false"),
                 "policy/settings.yaml": WAIVER.replace("SUBJECT ", f'subject: "{subject}", ' if subject else "")})
    return findings_of(run_cli("validate", "--format", "json", repo=root))


def test_a_waiver_without_subject_waives_the_one_finding_it_was_written_for(repo):
    found = story(repo, carol_active=True)
    assert [(f["rule"], f["subject"], f["severity"]) for f in found] == [("OWN005", "person:bob", "waived")]


def test_a_second_finding_on_the_waived_entity_is_not_silently_waived_too(repo):
    """Issue 14: one waiver also hid a new problem on the same entity; now it waives none and is WVR003."""
    found = story(repo, carol_active=False)
    own = sorted((f["subject"], f["severity"]) for f in found if f["rule"] == "OWN005")
    assert own == [("person:bob", "error"), ("person:carol", "error")]
    [wvr] = [f for f in found if f["rule"] == "WVR003"]
    assert wvr["severity"] == "error" and wvr["path"] == "policy/settings.yaml" and wvr["line"] == 3
    assert "person:bob, person:carol" in wvr["message"] and "subject" in wvr["message"]


def test_a_waiver_with_subject_waives_that_finding_only(repo):
    found = story(repo, carol_active=False, subject="person:bob")
    assert sorted((f["rule"], f["subject"], f["severity"]) for f in found) == [
        ("OWN005", "person:bob", "waived"), ("OWN005", "person:carol", "error")]


def test_a_waiver_whose_subject_matches_nothing_is_wvr002(repo):
    found = story(repo, carol_active=True, subject="person:zoe")
    assert {(f["rule"], f["severity"]) for f in found} == {("OWN005", "error"), ("WVR002", "warning")}


def test_the_example_organisation_findings_are_unique_and_fingerprinted():
    found = findings_of(run_cli("validate", "--format", "json", repo=ROOT))
    assert found and all(f["fingerprint"] == fingerprint(f["rule"], f["entity"], f["subject"]) for f in found)
    assert len({f["fingerprint"] for f in found}) == len(found)
