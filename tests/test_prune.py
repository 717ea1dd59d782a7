"""`dutyguard prune`: expired grants and waivers leave; every other byte stays."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import run_cli, write_repo

PEOPLE = """\
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
- {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: Europe/Berlin}
- {kind: Team, id: payments, name: Payments, members: [alice, bob], leads: [alice]}
- {kind: Team, id: security, name: Security, members: [erin], leads: [erin]}
"""
ROLES = """\
- kind: Role
  id: checkout-deploy
  environment: production
  account: "123456789012"
  statements:
    - {effect: Allow, actions: [ecs:UpdateService], resources: ["arn:aws:ecs:eu-west-1:123456789012:service/prod/x"]}
"""

GRANTS = """\
# Grants of the payments team.
# Keep this list sorted by id.
- kind: Grant
  id: payments-deploy          # standing access
  role: checkout-deploy
  to: [team:payments]
  reason: "Deploy and roll back"
  approved_by: [erin]

# An incident long gone:
- kind: Grant
  id: incident-42
  role: checkout-deploy
  to: [team:payments]
  # reviewed in SEC-42
  reason: >-
    Incident 42 needed a manual
    restart of checkout
  approved_by: [erin]
  expires: 2026-01-31

- kind: Grant
  id: zz-later
  role: 'checkout-deploy'
  to: [team:payments]
  reason: Later
  approved_by: [erin]
  expires: 2027-01-31   # renewed each quarter
"""

EXPECTED_GRANTS = """\
# Grants of the payments team.
# Keep this list sorted by id.
- kind: Grant
  id: payments-deploy          # standing access
  role: checkout-deploy
  to: [team:payments]
  reason: "Deploy and roll back"
  approved_by: [erin]

- kind: Grant
  id: zz-later
  role: 'checkout-deploy'
  to: [team:payments]
  reason: Later
  approved_by: [erin]
  expires: 2027-01-31   # renewed each quarter
