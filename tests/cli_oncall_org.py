"""The small organisation the `oncall` and `calendar` CLI tests share."""

ORG = {
    "ownership/people.yaml": """
        - {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: carol, name: Carol, email: carol@example.com, timezone: Europe/Berlin}
        - {kind: Person, id: erin, name: Erin, email: erin@example.com, timezone: Europe/London}
        - {kind: Team, id: payments, name: Payments, members: [alice, bob, carol], leads: [alice]}
        - {kind: Service, id: checkout-api, owner: payments, tier: 1, escalation: pay}
        - {kind: Service, id: reporting, owner: payments, tier: 4}
    """,
    "ownership/oncall.yaml": """
        - kind: Rotation
          id: pay-primary
          timezone: Europe/Berlin
          layers:
            - {name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, turn: 1w}
          overrides:
            - {person: alice, from: 2026-12-24T00:00, to: 2026-12-27T00:00}   # carol's week
        - kind: Rotation
          id: pay-secondary
          timezone: Europe/Berlin
          layers:
            - {name: weekly, members: [bob, carol, alice], start: 2026-01-05T09:00, turn: 1w}
        - kind: Escalation
          id: pay
          levels:
            - {targets: ["rotation:pay-primary"], after: 15m}
            - {targets: ["rotation:pay-secondary", "person:erin"], after: 15m}
            - {targets: ["person:alice"]}
    """,
}
