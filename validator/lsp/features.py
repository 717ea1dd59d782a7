"""What the editor asks about a place in a file: which entity an id there names, what it is (hover),
where it is defined and referenced, and what may be typed there (completion).

Plain functions over a `Workspace` and a document's text; positions are 0-based (LSP)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from validator.lsp.workspace import COLLECTION_OF, KIND_OF_PREFIX, Workspace
from validator.model.kinds import KINDS

# which kind of entity a field refers to (prefixed values, `team:x`, name their kind themselves)
FIELD_KIND = {
    "owner": "Team", "parent": "Team", "members": "Person", "leads": "Person", "person": "Person",
    "approved_by": "Person", "escalation": "Escalation", "depends_on": "Service", "service": "Service",
    "operates": "Service", "role": "Role",
}
PREFIXED = {"targets": ("rotation", "person"), "to": ("team", "person"), "approvers": ("team", "person"),
            "entity": tuple(KIND_OF_PREFIX)}
KIND_FIELDS = {kind: [getattr(info, "alias", None) or name for name, info in model.__pydantic_fields__.items()]
               for kind, model in KINDS.items()}
TOKEN = re.compile(r"[A-Za-z][A-Za-z_]*:[a-z0-9][a-z0-9-]*|[A-Za-z0-9][A-Za-z0-9_-]*")
KEY_BEFORE = re.compile(r"([A-Za-z_]+):\s*(?:\[[^\[\]{}]*)?$")
BLOCK_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_]+):\s*(?:#.*)?$")
RULE_ID = re.compile(r"^[A-Z]{3}\d{3}$")


@dataclass(frozen=True)
class Target:
    """What the cursor is on: an entity (kind, id), a rule id, or a kind name; `start`/`end`: its columns."""

    what: str  # "entity" | "rule" | "kind"
    kind: str
    ident: str
    field: str
    start: int
    end: int


def _line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def field_at(text: str, line: int, column: int) -> str | None:
    """The mapping key whose value holds the cursor: on the same line (`owner: x`, `members: [a, b`,
    `{kind: Team, id: x`) or, for an item of a block list, the nearest key above it with less indentation."""
    here = _line(text, line)[:column]
    match = KEY_BEFORE.search(here)
    if match:
        return match.group(1)
    stripped = here.lstrip()
    if not stripped.startswith("-"):
        return None
    indent = len(here) - len(stripped)
    lines = text.split("\n")
    for above in range(line - 1, max(-1, line - 200), -1):
        candidate = lines[above]
        if not candidate.strip() or candidate.lstrip().startswith("#"):
            continue
        found = BLOCK_KEY.match(candidate)
        if found and len(found.group(1)) <= indent:
            return found.group(2)
        if len(candidate) - len(candidate.lstrip()) < indent:
            return None
    return None


def _kind_of_entity_at(ws: Workspace, path: str, line: int) -> str | None:
    best = None
    for record in ws.records_in(path):
        if record.ref is None or record.source.line - 1 > line:
            continue
        if best is None or record.source.line >= best.source.line:
            best = record
    if best is None or best.entity is None:
        return None
    return getattr(best.entity, "kind", None)


def target_at(ws: Workspace, path: str, text: str, line: int, column: int) -> Target | None:
    here = _line(text, line)
    for match in TOKEN.finditer(here):
        if match.start() <= column <= match.end():
            break
    else:
        return None
    token = match.group()
    key = field_at(text, line, match.start())
    if key is None:
        return None
    if RULE_ID.match(token) and key in ("rule", "severity"):
        return Target("rule", "", token, key, match.start(), match.end())
    if ":" in token:
        prefix, ident = token.split(":", 1)
        kind = KIND_OF_PREFIX.get(prefix)
        return Target("entity", kind, ident, key, match.start(), match.end()) if kind else None
    if key == "kind" and token in KINDS:
        return Target("kind", token, token, key, match.start(), match.end())
    if key == "id":
        kind = _kind_of_entity_at(ws, path, line)
        return Target("entity", kind, token, key, match.start(), match.end()) if kind in COLLECTION_OF else None
    kind = FIELD_KIND.get(key)
    if kind == "Person" and key == "person" and _kind_of_entity_at(ws, path, line) is None:
        return None
    if kind is None:
        return None
    return Target("entity", kind, token, key, match.start(), match.end())


# --- definition and references ------------------------------------------------------------------
def definition(ws: Workspace, target: Target) -> tuple[str, int, int] | None:
    """(path, line, column), 0-based, of the entity's definition."""
    if target.what != "entity":
        return None
    source = ws.org.sources.get(f"{target.kind.lower()}:{target.ident}")
    if source is None:
        return None
    line, column = source.position(("id",)) if target.kind in COLLECTION_OF else source.position()
    return source.path, line - 1, max(column - 1, 0)


