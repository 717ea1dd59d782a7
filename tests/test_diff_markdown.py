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
    assert "more: run `dutyguard diff --format json`" in text
