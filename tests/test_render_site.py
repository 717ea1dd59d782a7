"""`render site`: valid, accessible, deterministic, self-contained HTML that shows errors instead of refusing.

The pages are read as a browser would (html5lib's strict HTML5 parser, no error allowed); the browser
tests proper are in test_render_site_browser.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import html5lib
import pytest

from tests.conftest import FIXTURES, ROOT, run_cli

GAPS = FIXTURES / "site" / "gaps"
NOW = "2026-11-23T12:00:00Z"
SVG = "{http://www.w3.org/2000/svg}"


def render(repo: Path, out: Path, *extra: str) -> dict[str, bytes]:
    result = run_cli("render", "site", "--out", str(out), *extra, repo=repo, now=NOW)
    assert result.code == 0, result.err
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict[str, bytes]:
    return render(ROOT, tmp_path_factory.mktemp("example") / "site")


@pytest.fixture(scope="module")
def gaps(tmp_path_factory) -> dict[str, bytes]:
    return render(GAPS, tmp_path_factory.mktemp("gaps") / "site", "--repository", "dutyguard", "--ref", "main")


def pages(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name.endswith(".html")}


def parse(data: bytes):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)


def text_of(data: bytes) -> str:
    """The page's visible text, as html5lib reads it (entities decoded, tags gone)."""
    return " ".join(" ".join(parse(data).itertext()).split())


def test_the_example_renders_the_pages_the_docs_name(example):
    names = set(example)
    assert {"index.html", "escalations.html", "teams.html", "access.html", "findings.html"} <= names
    assert ".dutyguard-render" in names
    assert "escalation-platform-follow-the-sun.html" in names and "team-payments.html" in names
    assert len(pages(example)) >= 20


@pytest.mark.parametrize("which", ["example", "gaps"])
def test_every_page_is_valid_html5_and_accessible(which, request):
    for name, data in pages(request.getfixturevalue(which)).items():
        try:
            tree = parse(data)
        except html5lib.html5parser.ParseError as err:
            raise AssertionError(f"{name}: {err}") from None
        assert tree.get("lang") == "en", name
        assert tree.find("head/title").text.strip(), name
        for svg in tree.iter(f"{SVG}svg"):
            title = svg.find(f"{SVG}title")
            assert title is not None and "".join(title.itertext()).strip(), f"{name}: an svg without a title"
            assert svg.get("role") == "img" and svg.get("aria-labelledby"), name
        for table in tree.iter("table"):
            assert table.find("thead/tr/th") is not None, f"{name}: a table without header cells"
        for img in tree.iter("img"):
            assert img.get("alt"), f"{name}: an image without alt text"


@pytest.mark.parametrize("which", ["example", "gaps"])
def test_nothing_is_loaded_from_elsewhere(which, request):
    """Self-contained: no script, style, font or image from a URL; the only outside links are GitHub file links."""
    for name, data in pages(request.getfixturevalue(which)).items():
        html = data.decode("utf-8")
        assert "default-src 'none'" in html, name     # the browser refuses any load the page did not inline
        assert not re.search(r"""\b(src|srcset|data|poster|action)\s*=""", html, re.I), name
        assert not re.search(r"""url\(\s*['"]?(?!#)""", html), name          # CSS url() only to the page's own SVG ids
        assert "@import" not in html and "@font-face" not in html, name
        for href in re.findall(r'href="([^"]*)"', html):
            if href.startswith("https://"):
                assert href.startswith("https://github.com/fixture-org/dutyguard/blob/main/"), (name, href)
            else:
                assert re.fullmatch(r"[a-z0-9-]+\.html(#[A-Za-z0-9-]+)?|#[A-Za-z0-9-]+", href), (name, href)
        script = re.findall(r"<script>(.*?)</script>", html, re.S)
        assert len(script) == 1 and len(script[0].encode()) < 3000, name   # a few hundred bytes of filter