def references(ws: Workspace, target: Target, include_declaration: bool = True) -> list[tuple[str, int, int, int]]:
    """Every place (path, line, start, end; 0-based) whose id names the same entity."""
    if target.what != "entity":
        return []
    needle = target.ident.encode()
    out = []
    word = re.compile(r"(?<![A-Za-z0-9_-])" + re.escape(target.ident) + r"(?![A-Za-z0-9_-])")
    for path, state in ws.files.items():
        data = state.data
        if data is None or needle not in data:
            continue
        text = data.decode("utf-8", "replace")
        for number, line in enumerate(text.split("\n")):
            if target.ident not in line:
                continue
            for match in word.finditer(line):
                found = target_at(ws, path, text, number, match.start())
                if found is None or found.what != "entity" or (found.kind, found.ident) != (target.kind, target.ident):
                    continue
                if found.field == "id" and not include_declaration:
                    continue
                out.append((path, number, match.start(), match.end()))
    return out


# --- hover -------------------------------------------------------------------------------------
def hover(ws: Workspace, target: Target) -> str | None:
    """Markdown describing what the id names."""
    try:
        if target.what == "rule":
            rule = ws.rules.get(target.ident)
            return f"**{rule.id}** ({rule.severity}): {rule.title}\n\n{rule.doc}" if rule else None
        if target.what == "kind":
            return f"**{target.kind}**: fields " + ", ".join(f"`{f}`" for f in KIND_FIELDS[target.kind])
        collection = getattr(ws.org, COLLECTION_OF.get(target.kind, ""), None)
        entity = dict.get(collection, target.ident) if collection is not None else None
        if entity is None:
            return f"**{target.kind.lower()}:{target.ident}**: not defined in this repository"
        describe = {"Rotation": _rotation, "Person": _person, "Role": _role, "Team": _team,
                    "Service": _service, "Escalation": _escalation}.get(target.kind)
        title = f"**{target.kind.lower()}:{target.ident}**"
        name = getattr(entity, "name", None)
        head = f"{title} — {_plain(name)}" if name else title
        return head + ("\n\n" + describe(ws, entity) if describe else "")
    except Exception as err:  # a hover must never take the server down
        return f"(no details: {type(err).__name__})"


def _plain(value: object) -> str:
    return re.sub(r"[`*_\[\]<>\\]", "", str(value))


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _rotation(ws: Workspace, rotation) -> str:
    from validator.oncall.engine import as_epoch, timeline

    now = as_epoch(ws.now)
    line = timeline(rotation, now, now + int(timedelta(days=35).total_seconds()))
    who = line.who(now)
    lines = [f"On call now ({_when(now)}): **{who or 'nobody'}**"]
    for start, _end, person in line.segments:
        if start > now and person != who:
            lines.append(f"Next hand-off: {_when(start)} to **{person}**")
            break
    else:
        lines.append("Next hand-off: none in the next 5 weeks")
    lines.append(f"Time zone: {rotation.timezone}; members: {', '.join(rotation.members)}")
    return "\n\n".join(lines)


def _person(ws: Workspace, person) -> str:
    from validator.graph.access import effective_access

    org = ws.org
    teams = sorted(t.id for t in dict.values(org.teams) if person.id in t.members)
    rotations = sorted(r.id for r in dict.values(org.rotations) if person.id in r.members)
    reach = [r for r in effective_access(org, ws.now) if r.person == person.id]
    lines = [f"{_plain(person.email)} · {person.timezone}" + ("" if person.active else " · **inactive**"),
             "Teams: " + (", ".join(teams) or "none"),
             "Rotations: " + (", ".join(rotations) or "none")]
    if reach:
        lines.append("Effective access:\n" + "\n".join(f"- `{r.role}` ({r.environment}) via {' → '.join(r.via)}"
                                                       for r in reach[:30]))
    else:
        lines.append("Effective access: none")
    return "\n\n".join(lines)


