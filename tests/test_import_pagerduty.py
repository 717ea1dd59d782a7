"""import pagerduty: saved REST API v2 responses -> YAML that validates, and renders back to the same schedules."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "pagerduty"
ACME = sorted((DATA / "acme").glob("*.json"))
EXAMPLES = sorted((DATA / "openapi-examples").glob("*.json"))
NOW = "2026-11-23T12:00:00Z"
TRIMMED = json.loads((Path(__file__).parent / "data" / "pagerduty-openapi-trimmed.json").read_text())


def _import(tmp_path: Path, *files: Path, out: str = "ownership/pagerduty", now: str = NOW):
    (tmp_path / "ownership").mkdir(exist_ok=True)
    return run_cli("import", "pagerduty", *map(str, files), "--out", str(tmp_path / out), now=now)


def _entities(folder: Path) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            out.setdefault(doc["kind"], {})[doc["id"]] = doc
    return out


def _pages(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def _pd(collection: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in ACME:
        for page in _pages(path):
            for item in page.get(collection, []):
                found.setdefault(item["id"], item)
    return found


# --- the fixture set is in PagerDuty's own shapes ------------------------------------------------------
def _resolve(node, seen=()):
    if isinstance(node, list):
        return [_resolve(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref:
        if ref in seen:
            return {}
        target = TRIMMED
        for part in ref[2:].split("/"):
            target = target[int(part)] if isinstance(target, list) else target[part]
        return _resolve(target, (*seen, ref))
    out = {k: _resolve(v, seen) for k, v in node.items() if k not in ("discriminator", "nullable", "readOnly")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@pytest.mark.parametrize("collection,schema", [
    ("users", "User"), ("teams", "Team"), ("schedules", "Schedule"),
    ("escalation_policies", "EscalationPolicy"), ("services", "Service")])
def test_fixture_objects_fit_pagerdutys_published_schemas(collection, schema):
    resolved = _resolve(TRIMMED["components"]["schemas"][schema])
    objects = _pd(collection)
    assert objects
    for obj in objects.values():
        shown = {k: v for k, v in obj.items() if k != "parent"}  # team hierarchy: newer than the schema
        jsonschema.validate(shown, resolved)


# --- the consistent fixture set validates clean and renders back the same schedules --------------------
def test_fixture_set_imports_and_validates_without_errors(tmp_path):
    result = _import(tmp_path, *ACME)
    assert result.code == 0, result.err
    check = run_cli("validate", "--format", "json", repo=tmp_path)
    findings = check.json()["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    assert check.code == 0
    entities = _entities(tmp_path / "ownership" / "pagerduty")
    assert sorted(entities) == ["Escalation", "Person", "Rotation", "Service", "Team"]
    assert len(entities["Person"]) == 10          # 11 across the two pages, one of them twice
    assert entities["Service"]["checkout-api"]["owner"] == "payments"    # from the escalation policy's team
    assert entities["Service"]["status-page"]["owner"] == "platform-sre"  # the service itself names none
    assert entities["Team"]["payments"]["leads"] == ["alice-muller"]     # the manager role
    assert entities["Team"]["payments"]["parent"] == "commerce"
    assert entities["Escalation"]["payments-critical"]["repeat"] == 2
    assert entities["Escalation"]["payments-critical"]["levels"][0] == {
        "targets": ["rotation:payments-primary"], "after": "15m"}


def test_round_trip_render_gives_the_same_schedules(tmp_path):
    assert _import(tmp_path, *ACME).code == 0
    out = tmp_path / "build"
    rendered = run_cli("render", "pagerduty", "--out", str(out), repo=tmp_path)
    assert rendered.code == 0, rendered.err
    people = _entities(tmp_path / "ownership" / "pagerduty")["Person"]
    pd_of = {pid: person["pagerduty_id"] for pid, person in people.items()}
    rotations = _entities(tmp_path / "ownership" / "pagerduty")["Rotation"]
    schedules = _pd("schedules")
    assert len(rotations) == len(schedules)
    for rid, rotation in rotations.items():
        original = schedules[rotation["pagerduty_id"]]
        body = json.loads((out / "schedules" / f"{rid}.json").read_text())["schedule"]
        assert body["name"] == original["name"]
        assert body["time_zone"] == original["time_zone"]
        assert [layer["name"] for layer in body["schedule_layers"]] == [
            layer["name"] for layer in original["schedule_layers"]]
        for got, want in zip(body["schedule_layers"], original["schedule_layers"], strict=True):
            # imported users carry pagerduty_id, so the render references them by their PagerDuty id
            assert [u["user"]["id"] for u in got["users"]] == [u["user"]["id"] for u in want["users"]]
            assert got["rotation_turn_length_seconds"] == want["rotation_turn_length_seconds"]
            assert (datetime.fromisoformat(got["rotation_virtual_start"])
                    == datetime.fromisoformat(want["rotation_virtual_start"]))
            key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
            assert sorted(got.get("restrictions", []), key=key) == sorted(want["restrictions"], key=key)
    overrides = json.loads((out / "schedule_overrides" / "platform-follow-the-sun.json").read_text())["overrides"]
    assert [(o["start"], o["end"], o["user"]["id"]) for o in overrides] == [
        ("2026-12-24T00:00:00+00:00", "2026-12-26T00:00:00+00:00", pd_of["grace-ho"])]


def test_import_is_deterministic_whatever_the_order_of_files(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert _import(one, *ACME).code == 0
    assert _import(two, *reversed(ACME)).code == 0
    for path in sorted((one / "ownership" / "pagerduty").iterdir()):
        assert path.read_bytes() == (two / "ownership" / "pagerduty" / path.name).read_bytes()


def test_defaults_pagerduty_cannot_tell_carry_a_review_comment(tmp_path):
    result = _import(tmp_path, *ACME)
    folder = tmp_path / "ownership" / "pagerduty"
    services = (folder / "services.yaml").read_text(encoding="utf-8")
    assert "# REVIEW: PagerDuty has no tier; 2 is a conservative default\ntier: 2" in services
    teams = (folder / "teams.yaml").read_text(encoding="utf-8")
    assert "# REVIEW: PagerDuty does not say who leads the team: the first member is a default\nleads: [erin-yamada]" \
        in teams
    people = (folder / "people.yaml").read_text(encoding="utf-8")
    assert "# REVIEW: PagerDuty gave no time_zone" in people            # Femi has none
    assert "femi-adeyemi: PagerDuty gave no time_zone" in result.err


# --- ids ------------------------------------------------------------------------------------------------
def test_ids_from_names_unique_and_ascii(tmp_path):
    _import(tmp_path, *ACME)
    people = _entities(tmp_path / "ownership" / "pagerduty")["Person"]
    by_pd = {p["pagerduty_id"]: pid for pid, p in people.items()}
    assert by_pd["PAB1C02"] == "bob-smith" and by_pd["PAB1C06"] == "bob-smith-2"   # same name: PD id order
    assert by_pd["PAB1C03"] == "chloe-dubois"                                     # Chloé, transliterated
    assert by_pd["PAB1C05"] == "erin-yamada"                                      # 山田 恵理: from the email
    assert people["erin-yamada"]["name"] == "山田 恵理"                            # the name itself is kept


def test_second_import_updates_by_pagerduty_id_and_keeps_reviewed_fields(tmp_path):
    _import(tmp_path, *ACME)
    folder = tmp_path / "ownership" / "pagerduty"
    services = folder / "services.yaml"
    # the user reviews: checkout is tier 3, and renames a person's id
    text = services.read_text(encoding="utf-8").replace(
        "# REVIEW: PagerDuty has no tier; 2 is a conservative default\ntier: 2\nescalation: payments-critical",
        "tier: 3\nescalation: payments-critical", 1)
    services.write_text(text, encoding="utf-8")
    people = folder / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("id: alice-muller", "id: alice"), encoding="utf-8")
    # PagerDuty renamed Alice meanwhile; a new page brings a third Bob Smith
    page = json.loads((DATA / "acme" / "users-page1.json").read_text())
    page["users"][0]["name"] = "Alice Schmidt"
    third = dict(page["users"][1], id="PAB0C00", email="bob3@acme.example")
    page["users"].append(third)
    changed = tmp_path / "users-page1.json"
    changed.write_text(json.dumps(page), encoding="utf-8")
    files = [changed if p.name == "users-page1.json" else p for p in ACME]
    # every reference to alice must follow: edit the other files as the user would have
    for name in ("teams.yaml", "rotations.yaml", "escalations.yaml"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("alice-muller", "alice"), encoding="utf-8")
    result = _import(tmp_path, *files)
    assert result.code == 0, result.err
    entities = _entities(folder)
    assert entities["Person"]["alice"]["name"] == "Alice Schmidt"       # updated, under the id the user chose
    assert "alice-muller" not in entities["Person"]
    assert entities["Person"]["bob-smith"]["pagerduty_id"] == "PAB1C02"  # existing ids are kept ...
    assert entities["Person"]["bob-smith-3"]["pagerduty_id"] == "PAB0C00"  # ... a newcomer gets the next free
    assert entities["Service"]["checkout-api"]["tier"] == 3              # the reviewed tier survives
    assert "tier: 3" in services.read_text(encoding="utf-8")
    assert len(entities["Service"]) == 4
    check = run_cli("validate", "--format", "json", repo=tmp_path)
    assert [f for f in check.json()["findings"] if f["severity"] == "error"] == []


def test_entities_no_longer_in_the_responses_are_kept_and_named(tmp_path):
    _import(tmp_path, *ACME)
    only_page2 = [p for p in ACME if p.name != "users-page1.json"]
    result = _import(tmp_path, *only_page2)
    people = _entities(tmp_path / "ownership" / "pagerduty")["Person"]
    assert "alice-muller" in people
    assert "person:alice-muller: not in this import" in result.err


# --- edge cases -----------------------------------------------------------------------------------------
def _user(pid, name, email=None, zone="Europe/Berlin"):
    user = {"id": pid, "type": "user", "name": name, "email": email or f"{pid.lower()}@example.com"}
    if zone:
        user["time_zone"] = zone
    return user


def _ref(kind, pid):
    return {"id": pid, "type": kind}


def _write(tmp_path, name, data) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_restrictions_daily_weekly_and_longer_than_a_day(tmp_path):
    users = _write(tmp_path, "users.json", {"users": [_user("PU00001", "Ann"), _user("PU00002", "Ben")]})
    layer = {"name": "L", "start": "2026-01-05T09:00:00+01:00", "rotation_virtual_start": "2026-01-05T09:00:00+01:00",
             "rotation_turn_length_seconds": 86400,
             "users": [{"user": _ref("user_reference", "PU00001")}, {"user": _ref("user_reference", "PU00002")}]}
    daily = dict(layer, name="daily", restrictions=[
        {"type": "daily_restriction", "start_time_of_day": "22:00:00", "duration_seconds": 9 * 3600}])
    around = dict(layer, name="whole day", restrictions=[
        {"type": "daily_restriction", "start_time_of_day": "06:00:00", "duration_seconds": 86400}])
    long = dict(layer, name="long", restrictions=[  # Monday 09:00 to Thursday 21:00: 84 hours
        {"type": "weekly_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 84 * 3600,
         "start_day_of_week": 1}])
    schedules = _write(tmp_path, "schedules.json", {"schedules": [
        {"id": "PS00009", "type": "schedule", "name": "R", "time_zone": "Europe/Berlin",
         "schedule_layers": [daily, around, long]}]})
    assert _import(tmp_path, users, schedules).code == 0
    rotation = _entities(tmp_path / "ownership" / "pagerduty")["Rotation"]["r"]
    assert rotation["layers"][0]["restrictions"] == [{"from": "22:00", "to": "07:00"}]
    assert rotation["layers"][1]["restrictions"] == [{"from": "06:00", "to": "06:00"}]   # from == to: 24 hours
    assert rotation["layers"][2]["restrictions"] == [
        {"days": ["mon", "tue", "wed"], "from": "09:00", "to": "09:00"},
        {"days": ["thu"], "from": "09:00", "to": "21:00"}]
    # the same coverage once rendered: 3 x 24 h + 12 h from Monday 09:00
    render = run_cli("render", "pagerduty", "--out", str(tmp_path / "build"), repo=tmp_path)
    assert render.code == 0, render.err
    body = json.loads((tmp_path / "build" / "schedules" / "r.json").read_text())["schedule"]
    weekly = body["schedule_layers"][2]["restrictions"]
    assert sum(r["duration_seconds"] for r in weekly) == 84 * 3600
    assert sorted(r["start_day_of_week"] for r in weekly) == [1, 2, 3, 4]


def test_inexpressible_data_is_named_on_stderr_and_in_a_comment(tmp_path):
    users = _write(tmp_path, "users.json", {"users": [_user("PU00001", "Ann"), _user("PU00002", "Ben")]})
    base = {"start": "2025-01-06T09:00:00Z", "rotation_virtual_start": "2025-01-06T09:00:00Z",
            "rotation_turn_length_seconds": 604800,
            "users": [{"user": _ref("user_reference", "PU00001")}, {"user": _ref("user_reference", "PU00002")}]}
    old = dict(base, name="old version", end="2025-06-01T00:00:00Z")
    ending = dict(base, name="ends soon", end="2027-01-01T00:00:00Z")
    schedules = _write(tmp_path, "schedules.json", {"schedules": [
        {"id": "PS00009", "type": "schedule", "name": "R", "time_zone": "UTC", "schedule_layers": [old, ending]}]})
    policies = _write(tmp_path, "eps.json", {"escalation_policies": [
        {"id": "PE00009", "type": "escalation_policy", "name": "E", "num_loops": 0, "escalation_rules": [
            {"escalation_delay_in_minutes": 5, "targets": [_ref("schedule_reference", "PS00009"),
                                                           _ref("user_reference", "PXXXXXX")],
             "escalation_rule_assignment_strategy": {"type": "round_robin"}}]}]})
    result = _import(tmp_path, users, schedules, policies)
    assert result.code == 0
    text = (tmp_path / "ownership" / "pagerduty" / "rotations.yaml").read_text(encoding="utf-8")
    assert "# NOT IMPORTED: layer 'old version' ended at 2025-06-01T00:00:00Z" in text
    assert "layer 'ends soon' ends at 2027-01-01T00:00:00Z" in text
    assert "layer 'old version' ended" in result.err
    escalations = (tmp_path / "ownership" / "pagerduty" / "escalations.yaml").read_text(encoding="utf-8")
    assert "user_reference PXXXXXX is not among the imported objects" in escalations
    assert "'round_robin'" in escalations and "'round_robin'" in result.err


def test_hidden_characters_are_escaped_in_yaml_and_on_stderr(tmp_path):
    users = _write(tmp_path, "users.json", {"users": [
        _user("PU00001", "Mallory\u202e\u200b Evil", zone=None), _user("PU00002", "::error::x\nInjected")]})
    result = _import(tmp_path, users)
    text = (tmp_path / "ownership" / "pagerduty" / "people.yaml").read_text(encoding="utf-8")
    assert "\u202e" not in text and "\u200b" not in text and '"Mallory\\u202e\\u200b Evil"' in text
    assert all(not line.startswith("::") for line in result.err.splitlines())
    people = _entities(tmp_path / "ownership" / "pagerduty")["Person"]
    assert people["mallory-evil"]["name"] == "Mallory\u202e\u200b Evil"   # exact value, shown escaped
    assert people["error-x-injected"]["name"] == "::error::x\nInjected"


@pytest.mark.parametrize("content,message", [
    ("{not json", "is not JSON"),
    ('{"incidents": []}', "is not a PagerDuty REST API v2 list response"),
    ('{"members": []}', "does not say which team"),
    ('{"users": [{"name": "no id"}]}', "has no 'id'"),
])
def test_unusable_input_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    result = _import(tmp_path, path)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "ownership" / "pagerduty").exists()


def test_pagerdutys_own_examples_import_without_a_schema_error(tmp_path):
    """The OpenAPI examples reference objects that are not in the other examples: those references are
    named, never a traceback, and what is written fits the kinds (no SCH003)."""
    result = _import(tmp_path, *EXAMPLES)
    assert result.code == 0, result.err
    assert "is not among the imported" in result.err
    check = run_cli("validate", "--format", "json", repo=tmp_path)
    rules = {f["rule"] for f in check.json()["findings"] if f["severity"] == "error"}
    assert not rules & {"SCH001", "SCH002", "SCH003", "SCH004", "SCH006"}


def test_a_schedule_from_the_list_and_from_get_schedule_are_merged(tmp_path):
    """`GET /schedules` pages give the layers; `GET /schedules/{id}?since&until` adds overrides_subschedule."""
    users = _write(tmp_path, "users.json", {"users": [_user("PU00001", "Ann"), _user("PU00002", "Ben")]})
    layer = {"name": "L", "start": "2026-01-05T09:00:00Z", "rotation_virtual_start": "2026-01-05T09:00:00Z",
             "rotation_turn_length_seconds": 604800,
             "users": [{"user": _ref("user_reference", "PU00001")}, {"user": _ref("user_reference", "PU00002")}]}
    listed = {"id": "PS00009", "type": "schedule", "name": "R", "time_zone": "UTC", "schedule_layers": [layer]}
    single = dict(listed, overrides_subschedule={"name": "Overrides", "rendered_schedule_entries": [
        {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z", "user": _ref("user_reference", "PU00002")}]})
    page = _write(tmp_path, "schedules-1.json", {"schedules": [listed], "limit": 100, "offset": 0, "more": False})
    one = _write(tmp_path, "schedule-PS00009.json", {"schedule": single})
    assert _import(tmp_path, users, page, one).code == 0
    rotation = _entities(tmp_path / "ownership" / "pagerduty")["Rotation"]["r"]
    assert rotation["overrides"] == [{"person": "ben", "from": "2026-12-01T00:00", "to": "2026-12-02T00:00"}]


def test_team_members_from_a_members_file_and_from_users_teams_together(tmp_path):
    team = {"id": "PT00009", "type": "team_reference"}
    users = _write(tmp_path, "users.json", {"users": [
        dict(_user("PU00001", "Ann"), teams=[team]), dict(_user("PU00002", "Ben"), teams=[team]),
        _user("PU00003", "Cid")]})
    teams = _write(tmp_path, "teams.json", {"teams": [{"id": "PT00009", "type": "team", "name": "Ops"}]})
    members = _write(tmp_path, "members-PT00009.json", {"members": [
        {"user": _ref("user_reference", "PU00003"), "role": "manager"},
        {"user": _ref("user_reference", "PU00002"), "role": "responder"}]})
    assert _import(tmp_path, users, teams, members).code == 0
    ops = _entities(tmp_path / "ownership" / "pagerduty")["Team"]["ops"]
    assert ops["members"] == ["cid", "ben", "ann"] and ops["leads"] == ["cid"]


def test_people_already_in_the_repository_are_matched_by_email_not_duplicated(tmp_path):
    (tmp_path / "ownership").mkdir()
    (tmp_path / "ownership" / "people.yaml").write_text(
        "kind: Person\nid: alice\nname: Alice M.\nemail: Alice@acme.example\ntimezone: Europe/Berlin\n",
        encoding="utf-8")
    result = _import(tmp_path, *ACME)
    assert result.code == 0, result.err
    people = _entities(tmp_path / "ownership" / "pagerduty")["Person"]
    assert "alice-muller" not in people and "alice" not in people        # left where it is ...
    assert "person:alice: defined in ownership/people.yaml" in result.err
    assert "add 'pagerduty_id: PAB1C01' to it there" in result.err
    teams = _entities(tmp_path / "ownership" / "pagerduty")["Team"]
    assert teams["payments"]["members"][0] == "alice"                    # ... and referenced by its id
    check = run_cli("validate", "--format", "json", repo=tmp_path)
    assert [f for f in check.json()["findings"] if f["severity"] == "error"] == []
