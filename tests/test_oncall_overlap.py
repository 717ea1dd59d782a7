"""The fast interval helpers give the same numbers as the plain definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.oncall import intersect, normalise, overlap, total

spans = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=30).map(normalise)


@settings(max_examples=300, deadline=None)
@given(spans, spans)
def test_overlap_is_the_total_of_the_intersection(a, b):
    assert overlap(a, b) == total(intersect(a, b)) == overlap(b, a)


@settings(max_examples=200, deadline=None)
@given(spans)
def test_total_is_the_sum_of_lengths(a):
    assert total(a) == sum(end - start for start, end in a)


def test_overlap_of_touching_but_disjoint_spans():
    # spans of one timeline may touch without being joined: the overlap is still exact
    assert overlap([(0, 5), (5, 10)], [(3, 7)]) == 4
    assert overlap([], [(0, 1)]) == 0
