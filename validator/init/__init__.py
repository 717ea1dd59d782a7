"""`dutyguard init`: the files of a new repository that validates clean on the day it is written, and after.

Dates are relative to `now` (the global `--now`, or the real clock): rotations start on the Monday a
week before, the override is a week ahead, the absence belongs to someone who is never on call, and
the one grant is a team grant (team grants need no expiry; a person's grant, which must expire within
`max_grant_days`, is shown as a comment written with a date inside that limit). The example on-call
setup is follow-the-sun: three regions of three people each take eight daytime hours (UTC), so that
no single point of failure, gap, night duty (ROT006) or overload (ROT005) is reported, whatever day
it is validated on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from validator import __version__

ACTION = "dutyguard/dutyguard@v1"                 # the GitHub Action: replace with where you take dutyguard from
HOOKS_REPO = "https://github.com/dutyguard/dutyguard"
SCHEMA_PATH = ".dutyguard/schema.json"

REGIONS = (  # (layer, time zone, people, UTC hours they cover: all in their daytime)
    ("emea", "Europe/London", ("amara", "bruno", "chiara"), "07:00", "15:00"),
    ("americas", "America/New_York", ("diego", "emily", "farid"), "15:00", "23:00"),
    ("apac", "Asia/Singapore", ("grace", "hiro", "indira"), "23:00", "07:00"),
)
NAMES = {
    "amara": "Amara Okafor", "bruno": "Bruno Costa", "chiara": "Chiara Rossi", "diego": "Diego Ramirez",
    "emily": "Emily Clark", "farid": "Farid Haddad", "grace": "Grace Lim", "hiro": "Hiro Sato",
    "indira": "Indira Nair", "sam": "Sam Security",
}


def _modeline(depth: int) -> str:
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_PATH}\n"


def _people() -> str:
    lines = [_modeline(1), "# People. `email` is unique: PagerDuty users are matched by it. `active: false` once "
             "someone has left.\n"]
    for _, zone, people, _, _ in REGIONS:
        for pid in people:
            lines.append(f"---\nkind: Person\nid: {pid}\nname: {NAMES[pid]}\nemail: {pid}@example.com\n"
                         f"timezone: {zone}\n")
    lines.append("---\nkind: Person\nid: sam\nname: Sam Security\nemail: sam@example.com\ntimezone: Europe/Berlin\n")
    return "".join(lines)


def _teams() -> str:
    members = [pid for _, _, people, _, _ in REGIONS for pid in people]
    return (_modeline(1) + "# Teams own services; `leads` are a subset of `members`; `parent` builds a hierarchy.\n"
            "---\nkind: Team\nid: example-team\nname: Example Team\n"
            f"members: [{', '.join(members)}]\nleads: [amara]\n"
            "---\nkind: Team\nid: security\nname: Security\nmembers: [sam]\nleads: [sam]\n"
            "# Settings `approvers: team:security`: its members approve production grants.\n")


def _services() -> str:
    return (_modeline(1) + "# A team owns a service; the tier decides the hours, people and levels it needs "
            "(policy/settings.yaml).\n"
            "---\nkind: Service\nid: example-api\nname: Example API\nowner: example-team\ntier: 2\n"
            "escalation: example-critical\nlifecycle: production   # production | experimental | deprecated\n"
            "depends_on: []\npaths: [\"services/example-api/**\"]   # for `dutyguard render codeowners`\n")


def _rotations(start: date, override_day: date) -> str:
    out = [_modeline(1), "# Follow the sun: each region covers eight daytime hours (UTC), so nobody is on call at "
           "night.\n# A later layer wins wherever it has someone on call; members are cycled in order.\n"]
    for rid, shift in (("example-primary", 0), ("example-secondary", 1)):
        out.append(f"---\nkind: Rotation\nid: {rid}\ntimezone: UTC\nlayers:\n")
        for layer, _, people, begin, end in REGIONS:
            order = list(people[shift:] + people[:shift])  # the secondary is never the primary's person
            out.append(f"  - name: {layer}\n    members: [{', '.join(order)}]\n"
                       f"    start: {start.isoformat()}T00:00\n    turn: 1d\n"
                       f"    restrictions:\n      - {{from: \"{begin}\", to: \"{end}\"}}\n")
        if rid == "example-primary":
            day = override_day.isoformat()
            out.append("overrides:   # a named person replaces the rotation for a window (a swap, cover)\n"
                       f"  - {{person: diego, from: {day}T07:00, to: {day}T15:00}}\n")
    return "".join(out)


def _escalations() -> str:
    return (_modeline(1) + "# Who is paged, level by level; `repeat` loops the whole policy (PagerDuty num_loops).\n"
            "---\nkind: Escalation\nid: example-critical\nname: Example critical\nrepeat: 1\nlevels:\n"
            "  - {targets: [\"rotation:example-primary\"], after: 15m}\n"
            "  - {targets: [\"rotation:example-secondary\"], after: 15m}\n")


def _absences(first: date, last: date) -> str:
    return (_modeline(1) + "# Absences are checked (ROT004: on call while away), not rendered.\n"
            f"---\nkind: Absence\nperson: sam\nfrom: {first.isoformat()}\nto: {last.isoformat()}\n"
            "reason: conference\n")


def _roles() -> str:
    return (_modeline(1) + "# Production access roles, as AWS IAM statements (lower-case keys).\n"
            "---\nkind: Role\nid: example-api-deploy\nenvironment: production\naccount: \"111122223333\"\n"
            "service: example-api\nsession: 1h\nstatements:\n  - effect: Allow\n"
            "    actions: [ecs:UpdateService, ecs:DescribeServices]\n"
            "    resources: [\"arn:aws:ecs:eu-west-1:111122223333:service/prod/example-api\"]\n")


def _grants(expires: date) -> str:
    return (_modeline(1) + "# Who holds which role. Standing access goes to teams (no expiry needed); a person's\n"
            "# production grant must expire within max_grant_days (policy/settings.yaml), for example:\n"
            "#   ---\n#   kind: Grant\n#   id: amara-deploy\n#   role: example-api-deploy\n#   to: [person:amara]\n"
            "#   reason: Migration week\n#   approved_by: [sam]\n"
            f"#   expires: {expires.isoformat()}\n"
            "---\nkind: Grant\nid: example-team-deploy\nrole: example-api-deploy\nto: [team:example-team]\n"
            "reason: The owners deploy and roll back their service\napproved_by: [sam]\n")


SETTINGS = """\
# Settings: every field with its default written out. Change what your organisation needs.
---
kind: Settings
horizon: 28d                    # how far ahead rotations are checked, from now
tiers:                          # per service tier: people on call, hours covered, escalation levels
  1: {min_people: 3, hours: 24x7, min_levels: 2}
  2: {min_people: 2, hours: 24x7, min_levels: 2}
  3: {min_people: 2, hours: business, min_levels: 1}
  4: {min_people: 1, hours: none, min_levels: 0}     # min_levels 0: no escalation required
