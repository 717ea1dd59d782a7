"""The YAML kinds as strict pydantic v2 models: unknown fields, wrong types and bad ids are errors.

The eight entity kinds and what they nest are pydantic dataclasses with slots: a large organisation
holds tens of thousands of them, and a BaseModel instance carries a `__dict__` and a set of the
fields given (about 1 KB a person) where a slotted dataclass holds only its fields (validating one
is also about twice as fast). Their fields are strict one by one (`Strict()`, `strict=True`), as a
BaseModel's are with `strict=True`: a dataclass in strict mode would refuse the mapping it is built
from. Settings, a single document, stays a BaseModel (its rules ask which fields were given).

The annotations are objects as the module runs (no `from __future__ import annotations`): pydantic
would otherwise evaluate each of about 130 annotation strings again (compiling each), every run.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import InitErrorDetails, PydanticCustomError

from validator.model.types import (
    DAYS,
    ClockField,
    DateOrDateTime,
    DateTimeField,
    Duration,
    DurationField,
    Id,
    Principal,
    Target,
    TimeZoneName,
    _parse_duration,
    end_of,
    get_zone,
)

MAX_HORIZON_DAYS = 366  # Settings.horizon: rotations are checked at most a year (and a leap day) ahead

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=2000)]
Email = Annotated[str, StringConstraints(strict=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
StrictBool = Annotated[bool, Strict()]
# PagerDuty object ids (PXXXXXX; older accounts and some objects have longer ones)
PagerDutyId = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z0-9]{2,20}$")]
# an AWS managed policy by name, with its path where it has one (job-function/ViewOnlyAccess)
ManagedPolicyName = Annotated[str, StringConstraints(
    strict=True, pattern=r"^[A-Za-z0-9+=,.@_-]+(/[A-Za-z0-9+=,.@_-]+)*$", max_length=256)]
IamAction = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9-]+:[A-Za-z0-9*?]+$", max_length=200)]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a line break or control character


# Python functions rather than `list` and `dict`: pydantic reads a default factory's signature, and a built-in
# one's costs a tokenizer's regular expressions (about 5 ms a run)
def _empty_list() -> list:
    return []


def _empty_dict() -> dict:
    return {}


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


kind_model = dataclass(config=ConfigDict(extra="forbid"), frozen=True, slots=True, kw_only=True)


class Validated:
    """`model_validate` for the dataclass kinds, as BaseModel has it."""

    __slots__ = ()

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        return cls.__pydantic_validator__.validate_python(data)  # type: ignore[attr-defined]


@kind_model
class Entity(Validated):
    """A document with a `kind`."""

    kind: Annotated[str, Strict()]

    @property
    def ref(self) -> str:
        return f"{self.kind.lower()}:{self.id}"  # type: ignore[attr-defined]


@kind_model
class Person(Entity):
    kind: Literal["Person"]
    id: Id
    pagerduty_id: PagerDutyId | None = None
    name: Text
    email: Email
    timezone: TimeZoneName
    active: StrictBool = True


@kind_model
class Team(Entity):
    kind: Literal["Team"]
    id: Id
    pagerduty_id: PagerDutyId | None = None
    name: Text
    members: list[Id] = Field(default_factory=_empty_list)
    leads: list[Id] = Field(default_factory=_empty_list)
    parent: Id | None = None

    @model_validator(mode="after")
    def _leads_are_members(self) -> "Team":
        outside = [lead for lead in self.leads if lead not in self.members]
        if outside:
            raise ValueError(f"leads must be members of the team: add {', '.join(outside)} to members")
        return self


@kind_model
class Service(Entity):
    kind: Literal["Service"]
    id: Id
    pagerduty_id: PagerDutyId | None = None
    name: Text | None = None
    description: Text | None = None
    owner: Id
    tier: Annotated[int, Strict(), Field(ge=1, le=4)]
    escalation: Id | None = None
    depends_on: list[Id] = Field(default_factory=_empty_list)
    lifecycle: Literal["production", "experimental", "deprecated"] = "production"
    paths: list[Annotated[str, StringConstraints(strict=True, min_length=1, max_length=500)]] = Field(
        default_factory=_empty_list)

    @field_validator("paths")
    @classmethod
    def _one_line_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if _CONTROL.search(pattern):
                raise ValueError(f"path pattern {pattern!r} holds a line break or control character: CODEOWNERS "
                                 "takes one pattern per line; write each pattern as its own item")
        return value


@kind_model
class Restriction(Validated):
    days: list[Day] = Field(default_factory=lambda: list(DAYS), min_length=1)
    from_: ClockField = Field(alias="from")
    to: ClockField


@kind_model
class Layer(Validated):
    name: Text
    members: list[Id] = Field(min_length=1)
    start: DateTimeField
    turn: DurationField
    restrictions: list[Restriction] = Field(default_factory=_empty_list)


@kind_model
class Override(Validated):
    person: Id
    from_: DateTimeField = Field(alias="from")
    to: DateTimeField

    @model_validator(mode="after")
    def _ordered(self) -> "Override":
        """`from`/`to` are instants: offsets are respected; without one, both read on the rotation's wall
        clock. One with and one without an offset needs the rotation's zone: `Rotation._overrides_ordered`."""
        if (self.from_.tzinfo is None) == (self.to.tzinfo is None) and self.to <= self.from_:
            raise _field_error("to", self.to, _not_after("an override", self.from_, self.to))
        return self