def test_every_internal_link_lands_on_a_page_and_anchor_that_exist(example, gaps):
    for files in (example, gaps):
        ids = {name: set(re.findall(r'\bid="([^"]+)"', data.decode())) for name, data in pages(files).items()}
        for name, data in pages(files).items():
            for href in re.findall(r'href="([^"#]*)(?:#([^"]*))?"', data.decode()):
                target, anchor = href
                if target.startswith("https://"):
                    continue
                page = target or name
                assert page in ids, (name, target)
                assert not anchor or anchor in ids[page], (name, target, anchor)


def test_the_same_repository_and_now_render_byte_identical_sites(example, tmp_path):
    again = render(ROOT, tmp_path / "again")
    assert again == example


def test_a_site_renders_with_errors_shows_them_and_exits_0(gaps):
    findings = text_of(gaps["findings.html"])
    assert "SCH005" in findings and "member 'ghost' is not a known Person" in findings
    assert "ROT002" in findings and "ownership/services.yaml:1" in findings
    index = text_of(gaps["index.html"])
    assert re.search(r"\d+ errors", index) and "ROT002 error" in index   # the service row links its finding


def test_findings_link_to_their_file_and_line_on_github(gaps):
    html = gaps["findings.html"].decode()
    assert 'href="https://github.com/fixture-org/dutyguard/blob/main/ownership/rotations.yaml#L' in html
    assert 'href="https://github.com/fixture-org/dutyguard/blob/main/ownership/services.yaml#L1"' in html


def test_without_a_repository_findings_name_file_and_line_without_links(example, tmp_path):
    broken = Path(shutil.copytree(GAPS, tmp_path / "repo"))
    files = render(broken, tmp_path / "site")
    html = files["findings.html"].decode()
    assert "https://" not in html and "ownership/services.yaml:1" in text_of(files["findings.html"])


@pytest.mark.parametrize("value", ["a b", "../x", "owner/", "-x/y", "o/p/q"])
def test_a_bad_repository_name_is_a_usage_error(value, tmp_path):
    result = run_cli("render", "site", "--out", str(tmp_path / "site"), "--repository", value, repo=GAPS, now=NOW)
    assert result.code == 2 and result.err.count("\n") == 1 and "--repository" in result.err
    assert not (tmp_path / "site").exists()


def test_the_gap_is_drawn_and_its_window_written(gaps):
    page = gaps["escalation-billing-oncall.html"].decode()
    assert page.count('class="gap"') == 4                        # four Wednesdays in the 28 days
    text = text_of(gaps["escalation-billing-oncall.html"])
    assert "Wed 2026-11-25 09:00 – 17:00 Europe/Berlin" in text
    assert "GAP: no one is on call within the support hours" in text


def test_a_rotation_with_errors_is_unknown_never_a_gap(gaps):
    page = gaps["escalation-reports-oncall.html"].decode()
    assert 'class="gap"' not in page and 'class="oncall"' not in page
    text = text_of(gaps["escalation-reports-oncall.html"])
    assert "unknown: this level's rotation has errors" in text
    assert "Coverage unknown: rotation reports-days: SCH005" in text
    assert "GAP" not in text.replace("GAP: no one on call in support hours", "")   # only the legend says GAP
    listing = text_of(gaps["escalations.html"])
    assert re.search(r"reports-oncall reports 1 business hours.*? unknown a rotation has errors", listing)


def test_user_text_is_escaped_and_invisible_characters_written_out(gaps):
    for name, data in gaps.items():
        text = data.decode("utf-8")
        assert "\u202e" not in text, name
        assert "<script>alert" not in text and "<b>Friends" not in text and "<img src=x" not in text, name
    team = gaps["team-core.html"].decode()
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt; \\u202e gnp.exe" in team
    assert "Core &amp; &lt;b&gt;Friends&lt;/b&gt;" in team


