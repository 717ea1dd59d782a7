"""`dutyguard render site --out DIR`: a self-contained static site of the organisation.

Pages (all in DIR, flat, linked relatively, so the folder works from disk, an artifact or any web server):

    index.html                services by tier: owner, escalation, support hours, lifecycle, findings
    escalation-<id>.html      the horizon as an SVG timeline: one row per level, gaps, single-person windows
    escalations.html          every escalation with its gap and single-person hours
    team-<id>.html            a team, its services, and a card per member: on-call and night hours per
                              week against the limits, rotations, absences, production access with path
    people-<n>.html           the same cards for people in no team (200 a page)
    teams.html                every team
    access.html               production roles with risk and holders; the people x roles matrix
    findings.html             every finding with file and line (findings-2.html ... past 1,000)

Everything is drawn at render time from jinja2 templates (autoescape on; invisible and
direction-changing characters of user text shown escaped); HTML, inline CSS, inline SVG and a few
hundred bytes of inline script; no network, no fonts, no CDN (a Content-Security-Policy forbids any).
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from validator.render.site.build import Builder, Repository

__all__ = ["render_site", "Repository"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# control, invisible and direction-changing characters: shown as \uXXXX, never raw
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
                     "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
                     "\U000e0000-\U000e0fff\n\t\r]")


def visible(value: object) -> object:
    """A value as the page shows it: user text with hidden characters written out (`\\u202e`)."""
    if value.__class__ is Markup or not isinstance(value, str):  # the templates' own markup, numbers
        return "" if value is None else value
    if value.isascii() and value.isprintable():
        return value
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000
                       else f"\\U{ord(m.group()):08x}", value)


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    class SiteEnvironment(Environment):
        """`row.key` on the build's plain dicts looks the key up first (jinja tries the attribute first)."""

        def getattr(self, obj, attribute):
            if obj.__class__ is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    env = SiteEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=visible)
    env.filters["hours"] = lambda value: f"{value:.1f}"
    env.filters["percent"] = lambda value: f"{value:.0%}"
    env.filters["visible"] = visible
    return env


def render_site(result, repository: Repository | None = None) -> dict[str, bytes]:
    """Every page of the site: file name -> bytes (UTF-8 HTML), laid out in one process."""
    builder = Builder(result, repository)
    site = builder.build()
    env = environment()
    common = builder.common()
    names = sorted(site.pages)
    cache: dict = {}

    def lay_out(name: str) -> bytes:
        template_name, variables = site.pages[name]
        template = cache.get(template_name)
        if template is None:
            template = cache[template_name] = env.get_template(template_name)
        return template.render(**common, **variables, page=name).encode("utf-8")

    return {name: lay_out(name) for name in names}