@kind_model
class Rotation(Entity):
    kind: Literal["Rotation"]
    id: Id
    pagerduty_id: PagerDutyId | None = None
    name: Text | None = None
    timezone: TimeZoneName
    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=_empty_list)

    @model_validator(mode="after")
    def _overrides_ordered(self) -> "Rotation":
        """An override with an offset on one end only: the other end is on the rotation's wall clock."""
        for index, override in enumerate(self.overrides):
            if (override.from_.tzinfo is None) != (override.to.tzinfo is None) and \
                    _instant(override.to, self.timezone) <= _instant(override.from_, self.timezone):
                raise _field_error(("overrides", index, "to"), override.to,
                                   _not_after("an override", override.from_, override.to, self.timezone))
        return self

    @property
    def members(self) -> list[str]:
        """The distinct members of all layers, in order of first appearance (overrides not included)."""
        return list(dict.fromkeys(m for layer in self.layers for m in layer.members))


@kind_model
class Level(Validated):
    targets: list[Target] = Field(min_length=1)
    after: DurationField | None = None


@kind_model
class Escalation(Entity):
    kind: Literal["Escalation"]
    id: Id
    pagerduty_id: PagerDutyId | None = None
    name: Text | None = None
    repeat: Annotated[int, Strict(), Field(ge=0, le=9)] = 0
    levels: list[Level] = Field(min_length=1)


@kind_model
class Absence(Entity):
    kind: Literal["Absence"]
    person: Id
    from_: DateOrDateTime = Field(alias="from")
    to: DateOrDateTime
    reason: Text | None = None

    @property
    def ref(self) -> str:
        return f"absence:{self.person}/{self.from_.isoformat()}"

    @model_validator(mode="after")
    def _ordered(self) -> "Absence":
        """Datetimes are instants (UTC without an offset); dates are whole days in the person's zone, `to`
        included. A date against a datetime depends on that zone (UTC-12 to UTC+14): refused only when it
        ends before it starts in every zone."""
        start, end = self.from_, self.to
        if isinstance(start, datetime) and isinstance(end, datetime):
            wrong = _utc(end) <= _utc(start)
        elif not isinstance(start, datetime) and not isinstance(end, datetime):
            wrong = end < start
        else:
            earliest_start = _utc(start) if isinstance(start, datetime) else _day_start(start) - _LATEST_OFFSET
            latest_end = _utc(end) if isinstance(end, datetime) else _day_start(end, 1) + _EARLIEST_OFFSET
            wrong = latest_end <= earliest_start
        if wrong:
            raise _field_error("to", end, _not_after("an absence", start, end))
        return self


