"""What the site shows, computed once: plain dicts and lists the templates only lay out.

Everything is sorted (by id, then time), so the same repository and `--now` give the same pages.
Times are integer UTC epoch seconds until they are written, on the wall clock of the escalation's
zone (timelines) or of the person's own zone (night hours), always with the zone named.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from validator.render.site import sources as src

WEEK = 7 * 86400
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")   # SPEC §2's id: the only ids that name a page's file
ROWS_PER_PAGE = 1000        # services or findings on one page
PEOPLE_PER_PAGE = 200       # people without a team, on one page
LIST_CAP = 100              # gap or single-person windows listed as text, per list
HANDOFFS_LISTED = 50        # hand-offs listed as text per level (all of them are marks in the timeline)
MATRIX_CELLS = 12_000       # the access page shows the whole matrix up to this many cells
ROLES_PER_PAGE = 500        # production roles on one access page
HOLDERS_SHOWN = 20          # people named per role on the access pages (the rest are counted)
_STRICTNESS = {"none": 0, "business": 1, "24x7": 2}
PALETTE = ("#cfe3f7", "#d7eccd", "#f5e0c3", "#e4d5f0", "#d0eeec", "#f3d3dc", "#e8e6c6", "#d9dde8")


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def quote(text: str, safe: str = "/") -> str:
    """Percent-encoding of a URL path (RFC 3986: unreserved characters and `safe` stay as they are)."""
    keep = _UNRESERVED | frozenset(safe.encode())
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in text.encode("utf-8"))


@dataclass(frozen=True)
class Repository:
    """Where file links point: https://github.com/OWNER/NAME/blob/REF/PATH#LLINE."""

    owner: str
    name: str
    ref: str = "HEAD"

    def blob(self, path: str, line: int) -> str:
        anchor = f"#L{line}" if line else ""
        return (f"https://github.com/{quote(self.owner)}/{quote(self.name)}/blob/{quote(self.ref, safe='')}/"
                f"{quote(path)}{anchor}")


@dataclass
class Site:
    """Every page's data; `pages` maps a file name to (template, variables)."""

    pages: dict[str, tuple[str, dict]] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def window(start: int, end: int, zone: str) -> str:
    """'Sat 2026-12-05 17:00 – Mon 09:00 UTC': a window on the zone's wall clock, zone named."""
    return f"{src.describe_window(start, end, zone)} {zone}"


@lru_cache(maxsize=65536)
def moment(epoch: int, zone: str) -> str:
    return src.local_datetime(epoch, zone).strftime("%a %Y-%m-%d %H:%M") + f" {zone}"


@lru_cache(maxsize=65536)
def iso_minute(epoch: int) -> str:
    return src.local_datetime(epoch, "UTC").strftime("%Y-%m-%dT%H:%MZ")


def _iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.isoformat()


def _utc_text(epoch: int) -> str:
    return src.local_datetime(epoch, "UTC").strftime("%Y-%m-%d %H:%M UTC")


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


@lru_cache(maxsize=65536)
def person_colour(person: str) -> str:
    return PALETTE[int(hashlib.sha256(person.encode()).hexdigest()[:8], 16) % len(PALETTE)]