def _role(ws: Workspace, role) -> str:
    from validator.graph.access import AccessModel, effective_access, role_risks

    org = ws.org
    holders = sorted({r.person for r in effective_access(org, ws.now) if r.role == role.id})
    risks = role_risks(org, role.id, AccessModel(org))
    return "\n\n".join([f"{role.environment} · account {role.account}" + (" · break-glass" if role.break_glass else ""),
                        "Risk: " + (", ".join(risks) or "none"),
                        "Holders: " + (", ".join(holders) or "nobody")])


def _team(ws: Workspace, team) -> str:
    owned = sorted(s.id for s in dict.values(ws.org.services) if s.owner == team.id)
    return "\n\n".join(["Members: " + (", ".join(team.members) or "none"),
                        "Leads: " + (", ".join(team.leads) or "none"),
                        "Owns: " + (", ".join(owned) or "no service")])


def _escalation(ws: Workspace, escalation) -> str:
    lines = []
    for number, level in enumerate(escalation.levels, 1):
        delay = getattr(level.after, "text", level.after)
        after = f" (escalates after {delay})" if level.after else ""
        lines.append(f"{number}. " + ", ".join(level.targets) + after)
    users = sorted(s.id for s in dict.values(ws.org.services) if s.escalation == escalation.id)
    return "\n".join(lines) + f"\n\nrepeats {escalation.repeat} time(s) · used by: {', '.join(users) or 'no service'}"


def _service(ws: Workspace, service) -> str:
    escalation = service.escalation or "none"
    return f"tier {service.tier} · owner `{service.owner}` · escalation `{escalation}` · {service.lifecycle}"


# --- completion ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Completion:
    label: str
    detail: str
    kind: str  # "id" | "kind" | "field"


MAX_ITEMS = 200


def completions(ws: Workspace, path: str, text: str, line: int, column: int) -> list[Completion]:
    here = _line(text, line)[:column]
    typed_match = re.search(r"[A-Za-z0-9_:-]*$", here)
    typed = typed_match.group() if typed_match else ""
    before = here[: len(here) - len(typed)]
    key = field_at(text, line, len(before))
    if key == "kind":
        return [Completion(k, "kind", "kind") for k in KINDS if k.startswith(typed)]
    if key in FIELD_KIND or key in PREFIXED:
        return _ids(ws, key, typed)
    # a field name: at the start of a line (or after `- `/`{`/`, `), where no value has begun
    if re.fullmatch(r"\s*(-\s+)?", before) or re.search(r"[{,]\s*$", before):
        kind = _kind_of_entity_at(ws, path, line) or _kind_from_text(text, line)
        if kind:
            return [Completion(f, f"{kind} field", "field") for f in KIND_FIELDS[kind] if f.startswith(typed)]
    return []


def _kind_from_text(text: str, line: int) -> str | None:
    for above in range(line, max(-1, line - 60), -1):
        found = re.search(r"\bkind:\s*([A-Za-z]+)", _line(text, above))
        if found and found.group(1) in KINDS:
            return found.group(1)
    return None


def _ids(ws: Workspace, key: str, typed: str) -> list[Completion]:
    out: list[Completion] = []
    if key in PREFIXED:
        for prefix in PREFIXED[key]:
            kind = KIND_OF_PREFIX[prefix]
            if kind not in COLLECTION_OF:
                continue
            typed_prefix, _, rest = typed.partition(":")
            if (_ and typed_prefix != prefix) or (not _ and not prefix.startswith(typed_prefix)):
                continue
            for ident in sorted(dict.keys(getattr(ws.org, COLLECTION_OF[kind]))):
                if ident.startswith(rest):
                    out.append(Completion(f"{prefix}:{ident}", kind, "id"))
                    if len(out) >= MAX_ITEMS:
                        return out
        return out
    kind = FIELD_KIND[key]
    for ident in sorted(dict.keys(getattr(ws.org, COLLECTION_OF[kind]))):
        if ident.startswith(typed):
            out.append(Completion(ident, kind, "id"))
            if len(out) >= MAX_ITEMS:
                break
    return out
