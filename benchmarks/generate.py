"""Generate a realistic synthetic organisation for benchmarks, at any scale.

`--scale 1` is a large company: about 20,000 people, 2,000 teams, 10,000 services, 2,000
follow-the-sun rotations (two layers with restrictions), 2,000 escalations, 4,500 roles and
30,000 grants, spread over about 4,400 files in sub-folders (about 11 MB of YAML).

The output is deterministic for a given `--seed`, `--scale`, `--now` and `--flaw-rate`. By default
it is mostly clean, with a realistic sprinkling of findings (about one entity in 400 has a flaw: a
typo in a reference, a leaver still in a team, an absence during an on-call week, an IAM action
typo, a person's grant without expiry, an escalation that reaches one person only, a team of one,
...). `--dirty` (one entity in DIRTY_RATE) makes the organisation of a team adopting dutyguard:
thousands of findings of every family, more than one per three files.

    python benchmarks/generate.py --scale 1 --out benchmarks/out/scale-1
    python benchmarks/generate.py --scale 1 --dirty --out benchmarks/out/dirty-1
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

FIRST = ("anna ben carla david emma felix greta hugo ida jonas karla leon mara nils olga paul rosa "
         "sven tara uwe vera wim xenia yusuf zora amir bea chen dana eli fatima gus hana igor jade "
         "kai lina milo nora omar pia quinn ravi sara tom una viktor wanda yan zeno").split()
LAST = ("mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann koch richter "
        "klein wolf neumann schwarz zimmermann braun krueger hofmann hartmann lange schmitt werner "
        "krause meier lehmann schmid schulze maier koehler herrmann walter koenig mayer huber kaiser "
        "fuchs peters lang scholz moeller weiss jung hahn vogel friedrich keller").split()
WORDS = ("checkout ledger search identity billing catalog cart pricing inventory shipping payments "
         "orders reviews media images notify mail sms push ads analytics reporting fraud risk "
         "loyalty coupons gift tax invoice refund auth session profile account gateway edge cdn "
         "dns queue stream events metrics logs traces alerts config secrets vault build deploy "
         "registry artifacts backup archive export import sync cache index crawler recommend "
         "feed social chat support tickets docs wiki forms survey geo maps routing fleet").split()
SUFFIX = "api worker web db job proxy store ui sync hub".split()
DIVISIONS = ("commerce platform data infra growth finance people security mobile web core devices "
             "marketplace logistics media ads trust ml research enterprise consumer partner "
             "retail travel health edu games music video cloud storage network ops apps tools "
             "labs quality release").split()
EU_ZONES = ("Europe/Berlin", "Europe/Paris", "Europe/Amsterdam", "Europe/Madrid", "Europe/Warsaw")
US_ZONES = ("America/Los_Angeles", "America/Vancouver", "America/Tijuana")
READ_ACTIONS = ("ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks", "logs:GetLogEvents",
                "logs:FilterLogEvents", "cloudwatch:GetMetricData", "s3:GetObject", "s3:ListBucket",
                "dynamodb:GetItem", "dynamodb:Query", "sqs:GetQueueAttributes", "rds:DescribeDBInstances")
WRITE_ACTIONS = ("ecs:UpdateService", "ecs:RunTask", "s3:PutObject", "dynamodb:PutItem",
                 "sqs:PurgeQueue", "lambda:UpdateFunctionCode", "rds:RebootDBInstance")

# The resource each action acts on (its resource type in AWS's Service Authorization Reference), so that
# the generated policies grant what they say (ACC016); `*` for actions without resource-level scoping.
ACTION_RESOURCES = {
    "ecs:DescribeServices": "arn:aws:ecs:eu-west-1:{a}:service/prod/{s}",
    "ecs:UpdateService": "arn:aws:ecs:eu-west-1:{a}:service/prod/{s}",
    "ecs:DescribeTasks": "arn:aws:ecs:eu-west-1:{a}:task/prod/*",
    "ecs:ListTasks": "arn:aws:ecs:eu-west-1:{a}:container-instance/prod/*",
    "ecs:RunTask": "arn:aws:ecs:eu-west-1:{a}:task-definition/{s}:*",
    "logs:GetLogEvents": "arn:aws:logs:eu-west-1:{a}:log-group:/ecs/{s}:*",
    "logs:FilterLogEvents": "arn:aws:logs:eu-west-1:{a}:log-group:/ecs/{s}:*",
    "cloudwatch:GetMetricData": "*",
    "s3:GetObject": "arn:aws:s3:::{s}-data/*", "s3:PutObject": "arn:aws:s3:::{s}-data/*",
    "s3:ListBucket": "arn:aws:s3:::{s}-data",
    "dynamodb:GetItem": "arn:aws:dynamodb:eu-west-1:{a}:table/{s}",
    "dynamodb:Query": "arn:aws:dynamodb:eu-west-1:{a}:table/{s}",
    "dynamodb:PutItem": "arn:aws:dynamodb:eu-west-1:{a}:table/{s}",
    "sqs:GetQueueAttributes": "arn:aws:sqs:eu-west-1:{a}:{s}",
    "sqs:PurgeQueue": "arn:aws:sqs:eu-west-1:{a}:{s}",
    "rds:DescribeDBInstances": "arn:aws:rds:eu-west-1:{a}:db:{s}",
    "rds:RebootDBInstance": "arn:aws:rds:eu-west-1:{a}:db:{s}",
    "lambda:UpdateFunctionCode": "arn:aws:lambda:eu-west-1:{a}:function:{s}",
}


REGION_CONDITION = "      conditions:\n        StringEquals: {\"aws:RequestedRegion\": \"eu-west-1\"}\n"


def _statements(actions: list[str], account: str, service: str, conditions: str = "") -> str:
    """Statements for the actions: one on their resources, one on `*` for those that take only `*`."""
    def resource(action: str) -> str:  # a misspelt action (the ACC009 flaw) keeps the service's ARN
        return ACTION_RESOURCES.get(action, "arn:aws:ecs:eu-west-1:{a}:service/prod/{s}")

    scoped = [a for a in actions if resource(a) != "*"]
    star = [a for a in actions if resource(a) == "*"]
    out = ""
    if scoped:
        resources = dict.fromkeys(resource(a).format(a=account, s=service) for a in scoped)
        out += (f"    - effect: Allow\n      actions: [{', '.join(scoped)}]\n      resources:\n"
                + "".join(f"        - \"{r}\"\n" for r in resources) + conditions)
    if star:
        out += f"    - effect: Allow\n      actions: [{', '.join(star)}]\n      resources: [\"*\"]\n" + conditions
    return out


TEAM_SIZE = 10
SERVICES_PER_TEAM = 5
PEOPLE_PER_FILE = 100
TEAMS_PER_DIVISION = 50
GRANTS_PER_TEAM = 15
# about one entity in FLAW_RATE carries a flaw that the validator reports
FLAW_RATE = 400
DIRTY_RATE = 6


class Org:
    """Builds the files of one organisation in memory: {relative path: text}."""

    def __init__(self, scale: float, seed: int, now: datetime, flaw_rate: int = FLAW_RATE):
        self.rng = random.Random(seed)
        self.flaw_rate = flaw_rate
        self.now = now
        self.teams = max(4, round(2000 * scale))
        self.teams += self.teams % 2  # teams pair up as each other's second level
        self.files: dict[str, list[str]] = {}
        self.people: list[tuple[str, str, str]] = []  # (id, zone, division)
        self.team_members: list[list[str]] = []

    def flaw(self) -> bool:
        return self.rng.randrange(self.flaw_rate) == 0

    def add(self, path: str, text: str) -> None:
        self.files.setdefault(path, []).append(text)

    # --- people -----------------------------------------------------------------------
    def build_people(self) -> None:
        n = 0
        for t in range(self.teams):
            division = DIVISIONS[(t // TEAMS_PER_DIVISION) % len(DIVISIONS)]
            members = []
            for i in range(TEAM_SIZE):
                n += 1
                first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
                ident = f"{first}-{last}-{n}"
                zones = EU_ZONES if i < TEAM_SIZE // 2 else US_ZONES
                zone = self.rng.choice(zones)
                self.people.append((ident, zone, division))
                members.append(ident)
                region = "emea" if zones is EU_ZONES else "americas"
                path = f"ownership/people/{region}/{division}/people-{n // PEOPLE_PER_FILE:04d}.yaml"
                name = f"{first.title()} {last.title()}"
                if self.rng.random() < 0.5:
                    self.add(path, f"- {{kind: Person, id: {ident}, name: {name}, email: {ident}@example.com, "
                                   f"timezone: {zone}}}\n")
                else:
                    self.add(path, f"- kind: Person\n  id: {ident}\n  name: {name}\n"
                                   f"  email: {ident}@example.com\n  timezone: {zone}\n")
            self.team_members.append(members)
        # leavers: people who left and are no longer referenced anywhere
        for k in range(max(1, len(self.people) // 50)):
            ident = f"leaver-{k + 1}"
            self.add(f"ownership/people/leavers/leavers-{k // PEOPLE_PER_FILE:03d}.yaml",
                     f"- kind: Person\n  id: {ident}\n  name: Former Colleague {k + 1}\n"
                     f"  email: {ident}@example.com\n  timezone: Europe/London\n  active: false\n")

    # --- teams, services, rotations, escalations ----------------------------------------
    def team_id(self, t: int) -> str:
        return f"{WORDS[t % len(WORDS)]}-{t}"

    def build_units(self) -> None:
        for t in range(self.teams):
            self.build_unit(t)
        security = [self.team_members[t][0] for t in range(0, self.teams, max(1, self.teams // 8))][:8]
        self.approvers = security
        self.add("ownership/teams/security.yaml",
                 f"kind: Team\nid: security\nname: Security approvers\nmembers: [{', '.join(security)}]\n"
                 f"leads: [{security[0]}]\n")

    def build_unit(self, t: int) -> None:
        rng = self.rng
        team = self.team_id(t)
        division = DIVISIONS[(t // TEAMS_PER_DIVISION) % len(DIVISIONS)]
        path = f"ownership/units/{division}/{team}.yaml"
        members = list(self.team_members[t])
        head = t - t % TEAMS_PER_DIVISION
        parent = f"\nparent: {self.team_id(head)}" if t != head else ""
        shown = list(members)
        if self.flaw():
            shown.append(f"leaver-{rng.randrange(max(1, len(self.people) // 50)) + 1}")  # OWN005
        if self.flaw():
            shown[3] = shown[3][:-1] + "x"  # SCH005 typo
        leads = "" if self.flaw() or t == 1 else f"\nleads: [{members[0]}]"  # OWN008 when missing
        if self.flaw():
            shown = shown[:1]  # OWN002: a team of one owns services
        self.add(path, f"# Team {team} and everything it runs.\nkind: Team\nid: {team}\n"
                       f"name: {team.replace('-', ' ').title()}\nmembers: [{', '.join(shown)}]{leads}{parent}\n")
        eu, us = members[: TEAM_SIZE // 2], members[TEAM_SIZE // 2:]
        rng.shuffle(eu)
        rng.shuffle(us)
        weeks = rng.randrange(0, 5)
        start = date(2026, 1, 5) + timedelta(weeks=weeks)
        self.add(path, f"kind: Rotation\nid: {team}-oncall\nname: {team} follow the sun\ntimezone: UTC\n"
                       f"layers:\n"
                       f"  - name: europe\n    members: [{', '.join(eu)}]\n    start: {start}T05:00\n"
                       f"    turn: 1w\n    restrictions:\n      - {{from: \"05:00\", to: \"17:00\"}}\n"
                       f"  - name: americas\n    members: [{', '.join(us)}]\n    start: {start}T17:00\n"
                       f"    turn: 1w\n    restrictions:\n      - {{from: \"17:00\", to: \"05:00\"}}\n")
        partner = self.team_id(t ^ 1)
        if self.flaw():  # ESC001: every level pages the same one person
            self.add(path, f"kind: Escalation\nid: {team}\nrepeat: 2\nlevels:\n"
                           f"  - {{targets: [\"person:{members[0]}\"], after: 15m}}\n")
        else:
            self.add(path, f"kind: Escalation\nid: {team}\nrepeat: 2\nlevels:\n"
                           f"  - {{targets: [\"rotation:{team}-oncall\"], after: 15m}}\n"
                           f"  - {{targets: [\"rotation:{partner}-oncall\"], after: 15m}}\n"
                           f"  - {{targets: [\"person:{members[0]}\"]}}\n")
        for s in range(SERVICES_PER_TEAM):
            sid = f"{team}-{SUFFIX[s % len(SUFFIX)]}"
            tier = rng.choices((1, 2, 3, 4), (10, 25, 40, 25))[0]
            deps = []
            if t > 0 and rng.random() < 0.6:  # other teams' entry points; rarely a legacy service
                other = self.team_id(rng.randrange(0, t))
                deps.append(f"{other}-{SUFFIX[SERVICES_PER_TEAM - 1 if self.flaw() else 0]}")
            if s > 0:
                deps.append(f"{team}-{SUFFIX[0]}")
            legacy = s == SERVICES_PER_TEAM - 1 and rng.random() < 0.1
            lifecycle = "deprecated" if legacy else "production"  # OWN006 for the few dependents
            self.add(path, f"kind: Service\nid: {sid}\nname: {sid.replace('-', ' ').title()}\nowner: {team}\n"
                           f"tier: {tier}\nescalation: {team}\ndepends_on: [{', '.join(deps)}]\n"
                           f"lifecycle: {lifecycle}\npaths: [\"services/{team}/{SUFFIX[s]}/**\"]\n")

    # --- absences ------------------------------------------------------------------------
    def build_absences(self) -> None:
        count = len(self.people) // 10
        for k in range(count):
            person = self.people[self.rng.randrange(len(self.people))][0]
            if self.rng.random() < 0.02:  # inside the horizon: may collide with an on-call week (ROT004)
                begin = self.now.date() + timedelta(days=self.rng.randrange(3, 20))
                end = begin + timedelta(days=self.rng.randrange(1, 15))
            else:  # most recorded absences are over (rotations got overrides for the future ones)
                begin = self.now.date() - timedelta(days=self.rng.randrange(30, 300))
                end = begin + timedelta(days=self.rng.randrange(1, 15))
            self.add(f"ownership/absences/{begin.year}/absences-{k // 100:03d}.yaml",
                     f"- kind: Absence\n  person: {person}\n  from: {begin}\n  to: {end}\n  reason: vacation\n")

    # --- roles and grants ------------------------------------------------------------------
    def build_policy(self) -> None:
        for t in range(self.teams):
            self.build_team_policy(t)
        approvers = "team:security"
        self.add("policy/settings.yaml",
                 f"# Organisation-wide policy.\nkind: Settings\nhorizon: 28d\napprovers: {approvers}\n"
                 f"waivers:\n  - rule: OWN008\n    entity: team:{self.team_id(1)}\n"
                 f"    reason: The lead position is being filled (HR-1)\n"
                 f"    expires: {(self.now + timedelta(days=60)).date()}\n    approved_by: {self.approvers[0]}\n")

    def build_team_policy(self, t: int) -> None:
        rng = self.rng
        team = self.team_id(t)
        division = DIVISIONS[(t // TEAMS_PER_DIVISION) % len(DIVISIONS)]
        path = f"policy/teams/{division}/{team}.yaml"
        account = f"{100000000000 + t * 7919:012d}"
        service = f"{team}-{SUFFIX[0]}"
        roles = [f"{team}-readonly", f"{team}-deploy"]
        reads = rng.sample(READ_ACTIONS, 4)
        if self.flaw():
            reads[0] = reads[0][:-2] + reads[0][-1] + reads[0][-2]  # ACC009 typo
        self.add(path, f"- kind: Role\n  id: {roles[0]}\n  environment: production\n  account: \"{account}\"\n"
                       f"  service: {service}\n  session: 4h\n  statements:\n"
                       + _statements(reads, account, service))
        writes = rng.sample(WRITE_ACTIONS, 2)
        self.add(path, f"- kind: Role\n  id: {roles[1]}\n  environment: production\n  account: \"{account}\"\n"
                       f"  service: {service}\n  session: 1h\n  statements:\n"
                       + _statements(writes, account, service, REGION_CONDITION))
        if rng.random() < 0.25:
            roles.append(f"{team}-break-glass")
            self.add(path, f"- kind: Role\n  id: {roles[2]}\n  environment: production\n"
                           f"  account: \"{account}\"\n  service: {service}\n  session: 1h\n  break_glass: true\n"
                           f"  statements:\n    - effect: Allow\n      actions: [\"ecs:*\", \"logs:*\"]\n"
                           f"      resources: [\"*\"]\n")
        members = self.team_members[t]
        approver = self.approvers[(t + 1) % len(self.approvers)]
        if approver in members:
            approver = self.approvers[(t + 2) % len(self.approvers)]
        for role in roles[:2]:
            self.add(path, f"- kind: Grant\n  id: {role}-team\n  role: {role}\n  to: [team:{team}]\n"
                           f"  reason: The owning team operates its services\n  approved_by: [{approver}]\n")
        if len(roles) > 2:
            until = (self.now + timedelta(hours=rng.randrange(2, 20))).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.add(path, f"- kind: Grant\n  id: {roles[2]}-incident\n  role: {roles[2]}\n"
                           f"  to: [person:{members[1]}]\n  reason: Incident response\n"
                           f"  approved_by: [{approver}]\n  expires: {until}\n  ticket: INC-{t}\n")
        for g in range(GRANTS_PER_TEAM - len(roles[2:]) - 2):
            person = members[g % len(members)]
            role = roles[g % 2]
            expires = "" if self.flaw() else f", expires: {self.now.date() + timedelta(days=rng.randrange(5, 85))}"
            self.add(path, f"- {{kind: Grant, id: {role}-{g}, role: {role}, to: [\"person:{person}\"], "
                           f"reason: Migration CHG-{t * 100 + g}, approved_by: [{approver}]{expires}}}\n")

    def render(self) -> dict[str, str]:
        out = {}
        for path, parts in self.files.items():
            if parts[0].startswith("- "):
                out[path] = "".join(parts)
            else:
                out[path] = "---\n".join(parts)
        return out


def generate(scale: float, seed: int = 1, now: datetime | None = None, flaw_rate: int = FLAW_RATE) -> dict[str, str]:
    """The organisation's files as {relative path: YAML text}."""
    org = Org(scale, seed, now or datetime(2026, 11, 23, 12, tzinfo=UTC), flaw_rate)
    org.build_people()
    org.build_units()
    org.build_absences()
    org.build_policy()
    return org.render()


def write(files: dict[str, str], out: Path) -> int:
    """Write into `out` (replacing what a previous run left there); return the byte count."""
    for top in ("ownership", "policy"):
        shutil.rmtree(out / top, ignore_errors=True)
    total = 0
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = about 20k people and 4,400 files")
    parser.add_argument("--out", type=Path, required=True, help="the repository folder to write into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", default="2026-11-23T12:00:00+00:00",
                        help="the instant expiries are relative to (pass the same --now to dutyguard)")
    parser.add_argument("--flaw-rate", type=int, default=FLAW_RATE, metavar="N",
                        help=f"about one entity in N has a flaw that gives a finding (default {FLAW_RATE})")
    parser.add_argument("--dirty", action="store_true",
                        help=f"an organisation with many findings: --flaw-rate {DIRTY_RATE}")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    files = generate(args.scale, args.seed, now, DIRTY_RATE if args.dirty else args.flaw_rate)
    total = write(files, args.out)
    print(f"wrote {len(files)} files, {total / 1e6:.1f} MB into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