class Builder:
    def __init__(self, result, repository: Repository | None) -> None:
        self.result = result
        self.org = result.org
        self.ctx = result.context
        self.now = self.ctx.now
        self.repository = repository
        self.w0, self.w1 = src.horizon(self.ctx)
        self.site = Site()
        self.findings_by_entity: dict[str, list[dict]] = {}
        self.team_of: dict[str, str] = {}      # person -> home team (their most specific team)
        self.teams_of: dict[str, list[str]] = {}
        self.person_page: dict[str, str] = {}
        self.unknown_rotations: dict[str, str] = {}
        self.role_page: dict[str, str] = {}

    # --- links -------------------------------------------------------------------------------
    def person_href(self, person: str) -> str | None:
        page = self.person_page.get(person)
        return f"{page}#person-{person}" if page else None

    def team_href(self, team: str) -> str | None:
        return f"team-{team}.html" if team in self.org.teams and _SAFE_ID.fullmatch(team) else None

    def escalation_href(self, escalation: str | None) -> str | None:
        if escalation and escalation in self.org.escalations and _SAFE_ID.fullmatch(escalation):
            return f"escalation-{escalation}.html"
        return None

    def file_link(self, path: str, line: int) -> dict:
        text = f"{path}:{line}" if path and line else (path or "(repository)")
        href = self.repository.blob(path, line) if self.repository and path else None
        return {"text": text, "href": href}

    # --- the whole site ----------------------------------------------------------------------
    def build(self) -> Site:
        self._people_index()
        production = sorted(r.id for r in self.org.roles.values() if r.environment == "production")
        for index, chunk in enumerate(_chunks(production, ROLES_PER_PAGE)):
            for role in chunk:
                self.role_page[role] = "access.html" if index == 0 else f"access-{index + 1}.html"
        self._findings()
        self._unknown()
        escalations = self._escalations()
        self._teams_and_people()
        self._access()
        self._index(escalations)
        return self.site

    def _common(self) -> dict:
        counts = self.result.counts
        settings = self.ctx.settings
        return {"now": _utc_text(self.w0), "horizon": str(settings.horizon), "horizon_end": _utc_text(self.w1),
                "counts": counts}

    # --- findings ----------------------------------------------------------------------------
    def _findings(self) -> None:
        findings = self.result.findings
        pages = _chunks(list(findings), ROWS_PER_PAGE)
        names = ["findings.html"] + [f"findings-{i}.html" for i in range(2, len(pages) + 1)]
        seen: dict[str, int] = {}
        for page_index, chunk in enumerate(pages):
            rows = []
            for finding in chunk:
                anchor = "f-" + finding.fingerprint[:16]
                seen[anchor] = seen.get(anchor, 0) + 1
                if seen[anchor] > 1:
                    anchor += f"-{seen[anchor]}"
                row = {"rule": finding.rule, "severity": finding.severity, "entity": finding.entity,
                       "subject": finding.subject, "message": finding.message, "anchor": anchor,
                       "file": self.file_link(finding.path, finding.line),
                       "href": f"{names[page_index]}#{anchor}", "entity_href": self.entity_href(finding.entity)}
                rows.append(row)
                self.findings_by_entity.setdefault(finding.entity, []).append(row)
            nav = [{"text": str(i + 1), "href": names[i], "current": i == page_index} for i in range(len(names))]
            self.site.pages[names[page_index]] = ("findings.html.j2", {
                "title": "Findings" + (f" (page {page_index + 1} of {len(names)})" if len(names) > 1 else ""),
                "rows": rows, "nav": nav if len(names) > 1 else [], "repository": self.repository,
                "section": "findings"})

    def entity_href(self, entity: str) -> str | None:
        kind, _, ident = entity.partition(":")
        if kind == "service":
            service = self.org.services.get(ident)
            return self.escalation_href(service.escalation) if service else None
        if kind == "escalation":
            return self.escalation_href(ident)
        if kind == "team":
            return self.team_href(ident)
        if kind == "person":
            return self.person_href(ident)
        if kind == "role" and ident in self.org.roles:
            return self.role_href(ident)
        return None

    def findings_of(self, *entities: str) -> list[dict]:
        out: list[dict] = []
        for entity in entities:
            out.extend(self.findings_by_entity.get(entity, ()))
        return out

    # --- rotations the engine cannot trust ---------------------------------------------------
    def _unknown(self) -> None:
        """Rotation id -> why its schedule is unknown: it does not exist or failed its kind, it has a
        schema or reference error (SCH...), or it hands over too often to be computed."""
        org = self.org
        referenced = {target.partition(":")[2] for e in org.escalations.values() for level in e.levels
                      for target in level.targets if target.startswith("rotation:")}
        broken = org.broken.get("Rotation", set())
        errors: dict[str, str] = {}
        for finding in self.result.findings:
            if (finding.severity == "error" and finding.entity.startswith("rotation:")
                    and finding.rule.startswith("SCH")):
                errors.setdefault(finding.entity[9:], f"{finding.rule}: {finding.message}")
        for ident in sorted(referenced | set(org.rotations)):
            if ident in errors:
                self.unknown_rotations[ident] = errors[ident]
            elif ident not in org.rotations:
                self.unknown_rotations[ident] = ("it does not fit its kind (see its SCH003 finding)" if ident in broken
                                                 else "no such rotation (SCH005)")
            elif src.rotation_timeline(self.ctx, ident) is None:
                limit = src.turn_limit(self.ctx, ident)
                self.unknown_rotations[ident] = f"cannot be computed over the horizon: {limit}"

    # --- escalations and their timelines -------------------------------------------------------
    def _escalations(self) -> list[dict]:
        org, ctx = self.org, self.ctx
        services_of: dict[str, list] = {}
        for service in sorted(org.services.values(), key=lambda s: s.id):
            if service.escalation:
                services_of.setdefault(service.escalation, []).append(service)
        summaries = []
        for escalation in sorted(org.escalations.values(), key=lambda e: e.id):
            if not _SAFE_ID.fullmatch(escalation.id):  # a file name: ids the model accepts only
                continue
            services = services_of.get(escalation.id, [])
            hours = max((src.support_hours(ctx, s) for s in services), key=_STRICTNESS.__getitem__, default="none")
            data = self._timeline(escalation, hours)
            data.update({"title": f"Escalation {escalation.id}", "escalation": escalation, "section": "escalations",
                         "services": [{"id": s.id, "tier": s.tier, "owner": s.owner,
                                       "owner_href": self.team_href(s.owner),
                                       "hours": src.hours_label(ctx, src.support_hours(ctx, s))} for s in services],
                         "hours_label": src.hours_label(ctx, hours),
                         "findings": self.findings_of(f"escalation:{escalation.id}",
                                                      *(f"service:{s.id}" for s in services),
                                                      *(f"rotation:{r}" for r in data["rotations"]))})
            self.site.pages[f"escalation-{escalation.id}.html"] = ("escalation.html.j2", data)
            summaries.append({"id": escalation.id, "href": self.escalation_href(escalation.id),
                              "services": [s.id for s in services], "levels": len(escalation.levels),
                              "hours": data["hours_label"], "gaps": len(data["gaps"]), "unknown": data["unknown"],
                              "gap_hours": data["gap_hours"], "single_hours": data["single_hours"]})
        self.site.pages["escalations.html"] = ("escalations.html.j2", {"title": "Escalations", "rows": summaries,
                                                                       "section": "escalations"})
        return summaries

    def _timeline(self, escalation, hours: str) -> dict:
        ctx, w0, w1 = self.ctx, self.w0, self.w1
        zone = src.escalation_zone(ctx, escalation)
        levels_targets = []
        rotations: list[str] = []
        for level in escalation.levels:
            targets = []
            for target in level.targets:
                kind, _, ident = target.partition(":")
                if kind == "rotation" and ident not in rotations:
                    rotations.append(ident)
                href = self.person_href(ident) if kind == "person" else None
                targets.append({"text": target, "href": href,
                                "unknown": self.unknown_rotations.get(ident) if kind == "rotation" else None})
            levels_targets.append({"targets": targets, "after": str(level.after) if level.after else ""})
        unknown = {r: self.unknown_rotations[r] for r in rotations if r in self.unknown_rotations}
        width = max(1200, min(4800, (w1 - w0) // 3600 * 5))
        plot = _Plot(w0, w1, width)
        steps = [] if unknown and all(
            any(t["unknown"] for t in lv["targets"]) for lv in levels_targets) else src.escalation_view(ctx, escalation)
        rows = []
        handoffs_all = []
        for index, level in enumerate(levels_targets):
            level_unknown = [f"{t['text']}: {t['unknown']}" for t in level["targets"] if t["unknown"]]
            runs = _runs(steps, index) if not level_unknown else []
            bars, handoffs = [], []
            previous = None
            for start, end, people in runs:
                if people:
                    label = ", ".join(sorted(people))
                    bars.append({**plot.span(start, end), "label": label, "colour": person_colour(label),
                                 "title": f"level {index + 1}: {label}, {window(start, end, zone)}",
                                 "show_label": plot.fits(start, end, label)})
                if previous is not None and previous[2] and people and previous[1] == start and previous[2] != people:
                    text = f"{', '.join(sorted(previous[2]))} → {', '.join(sorted(people))}"
                    handoffs.append({"x": plot.x(start), "at": start, "when": self._when(start, zone), "text": text,
                                     "iso": iso_minute(start)})
                previous = (start, end, people)
            overrides = self._overrides(index, escalation, plot, zone)
            rows.append({"level": index + 1, "bars": bars, "handoffs": handoffs, "overrides": overrides,
                         "unknown": "; ".join(level_unknown), "targets": level["targets"], "after": level["after"]})
            handoffs_all.append(handoffs)
        # coverage: support hours, gaps, single-person windows; never computed over an unknown rotation
        coverage: dict = {"unknown": "", "gaps": [], "singles": [], "outside": [], "inside": []}
        gap_spans: list = []
        single_spans: list = []
        if unknown:
            coverage["unknown"] = "; ".join(f"rotation {r}: {why}" for r, why in unknown.items())
        elif hours != "none":
            mask = src.support_mask(ctx, hours, zone)
            gap_spans = src.intersect(src.nobody_paged(ctx, escalation), mask)
            alone = src.paged_alone(ctx, escalation)
            for person in sorted(alone):
                for start, end in src.intersect(alone[person], mask):
                    single_spans.append((start, end, person))
            single_spans.sort()
            coverage["inside"] = [plot.span(s, e) for s, e in mask]
            coverage["outside"] = [plot.span(s, e) for s, e in src.subtract([(w0, w1)], mask)]
            coverage["gaps"] = [{**plot.span(s, e), "title": f"GAP: no one on call {window(s, e, zone)}",
                                 "show_label": plot.fits(s, e, "GAP")} for s, e in gap_spans]
            coverage["singles"] = [{**plot.span(s, e), "title": f"single person: only {p} is paged "
                                    f"{window(s, e, zone)}", "label": f"only {p}",
                                    "show_label": plot.fits(s, e, f"only {p}")} for s, e, p in single_spans]
        gaps = [window(s, e, zone) for s, e in gap_spans]
        singles = [{"person": p, "href": self.person_href(p), "window": window(s, e, zone)}
                   for s, e, p in single_spans]
        return {"zone": zone, "hours": hours, "rows": rows, "coverage": coverage, "plot": plot,
                "ticks": plot.ticks(zone), "gaps": gaps[:LIST_CAP], "more_gaps": max(0, len(gaps) - LIST_CAP),
                "singles": singles[:LIST_CAP], "more_singles": max(0, len(singles) - LIST_CAP),
                "unknown": bool(unknown), "rotations": rotations,
                "gap_hours": sum(e - s for s, e in gap_spans) / 3600,
                "single_hours": sum(e - s for s, e, _ in single_spans) / 3600,
                "handoff_lists": [{"level": i + 1, "entries": h[:HANDOFFS_LISTED], "count": len(h),
                                   "more": max(0, len(h) - HANDOFFS_LISTED)} for i, h in enumerate(handoffs_all)]}

    def _when(self, epoch: int, zone: str) -> str:
        return moment(epoch, zone)

    def _overrides(self, index: int, escalation, plot: _Plot, zone: str) -> list[dict]:
        out = []
        for target in escalation.levels[index].targets:
            kind, _, ident = target.partition(":")
            rotation = self.org.rotations.get(ident) if kind == "rotation" else None
            if rotation is None or ident in self.unknown_rotations:
                continue
            for override in rotation.overrides:
                start = src.instant(override.from_, rotation.timezone)
                end = src.instant(override.to, rotation.timezone)
                start, end = max(start, self.w0), min(end, self.w1)
                if start >= end:
                    continue
                text = window(start, end, zone)
                out.append({**plot.span(start, end), "person": override.person, "rotation": ident, "window": text,
                            "href": self.person_href(override.person),
                            "title": f"override in {ident}: {override.person} replaces the schedule {text}"})
        return out

    # --- people and teams ----------------------------------------------------------------------
    def _people_index(self) -> None:
        org = self.org
        for team in sorted(org.teams.values(), key=lambda t: t.id):
            if not _SAFE_ID.fullmatch(team.id):
                continue
            for member in dict.fromkeys(team.members):
                self.teams_of.setdefault(member, []).append(team.id)
        parents = {team.parent for team in org.teams.values() if team.parent}
        for member, teams in self.teams_of.items():  # home: the most specific team: no sub-teams, smallest, by id
            self.team_of[member] = min(teams, key=lambda t: (t in parents, len(set(org.teams[t].members)), t))
        for person in org.people:
            if person in self.team_of:
                self.person_page[person] = f"team-{self.team_of[person]}.html"
        loose = sorted(p for p in org.people if p not in self.team_of)
        self.loose_pages = _chunks(loose, PEOPLE_PER_PAGE) if loose else []
        for number, chunk in enumerate(self.loose_pages, start=1):
            for person in chunk:
                self.person_page[person] = f"people-{number}.html"

    def _load(self) -> dict[str, tuple[list, list[str]]]:
        """Person -> (on-call spans over the horizon in all known rotations, rotation ids)."""
        spans: dict[str, list] = {}
        names: dict[str, list[str]] = {}
        for rotation_id in sorted(self.org.rotations):
            if rotation_id in self.unknown_rotations:
                continue
            found = src.rotation_timeline(self.ctx, rotation_id)
            if found is None:
                continue
            for person, person_spans in sorted(found.by_person().items()):
                spans.setdefault(person, []).extend(person_spans)
                names.setdefault(person, []).append(rotation_id)
        return {p: (src.normalise(s), names[p]) for p, s in spans.items()}

    def _teams_and_people(self) -> None:
        org, ctx = self.org, self.ctx
        settings = ctx.settings
        load = self._load()
        self.load = load
        weeks = []
        start = self.w0
        while start < self.w1:
            end = min(start + WEEK, self.w1)
            weeks.append((start, end))
            start = end
        self.weeks = weeks
        nights: dict[str, list] = {}
        rotations_of: dict[str, list[str]] = {}
        for rotation in sorted(org.rotations.values(), key=lambda r: r.id):
            for person in dict.fromkeys([*rotation.members, *(o.person for o in rotation.overrides)]):
                rotations_of.setdefault(person, []).append(rotation.id)
        escalations_of_rotation: dict[str, list[str]] = {}
        for escalation in sorted(org.escalations.values(), key=lambda e: e.id):
            for level in escalation.levels:
                for target in level.targets:
                    if target.startswith("rotation:"):
                        listed = escalations_of_rotation.setdefault(target[9:], [])
                        if escalation.id not in listed:
                            listed.append(escalation.id)
        absences_of: dict[str, list] = {}
        for absence in org.absences:
            absences_of.setdefault(absence.person, []).append(absence)
        self.rotations_of, self.escalations_of_rotation, self.absences_of = (
            rotations_of, escalations_of_rotation, absences_of)
        share_limit = settings.max_oncall_share
        night_limit = settings.max_night_hours_per_week
        horizon_seconds = self.w1 - self.w0
        self.limits = {"share": share_limit, "week_hours": share_limit * 168, "night": night_limit,
                       "night_window": f"{settings.night.from_}–{settings.night.to}"}

        def card(person_id: str) -> dict:
            person = org.people[person_id]
            spans, in_rotations = load.get(person_id, ([], []))
            mask = nights.get(person.timezone)
            if mask is None:
                mask = nights[person.timezone] = src.night_mask(settings.night, person.timezone, self.w0, self.w1)
            night_spans = src.intersect(spans, mask) if spans else []
            week_rows = []
            for index, (a, b) in enumerate(weeks):
                hours = src.overlap(spans, [(a, b)]) / 3600 if spans else 0.0
                night = src.overlap(night_spans, [(a, b)]) / 3600 if night_spans else 0.0
                scale = WEEK / (b - a)  # a shorter last week is measured against a prorated limit
                week_rows.append({"week": index + 1, "from": _utc_text(a)[:10], "hours": hours, "night": night,
                                  "hours_over": hours * scale > share_limit * 168,
                                  "night_over": night * scale > night_limit})
            share = src.total(spans) / horizon_seconds if spans else 0.0
            night_avg = src.total(night_spans) / 3600 / (horizon_seconds / WEEK) if night_spans else 0.0
            absences = []
            for absence in absences_of.get(person_id, []):
                a, b = src.absence_interval(absence, person.timezone)
                absences.append({"from": _iso(absence.from_), "to": _iso(absence.to), "reason": absence.reason or "",
                                 "current": a < self.w1 and b > self.w0, "past": b <= self.w0})
            absences.sort(key=lambda x: (x["from"], x["to"]))
            access = self.access_of.get(person_id, [])
            return {"id": person_id, "name": person.name, "email": person.email, "timezone": person.timezone,
                    "active": person.active, "weeks": week_rows, "share": share, "night_avg": night_avg,
                    "share_over": share > share_limit, "night_avg_over": night_avg > night_limit,
                    "oncall_rotations": in_rotations,
                    "teams": [{"id": t, "href": self.team_href(t)} for t in self.teams_of.get(person_id, [])],
                    "rotations": [{"id": r, "escalations": [{"id": e, "href": self.escalation_href(e)}
                                                            for e in escalations_of_rotation.get(r, [])]}
                                  for r in rotations_of.get(person_id, [])],
                    "absences": absences, "access": access,
                    "findings": self.findings_of(f"person:{person_id}")}

        self.card = card
        self._access_index()
        owned: dict[str, list] = {}
        for service in sorted(org.services.values(), key=lambda s: s.id):
            owned.setdefault(service.owner, []).append(service)
        team_rows = []
        for team in sorted(org.teams.values(), key=lambda t: t.id):
            if not _SAFE_ID.fullmatch(team.id):  # a file name: ids the model accepts only
                continue
            home = [m for m in dict.fromkeys(team.members) if self.team_of.get(m) == team.id and m in org.people]
            members = []
            for member in dict.fromkeys(team.members):
                person = org.people.get(member)
                members.append({"id": member, "href": self.person_href(member), "name": person.name if person else "",
                                "active": person.active if person else None, "lead": member in team.leads,
                                "home": self.team_of.get(member) == team.id,
                                "home_href": self.team_href(self.team_of.get(member, ""))})
            services = owned.get(team.id, [])
            matrix = self._matrix([m for m in dict.fromkeys(team.members) if m in org.people])
            self.site.pages[f"team-{team.id}.html"] = ("team.html.j2", {
                "title": f"Team {team.id}", "team": team, "members": members, "section": "teams",
                "parent_href": self.team_href(team.parent) if team.parent else None,
                "services": [{"id": s.id, "tier": s.tier, "escalation": s.escalation,
                              "escalation_href": self.escalation_href(s.escalation)} for s in services],
                "cards": [card(p) for p in home], "limits": self.limits, "matrix": matrix,
                "findings": self.findings_of(f"team:{team.id}")})
            team_rows.append({"id": team.id, "href": self.team_href(team.id), "name": team.name,
                              "members": len(team.members), "services": len(services), "parent": team.parent,
                              "parent_href": self.team_href(team.parent) if team.parent else None})
        self.site.pages["teams.html"] = ("teams.html.j2", {
            "title": "Teams and people", "rows": team_rows, "section": "teams",
            "loose": [{"href": f"people-{i}.html", "count": len(chunk), "first": chunk[0], "last": chunk[-1]}
                      for i, chunk in enumerate(self.loose_pages, start=1)]})
        for number, chunk in enumerate(self.loose_pages, start=1):
            self.site.pages[f"people-{number}.html"] = ("people.html.j2", {
                "title": f"People without a team ({number} of {len(self.loose_pages)})", "section": "teams",
                "cards": [card(p) for p in chunk], "limits": self.limits, "matrix": self._matrix(chunk)})

    # --- access ---------------------------------------------------------------------------------
    def _access_index(self) -> None:
        org = self.org
        model = src.AccessModel(org)
        self.model = model
        self.access_of: dict[str, list[dict]] = {}
        self.cells: dict[str, dict[str, dict]] = {}   # person -> role -> cell
        self.risks: dict[str, list[str]] = {}
        for reach in src.effective_access(org, self.now, model):
            if reach.environment != "production":
                continue
            risks = self.risks.get(reach.role)
            if risks is None:
                risks = self.risks[reach.role] = list(model.view(reach.role).risks)
            self.access_of.setdefault(reach.person, []).append({
                "role": reach.role, "path": reach.path(), "expires": _iso(reach.expires) or "never",
                "risk": risks, "conditions": list(reach.conditions), "href": self.role_href(reach.role)})
            cell = self.cells.setdefault(reach.person, {}).get(reach.role)
            expires = _iso(reach.expires) or "never"
            if cell is None:
                self.cells[reach.person][reach.role] = {"expires": expires, "assumed": not reach.direct,
                                                        "path": reach.path()}
            else:
                if expires == "never" or (cell["expires"] != "never" and expires > cell["expires"]):
                    cell["expires"] = expires
                cell["assumed"] = cell["assumed"] and not reach.direct

    def _matrix(self, people: list[str]) -> dict:
        roles = sorted({role for p in people for role in self.cells.get(p, {})})
        rows = []
        for person in people:
            cells = self.cells.get(person, {})
            if not cells:
                continue
            rows.append({"person": person, "href": self.person_href(person), "cells": [cells.get(r) for r in roles]})
        return {"roles": [{"id": r, "risk": self.risks.get(r, []), "href": self.role_href(r)} for r in roles],
                "rows": rows}

    def role_href(self, role: str) -> str:
        return f"{self.role_page.get(role, 'access.html')}#role-{role}"

    def _access(self) -> None:
        org = self.org
        holders: dict[str, list[str]] = {}
        for person in sorted(self.cells):
            for role in self.cells[person]:
                holders.setdefault(role, []).append(person)
        roles = []
        for role in sorted((r for r in org.roles.values() if r.environment == "production"), key=lambda r: r.id):
            risks = self.risks.get(role.id) or list(self.model.view(role.id).risks)
            people = holders.get(role.id, [])
            roles.append({"id": role.id, "account": role.account, "break_glass": role.break_glass, "risk": risks,
                          "service": role.service, "holders": len(people),
                          "people": [{"id": p, "href": self.person_href(p),
                                      "expires": self.cells[p][role.id]["expires"]} for p in people[:HOLDERS_SHOWN]],
                          "more": max(0, len(people) - HOLDERS_SHOWN),
                          "findings": self.findings_of(f"role:{role.id}")})
        people = sorted(self.cells)
        matrix = None
        if len(people) * max(1, len(holders)) <= MATRIX_CELLS:
            matrix = self._matrix(people)
        chunks = _chunks(roles, ROLES_PER_PAGE)
        names = ["access.html"] + [f"access-{i}.html" for i in range(2, len(chunks) + 1)]
        nav = [{"text": str(i + 1), "href": names[i]} for i in range(len(names))] if len(names) > 1 else []
        for index, chunk in enumerate(chunks):
            self.site.pages[names[index]] = ("access.html.j2", {
                "title": "Production access" + (f" (page {index + 1} of {len(names)})" if nav else ""),
                "roles": chunk, "matrix": matrix if index == 0 else None, "first": index == 0, "people": len(people),
                "total_roles": len(roles), "nav": [{**n, "current": i == index} for i, n in enumerate(nav)],
                "section": "access"})

    # --- index -----------------------------------------------------------------------------------
    def _index(self, escalations: list[dict]) -> None:
        org, ctx = self.org, self.ctx
        tiers: dict[int, list[dict]] = {}
        for service in sorted(org.services.values(), key=lambda s: (s.tier, s.id)):
            hours = src.support_hours(ctx, service)
            tiers.setdefault(service.tier, []).append({
                "id": service.id, "name": service.name or "", "owner": service.owner,
                "owner_href": self.team_href(service.owner), "escalation": service.escalation or "",
                "escalation_href": self.escalation_href(service.escalation), "hours": src.hours_label(ctx, hours),
                "lifecycle": service.lifecycle, "findings": self.findings_of(f"service:{service.id}")})
        total_services = sum(len(rows) for rows in tiers.values())
        sections = []
        for tier in sorted(tiers):
            rows = tiers[tier]
            policy = ctx.settings.tiers.get(tier)
            head = {"tier": tier, "count": len(rows),
                    "policy": (f"min_people {policy.min_people}, {src.hours_label(ctx, policy.hours)}, "
                               f"min_levels {policy.min_levels}") if policy else ""}
            if total_services <= ROWS_PER_PAGE:
                sections.append({**head, "rows": rows, "pages": []})
                continue
            chunks = _chunks(rows, ROWS_PER_PAGE)
            pages = []
            for number, chunk in enumerate(chunks, start=1):
                name = f"services-tier-{tier}-{number}.html"
                pages.append({"href": name, "first": chunk[0]["id"], "last": chunk[-1]["id"], "count": len(chunk)})
                self.site.pages[name] = ("services.html.j2", {
                    "title": f"Tier {tier} services ({number} of {len(chunks)})", "sections": [{**head, "rows": chunk,
                                                                                              "pages": []}],
                    "section": "index"})
            sections.append({**head, "rows": None, "pages": pages})
        self.site.pages["index.html"] = ("index.html.j2", {
            "title": "Services, on-call and access", "sections": sections, "section": "index",
            "stats": {"services": total_services, "teams": len(org.teams), "people": len(org.people),
                      "escalations": len(org.escalations), "rotations": len(org.rotations),
                      "roles": sum(1 for r in org.roles.values() if r.environment == "production"),
                      "gappy": sum(1 for e in escalations if e["gaps"]),
                      "unknown": sum(1 for e in escalations if e["unknown"])}})

    def common(self) -> dict:
        return self._common()


def _runs(steps: list, index: int) -> list[tuple[int, int, frozenset]]:
    """Level `index` of the escalation's steps, consecutive equal people merged."""
    out: list[tuple[int, int, frozenset]] = []
    for start, end, levels in steps:
        people = levels[index] if index < len(levels) else frozenset()
        if out and out[-1][2] == people and out[-1][1] == start:
            out[-1] = (out[-1][0], end, people)
        else:
            out.append((start, end, people))
    return out


class _Plot:
    """Maps the horizon onto an SVG's x axis."""

    LABEL = 170   # the left column with the row names
    CHAR = 6.0    # width of one character of the timeline's font, for deciding whether a label fits

    def __init__(self, w0: int, w1: int, width: int) -> None:
        self.w0, self.w1, self.width = w0, w1, width
        self.scale = width / max(1, w1 - w0)
        self.total = self.LABEL + width + 10

    def x(self, t: int) -> str:
        return f"{self.LABEL + (t - self.w0) * self.scale:.1f}"

    def span(self, start: int, end: int) -> dict:
        return {"x": self.x(start), "w": f"{max(0.5, (end - start) * self.scale):.1f}",
                "cx": f"{self.LABEL + ((start + end) / 2 - self.w0) * self.scale:.1f}"}

    def fits(self, start: int, end: int, label: str) -> bool:
        return (end - start) * self.scale >= len(label) * self.CHAR + 6

    def ticks(self, zone: str) -> list[dict]:
        """Midnights on the zone's wall clock within the horizon, labelled with the day."""
        tz = ZoneInfo(zone)
        first = src.local_datetime(self.w0, zone).date()
        out = []
        days = math.ceil((self.w1 - self.w0) / 86400) + 2
        for offset in range(days):
            day = date.fromordinal(first.toordinal() + offset)
            moment = int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
            if self.w0 <= moment < self.w1:
                out.append({"x": self.x(moment), "label": day.strftime("%a %d %b"), "monday": day.weekday() == 0,
                            "iso": day.isoformat()})
        return out
