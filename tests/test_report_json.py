"""`--format json` writes each finding from a template: the bytes are json.dump's of the report's dictionary."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.findings import Finding
from validator.report import json_format

# user text at its worst (no lone surrogate: a finding's fingerprint hashes its UTF-8, which has none)
texts = st.text(st.characters(codec=None, blacklist_categories=("Cs",)), max_size=10) | st.sampled_from(
    ["", '"', "\\", "\n", "\u202e", "\U0001f600", "::error::x", "</script>"])
findings = st.builds(Finding, rule=texts, severity=st.sampled_from(["error", "warning", "waived"]), path=texts,
                     line=st.integers(0, 10**6), entity=texts, message=texts, column=st.integers(0, 99), subject=texts)


def written(findings: list[Finding]) -> str:
    result = SimpleNamespace(findings=findings, counts={"error": len(findings), "warning": 0, "waived": 0})
    stream = io.StringIO()
    json_format.report(result, stream)  # type: ignore[arg-type]
    assert json.loads(stream.getvalue())["counts"] == result.counts
    return stream.getvalue()


def expected(findings: list[Finding]) -> str:
    value = {"findings": [f.as_json() for f in findings], "counts": {"error": len(findings), "warning": 0, "waived": 0}}
    return json.dumps(value, indent=2, ensure_ascii=True) + "\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(findings, max_size=5))
def test_same_bytes_as_json_dump(items: list[Finding]):
    assert written(items) == expected(items)


def test_thousands_of_findings_written_a_chunk_at_a_time(monkeypatch):
    """(From the template: the general walk over a dictionary per finding is not used.)"""
    monkeypatch.setattr(json_format, "dump", lambda *args: (_ for _ in ()).throw(AssertionError("walked")))
    items = [Finding("ACC004", "warning", f"policy/{n}.yaml", n, f"role:r{n}", f"role r{n} \u202e'x'", 3, f"s{n}")
             for n in range(4500)]
    assert written(items) == expected(items)


def test_a_finding_the_template_does_not_take_is_written_by_json():
    """A line that is a bool (json writes `true`), a text of a str subclass: json's own writing."""

    class Text(str):
        pass

    items = [Finding("R1", "error", "a.yaml", True, "e", "m"), Finding("R2", "error", Text("b.yaml"), 2, "e", "m")]  # type: ignore[arg-type]
    assert written(items) == expected(items)
    assert written([]) == expected([])