business_hours: {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}   # in the rotation's zone
night: {from: "22:00", to: "07:00"}       # in each person's own time zone
max_oncall_share: 0.34                    # of the horizon, summed over all rotations
max_night_hours_per_week: 12
min_team_size: 2
max_grant_days: 90
break_glass_max_hours: 24
approvers: team:security                  # who may approve production grants
severity: {}                              # e.g. {ROT005: error, OWN008: off}
waivers: []                               # {rule, entity, subject, reason, expires, approved_by}
known_actions: []                         # IAM actions newer than the shipped catalog
# github_org: your-org                    # for `dutyguard render codeowners` team handles
"""

WORKFLOW = f"""\
# Validate ownership/ and policy/ on every pull request: annotations, the effective-access diff as a
# comment, and (optionally) SARIF for code scanning. Replace {ACTION} with where you take dutyguard from.
name: dutyguard
on:
  pull_request:
    paths: ["ownership/**", "policy/**", ".github/workflows/dutyguard.yml"]
  push:
    branches: [main]
    paths: ["ownership/**", "policy/**"]
  schedule:
    - cron: "17 6 * * *"      # daily: rotations, grants and waivers change with time, not only with commits

permissions:
  contents: read

jobs:
  dutyguard:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
      pull-requests: write    # the access-diff comment
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0      # the diff reads the base commit from git history
      - uses: {ACTION}
        with:
          repo-path: .
          comment: "true"
"""

PRE_COMMIT = f"""\
# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit that touches
# ownership/ or policy/ is validated first.
repos:
  - repo: {HOOKS_REPO}
    rev: v{__version__}
    hooks:
      - id: dutyguard
"""

README = """\
# On call, ownership and production access

This repository is checked by [dutyguard](https://github.com/dutyguard/dutyguard):

- `ownership/`: people, teams, services, rotations, escalations, absences;
- `policy/`: production roles, grants and `settings.yaml`.

    dutyguard validate                      # every rule; exit 1 on errors
    dutyguard oncall example-api --at now   # who is paged
    dutyguard render pagerduty --out build/pagerduty

Editors with the YAML language server (VS Code's YAML extension) complete and check fields through
the `# yaml-language-server: $schema=...` line at the top of each file, which points at
`.dutyguard/schema.json`; refresh it after upgrading dutyguard with
`dutyguard schema > .dutyguard/schema.json`.
"""


def skeleton(now: datetime, schema: str) -> dict[str, str]:
    """{relative path: text} of a new repository, dated from `now`; `schema` is `dutyguard schema`'s output."""
    today = now.date()
    monday = today - timedelta(days=today.weekday() + 7)
    return {
        "ownership/people.yaml": _people(),
        "ownership/teams.yaml": _teams(),
        "ownership/services.yaml": _services(),
        "ownership/rotations.yaml": _rotations(monday, today + timedelta(days=7)),
        "ownership/escalations.yaml": _escalations(),
        "ownership/absences.yaml": _absences(today + timedelta(days=14), today + timedelta(days=16)),
        "policy/roles.yaml": _roles(),
        "policy/grants.yaml": _grants(today + timedelta(days=30)),
        "policy/settings.yaml": _modeline(1) + SETTINGS,
        ".github/workflows/dutyguard.yml": WORKFLOW,
        ".pre-commit-config.yaml": PRE_COMMIT,
        SCHEMA_PATH: schema,
        "README.md": README,
    }