@kind_model
class Statement(Validated):
    sid: Text | None = None
    effect: Literal["Allow", "Deny"]
    actions: list[Text] | None = None
    not_actions: list[Text] | None = None
    resources: list[Text] | None = None
    not_resources: list[Text] | None = None
    conditions: dict[str, dict[str, Any]] | None = None

    @field_validator("actions", "not_actions", "resources", "not_resources", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> "Statement":
        if (self.actions is None) == (self.not_actions is None):
            raise ValueError("a statement needs exactly one of 'actions' or 'not_actions'")
        if (self.resources is None) == (self.not_resources is None):
            raise ValueError("a statement needs exactly one of 'resources' or 'not_resources'")
        return self


@kind_model
class Role(Entity):
    kind: Literal["Role"]
    id: Id
    name: Text | None = None
    description: Text | None = None
    environment: Literal["production", "staging", "development"]
    account: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{12}$")]
    service: Id | None = None
    operates: list[Id] = Field(default_factory=_empty_list)
    session: DurationField = Field(default_factory=lambda: _parse_duration("1h"))
    break_glass: StrictBool = False
    managed_policies: list[ManagedPolicyName] = Field(default_factory=_empty_list)
    statements: list[Statement] = Field(default_factory=_empty_list)

    @model_validator(mode="after")
    def _grants_something(self) -> "Role":
        if not self.statements and not self.managed_policies:
            raise ValueError("a role needs 'statements' or 'managed_policies' (or both)")
        return self


@kind_model
class Grant(Entity):
    kind: Literal["Grant"]
    id: Id
    role: Id
    to: list[Principal] = Field(min_length=1)
    reason: Text
    approved_by: list[Id] = Field(default_factory=_empty_list)
    expires: DateOrDateTime | None = None
    ticket: Text | None = None

    def is_live(self, now: datetime) -> bool:
        """Whether the grant has not expired at `now` (whether its role exists is the organisation's
        business)."""
        return self.expires is None or end_of(self.expires) > now


class TierPolicy(StrictModel):
    min_people: Annotated[int, Field(ge=0, le=1000)]
    hours: Literal["24x7", "business", "none"]
    min_levels: Annotated[int, Field(ge=0, le=20)]


DEFAULT_TIERS: dict[int, dict[str, Any]] = {
    1: {"min_people": 3, "hours": "24x7", "min_levels": 2},
    2: {"min_people": 2, "hours": "24x7", "min_levels": 2},
    3: {"min_people": 2, "hours": "business", "min_levels": 1},
    4: {"min_people": 1, "hours": "none", "min_levels": 0},
}


class Hours(StrictModel):
    days: list[Day] = Field(default_factory=lambda: list(DAYS[:5]), min_length=1)
    from_: ClockField = Field(alias="from")
    to: ClockField


class Night(StrictModel):
    from_: ClockField = Field(alias="from")
    to: ClockField


class Waiver(StrictModel):
    rule: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}[0-9]{3}$")]
    entity: Annotated[str, StringConstraints(min_length=3, max_length=300)]
    subject: Annotated[str, StringConstraints(max_length=500)] | None = None
    reason: Text
    expires: DateOrDateTime
    approved_by: Id


