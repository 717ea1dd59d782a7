"""`dutyguard calendar`: on-call shifts from now as an RFC 5545 iCalendar file.

One event per shift: a stretch of time one person is on call in one rotation. A shift that
started before now (or ends after the last day) is shown whole, as far as one turn back or
ahead. The output is deterministic: the same repository and `--now` give the same bytes.
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
    if args.person is not None and args.person not in org.people:
        raise UsageError(f"no person '{args.person}'{closest(args.person, org.people)}")
    start = int(now(args).timestamp())
    end = start + args.days * 86_400
    shifts = collect_shifts(org, start, end, person=args.person, rotation=args.rotation)
    name = f"On call: {args.person}" if args.person else f"On call: rotation {args.rotation}"
    write_text(args.out, to_ical(shifts, name, start, by_person=args.rotation is not None), root=root)
    return 0


def collect_shifts(org, start: int, end: int, person: str | None = None,
                   rotation: str | None = None) -> list[tuple[int, int, str, str]]:
    """`(start, end, rotation, person)` for every shift overlapping `[start, end)`, sorted."""
    from validator.findings import UsageError
    from validator.oncall import TurnLimit, timeline

    out = []
    for rotation_id in sorted(org.rotations):
        if rotation is not None and rotation_id != rotation:
            continue
        item = org.rotations[rotation_id]
        pad = max(layer.turn.seconds for layer in item.layers)
        try:
            found = timeline(item, start - pad, end + pad)
        except TurnLimit as limit:
            raise UsageError(f"rotation {rotation_id}: {limit}; ask for fewer --days") from None
        for s, e, who in found.segments:
            if e > start and s < end and (person is None or who == person):
                out.append((s, e, rotation_id, who))
    return sorted(out)


def to_ical(shifts: list[tuple[int, int, str, str]], name: str, stamp: int, by_person: bool) -> str:
    """An RFC 5545 VCALENDAR with one VEVENT per shift, times in UTC, stable UIDs."""
    from datetime import UTC, datetime

    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//dutyguard//on-call calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    created = datetime.fromtimestamp(stamp, UTC)
    for s, e, rotation_id, person in shifts:
        begin, finish = datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)
        event = Event()
        event.add("uid", f"{rotation_id}-{person}-{begin:%Y%m%dT%H%M%SZ}@dutyguard")
        event.add("dtstamp", created)
        event.add("dtstart", begin)
        event.add("dtend", finish)
        event.add("summary", f"On call: {rotation_id}" + (f" ({person})" if by_person else ""))
        event.add("description", f"{person} is on call in rotation {rotation_id}.")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
