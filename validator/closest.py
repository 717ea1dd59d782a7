"""`difflib.get_close_matches(word, candidates, n=1)`, with the same answer, much faster on many candidates.

difflib scores every candidate with a SequenceMatcher (three ever tighter upper bounds, then the
real ratio) and keeps the best `(ratio, candidate)`. We compute, for every candidate, an upper bound
of its ratio in C (one `str.translate`: how many of its characters occur in the word at all, which is
never below difflib's `quick_ratio` bound), visit candidates from the highest bound down, and stop
as soon as a bound falls below the best ratio found: no later candidate can beat it. Candidates
whose bound ties the best are still scored, so ties are broken exactly as difflib breaks them (the
larger string wins). The candidates are grouped by length first, and a group is searched only
while its length alone (`2 * min(len) / total`) may still reach the best ratio found: a typo of a
17-character id is compared with the ids of 16 to 19 characters, not with all 20,000. The answer
is identical to difflib's (property-tested against difflib itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher
from itertools import compress
from operator import add


def close_match(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate difflib.get_close_matches(word, candidates, n=1, cutoff) returns, or None.

    Passing the same list object again (unchanged) reuses its prepared form: a rule looking up
    several missing ids of one kind pays for grouping and joining the ids once."""
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    length = len(word)
    candidates = candidates if isinstance(candidates, list) else list(candidates)
    best: tuple[float, str] | None = None
    groups = _groups(candidates)
    for size in sorted(groups, key=lambda size: -_bound(size, size, length)):  # the most promising lengths first
        bound = _bound(size, size, length)
        if bound < cutoff or (best is not None and bound < best[0]):
            break  # no candidate of this length (or of any later one) can reach the cutoff or the best
        best = _best_of(word, groups[size], cutoff, best)
    return best[1] if best else None


def _best_of(word: str, group: tuple[list[str], _Prepared], cutoff: float,
             best: tuple[float, str] | None) -> tuple[float, str] | None:
    """difflib's best (ratio, candidate) among `best` (from the groups searched before) and one
    group's candidates, or None when none reaches the cutoff."""
    length = len(word)
    candidates, (scaled, scale, joined) = group
    # candidates with the same (length, characters not in word) share a bound: compute each bound once;
    # the pair is one int, length * scale + kept, so that building and hashing the keys stays in C
    keys = list(map(add, scaled, _kept_lengths(word, candidates, joined)))
    bounds: dict[int, float] = {}
    for key in set(keys):
        size, kept = divmod(key, scale)
        bound = _bound(size, size - kept, length)
        if bound >= cutoff:
            bounds[key] = bound
    # one pass over every candidate picks those that may reach the cutoff, grouped by bound
    by_bound: dict[float, list[str]] = {}
    picked = list(map(bounds.__contains__, keys))
    for key, candidate in zip(compress(keys, picked), compress(candidates, picked), strict=True):
        by_bound.setdefault(bounds[key], []).append(candidate)
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    for bound in sorted(by_bound, reverse=True):  # highest bound first
        if best is not None and bound < best[0]:
            break
        # every candidate of a bound is looked at (any order: a tie goes to the larger string below)
        for candidate in by_bound[bound]:
            matcher.set_seq1(candidate)
            floor = cutoff if best is None else best[0]
            if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
                score = matcher.ratio()
                if score >= cutoff and (best is None or (score, candidate) > best):
                    best = (score, candidate)
    return best


def _bound(size: int, shared: int, length: int) -> float:
    """An upper bound of difflib's ratio for a candidate of `size` characters, `shared` of them in the word."""
    total = size + length
    if not total:
        return 1.0  # SequenceMatcher's ratio of two empty strings
    return 2.0 * (shared if shared < length else length) / total


_SEPARATOR = b"\x00"
_Prepared = tuple[list[int], int, "bytes | None"]
_Groups = dict[int, tuple[list[str], _Prepared]]
_last: tuple[list[str], list[str], _Groups] | None = None  # (the list, a copy, its groups)


def _groups(candidates: list[str]) -> _Groups:
    """The candidates by length, in their order, each group with its prepared form. The last list's
    are kept while the same list object is passed again unchanged."""
    global _last
    if _last is not None and _last[0] is candidates and _last[1] == candidates:
        return _last[2]
    by_size: dict[int, list[str]] = {}
    for candidate in candidates:
        by_size.setdefault(len(candidate), []).append(candidate)
    groups = {size: (group, _prepared(group)) for size, group in by_size.items()}
    _last = (candidates, list(candidates), groups)
    return groups


def _prepared(candidates: list[str]) -> _Prepared:
    """Each candidate's length times `scale` (more than any length), and all of them joined by NUL
    as ASCII bytes (None when one is not plain ASCII or holds a NUL)."""
    lengths = list(map(len, candidates))
    scale = max(lengths, default=0) + 1
    joined: bytes | None = None
    text = "\x00".join(candidates)
    if candidates and text.isascii() and text.count("\x00") == len(candidates) - 1:
        joined = text.encode("ascii")
    return [size * scale for size in lengths], scale, joined


def _kept_lengths(word: str, candidates: list[str], joined: bytes | None) -> list[int]:
    """For each candidate, how many of its characters do not occur in `word`.

    One `bytes.translate` deleting the word's characters over all candidates joined, instead of one
    call per candidate; per candidate (str.translate) when they are not plain ASCII."""
    if joined is not None and word.isascii() and "\x00" not in word:
        return list(map(len, joined.translate(None, word.encode("ascii")).split(_SEPARATOR)))
    drop_word_chars = {ord(c): None for c in set(word)}
    return [len(candidate.translate(drop_word_chars)) for candidate in candidates]


def suggest(word: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    """The id to suggest for a misspelt `word`: a candidate that is `word` with two neighbouring
    characters swapped (the commonest typo, `kia` for `kai`, which difflib's ratio ranks below `mia`),
    else difflib's closest match."""
    if len(word) >= 2:
        known = _candidate_set(candidates)
        for i in range(len(word) - 1):
            if word[i] != word[i + 1]:
                swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
                if swapped in known:
                    return swapped
    return close_match(word, candidates, cutoff)


_last_set: tuple[list[str], list[str], frozenset[str]] | None = None


def _candidate_set(candidates: list[str]) -> frozenset[str]:
    """The candidates as a set, kept while the same list object is passed again unchanged."""
    global _last_set
    if _last_set is not None and _last_set[0] is candidates and _last_set[1] == candidates:
        return _last_set[2]
    known = frozenset(candidates)
    _last_set = (candidates, list(candidates), known)
    return known
