"""Interval sets: sorted lists of disjoint half-open `(start, end)` pairs of integer UTC epoch seconds.

Every function takes and returns *normalised* sets (sorted, disjoint, non-empty, not touching)
except `normalise`, which makes one from any iterable of pairs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from operator import itemgetter

Interval = tuple[int, int]
IntervalSet = list[Interval]

_START, _END = itemgetter(0), itemgetter(1)


def normalise(pairs: Iterable[Interval]) -> IntervalSet:
    """Sort, drop empty pairs, merge overlapping and touching ones."""
    out: IntervalSet = []
    for start, end in sorted(pairs):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def union(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    if not a:
        return list(b)
    if not b:
        return list(a)
    return normalise([*a, *b])


def intersect(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    out: IntervalSet = []
    i = j = 0
    count_a, count_b = len(a), len(b)
    while i < count_a and j < count_b:
        a0, a1 = a[i]
        b0, b1 = b[j]
        start = a0 if a0 > b0 else b0
        end = a1 if a1 < b1 else b1
        if start < end:
            out.append((start, end))
        if a1 < b1:
            i += 1
        else:
            j += 1
    return out


def overlap(a: IntervalSet, b: IntervalSet) -> int:
    """`total(intersect(a, b))`, without building the intersection."""
    out = 0
    j, count = 0, len(b)
    for start, end in a:
        j = bisect_right(b, start, j, count, key=_END)  # the first of b ending after `start`
        k = j
        while k < count:
            lo, hi = b[k]
            if lo >= end:
                break
            out += (end if end < hi else hi) - (start if start > lo else lo)
            k += 1
    return out


def subtract(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    """The parts of `a` not in `b`."""
    if not b:
        return list(a)
    out: IntervalSet = []
    append = out.append
    j, count = 0, len(b)
    for start, end in a:
        while j < count and b[j][1] <= start:
            j += 1
        if j == count or b[j][0] >= end:  # untouched by b
            append((start, end))
            continue
        cursor, k = start, j
        while k < count:
            lo, hi = b[k]
            if lo >= end:
                break
            if lo > cursor:
                append((cursor, lo))
            if hi > cursor:
                cursor = hi
            k += 1
        if cursor < end:
            append((cursor, end))
    return out


def complement(a: IntervalSet, start: int, end: int) -> IntervalSet:
    """The parts of `[start, end)` not in `a`."""
    return subtract([(start, end)] if end > start else [], a)


def clip(a: IntervalSet, start: int, end: int) -> IntervalSet:
    return intersect(a, [(start, end)] if end > start else [])


def total(a: IntervalSet) -> int:
    return sum(map(_END, a)) - sum(map(_START, a))


def contains(a: IntervalSet, instant: int) -> bool:
    index = bisect_right(a, (instant, float("inf"))) - 1
    return index >= 0 and a[index][0] <= instant < a[index][1]
