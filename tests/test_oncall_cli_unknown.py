"""`oncall` never answers "nobody" for what it cannot read, and takes RFC 9557 zone suffixes (SPEC §4)."""

from __future__ import annotations

import pytest

from tests.cli_oncall_org import ORG
from tests.conftest import run_cli


@pytest.fixture
def org(repo):
    return repo(ORG)


BROKEN_LAYER = """
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers:
            - {name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}
            - {name: broken, members: [dave], start: 2026-01-05T09:00, turn: 1x}
"""


def _with_broken_primary(repo):
    text = ORG["ownership/oncall.yaml"]
    start = text.index("        - kind: Rotation\n          id: pay-primary")
    end = text.index("        - kind: Rotation\n          id: pay-secondary")
    return repo({**ORG, "ownership/oncall.yaml": text[:start] + BROKEN_LAYER.lstrip("\n") + text[end:]})


def test_a_level_whose_rotation_has_errors_is_unknown_with_the_reason_and_exit_1(repo):
    root = _with_broken_primary(repo)
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-22T03:00Z", "--format", "json", repo=root)
    assert result.code == 1, result.err
    first, second, third = result.json()["levels"]
    assert first["level"] == 1 and first["people"] is None
    assert "pay-primary" in first["unknown"] and "layers.1.turn" in first["unknown"]
    assert second["people"] and third == {"level": 3, "people": ["alice"]}
    text = run_cli("oncall", "checkout-api", "--at", "2026-12-22T03:00Z", repo=root)
    assert text.code == 1 and "level 1: unknown: rotation pay-primary has errors" in text.out
    assert "level 1: nobody" not in text.out


def test_an_escalation_that_failed_its_schema_has_errors_not_missing(repo):
    text = ORG["ownership/oncall.yaml"].replace("          id: pay\n          levels:",
                                                 "          id: pay\n          repeat: lots\n          levels:")
    root = repo({**ORG, "ownership/oncall.yaml": text})
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-22T03:00Z", repo=root)
    assert result.code == 1
    assert "has errors" in result.err and "repeat" in result.err and "does not exist" not in result.err


def test_at_with_an_rfc_9557_zone_is_that_zones_wall_clock(org):
    zoned = run_cli("oncall", "checkout-api", "--at", "2026-12-06T03:00[Europe/Berlin]", "--format", "json",
                    repo=org)
    assert zoned.code == 0, zoned.err
    assert zoned.json()["at"] == "2026-12-06T02:00:00+00:00"
    plain = run_cli("oncall", "checkout-api", "--at", "2026-12-06T02:00Z", "--format", "json", repo=org).json()
    assert zoned.json()["levels"] == plain["levels"]
    # an offset that agrees with the zone, the critical flag and an extension tag are fine
    for form in ("2026-12-06T03:00+01:00[Europe/Berlin]", "2026-12-06T03:00[!Europe/Berlin][u-ca=iso8601]"):
        assert run_cli("oncall", "checkout-api", "--at", form, "--format", "json", repo=org).json()["at"] == \
            "2026-12-06T02:00:00+00:00"
    for bad in ("2026-12-06T03:00[Europe/Berln]", "2026-12-06T03:00+05:00[Europe/Berlin]", "2026-12-06T03:00[",
                "2026-12-06T03:00[u-ca=iso8601]"):
        result = run_cli("oncall", "checkout-api", "--at", bad, repo=org)
        assert result.code == 2 and "Traceback" not in result.err, bad


def test_answers_show_utc_and_the_first_rotations_zone(org):
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-06T02:00Z", repo=org)
    assert "2026-12-06T02:00:00+00:00 (2026-12-06T03:00:00+01:00 Europe/Berlin)" in result.out
    data = run_cli("oncall", "checkout-api", "--at", "2026-12-06T02:00Z", "--format", "json", repo=org).json()
    assert set(data) == {"service", "at", "levels"}  # the JSON keeps the spec's shape: UTC
