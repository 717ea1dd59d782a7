"""The language server's incremental engine publishes exactly what a cold `validate` finds.

A property test edits the example organisation (ownership/ + policy/) at random, file by file, and
after every edit compares the engine's findings with a cold validation of the same texts.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.load import SourceFile
from validator.lsp import adapter
from validator.lsp.workspace import Workspace, order_key

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _example_texts() -> dict[str, bytes]:
    out = {}
    for top in ("ownership", "policy"):
        for path in sorted((ROOT / top).rglob("*.y*ml")):
            out[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return out


EXAMPLE = _example_texts()
PATHS = sorted(EXAMPLE, key=order_key)
IDS = sorted({m for text in EXAMPLE.values() for m in re.findall(rb"\bid: ([a-z0-9-]+)", text)})
TOKEN = re.compile(rb"[a-z0-9][a-z0-9-]*[a-z0-9]")


def _cold(texts: dict[str, bytes], now: datetime = NOW) -> list:
    return adapter.cold_validate([SourceFile(p, texts[p]) for p in sorted(texts, key=order_key)], now)


def _example_workspace() -> Workspace:
    """A language-server workspace holding the example organisation."""
    ws = Workspace(ROOT, NOW)
    ws.load(dict(EXAMPLE))
    return ws


def _edited(path: str, old: bytes, new: bytes) -> bytes:
    """The example file at `path` with the first `old` replaced by `new` (which must be there)."""
    changed = EXAMPLE[path].replace(old, new, 1)
    assert changed != EXAMPLE[path], (path, old)
    return changed


@pytest.fixture(scope="module")
def base() -> Workspace:
    return _example_workspace()


def _edit(text: bytes, op: str, a: int, b: int, ident: bytes) -> bytes:
    lines = text.split(b"\n")
    i = a % max(len(lines), 1)
    j = b % max(len(lines), 1)
    if op == "delete-line":
        del lines[i]
    elif op == "duplicate-line":
        lines.insert(i, lines[i])
    elif op == "swap-lines":
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "rename-token":
        tokens = list(TOKEN.finditer(lines[i]))
        if tokens:
            m = tokens[b % len(tokens)]
            lines[i] = lines[i][:m.start()] + ident + lines[i][m.end():]
    elif op == "flip-bool":
        lines[i] = lines[i].replace(b"true", b"false") if b"true" in lines[i] else lines[i].replace(b"false", b"true")
    elif op == "syntax-error":
        lines.insert(i, b"  : [unclosed")
    elif op == "truncate":
        lines = lines[:i]
    return b"\n".join(lines)


EDIT = st.tuples(
    st.sampled_from(PATHS + ["ownership/new/extra.yaml"]),
    st.sampled_from(["delete-line", "duplicate-line", "swap-lines", "rename-token", "flip-bool",
                     "syntax-error", "truncate", "delete-file", "restore", "copy-file"]),
    st.integers(0, 400), st.integers(0, 400), st.sampled_from(IDS),
)


@settings(max_examples=int(os.environ.get("LSP_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, min_size=1, max_size=4))
def test_random_edits_publish_what_a_cold_validate_finds(edits) -> None:
    ws = _example_workspace()
    texts = dict(EXAMPLE)
    for path, op, a, b, ident in edits:
        if op == "delete-file":
            texts.pop(path, None)
            ws.set_text(path, None)
        else:
            if op == "restore":
                new = EXAMPLE.get(path, b"")
            elif op == "copy-file":
                new = EXAMPLE[PATHS[a % len(PATHS)]]
            else:
                new = _edit(texts.get(path, b""), op, a, b, ident)
            texts[path] = new
            ws.set_text(path, new)
        assert ws.findings == _cold(texts), (path, op)


def test_a_team_fixed_in_one_file_clears_the_orphaned_service_in_another(tmp_path) -> None:
    texts = {
        "ownership/teams.yaml": b"- {kind: Team, id: payments, name: Payments, members: [ana], leads: [ana]}\n",
        "ownership/people.yaml": b"- {kind: Person, id: ana, name: Ana, email: a@example.com, "
                                 b"timezone: Europe/Berlin, active: false}\n",
        "ownership/services.yaml": b"- {kind: Service, id: shop, owner: payments, tier: 4}\n",
    }
    ws = Workspace(tmp_path, NOW)
    ws.load(texts)
    assert any(f.rule == "OWN001" and f.path == "ownership/services.yaml" for f in ws.findings)
    update = ws.set_text("ownership/people.yaml", texts["ownership/people.yaml"].replace(b"false", b"true"))
    assert not any(f.rule == "OWN001" for f in ws.findings)
    assert "ownership/services.yaml" in update.paths  # its diagnostics are cleared, though it was not edited
    fixed = texts["ownership/people.yaml"].replace(b"false", b"true")
    assert ws.findings == _cold({**texts, "ownership/people.yaml": fixed})


def test_an_edit_reruns_only_the_rules_it_can_affect(base) -> None:
    ws = _example_workspace()
    path = next(p for p in PATHS if p.startswith("policy/grants"))
    text = EXAMPLE[path]
    # a grant's reason is read by no rule (UNREAD_FIELDS): no rule runs, and the result is still exact
    reworded = text.replace(b"reason: ", b"reason: changed ", 1)
    update = ws.set_text(path, reworded)
    assert update.rules_run == [] and update.changed == set()
    assert ws.findings == _cold({**EXAMPLE, path: reworded})
    changed = re.sub(rb"\n  reason: ([^\n]*)", rb"\n  reason: \1\n  expires: 2026-12-01", text, count=1)
    assert changed != text
    update = ws.set_text(path, changed)
    assert update.rules_run, "a grant got an expiry: the rules that read that grant run again"
    assert "ACC004" in update.rules_run and len(update.rules_run) < len(ws.checks)
    # no grant in the escalation rules' reads (the on-call topic reads grants since ROT008: who can act)
    assert not any(rid.startswith("ESC") for rid in update.rules_run)
    # a comment changes no entity: no rule runs, yet lines move
    update = ws.set_text(path, b"# a comment\n" + changed)
    assert update.rules_run == []
    assert ws.findings == _cold({**EXAMPLE, path: b"# a comment\n" + changed})


GLOBAL_RULES = {"OWN006", "OWN007", "ROT004", "ROT007", "ACC011", "WVR001", "WVR002", "WVR003"}
"""Rules that check the organisation as a whole (dependency chains, cycles, ...): they run whole."""


def test_a_rule_relevant_edit_rechecks_only_the_entities_it_can_affect() -> None:
    ws = _example_workspace()
    path = "ownership/services/commerce.yaml"
    changed = _edited(path, b"\ntier: 2\n", b"\ntier: 1\n")
    update = ws.set_text(path, changed)
    assert update.changed == {("Service", "ledger")}
    assert update.anchors["OWN003"] == 1  # the service itself, not the organisation's services
    whole = {rid for rid, count in update.anchors.items() if count is None}
    assert whole <= GLOBAL_RULES, whole
    assert all(count is None or count <= 3 for count in update.anchors.values()), update.anchors
    assert ws.findings == _cold({**EXAMPLE, path: changed})
    # a person's time zone: who is active does not change (a memo compared equal), so no rule that
    # only asks who is active runs again
    people = next(p for p in PATHS if p.startswith("ownership/people"))
    moved = re.sub(rb"timezone: [A-Za-z_/]+", b"timezone: Pacific/Auckland", EXAMPLE[people], count=1)
    update = ws.set_text(people, moved)
    assert "OWN001" not in update.rules_run and "OWN002" not in update.rules_run
    assert ws.findings == _cold({**EXAMPLE, path: changed, people: moved})


WHOLE_TABLES = {"oncall.over_budget", "schema.known.Rotation"}
"""Memos that must read every rotation: the turn budget all rotations share (spent in repository order) and
the known ids."""


def test_a_rotation_edit_rebuilds_only_what_that_rotation_can_change() -> None:
    ws = _example_workspace()
    path = "ownership/rotations/payments.yaml"
    changed = _edited(path, b"turn: 1w", b"turn: 2w")
    before = {key: id(memo) for key, memo in ws.store.memos.items()}
    update = ws.set_text(path, changed)
    assert update.changed == {("Rotation", "payments-primary")}
    # the on-call rules re-check the people of that rotation and the escalations targeting it, not everyone
    assert all(count is None or count <= 4 for count in update.anchors.values()), update.anchors
    assert {rid for rid, count in update.anchors.items() if count is None} <= GLOBAL_RULES, update.anchors
    # no per-run table over every rotation or escalation (gaps, on-call time per person, who can be paged, ...)
    # is built again: each of their ids is a memo of its own in the language server
    rebuilt = [key for key, memo in ws.store.memos.items() if before.get(key) != id(memo)]
    wide = {key for key in rebuilt if ws.store.memos[key].reads.kinds}
    assert wide <= WHOLE_TABLES, wide
    assert ("rotation.on_call_by_person", "alice") in rebuilt  # alice is in payments-primary
    gina = ("rotation.on_call_by_person", "gina")  # in a platform rotation only
    assert gina in ws.store.memos and gina not in rebuilt
    assert ws.findings == _cold({**EXAMPLE, path: changed})
    # an edit that makes a finding: the rotation's gap is reported, and goes again when the edit is undone
    gap = changed.replace(b'{from: "07:00", to: "22:00"}', b'{from: "08:00", to: "22:00"}', 1)
    assert gap != changed
    ws.set_text(path, gap)
    assert {f.rule for f in ws.findings} - {f.rule for f in _cold(EXAMPLE)}, "an hour nobody covers"
    assert ws.findings == _cold({**EXAMPLE, path: gap})
    ws.set_text(path, EXAMPLE[path])
    assert ws.findings == _cold(EXAMPLE)


def test_a_new_now_runs_every_rule_and_matches_a_cold_run(base) -> None:
    later = datetime(2027, 6, 1, tzinfo=UTC)
    ws = _example_workspace()
    update = ws.set_now(later)
    assert sorted(update.rules_run) == sorted(ws.checks)
    assert ws.findings == _cold(EXAMPLE, later)


def test_files_changed_on_disk_by_a_checkout_are_read_again(tmp_path) -> None:
    for path, data in EXAMPLE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    ws = Workspace(tmp_path, NOW)
    ws.load()
    assert ws.findings == _cold(EXAMPLE)
    # a checkout: one file changed, one deleted, one created (and one open in the editor, kept)
    changed, deleted, opened = PATHS[0], PATHS[1], PATHS[2]
    (tmp_path / changed).write_bytes(EXAMPLE[changed].replace(b"id: ", b"id: x", 1))
    (tmp_path / deleted).unlink()
    (tmp_path / "ownership/new.yaml").write_bytes(b"kind: Team\nid: t\nname: T\nmembers: [nobody]\n")
    (tmp_path / opened).write_bytes(b"")
    ws.reread([changed, deleted, opened, "ownership/new.yaml", "README.md"], keep={opened})
    expected = {p: (tmp_path / p).read_bytes() for p in PATHS + ["ownership/new.yaml"] if (tmp_path / p).exists()}
    expected[opened] = EXAMPLE[opened]
    assert ws.findings == _cold(expected)
    assert any(f.path == "ownership/new.yaml" and f.rule == "SCH005" for f in ws.findings)


def test_acc007_reads_the_owners_and_on_call_of_each_service_as_a_memo_of_its_own() -> None:
    """ACC007's owners and on-call per service (`access.insiders`) are one memo per service in the language
    server: adding a person to the owner team clears their grant's finding and builds only the services
    whose owners or on-call that edit changes again."""
    ws = _example_workspace()
    grants, teams = "policy/grants/grants.yaml", "ownership/teams/engineering.yaml"
    outside = EXAMPLE[grants] + (b"- {kind: Grant, id: gina-readonly, role: checkout-readonly, to: [person:gina], "
                                 b"reason: Read checkout, approved_by: [erin], expires: 2026-12-01}\n")
    ws.set_text(grants, outside)
    assert any(f.rule == "ACC007" and "person:gina" in f.message for f in ws.findings)
    assert ws.findings == _cold({**EXAMPLE, grants: outside})
    joined = _edited(teams, b"members: [alice, bob, carol, dave, frank]",
                     b"members: [alice, bob, carol, dave, frank, gina]")
    before = {key: id(memo) for key, memo in ws.store.memos.items()}
    ws.set_text(teams, joined)
    assert not any(f.rule == "ACC007" and "person:gina" in f.message for f in ws.findings)
    assert ws.findings == _cold({**EXAMPLE, grants: outside, teams: joined})
    insiders = {key for key in ws.store.memos if isinstance(key, tuple) and key[0] == "access.insiders"}
    rebuilt = {key for key in insiders if before.get(key) != id(ws.store.memos[key])}
    assert ("access.insiders", "checkout-api") in rebuilt and insiders - rebuilt, (insiders, rebuilt)
