"""Hypothesis strategies for YAML-shaped data, shared by the loader's property tests."""

from __future__ import annotations

import math

from hypothesis import strategies as st

# NEL and the Unicode line/paragraph separators are line breaks to YAML: PyYAML's dumper cannot round-trip them
BREAKS = "\x85\u2028\u2029"
TRICKY = ["no", "on", "yes", "off", "2026-01-05", "12:30", "0123", "1e3", "1_000", "0o17", "0x1F", ".5", "~",
          "Null", "TRUE", "-.inf", ".NaN", "<<", "&a", "*a", "!x"]

# YAML 1.2-only spellings that a YAML 1.1 writer (PyYAML's dumper) leaves unquoted as text
YAML12_ONLY = {"0o17"}

keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=BREAKS),
               min_size=1, max_size=12)
scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12)
           | st.floats(allow_nan=True, allow_infinity=True, width=64)
           | st.sampled_from(TRICKY)
           | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters=BREAKS),
                     max_size=30))


def _values(leaves):
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                        max_leaves=25)


values = _values(scalars)
mappings = st.dictionaries(keys, values, min_size=1, max_size=6)
documents = mappings | st.lists(values, min_size=1, max_size=4)
# what PyYAML's (YAML 1.1) dumper writes so that a YAML 1.2 reader sees the same values
dumpable_mappings = st.dictionaries(keys, _values(scalars.filter(lambda v: v not in YAML12_ONLY)), min_size=1,
                                    max_size=6)


def same(a, b) -> bool:
    """Equal values of equal types, in the same key order; NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
