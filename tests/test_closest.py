"""The fast close-match search gives exactly difflib's answer."""

from __future__ import annotations

import difflib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.closest import Index, close_match, suggest

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


# --- the index (validator.closest.Index) against the plain search it replaces ---------------------------------

def plain_suggest(word: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    """What SCH005 suggested before the index: a candidate that is the word with two neighbouring characters
    swapped (the first such swap in the word), else difflib's closest match, looked at one by one."""
    known = set(candidates)
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            if swapped in known:
                return swapped
    expected = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return expected[0] if expected else None


def misspelt(draw, ident: str, alphabet: str) -> str:
    """`ident` with one to three typos: a character replaced, added, dropped, or two swapped."""
    word = ident
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(word)))
        char = draw(st.sampled_from(alphabet))
        edit = draw(st.sampled_from(["replace", "add", "drop", "swap"]))
        if edit == "add" or not word:
            word = word[:at] + char + word[at:]
        elif edit == "replace":
            at = min(at, len(word) - 1)
            word = word[:at] + char + word[at + 1:]
        elif edit == "drop":
            at = min(at, len(word) - 1)
            word = word[:at] + word[at + 1:]
        elif len(word) >= 2:
            at = min(at, len(word) - 2)
            word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return word


@st.composite
def ids_and_typos(draw, alphabet: str):
    """Many ids of few lengths over a small alphabet (so that ties, siblings that differ in one place and
    repeated letters abound), and words to look up: typos of those ids, ids themselves, and random words."""
    idents = draw(st.lists(st.text(alphabet=alphabet, min_size=0, max_size=draw(st.sampled_from([4, 6, 9]))),
                          max_size=250))
    words = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["typo", "typo", "typo", "id", "random"]))
        if kind == "random" or not idents:
            words.append(draw(st.text(alphabet=alphabet + "xyz", max_size=12)))
        elif kind == "id":
            words.append(draw(st.sampled_from(idents)))
        else:
            words.append(misspelt(draw, draw(st.sampled_from(idents)), alphabet + "z"))
    return idents, words


@settings(max_examples=300, deadline=None)
@given(ids_and_typos("ab-1"), st.sampled_from([0.0, 0.5, 0.6, 0.6, 0.75, 0.9, 1.0]))
def test_the_index_suggests_what_the_plain_search_suggests(case, cutoff: float):
    """One index asked for many words, as SCH005 asks it: its lengths get indexed along the way, and every
    answer is the plain search's, whatever path found it."""
    idents, words = case
    index = Index(idents)
    for word in words:
        assert index.suggest(word, cutoff) == plain_suggest(word, idents, cutoff), word
        expected = difflib.get_close_matches(word, idents, n=1, cutoff=cutoff)
        assert index.close_match(word, cutoff) == (expected[0] if expected else None), word


@settings(max_examples=60, deadline=None)
@given(ids_and_typos("abcdefghij-0123456789"))
def test_the_index_on_a_larger_alphabet(case):
    idents, words = case
    index = Index(idents)
    for word in words:
        assert index.suggest(word) == plain_suggest(word, idents), word


def person_ids(count: int, seed: int) -> list[str]:
    """Ids shaped as the benchmark's people (given-family-team and member number): many share all but a place."""
    rng = random.Random(seed)
    given = ["rosa", "ben", "carla", "david", "hugo", "zeno", "yan", "leon", "tara", "gus", "igor", "vera", "kai"]
    family = ["hahn", "kaiser", "weiss", "meier", "schmidt", "richter", "werner", "hoffmann", "lang", "krueger"]
    return sorted({f"{rng.choice(given)}-{rng.choice(family)}-{rng.randrange(2000)}{rng.randrange(10)}"
                   for _ in range(count)})


@pytest.mark.parametrize("letter", ["u", "\u00fc"])
def test_many_typos_among_many_ids_are_answered_through_the_index(letter: str):
    """The benchmark's case: 4,000 people, 180 misspelt member ids (a letter wrong, dropped, added, two
    swapped, two typos, two letters dropped). Every suggestion is the plain search's, found by lookups
    among the halves of the ids (ASCII or not: `hugo`, then `h\u00fcgo`)."""
    idents = [ident.replace("u", letter) for ident in person_ids(4000, seed=18)]
    rng = random.Random(19)
    index = Index(idents)
    for n in range(180):
        ident = rng.choice(idents)
        at = rng.randrange(len(ident) - 1)
        word = [ident[:at] + "x" + ident[at + 1:], ident[:at] + ident[at + 1:], ident[:at] + "q" + ident[at:],
                ident[:at] + ident[at + 1] + ident[at] + ident[at + 2:], ident[:-1] + "x"[: n % 2] + "-",
                ident[:at] + ident[at + 2:]][n % 6]
        assert index.suggest(word) == plain_suggest(word, idents), word
    # (white box: lookups, not only scans, gave those answers: among the halves of the ids for one typo, among
    # the ids less one character, from their joined text or id by id, for two)
    assert index._halves and index._deleted


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["ab-1", "abcde-12", "abcdefghijklmnop-0123456789"]),
       st.integers(20, 600), st.integers(3, 14))
def test_the_index_on_random_id_sets_of_one_shape(seed: int, alphabet: str, count: int, size: int):
    """Ids of few lengths sharing long parts (a common stem, a varying tail), as ids in an organisation do,
    and typos of them: every path of the search (lookups that drop a character on either side or two on the
    id's, scans) is taken, and each answer is the plain search's."""
    rng = random.Random(seed)
    stems = ["".join(rng.choice(alphabet) for _ in range(size)) for _ in range(max(1, count // 20))]
    idents = sorted({rng.choice(stems)[: size - rng.randrange(3)] + "".join(rng.choice(alphabet) for _ in range(3))
                     for _ in range(count)})
    index = Index(idents)
    for _ in range(30):
        word = list(rng.choice(idents))
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            at = rng.randrange(len(word) + 1)
            edit = rng.choice(["replace", "add", "drop", "swap"])
            if edit == "add" or at == len(word):
                word.insert(at, rng.choice(alphabet + "xz"))
            elif edit == "replace":
                word[at] = rng.choice(alphabet + "xz")
            elif edit == "drop":
                del word[at]
            elif at + 1 < len(word):
                word[at], word[at + 1] = word[at + 1], word[at]
        text = "".join(word)
        assert index.suggest(text) == plain_suggest(text, idents), text
