"""model: raw entities -> a typed, strict organisation (SCH003, SCH004)."""

from __future__ import annotations

import difflib
import sys
import types
from dataclasses import dataclass, field

# pydantic looks for plugins in the entry points of every installed distribution when it builds a validator
# (importing importlib.metadata and email: about 15 ms a run, and behaviour that would depend on what else is
# installed). dutyguard's model runs no plugins; pydantic's own switch, PYDANTIC_DISABLE_PLUGINS, is read
# only after that import, so its loader is replaced by one that finds none, before any model is built.
if "pydantic.plugin._loader" not in sys.modules:
    sys.modules["pydantic.plugin._loader"] = types.ModuleType("pydantic.plugin._loader")
    sys.modules["pydantic.plugin._loader"].get_plugins = tuple  # type: ignore[attr-defined]

from pydantic import ValidationError  # noqa: E402 - after the loader above

from validator.findings import Finding, one_line, quote_value
from validator.load import LoadResult, RawEntity, Source
from validator.model.kinds import (
    KINDS,
    Absence,
    Entity,
    Escalation,
    Grant,
    Person,
    Role,
    Rotation,
    Service,
    Settings,
    Team,
    default_settings,
)
from validator.model.types import ID_PATTERN, REF_PATTERN, TARGET_PATTERN

__all__ = ["Org", "OrgBuilder", "build_org", "KINDS", "Person", "Team", "Service", "Rotation", "Escalation",
           "Absence", "Role", "Grant", "Settings"]

COLLECTIONS = {
    "Person": "people", "Team": "teams", "Service": "services", "Rotation": "rotations",
    "Escalation": "escalations", "Role": "roles", "Grant": "grants",
}


@dataclass
class Org:
    """The whole repository, typed. `sources` is the position side table, keyed by entity ref."""

    people: dict[str, Person] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    rotations: dict[str, Rotation] = field(default_factory=dict)
    escalations: dict[str, Escalation] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    absences: list[Absence] = field(default_factory=list)
    settings: Settings = field(default_factory=default_settings)
    settings_declared: bool = False
    sources: dict[str, Source] = field(default_factory=dict)
    # ids of entities that exist in the files but failed the model: references to them are
    # not reported again as dangling (the SCH003 finding already blocks)
    broken: dict[str, set[str]] = field(default_factory=dict)
    # entities kept although some fields failed the model (SPEC §3 "one mistake, one finding"):
    # ref -> the top-level fields (YAML keys) whose values are unknown (they hold a default or a stand-in)
    partial: dict[str, frozenset[str]] = field(default_factory=dict)

    def unknown(self, ref: str, field_name: str) -> bool:
        """Whether `field_name` of the entity `ref` failed the model (its value here is a stand-in)."""
        return field_name in self.partial.get(ref, ())

    def collection(self, kind: str) -> dict:
        return getattr(self, COLLECTIONS[kind])

    def exists(self, kind: str, ident: str) -> bool:
        return ident in self.collection(kind) or ident in self.broken.get(kind, ())

    def source(self, ref: str) -> Source | None:
        return self.sources.get(ref)


def build_org(loaded: LoadResult) -> tuple[Org, list[Finding]]:
    """Validate every raw entity against its kind; collect SCH003/SCH004 findings."""
    builder = OrgBuilder()
    builder.add(loaded.entities)
    return builder.finish()


class OrgBuilder:
    """Builds the Org from raw entities given in repository order, in as many batches as wanted
    (so that a run can model the first files while a helper process still parses the last)."""

    def __init__(self) -> None:
        self.org = Org()
        self.findings: list[Finding] = []
        self.count = 0  # raw entities added so far
        self._again: dict[str, list[Source]] = {}  # ref -> the places after the first (SCH004)
        # the common kinds, validated by pydantic-core directly and stored by id (the hot loop of a large run)
        self._plain = {kind: (model.__pydantic_validator__.validate_python, self.org.collection(kind),
                              kind.lower() + ":")
                       for kind, model in KINDS.items() if kind in COLLECTIONS}

    def add(self, entities: list[RawEntity]) -> None:
        org, findings, sources, again, plain = self.org, self.findings, self.org.sources, self._again, self._plain
        self.count += len(entities)
        for raw in entities:
            data = raw.data
            try:
                validate, collection, prefix = plain[data.get("kind")]
            except (KeyError, TypeError):  # another kind (Absence, Settings), none, or not text
                entity = _validate(raw, findings, org)
                if entity is None:
                    continue
                ref = entity.ref
                if ref in sources:
                    again.setdefault(ref, []).append(raw.source)
                    continue
                sources[ref] = raw.source
                _store(org, entity)
                continue
            try:
                entity = validate(data)
            except ValidationError:
                entity = _validate(raw, findings, org)  # the same error, turned into findings
                if entity is None:
                    continue
            ident = entity.id
            ref = prefix + ident
            if ref in sources:
                again.setdefault(ref, []).append(raw.source)
                continue
            sources[ref] = raw.source
            collection[ident] = entity

    def finish(self) -> tuple[Org, list[Finding]]:
        for ref, places in self._again.items():
            self.findings.extend(duplicate_findings(ref, [self.org.sources[ref], *places]))
        self._again = {}
        return self.org, self.findings


