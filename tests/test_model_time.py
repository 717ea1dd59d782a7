"""When a grant stops being live: `end_of` and `Grant.is_live`, shared by the rules, the access graph,
the IAM render and prune."""

from __future__ import annotations

from datetime import UTC, date, datetime

from validator.model.kinds import Grant
from validator.model.types import end_of


def grant(expires) -> Grant:
    return Grant(kind="Grant", id="g", role="r", to=["person:a"], reason="x", expires=expires)


def test_a_date_lasts_to_the_end_of_that_day_in_utc():
    assert end_of(date(2026, 6, 30)) == datetime(2026, 7, 1, tzinfo=UTC)
    assert grant(date(2026, 6, 30)).is_live(datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC))
    assert not grant(date(2026, 6, 30)).is_live(datetime(2026, 7, 1, tzinfo=UTC))


def test_an_instant_without_offset_is_utc_and_no_expiry_is_always_live():
    assert end_of(datetime(2026, 6, 30, 12)) == datetime(2026, 6, 30, 12, tzinfo=UTC)
    assert not grant(datetime(2026, 6, 30, 12)).is_live(datetime(2026, 6, 30, 12, tzinfo=UTC))
    assert grant(None).is_live(datetime(9999, 1, 1, tzinfo=UTC))
