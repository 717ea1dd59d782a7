"""Property tests for the loader: what PyYAML writes, we read back exactly, with positions."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.yaml_strategies import dumpable_mappings as mappings
from tests.yaml_strategies import same
from validator.load.reference import parse, resolve_plain

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


@FAST
@given(mappings, st.booleans())
def test_round_trip_of_safe_dump(data: dict, flow: bool):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    result = parse(text)
    assert result.problems == []
    assert len(result.documents) == 1
    assert same(result.documents[0].value, data)


@FAST
@given(mappings)
def test_every_node_has_a_position_inside_the_text(data: dict):
    text = yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=False)
    document = parse(text).documents[0]
    line_count = text.count("\n") + 1
    for path in _paths(data):
        line, column = document.positions[path]
        assert 1 <= line <= line_count and column >= 1


@FAST
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "kind", "id"]), st.integers(0, 9), min_size=1, max_size=5),
       st.sampled_from(["a", "b", "c", "kind", "id"]))
def test_a_repeated_key_is_always_sch002_on_its_own_line(data: dict, repeated: str):
    lines = [f"{k}: {v}" for k, v in data.items()] + [f"{repeated}: 1"]
    result = parse("\n".join(lines) + "\n")
    duplicates = [p for p in result.problems if p.rule == "SCH002"]
    if repeated in data:
        assert [p.line for p in duplicates] == [len(lines)]
        assert result.documents[0].value[repeated] == data[repeated]
    else:
        assert duplicates == []


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str):
    result = parse(text)
    for problem in result.problems:
        assert problem.rule in {"SCH001", "SCH002", "SCH003", "SCH006", "SCH007"}
        assert problem.line >= 1


@FAST
@given(st.from_regex(r"\A[-+]?(0|[1-9][0-9]{0,19})\Z"))
def test_plain_integers_resolve_to_int(text: str):
    assert resolve_plain(text) == int(text)


@FAST
@given(st.from_regex(r"\A0[0-9]{1,10}\Z"))
def test_leading_zero_numbers_stay_text(text: str):
    assert resolve_plain(text) == text
