"""Which existing id to suggest for a misspelt one: `difflib.get_close_matches(word, ids, n=1)`, with
the same answer, found through an index so that a typo costs about the same among 100 ids or 100,000.

difflib's ratio of a candidate is `2 * M / T`: T its length plus the word's, M the characters of its
matching blocks, which form a subsequence common to both. So a candidate of length C reaching a ratio
r has M >= m, the least integer with `2 * m / T >= r`, and deleting `len(word) - m` of the word's
characters and `C - m` of its own gives one same string. The search, per word:

1. **Near ids.** Ids one typo away (a letter wrong, missing, extra or swapped) are looked up: the
   word less one letter among the ids; the ids of its length (or one longer) that, less one
   letter, are the word less one (or whole), through the ids of each length kept by their first
   half and by their second: such an id shares a half with the word, or with the word less one
   letter (`_one_apart`). difflib scores them and the best ratio becomes the bar.
2. **Every length that may still beat it**, the most promising first: a length is skipped when its
   bound (`2 * min(C, len(word)) / T`) is below the bar, or when its ids must hold the whole word
   and one of the word's characters occurs in none of them at a place it could take (`_fits`: a
   typo `x` at the end of ids ending in digits); else m gives the letters each side must lose.
   When they are few (a typo of a 14-character id against the ids of 16 characters: the word must
   lose none, the id two), the word's deletions, plus one letter when the id loses two, are
   looked up again; when they are many (the word is not near any id), the ids of that length are
   scanned: one `bytes.translate` over all of them gives each an upper bound of its ratio (how many
   of its characters occur in the word at all), and they are scored from the highest bound down
   until a bound falls below the best ratio found.

A length's halves are kept once a word first needs them (a dict entry per id and half, a fifth of
what its deletions cost): one typo costs a few lookups, however many ids there are. Its deletions
(for words farther off) are indexed once the scans they would have spared have cost half as much.

Only candidates that may reach the bar are ever left out, and the best `(ratio, candidate)` wins, so
ties are broken as difflib breaks them (the larger string). Property-tested against difflib itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher
from itertools import chain, compress, repeat
from math import comb
from operator import add, itemgetter

_Best = tuple[float, str] | None


class Index:
    """The ids of one kind, prepared for many `suggest` / `close_match` calls. The ids of one length
    are kept by halves and joined for the scan when a word first needs them; their deletions (about
    1.4 KiB per id) are indexed once the scans that lookups would have replaced have cost half as
    much as building them (ski rental): a few typos cost what a scan costs, many cost a few lookups each."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self._known = frozenset(candidates)
        self._by_size: dict[int, list[str]] = {}
        by_size = self._by_size
        for candidate in self._known:
            group = by_size.get(len(candidate))
            if group is None:
                by_size[len(candidate)] = [candidate]
            else:
                group.append(candidate)
        self._order: dict[int, list[int]] = {}  # a word's length -> the ids' lengths, the most promising first
        self._windows: dict[tuple[int, int], list[set[str]]] = {}  # for `_fits`
        self._deleted: dict[int, set[str]] = {}  # length -> its ids less one character
        self._places: dict[int, list[str]] = {}  # length -> the characters its ids have at each place
        self._scan: dict[int, tuple[list[str], bytes | None]] = {}
        self._scans: dict[int, int] = {}  # length -> scans done where a lookup in its index would do
        # length -> its ids by their first half (`length // 2` characters), and by the rest
        self._halves: dict[int, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}

    def suggest(self, word: str, cutoff: float = 0.6) -> str | None:
        """An id that is `word` with two neighbouring characters swapped (the commonest typo, `kia` for
        `kai`, which difflib's ratio ranks below `mia`), else difflib's closest match."""
        if len(word) >= 2:
            for i in range(len(word) - 1):
                if word[i] != word[i + 1]:
                    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
                    if swapped in self._known:
                        return swapped
        return self.close_match(word, cutoff)

    def close_match(self, word: str, cutoff: float = 0.6) -> str | None:
        """What difflib.get_close_matches(word, ids, n=1, cutoff) returns, or None."""
        if not 0.0 <= cutoff <= 1.0:
            raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
        length = len(word)
        search = _Search(word, cutoff)
        # size -> m: every id of that size with a subsequence of m characters in common is scored
        scored: dict[int, int] = {}
        # 1. the ids one typo away, to set a high bar for the rest
        for size in (length - 1, length + 1, length):
            if size <= 0 or size not in self._by_size or (size == 1 and length == 1):
                continue
            if length > len(self._by_size[size]):
                continue  # fewer ids than lookups: the scan below is cheaper
            if size < length:  # the word less one character: lookups in the ids themselves
                search.score(self._known.intersection(_deletions(word, 1)))
            elif size == length or self._fits(word, size):  # (else no longer id holds the word: none to score)
                # one character less on both sides, or on the id's only: through the ids' halves
                search.score(self._one_apart(word, size))
            scored[size] = length - 1 if size <= length else length
        # 2. every length that may hold an id at least as close
        order = self._order.get(length)
        if order is None:
            order = self._order[length] = sorted(self._by_size, key=lambda size: -_bound(size, size, length))
        for size in order:
            bar = search.bar()
            if _bound(size, size, length) < bar:
                break  # no id of this length (nor of any later one) can reach the bar
            total = size + length
            least = _least_matches(bar, total) if total else 0
            if scored.get(size, total + 1) <= least:
                continue  # every id of this length that may reach the bar is scored already
            if least == length and not self._fits(word, size):
                continue  # no id of this length holds the whole word
            if total and self._lookup_pays(word, size, length - least, size - least):
                search.score(self._near(word, size, length - least, size - least))
            else:
                _scan(search, self._scanned(size))
        return search.best[1] if search.best else None

    def _one_apart(self, word: str, size: int) -> list[str]:
        """The ids of `size` (`len(word)` or one more, at least 2) that, less one character, are the word
        less one (or the word itself, or the word itself when one longer): every id whose match with the
        word may have `size - 1` characters.

        An id of the word's length that is the word with character i dropped and another added at j agrees
        with it outside the places between i and j, and between them is the word moved by one place: so
        its first half is the word's less some i up to the middle, or its second half the word's less some
        i from the middle on (one lookup per i among the ids' halves). An id one longer is the word with a
        character added: before its middle (its second half is the word's from the middle less one) or
        after (its first half is the word's). The ids found share a half with the word and are then
        checked one by one."""
        heads, tails = self._halves_of(size)
        half = size // 2
        found: list[str] = []
        if size == len(word):
            for key in {word[:i] + word[i + 1:half + 1] for i in range(half + 1)}:
                found += heads.get(key, ())
            for key in {word[half - 1:i] + word[i + 1:] for i in range(half - 1, size)}:
                found += tails.get(key, ())
            return [ident for ident in set(found) if _one_each(ident, word)]
        found += heads.get(word[:half], ())
        found += tails.get(word[half - 1:], ())
        return [ident for ident in set(found) if _one_more_than(ident, word)]

    def _halves_of(self, size: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The ids of `size` by their first `size // 2` characters and by the rest, built the first time."""
        halves = self._halves.get(size)
        if halves is None:
            heads: dict[str, list[str]] = {}
            tails: dict[str, list[str]] = {}
            half = size // 2
            for ident in self._by_size[size]:  # (twice as fast as grouping the ids sorted)
                key = ident[:half]
                found = heads.get(key)
                if found is None:
                    heads[key] = [ident]
                else:
                    found.append(ident)
                key = ident[half:]
                found = tails.get(key)
                if found is None:
                    tails[key] = [ident]
                else:
                    found.append(ident)
            halves = self._halves[size] = (heads, tails)
        return halves

    def _fits(self, word: str, size: int) -> bool:
        """Whether an id of `size` may be the word with characters added: each character of the word occurs
        among the ids at its own place or at most `size - len(word)` places later."""
        more = size - len(word)
        windows = self._windows.get((size, more))
        if windows is None:
            places = self._places_of(size)
            windows = self._windows[(size, more)] = [set("".join(places[at:at + more + 1]))
                                                      for at in range(size - more)]
        return all(map(set.__contains__, windows, word))

    def _lookup_pays(self, word: str, size: int, word_loses: int, id_loses: int) -> bool:
        """Whether looking up the word's deletions costs less than scanning the ids of `size`
        (counting a scan towards building the length's index when only the index is missing)."""
        if id_loses > 2:
            return False
        keys = comb(len(word), word_loses)
        if id_loses == 2:
            keys *= sum(map(len, self._places_of(size)[:-1]))
        if keys > len(self._by_size[size]):
            return False
        if id_loses == 0 or size in self._deleted:
            return True
        # building costs about as much as size / 2 scans of the length: build after half of them
        scans = self._scans[size] = self._scans.get(size, 0) + 1
        if scans * 4 < size:
            return False
        self._deleted_of(size)
        return True

    def _near(self, word: str, size: int, word_loses: int, id_loses: int) -> Iterable[str]:
        """The ids of `size` that, less `id_loses` characters, are the word less `word_loses` characters."""
        keys: Iterable[str] = _deletions(word, word_loses)
        if id_loses == 0:
            return self._known.intersection(keys)
        places = self._places_of(size)
        if id_loses == 2:  # an id less its second extra character is a key with the first added at its place
            keys = _one_more(keys, places)
        keys = list(keys)
        found = compress(keys, map(self._deleted_of(size).__contains__, keys))
        # an id is a key found with one character more
        return self._known.intersection(_one_more(found, places))

    def _deleted_of(self, size: int) -> set[str]:
        """The ids of `size` less one character, built the first time: when the ids are plain ASCII,
        their NUL-joined text (the scan's) loses every id's i-th character in one C call (`del` of a
        bytearray's slice with a step) and is split, for each i: twice as fast as slicing each id."""
        deleted = self._deleted.get(size)
        if deleted is None:
            deleted = self._deleted[size] = set()
            joined = self._scanned(size)[1]
            for i in range(size):
                if joined is not None:
                    cut = bytearray(joined)
                    del cut[i::size + 1]
                    deleted.update(cut.decode("ascii").split("\x00"))
                else:
                    group = self._by_size[size]
                    deleted.update(map(add, map(itemgetter(slice(0, i)), group),
                                       map(itemgetter(slice(i + 1, None)), group)))
        return deleted

    def _places_of(self, size: int) -> list[str]:
        """For each place of an id of `size`, the characters the ids have there."""
        places = self._places.get(size)
        if places is None:
            joined = "".join(self._by_size[size])  # all of one length: place i of each is every size-th character
            places = self._places[size] = ["".join(set(joined[i::size])) for i in range(size)]
        return places

    def _scanned(self, size: int) -> tuple[list[str], bytes | None]:
        scan = self._scan.get(size)
        if scan is None:
            group = self._by_size[size]
            scan = self._scan[size] = (group, _joined(group))
        return scan


class _Search:
    """One word's search: difflib's matcher with the word as its second sequence, and the best
    (ratio, candidate) so far."""

    def __init__(self, word: str, cutoff: float) -> None:
        self.word = word
        self.cutoff = cutoff
        self.best: _Best = None
        self.matcher = SequenceMatcher()
        self.matcher.set_seq2(word)

    def bar(self) -> float:
        """The ratio an id must reach to be the answer (or to tie with it)."""
        return self.cutoff if self.best is None else max(self.cutoff, self.best[0])

    def score(self, candidates: Iterable[str]) -> None:
        """Keep the best of `candidates` by difflib's ratio (its three ever tighter bounds first)."""
        matcher, cutoff = self.matcher, self.cutoff
        for candidate in candidates:
            matcher.set_seq1(candidate)
            floor = cutoff if self.best is None else self.best[0]
            if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
                score = matcher.ratio()
                if score >= cutoff and (self.best is None or (score, candidate) > self.best):
                    self.best = (score, candidate)


def _deletions(word: str, count: int) -> set[str]:
    """Every string that is `word` less `count` of its characters."""
    found = {word}
    for _ in range(count):
        found = {text[:i] + text[i + 1:] for text in found for i in range(len(text))}
    return found


def _one_more(keys: Iterable[str], places: list[str]) -> Iterator[str]:
    """Every key with one character inserted, of `places[i]` at place i (the strings are made in C)."""
    return chain.from_iterable(map(key[:i].__add__, map(add, places[i], repeat(key[i:])))
                               for key in keys for i in range(len(key) + 1))


def _one_each(ident: str, word: str) -> bool:
    """Whether `ident`, as long as `word`, less one character is `word` less one (or is `word`): outside
    their first and last differing places they agree, and between them one is the other moved by one."""
    size = len(word)
    first = 0
    while first < size and ident[first] == word[first]:
        first += 1
    if first == size:
        return True
    last = size - 1
    while ident[last] == word[last]:
        last -= 1
    return ident[first:last] == word[first + 1:last + 1] or ident[first + 1:last + 1] == word[first:last]


def _one_more_than(ident: str, word: str) -> bool:
    """Whether `ident`, one character longer than `word`, less one character is `word`."""
    size = len(word)
    first = 0
    while first < size and ident[first] == word[first]:
        first += 1
    return ident[first + 1:] == word[first:]


def _least_matches(bar: float, total: int) -> int:
    """The fewest matching characters M with difflib's `2.0 * M / total` at least `bar` (total > 0)."""
    least = max(0, int(bar * total / 2) - 1)
    while 2.0 * least / total < bar:
        least += 1
    return least


def _scan(search: _Search, group: tuple[list[str], bytes | None]) -> None:
    """Score every candidate of one group (all of one length) that may reach the search's bar."""
    word, cutoff = search.word, search.cutoff
    candidates, joined = group
    size = len(candidates[0])
    kept = _kept_lengths(word, candidates, joined)  # per candidate, its characters not in the word
    # the fewer characters not in the word, the higher the bound: the candidates of each count are picked
    # in C, only when their bound is reached (any order: a tie goes to the larger string)
    for count in sorted(set(kept)):
        bound = _bound(size, size - count, len(word))
        if bound < cutoff or (search.best is not None and bound < search.best[0]):
            break
        search.score(compress(candidates, map(count.__eq__, kept)))


def _bound(size: int, shared: int, length: int) -> float:
    """An upper bound of difflib's ratio for a candidate of `size` characters, `shared` of them in the word."""
    total = size + length
    if not total:
        return 1.0  # SequenceMatcher's ratio of two empty strings
    return 2.0 * (shared if shared < length else length) / total


_SEPARATOR = b"\x00"


def _joined(candidates: list[str]) -> bytes | None:
    """The candidates joined by NUL as ASCII bytes (None when one is not plain ASCII or holds a NUL)."""
    text = "\x00".join(candidates)
    if candidates and text.isascii() and text.count("\x00") == len(candidates) - 1:
        return text.encode("ascii")
    return None


def _kept_lengths(word: str, candidates: list[str], joined: bytes | None) -> list[int]:
    """For each candidate, how many of its characters do not occur in `word`.

    One `bytes.translate` deleting the word's characters over all candidates joined, instead of one
    call per candidate; per candidate (str.translate) when they are not plain ASCII."""
    if joined is not None and word.isascii() and "\x00" not in word:
        return list(map(len, joined.translate(None, word.encode("ascii")).split(_SEPARATOR)))
    drop_word_chars = {ord(c): None for c in set(word)}
    return [len(candidate.translate(drop_word_chars)) for candidate in candidates]


def close_match(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate difflib.get_close_matches(word, candidates, n=1, cutoff) returns, or None.

    Passing the same list object again (unchanged) reuses its index; `Index` keeps one explicitly."""
    return _index(candidates).close_match(word, cutoff)


def suggest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """`Index(candidates).suggest(word, cutoff)`, reusing the index while the same list is passed unchanged."""
    return _index(candidates).suggest(word, cutoff)


_last: tuple[list[str], list[str], Index] | None = None  # (the list, a copy, its index)


def _index(candidates: Iterable[str]) -> Index:
    global _last
    if not isinstance(candidates, list):
        return Index(candidates)
    if _last is not None and _last[0] is candidates and _last[1] == candidates:
        return _last[2]
    index = Index(candidates)
    _last = (candidates, list(candidates), index)
    return index
