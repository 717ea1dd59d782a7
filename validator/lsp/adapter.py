"""The language server's only door into the pipeline (load, model, engine, rules).

Everything the incremental workspace needs from the layers below goes through these few
functions, so that a change to `validator.load` or `validator.engine` is absorbed here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from validator.engine import about_a_failed_field, cap_per_entity, locate, rule_metadata
from validator.findings import Finding
from validator.load import LoadResult, RawEntity, SourceFile, load_sources
from validator.load.files import list_repo_files, read_listed
from validator.model import KINDS, Org, OrgBuilder
from validator.rules.context import Context, end_of
from validator.rules.registry import UNREAD_FIELDS, Issue, Rule, load_all

__all__ = ["Finding", "Issue", "Org", "Rule", "Context", "RawEntity", "list_files", "read", "parse",
           "model_one", "rules", "UNREAD_FIELDS", "end_of", "run_rule", "to_finding", "finish", "metadata",
           "cold_validate"]


def list_files(root: Path) -> list[SourceFile]:
    """The repository's YAML files in repository order (not read yet)."""
    return list_repo_files(root)


def read(root: Path, listed: SourceFile) -> SourceFile:
    return read_listed(root, listed)


def parse(path: str, data: bytes | None, error: str | None = None) -> LoadResult:
    """One file's raw entities (with positions) and the loader's findings for it."""
    return load_sources([SourceFile(path, data, error)])


def model_one(raw: RawEntity) -> tuple[str | None, object | None, list[Finding], tuple[str, str] | None]:
    """One raw entity through the model: (ref, entity or None, SCH003 findings, (kind, id) if broken).

    An entity that fits its kind is validated as `OrgBuilder` validates it; one that does not goes
    through `OrgBuilder` itself, for its findings worded as a cold run words them."""
    kind = raw.data.get("kind")
    model = KINDS.get(kind) if kind.__class__ is str else None
    if model is not None:
        try:
            entity = model.__pydantic_validator__.validate_python(raw.data)
        except ValidationError:
            pass
        else:
            return ("settings" if kind == "Settings" else entity.ref), entity, [], None
    builder = OrgBuilder()
    builder.add([raw])
    org, findings = builder.finish()
    for ref in org.partial:  # kept, with the fields that failed unknown (one mistake, one finding)
        _, ident = ref.split(":", 1)
        entity = org.collection(kind).get(ident) if kind in ("Person", "Team", "Service", "Role", "Grant") else None
        if entity is not None:
            return ref, entity, findings, None
    broken = next(((kind, ident) for kind, ids in org.broken.items() for ident in ids), None)
    return None, None, findings, broken


def unknown_fields(raw: RawEntity) -> frozenset[str]:
    """The fields of an entity kept although they failed its kind (empty for an entity that fits)."""
    builder = OrgBuilder()
    builder.add([raw])
    org, _ = builder.finish()
    return next(iter(org.partial.values()), frozenset())


def rules() -> dict[str, Rule]:
    return load_all()


def run_rule(rule: Rule, context: Context) -> list[Issue]:
    assert rule.check is not None
    return list(rule.check(context))


def to_finding(rule: Rule, issue: Issue, sources: dict, partial: dict | None = None) -> Finding | None:
    """The issue as a finding; None for an issue about a field that failed its kind (as the engine drops it)."""
    if partial and about_a_failed_field(issue, partial):
        return None
    return locate(rule.id, issue.severity or rule.severity, issue, sources)


def finish(findings: list[Finding], context: Context, all_rules: dict[str, Rule]) -> list[Finding]:
    """What the engine does after the rules: severities from Settings, waivers, order, the cap."""
    from validator.rules.waivers import apply_waivers

    overrides = context.org.settings.severity
    if overrides:
        kept = []
        for finding in findings:
            level = overrides.get(finding.rule)
            if level == "off":
                continue
            kept.append(finding.with_severity(level) if level else finding)
        findings = kept
    findings = apply_waivers(findings, context)
    findings.sort(key=Finding.sort_key)
    return cap_per_entity(findings)


def metadata(all_rules: dict[str, Rule], org: Org) -> dict[str, dict]:
    return rule_metadata(all_rules, org)


def cold_validate(sources: list[SourceFile], now: datetime) -> list[Finding]:
    """A plain `validate` of these files (the reference the incremental engine must equal)."""
    from validator.engine import validate_loaded

    return validate_loaded(load_sources(sources), now).findings
