"""Paging changes: over the horizon from --now, the windows in which a service's escalation level
pages other people than before.

The time engine (validator.oncall, read only) is evaluated on both sides, but only for the services
whose escalation, its rotations or the people in them changed; the two step functions are walked
together and equal neighbouring windows merged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.engine import Result

MAX_WINDOWS = 20  # per service; then one `{"service", "more": N}` entry (always present: N may be 0)


def affected_services(before: Result, after: Result, touched: dict[str, set[str]]) -> list[str]:
    """Services on both sides whose paging may differ: their escalation id changed, or that
    escalation, one of its rotations, or a person they name (existence, `active`) changed."""
    people = set(touched.get("people", ()))
    people = {p for p in people if _person_state(before, p) != _person_state(after, p)}
    rotations = set(touched.get("rotations", ()))
    escalations = set(touched.get("escalations", ()))
    for org in (before.org, after.org):
        if people:
            for rotation in org.rotations.values():
                named = {m for layer in rotation.layers for m in layer.members} | {o.person for o in rotation.overrides}
                if named & people:
                    rotations.add(rotation.id)
        for escalation in org.escalations.values():
            for level in escalation.levels:
                for target in level.targets:
                    kind, _, ident = target.partition(":")
                    if (kind == "rotation" and ident in rotations) or (kind == "person" and ident in people):
                        escalations.add(escalation.id)
    out = []
    for ident in sorted(before.org.services.keys() & after.org.services.keys()):
        old, new = before.org.services[ident].escalation, after.org.services[ident].escalation
        if old != new or old in escalations or new in escalations:
            out.append(ident)
    return out


def _person_state(result: Result, ident: str) -> bool | None:
    person = result.org.people.get(ident)
    return None if person is None else person.active


def paging_changes(before: Result, after: Result, touched: dict[str, set[str]],
                   limit: int = MAX_WINDOWS) -> list[dict]:
    from validator.rules.oncall_views import escalation_view, horizon

    (w0, end_before), (_, end_after) = horizon(before.context), horizon(after.context)
    w1 = min(end_before, end_after)
    out: list[dict] = []
    views: dict[tuple[int, str | None], list] = {}

    def steps(side: int, result: Result, escalation_id: str | None) -> list:
        key = (side, escalation_id)
        if key not in views:
            escalation = result.org.escalations.get(escalation_id) if escalation_id else None
            views[key] = escalation_view(result.context, escalation) if escalation is not None else [(w0, w1, ())]
        return views[key]

    for service in affected_services(before, after, touched):
        old_escalation, new_escalation = before.org.services[service].escalation, after.org.services[service].escalation
        if not (_known(before, old_escalation) and _known(after, new_escalation)):
            continue  # a rotation the engine cannot evaluate (its findings say why): never shown as "nobody"
        old = steps(0, before, old_escalation)
        new = steps(1, after, new_escalation)
        windows = _differences(old, new, w0, w1)
        if not windows:
            continue
        for level, start, end, was, now in windows[:limit]:
            out.append({"service": service, "level": level, "from": _iso(start), "to": _iso(end),
                        "before": was, "after": now})
        out.append({"service": service, "more": max(0, len(windows) - limit)})
    return out


def _known(result: Result, escalation_id: str | None) -> bool:
    """Whether every rotation the escalation names that exists has a timeline over the horizon."""
    from validator.rules.oncall_views import rotation_timeline

    escalation = result.org.escalations.get(escalation_id) if escalation_id else None
    if escalation is None:
        return True
    for level in escalation.levels:
        for target in level.targets:
            kind, _, ident = target.partition(":")
            if kind == "rotation" and ident in result.org.rotations \
                    and rotation_timeline(result.context, ident) is None:
                return False
    return True


def _differences(old: list, new: list, w0: int, w1: int) -> list[tuple]:
    """(level, from, to, before, after) where a level's people differ; merged; by time, then level.
    A level that does not exist on one side is None there; nobody paged is []."""
    cuts = sorted({w0, w1, *(s for s, _, _ in old), *(e for _, e, _ in old),
                   *(s for s, _, _ in new), *(e for _, e, _ in new)})
    cuts = [c for c in cuts if w0 <= c <= w1]
    i = j = 0
    open_windows: dict[int, list] = {}  # level -> [start, end, before, after]
    done: list[tuple] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        while i < len(old) and old[i][1] <= start:
            i += 1
        while j < len(new) and new[j][1] <= start:
            j += 1
        was_levels = old[i][2] if i < len(old) and old[i][0] <= start else ()
        now_levels = new[j][2] if j < len(new) and new[j][0] <= start else ()
        for level in range(max(len(was_levels), len(now_levels))):
            was = sorted(was_levels[level]) if level < len(was_levels) else None
            now = sorted(now_levels[level]) if level < len(now_levels) else None
            current = open_windows.get(level)
            if was == now:
                if current is not None:
                    done.append(_closed(level, current))
                    del open_windows[level]
                continue
            if current is not None and current[1] == start and current[2] == was and current[3] == now:
                current[1] = end
                continue
            if current is not None:
                done.append(_closed(level, current))
            open_windows[level] = [start, end, was, now]
        for level in [lv for lv in open_windows if lv >= max(len(was_levels), len(now_levels))]:
            done.append(_closed(level, open_windows.pop(level)))
    done.extend(_closed(level, window) for level, window in open_windows.items())
    done.sort(key=lambda w: (w[1], w[0]))
    return done


def _closed(level: int, window: list) -> tuple:
    return (level + 1, window[0], window[1], window[2], window[3])


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()
