"""The fast close-match search gives exactly difflib's answer."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.closest import close_match, suggest

ids = st.text(alphabet="abcdeklmnrs-0129", min_size=0, max_size=14)


@settings(max_examples=300, deadline=None)
@given(ids, st.lists(ids, max_size=40), st.sampled_from([0.0, 0.3, 0.6, 0.8, 1.0]))
def test_same_answer_as_difflib(word: str, candidates: list[str], cutoff: float):
    expected = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    assert close_match(word, candidates, cutoff) == (expected[0] if expected else None)


def test_a_typo_finds_its_id_among_many():
    people = [f"person-{i}" for i in range(5000)] + ["alice-schmidt"]
    assert close_match("alice-schmidz", people) == "alice-schmidt"
    assert close_match("zzzzzzzzzzzz", people) is None


odd_ids = st.text(alphabet="ab-1\x00", min_size=0, max_size=8)


@settings(max_examples=200, deadline=None)
@given(odd_ids, st.lists(odd_ids, max_size=20))
def test_same_answer_when_ids_hold_the_separator(word: str, candidates: list[str]):
    expected = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    assert close_match(word, candidates) == (expected[0] if expected else None)


def test_any_iterable_of_candidates():
    assert close_match("alice", iter(["alicia", "bob"])) == "alicia"
    assert close_match("alice", []) is None


def test_the_same_list_changed_in_place_is_searched_as_it_is_now():
    """The prepared form of a list is reused only while the list is unchanged."""
    people = [f"person-{i}" for i in range(50)]
    assert close_match("alice-schmidz", people) is None
    people.append("alice-schmidt")
    assert close_match("alice-schmidz", people) == "alice-schmidt"
    people[-1] = "alice-schmitt"
    assert close_match("alice-schmidz", people) == "alice-schmitt"


@settings(max_examples=100, deadline=None)
@given(st.lists(ids, max_size=30), st.lists(ids, min_size=1, max_size=5))
def test_searching_one_list_for_several_words_is_difflibs_answer_each_time(candidates: list[str], words: list[str]):
    for word in words:
        expected = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        assert close_match(word, candidates) == (expected[0] if expected else None)


def test_a_transposition_is_suggested_before_a_closer_looking_id():
    """`kia` is `kai` with two letters swapped; difflib alone ranks `mia` first."""
    assert difflib.get_close_matches("kia", ["mia", "kai"], n=1) == ["mia"]
    assert suggest("kia", ["mia", "kai"]) == "kai"


@settings(max_examples=200, deadline=None)
@given(ids, st.lists(ids, max_size=30))
def test_suggest_is_a_transposition_when_there_is_one_else_difflibs_answer(word: str, candidates: list[str]):
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1]}
    got = suggest(word, candidates)
    if swaps & set(candidates):
        assert got in swaps & set(candidates)
    else:
        expected = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        assert got == (expected[0] if expected else None)
