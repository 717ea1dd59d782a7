"""Value types shared by the kinds: ids, durations, time zones, local times, references."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, PlainSerializer, StringConstraints, WithJsonSchema

from validator.findings import quote_value

T = TypeVar("T")

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
Id = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN)]

def _remembered(parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """`parse`, remembering its results for text (immutable values; a large organisation repeats
    the same few durations and dates tens of thousands of times). Errors are not remembered."""
    known: dict[str, T] = {}

    def parse_text(value: Any) -> T:
        if value.__class__ is not str:
            return parse(value)
        found = known.get(value)
        if found is None:
            found = parse(value)
            if len(known) < 100_000:
                known[value] = found
        return found

    return parse_text


_DURATION = re.compile(r"^([0-9]{1,6})([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class Duration:
    """`30m`, `12h`, `1d`, `2w`. Day and week turns keep local wall-clock time across DST."""

    amount: int
    unit: str

    @property
    def seconds(self) -> int:
        return self.amount * _UNIT_SECONDS[self.unit]

    @property
    def days(self) -> int:
        """Whole calendar days for `d`/`w` units, 0 for fixed-length units."""
        return self.amount * (7 if self.unit == "w" else 1) if self.unit in "dw" else 0

    @property
    def is_calendar(self) -> bool:
        return self.unit in ("d", "w")

    def as_timedelta(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def _parse_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a duration is text like 30m, 12h, 1d or 2w, not {quote_value(value)}")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"{quote_value(value)} is not a duration: write a number and a unit, like 30m, 12h, 1d or 2w")
    amount = int(match.group(1))
    if amount == 0:
        raise ValueError(f"{quote_value(value)} is zero: a duration must be positive")
    return Duration(amount, match.group(2))


DurationField = Annotated[
    Duration,
    BeforeValidator(_remembered(_parse_duration)),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^(?!0+[mhdw]$)[0-9]{1,6}[mhdw]$",
                    "description": "a duration: a number and a unit (m, h, d, w), like 30m, 12h, 1d or 2w"}),
]


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(name: str) -> bool:
    """`name in known_timezones()`, without listing them where the tzdata package's list has the name:
    `zoneinfo.available_timezones` reads that list, then opens every file under the system's zoneinfo
    folders (about 13 ms a run, for the few names a repository uses, which are on the list)."""
    return name in _tzdata_zones() or name in known_timezones()


@lru_cache(maxsize=1)
def _tzdata_zones() -> frozenset[str]:
    """The names of the tzdata package's `zones` file (the list `available_timezones` starts from), read
    as a file (importlib.resources alone costs more than the rest); none when it cannot be read so."""
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("tzdata")
        folder = next(iter(spec.submodule_search_locations or ())) if spec else None
        if folder is None:
            return frozenset()
        with open(os.path.join(folder, "zones"), encoding="utf-8") as handle:
            names = {line.strip() for line in handle}
    except (ImportError, OSError, ValueError, StopIteration):
        return frozenset()
    names.discard("")
    names.discard("posixrules")  # (as `available_timezones`: never a zone of its own)
    return frozenset(names)


@cache
def get_zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _parse_timezone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a time zone is an IANA name like Europe/Berlin, not {quote_value(value)}")
    if not is_timezone(value):
        import difflib

        # a long value is no typo of a zone name (and comparing it with every zone would take a while)
        close = difflib.get_close_matches(value, sorted(known_timezones()), n=1) if len(value) <= 64 else []
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"{quote_value(value)} is not an IANA time zone{hint}")
    return value


TimeZoneName = Annotated[
    str,
    BeforeValidator(_remembered(_parse_timezone)),
    WithJsonSchema({"type": "string", "description": "IANA time zone, e.g. Europe/Berlin"}),
]


# ISO 8601 in its extended form (what `dutyguard schema` says too): 2026-01-05, 2026-01-05T09:00,
# 2026-01-05T09:00:00.5+05:30, ...Z. Python also reads the basic form (20260105T0900); it is refused, so
# that the schema an editor checks accepts exactly what validate accepts.
_YEAR = r"[0-9]{4}"
DATE_PATTERN = rf"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3])(:[0-5][0-9])?)"
TIME_PATTERN = rf"([01][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9]([.,][0-9]{{1,6}})?)?)?{_OFFSET}?"
DATETIME_PATTERN = rf"^{DATE_PATTERN}[T ]{TIME_PATTERN}$"
DATE_OR_DATETIME_PATTERN = rf"^{DATE_PATTERN}([T ]{TIME_PATTERN})?$"
_EXTENDED = re.compile(DATE_OR_DATETIME_PATTERN)


def _parse_datetime(value: Any) -> datetime:
    """ISO 8601 date-time; no offset means 'local' (the caller decides which zone)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date-time like 2026-01-05T09:00, not {quote_value(value)}")
    if not _EXTENDED.match(value):
        raise ValueError(f"'{value}' is not an ISO 8601 date-time like 2026-01-05T09:00 or 2026-01-05T09:00+01:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{quote_value(value)} is not an ISO 8601 date-time like 2026-01-05T09:00") from None
    return _in_years(parsed, value)


def _parse_date_or_datetime(value: Any) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date (2027-03-31) or date-time, not {quote_value(value)}")
    if not _EXTENDED.match(value):
        raise ValueError(f"'{value}' is not an ISO 8601 date (2027-03-31) or date-time (2027-03-31T09:00)")
    if len(value) == 10:
        try:
            return _in_years(date.fromisoformat(value), value)
        except ValueError as err:
            if "outside the years" in str(err):
                raise
            raise ValueError(f"{quote_value(value)} is not a valid date (YYYY-MM-DD)") from None
    return _parse_datetime(value)


MIN_YEAR, MAX_YEAR = 1970, 2200  # far from year 1 and 9999, where time arithmetic would overflow


def _in_years(moment: date, text: str):
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"{quote_value(text)} is outside the years {MIN_YEAR}..{MAX_YEAR}: write a real date")
    return moment


DateTimeField = Annotated[
    datetime,
    BeforeValidator(_remembered(_parse_datetime)),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DATE_OR_DATETIME_PATTERN, "description": "ISO 8601 date-time"}),
]
DateOrDateTime = Annotated[
    date | datetime,
    BeforeValidator(_remembered(_parse_date_or_datetime)),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DATE_OR_DATETIME_PATTERN,
                    "description": "ISO 8601 date or date-time"}),
]

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")


def _parse_clock(value: Any) -> time | str:
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise ValueError(f"{quote_value(value)} is not a time of day: write it quoted as \"HH:MM\", e.g. \"09:00\"")
    return value


ClockField = Annotated[
    str,
    BeforeValidator(_parse_clock),
    WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"}),
]


def clock_minutes(value: str) -> int:
    """'09:30' -> 570 minutes after midnight ('24:00' -> 1440)."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


REF_PATTERN = r"^(team|person):[a-z0-9][a-z0-9-]{0,62}$"
TARGET_PATTERN = r"^(rotation|person):[a-z0-9][a-z0-9-]{0,62}$"
Principal = Annotated[str, StringConstraints(strict=True, pattern=REF_PATTERN)]
Target = Annotated[str, StringConstraints(strict=True, pattern=TARGET_PATTERN)]


def split_ref(ref: str) -> tuple[str, str]:
    kind, _, ident = ref.partition(":")
    return kind, ident


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def end_of(value: date | datetime) -> datetime:
    """When an `expires` stops being valid: the end of that day (UTC) for a date, else the instant
    (UTC when it has no offset)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC)
