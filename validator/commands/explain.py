"""`dutyguard explain RULE`: the rule's rationale and a failing and a passing example."""

from __future__ import annotations

import argparse
import difflib


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", metavar="RULE", help="a rule id such as OWN001")


def run(args: argparse.Namespace) -> int:
    from validator.findings import UsageError
    from validator.rules.registry import load_all

    rules = load_all()
    rule_id = args.rule.upper()
    if rule_id not in rules:
        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"unknown rule '{args.rule}'{hint}; rules: {', '.join(sorted(rules))}")
    rule = rules[rule_id]
    print(f"{rule.id} ({rule.severity}): {rule.title}\n")
    print(rule.doc)
    return 0
