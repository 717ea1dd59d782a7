"""Time the access rules (ACC001-ACC011) and effective access on a large synthetic organisation.

Builds, in memory and deterministically, 3,000 people in 500 teams, 5,000 roles over 40 AWS
accounts (read-only, deploy, service-wide wildcards, bridges that assume a few roles through a
wildcard ARN, IAM admins, ten break-glass admins, the odd typo) and 30,000 grants (team grants, person grants
with and without expiry, some expired, break-glass grants with tickets). Prints one line per
measurement. Run by `make bench` (benchmarks/run.py) or on its own:

    .venv/bin/python benchmarks/bench_access.py [--roles 5000] [--grants 30000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validator.model import Org  # noqa: E402
from validator.model.kinds import Grant, Person, Role, Settings, Team  # noqa: E402

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
READ = ["ecs:DescribeServices", "ecs:ListTasks", "logs:GetLogEvents", "s3:GetObject", "dynamodb:Query",
        "cloudwatch:GetMetricData", "ec2:Describe*", "rds:DescribeDBInstances"]
WRITE = ["ecs:UpdateService", "s3:PutObject", "dynamodb:PutItem", "lambda:UpdateFunctionCode", "sqs:SendMessage"]


def build(n_roles: int, n_grants: int, seed: int = 7) -> Org:
    rng = random.Random(seed)
    org = Org()
    people = [f"p{i}" for i in range(3000)]
    for i, pid in enumerate(people):
        org.people[pid] = Person(kind="Person", id=pid, name=pid, email=f"{pid}@example.com", timezone="UTC",
                                 active=i % 97 != 0)
    for t in range(500):
        members = people[t * 6:(t + 1) * 6]
        org.teams[f"t{t}"] = Team(kind="Team", id=f"t{t}", name=f"T{t}", members=members, leads=members[:1])
    org.teams["security"] = Team(kind="Team", id="security", name="Security", members=people[:3])
    accounts = [f"{100000000000 + a}" for a in range(40)]
    for r in range(n_roles):
        account = accounts[r % len(accounts)]
        env = "production" if r % 3 else "staging"
        kind = r % 100
        arn = f"arn:aws:ecs:eu-west-1:{account}:service/prod/svc-{r}"
        break_glass = False
        if kind < 5:
            tail = "9?" if r % 10 == 0 else "5?"  # most bridges reach read-only roles, some reach admins
            statements = [{"effect": "Allow", "actions": ["sts:AssumeRole"],
                           "resources": [f"arn:aws:iam::*:role/r{r % 9 + 1}{r % 7}{tail}"],
                           "conditions": {"Bool": {"aws:MultiFactorAuthPresent": True}}}]
        elif kind < 60:
            statements = [{"effect": "Allow", "actions": rng.sample(READ, 3), "resources": ["*"]}]
        elif kind < 85:
            statements = [{"effect": "Allow", "actions": rng.sample(WRITE, 2), "resources": [arn]}]
        elif kind < 97:
            statements = [{"effect": "Allow", "actions": ["ecs:*", "logs:*"], "resources": [arn]}]
        elif r % 500 == 97:
            statements = [{"effect": "Allow", "actions": ["*"], "resources": ["*"]}]
            break_glass = True
        elif kind < 99:
            statements = [{"effect": "Allow", "actions": ["iam:*"], "resources": ["*"]}]
        else:
            statements = [{"effect": "Allow", "actions": ["s3:GetObjcet", "madeup:Thing"], "resources": ["*"]}]
        ident = f"bg{r}" if break_glass else f"r{r}"
        org.roles[ident] = Role.model_validate({
            "kind": "Role", "id": ident, "environment": env, "account": account, "break_glass": break_glass,
            "statements": statements})
    role_ids = list(org.roles)
    for g in range(n_grants):
        role_id = rng.choice(role_ids)
        role = org.roles[role_id]
        data = {"kind": "Grant", "id": f"g{g}", "role": role_id, "reason": "bench", "approved_by": ["p0"]}
        if role.break_glass:
            data |= {"to": [f"person:{rng.choice(people)}"], "ticket": "INC-1",
                     "expires": NOW + timedelta(hours=rng.choice((4, 12, 48)))}
        elif g % 10 < 7:
            data["to"] = [f"team:t{rng.randrange(500)}"]
        else:
            data["to"] = [f"person:{rng.choice(people)}"]
            data["expires"] = date(2026, 11, 1) + timedelta(days=rng.randrange(200))
        org.grants[f"g{g}"] = Grant.model_validate(data)
    org.settings = Settings(kind="Settings")
    return org


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--grants", type=int, default=30000)
    args = parser.parse_args(argv)

    from validator.graph.access import effective_access
    from validator.iam.catalog import catalog
    from validator.rules.context import Context
    from validator.rules.registry import load_all

    started = time.perf_counter()
    org = build(args.roles, args.grants)
    built = time.perf_counter() - started

    started = time.perf_counter()
    catalog()
    catalog_seconds = time.perf_counter() - started

    rules = {k: v for k, v in load_all().items() if k.startswith("ACC")}
    ctx = Context(org, NOW)
    per_rule: dict[str, float] = {}
    counts: dict[str, int] = {}
    total_start = time.perf_counter()
    for rule_id, rule in sorted(rules.items()):
        started = time.perf_counter()
        counts[rule_id] = sum(1 for _ in rule.check(ctx))
        per_rule[rule_id] = time.perf_counter() - started
    total = time.perf_counter() - total_start

    started = time.perf_counter()
    reaches = effective_access(org, NOW)
    access_seconds = time.perf_counter() - started

    print(f"access rules on {len(org.roles):,} roles, {len(org.grants):,} grants, {len(org.people):,} people: "
          f"{total:.2f} s for ACC001-ACC011 (catalog load {catalog_seconds:.2f} s, org built in {built:.1f} s)")
    print(f"effective access alone: {access_seconds:.2f} s for {len(reaches):,} paths")
    print("per rule: " + ", ".join(f"{k} {v:.2f}s/{counts[k]}" for k, v in per_rule.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
