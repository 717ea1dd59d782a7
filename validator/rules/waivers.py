"""WVR rules: waivers are explicit, approved, and expire."""

from __future__ import annotations

from collections.abc import Iterator

from validator.findings import Finding, one_line
from validator.rules.context import Context, end_of
from validator.rules.registry import Issue, document, rule


@rule("WVR001", "error", "expired waiver")
def expired_waiver(ctx: Context) -> Iterator[Issue]:
    """
    A waiver in Settings `waivers` is past its `expires` date (a date lasts to the end of that
    day, UTC). An expired waiver no longer waives anything.

    Rationale: waivers are debts with a due date; an expired one must be renewed (with a new
    approval) or the problem fixed. `dutyguard prune` removes expired waivers.

    Fails:
        waivers:
          - {rule: ROT001, entity: "service:legacy-billing", reason: "wip", expires: 2020-01-31, approved_by: erin}
    Passes:
        waivers:
          - {rule: ROT001, entity: "service:legacy-billing", reason: "wip", expires: 2099-01-31, approved_by: erin}
    """
    for i, waiver in enumerate(ctx.settings.waivers):
        if ctx.expired(waiver.expires):
            yield Issue("settings", f"waiver of {waiver.rule} for {waiver.entity} expired on "
                        f"{waiver.expires.isoformat()}: fix the finding, or renew the waiver with a new "
                        "approval", ("waivers", i, "expires"), subject=waiver_name(waiver))


document("WVR002", "warning", "waiver matches no finding", """
    A waiver (rule + entity, and its subject when it names one) matches no finding: the problem was
    fixed, or the waiver has a typo.

    Rationale: stale waivers hide the next real problem on the same entity. Remove it.

    Fails:
        waivers:
          - {rule: ROT001, entity: "service:checkout-api", ...}   # checkout-api has no ROT001 finding
    Passes:
        waivers:
          - {rule: ROT001, entity: "service:legacy-billing", ...} # legacy-billing has a ROT001 finding
    """, "waivers")

document("WVR003", "error", "waiver without subject matches more than one finding", """
    A waiver without `subject` matches every finding of its rule and entity only while there is
    exactly one. Once the entity has two or more findings of that rule (a second rotation of the
    service became a single point of failure, a second inactive person is referenced, ...), the
    waiver waives none of them and this error lists their subjects: name the accepted one in
    `subject` (one waiver per accepted finding), and fix the others.

    Rationale: a waiver is a reviewed decision about one problem. Without a subject it would
    silently also accept the next, new problem of the same kind on the same entity, and CI would
    pass without anyone having looked at it.

    Fails:
        waivers:   # legacy-billing has ROT001 on two rotations
          - {rule: ROT001, entity: "service:legacy-billing", reason: "...", expires: 2027-01-31, approved_by: erin}
    Passes:
        waivers:
          - {rule: ROT001, entity: "service:legacy-billing", subject: "rotation:legacy-oncall/layer:main",
             reason: "...", expires: 2027-01-31, approved_by: erin}
    """, "waivers")

MAX_LISTED = 10  # subjects a WVR003 message names


def waiver_name(waiver) -> str:
    """A waiver as a finding's subject and in messages: `RULE/entity`, plus `/subject` when it names one."""
    return f"{waiver.rule}/{waiver.entity}" + (f"/{waiver.subject}" if waiver.subject is not None else "")


def apply_waivers(findings: list[Finding], ctx: Context) -> list[Finding]:
    """Mark findings matched by a live waiver as `waived` (SPEC §3): a waiver with a `subject` matches that
    finding; one without matches its rule and entity while they have exactly one finding, else it waives
    none and is WVR003. Report waivers that match nothing (WVR002)."""
    waivers = ctx.settings.waivers
    if not waivers:
        return findings
    live = [(i, waiver) for i, waiver in enumerate(waivers) if end_of(waiver.expires) > ctx.now]
    keys = {(waiver.rule, waiver.entity) for _, waiver in live}
    # (rule, entity) -> indexes of its findings, for the waived pairs only (one pass over every finding)
    matches: dict[tuple[str, str], list[int]] = {}
    for n, finding in enumerate(findings):
        key = (finding.rule, finding.entity)
        if key in keys and not finding.rule.startswith("WVR"):
            matches.setdefault(key, []).append(n)
    waived: set[int] = set()
    out_of_use: list[tuple[int, object]] = []
    ambiguous: list[tuple[int, object, list[str]]] = []
    for i, waiver in live:
        candidates = matches.get((waiver.rule, waiver.entity), [])
        if waiver.subject is not None:
            candidates = [n for n in candidates if findings[n].subject == waiver.subject]
        if not candidates:
            out_of_use.append((i, waiver))
        elif waiver.subject is None and len(candidates) > 1:
            ambiguous.append((i, waiver, sorted({findings[n].subject for n in candidates})))
        else:
            waived.update(candidates)
    out = [finding.with_severity("waived") if n in waived else finding for n, finding in enumerate(findings)]
    source = ctx.org.sources.get("settings")
    path = source.path if source else ""

    def line(index: int) -> int:
        return source.line_of(("waivers", index)) if source else 0

    severity = ctx.settings.severity.get("WVR002", "warning")
    if severity != "off":
        for i, waiver in out_of_use:
            what = f" and subject {waiver.subject}" if waiver.subject is not None else ""
            out.append(Finding("WVR002", severity, path, line(i), "settings",
                               one_line(f"waiver of {waiver.rule} for {waiver.entity}{what} matches no finding: "
                                        "remove it"), subject=waiver_name(waiver)))
    severity = ctx.settings.severity.get("WVR003", "error")
    if severity != "off":
        for i, waiver, subjects in ambiguous:
            listed = ", ".join(subject or '""' for subject in subjects[:MAX_LISTED])
            if len(subjects) > MAX_LISTED:
                listed += f" and {len(subjects) - MAX_LISTED} more"
            out.append(Finding("WVR003", severity, path, line(i), "settings", one_line(
                f"waiver of {waiver.rule} for {waiver.entity} has no subject and matches {len(subjects)} "
                f"findings ({listed}), so it waives none of them: add `subject:` naming the one that was "
                "accepted (one waiver per accepted finding) and fix the others"), subject=waiver_name(waiver)))
    return out
