"""The structural diff of a change: every value that differs in any entity, at field-path granularity.

Both sides are the *modelled* organisations (so comments, formatting, quoting, flow or block style,
the order of files, of entities and of mapping keys, and a default written out change nothing),
compared entity by entity (an equality test per entity; only the few that differ are walked). List
order is meaning (members, layers, levels, targets): a list of mappings of the same length is
compared item by item (`layers.0.restrictions`, `levels.1.after`), any other list that differs is
one change of the whole list (`members`, `overrides`, `paths`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from validator.model import Org

# kind prefix, Org collection: the order of `changes`
KINDS: tuple[tuple[str, str, str], ...] = (
    ("person", "people", "Person"), ("team", "teams", "Team"), ("service", "services", "Service"),
    ("rotation", "rotations", "Rotation"), ("escalation", "escalations", "Escalation"),
    ("role", "roles", "Role"), ("grant", "grants", "Grant"),
)
_SKIPPED = frozenset({"kind", "id"})  # named by the entity itself


def plain(value: Any) -> Any:
    """A modelled value as plain JSON data: mappings with the YAML field names (`from`, not `from_`),
    times in ISO 8601, durations as written (`15m`), fields without a value left out (a change to or
    from none shows as `null`); a user's own mapping (conditions, severity, tiers) with its keys
    sorted, since their order means nothing."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, BaseModel):
        return {_name(name, info.alias): plain(item) for name, info in type(value).model_fields.items()
                if (item := getattr(value, name)) is not None}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        if [f.name for f in fields] == ["amount", "unit"]:  # Duration
            return str(value)
        return {_name(f.name, None): plain(item) for f in fields if (item := getattr(value, f.name)) is not None}
    return str(value)


def _name(name: str, alias: str | None) -> str:
    return alias or (name[:-1] if name.endswith("_") else name)


def entity_fields(entity: Any) -> dict[str, Any]:
    """An entity's fields as plain data, without `kind` and `id`."""
    return {k: v for k, v in plain(entity).items() if k not in _SKIPPED}


def value_changes(path: str, before: Any, after: Any) -> Iterator[tuple[str, Any, Any]]:
    """(field path, before, after) for every difference between two plain values."""
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            yield from value_changes(f"{path}.{key}" if path else key, before.get(key), after.get(key))
        return
    if (isinstance(before, list) and isinstance(after, list) and before and len(before) == len(after)
            and all(isinstance(v, dict) for v in (*before, *after))):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from value_changes(f"{path}.{index}" if path else str(index), old, new)
        return
    yield path, before, after


def _shown(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _entity_entries(entity: str, old: Any, new: Any) -> list[dict]:
    """The entries of one entity present on at least one side."""
    if old is None or new is None:
        present = new if old is None else old
        out = [{"entity": entity, "field": "exists", "before": old is not None, "after": new is not None}]
        for name, value in entity_fields(present).items():
            if _shown(value):
                out.append({"entity": entity, "field": name, "before": None if old is None else value,
                            "after": value if old is None else None})
        return out
    return [{"entity": entity, "field": path, "before": was, "after": now}
            for path, was, now in value_changes("", entity_fields(old), entity_fields(new))]


def _failed(org: Org, prefix: str, ident: str) -> frozenset[str]:
    """The fields of an entity kept although they failed its kind (Org.partial): they read as a stand-in."""
    return org.partial.get(f"{prefix}:{ident}", frozenset())


INVALID = "(invalid: see its SCH003 finding)"


def _validity_entries(entity: str, failed_before: frozenset[str], failed_after: frozenset[str],
                      old: Any, new: Any) -> list[dict]:
    """A field that became invalid, or valid again: its stand-in value hides the edit, so it is said."""
    out = []
    before, after = entity_fields(old), entity_fields(new)
    for name in sorted(failed_before ^ failed_after):
        out.append({"entity": entity, "field": name,
                    "before": INVALID if name in failed_before else before.get(name),
                    "after": INVALID if name in failed_after else after.get(name)})
    return out


def _absences(org: Org) -> dict[str, Any]:
    """Absences by their reference (`absence:<person>/<from>`); a second one with the same reference
    gets `#2`, ... in repository order."""
    out: dict[str, Any] = {}
    for absence in org.absences:
        ref = absence.ref
        key, n = ref, 1
        while key in out:
            n += 1
            key = f"{ref}#{n}"
        out[key] = absence
    return out


def structural_changes(before: Org, after: Org,
                       same_files: set[str] | None = None) -> tuple[list[dict], dict[str, set[str]]]:
    """`changes` of the diff, and per collection the ids that differ in any way (added, removed,
    changed, or no longer/now valid), for the views that only need to look at those.

    `same_files`: paths with the same bytes on both sides. An entity read from such a file on both
    sides is the same entity (a kind's model depends on its own document only), so it is not compared."""
    out: list[dict] = []
    touched: dict[str, set[str]] = {}
    old_sources, new_sources = before.sources, after.sources
    for prefix, collection, kind in KINDS:
        old, new = getattr(before, collection), getattr(after, collection)
        ids = touched[collection] = set()
        for ident in old.keys() & new.keys():
            if same_files is not None:
                ref = prefix + ":" + ident
                was_at, now_at = old_sources.get(ref), new_sources.get(ref)
                if (was_at is not None and now_at is not None and was_at.path == now_at.path
                        and was_at.path in same_files):
                    continue
            if old[ident] != new[ident] or _failed(before, prefix, ident) != _failed(after, prefix, ident):
                ids.add(ident)
        ids.update(old.keys() ^ new.keys())
        for ident in sorted(ids):
            was, now = old.get(ident), new.get(ident)
            entity = f"{prefix}:{ident}"
            if was is None and ident in before.broken.get(kind, ()):
                out.append({"entity": entity, "field": "valid", "before": False, "after": True})
                continue
            if now is None and ident in after.broken.get(kind, ()):
                out.append({"entity": entity, "field": "valid", "before": True, "after": False})
                continue
            entries = _entity_entries(entity, was, now)
            failed_before, failed_after = _failed(before, prefix, ident), _failed(after, prefix, ident)
            if was is not None and now is not None and (failed_before or failed_after):
                # a failed field reads as its stand-in: say that it failed (or no longer does) instead
                failed = failed_before | failed_after
                entries = [e for e in entries if e["field"].split(".", 1)[0] not in failed]
                entries += _validity_entries(entity, failed_before, failed_after, was, now)
            out.extend(entries)
    old_abs, new_abs = _absences(before), _absences(after)
    ids = touched["absences"] = set()
    for ref in sorted(old_abs.keys() | new_abs.keys()):
        was, now = old_abs.get(ref), new_abs.get(ref)
        if was is not None and now is not None and was == now:
            continue
        ids.add(ref)
        out.extend(_entity_entries(ref, was, now))
    old_settings, new_settings = plain(before.settings), plain(after.settings)
    if before.settings_declared != after.settings_declared:  # written (and valid), or the defaults
        out.append({"entity": "settings", "field": "declared", "before": before.settings_declared,
                    "after": after.settings_declared})
    if old_settings != new_settings:
        touched["settings"] = {"settings"}
        for path, was, now in value_changes("", old_settings, new_settings):
            if path not in _SKIPPED:
                out.append({"entity": "settings", "field": path, "before": was, "after": now})
    return out, touched
