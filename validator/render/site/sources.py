"""Everything the site reads from the time engine and the access graph, in one place.

The site depends on `validator.oncall` (who is on call when: timelines, escalation steps, gaps,
single-person windows) and `validator.graph.access` (effective access with its path) only through
this module, so that a change of their names is one edit here.
"""

from __future__ import annotations

from validator.graph.access import AccessModel, Reach, effective_access, format_path
from validator.oncall import (
    absence_interval,
    describe_window,
    intersect,
    night_mask,
    normalise,
    overlap,
    subtract,
    total,
)
from validator.oncall.zones import instant, local_datetime
from validator.rules.oncall_views import (
    escalation_view,
    escalation_zone,
    horizon,
    hours_label,
    nobody_paged,
    paged_alone,
    rotation_timeline,
    support_hours,
    support_mask,
    turn_limit,
)

__all__ = [
    "AccessModel", "Reach", "effective_access", "format_path", "absence_interval", "describe_window", "intersect",
    "night_mask", "normalise", "overlap", "subtract", "total", "escalation_view", "escalation_zone", "horizon",
    "hours_label", "nobody_paged", "paged_alone", "rotation_timeline", "support_hours", "support_mask",
    "turn_limit", "local_datetime", "instant",
]