def _store(org: Org, entity: Entity) -> None:
    if isinstance(entity, Absence):
        org.absences.append(entity)
    elif isinstance(entity, Settings):
        org.settings = entity
        org.settings_declared = True
    else:
        org.collection(entity.kind)[entity.id] = entity  # type: ignore[attr-defined]


def _validate(raw: RawEntity, findings: list[Finding], org: Org) -> Entity | None:
    data, source = raw.data, raw.source
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        findings.append(_finding(source, ("kind",) if "kind" in data else (), "file:" + source.path,
                                 _kind_message(kind, "kind" in data), _place(source)))
        return None
    model = KINDS[kind]
    try:
        return model.model_validate(data)
    except ValidationError as err:
        ref = _guess_ref(kind, data)
        errors = err.errors(include_url=False)
        for error in errors:
            loc = tuple(error["loc"])
            findings.append(_finding(source, loc, ref, _error_message(kind, error), subject=_field_path(loc)))
        kept = _repaired(kind, data, errors)
        if kept is not None:
            entity, unknown = kept
            org.partial[entity.ref] = unknown
            return entity
        ident = data.get("id")
        if isinstance(ident, str):
            org.broken.setdefault(kind, set()).add(ident)
        return None


# Kinds whose entity is kept when some fields fail (SPEC §3: one mistake, one finding): a person with a
# misspelt time zone is still a member, a lead, an on-call person and a grantee for every other rule.
# Rotations and escalations are not kept: who is paged then is unknown, and the on-call rules and
# `oncall` say so rather than guess. Required fields get a stand-in that no rule reads as a problem.
_STAND_INS: dict[str, dict[str, object]] = {
    "Person": {"name": None, "email": None, "timezone": "UTC"},
    "Team": {"name": None},
    "Service": {},
    "Role": {},
    "Grant": {},
}


def _repaired(kind: str, data: dict, errors: list) -> tuple[Entity, frozenset[str]] | None:
    """The entity with its failed fields replaced by their defaults (or a stand-in, or the bad items of an id
    list left out), and the names of those fields; None where it cannot be kept (a bad id, a kind not kept)."""
    stand_ins = _STAND_INS.get(kind)
    if stand_ins is None or not isinstance(data.get("id"), str):
        return None
    model = KINDS[kind]
    fields = model.__pydantic_fields__  # type: ignore[attr-defined]
    by_alias = {(info.alias or name): name for name, info in fields.items()}
    repaired = dict(data)
    unknown: set[str] = set()
    items: dict[str, set[int]] = {}
    for error in errors:
        loc = error["loc"]
        if not loc or not isinstance(loc[0], str) or loc[0] in ("id", "kind"):
            return None
        key = loc[0]
        if key not in by_alias:  # an unknown field: leave it out
            repaired.pop(key, None)
            continue
        unknown.add(key)
        if len(loc) == 2 and isinstance(loc[1], int) and isinstance(data.get(key), list):
            items.setdefault(key, set()).add(loc[1])  # one bad id in a list: the others still count
            continue
        info = fields[by_alias[key]]
        if not info.is_required():
            repaired.pop(key, None)
        elif key in stand_ins:
            repaired[key] = data["id"] if stand_ins[key] is None and key == "name" else stand_ins[key]
            if key == "email":
                repaired[key] = f"{data['id']}@unknown.invalid"
        else:
            return None
    for key, bad in items.items():
        repaired[key] = [item for i, item in enumerate(data[key]) if i not in bad]
    try:
        return model.model_validate(repaired), frozenset(unknown)
    except ValidationError:
        return None


