"""`--format json` and `--format sarif` write their JSON through report/json_text.py: the same bytes as json.dumps."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.report.json_text import dump, dumps

# text with what a hostile repository may hold: controls, line breaks, quotes, backslashes, direction marks,
# characters beyond the BMP (escaped as surrogate pairs) and lone surrogates
texts = st.text(st.characters(codec=None, blacklist_categories=()), max_size=12) | st.sampled_from(
    ["", '"', "\\", "\n", "\u202e", "\U0001f600", "\ud800", "::error::x", "</script>"])
scalars = texts | st.integers(-2**70, 2**70) | st.booleans() | st.none()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(texts, inner, max_size=4),
    max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(values)
def test_same_text_as_json_dumps(value):
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=True)


@settings(max_examples=200, deadline=None)
@given(st.recursive(scalars | st.floats(allow_nan=True),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        texts | st.integers(0, 9) | st.booleans() | st.floats(), inner, max_size=3),
                    max_leaves=12))
def test_values_it_leaves_to_json_come_out_as_json_writes_them(value):
    """Floats (NaN too), keys that are not strings: json's own text, indented to its place."""
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=True)


def test_a_findings_report_shape():
    value = {"findings": [{"rule": "SCH005", "line": 3, "message": "team:a member 'b\u202e' is not a known Person"},
                          {}], "counts": {"error": 1, "warning": 0}, "empty": [], "none": None}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(values, max_size=3), st.integers(0, 9000))
def test_written_a_piece_at_a_time_the_text_is_the_same(items, copies):
    """A report of thousands of findings is written a few thousand pieces at a time, not as one string."""
    value = {"findings": [{"rule": "ACC004", "n": n, "more": items} for n in range(copies)], "counts": {"error": 1}}
    stream = io.StringIO()
    dump(value, stream)
    assert stream.getvalue() == json.dumps(value, indent=2, ensure_ascii=True)
