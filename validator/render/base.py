"""What every render shares: the refusal error, byte-stable JSON, local times, Terraform names."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from validator.model.types import get_zone


class RenderError(Exception):
    """The repository is valid but cannot be expressed in the target configuration (exit 1)."""


def dumps(obj: Any) -> bytes:
    """Byte-deterministic JSON: sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def in_zone(moment: datetime, zone_name: str) -> datetime:
    """An aware instant in `zone_name`. A naive `moment` is wall-clock time in that zone.

    As the spec says: a wall-clock time that does not exist (spring forward) moves forward to the
    first valid instant; an ambiguous one (fall back) takes its first occurrence.
    """
    zone = get_zone(zone_name)
    if moment.tzinfo is not None:
        return moment.astimezone(zone)
    first = moment.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment:
        return first.astimezone(UTC).astimezone(zone)
    # in a gap: the transition lies between the two readings; walk to it minute by minute
    early = moment.replace(tzinfo=zone, fold=1).astimezone(UTC)
    late = first.astimezone(UTC)
    low, high = min(early, late), max(early, late)
    offset = low.astimezone(zone).utcoffset()
    probe = low
    while probe < high and probe.astimezone(zone).utcoffset() == offset:
        probe += timedelta(minutes=1)
    return probe.astimezone(zone)


def iso(moment: datetime) -> str:
    """ISO 8601 / RFC 3339 with seconds and the offset, e.g. 2026-01-05T09:00:00+01:00."""
    return moment.replace(microsecond=0).isoformat()


_TF_INTERPOLATION = re.compile(r"([$%])\{")


def tf_literal(text: str) -> str:
    """A string Terraform's JSON syntax reads literally: `${` and `%{` are escaped as `$${` and `%%{`."""
    return _TF_INTERPOLATION.sub(lambda m: m.group(1) * 2 + "{", text)


def tf_name(ident: str) -> str:
    """A Terraform block label for a repository id (ids may start with a digit; labels may not)."""
    return ident if ident[:1].isalpha() else "_" + ident


def tf_ref(*parts: str) -> str:
    """An interpolation like `${pagerduty_team.payments.id}`."""
    return "${" + ".".join(parts) + "}"
