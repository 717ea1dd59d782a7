"""`dutyguard oncall SERVICE --at TIME`: who each escalation level of a service pages at that moment.

It reads the repository without running the rules: it answers even while validation has errors
elsewhere, as long as the service, its escalation and their rotations can be read.
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", metavar="SERVICE", help="a Service id")
    parser.add_argument("--at", metavar="TIME",
                        help="ISO 8601 instant (no offset means UTC); default: --now or the current time")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import now, parse_instant, repo_root
    from validator.findings import UsageError
    from validator.load import load_repo
    from validator.model import build_org
    from validator.oncall import paged_at, timeline

    org, _ = build_org(load_repo(repo_root(args)))
    service = org.services.get(args.service)
    if service is None:
        raise UsageError(f"no service '{args.service}'{closest(args.service, org.services)}")
    moment = parse_instant(args.at, "--at") if args.at else now(args)
    at = int(moment.timestamp())
    levels: list[dict] = []
    escalation = None
    if service.escalation:
        escalation = org.escalations.get(service.escalation)
        if escalation is None:
            raise UsageError(f"service {service.id} uses escalation '{service.escalation}', which does not exist "
                             "(see 'dutyguard validate')")

        def timeline_of(rotation_id: str):
            rotation = org.rotations.get(rotation_id)
            return timeline(rotation, at, at + 1) if rotation else None

        paged = paged_at(escalation, timeline_of, at)
        levels = [{"level": i + 1, "people": people} for i, people in enumerate(paged)]
    instant_text = _utc_text(at)
    if args.format == "json":
        sys.stdout.write(json.dumps({"service": service.id, "at": instant_text, "levels": levels}) + "\n")
        return 0
    sys.stdout.write(_text(service.id, instant_text, escalation, levels, org))
    return 0


def _utc_text(epoch: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _text(service: str, at: str, escalation, levels: list[dict], org) -> str:
    if escalation is None:
        return f"{service} at {at}: no escalation, nobody is paged\n"
    lines = [f"{service} at {at} (escalation {escalation.id}, repeat {escalation.repeat}):"]
    last = len(levels)
    for entry, level in zip(levels, escalation.levels, strict=True):
        people = ", ".join(_name(org, p) for p in entry["people"]) or "nobody"
        if entry["level"] < last:
            after = f"; level {entry['level'] + 1} after {level.after or '30m'}"
        elif escalation.repeat:
            after = f"; level 1 again after {level.after or '30m'}"
        else:
            after = ""
        lines.append(f"  level {entry['level']}: {people}  [{', '.join(level.targets)}{after}]")
    return "\n".join(lines) + "\n"


def _name(org, person_id: str) -> str:
    person = org.people.get(person_id)
    if person is None:
        return f"{person_id} (unknown)"
    return person_id if person.active else f"{person_id} (inactive)"


def closest(ident: str, known) -> str:
    """' (did you mean X?)' for the closest known id, or ''."""
    import difflib

    match = difflib.get_close_matches(ident, sorted(known), n=1)
    return f" (did you mean {match[0]}?)" if match else ""
