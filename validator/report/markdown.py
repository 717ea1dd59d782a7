"""Markdown for pull-request comments and job summaries, safe against the text users write.

Every value printed through a template goes through `inline()` (the Jinja `finalize` hook): it can
never @-mention anyone, create a link, an issue reference or HTML, or break a table.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from validator.findings import Finding, shown

MARKER = "<!-- dutyguard-diff -->"
ZWJ = "\u200d"  # a zero-width joiner breaks @mentions, #references and URLs without changing what one reads
MAX_ROWS = 100  # per table in a PR comment
MAX_COMMENT = 60_000  # GitHub refuses comments over 65,536 characters
MAX_SUMMARY_ROWS = 1_000

MAX_CELL = 300  # characters of one value in a table cell; the JSON has all of it
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_URLISH = re.compile(r"(://|www\.|gh-(?=\d))", re.IGNORECASE)


class Raw(str):
    """Markdown dutyguard wrote itself (never user text): printed as is by the templates."""


def inline(value: Any) -> str:
    """Any value as inert, single-line Markdown text (lists are joined with ', ')."""
    if isinstance(value, Raw):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)) and not any(isinstance(v, dict) for v in value):
        if any(isinstance(v, (list, tuple)) for v in value):  # escalation levels: in order
            return " → ".join(f"{i}: {inline(v)}" for i, v in enumerate(value, 1))
        return ", ".join(inline(v) for v in value) if value else "—"
    if isinstance(value, (dict, list, tuple)):
        value = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    text = str(value)
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "…"
    text = shown(text)  # invisible and direction-changing characters shown escaped (\u202e), never raw
    text = _URLISH.sub(lambda m: m.group(1)[0] + ZWJ + m.group(1)[1:], text)  # no autolinks
    text = text.replace("@", "@" + ZWJ)  # no @mentions, no e-mail autolinks
    text = _PUNCT.sub(r"\\\1", text)  # no emphasis, code, links, tables cells breaking
    text = html.escape(text, quote=False)  # no HTML, no entities
    return text.replace("#", "#" + ZWJ) if "#" in text else text


def findings_table(findings: Iterable[Finding], limit: int = MAX_SUMMARY_ROWS,
                   path_of=lambda f: f.path) -> str:
    """A Markdown table of findings (worst first as given), cut at `limit` rows with a note."""
    rows = list(findings)
    lines = ["| Severity | Rule | File | Line | Entity | Message |", "|---|---|---|---:|---|---|"]
    for f in rows[:limit]:
        lines.append(f"| {inline(f.severity)} | {inline(f.rule)} | {inline(path_of(f) or '(repository)')} | "
                     f"{f.line} | {inline(f.entity)} | {inline(f.message)} |")
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more: run `dutyguard validate` for all of them.")
    return "\n".join(lines) + "\n"


# --- the diff comment -------------------------------------------------------------------------------

JSON_HINT = ("the complete diff is the JSON artifact of this workflow run "
             "(or run `dutyguard diff --format json`)")
# the fields that say who a person is to PagerDuty and AWS IAM Identity Center (matched by email)
IDENTITY_FIELDS = ("email", "pagerduty_id", "name", "active", "exists", "valid")
# per kind, the attributes shown for a new or removed entity
KEY_FIELDS = {
    "service": ("owner", "tier", "escalation", "lifecycle", "depends_on", "paths"),
    "team": ("name", "members", "leads", "parent"),
    "person": ("name", "email", "timezone", "active"),
    "rotation": ("timezone", "layers", "overrides"),
    "escalation": ("repeat", "levels"),
    "role": ("environment", "account", "service", "session", "break_glass", "managed_policies"),
    "grant": ("role", "to", "expires", "approved_by", "reason", "ticket"),
    "absence": ("person", "from", "to"),
}
PAGING_KINDS = ("escalation:", "rotation:")


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _verb(n: int, singular: str, plural: str) -> str:
    return singular if n == 1 else plural


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def headline(diff: dict) -> str:
    """One sentence about effective access, e.g. '2 people gain production access, 1 of them
    permissions-management'."""
    added, removed = diff["access"]["added"], diff["access"]["removed"]
    parts = []
    prod = {a["person"] for a in added if "production" in a["risk"]}
    if prod:
        text = f"{_people(len(prod))} {_verb(len(prod), 'gains', 'gain')} production access"
        for flag in ("permissions-management", "privilege-escalation", "break-glass"):
            who = {a["person"] for a in added if "production" in a["risk"] and flag in a["risk"]}
            if who:
                text += f", {len(who)} of them {flag}" if len(prod) > 1 else f", including {flag}"
        parts.append(text)
    other = {a["person"] for a in added} - prod
    if other:
        more = " other" if prod else ""
        parts.append(f"{_people(len(other)).replace(' ', more + ' ', 1)} "
                     f"{_verb(len(other), 'gains', 'gain')} non-production access")
    lost = {r["person"] for r in removed}
    if lost:
        parts.append(f"{_people(len(lost))} {_verb(len(lost), 'loses', 'lose')} access")
    changed = diff["access"].get("changed", [])
    gaining = {c["person"] for c in changed if c.get("gained")}
    if gaining:
        parts.append(f"{_people(len(gaining))} can newly do more through a role they hold")
    rest = [c for c in changed if not c.get("gained")]
    if rest:
        parts.append(f"{len(rest)} access {_verb(len(rest), 'path changes', 'paths change')} "
                     "risk, expiry or meaning")
    if not parts:
        parts.append("no change in effective access")
    return "; ".join(parts)


