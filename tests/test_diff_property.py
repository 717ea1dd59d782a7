"""Property: any edit of any field of any entity of the example organisation appears in `changes`.

The example organisation's entities (as the loader reads them) are written back as JSON (which is
YAML) into a temporary repository; hypothesis picks an entity, a field path inside it and an edit
(a changed scalar, a list reordered, shortened or lengthened), and the diff of the two validated
organisations must name that entity and that field (or a list or mapping that holds it; or, when the
edit makes the entity invalid, its `valid` entry).
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.diff_changes import structural_changes
from validator.engine import validate_repo
from validator.load import load_repo

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
IDENTITY = {"kind", "id"}
ABSENCE_IDENTITY = {"person", "from"}  # they name the absence: an edit makes another one


def _example() -> dict[str, list[dict]]:
    """{file: [entity, ...]} of the example organisation, as the loader reads it."""
    files: dict[str, list[dict]] = {}
    for raw in load_repo(ROOT).entities:
        files.setdefault(raw.source.path, []).append(raw.data)
    return files


FILES = _example()
ENTITIES = [(path, index) for path, items in sorted(FILES.items()) for index in range(len(items))]


def _write(root: Path, files: dict[str, list[dict]]) -> Path:
    for rel, items in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(items, indent=1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def before():
    with tempfile.TemporaryDirectory() as folder:
        yield validate_repo(_write(Path(folder), FILES), NOW)


def _ref(entity: dict) -> str:
    kind = entity.get("kind")
    if kind == "Settings":
        return "settings"
    if kind == "Absence":
        return f"absence:{entity['person']}/{entity['from']}"
    return f"{str(kind).lower()}:{entity['id']}"


def _paths(value, prefix: tuple = ()) -> list[tuple]:
    """Every field path inside an entity (mapping keys and list indexes), lists and scalars alike."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            if not prefix and key in IDENTITY:
                continue
            out.append((*prefix, key))
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((*prefix, index))
            out.extend(_paths(item, (*prefix, index)))
    return out


_DURATION = re.compile(r"^(\d+)([mhdw])$")
_CLOCK = re.compile(r"^(\d\d):(\d\d)$")
_DAY = re.compile(r"^(\d{4}-\d\d-)(\d\d)")


def _edited_scalar(value, choice: int):
    """Another value of the same kind: mostly a valid one (a duration, a time, a date that moves), else
    text that no longer fits (which the diff must show as well)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + (1 if choice % 2 else -1)
    if isinstance(value, float):
        return round(value + 0.01, 4)
    text = str(value)
    if choice % 3 == 0:
        return text + "x"
    if m := _DURATION.match(text):
        return f"{int(m.group(1)) + 1}{m.group(2)}"
    if m := _CLOCK.match(text):
        return f"{(int(m.group(1)) + 1) % 24:02d}:{m.group(2)}"
    if m := _DAY.match(text):
        return f"{m.group(1)}{(int(m.group(2)) % 27) + 1:02d}{text[m.end():]}"
    return text + "-b"


def _edited_list(value: list, choice: int):
    if choice % 3 == 0 and len(value) > 1 and value != value[::-1]:
        return value[::-1]
    if choice % 3 == 1 and value:
        return value[:-1]
    return value + [copy.deepcopy(value[0])] if value else ["x"]


@st.composite
def edits(draw):
    path, index = draw(st.sampled_from(ENTITIES))
    entity = FILES[path][index]
    field = draw(st.sampled_from(_paths(entity)))
    choice = draw(st.integers(0, 5))
    return path, index, field, choice


def _get(value, path: tuple):
    for key in path:
        value = value[key]
    return value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(edit=edits())
def test_every_edit_of_a_field_appears_in_changes(before, edit):
    path, index, field, choice = edit
    files = copy.deepcopy(FILES)
    entity = files[path][index]
    parent, key = _get(entity, field[:-1]), field[-1]
    old = parent[key]
    new = _edited_list(old, choice) if isinstance(old, list) else (
        _edited_scalar(old, choice) if not isinstance(old, dict) else {**old, "zz": 1})
    if new == old:
        return
    ref = _ref(entity)
    parent[key] = new
    with tempfile.TemporaryDirectory() as folder:
        after = validate_repo(_write(Path(folder), files), NOW)
    changes, _ = structural_changes(before.org, after.org)
    dotted = ".".join(str(part) for part in field)
    names = [c for c in changes if c["entity"] == ref]
    if ref.startswith("absence:") and field[0] in ABSENCE_IDENTITY:
        assert {"entity": ref, "field": "exists", "before": True, "after": False} in changes, (ref, dotted)
        return
    assert any(c["field"] == dotted or dotted.startswith(c["field"] + ".") or c["field"].startswith(dotted + ".")
               or c["field"] in ("valid", "exists", "declared") for c in names), (ref, dotted, old, new, names)
