"""rules: one module per topic; each rule a small function yielding Issues (see registry)."""

from validator.rules.registry import RULES, Issue, Rule, load_all, rule

__all__ = ["RULES", "Issue", "Rule", "load_all", "rule"]