def _risks(entries: list[dict]) -> list[str]:
    from validator.diff_access import DANGER

    found = {r for e in entries for r in e.get("risk", ())}
    return [r for r in DANGER if r in found]


def _count(entries: list[dict]) -> int:
    return sum(e.get("count", 1) for e in entries)


def _role_summary(role: dict) -> str:
    parts = []
    if role["gained"]:
        risks = _risks(role["gained"])
        with_risks = f" with {', '.join(risks)}" if risks else ""
        parts.append(f"gains {_plural(_count(role['gained']), 'action')}{with_risks}")
    if role["lost"]:
        parts.append(f"loses {_plural(_count(role['lost']), 'action')}")
    for field in role["fields"]:
        if field["field"] == "exists":
            parts.append("new role" if field["after"] else "removed role")
        else:
            parts.append(f"{field['field']} {_short(field['before'])} → {_short(field['after'])}")
    return f"{role['role']} held by {_people(len(role['holders']))}: {'; '.join(parts) or 'changed'}"


def _short(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]" if len(value) <= 5 else f"[{len(value)} items]"
    return str(value)


def _listed(items: list[str], limit: int = 5, separator: str = ", ") -> str:
    shown = separator.join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def headlines(diff: dict) -> list[tuple[str, str]]:
    """(kind, sentence): one line per kind of change present, the most dangerous first."""
    out: list[tuple[str, str]] = []
    new_errors = [f for f in diff["findings"]["new"] if f["severity"] == "error"]
    new_errors += [f for f in diff["findings"].get("changed", [])
                   if f["severity"] == "error" and f["before"]["severity"] != "error"]
    if new_errors:
        out.append(("New errors", f"{_plural(len(new_errors), 'new error')}: "
                    + _listed([f"{f['rule']} {f['entity']}" for f in new_errors])))
    access = headline(diff)
    if access != "no change in effective access":
        out.append(("Access", access))
    roles = diff.get("roles", [])
    widened = [r for r in roles if r["gained"] or _wider_fields(r)]
    if widened:
        holders = {p for r in widened for p in r["holders"]}
        prefix = f"{_plural(len(widened), 'role')} held by {_people(len(holders))}: " if len(widened) > 1 else ""
        out.append(("Roles widened", prefix + _listed([_role_summary(r) for r in widened], 3, " · ")))
    other_roles = [r for r in roles if r not in widened]
    if other_roles:
        out.append(("Roles changed", f"{_plural(len(other_roles), 'role')}: "
                    + _listed([_role_summary(r) for r in other_roles], 3, " · ")))
    identity = _identity_changes(diff)
    if identity:
        out.append(("Identity changes", _listed([_identity_text(c) for c in identity])))
    oncall = [o for o in diff.get("oncall", []) if "more" not in o]
    services = sorted({o["service"] for o in diff.get("oncall", [])})
    definitions = [c for c in diff.get("changes", []) if c["entity"].startswith(PAGING_KINDS)]
    if services or definitions:
        parts = []
        if services:
            windows = len(oncall) + sum(o["more"] for o in diff["oncall"] if "more" in o)
            parts.append(f"{_plural(len(services), 'service')} page other people in "
                         f"{_plural(windows, 'window')} of the horizon: {_listed(services)}")
        if definitions:
            parts.append(_listed([_change_text(c) for c in definitions], 3))
        out.append(("Paging changes", "; ".join(parts)))
    waived = [f for f in diff["findings"]["new"] if f["severity"] == "waived"]
    waived += [f for f in diff["findings"].get("changed", [])
               if f["severity"] == "waived" and f["before"]["severity"] != "waived"]
    if waived:
        out.append(("Newly waived", f"{_plural(len(waived), 'finding')} newly waived: "
                    + _listed([f"{f['rule']} {f['entity']}" for f in waived])))
    new_entities = [c for c in diff.get("changes", []) if c["field"] == "exists" and c["after"]]
    gone = [c for c in diff.get("changes", []) if c["field"] == "exists" and not c["after"]]
    if new_entities or gone:
        parts = []
        if new_entities:
            parts.append(f"{len(new_entities)} new: {_listed([c['entity'] for c in new_entities])}")
        if gone:
            parts.append(f"{len(gone)} removed: {_listed([c['entity'] for c in gone])}")
        out.append(("Entities", "; ".join(parts)))
    if diff["ownership"]:
        out.append(("Ownership", f"{_plural(len(diff['ownership']), 'change')} of owners, tiers, "
                    "escalations, team members or leads"))
    whole = {c["entity"] for c in new_entities + gone} | {f"role:{r['role']}" for r in roles}
    shown = {id(c) for c in identity + definitions}
    owned = {(o["entity"], o["field"]) for o in diff["ownership"]}
    other = [c for c in diff.get("changes", []) if c["entity"] not in whole and id(c) not in shown
             and (c["entity"], c["field"]) not in owned]
    if other:
        entities = sorted({c["entity"] for c in other})
        out.append(("Other changes", f"{_plural(len(other), 'value')} in "
                    f"{_plural(len(entities), 'entity', 'entities')}: "
                    + _listed([f"{c['entity']} {c['field']}" for c in other])))
    warnings = [f for f in diff["findings"]["new"] if f["severity"] == "warning"]
    fixed = diff["findings"]["fixed"]
    changed = [f for f in diff["findings"].get("changed", []) if f not in new_errors and f not in waived]
    if warnings or fixed or changed:
        parts = [text for n, text in ((len(warnings), _plural(len(warnings), "new warning")),
                                      (len(fixed), f"{len(fixed)} fixed"),
                                      (len(changed), f"{len(changed)} changed")) if n]
        out.append(("Findings", ", ".join(parts)))
    return out


