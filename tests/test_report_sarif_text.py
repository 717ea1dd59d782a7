"""`--format sarif` writes its results from one template per shape: the bytes are json.dump's of its document."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.findings import Finding
from validator.report import sarif

# user text at its worst (no lone surrogate: a finding's fingerprint hashes its UTF-8, which has none)
texts = st.text(st.characters(codec=None, blacklist_categories=("Cs",)), max_size=10) | st.sampled_from(
    ["", '"', "%", "%s", "\\", "\n", "\u202e", "\U0001f600", "::error::x", "</script>"])
findings = st.builds(Finding, rule=st.sampled_from(["SCH005", "ACC004", "X%s"]) | texts,
                     severity=st.sampled_from(["error", "warning", "waived", "odd"]), path=texts,
                     line=st.integers(-1, 10**6), entity=texts, message=texts, column=st.integers(0, 3), subject=texts)


def result_of(items: list[Finding]) -> SimpleNamespace:
    return SimpleNamespace(findings=items, rules={"SCH005": {"severity": "error", "title": "t", "doc": "d %s"}},
                           files=["policy/settings.yaml"], root=None)


def check(items: list[Finding]) -> str:
    stream = io.StringIO()
    sarif.report(result_of(items), stream)  # type: ignore[arg-type]
    assert stream.getvalue() == json.dumps(sarif.as_dict(result_of(items)), indent=2, ensure_ascii=True) + "\n"  # type: ignore[arg-type]
    return stream.getvalue()


@settings(max_examples=200, deadline=None)
@given(st.lists(findings, max_size=6))
def test_same_bytes_as_json_dump(items: list[Finding]):
    check(items)


def test_thousands_of_results_with_and_without_a_column_waived_or_not(monkeypatch):
    """(From the templates: json's walk is used for the document around the results only.)"""
    walked = []
    dumps = sarif.dumps
    monkeypatch.setattr(sarif, "dumps", lambda value: walked.append(value) or dumps(value))
    items = [Finding("ACC004", ["error", "warning", "waived"][n % 3], f"policy/{n % 7}.yaml", n, f"role:r{n}",
                     f"100% \u202e'x' {n}", n % 2, f"s{n}") for n in range(4500)]
    assert json.loads(check(items))["runs"][0]["results"][4499]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4499, "startColumn": 1}
    assert len(walked) < 10


def test_a_result_the_template_does_not_take_is_written_by_json():
    check([Finding("R1", "error", "a.yaml", 3, "e", "m", True)])  # type: ignore[arg-type]  (a column json writes `true`)
