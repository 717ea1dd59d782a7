"""The fast tier (yaml-rs values, positions from libyaml when asked) agrees with the reference parser,
or declines.

Declining (None) is always safe: the file then goes to the reference parser. What must never
happen is a file the tier accepts with other values, other positions, another node count, or one
the reference parser reports.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import validator.load as load
from tests.yaml_strategies import documents, same
from validator.load import fast, load_repo, parse_text, reference
from validator.load.fast import Positions
from validator.load.reference import parse

pytestmark = pytest.mark.skipif(fast.yaml_rs is None, reason="yaml-rs is not installed")
_parse_rs = fast.parse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = 3000 if os.environ.get("DUTYGUARD_FUZZ") == "long" else 300  # `make fuzz` runs ten times as many
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_agree(text: str) -> bool:
    """The yaml-rs tier gives the reference result, or declines. True if it parsed."""
    fast = _parse_rs(text, 5_000_000)
    if fast is None:
        return False
    reference = parse(text)
    assert reference.problems == [], f"yaml-rs accepted a file the reference parser reports: {reference.problems}"
    assert fast.nodes == reference.nodes
    assert len(fast.documents) == len(reference.documents)
    for got, want in zip(fast.documents, reference.documents, strict=True):
        assert same(got.value, want.value)
        assert isinstance(got.positions, Positions)
        for path, position in want.positions.items():
            assert got.positions.get(path) == position, path
        assert got.positions.get(("no such key",)) is None
        assert got.positions.get((10**6,)) is None
    return True


@FAST
@given(documents, st.booleans(), st.integers(1, 3), st.booleans(), st.sampled_from([2, 4]))
def test_yaml_rs_agrees_on_dumped_yaml(data, flow: bool, copies: int, explicit_start: bool, indent: int):
    text = yaml.safe_dump_all([data] * copies, default_flow_style=flow, allow_unicode=True, sort_keys=False,
                              explicit_start=explicit_start, indent=indent)
    assert_agree(text)


@FAST
@given(st.text(alphabet="ab:-[]{}&*!<,#'\"\n ?|>0123456789_eExo.+~%@\t\r\\", max_size=80))
def test_yaml_rs_agrees_on_arbitrary_yaml_like_text(text: str):
    assert_agree(text)


TOKENS = ["a", "b", ":", " ", "\n", "- ", "  ", "# c", "[", "]", "{", "}", ", ", "---", "'x'", '"y"', '"k":', "&a ",
          "|", ">", ":0", "012", "1_0", "1e3", "0x1F", "0o7", "7", "1.5", ".inf", "null", "~", "true", "no", "12:30",
          "2026-01-05"]


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_yaml_rs_agrees_on_token_soup(tokens: list[str]):
    assert_agree("".join(tokens))


@pytest.mark.parametrize("value", ["012", "-012", "00", "07", "1_000", "1__0", "0X1F", "0x1F", "0O17", "0o17",
                                   "0b101", "1e3", "1E3", "12e-3", "0e0", "+0x1F", "1" * 45, "1.5e3"])
def test_numbers_yaml_rs_reads_differently_are_declined_or_agree(value: str):
    for text in (f"k: {value}\n", f"- {value}\n", f"k: [{value}, 1]\n", f"{{k: {value}}}\n"):
        parsed = _parse_rs(text, 5_000_000)
        assert parsed is None or same(parsed.documents[0].value, parse(text).documents[0].value)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",            # anchor and alias (yaml-rs would expand them)
    "a: !foo 1\n",                 # tag (yaml-rs would ignore it)
    "<<: {a: 1}\nb: 2\n",          # merge key
    "a: 1\nb: 2\na: 3\n",          # duplicate key
    "a: [1, 2\n",                  # syntax error
    "? a\n: 1\n",                  # complex key
    "{a: 1}: x\n",                 # a mapping as a key (yaml-rs raises TypeError)
    "- [a, b]: x\n",               # a list as a key
    "1: one\n",                    # a number as a key
    "null: x\n",                   # null as a key (the reference reads it as the text 'null')
    "~: x\n",
    ": x\n",                       # an empty key (the reference reports it)
    "true: x\n",
    "\ta: 1\n",                    # tab (libyaml refuses it here, yaml-rs does not)
    "a: x\u2028y\n",               # a line separator: a line break to libyaml
    "a: \"x\x85y\"\n",             # NEL
    "a: b\r\nc: d\r\n",            # CR line ends
    "a: \ufeffx\n",                # a BOM inside
    "a: 1\n...\n",                 # document end marker
    "%YAML 1.2\n---\na: 1\n",      # directive
    "--- {a: 1}\n",                # content on the document marker line
    "a: 012\n",                    # leading zero: text to us, 12 to yaml-rs
    "a: 1_000\n",
    "a: 1e3\n",
    "a: " + "9" * 45 + "\n",
    "a:\n" + " " * 24 + "b: 1\n",  # deep indentation
    "- - - x\n",                   # compact nested sequences
    "a: |\n",                      # an empty block scalar at the end: yaml-rs reads a line break
    "a: |\n  \n# c\n",
    "- |\n  x\n- >\n",
    "a: |\n  x",                   # no final line break: yaml-rs adds one
    "|\na",                        # a scalar document
    "a: " + "[" * 70 + "]" * 70 + "\n",  # nesting deeper than MAX_DEPTH (the reference reports it)
    # as deep, with brackets in quoted text that pair with the real ones (a count of the brackets says 1 level)
    "a: " + '[ "]", ' * 70 + "x" + ', "[" ]' * 70 + "\n",
    "- " + "{a: " * 35 + "x" + "}" * 35 + "\n- " + "b:\n  " * 1 + "[x]\n",
    "[:0]",                        # a plain scalar starting with ':' in brackets: yaml-rs reads it, libyaml does not
    "a: [ :0 ]\n",
    "{a: :b}\n",
    "\u00e4: [:0]\n",              # the same in a file that is not plain ASCII
    # a value right after a quoted key's colon: yaml-rs reads `012` as 12 and expands the anchor
    '{"a":012}\n',
    '{"a":&x 1, "b":*x}\n',
    "{'a':!!str 1}\n",
])
def test_unusual_files_are_declined(text: str):
    assert _parse_rs(text, 5_000_000) is None


@pytest.mark.parametrize("depth", [9, 40, 60])
def test_nesting_below_max_depth_agrees(depth: int):
    assert assert_agree("a: " + "[" * depth + "x" + "]" * depth + "\n")
    assert assert_agree("a: " + '[ "]", ' * depth + "x" + ', "[" ]' * depth + "\n")


def test_nesting_too_deep_for_the_reference_is_its_finding_through_load(tmp_path):
    # the fast tier once accepted this (its bracket count was fooled by the quoted brackets): no finding at all
    text = "a: " + '[ "]", ' * 70 + "x" + ', "[" ]' * 70 + "\n"
    (tmp_path / "ownership").mkdir()
    (tmp_path / "ownership" / "deep.yaml").write_text(text)
    assert [(f.rule, f.line, f.message) for f in load_repo(tmp_path).findings] == [
        ("SCH007", 1, "nesting deeper than 64 levels: flatten the document")]


def test_hostile_nesting_is_declined_before_yaml_rs_sees_it():
    # yaml-rs crashes (stack overflow) on tens of thousands of nested compact sequences
    assert _parse_rs("- " * 50_000 + "x\n", 5_000_000) is None
    assert _parse_rs("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 5_000)), 5_000_000) is None
    assert _parse_rs("[" * 100_000 + "]" * 100_000, 5_000_000) is None


def test_node_budget_is_declined():
    text = "a: [1, 2, 3]\n"  # six values
    assert _parse_rs(text, 5) is None
    assert _parse_rs(text, 6).nodes == 6


@pytest.mark.parametrize("text", [
    "- kind: Team\n  id: a\n- kind: Team\n  id: b\n",
    "# head\n\n- kind: Team\n  id: a\n# between\n-\n  kind: Team\n  id: b\n- # note\n  kind: Team\n",
    "  - kind: Team\n    id: a\n  - {kind: Team, id: b}\n  - \"x\"\n",
    "---\n- a\n---\n- b\n- c\n---\nkind: Team\n",
    "--- # first\nkind: Team\nlist:\n- a\n- b\n",
    "- |\n  - not an item\n- b\n",
    "- a\n-\n- c\n",
    "- kind: Team\n  members:\n  - a\n  - b\n- kind: Team\n  members: [c, d]\n",
    "---\n",  # an empty document (yaml-rs says None, as for no document: the marker tells them apart)
    "# only a comment\n",
])
def test_positions_are_those_of_the_reference(text: str):
    assert assert_agree(text)


MARKER_TOKENS = ["a: 1", "- b", " ", "\n", "# c", "---", "--- ", "---x", "----", "--- # c", "--- x", "\n---\n", "\n---",
                 "\n--- ", "'x'", "[", "]"]


@FAST
@given(st.lists(st.sampled_from(MARKER_TOKENS), max_size=30))
def test_documents_are_counted_as_their_spans_say(tokens: list[str]):
    # the fast tier counts documents without their spans when every `---` line is the marker alone
    text = "".join(tokens)
    spans, counted = fast.document_spans(text), fast._documents(text)
    assert counted is None if spans is None else counted[0] == len(spans) and counted[1] in ([], spans)
    assert_agree(text)


def test_a_position_is_computed_from_the_entity_alone_never_by_the_reference_parser(monkeypatch):
    items = "".join(f"- kind: Grant\n  id: g{i}\n  to: [a, b]\n  expires: 2026-01-01\n" for i in range(1000))
    parsed = parse_text(items)
    monkeypatch.setattr(reference, "parse", lambda *args: pytest.fail("the file was parsed again in Python"))
    composed = []
    compose = fast.compose
    monkeypatch.setattr(fast, "compose", lambda text: composed.append(len(text)) or compose(text))
    positions = parsed.documents[0].positions
    assert positions.get((700, "expires")) == (2804, 3)
    assert positions.get((700, "to", 1)) == (2803, 11)
    assert composed == [len("- kind: Grant\n  id: g700\n  to: [a, b]\n  expires: 2026-01-01\n")]  # that item only


def test_positions_ask_for_nothing_before_a_finding_needs_one(monkeypatch):
    monkeypatch.setattr(fast, "compose", lambda text: pytest.fail("composed before anything was asked"))
    parsed = parse_text("kind: Team\nid: x\nmembers:\n  - a\n  - b\n")
    assert parsed.documents[0].value["members"] == ["a", "b"]


def test_repository_loads_identically_through_both_parsers(monkeypatch):
    got = load_repo(ROOT)
    monkeypatch.setattr(fast, "parse", lambda text, budget: None)
    want = load_repo(ROOT)
    assert got.findings == want.findings
    assert got.nodes == want.nodes
    assert len(got.entities) == len(want.entities)
    for a, b in zip(got.entities, want.entities, strict=True):
        assert a.data == b.data
        assert (a.source.path, a.source.prefix) == (b.source.path, b.source.prefix)
        for path in b.source.positions:
            if path[:len(b.source.prefix)] == b.source.prefix:
                assert a.source.positions.get(path) == b.source.positions[path], (a.source.path, path)


def test_yaml_rs_agrees_on_every_yaml_file_of_the_project():
    corpus = [p for top in ("ownership", "policy", "tests/fixtures") for p in sorted((ROOT / top).rglob("*.y*ml"))]
    assert len(corpus) > 50
    parsed = sum(assert_agree(path.read_bytes().decode("utf-8-sig", errors="replace")) for path in corpus)
    assert parsed > len(corpus) // 2  # the yaml-rs tier really is the common path


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
    assert fast.parse(text) is None


def test_load_uses_the_fast_tier_first(monkeypatch):
    calls = []
    original = fast.parse
    monkeypatch.setattr(fast, "parse", lambda *args: calls.append(args) or original(*args))
    assert parse_text("kind: Team\nid: a\n").documents[0].value == {"kind": "Team", "id": "a"}
    assert calls
    assert load is not None