def _wider_fields(role: dict) -> bool:
    """Attribute changes that give more: a new role, a longer session, break-glass, production, another
    account, more managed policies or operated services."""
    for field in role["fields"]:
        name, was, now = field["field"], field["before"], field["after"]
        if name == "exists" and now:
            return True
        if name in ("account", "service") and now is not None:
            return True
        if name == "session" and _seconds(now) > _seconds(was):
            return True
        if name == "break_glass" and now:
            return True
        if name == "environment" and now == "production":
            return True
        if name in ("managed_policies", "operates") and set(now or ()) - set(was or ()):
            return True
    return False


def _seconds(value: Any) -> int:
    from validator.model.types import _parse_duration

    try:
        return _parse_duration(value).seconds
    except (ValueError, TypeError, KeyError):
        return 0


def _identity_changes(diff: dict) -> list[dict]:
    return [c for c in diff.get("changes", [])
            if c["entity"].startswith("person:") and c["field"] in IDENTITY_FIELDS
            and not (c["field"] in ("name", "active") and (c["before"] is None or c["after"] is None))]


def _identity_text(change: dict) -> str:
    who = change["entity"].partition(":")[2]
    if change["field"] == "exists":
        return f"{who} {'added' if change['after'] else 'removed'}"
    return f"{who}'s {change['field']} {_short(change['before'])} → {_short(change['after'])}"


def _change_text(change: dict) -> str:
    """'escalation:x levels.0.after 15m → 25m'; values only where they are short."""
    text = f"{change['entity']} {change['field']}"
    values = (change["before"], change["after"])
    if all(not isinstance(v, (dict, list)) or (isinstance(v, list) and len(v) <= 5
                                               and not any(isinstance(i, (dict, list)) for i in v)) for v in values):
        text += f" {_short(values[0])} → {_short(values[1])}"
    return text


