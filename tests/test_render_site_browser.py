"""`render site` in a real browser: Debian's chromium, headless, driven by Playwright.

The browser is never downloaded: `DUTYGUARD_CHROMIUM` names it (default /usr/bin/chromium, which
`make test` installs with apt on Debian where it is missing). Without it the tests fail when
`CI=true` (a CI run must not pass by skipping them) and are skipped elsewhere, saying why.
Screenshots for a reviewer are written to build/site-screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_cli

NOW = "2026-11-23T12:00:00Z"
CHROMIUM = os.environ.get("DUTYGUARD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "build" / "site-screenshots"


def _browser_or_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no browser at {CHROMIUM} (install Debian's chromium: make browser; or set DUTYGUARD_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (python) is not installed: make venv"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")   # a fresh user-data dir for every run
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1400, "height": 900}, service_workers="block")
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, repo in (("example", ROOT), ("gaps", FIXTURES / "site" / "gaps")):
        site = tmp_path_factory.mktemp(name) / "site"
        result = run_cli("render", "site", "--out", str(site), repo=repo, now=NOW)
        assert result.code == 0, result.err
        out[name] = site
    return out


class Visit:
    """A page opened from disk, with every console error, page error and request leaving DIR recorded."""

    def __init__(self, context, site: Path, name: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        inside = site.resolve().as_uri() + "/"

        def route(route) -> None:
            url = route.request.url
            if url.startswith(inside):
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        self.page = context.new_page()
        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(inside) else self.outside.append(r.url))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.goto(inside + name, wait_until="load")

    def close(self) -> None:
        self.page.close()


@pytest.mark.parametrize("which", ["example", "gaps"])
def test_every_page_loads_without_console_errors_or_requests_leaving_the_folder(browser, sites, which):
    site = sites[which]
    names = sorted(p.name for p in site.glob("*.html"))
    assert len(names) >= 8
    for name in names:
        visit = Visit(browser, site, name)
        title = visit.page.title()
        visit.close()
        assert title.endswith("· dutyguard"), name
        assert visit.errors == [], (name, visit.errors)
        assert list(dict.fromkeys(visit.outside)) == [], (name, visit.outside)


def test_the_follow_the_sun_timeline_shows_three_hand_offs_a_day(browser, sites):
    visit = Visit(browser, sites["example"], "escalation-platform-follow-the-sun.html")
    try:
        marks = visit.page.locator('g.level[data-level="1"] line.handoff')
        count = marks.count()
        days: dict[str, int] = {}
        for index in range(count):
            mark = marks.nth(index)
            box = mark.bounding_box()
            assert box is not None and box["height"] > 20          # drawn, not just present in the markup
            day = mark.get_attribute("data-at")[:10]
            days[day] = days.get(day, 0) + 1
        full_days = sorted(days)[1:-1]                            # the horizon starts and ends at noon UTC
        assert len(full_days) == 27 and {days[d] for d in full_days} == {3}, days
        tooltip = marks.first.locator("title").text_content()
        assert re.fullmatch(r"hand-off Mon 2026-11-23 15:00 UTC: [a-z]+ → [a-z]+", tooltip), tooltip
        assert visit.page.get_by_text("Level 1: 84 hand-offs").is_visible()
        _screenshot(visit.page, "timeline-follow-the-sun.png")
    finally:
        visit.close()
    assert visit.errors == [] and visit.outside == []


def test_a_gap_shows_its_window_in_words_and_in_the_timeline(browser, sites):
    visit = Visit(browser, sites["gaps"], "escalation-billing-oncall.html")
    try:
        page = visit.page
        window = page.locator("li.gap-window", has_text="Wed 2026-11-25 09:00 – 17:00 Europe/Berlin")
        assert window.is_visible()
        gaps = page.locator("g.coverage rect.gap")
        assert gaps.count() == 4 and gaps.first.is_visible()
        assert gaps.first.locator("title").text_content() == \
            "GAP: no one on call Wed 2026-11-25 09:00 – 17:00 Europe/Berlin"
        assert page.locator("g.coverage text", has_text="GAP").first.is_visible()   # text, not colour only
        override = page.locator("rect.override")
        assert override.count() == 1 and "eve replaces the schedule" in override.locator("title").text_content()
        _screenshot(page, "timeline-gap.png")
        page.add_style_tag(content="html { filter: grayscale(1); }")
        _screenshot(page, "timeline-gap-greyscale.png")
    finally:
        visit.close()
    assert visit.errors == [] and visit.outside == []


def test_a_rotation_with_errors_is_drawn_unknown(browser, sites):
    visit = Visit(browser, sites["gaps"], "escalation-reports-oncall.html")
    try:
        page = visit.page
        assert page.locator("rect.gap").count() == 0
        assert page.locator("g.level text", has_text="unknown: this level's rotation has errors").is_visible()
        assert page.locator("p.unknown-note", has_text="Coverage unknown: rotation reports-days: SCH005").is_visible()
    finally:
        visit.close()


def test_the_index_lists_services_by_tier_and_filters_them(browser, sites):
    visit = Visit(browser, sites["example"], "index.html")
    try:
        page = visit.page
        assert page.locator("h2", has_text="Tier 1").is_visible()
        rows = page.locator("table.services tbody tr")
        total = rows.count()
        assert total == 11
        _screenshot(page, "index.png", full_page=True)
        page.get_by_label("Filter services:").fill("webhooks")
        visible = [rows.nth(i).inner_text() for i in range(total) if rows.nth(i).is_visible()]
        assert len(visible) == 1 and visible[0].startswith("payments-webhooks")
        page.get_by_label("Filter services:").fill("")
        assert all(rows.nth(i).is_visible() for i in range(total))
        page.get_by_role("link", name="payments-critical").first.click()
        assert page.url.endswith("/escalation-payments-critical.html")
    finally:
        visit.close()
    assert visit.errors == [] and visit.outside == []


def _screenshot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    page.screenshot(path=str(target), full_page=full_page)
    assert target.stat().st_size > 10_000


def test_chromium_comes_from_the_machine_not_a_download():
    """Playwright's own browser downloads are never used: the path is the system's (or DUTYGUARD_CHROMIUM)."""
    assert not CHROMIUM.startswith(str(Path.home() / ".cache" / "ms-playwright"))
    if shutil.which("chromium") and "DUTYGUARD_CHROMIUM" not in os.environ:
        assert Path(CHROMIUM) == Path("/usr/bin/chromium")
