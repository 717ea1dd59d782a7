"""The example organisation passes every ROT and ESC rule all year, and shows what they are about."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_cli
from validator.load import load_repo
from validator.model import build_org

# across the year, on and around DST switches in Europe and the Americas, and bob's vacation
DATES = ["2026-11-23T12:00:00Z", "2026-12-19T23:00:00Z", "2027-01-29T07:00:00Z", "2027-02-14T12:00:00Z",
         "2027-03-13T08:00:00Z", "2027-03-27T22:00:00Z", "2027-05-20T16:00:00Z", "2027-08-09T03:00:00Z",
         "2027-10-30T23:30:00Z", "2027-11-22T23:00:00Z"]


@pytest.mark.parametrize("now", DATES)
def test_example_has_no_rotation_or_escalation_finding(now: str):
    data = run_cli("validate", "--format", "json", repo=ROOT, now=now).json()
    found = [(f["rule"], f["entity"], f["message"]) for f in data["findings"]
             if f["rule"][:3] in ("ROT", "ESC") and f["severity"] != "waived"]
    assert found == []
    waived = [f for f in data["findings"] if f["severity"] == "waived" and f["rule"] == "ROT001"]
    assert [f["entity"] for f in waived] == ["service:legacy-billing"]


def test_example_covers_bobs_vacation_with_an_override():
    org, _ = build_org(load_repo(ROOT))
    vacation = next(a for a in org.absences if a.person == "bob")
    assert any(o.person != "bob" for r in org.rotations.values() for o in r.overrides)
    # bob's primary week runs into his vacation: the override gives his Sunday to carol
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-20T10:00:00Z", "--format", "json", repo=ROOT)
    assert result.json()["levels"][0]["people"] == ["carol"]
    assert vacation.from_.isoformat() == "2026-12-20"


def test_example_follow_the_sun_hands_over_between_three_zones():
    people = []
    for at in ("2026-11-24T08:00:00Z", "2026-11-24T16:00:00Z", "2026-11-25T00:00:00Z"):
        levels = run_cli("oncall", "kubernetes-platform", "--at", at, "--format", "json", repo=ROOT).json()["levels"]
        people.append(levels[0]["people"][0])
    org, _ = build_org(load_repo(ROOT))
    assert len({org.people[p].timezone for p in people}) == 3
