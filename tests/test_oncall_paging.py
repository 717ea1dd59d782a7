"""The escalation shortcuts agree with the step function they stand in for.

`nobody_in` and `single_person_in` answer from the levels (direct people, rotation segments)
without building `steps_of`; on random levels they must give exactly what `nobody` and
`single_person` give on the steps.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.oncall.escalation import (
    nobody,
    nobody_in,
    runs,
    single_person,
    single_person_in,
    steps_of,
)
from validator.oncall.intervals import normalise

PEOPLE = ("ann", "bob", "cat")
W0, W1 = 100, 200


@st.composite
def segments(draw):
    """Sorted, disjoint, non-empty segments, partly outside the window, touching or with gaps."""
    cuts = sorted(draw(st.sets(st.integers(60, 240), max_size=12)))
    out = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        person = draw(st.sampled_from((*PEOPLE, None)))
        if person is not None:
            out.append((start, end, person))
    return out


levels = st.lists(st.tuples(st.frozensets(st.sampled_from(PEOPLE), max_size=2),
                            st.lists(segments(), max_size=3)), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels, st.booleans())
def test_nobody_in_is_nobody_of_the_steps(paging, empty_window):
    w1 = W0 if empty_window else W1
    view = steps_of(paging, W0, w1)
    for level in (None, *range(len(paging) + 1)):
        assert nobody_in(paging, W0, w1, level) == nobody(view, level)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels, st.booleans())
def test_single_person_in_is_single_person_of_the_steps_when_it_answers(paging, empty_window):
    w1 = W0 if empty_window else W1
    found = single_person_in(paging, W0, w1)
    if found is not None:
        assert found == single_person(steps_of(paging, W0, w1))


@given(segments())
def test_runs_join_touching_segments(found):
    assert runs(found) == normalise((start, end) for start, end, _ in found)


def test_single_person_in_leaves_several_rotations_without_direct_people_to_the_steps():
    paging = [(frozenset(), [[(100, 150, "ann")]]), (frozenset(), [[(120, 200, "bob")]])]
    assert single_person_in(paging, W0, W1) is None
    assert single_person(steps_of(paging, W0, W1)) == {"ann": [(100, 120)], "bob": [(150, 200)]}


def test_kept_segments_share_the_timeline_when_nobody_is_left_out():
    from validator.oncall.engine import Timeline
    from validator.oncall.escalation import kept_segments

    found = Timeline(0, 30, [(0, 10, "ann"), (10, 20, "gone"), (20, 30, "ann")])
    assert kept_segments(found, {"ann", "gone"}) is found.segments
    assert kept_segments(found, {"ann"}) == [(0, 10, "ann"), (20, 30, "ann")]
    assert kept_segments(found, None) is found.segments
    assert kept_segments(None, {"ann"}) is None
