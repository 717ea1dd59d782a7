"""The rule reference, generated from the registry (`make docs` writes docs/rules.md)."""

from __future__ import annotations

from validator.rules.registry import load_all

TOPICS = ("schema", "ownership", "rotation", "escalation", "access", "waivers")


def rules_table() -> str:
    """The README's rule table: id, severity, title."""
    rules = load_all()
    lines = ["| id | severity | finding |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.severity} | {r.title} |" for r in sorted(rules.values(), key=lambda r: r.id)]
    return "\n".join(lines)


def rules_markdown() -> str:
    """Every rule's documentation, grouped by topic."""
    rules = load_all()
    out = ["# Rule reference", "",
           "Generated from the rules' own docstrings by `make docs`; `dutyguard explain RULE` prints the same.", ""]
    for topic in TOPICS:
        group = sorted((r for r in rules.values() if r.topic == topic), key=lambda r: r.id)
        if not group:
            continue
        out += [f"## {topic.capitalize()}", ""]
        for rule in group:
            out += [f"### {rule.id} — {rule.title} ({rule.severity})", "", _fence_examples(rule.doc), ""]
    return "\n".join(out).rstrip() + "\n"


def _fence_examples(doc: str) -> str:
    """Indent-aware: turn the `Fails:` / `Passes:` blocks into fenced YAML."""
    out: list[str] = []
    in_block = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped in ("Fails:", "Passes:"):
            if in_block:
                out += ["```", ""]
            out += [f"**{stripped[:-1]}:**", "", "```yaml"]
            in_block = True
            continue
        if in_block and line and not line.startswith(" "):
            out += ["```", ""]
            in_block = False
        out.append(line[4:] if in_block and line.startswith("    ") else line)
    if in_block:
        out.append("```")
    return "\n".join(out)


if __name__ == "__main__":
    print(rules_markdown(), end="")