def _guess_ref(kind: str, data: dict) -> str:
    if kind == "Settings":
        return "settings"
    if kind == "Absence":
        return f"absence:{data.get('person')}/{data.get('from')}"
    return f"{kind.lower()}:{data.get('id')}"


def _kind_message(kind: object, present: bool) -> str:
    if not present:
        return "entity has no 'kind': add one of " + ", ".join(KINDS)
    close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown kind {_short(kind)}{hint}: use one of " + ", ".join(KINDS)


def _error_message(kind: str, error: dict) -> str:
    loc = ".".join(str(part) for part in error["loc"]) or kind
    kind_of_error = error["type"]
    if kind_of_error in ("extra_forbidden", "unexpected_keyword_argument"):  # a BaseModel's, a dataclass's
        return f"{kind} has no field '{loc}': remove it or check its spelling"
    if kind_of_error == "missing":
        return f"{kind} is missing the required field '{loc}'"
    message = error["msg"]
    value = error.get("input")
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind_of_error == "string_pattern_mismatch":
        message = _PATTERN_WORDS.get(str((error.get("ctx") or {}).get("pattern")), message)
    elif kind_of_error in ("bool_type", "bool_parsing"):
        message = "write true or false"
    elif kind_of_error == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        field = loc.rsplit(".", 1)[-1]
        message = f'this is text, not a number: quote it, {field}: "{value}"'
    elif kind_of_error in ("int_type", "int_parsing") and isinstance(value, str):
        message = "write a whole number, without quotes"
    if isinstance(value, (dict, list)) or kind_of_error == "missing":
        shown = ""
    elif isinstance(value, str) and len(value) <= 80 and value in message:
        shown = ""  # the message quotes the value already
    else:
        shown = f" (got {_short(value)})"
    return f"{kind} field '{loc}': {message}{shown}"


# what each pattern of the kinds means, in words a newcomer can act on (instead of the regular expression)
_PATTERN_WORDS = {
    ID_PATTERN: "an id is lower-case ASCII letters, digits and '-', starting with a letter or digit, at most 63 "
                "characters",
    TARGET_PATTERN: "a target is rotation:<id> or person:<id>",
    REF_PATTERN: "write team:<id> or person:<id>",
    r"^[0-9]{12}$": 'an AWS account id is 12 digits, quoted: account: "123456789012"',
    r"^[A-Z]{3}[0-9]{3}$": "a rule id is three capital letters and three digits, like ROT001",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "write an email address, like alice@example.com",
    r"^[A-Z0-9]{2,20}$": "a PagerDuty id is capital letters and digits, like PABC123",
    r"^[a-z0-9-]+:[A-Za-z0-9*?]+$": "an IAM action is service:Action, like s3:GetObject",
    r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$": "a GitHub organisation name is letters, digits and '-'",
}


def _short(value: object, limit: int = 80) -> str:
    """A user's value quoted, cut so that a 5,000-digit number does not flood the output."""
    return quote_value(value, limit)


def _finding(source: Source, loc: tuple, entity: str, message: str, subject: str) -> Finding:
    line, column = source.position(loc)
    return Finding("SCH003", "error", source.path, line, entity, one_line(message), column, subject)


def _field_path(loc: tuple) -> str:
    """A finding's subject: the field path inside the entity (`layers.0.turn`), without pydantic's names
    of union members and validators (`function-after[...]`), which are no part of the YAML."""
    return ".".join(str(part) for part in loc if isinstance(part, int) or "[" not in str(part))


def _place(source: Source) -> str:
    """An entity-less place in a file as a subject: the item's index in a list document, or ''."""
    return ".".join(str(part) for part in source.prefix)


def duplicate_findings(ref: str, places: list[Source]) -> list[Finding]:
    """SCH004 at every place; each finding's subject names its own file (`file:<path>`, `#2` for a second
    copy in the same file), so that the findings stay distinct and do not depend on lines."""
    out = []
    seen: dict[str, int] = {}
    for i, place in enumerate(places):
        others = ", ".join(f"{p.path}:{p.line}" for j, p in enumerate(places) if j != i)
        seen[place.path] = seen.get(place.path, 0) + 1
        subject = f"file:{place.path}" + (f"#{seen[place.path]}" if seen[place.path] > 1 else "")
        out.append(Finding("SCH004", "error", place.path, place.line, ref,
                           f"{ref} is defined more than once (also at {others}): "
                           "rename one or merge them", subject=subject))
    return out