"""


def _repo(tmp_path: Path, grants: str, settings: str | None = None) -> Path:
    files = {"ownership/org.yaml": PEOPLE, "policy/roles.yaml": ROLES, "policy/grants.yaml": grants}
    if settings is not None:
        files["policy/settings.yaml"] = settings
    root = tmp_path / "repo"
    write_repo(root, files)
    (root / "policy/grants.yaml").write_text(grants, encoding="utf-8")  # exact bytes, no dedent
    return root


def test_prune_cuts_an_expired_grant_from_the_middle_and_keeps_every_other_byte(tmp_path):
    root = _repo(tmp_path, GRANTS)
    result = run_cli("prune", repo=root)
    assert result.code == 0, result.err
    assert "removed grant:incident-42 (expired 2026-01-31) from policy/grants.yaml:11" in result.out
    assert (root / "policy/grants.yaml").read_text() == EXPECTED_GRANTS
    validate = run_cli("validate", "--format", "json", repo=root)
    assert validate.code == 0, validate.out
    assert [f for f in validate.json()["findings"] if f["severity"] == "error"] == []


def test_dry_run_reports_and_changes_nothing(tmp_path):
    root = _repo(tmp_path, GRANTS)
    result = run_cli("prune", "--dry-run", repo=root)
    assert result.code == 0
    assert "would remove grant:incident-42" in result.out
    assert (root / "policy/grants.yaml").read_text() == GRANTS


def test_nothing_to_prune_says_so(tmp_path):
    root = _repo(tmp_path, EXPECTED_GRANTS)
    result = run_cli("prune", repo=root)
    assert result.code == 0
    assert "nothing to prune" in result.out
    assert (root / "policy/grants.yaml").read_text() == EXPECTED_GRANTS


def test_expired_grant_between_documents(tmp_path):
    grants = textwrap.dedent("""\
        # first document
        kind: Grant
        id: keep-a
        role: checkout-deploy
        to: [team:payments]
        reason: A
        approved_by: [erin]
        ---
        # expired
        kind: Grant
        id: old
        role: checkout-deploy
        to: [team:payments]
        reason: B
        approved_by: [erin]
        expires: 2025-12-31
        ---
        kind: Grant
        id: keep-c
        role: checkout-deploy
        to: [team:payments]
        reason: C
        approved_by: [erin]
        """)
    expected = textwrap.dedent("""\
        # first document
        kind: Grant
        id: keep-a
        role: checkout-deploy
        to: [team:payments]
        reason: A
        approved_by: [erin]
        ---
        kind: Grant
        id: keep-c
        role: checkout-deploy
        to: [team:payments]
        reason: C
        approved_by: [erin]
        """)
    root = _repo(tmp_path, grants)
    assert run_cli("prune", repo=root).code == 0
    assert (root / "policy/grants.yaml").read_text() == expected


def test_a_file_holding_only_an_expired_grant_is_deleted(tmp_path):
    root = _repo(tmp_path, EXPECTED_GRANTS)
    (root / "policy/old.yaml").write_text(textwrap.dedent("""\
        # one-off
        kind: Grant
        id: old
        role: checkout-deploy
        to: [team:payments]
        reason: B
        approved_by: [erin]
        expires: 2025-12-31
        """))
    result = run_cli("prune", repo=root)
    assert "deleted policy/old.yaml" in result.out
    assert not (root / "policy/old.yaml").exists()
    assert (root / "policy/grants.yaml").read_text() == EXPECTED_GRANTS


def test_last_item_and_blank_lines(tmp_path):
    grants = EXPECTED_GRANTS + textwrap.dedent("""\

        - kind: Grant
          id: zzz-old
          role: checkout-deploy
          to: [team:payments]
          reason: Old
          approved_by: [erin]
          expires: 2025-06-30
        """)
    root = _repo(tmp_path, grants)
    run_cli("prune", repo=root)
    assert (root / "policy/grants.yaml").read_text() == EXPECTED_GRANTS


def test_expired_waivers_leave_settings_and_an_emptied_list_stays_valid(tmp_path):
    settings = textwrap.dedent("""\
        # Policy settings
        kind: Settings
        max_grant_days: 60    # stricter than the default
        waivers:   # debts
          - rule: ACC010
            entity: "role:checkout-deploy"
            reason: being replaced
            expires: 2026-02-01
            approved_by: erin
        severity: {ACC007: error}
        """)
    expected = textwrap.dedent("""\
        # Policy settings
        kind: Settings
        max_grant_days: 60    # stricter than the default
        waivers: []   # debts
        severity: {ACC007: error}
        """)
    root = _repo(tmp_path, EXPECTED_GRANTS, settings)
    result = run_cli("prune", repo=root)
    assert "removed waiver of ACC010 for role:checkout-deploy (expired 2026-02-01)" in result.out
    assert (root / "policy/settings.yaml").read_text() == expected
    assert run_cli("validate", "--format", "json", repo=root).code == 0


def test_one_of_several_waivers(tmp_path):
    settings = textwrap.dedent("""\
        kind: Settings
        waivers:
          - {rule: ACC010, entity: "role:a", reason: old, expires: 2026-02-01, approved_by: erin}
          - {rule: ACC010, entity: "role:checkout-deploy", reason: new, expires: 2027-02-01, approved_by: erin}
        """)
    expected = textwrap.dedent("""\
        kind: Settings
        waivers:
          - {rule: ACC010, entity: "role:checkout-deploy", reason: new, expires: 2027-02-01, approved_by: erin}
        """)
    root = _repo(tmp_path, EXPECTED_GRANTS, settings)
    run_cli("prune", repo=root)
    assert (root / "policy/settings.yaml").read_text() == expected


def test_flow_style_list_falls_back_to_a_round_trip_that_keeps_the_rest(tmp_path):
    grants = ('[{kind: Grant, id: keep, role: checkout-deploy, to: [team:payments], reason: A, approved_by: [erin]},'
              ' {kind: Grant, id: old, role: checkout-deploy, to: [team:payments], reason: B, approved_by: [erin],'
              ' expires: 2025-01-01}]\n')
    root = _repo(tmp_path, grants)
    result = run_cli("prune", repo=root)
    assert result.code == 0
    text = (root / "policy/grants.yaml").read_text()
    assert "id: old" not in text and "id: keep" in text
    assert run_cli("validate", "--format", "json", repo=root).code == 0


def test_the_example_organisation_has_nothing_to_prune_and_stays_identical(tmp_path):
    import shutil

    from tests.conftest import ROOT

    for folder in ("ownership", "policy"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")}
    result = run_cli("prune", repo=tmp_path, now="2027-06-01T00:00:00Z")
    assert result.code == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")} == before


def test_a_header_comment_stays_and_a_comment_of_the_previous_item_stays(tmp_path):
    grants = textwrap.dedent("""\
        # Header of the file
        - kind: Grant
          id: a-old
          role: checkout-deploy
          to: [team:payments]
          reason: A
          approved_by: [erin]
          expires: 2025-01-01
        - kind: Grant
          id: b
          role: checkout-deploy
          to: [team:payments]
          reason: B
          approved_by: [erin]
          # a note about b, indented inside b
        - kind: Grant
          id: c-old
          role: checkout-deploy
          to: [team:payments]
          reason: C
          approved_by: [erin]
          expires: 2025-01-01
        """)
    expected = textwrap.dedent("""\
        # Header of the file
        - kind: Grant
          id: b
          role: checkout-deploy
          to: [team:payments]
          reason: B
          approved_by: [erin]
          # a note about b, indented inside b
        """)
    root = _repo(tmp_path, grants)
    result = run_cli("prune", repo=root)
    assert result.out.count("removed grant:") == 2
    assert (root / "policy/grants.yaml").read_text() == expected


def test_windows_line_endings_are_kept(tmp_path):
    root = _repo(tmp_path, GRANTS.replace("\n", "\r\n"))
    (root / "policy/grants.yaml").write_bytes(GRANTS.replace("\n", "\r\n").encode())
    run_cli("prune", repo=root)
    assert (root / "policy/grants.yaml").read_bytes() == EXPECTED_GRANTS.replace("\n", "\r\n").encode()


def test_block_scalars_nested_lists_and_comments_inside_the_item(tmp_path):
    grants = textwrap.dedent("""\
        - kind: Grant
          id: a-old
          role: checkout-deploy
          reason: |
            several
            lines
          approved_by: [erin]
          expires: 2025-01-01
          to:
            - team:payments
            # still part of a-old
        - kind: Grant
          id: b
          role: checkout-deploy
          reason: |
            keep
          approved_by: [erin]
          to:
          - team:payments
        """)
    root = _repo(tmp_path, grants)
    run_cli("prune", repo=root)
    assert (root / "policy/grants.yaml").read_text() == grants.split("# still part of a-old\n", 1)[1]


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


def test_property_prune_keeps_unexpired_grants_and_only_deletes_lines(tmp_path_factory):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from validator.load import SourceFile, load_sources

    item = st.tuples(st.booleans(), st.sampled_from(["", "# note\n", "\n", "\n# section\n"]),
                     st.sampled_from(["block", "flow"]))

    @settings(max_examples=40, deadline=None)
    @given(st.lists(item, min_size=1, max_size=6), st.sampled_from(["", "# header\n"]))
    def check(items, header):
        parts = [header]
        for n, (expired, before, style) in enumerate(items):
            expiry = "2025-01-01" if expired else "2027-01-01"
            parts.append(before)
            if style == "flow":
                parts.append(f"- {{kind: Grant, id: g{n}, role: checkout-deploy, to: [team:payments], reason: r, "
                             f"approved_by: [erin], expires: {expiry}}}\n")
            else:
                parts.append(f"- kind: Grant\n  id: g{n}\n  role: checkout-deploy\n  to: [team:payments]\n"
                             f"  reason: r  # why\n  approved_by: [erin]\n  expires: {expiry}\n")
        text = "".join(parts)
        root = _repo(tmp_path_factory.mktemp("p"), text)
        assert run_cli("prune", repo=root).code == 0
        path = root / "policy/grants.yaml"
        kept = [f"g{n}" for n, (expired, _, _) in enumerate(items) if not expired]
        if not path.exists():
            assert kept == []
            return
        after = path.read_text()
        loaded = load_sources([SourceFile("policy/grants.yaml", after.encode())])
        assert loaded.findings == []
        assert [e.data["id"] for e in loaded.entities] == kept
        assert _is_subsequence(after.splitlines(), text.splitlines())

    check()
