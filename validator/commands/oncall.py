"""`dutyguard oncall SERVICE --at TIME`: who each escalation level of a service pages at that moment.

It reads the repository without running the rules: it answers even while validation has errors
elsewhere. A level whose rotation cannot be read (it has errors, or hands over too often to compute)
is answered "unknown" with the reason, never "nobody", and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from typing import NoReturn

# RFC 9557: an RFC 3339 date-time followed by suffixes in brackets, the first a time zone
# (`[Europe/Berlin]`, `[!Europe/Berlin]` when critical); `[key=value]` suffixes (u-ca=...) are ignored


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", metavar="SERVICE", help="a Service id")
    parser.add_argument("--at", metavar="TIME",
                        help="ISO 8601 instant (no offset means UTC), or with an RFC 9557 zone suffix: "
                             "2026-12-06T03:00[Europe/Berlin] (that zone's wall clock); default: --now or the "
                             "current time")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import now, repo_root
    from validator.findings import UsageError
    from validator.load import load_repo
    from validator.model import build_org

    loaded = load_repo(repo_root(args))
    org, findings = build_org(loaded)
    problems = _problems(loaded.findings + findings)
    service = org.services.get(args.service)
    if service is None:
        if f"service:{args.service}" in problems:
            return _has_errors(f"service {args.service} has errors: {problems[f'service:{args.service}']}")
        raise UsageError(f"no service '{args.service}'{closest(args.service, org.services)}")
    moment = parse_at(args.at) if args.at else now(args)
    at = int(moment.timestamp())
    levels: list[dict] = []
    escalation = None
    if service.escalation:
        escalation = org.escalations.get(service.escalation)
        reason = problems.get(f"escalation:{service.escalation}")
        if reason is not None:  # failed its schema, or defined twice: which levels it has is not known
            return _has_errors(f"service {service.id} uses escalation {service.escalation}, which has "
                               f"errors: {reason}")
        if escalation is None:
            raise UsageError(f"service {service.id} uses escalation '{service.escalation}', which does not exist "
                             "(see 'dutyguard validate')")
        levels = answer(org, escalation, at, problems)
    out = {"service": service.id, "at": _utc_text(at), "levels": levels}  # SPEC §4's shape, exactly
    unknown = any(level.get("unknown") for level in levels)
    if args.format == "json":
        sys.stdout.write(json.dumps(out, ensure_ascii=True) + "\n")
    else:
        zone = first_zone(org, escalation)
        local = f" ({_local_text(at, zone)} {zone})" if zone != "UTC" else ""
        sys.stdout.write(_text(service.id, out["at"] + local, escalation, levels, org))
    return 1 if unknown else 0


def _has_errors(message: str) -> int:
    """What cannot be answered because the repository has errors there: one line, exit 1 (errors found)."""
    from validator.findings import one_line

    sys.stderr.write(f"dutyguard: {one_line(message)}; who is paged is unknown until it is fixed "
                     "(see 'dutyguard validate')\n")
    return 1


def _problems(findings) -> dict[str, str]:
    """Entity -> the first message of a finding the loader or the model made about it."""
    out: dict[str, str] = {}
    for finding in findings:
        out.setdefault(finding.entity, f"{finding.rule} {finding.message}")
    return out


def answer(org, escalation, at: int, problems: dict[str, str]) -> list[dict]:
    """Per level `{"level", "people"}`, or `{"level", "people": None, "unknown": reason}`."""
    from validator.model.types import split_ref
    from validator.oncall import TurnLimit, timeline

    levels = []
    for index, level in enumerate(escalation.levels):
        people: set[str] = set()
        reasons: list[str] = []
        for target in level.targets:
            kind, ident = split_ref(target)
            if kind == "person":
                people.add(ident)
                continue
            rotation = org.rotations.get(ident)
            reason = problems.get(f"rotation:{ident}")
            if rotation is None or reason is not None:
                reasons.append(f"rotation {ident} has errors: {reason}" if reason else
                               f"rotation {ident} does not exist")
                continue
            try:
                found = timeline(rotation, at, at + 1).who(at)
            except TurnLimit as limit:
                reasons.append(f"rotation {ident} cannot be computed: {limit}")
                continue
            if found is not None:
                people.add(found)
        if reasons:
            levels.append({"level": index + 1, "people": None,
                           "unknown": "; ".join(reasons) + " (see 'dutyguard validate')"})
        else:
            levels.append({"level": index + 1, "people": sorted(people)})
    return levels


def parse_at(text: str) -> datetime:
    """`--at`: ISO 8601 (no offset: UTC), or RFC 9557 with a zone suffix (no offset: that zone's wall clock;
    a numeric offset that the zone did not have at that instant is refused)."""
    from validator.commands.common import parse_instant
    from validator.findings import UsageError
    from validator.model.types import known_timezones
    from validator.oncall.zones import instant

    match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", text)
    if match is None:
        _bad(text)
    base, tail = match.groups()
    moment = parse_instant(base, "--at")  # the format and the years
    if not tail:
        return moment
    tags = re.findall(r"\[(!?)([^\[\]]*)\]", tail)
    zone_name = tags[0][1]
    if "=" in zone_name or any("=" not in name for _, name in tags[1:]):
        _bad(text)  # the zone comes first, once; other suffixes are key=value
    if zone_name not in known_timezones() and zone_name != "UTC":
        raise UsageError(f"--at '{text}': '{zone_name}' is not an IANA time zone (e.g. Europe/Berlin)")
    given = datetime.fromisoformat(base)
    if given.tzinfo is None:
        return datetime.fromtimestamp(instant(given, zone_name), UTC)
    local = given.astimezone(_zone(zone_name))
    if local.utcoffset() != given.utcoffset() and not base.upper().endswith("Z"):
        raise UsageError(f"--at '{text}': {zone_name} was at {local.isoformat()} then, not at offset "
                         f"{given.isoformat()[-6:]}; drop the offset or the zone")
    return given


def _bad(text: str) -> NoReturn:
    from validator.findings import UsageError

    raise UsageError(f"--at '{text}' is not an ISO 8601 date-time with an optional RFC 9557 zone "
                     "(e.g. 2026-12-24T03:00Z or 2026-12-24T03:00[Europe/Berlin])")


def _zone(name: str):
    from validator.model.types import get_zone

    return get_zone(name)


def first_zone(org, escalation) -> str:
    """The zone of the escalation's first rotation (in level order) that can be read, else UTC."""
    from validator.model.types import split_ref

    if escalation is None:
        return "UTC"
    for level in escalation.levels:
        for target in level.targets:
            kind, ident = split_ref(target)
            if kind == "rotation" and ident in org.rotations:
                return org.rotations[ident].timezone
    return "UTC"


def _utc_text(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _local_text(epoch: int, zone: str) -> str:
    return datetime.fromtimestamp(epoch, _zone(zone)).isoformat()


def _text(service: str, at: str, escalation, levels: list[dict], org) -> str:
    if escalation is None:
        return f"{service} at {at}: no escalation, nobody is paged\n"
    lines = [f"{service} at {at} (escalation {escalation.id}, repeat {escalation.repeat}):"]
    last = len(levels)
    for entry, level in zip(levels, escalation.levels, strict=True):
        if entry["people"] is None:
            people = f"unknown: {entry['unknown']}"
        else:
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
