"""The baseline: a bare PyYAML CSafeLoader parse of every YAML file dutyguard would read.

No positions, no checks, no model: just `yaml.load` of each file's documents. The harness
divides dutyguard's wall time by this one's.

    python benchmarks/bare_parse.py REPO
"""

from __future__ import annotations

import os
import sys

import yaml

ROOTS = ("ownership", "policy")


def yaml_files(root: str) -> list[str]:
    """The same files dutyguard reads: *.yaml / *.yml below ownership/ and policy/, sorted."""
    found = []
    for top in ROOTS:
        for folder, dirs, names in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(folder, n) for n in sorted(names)
                         if n.endswith((".yaml", ".yml")) and not n.startswith("."))
    return found


def main(argv: list[str]) -> int:
    root = argv[1] if len(argv) > 1 else "."
    documents = 0
    for path in yaml_files(root):
        with open(path, "rb") as handle:
            data = handle.read()
        documents += len(list(yaml.load_all(data, Loader=yaml.CSafeLoader)))  # noqa: S506 - the baseline
    print(f"{documents} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
