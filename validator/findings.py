"""The one currency every stage trades in: a finding at a file and line."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

SEVERITIES = ("error", "warning", "waived")
# line breaks (YAML also folds NEL, LS and PS into them) and other control characters in user text
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


MAX_MESSAGE = 1000  # characters; a longer message (quoting a huge value) keeps its start and its end
MAX_QUOTED = 80  # characters of a user's value quoted in a message


def shown(text: str) -> str:
    """User text as a reader may see it safely on one line: every character that is not printable (controls,
    line breaks, and the invisible or direction-changing format characters U+200B, U+202E, U+2066..U+2069,
    U+200E/F, U+FEFF, tag characters, ...: Unicode categories C*, Z* but the plain space) shown escaped as
    Python writes it (`\\u202e`, `\\n`), so that no output can hide text, reorder it, or start a line of its
    own (a workflow command). `str.isprintable` knows the Unicode version of the running Python."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def quote_value(value: object, limit: int = MAX_QUOTED) -> str:
    """A user's value quoted in a message (`'Mars/X'`), cut to `limit` characters so that a 1,000-character
    value does not flood the message."""
    text = repr(value) if not isinstance(value, str) else "'" + value + "'"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


def one_line(message: str) -> str:
    """A message as one printable line, whatever user text it quotes: control characters shown escaped (`\\n`).
    (A printable message, nearly every one, holds none of them: `str.isprintable` says so faster than a search.)"""
    if not message.isprintable() and _UNPRINTABLE.search(message):
        message = _UNPRINTABLE.sub(_escaped, message)
    if len(message) > MAX_MESSAGE:
        half = MAX_MESSAGE // 2
        message = f"{message[:half]} ... ({len(message) - 2 * half:,} characters cut) ... {message[-half:]}"
    return message


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in the repository, pointing at the file and line at fault."""

    rule: str
    severity: str
    path: str
    line: int
    entity: str
    message: str
    column: int = 0
    # what exactly is wrong inside the entity (SPEC §3 "Finding identity"): another entity as kind:id,
    # an IAM action, a field path, ... or "" where the entity itself is the whole story
    subject: str = ""

    def with_severity(self, severity: str) -> Finding:
        return replace(self, severity=severity)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.rule, self.entity, self.subject, self.message)

    def identity(self) -> tuple[str, str, str]:
        """What makes two runs' findings 'the same' (baseline, diff, waivers): rule, entity, subject."""
        return (self.rule, self.entity, self.subject)

    @property
    def fingerprint(self) -> str:
        """Stable across --now, messages, numbers, lines and file order: SHA-256 of rule, entity, subject."""
        return fingerprint(self.rule, self.entity, self.subject)

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "entity": self.entity,
            "subject": self.subject,
            "fingerprint": self.fingerprint,
            "message": self.message,
        }


def fingerprint(rule: str, entity: str, subject: str) -> str:
    return hashlib.sha256(f"{rule}\x1f{entity}\x1f{subject}".encode()).hexdigest()


def count(findings: list[Finding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "waived": 0}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


class UsageError(Exception):
    """Bad usage or a repository that cannot be read at all: one line, exit 2."""
