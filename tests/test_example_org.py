"""The embedded example organisation: realistic, every feature shown, clean all year."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import ROOT, run_cli
from validator.load import load_repo
from validator.model import build_org

DATES = ["2026-11-23T12:00:00Z", "2026-12-20T03:00:00Z", "2027-03-28T01:30:00Z", "2027-06-15T12:00:00Z",
         "2027-10-31T00:30:00Z", "2027-11-22T23:00:00Z"]


@pytest.mark.parametrize("now", DATES)
def test_example_validates_without_errors_all_year(now: str):
    result = run_cli("validate", "--format", "json", repo=ROOT, now=now)
    data = result.json()
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert errors == []
    assert result.code == 0
    assert not [f for f in data["findings"] if f["rule"] == "WVR002"], "every waiver must match a finding"


def test_example_shows_every_feature():
    org, findings = build_org(load_repo(ROOT))
    assert findings == []
    assert len(org.people) >= 25
    assert any(not p.active for p in org.people.values())
    assert len({p.timezone for p in org.people.values()}) >= 4
    assert len(org.teams) >= 5 and any(t.parent for t in org.teams.values())
    assert {s.tier for s in org.services.values()} == {1, 2, 3, 4}
    assert any(s.depends_on for s in org.services.values())
    assert any(len(r.layers) >= 2 and len({m for layer in r.layers for m in layer.members}) >= 4
               for r in org.rotations.values()), "a follow-the-sun rotation"
    assert any(any(layer.restrictions for layer in r.layers) for r in org.rotations.values()), "business hours"
    assert any(r.overrides for r in org.rotations.values())
    assert org.absences
    assert any(role.break_glass for role in org.roles.values())
    assert org.grants and org.settings_declared and org.settings.waivers
    # clean all year: every waiver outlives the last date the example is validated at (never today's date)
    last = datetime.fromisoformat(DATES[-1]).date()
    assert all(w.expires > last for w in org.settings.waivers)


def test_example_waiver_is_in_use():
    data = run_cli("validate", "--format", "json", repo=ROOT, now=DATES[0]).json()
    assert data["counts"]["waived"] >= 1
