"""The rules' escalation shortcuts agree with the step function they stand in for, on a real organisation.

`paged_alone`, `nobody_paged` and `level_reach` answer from each rotation's `Kept` (its active people and
the time they cover) and each escalation's levels, without building the escalation's steps; on many
escalations over rotations that cover all the time, part of it, with a leaver, an override or a late
start, they must give exactly what `single_person` and `nobody` give on the steps.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import write_repo
from validator.load import load_repo
from validator.model import build_org
from validator.oncall import nobody, single_person
from validator.rules import oncall_views as views
from validator.rules.context import Context

PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
ROTATIONS = """\
- kind: Rotation
  id: r-full
  timezone: UTC
  layers: [{name: w, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}]
- kind: Rotation
  id: r-day
  timezone: Europe/Berlin
  layers:
    - {name: d, members: [alice, dave], start: 2026-01-05T09:00, turn: 1d,
       restrictions: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]}
- kind: Rotation
  id: r-gone
  timezone: UTC
  layers: [{name: w, members: [erin, frank], start: 2026-01-05T09:00, turn: 1w}]
- kind: Rotation
  id: r-over
  timezone: UTC
  layers: [{name: w, members: [bob, carol], start: 2026-01-05T09:00, turn: 1w}]
  overrides: [{person: alice, from: 2026-11-25T00:00, to: 2026-11-29T00:00}]
- kind: Rotation
  id: r-late
  timezone: UTC
  layers: [{name: w, members: [dave], start: 2026-12-03T00:00, turn: 1w}]
- kind: Rotation
  id: r-sun
  timezone: UTC
  layers:
    - {name: day, members: [gina, frank], start: 2026-01-05T06:00, turn: 1w,
       restrictions: [{from: "06:00", to: "18:00"}]}
    - {name: night, members: [carol], start: 2026-01-05T18:00, turn: 1w,
       restrictions: [{from: "18:00", to: "06:00"}]}
"""
TARGETS = ["rotation:r-full", "rotation:r-day", "rotation:r-gone", "rotation:r-over", "rotation:r-late",
           "rotation:r-sun", *(f"person:{p}" for p in PEOPLE)]


def _escalations(count: int) -> str:
    pick = random.Random(18)
    out = []
    for i in range(count):
        levels = [{"targets": pick.sample(TARGETS, pick.choice((1, 1, 2)))} for _ in range(pick.choice((1, 2, 3)))]
        rendered = ", ".join("{targets: [" + ", ".join(f'"{t}"' for t in level["targets"]) + "], after: 15m}"
                             for level in levels)
        out.append(f"- {{kind: Escalation, id: e{i}, levels: [{rendered}]}}\n")
    return "".join(out)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Context:
    root = tmp_path_factory.mktemp("org")
    people = "".join(f"- {{kind: Person, id: {p}, name: {p.title()}, email: {p}@example.com, timezone: UTC"
                     f"{', active: false' if p == 'erin' else ''}}}\n" for p in PEOPLE)
    write_repo(Path(root), {"ownership/people.yaml": people, "ownership/rotations.yaml": ROTATIONS,
                            "ownership/escalations.yaml": _escalations(300)})
    org, _ = build_org(load_repo(Path(root)))
    assert len(org.escalations) == 300 and len(org.rotations) == 6
    return Context(org, datetime(2026, 11, 23, 12, tzinfo=UTC))


def test_nobody_alone_and_reach_agree_with_the_steps(ctx: Context):
    alone_somewhere = gaps = 0
    for escalation in ctx.org.escalations.values():
        view = views.escalation_view(ctx, escalation)
        assert views.paged_alone(ctx, escalation) == single_person(view), escalation.id
        for level in (None, *range(len(escalation.levels) + 1)):
            assert views.nobody_paged(ctx, escalation, level) == nobody(view, level), (escalation.id, level)
        reach = views.level_reach(ctx, escalation)
        for _, _, levels in view:
            assert all(people <= reach[i] for i, people in enumerate(levels)), escalation.id
        alone_somewhere += bool(single_person(view))
        gaps += bool(nobody(view))
    assert alone_somewhere > 30 and gaps > 30  # both answers are exercised, not only the empty one
