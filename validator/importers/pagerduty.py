"""PagerDuty REST API v2 list responses (saved as JSON) -> YAML entities for `ownership/`.

Nothing here touches the network: the user saves what `curl` returned from `GET /users`,
`/teams`, `/schedules?include[]=schedule_layers`, `/escalation_policies`, `/services` (one file per
page, or the pages of one collection concatenated into one JSON array), and the importer maps

- users -> Person (name, email, time_zone), teams -> Team (members from `GET /teams/{id}/members`
  saved as a file whose name holds the team's id, or from users' `teams`; a member with the
  `manager` role is a lead),
- schedules -> Rotation (layers in PagerDuty's order, members in order, turn, virtual start,
  daily/weekly restrictions, overrides from `overrides_subschedule` or an `overrides` file whose
  name holds the schedule's id),
- escalation_policies -> Escalation (rules -> levels, delay -> after, num_loops -> repeat),
- services -> Service (owner: the escalation policy's team, else the service's team).

Ids are derived from names (ASCII, lower case, `-`), made unique deterministically (`name`,
`name-2`, ... in the order of PagerDuty ids), and every entity keeps its `pagerduty_id`. A second
import into the same folder matches existing entities by `pagerduty_id`: they keep their ids and the
fields PagerDuty cannot tell (tier, leads, parent, dependencies, lifecycle, paths). Defaults for
what PagerDuty cannot tell carry a `REVIEW` comment; what cannot be expressed at all is named in a
comment and returned as a note (the command prints it on standard error).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from validator.importers.yaml_out import Doc, dump_docs, inert
from validator.model.types import DAYS, known_timezones

COLLECTIONS = ("users", "teams", "schedules", "escalation_policies", "services")
SINGULAR = {"user": "users", "team": "teams", "schedule": "schedules", "escalation_policy": "escalation_policies",
            "service": "services"}
KIND_OF = {"users": "Person", "teams": "Team", "schedules": "Rotation", "escalation_policies": "Escalation",
           "services": "Service"}
FILE_OF = {"Person": "people.yaml", "Team": "teams.yaml", "Rotation": "rotations.yaml",
           "Escalation": "escalations.yaml", "Service": "services.yaml"}
PAGING_KEYS = {"limit", "offset", "more", "total"}
DEFAULT_TIER = 2
UNKNOWN_ZONE = "UTC"
MAX_ID = 63
PD_ID = re.compile(r"^[A-Z0-9]{2,20}$")
HEADER = [
    "Written by `dutyguard import pagerduty`. A later import into this folder updates these entities by",
    "pagerduty_id (ids and reviewed fields are kept). Lines marked REVIEW hold a default PagerDuty cannot tell.",
]


class ImportError_(Exception):  # noqa: N801 - not the builtin
    """Input that cannot be imported at all (a usage error: one line, exit 2)."""


@dataclass
class Source:
    """Everything read from the saved responses, by PagerDuty id (an object seen twice: the first value of each
    field wins, and fields only the later one has are added)."""

    objects: dict[str, dict[str, dict]] = field(default_factory=lambda: {c: {} for c in COLLECTIONS})
    members: dict[str, list[dict]] = field(default_factory=dict)     # team PD id -> [{user, role}]
    overrides: dict[str, list[dict]] = field(default_factory=dict)   # schedule PD id -> [override]
    given: set[str] = field(default_factory=set)                     # collections present in the files
    notes: list[str] = field(default_factory=list)


@dataclass
class Existing:
    """What the output folder already holds: entities by kind, and the ids of their PagerDuty objects."""

    by_pd: dict[str, dict[str, dict]] = field(default_factory=lambda: {k: {} for k in FILE_OF})
    ids: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in FILE_OF})
    ours: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in FILE_OF})  # in our own files
    elsewhere: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in FILE_OF})
    by_email: dict[str, dict] = field(default_factory=dict)  # people, by lower-case email


# --- reading ---------------------------------------------------------------------------------------
def read_sources(paths: list[Path]) -> Source:
    source = Source()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise ImportError_(f"cannot read '{path}': {reason}") from None
        try:
            data = json.loads(text)
        except ValueError as err:
            raise ImportError_(f"'{path}' is not JSON ({err}): save the API response as it came") from None
        pages = data if isinstance(data, list) else [data]
        for page in pages:
            _read_page(path, page, source)
    return source


def _read_page(path: Path, page: Any, source: Source) -> None:
    if not isinstance(page, dict):
        raise ImportError_(f"'{path}' is not a PagerDuty REST API v2 response (expected a JSON object)")
    keys = set(page) - PAGING_KEYS
    known = False
    for key in sorted(keys):
        if key in COLLECTIONS or key in SINGULAR:
            collection = SINGULAR.get(key, key)
            items = page[key] if key in COLLECTIONS else [page[key]]
            if not isinstance(items, list):
                raise ImportError_(f"'{path}': '{key}' is not a list")
            source.given.add(collection)
            for item in items:
                _add(source, collection, item, path)
            known = True
        elif key in ("members", "overrides"):
            owner = _id_in_name(path)
            if owner is None:
                what = "team" if key == "members" else "schedule"
                raise ImportError_(f"'{path}' holds {key} but its name does not say which {what}: name it after "
                                   f"the {what}'s PagerDuty id, e.g. {key}-PXXXXXX.json")
            target = source.members if key == "members" else source.overrides
            items = page[key]
            if not isinstance(items, list):
                raise ImportError_(f"'{path}': '{key}' is not a list")
            target.setdefault(owner, []).extend(i for i in items if isinstance(i, dict))
            if key == "members":
                source.given.add("members")
            known = True
    if not known:
        raise ImportError_(f"'{path}' is not a PagerDuty REST API v2 list response: expected one of "
                           f"{', '.join(COLLECTIONS)} (or members/overrides)")


def _id_in_name(path: Path) -> str | None:
    found = re.findall(r"(?<![A-Za-z0-9])(P[A-Z0-9]{5,19})(?![A-Za-z0-9])", path.name)
    return found[-1] if found else None


def _add(source: Source, collection: str, item: Any, path: Path) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ImportError_(f"'{path}': an entry of '{collection}' has no 'id'")
    if not PD_ID.match(item["id"]):
        raise ImportError_(f"'{path}': '{inert(item['id'])}' is not a PagerDuty id")
    first = source.objects[collection].setdefault(item["id"], item)
    for key, value in item.items():  # the same object from a list and from GET /schedules/{id}: both count
        if first.get(key) in (None, [], {}):
            first[key] = value


def scan_root(out: Path) -> Path:
    """Where existing entities are looked for: the `ownership/` folder `out` lies in, else `out` itself."""
    absolute = out.absolute()
    for folder in (absolute, *absolute.parents):
        if folder.name == "ownership":
            return folder
    return absolute


def read_existing(out: Path) -> Existing:
    """Entities already in the repository's `ownership/` around the output folder (or in the folder itself)."""
    import yaml

    existing = Existing()
    root = scan_root(out)
    out = out.absolute()
    if not root.is_dir():
        return existing
    for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")]):
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise ImportError_(f"cannot read '{path}' in --out: {str(err).splitlines()[0]}; fix or move it "
                               "first") from None
        ours = path.parent.absolute() == out and path.name in FILE_OF.values()
        for doc in docs:
            for entity in doc if isinstance(doc, list) else [doc]:
                if not isinstance(entity, dict) or entity.get("kind") not in FILE_OF:
                    continue
                kind, ident = entity["kind"], entity.get("id")
                if not isinstance(ident, str):
                    continue
                existing.ids[kind].add(ident)
                pd = entity.get("pagerduty_id")
                if isinstance(pd, str):
                    existing.by_pd[kind][pd] = entity
                if ours and FILE_OF[kind] == path.name:
                    existing.ours[kind].append(entity)
                else:
                    existing.elsewhere[kind][ident] = str(path.relative_to(root.parent))
                if kind == "Person" and isinstance(entity.get("email"), str):
                    existing.by_email.setdefault(entity["email"].lower(), entity)
    return existing


