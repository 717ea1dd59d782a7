"""WVR rules: waivers are explicit, approved, and expire."""

from __future__ import annotations

from collections.abc import Iterator

from validator.findings import Finding
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
                        "approval", ("waivers", i, "expires"))


document("WVR002", "warning", "waiver matches no finding", """
    A waiver (rule + entity) matches no finding: the problem was fixed, or the waiver has a typo.

    Rationale: stale waivers hide the next real problem on the same entity. Remove it.

    Fails:
        waivers:
          - {rule: ROT001, entity: "service:checkout-api", ...}   # checkout-api has no ROT001 finding
    Passes:
        waivers:
          - {rule: ROT001, entity: "service:legacy-billing", ...} # legacy-billing has a ROT001 finding
    """, "waivers")


def apply_waivers(findings: list[Finding], ctx: Context) -> list[Finding]:
    """Mark findings matched by a live waiver as `waived`; report waivers that match nothing."""
    waivers = ctx.settings.waivers
    if not waivers:
        return findings
    live = {}
    for i, waiver in enumerate(waivers):
        if end_of(waiver.expires) > ctx.now:
            live.setdefault((waiver.rule, waiver.entity), i)
    used: set[int] = set()
    out = []
    for finding in findings:
        index = live.get((finding.rule, finding.entity))
        if index is not None and not finding.rule.startswith("WVR"):
            used.add(index)
            out.append(finding.with_severity("waived"))
        else:
            out.append(finding)
    source = ctx.org.sources.get("settings")
    for (rule_id, entity), index in sorted(live.items(), key=lambda item: item[1]):
        if index in used:
            continue
        line = source.line_of(("waivers", index)) if source else 0
        severity = ctx.settings.severity.get("WVR002", "warning")
        if severity != "off":
            out.append(Finding("WVR002", severity, source.path if source else "", line, "settings",
                               f"waiver of {rule_id} for {entity} matches no finding: remove it"))
    return out