class Settings(StrictModel):
    kind: Literal["Settings"]
    horizon: DurationField = Field(default_factory=lambda: _parse_duration("28d"))
    tiers: dict[Annotated[int, Field(ge=1, le=4)], TierPolicy] = Field(
        default_factory=lambda: {k: TierPolicy(**v) for k, v in DEFAULT_TIERS.items()})
    business_hours: Hours = Field(default_factory=lambda: Hours.model_validate(
        {"days": list(DAYS[:5]), "from": "09:00", "to": "17:00"}))
    night: Night = Field(default_factory=lambda: Night.model_validate({"from": "22:00", "to": "07:00"}))
    max_oncall_share: Annotated[float, Field(gt=0, le=1)] = 0.34
    max_night_hours_per_week: Annotated[float, Field(ge=0, le=168)] = 12
    min_team_size: Annotated[int, Field(ge=0, le=1000)] = 2
    max_grant_days: Annotated[int, Field(ge=1, le=3650)] = 90
    break_glass_max_hours: Annotated[float, Field(gt=0, le=8760)] = 24
    approvers: Principal | list[Principal] = "team:security"
    github_org: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")] | None = None
    severity: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}[0-9]{3}$")],
                   Literal["error", "warning", "off"]] = Field(default_factory=_empty_dict)
    waivers: list[Waiver] = Field(default_factory=_empty_list)
    known_actions: list[IamAction] = Field(default_factory=_empty_list)

    @property
    def ref(self) -> str:
        return "settings"

    @field_validator("horizon")
    @classmethod
    def _bounded_horizon(cls, value: Duration) -> Duration:
        if value.seconds > MAX_HORIZON_DAYS * 86400:
            raise ValueError(f"'{value}' is longer than the limit of {MAX_HORIZON_DAYS} days: "
                             f"use at most {MAX_HORIZON_DAYS}d (or 52w)")
        return value

    @field_validator("tiers", mode="before")
    @classmethod
    def _merge_default_tiers(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {k: dict(v) for k, v in DEFAULT_TIERS.items()}
        for tier, policy in value.items():
            if isinstance(policy, dict) and tier in merged:
                merged[tier] = {**merged[tier], **policy}
            else:
                merged[tier] = policy
        return merged

    @property
    def approver_refs(self) -> list[str]:
        return [self.approvers] if isinstance(self.approvers, str) else list(self.approvers)


def default_settings() -> "Settings":
    return Settings(kind="Settings")


KINDS: dict[str, type] = {
    cls.__name__: cls for cls in (Person, Team, Service, Rotation, Escalation, Absence, Role, Grant, Settings)
}


_EARLIEST_OFFSET = timedelta(hours=12)   # UTC-12: a local midnight is at most 12 h after UTC's
_LATEST_OFFSET = timedelta(hours=14)     # UTC+14: ... and at most 14 h before it


def _utc(value: datetime) -> datetime:
    """An instant: aware as given, naive read as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _instant(moment: datetime, zone_name: str) -> datetime:
    """An aware instant; a naive `moment` on the zone's wall clock (a gap moves forward, a fold takes the first)."""
    if moment.tzinfo is not None:
        return moment
    zone = get_zone(zone_name)
    first = moment.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment:
        return first
    low = min(first.astimezone(UTC), moment.replace(tzinfo=zone, fold=1).astimezone(UTC))
    offset, probe = low.astimezone(zone).utcoffset(), low
    while probe.astimezone(zone).utcoffset() == offset:  # in a gap: walk to the transition
        probe += timedelta(minutes=1)
    return probe


def _day_start(value: date, days: int = 0) -> datetime:
    """Midnight UTC of a date (plus `days`)."""
    return datetime(value.year, value.month, value.day, tzinfo=UTC) + timedelta(days=days)


def _not_after(what: str, start: date | datetime, end: date | datetime, zone: str | None = None) -> str:
    read = f" (times without an offset are in {zone})" if zone else ""
    return (f"{what}'s 'to' ({end.isoformat()}) is not after its 'from' ({start.isoformat()}){read}: "
            "offsets are respected, so compare the two instants and fix the end")


def _field_error(loc: str | tuple, value: Any, message: str) -> ValidationError:
    """A validation error at one field (a model validator's own ValueError would point at the whole item)."""
    return ValidationError.from_exception_data("dutyguard", [InitErrorDetails(
        type=PydanticCustomError("value_error", "Value error, {reason}", {"reason": message}),
        loc=loc if isinstance(loc, tuple) else (loc,), input=value)])