# --- ids -------------------------------------------------------------------------------------------
def slug(text: Any) -> str:
    """An id from a name: transliterated to ASCII, lower case, runs of other characters as one '-'."""
    if not isinstance(text, str):
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ident = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return ident[:MAX_ID - 4].strip("-")


def allocate(wanted: dict[str, str], existing: dict[str, dict], taken: set[str]) -> dict[str, str]:
    """PagerDuty id -> repository id. Existing entities keep theirs; new ones get the first free of
    `base`, `base-2`, ... in the order of (base, PagerDuty id), so the result does not depend on the
    order of pages or files."""
    out: dict[str, str] = {}
    used = set(taken)
    for pd in wanted:
        if pd in existing and isinstance(existing[pd].get("id"), str):
            out[pd] = existing[pd]["id"]
    for pd, base in sorted(((p, b) for p, b in wanted.items() if p not in out), key=lambda pair: (pair[1], pair[0])):
        candidate, number = base, 1
        while candidate in used:
            number += 1
            candidate = f"{base}-{number}"
        used.add(candidate)
        out[pd] = candidate
    return out


# --- mapping ---------------------------------------------------------------------------------------
@dataclass
class Result:
    files: dict[str, bytes]
    notes: list[str]
    counts: dict[str, int]


class _Importer:
    def __init__(self, source: Source, existing: Existing, now: datetime) -> None:
        self.src, self.old, self.now = source, existing, now
        self.notes: list[str] = list(source.notes)
        self.ids: dict[str, dict[str, str]] = {}
        self.users = source.objects["users"]
        self.teams = source.objects["teams"]
        self.schedules = source.objects["schedules"]
        self.policies = source.objects["escalation_policies"]
        self.services = source.objects["services"]
        self.created_teams: list[Doc] = []

    # notes: every one goes to standard error and into a comment beside what it is about
    def note(self, doc: Doc | None, key: str, text: str) -> None:
        if doc is not None:
            doc.note(key, f"NOT IMPORTED: {text}")
        entity = dict(doc.fields).get("id") if doc is not None else None
        kind = dict(doc.fields).get("kind", "").lower() if doc is not None else ""
        where = f"{kind}:{entity}: " if entity else ""
        self.notes.append(f"{where}{text}")

    def run(self) -> Result:
        kinds = {"users": "Person", "teams": "Team", "schedules": "Rotation", "escalation_policies": "Escalation",
                 "services": "Service"}
        for collection, kind in kinds.items():
            wanted = {pd: slug(obj.get("name")) or self._fallback(collection, obj) for pd, obj in
                      self.src.objects[collection].items()}
            known = dict(self.old.by_pd[kind])
            if kind == "Person":  # PagerDuty users are matched by email too (a person written before the import)
                for pd, user in self.users.items():
                    email = user.get("email")
                    match = self.old.by_email.get(email.lower()) if isinstance(email, str) else None
                    if pd not in known and match is not None and not match.get("pagerduty_id"):
                        known[pd] = match
            self.ids[kind] = allocate(wanted, known, self.old.ids[kind])
            # every existing entity with a pagerduty_id is addressable even when its kind was not imported now
            for pd, entity in self.old.by_pd[kind].items():
                self.ids[kind].setdefault(pd, entity["id"])
        docs: dict[str, list[Doc]] = {kind: [] for kind in FILE_OF}
        for pd in sorted(self.users, key=lambda p: self.ids["Person"][p]):
            docs["Person"].append(self.person(self.users[pd]))
        memberships = self.memberships()
        for pd in sorted(self.teams, key=lambda p: self.ids["Team"][p]):
            docs["Team"].append(self.team(self.teams[pd], memberships.get(pd, [])))
        for pd in sorted(self.schedules, key=lambda p: self.ids["Rotation"][p]):
            doc = self.rotation(self.schedules[pd])
            if doc is not None:
                docs["Rotation"].append(doc)
        for pd in sorted(self.policies, key=lambda p: self.ids["Escalation"][p]):
            doc = self.escalation(self.policies[pd])
            if doc is not None:
                docs["Escalation"].append(doc)
        for pd in sorted(self.services, key=lambda p: self.ids["Service"][p]):
            docs["Service"].append(self.service(self.services[pd]))
        docs["Team"].extend(self.created_teams)
        given = {KIND_OF[c] for c in self.src.given if c in KIND_OF}
        if "members" in self.src.given:
            given.add("Team")
        if self.created_teams:
            given.add("Team")
        files: dict[str, bytes] = {}
        counts: dict[str, int] = {}
        for kind, kind_docs in docs.items():
            if kind not in given:
                continue
            kind_docs = [d for d in kind_docs if not self._elsewhere(kind, d)]
            kind_docs.extend(self.kept(kind, kind_docs))
            counts[kind] = len(kind_docs)
            files[FILE_OF[kind]] = dump_docs(kind_docs, HEADER)
        return Result(files, self.notes, counts)

    def _fallback(self, collection: str, obj: dict) -> str:
        if collection == "users" and isinstance(obj.get("email"), str):
            local = slug(obj["email"].split("@")[0])
            if local:
                return local
        prefix = {"users": "user", "teams": "team", "schedules": "rotation", "escalation_policies": "escalation",
                  "services": "service"}[collection]
        return f"{prefix}-{obj['id'].lower()}"

    def _elsewhere(self, kind: str, doc: Doc) -> bool:
        ident = dict(doc.fields)["id"]
        where = self.old.elsewhere[kind].get(ident)
        if where is None:
            return False
        pd = dict(doc.fields).get("pagerduty_id")
        hint = "" if self.old.by_pd[kind].get(pd, {}).get("id") == ident else f"; add 'pagerduty_id: {pd}' to it there"
        self.notes.append(f"{kind.lower()}:{ident}: defined in {where}, which this import does not rewrite: "
                          f"left as it is there{hint}")
        return True

    def kept(self, kind: str, written: list[Doc]) -> list[Doc]:
        """Entities of our own file that this import does not cover: written back, with a comment."""
        present = {dict(d.fields)["id"] for d in written}
        out = []
        for entity in self.old.ours[kind]:
            if entity["id"] in present:
                continue
            doc = Doc()
            if entity.get("pagerduty_id"):
                doc.header.append("REVIEW: not in this import's PagerDuty responses (deleted there, or its page "
                                  "was not saved); kept as it was")
                self.notes.append(f"{kind.lower()}:{entity['id']}: not in this import (pagerduty_id "
                                  f"{entity.get('pagerduty_id')}); kept as it was: delete it if it is gone")
            for key, value in entity.items():
                doc.set(key, value)
            out.append(doc)
        return out

    def old_entity(self, kind: str, pd: str) -> dict:
        return self.old.by_pd[kind].get(pd, {})

    def ref(self, kind: str, reference: Any) -> str | None:
        if isinstance(reference, dict) and isinstance(reference.get("id"), str):
            return self.ids[kind].get(reference["id"])
        return None

    # people -----------------------------------------------------------------------------------------
    def person(self, user: dict) -> Doc:
        doc = Doc()
        ident = self.ids["Person"][user["id"]]
        _start(doc, "Person", ident, user)
        name = user.get("name") if isinstance(user.get("name"), str) and user.get("name").strip() else ident
        doc.set("name", name)
        email = user.get("email")
        if isinstance(email, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            doc.set("email", email)
        else:
            doc.set("email", f"{ident}@unknown.invalid",
                    "REVIEW: PagerDuty gave no usable email; dutyguard matches PagerDuty users by email: set it")
            self.notes.append(f"person:{ident}: no usable email in PagerDuty; wrote a placeholder to replace")
        zone = user.get("time_zone")
        if isinstance(zone, str) and zone in known_timezones():
            doc.set("timezone", zone)
        else:
            shown = f"'{zone}' is not an IANA time zone" if zone else "PagerDuty gave no time_zone"
            doc.set("timezone", UNKNOWN_ZONE, f"REVIEW: {shown}; UTC until you set the person's own zone (it "
                                              "decides their night hours)")
            self.notes.append(f"person:{ident}: {shown}; wrote UTC to review")
        return doc

    # teams ------------------------------------------------------------------------------------------
    def memberships(self) -> dict[str, list[tuple[str, str]]]:
        """team PD id -> [(person id, role)]: the members files in PagerDuty's order (with roles), then users whose
        `teams` name the team and who are not listed there yet."""
        out: dict[str, list[tuple[str, str]]] = {}
        for team_pd, members in self.src.members.items():
            for member in members:
                person = self.ref("Person", member.get("user"))
                if person is None:
                    self.notes.append(f"team {team_pd}: a member ({inert((member.get('user') or {}).get('id'))}) is "
                                      "not among the imported users: left out")
                    continue
                role = member.get("role") if isinstance(member.get("role"), str) else "responder"
                out.setdefault(team_pd, []).append((person, role))
        for user_pd in sorted(self.users):
            for team in self.users[user_pd].get("teams") or []:
                team_pd = team.get("id") if isinstance(team, dict) else None
                if not isinstance(team_pd, str):
                    continue
                person = self.ids["Person"][user_pd]
                if all(person != listed for listed, _ in out.get(team_pd, [])):
                    out.setdefault(team_pd, []).append((person, "responder"))
        return out

    def team(self, team: dict, members: list[tuple[str, str]]) -> Doc:
        doc = Doc()
        ident = self.ids["Team"][team["id"]]
        old = self.old_entity("Team", team["id"])
        _start(doc, "Team", ident, team)
        doc.set("name", team.get("name") if isinstance(team.get("name"), str) and team["name"].strip() else ident)
        people = list(dict.fromkeys(p for p, _ in members))
        doc.set("members", people)
        if not people:
            doc.note("members", "REVIEW: PagerDuty listed no members for this team (save GET /teams/{id}/members "
                                "as members-<team id>.json to import them)")
        managers = [p for p, role in members if role == "manager"]
        kept = [lead for lead in old.get("leads") or [] if lead in people]
        if managers:
            doc.set("leads", list(dict.fromkeys(managers)))
        elif kept:
            doc.set("leads", kept)
        elif people:
            doc.set("leads", people[:1], "REVIEW: PagerDuty does not say who leads the team: the first member "
                                        "is a default")
        parent = self.ref("Team", team.get("parent"))
        if parent:
            doc.set("parent", parent)
        elif isinstance(old.get("parent"), str):
            doc.set("parent", old["parent"])
        return doc

    def placeholder_team(self, service_id: str) -> str:
        ident = "unassigned"
        if not any(dict(d.fields)["id"] == ident for d in self.created_teams):
            doc = Doc()
            doc.header.append("REVIEW: created by the import for services whose PagerDuty escalation policy "
                              "and service name no team; give them an owner and delete this team")
            doc.set("kind", "Team")
            doc.set("id", ident)
            doc.set("name", "Unassigned (imported from PagerDuty)")
            doc.set("members", [])
            self.created_teams.append(doc)
        self.notes.append(f"service:{service_id}: PagerDuty names no team for it: owner 'unassigned' to review")
        return ident

    # rotations --------------------------------------------------------------------------------------
    def rotation(self, schedule: dict) -> Doc | None:
        doc = Doc()
        ident = self.ids["Rotation"][schedule["id"]]
        _start(doc, "Rotation", ident, schedule)
        if _text(schedule.get("name")):
            doc.set("name", schedule["name"])
        zone = schedule.get("time_zone")
        if not (isinstance(zone, str) and zone in known_timezones()):
            doc.set("timezone", UNKNOWN_ZONE, f"REVIEW: PagerDuty gave the time zone {zone!r}, which is not an "
                                              "IANA name; UTC until you set it")
            self.notes.append(f"rotation:{ident}: time zone {inert(repr(zone))} is not an IANA name: wrote UTC")
            zone = UNKNOWN_ZONE
        else:
            doc.set("timezone", zone)
        raw_layers = schedule.get("schedule_layers")
        if not isinstance(raw_layers, list) or not raw_layers:
            self.note(doc, "timezone", "the schedule came without schedule_layers (list schedules with "
                                       "include[]=schedule_layers, or GET /schedules/{id}); rotation left out")
            return None
        layers = []
        names: set[str] = set()
        for index, raw in enumerate(raw_layers):
            layer = self.layer(doc, raw, index, zone, names)
            if layer is not None:
                layers.append(layer)
        if not layers:
            self.note(doc, "timezone", "no layer could be imported; rotation left out")
            return None
        doc.set("layers", layers)
        overrides = self.overrides(doc, schedule, zone)
        if overrides:
            doc.set("overrides", overrides)
        return doc

    def layer(self, doc: Doc, raw: Any, index: int, zone: str, names: set[str]) -> dict | None:
        if not isinstance(raw, dict):
            return None
        name = raw.get("name") if isinstance(raw.get("name"), str) and raw["name"].strip() else f"Layer {index + 1}"
        while name in names:
            name = f"{name} ({index + 1})"
        names.add(name)
        comments: list[str] = []
        where = f"layer '{name}'"
        end = _instant(raw.get("end"))
        if end is not None and end <= self.now:
            self.note(doc, "layers", f"{where} ended at {raw.get('end')} (a past version of the schedule): left out")
            return None
        if end is not None:
            text = f"{where} ends at {raw.get('end')}; dutyguard layers do not end: remove the layer then"
            comments.append(f"NOT IMPORTED: {text}")
            self.note(None, "", f"rotation:{dict(doc.fields)['id']}: {text}")
        members = []
        for entry in raw.get("users") or []:
            user = entry.get("user") if isinstance(entry, dict) else None
            person = self.ref("Person", user)
            if person is None:
                self.note(doc, "layers", f"{where}: user {inert((user or {}).get('id'))} is not among the imported "
                                         "users: left out of the layer")
                continue
            members.append(person)
        if not members:
            self.note(doc, "layers", f"{where} has no member that could be imported: left out")
            return None
        start = _instant(raw.get("rotation_virtual_start")) or _instant(raw.get("start"))
        if start is None:
            self.note(doc, "layers", f"{where} has no rotation_virtual_start: left out")
            return None
        begins = _instant(raw.get("start"))
        if begins is not None and begins > start and begins > self.now:
            text = (f"{where} begins at {raw.get('start')}, after its rotation start; dutyguard layers begin at "
                    "their rotation start")
            comments.append(f"NOT IMPORTED: {text}")
            self.note(None, "", f"rotation:{dict(doc.fields)['id']}: {text}")
        seconds = raw.get("rotation_turn_length_seconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
            self.note(doc, "layers", f"{where} has no rotation_turn_length_seconds: left out")
            return None
        turn = _duration(seconds)
        if turn is None:
            turn = f"{max(1, round(seconds / 60))}m"
            text = f"{where}: a turn of {seconds} s is not whole minutes; written as {turn}"
            comments.append(f"NOT IMPORTED: {text}")
            self.note(None, "", f"rotation:{dict(doc.fields)['id']}: {text}")
        layer: dict[str, Any] = {"name": name, "members": members, "start": _local(start, zone), "turn": turn}
        rules = self.restrictions(doc, where, raw.get("restrictions") or [], comments)
        if rules:
            layer["restrictions"] = rules
        if comments:
            layer["__comments__"] = {"name": comments}
        return layer

    def restrictions(self, doc: Doc, where: str, raw: list, comments: list[str]) -> list[dict]:
        """Daily and weekly restrictions as {days, from, to} (a weekly one longer than a day is split into
        days; weekly ones with the same hours are one rule with several days)."""
        pieces: list[tuple[str | None, int, int]] = []  # (day or None for every day, start minute, length minutes)
        for rule in raw:
            if not isinstance(rule, dict):
                continue
            kind = rule.get("type")
            start = _clock_seconds(rule.get("start_time_of_day"))
            length = rule.get("duration_seconds")
            if start is None or not isinstance(length, int) or length <= 0:
                self.note(doc, "layers", f"{where}: a restriction {inert(json.dumps(rule, sort_keys=True))} is not "
                                         "readable: left out (the layer is then around the clock)")
                continue
            if start % 60 or length % 60:
                text = f"{where}: a restriction at {rule.get('start_time_of_day')} for {length} s is not whole minutes"
                comments.append(f"NOT IMPORTED: {text}; rounded")
                self.note(None, "", f"rotation:{dict(doc.fields)['id']}: {text}; rounded to minutes")
            start_min, length_min = round(start / 60) % 1440, max(1, round(length / 60))
            if kind == "daily_restriction":
                pieces.append((None, start_min, min(length_min, 1440)))
                continue
            day_number = rule.get("start_day_of_week")
            if kind != "weekly_restriction" or not isinstance(day_number, int) or not 1 <= day_number <= 7:
                self.note(doc, "layers", f"{where}: restriction type {inert(repr(kind))} is not daily or weekly: "
                                         "left out")
                continue
            remaining, day = min(length_min, 7 * 1440), day_number - 1
            while remaining > 0:  # longer than a day: one piece of at most 24 hours per day it starts on
                pieces.append((DAYS[day % 7], start_min, min(remaining, 1440)))
                remaining -= 1440
                day += 1
        out: list[dict] = []
        grouped: dict[tuple[int, int], list[str]] = {}
        for day, start_min, length_min in pieces:
            if day is None:
                out.append({"from": _clock(start_min), "to": _clock((start_min + length_min) % 1440)})
            else:
                grouped.setdefault((start_min, length_min), [])
                if day not in grouped[(start_min, length_min)]:
                    grouped[(start_min, length_min)].append(day)
        for (start_min, length_min), days in grouped.items():
            to = _clock((start_min + length_min) % 1440)
            out.append({"days": sorted(days, key=DAYS.index), "from": _clock(start_min), "to": to})
        return out

    def overrides(self, doc: Doc, schedule: dict, zone: str) -> list[dict]:
        raw: list = []
        sub = schedule.get("overrides_subschedule")
        if isinstance(sub, dict):
            raw.extend(sub.get("rendered_schedule_entries") or [])
        raw.extend(self.src.overrides.get(schedule["id"], []))
        out, seen = [], set()
        for entry in raw:
            if not isinstance(entry, dict):
                continue
            start, end = _instant(entry.get("start")), _instant(entry.get("end"))
            person = self.ref("Person", entry.get("user"))
            if start is None or end is None or end <= start:
                self.note(doc, "overrides", f"an override {inert(json.dumps(entry, sort_keys=True)[:200])} has no "
                                            "valid start and end: left out")
                continue
            if person is None:
                self.note(doc, "overrides", f"an override from {entry.get('start')} names a user who is not among "
                                            "the imported users: left out")
                continue
            key = (person, start, end)
            if key in seen:
                continue
            seen.add(key)
            out.append({"person": person, "from": _local(start, zone), "to": _local(end, zone)})
        return sorted(out, key=lambda o: (o["from"], o["to"], o["person"]))

    # escalations ------------------------------------------------------------------------------------
    def escalation(self, policy: dict) -> Doc | None:
        doc = Doc()
        ident = self.ids["Escalation"][policy["id"]]
        _start(doc, "Escalation", ident, policy)
        if _text(policy.get("name")):
            doc.set("name", policy["name"])
        loops = policy.get("num_loops")
        if isinstance(loops, int) and not isinstance(loops, bool) and loops:
            doc.set("repeat", min(max(loops, 0), 9))
        levels = []
        for number, rule in enumerate(policy.get("escalation_rules") or [], start=1):
            if not isinstance(rule, dict):
                continue
            targets = []
            for target in rule.get("targets") or []:
                kind = target.get("type") if isinstance(target, dict) else None
                if kind in ("user_reference", "user"):
                    ident_ = self.ref("Person", target)
                    prefix = "person"
                elif kind in ("schedule_reference", "schedule"):
                    ident_ = self.ref("Rotation", target)
                    prefix = "rotation"
                else:
                    self.note(doc, "levels", f"level {number}: a target of type {inert(repr(kind))} has no "
                                             "dutyguard equivalent: left out")
                    continue
                if ident_ is None:
                    self.note(doc, "levels", f"level {number}: {kind} {inert((target or {}).get('id'))} is not among "
                                             "the imported objects: left out")
                    continue
                targets.append(f"{prefix}:{ident_}")
            if not targets:
                self.note(doc, "levels", f"level {number} has no target that could be imported: left out")
                continue
            level: dict[str, Any] = {"targets": list(dict.fromkeys(targets))}
            delay = rule.get("escalation_delay_in_minutes")
            if isinstance(delay, int) and not isinstance(delay, bool) and delay > 0:
                level["after"] = f"{delay}m"
            strategy = rule.get("escalation_rule_assignment_strategy")
            strategy_type = strategy.get("type") if isinstance(strategy, dict) else strategy
            if strategy_type not in (None, "assign_to_everyone"):
                self.note(doc, "levels", f"level {number} assigns {inert(repr(strategy_type))}; dutyguard pages "
                                         "every target of a level")
            levels.append(level)
        if not levels:
            self.note(doc, "kind", "no escalation rule could be imported; escalation left out")
            return None
        doc.set("levels", levels)
        return doc

    # services ---------------------------------------------------------------------------------------
    def service(self, service: dict) -> Doc:
        doc = Doc()
        ident = self.ids["Service"][service["id"]]
        old = self.old_entity("Service", service["id"])
        _start(doc, "Service", ident, service)
        if _text(service.get("name")):
            doc.set("name", service["name"])
        description = service.get("description")
        if isinstance(description, str) and description.strip() and len(description) <= 2000:
            doc.set("description", description)
        policy_ref = service.get("escalation_policy")
        policy = self.policies.get(policy_ref.get("id")) if isinstance(policy_ref, dict) else None
        owner, why = self.owner(service, policy)
        if owner is None and isinstance(old.get("owner"), str):
            owner, why = old["owner"], ""
        if owner is None:
            owner, why = self.placeholder_team(ident), ("REVIEW: PagerDuty names no team for this service or its "
                                                         "escalation policy: give it an owner")
        doc.set("owner", owner, *([why] if why else []))
        if isinstance(old.get("tier"), int):
            doc.set("tier", old["tier"])
        else:
            hint = ""
            if isinstance(service.get("support_hours"), dict):
                hint = " (PagerDuty has support hours for it: tier 3 pages in business hours only)"
            doc.set("tier", DEFAULT_TIER, f"REVIEW: PagerDuty has no tier; {DEFAULT_TIER} is a conservative "
                                          f"default{hint}")
        escalation = self.ref("Escalation", policy_ref)
        if escalation is not None and (policy is None or policy["id"] in self.policies):
            doc.set("escalation", escalation)
        elif isinstance(policy_ref, dict):
            self.note(doc, "tier", f"escalation policy {inert(policy_ref.get('id'))} is not among the imported "
                                   "escalation policies: no escalation set")
        for key in ("depends_on", "paths"):
            if old.get(key):
                doc.set(key, old[key])
        status = service.get("status")
        if isinstance(old.get("lifecycle"), str):
            doc.set("lifecycle", old["lifecycle"])
        elif status == "disabled":
            doc.set("lifecycle", "deprecated", "REVIEW: disabled in PagerDuty")
        return doc

    def owner(self, service: dict, policy: dict | None) -> tuple[str | None, str]:
        for source, teams in (("escalation policy", (policy or {}).get("teams")), ("service", service.get("teams"))):
            found = [t for t in (self.ref("Team", team) for team in teams or []) if t]
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                found = sorted(set(found))
                return found[0], (f"REVIEW: the {source} belongs to several teams ({', '.join(found)}); the first is "
                                  "a default owner")
        return None, ""


# --- helpers ---------------------------------------------------------------------------------------
def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not 1970 <= moment.year <= 2200:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _local(moment: datetime, zone: str) -> str:
    """Wall-clock time in the rotation's zone; with the offset where the wall clock is ambiguous."""
    from validator.render.base import in_zone

    local = moment.astimezone(_zone(zone)).replace(microsecond=0)
    naive = local.replace(tzinfo=None)
    text = naive.isoformat(timespec="seconds" if naive.second else "minutes")
    if in_zone(naive, zone) != local:  # the second of two equal wall-clock times (clocks going back)
        return local.isoformat(timespec="seconds" if naive.second else "minutes")
    return text


def _zone(name: str):
    from validator.model.types import get_zone

    return get_zone(name)


def _duration(seconds: int) -> str | None:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds // size <= 999999:
            return f"{seconds // size}{unit}"
    return None


def _clock_seconds(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?", value)
    if not match:
        return None
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(match.group(3) or 0)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def import_pagerduty(paths: list[Path], out: Path, now: datetime) -> Result:
    source = read_sources(paths)
    existing = read_existing(out)
    return _Importer(source, existing, now).run()


def _start(doc: Doc, kind: str, ident: str, item: dict) -> None:
    """The first fields of every imported entity: its kind, id and the PagerDuty object's id."""
    doc.set("kind", kind)
    doc.set("id", ident)
    doc.set("pagerduty_id", item["id"])


def _text(value: object) -> bool:
    """Whether PagerDuty gave a non-blank text."""
    return isinstance(value, str) and bool(value.strip())
