"""`difflib.get_close_matches(word, candidates, n=1)`, with the same answer, much faster on many candidates.

difflib scores every candidate with a SequenceMatcher (three ever tighter upper bounds, then the
real ratio) and keeps the best `(ratio, candidate)`. We compute, for every candidate, an upper bound
of its ratio in C (one `str.translate`: how many of its characters occur in the word at all, which is
never below difflib's `quick_ratio` bound), visit candidates from the highest bound down, and stop
as soon as a bound falls below the best ratio found: no later candidate can beat it. Candidates
whose bound ties the best are still scored, so ties are broken exactly as difflib breaks them (the
larger string wins). The answer is identical to difflib's (property-tested against difflib itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher
from itertools import compress


def close_match(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate difflib.get_close_matches(word, candidates, n=1, cutoff) returns, or None."""
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    length = len(word)
    candidates = candidates if isinstance(candidates, list) else list(candidates)
    # candidates with the same (length, characters not in word) share a bound: compute each bound once
    keys = list(zip(map(len, candidates), _kept_lengths(word, candidates), strict=True))
    by_bound: dict[float, set[tuple[int, int]]] = {}
    for size, kept in set(keys):
        bound = _bound(size, size - kept, length)
        if bound >= cutoff:
            by_bound.setdefault(bound, set()).add((size, kept))
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    for bound in sorted(by_bound, reverse=True):  # highest bound first, the larger string first within one
        if best is not None and bound < best[0]:
            break
        bucket = by_bound[bound]
        for candidate in sorted(compress(candidates, map(bucket.__contains__, keys)), reverse=True):
            matcher.set_seq1(candidate)
            floor = cutoff if best is None else best[0]
            if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
                score = matcher.ratio()
                if score >= cutoff and (best is None or (score, candidate) > best):
                    best = (score, candidate)
    return best[1] if best else None


def _bound(size: int, shared: int, length: int) -> float:
    """An upper bound of difflib's ratio for a candidate of `size` characters, `shared` of them in the word."""
    total = size + length
    if not total:
        return 1.0  # SequenceMatcher's ratio of two empty strings
    return 2.0 * (shared if shared < length else length) / total


_SEPARATOR = "\x00"


def _kept_lengths(word: str, candidates: list[str]) -> list[int]:
    """For each candidate, how many of its characters do not occur in `word`.

    One `str.translate` over all candidates joined by a separator that occurs in none of them,
    instead of one call per candidate; per candidate when no such separator is at hand.
    """
    drop_word_chars = {ord(c): None for c in set(word)}
    joined = _SEPARATOR.join(candidates)
    if _SEPARATOR in word or joined.count(_SEPARATOR) != max(len(candidates) - 1, 0):
        return [len(candidate.translate(drop_word_chars)) for candidate in candidates]
    if not candidates:
        return []
    return list(map(len, joined.translate(drop_word_chars).split(_SEPARATOR)))
