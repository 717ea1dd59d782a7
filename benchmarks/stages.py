"""Where one validation run spends its time: CPU seconds per stage and per rule, in one process.

    python benchmarks/stages.py REPO [--now ISO]

Stages: imports, load (read + parse), model validation, the IAM catalog and the role analysis the
access rules share (paid by the first of them in a real run), each rule that takes at least 20 ms (its
findings located: positions are computed for them then), and the rest of the pipeline (severities,
waivers, sorting). The garbage collector is off, as in `dutyguard validate`.
"""

from __future__ import annotations

import gc
import os
import sys
import time

START = time.process_time()
gc.disable()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from validator.engine import _run  # noqa: E402
from validator.load import load_repo  # noqa: E402
from validator.model import build_org  # noqa: E402
from validator.rules.context import Context  # noqa: E402
from validator.rules.registry import load_all  # noqa: E402

NOW = "2026-11-23T12:00:00+00:00"


def main(argv: list[str]) -> int:
    root = Path(argv[1])
    now = datetime.fromisoformat(argv[argv.index("--now") + 1] if "--now" in argv else NOW).astimezone(UTC)
    rows: list[tuple[str, float]] = [("imports", time.process_time() - START)]
    mark = time.process_time()
    loaded = load_repo(root)
    rows.append(("load", time.process_time() - mark))
    mark = time.process_time()
    org, _ = build_org(loaded)
    rows.append(("model validation", time.process_time() - mark))
    context = Context(org, now)
    # work the ACC rules share, paid by whichever runs first in a real run: shown as stages of their own
    from validator.iam.catalog import catalog
    from validator.rules.access import _views

    mark = time.process_time()
    catalog()
    rows.append(("IAM catalog", time.process_time() - mark))
    mark = time.process_time()
    for _ in _views(context):  # every role's statements analysed once (the views are kept)
        pass
    rows.append(("role analysis (shared by the ACC rules)", time.process_time() - mark))
    rules_total = 0.0
    per_rule = []
    for rule_id, rule in load_all().items():
        if rule.check is None:
            continue
        mark = time.process_time()
        count = len(_run(rule, context))
        spent = time.process_time() - mark
        rules_total += spent
        per_rule.append((rule_id, spent, count))
    rows.append(("rules", rules_total))
    print("| stage | CPU s |\n|---|---|")
    print("\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in rows))
    slow = sorted((r for r in per_rule if r[1] >= 0.02), key=lambda r: -r[1])
    print("\n| rule | CPU s | findings |\n|---|---|---|")
    print("\n".join(f"| {rule_id} | {seconds:.2f} | {count} |" for rule_id, seconds, count in slow))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
