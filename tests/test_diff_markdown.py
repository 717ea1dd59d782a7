"""The pull-request comment: headline wording, safety of user text, size limits."""

from __future__ import annotations

import pytest

from validator.report.markdown import MAX_COMMENT, headline, inline, render_diff

HOSTILE = "@org/security <img src=x onerror=alert(1)> [click](http://evil)"


def added(person: str, role: str, *risk: str, reason: str = "because") -> dict:
    return {"person": person, "role": role, "environment": "production" if "production" in risk else "staging",
            "via": ["team:payments", f"grant:{role}"], "risk": list(risk), "reason": reason,
            "approved_by": ["erin"], "ticket": None, "expires": None, "grant": role, "conditions": []}


def diff_of(add=(), remove=(), ownership=(), new=(), fixed=()) -> dict:
    return {"access": {"added": list(add), "removed": list(remove)}, "ownership": list(ownership),
            "findings": {"new": list(new), "fixed": list(fixed)}}


# --- headline --------------------------------------------------------------------------------------

def test_headline_counts_people_and_the_dangerous_ones():
    diff = diff_of([added("dave", "deploy", "production", "write"),
                    added("erin", "admin", "production", "permissions-management"),
                    added("erin", "deploy", "production", "write")])
    assert headline(diff) == "2 people gain production access, 1 of them permissions-management"


def test_headline_singular_and_other_kinds_of_change():
    diff = diff_of([added("dave", "admin", "production", "permissions-management"),
                    added("ivan", "staging-deploy", "write")],
                   remove=[{"person": "bob", "role": "deploy", "via": [], "risk": ["production"]}])
    assert headline(diff) == ("1 person gains production access, including permissions-management; "
                              "1 other person gains non-production access; 1 person loses access")


def test_headline_when_access_does_not_change():
    assert headline(diff_of()) == "no change in effective access"


# --- escaping ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, forbidden", [
    ("ping @alice and @org/team", ["@alice", "@org"]),
    ("see #123 and GH-1", ["#123", "GH-1"]),
    ("<script>alert(1)</script>", ["<script", "</script"]),
    ("<img src=x onerror=alert(1)>", ["<img"]),
    ("[click](http://evil)", ["[click]", "](", "http://"]),
    ("![x](https://evil/p.png)", ["![", "https://"]),
    ("visit www.evil.example or HTTPS://EVIL", ["www.evil", "HTTPS://"]),
    ("mail root@evil.example", ["root@evil"]),
    ("a | b", [" | "]),
    ("line\nbreak\r\n## heading", ["\n", "\r"]),
    ("**bold** _it_ `code` ~~s~~", ["**bold**", "`code`", "~~s~~"]),
    ("&lt;already escaped&gt;", ["&lt;already"]),
    ("<!-- dutyguard-diff -->", ["<!--"]),
    ("right\u202eto-left", ["\u202e"]),
    ("zero\u200bwidth and \u2066isolate\u2069 and soft\u00adhyphen", ["\u200b", "\u2066", "\u2069", "\u00ad"]),
])
def test_inline_neutralises(text, forbidden):
    out = inline(text)
    for bad in forbidden:
        assert bad not in out, (text, out)


def test_inline_keeps_ordinary_text_readable():
    assert inline("Deploy and roll back checkout") == "Deploy and roll back checkout"
    assert inline(["erin", "victor"]) == "erin, victor"
    assert inline(None) == "—" and inline(3) == "3"
    assert inline([["rotation:a", "person:b"], ["person:c"]]) == "1: rotation:a, person:b → 2: person:c"


def test_hostile_reason_in_the_comment():
    text = render_diff(diff_of([added("dave", "admin", "production", reason=HOSTILE)]), "main", "working tree")
    assert "@org" not in text and "<img" not in text and "](http" not in text and "http://evil" not in text
    assert text.count("<!-- dutyguard-diff -->") == 1 and text.startswith("<!-- dutyguard-diff -->")


def test_hostile_finding_message_in_the_comment():
    finding = {"rule": "SCH003", "severity": "error", "path": "ownership/x.yaml", "line": 2,
               "entity": "person:x", "message": f"Person field 'name': bad value {HOSTILE}"}
    text = render_diff(diff_of(new=[finding]), "main", "working tree")
    assert "@org" not in text and "<img" not in text and "](http" not in text


# --- size -------------------------------------------------------------------------------------------

def test_a_huge_diff_stays_within_githubs_comment_limit():
    many = [added(f"p{i:05d}", f"role-{i % 50}", "production", "write", reason="x" * 200) for i in range(5000)]
    text = render_diff(diff_of(many), "main", "working tree")
    assert len(text) <= MAX_COMMENT + 200
    assert "5000 people gain production access" in text
    assert "more: the complete diff is the JSON artifact of this workflow run" in text


def test_invisible_characters_are_shown_escaped_not_dropped():
    assert inline("ma\u200bllory") == "ma\\\\u200bllory"  # shows as ma\u200bllory
    assert inline("a\u202eb") == "a\\\\u202eb"
    assert inline("line\nbreak") == "line\\\\nbreak"
    assert inline("Zoë Wolf, 東京") == "Zoë Wolf, 東京"  # ordinary letters stay as they are


def _service_added(i: int) -> list[dict]:
    entity = f"service:svc-{i:04d}"
    return [{"entity": entity, "field": "exists", "before": False, "after": True},
            {"entity": entity, "field": "owner", "before": None, "after": f"team-{i % 40}"},
            {"entity": entity, "field": "tier", "before": None, "after": 1 + i % 4},
            {"entity": entity, "field": "escalation", "before": None, "after": f"esc-{i % 40}"}]


def test_a_two_thousand_service_change_stays_readable():
    diff = diff_of()
    diff["changes"] = [c for i in range(2000) for c in _service_added(i)]
    diff["roles"] = [{"role": "checkout-deploy", "environment": "production", "risk": ["production", "write"],
                      "holders": [f"p{i}" for i in range(40)], "fields": [],
                      "gained": [{"action": "ssm:SendCommand", "resource": "*", "risk": ["privilege-escalation"]}],
                      "lost": []}]
    diff["oncall"] = [entry for i in range(2000) for entry in (
        {"service": f"svc-{i:04d}", "level": 1, "from": "2026-12-02T09:00:00+00:00",
         "to": "2026-12-02T13:00:00+00:00", "before": ["dave"], "after": ["zoe"]},
        {"service": f"svc-{i:04d}", "more": 3})]
    text = render_diff(diff, "main", "working tree")
    assert len(text) <= MAX_COMMENT + 200
    visible = text.split("<details>")[0]
    assert "- **Entities**: 2000 new: service:svc-0000" in visible
    assert "- **Roles widened**: checkout-deploy held by 40 people: gains 1 action with privilege-escalation" in visible
    assert "2000 services page other people in 8000 windows" in visible
    assert "| checkout-deploy | gained | ssm:SendCommand |" in visible  # never folded away
    assert "| svc-0000 | team-0 | 1 | esc-0 |" in visible
    assert "more: the complete diff is the JSON artifact" in visible
