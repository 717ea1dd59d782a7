"""SCH rules: the YAML and its shape. Most are found by the loader and the model; SCH005 here."""

from __future__ import annotations

from collections.abc import Iterator

from validator.closest import Index
from validator.model.types import split_ref
from validator.rules.context import Context
from validator.rules.registry import Issue, document, rule

document("SCH001", "error", "not valid YAML", """
    The file is not valid YAML. The finding gives the line and column where the parser stopped.

    Rationale: a file that does not parse is a file nobody can review; everything in it is ignored.

    Fails:
        kind: Person
        id: alice
        name: "Alice
    Passes:
        kind: Person
        id: alice
        name: "Alice"
    """, "schema")

document("SCH002", "error", "duplicate mapping key", """
    The same key appears twice in one mapping. YAML parsers silently keep one of the two values,
    so what a reviewer reads is not what the tool sees. Both lines are named.

    Fails:
        kind: Service
        id: checkout-api
        owner: payments
        owner: platform
    Passes:
        kind: Service
        id: checkout-api
        owner: payments
    """, "schema")

document("SCH003", "error", "entity does not fit its kind", """
    An entity has an unknown field, a field of the wrong type, misses a required field, has an
    id that is not lower-case ASCII (`^[a-z0-9][a-z0-9-]{0,62}$`), an unknown IANA time zone, a
    bad duration, or an unknown `kind`. The finding points at the field's own line.

    Rationale: strict schemas catch typos (`ownr:`) that would otherwise silently drop data.

    Fails:
        kind: Person
        id: Alice
        name: Alice
        email: alice@example.com
        timezone: Europe/Berlim
    Passes:
        kind: Person
        id: alice
        name: Alice
        email: alice@example.com
        timezone: Europe/Berlin
    """, "schema")

document("SCH004", "error", "duplicate id", """
    Two entities of one kind share an id (two Settings documents count too). Both places are
    reported.

    Fails:
        - {kind: Team, id: payments, name: Payments, members: [alice]}
        - {kind: Team, id: payments, name: Payments EU, members: [bob]}
    Passes:
        - {kind: Team, id: payments, name: Payments, members: [alice]}
        - {kind: Team, id: payments-eu, name: Payments EU, members: [bob]}
    """, "schema")

document("SCH006", "error", "anchors, aliases, merge keys or tags", """
    YAML anchors (`&a`), aliases (`*a`), merge keys (`<<`) and tags (`!!str`, `!custom`) are
    refused before anything is expanded.

    Rationale: a reviewer must see every value literally in the diff; aliases also allow
    "billion laughs" documents that expand to gigabytes.

    Fails:
        defaults: &d {timezone: Europe/Berlin}
        person: *d
    Passes:
        kind: Person
        id: alice
        timezone: Europe/Berlin
    """, "schema")

document("SCH007", "error", "file cannot be read", """
    A file that cannot be read safely: not UTF-8, larger than the size limit (2 MiB a file, 64
    MiB in all), nested deeper than 64 levels, beyond 500,000 entities or 5,000,000 YAML values
    in the repository, a link that leaves the repository or loops, not a regular file (a FIFO, a
    device), or a file the operating system refuses to read.

    Fails:
        ownership/people.yaml -> /etc/passwd   (a symbolic link out of the repository)
    Passes:
        ownership/people.yaml                  (a regular UTF-8 file inside the repository)
    """, "schema")


class _Hints:
    """' (did you mean X?)' for a missing id: a swapped pair of letters, else difflib's closest id of the
    kind, searched once per distinct missing id (a memo) through one index of the kind's ids
    (validator/closest.py, a memo too: the language server keeps both while the kind's ids stay the same)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def __call__(self, kind: str, ident: str) -> str:
        ctx = self._ctx

        def build() -> str:
            close = ctx.memo(("schema.index", kind), lambda: Index(ctx.memo(
                ("schema.ids", kind), lambda: frozenset(ctx.org.collection(kind))))).suggest(ident)
            return f" (did you mean {close}?)" if close else ""

        return ctx.memo(("schema.hint", kind, ident), build)


def _missing(ctx: Context, kind: str, ident: str) -> bool:
    return not ctx.org.exists(kind, ident)


def _known(ctx: Context, kind: str) -> set[str]:
    """The ids `ctx.org.exists` accepts for a kind, as one set (built once per kind and run)."""
    def build() -> set[str]:
        known = set(ctx.org.collection(kind))
        known.update(ctx.org.broken.get(kind, ()))  # (in place: `union` would copy the set once more)
        return known

    return ctx.memo(f"schema.known.{kind}", build)


def _ref_issue(hints: _Hints, entity: str, field: tuple, what: str, kind: str, ident: str) -> Issue:
    return Issue(entity, f"{entity} {what} '{ident}' is not a known {kind}{hints(kind, ident)}: "
                 f"fix the id or add the {kind}", field, subject=f"{_field_name(field)}={ident}")


def _field_name(field: tuple) -> str:
    """The referencing field as a path, without the index of the item in a list of ids (members.2 is members):
    reordering a list keeps a finding's subject."""
    parts = list(field)
    if parts and isinstance(parts[-1], int):
        parts.pop()
    return ".".join(str(part) for part in parts)


def _check_ids(ctx: Context, hints: _Hints, entity: str, field: tuple, what: str, kind: str, ids) -> Iterator[Issue]:
    known = _known(ctx, kind)
    for i, ident in enumerate(ids):
        if ident not in known:
            yield _ref_issue(hints, entity, (*field, i), what, kind, ident)