def _new_entities(diff: dict) -> list[dict]:
    """Added and removed entities with their key attributes, for one table per kind."""
    rows: dict[str, dict] = {}
    for change in diff.get("changes", []):
        entity = change["entity"]
        if change["field"] == "exists":
            rows[entity] = {"entity": entity, "kind": entity.partition(":")[0], "added": bool(change["after"]),
                            "fields": {}}
        elif entity in rows:
            rows[entity]["fields"][change["field"]] = change["after"] if rows[entity]["added"] else change["before"]
    tables = []
    for kind, fields in KEY_FIELDS.items():
        for added in (True, False):
            found = [r for r in rows.values() if r["kind"] == kind and r["added"] == added]
            if found:
                tables.append({"title": f"{'New' if added else 'Removed'} {kind}s", "columns": fields,
                               "rows": [(r["entity"].partition(":")[2], [r["fields"].get(f) for f in fields])
                                        for r in found]})
    return tables


def _entity_table(table: dict, limit: int) -> Raw:
    """A table of new or removed entities, every cell through `inline`."""
    lines = ["| Id | " + " | ".join(table["columns"]) + " |", "|---|" + "---|" * len(table["columns"])]
    for ident, values in table["rows"][:limit]:
        lines.append(f"| {inline(ident)} | " + " | ".join(inline(v) for v in values) + " |")
    return Raw("\n".join(lines) + "\n" + _more(table["rows"], limit))


def _more(rows: list, limit: int) -> Raw:
    return Raw(f"\n… and {len(rows) - limit} more: {JSON_HINT}.\n" if len(rows) > limit else "")


def _role_actions(roles: list[dict]) -> list[tuple[str, str, dict]]:
    """(role, gained or lost, entry), gained first, role by role."""
    return [(r["role"], how, entry) for r in roles for how in ("gained", "lost") for entry in r[how]]


def _paging_rows(diff: dict) -> list[dict]:
    rows = []
    for entry in diff.get("oncall", []):
        if "more" in entry:
            if entry["more"]:
                rows.append({"service": entry["service"], "more": entry["more"]})
            continue
        rows.append({**entry, "when": _window(entry["from"], entry["to"])})
    return rows


def _window(start: str, end: str) -> str:
    """'2026-12-02 10:00 – 14:00 UTC' (both ends in UTC)."""
    first, last = start[:16].replace("T", " "), end[:16].replace("T", " ")
    if last[:10] == first[:10]:
        last = last[11:]
    return f"{first} – {last} UTC"


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # Markdown, not HTML: instead of autoescape, `finalize` escapes every value for Markdown and HTML alike
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        finalize=inline, autoescape=False, undefined=StrictUndefined,  # noqa: S701
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _worst_first(findings: list[dict]) -> list[dict]:
    rank = {"error": 0, "warning": 1}
    return sorted(findings, key=lambda f: (rank.get(f["severity"], 2), f["path"], f["line"]))


def render_diff(diff: dict, base: str, head: str, max_rows: int = MAX_ROWS) -> str:
    """The pull-request comment for a diff (the JSON shape), starting with the sticky-comment marker."""
    findings = diff["findings"]
    changed_findings = findings.get("changed", [])
    errors = [f for f in findings["new"] if f["severity"] == "error"] + [
        f for f in changed_findings if f["severity"] == "error" and f["before"]["severity"] != "error"]
    roles = diff.get("roles", [])
    template = _environment().get_template("diff.md.j2")
    text = template.render(
        title=headline(diff), headlines=headlines(diff), base=base, head=head, limit=max_rows, json_hint=Raw(JSON_HINT),
        more=lambda rows: _more(rows, max_rows), entity_table=lambda table: _entity_table(table, max_rows),
        actions=_role_actions(roles),
        access=diff["access"], changed=diff["access"].get("changed", []), errors=_worst_first(errors),
        roles=roles, identity=_identity_changes(diff), paging=_paging_rows(diff), entities=_new_entities(diff),
        ownership=diff["ownership"], changes=diff.get("changes", []),
        other_findings={"New warnings and waived findings": _worst_first([f for f in findings["new"]
                                                                         if f["severity"] != "error"]),
                        "Fixed findings": _worst_first(findings["fixed"]),
                        "Changed findings": _worst_first([f for f in changed_findings if f not in errors])},
        count=_count)
    if len(text) > MAX_COMMENT:
        if max_rows > 5:
            return render_diff(diff, base, head, max_rows // 4)
        text = text[:MAX_COMMENT] + f"\n\n… cut: the change is too large for one comment; {JSON_HINT}.\n"
    return text
