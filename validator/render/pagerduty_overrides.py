"""Overrides for Terraform users: the pagerduty provider has no override resource, so the Terraform
render writes them beside the `*.tf.json` files as REST API request bodies, with a manifest, a
script and a README saying how to apply them once Terraform has created the schedules.

- `overrides/<rotation>/<n>.json`: one `POST /schedules/{id}/overrides` body per override still
  running or to come at `--now` (`{"overrides": [{"start", "end", "user"}]}`), numbered in time order;
- `overrides/manifest.json`: every body with its Terraform addresses (the schedule and the user,
  whose PagerDuty ids `terraform show -json` gives after `terraform apply`);
- `apply-overrides.sh` and `README.md`: applying them with curl and jq.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from validator.model import Org
from validator.render.base import dumps, tf_name

SCRIPT = """\
#!/usr/bin/env bash
# Creates the schedule overrides Terraform cannot (the pagerduty provider has no override resource).
# usage, in this folder after `terraform apply`:  PAGERDUTY_TOKEN=... bash apply-overrides.sh
set -euo pipefail
state=$(terraform show -json)
id_of() { jq -r --arg a "$1" '.values.root_module.resources[] | select(.address == $a) | .values.id' <<<"$state"; }
jq -c '.order[]' overrides/manifest.json | while read -r item; do
  file=$(jq -r .file <<<"$item")
  schedule=$(id_of "$(jq -r .schedule_address <<<"$item")")
  user=$(id_of "$(jq -r .user_address <<<"$item")")
  if [ -z "$schedule" ] || [ -z "$user" ]; then echo "not in the Terraform state yet: $file" >&2; exit 1; fi
  echo "POST /schedules/$schedule/overrides  ($file)"
  jq --arg user "$user" '.overrides[0].user.id = $user' "$file" |
    curl --fail-with-body -sS -X POST "https://api.pagerduty.com/schedules/$schedule/overrides" \\
      -H "Authorization: Token token=$PAGERDUTY_TOKEN" \\
      -H "Accept: application/vnd.pagerduty+json;version=2" \\
      -H "Content-Type: application/json" --data @-
  echo
done
"""

README = """\
# PagerDuty configuration for Terraform, rendered by dutyguard

`*.tf.json` are for the `pagerduty` Terraform provider: `terraform init && terraform apply` in
this folder (with `PAGERDUTY_TOKEN` set) creates the teams, schedules, escalation policies and
services; users are looked up by email.

## Schedule overrides

The provider has no override resource, so overrides (vacation cover, swaps) are not in the
`*.tf.json` files. They are here as PagerDuty REST API v2 request bodies, one per override that is
still running or to come when this was rendered:

- `overrides/<rotation>/<n>.json`: the body of `POST /schedules/{id}/overrides`; the user's `id` is
  the dutyguard person id, to be replaced by the PagerDuty user id;
- `overrides/manifest.json`: the list, with each override's Terraform addresses (the schedule and the
  user) whose PagerDuty ids `terraform show -json` gives after `terraform apply`.

After `terraform apply`, create them with curl (needs `jq`):

    PAGERDUTY_TOKEN=... bash apply-overrides.sh

By hand, for one override: find the schedule's id with
`terraform state show pagerduty_schedule.<rotation>` (its `id`) and the user's with
`terraform state show data.pagerduty_user.<person>`, put the user's id into the body, then

    curl -X POST https://api.pagerduty.com/schedules/SCHEDULE_ID/overrides \\
      -H "Authorization: Token token=$PAGERDUTY_TOKEN" \\
      -H "Accept: application/vnd.pagerduty+json;version=2" \\
      -H "Content-Type: application/json" --data @overrides/<rotation>/<n>.json

PagerDuty creates an override each time it is posted: apply each new override once (compare with
`GET /schedules/{id}/overrides?since=...&until=...`, or delete the old ones first).
"""


def terraform_overrides(org: Org, now: datetime) -> dict[str, bytes]:
    """{relative path: bytes}: the override bodies, their manifest, the script and the README."""
    from validator.render.pagerduty import _overrides

    files: dict[str, bytes] = {}
    order: list[dict[str, Any]] = []
    for rid in sorted(org.rotations):
        for number, override in enumerate(sorted(_overrides(org.rotations[rid], now),
                                                 key=lambda o: (o["start"], o["end"], o["person"])), start=1):
            rel = f"overrides/{rid}/{number}.json"
            files[rel] = dumps({"overrides": [{"start": override["start"], "end": override["end"],
                                               "user": {"id": override["person"], "type": "user_reference"}}]})
            order.append({"file": rel, "rotation": rid, "person": override["person"], "start": override["start"],
                          "end": override["end"], "method": "POST", "path": f"/schedules/{rid}/overrides",
                          "schedule_address": f"pagerduty_schedule.{tf_name(rid)}",
                          "user_address": f"data.pagerduty_user.{tf_name(override['person'])}"})
    files["overrides/manifest.json"] = dumps({
        "about": "Schedule overrides, which the pagerduty Terraform provider cannot create: POST each body after "
                 "`terraform apply`, with the schedule's and the user's PagerDuty ids from the Terraform state "
                 "(see README.md and apply-overrides.sh).",
        "order": order})
    files["apply-overrides.sh"] = SCRIPT.encode("utf-8")
    files["README.md"] = README.encode("utf-8")
    return files
