"""The fast load path agrees with the reference parser: same values, positions, node counts and findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import validator.load as load
from tests.yaml_strategies import documents, same
from validator.load import load_repo
from validator.load.fastpath import LazyPositions, parse_fast
from validator.load.yamltree import parse

ROOT = Path(__file__).resolve().parent.parent
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_agree(text: str) -> bool:
    """The fast path gives the reference result, or declines (None) exactly when it must. True if it parsed."""
    reference = parse(text)
    fast = parse_fast(text)
    if fast is None:
        return False
    assert reference.problems == [], "the fast path accepted a file the reference parser reports"
    assert fast.problems == []
    assert fast.nodes == reference.nodes
    assert len(fast.documents) == len(reference.documents)
    for got, want in zip(fast.documents, reference.documents, strict=True):
        assert got.index == want.index
        assert same(got.value, want.value)
        assert isinstance(got.positions, LazyPositions)
        assert got.positions.complete() == want.positions
    return True


@FAST
@given(documents, st.booleans(), st.integers(1, 3))
def test_fast_path_agrees_with_the_reference_on_dumped_yaml(data, flow: bool, copies: int):
    text = yaml.safe_dump_all([data] * copies, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    assert_agree(text)


@FAST
@given(st.text(alphabet="ab:-[]{}&*!<,#'\"\n ?|>0123", max_size=80))
def test_fast_path_agrees_on_arbitrary_yaml_like_text(text: str):
    assert_agree(text)


def _corpus() -> list[Path]:
    found = []
    for top in ("ownership", "policy", "tests/fixtures"):
        found += sorted((ROOT / top).rglob("*.y*ml"))
    return found


def test_fast_path_agrees_on_every_yaml_file_of_the_project():
    corpus = _corpus()
    assert len(corpus) > 50
    parsed = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        parsed += assert_agree(text)
    assert parsed > len(corpus) // 2  # the fast path really is the common path


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",                 # anchor and alias
    "a: !!str 1\n",                     # tag
    "<<: {a: 1}\nb: 2\n",               # merge key
    "a: 1\nb: 2\na: 3\n",               # duplicate key
    "a: [1, 2\n",                       # syntax error
    "? [a, b]\n: 1\n",                  # a list as a key
    "1: one\n",                         # a number as a key
    "null: x\n",                        # null as a key
    "a:\t\x07\n",                       # a control character
    "[" * 70 + "]" * 70 + "\n",         # deeper than MAX_DEPTH
])
def test_unusual_files_go_to_the_reference_parser(text: str):
    assert parse_fast(text) is None


def test_node_budget_goes_to_the_reference_parser():
    text = "a: [1, 2, 3]\n"  # six values: the mapping, its key, the list and its three items
    assert parse(text).nodes == 6
    assert parse_fast(text, max_nodes=5) is None
    assert parse_fast(text, max_nodes=6).nodes == 6


def test_deep_positions_are_computed_only_when_asked():
    text = "kind: Team\nid: x\nmembers:\n  - a\n  - b\n"
    document = parse_fast(text).documents[0]
    assert dict(document.positions) == {}  # nothing before a position is asked for
    assert document.positions.get(()) == (1, 1)
    assert dict(document.positions) == {(): (1, 1)}  # the entity's own position, from the text
    assert document.positions.get(("members", 1)) == (5, 5)
    assert document.positions[("members",)] == (3, 1)
    assert document.positions.get(("nope",)) is None


def test_repository_loads_identically_through_both_paths(monkeypatch):
    fast = load_repo(ROOT)
    monkeypatch.setattr(load, "parse_fast", lambda text, budget: None)
    reference = load_repo(ROOT)
    assert fast.findings == reference.findings
    assert fast.nodes == reference.nodes
    assert len(fast.entities) == len(reference.entities)
    for got, want in zip(fast.entities, reference.entities, strict=True):
        assert got.data == want.data
        assert (got.source.path, got.source.prefix) == (want.source.path, want.source.prefix)
        assert dict(got.source.positions.complete()) == want.source.positions
