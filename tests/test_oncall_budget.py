"""The run-wide hand-off budget: many rotations just under the per-layer cap cannot cost minutes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import write_repo
from validator.load import load_repo
from validator.model import build_org
from validator.rules import oncall_views as views
from validator.rules.context import Context

ROTATION = """\
- kind: Rotation
  id: {id}
  timezone: UTC
  layers:
    - {{name: hourly, members: [alice, bob], start: 2026-01-05T00:00, turn: 1h}}
"""


def _context(tmp_path: Path, count: int) -> Context:
    people = ("- {kind: Person, id: alice, name: A, email: a@example.com, timezone: UTC}\n"
              "- {kind: Person, id: bob, name: B, email: b@example.com, timezone: UTC}\n")
    rotations = "".join(ROTATION.format(id=f"r{i}") for i in range(count))
    root = write_repo(tmp_path, {"ownership/people.yaml": people, "ownership/rotations.yaml": rotations})
    org, findings = build_org(load_repo(root))
    assert findings == []
    return Context(org, datetime(2026, 11, 23, tzinfo=UTC))


def test_rotations_beyond_the_shared_budget_are_not_expanded(tmp_path: Path, monkeypatch):
    # 28 days of hourly turns is 674 hand-offs per layer: a budget of 1,500 pays for two rotations
    monkeypatch.setattr(views, "MAX_TOTAL_TURNS", 1500)
    ctx = _context(tmp_path, 3)
    assert views.rotation_timeline(ctx, "r0") is not None
    assert views.rotation_timeline(ctx, "r1") is not None
    assert views.rotation_timeline(ctx, "r2") is None
    limit = views.turn_limit(ctx, "r2")
    assert limit is not None and "together hand over more than 1500 times" in str(limit)
    assert views.turn_limit(ctx, "r0") is None


def test_the_default_budget_covers_a_large_organisation(tmp_path: Path):
    ctx = _context(tmp_path, 50)
    assert all(views.rotation_timeline(ctx, f"r{i}") is not None for i in range(50))
