"""ACC016 matches a literal ARN against an action's ARN formats with one compiled regex per action
(`literal_matcher`): it must say exactly what `parts_meet` says, format by format, for every action of
the catalog and ARNs made from the catalog's own formats (and near misses of them)."""

from __future__ import annotations

import re

from validator.iam.catalog import arn_formats, arn_parts, catalog, literal_matcher, parts_meet

_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _arns_of(fmt: str) -> list[str]:
    """Literal ARNs near a format: its variables filled in, then each part changed in turn."""
    filled = _VARIABLE.sub("x1", fmt)
    parts = filled.split(":", 5)
    out = [filled, _VARIABLE.sub("", fmt), filled + "/more", filled + ":more"]
    for index in range(6):
        changed = list(parts)
        changed[index] = changed[index] + "z" if changed[index] else "z"
        out.append(":".join(changed))
        changed[index] = ""
        out.append(":".join(changed))
    return [arn for arn in out if "*" not in arn and "?" not in arn and "${" not in arn]


def _by_meet(action: str, arn: str) -> bool:
    mine = arn_parts(arn)
    return any(parts_meet(mine, arn_parts(fmt)) for _, fmt in arn_formats(action))


def test_the_regex_of_every_action_agrees_with_parts_meet():
    cat = catalog()
    by_service: dict[str, list[str]] = {}
    for key, fmt in cat.arns.items():
        by_service.setdefault(key.partition(":")[0], []).extend(_arns_of(fmt))
    checked = hits = 0
    for action in sorted(cat.levels)[::3]:  # every third action of the catalog: about 7,000
        matcher = literal_matcher(action)
        if not arn_formats(action):
            assert matcher is None
            continue
        assert matcher is not None
        for arn in by_service.get(action.partition(":")[0], ())[:60] + ["arn:aws:s3:::bucket", "arn:aws:iam::1:role/x"]:
            if len(arn.split(":", 5)) != 6:
                continue
            expected = _by_meet(action, arn)
            assert bool(matcher.fullmatch(arn)) == expected, (action, arn)
            checked += 1
            hits += expected
    assert checked > 50_000 and 0.05 < hits / checked < 0.95  # both answers are well represented


def test_known_answers():
    assert literal_matcher("s3:getobject").fullmatch("arn:aws:s3:::logs/2026/app.log")
    assert not literal_matcher("s3:getobject").fullmatch("arn:aws:s3:::logs")  # a bucket, not an object
    assert literal_matcher("s3:listbucket").fullmatch("arn:aws:s3:::logs")
    assert literal_matcher("dynamodb:getitem").fullmatch("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
    assert not literal_matcher("dynamodb:getitem").fullmatch("arn:aws:sqs:eu-west-1:123456789012:table/orders")
    assert literal_matcher("cloudwatch:putmetricdata") is None  # only `*`


def test_a_wildcard_meets_the_formats_whose_regex_matches_its_stem():
    """ACC016 reads a wildcard ARN that is a literal ARN and a last `*` (`...:task/prod/*`) as meeting an
    action's formats when the regex matches its stem (the ARN without the `*`): `parts_meet` must say so
    too, for stems cut anywhere in the resource part of ARNs near the catalog's formats."""
    cat = catalog()
    assert not any("?" in fmt for fmt in cat.arns.values())  # (where a format has one, ACC016 does not cut short)
    by_service: dict[str, list[str]] = {}
    for key, fmt in cat.arns.items():
        by_service.setdefault(key.partition(":")[0], []).extend(_arns_of(fmt))
    checked = 0
    for action in sorted(cat.levels)[1::7]:
        matcher = literal_matcher(action)
        if matcher is None:
            continue
        for arn in by_service.get(action.partition(":")[0], ())[:30]:
            parts = arn.split(":", 5)
            if len(parts) != 6:
                continue
            start = len(arn) - len(parts[5])
            for stem in {arn[:cut] for cut in range(start, len(arn) + 1)}:
                if matcher.fullmatch(stem):
                    assert _by_meet(action, stem + "*"), (action, stem)
                    checked += 1
    assert checked > 20_000
