"""Time the on-call engine: 2,000 two-layer rotations with restrictions over a 28-day horizon.

Builds the rotations in memory, deterministically: seven time zones (with and without DST,
both hemispheres), a day layer and a night layer each (restrictions crossing midnight, some on
weekdays only), weekly, daily and 12-hour turns, some overrides. Then, in this one process:

* `engine` — `oncall.timeline()` for every rotation over [now, now + 28d): the first pass
  (which also builds the per-zone transition tables) and the best of three more;
* `rules`  — the ROT and ESC rules on an organisation of those rotations, 1,000 escalations
  and 1,000 services (as `dutyguard validate` runs them, one shared timeline per rotation).

Run by `make bench` (benchmarks/run.py) or on its own:

    .venv/bin/python benchmarks/bench_oncall.py [--rotations 2000] [--days 28]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validator.model import Org  # noqa: E402
from validator.model.kinds import Escalation, Person, Rotation, Service, Settings, Team  # noqa: E402

NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)  # the horizon spans the March DST switches
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London", "America/Los_Angeles",
         "Asia/Tokyo", "UTC"]
TURNS = ["1w", "1w", "1d", "12h", "2w"]


def build_rotations(count: int, seed: int = 7) -> list[Rotation]:
    rng = random.Random(seed)
    rotations = []
    for i in range(count):
        zone = rng.choice(ZONES)
        people = [f"p{(i * 5 + k) % 4000}" for k in range(5)]
        start = datetime(2026, 1, 5, 9) + timedelta(days=rng.randrange(0, 7), hours=rng.randrange(0, 3))
        weekdays = rng.random() < 0.3
        day = {"from": "07:00", "to": "22:00"}
        if weekdays:
            day["days"] = ["mon", "tue", "wed", "thu", "fri"]
        layers = [
            {"name": "day", "members": people[:3], "start": start.isoformat(), "turn": rng.choice(TURNS),
             "restrictions": [day]},
            {"name": "night", "members": people[3:], "start": start.isoformat(), "turn": rng.choice(TURNS),
             "restrictions": [{"from": "22:00", "to": "07:00"}]},
        ]
        overrides = []
        if rng.random() < 0.2:
            begin = NOW.replace(tzinfo=None) + timedelta(days=rng.randrange(0, 28), hours=rng.randrange(0, 24))
            overrides.append({"person": people[0], "from": begin.isoformat(),
                              "to": (begin + timedelta(hours=rng.randrange(1, 72))).isoformat()})
        rotations.append(Rotation.model_validate({"kind": "Rotation", "id": f"r{i}", "timezone": zone,
                                                  "layers": layers, "overrides": overrides}))
    return rotations


def build_org(rotations: list[Rotation]) -> Org:
    org = Org()
    people = sorted({m for r in rotations for layer in r.layers for m in layer.members})
    for index, pid in enumerate(people):
        org.people[pid] = Person(kind="Person", id=pid, name=pid, email=f"{pid}@example.com",
                                 timezone=ZONES[index % len(ZONES)])
    org.teams["t"] = Team(kind="Team", id="t", name="T", members=people[:10])
    for i in range(0, len(rotations) - 1, 2):
        eid = f"e{i // 2}"
        org.escalations[eid] = Escalation.model_validate({"kind": "Escalation", "id": eid, "levels": [
            {"targets": [f"rotation:r{i}"], "after": "15m"}, {"targets": [f"rotation:r{i + 1}"]}]})
        org.services[f"s{i // 2}"] = Service(kind="Service", id=f"s{i // 2}", owner="t", tier=1 + (i // 2) % 4,
                                             escalation=eid)
    org.rotations = {r.id: r for r in rotations}
    org.settings = Settings(kind="Settings")
    return org


def time_engine(rotations: list[Rotation], days: int) -> tuple[float, float, int]:
    from validator.oncall import timeline

    start = int(NOW.timestamp())
    end = start + days * 86_400
    runs = []
    segments = 0
    for _ in range(4):
        began = time.perf_counter()
        segments = sum(len(timeline(r, start, end).segments) for r in rotations)
        runs.append(time.perf_counter() - began)
    return runs[0], min(runs[1:]), segments


def time_rules(org: Org) -> tuple[float, int]:
    from validator.rules.context import Context
    from validator.rules.registry import load_all

    rules = [r for r in load_all().values() if r.id[:3] in ("ROT", "ESC") and r.check is not None]
    context = Context(org, NOW)
    began = time.perf_counter()
    findings = sum(1 for rule in rules for _ in rule.check(context))  # type: ignore[misc]
    return time.perf_counter() - began, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    rotations = build_rotations(args.rotations)
    built = time.perf_counter() - began
    first, best, segments = time_engine(rotations, args.days)
    print(f"oncall engine: {args.rotations} two-layer rotations over {args.days} days: "
          f"{first:.3f} s first pass (incl. zone tables), {best:.3f} s best of 3 "
          f"({segments} on-call segments; building the models took {built:.2f} s)")
    if args.days == 28:
        seconds, findings = time_rules(build_org(rotations))
        print(f"oncall rules: ROT001-ROT007 and ESC001-ESC003 on {args.rotations} rotations, "
              f"{args.rotations // 2} escalations and services: {seconds:.3f} s ({findings} findings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