def test_the_follow_the_sun_timeline_hands_over_three_times_a_day(example):
    page = example["escalation-platform-follow-the-sun.html"].decode()
    level_one = page.split('data-level="1"', 1)[1].split('data-level="2"', 1)[0]
    days: dict[str, int] = {}
    for at in re.findall(r'class="handoff" data-at="([0-9-]+)T', level_one):
        days[at] = days.get(at, 0) + 1
    full_days = sorted(days)[1:-1]   # the horizon starts and ends at noon
    assert len(full_days) >= 26 and all(days[d] == 3 for d in full_days), days


def test_a_person_shows_on_call_and_night_hours_against_the_limits_and_access_with_path(example):
    text = text_of(example["team-platform.html"])
    card = text.split("Ivan Petrov ivan", 1)[1].split("Julia Roberts", 1)[0]
    assert re.search(r"\d+% of the horizon \(limit 34%\)", card)
    assert "limit 12 h" in card and "America/New_York" in card
    assert re.search(r"Week From On call \(h\) Night \(h\) 1 2026-11-23 \d+\.\d \d+\.\d 2 2026-11-30 56\.0", card)
    assert ("person:ivan → team:platform → grant:platform-ops-bridge → role:platform-ops-bridge → "
            "(sts:AssumeRole) → role:checkout-readonly") in card


def test_over_the_limit_is_said_in_words_not_only_in_colour(gaps, tmp_path):
    assert "over the limit" not in text_of(gaps["team-core.html"])
    repo = Path(shutil.copytree(GAPS, tmp_path / "repo"))
    settings = repo / "policy" / "settings.yaml"
    settings.write_text(settings.read_text() + "max_oncall_share: 0.05\nmax_night_hours_per_week: 0\n")
    text = text_of(render(repo, tmp_path / "site")["team-core.html"])
    ben = text.split("Ben Ott ben", 1)[1].split("Cy Moss", 1)[0]
    assert "of the horizon (limit 5%) over the limit" in ben
    assert re.search(r"1 2026-11-23 \d+\.\d over", ben)        # the week over the limit, in words


def test_the_access_matrix_has_people_by_production_roles_with_risk_and_expiry(example):
    html = example["access.html"].decode()
    matrix = html.split('<table class="matrix" id="matrix">', 1)[1].split("</table>", 1)[0]
    assert "identity-deploy" in matrix and "write, permissions-management" in matrix
    assert re.search(r'<a href="team-platform.html#person-gina">gina</a>', matrix)
    assert "assumed" in matrix and "granted" in matrix and "no expiry" in matrix
    assert "break-glass" in html  # the break-glass role is listed with its label


def test_render_site_replaces_only_a_directory_it_rendered(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = run_cli("render", "site", "--out", str(foreign), repo=GAPS, now=NOW)
    assert result.code == 2 and (foreign / "notes.txt").read_text() == "keep me"


def test_a_large_organisation_is_split_into_pages_none_over_2_mb(tmp_path):
    """Past 1,000 services the tiers get pages of their own; every page stays far below 2 MB and every link lands.
    The pages a forked helper lays out are the same bytes as those laid out in one process."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    repo = tmp_path / "repo"
    generate.write(generate.generate(0.12, seed=5), repo)
    files = render(repo, tmp_path / "site")
    assert sum(1 for name in files if name.startswith("services-tier-")) >= 2
    assert sum(1 for name in files if name.startswith("escalation-")) >= 200
    assert max(len(data) for data in files.values()) < 2_000_000
    index = files["index.html"].decode()
    assert 'class="services"' not in index and 'href="services-tier-1-1.html"' in index
    ids = {name: set(re.findall(r'\bid="([^"]+)"', data.decode())) for name, data in pages(files).items()}
    for name, data in pages(files).items():
        for target, anchor in re.findall(r'href="([^"#]*)(?:#([^"]*))?"', data.decode()):
            assert (target or name) in ids and (not anchor or anchor in ids[target or name]), (name, target, anchor)
    for name in ("index.html", "services-tier-1-1.html", "teams.html", "access.html", "findings.html"):
        parse(files[name])
    assert render(repo, tmp_path / "again") == files  # deterministic: a second render, the same bytes
