"""render pagerduty: REST API v2 bodies valid against PagerDuty's published OpenAPI schema, and Terraform JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT, minimal_people, run_cli
from validator.model.kinds import Restriction
from validator.render.base import in_zone, iso
from validator.render.pagerduty import restrictions

SCHEMA = json.loads((Path(__file__).parent / "data" / "pagerduty-openapi-trimmed.json").read_text())
FIXTURE_ORG = FIXTURES / "render" / "org"
NOW = "2026-11-23T12:00:00Z"
EXAMPLE_NOW = "2026-11-23T12:00:00Z"


# --- OpenAPI 3.0 -> JSON Schema ------------------------------------------------------------------
def _resolve(node, seen=()):
    """Inline `$ref`s and turn OpenAPI 3.0's `nullable: true` into a JSON Schema null type."""
    if isinstance(node, list):
        return [_resolve(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref:
        assert ref not in seen, f"cyclic $ref {ref}"
        target = SCHEMA
        for part in ref[2:].split("/"):
            target = target[int(part)] if isinstance(target, list) else target[part]
        return _resolve(target, (*seen, ref))
    out = {key: _resolve(value, seen) for key, value in node.items() if key not in ("discriminator", "nullable")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _known_properties(schema: dict) -> set[str] | None:
    """Every property name a schema (with its allOf branches) declares; None if it declares none."""
    names = set(schema.get("properties", {}))
    for branch in schema.get("allOf", []):
        names |= _known_properties(branch) or set()
    return names or None


def _unknown_keys(instance, schema: dict, where: str = "") -> list[str]:
    """OpenAPI objects are open; a misspelt field would pass silently. List keys the schema never names."""
    problems: list[str] = []
    if isinstance(instance, dict):
        known = _known_properties(schema)
        branches = [schema, *schema.get("allOf", [])]
        for key, value in instance.items():
            if known is not None and key not in known:
                problems.append(f"{where}/{key}")
                continue
            for branch in branches:
                sub = branch.get("properties", {}).get(key)
                if sub:
                    problems += _unknown_keys(value, sub, f"{where}/{key}")
    elif isinstance(instance, list):
        for index, item in enumerate(instance):
            for branch in [schema, *schema.get("allOf", [])]:
                if "items" in branch:
                    problems += _unknown_keys(item, branch["items"], f"{where}/{index}")
    return problems


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or (
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value) is not None
        and datetime.fromisoformat(value).tzinfo is not None)


@FORMATS.checks("partial-time")
def _partial_time(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", value) is not None


def request_schema(path: str, method: str) -> dict:
    template = re.sub(r"/teams/[^/]+/users/[^/]+$", "/teams/{id}/users/{user_id}", path)
    template = re.sub(r"/schedules/[^/]+/overrides$", "/schedules/{id}/overrides", template)
    template = re.sub(r"^/(users|teams|schedules|escalation_policies|services)/[A-Z0-9]+$", r"/\1/{id}", template)
    body = SCHEMA["paths"][template][method.lower()]["requestBody"]
    return _resolve(body["content"]["application/json"]["schema"])


def check_against_openapi(out: Path) -> int:
    manifest = json.loads((out / "manifest.json").read_text())
    checked = 0
    for entry in manifest["order"]:
        body = json.loads((out / entry["file"]).read_text())
        schema = request_schema(entry["path"], entry["method"])
        errors = sorted(jsonschema.Draft7Validator(schema, format_checker=FORMATS).iter_errors(body), key=str)
        assert not errors, f"{entry['file']}: {errors[0].message} at {list(errors[0].absolute_path)}"
        assert not _unknown_keys(body, schema), f"{entry['file']}: fields PagerDuty does not know"
        checked += 1
    return checked


def render(tmp_path: Path, repo: Path, fmt: str = "api", now: str = NOW):
    out = tmp_path / f"pd-{fmt}"
    result = run_cli("render", "pagerduty", "--out", str(out), "--format", fmt, repo=repo, now=now)
    return result, out


# --- the API bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize("repo", [FIXTURE_ORG, ROOT], ids=["fixture", "example"])
def test_every_api_body_fits_pagerduty_openapi_schema(repo: Path, tmp_path: Path) -> None:
    result, out = render(tmp_path, repo, now=EXAMPLE_NOW)
    assert result.code == 0, result.err
    files = {p.relative_to(out).as_posix() for p in out.rglob("*.json")} - {"manifest.json"}
    assert check_against_openapi(out) == len(files) > 0


def test_the_schema_check_catches_a_misspelt_field(tmp_path: Path) -> None:
    result, out = render(tmp_path, FIXTURE_ORG)
    assert result.code == 0
    body = json.loads((out / "schedules/core-primary.json").read_text())
    body["schedule"]["schedule_layers"][0]["rotation_turn_length"] = 5
    unknown = _unknown_keys(body, request_schema("/schedules", "POST"))
    assert unknown == ["/schedule/schedule_layers/0/rotation_turn_length"]
    del body["schedule"]["schedule_layers"][0]["rotation_virtual_start"]
    assert list(jsonschema.Draft7Validator(request_schema("/schedules", "POST")).iter_errors(body))


def test_manifest_creates_everything_before_it_is_referenced(tmp_path: Path) -> None:
    result, out = render(tmp_path, ROOT, now=EXAMPLE_NOW)
    assert result.code == 0, result.err
    order = json.loads((out / "manifest.json").read_text())["order"]
    collections = [entry["collection"] for entry in order]
    assert collections == sorted(collections, key=["users", "teams", "team_memberships", "schedules",
                                                   "schedule_overrides", "escalation_policies", "services"].index)
    created: set[tuple[str, str]] = set()
    kinds = {"user_reference": "users", "team_reference": "teams", "schedule_reference": "schedules",
             "escalation_policy_reference": "escalation_policies"}
    for entry in order:
        text = (out / entry["file"]).read_text()
        for ident, kind in re.findall(r'"id": "([^"]+)",\s*"type": "(\w+_reference)"', text):
            assert (kinds[kind], ident) in created, f"{entry['file']} references {kind} {ident} before it exists"
        for part in re.findall(r"/(teams|users|schedules)/([^/]+)", entry["path"]):
            assert part in created, f"{entry['path']} before {part} exists"
        created.add((entry["collection"], entry["id"]))


def test_schedule_layers_keep_order_members_and_local_times(tmp_path: Path) -> None:
    result, out = render(tmp_path, FIXTURE_ORG)
    assert result.code == 0, result.err
    schedule = json.loads((out / "schedules/core-primary.json").read_text())["schedule"]
    assert schedule["time_zone"] == "Europe/Berlin"
    weekly, nights = schedule["schedule_layers"]          # repository order: the later layer wins
    assert (weekly["name"], nights["name"]) == ("weekly", "weekend-nights")
    assert [u["user"]["id"] for u in weekly["users"]] == ["ana", "ben", "cy"]
    assert weekly["start"] == weekly["rotation_virtual_start"] == "2026-01-05T09:00:00+01:00"
    assert weekly["rotation_turn_length_seconds"] == 604800 and "restrictions" not in weekly
    assert nights["restrictions"] == [
        {"type": "weekly_restriction", "start_day_of_week": 6, "start_time_of_day": "22:00:00",
         "duration_seconds": 8 * 3600},
        {"type": "weekly_restriction", "start_day_of_week": 7, "start_time_of_day": "22:00:00",
         "duration_seconds": 8 * 3600}]


def test_overrides_past_ones_dropped_and_escalation_rules(tmp_path: Path) -> None:
    result, out = render(tmp_path, FIXTURE_ORG)
    assert result.code == 0, result.err
    overrides = json.loads((out / "schedule_overrides/core-primary.json").read_text())["overrides"]
    assert overrides == [{"start": "2026-12-24T00:00:00+01:00", "end": "2026-12-27T00:00:00+01:00",
                          "user": {"id": "ben", "type": "user_reference"}}]
    assert not (out / "schedule_overrides/core-secondary.json").exists()
    policy = json.loads((out / "escalation_policies/core-critical.json").read_text())["escalation_policy"]
    assert policy["num_loops"] == 2
    assert [r["escalation_delay_in_minutes"] for r in policy["escalation_rules"]] == [15, 30]
    assert policy["escalation_rules"][0]["targets"] == [{"id": "core-primary", "type": "schedule_reference"}]
    assert policy["teams"] == [{"id": "core", "type": "team_reference"}]


def test_only_active_people_and_paging_services_are_rendered(tmp_path: Path) -> None:
    result, out = render(tmp_path, FIXTURE_ORG)
    assert result.code == 0, result.err
    assert sorted(p.stem for p in (out / "users").iterdir()) == ["ana", "ben", "cy", "dee", "sec"]   # not 'old'
    assert sorted(p.stem for p in (out / "services").iterdir()) == ["api"]        # the others have no escalation
    service = json.loads((out / "services/api.json").read_text())["service"]
    assert service["escalation_policy"] == {"id": "core-critical", "type": "escalation_policy_reference"}
    assert json.loads((out / "team_memberships/core/ana.json").read_text()) == {"role": "manager"}
    assert json.loads((out / "team_memberships/core/ben.json").read_text()) == {"role": "responder"}


@pytest.mark.parametrize(("days", "start", "end", "expected"), [
    (None, "09:00", "17:00", [("daily_restriction", "09:00:00", 8 * 3600, None)]),
    (None, "22:00", "06:00", [("daily_restriction", "22:00:00", 8 * 3600, None)]),   # crosses midnight
    (["mon", "fri"], "09:00", "09:00", [("weekly_restriction", "09:00:00", 86400, 1),
                                         ("weekly_restriction", "09:00:00", 86400, 5)]),
    (["sun"], "18:30", "24:00", [("weekly_restriction", "18:30:00", 5.5 * 3600, 7)]),
    (None, "00:00", "00:00", []),                                                    # all day, every day
])
def test_restrictions(days, start, end, expected) -> None:
    data = {"from": start, "to": end} | ({"days": days} if days else {})
    got = restrictions([Restriction.model_validate(data)])
    assert [(r["type"], r["start_time_of_day"], r["duration_seconds"], r.get("start_day_of_week")) for r in got] \
        == expected


def test_local_times_in_dst_gaps_and_overlaps() -> None:
    # spring forward in Berlin: 02:30 does not exist and moves to 03:00 CEST
    assert iso(in_zone(datetime(2026, 3, 29, 2, 30), "Europe/Berlin")) == "2026-03-29T03:00:00+02:00"
    # fall back: 02:30 happens twice, the first (CEST) is taken
    assert iso(in_zone(datetime(2026, 10, 25, 2, 30), "Europe/Berlin")) == "2026-10-25T02:30:00+02:00"
    assert iso(in_zone(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "America/New_York")) == "2026-07-01T05:00:00-04:00"


ROTATION_30M = """
kind: Rotation
id: fast
timezone: UTC
layers:
  - {name: quick, members: [ana, ben], start: 2026-01-05T00:00, turn: 30m}
"""


@pytest.mark.parametrize("fmt", ["api", "terraform"])
def test_turn_shorter_than_an_hour_is_refused_and_nothing_is_written(fmt: str, repo, tmp_path: Path) -> None:
    root = repo({"ownership/people.yaml": minimal_people("ana", "ben"), "ownership/rotations.yaml": ROTATION_30M})
    result, out = render(tmp_path, root, fmt)
    assert result.code == 1
    assert "rotation:fast" in result.err and "30m" in result.err and "3600" in result.err
    assert not out.exists()


# --- Terraform ----------------------------------------------------------------------------------
def _blocks(out: Path) -> tuple[set[str], list[str]]:
    """Addresses defined in the *.tf.json files, and every `${...}` reference they use."""
    defined, used = set(), []
    for path in out.glob("*.tf.json"):
        doc = json.loads(path.read_text())
        for kind, blocks in doc.get("resource", {}).items():
            defined |= {f"{kind}.{name}" for name in blocks}
        for kind, blocks in doc.get("data", {}).items():
            defined |= {f"data.{kind}.{name}" for name in blocks}
        used += re.findall(r"\$\{([a-z_.0-9-]+)\.id\}", path.read_text())
    return defined, used


@pytest.mark.parametrize("repo", [FIXTURE_ORG, ROOT], ids=["fixture", "example"])
def test_terraform_references_resolve_and_fit_provider_limits(repo: Path, tmp_path: Path) -> None:
    result, out = render(tmp_path, repo, "terraform", now=EXAMPLE_NOW)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.glob("*.tf.json")) == [
        "escalation_policies.tf.json", "schedules.tf.json", "services.tf.json", "teams.tf.json", "users.tf.json",
        "versions.tf.json"]
    defined, used = _blocks(out)
    assert used and set(used) <= defined, sorted(set(used) - defined)
    schedules = json.loads((out / "schedules.tf.json").read_text())["resource"]["pagerduty_schedule"]
    for schedule in schedules.values():
        for layer in schedule["layer"]:
            assert 3600 <= layer["rotation_turn_length_seconds"] <= 31536000
            assert layer["users"]
            for restriction in layer.get("restriction", []):
                if restriction["type"] == "daily_restriction":
                    assert restriction["duration_seconds"] < 86400 and "start_day_of_week" not in restriction
                else:
                    assert 1 <= restriction["start_day_of_week"] <= 7
    policies = json.loads((out / "escalation_policies.tf.json").read_text())["resource"]["pagerduty_escalation_policy"]
    for policy in policies.values():
        assert 0 <= policy["num_loops"] <= 9
        assert all(rule["escalation_delay_in_minutes"] >= 1 for rule in policy["rule"])
    users = json.loads((out / "users.tf.json").read_text())["data"]["pagerduty_user"]
    assert all(set(user) == {"email"} for user in users.values())


def test_terraform_escapes_interpolation_in_names(repo, tmp_path: Path) -> None:
    rotation = ROTATION_30M.replace("turn: 30m", "turn: 1d").replace("name: quick", 'name: "costs ${var.x}"')
    root = repo({"ownership/people.yaml": minimal_people("ana", "ben"), "ownership/rotations.yaml": rotation})
    result, out = render(tmp_path, root, "terraform")
    assert result.code == 0, result.err
    layer = json.loads((out / "schedules.tf.json").read_text())["resource"]["pagerduty_schedule"]["fast"]["layer"][0]
    assert layer["name"] == "costs $${var.x}"


# --- restrictions cover exactly the repository's minutes of the week ----------------------------
def _week_minutes_repository(days: list[str], start: int, end: int) -> set[int]:
    length = end - start if end > start else 1440 - (start - end)
    order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {(order.index(day) * 1440 + start + m) % 10080 for day in days for m in range(0, length, 15)}


def _week_minutes_pagerduty(rules: list[dict]) -> set[int]:
    if not rules:
        return set(range(0, 10080, 15))
    covered = set()
    for rule in rules:
        hours, minutes, _ = (int(x) for x in rule["start_time_of_day"].split(":"))
        start = hours * 60 + minutes
        days = range(7) if rule["type"] == "daily_restriction" else [rule["start_day_of_week"] - 1]
        length = rule["duration_seconds"] // 60
        covered |= {(day * 1440 + start + m) % 10080 for day in days for m in range(0, length, 15)}
    return covered


@settings(max_examples=150, deadline=None)
@given(days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True),
       start=st.integers(0, 95), end=st.integers(0, 96))
def test_restrictions_cover_the_same_minutes_of_the_week(days: list[str], start: int, end: int) -> None:
    clock = [f"{q * 15 // 60:02d}:{q * 15 % 60:02d}" for q in (start, end)]
    restriction = Restriction.model_validate({"days": days, "from": clock[0], "to": clock[1]})
    got = restrictions([restriction])
    assert _week_minutes_pagerduty(got) == _week_minutes_repository(days, start * 15, (end * 15) % 1440)
    for rule in got:
        assert 0 < rule["duration_seconds"] <= 86400
        if rule["type"] == "daily_restriction":
            assert rule["duration_seconds"] < 86400


PROVIDER = json.loads((Path(__file__).parent / "data" / "pagerduty-provider-arguments.json").read_text())


def _argument_problems(body: dict, spec: dict, where: str) -> list[str]:
    problems = [f"{where}: unknown argument {key}" for key in body if key != "//" and key not in spec["arguments"]]
    problems += [f"{where}: missing {key}" for key in spec["required"] if key not in body]
    for name, block_spec in spec.get("blocks", {}).items():
        for index, block in enumerate(body.get(name, [])):
            problems += _argument_problems(block, block_spec, f"{where}.{name}[{index}]")
    return problems


@pytest.mark.parametrize("repo", [FIXTURE_ORG, ROOT], ids=["fixture", "example"])
def test_terraform_uses_only_the_provider_argument_names(repo: Path, tmp_path: Path) -> None:
    result, out = render(tmp_path, repo, "terraform", now=EXAMPLE_NOW)
    assert result.code == 0, result.err
    problems, seen = [], set()
    for path in sorted(out.glob("*.tf.json")):
        doc = json.loads(path.read_text())
        for section in ("resource", "data"):
            for kind, blocks in doc.get(section, {}).items():
                seen.add(kind)
                for name, body in blocks.items():
                    problems += _argument_problems(body, PROVIDER[section][kind], f"{kind}.{name}")
    assert not problems, problems
    assert seen == {"pagerduty_team", "pagerduty_team_membership", "pagerduty_schedule",
                    "pagerduty_escalation_policy", "pagerduty_service", "pagerduty_user"}


def test_provider_argument_check_catches_a_wrong_name() -> None:
    spec = PROVIDER["resource"]["pagerduty_schedule"]
    body = {"time_zone": "UTC", "layer": [{"start": "x", "rotation_virtual_start": "x", "users": [],
                                           "rotation_turn_length": 3600}]}
    assert _argument_problems(body, spec, "s") == ["s.layer[0]: unknown argument rotation_turn_length",
                                                   "s.layer[0]: missing rotation_turn_length_seconds"]


# --- support hours: a business-hours service does not page at night (SPEC §4) -------------------
HOURS_ORG = {
    "ownership/people.yaml": minimal_people("ana", "ben", "cy"),
    "ownership/org.yaml": """
        - {kind: Team, id: core, name: Core, members: [ana, ben, cy], leads: [ana]}
        - {kind: Service, id: office, owner: core, tier: 3, escalation: office}
        - {kind: Service, id: batch, owner: core, tier: 4, escalation: office}
        - {kind: Service, id: api, owner: core, tier: 2, escalation: office}
        - kind: Escalation
          id: office
          levels: [{targets: ["rotation:office"], after: 15m}, {targets: ["person:cy"]}]
        - kind: Rotation
          id: office
          timezone: America/New_York
          layers:
            - {name: days, members: [ana, ben], start: 2026-01-05T09:00, turn: 1d}
    """,
    "policy/settings.yaml": """
        kind: Settings
        business_hours: {days: [mon, tue, wed, thu, fri], from: "08:30", to: "18:00"}
        max_oncall_share: 1
        max_night_hours_per_week: 168
    """,
}


@pytest.mark.parametrize("fmt", ["api", "terraform"])
def test_tier_hours_become_support_hours_and_urgency(fmt: str, repo, tmp_path: Path) -> None:
    result, out = render(tmp_path, repo(HOURS_ORG), fmt)
    assert result.code == 0, result.err
    if fmt == "api":
        assert check_against_openapi(out) > 0
        services = {sid: json.loads((out / f"services/{sid}.json").read_text())["service"]
                    for sid in ("office", "batch", "api")}
    else:
        blocks = json.loads((out / "services.tf.json").read_text())["resource"]["pagerduty_service"]
        services = {sid: {key: _unlist(value) for key, value in body.items()} for sid, body in blocks.items()}
    office = services["office"]
    assert office["support_hours"] == {"type": "fixed_time_per_day", "time_zone": "America/New_York",
                                       "start_time": "08:30:00", "end_time": "18:00:00",
                                       "days_of_week": [1, 2, 3, 4, 5]}
    assert office["incident_urgency_rule"] == {"type": "use_support_hours",
                                               "during_support_hours": {"type": "constant", "urgency": "high"},
                                               "outside_support_hours": {"type": "constant", "urgency": "low"}}
    assert services["batch"]["incident_urgency_rule"] == {"type": "constant", "urgency": "low"}
    assert services["api"]["incident_urgency_rule"] == {"type": "constant", "urgency": "high"}
    assert "support_hours" not in services["batch"] and "support_hours" not in services["api"]


def _unlist(value):
    """Terraform JSON nests blocks as lists of one object: compare them as the API's objects."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return {key: _unlist(inner) for key, inner in value[0].items()}
    return value


def test_the_schema_check_catches_a_wrong_urgency(tmp_path: Path, repo) -> None:
    result, out = render(tmp_path, repo(HOURS_ORG))
    assert result.code == 0, result.err
    body = json.loads((out / "services/office.json").read_text())
    schema = request_schema("/services", "POST")
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(body))
    body["service"]["incident_urgency_rule"]["outside_support_hours"]["urgency"] = "silent"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(body))
