"""`dutyguard calendar`: on-call shifts from now as an RFC 5545 iCalendar file.

One event per shift: a stretch of time one person is on call in one rotation, with its true start
and end (a shift that started before now is followed back to where it began, across DST too), and
for a person also their direct escalation duty (levels that name them), marked as such. UIDs depend
only on the rotation (or escalation and level), the person and the shift's true start, so a
re-import updates events. The output is deterministic: the same repository and `--now` give the
same bytes.
"""

from __future__ import annotations

import argparse

MAX_DAYS = 366


def configure(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", metavar="ID", help="every shift of this person, in every rotation")
    who.add_argument("--rotation", metavar="ID", help="every shift of this rotation")
    parser.add_argument("--days", type=int, default=28, metavar="N", help="how many days from now (default 28)")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import now, repo_root, write_text
    from validator.commands.oncall import closest
    from validator.findings import UsageError
    from validator.load import load_repo
    from validator.model import build_org

    if not 1 <= args.days <= MAX_DAYS:
        raise UsageError(f"--days must be between 1 and {MAX_DAYS}, not {args.days}")
    root = repo_root(args)
    org, _ = build_org(load_repo(root))
    if args.rotation is not None and args.rotation not in org.rotations:
        raise UsageError(f"no rotation '{args.rotation}'{closest(args.rotation, org.rotations)}")
    if args.person is not None:
        person = org.people.get(args.person)
        if person is None:
            raise UsageError(f"no person '{args.person}'{closest(args.person, org.people)}")
        if not person.active:
            raise UsageError(f"person {person.id} is inactive (active: false): an inactive person is not on call "
                             "and pages nobody, so their calendar would be empty; remove them from rotations and "
                             "escalations (OWN005) or set active: true")
    start = int(now(args).timestamp())
    end = start + args.days * 86_400
    shifts = collect_shifts(org, start, end, person=args.person, rotation=args.rotation)
    name = f"On call: {args.person}" if args.person else f"On call: rotation {args.rotation}"
    write_text(args.out, to_ical(shifts, name, start, by_person=args.rotation is not None), root=root)
    return 0


def collect_shifts(org, start: int, end: int, person: str | None = None, rotation: str | None = None) -> list:
    """Every shift overlapping `[start, end)`, with its true start and end, sorted: a rotation's (only one
    rotation's, or only one person's), and for a person also their direct duty in escalation levels."""
    from validator.findings import UsageError
    from validator.oncall import TurnLimit
    from validator.oncall.shifts import direct_duty, rotation_shifts, strictest_hours

    out = []
    for rotation_id in sorted(org.rotations):
        if rotation is not None and rotation_id != rotation:
            continue
        try:
            out += rotation_shifts(org.rotations[rotation_id], start, end, person)
        except TurnLimit as limit:
            raise UsageError(f"rotation {rotation_id}: {limit}; ask for fewer --days") from None
    if person is not None:
        tiers: dict[str, list[int]] = {}
        for service in org.services.values():
            if service.escalation:
                tiers.setdefault(service.escalation, []).append(service.tier)
        for escalation_id in sorted(org.escalations):
            escalation = org.escalations[escalation_id]
            hours = strictest_hours(org.settings, tiers.get(escalation_id, []))
            out += direct_duty(escalation, person, hours, _first_zone(org, escalation),
                               org.people[person].timezone, org.settings, start, end)
    return sorted(out)


def _first_zone(org, escalation) -> str:
    from validator.commands.oncall import first_zone

    return first_zone(org, escalation)


def to_ical(shifts: list, name: str, stamp: int, by_person: bool) -> str:
    """An RFC 5545 VCALENDAR with one VEVENT per shift, times in UTC, UIDs from the shift's true start."""
    from datetime import UTC, datetime

    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//dutyguard//on-call calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    created = datetime.fromtimestamp(stamp, UTC)
    for shift in shifts:
        begin, finish = datetime.fromtimestamp(shift.start, UTC), datetime.fromtimestamp(shift.end, UTC)
        event = Event()
        if shift.level:
            event.add("uid", f"{shift.source}/level-{shift.level}/{shift.person}/{begin:%Y%m%dT%H%M%SZ}@dutyguard")
            event.add("summary", f"Escalation {shift.source}, level {shift.level} (named directly)")
            event.add("description", f"{shift.person} is named directly in level {shift.level} of escalation "
                      f"{shift.source}: paged whenever an incident reaches that level (direct escalation duty, "
                      "not a rotation shift).")
            event.add("categories", ["direct escalation duty"])
        else:
            event.add("uid", f"{shift.source}-{shift.person}-{begin:%Y%m%dT%H%M%SZ}@dutyguard")
            event.add("summary", f"On call: {shift.source}" + (f" ({shift.person})" if by_person else ""))
            event.add("description", f"{shift.person} is on call in rotation {shift.source}.")
            event.add("categories", ["on-call shift"])
        event.add("dtstamp", created)
        event.add("dtstart", begin)
        event.add("dtend", finish)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