_REF_KINDS = {"team": "Team", "person": "Person", "rotation": "Rotation", "service": "Service",
              "escalation": "Escalation", "role": "Role", "grant": "Grant"}


def _known_refs(ctx: Context) -> set[str]:
    """'person:ID', 'team:ID' and 'rotation:ID' of every known id: the refs a grantee or target may use."""
    def build() -> set[str]:
        refs: set[str] = set()
        for prefix in ("person", "team", "rotation"):  # (the strings made in C: a third of a comprehension's time)
            refs.update(map(f"{prefix}:".__add__, _known(ctx, _REF_KINDS[prefix])))
        return refs

    return ctx.memo("schema.known_refs", build)


def _check_refs(ctx: Context, hints: _Hints, entity: str, field: tuple, what: str, refs) -> Iterator[Issue]:
    for i, ref in enumerate(refs):
        prefix, ident = split_ref(ref)
        kind = _REF_KINDS[prefix]
        if ident not in _known(ctx, kind):
            yield _ref_issue(hints, entity, (*field, i), what, kind, ident)


@rule("SCH005", "error", "reference to an entity that does not exist")
def dangling_reference(ctx: Context) -> Iterator[Issue]:
    """
    A reference (team member, owner, escalation target, grant principal, approver, waiver
    entity, ...) names an entity that does not exist. The closest existing id is suggested.

    Rationale: a typo in a member list silently removes a person from the rotation.

    Fails:
        kind: Service
        id: checkout-api
        owner: paymnets
        tier: 3
    Passes:
        kind: Service
        id: checkout-api
        owner: payments
        tier: 3
    """
    hints = _Hints(ctx)
    people, teams, services = _known(ctx, "Person"), _known(ctx, "Team"), _known(ctx, "Service")
    for team in ctx.each("Team"):
        if not people.issuperset(team.members):
            yield from _check_ids(ctx, hints, team.ref, ("members",), "member", "Person", team.members)
        if team.parent and team.parent not in teams:
            yield _ref_issue(hints, team.ref, ("parent",), "parent", "Team", team.parent)
    escalations = _known(ctx, "Escalation")
    for service in ctx.each("Service"):
        if service.owner not in teams:
            yield _ref_issue(hints, service.ref, ("owner",), "owner", "Team", service.owner)
        if service.escalation and service.escalation not in escalations:
            yield _ref_issue(hints, service.ref, ("escalation",), "escalation", "Escalation", service.escalation)
        if not services.issuperset(service.depends_on):
            yield from _check_ids(ctx, hints, service.ref, ("depends_on",), "dependency", "Service", service.depends_on)
    for rotation in ctx.each("Rotation"):
        ref = rotation.ref
        for i, layer in enumerate(rotation.layers):
            if not people.issuperset(layer.members):
                yield from _check_ids(ctx, hints, ref, ("layers", i, "members"), "member", "Person", layer.members)
        for i, override in enumerate(rotation.overrides):
            if override.person not in people:
                yield _ref_issue(hints, ref, ("overrides", i, "person"), "override person", "Person",
                                 override.person)
    refs = _known_refs(ctx)
    for escalation in ctx.each("Escalation"):
        for i, level in enumerate(escalation.levels):
            if not refs.issuperset(level.targets):
                yield from _check_refs(ctx, hints, escalation.ref, ("levels", i, "targets"), "target", level.targets)
    for absence in ctx.each("Absence"):
        if absence.person not in people:
            yield _ref_issue(hints, absence.ref, ("person",), "person", "Person", absence.person)
    for role in ctx.each("Role"):
        if role.service and role.service not in services:
            yield _ref_issue(hints, role.ref, ("service",), "service", "Service", role.service)
    roles = _known(ctx, "Role")
    for grant in ctx.each("Grant"):
        if grant.role not in roles:
            yield _ref_issue(hints, grant.ref, ("role",), "role", "Role", grant.role)
        if not refs.issuperset(grant.to):
            yield from _check_refs(ctx, hints, grant.ref, ("to",), "grantee", grant.to)
        if not people.issuperset(grant.approved_by):
            yield from _check_ids(ctx, hints, grant.ref, ("approved_by",), "approver", "Person", grant.approved_by)
    yield from _settings_refs(ctx, hints)


def _settings_refs(ctx: Context, hints: _Hints) -> Iterator[Issue]:
    settings = ctx.settings
    if not ctx.org.settings_declared:
        return
    if "approvers" in settings.model_fields_set:
        approvers = settings.approver_refs
        field = ("approvers",) if isinstance(settings.approvers, str) else ("approvers", 0)
        for ref in approvers:
            prefix, ident = split_ref(ref)
            kind = _REF_KINDS[prefix]
            if _missing(ctx, kind, ident):
                yield _ref_issue(hints, "settings", field, "approvers", kind, ident)
    for i, waiver in enumerate(settings.waivers):
        if _missing(ctx, "Person", waiver.approved_by):
            yield _ref_issue(hints, "settings", ("waivers", i, "approved_by"), "waiver approver", "Person",
                             waiver.approved_by)
        prefix, _, ident = waiver.entity.partition(":")
        kind = _REF_KINDS.get(prefix)
        if kind is not None and _missing(ctx, kind, ident):
            yield _ref_issue(hints, "settings", ("waivers", i, "entity"), "waiver entity", kind, ident)
        elif kind is None and prefix not in ("file", "absence", "settings"):
            yield Issue("settings", f"waiver entity '{waiver.entity}' is not of the form kind:id "
                        "(service:checkout-api, team:payments, ...): fix it", ("waivers", i, "entity"),
                        subject=f"waivers.entity={waiver.entity}")
